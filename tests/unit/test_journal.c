/* test_journal.c: the executor's journal: header, load, torn lines, another
 * plan's journal, the already-done set, hostile and malformed lines. */
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

#include "buf.h"
#include "fsutil.h"
#include "journal.h"

#define DIG_A "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define DIG_B "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define HDR_A "{\"journal\":\"reclaim\",\"version\":1,\"plan_digest\":\"" DIG_A "\"}\n"

struct fx {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/rc-journal.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/plan.journal", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void put(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

static char *slurp(const char *path)
{
	struct rc_buf b;
	struct rc_err err = RC_ERR_INIT;

	assert_int_equal(rc_read_file(path, 1 << 20, &b, &err), 0);
	return rc_buf_detach(&b);
}

static void load_fails(const char *path, const char *digest, enum rc_err_kind kind)
{
	struct ra_journal *j = (struct ra_journal *)1;
	struct rc_err err = RC_ERR_INIT;

	assert_int_equal(ra_journal_load(path, digest, &j, &err), -1);
	assert_null(j);
	assert_int_equal(err.kind, kind);
	assert_true(err.msg[0] != '\0');
}

static void test_missing_file_is_fresh_and_begin_writes_header(void **state)
{
	struct fx *f = *state;
	struct ra_journal *j = NULL;
	struct rc_err err = RC_ERR_INIT;
	char *text;

	assert_int_equal(ra_journal_load(f->path, DIG_A, &j, &err), 0);
	assert_int_equal(ra_journal_records(j), 0);
	assert_int_equal(access(f->path, F_OK), -1); /* load writes nothing */
	assert_int_equal(ra_journal_done(j, "engine/image/x"), 0);
	assert_int_equal(ra_journal_begin(j, 0, &err), 0);
	assert_int_equal(ra_journal_close(j, &err), 0);
	ra_journal_free(j);
	text = slurp(f->path);
	assert_string_equal(text, HDR_A);
	free(text);
}

static void test_records_and_done_set_survive_reload(void **state)
{
	struct fx *f = *state;
	struct ra_journal *j = NULL;
	struct rc_err err = RC_ERR_INIT;

	assert_int_equal(ra_journal_load(f->path, DIG_A, &j, &err), 0);
	assert_int_equal(ra_journal_begin(j, 2, &err), 0);
	assert_int_equal(ra_journal_intent(j, "engine/container/c1", &err), 0);
	assert_int_equal(ra_journal_outcome(j, "engine/container/c1", "deleted", NULL, &err), 0);
	assert_int_equal(ra_journal_outcome(j, "engine/image/i1", "already-absent", "", &err), 0);
	assert_int_equal(
	    ra_journal_outcome(j, "engine/image/i2", "changed", "now used by 'x'", &err), 0);
	assert_int_equal(ra_journal_outcome(j, "engine/volume/v1", "failed", "HTTP 500", &err), 0);
	assert_int_equal(ra_journal_intent(j, "engine/network/n1", &err), 0);
	/* The in-memory view follows the appends. */
	assert_int_equal(ra_journal_done(j, "engine/container/c1"), 1);
	ra_journal_free(j);

	j = NULL;
	assert_int_equal(ra_journal_load(f->path, DIG_A, &j, &err), 0);
	assert_int_equal(ra_journal_records(j), 7);
	assert_int_equal(ra_journal_had_torn_tail(j), 0);
	assert_int_equal(ra_journal_done(j, "engine/container/c1"), 1);
	assert_int_equal(ra_journal_done(j, "engine/image/i1"), 1);
	/* changed and failed are re-checked on the next run, as is an intent
	 * without an outcome. */
	assert_int_equal(ra_journal_done(j, "engine/image/i2"), 0);
	assert_string_equal(ra_journal_last_outcome(j, "engine/image/i2"), "changed");
	assert_int_equal(ra_journal_done(j, "engine/volume/v1"), 0);
	assert_int_equal(ra_journal_done(j, "engine/network/n1"), 0);
	assert_null(ra_journal_last_outcome(j, "engine/network/n1"));
	assert_int_equal(ra_journal_done(j, "engine/never/seen"), 0);
	/* Reopening an existing journal appends, it does not rewrite the header. */
	assert_int_equal(ra_journal_begin(j, 0, &err), 0);
	assert_int_equal(ra_journal_outcome(j, "engine/volume/v1", "deleted", NULL, &err), 0);
	ra_journal_free(j);
	j = NULL;
	assert_int_equal(ra_journal_load(f->path, DIG_A, &j, &err), 0);
	assert_int_equal(ra_journal_records(j), 8);
	assert_int_equal(ra_journal_done(j, "engine/volume/v1"), 1);
	ra_journal_free(j);
}

/* Issue 6 §2: the tags removed from a multi-tag image survive a crash. */
static void test_untag_lines_survive_reload(void **state)
{
	struct fx *f = *state;
	struct ra_journal *j = NULL;
	struct rc_err err = RC_ERR_INIT;
	const struct rc_strv *u;
	char *text;

	assert_int_equal(ra_journal_load(f->path, DIG_A, &j, &err), 0);
	assert_int_equal(ra_journal_begin(j, 0, &err), 0);
	assert_null(ra_journal_steps(j, "engine/image/i1", "untag"));
	assert_int_equal(ra_journal_intent(j, "engine/image/i1", &err), 0);
	assert_int_equal(ra_journal_step(j, "engine/image/i1", "untag", "app:1", &err), 0);
	assert_int_equal(ra_journal_step(j, "engine/image/i1", "untag", "team/app:2", &err), 0);
	assert_int_equal(ra_journal_step(j, "engine/image/i1", "untag", "app:1", &err), 0);
	u = ra_journal_steps(j, "engine/image/i1", "untag");
	assert_non_null(u);
	assert_int_equal(u->n, 2);
	/* only steps a source type declares are journaled */
	assert_int_equal(ra_journal_step(j, "engine/image/i1", "retag", "app:3", &err), -1);
	assert_null(ra_journal_steps(j, "engine/image/i1", "retag"));
	ra_journal_free(j);

	text = slurp(f->path);
	assert_non_null(
	    strstr(text, "{\"item\":\"engine/image/i1\",\"event\":\"untag\",\"ref\":\"app:1\"}\n"));
	free(text);
	j = NULL;
	assert_int_equal(ra_journal_load(f->path, DIG_A, &j, &err), 0);
	u = ra_journal_steps(j, "engine/image/i1", "untag");
	assert_non_null(u);
	assert_int_equal(u->n, 2);
	assert_string_equal(u->v[0], "app:1");
	assert_string_equal(u->v[1], "team/app:2");
	/* untag lines alone do not make the item done */
	assert_int_equal(ra_journal_done(j, "engine/image/i1"), 0);
	assert_null(ra_journal_steps(j, "engine/image/other", "untag"));
	ra_journal_free(j);

	/* a step no source type declares is not a journal record */
	put(f->path, "{\"journal\":\"reclaim\",\"version\":1,\"plan_digest\":\"" DIG_A "\"}\n"
		     "{\"item\":\"engine/image/i1\",\"event\":\"retag\",\"ref\":\"a:1\"}\n");
	j = NULL;
	assert_int_equal(ra_journal_load(f->path, DIG_A, &j, &err), -1);
	assert_int_equal(err.kind, RC_ERR_PLAN);
	assert_non_null(strstr(err.msg, "unknown event"));
	ra_journal_free(j);

	/* an untag line without its ref is not a journal record */
	put(f->path, "{\"journal\":\"reclaim\",\"version\":1,\"plan_digest\":\"" DIG_A "\"}\n"
		     "{\"item\":\"engine/image/i1\",\"event\":\"untag\"}\n");
	j = NULL;
	assert_int_equal(ra_journal_load(f->path, DIG_A, &j, &err), -1);
	assert_int_equal(err.kind, RC_ERR_PLAN);
	ra_journal_free(j);
}

static void test_latest_outcome_wins(void **state)
{
	struct fx *f = *state;
	struct ra_journal *j = NULL;
	struct rc_err err = RC_ERR_INIT;

	put(f->path, HDR_A
	    "{\"item\":\"a\",\"event\":\"outcome\",\"outcome\":\"failed\",\"reason\":\"x\"}\n"
	    "{\"item\":\"a\",\"event\":\"intent\"}\n"
	    "{\"item\":\"a\",\"event\":\"outcome\",\"outcome\":\"deleted\",\"reason\":\"\"}\n"
	    "{\"item\":\"b\",\"event\":\"outcome\",\"outcome\":\"deleted\"}\n"
	    "{\"item\":\"b\",\"event\":\"outcome\",\"outcome\":\"changed\",\"reason\":\"r\"}\n");
	assert_int_equal(ra_journal_load(f->path, DIG_A, &j, &err), 0);
	assert_int_equal(ra_journal_done(j, "a"), 1);
	assert_int_equal(ra_journal_done(j, "b"), 0);
	ra_journal_free(j);
}

static void test_torn_last_line_is_ignored_and_cut(void **state)
{
	struct fx *f = *state;
	struct ra_journal *j = NULL;
	struct rc_err err = RC_ERR_INIT;
	char *text;

	/* A crash in the middle of the outcome line of "c". */
	put(f->path, HDR_A "{\"item\":\"c\",\"event\":\"intent\"}\n"
			   "{\"item\":\"c\",\"event\":\"outcome\",\"outco");
	assert_int_equal(ra_journal_load(f->path, DIG_A, &j, &err), 0);
	assert_int_equal(ra_journal_had_torn_tail(j), 1);
	assert_int_equal(ra_journal_records(j), 2);
	assert_int_equal(ra_journal_done(j, "c"), 0);
	assert_int_equal(ra_journal_begin(j, 0, &err), 0);
	assert_int_equal(ra_journal_outcome(j, "c", "already-absent", NULL, &err), 0);
	ra_journal_free(j);
	text = slurp(f->path);
	assert_string_equal(text, HDR_A "{\"item\":\"c\",\"event\":\"intent\"}\n"
					"{\"item\":\"c\",\"event\":\"outcome\",\"outcome\":"
					"\"already-absent\",\"reason\":\"\"}\n");
	free(text);
	j = NULL;
	assert_int_equal(ra_journal_load(f->path, DIG_A, &j, &err), 0);
	assert_int_equal(ra_journal_had_torn_tail(j), 0);
	assert_int_equal(ra_journal_done(j, "c"), 1);
	ra_journal_free(j);
}

static void test_torn_complete_looking_line_without_newline_does_not_count(void **state)
{
	struct fx *f = *state;
	struct ra_journal *j = NULL;
	struct rc_err err = RC_ERR_INIT;

	/* Valid JSON, but the newline never made it: not a record. */
	put(f->path, HDR_A "{\"item\":\"d\",\"event\":\"outcome\",\"outcome\":\"deleted\"}");
	assert_int_equal(ra_journal_load(f->path, DIG_A, &j, &err), 0);
	assert_int_equal(ra_journal_had_torn_tail(j), 1);
	assert_int_equal(ra_journal_done(j, "d"), 0);
	ra_journal_free(j);
}

static void test_torn_header_is_a_fresh_journal(void **state)
{
	struct fx *f = *state;
	struct ra_journal *j = NULL;
	struct rc_err err = RC_ERR_INIT;
	char *text;

	put(f->path, "{\"journal\":\"recl");
	assert_int_equal(ra_journal_load(f->path, DIG_A, &j, &err), 0);
	assert_int_equal(ra_journal_records(j), 0);
	assert_int_equal(ra_journal_begin(j, 0, &err), 0);
	ra_journal_free(j);
	text = slurp(f->path);
	assert_string_equal(text, HDR_A);
	free(text);
}

static void test_empty_file_is_fresh(void **state)
{
	struct fx *f = *state;
	struct ra_journal *j = NULL;
	struct rc_err err = RC_ERR_INIT;

	put(f->path, "");
	assert_int_equal(ra_journal_load(f->path, DIG_A, &j, &err), 0);
	assert_int_equal(ra_journal_records(j), 0);
	ra_journal_free(j);
}

static void test_journal_of_another_plan_is_refused(void **state)
{
	struct fx *f = *state;
	struct rc_err err = RC_ERR_INIT;
	struct ra_journal *j = NULL;

	put(f->path, HDR_A "{\"item\":\"a\",\"event\":\"outcome\",\"outcome\":\"deleted\"}\n");
	load_fails(f->path, DIG_B, RC_ERR_REFUSED);
	assert_int_equal(ra_journal_load(f->path, DIG_A, &j, &err), 0);
	ra_journal_free(j);
	assert_int_equal(ra_journal_load(f->path, DIG_B, &j, &err), -1);
	assert_non_null(strstr(err.msg, "another plan"));
}

static void test_unknown_journal_version_is_refused(void **state)
{
	struct fx *f = *state;

	put(f->path, "{\"journal\":\"reclaim\",\"version\":2,\"plan_digest\":\"" DIG_A "\"}\n");
	load_fails(f->path, DIG_A, RC_ERR_REFUSED);
	put(f->path, "{\"journal\":\"reclaim\",\"version\":\"1\",\"plan_digest\":\"" DIG_A "\"}\n");
	load_fails(f->path, DIG_A, RC_ERR_REFUSED);
}

static void test_header_without_version_is_refused(void **state)
{
	struct fx *f = *state;

	put(f->path, "{\"journal\":\"reclaim\",\"plan_digest\":\"" DIG_A "\"}\n");
	load_fails(f->path, DIG_A, RC_ERR_PLAN);
	put(f->path, "{\"journal\":\"reclaim\",\"version\":null,\"plan_digest\":\"" DIG_A "\"}\n");
	load_fails(f->path, DIG_A, RC_ERR_REFUSED);
}

/* A symbolic link at the journal's path is never followed: not to read it,
 * and not to append to whatever it points at. */
static void test_symlinked_journal_is_refused(void **state)
{
	struct fx *f = *state;
	struct ra_journal *j = NULL;
	struct rc_err err = RC_ERR_INIT;
	char victim[160];
	char *text;
	struct stat st;

	snprintf(victim, sizeof(victim), "%s/victim", f->dir);
	put(victim, HDR_A);
	assert_int_equal(symlink(victim, f->path), 0);
	load_fails(f->path, DIG_A, RC_ERR_IO);
	unlink(f->path);
	/* Planted between load and begin (here: a dangling link, which an
	 * O_CREAT that follows links would create). */
	unlink(victim);
	assert_int_equal(ra_journal_load(f->path, DIG_A, &j, &err), 0);
	assert_int_equal(symlink(victim, f->path), 0);
	assert_int_equal(ra_journal_begin(j, 0, &err), -1);
	assert_int_equal(err.kind, RC_ERR_IO);
	assert_non_null(strstr(err.msg, "symbolic link"));
	assert_int_equal(lstat(victim, &st), -1);
	ra_journal_free(j);
	j = NULL;
	/* And to an existing file: it is left as it was. */
	put(victim, "precious\n");
	unlink(f->path);
	assert_int_equal(ra_journal_load(f->path, DIG_A, &j, &err), 0);
	assert_int_equal(symlink(victim, f->path), 0);
	assert_int_equal(ra_journal_begin(j, 0, &err), -1);
	ra_journal_free(j);
	text = slurp(victim);
	assert_string_equal(text, "precious\n");
	free(text);
	unlink(victim);
}

/* Only a regular file is a journal. Reading a FIFO would wait for a writer
 * forever (alarm: a hang fails the test instead of stalling it). */
static void test_fifo_or_directory_journal_is_refused(void **state)
{
	struct fx *f = *state;
	struct ra_journal *j = NULL;
	struct rc_err err = RC_ERR_INIT;

	alarm(20);
	assert_int_equal(mkfifo(f->path, 0600), 0);
	load_fails(f->path, DIG_A, RC_ERR_IO);
	assert_int_equal(ra_journal_load(f->path, DIG_A, &j, &err), -1);
	assert_non_null(strstr(err.msg, "is not a regular file"));
	unlink(f->path);
	assert_int_equal(mkdir(f->path, 0700), 0);
	load_fails(f->path, DIG_A, RC_ERR_IO);
	rmdir(f->path);
	/* Planted between load and begin: refused, not waited on. */
	assert_int_equal(ra_journal_load(f->path, DIG_A, &j, &err), 0);
	assert_int_equal(mkfifo(f->path, 0600), 0);
	assert_int_equal(ra_journal_begin(j, 0, &err), -1);
	assert_int_equal(err.kind, RC_ERR_IO);
	assert_non_null(strstr(err.msg, "is not a regular file"));
	ra_journal_free(j);
	alarm(0);
}

static void test_malformed_lines_are_refused(void **state)
{
	static const char *const bad[] = {
	    /* not a journal at all */
	    "hello\n",
	    "[]\n",
	    "\n",
	    /* header missing or wrong */
	    "{\"item\":\"a\",\"event\":\"intent\"}\n",
	    "{\"journal\":\"other\",\"plan_digest\":\"" DIG_A "\"}\n",
	    "{\"journal\":\"reclaim\"}\n",
	    "{\"journal\":\"reclaim\",\"plan_digest\":7}\n",
	    /* a damaged complete line in the middle is not a crash artefact */
	    HDR_A "{\"item\":\"a\",\"ev\n{\"item\":\"b\",\"event\":\"intent\"}\n",
	    HDR_A "\n",
	    /* wrong types and unknown values */
	    HDR_A "{\"item\":5,\"event\":\"intent\"}\n",
	    HDR_A "{\"item\":\"\",\"event\":\"intent\"}\n",
	    HDR_A "{\"item\":\"a\",\"event\":\"delete\"}\n",
	    HDR_A "{\"item\":\"a\",\"event\":\"outcome\"}\n",
	    HDR_A "{\"item\":\"a\",\"event\":\"outcome\",\"outcome\":\"already-done\"}\n",
	    HDR_A "{\"item\":\"a\",\"event\":\"outcome\",\"outcome\":true}\n",
	    HDR_A "{\"item\":[\"a\"],\"event\":\"outcome\",\"outcome\":\"deleted\"}\n",
	    HDR_A HDR_A,
	    HDR_A "\"deleted\"\n",
	};
	struct fx *f = *state;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put(f->path, bad[i]);
		load_fails(f->path, DIG_A, RC_ERR_PLAN);
	}
}

static void test_unreadable_journal_is_an_io_error(void **state)
{
	struct fx *f = *state;
	char path[160];

	/* A directory where the journal should be. */
	snprintf(path, sizeof(path), "%s/sub", f->dir);
	assert_int_equal(mkdir(path, 0755), 0);
	load_fails(path, DIG_A, RC_ERR_IO);
	rmdir(path);
}

static void test_second_writer_is_locked_out(void **state)
{
	struct fx *f = *state;
	struct ra_journal *a = NULL, *b = NULL;
	struct rc_err err = RC_ERR_INIT;

	assert_int_equal(ra_journal_load(f->path, DIG_A, &a, &err), 0);
	assert_int_equal(ra_journal_begin(a, 0, &err), 0);
	assert_int_equal(ra_journal_load(f->path, DIG_A, &b, &err), 0);
	assert_int_equal(ra_journal_begin(b, 0, &err), -1);
	assert_non_null(strstr(err.msg, "in use"));
	ra_journal_free(b);
	ra_journal_free(a);
}

static void test_append_before_begin_and_bad_outcome_fail(void **state)
{
	struct fx *f = *state;
	struct ra_journal *j = NULL;
	struct rc_err err = RC_ERR_INIT;

	assert_int_equal(ra_journal_load(f->path, DIG_A, &j, &err), 0);
	assert_int_equal(ra_journal_intent(j, "a", &err), -1);
	assert_int_equal(ra_journal_begin(j, 0, &err), 0);
	assert_int_equal(ra_journal_outcome(j, "a", "already-done", NULL, &err), -1);
	assert_int_equal(ra_journal_outcome(j, "a", "would-delete", NULL, &err), -1);
	ra_journal_free(j);
}

static void test_reason_with_control_characters_round_trips(void **state)
{
	struct fx *f = *state;
	struct ra_journal *j = NULL;
	struct rc_err err = RC_ERR_INIT;
	char *text;

	assert_int_equal(ra_journal_load(f->path, DIG_A, &j, &err), 0);
	assert_int_equal(ra_journal_begin(j, 0, &err), 0);
	assert_int_equal(ra_journal_outcome(j, "x\ny", "failed", "line1\nline2\"", &err), 0);
	ra_journal_free(j);
	text = slurp(f->path);
	/* One record per line whatever the strings hold. */
	assert_int_equal((int)(strchr(text + strlen(HDR_A), '\n') - text) + 1, (int)strlen(text));
	free(text);
	j = NULL;
	assert_int_equal(ra_journal_load(f->path, DIG_A, &j, &err), 0);
	assert_string_equal(ra_journal_last_outcome(j, "x\ny"), "failed");
	ra_journal_free(j);
}

static void test_many_items(void **state)
{
	struct fx *f = *state;
	struct ra_journal *j = NULL;
	struct rc_err err = RC_ERR_INIT;
	char id[32];
	int i;

	assert_int_equal(ra_journal_load(f->path, DIG_A, &j, &err), 0);
	assert_int_equal(ra_journal_begin(j, 32, &err), 0);
	for (i = 0; i < 500; i++) {
		snprintf(id, sizeof(id), "engine/image/%d", i);
		assert_int_equal(ra_journal_intent(j, id, &err), 0);
		if (i % 3)
			assert_int_equal(ra_journal_outcome(j, id, "deleted", NULL, &err), 0);
	}
	ra_journal_free(j);
	j = NULL;
	assert_int_equal(ra_journal_load(f->path, DIG_A, &j, &err), 0);
	for (i = 0; i < 500; i++) {
		snprintf(id, sizeof(id), "engine/image/%d", i);
		assert_int_equal(ra_journal_done(j, id), i % 3 != 0);
	}
	ra_journal_free(j);
}

static const char *const first_outcomes[] = {"deleted", "already-absent", "changed", "failed"};

/* The outcome the journal of write_many records last for item i. */
static const char *expected_outcome(int i)
{

	if (i % 5 == 4)
		return NULL; /* an intent only: a crash before the outcome */
	if (i % 7 == 0)
		return "deleted"; /* the rerun's outcome wins */
	return first_outcomes[i % 4];
}

/* Item IDs share a long prefix and differ in their last characters, as
 * real IDs of one kind do; "x" suffixes make IDs that are prefixes of each
 * other. */
static void many_id(char *dst, size_t dstsz, int i)
{
	snprintf(dst, dstsz, "engine/image/sha256:%064d%s", i, i % 11 == 0 ? "x" : "");
}

static void write_many(const char *path, int n)
{
	FILE *fp = fopen(path, "w");
	char id[128];
	int i;

	assert_non_null(fp);
	fputs(HDR_A, fp);
	for (i = 0; i < n; i++) {
		many_id(id, sizeof(id), i);
		fprintf(fp, "{\"item\":\"%s\",\"event\":\"intent\"}\n", id);
		if (i % 3 == 0) {
			/* the same ref twice counts once */
			fprintf(fp, "{\"item\":\"%s\",\"event\":\"untag\",\"ref\":\"app:%d\"}\n",
				id, i);
			fprintf(fp, "{\"item\":\"%s\",\"event\":\"untag\",\"ref\":\"app:%d\"}\n",
				id, i);
			fprintf(fp, "{\"item\":\"%s\",\"event\":\"untag\",\"ref\":\"app:v%d\"}\n",
				id, i);
		}
		if (i % 5 != 4)
			fprintf(fp, "{\"item\":\"%s\",\"event\":\"outcome\",\"outcome\":\"%s\"}\n",
				id, first_outcomes[i % 4]);
	}
	/* a rerun after a crash: every seventh item again, deleted this time */
	for (i = 0; i < n; i += 7) {
		many_id(id, sizeof(id), i);
		if (i % 5 == 4)
			continue;
		fprintf(fp, "{\"item\":\"%s\",\"event\":\"intent\"}\n", id);
		fprintf(fp, "{\"item\":\"%s\",\"event\":\"outcome\",\"outcome\":\"deleted\"}\n",
			id);
	}
	assert_int_equal(fclose(fp), 0);
}

static void assert_many(const struct ra_journal *j, int n)
{
	char id[128];
	int i;

	for (i = 0; i < n; i++) {
		const char *want = expected_outcome(i);
		const char *got;
		const struct rc_strv *tags;

		many_id(id, sizeof(id), i);
		got = ra_journal_last_outcome(j, id);
		if (want)
			assert_string_equal(got, want);
		else
			assert_null(got);
		assert_int_equal(
		    ra_journal_done(j, id),
		    want && (strcmp(want, "deleted") == 0 || strcmp(want, "already-absent") == 0));
		tags = ra_journal_steps(j, id, "untag");
		if (i % 3 == 0) {
			assert_non_null(tags);
			assert_int_equal(tags->n, 2);
		} else {
			assert_null(tags);
		}
	}
	/* IDs the journal never saw, including a prefix and an extension */
	assert_null(ra_journal_last_outcome(j, "engine/image/sha256:"));
	many_id(id, sizeof(id), n + 1);
	assert_null(ra_journal_last_outcome(j, id));
	snprintf(id, sizeof(id), "engine/image/sha256:%064dy", 1);
	assert_null(ra_journal_last_outcome(j, id));
	assert_int_equal(ra_journal_done(j, id), 0);
}

static void test_ten_thousand_items_mixed_outcomes_reruns_and_untags(void **state)
{
	struct fx *f = *state;
	struct ra_journal *j = NULL;
	struct rc_err err = RC_ERR_INIT;

	write_many(f->path, 10000);
	assert_int_equal(ra_journal_load(f->path, DIG_A, &j, &err), 0);
	assert_int_equal(ra_journal_had_torn_tail(j), 0);
	assert_many(j, 10000);
	ra_journal_free(j);
}

static void test_items_appended_after_a_big_load_are_found(void **state)
{
	struct fx *f = *state;
	struct ra_journal *j = NULL;
	struct rc_err err = RC_ERR_INIT;
	char id[128];
	int i, pass;

	write_many(f->path, 10000);
	assert_int_equal(ra_journal_load(f->path, DIG_A, &j, &err), 0);
	assert_int_equal(ra_journal_begin(j, 100000, &err), 0);
	/* new items grow the index while the loaded ones stay found */
	for (i = 10000; i < 12000; i++) {
		many_id(id, sizeof(id), i);
		assert_int_equal(ra_journal_intent(j, id, &err), 0);
		assert_int_equal(ra_journal_outcome(j, id, "changed", NULL, &err), 0);
	}
	/* an item that only had an intent now gets its outcome */
	many_id(id, sizeof(id), 4);
	assert_int_equal(ra_journal_outcome(j, id, "deleted", NULL, &err), 0);
	for (pass = 0; pass < 2; pass++) {
		assert_string_equal(ra_journal_last_outcome(j, id), "deleted");
		for (i = 10000; i < 12000; i++) {
			char nid[128];
			many_id(nid, sizeof(nid), i);
			assert_string_equal(ra_journal_last_outcome(j, nid), "changed");
		}
		many_id(id, sizeof(id), 9);
		assert_null(ra_journal_last_outcome(j, id));
		many_id(id, sizeof(id), 21);
		assert_string_equal(ra_journal_last_outcome(j, id), "deleted");
		many_id(id, sizeof(id), 4);
		/* the same answers after a reload */
		ra_journal_free(j);
		j = NULL;
		assert_int_equal(ra_journal_load(f->path, DIG_A, &j, &err), 0);
	}
	ra_journal_free(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_missing_file_is_fresh_and_begin_writes_header,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_records_and_done_set_survive_reload, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_untag_lines_survive_reload, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_latest_outcome_wins, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_torn_last_line_is_ignored_and_cut, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(
		test_torn_complete_looking_line_without_newline_does_not_count, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_torn_header_is_a_fresh_journal, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_empty_file_is_fresh, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_journal_of_another_plan_is_refused, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_unknown_journal_version_is_refused, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_header_without_version_is_refused, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_symlinked_journal_is_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fifo_or_directory_journal_is_refused, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_malformed_lines_are_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unreadable_journal_is_an_io_error, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_second_writer_is_locked_out, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_append_before_begin_and_bad_outcome_fail, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_reason_with_control_characters_round_trips, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_many_items, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_ten_thousand_items_mixed_outcomes_reruns_and_untags, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_items_appended_after_a_big_load_are_found, setup,
					    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
