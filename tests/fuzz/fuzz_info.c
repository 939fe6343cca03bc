/* fuzz_info: the engine's GET /info answer (rc_engine_parse_info). */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_engine.h"

static int parse(const char *t, size_t n, struct rc_inventory *inv, struct rc_err *err)
{
	return rc_engine_parse_info(t, n, &inv->engine, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return rc_fuzz_inventory(data, size, parse);
}
