/* test_layers: chain IDs, and the solver that learns per-layer sizes from
 * as few image histories as possible. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "inventory.h"
#include "engine/layers.h"

static void add_image(struct rc_inventory *inv, const char *id, int64_t size, const char **layers,
		      size_t n)
{
	struct rc_image *m;
	size_t k;

	inv->images = realloc(inv->images, (inv->n_images + 1) * sizeof(*inv->images));
	assert_non_null(inv->images);
	m = &inv->images[inv->n_images++];
	memset(m, 0, sizeof(*m));
	m->id = strdup(id);
	m->parent_id = strdup("");
	m->size = size;
	m->layers.v = calloc(n, sizeof(char *));
	m->layers.n = n;
	m->layer_sizes = malloc(n * sizeof(int64_t));
	for (k = 0; k < n; k++) {
		m->layers.v[k] = strdup(layers[k]);
		m->layer_sizes[k] = -1; /* as after inspect */
	}
}

/* Plays the daemon: applies the "history" of image i. */
static void give_history(struct rc_inventory *inv, size_t i, const int64_t *sizes)
{
	for (size_t k = 0; k < inv->images[i].layers.n; k++)
		inv->images[i].layer_sizes[k] = sizes[k];
}

static void test_chain_id(void **state)
{
	struct rc_err err = RC_ERR_INIT;
	char *a = rc_chain_id(NULL, "sha256:a", &err);
	char *b = rc_chain_id(a, "sha256:b", &err);

	(void)state;
	assert_string_equal(a, "sha256:a");
	/* sha256 of "sha256:a sha256:b", computed with Python's hashlib */
	assert_string_equal(b, "sha256:970a948bffa8de94d6e22d747ba8c95030e6e546909f98f54e99a13005e173a8");
	free(a);
	free(b);
}

/* Three images on one shared base: one history teaches the base, the rest
 * follows from each image's Size. */
static void test_shared_base_needs_one_history(void **state)
{
	struct rc_inventory inv;
	struct rc_err err = RC_ERR_INIT;
	struct rc_layer_solver *s;
	size_t need[8], n;
	const char *l1[] = {"sha256:base", "sha256:t1"};
	const char *l2[] = {"sha256:base", "sha256:t2"};
	const char *l3[] = {"sha256:base", "sha256:t3"};
	const int64_t h1[] = {1000, 10};

	(void)state;
	rc_inventory_init(&inv);
	add_image(&inv, "sha256:i1", 1010, l1, 2);
	add_image(&inv, "sha256:i2", 1020, l2, 2);
	add_image(&inv, "sha256:i3", 1030, l3, 2);
	s = rc_layer_solver_new(&inv, &err);
	assert_non_null(s);
	assert_int_equal(rc_layer_solver_step(s, need, 8, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(need[0], 0);
	give_history(&inv, 0, h1);
	rc_layer_solver_fetched(s, 0);
	assert_int_equal(rc_layer_solver_step(s, need, 8, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(inv.images[1].layer_sizes[0], 1000);
	assert_int_equal(inv.images[1].layer_sizes[1], 20);
	assert_int_equal(inv.images[2].layer_sizes[1], 30);
	rc_layer_solver_free(s);
	rc_inventory_release(&inv);
}

/* A parent image present locally explains its child without any history. */
static void test_prefix_images_need_none(void **state)
{
	struct rc_inventory inv;
	struct rc_err err = RC_ERR_INIT;
	struct rc_layer_solver *s;
	size_t need[8], n;
	const char *lp[] = {"sha256:a"};
	const char *lc[] = {"sha256:a", "sha256:b"};

	(void)state;
	rc_inventory_init(&inv);
	add_image(&inv, "sha256:child", 150, lc, 2);
	add_image(&inv, "sha256:parent", 100, lp, 1);
	s = rc_layer_solver_new(&inv, &err);
	assert_int_equal(rc_layer_solver_step(s, need, 8, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(inv.images[0].layer_sizes[0], 100);
	assert_int_equal(inv.images[0].layer_sizes[1], 50);
	rc_layer_solver_free(s);
	rc_inventory_release(&inv);
}

/* The same diff on different parents is a different layer: no sharing. */
static void test_same_diff_other_parent_is_not_shared(void **state)
{
	struct rc_inventory inv;
	struct rc_err err = RC_ERR_INIT;
	struct rc_layer_solver *s;
	size_t need[8], n;
	const char *l1[] = {"sha256:x", "sha256:same"};
	const char *l2[] = {"sha256:y", "sha256:same"};

	(void)state;
	rc_inventory_init(&inv);
	add_image(&inv, "sha256:i1", 30, l1, 2);
	add_image(&inv, "sha256:i2", 40, l2, 2);
	s = rc_layer_solver_new(&inv, &err);
	assert_int_equal(rc_layer_solver_step(s, need, 8, &n, &err), 0);
	/* nothing in common: both must be asked for, in one round */
	assert_int_equal(n, 2);
	rc_layer_solver_free(s);
	rc_inventory_release(&inv);
}

/* Unknown Size, a history that does not match, or an inconsistent Size:
 * sizes stay unknown (-1) and the solver stops asking. */
static void test_unsolvable_stays_unknown(void **state)
{
	struct rc_inventory inv;
	struct rc_err err = RC_ERR_INIT;
	struct rc_layer_solver *s;
	size_t need[8], n;
	const char *l1[] = {"sha256:p", "sha256:q"};
	const char *l2[] = {"sha256:p", "sha256:r"};
	const int64_t bad[] = {-1, -1};

	(void)state;
	rc_inventory_init(&inv);
	add_image(&inv, "sha256:i1", -1, l1, 2);
	add_image(&inv, "sha256:i2", 5, l2, 2);
	s = rc_layer_solver_new(&inv, &err);
	assert_int_equal(rc_layer_solver_step(s, need, 8, &n, &err), 0);
	assert_int_equal(n, 1); /* they share p: one at a time */
	give_history(&inv, need[0], bad);
	rc_layer_solver_fetched(s, need[0]);
	assert_int_equal(rc_layer_solver_step(s, need, 8, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(need[0], 1);
	give_history(&inv, 1, (const int64_t[]){3, 2});
	rc_layer_solver_fetched(s, 1);
	assert_int_equal(rc_layer_solver_step(s, need, 8, &n, &err), 0);
	assert_int_equal(n, 0);
	/* i1's Size is unknown: q cannot be derived, but p is known and
	 * reported the same in both images */
	assert_int_equal(inv.images[0].layer_sizes[1], -1);
	assert_int_equal(inv.images[0].layer_sizes[0], 3);
	assert_int_equal(inv.images[1].layer_sizes[0], 3);
	rc_layer_solver_free(s);
	rc_inventory_release(&inv);
}

static void test_negative_derivation_is_refused(void **state)
{
	struct rc_inventory inv;
	struct rc_err err = RC_ERR_INIT;
	struct rc_layer_solver *s;
	size_t need[8], n;
	const char *l1[] = {"sha256:p", "sha256:q"};
	const char *l2[] = {"sha256:p", "sha256:r"};

	(void)state;
	rc_inventory_init(&inv);
	add_image(&inv, "sha256:i1", 100, l1, 2);
	add_image(&inv, "sha256:i2", 10, l2, 2); /* smaller than the shared p */
	s = rc_layer_solver_new(&inv, &err);
	assert_int_equal(rc_layer_solver_step(s, need, 8, &n, &err), 0);
	give_history(&inv, need[0], (const int64_t[]){60, 40});
	rc_layer_solver_fetched(s, need[0]);
	assert_int_equal(rc_layer_solver_step(s, need, 8, &n, &err), 0);
	/* 10 - 60 < 0: not guessed, its own history is asked for */
	assert_int_equal(n, 1);
	assert_int_equal(need[0], 1);
	assert_int_equal(inv.images[1].layer_sizes[1], -1);
	rc_layer_solver_free(s);
	rc_inventory_release(&inv);
}

/* Without derivation every image with an unknown layer is asked for at
 * once, and nothing is computed by subtraction. */
static void test_no_derive_asks_for_all(void **state)
{
	struct rc_inventory inv;
	struct rc_err err = RC_ERR_INIT;
	struct rc_layer_solver *s;
	size_t need[8], n;
	const char *l1[] = {"sha256:base", "sha256:t1"};
	const char *l2[] = {"sha256:base", "sha256:t2"};

	(void)state;
	rc_inventory_init(&inv);
	add_image(&inv, "sha256:i1", 1010, l1, 2);
	add_image(&inv, "sha256:i2", 9999, l2, 2);
	s = rc_layer_solver_new(&inv, &err);
	rc_layer_solver_set_derive(s, 0);
	assert_int_equal(rc_layer_solver_step(s, need, 8, &n, &err), 0);
	assert_int_equal(n, 2);
	give_history(&inv, 0, (const int64_t[]){1000, 10});
	rc_layer_solver_fetched(s, 0);
	rc_layer_solver_fetched(s, 1); /* its history did not match */
	assert_int_equal(rc_layer_solver_step(s, need, 8, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(inv.images[1].layer_sizes[0], 1000); /* known, shared */
	assert_int_equal(inv.images[1].layer_sizes[1], -1);   /* not 9999 - 1000 */
	rc_layer_solver_free(s);
	rc_inventory_release(&inv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain_id),
		cmocka_unit_test(test_shared_base_needs_one_history),
		cmocka_unit_test(test_prefix_images_need_none),
		cmocka_unit_test(test_same_diff_other_parent_is_not_shared),
		cmocka_unit_test(test_unsolvable_stays_unknown),
		cmocka_unit_test(test_negative_derivation_is_refused),
		cmocka_unit_test(test_no_derive_asks_for_all),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
