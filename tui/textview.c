/* tui/textview.c — see textview.h. Horizontal scrolling skips whole
 * characters by columns (san_fit), so a wide character is never split. */
#include "textview.h"

#include <curses.h> /* KEY_* codes only: drawing goes through canvas */
#include <stdio.h>
#include <string.h>

#include "lib/core/sanitize.h"
#include "lib/core/util.h"

void textview_set(struct textview *tv, char *const *lines, size_t n, int width, const char *title)
{
	memset(tv, 0, sizeof *tv);
	tv->lines = lines;
	tv->nlines = n;
	if (width <= 0)
		for (size_t i = 0; i < n; i++)
			width = MLC_MAX(width, san_width(lines[i]));
	tv->width = width;
	strlcpy_m(tv->title, title ? title : "", sizeof tv->title);
	tv->page = 1;
}

static void clamp(struct textview *tv)
{
	long max_top = (long)tv->nlines - tv->page;
	if (tv->top > max_top)
		tv->top = max_top;
	if (tv->top < 0)
		tv->top = 0;
	if (tv->left < 0)
		tv->left = 0;
	if (tv->left > tv->width)
		tv->left = tv->width;
}

bool textview_key(struct textview *tv, int key)
{
	int page = MLC_MAX(1, tv->page - 1);
	switch (key) {
	case 'j':
	case KEY_DOWN:
		tv->top++;
		break;
	case 'k':
	case KEY_UP:
		tv->top--;
		break;
	case KEY_NPAGE:
	case ' ':
	case 6: /* C-f */
		tv->top += page;
		break;
	case KEY_PPAGE:
	case 'b':
	case 2: /* C-b */
		tv->top -= page;
		break;
	case 'g':
	case KEY_HOME:
		tv->top = 0;
		tv->left = 0;
		break;
	case 'G':
	case KEY_END:
		tv->top = (long)tv->nlines;
		break;
	case 'l':
	case KEY_RIGHT:
		tv->left += 8;
		break;
	case 'h':
	case KEY_LEFT:
		tv->left -= 8;
		break;
	case '0':
		tv->left = 0;
		break;
	default:
		return false;
	}
	clamp(tv);
	return true;
}

void textview_draw(struct textview *tv, const struct canvas *cv)
{
	canvas_clear(cv, ROLE_NORMAL);
	if (cv->h < 1)
		return;
	tv->page = MLC_MAX(1, cv->h - 1);
	clamp(tv);
	long last = MLC_MIN((long)tv->nlines, tv->top + tv->page);
	if (tv->nlines == 0)
		snprintf(tv->status, sizeof tv->status, "0 lines");
	else
		snprintf(tv->status, sizeof tv->status, "%ld-%ld/%zu%s", tv->top + 1, last,
			 tv->nlines, tv->left ? "  >>" : "");
	int sw = san_width(tv->status);
	canvas_fill_row(cv, 0, 0, ROLE_COLHEAD);
	canvas_text(cv, 0, 1, tv->title, ROLE_COLHEAD, MLC_MAX(1, cv->w - sw - 3));
	canvas_text_right(cv, 0, cv->w - 1, tv->status, ROLE_COLHEAD);
	for (long i = tv->top; i < last; i++) {
		const char *s = tv->lines[i];
		if (tv->left > 0) {
			int skipped = 0;
			size_t off = san_fit(s, tv->left, &skipped);
			s += off;
		}
		canvas_text(cv, 1 + (int)(i - tv->top), 1, s, ROLE_NORMAL, cv->w - 1);
	}
}
