/* engine.h: the Docker Engine API client (common/engine/).
 *
 * Finds the engine the way the docker CLI does: an explicit URL (--engine),
 * else DOCKER_HOST, else unix:///var/run/docker.sock. With DOCKER_TLS_VERIFY
 * set, tcp:// becomes https:// with certificates from DOCKER_CERT_PATH
 * (ca.pem, cert.pem, key.pem; default ~/.docker). Supports API 1.41 up to
 * RC_ENGINE_API_MAX; the version is negotiated through /_ping. All
 * engine-version quirks are handled in this folder and nowhere else: which
 * requests an API version allows in client.c, the shape of its answers in
 * parse.c. Code outside the folder never compares versions. */
#ifndef RC_ENGINE_H
#define RC_ENGINE_H

#include "err.h"
#include "http.h"
#include "inventory.h"

#define RC_ENGINE_API_MIN "1.41"
#define RC_ENGINE_API_MAX "1.52"

struct rc_engine;

/* Default per-request timeout: a hung engine fails a run within a minute. */
#define RC_ENGINE_TIMEOUT_MS 60000L

/* Resolves the endpoint (url NULL: DOCKER_HOST, then the default socket) and
 * creates a client. Does not connect yet. read_only is passed to the HTTP
 * layer. timeout_ms bounds each request (<= 0: RC_ENGINE_TIMEOUT_MS); a
 * request that times out after it was sent is not retried. "tcp://host"
 * without a port means port 2375, or 2376 with DOCKER_TLS_VERIFY, as in the
 * docker CLI. An empty url, and unsupported schemes (e.g. ssh://), fail with
 * RC_ERR_USAGE. */
struct rc_engine *rc_engine_new(const char *url, int read_only, long timeout_ms,
				struct rc_err *err);
void rc_engine_free(struct rc_engine *e);

/* /_ping, version negotiation, then /info. Fills info (owned by the caller's
 * inventory, see rc_inventory_release). */
int rc_engine_connect(struct rc_engine *e, struct rc_engine_info *info, struct rc_err *err);

/* Full read-only scan into inv: info, images (+inspect for layers and
 * LastTagTime, +history for layer sizes), containers (+inspect of stopped
 * ones for FinishedAt), volumes, networks, /system/df. Progress on stderr
 * through rc_progress. */
int rc_engine_scan(struct rc_engine *e, struct rc_inventory *inv, struct rc_err *err);

/* The underlying client, for the executor's deletes and re-checks. */
struct rc_http *rc_engine_http(struct rc_engine *e);
/* Negotiated API version, e.g. "1.41"; valid after connect. */
const char *rc_engine_api_version(const struct rc_engine *e);

/* 1 when /images/json takes shared-size=1 (API 1.42+). */
int rc_engine_images_shared_size(const struct rc_engine *e);
/* 1 when /system/df takes ?type=volume / ?type=build-cache, so that the
 * daemon measures only what is asked (API 1.42+); else the whole
 * /system/df must be read. */
int rc_engine_df_by_type(const struct rc_engine *e);

/* One request, from the API root. The path sent is "/v<api>" + path +
 * object + tail, then "?" + query, then "&" (or "?") + "filters=" + the
 * percent-encoded filters. Fields other than path may be NULL. */
struct rc_engine_req {
	const char *path; /* "/images/", "/system/df" */
	const char *object; /* an ID, name or image reference, sent as it is */
	const char *tail; /* "/json", "/history" */
	const char *query; /* literal parameters: "all=1", "noprune=1" */
	const char *filters; /* JSON, encoded with curl_easy_escape */
};

/* The versioned request path for req, in a new string (caller frees); never
 * cut short. The object must be made of [A-Za-z0-9_.:@/-] (what
 * rc_engine_object_safe and rc_engine_ref_safe let through), so that it
 * means itself in a path: anything else is refused, never encoded or
 * dropped. NULL with err: RC_ERR_INTERNAL for such an object, else
 * RC_ERR_NOMEM. */
char *rc_engine_path(const struct rc_engine *e, const struct rc_engine_req *req,
		     struct rc_err *err);

/* Parsers of single responses, exposed so that recorded answers of newer
 * API versions can be unit-tested. `api` is the version they came from.
 * Each appends to inv and returns -1 with RC_ERR_PROTOCOL on malformed JSON
 * or wrong types, naming the field. */
int rc_engine_parse_images(const char *json, size_t len, const char *api,
			   struct rc_inventory *inv, struct rc_err *err);
/* Applies an /images/{id}/json answer (layers, LastTagTime, parent) to img. */
int rc_engine_parse_image_inspect(const char *json, size_t len, struct rc_image *img,
				  struct rc_err *err);
/* Applies an /images/{id}/history answer (per-layer sizes) to img. */
int rc_engine_parse_image_history(const char *json, size_t len, struct rc_image *img,
				  struct rc_err *err);
int rc_engine_parse_containers(const char *json, size_t len, const char *api,
			       struct rc_inventory *inv, struct rc_err *err);
int rc_engine_parse_volumes(const char *json, size_t len, struct rc_inventory *inv,
			    struct rc_err *err);
int rc_engine_parse_networks(const char *json, size_t len, struct rc_inventory *inv,
			     struct rc_err *err);
/* /system/df: LayersSize, volume usage, build cache, image shared sizes. */
int rc_engine_parse_df(const char *json, size_t len, const char *api, struct rc_inventory *inv,
		       struct rc_err *err);
/* Applies a /containers/{id}/json answer to c: State.FinishedAt, and
 * StartedAt and FinishedAt as given (the evidence of use a plan records). */
int rc_engine_parse_container_inspect(const char *json, size_t len, struct rc_container *c,
				      struct rc_err *err);
int rc_engine_parse_info(const char *json, size_t len, struct rc_engine_info *info,
			 struct rc_err *err);

/* Compares dotted API versions: <0, 0, >0. */
int rc_engine_api_cmp(const char *a, const char *b);

#endif
