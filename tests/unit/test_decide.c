/* test_decide: decisions over hand-built inventories, sizes, and the outputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "decide.h"
#include "dtr/objects.h"
#include "harbor/objects.h"
#include "engine/layers.h"
#include "engine/objects.h"
#include "jcs.h"
#include "plan.h"
#include "policy.h"
#include "report.h"
#include "units.h"

#define NOW 1800000000LL
#define MIN 60LL
#define HOUR 3600LL
#define DAY 86400LL

/* ---- fixture builders ----------------------------------------------------- */

static char *xs(const char *s)
{
	char *d = strdup(s);
	assert_non_null(d);
	return d;
}

static void strv_words(struct rc_strv *v, const char *words)
{
	const char *p = words, *sp;

	while (p && *p) {
		size_t n;
		sp = strchr(p, ' ');
		n = sp ? (size_t)(sp - p) : strlen(p);
		v->v = realloc(v->v, (v->n + 1) * sizeof(char *));
		assert_non_null(v->v);
		v->v[v->n] = strndup(p, n);
		assert_non_null(v->v[v->n]);
		v->n++;
		p = sp ? sp + 1 : NULL;
	}
}

static void label(struct rc_labels *l, const char *k, const char *v)
{
	l->v = realloc(l->v, (l->n + 1) * sizeof(*l->v));
	assert_non_null(l->v);
	l->v[l->n].key = xs(k);
	l->v[l->n].value = xs(v);
	l->n++;
}

static struct rc_image *image(struct rc_inventory *inv, const char *id, const char *parent,
			      int64_t created, const char *tags, const char *layers,
			      const int64_t *sizes)
{
	struct rc_image *m;
	size_t i;

	inv->images = realloc(inv->images, (inv->n_images + 1) * sizeof(*m));
	assert_non_null(inv->images);
	m = &inv->images[inv->n_images++];
	memset(m, 0, sizeof(*m));
	m->id = xs(id);
	m->parent_id = xs(parent ? parent : "");
	m->created = created;
	m->shared_size = -1;
	m->containers = -1;
	strv_words(&m->repo_tags, tags);
	m->dangling = m->repo_tags.n == 0;
	strv_words(&m->layers, layers);
	m->layer_sizes = calloc(m->layers.n + 1, sizeof(int64_t));
	assert_non_null(m->layer_sizes);
	for (i = 0; i < m->layers.n; i++) {
		m->layer_sizes[i] = sizes ? sizes[i] : 1;
		m->size += m->layer_sizes[i];
	}
	return m;
}

static struct rc_container *container(struct rc_inventory *inv, const char *id, const char *name,
				      const char *image_id, const char *state, int64_t created,
				      int64_t finished)
{
	struct rc_container *c;

	inv->containers = realloc(inv->containers, (inv->n_containers + 1) * sizeof(*c));
	assert_non_null(inv->containers);
	c = &inv->containers[inv->n_containers++];
	memset(c, 0, sizeof(*c));
	c->id = xs(id);
	c->name = xs(name);
	c->image = xs(image_id);
	c->image_id = xs(image_id);
	c->state = xs(state);
	c->created = created;
	c->finished_at = finished;
	c->size_rw = 0;
	c->size_root_fs = 0;
	return c;
}

static struct rc_volume *volume(struct rc_inventory *inv, const char *name, int anonymous,
				int64_t created, int64_t size)
{
	struct rc_volume *v;

	inv->volumes = realloc(inv->volumes, (inv->n_volumes + 1) * sizeof(*v));
	assert_non_null(inv->volumes);
	v = &inv->volumes[inv->n_volumes++];
	memset(v, 0, sizeof(*v));
	v->name = xs(name);
	v->driver = xs("local");
	v->anonymous = anonymous;
	v->created = created;
	v->size = size;
	v->ref_count = -1;
	return v;
}

static struct rc_network *network(struct rc_inventory *inv, const char *id, const char *name,
				  int predefined, int64_t created)
{
	struct rc_network *n;

	inv->networks = realloc(inv->networks, (inv->n_networks + 1) * sizeof(*n));
	assert_non_null(inv->networks);
	n = &inv->networks[inv->n_networks++];
	memset(n, 0, sizeof(*n));
	n->id = xs(id);
	n->name = xs(name);
	n->driver = xs(predefined ? name : "bridge");
	n->scope = xs("local");
	n->predefined = predefined;
	n->created = created;
	return n;
}

static struct rc_build_cache *cache(struct rc_inventory *inv, const char *id, const char *type,
				    int in_use, int shared, int64_t size, int64_t created)
{
	struct rc_build_cache *b;

	inv->build_cache = realloc(inv->build_cache, (inv->n_build_cache + 1) * sizeof(*b));
	assert_non_null(inv->build_cache);
	b = &inv->build_cache[inv->n_build_cache++];
	memset(b, 0, sizeof(*b));
	b->id = xs(id);
	b->type = xs(type);
	b->description = xs("");
	b->in_use = in_use;
	b->shared = shared;
	b->size = size;
	b->created = created;
	return b;
}

static void engine_info(struct rc_inventory *inv)
{
	inv->engine.id = xs("ENGINE:ID");
	inv->engine.name = xs("host1");
	inv->engine.server_version = xs("20.10.24");
	inv->engine.api_version = xs("1.41");
	inv->engine.endpoint = xs("unix:///run/test.sock");
}

/* ---- policies ------------------------------------------------------------- */

static void flags_policy(struct rp_policy *p, enum rp_images_flag images,
			 enum rp_volumes_flag volumes, int64_t min_age)
{
	struct rp_flags f;
	struct rc_err err = RC_ERR_INIT;

	rp_flags_init(&f);
	f.images = images;
	f.volumes = volumes;
	f.min_age = min_age;
	assert_int_equal(rp_policy_from_flags(&f, p, &err), 0);
	rp_flags_release(&f);
}

static void file_policy(struct rp_policy *p, const char *text)
{
	struct rc_err err = RC_ERR_INIT;

	if (rp_policy_parse(text, strlen(text), "t.json", p, &err) != 0)
		fail_msg("policy: %s", err.msg);
}

/* ---- running the planner --------------------------------------------------- */

/* Plan items as lines "C|P kind name rule: reason", in plan order. */
static char *decide_lines(struct rc_inventory *inv, const struct rp_policy *pol,
			  struct rc_plan *plan)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_buf b = RC_BUF_INIT;
	size_t i;

	rc_plan_init(plan);
	rc_inventory_clear_objects(inv); /* rc_engine_objects appends */
	if (rc_engine_objects(inv, "engine", &err) != 0)
		fail_msg("rc_engine_objects: %s", err.msg);
	if (rp_decide(inv, pol, NOW, plan, &err) != 0)
		fail_msg("rp_decide: %s", err.msg);
	rc_buf_init(&b, 0);
	for (i = 0; i < plan->n_candidates; i++) {
		const struct rc_plan_item *it = &plan->candidates[i];
		rc_buf_printf(&b, &err, "C %s %s %s: %s\n", rc_kind_name(it->kind),
			      it->name[0] ? it->name : it->object, it->rule, it->reason);
	}
	for (i = 0; i < plan->n_protected; i++) {
		const struct rc_plan_item *it = &plan->protected_items[i];
		rc_buf_printf(&b, &err, "P %s %s %s: %s\n", rc_kind_name(it->kind),
			      it->name[0] ? it->name : it->object, it->rule, it->reason);
	}
	return rc_buf_detach(&b);
}

static void expect_lines(const char *got, const char *want)
{
	if (strcmp(got, want) != 0)
		fail_msg("decisions differ\n--- got:\n%s--- want:\n%s", got, want);
}

static const struct rc_plan_item *find(const struct rc_plan *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->n_candidates; i++)
		if (!strcmp(p->candidates[i].name, name) || !strcmp(p->candidates[i].object, name))
			return &p->candidates[i];
	for (i = 0; i < p->n_protected; i++)
		if (!strcmp(p->protected_items[i].name, name) ||
		    !strcmp(p->protected_items[i].object, name))
			return &p->protected_items[i];
	fail_msg("no item '%s'", name);
	return NULL;
}

#define ANON "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define ANON2 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

/* The `docker system prune` mix. */
static void prune_fixture(struct rc_inventory *inv)
{
	struct rc_container *c;

	rc_inventory_init(inv);
	engine_info(inv);
	image(inv, "sha256:dang", NULL, NOW - 2 * DAY, NULL, "sha256:l1", NULL);
	image(inv, "sha256:dang2", NULL, NOW - 2 * DAY, NULL, "sha256:l2", NULL);
	image(inv, "sha256:app1", NULL, NOW - 10 * DAY, "app:1", "sha256:l3", NULL);
	image(inv, "sha256:web1", NULL, NOW - 10 * DAY, "web:1", "sha256:l4", NULL);
	c = container(inv, "c1", "old-job", "sha256:app1", "exited", NOW - 5 * DAY, NOW - 3 * DAY);
	strv_words(&c->volumes, "v-mounted");
	strv_words(&c->networks, "n-cand");
	container(inv, "c2", "never", "sha256:dang2", "created", NOW - 2 * HOUR, 0);
	c = container(inv, "c3", "web", "sha256:web1", "running", NOW - DAY, 0);
	strv_words(&c->networks, "n-used");
	container(inv, "c4", "frozen", "sha256:web1", "paused", NOW - DAY, 0);
	container(inv, "c5", "dead-one", "sha256:web1", "dead", NOW - DAY, NOW - DAY);
	volume(inv, ANON, 1, NOW - DAY, 100);
	volume(inv, "v-free", 0, NOW - DAY, 200);
	volume(inv, "v-mounted", 0, NOW - DAY, 300);
	network(inv, "n-bridge", "bridge", 1, NOW - 9 * DAY);
	network(inv, "n-host", "host", 1, NOW - 9 * DAY);
	network(inv, "n-free", "free", 0, NOW - DAY);
	network(inv, "n-used", "used", 0, NOW - DAY);
	network(inv, "n-cand", "cand", 0, NOW - DAY);
	cache(inv, "bc-free", "regular", 0, 0, 1000, NOW - DAY);
	cache(inv, "bc-busy", "regular", 1, 0, 1000, NOW - DAY);
	cache(inv, "bc-shared", "regular", 0, 1, 1000, NOW - DAY);
	cache(inv, "bc-internal", "internal", 0, 0, 1000, NOW - DAY);
}

static void test_prune_defaults(void **state)
{
	struct rc_inventory inv;
	struct rp_policy pol;
	struct rc_plan plan;
	char *got;

	(void)state;
	prune_fixture(&inv);
	flags_policy(&pol, RP_IMAGES_UNSET, RP_VOLUMES_UNSET, -1);
	got = decide_lines(&inv, &pol, &plan);
	expect_lines(
	    got, "C container old-job stopped-containers: exited 3d ago\n"
		 "C container never stopped-containers: created 2h ago, never started\n"
		 "C container dead-one stopped-containers: dead 1d ago\n"
		 "C image sha256:dang dangling-images: dangling, unused\n"
		 "C image sha256:dang2 dangling-images: dangling, unused, only used by "
		 "containers in this plan\n"
		 "C network cand unused-networks: unused once containers in this plan go\n"
		 "C network free unused-networks: unused custom network\n"
		 "C build-cache bc-free build-cache: unused build cache (regular)\n"
		 "P container web running: running\n"
		 "P container frozen running: paused\n"
		 "P image app:1 no-rule: no rule selects it (tagged; --images=unused to "
		 "include)\n"
		 "P image web:1 in-use: in use by running container 'web'\n"
		 "P volume " ANON " no-rule: no rule selects it (anonymous; "
		 "--volumes=anonymous to include)\n"
		 "P volume v-free no-rule: no rule selects it (named; --volumes=all to include)\n"
		 "P volume v-mounted in-use: mounted by container 'old-job'\n"
		 "P network bridge predefined: predefined network\n"
		 "P network host predefined: predefined network\n"
		 "P network used in-use: in use by container 'web'\n"
		 "P build-cache bc-busy in-use: in use by a build\n"
		 "P build-cache bc-internal no-rule: no rule selects it (internal record; "
		 "build_cache \"all\" to include)\n"
		 "P build-cache bc-shared no-rule: no rule selects it (shared; build_cache "
		 "\"all\" to include)\n");
	/* preconditions */
	assert_int_equal(find(&plan, "sha256:dang2")->pre.users_in_plan.n, 1);
	assert_string_equal(find(&plan, "sha256:dang2")->pre.users_in_plan.v[0], "c2");
	assert_int_equal(find(&plan, "sha256:dang")->pre.users_in_plan.n, 0);
	assert_string_equal(find(&plan, "old-job")->id, "engine/container/c1");
	assert_string_equal(find(&plan, "sha256:dang")->id, "engine/image/sha256:dang");
	assert_string_equal(find(&plan, "bc-free")->id, "engine/build-cache/bc-free");
	assert_int_equal(find(&plan, "old-job")->last_used, NOW - 3 * DAY);
	assert_int_equal(find(&plan, "never")->last_used, NOW - 2 * HOUR);
	/* an image's last use includes its containers */
	assert_int_equal(find(&plan, "app:1")->last_used, NOW - 3 * DAY);
	assert_int_equal(plan.summary.candidates, 8);
	assert_int_equal(plan.summary.protected_count, 13);
	assert_int_equal(plan.summary.count_by_kind[RC_KIND_CONTAINER], 3);
	assert_int_equal(plan.summary.bytes_by_kind[RC_KIND_BUILD_CACHE], 1000);
	free(got);
	rc_plan_release(&plan);
	rp_policy_release(&pol);

	/* --images=unused --volumes=anonymous: app:1 goes after its container; the
	 * mounted volume stays although its container goes */
	flags_policy(&pol, RP_IMAGES_UNUSED, RP_VOLUMES_FLAG_ANONYMOUS, 0);
	got = decide_lines(&inv, &pol, &plan);
	expect_lines(
	    got, "C container old-job stopped-containers: exited 3d ago\n"
		 "C container never stopped-containers: created 2h ago, never started\n"
		 "C container dead-one stopped-containers: dead 1d ago\n"
		 "C image app:1 unused-images: unused, only used by containers in this plan\n"
		 "C image sha256:dang unused-images: dangling, unused\n"
		 "C image sha256:dang2 unused-images: dangling, unused, only used by "
		 "containers in this plan\n"
		 "C volume " ANON " anonymous-volumes: anonymous, unused\n"
		 "C network cand unused-networks: unused once containers in this plan go\n"
		 "C network free unused-networks: unused custom network\n"
		 "C build-cache bc-free build-cache: unused build cache (regular)\n"
		 "P container web running: running\n"
		 "P container frozen running: paused\n"
		 "P image web:1 in-use: in use by running container 'web'\n"
		 "P volume v-free no-rule: no rule selects it (named; --volumes=all to include)\n"
		 "P volume v-mounted in-use: mounted by container 'old-job'\n"
		 "P network bridge predefined: predefined network\n"
		 "P network host predefined: predefined network\n"
		 "P network used in-use: in use by container 'web'\n"
		 "P build-cache bc-busy in-use: in use by a build\n"
		 "P build-cache bc-internal no-rule: no rule selects it (internal record; "
		 "build_cache \"all\" to include)\n"
		 "P build-cache bc-shared no-rule: no rule selects it (shared; build_cache "
		 "\"all\" to include)\n");
	assert_string_equal(find(&plan, "app:1")->pre.tags.v[0], "app:1");
	assert_string_equal(find(&plan, "app:1")->pre.users_in_plan.v[0], "c1");
	free(got);
	rc_plan_release(&plan);
	rp_policy_release(&pol);
	rc_inventory_release(&inv);
}

static void test_default_min_age(void **state)
{
	struct rc_inventory inv;
	struct rp_policy pol;
	struct rc_plan plan;
	char *got;

	(void)state;
	rc_inventory_init(&inv);
	image(&inv, "sha256:new", NULL, NOW - 10 * MIN, NULL, "sha256:n", NULL);
	image(&inv, "sha256:old", NULL, NOW - 2 * HOUR, NULL, "sha256:o", NULL);
	image(&inv, "sha256:unknown", NULL, 0, NULL, "sha256:u", NULL);
	container(&inv, "c1", "just-stopped", "sha256:old", "exited", NOW - DAY, NOW - 59 * MIN);
	flags_policy(&pol, RP_IMAGES_UNSET, RP_VOLUMES_UNSET, -1);
	got = decide_lines(&inv, &pol, &plan);
	expect_lines(got, "P container just-stopped min-age: younger than min-age 1h (age 59m)\n"
			  "P image sha256:new min-age: younger than min-age 1h (age 10m)\n"
			  "P image sha256:old in-use: in use by exited container 'just-stopped'\n"
			  "P image sha256:unknown min-age: age unknown, min-age 1h\n");
	free(got);
	rc_plan_release(&plan);
	rp_policy_release(&pol);
	rc_inventory_release(&inv);
}

static void test_parents_and_children(void **state)
{
	struct rc_inventory inv;
	struct rp_policy pol;
	struct rc_plan plan;
	struct rc_container *c;
	char *got;

	(void)state;
	rc_inventory_init(&inv);
	/* base:1 <- (untagged mid) <- top:1, none used: all go, children first */
	image(&inv, "sha256:base", NULL, NOW - 9 * DAY, "base:1", "sha256:a", NULL);
	image(&inv, "sha256:mid", "sha256:base", NOW - 9 * DAY, NULL, "sha256:a sha256:b", NULL);
	image(&inv, "sha256:top", "sha256:mid", NOW - 9 * DAY, "top:1",
	      "sha256:a sha256:b sha256:c", NULL);
	/* os:1 <- svc:1 used by a stopped container that stays (labelled) */
	image(&inv, "sha256:os", NULL, NOW - 9 * DAY, "os:1", "sha256:d", NULL);
	image(&inv, "sha256:svc", "sha256:os", NOW - 9 * DAY, "svc:1", "sha256:d sha256:e", NULL);
	c = container(&inv, "c1", "svc-old", "sha256:svc", "exited", NOW - 9 * DAY, NOW - 8 * DAY);
	label(&c->labels, "keep", "yes");
	/* a dangling parent whose child is kept by a label */
	image(&inv, "sha256:dp", NULL, NOW - 9 * DAY, NULL, "sha256:f", NULL);
	image(&inv, "sha256:kid", "sha256:dp", NOW - 9 * DAY, "kid:1", "sha256:f sha256:g", NULL);
	label(&inv.images[inv.n_images - 1].labels, "keep", "yes");

	flags_policy(&pol, RP_IMAGES_UNUSED, RP_VOLUMES_UNSET, 0);
	{
		struct rc_err err = RC_ERR_INIT;
		assert_int_equal(rc_strv_push(&pol.protect.labels, "keep", &err), 0);
	}
	got = decide_lines(&inv, &pol, &plan);
	expect_lines(got, "C image top:1 unused-images: unused\n"
			  "C image sha256:mid unused-images: dangling, unused\n"
			  "C image base:1 unused-images: unused\n"
			  "P container svc-old keep-label: label keep=yes\n"
			  "P image sha256:dp parent: parent of kept image 'kid:1'\n"
			  "P image kid:1 keep-label: label keep=yes\n"
			  "P image os:1 in-use: parent of in-use image 'svc:1'\n"
			  "P image svc:1 in-use: in use by exited container 'svc-old'\n");
	free(got);
	rc_plan_release(&plan);
	rp_policy_release(&pol);
	rc_inventory_release(&inv);
}

static void test_sizes_shared_layers(void **state)
{
	static const int64_t a_sz[] = {100, 10}, b_sz[] = {100, 20}, k_sz[] = {1000},
			     d_sz[] = {1000, 60};
	struct rc_inventory inv;
	struct rp_policy pol;
	struct rc_plan plan;
	struct rc_container *c;
	char *got;

	(void)state;
	rc_inventory_init(&inv);
	image(&inv, "sha256:A", NULL, NOW - 9 * DAY, NULL, "sha256:l1 sha256:l2", a_sz);
	image(&inv, "sha256:B", NULL, NOW - 9 * DAY, NULL, "sha256:l1 sha256:l3", b_sz);
	image(&inv, "sha256:K", NULL, NOW - 9 * DAY, "k:1", "sha256:l5", k_sz);
	image(&inv, "sha256:D", NULL, NOW - 9 * DAY, NULL, "sha256:l5 sha256:l6", d_sz);
	container(&inv, "ck", "keeper", "sha256:K", "running", NOW - DAY, 0);
	c = container(&inv, "cx", "gone", "sha256:A", "exited", NOW - DAY, NOW - DAY);
	c->size_rw = 5;
	volume(&inv, "v1", 0, NOW - DAY, 7);
	volume(&inv, "v2", 0, NOW - DAY, -1);
	cache(&inv, "bc", "regular", 0, 0, 11, NOW - DAY);
	flags_policy(&pol, RP_IMAGES_DANGLING, RP_VOLUMES_FLAG_ALL, 0);
	got = decide_lines(&inv, &pol, &plan);
	free(got);
	/* A and B share l1: neither frees it alone, the set frees it once */
	assert_int_equal(find(&plan, "sha256:A")->size, 110);
	assert_int_equal(find(&plan, "sha256:A")->reclaimable, 10);
	assert_int_equal(find(&plan, "sha256:B")->reclaimable, 20);
	/* D shares l5 with the kept K: only l6 goes */
	assert_int_equal(find(&plan, "sha256:D")->reclaimable, 60);
	assert_int_equal(find(&plan, "k:1")->reclaimable, 0);
	assert_int_equal(find(&plan, "gone")->reclaimable, 5);
	assert_int_equal(find(&plan, "v1")->reclaimable, 7);
	assert_int_equal(find(&plan, "v2")->size, -1);
	assert_int_equal(find(&plan, "v2")->reclaimable, 0);
	assert_int_equal(plan.summary.bytes_by_kind[RC_KIND_IMAGE], 100 + 10 + 20 + 60);
	assert_int_equal(plan.summary.bytes_by_kind[RC_KIND_CONTAINER], 5);
	assert_int_equal(plan.summary.bytes_by_kind[RC_KIND_VOLUME], 7);
	assert_int_equal(plan.summary.bytes_freed_now, 190 + 5 + 7 + 11);
	assert_int_equal(plan.summary.bytes_freed_after_gc, 0);
	rc_plan_release(&plan);
	rp_policy_release(&pol);
	rc_inventory_release(&inv);
}

static void test_chain_id(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	char *a = rc_chain_id(NULL, "sha256:a", &err);
	char *b = rc_chain_id(a, "sha256:b", &err);

	(void)state;
	assert_string_equal(a, "sha256:a");
	assert_string_equal(
	    b, "sha256:970a948bffa8de94d6e22d747ba8c95030e6e546909f98f54e99a13005e173a8");
	free(a);
	free(b);
}

static void test_protections(void **state)
{
	struct rc_inventory inv;
	struct rp_policy pol;
	struct rc_plan plan;
	struct rc_err err = RC_ERR_INIT;
	char *got;

	(void)state;
	rc_inventory_init(&inv);
	image(&inv, "sha256:0123456789abcdef0123", NULL, NOW - 9 * DAY, "byid:1", "sha256:a", NULL);
	image(&inv, "sha256:bb", NULL, NOW - 9 * DAY, "byref:1", "sha256:b", NULL);
	image(&inv, "sha256:cc", NULL, NOW - 9 * DAY, "app:latest app:1.0", "sha256:c", NULL);
	image(&inv, "sha256:dd", NULL, NOW - 9 * DAY, "db:5", "sha256:d", NULL);
	image(&inv, "sha256:ee", NULL, NOW - 9 * DAY, "tier:1", "sha256:e", NULL);
	label(&inv.images[inv.n_images - 1].labels, "tier", "db");
	image(&inv, "sha256:ff", NULL, NOW - 9 * DAY, "tier:2", "sha256:f", NULL);
	label(&inv.images[inv.n_images - 1].labels, "tier", "web");
	image(&inv, "sha256:gg", NULL, NOW - 9 * DAY, "latest-ish:x", "sha256:g", NULL);
	container(&inv, "c1", "named-keep", "sha256:none", "exited", NOW - DAY, NOW - DAY);
	network(&inv, "n1", "kept-net", 0, NOW - DAY);
	label(&inv.networks[0].labels, "keep", "");
	volume(&inv, "kept-vol", 0, NOW - DAY, 1);
	flags_policy(&pol, RP_IMAGES_UNUSED, RP_VOLUMES_FLAG_ALL, 0);
	assert_int_equal(rc_strv_push(&pol.protect.refs, "0123456789ab", &err), 0);
	assert_int_equal(rc_strv_push(&pol.protect.refs, "byref:1", &err), 0);
	assert_int_equal(rc_strv_push(&pol.protect.refs, "named-keep", &err), 0);
	assert_int_equal(rc_strv_push(&pol.protect.refs, "kept-vol", &err), 0);
	assert_int_equal(rc_strv_push(&pol.protect.tags, "latest", &err), 0);
	assert_int_equal(rc_strv_push(&pol.protect.tags, "db:*", &err), 0);
	assert_int_equal(rc_strv_push(&pol.protect.labels, "tier=db", &err), 0);
	assert_int_equal(rc_strv_push(&pol.protect.labels, "keep", &err), 0);
	got = decide_lines(&inv, &pol, &plan);
	expect_lines(got,
		     "C image tier:2 unused-images: unused\n"
		     "C image latest-ish:x unused-images: unused\n"
		     "P container named-keep keep-ref: ref 'named-keep' is protected\n"
		     "P image byid:1 keep-ref: ref '0123456789ab' is protected\n"
		     "P image byref:1 keep-ref: ref 'byref:1' is protected\n"
		     "P image app:1.0 keep-tag: tag 'app:latest' matches keep pattern 'latest'\n"
		     "P image db:5 keep-tag: tag 'db:5' matches keep pattern 'db:*'\n"
		     "P image tier:1 keep-label: label tier=db\n"
		     "P volume kept-vol keep-ref: ref 'kept-vol' is protected\n"
		     "P network kept-net keep-label: label keep\n");
	/* refs and names are sorted */
	assert_string_equal(find(&plan, "sha256:cc")->refs.v[0], "app:1.0");
	assert_string_equal(find(&plan, "sha256:cc")->refs.v[1], "app:latest");
	free(got);
	rc_plan_release(&plan);
	rp_policy_release(&pol);
	rc_inventory_release(&inv);
}

/* A reason is cut to a bound; the cut never splits a UTF-8 character: a
 * label value of 300 two-byte characters after one ASCII byte made the
 * reason end in half a character, and the plan would not seal ("string is
 * not valid UTF-8"), so reclaim-plan failed on an image's label. */
static void test_reasons_cut_on_character_boundaries(void **state)
{
	struct rc_inventory inv;
	struct rp_policy pol;
	struct rc_plan plan;
	struct rc_err err = RC_ERR_INIT;
	char val[1 + 300 * 2 + 1], *got;

	(void)state;
	val[0] = 'x';
	for (int i = 0; i < 300; i++)
		memcpy(val + 1 + 2 * i, "\xc3\xa9", 2); /* U+00E9 */
	val[sizeof(val) - 1] = '\0';
	rc_inventory_init(&inv);
	engine_info(&inv);
	image(&inv, "sha256:ee", NULL, NOW - 9 * DAY, "tier:1", "sha256:e", NULL);
	label(&inv.images[inv.n_images - 1].labels, "note", val);
	flags_policy(&pol, RP_IMAGES_UNUSED, RP_VOLUMES_FLAG_ALL, 0);
	assert_int_equal(rc_strv_push(&pol.protect.labels, "note", &err), 0);
	got = decide_lines(&inv, &pol, &plan);
	assert_int_equal(plan.n_protected, 1);
	assert_int_equal(strncmp(plan.protected_items[0].reason, "label note=x\xc3\xa9", 14), 0);
	assert_true(
	    rc_utf8_valid(plan.protected_items[0].reason, strlen(plan.protected_items[0].reason)));
	rc_plan_release(&plan);
	rc_plan_init(&plan);
	if (rp_plan_build(&inv, &pol, NOW, DAY, &plan, &err) != 0)
		fail_msg("build: %s", err.msg);
	free(got);
	rc_plan_release(&plan);
	rp_policy_release(&pol);
	rc_inventory_release(&inv);
}

static void test_rules_age_rank_and_selectors(void **state)
{
	struct rc_inventory inv;
	struct rp_policy pol;
	struct rc_plan plan;
	char *got;

	(void)state;
	rc_inventory_init(&inv);
	image(&inv, "sha256:a1", NULL, NOW - 100 * DAY, "app:1", "sha256:1", NULL);
	image(&inv, "sha256:a2", NULL, NOW - 50 * DAY, "app:2", "sha256:2", NULL);
	image(&inv, "sha256:a3", NULL, NOW - 40 * DAY, "app:3", "sha256:3", NULL);
	image(&inv, "sha256:a4", NULL, NOW - 10 * DAY, "app:4", "sha256:4", NULL);
	/* built long ago, but a container used it yesterday */
	image(&inv, "sha256:o1", NULL, NOW - 100 * DAY, "old:1", "sha256:5", NULL);
	container(&inv, "c1", "nightly", "sha256:o1", "exited", NOW - 2 * DAY, NOW - DAY);
	/* retagged recently: LastTagTime counts as use */
	image(&inv, "sha256:r1", NULL, NOW - 100 * DAY, "re:1", "sha256:6", NULL);
	inv.images[inv.n_images - 1].last_tag_time = NOW - 3 * DAY;
	image(&inv, "sha256:t1", NULL, NOW - 100 * DAY, "team/x:1.0", "sha256:7", NULL);
	image(&inv, "sha256:t2", NULL, NOW - 100 * DAY, "team/x:latest", "sha256:8", NULL);
	image(&inv, "sha256:t3", NULL, NOW - 100 * DAY, "team/x:1.1 other/y:1.1", "sha256:9", NULL);
	image(&inv, "sha256:t4", NULL, NOW - 100 * DAY, "team/x:2.0-rc1", "sha256:10", NULL);
	file_policy(&pol,
		    "{\"version\": 1, \"protect\": {\"min_age\": \"0\"}, \"rules\": ["
		    "{\"name\": \"team-releases\", \"kinds\": [\"image\"],"
		    " \"repositories\": [\"team/*\"], \"tag_include\": \"[0-9.]+(-rc[0-9]+)?\","
		    " \"tag_exclude\": \".*-rc[0-9]+\"},"
		    "{\"name\": \"old-images\", \"kinds\": [\"image\"], \"tagged\": true,"
		    " \"repositories\": [\"app\", \"old\", \"re\"],"
		    " \"older_than\": \"30d\", \"keep_last\": 2},"
		    "{\"name\": \"jobs\", \"kinds\": [\"container\"], \"states\": [\"dead\"]}"
		    "]}");
	got = decide_lines(&inv, &pol, &plan);
	expect_lines(
	    got, "C image app:1 old-images: unused, age 100d > 30d, rank 4 > keep 2\n"
		 "C image app:2 old-images: unused, age 50d > 30d, rank 3 > keep 2\n"
		 "C image team/x:1.0 team-releases: unused\n"
		 "P container nightly no-rule: no rule selects it\n"
		 "P image app:3 old-images: rank 2 <= keep 2 in 'app'\n"
		 "P image app:4 old-images: age 10d <= 30d\n"
		 "P image old:1 in-use: in use by exited container 'nightly'\n"
		 "P image re:1 old-images: age 3d <= 30d\n"
		 "P image team/x:latest no-rule: no rule selects it (tagged; --images=unused to "
		 "include)\n"
		 "P image other/y:1.1 no-rule: no rule selects it (tagged; --images=unused to "
		 "include)\n"
		 "P image team/x:2.0-rc1 no-rule: no rule selects it (tagged; --images=unused to "
		 "include)\n");
	free(got);
	rc_plan_release(&plan);
	rp_policy_release(&pol);

	/* the nightly container goes: its image's age still counts its use */
	file_policy(&pol,
		    "{\"version\": 1, \"protect\": {\"min_age\": \"0\"}, \"rules\": ["
		    "{\"name\": \"c\", \"kinds\": [\"container\"]},"
		    "{\"name\": \"i\", \"kinds\": [\"image\"], \"repositories\": [\"old\"],"
		    " \"older_than\": \"30d\"},"
		    "{\"name\": \"pulled\", \"kinds\": [\"image\"], \"not_pulled_for\": \"30d\"}"
		    "]}");
	got = decide_lines(&inv, &pol, &plan);
	assert_non_null(strstr(got, "C container nightly c: exited 1d ago\n"));
	assert_non_null(strstr(got, "P image old:1 i: age 1d <= 30d\n"));
	assert_non_null(strstr(got, "P image app:1 pulled: pull time unknown on the engine "
				    "(not_pulled_for needs a registry source)\n"));
	free(got);
	rc_plan_release(&plan);
	rp_policy_release(&pol);
	rc_inventory_release(&inv);
}

static void test_rules_for_other_sources_and_volumes(void **state)
{
	struct rc_inventory inv;
	struct rp_policy pol;
	struct rc_plan plan;
	char *got;

	(void)state;
	rc_inventory_init(&inv);
	image(&inv, "sha256:x", NULL, NOW - 9 * DAY, NULL, "sha256:x", NULL);
	volume(&inv, ANON, 1, NOW - 9 * DAY, 1);
	volume(&inv, "data", 0, NOW - 9 * DAY, 1);
	cache(&inv, "bc-shared", "regular", 0, 1, 5, NOW - DAY);
	cache(&inv, "bc-internal", "internal", 0, 0, 5, NOW - DAY);
	/* a rule for a registry source never selects engine objects, and a rule
	 * without kinds never selects volumes */
	file_policy(&pol, "{\"version\": 1, \"protect\": {\"min_age\": \"0\"}, \"rules\": ["
			  "{\"name\": \"reg\", \"sources\": [\"harbor\"]},"
			  "{\"name\": \"any\", \"build_cache\": \"all\"}]}");
	got = decide_lines(&inv, &pol, &plan);
	expect_lines(got, "C image sha256:x any: dangling, unused\n"
			  "C build-cache bc-internal any: unused build cache (internal)\n"
			  "C build-cache bc-shared any: unused build cache (regular)\n"
			  "P volume " ANON " no-rule: no rule selects it (anonymous; "
			  "--volumes=anonymous to include)\n"
			  "P volume data no-rule: no rule selects it (named; --volumes=all to "
			  "include)\n");
	free(got);
	rc_plan_release(&plan);
	rp_policy_release(&pol);
	rc_inventory_release(&inv);
}

static void test_networks(void **state)
{
	struct rc_inventory inv;
	struct rp_policy pol;
	struct rc_plan plan;
	struct rc_container *c;
	char *got;

	(void)state;
	rc_inventory_init(&inv);
	image(&inv, "sha256:i", NULL, NOW - 9 * DAY, "i:1", "sha256:i", NULL);
	c = container(&inv, "c1", "stays", "sha256:i", "exited", NOW - DAY, NOW - DAY);
	label(&c->labels, "keep", "1");
	strv_words(&c->networks, "n-a n-b");
	c = container(&inv, "c2", "goes", "sha256:i", "exited", NOW - DAY, NOW - DAY);
	strv_words(&c->networks, "n-b n-c");
	network(&inv, "n-a", "a", 0, NOW - DAY);
	network(&inv, "n-b", "b", 0, NOW - DAY);
	network(&inv, "n-c", "c", 0, NOW - DAY);
	network(&inv, "n-d", "d", 0, NOW - DAY);
	network(&inv, "n-none", "none", 1, NOW - DAY);
	flags_policy(&pol, RP_IMAGES_UNSET, RP_VOLUMES_UNSET, 0);
	assert_int_equal(rc_strv_push(&pol.protect.labels, "keep", &(struct rc_err)RC_ERR_INIT), 0);
	got = decide_lines(&inv, &pol, &plan);
	expect_lines(got, "C container goes stopped-containers: exited 1d ago\n"
			  "C network c unused-networks: unused once containers in this plan go\n"
			  "C network d unused-networks: unused custom network\n"
			  "P container stays keep-label: label keep=1\n"
			  "P image i:1 in-use: in use by exited container 'stays'\n"
			  "P network a in-use: in use by container 'stays'\n"
			  "P network b in-use: in use by container 'stays'\n"
			  "P network none predefined: predefined network\n");
	free(got);
	rc_plan_release(&plan);
	rp_policy_release(&pol);
	rc_inventory_release(&inv);
}

/* The engine's own usage counts (/system/df) and the swarm's networks
 * protect what the container list alone would miss. */
static void test_engine_counts_and_swarm_networks(void **state)
{
	struct rc_inventory inv;
	struct rp_policy pol;
	struct rc_plan plan;
	struct rc_image *m;
	struct rc_volume *v;
	struct rc_network *n;
	char *got;

	(void)state;
	rc_inventory_init(&inv);
	m = image(&inv, "sha256:late", NULL, NOW - 9 * DAY, NULL, NULL, NULL);
	m->containers = 1; /* a container made after the list was read */
	image(&inv, "sha256:idle", NULL, NOW - 9 * DAY, NULL, NULL, NULL);
	v = volume(&inv, "late-vol", 1, NOW - DAY, 10);
	v->ref_count = 1;
	volume(&inv, "idle-vol", 1, NOW - DAY, 10);
	n = network(&inv, "n-ov", "overlay-net", 0, NOW - DAY);
	free(n->scope);
	n->scope = xs("swarm");
	network(&inv, "n-gw", "docker_gwbridge", 0, NOW - DAY);
	flags_policy(&pol, RP_IMAGES_DANGLING, RP_VOLUMES_FLAG_ANONYMOUS, 0);
	got = decide_lines(&inv, &pol, &plan);
	expect_lines(got,
		     "C image sha256:idle dangling-images: dangling, unused\n"
		     "C volume idle-vol anonymous-volumes: anonymous, unused\n"
		     "P image sha256:late in-use: in use by 1 container(s) per the engine\n"
		     "P volume late-vol in-use: in use by 1 container(s) per the engine\n"
		     "P network docker_gwbridge predefined: swarm network: managed by the swarm\n"
		     "P network overlay-net predefined: swarm network: managed by the swarm\n");
	free(got);
	rc_plan_release(&plan);
	rp_policy_release(&pol);
	rc_inventory_release(&inv);
}

static void test_hostile_parent_cycle(void **state)
{
	struct rc_inventory inv;
	struct rp_policy pol;
	struct rc_plan plan;
	char *got;

	(void)state;
	rc_inventory_init(&inv);
	image(&inv, "sha256:p", "sha256:q", NOW - 9 * DAY, NULL, "sha256:1", NULL);
	image(&inv, "sha256:q", "sha256:p", NOW - 9 * DAY, NULL, "sha256:2", NULL);
	image(&inv, "sha256:s", "sha256:s", NOW - 9 * DAY, NULL, NULL, NULL);
	flags_policy(&pol, RP_IMAGES_UNSET, RP_VOLUMES_UNSET, 0);
	got = decide_lines(&inv, &pol, &plan);
	/* terminates, and decides each image once */
	assert_int_equal(plan.n_candidates + plan.n_protected, 3);
	free(got);
	rc_plan_release(&plan);
	rp_policy_release(&pol);
	rc_inventory_release(&inv);
}

static void test_odd_inventory(void **state)
{
	struct rc_inventory inv;
	struct rp_policy pol;
	struct rc_plan plan;
	struct rc_container *c;
	char *got;

	(void)state;
	rc_inventory_init(&inv);
	image(&inv, "sha256:nosizes", NULL, NOW - 9 * DAY, NULL, "sha256:q sha256:r", NULL);
	free(inv.images[0].layer_sizes);
	inv.images[0].layer_sizes = NULL; /* history could not be mapped */
	c = container(&inv, "c1", "odd", "sha256:gone", "exited", NOW - DAY, NOW - DAY);
	free(c->state);
	c->state = NULL;
	container(&inv, "c2", "leaving", "sha256:gone", "removing", NOW - DAY, 0);
	c = container(&inv, "c3", "by-name", "sha256:gone", "running", NOW - DAY, 0);
	strv_words(&c->networks, "front");
	network(&inv, "n-front", "front", 0, NOW - DAY);
	flags_policy(&pol, RP_IMAGES_UNSET, RP_VOLUMES_UNSET, 0);
	got = decide_lines(&inv, &pol, &plan);
	expect_lines(got, "C image sha256:nosizes dangling-images: dangling, unused\n"
			  "P container odd running: state unknown\n"
			  "P container leaving running: removing\n"
			  "P container by-name running: running\n"
			  "P network front in-use: in use by container 'by-name'\n");
	assert_int_equal(find(&plan, "sha256:nosizes")->reclaimable, 0);
	assert_int_equal(plan.summary.bytes_freed_now, 0);
	free(got);
	rc_plan_release(&plan);
	rp_policy_release(&pol);
	rc_inventory_release(&inv);
}

static void test_plan_build_and_outputs(void **state)
{
	struct rc_inventory inv;
	struct rp_policy pol;
	struct rc_plan plan, again, loaded;
	struct rc_err err = RC_ERR_INIT;
	struct rc_buf csv = RC_BUF_INIT, xml = RC_BUF_INIT;
	char *text, *text2, *mem = NULL;
	size_t memlen = 0;
	FILE *f;

	(void)state;
	prune_fixture(&inv);
	/* hostile names survive quoting */
	free(inv.containers[0].name);
	inv.containers[0].name = xs("a,\"b\"\nc");
	flags_policy(&pol, RP_IMAGES_UNSET, RP_VOLUMES_UNSET, 0);
	rc_plan_init(&plan);
	if (rc_engine_objects(&inv, "engine", &err) != 0)
		fail_msg("objects: %s", err.msg);
	if (rp_plan_build(&inv, &pol, NOW, DAY, &plan, &err) != 0)
		fail_msg("build: %s", err.msg);
	assert_int_equal(plan.created_at, NOW);
	assert_int_equal(plan.expires_at, NOW + DAY);
	assert_string_equal(plan.tool_version, RC_VERSION);
	assert_int_equal(plan.n_sources, 1);
	assert_string_equal(rc_plan_source_str(&plan.sources[0], "id"), "ENGINE:ID");
	assert_string_equal(plan.sources[0].type, "engine");
	assert_non_null(plan.policy_digest);
	assert_int_equal(strncmp(plan.digest, "sha256:", 7), 0);
	text = rc_plan_render(&plan, &err);
	assert_non_null(text);

	/* deterministic */
	rc_plan_init(&again);
	assert_int_equal(rp_plan_build(&inv, &pol, NOW, DAY, &again, &err), 0);
	text2 = rc_plan_render(&again, &err);
	assert_string_equal(text, text2);

	/* the plan validates and its digest recomputes */
	rc_plan_init(&loaded);
	if (rc_plan_parse(text, strlen(text), &loaded, &err) != 0)
		fail_msg("parse: %s", err.msg);
	assert_string_equal(loaded.digest, plan.digest);
	assert_int_equal(loaded.n_candidates, plan.n_candidates);
	assert_int_equal(loaded.summary.bytes_freed_now, plan.summary.bytes_freed_now);

	/* CSV: header, then a row per item, fields quoted by libcsv */
	rc_buf_init(&csv, 0);
	assert_int_equal(rp_csv_render(&plan, &csv, &err), 0);
	{
		static const char header[] =
		    "\"action\",\"id\",\"source\",\"kind\",\"object\",\"name\",\"refs\","
		    "\"size\",\"reclaimable\",\"size_human\",\"reclaimable_human\","
		    "\"created_at\",\"last_used_at\",\"rule\",\"reason\"\n";
		assert_int_equal(strncmp(csv.data, header, strlen(header)), 0);
	}
	/* quotes doubled; the newline, a control character, becomes '?' as in
	 * the summary, so one item is always one line */
	assert_non_null(strstr(
	    csv.data, "\n\"delete\",\"engine/container/c1\",\"engine\","
		      "\"container\",\"c1\",\"a,\"\"b\"\"?c\",\"a,\"\"b\"\"?c\","
		      "\"0\",\"0\",\"0B\",\"0B\",\"2027-01-10T08:00:00Z\","
		      "\"2027-01-12T08:00:00Z\",\"stopped-containers\",\"exited 3d ago\"\n"));
	assert_non_null(strstr(csv.data, "\"a,\"\"b\"\"?c\""));
	assert_non_null(strstr(csv.data, "\n\"keep\",\"engine/network/n-bridge\",\"engine\","
					 "\"network\",\"n-bridge\",\"bridge\",\"bridge\","));
	assert_non_null(strstr(csv.data, "\"1000\",\"1000\",\"1kB\",\"1kB\""));

	/* JUnit: one suite, candidates fail */
	rc_buf_init(&xml, 0);
	assert_int_equal(rp_junit_render(&plan, &xml, &err), 0);
	assert_non_null(strstr(xml.data, "<testsuite name=\"engine\" tests=\"21\" failures=\"8\""));
	assert_non_null(strstr(xml.data, "type=\"candidate\""));
	assert_non_null(strstr(xml.data, "message=\"would delete: dangling, unused\""));
	assert_non_null(strstr(xml.data, "kept by predefined: predefined network"));

	/* summary */
	f = open_memstream(&mem, &memlen);
	assert_non_null(f);
	rp_summary_print(f, &plan, "plan.json", RP_SUMMARY_NORMAL);
	fclose(f);
	assert_non_null(strstr(mem, "reclaim-apply --approve "));
	assert_non_null(strstr(mem, plan.digest));
	assert_non_null(strstr(mem, " plan.json\n"));
	assert_non_null(
	    strstr(mem, "8 candidates (3 containers, 2 images, 2 networks, 1 build-cache record)"));
	assert_non_null(strstr(mem, "a,\"b\"?c")); /* control characters sanitised */
	/* The object identity stands next to the human name. */
	assert_non_null(strstr(mem, "KIND         OBJECT       NAME "));
	assert_non_null(strstr(mem, "\ncontainer    c1           a,\"b\"?c "));
	free(mem);
	mem = NULL;
	f = open_memstream(&mem, &memlen);
	rp_summary_print(f, &plan, NULL, RP_SUMMARY_QUIET);
	fclose(f);
	assert_int_equal(strlen(mem), strlen(plan.digest) + 1);
	free(mem);

	rc_buf_release(&csv);
	rc_buf_release(&xml);
	free(text);
	free(text2);
	rc_plan_release(&loaded);
	rc_plan_release(&again);
	rc_plan_release(&plan);
	rp_policy_release(&pol);
	rc_inventory_release(&inv);
}

/* A DTR's tags measured on updatedAt or createdAt: keep_last ranks and
 * older_than and min_age compare the chosen time, and each reason names it.
 * a was created first and pushed last, c the other way round. */
static char *dtr_lines(enum rc_dtr_age age, const char *policy)
{
	static const struct {
		const char *name;
		int64_t created, updated;
	} tags[] = {{"a", NOW - 40 * DAY, NOW - 10 * MIN},
		    {"b", NOW - 20 * DAY, NOW - 20 * DAY},
		    {"c", NOW - 10 * MIN, NOW - 40 * DAY}};
	struct rc_dtr_tag t[3];
	struct rc_dtr_repo r;
	struct rc_dtr_scan scan;
	struct rc_inventory inv;
	struct rp_policy pol;
	struct rc_plan plan;
	struct rc_err err = RC_ERR_INIT;
	struct rc_buf b = RC_BUF_INIT;
	size_t i;

	memset(t, 0, sizeof(t));
	for (i = 0; i < 3; i++) {
		t[i].name = (char *)tags[i].name;
		t[i].digest =
		    (char *)"sha256:"
			    "1111111111111111111111111111111111111111111111111111111111111111";
		t[i].created = tags[i].created;
		t[i].updated = tags[i].updated;
		t[i].size = -1;
	}
	memset(&r, 0, sizeof(r));
	r.ns = (char *)"team";
	r.name = (char *)"app";
	r.tags = t;
	r.n_tags = 3;
	rc_dtr_scan_init(&scan);
	scan.url = (char *)"https://dtr.example";
	scan.name = (char *)"dtr";
	scan.repos = &r;
	scan.n_repos = 1;
	rc_inventory_init(&inv);
	file_policy(&pol, policy);
	rc_plan_init(&plan);
	if (rc_dtr_objects(&inv, &scan, age, &err) != 0 || rp_decide(&inv, &pol, NOW, &plan, &err))
		fail_msg("%s", err.msg);
	rc_buf_init(&b, 0);
	for (i = 0; i < plan.n_candidates; i++)
		rc_buf_printf(&b, &err, "C %s: %s\n", plan.candidates[i].object,
			      plan.candidates[i].reason);
	for (i = 0; i < plan.n_protected; i++)
		rc_buf_printf(&b, &err, "P %s: %s\n", plan.protected_items[i].object,
			      plan.protected_items[i].reason);
	rc_plan_release(&plan);
	rp_policy_release(&pol);
	rc_inventory_release(&inv);
	return rc_buf_detach(&b);
}

/* A DTR's cosign-style signature tags (sha256-<hex>.sig) take no keep_last
 * slot and go or stay with the tags of their subject: keep 2 over three
 * signed images kept only v3 and its signature (v3.sig took v2's slot), and
 * would have left a deleted image's signature behind. */
static void test_dtr_signatures_follow_their_subject(void **state)
{
	static const char *const dig[6] = {
	    "sha256:1111111111111111111111111111111111111111111111111111111111111111",
	    "sha256:2222222222222222222222222222222222222222222222222222222222222222",
	    "sha256:3333333333333333333333333333333333333333333333333333333333333333",
	    "sha256:4444444444444444444444444444444444444444444444444444444444444444",
	    "sha256:5555555555555555555555555555555555555555555555555555555555555555",
	    "sha256:6666666666666666666666666666666666666666666666666666666666666666"};
	static const char *const names[3] = {"v1", "v2", "v3"};
	char sig[3][80];
	struct rc_dtr_tag t[6];
	struct rc_dtr_repo r;
	struct rc_dtr_scan scan;
	struct rc_inventory inv;
	struct rp_policy pol;
	struct rc_plan plan;
	struct rc_err err = RC_ERR_INIT;
	struct rc_buf b = RC_BUF_INIT;
	size_t i;

	(void)state;
	memset(t, 0, sizeof(t));
	for (i = 0; i < 3; i++) {
		/* each signature is pushed a day after its image */
		snprintf(sig[i], sizeof(sig[i]), "sha256-%.64s.sig", dig[i] + 7);
		t[i].name = (char *)names[i];
		t[i].digest = (char *)dig[i];
		t[i].created = t[i].updated = NOW - (int64_t)(30 - 10 * i) * DAY;
		t[3 + i].name = sig[i];
		t[3 + i].digest = (char *)dig[3 + i];
		t[3 + i].created = t[3 + i].updated = NOW - (int64_t)(29 - 10 * i) * DAY;
		t[i].size = t[3 + i].size = -1;
	}
	memset(&r, 0, sizeof(r));
	r.ns = (char *)"team";
	r.name = (char *)"app";
	r.tags = t;
	r.n_tags = 6;
	rc_dtr_scan_init(&scan);
	scan.url = (char *)"https://dtr.example";
	scan.name = (char *)"dtr";
	scan.repos = &r;
	scan.n_repos = 1;
	rc_inventory_init(&inv);
	file_policy(&pol, "{\"version\":1,\"protect\":{\"min_age\":\"0\"},\"rules\":[{"
			  "\"name\":\"dtr-tags\",\"kinds\":[\"tag\"],\"keep_last\":2}]}");
	rc_plan_init(&plan);
	if (rc_dtr_objects(&inv, &scan, RC_DTR_AGE_UPDATED, &err) != 0 ||
	    rp_decide(&inv, &pol, NOW, &plan, &err))
		fail_msg("%s", err.msg);
	rc_buf_init(&b, 0);
	for (i = 0; i < plan.n_candidates; i++)
		rc_buf_printf(&b, &err, "C %.12s\n", plan.candidates[i].object + 9);
	for (i = 0; i < plan.n_protected; i++)
		rc_buf_printf(&b, &err, "P %.12s\n", plan.protected_items[i].object + 9);
	expect_lines(b.data, "C sha256-11111\n"
			     "C v1\n"
			     "P sha256-22222\n"
			     "P sha256-33333\n"
			     "P v2\n"
			     "P v3\n");
	rc_buf_release(&b);
	rc_plan_release(&plan);
	rp_policy_release(&pol);
	rc_inventory_release(&inv);
}

static void test_dtr_age(void **state)
{
	static const char keep1[] =
	    "{\"version\":1,\"protect\":{\"min_age\":\"1h\"},\"rules\":[{\"name\":\"t\","
	    "\"kinds\":[\"tag\"],\"keep_last\":1}]}";
	static const char older[] =
	    "{\"version\":1,\"protect\":{\"min_age\":\"0\"},\"rules\":[{\"name\":\"t\","
	    "\"kinds\":[\"tag\"],\"older_than\":\"30d\"}]}";
	char *got;

	(void)state;
	got = dtr_lines(RC_DTR_AGE_UPDATED, keep1);
	expect_lines(got, "C team/app:b: names sha256:111111111111 (repository no tagLimit), "
			  "updatedAt rank 2 > keep 1\n"
			  "C team/app:c: names sha256:111111111111 (repository no tagLimit), "
			  "updatedAt rank 3 > keep 1\n"
			  "P team/app:a: younger than min-age 1h (updatedAt age 10m)\n");
	free(got);
	got = dtr_lines(RC_DTR_AGE_CREATED, keep1);
	expect_lines(got, "C team/app:a: names sha256:111111111111 (repository no tagLimit), "
			  "createdAt rank 3 > keep 1\n"
			  "C team/app:b: names sha256:111111111111 (repository no tagLimit), "
			  "createdAt rank 2 > keep 1\n"
			  "P team/app:c: younger than min-age 1h (createdAt age 10m)\n");
	free(got);
	got = dtr_lines(RC_DTR_AGE_UPDATED, older);
	expect_lines(got, "C team/app:c: names sha256:111111111111 (repository no tagLimit), "
			  "updatedAt age 40d > 30d\n"
			  "P team/app:a: updatedAt age 10m <= 30d\n"
			  "P team/app:b: updatedAt age 20d <= 30d\n");
	free(got);
	got = dtr_lines(RC_DTR_AGE_CREATED, older);
	expect_lines(got, "C team/app:a: names sha256:111111111111 (repository no tagLimit), "
			  "createdAt age 40d > 30d\n"
			  "P team/app:b: createdAt age 20d <= 30d\n"
			  "P team/app:c: createdAt age 10m <= 30d\n");
	free(got);
}

/* Harbor: "C|P object: reason [pulled_at]" per item of a plan over three
 * artifacts of lib/app, each with one tag: old (pushed 400d ago, never
 * pulled), pulled (pushed 300d ago, pulled 2d ago), fresh (pushed 10d ago,
 * never pulled). */
static char *harbor_lines(enum rc_harbor_keep_by by, const char *policy)
{
	static const char *const dig[3] = {
	    "sha256:1111111111111111111111111111111111111111111111111111111111111111",
	    "sha256:2222222222222222222222222222222222222222222222222222222222222222",
	    "sha256:3333333333333333333333333333333333333333333333333333333333333333"};
	static const char *const names[3] = {"old", "pulled", "fresh"};
	static const int64_t pushed[3] = {400, 300, 10}, pulled[3] = {0, 2, 0};
	char push_raw[3][32], pull_raw[3][32];
	struct rc_harbor_artifact a[3];
	struct rc_harbor_tag t[3];
	struct rc_harbor_repo r;
	struct rc_harbor_scan scan;
	struct rc_inventory inv;
	struct rp_policy pol;
	struct rc_plan plan;
	struct rc_err err = RC_ERR_INIT;
	struct rc_buf b = RC_BUF_INIT;
	size_t i;

	memset(a, 0, sizeof(a));
	memset(t, 0, sizeof(t));
	for (i = 0; i < 3; i++) {
		a[i].digest = (char *)dig[i];
		a[i].size = 1000 * (int64_t)(i + 1);
		a[i].push_time = NOW - pushed[i] * DAY;
		a[i].pull_time = pulled[i] ? NOW - pulled[i] * DAY : 0;
		a[i].push_raw = rc_format_time(a[i].push_time, push_raw[i], sizeof(push_raw[i]));
		a[i].pull_raw =
		    pulled[i] ? rc_format_time(a[i].pull_time, pull_raw[i], sizeof(pull_raw[i]))
			      : (char *)"0001-01-01T00:00:00.000Z";
		t[i].name = (char *)names[i];
		t[i].push_time = a[i].push_time;
		a[i].tags = &t[i];
		a[i].n_tags = 1;
	}
	memset(&r, 0, sizeof(r));
	r.name = (char *)"lib/app";
	r.artifacts = a;
	r.n_artifacts = 3;
	rc_harbor_scan_init(&scan);
	scan.url = (char *)"https://harbor.example";
	scan.name = (char *)"harbor";
	scan.repos = &r;
	scan.n_repos = 1;
	rc_inventory_init(&inv);
	file_policy(&pol, policy);
	rc_plan_init(&plan);
	if (rc_harbor_objects(&inv, &scan, by, &err) != 0 ||
	    rp_decide(&inv, &pol, NOW, &plan, &err))
		fail_msg("%s", err.msg);
	rc_buf_init(&b, 0);
	for (i = 0; i < plan.n_candidates; i++) {
		const struct rc_plan_item *it = &plan.candidates[i];
		rc_buf_printf(&b, &err, "C %.*s: %s [%s]\n", strchr(it->object, '@') ? 14 : 64,
			      it->object, it->reason, it->pre.pulled_at ? it->pre.pulled_at : "-");
	}
	for (i = 0; i < plan.n_protected; i++)
		rc_buf_printf(&b, &err, "P %.*s: %s\n",
			      strchr(plan.protected_items[i].object, '@') ? 14 : 64,
			      plan.protected_items[i].object, plan.protected_items[i].reason);
	rc_plan_release(&plan);
	rp_policy_release(&pol);
	rc_inventory_release(&inv);
	return rc_buf_detach(&b);
}

static void test_harbor_pull_times(void **state)
{
	static const char stale[] =
	    "{\"version\":1,\"protect\":{\"min_age\":\"0\"},\"rules\":[{\"name\":\"stale\","
	    "\"kinds\":[\"tag\"],\"not_pulled_for\":\"30d\"}]}";
	static const char keep1[] =
	    "{\"version\":1,\"protect\":{\"min_age\":\"0\"},\"rules\":[{\"name\":\"k\","
	    "\"kinds\":[\"tag\"],\"keep_last\":1}]}";
	char *got;

	(void)state;
	/* never pulled counts from the push: fresh (10d) stays, old goes; the
	 * artifact goes with its tag, both recording the pull time read */
	got = harbor_lines(RC_HARBOR_KEEP_BY_PUSH, stale);
	expect_lines(
	    got, "C lib/app@sha256: deleting 'lib/app@sha256:111111111111' also removes "
		 "tag 'lib/app:old', a candidate [2025-12-11T08:00:00Z]\n"
		 "C lib/app:old: names sha256:111111111111, not pulled for 400d > 30d (never pulled: "
			  "counted from its push); "
		 "goes with manifest 'lib/app@sha256:111111111111', deleted before it "
		 "[2025-12-11T08:00:00Z]\n"
		 "P lib/app@sha256: tag 'lib/app:pulled' stays: pulled 2d ago <= 30d\n"
		 "P lib/app@sha256: tag 'lib/app:fresh' stays: never pulled, pushed 10d "
		 "ago <= 30d\n"
		 "P lib/app:fresh: never pulled, pushed 10d ago <= 30d\n"
		 "P lib/app:pulled: pulled 2d ago <= 30d\n");
	free(got);
	/* keep-last 1 by push: fresh stays; no rule reads pull times, yet each
	 * candidate records its pull time: a pull since planning is a use */
	got = harbor_lines(RC_HARBOR_KEEP_BY_PUSH, keep1);
	expect_lines(got,
		     "C lib/app@sha256: deleting 'lib/app@sha256:111111111111' also removes "
		     "tag 'lib/app:old', a candidate [2025-12-11T08:00:00Z]\n"
		     "C lib/app@sha256: deleting 'lib/app@sha256:222222222222' also removes "
		     "tag 'lib/app:pulled', a candidate [2027-01-13T08:00:00Z]\n"
		     "C lib/app:old: names sha256:111111111111, push_time rank 3 > keep 1; "
		     "goes with manifest 'lib/app@sha256:111111111111', deleted before it "
		     "[2025-12-11T08:00:00Z]\n"
		     "C lib/app:pulled: names sha256:222222222222, push_time rank 2 > keep 1; "
		     "goes with manifest 'lib/app@sha256:222222222222', deleted before it "
		     "[2027-01-13T08:00:00Z]\n"
		     "P lib/app@sha256: tag 'lib/app:fresh' stays: push_time rank 1 <= keep 1 "
		     "in 'lib/app'\n"
		     "P lib/app:fresh: push_time rank 1 <= keep 1 in 'lib/app'\n");
	free(got);
	/* by pull: pulled (2d) outranks fresh (never pulled: its push, 10d) */
	got = harbor_lines(RC_HARBOR_KEEP_BY_PULL, keep1);
	expect_lines(got,
		     "C lib/app@sha256: deleting 'lib/app@sha256:111111111111' also removes "
		     "tag 'lib/app:old', a candidate [2025-12-11T08:00:00Z]\n"
		     "C lib/app@sha256: deleting 'lib/app@sha256:333333333333' also removes "
		     "tag 'lib/app:fresh', a candidate [2027-01-05T08:00:00Z]\n"
		     "C lib/app:fresh: names sha256:333333333333, pull_time rank 2 > keep 1; "
		     "goes with manifest 'lib/app@sha256:333333333333', deleted before it "
		     "[2027-01-05T08:00:00Z]\n"
		     "C lib/app:old: names sha256:111111111111, pull_time rank 3 > keep 1; "
		     "goes with manifest 'lib/app@sha256:111111111111', deleted before it "
		     "[2025-12-11T08:00:00Z]\n"
		     "P lib/app@sha256: tag 'lib/app:pulled' stays: pull_time rank 1 <= keep 1 "
		     "in 'lib/app'\n"
		     "P lib/app:pulled: pull_time rank 1 <= keep 1 in 'lib/app'\n");
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_prune_defaults),
	    cmocka_unit_test(test_default_min_age),
	    cmocka_unit_test(test_parents_and_children),
	    cmocka_unit_test(test_sizes_shared_layers),
	    cmocka_unit_test(test_chain_id),
	    cmocka_unit_test(test_protections),
	    cmocka_unit_test(test_reasons_cut_on_character_boundaries),
	    cmocka_unit_test(test_rules_age_rank_and_selectors),
	    cmocka_unit_test(test_rules_for_other_sources_and_volumes),
	    cmocka_unit_test(test_networks),
	    cmocka_unit_test(test_engine_counts_and_swarm_networks),
	    cmocka_unit_test(test_hostile_parent_cycle),
	    cmocka_unit_test(test_odd_inventory),
	    cmocka_unit_test(test_plan_build_and_outputs),
	    cmocka_unit_test(test_dtr_age),
	    cmocka_unit_test(test_dtr_signatures_follow_their_subject),
	    cmocka_unit_test(test_harbor_pull_times),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
