/* panels/ray_tasks.c — the Ray panel's tasks view (`T`, :tasks): the state
 * API's task summary (/api/v0/tasks/summarize), one row a function or
 * actor class with its tasks by state, most tasks first; the totals as the
 * view's status and every state of the selected row on the detail line.
 * Rows read the cluster's last good answer directly (it changes only when
 * an answer arrives, which bumps the generation). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/util.h"
#include "ray.h"
#include "tui/app.h"

enum { T_NAME, T_TYPE, T_TOTAL, T_RUN, T_PEND, T_DONE, T_FAIL, T_OTHER, T_COUNT };

static const struct column task_cols[T_COUNT] = {
    [T_NAME] = {"FUNCTION / CLASS", 12, 40, ALIGN_LEFT, 0, false},
    [T_TYPE] = {"TYPE", 6, 21, ALIGN_LEFT, 2, false},
    [T_TOTAL] = {"TOTAL", 5, 9, ALIGN_RIGHT, 0, true},
    [T_RUN] = {"RUNNING", 7, 9, ALIGN_RIGHT, 0, true},
    [T_PEND] = {"PENDING", 7, 9, ALIGN_RIGHT, 0, true},
    [T_DONE] = {"FINISHED", 8, 9, ALIGN_RIGHT, 1, true},
    [T_FAIL] = {"FAILED", 6, 9, ALIGN_RIGHT, 0, true},
    [T_OTHER] = {"OTHER", 5, 9, ALIGN_RIGHT, 3, true},
};

static const struct column *tv_columns(struct view *v, int *n)
{
	*n = T_COUNT;
	return task_cols;
}

static int tv_nrows(struct view *v)
{
	return (int)rp_of(v)->tasks.n;
}

static unsigned long tv_generation(struct view *v)
{
	return rp_seen(rp_of(v));
}

/* Tasks of t in the states of column col (PENDING: every PENDING_* state
 * and the waiting ones; OTHER: what no column takes). */
static int64_t count_of(const struct ray_task_sum *t, int col)
{
	int64_t n = 0;
	for (size_t i = 0; i < t->ncounts; i++) {
		const char *s = t->counts[i].state;
		int c = !strcmp(s, "RUNNING") || str_starts(s, "RUNNING_")	 ? T_RUN
			: str_starts(s, "PENDING") || str_starts(s, "SUBMITTED") ? T_PEND
			: !strcmp(s, "FINISHED")				 ? T_DONE
			: !strcmp(s, "FAILED")					 ? T_FAIL
										 : T_OTHER;
		if (c == col)
			n += t->counts[i].n;
	}
	return n;
}

static void tv_cell(struct view *v, int row, int col, struct cell *out)
{
	const struct ray_task_sum *t = &rp_of(v)->tasks.v[row];
	if (col == T_NAME) {
		rp_cell(out, t->name, ROLE_NORMAL);
		return;
	}
	if (col == T_TYPE) {
		rp_cell(out, t->type, ROLE_DIM);
		return;
	}
	int64_t n = col == T_TOTAL ? t->total : count_of(t, col);
	snprintf(out->text, sizeof out->text, "%lld", (long long)n);
	out->role = !n		    ? ROLE_DIM
		    : col == T_FAIL ? ROLE_ERR
		    : col == T_PEND ? ROLE_WARN
		    : col == T_RUN  ? ROLE_OK
				    : ROLE_NORMAL;
}

static void tv_title(struct view *v, char *out, size_t n)
{
	snprintf(out, n, "tasks");
}

static void tv_empty(struct view *v, char *out, size_t n)
{
	rp_empty(rp_of(v), RP_TASKS, "no tasks", out, n);
}

static void na(char *out, size_t n, int64_t v)
{
	if (v < 0)
		snprintf(out, n, "-");
	else
		snprintf(out, n, "%lld", (long long)v);
}

static void tv_status(struct view *v, char *out, size_t n)
{
	struct rp_cluster *c = rp_of(v);
	rp_status(c, RP_TASKS, out, n);
	if (out[0] || !c->slot[RP_TASKS].loaded)
		return;
	char t[24], a[24], b[24], s[24];
	na(t, sizeof t, c->tasks.total);
	na(a, sizeof a, c->tasks.normal);
	na(b, sizeof b, c->tasks.actor_tasks);
	na(s, sizeof s, c->tasks.actor_scheduled);
	snprintf(out, n, "%s tasks: %s normal, %s actor tasks, %s actor creations", t, a, b, s);
}

static void tv_detail(struct view *v, int row, char *out, size_t n, enum role *role)
{
	if (row < 0)
		return;
	const struct ray_task_sum *t = &rp_of(v)->tasks.v[row];
	struct buf b;
	buf_init(&b);
	for (size_t i = 0; i < t->ncounts; i++)
		buf_printf(&b, "%s%s %lld", i ? " · " : "", t->counts[i].state,
			   (long long)t->counts[i].n);
	snprintf(out, n, "%s", b.data ? b.data : "");
	buf_free(&b);
	*role = ROLE_DIM;
}

static void tv_copy(struct view *v, int row, char *out, size_t n)
{
	const char *name = rp_of(v)->tasks.v[row].name;
	snprintf(out, n, "%s", name ? name : "");
}

static void tv_reload(struct view *v)
{
	rp_load(rp_of(v), RP_TASKS);
}

static const struct view_action task_actions[] = {
    {"filter", "/", "filter", NULL, 0, NULL},
    {"copy", "y", "copy name", NULL, 0, NULL},
};

const struct view_ops rp_tasks_view = {
    .name = "tasks",
    .title = tv_title,
    .columns = tv_columns,
    .nrows = tv_nrows,
    .cell = tv_cell,
    .generation = tv_generation,
    .detail = tv_detail,
    .empty_text = tv_empty,
    .copy_text = tv_copy,
    .reload = tv_reload,
    .status = tv_status,
    .close = rp_view_close,
    .actions = task_actions,
    .nactions = ARRAY_LEN(task_actions),
};
