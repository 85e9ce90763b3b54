/* lib/health/check_int.h — what the parts of `check` share (check.c runs
 * the HTTP, SSH and Redis checks and the pass itself, check_pg.c the
 * PostgreSQL one): the run, its result rows, and a pending request. Only
 * lib/health/check*.c include it. */
#ifndef MLC_CHECK_INT_H
#define MLC_CHECK_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/core/config.h"
#include "lib/core/err.h"
#include "lib/health/check.h"
#include "lib/s3/s3.h"

struct pgc_conn;
struct sshc_session;

/* One pending request of a check: which result rows it settles. */
struct pending {
	struct check_run *run;
	const struct target *t;
	int kind;     /* what to do with the answer */
	size_t first; /* first result row it owns */
	size_t count; /* rows it settles */
	int64_t t0;
	struct s3_scratch s3;
	const char *hdrs[6];
	struct pgc_conn *pg;
	struct sshc_session *ssh;
	struct mlc_err err; /* redis: what was wrong with the URL */
	void *priv;	    /* the PostgreSQL check's extension lookups */
};

struct check_run {
	struct check_result *res;
	size_t n, cap;
	int pending;
};

enum {
	K_HEALTH,     /* the kind's health step (kinds table) */
	K_EXTRA,      /* the kind's further HTTP row */
	K_S3_BUCKETS, /* row first: credentials; next rows: one per expected bucket */
	K_MINIO,      /* /minio/health/cluster: 200 or 503; others: not MinIO */
	K_PG,	      /* row first: connect; then databases; then extensions */
	K_SSH,
	K_REDIS,
};

/* Adds a result row named by fmt (sanitized) and returns its index. */
size_t check_add_row(struct check_run *run, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Names row i anew (sanitized): a lookup that learns where it found it. */
void check_rename(struct check_run *run, size_t i, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Settles row i: passed or not, latency, detail (sanitized); not degraded. */
void check_settle(struct check_run *run, size_t i, bool ok, long latency, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Settles every row of p with the same failure. */
void check_fail_all(struct pending *p, long latency, const char *msg);
/* A pending request of run that settles rows first..first+count-1. */
struct pending *check_new_pending(struct check_run *run, const struct target *t, int kind,
				  size_t first, size_t count);
/* The request of p is over (its rows settled): frees p. */
void check_pending_done(struct pending *p);

#endif
