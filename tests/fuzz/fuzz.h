/* tests/fuzz/fuzz.h — the libFuzzer entry point every harness defines, and
 * an oracle that aborts (a libFuzzer finding) with a message. */
#ifndef MLC_FUZZ_H
#define MLC_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond, what)                                                                     \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz oracle failed: %s (%s) at %s:%d\n", what, #cond,     \
				__FILE__, __LINE__);                                               \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#endif
