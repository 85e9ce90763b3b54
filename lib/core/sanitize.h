/* lib/core/sanitize.h — the one gate every network-derived string passes before it
 * reaches the screen, the log or the clipboard. Output holds only printable
 * characters: controls, ESC, DEL, C1, bidi/invisible format characters and
 * invalid UTF-8 become visible ASCII escapes. Pure functions, no curses. */
#ifndef MLC_SANITIZE_H
#define MLC_SANITIZE_H

#include <stdbool.h>
#include <stddef.h>

/* Whether the terminal takes UTF-8. When false, every non-ASCII character is
 * escaped too (OpenSSH's rule for non-UTF-8 locales), one escape per valid
 * character by its code point: é → <U+00E9> (C1 stays \x9b, invalid bytes
 * \xff), so output is pure ASCII. Default true. */
void san_set_utf8(bool utf8);
bool san_utf8(void);

/* Sanitizes len bytes of s (NUL bytes inside are escaped, not terminators)
 * into a new string the caller frees. Escapes:
 *   ESC → \e, CR → \r, LF → \n, TAB → \t, BS → \b, other C0 and DEL → ^X
 *   (caret form, e.g. ^G, ^?), C1 U+0080–U+009F → \x9b-style, invalid UTF-8
 *   byte → \xff-style, bidi/invisible (U+061C, U+200B–U+200F, U+202A–U+202E,
 *   U+2028, U+2029, U+2060–U+2064, U+2066–U+2069, U+FEFF) and any character
 *   with wcwidth < 0 → <U+202E>, more than 4 combining marks on one base →
 *   the extra ones as <U+0301>.
 * Never returns NULL. */
char *san_dup(const char *s, size_t len);
/* Same for a NUL-terminated string (NULL gives ""). */
char *san_str(const char *s);
/* Same, into a fixed buffer: output truncated on a character boundary so it
 * fits (with NUL) in outsz bytes. Returns the byte length written. */
size_t san_into(char *out, size_t outsz, const char *s, size_t len);

/* Display columns of an already-sanitized UTF-8 string (wcwidth per char). */
int san_width(const char *safe);
/* Byte length of the longest prefix of safe that fits in max_cols columns,
 * never splitting a character or separating a base from its combining marks;
 * *cols (may be NULL) gets the columns that prefix takes. */
size_t san_fit(const char *safe, int max_cols, int *cols);
/* Columns one code point takes in sanitizer output: 2, 1, or 0 for a
 * combining mark; -1 for one the sanitizer escapes. Built-in Unicode 14
 * table, the same in every locale (san_width and san_fit use it). */
int san_cwidth(unsigned long cp);

#endif
