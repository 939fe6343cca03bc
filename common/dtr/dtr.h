/* dtr/dtr.h: Docker Trusted Registry / Mirantis Secure Registry 2.x-3.x,
 * through its own API, /api/v0 (docs/dtr.md).
 *
 * Three layers, one header: the scan model a scan fills (struct
 * rc_dtr_scan), the pure parsers of the API's answers (dtr/parse.c, fuzzed
 * and unit-tested), and the client (dtr/client.c): basic auth with a
 * password or an access token from the shared lookup (registry/creds.h),
 * bounded pagination, the read-only scan, and the executor's tag GET and
 * DELETE. The objects the planner judges are built in dtr/objects.h.
 *
 * Conventions of ../inventory.h: times are Unix seconds, 0 unknown; byte
 * counts int64_t, -1 unknown; everything is owned by its struct. Nothing
 * here holds or prints a credential but the client's own copy. */
#ifndef RC_DTR_H
#define RC_DTR_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "registry/creds.h"
#include "registry/api.h"
#include "strv.h"

/* ---- the scan model ---------------------------------------------------------- */

/* A layer of a tag's manifest (manifest.dockerfile[]). */
struct rc_dtr_layer {
	char *digest; /* layerDigest */
	int64_t size;
};

struct rc_dtr_tag {
	char *name;
	char *digest; /* the manifest digest the tag names */
	char *media_type; /* manifest.mediaType, NULL unknown */
	char *os, *arch; /* NULL unknown */
	int64_t created; /* createdAt */
	int64_t updated; /* updatedAt: the last push to the tag */
	int in_notary; /* signed: DTR refuses to delete it (TAG_IN_NOTARY) */
	int hash_mismatch; /* DTR says the digest does not match its content */
	int64_t size; /* sum of its layers' sizes, -1 unknown */
	struct rc_dtr_layer *layers;
	size_t n_layers;
	/* How it arrived, for reviewers (the tag's reason says it): a promotion
	 * policy made it ("promotion": {"promotionPolicyID"}), or a mirroring
	 * policy brought it ("mirroring": {"mirroringPolicyID", "remoteHost",
	 * "remoteRepository", "remoteTag"}); NULL when the object is absent,
	 * empty or not as expected (the fields are informative only). */
	char *promoted_by; /* "policy ID" */
	char *mirrored_from; /* "host/repository:tag" */
};

struct rc_dtr_repo {
	char *ns, *name; /* "namespace", "name" */
	int immutable; /* immutableTags */
	int manifest_lists; /* enableManifestLists */
	int64_t tag_limit; /* tagLimit, 0: none */
	struct rc_dtr_tag *tags; /* sorted by name */
	size_t n_tags;
};

struct rc_dtr_scan {
	char *url; /* canonical (rc_reg_canonical_url), never credentials */
	char *name; /* the plan's source name: "dtr-<host>-<port>" */
	struct rc_dtr_repo *repos; /* sorted by "ns/name" */
	size_t n_repos;
	int partial; /* --repos narrowed it: after-GC bytes are an upper bound */
	size_t pages; /* list pages read (the benchmark counts them) */
};

void rc_dtr_scan_init(struct rc_dtr_scan *s);
void rc_dtr_scan_release(struct rc_dtr_scan *s);
void rc_dtr_tag_release(struct rc_dtr_tag *t);

/* ---- parsers (pure) ---------------------------------------------------------- */

/* 1 when s is a DTR namespace or repository name: [a-z0-9]+ joined by
 * single '.', '_' or '-', at most 255 characters. Names from the server are
 * checked with it (and tags with rc_reg_tag_valid) before they go into a
 * request path, whose characters they then never need escaping for. */
int rc_dtr_name_valid(const char *s);

/* {"repositories":[...]}: appends each repository (namespace, name,
 * immutableTags, enableManifestLists, tagLimit) to *v / *n. RC_ERR_PROTOCOL
 * on malformed, truncated or ill-typed JSON or an invalid name. */
int rc_dtr_parse_repos(const char *body, size_t len, struct rc_dtr_repo **v, size_t *n,
		       struct rc_err *err);
/* A tag object (what GET .../tags/{tag} answers) into t (zeroed here). */
int rc_dtr_parse_tag_json(const void *json, struct rc_dtr_tag *t, struct rc_err *err);
int rc_dtr_parse_tag(const char *body, size_t len, struct rc_dtr_tag *t, struct rc_err *err);
/* A page of tags, a JSON array of tag objects, appended to r->tags. */
int rc_dtr_parse_tags(const char *body, size_t len, struct rc_dtr_repo *r, struct rc_err *err);

/* ---- the client -------------------------------------------------------------- */

#define RC_DTR_PAGE_SIZE 100 /* pageSize asked for; Harbor's DTR adapter too */
#define RC_DTR_MAX_PAGES 100000 /* of one listing, whatever X-Resource-Count says */

struct rc_dtr_opts {
	/* the connection (rc_api_opts_from): https:// unless the URL says
	 * http://; the client sets the naming and the body cap */
	struct rc_api_opts api;
	size_t page_size; /* 0: RC_DTR_PAGE_SIZE */
	const struct rc_strv *repos; /* fnmatch globs over "ns/repo"; NULL: all */
};

struct rc_dtr_client;

/* Canonicalises the URL, looks up credentials for its host (creds.h) and
 * creates the HTTP client; sends nothing. Plain HTTP only when the URL says
 * http:// and the host is a loopback address. NULL with err (RC_ERR_USAGE
 * for a bad URL). */
struct rc_dtr_client *rc_dtr_open(const struct rc_dtr_opts *o, struct rc_err *err);
void rc_dtr_free(struct rc_dtr_client *c);
const char *rc_dtr_url(const struct rc_dtr_client *c);
const char *rc_dtr_name(const struct rc_dtr_client *c);

/* Reads the first page of repositories: the credentials work and this is a
 * DTR. One clear line otherwise ("DTR 'URL' refused the credentials ...:
 * NOT_AUTHENTICATED: ..."). */
int rc_dtr_ping(struct rc_dtr_client *c, struct rc_err *err);

/* Every repository (matching o->repos) and every tag, paged; read-only.
 * s is initialised by the caller and released by the caller either way. */
int rc_dtr_scan(struct rc_dtr_client *c, struct rc_dtr_scan *s, struct rc_err *err);

/* GET one tag: 0 with *found 1 and t filled, or *found 0 when DTR answers
 * 404 / NO_SUCH_TAG; -1 with err otherwise. */
int rc_dtr_get_tag(struct rc_dtr_client *c, const char *repo, const char *tag, int *found,
		   struct rc_dtr_tag *t, struct rc_err *err);

/* The answer to a tag DELETE. */
enum rc_dtr_delete {
	RC_DTR_DELETED = 0, /* 204 */
	RC_DTR_ABSENT, /* 404 or NO_SUCH_TAG */
	RC_DTR_REFUSED, /* any other answer: why says it (code: message) */
};

/* DELETE /api/v0/repositories/{ns}/{repo}/tags/{tag}; repo is "ns/repo".
 * -1 only when DTR could not be asked. */
int rc_dtr_delete_tag(struct rc_dtr_client *c, const char *repo, const char *tag,
		      enum rc_dtr_delete *res, char *why, size_t whysz, struct rc_err *err);

/* Test hook: requests sent. */
size_t rc_dtr_requests_sent(const struct rc_dtr_client *c);

#endif
