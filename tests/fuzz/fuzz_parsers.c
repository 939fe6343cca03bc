/* fuzz_parsers: one libFuzzer harness for every parser of untrusted input:
 * the plan loader, the policy loader, the engine answer parsers and the
 * canonical JSON writer. RC_FUZZ_TARGET names the parser (see targets[]).
 *
 *   make fuzz                                  # clang + libFuzzer build
 *   RC_FUZZ_TARGET=plan build-fuzz/fuzz_parsers tests/fuzz/corpus/plan
 *
 * Built without libFuzzer (RC_FUZZ_REPLAY), the same file is a replayer:
 * `fuzz_replay TARGET FILE...` feeds each file once. make check replays the
 * corpus under the sanitizers, so every crash found becomes a regression
 * test by dropping the input into tests/fuzz/corpus/TARGET/. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "engine/delete.h"
#include "engine/engine.h"
#include "engine/events.h"
#include "inventory.h"
#include "jcs.h"
#include "plan.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

typedef void (*fuzz_fn)(const char *text, size_t len);

static void f_plan(const char *t, size_t n)
{
	struct rc_plan p;
	struct rc_err err = RC_ERR_INIT;

	rc_plan_init(&p);
	rc_plan_parse(t, n, &p, &err);
	rc_plan_free(&p);
}

static void f_policy(const char *t, size_t n)
{
	struct rp_policy p;
	struct rc_err err = RC_ERR_INIT;

	rp_policy_init(&p);
	if (rp_policy_parse(t, n, "fuzz.json", &p, &err) == 0) {
		cJSON *j = rp_policy_to_json(&p, &err);
		cJSON_Delete(j);
	}
	rp_policy_free(&p);
}

#define INV_TARGET(name, call)                                                                     \
	static void name(const char *t, size_t n)                                                  \
	{                                                                                          \
		struct rc_inventory inv;                                                           \
		struct rc_err err = RC_ERR_INIT;                                                   \
		rc_inventory_init(&inv);                                                           \
		call;                                                                              \
		rc_inventory_free(&inv);                                                           \
	}

INV_TARGET(f_images, rc_engine_parse_images(t, n, "1.41", &inv, &err))
INV_TARGET(f_containers, rc_engine_parse_containers(t, n, "1.41", &inv, &err))
INV_TARGET(f_volumes, rc_engine_parse_volumes(t, n, &inv, &err))
INV_TARGET(f_networks, rc_engine_parse_networks(t, n, &inv, &err))
INV_TARGET(f_df, rc_engine_parse_df(t, n, "1.47", &inv, &err))
INV_TARGET(f_info, rc_engine_parse_info(t, n, &inv.engine, &err))

static void f_image(const char *t, size_t n, int history)
{
	struct rc_inventory inv;
	struct rc_err err = RC_ERR_INIT;
	static const char img[] = "[{\"Id\":\"sha256:aa\",\"ParentId\":\"\",\"RepoTags\":null,"
				  "\"Created\":1,\"Size\":10,\"Labels\":null}]";

	rc_inventory_init(&inv);
	if (rc_engine_parse_images(img, sizeof(img) - 1, "1.41", &inv, &err) == 0) {
		if (history) {
			/* history maps onto the layers an inspect found first */
			static const char insp[] =
			    "{\"Id\":\"sha256:aa\",\"RootFS\":{\"Layers\":[\"sha256:l1\","
			    "\"sha256:l2\"]},\"Metadata\":{\"LastTagTime\":\"0001-01-01T00:00:00Z\"}}";
			rc_engine_parse_image_inspect(insp, sizeof(insp) - 1, &inv.images[0], &err);
			rc_engine_parse_image_history(t, n, &inv.images[0], &err);
		} else {
			rc_engine_parse_image_inspect(t, n, &inv.images[0], &err);
		}
	}
	rc_inventory_free(&inv);
}

static void f_inspect(const char *t, size_t n)
{
	f_image(t, n, 0);
}

static void f_history(const char *t, size_t n)
{
	f_image(t, n, 1);
}

/* The executor's answer parsers, now in common/engine/. */
static void f_container(const char *t, size_t n)
{
	struct rc_container c;
	struct rc_err err = RC_ERR_INIT;

	memset(&c, 0, sizeof(c));
	rc_engine_parse_container_inspect(t, n, &c, &err);
	free(c.started_raw);
	free(c.finished_raw);
}

static void f_events(const char *t, size_t n)
{
	static const struct rc_plan_item it = {.kind = RC_KIND_VOLUME, .object = "v1"};
	struct rc_engine_events *ev = rc_engine_events_new(1700000000000000000LL);
	struct rc_err err = RC_ERR_INIT;
	char reason[512];

	if (ev && rc_engine_events_feed(ev, t, n, -1, &err) == 0)
		rc_engine_events_used(ev, &it, reason, sizeof(reason));
	rc_engine_events_free(ev);
}

static void f_prune(const char *t, size_t n)
{
	char reason[512];

	rc_engine_prune_outcome(t, n, "abc123", reason, sizeof(reason));
}

static void f_jcs(const char *t, size_t n)
{
	struct rc_buf b = RC_BUF_INIT;
	struct rc_err err = RC_ERR_INIT;
	cJSON *j = cJSON_ParseWithLength(t, n);

	rc_buf_init(&b, 1 << 20);
	if (j)
		rc_jcs_serialize(j, &b, &err);
	cJSON_Delete(j);
	rc_buf_free(&b);
}

static const struct {
	const char *name;
	fuzz_fn fn;
} targets[] = {
	{"plan", f_plan},         {"policy", f_policy},     {"images", f_images},
	{"containers", f_containers}, {"volumes", f_volumes}, {"networks", f_networks},
	{"df", f_df},             {"info", f_info},         {"inspect", f_inspect},
	{"history", f_history},   {"jcs", f_jcs},           {"container", f_container},
	{"events", f_events},     {"prune", f_prune},
};

static fuzz_fn chosen;

static fuzz_fn find(const char *name)
{
	for (size_t i = 0; name && i < sizeof(targets) / sizeof(targets[0]); i++)
		if (strcmp(targets[i].name, name) == 0)
			return targets[i].fn;
	return NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	chosen = find(getenv("RC_FUZZ_TARGET"));
	if (!chosen) {
		fprintf(stderr, "fuzz_parsers: set RC_FUZZ_TARGET to one of:");
		for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
			fprintf(stderr, " %s", targets[i].name);
		fputc('\n', stderr);
		exit(2);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the parsers get a NUL-terminated copy, as they do from rc_buf */
	char *t = malloc(size + 1);

	if (!t)
		return 0;
	memcpy(t, data, size);
	t[size] = '\0';
	chosen(t, size);
	free(t);
	return 0;
}

#ifdef RC_FUZZ_REPLAY
int main(int argc, char **argv)
{
	int i;

	if (argc < 2 || !(chosen = find(argv[1]))) {
		fprintf(stderr, "usage: fuzz_replay TARGET FILE...\n");
		return 2;
	}
	for (i = 2; i < argc; i++) {
		struct rc_buf b = RC_BUF_INIT;
		struct rc_err err = RC_ERR_INIT;
		FILE *f = fopen(argv[i], "rb");
		char chunk[65536];
		size_t n;

		if (!f) {
			perror(argv[i]);
			return 1;
		}
		rc_buf_init(&b, 0);
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			if (rc_buf_append(&b, chunk, n, &err) < 0)
				break;
		fclose(f);
		LLVMFuzzerTestOneInput((const uint8_t *)b.data, b.len);
		rc_buf_free(&b);
	}
	printf("replayed %d inputs for '%s'\n", argc - 2, argv[1]);
	return 0;
}
#endif
