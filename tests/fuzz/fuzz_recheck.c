/* fuzz_recheck: the re-check judges (rc_engine_eval_*) over engine answers. The
 * input is one JSON object standing for what the engine answered and what
 * the plan said:
 *
 *   {"inspect": <object inspect or /system/df>, "containers": [...],
 *    "df": <a /system/df answer>, "object": "<the item's identity>",
 *    "tags": [...], "gone": [...], "untagged": [...], "started_at": "...",
 *    "finished_at": "...", "usage_count": N, "size": N}
 *
 * Every member is optional; a missing answer is JSON null (the engine can
 * answer anything). Each judge runs on an item of its kind; a verdict is
 * OK, ABSENT or CHANGED with one sanitised line, or -1 with an error. */
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "fuzz.h"
#include "inventory.h"
#include "plan.h"
#include "engine/recheck.h"

#define IMG "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define CID "2222222222222222222222222222222222222222222222222222222222222222"
#define NID "4444444444444444444444444444444444444444444444444444444444444444"

/* The strings of an array member, borrowed from the document; only
 * strings are kept (a plan holds nothing else there). */
static void strv_of(const cJSON *doc, const char *key, struct rc_strv *v, char **buf, size_t cap)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(doc, key), *s;

	v->v = buf;
	v->n = 0;
	if (!cJSON_IsArray(a))
		return;
	cJSON_ArrayForEach(s, a)
	{
		if (cJSON_IsString(s) && v->n < cap)
			buf[v->n++] = s->valuestring;
	}
}

static const char *str_of(const cJSON *doc, const char *key, const char *dflt)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(doc, key);

	return cJSON_IsString(s) ? s->valuestring : dflt;
}

static int64_t int_of(const cJSON *doc, const char *key)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(doc, key);

	/* a plan holds exact integers only */
	if (!cJSON_IsNumber(n) || !(n->valuedouble >= -1 && n->valuedouble < 9007199254740992.0))
		return -1;
	return (int64_t)n->valuedouble;
}

static void verdict(int v, const char *reason)
{
	RC_FUZZ_CHECK(v == -1 || v == RC_CHECK_OK || v == RC_CHECK_ABSENT || v == RC_CHECK_CHANGED,
		      "a re-check judge returned no verdict");
	RC_FUZZ_CHECK(rc_fuzz_one_line(reason), "a re-check reason is not one sanitised line");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct {
		enum rc_kind kind;
		const char *object;
	} kinds[] = {
	    {RC_KIND_IMAGE, IMG},   {RC_KIND_CONTAINER, CID},	     {RC_KIND_VOLUME, "data"},
	    {RC_KIND_NETWORK, NID}, {RC_KIND_BUILD_CACHE, "abc123"},
	};
	cJSON *doc = cJSON_ParseWithLength((const char *)data, size);
	cJSON *null = cJSON_CreateNull();
	const cJSON *inspect, *containers, *df;
	char *tags_buf[16], *gone_buf[16], *untagged_buf[16];
	struct rc_strv gone, untagged;
	char reason[512];
	size_t i;

	if (!cJSON_IsObject(doc) || !null)
		goto out;
	inspect = cJSON_GetObjectItemCaseSensitive(doc, "inspect");
	containers = cJSON_GetObjectItemCaseSensitive(doc, "containers");
	df = cJSON_GetObjectItemCaseSensitive(doc, "df");
	inspect = inspect ? inspect : null;
	containers = containers ? containers : null;
	df = df ? df : null;
	strv_of(doc, "gone", &gone, gone_buf, 16);
	strv_of(doc, "untagged", &untagged, untagged_buf, 16);
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct rc_err err = RC_ERR_INIT;
		struct rc_plan_item it;
		int v = -1;

		memset(&it, 0, sizeof(it));
		it.id = "engine/x/y";
		it.source = "engine";
		it.kind = kinds[i].kind;
		/* rc_engine_recheck refuses an unsafe identity before any judge runs */
		it.object = (char *)str_of(doc, "object", kinds[i].object);
		if (!rc_engine_object_safe(it.object))
			it.object = (char *)kinds[i].object;
		strv_of(doc, "tags", &it.pre.tags, tags_buf, 16);
		it.pre.started_at = (char *)str_of(doc, "started_at", NULL);
		it.pre.finished_at = (char *)str_of(doc, "finished_at", NULL);
		it.pre.usage_count = int_of(doc, "usage_count");
		it.size = int_of(doc, "size");
		reason[0] = '\0';
		switch (it.kind) {
		case RC_KIND_IMAGE:
			v = rc_engine_eval_image(inspect, containers, &it, &gone, &untagged, reason,
					  sizeof(reason), &err);
			break;
		case RC_KIND_CONTAINER:
			v = rc_engine_eval_container(inspect, &it, 1795946400LL * 1000000000LL, reason,
					      sizeof(reason), &err);
			break;
		case RC_KIND_VOLUME:
			v = rc_engine_eval_volume(inspect, containers, &it, &gone, reason, sizeof(reason),
					   &err);
			verdict(v, reason);
			reason[0] = '\0';
			v = rc_engine_eval_volume_size(df, &it, reason, sizeof(reason), &err);
			break;
		case RC_KIND_NETWORK:
			v = rc_engine_eval_network(inspect, containers, &it, &gone, reason, sizeof(reason),
					    &err);
			break;
		default:
			v = rc_engine_eval_build_cache(inspect, &it, reason, sizeof(reason), &err);
			break;
		}
		verdict(v, reason);
	}
out:
	cJSON_Delete(null);
	cJSON_Delete(doc);
	return 0;
}
