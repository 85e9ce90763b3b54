/* panels/flows_log.c — loading a run's log (`l`): Prefect's logs/filter
 * of a flow run, paged 200 lines at a time by timestamp, oldest first, with
 * the numeric levels named; Airflow's log of one try of a task instance as
 * text (Airflow 3: its entries as lines), levels read from the lines. The
 * view keeps a bounded window of LOG_WINDOW lines, the newest at first
 * (what was dropped is said beside the breadcrumb); scrolling up past the
 * first line pages Prefect's older lines in front (before_, newest first),
 * the newest dropped, and down past the last pages those in again. Following (F) asks again every
 * FOLLOW_MS: Prefect for the lines after the newest held, Airflow for the
 * log, of which the lines past those consumed are new. State: struct
 * fl_log (flows_log.h), the view's priv; the view is in flows_logview.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flows_log.h"
#include "lib/core/isotime.h"
#include "lib/core/log.h"
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
static void push_line(struct fl_log *l, struct lline ln)
{
	if (!l->lines)
		l->lines = xcalloc(LOG_WINDOW, sizeof *l->lines);
	if (l->n == LOG_WINDOW) {
		free(l->lines[l->head].text);
		l->lines[l->head] = ln;
		l->head = (l->head + 1) % LOG_WINDOW;
		l->dropped++;
		return;
	}
	l->lines[(l->head + l->n++) % LOG_WINDOW] = ln;
}

/* Older lines gathered before they go in front of the window. */
struct lvec {
	struct lline *v;
	int n, cap;
};

static void vec_put(struct lvec *a, struct lline ln)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 64;
		a->v = xrealloc(a->v, (size_t)a->cap * sizeof *a->v);
	}
	a->v[a->n++] = ln;
}

/* Each line of text (a message may hold several) as rows. With lv (a text
 * log), each line's level is read from it, a line without one (a
 * traceback) taking the level of the line before, and a leading
 * "[2024-01-29T03:24:41.002+0000] " becomes the line's time. */
static void push_text(struct fl_log *l, struct lvec *to, int64_t ts, int level, const char *text,
		      int (*lv)(const char *, size_t))
{
	const char *p = text ? text : "";
	int prev = 0;
	bool cont = false;
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
		struct lline ln = {ts, level, cont && !lv, xstrndup(s, len - (size_t)(s - p))};
		if (to)
			vec_put(to, ln);
		else
			push_line(l, ln);
		cont = true;
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

/* ---- a server that ignores offset ------------------------------------ */

/* Whether held line ln is the head of message m (level lv, at ts). */
static bool same_msg(const struct lline *ln, int64_t ts, int lv, const char *m)
{
	m = m ? m : "";
	size_t len = strcspn(m, "\n");
	return !ln->cont && ln->ts_ms == ts && ln->level == lv && strlen(ln->text) == len &&
	       !memcmp(ln->text, m, len);
}

/* Asked with offset `held` at time ts (the messages held there: the newest
 * ones when !older, the oldest ones when older), a server that ignores
 * offset sends those again at the head of the page (older: newest first).
 * How many of the page's first messages are those, in order: all of the
 * first min(held, n), or 0 (a server that honours offset sends the next
 * ones; only as many identical messages at one time could match). */
static size_t resent(const struct fl_log *l, const struct prefect_logs *pg, int64_t ts, int held,
		     bool older)
{
	size_t want = MLC_MIN((size_t)MLC_MAX(held, 0), pg->n);
	if (!want)
		return 0;
	int *at = xcalloc((size_t)held, sizeof *at); /* the heads at ts, oldest first */
	int k = 0;
	if (older)
		for (int i = 0; i < l->n && k < held; i++) {
			if (!fl_log_line(l, i)->cont && fl_log_line(l, i)->ts_ms == ts)
				at[k++] = i;
		}
	else
		for (int i = l->n - 1; i >= 0 && k < held; i--)
			if (!fl_log_line(l, i)->cont && fl_log_line(l, i)->ts_ms == ts)
				at[held - 1 - k++] = i;
	size_t same = 0;
	if (k == held)
		for (; same < want; same++) {
			const struct prefect_log *g = &pg->items[same];
			int i = at[older ? held - 1 - (int)same : (int)same];
			if (!same_msg(fl_log_line(l, i), ts, g->level, g->message))
				break;
		}
	free(at);
	return same == want ? same : 0;
}

/* Paging stops here: why, on the detail line and the status line. */
static void stop_paging(struct fl_log *l, const char *why, int64_t ts)
{
	char when[40];
	fl_log_time(when, sizeof when, ts);
	snprintf(l->err, sizeof l->err, "paging stopped at %s UTC: %s", when, why);
	app_message(ROLE_WARN, "%s", l->err);
	log_warn("flows: log of %s: %s", l->title ? l->title : "?", l->err);
}

/* Full pages in a row wholly at one time past which the forward paging
 * stops (the window's worth), whatever the server sends. */
#define LOG_TIE_PAGES (LOG_WINDOW / LOG_PAGE)

/* A page of lines from last_ts on, the at_last already held at last_ts
 * skipped by the server (offset; those it sends again anyway are left
 * out); a full page asks for the next one, unless it brought nothing new
 * or LOG_TIE_PAGES pages in a row were at one time. */
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
		int64_t edge = l->last_ts;
		size_t skip = resent(l, pg, edge, l->at_last, false);
		for (size_t i = skip; i < pg->n; i++) {
			const struct prefect_log *g = &pg->items[i];
			push_text(l, NULL, g->ts_ms, g->level, g->message, NULL);
			l->at_last = g->ts_ms == l->last_ts ? l->at_last + 1 : 1;
			l->last_ts = g->ts_ms;
		}
		l->err[0] = '\0';
		more = pg->n == LOG_PAGE;
		bool tie = more && pg->items[0].ts_ms == pg->items[pg->n - 1].ts_ms;
		l->tie_pages = tie && pg->items[0].ts_ms == edge ? l->tie_pages + 1 : tie;
		if (pg->n && skip == pg->n) {
			stop_paging(l, "the page repeated lines held (offset ignored?)", edge);
			more = false;
		} else if (l->tie_pages >= LOG_TIE_PAGES) {
			stop_paging(l, "a window's worth of lines in a row at one time",
				    l->last_ts);
			more = false;
		}
		if (pg->n < LOG_PAGE)
			l->cut = 0;
	}
	changed(l, l->n != before || l->dropped != dropped);
	if (more)
		prefect_page(l);
}

static void prefect_page(struct fl_log *l)
{
	l->req = prefectc_logs_page(&l->f->pc, l->run_id, l->last_ts, false, l->at_last, LOG_PAGE,
				    prefect_done, l);
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
			push_text(l, NULL, 0, 0, rest, airflow_level);
		l->consumed = l->token ? l->consumed + count_lines(x->text) : count_lines(x->text);
		if (x->token) {
			free(l->token);
			l->token = xstrdup(x->token);
		}
		l->err[0] = '\0';
	}
	changed(l, l->n != before || l->dropped != dropped);
}

/* ---- scrolling back: older pages in front, the newest dropped -------- */

/* Drops the newest line (the window is full and older lines come in). */
static void drop_newest(struct fl_log *l)
{
	struct lline *ln = fl_log_line(l, l->n - 1);
	bool cont = ln->cont;
	free(ln->text);
	l->n--;
	l->cut++;
	/* a message is held whole or not at all: the far end is asked again */
	while (cont && l->n > 0) {
		ln = fl_log_line(l, l->n - 1);
		cont = ln->cont;
		free(ln->text);
		l->n--;
		l->cut++;
	}
}

/* last_ts and at_last again from the newest messages held. */
static void recount_last(struct fl_log *l)
{
	l->at_last = 0;
	l->last_ts = l->n ? fl_log_line(l, l->n - 1)->ts_ms : 0;
	for (int i = l->n - 1; i >= 0 && fl_log_line(l, i)->ts_ms == l->last_ts; i--)
		l->at_last += !fl_log_line(l, i)->cont;
}

/* Drops the rest of a message cut at the oldest end; returns how many. */
static int trim_front(struct fl_log *l)
{
	int k = 0;
	while (l->n > 0 && fl_log_line(l, 0)->cont) {
		free(fl_log_line(l, 0)->text);
		l->head = (l->head + 1) % LOG_WINDOW;
		l->n--;
		k++;
	}
	return k;
}

/* Puts lines (oldest first) in front of the window, the newest held
 * dropped to make room; past a whole window only the page's newest go in.
 * Returns how many went in. */
static int prepend(struct fl_log *l, struct lvec *a)
{
	if (!l->lines)
		l->lines = xcalloc(LOG_WINDOW, sizeof *l->lines);
	int k = MLC_MIN(a->n, LOG_WINDOW);
	for (int i = 0; i < a->n - k; i++)
		free(a->v[i].text);
	for (int i = a->n - 1; i >= a->n - k; i--) {
		while (l->n >= LOG_WINDOW)
			drop_newest(l);
		l->head = (l->head + LOG_WINDOW - 1) % LOG_WINDOW;
		l->lines[l->head] = a->v[i];
		l->n++;
	}
	return k;
}

/* A page of older lines, newest first. */
static void older_done(void *res, const struct mlc_err *err, void *arg)
{
	struct fl_log *l = arg;
	l->oreq = NULL;
	if (err) {
		snprintf(l->err, sizeof l->err, "%s", err->msg);
		changed(l, false);
		return;
	}
	const struct prefect_logs *pg = res;
	size_t skip = resent(l, pg, l->o_ts, l->o_at, true);
	if (pg->n && skip == pg->n) {
		stop_paging(l, "the page repeated lines held (offset ignored?)", l->o_ts);
		changed(l, false);
		return;
	}
	struct lvec a = {0};
	for (size_t i = pg->n; i-- > skip;) {
		const struct prefect_log *g = &pg->items[i];
		push_text(l, &a, g->ts_ms, g->level, g->message, NULL);
	}
	int sel = l->v ? table_selected(&l->v->table) : -1;
	int gone = trim_front(l);
	long cut = l->cut;
	int added = prepend(l, &a);
	free(a.v);
	l->dropped = pg->n < LOG_PAGE ? 0 : MLC_MAX(l->dropped - added, 1);
	if (l->cut != cut) {
		recount_last(l);
		if (l->follow)
			fl_log_follow(l, false);
	}
	l->err[0] = '\0';
	app_message(ROLE_DIM, "%d older lines paged in above (window %d lines)", added, LOG_WINDOW);
	if (l->v && sel >= 0)
		view_select_row(l->v, MLC_MIN(MLC_MAX(sel - gone, 0) + added, l->n - 1));
	l->gen++;
	app_dirty();
}

void fl_log_older(struct fl_log *l)
{
	if (!l->dropped || l->oreq)
		return;
	if (l->be != FB_PREFECT || !l->f->have_pc) {
		app_message(ROLE_DIM,
			    "Airflow serves a try's log forward only: the %ld oldest lines "
			    "are not fetched again",
			    l->dropped);
		return;
	}
	int gone = trim_front(l);
	if (gone && l->v)
		view_select_row(l->v, 0);
	int64_t first = l->n ? fl_log_line(l, 0)->ts_ms : l->last_ts;
	int at = 0;
	for (int i = 0; i < l->n && fl_log_line(l, i)->ts_ms == first; i++)
		at += !fl_log_line(l, i)->cont;
	l->o_ts = first;
	l->o_at = at;
	l->oreq =
	    prefectc_logs_page(&l->f->pc, l->run_id, first, true, at, LOG_PAGE, older_done, l);
	l->gen++;
}

void fl_log_newer(struct fl_log *l)
{
	if (l->cut && !l->req && l->be == FB_PREFECT && l->f->have_pc)
		prefect_page(l);
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
	apireq_cancel(l->oreq);
	airflowc_cancel(l->areq);
	l->req = NULL;
	l->oreq = NULL;
	l->areq = NULL;
	lines_free(l);
	l->cut = 0;
	l->last_ts = 0;
	l->at_last = 0;
	l->tie_pages = 0;
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
	apireq_cancel(l->oreq);
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
