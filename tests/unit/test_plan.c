/* The plan contract: build, render, parse back, digest, and refusal of
 * malformed, hostile and tampered plans. */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "buf.h"
#include "fsutil.h"
#include "plan.h"
#include "sha256.h"

#define T0 1795752000 /* 2026-11-27T04:00:00Z */
#define BIG INT64_C(5000000000)

/* A version 1 plan (as reclaim 0.1.0 and 0.2.0 wrote them) written by hand,
 * whose policy_digest and digest were computed at
 * test-writing time with Python, independently of this C code:
 *   python3 scripts/plan-digest.py fixture.json
 * (json.dumps(sort_keys=True, separators=(",",":"), ensure_ascii=False) of
 * the document without "digest", then SHA-256; equal to RFC 8785 here since
 * all names are ASCII and all numbers integers). It holds \u00e9 escapes,
 * a quote and a tab, so canonical string escaping is exercised too. */
static const char fixture[] =
    "{\n"
    "  \"format\": \"reclaim-plan\",\n"
    "  \"version\": 1,\n"
    "  \"tool\": {\"name\": \"reclaim\", \"version\": \"0.1.0\"},\n"
    "  \"created_at\": \"2026-11-27T04:00:00Z\",\n"
    "  \"expires_at\": \"2026-11-28T04:00:00Z\",\n"
    "  \"policy\": {\"engine\": {\"containers\": {\"stopped_for\": \"24h\"}}},\n"
    "  \"policy_digest\": "
    "\"sha256:f2d3cbb216c63dad302830a5d136d54e224e840b5349ac27580ecd2759206452\",\n"
    "  \"sources\": [{\"name\": \"engine\", \"type\": \"engine\", \"endpoint\": "
    "\"unix:///run/docker.sock\",\n"
    "    \"engine_id\": \"ABCD:EFGH\", \"engine_name\": \"host-1\", \"api_version\": \"1.41\",\n"
    "    \"scanned_at\": \"2026-11-27T03:59:58Z\"}],\n"
    "  \"summary\": {\"candidates\": 1, \"protected\": 1, \"bytes_freed_now\": 6000000000,\n"
    "    \"bytes_freed_after_gc\": 0, \"by_kind\": {\n"
    "      \"container\": {\"count\": 0, \"bytes\": 0}, \"image\": {\"count\": 1, \"bytes\": "
    "6000000000},\n"
    "      \"volume\": {\"count\": 0, \"bytes\": 0}, \"network\": {\"count\": 0, \"bytes\": 0},\n"
    "      \"build-cache\": {\"count\": 0, \"bytes\": 0}}},\n"
    "  \"candidates\": [{\"id\": "
    "\"engine/image/sha256:1111111111111111111111111111111111111111111111111111111111111111\",\n"
    "    \"source\": \"engine\", \"kind\": \"image\",\n"
    "    \"object\": \"sha256:1111111111111111111111111111111111111111111111111111111111111111\",\n"
    "    \"name\": \"caf\\u00e9:1.0\", \"refs\": [\"caf\\u00e9:1.0\"], \"size\": 6000000000, "
    "\"reclaimable\": 6000000000,\n"
    "    \"created_at\": \"2026-10-01T00:00:00Z\", \"last_used_at\": null, \"rule\": "
    "\"old-images\",\n"
    "    \"reason\": \"age 57d > 30d \\\"quoted\\\"\\ttab\", \"preconditions\": {\"tags\": "
    "[\"caf\\u00e9:1.0\"], \"users_in_plan\": []}}],\n"
    "  \"protected\": [{\"id\": \"engine/volume/data\", \"source\": \"engine\", \"kind\": "
    "\"volume\", \"object\": \"data\",\n"
    "    \"name\": \"data\", \"refs\": [], \"size\": -1, \"reclaimable\": 0, \"created_at\": null, "
    "\"last_used_at\": null,\n"
    "    \"rule\": \"volumes-off\", \"reason\": \"volumes are not selected\"}],\n"
    "  \"digest\": \"sha256:c2269b03cd6bc5297f69b2cea387e9a0d18e37ebb5c4b7a899fa4226474138e7\"\n"
    "}\n";

#define FIXTURE_DIGEST "sha256:c2269b03cd6bc5297f69b2cea387e9a0d18e37ebb5c4b7a899fa4226474138e7"

static char *xstrdup(const char *s)
{
	char *d = strdup(s);
	assert_non_null(d);
	return d;
}

static void strv_set(struct rc_strv *v, int n, ...)
{
	va_list ap;

	v->n = (size_t)n;
	v->v = n ? calloc((size_t)n, sizeof(char *)) : NULL;
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		v->v[i] = xstrdup(va_arg(ap, const char *));
	va_end(ap);
}

static void add(struct rc_plan *p, int candidate, enum rc_kind kind, const char *object,
		const char *name, int64_t size, int64_t reclaimable, int64_t created,
		int64_t last_used, const char *rule, const char *reason)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_plan_item it;

	memset(&it, 0, sizeof(it));
	it.source = xstrdup("engine");
	it.kind = kind;
	it.object = xstrdup(object);
	it.name = xstrdup(name);
	it.size = size;
	it.reclaimable = reclaimable;
	it.created = created;
	it.last_used = last_used;
	it.rule = xstrdup(rule);
	it.reason = xstrdup(reason);
	if (kind == RC_KIND_IMAGE) {
		/* An image's name is one of its tags (rc_plan_load checks). */
		strv_set(&it.refs, 2, name, "app:latest-build");
		if (candidate) {
			strv_set(&it.pre.tags, 2, "app:latest-build", name);
			strv_set(&it.pre.users_in_plan, 1, "c0ffee");
		}
	} else if (*name && kind != RC_KIND_VOLUME) {
		/* Volumes have no refs, as the planner writes them. */
		strv_set(&it.refs, 1, name);
	}
	if (candidate)
		assert_int_equal(rc_plan_add_candidate(p, &it, &err), 0);
	else
		assert_int_equal(rc_plan_add_protected(p, &it, &err), 0);
	assert_null(it.object); /* ownership moved */
}

static void build_plan(struct rc_plan *p)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_plan_source src = {0};

	rc_plan_init(p);
	p->tool_version = xstrdup("0.1.0-test");
	p->created_at = T0;
	p->expires_at = T0 + 86400;
	p->policy = cJSON_Parse("{\"engine\":{\"volumes\":false,\"min_age\":\"24h\"},"
				"\"rules\":[{\"name\":\"old\",\"age\":\"30d\"}]}");
	assert_non_null(p->policy);
	src.name = xstrdup("engine");
	src.type = xstrdup("engine");
	src.endpoint = xstrdup("unix:///run/docker.sock");
	src.identity = cJSON_Parse(
	    "{\"id\":\"ABCD:EFGH:IJKL\",\"name\":\"build-host\",\"api_version\":\"1.41\"}");
	assert_non_null(src.identity);
	src.scanned_at = T0 - 2;
	assert_int_equal(rc_plan_add_source(p, &src, &err), 0);

	add(p, 1, RC_KIND_CONTAINER, "c0ffee", "old-job", 1200, 1200, T0 - 90 * 86400,
	    T0 - 45 * 86400, "stopped-containers", "exited 45d > 1d");
	add(p, 1, RC_KIND_IMAGE, "sha256:aaaa", "app:1.0", BIG, BIG, T0 - 40 * 86400, 0,
	    "old-images", "age 40d > 30d");
	add(p, 1, RC_KIND_VOLUME, "scratch", "scratch", -1, 0, 0, 0, "volumes",
	    "unused, \"anonymous\" <&>");
	add(p, 1, RC_KIND_NETWORK, "n3tw0rk", "ci-net", 0, 0, T0 - 86400, 0, "networks", "unused");
	add(p, 1, RC_KIND_BUILD_CACHE, "bc1", "", RC_MAX_EXACT_INT, 4096, T0 - 7 * 86400,
	    T0 - 3 * 86400, "build-cache", "last used 3d ago \xe2\x9c\x93");
	add(p, 0, RC_KIND_IMAGE, "sha256:bbbb", "base:stable", 777, 0, T0 - 400 * 86400, T0 - 86400,
	    "protect-tags", "tag matches ^stable$");
	add(p, 0, RC_KIND_CONTAINER, "runn1ng", "web", 10, 0, T0 - 86400, T0, "in-use", "running");
	rc_plan_summarise(p);
}

static char *render(struct rc_plan *p)
{
	struct rc_err err = RC_ERR_INIT;
	char *s;

	if (rc_plan_seal(p, &err) < 0)
		fail_msg("seal: %s", err.msg);
	s = rc_plan_render(p, &err);
	if (!s)
		fail_msg("render: %s", err.msg);
	return s;
}

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* Gives every item of a build_plan() plan the exact identity of its kind, as
 * an engine reports them. */
static void exact_objects(struct rc_plan *p)
{
	static const char *const obj[RC_KIND_COUNT] = {HEX64, "sha256:" HEX64, "scratch", HEX64,
						       "k7lq6ex3n0x9yjfz8b2l0c5ip"};
	struct rc_plan_item *lists[2] = {p->candidates, p->protected_items};
	size_t ns[2] = {p->n_candidates, p->n_protected};

	for (int l = 0; l < 2; l++)
		for (size_t i = 0; i < ns[l]; i++) {
			struct rc_plan_item *it = &lists[l][i];
			const char *o = obj[it->kind];

			/* Two items of one kind differ in their last digit. */
			free(it->object);
			it->object = xstrdup(o);
			if (l == 1)
				it->object[strlen(it->object) - 1] =
				    it->kind == RC_KIND_VOLUME ? '2' : '0';
			free(it->id);
			it->id = NULL;
			for (size_t k = 0; k < it->pre.users_in_plan.n; k++) {
				free(it->pre.users_in_plan.v[k]);
				it->pre.users_in_plan.v[k] = xstrdup(HEX64);
			}
		}
}

/* Writes p (sealed) to a temporary file and loads it: returns rc_plan_load's
 * result, err filled. */
static int write_then_load(struct rc_plan *p, struct rc_err *err)
{
	char dir[] = "/tmp/test_plan_id.XXXXXX", path[128];
	struct rc_plan b;
	int rc;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/plan.json", dir);
	if (rc_plan_write(p, path, err) < 0)
		fail_msg("write: %s", err->msg);
	rc = rc_plan_load(path, &b, err);
	rc_plan_release(&b);
	unlink(path);
	rmdir(dir);
	return rc;
}

static void assert_strv_equal(const struct rc_strv *a, const struct rc_strv *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++)
		assert_string_equal(a->v[i], b->v[i]);
}

static void assert_item_equal(const struct rc_plan_item *a, const struct rc_plan_item *b,
			      int candidate)
{
	char id[512];

	snprintf(id, sizeof(id), "%s/%s/%s", a->source, rc_kind_name(a->kind), a->object);
	assert_string_equal(b->id, id);
	assert_string_equal(a->source, b->source);
	assert_int_equal(a->kind, b->kind);
	assert_string_equal(a->object, b->object);
	assert_string_equal(a->name, b->name);
	assert_strv_equal(&a->refs, &b->refs);
	assert_int_equal(a->size, b->size);
	assert_int_equal(a->reclaimable, b->reclaimable);
	assert_int_equal(a->created, b->created);
	assert_int_equal(a->last_used, b->last_used);
	assert_string_equal(a->rule, b->rule);
	assert_string_equal(a->reason, b->reason);
	if (candidate) {
		assert_strv_equal(&a->pre.tags, &b->pre.tags);
		assert_strv_equal(&a->pre.users_in_plan, &b->pre.users_in_plan);
	}
}

static void test_kind_names(void **state)
{
	(void)state;
	for (int k = 0; k < RC_KIND_COUNT; k++)
		assert_int_equal(rc_kind_parse(rc_kind_name((enum rc_kind)k)), k);
	assert_string_equal(rc_kind_name(RC_KIND_BUILD_CACHE), "build-cache");
	assert_int_equal(rc_kind_parse("Image"), -1);
	assert_int_equal(rc_kind_parse(NULL), -1);
	assert_string_equal(rc_kind_name(RC_KIND_COUNT), "unknown");
}

static void test_roundtrip(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_plan a, b;
	char *text, *again;

	(void)state;
	build_plan(&a);
	text = render(&a);
	assert_int_equal(rc_plan_parse(text, strlen(text), &b, &err), 0);
	assert_int_equal(b.version, 2);
	assert_string_equal(b.tool_version, "0.1.0-test");
	assert_int_equal(b.created_at, T0);
	assert_int_equal(b.expires_at, T0 + 86400);
	assert_true(cJSON_Compare(a.policy, b.policy, 1));
	assert_string_equal(a.policy_digest, b.policy_digest);
	assert_true(rc_digest_valid(b.policy_digest));
	assert_string_equal(a.digest, b.digest);
	assert_int_equal(b.n_sources, 1);
	assert_string_equal(b.sources[0].name, "engine");
	assert_string_equal(b.sources[0].type, "engine");
	assert_string_equal(b.sources[0].endpoint, "unix:///run/docker.sock");
	assert_string_equal(rc_plan_source_str(&b.sources[0], "id"), "ABCD:EFGH:IJKL");
	assert_string_equal(rc_plan_source_str(&b.sources[0], "name"), "build-host");
	assert_string_equal(rc_plan_source_str(&b.sources[0], "api_version"), "1.41");
	assert_int_equal(b.sources[0].scanned_at, T0 - 2);
	assert_int_equal(b.n_candidates, 5);
	assert_int_equal(b.n_protected, 2);
	for (size_t i = 0; i < 5; i++)
		assert_item_equal(&a.candidates[i], &b.candidates[i], 1);
	for (size_t i = 0; i < 2; i++)
		assert_item_equal(&a.protected_items[i], &b.protected_items[i], 0);
	assert_int_equal(b.protected_items[0].pre.tags.n, 0);
	/* Summary: counts per kind and exact byte sums beyond 2^32. */
	assert_int_equal(b.summary.candidates, 5);
	assert_int_equal(b.summary.protected_count, 2);
	assert_int_equal(b.summary.bytes_freed_now, 1200 + BIG + 4096);
	for (int k = 0; k < RC_KIND_COUNT; k++)
		assert_int_equal(b.summary.count_by_kind[k], k <= RC_KIND_BUILD_CACHE);
	assert_int_equal(b.summary.bytes_by_kind[RC_KIND_IMAGE], BIG);
	/* by_kind lists exactly the engine's kinds */
	assert_non_null(strstr(text, "\"build-cache\":"));
	assert_null(strstr(text, "\"tag\":"));
	assert_null(strstr(text, "\"manifest\":"));
	assert_int_equal(b.summary.bytes_by_kind[RC_KIND_BUILD_CACHE], 4096);
	assert_int_equal(b.candidates[4].size, RC_MAX_EXACT_INT);
	assert_int_equal(b.summary.bytes_freed_after_gc, 0);
	/* The parsed struct seals and renders to the very same bytes. */
	again = render(&b);
	assert_string_equal(text, again);
	free(again);
	free(text);
	rc_plan_release(&a);
	rc_plan_release(&b);
}

static void test_render_is_deterministic_and_ordered(void **state)
{
	static const char *const keys[] = {"\"format\"",	"\"version\"",	  "\"tool\"",
					   "\"created_at\"",	"\"expires_at\"", "\"policy\"",
					   "\"policy_digest\"", "\"sources\"",	  "\"summary\"",
					   "\"candidates\"",	"\"protected\"",  "\"digest\""};
	struct rc_plan a, b;
	char *t1, *t2, *t3;
	const char *prev;

	(void)state;
	build_plan(&a);
	build_plan(&b);
	t1 = render(&a);
	t2 = render(&a);
	t3 = render(&b);
	assert_string_equal(t1, t2);
	assert_string_equal(t1, t3);
	assert_int_equal(t1[strlen(t1) - 1], '\n');
	assert_int_not_equal(t1[strlen(t1) - 2], '\n');
	prev = t1;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *at = strstr(t1, keys[i]);
		assert_non_null(at);
		assert_true(at >= prev);
		prev = at;
	}
	/* Exact integers, not 5e+09 or 9.007e+15. */
	assert_non_null(strstr(t1, "5000000000"));
	assert_non_null(strstr(t1, "9007199254740991"));
	assert_null(strstr(t1, "e+"));
	assert_non_null(strstr(t1, "\"last_used_at\":\tnull"));
	free(t1);
	free(t2);
	free(t3);
	rc_plan_release(&a);
	rc_plan_release(&b);
}

/* The planner's digest equals one computed by another implementation. */
/* The streamed writer (item by item) against the whole document as one
 * cJSON tree: the same text as cJSON_Print of it, the same digest as its
 * canonical form, for version 2, version 1, and plans with no items or
 * only protected ones. */
static void assert_stream_matches_tree(struct rc_plan *p)
{
	struct rc_err err = RC_ERR_INIT;
	cJSON *doc;
	char *streamed, *whole, *d;
	size_t n;

	streamed = render(p);
	doc = rc_plan_to_json(p, 0, &err);
	assert_non_null(doc);
	d = rc_json_digest(doc, &err);
	assert_non_null(d);
	assert_string_equal(d, p->digest);
	free(d);
	cJSON_Delete(doc);
	doc = rc_plan_to_json(p, 1, &err);
	assert_non_null(doc);
	whole = cJSON_Print(doc);
	assert_non_null(whole);
	n = strlen(whole);
	assert_int_equal(strlen(streamed), n + 1);
	assert_memory_equal(streamed, whole, n);
	assert_int_equal(streamed[n], '\n');
	free(whole);
	free(streamed);
	cJSON_Delete(doc);
}

static void test_streamed_render_equals_whole_tree(void **state)
{
	struct rc_plan p;
	struct rc_err err = RC_ERR_INIT;

	(void)state;
	build_plan(&p);
	assert_true(p.n_candidates >= 5 && p.n_protected >= 2);
	assert_stream_matches_tree(&p);
	p.version = 1;
	assert_stream_matches_tree(&p);
	rc_plan_release(&p);

	/* only protected items; then none at all */
	build_plan(&p);
	for (size_t i = 0; i < p.n_candidates; i++)
		rc_plan_item_release(&p.candidates[i]);
	p.n_candidates = 0;
	rc_plan_summarise(&p);
	assert_stream_matches_tree(&p);
	for (size_t i = 0; i < p.n_protected; i++)
		rc_plan_item_release(&p.protected_items[i]);
	p.n_protected = 0;
	rc_plan_summarise(&p);
	assert_stream_matches_tree(&p);
	rc_plan_release(&p);

	/* the Python-computed fixture re-renders to text that parses to it */
	assert_int_equal(rc_plan_parse(fixture, strlen(fixture), &p, &err), 0);
	assert_stream_matches_tree(&p);
	rc_plan_release(&p);
}

/* A sink that fails after `left` calls, as a full disk does. */
static int failing_put(void *ctx, const char *data, size_t len, struct rc_err *err)
{
	int *left = ctx;

	(void)data;
	(void)len;
	if ((*left)-- <= 0)
		return rc_err_set(err, RC_ERR_IO, "sink full");
	return 0;
}

static void test_streamed_render_stops_at_a_failing_sink(void **state)
{
	struct rc_plan p;
	struct rc_err err = RC_ERR_INIT;
	int calls = 0, left;

	(void)state;
	build_plan(&p);
	free(render(&p));
	left = 1 << 30;
	assert_int_equal(rc_plan_render_to(&p, failing_put, &left, &err), 0);
	calls = (1 << 30) - left;
	assert_true(calls > 10);
	/* failing at every point in turn: always -1 with the sink's error */
	for (int k = 0; k < calls; k += calls / 10) {
		struct rc_err e = RC_ERR_INIT;

		left = k;
		assert_int_equal(rc_plan_render_to(&p, failing_put, &left, &e), -1);
		assert_int_equal(e.kind, RC_ERR_IO);
		assert_string_equal(e.msg, "sink full");
	}
	rc_plan_release(&p);
}

/* seal runs the reader's item rules on each item: an item whose source is
 * not among the plan's sources, or two items with one id, or a kind its
 * source cannot hold, are all refused with the reader's message. */
static void test_seal_checks_each_item(void **state)
{
	struct rc_plan p;
	struct rc_err err = RC_ERR_INIT;

	(void)state;
	build_plan(&p);
	free(p.protected_items[1].source);
	p.protected_items[1].source = xstrdup("elsewhere");
	free(p.protected_items[1].id);
	p.protected_items[1].id = NULL;
	assert_int_equal(rc_plan_seal(&p, &err), -1);
	assert_null(p.digest);
	assert_non_null(strstr(err.msg, "the plan would not load"));
	assert_non_null(strstr(err.msg, "plan.protected[1].source: 'elsewhere' is not one of"));
	rc_plan_release(&p);

	build_plan(&p);
	free(p.protected_items[0].object);
	p.protected_items[0].object = xstrdup(p.candidates[1].object);
	p.protected_items[0].kind = p.candidates[1].kind;
	free(p.protected_items[0].id);
	p.protected_items[0].id = NULL;
	err = (struct rc_err)RC_ERR_INIT;
	assert_int_equal(rc_plan_seal(&p, &err), -1);
	assert_non_null(strstr(err.msg, "more than once"));
	rc_plan_release(&p);

	build_plan(&p);
	p.candidates[0].kind = RC_KIND_TAG;
	free(p.candidates[0].id);
	p.candidates[0].id = NULL;
	err = (struct rc_err)RC_ERR_INIT;
	assert_int_equal(rc_plan_seal(&p, &err), -1);
	assert_non_null(strstr(err.msg, "plan.candidates[0]"));
	rc_plan_release(&p);
}

static void test_python_computed_digest(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_plan p;
	char *d;

	(void)state;
	if (rc_plan_parse(fixture, strlen(fixture), &p, &err) < 0)
		fail_msg("fixture: %s", err.msg);
	assert_string_equal(p.digest, FIXTURE_DIGEST);
	assert_string_equal(p.candidates[0].name, "caf\xc3\xa9:1.0");
	assert_string_equal(p.candidates[0].reason, "age 57d > 30d \"quoted\"\ttab");
	assert_int_equal(p.candidates[0].size, INT64_C(6000000000));
	assert_int_equal(p.candidates[0].last_used, 0);
	assert_int_equal(p.protected_items[0].size, -1);
	/* Re-sealing our struct reproduces Python's digest. */
	free(p.digest);
	p.digest = NULL;
	assert_int_equal(rc_plan_seal(&p, &err), 0);
	assert_string_equal(p.digest, FIXTURE_DIGEST);
	d = rc_json_digest(p.policy, &err);
	assert_string_equal(
	    d, "sha256:f2d3cbb216c63dad302830a5d136d54e224e840b5349ac27580ecd2759206452");
	free(d);
	rc_plan_release(&p);
}

static void expect_fail(const char *text, size_t len, enum rc_err_kind kind, const char *part)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_plan p;

	if (rc_plan_parse(text, len, &p, &err) == 0)
		fail_msg("plan parsed, expected failure '%s'", part ? part : "");
	if (err.kind != kind)
		fail_msg("expected kind %s, got %s: %s", rc_err_kind_name(kind),
			 rc_err_kind_name(err.kind), err.msg);
	if (part && !strstr(err.msg, part))
		fail_msg("message '%s' lacks '%s'", err.msg, part);
	/* A failed parse leaves an empty plan. */
	assert_int_equal(p.n_candidates, 0);
	assert_null(p.candidates);
	assert_null(p.digest);
	rc_plan_release(&p);
}

static void test_tampering_is_detected(void **state)
{
	struct rc_plan a;
	char *text, *at;

	(void)state;
	build_plan(&a);
	text = render(&a);
	/* One byte in a reason. */
	at = strstr(text, "age 40d");
	assert_non_null(at);
	at[4] = '9';
	expect_fail(text, strlen(text), RC_ERR_TAMPERED, "plan digest mismatch: file says sha256:");
	at[4] = '4';
	/* One byte in a size: 5000000000 -> 5000000001. */
	at = strstr(text, "5000000000");
	at[9] = '1';
	expect_fail(text, strlen(text), RC_ERR_TAMPERED, "content hashes to sha256:");
	at[9] = '0';
	/* One hex digit of the digest itself. */
	at = strstr(text, "\"digest\":\t\"sha256:");
	assert_non_null(at);
	at += strlen("\"digest\":\t\"sha256:");
	*at = *at == 'a' ? 'b' : 'a';
	expect_fail(text, strlen(text), RC_ERR_TAMPERED, "plan digest mismatch");
	free(text);
	rc_plan_release(&a);
}

/* ---- mutations of a valid document ----------------------------------------- */

/* Finds the parent of a '/'-separated path ("candidates/3/size") and the last
 * step's name. Array steps are decimal indices. */
static cJSON *walk(cJSON *root, const char *path, char *last, size_t lastsz)
{
	char buf[256], *save = NULL, *step, *next;
	cJSON *cur = root;

	snprintf(buf, sizeof(buf), "%s", path);
	step = strtok_r(buf, "/", &save);
	while (step) {
		next = strtok_r(NULL, "/", &save);
		if (!next) {
			snprintf(last, lastsz, "%s", step);
			return cur;
		}
		cur = cJSON_IsArray(cur) ? cJSON_GetArrayItem(cur, atoi(step))
					 : cJSON_GetObjectItemCaseSensitive(cur, step);
		assert_non_null(cur);
		step = next;
	}
	return NULL;
}

/* Re-computes the digest so a mutation reaches the checks behind it. */
static void redigest(cJSON *doc)
{
	struct rc_err err = RC_ERR_INIT;
	cJSON *old = cJSON_DetachItemFromObjectCaseSensitive(doc, "digest");
	char *d = rc_json_digest(doc, &err);

	if (d) {
		cJSON_AddStringToObject(doc, "digest", d);
		cJSON_Delete(old);
	} else if (old) {
		cJSON_AddItemToObject(doc, "digest", old);
	}
	free(d);
}

/* cJSON prints 9007199254740991 as 9.00719925474099e+15 (its round-trip
 * check has a tolerance); reclaim's writer uses Raw nodes for that reason,
 * and so must this harness when it re-prints a document. */
static void rawify(cJSON *j)
{
	for (cJSON *c = j->child; c; c = c->next) {
		if (cJSON_IsNumber(c) && c->valuedouble == (double)(int64_t)c->valuedouble &&
		    (c->valuedouble > 2147483647.0 || c->valuedouble < -2147483647.0)) {
			char lit[32];
			snprintf(lit, sizeof(lit), "%" PRId64, (int64_t)c->valuedouble);
			c->type = cJSON_Raw;
			c->valuestring = strdup(lit);
			assert_non_null(c->valuestring);
		}
		rawify(c);
	}
}

/* Sets (or with json NULL deletes) the value at path in the rendered plan,
 * re-digests, and expects parsing to fail with kind and a message part. */
static void mutate_expect(const char *path, const char *json, enum rc_err_kind kind,
			  const char *part)
{
	struct rc_plan a;
	char *text, *out, last[64];
	cJSON *doc, *parent;

	build_plan(&a);
	text = render(&a);
	doc = cJSON_Parse(text);
	assert_non_null(doc);
	parent = walk(doc, path, last, sizeof(last));
	assert_non_null(parent);
	if (cJSON_IsArray(parent)) {
		if (json && atoi(last) >= cJSON_GetArraySize(parent))
			cJSON_AddItemToArray(parent, cJSON_Parse(json));
		else if (json)
			cJSON_ReplaceItemInArray(parent, atoi(last), cJSON_Parse(json));
		else
			cJSON_DeleteItemFromArray(parent, atoi(last));
	} else if (!json) {
		assert_non_null(cJSON_GetObjectItemCaseSensitive(parent, last));
		cJSON_DeleteItemFromObjectCaseSensitive(parent, last);
	} else if (cJSON_GetObjectItemCaseSensitive(parent, last)) {
		cJSON *v = cJSON_Parse(json);
		assert_non_null(v);
		cJSON_ReplaceItemInObjectCaseSensitive(parent, last, v);
	} else {
		cJSON *v = cJSON_Parse(json);
		assert_non_null(v);
		cJSON_AddItemToObject(parent, last, v);
	}
	rawify(doc);
	if (strcmp(path, "digest") != 0)
		redigest(doc);
	out = cJSON_Print(doc);
	expect_fail(out, strlen(out), kind, part);
	free(out);
	cJSON_Delete(doc);
	free(text);
	rc_plan_release(&a);
}

static void test_wrong_types_name_the_path(void **state)
{
	static const struct {
		const char *path, *json, *msg;
	} cases[] = {
	    {"version", "\"1\"", "plan.version: must be 2"},
	    {"tool/version", "5", "plan.tool.version: expected string"},
	    {"tool/name", "\"other\"", "plan.tool.name: must be \"reclaim\""},
	    {"tool", "[]", "plan.tool: expected object"},
	    {"created_at", "123", "plan.created_at: expected string"},
	    {"expires_at", "\"2026-11-27 04:00:00\"", "plan.expires_at: does not match"},
	    {"expires_at", "\"2026-11-27T04:00:00+02:00\"", "plan.expires_at: does not match"},
	    {"policy", "[]", "plan.policy: expected object"},
	    {"policy_digest", "\"sha256:abc\"", "plan.policy_digest: does not match"},
	    {"policy_digest", "null", "plan.policy_digest: expected string"},
	    {"sources", "{}", "plan.sources: expected array"},
	    {"sources", "[]", "plan.sources: must have at least 1 items"},
	    {"sources/0/identity/id", "null", "plan.sources[0].identity.id: expected string"},
	    {"sources/0/identity", "[]", "plan.sources[0].identity: expected object"},
	    {"sources/0/identity/clock", "\"2026-11-27T04:00:00Z\"",
	     "plan.sources[0].identity.clock: does not match"},
	    {"sources/0/type", "\"quay\"", "plan.sources[0].type: must be one of"},
	    {"sources/0/name", "\"a/b\"", "plan.sources[0].name: does not match"},
	    {"sources/0/identity/api_version", "1",
	     "plan.sources[0].identity.api_version: expected string"},
	    {"summary", "0", "plan.summary: expected object"},
	    {"summary/candidates", "\"5\"", "plan.summary.candidates: expected integer"},
	    {"summary/candidates", "-1", "plan.summary.candidates: must be at least 0"},
	    {"summary/bytes_freed_now", "true", "plan.summary.bytes_freed_now: expected integer"},
	    {"summary/by_kind/image/bytes", "-5",
	     "plan.summary.by_kind.image.bytes: must be at least 0"},
	    {"summary/by_kind/image", "{\"count\":1}",
	     "plan.summary.by_kind.image: missing required member 'bytes'"},
	    {"candidates", "\"x\"", "plan.candidates: expected array"},
	    {"candidates/3/size", "\"12\"", "plan.candidates[3].size: expected integer"},
	    {"candidates/0/size", "-2", "plan.candidates[0].size: must be at least -1"},
	    {"candidates/1/kind", "\"blob\"", "plan.candidates[1].kind: must be one of"},
	    {"candidates/1/kind", "\"Image\"", "plan.candidates[1].kind: must be one of"},
	    {"candidates/1/refs", "\"a\"", "plan.candidates[1].refs: expected array"},
	    {"candidates/1/refs/0", "7", "plan.candidates[1].refs[0]: expected string"},
	    {"candidates/1/refs/0", "\"\"", "plan.candidates[1].refs[0]: must have at least 1"},
	    {"candidates/0/created_at", "false",
	     "plan.candidates[0].created_at: expected string or null"},
	    {"candidates/0/last_used_at", "\"yesterday\"",
	     "plan.candidates[0].last_used_at: does not match"},
	    {"candidates/1/preconditions/tags", "{}",
	     "plan.candidates[1].preconditions.tags: expected array"},
	    {"candidates/0/preconditions", "null",
	     "plan.candidates[0].preconditions: expected object"},
	    {"candidates/2/object", "\"\"", "plan.candidates[2].object: must have at least 1"},
	    {"candidates/4", "[]", "plan.candidates[4]: expected object"},
	    {"protected/1/rule", "{}", "plan.protected[1].rule: expected string"},
	    {"digest", "5", "plan.digest: expected string"},
	    {"digest", "\"sha256:ABCDEF\"", "plan.digest: does not match"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		mutate_expect(cases[i].path, cases[i].json, RC_ERR_PLAN, cases[i].msg);
}

static void test_missing_and_extra_members(void **state)
{
	static const struct {
		const char *path, *json, *msg;
	} cases[] = {
	    {"summary", NULL, "plan: missing required member 'summary'"},
	    {"digest", NULL, "plan: missing required member 'digest'"},
	    {"policy", NULL, "plan: missing required member 'policy'"},
	    {"candidates/0/rule", NULL, "plan.candidates[0]: missing required member 'rule'"},
	    {"candidates/1/preconditions", NULL,
	     "plan.candidates[1]: missing required member 'preconditions'"},
	    {"sources/0/scanned_at", NULL, "plan.sources[0]: missing required member 'scanned_at'"},
	    {"sources/0/identity", NULL, "plan.sources[0]: missing required member 'identity'"},
	    {"sources/0/identity/name", NULL,
	     "plan.sources[0].identity: missing required member 'name'"},
	    {"sources/0/identity/engine_id", "\"x\"",
	     "plan.sources[0].identity: unknown member 'engine_id'"},
	    {"sources/0/engine_id", "\"x\"", "plan.sources[0]: unknown member 'engine_id'"},
	    {"candidates/1/preconditions/tags", NULL,
	     "plan.candidates[1].preconditions: missing required member 'tags'"},
	    /* each kind's preconditions are its own */
	    {"candidates/0/preconditions/tags", "[]",
	     "plan.candidates[0].preconditions: unknown member 'tags'"},
	    {"candidates/1/preconditions/started_at", "\"2026-11-27T04:00:00Z\"",
	     "plan.candidates[1].preconditions: unknown member 'started_at'"},
	    {"candidates/2/preconditions/usage_count", "1",
	     "plan.candidates[2].preconditions: unknown member 'usage_count'"},
	    {"extra", "1", "plan: unknown member 'extra'"},
	    {"Digest", "\"x\"", "plan: unknown member 'Digest'"},
	    {"candidates/0/extra", "null", "plan.candidates[0]: unknown member 'extra'"},
	    {"protected/0/preconditions", "{\"tags\":[],\"users_in_plan\":[]}",
	     "plan.protected[0]: unknown member 'preconditions'"},
	    {"tool/build", "\"x\"", "plan.tool: unknown member 'build'"},
	    {"summary/by_kind/blob", "{\"count\":0,\"bytes\":0}",
	     "plan.summary.by_kind: unknown member 'blob'"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		mutate_expect(cases[i].path, cases[i].json, RC_ERR_PLAN, cases[i].msg);
}

/* Mistakes the schema cannot see, behind a valid digest. */
static void test_semantic_checks(void **state)
{
	(void)state;
	mutate_expect("candidates/0/id", "\"engine/container/other\"", RC_ERR_PLAN,
		      "plan.candidates[0].id: 'engine/container/other' is not");
	mutate_expect("candidates/0/kind", "\"network\"", RC_ERR_PLAN, "plan.candidates[0].id:");
	/* a kind the plan's sources cannot hold */
	mutate_expect("candidates/0/kind", "\"manifest\"", RC_ERR_PLAN,
		      "plan.candidates[0].preconditions: missing required member 'tags'");
	mutate_expect("protected/0/kind", "\"tag\"", RC_ERR_PLAN,
		      "plan.protected[0].kind: a source of type 'engine' holds no tag");
	mutate_expect("summary/by_kind/build-cache", NULL, RC_ERR_PLAN,
		      "plan.summary.by_kind: lacks 'build-cache', which the plan's sources can "
		      "hold");
	mutate_expect("summary/by_kind/tag", "{\"count\":0,\"bytes\":0}", RC_ERR_PLAN,
		      "plan.summary.by_kind: lists 'tag', which the plan's sources cannot hold");
	mutate_expect("candidates/0/source", "\"registry\"", RC_ERR_PLAN,
		      "plan.candidates[0].source: 'registry' is not one of the plan's sources");
	mutate_expect("protected/1",
		      "{\"id\":\"engine/container/c0ffee\",\"source\":\"engine\","
		      "\"kind\":\"container\",\"object\":\"c0ffee\",\"name\":\"\",\"refs\":[],"
		      "\"size\":1,\"reclaimable\":1,\"created_at\":null,\"last_used_at\":null,"
		      "\"rule\":\"r\",\"reason\":\"\"}",
		      RC_ERR_PLAN, "plan lists item 'engine/container/c0ffee' more than once");
	mutate_expect("summary/candidates", "4", RC_ERR_PLAN,
		      "plan.summary: counts 4 candidates and 2 protected, the lists hold 5 and 2");
	mutate_expect("summary/by_kind/network/count", "2", RC_ERR_PLAN,
		      "plan.summary.by_kind.network.count: says 2, the candidates hold 1");
	mutate_expect("policy_digest",
		      "\"sha256:0000000000000000000000000000000000000000000000000000000000000000\"",
		      RC_ERR_PLAN, "plan.policy_digest: says sha256:0000");
	mutate_expect("created_at", "\"2026-13-45T99:00:00Z\"", RC_ERR_PLAN,
		      "plan.created_at: not a valid time");
	mutate_expect("sources/1",
		      "{\"name\":\"engine\",\"type\":\"engine\",\"endpoint\":\"\","
		      "\"scanned_at\":\"2026-11-27T00:00:00Z\",\"identity\":{\"id\":\"x\","
		      "\"name\":\"\",\"api_version\":\"1.41\"}}",
		      RC_ERR_PLAN, "plan.sources[1].name: source 'engine' is listed twice");
}

static void test_version_and_format(void **state)
{
	(void)state;
	mutate_expect("version", "3", RC_ERR_PLAN,
		      "unsupported plan version 3 (this reclaim reads versions 1 to 2)");
	mutate_expect("version", "1.5", RC_ERR_PLAN, "number '1.5' at byte");
	/* a version 2 document relabelled 1 meets the version 1 schema */
	mutate_expect("version", "1", RC_ERR_PLAN, "plan.sources[0]: missing required member");
	mutate_expect("version", "0", RC_ERR_PLAN, "unsupported plan version 0");
	mutate_expect("format", "\"reclaim-plan-v2\"", RC_ERR_PLAN, "not a reclaim plan");
	mutate_expect("format", NULL, RC_ERR_PLAN, "not a reclaim plan");
	expect_fail("[1,2]", 5, RC_ERR_PLAN, "expected a JSON object");
	expect_fail("\"reclaim-plan\"", 14, RC_ERR_PLAN, "expected a JSON object");
	expect_fail("", 0, RC_ERR_PLAN, "plan is empty");
	expect_fail("{\"format\":\"docker-compose\"}", 27, RC_ERR_PLAN, "not a reclaim plan");
}

static void test_large_integers(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_plan a;

	(void)state;
	/* 2^53+1 in the file: a double would silently round it to 2^53. */
	mutate_expect("candidates/0/size", "9007199254740993", RC_ERR_PLAN,
		      "plan.candidates[0].size: integer beyond 2^53-1");
	mutate_expect("summary/bytes_freed_now", "9007199254740992", RC_ERR_PLAN,
		      "plan.summary.bytes_freed_now: integer beyond 2^53-1");
	mutate_expect("candidates/0/reclaimable", "-9007199254740993", RC_ERR_PLAN,
		      "integer beyond 2^53-1");
	mutate_expect("candidates/0/size", "12.5", RC_ERR_PLAN, "number '12.5'");
	/* The writer refuses what it cannot write exactly. */
	build_plan(&a);
	a.candidates[1].size = RC_MAX_EXACT_INT + 1;
	assert_int_equal(rc_plan_seal(&a, &err), -1);
	assert_int_equal(err.kind, RC_ERR_PLAN);
	assert_non_null(strstr(err.msg, "'size' value 9007199254740992 is beyond 2^53-1"));
	rc_plan_release(&a);
}

static void test_literal_number_forms(void **state)
{
	char buf[sizeof(fixture) + 16], *at;

	(void)state;
	/* Not integer literals, though a double would hold them as integers. */
	static const char *const forms[] = {"6000000000.0", "6e9", "6E+9"};
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		snprintf(buf, sizeof(buf), "%s", fixture);
		at = strstr(buf, "\"size\": 6000000000");
		assert_non_null(at);
		at += strlen("\"size\": ");
		memmove(at + strlen(forms[i]), at + 10, strlen(at + 10) + 1);
		memcpy(at, forms[i], strlen(forms[i]));
		expect_fail(buf, strlen(buf), RC_ERR_PLAN, "is not an integer");
	}
}

static void test_truncated_plans(void **state)
{
	struct rc_plan a;
	char *text;
	size_t len, cut;

	(void)state;
	build_plan(&a);
	text = render(&a);
	len = strlen(text);
	/* Every proper prefix fails (the last byte is a newline, so stop before
	 * the closing brace). */
	for (cut = 0; cut < len - 1; cut++) {
		struct rc_err err = RC_ERR_INIT;
		struct rc_plan p;
		assert_int_equal(rc_plan_parse(text, cut, &p, &err), -1);
		assert_int_equal(err.kind, RC_ERR_PLAN);
		rc_plan_release(&p);
	}
	expect_fail(text, len - 2, RC_ERR_PLAN, "not valid JSON (error near byte");
	free(text);
	rc_plan_release(&a);
}

/* 1 when the text gets past the lexical check (it may fail later). */
static int lexical_ok(const char *text)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_plan p;
	int ok;

	assert_int_equal(rc_plan_parse(text, strlen(text), &p, &err), -1);
	ok = strstr(err.msg, "\\u0000") == NULL && strstr(err.msg, "not an integer") == NULL;
	rc_plan_release(&p);
	return ok;
}

static void test_hostile_json(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_plan a, p;
	struct rc_buf b = RC_BUF_INIT;
	char *text, *at;
	size_t depth = 5000;

	(void)state;
	build_plan(&a);
	text = render(&a);

	/* Nesting deeper than cJSON's limit, inside the free-form policy. */
	rc_buf_init(&b, 0);
	at = strstr(text, "\"policy\":");
	assert_non_null(at);
	assert_int_equal(rc_buf_append(&b, text, (size_t)(at - text), &err), 0);
	assert_int_equal(rc_buf_puts(&b, "\"policy\": ", &err), 0);
	for (size_t i = 0; i < depth; i++)
		assert_int_equal(rc_buf_puts(&b, "[", &err), 0);
	for (size_t i = 0; i < depth; i++)
		assert_int_equal(rc_buf_puts(&b, "]", &err), 0);
	assert_int_equal(rc_buf_puts(&b, ", \"x\": 1}", &err), 0);
	expect_fail(b.data, b.len, RC_ERR_PLAN, "not valid JSON");
	rc_buf_reset(&b);

	/* A huge string where a short one belongs: refused, no crash. */
	assert_int_equal(
	    rc_buf_puts(&b, "{\"format\":\"reclaim-plan\",\"version\":1,\"tool\":\"", &err), 0);
	for (int i = 0; i < (4 << 20) / 64; i++)
		assert_int_equal(
		    rc_buf_puts(&b,
				"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
				&err),
		    0);
	assert_int_equal(rc_buf_puts(&b, "\"}", &err), 0);
	expect_fail(b.data, b.len, RC_ERR_PLAN, "plan: missing required member 'created_at'");
	rc_buf_reset(&b);

	/* U+0000 would end the C string early; duplicate names hide values. */
	at = strstr(text, "\"object\":\t\"c0ffee\"");
	assert_non_null(at);
	at += strlen("\"object\":\t\"c0ffee");
	assert_int_equal(rc_buf_append(&b, text, (size_t)(at - text), &err), 0);
	assert_int_equal(rc_buf_puts(&b, "\\u0000evil", &err), 0);
	assert_int_equal(rc_buf_puts(&b, at, &err), 0);
	expect_fail(b.data, b.len, RC_ERR_PLAN, "plan holds \\u0000 in a string");
	rc_buf_reset(&b);
	/* An escaped backslash before "u0000" is not U+0000. */
	assert_int_equal(lexical_ok("{\"a\":\"\\\\u0000\"}"), 1);
	assert_int_equal(lexical_ok("{\"a\":\"\\u0000\"}"), 0);
	assert_int_equal(lexical_ok("{\"a\":[1,-0.0]}"), 0);
	assert_int_equal(lexical_ok("{\"a\":[1,\"-0.0\"]}"), 1);
	at = strstr(text, "\"reason\":");
	assert_int_equal(rc_buf_append(&b, text, (size_t)(at - text), &err), 0);
	assert_int_equal(rc_buf_puts(&b, "\"reason\": \"a\", ", &err), 0);
	assert_int_equal(rc_buf_puts(&b, at, &err), 0);
	expect_fail(b.data, b.len, RC_ERR_PLAN, "names member 'reason' twice");
	rc_buf_reset(&b);

	/* Invalid UTF-8 in a string cannot be canonicalised. */
	at = strstr(text, "old-job");
	at[0] = '\xff';
	expect_fail(text, strlen(text), RC_ERR_PLAN, "UTF-8");
	at[0] = 'o';

	/* Data after the document, and a NUL byte inside the length. */
	assert_int_equal(rc_buf_puts(&b, text, &err), 0);
	assert_int_equal(rc_buf_puts(&b, "{}", &err), 0);
	expect_fail(b.data, b.len, RC_ERR_PLAN, "data after the JSON document");
	b.data[strlen(text)] = '\0';
	expect_fail(b.data, b.len, RC_ERR_PLAN, "data after the JSON document");

	/* The untouched text still parses: the failures above are real. */
	assert_int_equal(rc_plan_parse(text, strlen(text), &p, &err), 0);
	rc_plan_release(&p);
	rc_buf_release(&b);
	free(text);
	rc_plan_release(&a);
}

static void test_render_requires_seal(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_plan a;
	char *text;

	(void)state;
	build_plan(&a);
	assert_null(rc_plan_render(&a, &err));
	assert_int_equal(err.kind, RC_ERR_INTERNAL);
	text = render(&a);
	free(text);
	/* A change after sealing would produce a plan that fails to verify. */
	a.candidates[0].size = 1;
	assert_null(rc_plan_render(&a, &err));
	assert_non_null(strstr(err.msg, "plan changed after it was sealed"));
	/* Items must be complete and their id consistent. */
	assert_int_equal(rc_plan_seal(&a, &err), 0);
	free(a.candidates[2].id);
	a.candidates[2].id = xstrdup("engine/volume/other");
	assert_int_equal(rc_plan_seal(&a, &err), -1);
	assert_non_null(
	    strstr(err.msg, "item id 'engine/volume/other' is not 'engine/volume/scratch'"));
	free(a.candidates[2].rule);
	a.candidates[2].rule = NULL;
	assert_int_equal(rc_plan_seal(&a, &err), -1);
	assert_non_null(strstr(err.msg, "candidates[2]: item needs"));
	rc_plan_release(&a);
	rc_plan_release(NULL);
	rc_plan_item_release(NULL);
}

/* The writer runs the reader on its output, so a sealed plan always loads. */
static void test_seal_refuses_what_would_not_load(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_plan a;

	(void)state;
	build_plan(&a);
	free(a.candidates[1].refs.v[1]);
	a.candidates[1].refs.v[1] = xstrdup("");
	assert_int_equal(rc_plan_seal(&a, &err), -1);
	assert_int_equal(err.kind, RC_ERR_PLAN);
	assert_string_equal(err.msg, "the plan would not load: plan.candidates[1].refs[1]: must "
				     "have at least 1 characters");
	assert_null(a.digest);
	rc_plan_release(&a);

	build_plan(&a);
	cJSON_ReplaceItemInObjectCaseSensitive(a.sources[0].identity, "id", cJSON_CreateString(""));
	assert_int_equal(rc_plan_seal(&a, &err), -1);
	assert_non_null(strstr(err.msg, "plan.sources[0].identity.id: must have at least 1"));
	rc_plan_release(&a);

	build_plan(&a);
	free(a.candidates[3].source);
	a.candidates[3].source = xstrdup("registry");
	assert_int_equal(rc_plan_seal(&a, &err), -1);
	assert_non_null(strstr(err.msg, "'registry' is not one of the plan's sources"));
	rc_plan_release(&a);

	build_plan(&a);
	free(a.protected_items[1].object);
	a.protected_items[1].object = xstrdup("c0ffee");
	a.protected_items[1].kind = RC_KIND_CONTAINER;
	assert_int_equal(rc_plan_seal(&a, &err), -1);
	assert_non_null(strstr(err.msg, "lists item 'engine/container/c0ffee' more than once"));
	rc_plan_release(&a);
}

/* A plan over RC_PLAN_MAX_BYTES would be written and then refused by
 * reclaim-apply's loader: the writer refuses it, saying why, and leaves no
 * file behind (standard output gets nothing either: it renders first). */
static void test_write_refuses_what_the_loader_would(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_plan a;
	char dir[] = "/tmp/test_plan_big.XXXXXX", path[128], obj[80], limit[32];
	char *big = malloc(4001);
	const size_t per = 1100, n = RC_PLAN_MAX_BYTES / (per * 4000) + 1;

	(void)state;
	assert_non_null(big);
	memset(big, 'r', 4000);
	big[4000] = '\0';
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/plan.json", dir);
	build_plan(&a);
	exact_objects(&a);
	for (size_t k = 0; k < n; k++) {
		struct rc_plan_item it;

		memset(&it, 0, sizeof(it));
		snprintf(obj, sizeof(obj), "sha256:%064zx", k + 7);
		it.source = xstrdup("engine");
		it.kind = RC_KIND_IMAGE;
		it.object = xstrdup(obj);
		it.rule = xstrdup("protect-tags");
		it.reason = xstrdup("tag matches");
		it.refs.v = calloc(per, sizeof(char *));
		assert_non_null(it.refs.v);
		for (size_t j = 0; j < per; j++) {
			it.refs.v[j] = xstrdup(big);
			snprintf(it.refs.v[j], 40, "r%zu-%zu:t", k, j);
			it.refs.v[j][strlen(it.refs.v[j])] = 'x';
		}
		it.refs.n = per;
		it.name = xstrdup(it.refs.v[0]);
		assert_int_equal(rc_plan_add_protected(&a, &it, &err), 0);
	}
	rc_plan_summarise(&a);
	snprintf(limit, sizeof(limit), "%zu MiB", RC_PLAN_MAX_BYTES >> 20);
	assert_int_equal(rc_plan_write(&a, path, &err), -1);
	assert_non_null(strstr(err.msg, limit));
	assert_int_equal(access(path, F_OK), -1);
	assert_null(rc_plan_render(&a, &err));
	assert_non_null(strstr(err.msg, limit));
	assert_int_equal(rmdir(dir), 0); /* nothing left in it */
	rc_plan_release(&a);
	free(big);
}

static void test_write_and_load(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_plan a, b;
	char dir[] = "/tmp/test_plan.XXXXXX", path[128];
	struct rc_buf text = RC_BUF_INIT;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/plan.json", dir);
	build_plan(&a);
	exact_objects(&a);
	assert_int_equal(rc_plan_write(&a, path, &err), 0);
	if (rc_plan_load(path, &b, &err) != 0)
		fail_msg("load: %s", err.msg);
	assert_string_equal(a.digest, b.digest);
	assert_int_equal(b.n_candidates, 5);
	rc_plan_release(&b);
	/* The file is exactly the render. */
	assert_int_equal(rc_read_file(path, 1 << 20, &text, &err), 0);
	{
		char *r = rc_plan_render(&a, &err);
		assert_string_equal(text.data, r);
		free(r);
	}
	rc_buf_release(&text);
	unlink(path);
	assert_int_equal(rc_plan_load(path, &b, &err), -1);
	assert_int_equal(err.kind, RC_ERR_IO);
	assert_int_equal(err.sys_errno, ENOENT);
	assert_non_null(strstr(err.msg, "cannot load plan: cannot open '"));
	rmdir(dir);
	rc_plan_release(&a);
}

/* The loader (what reclaim-apply reads plan files with) insists that every
 * object is the exact identity of its kind, since it goes into API paths and
 * the daemon's filters; rc_plan_parse and rc_plan_seal do not. */
static void test_load_requires_exact_identities(void **state)
{
	static const struct {
		enum rc_kind kind;
		const char *object;
	} bad[] = {
	    {RC_KIND_IMAGE, "sha256:aaaa"}, /* short */
	    {RC_KIND_IMAGE, HEX64}, /* no algorithm */
	    {RC_KIND_IMAGE,
	     "sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"},
	    {RC_KIND_IMAGE, "sha512:" HEX64},
	    {RC_KIND_IMAGE, "app:latest"}, /* a tag is not an identity */
	    {RC_KIND_CONTAINER, "c0ffee"}, /* a short ID is a prefix match */
	    {RC_KIND_CONTAINER, "sha256:" HEX64},
	    {RC_KIND_CONTAINER, HEX64 "0"},
	    {RC_KIND_CONTAINER, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg"},
	    {RC_KIND_NETWORK, "ci-net"}, /* a name is not the ID */
	    {RC_KIND_NETWORK, "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"},
	    {RC_KIND_VOLUME, "-data"},
	    {RC_KIND_VOLUME, ".data"},
	    {RC_KIND_VOLUME, "_data"},
	    {RC_KIND_VOLUME, "da:ta"},
	    {RC_KIND_BUILD_CACHE, "abc.*"}, /* a regular expression to the daemon */
	    {RC_KIND_BUILD_CACHE, "ABC123"},
	    {RC_KIND_BUILD_CACHE, "abc-123"},
	    {RC_KIND_BUILD_CACHE, "sha256:abc"},
	};
	struct rc_err err = RC_ERR_INIT;
	struct rc_plan a;
	char *text;

	(void)state;
	/* The fixture's identities load. */
	build_plan(&a);
	exact_objects(&a);
	if (write_then_load(&a, &err) != 0)
		fail_msg("load: %s", err.msg);
	rc_plan_release(&a);
	/* Volume names as docker allows them. */
	build_plan(&a);
	exact_objects(&a);
	free(a.candidates[2].object);
	a.candidates[2].object = xstrdup("My_vol.2-x");
	free(a.candidates[2].name);
	a.candidates[2].name = xstrdup("My_vol.2-x");
	if (write_then_load(&a, &err) != 0)
		fail_msg("load: %s", err.msg);
	rc_plan_release(&a);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rc_plan_item *it = NULL;
		struct rc_plan q;
		char want[256];

		build_plan(&a);
		exact_objects(&a);
		for (size_t k = 0; k < a.n_candidates; k++)
			if (a.candidates[k].kind == bad[i].kind)
				it = &a.candidates[k];
		assert_non_null(it);
		free(it->object);
		it->object = xstrdup(bad[i].object);
		/* The writer and the in-memory parser accept it... */
		text = render(&a);
		assert_int_equal(rc_plan_parse(text, strlen(text), &q, &err), 0);
		rc_plan_release(&q);
		free(text);
		/* ...the loader refuses it, naming the path and the kind. */
		assert_int_equal(write_then_load(&a, &err), -1);
		assert_int_equal(err.kind, RC_ERR_PLAN);
		snprintf(want, sizeof(want), "plan.candidates[%zu].object: '",
			 (size_t)(it - a.candidates));
		if (!strstr(err.msg, want) || !strstr(err.msg, rc_kind_name(bad[i].kind)) ||
		    !strstr(err.msg, "identity"))
			fail_msg("'%s': message '%s' lacks '%s' or the kind", bad[i].object, err.msg,
				 want);
		rc_plan_release(&a);
	}
	/* Protected items too. */
	build_plan(&a);
	exact_objects(&a);
	free(a.protected_items[1].object);
	a.protected_items[1].object = xstrdup("runn1ng");
	assert_int_equal(write_then_load(&a, &err), -1);
	assert_non_null(strstr(
	    err.msg, "plan.protected[1].object: 'runn1ng' is not an exact container identity"));
	rc_plan_release(&a);
}

/* A volume name as long as the executor accepts loads; one more character is
 * refused when the plan loads (not item by item at apply time). */
static void test_load_limits_volume_names(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_plan a;
	char name[302];

	(void)state;
	for (size_t len = 255; len <= 300; len += 45) {
		memset(name, 'v', len);
		name[len] = '\0';
		build_plan(&a);
		exact_objects(&a);
		free(a.candidates[2].object);
		a.candidates[2].object = xstrdup(name);
		free(a.candidates[2].name);
		a.candidates[2].name = xstrdup(name);
		if (len == 255) {
			if (write_then_load(&a, &err) != 0)
				fail_msg("load: %s", err.msg);
		} else {
			assert_int_equal(write_then_load(&a, &err), -1);
			assert_int_equal(err.kind, RC_ERR_PLAN);
			assert_non_null(strstr(err.msg, "plan.candidates[2].object: '"));
			assert_non_null(strstr(err.msg, "at most 255 characters"));
		}
		rc_plan_release(&a);
	}
}

/* What a reviewer reads (name, refs) must agree with what is deleted
 * (object) wherever the kind makes that checkable; the loader refuses the
 * rest with RC_ERR_PLAN naming the item. rc_plan_parse does not check. */
static void test_load_requires_names_to_match_objects(void **state)
{
	static const struct {
		int candidate; /* 1: candidates[index], 0: protected_items[index] */
		size_t index;
		const char *name; /* NULL: keep */
		int refs; /* -1 keep; else the number of refs to set from ref0, ref1 */
		const char *ref0, *ref1;
		int tags; /* -1 keep; else the number of preconditions.tags: tag0 */
		const char *tag0;
		const char *want;
	} cases[] = {
	    /* the case: a harmless-looking name for prod data */
	    {1, 2, "tmp-scratch", -1, NULL, NULL, -1, NULL,
	     "plan.candidates[2].name: 'tmp-scratch' is not the name of volume 'scratch'"},
	    {1, 2, NULL, 1, "other", NULL, -1, NULL,
	     "plan.candidates[2].refs: 'other' is not the name of volume 'scratch'"},
	    /* an image named after a tag it does not have */
	    {1, 1, "nginx:latest", -1, NULL, NULL, -1, NULL,
	     "plan.candidates[1].name: 'nginx:latest' is not a tag of image sha256:"},
	    {0, 0, "nginx:latest", -1, NULL, NULL, -1, NULL,
	     "plan.protected[0].name: 'nginx:latest' is not a tag of image sha256:"},
	    {1, 1, "app:1.0", 0, NULL, NULL, 0, NULL,
	     "plan.candidates[1].name: 'app:1.0' is not a tag of image sha256:"},
	    /* refs and preconditions.tags must be the same set */
	    {1, 1, NULL, 2, "app:1.0", "nginx:latest", -1, NULL,
	     "plan.candidates[1].refs: the tags of image sha256:"},
	    {1, 1, NULL, -1, NULL, NULL, 1, "app:1.0",
	     "plan.candidates[1].refs: the tags of image sha256:"},
	    /* containers and networks: refs are the name */
	    {1, 0, NULL, 1, "prod-db", NULL, -1, NULL,
	     "plan.candidates[0].refs: must hold exactly the name 'old-job' of container "},
	    {1, 3, "", -1, NULL, NULL, -1, NULL,
	     "plan.candidates[3].refs: must be empty, as the name of network "},
	    {0, 1, NULL, 0, NULL, NULL, -1, NULL,
	     "plan.protected[1].refs: must hold exactly the name 'web' of container "},
	};
	struct rc_err err = RC_ERR_INIT;
	struct rc_plan a, q;
	char *text;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rc_plan_item *it;

		build_plan(&a);
		exact_objects(&a);
		it = cases[i].candidate ? &a.candidates[cases[i].index]
					: &a.protected_items[cases[i].index];
		if (cases[i].name) {
			free(it->name);
			it->name = xstrdup(cases[i].name);
		}
		if (cases[i].refs >= 0) {
			rc_strv_release(&it->refs);
			strv_set(&it->refs, cases[i].refs, cases[i].ref0, cases[i].ref1);
		}
		if (cases[i].tags >= 0) {
			rc_strv_release(&it->pre.tags);
			strv_set(&it->pre.tags, cases[i].tags, cases[i].tag0);
		}
		/* The in-memory parser accepts it... */
		text = render(&a);
		assert_int_equal(rc_plan_parse(text, strlen(text), &q, &err), 0);
		rc_plan_release(&q);
		free(text);
		/* ...the loader refuses it. */
		assert_int_equal(write_then_load(&a, &err), -1);
		assert_int_equal(err.kind, RC_ERR_PLAN);
		if (!strstr(err.msg, cases[i].want) || strchr(err.msg, '\n'))
			fail_msg("case %zu: message '%s' lacks '%s'", i, err.msg, cases[i].want);
		rc_plan_release(&a);
	}
	/* Order does not matter between refs and preconditions.tags; an untagged
	 * image has the name "". */
	build_plan(&a);
	exact_objects(&a);
	rc_strv_release(&a.protected_items[0].refs);
	free(a.protected_items[0].name);
	a.protected_items[0].name = xstrdup("");
	if (write_then_load(&a, &err) != 0)
		fail_msg("load: %s", err.msg);
	rc_plan_release(&a);
}

/* The documented third-party recipe (scripts/plan-digest.py, standard
 * library only) agrees with every plan this code renders. Needs python3 and
 * the repository root as the working directory, like the schema test. */
static void test_third_party_digest_script(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_plan a;
	char dir[] = "/tmp/test_plan_py.XXXXXX", path[128], cmd[512];
	char *text, *at;

	(void)state;
	if (system("command -v python3 >/dev/null 2>&1") != 0)
		skip();
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/plan.json", dir);
	snprintf(cmd, sizeof(cmd), "python3 scripts/plan-digest.py --check %s 2>/dev/null", path);
	build_plan(&a);
	text = render(&a);
	assert_int_equal(rc_write_file_atomic(path, text, strlen(text), 0644, &err), 0);
	assert_int_equal(system(cmd), 0);
	/* And it notices a change, so the check above is not vacuous. */
	at = strstr(text, "old-job");
	at[0] = 'O';
	assert_int_equal(rc_write_file_atomic(path, text, strlen(text), 0644, &err), 0);
	assert_int_not_equal(system(cmd), 0);
	unlink(path);
	rmdir(dir);
	free(text);
	rc_plan_release(&a);
}

/* The example of docs/plan-format.md is a plan this reclaim reads, with the
 * digest the page says. */
static void test_doc_example_parses(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_buf b = RC_BUF_INIT;
	struct rc_plan p;
	char *start, *end;

	(void)state;
	if (rc_read_file("docs/plan-format.md", 1 << 20, &b, &err) < 0)
		fail_msg("%s", err.msg);
	start = strstr(b.data, "## Example");
	assert_non_null(start);
	start = strstr(start, "```json\n");
	assert_non_null(start);
	start += 8;
	end = strstr(start, "```");
	assert_non_null(end);
	if (rc_plan_parse(start, (size_t)(end - start), &p, &err) < 0)
		fail_msg("the example does not parse: %s", err.msg);
	assert_int_equal(p.version, RC_PLAN_VERSION);
	assert_non_null(strstr(b.data, p.digest));
	assert_string_equal(rc_plan_source_str(&p.sources[0], "clock"),
			    "2026-11-27T03:59:58.123456789Z");
	rc_plan_release(&p);
	rc_buf_release(&b);
}

static void test_schema_embedded_matches_docs(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_buf b = RC_BUF_INIT;

	(void)state;
	/* Tests run from the repository root. Regenerate common/plan_schema.c
	 * with scripts/embed-plan-schema.py when this fails. */
	if (rc_read_file("docs/plan.schema.json", 1 << 20, &b, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(b.len, strlen(rc_plan_schema_json));
	assert_memory_equal(b.data, rc_plan_schema_json, b.len);
	rc_buf_release(&b);
	rc_buf_init(&b, 0);
	if (rc_read_file("docs/plan-v1.schema.json", 1 << 20, &b, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(b.len, strlen(rc_plan_schema_v1_json));
	assert_memory_equal(b.data, rc_plan_schema_v1_json, b.len);
	rc_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kind_names),
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_render_is_deterministic_and_ordered),
	    cmocka_unit_test(test_python_computed_digest),
	    cmocka_unit_test(test_streamed_render_equals_whole_tree),
	    cmocka_unit_test(test_streamed_render_stops_at_a_failing_sink),
	    cmocka_unit_test(test_seal_checks_each_item),
	    cmocka_unit_test(test_tampering_is_detected),
	    cmocka_unit_test(test_wrong_types_name_the_path),
	    cmocka_unit_test(test_missing_and_extra_members),
	    cmocka_unit_test(test_semantic_checks),
	    cmocka_unit_test(test_version_and_format),
	    cmocka_unit_test(test_large_integers),
	    cmocka_unit_test(test_literal_number_forms),
	    cmocka_unit_test(test_truncated_plans),
	    cmocka_unit_test(test_hostile_json),
	    cmocka_unit_test(test_render_requires_seal),
	    cmocka_unit_test(test_seal_refuses_what_would_not_load),
	    cmocka_unit_test(test_write_and_load),
	    cmocka_unit_test(test_write_refuses_what_the_loader_would),
	    cmocka_unit_test(test_load_requires_exact_identities),
	    cmocka_unit_test(test_load_limits_volume_names),
	    cmocka_unit_test(test_load_requires_names_to_match_objects),
	    cmocka_unit_test(test_third_party_digest_script),
	    cmocka_unit_test(test_schema_embedded_matches_docs),
	    cmocka_unit_test(test_doc_example_parses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
