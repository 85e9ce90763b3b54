/* panels/experiments.c — the Experiments panel (digit 4, :experiments):
 * its state, its commands (:filter in MLflow's grammar sent to the server,
 * :order, :runs NAME, :run ID) and its first view, the experiments (active
 * / deleted / all; Enter opens the runs, exp_runs.c). The views below live
 * in the exp_*.c files (see experiments.h). Talks to MLflow only through
 * lib/mlflow/mlflowc; every view cancels its requests when it closes. */
#include "experiments.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "mlflowp.h"
#include "transfer.h"
#include "tui/app.h"
#include "tui/cmd.h"

static const struct view_ops exps_view;
static void xp_choose(struct panel *p, const struct target *t);
static void xp_to_base(struct panel *p);

struct xp *xp_of(struct view *v)
{
	return v->panel->priv;
}

struct mlflowc *xp_client(struct xp *x)
{
	return mlp_client(&x->cs, x->t);
}

const char *xp_exp_name(const struct xp *x, const char *id)
{
	for (size_t i = 0; id && i < x->exps.n; i++)
		if (!strcmp(x->exps.items[i].experiment_id, id) && x->exps.items[i].name)
			return x->exps.items[i].name;
	return NULL;
}

bool xp_exp_deleted(const struct xp *x, const char *id)
{
	for (size_t i = 0; id && i < x->exps.n; i++)
		if (!strcmp(x->exps.items[i].experiment_id, id))
			return x->exps.items[i].lifecycle_stage &&
			       !strcmp(x->exps.items[i].lifecycle_stage, "deleted");
	return false;
}

void xp_empty_no_target(char *out, size_t n)
{
	if (mlp_ntargets())
		snprintf(out, n,
			 "several MLflow servers: choose one (Enter on it, or :server NAME)");
	else
		snprintf(out, n, "no MLflow configured: set MLFLOW_TRACKING_URI or [mlflow] url");
}

/* A page (chart, preview) draws its body: no columns, no rows. */
static const struct column page_cols[] = {{"", 1, 0, ALIGN_LEFT, 0, false}};

const struct column *xp_page_columns(struct view *v, int *n)
{
	*n = 1;
	return page_cols;
}

int xp_page_nrows(struct view *v)
{
	return 0;
}

void xp_page_cell(struct view *v, int row, int col, struct cell *out)
{
}

/* ---- the experiments list ------------------------------------------------ */

static void exps_bump(struct xp *x)
{
	x->exps_gen++;
	app_dirty();
}

static void exps_done(void *res, const struct mlc_err *err, void *arg)
{
	struct xp *x = arg;
	x->exps_req = NULL;
	if (err && x->exps_user) {
		/* A :filter the server refused: say so, keep the rows and the
		 * filter they were loaded with. */
		app_message(ROLE_ERR, "%s", err->msg);
		snprintf(x->exps_filter, sizeof x->exps_filter, "%s", x->exps_prev_filter);
	} else if (err) {
		/* A load of its own: shown in the view (detail line,
		 * placeholder), not on the message line, which may belong to
		 * the panel on screen. */
		snprintf(x->exps_err, sizeof x->exps_err, "%s", err->msg);
	} else {
		/* The cursor follows the experiment (its id) across a reload. */
		struct view *root = view_at(x->p, mlp_base(x->p));
		if (root && root->ops != &exps_view)
			root = NULL;
		int row = root ? table_selected(&root->table) : -1;
		char sel[64] = "";
		if (row >= 0 && (size_t)row < x->exps.n)
			snprintf(sel, sizeof sel, "%s", x->exps.items[row].experiment_id);
		mlflow_experiment_page_free(&x->exps);
		x->exps = *(struct mlflow_experiment_page *)res;
		memset(res, 0, sizeof x->exps);
		x->exps_err[0] = '\0';
		x->exps_loaded = true;
		for (size_t i = 0; root && sel[0] && i < x->exps.n; i++)
			if (!strcmp(x->exps.items[i].experiment_id, sel))
				view_select_row(root, (int)i);
	}
	exps_bump(x);
}

/* user: a :filter the user gave (its refusal is reported and undone). */
static void exps_load(struct xp *x, bool user)
{
	struct mlflowc *c = xp_client(x);
	if (!c)
		return;
	mlflowc_cancel(x->exps_req);
	x->exps_user = user;
	x->exps_req = mlflowc_experiments(c, x->view_type, x->exps_filter, exps_done, x);
	exps_bump(x);
}

enum { E_ID, E_NAME, E_STAGE, E_UPDATED, E_LOCATION, E_TAGS, E_COUNT };
static const struct column exp_cols[E_COUNT] = {
    [E_ID] = {"ID", 2, 6, ALIGN_RIGHT, 0, true},
    [E_NAME] = {"NAME", 10, 32, ALIGN_LEFT, 0, false},
    [E_STAGE] = {"LIFECYCLE", 7, 9, ALIGN_LEFT, 3, false},
    [E_UPDATED] = {"LAST UPDATE", 11, 11, ALIGN_LEFT, 2, false},
    [E_LOCATION] = {"ARTIFACT LOCATION", 10, 30, ALIGN_LEFT, 4, false},
    [E_TAGS] = {"TAGS", 4, 0, ALIGN_LEFT, 5, false},
};

static const struct column *exps_columns(struct view *v, int *n)
{
	*n = E_COUNT;
	return exp_cols;
}

static int exps_nrows(struct view *v)
{
	struct xp *x = xp_of(v);
	/* Loaded when first shown, not at startup. */
	if (!x->exps_loaded && !x->exps_req && !x->exps_err[0] && x->t)
		exps_load(x, false);
	return (int)x->exps.n;
}

static unsigned long exps_generation(struct view *v)
{
	return xp_of(v)->exps_gen;
}

static void exps_tags(const struct mlflow_experiment *e, struct cell *out)
{
	struct buf b;
	buf_init(&b);
	for (size_t i = 0; i < e->ntags && b.len < 400; i++)
		if (!str_starts(e->tags[i].key, "mlflow."))
			buf_printf(&b, "%s%s=%s", b.len ? " " : "", e->tags[i].key,
				   e->tags[i].value ? e->tags[i].value : "");
	mlp_cell(out, b.data, ROLE_NORMAL);
	buf_free(&b);
}

static void exps_cell(struct view *v, int row, int col, struct cell *out)
{
	struct xp *x = xp_of(v);
	if (row < 0 || (size_t)row >= x->exps.n)
		return;
	const struct mlflow_experiment *e = &x->exps.items[row];
	switch (col) {
	case E_ID:
		mlp_cell(out, e->experiment_id, ROLE_DIM);
		break;
	case E_NAME:
		mlp_cell(out, e->name, ROLE_NORMAL);
		break;
	case E_STAGE:
		mlp_cell(out, e->lifecycle_stage,
			 e->lifecycle_stage && !strcmp(e->lifecycle_stage, "deleted") ? ROLE_WARN
										      : ROLE_DIM);
		break;
	case E_UPDATED:
		mlp_time_cell(out, e->last_update_time ? e->last_update_time : e->creation_time,
			      ROLE_NORMAL);
		break;
	case E_LOCATION:
		mlp_cell(out, e->artifact_location, ROLE_DIM);
		break;
	case E_TAGS:
		exps_tags(e, out);
		break;
	}
}

static void exps_title(struct view *v, char *out, size_t n)
{
	struct xp *x = xp_of(v);
	const char *t = x->view_type;
	/* below the servers view, the server's name */
	snprintf(out, n, "%s%s", mlp_base(v->panel) ? x->t->name : "Experiments",
		 !strcmp(t, "ALL")	      ? " (all)"
		 : !strcmp(t, "DELETED_ONLY") ? " (deleted)"
					      : "");
}

static void exps_status(struct view *v, char *out, size_t n)
{
	struct xp *x = xp_of(v);
	char t[100];
	mlp_stopped(t, sizeof t, x->exps.stopped_at);
	snprintf(out, n, "%s%s%s%s", x->exps_filter[0] ? "server filter: " : "", x->exps_filter,
		 x->exps_filter[0] && (x->exps_req || t[0]) ? "  " : "",
		 x->exps_req ? "loading…" : t);
}

static void exps_detail(struct view *v, int row, char *out, size_t n, enum role *role)
{
	struct xp *x = xp_of(v);
	*role = ROLE_ERR;
	if (x->exps_err[0]) {
		snprintf(out, n, "%s", x->exps_err);
	} else if (x->exps.stopped_at) {
		mlp_stopped_detail(out, n, x->exps.stopped_at, "name LIKE 'fraud%'");
		*role = ROLE_WARN;
	}
}

static void exps_empty(struct view *v, char *out, size_t n)
{
	struct xp *x = xp_of(v);
	if (!x->t)
		xp_empty_no_target(out, n);
	else
		snprintf(out, n, "%s",
			 x->exps_err[0] ? x->exps_err
			 : x->exps_req	? "loading…"
					: "no experiments");
}

/* y: the experiment's id. */
static void exps_copy(struct view *v, int row, char *out, size_t n)
{
	struct xp *x = xp_of(v);
	if (row >= 0 && (size_t)row < x->exps.n)
		san_into(out, n, x->exps.items[row].experiment_id,
			 strlen(x->exps.items[row].experiment_id));
}

static void exps_reload(struct view *v)
{
	exps_load(xp_of(v), false);
}

static int exps_open(struct view *v, int row)
{
	struct xp *x = xp_of(v);
	if ((size_t)row >= x->exps.n)
		return P_IGNORED;
	xp_runs_push(v->panel, x->exps.items[row].experiment_id, x->exps.items[row].name,
		     xp_exp_deleted(x, x->exps.items[row].experiment_id));
	return P_REDRAW;
}

/* v: active → deleted → all. */
static int exps_view_type(struct view *v, int row)
{
	struct xp *x = xp_of(v);
	x->view_type = !strcmp(x->view_type, "ACTIVE_ONLY")    ? "DELETED_ONLY"
		       : !strcmp(x->view_type, "DELETED_ONLY") ? "ALL"
							       : "ACTIVE_ONLY";
	exps_load(x, false);
	return P_RELOAD;
}

static const struct view_action exps_actions[] = {
    {"open", "<Enter>", "runs", "the experiment's runs", ACT_F_SELECTION, exps_open},
    {"filter", "/", "filter", NULL, 0, NULL},
    {"view-type", "v", "active/deleted/all", "show the active, deleted or all experiments", 0,
     exps_view_type},
    {"refresh", "r", "refresh", NULL, 0, NULL},
};

static const struct view_ops exps_view = {
    .name = "experiments",
    .title = exps_title,
    .columns = exps_columns,
    .nrows = exps_nrows,
    .cell = exps_cell,
    .generation = exps_generation,
    .detail = exps_detail,
    .empty_text = exps_empty,
    .copy_text = exps_copy,
    .reload = exps_reload,
    .status = exps_status,
    .actions = exps_actions,
    .nactions = ARRAY_LEN(exps_actions),
};

/* ---- commands -------------------------------------------------------------- */

/* :filter EXPR — MLflow's filter grammar, sent to the server, on the
 * experiments and the runs; elsewhere the rows shown are filtered (as /). */
static int cmd_filter(struct panel *p, const char *args)
{
	struct view *v = view_top(p);
	struct xp *x = p->priv;
	if (v->ops == &exps_view) {
		snprintf(x->exps_prev_filter, sizeof x->exps_prev_filter, "%s", x->exps_filter);
		snprintf(x->exps_filter, sizeof x->exps_filter, "%s", args);
		exps_load(x, true);
	} else if (v->ops == &xp_runs_view) {
		xp_runs_server_filter(v->priv, args);
	} else {
		table_set_filter(&v->table, args);
	}
	return 0;
}

/* :order CLAUSE — the server's order_by for the runs. */
static int cmd_order(struct panel *p, const char *args)
{
	struct view *v = view_top(p);
	if (v->ops != &xp_runs_view) {
		app_message(ROLE_ERR, "order: the server orders the runs of an experiment; open "
				      "them first (:runs NAME)");
		return -1;
	}
	xp_runs_server_order(v->priv, args);
	return 0;
}

static void byname_done(void *res, const struct mlc_err *err, void *arg)
{
	struct panel *p = arg;
	struct xp *x = p->priv;
	x->byname_req = NULL;
	if (err) {
		app_message(ROLE_ERR, "%s", err->msg);
		return;
	}
	struct mlflow_experiment *e = res;
	xp_to_base(p);
	xp_runs_push(p, e->experiment_id, e->name,
		     e->lifecycle_stage && !strcmp(e->lifecycle_stage, "deleted"));
}

/* :run ID — a run's detail from elsewhere (Models → a version's run):
 * the runs of its experiment, then the run. */
static void goto_done(void *res, const struct mlc_err *err, void *arg)
{
	struct panel *p = arg;
	struct xp *x = p->priv;
	x->goto_req = NULL;
	if (err) {
		app_message(ROLE_ERR, "%s", err->msg);
		return;
	}
	struct mlflow_run *r = res;
	xp_to_base(p);
	if (!xp_exp_name(x, r->experiment_id) && !x->exps_loaded && !x->exps_req)
		exps_load(x, false); /* for the experiment's name in the breadcrumb */
	const char *eid = r->experiment_id ? r->experiment_id : "0";
	struct xp_runs *rs = xp_runs_push(p, eid, NULL, r->deleted || xp_exp_deleted(x, eid));
	/* This is runs/get already: the detail only lists the artifacts. */
	if (rs)
		xp_detail_push(p, NULL, -1, r);
}

static int cmd_runs(struct panel *p, const char *line, bool one_run)
{
	struct xp *x = p->priv;
	/* Tab completion leaves a space after the name */
	char args[512];
	snprintf(args, sizeof args, "%s", line);
	str_trim(args);
	if (!*args) {
		app_message(ROLE_ERR, "usage: %s", one_run ? "run RUN-ID" : "runs EXPERIMENT-NAME");
		return -1;
	}
	struct mlflowc *c = xp_client(x);
	if (!c) {
		char t[120];
		xp_empty_no_target(t, sizeof t);
		app_message(ROLE_ERR, "%s", t);
		return -1;
	}
	if (one_run) {
		mlflowc_cancel(x->goto_req);
		x->goto_req = mlflowc_run_get(c, &x->keys, args, goto_done, p);
	} else {
		mlflowc_cancel(x->byname_req);
		x->byname_req = mlflowc_experiment_by_name(c, args, byname_done, p);
	}
	return 0;
}

static int cmd_runs_named(struct panel *p, const char *args)
{
	return cmd_runs(p, args, false);
}

static int cmd_run_id(struct panel *p, const char *args)
{
	return cmd_runs(p, args, true);
}

/* :runs Tab: the names of the loaded experiments (a first Tab loads them). */
static void complete_exp(struct panel *p, const char *args, const char *word, struct cmd_cands *out)
{
	struct xp *x = p->priv;
	if (*args)
		return;
	if (!x->exps_loaded && !x->exps_req && x->t)
		exps_load(x, false);
	for (size_t i = 0; i < x->exps.n; i++)
		if (x->exps.items[i].name)
			cmd_cand_add(out, x->exps.items[i].name);
}

/* The server chosen (Enter on the servers view, :server): what was shown
 * of another server goes (its client stays, for a download in flight); the
 * experiments of t are shown. */
static void xp_choose(struct panel *p, const struct target *t)
{
	struct xp *x = p->priv;
	if (x->t != t) {
		view_pop_to_root(p);
		mlflowc_cancel(x->exps_req);
		mlflowc_cancel(x->byname_req);
		mlflowc_cancel(x->goto_req);
		x->exps_req = x->byname_req = x->goto_req = NULL;
		mlflow_experiment_page_free(&x->exps);
		x->exps_loaded = false;
		x->exps_err[0] = x->exps_filter[0] = '\0';
		/* the runs shown name keys of the server they came from */
		mlflow_keys_free(&x->keys);
		mlflow_keys_init(&x->keys);
		x->t = t;
		exps_bump(x);
	}
	mlp_servers_select(p, t);
	xp_to_base(p);
}

/* The views of the server shown go, down to its experiments (pushed again
 * when the servers view is all that is left). */
static void xp_to_base(struct panel *p)
{
	struct xp *x = p->priv;
	int base = mlp_base(p);
	while (view_depth(p) > base + 1)
		view_pop(p);
	if (view_depth(p) == base && x->t)
		view_push(p, &exps_view, NULL);
}

/* :server NAME — which MLflow server the panel shows. */
static int cmd_server(struct panel *p, const char *args)
{
	return mlp_server_cmd(p, args, xp_choose);
}

/* :cancel — the artifact downloads of this panel in flight, after a
 * dialog. */
static int cmd_cancel(struct panel *p, const char *args)
{
	xfer_cancel_ask(p->priv);
	return 0;
}

static const struct cmd_entry xp_cmds[] = {
    {"cancel", NULL, "", "cancel this panel's downloads in flight (asks; the part files are kept)",
     CMD_ARG_NONE, cmd_cancel, NULL},
    {"server", NULL, "NAME", "the MLflow server shown (with several [mlflow NAME] sections)",
     CMD_ARG_TEXT, cmd_server, mlp_complete_server},
    {"filter", NULL, "EXPR",
     "server filter (MLflow's grammar, shown as \"server filter:\") on the experiments and "
     "runs: metrics.auc > 0.8 and params.lr = '0.01'; other views: filter the rows, as /",
     CMD_ARG_TEXT, cmd_filter, NULL},
    {"order", NULL, "CLAUSE",
     "server order of the runs (metrics.val_auc DESC), shown as \"server order:\"; replaces "
     "the local sort",
     CMD_ARG_TEXT, cmd_order, NULL},
    {"runs", NULL, "NAME", "open an experiment's runs", CMD_ARG_TEXT, cmd_runs_named, complete_exp},
    {"run", NULL, "ID", "open a run", CMD_ARG_TEXT, cmd_run_id, NULL},
};

/* ---- the panel --------------------------------------------------------------- */

static void xp_panel_open(struct panel *p)
{
	struct xp *x = xcalloc(1, sizeof *x);
	x->p = p;
	x->view_type = "ACTIVE_ONLY";
	mlflow_keys_init(&x->keys);
	mlp_clients_init(&x->cs);
	p->priv = x;
	if (mlp_ntargets() > 1) {
		mlp_servers_push(p, xp_choose);
	} else {
		x->t = mlp_target_at(0);
		view_push(p, &exps_view, NULL);
	}
}

static void xp_panel_close(struct panel *p)
{
	struct xp *x = p->priv;
	xfer_cancel_owner(x); /* before the client goes */
	mlflowc_cancel(x->exps_req);
	mlflowc_cancel(x->byname_req);
	mlflowc_cancel(x->goto_req);
	mlflow_experiment_page_free(&x->exps);
	mlflow_keys_free(&x->keys);
	mlp_clients_free(&x->cs);
	free(x);
	p->priv = NULL;
}

static const struct view_ops *const xp_views[] = {
    &mlp_servers_view, &exps_view,	 &xp_runs_view,	   &xp_detail_view,  &xp_chart_view,
    &xp_overlay_view,  &xp_compare_view, &xp_columns_view, &xp_preview_view, NULL};

static const struct panel_ops experiments_ops = {
    .name = "experiments",
    .title = "Experiments",
    .digit = 4,
    .open = xp_panel_open,
    .close = xp_panel_close,
    .cmds = xp_cmds,
    .ncmds = ARRAY_LEN(xp_cmds),
    .views = xp_views,
};

struct panel experiments_panel = {.ops = &experiments_ops};
