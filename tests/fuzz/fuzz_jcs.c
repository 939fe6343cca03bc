/* fuzz_jcs: the canonical JSON writer (rc_jcs_serialize, RFC 8785) over
 * whatever cJSON parses. */
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "fuzz.h"
#include "jcs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rc_buf b = RC_BUF_INIT;
	struct rc_err err = RC_ERR_INIT;
	cJSON *j = cJSON_ParseWithLength((const char *)data, size);

	rc_buf_init(&b, 1 << 20);
	if (j)
		rc_jcs_serialize(j, &b, &err);
	cJSON_Delete(j);
	rc_buf_release(&b);
	return 0;
}
