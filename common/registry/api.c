/* registry/api.c: the shared core of the DTR and Harbor clients (api.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "registry/api.h"
#include "registry/creds.h"
#include "registry/parse.h"
#include "source.h"

void rc_api_opts_from(struct rc_api_opts *out, const struct rc_source_opts *o)
{
	memset(out, 0, sizeof(*out));
	out->url = o->url ? o->url : rc_plan_source_str(o->planned, "url");
	out->username = o->username;
	out->password = o->password;
	out->ca_file = o->tls_ca;
	out->insecure = o->tls_insecure;
	out->read_only = o->read_only;
	out->timeout_ms = o->timeout_ms;
	out->pace = o->pace;
}

static int is_loopback_host(const char *h, size_t n)
{
	return (n == 9 && !strncmp(h, "localhost", 9)) || (n > 4 && !strncmp(h, "127.", 4)) ||
	       (n == 5 && !strncmp(h, "[::1]", 5));
}

static void wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

int rc_api_open(struct rc_api *a, const struct rc_api_opts *o, struct rc_err *err)
{
	struct rc_creds cr;
	struct rc_creds_query q;
	char *hdr = NULL, *rn = NULL;
	const char *h;
	size_t hl;

	memset(a, 0, sizeof(*a));
	memset(&cr, 0, sizeof(cr));
	a->title = o->title;
	if (!o->url || !*o->url) {
		rc_err_set(err, RC_ERR_USAGE, "no %s URL: give %s https://HOST", o->title, o->flag);
		goto fail;
	}
	if (rc_reg_canonical_url(o->url, &a->url, err) < 0) {
		rc_err_prefix(err, "%s", o->flag);
		err->kind = RC_ERR_USAGE;
		goto fail;
	}
	h = a->url + (strncmp(a->url, "http://", 7) ? 8 : 7);
	if (!(a->host = strdup(h)) || !(rn = rc_reg_source_name(a->url))) {
		rc_err_nomem(err);
		goto fail;
	}
	/* "registry-HOST-PORT" becomes "PREFIX-HOST-PORT" */
	a->name = rc_asprintf(err, "%s-%s", o->prefix, rn + strlen("registry-"));
	free(rn);
	if (!a->name)
		goto fail;
	hl = *h == '[' ? (size_t)(strchr(h, ']') - h) + 1 : strcspn(h, ":");
	if (!strncmp(a->url, "http://", 7) && !is_loopback_host(h, hl)) {
		rc_err_set(err, RC_ERR_USAGE,
			   "%s '%s': plain HTTP only to a loopback address; %s takes "
			   "credentials, use https://",
			   o->flag, a->url, o->title);
		goto fail;
	}
	memset(&q, 0, sizeof(q));
	q.host = a->host;
	q.username = o->username;
	q.password = o->password;
	if (rc_creds_lookup(&q, &cr, err) < 0) {
		rc_err_prefix(err, "credentials for %s '%s'", o->title, a->url);
		goto fail;
	}
	if (cr.identity_token) {
		rc_err_set(err, RC_ERR_USAGE,
			   "credentials for %s '%s' (%s) are an identity token, %s", o->title,
			   a->url, cr.origin, o->token_hint);
		goto fail;
	}
	rc_http_opts_default(&a->hopts);
	a->hopts.read_only = o->read_only;
	a->hopts.max_body = o->max_body;
	if (o->timeout_ms > 0)
		a->hopts.timeout_ms = o->timeout_ms;
	a->hopts.tls.verify = !o->insecure;
	a->hopts.pace = o->pace;
	if (o->ca_file && !(a->hopts.tls.ca_file = strdup(o->ca_file))) {
		rc_err_nomem(err);
		goto fail;
	}
	if (!(a->http = rc_http_new(a->url, &a->hopts, err)))
		goto fail;
	if (rc_creds_present(&cr)) {
		a->authed = 1;
		snprintf(a->origin, sizeof(a->origin), "%s", cr.origin);
		rc_log_verbose("%s '%s': credentials from %s", o->title, a->url, cr.origin);
		if (!(hdr = rc_creds_basic_header(cr.username, cr.secret, err)) ||
		    rc_http_add_header(a->http, hdr, err) < 0)
			goto fail;
	}
	wipe_free(hdr);
	rc_creds_release(&cr);
	return 0;
fail:
	wipe_free(hdr);
	rc_creds_release(&cr);
	rc_api_release(a);
	return -1;
}

void rc_api_release(struct rc_api *a)
{
	if (!a)
		return;
	rc_http_free(a->http);
	rc_http_opts_release(&a->hopts);
	free(a->url);
	free(a->host);
	free(a->name);
	memset(a, 0, sizeof(*a));
}

int rc_api_error(const struct rc_api *a, const char *what, const struct rc_http_resp *r,
		 struct rc_err *err)
{
	char text[512];

	rc_reg_error_text(r->body.data, r->body.len, text, sizeof(text));
	if (r->status == 401)
		rc_err_set(err, RC_ERR_HTTP,
			   "%s '%s' refused the credentials %s%s (%s): HTTP 401%s%s", a->title,
			   a->url, a->authed ? "from the " : "(none were found)",
			   a->authed ? a->origin : "", what, text[0] ? ": " : "", text);
	else
		rc_err_set(err, RC_ERR_HTTP, "%s '%s': %s: HTTP %ld%s%s", a->title, a->url, what,
			   r->status, text[0] ? ": " : "", text);
	err->http_status = (int)r->status;
	return -1;
}

int rc_api_get(struct rc_api *a, const char *path, const char *what, struct rc_http_resp *r,
	       struct rc_err *err)
{
	if (rc_http_request(a->http, "GET", path, NULL, NULL, 0, r, err) < 0)
		return rc_err_prefix(err, "%s '%s': %s", a->title, a->url, what);
	if (r->status < 200 || r->status > 299)
		return rc_api_error(a, what, r, err);
	return 0;
}
