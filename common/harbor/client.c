/* harbor/client.c: the Harbor /api/v2.0 client (harbor.h). */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "buf.h"
#include "harbor/harbor.h"
#include "http.h"
#include "log.h"
#include "rate.h"
#include "registry/api.h"
#include "registry/items.h"
#include "registry/parse.h"

#define BODY_MAX ((size_t)64 << 20) /* one page or artifact answer */
#define API "/api/v2.0"
#define ARTIFACT_QUERY "with_tag=true&with_accessory=true&with_immutable_status=true"

struct rc_harbor_client {
	struct rc_api api; /* url, host, name, credentials, HTTP */
	size_t page_size;
	const struct rc_strv *projects, *repos;
};

struct rc_harbor_client *rc_harbor_open(const struct rc_harbor_opts *o, struct rc_err *err)
{
	struct rc_harbor_client *c = calloc(1, sizeof(*c));
	struct rc_api_opts ao = o->api;

	ao.title = "Harbor";
	ao.flag = "--harbor";
	ao.prefix = "harbor";
	ao.token_hint = "which Harbor's API does not take: give a user or robot account with a "
			"password";
	ao.max_body = BODY_MAX;

	if (!c) {
		rc_err_nomem(err);
		return NULL;
	}
	if (rc_api_open(&c->api, &ao, err) < 0) {
		free(c);
		return NULL;
	}
	c->page_size = o->page_size ? o->page_size : RC_HARBOR_PAGE_SIZE;
	c->projects = o->projects;
	c->repos = o->repos;
	return c;
}

void rc_harbor_free(struct rc_harbor_client *c)
{
	if (!c)
		return;
	rc_api_release(&c->api);
	free(c);
}

const char *rc_harbor_url(const struct rc_harbor_client *c)
{
	return c ? c->api.url : NULL;
}

const char *rc_harbor_name(const struct rc_harbor_client *c)
{
	return c ? c->api.name : NULL;
}

size_t rc_harbor_requests_sent(const struct rc_harbor_client *c)
{
	return c ? rc_http_requests_sent(c->api.http) : 0;
}

/* One line for a non-2xx answer; a 403 says the account may not. */
static int answer_error(struct rc_harbor_client *c, const char *what, const struct rc_http_resp *r,
			struct rc_err *err)
{
	char text[512];

	if (r->status != 403)
		return rc_api_error(&c->api, what, r, err);
	rc_reg_error_text(r->body.data, r->body.len, text, sizeof(text));
	rc_err_set(err, RC_ERR_HTTP, "Harbor '%s': %s: HTTP 403: the account may not do this%s%s",
		   c->api.url, what, text[0] ? ": " : "", text);
	err->http_status = 403;
	return -1;
}

static int get(struct rc_harbor_client *c, const char *path, const char *what,
	       struct rc_http_resp *r, struct rc_err *err)
{
	if (rc_http_request(c->api.http, "GET", path, NULL, NULL, 0, r, err) < 0)
		return rc_err_prefix(err, "Harbor '%s': %s", c->api.url, what);
	if (r->status < 200 || r->status > 299)
		return answer_error(c, what, r, err);
	return 0;
}

/* The path of a Link target: relative ("/api/v2.0/..."), or absolute on
 * this Harbor. NULL when it leaves the API. */
static const char *link_path(const struct rc_harbor_client *c, const char *next)
{
	size_t n = strlen(c->api.url);

	if (!strncmp(next, c->api.url, n) && next[n] == '/')
		next += n;
	return strncmp(next, API "/", strlen(API "/")) == 0 ? next : NULL;
}

/* One listing, all pages, from first (a path with its query). Each page's
 * body goes to take(). Bounded: a next link that repeats, one that leaves
 * the API, more pages than X-Total-Count allows or than RC_HARBOR_MAX_PAGES
 * is an error. */
static int walk_pages(struct rc_harbor_client *c, const char *first, const char *what,
		      int (*take)(void *arg, const char *body, size_t len, struct rc_err *err),
		      void *arg, size_t *pages, struct rc_err *err)
{
	struct rc_strv seen = {NULL, 0};
	char *path = strdup(first);
	size_t n = 0, allowed = RC_HARBOR_MAX_PAGES;
	int rc = -1;

	if (!path)
		return rc_err_nomem(err);
	for (;;) {
		struct rc_http_resp r;
		const char *link, *count, *np;
		char *next = NULL;

		rc_http_resp_init(&r);
		if (get(c, path, what, &r, err) < 0 ||
		    take(arg, r.body.data, r.body.len, err) < 0) {
			if (err->kind == RC_ERR_PROTOCOL)
				rc_err_prefix(err, "Harbor '%s': %s", c->api.url, what);
			rc_http_resp_release(&r);
			goto out;
		}
		n++;
		(*pages)++;
		count = rc_http_resp_header(&r, "X-Total-Count");
		if (count && n == 1) {
			char *end = NULL;
			unsigned long long k = strtoull(count, &end, 10);
			if (end != count && !*end && k / c->page_size + 2 < allowed)
				allowed = (size_t)(k / c->page_size + 2);
		}
		link = rc_http_resp_header(&r, "Link");
		if (link && rc_reg_parse_link_next(link, &next, err) < 0) {
			rc_err_prefix(err, "Harbor '%s': %s: bad Link header", c->api.url, what);
			err->kind = RC_ERR_PROTOCOL;
			rc_http_resp_release(&r);
			goto out;
		}
		rc_http_resp_release(&r);
		if (!next)
			break;
		if (!(np = link_path(c, next)) || rc_strv_has(&seen, np) || !strcmp(np, path)) {
			char q[120];
			rc_sanitize(q, sizeof(q), next);
			rc_err_set(err, RC_ERR_PROTOCOL,
				   np ? "Harbor '%s': %s: next link '%s' came twice: the listing "
					"does not end"
				      : "Harbor '%s': %s: next link '%s' leaves %s",
				   c->api.url, what, q, API);
			free(next);
			goto out;
		}
		if (n >= allowed) {
			rc_err_set(err, RC_ERR_PROTOCOL,
				   "Harbor '%s': %s: still more pages after %zu (X-Total-Count "
				   "%s): the listing does not end",
				   c->api.url, what, n, count ? "allows fewer" : "absent");
			free(next);
			goto out;
		}
		if (rc_strv_push(&seen, np, err) < 0) {
			free(next);
			goto out;
		}
		free(path);
		path = strdup(np);
		free(next);
		if (!path) {
			rc_err_nomem(err);
			goto out;
		}
	}
	rc = 0;
out:
	free(path);
	rc_strv_release(&seen);
	return rc;
}

/* Harbor takes missing or wrong credentials for an anonymous caller, who
 * sees public projects only: a scan would look complete and find nothing.
 * So credentials are proven first: GET /users/current answers 401 to an
 * anonymous caller, 200 to a user and 412 to a robot account
 * (authenticated, not a local user). Without any, a warning: the scan is
 * Harbor's anonymous view, partial, and nothing could be deleted. */
int rc_harbor_ping(struct rc_harbor_client *c, struct rc_err *err)
{
	struct rc_http_resp r;
	int rc = 0;

	if (!c->api.authed) {
		rc_log_warn("Harbor '%s': no credentials found: only public projects are seen, "
			    "and nothing can be deleted (give --username with --password-stdin)",
			    c->api.url);
		return 0;
	}
	rc_http_resp_init(&r);
	if (rc_http_request(c->api.http, "GET", API "/users/current", NULL, NULL, 0, &r, err) < 0)
		rc = rc_err_prefix(err, "Harbor '%s': checking the credentials", c->api.url);
	else if (r.status != 200 && r.status != 412)
		rc = answer_error(c, "checking the credentials", &r, err);
	rc_http_resp_release(&r);
	return rc;
}

static int glob_any(const struct rc_strv *globs, const char *s)
{
	size_t i;

	if (!globs || !globs->n)
		return 1;
	for (i = 0; i < globs->n; i++)
		if (fnmatch(globs->v[i], s, 0) == 0)
			return 1;
	return 0;
}

static int take_projects(void *arg, const char *body, size_t len, struct rc_err *err)
{
	return rc_harbor_parse_projects(body, len, arg, err);
}

struct repos_arg {
	const char *project;
	struct rc_strv *out;
};

static int take_repos(void *arg, const char *body, size_t len, struct rc_err *err)
{
	struct repos_arg *a = arg;

	return rc_harbor_parse_repos(body, len, a->project, a->out, err);
}

static int take_artifacts(void *arg, const char *body, size_t len, struct rc_err *err)
{
	return rc_harbor_parse_artifacts(body, len, arg, err);
}

/* "/api/v2.0/projects/P/repositories/R" of "P/R": R escaped twice, as
 * Harbor's router wants a '/' in it (docs/harbor.md). NULL with err. */
static char *repo_path(const char *repo, struct rc_err *err)
{
	const char *slash = strchr(repo, '/');
	char proj[256], *once = NULL, *twice = NULL, *out = NULL;

	if (!slash || (size_t)(slash - repo) >= sizeof(proj) ||
	    !rc_reg_repo_valid(repo, strlen(repo))) {
		rc_err_set(err, RC_ERR_PLAN, "'%.300s' is not a Harbor 'project/repository'", repo);
		return NULL;
	}
	memcpy(proj, repo, (size_t)(slash - repo));
	proj[slash - repo] = '\0';
	if (!rc_harbor_project_valid(proj)) {
		rc_err_set(err, RC_ERR_PLAN, "'%.300s' is not a Harbor 'project/repository'", repo);
		return NULL;
	}
	if (!(once = curl_easy_escape(NULL, slash + 1, 0)) ||
	    !(twice = curl_easy_escape(NULL, once, 0)))
		rc_err_nomem(err);
	else
		out = rc_asprintf(err, API "/projects/%s/repositories/%s", proj, twice);
	curl_free(once);
	curl_free(twice);
	return out;
}

static int cmp_art(const void *a, const void *b)
{
	return strcmp(((const struct rc_harbor_artifact *)a)->digest,
		      ((const struct rc_harbor_artifact *)b)->digest);
}

static int cmp_repo(const void *a, const void *b)
{
	return strcmp(((const struct rc_harbor_repo *)a)->name,
		      ((const struct rc_harbor_repo *)b)->name);
}

/* The repositories (filtered) of every wanted project into names. */
static int list_repos(struct rc_harbor_client *c, struct rc_harbor_scan *s, struct rc_strv *names,
		      struct rc_err *err)
{
	struct rc_strv projects = {NULL, 0};
	char first[400], what[400];
	size_t i;
	int rc = -1;

	snprintf(first, sizeof(first), API "/projects?page=1&page_size=%zu", c->page_size);
	if (walk_pages(c, first, "listing projects", take_projects, &projects, &s->pages, err) < 0)
		goto out;
	for (i = 0; i < projects.n; i++) {
		struct repos_arg a = {projects.v[i], names};
		size_t before = names->n, k, keep;
		if (i && !strcmp(projects.v[i - 1], projects.v[i]))
			continue;
		if (!glob_any(c->projects, projects.v[i]))
			continue;
		snprintf(first, sizeof(first), API "/projects/%s/repositories?page=1&page_size=%zu",
			 projects.v[i], c->page_size);
		snprintf(what, sizeof(what), "listing the repositories of project '%s'",
			 projects.v[i]);
		if (walk_pages(c, first, what, take_repos, &a, &s->pages, err) < 0)
			goto out;
		/* --repos before any per-repository request */
		for (k = keep = before; k < names->n; k++) {
			if (glob_any(c->repos, names->v[k]))
				names->v[keep++] = names->v[k];
			else
				free(names->v[k]);
		}
		names->n = keep;
	}
	rc = 0;
out:
	rc_strv_release(&projects);
	return rc;
}

int rc_harbor_scan(struct rc_harbor_client *c, struct rc_harbor_scan *s, struct rc_err *err)
{
	struct rc_strv names = {NULL, 0};
	char title[300], what[600];
	struct rc_scan_progress prog = {title, 0, 0, 0, 0, 0};
	int64_t t0 = rc_rate_now_ns();
	size_t i, k;
	int rc = -1;

	snprintf(title, sizeof(title), "Harbor %s", c->api.url);
	if (!(s->url = strdup(c->api.url)) || !(s->name = strdup(c->api.name)))
		return rc_err_nomem(err);
	s->partial = (c->repos && c->repos->n) || (c->projects && c->projects->n) || !c->api.authed;
	if (rc_harbor_ping(c, err) < 0 || list_repos(c, s, &names, err) < 0)
		goto out;
	if (!(s->repos = calloc(names.n + 1, sizeof(*s->repos)))) {
		rc_err_nomem(err);
		goto out;
	}
	for (i = 0; i < names.n; i++) {
		if (!(s->repos[i].name = strdup(names.v[i]))) {
			rc_err_nomem(err);
			goto out;
		}
		s->n_repos++;
	}
	qsort(s->repos, s->n_repos, sizeof(*s->repos), cmp_repo);
	for (i = 1; i < s->n_repos; i++)
		if (!strcmp(s->repos[i - 1].name, s->repos[i].name)) {
			rc_err_set(err, RC_ERR_PROTOCOL, "Harbor '%s' listed repository '%s' twice",
				   c->api.url, s->repos[i].name);
			goto out;
		}
	for (i = 0; i < s->n_repos; i++) {
		struct rc_harbor_repo *r = &s->repos[i];
		char *base, *first;
		prog.repos_done = i;
		prog.repos_total = s->n_repos;
		prog.requests = rc_http_requests_sent(c->api.http);
		prog.elapsed_ns = rc_rate_now_ns() - t0;
		rc_progress_scan(&prog);
		if (!(base = repo_path(r->name, err)))
			goto out;
		first = rc_asprintf(err, "%s/artifacts?" ARTIFACT_QUERY "&page=1&page_size=%zu",
				    base, c->page_size);
		free(base);
		if (!first)
			goto out;
		snprintf(what, sizeof(what), "listing the artifacts of '%s'", r->name);
		k = (size_t)walk_pages(c, first, what, take_artifacts, r, &s->pages, err);
		free(first);
		if ((int)k < 0)
			goto out;
		qsort(r->artifacts, r->n_artifacts, sizeof(*r->artifacts), cmp_art);
		for (k = 1; k < r->n_artifacts; k++)
			if (!strcmp(r->artifacts[k - 1].digest, r->artifacts[k].digest)) {
				rc_err_set(err, RC_ERR_PROTOCOL,
					   "Harbor '%s' listed artifact '%s@%s' twice", c->api.url,
					   r->name, r->artifacts[k].digest);
				goto out;
			}
		for (k = 0; k < r->n_artifacts; k++)
			prog.tags += r->artifacts[k].n_tags;
	}
	prog.repos_done = prog.repos_total = s->n_repos;
	prog.requests = rc_http_requests_sent(c->api.http);
	prog.elapsed_ns = rc_rate_now_ns() - t0;
	rc_progress_scan(&prog);
	rc = 0;
out:
	rc_progress_done();
	rc_strv_release(&names);
	return rc;
}

int rc_harbor_get_artifact(struct rc_harbor_client *c, const char *repo, const char *reference,
			   int *found, struct rc_harbor_artifact *a, struct rc_err *err)
{
	struct rc_http_resp r;
	char *base, *path = NULL, what[600];
	int rc = -1;

	*found = 0;
	memset(a, 0, sizeof(*a));
	if (!rc_reg_digest_valid(reference) && !rc_reg_tag_valid(reference))
		return rc_err_set(err, RC_ERR_PLAN, "Harbor '%s': '%.150s' is not a digest or tag",
				  c->api.url, reference);
	if (!(base = repo_path(repo, err)))
		return -1;
	path = rc_asprintf(err, "%s/artifacts/%s?" ARTIFACT_QUERY, base, reference);
	free(base);
	if (!path)
		return -1;
	snprintf(what, sizeof(what), "artifact '%s%s%s'", repo,
		 rc_reg_digest_valid(reference) ? "@" : ":", reference);
	rc_http_resp_init(&r);
	if (rc_http_request(c->api.http, "GET", path, NULL, NULL, 0, &r, err) < 0) {
		rc_err_prefix(err, "Harbor '%s': %s", c->api.url, what);
		goto out;
	}
	if (r.status == 404) {
		rc = 0;
		goto out;
	}
	if (r.status < 200 || r.status > 299) {
		answer_error(c, what, &r, err);
		goto out;
	}
	if (rc_harbor_parse_artifact(r.body.data, r.body.len, a, err) < 0) {
		rc_err_prefix(err, "Harbor '%s': %s", c->api.url, what);
		goto out;
	}
	if (rc_reg_digest_valid(reference) && strcmp(a->digest, reference) != 0) {
		rc_harbor_artifact_release(a);
		rc_err_set(err, RC_ERR_PROTOCOL, "Harbor '%s': asked for %s, got another artifact",
			   c->api.url, what);
		goto out;
	}
	*found = 1;
	rc = 0;
out:
	free(path);
	rc_http_resp_release(&r);
	return rc;
}

int rc_harbor_delete(struct rc_harbor_client *c, const char *repo, const char *digest,
		     const char *tag, enum rc_harbor_delete *res, char *why, size_t whysz,
		     struct rc_err *err)
{
	struct rc_http_resp r;
	char *base, *path = NULL, text[512];
	int rc = -1;

	*res = RC_HARBOR_REFUSED;
	why[0] = '\0';
	if (!rc_reg_digest_valid(digest) || (tag && !rc_reg_tag_valid(tag)))
		return rc_err_set(err, RC_ERR_PLAN, "Harbor '%s': not a digest or tag", c->api.url);
	if (!(base = repo_path(repo, err)))
		return -1;
	path = tag ? rc_asprintf(err, "%s/artifacts/%s/tags/%s", base, digest, tag)
		   : rc_asprintf(err, "%s/artifacts/%s", base, digest);
	free(base);
	if (!path)
		return -1;
	rc_http_resp_init(&r);
	if (rc_http_request(c->api.http, "DELETE", path, NULL, NULL, 0, &r, err) < 0) {
		rc_err_prefix(err, "Harbor '%s': deleting %s%s%s", c->api.url, repo,
			      tag ? ":" : "@", tag ? tag : digest);
		goto out;
	}
	rc = 0;
	rc_reg_error_text(r.body.data, r.body.len, text, sizeof(text));
	if (r.status >= 200 && r.status <= 299)
		*res = RC_HARBOR_DELETED;
	else if (r.status == 404)
		*res = RC_HARBOR_ABSENT;
	else if (r.status == 412) {
		*res = RC_HARBOR_CHANGED;
		snprintf(why, whysz,
			 "Harbor refused it (HTTP 412%s%s): an immutable tag or a "
			 "reference by another artifact",
			 text[0] ? ": " : "", text);
	} else if (r.status == 401)
		snprintf(why, whysz, "Harbor refused the credentials %s%s (HTTP 401%s%s)",
			 c->api.authed ? "from the " : "(none were found)",
			 c->api.authed ? c->api.origin : "", text[0] ? ": " : "", text);
	else if (r.status == 403)
		snprintf(why, whysz, "not allowed to delete here (HTTP 403%s%s)",
			 text[0] ? ": " : "", text);
	else if (r.status == 429)
		snprintf(why, whysz,
			 "Harbor is throttling requests (HTTP 429%s%s), retries "
			 "exhausted: rerun later or lower --max-rps",
			 text[0] ? ": " : "", text);
	else
		snprintf(why, whysz, "Harbor answered HTTP %ld%s%s", r.status, text[0] ? ": " : "",
			 text);
out:
	free(path);
	rc_http_resp_release(&r);
	return rc;
}

int rc_harbor_trigger_gc(struct rc_harbor_client *c, char *id, size_t idsz, struct rc_err *err)
{
	static const char body[] = "{\"schedule\":{\"type\":\"Manual\"},"
				   "\"parameters\":{\"delete_untagged\":false,\"dry_run\":false}}";
	struct rc_http_resp r;
	const char *loc, *slash;
	int rc = -1;

	id[0] = '\0';
	rc_http_resp_init(&r);
	if (rc_http_request(c->api.http, "POST", API "/system/gc/schedule", "application/json",
			    body, sizeof(body) - 1, &r, err) < 0) {
		rc_err_prefix(err, "Harbor '%s': starting garbage collection", c->api.url);
		goto out;
	}
	if (r.status < 200 || r.status > 299) {
		answer_error(c, "starting garbage collection", &r, err);
		goto out;
	}
	loc = rc_http_resp_header(&r, "Location");
	slash = loc ? strrchr(loc, '/') : NULL;
	if (!slash || !slash[1] || strspn(slash + 1, "0123456789") != strlen(slash + 1) ||
	    strlen(slash + 1) >= idsz) {
		snprintf(id, idsz, "unknown");
		rc_log_warn("Harbor '%s' started garbage collection but named no run ID "
			    "(Location header)",
			    c->api.url);
	} else
		snprintf(id, idsz, "%s", slash + 1);
	rc = 0;
out:
	rc_http_resp_release(&r);
	return rc;
}
