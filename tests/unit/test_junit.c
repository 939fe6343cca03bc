/* JUnit XML: structure, counts, attributes and escaping, read back with
 * libxml2's parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "buf.h"
#include "fsutil.h"
#include "junit.h"

static xmlDocPtr parse(const struct rc_buf *b)
{
	xmlDocPtr doc = xmlReadMemory(b->data, (int)b->len, "junit.xml", NULL,
				      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	assert_non_null(doc);
	return doc;
}

/* The string value of an XPath expression; owned. */
static char *xp(xmlDocPtr doc, const char *expr)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr o;
	xmlChar *s;
	char *r;

	assert_non_null(ctx);
	o = xmlXPathEvalExpression(BAD_CAST expr, ctx);
	assert_non_null(o);
	s = xmlXPathCastToString(o);
	r = strdup((const char *)s);
	xmlFree(s);
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(ctx);
	return r;
}

static void expect_xp(xmlDocPtr doc, const char *expr, const char *want)
{
	char *got = xp(doc, expr);
	if (strcmp(got, want) != 0)
		fail_msg("%s: got '%s', want '%s'", expr, got, want);
	free(got);
}

static struct rc_junit *sample(void)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_junit *j = rc_junit_new("reclaim-plan");
	struct rc_junit_case c;

	assert_non_null(j);
	assert_int_equal(rc_junit_suite(j, "engine", &err), 0);
	memset(&c, 0, sizeof(c));
	c.name = "engine/container/c0ffee";
	c.classname = "engine.container";
	c.time = 0.25;
	assert_int_equal(rc_junit_add(j, &c, &err), 0);
	c.name = "engine/image/sha256:aaaa";
	c.classname = "engine.image";
	c.result = RC_JUNIT_FAIL;
	c.message = "cannot delete 'app:1.0': HTTP 409 <conflict> & \"quoted\"";
	c.type = "http";
	c.system_out = "line 1\nline 2 </system-out> ]]> <![CDATA[";
	assert_int_equal(rc_junit_add(j, &c, &err), 0);
	memset(&c, 0, sizeof(c));
	c.name = "engine/volume/data";
	c.result = RC_JUNIT_SKIP;
	c.message = "changed: now used by container 'db'";
	assert_int_equal(rc_junit_add(j, &c, &err), 0);
	assert_int_equal(rc_junit_suite(j, "registry", &err), 0);
	memset(&c, 0, sizeof(c));
	c.name = "ctl\x01\x1f char\tand \xff bad utf8 \xe2\x82\xac ok";
	c.result = RC_JUNIT_ERROR;
	c.message = "boom";
	c.type = "connect";
	c.time = 1.5;
	assert_int_equal(rc_junit_add(j, &c, &err), 0);
	return j;
}

static void test_structure_and_counts(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_junit *j = sample();
	struct rc_buf b = RC_BUF_INIT;
	xmlDocPtr doc;

	(void)state;
	rc_buf_init(&b, 0);
	assert_int_equal(rc_junit_render(j, &b, &err), 0);
	assert_non_null(strstr(b.data, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
	doc = parse(&b);
	expect_xp(doc, "name(/*)", "testsuites");
	expect_xp(doc, "string(/testsuites/@name)", "reclaim-plan");
	expect_xp(doc, "string(/testsuites/@tests)", "4");
	expect_xp(doc, "string(/testsuites/@failures)", "1");
	expect_xp(doc, "string(/testsuites/@skipped)", "1");
	expect_xp(doc, "string(/testsuites/@errors)", "1");
	expect_xp(doc, "string(/testsuites/@time)", "2.000");
	expect_xp(doc, "count(/testsuites/testsuite)", "2");
	expect_xp(doc, "string(/testsuites/testsuite[1]/@name)", "engine");
	expect_xp(doc, "string(/testsuites/testsuite[1]/@tests)", "3");
	expect_xp(doc, "string(/testsuites/testsuite[1]/@failures)", "1");
	expect_xp(doc, "string(/testsuites/testsuite[1]/@skipped)", "1");
	expect_xp(doc, "string(/testsuites/testsuite[1]/@errors)", "0");
	expect_xp(doc, "string(/testsuites/testsuite[1]/@time)", "0.500");
	expect_xp(doc, "string(/testsuites/testsuite[2]/@errors)", "1");
	expect_xp(doc, "string(/testsuites/testsuite[1]/testcase[1]/@name)",
		  "engine/container/c0ffee");
	expect_xp(doc, "string(/testsuites/testsuite[1]/testcase[1]/@classname)",
		  "engine.container");
	expect_xp(doc, "string(/testsuites/testsuite[1]/testcase[1]/@time)", "0.250");
	expect_xp(doc, "count(/testsuites/testsuite[1]/testcase[1]/*)", "0");
	/* Special characters survive the round trip exactly. */
	expect_xp(doc, "string(//testcase[2]/failure/@message)",
		  "cannot delete 'app:1.0': HTTP 409 <conflict> & \"quoted\"");
	expect_xp(doc, "string(//testcase[2]/failure/@type)", "http");
	expect_xp(doc, "string(//testcase[2]/system-out)",
		  "line 1\nline 2 </system-out> ]]> <![CDATA[");
	/* Skipped: message, no type; classname defaults to the suite. */
	expect_xp(doc, "string(//testcase[3]/skipped/@message)",
		  "changed: now used by container 'db'");
	expect_xp(doc, "count(//testcase[3]/skipped/@type)", "0");
	expect_xp(doc, "string(//testcase[3]/@classname)", "engine");
	/* Forbidden characters and broken UTF-8 become '?'; valid UTF-8 stays. */
	expect_xp(doc, "string(/testsuites/testsuite[2]/testcase/@name)",
		  "ctl?? char\tand ? bad utf8 \xe2\x82\xac ok");
	expect_xp(doc, "string(/testsuites/testsuite[2]/testcase/error/@type)", "connect");
	xmlFreeDoc(doc);
	rc_buf_release(&b);
	rc_junit_free(j);
}

static void test_empty_and_default_suite(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_junit *j = rc_junit_new(NULL);
	struct rc_junit_case c = {0};
	struct rc_buf b = RC_BUF_INIT;
	xmlDocPtr doc;

	(void)state;
	rc_buf_init(&b, 0);
	assert_int_equal(rc_junit_render(j, &b, &err), 0);
	doc = parse(&b);
	expect_xp(doc, "string(/testsuites/@tests)", "0");
	expect_xp(doc, "count(/testsuites/testsuite)", "0");
	expect_xp(doc, "count(/testsuites/@name)", "0");
	xmlFreeDoc(doc);
	rc_buf_reset(&b);
	/* A case without a suite starts a default one; a case needs a name. */
	assert_int_equal(rc_junit_add(j, &c, &err), -1);
	assert_int_equal(err.kind, RC_ERR_INTERNAL);
	c.name = "x";
	assert_int_equal(rc_junit_add(j, &c, &err), 0);
	assert_int_equal(rc_junit_render(j, &b, &err), 0);
	doc = parse(&b);
	expect_xp(doc, "string(/testsuites/testsuite/@name)", "reclaim");
	expect_xp(doc, "string(/testsuites/testsuite/@tests)", "1");
	xmlFreeDoc(doc);
	rc_buf_release(&b);
	rc_junit_free(j);
	rc_junit_free(NULL);
}

static void test_write_file(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_junit *j = sample();
	struct rc_buf b = RC_BUF_INIT, want = RC_BUF_INIT;
	char dir[] = "/tmp/test_junit.XXXXXX", path[128];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/report.xml", dir);
	assert_int_equal(rc_junit_write(j, path, &err), 0);
	assert_int_equal(rc_read_file(path, 1 << 20, &b, &err), 0);
	rc_buf_init(&want, 0);
	assert_int_equal(rc_junit_render(j, &want, &err), 0);
	assert_string_equal(b.data, want.data);
	unlink(path);
	snprintf(path, sizeof(path), "%s/missing/report.xml", dir);
	assert_int_equal(rc_junit_write(j, path, &err), -1);
	assert_int_equal(err.kind, RC_ERR_IO);
	assert_non_null(strstr(err.msg, "cannot write JUnit report: "));
	rmdir(dir);
	rc_buf_release(&b);
	rc_buf_release(&want);
	rc_junit_free(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_structure_and_counts),
	    cmocka_unit_test(test_empty_and_default_suite),
	    cmocka_unit_test(test_write_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
