/* registry/parse.h: the pure parsers of the Registry v2 / OCI client.
 *
 * No I/O: each takes bytes a registry (or the user) sent and fills owned
 * results, so unit tests and fuzzers call them directly. Every function
 * returns 0, or -1 with err filled (RC_ERR_PROTOCOL for a malformed answer,
 * RC_ERR_USAGE for a bad URL); on failure the outputs hold nothing to free. */
#ifndef RC_REGISTRY_PARSE_H
#define RC_REGISTRY_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "registry/inventory.h"

/* The manifest media types the client asks for and understands. */
#define RC_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define RC_MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define RC_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define RC_MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define RC_MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define RC_MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
/* The Accept header for manifests: all four, or a registry may convert
 * what it serves and the digest changes. */
#define RC_REG_MANIFEST_ACCEPT                                                                     \
	"Accept: " RC_MT_OCI_INDEX ", " RC_MT_OCI_MANIFEST ", " RC_MT_DOCKER_LIST                  \
	", " RC_MT_DOCKER_MANIFEST

/* A manifest larger than this is refused (distribution's own limit is 4 MiB). */
#define RC_REG_MANIFEST_MAX ((size_t)4 << 20)

/* rc_reg_canonical_url: the registry's canonical URL, as plans name it:
 * "https://" unless the URL says "http://"; the host in lower case (an IPv6
 * literal keeps its brackets); ":port" unless it is the scheme's default
 * (443, 80); no path, query, fragment or trailing slash. A URL holding
 * credentials ("user:pass@host") is refused with a message that never
 * repeats them; so is any path other than "/" or "/v2/". *out is owned. */
int rc_reg_canonical_url(const char *url, char **out, struct rc_err *err);

/* rc_reg_source_name: the plan's source name for a canonical URL:
 * "registry-" + host + "-" + port, the port always written (443 or 80 when
 * the URL leaves it out, so no two reachable registries share a name),
 * every character outside [A-Za-z0-9._-] (IPv6 colons) turned into '-' and
 * brackets dropped. E.g. "http://127.0.0.1:5000" is
 * "registry-127.0.0.1-5000", "https://ghcr.io" is "registry-ghcr.io-443".
 * Matches ^[A-Za-z0-9][A-Za-z0-9._-]*$. Owned; NULL when out of memory or
 * when canonical is not a canonical URL. */
char *rc_reg_source_name(const char *canonical);

/* One authentication challenge from WWW-Authenticate. */
enum rc_reg_scheme { RC_REG_AUTH_OTHER = 0, RC_REG_AUTH_BASIC, RC_REG_AUTH_BEARER };
struct rc_reg_challenge {
	enum rc_reg_scheme scheme;
	char *realm, *service, *scope; /* NULL when absent */
};
void rc_reg_challenge_release(struct rc_reg_challenge *ch);

/* Parses a WWW-Authenticate value (RFC 7235: one or more challenges,
 * auth-params with token or quoted-string values, backslash escapes,
 * commas) and keeps the Bearer challenge, else the Basic one, else the
 * first. -1 on a value that does not parse. */
int rc_reg_parse_challenge(const char *value, struct rc_reg_challenge *ch, struct rc_err *err);

/* The target of the rel="next" link in a Link header value (RFC 8288:
 * several links separated by commas, each "<uri>; param=value..."), or
 * *next NULL when there is none. The target is as sent (maybe relative). */
int rc_reg_parse_link_next(const char *value, char **next, struct rc_err *err);

/* The registry's error body {"errors":[{"code","message","detail"}]} as one
 * sanitised line "CODE: message" (plus " (and N more)"), into out; ""
 * when the body is not such a document. Never fails. */
void rc_reg_error_text(const char *body, size_t len, char *out, size_t outsz);

/* 0 when data hashes to digest ("sha256:<hex>"); -1 with RC_ERR_PROTOCOL
 * otherwise, or for a digest of another algorithm or a malformed one. */
int rc_reg_verify_digest(const void *data, size_t len, const char *digest, struct rc_err *err);

/* Parses a manifest body into m (which the caller zeroed; its digest is
 * not touched). media_type: the response's Content-Type, used when the body
 * names none. Fills media_type, mkind, size, config, layers, children,
 * subject and artifact_type. Schema 1 and unknown types are RC_REG_UNSUPPORTED
 * and return 0. A JSON body that does not parse, or a known type with a
 * malformed field (a digest that is not sha256:<hex>, a negative size), is
 * -1. On failure m holds nothing. */
int rc_reg_parse_manifest(const char *body, size_t len, const char *media_type,
			  struct rc_reg_manifest *m, struct rc_err *err);

/* Reads "created", "os" and "architecture" from an image config into m
 * (replacing earlier values). Missing fields stay unknown; a body that is
 * not a JSON object is -1. */
int rc_reg_parse_config(const char *body, size_t len, struct rc_reg_manifest *m,
			struct rc_err *err);

/* A catalog page {"repositories":[...]} or a tag list {"name","tags":[...]}
 * (key "repositories" or "tags"): appends the names to out. A null list is
 * empty (distribution sends "tags":null for a repository without tags). */
int rc_reg_parse_names(const char *body, size_t len, const char *key, struct rc_strv *out,
		       struct rc_err *err);

/* The digests of an OCI referrers answer (an image index). */
int rc_reg_parse_referrers(const char *body, size_t len, struct rc_strv *out, struct rc_err *err);

/* 1 when tag is a cosign-style "sha256-<64 hex>.sig", ".att" or ".sbom"
 * tag, with the subject "sha256:<hex>" written to subject; else 0. */
int rc_reg_cosign_subject(const char *tag, char subject[72]);

/* Optional members of a vendor API's JSON object o (DTR, Harbor), as
 * cJSON items: absent or null is the default (NULL; 0; def), another type
 * is -1. A size is a whole number from 0 to 2^53 - 1, so byte counts stay
 * exact. */
int rc_reg_json_str(const void *o, const char *key, const char **out);
int rc_reg_json_bool(const void *o, const char *key, int *out);
int rc_reg_json_size(const void *o, const char *key, int64_t def, int64_t *out);

/* Frees what a manifest holds and zeroes it. */
void rc_reg_manifest_release(struct rc_reg_manifest *m);

#endif
