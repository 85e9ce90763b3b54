/* tests/bench/bench_mlflow.c — loading every run of one experiment: the
 * console's client (lib/mlflowc's paged loader into lib/mlflow structs)
 * against the floor of the same pages fetched and parsed by a minimal
 * libcurl + jansson loop (no structs, nothing kept). Prints, for page plans
 * 100/100, 1000/1000 and 100 then 1000: the first page's time, the time to
 * the last page, and the heap the loaded runs take beyond their strings.
 * Each figure is the best of ROUNDS, after an untimed warm-up load.
 * Usage: bench_mlflow BASE_URL EXPERIMENT_ID [ROUNDS] */
#include <curl/curl.h>
#include <jansson.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/core/config.h"
#include "lib/core/http.h"
#include "lib/core/loop.h"
#include "lib/mlflow/mlflowc.h"
#include "lib/core/util.h"
#include "tests/bench/bench.h"

/* ---- the floor: libcurl easy + jansson, page by page --------------------- */

static size_t grow(char *p, size_t sz, size_t n, void *arg)
{
	buf_append(arg, p, sz * n);
	return sz * n;
}

static int floor_load(const char *base, const char *exp, int first, int next, double *t_first,
		      double *t_all)
{
	CURL *e = curl_easy_init();
	char *url = xasprintf("%s/api/2.0/mlflow/runs/search", base);
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	char *token = NULL;
	int runs = 0, page = 0;
	double t0 = now_ms();
	for (;;) {
		struct buf b, body;
		buf_init(&b);
		buf_init(&body);
		buf_printf(&body, "{\"experiment_ids\":[\"%s\"],\"max_results\":%d%s%s%s}", exp,
			   page ? next : first, token ? ",\"page_token\":\"" : "",
			   token ? token : "", token ? "\"" : "");
		curl_easy_setopt(e, CURLOPT_URL, url);
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, body.data);
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, grow);
		curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
		if (curl_easy_perform(e) != CURLE_OK) {
			fprintf(stderr, "floor: request failed\n");
			return -1;
		}
		json_error_t je;
		json_t *j = json_loadb(b.data, b.len, 0, &je);
		runs += (int)json_array_size(json_object_get(j, "runs"));
		const char *t = json_string_value(json_object_get(j, "next_page_token"));
		free(token);
		token = t ? xstrdup(t) : NULL;
		json_decref(j);
		buf_free(&b);
		buf_free(&body);
		if (page++ == 0)
			*t_first = now_ms() - t0;
		if (!token)
			break;
	}
	*t_all = now_ms() - t0;
	curl_slist_free_all(h);
	curl_easy_cleanup(e);
	free(url);
	return runs;
}

/* ---- the console's loader ------------------------------------------------ */

struct load {
	double t0, t_first, t_all;
	bool done, failed;
	struct mlflow_run *runs;
	size_t n, cap;
};

static void on_page(struct mlflow_run_page *p, bool last, const struct mlc_err *err, void *arg)
{
	struct load *l = arg;
	if (err) {
		fprintf(stderr, "mlflowc: %s\n", err->msg);
		l->failed = l->done = true;
		return;
	}
	if (!l->t_first)
		l->t_first = now_ms() - l->t0;
	if (l->n + p->n > l->cap) {
		l->cap = MLC_MAX(l->cap * 2, l->n + p->n);
		l->runs = xrealloc(l->runs, l->cap * sizeof *l->runs);
	}
	memcpy(l->runs + l->n, p->items, p->n * sizeof *p->items);
	l->n += p->n;
	free(p->items);
	p->items = NULL;
	p->n = 0;
	if (last) {
		/* As the panel does: the array shrinks to fit once loaded. */
		l->runs = xrealloc(l->runs, (l->n ? l->n : 1) * sizeof *l->runs);
		l->t_all = now_ms() - l->t0;
		l->done = true;
	}
}

static size_t slen(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

/* The bytes the runs' strings hold (what "beyond the strings" leaves out). */
static size_t string_bytes(const struct load *l, const struct mlflow_keys *k)
{
	size_t s = 0;
	for (size_t i = 0; i < l->n; i++) {
		const struct mlflow_run *r = &l->runs[i];
		s += slen(r->run_id) + slen(r->experiment_id) + slen(r->run_name) +
		     slen(r->user_id) + slen(r->artifact_uri);
		for (size_t j = 0; j < r->nparams; j++)
			s += slen(r->params[j].value);
		for (size_t j = 0; j < r->ntags; j++)
			s += slen(r->tags[j].value);
	}
	for (uint32_t i = 0; i < k->n; i++)
		s += slen(k->names[i]);
	return s;
}

static void ours_load(struct mlflowc *c, const char *exp, int first, int next, struct load *l,
		      size_t *heap_beyond)
{
	struct mlflow_keys k;
	mlflow_keys_init(&k);
	memset(l, 0, sizeof *l);
	const char *ids[] = {exp};
	struct mlflow_runs_query q = {.experiment_ids = ids, .nexp = 1};
	malloc_trim(0);
	size_t before = mallinfo2().uordblks;
	l->t0 = now_ms();
	mlflowc_runs_load(c, &k, &q, first, next, on_page, l);
	while (!l->done)
		uv_run(loop_get(), UV_RUN_ONCE);
	/* The panel holds the runs plus a row index, depth and tree flags. */
	size_t after = mallinfo2().uordblks + l->n * (sizeof(int) + 2);
	*heap_beyond = after > before ? after - before - string_bytes(l, &k) : 0;
	for (size_t i = 0; i < l->n; i++)
		mlflow_run_free(&l->runs[i]);
	free(l->runs);
	mlflow_keys_free(&k);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s BASE_URL EXPERIMENT_ID [ROUNDS]\n", argv[0]);
		return 2;
	}
	int rounds = argc > 3 ? atoi(argv[3]) : 3;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	struct target t = {
	    .name = "bench", .kind = TK_MLFLOW, .url = argv[1], .timeout_ms = 600000};
	struct mlflowc c;
	mlflowc_init(&c, &t);
	static const int plans[][2] = {{100, 100}, {1000, 1000}, {100, 1000}};
	/* Warm-up, untimed: a server (the simulator builds its big experiment's
	 * runs on first use) pays its first-touch cost before anyone is timed. */
	double w1, w2;
	if (floor_load(argv[1], argv[2], 1000, 1000, &w1, &w2) < 0)
		return 1;
	printf("%-12s %6s  %12s %12s  %12s %12s  %7s  %s\n", "pages", "runs", "first (ms)", "floor",
	       "all (ms)", "floor", "ratio", "heap/run beyond strings");
	for (size_t p = 0; p < ARRAY_LEN(plans); p++) {
		double best_f = 1e18, best_a = 1e18, fl_f = 1e18, fl_a = 1e18;
		size_t heap = 0, n = 0;
		int fn = 0;
		for (int r = 0; r < rounds; r++) {
			struct load l;
			size_t h;
			ours_load(&c, argv[2], plans[p][0], plans[p][1], &l, &h);
			if (l.failed)
				return 1;
			best_f = MLC_MIN(best_f, l.t_first);
			best_a = MLC_MIN(best_a, l.t_all);
			heap = h;
			n = l.n;
			double ff = 0, fa = 0;
			fn = floor_load(argv[1], argv[2], plans[p][0], plans[p][1], &ff, &fa);
			if (fn < 0)
				return 1;
			fl_f = MLC_MIN(fl_f, ff);
			fl_a = MLC_MIN(fl_a, fa);
		}
		char name[32];
		snprintf(name, sizeof name, "%d then %d", plans[p][0], plans[p][1]);
		printf("%-12s %6zu  %12.1f %12.1f  %12.1f %12.1f  %6.2fx  %zu B%s\n", name, n,
		       best_f, fl_f, best_a, fl_a, best_a / fl_a, n ? heap / n : 0,
		       (int)n == fn ? "" : "  (floor saw another count!)");
	}
	mlflowc_free(&c);
	http_shutdown();
	loop_shutdown();
	curl_global_cleanup();
	return 0;
}
