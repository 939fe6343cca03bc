/* test_recheck.c: the executor's re-check rules over recorded engine answers,
 * the plan-level refusals and the exit-status table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "apply.h"
#include "engine/delete.h"
#include "engine/recheck.h"
#include "run_report.h"

#define IMG "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define IMG_HEX "1111111111111111111111111111111111111111111111111111111111111111"
#define CID "2222222222222222222222222222222222222222222222222222222222222222"
#define CID2 "3333333333333333333333333333333333333333333333333333333333333333"
#define NID "4444444444444444444444444444444444444444444444444444444444444444"

static char *tags_app[] = {"app:1", "app:latest"};
static char *users[] = {CID};

static struct rc_plan_item item(enum rc_kind k, const char *object)
{
	struct rc_plan_item it;

	memset(&it, 0, sizeof(it));
	it.id = "engine/x/y";
	it.source = "engine";
	it.kind = k;
	it.object = (char *)object;
	it.pre.usage_count = -1; /* as a loaded plan without the evidence */
	return it;
}

static cJSON *js(const char *s)
{
	cJSON *j = cJSON_Parse(s);
	assert_non_null(j);
	return j;
}

/* Runs an evaluator over JSON texts; returns its result, reason in r. */
static int eval(enum rc_kind k, const struct rc_plan_item *it, const char *inspect,
		const char *list, const struct rc_strv *gone, char *r, size_t rsz,
		struct rc_err *err)
{
	cJSON *a = js(inspect), *b = list ? js(list) : NULL;
	int v = -1;

	r[0] = '\0';
	switch (k) {
	case RC_KIND_IMAGE:
		v = rc_engine_eval_image(a, b, it, gone, NULL, r, rsz, err);
		break;
	case RC_KIND_CONTAINER:
		v = rc_engine_eval_container(a, it, 0, r, rsz, err);
		break;
	case RC_KIND_VOLUME:
		v = rc_engine_eval_volume(a, b, it, gone, r, rsz, err);
		break;
	case RC_KIND_NETWORK:
		v = rc_engine_eval_network(a, b, it, gone, r, rsz, err);
		break;
	default:
		v = rc_engine_eval_build_cache(a, it, r, rsz, err);
		break;
	}
	cJSON_Delete(a);
	cJSON_Delete(b);
	return v;
}

static void test_image_unchanged_dangling(void **state)
{
	struct rc_plan_item it = item(RC_KIND_IMAGE, IMG);
	struct rc_err err = RC_ERR_INIT;
	char r[256];

	(void)state;
	/* API 1.41 inspect of a dangling image: empty RepoTags; the list
	 * shows other images' containers only. */
	assert_int_equal(eval(RC_KIND_IMAGE, &it, "{\"Id\":\"" IMG "\",\"RepoTags\":[]}",
			      "[{\"Id\":\"" CID2
			      "\",\"ImageID\":\"sha256:99\",\"Names\":[\"/o\"]}]",
			      NULL, r, sizeof(r), &err),
			 RC_CHECK_OK);
	/* RepoTags null, and the legacy "<none>:<none>" spelling. */
	assert_int_equal(eval(RC_KIND_IMAGE, &it, "{\"Id\":\"" IMG "\",\"RepoTags\":null}", "[]",
			      NULL, r, sizeof(r), &err),
			 RC_CHECK_OK);
	assert_int_equal(eval(RC_KIND_IMAGE, &it,
			      "{\"Id\":\"" IMG "\",\"RepoTags\":[\"<none>:<none>\"]}", "[]", NULL,
			      r, sizeof(r), &err),
			 RC_CHECK_OK);
}

static void test_image_retagged_or_tag_moved_is_changed(void **state)
{
	struct rc_plan_item it = item(RC_KIND_IMAGE, IMG);
	struct rc_err err = RC_ERR_INIT;
	char r[256];

	(void)state;
	/* A dangling candidate that got a tag. */
	assert_int_equal(eval(RC_KIND_IMAGE, &it, "{\"Id\":\"" IMG "\",\"RepoTags\":[\"new:1\"]}",
			      "[]", NULL, r, sizeof(r), &err),
			 RC_CHECK_CHANGED);
	assert_string_equal(r, "image is now tagged 'new:1'");
	/* Tags must match exactly: one moved away... */
	it.pre.tags.v = tags_app;
	it.pre.tags.n = 2;
	assert_int_equal(eval(RC_KIND_IMAGE, &it, "{\"Id\":\"" IMG "\",\"RepoTags\":[\"app:1\"]}",
			      "[]", NULL, r, sizeof(r), &err),
			 RC_CHECK_CHANGED);
	assert_string_equal(r, "tag 'app:latest' no longer points to this image");
	/* ...or one more points here. */
	assert_int_equal(eval(RC_KIND_IMAGE, &it,
			      "{\"Id\":\"" IMG
			      "\",\"RepoTags\":[\"app:1\",\"app:latest\",\"app:2\"]}",
			      "[]", NULL, r, sizeof(r), &err),
			 RC_CHECK_CHANGED);
	assert_string_equal(r, "image is now tagged 'app:2'");
	/* Same set in another order is fine. */
	assert_int_equal(eval(RC_KIND_IMAGE, &it,
			      "{\"Id\":\"" IMG "\",\"RepoTags\":[\"app:latest\",\"app:1\"]}", "[]",
			      NULL, r, sizeof(r), &err),
			 RC_CHECK_OK);
	/* A different image ID answered. */
	assert_int_equal(eval(RC_KIND_IMAGE, &it, "{\"Id\":\"sha256:ff\",\"RepoTags\":[]}", "[]",
			      NULL, r, sizeof(r), &err),
			 RC_CHECK_CHANGED);
}

static void test_image_users(void **state)
{
	struct rc_plan_item it = item(RC_KIND_IMAGE, IMG);
	struct rc_err err = RC_ERR_INIT;
	char *gone_v[] = {CID};
	struct rc_strv gone = {gone_v, 1};
	const char *list = "[{\"Id\":\"" CID "\",\"ImageID\":\"" IMG "\",\"Names\":[\"/web\"],"
			   "\"State\":\"exited\"}]";
	char r[256];

	(void)state;
	assert_int_equal(
	    eval(RC_KIND_IMAGE, &it, "{\"Id\":\"" IMG "\"}", list, NULL, r, sizeof(r), &err),
	    RC_CHECK_CHANGED);
	assert_string_equal(r, "image is now used by container 'web'");
	/* A user this apply deleted (or a dry run would delete) is gone. */
	assert_int_equal(
	    eval(RC_KIND_IMAGE, &it, "{\"Id\":\"" IMG "\"}", list, &gone, r, sizeof(r), &err),
	    RC_CHECK_OK);
	/* A planned user that is still there was not deleted: still in use. */
	it.pre.users_in_plan.v = users;
	it.pre.users_in_plan.n = 1;
	assert_int_equal(
	    eval(RC_KIND_IMAGE, &it, "{\"Id\":\"" IMG "\"}", list, NULL, r, sizeof(r), &err),
	    RC_CHECK_CHANGED);
	assert_non_null(strstr(r, "still used by container 'web'"));
	/* Engines that report the ID without "sha256:" still match. */
	it.pre.users_in_plan.n = 0;
	assert_int_equal(eval(RC_KIND_IMAGE, &it, "{\"Id\":\"" IMG "\"}",
			      "[{\"Id\":\"" CID2 "\",\"ImageID\":\"" IMG_HEX "\",\"Names\":[]}]",
			      NULL, r, sizeof(r), &err),
			 RC_CHECK_CHANGED);
	assert_string_equal(r, "image is now used by container '333333333333'");
}

static void test_image_hostile_answers(void **state)
{
	struct rc_plan_item it = item(RC_KIND_IMAGE, IMG);
	struct rc_err err = RC_ERR_INIT;
	char r[256];

	(void)state;
	assert_int_equal(
	    eval(RC_KIND_IMAGE, &it, "{\"RepoTags\":[]}", "[]", NULL, r, sizeof(r), &err), -1);
	assert_int_equal(err.kind, RC_ERR_PROTOCOL);
	assert_int_equal(eval(RC_KIND_IMAGE, &it, "{\"Id\":5}", "[]", NULL, r, sizeof(r), &err),
			 -1);
	assert_int_equal(eval(RC_KIND_IMAGE, &it, "{\"Id\":\"" IMG "\",\"RepoTags\":\"a:1\"}", "[]",
			      NULL, r, sizeof(r), &err),
			 -1);
	assert_int_equal(eval(RC_KIND_IMAGE, &it, "{\"Id\":\"" IMG "\",\"RepoTags\":[1]}", "[]",
			      NULL, r, sizeof(r), &err),
			 -1);
	assert_int_equal(
	    eval(RC_KIND_IMAGE, &it, "{\"Id\":\"" IMG "\"}", "{}", NULL, r, sizeof(r), &err), -1);
	assert_int_equal(eval(RC_KIND_IMAGE, &it, "{\"Id\":\"" IMG "\"}", "[{\"ImageID\":\"x\"}]",
			      NULL, r, sizeof(r), &err),
			 -1);
	assert_int_equal(eval(RC_KIND_IMAGE, &it, "[]", "[]", NULL, r, sizeof(r), &err), -1);
	/* Control characters in a server-supplied name never reach the reason. */
	assert_int_equal(eval(RC_KIND_IMAGE, &it,
			      "{\"Id\":\"" IMG "\",\"RepoTags\":[\"evil\\u001b[2J:1\"]}", "[]",
			      NULL, r, sizeof(r), &err),
			 RC_CHECK_CHANGED);
	assert_null(strchr(r, '\033'));
}

static void test_container_states(void **state)
{
	struct rc_plan_item it = item(RC_KIND_CONTAINER, CID);
	struct rc_err err = RC_ERR_INIT;
	static const char *const stay[] = {"running", "restarting", "paused"};
	static const char *const go[] = {"created", "exited", "dead"};
	char buf[256], r[256];
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		snprintf(buf, sizeof(buf), "{\"Id\":\"" CID "\",\"State\":{\"Status\":\"%s\"}}",
			 stay[i]);
		assert_int_equal(eval(RC_KIND_CONTAINER, &it, buf, NULL, NULL, r, sizeof(r), &err),
				 RC_CHECK_CHANGED);
		assert_non_null(strstr(r, stay[i]));
		snprintf(buf, sizeof(buf), "{\"Id\":\"" CID "\",\"State\":{\"Status\":\"%s\"}}",
			 go[i]);
		assert_int_equal(eval(RC_KIND_CONTAINER, &it, buf, NULL, NULL, r, sizeof(r), &err),
				 RC_CHECK_OK);
	}
	assert_int_equal(eval(RC_KIND_CONTAINER, &it,
			      "{\"Id\":\"" CID2 "\",\"State\":{\"Status\":\"exited\"}}", NULL, NULL,
			      r, sizeof(r), &err),
			 RC_CHECK_CHANGED);
	assert_int_equal(eval(RC_KIND_CONTAINER, &it, "{\"Id\":\"" CID "\",\"State\":\"exited\"}",
			      NULL, NULL, r, sizeof(r), &err),
			 -1);
	assert_int_equal(
	    eval(RC_KIND_CONTAINER, &it, "{\"Id\":\"" CID "\"}", NULL, NULL, r, sizeof(r), &err),
	    -1);
}

static void test_volume_mounts(void **state)
{
	struct rc_plan_item it = item(RC_KIND_VOLUME, "data");
	struct rc_err err = RC_ERR_INIT;
	const char *list = "[{\"Id\":\"" CID "\",\"Names\":[\"/db\"],\"Mounts\":["
			   "{\"Type\":\"bind\",\"Source\":\"/x\"},"
			   "{\"Type\":\"volume\",\"Name\":\"data\"}]}]";
	char *gone_v[] = {CID};
	struct rc_strv gone = {gone_v, 1};
	char r[256];

	(void)state;
	assert_int_equal(eval(RC_KIND_VOLUME, &it, "{\"Name\":\"data\"}",
			      "[{\"Id\":\"" CID "\",\"Mounts\":null},{\"Id\":\"" CID2 "\"}]", NULL,
			      r, sizeof(r), &err),
			 RC_CHECK_OK);
	assert_int_equal(
	    eval(RC_KIND_VOLUME, &it, "{\"Name\":\"data\"}", list, NULL, r, sizeof(r), &err),
	    RC_CHECK_CHANGED);
	assert_string_equal(r, "volume is now mounted by container 'db'");
	assert_int_equal(
	    eval(RC_KIND_VOLUME, &it, "{\"Name\":\"data\"}", list, &gone, r, sizeof(r), &err),
	    RC_CHECK_OK);
	assert_int_equal(eval(RC_KIND_VOLUME, &it, "{\"Name\":\"data\"}",
			      "[{\"Id\":\"" CID "\",\"Mounts\":{}}]", NULL, r, sizeof(r), &err),
			 -1);
	assert_int_equal(eval(RC_KIND_VOLUME, &it, "{\"Name\":7}", "[]", NULL, r, sizeof(r), &err),
			 -1);
}

/* A volume's identity is its name, which can be reused: a volume deleted and
 * re-created under the same name after planning is another volume. */
static void test_volume_recreated_is_changed(void **state)
{
	struct rc_plan_item it = item(RC_KIND_VOLUME, "data");
	struct rc_err err = RC_ERR_INIT;
	char r[256];

	(void)state;
	it.created = 1795752000; /* 2026-11-27T04:00:00Z */
	assert_int_equal(eval(RC_KIND_VOLUME, &it,
			      "{\"Name\":\"data\",\"CreatedAt\":\"2026-11-27T04:00:00Z\"}", "[]",
			      NULL, r, sizeof(r), &err),
			 RC_CHECK_OK);
	/* The same instant in another zone, with a fraction, is the same. */
	assert_int_equal(eval(RC_KIND_VOLUME, &it,
			      "{\"Name\":\"data\",\"CreatedAt\":\"2026-11-27T05:00:00.75+01:00\"}",
			      "[]", NULL, r, sizeof(r), &err),
			 RC_CHECK_OK);
	assert_int_equal(eval(RC_KIND_VOLUME, &it,
			      "{\"Name\":\"data\",\"CreatedAt\":\"2026-11-27T04:20:00Z\"}", "[]",
			      NULL, r, sizeof(r), &err),
			 RC_CHECK_CHANGED);
	assert_string_equal(
	    r, "volume was re-created: the plan's was created at 2026-11-27T04:00:00Z");
	/* No creation time where the plan had one: not the volume reviewed. */
	assert_int_equal(
	    eval(RC_KIND_VOLUME, &it, "{\"Name\":\"data\"}", "[]", NULL, r, sizeof(r), &err),
	    RC_CHECK_CHANGED);
	assert_int_equal(eval(RC_KIND_VOLUME, &it, "{\"Name\":\"data\",\"CreatedAt\":\"\"}", "[]",
			      NULL, r, sizeof(r), &err),
			 RC_CHECK_CHANGED);
	/* Malformed answers. */
	assert_int_equal(eval(RC_KIND_VOLUME, &it, "{\"Name\":\"data\",\"CreatedAt\":7}", "[]",
			      NULL, r, sizeof(r), &err),
			 -1);
	assert_int_equal(eval(RC_KIND_VOLUME, &it,
			      "{\"Name\":\"data\",\"CreatedAt\":\"yesterday\"}", "[]", NULL, r,
			      sizeof(r), &err),
			 -1);
	assert_int_equal(err.kind, RC_ERR_PROTOCOL);
	/* A plan without a creation time compares the name only. */
	it.created = 0;
	assert_int_equal(eval(RC_KIND_VOLUME, &it,
			      "{\"Name\":\"data\",\"CreatedAt\":\"2026-11-27T04:20:00Z\"}", "[]",
			      NULL, r, sizeof(r), &err),
			 RC_CHECK_OK);
}

static void test_network_attachments(void **state)
{
	struct rc_plan_item it = item(RC_KIND_NETWORK, NID);
	struct rc_err err = RC_ERR_INIT;
	char r[256];

	(void)state;
	assert_int_equal(eval(RC_KIND_NETWORK, &it,
			      "{\"Id\":\"" NID "\",\"Name\":\"net\",\"Containers\":{}}", "[]", NULL,
			      r, sizeof(r), &err),
			 RC_CHECK_OK);
	assert_int_equal(eval(RC_KIND_NETWORK, &it,
			      "{\"Id\":\"" NID "\",\"Name\":\"net\",\"Containers\":{\"" CID
			      "\":{\"Name\":\"web\"}}}",
			      "[]", NULL, r, sizeof(r), &err),
			 RC_CHECK_CHANGED);
	assert_string_equal(r, "network now has container 'web' attached");
	/* A stopped container keeps its attachment in the container list. */
	assert_int_equal(eval(RC_KIND_NETWORK, &it,
			      "{\"Id\":\"" NID "\",\"Name\":\"net\",\"Containers\":{}}",
			      "[{\"Id\":\"" CID2 "\",\"Names\":[\"/idle\"],\"NetworkSettings\":"
			      "{\"Networks\":{\"n\":{\"NetworkID\":\"" NID "\"}}}}]",
			      NULL, r, sizeof(r), &err),
			 RC_CHECK_CHANGED);
	assert_string_equal(r, "network now has container 'idle' attached");
	/* A container that never ran: keyed by the network's name, no ID. */
	assert_int_equal(eval(RC_KIND_NETWORK, &it,
			      "{\"Id\":\"" NID "\",\"Name\":\"net\",\"Containers\":{}}",
			      "[{\"Id\":\"" CID2 "\",\"Names\":[\"/new\"],\"NetworkSettings\":"
			      "{\"Networks\":{\"net\":{\"NetworkID\":\"\"}}}}]",
			      NULL, r, sizeof(r), &err),
			 RC_CHECK_CHANGED);
	assert_string_equal(r, "network now has container 'new' attached");
	/* Another network's attachment does not count. */
	assert_int_equal(eval(RC_KIND_NETWORK, &it,
			      "{\"Id\":\"" NID "\",\"Name\":\"net\",\"Containers\":{}}",
			      "[{\"Id\":\"" CID2 "\",\"NetworkSettings\":"
			      "{\"Networks\":{\"other\":{\"NetworkID\":\"ffff\"}}}}]",
			      NULL, r, sizeof(r), &err),
			 RC_CHECK_OK);
	/* No name: malformed. */
	assert_int_equal(
	    eval(RC_KIND_NETWORK, &it, "{\"Id\":\"" NID "\"}", "[]", NULL, r, sizeof(r), &err), -1);
	assert_int_equal(eval(RC_KIND_NETWORK, &it,
			      "{\"Id\":\"" NID "\",\"Name\":\"net\",\"Containers\":[]}", "[]", NULL,
			      r, sizeof(r), &err),
			 -1);
}

/* A container or network renamed since planning is not what the reviewer
 * approved: changed, naming both. No name in the plan: not compared. */
static void test_renamed_is_changed(void **state)
{
	struct rc_plan_item c = item(RC_KIND_CONTAINER, CID), n = item(RC_KIND_NETWORK, NID);
	struct rc_err err = RC_ERR_INIT;
	char r[256];

	(void)state;
	c.name = "tmp-job";
	assert_int_equal(eval(RC_KIND_CONTAINER, &c,
			      "{\"Id\":\"" CID "\",\"Name\":\"/tmp-job\",\"State\":{\"Status\":"
			      "\"exited\"}}",
			      NULL, NULL, r, sizeof(r), &err),
			 RC_CHECK_OK);
	assert_int_equal(eval(RC_KIND_CONTAINER, &c,
			      "{\"Id\":\"" CID "\",\"Name\":\"/prod-db\",\"State\":{\"Status\":"
			      "\"exited\"}}",
			      NULL, NULL, r, sizeof(r), &err),
			 RC_CHECK_CHANGED);
	assert_string_equal(r, "container is now named 'prod-db'; the plan says 'tmp-job'");
	/* Control characters from the daemon are not printed raw. */
	assert_int_equal(eval(RC_KIND_CONTAINER, &c,
			      "{\"Id\":\"" CID "\",\"Name\":\"/a\\u001b[2Jb\",\"State\":{"
			      "\"Status\":\"exited\"}}",
			      NULL, NULL, r, sizeof(r), &err),
			 RC_CHECK_CHANGED);
	assert_null(strchr(r, '\x1b'));
	c.name = "";
	assert_int_equal(eval(RC_KIND_CONTAINER, &c,
			      "{\"Id\":\"" CID "\",\"Name\":\"/prod-db\",\"State\":{\"Status\":"
			      "\"exited\"}}",
			      NULL, NULL, r, sizeof(r), &err),
			 RC_CHECK_OK);

	n.name = "ci-net";
	assert_int_equal(eval(RC_KIND_NETWORK, &n,
			      "{\"Id\":\"" NID "\",\"Name\":\"ci-net\",\"Containers\":{}}", "[]",
			      NULL, r, sizeof(r), &err),
			 RC_CHECK_OK);
	assert_int_equal(eval(RC_KIND_NETWORK, &n,
			      "{\"Id\":\"" NID "\",\"Name\":\"prod-net\",\"Containers\":{}}", "[]",
			      NULL, r, sizeof(r), &err),
			 RC_CHECK_CHANGED);
	assert_string_equal(r, "network is now named 'prod-net'; the plan says 'ci-net'");
}

static void test_build_cache(void **state)
{
	struct rc_plan_item it = item(RC_KIND_BUILD_CACHE, "abc123");
	struct rc_err err = RC_ERR_INIT;
	char r[256];

	(void)state;
	assert_int_equal(eval(RC_KIND_BUILD_CACHE, &it,
			      "{\"BuildCache\":[{\"ID\":\"abc123\",\"InUse\":false}]}", NULL, NULL,
			      r, sizeof(r), &err),
			 RC_CHECK_OK);
	assert_int_equal(
	    eval(RC_KIND_BUILD_CACHE, &it, "{\"BuildCache\":null}", NULL, NULL, r, sizeof(r), &err),
	    RC_CHECK_ABSENT);
	assert_int_equal(eval(RC_KIND_BUILD_CACHE, &it,
			      "{\"BuildCache\":[{\"ID\":\"abc123\",\"InUse\":true}]}", NULL, NULL,
			      r, sizeof(r), &err),
			 RC_CHECK_CHANGED);
	/* The daemon's id filter could select more than this record. */
	assert_int_equal(eval(RC_KIND_BUILD_CACHE, &it,
			      "{\"BuildCache\":[{\"ID\":\"abc123\"},{\"ID\":\"xabc1234\"}]}", NULL,
			      NULL, r, sizeof(r), &err),
			 RC_CHECK_CHANGED);
	assert_int_equal(eval(RC_KIND_BUILD_CACHE, &it, "{\"BuildCache\":[{\"ID\":1}]}", NULL, NULL,
			      r, sizeof(r), &err),
			 -1);
	assert_int_equal(
	    eval(RC_KIND_BUILD_CACHE, &it, "{\"BuildCache\":{}}", NULL, NULL, r, sizeof(r), &err),
	    -1);
}

/* Issue 6 §1: what the plan saw of a container's runs must still hold. */
static void test_container_ran_since_planning(void **state)
{
	struct rc_plan_item it = item(RC_KIND_CONTAINER, CID);
	struct rc_err err = RC_ERR_INIT;
	cJSON *a;
	char r[256];

	(void)state;
	it.pre.started_at = "2026-11-29T10:00:00.123456789Z";
	it.pre.finished_at = "2026-11-29T10:00:01.5Z";
	a = js("{\"Id\":\"" CID "\",\"State\":{\"Status\":\"exited\","
	       "\"StartedAt\":\"2026-11-29T10:00:00.123456789Z\","
	       "\"FinishedAt\":\"2026-11-29T10:00:01.5Z\"}}");
	assert_int_equal(rc_engine_eval_container(a, &it, 0, r, sizeof(r), &err), RC_CHECK_OK);
	cJSON_Delete(a);
	/* started again (docker start -a), now exited again */
	a = js(
	    "{\"Id\":\"" CID "\",\"State\":{\"Status\":\"exited\","
	    "\"StartedAt\":\"2026-11-29T12:00:00.1Z\",\"FinishedAt\":\"2026-11-29T12:00:02Z\"}}");
	assert_int_equal(rc_engine_eval_container(a, &it, 0, r, sizeof(r), &err), RC_CHECK_CHANGED);
	assert_non_null(strstr(r, "started since planning"));
	cJSON_Delete(a);
	/* a restart within the same second differs in the nanoseconds */
	a = js("{\"Id\":\"" CID "\",\"State\":{\"Status\":\"exited\","
	       "\"StartedAt\":\"2026-11-29T10:00:00.123456789Z\","
	       "\"FinishedAt\":\"2026-11-29T10:00:01.6Z\"}}");
	assert_int_equal(rc_engine_eval_container(a, &it, 0, r, sizeof(r), &err), RC_CHECK_CHANGED);
	assert_non_null(strstr(r, "ran since planning"));
	cJSON_Delete(a);
	/* created, never started when planned, started since */
	it.pre.started_at = "0001-01-01T00:00:00Z";
	it.pre.finished_at = "0001-01-01T00:00:00Z";
	a = js("{\"Id\":\"" CID "\",\"State\":{\"Status\":\"exited\","
	       "\"StartedAt\":\"2026-11-29T12:00:00Z\",\"FinishedAt\":\"2026-11-29T12:00:01Z\"}}");
	assert_int_equal(rc_engine_eval_container(a, &it, 0, r, sizeof(r), &err), RC_CHECK_CHANGED);
	cJSON_Delete(a);
	/* evidence gone from the answer: not proven unchanged */
	a = js("{\"Id\":\"" CID "\",\"State\":{\"Status\":\"created\"}}");
	assert_int_equal(rc_engine_eval_container(a, &it, 0, r, sizeof(r), &err), RC_CHECK_CHANGED);
	cJSON_Delete(a);
}

/* Plans written before the evidence existed: times against the scan. */
static void test_container_old_plan_judged_by_scan_time(void **state)
{
	struct rc_plan_item it = item(RC_KIND_CONTAINER, CID);
	struct rc_err err = RC_ERR_INIT;
	int64_t since = 1795946400LL * 1000000000LL; /* 2026-11-29T10:00:00Z */
	cJSON *a;
	char r[256];

	(void)state;
	a = js("{\"Id\":\"" CID "\",\"State\":{\"Status\":\"exited\","
	       "\"StartedAt\":\"2026-11-29T09:00:00Z\",\"FinishedAt\":\"2026-11-29T09:59:59Z\"}}");
	assert_int_equal(rc_engine_eval_container(a, &it, since, r, sizeof(r), &err), RC_CHECK_OK);
	cJSON_Delete(a);
	a = js(
	    "{\"Id\":\"" CID "\",\"State\":{\"Status\":\"exited\","
	    "\"StartedAt\":\"2026-11-29T09:00:00Z\",\"FinishedAt\":\"2026-11-29T10:00:00.5Z\"}}");
	assert_int_equal(rc_engine_eval_container(a, &it, since, r, sizeof(r), &err), RC_CHECK_CHANGED);
	cJSON_Delete(a);
	a = js("{\"Id\":\"" CID "\",\"State\":{\"Status\":\"created\","
	       "\"StartedAt\":\"0001-01-01T00:00:00Z\",\"FinishedAt\":\"0001-01-01T00:00:00Z\"}}");
	assert_int_equal(rc_engine_eval_container(a, &it, since, r, sizeof(r), &err), RC_CHECK_OK);
	cJSON_Delete(a);
}

/* Issue 6 §2: a tag this apply removed before a crash may be missing. */
static void test_image_untagged_by_this_apply(void **state)
{
	struct rc_plan_item it = item(RC_KIND_IMAGE, IMG);
	struct rc_err err = RC_ERR_INIT;
	static char *one[] = {"app:1"};
	struct rc_strv untagged = {one, 1};
	cJSON *a = js("{\"Id\":\"" IMG "\",\"RepoTags\":[\"app:latest\"]}"), *l = js("[]");
	char r[256];

	(void)state;
	it.pre.tags.v = tags_app;
	it.pre.tags.n = 2;
	assert_int_equal(rc_engine_eval_image(a, l, &it, NULL, NULL, r, sizeof(r), &err),
			 RC_CHECK_CHANGED);
	assert_int_equal(rc_engine_eval_image(a, l, &it, NULL, &untagged, r, sizeof(r), &err),
			 RC_CHECK_OK);
	cJSON_Delete(a);
	/* a tag added is still a change, whatever was untagged */
	a = js("{\"Id\":\"" IMG "\",\"RepoTags\":[\"app:latest\",\"app:new\"]}");
	assert_int_equal(rc_engine_eval_image(a, l, &it, NULL, &untagged, r, sizeof(r), &err),
			 RC_CHECK_CHANGED);
	cJSON_Delete(a);
	cJSON_Delete(l);
}

static void test_build_cache_used_since_planning(void **state)
{
	struct rc_plan_item it = item(RC_KIND_BUILD_CACHE, "abc123");
	struct rc_err err = RC_ERR_INIT;
	char r[256];

	(void)state;
	it.pre.usage_count = 2;
	it.last_used = 1795946400; /* 2026-11-29T10:00:00Z */
	assert_int_equal(eval(RC_KIND_BUILD_CACHE, &it,
			      "{\"BuildCache\":[{\"ID\":\"abc123\",\"UsageCount\":2,"
			      "\"LastUsedAt\":\"2026-11-29T10:00:00.9Z\"}]}",
			      NULL, NULL, r, sizeof(r), &err),
			 RC_CHECK_OK);
	assert_int_equal(eval(RC_KIND_BUILD_CACHE, &it,
			      "{\"BuildCache\":[{\"ID\":\"abc123\",\"UsageCount\":3,"
			      "\"LastUsedAt\":\"2026-11-29T10:00:00.9Z\"}]}",
			      NULL, NULL, r, sizeof(r), &err),
			 RC_CHECK_CHANGED);
	assert_non_null(strstr(r, "used since planning"));
	assert_int_equal(eval(RC_KIND_BUILD_CACHE, &it,
			      "{\"BuildCache\":[{\"ID\":\"abc123\",\"UsageCount\":2,"
			      "\"LastUsedAt\":\"2026-11-29T11:00:00Z\"}]}",
			      NULL, NULL, r, sizeof(r), &err),
			 RC_CHECK_CHANGED);
	assert_int_equal(eval(RC_KIND_BUILD_CACHE, &it,
			      "{\"BuildCache\":[{\"ID\":\"abc123\",\"LastUsedAt\":null}]}", NULL,
			      NULL, r, sizeof(r), &err),
			 RC_CHECK_CHANGED);
}

static void test_volume_size_since_planning(void **state)
{
	struct rc_plan_item it = item(RC_KIND_VOLUME, "data");
	struct rc_err err = RC_ERR_INIT;
	cJSON *df;
	char r[256];

	(void)state;
	it.size = 4096;
	df = js("{\"Volumes\":[{\"Name\":\"other\",\"UsageData\":{\"Size\":1}},"
		"{\"Name\":\"data\",\"UsageData\":{\"Size\":4096}}]}");
	assert_int_equal(rc_engine_eval_volume_size(df, &it, r, sizeof(r), &err), RC_CHECK_OK);
	cJSON_Delete(df);
	df = js("{\"Volumes\":[{\"Name\":\"data\",\"UsageData\":{\"Size\":8192}}]}");
	assert_int_equal(rc_engine_eval_volume_size(df, &it, r, sizeof(r), &err), RC_CHECK_CHANGED);
	assert_non_null(strstr(r, "written since planning"));
	cJSON_Delete(df);
	/* not measured now, or not known at planning: no verdict from size */
	df = js("{\"Volumes\":[{\"Name\":\"data\",\"UsageData\":{\"Size\":-1}}]}");
	assert_int_equal(rc_engine_eval_volume_size(df, &it, r, sizeof(r), &err), RC_CHECK_OK);
	it.size = -1;
	cJSON_Delete(df);
	df = js("{\"Volumes\":[{\"Name\":\"data\",\"UsageData\":{\"Size\":8192}}]}");
	assert_int_equal(rc_engine_eval_volume_size(df, &it, r, sizeof(r), &err), RC_CHECK_OK);
	cJSON_Delete(df);
	it.size = 1;
	df = js("{\"Volumes\":{}}");
	assert_int_equal(rc_engine_eval_volume_size(df, &it, r, sizeof(r), &err), -1);
	cJSON_Delete(df);
}

static void test_ref_safe(void **state)
{
	(void)state;
	assert_int_equal(rc_engine_ref_safe("app:1"), 1);
	assert_int_equal(rc_engine_ref_safe("registry.local:5000/team/app:v1.2"), 1);
	assert_int_equal(rc_engine_ref_safe("app@sha256:" IMG_HEX), 1);
	assert_int_equal(rc_engine_ref_safe("../containers/x"), 0);
	assert_int_equal(rc_engine_ref_safe("/app:1"), 0);
	assert_int_equal(rc_engine_ref_safe("app:1?force=1"), 0);
	assert_int_equal(rc_engine_ref_safe("app:1#x"), 0);
	assert_int_equal(rc_engine_ref_safe("a%2e%2e"), 0);
	assert_int_equal(rc_engine_ref_safe(""), 0);
}

/* The daemon reads the build-prune id filter as an unanchored regular
 * expression: only [a-z0-9]+ is sent, and an answer that pruned anything but
 * the target is a failure that names what else went. */
static void test_build_cache_prune_answers(void **state)
{
	char r[RA_REASON_MAX];
	const char *a;

	(void)state;
	assert_int_equal(rc_engine_build_cache_id_ok("k7lq6ex3n0x9yjfz8b2l0c5ip"), 1);
	assert_int_equal(rc_engine_build_cache_id_ok("abc.*"), 0);
	assert_int_equal(rc_engine_build_cache_id_ok("ABC"), 0);
	assert_int_equal(rc_engine_build_cache_id_ok("a-b"), 0);
	assert_int_equal(rc_engine_build_cache_id_ok("sha256:abc"), 0);
	assert_int_equal(rc_engine_build_cache_id_ok(""), 0);
	assert_int_equal(rc_engine_build_cache_id_ok(NULL), 0);

#define PRUNE(s) rc_engine_prune_outcome((s), strlen(s), "abc123", r, sizeof(r))
	a = "{\"CachesDeleted\":[\"abc123\"],\"SpaceReclaimed\":4096}";
	assert_int_equal(PRUNE(a), RC_REMOVED);
	assert_string_equal(r, "");
	/* Nothing pruned: the record is in use or gone. */
	assert_int_equal(PRUNE("{\"CachesDeleted\":[],\"SpaceReclaimed\":0}"), RC_REMOVAL_CHANGED);
	assert_string_equal(r, "the daemon did not prune the record");
	assert_int_equal(PRUNE("{\"CachesDeleted\":null,\"SpaceReclaimed\":0}"), RC_REMOVAL_CHANGED);
	/* The filter matched more: the others are gone and were not in the plan. */
	a = "{\"CachesDeleted\":[\"abc123\",\"xabc1234\",\"abc1235\"]}";
	assert_int_equal(PRUNE(a), RC_REMOVAL_FAILED);
	assert_string_equal(r, "the daemon's id filter also pruned 2 build cache record(s) not "
			       "in the plan: 'xabc1234', 'abc1235'");
	a = "{\"CachesDeleted\":[\"zabc123\"]}";
	assert_int_equal(PRUNE(a), RC_REMOVAL_FAILED);
	assert_non_null(strstr(r, "'zabc123'"));
	/* Hostile or malformed answers. */
	a = "{\"CachesDeleted\":[\"abc123\",\"\\u001b[31mred\"]}";
	assert_int_equal(PRUNE(a), RC_REMOVAL_FAILED);
	assert_null(strchr(r, '\x1b'));
	assert_int_equal(PRUNE("{\"CachesDeleted\":[\"abc123\",7]}"), RC_REMOVAL_FAILED);
	assert_int_equal(PRUNE("{\"CachesDeleted\":\"abc123\"}"), RC_REMOVAL_FAILED);
	assert_int_equal(PRUNE("[\"abc123\"]"), RC_REMOVAL_FAILED);
	assert_int_equal(PRUNE("{\"CachesDeleted\":[\"abc1"), RC_REMOVAL_FAILED);
	assert_int_equal(PRUNE(""), RC_REMOVAL_FAILED);
	assert_non_null(strstr(r, "unexpected answer"));
#undef PRUNE
}

/* Error answers to a delete: 404 is absent, 409 changed; a network that
 * gained a container after the re-check is refused with 403 "active
 * endpoints", which is changed too, never a failure or a retry with force. */
static void test_delete_status(void **state)
{
	const char *ep =
	    "error while removing network: network ci-net id " NID " has active endpoints";
	char r[RA_REASON_MAX];

	(void)state;
	assert_int_equal(rc_engine_delete_status(RC_KIND_IMAGE, 404, "no such image", r, sizeof(r)),
			 RC_REMOVAL_ABSENT);
	assert_string_equal(r, "");
	assert_int_equal(rc_engine_delete_status(RC_KIND_IMAGE, 409, "conflict: in use", r, sizeof(r)),
			 RC_REMOVAL_CHANGED);
	assert_string_equal(r, "daemon refused: conflict: in use");
	assert_int_equal(rc_engine_delete_status(RC_KIND_NETWORK, 403, ep, r, sizeof(r)), RC_REMOVAL_CHANGED);
	assert_non_null(strstr(r, "daemon refused: "));
	assert_non_null(strstr(r, "has active endpoints"));
	assert_int_equal(rc_engine_delete_status(RC_KIND_NETWORK, 409, ep, r, sizeof(r)), RC_REMOVAL_CHANGED);
	/* Other 403s, and 403 for other kinds, are failures. */
	assert_int_equal(rc_engine_delete_status(RC_KIND_NETWORK, 403,
					  "bridge is a pre-defined network and cannot be removed",
					  r, sizeof(r)),
			 RC_REMOVAL_FAILED);
	assert_int_equal(rc_engine_delete_status(RC_KIND_CONTAINER, 403, ep, r, sizeof(r)), RC_REMOVAL_FAILED);
	assert_int_equal(rc_engine_delete_status(RC_KIND_NETWORK, 403, NULL, r, sizeof(r)), RC_REMOVAL_FAILED);
	assert_int_equal(rc_engine_delete_status(RC_KIND_VOLUME, 500, "boom", r, sizeof(r)), RC_REMOVAL_FAILED);
	assert_string_equal(r, "HTTP 500: boom");
}

static void test_object_safe(void **state)
{
	(void)state;
	assert_int_equal(rc_engine_object_safe(IMG), 1);
	assert_int_equal(rc_engine_object_safe("my_vol.1-x"), 1);
	assert_int_equal(rc_engine_object_safe(""), 0);
	assert_int_equal(rc_engine_object_safe("../containers"), 0);
	assert_int_equal(rc_engine_object_safe("a/b"), 0);
	assert_int_equal(rc_engine_object_safe("a?force=1"), 0);
	assert_int_equal(rc_engine_object_safe("a b"), 0);
	assert_int_equal(rc_engine_object_safe("-x"), 0);
	assert_int_equal(rc_engine_object_safe(NULL), 0);
}

static void test_daemon_message(void **state)
{
	struct rc_buf b;
	struct rc_err err = RC_ERR_INIT;
	char out[128];

	(void)state;
	rc_buf_init(&b, 0);
	assert_int_equal(rc_buf_puts(&b, "{\"message\":\"conflict:\\nimage in use\"}", &err), 0);
	assert_string_equal(rc_engine_daemon_message(&b, 409, out, sizeof(out)), "conflict:?image in use");
	rc_buf_reset(&b);
	assert_int_equal(rc_buf_puts(&b, "<html>oops", &err), 0);
	assert_string_equal(rc_engine_daemon_message(&b, 502, out, sizeof(out)), "HTTP 502");
	rc_buf_release(&b);
}

static void test_refusals(void **state)
{
	struct rc_plan p;
	struct rc_plan_source src[2];
	struct rc_plan_item cands[2];
	struct rc_engine_info info;
	struct ra_sources srcs;
	struct rc_err err = RC_ERR_INIT;

	(void)state;
	memset(&p, 0, sizeof(p));
	memset(src, 0, sizeof(src));
	memset(&info, 0, sizeof(info));
	p.digest = "sha256:" IMG_HEX;
	p.expires_at = 1000;
	assert_int_equal(ra_verify_expiry(&p, 999, &err), 0);
	assert_int_equal(ra_verify_expiry(&p, 1000, &err), -1);
	assert_int_equal(err.kind, RC_ERR_REFUSED);
	assert_int_equal(ra_verify_approval(&p, NULL, 0, &err), -1);
	assert_int_equal(err.kind, RC_ERR_REFUSED);
	assert_int_equal(ra_verify_approval(&p, "sha256:" CID, 0, &err), -1);
	assert_int_equal(ra_verify_approval(&p, "sha256:" IMG_HEX, 0, &err), 0);
	assert_int_equal(ra_verify_approval(&p, NULL, 1, &err), 0);
	assert_int_equal(ra_verify_approval(&p, "sha256:" IMG_HEX, 1, &err), 0);
	assert_int_equal(ra_verify_approval(&p, "sha256:" CID, 1, &err), -1);
	assert_int_equal(err.kind, RC_ERR_REFUSED);

	src[0].name = "engine";
	src[0].type = "engine";
	src[0].identity = cJSON_Parse("{\"id\":\"AAAA:BBBB\",\"name\":\"host-a\"}");
	src[1].name = "hub";
	src[1].type = "quay"; /* registry, dtr and harbor have tables now */
	p.sources = src;
	p.n_sources = 2;
	cands[0] = item(RC_KIND_IMAGE, IMG);
	cands[1] = item(RC_KIND_IMAGE, IMG);
	p.candidates = cands;
	p.n_candidates = 1;
	assert_int_equal(ra_plan_sources(&p, &srcs, &err), 0);
	assert_int_equal(srcs.n, 1);
	assert_ptr_equal(srcs.v[0].planned, &src[0]);
	assert_string_equal(srcs.v[0].ops->type, "engine");
	ra_sources_release(&srcs);
	/* a source type this reclaim-apply has no table for */
	cands[1].source = "hub";
	p.n_candidates = 2;
	assert_int_equal(ra_plan_sources(&p, &srcs, &err), -1);
	assert_int_equal(err.kind, RC_ERR_REFUSED);
	assert_string_equal(err.msg, "item 'engine/x/y' is from source 'hub' of type "
				     "'quay', which this reclaim-apply cannot apply");
	ra_sources_release(&srcs);
	cands[1].source = "nowhere";
	assert_int_equal(ra_plan_sources(&p, &srcs, &err), -1);
	assert_int_equal(err.kind, RC_ERR_REFUSED);
	ra_sources_release(&srcs);
	/* two sources of one type: the command line reaches one */
	src[1].type = "engine";
	cands[1].source = "hub";
	assert_int_equal(ra_plan_sources(&p, &srcs, &err), -1);
	assert_string_equal(err.msg, "plan has candidates from more than one engine ('engine' "
				     "and 'hub'): apply one engine per plan");
	ra_sources_release(&srcs);
	/* no candidates: the first source of a known type is still verified */
	src[0].type = "quay";
	p.n_candidates = 0;
	assert_int_equal(ra_plan_sources(&p, &srcs, &err), 0);
	assert_int_equal(srcs.n, 1);
	assert_ptr_equal(srcs.v[0].planned, &src[1]);
	ra_sources_release(&srcs);
	src[0].type = "engine";

	info.id = "AAAA:BBBB";
	assert_int_equal(rc_engine_verify(&src[0], &info, &err), 0);
	info.id = "CCCC:DDDD";
	info.endpoint = "unix:///b.sock";
	assert_int_equal(rc_engine_verify(&src[0], &info, &err), -1);
	assert_int_equal(err.kind, RC_ERR_REFUSED);
	assert_non_null(strstr(err.msg, "wrong target"));
	info.id = NULL;
	assert_int_equal(rc_engine_verify(&src[0], &info, &err), -1);
	cJSON_Delete(src[0].identity);
}

static void test_exit_status(void **state)
{
	struct ra_run run;

	(void)state;
	ra_run_init(&run);
	run.count[RA_DELETED] = 3;
	run.count[RA_ALREADY_DONE] = 1;
	assert_int_equal(ra_exit_status(&run, 1), RA_EXIT_OK);
	run.count[RA_CHANGED] = 1;
	assert_int_equal(ra_exit_status(&run, 0), RA_EXIT_OK);
	assert_int_equal(ra_exit_status(&run, 1), RA_EXIT_CHANGED);
	run.count[RA_FAILED] = 1;
	assert_int_equal(ra_exit_status(&run, 1), RA_EXIT_FAILED);
	assert_int_equal(ra_exit_status(&run, 0), RA_EXIT_FAILED);
	assert_string_equal(ra_outcome_name(RA_ALREADY_ABSENT), "already-absent");
	assert_string_equal(ra_outcome_name(RA_OUTCOME_COUNT), "unknown");
}

static void test_shell_quote(void **state)
{
	struct rc_buf b;
	struct rc_err err = RC_ERR_INIT;

	(void)state;
	rc_buf_init(&b, 0);
	assert_int_equal(rc_buf_shell_quote(&b, "plans/p-1.json", &err), 0);
	assert_string_equal(b.data, "plans/p-1.json");
	rc_buf_reset(&b);
	assert_int_equal(rc_buf_shell_quote(&b, "my plan's.json", &err), 0);
	assert_string_equal(b.data, "'my plan'\\''s.json'");
	rc_buf_reset(&b);
	assert_int_equal(rc_buf_shell_quote(&b, "$(rm -rf x)", &err), 0);
	assert_string_equal(b.data, "'$(rm -rf x)'");
	rc_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_image_unchanged_dangling),
	    cmocka_unit_test(test_image_retagged_or_tag_moved_is_changed),
	    cmocka_unit_test(test_image_users),
	    cmocka_unit_test(test_image_hostile_answers),
	    cmocka_unit_test(test_container_states),
	    cmocka_unit_test(test_container_ran_since_planning),
	    cmocka_unit_test(test_container_old_plan_judged_by_scan_time),
	    cmocka_unit_test(test_image_untagged_by_this_apply),
	    cmocka_unit_test(test_build_cache_used_since_planning),
	    cmocka_unit_test(test_volume_size_since_planning),
	    cmocka_unit_test(test_ref_safe),
	    cmocka_unit_test(test_volume_mounts),
	    cmocka_unit_test(test_volume_recreated_is_changed),
	    cmocka_unit_test(test_network_attachments),
	    cmocka_unit_test(test_renamed_is_changed),
	    cmocka_unit_test(test_build_cache),
	    cmocka_unit_test(test_build_cache_prune_answers),
	    cmocka_unit_test(test_delete_status),
	    cmocka_unit_test(test_object_safe),
	    cmocka_unit_test(test_daemon_message),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_exit_status),
	    cmocka_unit_test(test_shell_quote),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
