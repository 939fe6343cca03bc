/* layers.h: moved to engine/layers.h. This forward stays only until
 * common/engine.c, which includes it by its old name, moves into
 * common/engine/ too; then it goes. */
#include "engine/layers.h"
