/* lib/prefect/prefectc.c — the asynchronous Prefect client (see prefectc.h):
 * each call is one lib/core/apireq with its body builder and parser from
 * prefect.c. Never blocks, never calls curses. */
#include "lib/prefect/prefectc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/http.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"

void prefectc_init(struct prefectc *c, const struct target *t)
{
	memset(c, 0, sizeof *c);
	c->t = t;
	c->base = target_url(t, "");
	c->timeout_ms = t->timeout_ms > 0 ? t->timeout_ms : 30000;
}

void prefectc_free(struct prefectc *c)
{
	free(c->base);
	memset(c, 0, sizeof *c);
}

/* For a 422, the validation errors the server listed, as it wrote them. */
static void explain(struct mlc_err *err, const struct http_resp *resp)
{
	char raw[200];
	if (resp->status != 422)
		return;
	prefect_422_detail(resp->body, resp->body_len, raw, sizeof raw);
	if (!raw[0])
		return;
	char *safe = san_str(raw);
	size_t l = strlen(err->msg);
	snprintf(err->msg + l, sizeof err->msg - l, " (%s)", safe);
	free(safe);
}

#define P(fn) ((apireq_parse_fn)(fn))
#define F(fn) ((apireq_free_fn)(fn))

/* Starts one call; body (JSON, taken) or NULL for a GET. */
static struct apireq *start(struct prefectc *c, const char *path, char *body, size_t size,
			    apireq_parse_fn parse, apireq_free_fn fr, apireq_cb cb, void *arg)
{
	struct apireq_spec s = {.who = "prefect",
				.t = c->t,
				.base = c->base,
				.path = path,
				.body = body,
				.timeout_ms = c->timeout_ms,
				.res_size = size,
				.parse = parse,
				.free = fr,
				.explain = explain};
	struct apireq *r = apireq_start(&s, cb, arg);
	free(body);
	return r;
}

struct apireq *prefectc_runs(struct prefectc *c, const char *const *types, int limit, int offset,
			     apireq_cb cb, void *arg)
{
	return start(c, "/flow_runs/filter", prefect_runs_body(types, limit, offset),
		     sizeof(struct prefect_runs), P(prefect_parse_runs), F(prefect_runs_free), cb,
		     arg);
}

struct apireq *prefectc_flows(struct prefectc *c, const char *const *ids, size_t n, apireq_cb cb,
			      void *arg)
{
	return start(c, "/flows/filter", prefect_flows_body(ids, n), sizeof(struct prefect_flows),
		     P(prefect_parse_flows), F(prefect_flows_free), cb, arg);
}

struct apireq *prefectc_deployments(struct prefectc *c, const char *const *ids, size_t n,
				    apireq_cb cb, void *arg)
{
	return start(c, "/deployments/filter", prefect_deployments_body(ids, n),
		     sizeof(struct prefect_flows), P(prefect_parse_flows), F(prefect_flows_free),
		     cb, arg);
}

/* "PREFIX ENCODED-ID SUFFIX" for an id that came from the server. */
static void id_path(char *out, size_t n, const char *prefix, const char *id, const char *suffix)
{
	char *e = http_urlencode(id, false);
	snprintf(out, n, "%s%s%s", prefix, e, suffix);
	free(e);
}

struct apireq *prefectc_states(struct prefectc *c, const char *run_id, apireq_cb cb, void *arg)
{
	char path[200];
	id_path(path, sizeof path, "/flow_run_states/?flow_run_id=", run_id, "");
	return start(c, path, NULL, sizeof(struct prefect_states), P(prefect_parse_states),
		     F(prefect_states_free), cb, arg);
}

struct apireq *prefectc_task_runs(struct prefectc *c, const char *run_id, apireq_cb cb, void *arg)
{
	return start(c, "/task_runs/filter", prefect_task_runs_body(run_id),
		     sizeof(struct prefect_task_runs), P(prefect_parse_task_runs),
		     F(prefect_task_runs_free), cb, arg);
}

struct apireq *prefectc_logs(struct prefectc *c, const char *run_id, int64_t after_ms, int limit,
			     apireq_cb cb, void *arg)
{
	return start(c, "/logs/filter", prefect_logs_body(run_id, after_ms, limit),
		     sizeof(struct prefect_logs), P(prefect_parse_logs), F(prefect_logs_free), cb,
		     arg);
}

struct apireq *prefectc_logs_page(struct prefectc *c, const char *run_id, int64_t ts_ms,
				  bool before, int offset, int limit, apireq_cb cb, void *arg)
{
	return start(
	    c, "/logs/filter", prefect_logs_page_body(run_id, ts_ms, before, offset, limit),
	    sizeof(struct prefect_logs), P(prefect_parse_logs), F(prefect_logs_free), cb, arg);
}

struct apireq *prefectc_set_state(struct prefectc *c, const char *run_id, const char *type,
				  const char *message, apireq_cb cb, void *arg)
{
	char path[200];
	id_path(path, sizeof path, "/flow_runs/", run_id, "/set_state");
	return start(c, path, prefect_set_state_body(type, message),
		     sizeof(struct prefect_set_state), P(prefect_parse_set_state),
		     F(prefect_set_state_free), cb, arg);
}

struct apireq *prefectc_deployment_list(struct prefectc *c, int offset, apireq_cb cb, void *arg)
{
	return start(c, "/deployments/filter", prefect_list_body(200, offset),
		     sizeof(struct prefect_deployments), P(prefect_parse_deployments),
		     F(prefect_deployments_free), cb, arg);
}

struct apireq *prefectc_work_pools(struct prefectc *c, bool queues, apireq_cb cb, void *arg)
{
	return start(c, queues ? "/work_queues/filter" : "/work_pools/filter",
		     prefect_list_body(200, 0), sizeof(struct prefect_pools),
		     P(prefect_parse_pools), F(prefect_pools_free), cb, arg);
}

struct apireq *prefectc_create_flow_run(struct prefectc *c, const char *deployment_id, apireq_cb cb,
					void *arg)
{
	char path[200];
	id_path(path, sizeof path, "/deployments/", deployment_id, "/create_flow_run");
	return start(c, path, xstrdup(PREFECT_CREATE_BODY), sizeof(struct prefect_run),
		     P(prefect_parse_run), F(prefect_run_free), cb, arg);
}
