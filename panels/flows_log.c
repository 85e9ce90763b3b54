/* panels/flows_log.c — a run's log (`l`): Prefect's logs/filter of a flow
 * run, paged in 200 lines at a time, oldest first, with the numeric levels
 * named and coloured; Airflow's log of one try of a task instance as text,
 * levels read from the lines. The view keeps a bounded window of the
 * newest LOG_WINDOW lines (what was dropped is said beside the
 * breadcrumb). `/` filters like every list. State: struct fl_log, the
 * view's priv; its request is cancelled when it closes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flows.h"
#include "lib/core/isotime.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "tui/app.h"

#define LOG_WINDOW 5000
#define LOG_PAGE   200

struct lline {
	int64_t ts_ms;
	int level; /* Python's: 10 DEBUG … 50 CRITICAL; 0 unknown */
	char *text;
};

struct fl_log {
	struct flows *f;
	enum fl_backend be;
	char *run_id, *dag_id, *task_id, *title;
	int try_number;
	struct apireq *req;
	struct airflowc_req *areq;
	int offset; /* Prefect: the next page */
	struct lline *lines;
	int n;
	long dropped;
	char err[256];
	unsigned long gen;
};

static struct fl_log *lg_of(struct view *v)
{
	return v->priv;
}

static void lines_free(struct fl_log *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->lines[i].text);
	free(l->lines);
	l->lines = NULL;
	l->n = 0;
	l->dropped = 0;
}

/* Appends one line, dropping the oldest past the window. */
static void push_line(struct fl_log *l, int64_t ts, int level, const char *s, size_t len)
{
	if (l->n == LOG_WINDOW) {
		free(l->lines[0].text);
		memmove(l->lines, l->lines + 1, (size_t)(l->n - 1) * sizeof *l->lines);
		l->n--;
		l->dropped++;
	}
	if (!l->lines)
		l->lines = xcalloc(LOG_WINDOW, sizeof *l->lines);
	l->lines[l->n++] = (struct lline){ts, level, xstrndup(s, len)};
}

/* Each line of text (a message may hold several) as rows. With lv (a text
 * log), each line's level is read from it, a line without one (a
 * traceback) taking the level of the line before, and a leading
 * "[2024-01-29T03:24:41.002+0000] " becomes the line's time. */
static void push_text(struct fl_log *l, int64_t ts, int level, const char *text,
		      int (*lv)(const char *, size_t))
{
	const char *p = text ? text : "";
	int prev = 0;
	do {
		size_t len = strcspn(p, "\n");
		const char *s = p;
		if (lv) {
			int own = lv(p, len);
			level = own ? own : prev;
			prev = level;
			size_t close = *p == '[' ? strcspn(p, "]\n") : 0;
			char stamp[40];
			if (close > 1 && close < sizeof stamp && p[close] == ']') {
				snprintf(stamp, sizeof stamp, "%.*s", (int)close - 1, p + 1);
				if ((ts = iso_time_ms(stamp)) != 0)
					s = p + close + 1 + (p[close + 1] == ' ');
			} else {
				ts = 0;
			}
		}
		push_line(l, ts, level, s, len - (size_t)(s - p));
		p += len;
	} while (*p++ && *p);
}

/* An Airflow line's level: "[…] {file.py:12} ERROR - …". */
static int airflow_level(const char *s, size_t len)
{
	static const struct {
		const char *w;
		int lv;
	} names[] = {{"} CRITICAL - ", 50},
		     {"} ERROR - ", 40},
		     {"} WARNING - ", 30},
		     {"} INFO - ", 20},
		     {"} DEBUG - ", 10}};
	char buf[256];
	snprintf(buf, sizeof buf, "%.*s", (int)MLC_MIN(len, sizeof buf - 1), s);
	for (size_t i = 0; i < ARRAY_LEN(names); i++)
		if (strstr(buf, names[i].w))
			return names[i].lv;
	return 0;
}

static void prefect_page(struct fl_log *l);

static void prefect_done(void *res, const struct mlc_err *err, void *arg)
{
	struct fl_log *l = arg;
	l->req = NULL;
	if (err) {
		snprintf(l->err, sizeof l->err, "%s", err->msg);
	} else {
		const struct prefect_logs *pg = res;
		for (size_t i = 0; i < pg->n; i++)
			push_text(l, pg->items[i].ts_ms, pg->items[i].level, pg->items[i].message,
				  NULL);
		l->offset += (int)pg->n;
		if (pg->n == LOG_PAGE)
			prefect_page(l);
	}
	l->gen++;
	app_dirty();
}

static void prefect_page(struct fl_log *l)
{
	l->req = prefectc_logs(&l->f->pc, l->run_id, LOG_PAGE, l->offset, prefect_done, l);
}

static void airflow_done(void *res, const struct mlc_err *err, void *arg)
{
	struct fl_log *l = arg;
	l->areq = NULL;
	if (err)
		snprintf(l->err, sizeof l->err, "%s", err->msg);
	else
		push_text(l, 0, 0, ((struct airflow_text *)res)->text, airflow_level);
	l->gen++;
	app_dirty();
}

static void load(struct fl_log *l)
{
	apireq_cancel(l->req);
	airflowc_cancel(l->areq);
	airflowc_cancel(l->areq);
	l->req = NULL;
	l->areq = NULL;
	lines_free(l);
	l->offset = 0;
	l->err[0] = '\0';
	if (l->be == FB_PREFECT && l->f->have_pc)
		prefect_page(l);
	else if (l->be == FB_AIRFLOW && l->f->have_ac)
		l->areq = airflowc_log(&l->f->ac, l->dag_id, l->run_id, l->task_id, l->try_number,
				       airflow_done, l);
	l->gen++;
}

static void push(struct flows *f, struct fl_log *l)
{
	l->f = f;
	if (!view_push(f->p, &fl_log_view, l)) {
		free(l->run_id);
		free(l->dag_id);
		free(l->task_id);
		free(l->title);
		free(l);
		return;
	}
	load(l);
}

void fl_log_push_prefect(struct flows *f, const struct fl_run *r)
{
	struct fl_log *l = xcalloc(1, sizeof *l);
	l->be = FB_PREFECT;
	l->run_id = xstrdup(r->id);
	l->title = xasprintf("log of %s", r->name ? r->name : r->id);
	push(f, l);
}

void fl_log_push_airflow(struct flows *f, const char *dag_id, const char *run_id,
			 const char *task_id, int try_number)
{
	struct fl_log *l = xcalloc(1, sizeof *l);
	l->be = FB_AIRFLOW;
	l->dag_id = xstrdup(dag_id);
	l->run_id = xstrdup(run_id);
	l->task_id = xstrdup(task_id);
	l->try_number = try_number;
	l->title = xasprintf("log of %s try %d", task_id, try_number);
	push(f, l);
}

/* ---- the view --------------------------------------------------------------- */

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

static void lv_cell(struct view *v, int row, int col, struct cell *out)
{
	struct fl_log *l = lg_of(v);
	fl_cell(out, NULL, ROLE_NORMAL);
	if (row < 0 || row >= l->n)
		return;
	const struct lline *ln = &l->lines[row];
	char t[32] = "";
	if (col == L_TIME && ln->ts_ms > 0) {
		time_t s = (time_t)(ln->ts_ms / 1000);
		struct tm tm;
		gmtime_r(&s, &tm);
		size_t k = strftime(t, sizeof t, "%H:%M:%S", &tm);
		snprintf(t + k, sizeof t - k, ".%03d", (int)(ln->ts_ms % 1000));
	}
	if (col == L_TIME)
		fl_cell(out, t[0] ? t : NULL, ROLE_DIM);
	else if (col == L_LEVEL)
		fl_cell(out, level_name(ln->level), level_role(ln->level));
	else {
		fl_cell(out, ln->text, level_role(ln->level));
		if (!ln->text[0])
			out->text[0] = '\0';
	}
}

static void lv_status(struct view *v, char *out, size_t n)
{
	struct fl_log *l = lg_of(v);
	snprintf(out, n, "%d lines%s", l->n, l->req || l->areq ? "  loading…" : "");
	if (l->dropped) {
		size_t k = strlen(out);
		snprintf(out + k, n - k, " (the %ld before them dropped: window %d)", l->dropped,
			 LOG_WINDOW);
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
		san_into(out, n, l->lines[row].text, strlen(l->lines[row].text));
}

static void lv_reload(struct view *v)
{
	load(lg_of(v));
}

static void lv_close(struct view *v)
{
	struct fl_log *l = lg_of(v);
	apireq_cancel(l->req);
	airflowc_cancel(l->areq);
	lines_free(l);
	free(l->run_id);
	free(l->dag_id);
	free(l->task_id);
	free(l->title);
	free(l);
}

static const struct view_action log_actions[] = {
    {"filter", "/", "search", NULL, 0, NULL},
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
    .reload = lv_reload,
    .status = lv_status,
    .close = lv_close,
    .actions = log_actions,
    .nactions = ARRAY_LEN(log_actions),
};
