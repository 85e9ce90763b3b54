/* tui/canvas.h — a rectangle of the screen panels draw into without calling
 * curses: clipped, width-aware text (input must be sanitized), fills, bars
 * and charts. Coordinates are relative to the canvas. */
#ifndef MLC_CANVAS_H
#define MLC_CANVAS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "glyph.h"
#include "theme.h"

struct canvas {
	int y, x, h, w; /* on the screen */
};

/* Draws safe (sanitized) text at (y, x), at most maxw columns (0: to the
 * right edge), never splitting a character; returns the columns used. */
int canvas_text(const struct canvas *cv, int y, int x, const char *safe, enum role role, int maxw);
/* Same, right-aligned so that the text ends at column x_end (exclusive). */
int canvas_text_right(const struct canvas *cv, int y, int x_end, const char *safe, enum role role);
/* Fills a row (or its part from x) with blanks of role. */
void canvas_fill_row(const struct canvas *cv, int y, int x, enum role role);
void canvas_clear(const struct canvas *cv, enum role role);

/* Writes safe text wrapped at spaces into the columns from x to the right
 * edge, starting at row y; rows above first_row or below the canvas are
 * skipped (scrolled out). Returns the rows the text takes (at least 1). */
int canvas_wrap(const struct canvas *cv, int y, int x, const char *safe, enum role role,
		int first_row);

/* A progress bar as text: "[█████░░░░░] 52%" (# and - without UTF-8),
 * width cells between the brackets; total <= 0 reads 0%. */
void canvas_bar(char *out, size_t n, int64_t now, int64_t total, int width);

/* A box's frame in role (─│┌┐└┘, or -|+ without UTF-8). */
void canvas_frame(const struct canvas *box, enum role role);

/* A progress indicator for work in flight: one frame of a spinner that
 * turns with the clock (◐◓◑◒, or |/-\ without UTF-8). */
const char *canvas_spinner(void);

/* Whether box-drawing, braille and block characters may be used. */
bool canvas_utf8(void);

/* A sparkline of n cells, one per value of v (the caller buckets by time):
 * a value >= 0 on the log scale lo..hi shared by every line drawn with the
 * same bounds (lo and below the lowest block, hi and above the highest);
 * -1 a failed interval (×), -2 an interval without a poll (∙), another
 * negative no data yet (blank). Writes UTF-8 (▁..█, ×, ∙) or ASCII (_.-=#, x ,)
 * into out. */
void sparkline(const long *v, int n, long lo, long hi, char *out, size_t outsz);

/* A line chart of (x, y) points with axes: braille dots (2×4 per cell) or
 * ASCII '*' without UTF-8. Labels on the left axis and under the x axis.
 * The title row shows min, max and last. Draws into the whole canvas. */
struct chart_series {
	const double *xs, *ys;
	int n;
	const char *label;
};
void canvas_chart(const struct canvas *cv, const char *title, const struct chart_series *s,
		  int nseries, const char *xlabel);

#endif
