/* fuzz_events: the engine's event log, GET /events (rc_engine_events_feed), and
 * what it says about items (rc_engine_events_used). A form feed in the input
 * splits it into two reads: the whole-log read and a later one. */
#include <stddef.h>
#include <stdint.h>

#include "engine/events.h"
#include "fuzz.h"
#include "plan.h"

/* 2026-11-29T10:00:00Z, the plan's scan, in ns */
#define T0 (1795946400LL * 1000000000LL)

#define IMG "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define NID "4444444444444444444444444444444444444444444444444444444444444444"

static struct rc_plan_item item(enum rc_kind k, const char *object, char **refs, size_t n)
{
	struct rc_plan_item it;

	memset(&it, 0, sizeof(it));
	it.id = "engine/x/y";
	it.source = "engine";
	it.kind = k;
	it.object = (char *)object;
	it.pre.tags.v = refs;
	it.pre.tags.n = n;
	it.refs.v = refs;
	it.refs.n = n;
	it.pre.usage_count = -1;
	return it;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *tags[] = {"app:1", "registry.local:5000/team/web:2"};
	struct rc_plan_item items[3];
	struct rc_err err = RC_ERR_INIT;
	struct rc_engine_events *ev = rc_engine_events_new(T0);
	const char *cut = memchr(data, '\f', size);
	size_t first = cut ? (size_t)((const uint8_t *)cut - data) : size, i;
	char *t = rc_fuzz_text(data, size);
	char reason[512];

	if (!ev || !t)
		goto out;
	items[0] = item(RC_KIND_IMAGE, IMG, tags, 2);
	items[1] = item(RC_KIND_VOLUME, "data", NULL, 0);
	items[2] = item(RC_KIND_NETWORK, NID, NULL, 0);
	if (rc_engine_events_feed(ev, t, first, -1, &err) < 0)
		goto out;
	if (cut &&
	    rc_engine_events_feed(ev, t + first + 1, size - first - 1, T0 / 1000 + 1000000, &err) < 0)
		goto out;
	if (!rc_engine_events_covered(ev))
		goto out;
	for (i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
		reason[0] = '\0';
		if (rc_engine_events_used(ev, &items[i], reason, sizeof(reason)) == 1)
			RC_FUZZ_CHECK(rc_fuzz_one_line(reason),
				      "rc_engine_events_used's reason is not one sanitised line");
	}
out:
	rc_engine_events_free(ev);
	free(t);
	return 0;
}
