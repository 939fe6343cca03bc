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
#include "recheck.h"
#include "source.h"
#include "units.h"

struct engine_source {
	struct rc_engine *e;
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

static int lower_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[n] == '\0';
}

/* 1 when s is the exact identity of an object of kind k (docs/plan-format.md):
 * image sha256:<64 hex>, container and network 64 lower-case hex, volume
 * docker's rule for names with at most 255 characters (what a re-check puts
 * into a path, rc_engine_object_safe), build-cache [a-z0-9]+ (what a prune
 * filter may carry, rc_engine_build_cache_id_ok). */
static int exact_identity(enum rc_kind k, const char *s)
{
	size_t i;

	switch (k) {
	case RC_KIND_IMAGE:
		return strncmp(s, "sha256:", 7) == 0 && lower_hex(s + 7, 64);
	case RC_KIND_CONTAINER:
	case RC_KIND_NETWORK:
		return lower_hex(s, 64);
	case RC_KIND_VOLUME:
		for (i = 0; s[i]; i++)
			if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
			      (s[i] >= '0' && s[i] <= '9') ||
			      (i > 0 && (s[i] == '_' || s[i] == '.' || s[i] == '-'))))
				return 0;
		return i > 0 && i <= 255;
	case RC_KIND_BUILD_CACHE:
		return rc_engine_build_cache_id_ok(s);
	default:
		return 0;
	}
}

static const char *identity_rule(enum rc_kind k)
{
	switch (k) {
	case RC_KIND_IMAGE:
		return "sha256:<64 lower-case hex digits>";
	case RC_KIND_VOLUME:
		return "[a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 255 characters";
	case RC_KIND_BUILD_CACHE:
		return "[a-z0-9]+";
	default:
		return "64 lower-case hex digits";
	}
}

static int strv_has(const struct rc_strv *v, const char *s)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (strcmp(v->v[i], s) == 0)
			return 1;
	return 0;
}

/* 1 when every string of a is in b. */
static int strv_subset(const struct rc_strv *a, const struct rc_strv *b)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (!strv_has(b, a->v[i]))
			return 0;
	return 1;
}

/* The object's form, then its name and refs where the kind lets them be
 * checked against it: a volume's name (and any ref) is its object; an
 * image's name is one of its refs ("" when none) and a candidate's refs
 * are its preconditions.tags, as a set; a container's or network's refs are
 * its name (none when the name is ""), which the re-check compares with the
 * engine's. */
static int engine_check_item(const struct rc_plan_item *it, int candidate, struct rc_err *err)
{
	const char *kind = rc_kind_name(it->kind);
	const char *name = it->name ? it->name : "";
	char qn[300], qo[300];
	size_t i;

	rc_sanitize(qn, sizeof(qn), name);
	rc_sanitize(qo, sizeof(qo), it->object ? it->object : "");
	if ((unsigned)it->kind >= RC_KIND_COUNT)
		return rc_err_set(err, RC_ERR_PLAN, "kind: not a kind of an engine");
	if (!it->object || !exact_identity(it->kind, it->object))
		return rc_err_set(err, RC_ERR_PLAN, "object: '%s' is not an exact %s identity (%s)",
				  qo, kind, identity_rule(it->kind));
	switch (it->kind) {
	case RC_KIND_VOLUME:
		if (strcmp(name, it->object) != 0)
			return rc_err_set(err, RC_ERR_PLAN,
					  "name: '%s' is not the name of volume '%s', which is "
					  "what would be deleted",
					  qn, qo);
		for (i = 0; i < it->refs.n; i++)
			if (strcmp(it->refs.v[i], it->object) != 0)
				return rc_err_set(err, RC_ERR_PLAN,
						  "refs: a ref is not the name of volume '%s'", qo);
		return 0;
	case RC_KIND_IMAGE:
		if (it->refs.n ? !strv_has(&it->refs, name) : name[0] != '\0')
			return rc_err_set(err, RC_ERR_PLAN,
					  "name: '%s' is not a tag of image %s (not in its refs)",
					  qn, qo);
		if (candidate && (!strv_subset(&it->refs, &it->pre.tags) ||
				  !strv_subset(&it->pre.tags, &it->refs)))
			return rc_err_set(err, RC_ERR_PLAN,
					  "refs: the tags of image %s differ from its "
					  "preconditions.tags",
					  qo);
		return 0;
	case RC_KIND_CONTAINER:
	case RC_KIND_NETWORK:
		if (!name[0] && it->refs.n)
			return rc_err_set(err, RC_ERR_PLAN,
					  "refs: must be empty, as the name of %s %s is \"\"", kind,
					  qo);
		if (name[0] && (it->refs.n != 1 || strcmp(it->refs.v[0], name) != 0))
			return rc_err_set(err, RC_ERR_PLAN,
					  "refs: must hold exactly the name '%s' of %s %s", qn, kind,
					  qo);
		return 0;
	default:
		return 0;
	}
}

/* An image with several tags loses all but its last by name first. */
static const char *const engine_steps[] = {"untag", NULL};

static struct rc_source *engine_open(const struct rc_source_opts *o, struct rc_err *err)
{
	struct engine_source *es = calloc(1, sizeof(*es));

	if (!es) {
		rc_err_set(err, RC_ERR_NOMEM, "out of memory");
		return NULL;
	}
	rc_inventory_init(&es->inv);
	es->e = rc_engine_new(o->url, o->read_only, o->timeout_ms, err);
	if (!es->e) {
		rc_inventory_free(&es->inv);
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
	rc_strv_free(&es->gone);
	rc_engine_free(es->e);
	rc_inventory_free(&es->inv);
	free(es);
}

static int engine_connect(struct rc_source *s, struct rc_err *err)
{
	struct engine_source *es = engine_of(s);

	return rc_engine_connect(es->e, &es->inv.engine, err);
}

/* rc_engine_scan connects again, into inv->engine: the inventory's info is
 * the one the plan records. */
static int engine_scan(struct rc_source *s, struct rc_inventory *inv, struct rc_err *err)
{
	return rc_engine_scan(engine_of(s)->e, inv, err);
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
		return rc_err_set(err, RC_ERR_NOMEM, "out of memory");
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
		return rc_err_set(err, RC_ERR_NOMEM, "out of memory");
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
	struct rc_strv *gone = &engine_of(s)->gone;
	char **nv;

	if (it->kind != RC_KIND_CONTAINER)
		return 0;
	if (!(nv = realloc(gone->v, (gone->n + 1) * sizeof(*nv))))
		return rc_err_set(err, RC_ERR_NOMEM, "out of memory");
	gone->v = nv;
	if (!(gone->v[gone->n] = strdup(it->object)))
		return rc_err_set(err, RC_ERR_NOMEM, "out of memory");
	gone->n++;
	return 0;
}

const struct rc_source_ops rc_engine_source_ops = {
    .type = "engine",
    .kinds = engine_kinds,
    .n_kinds = sizeof(engine_kinds) / sizeof(engine_kinds[0]),
    .steps = engine_steps,
    .check_item = engine_check_item,
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
