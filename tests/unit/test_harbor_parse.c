/* test_harbor_parse.c: Harbor's /api/v2.0 parsers (harbor/parse.c) and
 * objects (harbor/objects.c): artifact pages, one artifact, projects and
 * repositories, pull-time semantics, and the objects' members, holders,
 * protections, times and parts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harbor/harbor.h"
#include "harbor/objects.h"
#include "plan.h"
#include "source.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"
#define DA "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define ZERO "0001-01-01T00:00:00.000Z"

/* D1: tags "latest" (pulled) and "1.0" (never), an accessory DA; D2: an
 * index of D3 (listed) and of an unlisted child; D3, tagged "arm" (never
 * pulled, the tag pushed later than D3). */
static const char page[] =
    "[{\"id\":1,\"type\":\"IMAGE\",\"digest\":\"" D1 "\",\"size\":1000,"
    "\"push_time\":\"2026-01-01T00:00:00.000Z\",\"pull_time\":\"2026-03-01T00:00:00.000Z\","
    "\"manifest_media_type\":\"application/vnd.oci.image.manifest.v1+json\","
    "\"tags\":[{\"name\":\"latest\",\"push_time\":\"2026-01-02T00:00:00.000Z\","
    "\"pull_time\":\"2026-04-01T00:00:00.000Z\",\"immutable\":false},"
    "{\"name\":\"1.0\",\"push_time\":\"2026-01-01T00:00:00.000Z\",\"pull_time\":\"" ZERO "\","
    "\"immutable\":true}],"
    "\"accessories\":[{\"id\":9,\"digest\":\"" DA "\",\"type\":\"signature.cosign\",\"size\":"
    "50}],\"references\":null},"
    "{\"digest\":\"" D2 "\",\"size\":200,\"push_time\":\"2026-02-01T00:00:00Z\","
    "\"pull_time\":\"\",\"tags\":[],\"references\":[{\"child_digest\":\"" D3 "\"},"
    "{\"child_digest\":\"" D3 "\"},{\"child_digest\":\"sha256:"
    "4444444444444444444444444444444444444444444444444444444444444444\"}]},"
    "{\"digest\":\"" D3 "\",\"size\":300,\"push_time\":\"2026-02-01T00:00:00Z\","
    "\"tags\":[{\"name\":\"arm\",\"push_time\":\"2026-03-05T00:00:00Z\"}]}]";

static void parse_page(struct rc_harbor_repo *r)
{
	struct rc_err err = RC_ERR_INIT;

	memset(r, 0, sizeof(*r));
	assert_int_equal(rc_harbor_parse_artifacts(page, strlen(page), r, &err), 0);
	assert_int_equal(r->n_artifacts, 3);
}

static void release_repo(struct rc_harbor_repo *r)
{
	size_t i;

	for (i = 0; i < r->n_artifacts; i++)
		rc_harbor_artifact_release(&r->artifacts[i]);
	free(r->artifacts);
}

static void test_page(void **state)
{
	struct rc_harbor_repo r;
	const struct rc_harbor_artifact *a;
	int64_t when;

	(void)state;
	parse_page(&r);
	a = &r.artifacts[0];
	assert_string_equal(a->digest, D1);
	assert_string_equal(a->type, "IMAGE");
	assert_string_equal(a->media_type, "application/vnd.oci.image.manifest.v1+json");
	assert_int_equal(a->size, 1000);
	assert_int_equal(a->push_time, 1767225600);
	assert_int_equal(a->pull_time, 1772323200);
	/* tags sorted by name */
	assert_int_equal(a->n_tags, 2);
	assert_string_equal(a->tags[0].name, "1.0");
	assert_int_equal(a->tags[0].immutable, 1);
	assert_int_equal(a->tags[0].pull_time, 0); /* Harbor's zero time */
	assert_string_equal(a->tags[1].name, "latest");
	assert_int_equal(a->n_accessories, 1);
	assert_string_equal(a->accessories[0].digest, DA);
	assert_int_equal(a->accessories[0].size, 50);
	/* pull times: the artifact's, the tag's when later */
	assert_string_equal(rc_harbor_pulled_at(a, NULL, &when), "2026-03-01T00:00:00.000Z");
	assert_string_equal(rc_harbor_pulled_at(a, &a->tags[1], &when), "2026-04-01T00:00:00.000Z");
	assert_int_equal(when, 1775001600);
	assert_string_equal(rc_harbor_pulled_at(a, &a->tags[0], &when), "2026-03-01T00:00:00.000Z");
	/* never pulled, empty pull_time: counts from the push */
	a = &r.artifacts[1];
	assert_int_equal(a->pull_time, 0);
	assert_null(a->pull_raw);
	assert_string_equal(rc_harbor_pulled_at(a, NULL, &when), "2026-02-01T00:00:00Z");
	assert_int_equal(when, a->push_time);
	assert_int_equal(a->children.n, 2); /* listed twice, kept once */
	/* never pulled, a tag pushed later than its artifact: from the tag's push */
	a = &r.artifacts[2];
	assert_string_equal(rc_harbor_pulled_at(a, &a->tags[0], &when), "2026-03-05T00:00:00Z");
	assert_int_equal(when, a->tags[0].push_time);
	assert_string_equal(rc_harbor_pulled_at(a, NULL, &when), "2026-02-01T00:00:00Z");
	/* absent members */
	a = &r.artifacts[2];
	assert_null(a->type);
	assert_int_equal(a->tags[0].immutable, 0);
	release_repo(&r);
}

static void page_fails(const char *body, const char *part)
{
	struct rc_harbor_repo r;
	struct rc_err err = RC_ERR_INIT;

	memset(&r, 0, sizeof(r));
	assert_int_equal(rc_harbor_parse_artifacts(body, strlen(body), &r, &err), -1);
	assert_int_equal(err.kind, RC_ERR_PROTOCOL);
	if (!strstr(err.msg, part))
		fail_msg("'%s': message '%s' lacks '%s'", body, err.msg, part);
	assert_null(strchr(err.msg, '\n'));
	release_repo(&r);
}

static void test_page_hostile(void **state)
{
	(void)state;
	page_fails("", "invalid or truncated JSON");
	page_fails("[{\"digest\":\"" D1 "\"", "invalid or truncated JSON");
	page_fails("{\"digest\":\"" D1 "\"}", "not an array");
	page_fails("[1]", "not an object");
	page_fails("[{\"digest\":\"sha256:abc\"}]", "without a sha256 digest");
	page_fails("[{\"digest\":\"" D1 "\",\"size\":1e300}]", "wrong type");
	page_fails("[{\"digest\":\"" D1 "\",\"size\":-1}]", "wrong type");
	page_fails("[{\"digest\":\"" D1 "\",\"size\":1.5}]", "wrong type");
	page_fails("[{\"digest\":\"" D1 "\",\"size\":\"12\"}]", "wrong type");
	page_fails("[{\"digest\":\"" D1 "\",\"tags\":{}}]", "wrong type");
	page_fails("[{\"digest\":\"" D1 "\",\"tags\":[{\"name\":\"a b\"}]}]", "valid name");
	page_fails("[{\"digest\":\"" D1 "\",\"tags\":[{\"name\":\"a\"},{\"name\":\"a\"}]}]",
		   "listed twice");
	page_fails("[{\"digest\":\"" D1 "\",\"tags\":[{\"name\":\"a\",\"immutable\":\"yes\"}]}]",
		   "immutable is not a boolean");
	page_fails("[{\"digest\":\"" D1 "\",\"push_time\":\"yesterday\"}]", "bad push_time");
	page_fails("[{\"digest\":\"" D1 "\",\"pull_time\":3}]", "bad pull_time");
	page_fails("[{\"digest\":\"" D1 "\",\"references\":[{\"child_digest\":null}]}]",
		   "child_digest");
	page_fails("[{\"digest\":\"" D1 "\",\"accessories\":[{\"digest\":\"" DA "\",\"size\":"
		   "-3}]}]",
		   "accessory");
}

static void test_one_artifact(void **state)
{
	struct rc_harbor_artifact a;
	struct rc_err err = RC_ERR_INIT;
	const char one[] = "{\"digest\":\"" D2 "\",\"tags\":null,\"size\":null}";

	(void)state;
	assert_int_equal(rc_harbor_parse_artifact(one, strlen(one), &a, &err), 0);
	assert_string_equal(a.digest, D2);
	assert_int_equal(a.size, -1);
	assert_int_equal(a.n_tags, 0);
	rc_harbor_artifact_release(&a);
	assert_int_equal(rc_harbor_parse_artifact("[]", 2, &a, &err), -1);
	assert_null(a.digest);
	assert_int_equal(rc_harbor_parse_artifact(NULL, 0, &a, &err), -1);
}

static void test_names(void **state)
{
	struct rc_strv v = {NULL, 0};
	struct rc_err err = RC_ERR_INIT;
	const char projects[] = "[{\"project_id\":1,\"name\":\"lib\"},{\"name\":\"team-a.b_c\"}]";
	const char repos[] = "[{\"id\":1,\"name\":\"lib/team/app\"},{\"name\":\"lib/x\"}]";

	(void)state;
	assert_int_equal(rc_harbor_parse_projects(projects, strlen(projects), &v, &err), 0);
	assert_int_equal(v.n, 2);
	assert_string_equal(v.v[1], "team-a.b_c");
	rc_strv_release(&v);
	assert_int_equal(rc_harbor_parse_projects("[{\"name\":\"Lib\"}]", 17, &v, &err), -1);
	assert_non_null(strstr(err.msg, "no valid name"));
	rc_strv_release(&v);
	assert_int_equal(rc_harbor_parse_projects("[{\"name\":\"a/b\"}]", 16, &v, &err), -1);
	rc_strv_release(&v);
	assert_int_equal(rc_harbor_parse_projects("{}", 2, &v, &err), -1);
	assert_non_null(strstr(err.msg, "not an array"));
	rc_strv_release(&v);
	assert_int_equal(rc_harbor_parse_repos(repos, strlen(repos), "lib", &v, &err), 0);
	assert_int_equal(v.n, 2);
	assert_string_equal(v.v[0], "lib/team/app");
	rc_strv_release(&v);
	/* a repository of another project, or no repository part */
	assert_int_equal(rc_harbor_parse_repos(repos, strlen(repos), "li", &v, &err), -1);
	rc_strv_release(&v);
	assert_int_equal(rc_harbor_parse_repos("[{\"name\":\"lib/\"}]", 17, "lib", &v, &err), -1);
	rc_strv_release(&v);
	assert_int_equal(rc_harbor_parse_repos("[{\"name\":\"lib/A\"}]", 18, "lib", &v, &err), -1);
	rc_strv_release(&v);
	assert_int_equal(rc_harbor_project_valid("lib"), 1);
	assert_int_equal(rc_harbor_project_valid("-lib"), 0);
	assert_int_equal(rc_harbor_project_valid(""), 0);
	assert_int_equal(rc_harbor_project_valid(NULL), 0);
}

static void test_time(void **state)
{
	int64_t t = 7;

	(void)state;
	assert_int_equal(rc_harbor_parse_time(ZERO, &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(rc_harbor_parse_time("", &t), 0);
	assert_int_equal(rc_harbor_parse_time(NULL, &t), 0);
	assert_int_equal(rc_harbor_parse_time("2026-01-01T00:00:00.5+01:00", &t), 0);
	assert_int_equal(t, 1767222000);
	assert_int_equal(rc_harbor_parse_time("01/01/2026", &t), -1);
}

static const struct rc_object *find_obj(const struct rc_inventory *inv, const char *object)
{
	size_t i;

	for (i = 0; i < inv->n_objects; i++)
		if (!strcmp(inv->objects[i].object, object))
			return &inv->objects[i];
	fail_msg("no object '%s'", object);
	return NULL;
}

static void test_objects(void **state)
{
	struct rc_harbor_repo r;
	struct rc_harbor_scan s;
	struct rc_inventory inv;
	struct rc_err err = RC_ERR_INIT;
	const struct rc_object *m1, *acc, *imm, *latest, *idx, *child, *arm;
	char url[] = "https://harbor.example:443", name[] = "harbor-harbor.example-443";
	char repo[] = "lib/team/app";

	(void)state;
	parse_page(&r);
	r.name = repo;
	memset(&s, 0, sizeof(s));
	s.url = url;
	s.name = name;
	s.repos = &r;
	s.n_repos = 1;
	rc_inventory_init(&inv);
	assert_int_equal(rc_harbor_objects(&inv, &s, RC_HARBOR_KEEP_BY_PUSH, &err), 0);
	/* 3 artifacts, the unlisted accessory, 3 tags */
	assert_int_equal(inv.n_objects, 7);
	assert_string_equal(inv.sources[0].type, "harbor");
	m1 = find_obj(&inv, "lib/team/app@" D1);
	assert_int_equal(m1->kind, RC_KIND_MANIFEST);
	assert_int_equal(m1->n_members, 2);
	assert_int_equal(m1->refs.n, 2);
	assert_string_equal(m1->name, "lib/team/app:1.0");
	assert_true(m1->flags & RC_OBJ_UNTAGGED_RULE);
	assert_true(m1->flags & RC_OBJ_PULL_PRECOND);
	assert_string_equal(m1->age_basis, "push_time");
	assert_int_equal(m1->last_used, 1767225600);
	assert_int_equal(m1->last_pulled, 1772323200);
	assert_string_equal(m1->pulled_at, "2026-03-01T00:00:00.000Z");
	/* keep_by push: the artifact and its tags rank on its push time */
	assert_int_equal(m1->rank_time, 1767225600);
	assert_int_equal(m1->rank_tie, 1767225600);
	assert_null(m1->rank_basis);
	assert_false(m1->flags & RC_OBJ_RANKS_PULLS);
	assert_false(m1->flags & RC_OBJ_NEVER_PULLED);
	assert_int_equal(m1->n_parts, 1);
	assert_int_equal(m1->parts[0].size, 1000);
	assert_non_null(strstr(m1->what, "accessories"));
	/* the accessory follows its subject, which comes after it */
	acc = find_obj(&inv, "lib/team/app@" DA);
	assert_true(acc->flags & RC_OBJ_FOLLOWS);
	assert_false(acc->flags & RC_OBJ_PULL_PRECOND);
	assert_int_equal(acc->n_holders, 1);
	assert_ptr_equal(&inv.objects[acc->holders[0]], m1);
	assert_string_equal(acc->held_as, "accessory");
	assert_true(m1->level > acc->level);
	assert_int_equal(acc->size, 50);
	/* the immutable tag is protected; the other's pull time is its own */
	imm = find_obj(&inv, "lib/team/app:1.0");
	assert_string_equal(imm->protect_rule, "immutable");
	assert_string_equal(imm->protect_reason, "immutable tag (Harbor tag immutability rule)");
	assert_string_equal(imm->digest, D1);
	latest = find_obj(&inv, "lib/team/app:latest");
	assert_null(latest->protect_rule);
	assert_int_equal(latest->last_pulled, 1775001600);
	assert_int_equal(latest->last_used, 1767312000); /* the tag's own push */
	assert_string_equal(latest->rank_id, D1);
	assert_int_equal(latest->rank_time, m1->rank_time);
	assert_false(imm->flags & RC_OBJ_NEVER_PULLED); /* its artifact was pulled */
	/* the index holds its listed child; its what names the unlisted one */
	idx = find_obj(&inv, "lib/team/app@" D2);
	child = find_obj(&inv, "lib/team/app@" D3);
	assert_int_equal(child->n_holders, 1);
	assert_ptr_equal(&inv.objects[child->holders[0]], idx);
	assert_string_equal(child->held_as, "child");
	assert_false(child->flags & RC_OBJ_FOLLOWS);
	assert_true(idx->level > child->level);
	assert_non_null(strstr(idx->what, "untagged children"));
	assert_int_equal(idx->last_pulled, idx->last_used); /* never pulled */
	assert_true(idx->flags & RC_OBJ_NEVER_PULLED);
	arm = find_obj(&inv, "lib/team/app:arm");
	/* the tag's own push time, later than its artifact's: its age, and
	 * never pulled, its pull age */
	assert_int_equal(arm->last_used, 1772668800);
	assert_true(arm->last_used > child->last_used);
	assert_int_equal(arm->last_pulled, arm->last_used);
	assert_string_equal(arm->pulled_at, "2026-03-05T00:00:00Z");
	assert_int_equal(child->last_pulled, child->last_used);
	rc_inventory_release(&inv);

	/* keep_by pull: the artifact's pull time, shared by its tags; never
	 * pulled ranks below every time */
	rc_inventory_init(&inv);
	assert_int_equal(rc_harbor_objects(&inv, &s, RC_HARBOR_KEEP_BY_PULL, &err), 0);
	m1 = find_obj(&inv, "lib/team/app@" D1);
	assert_int_equal(m1->rank_time, 1772323200);
	assert_true(m1->flags & RC_OBJ_RANKS_PULLS);
	assert_string_equal(m1->rank_basis, "pull_time");
	assert_int_equal(find_obj(&inv, "lib/team/app:latest")->rank_time, 1772323200);
	assert_int_equal(find_obj(&inv, "lib/team/app@" D2)->rank_time, RC_RANK_NEVER);
	assert_int_equal(find_obj(&inv, "lib/team/app:arm")->rank_time, RC_RANK_NEVER);
	rc_inventory_release(&inv);
	r.name = NULL;
	release_repo(&r);
}

/* check_item: Harbor's exact identities, with their project */
static void item_check(const char *object, int kind, const char *digest, int candidate,
		       const char *want)
{
	const struct rc_source_ops *ops = rc_source_find("harbor");
	struct rc_plan_item it;
	struct rc_err err = RC_ERR_INIT;
	char *refs[1] = {(char *)object};
	int rc;

	assert_non_null(ops);
	memset(&it, 0, sizeof(it));
	it.kind = (enum rc_kind)kind;
	it.object = (char *)object;
	it.name = kind == RC_KIND_TAG ? (char *)object : (char *)"";
	if (kind == RC_KIND_TAG) {
		it.refs.v = refs;
		it.refs.n = 1;
	}
	it.pre.digest = (char *)digest;
	rc = ops->check_item(&it, candidate, "plan.candidates[0]", &err);
	if (!want) {
		if (rc != 0)
			fail_msg("'%s': %s", object, err.msg);
		return;
	}
	assert_int_equal(rc, -1);
	assert_int_equal(err.kind, RC_ERR_PLAN);
	if (!strstr(err.msg, want))
		fail_msg("'%s': message '%s' lacks '%s'", object, err.msg, want);
}

static void test_check_item(void **state)
{
	(void)state;
	item_check("lib/team/app:1.0", RC_KIND_TAG, D1, 1, NULL);
	item_check("lib/team/app@" D1, RC_KIND_MANIFEST, NULL, 1, NULL);
	item_check("app:1.0", RC_KIND_TAG, D1, 1, "is not a Harbor 'project/repo:tag'");
	item_check("Lib/app:1.0", RC_KIND_TAG, D1, 1, "plan.candidates[0].object");
	item_check("lib/team/app:1.0", RC_KIND_TAG, NULL, 1, "preconditions.digest");
	item_check("lib/team/app:1.0", RC_KIND_TAG, NULL, 0, NULL);
	item_check("lib/app@sha256:abc", RC_KIND_MANIFEST, NULL, 1, "plan.candidates[0].object");
	assert_int_equal(rc_source_find("harbor")->frees_at_once, 0);
	assert_int_equal(rc_source_find("harbor")->located_by_plan, 1);
	assert_non_null(rc_source_find("harbor")->trigger_gc);
	assert_null(rc_source_find("dtr")->trigger_gc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_page),	 cmocka_unit_test(test_page_hostile),
	    cmocka_unit_test(test_one_artifact), cmocka_unit_test(test_names),
	    cmocka_unit_test(test_time),	 cmocka_unit_test(test_objects),
	    cmocka_unit_test(test_check_item),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
