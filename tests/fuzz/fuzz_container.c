/* fuzz_container: one container's GET /containers/{id}/json answer, the
 * State the executor judges (rc_engine_parse_container_inspect). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rc_container c;
	struct rc_err err = RC_ERR_INIT;
	char *t = rc_fuzz_text(data, size);

	if (!t)
		return 0;
	memset(&c, 0, sizeof(c));
	rc_engine_parse_container_inspect(t, size, &c, &err);
	free(c.started_raw);
	free(c.finished_raw);
	free(t);
	return 0;
}
