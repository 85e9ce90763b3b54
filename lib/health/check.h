/* lib/health/check.h — `mlconsole check`: one pass over every configured target, in
 * parallel, each check with its deadline; the platform's acceptance list
 * (Ray up with an ALIVE node, PostgreSQL reachable with the expected
 * databases and extensions, MLflow answering, S3 credentials and buckets,
 * the flow server healthy, Prometheus healthy, every node reachable with a
 * known host key and working auth). Runs the loop itself until done. */
#ifndef MLC_CHECK_H
#define MLC_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "lib/core/config.h"

struct check_result {
	char *name; /* "postgres: extension vector in vector_db", sanitized */
	bool ok;
	bool degraded; /* ok, but the service reports a degraded state: detail says why */
	long latency_ms;
	char *detail; /* sanitized */
};

/* Runs every check; *out gets an array the caller frees with
 * check_results_free. Returns the number of failures. */
int check_run(const struct config *c, struct check_result **out, size_t *n);
void check_results_free(struct check_result *r, size_t n);
/* Writes the results as lines or as one JSON document. A degraded row is
 * "warn" with the reason on the line below (JSON: "degraded": true); it
 * does not count as a failure. */
void check_print(FILE *f, const struct check_result *r, size_t n, bool json);

/* The checks of the kinds whose HTTP steps do not say it all, named by
 * their rows in lib/health/kinds.c: each adds its result rows to run and
 * starts its requests; check_run waits for them. */
struct check_run;
void check_s3(struct check_run *run, const struct target *t);
void check_pg(struct check_run *run, const struct target *t);
void check_ssh(struct check_run *run, const struct target *t);
void check_redis(struct check_run *run, const struct target *t);

#endif
