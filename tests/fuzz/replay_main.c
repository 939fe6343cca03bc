/* replay_main.c: main() for the fuzz targets built without libFuzzer.
 * `fuzz_TARGET FILE...` feeds each file once to LLVMFuzzerTestOneInput, so
 * make check replays every corpus (plain and under the sanitizers) and every
 * crash found becomes a regression test by going into the corpus. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"
#include "fuzz.h"

int main(int argc, char **argv)
{
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		struct rc_buf b = RC_BUF_INIT;
		struct rc_err err = RC_ERR_INIT;
		FILE *f = fopen(argv[i], "rb");
		char chunk[65536];
		size_t n;
		int bad = 0;

		if (!f) {
			perror(argv[i]);
			return 1;
		}
		rc_buf_init(&b, 0);
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			if (rc_buf_append(&b, chunk, n, &err) < 0) {
				bad = 1;
				break;
			}
		if (bad || ferror(f)) {
			fprintf(stderr, "%s: cannot read\n", argv[i]);
			fclose(f);
			rc_buf_release(&b);
			return 1;
		}
		fclose(f);
		LLVMFuzzerTestOneInput((const uint8_t *)b.data, b.len);
		rc_buf_release(&b);
	}
	printf("replayed %d inputs\n", argc - 1);
	return 0;
}
