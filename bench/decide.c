/* bench/decide.c: rp_decide over a synthetic inventory, without an engine.
 *
 * One repository "app" holding N images (tags app:1..app:N, a shared base
 * layer plus one layer of its own), C stopped containers spread over the
 * images, and one rule with keep_last 10: the shape of a registry
 * repository with a long history. Prints the wall time of the decision.
 *
 *   build/bench/decide [IMAGES [CONTAINERS [DUMP]]]   (defaults 100000 1000)
 *
 * DUMP, a file name, receives one line per item (id, rule, reason, bytes),
 * to compare two builds' decisions. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decide.h"
#include "engine/objects.h"
#include "plan.h"
#include "policy.h"

#define NOW 1800000000LL

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz);

	if (!p) {
		fprintf(stderr, "bench-decide: out of memory\n");
		exit(1);
	}
	return p;
}

static char *xprintf(const char *fmt, unsigned long long a)
{
	char buf[128];
	char *s;

	snprintf(buf, sizeof(buf), fmt, a);
	s = strdup(buf);
	if (!s) {
		fprintf(stderr, "bench-decide: out of memory\n");
		exit(1);
	}
	return s;
}

static void one(struct rc_strv *v, char *s)
{
	v->v = xcalloc(1, sizeof(char *));
	v->v[0] = s;
	v->n = 1;
}

static void fill(struct rc_inventory *inv, size_t n_images, size_t n_containers)
{
	size_t i;

	inv->images = xcalloc(n_images, sizeof(*inv->images));
	inv->n_images = n_images;
	for (i = 0; i < n_images; i++) {
		struct rc_image *m = &inv->images[i];
		/* IDs in an order unrelated to age, as hashes are */
		unsigned long long h = (unsigned long long)i * 2654435761ULL % 4294967291ULL;

		m->id = xprintf("sha256:%064llx", h);
		m->parent_id = strdup("");
		one(&m->repo_tags, xprintf("app:%llu", (unsigned long long)i + 1));
		m->created = NOW - 86400 * 400 + (int64_t)(i * 37 % n_images) * 60;
		m->shared_size = -1;
		m->containers = -1;
		m->layers.v = xcalloc(2, sizeof(char *));
		m->layers.v[0] = strdup("sha256:base");
		m->layers.v[1] = xprintf("sha256:%064llx", h + 1);
		m->layers.n = 2;
		m->layer_sizes = xcalloc(2, sizeof(int64_t));
		m->layer_sizes[0] = 5 << 20;
		m->layer_sizes[1] = 1 << 20;
		m->size = m->layer_sizes[0] + m->layer_sizes[1];
	}
	inv->containers = xcalloc(n_containers, sizeof(*inv->containers));
	inv->n_containers = n_containers;
	for (i = 0; i < n_containers; i++) {
		struct rc_container *c = &inv->containers[i];

		c->id = xprintf("%064llx", (unsigned long long)i * 40503ULL + 7);
		c->name = xprintf("job-%llu", (unsigned long long)i);
		c->image_id = strdup(inv->images[i * 97 % n_images].id);
		c->image = strdup(c->image_id);
		c->state = strdup("exited");
		c->created = NOW - 86400 * 30;
		c->finished_at = NOW - 86400 * 20;
		c->size_rw = 4096;
	}
}

static void dump_items(FILE *f, const struct rc_plan_item *v, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		fprintf(f, "%s|%s|%s|%s|%lld|%lld|%lld|", v[i].id, v[i].name, v[i].rule,
			v[i].reason, (long long)v[i].size, (long long)v[i].reclaimable,
			(long long)v[i].last_used);
		for (j = 0; j < v[i].pre.users_in_plan.n; j++)
			fprintf(f, "%s,", v[i].pre.users_in_plan.v[j]);
		fputc('\n', f);
	}
}

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static const char policy[] =
	    "{\"version\": 1, \"protect\": {\"min_age\": \"0\"}, \"rules\": ["
	    "{\"name\": \"containers\", \"kinds\": [\"container\"]},"
	    "{\"name\": \"app\", \"kinds\": [\"image\"], \"repositories\": [\"app\"],"
	    " \"keep_last\": 10}]}";
	size_t n_images = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
	size_t n_containers = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000;
	struct rc_inventory inv;
	struct rp_policy pol;
	struct rc_plan plan;
	struct rc_err err = RC_ERR_INIT;
	double t0, t1;

	if (!n_images) {
		fprintf(stderr, "usage: decide [IMAGES [CONTAINERS]]\n");
		return 2;
	}
	rc_inventory_init(&inv);
	rp_policy_init(&pol);
	rc_plan_init(&plan);
	fill(&inv, n_images, n_containers);
	if (rp_policy_parse(policy, sizeof(policy) - 1, "bench", &pol, &err) < 0) {
		fprintf(stderr, "bench-decide: error: %s\n", err.msg);
		return 1;
	}
	t0 = seconds();
	if (rc_engine_objects(&inv, "engine", &err) < 0) {
		fprintf(stderr, "bench-decide: error: %s\n", err.msg);
		return 1;
	}
	t1 = seconds();
	printf("objects: %.3f s\n", t1 - t0);
	if (rp_decide(&inv, &pol, NOW, &plan, &err) < 0) {
		fprintf(stderr, "bench-decide: error: %s\n", err.msg);
		return 1;
	}
	t1 = seconds();
	printf("decide: %zu images in one repository, %zu containers, keep_last 10: "
	       "%.3f s (%zu candidates, %zu protected)\n",
	       n_images, n_containers, t1 - t0, plan.n_candidates, plan.n_protected);
	if (argc > 3) {
		FILE *f = fopen(argv[3], "w");
		if (!f) {
			perror(argv[3]);
			return 1;
		}
		dump_items(f, plan.candidates, plan.n_candidates);
		dump_items(f, plan.protected_items, plan.n_protected);
		fprintf(f, "bytes %lld %lld\n", (long long)plan.summary.bytes_freed_now,
			(long long)plan.summary.bytes_by_kind[RC_KIND_IMAGE]);
		fclose(f);
	}
	rc_plan_release(&plan);
	rp_policy_release(&pol);
	rc_inventory_release(&inv);
	return 0;
}
