/* panels/flows_log.c — loading a run's log (`l`): Prefect's logs/filter
 * of a flow run, paged 200 lines at a time by timestamp, oldest first, with
 * the numeric levels named; Airflow's log of one try of a task instance as
 * text (Airflow 3: its entries as lines), levels read from the lines. The
 * view keeps a bounded window of the newest LOG_WINDOW lines (what was
 * dropped is said beside the breadcrumb). Following (F) asks again every
 * FOLLOW_MS: Prefect for the lines after the newest held, Airflow for the
 * log, of which the lines past those consumed are new. State: struct
 * fl_log (flows_log.h), the view's priv; the view is in flows_logview.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flows_log.h"
#include "lib/core/isotime.h"
#include "lib/core/loop.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "tui/app.h"

#define FOLLOW_MS 2000

static void lines_free(struct fl_log *l)
{
	for (int i = 0; i < l->n; i++)
		free(fl_log_line(l, i)->text);
	free(l->lines);
	l->lines = NULL;
	l->n = 0;
	l->head = 0;
	l->dropped = 0;
}

/* Appends one line; past the window the oldest is dropped (a ring: the
 * cost of a line does not grow with the window). */
static void push_line(struct fl_log *l, int64_t ts, int level, const char *s, size_t len)
{
	if (!l->lines)
		l->lines = xcalloc(LOG_WINDOW, sizeof *l->lines);
	struct lline ln = {ts, level, xstrndup(s, len)};
	if (l->n == LOG_WINDOW) {
		free(l->lines[l->head].text);
		l->lines[l->head] = ln;
		l->head = (l->head + 1) % LOG_WINDOW;
		l->dropped++;
		return;
	}
	l->lines[(l->head + l->n++) % LOG_WINDOW] = ln;
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

/* Keeps the newest line selected while following. */
static void changed(struct fl_log *l, bool grew)
{
	l->gen++;
	if (grew && l->follow && l->v)
		view_select_row(l->v, l->n - 1);
	app_dirty();
}

/* A page of lines from last_ts on: those at last_ts already held are
 * skipped; a full page asks for the next one. */
static void prefect_done(void *res, const struct mlc_err *err, void *arg)
{
	struct fl_log *l = arg;
	l->req = NULL;
	int before = l->n;
	long dropped = l->dropped;
	bool more = false;
	if (err) {
		snprintf(l->err, sizeof l->err, "%s", err->msg);
	} else {
		const struct prefect_logs *pg = res;
		int skip = l->at_last;
		size_t added = 0;
		for (size_t i = 0; i < pg->n; i++) {
			const struct prefect_log *g = &pg->items[i];
			if (g->ts_ms == l->last_ts && skip > 0) {
				skip--;
				continue;
			}
			push_text(l, g->ts_ms, g->level, g->message, NULL);
			l->at_last = g->ts_ms == l->last_ts ? l->at_last + 1 : 1;
			l->last_ts = g->ts_ms;
			added++;
		}
		l->err[0] = '\0';
		more = pg->n == LOG_PAGE && added;
	}
	changed(l, l->n != before || l->dropped != dropped);
	if (more)
		prefect_page(l);
}

static void prefect_page(struct fl_log *l)
{
	l->req = prefectc_logs(&l->f->pc, l->run_id, l->last_ts, LOG_PAGE, prefect_done, l);
}

/* The text past its first `lines` lines (those already consumed). */
static const char *past_lines(const char *text, long lines)
{
	const char *p = text;
	for (long i = 0; i < lines && *p; i++) {
		const char *nl = strchr(p, '\n');
		p = nl ? nl + 1 : p + strlen(p);
	}
	return p;
}

static long count_lines(const char *text)
{
	long n = 0;
	for (const char *p = text; *p; p++)
		n += *p == '\n';
	return n + (*text && text[strlen(text) - 1] != '\n');
}

static void airflow_done(void *res, const struct mlc_err *err, void *arg)
{
	struct fl_log *l = arg;
	l->areq = NULL;
	int before = l->n;
	long dropped = l->dropped;
	if (err) {
		snprintf(l->err, sizeof l->err, "%s", err->msg);
	} else {
		const struct airflow_text *x = res;
		/* after a continuation token every line is new; else the lines
		 * past those consumed are */
		const char *rest = l->token ? x->text : past_lines(x->text, l->consumed);
		if (*rest)
			push_text(l, 0, 0, rest, airflow_level);
		l->consumed = l->token ? l->consumed + count_lines(x->text) : count_lines(x->text);
		if (x->token) {
			free(l->token);
			l->token = xstrdup(x->token);
		}
		l->err[0] = '\0';
	}
	changed(l, l->n != before || l->dropped != dropped);
}

/* One more look for new lines (unless one is in flight). */
static void poll_once(struct fl_log *l)
{
	if (l->req || l->areq)
		return;
	if (l->be == FB_PREFECT && l->f->have_pc)
		prefect_page(l);
	else if (l->be == FB_AIRFLOW && l->f->have_ac)
		l->areq = airflowc_log_after(&l->f->ac, l->dag_id, l->run_id, l->task_id,
					     l->try_number, l->token, airflow_done, l);
}

void fl_log_load(struct fl_log *l)
{
	apireq_cancel(l->req);
	airflowc_cancel(l->areq);
	l->req = NULL;
	l->areq = NULL;
	lines_free(l);
	l->last_ts = 0;
	l->at_last = 0;
	l->consumed = 0;
	free(l->token);
	l->token = NULL;
	l->err[0] = '\0';
	poll_once(l);
	l->gen++;
}

static void on_timer(uv_timer_t *t)
{
	poll_once(t->data);
}

void fl_log_follow(struct fl_log *l, bool on)
{
	l->follow = on;
	if (!on) {
		if (l->timer)
			uv_timer_stop(l->timer);
		return;
	}
	if (!l->timer) {
		l->timer = xcalloc(1, sizeof *l->timer);
		uv_timer_init(loop_get(), l->timer);
		l->timer->data = l;
	}
	uv_timer_start(l->timer, on_timer, FOLLOW_MS, FOLLOW_MS);
	if (l->v && l->n)
		view_select_row(l->v, l->n - 1);
	poll_once(l);
}

static void free_handle(uv_handle_t *h)
{
	free(h);
}

void fl_log_free(struct fl_log *l)
{
	apireq_cancel(l->req);
	airflowc_cancel(l->areq);
	if (l->timer) {
		uv_timer_stop(l->timer);
		uv_close((uv_handle_t *)l->timer, free_handle);
	}
	lines_free(l);
	free(l->run_id);
	free(l->dag_id);
	free(l->task_id);
	free(l->title);
	free(l->search);
	free(l->token);
	free(l);
}

static void push(struct flows *f, struct fl_log *l)
{
	l->f = f;
	if (!(l->v = view_push(f->p, &fl_log_view, l))) {
		fl_log_free(l);
		return;
	}
	fl_log_load(l);
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
