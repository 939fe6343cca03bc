/* fuzz_dtr_tags: a DTR page of tags and a single tag (rc_dtr_parse_tags,
 * rc_dtr_parse_tag), DTR's error body (rc_reg_error_text), and the objects
 * a parsed page becomes in both age modes (rc_dtr_objects), whose reasons
 * quote the server's names. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dtr/dtr.h"
#include "dtr/objects.h"
#include "fuzz.h"
#include "registry/items.h"
#include "registry/parse.h"

#define SIZE_EXACT 9007199254740991LL /* 2^53 - 1: what a JSON number holds exactly */

/* What a parsed tag promises the objects code. */
static void check_tag(const struct rc_dtr_tag *t)
{
	int64_t sum = 0;
	size_t i;

	RC_FUZZ_CHECK(t->name && rc_reg_tag_valid(t->name), "a tag has a valid name");
	RC_FUZZ_CHECK(t->digest && rc_reg_digest_valid(t->digest), "a tag has a sha256 digest");
	RC_FUZZ_CHECK(t->created >= 0 && t->updated >= 0, "times are unknown (0) or positive");
	RC_FUZZ_CHECK(t->n_layers <= 4096, "at most 4096 layers");
	for (i = 0; i < t->n_layers; i++) {
		RC_FUZZ_CHECK(t->layers[i].digest && rc_reg_digest_valid(t->layers[i].digest),
			      "a layer has a sha256 digest");
		RC_FUZZ_CHECK(t->layers[i].size >= 0 && t->layers[i].size <= SIZE_EXACT - sum,
			      "a layer's size is not negative, and the sum stays exact");
		sum += t->layers[i].size;
	}
	RC_FUZZ_CHECK(t->size == -1 || t->size == sum, "size is its layers' sum, or unknown");
}

static void objects(struct rc_dtr_repo *r, enum rc_dtr_age age)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_dtr_scan s;
	struct rc_inventory inv;
	char url[] = "https://dtr.example:443", name[] = "dtr-dtr.example-443";
	char ns[] = "team", repo[] = "app";

	memset(&s, 0, sizeof(s));
	r->ns = ns;
	r->name = repo;
	s.url = url;
	s.name = name;
	s.repos = r;
	s.n_repos = 1;
	rc_inventory_init(&inv);
	if (rc_dtr_objects(&inv, &s, age, &err) == 0)
		RC_FUZZ_CHECK(inv.n_objects == r->n_tags, "one object per tag");
	rc_inventory_release(&inv);
	r->ns = NULL;
	r->name = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rc_err err = RC_ERR_INIT;
	struct rc_dtr_repo r;
	struct rc_dtr_tag t;
	char *text = rc_fuzz_text(data, size), out[300];
	size_t i;

	if (!text)
		return 0;
	memset(&r, 0, sizeof(r));
	if (rc_dtr_parse_tags(text, size, &r, &err) == 0) {
		for (i = 0; i < r.n_tags; i++)
			check_tag(&r.tags[i]);
		objects(&r, RC_DTR_AGE_UPDATED);
		objects(&r, RC_DTR_AGE_CREATED);
	} else {
		RC_FUZZ_CHECK(err.msg[0] && rc_fuzz_one_line(err.msg), "an error is one line");
	}
	for (i = 0; i < r.n_tags; i++) /* what parsed before a failure too */
		rc_dtr_tag_release(&r.tags[i]);
	free(r.tags);
	if (rc_dtr_parse_tag(text, size, &t, &err) == 0) {
		check_tag(&t);
		rc_dtr_tag_release(&t);
	}
	rc_reg_error_text(text, size, out, sizeof(out));
	RC_FUZZ_CHECK(rc_fuzz_one_line(out), "DTR's error text is one clean line");
	free(text);
	return 0;
}
