/* panels/flows_lists.c — the Flows panel's lists beside the runs:
 * `:deployments` (Prefect deployments with their schedule, paused, work
 * pool and queue, status, and the last and late runs among the runs
 * loaded), `:dags` (Airflow DAGs: paused, schedule, next run, last run,
 * tags, import errors) and `:pools` (Prefect work pools and queues with
 * status, concurrency and last poll; Airflow pools with their slots). One
 * view_ops each over one state (struct fl_list, the view's priv); cells
 * are read from the parsed answers as they are drawn, so the runs loaded
 * later show up without a rebuild. Sort and filter are the table's; the :pools
 * cells are in flows_pools.c. Every request is cancelled when the view
 * closes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flows.h"
#include "lib/core/util.h"
#include "tui/app.h"
#include "tui/cmd.h"

enum fl_list_kind { FL_DEPLOYMENTS, FL_DAGS, FL_POOLS };

/* One request of a list and where its answer goes. */
struct fl_part {
	struct fl_list *l;
	void *req;    /* struct apireq *, or struct airflowc_req * when airflow */
	bool airflow; /* which client's cancel */
	void *dst;    /* the parsed answer, moved here */
	size_t size;
	void (*fr)(void *);
	void (*then)(struct fl_list *l); /* after a success, or NULL */
};

enum { PT_MAIN, PT_QUEUES, PT_FLOWS, PT_AIRFLOW, PT_HEALTH, PT_COUNT };

struct fl_list {
	struct flows *f;
	enum fl_list_kind kind;
	struct fl_part part[PT_COUNT];
	struct prefect_deployments deps;
	struct prefect_deployments deps_page; /* the page that came last */
	struct prefect_deployments deps_acc;  /* the pages so far, deps once whole */
	struct prefect_flows flows;	      /* the deployments' flow names */
	struct prefect_pools ppools, pqueues;
	struct airflow_dags dags;
	struct airflow_pools apools;
	struct airflow_components acomp; /* Airflow's health components */
	int ncomp;			 /* those present */
	char err[256];
	unsigned long gen;
};

static struct fl_list *ls_of(struct view *v)
{
	return v->priv;
}

static bool loading(const struct fl_list *l)
{
	for (int i = 0; i < PT_COUNT; i++)
		if (l->part[i].req)
			return true;
	return false;
}

/* Any part's answer: moved into its place, or its error added to the
 * line the view shows. */
static void part_done(void *res, const struct mlc_err *err, void *arg)
{
	struct fl_part *pt = arg;
	struct fl_list *l = pt->l;
	pt->req = NULL;
	if (err) {
		size_t k = strlen(l->err);
		snprintf(l->err + k, sizeof l->err - k, "%s%s", k ? "  " : "", err->msg);
	} else {
		pt->fr(pt->dst);
		memcpy(pt->dst, res, pt->size);
		memset(res, 0, pt->size);
		if (pt->then)
			pt->then(l);
	}
	l->gen++;
	app_dirty();
}

static void flows_free_v(void *p)
{
	prefect_flows_free(p);
}
static void deps_free_v(void *p)
{
	prefect_deployments_free(p);
}
static void pools_free_v(void *p)
{
	prefect_pools_free(p);
}
static void dags_free_v(void *p)
{
	airflow_dags_free(p);
}
static void apools_free_v(void *p)
{
	airflow_pools_free(p);
}
static void comp_free_v(void *p)
{
	airflow_components_free(p);
}

/* After the health answer: how many of its components are rows. */
static void comp_then(struct fl_list *l)
{
	l->ncomp = 0;
	for (int i = 0; i < AIRFLOW_COMPONENTS; i++)
		l->ncomp += l->acomp.present[i];
}

/* Sets part i up for its next request: where the answer goes. */
static struct fl_part *part(struct fl_list *l, int i, void *dst, size_t size, void (*fr)(void *),
			    bool airflow)
{
	struct fl_part *pt = &l->part[i];
	*pt = (struct fl_part){l, NULL, airflow, dst, size, fr, NULL};
	return pt;
}

/* After the deployments: one flows/filter for the names of their flows. */
static void deps_then(struct fl_list *l)
{
	const char **ids = xcalloc(l->deps.n + 1, sizeof *ids);
	size_t n = 0;
	for (size_t i = 0; i < l->deps.n; i++) {
		const char *id = l->deps.items[i].flow_id;
		size_t j = 0;
		while (j < n && strcmp(ids[j], id ? id : ""))
			j++;
		if (id && j == n) /* each flow once: many deployments share one */
			ids[n++] = id;
	}
	struct fl_part *pt = part(l, PT_FLOWS, &l->flows, sizeof l->flows, flows_free_v, false);
	if (n)
		pt->req = prefectc_flows(&l->f->pc, ids, n, part_done, pt);
	free(ids);
}

/* A page of deployments: added to those held; a full one asks for the
 * next (offset paging), the last one for the names of their flows. */
static void deps_page_then(struct fl_list *l)
{
	struct prefect_deployments *pg = &l->deps_page;
	struct prefect_deployments *acc = &l->deps_acc;
	size_t n = pg->n;
	acc->items = xrealloc(acc->items, (acc->n + n + 1) * sizeof *acc->items);
	memcpy(acc->items + acc->n, pg->items, n * sizeof *pg->items);
	acc->n += n;
	free(pg->items);
	*pg = (struct prefect_deployments){0};
	if (n < 200) {
		prefect_deployments_free(&l->deps);
		l->deps = *acc;
		*acc = (struct prefect_deployments){0};
		deps_then(l);
		return;
	}
	struct fl_part *pt = part(l, PT_MAIN, pg, sizeof *pg, deps_free_v, false);
	pt->then = deps_page_then;
	pt->req = prefectc_deployment_list(&l->f->pc, (int)acc->n, part_done, pt);
}

static void cancel_all(struct fl_list *l)
{
	for (int i = 0; i < PT_COUNT; i++) {
		if (l->part[i].airflow)
			airflowc_cancel(l->part[i].req);
		else
			apireq_cancel(l->part[i].req);
		l->part[i].req = NULL;
	}
}

static void load(struct fl_list *l)
{
	struct flows *f = l->f;
	struct fl_part *pt;
	cancel_all(l);
	l->err[0] = '\0';
	if (!f->p_loaded && !f->a_loaded && !fl_loading(f))
		fl_load(f); /* the last and late runs come from the runs */
	bool pc = f->have_pc, ac = f->have_ac;
	if (l->kind == FL_DEPLOYMENTS && pc) {
		prefect_deployments_free(&l->deps_acc);
		pt = part(l, PT_MAIN, &l->deps_page, sizeof l->deps_page, deps_free_v, false);
		pt->then = deps_page_then;
		pt->req = prefectc_deployment_list(&f->pc, 0, part_done, pt);
	}
	if (l->kind == FL_DAGS && ac) {
		pt = part(l, PT_AIRFLOW, &l->dags, sizeof l->dags, dags_free_v, true);
		pt->req = airflowc_dags(&f->ac, 100, 0, part_done, pt);
	}
	if (l->kind == FL_POOLS && pc) {
		pt = part(l, PT_MAIN, &l->ppools, sizeof l->ppools, pools_free_v, false);
		pt->req = prefectc_work_pools(&f->pc, false, part_done, pt);
		pt = part(l, PT_QUEUES, &l->pqueues, sizeof l->pqueues, pools_free_v, false);
		pt->req = prefectc_work_pools(&f->pc, true, part_done, pt);
	}
	if (l->kind == FL_POOLS && ac) {
		pt = part(l, PT_AIRFLOW, &l->apools, sizeof l->apools, apools_free_v, true);
		pt->req = airflowc_pools(&f->ac, part_done, pt);
		pt = part(l, PT_HEALTH, &l->acomp, sizeof l->acomp, comp_free_v, true);
		pt->then = comp_then;
		pt->req = airflowc_health(&f->ac, part_done, pt);
	}
	l->gen++;
	app_dirty();
}

/* ---- cells ------------------------------------------------------------------ */

/* The newest run of backend be whose deployment id or DAG is key that has
 * started (else the newest not started yet), and how many of them are
 * late. */
static const struct fl_run *last_run(const struct flows *f, enum fl_backend be, const char *key,
				     int *late)
{
	const struct fl_run *best = NULL;
	*late = 0;
	for (size_t i = 0; key && i < f->npr + f->nar; i++) {
		const struct fl_run *r = fl_run_at(f, (int)i);
		const char *k = be == FB_PREFECT ? r->dep_id : r->flow;
		if (r->be != be || !k || strcmp(k, key))
			continue;
		*late += r->cls == FC_LATE;
		bool started = r->start_ms > 0, best_started = best && best->start_ms > 0;
		if (!best || (started && !best_started) ||
		    (started == best_started && fl_run_when(r) > fl_run_when(best)))
			best = r;
	}
	return best;
}

static void last_cell(struct cell *out, const struct fl_run *r)
{
	char t[32], *s;
	if (!r) {
		fl_cell(out, NULL, ROLE_DIM);
		return;
	}
	fl_time(t, sizeof t, fl_run_when(r));
	s = xasprintf("%s %s", r->state ? r->state : "?", t);
	fl_cell(out, s, fl_class_role(r->cls));
	free(s);
}

static const char *flow_name(const struct fl_list *l, const char *id)
{
	for (size_t i = 0; id && i < l->flows.n; i++)
		if (l->flows.items[i].id && !strcmp(l->flows.items[i].id, id))
			return l->flows.items[i].name;
	return id;
}

enum { D_NAME, D_FLOW, D_SCHED, D_PAUSED, D_POOL, D_STATUS, D_LAST, D_LATE, D_COUNT };
static const struct column dep_cols[D_COUNT] = {
    [D_NAME] = {"DEPLOYMENT", 8, 18, ALIGN_LEFT, 0, false},
    [D_FLOW] = {"FLOW", 6, 15, ALIGN_LEFT, 3, false},
    [D_SCHED] = {"SCHEDULE", 8, 15, ALIGN_LEFT, 4, false},
    [D_PAUSED] = {"PAUSED", 6, 6, ALIGN_LEFT, 0, false},
    [D_POOL] = {"POOL/QUEUE", 8, 22, ALIGN_LEFT, 5, false},
    [D_STATUS] = {"STATUS", 6, 9, ALIGN_LEFT, 6, false},
    [D_LAST] = {"LAST RUN (UTC)", 26, 0, ALIGN_LEFT, 2, false},
    [D_LATE] = {"LATE", 4, 4, ALIGN_RIGHT, 1, true},
};

static void dep_cell(struct fl_list *l, int row, int col, struct cell *out)
{
	const struct prefect_deployment *d = &l->deps.items[row];
	int late;
	const struct fl_run *r = last_run(l->f, FB_PREFECT, d->id, &late);
	char *s;
	switch (col) {
	case D_NAME:
		fl_cell(out, d->name, ROLE_NORMAL);
		break;
	case D_FLOW:
		fl_cell(out, flow_name(l, d->flow_id), ROLE_NORMAL);
		break;
	case D_SCHED:
		fl_cell(out, d->schedule, ROLE_NORMAL);
		break;
	case D_PAUSED:
		fl_cell(out, d->paused ? "paused" : "no", d->paused ? ROLE_WARN : ROLE_DIM);
		break;
	case D_POOL:
		s = xasprintf("%s / %s", d->work_pool ? d->work_pool : "-",
			      d->work_queue ? d->work_queue : "-");
		fl_cell(out, s, ROLE_DIM);
		free(s);
		break;
	case D_STATUS:
		fl_cell(out, d->status,
			d->status && strcmp(d->status, "READY") ? ROLE_WARN : ROLE_OK);
		break;
	case D_LAST:
		last_cell(out, r);
		break;
	case D_LATE:
		fl_num_cell(out, late, "-", late ? ROLE_WARN : ROLE_DIM);
		break;
	}
}

enum { A_DAG, A_PAUSED, A_SCHED, A_NEXT, A_LAST, A_LATE, A_TAGS, A_ERRORS, A_COUNT };
static const struct column dag_cols[A_COUNT] = {
    [A_DAG] = {"DAG", 6, 24, ALIGN_LEFT, 0, false},
    [A_PAUSED] = {"PAUSED", 6, 6, ALIGN_LEFT, 0, false},
    [A_SCHED] = {"SCHEDULE", 8, 18, ALIGN_LEFT, 3, false},
    [A_NEXT] = {"NEXT RUN (UTC)", 16, 16, ALIGN_LEFT, 4, false},
    [A_LAST] = {"LAST RUN (UTC)", 14, 32, ALIGN_LEFT, 2, false},
    [A_LATE] = {"LATE", 4, 4, ALIGN_RIGHT, 6, true},
    [A_TAGS] = {"TAGS", 4, 0, ALIGN_LEFT, 5, false},
    [A_ERRORS] = {"IMPORT", 6, 6, ALIGN_LEFT, 1, false},
};

static void dag_cell(struct fl_list *l, int row, int col, struct cell *out)
{
	const struct airflow_dag_info *d = &l->dags.items[row];
	int late;
	char t[32];
	switch (col) {
	case A_DAG:
		fl_cell(out, d->dag_id, ROLE_NORMAL);
		break;
	case A_PAUSED:
		fl_cell(out, d->paused ? "paused" : "no", d->paused ? ROLE_WARN : ROLE_DIM);
		break;
	case A_SCHED:
		fl_cell(out, d->schedule, ROLE_NORMAL);
		break;
	case A_NEXT:
		fl_time(t, sizeof t, d->next_ms);
		fl_cell(out, t, ROLE_NORMAL);
		break;
	case A_LAST:
		last_cell(out, last_run(l->f, FB_AIRFLOW, d->dag_id, &late));
		break;
	case A_LATE:
		last_run(l->f, FB_AIRFLOW, d->dag_id, &late);
		fl_num_cell(out, late, "-", late ? ROLE_WARN : ROLE_DIM);
		break;
	case A_TAGS:
		fl_cell(out, d->tags, ROLE_DIM);
		break;
	case A_ERRORS:
		fl_cell(out, d->import_errors ? "errors" : "ok",
			d->import_errors ? ROLE_ERR : ROLE_DIM);
		break;
	}
}

static void pool_cell(struct fl_list *l, int row, int col, struct cell *out)
{
	fl_pool_cell(&l->ppools, &l->pqueues, &l->apools, &l->acomp, row, col, out);
}

/* ---- the views -------------------------------------------------------------- */

static const char *const titles[] = {"deployments", "DAGs", "pools and queues"};

static void lv_title(struct view *v, char *out, size_t n)
{
	snprintf(out, n, "%s", titles[ls_of(v)->kind]);
}

static const struct column *lv_columns(struct view *v, int *n)
{
	switch (ls_of(v)->kind) {
	case FL_DEPLOYMENTS:
		*n = D_COUNT;
		return dep_cols;
	case FL_DAGS:
		*n = A_COUNT;
		return dag_cols;
	default:
		return fl_pool_columns(n);
	}
}

static int lv_nrows(struct view *v)
{
	struct fl_list *l = ls_of(v);
	switch (l->kind) {
	case FL_DEPLOYMENTS:
		return (int)l->deps.n;
	case FL_DAGS:
		return (int)l->dags.n;
	default:
		return (int)(l->ppools.n + l->pqueues.n + l->apools.n) + l->ncomp;
	}
}

static void lv_cell(struct view *v, int row, int col, struct cell *out)
{
	struct fl_list *l = ls_of(v);
	fl_cell(out, NULL, ROLE_NORMAL);
	if (row < 0 || row >= lv_nrows(v))
		return;
	if (l->kind == FL_DEPLOYMENTS)
		dep_cell(l, row, col, out);
	else if (l->kind == FL_DAGS)
		dag_cell(l, row, col, out);
	else
		pool_cell(l, row, col, out);
}

static unsigned long lv_generation(struct view *v)
{
	struct fl_list *l = ls_of(v);
	return l->gen + l->f->gen;
}

static void lv_detail(struct view *v, int row, char *out, size_t n, enum role *role)
{
	struct fl_list *l = ls_of(v);
	*role = ROLE_ERR;
	if (l->err[0])
		snprintf(out, n, "%s", l->err);
}

static void lv_empty(struct view *v, char *out, size_t n)
{
	struct fl_list *l = ls_of(v);
	static const char *const none[] = {"no Prefect deployments", "no Airflow DAGs",
					   "no work pools, queues or Airflow pools"};
	static const char *const unset[] = {"no Prefect configured: set [prefect] url",
					    "no Airflow configured: set [airflow] url",
					    "no Prefect or Airflow configured"};
	bool any = l->kind == FL_DEPLOYMENTS ? l->f->have_pc
		   : l->kind == FL_DAGS	     ? l->f->have_ac
					     : l->f->have_pc || l->f->have_ac;
	snprintf(out, n, "%s",
		 !any	      ? unset[l->kind]
		 : l->err[0]  ? l->err
		 : loading(l) ? "loading…"
			      : none[l->kind]);
}

static void lv_status(struct view *v, char *out, size_t n)
{
	snprintf(out, n, "%s", loading(ls_of(v)) ? "loading…" : "");
}

static void lv_reload(struct view *v)
{
	load(ls_of(v));
}

static void lv_close(struct view *v)
{
	struct fl_list *l = ls_of(v);
	cancel_all(l);
	prefect_deployments_free(&l->deps);
	prefect_deployments_free(&l->deps_page);
	prefect_deployments_free(&l->deps_acc);
	prefect_flows_free(&l->flows);
	prefect_pools_free(&l->ppools);
	prefect_pools_free(&l->pqueues);
	airflow_dags_free(&l->dags);
	airflow_pools_free(&l->apools);
	airflow_components_free(&l->acomp);
	free(l);
}

/* N on a deployment: a flow run of it now. */
static int lv_run_now(struct view *v, int row)
{
	struct fl_list *l = ls_of(v);
	if (row < 0 || (size_t)row >= l->deps.n)
		return P_HANDLED;
	return fl_act_create(l->f, l->deps.items[row].id, l->deps.items[row].name);
}

#define LIST_ACTIONS                                                                               \
	{"filter", "/", "filter", NULL, 0, NULL}, {"sort", "s", "sort", NULL, 0, NULL},            \
	{                                                                                          \
		"refresh", "r", "refresh", NULL, 0, NULL                                           \
	}
static const struct view_action list_actions[] = {LIST_ACTIONS};
static const struct view_action dep_actions[] = {
    {"run-now", "N", "run now", "Prefect: a flow run of the deployment now (create_flow_run)",
     FL_ACT_W | ACT_F_SELECTION, lv_run_now},
    LIST_ACTIONS};

#define LIST_VIEW(NAME, ACTIONS)                                                                   \
	{                                                                                          \
		.name = NAME, .title = lv_title, .columns = lv_columns, .nrows = lv_nrows,         \
		.cell = lv_cell, .generation = lv_generation, .detail = lv_detail,                 \
		.empty_text = lv_empty, .reload = lv_reload, .status = lv_status,                  \
		.close = lv_close, .actions = ACTIONS, .nactions = ARRAY_LEN(ACTIONS)              \
	}

const struct view_ops fl_deployments_view = LIST_VIEW("deployments", dep_actions);
const struct view_ops fl_dags_view = LIST_VIEW("dags", list_actions);
const struct view_ops fl_pools_view = LIST_VIEW("pools", list_actions);

/* The command: the list on top of the runs (whatever was above them
 * goes), loaded at once. */
static int open_list(struct panel *p, enum fl_list_kind kind, const struct view_ops *ops)
{
	struct flows *f = p->priv;
	if (!f)
		return -1;
	view_pop_to_root(p);
	struct fl_list *l = xcalloc(1, sizeof *l);
	l->f = f;
	l->kind = kind;
	if (!view_push(p, ops, l)) {
		free(l);
		return -1;
	}
	load(l);
	return 0;
}

int fl_cmd_deployments(struct panel *p, const char *args)
{
	return open_list(p, FL_DEPLOYMENTS, &fl_deployments_view);
}

int fl_cmd_dags(struct panel *p, const char *args)
{
	return open_list(p, FL_DAGS, &fl_dags_view);
}

int fl_cmd_pools(struct panel *p, const char *args)
{
	return open_list(p, FL_POOLS, &fl_pools_view);
}
