/* registry/source.c: the Registry v2 / OCI source type's table (source.h).
 *
 * Two sections. The plan's side needs no client: the kinds, where deletes
 * free space, and the item checks and labels (registry/items.c). The
 * client's side (open, connect, scan, describe, begin, recheck, remove,
 * settled, free) joins with the registry client (registry/client.h).
 *
 * The executor's re-checks and deletes (docs/apply.md, "Registry items"):
 * - a manifest: it must still be there, every tag of its repository is
 *   re-listed and re-resolved (HEAD, the registry's digest header; GET when
 *   it has none), one view of them serving the consecutive manifests of the
 *   repository while it is at most VIEW_MAX_MS old, and
 *   no tag outside preconditions.tags may name it, nor may a tag of
 *   preconditions.tags name another digest; then DELETE by digest;
 * - a tag that goes with a manifest of the plan: found absent once that
 *   manifest is gone; while it stays, the tag stays too (changed);
 * - a tag that goes alone (an untag): it must still name
 *   preconditions.digest; then the registry's tag DELETE where it has one
 *   (probed once per run), else the placeholder: a unique config blob, an
 *   OCI manifest with it PUT at the tag, DELETE of that manifest. Each step
 *   is journaled first; the placeholder is derived from the plan's digest
 *   and the item's id, so a rerun after a crash between the steps rebuilds
 *   it, recognises it at the tag, and finishes with the delete. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "log.h"
#include "rate.h"
#include "registry/client.h"
#include "registry/creds.h"
#include "registry/items.h"
#include "registry/objects.h"
#include "source.h"

/* ---- the plan's side --------------------------------------------------------- */

/* Plan order: a manifest is deleted before the tags it takes with it are
 * visited (they are then found absent), untags after. */
static const enum rc_kind registry_kinds[] = {RC_KIND_MANIFEST, RC_KIND_TAG};

/* The untag's steps, journaled before each is made (rc_apply_env). */
#define STEP_TAG_DELETE "untag-delete-tag" /* value: the tag */
#define STEP_BLOB "untag-blob" /* value: the placeholder's config digest */
#define STEP_PUT "untag-put" /* value: the placeholder manifest's digest */
#define STEP_DELETE "untag-delete" /* value: the same digest */

static const char *const registry_steps[] = {STEP_TAG_DELETE, STEP_BLOB, STEP_PUT, STEP_DELETE,
					     NULL};

/* ---- the client's side ------------------------------------------------------- */

/* How long a repository's tag view serves the manifest re-checks after the
 * first (docs/apply.md, "Registry items"): at most this long after it was
 * taken, however many manifests. */
#define VIEW_MAX_MS 1000

/* One listing of a repository's tags and what each named then, shared by
 * the re-checks of consecutive manifests of the plan in that repository. */
struct tag_view {
	char *repo; /* NULL: none held */
	struct rc_strv tags;
	char **named; /* tags.n slots: the digest, or NULL (absent) */
	int64_t taken_ns; /* CLOCK_MONOTONIC when the listing was asked for */
};

/* What the tags of a run of consecutive plan items named, each a tag that
 * goes with a manifest of the plan (never deleted on its own, so no delete
 * waits on this answer): asked for all at once, in parallel, at the run's
 * first item. */
struct tag_answers {
	const struct rc_plan_item *first; /* NULL: none held */
	size_t n;
	char **named; /* n slots: the digest, or NULL (absent) */
};

/* The most tags one tag_answers asks for. */
#define ANSWERS_MAX 1024

struct reg_source {
	struct rc_reg_client *c;
	struct rc_strv repos; /* --repos */
	const struct rc_plan *plan; /* the executor's, borrowed */
	const struct rc_apply_env *env; /* from begin */
	int tag_delete; /* the registry's tag DELETE: -1 not probed yet, 0 none, 1 works */
	struct rc_strv settled; /* manifests gone for good in this run */
	size_t settled_sorted; /* how many of them are sorted (was_settled) */
	/* repositories where a manifest of the plan stayed in this run (its
	 * re-check failed or found it changed, or its delete failed): a
	 * manifest no tag names is reached only through another one (the
	 * index it is a child of comes first), so it stays there too */
	struct rc_strv stayed_repos;
	struct rc_strv stayed; /* and those manifests, "repo@digest" */
	/* what the last re-check saw the item's tag name, for remove */
	char *seen_item, *seen_digest;
	struct holder *holders; /* holders_build, for this source's name */
	size_t n_holders;
	struct tag_view view; /* the manifest re-checks' shared tag view */
	struct tag_answers answers; /* the tag re-checks' */
	/* the status of each manifest of the batch (batch_span) from a HEAD
	 * they were asked with together; each re-check of the batch takes
	 * its own, once */
	const struct rc_plan_item *pre_first;
	size_t pre_n;
	long *pre_status;
	size_t batch; /* manifests one batch holds: --parallel */
};

static struct reg_source *reg_of(struct rc_source *s)
{
	return (struct reg_source *)s;
}

/* Splits "repo@digest" or "repo:tag" at sep (the last one). 0, or -1 when
 * it has none. */
static int split_object(const char *obj, int sep, char *repo, size_t reposz, const char **rest)
{
	const char *p = sep == '@' ? strchr(obj, '@') : strrchr(obj, ':');

	if (!p || (size_t)(p - obj) >= reposz)
		return -1;
	memcpy(repo, obj, (size_t)(p - obj));
	repo[p - obj] = '\0';
	*rest = p + 1;
	return 0;
}

static int strv_has(const struct rc_strv *v, const char *s)
{
	size_t i;

	for (i = 0; v && s && i < v->n; i++)
		if (strcmp(v->v[i], s) == 0)
			return 1;
	return 0;
}

/* For each tag the plan's manifest candidates of one source take with them
 * (preconditions.tags), that manifest: sorted by tag, so that a plan of
 * 20k items is not scanned once per tag item. */
struct holder {
	const char *tag;
	const struct rc_plan_item *m;
};

static int cmp_holder(const void *a, const void *b)
{
	return strcmp(((const struct holder *)a)->tag, ((const struct holder *)b)->tag);
}

static int holders_build(const struct rc_plan *p, const char *name, struct holder **out,
			 size_t *n_out, struct rc_err *err)
{
	size_t i, k, n = 0;

	*out = NULL;
	*n_out = 0;
	for (i = 0; p && name && i < p->n_candidates; i++) {
		const struct rc_plan_item *m = &p->candidates[i];
		if (m->kind == RC_KIND_MANIFEST && m->source && strcmp(m->source, name) == 0)
			n += m->pre.tags.n;
	}
	if (!n)
		return 0;
	if (!(*out = calloc(n, sizeof(**out))))
		return rc_err_nomem(err);
	for (i = 0; i < p->n_candidates; i++) {
		const struct rc_plan_item *m = &p->candidates[i];
		if (m->kind != RC_KIND_MANIFEST || !m->source || strcmp(m->source, name) != 0)
			continue;
		for (k = 0; k < m->pre.tags.n; k++)
			(*out)[(*n_out)++] = (struct holder){m->pre.tags.v[k], m};
	}
	qsort(*out, *n_out, sizeof(**out), cmp_holder);
	return 0;
}

/* The manifest candidate whose tags include this tag item's object: the
 * tag goes with it. NULL: an untag. */
static const struct rc_plan_item *holder_of(const struct holder *h, size_t n,
					    const struct rc_plan_item *it)
{
	struct holder key = {it->object, NULL};
	const struct holder *found = n ? bsearch(&key, h, n, sizeof(key), cmp_holder) : NULL;

	return found ? found->m : NULL;
}

/* Does the plan hold, for this source, a tag that goes alone (an untag)? */
static int plan_untags(const struct rc_plan *p, const char *name, const struct holder *h,
		       size_t n)
{
	size_t i;

	for (i = 0; p && name && i < p->n_candidates; i++) {
		const struct rc_plan_item *it = &p->candidates[i];
		if (it->kind == RC_KIND_TAG && it->source && strcmp(it->source, name) == 0 &&
		    !holder_of(h, n, it))
			return 1;
	}
	return 0;
}

static void view_drop(struct tag_view *v)
{
	size_t i;

	for (i = 0; v->named && i < v->tags.n; i++)
		free(v->named[i]);
	free(v->named);
	free(v->repo);
	rc_strv_release(&v->tags);
	memset(v, 0, sizeof(*v));
}

static void answers_drop(struct tag_answers *a)
{
	size_t i;

	for (i = 0; a->named && i < a->n; i++)
		free(a->named[i]);
	free(a->named);
	memset(a, 0, sizeof(*a));
}

static void reg_free(struct rc_source *s)
{
	struct reg_source *rs = reg_of(s);

	if (!rs)
		return;
	view_drop(&rs->view);
	answers_drop(&rs->answers);
	rc_reg_free(rs->c);
	rc_strv_release(&rs->repos);
	rc_strv_release(&rs->settled);
	rc_strv_release(&rs->stayed_repos);
	rc_strv_release(&rs->stayed);
	free(rs->seen_item);
	free(rs->seen_digest);
	free(rs->holders);
	free(rs->pre_status);
	free(rs);
}

static int cmp_str_ptr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Is manifest object among the settled ones? Sorted when it has grown
 * since the last question: manifests are applied before tags, so a dry
 * run of 20k tags sorts once instead of scanning the list per tag. */
static int was_settled(struct reg_source *rs, const char *object)
{
	struct rc_strv *v = &rs->settled;

	if (rs->settled_sorted != v->n) {
		qsort(v->v, v->n, sizeof(*v->v), cmp_str_ptr);
		rs->settled_sorted = v->n;
	}
	return v->n && bsearch(&object, v->v, v->n, sizeof(*v->v), cmp_str_ptr);
}

static const struct rc_plan_item *tag_holder(const struct reg_source *rs,
					     const struct rc_plan_item *it)
{
	return holder_of(rs->holders, rs->n_holders, it);
}

/* Credentials for the registry's host, in the documented order
 * (registry/creds.h), then the client: the planner's reads only (pull);
 * the executor's pull and delete, and push only when the plan has an
 * untag (the placeholder needs it). */
static struct rc_source *reg_open(const struct rc_source_opts *o, struct rc_err *err)
{
	struct reg_source *rs = calloc(1, sizeof(*rs));
	const char *url = o->url ? o->url : rc_plan_source_str(o->planned, "url");
	struct rc_creds creds;
	struct rc_creds_query q;
	struct rc_reg_opts ro;
	char *canon = NULL;
	size_t i;

	memset(&creds, 0, sizeof(creds));
	if (!rs) {
		rc_err_nomem(err);
		return NULL;
	}
	rs->tag_delete = -1;
	rs->plan = o->plan;
	if (!url || !*url) {
		rc_err_set(err, RC_ERR_USAGE, "registry source '%s' has no URL",
			   o->name ? o->name : "?");
		goto fail;
	}
	if (rc_reg_canonical_url(url, &canon, err) < 0) {
		err->kind = RC_ERR_USAGE;
		goto fail;
	}
	for (i = 0; o->repos && i < o->repos->n; i++)
		if (rc_strv_push(&rs->repos, o->repos->v[i], err) < 0)
			goto fail;
	memset(&q, 0, sizeof(q));
	q.host = strstr(canon, "://") + 3;
	q.username = o->username;
	q.password = o->password;
	if (rc_creds_lookup(&q, &creds, err) < 0) {
		rc_err_prefix(err, "credentials for registry '%s'", canon);
		goto fail;
	}
	if (rc_creds_present(&creds))
		rc_log_verbose("registry '%s': credentials from the %s", canon, creds.origin);
	memset(&ro, 0, sizeof(ro));
	ro.url = canon;
	ro.creds = &creds;
	ro.access = RC_REG_PULL;
	/* a dry run (read-only) re-checks tags against their holders too */
	if (holders_build(o->plan, o->planned ? o->planned->name : o->name, &rs->holders,
			  &rs->n_holders, err) < 0)
		goto fail;
	if (!o->read_only) {
		const char *name = o->planned ? o->planned->name : o->name;

		ro.access |= RC_REG_DELETE;
		if (plan_untags(o->plan, name, rs->holders, rs->n_holders))
			ro.access |= RC_REG_PUSH;
	}
	ro.parallel = o->parallel;
	rs->batch = o->parallel ? o->parallel : RC_REG_PARALLEL_DEFAULT;
	ro.ca_file = o->tls_ca;
	ro.insecure = o->tls_insecure;
	ro.timeout_ms = o->timeout_ms;
	ro.max_retries = -1;
	ro.pace = o->pace;
	/* the executor's re-checks stay live */
	ro.cache = o->read_only ? o->cache : NULL;
	if (!(rs->c = rc_reg_open(&ro, err)))
		goto fail;
	rc_creds_release(&creds);
	free(canon);
	return (struct rc_source *)rs;
fail:
	rc_creds_release(&creds);
	free(canon);
	reg_free((struct rc_source *)rs);
	return NULL;
}

static int reg_connect(struct rc_source *s, struct rc_err *err)
{
	return rc_reg_ping(reg_of(s)->c, err);
}

static int reg_scan(struct rc_source *s, struct rc_inventory *inv, struct rc_err *err)
{
	struct reg_source *rs = reg_of(s);
	struct rc_reg_scan scan;
	struct rc_reg_scan_opts so;
	size_t i, tags = 0, manifests = 0;
	int rc;

	memset(&so, 0, sizeof(so));
	so.repos = &rs->repos;
	rc_reg_scan_init(&scan);
	rc = rc_reg_scan(rs->c, &so, &scan, err);
	if (rc == 0)
		rc = rc_registry_objects(inv, &scan, err);
	for (i = 0; i < scan.n_repos; i++) {
		tags += scan.repos[i].n_tags;
		manifests += scan.repos[i].n_manifests;
	}
	if (rc == 0)
		rc_log_verbose("scanned registry '%s': %zu repositories, %zu tags, %zu manifests%s",
			       scan.url ? scan.url : "?", scan.n_repos, tags, manifests,
			       scan.partial ? " (part of the registry)" : "");
	rc_reg_scan_release(&scan);
	return rc;
}

static int reg_describe(struct rc_source *s, struct rc_plan_source *out, struct rc_err *err)
{
	return rc_reg_describe_url(rc_reg_url(reg_of(s)->c), out, err);
}

static int reg_begin(struct rc_source *s, const struct rc_plan_source *planned,
		     const struct rc_apply_env *env, struct rc_err *err)
{
	struct reg_source *rs = reg_of(s);
	const char *want = rc_plan_source_str(planned, "url");
	const char *have = rc_reg_url(rs->c);
	char w[256], h[256];

	if (!want || strcmp(want, have) != 0) {
		rc_sanitize(w, sizeof(w), want ? want : "(none)");
		rc_sanitize(h, sizeof(h), have);
		return rc_err_set(err, RC_ERR_REFUSED,
				  "wrong target: the plan was made for registry '%s', but this "
				  "reaches '%s'",
				  w, h);
	}
	rs->env = env;
	return 0;
}

static const struct rc_strv *steps_done(const struct reg_source *rs, const struct rc_plan_item *it,
					const char *event)
{
	const struct rc_apply_env *env = rs->env;

	return env && env->steps_done ? env->steps_done(env->arg, it, event) : NULL;
}

/* The placeholder this item's untag uses: the same on every run of the plan. */
static int item_placeholder(const struct reg_source *rs, const struct rc_plan_item *it,
			    const char *repo, const char *tag, struct rc_reg_placeholder *p,
			    struct rc_err *err)
{
	char nonce[512];

	snprintf(nonce, sizeof(nonce), "%s/%s", rs->plan && rs->plan->digest ? rs->plan->digest : "",
		 it->id ? it->id : "");
	return rc_reg_placeholder_make(repo, tag, nonce, p, err);
}

static int remember(struct reg_source *rs, const struct rc_plan_item *it, const char *digest,
		    struct rc_err *err)
{
	free(rs->seen_item);
	free(rs->seen_digest);
	rs->seen_item = strdup(it->id ? it->id : "");
	rs->seen_digest = digest ? strdup(digest) : NULL;
	if (!rs->seen_item || (digest && !rs->seen_digest))
		return rc_err_nomem(err);
	return 0;
}

/* Records that manifest item it stays, in its repository. */
static int stayed(struct reg_source *rs, const struct rc_plan_item *it, struct rc_err *err)
{
	char repo[300];
	const char *digest;

	if (split_object(it->object, '@', repo, sizeof(repo), &digest) < 0)
		return 0;
	if (!strv_has(&rs->stayed, it->object) && rc_strv_push(&rs->stayed, it->object, err) < 0)
		return -1;
	if (strv_has(&rs->stayed_repos, repo))
		return 0;
	return rc_strv_push(&rs->stayed_repos, repo, err);
}

/* The manifest a cosign-style signature tag of `it` ("repo:sha256-<hex>.sig",
 * ".att", ".sbom") signs, as "repo@sha256:<hex>" in out: 1, with *from past
 * that tag, so that the next call finds the next one; 0 when no tag from
 * *from on is one. */
static int signed_subject(const struct rc_plan_item *it, const char *repo, size_t *from, char *out,
			  size_t outsz)
{
	size_t rl = strlen(repo);

	for (; *from < it->pre.tags.n; (*from)++) {
		const char *t = it->pre.tags.v[*from], *hex, *dot;
		if (strncmp(t, repo, rl) != 0 || t[rl] != ':' || strncmp(t + rl + 1, "sha256-", 7))
			continue;
		hex = t + rl + 8;
		dot = strchr(hex, '.');
		if (!dot || dot - hex != 64)
			continue;
		snprintf(out, outsz, "%s@sha256:%.64s", repo, hex);
		(*from)++;
		return 1;
	}
	return 0;
}

/* The manifest that stayed in this run whose cosign-style signature tag
 * ("repo:sha256-<hex>.sig", ".att", ".sbom") is among its tags, or NULL. */
static const char *stayed_subject(const struct reg_source *rs, const struct rc_plan_item *it,
				  const char *repo)
{
	char want[400];
	size_t from = 0;

	while (signed_subject(it, repo, &from, want, sizeof(want)))
		if (strv_has(&rs->stayed, want))
			return it->pre.tags.v[from - 1];
	return NULL;
}

/* Lists repo's tags and resolves every one, in parallel, into v (dropped
 * first). 0; 1 when the repository is gone (404 on the listing); -1 with err. */
static int view_take(struct reg_source *rs, const char *repo, struct tag_view *v,
		     struct rc_err *err)
{
	size_t i;

	view_drop(v);
	v->taken_ns = rc_rate_now_ns();
	if (rc_reg_list_tags(rs->c, repo, 0, &v->tags, err) < 0) {
		view_drop(v);
		if (err->http_status != 404)
			return -1;
		rc_err_clear(err); /* the repository is gone, and the manifest with it */
		return 1;
	}
	/* Tags the registry lists but could never resolve are not asked. */
	for (i = 0; i < v->tags.n;) {
		if (rc_reg_tag_valid(v->tags.v[i])) {
			i++;
			continue;
		}
		free(v->tags.v[i]);
		v->tags.v[i] = v->tags.v[--v->tags.n];
	}
	/* Every tag at once, in parallel: a repository of 100 tags would
	 * otherwise cost 100 round trips. */
	if (!(v->named = calloc(v->tags.n ? v->tags.n : 1, sizeof(*v->named))) ||
	    !(v->repo = strdup(repo))) {
		view_drop(v);
		return rc_err_nomem(err);
	}
	if (rc_reg_resolve_tags(rs->c, repo, v->tags.v, v->tags.n, v->named, err) < 0) {
		view_drop(v);
		return -1;
	}
	return 0;
}

/* The view of repo's tags a manifest re-check compares with: the one held,
 * while it is of repo and at most VIEW_MAX_MS old; else a new one. As
 * view_take. */
static int view_get(struct reg_source *rs, const char *repo, struct rc_err *err)
{
	struct tag_view *v = &rs->view;

	if (v->repo && strcmp(v->repo, repo) == 0 &&
	    rc_rate_now_ns() - v->taken_ns <= (int64_t)VIEW_MAX_MS * 1000000)
		return 0;
	return view_take(rs, repo, v, err);
}

/* The batch's HEAD answer for manifest it, taken once: 200 (there), 404
 * (gone), or 0 (none held, or another answer: its re-check asks alone). */
static long batch_head(struct reg_source *rs, const struct rc_plan_item *it)
{
	long st;

	if (!rs->pre_first || it < rs->pre_first || it >= rs->pre_first + rs->pre_n)
		return 0;
	st = rs->pre_status[it - rs->pre_first];
	rs->pre_status[it - rs->pre_first] = 0;
	return st >= 200 && st <= 299 ? 200 : st == 404 ? 404 : 0;
}

static int recheck_manifest(struct reg_source *rs, const struct rc_plan_item *it,
			    enum rc_check *res, char *reason, size_t reasonsz, struct rc_err *err)
{
	char repo[300], ref[450];
	const char *digest, *sig;
	const struct tag_view *v = &rs->view;
	char *now = NULL;
	size_t i;
	int rc;

	if (split_object(it->object, '@', repo, sizeof(repo), &digest) < 0)
		return rc_err_set(err, RC_ERR_PLAN, "invalid manifest '%s'", it->object);
	if (!it->pre.tags.n && strv_has(&rs->stayed_repos, repo)) {
		/* its index (or subject) may be the one that stayed: deleting
		 * it would leave that one naming a manifest that is gone */
		*res = RC_CHECK_CHANGED;
		snprintf(reason, reasonsz,
			 "a manifest planned before it in '%s' stayed, and no tag names this "
			 "one: it may be that one's child, so it stays too",
			 repo);
		return 0;
	}
	if ((sig = stayed_subject(rs, it, repo))) {
		/* its image stayed in this run: the signature stays with it */
		*res = RC_CHECK_CHANGED;
		snprintf(reason, reasonsz,
			 "its tag '%.300s' signs a manifest that stayed in this run: it stays "
			 "with it",
			 sig);
		return 0;
	}
	switch (batch_head(rs, it)) {
	case 404:
		*res = RC_CHECK_ABSENT;
		return 0;
	case 200:
		break;
	default: /* none, or one to ask again alone */
		if (rc_reg_head_manifest(rs->c, repo, digest, &now, err) < 0)
			return -1;
		if (!now) {
			*res = RC_CHECK_ABSENT;
			return 0;
		}
		free(now);
	}
	if ((rc = view_get(rs, repo, err)) != 0) {
		if (rc < 0)
			return -1;
		*res = RC_CHECK_ABSENT; /* the repository is gone */
		return 0;
	}
	*res = RC_CHECK_OK;
	for (i = 0; i < v->tags.n && *res == RC_CHECK_OK; i++) {
		const char *named = v->named[i];

		snprintf(ref, sizeof(ref), "%s:%s", repo, v->tags.v[i]);
		if (named && strcmp(named, digest) == 0 && !strv_has(&it->pre.tags, ref)) {
			*res = RC_CHECK_CHANGED;
			snprintf(reason, reasonsz,
				 "tag '%s' now names it too, and the plan does not delete it", ref);
		} else if (named && strcmp(named, digest) != 0 && strv_has(&it->pre.tags, ref)) {
			*res = RC_CHECK_CHANGED;
			snprintf(reason, reasonsz, "tag '%s' now names %.19s, not this manifest",
				 ref, named);
		}
	}
	return 0;
}

/* Is item `it`, a tag of repo (of repolen bytes), one that goes with a
 * manifest of the plan, of source `source`? */
static int holder_tag_of(const struct reg_source *rs, const struct rc_plan_item *it,
			 const char *source, const char *repo, size_t repolen)
{
	const char *colon = it->kind == RC_KIND_TAG ? strrchr(it->object, ':') : NULL;

	return colon && (size_t)(colon - it->object) == repolen &&
	       strncmp(it->object, repo, repolen) == 0 && it->source && source &&
	       strcmp(it->source, source) == 0 && it->pre.digest && tag_holder(rs, it);
}

/* The answer held for holder tag item it, of repo: taken now for it and the
 * holder tags of repo that follow it in the plan when it is not among those
 * held. 0 with *named (owned by rs->answers, may be NULL: absent); -1 when
 * none could be had (the caller asks for it alone). */
static int answer_for(struct reg_source *rs, const struct rc_plan_item *it, const char *repo,
		      const char **named)
{
	struct tag_answers *a = &rs->answers;
	const struct rc_plan *p = rs->plan;
	struct rc_err e = RC_ERR_INIT;
	char **tags = NULL;
	size_t i, n = 0, at, rl = strlen(repo);

	if (!p || it < p->candidates || it >= p->candidates + p->n_candidates)
		return -1;
	if (a->first && it >= a->first && it < a->first + a->n) {
		*named = a->named[it - a->first];
		return 0;
	}
	answers_drop(a);
	at = (size_t)(it - p->candidates);
	while (at + n < p->n_candidates && n < ANSWERS_MAX &&
	       holder_tag_of(rs, &p->candidates[at + n], it->source, repo, rl))
		n++;
	if (!n || !(tags = calloc(n, sizeof(*tags))) || !(a->named = calloc(n, sizeof(*a->named)))) {
		free(tags);
		answers_drop(a);
		return -1;
	}
	for (i = 0; i < n; i++)
		tags[i] = (char *)p->candidates[at + i].object + rl + 1;
	if (rc_reg_resolve_tags(rs->c, repo, tags, n, a->named, &e) < 0) {
		free(tags);
		free(a->named);
		a->named = NULL;
		return -1;
	}
	free(tags);
	a->first = it;
	a->n = n;
	*named = a->named[0];
	return 0;
}

static int recheck_tag(struct reg_source *rs, const struct rc_plan_item *it, enum rc_check *res,
		       char *reason, size_t reasonsz, struct rc_err *err)
{
	char repo[300];
	const char *tag, *want = it->pre.digest, *held;
	const struct rc_plan_item *holder = tag_holder(rs, it);
	const struct rc_strv *put = steps_done(rs, it, STEP_PUT);
	char *now = NULL;

	if (split_object(it->object, ':', repo, sizeof(repo), &tag) < 0 || !want)
		return rc_err_set(err, RC_ERR_PLAN, "invalid tag item '%s'", it->object);
	if (holder && answer_for(rs, it, repo, &held) == 0) {
		/* goes with its manifest: the answer decides an outcome, never
		 * a delete */
		if (held && !(now = strdup(held)))
			return rc_err_nomem(err);
	} else if (rc_reg_head_manifest(rs->c, repo, tag, &now, err) < 0) {
		return -1;
	}
	if (remember(rs, it, now, err) < 0) {
		free(now);
		return -1;
	}
	if (!now) {
		*res = RC_CHECK_ABSENT;
	} else if (strcmp(now, want) == 0) {
		*res = RC_CHECK_OK;
		/* a tag that goes with its manifest goes only with it */
		if (holder && !(rs->env && rs->env->dry_run && was_settled(rs, holder->object))) {
			*res = RC_CHECK_CHANGED;
			snprintf(reason, reasonsz,
				 "it was to go with manifest '%s', which is still there: the tag "
				 "stays with it",
				 holder->object);
		}
	} else if (!holder && strv_has(put, now)) {
		*res = RC_CHECK_OK; /* our placeholder: an earlier run stopped before its delete */
	} else {
		*res = RC_CHECK_CHANGED;
		snprintf(reason, reasonsz, "it now names %.19s, not the planned %.19s", now, want);
	}
	free(now);
	return 0;
}

static int reg_recheck(struct rc_source *s, const struct rc_plan_item *it, enum rc_check *res,
		       char *reason, size_t reasonsz, struct rc_err *err)
{
	struct reg_source *rs = reg_of(s);

	if (reasonsz)
		reason[0] = '\0';
	if (it->kind == RC_KIND_MANIFEST) {
		int rc = recheck_manifest(rs, it, res, reason, reasonsz, err);
		if ((rc < 0 || *res == RC_CHECK_CHANGED) && stayed(rs, it, err) < 0)
			return -1;
		return rc;
	}
	/* untags move tags: a view taken before one is not used after it */
	view_drop(&rs->view);
	if (it->kind == RC_KIND_TAG)
		return recheck_tag(rs, it, res, reason, reasonsz, err);
	return rc_err_set(err, RC_ERR_PLAN, "item '%s': a registry holds tags and manifests only",
			  it->id);
}

/* Journals step event/value for it; -1 when it cannot be (the step must
 * then not be made). */
static int step(struct reg_source *rs, const struct rc_plan_item *it, const char *event,
		const char *value, struct rc_err *err)
{
	const struct rc_apply_env *env = rs->env;

	if (!env || !env->step)
		return rc_err_set(err, RC_ERR_INTERNAL, "no journal for the step '%s'", event);
	return env->step(env->arg, it, event, value, err);
}

static int remove_manifest(struct reg_source *rs, const struct rc_plan_item *it,
			   enum rc_removal *res, char *reason, size_t reasonsz)
{
	struct rc_err e = RC_ERR_INIT;
	char repo[300];
	const char *digest;
	int absent = 0;

	if (split_object(it->object, '@', repo, sizeof(repo), &digest) < 0 ||
	    rc_reg_delete_manifest(rs->c, repo, digest, &absent, &e) < 0) {
		*res = RC_REMOVAL_FAILED;
		snprintf(reason, reasonsz, "%s", e.msg[0] ? e.msg : "invalid manifest");
		return 0;
	}
	*res = absent ? RC_REMOVAL_ABSENT : RC_REMOVED;
	return 0;
}

/* Whether DELETE /v2/<repo>/manifests/<tag> removes exactly that tag. OCI
 * 1.1 makes tag deletion optional and has it remove the tag only;
 * distribution 2.8 answers 400; a registry that took it as "delete the
 * manifest" would take every other tag on the digest with it, kept ones
 * included. So it is first tried once per run on a manifest of our own
 * with two tags, and trusted only when the second tag still names that
 * manifest afterwards; the probe manifest is then deleted by its digest.
 * Anything else, an error included, means "use the placeholder". A crash
 * inside the probe leaves tags reclaim-probe-<hex>-a/-b, which the next
 * run's probe (same nonce) removes. */
static int probe_tag_delete(struct reg_source *rs, const char *repo)
{
	struct rc_err e = RC_ERR_INIT;
	struct rc_reg_placeholder p;
	char nonce[600], tag_a[64], tag_b[64];
	char *now = NULL;
	int outcome = RC_REG_TAG_UNSUPPORTED, absent = 0, works = 0;

	memset(&p, 0, sizeof(p));
	snprintf(nonce, sizeof(nonce), "%s/probe/%s",
		 rs->plan && rs->plan->digest ? rs->plan->digest : "", repo);
	if (rc_reg_placeholder_make(repo, "reclaim-probe", nonce, &p, &e) < 0)
		goto out;
	snprintf(tag_a, sizeof(tag_a), "reclaim-probe-%.12s-a", p.manifest_digest + 7);
	snprintf(tag_b, sizeof(tag_b), "reclaim-probe-%.12s-b", p.manifest_digest + 7);
	if (rc_reg_blob_upload(rs->c, repo, p.config, p.config_len, p.config_digest, &e) < 0 ||
	    rc_reg_manifest_put(rs->c, repo, tag_a, RC_MT_OCI_MANIFEST, p.manifest, p.manifest_len,
				&e) < 0 ||
	    rc_reg_manifest_put(rs->c, repo, tag_b, RC_MT_OCI_MANIFEST, p.manifest, p.manifest_len,
				&e) < 0 ||
	    rc_reg_delete_tag(rs->c, repo, tag_a, &outcome, &e) < 0)
		goto cleanup;
	if (outcome == RC_REG_TAG_DELETED &&
	    rc_reg_head_manifest(rs->c, repo, tag_b, &now, &e) == 0 && now &&
	    strcmp(now, p.manifest_digest) == 0)
		works = 1;
	else if (outcome == RC_REG_TAG_DELETED)
		rc_log_verbose("registry '%s': deleting a tag took its manifest's other tags too; "
			       "never using it",
			       rc_reg_url(rs->c));
cleanup:
	rc_err_clear(&e);
	rc_reg_delete_manifest(rs->c, repo, p.manifest_digest, &absent, &e);
out:
	if (e.kind != RC_ERR_NONE)
		rc_log_verbose("registry '%s': tag deletion probe: %s", rc_reg_url(rs->c), e.msg);
	free(now);
	rc_reg_placeholder_release(&p);
	return works;
}

/* The untag. -1 only when a step cannot be journaled. */
static int remove_tag(struct reg_source *rs, const struct rc_plan_item *it, enum rc_removal *res,
		      char *reason, size_t reasonsz, struct rc_err *err)
{
	struct rc_err e = RC_ERR_INIT;
	struct rc_reg_placeholder p;
	char repo[300];
	const char *tag, *seen;
	int outcome, absent = 0, rc = 0;

	memset(&p, 0, sizeof(p));
	*res = RC_REMOVAL_FAILED;
	if (split_object(it->object, ':', repo, sizeof(repo), &tag) < 0 ||
	    item_placeholder(rs, it, repo, tag, &p, &e) < 0) {
		snprintf(reason, reasonsz, "%s", e.msg[0] ? e.msg : "invalid tag");
		goto out;
	}
	seen = rs->seen_item && it->id && strcmp(rs->seen_item, it->id) == 0 ? rs->seen_digest
									     : NULL;
	if (seen && strcmp(seen, p.manifest_digest) == 0)
		goto delete_placeholder; /* resumed: blob and put were made */
	if (rs->tag_delete < 0)
		rs->tag_delete = probe_tag_delete(rs, repo);
	if (rs->tag_delete > 0) {
		if ((rc = step(rs, it, STEP_TAG_DELETE, tag, err)) < 0)
			goto out;
		if (rc_reg_delete_tag(rs->c, repo, tag, &outcome, &e) < 0) {
			snprintf(reason, reasonsz, "%s", e.msg);
			goto out;
		}
		if (outcome != RC_REG_TAG_UNSUPPORTED) {
			rs->tag_delete = 1;
			*res = outcome == RC_REG_TAG_ABSENT ? RC_REMOVAL_ABSENT : RC_REMOVED;
			goto out;
		}
		rs->tag_delete = 0;
		rc_log_verbose("registry '%s' has no tag deletion: untagging with a placeholder "
			       "manifest",
			       rc_reg_url(rs->c));
	}
	if ((rc = step(rs, it, STEP_BLOB, p.config_digest, err)) < 0)
		goto out;
	if (rc_reg_blob_upload(rs->c, repo, p.config, p.config_len, p.config_digest, &e) < 0)
		goto refused;
	if ((rc = step(rs, it, STEP_PUT, p.manifest_digest, err)) < 0)
		goto out;
	if (rc_reg_manifest_put(rs->c, repo, tag, RC_MT_OCI_MANIFEST, p.manifest, p.manifest_len,
				&e) < 0)
		goto refused;
	if (rs->env && rs->env->crash_before_last_step)
		raise(SIGKILL);
delete_placeholder:
	if ((rc = step(rs, it, STEP_DELETE, p.manifest_digest, err)) < 0)
		goto out;
	if (rc_reg_delete_manifest(rs->c, repo, p.manifest_digest, &absent, &e) < 0) {
		snprintf(reason, reasonsz,
			 "the tag names the placeholder %.19s, whose delete failed (a rerun "
			 "finishes it): %s",
			 p.manifest_digest, e.msg);
		goto out;
	}
	*res = RC_REMOVED;
	goto out;
refused:
	snprintf(reason, reasonsz,
		 "cannot untag: the registry has no tag deletion and the placeholder method "
		 "failed, so the tag stays: %s",
		 e.msg);
out:
	rc_reg_placeholder_release(&p);
	return rc;
}

static int reg_remove(struct rc_source *s, const struct rc_plan_item *it, enum rc_removal *res,
		      char *reason, size_t reasonsz, struct rc_err *err)
{
	struct reg_source *rs = reg_of(s);

	if (reasonsz)
		reason[0] = '\0';
	if (it->kind == RC_KIND_MANIFEST) {
		remove_manifest(rs, it, res, reason, reasonsz);
		if (*res != RC_REMOVED && *res != RC_REMOVAL_ABSENT && stayed(rs, it, err) < 0)
			return -1;
		return 0;
	}
	if (it->kind == RC_KIND_TAG && !tag_holder(rs, it))
		return remove_tag(rs, it, res, reason, reasonsz, err);
	/* a tag that goes with its manifest: re-checked absent, never removed alone */
	*res = RC_REMOVAL_CHANGED;
	snprintf(reason, reasonsz, "goes only with its manifest");
	return 0;
}

/* Does `it` sign one of the manifests its[0..n)? */
static int signs_one_of(const struct rc_plan_item *it, const char *repo,
			const struct rc_plan_item *its, size_t n)
{
	char want[400];
	size_t from = 0, k;

	while (signed_subject(it, repo, &from, want, sizeof(want)))
		for (k = 0; k < n; k++)
			if (strcmp(its[k].object, want) == 0)
				return 1;
	return 0;
}

/* Asks for the k manifests its[0..k) of repo with one HEAD each, together,
 * for their re-checks (batch_head). Anything amiss leaves none held: each
 * re-check then asks alone, with that path's retries and messages. */
static void batch_heads(struct reg_source *rs, const struct rc_plan_item *its, size_t k,
			const char *repo)
{
	struct rc_err e = RC_ERR_INIT;
	const char **refs = calloc(k, sizeof(*refs));
	long *st = realloc(rs->pre_status, k * sizeof(*st));
	char other[300];
	size_t i;

	rs->pre_first = NULL;
	rs->pre_n = 0;
	if (st)
		rs->pre_status = st;
	if (!refs || !st)
		goto out;
	for (i = 0; i < k; i++)
		if (split_object(its[i].object, '@', other, sizeof(other), &refs[i]) < 0)
			goto out;
	if (rc_reg_head_statuses(rs->c, repo, refs, k, st, &e) < 0) {
		rc_log_verbose("registry '%s': the batch's HEADs: %s; asking one at a time",
			       rc_reg_url(rs->c), e.msg);
		goto out;
	}
	rs->pre_first = its;
	rs->pre_n = k;
out:
	free(refs);
}

/* A batch: consecutive tagged manifests of one repository of this source,
 * at most --parallel of them, and none that signs one before it in the
 * batch (a signature follows its subject's outcome). An untagged manifest
 * (an index's child, a referrer) goes alone: it may depend on one before
 * it. Tags, which move one at a time, go alone. Its re-checks share the
 * tag view held (view_get): the batches of a repository's run take one
 * while it is at most VIEW_MAX_MS old. */
static size_t reg_batch_span(struct rc_source *s, const struct rc_plan_item *its, size_t n)
{
	struct reg_source *rs = reg_of(s);
	char repo[300], other[300];
	const char *rest;
	size_t k;

	if (rs->batch < 2 || !n || its[0].kind != RC_KIND_MANIFEST || !its[0].pre.tags.n ||
	    split_object(its[0].object, '@', repo, sizeof(repo), &rest) < 0)
		return 1;
	for (k = 1; k < n && k < rs->batch; k++) {
		const struct rc_plan_item *it = &its[k];

		if (it->kind != RC_KIND_MANIFEST || !it->pre.tags.n || !it->source ||
		    !its[0].source || strcmp(it->source, its[0].source) != 0 ||
		    split_object(it->object, '@', other, sizeof(other), &rest) < 0 ||
		    strcmp(other, repo) != 0 || signs_one_of(it, repo, its, k))
			break;
	}
	if (k > 1)
		batch_heads(rs, its, k, repo);
	return k;
}

/* Sends the deletes of the batch's manifests together; each outcome as
 * remove_manifest's. A failure to send the window fails every one. */
static int reg_remove_batch(struct rc_source *s, const struct rc_plan_item *const *its, size_t n,
			    enum rc_removal *res, char *const *reasons, size_t reasonsz,
			    struct rc_err *err)
{
	struct reg_source *rs = reg_of(s);
	struct rc_err werr = RC_ERR_INIT, *errs = calloc(n ? n : 1, sizeof(*errs));
	const char **digests = calloc(n ? n : 1, sizeof(*digests));
	int *absent = calloc(n ? n : 1, sizeof(*absent));
	char repo[300], other[300];
	size_t i, send = n;
	int rc = 0;

	if (!errs || !digests || !absent) {
		rc_err_set(&werr, RC_ERR_NOMEM, "out of memory");
		goto report;
	}
	for (i = 0; i < n; i++) {
		if (its[i]->kind != RC_KIND_MANIFEST ||
		    split_object(its[i]->object, '@', i ? other : repo, sizeof(repo), &digests[i]) <
			0 ||
		    (i && strcmp(other, repo) != 0)) {
			rc_err_set(&werr, RC_ERR_INTERNAL,
				   "a batch holds manifests of one repository");
			goto report;
		}
	}
	if (rs->env && rs->env->crash_after_batch_sent > 0 &&
	    (size_t)rs->env->crash_after_batch_sent < n)
		send = (size_t)rs->env->crash_after_batch_sent;
	if (rc_reg_delete_manifests(rs->c, repo, digests, send, absent, errs, &werr) < 0)
		goto report;
	if (send < n)
		raise(SIGKILL); /* the test hook: the rest unsent, no outcome journaled */
report:
	for (i = 0; i < n; i++) {
		const struct rc_err *e = werr.kind != RC_ERR_NONE || !errs ? &werr : &errs[i];

		reasons[i][0] = '\0';
		if (e->kind != RC_ERR_NONE) {
			res[i] = RC_REMOVAL_FAILED;
			snprintf(reasons[i], reasonsz, "%s", e->msg);
		} else {
			res[i] = absent[i] ? RC_REMOVAL_ABSENT : RC_REMOVED;
		}
		if (res[i] == RC_REMOVAL_FAILED && rc == 0 && stayed(rs, its[i], err) < 0)
			rc = -1;
	}
	free(errs);
	free(digests);
	free(absent);
	return rc;
}

static int reg_settled(struct rc_source *s, const struct rc_plan_item *it, struct rc_err *err)
{
	if (it->kind != RC_KIND_MANIFEST)
		return 0;
	return rc_strv_push(&reg_of(s)->settled, it->object, err);
}

const struct rc_source_ops rc_registry_source_ops = {
    .type = "registry",
    .kinds = registry_kinds,
    .n_kinds = sizeof(registry_kinds) / sizeof(registry_kinds[0]),
    .frees_at_once = 0, /* blobs are freed by the registry's garbage collection */
    .located_by_plan = 1,
    .steps = registry_steps,
    .check_item = rc_reg_check_item,
    .source_title = rc_reg_source_title,
    .object_label = rc_reg_object_label,
    .open = reg_open,
    .connect = reg_connect,
    .scan = reg_scan,
    .describe = reg_describe,
    .begin = reg_begin,
    .recheck = reg_recheck,
    .remove = reg_remove,
    .batch_span = reg_batch_span,
    .remove_batch = reg_remove_batch,
    .settled = reg_settled,
    .free = reg_free,
};
