/* panels/ray.c — the Ray panel (digit 6, :ray): the cluster as the
 * dashboard shows it. One cluster per [ray] target (or RAY_ADDRESS); with
 * several the first view is the clusters view (Enter opens one's nodes),
 * with one, its nodes. Here: the panel, the clusters view, the loads every
 * view shares (rp_load), the commands (:nodes :jobs :actors :serve) and the
 * cells; the views are in ray_nodes.c, ray_jobs.c and ray_work.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/core/loop.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "ray.h"
#include "tui/app.h"
#include "tui/canvas.h"
#include "tui/cmd.h"

/* ---- cells ------------------------------------------------------------------ */

void rp_cell(struct cell *out, const char *raw, enum role role)
{
	if (!raw || !*raw) {
		snprintf(out->text, sizeof out->text, "-");
		out->role = ROLE_DIM;
		return;
	}
	out->role = role;
	san_into(out->text, sizeof out->text, raw, strlen(raw));
}

void rp_size(char *out, size_t n, double bytes)
{
	static const char units[] = "BKMGTP";
	int u = 0;
	while (bytes >= 1024 && units[u + 1]) {
		bytes /= 1024;
		u++;
	}
	if (u == 0 || bytes >= 10)
		snprintf(out, n, "%.0f%c", bytes, units[u]);
	else
		snprintf(out, n, "%.1f%c", bytes, units[u]);
}

void rp_bar_cell(struct cell *out, const struct ray_res *r, bool bytes, int width)
{
	if (r->used < 0 || r->total <= 0) {
		snprintf(out->text, sizeof out->text, "-");
		out->role = ROLE_DIM;
		return;
	}
	char bar[128], u[32], t[32];
	canvas_bar(bar, sizeof bar, (int64_t)(r->used * 100), (int64_t)(r->total * 100), width);
	if (bytes) {
		rp_size(u, sizeof u, r->used);
		rp_size(t, sizeof t, r->total);
	} else {
		snprintf(u, sizeof u, "%g", r->used);
		snprintf(t, sizeof t, "%g", r->total);
	}
	/* the numbers say more than canvas_bar's percentage: it goes */
	char *end = strrchr(bar, ']');
	if (end)
		end[1] = '\0';
	snprintf(out->text, sizeof out->text, "%s %s/%s", bar, u, t);
	double ratio = r->used / r->total;
	out->role = ratio >= 0.9 ? ROLE_WARN : ROLE_NORMAL;
	out->has_num = true;
	out->num = ratio;
}

enum role rp_status_role(const char *s)
{
	static const struct {
		const char *status;
		enum role role;
	} roles[] = {
	    {"ALIVE", ROLE_OK},
	    {"RUNNING", ROLE_OK},
	    {"SUCCEEDED", ROLE_OK},
	    {"HEALTHY", ROLE_OK},
	    {"DEAD", ROLE_ERR},
	    {"FAILED", ROLE_ERR},
	    {"UNHEALTHY", ROLE_ERR},
	    {"DEPLOY_FAILED", ROLE_ERR},
	    {"STOPPED", ROLE_WARN},
	    {"PENDING", ROLE_WARN},
	    {"DEPLOYING", ROLE_WARN},
	    {"RESTARTING", ROLE_WARN},
	    {"PENDING_CREATION", ROLE_WARN},
	};
	for (size_t i = 0; s && i < ARRAY_LEN(roles); i++)
		if (!strcmp(s, roles[i].status))
			return roles[i].role;
	return ROLE_DIM;
}

void rp_short_id(char *out, size_t n, const char *id)
{
	snprintf(out, n, "%.8s", id && *id ? id : "-");
}

/* ---- loads ------------------------------------------------------------------ */

struct rp_cluster *rp_of(struct view *v)
{
	return ((struct rp_view *)v->priv)->c;
}

/* Jobs newest first (a job not started yet first of all). */
static int job_cmp(const void *pa, const void *pb)
{
	const struct ray_job *a = pa, *b = pb;
	int64_t x = a->start_ms > 0 ? a->start_ms : INT64_MAX;
	int64_t y = b->start_ms > 0 ? b->start_ms : INT64_MAX;
	if (x != y)
		return x > y ? -1 : 1;
	return strcmp(a->submission_id ? a->submission_id
		      : a->job_id      ? a->job_id
				       : "",
		      b->submission_id ? b->submission_id
		      : b->job_id      ? b->job_id
				       : "");
}

static void keep(struct rp_cluster *c, int s, void *res)
{
	switch (s) {
	case RP_VERSION:
		ray_version_free(&c->version);
		c->version = *(struct ray_version *)res;
		break;
	case RP_CLUSTER:
		ray_cluster_free(&c->cluster);
		c->cluster = *(struct ray_cluster *)res;
		break;
	case RP_NODES:
		ray_nodes_free(&c->nodes);
		c->nodes = *(struct ray_nodes *)res;
		ray_nodes_merge_state(&c->nodes, &c->state);
		qsort(c->nodes.v, c->nodes.n, sizeof *c->nodes.v, ray_node_cmp);
		break;
	case RP_STATE:
		ray_state_nodes_free(&c->state);
		c->state = *(struct ray_state_nodes *)res;
		if (c->slot[RP_NODES].loaded) {
			ray_nodes_merge_state(&c->nodes, &c->state);
			qsort(c->nodes.v, c->nodes.n, sizeof *c->nodes.v, ray_node_cmp);
		}
		break;
	case RP_TASKS:
		ray_tasks_free(&c->tasks);
		c->tasks = *(struct ray_tasks *)res;
		break;
	case RP_JOBS:
		ray_jobs_free(&c->jobs);
		c->jobs = *(struct ray_jobs *)res;
		qsort(c->jobs.v, c->jobs.n, sizeof *c->jobs.v, job_cmp);
		break;
	case RP_ACTORS:
		ray_actors_free(&c->actors);
		c->actors = *(struct ray_actors *)res;
		break;
	case RP_SERVE:
		ray_serve_free(&c->serve);
		c->serve = *(struct ray_serve *)res;
		break;
	}
}

static const size_t res_size[RP_NSLOTS] = {
    sizeof(struct ray_version),	    sizeof(struct ray_cluster), sizeof(struct ray_nodes),
    sizeof(struct ray_jobs),	    sizeof(struct ray_actors),	sizeof(struct ray_serve),
    sizeof(struct ray_state_nodes), sizeof(struct ray_tasks),
};

static void got(void *res, const struct mlc_err *err, void *arg)
{
	struct rp_slot *sl = arg;
	struct rp_cluster *c = sl->c;
	int s = (int)(sl - c->slot);
	sl->req = NULL;
	if (err) {
		snprintf(sl->err, sizeof sl->err, "%s", err->msg);
		if (sl->fails++ == 0)
			sl->down_wall = wall_ms();
	} else {
		sl->err[0] = 0;
		sl->fails = 0;
		sl->ok_wall = wall_ms();
		sl->loaded = true;
		keep(c, s, res);
		memset(res, 0, res_size[s]); /* moved out */
	}
	c->gen++;
	app_dirty();
}

void rp_load(struct rp_cluster *c, int s)
{
	static const enum rayc_what what[RP_NSLOTS] = {RAYC_VERSION,	 RAYC_CLUSTER, RAYC_NODES,
						       RAYC_JOBS,	 RAYC_ACTORS,  RAYC_SERVE,
						       RAYC_STATE_NODES, RAYC_TASKS};
	struct rp_slot *sl = &c->slot[s];
	if (sl->req)
		return;
	sl->c = c;
	sl->what = what[s];
	sl->req = rayc_get(&c->rc, what[s], NULL, got, sl);
}

void rp_empty(struct rp_cluster *c, int s, const char *none, char *out, size_t n)
{
	const struct rp_slot *sl = &c->slot[s];
	if (sl->err[0] && !sl->loaded)
		snprintf(out, n, "%s", sl->err);
	else if (!sl->loaded)
		snprintf(out, n, "loading…");
	else
		snprintf(out, n, "%s", none);
}

void rp_status(struct rp_cluster *c, int s, char *out, size_t n)
{
	const struct rp_slot *sl = &c->slot[s];
	char at[16], age[32];
	if (!sl->err[0] || !sl->loaded) {
		out[0] = 0;
		return;
	}
	time_t t = (time_t)(sl->ok_wall / 1000);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(at, sizeof at, "%H:%M:%S", &tm);
	if (sl->fails < 2) {
		snprintf(out, n, "stale since %s: %.64s", at, sl->err);
		return;
	}
	fmt_age(age, sizeof age, (long)MLC_MAX(0, wall_ms() - sl->down_wall));
	snprintf(out, n, "down %s, data from %s: %.64s", age, at, sl->err);
}

unsigned long rp_seen(struct rp_cluster *c)
{
	c->seen_mono = mono_ms();
	return c->gen;
}

void rp_push(struct panel *p, const struct view_ops *ops, struct rp_cluster *c)
{
	struct rp_view *rv = xcalloc(1, sizeof *rv);
	rv->c = c;
	struct view *v = view_push(p, ops, rv);
	if (!v)
		free(rv);
	else if (ops->reload)
		ops->reload(v);
}

void rp_view_close(struct view *v)
{
	struct rp_view *rv = v->priv;
	free(rv->rows);
	free(rv);
}

/* ---- the clusters view ------------------------------------------------------- */

static struct rp_panel *rpp(struct panel *p)
{
	return p->priv;
}

static const struct column cluster_cols[] = {
    {"CLUSTER", 8, 24, ALIGN_LEFT, 0, false},
    {"DASHBOARD", 12, 0, ALIGN_LEFT, 0, false},
};

static const struct column *cv_columns(struct view *v, int *n)
{
	*n = (int)ARRAY_LEN(cluster_cols);
	return cluster_cols;
}

static int cv_nrows(struct view *v)
{
	return (int)rpp(v->panel)->n;
}

static void cv_cell(struct view *v, int row, int col, struct cell *out)
{
	const struct target *t = rpp(v->panel)->v[row].t;
	rp_cell(out, col ? t->url : t->name, col ? ROLE_DIM : ROLE_NORMAL);
}

static void cv_title(struct view *v, char *out, size_t n)
{
	snprintf(out, n, "Ray");
}

static void cv_empty(struct view *v, char *out, size_t n)
{
	snprintf(out, n,
		 "no Ray cluster configured: set RAY_ADDRESS or a [ray] section's dashboard");
}

static void cv_copy(struct view *v, int row, char *out, size_t n)
{
	snprintf(out, n, "%s", rpp(v->panel)->v[row].t->url);
}

static int cv_open(struct view *v, int row)
{
	rp_push(v->panel, &rp_nodes_view, &rpp(v->panel)->v[row]);
	return P_REDRAW;
}

static const struct view_action clusters_actions[] = {
    {"open", "<Enter>", "nodes", "the cluster's nodes", ACT_F_SELECTION, cv_open},
    {"filter", "/", "filter", NULL, 0, NULL},
    {"copy", "y", "copy url", NULL, 0, NULL},
};

static const struct view_ops clusters_view = {
    .name = "clusters",
    .title = cv_title,
    .columns = cv_columns,
    .nrows = cv_nrows,
    .cell = cv_cell,
    .empty_text = cv_empty,
    .copy_text = cv_copy,
    .actions = clusters_actions,
    .nactions = ARRAY_LEN(clusters_actions),
};

/* ---- commands ----------------------------------------------------------------- */

/* The cluster shown, or the only one; NULL after saying why. */
static struct rp_cluster *cur_cluster(struct panel *p, const char *cmd)
{
	struct view *top = view_top(p);
	if (top && top->ops != &clusters_view)
		return rp_of(top);
	if (rpp(p)->n == 1)
		return &rpp(p)->v[0];
	if (rpp(p)->n == 0)
		app_message(ROLE_ERR, "%s: no Ray cluster configured", cmd);
	else
		app_message(ROLE_ERR, "%s: open a cluster first (<enter> on its row)", cmd);
	return NULL;
}

/* Shows the view ops of the current cluster: the views above its nodes go. */
static int show(struct panel *p, const struct view_ops *ops, const char *cmd)
{
	struct rp_cluster *c = cur_cluster(p, cmd);
	if (!c)
		return -1;
	while (view_depth(p) > 1 && view_top(p)->ops != &rp_nodes_view)
		view_pop(p);
	if (view_top(p)->ops != &rp_nodes_view)
		rp_push(p, &rp_nodes_view, c);
	if (ops != &rp_nodes_view)
		rp_push(p, ops, c);
	return 0;
}

static int cmd_nodes(struct panel *p, const char *args)
{
	return show(p, &rp_nodes_view, "nodes");
}

static int cmd_jobs(struct panel *p, const char *args)
{
	return show(p, &rp_jobs_view, "jobs");
}

static int cmd_actors(struct panel *p, const char *args)
{
	return show(p, &rp_actors_view, "actors");
}

static int cmd_serve(struct panel *p, const char *args)
{
	return show(p, &rp_serve_view, "serve");
}

static int cmd_tasks(struct panel *p, const char *args)
{
	return show(p, &rp_tasks_view, "tasks");
}

static const struct cmd_entry rp_cmds[] = {
    {"ray-nodes", NULL, "", "the Ray cluster's nodes (:nodes is the Nodes panel)", CMD_ARG_NONE,
     cmd_nodes, NULL},
    {"jobs", NULL, "", "the Ray cluster's jobs", CMD_ARG_NONE, cmd_jobs, NULL},
    {"actors", NULL, "", "the Ray cluster's actors by state and class", CMD_ARG_NONE, cmd_actors,
     NULL},
    {"serve", NULL, "", "the Ray cluster's Serve applications", CMD_ARG_NONE, cmd_serve, NULL},
    {"tasks", NULL, "", "the Ray cluster's tasks by function and state", CMD_ARG_NONE, cmd_tasks,
     NULL},
};

/* From a cluster's view: the views above it go, the one asked for comes. */
static int open_from(struct view *v, const struct view_ops *ops)
{
	while (view_top(v->panel) != v)
		view_pop(v->panel);
	rp_push(v->panel, ops, rp_of(v));
	return P_REDRAW;
}

int rp_act_jobs(struct view *v, int row)
{
	return open_from(v, &rp_jobs_view);
}

int rp_act_actors(struct view *v, int row)
{
	return open_from(v, &rp_actors_view);
}

int rp_act_serve(struct view *v, int row)
{
	return open_from(v, &rp_serve_view);
}

int rp_act_tasks(struct view *v, int row)
{
	return open_from(v, &rp_tasks_view);
}

/* ---- the panel ------------------------------------------------------------------ */

/* The refresh: the view on top reloads (its own requests; a load still in
 * flight is not started twice) while one of c's views was drawn lately, so
 * that a cluster nobody looks at is not polled. */
static void on_refresh(uv_timer_t *tm)
{
	struct rp_cluster *c = tm->data;
	if (mono_ms() - c->seen_mono > 3 * c->refresh_ms)
		return;
	struct view *top = view_top(c->p);
	if (!top || top->ops == &clusters_view || rp_of(top) != c || !top->ops->reload)
		return;
	if (top->ops == &rp_job_view)
		rp_job_tick(top);
	else
		top->ops->reload(top);
}

static void free_timer(uv_handle_t *h)
{
	free(h);
}

static void rp_open(struct panel *p)
{
	struct rp_panel *r = xcalloc(1, sizeof *r);
	const struct config *cfg = app_config();
	p->priv = r;
	r->v = xcalloc(cfg->ntargets ? cfg->ntargets : 1, sizeof *r->v);
	for (size_t i = 0; i < cfg->ntargets; i++) {
		const struct target *t = &cfg->targets[i];
		if (t->kind != TK_RAY || !t->url)
			continue;
		struct rp_cluster *c = &r->v[r->n++];
		c->t = t;
		c->prom = config_first_target(cfg, TK_PROMETHEUS);
		c->p = p;
		rayc_init(&c->rc, t);
		c->refresh_ms = t->refresh_ms > 0 ? t->refresh_ms : cfg->refresh_ms;
		c->refresh_ms = MLC_MAX(c->refresh_ms, 100);
		c->timer = xcalloc(1, sizeof *c->timer);
		uv_timer_init(loop_get(), c->timer);
		c->timer->data = c;
		uv_timer_start(c->timer, on_refresh, (uint64_t)c->refresh_ms,
			       (uint64_t)c->refresh_ms);
	}
	if (r->n == 1)
		rp_push(p, &rp_nodes_view, &r->v[0]);
	else
		view_push(p, &clusters_view, NULL);
}

static void rp_close(struct panel *p)
{
	struct rp_panel *r = p->priv;
	for (size_t i = 0; i < r->n; i++) {
		struct rp_cluster *c = &r->v[i];
		uv_timer_stop(c->timer);
		uv_close((uv_handle_t *)c->timer, free_timer);
		for (int s = 0; s < RP_NSLOTS; s++)
			rayc_cancel(c->slot[s].req);
		ray_version_free(&c->version);
		ray_cluster_free(&c->cluster);
		ray_nodes_free(&c->nodes);
		ray_jobs_free(&c->jobs);
		ray_actors_free(&c->actors);
		ray_serve_free(&c->serve);
		ray_state_nodes_free(&c->state);
		ray_tasks_free(&c->tasks);
		rayc_cancel(c->stop_req);
		rp_spark_free(c);
		free(c->asking);
		free(c->stopping);
	}
	free(r->v);
	free(r);
	p->priv = NULL;
}

static const struct view_ops *const rp_views[] = {&clusters_view, &rp_nodes_view, &rp_node_view,
						  &rp_jobs_view,  &rp_job_view,	  &rp_actors_view,
						  &rp_serve_view, &rp_tasks_view, NULL};

static const struct panel_ops ray_ops = {
    .name = "ray",
    .title = "Ray",
    .digit = 6,
    .open = rp_open,
    .close = rp_close,
    .cmds = rp_cmds,
    .ncmds = ARRAY_LEN(rp_cmds),
    .views = rp_views,
};

struct panel ray_panel = {.ops = &ray_ops};
