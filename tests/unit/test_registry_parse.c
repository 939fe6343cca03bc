/* test_registry_parse.c: the registry client's pure parsers: canonical URLs
 * and source names, WWW-Authenticate, Link, error bodies, digests,
 * manifests, configs, name lists, cosign tags, name checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "registry/client.h"
#include "registry/parse.h"
#include "sha256.h"

static void canon_is(const char *in, const char *want)
{
	struct rc_err err = RC_ERR_INIT;
	char *out = NULL;

	if (rc_reg_canonical_url(in, &out, &err) < 0)
		fail_msg("'%s': %s", in, err.msg);
	assert_string_equal(out, want);
	free(out);
}

static void canon_fails(const char *in, const char *msg_part)
{
	struct rc_err err = RC_ERR_INIT;
	char *out = NULL;

	assert_int_equal(rc_reg_canonical_url(in, &out, &err), -1);
	assert_null(out);
	assert_int_equal(err.kind, RC_ERR_USAGE);
	if (!strstr(err.msg, msg_part))
		fail_msg("'%s': message '%s' lacks '%s'", in, err.msg, msg_part);
}

static void test_canonical_url(void **state)
{
	(void)state;
	canon_is("registry.example.com", "https://registry.example.com");
	canon_is("HTTPS://Registry.Example.COM/", "https://registry.example.com");
	canon_is("https://r.example:443", "https://r.example");
	canon_is("https://r.example:5000/v2/", "https://r.example:5000");
	canon_is("http://127.0.0.1:5000", "http://127.0.0.1:5000");
	canon_is("http://LocalHost:80/", "http://localhost");
	canon_is("https://[::1]:5000", "https://[::1]:5000");
	canon_fails("https://user:hunter2@r.example", "holds credentials");
	canon_fails("https://user@r.example", "holds credentials");
	canon_fails("ftp://r.example", "want https:// or http://");
	canon_fails("https://r.example/team", "no path");
	canon_fails("https://r.example/?x=1", "no query");
	canon_fails("", "missing");
	/* the refusal never repeats the secret */
	{
		struct rc_err err = RC_ERR_INIT;
		char *out = NULL;
		assert_int_equal(rc_reg_canonical_url("https://u:hunter2@h", &out, &err), -1);
		assert_null(strstr(err.msg, "hunter2"));
	}
}

static void test_source_name(void **state)
{
	const char *cases[][2] = {
	    {"http://127.0.0.1:5000", "registry-127.0.0.1-5000"},
	    {"https://ghcr.io", "registry-ghcr.io-443"},
	    {"http://localhost", "registry-localhost-80"},
	    {"https://[::1]:5000", "registry---1-5000"},
	    {"https://r.example:8443", "registry-r.example-8443"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *n = rc_reg_source_name(cases[i][0]);
		assert_non_null(n);
		assert_string_equal(n, cases[i][1]);
		free(n);
	}
	assert_null(rc_reg_source_name("ftp://x"));
	assert_null(rc_reg_source_name(NULL));
}

static void test_challenge(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_reg_challenge ch;
	(void)state;

	assert_int_equal(rc_reg_parse_challenge(
			     "Bearer realm=\"https://auth.example/token\",service=\"reg.example\","
			     "scope=\"repository:ns/app:pull,push\"",
			     &ch, &err),
			 0);
	assert_int_equal(ch.scheme, RC_REG_AUTH_BEARER);
	assert_string_equal(ch.realm, "https://auth.example/token");
	assert_string_equal(ch.service, "reg.example");
	assert_string_equal(ch.scope, "repository:ns/app:pull,push");
	rc_reg_challenge_release(&ch);
	/* blanks, case, token values, escapes, unknown params */
	assert_int_equal(rc_reg_parse_challenge("bearer  Realm = \"https://a/t\\\"x\" , "
						"service=reg , error=\"insufficient_scope\"",
						&ch, &err),
			 0);
	assert_int_equal(ch.scheme, RC_REG_AUTH_BEARER);
	assert_string_equal(ch.realm, "https://a/t\"x");
	assert_string_equal(ch.service, "reg");
	assert_null(ch.scope);
	rc_reg_challenge_release(&ch);
	/* several challenges: Bearer wins, else Basic */
	assert_int_equal(
	    rc_reg_parse_challenge("Basic realm=\"r\", Bearer realm=\"https://t\"", &ch, &err), 0);
	assert_int_equal(ch.scheme, RC_REG_AUTH_BEARER);
	assert_string_equal(ch.realm, "https://t");
	rc_reg_challenge_release(&ch);
	assert_int_equal(
	    rc_reg_parse_challenge("Negotiate, Basic realm=\"Registry Realm\"", &ch, &err), 0);
	assert_int_equal(ch.scheme, RC_REG_AUTH_BASIC);
	assert_string_equal(ch.realm, "Registry Realm");
	rc_reg_challenge_release(&ch);
	assert_int_equal(rc_reg_parse_challenge("Digest nonce=\"x\"", &ch, &err), 0);
	assert_int_equal(ch.scheme, RC_REG_AUTH_OTHER);
	rc_reg_challenge_release(&ch);
	/* broken ones */
	assert_int_equal(rc_reg_parse_challenge("Bearer realm=\"unterminated", &ch, &err), -1);
	assert_int_equal(rc_reg_parse_challenge("", &ch, &err), -1);
	assert_int_equal(rc_reg_parse_challenge(NULL, &ch, &err), -1);
	assert_int_equal(rc_reg_parse_challenge("Bearer realm=\"x\" junk", &ch, &err), -1);
	assert_int_equal(rc_reg_parse_challenge("=x", &ch, &err), -1);
}

static void test_link(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	char *next = NULL;
	(void)state;

	assert_int_equal(
	    rc_reg_parse_link_next("</v2/_catalog?last=x&n=100>; rel=\"next\"", &next, &err), 0);
	assert_string_equal(next, "/v2/_catalog?last=x&n=100");
	free(next);
	assert_int_equal(rc_reg_parse_link_next("<https://r/v2/a/tags/list?last=b>; rel=\"prev\", "
						"<https://r/v2/a/tags/list?last=z>;rel=next",
						&next, &err),
			 0);
	assert_string_equal(next, "https://r/v2/a/tags/list?last=z");
	free(next);
	assert_int_equal(rc_reg_parse_link_next("<x>; rel=\"first next\"", &next, &err), 0);
	assert_string_equal(next, "x");
	free(next);
	assert_int_equal(rc_reg_parse_link_next("</a>; rel=\"prev\"", &next, &err), 0);
	assert_null(next);
	assert_int_equal(rc_reg_parse_link_next(NULL, &next, &err), 0);
	assert_null(next);
	assert_int_equal(rc_reg_parse_link_next("/v2/_catalog; rel=next", &next, &err), -1);
	assert_int_equal(rc_reg_parse_link_next("</v2/x; rel=next", &next, &err), -1);
	assert_int_equal(rc_reg_parse_link_next("</v2/x>; rel", &next, &err), -1);
	assert_int_equal(rc_reg_parse_link_next("<>; rel=next", &next, &err), -1);
}

static void test_error_text(void **state)
{
	char out[300];
	const char *one = "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest "
			  "unknown\",\"detail\":{\"Tag\":\"x\"}}]}";
	const char *two = "{\"errors\":[{\"code\":\"DENIED\",\"message\":\"no\"},{\"code\":"
			  "\"UNAUTHORIZED\"}]}";
	const char *ctl = "{\"errors\":[{\"code\":\"X\",\"message\":\"a\\u001b[31mb\"}]}";
	(void)state;
	rc_reg_error_text(one, strlen(one), out, sizeof(out));
	assert_string_equal(out, "MANIFEST_UNKNOWN: manifest unknown");
	rc_reg_error_text(two, strlen(two), out, sizeof(out));
	assert_string_equal(out, "DENIED: no (and 1 more)");
	rc_reg_error_text(ctl, strlen(ctl), out, sizeof(out));
	assert_string_equal(out, "X: a?[31mb");
	rc_reg_error_text("{\"errors\":[", 11, out, sizeof(out));
	assert_string_equal(out, "");
	rc_reg_error_text("<html>", 6, out, sizeof(out));
	assert_string_equal(out, "");
	rc_reg_error_text(NULL, 0, out, sizeof(out));
	assert_string_equal(out, "");
}

static const char *const oci_image =
    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
    "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":"
    "\"sha256:1111111111111111111111111111111111111111111111111111111111111111\",\"size\":7},"
    "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":"
    "\"sha256:2222222222222222222222222222222222222222222222222222222222222222\",\"size\":"
    "9007199254740992}]}";

static void test_manifest_image_and_digest(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_reg_manifest m;
	char *d;
	(void)state;
	memset(&m, 0, sizeof(m));
	assert_int_equal(rc_reg_parse_manifest(oci_image, strlen(oci_image), NULL, &m, &err), 0);
	assert_int_equal(m.mkind, RC_REG_IMAGE);
	assert_string_equal(m.media_type, RC_MT_OCI_MANIFEST);
	assert_int_equal(m.size, (int64_t)strlen(oci_image));
	assert_string_equal(
	    m.config.digest,
	    "sha256:1111111111111111111111111111111111111111111111111111111111111111");
	assert_int_equal(m.config.size, 7);
	assert_int_equal(m.n_layers, 1);
	assert_int_equal(m.layers[0].size, INT64_C(9007199254740992));
	assert_null(m.artifact_type);
	assert_null(m.subject);
	rc_reg_manifest_release(&m);

	/* the digest is verified against the bytes */
	d = rc_sha256_digest(oci_image, strlen(oci_image), &err);
	assert_non_null(d);
	assert_int_equal(rc_reg_verify_digest(oci_image, strlen(oci_image), d, &err), 0);
	assert_int_equal(rc_reg_verify_digest(oci_image, strlen(oci_image) - 1, d, &err), -1);
	assert_int_equal(err.kind, RC_ERR_PROTOCOL);
	assert_non_null(strstr(err.msg, "does not match its digest"));
	assert_int_equal(rc_reg_verify_digest("x", 1, "sha512:abc", &err), -1);
	assert_int_equal(rc_reg_verify_digest("x", 1, NULL, &err), -1);
	free(d);
}

static void test_manifest_kinds(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_reg_manifest m;
	const char *index =
	    "{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"sha256:"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"platform\":{}},"
	    "{\"digest\":\"sha256:"
	    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"}]}";
	const char *schema1 = "{\"schemaVersion\":1,\"name\":\"a\",\"fsLayers\":[]}";
	const char *unknown = "{\"schemaVersion\":2,\"mediaType\":\"application/x-odd\"}";
	const char *artifact =
	    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
	    "\"config\":{\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"digest\":\"sha256:"
	    "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\",\"size\":2},"
	    "\"layers\":[],\"subject\":{\"digest\":\"sha256:"
	    "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\"}}";
	(void)state;

	memset(&m, 0, sizeof(m));
	/* no mediaType in the body: the Content-Type, without parameters */
	assert_int_equal(rc_reg_parse_manifest(index, strlen(index),
					       RC_MT_OCI_INDEX "; charset=utf-8", &m, &err),
			 0);
	assert_int_equal(m.mkind, RC_REG_INDEX);
	assert_string_equal(m.media_type, RC_MT_OCI_INDEX);
	assert_int_equal(m.children.n, 2);
	assert_string_equal(
	    m.children.v[1],
	    "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	rc_reg_manifest_release(&m);
	/* no mediaType anywhere: recognised by shape */
	assert_int_equal(rc_reg_parse_manifest(index, strlen(index), "application/json", &m, &err),
			 0);
	assert_int_equal(m.mkind, RC_REG_INDEX);
	rc_reg_manifest_release(&m);
	assert_int_equal(rc_reg_parse_manifest(schema1, strlen(schema1), NULL, &m, &err), 0);
	assert_int_equal(m.mkind, RC_REG_UNSUPPORTED);
	rc_reg_manifest_release(&m);
	assert_int_equal(rc_reg_parse_manifest(unknown, strlen(unknown), NULL, &m, &err), 0);
	assert_int_equal(m.mkind, RC_REG_UNSUPPORTED);
	assert_string_equal(m.media_type, "application/x-odd");
	rc_reg_manifest_release(&m);
	assert_int_equal(rc_reg_parse_manifest(artifact, strlen(artifact), NULL, &m, &err), 0);
	assert_int_equal(m.mkind, RC_REG_IMAGE);
	assert_string_equal(m.artifact_type, "application/vnd.oci.empty.v1+json");
	assert_string_equal(
	    m.subject, "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc");
	rc_reg_manifest_release(&m);
}

static void test_manifest_hostile(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_reg_manifest m;
	const char *bad[] = {
	    "",
	    "[]",
	    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"}",
	    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"digest\":"
	    "\"sha256:zz\"}}",
	    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"digest\":"
	    "\"sha256:1111111111111111111111111111111111111111111111111111111111111111\",\"size\":-"
	    "1}}",
	    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"digest\":"
	    "\"sha256:1111111111111111111111111111111111111111111111111111111111111111\",\"size\":"
	    "1."
	    "5}}",
	    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"digest\":"
	    "\"sha256:1111111111111111111111111111111111111111111111111111111111111111\"},"
	    "\"layers\":{}}",
	    "{\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[{}]}",
	    "{\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[1,2]}",
	};
	char *deep;
	size_t i, n = 100000;
	(void)state;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&m, 0, sizeof(m));
		if (rc_reg_parse_manifest(bad[i], strlen(bad[i]), NULL, &m, &err) != -1)
			fail_msg("accepted bad manifest %zu: %s", i, bad[i]);
		assert_int_equal(err.kind, RC_ERR_PROTOCOL);
		assert_null(m.media_type);
		assert_null(m.layers);
	}
	/* truncated */
	memset(&m, 0, sizeof(m));
	assert_int_equal(rc_reg_parse_manifest(oci_image, strlen(oci_image) / 2, NULL, &m, &err),
			 -1);
	/* deeply nested: refused, not a crash */
	deep = malloc(2 * n + 1);
	assert_non_null(deep);
	memset(deep, '[', n);
	memset(deep + n, ']', n);
	deep[2 * n] = '\0';
	assert_int_equal(rc_reg_parse_manifest(deep, 2 * n, NULL, &m, &err), -1);
	free(deep);
	/* over the size limit */
	assert_int_equal(rc_reg_parse_manifest(oci_image, RC_REG_MANIFEST_MAX + 1, NULL, &m, &err),
			 -1);
}

static void test_config_names_referrers(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_reg_manifest m;
	struct rc_strv v = {0};
	const char *cfg = "{\"created\":\"2024-02-01T10:20:30.123456789Z\",\"os\":\"linux\","
			  "\"architecture\":\"arm64\"}";
	const char *tags = "{\"name\":\"a\",\"tags\":[\"1\",\"latest\"]}";
	const char *none = "{\"name\":\"a\",\"tags\":null}";
	const char *refs = "{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"sha256:"
			   "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd\"}]}";
	(void)state;
	memset(&m, 0, sizeof(m));
	assert_int_equal(rc_reg_parse_config(cfg, strlen(cfg), &m, &err), 0);
	assert_int_equal(m.created, 1706782830);
	assert_string_equal(m.os, "linux");
	assert_string_equal(m.arch, "arm64");
	assert_int_equal(rc_reg_parse_config("{\"created\":\"junk\"}", 19, &m, &err), 0);
	assert_int_equal(m.created, 1706782830); /* unparsable: unchanged */
	assert_null(m.os);
	assert_int_equal(rc_reg_parse_config("[1]", 3, &m, &err), -1);
	rc_reg_manifest_release(&m);

	assert_int_equal(rc_reg_parse_names(tags, strlen(tags), "tags", &v, &err), 0);
	assert_int_equal(v.n, 2);
	assert_string_equal(v.v[1], "latest");
	assert_int_equal(rc_reg_parse_names(none, strlen(none), "tags", &v, &err), 0);
	assert_int_equal(v.n, 2);
	assert_int_equal(rc_reg_parse_names("{\"tags\":[1]}", 12, "tags", &v, &err), -1);
	assert_int_equal(rc_reg_parse_names("{\"tags\":\"x\"}", 12, "tags", &v, &err), -1);
	assert_int_equal(rc_reg_parse_names("{\"tags\":[", 9, "tags", &v, &err), -1);
	rc_strv_release(&v);
	assert_int_equal(rc_reg_parse_referrers(refs, strlen(refs), &v, &err), 0);
	assert_int_equal(v.n, 1);
	assert_int_equal(
	    rc_reg_parse_referrers("{\"manifests\":[{\"digest\":\"md5:x\"}]}", 35, &v, &err), -1);
	rc_strv_release(&v);
}

static void test_cosign_and_names(void **state)
{
	char subj[72];
	const char *hex = "1eae06dccbc5be00210fee2f9a0c9422795a60002f522c425890146104aa0207";
	char tag[128];
	(void)state;
	snprintf(tag, sizeof(tag), "sha256-%s.sig", hex);
	assert_int_equal(rc_reg_cosign_subject(tag, subj), 1);
	assert_string_equal(subj + 7, hex);
	assert_memory_equal(subj, "sha256:", 7);
	snprintf(tag, sizeof(tag), "sha256-%s.sbom", hex);
	assert_int_equal(rc_reg_cosign_subject(tag, subj), 1);
	snprintf(tag, sizeof(tag), "sha256-%s.att", hex);
	assert_int_equal(rc_reg_cosign_subject(tag, subj), 1);
	snprintf(tag, sizeof(tag), "sha256-%s.sigx", hex);
	assert_int_equal(rc_reg_cosign_subject(tag, subj), 0);
	snprintf(tag, sizeof(tag), "sha256-%.63s.sig", hex);
	assert_int_equal(rc_reg_cosign_subject(tag, subj), 0);
	assert_int_equal(rc_reg_cosign_subject("latest", subj), 0);

	assert_true(rc_reg_repo_name_valid("app"));
	assert_true(rc_reg_repo_name_valid("team/svc"));
	assert_true(rc_reg_repo_name_valid("a.b_c__d---e/f-1"));
	assert_false(rc_reg_repo_name_valid("App"));
	assert_false(rc_reg_repo_name_valid("a//b"));
	assert_false(rc_reg_repo_name_valid("/a"));
	assert_false(rc_reg_repo_name_valid("a/"));
	assert_false(rc_reg_repo_name_valid("a/../b"));
	assert_false(rc_reg_repo_name_valid("a?b"));
	assert_false(rc_reg_repo_name_valid("a___b"));
	assert_true(rc_reg_tag_valid("v1.2.3-rc_1"));
	assert_true(rc_reg_tag_valid("_x"));
	assert_false(rc_reg_tag_valid(".x"));
	assert_false(rc_reg_tag_valid("a/b"));
	assert_false(rc_reg_tag_valid("a%2f"));
	assert_false(rc_reg_tag_valid(""));
}

static void test_placeholder(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_reg_placeholder a, b;
	struct rc_reg_manifest m;
	(void)state;
	assert_int_equal(rc_reg_placeholder_make("app", "1.1", "n1", &a, &err), 0);
	assert_int_equal(rc_reg_placeholder_make("app", "1.1", "n2", &b, &err), 0);
	/* unique per nonce, and each digest names its bytes */
	assert_string_not_equal(a.manifest_digest, b.manifest_digest);
	assert_int_equal(rc_reg_verify_digest(a.config, a.config_len, a.config_digest, &err), 0);
	assert_int_equal(rc_reg_verify_digest(a.manifest, a.manifest_len, a.manifest_digest, &err),
			 0);
	memset(&m, 0, sizeof(m));
	assert_int_equal(rc_reg_parse_manifest(a.manifest, a.manifest_len, NULL, &m, &err), 0);
	assert_int_equal(m.mkind, RC_REG_IMAGE);
	assert_string_equal(m.config.digest, a.config_digest);
	assert_int_equal(m.n_layers, 0);
	rc_reg_manifest_release(&m);
	rc_reg_placeholder_release(&a);
	rc_reg_placeholder_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_canonical_url),
	    cmocka_unit_test(test_source_name),
	    cmocka_unit_test(test_challenge),
	    cmocka_unit_test(test_link),
	    cmocka_unit_test(test_error_text),
	    cmocka_unit_test(test_manifest_image_and_digest),
	    cmocka_unit_test(test_manifest_kinds),
	    cmocka_unit_test(test_manifest_hostile),
	    cmocka_unit_test(test_config_names_referrers),
	    cmocka_unit_test(test_cosign_and_names),
	    cmocka_unit_test(test_placeholder),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
