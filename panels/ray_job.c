/* panels/ray_job.c — one Ray job: its detail above the tail of its logs.
 * The logs come whole from /api/jobs/ID/logs when the view opens (capped
 * by the client at 8 MiB); only the last RP_LOG_LINES lines are kept
 * (lib/ray/ray_logtail), as the rows of the view, so that `/` searches
 * them, `y` copies one and G is the newest. `F` follows a running job over
 * the dashboard's /logs/tail WebSocket (rayc_tail: the log from its start,
 * then what it gains, closed when the job ends), appending each piece to
 * the tail and keeping the newest line selected: memory is the lines kept,
 * whatever the log's size. A log over the 8 MiB cap is read the same way.
 * A dashboard that refuses the upgrade (older ones answer 404) is polled
 * instead: each refresh asks /logs and appends what the log gained. SGR
 * colour escapes are dropped and tabs read as spaces; every other control
 * stays visible. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "lib/ray/ray_logtail.h"
#include "mlflowp.h"
#include "ray.h"
#include "tui/app.h"
#include "tui/canvas.h"
#include "tui/table.h"

#define RP_LOG_LINES 5000

struct job_view {
	struct rp_view rv; /* first: rp_of */
	char *id;
	struct ray_job job;	 /* a copy of the list's row, then the detail's answer */
	struct ray_logtail tail; /* the rows: the log's last RP_LOG_LINES lines */
	struct rayc_req *rq_job, *rq_logs;
	struct rayc_tail *rq_tail; /* the /logs/tail stream, while it runs */
	char err[256], log_err[256];
	bool logs_loaded, tail_selected;
	bool follow; /* `F`: what the log gains is appended, the newest line
			kept selected, until the job ends */
	bool no_ws;  /* the dashboard refused /logs/tail: poll /logs */
	bool fresh;  /* the stream has sent nothing yet: its first piece
			starts the tail over (it sends the log from its start) */
	unsigned long gen;
};

static void start_stream(struct view *v);

static void got_logs(void *res, const struct mlc_err *err, void *arg)
{
	struct view *v = arg;
	struct job_view *jv = v->priv;
	jv->rq_logs = NULL;
	if (err && err->code == MLC_ERR_TOO_BIG && !jv->no_ws) {
		start_stream(v); /* too big whole: its tail, streamed */
	} else if (jv->rq_tail) {
		/* the stream has the log from its start: this answer is older */
	} else if (err) {
		snprintf(jv->log_err, sizeof jv->log_err, "%s", err->msg);
	} else {
		const char *log = *(char **)res;
		jv->log_err[0] = 0;
		ray_logtail_feed(&jv->tail, log, strlen(log));
		jv->logs_loaded = true;
		if ((!jv->tail_selected || jv->follow) && jv->tail.n) {
			view_select_row(v, (int)jv->tail.n - 1);
			jv->tail_selected = true;
		}
		if (jv->follow && !ray_job_running(jv->job.status)) {
			jv->follow = false; /* this answer was the end of it */
			app_message(ROLE_DIM, "follow: the job is %s: its log is whole",
				    jv->job.status ? jv->job.status : "over");
		}
	}
	jv->gen++;
	app_dirty();
}

static void got_job(void *res, const struct mlc_err *err, void *arg)
{
	struct view *v = arg;
	struct job_view *jv = v->priv;
	jv->rq_job = NULL;
	if (err) {
		snprintf(jv->err, sizeof jv->err, "%s", err->msg);
	} else {
		jv->err[0] = 0;
		ray_job_free(&jv->job);
		jv->job = *(struct ray_job *)res;
		memset(res, 0, sizeof jv->job);
	}
	jv->gen++;
	app_dirty();
}

static void jd_reload(struct view *v)
{
	struct job_view *jv = v->priv;
	struct rp_cluster *c = rp_of(v);
	if (!jv->rq_job)
		jv->rq_job = rayc_get(&c->rc, RAYC_JOB, jv->id, got_job, v);
	if (!jv->rq_logs && jv->job.submission_id)
		jv->rq_logs = rayc_get(&c->rc, RAYC_JOB_LOGS, jv->id, got_logs, v);
}

static void stream_chunk(const char *p, size_t n, void *arg)
{
	struct view *v = arg;
	struct job_view *jv = v->priv;
	if (jv->fresh) {
		ray_logtail_reset(&jv->tail);
		jv->fresh = false;
	}
	/* the newest line stays selected while it was (a log read over the
	 * stream arrives in pieces even when it is not followed) */
	int sel = v->table.restore_row >= 0 ? v->table.restore_row : table_selected(&v->table);
	bool at_end = !jv->tail.n || sel == (int)jv->tail.n - 1;
	ray_logtail_append(&jv->tail, p, n);
	jv->logs_loaded = true;
	jv->log_err[0] = 0;
	if ((!jv->tail_selected || jv->follow || at_end) && jv->tail.n) {
		view_select_row(v, (int)jv->tail.n - 1);
		jv->tail_selected = true;
	}
	jv->gen++;
	app_dirty();
}

static void stream_end(const struct mlc_err *err, bool refused, void *arg)
{
	struct view *v = arg;
	struct job_view *jv = v->priv;
	struct rp_cluster *c = rp_of(v);
	jv->rq_tail = NULL;
	if (refused) {
		/* an older dashboard: poll the whole log as before */
		jv->no_ws = true;
		if (!jv->rq_logs)
			jv->rq_logs = rayc_get(&c->rc, RAYC_JOB_LOGS, jv->id, got_logs, v);
	} else if (err) {
		snprintf(jv->log_err, sizeof jv->log_err, "%s", err->msg);
		if (jv->follow)
			app_message(ROLE_ERR, "follow: %s", err->msg);
		jv->follow = false;
	} else {
		jv->logs_loaded = true;
		if (jv->follow)
			app_message(ROLE_DIM,
				    "follow: the dashboard closed the log: the job is over");
		jv->follow = false;
		if (!jv->rq_job)
			jv->rq_job = rayc_get(&c->rc, RAYC_JOB, jv->id, got_job, v);
	}
	jv->gen++;
	app_dirty();
}

/* Streams the log from /logs/tail (from its start, then as it grows). */
static void start_stream(struct view *v)
{
	struct job_view *jv = v->priv;
	if (jv->rq_tail)
		return;
	jv->fresh = true;
	jv->rq_tail = rayc_tail(&rp_of(v)->rc, jv->id, stream_chunk, stream_end, v);
}

/* The refresh timer: the job's status every time; its log only while it
 * is followed on a dashboard without /logs/tail (the whole log is one
 * request: not asked for nothing). */
void rp_job_tick(struct view *v)
{
	struct job_view *jv = v->priv;
	struct rp_cluster *c = rp_of(v);
	if (!jv->rq_job)
		jv->rq_job = rayc_get(&c->rc, RAYC_JOB, jv->id, got_job, v);
	if (jv->follow && jv->no_ws && !jv->rq_logs)
		jv->rq_logs = rayc_get(&c->rc, RAYC_JOB_LOGS, jv->id, got_logs, v);
}

static const struct column log_cols[] = {{"LOG", 10, 0, ALIGN_LEFT, 0, false}};

static const struct column *jd_columns(struct view *v, int *n)
{
	*n = 1;
	return log_cols;
}

static int jd_nrows(struct view *v)
{
	return (int)((struct job_view *)v->priv)->tail.n;
}

static unsigned long jd_generation(struct view *v)
{
	rp_seen(rp_of(v));
	return ((struct job_view *)v->priv)->gen;
}

static void jd_cell(struct view *v, int row, int col, struct cell *out)
{
	rp_cell(out, ((struct job_view *)v->priv)->tail.lines[row], ROLE_NORMAL);
	if (!strcmp(out->text, "-"))
		out->role = ROLE_NORMAL;
}

static void jd_title(struct view *v, char *out, size_t n)
{
	snprintf(out, n, "%s", ((struct job_view *)v->priv)->id);
}

static void jd_empty(struct view *v, char *out, size_t n)
{
	struct job_view *jv = v->priv;
	if (!jv->job.submission_id)
		snprintf(out, n, "a driver job: the dashboard keeps logs of submissions only");
	else if (jv->log_err[0])
		snprintf(out, n, "%s", jv->log_err);
	else if (jv->rq_tail && !jv->logs_loaded)
		snprintf(out, n, "streaming the log's tail…");
	else
		snprintf(out, n, "%s", jv->logs_loaded ? "no logs yet" : "loading the logs…");
}

static void jd_copy(struct view *v, int row, char *out, size_t n)
{
	snprintf(out, n, "%s", ((struct job_view *)v->priv)->tail.lines[row]);
}

/* Draws "label  value" (value sanitized) on row y; returns the next row. */
static int field(const struct canvas *cv, int y, const char *label, const char *raw, enum role r)
{
	char *s = san_str(raw && *raw ? raw : "-");
	canvas_text(cv, y, 1, label, ROLE_DIM, 12);
	canvas_text(cv, y, 13, s, r, cv->w - 14);
	free(s);
	return y + 1;
}

static int job_header(struct job_view *jv, const struct canvas *cv)
{
	const struct ray_job *j = &jv->job;
	char t[64], buf[600];
	int y = 0;
	snprintf(buf, sizeof buf, "%s  %s %s", j->status ? j->status : "-", j->type ? j->type : "-",
		 j->job_id ? j->job_id : "");
	y = field(cv, y, "status", buf, rp_status_role(j->status));
	y = field(cv, y, "entrypoint", j->entrypoint, ROLE_NORMAL);
	mlp_time(t, sizeof t, j->start_ms);
	snprintf(buf, sizeof buf, "%s", t);
	if (j->end_ms > 0) {
		char e[32];
		mlp_time(e, sizeof e, j->end_ms);
		snprintf(buf, sizeof buf, "%s to %s", t, e);
	}
	y = field(cv, y, "started", buf, ROLE_NORMAL);
	snprintf(buf, sizeof buf, "%s", j->driver_ip ? j->driver_ip : "-");
	if (j->has_exit_code)
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "  exit code %lld",
			 (long long)j->exit_code);
	y = field(cv, y, "driver", buf, ROLE_NORMAL);
	char msg[300];
	snprintf(msg, sizeof msg, "%.*s", j->message ? (int)strcspn(j->message, "\n") : 0,
		 j->message ? j->message : "");
	y = field(cv, y, "message", msg,
		  rp_status_role(j->status) == ROLE_ERR ? ROLE_ERR : ROLE_NORMAL);
	if (jv->err[0])
		y = field(cv, y, "error", jv->err, ROLE_ERR);
	return y + 1;
}

static bool jd_body(struct view *v, struct canvas *cv)
{
	canvas_clear(cv, ROLE_NORMAL);
	int h = job_header(v->priv, cv);
	struct canvas rest = {cv->y + h, cv->x, MLC_MAX(1, cv->h - h), cv->w};
	table_draw(&v->table, &rest);
	return true;
}

static void jd_close(struct view *v)
{
	struct job_view *jv = v->priv;
	rayc_cancel(jv->rq_job);
	rayc_cancel(jv->rq_logs);
	rayc_tail_cancel(jv->rq_tail);
	ray_job_free(&jv->job);
	ray_logtail_free(&jv->tail);
	free(jv->id);
	free(jv);
}

static int jd_follow(struct view *v, int row)
{
	struct job_view *jv = v->priv;
	if (!jv->follow && !jv->job.submission_id) {
		app_message(ROLE_WARN, "follow: a driver job has no logs in the dashboard");
		return P_HANDLED;
	}
	if (!jv->follow && !ray_job_running(jv->job.status)) {
		app_message(ROLE_DIM, "follow: the job is %s: its log is whole already",
			    jv->job.status ? jv->job.status : "over");
		return P_HANDLED;
	}
	jv->follow = !jv->follow;
	if (jv->follow) {
		if (jv->tail.n)
			view_select_row(v, (int)jv->tail.n - 1);
		if (!jv->no_ws)
			start_stream(v);
		rp_job_tick(v);
	} else {
		rayc_tail_cancel(jv->rq_tail); /* what arrived stays */
		jv->rq_tail = NULL;
	}
	jv->gen++;
	return P_REDRAW;
}

static const struct view_action job_actions[] = {
    {"follow", "F", "follow", "follow the log while the job runs (newest line kept in view)", 0,
     jd_follow},
    {"filter", "/", "search", NULL, 0, NULL},
    {"bottom", "G", "newest", NULL, 0, NULL},
    {"top", "g", "oldest", NULL, 0, NULL},
    {"copy", "y", "copy line", NULL, 0, NULL},
};

const struct view_ops rp_job_view = {
    .name = "job",
    .title = jd_title,
    .columns = jd_columns,
    .nrows = jd_nrows,
    .cell = jd_cell,
    .generation = jd_generation,
    .empty_text = jd_empty,
    .copy_text = jd_copy,
    .body = jd_body,
    .reload = jd_reload,
    .close = jd_close,
    .actions = job_actions,
    .nactions = ARRAY_LEN(job_actions),
};

/* The job's row is copied (the list may change under the view). */
void rp_push_job(struct panel *p, struct rp_cluster *c, const struct ray_job *j)
{
	struct job_view *jv = xcalloc(1, sizeof *jv);
	jv->rv.c = c;
	const char *id = j->submission_id ? j->submission_id : j->job_id;
	jv->id = xstrdup(id ? id : "");
	jv->job.submission_id = j->submission_id ? xstrdup(j->submission_id) : NULL;
	jv->job.job_id = j->job_id ? xstrdup(j->job_id) : NULL;
	jv->job.status = j->status ? xstrdup(j->status) : NULL;
	jv->job.entrypoint = j->entrypoint ? xstrdup(j->entrypoint) : NULL;
	ray_logtail_init(&jv->tail, RP_LOG_LINES);
	struct view *v = view_push(p, &rp_job_view, jv);
	if (!v) {
		ray_job_free(&jv->job);
		free(jv->id);
		free(jv);
		return;
	}
	jd_reload(v);
}
