/* panels/models.c — the Models panel (digit 5, :models): registered models
 * (latest version per stage, aliases, last update, description, tags),
 * Enter → the versions of one model, Enter on a version → its run in
 * Experiments (app_goto). A moves an alias to the selected version behind
 * a guarded promotion view (the current holder's run and the candidate's
 * side by side, the params and metrics that differ) and the confirm dialog;
 * t transitions the stage (confirm). Both refused under --readonly. Talks
 * to MLflow only through lib/mlflowc; requests of a view are cancelled when
 * it is left. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mlflow/mlflowc.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "mlflowp.h"
#include "tui/app.h"
#include "tui/canvas.h"

enum mview { MV_MODELS, MV_VERSIONS, MV_PROMOTE };

/* A row of the promotion view: a key and the holder's / candidate's value. */
struct prow {
	char *key, *holder, *cand;
};

static struct {
	struct mlflowc c;
	bool have_client;
	enum mview view;
	unsigned long gen;
	struct mlflow_model_page models;
	struct mlflowc_req *models_req;
	bool loaded;
	char filter[256], prev_filter[256]; /* :filter, sent to the server */
	char err[300];
	char model[256];
	struct mlflow_version_page versions;
	struct mlflowc_req *versions_req, *write_req;
	/* promotion */
	char alias[128], cand_version[64], holder_version[64];
	struct mlflow_keys keys;
	struct mlflow_run holder, cand;
	int got; /* runs fetched (holder may be absent: counts as got) */
	struct mlflowc_req *holder_req, *cand_req, *alias_req;
	struct prow *prows;
	int nprows;
	/* transition */
	char stage[32], trans_version[64];
	/* the source runs' names, fetched once per run shown (runs/get) */
	struct run_name {
		char id[64];
		char *name;
		struct mlflowc_req *req;
	} names[32];
	int nnames;
	struct mlflow_keys name_keys;
} M;

static void bump(void)
{
	M.gen++;
	app_dirty();
}

static bool client(void)
{
	if (M.have_client)
		return true;
	const struct target *t = mlp_target();
	if (!t)
		return false;
	mlflowc_init(&M.c, t);
	M.have_client = true;
	return true;
}

static void models_done(void *res, const struct mlc_err *err, void *arg)
{
	M.models_req = NULL;
	if (err && arg) {
		/* A :filter the server refused: reported, old rows and filter kept. */
		app_message(ROLE_ERR, "%s", err->msg);
		snprintf(M.filter, sizeof M.filter, "%s", M.prev_filter);
	} else if (err) {
		snprintf(M.err, sizeof M.err, "%s", err->msg);
	} else {
		mlflow_model_page_free(&M.models);
		M.models = *(struct mlflow_model_page *)res;
		memset(res, 0, sizeof M.models);
		M.err[0] = '\0';
		M.loaded = true;
	}
	bump();
}

static void models_load(void)
{
	if (!client())
		return;
	mlflowc_cancel(M.models_req);
	M.models_req = mlflowc_models(&M.c, M.filter, models_done, M.filter[0] ? &M : NULL);
	bump();
}

static void names_clear(void)
{
	for (int i = 0; i < M.nnames; i++) {
		mlflowc_cancel(M.names[i].req);
		free(M.names[i].name);
	}
	M.nnames = 0;
	mlflow_keys_free(&M.name_keys);
}

static void name_done(void *res, const struct mlc_err *err, void *arg)
{
	struct run_name *n = arg;
	n->req = NULL;
	if (!err && ((struct mlflow_run *)res)->run_name)
		n->name = xstrdup(((struct mlflow_run *)res)->run_name);
	bump();
}

/* Asks each distinct source run's name (the RUN column shows names). */
static void names_fetch(void)
{
	names_clear();
	mlflow_keys_init(&M.name_keys);
	for (size_t i = 0; i < M.versions.n && M.nnames < (int)ARRAY_LEN(M.names); i++) {
		const char *id = M.versions.items[i].run_id;
		bool seen = !id || !*id;
		for (int j = 0; !seen && j < M.nnames; j++)
			seen = !strcmp(M.names[j].id, id);
		if (seen)
			continue;
		struct run_name *n = &M.names[M.nnames++];
		snprintf(n->id, sizeof n->id, "%s", id);
		n->name = NULL;
		n->req = mlflowc_run_get(&M.c, &M.name_keys, id, name_done, n);
	}
}

static const char *run_name_of(const char *id)
{
	for (int j = 0; id && j < M.nnames; j++)
		if (!strcmp(M.names[j].id, id))
			return M.names[j].name;
	return NULL;
}

static void versions_done(void *res, const struct mlc_err *err, void *arg)
{
	M.versions_req = NULL;
	if (err) {
		snprintf(M.err, sizeof M.err, "%s", err->msg);
	} else {
		mlflow_version_page_free(&M.versions);
		M.versions = *(struct mlflow_version_page *)res;
		memset(res, 0, sizeof M.versions);
		M.err[0] = '\0';
		names_fetch();
	}
	bump();
}

static void versions_load(void)
{
	if (!client())
		return;
	mlflowc_cancel(M.versions_req);
	M.versions_req = mlflowc_versions(&M.c, M.model, versions_done, NULL);
	bump();
}

static const struct mlflow_model *cur_model(void)
{
	for (size_t i = 0; i < M.models.n; i++)
		if (!strcmp(M.models.items[i].name, M.model))
			return &M.models.items[i];
	return NULL;
}

/* The aliases of version v of the current model ("champion challenger"). */
static void aliases_of(const char *v, char *out, size_t n)
{
	const struct mlflow_model *m = cur_model();
	out[0] = '\0';
	for (size_t i = 0; m && i < m->naliases; i++)
		if (!strcmp(m->aliases[i].version, v))
			snprintf(out + strlen(out), n - strlen(out), "%s%s", out[0] ? " " : "",
				 m->aliases[i].alias);
}

/* ---- promotion view ------------------------------------------------------- */

static void prows_free(void)
{
	for (int i = 0; i < M.nprows; i++) {
		free(M.prows[i].key);
		free(M.prows[i].holder);
		free(M.prows[i].cand);
	}
	free(M.prows);
	M.prows = NULL;
	M.nprows = 0;
}

static void prow(const char *key, const char *h, const char *c)
{
	M.prows = xrealloc(M.prows, (size_t)(M.nprows + 1) * sizeof *M.prows);
	M.prows[M.nprows++] =
	    (struct prow){xstrdup(key), xstrdup(h ? h : "-"), xstrdup(c ? c : "-")};
}

/* Params and metrics where the holder's run and the candidate's differ. */
static void promote_rebuild(void)
{
	prows_free();
	char *hv = xasprintf("%s", M.holder_version[0] ? M.holder_version : "(none)");
	prow("version", hv, M.cand_version);
	free(hv);
	prow("run", M.holder.run_name, M.cand.run_name);
	for (uint32_t k = 0; k < M.keys.n; k++) {
		const char *ph = mlflow_run_param(&M.holder, k), *pc = mlflow_run_param(&M.cand, k);
		if ((ph || pc) && (!ph || !pc || strcmp(ph, pc))) {
			char *key = xasprintf("param %s", mlflow_keys_name(&M.keys, k));
			prow(key, ph, pc);
			free(key);
		}
	}
	for (uint32_t k = 0; k < M.keys.n; k++) {
		const struct mlflow_metric *mh = mlflow_run_metric(&M.holder, k);
		const struct mlflow_metric *mc = mlflow_run_metric(&M.cand, k);
		if (!mh && !mc)
			continue;
		char a[64] = "-", b[64] = "-";
		if (mh)
			mlflow_fmt_metric(a, sizeof a, mh->value);
		if (mc)
			mlflow_fmt_metric(b, sizeof b, mc->value);
		if (strcmp(a, b))
			prow(mlflow_keys_name(&M.keys, k), a, b);
	}
	bump();
}

static void run_got(void *res, const struct mlc_err *err, void *arg)
{
	struct mlflow_run *dst = arg;
	if (dst == &M.holder)
		M.holder_req = NULL;
	else
		M.cand_req = NULL;
	if (err)
		app_message(ROLE_ERR, "%s", err->msg);
	else {
		mlflow_run_free(dst);
		*dst = *(struct mlflow_run *)res;
		memset(res, 0, sizeof *dst);
	}
	promote_rebuild();
}

static const struct mlflow_model_version *version_by(const char *v)
{
	for (size_t i = 0; i < M.versions.n; i++)
		if (!strcmp(M.versions.items[i].version, v))
			return &M.versions.items[i];
	return NULL;
}

static void promote_close(void)
{
	mlflowc_cancel(M.holder_req);
	mlflowc_cancel(M.cand_req);
	mlflowc_cancel(M.alias_req);
	M.holder_req = M.cand_req = M.alias_req = NULL;
	mlflow_run_free(&M.holder);
	mlflow_run_free(&M.cand);
	mlflow_keys_free(&M.keys);
	prows_free();
}

static void promote_start(const char *alias)
{
	const struct mlflow_model_version *cand = version_by(M.cand_version);
	const struct mlflow_model *m = cur_model();
	snprintf(M.alias, sizeof M.alias, "%s", alias);
	M.holder_version[0] = '\0';
	for (size_t i = 0; m && i < m->naliases; i++)
		if (!strcmp(m->aliases[i].alias, alias))
			snprintf(M.holder_version, sizeof M.holder_version, "%s",
				 m->aliases[i].version);
	const struct mlflow_model_version *holder =
	    M.holder_version[0] ? version_by(M.holder_version) : NULL;
	mlflow_keys_init(&M.keys);
	app_view_push();
	M.view = MV_PROMOTE;
	if (holder && holder->run_id)
		M.holder_req = mlflowc_run_get(&M.c, &M.keys, holder->run_id, run_got, &M.holder);
	if (cand && cand->run_id)
		M.cand_req = mlflowc_run_get(&M.c, &M.keys, cand->run_id, run_got, &M.cand);
	promote_rebuild();
}

static void alias_given(void *arg, const char *text)
{
	if (!text || !*text || M.view != MV_VERSIONS)
		return;
	promote_start(text);
}

static void write_done(void *res, const struct mlc_err *err, void *arg)
{
	M.write_req = NULL;
	if (err)
		app_message(ROLE_ERR, "%s", err->msg);
	else
		app_message(ROLE_OK, "%s", (const char *)arg);
	if (!err && M.view == MV_PROMOTE) {
		/* Moved: back to the versions, which show the alias where it is now. */
		promote_close();
		M.view = MV_VERSIONS;
		app_view_pop();
	}
	models_load();
	if (M.view == MV_VERSIONS)
		versions_load();
}

static void alias_confirmed(void *arg, bool yes)
{
	static char done_msg[400];
	if (!yes) {
		app_message(ROLE_DIM, "alias not moved");
		return;
	}
	char *a = san_str(M.alias), *m = san_str(M.model);
	snprintf(done_msg, sizeof done_msg, "%s: alias %s now points at version %s", m, a,
		 M.cand_version);
	free(a);
	free(m);
	mlflowc_cancel(M.write_req);
	M.write_req =
	    mlflowc_alias_set(&M.c, M.model, M.alias, M.cand_version, write_done, done_msg);
}

/* Enter in the promotion view: the confirm dialog naming the exact move. */
static void promote_confirm(void)
{
	if (app_refuse_if_readonly("moving a model alias"))
		return;
	static char l1[300], l2[300], l3[300];
	char *a = san_str(M.alias), *m = san_str(M.model);
	snprintf(l1, sizeof l1, "model     %s", m);
	snprintf(l2, sizeof l2, "alias     %s: version %s → %s", a,
		 M.holder_version[0] ? M.holder_version : "(none)", M.cand_version);
	snprintf(l3, sizeof l3, "differs   %d params/metrics (shown behind this dialog)",
		 M.nprows > 2 ? M.nprows - 2 : 0);
	free(a);
	free(m);
	struct dialog d = {.title = "Move a model alias?",
			   .lines = {l1, l2, l3, NULL},
			   .action = "move the alias",
			   .done = alias_confirmed};
	app_confirm(&d);
}

/* ---- stage transition ----------------------------------------------------- */

static const char *const stages[] = {"None", "Staging", "Production", "Archived"};

static void trans_confirmed(void *arg, bool yes)
{
	static char done_msg[400];
	if (!yes) {
		app_message(ROLE_DIM, "stage not changed");
		return;
	}
	char *m = san_str(M.model);
	snprintf(done_msg, sizeof done_msg, "%s: version %s is now in %s", m, M.trans_version,
		 M.stage);
	free(m);
	mlflowc_cancel(M.write_req);
	M.write_req = mlflowc_transition(&M.c, M.model, M.trans_version, M.stage, false, write_done,
					 done_msg);
}

static void stage_given(void *arg, const char *text)
{
	if (!text || !*text)
		return;
	const char *canon = NULL;
	for (size_t i = 0; i < ARRAY_LEN(stages); i++)
		if (!strcasecmp(text, stages[i]))
			canon = stages[i];
	if (!canon) {
		app_message(ROLE_ERR, "stage must be None, Staging, Production or Archived");
		return;
	}
	snprintf(M.stage, sizeof M.stage, "%s", canon);
	static char l1[300], l2[300];
	char *m = san_str(M.model);
	const struct mlflow_model_version *v = version_by(M.trans_version);
	snprintf(l1, sizeof l1, "model     %s version %s", m, M.trans_version);
	snprintf(l2, sizeof l2, "stage     %s → %s", v && v->current_stage ? v->current_stage : "?",
		 canon);
	free(m);
	struct dialog d = {.title = "Transition a model version?",
			   .lines = {l1, l2, NULL},
			   .action = "change the stage",
			   .done = trans_confirmed};
	app_confirm(&d);
}

/* ---- table ------------------------------------------------------------------ */

enum { M_NAME, M_LATEST, M_ALIASES, M_UPDATED, M_DESC, M_TAGS, M_COUNT };
static const struct column model_cols[M_COUNT] = {
    [M_NAME] = {"NAME", 10, 28, ALIGN_LEFT, 0, false},
    [M_LATEST] = {"LATEST (STAGE:VERSION)", 10, 34, ALIGN_LEFT, 1, false},
    [M_ALIASES] = {"ALIASES", 7, 26, ALIGN_LEFT, 2, false},
    [M_UPDATED] = {"UPDATED", 11, 11, ALIGN_LEFT, 3, false},
    [M_DESC] = {"DESCRIPTION", 10, 40, ALIGN_LEFT, 4, false},
    [M_TAGS] = {"TAGS", 4, 0, ALIGN_LEFT, 5, false},
};

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

static const struct column promote_cols[] = {
    {"", 10, 30, ALIGN_LEFT, 0, false},
    {"CURRENT HOLDER", 10, 30, ALIGN_LEFT, 0, false},
    {"CANDIDATE", 10, 0, ALIGN_LEFT, 0, false},
};

static const struct column *md_columns(struct panel *p, int *n)
{
	switch (M.view) {
	case MV_MODELS:
		*n = M_COUNT;
		return model_cols;
	case MV_VERSIONS:
		*n = V_N;
		return version_cols;
	default:
		*n = 3;
		return promote_cols;
	}
}

static int md_nrows(struct panel *p)
{
	/* Loaded when first shown, not at startup. */
	if (M.view == MV_MODELS && !M.loaded && !M.models_req && !M.err[0] && mlp_target())
		models_load();
	return M.view == MV_MODELS     ? (int)M.models.n
	       : M.view == MV_VERSIONS ? (int)M.versions.n
				       : M.nprows;
}

static void kv_text(const struct mlflow_kv *kv, size_t n, struct cell *out)
{
	struct buf b;
	buf_init(&b);
	for (size_t i = 0; i < n && b.len < 400; i++)
		buf_printf(&b, "%s%s=%s", b.len ? " " : "", kv[i].key,
			   kv[i].value ? kv[i].value : "");
	mlp_cell(out, b.data, ROLE_NORMAL);
	buf_free(&b);
}

static void model_cell(const struct mlflow_model *m, int col, struct cell *out)
{
	struct buf b;
	char t[32];
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
		mlp_time(t, sizeof t, m->last_updated_timestamp);
		mlp_cell(out, t, ROLE_NORMAL);
		break;
	case M_DESC:
		mlp_cell(out, m->description, ROLE_DIM);
		break;
	case M_TAGS:
		kv_text(m->tags, m->ntags, out);
		break;
	}
	buf_free(&b);
}

static enum role stage_role(const char *s)
{
	return !s			  ? ROLE_DIM
	       : !strcmp(s, "Production") ? ROLE_OK
	       : !strcmp(s, "Staging")	  ? ROLE_WARN
					  : ROLE_DIM;
}

static void version_cell(const struct mlflow_model_version *v, int col, struct cell *out)
{
	char t[256];
	switch (col) {
	case V_VERSION:
		mlp_cell(out, v->version, ROLE_NORMAL);
		break;
	case V_STAGE:
		mlp_cell(out, v->current_stage, stage_role(v->current_stage));
		break;
	case V_ALIASES:
		aliases_of(v->version, t, sizeof t);
		mlp_cell(out, t, ROLE_MARK);
		break;
	case V_STATUS:
		mlp_cell(out, v->status, ROLE_DIM);
		break;
	case V_RUN:
		snprintf(t, sizeof t, "%s %s",
			 run_name_of(v->run_id) ? run_name_of(v->run_id)
			 : v->run_id		? v->run_id
						: "-",
			 canvas_utf8() ? "↗" : "->");
		mlp_cell(out, v->run_id ? t : NULL, ROLE_KEY);
		break;
	case V_CREATED:
		mlp_time(t, sizeof t, v->creation_timestamp);
		mlp_cell(out, t, ROLE_NORMAL);
		break;
	case V_SOURCE:
		mlp_cell(out, v->source, ROLE_DIM);
		break;
	case V_DESC:
		mlp_cell(out, v->description, ROLE_NORMAL);
		break;
	case V_TAGS:
		kv_text(v->tags, v->ntags, out);
		break;
	}
}

static void md_cell(struct panel *p, int row, int col, struct cell *out)
{
	out->text[0] = '\0';
	out->role = ROLE_NORMAL;
	if (M.view == MV_MODELS && (size_t)row < M.models.n)
		model_cell(&M.models.items[row], col, out);
	else if (M.view == MV_VERSIONS && (size_t)row < M.versions.n)
		version_cell(&M.versions.items[row], col, out);
	else if (M.view == MV_PROMOTE && row < M.nprows) {
		const struct prow *r = &M.prows[row];
		const char *s = col == 0 ? r->key : col == 1 ? r->holder : r->cand;
		mlp_cell(out, s, col == 0 ? ROLE_DIM : col == 2 ? ROLE_MARK : ROLE_NORMAL);
	}
}

static unsigned long md_generation(struct panel *p)
{
	return M.gen;
}

static void md_crumb(struct panel *p, char *out, size_t n)
{
	const char *sep = mlp_sep();
	char *m = san_str(M.model), *a = san_str(M.alias);
	if (M.view == MV_MODELS)
		snprintf(out, n, "Models%s%s%s", M.filter[0] ? "  filter: " : "", M.filter,
			 M.models_req ? "  loading…" : "");
	else if (M.view == MV_VERSIONS)
		snprintf(out, n, "Models%s%s%s", sep, m, M.versions_req ? "  loading…" : "");
	else
		snprintf(out, n, "Models%s%s%smove alias %s to version %s", sep, m, sep, a,
			 M.cand_version);
	free(m);
	free(a);
}

static void md_detail(struct panel *p, int row, char *out, size_t n, enum role *role)
{
	*role = ROLE_DIM;
	if (M.err[0]) {
		snprintf(out, n, "%s", M.err);
		*role = ROLE_ERR;
	} else if (M.view == MV_PROMOTE) {
		snprintf(out, n, "%s",
			 M.holder_req || M.cand_req
			     ? "loading both runs…"
			     : "rows that differ between the two runs; <enter> "
			       "moves the alias (confirm)");
	} else if (M.view == MV_VERSIONS && row >= 0 && (size_t)row < M.versions.n) {
		const struct mlflow_model_version *v = &M.versions.items[row];
		snprintf(out, n, "source %s", v->source ? v->source : "-");
	}
}

static const char *md_hints(struct panel *p)
{
	switch (M.view) {
	case MV_MODELS:
		return "<enter> versions  / filter  s sort  r refresh  ? help";
	case MV_VERSIONS:
		return "<enter> open run  A move alias (diff first, confirm)  t transition stage  "
		       "<esc> back";
	default:
		return "<enter> move the alias (confirm)  <esc> cancel";
	}
}

static void md_empty(struct panel *p, char *out, size_t n)
{
	if (!mlp_target())
		snprintf(out, n, "no MLflow configured: set MLFLOW_TRACKING_URI or [mlflow] url");
	else if (M.err[0])
		snprintf(out, n, "%s", M.err);
	else if (M.models_req || M.versions_req)
		snprintf(out, n, "loading…");
	else
		snprintf(out, n, M.view == MV_MODELS ? "no registered models" : "no versions");
}

static int md_on_key(struct panel *p, int key, int row)
{
	bool enter = key == '\n' || key == '\r';
	bool back = key == 27 || key == 'q';
	if (M.view == MV_MODELS) {
		if (enter && row >= 0 && (size_t)row < M.models.n) {
			snprintf(M.model, sizeof M.model, "%s", M.models.items[row].name);
			mlflow_version_page_free(&M.versions);
			app_view_push();
			M.view = MV_VERSIONS;
			versions_load();
			return P_HANDLED | P_RELOAD;
		}
		return P_IGNORED;
	}
	if (M.view == MV_PROMOTE) {
		if (enter) {
			promote_confirm();
			return P_HANDLED | P_REDRAW;
		}
		if (back) {
			promote_close();
			M.view = MV_VERSIONS;
			app_view_pop();
			bump();
			return P_HANDLED | P_RELOAD;
		}
		return P_IGNORED;
	}
	const struct mlflow_model_version *v =
	    row >= 0 && (size_t)row < M.versions.n ? &M.versions.items[row] : NULL;
	if (back) {
		mlflowc_cancel(M.versions_req);
		M.versions_req = NULL;
		names_clear();
		mlflow_version_page_free(&M.versions);
		M.view = MV_MODELS;
		M.err[0] = '\0';
		app_view_pop();
		bump();
		return P_HANDLED | P_RELOAD;
	}
	if (enter && v && v->run_id) {
		if (!app_goto("experiments", "run", v->run_id))
			app_message(ROLE_ERR, "the Experiments panel did not take the run");
		return P_HANDLED | P_REDRAW;
	}
	if (key == 'A' && v) {
		if (app_refuse_if_readonly("moving a model alias"))
			return P_HANDLED | P_REDRAW;
		snprintf(M.cand_version, sizeof M.cand_version, "%s", v->version);
		app_input("alias to move to this version: ", "champion", alias_given, NULL);
		return P_HANDLED | P_REDRAW;
	}
	if (key == 't' && v) {
		if (app_refuse_if_readonly("transitioning a model version's stage"))
			return P_HANDLED | P_REDRAW;
		snprintf(M.trans_version, sizeof M.trans_version, "%s", v->version);
		app_input("new stage (None, Staging, Production, Archived): ",
			  v->current_stage && !strcmp(v->current_stage, "Production")
			      ? "Archived"
			      : "Production",
			  stage_given, NULL);
		return P_HANDLED | P_REDRAW;
	}
	return P_IGNORED;
}

static void md_open(struct panel *p)
{
	memset(&M, 0, sizeof M);
}

static void md_close(struct panel *p)
{
	promote_close();
	names_clear();
	mlflowc_cancel(M.models_req);
	mlflowc_cancel(M.versions_req);
	mlflowc_cancel(M.write_req);
	mlflow_model_page_free(&M.models);
	mlflow_version_page_free(&M.versions);
	if (M.have_client)
		mlflowc_free(&M.c);
	memset(&M, 0, sizeof M);
}

static void md_reload(struct panel *p)
{
	models_load();
	if (M.view == MV_VERSIONS)
		versions_load();
}

static bool md_command(struct panel *p, const char *cmd, const char *args)
{
	if (!strcmp(cmd, "filter") && M.view == MV_MODELS) {
		snprintf(M.prev_filter, sizeof M.prev_filter, "%s", M.filter);
		snprintf(M.filter, sizeof M.filter, "%s", args);
		models_load();
		return true;
	}
	if (strcmp(cmd, "model") != 0)
		return false;
	snprintf(M.model, sizeof M.model, "%s", args);
	if (!M.loaded && !M.models_req)
		models_load(); /* the aliases live on the model */
	if (M.view == MV_PROMOTE)
		promote_close();
	if (M.view == MV_MODELS)
		app_view_push();
	M.view = MV_VERSIONS;
	versions_load();
	return true;
}

/* y: models:/NAME, models:/NAME/VERSION (what mlflow.pyfunc.load_model
 * takes), sanitized. */
static void md_copy(struct panel *p, int row, char *out, size_t n)
{
	char *raw = NULL;
	if (M.view == MV_MODELS && row >= 0 && (size_t)row < M.models.n)
		raw = xasprintf("models:/%s", M.models.items[row].name);
	else if (M.view == MV_VERSIONS && row >= 0 && (size_t)row < M.versions.n)
		raw = xasprintf("models:/%s/%s", M.model, M.versions.items[row].version);
	if (raw)
		san_into(out, n, raw, strlen(raw));
	free(raw);
}

static const char *const md_commands[] = {"model", "filter", NULL};
static const char *const md_help[] = {
    ":model NAME",
    "open a registered model's versions",
    ":filter EXPR",
    "models: the server's filter (name LIKE 'fraud%', tags.team = 'risk-ml')",
    "A",
    "versions: move an alias to the selected version (diff of the two runs, then "
    "confirm; not with --readonly)",
    "t",
    "versions: transition the selected version's stage (confirm; not with "
    "--readonly)",
    NULL};

static const struct panel_ops models_ops = {
    .name = "models",
    .title = "Models",
    .digit = 5,
    .open = md_open,
    .close = md_close,
    .reload = md_reload,
    .columns = md_columns,
    .nrows = md_nrows,
    .cell = md_cell,
    .crumb = md_crumb,
    .detail = md_detail,
    .hints = md_hints,
    .on_key = md_on_key,
    .empty_text = md_empty,
    .generation = md_generation,
    .copy_text = md_copy,
    .command = md_command,
    .commands = md_commands,
    .help = md_help,
};

struct panel models_panel = {.ops = &models_ops};
