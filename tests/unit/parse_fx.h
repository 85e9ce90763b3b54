/* tests/unit/parse_fx.h — one line to parse a capture in tests/fixtures/
 * with a parser of the shape fn(out, body, len, err) and fail the test with
 * the file and the parser's message when it refuses it. */
#ifndef MLC_TEST_PARSE_FX_H
#define MLC_TEST_PARSE_FX_H

#include <criterion/criterion.h>
#include <stdlib.h>

#include "fixture.h"

#define PARSE_FX(fn, out, file)                                                                    \
	do {                                                                                       \
		size_t len_;                                                                       \
		char *body_ = fixture_read(file, &len_);                                           \
		struct mlc_err err_;                                                               \
		mlc_err_clear(&err_);                                                              \
		cr_assert_eq(fn(out, body_, len_, &err_), 0, "%s: %s", file, err_.msg);            \
		free(body_);                                                                       \
	} while (0)

#endif
