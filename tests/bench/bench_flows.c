/* tests/bench/bench_flows.c — listing every DAG run of an Airflow server
 * (the simulator's --big-runs 10000): the console's client (lib/airflow's
 * airflowc_runs, pages of 100 up to total_entries, each page moved into one
 * array as the panel keeps it; the url names /api/v1, so no version probe,
 * as in the panel's first load of such a url) against the
 * floor of the same pages fetched and parsed by a minimal libcurl + jansson
 * loop (the runs counted, nothing kept). Prints the first page's time, the
 * time to the last page, their ratios, and the heap the loaded runs take
 * per run beyond their strings. Each figure is the best of ROUNDS, after an
 * untimed warm-up load.
 * With MAX_RUNS, one floor load of the newest MAX_RUNS only, printed as
 * "FLOOR first_ms all_ms runs" (sec_flows.sh interleaves it with the
 * console's own rounds).
 * Usage: bench_flows ROOT_URL USER PASSWORD [ROUNDS [MAX_RUNS]] */
#include <curl/curl.h>
#include <jansson.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/airflow/airflowc.h"
#include "lib/core/config.h"
#include "lib/core/http.h"
#include "lib/core/loop.h"
#include "lib/core/util.h"
#include "tests/bench/bench.h"

#define PAGE 100

/* ---- the floor: libcurl easy + jansson, page by page --------------------- */

static size_t grow(char *p, size_t sz, size_t n, void *arg)
{
	buf_append(arg, p, sz * n);
	return sz * n;
}

/* Every page up to total_entries, or up to max runs when max > 0. */
static long floor_load(const char *root, const char *user, const char *pw, long max,
		       double *t_first, double *t_all)
{
	CURL *e = curl_easy_init();
	long runs = 0, total = -1;
	double t0 = now_ms();
	for (long off = 0; total < 0 || off < total; off += PAGE) {
		struct buf b;
		buf_init(&b);
		char *url = xasprintf("%s/api/v1/dags/~/dagRuns?limit=%d&offset=%ld"
				      "&order_by=-execution_date",
				      root, PAGE, off);
		curl_easy_setopt(e, CURLOPT_URL, url);
		curl_easy_setopt(e, CURLOPT_USERNAME, user);
		curl_easy_setopt(e, CURLOPT_PASSWORD, pw);
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, grow);
		curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
		CURLcode rc = curl_easy_perform(e);
		free(url);
		json_t *j = rc == CURLE_OK ? json_loadb(b.data, b.len, 0, NULL) : NULL;
		buf_free(&b);
		if (!j) {
			fprintf(stderr, "floor: page at %ld failed\n", off);
			curl_easy_cleanup(e);
			return -1;
		}
		size_t n = json_array_size(json_object_get(j, "dag_runs"));
		total = (long)json_integer_value(json_object_get(j, "total_entries"));
		json_decref(j);
		runs += (long)n;
		if (!off)
			*t_first = now_ms() - t0;
		if (!n || (max > 0 && runs >= max))
			break;
	}
	*t_all = now_ms() - t0;
	curl_easy_cleanup(e);
	return runs;
}

/* ---- the console's client --------------------------------------------------- */

struct load {
	struct airflowc *c;
	struct airflow_run *runs;
	size_t n, cap;
	long offset;
	double t0, t_first, t_all;
	bool done, failed;
};

static void on_page(void *res, const struct mlc_err *err, void *arg)
{
	struct load *l = arg;
	if (err) {
		fprintf(stderr, "airflowc: %s\n", err->msg);
		l->failed = l->done = true;
		return;
	}
	struct airflow_runs *p = res;
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
	l->offset += (long)p->n;
	bool last = !p->n || l->offset >= p->total;
	p->n = 0;
	if (last) {
		l->runs = xrealloc(l->runs, (l->n ? l->n : 1) * sizeof *l->runs);
		l->t_all = now_ms() - l->t0;
		l->done = true;
		return;
	}
	airflowc_runs(l->c, PAGE, (int)l->offset, on_page, l);
}

static size_t slen(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

/* A fresh client each time (a url naming /api/v1: no probe, as in the
 * panel's first load); heap_beyond: the bytes the runs hold beyond their
 * strings. */
static void ours_load(const struct target *t, struct load *l, size_t *heap_beyond)
{
	struct airflowc c;
	airflowc_init(&c, t);
	memset(l, 0, sizeof *l);
	l->c = &c;
	malloc_trim(0);
	size_t before = mallinfo2().uordblks;
	l->t0 = now_ms();
	airflowc_runs(&c, PAGE, 0, on_page, l);
	while (!l->done)
		uv_run(loop_get(), UV_RUN_ONCE);
	size_t strings = 0;
	for (size_t i = 0; i < l->n; i++) {
		const struct airflow_run *r = &l->runs[i];
		strings += slen(r->dag_id) + slen(r->run_id) + slen(r->state) + slen(r->run_type) +
			   slen(r->note) + slen(r->display_name) + slen(r->conf);
	}
	size_t after = mallinfo2().uordblks;
	*heap_beyond = after > before + strings ? after - before - strings : 0;
	for (size_t i = 0; i < l->n; i++)
		airflow_run_free(&l->runs[i]);
	free(l->runs);
	airflowc_free(&c);
}

/* One floor load of the newest max runs, printed as "FLOOR first_ms
 * all_ms runs" for the script interleaving it with the console's rounds. */
static int floor_round(const char *root, const char *user, const char *pw, long max)
{
	double a = 0, b = 0;
	long n = floor_load(root, user, pw, max, &a, &b);
	if (n < 0)
		return 1;
	printf("FLOOR %.2f %.2f %ld\n", a, b, n);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: bench_flows ROOT_URL USER PASSWORD [ROUNDS [MAX_RUNS]]\n");
		return 2;
	}
	const char *root = argv[1], *user = argv[2], *pw = argv[3];
	int rounds = argc > 4 ? atoi(argv[4]) : 3;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (argc > 5) /* one floor round of MAX_RUNS, for sec_flows.sh's console rounds */
		return floor_round(root, user, pw, atol(argv[5]));
	char *url = xasprintf("%s/api/v1", root);
	struct target t = {.name = "airflow",
			   .kind = TK_AIRFLOW,
			   .url = url,
			   .username = (char *)user,
			   .password = (char *)pw};
	double f_first = 1e12, f_all = 1e12, o_first = 1e12, o_all = 1e12;
	long f_runs = 0;
	size_t o_runs = 0, heap = 0;
	for (int r = -1; r < rounds; r++) { /* round -1: warm-up, not counted */
		double a, b;
		f_runs = floor_load(root, user, pw, 0, &a, &b);
		if (f_runs < 0)
			return 1;
		struct load l;
		size_t h;
		ours_load(&t, &l, &h);
		if (l.failed)
			return 1;
		if (r < 0)
			continue;
		f_first = MLC_MIN(f_first, a);
		f_all = MLC_MIN(f_all, b);
		o_first = MLC_MIN(o_first, l.t_first);
		o_all = MLC_MIN(o_all, l.t_all);
		o_runs = l.n;
		heap = h;
	}
	printf("  %-46s %8s %10s\n", "", "1st page", "all pages");
	printf("  %-46s %6.1f ms %7.0f ms   %ld runs\n",
	       "floor: libcurl + jansson, pages of 100", f_first, f_all, f_runs);
	printf("  %-46s %6.1f ms %7.0f ms   %zu runs\n",
	       "mlconsole: airflowc (url /api/v1, pages of 100)", o_first, o_all, o_runs);
	printf("  %-46s %7.2fx %9.2fx   (targets: 1st <= page + 50 ms, all <= 1.2x)\n",
	       "ratio to the floor", o_first / f_first, o_all / f_all);
	printf("  %-46s %+6.1f ms\n", "1st page beyond the floor's", o_first - f_first);
	printf("  heap per run beyond its strings: %zu B (%zu runs held)\n",
	       o_runs ? heap / o_runs : 0, o_runs);
	free(url);
	http_shutdown();
	loop_shutdown();
	return 0;
}
