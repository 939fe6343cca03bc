/* fuzz_engine.h: what the engine answer targets share (fuzz_images.c and
 * its siblings): each feeds one answer to one parser, into a fresh
 * inventory. */
#ifndef RC_FUZZ_ENGINE_H
#define RC_FUZZ_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"
#include "fuzz.h"
#include "inventory.h"

typedef int (*rc_fuzz_parse_fn)(const char *text, size_t len, struct rc_inventory *inv,
				struct rc_err *err);

static inline int rc_fuzz_inventory(const uint8_t *data, size_t size, rc_fuzz_parse_fn parse)
{
	struct rc_inventory inv;
	struct rc_err err = RC_ERR_INIT;
	char *t = rc_fuzz_text(data, size);

	if (!t)
		return 0;
	rc_inventory_init(&inv);
	parse(t, size, &inv, &err);
	rc_inventory_release(&inv);
	free(t);
	return 0;
}

/* An inventory holding one image, as a list finds it before the inspect
 * and the history of each image are read. */
static inline int rc_fuzz_one_image(struct rc_inventory *inv, struct rc_err *err)
{
	static const char img[] = "[{\"Id\":\"sha256:aa\",\"ParentId\":\"\",\"RepoTags\":null,"
				  "\"Created\":1,\"Size\":10,\"Labels\":null}]";

	return rc_engine_parse_images(img, sizeof(img) - 1, "1.41", inv, err);
}

#endif
