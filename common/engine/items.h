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

#endif
