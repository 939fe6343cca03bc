/* The content-addressed cache: what is stored loads back verified; a damaged,
 * short, oversized or linked entry is dropped, never returned; digests are
 * checked before they become paths; a store failure is kept once. */
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

#include "cache.h"
#include "fsutil.h"
#include "sha256.h"
#include "tmpdir.h"

static const char body[] = "{\"schemaVersion\":2,\"mediaType\":\"x\"}";
static const char mt[] = "application/vnd.oci.image.manifest.v1+json";

static char *digest_of(const void *data, size_t len)
{
	struct rc_err err = RC_ERR_INIT;
	char *d = rc_sha256_digest(data, len, &err);

	assert_non_null(d);
	return d;
}

/* <dir>/c/sha256/<2>/<hex> */
static void entry_path(const char *digest, char *out, size_t outsz)
{
	const char *hex = digest + 7;

	snprintf(out, outsz, "%s/c/sha256/%.2s/%s", dir, hex, hex);
}

static struct rc_cache *open_c(void)
{
	struct rc_err err = RC_ERR_INIT;
	char p[128];
	struct rc_cache *c;

	snprintf(p, sizeof(p), "%s/c", dir);
	c = rc_cache_open(p, &err);
	assert_non_null(c);
	return c;
}

static void store_body(struct rc_cache *c, const char *d)
{
	struct rc_err err = RC_ERR_INIT;

	assert_int_equal(rc_cache_store(c, d, body, strlen(body), mt, &err), 0);
}

/* 1 and the media type when it loads, 0 when not */
static int load(struct rc_cache *c, const char *d, char **m)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_buf b = RC_BUF_INIT;
	int r = rc_cache_load(c, d, &b, m, &err);

	assert_true(r >= 0);
	if (r == 1) {
		assert_int_equal(b.len, strlen(body));
		assert_memory_equal(b.data, body, b.len);
	} else {
		assert_int_equal(b.len, 0);
	}
	rc_buf_release(&b);
	return r;
}

static void test_store_then_load(void **state)
{
	struct rc_cache *c = open_c();
	struct rc_cache_stats st;
	char *d = digest_of(body, strlen(body)), *m = NULL, p[256];
	struct stat sb;

	(void)state;
	assert_false(rc_cache_had_entries(c));
	assert_int_equal(load(c, d, &m), 0);
	assert_null(m);
	store_body(c, d);
	entry_path(d, p, sizeof(p));
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	*strrchr(p, '/') = '\0';
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	assert_int_equal(load(c, d, &m), 1);
	assert_string_equal(m, mt);
	free(m);
	rc_cache_stats(c, &st);
	assert_int_equal(st.hits, 1);
	assert_int_equal(st.misses, 1);
	assert_int_equal(st.stored, 1);
	assert_int_equal(st.dropped, 0);
	rc_cache_free(c);
	/* a reopened cache knows it has entries and still loads them */
	c = open_c();
	assert_true(rc_cache_had_entries(c));
	assert_int_equal(load(c, d, NULL), 1);
	rc_cache_free(c);
	free(d);
}

/* Rewrites the entry of d with f applied to its bytes. */
static void damage(const char *d, void (*f)(struct rc_buf *b))
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_buf b = RC_BUF_INIT;
	char p[256];

	entry_path(d, p, sizeof(p));
	assert_int_equal(rc_read_file(p, 1 << 24, &b, &err), 0);
	f(&b);
	assert_int_equal(rc_write_file_atomic(p, b.data, b.len, 0600, &err), 0);
	rc_buf_release(&b);
}

static void flip_last(struct rc_buf *b)
{
	b->data[b->len - 2] ^= 0x20;
}

static void change_media_type(struct rc_buf *b)
{
	char *s = strstr(b->data, "manifest.v1");
	assert_non_null(s);
	memcpy(s, "index.v1+js", 11);
}

static void change_check(struct rc_buf *b)
{
	b->data[20] = b->data[20] == 'a' ? 'b' : 'a';
}

static void truncate_half(struct rc_buf *b)
{
	b->len /= 2;
}

static void truncate_all(struct rc_buf *b)
{
	b->len = 0;
}

static void bad_magic(struct rc_buf *b)
{
	b->data[0] = 'R';
}

static void test_damaged_entries_are_dropped(void **state)
{
	void (*fs[])(struct rc_buf *) = {flip_last,	change_media_type, change_check,
					 truncate_half, truncate_all,	   bad_magic};
	struct rc_cache *c = open_c();
	struct rc_cache_stats st;
	char *d = digest_of(body, strlen(body)), p[256];
	size_t i;

	(void)state;
	entry_path(d, p, sizeof(p));
	for (i = 0; i < sizeof(fs) / sizeof(fs[0]); i++) {
		store_body(c, d);
		damage(d, fs[i]);
		assert_int_equal(load(c, d, NULL), 0);
		assert_int_equal(access(p, F_OK), -1); /* removed */
		store_body(c, d);
		assert_int_equal(load(c, d, NULL), 1);
	}
	rc_cache_stats(c, &st);
	assert_int_equal(st.dropped, i);
	assert_int_equal(st.hits, i);
	rc_cache_free(c);
	free(d);
}

/* An entry whose body is another object's: it hashes to that object's
 * digest, not to its name. */
static void test_entry_under_another_name(void **state)
{
	struct rc_cache *c = open_c();
	struct rc_err err = RC_ERR_INIT;
	const char other[] = "{\"other\":1}";
	char *d = digest_of(body, strlen(body)), *o = digest_of(other, strlen(other));
	char p[256], q[256];

	(void)state;
	assert_int_equal(rc_cache_store(c, o, other, strlen(other), mt, &err), 0);
	store_body(c, d);
	entry_path(o, p, sizeof(p));
	entry_path(d, q, sizeof(q));
	assert_int_equal(rename(p, q), 0);
	assert_int_equal(load(c, d, NULL), 0);
	rc_cache_free(c);
	free(d);
	free(o);
}

static void test_links_and_fifos_are_not_read(void **state)
{
	struct rc_cache *c = open_c();
	char *d = digest_of(body, strlen(body)), p[256], t[256];
	struct stat sb;

	(void)state;
	store_body(c, d);
	entry_path(d, p, sizeof(p));
	snprintf(t, sizeof(t), "%s/target", dir);
	assert_int_equal(rename(p, t), 0);
	/* a valid entry, but behind a symbolic link */
	assert_int_equal(symlink(t, p), 0);
	assert_int_equal(load(c, d, NULL), 0);
	assert_int_equal(lstat(p, &sb), -1);
	assert_int_equal(stat(t, &sb), 0); /* the target is left alone */
	/* a FIFO would block a reader that opened it */
	assert_int_equal(mkfifo(p, 0600), 0);
	assert_int_equal(load(c, d, NULL), 0);
	assert_int_equal(lstat(p, &sb), -1);
	rc_cache_free(c);
	free(d);
}

static void test_store_refuses_a_lie(void **state)
{
	struct rc_cache *c = open_c();
	struct rc_err err = RC_ERR_INIT;
	char *d = digest_of("something else", 14), p[256];

	(void)state;
	assert_int_equal(rc_cache_store(c, d, body, strlen(body), mt, &err), -1);
	assert_int_equal(err.kind, RC_ERR_PROTOCOL);
	entry_path(d, p, sizeof(p));
	assert_int_equal(access(p, F_OK), -1);
	assert_null(rc_cache_failure(c)); /* not a write failure */
	rc_cache_free(c);
	free(d);
}

static void test_size_bound(void **state)
{
	struct rc_cache *c = open_c();
	struct rc_err err = RC_ERR_INIT;
	size_t n = RC_CACHE_ENTRY_MAX + 1;
	char *big = calloc(1, n), *d, p[256];
	int fd;

	(void)state;
	assert_non_null(big);
	d = digest_of(big, n);
	assert_int_equal(rc_cache_store(c, d, big, n, NULL, &err), 0);
	entry_path(d, p, sizeof(p));
	assert_int_equal(access(p, F_OK), -1);
	/* one put there by hand is not read */
	*strrchr(p, '/') = '\0';
	mkdir(p, 0700);
	entry_path(d, p, sizeof(p));
	fd = open(p, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)(RC_CACHE_ENTRY_MAX + 4096)), 0);
	close(fd);
	assert_int_equal(rc_cache_load(c, d, &(struct rc_buf){0}, NULL, &err), 0);
	assert_int_equal(access(p, F_OK), -1);
	rc_cache_free(c);
	free(big);
	free(d);
}

static void test_bad_digests_never_become_paths(void **state)
{
	const char *bad[] = {
	    "sha256:../../../../../../tmp/x",
	    "sha256:"
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789ABCDEF",
	    "sha512:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	    "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde",
	    "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef/",
	    "",
	};
	struct rc_cache *c = open_c();
	struct rc_buf b = RC_BUF_INIT;
	char p[128];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rc_err err = RC_ERR_INIT;
		assert_int_equal(rc_cache_load(c, bad[i], &b, NULL, &err), -1);
		assert_int_equal(err.kind, RC_ERR_USAGE);
		rc_err_clear(&err);
		assert_int_equal(rc_cache_store(c, bad[i], "x", 1, NULL, &err), -1);
		assert_int_equal(err.kind, RC_ERR_USAGE);
	}
	/* nothing was created below sha256/ */
	snprintf(p, sizeof(p), "%s/c/sha256", dir);
	{
		DIR *d = opendir(p);
		struct dirent *e;
		int n = 0;
		assert_non_null(d);
		while ((e = readdir(d)))
			n += e->d_name[0] != '.';
		closedir(d);
		assert_int_equal(n, 0);
	}
	rc_cache_free(c);
}

static void test_media_type_with_control_characters(void **state)
{
	struct rc_cache *c = open_c();
	struct rc_err err = RC_ERR_INIT;
	char *d = digest_of(body, strlen(body)), *m = NULL;

	(void)state;
	assert_int_equal(rc_cache_store(c, d, body, strlen(body), "a\nb", &err), 0);
	assert_int_equal(load(c, d, &m), 1);
	assert_string_equal(m, "");
	free(m);
	rc_cache_free(c);
	free(d);
}

static void test_write_failure_is_kept_once(void **state)
{
	struct rc_cache *c = open_c();
	struct rc_err err = RC_ERR_INIT;
	char *d = digest_of(body, strlen(body)), p[256];

	(void)state;
	/* sha256/ replaced by a regular file: no entry can be made */
	snprintf(p, sizeof(p), "%s/c/sha256", dir);
	assert_int_equal(rmdir(p), 0);
	assert_int_equal(rc_write_file_atomic(p, "x", 1, 0600, &err), 0);
	assert_int_equal(rc_cache_store(c, d, body, strlen(body), mt, &err), -1);
	assert_int_equal(err.kind, RC_ERR_IO);
	assert_non_null(rc_cache_failure(c));
	assert_non_null(strstr(rc_cache_failure(c), "cannot create cache directory"));
	rc_err_clear(&err);
	/* later stores are skipped */
	assert_int_equal(rc_cache_store(c, d, body, strlen(body), mt, &err), 0);
	assert_int_equal(load(c, d, NULL), 0);
	rc_cache_free(c);
	free(d);
}

static void test_open_failures(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	char p[128];

	(void)state;
	snprintf(p, sizeof(p), "%s/file", dir);
	assert_int_equal(rc_write_file_atomic(p, "x", 1, 0600, &err), 0);
	snprintf(p, sizeof(p), "%s/file/cache", dir);
	assert_null(rc_cache_open(p, &err));
	assert_int_equal(err.kind, RC_ERR_IO);
	assert_int_equal(err.sys_errno, ENOTDIR);
	rc_err_clear(&err);
	assert_null(rc_cache_open("", &err));
	assert_int_equal(err.kind, RC_ERR_USAGE);
	/* parents are created */
	snprintf(p, sizeof(p), "%s/a/b/c", dir);
	rc_cache_free(rc_cache_open(p, &err));
	snprintf(p, sizeof(p), "%s/a/b/c/sha256", dir);
	assert_int_equal(access(p, W_OK), 0);
}

/* The cache's directories must be this user's, not writable by others and
 * not links: an entry is never written where someone else points it. */
static void test_directories_must_be_private(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	char p[256], t[256], c[128];
	char *d = digest_of(body, strlen(body));
	struct rc_cache *cache;
	DIR *dd;
	struct dirent *e;
	int n = 0;

	(void)state;
	snprintf(c, sizeof(c), "%s/c", dir);
	snprintf(p, sizeof(p), "%s/c/sha256", dir);
	snprintf(t, sizeof(t), "%s/elsewhere", dir);
	assert_int_equal(mkdir(c, 0700), 0);
	assert_int_equal(mkdir(t, 0700), 0);
	/* sha256/ a link to another directory */
	assert_int_equal(symlink(t, p), 0);
	assert_null(rc_cache_open(c, &err));
	assert_int_equal(err.kind, RC_ERR_IO);
	assert_non_null(strstr(err.msg, "symbolic link"));
	rc_err_clear(&err);
	assert_int_equal(unlink(p), 0);
	/* sha256/ writable by others */
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(chmod(p, 0777), 0);
	assert_null(rc_cache_open(c, &err));
	assert_non_null(strstr(err.msg, "others may write it (mode 0777)"));
	rc_err_clear(&err);
	assert_int_equal(chmod(p, 0700), 0);
	if (geteuid() == 0) {
		/* another user's */
		assert_int_equal(chown(p, 65534, 65534), 0);
		assert_null(rc_cache_open(c, &err));
		assert_non_null(strstr(err.msg, "owned by uid 65534"));
		rc_err_clear(&err);
		assert_int_equal(chown(p, 0, 0), 0);
	}
	/* a two-digit subdirectory linked elsewhere: nothing is written there */
	assert_non_null(cache = rc_cache_open(c, &err));
	snprintf(p, sizeof(p), "%s/c/sha256/%.2s", dir, d + 7);
	assert_int_equal(symlink(t, p), 0);
	assert_int_equal(rc_cache_store(cache, d, body, strlen(body), mt, &err), -1);
	assert_non_null(strstr(err.msg, "symbolic link"));
	assert_non_null(rc_cache_failure(cache));
	rc_err_clear(&err);
	assert_non_null(dd = opendir(t));
	while ((e = readdir(dd)))
		n += e->d_name[0] != '.';
	closedir(dd);
	assert_int_equal(n, 0);
	rc_cache_free(cache);
	free(d);
}

static void test_default_dir(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	char *saved_x = getenv("XDG_CACHE_HOME"), *saved_h = getenv("HOME"), *out = NULL;

	(void)state;
	saved_x = saved_x ? strdup(saved_x) : NULL;
	saved_h = saved_h ? strdup(saved_h) : NULL;
	setenv("XDG_CACHE_HOME", "/x/cache", 1);
	setenv("HOME", "/home/u", 1);
	assert_int_equal(rc_cache_default_dir(&out, &err), 0);
	assert_string_equal(out, "/x/cache/reclaim");
	free(out);
	/* relative XDG_CACHE_HOME is ignored, as the XDG spec says */
	setenv("XDG_CACHE_HOME", "rel", 1);
	assert_int_equal(rc_cache_default_dir(&out, &err), 0);
	assert_string_equal(out, "/home/u/.cache/reclaim");
	free(out);
	unsetenv("XDG_CACHE_HOME");
	assert_int_equal(rc_cache_default_dir(&out, &err), 0);
	assert_string_equal(out, "/home/u/.cache/reclaim");
	free(out);
	unsetenv("HOME");
	assert_int_equal(rc_cache_default_dir(&out, &err), -1);
	assert_null(out);
	assert_int_equal(err.kind, RC_ERR_USAGE);
	if (saved_x)
		setenv("XDG_CACHE_HOME", saved_x, 1);
	if (saved_h)
		setenv("HOME", saved_h, 1);
	free(saved_x);
	free(saved_h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_store_then_load, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_damaged_entries_are_dropped, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_entry_under_another_name, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_links_and_fifos_are_not_read, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_store_refuses_a_lie, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_size_bound, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_digests_never_become_paths, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_media_type_with_control_characters, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_write_failure_is_kept_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_open_failures, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_directories_must_be_private, setup, teardown),
	    cmocka_unit_test(test_default_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
