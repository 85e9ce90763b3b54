/* panels/flows_detail.c — one run's detail (Enter in the runs view): what
 * the run is, its state history with times and messages (Prefect's
 * flow_run_states), its task runs / task instances with their states,
 * durations and a small Gantt line over the run's span, and its
 * parameters (Airflow: the conf). `l` on a task instance opens that try's
 * log (Airflow), on any row the run's log (Prefect). State: struct
 * fl_detail, the view's priv; its requests are cancelled when it closes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flows.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "tui/app.h"

struct drow {
	char section[8];
	char *key, *value;
	enum role role;
	char *task_id; /* Airflow task rows: the task and its last try */
	int try_number;
};

struct fl_detail {
	struct fl_vhead head; /* first: the write actions find the run here */
	struct flows *f;
	struct fl_run run; /* a copy: the runs may reload under it */
	struct apireq *st_req, *t_req;
	struct airflowc_req *at_req;
	struct prefect_states states;
	struct prefect_task_runs ptasks;
	struct airflow_tis tis;
	char err[256];
	struct drow *rows;
	int nrows;
	unsigned long gen;
};

static struct fl_detail *d_of(struct view *v)
{
	return v->priv;
}

static void rows_free(struct fl_detail *d)
{
	for (int i = 0; i < d->nrows; i++) {
		free(d->rows[i].key);
		free(d->rows[i].value);
		free(d->rows[i].task_id);
	}
	free(d->rows);
	d->rows = NULL;
	d->nrows = 0;
}

static struct drow *add(struct fl_detail *d, const char *section, const char *key,
			const char *value, enum role role)
{
	d->rows = xrealloc(d->rows, (size_t)(d->nrows + 1) * sizeof *d->rows);
	struct drow *r = &d->rows[d->nrows++];
	memset(r, 0, sizeof *r);
	snprintf(r->section, sizeof r->section, "%s", section);
	r->key = xstrdup(key ? key : "");
	r->value = xstrdup(value && *value ? value : "-");
	r->role = role;
	return r;
}

static void time_s(char *out, size_t n, int64_t ms)
{
	if (ms <= 0) {
		snprintf(out, n, "-");
		return;
	}
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%d %H:%M:%S", &tm);
}

/* A Gantt line of width w: where [s, e] falls in the run's [rs, re]. */
static void gantt(char *out, int w, int64_t s, int64_t e, int64_t rs, int64_t re)
{
	memset(out, '.', (size_t)w);
	out[w] = '\0';
	if (s <= 0 || rs <= 0 || re <= rs)
		return;
	if (e <= 0 || e > re)
		e = re;
	int a = (int)((s - rs) * w / (re - rs)), b = (int)((e - rs) * w / (re - rs));
	a = MLC_MAX(0, MLC_MIN(a, w - 1));
	b = MLC_MAX(a + 1, MLC_MIN(b, w));
	memset(out + a, '#', (size_t)(b - a));
}

static void info_rows(struct fl_detail *d)
{
	const struct fl_run *r = &d->run;
	char a[40], b[40];
	add(d, "info", "backend", fl_backend_name(r->be), ROLE_DIM);
	add(d, "info", r->be == FB_PREFECT ? "flow" : "dag", r->flow, ROLE_NORMAL);
	add(d, "info", "run", r->name, ROLE_NORMAL);
	add(d, "info", "id", r->id, ROLE_DIM);
	add(d, "info", "state", r->state, fl_class_role(r->cls));
	time_s(a, sizeof a, r->expected_ms);
	add(d, "info", r->be == FB_PREFECT ? "expected" : "logical", a, ROLE_NORMAL);
	time_s(a, sizeof a, r->start_ms);
	time_s(b, sizeof b, r->end_ms);
	add(d, "info", "start", a, ROLE_NORMAL);
	add(d, "info", "end", b, ROLE_NORMAL);
	fl_dur(a, sizeof a, r->dur_s);
	add(d, "info", "duration", a, ROLE_NORMAL);
	if (r->be == FB_PREFECT)
		add(d, "info", "deployment", r->deployment ? r->deployment : "(ad hoc)",
		    ROLE_NORMAL);
	add(d, "info", r->be == FB_PREFECT ? "pool/queue" : "run type", r->where, ROLE_DIM);
	if (r->message)
		add(d, "info", r->be == FB_PREFECT ? "message" : "note", r->message, ROLE_DIM);
}

static void task_rows(struct fl_detail *d)
{
	int64_t rs = d->run.start_ms, re = d->run.end_ms ? d->run.end_ms : wall_ms();
	char g[24], dur[24];
	for (size_t i = 0; i < d->ptasks.n; i++) {
		const struct prefect_task_run *t = &d->ptasks.items[i];
		gantt(g, 20, t->start_ms, t->end_ms, rs, re);
		fl_dur(dur, sizeof dur, t->start_ms ? t->run_time : -1);
		char *v = xasprintf("%-12s %8s  %s  runs %d", t->state_name ? t->state_name : "-",
				    dur, g, t->run_count);
		add(d, "task", t->name, v,
		    fl_class_role(fl_prefect_class(t->state_type, t->state_name)));
		free(v);
	}
	for (size_t i = 0; i < d->tis.n; i++) {
		const struct airflow_ti *t = &d->tis.items[i];
		gantt(g, 20, t->start_ms, t->end_ms, rs, re);
		fl_dur(dur, sizeof dur, t->duration);
		char *v = xasprintf("%-15s %8s  %s  try %d/%d", t->state ? t->state : "(none)", dur,
				    g, t->try_number, t->max_tries + 1);
		struct drow *r =
		    add(d, "task", t->task_id, v, fl_class_role(fl_airflow_class(t->state)));
		r->task_id = xstrdup(t->task_id);
		r->try_number = t->try_number;
		free(v);
	}
}

static void build(struct fl_detail *d)
{
	char a[40];
	rows_free(d);
	info_rows(d);
	for (size_t i = 0; i < d->states.n; i++) {
		const struct prefect_state *s = &d->states.items[i];
		time_s(a, sizeof a, s->ts_ms);
		char *v = xasprintf("%s (%s)%s%s", s->name ? s->name : "-", s->type ? s->type : "-",
				    s->message ? ": " : "", s->message ? s->message : "");
		add(d, "state", a, v, fl_class_role(fl_prefect_class(s->type, s->name)));
		free(v);
	}
	task_rows(d);
	add(d, "param", d->run.be == FB_PREFECT ? "parameters" : "conf", d->run.params,
	    ROLE_NORMAL);
	char mlflow[33];
	if (fl_mlflow_run_id(&d->run, mlflow))
		add(d, "link", "mlflow run (M)", mlflow, ROLE_MARK);
	d->gen++;
	app_dirty();
}

static void states_done(void *res, const struct mlc_err *err, void *arg)
{
	struct fl_detail *d = arg;
	d->st_req = NULL;
	if (err)
		snprintf(d->err, sizeof d->err, "%s", err->msg);
	else {
		d->states = *(struct prefect_states *)res;
		memset(res, 0, sizeof d->states);
	}
	build(d);
}

static void tasks_done(void *res, const struct mlc_err *err, void *arg)
{
	struct fl_detail *d = arg;
	d->t_req = NULL;
	d->at_req = NULL;
	if (err)
		snprintf(d->err, sizeof d->err, "%s", err->msg);
	else if (d->run.be == FB_PREFECT) {
		d->ptasks = *(struct prefect_task_runs *)res;
		memset(res, 0, sizeof d->ptasks);
	} else {
		d->tis = *(struct airflow_tis *)res;
		memset(res, 0, sizeof d->tis);
	}
	build(d);
}

static void load(struct fl_detail *d)
{
	struct flows *f = d->f;
	apireq_cancel(d->st_req);
	apireq_cancel(d->t_req);
	airflowc_cancel(d->at_req);
	d->t_req = NULL;
	d->at_req = NULL;
	prefect_states_free(&d->states);
	prefect_task_runs_free(&d->ptasks);
	airflow_tis_free(&d->tis);
	d->err[0] = '\0';
	if (d->run.be == FB_PREFECT && f->have_pc) {
		d->st_req = prefectc_states(&f->pc, d->run.id, states_done, d);
		d->t_req = prefectc_task_runs(&f->pc, d->run.id, tasks_done, d);
	} else if (d->run.be == FB_AIRFLOW && f->have_ac) {
		d->at_req = airflowc_tis(&f->ac, d->run.flow, d->run.id, tasks_done, d);
	}
	build(d);
}

static const struct fl_run *the_run(struct view *v, int row)
{
	return &d_of(v)->run;
}

void fl_detail_push(struct flows *f, const struct fl_run *r)
{
	struct fl_detail *d = xcalloc(1, sizeof *d);
	d->head.run = the_run;
	d->f = f;
	fl_run_copy(&d->run, r);
	if (!view_push(f->p, &fl_detail_view, d)) {
		fl_run_free(&d->run);
		free(d);
		return;
	}
	load(d);
}

/* ---- the view --------------------------------------------------------------- */

enum { D_SECTION, D_KEY, D_VALUE, D_COUNT };
static const struct column detail_cols[D_COUNT] = {
    [D_SECTION] = {"SECTION", 7, 7, ALIGN_LEFT, 0, false},
    [D_KEY] = {"KEY", 8, 24, ALIGN_LEFT, 0, false},
    [D_VALUE] = {"VALUE", 10, 0, ALIGN_LEFT, 0, false},
};

static void dv_title(struct view *v, char *out, size_t n)
{
	const struct fl_run *r = &d_of(v)->run;
	char *raw = xasprintf("%s / %s", r->flow ? r->flow : "-", r->name ? r->name : "-");
	san_into(out, n, raw, strlen(raw));
	free(raw);
}

static const struct column *dv_columns(struct view *v, int *n)
{
	*n = D_COUNT;
	return detail_cols;
}

static int dv_nrows(struct view *v)
{
	return d_of(v)->nrows;
}

static unsigned long dv_generation(struct view *v)
{
	return d_of(v)->gen;
}

static void dv_cell(struct view *v, int row, int col, struct cell *out)
{
	struct fl_detail *d = d_of(v);
	fl_cell(out, NULL, ROLE_NORMAL);
	if (row < 0 || row >= d->nrows)
		return;
	const struct drow *r = &d->rows[row];
	if (col == D_SECTION)
		fl_cell(out, r->section, ROLE_DIM);
	else if (col == D_KEY)
		fl_cell(out, r->key, ROLE_NORMAL);
	else
		fl_cell(out, r->value, r->role);
}

static void dv_detail(struct view *v, int row, char *out, size_t n, enum role *role)
{
	struct fl_detail *d = d_of(v);
	*role = ROLE_ERR;
	if (d->err[0])
		snprintf(out, n, "%s", d->err);
	else if (d->st_req || d->t_req || d->at_req) {
		*role = ROLE_DIM;
		snprintf(out, n, "loading…");
	}
}

static void dv_copy(struct view *v, int row, char *out, size_t n)
{
	struct fl_detail *d = d_of(v);
	if (row >= 0 && row < d->nrows)
		san_into(out, n, d->rows[row].value, strlen(d->rows[row].value));
}

static void dv_reload(struct view *v)
{
	load(d_of(v));
}

static void dv_close(struct view *v)
{
	struct fl_detail *d = d_of(v);
	apireq_cancel(d->st_req);
	apireq_cancel(d->t_req);
	airflowc_cancel(d->at_req);
	prefect_states_free(&d->states);
	prefect_task_runs_free(&d->ptasks);
	airflow_tis_free(&d->tis);
	rows_free(d);
	fl_run_free(&d->run);
	free(d);
}

static int dv_logs(struct view *v, int row)
{
	struct fl_detail *d = d_of(v);
	if (d->run.be == FB_PREFECT) {
		fl_log_push_prefect(d->f, &d->run);
		return P_REDRAW;
	}
	if (row < 0 || row >= d->nrows || !d->rows[row].task_id) {
		app_message(ROLE_WARN, "an Airflow log belongs to a task: select a task row");
		return P_HANDLED;
	}
	fl_log_push_airflow(d->f, d->run.flow, d->run.id, d->rows[row].task_id,
			    MLC_MAX(d->rows[row].try_number, 1));
	return P_REDRAW;
}

/* X on an Airflow task row: clear it and what follows it (a dry run
 * first, its list in the dialog). */
static int dv_clear(struct view *v, int row)
{
	struct fl_detail *d = d_of(v);
	if (d->run.be != FB_AIRFLOW || row < 0 || row >= d->nrows || !d->rows[row].task_id) {
		app_message(ROLE_WARN, "clear is an Airflow action on a task: select a task row");
		return P_HANDLED;
	}
	return fl_act_clear(d->f, d->run.flow, d->run.id, d->rows[row].task_id);
}

static const struct view_action detail_actions[] = {
    {"logs", "l", "logs", "the run's log; Airflow: the selected task's last try", 0, dv_logs},
    {"mlflow", "M", NULL, "open the MLflow run this run names (parameters, tags, message)", 0,
     fl_a_mlflow},
    FL_WRITE_ACTIONS,
    {"clear", "X", NULL,
     "Airflow: clear the selected task instance and its downstream (lists them first)",
     FL_ACT_W | ACT_F_SELECTION, dv_clear},
    {"filter", "/", "filter", NULL, 0, NULL},
    {"refresh", "r", "refresh", NULL, 0, NULL},
};

const struct view_ops fl_detail_view = {
    .name = "run",
    .title = dv_title,
    .columns = dv_columns,
    .nrows = dv_nrows,
    .cell = dv_cell,
    .generation = dv_generation,
    .detail = dv_detail,
    .copy_text = dv_copy,
    .reload = dv_reload,
    .close = dv_close,
    .actions = detail_actions,
    .nactions = ARRAY_LEN(detail_actions),
};
