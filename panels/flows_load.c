/* panels/flows_load.c — the runs of both backends: Prefect's
 * flow_runs/filter pages of 200, each joined to its flows' names with one
 * flows/filter; Airflow's dagRuns pages of 100 up to total_entries; at most
 * MAX_RUNS of each, the newest. Once the first page said there are more,
 * up to PAGES_IN_FLIGHT pages travel at once (a Prefect page's joins beside
 * the next pages), each placed at its offset: the list is the one paging
 * one at a time would make, and a page that fails fails the load (the
 * others cancelled). A backend's first load shows its pages as
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
	return fl_loading(f) || f->w_req || f->aw_req;
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
	log_debug("flows: %s: %zu runs in %d page%s, %.1f ms from the first request; "
		  "the panel's own work on them %.2f ms",
		  fl_backend_name(be), runs, k->pages, k->pages == 1 ? "" : "s",
		  (now_us() - k->t0_us) / 1000.0, k->work_us / 1000.0);
}

/* ---- a backend's list and the pages that make the next one ------------------ */

/* A page was placed: on a first load (nothing shown yet) the list is the
 * pages placed so far, at once (the first rows drawn now, not at the next frame; the
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

/* ---- a load's pages: several in flight, placed in order -------------------- */

/* Pages in flight at once, once the first page said there are more: kind
 * to the server (a few of its workers, not all of them), while real Airflow
 * (gunicorn's workers) and Prefect (uvicorn) answer requests in parallel,
 * so the load takes about a third of the round trips of one page at a time. */
#define PAGES_IN_FLIGHT 3

#define P_PAGE 200 /* Prefect's flow_runs/filter limit at most */
#define A_PAGE 100 /* Airflow's maximum_page_limit by default */

_Static_assert(MAX_RUNS / A_PAGE <= FL_PAGES_MAX && MAX_RUNS / P_PAGE <= FL_PAGES_MAX,
	       "FL_PAGES_MAX holds a load's pages");

/* A backend's fields in struct flows. */
struct be_fields {
	struct fl_run **list, **acc;
	size_t *n, *nacc;
	bool *partial, *loaded;
	char *err; /* 256 bytes */
	struct fl_clock *clk;
};

static struct be_fields fields_of(struct flows *f, enum fl_backend be)
{
	if (be == FB_PREFECT)
		return (struct be_fields){&f->pr,	 &f->p_acc,    &f->npr,	 &f->np_acc,
					  &f->p_partial, &f->p_loaded, f->p_err, &f->p_clk};
	return (struct be_fields){&f->ar,	 &f->a_acc,    &f->nar,	 &f->na_acc,
				  &f->a_partial, &f->a_loaded, f->a_err, &f->a_clk};
}

static void p_page_done(void *res, const struct mlc_err *err, void *arg);
static void a_page_done(void *res, const struct mlc_err *err, void *arg);

/* The page's requests cancelled (their callbacks never run) and its rows
 * freed. */
static void page_drop(struct fl_page *g)
{
	prefectc_cancel(g->req);
	prefectc_cancel(g->flows_req);
	prefectc_cancel(g->deps_req);
	airflowc_cancel(g->areq);
	g->req = g->flows_req = g->deps_req = NULL;
	g->areq = NULL;
	fl_runs_free(&g->runs, &g->n);
	g->in = false;
}

/* Pages [from, asked) dropped, and none from `from` on asked for. */
static void pager_cut(struct fl_pager *pp, int from)
{
	for (int i = from; i < pp->asked; i++)
		page_drop(&pp->pg[i]);
	pp->asked = MLC_MIN(pp->asked, from);
	pp->want = MLC_MIN(pp->want, from);
}

/* Asks for the next pages while fewer than PAGES_IN_FLIGHT are in flight
 * (a Prefect page whose joins are out no longer counts: its joins overlap
 * the next pages). */
static void pager_ask(struct fl_pager *pp)
{
	struct flows *f = pp->f;
	int flying = 0;
	for (int i = pp->placed; i < pp->asked; i++)
		flying += pp->pg[i].req || pp->pg[i].areq;
	for (; flying < PAGES_IN_FLIGHT && pp->asked < pp->want; flying++) {
		int i = pp->asked++;
		struct fl_page *g = &pp->pg[i];
		*g = (struct fl_page){.pp = pp};
		if (pp->be == FB_PREFECT)
			g->req = prefectc_runs(&f->pc, NULL, P_PAGE, i * P_PAGE, p_page_done, g);
		else
			g->areq = airflowc_runs(&f->ac, pp->size, i * pp->size, a_page_done, g);
	}
}

/* The pages in from `placed` on go onto the list being made, in their
 * order (a page that came early waits for the ones before it, so rows never
 * jump); true when that was the last: the pages became the backend's list.
 * Else a first load shows what is placed so far. */
static bool pager_place(struct fl_pager *pp)
{
	struct flows *f = pp->f;
	struct be_fields b = fields_of(f, pp->be);
	int before = pp->placed;
	while (pp->placed < pp->asked && pp->pg[pp->placed].in) {
		struct fl_page *g = &pp->pg[pp->placed++];
		*b.acc = xrealloc(*b.acc, (*b.nacc + g->n + 1) * sizeof **b.acc);
		if (*b.partial)
			*b.list = *b.acc; /* shown: it moved */
		if (g->n)
			memcpy(*b.acc + *b.nacc, g->runs, g->n * sizeof *g->runs);
		*b.nacc += g->n;
		free(g->runs);
		g->runs = NULL;
		g->n = 0;
	}
	if (pp->placed == pp->want) {
		take_pages(f, b.list, b.n, b.partial, b.acc, b.nacc);
		pp->want = pp->asked = pp->placed = 0;
		*b.loaded = true;
		b.err[0] = '\0';
		fl_rebuild(f);
		fl_bump_now(f);
		return true;
	}
	if (pp->placed > before)
		show_pages(f, b.list, b.n, b.partial, *b.acc, *b.nacc, *b.loaded);
	return false;
}

/* Page g is in: placed when it can be; the load logged when it ended. */
static void page_in(struct fl_page *g, int64_t w0)
{
	struct fl_pager *pp = g->pp;
	struct be_fields b = fields_of(pp->f, pp->be);
	g->in = true;
	bool done = pager_place(pp);
	clk_page(b.clk, w0);
	if (done)
		clk_log(b.clk, pp->be, *b.n);
}

/* A page failed: the load fails as a whole (the other pages cancelled). */
static void pager_failed(struct fl_pager *pp, const struct mlc_err *err)
{
	struct flows *f = pp->f;
	struct be_fields b = fields_of(f, pp->be);
	snprintf(b.err, 256, "%s", err->msg);
	pager_cut(pp, 0);
	pp->placed = 0;
	drop_pages(f, b.list, b.n, b.partial, b.acc, b.nacc);
	fl_bump(f);
}

static void pager_start(struct flows *f, struct fl_pager *pp, enum fl_backend be)
{
	struct be_fields b = fields_of(f, be);
	pager_cut(pp, 0);
	pp->f = f;
	pp->be = be;
	pp->placed = 0;
	pp->size = be == FB_PREFECT ? P_PAGE : A_PAGE;
	drop_pages(f, b.list, b.n, b.partial, b.acc, b.nacc);
	clk_start(b.clk);
	pp->want = 1;
	pager_ask(pp);
}

bool fl_loading(const struct flows *f)
{
	return f->p_pager.want || f->a_pager.want;
}

void fl_load_stop(struct flows *f)
{
	pager_cut(&f->p_pager, 0);
	pager_cut(&f->a_pager, 0);
	f->p_pager.placed = f->a_pager.placed = 0;
}

/* ---- Prefect: pages of runs, each joined to its flows' names ---------------- */

/* Both joins of page g came (or failed: the ids stand in, the client
 * logged why): the page is in. */
static void p_joined(struct fl_page *g)
{
	if (g->flows_req || g->deps_req)
		return;
	int64_t w0 = now_us();
	for (size_t i = 0; i < g->n; i++) {
		struct fl_run *r = &g->runs[i];
		if (!r->flow && r->flow_id)
			r->flow = xasprintf("flow %.8s", r->flow_id);
		if (!r->deployment && r->dep_id)
			r->deployment = xasprintf("deployment %.8s", r->dep_id);
	}
	page_in(g, w0);
}

/* Names the runs of page g whose id (the char * at offset id_off of
 * struct fl_run) is among the answer's, in the char * at name_off. */
static void name_runs(struct fl_page *g, const struct prefect_flows *ans, size_t id_off,
		      size_t name_off)
{
	for (size_t i = 0; ans && i < g->n; i++) {
		char *base = (char *)&g->runs[i];
		const char *id = *(char **)(base + id_off);
		char **name = (char **)(base + name_off);
		for (size_t j = 0; id && j < ans->n && !*name; j++)
			if (ans->items[j].id && !strcmp(ans->items[j].id, id))
				*name = fl_dup(ans->items[j].name);
	}
}

static void p_flows_done(void *res, const struct mlc_err *err, void *arg)
{
	struct fl_page *g = arg;
	int64_t w0 = now_us();
	g->flows_req = NULL;
	name_runs(g, res, offsetof(struct fl_run, flow_id), offsetof(struct fl_run, flow));
	g->pp->f->p_clk.work_us += now_us() - w0;
	p_joined(g);
}

static void p_deps_done(void *res, const struct mlc_err *err, void *arg)
{
	struct fl_page *g = arg;
	int64_t w0 = now_us();
	g->deps_req = NULL;
	name_runs(g, res, offsetof(struct fl_run, dep_id), offsetof(struct fl_run, deployment));
	g->pp->f->p_clk.work_us += now_us() - w0;
	p_joined(g);
}

/* The distinct non-NULL ids at id_off of runs [0, n), borrowed. */
static size_t distinct(const struct fl_run *v, size_t n, size_t id_off, const char **out)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const char *id = *(char *const *)((const char *)&v[i] + id_off);
		bool seen = !id;
		for (size_t j = 0; j < k && !seen; j++)
			seen = !strcmp(out[j], id);
		if (!seen)
			out[k++] = id;
	}
	return k;
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

/* A page of runs: a full first page says there may be more (Prefect gives
 * no total), a short one is the last; then its joins, one flows/filter and
 * one deployments/filter a page (not a row), while the next pages travel. */
static void p_page_done(void *res, const struct mlc_err *err, void *arg)
{
	struct fl_page *g = arg;
	struct fl_pager *pp = g->pp;
	struct flows *f = pp->f;
	int at = (int)(g - pp->pg);
	g->req = NULL;
	if (err) {
		pager_failed(pp, err);
		return;
	}
	int64_t w0 = now_us();
	struct prefect_runs *pg = res;
	if (pg->n < P_PAGE)
		pager_cut(pp, at + 1); /* the last: none after it */
	else if (at == 0)
		pp->want = MAX_RUNS / P_PAGE;
	pager_ask(pp); /* out first: this page is made and joined while they travel */
	g->runs = xcalloc(pg->n + 1, sizeof *g->runs);
	for (size_t i = 0; i < pg->n; i++)
		g->runs[g->n++] = from_prefect(&pg->items[i]);
	const char **ids = xcalloc(g->n + 1, sizeof *ids);
	size_t n = distinct(g->runs, g->n, offsetof(struct fl_run, flow_id), ids);
	if (n)
		g->flows_req = prefectc_flows(&f->pc, ids, n, p_flows_done, g);
	n = distinct(g->runs, g->n, offsetof(struct fl_run, dep_id), ids);
	if (n)
		g->deps_req = prefectc_deployments(&f->pc, ids, n, p_deps_done, g);
	free(ids);
	f->p_clk.work_us += now_us() - w0;
	p_joined(g); /* in at once when there was nothing to join */
}

/* ---- Airflow: pages of 100 up to total_entries ------------------------------ */

static struct fl_run from_airflow(struct airflow_run *a)
{
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
	return r;
}

/* A page of runs: the first one's total_entries says how many pages (of
 * what it held: a server whose page limit is under 100 clamps it; then its
 * newest FL_PAGES_MAX pages). */
static void a_page_done(void *res, const struct mlc_err *err, void *arg)
{
	struct fl_page *g = arg;
	struct fl_pager *pp = g->pp;
	g->areq = NULL;
	if (err) {
		pager_failed(pp, err);
		return;
	}
	int64_t w0 = now_us();
	struct airflow_runs *pg = res;
	if (g == pp->pg && pg->n) {
		long all = MLC_MIN(pg->total, (long)MAX_RUNS);
		pp->size = (int)MLC_MIN(pg->n, (size_t)A_PAGE);
		pp->want = (int)MLC_MIN((all + pp->size - 1) / pp->size, (long)FL_PAGES_MAX);
		pp->want = MLC_MAX(pp->want, 1);
	}
	pager_ask(pp); /* out first: the rows are made while they travel */
	g->runs = xcalloc(pg->n + 1, sizeof *g->runs);
	for (size_t i = 0; i < pg->n; i++)
		g->runs[g->n++] = from_airflow(&pg->items[i]);
	page_in(g, w0);
}

void fl_load(struct flows *f)
{
	const struct target *t;
	if ((t = fl_target(FB_PREFECT))) {
		if (!f->have_pc)
			prefectc_init(&f->pc, t);
		f->have_pc = true;
		pager_start(f, &f->p_pager, FB_PREFECT);
	}
	if ((t = fl_target(FB_AIRFLOW))) {
		if (!f->have_ac)
			airflowc_init(&f->ac, t);
		f->have_ac = true;
		pager_start(f, &f->a_pager, FB_AIRFLOW);
	}
	fl_bump(f);
}
