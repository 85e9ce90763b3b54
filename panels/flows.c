/* panels/flows.c — the Flows panel (digit 7, :flows): its state, the
 * loading of both backends (Prefect flow_runs/filter pages joined to flow
 * names with one flows/filter per page; Airflow dagRuns pages of 100 up to
 * total_entries), and the runs view: one table for both, the state's own
 * name coloured by what it means, counts of failed, late and running runs
 * beside the breadcrumb, `f` cycling the state filters. The detail, log
 * and write views are in flows_detail.c, flows_log.c and flows_act.c.
 * Loading is in flows_load.c. Every request is cancelled by the view or
 * panel that owns it. */
#include "flows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "tui/app.h"
#include "tui/cmd.h"

struct flows *fl_of(struct view *v)
{
	return v->panel->priv;
}

void fl_bump(struct flows *f)
{
	f->gen++;
	app_dirty();
}

void fl_bump_now(struct flows *f)
{
	f->gen++;
	app_dirty_now();
}

const struct target *fl_target(enum fl_backend be)
{
	return config_first_target(app_config(), be == FB_PREFECT ? TK_PREFECT : TK_AIRFLOW);
}

const char *fl_backend_name(enum fl_backend be)
{
	return be == FB_PREFECT ? "prefect" : "airflow";
}

const struct fl_run *fl_run_at(const struct flows *f, int i)
{
	if (i < 0)
		return NULL;
	if ((size_t)i < f->npr)
		return &f->pr[i];
	if ((size_t)i - f->npr < f->nar)
		return &f->ar[i - f->npr];
	return NULL;
}

void fl_run_free(struct fl_run *r)
{
	char **s[] = {&r->id,	 &r->flow,  &r->flow_id, &r->dep_id,  &r->deployment, &r->name,
		      &r->state, &r->where, &r->params,	 &r->message, &r->tags};
	for (size_t i = 0; i < ARRAY_LEN(s); i++)
		free(*s[i]);
	memset(r, 0, sizeof *r);
}

char *fl_dup(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void fl_run_copy(struct fl_run *dst, const struct fl_run *src)
{
	*dst = *src;
	dst->id = fl_dup(src->id);
	dst->flow = fl_dup(src->flow);
	dst->flow_id = fl_dup(src->flow_id);
	dst->dep_id = fl_dup(src->dep_id);
	dst->deployment = fl_dup(src->deployment);
	dst->name = fl_dup(src->name);
	dst->state = fl_dup(src->state);
	dst->where = fl_dup(src->where);
	dst->params = fl_dup(src->params);
	dst->message = fl_dup(src->message);
	dst->tags = fl_dup(src->tags);
}

void fl_runs_free(struct fl_run **v, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		fl_run_free(&(*v)[i]);
	free(*v);
	*v = NULL;
	*n = 0;
}

/* ---- cells ------------------------------------------------------------------ */

void fl_cell(struct cell *out, const char *raw, enum role role)
{
	out->role = role;
	if (!raw || !*raw)
		snprintf(out->text, sizeof out->text, "-");
	else
		san_into(out->text, sizeof out->text, raw, strlen(raw));
}

/* Orchestrators schedule in UTC: times are shown in UTC, with the year
 * (Airflow's data intervals reach far back). */
void fl_time(char *out, size_t n, int64_t ms)
{
	if (ms <= 0) {
		snprintf(out, n, "-");
		return;
	}
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%d %H:%M", &tm);
}

/* A run that has gone on for more than a day says so rather than counting
 * the days (the detail shows the exact start). */
void fl_dur(char *out, size_t n, double secs)
{
	if (secs < 0)
		snprintf(out, n, "-");
	else if (secs >= 86400)
		snprintf(out, n, ">1d");
	else
		fmt_age(out, n, (long)(secs * 1000));
}

enum fl_class fl_prefect_class(const char *type, const char *name)
{
	if (!type)
		return FC_OTHER;
	if (!strcmp(type, "COMPLETED"))
		return FC_OK;
	if (!strcmp(type, "FAILED") || !strcmp(type, "CRASHED"))
		return FC_FAILED;
	if (!strcmp(type, "RUNNING") || !strcmp(type, "PENDING") || !strcmp(type, "CANCELLING"))
		return FC_RUNNING;
	if (!strcmp(type, "SCHEDULED"))
		return name && !strcmp(name, "Late") ? FC_LATE : FC_WAITING;
	if (!strcmp(type, "PAUSED"))
		return FC_WAITING;
	if (!strcmp(type, "CANCELLED"))
		return FC_CANCELLED;
	return FC_OTHER;
}

enum fl_class fl_airflow_class(const char *state)
{
	static const struct {
		const char *s;
		enum fl_class c;
	} map[] = {
	    {"success", FC_OK},
	    {"failed", FC_FAILED},
	    {"upstream_failed", FC_FAILED},
	    {"running", FC_RUNNING},
	    {"restarting", FC_RUNNING},
	    {"queued", FC_WAITING},
	    {"scheduled", FC_WAITING},
	    {"up_for_retry", FC_LATE},
	    {"up_for_reschedule", FC_WAITING},
	    {"deferred", FC_WAITING},
	    {"skipped", FC_CANCELLED},
	    {"removed", FC_CANCELLED},
	};
	for (size_t i = 0; state && i < ARRAY_LEN(map); i++)
		if (!strcmp(state, map[i].s))
			return map[i].c;
	return FC_OTHER;
}

enum role fl_class_role(enum fl_class c)
{
	switch (c) {
	case FC_OK:
		return ROLE_OK;
	case FC_FAILED:
		return ROLE_ERR;
	case FC_LATE:
		return ROLE_WARN;
	case FC_RUNNING:
		return ROLE_MARK;
	case FC_CANCELLED:
		return ROLE_DIM;
	default:
		return ROLE_NORMAL;
	}
}

/* ---- the runs view ---------------------------------------------------------- */

enum { C_BACKEND, C_FLOW, C_RUN, C_STATE, C_START, C_DUR, C_WHERE, C_COUNT };
static const struct column run_cols[C_COUNT] = {
    [C_BACKEND] = {"BACKEND", 7, 7, ALIGN_LEFT, 2, false},
    [C_FLOW] = {"FLOW/DAG", 8, 22, ALIGN_LEFT, 0, false},
    [C_RUN] = {"RUN", 8, 28, ALIGN_LEFT, 0, false},
    [C_STATE] = {"STATE", 6, 15, ALIGN_LEFT, 0, false},
    [C_START] = {"START (UTC)", 16, 16, ALIGN_LEFT, 3, false},
    [C_DUR] = {"DURATION", 8, 8, ALIGN_RIGHT, 1, true},
    [C_WHERE] = {"DEPLOYMENT POOL/QUEUE", 6, 0, ALIGN_LEFT, 4, false},
};

static void rv_title(struct view *v, char *out, size_t n)
{
	snprintf(out, n, "Flows");
}

static const struct column *rv_columns(struct view *v, int *n)
{
	*n = C_COUNT;
	return run_cols;
}

static int rv_nrows(struct view *v)
{
	struct flows *f = fl_of(v);
	/* Loaded when first shown, not at startup. */
	if (!f->p_loaded && !f->a_loaded && !fl_loading(f) && !f->p_err[0] && !f->a_err[0] &&
	    (fl_target(FB_PREFECT) || fl_target(FB_AIRFLOW)))
		fl_load(f);
	return f->nrows;
}

static unsigned long rv_generation(struct view *v)
{
	return fl_of(v)->gen;
}

static const struct fl_run *row_run(struct view *v, int row)
{
	struct flows *f = fl_of(v);
	return row >= 0 && row < f->nrows ? fl_run_at(f, f->rows[row]) : NULL;
}

static void rv_cell(struct view *v, int row, int col, struct cell *out)
{
	const struct fl_run *r = row_run(v, row);
	char t[32];
	fl_cell(out, NULL, ROLE_NORMAL);
	if (!r)
		return;
	switch (col) {
	case C_BACKEND:
		fl_cell(out, fl_backend_name(r->be), ROLE_DIM);
		break;
	case C_FLOW:
		fl_cell(out, r->flow, ROLE_NORMAL);
		break;
	case C_RUN:
		fl_cell(out, r->name, ROLE_NORMAL);
		break;
	case C_STATE:
		fl_cell(out, r->state, fl_class_role(r->cls));
		break;
	case C_START:
		fl_time(t, sizeof t, r->start_ms ? r->start_ms : r->expected_ms);
		fl_cell(out, t, r->start_ms ? ROLE_NORMAL : ROLE_DIM);
		break;
	case C_DUR:
		fl_dur(t, sizeof t, r->dur_s);
		fl_cell(out, t, ROLE_NORMAL);
		out->has_num = true;
		out->num = r->dur_s;
		break;
	case C_WHERE:
		if (r->be == FB_PREFECT) {
			char *w = xasprintf("%s %s", r->deployment ? r->deployment : "(ad hoc)",
					    r->where ? r->where : "-");
			fl_cell(out, w, ROLE_DIM);
			free(w);
		} else {
			fl_cell(out, r->where, ROLE_DIM);
		}
		break;
	}
}

/* The detail line: a backend's error first (the other's rows stay), else
 * the selected run's state message. */
static void rv_detail(struct view *v, int row, char *out, size_t n, enum role *role)
{
	struct flows *f = fl_of(v);
	const struct fl_run *r = row_run(v, row);
	*role = ROLE_ERR;
	if (f->p_err[0] || f->a_err[0]) {
		snprintf(out, n, "%s%s%s", f->p_err, f->p_err[0] && f->a_err[0] ? "  " : "",
			 f->a_err);
		return;
	}
	*role = ROLE_DIM;
	if (r && r->message && *r->message)
		san_into(out, n, r->message, strlen(r->message));
}

static void rv_empty(struct view *v, char *out, size_t n)
{
	struct flows *f = fl_of(v);
	bool loading = fl_loading(f);
	if (!fl_target(FB_PREFECT) && !fl_target(FB_AIRFLOW))
		snprintf(out, n,
			 "no Prefect or Airflow configured: set [prefect] url "
			 "(PREFECT_API_URL) or [airflow] url");
	else if (loading)
		snprintf(out, n, "loading…");
	else if (f->p_err[0] || f->a_err[0])
		snprintf(out, n, "%s%s%s", f->p_err, f->p_err[0] && f->a_err[0] ? "  " : "",
			 f->a_err);
	else
		snprintf(out, n, "no runs%s", f->filter != FF_ALL ? " in this state filter" : "");
}

static const char *const filter_names[FF_COUNT] = {"all", "failed", "late", "running"};

/* Beside the breadcrumb: failed in the last 24 h, late and running now,
 * over both backends whatever the filter; then the filter in force. */
static void rv_status(struct view *v, char *out, size_t n)
{
	struct flows *f = fl_of(v);
	int failed = 0, late = 0, running = 0;
	int64_t since = wall_ms() - 24 * 3600 * 1000LL;
	for (size_t i = 0; i < f->npr + f->nar; i++) {
		const struct fl_run *r = fl_run_at(f, (int)i);
		int64_t when = r->end_ms ? r->end_ms : fl_run_when(r);
		failed += r->cls == FC_FAILED && when >= since;
		late += r->cls == FC_LATE;
		running += r->cls == FC_RUNNING;
	}
	snprintf(out, n, "24h: %d failed · %d late · %d running   state: %s%s", failed, late,
		 running, filter_names[f->filter], fl_loading(f) ? "  loading…" : "");
}

static void rv_copy(struct view *v, int row, char *out, size_t n)
{
	const struct fl_run *r = row_run(v, row);
	if (r && r->id)
		san_into(out, n, r->id, strlen(r->id));
}

static void rv_close(struct view *v)
{
	free(v->priv);
}

static void rv_reload(struct view *v)
{
	fl_load(fl_of(v));
}

static int rv_open(struct view *v, int row)
{
	const struct fl_run *r = row_run(v, row);
	if (r)
		fl_detail_push(fl_of(v), r);
	return P_REDRAW;
}

static int rv_logs(struct view *v, int row)
{
	const struct fl_run *r = row_run(v, row);
	if (!r)
		return P_HANDLED;
	if (r->be == FB_PREFECT)
		fl_log_push_prefect(fl_of(v), r);
	else /* an Airflow log belongs to a task's try: pick it in the detail */
		fl_detail_push(fl_of(v), r);
	return P_REDRAW;
}

static int rv_filter_next(struct view *v, int row)
{
	struct flows *f = fl_of(v);
	f->filter = (f->filter + 1) % FF_COUNT;
	fl_rebuild(f);
	app_message(ROLE_DIM, "state filter: %s", filter_names[f->filter]);
	return P_RELOAD | P_REDRAW;
}

static const struct view_action runs_actions[] = {
    {"open", "<Enter>", "detail", "the run's states, tasks and parameters", ACT_F_SELECTION,
     rv_open},
    {"logs", "l", "logs", "the run's log (Airflow: pick a task in the detail)", ACT_F_SELECTION,
     rv_logs},
    {"state-filter", "f", "state", "cycle the state filter: failed, late, running, all", 0,
     rv_filter_next},
    {"mlflow", "M", NULL, "open the MLflow run this run names (parameters, tags, message)",
     ACT_F_SELECTION, fl_a_mlflow},
    FL_WRITE_ACTIONS,
    {"filter", "/", "filter", NULL, 0, NULL},
    {"sort", "s", "sort", NULL, 0, NULL},
    {"refresh", "r", "refresh", NULL, 0, NULL},
};

const struct view_ops fl_runs_view = {
    .name = "runs",
    .title = rv_title,
    .columns = rv_columns,
    .nrows = rv_nrows,
    .cell = rv_cell,
    .generation = rv_generation,
    .detail = rv_detail,
    .empty_text = rv_empty,
    .copy_text = rv_copy,
    .reload = rv_reload,
    .status = rv_status,
    .close = rv_close,
    .actions = runs_actions,
    .nactions = ARRAY_LEN(runs_actions),
};

/* ---- the panel -------------------------------------------------------------- */

static void fl_open(struct panel *p)
{
	struct flows *f = xcalloc(1, sizeof *f);
	f->p = p;
	p->priv = f;
	struct fl_vhead *h = xcalloc(1, sizeof *h);
	h->run = row_run;
	view_push(p, &fl_runs_view, h);
	fl_refresh_start(f);
}

static void fl_close(struct panel *p)
{
	struct flows *f = p->priv;
	fl_refresh_stop(f);
	fl_load_stop(f);
	fl_act_close(f);
	if (f->p_partial)
		f->pr = NULL, f->npr = 0; /* it is p_acc */
	if (f->a_partial)
		f->ar = NULL, f->nar = 0;
	fl_runs_free(&f->pr, &f->npr);
	fl_runs_free(&f->ar, &f->nar);
	fl_runs_free(&f->p_acc, &f->np_acc);
	fl_runs_free(&f->a_acc, &f->na_acc);
	free(f->rows);
	if (f->have_pc)
		prefectc_free(&f->pc);
	if (f->have_ac)
		airflowc_free(&f->ac);
	free(f);
	p->priv = NULL;
}

static const struct view_ops *const flows_views[] = {
    &fl_runs_view, &fl_detail_view, &fl_log_view, &fl_deployments_view,
    &fl_dags_view, &fl_pools_view,  NULL};

static const struct cmd_entry flows_cmds[] = {
    {"deployments", NULL, "",
     "Prefect deployments: schedule, paused, work pool and queue, last and late runs", CMD_ARG_NONE,
     fl_cmd_deployments, NULL},
    {"dags", NULL, "", "Airflow DAGs: paused, schedule, next and last run, tags, import errors",
     CMD_ARG_NONE, fl_cmd_dags, NULL},
    {"pools", NULL, "",
     "Prefect work pools and queues (status, concurrency, last poll); Airflow pools (slots)",
     CMD_ARG_NONE, fl_cmd_pools, NULL},
};

static const struct panel_ops flows_ops = {
    .name = "flows",
    .title = "Flows",
    .digit = 7,
    .open = fl_open,
    .close = fl_close,
    .cmds = flows_cmds,
    .ncmds = ARRAY_LEN(flows_cmds),
    .views = flows_views,
};

struct panel flows_panel = {.ops = &flows_ops};
