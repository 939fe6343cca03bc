/* fuzz_history: the engine's GET /images/{id}/history answer
 * (rc_engine_parse_image_history), mapped onto the layers an inspect found
 * first. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_engine.h"

static int parse(const char *t, size_t n, struct rc_inventory *inv, struct rc_err *err)
{
	static const char insp[] =
	    "{\"Id\":\"sha256:aa\",\"RootFS\":{\"Layers\":[\"sha256:l1\",\"sha256:l2\"]},"
	    "\"Metadata\":{\"LastTagTime\":\"0001-01-01T00:00:00Z\"}}";

	if (rc_fuzz_one_image(inv, err) < 0)
		return -1;
	/* the history maps onto the layers an inspect found first */
	rc_engine_parse_image_inspect(insp, sizeof(insp) - 1, &inv->images[0], err);
	return rc_engine_parse_image_history(t, n, &inv->images[0], err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return rc_fuzz_inventory(data, size, parse);
}
