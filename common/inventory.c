/* inventory.c: lifetime and lookups of the inventory model. */
#include <stdlib.h>
#include <string.h>

#include "inventory.h"

void rc_inventory_init(struct rc_inventory *inv)
{
	memset(inv, 0, sizeof(*inv));
	inv->layers_size = -1;
}

void rc_labels_release(struct rc_labels *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].value);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void engine_info_release(struct rc_engine_info *e)
{
	free(e->id);
	free(e->name);
	free(e->server_version);
	free(e->api_version);
	free(e->endpoint);
	free(e->system_time);
	memset(e, 0, sizeof(*e));
}

static void object_release(struct rc_object *o)
{
	size_t i;

	free(o->label);
	free(o->refs.v);
	free(o->protect_reason);
	for (i = 0; i < o->n_users; i++)
		free(o->users[i].reason);
	free(o->users);
	for (i = 0; i < o->n_parts; i++)
		free(o->parts[i].key);
	free(o->parts);
	free(o->what);
	free(o->members);
	free(o->holders);
}

void rc_inventory_clear_objects(struct rc_inventory *inv)
{
	size_t i;

	for (i = 0; i < inv->n_objects; i++)
		object_release(&inv->objects[i]);
	free(inv->objects);
	inv->objects = NULL;
	inv->n_objects = 0;
	for (i = 0; i < inv->n_owned; i++)
		free(inv->owned[i]);
	free(inv->owned);
	inv->owned = NULL;
	inv->n_owned = 0;
	for (i = 0; i < inv->n_sources; i++) {
		free(inv->sources[i].name);
		free(inv->sources[i].type);
		free(inv->sources[i].endpoint);
		rc_labels_release(&inv->sources[i].identity);
	}
	free(inv->sources);
	inv->sources = NULL;
	inv->n_sources = 0;
}

struct rc_inventory_source *rc_inventory_add_source(struct rc_inventory *inv, const char *name,
						    const char *type, const char *endpoint,
						    struct rc_err *err)
{
	struct rc_inventory_source *v, *src;

	v = realloc(inv->sources, (inv->n_sources + 1) * sizeof(*v));
	if (!v) {
		rc_err_nomem(err);
		return NULL;
	}
	inv->sources = v;
	src = &v[inv->n_sources];
	memset(src, 0, sizeof(*src));
	src->name = strdup(name);
	src->type = strdup(type);
	src->endpoint = strdup(endpoint ? endpoint : "");
	if (!src->name || !src->type || !src->endpoint) {
		free(src->name);
		free(src->type);
		free(src->endpoint);
		rc_err_nomem(err);
		return NULL;
	}
	inv->n_sources++;
	return src;
}

int rc_inventory_source_set(struct rc_inventory_source *src, const char *key, const char *value,
			    struct rc_err *err)
{
	struct rc_label *v = realloc(src->identity.v, (src->identity.n + 1) * sizeof(*v));

	if (!v)
		return rc_err_nomem(err);
	src->identity.v = v;
	v[src->identity.n].key = strdup(key);
	v[src->identity.n].value = strdup(value ? value : "");
	if (!v[src->identity.n].key || !v[src->identity.n].value) {
		free(v[src->identity.n].key);
		free(v[src->identity.n].value);
		return rc_err_nomem(err);
	}
	src->identity.n++;
	return 0;
}

void *rc_inventory_own(struct rc_inventory *inv, void *p, struct rc_err *err)
{
	void **v;

	if (!p) {
		rc_err_nomem(err);
		return NULL;
	}
	/* capacity implied by the count: 16, then powers of two */
	if (inv->n_owned == 0 || (inv->n_owned >= 16 && !(inv->n_owned & (inv->n_owned - 1)))) {
		size_t cap = inv->n_owned ? inv->n_owned * 2 : 16;
		v = realloc(inv->owned, cap * sizeof(*v));
		if (!v) {
			free(p);
			rc_err_nomem(err);
			return NULL;
		}
		inv->owned = v;
	}
	inv->owned[inv->n_owned++] = p;
	return p;
}

int rc_inventory_reserve_objects(struct rc_inventory *inv, size_t n, struct rc_err *err)
{
	struct rc_object *v;

	if (n > ((size_t)-1) / sizeof(*v) - inv->n_objects - 1)
		return rc_err_nomem(err);
	v = realloc(inv->objects, (inv->n_objects + n + 1) * sizeof(*v));
	if (!v)
		return rc_err_nomem(err);
	memset(v + inv->n_objects, 0, (n + 1) * sizeof(*v));
	inv->objects = v;
	return 0;
}

void rc_inventory_release(struct rc_inventory *inv)
{
	size_t i;

	if (!inv)
		return;
	rc_inventory_clear_objects(inv);
	engine_info_release(&inv->engine);
	for (i = 0; i < inv->n_images; i++) {
		struct rc_image *m = &inv->images[i];
		free(m->id);
		free(m->parent_id);
		rc_strv_release(&m->repo_tags);
		rc_strv_release(&m->repo_digests);
		rc_strv_release(&m->layers);
		free(m->layer_sizes);
		rc_labels_release(&m->labels);
	}
	free(inv->images);
	for (i = 0; i < inv->n_containers; i++) {
		struct rc_container *c = &inv->containers[i];
		free(c->id);
		free(c->name);
		free(c->image);
		free(c->image_id);
		free(c->state);
		free(c->started_raw);
		free(c->finished_raw);
		rc_labels_release(&c->labels);
		rc_strv_release(&c->volumes);
		rc_strv_release(&c->networks);
	}
	free(inv->containers);
	for (i = 0; i < inv->n_volumes; i++) {
		free(inv->volumes[i].name);
		free(inv->volumes[i].driver);
		rc_labels_release(&inv->volumes[i].labels);
	}
	free(inv->volumes);
	for (i = 0; i < inv->n_networks; i++) {
		struct rc_network *n = &inv->networks[i];
		free(n->id);
		free(n->name);
		free(n->driver);
		free(n->scope);
		rc_labels_release(&n->labels);
	}
	free(inv->networks);
	for (i = 0; i < inv->n_build_cache; i++) {
		free(inv->build_cache[i].id);
		free(inv->build_cache[i].type);
		free(inv->build_cache[i].description);
	}
	free(inv->build_cache);
	rc_inventory_init(inv);
}

const struct rc_image *rc_inventory_image(const struct rc_inventory *inv, const char *id)
{
	size_t i;

	if (!inv || !id)
		return NULL;
	for (i = 0; i < inv->n_images; i++)
		if (inv->images[i].id && strcmp(inv->images[i].id, id) == 0)
			return &inv->images[i];
	return NULL;
}

const char *rc_labels_get(const struct rc_labels *l, const char *key)
{
	size_t i;

	if (!l || !key)
		return NULL;
	for (i = 0; i < l->n; i++)
		if (l->v[i].key && strcmp(l->v[i].key, key) == 0)
			return l->v[i].value ? l->v[i].value : "";
	return NULL;
}

int rc_index_push(size_t **v, size_t *n, size_t x, struct rc_err *err)
{
	size_t *nv = realloc(*v, (*n + 1) * sizeof(*nv));

	if (!nv)
		return rc_err_nomem(err);
	*v = nv;
	(*v)[(*n)++] = x;
	return 0;
}
