/* test_events.c: evidence of use from recorded /events answers: when the log
 * proves itself complete since planning, and which events count as use of
 * which item. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/events.h"

#define IMG "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define NID "4444444444444444444444444444444444444444444444444444444444444444"
#define CID "2222222222222222222222222222222222222222222222222222222222222222"

/* 2026-11-29T10:00:00Z in ns: the plan's scan */
#define T0 (1795946400LL * 1000000000LL)
/* an event's timeNano, s seconds after T0 (negative: before) */
#define AT(s) ((long long)(T0 + (long long)(s)*1000000000LL))

static char *tags_app[] = {"app:1", "registry.local:5000/team/web:2"};

static struct rc_plan_item item(enum rc_kind k, const char *object)
{
	struct rc_plan_item it;

	memset(&it, 0, sizeof(it));
	it.id = "engine/x/y";
	it.source = "engine";
	it.kind = k;
	it.object = (char *)object;
	it.pre.usage_count = -1;
	return it;
}

/* One event line as dockerd writes it. */
static void ev(char *out, size_t outsz, const char *type, const char *action, const char *id,
	       const char *attrs, long long t_ns)
{
	snprintf(out, outsz,
		 "{\"status\":\"%s\",\"Type\":\"%s\",\"Action\":\"%s\",\"Actor\":{\"ID\":\"%s\","
		 "\"Attributes\":{%s}},\"scope\":\"local\",\"time\":%lld,\"timeNano\":%lld}\n",
		 action, type, action, id, attrs, t_ns / 1000000000LL, t_ns);
}

static struct rc_engine_events *fed(const char *body)
{
	struct rc_engine_events *e = rc_engine_events_new(T0);
	struct rc_err err = RC_ERR_INIT;

	assert_non_null(e);
	assert_int_equal(rc_engine_events_feed(e, body, strlen(body), -1, &err), 0);
	return e;
}

static void test_coverage_needs_an_event_older_than_the_scan(void **state)
{
	char a[512], b[512], body[1100];
	struct rc_engine_events *e;

	(void)state;
	ev(a, sizeof(a), "image", "import", IMG, "\"name\":\"x\"", AT(-60));
	ev(b, sizeof(b), "volume", "create", "data", "\"driver\":\"local\"", AT(5));
	snprintf(body, sizeof(body), "%s%s", a, b);
	e = fed(body);
	assert_int_equal(rc_engine_events_covered(e), 1);
	rc_engine_events_free(e);
	/* the oldest event left is after the scan: some may be lost */
	e = fed(b);
	assert_int_equal(rc_engine_events_covered(e), 0);
	rc_engine_events_free(e);
	/* an empty log proves nothing (a restarted daemon starts empty) */
	e = fed("");
	assert_int_equal(rc_engine_events_covered(e), 0);
	rc_engine_events_free(e);
	/* an event at the very scan time is not "older" */
	ev(a, sizeof(a), "image", "import", IMG, "", AT(0));
	e = fed(a);
	assert_int_equal(rc_engine_events_covered(e), 0);
	rc_engine_events_free(e);
}

static void test_later_reads_must_overlap(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	char a[512], b[512], c[512], body[1100];
	struct rc_engine_events *e;

	(void)state;
	ev(a, sizeof(a), "image", "import", IMG, "", AT(-60));
	ev(b, sizeof(b), "volume", "create", "data", "", AT(10));
	snprintf(body, sizeof(body), "%s%s", a, b);
	e = fed(body);
	assert_int_equal(rc_engine_events_covered(e), 1);
	/* the next read starts at the newest event seen and gets it back */
	ev(c, sizeof(c), "volume", "create", "more", "", AT(20));
	snprintf(body, sizeof(body), "%s%s", b, c);
	assert_int_equal(rc_engine_events_feed(e, body, strlen(body), AT(10) / 1000 - 2, &err), 0);
	assert_int_equal(rc_engine_events_covered(e), 1);
	/* a read that no longer holds the last event seen: a gap */
	ev(a, sizeof(a), "volume", "create", "late", "", AT(40));
	assert_int_equal(rc_engine_events_feed(e, a, strlen(a), AT(20) / 1000 - 2, &err), 0);
	assert_int_equal(rc_engine_events_covered(e), 0);
	rc_engine_events_free(e);
}

static void test_image_use(void **state)
{
	struct rc_plan_item it = item(RC_KIND_IMAGE, IMG);
	char old[512], a[512], body[1100], r[256];
	struct rc_engine_events *e;
	static const char *const uses[] = {
	    "\"image\":\"app:1\",\"name\":\"c1\"",
	    "\"image\":\"docker.io/library/app:1\",\"name\":\"c1\"",
	    "\"image\":\"registry.local:5000/team/web:2\",\"name\":\"c1\"",
	    "\"image\":\"" IMG "\",\"name\":\"c1\"",
	    "\"image\":\"111111\",\"name\":\"c1\"",
	    "\"name\":\"no-image-attribute\"",
	};
	static const char *const others[] = {
	    "\"image\":\"app:2\",\"name\":\"c1\"",
	    "\"image\":\"app\",\"name\":\"c1\"", /* app:latest */
	    "\"image\":\"222222\",\"name\":\"c1\"",
	    "\"image\":\"registry.local:5000/team/web\",\"name\":\"c1\"",
	};
	size_t i;

	(void)state;
	it.pre.tags.v = tags_app;
	it.pre.tags.n = 2;
	ev(old, sizeof(old), "container", "create", CID, "\"image\":\"app:1\",\"name\":\"before\"",
	   AT(-60));
	e = fed(old);
	assert_int_equal(rc_engine_events_covered(e), 1);
	assert_int_equal(rc_engine_events_used(e, &it, r, sizeof(r)), 0); /* before the scan */
	rc_engine_events_free(e);
	for (i = 0; i < sizeof(uses) / sizeof(uses[0]); i++) {
		ev(a, sizeof(a), "container", "create", CID, uses[i], AT(30));
		snprintf(body, sizeof(body), "%s%s", old, a);
		e = fed(body);
		assert_int_equal(rc_engine_events_used(e, &it, r, sizeof(r)), 1);
		assert_non_null(strstr(r, "after planning"));
		rc_engine_events_free(e);
	}
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		ev(a, sizeof(a), "container", "create", CID, others[i], AT(30));
		snprintf(body, sizeof(body), "%s%s", old, a);
		e = fed(body);
		assert_int_equal(rc_engine_events_used(e, &it, r, sizeof(r)), 0);
		rc_engine_events_free(e);
	}
	/* tagged since planning */
	ev(a, sizeof(a), "image", "tag", IMG, "\"name\":\"app:9\"", AT(30));
	snprintf(body, sizeof(body), "%s%s", old, a);
	e = fed(body);
	assert_int_equal(rc_engine_events_used(e, &it, r, sizeof(r)), 1);
	assert_non_null(strstr(r, "tagged"));
	rc_engine_events_free(e);
}

static void test_volume_and_network_use(void **state)
{
	struct rc_plan_item vol = item(RC_KIND_VOLUME, "data");
	struct rc_plan_item net = item(RC_KIND_NETWORK, NID);
	char old[512], a[512], b[512], body[1600], r[256];
	struct rc_engine_events *e;

	(void)state;
	ev(old, sizeof(old), "volume", "mount", "data", "\"container\":\"" CID "\"", AT(-60));
	ev(a, sizeof(a), "volume", "mount", "other", "\"container\":\"" CID "\"", AT(30));
	ev(b, sizeof(b), "network", "disconnect", NID, "\"container\":\"" CID "\"", AT(31));
	snprintf(body, sizeof(body), "%s%s%s", old, a, b);
	e = fed(body);
	assert_int_equal(rc_engine_events_used(e, &vol, r, sizeof(r)), 0);
	assert_int_equal(rc_engine_events_used(e, &net, r, sizeof(r)), 0);
	rc_engine_events_free(e);
	ev(a, sizeof(a), "volume", "mount", "data", "\"container\":\"" CID "\"", AT(30));
	ev(b, sizeof(b), "network", "connect", NID, "\"container\":\"" CID "\"", AT(31));
	snprintf(body, sizeof(body), "%s%s%s", old, a, b);
	e = fed(body);
	assert_int_equal(rc_engine_events_used(e, &vol, r, sizeof(r)), 1);
	assert_non_null(strstr(r, "mounted by container 222222222222"));
	assert_int_equal(rc_engine_events_used(e, &net, r, sizeof(r)), 1);
	assert_non_null(strstr(r, "connected"));
	rc_engine_events_free(e);
}

static void test_hostile_streams(void **state)
{
	static const char *const bad[] = {
	    "{\"Type\":\"image\"", /* truncated */
	    "[1,2,3]",
	    "{\"Type\":\"image\",\"Action\":\"tag\",\"Actor\":{\"ID\":\"x\"}}", /* no time */
	    "{\"time\":-5}",
	    "{\"timeNano\":1e300}",
	    "nonsense",
	};
	struct rc_err err = RC_ERR_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rc_engine_events *e = rc_engine_events_new(T0);
		assert_int_equal(rc_engine_events_feed(e, bad[i], strlen(bad[i]), -1, &err), -1);
		assert_int_equal(err.kind, RC_ERR_PROTOCOL);
		assert_int_equal(rc_engine_events_covered(e), 0);
		rc_engine_events_free(e);
	}
}

static void test_ref_normalise(void **state)
{
	char out[128];

	(void)state;
	rc_engine_ref_normalise("app", out, sizeof(out));
	assert_string_equal(out, "app:latest");
	rc_engine_ref_normalise("docker.io/library/app:1", out, sizeof(out));
	assert_string_equal(out, "app:1");
	rc_engine_ref_normalise("docker.io/team/app", out, sizeof(out));
	assert_string_equal(out, "team/app:latest");
	rc_engine_ref_normalise("localhost:5000/app", out, sizeof(out));
	assert_string_equal(out, "localhost:5000/app:latest");
	rc_engine_ref_normalise("localhost:5000/app:2", out, sizeof(out));
	assert_string_equal(out, "localhost:5000/app:2");
	rc_engine_ref_normalise("app@sha256:abc", out, sizeof(out));
	assert_string_equal(out, "app@sha256:abc");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_coverage_needs_an_event_older_than_the_scan),
	    cmocka_unit_test(test_later_reads_must_overlap),
	    cmocka_unit_test(test_image_use),
	    cmocka_unit_test(test_volume_and_network_use),
	    cmocka_unit_test(test_hostile_streams),
	    cmocka_unit_test(test_ref_normalise),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
