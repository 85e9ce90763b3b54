/* tests/integ/test_mlflowc.c — lib/mlflow/mlflowc.c against the stack's MLflow
 * simulator ($MLC_STACK_DIR/env: MLFLOW_PORT): what was parsed, and what
 * the simulator received (its /__sim/requests log): the paged runs loader
 * chaining opaque page tokens with a small first page, server errors
 * carried with their message, the registry reads and writes, cancel. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/core/config.h"
#include "lib/core/download.h"
#include "lib/core/http.h"
#include "lib/core/loop.h"
#include "lib/mlflow/mlflowc.h"
#include "lib/core/util.h"
#include "stackenv.h"

#define WAIT_MS 30000

static struct target T;
static struct mlflowc C;
static struct mlflow_keys K;

static void setup(void)
{
	static char url[64];
	const char *port = stackenv("MLFLOW_PORT");
	cr_assert_not_null(port, "MLFLOW_PORT missing from the stack env");
	snprintf(url, sizeof url, "http://127.0.0.1:%s", port);
	memset(&T, 0, sizeof T);
	T.name = "mlflow";
	T.kind = TK_MLFLOW;
	T.url = url;
	mlflowc_init(&C, &T);
	mlflow_keys_init(&K);
}

static void teardown(void)
{
	mlflowc_free(&C);
	mlflow_keys_free(&K);
}

TestSuite(mlflowc, .init = setup, .fini = teardown, .timeout = 60);

/* ---- the simulator's request log ---------------------------------------- */

struct raw {
	volatile bool done;
	char *body;
};

static void raw_done(const struct http_resp *r, const struct mlc_err *err, void *arg)
{
	struct raw *g = arg;
	g->body = xstrdup(err || !r->body ? "[]" : r->body);
	g->done = true;
}

static json_t *sim_get(const char *what)
{
	struct raw g = {0};
	char *url = xasprintf("%s/__sim/%s", C.base, what);
	struct http_opts o = {.url = url};
	http_request(&o, raw_done, &g);
	free(url);
	cr_assert(stackenv_run_until(&g.done, WAIT_MS));
	json_error_t je;
	json_t *j = json_loads(g.body, 0, &je);
	free(g.body);
	cr_assert_not_null(j, "bad /__sim/%s body", what);
	return j;
}

/* How many requests the simulator has seen so far (a mark for below). */
static long sim_seen(void)
{
	json_t *j = sim_get("state");
	long n = (long)json_integer_value(json_object_get(j, "requests_seen"));
	json_decref(j);
	return n;
}

/* The requests the simulator received since mark to path whose query or
 * body holds needle (tests run in parallel and the log keeps earlier runs:
 * each test looks for its own requests only). */
static json_t *sim_requests(long mark, const char *path, const char *needle)
{
	/* The log and the count read with nothing arriving in between (other
	 * tests run meanwhile), so that entry i's sequence number is known. */
	long seen, again;
	json_t *j = NULL;
	for (int tries = 0;; tries++) {
		seen = sim_seen();
		json_decref(j);
		j = sim_get("requests");
		again = sim_seen();
		if (seen == again || tries == 50)
			break;
	}
	cr_assert_eq(seen, again, "the simulator never stood still");
	cr_assert(json_is_array(j), "bad /__sim/requests body");
	long first = seen - (long)json_array_size(j); /* seq of entry 0 */
	json_t *out = json_array();
	size_t i;
	json_t *r;
	json_array_foreach(j, i, r)
	{
		if (first + (long)i < mark)
			continue;
		const char *p = json_string_value(json_object_get(r, "path"));
		const char *q = json_string_value(json_object_get(r, "query"));
		const char *b = json_string_value(json_object_get(r, "body"));
		if (p && !strcmp(p, path) && ((q && strstr(q, needle)) || (b && strstr(b, needle))))
			json_array_append(out, r);
	}
	json_decref(j);
	return out;
}

/* ---- one call ----------------------------------------------------------- */

struct got {
	volatile bool done;
	int calls;
	bool ok;
	struct mlc_err err;
	void *res;
	void (*take)(struct got *g, void *res);
	union {
		struct mlflow_experiment_page exps;
		struct mlflow_run run;
		struct mlflow_history hist;
		struct mlflow_file_list files;
		struct mlflow_model_page models;
		struct mlflow_version_page versions;
		struct mlflow_model_version version;
	} u;
};

static void got_cb(void *res, const struct mlc_err *err, void *arg)
{
	struct got *g = arg;
	g->calls++;
	g->done = true;
	g->ok = !err;
	if (err)
		g->err = *err;
	else if (res && g->take)
		g->take(g, res);
}

#define TAKE(field, type)                                                                          \
	static void take_##field(struct got *g, void *res)                                         \
	{                                                                                          \
		g->u.field = *(type *)res;                                                         \
		memset(res, 0, sizeof(type));                                                      \
	}
TAKE(exps, struct mlflow_experiment_page)
TAKE(run, struct mlflow_run)
TAKE(hist, struct mlflow_history)
TAKE(files, struct mlflow_file_list)
TAKE(models, struct mlflow_model_page)
TAKE(versions, struct mlflow_version_page)
TAKE(version, struct mlflow_model_version)

static void wait_got(struct got *g)
{
	cr_assert(stackenv_run_until(&g->done, WAIT_MS), "no answer");
	cr_assert_eq(g->calls, 1);
}

Test(mlflowc, experiments_and_what_the_server_received)
{
	long mark = sim_seen();
	struct got g = {.take = take_exps};
	mlflowc_experiments(&C, "ALL", "name LIKE 'fraud%'", got_cb, &g);
	cr_assert_eq(g.calls, 0, "callback ran inside the call");
	wait_got(&g);
	cr_assert(g.ok, "%s", g.err.msg);
	bool found = false;
	for (size_t i = 0; i < g.u.exps.n; i++)
		found |= !strcmp(g.u.exps.items[i].name, "fraud-detection-xgb");
	cr_assert(found);
	mlflow_experiment_page_free(&g.u.exps);
	json_t *reqs = sim_requests(mark, "/api/2.0/mlflow/experiments/search", "fraud%25");
	cr_assert_geq(json_array_size(reqs), 1);
	json_t *r = json_array_get(reqs, json_array_size(reqs) - 1);
	cr_assert_str_eq(json_string_value(json_object_get(r, "method")), "GET");
	cr_assert_str_eq(json_string_value(json_object_get(r, "path")),
			 "/api/2.0/mlflow/experiments/search");
	json_t *args = json_object_get(r, "args");
	cr_assert_str_eq(json_string_value(json_array_get(json_object_get(args, "max_results"), 0)),
			 "1000");
	cr_assert_str_eq(json_string_value(json_array_get(json_object_get(args, "view_type"), 0)),
			 "ALL");
	json_decref(reqs);
}

/* ---- the paged loader ---------------------------------------------------- */

struct pages {
	volatile bool done;
	int pages;
	size_t runs;
	size_t first;
	char *tokens[64];
	struct mlc_err err;
	bool failed;
	size_t stopped_at;
};

static void on_page(struct mlflow_run_page *p, bool last, const struct mlc_err *err, void *arg)
{
	struct pages *s = arg;
	if (err) {
		s->err = *err;
		s->failed = true;
		s->done = true;
		return;
	}
	if (s->pages == 0)
		s->first = p->n;
	s->stopped_at = p->stopped_at;
	if (s->pages < 64)
		s->tokens[s->pages] = p->next_page_token ? xstrdup(p->next_page_token) : NULL;
	s->pages++;
	s->runs += p->n;
	if (last)
		s->done = true;
}

Test(mlflowc, runs_loader_chains_tokens_with_small_first_page)
{
	const char *ids[] = {"1"};
	const char *order[] = {"attributes.start_time DESC"};
	/* A filter that keeps every run and names this process: the log holds
	 * earlier runs' requests and other tests' too. */
	char filter[64], needle[32];
	snprintf(needle, sizeof needle, "mark-%d", (int)getpid());
	snprintf(filter, sizeof filter, "attributes.run_name != '%s'", needle);
	struct mlflow_runs_query q = {
	    .experiment_ids = ids, .nexp = 1, .order_by = order, .norder = 1, .filter = filter};
	struct pages s = {0};
	long mark = sim_seen();
	mlflowc_runs_load(&C, &K, &q, 10, 40, on_page, &s);
	cr_assert(stackenv_run_until(&s.done, WAIT_MS));
	cr_assert(!s.failed, "%s", s.err.msg);
	cr_assert_eq(s.first, 10);
	cr_assert_gt(s.runs, 50, "experiment 1 has more than 50 runs (%zu)", s.runs);
	cr_assert_eq(s.pages, (int)(1 + (s.runs - 10 + 39) / 40) + ((s.runs - 10) % 40 == 0));
	json_t *reqs = sim_requests(mark, "/api/2.0/mlflow/runs/search", needle);
	cr_assert_eq(json_array_size(reqs), (size_t)s.pages);
	for (int i = 0; i < s.pages; i++) {
		json_t *r = json_array_get(reqs, (size_t)i);
		cr_assert_str_eq(json_string_value(json_object_get(r, "method")), "POST");
		json_t *hdrs = json_object_get(r, "headers");
		const char *ct = json_string_value(json_object_get(hdrs, "Content-Type"));
		cr_assert(ct && !strcmp(ct, "application/json"), "Content-Type %s", ct);
		json_error_t je;
		json_t *b = json_loads(json_string_value(json_object_get(r, "body")), 0, &je);
		cr_assert_not_null(b);
		cr_assert_eq(json_integer_value(json_object_get(b, "max_results")), i ? 40 : 10);
		const char *tok = json_string_value(json_object_get(b, "page_token"));
		if (i == 0)
			cr_assert_null(tok);
		else
			cr_assert_str_eq(tok, s.tokens[i - 1], "page %d sent another token", i);
		json_decref(b);
	}
	json_decref(reqs);
	for (int i = 0; i < s.pages && i < 64; i++)
		free(s.tokens[i]);
	cr_assert_lt(K.n, 64, "keys interned once: %u", K.n);
}

Test(mlflowc, bad_filter_shows_the_server_message)
{
	const char *ids[] = {"1"};
	struct mlflow_runs_query q = {.experiment_ids = ids, .nexp = 1, .filter = "metrics.x >> 1"};
	struct pages s = {0};
	mlflowc_runs_load(&C, &K, &q, 10, 40, on_page, &s);
	cr_assert(stackenv_run_until(&s.done, WAIT_MS));
	cr_assert(s.failed);
	cr_assert_eq(s.err.detail, 400);
	cr_assert_not_null(
	    strstr(s.err.msg, "HTTP 400 from /api/2.0/mlflow/runs/search: INVALID_PARAMETER_VALUE"),
	    "%s", s.err.msg);
}

/* ---- servers that misbehave (the simulator's per-request modes) ------------ */

/* A second client on the same simulator, its base URL ending in
 * /__mode/MODE: only its own requests see the fault. */
static struct target MT;
static struct mlflowc MC;

static void mode_client(const char *mode)
{
	static char url[96];
	snprintf(url, sizeof url, "%s/__mode/%s", C.base, mode);
	MT = T;
	MT.url = url;
	mlflowc_init(&MC, &MT);
}

Test(mlflowc, redirect_is_named_not_malformed_json)
{
	mode_client("redirect");
	struct got g = {.take = take_exps};
	mlflowc_experiments(&MC, "ACTIVE_ONLY", NULL, got_cb, &g);
	wait_got(&g);
	cr_assert(!g.ok, "a 302 is not a page");
	cr_assert_eq(g.err.detail, 302);
	cr_assert_not_null(strstr(g.err.msg, "HTTP 302 redirect to "
					     "http://127.0.0.1/oauth2/sign_in?rd=/api/2.0/mlflow/"
					     "experiments/search not followed"),
			   "%s", g.err.msg);
	cr_assert_null(strstr(g.err.msg, "JSON"), "%s", g.err.msg);
	mlflowc_free(&MC);
}

/* Loads experiment 1's runs from a server that pages forever, under caps. */
static void endless_load(size_t max_rows, size_t max_bytes, struct pages *s)
{
	mode_client("endless");
	if (max_rows)
		MC.max_rows = max_rows;
	if (max_bytes)
		MC.max_bytes = max_bytes;
	const char *ids[] = {"1"};
	struct mlflow_runs_query q = {.experiment_ids = ids, .nexp = 1};
	memset(s, 0, sizeof *s);
	mlflowc_runs_load(&MC, &K, &q, 10, 40, on_page, s);
	cr_assert(stackenv_run_until(&s->done, WAIT_MS), "the loader never ended");
	cr_assert(!s->failed, "%s", s->err.msg);
	for (int i = 0; i < s->pages && i < 64; i++)
		free(s->tokens[i]);
	mlflowc_free(&MC);
}

Test(mlflowc, runs_loader_stops_a_server_that_never_stops_paging)
{
	struct pages s;
	endless_load(120, 0, &s);
	cr_assert_geq(s.runs, 120);
	cr_assert_lt(s.runs, 120 + 40, "stopped within one page of the cap: %zu", s.runs);
	cr_assert_eq(s.stopped_at, s.runs, "the last page says where it stopped");
	char text[128];
	mlflow_stopped_text(s.stopped_at, text, sizeof text);
	cr_assert(str_starts(text, "stopped at "), "%s", text);
	cr_assert_not_null(strstr(text, "rows: more on the server"), "%s", text);
}

Test(mlflowc, runs_loader_byte_cap)
{
	struct pages s;
	endless_load(0, 512 * 1024 /* 2 MiB in all */, &s);
	cr_assert_gt(s.stopped_at, 0, "stopped at the byte cap");
	cr_assert_lt(s.runs, MLFLOWC_MAX_ROWS);
}

Test(mlflowc, single_page_listing_with_more_on_the_server_says_so)
{
	mode_client("endless");
	struct got g = {.take = take_exps};
	mlflowc_experiments(&MC, "ALL", NULL, got_cb, &g);
	wait_got(&g);
	cr_assert(g.ok, "%s", g.err.msg);
	cr_assert_gt(g.u.exps.n, 0);
	cr_assert_eq(g.u.exps.stopped_at, g.u.exps.n);
	mlflow_experiment_page_free(&g.u.exps);
	/* The plain server has no more: nothing stopped. */
	struct got p = {.take = take_exps};
	mlflowc_experiments(&C, "ALL", NULL, got_cb, &p);
	wait_got(&p);
	cr_assert(p.ok, "%s", p.err.msg);
	cr_assert_eq(p.u.exps.stopped_at, 0);
	mlflow_experiment_page_free(&p.u.exps);
	mlflowc_free(&MC);
}

Test(mlflowc, a_poisoned_string_does_not_hide_the_page)
{
	mode_client("poisoned");
	struct got g = {.take = take_exps};
	mlflowc_experiments(&MC, "ALL", NULL, got_cb, &g);
	wait_got(&g);
	cr_assert(g.ok, "one bad string failed the page: %s", g.err.msg);
	cr_assert_geq(g.u.exps.n, 2);
	cr_assert(str_ends(g.u.exps.items[0].name, "^@after-nul"), "%s", g.u.exps.items[0].name);
	const struct mlflow_experiment *e = &g.u.exps.items[1];
	cr_assert_gt(e->ntags, 0);
	cr_assert_str_eq(e->tags[e->ntags - 1].value, "lone \xef\xbf\xbd surrogate");
	mlflow_experiment_page_free(&g.u.exps);
	mlflowc_free(&MC);
}

Test(mlflowc, response_over_the_cap_names_it)
{
	MT = T;
	mlflowc_init(&MC, &MT);
	MC.max_bytes = 200;
	struct got g = {.take = take_exps};
	mlflowc_experiments(&MC, "ALL", NULL, got_cb, &g);
	wait_got(&g);
	cr_assert(!g.ok);
	cr_assert_eq(g.err.code, MLC_ERR_TOO_BIG);
	cr_assert_not_null(strstr(g.err.msg, "larger than 200 bytes"), "%s", g.err.msg);
	cr_assert_not_null(strstr(g.err.msg, "cap"), "%s", g.err.msg);
	mlflowc_free(&MC);
}

Test(mlflowc, run_history_artifacts)
{
	const char *id = "03735789efcb4f4cb02ca57db9fc1b20";
	struct got g = {.take = take_run};
	mlflowc_run_get(&C, &K, id, got_cb, &g);
	wait_got(&g);
	cr_assert(g.ok, "%s", g.err.msg);
	cr_assert_str_eq(g.u.run.run_name, "trial-00");
	cr_assert_eq(g.u.run.ninputs, 1);
	mlflow_run_free(&g.u.run);
	struct got h = {.take = take_hist};
	mlflowc_history(&C, id, "val_auc", got_cb, &h);
	wait_got(&h);
	cr_assert(h.ok, "%s", h.err.msg);
	cr_assert_eq(h.u.hist.n, 50);
	mlflow_history_free(&h.u.hist);
	const char *ids[] = {id, "0fc25b23c07f4d90aee25ee5d96923c8"};
	struct got b = {.take = take_hist};
	mlflowc_history_bulk(&C, ids, 2, "val_auc", 10, got_cb, &b);
	wait_got(&b);
	cr_assert(b.ok, "%s", b.err.msg);
	cr_assert_gt(b.u.hist.n, 2);
	cr_assert_not_null(b.u.hist.pts[0].run_id);
	mlflow_history_free(&b.u.hist);
	struct got a = {.take = take_files};
	mlflowc_artifacts(&C, id, NULL, got_cb, &a);
	wait_got(&a);
	cr_assert(a.ok, "%s", a.err.msg);
	cr_assert_gt(a.u.files.n, 2);
	mlflow_file_list_free(&a.u.files);
	struct got nf = {0};
	mlflowc_run_get(&C, &K, "0123456789abcdef0123456789abcdef", got_cb, &nf);
	wait_got(&nf);
	cr_assert(!nf.ok);
	cr_assert_eq(nf.err.code, MLC_ERR_NOTFOUND);
	cr_assert_not_null(strstr(nf.err.msg, "RESOURCE_DOES_NOT_EXIST"), "%s", nf.err.msg);
}

Test(mlflowc, registry_reads_and_alias_move)
{
	struct got m = {.take = take_models};
	mlflowc_models(&C, NULL, got_cb, &m);
	wait_got(&m);
	cr_assert(m.ok, "%s", m.err.msg);
	cr_assert_geq(m.u.models.n, 3);
	mlflow_model_page_free(&m.u.models);
	struct got v = {.take = take_versions};
	mlflowc_versions(&C, "fraud-detector", got_cb, &v);
	wait_got(&v);
	cr_assert(v.ok, "%s", v.err.msg);
	cr_assert_eq(v.u.versions.n, 4);
	mlflow_version_page_free(&v.u.versions);
	/* Move challenger 4 → 2 and back, checking through GET alias. */
	long mark = sim_seen();
	struct got s = {0};
	mlflowc_alias_set(&C, "fraud-detector", "challenger", "2", got_cb, &s);
	wait_got(&s);
	cr_assert(s.ok, "%s", s.err.msg);
	struct got a = {.take = take_version};
	mlflowc_alias_get(&C, "fraud-detector", "challenger", got_cb, &a);
	wait_got(&a);
	cr_assert(a.ok, "%s", a.err.msg);
	cr_assert_str_eq(a.u.version.version, "2");
	mlflow_model_version_free(&a.u.version);
	json_t *reqs =
	    sim_requests(mark, "/api/2.0/mlflow/registered-models/alias", "\"version\":\"2\"");
	cr_assert_geq(json_array_size(reqs), 1);
	json_t *r = json_array_get(reqs, json_array_size(reqs) - 1);
	cr_assert_str_eq(json_string_value(json_object_get(r, "method")), "POST");
	cr_assert_str_eq(
	    json_string_value(json_object_get(r, "body")),
	    "{\"name\":\"fraud-detector\",\"alias\":\"challenger\",\"version\":\"2\"}");
	json_decref(reqs);
	struct got back = {0};
	mlflowc_alias_set(&C, "fraud-detector", "challenger", "4", got_cb, &back);
	wait_got(&back);
	cr_assert(back.ok, "%s", back.err.msg);
	struct got bad = {0};
	mlflowc_alias_get(&C, "fraud-detector", "nope", got_cb, &bad);
	wait_got(&bad);
	cr_assert(!bad.ok);
	cr_assert_eq(bad.err.detail, 400);
}

/* A refused transition: the server's message comes back, what was sent is
 * the JSON body, and nothing changes (a successful one would move the
 * model's timestamps, which the screen tests on the same stack show). */
Test(mlflowc, transition_stage_refused)
{
	long mark = sim_seen();
	struct got bad = {0};
	mlflowc_transition(&C, "summarizer-lora", "1", "Live", false, got_cb, &bad);
	wait_got(&bad);
	cr_assert(!bad.ok);
	cr_assert_eq(bad.err.detail, 400);
	cr_assert_not_null(strstr(bad.err.msg, "Invalid Model Version stage: Live"), "%s",
			   bad.err.msg);
	json_t *reqs = sim_requests(mark, "/api/2.0/mlflow/model-versions/transition-stage",
				    "\"stage\":\"Live\"");
	cr_assert_geq(json_array_size(reqs), 1);
	json_t *r = json_array_get(reqs, json_array_size(reqs) - 1);
	cr_assert_str_eq(json_string_value(json_object_get(r, "method")), "POST");
	cr_assert_str_eq(json_string_value(json_object_get(r, "body")),
			 "{\"name\":\"summarizer-lora\",\"version\":\"1\",\"stage\":\"Live\","
			 "\"archive_existing_versions\":false}");
	json_decref(reqs);
}

Test(mlflowc, cancel_means_no_callback)
{
	struct got g = {0};
	struct mlflowc_req *r = mlflowc_experiments(&C, NULL, NULL, got_cb, &g);
	mlflowc_cancel(r);
	const char *ids[] = {"1"};
	struct mlflow_runs_query q = {.experiment_ids = ids, .nexp = 1};
	struct pages s = {0};
	struct mlflowc_load *l = mlflowc_runs_load(&C, &K, &q, 10, 40, on_page, &s);
	mlflowc_load_cancel(l);
	/* A later request completes; the cancelled ones never call back. */
	struct got after = {.take = take_exps};
	mlflowc_experiments(&C, NULL, NULL, got_cb, &after);
	wait_got(&after);
	mlflow_experiment_page_free(&after.u.exps);
	cr_assert_eq(g.calls, 0);
	cr_assert_eq(s.pages, 0);
	cr_assert(!s.done);
}

struct blob {
	volatile bool done;
	bool ok, truncated;
	char *data;
	size_t len;
	struct mlc_err err;
};

static void blob_cb(void *res, const struct mlc_err *err, void *arg)
{
	struct blob *b = arg;
	b->done = true;
	b->ok = !err;
	if (err) {
		b->err = *err;
		return;
	}
	struct mlflowc_blob *bl = res;
	b->data = xmalloc(bl->len + 1);
	memcpy(b->data, bl->data, bl->len + 1);
	b->len = bl->len;
	b->truncated = bl->truncated;
}

struct dl_got {
	volatile bool done;
	bool ok;
	int64_t bytes;
	struct mlc_err err;
};

static void dl_cb(const struct dl_result *r, const struct mlc_err *err, void *arg)
{
	struct dl_got *g = arg;
	g->done = true;
	g->ok = !err;
	if (err)
		g->err = *err;
	else
		g->bytes = r->bytes;
}

/* The first bytes of an artifact through the proxy (stopped at the limit),
 * and the whole of it downloaded to a file: the same bytes. */
Test(mlflowc, artifact_head_and_download)
{
	const char *id = "03735789efcb4f4cb02ca57db9fc1b20";
	const char *uri = "mlflow-artifacts:/1/03735789efcb4f4cb02ca57db9fc1b20/artifacts";
	struct blob whole = {0}, head = {0};
	mlflowc_artifact_head(&C, uri, id, "feature_importance.csv", 65536, blob_cb, &whole);
	cr_assert(stackenv_run_until(&whole.done, WAIT_MS));
	cr_assert(whole.ok, "%s", whole.err.msg);
	cr_assert(!whole.truncated);
	cr_assert(str_starts(whole.data, "feature,importance"), "%s", whole.data);
	mlflowc_artifact_head(&C, uri, id, "feature_importance.csv", 10, blob_cb, &head);
	cr_assert(stackenv_run_until(&head.done, WAIT_MS));
	cr_assert(head.ok, "%s", head.err.msg);
	cr_assert(head.truncated);
	cr_assert_eq(head.len, 10);
	cr_assert_eq(memcmp(head.data, whole.data, 10), 0);
	char path[] = "/tmp/mlc-dl-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	close(fd);
	unlink(path);
	struct http_opts o;
	char *url = mlflowc_artifact_opts(&C, uri, id, "feature_importance.csv", &o);
	struct dl_got g = {0};
	struct dl_opts d = {.done = dl_cb, .arg = &g};
	dl_start(&o, path, &d);
	free(url);
	cr_assert(stackenv_run_until(&g.done, WAIT_MS));
	cr_assert(g.ok, "%s", g.err.msg);
	cr_assert_eq((size_t)g.bytes, whole.len);
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f);
	char *got = xmalloc(whole.len + 1);
	cr_assert_eq(fread(got, 1, whole.len + 1, f), whole.len);
	fclose(f);
	cr_assert_eq(memcmp(got, whole.data, whole.len), 0);
	unlink(path);
	free(got);
	struct blob missing = {0};
	mlflowc_artifact_head(&C, uri, id, "no/such.txt", 100, blob_cb, &missing);
	cr_assert(stackenv_run_until(&missing.done, WAIT_MS));
	cr_assert(!missing.ok);
	cr_assert_eq(missing.err.detail, 404, "%s", missing.err.msg);
	free(whole.data);
	free(head.data);
}

/* The credentials of MLFLOW_TRACKING_USERNAME/PASSWORD go as basic auth,
 * MLFLOW_TRACKING_TOKEN as a bearer token (and wins), as the official
 * client sends them: checked in what the simulator received. */
Test(mlflowc, auth_headers)
{
	struct target t = T;
	t.username = "ana";
	t.password = "s3cret";
	struct mlflowc c;
	mlflowc_init(&c, &t);
	long mark = sim_seen();
	struct got g = {0};
	mlflowc_experiment_by_name(&c, "auth-basic-probe", got_cb, &g);
	wait_got(&g);
	json_t *reqs =
	    sim_requests(mark, "/api/2.0/mlflow/experiments/get-by-name", "auth-basic-probe");
	cr_assert_geq(json_array_size(reqs), 1);
	json_t *h = json_object_get(json_array_get(reqs, json_array_size(reqs) - 1), "headers");
	cr_assert_str_eq(json_string_value(json_object_get(h, "Authorization")),
			 "Basic YW5hOnMzY3JldA==");
	json_decref(reqs);
	mlflowc_free(&c);
	t.token = "tok-123";
	mlflowc_init(&c, &t);
	mark = sim_seen();
	struct got b = {0};
	mlflowc_experiment_by_name(&c, "auth-bearer-probe", got_cb, &b);
	wait_got(&b);
	reqs = sim_requests(mark, "/api/2.0/mlflow/experiments/get-by-name", "auth-bearer-probe");
	cr_assert_geq(json_array_size(reqs), 1);
	h = json_object_get(json_array_get(reqs, json_array_size(reqs) - 1), "headers");
	cr_assert_str_eq(json_string_value(json_object_get(h, "Authorization")), "Bearer tok-123");
	json_decref(reqs);
	mlflowc_free(&c);
}
