/* panels/models.c — the Models panel (digit 5, :models): its state, the
 * registered models view (latest version per stage, aliases, last update,
 * description, tags; Enter → the versions of one model), the commands
 * `:model NAME` and `:filter EXPR` (MLflow's grammar, sent to the server),
 * and the one write in flight (alias move, stage transition). The versions
 * and promotion views are in models_versions.c and models_promote.c. Talks
 * to MLflow only through lib/mlflow/mlflowc; every request is cancelled by
 * the view or panel that owns it when that closes. */
#include "models.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/log.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "mlflowp.h"
#include "tui/app.h"
#include "tui/cmd.h"

struct models *md_of(struct view *v)
{
	return v->panel->priv;
}

void md_bump(struct models *m)
{
	m->gen++;
	app_dirty();
}

struct mlflowc *md_client(struct models *m)
{
	return mlp_client(&m->cs, m->t);
}

const struct mlflow_model *md_model_named(const struct models *m, const char *name)
{
	for (size_t i = 0; i < m->models.n; i++)
		if (!strcmp(m->models.items[i].name, name))
			return &m->models.items[i];
	return NULL;
}

void md_forget_view(struct models *m, struct view *v)
{
	if (m->asking == v)
		m->asking = NULL;
	if (m->write_pop == v)
		m->write_pop = NULL;
}

struct view *md_answered(struct models *m, bool yes, const char *declined)
{
	struct view *v = m->asking;
	m->asking = NULL;
	if (!v)
		return NULL;
	if (!yes && declined)
		app_message(ROLE_DIM, "%s", declined);
	return yes ? v : NULL;
}

void md_kv_cell(const struct mlflow_kv *kv, size_t n, struct cell *out)
{
	struct buf b;
	buf_init(&b);
	for (size_t i = 0; i < n && b.len < 400; i++)
		buf_printf(&b, "%s%s=%s", b.len ? " " : "", kv[i].key,
			   kv[i].value ? kv[i].value : "");
	mlp_cell(out, b.data, ROLE_NORMAL);
	buf_free(&b);
}

/* ---- loading ------------------------------------------------------------- */

/* The cursor follows the model (by name) across a reload. */
/* The models view, when it is on the stack. */
static struct view *models_v(struct models *m)
{
	struct view *v = view_at(m->p, mlp_base(m->p));
	return v && v->ops == &models_view ? v : NULL;
}

static void follow_model(struct models *m, const char *name)
{
	struct view *v = models_v(m);
	for (size_t i = 0; v && name[0] && i < m->models.n; i++)
		if (m->models.items[i].name && !strcmp(m->models.items[i].name, name))
			view_select_row(v, (int)i);
}

static void models_done(void *res, const struct mlc_err *err, void *arg)
{
	struct models *m = arg;
	m->models_req = NULL;
	char sel[256] = "";
	int row = models_v(m) ? table_selected(&models_v(m)->table) : -1;
	if (row >= 0 && (size_t)row < m->models.n && m->models.items[row].name)
		snprintf(sel, sizeof sel, "%s", m->models.items[row].name);
	if (err && m->req_filtered) {
		/* A :filter the server refused: reported, old rows and filter kept. */
		app_message(ROLE_ERR, "%s", err->msg);
		snprintf(m->filter, sizeof m->filter, "%s", m->prev_filter);
	} else if (err) {
		snprintf(m->err, sizeof m->err, "%s", err->msg);
	} else {
		mlflow_model_page_free(&m->models);
		m->models = *(struct mlflow_model_page *)res;
		memset(res, 0, sizeof m->models);
		m->err[0] = '\0';
		m->loaded = true;
		follow_model(m, sel);
	}
	md_bump(m);
}

void md_models_load(struct models *m)
{
	if (!md_client(m))
		return;
	mlflowc_cancel(m->models_req);
	m->req_filtered = m->filter[0] != '\0';
	m->models_req = mlflowc_models(md_client(m), m->filter, models_done, m);
	md_bump(m);
}

/* ---- writes -------------------------------------------------------------- */

static const char *md_target_name(const struct models *m)
{
	return m->write_t && m->write_t->name ? m->write_t->name : "mlflow";
}

static void write_done(void *res, const struct mlc_err *err, void *arg)
{
	struct models *m = arg;
	m->write_req = NULL;
	/* The audit record: the target, the exact request, what came back. */
	log_audit(md_target_name(m), m->write_audit, err ? err->msg : "ok");
	if (err) {
		app_message(ROLE_ERR, "%s", err->msg);
	} else {
		app_message(ROLE_OK, "%s", m->write_msg);
		/* Moved: back to the versions, which show the alias where it is now. */
		if (m->write_pop && view_top(m->p) == m->write_pop)
			view_pop(m->p);
	}
	m->write_pop = NULL;
	struct view *top = view_top(m->p);
	if (top->ops->reload)
		top->ops->reload(top);
	else
		md_models_load(m);
}

/* The write's request as the audit log records it ("POST …/alias {name:
 * fraud-detector, alias: champion, version: 3}"); log_audit sanitizes. */
static void audit_request(struct models *m, const char *req, const char *model, const char *what,
			  const char *value, const char *version, const char *extra)
{
	if (m->write_req) /* cancelled by the caller: sent, its answer never read */
		log_audit(md_target_name(m), m->write_audit,
			  "abandoned for a newer write: unknown");
	snprintf(m->write_audit, sizeof m->write_audit, "%s {name: %s, %s: %s, version: %s%s}", req,
		 model, what, value, version, extra);
}

void md_write_alias(struct models *m, const char *model, const char *alias, const char *version,
		    struct view *from)
{
	char *a = san_str(alias), *n = san_str(model);
	snprintf(m->write_msg, sizeof m->write_msg, "%s: alias %s now points at version %s", n, a,
		 version);
	free(a);
	free(n);
	mlflowc_cancel(m->write_req);
	audit_request(m, "POST /api/2.0/mlflow/registered-models/alias", model, "alias", alias,
		      version, "");
	m->write_pop = from;
	m->write_t = m->t;
	m->write_req = mlflowc_alias_set(md_client(m), model, alias, version, write_done, m);
}

void md_write_stage(struct models *m, const char *model, const char *version, const char *stage)
{
	char *n = san_str(model);
	snprintf(m->write_msg, sizeof m->write_msg, "%s: version %s is now in %s", n, version,
		 stage);
	free(n);
	mlflowc_cancel(m->write_req);
	audit_request(m, "POST /api/2.0/mlflow/model-versions/transition-stage", model, "stage",
		      stage, version, ", archive_existing_versions: false");
	m->write_pop = NULL;
	m->write_t = m->t;
	m->write_req =
	    mlflowc_transition(md_client(m), model, version, stage, false, write_done, m);
}

/* ---- the models view ----------------------------------------------------- */

enum { M_NAME, M_LATEST, M_ALIASES, M_UPDATED, M_DESC, M_TAGS, M_COUNT };
static const struct column model_cols[M_COUNT] = {
    [M_NAME] = {"NAME", 10, 28, ALIGN_LEFT, 0, false},
    [M_LATEST] = {"LATEST (STAGE:VERSION)", 10, 34, ALIGN_LEFT, 1, false},
    [M_ALIASES] = {"ALIASES", 7, 26, ALIGN_LEFT, 2, false},
    [M_UPDATED] = {"UPDATED", 11, 11, ALIGN_LEFT, 3, false},
    [M_DESC] = {"DESCRIPTION", 10, 40, ALIGN_LEFT, 4, false},
    [M_TAGS] = {"TAGS", 4, 0, ALIGN_LEFT, 5, false},
};

static void mv_title(struct view *v, char *out, size_t n)
{
	/* below the servers view, the server's name */
	snprintf(out, n, "%s", mlp_base(v->panel) ? md_of(v)->t->name : "Models");
}

static const struct column *mv_columns(struct view *v, int *n)
{
	*n = M_COUNT;
	return model_cols;
}

static int mv_nrows(struct view *v)
{
	struct models *m = md_of(v);
	/* Loaded when first shown, not at startup. */
	if (!m->loaded && !m->models_req && !m->err[0] && m->t)
		md_models_load(m);
	return (int)m->models.n;
}

static unsigned long mv_generation(struct view *v)
{
	return md_of(v)->gen;
}

static void model_cell(const struct mlflow_model *m, int col, struct cell *out)
{
	struct buf b;
	buf_init(&b);
	switch (col) {
	case M_NAME:
		mlp_cell(out, m->name, ROLE_NORMAL);
		break;
	case M_LATEST:
		for (size_t i = 0; i < m->nlatest; i++)
			buf_printf(&b, "%s%s:%s", b.len ? " " : "",
				   m->latest[i].current_stage ? m->latest[i].current_stage : "?",
				   m->latest[i].version);
		mlp_cell(out, b.data, ROLE_NORMAL);
		break;
	case M_ALIASES:
		for (size_t i = 0; i < m->naliases; i++)
			buf_printf(&b, "%s%s→%s", b.len ? " " : "", m->aliases[i].alias,
				   m->aliases[i].version);
		mlp_cell(out, b.data, ROLE_MARK);
		break;
	case M_UPDATED:
		mlp_time_cell(out, m->last_updated_timestamp, ROLE_NORMAL);
		break;
	case M_DESC:
		mlp_cell(out, m->description, ROLE_DIM);
		break;
	case M_TAGS:
		md_kv_cell(m->tags, m->ntags, out);
		break;
	}
	buf_free(&b);
}

static void mv_cell(struct view *v, int row, int col, struct cell *out)
{
	struct models *m = md_of(v);
	out->text[0] = '\0';
	out->role = ROLE_NORMAL;
	if ((size_t)row < m->models.n)
		model_cell(&m->models.items[row], col, out);
}

static void mv_detail(struct view *v, int row, char *out, size_t n, enum role *role)
{
	struct models *m = md_of(v);
	*role = ROLE_ERR;
	if (m->err[0]) {
		snprintf(out, n, "%s", m->err);
	} else if (m->models.stopped_at) {
		mlp_stopped_detail(out, n, m->models.stopped_at, "name LIKE 'fraud%'");
		*role = ROLE_WARN;
	}
}

void md_empty_text(const struct models *m, const char *err, bool loading, const char *none,
		   char *out, size_t n)
{
	if (!m->t)
		snprintf(out, n, "%s",
			 mlp_ntargets()
			     ? "several MLflow servers: choose one (Enter on it, or "
			       ":server NAME)"
			     : "no MLflow configured: set MLFLOW_TRACKING_URI or [mlflow] url");
	else if (err[0])
		snprintf(out, n, "%s", err);
	else
		snprintf(out, n, "%s", loading ? "loading…" : none);
}

static void mv_empty(struct view *v, char *out, size_t n)
{
	struct models *m = md_of(v);
	md_empty_text(m, m->err, m->models_req != NULL, "no registered models", out, n);
}

/* The server-side filter in force, beside the breadcrumb. */
static void mv_status(struct view *v, char *out, size_t n)
{
	struct models *m = md_of(v);
	char t[100];
	mlp_stopped(t, sizeof t, m->models.stopped_at);
	snprintf(out, n, "%s%s%s%s", m->filter[0] ? "server filter: " : "", m->filter,
		 m->filter[0] && (m->models_req || t[0]) ? "  " : "",
		 m->models_req ? "loading…" : t);
}

/* y: models:/NAME (what mlflow.pyfunc.load_model takes), sanitized. */
static void mv_copy(struct view *v, int row, char *out, size_t n)
{
	struct models *m = md_of(v);
	if (row < 0 || (size_t)row >= m->models.n)
		return;
	char *raw = xasprintf("models:/%s", m->models.items[row].name);
	san_into(out, n, raw, strlen(raw));
	free(raw);
}

static void mv_reload(struct view *v)
{
	md_models_load(md_of(v));
}

static int mv_open(struct view *v, int row)
{
	struct models *m = md_of(v);
	if ((size_t)row < m->models.n)
		md_versions_push(m, m->models.items[row].name);
	return P_REDRAW;
}

static const struct view_action models_actions[] = {
    {"open", "<Enter>", "versions", "the versions of the selected model", ACT_F_SELECTION, mv_open},
    {"filter", "/", "filter", NULL, 0, NULL},
    {"sort", "s", "sort", NULL, 0, NULL},
    {"refresh", "r", "refresh", NULL, 0, NULL},
};

const struct view_ops models_view = {
    .name = "models",
    .title = mv_title,
    .columns = mv_columns,
    .nrows = mv_nrows,
    .cell = mv_cell,
    .generation = mv_generation,
    .detail = mv_detail,
    .empty_text = mv_empty,
    .copy_text = mv_copy,
    .reload = mv_reload,
    .status = mv_status,
    .actions = models_actions,
    .nactions = ARRAY_LEN(models_actions),
};

/* ---- commands ------------------------------------------------------------ */

/* The views of the server shown go, down to its models (pushed again when
 * the servers view is all that is left). */
static void md_to_base(struct panel *p)
{
	struct models *m = p->priv;
	int base = mlp_base(p);
	while (view_depth(p) > base + 1)
		view_pop(p);
	if (view_depth(p) == base && m->t)
		view_push(p, &models_view, NULL);
}

/* The server chosen (Enter on the servers view, :server): what was shown of
 * another server goes (a write in flight keeps its client and finishes). */
static void md_choose(struct panel *p, const struct target *t)
{
	struct models *m = p->priv;
	if (m->t != t) {
		view_pop_to_root(p);
		mlflowc_cancel(m->models_req);
		m->models_req = NULL;
		mlflow_model_page_free(&m->models);
		m->loaded = false;
		m->err[0] = m->filter[0] = '\0';
		m->t = t;
		md_bump(m);
	}
	mlp_servers_select(p, t);
	md_to_base(p);
}

/* :server NAME — which MLflow server the panel shows. */
static int cmd_server(struct panel *p, const char *args)
{
	return mlp_server_cmd(p, args, md_choose);
}

/* :model NAME, from any panel: the versions of NAME on top of the models. */
static int cmd_model(struct panel *p, const char *args)
{
	struct models *m = p->priv;
	char name[256];
	snprintf(name, sizeof name, "%s", args);
	str_trim(name); /* Tab completes with a space after the name */
	if (!*name) {
		app_message(ROLE_ERR, "usage: model NAME");
		return -1;
	}
	if (!md_client(m)) {
		char t[120];
		md_empty_text(m, "", false, "", t, sizeof t);
		app_message(ROLE_ERR, "%s", t);
		return -1;
	}
	if (!m->loaded && !m->models_req)
		md_models_load(m); /* the aliases live on the model */
	md_to_base(p);
	md_versions_push(m, name);
	return 0;
}

/* Tab after :model: the names of the models loaded (a first Tab before
 * they are loaded starts the load). */
static void complete_model(struct panel *p, const char *args, const char *word,
			   struct cmd_cands *out)
{
	struct models *m = p->priv;
	if (*args)
		return;
	if (!m->loaded && !m->models_req && m->t)
		md_models_load(m);
	for (size_t i = 0; i < m->models.n; i++)
		cmd_cand_add(out, m->models.items[i].name);
}

/* :filter EXPR on the models goes to the server (MLflow's grammar: name
 * LIKE 'fraud%', tags.team = 'risk-ml'); an empty one clears it. In the
 * other views it filters the rows, as the shell's :filter does. */
static int cmd_filter(struct panel *p, const char *args)
{
	struct models *m = p->priv;
	struct view *top = view_top(p);
	if (top->ops != &models_view) {
		table_set_filter(&top->table, args);
		return 0;
	}
	snprintf(m->prev_filter, sizeof m->prev_filter, "%s", m->filter);
	snprintf(m->filter, sizeof m->filter, "%s", args);
	md_models_load(m);
	return 0;
}

static const struct cmd_entry models_cmds[] = {
    {"server", NULL, "NAME", "the MLflow server shown (with several [mlflow NAME] sections)",
     CMD_ARG_TEXT, cmd_server, mlp_complete_server},
    {"model", NULL, "NAME", "open a registered model's versions", CMD_ARG_TEXT, cmd_model,
     complete_model},
    {"filter", NULL, "EXPR",
     "server filter on the models (MLflow's grammar, shown as \"server filter:\"): name LIKE "
     "'fraud%', tags.team = 'risk-ml'; other views: filter the rows, as /",
     CMD_ARG_TEXT, cmd_filter, NULL},
};

/* ---- the panel ----------------------------------------------------------- */

static void md_open(struct panel *p)
{
	struct models *m = xcalloc(1, sizeof *m);
	m->p = p;
	mlp_clients_init(&m->cs);
	p->priv = m;
	if (mlp_ntargets() > 1) {
		mlp_servers_push(p, md_choose);
	} else {
		m->t = mlp_target_at(0);
		view_push(p, &models_view, NULL);
	}
}

static void md_close(struct panel *p)
{
	struct models *m = p->priv;
	mlflowc_cancel(m->models_req);
	if (m->write_req)
		log_audit(md_target_name(m), m->write_audit, "abandoned at exit: unknown");
	mlflowc_cancel(m->write_req);
	mlflow_model_page_free(&m->models);
	mlp_clients_free(&m->cs);
	free(m);
	p->priv = NULL;
}

static const struct view_ops *const models_views[] = {&mlp_servers_view, &models_view,
						      &versions_view, &promote_view, NULL};

static const struct panel_ops models_ops = {
    .name = "models",
    .title = "Models",
    .digit = 5,
    .open = md_open,
    .close = md_close,
    .cmds = models_cmds,
    .ncmds = ARRAY_LEN(models_cmds),
    .views = models_views,
};

struct panel models_panel = {.ops = &models_ops};
