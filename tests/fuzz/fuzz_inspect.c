/* fuzz_inspect: the engine's GET /images/{id}/json answer
 * (rc_engine_parse_image_inspect), for an image a list found first. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_engine.h"

static int parse(const char *t, size_t n, struct rc_inventory *inv, struct rc_err *err)
{
	if (rc_fuzz_one_image(inv, err) < 0)
		return -1;
	return rc_engine_parse_image_inspect(t, n, &inv->images[0], err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return rc_fuzz_inventory(data, size, parse);
}
