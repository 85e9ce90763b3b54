/* lib/core/preview.h — what the first bytes of an object look like on screen:
 * JSON pretty-printed, CSV/TSV as an aligned table, UTF-8 text, anything
 * else a hex dump (offset, hex, ASCII). Pure: no I/O, no curses. Every line
 * it returns has passed lib/sanitize, whatever the bytes were; a cut tail
 * (the object was longer than what was fetched) is handled: a cut UTF-8
 * character is dropped, a cut JSON document is shown as text with a note. */
#ifndef MLC_PREVIEW_H
#define MLC_PREVIEW_H

#include <stdbool.h>
#include <stddef.h>

enum preview_kind { PREVIEW_EMPTY, PREVIEW_TEXT, PREVIEW_JSON, PREVIEW_CSV, PREVIEW_HEX };

struct preview {
	enum preview_kind kind;
	char label[64]; /* "JSON", "CSV table, 3 columns", "text", "binary (hex)" */
	char note[160]; /* why a fallback was taken, "" when none; sanitized */
	char **lines;	/* sanitized display lines (tabs expanded), NULL-terminated */
	size_t nlines;
	int width; /* the widest line, in columns */
};

/* Builds p from len bytes of data (may hold anything, NUL included). name
 * (the object key) and content_type (may be NULL or "") steer the choice;
 * the content decides when they say nothing. truncated: data is only the
 * start of the object. Always fills p (free with preview_free). */
void preview_build(struct preview *p, const char *name, const char *content_type, const char *data,
		   size_t len, bool truncated);
void preview_free(struct preview *p);

/* Lines a preview keeps at most (a 64 KiB range stays well below). */
#define PREVIEW_MAX_LINES 20000

#endif
