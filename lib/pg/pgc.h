/* lib/pg/pgc.h — PostgreSQL over libpq's asynchronous API on the loop: a
 * connection per target, resolved with loop_resolve and connected with
 * PQconnectStartParams + PQconnectPoll under our own deadline (libpq ignores
 * connect_timeout for async connects), parameterised queries with
 * PQsendQueryParams, sessions read-only by default. Owns every PGconn.
 * Never blocks, never draws, never logs a password. */
#ifndef MLC_PGC_H
#define MLC_PGC_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/core/err.h"

struct pgc_opts {
	const char *conninfo; /* libpq conninfo string or URI */
	const char *password; /* NULL → libpq's own sources (PGPASSWORD, ~/.pgpass, service file) */
	long connect_timeout_ms;   /* 0 → 5000 */
	long statement_timeout_ms; /* 0 → 5000; sent as -c statement_timeout */
	bool read_write;	   /* false → default_transaction_read_only=on */
	/* fallback_application_name (what the server shows unless the
	 * conninfo names one); NULL → "mlconsole" */
	const char *app_name;
};

struct pgc_conn;

/* A result table, owned by the library and valid during the callback only. */
struct pgc_result {
	int nrows, ncols;
	const char *const *colnames;
	/* value(r, row, col): NULL for SQL NULL */
	const char *(*value)(const struct pgc_result *r, int row, int col);
	void *priv;
};

/* Called once per pgc_query from the loop unless the connection is closed
 * first. On error r is NULL and err says why (ERR_CONNECT, ERR_AUTH,
 * ERR_TIMEOUT, ERR_DNS, ERR_PROTO with the server's message). */
/* More precisely: ERR_PROTO for a server error ("ERROR 42P01: relation ..."
 * with the SQLSTATE also packed in err->detail, see pgc_sqlstate; statement
 * timeouts are 57014); ERR_CONNECT when the connection was refused or lost
 * (the next query reconnects); ERR_TIMEOUT when our deadline passed (the
 * connection is closed, never PQcancel'ed); ERR_CONFIG for a conninfo libpq
 * refuses. When a connect fails, every query then waiting fails with the same
 * error. The callback may call pgc_query, pgc_query_cancel on other queries
 * and pgc_conn_free. */
typedef void (*pgc_query_cb)(const struct pgc_result *r, const struct mlc_err *err, void *arg);

/* Creates a connection object; connects lazily on the first query and again
 * after a failure. opts strings are copied. */
struct pgc_conn *pgc_conn_new(const struct pgc_opts *opts);
/* Closes the connection; pending callbacks are never called. NULL is fine;
 * callable from a callback; call it before loop_shutdown. */
void pgc_conn_free(struct pgc_conn *c);

/* Queues a query (params as text, NULL for SQL NULL); queries on one
 * connection run one after another. timeout_ms bounds connect + run
 * (0 → connect_timeout + statement_timeout), counted from when the query
 * leaves the queue. sql and params are copied. NULL only when c is NULL.
 * pgc_query_cancel: the callback will not run; not after it has run. A
 * cancelled query already on the server runs on there (its results are
 * dropped) under its deadline and statement_timeout. */
struct pgc_query;
struct pgc_query *pgc_query(struct pgc_conn *c, const char *sql, const char *const *params,
			    int nparams, long timeout_ms, pgc_query_cb cb, void *arg);
void pgc_query_cancel(struct pgc_query *q);

/* Several statements (no parameters, separated by ';') sent as one simple
 * query: one round trip, run in one implicit transaction. cb gets every
 * statement's result in order (n of them), or NULL, 0 and the first
 * error; exactly once, as pgc_query's. Cancelled with pgc_query_cancel. */
typedef void (*pgc_multi_cb)(const struct pgc_result *rs, int n, const struct mlc_err *err,
			     void *arg);
struct pgc_query *pgc_query_multi(struct pgc_conn *c, const char *sql, long timeout_ms,
				  pgc_multi_cb cb, void *arg);
/* The live connection's server_version_num (150020), 0 when not connected. */
int pgc_server_version_num(const struct pgc_conn *c);

/* After a successful query: server_version parameter ("15.20"), or "". */
const char *pgc_server_version(const struct pgc_conn *c);
/* "host:port/dbname" for display; no password. */
const char *pgc_display(const struct pgc_conn *c);

/* 0 when opts.conninfo parsed, else -MLC_ERR_CONFIG with libpq's message (no
 * password) in err (may be NULL). Every query on such a connection fails with
 * that error, from the loop. */
int pgc_conn_check(const struct pgc_conn *c, struct mlc_err *err);
/* A keyword as it goes to PQconnectStartParams: host, port and hostaddr as
 * resolved (hostaddr after the first connect), "password" reads "********".
 * NULL when unset (libpq then uses its own defaults). Borrowed until the next
 * query on c. For tests and the debug log. */
const char *pgc_conn_param(const struct pgc_conn *c, const char *keyword);
/* Errors that carry a server SQLSTATE pack it into err->detail (PostgreSQL's
 * six-bit MAKE_SQLSTATE); this unpacks it ("42P01"), or "" when there is none. */
void pgc_sqlstate(long detail, char out[6]);

#endif
