/* fuzz_daemon_message: the daemon's error body, {"message": ...}
 * (rc_engine_daemon_message), which ends up in reports and the journal: it must
 * come out as one sanitised line, also when it does not fit. */
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "fuzz.h"
#include "engine/recheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t sizes[] = {1, 16, 256};
	struct rc_buf b = RC_BUF_INIT;
	struct rc_err err = RC_ERR_INIT;
	char out[256];
	size_t i;

	rc_buf_init(&b, 0);
	if (rc_buf_append(&b, data, size, &err) < 0)
		goto out;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char *m = rc_engine_daemon_message(&b, i ? 409 : 500, out, sizes[i]);
		RC_FUZZ_CHECK(m == out, "rc_engine_daemon_message did not return out");
		RC_FUZZ_CHECK(memchr(out, '\0', sizes[i]) && rc_fuzz_one_line(out),
			      "rc_engine_daemon_message is not one sanitised line");
	}
out:
	rc_buf_release(&b);
	return 0;
}
