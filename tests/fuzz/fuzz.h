/* fuzz.h: what the fuzz targets share. One target per file,
 * tests/fuzz/fuzz_TARGET.c, each defining LLVMFuzzerTestOneInput (the
 * curl-fuzzer layout); its corpus is tests/fuzz/corpus/TARGET/. Linked with
 * libFuzzer (`make fuzz`, build-fuzz/fuzz_TARGET) it fuzzes; linked with
 * replay_main.c ($(BUILD)/fuzz/fuzz_TARGET) it replays files once each,
 * which is how make check runs the corpus, also under the sanitizers. */
#ifndef RC_FUZZ_H
#define RC_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy of the input, as the parsers get one from rc_buf.
 * Owned (free); NULL when out of memory. */
static inline char *rc_fuzz_text(const uint8_t *data, size_t size)
{
	char *t = malloc(size + 1);

	if (t) {
		if (size)
			memcpy(t, data, size);
		t[size] = '\0';
	}
	return t;
}

/* 1 when s holds no control character: what reaches a report, the
 * journal or a terminal from an engine's answer must be one clean line. */
static inline int rc_fuzz_one_line(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* Properties: a violation is a crash, so that libFuzzer keeps
 * the input and the replay fails. */
#define RC_FUZZ_CHECK(cond, what)                                                                  \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz property violated: %s\n", (what));                   \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#endif
