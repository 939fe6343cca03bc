/* inventory.h: one model of what a source holds, whatever the source.
 *
 * Times are Unix seconds, 0 when unknown. Byte counts are int64_t, -1 when
 * unknown. All strings and arrays are owned by the inventory and freed by
 * rc_inventory_free. IDs are full ("sha256:<64 hex>" for images, 64 hex for
 * containers and networks). */
#ifndef RC_INVENTORY_H
#define RC_INVENTORY_H

#include <stddef.h>
#include <stdint.h>

struct rc_strv {
	char **v;
	size_t n;
};

struct rc_label {
	char *key;
	char *value;
};

struct rc_labels {
	struct rc_label *v;
	size_t n;
};

struct rc_engine_info {
	char *id;           /* /info ID: the engine's identity */
	char *name;         /* /info Name */
	char *server_version;
	char *api_version;  /* negotiated, e.g. "1.41" */
	char *endpoint;     /* as reached, e.g. "unix:///run/docker.sock" */
	char *system_time;  /* /info SystemTime normalised to UTC with nanoseconds
			       ("2026-11-29T11:20:00.123456789Z"): the daemon's
			       clock, which its event log uses; NULL unknown */
	int64_t system_time_ns; /* the same in ns since the epoch, 0 unknown */
	int containerd_store; /* images live in containerd's store (DriverStatus
				 names a snapshotter): Size may count more than
				 the layers, so layer sizes are never derived */
};

struct rc_image {
	char *id;                  /* "sha256:..." */
	char *parent_id;           /* "" when none */
	struct rc_strv repo_tags;  /* "repo:tag"; never "<none>:<none>" */
	struct rc_strv repo_digests;
	int64_t created;
	int64_t last_tag_time;     /* Metadata.LastTagTime, 0 when never tagged */
	int64_t size;              /* Size: all layers */
	int64_t shared_size;       /* -1 unknown */
	int64_t containers;        /* -1 unknown (API < 1.51 in the list) */
	struct rc_strv layers;     /* RootFS.Layers diff IDs, base first */
	int64_t *layer_sizes;      /* n = layers.n; bytes per layer, -1 unknown */
	struct rc_labels labels;
	int dangling;              /* no tags */
};

struct rc_container {
	char *id;
	char *name;                /* without the leading '/' */
	char *image;               /* the reference it was created from */
	char *image_id;            /* "sha256:..." */
	char *state;               /* created, running, paused, restarting, removing, exited, dead */
	int64_t created;
	int64_t finished_at;       /* 0 when it never ran or is running */
	char *started_raw;         /* State.StartedAt and State.FinishedAt exactly as */
	char *finished_raw;        /* inspect gave them (stopped ones only), else NULL:
				      the evidence a plan records, see plan.h */
	int64_t size_rw;           /* -1 unknown */
	int64_t size_root_fs;
	struct rc_labels labels;
	struct rc_strv volumes;    /* names of mounted volumes */
	struct rc_strv networks;   /* network IDs it is attached to */
};

struct rc_volume {
	char *name;
	char *driver;
	int64_t created;
	int64_t size;              /* UsageData.Size, -1 unknown */
	int64_t ref_count;         /* UsageData.RefCount, -1 unknown */
	int anonymous;             /* 64-hex name or com.docker.volume.anonymous label */
	struct rc_labels labels;
};

struct rc_network {
	char *id;
	char *name;
	char *driver;
	char *scope;
	int64_t created;
	int predefined;            /* bridge, host, none */
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
	int64_t last_used;         /* 0 when never used */
	int64_t usage_count;
};

struct rc_inventory {
	struct rc_engine_info engine;
	int64_t layers_size;       /* /system/df LayersSize, -1 unknown */
	struct rc_image *images;
	size_t n_images;
	struct rc_container *containers;
	size_t n_containers;
	struct rc_volume *volumes;
	size_t n_volumes;
	struct rc_network *networks;
	size_t n_networks;
	struct rc_build_cache *build_cache;
	size_t n_build_cache;
};

void rc_inventory_init(struct rc_inventory *inv);
void rc_inventory_free(struct rc_inventory *inv);

/* Lookups; return NULL when absent. Linear unless noted. */
const struct rc_image *rc_inventory_image(const struct rc_inventory *inv, const char *id);
const char *rc_labels_get(const struct rc_labels *l, const char *key);

void rc_strv_free(struct rc_strv *s);
void rc_labels_free(struct rc_labels *l);

#endif
