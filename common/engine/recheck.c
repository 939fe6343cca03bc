/* recheck.c: re-check a plan item against the engine just before deleting it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "recheck.h"
#include "units.h"

static int bad(struct rc_err *err, const char *what)
{
	return rc_err_set(err, RC_ERR_PROTOCOL, "unexpected engine answer: %s", what);
}

static int changed(char *reason, size_t sz, const char *fmt, const char *arg)
{
	char safe[256];

	rc_sanitize(safe, sizeof(safe), arg ? arg : "");
	snprintf(reason, sz, fmt, safe);
	return RC_CHECK_CHANGED;
}

static const char *str_member(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A container's human name: Names[0] without '/', else its short ID. */
static void container_name(const cJSON *c, char *out, size_t outsz)
{
	const cJSON *names = cJSON_GetObjectItemCaseSensitive(c, "Names");
	const cJSON *first = cJSON_IsArray(names) ? cJSON_GetArrayItem(names, 0) : NULL;
	const char *id = str_member(c, "Id");

	if (cJSON_IsString(first) && first->valuestring[0]) {
		const char *n = first->valuestring;
		snprintf(out, outsz, "%s", n[0] == '/' ? n + 1 : n);
	} else {
		snprintf(out, outsz, "%.12s", id ? id : "?");
	}
}

/* Same identity: equal, or the engine's ID is the plan's without or with
 * "sha256:" (images), so an engine that reports either form matches. */
static int same_id(const char *have, const char *want)
{
	const char *p = "sha256:";
	size_t pl = strlen(p);

	if (!have || !want)
		return 0;
	if (strcmp(have, want) == 0)
		return 1;
	if (strncmp(want, p, pl) == 0 && strcmp(have, want + pl) == 0)
		return 1;
	if (strncmp(have, p, pl) == 0 && strcmp(have + pl, want) == 0)
		return 1;
	return 0;
}

/* The plan's name is what a reviewer approved; a container or network that
 * now has another one is not what they read about (a name is not its
 * identity, so the loader cannot check it). 1 with reason set when renamed. */
static int renamed(const char *kind, const char *now, const struct rc_plan_item *it, char *reason,
		   size_t sz)
{
	char is[256], was[256];

	if (now && now[0] == '/')
		now++;
	if (!it->name || !it->name[0] || (now && strcmp(now, it->name) == 0))
		return 0;
	rc_sanitize(is, sizeof(is), now ? now : "");
	rc_sanitize(was, sizeof(was), it->name);
	snprintf(reason, sz, "%s is now named '%s'; the plan says '%s'", kind, is, was);
	return 1;
}

static int check_list(const cJSON *containers, struct rc_err *err)
{
	if (!cJSON_IsArray(containers))
		return bad(err, "the container list is not an array");
	return 0;
}

int rc_engine_eval_image(const cJSON *inspect, const cJSON *containers,
			 const struct rc_plan_item *it, const struct rc_strv *gone,
			 const struct rc_strv *untagged, char *reason, size_t reasonsz,
			 struct rc_err *err)
{
	const cJSON *tags, *t, *c;
	size_t i;

	if (!cJSON_IsObject(inspect) || !str_member(inspect, "Id"))
		return bad(err, "image inspect has no string 'Id'");
	if (check_list(containers, err) < 0)
		return -1;
	if (!same_id(str_member(inspect, "Id"), it->object))
		return changed(reason, reasonsz, "image ID is now '%s'", str_member(inspect, "Id"));
	tags = cJSON_GetObjectItemCaseSensitive(inspect, "RepoTags");
	if (tags && !cJSON_IsNull(tags) && !cJSON_IsArray(tags))
		return bad(err, "image 'RepoTags' is not an array");
	/* Every current tag was in the plan... */
	cJSON_ArrayForEach(t, tags)
	{
		if (!cJSON_IsString(t))
			return bad(err, "image 'RepoTags' holds a non-string");
		if (strcmp(t->valuestring, "<none>:<none>") == 0)
			continue;
		if (!rc_strv_has(&it->pre.tags, t->valuestring))
			return changed(reason, reasonsz, "image is now tagged '%s'",
				       t->valuestring);
	}
	/* ...and every planned tag still points here. */
	for (i = 0; i < it->pre.tags.n; i++) {
		int found = 0;
		cJSON_ArrayForEach(t, tags)
		{
			if (strcmp(t->valuestring, it->pre.tags.v[i]) == 0)
				found = 1;
		}
		/* a tag this apply removed (journaled before the untag) */
		if (!found && !rc_strv_has(untagged, it->pre.tags.v[i]))
			return changed(reason, reasonsz, "tag '%s' no longer points to this image",
				       it->pre.tags.v[i]);
	}
	cJSON_ArrayForEach(c, containers)
	{
		const char *image_id = str_member(c, "ImageID");
		const char *cid = str_member(c, "Id");
		char name[256];

		if (!cJSON_IsObject(c) || !cid)
			return bad(err, "a container in the list has no string 'Id'");
		if (!image_id || !same_id(image_id, it->object) || rc_strv_has(gone, cid))
			continue;
		container_name(c, name, sizeof(name));
		if (rc_strv_has(&it->pre.users_in_plan, cid))
			return changed(reason, reasonsz,
				       "image is still used by container '%s', which was not "
				       "deleted",
				       name);
		return changed(reason, reasonsz, "image is now used by container '%s'", name);
	}
	return RC_CHECK_OK;
}

/* Did the container run since planning? With the plan's evidence: its
 * StartedAt or FinishedAt differ to the letter. Without (older plans): either
 * is at or after since_ns. */
static int container_ran(const cJSON *state, const struct rc_plan_item *it, int64_t since_ns,
			 char *reason, size_t reasonsz)
{
	static const char *const keys[2] = {"StartedAt", "FinishedAt"};
	const char *was[2] = {it->pre.started_at, it->pre.finished_at};
	int k;

	for (k = 0; k < 2; k++) {
		const char *now = str_member(state, keys[k]);
		struct rc_err terr = RC_ERR_INIT;
		int64_t t = 0, tns = 0;
		long ns = 0;

		if (was[k]) {
			if (!now || strcmp(now, was[k]) != 0)
				return changed(reason, reasonsz,
					       k == 0 ? "container was started since planning "
							"(State.StartedAt is now '%s')"
						      : "container ran since planning "
							"(State.FinishedAt is now '%s')",
					       now ? now : "missing");
			continue;
		}
		if (since_ns <= 0)
			continue; /* neither evidence nor a plan time to judge by */
		if (!now || rc_parse_time_ns(now, &t, &ns, &terr) < 0)
			return changed(
			    reason, reasonsz,
			    "container reports no readable %s: cannot prove it did not run "
			    "since planning",
			    keys[k]);
		/* past 2262 (no int64_t nanoseconds): after any plan, so used */
		if (t > 0 && (rc_time_ns(t, ns, &tns) < 0 || tns >= since_ns))
			return changed(reason, reasonsz,
				       k == 0 ? "container was started since planning (at %s)"
					      : "container ran since planning (it stopped at %s)",
				       now);
	}
	return RC_CHECK_OK;
}

int rc_engine_eval_container(const cJSON *inspect, const struct rc_plan_item *it, int64_t since_ns,
			     char *reason, size_t reasonsz, struct rc_err *err)
{
	const cJSON *state;
	const char *status;

	if (!cJSON_IsObject(inspect) || !str_member(inspect, "Id"))
		return bad(err, "container inspect has no string 'Id'");
	if (!same_id(str_member(inspect, "Id"), it->object))
		return changed(reason, reasonsz, "container ID is now '%s'",
			       str_member(inspect, "Id"));
	if (renamed("container", str_member(inspect, "Name"), it, reason, reasonsz))
		return RC_CHECK_CHANGED;
	state = cJSON_GetObjectItemCaseSensitive(inspect, "State");
	status = str_member(state, "Status");
	if (!cJSON_IsObject(state) || !status)
		return bad(err, "container inspect has no string 'State.Status'");
	if (strcmp(status, "running") == 0 || strcmp(status, "restarting") == 0 ||
	    strcmp(status, "paused") == 0)
		return changed(reason, reasonsz, "container is now %s", status);
	return container_ran(state, it, since_ns, reason, reasonsz);
}

int rc_engine_eval_volume(const cJSON *inspect, const cJSON *containers,
			  const struct rc_plan_item *it, const struct rc_strv *gone, char *reason,
			  size_t reasonsz, struct rc_err *err)
{
	const cJSON *c;

	if (!cJSON_IsObject(inspect) || !str_member(inspect, "Name"))
		return bad(err, "volume inspect has no string 'Name'");
	if (check_list(containers, err) < 0)
		return -1;
	if (strcmp(str_member(inspect, "Name"), it->object) != 0)
		return changed(reason, reasonsz, "volume name is now '%s'",
			       str_member(inspect, "Name"));
	/* A volume's identity is its name, which can be reused: one deleted
	 * and re-created after planning is another volume. */
	if (it->created > 0) {
		const cJSON *ca = cJSON_GetObjectItemCaseSensitive(inspect, "CreatedAt");
		struct rc_err terr = RC_ERR_INIT;
		char was[32];
		int64_t t = 0;

		if (ca && !cJSON_IsNull(ca) && !cJSON_IsString(ca))
			return bad(err, "volume 'CreatedAt' is not a string");
		if (cJSON_IsString(ca) && *ca->valuestring &&
		    rc_parse_time(ca->valuestring, &t, &terr) < 0)
			return bad(err, "volume 'CreatedAt' is not an RFC 3339 time");
		rc_format_time(it->created, was, sizeof(was));
		if (t <= 0)
			return changed(reason, reasonsz,
				       "volume reports no creation time; the plan's was "
				       "created at %s",
				       was);
		if (t != it->created)
			return changed(reason, reasonsz,
				       "volume was re-created: the plan's was created at %s", was);
	}
	cJSON_ArrayForEach(c, containers)
	{
		const cJSON *mounts = cJSON_GetObjectItemCaseSensitive(c, "Mounts"), *m;
		const char *cid = str_member(c, "Id");
		char name[256];

		if (!cJSON_IsObject(c) || !cid)
			return bad(err, "a container in the list has no string 'Id'");
		if (mounts && !cJSON_IsNull(mounts) && !cJSON_IsArray(mounts))
			return bad(err, "container 'Mounts' is not an array");
		if (rc_strv_has(gone, cid))
			continue;
		cJSON_ArrayForEach(m, mounts)
		{
			const char *type = str_member(m, "Type");
			const char *vname = str_member(m, "Name");
			if (vname && strcmp(vname, it->object) == 0 &&
			    (!type || strcmp(type, "volume") == 0)) {
				container_name(c, name, sizeof(name));
				return changed(reason, reasonsz,
					       "volume is now mounted by container '%s'", name);
			}
		}
	}
	return RC_CHECK_OK;
}

int rc_engine_eval_network(const cJSON *inspect, const cJSON *containers,
			   const struct rc_plan_item *it, const struct rc_strv *gone, char *reason,
			   size_t reasonsz, struct rc_err *err)
{
	const cJSON *attached, *a, *c;
	const char *net_name;

	if (!cJSON_IsObject(inspect) || !str_member(inspect, "Id") || !str_member(inspect, "Name"))
		return bad(err, "network inspect has no string 'Id' or 'Name'");
	net_name = str_member(inspect, "Name");
	if (check_list(containers, err) < 0)
		return -1;
	if (!same_id(str_member(inspect, "Id"), it->object))
		return changed(reason, reasonsz, "network ID is now '%s'",
			       str_member(inspect, "Id"));
	if (renamed("network", net_name, it, reason, reasonsz))
		return RC_CHECK_CHANGED;
	attached = cJSON_GetObjectItemCaseSensitive(inspect, "Containers");
	if (attached && !cJSON_IsNull(attached) && !cJSON_IsObject(attached))
		return bad(err, "network 'Containers' is not an object");
	cJSON_ArrayForEach(a, attached)
	{
		const char *n = str_member(a, "Name");
		if (a->string && rc_strv_has(gone, a->string))
			continue;
		return changed(reason, reasonsz, "network now has container '%s' attached",
			       n ? n : a->string);
	}
	/* Stopped containers are not in the network's endpoint list but keep
	 * their attachment in the container list: keyed by the network's name,
	 * with an empty NetworkID when the container never ran. */
	cJSON_ArrayForEach(c, containers)
	{
		const cJSON *ns = cJSON_GetObjectItemCaseSensitive(c, "NetworkSettings");
		const cJSON *nets = cJSON_GetObjectItemCaseSensitive(ns, "Networks"), *n;
		const char *cid = str_member(c, "Id");
		char name[256];

		if (!cJSON_IsObject(c) || !cid)
			return bad(err, "a container in the list has no string 'Id'");
		if (rc_strv_has(gone, cid))
			continue;
		cJSON_ArrayForEach(n, nets)
		{
			const char *nid = str_member(n, "NetworkID");
			if ((nid && same_id(nid, it->object)) ||
			    (n->string && strcmp(n->string, net_name) == 0)) {
				container_name(c, name, sizeof(name));
				return changed(reason, reasonsz,
					       "network now has container '%s' attached", name);
			}
		}
	}
	return RC_CHECK_OK;
}

int rc_engine_eval_build_cache(const cJSON *df, const struct rc_plan_item *it, char *reason,
			       size_t reasonsz, struct rc_err *err)
{
	const cJSON *bc, *e, *found = NULL;
	size_t matches = 0;

	if (!cJSON_IsObject(df))
		return bad(err, "/system/df is not an object");
	bc = cJSON_GetObjectItemCaseSensitive(df, "BuildCache");
	if (bc && !cJSON_IsNull(bc) && !cJSON_IsArray(bc))
		return bad(err, "'BuildCache' is not an array");
	cJSON_ArrayForEach(e, bc)
	{
		const char *id = str_member(e, "ID");
		if (!cJSON_IsObject(e) || !id)
			return bad(err, "a build-cache record has no string 'ID'");
		/* The daemon's id filter may match by substring: count every
		 * record it could select. */
		if (strstr(id, it->object))
			matches++;
		if (strcmp(id, it->object) == 0)
			found = e;
	}
	if (!found)
		return RC_CHECK_ABSENT;
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(found, "InUse")))
		return changed(reason, reasonsz, "build cache record is now in use%s", "");
	{
		/* used since planning: its use count or last use moved */
		const cJSON *uc = cJSON_GetObjectItemCaseSensitive(found, "UsageCount");
		const char *lu = str_member(found, "LastUsedAt");
		struct rc_err terr = RC_ERR_INIT;
		int64_t t = 0;

		if (it->pre.usage_count >= 0 &&
		    (!cJSON_IsNumber(uc) || uc->valuedouble != (double)it->pre.usage_count))
			return changed(reason, reasonsz,
				       "build cache record was used since planning (its use count "
				       "changed)%s",
				       "");
		if (lu && *lu && rc_parse_time(lu, &t, &terr) == 0 && t > it->last_used)
			return changed(reason, reasonsz,
				       "build cache record was used since planning (last used %s)",
				       lu);
	}
	if (matches > 1)
		return changed(reason, reasonsz,
			       "the daemon's id filter would also select other build cache "
			       "records%s",
			       "");
	return RC_CHECK_OK;
}

int rc_engine_ref_safe(const char *s)
{
	size_t n;

	if (!s || !*s || s[0] == '/' || s[0] == '.' || s[0] == '-' || strstr(s, ".."))
		return 0;
	for (n = 0; s[n]; n++) {
		char c = s[n];
		if (n >= 512 ||
		    !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == ':' || c == '-' || c == '/' || c == '@'))
			return 0;
	}
	return 1;
}

int rc_engine_object_safe(const char *s)
{
	size_t n;

	if (!s || !*s || s[0] == '.' || s[0] == '-')
		return 0;
	for (n = 0; s[n]; n++) {
		char c = s[n];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == ':' || c == '-'))
			return 0;
		if (n >= 255)
			return 0;
	}
	return 1;
}

char *rc_engine_daemon_message(const struct rc_buf *body, long status, char *out, size_t outsz)
{
	cJSON *o = body && body->len ? cJSON_ParseWithLength(body->data, body->len) : NULL;
	const char *m = str_member(o, "message");

	if (m && *m) {
		rc_sanitize(out, outsz, m);
	} else {
		snprintf(out, outsz, "HTTP %ld", status);
	}
	cJSON_Delete(o);
	return out;
}

int rc_engine_get_json(struct rc_engine *e, const struct rc_engine_req *req, cJSON **out,
		       struct rc_err *err)
{
	struct rc_http_resp resp;
	char *vpath = NULL;
	int rc = -1;

	*out = NULL;
	rc_http_resp_init(&resp);
	if (!(vpath = rc_engine_path(e, req, err)))
		goto out;
	if (rc_http_request(rc_engine_http(e), "GET", vpath, NULL, NULL, 0, &resp, err) < 0)
		goto out;
	if (resp.status == 404) {
		rc = 1;
		goto out;
	}
	if (resp.status < 200 || resp.status > 299) {
		char msg[512];
		rc_engine_daemon_message(&resp.body, resp.status, msg, sizeof(msg));
		rc_err_set(err, RC_ERR_HTTP, "cannot fetch '%s': HTTP %ld: %s", vpath, resp.status,
			   msg);
		if (err)
			err->http_status = resp.status;
		goto out;
	}
	*out = cJSON_ParseWithLength(resp.body.data, resp.body.len);
	if (!*out) {
		rc_err_set(err, RC_ERR_PROTOCOL, "cannot parse the answer to '%s'", vpath);
		goto out;
	}
	rc = 0;
out:
	free(vpath);
	rc_http_resp_release(&resp);
	return rc;
}

/* The container list to judge an item by. The daemon's filter (ancestor,
 * volume, network) only narrows the answer, to keep it small on hosts with
 * many containers; the rc_engine_eval_* rules still check every field themselves,
 * so a filter that matched too much (or that an engine ignored) is harmless.
 * Matching too little cannot delete anything either: the daemon refuses,
 * without force, to delete an image, volume or network still in use. */
static int containers_filter(const struct rc_plan_item *it, struct rc_buf *filt, struct rc_err *err)
{
	const char *key = it->kind == RC_KIND_IMAGE ? "ancestor" : "volume";

	/* Networks: the whole list. The daemon's network filter matches a
	 * container that never ran by the network's name only, and networks
	 * are few. */
	if (it->kind == RC_KIND_NETWORK)
		return 0;
	/* it->object passed rc_engine_object_safe: no quote to escape */
	if (rc_buf_puts(filt, "{\"", err) < 0 || rc_buf_puts(filt, key, err) < 0 ||
	    rc_buf_puts(filt, "\":[\"", err) < 0 || rc_buf_puts(filt, it->object, err) < 0 ||
	    rc_buf_puts(filt, "\"]}", err) < 0)
		return -1;
	return 0;
}

const char *rc_engine_object_root(enum rc_kind kind)
{
	switch (kind) {
	case RC_KIND_CONTAINER:
		return "/containers/";
	case RC_KIND_IMAGE:
		return "/images/";
	case RC_KIND_VOLUME:
		return "/volumes/";
	case RC_KIND_NETWORK:
		return "/networks/";
	default:
		return NULL;
	}
}

/* The volume's size now against the plan's, from a /system/df answer:
 * weaker evidence than the event log (an overwrite of equal size passes),
 * but it also sees writes that bypass the engine. */
int rc_engine_eval_volume_size(const cJSON *df, const struct rc_plan_item *it, char *reason,
			       size_t reasonsz, struct rc_err *err)
{
	const cJSON *vols, *v;

	if (it->size < 0)
		return RC_CHECK_OK;
	if (!cJSON_IsObject(df))
		return bad(err, "/system/df is not an object");
	vols = cJSON_GetObjectItemCaseSensitive(df, "Volumes");
	if (vols && !cJSON_IsNull(vols) && !cJSON_IsArray(vols))
		return bad(err, "'Volumes' is not an array");
	cJSON_ArrayForEach(v, vols)
	{
		const cJSON *ud = cJSON_GetObjectItemCaseSensitive(v, "UsageData");
		const cJSON *sz = cJSON_GetObjectItemCaseSensitive(ud, "Size");
		const char *name = str_member(v, "Name");
		char was[32], now[32], both[80];

		if (!name || strcmp(name, it->object) != 0)
			continue;
		if (!cJSON_IsNumber(sz) || sz->valuedouble < 0)
			return RC_CHECK_OK; /* the engine did not measure it */
		if (sz->valuedouble == (double)it->size)
			return RC_CHECK_OK;
		rc_human_size(it->size, was, sizeof(was));
		rc_human_size((int64_t)sz->valuedouble, now, sizeof(now));
		snprintf(both, sizeof(both), "%s, the plan saw %s", now, was);
		return changed(reason, reasonsz,
			       "volume was written since planning (its size is now %s)", both);
	}
	return RC_CHECK_OK;
}

void rc_engine_check_ctx_release(struct rc_engine_check_ctx *ctx)
{
	cJSON_Delete(ctx->volume_df);
	ctx->volume_df = NULL;
	ctx->volume_df_tried = 0;
}

static int64_t engine_now_ns(const struct rc_engine_check_ctx *ctx)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec + ctx->clock_offset_ns;
}

/* Evidence of use since planning, for the kinds that record none of their
 * own: the event log, and for volumes their size. Called once the item's
 * present state has passed. */
static int used_since_planning(struct rc_engine_check_ctx *ctx, const struct rc_plan_item *it,
			       int *verdict, char *reason, size_t reasonsz, struct rc_err *err)
{
	char since[32];

	if (!ctx->ev)
		return 0;
	if (rc_engine_events_update(ctx->ev, ctx->e, engine_now_ns(ctx), err) < 0)
		return -1;
	if (!rc_engine_events_covered(ctx->ev)) {
		rc_format_time(ctx->since_ns / 1000000000LL, since, sizeof(since));
		snprintf(reason, reasonsz,
			 "cannot prove the %s was not used since planning: the engine's event "
			 "log (it keeps only its last 256 events) no longer reaches back to the "
			 "scan at %s; make a new plan and apply it soon after",
			 rc_kind_name(it->kind), since);
		*verdict = RC_CHECK_CHANGED;
		return 0;
	}
	if (it->kind == RC_KIND_IMAGE && rc_engine_events_resolve(ctx->ev, ctx->e, err) < 0)
		return -1;
	if (rc_engine_events_used(ctx->ev, it, reason, reasonsz)) {
		*verdict = RC_CHECK_CHANGED;
		return 0;
	}
	if (it->kind == RC_KIND_VOLUME && it->size >= 0) {
		/* One /system/df per run: the daemon measures every volume. */
		if (!ctx->volume_df_tried) {
			int got;
			ctx->volume_df_tried = 1;
			got = rc_engine_get_json(
			    ctx->e,
			    &(struct rc_engine_req){
				.path = "/system/df",
				.query = rc_engine_df_by_type(ctx->e) ? "type=volume" : NULL},
			    &ctx->volume_df, err);
			if (got != 0) {
				if (got == 1)
					rc_err_set(err, RC_ERR_HTTP,
						   "cannot read /system/df: HTTP 404");
				return -1;
			}
		}
		if (ctx->volume_df) {
			int v =
			    rc_engine_eval_volume_size(ctx->volume_df, it, reason, reasonsz, err);
			if (v < 0)
				return -1;
			*verdict = v;
		}
	}
	return 0;
}

int rc_engine_recheck(struct rc_engine_check_ctx *ctx, const struct rc_plan_item *it,
		      const struct rc_strv *untagged, enum rc_check *res, char *reason,
		      size_t reasonsz, struct rc_err *err)
{
	struct rc_engine *e = ctx->e;
	const struct rc_strv *gone = ctx->gone;
	struct rc_engine_req req = {0};
	struct rc_buf filt = RC_BUF_INIT;
	cJSON *inspect = NULL, *list = NULL;
	int rc = -1, got, v = -1;

	reason[0] = '\0';
	if (!rc_engine_object_safe(it->object))
		return rc_err_set(err, RC_ERR_PLAN, "unsafe object identity in item '%s'", it->id);
	if (it->kind == RC_KIND_BUILD_CACHE) {
		req.path = "/system/df";
		req.query = rc_engine_df_by_type(e) ? "type=build-cache" : NULL;
	} else if (rc_engine_object_root(it->kind)) {
		req.path = rc_engine_object_root(it->kind);
		req.object = it->object;
		/* images and containers are inspected at .../json */
		if (it->kind == RC_KIND_IMAGE || it->kind == RC_KIND_CONTAINER)
			req.tail = "/json";
	} else {
		return rc_err_set(err, RC_ERR_PLAN, "item '%s' has an unknown kind", it->id);
	}
	rc_buf_init(&filt, 0);
	got = rc_engine_get_json(e, &req, &inspect, err);
	if (got < 0)
		goto out;
	if (got == 1) {
		*res = RC_CHECK_ABSENT;
		rc = 0;
		goto out;
	}
	if (it->kind == RC_KIND_IMAGE || it->kind == RC_KIND_VOLUME ||
	    it->kind == RC_KIND_NETWORK) {
		if (containers_filter(it, &filt, err) < 0)
			goto out;
		req = (struct rc_engine_req){.path = "/containers/json",
					     .query = "all=1",
					     .filters = filt.len ? filt.data : NULL};
		got = rc_engine_get_json(e, &req, &list, err);
		if (got != 0) {
			if (got == 1)
				rc_err_set(err, RC_ERR_HTTP, "cannot list containers: HTTP 404");
			goto out;
		}
	}
	switch (it->kind) {
	case RC_KIND_IMAGE:
		v = rc_engine_eval_image(inspect, list, it, gone, untagged, reason, reasonsz, err);
		break;
	case RC_KIND_CONTAINER:
		v = rc_engine_eval_container(inspect, it, ctx->since_ns, reason, reasonsz, err);
		break;
	case RC_KIND_VOLUME:
		v = rc_engine_eval_volume(inspect, list, it, gone, reason, reasonsz, err);
		break;
	case RC_KIND_NETWORK:
		v = rc_engine_eval_network(inspect, list, it, gone, reason, reasonsz, err);
		break;
	default:
		v = rc_engine_eval_build_cache(inspect, it, reason, reasonsz, err);
		break;
	}
	if (v == RC_CHECK_OK && it->kind != RC_KIND_CONTAINER && it->kind != RC_KIND_BUILD_CACHE &&
	    used_since_planning(ctx, it, &v, reason, reasonsz, err) < 0)
		goto out;
	if (v < 0)
		goto out;
	*res = (enum rc_check)v;
	rc = 0;
out:
	rc_buf_release(&filt);
	cJSON_Delete(inspect);
	cJSON_Delete(list);
	return rc;
}
