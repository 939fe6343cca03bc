/* registry/client.h: a client for Registry v2 / OCI distribution registries.
 *
 * One client per registry URL. It authenticates as the registry asks
 * (anonymous, basic, or the bearer-token flow with a token per scope,
 * cached until it expires), scans read-only into a struct rc_reg_scan, and
 * offers the few writes the executor needs, one step per function so that
 * each can be journalled. The URL rules and the pure parsers are in
 * registry/parse.h.
 *
 * Credentials (registry/creds.h) go to the registry and to the token realm
 * it names, and only over HTTPS: plain HTTP only when the registry itself
 * was given as http:// on a loopback address (and then only to a loopback
 * realm). They never appear in errors or logs. */
#ifndef RC_REGISTRY_CLIENT_H
#define RC_REGISTRY_CLIENT_H

#include <stddef.h>

#include "cache.h"
#include "err.h"
#include "registry/creds.h"
#include "registry/inventory.h"
#include "registry/items.h"
#include "registry/parse.h"
#include "strv.h"

/* What the client may do; the token scopes it asks for follow. PULL alone
 * makes the HTTP layer read-only (the planner). */
enum {
	RC_REG_PULL = 1,
	RC_REG_DELETE = 2, /* DELETE manifests: the executor */
	RC_REG_PUSH = 4, /* blob upload and manifest PUT: the placeholder untag only */
};

#define RC_REG_PARALLEL_DEFAULT 16

struct rc_reg_opts {
	const char *url; /* as given; made canonical (rc_reg_canonical_url) */
	const struct rc_creds *creds; /* copied; NULL: anonymous */
	unsigned access; /* RC_REG_*; 0 is RC_REG_PULL */
	size_t parallel; /* requests in flight; 0: RC_REG_PARALLEL_DEFAULT */
	const char *ca_file; /* --tls-ca, or NULL for the system store */
	int insecure; /* --tls-insecure: skip TLS verification */
	long timeout_ms; /* per request; 0: the HTTP layer's default */
	int max_retries; /* -1: the HTTP layer's default */
	long retry_base_ms; /* 0: the HTTP layer's default */
	struct rc_rate *pace; /* borrowed, may be NULL (rc_http_opts.pace) */
	struct rc_cache *cache; /* borrowed; the scan's manifests and configs
				   by digest (cache.h), or NULL. Only the scan
				   uses it: the executor's calls stay live. */
};

struct rc_reg_client;

/* Creates a client; nothing is sent yet. NULL with err on a bad URL. */
struct rc_reg_client *rc_reg_open(const struct rc_reg_opts *o, struct rc_err *err);
void rc_reg_free(struct rc_reg_client *c);

/* The canonical URL and the "host[:port]" credentials are looked up for. */
const char *rc_reg_url(const struct rc_reg_client *c);
const char *rc_reg_host(const struct rc_reg_client *c);

/* GET /v2/: learns how the registry authenticates and proves the
 * credentials work (for bearer auth, by getting a token). -1 with one clear
 * line otherwise: unreachable, not a registry, a 401 with no usable
 * challenge, credentials refused, credentials that would go over plain
 * HTTP. The other calls ping first when it was not done. */
int rc_reg_ping(struct rc_reg_client *c, struct rc_err *err);

struct rc_reg_scan_opts {
	const struct rc_strv *repos; /* fnmatch globs (--repos); NULL or empty:
					every repository. Any glob makes the scan
					partial. */
	size_t page_size; /* n= for catalog and tag pages; 0: 1000 */
};

/* Scans the registry into s (rc_reg_scan_init'ed by the caller): the
 * catalog (or, when the registry will not list it, the literal names of
 * o->repos), each repository's tags, every manifest they name with index
 * children and referrers, and each image's config. Every manifest and config
 * is verified against its digest. Read-only. On failure s may hold part of
 * the scan; the caller releases it either way.
 *
 * With a cache that held entries when it was opened, each manifest
 * reference (tag, or digest of a child or referrer) is first asked for with
 * HEAD: the digest the registry names now (Docker-Content-Digest) is looked
 * up in the cache and fetched with GET only when the cache has no verified
 * entry for it (or the answer names no digest). Config blobs are looked up
 * by digest and fetched when missing. What is fetched is stored. */
int rc_reg_scan(struct rc_reg_client *c, const struct rc_reg_scan_opts *o, struct rc_reg_scan *s,
		struct rc_err *err);

/* The tags of repo, all pages (page_size 0: 1000), appended to out. A
 * repository the registry does not know is -1 with http_status 404. */
int rc_reg_list_tags(struct rc_reg_client *c, const char *repo, size_t page_size,
		     struct rc_strv *out, struct rc_err *err);

/* HEAD /v2/<repo>/manifests/<ref> (a tag or a digest): *digest (owned) is
 * what it names now, or NULL when it is absent (404). When the registry
 * sends no Docker-Content-Digest, the manifest is fetched and hashed. */
int rc_reg_head_manifest(struct rc_reg_client *c, const char *repo, const char *ref, char **digest,
			 struct rc_err *err);

/* What each of the n tags of repo names now, asked in parallel (up to the
 * client's --parallel): digests[i] (owned, n slots filled on return) is tag
 * i's digest, or NULL when it is absent (404). Each tag is asked with HEAD,
 * and the registry's Docker-Content-Digest is taken when it is a valid
 * digest (sha256:<64 hex>); a tag whose answer has none, or an invalid one,
 * is fetched (GET) and its digest checked against the body. -1 on any
 * other failure, with every slot NULL. */
int rc_reg_resolve_tags(struct rc_reg_client *c, const char *repo, char *const *tags, size_t n,
			char **digests, struct rc_err *err);

/* DELETE /v2/<repo>/manifests/<digest>. Removes every tag on the digest.
 * 0 when deleted (*absent 0) or already absent (404: *absent 1). A 405 or
 * UNSUPPORTED answer is -1: "deletion is disabled on registry 'URL':
 * enable storage.delete.enabled". Needs RC_REG_DELETE. */
int rc_reg_delete_manifest(struct rc_reg_client *c, const char *repo, const char *digest,
			   int *absent, struct rc_err *err);

/* HEAD /v2/<repo>/manifests/<ref> of n references together (up to the
 * client's parallel in flight): status[i] receives each answer's status
 * (after the retries of 5xx and 429), 0 when there is none. -1 with err
 * when the window failed (a request that timed out once sent, a transport
 * error that outlived its retries). */
int rc_reg_head_statuses(struct rc_reg_client *c, const char *repo, const char *const *refs,
			 size_t n, long *status, struct rc_err *err);

/* rc_reg_delete_manifest of n digests of repo, sent together (up to the
 * client's parallel in flight): for each, errs[i] clear (deleted, or
 * absent[i] set on 404) or its failure (a DELETE that timed out once sent
 * is not sent again). -1 with err when the window could not be sent (an
 * invalid digest, no memory, no token): then no entry of errs is to be
 * trusted, and the caller counts every one failed. */
int rc_reg_delete_manifests(struct rc_reg_client *c, const char *repo, const char *const *digests,
			    size_t n, int *absent, struct rc_err *errs, struct rc_err *err);

/* DELETE /v2/<repo>/manifests/<tag>: the tag deletion of the OCI
 * distribution-spec 1.1, which removes that tag alone. *outcome is
 * RC_REG_TAG_DELETED, RC_REG_TAG_ABSENT (404), or RC_REG_TAG_UNSUPPORTED
 * when the registry has no tag deletion: distribution 2.8 answers 400
 * DIGEST_INVALID, others 405 or UNSUPPORTED; nothing was changed then.
 * -1 with err for any other answer. Needs RC_REG_DELETE. */
enum { RC_REG_TAG_DELETED = 0, RC_REG_TAG_ABSENT, RC_REG_TAG_UNSUPPORTED };
int rc_reg_delete_tag(struct rc_reg_client *c, const char *repo, const char *tag, int *outcome,
		      struct rc_err *err);

/* The placeholder untag for registries without tag DELETE (distribution
 * 2.8; ../shared/API-NOTES.md): three steps the executor journals one by one:
 *   rc_reg_blob_upload(config), rc_reg_manifest_put(manifest at the tag),
 *   rc_reg_delete_manifest(manifest_digest).
 * The tag then names nothing, and other tags on the old digest stay. */
struct rc_reg_placeholder {
	char *config; /* unique JSON bytes */
	size_t config_len;
	char *config_digest;
	char *manifest; /* an OCI image manifest with that config, no layers */
	size_t manifest_len;
	char *manifest_digest;
};

/* Builds the placeholder for repo:tag; nonce (e.g. the plan digest plus
 * the item, or a random string) makes it unique, so that deleting it never
 * deletes anything else. Pure. */
int rc_reg_placeholder_make(const char *repo, const char *tag, const char *nonce,
			    struct rc_reg_placeholder *p, struct rc_err *err);
void rc_reg_placeholder_release(struct rc_reg_placeholder *p);

/* Uploads a blob monolithically (POST, then PUT ?digest=); a blob the
 * registry already has is fine. Needs RC_REG_PUSH. */
int rc_reg_blob_upload(struct rc_reg_client *c, const char *repo, const void *data, size_t len,
		       const char *digest, struct rc_err *err);

/* PUT /v2/<repo>/manifests/<ref> with media_type; the registry's digest
 * must be sha256 of body. Needs RC_REG_PUSH. */
int rc_reg_manifest_put(struct rc_reg_client *c, const char *repo, const char *ref,
			const char *media_type, const void *body, size_t len, struct rc_err *err);

/* 1 when name is a repository name (distribution's grammar: lower-case
 * path components of [a-z0-9] joined by '.', '_', '__' or '-'). Names from
 * a registry are checked with this, and tags with rc_reg_tag_valid
 * (registry/items.h), before they go into a request path, whose characters
 * they then never need escaping for. */
int rc_reg_repo_name_valid(const char *name);

/* Test hook: requests sent, token requests included. */
size_t rc_reg_requests_sent(const struct rc_reg_client *c);

#endif
