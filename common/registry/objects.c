/* registry/objects.c: a registry scan as the generic objects of
 * inventory.h (objects.h). */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "plan.h"
#include "registry/objects.h"
#include "units.h"

#define NO_PULLS "pull time unknown: a plain registry records no pulls"
#define TAG_UNCLAIMED                                                                              \
	"no registry rule selects it (--keep-last, --older-than, --match-tags, or a rule of "      \
	"kind tag)"
#define UNTAGGED_UNCLAIMED "untagged: only a rule with tagged: false selects it (--untagged)"
#define UPPER_BOUND                                                                                \
	"bytes after GC are an upper bound: the scan covered part of the registry, and other "     \
	"repositories may use these blobs"
#define MAX_DEPTH 64 /* nesting of indexes and referrers followed */


static int64_t max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

/* A string and the index of what carries it, for sorted lookups. */
struct key_idx {
	const char *key;
	size_t idx;
};

static int cmp_key_idx(const void *pa, const void *pb)
{
	const struct key_idx *a = pa, *b = pb;
	int c = strcmp(a->key, b->key);

	if (c)
		return c;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* The position of the first entry not below key in sorted v[0..n). */
static size_t lower_bound(const struct key_idx *v, size_t n, const char *key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(v[mid].key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The index carried by key in sorted v[0..n), or -1. */
static long find(const struct key_idx *v, size_t n, const char *key)
{
	size_t lo = key ? lower_bound(v, n, key) : n;

	return lo < n && strcmp(v[lo].key, key) == 0 ? (long)v[lo].idx : -1;
}

/* Member indexes by their objects' identities. arg: the objects. */
static int cmp_member(const void *pa, const void *pb, void *arg)
{
	const struct rc_object *o = arg;

	return strcmp(o[*(const size_t *)pa].object, o[*(const size_t *)pb].object);
}

/* A one-string list owned by inv. */
static const struct rc_strv *own_list(struct rc_inventory *inv, char *s, struct rc_err *err)
{
	struct rc_strv *v;

	if (!rc_inventory_own(inv, s, err) ||
	    !(v = rc_inventory_own(inv, calloc(1, sizeof(*v)), err)))
		return NULL;
	v->v = rc_inventory_own(inv, malloc(sizeof(char *)), err);
	if (!v->v)
		return NULL;
	v->v[0] = s;
	v->n = 1;
	return v;
}

/* "host:port" of a canonical URL. */
static const char *url_host(const char *url)
{
	const char *p = url ? strstr(url, "://") : NULL;

	return p ? p + 3 : url ? url : "";
}

/* Splits "host[:port]" (host may be "[v6]") of n bytes: the host's length,
 * and the port (dflt when none). */
static size_t split_host(const char *s, size_t n, const char *dflt, const char **port,
			 size_t *plen)
{
	size_t i = n;

	while (i > 0 && s[i - 1] != ':' && s[i - 1] != ']')
		i--;
	if (i > 0 && s[i - 1] == ':') {
		*port = s + i;
		*plen = n - i;
		return i - 1;
	}
	*port = dflt;
	*plen = strlen(dflt);
	return n;
}

/* localhost, 127.0.0.1 and [::1]: one machine's own registry, whichever
 * name pulled from it */
static int loopback(const char *h, size_t n)
{
	return (n == 9 && strncasecmp(h, "localhost", 9) == 0) ||
	       (n == 9 && strncmp(h, "127.0.0.1", 9) == 0) ||
	       (n == 5 && strncmp(h, "[::1]", 5) == 0);
}

/* Does the domain of a reference (before its first '/') name the registry
 * at host (host[:port]), with or without the scheme's default port? A
 * loopback name matches any other on the same port: a registry scanned as
 * 127.0.0.1:5000 is the one an engine pulled from as localhost:5000, and
 * an image in use must be protected whatever name pulled it. */
static int same_host(const char *url, const char *ref, size_t dlen)
{
	const char *host = url_host(url), *up, *rp;
	const char *dflt = strncmp(url ? url : "", "https:", 6) == 0 ? "443" : "80";
	size_t ul, rl, upl, rpl, i;

	ul = split_host(host, strlen(host), dflt, &up, &upl);
	rl = split_host(ref, dlen, dflt, &rp, &rpl);
	if (upl != rpl || strncmp(up, rp, upl) != 0)
		return 0;
	if (loopback(host, ul) && loopback(ref, rl))
		return 1;
	if (ul != rl)
		return 0;
	for (i = 0; i < ul; i++)
		if (tolower((unsigned char)host[i]) != tolower((unsigned char)ref[i]))
			return 0;
	return 1;
}

/* Per repository: the manifests' facts that follow their graph. */
struct mfacts {
	int64_t created, size;
	size_t level;
	unsigned char state; /* 0 new, 1 visiting, 2 done */
};

/* Created time (an index: its newest child's), size (an index adds its
 * children's) and level (indexes above their children; subjects, see
 * subject_levels) of manifest j, memoised; a cycle or depth beyond
 * MAX_DEPTH stops the walk. */
static void walk(const struct rc_reg_repo *r, const struct key_idx *dig, struct mfacts *f, size_t j,
		 int depth)
{
	const struct rc_reg_manifest *m = &r->manifests[j];
	size_t k;
	long c;

	if (f[j].state)
		return;
	f[j].state = 1;
	f[j].created = m->created;
	f[j].size = m->size > 0 ? m->size : 0;
	if (m->mkind == RC_REG_IMAGE) {
		f[j].size = rc_size_add(f[j].size, m->config.size > 0 ? m->config.size : 0);
		for (k = 0; k < m->n_layers; k++)
			f[j].size =
			    rc_size_add(f[j].size, m->layers[k].size > 0 ? m->layers[k].size : 0);
	}
	for (k = 0; k < m->children.n && depth < MAX_DEPTH; k++) {
		if ((c = find(dig, r->n_manifests, m->children.v[k])) < 0 || c == (long)j)
			continue;
		walk(r, dig, f, (size_t)c, depth + 1);
		if (f[c].state != 2)
			continue; /* a cycle */
		f[j].created = max64(f[j].created, f[c].created);
		f[j].size = rc_size_add(f[j].size, f[c].size);
		if (f[c].level + 1 > f[j].level)
			f[j].level = f[c].level + 1;
	}
	f[j].state = 2;
}

/* A subject goes before its referrers: if its delete fails, its signatures
 * stay with it rather than the image living on unsigned (a referrer left
 * behind by a failed delete is only garbage, and a rerun takes it). So a
 * subject's level exceeds its referrers', as an index's exceeds its
 * children's; relaxed until stable, bounded for cycles. */
static void subject_levels(const struct rc_reg_repo *r, const struct key_idx *dig,
			   struct mfacts *f)
{
	size_t j, k, round;
	int changed = 1;
	long c;

	for (round = 0; changed && round < MAX_DEPTH; round++) {
		changed = 0;
		for (j = 0; j < r->n_manifests; j++) {
			const struct rc_reg_manifest *m = &r->manifests[j];
			if (m->subject && (c = find(dig, r->n_manifests, m->subject)) >= 0 &&
			    c != (long)j && f[c].level <= f[j].level) {
				f[c].level = f[j].level + 1;
				changed = 1;
			}
			for (k = 0; k < m->children.n; k++)
				if ((c = find(dig, r->n_manifests, m->children.v[k])) >= 0 &&
				    c != (long)j && f[j].level <= f[c].level) {
					f[j].level = f[c].level + 1;
					changed = 1;
				}
		}
	}
}

static int add_part(struct rc_object *o, const char *source, const char *digest, int64_t size,
		    struct rc_err *err)
{
	if (!digest)
		return 0;
	/* blobs are shared across a registry's repositories, not across sources */
	if (!(o->parts[o->n_parts].key = rc_asprintf(err, "%s@%s", source, digest)))
		return -1;
	o->parts[o->n_parts++].size = size > 0 ? size : 0;
	return 0;
}

/* One repository: its manifests at inv->objects[first..], then its tags. */
static int repo_objects(struct rc_inventory *inv, const struct rc_inventory_source *src,
			const struct rc_reg_scan *scan, const struct rc_reg_repo *r,
			struct rc_err *err)
{
	size_t first = inv->n_objects, j, k;
	struct key_idx *dig = calloc(r->n_manifests + 1, sizeof(*dig));
	struct mfacts *f = calloc(r->n_manifests + 1, sizeof(*f));
	int rc = -1;

	if (!dig || !f) {
		rc_err_nomem(err);
		goto out;
	}
	for (j = 0; j < r->n_manifests; j++) {
		dig[j].key = r->manifests[j].digest ? r->manifests[j].digest : "";
		dig[j].idx = j;
	}
	qsort(dig, r->n_manifests, sizeof(*dig), cmp_key_idx);
	for (j = 0; j < r->n_manifests; j++)
		walk(r, dig, f, j, 0);
	subject_levels(r, dig, f);

	for (j = 0; j < r->n_manifests; j++) {
		const struct rc_reg_manifest *m = &r->manifests[j];
		struct rc_object *o = &inv->objects[inv->n_objects++];
		const char *d = m->digest ? m->digest : "";
		char *obj = rc_asprintf(err, "%s@%s", r->name, d);

		o->source = src->name;
		o->source_type = src->type;
		o->kind = RC_KIND_MANIFEST;
		o->parent = -1;
		o->usage_count = -1;
		if (!obj || !rc_inventory_own(inv, obj, err))
			goto out;
		o->object = obj;
		o->name = "";
		o->digest = strchr(obj, '@') + 1;
		o->rank_id = o->digest;
		o->digests = own_list(inv, rc_asprintf(err, "%s", obj), err);
		o->aliases = own_list(inv, rc_asprintf(err, "%s/%s", url_host(scan->url), obj), err);
		o->label = rc_asprintf(err, "%s@%.19s", r->name, d);
		if (!o->digests || !o->aliases || !o->label)
			goto out;
		o->flags = RC_OBJ_OPT_IN | RC_OBJ_TAGS | RC_OBJ_UNTAGGED_RULE | RC_OBJ_PARTS;
		o->created = f[j].created;
		o->last_used = f[j].created;
		o->size = f[j].size;
		o->level = f[j].level;
		o->no_pull_time = NO_PULLS;
		o->unclaimed = UNTAGGED_UNCLAIMED;
		o->note = scan->partial ? UPPER_BOUND : NULL;
		if (!(o->what = strdup(m->subject ? "untagged referrer" : "untagged"))) {
			rc_err_nomem(err);
			goto out;
		}
		if (m->mkind == RC_REG_UNSUPPORTED) {
			o->protect_rule = "unsupported";
			if (!(o->protect_reason =
				  rc_asprintf(err, "unsupported manifest (%s): left alone",
				      m->media_type ? m->media_type : "no media type")))
				goto out;
		}
		if (!(o->parts = calloc(m->n_layers + 2, sizeof(*o->parts)))) {
			rc_err_nomem(err);
			goto out;
		}
		if (add_part(o, src->name, m->digest, m->size, err) < 0)
			goto out;
		if (m->mkind == RC_REG_IMAGE) {
			if (add_part(o, src->name, m->config.digest, m->config.size, err) < 0)
				goto out;
			for (k = 0; k < m->n_layers; k++)
				if (add_part(o, src->name, m->layers[k].digest, m->layers[k].size,
					     err) < 0)
					goto out;
		}
		if (m->subject) {
			o->held_as = "referrer";
			o->flags |= RC_OBJ_FOLLOWS;
		}
	}
	/* holders: a referrer's subject, the indexes that list a child */
	for (j = 0; j < r->n_manifests; j++) {
		const struct rc_reg_manifest *m = &r->manifests[j];
		long c = m->subject ? find(dig, r->n_manifests, m->subject) : -1;
		if (c >= 0 && c != (long)j) {
			struct rc_object *o = &inv->objects[first + j];
			if (rc_index_push(&o->holders, &o->n_holders, first + (size_t)c, err) < 0)
				goto out;
		}
		for (k = 0; k < m->children.n; k++) {
			struct rc_object *o;
			if ((c = find(dig, r->n_manifests, m->children.v[k])) < 0 || c == (long)j)
				continue;
			o = &inv->objects[first + (size_t)c];
			if (o->n_holders && o->holders[o->n_holders - 1] == first + j)
				continue; /* listed twice */
			if (rc_index_push(&o->holders, &o->n_holders, first + j, err) < 0)
				goto out;
			if (!o->held_as || !r->manifests[c].subject)
				o->held_as = "child";
		}
	}

	for (k = 0; k < r->n_tags; k++) {
		const struct rc_reg_tag *t = &r->tags[k];
		struct rc_object *o = &inv->objects[inv->n_objects++];
		long mi = find(dig, r->n_manifests, t->digest);
		char *obj = rc_asprintf(err, "%s:%s", r->name, t->name ? t->name : "");

		o->source = src->name;
		o->source_type = src->type;
		o->kind = RC_KIND_TAG;
		o->parent = -1;
		o->usage_count = -1;
		if (!obj || !rc_inventory_own(inv, obj, err))
			goto out;
		o->object = obj;
		o->name = obj;
		o->aliases = own_list(inv, rc_asprintf(err, "%s/%s", url_host(scan->url), obj), err);
		o->label = strdup(obj);
		if (!o->aliases || !o->label || !(o->refs.v = malloc(sizeof(char *)))) {
			rc_err_nomem(err);
			goto out;
		}
		o->refs.v[0] = obj;
		o->refs.n = 1;
		o->flags = RC_OBJ_OPT_IN | RC_OBJ_TAGS;
		o->size = 0;
		o->no_pull_time = NO_PULLS;
		o->unclaimed = TAG_UNCLAIMED;
		if (mi >= 0) {
			struct rc_object *mo = &inv->objects[first + (size_t)mi];
			o->digest = mo->digest;
			o->rank_id = mo->digest;
			o->created = mo->created;
			o->last_used = mo->created;
			o->what = rc_asprintf(err, "names %.19s", mo->digest);
			/* a signature's tag goes or stays with its subject */
			if (mo->flags & RC_OBJ_FOLLOWS)
				o->flags |= RC_OBJ_UNRANKED;
			if (!o->what || rc_index_push(&mo->members, &mo->n_members,
						 first + r->n_manifests + k, err) < 0)
				goto out;
		} else {
			/* its manifest was not read: nothing is known of it */
			char *d = rc_asprintf(err, "%s", t->digest ? t->digest : "");
			if (!d || !rc_inventory_own(inv, d, err))
				goto out;
			o->digest = d;
			o->protect_rule = "unscanned";
			if (!(o->what = strdup("")) ||
			    !(o->protect_reason = strdup("its manifest was not read"))) {
				rc_err_nomem(err);
				goto out;
			}
		}
	}
	/* a manifest's members and refs are its tags, sorted; its name the first */
	for (j = 0; j < r->n_manifests; j++) {
		struct rc_object *o = &inv->objects[first + j];
		if (!o->n_members)
			continue;
		qsort_r(o->members, o->n_members, sizeof(size_t), cmp_member, inv->objects);
		if (!(o->refs.v = malloc(o->n_members * sizeof(char *)))) {
			rc_err_nomem(err);
			goto out;
		}
		for (k = 0; k < o->n_members; k++)
			o->refs.v[k] = (char *)inv->objects[o->members[k]].object;
		o->refs.n = o->n_members;
		o->name = o->refs.v[0];
	}
	rc = 0;
out:
	free(dig);
	free(f);
	return rc;
}

int rc_reg_engine_users(struct rc_inventory *inv, const char *url, size_t first,
			const char *const *keys, struct rc_err *err)
{
	size_t n = inv->n_objects - first, nk = 0, i, k, u, at;
	struct key_idx *ix = calloc(n + 1, sizeof(*ix));
	int rc = -1;

	if (!ix)
		return rc_err_nomem(err);
	for (i = 0; i < n; i++)
		if (keys[i]) {
			ix[nk].key = keys[i];
			ix[nk++].idx = first + i;
		}
	qsort(ix, nk, sizeof(*ix), cmp_key_idx);
	for (i = 0; i < first; i++) {
		const struct rc_object *img = &inv->objects[i];
		if (img->kind != RC_KIND_IMAGE || !img->digests ||
		    (!img->n_users && !img->protect_rule))
			continue;
		for (k = 0; k < img->digests->n; k++) {
			const char *ref = img->digests->v[k], *slash = strchr(ref, '/');
			if (!slash || !same_host(url, ref, (size_t)(slash - ref)))
				continue;
			/* every object the reference names: a DTR's tags share one */
			for (at = lower_bound(ix, nk, slash + 1);
			     at < nk && strcmp(ix[at].key, slash + 1) == 0; at++) {
				struct rc_object *m = &inv->objects[ix[at].idx];
				for (u = 0; u < img->n_users; u++) {
					struct rc_use *nu =
					    realloc(m->users, (m->n_users + 1) * sizeof(*nu));
					if (!nu) {
						rc_err_nomem(err);
						goto out;
					}
					m->users = nu;
					m->users[m->n_users].user = img->users[u].user;
					m->users[m->n_users].reason = rc_asprintf(
					    err, "%s on %s '%s' (as %s)", img->users[u].reason,
					    img->source_type ? img->source_type : "source",
					    img->source, ref);
					if (!m->users[m->n_users].reason)
						goto out;
					m->n_users++;
				}
				if (img->protect_rule && !m->protect_rule &&
				    strcmp(img->protect_rule, "in-use") == 0) {
					m->protect_rule = "in-use";
					if (!(m->protect_reason = rc_asprintf(
						  err, "image '%s' on %s '%s': %s",
						  img->label ? img->label : img->object,
						  img->source_type ? img->source_type : "source",
						  img->source,
						  img->protect_reason ? img->protect_reason
								      : "in use")))
						goto out;
				}
			}
		}
	}
	rc = 0;
out:
	free(ix);
	return rc;
}

/* The manifests of the registry, keyed "repo@digest" as their objects. */
static int engine_users(struct rc_inventory *inv, const struct rc_reg_scan *scan, size_t first,
			struct rc_err *err)
{
	size_t n = inv->n_objects - first, i;
	const char **keys = calloc(n + 1, sizeof(*keys));
	int rc;

	if (!keys)
		return rc_err_nomem(err);
	for (i = 0; i < n; i++)
		if (inv->objects[first + i].kind == RC_KIND_MANIFEST)
			keys[i] = inv->objects[first + i].object;
	rc = rc_reg_engine_users(inv, scan->url, first, keys, err);
	free(keys);
	return rc;
}

int rc_registry_objects(struct rc_inventory *inv, const struct rc_reg_scan *scan,
			struct rc_err *err)
{
	struct rc_inventory_source *src;
	size_t total = 0, first = inv->n_objects, i;

	for (i = 0; i < scan->n_repos; i++)
		total += scan->repos[i].n_manifests + scan->repos[i].n_tags;
	src = rc_inventory_add_source(inv, scan->name ? scan->name : "registry", "registry",
				      scan->url, err);
	if (!src || rc_inventory_source_set(src, "url", scan->url, err) < 0 ||
	    rc_inventory_reserve_objects(inv, total, err) < 0)
		return -1;
	for (i = 0; i < scan->n_repos; i++)
		if (repo_objects(inv, src, scan, &scan->repos[i], err) < 0)
			return -1;
	return engine_users(inv, scan, first, err);
}
