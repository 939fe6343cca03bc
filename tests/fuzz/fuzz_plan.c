/* fuzz_plan: the plan reader (rc_plan_parse: JSON, schema, digest). */
#include <stddef.h>
#include <stdint.h>

#include "fuzz.h"
#include "plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rc_plan p;
	struct rc_err err = RC_ERR_INIT;
	char *t = rc_fuzz_text(data, size);

	if (!t)
		return 0;
	rc_plan_init(&p);
	rc_plan_parse(t, size, &p, &err);
	rc_plan_release(&p);
	free(t);
	return 0;
}
