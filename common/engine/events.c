/* events.c: evidence of use from the daemon's event log (see events.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "events.h"
#include "hex.h"
#include "recheck.h"
#include "units.h"

enum fact_kind { F_CREATE, F_TAG, F_MOUNT, F_CONNECT };

struct fact {
	enum fact_kind kind;
	int64_t t_us;
	char *id; /* Actor.ID: container, image, volume name or network */
	char *ref; /* create: the image as given; mount/connect: the container */
	char *name; /* create: the container's name */
	char *resolved; /* create from a digest reference: the image ID it names now */
	int unresolvable; /* ... or 1 when that could not be learnt */
};

struct rc_engine_events {
	int64_t since_us;
	int started;
	int covered;
	int64_t last_us; /* newest event seen so far, 0 none */
	struct fact *v;
	size_t n, cap;
};

struct rc_engine_events *rc_engine_events_new(int64_t since_ns)
{
	struct rc_engine_events *ev = calloc(1, sizeof(*ev));

	if (ev)
		ev->since_us = since_ns / 1000;
	return ev;
}

void rc_engine_events_free(struct rc_engine_events *ev)
{
	size_t i;

	if (!ev)
		return;
	for (i = 0; i < ev->n; i++) {
		free(ev->v[i].id);
		free(ev->v[i].ref);
		free(ev->v[i].name);
		free(ev->v[i].resolved);
	}
	free(ev->v);
	free(ev);
}

int rc_engine_events_covered(const struct rc_engine_events *ev)
{
	return ev && ev->started && ev->covered;
}

static const char *str_member(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int add_fact(struct rc_engine_events *ev, enum fact_kind kind, int64_t t_us, const char *id,
		    const char *ref, const char *name, struct rc_err *err)
{
	struct fact *f;

	if (ev->n == ev->cap) {
		size_t ncap = ev->cap ? ev->cap * 2 : 16;
		struct fact *nv = realloc(ev->v, ncap * sizeof(*nv));
		if (!nv)
			return rc_err_nomem(err);
		ev->v = nv;
		ev->cap = ncap;
	}
	f = &ev->v[ev->n];
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->t_us = t_us;
	f->id = strdup(id);
	f->ref = ref ? strdup(ref) : NULL;
	f->name = name ? strdup(name) : NULL;
	if (!f->id || (ref && !f->ref) || (name && !f->name)) {
		free(f->id);
		free(f->ref);
		free(f->name);
		return rc_err_nomem(err);
	}
	ev->n++;
	return 0;
}

/* One event: its time, and a fact when it is a kind of use. */
static int take_event(struct rc_engine_events *ev, const cJSON *o, int64_t *t_us,
		      struct rc_err *err)
{
	const cJSON *tn = cJSON_GetObjectItemCaseSensitive(o, "timeNano");
	const cJSON *ts = cJSON_GetObjectItemCaseSensitive(o, "time");
	const cJSON *actor = cJSON_GetObjectItemCaseSensitive(o, "Actor");
	const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(actor, "Attributes");
	const char *type = str_member(o, "Type"), *action = str_member(o, "Action");
	const char *id = str_member(actor, "ID");

	if (!cJSON_IsObject(o))
		return rc_err_set(err, RC_ERR_PROTOCOL,
				  "unexpected engine answer: an event is not "
				  "an object");
	/* Far beyond any real date either way: a hostile number must not
	 * overflow the conversion. */
	if (cJSON_IsNumber(tn) && tn->valuedouble > 0 && tn->valuedouble < 9.2e18)
		*t_us = (int64_t)(tn->valuedouble / 1000.0);
	else if (cJSON_IsNumber(ts) && ts->valuedouble > 0 && ts->valuedouble < 9.2e12)
		*t_us = (int64_t)ts->valuedouble * 1000000;
	else
		return rc_err_set(err, RC_ERR_PROTOCOL,
				  "unexpected engine answer: an event has no "
				  "time");
	if (!type || !action || !id || *t_us < ev->since_us - RC_ENGINE_EVENTS_MARGIN_US)
		return 0;
	if (strcmp(type, "container") == 0 && strcmp(action, "create") == 0)
		return add_fact(ev, F_CREATE, *t_us, id, str_member(attrs, "image"),
				str_member(attrs, "name"), err);
	if (strcmp(type, "image") == 0 && strcmp(action, "tag") == 0)
		return add_fact(ev, F_TAG, *t_us, id, NULL, NULL, err);
	if (strcmp(type, "volume") == 0 && strcmp(action, "mount") == 0)
		return add_fact(ev, F_MOUNT, *t_us, id, str_member(attrs, "container"), NULL, err);
	if (strcmp(type, "network") == 0 && strcmp(action, "connect") == 0)
		return add_fact(ev, F_CONNECT, *t_us, id, str_member(attrs, "container"), NULL,
				err);
	return 0;
}

int rc_engine_events_feed(struct rc_engine_events *ev, const char *body, size_t len,
			  int64_t query_since_us, struct rc_err *err)
{
	const char *p = body ? body : "", *end = p + (body ? len : 0);
	int64_t oldest = INT64_MAX, newest = 0;
	size_t count = 0;

	while (p < end) {
		const char *stop = NULL;
		cJSON *o;
		int64_t t = 0;
		int r;

		if (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t') {
			p++;
			continue;
		}
		o = cJSON_ParseWithLengthOpts(p, (size_t)(end - p), &stop, 0);
		if (!o || !stop || stop <= p) {
			cJSON_Delete(o);
			return rc_err_set(err, RC_ERR_PROTOCOL,
					  "unexpected engine answer: the event log is not a "
					  "stream of JSON objects");
		}
		r = take_event(ev, o, &t, err);
		cJSON_Delete(o);
		if (r < 0)
			return -1;
		if (t < oldest)
			oldest = t;
		if (t > newest)
			newest = t;
		count++;
		p = stop;
	}
	if (query_since_us < 0) {
		/* The whole log: complete since planning only if it still
		 * reaches back before it. */
		ev->covered = count > 0 && oldest < ev->since_us - RC_ENGINE_EVENTS_MARGIN_US;
	} else if (ev->covered &&
		   (count == 0 || oldest > ev->last_us + RC_ENGINE_EVENTS_MARGIN_US)) {
		/* The newest event of the last read is gone: some in between
		 * may be too. */
		ev->covered = 0;
	}
	ev->started = 1;
	if (newest > ev->last_us)
		ev->last_us = newest;
	return 0;
}

static void fmt_time(int64_t us, char *out, size_t outsz)
{
	if (us < 0)
		us = 0;
	snprintf(out, outsz, "%lld.%06lld000", (long long)(us / 1000000),
		 (long long)(us % 1000000));
}

int rc_engine_events_update(struct rc_engine_events *ev, struct rc_engine *e, int64_t now_ns,
			    struct rc_err *err)
{
	struct rc_http_resp resp;
	struct rc_buf query = RC_BUF_INIT;
	char since[48], until[48], *vpath = NULL;
	int64_t q_since = -1, now_us = now_ns / 1000;
	int rc = -1;

	if (ev->started && !ev->covered)
		return 0; /* unproven stays unproven: no need to ask */
	if (ev->since_us > now_us) {
		/* A scan in the engine's future: nothing can be proven. */
		ev->started = 1;
		ev->covered = 0;
		return 0;
	}
	if (ev->started)
		q_since = ev->last_us - RC_ENGINE_EVENTS_MARGIN_US;
	if (q_since >= 0 && now_us <= q_since)
		now_us = q_since + 1;
	if (q_since < 0)
		snprintf(since, sizeof(since), "0");
	else
		fmt_time(q_since, since, sizeof(since));
	fmt_time(now_us, until, sizeof(until));
	rc_http_resp_init(&resp);
	rc_buf_init(&query, 0);
	if (rc_buf_puts(&query, "since=", err) < 0 || rc_buf_puts(&query, since, err) < 0 ||
	    rc_buf_puts(&query, "&until=", err) < 0 || rc_buf_puts(&query, until, err) < 0)
		goto out;
	if (!(vpath = rc_engine_path(
		  e, &(struct rc_engine_req){.path = "/events", .query = query.data}, err)))
		goto out;
	if (rc_http_request(rc_engine_http(e), "GET", vpath, NULL, NULL, 0, &resp, err) < 0)
		goto out;
	if (resp.status != 200) {
		char msg[256];
		rc_engine_daemon_message(&resp.body, resp.status, msg, sizeof(msg));
		rc_err_set(err, RC_ERR_HTTP, "cannot read the engine's event log: HTTP %ld: %s",
			   resp.status, msg);
		goto out;
	}
	rc = rc_engine_events_feed(ev, resp.body.data, resp.body.len, q_since, err);
out:
	free(vpath);
	rc_buf_release(&query);
	rc_http_resp_release(&resp);
	return rc;
}

int rc_engine_events_resolve(struct rc_engine_events *ev, struct rc_engine *e, struct rc_err *err)
{
	size_t i;

	for (i = 0; i < ev->n; i++) {
		struct fact *f = &ev->v[i];
		cJSON *img = NULL;
		const char *id;
		int got;

		if (f->kind != F_CREATE || !f->ref || !strchr(f->ref, '@') || f->resolved ||
		    f->unresolvable)
			continue;
		if (!rc_engine_ref_safe(f->ref)) {
			f->unresolvable = 1;
			continue;
		}
		got = rc_engine_get_json(
		    e,
		    &(struct rc_engine_req){.path = "/images/", .object = f->ref, .tail = "/json"},
		    &img, err);
		if (got < 0)
			return -1;
		id = got == 0 ? str_member(img, "Id") : NULL;
		if (id) {
			if (!(f->resolved = strdup(id))) {
				cJSON_Delete(img);
				return rc_err_nomem(err);
			}
		} else {
			f->unresolvable = 1;
		}
		cJSON_Delete(img);
	}
	return 0;
}

void rc_engine_ref_normalise(const char *ref, char *out, size_t outsz)
{
	static const char *const prefixes[] = {"docker.io/library/", "index.docker.io/library/",
					       "docker.io/", "index.docker.io/"};
	const char *slash, *r = ref;
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(r, prefixes[i], strlen(prefixes[i])) == 0) {
			r += strlen(prefixes[i]);
			break;
		}
	slash = strrchr(r, '/');
	if (strchr(r, '@') || strchr(slash ? slash : r, ':'))
		snprintf(out, outsz, "%s", r);
	else
		snprintf(out, outsz, "%s:latest", r);
}

/* Same identity, with or without "sha256:" on either side. */
static int same_id(const char *a, const char *b)
{
	if (strncmp(a, "sha256:", 7) == 0)
		a += 7;
	if (strncmp(b, "sha256:", 7) == 0)
		b += 7;
	return strcmp(a, b) == 0;
}

/* Could a container created from `ref` have used image item it? */
static int ref_names_image(const struct fact *f, const struct rc_plan_item *it)
{
	const char *ref = f->ref, *h;
	char want[512], have[512];
	size_t i, n;

	if (!ref || !*ref || f->unresolvable)
		return 1; /* cannot tell: assume it did */
	if (f->resolved)
		return same_id(f->resolved, it->object);
	/* an ID or a unique prefix of one, as docker accepts */
	h = strncmp(ref, "sha256:", 7) == 0 ? ref + 7 : ref;
	n = strlen(h);
	if (n > 0 && n <= 64 && rc_is_lower_hex(h, n) && strlen(it->object) == 71 &&
	    strncmp(it->object + 7, h, n) == 0)
		return 1;
	if (strchr(ref, '@'))
		return 0; /* resolved above when it names an image at all */
	rc_engine_ref_normalise(ref, have, sizeof(have));
	for (i = 0; i < it->pre.tags.n; i++) {
		rc_engine_ref_normalise(it->pre.tags.v[i], want, sizeof(want));
		if (strcmp(want, have) == 0)
			return 1;
	}
	return 0;
}

int rc_engine_events_used(const struct rc_engine_events *ev, const struct rc_plan_item *it,
			  char *reason, size_t reasonsz)
{
	size_t i;

	for (i = 0; ev && i < ev->n; i++) {
		const struct fact *f = &ev->v[i];
		char who[128], when[32];

		if (f->t_us < ev->since_us - RC_ENGINE_EVENTS_MARGIN_US)
			continue;
		rc_format_time(f->t_us / 1000000, when, sizeof(when));
		switch (it->kind) {
		case RC_KIND_IMAGE:
			if (f->kind == F_TAG && same_id(f->id, it->object)) {
				snprintf(reason, reasonsz, "image was tagged at %s, after planning",
					 when);
				return 1;
			}
			if (f->kind == F_CREATE && ref_names_image(f, it)) {
				rc_sanitize(who, sizeof(who), f->name ? f->name : f->id);
				snprintf(reason, reasonsz,
					 "container '%s' was created from the image at %s, after "
					 "planning",
					 who, when);
				return 1;
			}
			break;
		case RC_KIND_VOLUME:
			if (f->kind == F_MOUNT && strcmp(f->id, it->object) == 0) {
				rc_sanitize(who, sizeof(who), f->ref ? f->ref : "?");
				snprintf(reason, reasonsz,
					 "volume was mounted by container %.12s at %s, after "
					 "planning",
					 who, when);
				return 1;
			}
			break;
		case RC_KIND_NETWORK:
			if (f->kind == F_CONNECT && same_id(f->id, it->object)) {
				rc_sanitize(who, sizeof(who), f->ref ? f->ref : "?");
				snprintf(
				    reason, reasonsz,
				    "container %.12s was connected to the network at %s, after "
				    "planning",
				    who, when);
				return 1;
			}
			break;
		default:
			break;
		}
	}
	return 0;
}
