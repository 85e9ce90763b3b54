/* tui/table.c — see table.h. Asks the view for cells of visible rows only
 * when drawing; filtering and sorting walk every row once per change. */
#include "table.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>
#include <wctype.h>

#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "view.h"

void table_init(struct table *t, struct view *v)
{
	memset(t, 0, sizeof *t);
	t->v = v;
	t->sort_col = -1;
	t->stale_view = true;
	t->restore_row = -1;
}

/* A view that only draws a body may have no columns. */
static const struct column *table_columns(const struct table *t, int *n)
{
	static const struct column none[1];
	if (!t->v->ops->columns) {
		*n = 0;
		return none;
	}
	return t->v->ops->columns(t->v, n);
}

void table_free(struct table *t)
{
	free(t->view);
	t->view = NULL;
}

/* s in lower case, letter by letter in UTF-8 (towlower in the locale, so
 * "ÜBER" folds to "über"); bytes that are not UTF-8 are copied as they are. */
static void fold_case(const char *s, char *out, size_t n)
{
	mbstate_t st;
	memset(&st, 0, sizeof st);
	size_t o = 0;
	while (*s && o + MB_LEN_MAX < n) {
		wchar_t wc;
		size_t k = mbrtowc(&wc, s, MB_LEN_MAX, &st);
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			memset(&st, 0, sizeof st);
			out[o++] = (char)tolower((unsigned char)*s++);
			continue;
		}
		size_t w = wcrtomb(out + o, (wchar_t)towlower((wint_t)wc), &st);
		if (w == (size_t)-1) {
			memcpy(out + o, s, k);
			w = k;
		}
		o += w;
		s += k;
	}
	out[o] = '\0';
}

static bool row_matches(struct table *t, int row, int ncols)
{
	if (!t->filter[0])
		return true;
	struct cell c;
	char want[sizeof t->filter * 2], text[sizeof c.text * 2];
	fold_case(t->filter, want, sizeof want);
	for (int col = 0; col < ncols; col++) {
		c.text[0] = '\0';
		c.role = ROLE_NORMAL;
		t->v->ops->cell(t->v, row, col, &c);
		fold_case(c.text, text, sizeof text);
		if (strstr(text, want))
			return true;
	}
	return false;
}

struct sort_key {
	int row;
	char *text;
	double num;
	bool has_num;
	bool missing; /* no value ("-", a NaN, no number in a numeric column) */
};

static bool sort_desc_flag;

static int key_cmp(const void *a, const void *b)
{
	const struct sort_key *x = a, *y = b;
	int c;
	/* Missing values go last whatever the direction, as in the MLflow UI. */
	if (x->missing != y->missing)
		return x->missing ? 1 : -1;
	if (x->has_num && y->has_num)
		c = (x->num > y->num) - (x->num < y->num);
	else if (x->has_num != y->has_num)
		c = x->has_num ? -1 : 1; /* numbers before "-" and text */
	else
		c = strcasecmp(x->text, y->text);
	if (c == 0)
		c = (x->row > y->row) - (x->row < y->row);
	return sort_desc_flag ? -c : c;
}

static void sort_view(struct table *t, const struct column *cols)
{
	if (t->sort_col < 0 || t->nview < 2)
		return;
	struct sort_key *keys = xcalloc((size_t)t->nview, sizeof *keys);
	struct cell c;
	for (int i = 0; i < t->nview; i++) {
		c.text[0] = '\0';
		c.sort[0] = '\0';
		c.has_num = false;
		t->v->ops->cell(t->v, t->view[i], t->sort_col, &c);
		keys[i].row = t->view[i];
		keys[i].text = xstrdup(c.sort[0] ? c.sort : c.text);
		char *end;
		keys[i].num = c.has_num ? c.num : strtod(c.text, &end);
		keys[i].has_num = cols[t->sort_col].numeric && (c.has_num || end != c.text) &&
				  !isnan(keys[i].num);
		keys[i].missing = cols[t->sort_col].numeric
				      ? !keys[i].has_num
				      : !keys[i].text[0] || !strcmp(keys[i].text, "-");
	}
	sort_desc_flag = t->sort_desc;
	qsort(keys, (size_t)t->nview, sizeof *keys, key_cmp);
	for (int i = 0; i < t->nview; i++) {
		t->view[i] = keys[i].row;
		free(keys[i].text);
	}
	free(keys);
}

void table_sync(struct table *t)
{
	const struct view_ops *ops = t->v->ops;
	unsigned long gen = ops->generation ? ops->generation(t->v) : 0;
	int n = ops->nrows ? ops->nrows(t->v) : 0;
	if (!t->stale_view && gen == t->gen_seen && n == t->nrows_seen)
		return;
	int keep = t->restore_row >= 0 ? t->restore_row : table_selected(t);
	t->restore_row = -1;
	int ncols;
	const struct column *cols = table_columns(t, &ncols);
	if (n > t->cap) {
		t->cap = n;
		t->view = xrealloc(t->view, (size_t)t->cap * sizeof *t->view);
	}
	t->nview = 0;
	for (int r = 0; r < n; r++)
		if (row_matches(t, r, ncols))
			t->view[t->nview++] = r;
	if (t->sort_col >= ncols)
		t->sort_col = -1;
	sort_view(t, cols);
	t->gen_seen = gen;
	t->nrows_seen = n;
	t->stale_view = false;
	/* Keep the same model row selected when it is still there. */
	if (keep >= 0)
		for (int i = 0; i < t->nview; i++)
			if (t->view[i] == keep) {
				t->sel = i;
				break;
			}
	if (t->sel >= t->nview)
		t->sel = t->nview ? t->nview - 1 : 0;
}

int table_selected(const struct table *t)
{
	if (t->nview == 0 || t->sel < 0 || t->sel >= t->nview)
		return -1;
	return t->view[t->sel];
}

void table_move(struct table *t, int delta)
{
	if (t->nview == 0)
		return;
	long s = (long)t->sel + delta;
	if (s < 0)
		s = 0;
	if (s >= t->nview)
		s = t->nview - 1;
	t->sel = (int)s;
}

void table_home(struct table *t)
{
	t->sel = 0;
}
void table_end(struct table *t)
{
	t->sel = t->nview ? t->nview - 1 : 0;
}

void table_set_filter(struct table *t, const char *f)
{
	strlcpy_m(t->filter, f ? f : "", sizeof t->filter);
	t->stale_view = true;
	t->sel = 0;
	t->top = 0;
}

void table_sort_by(struct table *t, int col, bool desc)
{
	t->sort_col = col;
	t->sort_desc = desc;
	t->stale_view = true;
}

void table_sort_next(struct table *t)
{
	int ncols;
	table_columns(t, &ncols);
	if (t->sort_col < 0)
		table_sort_by(t, 0, false);
	else if (!t->sort_desc)
		table_sort_by(t, t->sort_col, true);
	else if (t->sort_col + 1 < ncols)
		table_sort_by(t, t->sort_col + 1, false);
	else
		table_sort_by(t, -1, false);
}

bool table_click(struct table *t, int y)
{
	int i = t->top + (y - t->body_y);
	if (y < t->body_y || i < 0 || i >= t->nview || y - t->body_y >= t->page)
		return false;
	t->sel = i;
	return true;
}

void table_scroll_cols(struct table *t, int delta)
{
	int ncols;
	table_columns(t, &ncols);
	int off = t->col_off + delta;
	if (off < 0 || off >= ncols - 1)
		return; /* the last column always stays */
	t->col_off = off;
}

void table_position(const struct table *t, char *out, size_t n)
{
	char a[32], b[32];
	fmt_count(a, sizeof a, t->nview ? t->sel + 1 : 0);
	fmt_count(b, sizeof b, t->nview);
	snprintf(out, n, "%s/%s", a, b);
}

/* The natural width of each column: its header and the visible rows
 * [first, last), clamped to [min, max]; 0 for columns scrolled out with `>`. */
static void natural_widths(struct table *t, const struct column *cols, int ncols, int *w, int first,
			   int last)
{
	struct cell c;
	for (int i = 0; i < ncols; i++) {
		if (i < t->col_off) {
			w[i] = 0; /* scrolled out of view with `>` */
			continue;
		}
		/* the sort column's header carries ▲ or ▼ */
		int nat = san_width(cols[i].title) + (i == t->sort_col);
		for (int v = first; v < last; v++) {
			c.text[0] = '\0';
			t->v->ops->cell(t->v, t->view[v], i, &c);
			int cw = san_width(c.text);
			if (cw > nat)
				nat = cw;
		}
		if (nat < cols[i].min)
			nat = cols[i].min;
		if (cols[i].max && nat > cols[i].max)
			nat = cols[i].max;
		w[i] = nat;
	}
}

/* The width the shown columns take with their gaps; *flex is set to the
 * last shown flexible (max == 0) column, or -1. */
static int shown_width(const struct column *cols, int ncols, const int *w, int gap, int *flex)
{
	int total = 0, shown = 0;
	*flex = -1;
	for (int i = 0; i < ncols; i++)
		if (w[i] > 0) {
			total += w[i];
			shown++;
			if (!cols[i].max)
				*flex = i;
		}
	return total + (shown ? (shown - 1) * gap : 0);
}

/* One step of making excess columns' worth of room: first the flexible
 * column gives up its slack, then whole columns drop in `drop` order, then
 * the widest shrinks to its minimum. Returns false when nothing is left to
 * give (the last column is then clipped). */
static bool shrink_once(const struct column *cols, int ncols, int *w, int excess)
{
	int flexcol = -1;
	for (int i = 0; i < ncols; i++)
		if (w[i] > cols[i].min && !cols[i].max)
			flexcol = i;
	if (flexcol >= 0) {
		int can = w[flexcol] - cols[flexcol].min;
		w[flexcol] -= excess < can ? excess : can;
		return true;
	}
	int drop = -1;
	for (int i = 0; i < ncols; i++)
		if (w[i] > 0 && cols[i].drop > 0 && (drop < 0 || cols[i].drop > cols[drop].drop))
			drop = i;
	if (drop >= 0) {
		w[drop] = 0;
		return true;
	}
	int widest = -1;
	for (int i = 0; i < ncols; i++)
		if (w[i] > cols[i].min &&
		    (widest < 0 || w[i] - cols[i].min > w[widest] - cols[widest].min))
			widest = i;
	if (widest >= 0) {
		int can = w[widest] - cols[widest].min;
		w[widest] -= excess < can ? excess : can;
		return true;
	}
	/* Nothing left to give: clip the last column. */
	for (int i = ncols - 1; i >= 0; i--)
		if (w[i] > 0) {
			w[i] = MLC_MAX(1, w[i] - excess);
			break;
		}
	return false;
}

/* Fits columns into width: natural widths from the header and the visible
 * rows, clamped to [min, max]; shrink flexible ones, then drop the
 * highest-numbered `drop` columns until everything fits; what is left over
 * goes to the flexible (max == 0) column. */
static void fit_columns(struct table *t, const struct column *cols, int ncols, int width, int *w,
			int first, int last, int gap)
{
	natural_widths(t, cols, ncols, w, first, last);
	int flex, total;
	while ((total = shown_width(cols, ncols, w, gap, &flex)) > width)
		if (!shrink_once(cols, ncols, w, total - width))
			break;
	total = shown_width(cols, ncols, w, gap, &flex);
	if (flex >= 0 && total < width)
		w[flex] += width - total;
}

/* The column titles, the sort mark, and the ‹ › marks of hidden columns. */
static void draw_header(struct table *t, const struct canvas *cv, const struct column *cols,
			int ncols, const int *w, int gap)
{
	canvas_fill_row(cv, 0, 0, ROLE_COLHEAD);
	int x = 1;
	for (int i = 0; i < ncols; i++) {
		if (!w[i])
			continue;
		char title[96];
		snprintf(title, sizeof title, "%s%s", cols[i].title,
			 t->sort_col == i ? glyph(t->sort_desc ? G_SORT_DOWN : G_SORT_UP) : "");
		int tw = san_width(title);
		if (cols[i].align == ALIGN_RIGHT && tw > w[i])
			/* a full-width title's ▲ spills into the gap, never left */
			canvas_text(cv, 0, x, title, ROLE_COLHEAD, w[i] + gap);
		else if (cols[i].align == ALIGN_RIGHT)
			canvas_text_right(cv, 0, x + w[i], title, ROLE_COLHEAD);
		else
			canvas_text(cv, 0, x, title, ROLE_COLHEAD, w[i]);
		x += w[i] + gap;
	}
	if (t->cut_left)
		canvas_text(cv, 0, 0, glyph(G_MORE_LEFT), ROLE_MARK, 1);
	if (t->cut_right)
		canvas_text(cv, 0, cv->w - 1, glyph(G_MORE_RIGHT), ROLE_MARK, 1);
}

static void draw_empty(struct table *t, const struct canvas *cv)
{
	char msg[256] = "";
	if (t->filter[0])
		snprintf(msg, sizeof msg, "no match for /%s", t->filter);
	else if (t->v->ops->empty_text)
		t->v->ops->empty_text(t->v, msg, sizeof msg);
	if (!msg[0])
		strlcpy_m(msg, "nothing here", sizeof msg);
	char *safe = san_str(msg);
	canvas_text(cv, 2, 2, safe, ROLE_DIM, 0);
	free(safe);
}

static void draw_rows(struct table *t, const struct canvas *cv, const struct column *cols,
		      int ncols, const int *w, int gap, int first, int last)
{
	int x;
	struct cell c;
	for (int v = first; v < last; v++) {
		int y = 1 + v - first;
		bool sel = v == t->sel;
		canvas_fill_row(cv, y, 0, sel ? ROLE_SEL : ROLE_NORMAL);
		x = 1;
		for (int i = 0; i < ncols; i++) {
			if (!w[i])
				continue;
			c.text[0] = '\0';
			c.role = ROLE_NORMAL;
			t->v->ops->cell(t->v, t->view[v], i, &c);
			enum role role = sel ? ROLE_SEL : c.role;
			int tw = san_width(c.text);
			if (tw > w[i] && w[i] > 1) {
				/* Too wide: cut on a character boundary and say so. */
				int used = canvas_text(cv, y, x, c.text, role, w[i] - 1);
				canvas_text(cv, y, x + used, glyph(G_ELLIPSIS), role, 1);
			} else if (cols[i].align == ALIGN_RIGHT) {
				canvas_text_right(cv, y, x + w[i], c.text, role);
			} else {
				canvas_text(cv, y, x, c.text, role, w[i]);
			}
			x += w[i] + gap;
		}
	}
}

void table_draw(struct table *t, const struct canvas *cv)
{
	table_sync(t);
	int ncols;
	const struct column *cols = table_columns(t, &ncols);
	canvas_clear(cv, ROLE_NORMAL);
	t->page = cv->h - 1;
	t->body_y = cv->y + 1;
	if (t->page < 1)
		return;
	if (t->sel < t->top)
		t->top = t->sel;
	if (t->sel >= t->top + t->page)
		t->top = t->sel - t->page + 1;
	if (t->top > t->nview - t->page)
		t->top = MLC_MAX(0, t->nview - t->page);
	int first = t->top, last = MLC_MIN(t->nview, t->top + t->page);
	int w[32];
	if (ncols > 32)
		ncols = 32;
	int gap = cv->w >= 100 ? 2 : 1;
	if (t->col_off >= ncols)
		t->col_off = 0;
	fit_columns(t, cols, ncols, cv->w - 1, w, first, last, gap);
	/* Say what the width hides: ‹ at the left edge when `>` scrolled
	 * columns out, › at the right edge when some were dropped. */
	t->cut_left = t->col_off > 0;
	t->cut_right = false;
	for (int i = t->col_off; i < ncols; i++)
		if (!w[i])
			t->cut_right = true;

	draw_header(t, cv, cols, ncols, w, gap);
	if (t->nview == 0)
		draw_empty(t, cv);
	else
		draw_rows(t, cv, cols, ncols, w, gap, first, last);
}
