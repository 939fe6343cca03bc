/* Atomic writes leave either the old file or the new one, never a partial or
 * temporary file; bounded reads refuse oversized input. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fsutil.h"
#include "sha256.h"
#include "tmpdir.h"

/* Number of entries in dir p whose name contains part. */
static int count_entries(const char *p, const char *part)
{
	DIR *d = opendir(p);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strstr(e->d_name, part))
			n++;
	closedir(d);
	return n;
}

static void test_write_then_read(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_buf b = RC_BUF_INIT;
	struct stat st;
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/plan.json", dir);
	assert_int_equal(rc_write_file_atomic(path, "first\n", 6, 0640, &err), 0);
	assert_int_equal(rc_write_file_atomic(path, "second\0x", 8, 0600, &err), 0);
	assert_int_equal(rc_read_file(path, 100, &b, &err), 0);
	assert_int_equal(b.len, 8);
	assert_memory_equal(b.data, "second\0x", 8);
	assert_int_equal(b.data[8], '\0');
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(count_entries(dir, ".tmp."), 0);
	assert_int_equal(count_entries(dir, ""), 1);
	rc_buf_release(&b);
	/* An empty file and a relative path work too. */
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(rc_write_file_atomic("empty", "", 0, 0644, &err), 0);
	assert_int_equal(rc_read_file("empty", 10, &b, &err), 0);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	rc_buf_release(&b);
	assert_int_equal(chdir("/"), 0);
}

static void test_missing_directory(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/no/such/dir/plan.json", dir);
	assert_int_equal(rc_write_file_atomic(path, "x", 1, 0644, &err), -1);
	assert_int_equal(err.kind, RC_ERR_IO);
	assert_int_equal(err.sys_errno, ENOENT);
	assert_non_null(strstr(err.msg, "cannot create a temporary file next to '"));
	assert_int_equal(count_entries(dir, ""), 0);
}

/* rename() fails when the target is a non-empty directory: the temp file was
 * written and must be removed, and the target left alone. */
static void test_rename_failure_removes_temp(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	char target[128], inner[160];

	(void)state;
	snprintf(target, sizeof(target), "%s/plan.json", dir);
	snprintf(inner, sizeof(inner), "%s/keep", target);
	assert_int_equal(mkdir(target, 0700), 0);
	assert_int_equal(rc_write_file_atomic(inner, "keep", 4, 0644, &err), 0);
	assert_int_equal(rc_write_file_atomic(target, "new", 3, 0644, &err), -1);
	assert_int_equal(err.kind, RC_ERR_IO);
	assert_non_null(strstr(err.msg, "cannot rename '"));
	assert_int_equal(count_entries(dir, ".tmp."), 0);
	assert_int_equal(count_entries(dir, ""), 1);
	assert_int_equal(count_entries(target, "keep"), 1);
	/* A path ending in '/' names a directory. */
	assert_int_equal(rc_write_file_atomic("/tmp/", "x", 1, 0644, &err), -1);
	assert_int_equal(err.kind, RC_ERR_USAGE);
	assert_int_equal(rc_write_file_atomic("", "x", 1, 0644, &err), -1);
}

static void test_read_only_directory(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	char sub[128], path[160];

	(void)state;
	if (geteuid() == 0)
		skip(); /* root writes through directory permissions */
	snprintf(sub, sizeof(sub), "%s/ro", dir);
	snprintf(path, sizeof(path), "%s/plan.json", sub);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(rc_write_file_atomic(path, "old", 3, 0644, &err), 0);
	assert_int_equal(chmod(sub, 0500), 0);
	assert_int_equal(rc_write_file_atomic(path, "new", 3, 0644, &err), -1);
	assert_int_equal(err.sys_errno, EACCES);
	assert_int_equal(chmod(sub, 0700), 0);
	assert_int_equal(count_entries(sub, ".tmp."), 0);
}

/* An output path is checked before the work whose result it records: each
 * case that rc_write_file_atomic would fail on later fails here, creating
 * nothing. */
static void test_check_output_path(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	char p[256], ro[128];

	(void)state;
	assert_int_equal(rc_check_output_path("-", &err), 0);
	snprintf(p, sizeof(p), "%s/new.json", dir);
	assert_int_equal(rc_check_output_path(p, &err), 0);
	assert_int_equal(count_entries(dir, ""), 0);
	assert_int_equal(rc_write_file_atomic(p, "x", 1, 0644, &err), 0);
	assert_int_equal(rc_check_output_path(p, &err), 0); /* replaced later */
	/* A missing directory. */
	snprintf(p, sizeof(p), "%s/missing/r.json", dir);
	assert_int_equal(rc_check_output_path(p, &err), -1);
	assert_int_equal(err.kind, RC_ERR_IO);
	assert_int_equal(err.sys_errno, ENOENT);
	assert_non_null(strstr(err.msg, "cannot write '"));
	/* A file where the directory should be. */
	snprintf(p, sizeof(p), "%s/new.json/r.json", dir);
	assert_int_equal(rc_check_output_path(p, &err), -1);
	assert_int_equal(err.sys_errno, ENOTDIR);
	/* The target is a directory, or not a regular file. */
	assert_int_equal(rc_check_output_path(dir, &err), -1);
	assert_int_equal(err.sys_errno, EISDIR);
	snprintf(p, sizeof(p), "%s/fifo", dir);
	assert_int_equal(mkfifo(p, 0600), 0);
	assert_int_equal(rc_check_output_path(p, &err), -1);
	assert_non_null(strstr(err.msg, "not a regular file"));
	assert_int_equal(rc_check_output_path("", &err), -1);
	assert_int_equal(err.kind, RC_ERR_USAGE);
	snprintf(p, sizeof(p), "%s/", dir);
	assert_int_equal(rc_check_output_path(p, &err), -1);
	/* A directory this process cannot write. */
	if (geteuid() != 0) {
		snprintf(ro, sizeof(ro), "%s/ro", dir);
		assert_int_equal(mkdir(ro, 0500), 0);
		snprintf(p, sizeof(p), "%s/r.json", ro);
		assert_int_equal(rc_check_output_path(p, &err), -1);
		assert_int_equal(err.sys_errno, EACCES);
	}
}

static void test_read_limits(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_buf b = RC_BUF_INIT;
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/ten", dir);
	assert_int_equal(rc_write_file_atomic(path, "0123456789", 10, 0644, &err), 0);
	assert_int_equal(rc_read_file(path, 10, &b, &err), 0);
	assert_string_equal(b.data, "0123456789");
	rc_buf_release(&b);
	assert_int_equal(rc_read_file(path, 9, &b, &err), -1);
	assert_int_equal(err.kind, RC_ERR_IO);
	assert_int_equal(err.sys_errno, EFBIG);
	assert_non_null(strstr(err.msg, "is larger than the 9 byte limit"));
	assert_int_equal(b.len, 0);
	assert_int_equal(rc_read_file(dir, 100, &b, &err), -1);
	assert_int_equal(err.sys_errno, EISDIR);
	snprintf(path, sizeof(path), "%s/absent", dir);
	assert_int_equal(rc_read_file(path, 100, &b, &err), -1);
	assert_int_equal(err.sys_errno, ENOENT);
	assert_non_null(strstr(err.msg, "cannot open '"));
	rc_buf_release(&b);
}

/* A pipe has no size to check up front: the limit applies while reading. */
static void test_read_stdin_limit(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_buf b = RC_BUF_INIT;
	int fds[2], saved = dup(STDIN_FILENO);

	(void)state;
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], "hello world", 11), 11);
	close(fds[1]);
	assert_int_equal(dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
	close(fds[0]);
	assert_int_equal(rc_read_file("-", 5, &b, &err), -1);
	assert_int_equal(err.sys_errno, EFBIG);
	assert_non_null(strstr(err.msg, "'standard input' is larger"));
	assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(saved);
	rc_buf_release(&b);
}

static void test_sha256(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	char hex[65];
	char *d;

	(void)state;
	/* FIPS 180-2 test vectors. */
	assert_int_equal(rc_sha256_hex("abc", 3, hex, &err), 0);
	assert_string_equal(hex,
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(rc_sha256_hex("", 0, hex, &err), 0);
	assert_string_equal(hex,
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	d = rc_sha256_digest("abc", 3, &err);
	assert_string_equal(
	    d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_true(rc_digest_valid(d));
	d[7] = 'B';
	assert_false(rc_digest_valid(d)); /* upper case hex */
	free(d);
	assert_false(rc_digest_valid(NULL));
	assert_false(rc_digest_valid("sha256:"));
	assert_false(rc_digest_valid(
	    "sha512:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
	assert_false(rc_digest_valid(
	    "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a"));
	assert_false(rc_digest_valid(
	    "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad0"));
	assert_false(rc_digest_valid(
	    "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ag"));
}

/* Files get the mode open(2) would give them: the umask applies. */
static void test_umask_applies(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct stat st;
	char path[128];
	mode_t old;

	(void)state;
	snprintf(path, sizeof(path), "%s/masked", dir);
	old = umask(077);
	assert_int_equal(rc_write_file_atomic(path, "x", 1, 0666, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	umask(022);
	assert_int_equal(rc_write_file_atomic(path, "y", 1, 0666, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	umask(old);
}

/* Staged files replace nothing until committed; an abandoned one leaves the
 * old file and no temporary file behind. */
static void test_stage_then_commit_or_abandon(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_buf b = RC_BUF_INIT;
	char a[128], c[128], *ta = NULL, *tc = NULL;

	(void)state;
	snprintf(a, sizeof(a), "%s/a.csv", dir);
	snprintf(c, sizeof(c), "%s/c.json", dir);
	assert_int_equal(rc_write_file_atomic(a, "old", 3, 0666, &err), 0);
	assert_int_equal(rc_stage_file(a, "new", 3, 0666, &ta, &err), 0);
	assert_non_null(ta);
	assert_int_equal(rc_read_file(a, 100, &b, &err), 0);
	assert_string_equal(b.data, "old"); /* staged, not yet visible */
	rc_buf_release(&b);
	/* the next output cannot be staged: abandon the first */
	snprintf(c, sizeof(c), "%s/missing/c.json", dir);
	assert_int_equal(rc_stage_file(c, "{}", 2, 0666, &tc, &err), -1);
	assert_null(tc);
	assert_int_equal(err.kind, RC_ERR_IO);
	assert_int_equal(unlink(ta), 0);
	free(ta);
	assert_int_equal(rc_read_file(a, 100, &b, &err), 0);
	assert_string_equal(b.data, "old");
	rc_buf_release(&b);
	assert_int_equal(count_entries(dir, ".tmp."), 0);
	/* staged and committed */
	assert_int_equal(rc_stage_file(a, "new", 3, 0666, &ta, &err), 0);
	assert_int_equal(rc_commit_file(ta, a, &err), 0);
	free(ta);
	assert_int_equal(rc_read_file(a, 100, &b, &err), 0);
	assert_string_equal(b.data, "new");
	rc_buf_release(&b);
	assert_int_equal(count_entries(dir, ".tmp."), 0);
	assert_int_equal(rc_stage_file("-", "x", 1, 0666, &ta, &err), -1);
}

/* Content produced piecewise: a fill that fails part-way leaves neither the
 * file nor a temp file; one that succeeds lands whole, through the buffer,
 * with pieces larger than the buffer too. */
struct pieces {
	int n, fail_at;
	size_t size;
};

static int fill_pieces(void *ctx, rc_put_fn put, void *put_ctx, struct rc_err *err)
{
	struct pieces *p = ctx;
	char *piece = malloc(p->size);
	int rc = 0;

	assert_non_null(piece);
	for (int i = 0; i < p->n && !rc; i++) {
		if (i == p->fail_at) {
			rc = rc_err_set(err, RC_ERR_PLAN, "fill failed at %d", i);
			break;
		}
		memset(piece, 'a' + i % 26, p->size);
		rc = put(put_ctx, piece, p->size, err);
	}
	free(piece);
	return rc;
}

static void test_fill_writes_whole_or_nothing(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_buf b = RC_BUF_INIT;
	struct pieces small = {1000, -1, 100}, big = {3, -1, 200000}, broken = {1000, 700, 100};
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/plan.json", dir);
	assert_int_equal(rc_write_fill(path, 0666, fill_pieces, &broken, &err), -1);
	assert_string_equal(err.msg, "fill failed at 700");
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(count_entries(dir, ".tmp."), 0);
	assert_int_equal(rc_write_fill(path, 0666, fill_pieces, &small, &err), 0);
	assert_int_equal(rc_read_file(path, 1 << 20, &b, &err), 0);
	assert_int_equal(b.len, 100000);
	assert_int_equal(b.data[0], 'a');
	assert_int_equal(b.data[99999], 'a' + 999 % 26);
	rc_buf_release(&b);
	assert_int_equal(rc_write_fill(path, 0666, fill_pieces, &big, &err), 0);
	assert_int_equal(rc_read_file(path, 1 << 20, &b, &err), 0);
	assert_int_equal(b.len, 600000);
	assert_int_equal(b.data[400000], 'c');
	rc_buf_release(&b);
	/* a failed re-write keeps the old file */
	assert_int_equal(rc_write_fill(path, 0666, fill_pieces, &broken, &err), -1);
	assert_int_equal(rc_read_file(path, 1 << 20, &b, &err), 0);
	assert_int_equal(b.len, 600000);
	rc_buf_release(&b);
	assert_int_equal(count_entries(dir, ".tmp."), 0);
}

/* Incremental hashing gives the one-shot digest, whatever the pieces. */
static void test_sha256_incremental(void **state)
{
	static const char msg[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	struct rc_err err = RC_ERR_INIT;
	struct rc_sha256 h;
	char *one, *inc;

	(void)state;
	one = rc_sha256_digest(msg, strlen(msg), &err);
	assert_string_equal(
	    one, "sha256:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	for (size_t cut = 0; cut <= strlen(msg); cut += 7) {
		assert_int_equal(rc_sha256_begin(&h, &err), 0);
		assert_int_equal(rc_sha256_update(&h, msg, cut, &err), 0);
		assert_int_equal(rc_sha256_update(&h, msg + cut, strlen(msg) - cut, &err), 0);
		inc = rc_sha256_end(&h, &err);
		assert_string_equal(inc, one);
		free(inc);
	}
	/* an aborted context is gone: using it fails cleanly */
	assert_int_equal(rc_sha256_begin(&h, &err), 0);
	rc_sha256_abort(&h);
	assert_int_equal(rc_sha256_update(&h, "x", 1, &err), -1);
	assert_null(rc_sha256_end(&h, &err));
	free(one);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_write_then_read, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_missing_directory, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rename_failure_removes_temp, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_only_directory, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_check_output_path, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_limits, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_umask_applies, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stage_then_commit_or_abandon, setup, teardown),
	    cmocka_unit_test(test_read_stdin_limit),
	    cmocka_unit_test(test_sha256),
	    cmocka_unit_test(test_sha256_incremental),
	    cmocka_unit_test_setup_teardown(test_fill_writes_whole_or_nothing, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
