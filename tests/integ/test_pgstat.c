/* tests/integ/test_pgstat.c — lib/pg/pgstat*.c against the stack's
 * PostgreSQL 15 ($MLC_STACK_DIR/env), as role mlflow (no pg_monitor): one
 * poll round; a session the test holds idle in transaction; a blocking
 * chain of three backends made by the test (holder, a waiter, a second
 * waiter behind both) read back as a tree with the holder first; cancel
 * and terminate verified by the server's view afterwards; the tables of
 * another database; :sql's read-only session refusing a write. Sessions
 * are told apart by an application_name unique to the test process (the
 * suite runs two tests at a time). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/core/loop.h"
#include "lib/core/util.h"
#include "lib/pg/pgstat.h"
#include "stackenv.h"

static char *password(void)
{
	const char *path = stackenv("PGPASSWORD_FILE");
	cr_assert(path, "PGPASSWORD_FILE missing from the stack env");
	FILE *f = fopen(path, "r");
	cr_assert(f, "cannot read %s", path);
	char line[256] = "";
	cr_assert(fgets(line, sizeof line, f));
	fclose(f);
	return xstrdup(str_trim(line));
}

/* A connection to db named app; read-write when rw. */
static struct pgc_conn *conn(const char *db, const char *app, bool rw)
{
	const char *port = stackenv("PG_PORT");
	cr_assert(port, "PG_PORT missing from the stack env");
	char *ci = xasprintf("host=127.0.0.1 port=%s dbname=%s user=mlflow application_name='%s'",
			     port, db, app);
	char *pw = password();
	struct pgc_opts o = {
	    .conninfo = ci, .password = pw, .statement_timeout_ms = 20000, .read_write = rw};
	struct pgc_conn *c = pgc_conn_new(&o);
	free(ci);
	free(pw);
	return c;
}

struct answer {
	volatile bool done;
	int code;
	char msg[256];
	char sqlstate[6];
	char first[128]; /* first cell */
	int nrows;
};

static void on_answer(const struct pgc_result *r, const struct mlc_err *err, void *arg)
{
	struct answer *a = arg;
	a->done = true;
	if (err) {
		a->code = err->code;
		strlcpy_m(a->msg, err->msg, sizeof a->msg);
		pgc_sqlstate(err->detail, a->sqlstate);
		return;
	}
	a->nrows = r->nrows;
	const char *v = r->nrows && r->ncols ? r->value(r, 0, 0) : NULL;
	strlcpy_m(a->first, v ? v : "", sizeof a->first);
}

static void run(struct pgc_conn *c, const char *sql, struct answer *a)
{
	memset(a, 0, sizeof *a);
	pgc_query(c, sql, NULL, 0, 0, on_answer, a);
	cr_assert(stackenv_run_until(&a->done, 10000), "no answer to %s", sql);
	cr_assert_eq(a->code, MLC_OK, "%s: %s", sql, a->msg);
}

struct polled {
	volatile bool done;
	struct pg_snapshot *s;
	struct mlc_err err;
};

static void on_round(struct pg_snapshot *s, const struct mlc_err *err, void *arg)
{
	struct polled *p = arg;
	p->done = true;
	p->s = s;
	if (err)
		p->err = *err;
}

static struct pg_snapshot *poll_once(struct pgc_conn *c)
{
	struct polled p = {0};
	pgstat_round_start(c, 10000, on_round, &p);
	cr_assert(stackenv_run_until(&p.done, 15000), "no poll round");
	cr_assert_not_null(p.s, "round failed: %s", p.err.msg);
	return p.s;
}

static const struct pg_backend *by_app(const struct pg_snapshot *s, const char *app)
{
	for (int i = 0; i < s->nbk; i++)
		if (s->bk[i].app && strcmp(s->bk[i].app, app) == 0)
			return &s->bk[i];
	return NULL;
}

static int index_of(const struct pg_snapshot *s, const struct pg_backend *b)
{
	return (int)(b - s->bk);
}

/* Polls until the backend named app waits on a lock (at most 5 s). */
static struct pg_snapshot *poll_until_waiting(struct pgc_conn *c, const char *app)
{
	for (int i = 0; i < 50; i++) {
		struct pg_snapshot *s = poll_once(c);
		const struct pg_backend *b = by_app(s, app);
		if (b && b->nblockers > 0)
			return s;
		pgstat_snapshot_free(s);
		bool never = false;
		stackenv_run_until(&never, 100);
	}
	cr_assert_fail("%s never waited for a lock", app);
	return NULL;
}

static void name(char *out, size_t n, const char *what)
{
	snprintf(out, n, "pgstat-%s-%d", what, (int)getpid());
}

Test(pgstat, one_round)
{
	struct pgc_conn *c = conn("mlflowdb", "pgstat-round", false);
	struct pg_snapshot *s = poll_once(c);
	cr_assert_eq(s->srv.version_num / 10000, 15);
	cr_assert_str_eq(s->srv.dbname, "mlflowdb");
	cr_assert_eq(s->srv.max_connections, 300);
	cr_assert(!s->srv.standby);
	cr_assert_geq(s->srv.frozen_age, 0);
	bool mlflowdb = false, vector_db = false, pgcrypto = false, plpgsql = false;
	for (int i = 0; i < s->ndbs; i++) {
		mlflowdb |= strcmp(s->dbs[i].name, "mlflowdb") == 0 && s->dbs[i].size > 0;
		vector_db |= strcmp(s->dbs[i].name, "vector_db") == 0;
	}
	/* the polled database's extensions: the stack's pgcrypto (pgvector's
	 * stand-in) lives in vector_db only, as pgvector does */
	for (int i = 0; i < s->nexts; i++) {
		pgcrypto |= strcmp(s->exts[i].name, "pgcrypto") == 0;
		plpgsql |= strcmp(s->exts[i].name, "plpgsql") == 0;
	}
	cr_assert(mlflowdb && vector_db && plpgsql && !pgcrypto);
	/* 15's forms: pg_stat_wal and pg_stat_bgwriter answer, the session
	 * counters (14) and parallel workers (13) are known */
	cr_assert_gt(s->srv.wal_bytes, 0);
	cr_assert_geq(s->srv.ckpt_timed, 0);
	cr_assert_geq(s->srv.ckpt_req, 0);
	for (int i = 0; i < s->ndbs; i++)
		if (strcmp(s->dbs[i].name, "mlflowdb") == 0) /* this session counts */
			cr_assert(s->dbs[i].sessions > 0 && s->dbs[i].sessions_lost >= 0);
	for (int i = 0; i < s->nbk; i++)
		cr_assert_geq(s->bk[i].workers, 0, "pid %d", s->bk[i].pid);
	/* the second round gives rates */
	struct pg_snapshot *s2 = poll_once(c);
	pgstat_rates(s2, s);
	cr_assert_geq(s2->tps, 0);
	cr_assert_gt(s2->hit_ratio, 0);
	cr_assert_geq(s2->wal_bps, 0);
	cr_assert_geq(s2->ckpt_req_delta, 0);
	pgstat_snapshot_free(s);
	pgstat_snapshot_free(s2);
	pgc_conn_free(c);
	loop_shutdown();
}

Test(pgstat, idle_in_transaction)
{
	char app[64];
	name(app, sizeof app, "idle");
	struct pgc_conn *idle = conn("vector_db", app, false);
	struct answer a;
	run(idle, "BEGIN", &a);
	run(idle, "SELECT count(*) FROM collections", &a);
	struct pgc_conn *c = conn("mlflowdb", "pgstat-poller", false);
	struct pg_snapshot *s = poll_once(c);
	const struct pg_backend *b = by_app(s, app);
	cr_assert_not_null(b, "the idle session is not in the activity");
	cr_assert_str_eq(b->state, "idle in transaction");
	cr_assert_str_eq(b->db, "vector_db");
	cr_assert_str_eq(b->user, "mlflow");
	cr_assert_geq(b->xact_age_s, 0);
	cr_assert(str_starts(b->query, "SELECT count(*) FROM collections"));
	cr_assert_eq(b->nblockers, 0);
	pgstat_snapshot_free(s);
	pgc_conn_free(idle);
	pgc_conn_free(c);
	loop_shutdown();
}

/* The console's short extension checks are not the operator's backends:
 * the activity leaves them out (as it leaves out the poll's own), and keeps
 * another session of the same database. */
Test(pgstat, extension_checks_not_listed)
{
	char app[64];
	name(app, sizeof app, "beside");
	struct pgc_conn *check = conn("vector_db", PGSTAT_CHECK_APP, false);
	struct pgc_conn *other = conn("vector_db", app, false);
	struct answer a;
	run(check, "SELECT 1", &a);
	run(other, "SELECT 1", &a);
	struct pgc_conn *c = conn("mlflowdb", "pgstat-poller", false);
	struct pg_snapshot *s = poll_once(c);
	cr_assert_not_null(by_app(s, app), "a session beside the check is not in the activity");
	cr_assert_null(by_app(s, PGSTAT_CHECK_APP), "the extension check is in the activity");
	pgstat_snapshot_free(s);
	pgc_conn_free(check);
	pgc_conn_free(other);
	pgc_conn_free(c);
	loop_shutdown();
}

static void on_signal(bool sent, const struct mlc_err *err, void *arg)
{
	struct answer *a = arg;
	a->done = true;
	a->code = err ? err->code : MLC_OK;
	snprintf(a->first, sizeof a->first, "%s", sent ? "t" : "f");
	if (err)
		strlcpy_m(a->msg, err->msg, sizeof a->msg);
}

static void signal_pid(int pid, bool terminate, const char *want)
{
	struct pgc_conn *rw = conn("mlflowdb", "pgstat-signal", true);
	struct answer a = {0};
	pgstat_signal(rw, pid, terminate, 10000, on_signal, &a);
	cr_assert(stackenv_run_until(&a.done, 10000));
	cr_assert_eq(a.code, MLC_OK, "%s", a.msg);
	cr_assert_str_eq(a.first, want);
	pgc_conn_free(rw);
}

Test(pgstat, blocking_chain_tree_cancel_terminate, .timeout = 60)
{
	char table[64], sql[256], app_h[64], app_w1[64], app_w2[64];
	snprintf(table, sizeof table, "pgstat_chain_%d", (int)getpid());
	name(app_h, sizeof app_h, "holder");
	name(app_w1, sizeof app_w1, "waiter1");
	name(app_w2, sizeof app_w2, "waiter2");
	struct pgc_conn *holder = conn("mlflowdb", app_h, true);
	struct pgc_conn *w1 = conn("mlflowdb", app_w1, true);
	struct pgc_conn *w2 = conn("mlflowdb", app_w2, false);
	struct pgc_conn *c = conn("mlflowdb", "pgstat-poller", false);
	struct answer a, abegin = {0}, aw1, aw2;
	snprintf(sql, sizeof sql, "CREATE TABLE %s (id int)", table);
	run(holder, sql, &a);
	run(holder, "BEGIN", &a);
	snprintf(sql, sizeof sql, "LOCK TABLE %s IN ACCESS EXCLUSIVE MODE", table);
	run(holder, sql, &a);
	memset(&aw1, 0, sizeof aw1);
	memset(&aw2, 0, sizeof aw2);
	pgc_query(w1, "BEGIN", NULL, 0, 0, on_answer, &abegin);
	pgc_query(w1, sql, NULL, 0, 30000, on_answer, &aw1);
	pgstat_snapshot_free(poll_until_waiting(c, app_w1));
	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
	pgc_query(w2, sql, NULL, 0, 30000, on_answer, &aw2);
	struct pg_snapshot *s = poll_until_waiting(c, app_w2);

	const struct pg_backend *h = by_app(s, app_h), *b1 = by_app(s, app_w1),
				*b2 = by_app(s, app_w2);
	cr_assert(h && b1 && b2);
	cr_assert_str_eq(h->held_mode, "AccessExclusiveLock");
	cr_assert_str_eq(b1->wait_mode, "AccessExclusiveLock");
	cr_assert_str_eq(b1->wait_rel, table);
	cr_assert_str_eq(b2->wait_mode, "AccessShareLock");
	cr_assert_eq(b2->nblockers, 2, "behind the holder and the first waiter");
	int *order = xcalloc((size_t)s->nbk, sizeof *order);
	int *depth = xcalloc((size_t)s->nbk, sizeof *depth);
	int n = pgstat_lock_tree(s->bk, s->nbk, order, depth);
	/* our three, in this order, whatever other tests hold */
	int at = -1;
	for (int i = 0; i < n; i++)
		if (order[i] == index_of(s, h))
			at = i;
	cr_assert_geq(at, 0, "the holder is not in the tree");
	cr_assert_eq(depth[at], 0, "the holder is a root");
	cr_assert_lt(at + 2, n);
	cr_assert_eq(order[at + 1], index_of(s, b1));
	cr_assert_eq(depth[at + 1], 1);
	cr_assert_eq(order[at + 2], index_of(s, b2));
	cr_assert_eq(depth[at + 2], 2);
	int pid_h = h->pid, pid_w2 = b2->pid;
	free(order);
	free(depth);
	pgstat_snapshot_free(s);

	/* cancel the last waiter: its query fails 57014, its session stays */
	signal_pid(pid_w2, false, "t");
	cr_assert(stackenv_run_until(&aw2.done, 10000));
	cr_assert_str_eq(aw2.sqlstate, "57014", "%s", aw2.msg);
	s = poll_once(c);
	const struct pg_backend *x = by_app(s, app_w2);
	cr_assert_not_null(x, "a cancelled backend keeps its session");
	cr_assert_eq(x->pid, pid_w2);
	cr_assert_eq(x->nblockers, 0);
	pgstat_snapshot_free(s);

	/* terminate the holder: gone from the server's view; waiter1 gets its lock */
	signal_pid(pid_h, true, "t");
	cr_assert(stackenv_run_until(&aw1.done, 10000));
	cr_assert_eq(aw1.code, MLC_OK, "%s", aw1.msg);
	s = poll_once(c);
	for (int i = 0; i < s->nbk; i++)
		cr_assert_neq(s->bk[i].pid, pid_h, "the terminated holder is still there");
	pgstat_snapshot_free(s);
	signal_pid(pid_h, true, "f"); /* no such backend any more */

	run(w1, "ROLLBACK", &a);
	snprintf(sql, sizeof sql, "DROP TABLE %s", table);
	run(w1, sql, &a);
	pgc_conn_free(holder);
	pgc_conn_free(w1);
	pgc_conn_free(w2);
	pgc_conn_free(c);
	loop_shutdown();
}

struct tables_got {
	volatile bool done;
	struct pg_table_stat *t;
	int n;
	int rc;
};

static void on_tables(const struct pgc_result *r, const struct mlc_err *err, void *arg)
{
	struct tables_got *g = arg;
	g->done = true;
	g->rc = err ? -1 : pgstat_parse_tables(r, &g->t, &g->n, NULL);
}

Test(pgstat, tables_of_another_database)
{
	char *ci =
	    pgstat_conninfo_for_db("host=127.0.0.1 dbname=mlflowdb user=mlflow", "vector_db");
	cr_assert(strstr(ci, "dbname='vector_db'"));
	free(ci);
	struct pgc_conn *c = conn("vector_db", "pgstat-tables", false);
	struct tables_got g = {0};
	pgc_query(c, PGSTAT_SQL_TABLES, NULL, 0, 0, on_tables, &g);
	cr_assert(stackenv_run_until(&g.done, 10000));
	cr_assert_eq(g.rc, 0);
	bool docs = false;
	for (int i = 0; i < g.n; i++)
		docs |= strcmp(g.t[i].name, "documents") == 0 && g.t[i].total > 0;
	cr_assert(docs, "vector_db's documents table");
	pgstat_tables_free(g.t, g.n);
	pgc_conn_free(c);
	loop_shutdown();
}

Test(pgstat, sql_session_refuses_writes)
{
	struct pgc_conn *c = conn("mlflowdb", "pgstat-sql", false);
	const char *sql =
	    "WITH x AS (INSERT INTO experiment_tags VALUES ('k', 'v', 0) RETURNING 1) "
	    "SELECT * FROM x";
	cr_assert(pgstat_sql_is_read(sql), "shaped as a read: the server must refuse it");
	struct answer a = {0};
	pgc_query(c, sql, NULL, 0, 0, on_answer, &a);
	cr_assert(stackenv_run_until(&a.done, 10000));
	cr_assert_eq(a.code, MLC_ERR_PROTO);
	cr_assert_str_eq(a.sqlstate, "25006", "%s", a.msg);
	pgc_conn_free(c);
	loop_shutdown();
}

/* As a plain role without pg_monitor: another role's backend reads
 * <insufficient privilege> with no state or times, and the round works. */
Test(pgstat, without_pg_monitor)
{
	char app[64];
	name(app, sizeof app, "private");
	struct pgc_conn *other = conn("mlflowdb", app, false);
	struct answer a;
	run(other, "SELECT 1", &a);
	const char *port = stackenv("PG_PORT");
	char *ci = xasprintf("host=127.0.0.1 port=%s dbname=mlflowdb user=viewer", port);
	char *pw = password();
	struct pgc_opts o = {.conninfo = ci, .password = pw};
	struct pgc_conn *c = pgc_conn_new(&o);
	free(ci);
	free(pw);
	struct pg_snapshot *s = poll_once(c);
	int hidden = 0;
	for (int i = 0; i < s->nbk; i++) {
		const struct pg_backend *b = &s->bk[i];
		if (b->user && strcmp(b->user, "mlflow") == 0) {
			cr_assert_str_eq(b->query, "<insufficient privilege>");
			cr_assert_null(b->state);
			cr_assert_eq(b->xact_age_s, -1);
			hidden++;
		}
	}
	cr_assert_geq(hidden, 1, "the mlflow session is listed, hidden");
	cr_assert_gt(s->ndbs, 0);
	pgstat_snapshot_free(s);
	pgc_conn_free(other);
	pgc_conn_free(c);
	loop_shutdown();
}

/* On a live connection the round is one simple query of five statements
 * (one round trip): the server sees the whole text as the session's last
 * query, and the snapshot is as complete as the first round's. */
Test(pgstat, one_query_round_once_connected)
{
	char app[64];
	name(app, sizeof app, "multi");
	struct pgc_conn *c = conn("mlflowdb", app, false);
	struct pg_snapshot *s1 = poll_once(c); /* connects: the server query first */
	cr_assert_gt(pgc_server_version_num(c), 0);
	struct pg_snapshot *s2 = poll_once(c);
	cr_assert_eq(s2->srv.version_num, s1->srv.version_num);
	cr_assert_eq(s2->ndbs, s1->ndbs);
	cr_assert_eq(s2->nexts, s1->nexts);
	cr_assert_gt(s2->srv.max_connections, 0);
	cr_assert_geq(s2->srv.wal_bytes, 0);
	struct pgc_conn *w = conn("mlflowdb", "pgstat-watch", false);
	struct answer a;
	char *want = pgstat_round_sql(s2->srv.version_num);
	/* compared by the server (a cell here holds 127 bytes; the server keeps
	 * track_activity_query_size bytes of it): the start of the five, past
	 * the first statement */
	char *q = xasprintf("SELECT (strpos($q$%s$q$, query) = 1 AND"
			    " strpos(query, ';' || chr(10)) > 0)::text FROM pg_stat_activity"
			    " WHERE application_name = '%s'",
			    want, app);
	run(w, q, &a);
	free(q);
	cr_assert_eq(a.nrows, 1);
	cr_assert_str_eq(a.first, "true");
	cr_assert(strstr(want, ";\n"), "five statements in one");
	free(want);
	pgstat_snapshot_free(s1);
	pgstat_snapshot_free(s2);
	pgc_conn_free(w);
	pgc_conn_free(c);
}
