/* tests/fuzz/fuzz_sanitize.c — lib/core/sanitize.c on arbitrary bytes, in UTF-8
 * and ASCII-only modes. Oracles: output holds no C0 control, DEL, ESC or C1
 * byte sequence; ASCII mode output is pure printable ASCII; san_into never
 * overruns and returns the length it wrote; san_fit never exceeds the
 * columns asked for and agrees with san_width on the prefix. */
#include <string.h>

#include "fuzz.h"
#include "lib/core/sanitize.h"

static void check_safe(const char *s, bool ascii)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		FUZZ_CHECK(*p >= 0x20 && *p != 0x7f, "no control byte in sanitized output");
		if (ascii)
			FUZZ_CHECK(*p < 0x80, "ASCII mode output is ASCII");
		/* C1 controls U+0080..U+009F are encoded as C2 80..C2 9F */
		if (*p == 0xc2)
			FUZZ_CHECK(p[1] < 0x80 || p[1] > 0x9f, "no C1 control in output");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	for (int mode = 0; mode < 2; mode++) {
		san_set_utf8(mode == 0);
		char *safe = san_dup(s, size);
		check_safe(safe, mode == 1);
		int w = san_width(safe);
		FUZZ_CHECK(w >= 0, "width is not negative");
		for (int cols = 0; cols <= 12; cols += 3) {
			int got = -1;
			size_t b = san_fit(safe, cols, &got);
			FUZZ_CHECK(b <= strlen(safe), "fit within the string");
			FUZZ_CHECK(got >= 0 && got <= cols, "fit respects the columns");
			char *prefix = strndup(safe, b);
			FUZZ_CHECK(san_width(prefix) == got, "fit and width agree");
			free(prefix);
		}
		char small[7];
		memset(small, 'X', sizeof small);
		size_t n = san_into(small, sizeof small, s, size);
		FUZZ_CHECK(n < sizeof small && small[n] == '\0', "san_into terminated in bounds");
		FUZZ_CHECK(strlen(small) == n, "san_into returns the length written");
		check_safe(small, mode == 1);
		free(safe);
	}
	san_set_utf8(true);
	return 0;
}
