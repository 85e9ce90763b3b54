/* panels/ray_jobs.c — the Ray panel's jobs (newest first: id, status in
 * colour, entrypoint, start, duration, message), `X` to stop a running one
 * after a dialog naming it (recorded with log_audit). Enter opens the job
 * (ray_job.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/log.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "mlflowp.h"
#include "ray.h"
#include "tui/app.h"
#include "tui/canvas.h"
#include "tui/table.h"

static const char *job_id(const struct ray_job *j)
{
	return j->submission_id ? j->submission_id : j->job_id;
}

static void duration(const struct ray_job *j, char *out, size_t n)
{
	int64_t end = j->end_ms > 0 ? j->end_ms : ray_job_running(j->status) ? wall_ms() : 0;
	if (j->start_ms <= 0 || end <= 0 || (j->status && !strcmp(j->status, "PENDING")))
		snprintf(out, n, "-");
	else
		fmt_age(out, n, (long)MLC_MAX(0, end - j->start_ms));
}

/* The first line of a message (failures carry the log's last lines). */
static void first_line(const char *s, char *out, size_t n)
{
	snprintf(out, n, "%.*s", s ? (int)strcspn(s, "\n") : 0, s ? s : "");
}

/* ---- the jobs view ----------------------------------------------------------- */

enum { J_ID, J_STATUS, J_ENTRY, J_START, J_DUR, J_MSG, J_COUNT };

static const struct column job_cols[J_COUNT] = {
    [J_ID] = {"SUBMISSION", 8, 28, ALIGN_LEFT, 0, false},
    [J_STATUS] = {"STATUS", 6, 9, ALIGN_LEFT, 0, false},
    [J_ENTRY] = {"ENTRYPOINT", 10, 36, ALIGN_LEFT, 0, false},
    [J_START] = {"START", 11, 11, ALIGN_LEFT, 2, false},
    [J_DUR] = {"DURATION", 8, 8, ALIGN_RIGHT, 1, false},
    [J_MSG] = {"MESSAGE", 8, 0, ALIGN_LEFT, 3, false},
};

static const struct column *jv_columns(struct view *v, int *n)
{
	*n = J_COUNT;
	return job_cols;
}

static int jv_nrows(struct view *v)
{
	return (int)rp_of(v)->jobs.n;
}

static unsigned long jv_generation(struct view *v)
{
	return rp_seen(rp_of(v));
}

static void jv_cell(struct view *v, int row, int col, struct cell *out)
{
	const struct ray_job *j = &rp_of(v)->jobs.v[row];
	char buf[256];
	switch (col) {
	case J_ID:
		rp_cell(out, job_id(j), ROLE_NORMAL);
		break;
	case J_STATUS:
		rp_cell(out, j->status, rp_status_role(j->status));
		break;
	case J_ENTRY:
		rp_cell(out, j->entrypoint, ROLE_NORMAL);
		break;
	case J_START:
		mlp_time(buf, sizeof buf, j->start_ms);
		rp_cell(out, buf, ROLE_DIM);
		break;
	case J_DUR:
		duration(j, buf, sizeof buf);
		rp_cell(out, buf, ROLE_DIM);
		break;
	case J_MSG:
		first_line(j->message, buf, sizeof buf);
		rp_cell(out, buf, rp_status_role(j->status) == ROLE_ERR ? ROLE_ERR : ROLE_DIM);
		break;
	}
}

static void jv_title(struct view *v, char *out, size_t n)
{
	snprintf(out, n, "jobs");
}

static void jv_status(struct view *v, char *out, size_t n)
{
	rp_status(rp_of(v), RP_JOBS, out, n);
}

static void jv_empty(struct view *v, char *out, size_t n)
{
	rp_empty(rp_of(v), RP_JOBS, "no jobs", out, n);
}

static void jv_detail(struct view *v, int row, char *out, size_t n, enum role *role)
{
	if (row < 0)
		return;
	const struct ray_job *j = &rp_of(v)->jobs.v[row];
	*role = rp_status_role(j->status) == ROLE_ERR ? ROLE_ERR : ROLE_DIM;
	snprintf(out, n, "%s %s: %s", j->type ? j->type : "-", j->job_id ? j->job_id : "-",
		 j->message ? j->message : "-");
}

static void jv_copy(struct view *v, int row, char *out, size_t n)
{
	const char *id = job_id(&rp_of(v)->jobs.v[row]);
	snprintf(out, n, "%s", id ? id : "");
}

static void jv_reload(struct view *v)
{
	rp_load(rp_of(v), RP_JOBS);
}

static int jv_open(struct view *v, int row)
{
	rp_push_job(v->panel, rp_of(v), &rp_of(v)->jobs.v[row]);
	return P_REDRAW;
}

/* ---- stop ------------------------------------------------------------------------ */

static void stopped(void *res, const struct mlc_err *err, void *arg)
{
	struct rp_cluster *c = arg;
	char *id = c->stopping;
	char *req = xasprintf("POST /api/jobs/%s/stop", id);
	c->stop_req = NULL;
	c->stopping = NULL;
	if (err) {
		log_audit(c->t->name, req, err->msg);
		app_message(ROLE_ERR, "stop %s: %s", id, err->msg);
	} else {
		bool yes = *(bool *)res;
		log_audit(c->t->name, req, yes ? "stopped" : "not stopped (no longer running)");
		char *s = san_str(id);
		app_message(yes ? ROLE_OK : ROLE_WARN, "%s %s", s,
			    yes ? "stopped" : "was not stopped: it no longer runs");
		free(s);
	}
	free(req);
	free(id);
	rp_load(c, RP_JOBS);
}

static void stop_confirmed(void *arg, bool yes)
{
	struct rp_cluster *c = arg;
	if (!yes) {
		app_message(ROLE_DIM, "job not stopped");
	} else if (c->stop_req) {
		app_message(ROLE_WARN, "a stop is already in flight");
	} else {
		c->stopping = c->asking;
		c->asking = NULL;
		c->stop_req = rayc_get(&c->rc, RAYC_JOB_STOP, c->stopping, stopped, c);
	}
}

static int jv_stop(struct view *v, int row)
{
	struct rp_cluster *c = rp_of(v);
	const struct ray_job *j = &c->jobs.v[row];
	char *id = san_str(job_id(j) ? job_id(j) : "-");
	if (!ray_job_running(j->status) || !j->submission_id) {
		char *st = san_str(j->status ? j->status : "-");
		app_message(ROLE_WARN, "%s is %s%s: nothing to stop", id, st,
			    j->submission_id ? "" : " (a driver, not a submission)");
		free(st);
		free(id);
		return P_REDRAW;
	}
	char l1[300], l2[600], l3[300];
	char *ent = san_str(j->entrypoint ? j->entrypoint : "-"), *name = san_str(c->t->name);
	snprintf(l1, sizeof l1, "job         %s (%s)", id, j->status);
	snprintf(l2, sizeof l2, "entrypoint  %s", ent);
	snprintf(l3, sizeof l3, "cluster     %s", name);
	free(c->asking);
	c->asking = xstrdup(j->submission_id);
	struct dialog d = {.title = "Stop a Ray job?",
			   .lines = {l1, l2, l3, NULL},
			   .action = "stop the job (POST /api/jobs/ID/stop)",
			   .done = stop_confirmed,
			   .arg = c};
	app_confirm(&d);
	free(ent), free(name), free(id);
	return P_REDRAW;
}

static const struct view_action jobs_actions[] = {
    {"open", "<Enter>", "logs", "the job's detail and the tail of its logs", ACT_F_SELECTION,
     jv_open},
    {"stop", "X", "stop", "stop the running job (asks first)",
     ACT_F_SELECTION | ACT_F_WRITES | ACT_F_CONFIRM, jv_stop},
    {"filter", "/", "filter", NULL, 0, NULL},
    {"copy", "y", "copy id", NULL, 0, NULL},
};

const struct view_ops rp_jobs_view = {
    .name = "jobs",
    .title = jv_title,
    .columns = jv_columns,
    .nrows = jv_nrows,
    .cell = jv_cell,
    .generation = jv_generation,
    .detail = jv_detail,
    .empty_text = jv_empty,
    .copy_text = jv_copy,
    .reload = jv_reload,
    .status = jv_status,
    .close = rp_view_close,
    .actions = jobs_actions,
    .nactions = ARRAY_LEN(jobs_actions),
};
