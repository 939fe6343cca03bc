/* test_buf.c: the bounded buffer and the error carrier. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "err.h"

static void test_init_is_empty_string(void **state)
{
	struct rc_buf b;
	(void)state;
	rc_buf_init(&b, 0);
	assert_non_null(b.data);
	assert_string_equal(b.data, "");
	assert_int_equal(b.len, 0);
	assert_int_equal(b.max, RC_BUF_DEFAULT_MAX);
	rc_buf_release(&b);
	rc_buf_release(&b); /* twice is fine */
	assert_string_equal(b.data, "");
}

static void test_append_puts_printf(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_buf b;
	int i;
	(void)state;
	rc_buf_init(&b, 0);
	assert_int_equal(rc_buf_append(&b, "ab\0cd", 5, &err), 0);
	assert_int_equal(b.len, 5);
	assert_memory_equal(b.data, "ab\0cd", 6); /* NUL-terminated too */
	rc_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	assert_int_equal(rc_buf_puts(&b, "x=", &err), 0);
	assert_int_equal(rc_buf_printf(&b, &err, "%d/%s", 42, "y"), 0);
	assert_string_equal(b.data, "x=42/y");
	for (i = 0; i < 1000; i++) /* forces several reallocations */
		assert_int_equal(rc_buf_puts(&b, "0123456789", &err), 0);
	assert_int_equal(b.len, 6 + 10000);
	assert_int_equal(b.data[b.len], '\0');
	rc_buf_release(&b);
}

static void test_cap_is_enforced(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_buf b;
	(void)state;
	rc_buf_init(&b, 8);
	assert_int_equal(rc_buf_append(&b, "12345678", 8, &err), 0); /* exactly max */
	assert_int_equal(rc_buf_append(&b, "9", 1, &err), -1);
	assert_int_equal(err.kind, RC_ERR_PROTOCOL);
	assert_non_null(strstr(err.msg, "8 byte limit"));
	assert_string_equal(b.data, "12345678"); /* unchanged on failure */
	rc_buf_reset(&b);
	assert_int_equal(rc_buf_printf(&b, &err, "%s", "123456789"), -1);
	assert_int_equal(b.len, 0);
	/* a length that would overflow size_t arithmetic is refused, not wrapped */
	assert_int_equal(rc_buf_append(&b, "x", SIZE_MAX, &err), -1);
	rc_buf_release(&b);
}

static void test_detach_transfers_ownership(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_buf b;
	char *s;
	(void)state;
	rc_buf_init(&b, 100);
	s = rc_buf_detach(&b); /* empty: still an owned string */
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
	assert_int_equal(rc_buf_puts(&b, "hello", &err), 0);
	s = rc_buf_detach(&b);
	assert_string_equal(s, "hello");
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	assert_int_equal(b.max, 100); /* the cap survives */
	free(s);
	rc_buf_release(&b);
}

static void test_err_set_and_prefix(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	(void)state;
	assert_int_equal(rc_err_set(&err, RC_ERR_HTTP, "cannot fetch '%s': HTTP %d", "/v2/", 500),
			 -1);
	err.http_status = 500;
	assert_int_equal(rc_err_prefix(&err, "registry '%s'", "r.example"), -1);
	assert_string_equal(err.msg, "registry 'r.example': cannot fetch '/v2/': HTTP 500");
	assert_int_equal(err.kind, RC_ERR_HTTP);
	assert_int_equal(err.http_status, 500); /* prefix keeps kind and status */
	assert_string_equal(rc_err_kind_name(err.kind), "http");
	rc_err_clear(&err);
	assert_int_equal(err.kind, RC_ERR_NONE);
	assert_string_equal(err.msg, "");
	assert_int_equal(rc_err_set(NULL, RC_ERR_IO, "x"), -1); /* NULL err is allowed */
	assert_string_equal(rc_err_kind_name((enum rc_err_kind)999), "unknown");
}

static void test_err_sys(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	(void)state;
	assert_int_equal(rc_err_sys(&err, ENOENT, "cannot open '%s'", "/nope"), -1);
	assert_int_equal(err.kind, RC_ERR_IO);
	assert_int_equal(err.sys_errno, ENOENT);
	assert_string_equal(err.msg, "cannot open '/nope': No such file or directory");
}

static void test_err_long_messages_truncate(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	char big[3000];
	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	rc_err_set(&err, RC_ERR_PROTOCOL, "%s", big);
	assert_int_equal(strlen(err.msg), RC_ERR_MSG_MAX - 1);
	rc_err_prefix(&err, "%s", "ctx");
	assert_int_equal(strlen(err.msg), RC_ERR_MSG_MAX - 1);
	assert_memory_equal(err.msg, "ctx: aaa", 8);
	rc_err_prefix(&err, "%s", big); /* context alone overflows: still bounded */
	assert_int_equal(strlen(err.msg), RC_ERR_MSG_MAX - 1);
}

static void test_sanitize(void **state)
{
	char out[16];
	(void)state;
	rc_sanitize(out, sizeof(out), "a\033[31mb\nc\x7f");
	assert_string_equal(out, "a?[31mb?c?");
	rc_sanitize(out, 4, "abcdef");
	assert_string_equal(out, "abc");
	rc_sanitize(out, sizeof(out), NULL);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init_is_empty_string),
	    cmocka_unit_test(test_append_puts_printf),
	    cmocka_unit_test(test_cap_is_enforced),
	    cmocka_unit_test(test_detach_transfers_ownership),
	    cmocka_unit_test(test_err_set_and_prefix),
	    cmocka_unit_test(test_err_sys),
	    cmocka_unit_test(test_err_long_messages_truncate),
	    cmocka_unit_test(test_sanitize),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
