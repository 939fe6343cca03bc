/* RFC 8785 canonical form: member order, string escapes, numbers, refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "jcs.h"
#include "plan.h"
#include "sha256.h"

/* Canonicalises JSON text; returns an owned string or NULL with err. */
static char *canon_text(const char *json, struct rc_err *err)
{
	cJSON *j = cJSON_Parse(json);
	struct rc_buf b = RC_BUF_INIT;
	char *s = NULL;

	assert_non_null(j);
	rc_buf_init(&b, 0);
	if (rc_jcs_serialize(j, &b, err) == 0)
		s = rc_buf_detach(&b);
	rc_buf_release(&b);
	cJSON_Delete(j);
	return s;
}

static void expect_canon(const char *json, const char *want)
{
	struct rc_err err = RC_ERR_INIT;
	char *got = canon_text(json, &err);

	if (!got)
		fail_msg("canonicalising %s failed: %s", json, err.msg);
	assert_string_equal(got, want);
	free(got);
}

static void expect_refused(cJSON *j, const char *msg_part)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_buf b = RC_BUF_INIT;

	rc_buf_init(&b, 0);
	assert_int_equal(rc_jcs_serialize(j, &b, &err), -1);
	assert_int_equal(err.kind, RC_ERR_PLAN);
	if (!strstr(err.msg, msg_part))
		fail_msg("message '%s' lacks '%s'", err.msg, msg_part);
	rc_buf_release(&b);
	cJSON_Delete(j);
}

/* RFC 8785 section 3.2.3: names sort by UTF-16 code units, so U+1F600
 * (surrogates D83D DE00) comes before U+FB33, unlike code point order. */
static void test_rfc8785_member_order(void **state)
{
	(void)state;
	expect_canon(
	    "{\"\\u20ac\":\"Euro Sign\",\"\\r\":\"Carriage Return\","
	    "\"\\ufb33\":\"Hebrew Letter Dalet With Dagesh\",\"1\":\"One\","
	    "\"\\ud83d\\ude00\":\"Emoji: Grinning Face\",\"\\u0080\":\"Control\","
	    "\"\\u00f6\":\"Latin Small Letter O With Diaeresis\"}",
	    "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xc2\x80\":\"Control\","
	    "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\",\"\xe2\x82\xac\":\"Euro "
	    "Sign\",\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\",\"\xef\xac\xb3\":\"Hebrew "
	    "Letter Dalet With Dagesh\"}");
}

static void test_keycmp_utf16(void **state)
{
	(void)state;
	assert_true(rc_jcs_keycmp("a", "b") < 0);
	assert_true(rc_jcs_keycmp("", "a") < 0);
	assert_true(rc_jcs_keycmp("ab", "a") > 0);
	assert_int_equal(rc_jcs_keycmp("\xc3\xb6", "\xc3\xb6"), 0);
	/* U+FB33 vs U+1F600: UTF-8 bytes and code points say FB33 first,
	 * UTF-16 units (FB33 vs D83D) say the emoji first. */
	assert_true(strcmp("\xef\xac\xb3", "\xf0\x9f\x98\x80") < 0);
	assert_true(rc_jcs_keycmp("\xef\xac\xb3", "\xf0\x9f\x98\x80") > 0);
	/* Upper case sorts before lower case (code unit order, not locale). */
	assert_true(rc_jcs_keycmp("Z", "a") < 0);
}

static void test_nested_and_arrays(void **state)
{
	(void)state;
	expect_canon(
	    "{ \"b\" : [3, {\"z\":null,\"y\":true}, \"x\"], \"a\" : {\"d\":false,\"c\":{}} ,"
	    " \"e\": [] }",
	    "{\"a\":{\"c\":{},\"d\":false},\"b\":[3,{\"y\":true,\"z\":null},\"x\"],\"e\":[]}");
	expect_canon("[]", "[]");
	expect_canon("\"s\"", "\"s\"");
	expect_canon("null", "null");
}

/* RFC 8785 section 3.2.2.2 example plus every control character. */
static void test_string_escapes(void **state)
{
	char in[64], want[256];
	struct rc_err err = RC_ERR_INIT;

	(void)state;
	expect_canon("\"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\"",
		     "\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"");
	expect_canon("\"\\b\\f\\n\\r\\t\\u0001\\u001f\\u007f\\u00e9\"",
		     "\"\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\xc3\xa9\"");
	/* Each control character 0x01..0x1f written from a C string. */
	for (int c = 1; c < 0x20; c++) {
		cJSON *s;
		struct rc_buf b = RC_BUF_INIT;
		const char *short_esc = c == 8	  ? "\\b"
					: c == 9  ? "\\t"
					: c == 10 ? "\\n"
					: c == 12 ? "\\f"
					: c == 13 ? "\\r"
						  : NULL;

		in[0] = 'x';
		in[1] = (char)c;
		in[2] = '\0';
		if (short_esc)
			snprintf(want, sizeof(want), "\"x%s\"", short_esc);
		else
			snprintf(want, sizeof(want), "\"x\\u%04x\"", c);
		s = cJSON_CreateString(in);
		rc_buf_init(&b, 0);
		assert_int_equal(rc_jcs_serialize(s, &b, &err), 0);
		assert_string_equal(b.data, want);
		rc_buf_release(&b);
		cJSON_Delete(s);
	}
}

static void test_integers(void **state)
{
	(void)state;
	expect_canon("[0,-0,1,-1,42,1E3,9007199254740991,-9007199254740991]",
		     "[0,0,1,-1,42,1000,9007199254740991,-9007199254740991]");
}

static void test_raw_integers(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_buf b = RC_BUF_INIT;
	cJSON *o = cJSON_CreateObject();

	(void)state;
	cJSON_AddItemToObject(o, "b", cJSON_CreateRaw("9007199254740991"));
	cJSON_AddItemToObject(o, "a", cJSON_CreateRaw("-123456789012"));
	cJSON_AddItemToObject(o, "c", cJSON_CreateRaw("0"));
	rc_buf_init(&b, 0);
	assert_int_equal(rc_jcs_serialize(o, &b, &err), 0);
	assert_string_equal(b.data, "{\"a\":-123456789012,\"b\":9007199254740991,\"c\":0}");
	rc_buf_release(&b);
	cJSON_Delete(o);
}

static void test_refuses_non_integers(void **state)
{
	(void)state;
	expect_refused(cJSON_CreateNumber(1.5), "not an integer");
	expect_refused(cJSON_CreateNumber(9007199254740992.0), "not an integer");
	expect_refused(cJSON_CreateNumber(-9007199254740992.0), "not an integer");
	expect_refused(cJSON_CreateNumber(1e300), "not an integer");
	expect_refused(cJSON_Parse("{\"a\":[0.1]}"), "not an integer");
	expect_refused(cJSON_CreateRaw("1.5"), "raw value");
	expect_refused(cJSON_CreateRaw("9007199254740992"), "raw value");
	expect_refused(cJSON_CreateRaw("99999999999999999999999"), "raw value");
	expect_refused(cJSON_CreateRaw("01"), "raw value");
	expect_refused(cJSON_CreateRaw("12 "), "raw value");
	expect_refused(cJSON_CreateRaw(""), "raw value");
	expect_refused(cJSON_CreateRaw("{\"a\":1}"), "raw value");
	expect_refused(cJSON_CreateRaw("-"), "raw value");
}

static void test_refuses_invalid_utf8(void **state)
{
	static const char *const bad[] = {
	    "\xff", /* never valid */
	    "a\x80", /* lone continuation byte */
	    "\xc0\xaf", /* overlong '/' */
	    "\xe0\x80\xaf", /* overlong, 3 bytes */
	    "\xed\xa0\x80", /* UTF-16 surrogate D800 */
	    "\xf4\x90\x80\x80", /* beyond U+10FFFF */
	    "\xe2\x82", /* truncated euro sign */
	    "\xf8\x88\x80\x80\x80",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cJSON *o = cJSON_CreateObject();
		assert_false(rc_utf8_valid(bad[i], strlen(bad[i])));
		expect_refused(cJSON_CreateString(bad[i]), "UTF-8");
		cJSON_AddNumberToObject(o, bad[i], 1);
		expect_refused(o, "UTF-8");
	}
	assert_true(rc_utf8_valid("\xf4\x8f\xbf\xbf", 4)); /* U+10FFFF itself */
	assert_true(rc_utf8_valid("", 0));
}

static void test_refuses_duplicate_names(void **state)
{
	(void)state;
	expect_refused(cJSON_Parse("{\"a\":1,\"b\":2,\"a\":3}"), "duplicate member name 'a'");
	expect_refused(cJSON_Parse("[{\"x\":{\"q\":1,\"q\":1}}]"), "duplicate");
}

static void test_json_digest(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	cJSON *j = cJSON_Parse("{ \"b\": 1, \"a\": \"x\" }");
	char hexs[65];
	char *d;

	(void)state;
	/* Independent check: the digest is SHA-256 of the exact bytes
	 * {"a":"x","b":1}; python3 -c 'import hashlib;
	 * print(hashlib.sha256(b"{\"a\":\"x\",\"b\":1}").hexdigest())' */
	d = rc_json_digest(j, &err);
	assert_non_null(d);
	assert_string_equal(
	    d, "sha256:cdab067e9f3beb32d1252cfd63e492592fecbf591b0d08cadb24bb17f3864246");
	assert_int_equal(rc_sha256_hex("{\"a\":\"x\",\"b\":1}", 15, hexs, &err), 0);
	assert_string_equal(d + 7, hexs);
	free(d);
	cJSON_Delete(j);
	j = cJSON_CreateNumber(0.5);
	assert_null(rc_json_digest(j, &err));
	assert_int_equal(err.kind, RC_ERR_PLAN);
	cJSON_Delete(j);
}

static void test_buffer_limit(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_buf b = RC_BUF_INIT;
	cJSON *j = cJSON_Parse("{\"key\":\"a long enough value\"}");

	(void)state;
	rc_buf_init(&b, 10);
	assert_int_equal(rc_jcs_serialize(j, &b, &err), -1);
	assert_int_equal(err.kind, RC_ERR_PROTOCOL);
	rc_buf_release(&b);
	cJSON_Delete(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc8785_member_order),
	    cmocka_unit_test(test_keycmp_utf16),
	    cmocka_unit_test(test_nested_and_arrays),
	    cmocka_unit_test(test_string_escapes),
	    cmocka_unit_test(test_integers),
	    cmocka_unit_test(test_raw_integers),
	    cmocka_unit_test(test_refuses_non_integers),
	    cmocka_unit_test(test_refuses_invalid_utf8),
	    cmocka_unit_test(test_refuses_duplicate_names),
	    cmocka_unit_test(test_json_digest),
	    cmocka_unit_test(test_buffer_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
