/* The JSON Schema subset: each keyword accepts what it should, refuses what
 * it should, and names the JSON path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "schema.h"

/* Returns 0 when instance conforms to schema; on failure checks the error
 * kind and that the message contains part. */
static int check(const char *schema, const char *instance, enum rc_err_kind kind, const char *part)
{
	struct rc_err err = RC_ERR_INIT;
	cJSON *s = cJSON_Parse(schema), *i = cJSON_Parse(instance);
	int rc;

	if (!s || !i)
		fail_msg("test JSON does not parse: %s / %s", schema, instance);
	rc = rc_schema_validate(s, i, "doc", RC_ERR_POLICY, &err);
	if (rc < 0) {
		if (err.kind != kind)
			fail_msg("%s vs %s: expected kind %s, got %s: %s", schema, instance,
				 rc_err_kind_name(kind), rc_err_kind_name(err.kind), err.msg);
		if (part && !strstr(err.msg, part))
			fail_msg("%s vs %s: message '%s' lacks '%s'", schema, instance, err.msg,
				 part);
	}
	cJSON_Delete(s);
	cJSON_Delete(i);
	return rc;
}

#define OK(s, i) assert_int_equal(check(s, i, RC_ERR_NONE, NULL), 0)
#define BAD(s, i, msg) assert_int_equal(check(s, i, RC_ERR_POLICY, msg), -1)
#define BROKEN(s, i, msg) assert_int_equal(check(s, i, RC_ERR_INTERNAL, msg), -1)

static void test_type(void **state)
{
	(void)state;
	OK("{\"type\":\"integer\"}", "5");
	OK("{\"type\":\"integer\"}", "-9007199254740991");
	OK("{\"type\":\"integer\"}", "2.0"); /* draft-07: no fraction is an integer */
	BAD("{\"type\":\"integer\"}", "2.5", "doc: expected integer");
	BAD("{\"type\":\"integer\"}", "\"5\"", "doc: expected integer");
	BAD("{\"type\":\"integer\"}", "9007199254740993", "doc: integer beyond 2^53-1");
	OK("{\"type\":\"number\"}", "2.5");
	BAD("{\"type\":\"number\"}", "null", "expected number");
	OK("{\"type\":\"string\"}", "\"\"");
	BAD("{\"type\":\"string\"}", "[]", "expected string");
	OK("{\"type\":\"boolean\"}", "false");
	BAD("{\"type\":\"boolean\"}", "0", "expected boolean");
	OK("{\"type\":\"null\"}", "null");
	OK("{\"type\":\"object\"}", "{}");
	BAD("{\"type\":\"object\"}", "[]", "expected object");
	OK("{\"type\":\"array\"}", "[]");
	OK("{\"type\":[\"string\",\"null\"]}", "null");
	BAD("{\"type\":[\"string\",\"null\"]}", "1", "doc: expected string or null");
	BROKEN("{\"type\":\"int\"}", "1", "unknown type name");
	BROKEN("{\"type\":[]}", "1", "non-empty array");
}

static void test_object_keywords(void **state)
{
	const char *s = "{\"type\":\"object\",\"required\":[\"a\"],\"additionalProperties\":false,"
			"\"properties\":{\"a\":{\"type\":\"integer\"},\"b\":{\"type\":\"object\","
			"\"properties\":{\"c\":{\"type\":\"string\"}}}}}";
	(void)state;
	OK(s, "{\"a\":1}");
	OK(s, "{\"a\":1,\"b\":{\"c\":\"x\",\"other\":1}}");
	BAD(s, "{}", "doc: missing required member 'a'");
	BAD(s, "{\"A\":1,\"a\":1}", "doc: unknown member 'A'"); /* case matters */
	BAD(s, "{\"a\":1,\"b\":{\"c\":5}}", "doc.b.c: expected string");
	BAD(s, "{\"a\":\"1\"}", "doc.a: expected integer");
	OK("{\"additionalProperties\":{\"type\":\"integer\"}}", "{\"x\":1,\"y\":2}");
	BAD("{\"additionalProperties\":{\"type\":\"integer\"}}", "{\"x\":1,\"y\":\"2\"}",
	    "doc.y: expected integer");
	/* Member names with control characters are sanitised in messages. */
	BAD(s, "{\"a\":1,\"x\\ny\":1}", "unknown member 'x?y'");
	BROKEN("{\"required\":\"a\"}", "{}", "required must be an array");
}

static void test_array_keywords(void **state)
{
	const char *s =
	    "{\"type\":\"array\",\"minItems\":1,\"maxItems\":3,"
	    "\"items\":{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\","
	    "\"minimum\":-1,\"maximum\":10}}}}";
	(void)state;
	OK(s, "[{\"n\":-1},{\"n\":10},{}]");
	BAD(s, "[]", "doc: must have at least 1 items");
	BAD(s, "[{},{},{},{}]", "doc: must have at most 3 items");
	BAD(s, "[{\"n\":1},{\"n\":-2}]", "doc[1].n: must be at least -1");
	BAD(s, "[{\"n\":1},{\"n\":11}]", "doc[1].n: must be at most 10");
	BAD(s, "[{\"n\":1},{\"n\":2},5]", "doc[2]: expected object");
	BAD("{\"items\":{\"items\":{\"type\":\"string\"}}}", "[[\"a\"],[\"b\",3]]",
	    "doc[1][1]: expected string");
}

static void test_string_keywords(void **state)
{
	const char *digest = "{\"type\":\"string\",\"pattern\":\"^sha256:[0-9a-f]{64}$\"}";
	(void)state;
	OK(digest, "\"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"");
	BAD(digest, "\"sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855\"",
	    "doc: does not match the pattern");
	BAD(digest, "\"xsha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"",
	    "does not match");
	BAD(digest, "\"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85\"",
	    "does not match");
	OK("{\"pattern\":\"^a\"}", "5"); /* pattern applies to strings only */
	OK("{\"minLength\":2,\"maxLength\":3}", "\"\xc3\xa9\xc3\xa9\xc3\xa9\""); /* 3 code points */
	BAD("{\"maxLength\":2}", "\"\xc3\xa9\xc3\xa9\xc3\xa9\"",
	    "doc: must have at most 2 characters");
	BAD("{\"minLength\":1}", "\"\"", "doc: must have at least 1 characters");
	BROKEN("{\"pattern\":\"([\"}", "\"x\"", "not a POSIX extended regular expression");
	BROKEN("{\"minLength\":-1}", "\"x\"", "non-negative");
}

static void test_enum_const(void **state)
{
	const char *kinds = "{\"enum\":[\"container\",\"image\",\"build-cache\"]}";
	(void)state;
	OK(kinds, "\"build-cache\"");
	BAD(kinds, "\"Image\"", "doc: must be one of [\"container\",\"image\",\"build-cache\"]");
	BAD(kinds, "1", "must be one of");
	OK("{\"const\":1}", "1");
	BAD("{\"const\":1}", "2", "doc: must be 1");
	BAD("{\"const\":1}", "\"1\"", "doc: must be 1");
	OK("{\"const\":{\"a\":[1]}}", "{\"a\":[1]}");
	BAD("{\"const\":\"reclaim-plan\"}", "\"reclaim-plan \"", "must be \"reclaim-plan\"");
}

static void test_ref_and_combinators(void **state)
{
	const char *s = "{\"definitions\":{\"pos\":{\"type\":\"integer\",\"minimum\":1},"
			"\"list\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/definitions/pos\"}}},"
			"\"properties\":{\"l\":{\"$ref\":\"#/definitions/list\"}}}";
	const char *one = "{\"oneOf\":[{\"type\":\"integer\"},{\"minimum\":0}]}";
	(void)state;
	OK(s, "{\"l\":[1,2]}");
	BAD(s, "{\"l\":[1,0]}", "doc.l[1]: must be at least 1");
	BROKEN("{\"$ref\":\"#/definitions/none\"}", "1", "unresolvable $ref");
	BROKEN("{\"$ref\":\"http://example.com/s\"}", "1", "unresolvable $ref");
	BROKEN("{\"definitions\":{\"loop\":{\"$ref\":\"#/definitions/loop\"}},"
	       "\"$ref\":\"#/definitions/loop\"}",
	       "1", "$ref nests too deeply");
	OK("{\"$defs\":{\"s\":{\"type\":\"string\"}},\"$ref\":\"#/$defs/s\"}", "\"x\"");
	OK("{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"null\"}]}", "null");
	BAD("{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"null\"}]}", "1", "doc: expected string");
	OK(one, "-1"); /* integer only */
	OK(one, "0.5"); /* minimum only */
	BAD(one, "3", "more than one of the oneOf");
	BAD(one, "-0.5", "doc: expected integer");
	OK("{\"allOf\":[{\"type\":\"integer\"},{\"minimum\":3}]}", "3");
	BAD("{\"allOf\":[{\"type\":\"integer\"},{\"minimum\":3}]}", "2", "must be at least 3");
	OK("{\"not\":{\"required\":[\"x\"]}}", "{\"y\":1}");
	BAD("{\"not\":{\"required\":[\"x\"]}}", "{\"x\":1}", "doc: matches a schema it must not");
	OK("true", "[1]");
	BAD("false", "1", "no value is allowed");
}

/* One compiled schema for many instances (a plan's items): checked against
 * a named definition, the pattern compiled once and kept, messages rooted
 * where the caller says, and a bad reference is the schema's fault. */
static void test_reused_context(void **state)
{
	cJSON *schema = cJSON_Parse("{\"definitions\":{\"id\":{\"type\":\"string\","
				    "\"pattern\":\"^[a-f]+$\"}},\"type\":\"object\"}");
	cJSON *good = cJSON_Parse("\"abc\""), *bad = cJSON_Parse("\"xyz\"");
	struct rc_err err = RC_ERR_INIT;
	struct rc_schema *v;

	(void)state;
	assert_non_null(schema);
	v = rc_schema_open(schema, RC_ERR_PLAN, &err);
	assert_non_null(v);
	for (int i = 0; i < 100; i++)
		assert_int_equal(rc_schema_check(v, "#/definitions/id", good, "x", &err), 0);
	assert_int_equal(rc_schema_check(v, "#/definitions/id", bad, "plan.items[7]", &err), -1);
	assert_int_equal(err.kind, RC_ERR_PLAN);
	assert_non_null(strstr(err.msg, "plan.items[7]: "));
	err = (struct rc_err)RC_ERR_INIT;
	/* the path starts afresh on each call */
	assert_int_equal(rc_schema_check(v, "#", good, "doc", &err), -1);
	assert_string_equal(err.msg, "doc: expected object");
	err = (struct rc_err)RC_ERR_INIT;
	assert_int_equal(rc_schema_check(v, "#/definitions/none", good, "doc", &err), -1);
	assert_int_equal(err.kind, RC_ERR_INTERNAL);
	rc_schema_close(v);
	rc_schema_close(NULL);
	cJSON_Delete(schema);
	cJSON_Delete(good);
	cJSON_Delete(bad);
}

/* reclaim's writer emits exact int64 values as cJSON Raw nodes. */
/* if/then/else (draft-07): the "if" outcome only picks a branch; errors come
 * from the branch, with the path of the member that broke it. */
static void test_if_then_else(void **state)
{
	const char *s = "{\"if\":{\"properties\":{\"kind\":{\"const\":\"a\"}}},"
			"\"then\":{\"properties\":{\"pre\":{\"required\":[\"x\"]}}},"
			"\"else\":{\"properties\":{\"pre\":{\"additionalProperties\":false}}}}";
	(void)state;
	OK(s, "{\"kind\":\"a\",\"pre\":{\"x\":1}}");
	BAD(s, "{\"kind\":\"a\",\"pre\":{}}", "doc.pre: missing required member 'x'");
	OK(s, "{\"kind\":\"b\",\"pre\":{}}");
	BAD(s, "{\"kind\":\"b\",\"pre\":{\"x\":1}}", "doc.pre: unknown member 'x'");
	/* then/else without if mean nothing; an if without branches neither */
	OK("{\"then\":false,\"else\":false}", "1");
	OK("{\"if\":false}", "1");
	OK("{\"if\":true,\"else\":false}", "1");
	BAD("{\"if\":true,\"then\":false}", "1", "no value is allowed");
	BROKEN("{\"if\":{\"frobnicate\":1},\"then\":true}", "1", "unsupported keyword");
}

static void test_raw_integers(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	cJSON *s = cJSON_Parse("{\"type\":\"integer\",\"minimum\":-1,\"maximum\":"
			       "9007199254740991}");
	cJSON *r;

	(void)state;
	r = cJSON_CreateRaw("5000000000");
	assert_int_equal(rc_schema_validate(s, r, "doc", RC_ERR_PLAN, &err), 0);
	cJSON_Delete(r);
	r = cJSON_CreateRaw("-2");
	assert_int_equal(rc_schema_validate(s, r, "doc", RC_ERR_PLAN, &err), -1);
	assert_string_equal(err.msg, "doc: must be at least -1");
	cJSON_Delete(r);
	r = cJSON_CreateRaw("1.5");
	assert_int_equal(rc_schema_validate(s, r, "doc", RC_ERR_PLAN, &err), -1);
	assert_string_equal(err.msg, "doc: expected integer");
	cJSON_Delete(r);
	r = cJSON_CreateRaw("9007199254740992");
	assert_int_equal(rc_schema_validate(s, r, "doc", RC_ERR_PLAN, &err), -1);
	cJSON_Delete(r);
	cJSON_Delete(s);
}

static void test_unsupported_keywords_are_loud(void **state)
{
	(void)state;
	BROKEN("{\"format\":\"date-time\"}", "\"x\"", "unsupported keyword 'format'");
	BROKEN("{\"uniqueItems\":true}", "[]", "unsupported keyword 'uniqueItems'");
	BROKEN("{\"exclusiveMinimum\":0}", "1", "unsupported keyword");
	/* Annotations are fine. */
	OK("{\"title\":\"t\",\"description\":\"d\",\"$comment\":\"c\",\"default\":1,"
	   "\"examples\":[1],\"$schema\":\"http://json-schema.org/draft-07/schema#\"}",
	   "1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_type),
	    cmocka_unit_test(test_object_keywords),
	    cmocka_unit_test(test_array_keywords),
	    cmocka_unit_test(test_string_keywords),
	    cmocka_unit_test(test_enum_const),
	    cmocka_unit_test(test_ref_and_combinators),
	    cmocka_unit_test(test_raw_integers),
	    cmocka_unit_test(test_if_then_else),
	    cmocka_unit_test(test_reused_context),
	    cmocka_unit_test(test_unsupported_keywords_are_loud),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
