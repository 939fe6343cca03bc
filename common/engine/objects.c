/* engine/objects.c: an engine scan as the generic objects of inventory.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "engine/layers.h"
#include "engine/objects.h"
#include "plan.h"

#define NO_PULLS "pull time unknown on the engine (not_pulled_for needs a registry source)"
#define PER_ENGINE "in use by %lld container(s) per the engine"

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

/* The first position in v[0..n) whose key is not below key. */
static size_t lower(const struct key_idx *v, size_t n, const char *key)
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

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int64_t max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

/* The states a container is stopped in; the others keep it running. */
static int stopped(const char *state)
{
	return state &&
	       (!strcmp(state, "created") || !strcmp(state, "exited") || !strcmp(state, "dead"));
}


static int one_ref(struct rc_object *o, const char *ref, struct rc_err *err)
{
	if (!ref || !ref[0])
		return 0;
	if (!(o->refs.v = malloc(sizeof(char *))))
		return rc_err_nomem(err);
	o->refs.v[0] = (char *)ref;
	o->refs.n = 1;
	return 0;
}

/* A new object of the source at the end of inv's objects (room reserved). */
static struct rc_object *new_object(struct rc_inventory *inv, const struct rc_inventory_source *src,
				    int kind)
{
	struct rc_object *o = &inv->objects[inv->n_objects++];

	o->source = src->name;
	o->source_type = src->type;
	o->kind = kind;
	o->parent = -1;
	o->usage_count = -1;
	o->no_pull_time = NO_PULLS;
	return o;
}

/* Builds key/index pairs over n things with nk keys each, sorted. */
struct index {
	struct key_idx *v;
	size_t n;
};

static int index_add(struct index *ix, size_t *cap, const char *key, size_t idx, struct rc_err *err)
{
	if (!key)
		return 0;
	if (ix->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		struct key_idx *v = realloc(ix->v, nc * sizeof(*v));
		if (!v)
			return rc_err_nomem(err);
		ix->v = v;
		*cap = nc;
	}
	ix->v[ix->n].key = key;
	ix->v[ix->n].idx = idx;
	ix->n++;
	return 0;
}

static void index_sort(struct index *ix)
{
	if (ix->n)
		qsort(ix->v, ix->n, sizeof(*ix->v), cmp_key_idx);
}

/* ---- containers ------------------------------------------------------------ */

static int container_objects(struct rc_inventory *inv, const struct rc_inventory_source *src,
			     struct rc_err *err)
{
	size_t i;

	for (i = 0; i < inv->n_containers; i++) {
		const struct rc_container *c = &inv->containers[i];
		struct rc_object *o = new_object(inv, src, RC_KIND_CONTAINER);
		int never = c->state && !strcmp(c->state, "created") && c->finished_at <= 0;

		o->object = c->id;
		o->ref_id = c->id;
		o->name = c->name ? c->name : "";
		o->labels = &c->labels;
		o->state = c->state;
		o->flags = RC_OBJ_AGE_IN_WHAT;
		o->created = c->created;
		o->last_used = c->finished_at > 0 ? c->finished_at : c->created;
		o->size = c->size_rw;
		o->reclaimable = c->size_rw > 0 ? c->size_rw : 0;
		o->started_at = c->started_raw;
		o->finished_at = c->finished_raw;
		o->what_tail = never ? ", never started" : NULL;
		if (one_ref(o, c->name, err) < 0 || !(o->what = strdup(never	  ? "created"
								       : c->state ? c->state
										  : ""))) {
			return rc_err_nomem(err);
		}
		if (!stopped(c->state)) {
			/* running, paused, restarting, removing: used now */
			o->flags |= RC_OBJ_USED_NOW;
			o->last_used = 0;
			o->protect_rule = "running";
			o->protect_reason =
			    strdup(c->state && c->state[0] ? c->state : "state unknown");
			if (!o->protect_reason)
				return rc_err_nomem(err);
		}
	}
	return 0;
}

/* ---- images ---------------------------------------------------------------- */

/* 0 running, 1 paused/restarting/removing, 2 stopped: the most telling user first. */
static int liveness(const struct rc_container *c)
{
	if (c->state && strcmp(c->state, "running") == 0)
		return 0;
	return stopped(c->state) ? 2 : 1;
}

/* Users of an image, the one its reason names first: the liveliest, then
 * by name, then by ID. arg: the containers. */
static int cmp_image_user(const void *pa, const void *pb, void *arg)
{
	const struct rc_container *cs = arg;
	size_t ia = ((const struct rc_use *)pa)->user, ib = ((const struct rc_use *)pb)->user;
	const struct rc_container *a = &cs[ia], *b = &cs[ib];
	int c;

	if (liveness(a) != liveness(b))
		return liveness(a) < liveness(b) ? -1 : 1;
	if ((c = strcmp(a->name ? a->name : "", b->name ? b->name : "")))
		return c;
	if ((c = strcmp(a->id ? a->id : "", b->id ? b->id : "")))
		return c;
	return ia < ib ? -1 : ia > ib;
}

/* Users of a network: by name, then in scan order. */
static int cmp_network_user(const void *pa, const void *pb, void *arg)
{
	const struct rc_container *cs = arg;
	size_t ia = ((const struct rc_use *)pa)->user, ib = ((const struct rc_use *)pb)->user;
	const struct rc_container *a = &cs[ia], *b = &cs[ib];
	int c = strcmp(a->name ? a->name : "", b->name ? b->name : "");

	if (c)
		return c;
	return ia < ib ? -1 : ia > ib;
}

/* The first image with this ID, or -1; ids is sorted. */
static long first_image(const struct index *ids, const char *id)
{
	size_t p;

	if (!id || !id[0])
		return -1;
	p = lower(ids->v, ids->n, id);
	return p < ids->n && !strcmp(ids->v[p].key, id) ? (long)ids->v[p].idx : -1;
}

/* Depth of every image: the ancestors found by following parent IDs (the
 * first image of each ID), at most n_images, so that a hostile parent cycle
 * ends. Each image is walked once. */
static int image_depths(const struct rc_inventory *inv, const struct index *ids, size_t *depth,
			struct rc_err *err)
{
	size_t n = inv->n_images, i;
	long *next = calloc(n + 1, sizeof(*next));
	size_t *len = calloc(n + 1, sizeof(*len)); /* chain length from an image on */
	unsigned char *mark = calloc(n + 1, 1); /* 1 on the path, 2 done */
	size_t *path = calloc(n + 1, sizeof(*path));
	int rc = -1;

	if (!next || !len || !mark || !path) {
		rc_err_nomem(err);
		goto out;
	}
	for (i = 0; i < n; i++)
		next[i] = first_image(ids, inv->images[i].parent_id);
	for (i = 0; i < n; i++) {
		size_t np = 0, base;
		long j = (long)i;

		while (j >= 0 && !mark[j]) {
			mark[j] = 1;
			path[np++] = (size_t)j;
			j = next[j];
		}
		/* a walk into its own path is a cycle: as long as allowed */
		base = j < 0 ? 0 : mark[j] == 1 ? n : len[j];
		while (np--) {
			base = base >= n ? n : base + 1;
			len[path[np]] = base;
			mark[path[np]] = 2;
		}
	}
	for (i = 0; i < n; i++)
		depth[i] = next[i] < 0 ? 0 : len[next[i]];
	rc = 0;
out:
	free(next);
	free(len);
	free(mark);
	free(path);
	return rc;
}

static int image_objects(struct rc_inventory *inv, const struct rc_inventory_source *src,
			 size_t first, struct rc_err *err)
{
	struct index ids = {NULL, 0};
	size_t cap = 0, i, k, *n_users = NULL, *depth = NULL;
	int rc = -1;

	for (i = 0; i < inv->n_images; i++)
		if (inv->images[i].id && index_add(&ids, &cap, inv->images[i].id, i, err) < 0)
			goto out;
	index_sort(&ids);
	n_users = calloc(inv->n_images + 1, sizeof(*n_users));
	depth = calloc(inv->n_images + 1, sizeof(*depth));
	if (!n_users || !depth) {
		rc_err_nomem(err);
		goto out;
	}
	if (image_depths(inv, &ids, depth, err) < 0)
		goto out;
	/* users: every container whose image ID is the image's */
	for (k = 0; k < inv->n_containers; k++) {
		const char *iid = inv->containers[k].image_id;
		size_t p;
		if (!iid)
			continue;
		for (p = lower(ids.v, ids.n, iid); p < ids.n && !strcmp(ids.v[p].key, iid); p++)
			n_users[ids.v[p].idx]++;
	}
	for (i = 0; i < inv->n_images; i++) {
		const struct rc_image *img = &inv->images[i];
		struct rc_object *o = new_object(inv, src, RC_KIND_IMAGE);
		int dangling = img->repo_tags.n == 0;
		const char *hid =
		    img->id && !strncmp(img->id, "sha256:", 7) ? img->id + 7 : img->id;

		o->object = img->id;
		o->ref_id = img->id;
		o->digests = &img->repo_digests;
		o->labels = &img->labels;
		o->flags = RC_OBJ_TAGS | RC_OBJ_PARTS | RC_OBJ_USERS_PRECOND;
		o->created = img->created;
		o->last_used = max64(img->created, img->last_tag_time);
		o->size = img->size;
		o->level = depth[i];
		if (img->repo_tags.n) {
			o->refs.v = malloc(img->repo_tags.n * sizeof(char *));
			if (!o->refs.v) {
				rc_err_nomem(err);
				goto out;
			}
			memcpy(o->refs.v, img->repo_tags.v, img->repo_tags.n * sizeof(char *));
			o->refs.n = img->repo_tags.n;
			qsort(o->refs.v, o->refs.n, sizeof(char *), cmp_str);
		}
		o->name = o->refs.n ? o->refs.v[0] : "";
		o->label = o->refs.n ? strdup(o->name) : rc_asprintf(err, "%.12s", hid ? hid : "");
		o->what = strdup(dangling ? "dangling, unused" : "unused");
		o->what_users = dangling ? "dangling, unused, only used by containers in this plan"
					 : "unused, only used by containers in this plan";
		o->unclaimed = dangling ? "no rule selects it (dangling)"
					: "no rule selects it (tagged; --images=unused to include)";
		if (!o->label || !o->what) {
			rc_err_nomem(err);
			goto out;
		}
		if (img->parent_id && img->parent_id[0]) {
			/* the first image of that ID, but never itself */
			size_t p = lower(ids.v, ids.n, img->parent_id);
			for (; p < ids.n && !strcmp(ids.v[p].key, img->parent_id); p++)
				if (ids.v[p].idx != i) {
					o->parent = (long)(first + ids.v[p].idx);
					break;
				}
		}
		if (n_users[i]) {
			o->users = calloc(n_users[i], sizeof(*o->users));
			if (!o->users) {
				rc_err_nomem(err);
				goto out;
			}
		}
		if (img->layers.n) {
			o->parts = calloc(img->layers.n, sizeof(*o->parts));
			if (!o->parts) {
				rc_err_nomem(err);
				goto out;
			}
			for (k = 0; k < img->layers.n; k++) {
				int64_t sz = img->layer_sizes ? img->layer_sizes[k] : -1;
				o->parts[k].key = rc_chain_id(k ? o->parts[k - 1].key : NULL,
							      img->layers.v[k], err);
				if (!o->parts[k].key)
					goto out;
				o->parts[k].size = sz > 0 ? sz : 0;
				o->n_parts++;
			}
		}
	}
	for (k = 0; k < inv->n_containers; k++) {
		const struct rc_container *c = &inv->containers[k];
		size_t p;
		if (!c->image_id)
			continue;
		for (p = lower(ids.v, ids.n, c->image_id);
		     p < ids.n && !strcmp(ids.v[p].key, c->image_id); p++) {
			struct rc_object *o = &inv->objects[first + ids.v[p].idx];
			o->users[o->n_users++].user = k;
			o->last_used = max64(o->last_used, c->created);
			o->last_used = max64(o->last_used, c->finished_at);
			if (c->state && !stopped(c->state))
				o->flags |= RC_OBJ_USED_NOW;
		}
	}
	for (i = 0; i < inv->n_images; i++) {
		const struct rc_image *img = &inv->images[i];
		struct rc_object *o = &inv->objects[first + i];
		if (o->n_users > 1)
			qsort_r(o->users, o->n_users, sizeof(*o->users), cmp_image_user,
				inv->containers);
		for (k = 0; k < o->n_users; k++) {
			const struct rc_container *c = &inv->containers[o->users[k].user];
			o->users[k].reason = rc_asprintf(err, "in use by %s container '%s'",
						 c->state && c->state[0] ? c->state : "a",
						 c->name ? c->name : c->id);
			if (!o->users[k].reason)
				goto out;
		}
		/* the engine counts more users than the container list showed:
		 * one was created after the list was read */
		if (img->containers > 0 && (size_t)img->containers > o->n_users) {
			o->protect_rule = "in-use";
			if (!(o->protect_reason = rc_asprintf(err, PER_ENGINE, (long long)img->containers)))
				goto out;
		}
	}
	rc = 0;
out:
	free(ids.v);
	free(n_users);
	free(depth);
	return rc;
}

/* ---- volumes, networks, build cache ------------------------------------------ */

static int volume_objects(struct rc_inventory *inv, const struct rc_inventory_source *src,
			  struct rc_err *err)
{
	struct index mounts = {NULL, 0};
	size_t cap = 0, i, j;
	int rc = -1;

	for (i = 0; i < inv->n_containers; i++)
		for (j = 0; j < inv->containers[i].volumes.n; j++)
			if (index_add(&mounts, &cap, inv->containers[i].volumes.v[j], i, err) < 0)
				goto out;
	index_sort(&mounts);
	for (i = 0; i < inv->n_volumes; i++) {
		const struct rc_volume *v = &inv->volumes[i];
		struct rc_object *o = new_object(inv, src, RC_KIND_VOLUME);
		const struct rc_container *user = NULL;
		const char *hint =
		    v->anonymous ? "no rule selects it (anonymous; --volumes=anonymous to include)"
				 : "no rule selects it (named; --volumes=all to include)";
		size_t p;

		o->object = v->name;
		o->name = v->name;
		o->labels = &v->labels;
		o->flags = RC_OBJ_DATA | (v->anonymous ? 0 : RC_OBJ_RESERVED);
		o->created = v->created;
		o->last_used = v->created;
		o->size = v->size;
		o->reclaimable = v->size > 0 ? v->size : 0;
		o->unclaimed = hint;
		o->passed_over = hint;
		if (!(o->what = strdup(v->anonymous ? "anonymous, unused" : "named, unused"))) {
			rc_err_nomem(err);
			goto out;
		}
		/* mounted by any container, even one this plan deletes */
		for (p = v->name ? lower(mounts.v, mounts.n, v->name) : mounts.n;
		     p < mounts.n && !strcmp(mounts.v[p].key, v->name); p++) {
			const struct rc_container *c = &inv->containers[mounts.v[p].idx];
			if (!user ||
			    strcmp(c->name ? c->name : "", user->name ? user->name : "") < 0)
				user = c;
		}
		if (user) {
			o->protect_rule = "in-use";
			o->protect_reason = rc_asprintf(err, "mounted by container '%s'",
						user->name ? user->name : user->id);
		} else if (v->ref_count > 0) {
			/* the daemon's own count (/system/df) also sees containers
			 * made after the container list was read */
			o->protect_rule = "in-use";
			o->protect_reason = rc_asprintf(err, PER_ENGINE, (long long)v->ref_count);
		}
		if (o->protect_rule && !o->protect_reason)
			goto out;
	}
	rc = 0;
out:
	free(mounts.v);
	return rc;
}

static int network_objects(struct rc_inventory *inv, const struct rc_inventory_source *src,
			   struct rc_err *err)
{
	struct index att = {NULL, 0};
	size_t cap = 0, i, j;
	int rc = -1;

	for (i = 0; i < inv->n_containers; i++)
		for (j = 0; j < inv->containers[i].networks.n; j++)
			if (index_add(&att, &cap, inv->containers[i].networks.v[j], i, err) < 0)
				goto out;
	index_sort(&att);
	for (i = 0; i < inv->n_networks; i++) {
		const struct rc_network *n = &inv->networks[i];
		struct rc_object *o = new_object(inv, src, RC_KIND_NETWORK);
		const char *keys[2] = {n->id, n->name};
		size_t p, k;

		o->object = n->id;
		o->ref_id = n->id;
		o->name = n->name ? n->name : "";
		o->labels = &n->labels;
		o->created = n->created;
		o->last_used = n->created;
		o->size = 0;
		o->what_users = "unused once containers in this plan go";
		if (one_ref(o, n->name, err) < 0)
			goto out;
		if (!(o->what = strdup("unused custom network"))) {
			rc_err_nomem(err);
			goto out;
		}
		if (n->predefined) {
			o->protect_rule = "predefined";
			o->protect_reason = strdup("predefined network");
		} else if ((n->scope && strcmp(n->scope, "swarm") == 0) ||
			   (n->name && (strcmp(n->name, "ingress") == 0 ||
					strcmp(n->name, "docker_gwbridge") == 0))) {
			/* swarm networks and the gateway bridge carry service
			 * tasks and gateway sandboxes that no container list
			 * shows; docker network prune leaves them to the swarm */
			o->protect_rule = "predefined";
			o->protect_reason = strdup("swarm network: managed by the swarm");
		}
		if (o->protect_rule) {
			if (!o->protect_reason) {
				rc_err_nomem(err);
				goto out;
			}
			continue; /* protected whoever uses it: no users to list */
		}
		/* attached containers, by ID or by name */
		for (k = 0; k < 2; k++)
			for (p = keys[k] ? lower(att.v, att.n, keys[k]) : att.n;
			     p < att.n && !strcmp(att.v[p].key, keys[k]); p++) {
				struct rc_use *u = realloc(o->users, (o->n_users + 1) * sizeof(*u));
				if (!u) {
					rc_err_nomem(err);
					goto out;
				}
				o->users = u;
				o->users[o->n_users].user = att.v[p].idx;
				o->users[o->n_users++].reason = NULL;
			}
		if (o->n_users > 1) {
			size_t w = 1;
			qsort_r(o->users, o->n_users, sizeof(*o->users), cmp_network_user,
				inv->containers);
			for (k = 1; k < o->n_users; k++) /* attached by ID and by name */
				if (o->users[k].user != o->users[w - 1].user)
					o->users[w++] = o->users[k];
			o->n_users = w;
		}
		for (k = 0; k < o->n_users; k++) {
			const struct rc_container *c = &inv->containers[o->users[k].user];
			o->users[k].reason =
			    rc_asprintf(err, "in use by container '%s'", c->name ? c->name : c->id);
			if (!o->users[k].reason)
				goto out;
		}
	}
	rc = 0;
out:
	free(att.v);
	return rc;
}

/* The build-cache record types buildkit's default prune leaves alone. */
static int cache_private(const struct rc_build_cache *bc)
{
	if (bc->shared)
		return 0;
	return !bc->type || (strcmp(bc->type, "internal") && strcmp(bc->type, "frontend"));
}

static int build_cache_objects(struct rc_inventory *inv, const struct rc_inventory_source *src,
			       struct rc_err *err)
{
	size_t i;

	for (i = 0; i < inv->n_build_cache; i++) {
		const struct rc_build_cache *bc = &inv->build_cache[i];
		struct rc_object *o = new_object(inv, src, RC_KIND_BUILD_CACHE);

		o->object = bc->id;
		o->ref_id = bc->id;
		o->name = "";
		o->flags = cache_private(bc) ? 0 : RC_OBJ_RESERVED;
		o->created = bc->created;
		o->last_used = max64(bc->created, bc->last_used);
		o->size = bc->size;
		o->reclaimable = bc->size > 0 ? bc->size : 0;
		o->usage_count = bc->usage_count;
		o->passed_over = bc->shared ? "no rule selects it (shared; build_cache \"all\" to "
					      "include)"
					    : "no rule selects it (internal record; build_cache "
					      "\"all\" to include)";
		o->what = rc_asprintf(err, "unused build cache (%s)",
			      bc->type && bc->type[0] ? bc->type : "regular");
		if (!o->what)
			return -1;
		if (bc->in_use) {
			o->protect_rule = "in-use";
			if (!(o->protect_reason = strdup("in use by a build")))
				return rc_err_nomem(err);
		}
	}
	return 0;
}

int rc_engine_objects(struct rc_inventory *inv, const char *name, struct rc_err *err)
{
	const struct rc_engine_info *e = &inv->engine;
	struct rc_inventory_source *src;
	size_t total = inv->n_containers + inv->n_images + inv->n_volumes + inv->n_networks +
		       inv->n_build_cache;
	size_t base = inv->n_objects, i, k;

	src = rc_inventory_add_source(inv, name, "engine", e->endpoint, err);
	if (!src || rc_inventory_source_set(src, "id", e->id, err) < 0 ||
	    rc_inventory_source_set(src, "name", e->name, err) < 0 ||
	    rc_inventory_source_set(src, "api_version", e->api_version, err) < 0 ||
	    (e->system_time && rc_inventory_source_set(src, "clock", e->system_time, err) < 0) ||
	    rc_inventory_reserve_objects(inv, total, err) < 0 ||
	    container_objects(inv, src, err) < 0 ||
	    image_objects(inv, src, base + inv->n_containers, err) < 0 ||
	    volume_objects(inv, src, err) < 0 || network_objects(inv, src, err) < 0 ||
	    build_cache_objects(inv, src, err) < 0) {
		rc_inventory_clear_objects(inv);
		return -1;
	}
	/* users were built as container indexes; the containers are the
	 * objects from base on */
	for (i = base; base && i < inv->n_objects; i++)
		for (k = 0; k < inv->objects[i].n_users; k++)
			inv->objects[i].users[k].user += base;
	return 0;
}
