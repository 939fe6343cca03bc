/* layers.h: layer identity and per-layer sizes.
 *
 * Layers are shared between images by chain ID, not diff ID: the same diff
 * on top of different parents is a different layer on disk. Per-layer sizes
 * come from /images/{id}/history, one request per image; on a host with
 * thousands of images that dominates the scan. The solver needs far fewer:
 * an image's Size is the sum of its layers, so once all but one of its layers
 * are known, the last one follows. It asks for the history of just enough
 * images to learn the rest. */
#ifndef RC_LAYERS_H
#define RC_LAYERS_H

#include <stddef.h>

#include "err.h"
#include "inventory.h"

/* The chain ID of a layer (OCI image spec): the diff ID itself for the base
 * layer (parent_chain NULL), else "sha256:" + hex sha256 of
 * "<parent_chain> <diff_id>". Returns an owned string, NULL with err. */
char *rc_chain_id(const char *parent_chain, const char *diff_id, struct rc_err *err);

struct rc_layer_solver;

/* Prepares a solver over inv's images (their layers must be filled). The
 * solver keeps a pointer to inv, which must outlive it. NULL with err. */
struct rc_layer_solver *rc_layer_solver_new(struct rc_inventory *inv, struct rc_err *err);
void rc_layer_solver_free(struct rc_layer_solver *s);

/* One round. Learns the sizes of images whose layer_sizes are filled
 * (e.g. from history), derives every size that follows, fills layer_sizes of
 * the images it completed, and writes to need[0..*n_need) the indexes of
 * images whose history to fetch next (at most max; images with no unknown
 * layer in common, so that each answer teaches something new). *n_need 0
 * means done: the images still without sizes cannot be solved (their history
 * was fetched and did not match their layers, or their Size is unknown) and
 * keep -1. Call again after filling the histories of the images asked for. */
int rc_layer_solver_step(struct rc_layer_solver *s, size_t *need, size_t max, size_t *n_need,
			 struct rc_err *err);

/* derive 0: learn sizes only from histories, never by subtraction (for
 * engines whose image Size is not the sum of its layers); every image with
 * an unknown layer is then asked for at once. Default 1. */
void rc_layer_solver_set_derive(struct rc_layer_solver *s, int derive);

/* Marks image i as fetched: its history has been applied (or was absent). */
void rc_layer_solver_fetched(struct rc_layer_solver *s, size_t i);

#endif
