/* registry/api.h: the core both vendor-API clients share (DTR's /api/v0,
 * Harbor's /api/v2.0): a canonical URL (HTTPS, or plain HTTP only to a
 * loopback address), credentials from the shared lookup (creds.h) sent as
 * HTTP basic auth, the HTTP layer with its options, and the one-line error
 * of a non-2xx answer. Messages name the API by its title ("DTR",
 * "Harbor"). Nothing here holds or prints a credential but the HTTP
 * layer's own copy of the header. */
#ifndef RC_REGISTRY_API_H
#define RC_REGISTRY_API_H

#include <stddef.h>

#include "err.h"
#include "http.h"

struct rc_rate;

struct rc_api_opts {
	const char *title; /* "DTR": messages say "DTR 'URL': ..." */
	const char *flag; /* "--dtr": what a bad URL is blamed on */
	const char *prefix; /* "dtr": the source name is PREFIX-HOST-PORT */
	const char *token_hint; /* ends the refusal of an identity token */
	const char *url; /* as given */
	const char *username, *password; /* --username, --password-stdin; NULL */
	const char *ca_file; /* --tls-ca */
	int insecure; /* --tls-insecure */
	int read_only; /* the planner: the HTTP layer refuses writes */
	long timeout_ms; /* 0: default */
	size_t max_body; /* cap of one answer */
	struct rc_rate *pace; /* borrowed, may be NULL */
};

struct rc_api {
	const char *title;
	char *url; /* canonical, never credentials */
	char *host; /* "host[:port]" of url */
	char *name; /* PREFIX-HOST-PORT */
	int authed; /* credentials were found */
	char origin[96]; /* where from (creds.h), for a 401; never a value */
	struct rc_http_opts hopts;
	struct rc_http *http;
};

struct rc_source_opts; /* source.h */

/* The connection members of out (url, credentials, TLS, read_only,
 * timeout_ms, pace) from a source's options, the rest zeroed: the URL
 * given, else (reclaim-apply) the url the plan names for the source. The
 * client adds its title, flag, prefix, token_hint and max_body. */
void rc_api_opts_from(struct rc_api_opts *out, const struct rc_source_opts *o);

/* Fills a (zeroed here) and creates its HTTP client; sends nothing. -1 with
 * err (RC_ERR_USAGE for a bad URL or an identity token); a is then
 * released. */
int rc_api_open(struct rc_api *a, const struct rc_api_opts *o, struct rc_err *err);
void rc_api_release(struct rc_api *a);

/* One line for a non-2xx answer r to what was asked (what): "TITLE 'URL'
 * refused the credentials from SOURCE (WHAT): HTTP 401: CODE: message", or
 * "TITLE 'URL': WHAT: HTTP N: CODE: message". Always -1 (err->http_status
 * set). */
int rc_api_error(const struct rc_api *a, const char *what, const struct rc_http_resp *r,
		 struct rc_err *err);

/* GET path: 0 with a 2xx answer in r; else -1 with one line naming what. */
int rc_api_get(struct rc_api *a, const char *path, const char *what, struct rc_http_resp *r,
	       struct rc_err *err);

#endif
