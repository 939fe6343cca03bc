/* http.h: the HTTP client of reclaim, over libcurl.
 *
 * One rc_http per endpoint. Endpoints: "unix:///path/to.sock",
 * "tcp://host:port" (https when TLS is configured), "http://..." and
 * "https://...". In read-only mode every method but GET and HEAD is refused
 * with RC_ERR_READONLY before anything is sent: the planner relies on it. */
#ifndef RC_HTTP_H
#define RC_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

struct rc_rate;

struct rc_http_tls {
	int verify; /* verify the peer (default 1) */
	char *ca_file; /* owned; NULL: system store */
	char *cert_file; /* client certificate, owned, may be NULL */
	char *key_file; /* client key, owned, may be NULL */
};

struct rc_http_opts {
	int read_only; /* refuse everything but GET/HEAD */
	long connect_timeout_ms; /* default 5000 */
	long timeout_ms; /* whole request, default 60000 */
	int max_retries; /* idempotent requests on connect errors/5xx/429 (not
			    after a timeout once sent, see below); default 3 */
	long retry_base_ms; /* first backoff, doubled each time; default 200 */
	size_t max_body; /* response cap, default RC_BUF_DEFAULT_MAX */
	int follow_redirects; /* GET and HEAD follow up to 5 redirects (registries
				 send blobs to storage); default 0: never. An
				 Authorization header set by the caller is never
				 sent to another host, port or scheme (libcurl
				 >= 7.83 drops it there) */
	struct rc_http_tls tls;
	/* Borrowed, may be NULL (no limit): every request this client sends
	 * (retries, parallel windows) first takes a slot of this pace, which
	 * other clients may share (rate.h, --max-rps). It must outlive the
	 * client. */
	struct rc_rate *pace;
};

/* One response header: name as sent, value without surrounding blanks. */
struct rc_http_header {
	char *name;
	char *value;
};

/* A response keeps at most this many headers, of at most this many bytes
 * in all; later ones are dropped, so a hostile server cannot exhaust memory
 * (the protocols reclaim speaks send a dozen). */
#define RC_HTTP_MAX_HEADERS 256
#define RC_HTTP_MAX_HEADER_BYTES ((size_t)1 << 20)

struct rc_http_resp {
	long status;
	struct rc_buf body;
	/* The final response's headers, in the order received (owned; the
	 * headers of a 100 Continue or a redirect are forgotten). Look them
	 * up with rc_http_resp_header. */
	struct rc_http_header *headers;
	size_t n_headers;
	size_t header_bytes;
	long retry_after_s; /* Retry-After seconds (at most 30), -1 when absent */
};

/* The value of response header `name` (case-insensitive), or NULL when the
 * response has none. When it was sent more than once, the last value.
 * Valid until resp is released. */
const char *rc_http_resp_header(const struct rc_http_resp *resp, const char *name);

struct rc_http;

/* Fills opts with the defaults above. */
void rc_http_opts_default(struct rc_http_opts *opts);
/* Frees the strings inside opts->tls (not opts itself). */
void rc_http_opts_release(struct rc_http_opts *opts);

/* Creates a client for `endpoint`; copies what it needs from opts.
 * Returns NULL and fills err on a bad endpoint or scheme, or a tls.ca_file
 * that cannot be read (RC_ERR_USAGE, "cannot read the CA file ..."). */
struct rc_http *rc_http_new(const char *endpoint, const struct rc_http_opts *opts,
			    struct rc_err *err);
void rc_http_free(struct rc_http *h);

/* The endpoint as given, for plans and messages. */
const char *rc_http_endpoint(const struct rc_http *h);

/* Adds a header sent with every request, e.g. "Authorization: Basic ...". */
int rc_http_add_header(struct rc_http *h, const char *header, struct rc_err *err);

/* Performs METHOD on path (starting with '/'; may hold a query string).
 * body may be NULL. On return 0, resp holds the status (any status, also
 * 4xx/5xx: callers decide) and the body. Returns -1 on transport failure
 * (RC_ERR_CONNECT), read-only refusal (RC_ERR_READONLY) or a body over the cap
 * (RC_ERR_PROTOCOL). GET, HEAD and DELETE are retried on transport errors
 * other than TLS failures (a certificate that does not verify fails at once
 * with "...: TLS: " and curl's detail), 5xx and 429 up to max_retries times,
 * after the wait a Retry-After asks for (exactly, at most 30 s and at most
 * timeout_ms), else after the backoff schedule's wait with jitter
 * (rc_backoff_jitter_ms), but
 * never after timeout_ms ran out on a request that was sent in full: that
 * fails at once with RC_ERR_CONNECT, sys_errno ETIMEDOUT and "'ENDPOINT' did
 * not answer METHOD 'PATH' within 60s". A connect that timed out is retried.
 * resp must be released with rc_http_resp_release even on failure. */
int rc_http_request(struct rc_http *h, const char *method, const char *path,
		    const char *content_type, const void *body, size_t body_len,
		    struct rc_http_resp *resp, struct rc_err *err);

/* One request, for callers that need more than rc_http_request: headers
 * of their own for this request only (Accept, Authorization), each a full
 * "Name: value" line, NULL-terminated list, may be NULL. method NULL is GET.
 * Everything else is as rc_http_request. */
struct rc_http_req {
	const char *method;
	const char *path;
	const char *const *headers;
	const char *content_type;
	const void *body;
	size_t body_len;
};

int rc_http_do(struct rc_http *h, const struct rc_http_req *req, struct rc_http_resp *resp,
	       struct rc_err *err);

/* Convenience: GET path; on a status other than 2xx fills err with
 * RC_ERR_HTTP, http_status and a message naming the path and the server's
 * error text (sanitised) when the body has one, and returns -1. */
int rc_http_get_ok(struct rc_http *h, const char *path, struct rc_http_resp *resp,
		   struct rc_err *err);

/* Fills err like rc_http_get_ok when resp's status is not 2xx; returns 0 for
 * 2xx, else -1. */
int rc_http_check_ok(const char *path, const struct rc_http_resp *resp, struct rc_err *err);

#define RC_HTTP_MAX_PARALLEL 64

/* GETs n paths, up to `parallel` (at most RC_HTTP_MAX_PARALLEL) at a time on
 * separate connections, for scans that fetch one object after another.
 * resps[i] (n of them, uninitialised on entry) receives path i's answer,
 * whatever its status; the caller releases every one of them, also on
 * failure. Transport errors, 5xx and 429 are retried one at a time as in
 * rc_http_request; a request sent in full that timed out fails at once.
 * Returns -1 on a failure rc_http_request would report, or an answer over the
 * size cap. GET only, so read-only mode allows it. */
int rc_http_get_many(struct rc_http *h, const char *const *paths, size_t n, size_t parallel,
		     struct rc_http_resp *resps, struct rc_err *err);

/* rc_http_get_many with headers of its own for each request: headers[i] is
 * path i's NULL-terminated list of "Name: value" lines (or NULL), as in
 * struct rc_http_req; headers itself may be NULL. */
int rc_http_get_many_h(struct rc_http *h, const char *const *paths,
		       const char *const *const *headers, size_t n, size_t parallel,
		       struct rc_http_resp *resps, struct rc_err *err);

/* rc_http_get_many_h with method "GET" or "HEAD" (anything else is
 * RC_ERR_USAGE before anything is sent): a scan asks for many manifests'
 * digests with HEAD. A HEAD answer has headers and no body. */
int rc_http_many_h(struct rc_http *h, const char *method, const char *const *paths,
		   const char *const *const *headers, size_t n, size_t parallel,
		   struct rc_http_resp *resps, struct rc_err *err);

/* rc_http_many_h with an outcome per request, for deletes sent together:
 * method "GET", "HEAD" or "DELETE" (a DELETE is refused with RC_ERR_READONLY
 * in read-only mode, before anything is sent). errs[i] (n of them, cleared
 * on entry) receives request i's failure, and resps[i].status is then 0: a
 * transport error that outlived the retries, a request sent in full that
 * timed out (never sent again: the server may have acted on it), an answer
 * over the size cap; the other requests go on. Transport errors, 5xx and 429
 * are retried one at a time as in rc_http_request (a DELETE is idempotent).
 * Returns -1 with err when the window cannot go on: a bad method or path
 * (before anything is sent), no memory, or libcurl's multiplexing failing
 * (some requests may then have been sent: a caller that deletes reports
 * every one it has no answer for as failed). */
int rc_http_many_each(struct rc_http *h, const char *method, const char *const *paths,
		      const char *const *const *headers, size_t n, size_t parallel,
		      struct rc_http_resp *resps, struct rc_err *errs, struct rc_err *err);

void rc_http_resp_init(struct rc_http_resp *resp);
void rc_http_resp_release(struct rc_http_resp *resp);

/* Test hook: number of requests actually sent by this client. */
size_t rc_http_requests_sent(const struct rc_http *h);

#endif
