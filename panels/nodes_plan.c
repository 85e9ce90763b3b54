/* panels/nodes_plan.c — `:plan NAME`: shows every step of a [plan NAME]
 * (each action's command) in the dialog, then runs it (lib/ssh/nodeplan)
 * in a view with one row per step and a column per node (the step × node
 * grid): pending, running with elapsed time, ok with duration, failed with
 * why, the failing node's output on the detail line; `r` runs the failed
 * step again. Refused under --readonly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "lib/ssh/nodeact.h"
#include "lib/ray/rayc.h"
#include "lib/ssh/nodeplan.h"
#include "panels/nodes.h"
#include "tui/app.h"
#include "tui/canvas.h"
#include "tui/panel.h"

struct plan_page {
	struct panel *panel;
	char name[64];
	struct plan_step *steps; /* until started */
	int n;
	struct plan_run *run;
	unsigned long gen;
	int job_id;
	struct rayc rayc; /* the [ray] target's client, for ray gates; t NULL: none */
	/* STEP STATE TIME, a column per fleet node, DETAIL */
	struct column *cols;
	char (*titles)[24];
	int nnodes;
};

enum { C_STEP, C_STATE, C_TIME, C_WHY, C_COUNT };

static const struct column cols[C_COUNT] = {
    [C_STEP] = {"STEP", 10, 40, ALIGN_LEFT, 0, false},
    [C_STATE] = {"STATE", 7, 8, ALIGN_LEFT, 0, false},
    [C_TIME] = {"TIME", 6, 8, ALIGN_RIGHT, 1, true},
    [C_WHY] = {"DETAIL", 10, 0, ALIGN_LEFT, 0, false},
};

static const struct plan_step *step_at(struct view *v, int row)
{
	struct plan_page *pg = v->priv;
	int n;
	const struct plan_step *s = pg->run ? nodeplan_steps(pg->run, &n) : pg->steps;
	return &s[row];
}

/* The grid's columns: the step's own, one per node (dropped first on a
 * narrow screen; < and > scroll to them), and the detail last. */
static void grid_columns(struct plan_page *pg)
{
	struct fleet *f = nodes_fleet(pg->panel);
	pg->nnodes = f->n;
	pg->cols = xcalloc((size_t)(C_COUNT + f->n), sizeof *pg->cols);
	pg->titles = xcalloc((size_t)f->n + 1, sizeof *pg->titles);
	memcpy(pg->cols, cols, C_WHY * sizeof *cols);
	for (int i = 0; i < f->n; i++) {
		san_into(pg->titles[i], sizeof pg->titles[i], f->nodes[i].t->name,
			 strlen(f->nodes[i].t->name));
		/* fixed width, right-aligned, the time first: a cell does not move
		 * the others as its time grows */
		pg->cols[C_WHY + i] = (struct column){pg->titles[i], 11, 11, ALIGN_RIGHT, 2, false};
	}
	pg->cols[C_WHY + f->n] = cols[C_WHY];
}

static const struct column *pl_columns(struct view *v, int *n)
{
	struct plan_page *pg = v->priv;
	*n = C_COUNT + pg->nnodes;
	return pg->cols;
}

/* A step on node k: "1.2 s ok", "exit 1", "3.0 s run", "" where it did not run. */
static void grid_cell(const struct plan_step *s, int k, struct cell *out)
{
	const struct plan_cell *c = s->cells ? &s->cells[k] : NULL;
	char dur[32];
	if (!c || c->state == PC_NONE)
		return;
	fmt_latency(dur, sizeof dur, (long)((c->end_ms ? c->end_ms : mono_ms()) - c->start_ms));
	switch (c->state) {
	case PC_RUNNING:
		snprintf(out->text, sizeof out->text, "%s run", dur);
		out->role = ROLE_WARN;
		break;
	case PC_OK:
		snprintf(out->text, sizeof out->text, "%s ok", dur);
		out->role = ROLE_OK;
		break;
	case PC_FAILED:
		if (c->exit_status >= 0)
			snprintf(out->text, sizeof out->text, "exit %d", c->exit_status);
		else
			snprintf(out->text, sizeof out->text, "failed");
		out->role = ROLE_ERR;
		break;
	default:
		break;
	}
}

static int pl_nrows(struct view *v)
{
	return ((struct plan_page *)v->priv)->n;
}

static unsigned long pl_generation(struct view *v)
{
	return ((struct plan_page *)v->priv)->gen;
}

static void pl_cell(struct view *v, int row, int col, struct cell *out)
{
	const struct plan_step *s = step_at(v, row);
	static const char *const names[] = {"pending", "running", "ok", "failed"};
	static const enum role roles[] = {ROLE_DIM, ROLE_WARN, ROLE_OK, ROLE_ERR};
	struct plan_page *pg = v->priv;
	out->role = ROLE_NORMAL;
	if (col >= C_WHY && col < C_WHY + pg->nnodes) {
		grid_cell(s, col - C_WHY, out);
		return;
	}
	if (col == C_WHY + pg->nnodes)
		col = C_WHY;
	switch (col) {
	case C_STEP:
		san_into(out->text, sizeof out->text, s->text, strlen(s->text));
		break;
	case C_STATE:
		snprintf(out->text, sizeof out->text, "%s",
			 s->skipped ? "skipped" : names[s->state]);
		out->role = s->skipped ? ROLE_DIM : roles[s->state];
		break;
	case C_TIME:
		if (s->state != PL_PENDING)
			fmt_latency(out->text, sizeof out->text,
				    (long)((s->end_ms ? s->end_ms : mono_ms()) - s->start_ms));
		break;
	case C_WHY:
		san_into(out->text, sizeof out->text, s->msg, strlen(s->msg));
		out->role = s->state == PL_FAILED ? ROLE_ERR : ROLE_DIM;
		break;
	}
}

static void pl_detail(struct view *v, int row, char *out, size_t n, enum role *role)
{
	if (row < 0)
		return;
	const struct plan_step *s = step_at(v, row);
	if (s->output && s->output[0]) {
		san_into(out, n, s->output, strcspn(s->output, "\n"));
		*role = ROLE_ERR;
	}
}

static void pl_title(struct view *v, char *out, size_t n)
{
	snprintf(out, n, "plan %s", ((struct plan_page *)v->priv)->name);
}

static void plan_changed(void *arg)
{
	struct plan_page *pg = arg;
	pg->gen++;
	if (pg->job_id && !nodeplan_busy(pg->run)) {
		app_job_end(pg->job_id);
		pg->job_id = 0;
	}
	app_dirty();
}

static void pl_retry(struct view *v)
{
	struct plan_page *pg = v->priv;
	if (!pg->run || !nodeplan_retry(pg->run)) {
		app_message(ROLE_WARN, "plan %s: no failed step to run again", pg->name);
		return;
	}
	if (!pg->job_id)
		pg->job_id = app_job_begin(pg->name);
}

static void page_free(struct plan_page *pg)
{
	if (pg->job_id)
		app_job_end(pg->job_id);
	if (pg->run)
		nodeplan_free(pg->run);
	else
		free(pg->steps);
	free(pg->cols);
	free(pg->titles);
	free(pg);
}

static void pl_close(struct view *v)
{
	page_free(v->priv);
}

static const struct view_action plan_actions[] = {
    {"reload", "r", "retry step", "run the failed step again and go on", ACT_F_WRITES, NULL},
    {"copy", "y", "copy", NULL, 0, NULL},
};

const struct view_ops nodes_plan_view = {
    .name = "plan",
    .title = pl_title,
    .columns = pl_columns,
    .nrows = pl_nrows,
    .cell = pl_cell,
    .generation = pl_generation,
    .detail = pl_detail,
    .reload = pl_retry,
    .close = pl_close,
    .actions = plan_actions,
    .nactions = ARRAY_LEN(plan_actions),
};

/* ---- ray gates from the Ray dashboard (nodeplan's hook) ---- */

struct ray_ask {
	nodeplan_ray_done done;
	void *arg;
	struct rayc_req *req;
};

static void ray_answer(void *res, const struct mlc_err *err, void *arg)
{
	struct ray_ask *a = arg;
	if (err) {
		a->done(-1, err->msg, a->arg);
	} else {
		const struct ray_nodes *ns = res;
		int alive = 0;
		for (size_t i = 0; i < ns->n; i++)
			alive += ns->v[i].state && !strcmp(ns->v[i].state, "ALIVE");
		a->done(alive, "", a->arg);
	}
	free(a);
}

static void *ray_start(void *ctx, nodeplan_ray_done done, void *arg)
{
	struct ray_ask *a = xcalloc(1, sizeof *a);
	a->done = done;
	a->arg = arg;
	a->req = rayc_get(ctx, RAYC_NODES, NULL, ray_answer, a);
	return a;
}

static void ray_cancel(void *h)
{
	struct ray_ask *a = h;
	rayc_cancel(a->req);
	free(a);
}

static void plan_go(void *arg, bool yes)
{
	struct plan_page *pg = arg;
	if (!yes) {
		page_free(pg);
		return;
	}
	grid_columns(pg);
	if (!view_push(pg->panel, &nodes_plan_view, pg)) {
		page_free(pg);
		return;
	}
	pg->job_id = app_job_begin(pg->name);
	struct plan_step *steps = pg->steps;
	pg->steps = NULL;
	/* ray gates ask the Ray dashboard when there is one, as the Ray panel
	 * does; else `ray status` on the head over SSH */
	const struct target *rt = config_first_target(app_config(), TK_RAY);
	struct nodeplan_ray ray = {ray_start, ray_cancel, &pg->rayc};
	if (rt)
		rayc_init(&pg->rayc, rt);
	pg->run = nodeplan_start(nodes_fleet(pg->panel), steps, pg->n, rt ? &ray : NULL,
				 plan_changed, pg);
}

/* One dialog line per step; a run step with its action's command. */
static void plan_lines(const struct plan_page *pg, char (*lines)[300], struct dialog *d)
{
	const struct config *c = app_config();
	for (int i = 0; i < pg->n && i < 8; i++) {
		const struct plan_step *s = &pg->steps[i];
		struct nodeact a;
		struct mlc_err e;
		char raw[600];
		if (s->kind == PK_RUN && nodeact_find(c, s->action, &a, &e) == 0)
			snprintf(raw, sizeof raw, "%d. run on %s: %s", i + 1, a.on, a.command);
		else
			snprintf(raw, sizeof raw, "%d. %s", i + 1, s->text);
		san_into(lines[i], sizeof lines[i], raw, strlen(raw));
		d->lines[i] = lines[i];
	}
}

int nodes_cmd_plan(struct panel *p, const char *args)
{
	if (app_readonly()) {
		app_message(ROLE_ERR,
			    "read-only mode: plan is disabled (--readonly or readonly = true)");
		return -1;
	}
	struct plan_page *pg = xcalloc(1, sizeof *pg);
	pg->panel = p;
	struct mlc_err e;
	if (sscanf(args, "%63s", pg->name) != 1 ||
	    nodeplan_read(app_config(), pg->name, &pg->steps, &pg->n, &e) < 0) {
		app_message(ROLE_ERR, "%s", pg->name[0] ? e.msg : "usage: :plan NAME");
		free(pg);
		return -1;
	}
	nodes_fleet(p);
	char lines[8][300], title[96], action[48];
	struct dialog d = {.title = title, .action = action, .done = plan_go, .arg = pg};
	snprintf(title, sizeof title, "plan %s: %d steps", pg->name, pg->n);
	snprintf(action, sizeof action, "run the plan");
	plan_lines(pg, lines, &d);
	app_confirm(&d);
	return 0;
}
