/* harbor/source.c: the Harbor / MSR 4 source type's table (source.h).
 *
 * A Harbor holds artifacts (manifest items, "project/repo@digest") and
 * their tags (tag items, "project/repo:tag"). A tag item is one DELETE of
 * that tag (the artifact keeps its other tags); a manifest item one DELETE
 * of the artifact, which takes its tags, its accessories and its untagged
 * children with it. Each is re-checked just before by a GET of the
 * artifact (docs/harbor.md, "Re-checks"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "harbor/harbor.h"
#include "harbor/objects.h"
#include "log.h"
#include "registry/items.h"
#include "source.h"
#include "units.h"

struct harbor_source {
	struct rc_harbor_client *c;
	const struct rc_apply_env *env;
	enum rc_harbor_keep_by keep_by;
	size_t removed; /* deletes this run made: --trigger-gc starts one then */
	/* Artifacts that stay in this run although the plan deletes them (a
	 * re-check found them changed or could not ask, or the delete
	 * failed), and the accessories and children Harbor would have deleted
	 * with them, "project/repo@digest": those stay too, and so do the
	 * tags that name one of them (the plan meant them to go with it). */
	struct rc_strv stayed;
	/* repositories where an artifact stayed whose accessories are unknown
	 * (its re-check could not ask): an untagged artifact there may be one */
	struct rc_strv stayed_repos;
	/* the accessories and children the last manifest re-check saw, for
	 * remove (its item: held_item) */
	struct rc_strv held;
	char *held_item;
	/* the plan's manifest candidates of this source ("project/repo@digest",
	 * sorted): an accessory an artifact has now must be one of them */
	struct rc_strv planned;
};

static struct harbor_source *hb_of(struct rc_source *s)
{
	return (struct harbor_source *)s;
}

/* ---- the plan's side --------------------------------------------------------- */

static const enum rc_kind harbor_kinds[] = {RC_KIND_MANIFEST, RC_KIND_TAG};

/* "project/repo" of an item's object and what follows ':' or '@'. */
static int split_item(const char *object, char *repo, size_t rsz, const char **ref)
{
	const char *sep = strchr(object, '@');

	if (!sep)
		sep = strrchr(object, ':');
	if (!sep || (size_t)(sep - object) >= rsz)
		return -1;
	memcpy(repo, object, (size_t)(sep - object));
	repo[sep - object] = '\0';
	*ref = sep + 1;
	return 0;
}

static int harbor_check_item(const struct rc_plan_item *it, int candidate, const char *path,
			     struct rc_err *err)
{
	char repo[300], proj[300], obj[300];
	const char *ref, *slash;

	if (rc_reg_check_item(it, candidate, path, err) < 0)
		return -1;
	if (split_item(it->object, repo, sizeof(repo), &ref) < 0 || !(slash = strchr(repo, '/')))
		goto bad;
	memcpy(proj, repo, (size_t)(slash - repo));
	proj[slash - repo] = '\0';
	if (!rc_harbor_project_valid(proj))
		goto bad;
	if (candidate && it->kind == RC_KIND_TAG && !rc_reg_digest_valid(it->pre.digest))
		return rc_err_set(err, RC_ERR_PLAN,
				  "%s.preconditions.digest: a Harbor tag candidate needs the "
				  "digest it must still name",
				  path);
	return 0;
bad:
	rc_sanitize(obj, sizeof(obj), it->object);
	return rc_err_set(err, RC_ERR_PLAN,
			  "%s.object: '%s' is not a Harbor 'project/repo:tag' or "
			  "'project/repo@digest'",
			  path, obj);
}

static void harbor_source_title(const struct rc_plan_source *src, char *out, size_t outsz)
{
	const char *url = rc_plan_source_str(src, "url");
	char clean[300], raw[320];

	rc_sanitize(clean, sizeof(clean), url ? url : "");
	snprintf(raw, sizeof(raw), "Harbor '%s'", clean);
	rc_sanitize(out, outsz, raw);
}

/* ---- the client's side ------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The executor's plan: its manifest candidates of this source, sorted. */
static int planned_manifests(const struct rc_source_opts *o, struct rc_strv *out,
			     struct rc_err *err)
{
	const char *name = o->planned ? o->planned->name : NULL;
	size_t i;

	for (i = 0; o->plan && name && i < o->plan->n_candidates; i++) {
		const struct rc_plan_item *it = &o->plan->candidates[i];
		if (it->kind == RC_KIND_MANIFEST && it->source && !strcmp(it->source, name) &&
		    rc_strv_push(out, it->object, err) < 0)
			return -1;
	}
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), cmp_str);
	return 0;
}

static struct rc_source *harbor_open(const struct rc_source_opts *o, struct rc_err *err)
{
	struct harbor_source *hs = calloc(1, sizeof(*hs));
	struct rc_harbor_opts h;

	if (!hs) {
		rc_err_nomem(err);
		return NULL;
	}
	memset(&h, 0, sizeof(h));
	/* reclaim-apply reaches the Harbor its plan names */
	rc_api_opts_from(&h.api, o);
	h.projects = o->projects;
	h.repos = o->repos;
	hs->keep_by = o->keep_by_pull ? RC_HARBOR_KEEP_BY_PULL : RC_HARBOR_KEEP_BY_PUSH;
	if (planned_manifests(o, &hs->planned, err) < 0 || !(hs->c = rc_harbor_open(&h, err))) {
		rc_strv_release(&hs->planned);
		free(hs);
		return NULL;
	}
	return (struct rc_source *)hs;
}

static void harbor_free(struct rc_source *s)
{
	if (!s)
		return;
	rc_harbor_free(hb_of(s)->c);
	rc_strv_release(&hb_of(s)->stayed);
	rc_strv_release(&hb_of(s)->stayed_repos);
	rc_strv_release(&hb_of(s)->held);
	rc_strv_release(&hb_of(s)->planned);
	free(hb_of(s)->held_item);
	free(s);
}

static int harbor_connect(struct rc_source *s, struct rc_err *err)
{
	return rc_harbor_ping(hb_of(s)->c, err);
}

/* At least this many artifacts, none of them ever pulled: the Harbor may
 * not be recording pulls at all. */
#define NO_PULLS_MIN 10

/* Warns when a Harbor records no pull for any of many artifacts: with
 * PULL_TIME_UPDATE_DISABLE set, or pulls by digest only (which some Harbor
 * versions do not count), every pull age would count from the push and
 * not_pulled_for would select images in daily use (docs/harbor.md). */
static void warn_no_pulls(const struct rc_harbor_scan *scan)
{
	size_t i, k, t, n = 0;

	for (i = 0; i < scan->n_repos; i++)
		for (k = 0; k < scan->repos[i].n_artifacts; k++) {
			const struct rc_harbor_artifact *a = &scan->repos[i].artifacts[k];
			if (a->pull_time > 0)
				return;
			for (t = 0; t < a->n_tags; t++)
				if (a->tags[t].pull_time > 0)
					return;
			n++;
		}
	if (n >= NO_PULLS_MIN)
		rc_log_warn("Harbor '%s': none of its %zu artifacts records a pull; if it records "
			    "none (PULL_TIME_UPDATE_DISABLE, or pulls by digest only), pull ages "
			    "count from pushes (docs/harbor.md)",
			    scan->url, n);
}

static int harbor_scan(struct rc_source *s, struct rc_inventory *inv, struct rc_err *err)
{
	struct rc_harbor_scan scan;
	int rc;

	rc_harbor_scan_init(&scan);
	rc = rc_harbor_scan(hb_of(s)->c, &scan, err);
	if (rc == 0) {
		rc_log_verbose("Harbor '%s': %zu repositories, %zu list pages, %zu requests",
			       scan.url, scan.n_repos, scan.pages,
			       rc_harbor_requests_sent(hb_of(s)->c));
		warn_no_pulls(&scan);
		rc = rc_harbor_objects(inv, &scan, hb_of(s)->keep_by, err);
	}
	rc_harbor_scan_release(&scan);
	return rc;
}

static int harbor_describe(struct rc_source *s, struct rc_plan_source *out, struct rc_err *err)
{
	return rc_reg_describe_url(rc_harbor_url(hb_of(s)->c), out, err);
}

static int harbor_begin(struct rc_source *s, const struct rc_plan_source *planned,
			const struct rc_apply_env *env, struct rc_err *err)
{
	if (rc_reg_check_target("Harbor", planned, rc_harbor_url(hb_of(s)->c), err) < 0)
		return -1;
	hb_of(s)->env = env;
	return 0;
}

/* 1 when the pull time now (fresh, as Harbor wrote it) is later than the
 * one the plan recorded. */
static int pulled_since(const char *planned, const char *fresh)
{
	struct rc_err e = RC_ERR_INIT;
	int64_t a, b;
	long an, bn;

	if (!fresh)
		return 0;
	if (rc_parse_time_ns(planned, &a, &an, &e) < 0 || rc_parse_time_ns(fresh, &b, &bn, &e) < 0)
		return strcmp(planned, fresh) != 0;
	return b > a || (b == a && bn > an);
}

static int push_new(struct rc_strv *v, const char *x, struct rc_err *err)
{
	return rc_strv_has(v, x) ? 0 : rc_strv_push(v, x, err);
}

/* Remembers the accessories and children of artifact a of repo, as seen by
 * the re-check of item it, for stay(). */
static int hold(struct harbor_source *hs, const struct rc_plan_item *it, const char *repo,
		const struct rc_harbor_artifact *a, struct rc_err *err)
{
	char full[600];
	size_t k;

	rc_strv_release(&hs->held);
	free(hs->held_item);
	if (!(hs->held_item = strdup(it->id ? it->id : "")))
		return rc_err_nomem(err);
	for (k = 0; k < a->n_accessories + a->children.n; k++) {
		snprintf(full, sizeof(full), "%s@%s", repo,
			 k < a->n_accessories ? a->accessories[k].digest
					      : a->children.v[k - a->n_accessories]);
		if (push_new(&hs->held, full, err) < 0)
			return -1;
	}
	return 0;
}

/* Manifest item it stays in this run: so do the accessories and children
 * its re-check saw, or, when it saw none, every untagged artifact of its
 * repository that the plan lists after it. */
static int stay(struct harbor_source *hs, const struct rc_plan_item *it, const char *repo,
		int known, struct rc_err *err)
{
	size_t k;

	if (push_new(&hs->stayed, it->object, err) < 0)
		return -1;
	if (!known || !hs->held_item || strcmp(hs->held_item, it->id ? it->id : "") != 0)
		return push_new(&hs->stayed_repos, repo, err);
	for (k = 0; k < hs->held.n; k++)
		if (push_new(&hs->stayed, hs->held.v[k], err) < 0)
			return -1;
	return 0;
}

/* Why manifest item it stays with an artifact that stayed in this run, or
 * NULL. */
static const char *stays_with(const struct harbor_source *hs, const struct rc_plan_item *it,
			      const char *repo, char *why, size_t whysz)
{
	if (rc_strv_has(&hs->stayed, it->object)) {
		snprintf(why, whysz,
			 "an artifact it is an accessory or child of stayed in this run: it "
			 "stays with it");
		return why;
	}
	if (!it->pre.tags.n && rc_strv_has(&hs->stayed_repos, repo)) {
		snprintf(why, whysz,
			 "an artifact planned before it in '%s' stayed, and could not be "
			 "asked for its accessories: this untagged one may be one, so it stays",
			 repo);
		return why;
	}
	return NULL;
}

static int harbor_recheck(struct rc_source *s, const struct rc_plan_item *it, enum rc_check *res,
			  char *reason, size_t reasonsz, struct rc_err *err)
{
	struct harbor_source *hs = hb_of(s);
	struct rc_harbor_artifact a;
	const struct rc_harbor_tag *tag = NULL;
	char repo[300], full[600];
	const char *ref, *fresh;
	int64_t when;
	size_t k;
	int found;

	reason[0] = '\0';
	*res = RC_CHECK_OK;
	if (split_item(it->object, repo, sizeof(repo), &ref) < 0)
		return rc_err_set(err, RC_ERR_PLAN, "not a Harbor item");
	if (rc_harbor_get_artifact(hs->c, repo, ref, &found, &a, err) < 0) {
		struct rc_err e = RC_ERR_INIT;
		if (it->kind == RC_KIND_MANIFEST && stay(hs, it, repo, 0, &e) < 0)
			*err = e;
		return -1;
	}
	if (!found) {
		*res = RC_CHECK_ABSENT;
		return 0;
	}
	if (it->kind == RC_KIND_MANIFEST && hold(hs, it, repo, &a, err) < 0) {
		rc_harbor_artifact_release(&a);
		return -1;
	}
	if (it->kind == RC_KIND_MANIFEST && stays_with(hs, it, repo, reason, reasonsz))
		*res = RC_CHECK_CHANGED;
	if (it->kind == RC_KIND_TAG) {
		for (k = 0; k < a.n_tags && !tag; k++)
			if (!strcmp(a.tags[k].name, ref))
				tag = &a.tags[k];
		if (!it->pre.digest || strcmp(a.digest, it->pre.digest) != 0 || !tag) {
			*res = RC_CHECK_CHANGED;
			snprintf(reason, reasonsz,
				 "tag now names %.19s, not %.19s as planned: pushed again",
				 a.digest, it->pre.digest ? it->pre.digest : "(none)");
		} else if (tag->immutable) {
			*res = RC_CHECK_CHANGED;
			snprintf(reason, reasonsz,
				 "now immutable (a Harbor tag immutability rule)");
		}
	} else {
		/* an accessory pushed since planning (a signature, an SBOM:
		 * someone is preparing it for use) would go with it */
		for (k = 0; k < a.n_accessories && *res == RC_CHECK_OK; k++) {
			const char *key = full;
			snprintf(full, sizeof(full), "%s@%s", repo, a.accessories[k].digest);
			if (!hs->planned.n || !bsearch(&key, hs->planned.v, hs->planned.n,
						       sizeof(*hs->planned.v), cmp_str)) {
				char type[64];
				rc_sanitize(type, sizeof(type),
					    a.accessories[k].type ? a.accessories[k].type : "?");
				*res = RC_CHECK_CHANGED;
				snprintf(reason, reasonsz,
					 "gained accessory %.19s (%s) since planning: the artifact "
					 "stays",
					 a.accessories[k].digest, type);
			}
		}
		for (k = 0; k < a.n_tags && *res == RC_CHECK_OK; k++) {
			snprintf(full, sizeof(full), "%s:%s", repo, a.tags[k].name);
			if (!rc_strv_has(&it->pre.tags, full)) {
				*res = RC_CHECK_CHANGED;
				snprintf(reason, reasonsz,
					 "gained tag '%s' since planning: the artifact stays",
					 a.tags[k].name);
			}
		}
	}
	if (*res == RC_CHECK_OK && it->pre.pulled_at) {
		fresh = rc_harbor_pulled_at(&a, tag, &when);
		if (pulled_since(it->pre.pulled_at, fresh)) {
			char p[64], f[64];
			rc_sanitize(p, sizeof(p), it->pre.pulled_at);
			rc_sanitize(f, sizeof(f), fresh);
			*res = RC_CHECK_CHANGED;
			snprintf(reason, reasonsz,
				 "pulled since planning (pull time %s, planned %s)", f, p);
		}
	}
	snprintf(full, sizeof(full), "%s@%s", repo, a.digest);
	if (*res == RC_CHECK_OK && it->kind == RC_KIND_TAG && rc_strv_has(&hs->stayed, full)) {
		/* it was to go with its artifact (or one holding it) */
		*res = RC_CHECK_CHANGED;
		snprintf(reason, reasonsz,
			 "its artifact %.19s stayed in this run: the tag stays with it", a.digest);
	}
	rc_harbor_artifact_release(&a);
	if (*res == RC_CHECK_CHANGED && it->kind == RC_KIND_MANIFEST)
		return stay(hs, it, repo, 1, err);
	return 0;
}

static int harbor_remove(struct rc_source *s, const struct rc_plan_item *it, enum rc_removal *res,
			 char *reason, size_t reasonsz, struct rc_err *err)
{
	enum rc_harbor_delete d;
	struct rc_err e = RC_ERR_INIT;
	char repo[300];
	const char *ref;
	int tag = it->kind == RC_KIND_TAG;

	*res = RC_REMOVAL_FAILED;
	if (split_item(it->object, repo, sizeof(repo), &ref) < 0) {
		snprintf(reason, reasonsz, "not a Harbor item");
		return 0;
	}
	if (rc_harbor_delete(hb_of(s)->c, repo, tag ? it->pre.digest : ref, tag ? ref : NULL, &d,
			     reason, reasonsz, &e) < 0) {
		snprintf(reason, reasonsz, "%s", e.msg);
		return 0;
	}
	if (d == RC_HARBOR_DELETED) {
		*res = RC_REMOVED;
		hb_of(s)->removed++;
	} else if (d == RC_HARBOR_ABSENT) {
		*res = RC_REMOVAL_ABSENT;
	} else if (d == RC_HARBOR_CHANGED) {
		*res = RC_REMOVAL_CHANGED;
	}
	if (!tag && *res != RC_REMOVED && *res != RC_REMOVAL_ABSENT)
		return stay(hb_of(s), it, repo, 1, err);
	return 0;
}

static int harbor_settled(struct rc_source *s, const struct rc_plan_item *it, struct rc_err *err)
{
	(void)s;
	(void)it;
	(void)err;
	return 0; /* re-checks ask Harbor, which knows what is gone */
}

static int harbor_trigger_gc(struct rc_source *s, char *id, size_t idsz, struct rc_err *err)
{
	id[0] = '\0';
	if (!hb_of(s)->removed)
		return 0;
	return rc_harbor_trigger_gc(hb_of(s)->c, id, idsz, err);
}

const struct rc_source_ops rc_harbor_source_ops = {
    .type = "harbor",
    .kinds = harbor_kinds,
    .n_kinds = sizeof(harbor_kinds) / sizeof(harbor_kinds[0]),
    .frees_at_once = 0, /* Harbor's garbage collection frees the blobs */
    .located_by_plan = 1, /* reclaim-apply reaches it at its identity url */
    .steps = NULL,
    .check_item = harbor_check_item,
    .source_title = harbor_source_title,
    .object_label = rc_reg_object_label,
    .open = harbor_open,
    .connect = harbor_connect,
    .scan = harbor_scan,
    .describe = harbor_describe,
    .begin = harbor_begin,
    .recheck = harbor_recheck,
    .remove = harbor_remove,
    .settled = harbor_settled,
    .trigger_gc = harbor_trigger_gc,
    .free = harbor_free,
};
