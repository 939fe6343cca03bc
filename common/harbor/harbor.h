/* harbor/harbor.h: Harbor 2.x / Mirantis Secure Registry 4, through its own
 * API, /api/v2.0 (docs/harbor.md).
 *
 * Three layers, one header, as dtr/dtr.h: the scan model a scan fills
 * (struct rc_harbor_scan), the pure parsers of the API's answers
 * (harbor/parse.c, fuzzed and unit-tested), and the client
 * (harbor/client.c): basic auth (a user or a robot account, from the shared
 * lookup, registry/creds.h), bounded pagination (page, page_size, Link,
 * X-Total-Count), the read-only scan, and the executor's artifact GET,
 * DELETEs and the manual GC. The objects the planner judges are built in
 * harbor/objects.h.
 *
 * Conventions of ../inventory.h: times are Unix seconds, 0 unknown; byte
 * counts int64_t, -1 unknown; everything is owned by its struct. Harbor's
 * zero time "0001-01-01T00:00:00.000Z" (never pulled) is 0 here. */
#ifndef RC_HARBOR_H
#define RC_HARBOR_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "registry/api.h"
#include "strv.h"

/* ---- the scan model ---------------------------------------------------------- */

struct rc_harbor_tag {
	char *name;
	int64_t push_time, pull_time; /* 0: unknown, or never pulled */
	char *push_raw, *pull_raw; /* as Harbor wrote them, NULL absent */
	int immutable; /* a tag immutability rule matches it */
};

/* An accessory (a cosign or notation signature, an SBOM): an artifact of
 * the same repository that Harbor deletes with its subject. */
struct rc_harbor_accessory {
	char *digest;
	char *type; /* e.g. "signature.cosign"; NULL unknown */
	int64_t size;
};

struct rc_harbor_artifact {
	char *digest;
	char *type; /* "IMAGE", "CHART", ...; NULL unknown */
	char *media_type; /* manifest_media_type, else media_type; NULL */
	int64_t size; /* as Harbor reports it, -1 unknown */
	int64_t push_time, pull_time; /* 0: unknown, or never pulled */
	char *push_raw, *pull_raw; /* as Harbor wrote them, NULL absent */
	struct rc_harbor_tag *tags; /* sorted by name */
	size_t n_tags;
	struct rc_strv children; /* references[].child_digest */
	struct rc_harbor_accessory *accessories;
	size_t n_accessories;
};

struct rc_harbor_repo {
	char *name; /* "project/repo", as Harbor names it */
	struct rc_harbor_artifact *artifacts; /* sorted by digest */
	size_t n_artifacts;
};

struct rc_harbor_scan {
	char *url; /* canonical (rc_reg_canonical_url), never credentials */
	char *name; /* the plan's source name: "harbor-<host>-<port>" */
	struct rc_harbor_repo *repos; /* sorted by name */
	size_t n_repos;
	int partial; /* --projects / --repos narrowed it: after-GC bytes are
			an upper bound */
	size_t pages; /* list pages read */
};

void rc_harbor_scan_init(struct rc_harbor_scan *s);
void rc_harbor_scan_release(struct rc_harbor_scan *s);
void rc_harbor_artifact_release(struct rc_harbor_artifact *a);

/* ---- parsers (pure) ---------------------------------------------------------- */

/* 1 when s is a Harbor project name: [a-z0-9] then [a-z0-9._-], at most
 * 255 characters. */
int rc_harbor_project_valid(const char *s);

/* A page of GET /projects: appends each project's "name" to out. */
int rc_harbor_parse_projects(const char *body, size_t len, struct rc_strv *out, struct rc_err *err);
/* A page of GET /projects/{p}/repositories: appends each "name" (the full
 * "project/repo") to out; each must start with project + "/" and be a
 * distribution-spec repository name. */
int rc_harbor_parse_repos(const char *body, size_t len, const char *project, struct rc_strv *out,
			  struct rc_err *err);
/* One artifact object (GET .../artifacts/{reference}) into a (zeroed
 * here). */
int rc_harbor_parse_artifact_json(const void *json, struct rc_harbor_artifact *a,
				  struct rc_err *err);
int rc_harbor_parse_artifact(const char *body, size_t len, struct rc_harbor_artifact *a,
			     struct rc_err *err);
/* A page of artifacts, a JSON array, appended to r->artifacts. */
int rc_harbor_parse_artifacts(const char *body, size_t len, struct rc_harbor_repo *r,
			      struct rc_err *err);
/* A Harbor time: 0 for the zero time, empty or absent; -1 malformed. */
int rc_harbor_parse_time(const char *s, int64_t *out);

/* The pull time rules read for an artifact, or for its tag t (NULL: the
 * artifact): the newest of the tag's and the artifact's pull_time, or, when
 * neither was ever pulled, the push time: the artifact's, or the tag's when
 * later (a tag pushed yesterday onto an old artifact is not "never pulled
 * for 400 days"). *when gets it in Unix seconds; returns it as Harbor wrote
 * it (NULL when Harbor gave none). */
const char *rc_harbor_pulled_at(const struct rc_harbor_artifact *a, const struct rc_harbor_tag *t,
				int64_t *when);

/* ---- the client -------------------------------------------------------------- */

#define RC_HARBOR_PAGE_SIZE 100 /* page_size asked for: Harbor's maximum */
#define RC_HARBOR_MAX_PAGES 100000 /* of one listing, whatever X-Total-Count says */

struct rc_harbor_opts {
	/* the connection (rc_api_opts_from): https:// unless the URL says
	 * http:// on loopback; the client sets the naming and the body cap */
	struct rc_api_opts api;
	size_t page_size; /* 0: RC_HARBOR_PAGE_SIZE */
	const struct rc_strv *projects; /* fnmatch globs over project names */
	const struct rc_strv *repos; /* fnmatch globs over "project/repo" */
};

struct rc_harbor_client;

struct rc_harbor_client *rc_harbor_open(const struct rc_harbor_opts *o, struct rc_err *err);
void rc_harbor_free(struct rc_harbor_client *c);
const char *rc_harbor_url(const struct rc_harbor_client *c);
const char *rc_harbor_name(const struct rc_harbor_client *c);
size_t rc_harbor_requests_sent(const struct rc_harbor_client *c);

/* GET /api/v2.0/users/current: the credentials work (Harbor takes wrong
 * ones for an anonymous caller); a warning when there are none (Harbor's
 * anonymous view: public projects only). One clear line otherwise. The
 * scan begins with it. */
int rc_harbor_ping(struct rc_harbor_client *c, struct rc_err *err);

/* Every project, repository and artifact (as filtered); read-only. */
int rc_harbor_scan(struct rc_harbor_client *c, struct rc_harbor_scan *s, struct rc_err *err);

/* GET one artifact of "project/repo" by digest or tag, with its tags:
 * 0 with *found 1 and a filled, or *found 0 on 404; -1 with err otherwise. */
int rc_harbor_get_artifact(struct rc_harbor_client *c, const char *repo, const char *reference,
			   int *found, struct rc_harbor_artifact *a, struct rc_err *err);

enum rc_harbor_delete {
	RC_HARBOR_DELETED = 0, /* 200 */
	RC_HARBOR_ABSENT, /* 404 */
	RC_HARBOR_CHANGED, /* 412: an immutable tag, or a reference by another
			      artifact (why: Harbor's message) */
	RC_HARBOR_REFUSED, /* anything else: why says it */
};

/* DELETE .../artifacts/{digest}, or with tag .../artifacts/{digest}/tags/{tag}.
 * -1 only when Harbor could not be asked. */
int rc_harbor_delete(struct rc_harbor_client *c, const char *repo, const char *digest,
		     const char *tag, enum rc_harbor_delete *res, char *why, size_t whysz,
		     struct rc_err *err);

/* POST /api/v2.0/system/gc/schedule, a manual run; its ID (from the
 * Location header) into id. */
int rc_harbor_trigger_gc(struct rc_harbor_client *c, char *id, size_t idsz, struct rc_err *err);

#endif
