/* lib/airflow/airflowc.c — the asynchronous Airflow client (see airflowc.h).
 * A call waits in c->waiting while the one preparation in flight (the
 * version probe unless the url named the API, then on v2 the token
 * request) answers, then goes out as
 * one lib/core/apireq with the path and parser of the API found. Owns the
 * session token; never logs it. Never blocks, never calls curses. */
#include "lib/airflow/airflowc.h"

#include <stdlib.h>
#include <string.h>

#include "lib/core/util.h"

enum af_op {
	AF_RUNS,
	AF_TIS,
	AF_LOG,
	AF_TRIGGER,
	AF_PAUSE,
	AF_DAGS,
	AF_POOLS,
	AF_CLEAR,
	AF_HEALTH
};

struct airflowc_req {
	struct airflowc *c;
	enum af_op op;
	char *dag, *run, *task, *token; /* token: a log's continuation (v2) */
	int n1, n2;			/* runs: limit, offset; log: try */
	bool paused;			/* pause: the new is_paused; clear: dry_run */
	apireq_cb cb;
	void *arg;
	struct apireq *r;     /* NULL while waiting */
	unsigned gen;	      /* the token_gen it went out with */
	enum airflow_api api; /* the API it went out to */
	bool retried;	      /* sent again after a 401 */
	bool reprobed;	      /* sent again after a 404 from an API not probed */
	struct airflowc_req *next;
};

static const char *const api_suffix[] = {"/api/v1", "/api/v2"};

static void found(struct airflowc *c, enum airflow_api api);

/* A url naming its API (…/api/v1, …/api/v2) is taken at its word: no probe
 * (v1 answers at once; v2 first gets its token) until that API answers 404. */
void airflowc_init(struct airflowc *c, const struct target *t)
{
	memset(c, 0, sizeof *c);
	c->t = t;
	c->root = target_url(t, "");
	c->timeout_ms = t->timeout_ms > 0 ? t->timeout_ms : 30000;
	c->v2t = *t;
	c->v2t.username = c->v2t.password = NULL;
	size_t n = strlen(c->root);
	for (size_t i = 0; i < ARRAY_LEN(api_suffix); i++) {
		size_t k = strlen(api_suffix[i]);
		if (n >= k && !strcmp(c->root + n - k, api_suffix[i])) {
			c->root[n - k] = '\0';
			found(c, i ? AIRFLOW_API_V2 : AIRFLOW_API_V1);
			c->assumed = true;
			break;
		}
	}
}

static void req_free(struct airflowc_req *q)
{
	free(q->dag);
	free(q->run);
	free(q->task);
	free(q->token);
	free(q);
}

void airflowc_free(struct airflowc *c)
{
	apireq_cancel(c->prep);
	while (c->waiting) {
		struct airflowc_req *q = c->waiting;
		c->waiting = q->next;
		req_free(q);
	}
	free(c->root);
	free(c->base);
	free(c->token);
	memset(c, 0, sizeof *c);
}

const char *airflowc_api_name(const struct airflowc *c)
{
	return c->api == AIRFLOW_API_V2 ? "v2" : c->api == AIRFLOW_API_V1 ? "v1" : "?";
}

static int parse_text(void *res, const char *b, size_t n, struct mlc_err *e)
{
	struct airflow_text *t = res;
	t->text = xstrndup(b, n);
	t->len = n;
	return 0;
}

static int parse_log_v2(void *res, const char *b, size_t n, struct mlc_err *e)
{
	struct airflow_text *t = res;
	return airflow_parse_log_v2(&t->text, &t->len, &t->token, b, n, e);
}

static void free_text(void *res)
{
	free(((struct airflow_text *)res)->text);
	free(((struct airflow_text *)res)->token);
}

#define P(fn) ((apireq_parse_fn)(fn))
#define F(fn) ((apireq_free_fn)(fn))

static void on_done(void *res, const struct mlc_err *err, void *arg);

/* Sends q with the API now known (c->base, and on v2 a token). */
static void send(struct airflowc_req *q)
{
	static const char *const text_hdr[] = {"Accept: text/plain", NULL};
	static const char *const json_hdr[] = {"Accept: application/json", NULL};
	struct airflowc *c = q->c;
	bool v2 = c->api == AIRFLOW_API_V2;
	struct apireq_spec s = {.who = "airflow",
				.t = v2 ? &c->v2t : c->t,
				.base = c->base,
				.timeout_ms = c->timeout_ms};
	char *body = NULL;
	switch (q->op) {
	case AF_RUNS:
		s.path = airflow_runs_path(c->api, q->n1, q->n2);
		s.res_size = sizeof(struct airflow_runs);
		s.parse = P(airflow_parse_runs);
		s.free = F(airflow_runs_free);
		break;
	case AF_DAGS:
		s.path = airflow_dags_path(q->n1, q->n2);
		s.res_size = sizeof(struct airflow_dags);
		s.parse = P(airflow_parse_dags);
		s.free = F(airflow_dags_free);
		break;
	case AF_POOLS:
		s.path = airflow_pools_path();
		s.res_size = sizeof(struct airflow_pools);
		s.parse = P(airflow_parse_pools);
		s.free = F(airflow_pools_free);
		break;
	case AF_HEALTH:
		s.path = xstrdup(v2 ? "/monitor/health" : "/health");
		s.res_size = sizeof(struct airflow_components);
		s.parse = P(airflow_parse_components);
		s.free = F(airflow_components_free);
		break;
	case AF_CLEAR:
		s.path = airflow_clear_path(q->dag);
		s.body = body = airflow_clear_body(q->run, q->task, q->paused);
		s.res_size = sizeof(struct airflow_tis);
		s.parse = P(airflow_parse_tis);
		s.free = F(airflow_tis_free);
		break;
	case AF_TIS:
		s.path = airflow_tis_path(q->dag, q->run);
		s.res_size = sizeof(struct airflow_tis);
		s.parse = P(airflow_parse_tis);
		s.free = F(airflow_tis_free);
		break;
	case AF_LOG:
		s.path = v2 && q->token
			     ? airflow_log_next_path(q->dag, q->run, q->task, q->n1, q->token)
			     : airflow_log_path(q->dag, q->run, q->task, q->n1);
		s.headers = v2 ? json_hdr : text_hdr;
		s.res_size = sizeof(struct airflow_text);
		s.parse = v2 ? parse_log_v2 : parse_text;
		s.free = free_text;
		break;
	case AF_TRIGGER:
		s.path = airflow_trigger_path(q->dag);
		s.body = body = airflow_trigger_body(c->api);
		s.res_size = sizeof(struct airflow_run);
		s.parse = P(airflow_parse_run);
		s.free = F(airflow_run_free);
		break;
	case AF_PAUSE:
		s.path = airflow_pause_path(q->dag);
		s.method = "PATCH";
		s.body = body = airflow_pause_body(q->paused);
		s.res_size = sizeof(struct airflow_dag);
		s.parse = P(airflow_parse_dag);
		s.free = F(airflow_dag_free);
		break;
	}
	q->gen = c->token_gen;
	q->api = c->api;
	q->r = apireq_start(&s, on_done, q);
	free((char *)s.path);
	free(body);
}

static void prepare(struct airflowc *c);

static bool ready(const struct airflowc *c)
{
	return c->api == AIRFLOW_API_V1 || (c->api == AIRFLOW_API_V2 && c->v2t.token);
}

/* Sends q now, or queues it behind the preparation (started if none is). */
static void submit(struct airflowc_req *q)
{
	struct airflowc *c = q->c;
	if (ready(c)) {
		send(q);
		return;
	}
	struct airflowc_req **tail = &c->waiting;
	while (*tail)
		tail = &(*tail)->next;
	q->next = NULL;
	*tail = q;
	if (!c->prep)
		prepare(c);
}

/* The waiting calls, each sent (err NULL) or failed with err. A failing
 * call's callback may start calls (they wait for a new preparation) or
 * cancel others: those still to fail stay in c->failing, where
 * airflowc_cancel finds them. */
static void release(struct airflowc *c, const struct mlc_err *err)
{
	struct airflowc_req *list = c->waiting;
	c->waiting = NULL;
	if (err) {
		c->failing = list;
		while ((list = c->failing)) {
			c->failing = list->next;
			list->cb(NULL, err, list->arg);
			req_free(list);
		}
		return;
	}
	while (list) {
		struct airflowc_req *q = list;
		list = q->next;
		q->next = NULL;
		send(q);
	}
}

/* The API the url named answered 404 (it is not there): probe for it
 * instead. */
static void unassume(struct airflowc *c)
{
	c->assumed = false;
	c->api = AIRFLOW_API_UNKNOWN;
	free(c->base);
	c->base = NULL;
}

static void token_done(void *res, const struct mlc_err *err, void *arg)
{
	struct airflowc *c = arg;
	c->prep = NULL;
	if (err && err->detail == 404 && c->assumed) { /* no /auth/token: not Airflow 3 */
		unassume(c);
		prepare(c);
		return;
	}
	if (!err) {
		free(c->token);
		c->token = xstrdup(*(char **)res);
		c->v2t.token = c->token;
		c->token_gen++;
	}
	release(c, err);
}

static void free_token(void *res)
{
	free(*(char **)res);
}

static int parse_token(void *res, const char *b, size_t n, struct mlc_err *e)
{
	return airflow_parse_token(res, b, n, e);
}

struct version {
	char v[64];
};

static int parse_version(void *res, const char *b, size_t n, struct mlc_err *e)
{
	return airflow_parse_version(b, n, ((struct version *)res)->v, sizeof(struct version), e);
}

/* The API is known: its base, and on v2 the token to send. */
static void found(struct airflowc *c, enum airflow_api api)
{
	c->api = api;
	free(c->base);
	c->base = xasprintf("%s%s", c->root, api_suffix[api == AIRFLOW_API_V2]);
	if (api == AIRFLOW_API_V2 && c->t->token)
		c->v2t.token = c->t->token;
}

/* The probe's answer: v2 when /api/v2/version answers (or asks for
 * credentials), v1 on a 404; anything else fails the waiting calls and
 * the next call probes again. */
static void probe_done(void *res, const struct mlc_err *err, void *arg)
{
	struct airflowc *c = arg;
	c->prep = NULL;
	if (!err || err->detail == 401 || err->detail == 403)
		found(c, AIRFLOW_API_V2);
	else if (err->detail == 404)
		found(c, AIRFLOW_API_V1);
	if (c->api == AIRFLOW_API_UNKNOWN || ready(c))
		release(c, c->api == AIRFLOW_API_UNKNOWN ? err : NULL);
	else
		prepare(c);
}

/* Starts what the waiting calls need: the version probe, or v2's token
 * (POST /auth/token at the server's root, the target's username and
 * password in the body). */
static void prepare(struct airflowc *c)
{
	struct apireq_spec s = {.who = "airflow",
				.t = &c->v2t,
				.base = c->root,
				.timeout_ms = c->timeout_ms,
				.res_size = sizeof(char *)};
	if (c->api == AIRFLOW_API_UNKNOWN) {
		s.path = "/api/v2/version";
		s.res_size = sizeof(struct version);
		s.parse = parse_version;
		c->prep = apireq_start(&s, probe_done, c);
		return;
	}
	char *body = airflow_token_body(c->t->username, c->t->password);
	s.path = "/auth/token";
	s.body = body;
	s.parse = parse_token;
	s.free = free_token;
	c->prep = apireq_start(&s, token_done, c);
	memset(body, 0, strlen(body));
	free(body);
}

/* A call's answer. A v2 401 (the token expired) drops the token it went
 * out with and sends the call once more behind a new one. */
static void on_done(void *res, const struct mlc_err *err, void *arg)
{
	struct airflowc_req *q = arg;
	struct airflowc *c = q->c;
	q->r = NULL;
	if (err && err->detail == 404 && !q->reprobed && (c->assumed || q->api != c->api)) {
		/* the named API is not there (or was not when q went out) */
		q->reprobed = true;
		if (c->assumed && q->api == c->api)
			unassume(c);
		submit(q);
		return;
	}
	if (q->api == c->api)
		c->assumed = false; /* it answered: it is there */
	if (err && err->detail == 401 && c->api == AIRFLOW_API_V2 && !c->t->token && !q->retried) {
		q->retried = true;
		if (q->gen == c->token_gen && c->token) {
			free(c->token);
			c->token = NULL;
			c->v2t.token = NULL;
		}
		submit(q);
		return;
	}
	q->cb(res, err, q->arg);
	req_free(q);
}

static bool unlink_from(struct airflowc_req **head, struct airflowc_req *q)
{
	for (struct airflowc_req **p = head; *p; p = &(*p)->next)
		if (*p == q) {
			*p = q->next;
			return true;
		}
	return false;
}

void airflowc_cancel(struct airflowc_req *q)
{
	if (!q)
		return;
	if (q->r)
		apireq_cancel(q->r);
	else if (!unlink_from(&q->c->waiting, q))
		unlink_from(&q->c->failing, q);
	req_free(q);
}

static struct airflowc_req *call(struct airflowc *c, enum af_op op, const char *dag,
				 const char *run, const char *task, apireq_cb cb, void *arg)
{
	struct airflowc_req *q = xcalloc(1, sizeof *q);
	q->c = c;
	q->op = op;
	q->dag = dag ? xstrdup(dag) : NULL;
	q->run = run ? xstrdup(run) : NULL;
	q->task = task ? xstrdup(task) : NULL;
	q->cb = cb;
	q->arg = arg;
	return q;
}

/* A page of op (runs, DAGs). */
static struct airflowc_req *page(struct airflowc *c, enum af_op op, int limit, int offset,
				 apireq_cb cb, void *arg)
{
	struct airflowc_req *q = call(c, op, NULL, NULL, NULL, cb, arg);
	q->n1 = limit;
	q->n2 = offset;
	submit(q);
	return q;
}

struct airflowc_req *airflowc_runs(struct airflowc *c, int limit, int offset, apireq_cb cb,
				   void *arg)
{
	return page(c, AF_RUNS, limit, offset, cb, arg);
}

struct airflowc_req *airflowc_tis(struct airflowc *c, const char *dag_id, const char *run_id,
				  apireq_cb cb, void *arg)
{
	struct airflowc_req *q = call(c, AF_TIS, dag_id, run_id, NULL, cb, arg);
	submit(q);
	return q;
}

struct airflowc_req *airflowc_log(struct airflowc *c, const char *dag_id, const char *run_id,
				  const char *task_id, int try_number, apireq_cb cb, void *arg)
{
	return airflowc_log_after(c, dag_id, run_id, task_id, try_number, NULL, cb, arg);
}

struct airflowc_req *airflowc_log_after(struct airflowc *c, const char *dag_id, const char *run_id,
					const char *task_id, int try_number, const char *token,
					apireq_cb cb, void *arg)
{
	struct airflowc_req *q = call(c, AF_LOG, dag_id, run_id, task_id, cb, arg);
	q->n1 = try_number;
	q->token = token ? xstrdup(token) : NULL;
	submit(q);
	return q;
}

struct airflowc_req *airflowc_trigger(struct airflowc *c, const char *dag_id, apireq_cb cb,
				      void *arg)
{
	struct airflowc_req *q = call(c, AF_TRIGGER, dag_id, NULL, NULL, cb, arg);
	submit(q);
	return q;
}

struct airflowc_req *airflowc_pause(struct airflowc *c, const char *dag_id, bool paused,
				    apireq_cb cb, void *arg)
{
	struct airflowc_req *q = call(c, AF_PAUSE, dag_id, NULL, NULL, cb, arg);
	q->paused = paused;
	submit(q);
	return q;
}

struct airflowc_req *airflowc_dags(struct airflowc *c, int limit, int offset, apireq_cb cb,
				   void *arg)
{
	return page(c, AF_DAGS, limit, offset, cb, arg);
}

struct airflowc_req *airflowc_pools(struct airflowc *c, apireq_cb cb, void *arg)
{
	struct airflowc_req *q = call(c, AF_POOLS, NULL, NULL, NULL, cb, arg);
	submit(q);
	return q;
}

struct airflowc_req *airflowc_clear(struct airflowc *c, const char *dag_id, const char *run_id,
				    const char *task_id, bool dry_run, apireq_cb cb, void *arg)
{
	struct airflowc_req *q = call(c, AF_CLEAR, dag_id, run_id, task_id, cb, arg);
	q->paused = dry_run;
	submit(q);
	return q;
}

struct airflowc_req *airflowc_health(struct airflowc *c, apireq_cb cb, void *arg)
{
	struct airflowc_req *q = call(c, AF_HEALTH, NULL, NULL, NULL, cb, arg);
	submit(q);
	return q;
}
