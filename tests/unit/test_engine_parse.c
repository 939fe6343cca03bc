/* test_engine_parse.c: the Docker Engine answer parsers, on real answers
 * recorded from API 1.41 and on answers of newer APIs built from moby's API
 * definition (see tests/data/engine/README.md), plus malformed, truncated
 * and wrong-typed input for every parser. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/engine.h"
#include "units.h"

#define BASE_ID "sha256:6ed40b6a482e521340d17f055b62815e3318d6f1a8bf93e118484cd5796079da"
#define CHILD_ID "sha256:b260c19f91a5978eb8d758f6664be02ed865b14b2fd28ee20525e453eb638f9a"
#define DANG_ID "sha256:46c203502c9168d22e4a80f18b5999ecbbe2b0ca151d9018800f1f4eb699b8d2"
#define RCNET_ID "b4c8c18e3bf075e0bfe3351260659b10d5f38bfac9ea7ed57f84a94f5fa26815"
#define ANON_VOL "e4ebca588fcf5967cd21d7a5a51116f04b23a8a117b046b3d41d57df87ccb7ea"

/* Reads tests/data/engine/NAME, from the repository root or relative to the
 * test binary ($BUILD/tests/). */
static char *load(const char *name, size_t *len)
{
	char path[PATH_MAX + 64], exe[PATH_MAX];
	FILE *f;
	char *data;
	long n;
	ssize_t k;

	snprintf(path, sizeof(path), "tests/data/engine/%s", name);
	f = fopen(path, "rb");
	if (!f && (k = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
		exe[k] = '\0';
		*strrchr(exe, '/') = '\0';
		snprintf(path, sizeof(path), "%s/../../tests/data/engine/%s", exe, name);
		f = fopen(path, "rb");
	}
	if (!f)
		fail_msg("cannot open test data '%s'", name);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	data = malloc((size_t)n + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
	data[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return data;
}

typedef int (*inv_parser)(const char *, size_t, const char *, struct rc_inventory *,
			  struct rc_err *);

static void parse_file(inv_parser p, const char *file, const char *api, struct rc_inventory *inv)
{
	struct rc_err err = RC_ERR_INIT;
	size_t len;
	char *json = load(file, &len);
	int r = p(json, len, api, inv, &err);

	free(json);
	if (r != 0)
		fail_msg("%s: %s", file, err.msg);
}

static int vol_parser(const char *j, size_t n, const char *api, struct rc_inventory *inv,
		      struct rc_err *err)
{
	(void)api;
	return rc_engine_parse_volumes(j, n, inv, err);
}

static int net_parser(const char *j, size_t n, const char *api, struct rc_inventory *inv,
		      struct rc_err *err)
{
	(void)api;
	return rc_engine_parse_networks(j, n, inv, err);
}

static const struct rc_image *img(const struct rc_inventory *inv, const char *id)
{
	const struct rc_image *m = rc_inventory_image(inv, id);
	if (!m)
		fail_msg("image '%s' not in inventory", id);
	return m;
}

static int64_t t3339(const char *s)
{
	struct rc_err err = RC_ERR_INIT;
	int64_t t = 0;
	assert_int_equal(rc_parse_time(s, &t, &err), 0);
	return t;
}

/* ---------- real 1.41 answers ---------- */

static void test_info_1_41(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_inventory inv;
	size_t len;
	char *json = load("info_1.41.json", &len);
	(void)state;
	rc_inventory_init(&inv);
	assert_int_equal(rc_engine_parse_info(json, len, &inv.engine, &err), 0);
	assert_string_equal(inv.engine.id,
			    "RRYU:PE5D:NOC5:LVQF:IBG2:NFNW:UCKR:OJOT:DFR3:LLNQ:CT7P:CHF6");
	assert_string_equal(inv.engine.name, "vm");
	assert_string_equal(inv.engine.server_version, "20.10.24+dfsg1");
	assert_int_equal(inv.engine.containerd_store, 0); /* vfs graph driver */
	free(json);
	rc_inventory_release(&inv);
}

/* Engines with the containerd image store (API 1.47+ can have it) name the
 * snapshotter in DriverStatus; their image Size is not a sum of layers. */
static void test_info_containerd_store(void **state)
{
	static const char j[] = "{\"ID\":\"x\",\"Driver\":\"overlayfs\",\"DriverStatus\":"
				"[[\"driver-type\",\"io.containerd.snapshotter.v1\"]]}";
	struct rc_err err = RC_ERR_INIT;
	struct rc_inventory inv;
	(void)state;
	rc_inventory_init(&inv);
	assert_int_equal(rc_engine_parse_info(j, sizeof(j) - 1, &inv.engine, &err), 0);
	assert_int_equal(inv.engine.containerd_store, 1);
	rc_inventory_release(&inv);
}

/* SystemTime, the daemon's clock: kept in UTC with nine digits; a clock that
 * int64_t nanoseconds cannot hold (past 2262) or none is unknown, not an
 * overflow. */
static void test_info_system_time(void **state)
{
	static const struct {
		const char *json, *want;
		int64_t ns;
	} cases[] = {
	    {"{\"ID\":\"x\",\"SystemTime\":\"2026-11-27T05:54:43.5574461+01:00\"}",
	     "2026-11-27T04:54:43.557446100Z", INT64_C(1795755283557446100)},
	    {"{\"ID\":\"x\",\"SystemTime\":\"2262-04-11T23:47:15Z\"}",
	     "2262-04-11T23:47:15.000000000Z", INT64_C(9223372035000000000)},
	    {"{\"ID\":\"x\",\"SystemTime\":\"2262-04-11T23:47:16Z\"}", NULL, 0},
	    {"{\"ID\":\"x\",\"SystemTime\":\"9999-12-31T23:59:59.999999999Z\"}", NULL, 0},
	    {"{\"ID\":\"x\",\"SystemTime\":\"0001-01-01T00:00:00Z\"}", NULL, 0},
	    {"{\"ID\":\"x\",\"SystemTime\":12}", NULL, 0},
	};
	size_t i;
	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rc_err err = RC_ERR_INIT;
		struct rc_inventory inv;
		rc_inventory_init(&inv);
		assert_int_equal(
		    rc_engine_parse_info(cases[i].json, strlen(cases[i].json), &inv.engine, &err), 0);
		if (cases[i].want)
			assert_string_equal(inv.engine.system_time, cases[i].want);
		else
			assert_null(inv.engine.system_time);
		assert_true(inv.engine.system_time_ns == cases[i].ns);
		rc_inventory_release(&inv);
	}
}

static void test_images_1_41_drops_none_tags(void **state)
{
	struct rc_inventory inv;
	const struct rc_image *m;
	size_t i;
	(void)state;
	rc_inventory_init(&inv);
	parse_file(rc_engine_parse_images, "images_1.41.json", "1.41", &inv);
	assert_int_equal(inv.n_images, 5);
	m = img(&inv, DANG_ID);
	assert_int_equal(m->repo_tags.n, 0);
	assert_int_equal(m->repo_digests.n, 0);
	assert_true(m->dangling);
	m = img(&inv, BASE_ID);
	assert_false(m->dangling);
	assert_int_equal(m->repo_tags.n, 2);
	assert_string_equal(m->repo_tags.v[0], "rc-base:1");
	assert_string_equal(m->repo_tags.v[1], "rc-base:latest");
	assert_int_equal(m->size, 1982292);
	assert_int_equal(m->created, 1795755276);
	assert_int_equal(m->shared_size, -1);
	assert_int_equal(m->containers, -1);
	assert_string_equal(rc_labels_get(&m->labels, "app"), "base");
	assert_string_equal(
	    m->parent_id,
	    "sha256:2cf66a9a4c5bd749bdc175b98312b9ee1541ab6753c4ff10d8ebbffbfaaae9e4");
	for (i = 0; i < inv.n_images; i++)
		assert_int_equal(inv.images[i].dangling, inv.images[i].repo_tags.n == 0);
	rc_inventory_release(&inv);
	assert_int_equal(inv.n_images, 0);
}

static void apply_file(int (*p)(const char *, size_t, struct rc_image *, struct rc_err *),
		       const char *file, struct rc_image *m)
{
	struct rc_err err = RC_ERR_INIT;
	size_t len;
	char *json = load(file, &len);
	int r = p(json, len, m, &err);
	free(json);
	if (r)
		fail_msg("%s: %s", file, err.msg);
}

static void test_inspect_and_history_give_layer_sizes(void **state)
{
	struct rc_inventory inv;
	struct rc_image *m;
	(void)state;
	rc_inventory_init(&inv);
	parse_file(rc_engine_parse_images, "images_1.41.json", "1.41", &inv);
	m = (struct rc_image *)img(&inv, CHILD_ID);
	apply_file(rc_engine_parse_image_inspect, "image_inspect_child_1.41.json", m);
	assert_int_equal(m->layers.n, 3);
	assert_string_equal(
	    m->layers.v[0],
	    "sha256:f00895ac9623f92dd44589f8114430b2ff48482a6069a2e91dc6a3b5a4255441");
	assert_int_equal(m->layer_sizes[0], -1); /* unknown until history */
	assert_int_equal(m->last_tag_time, t3339("2026-11-27T04:54:38.004283883Z"));
	assert_string_equal(m->parent_id, BASE_ID);
	apply_file(rc_engine_parse_image_history, "image_history_child_1.41.json", m);
	/* history is newest first; layers are base first */
	assert_int_equal(m->layer_sizes[0], 1982256);
	assert_int_equal(m->layer_sizes[1], 36);
	assert_int_equal(m->layer_sizes[2], 35);
	assert_int_equal(m->layer_sizes[0] + m->layer_sizes[1] + m->layer_sizes[2], m->size);

	m = (struct rc_image *)img(&inv, DANG_ID);
	apply_file(rc_engine_parse_image_inspect, "image_inspect_dangling_1.41.json", m);
	apply_file(rc_engine_parse_image_history, "image_history_dangling_1.41.json", m);
	assert_int_equal(m->layers.n, 3);
	assert_int_equal(m->layer_sizes[2], 2);
	/* re-applying replaces, never appends */
	apply_file(rc_engine_parse_image_inspect, "image_inspect_dangling_1.41.json", m);
	assert_int_equal(m->layers.n, 3);
	rc_inventory_release(&inv);
}

static void test_history_step_without_layer(void **state)
{
	struct rc_image m;
	(void)state;
	memset(&m, 0, sizeof(m));
	/* rc-zero:1 has a RUN step that made no layer */
	apply_file(rc_engine_parse_image_inspect, "image_inspect_zerolayer_1.41.json", &m);
	apply_file(rc_engine_parse_image_history, "image_history_zerolayer_1.41.json", &m);
	assert_int_equal(m.layers.n, 3);
	assert_int_equal(m.layer_sizes[0], 1982256);
	assert_int_equal(m.layer_sizes[1], 36);
	assert_int_equal(m.layer_sizes[2], 2);
	free(m.parent_id);
	rc_strv_release(&m.layers);
	free(m.layer_sizes);
}

static void test_history_mismatch_leaves_sizes_unknown(void **state)
{
	static const char inspect[] = "{\"RootFS\":{\"Layers\":[\"sha256:a\",\"sha256:b\"]}}";
	static const char hist[] =
	    "[{\"Size\":5,\"CreatedBy\":\"RUN x\"},{\"Size\":0,\"CreatedBy\":\"#(nop) CMD\"},"
	    "{\"Size\":7,\"CreatedBy\":\"RUN y\"},{\"Size\":9,\"CreatedBy\":\"RUN z\"}]";
	struct rc_err err = RC_ERR_INIT;
	struct rc_image m;
	(void)state;
	memset(&m, 0, sizeof(m));
	assert_int_equal(rc_engine_parse_image_inspect(inspect, strlen(inspect), &m, &err), 0);
	assert_string_equal(m.parent_id, "");
	assert_int_equal(m.last_tag_time, 0);
	assert_int_equal(rc_engine_parse_image_history(hist, strlen(hist), &m, &err), 0);
	assert_int_equal(m.layer_sizes[0], -1);
	assert_int_equal(m.layer_sizes[1], -1);
	free(m.parent_id);
	rc_strv_release(&m.layers);
	free(m.layer_sizes);
}

static const struct rc_container *ctr(const struct rc_inventory *inv, const char *name)
{
	size_t i;
	for (i = 0; i < inv->n_containers; i++)
		if (strcmp(inv->containers[i].name, name) == 0)
			return &inv->containers[i];
	fail_msg("container '%s' not found", name);
	return NULL;
}

static void test_containers_1_41(void **state)
{
	struct rc_inventory inv;
	const struct rc_container *c;
	(void)state;
	rc_inventory_init(&inv);
	parse_file(rc_engine_parse_containers, "containers_1.41.json", "1.41", &inv);
	assert_int_equal(inv.n_containers, 3);
	c = ctr(&inv, "running1");
	assert_string_equal(c->state, "running");
	assert_string_equal(c->image, "rc-base:1");
	assert_string_equal(c->image_id, BASE_ID);
	assert_int_equal(c->volumes.n, 1);
	assert_string_equal(c->volumes.v[0], "named-vol");
	assert_int_equal(c->networks.n, 1);
	assert_string_equal(c->networks.v[0], RCNET_ID);
	assert_int_equal(c->size_rw, 0); /* omitted when 0 although size=1 */
	assert_int_equal(c->size_root_fs, 1982292);
	assert_int_equal(c->finished_at, 0);
	c = ctr(&inv, "exited1");
	assert_string_equal(c->state, "exited");
	assert_int_equal(c->volumes.n, 1);
	assert_string_equal(c->volumes.v[0], ANON_VOL);
	/* stopped on 1.41: no NetworkID, the name is kept for the scan to resolve */
	assert_int_equal(c->networks.n, 1);
	assert_string_equal(c->networks.v[0], "bridge");
	assert_string_equal(rc_labels_get(&c->labels, "app"), "base");
	c = ctr(&inv, "created1");
	assert_int_equal(c->volumes.n, 0);
	assert_int_equal(c->created, 1795755283);
	rc_inventory_release(&inv);
}

static void test_containers_1_51(void **state)
{
	struct rc_inventory inv;
	const struct rc_container *c;
	(void)state;
	rc_inventory_init(&inv);
	parse_file(rc_engine_parse_containers, "containers_1.51.json", "1.51", &inv);
	c = ctr(&inv, "web");
	assert_int_equal(c->size_rw, 4096);
	assert_int_equal(c->volumes.n, 1); /* the bind mount is not a volume */
	assert_string_equal(c->volumes.v[0], "data");
	assert_int_equal(c->networks.n, 2);
	assert_int_equal(strlen(c->networks.v[0]), 64);
	assert_int_equal(strlen(c->networks.v[1]), 64);
	rc_inventory_release(&inv);
}

static const struct rc_volume *vol(const struct rc_inventory *inv, const char *name)
{
	size_t i;
	for (i = 0; i < inv->n_volumes; i++)
		if (strcmp(inv->volumes[i].name, name) == 0)
			return &inv->volumes[i];
	fail_msg("volume '%s' not found", name);
	return NULL;
}

static void test_volumes(void **state)
{
	struct rc_inventory inv;
	const struct rc_volume *v;
	(void)state;
	rc_inventory_init(&inv);
	parse_file(vol_parser, "volumes_1.41.json", NULL, &inv);
	assert_int_equal(inv.n_volumes, 3);
	assert_true(vol(&inv, ANON_VOL)->anonymous);
	assert_false(vol(&inv, "named-vol")->anonymous);
	v = vol(&inv, "labelled-vol");
	assert_false(v->anonymous);
	assert_string_equal(rc_labels_get(&v->labels, "keep"), "yes");
	assert_int_equal(v->size, -1); /* /volumes has no usage on 1.41 */
	assert_int_equal(v->ref_count, -1);
	assert_int_equal(v->created, t3339("2026-11-27T04:54:43Z"));
	assert_string_equal(v->driver, "local");
	parse_file(vol_parser, "volumes_1.47.json", NULL, &inv);
	v = vol(&inv, "anon-but-named");
	assert_true(v->anonymous); /* by label */
	assert_int_equal(v->created, t3339("2026-11-20T09:00:00Z"));
	v = vol(&inv, "data");
	assert_false(v->anonymous);
	assert_int_equal(v->size, -1);
	rc_inventory_release(&inv);
}

static void test_networks(void **state)
{
	struct rc_inventory inv;
	size_t i, seen = 0;
	(void)state;
	rc_inventory_init(&inv);
	parse_file(net_parser, "networks_1.41.json", NULL, &inv);
	assert_int_equal(inv.n_networks, 3);
	for (i = 0; i < inv.n_networks; i++) {
		const struct rc_network *n = &inv.networks[i];
		if (strcmp(n->name, "rc-net") == 0) {
			seen++;
			assert_false(n->predefined);
			assert_string_equal(n->id, RCNET_ID);
			assert_string_equal(n->driver, "bridge");
			assert_string_equal(n->scope, "local");
			assert_string_equal(rc_labels_get(&n->labels, "env"), "test");
			assert_int_equal(n->created, t3339("2026-11-27T04:54:43Z"));
		} else {
			assert_true(n->predefined); /* host, none */
		}
	}
	assert_int_equal(seen, 1);
	rc_inventory_release(&inv);
}

static void test_df_1_41_fills_usage(void **state)
{
	struct rc_inventory inv;
	const struct rc_image *m;
	(void)state;
	rc_inventory_init(&inv);
	parse_file(rc_engine_parse_images, "images_1.41.json", "1.41", &inv);
	parse_file(vol_parser, "volumes_1.41.json", NULL, &inv);
	parse_file(rc_engine_parse_df, "system_df_1.41.json", "1.41", &inv);
	assert_int_equal(inv.layers_size, 1982368);
	m = img(&inv, BASE_ID);
	assert_int_equal(m->containers, 1);
	assert_int_equal(m->shared_size, 1982292);
	m = img(&inv, DANG_ID);
	assert_int_equal(m->containers, 0);
	assert_int_equal(inv.n_volumes, 3); /* matched, not duplicated */
	assert_int_equal(vol(&inv, "named-vol")->ref_count, 1);
	assert_int_equal(vol(&inv, "labelled-vol")->ref_count, 0);
	assert_int_equal(vol(&inv, "labelled-vol")->size, 0);
	assert_int_equal(inv.n_build_cache, 0); /* null on this engine */
	rc_inventory_release(&inv);
}

/* Container sizes come from /system/df: the list is fetched without
 * size=1, and df omits SizeRw when it is 0. */
static void test_df_fills_container_sizes(void **state)
{
	struct rc_inventory inv;
	size_t i;
	(void)state;
	rc_inventory_init(&inv);
	parse_file(rc_engine_parse_containers, "containers_1.41.json", "1.41", &inv);
	for (i = 0; i < inv.n_containers; i++)
		inv.containers[i].size_rw = inv.containers[i].size_root_fs = -1;
	parse_file(rc_engine_parse_df, "system_df_1.41.json", "1.41", &inv);
	assert_int_equal(inv.n_containers, 3);
	for (i = 0; i < inv.n_containers; i++) {
		const struct rc_container *c = &inv.containers[i];
		assert_int_equal(c->size_rw, 0);
		if (strncmp(c->id, "012f2641c333", 12) == 0)
			assert_int_equal(c->size_root_fs, 1982327);
		else
			assert_true(c->size_root_fs > 0);
	}
	rc_inventory_release(&inv);
}

static void test_df_1_47_build_cache_and_big_sizes(void **state)
{
	struct rc_inventory inv;
	const struct rc_build_cache *b;
	(void)state;
	rc_inventory_init(&inv);
	parse_file(rc_engine_parse_df, "system_df_1.47.json", "1.47", &inv);
	assert_true(inv.layers_size == INT64_C(123456789012345));
	assert_int_equal(inv.n_volumes, 2); /* not listed before: added */
	assert_int_equal(vol(&inv, "data")->size, 4096000);
	assert_int_equal(vol(&inv, "data")->ref_count, 0);
	assert_true(vol(&inv, "3f1d5b0a8e8c4a2b9e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f")
			->anonymous);
	assert_int_equal(inv.n_build_cache, 2);
	b = &inv.build_cache[0];
	assert_string_equal(b->id, "ndlpt0hhvkqcdfkputsk4cq9c");
	assert_string_equal(b->type, "regular");
	assert_false(b->in_use);
	assert_true(b->shared);
	assert_int_equal(b->size, 51);
	assert_int_equal(b->created, t3339("2026-11-01T10:00:00Z"));
	assert_int_equal(b->last_used, t3339("2026-11-10T11:00:00Z"));
	assert_int_equal(b->usage_count, 26);
	b = &inv.build_cache[1];
	assert_true(b->in_use);
	assert_true(b->size == INT64_C(30000000000));
	assert_int_equal(b->last_used, 0); /* null */
	rc_inventory_release(&inv);
}

/* ---------- newer APIs ---------- */

static void test_images_1_43_empty_tags_are_untagged(void **state)
{
	struct rc_inventory inv;
	const struct rc_image *m;
	(void)state;
	rc_inventory_init(&inv);
	parse_file(rc_engine_parse_images, "images_1.43.json", "1.43", &inv);
	m = img(&inv, DANG_ID);
	assert_true(m->dangling);
	assert_int_equal(m->shared_size, 1982292);
	assert_int_equal(m->containers, -1);
	m = img(&inv, BASE_ID);
	assert_int_equal(m->repo_digests.n, 1);
	assert_int_equal(m->labels.n, 0); /* null labels */
	rc_inventory_release(&inv);
}

static void test_images_1_47_manifests_tolerated(void **state)
{
	struct rc_inventory inv;
	(void)state;
	rc_inventory_init(&inv);
	parse_file(rc_engine_parse_images, "images_1.47.json", "1.47", &inv);
	assert_int_equal(inv.n_images, 1);
	assert_string_equal(inv.images[0].repo_tags.v[0], "rc-base:1");
	assert_int_equal(inv.images[0].containers, -1);
	rc_inventory_release(&inv);
}

static void test_images_1_51_containers_counted(void **state)
{
	struct rc_inventory inv;
	(void)state;
	rc_inventory_init(&inv);
	parse_file(rc_engine_parse_images, "images_1.51.json", "1.51", &inv);
	assert_int_equal(img(&inv, BASE_ID)->containers, 2);
	assert_int_equal(img(&inv, DANG_ID)->containers, 0);
	assert_true(img(&inv, DANG_ID)->size == INT64_C(9007199254740992)); /* 2^53, exact */
	rc_inventory_release(&inv);
	/* the same answer read as an older API: the count is not trusted */
	rc_inventory_init(&inv);
	parse_file(rc_engine_parse_images, "images_1.51.json", "1.50", &inv);
	assert_int_equal(img(&inv, BASE_ID)->containers, -1);
	rc_inventory_release(&inv);
}

/* ---------- bad input ---------- */

enum which { P_IMAGES, P_INSPECT, P_HISTORY, P_CONTAINERS, P_VOLUMES, P_NETWORKS, P_DF, P_INFO };

static int run_parser(enum which w, const char *json, size_t len, struct rc_err *err)
{
	struct rc_inventory inv;
	struct rc_image m;
	int r = -2;

	rc_inventory_init(&inv);
	memset(&m, 0, sizeof(m));
	switch (w) {
	case P_IMAGES:
		r = rc_engine_parse_images(json, len, "1.51", &inv, err);
		break;
	case P_INSPECT:
		r = rc_engine_parse_image_inspect(json, len, &m, err);
		break;
	case P_HISTORY:
		/* needs layers to map onto */
		m.layers.n = 0;
		r = rc_engine_parse_image_history(json, len, &m, err);
		break;
	case P_CONTAINERS:
		r = rc_engine_parse_containers(json, len, "1.41", &inv, err);
		break;
	case P_VOLUMES:
		r = rc_engine_parse_volumes(json, len, &inv, err);
		break;
	case P_NETWORKS:
		r = rc_engine_parse_networks(json, len, &inv, err);
		break;
	case P_DF:
		r = rc_engine_parse_df(json, len, "1.47", &inv, err);
		break;
	case P_INFO:
		r = rc_engine_parse_info(json, len, &inv.engine, err);
		break;
	}
	free(m.parent_id);
	rc_strv_release(&m.layers);
	free(m.layer_sizes);
	rc_inventory_release(&inv); /* partial entries are freed too (ASan checks) */
	return r;
}

static void test_truncated_answers_are_rejected(void **state)
{
	static const struct {
		enum which w;
		const char *file;
	} files[] = {
	    {P_IMAGES, "images_1.41.json"},
	    {P_INSPECT, "image_inspect_child_1.41.json"},
	    {P_HISTORY, "image_history_child_1.41.json"},
	    {P_CONTAINERS, "containers_1.41.json"},
	    {P_VOLUMES, "volumes_1.41.json"},
	    {P_NETWORKS, "networks_1.41.json"},
	    {P_DF, "system_df_1.47.json"},
	    {P_INFO, "info_1.41.json"},
	};
	size_t i, cut;
	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct rc_err err = RC_ERR_INIT;
		size_t len;
		char *json = load(files[i].file, &len);

		assert_int_equal(run_parser(files[i].w, json, len, &err), 0);
		/* every proper prefix that ends inside the document fails */
		while (len && (json[len - 1] == '\n' || json[len - 1] == ' '))
			len--;
		for (cut = 0; cut < len; cut += (len / 37) + 1) {
			rc_err_clear(&err);
			if (run_parser(files[i].w, json, cut, &err) != -1)
				fail_msg("%s cut at %zu was accepted", files[i].file, cut);
			assert_int_equal(err.kind, RC_ERR_PROTOCOL);
			assert_non_null(strstr(err.msg, "malformed /"));
		}
		free(json);
	}
}

static void test_wrong_types_name_the_field(void **state)
{
	static const struct {
		enum which w;
		const char *json;
		const char *msg;
	} cases[] = {
	    {P_IMAGES, "[{\"Id\":\"sha256:a\",\"Created\":1,\"Size\":\"12\"}]",
	     "malformed /images/json answer: 'Size' is not a number"},
	    {P_IMAGES, "[{\"Id\":\"sha256:a\",\"Created\":1,\"Size\":1.5}]",
	     "'Size' is not an integer"},
	    {P_IMAGES, "[{\"Id\":\"sha256:a\",\"Created\":1,\"Size\":-2}]",
	     "'Size' is out of range"},
	    {P_IMAGES, "[{\"Id\":\"sha256:a\",\"Created\":1,\"Size\":1e300}]",
	     "'Size' is out of range"},
	    {P_IMAGES, "[{\"Id\":\"sha256:a\",\"Created\":1,\"Size\":9007199254740994}]",
	     "'Size' is out of range"},
	    {P_IMAGES, "[{\"Id\":\"sha256:a\",\"Created\":1,\"Size\":1,\"SharedSize\":-2}]",
	     "'SharedSize' is out of range"},
	    {P_IMAGES, "[{\"Id\":\"sha256:a\",\"Created\":1,\"Size\":1,\"Containers\":true}]",
	     "'Containers' is not a number"},
	    {P_IMAGES, "[{\"Id\":\"sha256:a\",\"Created\":\"2026\",\"Size\":1}]",
	     "'Created' is not a number"},
	    {P_IMAGES, "[{\"Id\":\"sha256:a\",\"Size\":1}]", "'Created' is missing"},
	    {P_IMAGES, "[{\"Created\":1,\"Size\":1}]", "'Id' is missing"},
	    {P_IMAGES, "[{\"Id\":7,\"Created\":1,\"Size\":1}]", "'Id' is not a string"},
	    {P_IMAGES, "[{\"Id\":\"\",\"Created\":1,\"Size\":1}]", "'Id' is empty"},
	    {P_IMAGES, "[{\"Id\":\"a\",\"Created\":1,\"Size\":1,\"RepoTags\":\"x:1\"}]",
	     "'RepoTags' is not an array"},
	    {P_IMAGES, "[{\"Id\":\"a\",\"Created\":1,\"Size\":1,\"RepoTags\":[1]}]",
	     "'RepoTags' holds a non-string"},
	    {P_IMAGES, "[{\"Id\":\"a\",\"Created\":1,\"Size\":1,\"Labels\":[]}]",
	     "'Labels' is not an object"},
	    {P_IMAGES, "[{\"Id\":\"a\",\"Created\":1,\"Size\":1,\"Labels\":{\"k\":1}}]",
	     "'Labels' holds a non-string value"},
	    {P_IMAGES, "{\"Id\":\"a\"}", "not a JSON array"},
	    {P_IMAGES, "[1]", "an entry is not an object"},
	    {P_IMAGES, "null", "not a JSON array"},
	    {P_IMAGES, "[] []", "trailing data after JSON"},
	    {P_IMAGES, "", "empty"},
	    {P_INSPECT, "[]", "not a JSON object"},
	    {P_INSPECT, "{\"RootFS\":\"x\"}", "'RootFS' is not an object"},
	    {P_INSPECT, "{\"RootFS\":{\"Layers\":{}}}", "'Layers' is not an array"},
	    {P_INSPECT, "{\"Metadata\":{\"LastTagTime\":\"last tuesday\"}}",
	     "'LastTagTime' is not an RFC 3339 time"},
	    {P_INSPECT, "{\"Metadata\":{\"LastTagTime\":5}}", "'LastTagTime' is not a string"},
	    {P_INSPECT, "{\"Metadata\":[]}", "'Metadata' is not an object"},
	    {P_INSPECT, "{\"Parent\":false}", "'Parent' is not a string"},
	    {P_HISTORY, "{}", "not a JSON array"},
	    {P_HISTORY, "[{\"CreatedBy\":\"x\"}]", "'Size' is missing"},
	    {P_HISTORY, "[{\"Size\":\"1\"}]", "'Size' is not a number"},
	    {P_HISTORY, "[{\"Size\":1,\"CreatedBy\":5}]", "'CreatedBy' is not a string"},
	    {P_HISTORY, "[\"x\"]", "an entry is not an object"},
	    {P_CONTAINERS, "[{\"Id\":\"c\",\"Created\":1,\"Names\":\"/x\"}]", "'Names'"},
	    {P_CONTAINERS, "[{\"Id\":\"c\",\"Created\":1,\"Names\":[5]}]", "'Names'"},
	    {P_CONTAINERS, "[{\"Id\":\"c\",\"Created\":1,\"Mounts\":{}}]",
	     "'Mounts' is not an array"},
	    {P_CONTAINERS, "[{\"Id\":\"c\",\"Created\":1,\"Mounts\":[5]}]", "'Mounts'"},
	    {P_CONTAINERS,
	     "[{\"Id\":\"c\",\"Created\":1,\"Mounts\":[{\"Type\":\"volume\",\"Name\":[]}]}]",
	     "'Mounts'"},
	    {P_CONTAINERS, "[{\"Id\":\"c\",\"Created\":1,\"NetworkSettings\":[]}]",
	     "'NetworkSettings' is not an object"},
	    {P_CONTAINERS,
	     "[{\"Id\":\"c\",\"Created\":1,\"NetworkSettings\":{\"Networks\":{\"n\":{\"NetworkID\":"
	     "5}}}}]",
	     "'NetworkID' is not a string"},
	    {P_CONTAINERS, "[{\"Id\":\"c\",\"Created\":1,\"SizeRw\":\"big\"}]",
	     "'SizeRw' is not a number"},
	    {P_CONTAINERS, "[{\"Id\":\"c\",\"Created\":1,\"State\":{}}]",
	     "'State' is not a string"},
	    {P_CONTAINERS, "[{\"Id\":\"c\"}]", "'Created' is missing"},
	    {P_VOLUMES, "[]", "not a JSON object"},
	    {P_VOLUMES, "{\"Volumes\":{}}", "'Volumes' is not an array"},
	    {P_VOLUMES, "{\"Volumes\":[{\"Name\":5}]}", "'Name' is not a string"},
	    {P_VOLUMES, "{\"Volumes\":[{\"Name\":\"v\",\"UsageData\":[]}]}",
	     "'UsageData' is not an object"},
	    {P_VOLUMES, "{\"Volumes\":[{\"Name\":\"v\",\"UsageData\":{\"Size\":\"1\"}}]}",
	     "'Size' is not a number"},
	    {P_VOLUMES, "{\"Volumes\":[{\"Name\":\"v\",\"CreatedAt\":\"soon\"}]}",
	     "'CreatedAt' is not an RFC 3339 time"},
	    {P_NETWORKS, "[{\"Id\":\"n\"}]", "'Name' is missing"},
	    {P_NETWORKS, "[{\"Id\":\"n\",\"Name\":\"x\",\"Created\":5}]",
	     "'Created' is not a string"},
	    {P_NETWORKS, "{}", "not a JSON array"},
	    {P_DF, "{\"LayersSize\":\"1\"}", "'LayersSize' is not a number"},
	    {P_DF, "{\"BuildCache\":{}}", "'BuildCache' is not an array"},
	    {P_DF, "{\"BuildCache\":[{\"ID\":\"b\",\"Size\":1,\"InUse\":\"yes\"}]}",
	     "'InUse' is not a boolean"},
	    {P_DF, "{\"BuildCache\":[{\"ID\":\"b\"}]}", "'Size' is missing"},
	    {P_DF, "{\"BuildCache\":[{\"ID\":\"b\",\"Size\":1,\"LastUsedAt\":1}]}",
	     "'LastUsedAt' is not a string"},
	    {P_DF, "{\"Images\":[{\"Id\":\"i\",\"SharedSize\":\"x\"}]}",
	     "'SharedSize' is not a number"},
	    {P_DF, "{\"Images\":{}}", "'Images' is not an array"},
	    {P_DF, "{\"Volumes\":5}", "'Volumes' is not an array"},
	    {P_DF, "{\"Volumes\":[{\"Name\":\"v\",\"UsageData\":{\"RefCount\":-7}}]}",
	     "'RefCount' is out of range"},
	    {P_DF, "[]", "not a JSON object"},
	    {P_INFO, "{\"Name\":\"x\"}", "'ID' is missing"},
	    {P_INFO, "{\"ID\":5}", "'ID' is not a string"},
	    {P_INFO, "[]", "not a JSON object"},
	    {P_INFO, "{\"ID\":\"a\",", "not valid JSON"},
	};
	size_t i;
	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rc_err err = RC_ERR_INIT;
		int r = run_parser(cases[i].w, cases[i].json, strlen(cases[i].json), &err);

		if (r != -1 || err.kind != RC_ERR_PROTOCOL || !strstr(err.msg, cases[i].msg))
			fail_msg("case %zu '%s': r=%d kind=%s msg='%s', want '%s'", i,
				 cases[i].json, r, rc_err_kind_name(err.kind), err.msg,
				 cases[i].msg);
	}
}

static void test_hostile_text_is_kept_verbatim_but_bounded(void **state)
{
	/* control characters in names are data: kept as-is in the inventory
	 * (callers sanitise when printing); NUL inside a JSON string ends it */
	static const char json[] =
	    "[{\"Id\":\"n\",\"Name\":\"evil\\u001b[2J\",\"Labels\":{\"\\u0000k\":\"v\"}}]";
	struct rc_err err = RC_ERR_INIT;
	struct rc_inventory inv;
	(void)state;
	rc_inventory_init(&inv);
	assert_int_equal(rc_engine_parse_networks(json, strlen(json), &inv, &err), 0);
	assert_string_equal(inv.networks[0].name, "evil\033[2J");
	assert_false(inv.networks[0].predefined);
	rc_inventory_release(&inv);
}

/* ---------- versions and endpoints ---------- */

static void test_api_cmp(void **state)
{
	(void)state;
	assert_int_equal(rc_engine_api_cmp("1.41", "1.41"), 0);
	assert_true(rc_engine_api_cmp("1.41", "1.9") > 0); /* numeric, not lexical */
	assert_true(rc_engine_api_cmp("1.43", "1.52") < 0);
	assert_true(rc_engine_api_cmp("2.0", "1.99") > 0);
	assert_true(rc_engine_api_cmp("garbage", "1.0") < 0);
}

/* The paths the daemon sees: objects as they are, query parameters in
 * order, the filters percent-encoded with upper-case hex (RFC 3986
 * unreserved characters as they are); nothing cut short, and an object
 * that cannot mean itself in a path refused. */
static void test_engine_request_paths(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_engine *e;
	char *p, *longref;
	size_t i;
	(void)state;
	e = rc_engine_new("unix:///tmp/rc-nowhere.sock", 1, 0, &err);
	assert_non_null(e);
	p = rc_engine_path(
	    e,
	    &(struct rc_engine_req){.path = "/images/", .object = "team/app:1.2", .tail = "/json"},
	    &err);
	assert_string_equal(p, "/v1.41/images/team/app:1.2/json");
	free(p);
	p = rc_engine_path(e,
			   &(struct rc_engine_req){.path = "/images/",
						   .object = "app@sha256:00ff",
						   .query = "noprune=1"},
			   &err);
	assert_string_equal(p, "/v1.41/images/app@sha256:00ff?noprune=1");
	free(p);
	p = rc_engine_path(e,
			   &(struct rc_engine_req){.path = "/containers/json",
						   .query = "all=1",
						   .filters = "{\"ancestor\":[\"sha256:ab\"]}"},
			   &err);
	assert_string_equal(
	    p,
	    "/v1.41/containers/json?all=1&filters=%7B%22ancestor%22%3A%5B%22sha256%3Aab%22%5D%7D");
	free(p);
	p = rc_engine_path(e, &(struct rc_engine_req){.path = "/x", .filters = " -_.~/"}, &err);
	assert_string_equal(p, "/v1.41/x?filters=%20-_.~%2F");
	free(p);
	longref = malloc(5001);
	assert_non_null(longref);
	for (i = 0; i < 5000; i++)
		longref[i] = 'a';
	longref[5000] = '\0';
	p = rc_engine_path(e, &(struct rc_engine_req){.path = "/volumes/", .object = longref},
			   &err);
	assert_non_null(p);
	assert_int_equal(strlen(p), strlen("/v1.41/volumes/") + 5000);
	free(p);
	free(longref);
	assert_null(
	    rc_engine_path(e, &(struct rc_engine_req){.path = "/images/", .object = "a?b"}, &err));
	assert_int_equal(err.kind, RC_ERR_INTERNAL);
	assert_string_equal(err.msg, "cannot put 'a?b' in a request path");
	assert_null(
	    rc_engine_path(e, &(struct rc_engine_req){.path = "/images/", .object = "a%2e"}, &err));
	rc_engine_free(e);
}

static void test_engine_new_resolves_endpoint(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_engine *e;
	char *path;
	(void)state;
	unsetenv("DOCKER_HOST");
	e = rc_engine_new(NULL, 1, 0, &err);
	assert_non_null(e);
	assert_string_equal(rc_http_endpoint(rc_engine_http(e)), "unix:///var/run/docker.sock"); /* the default as a string; never connected */
	path = rc_engine_path(e, &(struct rc_engine_req){.path = "/info"}, &err);
	assert_string_equal(path, "/v1.41/info");
	free(path);
	rc_engine_free(e);
	setenv("DOCKER_HOST", "unix:///tmp/rc-nowhere.sock", 1);
	e = rc_engine_new(NULL, 1, 0, &err);
	assert_non_null(e);
	assert_string_equal(rc_http_endpoint(rc_engine_http(e)), "unix:///tmp/rc-nowhere.sock");
	rc_engine_free(e);
	e = rc_engine_new("tcp://127.0.0.1:2375", 1, 0, &err); /* the argument wins */
	assert_non_null(e);
	assert_string_equal(rc_http_endpoint(rc_engine_http(e)), "tcp://127.0.0.1:2375");
	rc_engine_free(e);
	unsetenv("DOCKER_HOST");
}

/* endpoint of rc_engine_new(url) as the client will use it */
static void assert_endpoint(const char *url, const char *want)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_engine *e = rc_engine_new(url, 1, 0, &err);

	if (!e)
		fail_msg("rc_engine_new('%s'): %s", url ? url : "(null)", err.msg);
	assert_string_equal(rc_http_endpoint(rc_engine_http(e)), want);
	rc_engine_free(e);
}

/* As the docker CLI reads it: tcp://host without a port is 2375, or 2376
 * with TLS; libcurl alone would use 80 or 443. */
static void test_engine_tcp_default_port(void **state)
{
	char dir[] = "/tmp/rc-certs.XXXXXX", f[96];
	static const char *const names[] = {"ca.pem", "cert.pem", "key.pem"};
	size_t i;
	(void)state;
	unsetenv("DOCKER_TLS_VERIFY");
	setenv("DOCKER_HOST", "tcp://docker.example", 1);
	assert_endpoint(NULL, "tcp://docker.example:2375");
	unsetenv("DOCKER_HOST");
	assert_endpoint("tcp://10.0.0.1", "tcp://10.0.0.1:2375");
	assert_endpoint("tcp://10.0.0.1/", "tcp://10.0.0.1:2375/");
	assert_endpoint("tcp://[::1]", "tcp://[::1]:2375");
	assert_endpoint("tcp://10.0.0.1:1234", "tcp://10.0.0.1:1234");
	assert_endpoint("tcp://[::1]:1234", "tcp://[::1]:1234");
	/* only tcp:// follows the docker CLI; http:// means what it says */
	assert_endpoint("http://10.0.0.1", "http://10.0.0.1");

	assert_non_null(mkdtemp(dir));
	for (i = 0; i < 3; i++) {
		FILE *fp;
		snprintf(f, sizeof(f), "%s/%s", dir, names[i]);
		fp = fopen(f, "w");
		assert_non_null(fp);
		fclose(fp);
	}
	setenv("DOCKER_TLS_VERIFY", "1", 1);
	setenv("DOCKER_CERT_PATH", dir, 1);
	setenv("DOCKER_HOST", "tcp://docker.example", 1);
	assert_endpoint(NULL, "tcp://docker.example:2376");
	assert_endpoint("tcp://docker.example:2375", "tcp://docker.example:2375");
	unsetenv("DOCKER_HOST");
	unsetenv("DOCKER_TLS_VERIFY");
	unsetenv("DOCKER_CERT_PATH");
	for (i = 0; i < 3; i++) {
		snprintf(f, sizeof(f), "%s/%s", dir, names[i]);
		unlink(f);
	}
	rmdir(dir);
}

/* An empty --engine is a mistake, not a request for DOCKER_HOST. */
static void test_engine_empty_url_is_usage_error(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	(void)state;
	setenv("DOCKER_HOST", "unix:///tmp/rc-nowhere.sock", 1);
	assert_null(rc_engine_new("", 1, 0, &err));
	assert_int_equal(err.kind, RC_ERR_USAGE);
	assert_non_null(strstr(err.msg, "empty engine"));
	unsetenv("DOCKER_HOST");
	/* an empty DOCKER_HOST is unset, as for the docker CLI */
	setenv("DOCKER_HOST", "", 1);
	assert_endpoint(NULL, "unix:///var/run/docker.sock"); /* the default as a string; never connected */
	unsetenv("DOCKER_HOST");
}

static void test_engine_new_rejects_other_schemes(void **state)
{
	static const char *const bad[] = {"ssh://user@host", "fd://",
					  "npipe:////./pipe/docker_engine", "/var/run/docker.sock", /* refused: no scheme; never connected */
					  "127.0.0.1:2375"};
	size_t i;
	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rc_err err = RC_ERR_INIT;
		assert_null(rc_engine_new(bad[i], 1, 0, &err));
		assert_int_equal(err.kind, RC_ERR_USAGE);
		assert_non_null(strstr(err.msg, bad[i]));
	}
	{
		struct rc_err err = RC_ERR_INIT;
		setenv("DOCKER_HOST", "ssh://me@box", 1);
		assert_null(rc_engine_new(NULL, 1, 0, &err));
		assert_non_null(strstr(err.msg, "ssh:// is not supported"));
		unsetenv("DOCKER_HOST");
	}
}

static void test_engine_tls_env_needs_readable_certs(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	(void)state;
	setenv("DOCKER_TLS_VERIFY", "1", 1);
	setenv("DOCKER_CERT_PATH", "/tmp/rc-no-such-cert-dir", 1);
	assert_null(rc_engine_new("tcp://127.0.0.1:2376", 1, 0, &err));
	assert_int_equal(err.kind, RC_ERR_USAGE);
	assert_non_null(strstr(err.msg, "/tmp/rc-no-such-cert-dir/ca.pem"));
	/* unix sockets ignore the TLS variables */
	rc_err_clear(&err);
	{
		struct rc_engine *e = rc_engine_new("unix:///tmp/x.sock", 1, 0, &err);
		assert_non_null(e);
		rc_engine_free(e);
	}
	unsetenv("DOCKER_TLS_VERIFY");
	unsetenv("DOCKER_CERT_PATH");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_info_1_41),
	    cmocka_unit_test(test_images_1_41_drops_none_tags),
	    cmocka_unit_test(test_inspect_and_history_give_layer_sizes),
	    cmocka_unit_test(test_history_step_without_layer),
	    cmocka_unit_test(test_history_mismatch_leaves_sizes_unknown),
	    cmocka_unit_test(test_containers_1_41),
	    cmocka_unit_test(test_containers_1_51),
	    cmocka_unit_test(test_volumes),
	    cmocka_unit_test(test_networks),
	    cmocka_unit_test(test_df_1_41_fills_usage),
	    cmocka_unit_test(test_df_fills_container_sizes),
	    cmocka_unit_test(test_info_containerd_store),
	    cmocka_unit_test(test_info_system_time),
	    cmocka_unit_test(test_df_1_47_build_cache_and_big_sizes),
	    cmocka_unit_test(test_images_1_43_empty_tags_are_untagged),
	    cmocka_unit_test(test_images_1_47_manifests_tolerated),
	    cmocka_unit_test(test_images_1_51_containers_counted),
	    cmocka_unit_test(test_truncated_answers_are_rejected),
	    cmocka_unit_test(test_wrong_types_name_the_field),
	    cmocka_unit_test(test_hostile_text_is_kept_verbatim_but_bounded),
	    cmocka_unit_test(test_api_cmp),
	    cmocka_unit_test(test_engine_new_resolves_endpoint),
	    cmocka_unit_test(test_engine_request_paths),
	    cmocka_unit_test(test_engine_new_rejects_other_schemes),
	    cmocka_unit_test(test_engine_tcp_default_port),
	    cmocka_unit_test(test_engine_empty_url_is_usage_error),
	    cmocka_unit_test(test_engine_tls_env_needs_readable_certs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
