/* tui/textview.h — a scrollable, read-only view of already-sanitized lines
 * for a panel's `body` hook (previews, logs, documents): a title line, then
 * the lines; j/k and arrows, PgUp/PgDn (and space/b), g/G, left/right (h/l)
 * for lines wider than the screen. Draws through tui/canvas only; owns
 * nothing (the lines are borrowed from the caller, who keeps them alive
 * while the view shows them). */
#ifndef MLC_TEXTVIEW_H
#define MLC_TEXTVIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "canvas.h"

struct textview {
	char *const *lines; /* borrowed, sanitized */
	size_t nlines;
	int width;	  /* widest line in columns (0: measured by textview_set) */
	char title[256];  /* sanitized; drawn on the first row */
	char status[128]; /* right side of the title row ("12% 40/300"), filled when drawing */
	long top;	  /* first line shown */
	int left;	  /* columns scrolled right */
	int page;	  /* lines shown at the last draw */
};

/* Shows lines (borrowed) from the top; width 0 measures them. */
void textview_set(struct textview *tv, char *const *lines, size_t n, int width, const char *title);
/* Handles a movement key; true when it was one (the caller redraws). */
bool textview_key(struct textview *tv, int key);
void textview_draw(struct textview *tv, const struct canvas *cv);

#endif
