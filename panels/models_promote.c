/* panels/models_promote.c — the guarded alias move: the run of the
 * alias's current holder and the candidate's side by side, only the rows
 * that differ (version, run name, params, metrics); Enter opens the confirm
 * dialog naming the exact move, and y moves the alias (the panel's write,
 * models.c), after which the view is popped. The view owns its two run
 * requests and cancels them in close. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "mlflowp.h"
#include "models.h"
#include "tui/app.h"

/* A row: a key and the holder's / candidate's value. */
struct prow {
	char *key, *holder, *cand;
};

/* The view's priv. */
struct md_promote {
	struct models *m;
	char model[256], alias[128], cand_version[64], holder_version[64];
	struct mlflow_keys keys;
	struct mlflow_run holder, cand;
	struct mlflowc_req *holder_req, *cand_req;
	struct prow *rows;
	int nrows;
};

static void rows_free(struct md_promote *pr)
{
	for (int i = 0; i < pr->nrows; i++) {
		free(pr->rows[i].key);
		free(pr->rows[i].holder);
		free(pr->rows[i].cand);
	}
	free(pr->rows);
	pr->rows = NULL;
	pr->nrows = 0;
}

static void row_add(struct md_promote *pr, const char *key, const char *h, const char *c)
{
	pr->rows = xrealloc(pr->rows, (size_t)(pr->nrows + 1) * sizeof *pr->rows);
	pr->rows[pr->nrows++] =
	    (struct prow){xstrdup(key), xstrdup(h ? h : "-"), xstrdup(c ? c : "-")};
}

/* Params and metrics where the holder's run and the candidate's differ. */
static void rows_rebuild(struct md_promote *pr)
{
	rows_free(pr);
	row_add(pr, "version", pr->holder_version[0] ? pr->holder_version : "(none)",
		pr->cand_version);
	row_add(pr, "run", pr->holder.run_name, pr->cand.run_name);
	for (uint32_t k = 0; k < pr->keys.n; k++) {
		const char *ph = mlflow_run_param(&pr->holder, k);
		const char *pc = mlflow_run_param(&pr->cand, k);
		if ((ph || pc) && (!ph || !pc || strcmp(ph, pc))) {
			char *key = xasprintf("param %s", mlflow_keys_name(&pr->keys, k));
			row_add(pr, key, ph, pc);
			free(key);
		}
	}
	for (uint32_t k = 0; k < pr->keys.n; k++) {
		const struct mlflow_metric *mh = mlflow_run_metric(&pr->holder, k);
		const struct mlflow_metric *mc = mlflow_run_metric(&pr->cand, k);
		if (!mh && !mc)
			continue;
		char a[64] = "-", b[64] = "-";
		if (mh)
			mlflow_fmt_metric(a, sizeof a, mh->value);
		if (mc)
			mlflow_fmt_metric(b, sizeof b, mc->value);
		if (strcmp(a, b))
			row_add(pr, mlflow_keys_name(&pr->keys, k), a, b);
	}
	md_bump(pr->m);
}

/* One of the two runs arrived: kept in dst, the rows rebuilt. */
static void run_got(struct md_promote *pr, struct mlflow_run *dst, void *res,
		    const struct mlc_err *err)
{
	if (err) {
		app_message(ROLE_ERR, "%s", err->msg);
	} else {
		mlflow_run_free(dst);
		*dst = *(struct mlflow_run *)res;
		memset(res, 0, sizeof *dst);
	}
	rows_rebuild(pr);
}

static void holder_got(void *res, const struct mlc_err *err, void *arg)
{
	struct md_promote *pr = arg;
	pr->holder_req = NULL;
	run_got(pr, &pr->holder, res, err);
}

static void cand_got(void *res, const struct mlc_err *err, void *arg)
{
	struct md_promote *pr = arg;
	pr->cand_req = NULL;
	run_got(pr, &pr->cand, res, err);
}

static const struct column promote_cols[] = {
    {"", 10, 30, ALIGN_LEFT, 0, false},
    {"CURRENT HOLDER", 10, 30, ALIGN_LEFT, 0, false},
    {"CANDIDATE", 10, 0, ALIGN_LEFT, 0, false},
};

static void pv_title(struct view *v, char *out, size_t n)
{
	struct md_promote *pr = v->priv;
	snprintf(out, n, "move alias %s to version %s", pr->alias, pr->cand_version);
}

static const struct column *pv_columns(struct view *v, int *n)
{
	*n = (int)ARRAY_LEN(promote_cols);
	return promote_cols;
}

static int pv_nrows(struct view *v)
{
	struct md_promote *pr = v->priv;
	return pr->nrows;
}

static unsigned long pv_generation(struct view *v)
{
	return md_of(v)->gen;
}

static void pv_cell(struct view *v, int row, int col, struct cell *out)
{
	struct md_promote *pr = v->priv;
	out->text[0] = '\0';
	out->role = ROLE_NORMAL;
	if (row < 0 || row >= pr->nrows)
		return;
	const struct prow *r = &pr->rows[row];
	const char *s = col == 0 ? r->key : col == 1 ? r->holder : r->cand;
	mlp_cell(out, s, col == 0 ? ROLE_DIM : col == 2 ? ROLE_MARK : ROLE_NORMAL);
}

static void pv_detail(struct view *v, int row, char *out, size_t n, enum role *role)
{
	struct md_promote *pr = v->priv;
	*role = ROLE_DIM;
	snprintf(out, n, "%s",
		 pr->holder_req || pr->cand_req
		     ? "loading both runs…"
		     : "rows that differ between the two runs; <enter> moves the alias (confirm)");
}

static void pv_close(struct view *v)
{
	struct md_promote *pr = v->priv;
	md_forget_view(pr->m, v);
	mlflowc_cancel(pr->holder_req);
	mlflowc_cancel(pr->cand_req);
	mlflow_run_free(&pr->holder);
	mlflow_run_free(&pr->cand);
	mlflow_keys_free(&pr->keys);
	rows_free(pr);
	free(pr);
}

static void alias_confirmed(void *arg, bool yes)
{
	struct models *m = arg;
	struct view *v = md_answered(m, yes, "alias not moved");
	if (!v)
		return;
	struct md_promote *pr = v->priv;
	md_write_alias(m, pr->model, pr->alias, pr->cand_version, v);
}

/* Enter: the confirm dialog naming the exact move. */
static int pv_move(struct view *v, int row)
{
	struct md_promote *pr = v->priv;
	char l1[300], l2[300], l3[300];
	char *a = san_str(pr->alias), *name = san_str(pr->model);
	snprintf(l1, sizeof l1, "model     %s", name);
	snprintf(l2, sizeof l2, "alias     %s: version %s → %s", a,
		 pr->holder_version[0] ? pr->holder_version : "(none)", pr->cand_version);
	snprintf(l3, sizeof l3, "differs   %d params/metrics (shown behind this dialog)",
		 pr->nrows > 2 ? pr->nrows - 2 : 0);
	free(a);
	free(name);
	pr->m->asking = v;
	struct dialog d = {.title = "Move a model alias?",
			   .lines = {l1, l2, l3, NULL},
			   .action = "move the alias",
			   .done = alias_confirmed,
			   .arg = pr->m};
	app_confirm(&d);
	return P_REDRAW;
}

static const struct view_action promote_actions[] = {
    {"move", "<Enter>", "move the alias", "move the alias to the candidate version",
     ACT_F_WRITES | ACT_F_CONFIRM, pv_move},
};

const struct view_ops promote_view = {
    .name = "promote",
    .title = pv_title,
    .columns = pv_columns,
    .nrows = pv_nrows,
    .cell = pv_cell,
    .generation = pv_generation,
    .detail = pv_detail,
    .close = pv_close,
    .actions = promote_actions,
    .nactions = ARRAY_LEN(promote_actions),
};

struct view *md_promote_push(struct models *m, const char *model, const char *alias,
			     const char *cand, const char *cand_run, const char *holder_version,
			     const char *holder_run)
{
	struct md_promote *pr = xcalloc(1, sizeof *pr);
	pr->m = m;
	snprintf(pr->model, sizeof pr->model, "%s", model);
	snprintf(pr->alias, sizeof pr->alias, "%s", alias);
	snprintf(pr->cand_version, sizeof pr->cand_version, "%s", cand);
	snprintf(pr->holder_version, sizeof pr->holder_version, "%s",
		 holder_version ? holder_version : "");
	mlflow_keys_init(&pr->keys);
	struct view *v = view_push(m->p, &promote_view, pr);
	if (!v) {
		mlflow_keys_free(&pr->keys);
		free(pr);
		return NULL;
	}
	if (holder_run)
		pr->holder_req =
		    mlflowc_run_get(md_client(m), &pr->keys, holder_run, holder_got, pr);
	if (cand_run)
		pr->cand_req = mlflowc_run_get(md_client(m), &pr->keys, cand_run, cand_got, pr);
	rows_rebuild(pr);
	return v;
}
