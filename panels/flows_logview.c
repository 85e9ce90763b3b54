/* panels/flows_logview.c — the log view of a run (see flows_log.h): time,
 * level and message per line, levels coloured; `F` follows (new lines
 * appended, the newest kept selected), `w` wraps long lines instead of
 * cutting them, `/` searches (the lines holding the text highlighted, `n`
 * and `N` go to the next and previous one; `:filter` still hides the
 * others), `g`/`G` go to the oldest and newest line held. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flows_log.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "tui/app.h"
#include "tui/canvas.h"

static struct fl_log *lg_of(struct view *v)
{
	return v->priv;
}

enum { L_TIME, L_LEVEL, L_TEXT, L_COUNT };
static const struct column log_cols[L_COUNT] = {
    [L_TIME] = {"TIME (UTC)", 12, 12, ALIGN_LEFT, 1, false},
    [L_LEVEL] = {"LEVEL", 8, 8, ALIGN_LEFT, 2, false},
    [L_TEXT] = {"MESSAGE", 10, 0, ALIGN_LEFT, 0, false},
};

static void lv_title(struct view *v, char *out, size_t n)
{
	const char *t = lg_of(v)->title;
	san_into(out, n, t, strlen(t));
}

static const struct column *lv_columns(struct view *v, int *n)
{
	*n = L_COUNT;
	return log_cols;
}

static int lv_nrows(struct view *v)
{
	return lg_of(v)->n;
}

static unsigned long lv_generation(struct view *v)
{
	return lg_of(v)->gen;
}

static enum role level_role(int lv)
{
	return lv >= 40 ? ROLE_ERR : lv >= 30 ? ROLE_WARN : lv >= 20 ? ROLE_NORMAL : ROLE_DIM;
}

static const char *level_name(int lv)
{
	return lv >= 50	  ? "CRITICAL"
	       : lv >= 40 ? "ERROR"
	       : lv >= 30 ? "WARNING"
	       : lv >= 20 ? "INFO"
	       : lv >= 10 ? "DEBUG"
			  : "";
}

void fl_log_time(char *t, size_t n, int64_t ms)
{
	t[0] = '\0';
	if (ms <= 0)
		return;
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&s, &tm);
	size_t k = strftime(t, n, "%H:%M:%S", &tm);
	snprintf(t + k, n - k, ".%03d", (int)(ms % 1000));
}

static bool matches(const struct fl_log *l, int row)
{
	return l->search && *l->search && strcasestr(fl_log_line(l, row)->text, l->search);
}

static void lv_cell(struct view *v, int row, int col, struct cell *out)
{
	struct fl_log *l = lg_of(v);
	fl_cell(out, NULL, ROLE_NORMAL);
	if (row < 0 || row >= l->n)
		return;
	const struct lline *ln = fl_log_line(l, row);
	char t[32];
	fl_log_time(t, sizeof t, ln->ts_ms);
	if (col == L_TIME)
		fl_cell(out, t[0] ? t : NULL, matches(l, row) ? ROLE_MARK : ROLE_DIM);
	else if (col == L_LEVEL)
		fl_cell(out, level_name(ln->level), level_role(ln->level));
	else {
		fl_cell(out, ln->text, matches(l, row) ? ROLE_MARK : level_role(ln->level));
		if (!ln->text[0])
			out->text[0] = '\0';
	}
}

/* w: each line from the first shown, wrapped to the width (the selected
 * one highlighted), instead of the table's cut rows. */
static bool lv_body(struct view *v, struct canvas *cv)
{
	struct fl_log *l = lg_of(v);
	struct table *t = &v->table;
	if (!l->wrap || !l->n)
		return false;
	table_sync(t);
	canvas_clear(cv, ROLE_NORMAL);
	if (t->sel < t->top)
		t->top = t->sel;
	int y = 0, i = t->top;
	for (; i < t->nview && y < cv->h; i++) {
		int row = t->view[i];
		const struct lline *ln = fl_log_line(l, row);
		char tm[32], *raw, *safe;
		fl_log_time(tm, sizeof tm, ln->ts_ms);
		raw =
		    xasprintf("%s%s%-8s %s", tm, tm[0] ? " " : "", level_name(ln->level), ln->text);
		safe = san_str(raw);
		enum role role = i == t->sel	   ? ROLE_SEL
				 : matches(l, row) ? ROLE_MARK
						   : level_role(ln->level);
		y += canvas_wrap(cv, y, 0, safe, role, 0);
		free(raw);
		free(safe);
	}
	t->page = MLC_MAX(1, i - t->top);
	/* the selection went below what fits: start lower next time */
	if (t->sel >= i && i > t->top)
		t->top += t->sel - i + 1;
	return true;
}

static void lv_status(struct view *v, char *out, size_t n)
{
	struct fl_log *l = lg_of(v);
	size_t k = (size_t)snprintf(out, n, "%d lines%s%s%s", l->n,
				    l->req || l->areq || l->oreq ? "  loading…" : "",
				    l->follow ? "  following" : "", l->wrap ? "  wrapped" : "");
	if (l->dropped && l->be == FB_PREFECT && k < n)
		k += (size_t)snprintf(out + k, n - k, " (older above: k)");
	else if (l->dropped && k < n)
		k += (size_t)snprintf(out + k, n - k, " (the %ld before them dropped: window %d)",
				      l->dropped, LOG_WINDOW);
	if (l->cut && k < n)
		k += (size_t)snprintf(out + k, n - k, " (newer below: j)");
	if (l->search && *l->search && k < n) {
		char safe[64];
		san_into(safe, sizeof safe, l->search, strlen(l->search));
		snprintf(out + k, n - k, "  search: %s", safe);
	}
}

static void lv_detail(struct view *v, int row, char *out, size_t n, enum role *role)
{
	struct fl_log *l = lg_of(v);
	*role = ROLE_ERR;
	if (l->err[0])
		snprintf(out, n, "%s", l->err);
}

static void lv_empty(struct view *v, char *out, size_t n)
{
	struct fl_log *l = lg_of(v);
	snprintf(out, n, "%s",
		 l->err[0]	     ? l->err
		 : l->req || l->areq ? "loading…"
				     : "no log lines");
}

static void lv_copy(struct view *v, int row, char *out, size_t n)
{
	struct fl_log *l = lg_of(v);
	if (row >= 0 && row < l->n)
		san_into(out, n, fl_log_line(l, row)->text, strlen(fl_log_line(l, row)->text));
}

static void lv_reload(struct view *v)
{
	fl_log_load(lg_of(v));
}

static void lv_close(struct view *v)
{
	fl_log_free(lg_of(v));
}

static int lv_follow(struct view *v, int row)
{
	struct fl_log *l = lg_of(v);
	fl_log_follow(l, !l->follow);
	app_message(ROLE_DIM, "%s",
		    l->follow ? "following: new lines are appended" : "not following");
	return P_REDRAW;
}

static int lv_wrap(struct view *v, int row)
{
	lg_of(v)->wrap = !lg_of(v)->wrap;
	return P_REDRAW;
}

/* The next (dir 1) or previous (-1) line in view order holding the search
 * text, from the selection; wraps around the ends. */
static int lv_find(struct view *v, int dir)
{
	struct fl_log *l = lg_of(v);
	struct table *t = &v->table;
	if (!l->search || !*l->search) {
		app_message(ROLE_WARN, "no search: / first");
		return P_HANDLED;
	}
	table_sync(t);
	for (int k = 1; k <= t->nview; k++) {
		int i = ((t->sel + dir * k) % t->nview + t->nview) % t->nview;
		if (matches(l, t->view[i])) {
			table_move(t, i - t->sel);
			return P_REDRAW;
		}
	}
	app_message(ROLE_WARN, "not found");
	return P_REDRAW;
}

static void searched(void *arg, const char *text)
{
	struct view *v = arg;
	struct fl_log *l = lg_of(v);
	if (!text)
		return;
	free(l->search);
	l->search = xstrdup(text);
	l->gen++;
	if (*text)
		lv_find(v, 1);
	app_dirty();
}

static int lv_search(struct view *v, int row)
{
	struct fl_log *l = lg_of(v);
	app_input("search: ", l->search ? l->search : "", searched, v);
	return P_REDRAW;
}

static int lv_next(struct view *v, int row)
{
	return lv_find(v, 1);
}

static int lv_prev(struct view *v, int row)
{
	return lv_find(v, -1);
}

/* Moving up from the first line pages older lines in, down from the last
 * the newer ones dropped for them (flows_log.c). */
static int up_by(struct view *v, int delta)
{
	if (v->table.sel <= 0)
		fl_log_older(lg_of(v));
	else if (delta)
		table_move(&v->table, -delta);
	else
		table_home(&v->table);
	return P_REDRAW;
}

static int down_by(struct view *v, int delta)
{
	if (v->table.sel >= v->table.nview - 1)
		fl_log_newer(lg_of(v));
	else if (delta)
		table_move(&v->table, delta);
	else
		table_end(&v->table);
	return P_REDRAW;
}

static int lv_up(struct view *v, int row)
{
	return up_by(v, 1);
}
static int lv_page_up(struct view *v, int row)
{
	return up_by(v, MLC_MAX(1, v->table.page - 1));
}
static int lv_home(struct view *v, int row)
{
	return up_by(v, 0);
}
static int lv_down(struct view *v, int row)
{
	return down_by(v, 1);
}
static int lv_page_down(struct view *v, int row)
{
	return down_by(v, MLC_MAX(1, v->table.page - 1));
}
static int lv_end(struct view *v, int row)
{
	return down_by(v, 0);
}

static const struct view_action log_actions[] = {
    {"search", "/", "search", "search the lines (highlighted; n next, N previous)", 0, lv_search},
    {"search-next", "n", NULL, "the next line with the search text", 0, lv_next},
    {"search-prev", "N", NULL, "the previous line with the search text", 0, lv_prev},
    {"follow", "F", "follow", "follow: new lines appended, the newest kept selected", 0, lv_follow},
    {"wrap", "w", "wrap", "wrap long lines instead of cutting them", 0, lv_wrap},
    {"prev", "k <Up>", NULL, NULL, 0, lv_up},
    {"page-up", "<PgUp> <C-b>", NULL, NULL, 0, lv_page_up},
    {"top", "g <Home>", NULL, "the first line; at the first line, the older lines", 0, lv_home},
    {"next", "j <Down>", NULL, NULL, 0, lv_down},
    {"page-down", "<PgDn> <C-f>", NULL, NULL, 0, lv_page_down},
    {"bottom", "G <End>", NULL, "the last line; at the last line, the newer lines", 0, lv_end},
    {"refresh", "r", "reload", NULL, 0, NULL},
};

const struct view_ops fl_log_view = {
    .name = "log",
    .title = lv_title,
    .columns = lv_columns,
    .nrows = lv_nrows,
    .cell = lv_cell,
    .generation = lv_generation,
    .detail = lv_detail,
    .empty_text = lv_empty,
    .copy_text = lv_copy,
    .body = lv_body,
    .reload = lv_reload,
    .status = lv_status,
    .close = lv_close,
    .actions = log_actions,
    .nactions = ARRAY_LEN(log_actions),
};
