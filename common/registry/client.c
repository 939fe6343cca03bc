/* registry/client.c: the Registry v2 / OCI client: authentication, the
 * read-only scan, and the executor's single-step writes. */
#include <ctype.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <openssl/evp.h>

#include "buf.h"
#include "http.h"
#include "log.h"
#include "rate.h"
#include "registry/client.h"
#include "registry/items.h"
#include "sha256.h"

#define TOKEN_CACHE 16
#define TOKEN_DEFAULT_TTL 60
#define TOKEN_MAX_BYTES ((size_t)1 << 20)
#define BODY_MAX ((size_t)64 << 20)
#define WINDOW 256 /* answers held in memory at once */

enum auth { AUTH_UNKNOWN = 0, AUTH_NONE, AUTH_BASIC, AUTH_BEARER };

struct token {
	char *scope;
	char *header; /* "Authorization: Bearer ..." */
	time_t expires; /* CLOCK_MONOTONIC seconds */
	unsigned long used;
};

struct rc_reg_client {
	char *url; /* canonical */
	char *host; /* host[:port] */
	int http_loopback; /* given as http:// on a loopback address */
	struct rc_http *http;
	struct rc_http_opts hopts;
	struct rc_creds creds;
	unsigned access;
	size_t parallel;
	enum auth auth;
	char *basic; /* "Authorization: Basic ..." */
	char *realm, *service;
	struct rc_http *realm_http;
	char *realm_origin;
	struct token tokens[TOKEN_CACHE];
	unsigned long tick;
	int realm_logged;
	int referrers; /* -1 unknown, 0 no, 1 yes */
	size_t token_requests;
	struct rc_cache *cache; /* borrowed, or NULL */
	/* the scan's progress line (rc_progress_scan); what is NULL outside a
	 * scan, as inside an apply, which shows its own */
	struct rc_scan_progress prog;
	int64_t prog_t0;
	char prog_what[300];
};

/* ---- names ---- */

static int alnum_lower(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

int rc_reg_repo_name_valid(const char *name)
{
	const char *p = name;

	if (!name || !*name || strlen(name) > 255)
		return 0;
	for (;;) {
		/* one path component: alnum+ (sep alnum+)* */
		if (!alnum_lower(*p))
			return 0;
		while (alnum_lower(*p))
			p++;
		while (*p == '.' || *p == '_' || *p == '-') {
			const char *s = p;
			if (*p == '.')
				p++;
			else if (*p == '_')
				p += p[1] == '_' ? 2 : 1;
			else
				while (*p == '-')
					p++;
			if (p - s > 2 && *s != '-')
				return 0;
			if (!alnum_lower(*p))
				return 0;
			while (alnum_lower(*p))
				p++;
		}
		if (!*p)
			return 1;
		if (*p != '/')
			return 0;
		p++;
	}
}

static int ref_valid(const char *ref)
{
	return rc_digest_valid(ref) || rc_reg_tag_valid(ref);
}

/* ---- life ---- */

static int is_loopback_host(const char *host)
{
	return !strcmp(host, "localhost") || !strncmp(host, "127.", 4) || !strcmp(host, "[::1]");
}

static int host_of(const char *url, char **host, int *loopback, struct rc_err *err)
{
	const char *h = strstr(url, "://");
	const char *end;
	char *bare;

	h = h ? h + 3 : url;
	if (!(*host = strdup(h)))
		return rc_err_nomem(err);
	end = *h == '[' ? strchr(h, ']') : NULL;
	end = end ? end + 1 : h + strcspn(h, ":");
	if (!(bare = strndup(h, (size_t)(end - h))))
		return rc_err_nomem(err);
	*loopback = is_loopback_host(bare);
	free(bare);
	return 0;
}

struct rc_reg_client *rc_reg_open(const struct rc_reg_opts *o, struct rc_err *err)
{
	struct rc_reg_client *c = calloc(1, sizeof(*c));
	int loop = 0;

	if (!c) {
		rc_err_nomem(err);
		return NULL;
	}
	c->referrers = -1;
	c->cache = o->cache;
	c->access = o->access ? o->access : RC_REG_PULL;
	c->parallel = o->parallel ? o->parallel : RC_REG_PARALLEL_DEFAULT;
	if (c->parallel > RC_HTTP_MAX_PARALLEL)
		c->parallel = RC_HTTP_MAX_PARALLEL;
	if (rc_reg_canonical_url(o->url, &c->url, err) < 0)
		goto fail;
	if (host_of(c->url, &c->host, &loop, err) < 0)
		goto fail;
	c->http_loopback = !strncmp(c->url, "http://", 7) && loop;
	if (o->creds && rc_creds_copy(&c->creds, o->creds, err) < 0)
		goto fail;
	rc_http_opts_default(&c->hopts);
	c->hopts.read_only = c->access == RC_REG_PULL;
	c->hopts.follow_redirects = 1;
	c->hopts.max_body = BODY_MAX;
	if (o->timeout_ms > 0)
		c->hopts.timeout_ms = o->timeout_ms;
	if (o->max_retries >= 0)
		c->hopts.max_retries = o->max_retries;
	if (o->retry_base_ms > 0)
		c->hopts.retry_base_ms = o->retry_base_ms;
	c->hopts.tls.verify = !o->insecure;
	c->hopts.pace = o->pace;
	if (o->ca_file && !(c->hopts.tls.ca_file = strdup(o->ca_file))) {
		rc_err_nomem(err);
		goto fail;
	}
	if (!(c->http = rc_http_new(c->url, &c->hopts, err)))
		goto fail;
	return c;
fail:
	rc_reg_free(c);
	return NULL;
}

void rc_reg_free(struct rc_reg_client *c)
{
	if (!c)
		return;
	rc_http_free(c->http);
	rc_http_free(c->realm_http);
	rc_http_opts_release(&c->hopts);
	rc_creds_release(&c->creds);
	if (c->basic) {
		explicit_bzero(c->basic, strlen(c->basic));
		free(c->basic);
	}
	for (size_t i = 0; i < TOKEN_CACHE; i++) {
		free(c->tokens[i].scope);
		if (c->tokens[i].header) {
			explicit_bzero(c->tokens[i].header, strlen(c->tokens[i].header));
			free(c->tokens[i].header);
		}
	}
	free(c->realm);
	free(c->service);
	free(c->realm_origin);
	free(c->url);
	free(c->host);
	free(c);
}

const char *rc_reg_url(const struct rc_reg_client *c)
{
	return c ? c->url : NULL;
}

const char *rc_reg_host(const struct rc_reg_client *c)
{
	return c ? c->host : NULL;
}

size_t rc_reg_requests_sent(const struct rc_reg_client *c)
{
	if (!c)
		return 0;
	return rc_http_requests_sent(c->http) + rc_http_requests_sent(c->realm_http);
}

/* ---- authentication ---- */

static time_t mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* "Authorization: Basic base64(user:secret)", owned. */
static char *basic_header(const struct rc_creds *cr, struct rc_err *err)
{
	struct rc_buf raw = RC_BUF_INIT, hdr = RC_BUF_INIT;
	unsigned char *enc = NULL;
	char *out = NULL;

	rc_buf_init(&raw, 1 << 16);
	rc_buf_init(&hdr, 1 << 17);
	if (rc_buf_printf(&raw, err, "%s:%s", cr->username, cr->secret) < 0)
		goto out;
	if (!(enc = malloc(4 * ((raw.len + 2) / 3) + 1))) {
		rc_err_nomem(err);
		goto out;
	}
	EVP_EncodeBlock(enc, (const unsigned char *)raw.data, (int)raw.len);
	if (rc_buf_printf(&hdr, err, "Authorization: Basic %s", (char *)enc) < 0)
		goto out;
	out = rc_buf_detach(&hdr);
out:
	if (enc) {
		explicit_bzero(enc, strlen((char *)enc));
		free(enc);
	}
	explicit_bzero(raw.data, raw.len);
	explicit_bzero(hdr.data, hdr.len);
	rc_buf_release(&raw);
	rc_buf_release(&hdr);
	return out;
}

static int creds_usable(const struct rc_reg_client *c)
{
	return c->creds.identity_token || (c->creds.username && c->creds.secret);
}

/* Credentials may go to url (the registry or a realm) only over HTTPS, or
 * over plain HTTP when the registry was given as http:// on loopback and
 * url is on loopback too. */
static int may_send_creds(const struct rc_reg_client *c, const char *scheme, const char *host)
{
	if (!strcmp(scheme, "https"))
		return 1;
	return c->http_loopback && is_loopback_host(host);
}

static const char *actions(const struct rc_reg_client *c)
{
	if (c->access & RC_REG_PUSH)
		return (c->access & RC_REG_DELETE) ? "pull,push,delete" : "pull,push";
	return (c->access & RC_REG_DELETE) ? "pull,delete" : "pull";
}

static int repo_scope(const struct rc_reg_client *c, const char *repo, char *out, size_t outsz)
{
	int n = snprintf(out, outsz, "repository:%s:%s", repo, actions(c));
	return n < 0 || (size_t)n >= outsz ? -1 : 0;
}

/* The realm's client, for its origin; *path gets path and query. */
static int realm_client(struct rc_reg_client *c, const char *scope, char **path, int *secure_ok,
			struct rc_err *err)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *p = NULL, *q = NULL;
	struct rc_buf origin = RC_BUF_INIT, b = RC_BUF_INIT;
	char rq[256];
	int ret = -1;

	*path = NULL;
	rc_buf_init(&origin, 4096);
	rc_buf_init(&b, 1 << 16);
	rc_sanitize(rq, sizeof(rq), c->realm);
	if (!u)
		goto nomem;
	if (curl_url_set(u, CURLUPART_URL, c->realm, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    (strcmp(scheme, "https") && strcmp(scheme, "http"))) {
		rc_err_set(err, RC_ERR_PROTOCOL, "registry '%s' names an unusable token realm '%s'",
			   c->url, rq);
		goto out;
	}
	if (c->service && rc_buf_printf(&b, err, "service=%s", c->service) < 0)
		goto out;
	if (c->service && curl_url_set(u, CURLUPART_QUERY, b.data,
				       CURLU_APPENDQUERY | CURLU_URLENCODE) != CURLUE_OK)
		goto nomem;
	rc_buf_reset(&b);
	if (scope && rc_buf_printf(&b, err, "scope=%s", scope) < 0)
		goto out;
	if (scope && curl_url_set(u, CURLUPART_QUERY, b.data,
				  CURLU_APPENDQUERY | CURLU_URLENCODE) != CURLUE_OK)
		goto nomem;
	if (curl_url_get(u, CURLUPART_PORT, &port, 0) != CURLUE_OK)
		port = NULL;
	if (curl_url_get(u, CURLUPART_PATH, &p, 0) != CURLUE_OK)
		goto nomem;
	if (curl_url_get(u, CURLUPART_QUERY, &q, 0) != CURLUE_OK)
		q = NULL;
	if (rc_buf_printf(&origin, err, "%s://%s%s%s", scheme, host, port ? ":" : "",
			  port ? port : "") < 0)
		goto out;
	rc_buf_reset(&b);
	if (rc_buf_printf(&b, err, "%s%s%s", p, q ? "?" : "", q ? q : "") < 0)
		goto out;
	*secure_ok = may_send_creds(c, scheme, host);
	if (!c->realm_http || strcmp(c->realm_origin, origin.data)) {
		struct rc_http_opts ho = c->hopts;

		rc_http_free(c->realm_http);
		c->realm_http = NULL;
		free(c->realm_origin);
		c->realm_origin = NULL;
		/* the token server is not the registry: asking it for a token
		 * changes nothing, so it is never read-only (OAuth uses POST) */
		ho.read_only = 0;
		ho.follow_redirects = 0;
		ho.max_body = TOKEN_MAX_BYTES;
		if (!(c->realm_http = rc_http_new(origin.data, &ho, err)))
			goto out;
		c->realm_origin = rc_buf_detach(&origin);
	}
	if (!c->realm_logged) {
		rc_log_verbose("registry '%s' uses the token realm '%s'", c->url, rq);
		c->realm_logged = 1;
	}
	*path = rc_buf_detach(&b);
	ret = 0;
	goto out;
nomem:
	rc_err_nomem(err);
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(p);
	curl_free(q);
	curl_url_cleanup(u);
	rc_buf_release(&origin);
	rc_buf_release(&b);
	return ret;
}

static int header_safe(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 127)
			return 0;
	return 1;
}

/* Asks the realm for a token for scope (NULL: none) into t. */
static int fetch_token(struct rc_reg_client *c, const char *scope, struct token *t,
		       struct rc_err *err)
{
	struct rc_http_resp resp;
	char *path = NULL, *basic = NULL;
	struct rc_buf form = RC_BUF_INIT;
	const char *hdrs[2] = {NULL, NULL};
	cJSON *root = NULL;
	const cJSON *tok, *exp;
	char rq[256], msg[300];
	int secure = 0, ret = -1;
	long ttl = TOKEN_DEFAULT_TTL;

	rc_http_resp_init(&resp);
	rc_buf_init(&form, 1 << 16);
	rc_sanitize(rq, sizeof(rq), c->realm);
	if (realm_client(c, scope, &path, &secure, err) < 0)
		goto out;
	if (creds_usable(c) && !secure) {
		rc_err_set(err, RC_ERR_REFUSED,
			   "refusing to send credentials to the token realm '%s' of registry '%s' "
			   "over plain HTTP",
			   rq, c->url);
		goto out;
	}
	c->token_requests++;
	if (c->creds.identity_token) {
		/* OAuth2 refresh-token grant, as the docker CLI does */
		char *e;
		const char *parts[][2] = {{"grant_type", "refresh_token"},
					  {"client_id", "reclaim"},
					  {"service", c->service},
					  {"scope", scope},
					  {"refresh_token", c->creds.identity_token}};
		for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
			if (!parts[i][1])
				continue;
			if (!(e = curl_easy_escape(NULL, parts[i][1], 0)))
				goto nomem;
			if (rc_buf_printf(&form, err, "%s%s=%s", form.len ? "&" : "", parts[i][0],
					  e) < 0) {
				curl_free(e);
				goto out;
			}
			curl_free(e);
		}
		/* the form goes to the realm's path without our query */
		path[strcspn(path, "?")] = '\0';
		{
			struct rc_http_req req = {"POST",    path,
						  NULL,	     "application/x-www-form-urlencoded",
						  form.data, form.len};
			if (rc_http_do(c->realm_http, &req, &resp, err) < 0)
				goto out;
		}
	} else {
		struct rc_http_req req = {"GET", path, hdrs, NULL, NULL, 0};

		if (creds_usable(c)) {
			if (!(basic = basic_header(&c->creds, err)))
				goto out;
			hdrs[0] = basic;
		}
		if (rc_http_do(c->realm_http, &req, &resp, err) < 0)
			goto out;
	}
	if (resp.status == 401 || resp.status == 403) {
		rc_reg_error_text(resp.body.data, resp.body.len, msg, sizeof(msg));
		rc_err_set(err, RC_ERR_REFUSED,
			   "the token realm '%s' of registry '%s' refused %s: HTTP %ld%s%s", rq,
			   c->url, creds_usable(c) ? "the credentials" : "anonymous access",
			   resp.status, msg[0] ? ": " : "", msg);
		err->http_status = resp.status;
		goto out;
	}
	if (resp.status < 200 || resp.status > 299) {
		rc_err_set(err, RC_ERR_HTTP, "cannot get a token from '%s': HTTP %ld", rq,
			   resp.status);
		err->http_status = resp.status;
		goto out;
	}
	root = cJSON_ParseWithLength(resp.body.data, resp.body.len);
	tok = cJSON_GetObjectItemCaseSensitive(root, "token");
	if (!cJSON_IsString(tok) || !*tok->valuestring)
		tok = cJSON_GetObjectItemCaseSensitive(root, "access_token");
	if (!cJSON_IsString(tok) || !*tok->valuestring || !header_safe(tok->valuestring)) {
		rc_err_set(err, RC_ERR_PROTOCOL, "the token realm '%s' answered no usable token",
			   rq);
		goto out;
	}
	exp = cJSON_GetObjectItemCaseSensitive(root, "expires_in");
	if (cJSON_IsNumber(exp) && exp->valuedouble >= 1 && exp->valuedouble < 86400 * 366)
		ttl = (long)exp->valuedouble;
	free(t->scope);
	free(t->header);
	t->scope = NULL;
	t->header = NULL;
	if (scope && !(t->scope = strdup(scope)))
		goto nomem;
	{
		struct rc_buf hb = RC_BUF_INIT;
		rc_buf_init(&hb, TOKEN_MAX_BYTES);
		if (rc_buf_printf(&hb, err, "Authorization: Bearer %s", tok->valuestring) < 0)
			goto out;
		t->header = rc_buf_detach(&hb);
	}
	/* refresh a little early: the token must still hold when it arrives */
	t->expires = mono_now() + (ttl > 10 ? ttl - 5 : ttl);
	ret = 0;
	goto out;
nomem:
	rc_err_nomem(err);
out:
	if (root) {
		cJSON *tk = cJSON_GetObjectItemCaseSensitive(root, "token");
		if (cJSON_IsString(tk))
			explicit_bzero(tk->valuestring, strlen(tk->valuestring));
	}
	cJSON_Delete(root);
	if (basic) {
		explicit_bzero(basic, strlen(basic));
		free(basic);
	}
	explicit_bzero(form.data, form.len);
	rc_buf_release(&form);
	explicit_bzero(resp.body.data, resp.body.len);
	rc_http_resp_release(&resp);
	free(path);
	return ret;
}

/* The Authorization header for scope (owned by the client), or NULL for an
 * anonymous registry. */
static int auth_for(struct rc_reg_client *c, const char *scope, const char **hdr,
		    struct rc_err *err)
{
	struct token *t = NULL, *old = &c->tokens[0];
	const char *key = scope ? scope : "";
	time_t now;

	*hdr = NULL;
	if (c->auth == AUTH_BASIC) {
		*hdr = c->basic;
		return 0;
	}
	if (c->auth != AUTH_BEARER)
		return 0;
	now = mono_now();
	for (size_t i = 0; i < TOKEN_CACHE; i++) {
		struct token *x = &c->tokens[i];
		if (x->header && !strcmp(x->scope ? x->scope : "", key) && x->expires > now) {
			t = x;
			break;
		}
		if (x->used < old->used)
			old = x;
	}
	if (!t) {
		/* the least recently used slot: a scan reaches one repository
		 * after another, so a small cache holds what is in use */
		if (fetch_token(c, scope, old, err) < 0)
			return -1;
		t = old;
	}
	t->used = ++c->tick;
	*hdr = t->header;
	return 0;
}

static void forget_token(struct rc_reg_client *c, const char *scope)
{
	const char *key = scope ? scope : "";

	for (size_t i = 0; i < TOKEN_CACHE; i++)
		if (c->tokens[i].header &&
		    !strcmp(c->tokens[i].scope ? c->tokens[i].scope : "", key))
			c->tokens[i].expires = 0;
}

/* Learns the scheme from a 401's challenge. */
static int learn_auth(struct rc_reg_client *c, const struct rc_http_resp *resp, struct rc_err *err)
{
	struct rc_reg_challenge ch;
	const char *v = rc_http_resp_header(resp, "WWW-Authenticate");
	struct rc_err perr = RC_ERR_INIT;

	if (!v || rc_reg_parse_challenge(v, &ch, &perr) < 0 || ch.scheme == RC_REG_AUTH_OTHER ||
	    (ch.scheme == RC_REG_AUTH_BEARER && !ch.realm)) {
		if (v)
			rc_reg_challenge_release(&ch);
		return rc_err_set(err, RC_ERR_PROTOCOL,
				  "registry '%s' answered 401 without a usable authentication "
				  "challenge",
				  c->url);
	}
	if (ch.scheme == RC_REG_AUTH_BASIC) {
		rc_reg_challenge_release(&ch);
		if (!creds_usable(c) || c->creds.identity_token)
			return rc_err_set(err, RC_ERR_REFUSED,
					  "registry '%s' requires a username and password "
					  "(--username and --password-stdin, %s/%s, or the Docker "
					  "config)",
					  c->url, RC_ENV_REGISTRY_USERNAME,
					  RC_ENV_REGISTRY_PASSWORD);
		if (strncmp(c->url, "https://", 8) && !c->http_loopback)
			return rc_err_set(
			    err, RC_ERR_REFUSED,
			    "refusing to send credentials to registry '%s' over plain "
			    "HTTP",
			    c->url);
		if (!c->basic && !(c->basic = basic_header(&c->creds, err)))
			return -1;
		c->auth = AUTH_BASIC;
		return 0;
	}
	free(c->realm);
	free(c->service);
	c->realm = ch.realm;
	c->service = ch.service;
	free(ch.scope);
	c->auth = AUTH_BEARER;
	return 0;
}

/* One request to the registry with the Authorization scope asks for, and
 * once more after a 401 (an expired token, or the first challenge). */
static int reg_do(struct rc_reg_client *c, const struct rc_http_req *in, const char *scope,
		  const char *accept, struct rc_http_resp *resp, struct rc_err *err)
{
	for (int attempt = 0;; attempt++) {
		const char *hdrs[3] = {NULL, NULL, NULL};
		const char *auth = NULL;
		struct rc_http_req req = *in;
		size_t k = 0;

		if (auth_for(c, scope, &auth, err) < 0)
			return -1;
		if (accept)
			hdrs[k++] = accept;
		if (auth)
			hdrs[k++] = auth;
		req.headers = hdrs;
		if (rc_http_do(c->http, &req, resp, err) < 0)
			return -1;
		if (resp->status != 401 || attempt > 0)
			return 0;
		if (c->auth == AUTH_BEARER)
			forget_token(c, scope);
		else if (c->auth == AUTH_UNKNOWN || c->auth == AUTH_NONE) {
			if (learn_auth(c, resp, err) < 0)
				return -1;
		} else
			return 0;
	}
}

/* One clean line for a non-2xx answer to `what`. */
static int reg_fail(const struct rc_reg_client *c, const char *what,
		    const struct rc_http_resp *resp, struct rc_err *err)
{
	char msg[300];

	rc_reg_error_text(resp->body.data, resp->body.len, msg, sizeof(msg));
	if (resp->status == 401)
		rc_err_set(err, RC_ERR_REFUSED, "registry '%s' refused %s for %s: HTTP 401%s%s",
			   c->url, creds_usable(c) ? "the credentials" : "anonymous access", what,
			   msg[0] ? ": " : "", msg);
	else
		rc_err_set(err, RC_ERR_HTTP, "cannot %s on registry '%s': HTTP %ld%s%s", what,
			   c->url, resp->status, msg[0] ? ": " : "", msg);
	if (err)
		err->http_status = resp->status;
	return -1;
}

int rc_reg_ping(struct rc_reg_client *c, struct rc_err *err)
{
	struct rc_http_resp resp;
	struct rc_http_req req = {"GET", "/v2/", NULL, NULL, NULL, 0};
	int ret = -1;

	if (c->auth != AUTH_UNKNOWN)
		return 0;
	rc_http_resp_init(&resp);
	if (rc_http_do(c->http, &req, &resp, err) < 0)
		goto out;
	if (resp.status == 200) {
		c->auth = AUTH_NONE;
		ret = 0;
		goto out;
	}
	if (resp.status != 401) {
		reg_fail(c, "check the API at '/v2/'", &resp, err);
		goto out;
	}
	if (learn_auth(c, &resp, err) < 0)
		goto out;
	/* prove the credentials now: one clear error before any scan */
	if (reg_do(c, &req, NULL, NULL, &resp, err) < 0)
		goto out;
	if (resp.status != 200) {
		reg_fail(c, "check the API at '/v2/'", &resp, err);
		goto out;
	}
	ret = 0;
out:
	rc_http_resp_release(&resp);
	if (ret < 0)
		c->auth = AUTH_UNKNOWN; /* the next call checks again, not trusts */
	return ret;
}

/* ---- pages ---- */

/* Resolves a Link target against the current page's path; it must stay on
 * the registry. *out is path and query. */
static int resolve_link(const struct rc_reg_client *c, const char *cur, const char *link,
			char **out, struct rc_err *err)
{
	CURLU *u = curl_url();
	struct rc_buf b = RC_BUF_INIT;
	char *abs = NULL, *p = NULL, *q = NULL;
	char ql[256];
	int ret = -1;

	*out = NULL;
	rc_buf_init(&b, 1 << 16);
	rc_sanitize(ql, sizeof(ql), link);
	if (!u || rc_buf_printf(&b, err, "%s%s", c->url, cur) < 0)
		goto nomem;
	if (curl_url_set(u, CURLUPART_URL, b.data, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_URL, link, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &abs, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &p, 0) != CURLUE_OK) {
		rc_err_set(err, RC_ERR_PROTOCOL, "registry '%s' sent a malformed next link '%s'",
			   c->url, ql);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_QUERY, &q, 0) != CURLUE_OK)
		q = NULL;
	rc_buf_reset(&b);
	if (rc_buf_printf(&b, err, "%s%s%s", c->url, p, q ? "?" : "") < 0 ||
	    rc_buf_puts(&b, q ? q : "", err) < 0)
		goto out;
	if (strcmp(abs, b.data) || strncmp(p, "/v2/", 4)) {
		rc_err_set(err, RC_ERR_PROTOCOL,
			   "registry '%s' sent a next link '%s' off the registry's API", c->url,
			   ql);
		goto out;
	}
	rc_buf_reset(&b);
	if (rc_buf_printf(&b, err, "%s%s%s", p, q ? "?" : "", q ? q : "") < 0)
		goto out;
	*out = rc_buf_detach(&b);
	ret = 0;
	goto out;
nomem:
	rc_err_nomem(err);
out:
	curl_free(abs);
	curl_free(p);
	curl_free(q);
	curl_url_cleanup(u);
	rc_buf_release(&b);
	return ret;
}

/* Walks the pages from first, appending the names under key. A next link
 * seen before is a loop: an error. */
static int walk_pages(struct rc_reg_client *c, const char *first, const char *scope,
		      const char *key, const char *what, struct rc_strv *out, struct rc_err *err)
{
	struct rc_strv seen = {0};
	struct rc_http_resp resp;
	char *cur = NULL, *link = NULL, *next = NULL;
	int ret = -1;

	rc_http_resp_init(&resp);
	if (!(cur = strdup(first)))
		goto nomem;
	for (;;) {
		struct rc_http_req req = {"GET", cur, NULL, NULL, NULL, 0};

		if (rc_strv_push(&seen, cur, err) < 0)
			goto out;
		if (reg_do(c, &req, scope, NULL, &resp, err) < 0)
			goto out;
		if (resp.status < 200 || resp.status > 299) {
			reg_fail(c, what, &resp, err);
			goto out;
		}
		if (rc_reg_parse_names(resp.body.data, resp.body.len, key, out, err) < 0) {
			rc_err_prefix(err, "cannot %s on registry '%s'", what, c->url);
			goto out;
		}
		if (rc_reg_parse_link_next(rc_http_resp_header(&resp, "Link"), &link, err) < 0) {
			rc_err_prefix(err, "cannot %s on registry '%s'", what, c->url);
			goto out;
		}
		if (!link)
			break;
		if (resolve_link(c, cur, link, &next, err) < 0)
			goto out;
		free(link);
		link = NULL;
		if (rc_strv_has(&seen, next)) {
			char q[256];
			rc_sanitize(q, sizeof(q), next);
			rc_err_set(err, RC_ERR_PROTOCOL,
				   "cannot %s on registry '%s': the next link '%s' repeats an "
				   "earlier page (a loop)",
				   what, c->url, q);
			goto out;
		}
		free(cur);
		cur = next;
		next = NULL;
	}
	ret = 0;
	goto out;
nomem:
	rc_err_nomem(err);
out:
	rc_http_resp_release(&resp);
	rc_strv_release(&seen);
	free(cur);
	free(link);
	free(next);
	return ret;
}

int rc_reg_list_tags(struct rc_reg_client *c, const char *repo, size_t page_size,
		     struct rc_strv *out, struct rc_err *err)
{
	char path[512], scope[400], what[400];
	size_t from = out->n;

	if (!rc_reg_repo_name_valid(repo))
		return rc_err_set(err, RC_ERR_PROTOCOL, "invalid repository name");
	if (rc_reg_ping(c, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "/v2/%s/tags/list?n=%zu", repo, page_size ? page_size : 1000);
	snprintf(what, sizeof(what), "list the tags of '%s'", repo);
	if (repo_scope(c, repo, scope, sizeof(scope)) < 0)
		return rc_err_set(err, RC_ERR_USAGE, "repository name too long");
	if (walk_pages(c, path, scope, "tags", what, out, err) < 0)
		return -1;
	for (size_t i = from; i < out->n; i++)
		if (!rc_reg_tag_valid(out->v[i])) {
			char q[160];
			rc_sanitize(q, sizeof(q), out->v[i]);
			return rc_err_set(err, RC_ERR_PROTOCOL,
					  "registry '%s' lists an invalid tag '%s' in '%s'", c->url,
					  q, repo);
		}
	return 0;
}

/* ---- the scan ---- */

/* A repository's manifests while it is scanned: an array and an index by
 * digest (open addressing), so nothing is quadratic in the manifests. */
struct mset {
	struct rc_reg_manifest *v;
	size_t n, cap;
	size_t *slot; /* index + 1; 0 empty */
	size_t nslot;
};

static size_t hash_str(const char *s)
{
	size_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static long mset_find(const struct mset *m, const char *digest)
{
	size_t i;

	if (!m->nslot)
		return -1;
	for (i = hash_str(digest) & (m->nslot - 1); m->slot[i]; i = (i + 1) & (m->nslot - 1))
		if (!strcmp(m->v[m->slot[i] - 1].digest, digest))
			return (long)(m->slot[i] - 1);
	return -1;
}

static int mset_rehash(struct mset *m, struct rc_err *err)
{
	size_t ns = m->nslot ? m->nslot * 2 : 64;
	size_t *s = calloc(ns, sizeof(*s));

	if (!s)
		return rc_err_nomem(err);
	free(m->slot);
	m->slot = s;
	m->nslot = ns;
	for (size_t k = 0; k < m->n; k++) {
		size_t i = hash_str(m->v[k].digest) & (ns - 1);
		while (s[i])
			i = (i + 1) & (ns - 1);
		s[i] = k + 1;
	}
	return 0;
}

/* Takes *mf (its digest set) into the set; *mf is left empty. */
static int mset_add(struct mset *m, struct rc_reg_manifest *mf, struct rc_err *err)
{
	size_t i;

	if (m->n == m->cap) {
		size_t nc = m->cap ? m->cap * 2 : 16;
		struct rc_reg_manifest *nv = realloc(m->v, nc * sizeof(*nv));
		if (!nv)
			return rc_err_nomem(err);
		m->v = nv;
		m->cap = nc;
	}
	m->v[m->n++] = *mf;
	memset(mf, 0, sizeof(*mf));
	if ((m->n + 1) * 2 > m->nslot)
		return mset_rehash(m, err);
	i = hash_str(m->v[m->n - 1].digest) & (m->nslot - 1);
	while (m->slot[i])
		i = (i + 1) & (m->nslot - 1);
	m->slot[i] = m->n;
	return 0;
}

static void mset_release(struct mset *m)
{
	for (size_t i = 0; i < m->n; i++)
		rc_reg_manifest_release(&m->v[i]);
	free(m->v);
	free(m->slot);
	memset(m, 0, sizeof(*m));
}

/* Redraws the scan's progress line, when in a scan. */
static void scan_progress(struct rc_reg_client *c)
{
	if (!c->prog.what)
		return;
	c->prog.requests = rc_http_requests_sent(c->http) + rc_http_requests_sent(c->realm_http);
	c->prog.elapsed_ns = rc_rate_now_ns() - c->prog_t0;
	rc_progress_scan(&c->prog);
}

/* GETs (or HEADs) paths in windows with the same headers for all; responses for 401
 * are fetched again one by one (a token that expired meanwhile). For each
 * answer calls fn(ctx, i, resp); fn returns -1 to stop. Redraws the scan's
 * progress line after each window. */
typedef int (*each_fn)(void *ctx, size_t i, struct rc_http_resp *resp, struct rc_err *err);

static int get_all(struct rc_reg_client *c, const char *method, char **paths, size_t n,
		   const char *scope, const char *accept, each_fn fn, void *ctx,
		   struct rc_err *err)
{
	struct rc_http_resp *resps = NULL;
	const char **ptrs = NULL;
	const char *const **hv = NULL;
	const char *hdrs[3];
	size_t off, w, i;
	int ret = -1;

	if (!n)
		return 0;
	w = n < WINDOW ? n : WINDOW;
	resps = calloc(w, sizeof(*resps));
	ptrs = calloc(w, sizeof(*ptrs));
	hv = calloc(w, sizeof(*hv));
	if (!resps || !ptrs || !hv) {
		rc_err_nomem(err);
		goto out;
	}
	for (off = 0; off < n; off += w) {
		size_t k = n - off < w ? n - off : w, h = 0;
		const char *auth = NULL;
		int r = 0;

		if (auth_for(c, scope, &auth, err) < 0)
			goto out;
		if (accept)
			hdrs[h++] = accept;
		if (auth)
			hdrs[h++] = auth;
		hdrs[h] = NULL;
		for (i = 0; i < k; i++) {
			ptrs[i] = paths[off + i];
			hv[i] = hdrs;
		}
		if (rc_http_many_h(c->http, method, ptrs, hv, k, c->parallel, resps, err) < 0) {
			for (i = 0; i < k; i++)
				rc_http_resp_release(&resps[i]);
			goto out;
		}
		for (i = 0; i < k && r == 0; i++) {
			if (resps[i].status == 401) {
				struct rc_http_req req = {method, ptrs[i], NULL, NULL, NULL, 0};
				forget_token(c, scope);
				r = reg_do(c, &req, scope, accept, &resps[i], err);
			}
			if (r == 0)
				r = fn(ctx, off + i, &resps[i], err);
		}
		for (i = 0; i < k; i++)
			rc_http_resp_release(&resps[i]);
		if (r < 0)
			goto out;
		scan_progress(c);
	}
	ret = 0;
out:
	free(resps);
	free(ptrs);
	free(hv);
	return ret;
}

static void free_paths(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

/* "/v2/<repo>/<kind>/<ref>" for each ref. */
static char **make_paths(const char *repo, const char *kind, char *const *refs, size_t n,
			 struct rc_err *err)
{
	char **v = calloc(n ? n : 1, sizeof(*v));
	struct rc_buf b = RC_BUF_INIT;

	if (!v) {
		rc_err_nomem(err);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		rc_buf_init(&b, 4096);
		if (!ref_valid(refs[i])) {
			rc_buf_release(&b);
			free_paths(v, n);
			rc_err_set(err, RC_ERR_PROTOCOL, "invalid reference in '%s'", repo);
			return NULL;
		}
		if (rc_buf_printf(&b, err, "/v2/%s/%s/%s", repo, kind, refs[i]) < 0) {
			rc_buf_release(&b);
			free_paths(v, n);
			return NULL;
		}
		v[i] = rc_buf_detach(&b);
	}
	return v;
}

struct repo_ctx {
	struct rc_reg_client *c;
	const char *repo;
	struct mset ms;
	struct rc_strv tags; /* as listed */
	char **tag_digest; /* per tag, NULL when it vanished */
	char **want; /* the references (tags or digests) of the current batch */
	int by_tag; /* want is tags (and tag_digest is filled) */
	size_t *map; /* the current GETs' index in want; NULL: the same */
	unsigned char *need; /* per reference: the HEAD did not settle it */
	struct rc_strv pending; /* digests to fetch next */
	int referrer_probe;
};

/* Stores a verified object. A failure is kept by the cache
 * (rc_cache_failure), which stores nothing more, and is reported once by
 * whoever opened it: a cache never fails a scan. */
static void cache_put(struct rc_reg_client *c, const char *digest, const void *data, size_t len,
		      const char *media_type)
{
	struct rc_err e = RC_ERR_INIT;

	if (c->cache)
		(void)rc_cache_store(c->cache, digest, data, len, media_type, &e);
}

/* "repo:tag" or "repo@digest", for messages. */
static void ref_label(const struct repo_ctx *x, const char *ref, char *q, size_t qsz)
{
	snprintf(q, qsz, "%s%s%s", x->repo, rc_digest_valid(ref) ? "@" : ":", ref);
}

/* Parses the verified manifest `data` named digest into the set (when it is
 * new) and queues its children. */
static int add_manifest(struct repo_ctx *x, const char *q, const char *digest, const char *data,
			size_t len, const char *media_type, struct rc_err *err)
{
	struct rc_reg_manifest m;

	memset(&m, 0, sizeof(m));
	if (mset_find(&x->ms, digest) >= 0)
		return 0;
	if (rc_reg_parse_manifest(data, len, media_type, &m, err) < 0)
		return rc_err_prefix(err, "manifest '%s'", q);
	if (!(m.digest = strdup(digest))) {
		rc_reg_manifest_release(&m);
		return rc_err_nomem(err);
	}
	for (size_t i = 0; i < m.children.n; i++)
		if (mset_find(&x->ms, m.children.v[i]) < 0 &&
		    rc_strv_push(&x->pending, m.children.v[i], err) < 0)
			goto fail;
	if (mset_add(&x->ms, &m, err) < 0)
		goto fail;
	return 0;
fail:
	rc_reg_manifest_release(&m);
	return -1;
}

static int add_manifest_body(struct repo_ctx *x, const char *ref, const char *expect_digest,
			     struct rc_http_resp *resp, char **digest_out, struct rc_err *err)
{
	const char *hd = rc_http_resp_header(resp, "Docker-Content-Digest");
	const char *ct = rc_http_resp_header(resp, "Content-Type");
	char *digest = NULL;
	char q[400];

	ref_label(x, ref, q, sizeof(q));
	if (resp->body.len > RC_REG_MANIFEST_MAX)
		return rc_err_set(err, RC_ERR_PROTOCOL, "manifest '%s' is over the %zu byte limit",
				  q, RC_REG_MANIFEST_MAX);
	if (expect_digest)
		digest = strdup(expect_digest);
	else if (hd && *hd)
		digest = strdup(hd);
	else
		digest = rc_sha256_digest(resp->body.data, resp->body.len, err);
	if (!digest)
		return err && err->kind ? -1 : rc_err_nomem(err);
	if (hd && *hd && strcmp(hd, digest)) {
		char h[100];
		rc_sanitize(h, sizeof(h), hd);
		rc_err_set(err, RC_ERR_PROTOCOL,
			   "manifest '%s': the registry says digest '%s', not '%s'", q, h, digest);
		free(digest);
		return -1;
	}
	if (rc_reg_verify_digest(resp->body.data, resp->body.len, digest, err) < 0) {
		rc_err_prefix(err, "manifest '%s'", q);
		free(digest);
		return -1;
	}
	*digest_out = digest;
	if (mset_find(&x->ms, digest) >= 0)
		return 0;
	if (add_manifest(x, q, digest, resp->body.data, resp->body.len, ct, err) < 0)
		return -1;
	cache_put(x->c, digest, resp->body.data, resp->body.len, ct);
	return 0;
}

/* "fetch the manifest of 'repo:tag'" or "fetch the manifest 'repo@digest'". */
static int manifest_fail(const struct repo_ctx *x, const char *ref, const struct rc_http_resp *resp,
			 struct rc_err *err)
{
	char what[400];

	snprintf(what, sizeof(what), "fetch the manifest %s'%s%s%s'",
		 rc_digest_valid(ref) ? "" : "of ", x->repo, rc_digest_valid(ref) ? "@" : ":", ref);
	return reg_fail(x->c, what, resp, err);
}

static int on_tag_manifest(void *ctx, size_t i, struct rc_http_resp *resp, struct rc_err *err)
{
	struct repo_ctx *x = ctx;
	size_t j = x->map ? x->map[i] : i;

	if (resp->status == 404)
		return 0; /* removed since the tag list: not in the scan */
	if (resp->status < 200 || resp->status > 299)
		return manifest_fail(x, x->want[j], resp, err);
	x->c->prog.tags++;
	return add_manifest_body(x, x->want[j], NULL, resp, &x->tag_digest[j], err);
}

static int on_digest_manifest(void *ctx, size_t i, struct rc_http_resp *resp, struct rc_err *err)
{
	struct repo_ctx *x = ctx;
	size_t j = x->map ? x->map[i] : i;
	char *d = NULL;
	int r;

	if (resp->status == 404)
		return 0; /* a child or referrer the registry lacks */
	if (resp->status < 200 || resp->status > 299)
		return manifest_fail(x, x->want[j], resp, err);
	r = add_manifest_body(x, x->want[j], x->want[j], resp, &d, err);
	free(d);
	return r;
}

/* The answer to HEAD of reference i: the registry names the digest now;
 * the cache may have its bytes (verified as it loads them). What the HEAD
 * cannot settle is marked for a GET: no or an unexpected digest, no
 * Content-Type (the one an entry was stored with is not verified: whoever
 * can write the cache can give an entry any), or no cache entry. */
static int on_head(void *ctx, size_t i, struct rc_http_resp *resp, struct rc_err *err)
{
	struct repo_ctx *x = ctx;
	const char *ref = x->want[i];
	const char *hd = rc_http_resp_header(resp, "Docker-Content-Digest");
	const char *ct = rc_http_resp_header(resp, "Content-Type");
	struct rc_buf body = RC_BUF_INIT;
	char q[400];
	int r;

	if (resp->status == 404)
		return 0; /* gone since the tag list, or a child the registry lacks */
	if (resp->status < 200 || resp->status > 299)
		return manifest_fail(x, ref, resp, err);
	if (!hd || !rc_digest_valid(hd) || (!x->by_tag && strcmp(hd, ref))) {
		x->need[i] = 1;
		return 0;
	}
	if (mset_find(&x->ms, hd) < 0) {
		if (!ct || !*ct) {
			x->need[i] = 1;
			return 0;
		}
		if ((r = rc_cache_load(x->c->cache, hd, &body, NULL, err)) <= 0) {
			x->need[i] = r == 0;
			return r;
		}
		ref_label(x, ref, q, sizeof(q));
		/* the live Content-Type, as a GET would give it */
		r = add_manifest(x, q, hd, body.data, body.len, ct, err);
		rc_buf_release(&body);
		if (r < 0)
			return -1;
	}
	if (x->by_tag && !(x->tag_digest[i] = strdup(hd)))
		return rc_err_nomem(err);
	if (x->by_tag)
		x->c->prog.tags++;
	return 0;
}

/* Fetches the manifests refs[0..n) name (tags when by_tag, else digests)
 * into the set. With a cache that had entries, HEAD first and GET only
 * what the cache cannot give; with none (or an empty one: a first scan
 * would only pay for the HEADs), GET at once. */
static int fetch_manifests(struct repo_ctx *x, const char *scope, char **refs, size_t n, int by_tag,
			   struct rc_err *err)
{
	char **paths = NULL, **sub = NULL;
	size_t m = n, npaths = 0, i;
	int r = -1;

	x->want = refs;
	x->by_tag = by_tag;
	if (!n)
		return 0;
	if (x->c->cache && rc_cache_had_entries(x->c->cache)) {
		if (!(x->need = calloc(n, 1)) || !(x->map = calloc(n, sizeof(*x->map)))) {
			rc_err_nomem(err);
			goto out;
		}
		paths = make_paths(x->repo, "manifests", refs, n, err);
		npaths = n;
		if (!paths || get_all(x->c, "HEAD", paths, n, scope, RC_REG_MANIFEST_ACCEPT,
				      on_head, x, err) < 0)
			goto out;
		free_paths(paths, npaths);
		paths = NULL;
		for (i = m = 0; i < n; i++)
			if (x->need[i])
				x->map[m++] = i;
		if (!(sub = calloc(m ? m : 1, sizeof(*sub)))) {
			rc_err_nomem(err);
			goto out;
		}
		for (i = 0; i < m; i++)
			sub[i] = refs[x->map[i]];
	}
	paths = make_paths(x->repo, "manifests", sub ? sub : refs, m, err);
	npaths = m;
	if (paths)
		r = get_all(x->c, "GET", paths, m, scope, RC_REG_MANIFEST_ACCEPT,
			    by_tag ? on_tag_manifest : on_digest_manifest, x, err);
out:
	free_paths(paths, npaths);
	free(sub);
	free(x->need);
	free(x->map);
	x->need = NULL;
	x->map = NULL;
	return r;
}

static int on_referrers(void *ctx, size_t i, struct rc_http_resp *resp, struct rc_err *err)
{
	struct repo_ctx *x = ctx;
	struct rc_strv refs = {0};
	char what[400];
	int r = 0;

	if (x->c->referrers < 0)
		x->c->referrers = resp->status == 404 ? 0 : 1;
	if (resp->status == 404)
		return 0;
	if (resp->status < 200 || resp->status > 299) {
		snprintf(what, sizeof(what), "list the referrers of '%s@%s'", x->repo, x->want[i]);
		return reg_fail(x->c, what, resp, err);
	}
	if (rc_reg_parse_referrers(resp->body.data, resp->body.len, &refs, err) < 0)
		return rc_err_prefix(err, "referrers of '%s@%s'", x->repo, x->want[i]);
	for (size_t k = 0; k < refs.n && r == 0; k++)
		if (mset_find(&x->ms, refs.v[k]) < 0)
			r = rc_strv_push(&x->pending, refs.v[k], err);
	rc_strv_release(&refs);
	return r;
}

struct cfg_ctx {
	struct repo_ctx *x;
	char **digests;
};

/* Gives the images with the verified config `data` named digest its
 * created time, os and architecture. */
static int apply_config(struct repo_ctx *x, const char *digest, const char *data, size_t len,
			struct rc_err *err)
{
	struct rc_reg_manifest tmp;

	memset(&tmp, 0, sizeof(tmp));
	if (rc_reg_parse_config(data, len, &tmp, err) < 0) {
		rc_reg_manifest_release(&tmp);
		return rc_err_prefix(err, "config '%s@%s'", x->repo, digest);
	}
	for (size_t k = 0; k < x->ms.n; k++) {
		struct rc_reg_manifest *m = &x->ms.v[k];
		if (m->mkind != RC_REG_IMAGE || !m->config.digest ||
		    strcmp(m->config.digest, digest))
			continue;
		m->created = tmp.created;
		free(m->os);
		free(m->arch);
		m->os = tmp.os ? strdup(tmp.os) : NULL;
		m->arch = tmp.arch ? strdup(tmp.arch) : NULL;
		if ((tmp.os && !m->os) || (tmp.arch && !m->arch)) {
			rc_reg_manifest_release(&tmp);
			return rc_err_nomem(err);
		}
	}
	rc_reg_manifest_release(&tmp);
	return 0;
}

static int on_config(void *ctx, size_t i, struct rc_http_resp *resp, struct rc_err *err)
{
	struct cfg_ctx *cc = ctx;
	struct repo_ctx *x = cc->x;
	char what[400];

	if (resp->status == 404)
		return 0; /* a missing config leaves the times unknown */
	if (resp->status < 200 || resp->status > 299) {
		snprintf(what, sizeof(what), "fetch the config '%s@%s'", x->repo, cc->digests[i]);
		return reg_fail(x->c, what, resp, err);
	}
	if (rc_reg_verify_digest(resp->body.data, resp->body.len, cc->digests[i], err) < 0)
		return rc_err_prefix(err, "config '%s@%s'", x->repo, cc->digests[i]);
	if (apply_config(x, cc->digests[i], resp->body.data, resp->body.len, err) < 0)
		return -1;
	cache_put(x->c, cc->digests[i], resp->body.data, resp->body.len, NULL);
	return 0;
}

static int cmp_manifest(const void *a, const void *b)
{
	return strcmp(((const struct rc_reg_manifest *)a)->digest,
		      ((const struct rc_reg_manifest *)b)->digest);
}

/* Fetches every digest in pending (and what they lead to) until none is
 * left; with want_referrers, asks for each manifest's referrers too. */
static int fetch_pending(struct repo_ctx *x, const char *scope, struct rc_strv *check_refs,
			 struct rc_err *err)
{
	while (x->pending.n || check_refs->n) {
		struct rc_strv batch = x->pending, refs = *check_refs;
		char **paths;
		int r;

		memset(&x->pending, 0, sizeof(x->pending));
		memset(check_refs, 0, sizeof(*check_refs));
		/* manifests named by digest: children and referrers */
		if (batch.n) {
			struct rc_strv uniq = {0};
			for (size_t i = 0; i < batch.n; i++)
				if (mset_find(&x->ms, batch.v[i]) < 0 &&
				    !rc_strv_has(&uniq, batch.v[i]) &&
				    rc_strv_push(&uniq, batch.v[i], err) < 0) {
					rc_strv_release(&uniq);
					rc_strv_release(&batch);
					rc_strv_release(&refs);
					return -1;
				}
			rc_strv_release(&batch);
			batch = uniq;
			if (fetch_manifests(x, scope, batch.v, batch.n, 0, err) < 0) {
				rc_strv_release(&batch);
				rc_strv_release(&refs);
				return -1;
			}
			/* the new ones may have referrers too */
			for (size_t i = 0; i < batch.n; i++)
				if (mset_find(&x->ms, batch.v[i]) >= 0 &&
				    rc_strv_push(&refs, batch.v[i], err) < 0) {
					rc_strv_release(&batch);
					rc_strv_release(&refs);
					return -1;
				}
			rc_strv_release(&batch);
		}
		if (refs.n && x->c->referrers != 0) {
			size_t n = refs.n;
			/* the first answer tells whether the API exists */
			if (x->c->referrers < 0)
				n = 1;
			paths = make_paths(x->repo, "referrers", refs.v, n, err);
			x->want = refs.v;
			r = paths ? get_all(x->c, "GET", paths, n, scope, NULL, on_referrers, x, err)
				  : -1;
			free_paths(paths, n);
			if (r < 0) {
				rc_strv_release(&refs);
				return -1;
			}
			if (n < refs.n && x->c->referrers == 1) {
				/* supported: ask for the rest */
				for (size_t i = n; i < refs.n; i++)
					if (rc_strv_push(check_refs, refs.v[i], err) < 0) {
						rc_strv_release(&refs);
						return -1;
					}
			}
		}
		rc_strv_release(&refs);
	}
	return 0;
}

static int scan_repo(struct rc_reg_client *c, const char *name, size_t page_size,
		     struct rc_reg_repo *out, struct rc_err *err)
{
	struct repo_ctx x;
	struct rc_strv refs = {0};
	struct cfg_ctx cc = {&x, NULL};
	char scope[400], **paths = NULL;
	size_t i, nt = 0, ncfg = 0, npaths = 0;
	int ret = -1;

	memset(&x, 0, sizeof(x));
	x.c = c;
	x.repo = name;
	if (!(out->name = strdup(name)))
		return rc_err_nomem(err);
	if (repo_scope(c, name, scope, sizeof(scope)) < 0)
		return rc_err_set(err, RC_ERR_USAGE, "repository name too long");
	if (rc_reg_list_tags(c, name, page_size, &x.tags, err) < 0)
		goto out;
	if (!(x.tag_digest = calloc(x.tags.n ? x.tags.n : 1, sizeof(char *))))
		goto nomem;
	if (fetch_manifests(&x, scope, x.tags.v, x.tags.n, 1, err) < 0)
		goto out;
	/* every tagged manifest may have referrers */
	for (i = 0; i < x.ms.n; i++)
		if (rc_strv_push(&refs, x.ms.v[i].digest, err) < 0)
			goto out;
	if (fetch_pending(&x, scope, &refs, err) < 0)
		goto out;
	/* cosign-style tags name their subject */
	for (i = 0; i < x.tags.n; i++) {
		char subj[72];
		long k;
		if (!x.tag_digest[i] || !rc_reg_cosign_subject(x.tags.v[i], subj))
			continue;
		k = mset_find(&x.ms, x.tag_digest[i]);
		if (k >= 0 && !x.ms.v[k].subject && !(x.ms.v[k].subject = strdup(subj)))
			goto nomem;
	}
	/* configs: each distinct one once */
	{
		struct mset seen = {0};
		if (!(cc.digests = calloc(x.ms.n ? x.ms.n : 1, sizeof(char *))))
			goto nomem;
		for (i = 0; i < x.ms.n; i++) {
			struct rc_reg_manifest *m = &x.ms.v[i], probe;
			if (m->mkind != RC_REG_IMAGE || !m->config.digest || m->artifact_type)
				continue;
			memset(&probe, 0, sizeof(probe));
			if (mset_find(&seen, m->config.digest) >= 0)
				continue;
			if (!(probe.digest = strdup(m->config.digest)) ||
			    mset_add(&seen, &probe, err) < 0) {
				free(probe.digest);
				mset_release(&seen);
				goto nomem;
			}
			if (c->cache) {
				struct rc_buf b = RC_BUF_INIT;
				int hit = rc_cache_load(c->cache, m->config.digest, &b, NULL, err);
				int r = hit > 0
					    ? apply_config(&x, m->config.digest, b.data, b.len, err)
					    : hit;
				rc_buf_release(&b);
				if (r < 0) {
					mset_release(&seen);
					goto out;
				}
				if (hit)
					continue; /* from the cache */
			}
			cc.digests[ncfg++] = m->config.digest;
		}
		mset_release(&seen);
	}
	paths = make_paths(name, "blobs", cc.digests, ncfg, err);
	npaths = ncfg;
	if (!paths ||
	    get_all(c, "GET", paths, ncfg, scope, NULL, on_config, &cc, err) < 0)
		goto out;
	/* the result: tags in the registry's order, manifests by digest */
	if (!(out->tags = calloc(x.tags.n ? x.tags.n : 1, sizeof(*out->tags))))
		goto nomem;
	for (i = 0; i < x.tags.n; i++) {
		if (!x.tag_digest[i])
			continue;
		out->tags[nt].name = x.tags.v[i];
		out->tags[nt].digest = x.tag_digest[i];
		x.tags.v[i] = NULL;
		x.tag_digest[i] = NULL;
		nt++;
	}
	out->n_tags = nt;
	if (x.ms.n) /* a repository whose tags are all gone has none (v is NULL) */
		qsort(x.ms.v, x.ms.n, sizeof(*x.ms.v), cmp_manifest);
	out->manifests = x.ms.v;
	out->n_manifests = x.ms.n;
	x.ms.v = NULL;
	x.ms.n = 0;
	ret = 0;
	goto out;
nomem:
	rc_err_nomem(err);
out:
	free_paths(paths, npaths);
	free(cc.digests);
	rc_strv_release(&refs);
	rc_strv_release(&x.pending);
	for (i = 0; x.tag_digest && i < x.tags.n; i++)
		free(x.tag_digest[i]);
	free(x.tag_digest);
	rc_strv_release(&x.tags);
	mset_release(&x.ms);
	return ret;
}

static int has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int rc_reg_scan(struct rc_reg_client *c, const struct rc_reg_scan_opts *o, struct rc_reg_scan *s,
		struct rc_err *err)
{
	struct rc_strv all = {0}, keep = {0};
	const struct rc_strv *globs = o && o->repos && o->repos->n ? o->repos : NULL;
	size_t page = o && o->page_size ? o->page_size : 1000, i;
	char first[64];
	int ret = -1;

	memset(&c->prog, 0, sizeof(c->prog));
	c->prog_t0 = rc_rate_now_ns();
	if (rc_reg_ping(c, err) < 0)
		return -1;
	if (!s->url && !(s->url = strdup(c->url)))
		return rc_err_nomem(err);
	if (!s->name && !(s->name = rc_reg_source_name(c->url)))
		return rc_err_nomem(err);
	snprintf(first, sizeof(first), "/v2/_catalog?n=%zu", page);
	if (walk_pages(c, first, "registry:catalog:*", "repositories", "list the catalog", &all,
		       err) < 0) {
		int literal = globs != NULL;
		for (i = 0; globs && i < globs->n; i++)
			literal = literal && !has_glob(globs->v[i]);
		/* a registry that will not list its catalog can still be
		 * scanned by name */
		if (!literal ||
		    (err->http_status != 401 && err->http_status != 403 && err->http_status != 404))
			goto out;
		rc_log_verbose("%s; scanning the repositories named", err->msg);
		rc_err_clear(err);
		rc_strv_release(&all);
		if (rc_strv_push_all(&all, globs, err) < 0)
			goto out;
	}
	for (i = 0; i < all.n; i++) {
		int match = !globs;
		if (!rc_reg_repo_name_valid(all.v[i])) {
			char q[300];
			rc_sanitize(q, sizeof(q), all.v[i]);
			rc_err_set(err, RC_ERR_PROTOCOL,
				   "registry '%s' lists an invalid repository name '%s'", c->url,
				   q);
			goto out;
		}
		for (size_t g = 0; globs && g < globs->n && !match; g++)
			match = fnmatch(globs->v[g], all.v[i], 0) == 0;
		if (match && rc_strv_push(&keep, all.v[i], err) < 0)
			goto out;
	}
	if (globs)
		s->partial = 1;
	qsort(keep.v, keep.n, sizeof(*keep.v), cmp_str);
	snprintf(c->prog_what, sizeof(c->prog_what), "registry %s", c->url);
	c->prog.what = c->prog_what;
	c->prog.repos_total = keep.n;
	scan_progress(c);
	if (!(s->repos = calloc(keep.n ? keep.n : 1, sizeof(*s->repos))))
		goto nomem;
	for (i = 0; i < keep.n; i++) {
		if (i && !strcmp(keep.v[i], keep.v[i - 1]))
			continue; /* a catalog that lists a name twice */
		s->n_repos++;
		if (scan_repo(c, keep.v[i], page, &s->repos[s->n_repos - 1], err) < 0)
			goto out;
		c->prog.repos_done = i + 1;
		scan_progress(c);
	}
	s->referrers_api = c->referrers == 1;
	ret = 0;
	goto out;
nomem:
	rc_err_nomem(err);
out:
	c->prog.what = NULL;
	rc_progress_done();
	rc_strv_release(&all);
	rc_strv_release(&keep);
	return ret;
}

/* ---- single requests for the executor ---- */

int rc_reg_head_manifest(struct rc_reg_client *c, const char *repo, const char *ref, char **digest,
			 struct rc_err *err)
{
	struct rc_http_resp resp;
	char path[512], scope[400], what[700];
	const char *hd;
	struct rc_http_req req = {"HEAD", path, NULL, NULL, NULL, 0};
	int ret = -1;

	*digest = NULL;
	if (!rc_reg_repo_name_valid(repo) || !ref_valid(ref))
		return rc_err_set(err, RC_ERR_USAGE, "invalid repository or reference");
	if (rc_reg_ping(c, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "/v2/%s/manifests/%s", repo, ref);
	snprintf(what, sizeof(what), "resolve '%s%s%s'", repo, rc_digest_valid(ref) ? "@" : ":",
		 ref);
	repo_scope(c, repo, scope, sizeof(scope));
	rc_http_resp_init(&resp);
	if (reg_do(c, &req, scope, RC_REG_MANIFEST_ACCEPT, &resp, err) < 0)
		goto out;
	if (resp.status == 404) {
		ret = 0;
		goto out;
	}
	if (resp.status < 200 || resp.status > 299) {
		reg_fail(c, what, &resp, err);
		goto out;
	}
	hd = rc_http_resp_header(&resp, "Docker-Content-Digest");
	if (hd && rc_digest_valid(hd)) {
		if (!(*digest = strdup(hd)))
			rc_err_nomem(err);
		else
			ret = 0;
		goto out;
	}
	/* no digest header: fetch and hash */
	req.method = "GET";
	if (reg_do(c, &req, scope, RC_REG_MANIFEST_ACCEPT, &resp, err) < 0)
		goto out;
	if (resp.status == 404) {
		ret = 0;
		goto out;
	}
	if (resp.status < 200 || resp.status > 299) {
		reg_fail(c, what, &resp, err);
		goto out;
	}
	if ((*digest = rc_sha256_digest(resp.body.data, resp.body.len, err)))
		ret = 0;
out:
	rc_http_resp_release(&resp);
	return ret;
}

struct resolve_ctx {
	struct rc_reg_client *c;
	const char *repo;
	char *const *tags;
	char **digests;
	unsigned char *need; /* HEAD: no valid digest in the answer, GET it */
};

static int resolve_fail(const struct resolve_ctx *x, size_t i, const struct rc_http_resp *resp,
			struct rc_err *err)
{
	char what[400];

	snprintf(what, sizeof(what), "resolve '%s:%s'", x->repo, x->tags[i]);
	return reg_fail(x->c, what, resp, err);
}

/* HEAD of tag i: the registry's own Docker-Content-Digest, when it is a
 * valid digest, is what the tag names now; else the tag is fetched. */
static int on_resolved_head(void *ctx, size_t i, struct rc_http_resp *resp, struct rc_err *err)
{
	struct resolve_ctx *x = ctx;
	const char *hd = rc_http_resp_header(resp, "Docker-Content-Digest");

	if (resp->status == 404)
		return 0; /* the tag is gone: NULL */
	if (resp->status < 200 || resp->status > 299)
		return resolve_fail(x, i, resp, err);
	if (!hd || !rc_digest_valid(hd)) {
		x->need[i] = 1;
		return 0;
	}
	return (x->digests[i] = strdup(hd)) ? 0 : rc_err_nomem(err);
}

/* GET of tag i: the digest, checked against the body. */
static int on_resolved(void *ctx, size_t i, struct rc_http_resp *resp, struct rc_err *err)
{
	struct resolve_ctx *x = ctx;
	const char *hd = rc_http_resp_header(resp, "Docker-Content-Digest");

	if (resp->status == 404)
		return 0; /* the tag is gone: NULL */
	if (resp->status < 200 || resp->status > 299)
		return resolve_fail(x, i, resp, err);
	if (hd && rc_digest_valid(hd)) {
		if (rc_reg_verify_digest(resp->body.data, resp->body.len, hd, err) < 0)
			return rc_err_prefix(err, "manifest '%s:%s'", x->repo, x->tags[i]);
		x->digests[i] = strdup(hd);
	} else {
		x->digests[i] = rc_sha256_digest(resp->body.data, resp->body.len, err);
	}
	return x->digests[i] ? 0 : err && err->kind ? -1 : rc_err_nomem(err);
}

/* get_all of /v2/<repo>/manifests/<ref> for each of refs[0..n). */
static int manifests_all(struct rc_reg_client *c, const char *method, const char *repo,
			 char *const *refs, size_t n, each_fn fn, void *ctx, struct rc_err *err)
{
	char scope[400], **paths = NULL;
	int ret;

	if (!n)
		return 0;
	if (!rc_reg_repo_name_valid(repo) || repo_scope(c, repo, scope, sizeof(scope)) < 0)
		return rc_err_set(err, RC_ERR_USAGE, "invalid repository");
	if (rc_reg_ping(c, err) < 0)
		return -1;
	if (!(paths = make_paths(repo, "manifests", refs, n, err)))
		return -1;
	ret = get_all(c, method, paths, n, scope, RC_REG_MANIFEST_ACCEPT, fn, ctx, err);
	free_paths(paths, n);
	return ret;
}

/* The tags whose HEAD named no valid digest, fetched (GET) into their slots. */
static int resolve_rest(struct resolve_ctx *x, size_t n, struct rc_err *err)
{
	struct resolve_ctx sub = *x;
	char **tags = NULL, **got = NULL;
	size_t i, k = 0;
	int ret = -1;

	for (i = 0; i < n; i++)
		k += x->need[i];
	if (!k)
		return 0;
	rc_log_verbose("registry '%s': %zu tag(s) of '%s' answered HEAD without a valid "
		       "Docker-Content-Digest; fetching them",
		       x->c->url, k, x->repo);
	if (!(tags = calloc(k, sizeof(*tags))) || !(got = calloc(k, sizeof(*got)))) {
		rc_err_nomem(err);
		goto out;
	}
	for (i = 0, k = 0; i < n; i++)
		if (x->need[i])
			tags[k++] = x->tags[i];
	sub.tags = tags;
	sub.digests = got;
	if (manifests_all(x->c, "GET", x->repo, tags, k, on_resolved, &sub, err) < 0)
		goto out;
	for (i = 0, k = 0; i < n; i++)
		if (x->need[i])
			x->digests[i] = got[k++];
	ret = 0;
out:
	if (ret < 0)
		for (i = 0; got && i < k; i++)
			free(got[i]);
	free(tags);
	free(got);
	return ret;
}

int rc_reg_resolve_tags(struct rc_reg_client *c, const char *repo, char *const *tags, size_t n,
			char **digests, struct rc_err *err)
{
	struct resolve_ctx x = {c, repo, tags, digests, NULL};
	int ret = -1;

	for (size_t i = 0; i < n; i++)
		digests[i] = NULL;
	if (!n)
		return 0;
	if (!(x.need = calloc(n, 1)))
		return rc_err_nomem(err);
	if (manifests_all(c, "HEAD", repo, tags, n, on_resolved_head, &x, err) == 0)
		ret = resolve_rest(&x, n, err);
	free(x.need);
	if (ret < 0)
		for (size_t i = 0; i < n; i++) {
			free(digests[i]);
			digests[i] = NULL;
		}
	return ret;
}

struct status_ctx {
	long *status;
};

static int on_status(void *ctx, size_t i, struct rc_http_resp *resp, struct rc_err *err)
{
	(void)err;
	((struct status_ctx *)ctx)->status[i] = resp->status;
	return 0;
}

int rc_reg_head_statuses(struct rc_reg_client *c, const char *repo, const char *const *refs,
			 size_t n, long *status, struct rc_err *err)
{
	struct status_ctx x = {status};

	for (size_t i = 0; i < n; i++)
		status[i] = 0;
	return manifests_all(c, "HEAD", repo, (char *const *)refs, n, on_status, &x, err);
}

/* The outcome of a manifest DELETE's answer: 0 (deleted, or *absent on 404),
 * or -1 with err. */
static int delete_answer(const struct rc_reg_client *c, const char *repo, const char *digest,
			 const struct rc_http_resp *resp, int *absent, struct rc_err *err)
{
	char what[700], msg[300];

	snprintf(what, sizeof(what), "delete '%s@%s'", repo, digest);
	rc_reg_error_text(resp->body.data, resp->body.len, msg, sizeof(msg));
	if (resp->status == 202 || resp->status == 200 || resp->status == 204)
		return 0;
	if (resp->status == 404) {
		*absent = 1;
		return 0;
	}
	if (resp->status == 405 || !strncmp(msg, "UNSUPPORTED", 11)) {
		rc_err_set(
		    err, RC_ERR_HTTP,
		    "cannot %s: deletion is disabled on registry '%s' (HTTP %ld%s%s): enable "
		    "storage.delete.enabled",
		    what, c->url, resp->status, msg[0] ? ": " : "", msg);
		if (err)
			err->http_status = resp->status;
		return -1;
	}
	return reg_fail(c, what, resp, err);
}

int rc_reg_delete_manifest(struct rc_reg_client *c, const char *repo, const char *digest,
			   int *absent, struct rc_err *err)
{
	struct rc_http_resp resp;
	char path[512], scope[400];
	struct rc_http_req req = {"DELETE", path, NULL, NULL, NULL, 0};
	int ret = -1;

	*absent = 0;
	if (!rc_reg_repo_name_valid(repo) || !rc_digest_valid(digest))
		return rc_err_set(err, RC_ERR_USAGE, "invalid repository or digest");
	if (rc_reg_ping(c, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "/v2/%s/manifests/%s", repo, digest);
	repo_scope(c, repo, scope, sizeof(scope));
	rc_http_resp_init(&resp);
	if (reg_do(c, &req, scope, NULL, &resp, err) == 0)
		ret = delete_answer(c, repo, digest, &resp, absent, err);
	rc_http_resp_release(&resp);
	return ret;
}

int rc_reg_delete_manifests(struct rc_reg_client *c, const char *repo, const char *const *digests,
			    size_t n, int *absent, struct rc_err *errs, struct rc_err *err)
{
	struct rc_http_resp *resps = NULL;
	char **paths = NULL, scope[400];
	const char *const **hv = NULL;
	const char *hdrs[2] = {NULL, NULL}, *auth = NULL;
	size_t i;
	int ret = -1;

	for (i = 0; i < n; i++) {
		absent[i] = 0;
		rc_err_clear(&errs[i]);
	}
	if (!n)
		return 0;
	if (!rc_reg_repo_name_valid(repo) || repo_scope(c, repo, scope, sizeof(scope)) < 0)
		return rc_err_set(err, RC_ERR_USAGE, "invalid repository");
	for (i = 0; i < n; i++)
		if (!rc_digest_valid(digests[i]))
			return rc_err_set(err, RC_ERR_USAGE, "invalid digest in '%s'", repo);
	if (rc_reg_ping(c, err) < 0 || auth_for(c, scope, &auth, err) < 0)
		return -1;
	hdrs[0] = auth;
	if (!(paths = make_paths(repo, "manifests", (char *const *)digests, n, err)))
		return -1;
	resps = calloc(n, sizeof(*resps));
	hv = calloc(n, sizeof(*hv));
	if (!resps || !hv) {
		rc_err_nomem(err);
		goto out;
	}
	for (i = 0; i < n; i++)
		hv[i] = hdrs;
	if (rc_http_many_each(c->http, "DELETE", (const char *const *)paths, hv, n, c->parallel,
			      resps, errs, err) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (errs[i].kind != RC_ERR_NONE)
			continue;
		if (resps[i].status == 401) {
			/* a token that expired meanwhile: once more, alone */
			struct rc_http_req req = {"DELETE", paths[i], NULL, NULL, NULL, 0};

			forget_token(c, scope);
			if (reg_do(c, &req, scope, NULL, &resps[i], &errs[i]) < 0)
				continue;
		}
		delete_answer(c, repo, digests[i], &resps[i], &absent[i], &errs[i]);
	}
	ret = 0;
out:
	for (i = 0; resps && i < n; i++)
		rc_http_resp_release(&resps[i]);
	free(resps);
	free(hv);
	free_paths(paths, n);
	return ret;
}

int rc_reg_delete_tag(struct rc_reg_client *c, const char *repo, const char *tag, int *outcome,
		      struct rc_err *err)
{
	struct rc_http_resp resp;
	char path[512], scope[400], what[700], msg[300];
	struct rc_http_req req = {"DELETE", path, NULL, NULL, NULL, 0};
	int ret = -1;

	*outcome = RC_REG_TAG_UNSUPPORTED;
	if (!rc_reg_repo_name_valid(repo) || !rc_reg_tag_valid(tag))
		return rc_err_set(err, RC_ERR_USAGE, "invalid repository or tag");
	if (rc_reg_ping(c, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "/v2/%s/manifests/%s", repo, tag);
	snprintf(what, sizeof(what), "delete tag '%s:%s'", repo, tag);
	repo_scope(c, repo, scope, sizeof(scope));
	rc_http_resp_init(&resp);
	if (reg_do(c, &req, scope, NULL, &resp, err) < 0)
		goto out;
	rc_reg_error_text(resp.body.data, resp.body.len, msg, sizeof(msg));
	if (resp.status == 202 || resp.status == 200 || resp.status == 204) {
		*outcome = RC_REG_TAG_DELETED;
		ret = 0;
	} else if (resp.status == 404 && strncmp(msg, "UNSUPPORTED", 11) != 0) {
		*outcome = RC_REG_TAG_ABSENT;
		ret = 0;
	} else if (resp.status == 400 || resp.status == 405 || !strncmp(msg, "UNSUPPORTED", 11)) {
		/* distribution 2.8: 400 DIGEST_INVALID; others 405 or UNSUPPORTED */
		ret = 0;
	} else {
		reg_fail(c, what, &resp, err);
	}
out:
	rc_http_resp_release(&resp);
	return ret;
}

/* Turns an upload Location (absolute or relative) into a path on the
 * registry with ?digest= (or &digest=) appended. */
static int upload_target(const struct rc_reg_client *c, const char *loc, const char *digest,
			 char **out, struct rc_err *err)
{
	CURLU *u = curl_url();
	struct rc_buf b = RC_BUF_INIT;
	char *abs = NULL, *p = NULL, *q = NULL;
	int ret = -1;

	*out = NULL;
	rc_buf_init(&b, 1 << 16);
	if (!u || rc_buf_printf(&b, err, "%s/v2/", c->url) < 0)
		goto nomem;
	if (curl_url_set(u, CURLUPART_URL, b.data, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_URL, loc, 0) != CURLUE_OK)
		goto bad;
	rc_buf_reset(&b);
	if (rc_buf_printf(&b, err, "digest=%s", digest) < 0)
		goto out;
	if (curl_url_set(u, CURLUPART_QUERY, b.data, CURLU_APPENDQUERY | CURLU_URLENCODE) !=
		CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &abs, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &p, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_QUERY, &q, 0) != CURLUE_OK)
		goto bad;
	rc_buf_reset(&b);
	if (rc_buf_printf(&b, err, "%s%s?%s", c->url, p, q) < 0)
		goto out;
	if (strcmp(abs, b.data))
		goto bad; /* another host: never */
	rc_buf_reset(&b);
	if (rc_buf_printf(&b, err, "%s?%s", p, q) < 0)
		goto out;
	*out = rc_buf_detach(&b);
	ret = 0;
	goto out;
bad:
	rc_err_set(err, RC_ERR_PROTOCOL, "registry '%s' sent an unusable upload location", c->url);
	goto out;
nomem:
	rc_err_nomem(err);
out:
	curl_free(abs);
	curl_free(p);
	curl_free(q);
	curl_url_cleanup(u);
	rc_buf_release(&b);
	return ret;
}

int rc_reg_blob_upload(struct rc_reg_client *c, const char *repo, const void *data, size_t len,
		       const char *digest, struct rc_err *err)
{
	struct rc_http_resp resp;
	char path[512], scope[400], what[700], *target = NULL;
	struct rc_http_req req = {"POST", path, NULL, NULL, NULL, 0};
	const char *loc;
	int ret = -1;

	if (!rc_reg_repo_name_valid(repo) || !rc_digest_valid(digest))
		return rc_err_set(err, RC_ERR_USAGE, "invalid repository or digest");
	if (rc_reg_verify_digest(data, len, digest, err) < 0)
		return -1;
	if (rc_reg_ping(c, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "/v2/%s/blobs/uploads/", repo);
	snprintf(what, sizeof(what), "upload a blob to '%s'", repo);
	repo_scope(c, repo, scope, sizeof(scope));
	rc_http_resp_init(&resp);
	if (reg_do(c, &req, scope, NULL, &resp, err) < 0)
		goto out;
	if (resp.status != 202) {
		reg_fail(c, what, &resp, err);
		goto out;
	}
	loc = rc_http_resp_header(&resp, "Location");
	if (!loc || upload_target(c, loc, digest, &target, err) < 0) {
		if (!loc)
			rc_err_set(err, RC_ERR_PROTOCOL, "registry '%s' sent no upload location",
				   c->url);
		goto out;
	}
	req.method = "PUT";
	req.path = target;
	req.content_type = "application/octet-stream";
	req.body = data;
	req.body_len = len;
	if (reg_do(c, &req, scope, NULL, &resp, err) < 0)
		goto out;
	if (resp.status != 201) {
		reg_fail(c, what, &resp, err);
		goto out;
	}
	ret = 0;
out:
	free(target);
	rc_http_resp_release(&resp);
	return ret;
}

int rc_reg_manifest_put(struct rc_reg_client *c, const char *repo, const char *ref,
			const char *media_type, const void *body, size_t len, struct rc_err *err)
{
	struct rc_http_resp resp;
	char path[512], scope[400], what[700], *want = NULL;
	struct rc_http_req req = {"PUT", path, NULL, media_type, body, len};
	const char *hd;
	int ret = -1;

	if (!rc_reg_repo_name_valid(repo) || !ref_valid(ref) || !media_type)
		return rc_err_set(err, RC_ERR_USAGE, "invalid repository, reference or media type");
	if (rc_reg_ping(c, err) < 0)
		return -1;
	if (!(want = rc_sha256_digest(body, len, err)))
		return -1;
	snprintf(path, sizeof(path), "/v2/%s/manifests/%s", repo, ref);
	snprintf(what, sizeof(what), "put a manifest at '%s%s%s'", repo,
		 rc_digest_valid(ref) ? "@" : ":", ref);
	repo_scope(c, repo, scope, sizeof(scope));
	rc_http_resp_init(&resp);
	if (reg_do(c, &req, scope, NULL, &resp, err) < 0)
		goto out;
	if (resp.status != 201) {
		reg_fail(c, what, &resp, err);
		goto out;
	}
	hd = rc_http_resp_header(&resp, "Docker-Content-Digest");
	if (hd && strcmp(hd, want)) {
		char h[100];
		rc_sanitize(h, sizeof(h), hd);
		rc_err_set(err, RC_ERR_PROTOCOL, "cannot %s: the registry stored '%s', not '%s'",
			   what, h, want);
		goto out;
	}
	ret = 0;
out:
	free(want);
	rc_http_resp_release(&resp);
	return ret;
}

void rc_reg_placeholder_release(struct rc_reg_placeholder *p)
{
	if (!p)
		return;
	free(p->config);
	free(p->config_digest);
	free(p->manifest);
	free(p->manifest_digest);
	memset(p, 0, sizeof(*p));
}

int rc_reg_placeholder_make(const char *repo, const char *tag, const char *nonce,
			    struct rc_reg_placeholder *p, struct rc_err *err)
{
	cJSON *cfg = NULL, *man = NULL, *d = NULL, *ann = NULL;
	char *s = NULL;

	memset(p, 0, sizeof(*p));
	if (!repo || !tag || !nonce)
		return rc_err_set(err, RC_ERR_USAGE, "placeholder: missing argument");
	/* the config is an ordinary (empty) image config, unique by its labels */
	if (!(cfg = cJSON_CreateObject()) || !(ann = cJSON_AddObjectToObject(cfg, "config")) ||
	    !(d = cJSON_AddObjectToObject(ann, "Labels")) ||
	    !cJSON_AddStringToObject(d, "org.reclaim.placeholder", "untag") ||
	    !cJSON_AddStringToObject(d, "org.reclaim.ref", tag) ||
	    !cJSON_AddStringToObject(d, "org.reclaim.repository", repo) ||
	    !cJSON_AddStringToObject(d, "org.reclaim.nonce", nonce) ||
	    !cJSON_AddStringToObject(cfg, "architecture", "unknown") ||
	    !cJSON_AddStringToObject(cfg, "os", "unknown") ||
	    !(ann = cJSON_AddObjectToObject(cfg, "rootfs")) ||
	    !cJSON_AddStringToObject(ann, "type", "layers") ||
	    !cJSON_AddArrayToObject(ann, "diff_ids") || !(s = cJSON_PrintUnformatted(cfg)))
		goto nomem;
	p->config = s;
	p->config_len = strlen(s);
	s = NULL;
	if (!(p->config_digest = rc_sha256_digest(p->config, p->config_len, err)))
		goto fail;
	if (!(man = cJSON_CreateObject()) || !cJSON_AddNumberToObject(man, "schemaVersion", 2) ||
	    !cJSON_AddStringToObject(man, "mediaType", RC_MT_OCI_MANIFEST) ||
	    !(d = cJSON_AddObjectToObject(man, "config")) ||
	    !cJSON_AddStringToObject(d, "mediaType", RC_MT_OCI_CONFIG) ||
	    !cJSON_AddStringToObject(d, "digest", p->config_digest) ||
	    !cJSON_AddNumberToObject(d, "size", (double)p->config_len) ||
	    !cJSON_AddArrayToObject(man, "layers") ||
	    !(ann = cJSON_AddObjectToObject(man, "annotations")) ||
	    !cJSON_AddStringToObject(ann, "org.reclaim.placeholder", "untag") ||
	    !(s = cJSON_PrintUnformatted(man)))
		goto nomem;
	p->manifest = s;
	p->manifest_len = strlen(s);
	s = NULL;
	if (!(p->manifest_digest = rc_sha256_digest(p->manifest, p->manifest_len, err)))
		goto fail;
	cJSON_Delete(cfg);
	cJSON_Delete(man);
	return 0;
nomem:
	rc_err_nomem(err);
fail:
	free(s);
	cJSON_Delete(cfg);
	cJSON_Delete(man);
	rc_reg_placeholder_release(p);
	return -1;
}
