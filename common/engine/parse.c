/* parse.c: the Docker Engine's answers, parsed into the inventory.
 *
 * Every engine-version quirk of an answer's shape is handled here:
 * - before 1.43 untagged images list "<none>:<none>" (and "<none>@<none>"
 *   digests); we drop them, so untagged always means no tags;
 * - /images/json "Containers" is -1 before 1.51: treated as unknown;
 * - "Manifests" (1.47+) and "VirtualSize" (gone in 1.44) are ignored;
 * - stopped containers report an empty NetworkID on old engines: the network
 *   name is kept and rc_engine_scan resolves it to the ID;
 * - /containers/json omits SizeRw when it is 0: 0 when SizeRootFs is there;
 * - /system/df BuildCache: "Parent" (old) / "Parents" (1.42+) are ignored,
 *   "LastUsedAt" may be null.
 *
 * cJSON keeps numbers as doubles. Byte counts are taken only when they are
 * integers in [min, 2^53], where a double is exact; anything else is a
 * protocol error rather than a silently rounded size.
 *
 * A parser that fails may leave partly filled entries (NULL strings) at the
 * end of inv; rc_inventory_release releases them, and callers must not use an
 * inventory after a failed parse for anything else. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "engine.h"
#include "hex.h"
#include "units.h"

#define EXACT_MAX 9007199254740992.0 /* 2^53 */

/* ---------- JSON helpers ---------- */

static cJSON *parse_doc(const char *json, size_t len, const char *what, struct rc_err *err)
{
	cJSON *root;
	const char *end = NULL;

	if (!json || !len) {
		rc_err_set(err, RC_ERR_PROTOCOL, "malformed %s answer: empty", what);
		return NULL;
	}
	root = cJSON_ParseWithLengthOpts(json, len, &end, 0);
	if (root) {
		/* cJSON's own check wants a NUL inside len; do it by hand */
		while (end < json + len &&
		       (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
			end++;
		if (end < json + len && *end) {
			cJSON_Delete(root);
			rc_err_set(err, RC_ERR_PROTOCOL,
				   "malformed %s answer: trailing data after JSON", what);
			return NULL;
		}
	}
	if (!root)
		rc_err_set(err, RC_ERR_PROTOCOL, "malformed %s answer: not valid JSON (truncated?)",
			   what);
	return root;
}

static int bad(struct rc_err *err, const char *what, const char *field, const char *problem)
{
	return rc_err_set(err, RC_ERR_PROTOCOL, "malformed %s answer: '%s' %s", what, field,
			  problem);
}

/* Strings: missing or null gives "" unless required. */
static int get_str(const cJSON *o, const char *field, int required, char **out, const char *what,
		   struct rc_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, field);
	const char *s = "";

	if (!v || cJSON_IsNull(v)) {
		if (required)
			return bad(err, what, field, "is missing");
	} else if (!cJSON_IsString(v) || !v->valuestring) {
		return bad(err, what, field, "is not a string");
	} else {
		s = v->valuestring;
	}
	if (required && !*s)
		return bad(err, what, field, "is empty");
	free(*out);
	*out = strdup(s);
	if (!*out)
		return rc_err_nomem(err);
	return 0;
}

/* Integers in [min, 2^53]; missing or null gives dflt unless required. */
static int get_i64(const cJSON *o, const char *field, int required, int64_t min, int64_t dflt,
		   int64_t *out, const char *what, struct rc_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, field);
	double d;

	if (!v || cJSON_IsNull(v)) {
		if (required)
			return bad(err, what, field, "is missing");
		*out = dflt;
		return 0;
	}
	if (!cJSON_IsNumber(v))
		return bad(err, what, field, "is not a number");
	d = v->valuedouble;
	if (!isfinite(d) || d != floor(d))
		return bad(err, what, field, "is not an integer");
	if (d < (double)min || d > EXACT_MAX)
		return bad(err, what, field, "is out of range");
	*out = (int64_t)d;
	return 0;
}

static int get_bool(const cJSON *o, const char *field, int *out, const char *what,
		    struct rc_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, field);

	if (!v || cJSON_IsNull(v)) {
		*out = 0;
		return 0;
	}
	if (!cJSON_IsBool(v))
		return bad(err, what, field, "is not a boolean");
	*out = cJSON_IsTrue(v) ? 1 : 0;
	return 0;
}

/* RFC 3339 string; missing, null or "" gives 0 (unknown). */
static int get_time(const cJSON *o, const char *field, int64_t *out, const char *what,
		    struct rc_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, field);
	struct rc_err sub = RC_ERR_INIT;

	*out = 0;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v) || !v->valuestring)
		return bad(err, what, field, "is not a string");
	if (!*v->valuestring)
		return 0;
	if (rc_parse_time(v->valuestring, out, &sub) < 0)
		return bad(err, what, field, "is not an RFC 3339 time");
	return 0;
}

/* Array of strings or null. `skip` (may be NULL) is a value to drop. */
static int get_strv(const cJSON *o, const char *field, struct rc_strv *out, const char *skip,
		    const char *what, struct rc_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, field), *e;

	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsArray(v))
		return bad(err, what, field, "is not an array");
	cJSON_ArrayForEach(e, v)
	{
		if (!cJSON_IsString(e) || !e->valuestring)
			return bad(err, what, field, "holds a non-string");
		if (skip && strcmp(e->valuestring, skip) == 0)
			continue;
		if (rc_strv_push(out, e->valuestring, err) < 0)
			return -1;
	}
	return 0;
}

/* Object of string values, or null. */
static int get_labels(const cJSON *o, const char *field, struct rc_labels *out, const char *what,
		      struct rc_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, field), *e;
	size_t n;

	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsObject(v))
		return bad(err, what, field, "is not an object");
	n = (size_t)cJSON_GetArraySize(v);
	if (!n)
		return 0;
	out->v = calloc(n, sizeof(*out->v));
	if (!out->v)
		return rc_err_nomem(err);
	cJSON_ArrayForEach(e, v)
	{
		if (!cJSON_IsString(e) || !e->valuestring)
			return bad(err, what, field, "holds a non-string value");
		out->v[out->n].key = strdup(e->string ? e->string : "");
		out->v[out->n].value = strdup(e->valuestring);
		out->n++;
		if (!out->v[out->n - 1].key || !out->v[out->n - 1].value)
			return rc_err_nomem(err);
	}
	return 0;
}

/* Appends one zeroed element to a dynamic array, doubling its capacity. */
static void *push(void *arrp, size_t *n, size_t elsz, struct rc_err *err)
{
	void **arr = arrp;
	char *p;

	if (*n < 4 || (*n & (*n - 1)) == 0) {
		size_t cap = *n < 4 ? 4 : *n * 2;
		p = realloc(*arr, cap * elsz);
		if (!p) {
			rc_err_nomem(err);
			return NULL;
		}
		*arr = p;
	}
	p = (char *)*arr + *n * elsz;
	memset(p, 0, elsz);
	(*n)++;
	return p;
}

static const cJSON *want_array(const cJSON *root, const char *what, struct rc_err *err)
{
	if (!cJSON_IsArray(root)) {
		rc_err_set(err, RC_ERR_PROTOCOL, "malformed %s answer: not a JSON array", what);
		return NULL;
	}
	return root;
}

static int want_object(const cJSON *o, const char *what, struct rc_err *err)
{
	if (!cJSON_IsObject(o))
		return rc_err_set(err, RC_ERR_PROTOCOL,
				  "malformed %s answer: an entry is not an object", what);
	return 0;
}

/* ---------- parsers ---------- */

/* /info SystemTime, the daemon's clock (its event log's too), kept in UTC
 * with nanoseconds so that a plan can record where "since planning" starts.
 * Missing or unparsable: unknown, which later checks treat conservatively. */
static int parse_system_time(const cJSON *root, struct rc_engine_info *info, const char *what,
			     struct rc_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "SystemTime");
	struct rc_err sub = RC_ERR_INIT;
	char buf[64], day[32];
	int64_t sec;
	long ns;

	free(info->system_time);
	info->system_time = NULL;
	info->system_time_ns = 0;
	if (!cJSON_IsString(v) || rc_parse_time_ns(v->valuestring, &sec, &ns, &sub) < 0 ||
	    sec <= 0 || rc_time_ns(sec, ns, &info->system_time_ns) < 0) {
		info->system_time_ns = 0;
		return 0; /* a clock past 2262 is as unknown as none */
	}
	rc_format_time(sec, day, sizeof(day));
	day[strlen(day) - 1] = '\0'; /* drop the Z */
	snprintf(buf, sizeof(buf), "%s.%09ldZ", day, ns);
	if (!(info->system_time = strdup(buf)))
		return rc_err_set(err, RC_ERR_NOMEM, "out of memory while reading %s", what);
	return 0;
}

int rc_engine_parse_info(const char *json, size_t len, struct rc_engine_info *info,
			 struct rc_err *err)
{
	static const char what[] = "/info";
	cJSON *root = parse_doc(json, len, what, err);
	int ret = -1;

	if (!root)
		return -1;
	if (!cJSON_IsObject(root)) {
		rc_err_set(err, RC_ERR_PROTOCOL, "malformed %s answer: not a JSON object", what);
		goto out;
	}
	if (get_str(root, "ID", 1, &info->id, what, err) < 0 ||
	    get_str(root, "Name", 0, &info->name, what, err) < 0 ||
	    get_str(root, "ServerVersion", 0, &info->server_version, what, err) < 0 ||
	    parse_system_time(root, info, what, err) < 0)
		goto out;
	{
		/* [["driver-type", "io.containerd.snapshotter.v1"], ...] */
		const cJSON *ds = cJSON_GetObjectItemCaseSensitive(root, "DriverStatus"), *pair;
		info->containerd_store = 0;
		if (!cJSON_IsArray(ds))
			ds = NULL;
		cJSON_ArrayForEach(pair, ds)
		{
			const cJSON *v = cJSON_GetArrayItem(pair, 1);
			if (cJSON_IsArray(pair) && cJSON_IsString(v) &&
			    strstr(v->valuestring, "io.containerd.snapshotter"))
				info->containerd_store = 1;
		}
	}
	ret = 0;
out:
	cJSON_Delete(root);
	return ret;
}

int rc_engine_parse_images(const char *json, size_t len, const char *api, struct rc_inventory *inv,
			   struct rc_err *err)
{
	static const char what[] = "/images/json";
	cJSON *root = parse_doc(json, len, what, err);
	const cJSON *e;
	int ret = -1;
	int containers_known = api && rc_engine_api_cmp(api, "1.51") >= 0;

	if (!root || !want_array(root, what, err))
		goto out;
	cJSON_ArrayForEach(e, root)
	{
		struct rc_image *m;

		if (want_object(e, what, err) < 0)
			goto out;
		m = push(&inv->images, &inv->n_images, sizeof(*m), err);
		if (!m)
			goto out;
		m->shared_size = -1;
		m->containers = -1;
		if (get_str(e, "Id", 1, &m->id, what, err) < 0 ||
		    get_str(e, "ParentId", 0, &m->parent_id, what, err) < 0 ||
		    get_strv(e, "RepoTags", &m->repo_tags, "<none>:<none>", what, err) < 0 ||
		    get_strv(e, "RepoDigests", &m->repo_digests, "<none>@<none>", what, err) < 0 ||
		    get_i64(e, "Created", 1, 0, 0, &m->created, what, err) < 0 ||
		    get_i64(e, "Size", 1, 0, 0, &m->size, what, err) < 0 ||
		    get_i64(e, "SharedSize", 0, -1, -1, &m->shared_size, what, err) < 0 ||
		    get_i64(e, "Containers", 0, -1, -1, &m->containers, what, err) < 0 ||
		    get_labels(e, "Labels", &m->labels, what, err) < 0)
			goto out;
		if (!containers_known)
			m->containers = -1;
		m->dangling = m->repo_tags.n == 0;
	}
	ret = 0;
out:
	cJSON_Delete(root);
	return ret;
}

int rc_engine_parse_image_inspect(const char *json, size_t len, struct rc_image *img,
				  struct rc_err *err)
{
	static const char what[] = "/images/{id}/json";
	cJSON *root = parse_doc(json, len, what, err);
	const cJSON *rootfs, *meta;
	char *parent = NULL;
	int64_t ltt = 0;
	size_t i;
	int ret = -1;

	if (!root)
		return -1;
	if (!cJSON_IsObject(root)) {
		rc_err_set(err, RC_ERR_PROTOCOL, "malformed %s answer: not a JSON object", what);
		goto out;
	}
	if (get_str(root, "Parent", 0, &parent, what, err) < 0)
		goto out;
	meta = cJSON_GetObjectItemCaseSensitive(root, "Metadata");
	if (meta && !cJSON_IsNull(meta)) {
		if (!cJSON_IsObject(meta)) {
			bad(err, what, "Metadata", "is not an object");
			goto out;
		}
		if (get_time(meta, "LastTagTime", &ltt, what, err) < 0)
			goto out;
	}
	rootfs = cJSON_GetObjectItemCaseSensitive(root, "RootFS");
	rc_strv_release(&img->layers);
	free(img->layer_sizes);
	img->layer_sizes = NULL;
	if (rootfs && !cJSON_IsNull(rootfs)) {
		if (!cJSON_IsObject(rootfs)) {
			bad(err, what, "RootFS", "is not an object");
			goto out;
		}
		if (get_strv(rootfs, "Layers", &img->layers, NULL, what, err) < 0)
			goto out;
	}
	if (img->layers.n) {
		img->layer_sizes = malloc(img->layers.n * sizeof(*img->layer_sizes));
		if (!img->layer_sizes) {
			rc_err_nomem(err);
			goto out;
		}
		for (i = 0; i < img->layers.n; i++)
			img->layer_sizes[i] = -1;
	}
	if (parent[0] || !img->parent_id) {
		free(img->parent_id);
		img->parent_id = parent;
		parent = NULL;
	}
	img->last_tag_time = ltt;
	ret = 0;
out:
	free(parent);
	cJSON_Delete(root);
	return ret;
}

/* History lists the newest step first; steps that made a layer have a
 * non-zero size. Mapped in reverse onto RootFS.Layers (base first). When the
 * counts disagree (a layer of zero bytes), steps that are not "#(nop)"
 * metadata are tried; failing that the sizes stay unknown. */
int rc_engine_parse_image_history(const char *json, size_t len, struct rc_image *img,
				  struct rc_err *err)
{
	static const char what[] = "/images/{id}/history";
	cJSON *root = parse_doc(json, len, what, err);
	const cJSON *e;
	int64_t *sizes = NULL;
	int *nop = NULL;
	size_t n = 0, i, nonzero = 0, nonnop = 0, k;
	int ret = -1;

	if (!root || !want_array(root, what, err))
		goto out;
	n = (size_t)cJSON_GetArraySize(root);
	sizes = calloc(n ? n : 1, sizeof(*sizes));
	nop = calloc(n ? n : 1, sizeof(*nop));
	if (!sizes || !nop) {
		rc_err_nomem(err);
		goto out;
	}
	i = 0;
	cJSON_ArrayForEach(e, root)
	{
		const cJSON *cb;

		if (want_object(e, what, err) < 0 ||
		    get_i64(e, "Size", 1, 0, 0, &sizes[i], what, err) < 0)
			goto out;
		cb = cJSON_GetObjectItemCaseSensitive(e, "CreatedBy");
		if (cb && !cJSON_IsNull(cb) && !cJSON_IsString(cb)) {
			bad(err, what, "CreatedBy", "is not a string");
			goto out;
		}
		nop[i] = cJSON_IsString(cb) && strstr(cb->valuestring, "#(nop)") &&
			 !strstr(cb->valuestring, "COPY") && !strstr(cb->valuestring, "ADD");
		nonzero += sizes[i] > 0;
		nonnop += !nop[i];
		i++;
	}
	if (!img->layers.n || !img->layer_sizes) {
		ret = 0;
		goto out;
	}
	k = 0;
	if (nonzero == img->layers.n) {
		for (i = n; i-- > 0;)
			if (sizes[i] > 0)
				img->layer_sizes[k++] = sizes[i];
	} else if (nonnop == img->layers.n) {
		for (i = n; i-- > 0;)
			if (!nop[i])
				img->layer_sizes[k++] = sizes[i];
	} else {
		for (i = 0; i < img->layers.n; i++)
			img->layer_sizes[i] = -1;
	}
	ret = 0;
out:
	free(sizes);
	free(nop);
	cJSON_Delete(root);
	return ret;
}

int rc_engine_parse_containers(const char *json, size_t len, const char *api,
			       struct rc_inventory *inv, struct rc_err *err)
{
	static const char what[] = "/containers/json";
	cJSON *root = parse_doc(json, len, what, err);
	const cJSON *e;
	int ret = -1;

	(void)api; /* no version quirk in this list so far */
	if (!root || !want_array(root, what, err))
		goto out;
	cJSON_ArrayForEach(e, root)
	{
		struct rc_container *c;
		const cJSON *names, *mounts, *ns, *nets, *x;

		if (want_object(e, what, err) < 0)
			goto out;
		c = push(&inv->containers, &inv->n_containers, sizeof(*c), err);
		if (!c)
			goto out;
		if (get_str(e, "Id", 1, &c->id, what, err) < 0 ||
		    get_str(e, "Image", 0, &c->image, what, err) < 0 ||
		    get_str(e, "ImageID", 0, &c->image_id, what, err) < 0 ||
		    get_str(e, "State", 0, &c->state, what, err) < 0 ||
		    get_i64(e, "Created", 1, 0, 0, &c->created, what, err) < 0 ||
		    get_i64(e, "SizeRw", 0, -1, -1, &c->size_rw, what, err) < 0 ||
		    get_i64(e, "SizeRootFs", 0, -1, -1, &c->size_root_fs, what, err) < 0 ||
		    get_labels(e, "Labels", &c->labels, what, err) < 0)
			goto out;
		/* SizeRw is omitted when 0 (omitempty) even with size=1; SizeRootFs
		 * tells that sizes were asked for */
		if (c->size_rw < 0 && c->size_root_fs >= 0)
			c->size_rw = 0;
		names = cJSON_GetObjectItemCaseSensitive(e, "Names");
		if (names && !cJSON_IsNull(names)) {
			x = cJSON_GetArrayItem(names, 0);
			if (!cJSON_IsArray(names) || (x && !cJSON_IsString(x))) {
				bad(err, what, "Names", "is not an array of strings");
				goto out;
			}
			if (x) {
				const char *s = x->valuestring;
				c->name = strdup(s[0] == '/' ? s + 1 : s);
			}
		}
		if (!c->name && !(c->name = strdup(""))) {
			rc_err_nomem(err);
			goto out;
		}
		mounts = cJSON_GetObjectItemCaseSensitive(e, "Mounts");
		if (mounts && !cJSON_IsNull(mounts)) {
			if (!cJSON_IsArray(mounts)) {
				bad(err, what, "Mounts", "is not an array");
				goto out;
			}
			cJSON_ArrayForEach(x, mounts)
			{
				const cJSON *t = cJSON_GetObjectItemCaseSensitive(x, "Type");
				const cJSON *nm = cJSON_GetObjectItemCaseSensitive(x, "Name");

				if (!cJSON_IsObject(x) || (t && !cJSON_IsString(t)) ||
				    (nm && !cJSON_IsNull(nm) && !cJSON_IsString(nm))) {
					bad(err, what, "Mounts", "holds a malformed mount");
					goto out;
				}
				if (t && strcmp(t->valuestring, "volume") == 0 &&
				    cJSON_IsString(nm) && nm->valuestring[0] &&
				    rc_strv_push(&c->volumes, nm->valuestring, err) < 0)
					goto out;
			}
		}
		ns = cJSON_GetObjectItemCaseSensitive(e, "NetworkSettings");
		nets = cJSON_IsObject(ns) ? cJSON_GetObjectItemCaseSensitive(ns, "Networks") : NULL;
		if ((ns && !cJSON_IsNull(ns) && !cJSON_IsObject(ns)) ||
		    (nets && !cJSON_IsNull(nets) && !cJSON_IsObject(nets))) {
			bad(err, what, "NetworkSettings", "is not an object");
			goto out;
		}
		if (nets) {
			cJSON_ArrayForEach(x, nets)
			{
				const cJSON *id = cJSON_GetObjectItemCaseSensitive(x, "NetworkID");

				if (!cJSON_IsObject(x) ||
				    (id && !cJSON_IsNull(id) && !cJSON_IsString(id))) {
					bad(err, what, "NetworkID", "is not a string");
					goto out;
				}
				/* old engines give no ID for stopped containers: keep
				 * the name, rc_engine_scan maps it to the ID */
				if (rc_strv_push(&c->networks,
					      cJSON_IsString(id) && id->valuestring[0]
						  ? id->valuestring
						  : x->string,
					      err) < 0)
					goto out;
			}
		}
	}
	ret = 0;
out:
	cJSON_Delete(root);
	return ret;
}

static int parse_volume(const cJSON *e, struct rc_volume *v, const char *what, struct rc_err *err)
{
	const cJSON *u;

	v->size = -1;
	v->ref_count = -1;
	if (want_object(e, what, err) < 0 || get_str(e, "Name", 1, &v->name, what, err) < 0 ||
	    get_str(e, "Driver", 0, &v->driver, what, err) < 0 ||
	    get_time(e, "CreatedAt", &v->created, what, err) < 0 ||
	    get_labels(e, "Labels", &v->labels, what, err) < 0)
		return -1;
	u = cJSON_GetObjectItemCaseSensitive(e, "UsageData");
	if (u && !cJSON_IsNull(u)) {
		if (!cJSON_IsObject(u))
			return bad(err, what, "UsageData", "is not an object");
		if (get_i64(u, "Size", 0, -1, -1, &v->size, what, err) < 0 ||
		    get_i64(u, "RefCount", 0, -1, -1, &v->ref_count, what, err) < 0)
			return -1;
	}
	v->anonymous =
	    rc_is_lower_hex(v->name, 64) || rc_labels_get(&v->labels, "com.docker.volume.anonymous");
	return 0;
}

int rc_engine_parse_volumes(const char *json, size_t len, struct rc_inventory *inv,
			    struct rc_err *err)
{
	static const char what[] = "/volumes";
	cJSON *root = parse_doc(json, len, what, err);
	const cJSON *vols, *e;
	int ret = -1;

	if (!root)
		return -1;
	if (!cJSON_IsObject(root)) {
		rc_err_set(err, RC_ERR_PROTOCOL, "malformed %s answer: not a JSON object", what);
		goto out;
	}
	vols = cJSON_GetObjectItemCaseSensitive(root, "Volumes");
	if (vols && !cJSON_IsNull(vols) && !cJSON_IsArray(vols)) {
		bad(err, what, "Volumes", "is not an array");
		goto out;
	}
	cJSON_ArrayForEach(e, vols)
	{
		struct rc_volume *v = push(&inv->volumes, &inv->n_volumes, sizeof(*v), err);

		if (!v || parse_volume(e, v, what, err) < 0)
			goto out;
	}
	ret = 0;
out:
	cJSON_Delete(root);
	return ret;
}

int rc_engine_parse_networks(const char *json, size_t len, struct rc_inventory *inv,
			     struct rc_err *err)
{
	static const char what[] = "/networks";
	cJSON *root = parse_doc(json, len, what, err);
	const cJSON *e;
	int ret = -1;

	if (!root || !want_array(root, what, err))
		goto out;
	cJSON_ArrayForEach(e, root)
	{
		struct rc_network *n;

		if (want_object(e, what, err) < 0)
			goto out;
		n = push(&inv->networks, &inv->n_networks, sizeof(*n), err);
		if (!n || get_str(e, "Id", 1, &n->id, what, err) < 0 ||
		    get_str(e, "Name", 1, &n->name, what, err) < 0 ||
		    get_str(e, "Driver", 0, &n->driver, what, err) < 0 ||
		    get_str(e, "Scope", 0, &n->scope, what, err) < 0 ||
		    get_time(e, "Created", &n->created, what, err) < 0 ||
		    get_labels(e, "Labels", &n->labels, what, err) < 0)
			goto out;
		n->predefined = strcmp(n->name, "bridge") == 0 || strcmp(n->name, "host") == 0 ||
				strcmp(n->name, "none") == 0;
	}
	ret = 0;
out:
	cJSON_Delete(root);
	return ret;
}

/* /system/df lists images and containers as {Id, <two sizes>}; `apply`
 * copies one entry's sizes onto the object with that ID in inv. */
typedef void (*df_apply_fn)(struct rc_inventory *inv, const char *id, int64_t a, int64_t b);

static int df_sizes(const cJSON *arr, const char *field, const char *key_a, const char *key_b,
		    df_apply_fn apply, struct rc_inventory *inv, const char *what,
		    struct rc_err *err)
{
	const cJSON *e;

	if (!arr || cJSON_IsNull(arr))
		return 0;
	if (!cJSON_IsArray(arr))
		return bad(err, what, field, "is not an array");
	cJSON_ArrayForEach(e, arr)
	{
		char *id = NULL;
		int64_t a, b;

		if (want_object(e, what, err) < 0 || get_str(e, "Id", 1, &id, what, err) < 0)
			return -1;
		if (get_i64(e, key_a, 0, -1, -1, &a, what, err) < 0 ||
		    get_i64(e, key_b, 0, -1, -1, &b, what, err) < 0) {
			free(id);
			return -1;
		}
		apply(inv, id, a, b);
		free(id);
	}
	return 0;
}

static void df_image(struct rc_inventory *inv, const char *id, int64_t shared, int64_t cont)
{
	for (size_t i = 0; i < inv->n_images; i++) {
		if (inv->images[i].id && strcmp(inv->images[i].id, id) == 0) {
			inv->images[i].shared_size = shared;
			inv->images[i].containers = cont;
		}
	}
}

/* Container sizes come from /system/df, which computes them anyway: asking
 * /containers/json?size=1 as well would make the daemon walk every
 * container's file system twice. */
static void df_container(struct rc_inventory *inv, const char *id, int64_t rw, int64_t rootfs)
{
	if (rw < 0 && rootfs >= 0)
		rw = 0; /* omitted when 0 */
	for (size_t i = 0; i < inv->n_containers; i++) {
		struct rc_container *c = &inv->containers[i];
		if (c->id && strcmp(c->id, id) == 0) {
			if (rw >= 0)
				c->size_rw = rw;
			if (rootfs >= 0)
				c->size_root_fs = rootfs;
		}
	}
}

static void volume_release(struct rc_volume *v)
{
	free(v->name);
	free(v->driver);
	rc_labels_release(&v->labels);
}

static int df_volumes(const cJSON *arr, struct rc_inventory *inv, const char *what,
		      struct rc_err *err)
{
	const cJSON *e;

	if (!arr || cJSON_IsNull(arr))
		return 0;
	if (!cJSON_IsArray(arr))
		return bad(err, what, "Volumes", "is not an array");
	cJSON_ArrayForEach(e, arr)
	{
		struct rc_volume tmp, *v = NULL;
		size_t i;

		memset(&tmp, 0, sizeof(tmp));
		if (parse_volume(e, &tmp, what, err) < 0) {
			volume_release(&tmp);
			return -1;
		}
		for (i = 0; i < inv->n_volumes; i++) {
			if (inv->volumes[i].name && strcmp(inv->volumes[i].name, tmp.name) == 0) {
				inv->volumes[i].size = tmp.size;
				inv->volumes[i].ref_count = tmp.ref_count;
				v = &inv->volumes[i];
			}
		}
		if (v) {
			volume_release(&tmp);
			continue;
		}
		/* not listed by /volumes (created since): keep it */
		v = push(&inv->volumes, &inv->n_volumes, sizeof(*v), err);
		if (!v) {
			volume_release(&tmp);
			return -1;
		}
		*v = tmp;
	}
	return 0;
}

static int df_build_cache(const cJSON *arr, struct rc_inventory *inv, const char *what,
			  struct rc_err *err)
{
	const cJSON *e;

	if (!arr || cJSON_IsNull(arr))
		return 0;
	if (!cJSON_IsArray(arr))
		return bad(err, what, "BuildCache", "is not an array");
	cJSON_ArrayForEach(e, arr)
	{
		struct rc_build_cache *b;

		if (want_object(e, what, err) < 0)
			return -1;
		b = push(&inv->build_cache, &inv->n_build_cache, sizeof(*b), err);
		if (!b || get_str(e, "ID", 1, &b->id, what, err) < 0 ||
		    get_str(e, "Type", 0, &b->type, what, err) < 0 ||
		    get_str(e, "Description", 0, &b->description, what, err) < 0 ||
		    get_bool(e, "InUse", &b->in_use, what, err) < 0 ||
		    get_bool(e, "Shared", &b->shared, what, err) < 0 ||
		    get_i64(e, "Size", 1, 0, 0, &b->size, what, err) < 0 ||
		    get_time(e, "CreatedAt", &b->created, what, err) < 0 ||
		    get_time(e, "LastUsedAt", &b->last_used, what, err) < 0 ||
		    get_i64(e, "UsageCount", 0, 0, 0, &b->usage_count, what, err) < 0)
			return -1;
	}
	return 0;
}

int rc_engine_parse_df(const char *json, size_t len, const char *api, struct rc_inventory *inv,
		       struct rc_err *err)
{
	static const char what[] = "/system/df";
	cJSON *root = parse_doc(json, len, what, err);
	int ret = -1;

	(void)api;
	if (!root)
		return -1;
	if (!cJSON_IsObject(root)) {
		rc_err_set(err, RC_ERR_PROTOCOL, "malformed %s answer: not a JSON object", what);
		goto out;
	}
	if (get_i64(root, "LayersSize", 0, -1, -1, &inv->layers_size, what, err) < 0 ||
	    df_sizes(cJSON_GetObjectItemCaseSensitive(root, "Images"), "Images", "SharedSize",
		     "Containers", df_image, inv, what, err) < 0 ||
	    df_sizes(cJSON_GetObjectItemCaseSensitive(root, "Containers"), "Containers", "SizeRw",
		     "SizeRootFs", df_container, inv, what, err) < 0 ||
	    df_volumes(cJSON_GetObjectItemCaseSensitive(root, "Volumes"), inv, what, err) < 0 ||
	    df_build_cache(cJSON_GetObjectItemCaseSensitive(root, "BuildCache"), inv, what, err) <
		0)
		goto out;
	ret = 0;
out:
	cJSON_Delete(root);
	return ret;
}

/* A time the daemon gave, fit to be recorded as evidence: a short RFC 3339
 * string. */
static int valid_time(const cJSON *v)
{
	struct rc_err sub = RC_ERR_INIT;
	int64_t t;

	return cJSON_IsString(v) && strlen(v->valuestring) <= 64 &&
	       rc_parse_time(v->valuestring, &t, &sub) == 0;
}

static char *evidence_time(const cJSON *v)
{
	return valid_time(v) ? strdup(v->valuestring) : NULL;
}

int rc_engine_parse_container_inspect(const char *json, size_t len, struct rc_container *c,
				      struct rc_err *err)
{
	static const char what[] = "/containers/{id}/json";
	cJSON *root = parse_doc(json, len, what, err);
	const cJSON *st;
	int r = 0;

	if (!root)
		return -1;
	st = cJSON_GetObjectItemCaseSensitive(root, "State");
	if (st && !cJSON_IsNull(st) && !cJSON_IsObject(st))
		r = bad(err, what, "State", "is not an object");
	else if (st)
		r = get_time(st, "FinishedAt", &c->finished_at, what, err);
	if (r == 0 && st) {
		/* the evidence of use a plan records, compared to the letter */
		const cJSON *sa = cJSON_GetObjectItemCaseSensitive(st, "StartedAt");
		const cJSON *fa = cJSON_GetObjectItemCaseSensitive(st, "FinishedAt");
		free(c->started_raw);
		free(c->finished_raw);
		c->started_raw = evidence_time(sa);
		c->finished_raw = evidence_time(fa);
		if ((valid_time(sa) && !c->started_raw) || (valid_time(fa) && !c->finished_raw))
			r = rc_err_nomem(err);
	}
	cJSON_Delete(root);
	return r;
}
