/* fuzz_plan_roundtrip: a plan that loads renders to a plan that loads to
 * the same thing: parse -> render -> parse -> render gives the same text
 * and the same digest. A plan written by another tool may be valid in a
 * form ours does not write (a time with an offset, say); its digest covers
 * that form, so rendering it needs a new seal first, and from there on the
 * round trip must be exact. Violations abort. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz.h"
#include "plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rc_plan p1, p2;
	struct rc_err err = RC_ERR_INIT;
	char *t = rc_fuzz_text(data, size), *r1 = NULL, *r2 = NULL;

	rc_plan_init(&p1);
	rc_plan_init(&p2);
	if (!t || rc_plan_parse(t, size, &p1, &err) < 0)
		goto out;
	r1 = rc_plan_render(&p1, &err);
	if (!r1) {
		RC_FUZZ_CHECK(rc_plan_seal(&p1, &err) == 0, "a plan that loads cannot be sealed");
		r1 = rc_plan_render(&p1, &err);
		RC_FUZZ_CHECK(r1, "a plan sealed again does not render");
	}
	RC_FUZZ_CHECK(rc_plan_parse(r1, strlen(r1), &p2, &err) == 0,
		      "a rendered plan does not load");
	RC_FUZZ_CHECK(strcmp(p1.digest, p2.digest) == 0,
		      "a rendered plan loads with another digest");
	r2 = rc_plan_render(&p2, &err);
	RC_FUZZ_CHECK(r2, "a plan loaded from our own rendering does not render");
	RC_FUZZ_CHECK(strcmp(r1, r2) == 0, "rendering a plan twice gives two texts");
out:
	free(r2);
	free(r1);
	rc_plan_release(&p2);
	rc_plan_release(&p1);
	free(t);
	return 0;
}
