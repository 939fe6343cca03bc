/* engine/inventory.h: what a Docker Engine scan finds, as the engine says it.
 *
 * rc_engine_scan (common/engine.h) fills these in struct rc_inventory, and
 * rc_engine_objects (engine/objects.h) turns them into the flat objects the
 * generic decision code sees. Conventions are those of ../inventory.h. IDs
 * are full ("sha256:<64 hex>" for images, 64 hex for containers and
 * networks).
 *
 * ../inventory.h includes this header after rc_strv and rc_labels; the
 * include below sits outside the guard so that either header may come
 * first. */
#include "../inventory.h"

#ifndef RC_ENGINE_INVENTORY_H
#define RC_ENGINE_INVENTORY_H

#include <stdint.h>

struct rc_engine_info {
	char *id; /* /info ID: the engine's identity */
	char *name; /* /info Name */
	char *server_version;
	char *api_version; /* negotiated, e.g. "1.41" */
	char *endpoint; /* as reached, e.g. "unix:///run/docker.sock" */
	char *system_time; /* /info SystemTime normalised to UTC with nanoseconds
			      ("2026-11-29T11:20:00.123456789Z"): the daemon's
			      clock, which its event log uses; NULL unknown */
	int64_t system_time_ns; /* the same in ns since the epoch, 0 unknown */
	int containerd_store; /* images live in containerd's store (DriverStatus
				 names a snapshotter): Size may count more than
				 the layers, so layer sizes are never derived */
};

struct rc_image {
	char *id; /* "sha256:..." */
	char *parent_id; /* "" when none */
	struct rc_strv repo_tags; /* "repo:tag"; never "<none>:<none>" */
	struct rc_strv repo_digests;
	int64_t created;
	int64_t last_tag_time; /* Metadata.LastTagTime, 0 when never tagged */
	int64_t size; /* Size: all layers */
	int64_t shared_size; /* -1 unknown */
	int64_t containers; /* -1 unknown (API < 1.51 in the list) */
	struct rc_strv layers; /* RootFS.Layers diff IDs, base first */
	int64_t *layer_sizes; /* n = layers.n; bytes per layer, -1 unknown */
	struct rc_labels labels;
	int dangling; /* no tags */
};

struct rc_container {
	char *id;
	char *name; /* without the leading '/' */
	char *image; /* the reference it was created from */
	char *image_id; /* "sha256:..." */
	char *state; /* created, running, paused, restarting, removing, exited, dead */
	int64_t created;
	int64_t finished_at; /* 0 when it never ran or is running */
	char *started_raw; /* State.StartedAt and State.FinishedAt exactly as */
	char *finished_raw; /* inspect gave them (stopped ones only), else NULL:
			       the evidence a plan records, see plan.h */
	int64_t size_rw; /* -1 unknown */
	int64_t size_root_fs;
	struct rc_labels labels;
	struct rc_strv volumes; /* names of mounted volumes */
	struct rc_strv networks; /* network IDs it is attached to */
};

struct rc_volume {
	char *name;
	char *driver;
	int64_t created;
	int64_t size; /* UsageData.Size, -1 unknown */
	int64_t ref_count; /* UsageData.RefCount, -1 unknown */
	int anonymous; /* 64-hex name or com.docker.volume.anonymous label */
	struct rc_labels labels;
};

struct rc_network {
	char *id;
	char *name;
	char *driver;
	char *scope;
	int64_t created;
	int predefined; /* bridge, host, none */
	struct rc_labels labels;
};

struct rc_build_cache {
	char *id;
	char *type;
	char *description;
	int in_use;
	int shared;
	int64_t size;
	int64_t created;
	int64_t last_used; /* 0 when never used */
	int64_t usage_count;
};

#endif
