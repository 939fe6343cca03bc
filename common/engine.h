/* engine.h: transitional. The engine client moved to common/engine/; include
 * "engine/engine.h". This file stays only until planner/main.c goes through
 * source.h, then it is deleted. */
#ifndef RC_ENGINE_COMPAT_H
#define RC_ENGINE_COMPAT_H

#include "engine/engine.h"

#endif
