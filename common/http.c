/* http.c: the HTTP client of reclaim, over libcurl.
 *
 * One easy handle per client, reset before every request so that options
 * never leak from one request to the next while the connection is reused.
 * Redirects are followed only when a client asks for it (a registry sends
 * blobs to storage), for GET and HEAD, and then libcurl keeps the caller's
 * Authorization header to the original host, port and scheme. */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "backoff.h"
#include "http.h"
#include "rate.h"

#define RETRY_AFTER_CAP_S (RC_BACKOFF_CAP_MS / 1000)

struct rc_http {
	char *endpoint; /* as given */
	char *base_url; /* scheme://host[:port], no trailing slash */
	char *unix_path; /* socket path for unix:// endpoints, else NULL */
	struct rc_http_opts opts;
	struct curl_slist *headers;
	CURL *curl;
	CURLM *multi; /* for rc_http_get_many, created lazily */
	CURL *pool[RC_HTTP_MAX_PARALLEL];
	size_t sent;
	struct rc_rng rng; /* retry jitter */
};

struct xfer {
	struct rc_http_resp *resp;
	struct rc_err cap_err;
	int over_cap;
	char curl_err[CURL_ERROR_SIZE]; /* curl's detail of a failure */
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_OK;

static void global_init(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

void rc_http_opts_default(struct rc_http_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->connect_timeout_ms = 5000;
	opts->timeout_ms = 60000;
	opts->max_retries = 3;
	opts->retry_base_ms = 200;
	opts->max_body = RC_BUF_DEFAULT_MAX;
	opts->tls.verify = 1;
}

void rc_http_opts_release(struct rc_http_opts *opts)
{
	if (!opts)
		return;
	free(opts->tls.ca_file);
	free(opts->tls.cert_file);
	free(opts->tls.key_file);
	opts->tls.ca_file = opts->tls.cert_file = opts->tls.key_file = NULL;
}

void rc_http_resp_init(struct rc_http_resp *resp)
{
	memset(resp, 0, sizeof(*resp));
	rc_buf_init(&resp->body, 0);
	resp->retry_after_s = -1;
}

static void resp_clear_headers(struct rc_http_resp *resp)
{
	size_t i;

	for (i = 0; i < resp->n_headers; i++) {
		free(resp->headers[i].name);
		free(resp->headers[i].value);
	}
	free(resp->headers);
	resp->headers = NULL;
	resp->n_headers = 0;
	resp->header_bytes = 0;
	resp->retry_after_s = -1;
}

const char *rc_http_resp_header(const struct rc_http_resp *resp, const char *name)
{
	size_t i;

	for (i = resp && name ? resp->n_headers : 0; i > 0; i--)
		if (strcasecmp(resp->headers[i - 1].name, name) == 0)
			return resp->headers[i - 1].value;
	return NULL;
}

void rc_http_resp_release(struct rc_http_resp *resp)
{
	if (!resp)
		return;
	resp_clear_headers(resp);
	rc_buf_release(&resp->body);
	resp->status = 0;
}

static int has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

struct rc_http *rc_http_new(const char *endpoint, const struct rc_http_opts *opts,
			    struct rc_err *err)
{
	struct rc_http *h = NULL;
	struct rc_http_opts def;
	char q[256];
	struct rc_buf url = RC_BUF_INIT;
	const char *rest;
	int tls;

	if (!endpoint || !*endpoint) {
		rc_err_set(err, RC_ERR_USAGE, "missing endpoint");
		return NULL;
	}
	rc_sanitize(q, sizeof(q), endpoint);
	pthread_once(&global_once, global_init);
	if (global_rc != CURLE_OK) {
		rc_err_set(err, RC_ERR_INTERNAL, "cannot initialise libcurl: %s",
			   curl_easy_strerror(global_rc));
		return NULL;
	}
	if (!opts) {
		rc_http_opts_default(&def);
		opts = &def;
	}
	/* a CA file that cannot be read is the user's mistake, not the
	 * server's: say so before any request (curl would only say "problem
	 * with the SSL CA cert", after its retries) */
	if (opts->tls.ca_file && access(opts->tls.ca_file, R_OK) != 0) {
		char f[256];
		rc_sanitize(f, sizeof(f), opts->tls.ca_file);
		rc_err_sys(err, errno, "cannot read the CA file '%s'", f);
		err->kind = RC_ERR_USAGE;
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		goto nomem;
	rc_buf_init(&url, 4096);
	h->opts = *opts;
	h->opts.tls.ca_file = h->opts.tls.cert_file = h->opts.tls.key_file = NULL;
	if ((opts->tls.ca_file && !(h->opts.tls.ca_file = strdup(opts->tls.ca_file))) ||
	    (opts->tls.cert_file && !(h->opts.tls.cert_file = strdup(opts->tls.cert_file))) ||
	    (opts->tls.key_file && !(h->opts.tls.key_file = strdup(opts->tls.key_file))))
		goto nomem;
	if (h->opts.connect_timeout_ms <= 0)
		h->opts.connect_timeout_ms = 5000;
	if (h->opts.timeout_ms <= 0)
		h->opts.timeout_ms = 60000;
	if (h->opts.max_retries < 0)
		h->opts.max_retries = 0;
	if (h->opts.retry_base_ms < 0)
		h->opts.retry_base_ms = 0;
	if (!h->opts.max_body)
		h->opts.max_body = RC_BUF_DEFAULT_MAX;
	if (!(h->endpoint = strdup(endpoint)))
		goto nomem;

	if (has_prefix(endpoint, "unix://")) {
		rest = endpoint + strlen("unix://");
		if (!*rest) {
			rc_err_set(err, RC_ERR_USAGE, "invalid endpoint '%s': no socket path", q);
			goto fail;
		}
		if (!(h->unix_path = strdup(rest)) ||
		    rc_buf_puts(&url, "http://localhost", err) < 0)
			goto nomem;
	} else if (has_prefix(endpoint, "tcp://") || has_prefix(endpoint, "http://") ||
		   has_prefix(endpoint, "https://")) {
		if (has_prefix(endpoint, "tcp://")) {
			rest = endpoint + strlen("tcp://");
			tls = opts->tls.ca_file || opts->tls.cert_file || opts->tls.key_file;
			if (rc_buf_puts(&url, tls ? "https://" : "http://", err) < 0)
				goto nomem;
		} else {
			rest = strstr(endpoint, "://") + 3;
			if (rc_buf_append(&url, endpoint, (size_t)(rest - endpoint), err) < 0)
				goto nomem;
		}
		if (!*rest || *rest == '/' || strpbrk(rest, " \t\r\n?#@")) {
			rc_err_set(err, RC_ERR_USAGE,
				   "invalid endpoint '%s': no host or bad characters", q);
			goto fail;
		}
		if (rc_buf_puts(&url, rest, err) < 0)
			goto fail;
		while (url.len && url.data[url.len - 1] == '/')
			url.data[--url.len] = '\0';
	} else {
		rc_err_set(err, RC_ERR_USAGE,
			   "unsupported endpoint '%s': want unix://, tcp://, http:// or https://",
			   q);
		goto fail;
	}
	/* clients started together (or by two runs) draw different jitter */
	rc_rng_seed(&h->rng, (uint64_t)rc_rate_now_ns() ^ ((uint64_t)getpid() << 32) ^
				 (uint64_t)(uintptr_t)h);
	h->base_url = rc_buf_detach(&url);
	h->curl = curl_easy_init();
	if (!h->base_url || !h->curl)
		goto nomem;
	rc_buf_release(&url);
	return h;
nomem:
	rc_err_nomem(err);
fail:
	rc_buf_release(&url);
	rc_http_free(h);
	return NULL;
}

void rc_http_free(struct rc_http *h)
{
	if (!h)
		return;
	if (h->curl)
		curl_easy_cleanup(h->curl);
	for (size_t i = 0; i < RC_HTTP_MAX_PARALLEL; i++)
		if (h->pool[i])
			curl_easy_cleanup(h->pool[i]);
	if (h->multi)
		curl_multi_cleanup(h->multi);
	curl_slist_free_all(h->headers);
	rc_http_opts_release(&h->opts);
	free(h->endpoint);
	free(h->base_url);
	free(h->unix_path);
	free(h);
}

const char *rc_http_endpoint(const struct rc_http *h)
{
	return h ? h->endpoint : NULL;
}

size_t rc_http_requests_sent(const struct rc_http *h)
{
	return h ? h->sent : 0;
}

int rc_http_add_header(struct rc_http *h, const char *header, struct rc_err *err)
{
	struct curl_slist *l;

	if (!header || !strchr(header, ':') || strpbrk(header, "\r\n"))
		return rc_err_set(err, RC_ERR_USAGE,
				  "invalid header: want 'Name: value' on one line");
	l = curl_slist_append(h->headers, header);
	if (!l)
		return rc_err_nomem(err);
	h->headers = l;
	return 0;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct xfer *x = userdata;
	size_t n = size * nmemb;

	if (rc_buf_append(&x->resp->body, ptr, n, &x->cap_err) < 0) {
		x->over_cap = 1;
		return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
	}
	return n;
}

/* Copies the trimmed value into *slot (replacing an earlier one). */
static int set_header(char **slot, const char *v, size_t n)
{
	char *s;

	while (n && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	while (n && isspace((unsigned char)v[n - 1]))
		n--;
	s = strndup(v, n);
	if (!s)
		return -1;
	free(*slot);
	*slot = s;
	return 0;
}

/* Keeps header name (nl bytes) with value v (n bytes, trimmed here), within
 * the caps. -1 when out of memory. */
static int keep_header(struct rc_http_resp *resp, const char *name, size_t nl, const char *v,
		       size_t n)
{
	struct rc_http_header *nv, *hd;

	if (resp->n_headers >= RC_HTTP_MAX_HEADERS ||
	    resp->header_bytes + nl + n > RC_HTTP_MAX_HEADER_BYTES)
		return 0;
	nv = realloc(resp->headers, (resp->n_headers + 1) * sizeof(*nv));
	if (!nv)
		return -1;
	resp->headers = nv;
	hd = &resp->headers[resp->n_headers];
	hd->value = NULL;
	if (!(hd->name = strndup(name, nl)))
		return -1;
	if (set_header(&hd->value, v, n) < 0) {
		free(hd->name);
		return -1;
	}
	resp->n_headers++;
	resp->header_bytes += nl + n;
	return 0;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct xfer *x = userdata;
	size_t n = size * nmemb, nl;
	const char *colon;

	if (n >= 5 && strncmp(ptr, "HTTP/", 5) == 0) {
		/* a new response (after 100 Continue): forget earlier headers */
		resp_clear_headers(x->resp);
		return n;
	}
	colon = memchr(ptr, ':', n);
	if (!colon)
		return n;
	nl = (size_t)(colon - ptr);
	if (keep_header(x->resp, ptr, nl, colon + 1, n - nl - 1) < 0)
		return 0;
	if (nl == strlen("retry-after") && strncasecmp(ptr, "retry-after", nl) == 0) {
		char *v = NULL;
		char *end;
		long long s;

		if (set_header(&v, colon + 1, n - nl - 1) < 0)
			return 0;
		errno = 0;
		s = strtoll(v, &end, 10);
		if (*v && isdigit((unsigned char)*v) && !*end && !errno) {
			x->resp->retry_after_s =
			    s > RETRY_AFTER_CAP_S ? RETRY_AFTER_CAP_S : (long)s;
		} else {
			time_t t = curl_getdate(v, NULL), now = time(NULL);
			if (t != (time_t)-1)
				x->resp->retry_after_s =
				    t <= now ? 0
					     : (t - now > RETRY_AFTER_CAP_S ? RETRY_AFTER_CAP_S
									    : (long)(t - now));
		}
		free(v);
	}
	return n;
}

static int is_method(const char *m, const char *want)
{
	return strcmp(m, want) == 0;
}

/* Sets every option of one request on handle c. */
static void setup_easy(struct rc_http *h, CURL *c, const char *method, const char *url,
		       struct curl_slist *hdrs, const void *body, size_t body_len, struct xfer *x)
{
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->opts.connect_timeout_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->opts.timeout_ms);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "reclaim/" RC_VERSION);
	if (h->unix_path)
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, h->unix_path);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, h->opts.tls.verify ? 1L : 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, h->opts.tls.verify ? 2L : 0L);
	if (h->opts.tls.ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, h->opts.tls.ca_file);
	if (h->opts.tls.cert_file)
		curl_easy_setopt(c, CURLOPT_SSLCERT, h->opts.tls.cert_file);
	if (h->opts.tls.key_file)
		curl_easy_setopt(c, CURLOPT_SSLKEY, h->opts.tls.key_file);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	x->curl_err[0] = '\0';
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, x->curl_err);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
	if (h->opts.follow_redirects && (is_method(method, "GET") || is_method(method, "HEAD"))) {
		curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
		curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(c, CURLOPT_UNRESTRICTED_AUTH, 0L);
	}
	if (is_method(method, "GET")) {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	} else if (is_method(method, "HEAD")) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
		if (body || !is_method(method, "DELETE")) {
			curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
		}
	}
	h->sent++;
}

/* A timeout after the whole request went out: the server has it and may be
 * acting on it (or hung). Retrying would only multiply the wait, and for a
 * DELETE could repeat work. A connect that timed out sent nothing, so it may
 * be retried like any connect error. */
static int timed_out_after_send(CURL *c, CURLcode rc, size_t body_len)
{
	long head = 0;
	curl_off_t up = 0;

	if (rc != CURLE_OPERATION_TIMEDOUT)
		return 0;
	if (curl_easy_getinfo(c, CURLINFO_REQUEST_SIZE, &head) != CURLE_OK || head <= 0)
		return 0;
	if (curl_easy_getinfo(c, CURLINFO_SIZE_UPLOAD_T, &up) != CURLE_OK)
		return 0;
	return up >= 0 && (uintmax_t)up >= (uintmax_t)body_len;
}

/* "60s", or "1500ms" when the timeout is not whole seconds. */
static void format_timeout(long ms, char *out, size_t outsz)
{
	if (ms % 1000 == 0)
		snprintf(out, outsz, "%lds", ms / 1000);
	else
		snprintf(out, outsz, "%ldms", ms);
}

static int set_timeout_err(const struct rc_http *h, const char *method, const char *qpath,
			   struct rc_err *err)
{
	char ep[256], t[32];

	rc_sanitize(ep, sizeof(ep), h->endpoint);
	format_timeout(h->opts.timeout_ms, t, sizeof(t));
	rc_err_set(err, RC_ERR_CONNECT, "'%s' did not answer %s '%s' within %s", ep, method, qpath,
		   t);
	if (err)
		err->sys_errno = ETIMEDOUT;
	return -1;
}

/* One attempt. Returns the curl code; fills resp. */
/* A TLS handshake or certificate failure: asking again gives the same
 * answer, so it is not retried, and curl's detail says what was wrong. */
static int is_tls_failure(CURLcode rc)
{
	return rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CONNECT_ERROR ||
	       rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_CERTPROBLEM ||
	       rc == CURLE_SSL_CIPHER || rc == CURLE_SSL_ISSUER_ERROR ||
	       rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH || rc == CURLE_SSL_INVALIDCERTSTATUS;
}

static CURLcode perform_once(struct rc_http *h, const char *method, const char *url,
			     struct curl_slist *hdrs, const void *body, size_t body_len,
			     struct xfer *x)
{
	CURL *c = h->curl;
	CURLcode rc;

	rc_rate_wait(h->opts.pace);
	setup_easy(h, c, method, url, hdrs, body, body_len, x);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &x->resp->status);
	return rc;
}

/* Appends the base headers and then `extra` (validated) to *list. */
static int append_headers(struct curl_slist **list, const struct curl_slist *base,
			  const char *const *extra, struct rc_err *err)
{
	struct curl_slist *l;

	for (; base; base = base->next) {
		if (!(l = curl_slist_append(*list, base->data)))
			return rc_err_nomem(err);
		*list = l;
	}
	for (; extra && *extra; extra++) {
		if (!strchr(*extra, ':') || strpbrk(*extra, "\r\n"))
			return rc_err_set(err, RC_ERR_USAGE,
					  "invalid header: want 'Name: value' on one line");
		if (!(l = curl_slist_append(*list, *extra)))
			return rc_err_nomem(err);
		*list = l;
	}
	return 0;
}

int rc_http_request(struct rc_http *h, const char *method, const char *path,
		    const char *content_type, const void *body, size_t body_len,
		    struct rc_http_resp *resp, struct rc_err *err)
{
	struct rc_http_req req = {method, path, NULL, content_type, body, body_len};

	if (!method)
		return rc_err_set(err, RC_ERR_INTERNAL, "rc_http_request: missing argument");
	return rc_http_do(h, &req, resp, err);
}

int rc_http_do(struct rc_http *h, const struct rc_http_req *req, struct rc_http_resp *resp,
	       struct rc_err *err)
{
	const char *method = req && req->method ? req->method : "GET";
	const char *path = req ? req->path : NULL;
	const char *content_type = req ? req->content_type : NULL;
	const void *body = req ? req->body : NULL;
	size_t body_len = req ? req->body_len : 0;
	struct rc_buf url = RC_BUF_INIT;
	struct rc_buf ct = RC_BUF_INIT;
	struct curl_slist *hdrs = NULL, *l;
	struct xfer x;
	int idempotent, attempt, ret = -1;
	char qpath[256];

	if (!h || !path || !resp)
		return rc_err_set(err, RC_ERR_INTERNAL, "rc_http_request: missing argument");
	rc_sanitize(qpath, sizeof(qpath), path);
	if (h->opts.read_only && !is_method(method, "GET") && !is_method(method, "HEAD"))
		return rc_err_set(err, RC_ERR_READONLY, "refusing %s '%s': the client is read-only",
				  method, qpath);
	if (path[0] != '/' || strpbrk(path, " \r\n"))
		return rc_err_set(err, RC_ERR_USAGE, "invalid request path '%s'", qpath);
	if (!*method || strpbrk(method, " \r\n"))
		return rc_err_set(err, RC_ERR_USAGE, "invalid method");
	idempotent =
	    is_method(method, "GET") || is_method(method, "HEAD") || is_method(method, "DELETE");

	rc_buf_init(&url, 0);
	rc_buf_init(&ct, 4096);
	if (rc_buf_printf(&url, err, "%s%s", h->base_url, path) < 0)
		goto out;
	if (append_headers(&hdrs, h->headers, req->headers, err) < 0)
		goto out;
	if (content_type) {
		if (strpbrk(content_type, "\r\n")) {
			rc_err_set(err, RC_ERR_USAGE, "invalid content type");
			goto out;
		}
		if (rc_buf_printf(&ct, err, "Content-Type: %s", content_type) < 0)
			goto out;
	} else if (rc_buf_puts(&ct, "Content-Type:", err) < 0) {
		goto out;
	}
	if (!(l = curl_slist_append(hdrs, ct.data)))
		goto nomem;
	hdrs = l;
	if (!(l = curl_slist_append(hdrs, "Expect:")))
		goto nomem;
	hdrs = l;

	for (attempt = 0;; attempt++) {
		CURLcode rc;
		int retry = 0;
		long wait_ms;

		resp_clear_headers(resp);
		rc_buf_release(&resp->body);
		rc_buf_init(&resp->body, h->opts.max_body);
		resp->status = 0;
		memset(&x, 0, sizeof(x));
		x.resp = resp;
		rc = perform_once(h, method, url.data, hdrs, body, body_len, &x);
		if (x.over_cap) {
			rc_err_set(err, RC_ERR_PROTOCOL,
				   "answer to %s '%s' from '%s' exceeds the %zu byte limit", method,
				   qpath, h->endpoint[0] ? rc_http_endpoint(h) : "",
				   h->opts.max_body);
			goto out;
		}
		if (rc != CURLE_OK) {
			long os_errno = 0;

			if (timed_out_after_send(h->curl, rc, body_len)) {
				set_timeout_err(h, method, qpath, err);
				goto out;
			}
			if (idempotent && attempt < h->opts.max_retries && !is_tls_failure(rc)) {
				retry = 1;
			} else {
				char ep[256], detail[CURL_ERROR_SIZE];

				curl_easy_getinfo(h->curl, CURLINFO_OS_ERRNO, &os_errno);
				rc_sanitize(ep, sizeof(ep), h->endpoint);
				rc_sanitize(detail, sizeof(detail),
					    x.curl_err[0] ? x.curl_err : curl_easy_strerror(rc));
				rc_err_set(err, RC_ERR_CONNECT, "cannot %s '%s' on '%s': %s%s",
					   method, qpath, ep, is_tls_failure(rc) ? "TLS: " : "",
					   is_tls_failure(rc) ? detail : curl_easy_strerror(rc));
				if (err)
					err->sys_errno = (int)os_errno;
				goto out;
			}
		} else if ((resp->status >= 500 || resp->status == 429) && idempotent &&
			   attempt < h->opts.max_retries) {
			retry = 1;
		}
		if (!retry)
			break;
		wait_ms = rc_backoff_jitter_ms(h->opts.retry_base_ms, attempt, RC_BACKOFF_CAP_MS,
					       &h->rng);
		if (rc == CURLE_OK && resp->retry_after_s >= 0)
			wait_ms = rc_retry_after_ms(resp->retry_after_s, h->opts.timeout_ms);
		rc_sleep_ms(wait_ms);
	}
	ret = 0;
	goto out;
nomem:
	rc_err_nomem(err);
out:
	curl_slist_free_all(hdrs);
	rc_buf_release(&ct);
	rc_buf_release(&url);
	return ret;
}

/* Extracts the server's error text from Docker ({"message"}) or registry
 * ({"errors":[{"code","message"}]}) error bodies, sanitised. */
static void server_message(const struct rc_buf *body, char *out, size_t outsz)
{
	cJSON *root, *m, *errs, *e;
	char raw[512] = "";

	out[0] = '\0';
	if (!body->len)
		return;
	root = cJSON_ParseWithLength(body->data, body->len);
	if (!root)
		return;
	m = cJSON_GetObjectItemCaseSensitive(root, "message");
	errs = cJSON_GetObjectItemCaseSensitive(root, "errors");
	if (cJSON_IsString(m) && m->valuestring) {
		snprintf(raw, sizeof(raw), "%s", m->valuestring);
	} else if (cJSON_IsArray(errs) && (e = cJSON_GetArrayItem(errs, 0)) && cJSON_IsObject(e)) {
		cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "code");
		cJSON *msg = cJSON_GetObjectItemCaseSensitive(e, "message");
		const char *cs = cJSON_IsString(code) ? code->valuestring : NULL;
		const char *ms = cJSON_IsString(msg) ? msg->valuestring : NULL;

		if (cs && ms)
			snprintf(raw, sizeof(raw), "%s: %s", cs, ms);
		else if (cs || ms)
			snprintf(raw, sizeof(raw), "%s", cs ? cs : ms);
	}
	cJSON_Delete(root);
	rc_sanitize(out, outsz, raw);
}

int rc_http_get_ok(struct rc_http *h, const char *path, struct rc_http_resp *resp,
		   struct rc_err *err)
{
	if (rc_http_request(h, "GET", path, NULL, NULL, 0, resp, err) < 0)
		return -1;
	return rc_http_check_ok(path, resp, err);
}

int rc_http_check_ok(const char *path, const struct rc_http_resp *resp, struct rc_err *err)
{
	char msg[512], qpath[256];

	if (resp->status >= 200 && resp->status < 300)
		return 0;
	rc_sanitize(qpath, sizeof(qpath), path);
	server_message(&resp->body, msg, sizeof(msg));
	if (msg[0])
		rc_err_set(err, RC_ERR_HTTP, "cannot fetch '%s': HTTP %ld: %s", qpath, resp->status,
			   msg);
	else
		rc_err_set(err, RC_ERR_HTTP, "cannot fetch '%s': HTTP %ld", qpath, resp->status);
	if (err)
		err->http_status = resp->status;
	return -1;
}

/* Starts the next pending index on handle slot k; returns 0 when none is
 * left. The slot's header list (slot_hdrs[k]) lives until the slot's next
 * request or the end: libcurl does not copy it. */
static int start_next(struct rc_http *h, const char *method, size_t k, const char *const *paths,
		      const char *const *const *headers, size_t n, size_t *next,
		      struct curl_slist **slot_hdrs, struct rc_http_resp *resps, struct xfer *xs,
		      size_t *idx_of, struct rc_buf *url, struct rc_err *err)
{
	size_t i = *next;
	struct curl_slist *l;

	if (i >= n)
		return 0;
	(*next)++;
	rc_buf_reset(url);
	if (rc_buf_printf(url, err, "%s%s", h->base_url, paths[i]) < 0)
		return -1;
	curl_slist_free_all(slot_hdrs[k]);
	slot_hdrs[k] = NULL;
	if (append_headers(&slot_hdrs[k], h->headers, headers ? headers[i] : NULL, err) < 0)
		return -1;
	if (!(l = curl_slist_append(slot_hdrs[k], "Expect:")))
		return rc_err_nomem(err);
	slot_hdrs[k] = l;
	memset(&xs[k], 0, sizeof(xs[k]));
	xs[k].resp = &resps[i];
	idx_of[k] = i;
	/* libcurl copies the URL string when it is set */
	setup_easy(h, h->pool[k], method, url->data, slot_hdrs[k], NULL, 0, &xs[k]);
	if (curl_multi_add_handle(h->multi, h->pool[k]) != CURLM_OK)
		return rc_err_set(err, RC_ERR_INTERNAL, "cannot queue a request");
	return 1;
}

int rc_http_get_many(struct rc_http *h, const char *const *paths, size_t n, size_t parallel,
		     struct rc_http_resp *resps, struct rc_err *err)
{
	return rc_http_get_many_h(h, paths, NULL, n, parallel, resps, err);
}

int rc_http_get_many_h(struct rc_http *h, const char *const *paths,
		       const char *const *const *headers, size_t n, size_t parallel,
		       struct rc_http_resp *resps, struct rc_err *err)
{
	return rc_http_many_h(h, "GET", paths, headers, n, parallel, resps, err);
}

/* The parallel requests of rc_http_many_h and rc_http_many_each: errs NULL
 * ends the window at the first failure of a request; else each failure goes
 * to errs[i] and the others go on. */
static int many(struct rc_http *h, const char *method, const char *const *paths,
		const char *const *const *headers, size_t n, size_t parallel,
		struct rc_http_resp *resps, struct rc_err *errs, struct rc_err *err)
{
	struct curl_slist *slot_hdrs[RC_HTTP_MAX_PARALLEL] = {NULL};
	struct xfer xs[RC_HTTP_MAX_PARALLEL];
	size_t idx_of[RC_HTTP_MAX_PARALLEL];
	unsigned char busy[RC_HTTP_MAX_PARALLEL] = {0};
	unsigned char *redo = NULL;
	struct rc_buf url = RC_BUF_INIT;
	size_t i, k, next = 0, active = 0;
	int ret = -1;

	/* every answer is initialised before anything can fail: callers
	 * release all n of them whatever happens */
	for (i = 0; i < n; i++) {
		rc_http_resp_init(&resps[i]);
		rc_buf_init(&resps[i].body, h->opts.max_body);
		if (errs)
			rc_err_clear(&errs[i]);
	}
	if (!is_method(method, "GET") && !is_method(method, "HEAD") &&
	    !(errs && is_method(method, "DELETE")))
		return rc_err_set(err, RC_ERR_USAGE,
				  "only GET and HEAD go in parallel, and DELETE with an outcome "
				  "per request");
	if (h->opts.read_only && is_method(method, "DELETE"))
		return rc_err_set(err, RC_ERR_READONLY,
				  "refusing DELETE of %zu paths: the client is read-only", n);
	for (i = 0; i < n; i++) {
		if (paths[i][0] != '/' || strpbrk(paths[i], " \r\n#")) {
			char q[256];
			rc_sanitize(q, sizeof(q), paths[i]);
			return rc_err_set(err, RC_ERR_USAGE, "invalid request path '%s'", q);
		}
	}
	if (parallel < 1)
		parallel = 1;
	if (parallel > RC_HTTP_MAX_PARALLEL)
		parallel = RC_HTTP_MAX_PARALLEL;
	rc_buf_init(&url, 0);
	if (!(redo = calloc(n ? n : 1, 1)))
		goto nomem;
	if (!h->multi && !(h->multi = curl_multi_init()))
		goto nomem;
	for (k = 0; k < parallel; k++)
		if (!h->pool[k] && !(h->pool[k] = curl_easy_init()))
			goto nomem;
	while (active || next < n) {
		CURLMsg *msg;
		int running = 0, left, freed = 0;
		long pace_ms = 0;

		/* free slots take the next paths, as fast as the pace allows */
		for (k = 0; k < parallel && next < n; k++) {
			int r;

			if (busy[k])
				continue;
			if ((pace_ms = rc_rate_try_ms(h->opts.pace)) > 0)
				break;
			r = start_next(h, method, k, paths, headers, n, &next, slot_hdrs, resps, xs,
				       idx_of, &url, err);
			if (r < 0)
				goto out;
			busy[k] = (unsigned char)r;
			active += (size_t)r;
		}
		if (!active) {
			rc_sleep_ms(pace_ms);
			continue;
		}
		if (curl_multi_perform(h->multi, &running) != CURLM_OK) {
			rc_err_set(err, RC_ERR_INTERNAL, "request multiplexing failed");
			goto out;
		}
		while ((msg = curl_multi_info_read(h->multi, &left))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			for (k = 0; k < parallel && h->pool[k] != msg->easy_handle; k++)
				;
			if (k == parallel)
				continue;
			i = idx_of[k];
			curl_multi_remove_handle(h->multi, h->pool[k]);
			busy[k] = 0;
			active--;
			freed = 1;
			if (xs[k].over_cap) {
				char q[256], ep[256];
				rc_sanitize(q, sizeof(q), paths[i]);
				rc_sanitize(ep, sizeof(ep), h->endpoint);
				rc_err_set(errs ? &errs[i] : err, RC_ERR_PROTOCOL,
					   "answer to %s '%s' from '%s' exceeds the %zu byte limit",
					   method, q, ep, h->opts.max_body);
				resps[i].status = 0;
				if (!errs)
					goto out;
				continue;
			}
			/* sent in full and unanswered: never sent again (a DELETE
			 * may have been acted on) */
			if (timed_out_after_send(h->pool[k], msg->data.result, 0)) {
				char q[256];
				rc_sanitize(q, sizeof(q), paths[i]);
				set_timeout_err(h, method, q, errs ? &errs[i] : err);
				if (!errs)
					goto out;
				continue;
			}
			if (msg->data.result == CURLE_OK)
				curl_easy_getinfo(h->pool[k], CURLINFO_RESPONSE_CODE,
						  &resps[i].status);
			if (msg->data.result != CURLE_OK || resps[i].status >= 500 ||
			    resps[i].status == 429)
				redo[i] = 1;
		}
		/* wait for activity only while something is in flight: with
		 * nothing to wait for, curl_multi_poll sleeps its full timeout;
		 * a slot waiting for the pace wakes it no later than its turn */
		if (active && running && !(freed && next < n) &&
		    curl_multi_poll(h->multi, NULL, 0,
				    pace_ms > 0 && pace_ms < 1000 ? (int)pace_ms : 1000,
				    NULL) != CURLM_OK) {
			rc_err_set(err, RC_ERR_INTERNAL, "request multiplexing failed");
			goto out;
		}
	}
	/* Failures go through the one-at-a-time path, with its backoff and
	 * its error messages; a Retry-After (a 429's, a 503's) is waited
	 * first, the longest once for the window, as the serial path waits
	 * it between its own attempts. */
	{
		long wait_ms = 0, w;

		for (i = 0; i < n; i++)
			if (redo[i] && resps[i].retry_after_s >= 0 &&
			    (w = rc_retry_after_ms(resps[i].retry_after_s, h->opts.timeout_ms)) >
				wait_ms)
				wait_ms = w;
		rc_sleep_ms(wait_ms);
	}
	for (i = 0; i < n; i++) {
		struct rc_http_req req = {method, paths[i], headers ? headers[i] : NULL,
					  NULL,	  NULL,	    0};

		if (!redo[i])
			continue;
		if (!errs) {
			if (rc_http_do(h, &req, &resps[i], err) < 0)
				goto out;
		} else if (rc_http_do(h, &req, &resps[i], &errs[i]) < 0) {
			resps[i].status = 0;
		}
	}
	ret = 0;
	goto out;
nomem:
	rc_err_nomem(err);
out:
	for (k = 0; k < RC_HTTP_MAX_PARALLEL; k++)
		if (h->pool[k] && h->multi)
			curl_multi_remove_handle(h->multi, h->pool[k]);
	for (k = 0; k < RC_HTTP_MAX_PARALLEL; k++)
		curl_slist_free_all(slot_hdrs[k]);
	rc_buf_release(&url);
	free(redo);
	return ret;
}

int rc_http_many_h(struct rc_http *h, const char *method, const char *const *paths,
		   const char *const *const *headers, size_t n, size_t parallel,
		   struct rc_http_resp *resps, struct rc_err *err)
{
	return many(h, method, paths, headers, n, parallel, resps, NULL, err);
}

int rc_http_many_each(struct rc_http *h, const char *method, const char *const *paths,
		      const char *const *const *headers, size_t n, size_t parallel,
		      struct rc_http_resp *resps, struct rc_err *errs, struct rc_err *err)
{
	if (!errs)
		return rc_err_set(err, RC_ERR_INTERNAL, "rc_http_many_each: missing argument");
	return many(h, method, paths, headers, n, parallel, resps, errs, err);
}
