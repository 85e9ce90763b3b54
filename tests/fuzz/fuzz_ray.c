/* tests/fuzz/fuzz_ray.c — every Ray and Prometheus parser (lib/ray:
 * version, cluster status, nodes summary, state API nodes, actors, task
 * summary, jobs, a job, logs, stop, Serve; the log tail; lib/prom: query
 * results, values, quoting) on arbitrary bytes. Oracles: a failed parse
 * leaves an error naming it and an empty result; counts add up; sorting
 * and merging what parsed is safe; the log tail fed in two pieces ends as
 * fed at once and holds at most its bound; a quoted label value cannot
 * end its string. */
#include <string.h>

#include "fuzz.h"
#include "lib/prom/prom.h"
#include "lib/ray/ray.h"
#include "lib/ray/ray_logtail.h"

static void check_err(int rc, const struct mlc_err *e)
{
	if (rc == 0)
		return;
	FUZZ_CHECK(rc < 0 && e->code == -rc, "rc matches err.code");
	FUZZ_CHECK(e->msg[0] != '\0', "an error has a message");
}

static void cluster(const char *b, size_t n)
{
	struct mlc_err e;
	struct ray_version v;
	check_err(ray_version_parse(&v, b, n, &e), &e);
	ray_version_free(&v);
	struct ray_cluster c;
	int rc = ray_cluster_parse(&c, b, n, &e);
	check_err(rc, &e);
	FUZZ_CHECK(rc == 0 || (c.nres == 0 && c.ndemands == 0), "failed cluster is empty");
	ray_cluster_free(&c);
	struct ray_nodes ns;
	rc = ray_nodes_parse(&ns, b, n, &e);
	check_err(rc, &e);
	FUZZ_CHECK(rc == 0 || (ns.n == 0 && !ns.v), "failed nodes are empty");
	struct ray_state_nodes s;
	rc = ray_state_nodes_parse(&s, b, n, &e);
	check_err(rc, &e);
	FUZZ_CHECK(rc == 0 || (s.n == 0 && !s.v), "failed state nodes are empty");
	int alive, dead;
	ray_state_nodes_count(&s, &alive, &dead);
	FUZZ_CHECK((size_t)(alive + dead) == s.n, "every node counted once");
	size_t before = ns.n;
	ray_nodes_merge_state(&ns, &s);
	FUZZ_CHECK(ns.n >= before && ns.n <= before + s.n, "merge adds at most the state's");
	if (ns.n)
		qsort(ns.v, ns.n, sizeof *ns.v, ray_node_cmp);
	for (size_t i = 0; i < ns.n; i++)
		(void)ray_node_pressure(&ns.v[i]);
	ray_state_nodes_free(&s);
	ray_nodes_free(&ns);
}

static void work(const char *b, size_t n)
{
	struct mlc_err e;
	struct ray_actors a;
	check_err(ray_actors_parse(&a, b, n, &e), &e);
	ray_actors_free(&a);
	struct ray_tasks t;
	int rc = ray_tasks_parse(&t, b, n, &e);
	check_err(rc, &e);
	for (size_t i = 0; i < t.n; i++) {
		int64_t sum = 0;
		for (size_t k = 0; k < t.v[i].ncounts; k++)
			sum += t.v[i].counts[k].n;
		FUZZ_CHECK(sum == t.v[i].total, "a task's total is its states' sum");
		FUZZ_CHECK(i == 0 || t.v[i - 1].total >= t.v[i].total, "most tasks first");
	}
	ray_tasks_free(&t);
	struct ray_jobs js;
	check_err(ray_jobs_parse(&js, b, n, &e), &e);
	for (size_t i = 0; i < js.n; i++)
		(void)ray_job_running(js.v[i].status);
	ray_jobs_free(&js);
	struct ray_job j;
	check_err(ray_job_parse(&j, b, n, &e), &e);
	ray_job_free(&j);
	char *logs = NULL;
	rc = ray_logs_parse(&logs, b, n, &e);
	check_err(rc, &e);
	FUZZ_CHECK(rc == 0 || !logs, "failed logs are NULL");
	free(logs);
	bool stopped;
	check_err(ray_stop_parse(&stopped, b, n, &e), &e);
	struct ray_serve sv;
	rc = ray_serve_parse(&sv, b, n, &e);
	check_err(rc, &e);
	for (size_t i = 0; i < sv.n; i++)
		FUZZ_CHECK(sv.v[i].healthy <= sv.v[i].replicas, "healthy of replicas");
	ray_serve_free(&sv);
}

static void tail(const char *b, size_t n)
{
	struct ray_logtail one, two;
	ray_logtail_init(&one, 7);
	ray_logtail_init(&two, 7);
	ray_logtail_feed(&one, b, n);
	ray_logtail_feed(&two, b, n / 2);
	ray_logtail_feed(&two, b, n);
	FUZZ_CHECK(one.n <= 7 && two.n == one.n, "bounded, and the same in two pieces");
	for (size_t i = 0; i < one.n; i++)
		FUZZ_CHECK(!strcmp(one.lines[i], two.lines[i]), "the same lines in two pieces");
	ray_logtail_free(&one);
	ray_logtail_free(&two);
}

static void prom(const char *b, size_t n)
{
	struct mlc_err e;
	struct prom_result r;
	int rc = prom_result_parse(&r, b, n, &e);
	check_err(rc, &e);
	FUZZ_CHECK(rc == 0 || (r.n == 0 && !r.v), "failed result is empty");
	for (size_t i = 0; i < r.n; i++) {
		(void)prom_label(&r.v[i], "ip");
		for (size_t k = 0; k < r.v[i].n; k++)
			(void)prom_value(r.v[i].pts[k].v);
	}
	prom_result_free(&r);
	char *s = strndup(b, n);
	char *q = prom_quote(s);
	size_t ql = strlen(q);
	FUZZ_CHECK(ql >= 2 && q[0] == '"' && q[ql - 1] == '"', "quoted");
	for (size_t i = 1; i + 1 < ql; i++) {
		FUZZ_CHECK((unsigned char)q[i] >= 0x20 && q[i] != 0x7f, "no control byte");
		if (q[i] == '\\')
			i++; /* an escape and what it escapes */
		else
			FUZZ_CHECK(q[i] != '"', "no quote left open");
	}
	free(q);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *b = (const char *)data;
	cluster(b, size);
	work(b, size);
	tail(b, size);
	prom(b, size);
	return 0;
}
