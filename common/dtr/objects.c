/* dtr/objects.c: a DTR scan as the generic objects of inventory.h
 * (objects.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dtr/objects.h"
#include "plan.h"
#include "registry/objects.h"
#include "registry/parse.h"

#define NO_PULLS "pull time unknown: DTR records no per-tag pulls"
#define UPPER_BOUND                                                                                \
	"bytes after GC are an upper bound: the scan covered part of the DTR, and other "          \
	"repositories may use these layers"

__attribute__((format(printf, 3, 4))) static char *own_fmt(struct rc_inventory *inv,
							   struct rc_err *err, const char *f, ...)
{
	va_list ap;
	char *s;

	va_start(ap, f);
	s = rc_vasprintf(err, f, ap);
	va_end(ap);
	return s ? rc_inventory_own(inv, s, err) : NULL;
}


static const char *url_host(const char *url)
{
	const char *p = url ? strstr(url, "://") : NULL;

	return p ? p + 3 : url ? url : "";
}

struct dig_idx {
	const char *digest;
	size_t k;
};

static int cmp_dig_idx(const void *a, const void *b)
{
	return strcmp(((const struct dig_idx *)a)->digest, ((const struct dig_idx *)b)->digest);
}

/* A cosign-style tag (sha256-<hex>.sig, .att, .sbom) goes or stays with
 * the tags of r that name its subject: they become its holders (any kept
 * keeps it, docs/dtr.md), and keep_last does not rank it, so a signature
 * made after its image takes no image's slot. r's tags are the inventory's
 * objects from base on. */
static int follow_subjects(struct rc_inventory *inv, size_t base, const struct rc_dtr_repo *r,
			   struct rc_err *err)
{
	struct dig_idx *ix = calloc(r->n_tags + 1, sizeof(*ix)), key;
	size_t k, at;
	int rc = -1;

	if (!ix)
		return rc_err_nomem(err);
	for (k = 0; k < r->n_tags; k++)
		ix[k] = (struct dig_idx){r->tags[k].digest ? r->tags[k].digest : "", k};
	qsort(ix, r->n_tags, sizeof(*ix), cmp_dig_idx);
	for (k = 0; k < r->n_tags; k++) {
		struct rc_object *o = &inv->objects[base + k];
		char subj[72];
		const struct dig_idx *hit;

		if (!rc_reg_cosign_subject(r->tags[k].name, subj))
			continue;
		key.digest = subj;
		if (!(hit = bsearch(&key, ix, r->n_tags, sizeof(*ix), cmp_dig_idx)))
			continue; /* its subject is not tagged here: a tag as any */
		for (at = (size_t)(hit - ix); at > 0 && !strcmp(ix[at - 1].digest, subj); at--)
			;
		for (; at < r->n_tags && !strcmp(ix[at].digest, subj); at++)
			if (ix[at].k != k &&
			    rc_index_push(&o->holders, &o->n_holders, base + ix[at].k, err) < 0)
				goto out;
		if (o->n_holders) {
			o->held_as = "signature";
			o->flags |= RC_OBJ_UNRANKED;
		}
	}
	rc = 0;
out:
	free(ix);
	return rc;
}

/* Appends r's tags; keys[k] becomes the key its k-th tag is used by
 * ("ns/repo@digest", rc_reg_engine_users). */
static int repo_objects(struct rc_inventory *inv, const struct rc_inventory_source *src,
			const struct rc_dtr_scan *scan, const struct rc_dtr_repo *r,
			enum rc_dtr_age age, const char **keys, struct rc_err *err)
{
	char limit[64];
	const char *unclaimed;
	size_t k, j;

	if (r->tag_limit > 0)
		snprintf(limit, sizeof(limit), "tagLimit %lld", (long long)r->tag_limit);
	else
		snprintf(limit, sizeof(limit), "no tagLimit");
	unclaimed = own_fmt(inv, err,
			    "no registry rule selects it (--keep-last, --older-than, "
			    "--match-tags, or a rule of kind tag); repository '%s/%s' has %s",
			    r->ns, r->name, limit);
	if (!unclaimed)
		return -1;
	for (k = 0; k < r->n_tags; k++) {
		const struct rc_dtr_tag *t = &r->tags[k];
		struct rc_object *o = &inv->objects[inv->n_objects++];
		char *obj = own_fmt(inv, err, "%s/%s:%s", r->ns, r->name, t->name);
		struct rc_strv *alias;

		o->source = src->name;
		o->source_type = src->type;
		o->kind = RC_KIND_TAG;
		o->parent = -1;
		o->usage_count = -1;
		if (!obj)
			return -1;
		o->object = obj;
		o->name = obj;
		if (!(o->label = strdup(obj)) || !(o->refs.v = malloc(sizeof(char *))))
			return rc_err_nomem(err);
		o->refs.v[0] = obj;
		o->refs.n = 1;
		/* protect.refs may name it with the DTR's host:port/ too */
		if (!(alias = rc_inventory_own(inv, calloc(1, sizeof(*alias)), err)) ||
		    !(alias->v = rc_inventory_own(inv, malloc(sizeof(char *)), err)) ||
		    !(alias->v[0] = own_fmt(inv, err, "%s/%s", url_host(scan->url), obj)))
			return -1;
		alias->n = 1;
		o->aliases = alias;
		if (!(o->digest = own_fmt(inv, err, "%s", t->digest)) ||
		    !(keys[k] = own_fmt(inv, err, "%s/%s@%s", r->ns, r->name, t->digest)))
			return -1;
		o->flags = RC_OBJ_OPT_IN | RC_OBJ_TAGS | RC_OBJ_PARTS;
		o->created = t->created;
		o->last_used = age == RC_DTR_AGE_CREATED ? t->created : t->updated;
		o->age_basis = age == RC_DTR_AGE_CREATED ? "createdAt" : "updatedAt";
		o->size = t->size;
		o->no_pull_time = NO_PULLS;
		o->unclaimed = unclaimed;
		o->note = scan->partial ? UPPER_BOUND : NULL;
		if (!(o->what = rc_asprintf(err, "names %.19s (repository %s%s%s%s%s)", t->digest,
					    limit, t->promoted_by ? "; made by promotion policy " : "",
					    t->promoted_by ? t->promoted_by : "",
					    t->mirrored_from ? "; mirrored from " : "",
					    t->mirrored_from ? t->mirrored_from : "")))
			return -1;
		if (r->immutable) {
			o->protect_rule = "immutable";
			o->protect_reason =
			    rc_asprintf(err,
				"repository '%s/%s' has immutableTags: DTR refuses to "
				"delete its tags (%s)",
				r->ns, r->name, limit);
		} else if (t->in_notary) {
			o->protect_rule = "signed";
			o->protect_reason =
			    rc_asprintf(err,
				"signed (inNotary): remove its trust data first, or "
				"DTR answers TAG_IN_NOTARY (%s)",
				limit);
		} else if (t->hash_mismatch) {
			o->protect_rule = "hash-mismatch";
			o->protect_reason =
			    rc_asprintf(err,
				"DTR reports a hash mismatch for it: left alone until "
				"an admin looks (%s)",
				limit);
		}
		if (o->protect_rule && !o->protect_reason)
			return -1;
		if (t->n_layers && !(o->parts = calloc(t->n_layers, sizeof(*o->parts))))
			return rc_err_nomem(err);
		for (j = 0; j < t->n_layers; j++) {
			/* blobs are shared across one DTR's repositories */
			if (!(o->parts[j].key = rc_asprintf(err, "%s@%s", src->name, t->layers[j].digest)))
				return -1;
			o->parts[j].size = t->layers[j].size;
			o->n_parts++;
		}
	}
	return follow_subjects(inv, inv->n_objects - r->n_tags, r, err);
}

int rc_dtr_objects(struct rc_inventory *inv, const struct rc_dtr_scan *scan, enum rc_dtr_age age,
		   struct rc_err *err)
{
	struct rc_inventory_source *src;
	size_t total = 0, first = inv->n_objects, at = 0, i;
	const char **keys;
	int rc = -1;

	for (i = 0; i < scan->n_repos; i++)
		total += scan->repos[i].n_tags;
	src = rc_inventory_add_source(inv, scan->name ? scan->name : "dtr", "dtr", scan->url, err);
	if (!src || rc_inventory_source_set(src, "url", scan->url, err) < 0 ||
	    rc_inventory_reserve_objects(inv, total, err) < 0)
		return -1;
	if (!(keys = calloc(total + 1, sizeof(*keys))))
		return rc_err_nomem(err);
	for (i = 0; i < scan->n_repos; i++) {
		if (repo_objects(inv, src, scan, &scan->repos[i], age, keys + at, err) < 0)
			goto out;
		at += scan->repos[i].n_tags;
	}
	/* an engine scanned in the same run protects the tags its containers'
	 * images were pulled by (host:port/ns/repo@digest), as a registry's */
	rc = rc_reg_engine_users(inv, scan->url, first, keys, err);
out:
	free(keys);
	return rc;
}
