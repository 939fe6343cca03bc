/* test_creds.c: credential lookup order (flags, environment, Docker config),
 * auths with base64 auth and identitytoken, credHelpers and credsStore run
 * as docker-credential-NAME from PATH (a fake helper script here), helper
 * failures and timeouts, and that no error carries a secret. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "registry/creds.h"

static char dir[64];
static char *old_path;

static void write_file(const char *name, const char *text, mode_t mode)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(p, mode);
}

static int setup(void **state)
{
	char path[4096];
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/rc-creds-test.XXXXXX");
	assert_non_null(mkdtemp(dir));
	/* the fake helper answers per host; "slow" sleeps; "broken" fails */
	write_file("docker-credential-test",
		   "#!/bin/sh\n"
		   "[ \"$1\" = get ] || exit 3\n"
		   "read -r host\n"
		   "case $host in\n"
		   "reg.example:5000) echo '{\"ServerURL\":\"reg.example:5000\",\"Username\":"
		   "\"helper-user\",\"Secret\":\"helper-pass\"}' ;;\n"
		   "tok.example) echo '{\"ServerURL\":\"tok.example\",\"Username\":\"<token>\","
		   "\"Secret\":\"refresh-xyz\"}' ;;\n"
		   "slow.example) sleep 5 ;;\n"
		   "broken.example) echo 'helper-pass leaked' ; exit 1 ;;\n"
		   "*) echo 'credentials not found in native keychain'; exit 1 ;;\n"
		   "esac\n",
		   0755);
	old_path = getenv("PATH") ? strdup(getenv("PATH")) : strdup("/usr/bin:/bin");
	snprintf(path, sizeof(path), "%s:%s", dir, old_path);
	setenv("PATH", path, 1);
	unsetenv(RC_ENV_REGISTRY_USERNAME);
	unsetenv(RC_ENV_REGISTRY_PASSWORD);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;
	setenv("PATH", old_path, 1);
	free(old_path);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static int lookup(const char *host, const char *u, const char *p, struct rc_creds *c,
		  struct rc_err *err)
{
	struct rc_creds_query q = {host, u, p, dir, 1000};
	return rc_creds_lookup(&q, c, err);
}

/* base64("cfg-user:cfg-pass") */
#define CFG_AUTH "Y2ZnLXVzZXI6Y2ZnLXBhc3M="

static void test_order(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_creds c;
	(void)state;
	write_file("config.json",
		   "{\"auths\":{\"https://reg.example:5000/v1/\":{\"auth\":\"" CFG_AUTH "\"},"
		   "\"https://index.docker.io/v1/\":{\"auth\":\"" CFG_AUTH "\"},"
		   "\"plain.example\":{\"auth\":\"" CFG_AUTH "\"},"
		   "\"id.example\":{\"identitytoken\":\"id-tok\"}}}",
		   0600);
	/* 1. flags win */
	setenv(RC_ENV_REGISTRY_USERNAME, "env-user", 1);
	setenv(RC_ENV_REGISTRY_PASSWORD, "env-pass", 1);
	assert_int_equal(lookup("reg.example:5000", "flag-user", "flag-pass", &c, &err), 0);
	assert_string_equal(c.username, "flag-user");
	assert_string_equal(c.secret, "flag-pass");
	assert_string_equal(c.origin, "command line");
	rc_creds_release(&c);
	/* 2. then the environment */
	assert_int_equal(lookup("reg.example:5000", NULL, NULL, &c, &err), 0);
	assert_string_equal(c.username, "env-user");
	assert_string_equal(c.origin, "environment");
	rc_creds_release(&c);
	/* only one of the two is an error that names both */
	unsetenv(RC_ENV_REGISTRY_PASSWORD);
	assert_int_equal(lookup("reg.example:5000", NULL, NULL, &c, &err), -1);
	assert_non_null(strstr(err.msg, RC_ENV_REGISTRY_PASSWORD));
	assert_null(strstr(err.msg, "env-user"));
	unsetenv(RC_ENV_REGISTRY_USERNAME);
	/* 3. then the Docker config: a key with scheme and path matches */
	assert_int_equal(lookup("reg.example:5000", NULL, NULL, &c, &err), 0);
	assert_string_equal(c.username, "cfg-user");
	assert_string_equal(c.secret, "cfg-pass");
	assert_string_equal(c.origin, "docker config");
	rc_creds_release(&c);
	assert_int_equal(lookup("PLAIN.example", NULL, NULL, &c, &err), 0);
	assert_string_equal(c.username, "cfg-user");
	rc_creds_release(&c);
	assert_int_equal(lookup("id.example", NULL, NULL, &c, &err), 0);
	assert_null(c.username);
	assert_string_equal(c.identity_token, "id-tok");
	assert_true(rc_creds_present(&c));
	rc_creds_release(&c);
	/* Docker Hub's names share its one config key */
	assert_int_equal(lookup("registry-1.docker.io", NULL, NULL, &c, &err), 0);
	assert_string_equal(c.username, "cfg-user");
	rc_creds_release(&c);
	/* nothing for this host (another port is another host) */
	assert_int_equal(lookup("reg.example:5001", NULL, NULL, &c, &err), 0);
	assert_false(rc_creds_present(&c));
	rc_creds_release(&c);
	/* --username without a password */
	assert_int_equal(lookup("reg.example:5000", "u", NULL, &c, &err), -1);
}

static void test_helpers(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_creds c;
	(void)state;
	write_file(
	    "config.json",
	    "{\"credHelpers\":{\"reg.example:5000\":\"test\",\"slow.example\":\"test\","
	    "\"broken.example\":\"test\",\"gone.example\":\"missing\",\"bad.example\":\"../x\"},"
	    "\"auths\":{\"reg.example:5000\":{\"auth\":\"" CFG_AUTH "\"}}}",
	    0600);
	/* credHelpers[host] comes before auths */
	assert_int_equal(lookup("reg.example:5000", NULL, NULL, &c, &err), 0);
	assert_string_equal(c.username, "helper-user");
	assert_string_equal(c.secret, "helper-pass");
	assert_string_equal(c.origin, "credential helper 'test'");
	rc_creds_release(&c);
	/* a helper that runs too long is killed */
	assert_int_equal(lookup("slow.example", NULL, NULL, &c, &err), -1);
	assert_non_null(strstr(err.msg, "did not answer"));
	/* a failing helper: its output never reaches the error */
	assert_int_equal(lookup("broken.example", NULL, NULL, &c, &err), -1);
	assert_non_null(strstr(err.msg, "docker-credential-test failed"));
	assert_null(strstr(err.msg, "helper-pass"));
	assert_int_equal(lookup("gone.example", NULL, NULL, &c, &err), -1);
	assert_non_null(strstr(err.msg, "not on PATH"));
	assert_int_equal(lookup("bad.example", NULL, NULL, &c, &err), -1);
	assert_non_null(strstr(err.msg, "invalid credential helper"));
}

static void test_store(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_creds c;
	(void)state;
	write_file("config.json",
		   "{\"credsStore\":\"test\",\"auths\":{\"other.example\":{\"auth\":\"" CFG_AUTH
		   "\"}}}",
		   0600);
	assert_int_equal(lookup("reg.example:5000", NULL, NULL, &c, &err), 0);
	assert_string_equal(c.username, "helper-user");
	rc_creds_release(&c);
	/* "<token>" as the user: an identity token */
	assert_int_equal(lookup("tok.example", NULL, NULL, &c, &err), 0);
	assert_null(c.username);
	assert_string_equal(c.identity_token, "refresh-xyz");
	rc_creds_release(&c);
	/* not found in the store: auths still count */
	assert_int_equal(lookup("other.example", NULL, NULL, &c, &err), 0);
	assert_string_equal(c.username, "cfg-user");
	rc_creds_release(&c);
	assert_int_equal(lookup("nowhere.example", NULL, NULL, &c, &err), 0);
	assert_false(rc_creds_present(&c));
}

static void test_bad_configs(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_creds c;
	(void)state;
	write_file("config.json", "{\"auths\":{\"h\":{\"auth\":\"bm9jb2xvbg==\"}}}", 0600);
	assert_int_equal(lookup("h", NULL, NULL, &c, &err), -1); /* "nocolon" */
	assert_non_null(strstr(err.msg, "malformed 'auth'"));
	write_file("config.json", "{\"auths\":{\"h\":{\"auth\":\"!!!\"}}}", 0600);
	assert_int_equal(lookup("h", NULL, NULL, &c, &err), -1);
	write_file("config.json", "{\"auths\":", 0600);
	assert_int_equal(lookup("h", NULL, NULL, &c, &err), -1);
	assert_non_null(strstr(err.msg, "cannot parse the Docker config"));
	unlink("/nonexistent");
	{
		char p[128];
		snprintf(p, sizeof(p), "%s/config.json", dir);
		unlink(p);
	}
	/* no config at all: nothing found, no error */
	assert_int_equal(lookup("h", NULL, NULL, &c, &err), 0);
	assert_false(rc_creds_present(&c));
	{
		char *k = rc_creds_config_key("docker.io");
		assert_string_equal(k, "https://index.docker.io/v1/");
		free(k);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_order),
	    cmocka_unit_test(test_helpers),
	    cmocka_unit_test(test_store),
	    cmocka_unit_test(test_bad_configs),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
