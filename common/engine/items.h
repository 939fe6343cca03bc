/* items.h: the engine's rules for plan items (see items.c). */
#ifndef RC_ENGINE_ITEMS_H
#define RC_ENGINE_ITEMS_H

#include "err.h"
#include "plan.h"

/* The longest volume name a plan may hold: what the executor's re-check
 * accepts in an API path, so a longer one is refused when the plan loads
 * instead of failing item by item. */
#define RC_VOLUME_NAME_MAX 255

/* source.h's check_item for engines: the object is the exact identity of its
 * kind (image sha256:<64 hex>, container and network 64 lower-case hex,
 * volume [a-zA-Z0-9][a-zA-Z0-9_.-]* of at most RC_VOLUME_NAME_MAX
 * characters, build-cache [a-z0-9]+), and the name and refs agree with it
 * (a volume's name is its object; an image's name is one of its refs and a
 * candidate's refs are its preconditions.tags; a container's or network's
 * refs are its name). -1 with RC_ERR_PLAN naming path's member otherwise. */
int rc_engine_check_item(const struct rc_plan_item *it, int candidate, const char *path,
			 struct rc_err *err);

/* source.h's source_title and object_label for engines: "engine 'NAME' (ID
 * ID)", and an object as docker shows it (an ID cut to 12 characters, sha256:
 * dropped; a volume's name whole). */
void rc_engine_source_title(const struct rc_plan_source *src, char *out, size_t outsz);
void rc_engine_object_label(const struct rc_plan_item *it, char *out, size_t outsz);

#endif
