/* delete.c: verify the engine's identity, and delete plan items through its
 * API. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "backoff.h"
#include "delete.h"
#include "log.h"
#include "recheck.h"
#include "units.h"

#define MSG_MAX 512

int64_t rc_engine_plan_since_ns(const struct rc_plan_source *src)
{
	struct rc_err terr = RC_ERR_INIT;
	int64_t sec = 0, out = 0;
	long ns = 0;

	const char *clock = rc_plan_source_str(src, "clock");

	if (clock && rc_parse_time_ns(clock, &sec, &ns, &terr) == 0 && sec > 0 &&
	    rc_time_ns(sec, ns, &out) == 0)
		return out;
	sec = src ? src->scanned_at - RC_ENGINE_OLD_PLAN_SKEW_S : 0;
	if (sec <= 0)
		return 0;
	/* A plan time past 2262 cannot be compared in nanoseconds: judge from the
	 * epoch, so that any use at all counts as "since planning". */
	return rc_time_ns(sec, 0, &out) == 0 ? out : 1;
}

int rc_engine_verify(const struct rc_plan_source *src, const struct rc_engine_info *info,
		     struct rc_err *err)
{
	char id[160], name[160], pid[160], pname[160], ep[256];
	const char *want_id = rc_plan_source_str(src, "id");
	const char *want_name = rc_plan_source_str(src, "name");

	rc_sanitize(pname, sizeof(pname), want_name ? want_name : "");
	if (!want_id || !*want_id) {
		rc_sanitize(pid, sizeof(pid), src->name ? src->name : "");
		return rc_err_set(err, RC_ERR_REFUSED, "plan source '%s' records no engine ID",
				  pid);
	}
	if (!info->id || strcmp(info->id, want_id) != 0) {
		rc_sanitize(pid, sizeof(pid), want_id);
		rc_sanitize(id, sizeof(id), info->id ? info->id : "");
		rc_sanitize(name, sizeof(name), info->name ? info->name : "");
		rc_sanitize(ep, sizeof(ep), info->endpoint ? info->endpoint : "?");
		return rc_err_set(err, RC_ERR_REFUSED,
				  "wrong target: the plan is for engine '%s' (ID %s), but '%s' "
				  "is engine '%s' (ID %s)",
				  pname, pid, ep, name, id);
	}
	return 0;
}

int rc_engine_build_cache_id_ok(const char *id)
{
	size_t n;

	if (!id || !*id)
		return 0;
	for (n = 0; id[n]; n++) {
		if (n >= 255 || !((id[n] >= 'a' && id[n] <= 'z') || (id[n] >= '0' && id[n] <= '9')))
			return 0;
	}
	return 1;
}

enum rc_removal rc_engine_prune_outcome(const char *body, size_t len, const char *id,
					char *reason, size_t reasonsz)
{
	cJSON *o = body && len ? cJSON_ParseWithLength(body, len) : NULL;
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(o, "CachesDeleted"), *e;
	struct rc_buf others = RC_BUF_INIT;
	struct rc_err err = RC_ERR_INIT;
	enum rc_removal res = RC_REMOVAL_FAILED;
	size_t n_others = 0;
	int found = 0;

	reason[0] = '\0';
	rc_buf_init(&others, 0);
	if (!cJSON_IsObject(o) || (list && !cJSON_IsNull(list) && !cJSON_IsArray(list))) {
		snprintf(reason, reasonsz, "unexpected answer to the build prune: not a result");
		goto out;
	}
	cJSON_ArrayForEach(e, list)
	{
		char safe[96];

		if (cJSON_IsString(e) && strcmp(e->valuestring, id) == 0) {
			found = 1;
			continue;
		}
		rc_sanitize(safe, sizeof(safe), cJSON_IsString(e) ? e->valuestring : "?");
		if (n_others < 8)
			rc_buf_printf(&others, &err, "%s'%s'", n_others ? ", " : "", safe);
		n_others++;
	}
	if (n_others) {
		snprintf(reason, reasonsz,
			 "the daemon's id filter also pruned %zu build cache record(s) not in the "
			 "plan: %.300s%s",
			 n_others, others.data ? others.data : "", n_others > 8 ? ", ..." : "");
	} else if (!found) {
		res = RC_REMOVAL_CHANGED;
		snprintf(reason, reasonsz, "the daemon did not prune the record");
	} else {
		res = RC_REMOVED;
	}
out:
	rc_buf_release(&others);
	cJSON_Delete(o);
	return res;
}

enum rc_removal rc_engine_delete_status(enum rc_kind kind, long status, const char *msg,
					char *reason, size_t reasonsz)
{
	reason[0] = '\0';
	if (status == 404)
		return RC_REMOVAL_ABSENT;
	/* In use or referenced: the daemon knows better than the plan. Never
	 * retried with force. A network that gained a container after the
	 * re-check is refused with 403 (409 on some versions). */
	if (status == 409 ||
	    (kind == RC_KIND_NETWORK && status == 403 && msg && strcasestr(msg, "active endpoint"))) {
		snprintf(reason, reasonsz, "daemon refused: %.400s", msg ? msg : "");
		return RC_REMOVAL_CHANGED;
	}
	snprintf(reason, reasonsz, "HTTP %ld: %.400s", status, msg ? msg : "");
	return RC_REMOVAL_FAILED;
}

/* The HTTP layer retries only GET, HEAD and DELETE. A build prune filtered
 * on one exact record ID is idempotent too, so it is retried here on
 * transport errors and 5xx. *retried is set when an attempt was repeated
 * after a transport error: the lost attempt may have pruned the record. */
static int prune_request(struct rc_engine *e, const char *vpath, struct rc_http_resp *resp,
			 int *retried, struct rc_err *err)
{
	long wait;
	int attempt;

	*retried = 0;
	for (attempt = 1;; attempt++) {
		rc_err_clear(err);
		if (rc_http_request(rc_engine_http(e), "POST", vpath, NULL, NULL, 0, resp, err) < 0) {
			/* a prune that timed out was sent: never wait for it twice */
			if (err->kind != RC_ERR_CONNECT || err->sys_errno == ETIMEDOUT ||
			    attempt >= RC_ENGINE_PRUNE_ATTEMPTS)
				return -1;
			*retried = 1;
		} else if (resp->status < 500 || attempt >= RC_ENGINE_PRUNE_ATTEMPTS) {
			return 0;
		}
		wait = rc_backoff_ms(RC_ENGINE_PRUNE_BASE_MS, attempt - 1, RC_BACKOFF_CAP_MS);
		rc_log_debug("build prune '%s' failed, retrying in %ld ms", vpath, wait);
		rc_sleep_ms(wait);
	}
}

/* Deletes the item by its object: one request, no journaled steps. */
static void delete_object(struct rc_engine *e, const struct rc_plan_item *it,
			  enum rc_removal *res, char *reason, size_t reasonsz)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_http_resp resp;
	struct rc_engine_req req = {0};
	struct rc_buf filt = RC_BUF_INIT;
	char msg[MSG_MAX], *vpath = NULL;
	int retried = 0, rc;

	reason[0] = '\0';
	*res = RC_REMOVAL_FAILED;
	rc_http_resp_init(&resp);
	rc_buf_init(&filt, 0);
	if (!rc_engine_object_safe(it->object)) {
		snprintf(reason, reasonsz, "unsafe object identity");
		goto out;
	}
	switch (it->kind) {
	case RC_KIND_CONTAINER:
	case RC_KIND_IMAGE:
	case RC_KIND_VOLUME:
	case RC_KIND_NETWORK:
		req.path = rc_engine_object_root(it->kind);
		req.object = it->object;
		/* noprune: untagged parents are not in the plan, so they stay. */
		if (it->kind == RC_KIND_IMAGE)
			req.query = "noprune=1";
		break;
	case RC_KIND_BUILD_CACHE: {
		/* The filter is a regular expression to the daemon: only a
		 * plain [a-z0-9]+ ID is certain to mean itself. */
		if (!rc_engine_build_cache_id_ok(it->object)) {
			snprintf(reason, reasonsz,
				 "build cache ID is not [a-z0-9]+: not sent as a prune filter");
			goto out;
		}
		if (rc_buf_puts(&filt, "{\"id\":[\"", &err) < 0 ||
		    rc_buf_puts(&filt, it->object, &err) < 0 ||
		    rc_buf_puts(&filt, "\"]}", &err) < 0) {
			rc_sanitize(reason, reasonsz, err.msg);
			goto out;
		}
		req.path = "/build/prune";
		req.query = "all=1";
		req.filters = filt.data;
		break;
	}
	default:
		snprintf(reason, reasonsz, "unknown kind");
		goto out;
	}
	if (!(vpath = rc_engine_path(e, &req, &err))) {
		rc_sanitize(reason, reasonsz, err.msg);
		goto out;
	}
	if (it->kind == RC_KIND_BUILD_CACHE)
		rc = prune_request(e, vpath, &resp, &retried, &err);
	else
		rc = rc_http_request(rc_engine_http(e), "DELETE", vpath, NULL, NULL, 0, &resp, &err);
	if (rc < 0) {
		rc_sanitize(reason, reasonsz, err.msg);
		goto out;
	}
	if (resp.status >= 200 && resp.status <= 299) {
		if (it->kind != RC_KIND_BUILD_CACHE) {
			*res = RC_REMOVED;
			goto out;
		}
		*res = rc_engine_prune_outcome(resp.body.data, resp.body.len, it->object, reason,
					       reasonsz);
		if (*res == RC_REMOVAL_CHANGED && retried) {
			/* A lost attempt may have pruned it: absent is done. */
			struct rc_engine_check_ctx ctx;
			enum rc_check check;
			char r[MSG_MAX];

			memset(&ctx, 0, sizeof(ctx));
			ctx.e = e;
			if (rc_engine_recheck(&ctx, it, NULL, &check, r, sizeof(r), &err) == 0 &&
			    check == RC_CHECK_ABSENT) {
				*res = RC_REMOVAL_ABSENT;
				reason[0] = '\0';
			}
		}
		goto out;
	}
	rc_engine_daemon_message(&resp.body, resp.status, msg, sizeof(msg));
	*res = rc_engine_delete_status(it->kind, resp.status, msg, reason, reasonsz);
out:
	free(vpath);
	rc_buf_release(&filt);
	rc_http_resp_release(&resp);
}

/* 1 when tag names image `object` now, 0 when it names another or none,
 * -1 with err when the engine could not be asked. */
static int tag_points_here(struct rc_engine *e, const char *tag, const char *object,
			   struct rc_err *err)
{
	cJSON *img = NULL;
	const cJSON *id;
	int got, here;

	got = rc_engine_get_json(
	    e, &(struct rc_engine_req){.path = "/images/", .object = tag, .tail = "/json"}, &img,
	    err);
	if (got != 0)
		return got < 0 ? -1 : 0;
	id = cJSON_GetObjectItemCaseSensitive(img, "Id");
	here = cJSON_IsString(id) && strcmp(id->valuestring, object) == 0;
	cJSON_Delete(img);
	return here;
}

/* An image with several tags cannot be deleted by ID without force (the
 * daemon answers 409), so it goes the way `docker rmi a:1 a:2` goes: every
 * tag but the last is removed by name, each journaled first, then the
 * caller deletes the image by ID, which takes the last tag with it. Each tag
 * is confirmed to name this image just before its untag, so a tag moved to
 * another image since the re-check is never touched. Sets *res to
 * RC_REMOVED to go on, else to the item's outcome. Returns -1 only when a
 * step cannot be journaled. */
static int untag_extra(struct rc_engine *e, const struct rc_apply_env *env,
		       const struct rc_plan_item *it, enum rc_removal *res, char *reason,
		       size_t reasonsz, struct rc_err *err)
{
	size_t k;

	*res = RC_REMOVED;
	for (k = 0; k + 1 < it->pre.tags.n; k++) {
		const char *tag = it->pre.tags.v[k];
		const struct rc_strv *done =
		    env && env->steps_done ? env->steps_done(env->arg, it, "untag") : NULL;
		struct rc_err terr = RC_ERR_INIT;
		struct rc_http_resp resp;
		char *vpath, msg[MSG_MAX], safe[256];
		int here, was_done = rc_strv_has(done, tag), rc;

		rc_sanitize(safe, sizeof(safe), tag);
		if (!rc_engine_ref_safe(tag)) {
			*res = RC_REMOVAL_FAILED;
			snprintf(reason, reasonsz, "tag '%s' cannot be sent in a request path", safe);
			return 0;
		}
		here = tag_points_here(e, tag, it->object, &terr);
		if (here < 0) {
			*res = RC_REMOVAL_FAILED;
			rc_sanitize(reason, reasonsz, terr.msg);
			return 0;
		}
		if (!here) {
			if (was_done)
				continue; /* removed by this apply before a crash */
			*res = RC_REMOVAL_CHANGED;
			snprintf(reason, reasonsz, "tag '%s' no longer points to this image", safe);
			return 0;
		}
		if (!was_done && env && env->step && env->step(env->arg, it, "untag", tag, err) < 0)
			return -1;
		vpath = rc_engine_path(e,
				       &(struct rc_engine_req){
					   .path = "/images/", .object = tag, .query = "noprune=1"},
				       &terr);
		rc_http_resp_init(&resp);
		rc = vpath ? rc_http_request(rc_engine_http(e), "DELETE", vpath, NULL, NULL, 0,
					     &resp, &terr)
			   : -1;
		free(vpath);
		if (rc < 0) {
			*res = RC_REMOVAL_FAILED;
			rc_sanitize(reason, reasonsz, terr.msg);
		} else if (resp.status == 404 || (resp.status >= 200 && resp.status <= 299)) {
			rc = 1;
		} else {
			rc_engine_daemon_message(&resp.body, resp.status, msg, sizeof(msg));
			*res = rc_engine_delete_status(RC_KIND_IMAGE, resp.status, msg, reason,
						       reasonsz);
			if (*res != RC_REMOVAL_FAILED && *res != RC_REMOVAL_CHANGED)
				*res = RC_REMOVAL_FAILED;
		}
		rc_http_resp_release(&resp);
		if (rc != 1) {
			char more[MSG_MAX];
			snprintf(more, sizeof(more), "%s", reason);
			snprintf(reason, reasonsz, "cannot untag '%.200s': %.280s", safe, more);
			return 0;
		}
	}
	return 0;
}

int rc_engine_delete(struct rc_engine *e, const struct rc_apply_env *env,
		     const struct rc_plan_item *it, enum rc_removal *res, char *reason,
		     size_t reasonsz, struct rc_err *err)
{
	int multi = it->kind == RC_KIND_IMAGE && it->pre.tags.n > 1;

	reason[0] = '\0';
	*res = RC_REMOVED;
	if (multi && untag_extra(e, env, it, res, reason, reasonsz, err) < 0)
		return -1;
	if (multi && *res == RC_REMOVED && env && env->crash_before_last_step)
		raise(SIGKILL);
	if (*res == RC_REMOVED)
		delete_object(e, it, res, reason, reasonsz);
	return 0;
}
