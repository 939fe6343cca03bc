/* test_policy: the policy loader, its error messages, and the flag shorthands. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <glob.h>

#include "plan.h"
#include "policy.h"

static char *json_of(const struct rp_policy *p)
{
	struct rc_err err = RC_ERR_INIT;
	cJSON *j = rp_policy_to_json(p, &err);
	char *s;

	assert_non_null(j);
	s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	assert_non_null(s);
	return s;
}

static void parse_ok(const char *text, struct rp_policy *p)
{
	struct rc_err err = RC_ERR_INIT;
	int rc = rp_policy_parse(text, strlen(text), "policy.json", p, &err);

	if (rc != 0)
		fail_msg("unexpected error: %s", err.msg);
}

/* Parses text and asserts the exact error message. */
static void parse_fails(const char *text, const char *want)
{
	struct rp_policy p;
	struct rc_err err = RC_ERR_INIT;
	int rc = rp_policy_parse(text, strlen(text), "policy.json", &p, &err);

	if (rc != -1)
		fail_msg("accepted invalid policy: %s", text);
	assert_int_equal(err.kind, RC_ERR_POLICY);
	if (strcmp(err.msg, want) != 0)
		fail_msg("message\n  got:  %s\n  want: %s", err.msg, want);
	assert_int_equal(p.n_rules, 0); /* left empty */
}

static void test_full_policy(void **state)
{
	static const char text[] =
	    "{\n"
	    "  \"version\": 1,\n"
	    "  \"protect\": {\"min_age\": \"2h\", \"labels\": [\"keep\", \"env=prod\"],\n"
	    "              \"tags\": [\"latest\", \"v*\"], \"refs\": [\"sha256:abc\"], \"in_use\": "
	    "true},\n"
	    "  \"rules\": [\n"
	    "    {\"name\": \"old-app\", \"sources\": [\"engine\"], \"kinds\": [\"image\"],\n"
	    "     \"repositories\": [\"team/*\"], \"tag_include\": \"[0-9]+\\\\.[0-9]+\",\n"
	    "     \"tag_exclude\": \"rc.*\", \"tagged\": true, \"older_than\": \"30d\",\n"
	    "     \"keep_last\": 10},\n"
	    "    {\"name\": \"stopped\", \"kinds\": [\"container\"], \"states\": [\"exited\", "
	    "\"dead\"]},\n"
	    "    {\"name\": \"vols\", \"kinds\": [\"volume\"], \"volumes\": \"all\", "
	    "\"older_than\": \"90m\"},\n"
	    "    {\"name\": \"cache\", \"kinds\": [\"build-cache\"], \"build_cache\": \"all\"},\n"
	    "    {\"name\": \"registry\", \"kinds\": [\"tag\", \"manifest\"], \"not_pulled_for\": "
	    "\"2w\"}\n"
	    "  ]\n"
	    "}\n";
	struct rp_policy p, q;
	struct rc_err err = RC_ERR_INIT;
	char *a, *b;

	(void)state;
	parse_ok(text, &p);
	assert_int_equal(p.protect.min_age, 7200);
	assert_int_equal(p.protect.labels.n, 2);
	assert_string_equal(p.protect.labels.v[1], "env=prod");
	assert_int_equal(p.protect.tags.n, 2);
	assert_int_equal(p.protect.refs.n, 1);
	assert_int_equal(p.n_rules, 5);
	assert_string_equal(p.rules[0].name, "old-app");
	assert_int_equal(p.rules[0].kinds, RP_KIND_BIT(RC_KIND_IMAGE));
	assert_int_equal(p.rules[0].tagged, RP_TAGGED_YES);
	assert_int_equal(p.rules[0].older_than, 30 * 86400);
	assert_int_equal(p.rules[0].keep_last, 10);
	/* the tag regex matches whole tags only */
	assert_int_equal(regexec(&p.rules[0].include_re, "1.2", 0, NULL, 0), 0);
	assert_int_not_equal(regexec(&p.rules[0].include_re, "v1.2", 0, NULL, 0), 0);
	assert_int_not_equal(regexec(&p.rules[0].include_re, "1.2-x", 0, NULL, 0), 0);
	assert_int_equal(p.rules[1].states, RP_STATE_EXITED | RP_STATE_DEAD);
	assert_int_equal(p.rules[2].volumes, RP_VOLUMES_ALL);
	assert_int_equal(p.rules[2].older_than, 5400);
	assert_int_equal(p.rules[3].build_cache, RP_BUILD_CACHE_ALL);
	assert_int_equal(p.rules[4].kinds, RP_KIND_TAG_BIT | RP_KIND_MANIFEST_BIT);
	assert_int_equal(p.rules[4].not_pulled_for, 14 * 86400);

	/* the effective policy round-trips */
	a = json_of(&p);
	assert_int_equal(rp_policy_parse(a, strlen(a), "effective", &q, &err), 0);
	b = json_of(&q);
	assert_string_equal(a, b);
	assert_non_null(strstr(a, "\"older_than\":\"90m\""));
	free(a);
	free(b);
	rp_policy_release(&q);
	rp_policy_release(&p);
}

static void test_defaults(void **state)
{
	struct rp_policy p;
	(void)state;

	parse_ok("{\"version\": 1, \"rules\": []}", &p);
	assert_int_equal(p.protect.min_age, RP_DEFAULT_MIN_AGE);
	assert_int_equal(p.n_rules, 0);
	rp_policy_release(&p);

	parse_ok("{\"version\":1,\"protect\":{\"min_age\":\"0\"},\"rules\":[{\"name\":\"r\"}]}",
		 &p);
	assert_int_equal(p.protect.min_age, 0);
	assert_int_equal(p.rules[0].kinds, 0); /* every kind but volume */
	assert_int_equal(p.rules[0].older_than, -1);
	assert_int_equal(p.rules[0].keep_last, 0);
	rp_policy_release(&p);
}

static void test_errors_name_line_and_field(void **state)
{
	(void)state;
	parse_fails("{\n"
		    "  \"version\": 1,\n"
		    "  \"rules\": [\n"
		    "    {\"name\": \"a\", \"kinds\": [\"container\"]},\n"
		    "    {\n"
		    "      \"name\": \"b\",\n"
		    "      \"older_than\": \"3x\"\n"
		    "    }\n"
		    "  ]\n"
		    "}\n",
		    "policy.json:7: rules[1].older_than: invalid duration '3x'");
	parse_fails("{\"version\": 1,\n\"protcet\": {},\n\"rules\": []}",
		    "policy.json:2: protcet: unknown key 'protcet'");
	parse_fails("{\"version\": 1, \"rules\": [\n{\"name\": \"a\",\n \"olderthan\": \"3d\"}]}",
		    "policy.json:3: rules[0].olderthan: unknown key 'olderthan'");
	parse_fails(
	    "{\"version\": 1, \"protect\": {\"min_age\": \"1h\",\n \"lables\": []}, \"rules\": []}",
	    "policy.json:2: protect.lables: unknown key 'lables'");
	parse_fails("{\"version\": 1,\n \"protect\": {\"min_age\": \"-1h\"}, \"rules\": []}",
		    "policy.json:2: protect.min_age: invalid duration '-1h'");
	parse_fails("{\"version\": 1, \"protect\": {\"min_age\": 3600}, \"rules\": []}",
		    "policy.json:1: protect.min_age: want a duration string such as \"30d\"");
	parse_fails("{\"version\": 1, \"rules\": [{\"name\": \"a\", \"kinds\": [\"image\",\n"
		    "\"imag\"]}]}",
		    "policy.json:2: rules[0].kinds[1]: unknown kind 'imag' (want container, image, "
		    "volume, network, build-cache, tag or manifest)");
	parse_fails("{\"version\": 1, \"rules\": [{\"name\": \"a\", \"kinds\": []}]}",
		    "policy.json:1: rules[0].kinds: must not be empty (omit it to select every "
		    "kind but volume)");
	parse_fails("{\"version\": 1, \"rules\": [{\"name\": \"a\", \"kinds\": [\"container\"],\n"
		    " \"states\": [\"exited\", \"running\"]}]}",
		    "policy.json:2: rules[0].states[1]: 'running' containers are always protected "
		    "(want created, exited or dead)");
	parse_fails("{\"version\": 1, \"rules\": [{\"name\": \"a\", \"kinds\": [\"container\"],"
		    " \"states\": [\"stopped\"]}]}",
		    "policy.json:1: rules[0].states[0]: unknown state 'stopped' (want created, "
		    "exited or dead)");
	parse_fails("{\"version\": 1, \"rules\": [{\"name\": \"a\", \"volumes\": \"all\"}]}",
		    "policy.json:1: rules[0].volumes: a rule selects volumes only when its kinds "
		    "name \"volume\"");
	parse_fails("{\"version\": 1, \"rules\": [{\"name\": \"a\", \"kinds\": [\"image\"],"
		    " \"volumes\": \"all\"}]}",
		    "policy.json:1: rules[0].volumes: applies to kind volume, which this rule does "
		    "not select");
	parse_fails("{\"version\": 1, \"rules\": [{\"name\": \"a\", \"kinds\": [\"volume\"],"
		    " \"volumes\": \"named\"}]}",
		    "policy.json:1: rules[0].volumes: want \"anonymous\" or \"all\"");
	parse_fails("{\"version\": 1, \"rules\": [{\"name\": \"a\", \"kinds\": [\"network\"],"
		    " \"keep_last\": 3}]}",
		    "policy.json:1: rules[0].keep_last: applies to kind image, tag or manifest, "
		    "which this rule does not select");
	parse_fails("{\"version\": 1, \"rules\": [{\"name\": \"a\", \"keep_last\": 0}]}",
		    "policy.json:1: rules[0].keep_last: want an integer from 1 to 1000000");
	parse_fails("{\"version\": 1, \"rules\": [{\"name\": \"a\", \"keep_last\": 2.5}]}",
		    "policy.json:1: rules[0].keep_last: want an integer from 1 to 1000000");
	parse_fails("{\"version\": 1, \"rules\": [{\"name\": \"a\", \"keep_last\": \"3\"}]}",
		    "policy.json:1: rules[0].keep_last: want an integer from 1 to 1000000");
	parse_fails("{\"version\": 1, \"rules\": [{\"name\": \"a\", \"tagged\": \"yes\"}]}",
		    "policy.json:1: rules[0].tagged: want true or false");
	parse_fails("{\"version\": 1, \"rules\": [{\"name\": \"a\", \"tagged\": false,"
		    " \"keep_last\": 2}]}",
		    "policy.json:1: rules[0].tagged: false cannot be combined with keep_last: "
		    "untagged objects have no tag");
	parse_fails("{\"version\": 1, \"rules\": [{\"name\": \"a\", \"tag_include\": \"(\"}]}",
		    "policy.json:1: rules[0].tag_include: invalid regular expression '(': "
		    "Unmatched ( or \\(");
	parse_fails("{\"version\": 1, \"rules\": [{\"name\": \"a\"},\n{\"name\": \"a\"}]}",
		    "policy.json:2: rules[1].name: duplicate rule name 'a'");
	parse_fails("{\"version\": 1, \"rules\": [\n{\"kinds\": [\"image\"]}]}",
		    "policy.json:2: rules[0]: missing required key 'name'");
	parse_fails("{\"version\": 1, \"rules\": [{\"name\": \"\"}]}",
		    "policy.json:1: rules[0].name: must not be empty");
	parse_fails("{\"version\": 1, \"rules\": [{\"name\": 7}]}",
		    "policy.json:1: rules[0].name: want a string");
	parse_fails("{\"rules\": []}", "policy.json:1: missing required key 'version'");
	parse_fails("{\"version\": 2, \"rules\": []}",
		    "policy.json:1: version: unsupported version (want 1)");
	parse_fails("{\"version\": \"1\", \"rules\": []}",
		    "policy.json:1: version: unsupported version (want 1)");
	parse_fails("{\"version\": 1}", "policy.json:1: missing required key 'rules'");
	parse_fails("{\"version\": 1, \"rules\": {}}",
		    "policy.json:1: rules: want an array of rules");
	parse_fails("{\"version\": 1, \"rules\": [\"x\"]}",
		    "policy.json:1: rules[0]: want an object");
	parse_fails("{\"version\": 1, \"protect\": {\"labels\": [\"=x\"]}, \"rules\": []}",
		    "policy.json:1: protect.labels[0]: want KEY or KEY=VALUE, got '=x'");
	parse_fails("{\"version\": 1, \"protect\": {\"tags\": \"latest\"}, \"rules\": []}",
		    "policy.json:1: protect.tags: want an array of strings");
	parse_fails("{\"version\": 1, \"protect\": {\"tags\": [1]}, \"rules\": []}",
		    "policy.json:1: protect.tags[0]: want a string");
	parse_fails("{\"version\": 1, \"protect\": {\"in_use\": false}, \"rules\": []}",
		    "policy.json:1: protect.in_use: objects in use are always protected; only true "
		    "is accepted");
	parse_fails("{\"version\": 1,\n\"rules\": [],\n\"rules\": []}",
		    "policy.json:3: rules: duplicate key");
	parse_fails("[1]", "policy.json:1: want a JSON object with \"version\" and \"rules\"");
	parse_fails("{\"version\": 1, \"rules\": [{\"name\": \"a\",\n \"older_than\": \"30\"}]}",
		    "policy.json:2: rules[0].older_than: invalid duration '30'");
	parse_fails("{\"version\": 1, \"rules\": [{\"name\": \"a\", \"not_pulled_for\": \"\"}]}",
		    "policy.json:1: rules[0].not_pulled_for: invalid duration ''");
	parse_fails("{\"version\": 1, \"rules\": [{\"name\": \"a\", \"sources\": [\"\"]}]}",
		    "policy.json:1: rules[0].sources[0]: empty pattern ''");
	parse_fails("{\"version\": 1, \"rules\": [{\"name\": \"a\", \"kinds\": [\"container\"],"
		    " \"repositories\": [\"x\"]}]}",
		    "policy.json:1: rules[0].repositories: applies to kind image, tag or manifest, "
		    "which this rule does not select");
	/* a key whose name holds control characters is quoted safely */
	parse_fails("{\"version\": 1, \"rules\": [], \"a\\u0007\": 1}",
		    "policy.json:1: a?: unknown key 'a?'");
}

static void test_syntax_errors(void **state)
{
	static const char nul[] = "{\"version\": 1,\n\"rules\": []}\0 garbage";
	struct rp_policy p;
	struct rc_err err = RC_ERR_INIT;

	(void)state;
	parse_fails("{\n  \"version\": 1,\n  \"rules\": [,]\n}", "policy.json:3:13: invalid JSON");
	parse_fails("{\"version\": 1, \"rules\": []} trailing", "policy.json:1:29: invalid JSON");
	parse_fails("", "policy.json:1:1: invalid JSON");
	parse_fails("{\"version\": 1, \"rules\": [", "policy.json:1:26: invalid JSON");
	assert_int_equal(rp_policy_parse(nul, sizeof(nul) - 1, "p.json", &p, &err), -1);
	assert_string_equal(err.msg, "p.json:2: invalid JSON: NUL byte");
}

static void test_flags_default_is_system_prune(void **state)
{
	static const char equivalent[] =
	    "{\"version\": 1, \"protect\": {\"min_age\": \"60m\"}, \"rules\": ["
	    "{\"name\": \"stopped-containers\", \"kinds\": [\"container\"]},"
	    "{\"name\": \"dangling-images\", \"kinds\": [\"image\"], \"tagged\": false},"
	    "{\"name\": \"unused-networks\", \"kinds\": [\"network\"]},"
	    "{\"name\": \"build-cache\", \"kinds\": [\"build-cache\"]}]}";
	struct rp_flags f;
	struct rp_policy a, b;
	struct rc_err err = RC_ERR_INIT;
	char *ja, *jb;

	(void)state;
	rp_flags_init(&f);
	assert_int_equal(rp_policy_from_flags(&f, &a, &err), 0);
	parse_ok(equivalent, &b);
	ja = json_of(&a);
	jb = json_of(&b);
	assert_string_equal(ja, jb);
	assert_string_equal(
	    ja, "{\"version\":1,\"protect\":{\"min_age\":\"1h\",\"labels\":[],\"tags\":[],"
		"\"refs\":[]},\"rules\":[{\"name\":\"stopped-containers\",\"kinds\":["
		"\"container\"],\"states\":[\"created\",\"exited\",\"dead\"]},{\"name\":"
		"\"dangling-images\",\"kinds\":[\"image\"],\"tagged\":false},{\"name\":"
		"\"unused-networks\",\"kinds\":[\"network\"]},{\"name\":\"build-cache\","
		"\"kinds\":[\"build-cache\"],\"build_cache\":\"private\"}]}");
	free(ja);
	free(jb);
	rp_policy_release(&a);
	rp_policy_release(&b);
	rp_flags_release(&f);
}

static void test_flags_equal_policy_file(void **state)
{
	static const char equivalent[] =
	    "{\"version\": 1,\n"
	    " \"protect\": {\"min_age\": \"0\", \"labels\": [\"keep\", \"tier=db\"],"
	    " \"tags\": [\"latest\", \"v[0-9]*\"]},\n"
	    " \"rules\": [\n"
	    "  {\"name\": \"stopped-containers\", \"kinds\": [\"container\"], "
	    "\"states\": [\"dead\", \"created\", \"exited\"], \"older_than\": \"48h\"},\n"
	    "  {\"name\": \"unused-images\", \"kinds\": [\"image\"], \"older_than\": \"30d\"},\n"
	    "  {\"name\": \"unused-volumes\", \"kinds\": [\"volume\"], \"volumes\": \"all\"},\n"
	    "  {\"name\": \"unused-networks\", \"kinds\": [\"network\"]},\n"
	    "  {\"name\": \"build-cache\", \"kinds\": [\"build-cache\"], \"build_cache\": "
	    "\"private\"}\n"
	    " ]}\n";
	struct rp_flags f;
	struct rp_policy a, b;
	struct rc_err err = RC_ERR_INIT;
	char *ja, *jb;

	(void)state;
	rp_flags_init(&f);
	f.containers_older_than = 2 * 86400;
	f.images = RP_IMAGES_UNUSED;
	f.images_older_than = 30 * 86400;
	f.volumes = RP_VOLUMES_FLAG_ALL;
	f.min_age = 0;
	assert_int_equal(rc_strv_push(&f.keep_labels, "keep", &err), 0);
	assert_int_equal(rc_strv_push(&f.keep_labels, "tier=db", &err), 0);
	assert_int_equal(rc_strv_push(&f.keep_tags, "latest", &err), 0);
	assert_int_equal(rc_strv_push(&f.keep_tags, "v[0-9]*", &err), 0);
	assert_int_equal(rp_policy_from_flags(&f, &a, &err), 0);
	parse_ok(equivalent, &b);
	ja = json_of(&a);
	jb = json_of(&b);
	assert_string_equal(ja, jb);
	free(ja);
	free(jb);
	rp_policy_release(&a);
	rp_policy_release(&b);

	/* --volumes=anonymous builds the anonymous-volumes rule */
	f.volumes = RP_VOLUMES_FLAG_ANONYMOUS;
	assert_int_equal(rp_policy_from_flags(&f, &a, &err), 0);
	assert_string_equal(a.rules[2].name, "anonymous-volumes");
	assert_int_equal(a.rules[2].volumes, RP_VOLUMES_ANONYMOUS);
	rp_policy_release(&a);
	rp_flags_release(&f);
}

static void test_flags_invalid(void **state)
{
	struct rp_flags f;
	struct rp_policy p;
	struct rc_err err = RC_ERR_INIT;

	(void)state;
	rp_flags_init(&f);
	assert_int_equal(rc_strv_push(&f.keep_labels, "=prod", &err), 0);
	assert_int_equal(rp_policy_from_flags(&f, &p, &err), -1);
	assert_int_equal(err.kind, RC_ERR_USAGE);
	assert_string_equal(err.msg, "invalid --keep-label '=prod': want KEY or KEY=VALUE");
	rp_flags_release(&f);

	assert_int_equal(rc_strv_push(&f.keep_tags, "", &err), 0);
	assert_int_equal(rp_policy_from_flags(&f, &p, &err), -1);
	assert_string_equal(err.msg, "invalid --keep '': empty pattern");
	rp_flags_release(&f);
}

static void test_apply_flags(void **state)
{
	struct rp_flags f;
	struct rp_policy p;
	struct rc_err err = RC_ERR_INIT;

	(void)state;
	parse_ok("{\"version\": 1, \"protect\": {\"labels\": [\"a\"]}, \"rules\": []}", &p);
	rp_flags_init(&f);
	assert_int_equal(rc_strv_push(&f.keep_labels, "b=1", &err), 0);
	assert_int_equal(rc_strv_push(&f.keep_tags, "stable", &err), 0);
	f.min_age = 600;
	assert_int_equal(rp_policy_apply_flags(&p, &f, &err), 0);
	assert_int_equal(p.protect.labels.n, 2);
	assert_string_equal(p.protect.labels.v[1], "b=1");
	assert_int_equal(p.protect.tags.n, 1);
	assert_int_equal(p.protect.min_age, 600);

	f.images = RP_IMAGES_UNUSED;
	assert_int_equal(rp_policy_apply_flags(&p, &f, &err), -1);
	assert_int_equal(err.kind, RC_ERR_USAGE);
	assert_string_equal(err.msg, "--images cannot be combined with --policy: the policy's "
				     "rules select candidates");
	f.images = RP_IMAGES_UNSET;
	f.volumes = RP_VOLUMES_FLAG_ALL;
	assert_int_equal(rp_policy_apply_flags(&p, &f, &err), -1);
	assert_non_null(strstr(err.msg, "--volumes cannot be combined"));
	f.volumes = RP_VOLUMES_UNSET;
	f.containers_older_than = 60;
	assert_int_equal(rp_policy_apply_flags(&p, &f, &err), -1);
	assert_non_null(strstr(err.msg, "--containers-older-than cannot"));
	f.containers_older_than = -1;
	f.images_older_than = 60;
	assert_int_equal(rp_policy_apply_flags(&p, &f, &err), -1);
	assert_non_null(strstr(err.msg, "--images-older-than cannot"));
	rp_flags_release(&f);
	rp_policy_release(&p);
}

/* sources.dtr.age and --dtr-age: what a DTR tag's age measures, shown in
 * the effective policy whenever it is set */
static void test_dtr_age(void **state)
{
	struct rp_policy p, q;
	struct rp_flags f;
	struct rc_err err = RC_ERR_INIT;
	enum rp_dtr_age a = RP_DTR_AGE_UPDATED;
	char *j;

	(void)state;
	assert_int_equal(rp_dtr_age_parse("created", &a), 0);
	assert_int_equal(a, RP_DTR_AGE_CREATED);
	assert_int_equal(rp_dtr_age_parse("updated", &a), 0);
	assert_int_equal(a, RP_DTR_AGE_UPDATED);
	assert_int_equal(rp_dtr_age_parse("createdAt", &a), -1);
	assert_int_equal(rp_dtr_age_parse("Created", &a), -1);
	assert_int_equal(rp_dtr_age_parse("", &a), -1);
	assert_int_equal(rp_dtr_age_parse(NULL, &a), -1);
	assert_int_equal(a, RP_DTR_AGE_UPDATED); /* untouched on failure */
	assert_string_equal(rp_dtr_age_name(RP_DTR_AGE_CREATED), "created");
	assert_string_equal(rp_dtr_age_name(RP_DTR_AGE_UPDATED), "updated");

	/* default: updated, and not written unless set */
	parse_ok("{\"version\": 1, \"rules\": []}", &p);
	assert_int_equal(p.sources.dtr_age, RP_DTR_AGE_UPDATED);
	j = json_of(&p);
	assert_null(strstr(j, "sources"));
	free(j);
	rp_policy_release(&p);

	parse_ok("{\"version\": 1, \"rules\": [], \"sources\": {\"dtr\": {\"age\": \"created\"}}}",
		 &p);
	assert_int_equal(p.sources.dtr_age, RP_DTR_AGE_CREATED);
	j = json_of(&p);
	assert_non_null(strstr(j, "\"sources\":{\"dtr\":{\"age\":\"created\"}}"));
	/* the effective policy loads back to the same policy */
	parse_ok(j, &q);
	assert_int_equal(q.sources.dtr_age, RP_DTR_AGE_CREATED);
	free(j);
	rp_policy_release(&q);

	/* --dtr-age replaces the file's, as --min-age does */
	rp_flags_init(&f);
	f.dtr_age_given = 1;
	f.dtr_age = RP_DTR_AGE_UPDATED;
	assert_int_equal(rp_policy_apply_flags(&p, &f, &err), 0);
	assert_int_equal(p.sources.dtr_age, RP_DTR_AGE_UPDATED);
	j = json_of(&p);
	assert_non_null(strstr(j, "\"sources\":{\"dtr\":{\"age\":\"updated\"}}"));
	free(j);
	rp_policy_release(&p);

	/* without --policy: the flag builds the same setting */
	f.dtr_age = RP_DTR_AGE_CREATED;
	f.keep_last = 2;
	assert_int_equal(rp_policy_from_flags(&f, &p, &err), 0);
	assert_int_equal(p.sources.dtr_age, RP_DTR_AGE_CREATED);
	assert_int_equal(p.sources.dtr_shown, 1);
	rp_policy_release(&p);
	f.dtr_age_given = 0;
	assert_int_equal(rp_policy_from_flags(&f, &p, &err), 0);
	assert_int_equal(p.sources.dtr_age, RP_DTR_AGE_UPDATED);
	assert_int_equal(p.sources.dtr_shown, 0);
	rp_policy_release(&p);
	rp_flags_release(&f);

	parse_fails(
	    "{\"version\": 1, \"rules\": [],\n \"sources\": {\"dtr\": {\"age\": \"pushed\"}}}",
	    "policy.json:2: sources.dtr.age: want \"updated\" (updatedAt, the last push) "
	    "or \"created\" (createdAt)");
	parse_fails("{\"version\": 1, \"rules\": [], \"sources\": {\"dtr\": {\"age\": 1}}}",
		    "policy.json:1: sources.dtr.age: want \"updated\" (updatedAt, the last push) "
		    "or \"created\" (createdAt)");
	parse_fails("{\"version\": 1, \"rules\": [], \"sources\": {\"harbour\": {}}}",
		    "policy.json:1: sources.harbour: unknown key 'harbour'");
	parse_fails(
	    "{\"version\": 1, \"rules\": [], \"sources\": {\"dtr\": {\"agee\": \"created\"}}}",
	    "policy.json:1: sources.dtr.agee: unknown key 'agee'");
	parse_fails("{\"version\": 1, \"rules\": [], \"sources\": {\"dtr\": \"created\"}}",
		    "policy.json:1: sources.dtr: want an object such as {\"age\": \"updated\"}");
	parse_fails("{\"version\": 1, \"rules\": [], \"sources\": [\"dtr\"]}",
		    "policy.json:1: sources: want an object of source types (\"dtr\", \"harbor\")");
	parse_fails(
	    "{\"version\": 1, \"rules\": [], \"sources\": {\"dtr\": {\"age\": \"created\"}, "
	    "\"dtr\": {}}}",
	    "policy.json:1: sources.dtr: duplicate key");
}

static void test_load(void **state)
{
	char path[] = "/tmp/test_policy.XXXXXX";
	struct rp_policy p;
	struct rc_err err = RC_ERR_INIT;
	int fd;
	FILE *f;
	size_t i;

	(void)state;
	assert_int_equal(rp_policy_load("/nonexistent/policy.json", &p, &err), -1);
	assert_int_equal(err.kind, RC_ERR_IO);
	assert_non_null(strstr(err.msg, "/nonexistent/policy.json"));

	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs("{\"version\": 1,\n \"rules\": [{\"name\": \"x\", \"kinds\": [\"bogus\"]}]}", f);
	fclose(f);
	assert_int_equal(rp_policy_load(path, &p, &err), -1);
	assert_int_equal(err.kind, RC_ERR_POLICY);
	assert_non_null(strstr(err.msg, ":2: rules[0].kinds[0]: unknown kind 'bogus'"));
	assert_int_equal(strncmp(err.msg, path, strlen(path)), 0);

	/* over the 1 MiB cap */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"version\": 1, \"rules\": [], \"x\": \"", f);
	for (i = 0; i < (1u << 20); i++)
		fputc('a', f);
	fputs("\"}", f);
	fclose(f);
	assert_int_equal(rp_policy_load(path, &p, &err), -1);
	assert_int_equal(err.kind, RC_ERR_IO);
	unlink(path);
}

static void test_durations_exact(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(rp_format_duration_exact(0, b, sizeof(b)), "0");
	assert_string_equal(rp_format_duration_exact(45, b, sizeof(b)), "45s");
	assert_string_equal(rp_format_duration_exact(5400, b, sizeof(b)), "90m");
	assert_string_equal(rp_format_duration_exact(3600, b, sizeof(b)), "1h");
	assert_string_equal(rp_format_duration_exact(36 * 3600, b, sizeof(b)), "36h");
	assert_string_equal(rp_format_duration_exact(30 * 86400, b, sizeof(b)), "30d");
	assert_string_equal(rp_format_duration_exact(14 * 86400, b, sizeof(b)), "2w");
	assert_string_equal(rp_format_duration_exact(3661, b, sizeof(b)), "3661s");
	assert_int_equal(rp_state_bit("exited"), RP_STATE_EXITED);
	assert_int_equal(rp_state_bit("running"), 0);
	assert_int_equal(rp_state_bit(NULL), 0);
	assert_string_equal(rp_state_name(RP_STATE_DEAD), "dead");
	assert_null(rp_state_name(8));
}

static void test_free_empty(void **state)
{
	struct rp_policy p;
	struct rp_flags f;

	(void)state;
	rp_policy_init(&p);
	rp_policy_release(&p);
	rp_policy_release(NULL);
	rp_flags_init(&f);
	rp_flags_release(&f);
	rp_flags_release(NULL);
}

/* Every sample policy is valid; the prune-like sample is the flag default. */
static void test_samples_valid(void **state)
{
	glob_t g;
	size_t i;
	struct rp_policy p, d;
	struct rp_flags f;
	struct rc_err err = RC_ERR_INIT;
	int found_default = 0;

	(void)state;
	assert_int_equal(glob("samples/policies/*.json", 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 4);
	rp_flags_init(&f);
	assert_int_equal(rp_policy_from_flags(&f, &d, &err), 0);
	for (i = 0; i < g.gl_pathc; i++) {
		if (rp_policy_load(g.gl_pathv[i], &p, &err) != 0)
			fail_msg("%s", err.msg);
		if (strstr(g.gl_pathv[i], "prune-default.json")) {
			char *a = json_of(&p), *b = json_of(&d);
			assert_string_equal(a, b);
			free(a);
			free(b);
			found_default = 1;
		}
		rp_policy_release(&p);
	}
	assert_true(found_default);
	rp_policy_release(&d);
	globfree(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_full_policy),
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_errors_name_line_and_field),
	    cmocka_unit_test(test_syntax_errors),
	    cmocka_unit_test(test_flags_default_is_system_prune),
	    cmocka_unit_test(test_flags_equal_policy_file),
	    cmocka_unit_test(test_flags_invalid),
	    cmocka_unit_test(test_apply_flags),
	    cmocka_unit_test(test_dtr_age),
	    cmocka_unit_test(test_load),
	    cmocka_unit_test(test_durations_exact),
	    cmocka_unit_test(test_free_empty),
	    cmocka_unit_test(test_samples_valid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
