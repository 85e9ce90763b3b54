/* lib/pg/pgstat.h — what the Databases panel knows of a PostgreSQL server:
 * the SQL of each poll and PURE parsers from a pgc_result into model structs
 * (pgstat.c: server, databases, extensions, backends; pgstat_tables.c:
 * tables, a copied result for :sql, conninfo for another database), the
 * derived pieces (rates between two snapshots, the lock tree, application
 * labels), and one poll round over a pgc connection (pgstat_poll.c). Strings
 * in the models are raw server text: sanitize before showing. Works with the
 * privileges of a plain role: other users' queries read
 * "<insufficient privilege>" and their times are NULL (shown as unknown). */
#ifndef MLC_PGSTAT_H
#define MLC_PGSTAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/core/err.h"
#include "lib/pg/pgc.h"

/* Unknown numbers (SQL NULL, no privilege) are -1. */
struct pg_server_stat {
	char version[64]; /* "15.20" */
	int version_num;  /* 150020 */
	char dbname[128]; /* the polling connection's database */
	double uptime_s;  /* since pg_postmaster_start_time() */
	long connections; /* client backends */
	long max_connections;
	bool standby;	      /* pg_is_in_recovery() */
	double replay_lag_s;  /* standby only; -1 unknown */
	long long frozen_age; /* oldest datfrozenxid age, templates included */
	double now_s;	      /* server clock (epoch s) when polled */
	/* PGQ_IO: checkpoints so far, WAL written (bytes; before 14 the WAL
	 * position, a standby's unknown) */
	long long ckpt_timed, ckpt_req, wal_bytes;
};

struct pg_db_stat {
	char *name, *owner;
	long long size; /* bytes; -1 without CONNECT privilege */
	long backends;
	long long commits, rollbacks, blks_read, blks_hit, temp_bytes, deadlocks;
	long long xid_age;
	bool allow_conn;
	/* 14 on: sessions opened, and those abandoned, fatal or killed; -1 before */
	long long sessions, sessions_lost;
	/* Derived between two snapshots (pgstat_rates); -1 until then. */
	double tps, rollbacks_ps;
};

struct pg_ext {
	char *name, *version;
};

struct pg_backend {
	int pid;
	char *db, *user, *app, *client, *state, *wait_type, *wait_event;
	double query_age_s, xact_age_s, state_age_s; /* -1 unknown */
	int *blockers;				     /* pg_blocking_pids() */
	int nblockers;
	char *wait_mode, *wait_locktype, *wait_rel; /* the lock it waits for */
	char *held_mode;			    /* locks it holds that someone waits for */
	char *query;
	int workers;	   /* its parallel workers (13 on); -1 unknown */
	bool has_query_id; /* 14 on, with compute_query_id */
	long long query_id;
};

/* One poll of a server (pgstat_poll). */
struct pg_snapshot {
	struct pg_server_stat srv;
	struct pg_db_stat *dbs;
	int ndbs;
	struct pg_ext *exts;
	int nexts;
	struct pg_backend *bk;
	int nbk;
	/* Derived from the databases (pgstat_rates): server totals. */
	double tps, rollbacks_ps, hit_ratio; /* -1 unknown */
	/* Derived from the server's PGQ_IO counters: WAL bytes/s, and the
	 * checkpoints since the previous poll; -1 unknown */
	double wal_bps;
	long long ckpt_timed_delta, ckpt_req_delta;
};

/* ---- pgstat_sql.c ------------------------------------------------------ */

/* The SQL of each poll, one statement each, no parameters, in the form the
 * server's version takes (server_version_num: 120000 … 170000; 0 when not
 * known yet gives the oldest form). Every form yields the same columns: a
 * version without one selects NULL there. */
enum pgstat_query {
	PGQ_SERVER,	    /* version-independent: it tells the version */
	PGQ_DATABASES,	    /* 14: session counters */
	PGQ_EXTENSIONS,	    /* of the connection's database */
	PGQ_ACTIVITY,	    /* 13: parallel workers by leader_pid; 14: query_id */
	PGQ_IO,		    /* checkpoints (17: pg_stat_checkpointer), WAL (14: pg_stat_wal) */
	PGQ_TABLES,	    /* per database: the tables, biggest first */
	PGQ_VECTOR_INDEXES, /* per database: pgvector's indexes */
};
const char *pgstat_sql(enum pgstat_query q, int version_num);
extern const char PGSTAT_SQL_SERVER[];
extern const char PGSTAT_SQL_EXTENSIONS[];
/* The application name of the console's short connections that look up
 * extensions (lib/pg/pgexpect): the activity list leaves them out. */
#define PGSTAT_CHECK_APP "mlconsole extension check"
extern const char PGSTAT_SQL_TABLES[];

/* Parsers: 0, or -MLC_ERR_PROTO with err when the result does not have
 * the columns the SQL above gives. NULL cells and garbage numbers become
 * unknown (-1), never a failure. Arrays are replaced (the old ones freed). */
int pgstat_parse_server(const struct pgc_result *r, struct pg_server_stat *out,
			struct mlc_err *err);
int pgstat_parse_databases(const struct pgc_result *r, struct pg_db_stat **out, int *n,
			   struct mlc_err *err);
int pgstat_parse_extensions(const struct pgc_result *r, struct pg_ext **out, int *n,
			    struct mlc_err *err);
int pgstat_parse_activity(const struct pgc_result *r, struct pg_backend **out, int *n,
			  struct mlc_err *err);
/* PGQ_IO's row into out's ckpt_timed, ckpt_req and wal_bytes. */
int pgstat_parse_io(const struct pgc_result *r, struct pg_server_stat *out, struct mlc_err *err);

void pgstat_dbs_free(struct pg_db_stat *d, int n);
void pgstat_exts_free(struct pg_ext *e, int n);
void pgstat_backends_free(struct pg_backend *b, int n);
void pgstat_snapshot_free(struct pg_snapshot *s);

/* Rates of cur against prev (NULL: none yet): per database TPS and
 * rollbacks/s from the counters' deltas over the server clock's, and the
 * server's totals and cache hit ratio. A counter that went back (stats
 * reset) gives unknown. */
void pgstat_rates(struct pg_snapshot *cur, const struct pg_snapshot *prev);

/* Whether cur's backends show as prev's (the Activity and Lock tree views
 * need no redraw): the same pids in the same order with the same text,
 * blockers and worker counts, and the ages those views show (the query's
 * while active, the state's while idle in a transaction or waiting for a
 * lock, the transaction's) only grown with the server clock: the same
 * start times, now_s - age, within a quarter of a second. */
bool pgstat_backends_same(const struct pg_snapshot *prev, const struct pg_snapshot *cur);

/* The platform's clients by what they send: "MLflow", "Prefect",
 * "Airflow", "psql", "pgAdmin", "mlconsole" from application_name; when
 * that is empty (SQLAlchemy sends none), MLflow, Prefect or Airflow from
 * the database or role name; else NULL. */
const char *pgstat_app_label(const char *app, const char *db, const char *user);

/* The lock tree: indexes into bk in display order, root blockers (blocking
 * someone, blocked by no one) first, each followed by its waiters, depth
 * in depth[] (0 for a root). A waiter with several blockers goes under the
 * deepest one (the queue it is behind). Backends neither blocking nor
 * waiting are left out. Returns the count; order and depth have room for
 * nbk entries. */
int pgstat_lock_tree(const struct pg_backend *bk, int nbk, int *order, int *depth);
/* Whether bk[i] blocks anyone in bk. */
bool pgstat_is_blocker(const struct pg_backend *bk, int nbk, int i);

/* Whitespace runs (newlines, tabs) folded into one space and the result
 * sanitized into out: a query on one line. */
void pgstat_oneline(char *out, size_t n, const char *query);

/* ---- pgstat_tables.c --------------------------------------------------- */

struct pg_table_stat {
	char *schema, *name;
	long long total, heap, index, toast; /* bytes */
	long long live, dead;
	double dead_share;				    /* 0..1, -1 unknown */
	char *last_vacuum, *last_autovacuum, *last_analyze; /* "YYYY-MM-DD HH:MM" or NULL */
	long long seq_scan, idx_scan;
};

int pgstat_parse_tables(const struct pgc_result *r, struct pg_table_stat **out, int *n,
			struct mlc_err *err);
void pgstat_tables_free(struct pg_table_stat *t, int n);

/* pgvector's indexes (ivfflat, hnsw) of one database, biggest first
 * (PGQ_VECTOR_INDEXES): on the same per-database connection, after the
 * tables. Without pgvector the result is empty. */
extern const char PGSTAT_SQL_VECTOR_INDEXES[];
struct pg_vindex {
	char *schema, *name, *table, *method; /* method: "ivfflat", "hnsw" */
	long long size;
	char *options; /* "lists=100", "m=16,ef_construction=64", or NULL */
};
int pgstat_parse_vindexes(const struct pgc_result *r, struct pg_vindex **out, int *n,
			  struct mlc_err *err);
void pgstat_vindexes_free(struct pg_vindex *v, int n);

/* A copy of a result (:sql): at most max_rows rows, cut says there were more. */
struct pg_rows {
	int nrows, ncols;
	char **colnames;
	char **cells; /* row-major, NULL for SQL NULL */
	bool cut;
};
void pgstat_rows_copy(const struct pgc_result *r, int max_rows, struct pg_rows *out);
void pgstat_rows_free(struct pg_rows *r);

/* Whether text is one statement that reads: starts with SELECT, WITH,
 * VALUES, TABLE, SHOW or EXPLAIN (not EXPLAIN ANALYZE), no ';' but a
 * trailing one. The server's read-only transaction is the real guard. */
bool pgstat_sql_is_read(const char *sql);

/* conninfo (key=value or URI) pointing at database db instead: a new
 * string the caller frees. */
char *pgstat_conninfo_for_db(const char *conninfo, const char *db);

/* ---- pgstat_poll.c ----------------------------------------------------- */

/* One round on c: the server, databases, extensions, activity and I/O
 * queries. On a live connection, in the forms its server's version takes,
 * as one simple query (pgstat_round_sql: one round trip); else the server
 * query, then the rest in its version's form queued at once, run one
 * after another on that connection. done
 * gets the new snapshot (the caller owns it, rates not yet computed) or
 * NULL and the first error, exactly once, unless cancelled first. */
struct pgstat_round;
/* The round's five statements for version_num, ';'-separated: a new
 * string the caller frees. */
char *pgstat_round_sql(int version_num);
typedef void (*pgstat_round_cb)(struct pg_snapshot *s, const struct mlc_err *err, void *arg);
struct pgstat_round *pgstat_round_start(struct pgc_conn *c, long timeout_ms, pgstat_round_cb done,
					void *arg);
void pgstat_round_cancel(struct pgstat_round *r);

/* pg_cancel_backend (terminate false) or pg_terminate_backend of pid on c
 * (a read-write connection of its own). done gets "true"/"false" as the
 * server answered, or err. */
typedef void (*pgstat_signal_cb)(bool sent, const struct mlc_err *err, void *arg);
struct pgc_query *pgstat_signal(struct pgc_conn *c, int pid, bool terminate, long timeout_ms,
				pgstat_signal_cb done, void *arg);

#endif
