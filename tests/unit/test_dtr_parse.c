/* test_dtr_parse.c: DTR's /api/v0 parsers (dtr/parse.c) and objects
 * (dtr/objects.c): repositories, tag pages, one tag, names, and the tag
 * objects' protections, ages and layer parts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dtr/dtr.h"
#include "dtr/objects.h"
#include "plan.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define L1 "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static const char tag_v1[] =
    "{\"name\":\"v1\",\"digest\":\"" D1 "\",\"author\":\"ci\",\"createdAt\":"
    "\"2024-01-02T03:04:05.123Z\",\"updatedAt\":\"2024-02-01T00:00:00Z\",\"inNotary\":false,"
    "\"hashMismatch\":false,\"manifest\":{\"digest\":\"" D1 "\",\"mediaType\":\"m\",\"os\":"
    "\"linux\",\"architecture\":\"amd64\",\"size\":30,\"dockerfile\":[{\"layerDigest\":\"" L1
    "\",\"size\":10,\"isEmpty\":false},{\"layerDigest\":\"\",\"size\":0,\"isEmpty\":true}]},"
    "\"mirroring\":{},\"promotion\":{}}";

static void test_tag(void **state)
{
	struct rc_dtr_tag t;
	struct rc_err err = RC_ERR_INIT;

	(void)state;
	assert_int_equal(rc_dtr_parse_tag(tag_v1, strlen(tag_v1), &t, &err), 0);
	assert_string_equal(t.name, "v1");
	assert_string_equal(t.digest, D1);
	assert_int_equal(t.created, 1704164645);
	assert_int_equal(t.updated, 1706745600);
	assert_int_equal(t.n_layers, 1); /* the empty layer has no blob */
	assert_string_equal(t.layers[0].digest, L1);
	assert_int_equal(t.size, 10);
	assert_string_equal(t.os, "linux");
	rc_dtr_tag_release(&t);
}

static void tag_fails(const char *body, const char *part)
{
	struct rc_dtr_tag t;
	struct rc_err err = RC_ERR_INIT;

	assert_int_equal(rc_dtr_parse_tag(body, strlen(body), &t, &err), -1);
	assert_int_equal(err.kind, RC_ERR_PROTOCOL);
	if (!strstr(err.msg, part))
		fail_msg("'%s': message '%s' lacks '%s'", body, err.msg, part);
	assert_null(t.name);
}

static void test_tag_hostile(void **state)
{
	char half[sizeof(tag_v1)];

	(void)state;
	memcpy(half, tag_v1, sizeof(tag_v1) / 2);
	half[sizeof(tag_v1) / 2] = '\0';
	tag_fails(half, "truncated");
	tag_fails("[]", "not an object");
	tag_fails("{\"name\":\"../x\",\"digest\":\"" D1 "\"}", "valid name");
	tag_fails("{\"name\":\"v\",\"digest\":\"md5:1\"}", "no sha256 digest");
	tag_fails("{\"name\":\"v\",\"digest\":\"" D1 "\",\"inNotary\":\"yes\"}", "boolean");
	tag_fails("{\"name\":\"v\",\"digest\":\"" D1 "\",\"manifest\":{\"digest\":\"" D2 "\"}}",
		  "differs");
	tag_fails("{\"name\":\"v\",\"digest\":\"" D1
		  "\",\"manifest\":{\"dockerfile\":[{\"layerDigest\":\"" L1 "\",\"size\":-1}]}}",
		  "bad layer");
	tag_fails("{\"name\":\"v\",\"digest\":\"" D1
		  "\",\"manifest\":{\"dockerfile\":[{\"layerDigest\":\"" L1 "\",\"size\":1e300}]}}",
		  "bad layer");
	/* two layers of 2^53-1: their sum is no longer exact (and 4096 of
	 * them would overflow int64_t) */
	tag_fails("{\"name\":\"v\",\"digest\":\"" D1
		  "\",\"manifest\":{\"dockerfile\":[{\"layerDigest\":\"" L1
		  "\",\"size\":9007199254740991},{\"layerDigest\":\"" L1 "\",\"size\":1}]}}",
		  "layer sizes add up past 2^53 bytes");
}

static void test_pages(void **state)
{
	struct rc_dtr_repo *v = NULL;
	size_t n = 0;
	struct rc_err err = RC_ERR_INIT;
	const char *repos = "{\"repositories\":[{\"id\":\"x\",\"namespace\":\"team\",\"name\":"
			    "\"app\",\"immutableTags\":true,\"tagLimit\":7,"
			    "\"enableManifestLists\":false}]}";
	char page[2048];

	(void)state;
	assert_int_equal(rc_dtr_parse_repos(repos, strlen(repos), &v, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].ns, "team");
	assert_int_equal(v[0].immutable, 1);
	assert_int_equal(v[0].tag_limit, 7);
	snprintf(page, sizeof(page), "[%s,%s]", tag_v1, tag_v1);
	assert_int_equal(rc_dtr_parse_tags(page, strlen(page), &v[0], &err), 0);
	assert_int_equal(v[0].n_tags, 2);
	assert_int_equal(rc_dtr_parse_tags("{}", 2, &v[0], &err), -1);
	assert_int_equal(rc_dtr_parse_repos("{\"repositories\":[{\"namespace\":\"A\",\"name\":"
					    "\"b\"}]}",
					    40, &v, &n, &err),
			 -1);
	assert_int_equal(n, 1);
	{
		struct rc_dtr_scan s;
		rc_dtr_scan_init(&s);
		s.repos = v;
		s.n_repos = n;
		rc_dtr_scan_release(&s);
	}
}

static void test_names(void **state)
{
	(void)state;
	assert_true(rc_dtr_name_valid("team"));
	assert_true(rc_dtr_name_valid("my-app.v2_x"));
	assert_false(rc_dtr_name_valid("Team"));
	assert_false(rc_dtr_name_valid("a--b"));
	assert_false(rc_dtr_name_valid("a/b"));
	assert_false(rc_dtr_name_valid(""));
	assert_false(rc_dtr_name_valid("-a"));
}

static void test_objects(void **state)
{
	struct rc_dtr_scan s;
	struct rc_inventory inv;
	struct rc_err err = RC_ERR_INIT;
	struct rc_dtr_repo r[1];
	struct rc_dtr_tag t[2];

	(void)state;
	rc_dtr_scan_init(&s);
	rc_inventory_init(&inv);
	memset(r, 0, sizeof(r));
	assert_int_equal(rc_dtr_parse_tag(tag_v1, strlen(tag_v1), &t[0], &err), 0);
	assert_int_equal(rc_dtr_parse_tag(tag_v1, strlen(tag_v1), &t[1], &err), 0);
	free(t[1].name);
	t[1].name = strdup("v2");
	t[1].in_notary = 1;
	r[0].ns = "team";
	r[0].name = "app";
	r[0].tag_limit = 5;
	r[0].tags = t;
	r[0].n_tags = 2;
	s.url = "https://dtr.example";
	s.name = "dtr-dtr.example-443";
	s.repos = r;
	s.n_repos = 1;
	assert_int_equal(rc_dtr_objects(&inv, &s, RC_DTR_AGE_UPDATED, &err), 0);
	assert_int_equal(inv.n_objects, 2);
	assert_string_equal(inv.sources[0].type, "dtr");
	assert_string_equal(inv.objects[0].object, "team/app:v1");
	assert_int_equal(inv.objects[0].kind, RC_KIND_TAG);
	assert_string_equal(inv.objects[0].digest, D1);
	assert_int_equal(inv.objects[0].last_used, t[0].updated);
	assert_string_equal(inv.objects[0].age_basis, "updatedAt"); /* named in reasons */
	assert_int_equal(inv.objects[0].n_parts, 1);
	assert_string_equal(inv.objects[0].parts[0].key, "dtr-dtr.example-443@" L1);
	assert_null(inv.objects[0].protect_rule);
	assert_non_null(strstr(inv.objects[0].what, "tagLimit 5"));
	assert_string_equal(inv.objects[1].protect_rule, "signed");
	assert_string_equal(inv.objects[0].aliases->v[0], "dtr.example/team/app:v1");
	rc_inventory_release(&inv);
	rc_inventory_init(&inv);
	r[0].immutable = 1;
	assert_int_equal(rc_dtr_objects(&inv, &s, RC_DTR_AGE_CREATED, &err), 0);
	assert_string_equal(inv.objects[0].protect_rule, "immutable");
	assert_int_equal(inv.objects[0].last_used, t[0].created);
	assert_int_equal(inv.objects[0].created, t[0].created);
	assert_string_equal(inv.objects[0].age_basis, "createdAt");
	rc_inventory_release(&inv);
	rc_dtr_tag_release(&t[0]);
	rc_dtr_tag_release(&t[1]);
}

/* How a tag arrived, for reviewers: a promotion policy's ID, a mirroring
 * policy's remote reference, both in the candidate's reason; empty,
 * missing or oddly typed provenance objects say nothing (they are
 * informative, never a reason to refuse the page). */
static void test_provenance(void **state)
{
	static const char promoted[] =
	    "{\"name\":\"p1\",\"digest\":\"" D1 "\",\"promotion\":{\"promotionPolicyID\":\"pp-7\","
	    "\"promotedAt\":\"2024-01-01T00:00:00Z\"},\"mirroring\":{\"mirroringPolicyID\":\"\"}}";
	static const char mirrored[] =
	    "{\"name\":\"m1\",\"digest\":\"" D2 "\",\"mirroring\":{\"mirroringPolicyID\":\"mp-1\","
	    "\"remoteHost\":\"hub.example\",\"remoteRepository\":\"library/app\","
	    "\"remoteTag\":\"1.0\"},\"promotion\":\"yes\"}";
	static const char odd[] = "{\"name\":\"o1\",\"digest\":\"" D1 "\",\"promotion\":[1],"
				  "\"mirroring\":{\"mirroringPolicyID\":5}}";
	struct rc_dtr_scan s;
	struct rc_inventory inv;
	struct rc_err err = RC_ERR_INIT;
	struct rc_dtr_repo r[1];
	struct rc_dtr_tag t[3];

	(void)state;
	assert_int_equal(rc_dtr_parse_tag(promoted, strlen(promoted), &t[0], &err), 0);
	assert_string_equal(t[0].promoted_by, "pp-7");
	assert_null(t[0].mirrored_from);
	assert_int_equal(rc_dtr_parse_tag(mirrored, strlen(mirrored), &t[1], &err), 0);
	assert_null(t[1].promoted_by);
	assert_string_equal(t[1].mirrored_from, "hub.example/library/app:1.0");
	assert_int_equal(rc_dtr_parse_tag(odd, strlen(odd), &t[2], &err), 0);
	assert_null(t[2].promoted_by);
	assert_null(t[2].mirrored_from);

	rc_dtr_scan_init(&s);
	rc_inventory_init(&inv);
	memset(r, 0, sizeof(r));
	r[0].ns = "team";
	r[0].name = "app";
	r[0].tags = t;
	r[0].n_tags = 3;
	s.url = "https://dtr.example";
	s.name = "dtr-dtr.example-443";
	s.repos = r;
	s.n_repos = 1;
	assert_int_equal(rc_dtr_objects(&inv, &s, RC_DTR_AGE_UPDATED, &err), 0);
	assert_string_equal(inv.objects[0].what,
			    "names sha256:111111111111 (repository no tagLimit; made by promotion "
			    "policy pp-7)");
	assert_string_equal(inv.objects[1].what,
			    "names sha256:222222222222 (repository no tagLimit; mirrored from "
			    "hub.example/library/app:1.0)");
	assert_string_equal(inv.objects[2].what,
			    "names sha256:111111111111 (repository no tagLimit)");
	rc_inventory_release(&inv);
	for (int i = 0; i < 3; i++)
		rc_dtr_tag_release(&t[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tag),	    cmocka_unit_test(test_tag_hostile),
	    cmocka_unit_test(test_pages),   cmocka_unit_test(test_names),
	    cmocka_unit_test(test_objects), cmocka_unit_test(test_provenance),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
