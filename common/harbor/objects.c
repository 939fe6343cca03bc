/* harbor/objects.c: a Harbor scan as the generic objects of inventory.h
 * (objects.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "harbor/objects.h"
#include "plan.h"
#include "registry/objects.h"

#define NO_TIMES "pull time unknown: Harbor gave neither a pull nor a push time"
#define TAG_UNCLAIMED                                                                              \
	"no registry rule selects it (--keep-last, --older-than, --not-pulled-for, "              \
	"--match-tags, or a rule of kind tag)"
#define UNTAGGED_UNCLAIMED "untagged: only a rule with tagged: false selects it (--untagged)"
#define UPPER_BOUND                                                                                \
	"bytes after GC are an upper bound: the scan covered part of Harbor, and other "           \
	"repositories may use these blobs"
#define IMMUTABLE "immutable tag (Harbor tag immutability rule)"
#define MAX_DEPTH 64

/* An accessory Harbor did not list as an artifact: an object of its own. */
struct extra {
	const struct rc_harbor_accessory *x;
	size_t subject; /* artifact index */
};

struct repo_ctx {
	struct rc_inventory *inv;
	const struct rc_inventory_source *src;
	const struct rc_harbor_scan *scan;
	const struct rc_harbor_repo *r;
	enum rc_harbor_keep_by keep_by;
	struct extra *extras;
	size_t n_extras;
	size_t first; /* artifacts at first.., extras after them, then tags */
};

static const char *url_host(const char *url)
{
	const char *p = url ? strstr(url, "://") : NULL;

	return p ? p + 3 : url ? url : "";
}

static int cmp_digest(const void *key, const void *elem)
{
	return strcmp(key, ((const struct rc_harbor_artifact *)elem)->digest);
}

/* The object offset (from ctx->first) of digest among the repository's
 * artifacts and extras, or -1. */
static long find(const struct repo_ctx *c, const char *digest)
{
	const struct rc_harbor_artifact *a =
	    bsearch(digest, c->r->artifacts, c->r->n_artifacts, sizeof(*a), cmp_digest);
	size_t e;

	if (a)
		return (long)(a - c->r->artifacts);
	for (e = 0; e < c->n_extras; e++)
		if (!strcmp(c->extras[e].x->digest, digest))
			return (long)(c->r->n_artifacts + e);
	return -1;
}

static const struct rc_strv *own_list(struct rc_inventory *inv, char *s, struct rc_err *err)
{
	struct rc_strv *v;

	if (!rc_inventory_own(inv, s, err) ||
	    !(v = rc_inventory_own(inv, calloc(1, sizeof(*v)), err)) ||
	    !(v->v = rc_inventory_own(inv, malloc(sizeof(char *)), err)))
		return NULL;
	v->v[0] = s;
	v->n = 1;
	return v;
}

static char *own_str(struct rc_inventory *inv, const char *s, struct rc_err *err)
{
	return s ? rc_inventory_own(inv, strdup(s), err) : NULL;
}

/* The fields an artifact or an accessory object shares. */
static int manifest_object(struct repo_ctx *c, struct rc_object *o, const char *digest,
			   int64_t size, const struct rc_harbor_artifact *basis,
			   struct rc_err *err)
{
	struct rc_inventory *inv = c->inv;
	char *obj = rc_asprintf(err, "%s@%s", c->r->name, digest);
	int64_t pulled;
	const char *raw = rc_harbor_pulled_at(basis, NULL, &pulled);

	o->source = c->src->name;
	o->source_type = c->src->type;
	o->kind = RC_KIND_MANIFEST;
	o->parent = -1;
	o->usage_count = -1;
	if (!obj || !rc_inventory_own(inv, obj, err))
		return -1;
	o->object = obj;
	o->name = "";
	o->digest = strchr(obj, '@') + 1;
	o->rank_id = o->digest;
	o->digests = own_list(inv, rc_asprintf(err, "%s", obj), err);
	o->aliases = own_list(inv, rc_asprintf(err, "%s/%s", url_host(c->scan->url), obj), err);
	o->label = rc_asprintf(err, "%s@%.19s", c->r->name, digest);
	if (!o->digests || !o->aliases || !o->label)
		return -1;
	o->flags = RC_OBJ_OPT_IN | RC_OBJ_TAGS | RC_OBJ_UNTAGGED_RULE | RC_OBJ_PARTS |
		   RC_OBJ_PULL_PRECOND;
	o->created = basis->push_time;
	o->last_used = basis->push_time;
	o->age_basis = "push_time";
	o->last_pulled = pulled;
	if (raw && !(o->pulled_at = own_str(inv, raw, err)))
		return -1;
	if (c->keep_by == RC_HARBOR_KEEP_BY_PULL)
		o->rank_time = pulled;
	o->size = size;
	o->no_pull_time = NO_TIMES;
	o->unclaimed = UNTAGGED_UNCLAIMED;
	o->note = c->scan->partial ? UPPER_BOUND : NULL;
	/* blobs are shared across a Harbor's repositories: one part per digest */
	if (!(o->parts = calloc(1, sizeof(*o->parts))) ||
	    !(o->parts[0].key = rc_asprintf(err, "%s@%s", c->src->name, digest)))
		return o->parts ? -1 : rc_err_nomem(err);
	o->parts[0].size = size > 0 ? size : 0;
	o->n_parts = 1;
	return 0;
}

static int artifact_object(struct repo_ctx *c, size_t j, struct rc_err *err)
{
	const struct rc_harbor_artifact *a = &c->r->artifacts[j];
	struct rc_object *o = &c->inv->objects[c->first + j];
	size_t unlisted = 0, k;
	char type[64];

	if (manifest_object(c, o, a->digest, a->size, a, err) < 0)
		return -1;
	rc_sanitize(type, sizeof(type), a->type ? a->type : "");
	for (k = 0; k < a->children.n; k++)
		if (find(c, a->children.v[k]) < 0)
			unlisted++;
	o->what = rc_asprintf(
	    err, "%s%s%s%s%s", a->n_tags ? "every tag goes" : "untagged", type[0] ? " " : "",
	    type,
	    unlisted ? ", an index: Harbor deletes its untagged children no other artifact "
		       "uses with it"
		     : "",
	    a->n_accessories ? ", with its accessories (Harbor deletes them with it)" : "");
	if (!o->what)
		return -1;
	return 0;
}

static int extra_object(struct repo_ctx *c, size_t e, struct rc_err *err)
{
	const struct extra *x = &c->extras[e];
	const struct rc_harbor_artifact *subj = &c->r->artifacts[x->subject];
	struct rc_object *o = &c->inv->objects[c->first + c->r->n_artifacts + e];
	char type[64];

	if (manifest_object(c, o, x->x->digest, x->x->size, subj, err) < 0)
		return -1;
	/* its times are its subject's: nothing of its own to re-check */
	o->flags &= ~RC_OBJ_PULL_PRECOND;
	rc_sanitize(type, sizeof(type), x->x->type ? x->x->type : "unknown type");
	o->what = rc_asprintf(err, "accessory (%s) of %.19s: Harbor deletes it with its subject",
			      type, subj->digest);
	return o->what ? 0 : -1;
}

static int tag_object(struct repo_ctx *c, size_t at, const struct rc_harbor_artifact *a,
		      const struct rc_harbor_tag *t, struct rc_object *mo, struct rc_err *err)
{
	struct rc_inventory *inv = c->inv;
	struct rc_object *o = &inv->objects[at];
	char *obj = rc_asprintf(err, "%s:%s", c->r->name, t->name);
	int64_t pulled;
	const char *raw = rc_harbor_pulled_at(a, t, &pulled);

	o->source = c->src->name;
	o->source_type = c->src->type;
	o->kind = RC_KIND_TAG;
	o->parent = -1;
	o->usage_count = -1;
	if (!obj || !rc_inventory_own(inv, obj, err))
		return -1;
	o->object = obj;
	o->name = obj;
	o->aliases = own_list(inv, rc_asprintf(err, "%s/%s", url_host(c->scan->url), obj), err);
	o->label = strdup(obj);
	if (!o->aliases || !o->label || !(o->refs.v = malloc(sizeof(char *))))
		return rc_err_nomem(err);
	o->refs.v[0] = obj;
	o->refs.n = 1;
	o->flags = RC_OBJ_OPT_IN | RC_OBJ_TAGS | RC_OBJ_PULL_PRECOND;
	if (mo->flags & RC_OBJ_FOLLOWS)
		o->flags |= RC_OBJ_UNRANKED; /* an accessory's tag goes with its subject */
	o->size = 0;
	o->digest = mo->digest;
	o->rank_id = mo->digest;
	o->created = t->push_time ? t->push_time : a->push_time;
	o->last_used = o->created;
	o->age_basis = "push_time";
	o->last_pulled = pulled;
	if (raw && !(o->pulled_at = own_str(inv, raw, err)))
		return -1;
	if (c->keep_by == RC_HARBOR_KEEP_BY_PULL)
		o->rank_time = pulled;
	o->no_pull_time = NO_TIMES;
	o->unclaimed = TAG_UNCLAIMED;
	if (!(o->what = rc_asprintf(err, "names %.19s", a->digest)))
		return -1;
	if (t->immutable) {
		o->protect_rule = "immutable";
		if (!(o->protect_reason = strdup(IMMUTABLE)))
			return rc_err_nomem(err);
	}
	return rc_index_push(&mo->members, &mo->n_members, at, err);
}

/* Levels: a subject above its accessories, an index above its children,
 * so that they come later in the plan; relaxed, bounded for cycles. */
static void levels(struct repo_ctx *c)
{
	size_t j, k, round;
	int changed = 1;
	long x;

	for (round = 0; changed && round < MAX_DEPTH; round++) {
		changed = 0;
		for (j = 0; j < c->r->n_artifacts; j++) {
			const struct rc_harbor_artifact *a = &c->r->artifacts[j];
			struct rc_object *o = &c->inv->objects[c->first + j];
			for (k = 0; k < a->children.n + a->n_accessories; k++) {
				const char *d = k < a->children.n
						    ? a->children.v[k]
						    : a->accessories[k - a->children.n].digest;
				if ((x = find(c, d)) < 0 || x == (long)j)
					continue;
				if (o->level <= c->inv->objects[c->first + (size_t)x].level) {
					o->level = c->inv->objects[c->first + (size_t)x].level + 1;
					changed = 1;
				}
			}
		}
	}
}

/* holders: an accessory's subject, the indexes that reference a child */
static int holders(struct repo_ctx *c, struct rc_err *err)
{
	size_t j, k;
	long x;

	for (j = 0; j < c->r->n_artifacts; j++) {
		const struct rc_harbor_artifact *a = &c->r->artifacts[j];
		for (k = 0; k < a->children.n + a->n_accessories; k++) {
			int acc = k >= a->children.n;
			const char *d = acc ? a->accessories[k - a->children.n].digest
					    : a->children.v[k];
			struct rc_object *o;
			if ((x = find(c, d)) < 0 || x == (long)j)
				continue;
			o = &c->inv->objects[c->first + (size_t)x];
			if (o->n_holders && o->holders[o->n_holders - 1] == c->first + j)
				continue;
			if (rc_index_push(&o->holders, &o->n_holders, c->first + j, err) < 0)
				return -1;
			if (acc) {
				o->held_as = "accessory";
				o->flags |= RC_OBJ_FOLLOWS;
			} else if (!o->held_as) {
				o->held_as = "child";
			}
		}
	}
	return 0;
}

static int repo_objects(struct repo_ctx *c, const char **keys, struct rc_err *err)
{
	const struct rc_harbor_repo *r = c->r;
	size_t j, k, at, n_acc = 0;
	int rc = -1;

	for (j = 0; j < r->n_artifacts; j++)
		n_acc += r->artifacts[j].n_accessories;
	if (!(c->extras = calloc(n_acc + 1, sizeof(*c->extras))))
		return rc_err_nomem(err);
	for (j = 0; j < r->n_artifacts; j++)
		for (k = 0; k < r->artifacts[j].n_accessories; k++) {
			const struct rc_harbor_accessory *x = &r->artifacts[j].accessories[k];
			if (find(c, x->digest) >= 0)
				continue;
			c->extras[c->n_extras].x = x;
			c->extras[c->n_extras++].subject = j;
		}
	c->first = c->inv->n_objects;
	c->inv->n_objects += r->n_artifacts + c->n_extras;
	for (j = 0; j < r->n_artifacts; j++)
		if (artifact_object(c, j, err) < 0)
			goto out;
	for (j = 0; j < c->n_extras; j++)
		if (extra_object(c, j, err) < 0)
			goto out;
	for (j = 0; j < r->n_artifacts + c->n_extras; j++)
		keys[j] = c->inv->objects[c->first + j].object;
	if (holders(c, err) < 0)
		goto out;
	levels(c);
	for (j = 0; j < r->n_artifacts; j++) {
		struct rc_object *mo = &c->inv->objects[c->first + j];
		const struct rc_harbor_artifact *a = &r->artifacts[j];
		for (k = 0; k < a->n_tags; k++) {
			at = c->inv->n_objects++;
			if (tag_object(c, at, a, &a->tags[k], mo, err) < 0)
				goto out;
		}
		/* its refs are its tags (sorted by name, so by object), its
		 * name the first */
		if (!mo->n_members)
			continue;
		if (!(mo->refs.v = malloc(mo->n_members * sizeof(char *)))) {
			rc_err_nomem(err);
			goto out;
		}
		for (k = 0; k < mo->n_members; k++)
			mo->refs.v[k] = (char *)c->inv->objects[mo->members[k]].object;
		mo->refs.n = mo->n_members;
		mo->name = mo->refs.v[0];
	}
	rc = 0;
out:
	free(c->extras);
	c->extras = NULL;
	return rc;
}

int rc_harbor_objects(struct rc_inventory *inv, const struct rc_harbor_scan *scan,
		      enum rc_harbor_keep_by keep_by, struct rc_err *err)
{
	struct rc_inventory_source *src;
	size_t total = 0, first = inv->n_objects, i, j;
	const char **keys;
	int rc = -1;

	for (i = 0; i < scan->n_repos; i++)
		for (j = 0; j < scan->repos[i].n_artifacts; j++)
			total += 1 + scan->repos[i].artifacts[j].n_tags +
				 scan->repos[i].artifacts[j].n_accessories;
	src = rc_inventory_add_source(inv, scan->name ? scan->name : "harbor", "harbor", scan->url,
				      err);
	if (!src || rc_inventory_source_set(src, "url", scan->url, err) < 0 ||
	    rc_inventory_reserve_objects(inv, total, err) < 0)
		return -1;
	if (!(keys = calloc(total + 1, sizeof(*keys))))
		return rc_err_nomem(err);
	for (i = 0; i < scan->n_repos; i++) {
		struct repo_ctx c = {inv, src, scan, &scan->repos[i], keep_by, NULL, 0, 0};
		if (repo_objects(&c, keys + (inv->n_objects - first), err) < 0)
			goto out;
	}
	/* an engine scanned in the same run protects the artifacts its
	 * containers' images were pulled by (host/project/repo@digest) */
	rc = rc_reg_engine_users(inv, scan->url, first, keys, err);
out:
	free(keys);
	return rc;
}
