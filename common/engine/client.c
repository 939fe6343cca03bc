/* client.c: the Docker Engine API client.
 *
 * Endpoint resolution (as the docker CLI does it), the HTTP client, /_ping
 * and API version negotiation, /info, versioned paths. Requests that exist
 * only from some API version are decided here (rc_engine_images_shared_size,
 * rc_engine_df_by_type); differences in the shape of answers are handled by
 * parse.c. No other code compares engine versions. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "engine.h"
#include "units.h"

#define DEFAULT_HOST "unix:///var/run/docker.sock"

struct rc_engine {
	struct rc_http *http;
	char api[32];
};

/* ---------- versions ---------- */

static int parse_ver(const char *s, long *maj, long *min)
{
	char *end;

	errno = 0;
	*maj = strtol(s, &end, 10);
	if (end == s || *end != '.' || errno)
		return -1;
	s = end + 1;
	*min = strtol(s, &end, 10);
	if (end == s || *end || errno || *maj < 0 || *min < 0)
		return -1;
	return 0;
}

int rc_engine_api_cmp(const char *a, const char *b)
{
	long amaj = 0, amin = 0, bmaj = 0, bmin = 0;

	if (!a || parse_ver(a, &amaj, &amin) < 0)
		amaj = amin = -1;
	if (!b || parse_ver(b, &bmaj, &bmin) < 0)
		bmaj = bmin = -1;
	if (amaj != bmaj)
		return amaj < bmaj ? -1 : 1;
	if (amin != bmin)
		return amin < bmin ? -1 : 1;
	return 0;
}

/* ---------- client ---------- */

static char *path_join(const char *dir, const char *file)
{
	size_t n = strlen(dir) + strlen(file) + 2;
	char *p = malloc(n);

	if (p)
		snprintf(p, n, "%s/%s", dir, file);
	return p;
}

/* "tcp://host" without a port means 2375, or 2376 with TLS, as the docker CLI
 * reads it; libcurl would pick 80 or 443. Returns a new string with the port
 * added, NULL when host needs none (or on no memory: *nomem is set). */
static char *tcp_with_default_port(const char *host, int tls, int *nomem)
{
	const char *auth = host + strlen("tcp://"), *end, *bracket;
	struct rc_buf b = RC_BUF_INIT;
	struct rc_err err = RC_ERR_INIT;

	*nomem = 0;
	if (strncmp(host, "tcp://", 6) != 0 || !*auth || *auth == '/')
		return NULL;
	end = auth + strcspn(auth, "/");
	if (*auth == '[') {
		bracket = memchr(auth, ']', (size_t)(end - auth));
		if (!bracket || bracket + 1 != end) /* has a port, or malformed */
			return NULL;
	} else if (memchr(auth, ':', (size_t)(end - auth))) {
		return NULL;
	}
	rc_buf_init(&b, 0);
	if (rc_buf_append(&b, host, (size_t)(end - host), &err) < 0 ||
	    rc_buf_printf(&b, &err, ":%d%s", tls ? 2376 : 2375, end) < 0) {
		rc_buf_release(&b);
		*nomem = 1;
		return NULL;
	}
	return rc_buf_detach(&b);
}

struct rc_engine *rc_engine_new(const char *url, int read_only, long timeout_ms, struct rc_err *err)
{
	struct rc_engine *e = NULL;
	struct rc_http_opts opts;
	const char *host = url;
	char *certdir = NULL, *with_port = NULL;
	char q[256];
	int tls, nomem;

	rc_http_opts_default(&opts);
	if (url && !*url) {
		rc_err_set(err, RC_ERR_USAGE,
			   "empty engine URL: want unix:///path or tcp://host:port");
		goto fail;
	}
	if (!host)
		host = getenv("DOCKER_HOST");
	if (!host || !*host)
		host = DEFAULT_HOST;
	rc_sanitize(q, sizeof(q), host);
	if (strncmp(host, "ssh://", 6) == 0) {
		rc_err_set(err, RC_ERR_USAGE,
			   "cannot use engine '%s': ssh:// is not supported; forward the socket "
			   "(ssh -L /tmp/docker.sock:/var/run/docker.sock) and use unix://",
			   q);
		goto fail;
	}
	if (strncmp(host, "unix://", 7) != 0 && strncmp(host, "tcp://", 6) != 0 &&
	    strncmp(host, "http://", 7) != 0 && strncmp(host, "https://", 8) != 0) {
		rc_err_set(err, RC_ERR_USAGE,
			   "cannot use engine '%s': unsupported scheme; want unix://, tcp://, "
			   "http:// or https://",
			   q);
		goto fail;
	}
	opts.read_only = read_only;
	/* per request: a hung engine must fail the run, not stall it */
	opts.timeout_ms = timeout_ms > 0 ? timeout_ms : RC_ENGINE_TIMEOUT_MS;
	tls = getenv("DOCKER_TLS_VERIFY") && *getenv("DOCKER_TLS_VERIFY");
	with_port = tcp_with_default_port(host, tls, &nomem);
	if (nomem) {
		rc_err_nomem(err);
		goto fail;
	}
	if (with_port)
		host = with_port;
	if (strncmp(host, "tcp://", 6) == 0 && tls) {
		const char *cp = getenv("DOCKER_CERT_PATH");
		const char *home = getenv("HOME");

		if (cp && *cp)
			certdir = strdup(cp);
		else
			certdir = path_join(home && *home ? home : ".", ".docker");
		if (!certdir || !(opts.tls.ca_file = path_join(certdir, "ca.pem")) ||
		    !(opts.tls.cert_file = path_join(certdir, "cert.pem")) ||
		    !(opts.tls.key_file = path_join(certdir, "key.pem"))) {
			rc_err_nomem(err);
			goto fail;
		}
		opts.tls.verify = 1;
		{
			const char *files[] = {opts.tls.ca_file, opts.tls.cert_file,
					       opts.tls.key_file};
			size_t i;

			for (i = 0; i < 3; i++) {
				if (access(files[i], R_OK) < 0) {
					char f[512];
					rc_sanitize(f, sizeof(f), files[i]);
					rc_err_sys(err, errno,
						   "DOCKER_TLS_VERIFY is set but cannot read '%s'",
						   f);
					if (err)
						err->kind = RC_ERR_USAGE;
					goto fail;
				}
			}
		}
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		rc_err_nomem(err);
		goto fail;
	}
	e->http = rc_http_new(host, &opts, err);
	if (!e->http)
		goto fail;
	snprintf(e->api, sizeof(e->api), "%s", RC_ENGINE_API_MIN);
	free(with_port);
	free(certdir);
	rc_http_opts_release(&opts);
	return e;
fail:
	free(with_port);
	free(certdir);
	rc_http_opts_release(&opts);
	rc_engine_free(e);
	return NULL;
}

void rc_engine_free(struct rc_engine *e)
{
	if (!e)
		return;
	rc_http_free(e->http);
	free(e);
}

struct rc_http *rc_engine_http(struct rc_engine *e)
{
	return e ? e->http : NULL;
}

const char *rc_engine_api_version(const struct rc_engine *e)
{
	return e ? e->api : NULL;
}

int rc_engine_images_shared_size(const struct rc_engine *e)
{
	return rc_engine_api_cmp(e->api, "1.42") >= 0;
}

int rc_engine_df_by_type(const struct rc_engine *e)
{
	return rc_engine_api_cmp(e->api, "1.42") >= 0;
}

static int path_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == ':' || c == '@' || c == '/' || c == '-';
}

/* The filters go through curl_easy_escape (RFC 3986 unreserved characters
 * as they are, the rest as upper-case %XX) and are appended here, not with
 * curl_url_set(CURLU_APPENDQUERY): the URL API rewrites %XX to lower case,
 * which would change the bytes the daemon sees and logs. */
char *rc_engine_path(const struct rc_engine *e, const struct rc_engine_req *req, struct rc_err *err)
{
	struct rc_buf b = RC_BUF_INIT;
	char *esc = NULL, *out = NULL;
	const char *c;

	for (c = req->object; c && *c; c++)
		if (!path_char(*c)) {
			char q[128];

			rc_sanitize(q, sizeof(q), req->object);
			rc_err_set(err, RC_ERR_INTERNAL, "cannot put '%s' in a request path", q);
			goto out;
		}
	rc_buf_init(&b, 0);
	if (rc_buf_puts(&b, "/v", err) < 0 || rc_buf_puts(&b, e->api, err) < 0 ||
	    rc_buf_puts(&b, req->path, err) < 0 ||
	    (req->object && rc_buf_puts(&b, req->object, err) < 0) ||
	    (req->tail && rc_buf_puts(&b, req->tail, err) < 0) ||
	    (req->query && (rc_buf_puts(&b, "?", err) < 0 || rc_buf_puts(&b, req->query, err) < 0)))
		goto out;
	if (req->filters) {
		if (!(esc = curl_easy_escape(NULL, req->filters, 0))) {
			rc_err_nomem(err);
			goto out;
		}
		if (rc_buf_puts(&b, req->query ? "&filters=" : "?filters=", err) < 0 ||
		    rc_buf_puts(&b, esc, err) < 0)
			goto out;
	}
	if (!(out = rc_buf_detach(&b)))
		rc_err_nomem(err);
out:
	curl_free(esc);
	rc_buf_release(&b);
	return out;
}

/* GET a versioned path that must answer 2xx. */
static int get(struct rc_engine *e, const char *path, struct rc_http_resp *resp, struct rc_err *err)
{
	char *full;
	int rc = 0;

	rc_http_resp_release(resp);
	rc_http_resp_init(resp);
	if (!(full = rc_engine_path(e, &(struct rc_engine_req){.path = path}, err)))
		return -1;
	if (rc_http_get_ok(e->http, full, resp, err) < 0) {
		rc = -1;
		if (err && err->kind == RC_ERR_HTTP)
			rc_err_prefix(err, "engine '%s'", rc_http_endpoint(e->http));
	}
	free(full);
	return rc;
}

int rc_engine_connect(struct rc_engine *e, struct rc_engine_info *info, struct rc_err *err)
{
	struct rc_http_resp resp;
	char ver[32], ep[256];
	int ret = -1;

	rc_http_resp_init(&resp);
	rc_sanitize(ep, sizeof(ep), rc_http_endpoint(e->http));
	if (rc_http_get_ok(e->http, "/_ping", &resp, err) < 0) {
		if (err && err->kind == RC_ERR_HTTP)
			rc_err_prefix(err, "engine '%s'", ep);
		goto out;
	}
	if (!rc_http_resp_header(&resp, "Api-Version")) {
		rc_err_set(err, RC_ERR_PROTOCOL,
			   "engine at '%s' sent no Api-Version header: not a Docker Engine?", ep);
		goto out;
	}
	rc_sanitize(ver, sizeof(ver), rc_http_resp_header(&resp, "Api-Version"));
	{
		long maj, min;
		if (parse_ver(ver, &maj, &min) < 0) {
			rc_err_set(err, RC_ERR_PROTOCOL,
				   "engine at '%s' sent a bad Api-Version '%s'", ep, ver);
			goto out;
		}
	}
	if (rc_engine_api_cmp(ver, RC_ENGINE_API_MIN) < 0) {
		rc_err_set(err, RC_ERR_PROTOCOL,
			   "engine at '%s' speaks API %s; reclaim needs %s or newer", ep, ver,
			   RC_ENGINE_API_MIN);
		goto out;
	}
	snprintf(e->api, sizeof(e->api), "%s",
		 rc_engine_api_cmp(ver, RC_ENGINE_API_MAX) > 0 ? RC_ENGINE_API_MAX : ver);
	if (get(e, "/info", &resp, err) < 0 ||
	    rc_engine_parse_info(resp.body.data, resp.body.len, info, err) < 0)
		goto out;
	free(info->api_version);
	free(info->endpoint);
	info->api_version = strdup(e->api);
	info->endpoint = strdup(rc_http_endpoint(e->http));
	if (!info->api_version || !info->endpoint) {
		rc_err_nomem(err);
		goto out;
	}
	ret = 0;
out:
	rc_http_resp_release(&resp);
	return ret;
}
