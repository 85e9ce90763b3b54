/* tui/table.h — the one list widget: a filtered, sorted view of a panel's
 * rows with selection and virtual scrolling (only visible rows are asked
 * for cells while drawing), column fitting that shrinks and then drops the
 * least important columns on narrow screens, and placeholders. */
#ifndef MLC_TABLE_H
#define MLC_TABLE_H

#include <stdbool.h>

#include "canvas.h"
#include "panel.h"

struct view;

struct table {
	struct view *v; /* whose rows and cells it shows */
	int *view;	/* model rows in view order */
	int nview, cap;
	int sel;    /* index into view */
	int top;    /* first visible view index */
	int page;   /* visible rows at the last draw */
	int body_y; /* screen row of the first data row at the last draw */
	char filter[128];
	int sort_col; /* -1: model order */
	bool sort_desc;
	unsigned long gen_seen;
	int nrows_seen;
	bool stale_view;
	int restore_row; /* model row to select at the next sync, or -1 */
	int col_off;	 /* leading columns scrolled out of view (`>`), 0: none */
	bool cut_left;	 /* at the last draw: columns hidden left of the first shown */
	bool cut_right;	 /* at the last draw: columns dropped for width */
};

void table_init(struct table *t, struct view *v);
void table_free(struct table *t);
/* Rebuilds the view if the panel changed (generation or row count) or the
 * filter/sort changed. Keeps the selected model row selected if it still is
 * in view. */
void table_sync(struct table *t);
void table_draw(struct table *t, const struct canvas *cv);

void table_move(struct table *t, int delta);
void table_home(struct table *t);
void table_end(struct table *t);
void table_set_filter(struct table *t, const char *f);
/* Sorts by the next visible column (s), toggling direction on wrap. */
void table_sort_next(struct table *t);
void table_sort_by(struct table *t, int col, bool desc);
/* The selected model row, or -1. */
int table_selected(const struct table *t);
/* Selects the row drawn at screen row y (mouse); false if none there. */
bool table_click(struct table *t, int y);
/* Scrolls the columns: `>` hides one more leading column so that dropped
 * ones come into view, `<` brings one back. */
void table_scroll_cols(struct table *t, int delta);
/* "42/1,204" */
void table_position(const struct table *t, char *out, size_t n);

#endif
