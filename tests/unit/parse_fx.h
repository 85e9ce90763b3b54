/* tests/unit/parse_fx.h — one line to parse a capture in tests/fixtures/
 * with a parser of the shape fn(out, body, len, err) and fail the test with
 * the file and the parser's message when it refuses it; and the capture read
 * with jansson itself, to compare every parsed field with the document. */
#ifndef MLC_TEST_PARSE_FX_H
#define MLC_TEST_PARSE_FX_H

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

/* The fixture read with jansson directly: the oracle a parser's output is
 * compared with, field by field (caller json_decref's it). */
static inline json_t *fx_json(const char *file)
{
	size_t len;
	char *body = fixture_read(file, &len);
	json_error_t e;
	json_t *j = json_loadb(body, len, 0, &e);
	free(body);
	cr_assert_not_null(j, "%s: %s", file, e.text);
	return j;
}

/* o[key] as an integer, 0 when absent (what the parsers store then). */
static inline int64_t fx_int(const json_t *o, const char *key)
{
	return (int64_t)json_integer_value(json_object_get(o, key));
}

/* o[key]'s size as an array, 0 when absent. */
static inline size_t fx_len(const json_t *o, const char *key)
{
	return json_array_size(json_object_get(o, key));
}

/* Asserts that a parsed string equals o[key]; absent: NULL or "". */
#define FX_STR_EQ(got, o, key)                                                                     \
	do {                                                                                       \
		const char *want_ = json_string_value(json_object_get(o, key));                    \
		const char *got_ = (got);                                                          \
		if (want_)                                                                         \
			cr_assert(got_ && strcmp(got_, want_) == 0, "%s: '%s', want '%s'", key,    \
				  got_ ? got_ : "(null)", want_);                                  \
		else                                                                               \
			cr_assert(!got_ || !*got_, "%s: '%s' for an absent field", key, got_);     \
	} while (0)

/* Asserts that a parsed integer equals o[key] (0 when absent). */
#define FX_INT_EQ(got, o, key)                                                                     \
	cr_assert_eq((int64_t)(got), fx_int(o, key), "%s: %lld, want %lld", key,                   \
		     (long long)(got), (long long)fx_int(o, key))

#endif
