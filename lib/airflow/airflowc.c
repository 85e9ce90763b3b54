/* lib/airflow/airflowc.c — the asynchronous Airflow client (see airflowc.h):
 * each call is one lib/core/apireq with its path and parser from
 * airflow.c. Never blocks, never calls curses. */
#include "lib/airflow/airflowc.h"

#include <stdlib.h>
#include <string.h>

#include "lib/core/util.h"

void airflowc_init(struct airflowc *c, const struct target *t)
{
	memset(c, 0, sizeof *c);
	c->t = t;
	c->base = target_url(t, "");
	c->timeout_ms = t->timeout_ms > 0 ? t->timeout_ms : 30000;
}

void airflowc_free(struct airflowc *c)
{
	free(c->base);
	memset(c, 0, sizeof *c);
}

static int parse_text(void *res, const char *b, size_t n, struct mlc_err *e)
{
	struct airflow_text *t = res;
	t->text = xstrndup(b, n);
	t->len = n;
	return 0;
}

static void free_text(void *res)
{
	free(((struct airflow_text *)res)->text);
}

#define P(fn) ((apireq_parse_fn)(fn))
#define F(fn) ((apireq_free_fn)(fn))

/* Starts method on path (taken) with body (JSON, taken) or NULL. */
static struct apireq *start(struct airflowc *c, const char *method, char *path, char *body,
			    size_t size, apireq_parse_fn parse, apireq_free_fn fr, apireq_cb cb,
			    void *arg)
{
	static const char *const text_hdr[] = {"Accept: text/plain", NULL};
	struct apireq_spec s = {.who = "airflow",
				.t = c->t,
				.base = c->base,
				.method = method,
				.path = path,
				.body = body,
				.headers = parse == parse_text ? text_hdr : NULL,
				.timeout_ms = c->timeout_ms,
				.res_size = size,
				.parse = parse,
				.free = fr};
	struct apireq *r = apireq_start(&s, cb, arg);
	free(path);
	free(body);
	return r;
}

struct apireq *airflowc_runs(struct airflowc *c, int limit, int offset, apireq_cb cb, void *arg)
{
	return start(c, "GET", airflow_runs_path(limit, offset), NULL, sizeof(struct airflow_runs),
		     P(airflow_parse_runs), F(airflow_runs_free), cb, arg);
}

struct apireq *airflowc_tis(struct airflowc *c, const char *dag_id, const char *run_id,
			    apireq_cb cb, void *arg)
{
	return start(c, "GET", airflow_tis_path(dag_id, run_id), NULL, sizeof(struct airflow_tis),
		     P(airflow_parse_tis), F(airflow_tis_free), cb, arg);
}

struct apireq *airflowc_log(struct airflowc *c, const char *dag_id, const char *run_id,
			    const char *task_id, int try_number, apireq_cb cb, void *arg)
{
	return start(c, "GET", airflow_log_path(dag_id, run_id, task_id, try_number), NULL,
		     sizeof(struct airflow_text), parse_text, free_text, cb, arg);
}

struct apireq *airflowc_trigger(struct airflowc *c, const char *dag_id, apireq_cb cb, void *arg)
{
	return start(c, "POST", airflow_trigger_path(dag_id), airflow_trigger_body(),
		     sizeof(struct airflow_run), P(airflow_parse_run), F(airflow_run_free), cb,
		     arg);
}

struct apireq *airflowc_pause(struct airflowc *c, const char *dag_id, bool paused, apireq_cb cb,
			      void *arg)
{
	return start(c, "PATCH", airflow_pause_path(dag_id), airflow_pause_body(paused),
		     sizeof(struct airflow_dag), P(airflow_parse_dag), F(airflow_dag_free), cb,
		     arg);
}
