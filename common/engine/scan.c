/* scan.c: the planner's full read-only scan of an engine into the inventory.
 *
 * Lists, then per-object answers in parallel windows, then per-layer sizes;
 * the answers are parsed by parse.c. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "engine.h"
#include "hex.h"
#include "layers.h"
#include "log.h"
#include "units.h"

static int is_running(const char *state)
{
	return state && (strcmp(state, "running") == 0 || strcmp(state, "paused") == 0 ||
			 strcmp(state, "restarting") == 0);
}

/* The scan needs two requests per image and one per stopped container. One
 * connection at a time spends the scan waiting, so requests go out in
 * windows of SCAN_WINDOW, SCAN_PARALLEL at a time; the window bounds how many
 * answers are held in memory. /system/df, the slowest call (the daemon walks
 * every layer and container), rides in the first window so that it overlaps
 * the per-object requests. */
#define SCAN_WINDOW 128
#define SCAN_PARALLEL 4

enum work_kind { W_DF, W_INSPECT, W_CONTAINER };

struct work {
	enum work_kind kind;
	size_t idx;
};

/* Interprets one answer: 1 found, 0 vanished since listed (404), -1 error. */
static int window_answer(struct rc_engine *e, const char *path, const struct rc_http_resp *resp,
			 struct rc_err *err)
{
	if (resp->status == 404)
		return 0;
	if (rc_http_check_ok(path, resp, err) == 0)
		return 1;
	return rc_err_prefix(err, "engine '%s'", rc_http_endpoint(rc_engine_http(e)));
}


/* IDs from the engine go into request paths: accept only their exact form
 * ("sha256:" + 64 hex for images, 64 hex for containers), so that a hostile
 * or broken daemon cannot turn one GET into another. */
static int exact_id(const char *id, int image)
{
	if (image) {
		if (strncmp(id, "sha256:", 7) != 0)
			return 0;
		id += 7;
	}
	return rc_is_hex(id, 64);
}

static int bad_id(const char *what, const char *id, struct rc_err *err)
{
	char q[128];

	rc_sanitize(q, sizeof(q), id);
	return rc_err_set(err, RC_ERR_PROTOCOL, "malformed %s answer: '%s' is not an exact ID", what,
			  q);
}

static int handle_answer(struct rc_engine *e, struct rc_inventory *inv, const struct work *w,
			 const char *path, const struct rc_http_resp *r, struct rc_http_resp *df,
			 struct rc_err *err)
{
	struct rc_image *m = w->kind == W_INSPECT ? &inv->images[w->idx] : NULL;
	int found;

	if (w->kind == W_DF) {
		if (rc_http_check_ok(path, r, err) < 0)
			return rc_err_prefix(err, "engine '%s'", rc_http_endpoint(rc_engine_http(e)));
		/* kept until the lists are complete: it fills sizes into them */
		rc_http_resp_release(df);
		*df = *r;
		return 1; /* ownership moved */
	}
	found = window_answer(e, path, r, err);
	if (found <= 0)
		return found;
	switch (w->kind) {
	case W_INSPECT:
		if (rc_engine_parse_image_inspect(r->body.data, r->body.len, m, err) < 0)
			return rc_err_prefix(err, "image '%s'", m->id);
		break;
	case W_CONTAINER:
		if (rc_engine_parse_container_inspect(r->body.data, r->body.len,
						      &inv->containers[w->idx], err) < 0)
			return -1;
		break;
	case W_DF:
		break;
	}
	return 0;
}

static int scan_objects(struct rc_engine *e, struct rc_inventory *inv, struct rc_http_resp *df,
			struct rc_err *err)
{
	char *paths[SCAN_WINDOW] = {NULL};
	const char *pp[SCAN_WINDOW];
	struct work wk[SCAN_WINDOW];
	struct rc_http_resp rs[SCAN_WINDOW];
	size_t total = 1 + inv->n_images + inv->n_containers;
	size_t pos = 0, done = 0, k, n = 0;
	int ret = -1;

	while (pos < total) {
		size_t w = 0;

		for (; pos < total && w < SCAN_WINDOW; pos++) {
			struct rc_engine_req req = {0};
			struct work *x = &wk[w];

			if (pos == 0) {
				x->kind = W_DF;
				x->idx = 0;
				req.path = "/system/df";
			} else if (pos <= inv->n_images) {
				x->idx = pos - 1;
				x->kind = W_INSPECT;
				if (!exact_id(inv->images[x->idx].id, 1)) {
					bad_id("/images/json", inv->images[x->idx].id, err);
					goto out;
				}
				req = (struct rc_engine_req){.path = "/images/",
							     .object = inv->images[x->idx].id,
							     .tail = "/json"};
			} else {
				x->idx = pos - 1 - inv->n_images;
				x->kind = W_CONTAINER;
				/* only stopped containers have a finish time to read */
				if (is_running(inv->containers[x->idx].state))
					continue;
				if (!exact_id(inv->containers[x->idx].id, 0)) {
					bad_id("/containers/json", inv->containers[x->idx].id, err);
					goto out;
				}
				req = (struct rc_engine_req){.path = "/containers/",
							     .object = inv->containers[x->idx].id,
							     .tail = "/json"};
			}
			if (!(paths[w] = rc_engine_path(e, &req, err)))
				goto out;
			pp[w] = paths[w];
			w++;
		}
		if (!w)
			break;
		rc_progress("scanning", done, total);
		n = w;
		if (rc_http_get_many(rc_engine_http(e), pp, n, SCAN_PARALLEL, rs, err) < 0)
			goto out;
		for (k = 0; k < w; k++) {
			int r = handle_answer(e, inv, &wk[k], pp[k], &rs[k], df, err);

			if (r < 0)
				goto out;
			if (r == 1)
				rc_http_resp_init(&rs[k]); /* moved into *df */
		}
		for (k = 0; k < n; k++)
			rc_http_resp_release(&rs[k]);
		n = 0;
		done = pos;
		for (k = 0; k < w; k++) {
			free(paths[k]);
			paths[k] = NULL;
		}
	}
	rc_progress_done();
	ret = 0;
out:
	for (k = 0; k < n; k++)
		rc_http_resp_release(&rs[k]);
	for (k = 0; k < SCAN_WINDOW; k++)
		free(paths[k]);
	return ret;
}

/* Per-layer sizes: the history of just the images the layer solver asks
 * for (see layers.h), window by window, until it has learnt what it can. */
static int scan_layer_sizes(struct rc_engine *e, struct rc_inventory *inv, struct rc_err *err)
{
	char *paths[SCAN_WINDOW] = {NULL};
	const char *pp[SCAN_WINDOW];
	size_t need[SCAN_WINDOW];
	struct rc_http_resp rs[SCAN_WINDOW];
	struct rc_layer_solver *sv = rc_layer_solver_new(inv, err);
	size_t k, n = 0, n_need;
	int ret = -1;

	if (!sv)
		return -1;
	if (inv->engine.containerd_store)
		rc_layer_solver_set_derive(sv, 0);
	for (;;) {
		if (rc_layer_solver_step(sv, need, SCAN_WINDOW, &n_need, err) < 0)
			goto out;
		if (!n_need)
			break;
		for (k = 0; k < n_need; k++) {
			free(paths[k]);
			paths[k] = rc_engine_path(
			    e,
			    &(struct rc_engine_req){.path = "/images/",
						    .object = inv->images[need[k]].id,
						    .tail = "/history"},
			    err);
			if (!paths[k])
				goto out;
			pp[k] = paths[k];
		}
		n = n_need;
		if (rc_http_get_many(rc_engine_http(e), pp, n, SCAN_PARALLEL, rs, err) < 0)
			goto out;
		for (k = 0; k < n_need; k++) {
			struct rc_image *m = &inv->images[need[k]];
			int r = window_answer(e, pp[k], &rs[k], err);

			if (r < 0)
				goto out;
			if (r > 0 &&
			    rc_engine_parse_image_history(rs[k].body.data, rs[k].body.len, m, err) < 0) {
				rc_err_prefix(err, "image '%s'", m->id);
				goto out;
			}
			rc_layer_solver_fetched(sv, need[k]);
		}
		for (k = 0; k < n; k++)
			rc_http_resp_release(&rs[k]);
		n = 0;
	}
	ret = 0;
out:
	for (k = 0; k < n; k++)
		rc_http_resp_release(&rs[k]);
	for (k = 0; k < SCAN_WINDOW; k++)
		free(paths[k]);
	rc_layer_solver_free(sv);
	return ret;
}

/* Containers of stopped old engines name networks instead of giving IDs. */
static void resolve_networks(struct rc_inventory *inv)
{
	size_t i, j, k;

	for (i = 0; i < inv->n_containers; i++) {
		struct rc_strv *nv = &inv->containers[i].networks;

		for (j = 0; j < nv->n; j++) {
			for (k = 0; k < inv->n_networks; k++) {
				const struct rc_network *n = &inv->networks[k];

				if (strcmp(nv->v[j], n->name) == 0 &&
				    strcmp(nv->v[j], n->id) != 0) {
					char *id = strdup(n->id);
					if (id) {
						free(nv->v[j]);
						nv->v[j] = id;
					}
					break;
				}
			}
		}
	}
}

/* Every container must name its image by ID: the planner decides "in use"
 * by ID, and a container whose image it cannot tell would make that image
 * look unused. ImageID is optional in the API; fall back to the reference
 * the container was created from (an ID, an ID prefix, or a tag), and fail
 * the scan rather than guess. */
static int resolve_container_images(struct rc_inventory *inv, struct rc_err *err)
{
	size_t i, k, t;

	for (i = 0; i < inv->n_containers; i++) {
		struct rc_container *c = &inv->containers[i];
		const char *ref = c->image ? c->image : "";
		const char *found = NULL;
		char q[128];

		if (c->image_id && c->image_id[0])
			continue;
		for (k = 0; k < inv->n_images && !found; k++) {
			const struct rc_image *m = &inv->images[k];
			const char *hex = strncmp(m->id, "sha256:", 7) == 0 ? m->id + 7 : m->id;
			const char *rhex = strncmp(ref, "sha256:", 7) == 0 ? ref + 7 : ref;

			if (strlen(rhex) >= 12 && strncmp(hex, rhex, strlen(rhex)) == 0)
				found = m->id;
			for (t = 0; t < m->repo_tags.n && !found; t++)
				if (strcmp(m->repo_tags.v[t], ref) == 0)
					found = m->id;
		}
		rc_sanitize(q, sizeof(q), c->id);
		if (!found)
			return rc_err_set(err, RC_ERR_PROTOCOL,
					  "container '%s' names no image ID, and its image cannot be "
					  "found: refusing to guess which images are in use",
					  q);
		free(c->image_id);
		if (!(c->image_id = strdup(found)))
			return rc_err_nomem(err);
	}
	return 0;
}

int rc_engine_scan(struct rc_engine *e, struct rc_inventory *inv, struct rc_err *err)
{
	struct rc_engine_req lists[] = {{.path = "/images/json"},
					{.path = "/containers/json", .query = "all=1"},
					{.path = "/volumes"},
					{.path = "/networks"}};
	char *paths[4] = {NULL};
	const char *pp[4];
	struct rc_http_resp rs[4], df;
	size_t i, n = 0;
	int ret = -1;

	rc_http_resp_init(&df);
	if (rc_engine_connect(e, &inv->engine, err) < 0)
		goto out;
	if (rc_engine_images_shared_size(e))
		lists[0].query = "shared-size=1";
	for (i = 0; i < 4; i++) {
		if (!(paths[i] = rc_engine_path(e, &lists[i], err)))
			goto out;
		pp[i] = paths[i];
	}
	n = 4;
	if (rc_http_get_many(rc_engine_http(e), pp, n, 4, rs, err) < 0)
		goto out;
	for (i = 0; i < 4; i++)
		if (rc_http_check_ok(pp[i], &rs[i], err) < 0) {
			rc_err_prefix(err, "engine '%s'", rc_http_endpoint(rc_engine_http(e)));
			goto out;
		}
	if (rc_engine_parse_images(rs[0].body.data, rs[0].body.len, rc_engine_api_version(e), inv, err) < 0 ||
	    rc_engine_parse_containers(rs[1].body.data, rs[1].body.len, rc_engine_api_version(e), inv, err) < 0 ||
	    rc_engine_parse_volumes(rs[2].body.data, rs[2].body.len, inv, err) < 0 ||
	    rc_engine_parse_networks(rs[3].body.data, rs[3].body.len, inv, err) < 0)
		goto out;
	for (i = 0; i < n; i++)
		rc_http_resp_release(&rs[i]);
	n = 0;
	if (scan_objects(e, inv, &df, err) < 0 || scan_layer_sizes(e, inv, err) < 0 ||
	    rc_engine_parse_df(df.body.data, df.body.len, rc_engine_api_version(e), inv, err) < 0)
		goto out;
	resolve_networks(inv);
	if (resolve_container_images(inv, err) < 0)
		goto out;
	ret = 0;
out:
	for (i = 0; i < n; i++)
		rc_http_resp_release(&rs[i]);
	for (i = 0; i < 4; i++)
		free(paths[i]);
	rc_http_resp_release(&df);
	rc_progress_done();
	return ret;
}
