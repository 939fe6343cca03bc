/* dtr/source.c: the DTR / MSR 2.x-3.x source type's table (source.h).
 *
 * A DTR holds tags only: its API deletes one tag and never its siblings or
 * a manifest, so each candidate is one DELETE, re-checked just before by a
 * GET of the same tag (same digest, not signed since). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "dtr/dtr.h"
#include "dtr/objects.h"
#include "log.h"
#include "registry/items.h"
#include "source.h"

struct dtr_source {
	struct rc_dtr_client *c;
	const struct rc_apply_env *env;
	enum rc_dtr_age age; /* what the planner's ages measure */
};

static struct dtr_source *dtr_of(struct rc_source *s)
{
	return (struct dtr_source *)s;
}

/* ---- the plan's side --------------------------------------------------------- */

static const enum rc_kind dtr_kinds[] = {RC_KIND_TAG};

static int dtr_check_item(const struct rc_plan_item *it, int candidate, const char *path,
			  struct rc_err *err)
{
	const char *colon;
	char ns[256], obj[300];
	size_t n;

	if (it->kind != RC_KIND_TAG)
		return rc_err_set(err, RC_ERR_PLAN,
				  "%s.kind: a DTR holds tags only, not %s: its API never deletes "
				  "a manifest",
				  path, rc_kind_name(it->kind));
	if (rc_reg_check_item(it, candidate, path, err) < 0)
		return -1;
	/* "namespace/repo:tag", in DTR's stricter names */
	colon = strchr(it->object, ':');
	n = strcspn(it->object, "/");
	rc_sanitize(obj, sizeof(obj), it->object);
	if (!colon || n >= sizeof(ns) || it->object + n >= colon)
		goto bad;
	memcpy(ns, it->object, n);
	ns[n] = '\0';
	memcpy(obj, it->object + n + 1, (size_t)(colon - it->object - (long)n - 1));
	obj[colon - it->object - (long)n - 1] = '\0';
	if (!rc_dtr_name_valid(ns) || !rc_dtr_name_valid(obj))
		goto bad;
	if (candidate && !rc_reg_digest_valid(it->pre.digest))
		return rc_err_set(err, RC_ERR_PLAN,
				  "%s.preconditions.digest: a DTR tag candidate needs the digest "
				  "it must still name",
				  path);
	return 0;
bad:
	rc_sanitize(obj, sizeof(obj), it->object);
	return rc_err_set(err, RC_ERR_PLAN, "%s.object: '%s' is not a DTR 'namespace/repo:tag'",
			  path, obj);
}

static void dtr_source_title(const struct rc_plan_source *src, char *out, size_t outsz)
{
	const char *url = rc_plan_source_str(src, "url");
	char clean[300], raw[320];

	rc_sanitize(clean, sizeof(clean), url ? url : "");
	snprintf(raw, sizeof(raw), "DTR '%s'", clean);
	rc_sanitize(out, outsz, raw);
}

/* ---- the client's side ------------------------------------------------------- */

static struct rc_source *dtr_open(const struct rc_source_opts *o, struct rc_err *err)
{
	struct dtr_source *ds = calloc(1, sizeof(*ds));
	struct rc_dtr_opts d;

	if (!ds) {
		rc_err_nomem(err);
		return NULL;
	}
	memset(&d, 0, sizeof(d));
	/* reclaim-apply reaches the DTR its plan names */
	rc_api_opts_from(&d.api, o);
	d.repos = o->repos;
	ds->age = o->age_created ? RC_DTR_AGE_CREATED : RC_DTR_AGE_UPDATED;
	if (!(ds->c = rc_dtr_open(&d, err))) {
		free(ds);
		return NULL;
	}
	return (struct rc_source *)ds;
}

static void dtr_free(struct rc_source *s)
{
	if (!s)
		return;
	rc_dtr_free(dtr_of(s)->c);
	free(s);
}

static int dtr_connect(struct rc_source *s, struct rc_err *err)
{
	return rc_dtr_ping(dtr_of(s)->c, err);
}

static int dtr_scan(struct rc_source *s, struct rc_inventory *inv, struct rc_err *err)
{
	struct rc_dtr_scan scan;
	int rc;

	rc_dtr_scan_init(&scan);
	rc = rc_dtr_scan(dtr_of(s)->c, &scan, err);
	if (rc == 0) {
		rc_log_verbose("DTR '%s': %zu repositories, %zu list pages", scan.url, scan.n_repos,
			       scan.pages);
		rc = rc_dtr_objects(inv, &scan, dtr_of(s)->age, err);
	}
	rc_dtr_scan_release(&scan);
	return rc;
}

static int dtr_describe(struct rc_source *s, struct rc_plan_source *out, struct rc_err *err)
{
	return rc_reg_describe_url(rc_dtr_url(dtr_of(s)->c), out, err);
}

static int dtr_begin(struct rc_source *s, const struct rc_plan_source *planned,
		     const struct rc_apply_env *env, struct rc_err *err)
{
	if (rc_reg_check_target("DTR", planned, rc_dtr_url(dtr_of(s)->c), err) < 0)
		return -1;
	dtr_of(s)->env = env;
	return 0;
}

/* "ns/repo" and the tag of an item's object, into the buffers. */
static int split_item(const struct rc_plan_item *it, char *repo, size_t rsz, const char **tag,
		      struct rc_err *err)
{
	const char *colon = strrchr(it->object, ':');

	if (!colon || (size_t)(colon - it->object) >= rsz)
		return rc_err_set(err, RC_ERR_PLAN, "not a DTR tag");
	memcpy(repo, it->object, (size_t)(colon - it->object));
	repo[colon - it->object] = '\0';
	*tag = colon + 1;
	return 0;
}

static int dtr_recheck(struct rc_source *s, const struct rc_plan_item *it, enum rc_check *res,
		       char *reason, size_t reasonsz, struct rc_err *err)
{
	struct rc_dtr_tag t;
	char repo[300];
	const char *tag;
	int found;

	reason[0] = '\0';
	if (split_item(it, repo, sizeof(repo), &tag, err) < 0 ||
	    rc_dtr_get_tag(dtr_of(s)->c, repo, tag, &found, &t, err) < 0)
		return -1;
	if (!found) {
		*res = RC_CHECK_ABSENT;
		return 0;
	}
	*res = RC_CHECK_OK;
	if (!it->pre.digest || strcmp(t.digest, it->pre.digest) != 0) {
		*res = RC_CHECK_CHANGED;
		snprintf(reason, reasonsz,
			 "tag now names %.19s, not %.19s as planned: pushed again", t.digest,
			 it->pre.digest ? it->pre.digest : "(none)");
	} else if (t.in_notary) {
		*res = RC_CHECK_CHANGED;
		snprintf(reason, reasonsz, "signed since planning (inNotary)");
	}
	rc_dtr_tag_release(&t);
	return 0;
}

static int dtr_remove(struct rc_source *s, const struct rc_plan_item *it, enum rc_removal *res,
		      char *reason, size_t reasonsz, struct rc_err *err)
{
	enum rc_dtr_delete d;
	struct rc_err e = RC_ERR_INIT;
	char repo[300];
	const char *tag;

	(void)err;
	*res = RC_REMOVAL_FAILED;
	if (split_item(it, repo, sizeof(repo), &tag, &e) < 0 ||
	    rc_dtr_delete_tag(dtr_of(s)->c, repo, tag, &d, reason, reasonsz, &e) < 0) {
		snprintf(reason, reasonsz, "%s", e.msg);
		return 0;
	}
	*res = d == RC_DTR_DELETED  ? RC_REMOVED
	       : d == RC_DTR_ABSENT ? RC_REMOVAL_ABSENT
				    : RC_REMOVAL_FAILED;
	return 0;
}

static int dtr_settled(struct rc_source *s, const struct rc_plan_item *it, struct rc_err *err)
{
	(void)s;
	(void)it;
	(void)err;
	return 0; /* a tag is used by nothing this source re-checks */
}

const struct rc_source_ops rc_dtr_source_ops = {
    .type = "dtr",
    .kinds = dtr_kinds,
    .n_kinds = sizeof(dtr_kinds) / sizeof(dtr_kinds[0]),
    .frees_at_once = 0, /* DTR's garbage collection frees the blobs */
    .located_by_plan = 1, /* reclaim-apply reaches it at its identity url */
    .steps = NULL,
    .check_item = dtr_check_item,
    .source_title = dtr_source_title,
    .object_label = rc_reg_object_label,
    .open = dtr_open,
    .connect = dtr_connect,
    .scan = dtr_scan,
    .describe = dtr_describe,
    .begin = dtr_begin,
    .recheck = dtr_recheck,
    .remove = dtr_remove,
    .settled = dtr_settled,
    .free = dtr_free,
};
