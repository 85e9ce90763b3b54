/* lib/prom/prom.h — Prometheus's HTTP API answers (/api/v1/query and
 * /api/v1/query_range) as model structs, the request paths, and the step
 * that fits a range into a chart's width. Values stay the strings the
 * server sent ("92.25", "NaN", "+Inf"); prom_value reads one. An answer
 * with status "error" is an error in the server's own words ("bad_data:
 * invalid parameter ..."). Pure: no I/O. */
#ifndef MLC_PROM_H
#define MLC_PROM_H

#include <stddef.h>
#include <stdint.h>

#include "lib/core/err.h"

struct prom_point {
	double t; /* seconds since the epoch */
	char *v;  /* as sent: "0.5", "NaN", "+Inf" */
};

/* One series: its labels ("ip=10.0.0.11") and points. A vector's series
 * has one point; a scalar or string result is one series without labels. */
struct prom_series {
	char **labels;
	size_t nlabels;
	struct prom_point *pts;
	size_t n;
};

struct prom_result {
	char *type; /* "matrix", "vector", "scalar", "string" */
	struct prom_series *v;
	size_t n;
};

/* 0, or a negative code with err: "prometheus: bad_data: invalid
 * parameter ..." for status error (the server's words, sanitized), or the
 * JSON path that failed. On failure out is left freed. */
int prom_result_parse(struct prom_result *out, const char *body, size_t len, struct mlc_err *err);
void prom_result_free(struct prom_result *r);

/* The value of label key of s, or NULL. */
const char *prom_label(const struct prom_series *s, const char *key);
/* A value string as a double ("NaN" and "+Inf" included); NaN for text
 * that is not a number. */
double prom_value(const char *v);

/* The step in seconds that gives a range of range_s at most columns * 2
 * points, counting both ends as Prometheus does (range / step + 1); never
 * less than min_step_s, at least 1. */
long prom_step(long range_s, int columns, long min_step_s);
/* The points a query_range of range_s at step_s answers at most. */
long prom_points(long range_s, long step_s);
/* s as a PromQL string literal: "..." with \, " and control bytes
 * escaped, so that a label value from the network cannot end the matcher
 * ("10.0.0.1\"} or vector(1)"). Caller frees. */
char *prom_quote(const char *s);
/* "/api/v1/query_range?query=Q&start=S&end=E&step=STEP" (query encoded);
 * "/api/v1/query?query=Q" with prom_query_path. Caller frees. */
char *prom_query_range_path(const char *query, int64_t start_s, int64_t end_s, long step_s);
char *prom_query_path(const char *query);

#endif
