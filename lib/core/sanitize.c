/* lib/core/sanitize.c — the display gate for untrusted text (see sanitize.h). Owns
 * the strict UTF-8 decoder, the escape rules and the column-width table.
 * Never calls curses, setlocale() or wcwidth(), never prints, and never
 * allocates anything but the string it returns. */
#include "lib/core/sanitize.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/util.h"

/*
 * Widths come from the built-in tables below, never from wcwidth(). wcwidth()
 * answers -1 for everything non-ASCII in the "C" locale (unit tests, the log
 * writer before setlocale) and its answers change with the libc release, so a
 * string would get different widths in the test, the log and on screen. The
 * tables are generated from Unicode 14.0, the version glibc 2.36 (Debian 12)
 * builds its own wcwidth() from, so on the target they agree with what
 * ncursesw counts: tests/unit/test_sanitize.c checks every code point against
 * wcwidth() under C.UTF-8. Generated with Python 3.11's unicodedata:
 *   zero = Mn, Me, U+1160–11FF, U+D7B0–D7FF;  wide = East_Asian_Width W or F;
 *   ranges of one class joined across unassigned gaps; U+3248–324F and
 *   U+4DC0–4DFF added to wide as glibc has them; wide extended to U+1FAFF and
 *   U+3FFFD so future emoji and CJK err wide: counting too many columns only
 *   pads a cell, too few would overwrite the next one.
 */
struct san_range {
	uint32_t lo, hi;
};

/* Characters that draw nothing or reorder what follows (Cf, Zl, Zp but the
 * soft hyphen, the Hangul fillers used for blank-looking names), the tag
 * characters (invisible "ASCII smuggling" text) and the empty planes 4–13.
 * All escaped as <U+XXXX>. Holds every format character sanitize.h lists. */
/* clang-format off */
static const struct san_range san_invisible[] = {
	{0x0600, 0x0605}, {0x061C, 0x061C}, {0x06DD, 0x06DD}, {0x070F, 0x070F},
	{0x0890, 0x0891}, {0x08E2, 0x08E2}, {0x115F, 0x1160}, {0x180E, 0x180E},
	{0x200B, 0x200F}, {0x2028, 0x202E}, {0x2060, 0x206F}, {0x3164, 0x3164},
	{0xFEFF, 0xFEFF}, {0xFFA0, 0xFFA0}, {0xFFF0, 0xFFFB}, {0x110BD, 0x110BD},
	{0x110CD, 0x110CD}, {0x13430, 0x1343F}, {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A},
	{0x40000, 0xDFFFF}, {0xE0000, 0xE00FF}, {0xE01F0, 0xE0FFF},
};
/* clang-format on */

/* Zero columns: combining marks, enclosing marks, Hangul medial/final jamo. */
/* clang-format off */
static const struct san_range san_zero[] = {
	{0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x05BF, 0x05BF},
	{0x05C1, 0x05C2}, {0x05C4, 0x05C5}, {0x05C7, 0x05C7}, {0x0610, 0x061A},
	{0x064B, 0x065F}, {0x0670, 0x0670}, {0x06D6, 0x06DC}, {0x06DF, 0x06E4},
	{0x06E7, 0x06E8}, {0x06EA, 0x06ED}, {0x0711, 0x0711}, {0x0730, 0x074A},
	{0x07A6, 0x07B0}, {0x07EB, 0x07F3}, {0x07FD, 0x07FD}, {0x0816, 0x0819},
	{0x081B, 0x0823}, {0x0825, 0x0827}, {0x0829, 0x082D}, {0x0859, 0x085B},
	{0x0898, 0x089F}, {0x08CA, 0x08E1}, {0x08E3, 0x0902}, {0x093A, 0x093A},
	{0x093C, 0x093C}, {0x0941, 0x0948}, {0x094D, 0x094D}, {0x0951, 0x0957},
	{0x0962, 0x0963}, {0x0981, 0x0981}, {0x09BC, 0x09BC}, {0x09C1, 0x09C4},
	{0x09CD, 0x09CD}, {0x09E2, 0x09E3}, {0x09FE, 0x0A02}, {0x0A3C, 0x0A3C},
	{0x0A41, 0x0A51}, {0x0A70, 0x0A71}, {0x0A75, 0x0A75}, {0x0A81, 0x0A82},
	{0x0ABC, 0x0ABC}, {0x0AC1, 0x0AC8}, {0x0ACD, 0x0ACD}, {0x0AE2, 0x0AE3},
	{0x0AFA, 0x0B01}, {0x0B3C, 0x0B3C}, {0x0B3F, 0x0B3F}, {0x0B41, 0x0B44},
	{0x0B4D, 0x0B56}, {0x0B62, 0x0B63}, {0x0B82, 0x0B82}, {0x0BC0, 0x0BC0},
	{0x0BCD, 0x0BCD}, {0x0C00, 0x0C00}, {0x0C04, 0x0C04}, {0x0C3C, 0x0C3C},
	{0x0C3E, 0x0C40}, {0x0C46, 0x0C56}, {0x0C62, 0x0C63}, {0x0C81, 0x0C81},
	{0x0CBC, 0x0CBC}, {0x0CBF, 0x0CBF}, {0x0CC6, 0x0CC6}, {0x0CCC, 0x0CCD},
	{0x0CE2, 0x0CE3}, {0x0D00, 0x0D01}, {0x0D3B, 0x0D3C}, {0x0D41, 0x0D44},
	{0x0D4D, 0x0D4D}, {0x0D62, 0x0D63}, {0x0D81, 0x0D81}, {0x0DCA, 0x0DCA},
	{0x0DD2, 0x0DD6}, {0x0E31, 0x0E31}, {0x0E34, 0x0E3A}, {0x0E47, 0x0E4E},
	{0x0EB1, 0x0EB1}, {0x0EB4, 0x0EBC}, {0x0EC8, 0x0ECD}, {0x0F18, 0x0F19},
	{0x0F35, 0x0F35}, {0x0F37, 0x0F37}, {0x0F39, 0x0F39}, {0x0F71, 0x0F7E},
	{0x0F80, 0x0F84}, {0x0F86, 0x0F87}, {0x0F8D, 0x0FBC}, {0x0FC6, 0x0FC6},
	{0x102D, 0x1030}, {0x1032, 0x1037}, {0x1039, 0x103A}, {0x103D, 0x103E},
	{0x1058, 0x1059}, {0x105E, 0x1060}, {0x1071, 0x1074}, {0x1082, 0x1082},
	{0x1085, 0x1086}, {0x108D, 0x108D}, {0x109D, 0x109D}, {0x1160, 0x11FF},
	{0x135D, 0x135F}, {0x1712, 0x1714}, {0x1732, 0x1733}, {0x1752, 0x1753},
	{0x1772, 0x1773}, {0x17B4, 0x17B5}, {0x17B7, 0x17BD}, {0x17C6, 0x17C6},
	{0x17C9, 0x17D3}, {0x17DD, 0x17DD}, {0x180B, 0x180D}, {0x180F, 0x180F},
	{0x1885, 0x1886}, {0x18A9, 0x18A9}, {0x1920, 0x1922}, {0x1927, 0x1928},
	{0x1932, 0x1932}, {0x1939, 0x193B}, {0x1A17, 0x1A18}, {0x1A1B, 0x1A1B},
	{0x1A56, 0x1A56}, {0x1A58, 0x1A60}, {0x1A62, 0x1A62}, {0x1A65, 0x1A6C},
	{0x1A73, 0x1A7F}, {0x1AB0, 0x1B03}, {0x1B34, 0x1B34}, {0x1B36, 0x1B3A},
	{0x1B3C, 0x1B3C}, {0x1B42, 0x1B42}, {0x1B6B, 0x1B73}, {0x1B80, 0x1B81},
	{0x1BA2, 0x1BA5}, {0x1BA8, 0x1BA9}, {0x1BAB, 0x1BAD}, {0x1BE6, 0x1BE6},
	{0x1BE8, 0x1BE9}, {0x1BED, 0x1BED}, {0x1BEF, 0x1BF1}, {0x1C2C, 0x1C33},
	{0x1C36, 0x1C37}, {0x1CD0, 0x1CD2}, {0x1CD4, 0x1CE0}, {0x1CE2, 0x1CE8},
	{0x1CED, 0x1CED}, {0x1CF4, 0x1CF4}, {0x1CF8, 0x1CF9}, {0x1DC0, 0x1DFF},
	{0x20D0, 0x20F0}, {0x2CEF, 0x2CF1}, {0x2D7F, 0x2D7F}, {0x2DE0, 0x2DFF},
	{0x302A, 0x302D}, {0x3099, 0x309A}, {0xA66F, 0xA672}, {0xA674, 0xA67D},
	{0xA69E, 0xA69F}, {0xA6F0, 0xA6F1}, {0xA802, 0xA802}, {0xA806, 0xA806},
	{0xA80B, 0xA80B}, {0xA825, 0xA826}, {0xA82C, 0xA82C}, {0xA8C4, 0xA8C5},
	{0xA8E0, 0xA8F1}, {0xA8FF, 0xA8FF}, {0xA926, 0xA92D}, {0xA947, 0xA951},
	{0xA980, 0xA982}, {0xA9B3, 0xA9B3}, {0xA9B6, 0xA9B9}, {0xA9BC, 0xA9BD},
	{0xA9E5, 0xA9E5}, {0xAA29, 0xAA2E}, {0xAA31, 0xAA32}, {0xAA35, 0xAA36},
	{0xAA43, 0xAA43}, {0xAA4C, 0xAA4C}, {0xAA7C, 0xAA7C}, {0xAAB0, 0xAAB0},
	{0xAAB2, 0xAAB4}, {0xAAB7, 0xAAB8}, {0xAABE, 0xAABF}, {0xAAC1, 0xAAC1},
	{0xAAEC, 0xAAED}, {0xAAF6, 0xAAF6}, {0xABE5, 0xABE5}, {0xABE8, 0xABE8},
	{0xABED, 0xABED}, {0xD7B0, 0xD7FB}, {0xFB1E, 0xFB1E}, {0xFE00, 0xFE0F},
	{0xFE20, 0xFE2F}, {0x101FD, 0x101FD}, {0x102E0, 0x102E0}, {0x10376, 0x1037A},
	{0x10A01, 0x10A0F}, {0x10A38, 0x10A3F}, {0x10AE5, 0x10AE6}, {0x10D24, 0x10D27},
	{0x10EAB, 0x10EAC}, {0x10F46, 0x10F50}, {0x10F82, 0x10F85}, {0x11001, 0x11001},
	{0x11038, 0x11046}, {0x11070, 0x11070}, {0x11073, 0x11074}, {0x1107F, 0x11081},
	{0x110B3, 0x110B6}, {0x110B9, 0x110BA}, {0x110C2, 0x110C2}, {0x11100, 0x11102},
	{0x11127, 0x1112B}, {0x1112D, 0x11134}, {0x11173, 0x11173}, {0x11180, 0x11181},
	{0x111B6, 0x111BE}, {0x111C9, 0x111CC}, {0x111CF, 0x111CF}, {0x1122F, 0x11231},
	{0x11234, 0x11234}, {0x11236, 0x11237}, {0x1123E, 0x1123E}, {0x112DF, 0x112DF},
	{0x112E3, 0x112EA}, {0x11300, 0x11301}, {0x1133B, 0x1133C}, {0x11340, 0x11340},
	{0x11366, 0x11374}, {0x11438, 0x1143F}, {0x11442, 0x11444}, {0x11446, 0x11446},
	{0x1145E, 0x1145E}, {0x114B3, 0x114B8}, {0x114BA, 0x114BA}, {0x114BF, 0x114C0},
	{0x114C2, 0x114C3}, {0x115B2, 0x115B5}, {0x115BC, 0x115BD}, {0x115BF, 0x115C0},
	{0x115DC, 0x115DD}, {0x11633, 0x1163A}, {0x1163D, 0x1163D}, {0x1163F, 0x11640},
	{0x116AB, 0x116AB}, {0x116AD, 0x116AD}, {0x116B0, 0x116B5}, {0x116B7, 0x116B7},
	{0x1171D, 0x1171F}, {0x11722, 0x11725}, {0x11727, 0x1172B}, {0x1182F, 0x11837},
	{0x11839, 0x1183A}, {0x1193B, 0x1193C}, {0x1193E, 0x1193E}, {0x11943, 0x11943},
	{0x119D4, 0x119DB}, {0x119E0, 0x119E0}, {0x11A01, 0x11A0A}, {0x11A33, 0x11A38},
	{0x11A3B, 0x11A3E}, {0x11A47, 0x11A47}, {0x11A51, 0x11A56}, {0x11A59, 0x11A5B},
	{0x11A8A, 0x11A96}, {0x11A98, 0x11A99}, {0x11C30, 0x11C3D}, {0x11C3F, 0x11C3F},
	{0x11C92, 0x11CA7}, {0x11CAA, 0x11CB0}, {0x11CB2, 0x11CB3}, {0x11CB5, 0x11CB6},
	{0x11D31, 0x11D45}, {0x11D47, 0x11D47}, {0x11D90, 0x11D91}, {0x11D95, 0x11D95},
	{0x11D97, 0x11D97}, {0x11EF3, 0x11EF4}, {0x16AF0, 0x16AF4}, {0x16B30, 0x16B36},
	{0x16F4F, 0x16F4F}, {0x16F8F, 0x16F92}, {0x16FE4, 0x16FE4}, {0x1BC9D, 0x1BC9E},
	{0x1CF00, 0x1CF46}, {0x1D167, 0x1D169}, {0x1D17B, 0x1D182}, {0x1D185, 0x1D18B},
	{0x1D1AA, 0x1D1AD}, {0x1D242, 0x1D244}, {0x1DA00, 0x1DA36}, {0x1DA3B, 0x1DA6C},
	{0x1DA75, 0x1DA75}, {0x1DA84, 0x1DA84}, {0x1DA9B, 0x1DAAF}, {0x1E000, 0x1E02A},
	{0x1E130, 0x1E136}, {0x1E2AE, 0x1E2AE}, {0x1E2EC, 0x1E2EF}, {0x1E8D0, 0x1E8D6},
	{0x1E944, 0x1E94A}, {0xE0100, 0xE01EF},
};
/* clang-format on */

/* Two columns: East Asian Wide and Fullwidth, emoji presentation. */
/* clang-format off */
static const struct san_range san_wide[] = {
	{0x1100, 0x115F}, {0x231A, 0x231B}, {0x2329, 0x232A}, {0x23E9, 0x23EC},
	{0x23F0, 0x23F0}, {0x23F3, 0x23F3}, {0x25FD, 0x25FE}, {0x2614, 0x2615},
	{0x2648, 0x2653}, {0x267F, 0x267F}, {0x2693, 0x2693}, {0x26A1, 0x26A1},
	{0x26AA, 0x26AB}, {0x26BD, 0x26BE}, {0x26C4, 0x26C5}, {0x26CE, 0x26CE},
	{0x26D4, 0x26D4}, {0x26EA, 0x26EA}, {0x26F2, 0x26F3}, {0x26F5, 0x26F5},
	{0x26FA, 0x26FA}, {0x26FD, 0x26FD}, {0x2705, 0x2705}, {0x270A, 0x270B},
	{0x2728, 0x2728}, {0x274C, 0x274C}, {0x274E, 0x274E}, {0x2753, 0x2755},
	{0x2757, 0x2757}, {0x2795, 0x2797}, {0x27B0, 0x27B0}, {0x27BF, 0x27BF},
	{0x2B1B, 0x2B1C}, {0x2B50, 0x2B50}, {0x2B55, 0x2B55}, {0x2E80, 0x3029},
	{0x302E, 0x303E}, {0x3041, 0x3096}, {0x309B, 0xA4C6}, {0xA960, 0xA97C},
	{0xAC00, 0xD7A3}, {0xF900, 0xFAD9}, {0xFE10, 0xFE19}, {0xFE30, 0xFE6B},
	{0xFF01, 0xFF60}, {0xFFE0, 0xFFE6}, {0x16FE0, 0x16FE3}, {0x16FF0, 0x1B2FB},
	{0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF}, {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A},
	{0x1F200, 0x1F320}, {0x1F32D, 0x1F335}, {0x1F337, 0x1F37C}, {0x1F37E, 0x1F393},
	{0x1F3A0, 0x1F3CA}, {0x1F3CF, 0x1F3D3}, {0x1F3E0, 0x1F3F0}, {0x1F3F4, 0x1F3F4},
	{0x1F3F8, 0x1F43E}, {0x1F440, 0x1F440}, {0x1F442, 0x1F4FC}, {0x1F4FF, 0x1F53D},
	{0x1F54B, 0x1F54E}, {0x1F550, 0x1F567}, {0x1F57A, 0x1F57A}, {0x1F595, 0x1F596},
	{0x1F5A4, 0x1F5A4}, {0x1F5FB, 0x1F64F}, {0x1F680, 0x1F6C5}, {0x1F6CC, 0x1F6CC},
	{0x1F6D0, 0x1F6D2}, {0x1F6D5, 0x1F6DF}, {0x1F6EB, 0x1F6EC}, {0x1F6F4, 0x1F6FC},
	{0x1F7E0, 0x1F7F0}, {0x1F90C, 0x1F93A}, {0x1F93C, 0x1F945}, {0x1F947, 0x1F9FF},
	{0x1FA70, 0x1FAFF}, {0x20000, 0x3FFFD},
};
/* clang-format on */

/* Combining marks kept on one base; the rest are escaped (xterm and screen
 * have crashed on long combining sequences: CVE-2021-27135). */
#define SAN_MAX_MARKS 4

static bool san_utf8_mode = true;

void san_set_utf8(bool utf8)
{
	san_utf8_mode = utf8;
}

bool san_utf8(void)
{
	return san_utf8_mode;
}

static bool san_in(const struct san_range *t, size_t n, uint32_t cp)
{
	size_t lo = 0, hi = n;

	if (cp < t[0].lo || cp > t[n - 1].hi)
		return false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cp > t[mid].hi)
			lo = mid + 1;
		else if (cp < t[mid].lo)
			hi = mid;
		else
			return true;
	}
	return false;
}

/* Columns of one code point as the sanitizer sees it: -1 for what it escapes
 * (C0, DEL, C1, invisible/format, noncharacters, surrogates, > U+10FFFF). */
int san_cwidth(unsigned long cp)
{
	if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
		return -1;
	if (cp < 0x300)
		return 1;
	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return -1;
	if ((cp & 0xFFFE) == 0xFFFE || (cp >= 0xFDD0 && cp <= 0xFDEF))
		return -1;
	if (san_in(san_invisible, ARRAY_LEN(san_invisible), (uint32_t)cp))
		return -1;
	if (san_in(san_zero, ARRAY_LEN(san_zero), (uint32_t)cp))
		return 0;
	if (san_in(san_wide, ARRAY_LEN(san_wide), (uint32_t)cp))
		return 2;
	return 1;
}

/* Strict UTF-8 (RFC 3629): returns the sequence length and sets *cp, or 0
 * when s[0] does not start a valid sequence (stray continuation, C0/C1 and
 * F5–FF leads, overlongs, surrogates, > U+10FFFF, truncation). The caller
 * then escapes just s[0] and resumes at s[1], so one bad byte never eats the
 * valid characters after it. */
static size_t san_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	unsigned c = s[0];

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c < 0xc2)
		return 0;
	if (c < 0xe0) {
		if (len < 2 || (s[1] & 0xc0) != 0x80)
			return 0;
		*cp = (c & 0x1f) << 6 | (s[1] & 0x3f);
		return 2;
	}
	if (c < 0xf0) {
		unsigned lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
		if (len < 3 || s[1] < lo || s[1] > hi || (s[2] & 0xc0) != 0x80)
			return 0;
		*cp = (c & 0x0f) << 12 | (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
		return 3;
	}
	if (c < 0xf5) {
		unsigned lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
		if (len < 4 || s[1] < lo || s[1] > hi || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		*cp = (uint32_t)(c & 0x07) << 18 | (uint32_t)(s[1] & 0x3f) << 12 |
		      (uint32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
		return 4;
	}
	return 0;
}

/* The output being written. Every input character becomes one unit (its own
 * bytes or one escape) and a unit is written whole or not at all. A cluster
 * is a base and the combining marks kept on it; when a mark does not fit,
 * the output goes back to where its base began. */
struct san_out {
	char *p;
	size_t n;	/* bytes written */
	size_t cap;	/* bytes that may be written, NUL excluded */
	size_t cluster; /* n where the current cluster began */
	int marks;	/* marks kept on the current base; -1: no base */
	bool full;
};

enum san_unit { SAN_BASE, SAN_MARK, SAN_ESC };

static void san_put(struct san_out *o, const void *u, size_t k, enum san_unit kind)
{
	if (k > o->cap - o->n) {
		if (kind == SAN_MARK)
			o->n = o->cluster;
		o->full = true;
		return;
	}
	if (kind != SAN_MARK)
		o->cluster = o->n;
	memcpy(o->p + o->n, u, k);
	o->n += k;
	if (kind == SAN_ESC)
		o->marks = -1;
	else if (kind == SAN_BASE)
		o->marks = 0;
	else
		o->marks++;
}

static const char san_hex[] = "0123456789abcdef";
static const char san_hexu[] = "0123456789ABCDEF";

/* \xHH: an invalid byte, or a C1 control by its code point. */
static void san_put_hex(struct san_out *o, unsigned b)
{
	char e[4] = {'\\', 'x', san_hex[b >> 4], san_hex[b & 15]};

	san_put(o, e, 4, SAN_ESC);
}

/* <U+XXXX>, four to six upper-case hex digits. */
static void san_put_u(struct san_out *o, uint32_t cp)
{
	char e[12] = "<U+";
	int digits = cp > 0xFFFFF ? 6 : cp > 0xFFFF ? 5 : 4;
	size_t k = 3;

	for (int i = digits - 1; i >= 0; i--)
		e[k++] = san_hexu[(cp >> (4 * i)) & 15];
	e[k++] = '>';
	san_put(o, e, k, SAN_ESC);
}

/* C0 and DEL: C escapes for the five that move the cursor or start a
 * sequence, caret form (^G, ^@, ^?) for the rest. */
static const char san_cesc[0x20] = {
    ['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', ['\r'] = 'r', [0x1b] = 'e',
};

static void san_put_ctl(struct san_out *o, unsigned c)
{
	char e[2] = {'\\', c < 0x20 ? san_cesc[c] : 0};

	if (!e[1]) {
		e[0] = '^';
		e[1] = (char)(c ^ 0x40);
	}
	san_put(o, e, 2, SAN_ESC);
}

static void san_run(struct san_out *o, const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len && !o->full) {
		uint32_t cp;
		size_t k;
		int w;

		if (s[i] >= 0x20 && s[i] < 0x7f) {
			/* Printable ASCII: copy the whole run at once. */
			size_t j = i + 1, room = o->cap - o->n;
			while (j < len && s[j] >= 0x20 && s[j] < 0x7f)
				j++;
			k = j - i;
			if (k > room) {
				k = room;
				o->full = true;
			}
			if (k) {
				memcpy(o->p + o->n, s + i, k);
				o->n += k;
				o->cluster = o->n - 1;
				o->marks = 0;
			}
			i = j;
			continue;
		}
		k = san_decode(s + i, len - i, &cp);
		if (!k) {
			san_put_hex(o, s[i]);
			i++;
			continue;
		}
		w = san_utf8_mode ? san_cwidth(cp) : -1;
		if (cp < 0x20 || cp == 0x7f)
			san_put_ctl(o, cp);
		else if (cp < 0xa0)
			san_put_hex(o, cp);
		else if (w < 0)
			san_put_u(o, cp);
		else if (w > 0)
			san_put(o, s + i, k, SAN_BASE);
		else if (o->marks < 0 || o->marks >= SAN_MAX_MARKS)
			san_put_u(o, cp); /* no base, or too many on it */
		else
			san_put(o, s + i, k, SAN_MARK);
		i += k;
	}
}

/* The longest escape is 4 bytes for 1 input byte (\xHH; <U+0301> is 8 for
 * 2, <U+202E> 8 for 3, <U+10FFFF> 10 for 4), so 4 * len + 1 always holds
 * the output and no second pass is needed. */
char *san_dup(const char *s, size_t len)
{
	struct san_out o = {.marks = -1};

	if (!s)
		len = 0;
	if (len > (SIZE_MAX - 1) / 4)
		len = (SIZE_MAX - 1) / 4; /* cannot be a real string; xmalloc aborts */
	o.cap = 4 * len;
	o.p = xmalloc(o.cap + 1);
	san_run(&o, (const unsigned char *)s, len);
	o.p[o.n] = '\0';
	if (o.cap > 256 && o.n < o.cap / 2)
		o.p = xrealloc(o.p, o.n + 1);
	return o.p;
}

char *san_str(const char *s)
{
	return san_dup(s, s ? strlen(s) : 0);
}

/* Writes whole units only, and drops a base whose kept marks do not all fit:
 * a truncated value never ends in half an escape or a bare base letter. */
size_t san_into(char *out, size_t outsz, const char *s, size_t len)
{
	struct san_out o = {.p = out, .marks = -1};

	if (!outsz)
		return 0;
	o.cap = outsz - 1;
	if (s)
		san_run(&o, (const unsigned char *)s, len);
	out[o.n] = '\0';
	return o.n;
}

/* One step over sanitized text: length of the character at s and its
 * columns. Input that is not sanitizer output still gets an answer: an
 * undecodable byte or a character the sanitizer would escape counts 1. */
static size_t san_step(const unsigned char *s, size_t len, int *w)
{
	uint32_t cp;
	size_t k;

	if (s[0] >= 0x20 && s[0] < 0x7f) {
		*w = 1;
		return 1;
	}
	k = san_decode(s, len, &cp);
	if (!k) {
		*w = 1;
		return 1;
	}
	*w = san_cwidth(cp);
	if (*w < 0)
		*w = 1;
	return k;
}

int san_width(const char *safe)
{
	const unsigned char *s = (const unsigned char *)safe;
	size_t len, i = 0;
	long cols = 0;

	if (!safe)
		return 0;
	len = strlen(safe);
	while (i < len && cols < INT_MAX) {
		int w;
		i += san_step(s + i, len - i, &w);
		cols += w;
	}
	return cols < INT_MAX ? (int)cols : INT_MAX;
}

/* Stops at the first character with columns that does not fit; the
 * zero-width marks after a base that fitted are always taken with it. */
size_t san_fit(const char *safe, int max_cols, int *cols)
{
	const unsigned char *s = (const unsigned char *)safe;
	size_t len, i = 0;
	int used = 0;

	if (max_cols < 0)
		max_cols = 0;
	len = safe ? strlen(safe) : 0;
	while (i < len) {
		int w;
		size_t k = san_step(s + i, len - i, &w);
		if (w > max_cols - used)
			break;
		used += w;
		i += k;
	}
	if (cols)
		*cols = used;
	return i;
}
