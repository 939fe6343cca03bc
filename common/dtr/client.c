/* dtr/client.c: the DTR /api/v0 client (dtr.h). */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "buf.h"
#include "dtr/dtr.h"
#include "http.h"
#include "log.h"
#include "rate.h"
#include "registry/api.h"
#include "registry/items.h"
#include "registry/parse.h"

#define BODY_MAX ((size_t)64 << 20) /* one page or tag answer */

struct rc_dtr_client {
	struct rc_api api; /* url, host, name, credentials, HTTP */
	size_t page_size;
	const struct rc_strv *repos;
};

struct rc_dtr_client *rc_dtr_open(const struct rc_dtr_opts *o, struct rc_err *err)
{
	struct rc_dtr_client *c = calloc(1, sizeof(*c));
	struct rc_api_opts ao = o->api;

	ao.title = "DTR";
	ao.flag = "--dtr";
	ao.prefix = "dtr";
	ao.token_hint = "which DTR does not take: give a user with a password or an access token";
	ao.max_body = BODY_MAX;

	if (!c) {
		rc_err_nomem(err);
		return NULL;
	}
	if (rc_api_open(&c->api, &ao, err) < 0) {
		free(c);
		return NULL;
	}
	c->page_size = o->page_size ? o->page_size : RC_DTR_PAGE_SIZE;
	c->repos = o->repos;
	return c;
}

void rc_dtr_free(struct rc_dtr_client *c)
{
	if (!c)
		return;
	rc_api_release(&c->api);
	free(c);
}

const char *rc_dtr_url(const struct rc_dtr_client *c)
{
	return c ? c->api.url : NULL;
}

const char *rc_dtr_name(const struct rc_dtr_client *c)
{
	return c ? c->api.name : NULL;
}

size_t rc_dtr_requests_sent(const struct rc_dtr_client *c)
{
	return c ? rc_http_requests_sent(c->api.http) : 0;
}

/* One listing, all pages: base is the path without a query. Each page's
 * body goes to take(). Bounded: a page start that repeats, more pages than
 * X-Resource-Count allows, or more than RC_DTR_MAX_PAGES is an error. */
static int walk_pages(struct rc_dtr_client *c, const char *base, const char *what,
		      int (*take)(void *arg, const char *body, size_t len, struct rc_err *err),
		      void *arg, size_t *pages, struct rc_err *err)
{
	struct rc_strv seen = {NULL, 0};
	struct rc_buf path = RC_BUF_INIT;
	char *start = NULL;
	size_t n = 0, allowed = RC_DTR_MAX_PAGES;
	int rc = -1;

	rc_buf_init(&path, 1 << 16);
	for (;;) {
		struct rc_http_resp r;
		const char *next, *count;
		char *esc = NULL;

		rc_buf_reset(&path);
		if (start && !(esc = curl_easy_escape(NULL, start, 0))) {
			rc_err_nomem(err);
			goto out;
		}
		if (rc_buf_printf(&path, err, "%s?pageSize=%zu%s%s", base, c->page_size,
				  start ? "&pageStart=" : "", esc ? esc : "") < 0) {
			curl_free(esc);
			goto out;
		}
		curl_free(esc);
		rc_http_resp_init(&r);
		if (rc_api_get(&c->api, path.data, what, &r, err) < 0 ||
		    take(arg, r.body.data, r.body.len, err) < 0) {
			if (err->kind == RC_ERR_PROTOCOL)
				rc_err_prefix(err, "DTR '%s': %s", c->api.url, what);
			rc_http_resp_release(&r);
			goto out;
		}
		n++;
		(*pages)++;
		count = rc_http_resp_header(&r, "X-Resource-Count");
		if (count && n == 1) {
			char *end = NULL;
			unsigned long long k = strtoull(count, &end, 10);
			if (end != count && !*end && k / c->page_size + 2 < allowed)
				allowed = (size_t)(k / c->page_size + 2);
		}
		next = rc_http_resp_header(&r, "X-Next-Page-Start");
		if (!next || !*next) {
			rc_http_resp_release(&r);
			break;
		}
		if (rc_strv_has(&seen, next) || (start && !strcmp(start, next))) {
			char q[80];
			rc_sanitize(q, sizeof(q), next);
			rc_err_set(err, RC_ERR_PROTOCOL,
				   "DTR '%s': %s: page start '%s' came twice: the listing does "
				   "not end",
				   c->api.url, what, q);
			rc_http_resp_release(&r);
			goto out;
		}
		if (n >= allowed) {
			rc_err_set(err, RC_ERR_PROTOCOL,
				   "DTR '%s': %s: still more pages after %zu (X-Resource-Count "
				   "%s): the listing does not end",
				   c->api.url, what, n, count ? "allows fewer" : "absent");
			rc_http_resp_release(&r);
			goto out;
		}
		if (rc_strv_push(&seen, next, err) < 0) {
			rc_http_resp_release(&r);
			goto out;
		}
		free(start);
		start = strdup(next);
		rc_http_resp_release(&r);
		if (!start) {
			rc_err_nomem(err);
			goto out;
		}
	}
	rc = 0;
out:
	free(start);
	rc_strv_release(&seen);
	rc_buf_release(&path);
	return rc;
}

struct repos_acc {
	struct rc_dtr_repo *v;
	size_t n;
};

static int take_repos(void *arg, const char *body, size_t len, struct rc_err *err)
{
	struct repos_acc *a = arg;

	return rc_dtr_parse_repos(body, len, &a->v, &a->n, err);
}

static int take_tags(void *arg, const char *body, size_t len, struct rc_err *err)
{
	return rc_dtr_parse_tags(body, len, arg, err);
}

int rc_dtr_ping(struct rc_dtr_client *c, struct rc_err *err)
{
	struct rc_http_resp r;
	char path[64];
	int rc;

	snprintf(path, sizeof(path), "/api/v0/repositories?pageSize=1");
	rc_http_resp_init(&r);
	rc = rc_api_get(&c->api, path, "listing repositories", &r, err);
	rc_http_resp_release(&r);
	return rc;
}

static int cmp_tag(const void *a, const void *b)
{
	return strcmp(((const struct rc_dtr_tag *)a)->name, ((const struct rc_dtr_tag *)b)->name);
}

static int cmp_repo(const void *pa, const void *pb)
{
	const struct rc_dtr_repo *a = pa, *b = pb;
	int k = strcmp(a->ns, b->ns);

	return k ? k : strcmp(a->name, b->name);
}

static int repo_wanted(const struct rc_dtr_client *c, const struct rc_dtr_repo *r)
{
	char full[520];
	size_t i;

	if (!c->repos || !c->repos->n)
		return 1;
	snprintf(full, sizeof(full), "%s/%s", r->ns, r->name);
	for (i = 0; i < c->repos->n; i++)
		if (fnmatch(c->repos->v[i], full, 0) == 0)
			return 1;
	return 0;
}

int rc_dtr_scan(struct rc_dtr_client *c, struct rc_dtr_scan *s, struct rc_err *err)
{
	struct repos_acc all = {NULL, 0};
	char base[600], what[600], title[300];
	struct rc_scan_progress prog = {title, 0, 0, 0, 0, 0};
	int64_t t0 = rc_rate_now_ns();
	size_t i, k;
	int rc = -1;

	snprintf(title, sizeof(title), "DTR %s", c->api.url);
	if (!(s->url = strdup(c->api.url)) || !(s->name = strdup(c->api.name)))
		return rc_err_nomem(err);
	s->partial = c->repos && c->repos->n;
	if (walk_pages(c, "/api/v0/repositories", "listing repositories", take_repos, &all,
		       &s->pages, err) < 0)
		goto out;
	/* keep the wanted ones, sorted; a repository listed twice is an error */
	for (i = k = 0; i < all.n; i++) {
		if (repo_wanted(c, &all.v[i]))
			all.v[k++] = all.v[i];
		else {
			free(all.v[i].ns);
			free(all.v[i].name);
		}
	}
	all.n = k;
	qsort(all.v, all.n, sizeof(*all.v), cmp_repo);
	for (i = 1; i < all.n; i++)
		if (!cmp_repo(&all.v[i - 1], &all.v[i])) {
			rc_err_set(err, RC_ERR_PROTOCOL, "DTR '%s' listed repository '%s/%s' twice",
				   c->api.url, all.v[i].ns, all.v[i].name);
			goto out;
		}
	s->repos = all.v;
	s->n_repos = all.n;
	all.v = NULL;
	all.n = 0;
	for (i = 0; i < s->n_repos; i++) {
		struct rc_dtr_repo *r = &s->repos[i];
		prog.repos_done = i;
		prog.repos_total = s->n_repos;
		prog.requests = rc_http_requests_sent(c->api.http);
		prog.elapsed_ns = rc_rate_now_ns() - t0;
		rc_progress_scan(&prog);
		snprintf(base, sizeof(base), "/api/v0/repositories/%s/%s/tags", r->ns, r->name);
		snprintf(what, sizeof(what), "listing the tags of '%s/%s'", r->ns, r->name);
		if (walk_pages(c, base, what, take_tags, r, &s->pages, err) < 0)
			goto out;
		qsort(r->tags, r->n_tags, sizeof(*r->tags), cmp_tag);
		for (k = 1; k < r->n_tags; k++)
			if (!strcmp(r->tags[k - 1].name, r->tags[k].name)) {
				rc_err_set(err, RC_ERR_PROTOCOL,
					   "DTR '%s' listed tag '%s/%s:%s' twice", c->api.url,
					   r->ns, r->name, r->tags[k].name);
				goto out;
			}
		prog.tags += r->n_tags;
	}
	prog.repos_done = prog.repos_total = s->n_repos;
	prog.requests = rc_http_requests_sent(c->api.http);
	prog.elapsed_ns = rc_rate_now_ns() - t0;
	rc_progress_scan(&prog);
	rc_progress_done();
	rc = 0;
out:
	for (i = 0; i < all.n; i++) {
		free(all.v[i].ns);
		free(all.v[i].name);
		for (k = 0; k < all.v[i].n_tags; k++)
			rc_dtr_tag_release(&all.v[i].tags[k]);
		free(all.v[i].tags);
	}
	free(all.v);
	if (rc < 0)
		rc_progress_done();
	return rc;
}

/* "/api/v0/repositories/NS/REPO/tags/TAG" of "NS/REPO" and TAG, checked. */
static int tag_path(struct rc_dtr_client *c, const char *repo, const char *tag, char *out,
		    size_t outsz, struct rc_err *err)
{
	const char *slash = strchr(repo, '/');
	char ns[256];

	if (!slash || (size_t)(slash - repo) >= sizeof(ns) || !rc_reg_tag_valid(tag))
		goto bad;
	memcpy(ns, repo, (size_t)(slash - repo));
	ns[slash - repo] = '\0';
	if (!rc_dtr_name_valid(ns) || !rc_dtr_name_valid(slash + 1))
		goto bad;
	snprintf(out, outsz, "/api/v0/repositories/%s/tags/%s", repo, tag);
	return 0;
bad:
	return rc_err_set(err, RC_ERR_PLAN, "DTR '%s': '%s:%s' is not a namespace/repo:tag",
			  c->api.url, repo, tag);
}

/* Is this answer DTR's "no such tag" (or repository)? */
static int is_absent(const struct rc_http_resp *r)
{
	char text[512];

	if (r->status == 404)
		return 1;
	rc_reg_error_text(r->body.data, r->body.len, text, sizeof(text));
	return !strncmp(text, "NO_SUCH_TAG", 11);
}

int rc_dtr_get_tag(struct rc_dtr_client *c, const char *repo, const char *tag, int *found,
		   struct rc_dtr_tag *t, struct rc_err *err)
{
	struct rc_http_resp r;
	char path[800], what[600];
	int rc = -1;

	*found = 0;
	memset(t, 0, sizeof(*t));
	if (tag_path(c, repo, tag, path, sizeof(path), err) < 0)
		return -1;
	snprintf(what, sizeof(what), "tag '%s:%s'", repo, tag);
	rc_http_resp_init(&r);
	if (rc_http_request(c->api.http, "GET", path, NULL, NULL, 0, &r, err) < 0) {
		rc_err_prefix(err, "DTR '%s': %s", c->api.url, what);
		goto out;
	}
	if (r.status < 200 || r.status > 299) {
		if (is_absent(&r))
			rc = 0;
		else
			rc_api_error(&c->api, what, &r, err);
		goto out;
	}
	if (rc_dtr_parse_tag(r.body.data, r.body.len, t, err) < 0) {
		rc_err_prefix(err, "DTR '%s': %s", c->api.url, what);
		goto out;
	}
	if (strcmp(t->name, tag) != 0) {
		rc_dtr_tag_release(t);
		rc_err_set(err, RC_ERR_PROTOCOL, "DTR '%s': asked for %s, got another tag",
			   c->api.url, what);
		goto out;
	}
	*found = 1;
	rc = 0;
out:
	rc_http_resp_release(&r);
	return rc;
}

int rc_dtr_delete_tag(struct rc_dtr_client *c, const char *repo, const char *tag,
		      enum rc_dtr_delete *res, char *why, size_t whysz, struct rc_err *err)
{
	struct rc_http_resp r;
	char path[800], text[512];
	int rc = -1;

	*res = RC_DTR_REFUSED;
	why[0] = '\0';
	if (tag_path(c, repo, tag, path, sizeof(path), err) < 0)
		return -1;
	rc_http_resp_init(&r);
	if (rc_http_request(c->api.http, "DELETE", path, NULL, NULL, 0, &r, err) < 0) {
		rc_err_prefix(err, "DTR '%s': deleting tag '%s:%s'", c->api.url, repo, tag);
		goto out;
	}
	rc = 0;
	if (r.status >= 200 && r.status <= 299) {
		*res = RC_DTR_DELETED;
		goto out;
	}
	if (is_absent(&r)) {
		*res = RC_DTR_ABSENT;
		goto out;
	}
	rc_reg_error_text(r.body.data, r.body.len, text, sizeof(text));
	if (!strncmp(text, "TAG_IN_NOTARY", 13))
		snprintf(why, whysz,
			 "the tag is signed (%s): remove its trust data first, then plan again",
			 text);
	else if (r.status == 403 || !strncmp(text, "NOT_AUTHORIZED", 14))
		snprintf(why, whysz, "not allowed to delete tags here (HTTP %ld%s%s)", r.status,
			 text[0] ? ": " : "", text);
	else
		snprintf(why, whysz, "DTR answered HTTP %ld%s%s", r.status, text[0] ? ": " : "",
			 text);
out:
	rc_http_resp_release(&r);
	return rc;
}
