/* tests/unit/test_sanitize.c — lib/core/sanitize.c: every escape rule of
 * sanitize.h, the strict UTF-8 decoder, widths, san_fit/san_into truncation,
 * a jansson round trip, a 20,000-string random property test, agreement with
 * glibc's wcwidth() and the 100,000-string speed budget. Never needs a
 * terminal or a UTF-8 locale (the locale test skips without C.UTF-8). */
#include "lib/core/sanitize.h"

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <jansson.h>
#include <limits.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

/* The format characters sanitize.h names; each must come out as <U+XXXX>. */
static const uint32_t listed_format[] = {
    0x061C, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2028,
    0x2029, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0x2066, 0x2067, 0x2068, 0x2069, 0xFEFF,
};

static void check(const char *in, size_t len, const char *want)
{
	char *got = san_dup(in, len);

	cr_assert_str_eq(got, want, "sanitizing %zu bytes", len);
	free(got);
}

/* For string literals, whose NUL bytes inside count. */
#define CHECK(lit, want) check(lit, sizeof(lit) - 1, want)

static size_t t_encode(uint32_t cp, char *out)
{
	unsigned char *o = (unsigned char *)out;

	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xc0 | cp >> 6);
		o[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xe0 | cp >> 12);
		o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (unsigned char)(0xf0 | cp >> 18);
	o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* An independent strict decoder (count the leading ones, then reject
 * non-shortest forms, surrogates and > U+10FFFF): returns the length, or 0. */
static size_t t_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
	size_t n;
	uint32_t v;

	if (s[0] < 0x80)
		n = 1, v = s[0];
	else if ((s[0] & 0xe0) == 0xc0)
		n = 2, v = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, v = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4, v = s[0] & 0x07;
	else
		return 0;
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	if (v < min[n] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return n;
}

static void check_cp(uint32_t cp, const char *want)
{
	char in[4];

	check(in, t_encode(cp, in), want);
}

/* --- C0, DEL, NUL --- */

Test(sanitize, plain_ascii_unchanged)
{
	CHECK("run-2026-11-03/epoch_12 loss=0.031 {ok} ~\\",
	      "run-2026-11-03/epoch_12 loss=0.031 {ok} ~\\");
	CHECK("", "");
}

Test(sanitize, esc_csi_clear_screen)
{
	CHECK("\x1b[2J", "\\e[2J");
	CHECK("\x1b]0;PWNED\x07", "\\e]0;PWNED^G");
}

Test(sanitize, cursor_movers)
{
	CHECK("abc\rXY", "abc\\rXY");
	CHECK("a\nb", "a\\nb");
	CHECK("abc\b\bZ", "abc\\b\\bZ");
	CHECK("k\tv", "k\\tv");
}

Test(sanitize, other_c0_caret)
{
	CHECK("\a", "^G");
	CHECK("\x01\x0b\x0c\x1a\x1c\x1f", "^A^K^L^Z^\\^_");
}

Test(sanitize, del_caret)
{
	CHECK("x\x7fy", "x^?y");
}

Test(sanitize, nul_inside_length)
{
	CHECK("a\0b", "a^@b");
	CHECK("\0", "^@");
}

Test(sanitize, null_and_empty)
{
	char *s = san_str(NULL);
	char buf[4] = "zzz";

	cr_assert_str_eq(s, "");
	free(s);
	s = san_dup(NULL, 5);
	cr_assert_str_eq(s, "");
	free(s);
	s = san_str("a\x1b");
	cr_assert_str_eq(s, "a\\e");
	free(s);
	cr_assert_eq(san_into(buf, sizeof(buf), NULL, 3), 0);
	cr_assert_str_eq(buf, "");
	cr_assert_eq(san_width(""), 0);
	cr_assert_eq(san_width(NULL), 0);
}

/* --- C1 and invalid UTF-8 --- */

Test(sanitize, c1_as_utf8)
{
	CHECK("a\xc2\x9b"
	      "31mb",
	      "a\\x9b31mb");
	CHECK("\xc2\x80\xc2\x9f", "\\x80\\x9f");
	CHECK("\xc2\xa0", "\xc2\xa0"); /* U+00A0 is past C1: kept */
}

Test(sanitize, raw_c1_byte)
{
	CHECK("\x9b"
	      "2J",
	      "\\x9b2J");
	CHECK("\xff\xfe", "\\xff\\xfe");
}

Test(sanitize, invalid_lone_continuation)
{
	CHECK("a\x80z", "a\\x80z");
	CHECK("\xbf\xbf", "\\xbf\\xbf");
}

Test(sanitize, invalid_truncated)
{
	CHECK("\xc3", "\\xc3");
	CHECK("\xc3z", "\\xc3z");
	CHECK("\xe2\x82", "\\xe2\\x82");
	CHECK("\xe2\x82z", "\\xe2\\x82z");
	CHECK("\xf0\x9f\x98", "\\xf0\\x9f\\x98");
	/* decoding resumes at the next byte: the valid € after is kept */
	CHECK("\xe2\x82\xe2\x82\xac", "\\xe2\\x82\xe2\x82\xac");
	CHECK("\xf0\x9f\x98\xf0\x9f\x98\x80", "\\xf0\\x9f\\x98\xf0\x9f\x98\x80");
}

Test(sanitize, invalid_overlong)
{
	CHECK("\xc0\xaf", "\\xc0\\xaf");
	CHECK("\xc1\xbf", "\\xc1\\xbf");
	CHECK("\xe0\x80\xaf", "\\xe0\\x80\\xaf");
	CHECK("\xe0\x9f\xbf", "\\xe0\\x9f\\xbf");
	CHECK("\xf0\x80\x80\xaf", "\\xf0\\x80\\x80\\xaf");
	CHECK("\xf0\x8f\xbf\xbf", "\\xf0\\x8f\\xbf\\xbf");
	/* shortest forms at each boundary are fine */
	CHECK("\xc2\xa9\xe0\xa0\x80\xf0\x90\x80\x80", "\xc2\xa9\xe0\xa0\x80\xf0\x90\x80\x80");
}

Test(sanitize, invalid_surrogate)
{
	CHECK("\xed\xa0\x80", "\\xed\\xa0\\x80");
	CHECK("\xed\xbf\xbf", "\\xed\\xbf\\xbf");
	CHECK("\xed\x9f\xbf", "\xed\x9f\xbf"); /* U+D7FF, last before them */
}

Test(sanitize, invalid_above_max)
{
	CHECK("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");
	CHECK("\xf5\x80\x80\x80", "\\xf5\\x80\\x80\\x80");
	CHECK("\xf8\x88\x80\x80\x80", "\\xf8\\x88\\x80\\x80\\x80");
	/* U+10FFFF decodes, but is a noncharacter: escaped by code point */
	CHECK("\xf4\x8f\xbf\xbf", "<U+10FFFF>");
}

/* --- format, invisible and combining characters --- */

Test(sanitize, bidi_override)
{
	CHECK("key\xe2\x80\xaetxt.exe", "key<U+202E>txt.exe");
}

Test(sanitize, every_listed_format_char)
{
	for (size_t i = 0; i < sizeof(listed_format) / sizeof(listed_format[0]); i++) {
		char want[16];
		snprintf(want, sizeof(want), "<U+%04X>", (unsigned)listed_format[i]);
		check_cp(listed_format[i], want);
		cr_assert_eq(san_cwidth(listed_format[i]), -1);
	}
}

Test(sanitize, zero_width_space_and_bom)
{
	CHECK("ad\xe2\x80\x8bmin", "ad<U+200B>min");
	CHECK("\xef\xbb\xbfname", "<U+FEFF>name");
}

Test(sanitize, other_invisibles)
{
	check_cp(0x3164, "<U+3164>");	/* Hangul filler: a "blank" name */
	check_cp(0xE0041, "<U+E0041>"); /* tag character: hidden text */
	check_cp(0xFFFE, "<U+FFFE>");	/* noncharacter */
	check_cp(0x50000, "<U+50000>"); /* unassigned plane */
	CHECK("\xc2\xad", "\xc2\xad");	/* soft hyphen is shown: kept */
}

Test(sanitize, combining_flood_capped)
{
	char in[64] = "e", want[128] = "e";

	for (int i = 0; i < 10; i++)
		strcat(in, "\xcc\x81");
	for (int i = 0; i < 4; i++)
		strcat(want, "\xcc\x81");
	for (int i = 4; i < 10; i++)
		strcat(want, "<U+0301>");
	check(in, strlen(in), want);
	/* the count starts again on the next base */
	CHECK("e\xcc\x81\xcc\x81\xcc\x81\xcc\x81"
	      "a\xcc\x81",
	      "e\xcc\x81\xcc\x81\xcc\x81\xcc\x81"
	      "a\xcc\x81");
}

Test(sanitize, combining_without_base)
{
	/* A mark at the start or after an escape would join whatever the
	 * terminal drew before it, or disguise the escape. */
	CHECK("\xcc\x81x", "<U+0301>x");
	CHECK("\x1b\xcc\xb8", "\\e<U+0338>");
	CHECK("\xe2\x80\xae\xcc\x81", "<U+202E><U+0301>");
}

/* --- widths --- */

Test(sanitize, widths)
{
	cr_assert_eq(san_width("abc"), 3);
	cr_assert_eq(san_width("\xe4\xb8\xad\xe6\x96\x87"), 4); /* 中文 */
	cr_assert_eq(san_width("\xea\xb0\x80"), 2);		/* 가 */
	cr_assert_eq(san_width("\xef\xbc\xa1"), 2);		/* fullwidth A */
	cr_assert_eq(san_width("\xf0\x9f\x98\x80"), 2);		/* 😀 */
	cr_assert_eq(san_width("\xf0\x9f\x9a\x80"), 2);		/* 🚀 */
	cr_assert_eq(san_width("\xe2\x9c\x85"), 2);		/* ✅ */
	cr_assert_eq(san_width("\xf0\xa0\x80\x80"), 2);		/* U+20000 */
	cr_assert_eq(san_width("\xc3\xa9"), 1);			/* é */
	cr_assert_eq(san_width("e\xcc\x81"), 1);		/* e + acute */
	cr_assert_eq(san_width("\xe2\x82\xac"), 1);		/* € */
	cr_assert_eq(san_cwidth(0x0301), 0);
	cr_assert_eq(san_cwidth(0x20D0), 0);
	cr_assert_eq(san_cwidth(0xFE20), 0);
	cr_assert_eq(san_cwidth(0x303F), 1);
	cr_assert_eq(san_cwidth(0x1B), -1);
	cr_assert_eq(san_cwidth(0x9B), -1);
	cr_assert_eq(san_cwidth(0xD800), -1);
	cr_assert_eq(san_cwidth(0x110000), -1);
}

Test(sanitize, width_of_escapes_is_their_length)
{
	char *s = san_str("\x1b[2J\xe2\x80\xae\x9b");

	cr_assert_str_eq(s, "\\e[2J<U+202E>\\x9b");
	cr_assert_eq(san_width(s), (int)strlen(s));
	free(s);
}

/* --- san_fit --- */

Test(sanitize, fit_never_splits_wide)
{
	const char *s = "\xe4\xb8\xad\xe6\x96\x87"; /* 中文 */
	int cols = -1;

	cr_assert_eq(san_fit(s, 3, &cols), 3);
	cr_assert_eq(cols, 2);
	cr_assert_eq(san_fit(s, 1, &cols), 0);
	cr_assert_eq(cols, 0);
	cr_assert_eq(san_fit(s, 4, &cols), 6);
	cr_assert_eq(cols, 4);
	cr_assert_eq(san_fit("a\xe4\xb8\xad", 2, &cols), 1);
	cr_assert_eq(cols, 1);
	cr_assert_eq(san_fit("\xf0\x9f\x98\x80!", 2, NULL), 4);
}

Test(sanitize, fit_keeps_marks_with_base)
{
	/* "ae´̂b": the marks ride with e; b is cut whole */
	const char *s = "ae\xcc\x81\xcc\x82"
			"b";
	int cols;

	cr_assert_eq(san_fit(s, 2, &cols), 6);
	cr_assert_eq(cols, 2);
	cr_assert_eq(san_fit(s, 1, &cols), 1);
	cr_assert_eq(cols, 1);
	cr_assert_eq(san_fit(s, 3, &cols), 7);
	cr_assert_eq(cols, 3);
	cr_assert_eq(san_fit(s, 0, &cols), 0);
	cr_assert_eq(san_fit(s, -5, &cols), 0);
	cr_assert_eq(cols, 0);
	cr_assert_eq(san_fit(s, INT_MAX, &cols), strlen(s));
}

/* --- san_into --- */

Test(sanitize, into_truncates_on_character)
{
	char buf[16];

	/* 中文 into 6 bytes: 中 (3) fits with its NUL, 文 does not */
	cr_assert_eq(san_into(buf, 6, "\xe4\xb8\xad\xe6\x96\x87", 6), 3);
	cr_assert_str_eq(buf, "\xe4\xb8\xad");
	cr_assert_eq(san_into(buf, 7, "\xe4\xb8\xad\xe6\x96\x87", 6), 6);
	cr_assert_eq(san_into(buf, 4, "abcdef", 6), 3);
	cr_assert_str_eq(buf, "abc");
	cr_assert_eq(san_into(buf, 1, "abc", 3), 0);
	cr_assert_str_eq(buf, "");
	buf[0] = 'z';
	cr_assert_eq(san_into(buf, 0, "abc", 3), 0);
	cr_assert_eq(buf[0], 'z');
}

Test(sanitize, into_never_splits_escape)
{
	char buf[16];

	cr_assert_eq(san_into(buf, 4, "ab\x1b", 3), 2); /* \e needs 2 */
	cr_assert_str_eq(buf, "ab");
	cr_assert_eq(san_into(buf, 8, "a\xe2\x80\xae", 4), 1); /* <U+202E> needs 8 */
	cr_assert_str_eq(buf, "a");
	cr_assert_eq(san_into(buf, 5, "\x9b\x9b", 2), 4);
	cr_assert_str_eq(buf, "\\x9b");
}

Test(sanitize, into_drops_base_whose_marks_do_not_fit)
{
	char buf[16];

	/* x e ´ ̂ : 1 + 1 + 2 + 2 bytes; with 5 bytes of room the second mark
	 * does not fit, so e goes too rather than losing an accent */
	cr_assert_eq(san_into(buf, 6, "xe\xcc\x81\xcc\x82", 6), 1);
	cr_assert_str_eq(buf, "x");
	cr_assert_eq(san_into(buf, 7, "xe\xcc\x81\xcc\x82", 6), 6);
	cr_assert_eq(san_into(buf, 3, "xe\xcc\x81", 4), 1);
	cr_assert_str_eq(buf, "x");
}

/* --- non-UTF-8 terminals --- */

static void utf8_back(void)
{
	san_set_utf8(true);
}

Test(sanitize, non_utf8_mode_escapes_by_code_point, .fini = utf8_back)
{
	cr_assert(san_utf8());
	san_set_utf8(false);
	cr_assert_not(san_utf8());
	CHECK("caf\xc3\xa9", "caf<U+00E9>");
	CHECK("\xe4\xb8\xad", "<U+4E2D>");
	CHECK("\xf0\x9f\x98\x80", "<U+1F600>");
	CHECK("e\xcc\x81", "e<U+0301>");
	CHECK("\xc2\x9b\xff\x1b", "\\x9b\\xff\\e"); /* C1, invalid, C0 as before */
	CHECK("plain", "plain");
	san_set_utf8(true);
	CHECK("caf\xc3\xa9", "caf\xc3\xa9");
}

/* --- through jansson, where hostile strings really come from --- */

Test(sanitize, jansson_round_trip)
{
	json_error_t err;
	json_t *j = json_loads("\"a\\u001b[2Jb\\u202e\"", JSON_DECODE_ANY, &err);
	char *s;

	cr_assert_not_null(j, "%s", err.text);
	s = san_dup(json_string_value(j), json_string_length(j));
	cr_assert_str_eq(s, "a\\e[2Jb<U+202E>");
	free(s);
	json_decref(j);

	j = json_loads("\"x\\u0000y\\u009b\"", JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
	cr_assert_not_null(j, "%s", err.text);
	s = san_dup(json_string_value(j), json_string_length(j));
	cr_assert_str_eq(s, "x^@y\\x9b");
	free(s);
	json_decref(j);
}

/* --- property test --- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rng(void)
{
	uint64_t x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
}

/* Pieces that reach the interesting paths more often than random bytes. */
static const char *const pieces[] = {
    "\x1b",
    "\x1b[31m",
    "\r",
    "\n",
    "\t",
    "\b",
    "\a",
    "\x7f",
    "\xc2\x9b",
    "\x9b",
    "\xcc\x81",
    "\xcc\x81\xcc\x81\xcc\x81",
    "\xe2\x80\xae",
    "\xe2\x80\x8b",
    "\xef\xbb\xbf",
    "\xe4\xb8\xad",
    "\xf0\x9f\x98\x80",
    "\xf0\x9f\x9a\x80",
    "\xc3\xa9",
    "\xe2\x80\x8d",
    "\xc0\xaf",
    "\xed\xa0\x80",
    "\xf4\x90\x80\x80",
    "\xe2\x82",
    "\xf0\x9f\x98",
    "\xc3",
    "\xf3\xa0\x81\x81",
    "\xe3\x85\xa4",
    "\xef\xb8\x8f",
    "\xd9\x8b",
    "\xe0\xb8\xb1",
};

static size_t random_input(unsigned char *s, size_t max)
{
	size_t n = 0, want = rng() % max;

	while (n < want) {
		uint32_t r = rng() % 10;
		if (r < 4) {
			s[n++] = (unsigned char)rng();
		} else if (r < 6) {
			s[n++] = (unsigned char)(0x20 + rng() % 0x5f);
		} else {
			const char *p = pieces[rng() % (sizeof(pieces) / sizeof(pieces[0]))];
			size_t k = strlen(p);
			if (n + k > max)
				break;
			memcpy(s + n, p, k);
			n += k;
		}
	}
	return n;
}

static bool is_listed_format(uint32_t cp)
{
	for (size_t i = 0; i < sizeof(listed_format) / sizeof(listed_format[0]); i++)
		if (listed_format[i] == cp)
			return true;
	return false;
}

/* Checks one sanitized string; returns its width summed char by char. */
static int check_output(const char *out, size_t inlen)
{
	const unsigned char *s = (const unsigned char *)out;
	size_t len = strlen(out), i = 0;
	int cols = 0, marks = -1;

	cr_assert_leq(len, 4 * inlen);
	while (i < len) {
		uint32_t cp;
		size_t k = t_decode(s + i, len - i, &cp);
		int w;

		cr_assert_gt(k, 0, "invalid UTF-8 at byte %zu of \"%s\"", i, out);
		cr_assert(cp >= 0x20 && cp != 0x7f, "control U+%04X in output", (unsigned)cp);
		cr_assert(cp < 0x80 || cp > 0x9f, "C1 U+%04X in output", (unsigned)cp);
		cr_assert_not(is_listed_format(cp), "format U+%04X in output", (unsigned)cp);
		w = san_cwidth(cp);
		cr_assert_geq(w, 0, "U+%04X with width < 0 in output", (unsigned)cp);
		if (w == 0) {
			cr_assert(marks >= 0 && marks < 4, "mark U+%04X: %d on its base",
				  (unsigned)cp, marks);
			marks++;
		} else {
			marks = 0;
		}
		cols += w;
		i += k;
	}
	return cols;
}

Test(sanitize, property_random_bytes)
{
	unsigned char in[96];
	char buf[512];

	for (int iter = 0; iter < 20000; iter++) {
		size_t inlen = random_input(in, sizeof(in));
		char *out = san_dup((const char *)in, inlen);
		size_t outlen = strlen(out), n, fit;
		int sum = check_output(out, inlen), cols, max;

		cr_assert_eq(san_width(out), sum, "san_width(\"%s\")", out);
		cr_assert_eq(san_fit(out, INT_MAX, &cols), outlen);
		cr_assert_eq(cols, sum);

		/* san_into: a whole-unit prefix of san_dup's output */
		n = san_into(buf, sizeof(buf), (const char *)in, inlen);
		cr_assert_eq(n, outlen);
		cr_assert_str_eq(buf, out);
		size_t outsz = rng() % (outlen + 2);
		n = san_into(buf, outsz, (const char *)in, inlen);
		if (outsz) {
			cr_assert_lt(n, outsz);
			cr_assert_eq(strlen(buf), n);
			cr_assert_eq(memcmp(buf, out, n), 0, "\"%s\" not a prefix of \"%s\"", buf,
				     out);
			check_output(buf, inlen);
			if (n < outlen) {
				uint32_t cp;
				cr_assert_gt(
				    t_decode((const unsigned char *)out + n, outlen - n, &cp), 0);
				cr_assert_neq(san_cwidth(cp), 0, "cut before a mark in \"%s\"",
					      out);
			}
		}

		/* san_fit: the prefix fits, the next character would not */
		max = (int)(rng() % (unsigned)(sum + 2));
		fit = san_fit(out, max, &cols);
		cr_assert_leq(cols, max);
		memcpy(buf, out, fit);
		buf[fit] = '\0';
		cr_assert_eq(san_width(buf), cols);
		if (fit < outlen) {
			uint32_t cp;
			cr_assert_gt(t_decode((const unsigned char *)out + fit, outlen - fit, &cp),
				     0);
			cr_assert_gt(cols + san_cwidth(cp), max);
		}
		free(out);
	}
}

/* --- the library ignores the locale; its table matches glibc's --- */

Test(sanitize, same_answer_in_every_locale)
{
	const char *in = "\x1b[1m\xe4\xb8\xad\xc3\xa9\xcc\x81\xf0\x9f\x98\x80\xe2\x80\xae\x9b";
	const char *want = "\\e[1m\xe4\xb8\xad\xc3\xa9\xcc\x81\xf0\x9f\x98\x80<U+202E>\\x9b";
	char *a, *b;
	int wa, wb, mismatches = 0;

	setlocale(LC_CTYPE, "C");
	a = san_str(in);
	wa = san_width(a);
	if (!setlocale(LC_CTYPE, "C.UTF-8") && !setlocale(LC_CTYPE, "en_US.UTF-8")) {
		free(a);
		cr_skip_test("no UTF-8 locale to compare with");
	}
	b = san_str(in);
	wb = san_width(b);
	cr_assert_str_eq(a, want);
	cr_assert_str_eq(b, want);
	cr_assert_eq(wa, 5 + 2 + 1 + 2 + 8 + 4);
	cr_assert_eq(wa, wb);
	free(a);
	free(b);

	/* Where both call a character printable, widths agree with glibc's
	 * (ncursesw counts cells with it). glibc says -1 for unassigned code
	 * points, which san_cwidth lets through. */
	for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
		int g, m;
		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		g = wcwidth((wchar_t)cp);
		m = san_cwidth(cp);
		if (g >= 0 && m >= 0 && g != m && mismatches++ < 10)
			cr_log_error("U+%04X: glibc %d, san %d", (unsigned)cp, g, m);
	}
	setlocale(LC_CTYPE, "C");
	cr_assert_eq(mismatches, 0, "%d code points differ from glibc's wcwidth", mismatches);
}

/* Speed is measured in tests/bench (bench_sanitize), never asserted here. */
