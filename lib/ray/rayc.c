/* lib/ray/rayc.c — the asynchronous Ray dashboard client (see rayc.h). Owns
 * one struct rayc_req per call: its http request and its parsed result.
 * HTTP errors go through lib/core/http_err; a 2xx body through the parser of
 * what was asked (which also refuses result: false). Never blocks. */
#include "lib/ray/rayc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/http.h"
#include "lib/core/http_err.h"
#include "lib/core/target_http.h"
#include "lib/core/util.h"

struct rayc_req {
	struct http_req *h;
	enum rayc_what w;
	rayc_cb cb;
	void *arg;
	char path[160];
	union {
		struct ray_version version;
		struct ray_cluster cluster;
		struct ray_nodes nodes;
		struct ray_actors actors;
		struct ray_jobs jobs;
		struct ray_job job;
		char *logs;
		bool stopped;
		struct ray_serve serve;
		struct ray_state_nodes state_nodes;
		struct ray_tasks tasks;
	} res;
};

void rayc_init(struct rayc *c, const struct target *t)
{
	memset(c, 0, sizeof *c);
	c->t = t;
	c->timeout_ms = t->timeout_ms > 0 ? t->timeout_ms : 10000;
}

char *rayc_path(enum rayc_what w, const char *id)
{
	char *e = http_urlencode(id ? id : "", false);
	char *p = NULL;
	switch (w) {
	case RAYC_VERSION:
		p = xstrdup("/api/version");
		break;
	case RAYC_CLUSTER:
		p = xstrdup("/api/cluster_status");
		break;
	case RAYC_NODES:
		p = xstrdup("/nodes?view=summary");
		break;
	case RAYC_ACTORS:
		p = xstrdup("/api/v0/actors?detail=true&limit=10000");
		break;
	case RAYC_STATE_NODES:
		p = xstrdup("/api/v0/nodes?detail=true&limit=10000");
		break;
	case RAYC_TASKS:
		p = xstrdup("/api/v0/tasks/summarize");
		break;
	case RAYC_JOBS:
		p = xstrdup("/api/jobs/");
		break;
	case RAYC_JOB:
		p = xasprintf("/api/jobs/%s", e);
		break;
	case RAYC_JOB_LOGS:
		p = xasprintf("/api/jobs/%s/logs", e);
		break;
	case RAYC_JOB_TAIL:
		p = xasprintf("/api/jobs/%s/logs/tail", e);
		break;
	case RAYC_JOB_STOP:
		p = xasprintf("/api/jobs/%s/stop", e);
		break;
	case RAYC_SERVE:
		p = xstrdup("/api/serve/applications/");
		break;
	}
	free(e);
	return p;
}

static int parse(struct rayc_req *r, const char *b, size_t n, struct mlc_err *e)
{
	switch (r->w) {
	case RAYC_VERSION:
		return ray_version_parse(&r->res.version, b, n, e);
	case RAYC_CLUSTER:
		return ray_cluster_parse(&r->res.cluster, b, n, e);
	case RAYC_NODES:
		return ray_nodes_parse(&r->res.nodes, b, n, e);
	case RAYC_ACTORS:
		return ray_actors_parse(&r->res.actors, b, n, e);
	case RAYC_JOBS:
		return ray_jobs_parse(&r->res.jobs, b, n, e);
	case RAYC_JOB:
		return ray_job_parse(&r->res.job, b, n, e);
	case RAYC_JOB_LOGS:
		return ray_logs_parse(&r->res.logs, b, n, e);
	case RAYC_JOB_STOP:
		return ray_stop_parse(&r->res.stopped, b, n, e);
	case RAYC_JOB_TAIL:
		break;
	case RAYC_SERVE:
		return ray_serve_parse(&r->res.serve, b, n, e);
	case RAYC_STATE_NODES:
		return ray_state_nodes_parse(&r->res.state_nodes, b, n, e);
	case RAYC_TASKS:
		return ray_tasks_parse(&r->res.tasks, b, n, e);
	}
	return 0;
}

static void res_free(struct rayc_req *r)
{
	switch (r->w) {
	case RAYC_VERSION:
		ray_version_free(&r->res.version);
		break;
	case RAYC_CLUSTER:
		ray_cluster_free(&r->res.cluster);
		break;
	case RAYC_NODES:
		ray_nodes_free(&r->res.nodes);
		break;
	case RAYC_ACTORS:
		ray_actors_free(&r->res.actors);
		break;
	case RAYC_JOBS:
		ray_jobs_free(&r->res.jobs);
		break;
	case RAYC_JOB:
		ray_job_free(&r->res.job);
		break;
	case RAYC_JOB_LOGS:
		free(r->res.logs);
		break;
	case RAYC_JOB_STOP:
	case RAYC_JOB_TAIL:
		break;
	case RAYC_SERVE:
		ray_serve_free(&r->res.serve);
		break;
	case RAYC_STATE_NODES:
		ray_state_nodes_free(&r->res.state_nodes);
		break;
	case RAYC_TASKS:
		ray_tasks_free(&r->res.tasks);
		break;
	}
}

static void on_done(const struct http_resp *resp, const struct mlc_err *herr, void *arg)
{
	struct rayc_req *r = arg;
	struct mlc_err e = {0};
	int rc;
	if (herr) {
		e = *herr;
		snprintf(e.msg, sizeof e.msg, "ray: %.100s: %.140s", r->path, herr->msg);
		rc = -1;
	} else if (resp->status < 200 || resp->status > 299) {
		rc = http_err_resp(&e, "ray", resp, r->path);
	} else {
		rc = parse(r, resp->body, resp->body_len, &e);
	}
	if (rc < 0)
		r->cb(NULL, &e, r->arg);
	else
		r->cb(&r->res, NULL, r->arg);
	res_free(r);
	free(r);
}

struct rayc_req *rayc_get(struct rayc *c, enum rayc_what w, const char *id, rayc_cb cb, void *arg)
{
	struct rayc_req *r = xcalloc(1, sizeof *r);
	r->w = w;
	r->cb = cb;
	r->arg = arg;
	char *path = rayc_path(w, id);
	snprintf(r->path, sizeof r->path, "%s", path);
	char *url = target_url(c->t, path);
	free(path);
	struct http_opts o;
	target_http_opts(c->t, c->timeout_ms, url, &o);
	o.max_bytes = w == RAYC_JOB_LOGS ? 8u << 20 : 32u << 20;
	if (w == RAYC_JOB_STOP) {
		o.method = "POST";
		o.body = "";
		o.body_len = 0;
	}
	r->h = http_request(&o, on_done, r);
	free(url);
	return r;
}

void rayc_cancel(struct rayc_req *r)
{
	if (!r)
		return;
	http_cancel(r->h);
	free(r);
}
