/* tests/unit/test_prom.c — lib/prom/prom.c: query and query_range answers
 * of a real Prometheus (tests/fixtures/prometheus): matrix, vector, scalar
 * as a bare pair, values kept as strings ("NaN" included), errors in the
 * server's words; then hostile bodies; the step fitted to a width and the
 * request paths. */
#include "lib/prom/prom.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "lib/core/util.h"

#define LIT(s) s, sizeof(s) - 1

static void parse_fx(const char *path, struct prom_result *r)
{
	size_t len;
	char *b = fixture_read(path, &len);
	struct mlc_err e = {0};
	cr_assert_eq(prom_result_parse(r, b, len, &e), 0, "%s: %s", path, e.msg);
	free(b);
}

Test(prom, matrix)
{
	struct prom_result r;
	parse_fx("tests/fixtures/prometheus/query-range-matrix.json", &r);
	cr_assert_str_eq(r.type, "matrix");
	cr_assert_geq(r.n, 2);
	cr_assert_str_eq(prom_label(&r.v[0], "ip"), "10.0.0.11");
	cr_assert_str_eq(prom_label(&r.v[0], "__name__"), "ray_node_cpu_utilization");
	cr_assert_null(prom_label(&r.v[0], "i"), "a label is found whole");
	cr_assert_eq(r.v[0].n, 13);
	cr_assert_float_eq(r.v[0].pts[0].t, 1795456201.0, 1e-9);
	cr_assert_str_eq(r.v[0].pts[0].v, "92.25");
	cr_assert_float_eq(prom_value(r.v[0].pts[0].v), 92.25, 1e-9);
	prom_result_free(&r);
}

Test(prom, vector_scalar_empty)
{
	struct prom_result r;
	parse_fx("tests/fixtures/prometheus/query-vector-cpu.json", &r);
	cr_assert_str_eq(r.type, "vector");
	cr_assert_eq(r.v[0].n, 1);
	cr_assert_str_eq(r.v[0].pts[0].v, "92.25");
	prom_result_free(&r);
	parse_fx("tests/fixtures/prometheus/query-scalar.json", &r);
	cr_assert_str_eq(r.type, "scalar");
	cr_assert_eq(r.n, 1);
	cr_assert_eq(r.v[0].nlabels, 0);
	cr_assert_str_eq(r.v[0].pts[0].v, "3");
	prom_result_free(&r);
	parse_fx("tests/fixtures/prometheus/query-empty.json", &r);
	cr_assert_eq(r.n, 0);
	prom_result_free(&r);
}

Test(prom, values_as_strings)
{
	struct prom_result r;
	struct mlc_err e = {0};
	const char *b = "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{"
			"\"metric\":{},\"values\":[[1,\"NaN\"],[2,\"+Inf\"],[3,\"-Inf\"],[4,\"x\"],"
			"[\"5\",\"1\"],[6]]}]}}";
	cr_assert_eq(prom_result_parse(&r, b, strlen(b), &e), 0, "%s", e.msg);
	cr_assert_eq(r.v[0].n, 4, "pairs that are not [number, string] are left out");
	cr_assert_str_eq(r.v[0].pts[0].v, "NaN");
	cr_assert(isnan(prom_value(r.v[0].pts[0].v)));
	cr_assert(isinf(prom_value(r.v[0].pts[1].v)) && prom_value(r.v[0].pts[1].v) > 0);
	cr_assert(isinf(prom_value(r.v[0].pts[2].v)) && prom_value(r.v[0].pts[2].v) < 0);
	cr_assert(isnan(prom_value(r.v[0].pts[3].v)));
	cr_assert(isnan(prom_value(NULL)));
	prom_result_free(&r);
}

Test(prom, errors_as_they_are)
{
	static const char *const files[] = {
	    "tests/fixtures/prometheus/query-error-bad-promql.json",
	    "tests/fixtures/prometheus/query-range-error-too-many-points.json",
	    "tests/fixtures/prometheus/query-error-execution-422.json",
	};
	for (size_t i = 0; i < ARRAY_LEN(files); i++) {
		size_t len;
		char *b = fixture_read(files[i], &len);
		struct prom_result r;
		struct mlc_err e = {0};
		cr_assert_lt(prom_result_parse(&r, b, len, &e), 0, "%s", files[i]);
		cr_assert(str_starts(e.msg, "prometheus: "), "%s", e.msg);
		free(b);
		if (i == 0)
			cr_assert_str_eq(e.msg,
					 "prometheus: bad_data: invalid parameter \"query\": "
					 "1:23: parse error: unexpected end of input inside "
					 "braces");
	}
	struct prom_result r;
	struct mlc_err e = {0};
	cr_assert_lt(
	    prom_result_parse(&r, LIT("{\"status\":\"error\",\"error\":\"\\u001b[2Jx\"}"), &e), 0);
	cr_assert_null(strchr(e.msg, 0x1b), "%s", e.msg);
	static const char *const bad[] = {
	    "",
	    "[]",
	    "{\"status\":\"success\"}",
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":{}}}",
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1]}}",
	    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[",
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		cr_assert_lt(prom_result_parse(&r, bad[i], strlen(bad[i]), &e), 0, "%s", bad[i]);
		prom_result_free(&r);
	}
}

Test(prom, step_fits_the_width)
{
	cr_assert_eq(prom_step(900, 10, 1), 46, "15 minutes in 10 columns: 20 points, not 21");
	cr_assert_eq(prom_points(900, 46), 20);
	cr_assert_eq(prom_points(900, 45), 21);
	cr_assert_leq(prom_points(900, prom_step(900, 7, 1)), 14);
	cr_assert_eq(prom_step(900, 1000, 15), 15, "never under the scrape interval");
	cr_assert_eq(prom_step(0, 0, 0), 1);
	char *p = prom_query_range_path("max by (ip) (x{a=\"b\"})", 100, 1000, 45);
	cr_assert_str_eq(p,
			 "/api/v1/query_range?query=max%20by%20%28ip%29%20%28x%7Ba%3D%22b%22%7D%29"
			 "&start=100&end=1000&step=45");
	free(p);
	p = prom_query_path("up");
	cr_assert_str_eq(p, "/api/v1/query?query=up");
	free(p);
}

/* The charts' windows at every width a chart can have: Prometheus answers
 * range / step + 1 points, never more than two a column. */
Test(prom, never_more_points_than_two_a_column)
{
	static const long windows[] = {900, 3600, 21600, 86400, 7 * 86400, 1, 59};
	for (size_t w = 0; w < sizeof windows / sizeof *windows; w++)
		for (int cols = 1; cols <= 400; cols++) {
			long step = prom_step(windows[w], cols, 1);
			cr_assert_leq(prom_points(windows[w], step), 2L * cols,
				      "range %ld in %d columns", windows[w], cols);
			/* and not needlessly coarse: one step finer would not fit */
			if (step > 1)
				cr_assert_gt(prom_points(windows[w], step - 1), 2L * cols,
					     "range %ld in %d columns: step %ld", windows[w], cols,
					     step);
		}
}

Test(prom, quote_keeps_the_matcher_closed)
{
	char *q = prom_quote("10.0.0.11");
	cr_assert_str_eq(q, "\"10.0.0.11\"");
	free(q);
	q = prom_quote("a\"} or vector(1) # \\\n\x1b");
	cr_assert_str_eq(q, "\"a\\\"} or vector(1) # \\\\\\x0a\\x1b\"");
	free(q);
	q = prom_quote(NULL);
	cr_assert_str_eq(q, "\"\"");
	free(q);
}
