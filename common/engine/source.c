/* source.c: the Docker Engine as a source (source.h): its operations table.
 *
 * The open source keeps, for an apply, what re-checks share across items:
 * the event log since planning, the one /system/df read for volume sizes,
 * and the containers this run removed (`gone`, fed by settled), which no
 * longer count as users of images, volumes and networks. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "delete.h"
#include "engine.h"
#include "events.h"
#include "items.h"
#include "log.h"
#include "objects.h"
#include "recheck.h"
#include "source.h"
#include "units.h"

struct engine_source {
	struct rc_engine *e;
	char *name; /* the plan's name for this source */
	struct rc_inventory inv; /* only its engine info is used */
	struct rc_engine_check_ctx ctx;
	struct rc_strv gone; /* containers settled in this run */
	const struct rc_apply_env *env; /* the executor's, from begin */
};

static struct engine_source *engine_of(struct rc_source *s)
{
	return (struct engine_source *)s;
}

static const enum rc_kind engine_kinds[] = {RC_KIND_CONTAINER, RC_KIND_IMAGE, RC_KIND_VOLUME,
					    RC_KIND_NETWORK, RC_KIND_BUILD_CACHE};

/* An image with several tags loses all but its last by name first. */
static const char *const engine_steps[] = {"untag", NULL};

static struct rc_source *engine_open(const struct rc_source_opts *o, struct rc_err *err)
{
	struct engine_source *es = calloc(1, sizeof(*es));

	if (!es) {
		rc_err_nomem(err);
		return NULL;
	}
	rc_inventory_init(&es->inv);
	es->e = rc_engine_new(o->url, o->read_only, o->timeout_ms, err);
	es->name = es->e ? strdup(o->name ? o->name : "engine") : NULL;
	if (!es->e || !es->name) {
		if (es->e)
			rc_err_nomem(err);
		rc_engine_free(es->e);
		rc_inventory_release(&es->inv);
		free(es);
		return NULL;
	}
	return (struct rc_source *)es;
}

static void engine_free(struct rc_source *s)
{
	struct engine_source *es = engine_of(s);

	if (!es)
		return;
	rc_engine_check_ctx_release(&es->ctx);
	rc_engine_events_free(es->ctx.ev);
	rc_strv_release(&es->gone);
	rc_engine_free(es->e);
	rc_inventory_release(&es->inv);
	free(es->name);
	free(es);
}

static int engine_connect(struct rc_source *s, struct rc_err *err)
{
	struct engine_source *es = engine_of(s);

	return rc_engine_connect(es->e, &es->inv.engine, err);
}

/* rc_engine_scan connects itself, into inv->engine: the inventory's info is
 * the one the plan records. Then the scan becomes generic objects, with the
 * engine's facts (objects.h). */
static int engine_scan(struct rc_source *s, struct rc_inventory *inv, struct rc_err *err)
{
	struct engine_source *es = engine_of(s);

	if (rc_engine_scan(es->e, inv, err) < 0 || rc_engine_objects(inv, es->name, err) < 0)
		return -1;
	rc_log_verbose("scanned engine '%s': %zu images, %zu containers, %zu volumes, %zu "
		       "networks, %zu build-cache records",
		       es->name, inv->n_images, inv->n_containers, inv->n_volumes,
		       inv->n_networks, inv->n_build_cache);
	return 0;
}

static int engine_describe(struct rc_source *s, struct rc_plan_source *out, struct rc_err *err)
{
	const struct rc_engine_info *info = &engine_of(s)->inv.engine;
	cJSON *id = cJSON_CreateObject();
	char *ep = strdup(info->endpoint ? info->endpoint : "");

	if (!id || !ep || !cJSON_AddStringToObject(id, "id", info->id ? info->id : "") ||
	    !cJSON_AddStringToObject(id, "name", info->name ? info->name : "") ||
	    !cJSON_AddStringToObject(id, "api_version",
				     info->api_version ? info->api_version : "") ||
	    (info->system_time && !cJSON_AddStringToObject(id, "clock", info->system_time))) {
		cJSON_Delete(id);
		free(ep);
		return rc_err_nomem(err);
	}
	free(out->endpoint);
	cJSON_Delete(out->identity);
	out->endpoint = ep;
	out->identity = id;
	return 0;
}

static int engine_begin(struct rc_source *s, const struct rc_plan_source *planned,
			const struct rc_apply_env *env, struct rc_err *err)
{
	struct engine_source *es = engine_of(s);
	const struct rc_engine_info *info = &es->inv.engine;

	if (rc_engine_verify(planned, info, err) < 0)
		return -1;
	es->env = env;
	memset(&es->ctx, 0, sizeof(es->ctx));
	es->ctx.e = es->e;
	es->ctx.gone = &es->gone;
	es->ctx.since_ns = rc_engine_plan_since_ns(planned);
	if (info->system_time_ns > 0) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		es->ctx.clock_offset_ns =
		    info->system_time_ns - ((int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec);
	}
	if (!(es->ctx.ev = rc_engine_events_new(es->ctx.since_ns)))
		return rc_err_nomem(err);
	return 0;
}

static int engine_recheck(struct rc_source *s, const struct rc_plan_item *it, enum rc_check *res,
			  char *reason, size_t reasonsz, struct rc_err *err)
{
	struct engine_source *es = engine_of(s);
	const struct rc_apply_env *env = es->env;
	const struct rc_strv *untagged =
	    env && env->steps_done ? env->steps_done(env->arg, it, "untag") : NULL;

	return rc_engine_recheck(&es->ctx, it, untagged, res, reason, reasonsz, err);
}

static int engine_remove(struct rc_source *s, const struct rc_plan_item *it, enum rc_removal *res,
			 char *reason, size_t reasonsz, struct rc_err *err)
{
	struct engine_source *es = engine_of(s);

	return rc_engine_delete(es->e, es->env, it, res, reason, reasonsz, err);
}

static int engine_settled(struct rc_source *s, const struct rc_plan_item *it, struct rc_err *err)
{
	if (it->kind != RC_KIND_CONTAINER)
		return 0;
	return rc_strv_push(&engine_of(s)->gone, it->object, err);
}

const struct rc_source_ops rc_engine_source_ops = {
    .type = "engine",
    .kinds = engine_kinds,
    .n_kinds = sizeof(engine_kinds) / sizeof(engine_kinds[0]),
    .frees_at_once = 1,
    .steps = engine_steps,
    .check_item = rc_engine_check_item,
    .source_title = rc_engine_source_title,
    .object_label = rc_engine_object_label,
    .open = engine_open,
    .connect = engine_connect,
    .scan = engine_scan,
    .describe = engine_describe,
    .begin = engine_begin,
    .recheck = engine_recheck,
    .remove = engine_remove,
    .settled = engine_settled,
    .free = engine_free,
};
