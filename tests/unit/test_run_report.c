/* test_run_report.c: reclaim-apply's summary, JSON report and JUnit XML:
 * counts, bytes, outcome mapping, and hostile text in reasons. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fsutil.h"
#include "run_report.h"

#define DIG "sha256:abababababababababababababababababababababababababababababababab"

struct fx {
	struct rc_plan plan;
	struct rc_plan_item items[4];
	struct ra_run run;
	struct ra_result results[4];
	struct ra_report_ctx ctx;
};

static void mk(struct rc_plan_item *it, enum rc_kind k, const char *id, const char *obj,
	       const char *name, int64_t reclaimable)
{
	memset(it, 0, sizeof(*it));
	it->id = (char *)id;
	it->source = "engine";
	it->kind = k;
	it->object = (char *)obj;
	it->name = (char *)name;
	it->reclaimable = reclaimable;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	mk(&f->items[0], RC_KIND_CONTAINER, "engine/container/c1", "c1", "old", 10);
	mk(&f->items[1], RC_KIND_IMAGE, "engine/image/sha256:i1", "sha256:i1", "app:1", 1500000);
	mk(&f->items[2], RC_KIND_VOLUME, "engine/volume/v1", "v1", "v1", 0);
	mk(&f->items[3], RC_KIND_NETWORK, "engine/network/n1", "n1", "net", 0);
	f->plan.digest = DIG;
	f->plan.candidates = f->items;
	f->plan.n_candidates = 4;
	f->results[0] = (struct ra_result){&f->items[0], RA_DELETED, "", 10, 3};
	f->results[1] = (struct ra_result){&f->items[1], RA_DELETED, "", 1500000, 7};
	f->results[2] = (struct ra_result){&f->items[2], RA_CHANGED,
					   "volume is now mounted by container '<x>&\"'", 0, 2};
	f->results[3] = (struct ra_result){&f->items[3], RA_FAILED, "HTTP 500: injected", 0, 900};
	f->run.results = f->results;
	f->run.n = 4;
	f->run.count[RA_DELETED] = 2;
	f->run.count[RA_CHANGED] = 1;
	f->run.count[RA_FAILED] = 1;
	f->run.bytes_freed = 1500010;
	f->ctx.plan_path = "plan.json";
	f->ctx.journal_path = "plan.journal";
	f->ctx.engine_id = "AAAA:BBBB";
	f->ctx.exit_code = 3;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static void test_json_report(void **state)
{
	struct fx *f = *state;
	struct rc_err err = RC_ERR_INIT;
	cJSON *doc = ra_report_json(&f->plan, &f->run, &f->ctx, &err), *items, *it, *totals;

	assert_non_null(doc);
	assert_string_equal(cJSON_GetObjectItem(doc, "plan_digest")->valuestring, DIG);
	assert_string_equal(cJSON_GetObjectItem(doc, "journal")->valuestring, "plan.journal");
	assert_int_equal(cJSON_GetObjectItem(doc, "exit_code")->valueint, 3);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(doc, "dry_run")));
	totals = cJSON_GetObjectItem(doc, "totals");
	assert_int_equal(cJSON_GetObjectItem(totals, "items")->valueint, 4);
	assert_int_equal(cJSON_GetObjectItem(totals, "deleted")->valueint, 2);
	assert_int_equal(cJSON_GetObjectItem(totals, "changed")->valueint, 1);
	assert_int_equal(cJSON_GetObjectItem(totals, "failed")->valueint, 1);
	assert_int_equal(cJSON_GetObjectItem(totals, "already-done")->valueint, 0);
	assert_int_equal((int64_t)cJSON_GetObjectItem(totals, "bytes_freed")->valuedouble, 1500010);
	items = cJSON_GetObjectItem(doc, "items");
	assert_int_equal(cJSON_GetArraySize(items), 4);
	it = cJSON_GetArrayItem(items, 3);
	assert_string_equal(cJSON_GetObjectItem(it, "id")->valuestring, "engine/network/n1");
	assert_string_equal(cJSON_GetObjectItem(it, "kind")->valuestring, "network");
	assert_string_equal(cJSON_GetObjectItem(it, "outcome")->valuestring, "failed");
	assert_string_equal(cJSON_GetObjectItem(it, "reason")->valuestring, "HTTP 500: injected");
	assert_int_equal(cJSON_GetObjectItem(it, "duration_ms")->valueint, 900);
	assert_int_equal(cJSON_GetObjectItem(it, "bytes_freed")->valueint, 0);
	cJSON_Delete(doc);
}

static void test_summary_text(void **state)
{
	struct fx *f = *state;
	struct rc_err err = RC_ERR_INIT;
	struct rc_buf b;

	rc_buf_init(&b, 0);
	assert_int_equal(ra_summary_text(&f->plan, &f->run, &f->ctx, &b, &err), 0);
	assert_non_null(strstr(b.data, "plan " DIG ": 4 items\n"));
	assert_non_null(strstr(b.data, "  deleted         2\n"));
	assert_non_null(strstr(b.data, "  failed          1\n"));
	assert_null(strstr(b.data, "already-absent"));
	assert_non_null(strstr(b.data, "reclaimed 1.5MB\n"));
	assert_non_null(strstr(b.data, "  volume v1: volume is now mounted"));
	assert_non_null(strstr(b.data, "failed:\n  network n1 (net): HTTP 500: injected\n"));
	rc_buf_reset(&b);
	f->ctx.dry_run = 1;
	f->run.bytes_would_free = 2000;
	assert_int_equal(ra_summary_text(&f->plan, &f->run, &f->ctx, &b, &err), 0);
	assert_non_null(strstr(b.data, "dry run: plan"));
	assert_non_null(strstr(b.data, "would reclaim 2kB\n"));
	rc_buf_release(&b);
}

static void test_junit_mapping(void **state)
{
	struct fx *f = *state;
	struct rc_err err = RC_ERR_INIT;
	struct rc_buf b;
	char path[] = "/tmp/rc-junit.XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(ra_junit_write(path, &f->plan, &f->run, &err), 0);
	assert_int_equal(rc_read_file(path, 1 << 20, &b, &err), 0);
	unlink(path);
	assert_non_null(strstr(b.data, "tests=\"4\" failures=\"1\" skipped=\"1\""));
	assert_non_null(strstr(b.data, "classname=\"engine.network\""));
	assert_non_null(strstr(b.data, "<failure message=\"HTTP 500: injected\""));
	/* The reason is escaped, not injected into the XML. */
	assert_non_null(strstr(b.data, "&lt;x&gt;&amp;"));
	assert_null(strstr(b.data, "'<x>"));
	rc_buf_release(&b);
}

static void test_overview_and_quote(void **state)
{
	struct fx *f = *state;
	struct rc_err err = RC_ERR_INIT;
	struct rc_buf b;

	rc_buf_init(&b, 0);
	assert_int_equal(ra_plan_overview_text(&f->plan, "my plans/p.json", &b, &err), 0);
	assert_non_null(strstr(b.data, "4 candidates"));
	assert_non_null(strstr(b.data, "reclaim-apply --approve " DIG " 'my plans/p.json'\n"));
	/* The identity next to the name: IDs shortened, a volume's name whole,
	 * however long (up to the loader's 255). */
	assert_non_null(strstr(b.data, "\n  container c1 (old)  "));
	rc_buf_release(&b);
	{
		char vol[201];
		memset(vol, 'v', 200);
		vol[200] = '\0';
		f->items[2].object = f->items[2].name = vol;
		rc_buf_init(&b, 0);
		assert_int_equal(ra_plan_overview_text(&f->plan, "p.json", &b, &err), 0);
		assert_non_null(strstr(b.data, "\n  volume "));
		assert_non_null(strstr(strstr(b.data, "\n  volume "), vol));
		rc_buf_release(&b);
		f->items[2].object = f->items[2].name = "v1";
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_json_report, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_summary_text, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_junit_mapping, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_overview_and_quote, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
