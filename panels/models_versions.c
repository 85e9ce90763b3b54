/* panels/models_versions.c — the versions of one registered model: stage,
 * aliases (from the panel's models list), status, source run (by name,
 * fetched once per run), created, source, description, tags. Enter opens
 * the run in Experiments (app_goto); A asks for an alias and pushes the
 * promotion view (models_promote.c); t asks for a stage and transitions
 * the version after the confirm dialog. The view owns its requests and
 * cancels them in close; the writes are the panel's (models.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "mlflowp.h"
#include "models.h"
#include "tui/app.h"
#include "tui/glyph.h"

struct md_versions;

/* A source run's name, fetched once per run shown (runs/get). */
struct run_name {
	struct md_versions *owner;
	char id[64];
	char *name;
	struct mlflowc_req *req;
};

/* The view's priv. */
struct md_versions {
	struct models *m;
	struct view *view; /* the view whose priv this is */
	char model[256];
	struct mlflow_version_page versions; /* newest first */
	struct mlflowc_req *req;
	/* No versions: is there such a model? (registered-models/search
	 * name='…'); not_found when the answer is none. */
	struct mlflowc_req *exists_req;
	bool not_found;
	char err[300];
	struct run_name names[32];
	int nnames;
	struct mlflow_keys name_keys;
	char version[64]; /* the version A or t was pressed on */
	char stage[32];	  /* the stage t asked for */
};

/* ---- loading ------------------------------------------------------------- */

static void names_clear(struct md_versions *vs)
{
	for (int i = 0; i < vs->nnames; i++) {
		mlflowc_cancel(vs->names[i].req);
		free(vs->names[i].name);
	}
	vs->nnames = 0;
	mlflow_keys_free(&vs->name_keys);
}

static void name_done(void *res, const struct mlc_err *err, void *arg)
{
	struct run_name *n = arg;
	n->req = NULL;
	if (!err && ((struct mlflow_run *)res)->run_name)
		n->name = xstrdup(((struct mlflow_run *)res)->run_name);
	md_bump(n->owner->m);
}

/* Asks each distinct source run's name (the RUN column shows names). */
static void names_fetch(struct md_versions *vs)
{
	names_clear(vs);
	mlflow_keys_init(&vs->name_keys);
	for (size_t i = 0; i < vs->versions.n && vs->nnames < (int)ARRAY_LEN(vs->names); i++) {
		const char *id = vs->versions.items[i].run_id;
		bool seen = !id || !*id;
		for (int j = 0; !seen && j < vs->nnames; j++)
			seen = !strcmp(vs->names[j].id, id);
		if (seen)
			continue;
		struct run_name *n = &vs->names[vs->nnames++];
		n->owner = vs;
		snprintf(n->id, sizeof n->id, "%s", id);
		n->name = NULL;
		n->req = mlflowc_run_get(md_client(vs->m), &vs->name_keys, id, name_done, n);
	}
}

static const char *run_name_of(const struct md_versions *vs, const char *id)
{
	for (int j = 0; id && j < vs->nnames; j++)
		if (!strcmp(vs->names[j].id, id))
			return vs->names[j].name;
	return NULL;
}

/* Newest first, as the MLflow UI lists them (versions are numbers). */
static int newest_first(const void *a, const void *b)
{
	const struct mlflow_model_version *x = a, *y = b;
	long vx = x->version ? atol(x->version) : 0, vy = y->version ? atol(y->version) : 0;
	return (vx < vy) - (vx > vy);
}

static void exists_done(void *res, const struct mlc_err *err, void *arg)
{
	struct md_versions *vs = arg;
	vs->exists_req = NULL;
	vs->not_found = !err && ((struct mlflow_model_page *)res)->n == 0;
	md_bump(vs->m);
}

/* The version the cursor is on ("" when none), to keep it there. */
static void selected_version(const struct md_versions *vs, char *out, size_t n)
{
	int row = table_selected(&vs->view->table);
	snprintf(out, n, "%s",
		 row >= 0 && (size_t)row < vs->versions.n && vs->versions.items[row].version
		     ? vs->versions.items[row].version
		     : "");
}

static void versions_done(void *res, const struct mlc_err *err, void *arg)
{
	struct md_versions *vs = arg;
	vs->req = NULL;
	if (err) {
		snprintf(vs->err, sizeof vs->err, "%s", err->msg);
	} else {
		char sel[64];
		selected_version(vs, sel, sizeof sel);
		mlflow_version_page_free(&vs->versions);
		vs->versions = *(struct mlflow_version_page *)res;
		memset(res, 0, sizeof vs->versions);
		if (vs->versions.n > 1)
			qsort(vs->versions.items, vs->versions.n, sizeof *vs->versions.items,
			      newest_first);
		vs->err[0] = '\0';
		/* The cursor follows the version, not the row number. */
		for (size_t i = 0; sel[0] && i < vs->versions.n; i++)
			if (vs->versions.items[i].version &&
			    !strcmp(vs->versions.items[i].version, sel))
				view_select_row(vs->view, (int)i);
		names_fetch(vs);
		mlflowc_cancel(vs->exists_req);
		vs->exists_req = NULL;
		vs->not_found = false;
		if (!vs->versions.n) {
			char *f = mlflow_name_filter(vs->model);
			vs->exists_req = mlflowc_models(md_client(vs->m), f, exists_done, vs);
			free(f);
		}
	}
	md_bump(vs->m);
}

static void versions_load(struct md_versions *vs)
{
	if (!md_client(vs->m))
		return;
	mlflowc_cancel(vs->req);
	vs->req = mlflowc_versions(md_client(vs->m), vs->model, versions_done, vs);
	md_bump(vs->m);
}

static const struct mlflow_model_version *version_by(const struct md_versions *vs, const char *v)
{
	for (size_t i = 0; i < vs->versions.n; i++)
		if (!strcmp(vs->versions.items[i].version, v))
			return &vs->versions.items[i];
	return NULL;
}

static const struct mlflow_model_version *version_at(const struct md_versions *vs, int row)
{
	return row >= 0 && (size_t)row < vs->versions.n ? &vs->versions.items[row] : NULL;
}

/* The aliases of version ver ("champion challenger"). */
static void aliases_of(const struct md_versions *vs, const char *ver, char *out, size_t n)
{
	const struct mlflow_model *m = md_model_named(vs->m, vs->model);
	out[0] = '\0';
	for (size_t i = 0; m && i < m->naliases; i++)
		if (!strcmp(m->aliases[i].version, ver))
			snprintf(out + strlen(out), n - strlen(out), "%s%s", out[0] ? " " : "",
				 m->aliases[i].alias);
}

/* ---- the table ----------------------------------------------------------- */

enum { V_VERSION, V_STAGE, V_ALIASES, V_STATUS, V_RUN, V_CREATED, V_SOURCE, V_DESC, V_TAGS, V_N };
static const struct column version_cols[V_N] = {
    [V_VERSION] = {"VERSION", 7, 7, ALIGN_RIGHT, 0, true},
    [V_STAGE] = {"STAGE", 7, 10, ALIGN_LEFT, 0, false},
    [V_ALIASES] = {"ALIASES", 7, 20, ALIGN_LEFT, 1, false},
    [V_STATUS] = {"STATUS", 6, 8, ALIGN_LEFT, 4, false},
    [V_RUN] = {"RUN", 10, 34, ALIGN_LEFT, 2, false},
    [V_CREATED] = {"CREATED", 11, 11, ALIGN_LEFT, 3, false},
    [V_SOURCE] = {"SOURCE", 8, 40, ALIGN_LEFT, 7, false},
    [V_DESC] = {"DESCRIPTION", 8, 40, ALIGN_LEFT, 5, false},
    [V_TAGS] = {"TAGS", 4, 0, ALIGN_LEFT, 6, false},
};

static void vv_title(struct view *v, char *out, size_t n)
{
	struct md_versions *vs = v->priv;
	snprintf(out, n, "%s", vs->model);
}

static const struct column *vv_columns(struct view *v, int *n)
{
	*n = V_N;
	return version_cols;
}

static int vv_nrows(struct view *v)
{
	struct md_versions *vs = v->priv;
	return (int)vs->versions.n;
}

static unsigned long vv_generation(struct view *v)
{
	return md_of(v)->gen;
}

static enum role stage_role(const char *s)
{
	return !s			  ? ROLE_DIM
	       : !strcmp(s, "Production") ? ROLE_OK
	       : !strcmp(s, "Staging")	  ? ROLE_WARN
					  : ROLE_DIM;
}

static void vv_cell(struct view *v, int row, int col, struct cell *out)
{
	struct md_versions *vs = v->priv;
	const struct mlflow_model_version *ver = version_at(vs, row);
	char t[256];
	out->text[0] = '\0';
	out->role = ROLE_NORMAL;
	if (!ver)
		return;
	switch (col) {
	case V_VERSION:
		mlp_cell(out, ver->version, ROLE_NORMAL);
		break;
	case V_STAGE:
		mlp_cell(out, ver->current_stage, stage_role(ver->current_stage));
		break;
	case V_ALIASES:
		aliases_of(vs, ver->version, t, sizeof t);
		mlp_cell(out, t, ROLE_MARK);
		break;
	case V_STATUS:
		mlp_cell(out, ver->status, ROLE_DIM);
		break;
	case V_RUN: {
		const char *name = run_name_of(vs, ver->run_id);
		snprintf(t, sizeof t, "%s %s",
			 name	       ? name
			 : ver->run_id ? ver->run_id
				       : "-",
			 glyph(G_ARROW));
		mlp_cell(out, ver->run_id ? t : NULL, ROLE_KEY);
		break;
	}
	case V_CREATED:
		mlp_time_cell(out, ver->creation_timestamp, ROLE_NORMAL);
		break;
	case V_SOURCE:
		mlp_cell(out, ver->source, ROLE_DIM);
		break;
	case V_DESC:
		mlp_cell(out, ver->description, ROLE_NORMAL);
		break;
	case V_TAGS:
		md_kv_cell(ver->tags, ver->ntags, out);
		break;
	}
}

static void vv_detail(struct view *v, int row, char *out, size_t n, enum role *role)
{
	struct md_versions *vs = v->priv;
	const struct mlflow_model_version *ver = version_at(vs, row);
	*role = ROLE_DIM;
	if (vs->err[0]) {
		snprintf(out, n, "%s", vs->err);
		*role = ROLE_ERR;
	} else if (vs->versions.stopped_at) {
		snprintf(out, n, "more versions on the server than the %zu listed",
			 vs->versions.stopped_at);
		*role = ROLE_WARN;
	} else if (ver) {
		snprintf(out, n, "source %s", ver->source ? ver->source : "-");
	}
}

static void vv_empty(struct view *v, char *out, size_t n)
{
	struct md_versions *vs = v->priv;
	if (vs->not_found) {
		char *name = san_str(vs->model);
		snprintf(out, n, "registered model %s not found", name);
		free(name);
		return;
	}
	md_empty_text(vs->m, vs->err, vs->req || vs->exists_req, "no versions", out, n);
}

static void vv_status(struct view *v, char *out, size_t n)
{
	struct md_versions *vs = v->priv;
	char t[100];
	mlp_stopped(t, sizeof t, vs->versions.stopped_at);
	snprintf(out, n, "%s", vs->req ? "loading…" : t);
}

/* y: models:/NAME/VERSION (what mlflow.pyfunc.load_model takes), sanitized. */
static void vv_copy(struct view *v, int row, char *out, size_t n)
{
	struct md_versions *vs = v->priv;
	const struct mlflow_model_version *ver = version_at(vs, row);
	if (!ver)
		return;
	char *raw = xasprintf("models:/%s/%s", vs->model, ver->version);
	san_into(out, n, raw, strlen(raw));
	free(raw);
}

/* r: the models (the aliases live there) and the versions. */
static void vv_reload(struct view *v)
{
	struct md_versions *vs = v->priv;
	md_models_load(vs->m);
	versions_load(vs);
}

static void vv_close(struct view *v)
{
	struct md_versions *vs = v->priv;
	md_forget_view(vs->m, v);
	mlflowc_cancel(vs->req);
	mlflowc_cancel(vs->exists_req);
	names_clear(vs);
	mlflow_version_page_free(&vs->versions);
	free(vs);
}

/* ---- actions ------------------------------------------------------------- */

static int vv_open(struct view *v, int row)
{
	const struct mlflow_model_version *ver = version_at(v->priv, row);
	if (!ver || !ver->run_id)
		return P_IGNORED;
	/* the run is on the server shown here */
	struct models *m = md_of(v);
	if (mlp_ntargets() > 1 && !app_goto("experiments", "server", m->t->name))
		return P_REDRAW;
	if (!app_goto("experiments", "run", ver->run_id))
		app_message(ROLE_ERR, "the Experiments panel did not take the run");
	return P_REDRAW;
}

/* The alias typed after A: the promotion view, holder against candidate. */
static void alias_given(void *arg, const char *text)
{
	struct models *m = arg;
	struct view *v = md_answered(m, text && *text, NULL);
	if (!v)
		return;
	struct md_versions *vs = v->priv;
	const struct mlflow_model_version *cand = version_by(vs, vs->version);
	const struct mlflow_model *model = md_model_named(m, vs->model);
	const char *holder = NULL;
	for (size_t i = 0; model && i < model->naliases; i++)
		if (!strcmp(model->aliases[i].alias, text))
			holder = model->aliases[i].version;
	const struct mlflow_model_version *hv = holder ? version_by(vs, holder) : NULL;
	md_promote_push(m, vs->model, text, vs->version, cand ? cand->run_id : NULL, holder,
			hv ? hv->run_id : NULL);
}

static int vv_move_alias(struct view *v, int row)
{
	struct md_versions *vs = v->priv;
	snprintf(vs->version, sizeof vs->version, "%s", version_at(vs, row)->version);
	vs->m->asking = v;
	app_input("alias to move to this version: ", "champion", alias_given, vs->m);
	return P_REDRAW;
}

static const char *const stages[] = {"None", "Staging", "Production", "Archived"};

static void stage_confirmed(void *arg, bool yes)
{
	struct models *m = arg;
	struct view *v = md_answered(m, yes, "stage not changed");
	if (!v)
		return;
	struct md_versions *vs = v->priv;
	md_write_stage(m, vs->model, vs->version, vs->stage);
}

/* The stage typed after t: the confirm dialog naming the exact change. */
static void stage_given(void *arg, const char *text)
{
	struct models *m = arg;
	struct view *v = md_answered(m, text && *text, NULL);
	if (!v)
		return;
	struct md_versions *vs = v->priv;
	const char *canon = NULL;
	for (size_t i = 0; i < ARRAY_LEN(stages); i++)
		if (!strcasecmp(text, stages[i]))
			canon = stages[i];
	if (!canon) {
		app_message(ROLE_ERR, "stage must be None, Staging, Production or Archived");
		return;
	}
	snprintf(vs->stage, sizeof vs->stage, "%s", canon);
	char l1[300], l2[300];
	char *name = san_str(vs->model);
	const struct mlflow_model_version *ver = version_by(vs, vs->version);
	snprintf(l1, sizeof l1, "model     %s version %s", name, vs->version);
	snprintf(l2, sizeof l2, "stage     %s → %s",
		 ver && ver->current_stage ? ver->current_stage : "?", canon);
	free(name);
	m->asking = v;
	struct dialog d = {.title = "Transition a model version?",
			   .lines = {l1, l2, NULL},
			   .action = "change the stage",
			   .done = stage_confirmed,
			   .arg = m};
	app_confirm(&d);
}

static int vv_transition(struct view *v, int row)
{
	struct md_versions *vs = v->priv;
	const struct mlflow_model_version *ver = version_at(vs, row);
	snprintf(vs->version, sizeof vs->version, "%s", ver->version);
	vs->m->asking = v;
	app_input("new stage (None, Staging, Production, Archived): ",
		  ver->current_stage && !strcmp(ver->current_stage, "Production") ? "Archived"
										  : "Production",
		  stage_given, vs->m);
	return P_REDRAW;
}

static const struct view_action versions_actions[] = {
    {"open", "<Enter>", "open run", "open the version's source run in Experiments", ACT_F_SELECTION,
     vv_open},
    {"move-alias", "A", "move alias", "move an alias to this one",
     ACT_F_SELECTION | ACT_F_WRITES | ACT_F_CONFIRM, vv_move_alias},
    {"transition", "t", "transition stage", "change the version's stage",
     ACT_F_SELECTION | ACT_F_WRITES | ACT_F_CONFIRM, vv_transition},
};

const struct view_ops versions_view = {
    .name = "versions",
    .title = vv_title,
    .columns = vv_columns,
    .nrows = vv_nrows,
    .cell = vv_cell,
    .generation = vv_generation,
    .detail = vv_detail,
    .empty_text = vv_empty,
    .copy_text = vv_copy,
    .reload = vv_reload,
    .status = vv_status,
    .close = vv_close,
    .actions = versions_actions,
    .nactions = ARRAY_LEN(versions_actions),
};

struct view *md_versions_push(struct models *m, const char *model)
{
	struct md_versions *vs = xcalloc(1, sizeof *vs);
	vs->m = m;
	snprintf(vs->model, sizeof vs->model, "%s", model);
	struct view *v = view_push(m->p, &versions_view, vs);
	if (!v) {
		free(vs);
		return NULL;
	}
	vs->view = v;
	versions_load(vs);
	return v;
}
