/* panels/flows_load.c — the runs of both backends: Prefect's
 * flow_runs/filter pages of 200, each joined to its flows' names with one
 * flows/filter; Airflow's dagRuns pages of 100 up to total_entries; at most
 * MAX_RUNS of each, the newest. A backend's first load shows its pages as
 * they come; a reload replaces its list whole when its last page came, so a
 * failure keeps the last good one (and says why on the detail line);
 * fl_rebuild merges them into the view's rows. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flows.h"
#include "lib/core/log.h"
#include "lib/core/loop.h"
#include "lib/core/util.h"
#include "tui/app.h"

#define MAX_RUNS 1000 /* per backend: the newest ones */

/* ---- the rows: both backends, newest first, filtered ------------------------ */

int64_t fl_run_when(const struct fl_run *r)
{
	return r->start_ms ? r->start_ms : r->expected_ms;
}

static const struct flows *sort_f;
static int by_when_desc(const void *a, const void *b)
{
	int64_t x = fl_run_when(fl_run_at(sort_f, *(const int *)a));
	int64_t y = fl_run_when(fl_run_at(sort_f, *(const int *)b));
	return x < y ? 1 : x > y ? -1 : *(const int *)a - *(const int *)b;
}

static bool passes(enum fl_filter ff, const struct fl_run *r)
{
	switch (ff) {
	case FF_FAILED:
		return r->cls == FC_FAILED;
	case FF_LATE:
		return r->cls == FC_LATE;
	case FF_RUNNING:
		return r->cls == FC_RUNNING;
	default:
		return true;
	}
}

void fl_rebuild(struct flows *f)
{
	fl_rebuild_quiet(f);
	fl_bump(f);
}

void fl_rebuild_quiet(struct flows *f)
{
	size_t total = f->npr + f->nar;
	free(f->rows);
	f->rows = xcalloc(total ? total : 1, sizeof *f->rows);
	f->nrows = 0;
	for (size_t i = 0; i < total; i++)
		if (passes(f->filter, fl_run_at(f, (int)i)))
			f->rows[f->nrows++] = (int)i;
	sort_f = f;
	qsort(f->rows, (size_t)f->nrows, sizeof *f->rows, by_when_desc);
	struct view *v = view_at(f->p, 0);
	for (int i = 0; v && f->keep_id[0] && i < f->nrows; i++) {
		const struct fl_run *r = fl_run_at(f, f->rows[i]);
		if (r->be == f->keep_be && r->id && !strcmp(r->id, f->keep_id)) {
			view_select_row(v, i);
			break;
		}
	}
	f->gen++; /* the table syncs at its next draw */
}

void fl_remember_selection(struct flows *f)
{
	struct view *v = view_at(f->p, 0);
	int row = v ? table_selected(&v->table) : -1;
	const struct fl_run *r = row >= 0 && row < f->nrows ? fl_run_at(f, f->rows[row]) : NULL;
	snprintf(f->keep_id, sizeof f->keep_id, "%s", r && r->id ? r->id : "");
	f->keep_be = r ? r->be : FB_PREFECT;
}

static bool busy(const struct flows *f)
{
	return f->p_req || f->a_req || f->p_flows_req || f->p_deps_req || f->w_req || f->aw_req;
}

static void on_refresh(uv_timer_t *t)
{
	struct flows *f = t->data;
	if (!busy(f) && (f->p_loaded || f->a_loaded))
		fl_load(f);
}

void fl_refresh_start(struct flows *f)
{
	long ms = 0;
	for (int be = FB_PREFECT; be <= FB_AIRFLOW; be++) {
		const struct target *t = fl_target((enum fl_backend)be);
		if (t && t->refresh_ms > 0 && (!ms || t->refresh_ms < ms))
			ms = t->refresh_ms;
	}
	f->refresh_ms = ms >= 1000 ? ms : 10000;
	f->timer = xcalloc(1, sizeof *f->timer);
	uv_timer_init(loop_get(), f->timer);
	f->timer->data = f;
	uv_timer_start(f->timer, on_refresh, (uint64_t)f->refresh_ms, (uint64_t)f->refresh_ms);
}

static void free_handle(uv_handle_t *h)
{
	free(h);
}

void fl_refresh_stop(struct flows *f)
{
	if (!f->timer)
		return;
	uv_timer_stop(f->timer);
	uv_close((uv_handle_t *)f->timer, free_handle);
	f->timer = NULL;
}

/* ---- the load's clock (debug log): what the panel itself spends ------------- */

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void clk_start(struct fl_clock *k)
{
	*k = (struct fl_clock){.t0_us = now_us()};
}

/* A page handled: the time since w0 is the panel's own. */
static void clk_page(struct fl_clock *k, int64_t w0)
{
	k->pages++;
	k->work_us += now_us() - w0;
}

static void clk_log(const struct fl_clock *k, enum fl_backend be, size_t runs)
{
	log_debug("flows: %s: %zu runs in %d pages, %.1f ms from the first request; "
		  "the panel's own work on them %.2f ms",
		  fl_backend_name(be), runs, k->pages, (now_us() - k->t0_us) / 1000.0,
		  k->work_us / 1000.0);
}

/* ---- a backend's list and the pages that make the next one ------------------ */

/* A page came: on a first load (nothing shown yet) the list is the pages
 * so far, at once (the first rows drawn now, not at the next frame; the
 * pages after them, which add rows below the screen and to the counts,
 * redraw it at most every SHOW_MS until the last page, drawn at once: the
 * CPU goes to the load); a reload shows the old list until its last page. */
#define SHOW_MS 250
static void show_pages(struct flows *f, struct fl_run **list, size_t *n, bool *partial,
		       struct fl_run *acc, size_t nacc, bool loaded)
{
	if (loaded)
		return;
	bool first = !f->nrows;
	*list = acc;
	*n = nacc;
	*partial = true;
	fl_rebuild_quiet(f);
	int64_t now = mono_ms();
	if (first || now - f->shown_ms >= SHOW_MS) {
		f->shown_ms = now;
		fl_bump_now(f);
	}
}

/* The last page came: the pages become the list. */
static void take_pages(struct flows *f, struct fl_run **list, size_t *n, bool *partial,
		       struct fl_run **acc, size_t *nacc)
{
	fl_remember_selection(f);
	if (*partial)
		*partial = false; /* *list is *acc */
	else
		fl_runs_free(list, n);
	*list = *acc;
	*n = *nacc;
	*acc = NULL;
	*nacc = 0;
}

/* A page failed or a reload starts: the pages go, and the list with them
 * when it was the pages. */
static void drop_pages(struct flows *f, struct fl_run **list, size_t *n, bool *partial,
		       struct fl_run **acc, size_t *nacc)
{
	bool was = *partial;
	if (was) {
		*list = NULL;
		*n = 0;
		*partial = false;
	}
	fl_runs_free(acc, nacc);
	if (was)
		fl_rebuild(f);
}

/* ---- Prefect: pages of runs, each joined to its flows' names ---------------- */

static void p_next(struct flows *f);

static void p_failed(struct flows *f, const struct mlc_err *err)
{
	snprintf(f->p_err, sizeof f->p_err, "%s", err->msg);
	drop_pages(f, &f->pr, &f->npr, &f->p_partial, &f->p_acc, &f->np_acc);
	fl_bump(f);
}

static void p_finish(struct flows *f)
{
	take_pages(f, &f->pr, &f->npr, &f->p_partial, &f->p_acc, &f->np_acc);
	f->p_loaded = true;
	f->p_err[0] = '\0';
	fl_rebuild(f);
	fl_bump_now(f);
}

/* Both joins of a page came (or failed: the ids stand in, the client
 * logged why): then the next page, or the end. */
static void p_joined(struct flows *f)
{
	if (f->p_flows_req || f->p_deps_req)
		return;
	int64_t w0 = now_us();
	for (size_t i = (size_t)f->p_offset; i < f->np_acc; i++) {
		struct fl_run *r = &f->p_acc[i];
		if (!r->flow && r->flow_id)
			r->flow = xasprintf("flow %.8s", r->flow_id);
		if (!r->deployment && r->dep_id)
			r->deployment = xasprintf("deployment %.8s", r->dep_id);
	}
	size_t got = f->np_acc - (size_t)f->p_offset;
	f->p_offset = (int)f->np_acc;
	if (got == 200 && f->np_acc < MAX_RUNS) {
		p_next(f); /* out first: the rows are made while it travels */
		show_pages(f, &f->pr, &f->npr, &f->p_partial, f->p_acc, f->np_acc, f->p_loaded);
		clk_page(&f->p_clk, w0);
	} else {
		p_finish(f);
		clk_page(&f->p_clk, w0);
		clk_log(&f->p_clk, FB_PREFECT, f->npr);
	}
}

/* Names the runs of this page whose id (the char * at offset id_off of
 * struct fl_run) is among the answer's, in the char * at name_off. */
static void name_runs(struct flows *f, const struct prefect_flows *ans, size_t id_off,
		      size_t name_off)
{
	for (size_t i = (size_t)f->p_offset; ans && i < f->np_acc; i++) {
		char *base = (char *)&f->p_acc[i];
		const char *id = *(char **)(base + id_off);
		char **name = (char **)(base + name_off);
		for (size_t j = 0; id && j < ans->n && !*name; j++)
			if (ans->items[j].id && !strcmp(ans->items[j].id, id))
				*name = fl_dup(ans->items[j].name);
	}
}

static void p_flows_done(void *res, const struct mlc_err *err, void *arg)
{
	struct flows *f = arg;
	int64_t w0 = now_us();
	f->p_flows_req = NULL;
	name_runs(f, res, offsetof(struct fl_run, flow_id), offsetof(struct fl_run, flow));
	f->p_clk.work_us += now_us() - w0;
	p_joined(f);
}

static void p_deps_done(void *res, const struct mlc_err *err, void *arg)
{
	struct flows *f = arg;
	int64_t w0 = now_us();
	f->p_deps_req = NULL;
	name_runs(f, res, offsetof(struct fl_run, dep_id), offsetof(struct fl_run, deployment));
	f->p_clk.work_us += now_us() - w0;
	p_joined(f);
}

/* The distinct non-NULL ids at id_off of runs [from, to), borrowed. */
static size_t distinct(const struct fl_run *v, size_t from, size_t to, size_t id_off,
		       const char **out)
{
	size_t n = 0;
	for (size_t i = from; i < to; i++) {
		const char *id = *(char *const *)((const char *)&v[i] + id_off);
		bool seen = !id;
		for (size_t j = 0; j < n && !seen; j++)
			seen = !strcmp(out[j], id);
		if (!seen)
			out[n++] = id;
	}
	return n;
}

static struct fl_run from_prefect(struct prefect_run *p)
{
	struct fl_run r = {.be = FB_PREFECT, .dur_s = -1};
	r.id = p->id;
	r.name = p->name;
	r.flow_id = p->flow_id;
	r.dep_id = p->deployment_id;
	r.state = p->state_name ? p->state_name : fl_dup(p->state_type);
	r.cls = fl_prefect_class(p->state_type, p->state_name);
	r.message = p->state_message;
	r.params = p->parameters;
	r.tags = p->tags;
	r.start_ms = p->start_ms;
	r.expected_ms = p->expected_ms;
	r.end_ms = p->end_ms;
	if (p->start_ms)
		r.dur_s = p->total_run_time > 0 ? p->total_run_time : p->estimated_run_time;
	if (p->work_pool || p->work_queue)
		r.where = xasprintf("%s/%s", p->work_pool ? p->work_pool : "-",
				    p->work_queue ? p->work_queue : "-");
	/* moved: what is left is freed by the client */
	p->id = p->name = p->flow_id = p->deployment_id = p->state_message = p->parameters = NULL;
	p->tags = NULL;
	if (p->state_name)
		p->state_name = NULL;
	return r;
}

static void p_page_done(void *res, const struct mlc_err *err, void *arg)
{
	struct flows *f = arg;
	f->p_req = NULL;
	if (err) {
		p_failed(f, err);
		return;
	}
	int64_t w0 = now_us();
	struct prefect_runs *pg = res;
	f->p_acc = xrealloc(f->p_acc, (f->np_acc + pg->n + 1) * sizeof *f->p_acc);
	if (f->p_partial)
		f->pr = f->p_acc; /* shown while the joins of this page run */
	size_t from = f->np_acc;
	for (size_t i = 0; i < pg->n; i++)
		f->p_acc[f->np_acc++] = from_prefect(&pg->items[i]);
	/* One flows/filter and one deployments/filter per page, not per row. */
	const char **ids = xcalloc(pg->n + 1, sizeof *ids);
	size_t n = distinct(f->p_acc, from, f->np_acc, offsetof(struct fl_run, flow_id), ids);
	if (n)
		f->p_flows_req = prefectc_flows(&f->pc, ids, n, p_flows_done, f);
	n = distinct(f->p_acc, from, f->np_acc, offsetof(struct fl_run, dep_id), ids);
	if (n)
		f->p_deps_req = prefectc_deployments(&f->pc, ids, n, p_deps_done, f);
	free(ids);
	f->p_clk.work_us += now_us() - w0;
	p_joined(f); /* on at once when there was nothing to join */
}

static void p_next(struct flows *f)
{
	f->p_req = prefectc_runs(&f->pc, NULL, 200, f->p_offset, p_page_done, f);
}

/* ---- Airflow: pages of 100 up to total_entries ------------------------------ */

static void a_next(struct flows *f);

static void a_page_done(void *res, const struct mlc_err *err, void *arg)
{
	struct flows *f = arg;
	f->a_req = NULL;
	if (err) {
		snprintf(f->a_err, sizeof f->a_err, "%s", err->msg);
		drop_pages(f, &f->ar, &f->nar, &f->a_partial, &f->a_acc, &f->na_acc);
		fl_bump(f);
		return;
	}
	int64_t w0 = now_us();
	struct airflow_runs *pg = res;
	f->a_acc = xrealloc(f->a_acc, (f->na_acc + pg->n + 1) * sizeof *f->a_acc);
	if (f->a_partial)
		f->ar = f->a_acc;
	for (size_t i = 0; i < pg->n; i++) {
		struct airflow_run *a = &pg->items[i];
		struct fl_run r = {.be = FB_AIRFLOW, .dur_s = -1};
		r.id = a->run_id;
		r.name = xstrdup(a->run_id);
		r.flow = a->dag_id;
		r.state = a->state;
		r.cls = fl_airflow_class(a->state);
		r.where = a->run_type;
		r.params = a->conf;
		r.message = a->note;
		r.start_ms = a->start_ms;
		r.expected_ms = a->logical_ms ? a->logical_ms : a->run_after_ms;
		r.end_ms = a->end_ms;
		if (a->start_ms)
			r.dur_s = ((a->end_ms ? a->end_ms : wall_ms()) - a->start_ms) / 1000.0;
		a->run_id = a->dag_id = a->state = a->run_type = a->conf = a->note = NULL;
		f->a_acc[f->na_acc++] = r;
	}
	f->a_offset += (int)pg->n;
	if (pg->n && f->a_offset < pg->total && f->na_acc < MAX_RUNS) {
		a_next(f); /* out first: the rows are made while it travels */
		show_pages(f, &f->ar, &f->nar, &f->a_partial, f->a_acc, f->na_acc, f->a_loaded);
		clk_page(&f->a_clk, w0);
		return;
	}
	take_pages(f, &f->ar, &f->nar, &f->a_partial, &f->a_acc, &f->na_acc);
	f->a_loaded = true;
	f->a_err[0] = '\0';
	fl_rebuild(f);
	fl_bump_now(f);
	clk_page(&f->a_clk, w0);
	clk_log(&f->a_clk, FB_AIRFLOW, f->nar);
}

static void a_next(struct flows *f)
{
	f->a_req = airflowc_runs(&f->ac, 100, f->a_offset, a_page_done, f);
}

void fl_load(struct flows *f)
{
	const struct target *t;
	if ((t = fl_target(FB_PREFECT))) {
		if (!f->have_pc)
			prefectc_init(&f->pc, t);
		f->have_pc = true;
		prefectc_cancel(f->p_req);
		prefectc_cancel(f->p_flows_req);
		prefectc_cancel(f->p_deps_req);
		f->p_req = f->p_flows_req = f->p_deps_req = NULL;
		drop_pages(f, &f->pr, &f->npr, &f->p_partial, &f->p_acc, &f->np_acc);
		f->p_offset = 0;
		clk_start(&f->p_clk);
		p_next(f);
	}
	if ((t = fl_target(FB_AIRFLOW))) {
		if (!f->have_ac)
			airflowc_init(&f->ac, t);
		f->have_ac = true;
		airflowc_cancel(f->a_req);
		drop_pages(f, &f->ar, &f->nar, &f->a_partial, &f->a_acc, &f->na_acc);
		f->a_offset = 0;
		clk_start(&f->a_clk);
		a_next(f);
	}
	fl_bump(f);
}
