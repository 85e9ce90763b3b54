/* tests/unit/test_pgstat.c — lib/pg/pgstat*.c without a server: every
 * parser on rows captured from the stack's PostgreSQL (tests/fixtures/pg,
 * COPY text format), hostile and truncated ones too; rates between
 * snapshots; application labels; the lock tree; one-line queries;
 * :sql's copy and read check; conninfo for another database. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "lib/core/util.h"
#include "lib/pg/pgstat.h"

/* A COPY text file as a pgc_result: the header gives the column names. */
struct rows {
	struct pgc_result r;
	char **names;
	char **cells; /* row-major, NULL for \N */
	int ncells;
};

static char *copy_unescape(const char *s, size_t len)
{
	if (len == 2 && s[0] == '\\' && s[1] == 'N')
		return NULL;
	char *o = xmalloc(len + 1);
	size_t k = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '\\' || i + 1 == len) {
			o[k++] = s[i];
			continue;
		}
		char c = s[++i];
		if (c >= '0' && c <= '7') {
			int v = 0, d = 0;
			while (d < 3 && i < len && s[i] >= '0' && s[i] <= '7')
				v = v * 8 + (s[i++] - '0'), d++;
			i--;
			o[k++] = (char)v;
		} else {
			o[k++] = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c;
		}
	}
	o[k] = 0;
	return o;
}

static const char *rows_value(const struct pgc_result *r, int row, int col)
{
	struct rows *x = r->priv;
	return x->cells[row * r->ncols + col];
}

static char **split_line(const char *line, int *n)
{
	char **v = NULL;
	*n = 0;
	const char *p = line;
	for (;;) {
		size_t len = strcspn(p, "\t");
		v = xrealloc(v, (size_t)(*n + 1) * sizeof *v);
		v[(*n)++] = copy_unescape(p, len);
		if (!p[len])
			break;
		p += len + 1;
	}
	return v;
}

static struct rows *load(const char *name)
{
	char path[256];
	snprintf(path, sizeof path, "tests/fixtures/pg/%s", name);
	char *body = fixture_read(path, NULL);
	struct rows *x = xcalloc(1, sizeof *x);
	char *save = NULL;
	int ncells = 0;
	for (char *line = strtok_r(body, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int n;
		char **v = split_line(line, &n);
		if (!x->names) {
			x->names = v;
			x->r.ncols = n;
			continue;
		}
		cr_assert_eq(n, x->r.ncols, "%s: a row of %d cells", name, n);
		x->cells = xrealloc(x->cells, (size_t)(ncells + n) * sizeof *x->cells);
		memcpy(x->cells + ncells, v, (size_t)n * sizeof *v);
		ncells += n;
		x->ncells = ncells;
		free(v);
		x->r.nrows++;
	}
	free(body);
	x->r.colnames = (const char *const *)x->names;
	x->r.value = rows_value;
	x->r.priv = x;
	return x;
}

static void unload(struct rows *x)
{
	for (int i = 0; i < x->r.ncols; i++)
		free(x->names[i]);
	for (int i = 0; i < x->ncells; i++)
		free(x->cells[i]);
	free(x->names);
	free(x->cells);
	free(x);
}

static bool inert(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return strstr(s, "\xe2\x80\xae") == NULL; /* U+202E */
}

Test(pgstat, server)
{
	struct rows *x = load("server.copy");
	struct pg_server_stat s;
	struct mlc_err err;
	cr_assert_eq(pgstat_parse_server(&x->r, &s, &err), 0, "%s", err.msg);
	cr_assert(str_starts(s.version, "15."));
	cr_assert_eq(s.version_num / 10000, 15);
	cr_assert_str_eq(s.dbname, "mlflowdb");
	cr_assert_gt(s.uptime_s, 0);
	cr_assert_eq(s.connections, 1);
	cr_assert_eq(s.max_connections, 50);
	cr_assert(!s.standby);
	cr_assert_eq(s.replay_lag_s, -1);
	cr_assert_eq(s.frozen_age, 50);
	cr_assert_gt(s.now_s, 1.7e9);
	unload(x);
}

Test(pgstat, server_truncated_and_empty)
{
	struct rows *x = load("activity-truncated.copy");
	struct pg_server_stat s;
	struct mlc_err err;
	cr_assert_lt(pgstat_parse_server(&x->r, &s, &err), 0);
	cr_assert_eq(err.code, MLC_ERR_PROTO);
	cr_assert_lt(pgstat_parse_server(NULL, &s, &err), 0);
	unload(x);
	x = load("server.copy");
	x->r.nrows = 0;
	cr_assert_lt(pgstat_parse_server(&x->r, &s, &err), 0);
	unload(x);
}

Test(pgstat, databases)
{
	struct rows *x = load("databases.copy");
	struct pg_db_stat *d = NULL;
	int n = 0;
	struct mlc_err err;
	cr_assert_eq(pgstat_parse_databases(&x->r, &d, &n, &err), 0, "%s", err.msg);
	cr_assert_eq(n, 3);
	cr_assert_str_eq(d[0].name, "mlflowdb");
	cr_assert_str_eq(d[0].owner, "mlflow");
	cr_assert_gt(d[0].size, 1000000);
	cr_assert_eq(d[0].backends, 1);
	cr_assert_eq(d[0].deadlocks, 0);
	cr_assert_eq(d[0].xid_age, 50);
	cr_assert(d[0].allow_conn);
	cr_assert_eq(d[0].tps, -1);
	/* parsing again replaces the array */
	cr_assert_eq(pgstat_parse_databases(&x->r, &d, &n, &err), 0);
	cr_assert_eq(n, 3);
	pgstat_dbs_free(d, n);
	unload(x);
}

Test(pgstat, databases_huge_counters)
{
	struct rows *x = load("databases-huge.copy");
	struct pg_snapshot s = {0}, p = {0};
	cr_assert_eq(pgstat_parse_databases(&x->r, &s.dbs, &s.ndbs, NULL), 0);
	cr_assert_eq(pgstat_parse_databases(&x->r, &p.dbs, &p.ndbs, NULL), 0);
	cr_assert_eq(s.dbs[0].size, -1);
	cr_assert_eq(s.dbs[0].commits, -1);
	cr_assert_eq(s.dbs[0].blks_read, -1);
	p.srv.now_s = 1;
	s.srv.now_s = 2;
	pgstat_rates(&s, &p);
	cr_assert_eq(s.dbs[0].tps, -1);
	cr_assert_float_eq(s.hit_ratio, 1.0, 1e-9);
	pgstat_dbs_free(s.dbs, s.ndbs);
	pgstat_dbs_free(p.dbs, p.ndbs);
	unload(x);
}

Test(pgstat, databases_truncated)
{
	struct rows *x = load("activity-truncated.copy");
	struct pg_db_stat *d = NULL;
	int n = 0;
	struct mlc_err err;
	cr_assert_lt(pgstat_parse_databases(&x->r, &d, &n, &err), 0);
	cr_assert_null(d);
	struct pg_ext *e = NULL;
	cr_assert_eq(pgstat_parse_extensions(&x->r, &e, &n, &err), 0); /* 3 ≥ 2 columns */
	pgstat_exts_free(e, n);
	unload(x);
}

Test(pgstat, extensions)
{
	struct rows *x = load("extensions.copy");
	struct pg_ext *e = NULL;
	int n = 0;
	cr_assert_eq(pgstat_parse_extensions(&x->r, &e, &n, NULL), 0);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(e[0].name, "pgcrypto");
	cr_assert_str_eq(e[0].version, "1.3");
	pgstat_exts_free(e, n);
	unload(x);
}

Test(pgstat, activity_chain_and_tree)
{
	struct rows *x = load("activity-chain.copy");
	struct pg_backend *b = NULL;
	int n = 0;
	struct mlc_err err;
	cr_assert_eq(pgstat_parse_activity(&x->r, &b, &n, &err), 0, "%s", err.msg);
	cr_assert_eq(n, 4);
	cr_assert_str_eq(b[0].app, "holder");
	cr_assert_str_eq(b[0].held_mode, "AccessExclusiveLock");
	cr_assert_eq(b[0].nblockers, 0);
	cr_assert_str_eq(b[1].wait_mode, "AccessExclusiveLock");
	cr_assert_str_eq(b[1].wait_rel, "lockdemo");
	cr_assert_eq(b[1].nblockers, 1);
	cr_assert_eq(b[1].blockers[0], b[0].pid);
	cr_assert_eq(b[3].nblockers, 2);
	cr_assert_gt(b[1].state_age_s, 0);
	int order[4], depth[4];
	int k = pgstat_lock_tree(b, n, order, depth);
	cr_assert_eq(k, 3, "the idle session is not in the tree");
	cr_assert_eq(order[0], 0); /* the holder first */
	cr_assert_eq(depth[0], 0);
	cr_assert_eq(order[1], 1); /* waiter1 under it */
	cr_assert_eq(depth[1], 1);
	cr_assert_eq(order[2], 3); /* the SELECT behind waiter1 */
	cr_assert_eq(depth[2], 2);
	cr_assert(pgstat_is_blocker(b, n, 0));
	cr_assert(pgstat_is_blocker(b, n, 1));
	cr_assert(!pgstat_is_blocker(b, n, 2));
	pgstat_backends_free(b, n);
	unload(x);
}

Test(pgstat, activity_hostile)
{
	struct rows *x = load("activity-hostile.copy");
	struct pg_backend *b = NULL;
	int n = 0;
	cr_assert_eq(pgstat_parse_activity(&x->r, &b, &n, NULL), 0);
	cr_assert_eq(n, 3, "the row whose pid is no number is dropped");
	cr_assert_eq(b[0].pid, 4242);
	cr_assert_eq(b[0].query_age_s, -1);
	cr_assert_eq(b[0].xact_age_s, 125.5);
	cr_assert_eq(b[0].state_age_s, 90.25);
	char line[256];
	pgstat_oneline(line, sizeof line, b[0].query);
	cr_assert(inert(line), "%s", line);
	cr_assert(str_starts(line, "SELECT 1; \\e]0;pwned^G DROP\\xff TABLE x"), "%s", line);
	cr_assert_str_eq(pgstat_app_label(b[0].app, b[0].db, b[0].user), "pgAdmin");
	/* <insufficient privilege>: everything else NULL, nothing fails */
	cr_assert_eq(b[1].pid, 4343);
	cr_assert_null(b[1].user);
	cr_assert_null(b[1].state);
	cr_assert_str_eq(b[1].query, "<insufficient privilege>");
	cr_assert_eq(b[1].xact_age_s, -1);
	/* garbage ages and blocker lists */
	cr_assert_eq(b[2].query_age_s, -1);
	cr_assert_eq(b[2].xact_age_s, -1);
	cr_assert_eq(b[2].state_age_s, -1);
	cr_assert_eq(b[2].nblockers, 2, "x, -3 and 99999999999 are no pids");
	cr_assert_eq(b[2].blockers[0], 12);
	cr_assert_eq(b[2].blockers[1], 13);
	int order[3], depth[3];
	cr_assert_eq(pgstat_lock_tree(b, n, order, depth), 1,
		     "a waiter whose blockers we do not see");
	cr_assert_eq(order[0], 2);
	pgstat_backends_free(b, n);
	unload(x);
}

Test(pgstat, activity_truncated)
{
	struct rows *x = load("activity-truncated.copy");
	struct pg_backend *b = NULL;
	int n = 0;
	struct mlc_err err;
	cr_assert_lt(pgstat_parse_activity(&x->r, &b, &n, &err), 0);
	cr_assert(strstr(err.msg, "activity"));
	cr_assert_null(b);
	unload(x);
}

Test(pgstat, lock_tree_cycle_terminates)
{
	int a[] = {2}, c[] = {1};
	struct pg_backend b[2] = {{.pid = 1, .blockers = a, .nblockers = 1},
				  {.pid = 2, .blockers = c, .nblockers = 1}};
	int order[2], depth[2];
	int k = pgstat_lock_tree(b, 2, order, depth);
	cr_assert_eq(k, 2);
	cr_assert_eq(pgstat_lock_tree(b, 0, order, depth), 0);
}

Test(pgstat, rates)
{
	struct pg_db_stat d0[1] = {
	    {.name = "a", .commits = 100, .rollbacks = 10, .blks_hit = 90, .blks_read = 10}};
	struct pg_db_stat d1[1] = {
	    {.name = "a", .commits = 150, .rollbacks = 20, .blks_hit = 180, .blks_read = 20}};
	struct pg_snapshot prev = {.dbs = d0, .ndbs = 1}, cur = {.dbs = d1, .ndbs = 1};
	prev.srv.now_s = 1000;
	cur.srv.now_s = 1002;
	pgstat_rates(&cur, NULL);
	cr_assert_eq(cur.tps, -1);
	cr_assert_eq(d1[0].tps, -1);
	cr_assert_float_eq(cur.hit_ratio, 0.9, 1e-9);
	pgstat_rates(&cur, &prev);
	cr_assert_float_eq(d1[0].tps, 30.0, 1e-9);
	cr_assert_float_eq(d1[0].rollbacks_ps, 5.0, 1e-9);
	cr_assert_float_eq(cur.tps, 30.0, 1e-9);
	/* garbage past 2^62 is unknown, never an overflow */
	d1[0].commits = 9223372036854775807LL;
	struct pg_db_stat big[1] = {{.name = "a", .commits = -1, .rollbacks = 20}};
	struct pg_snapshot odd = {.dbs = big, .ndbs = 1};
	odd.srv.now_s = 1002;
	pgstat_rates(&odd, &prev);
	cr_assert_eq(big[0].tps, -1);
	/* a stats reset: counters went back */
	d1[0].commits = 5;
	pgstat_rates(&cur, &prev);
	cr_assert_eq(d1[0].tps, -1);
	cr_assert_eq(cur.tps, -1);
}

Test(pgstat, app_labels)
{
	cr_assert_str_eq(pgstat_app_label("psql", NULL, NULL), "psql");
	cr_assert_str_eq(pgstat_app_label("pgAdmin 4 - CONN:123", NULL, NULL), "pgAdmin");
	cr_assert_str_eq(pgstat_app_label("", "mlflowdb", "mlflow"), "MLflow");
	cr_assert_str_eq(pgstat_app_label(NULL, "prefect", "prefect"), "Prefect");
	cr_assert_str_eq(pgstat_app_label("airflow-scheduler", NULL, NULL), "Airflow");
	cr_assert_str_eq(pgstat_app_label("mlconsole", "mlflowdb", NULL), "mlconsole");
	cr_assert_null(pgstat_app_label("myapp", "shop", "web"));
	cr_assert_null(pgstat_app_label("lockdemo", "mlflowdb", "mlflow"),
		       "a name of its own wins");
}

Test(pgstat, tables)
{
	struct rows *x = load("tables-mlflowdb.copy");
	struct pg_table_stat *t = NULL;
	int n = 0;
	struct mlc_err err;
	cr_assert_eq(pgstat_parse_tables(&x->r, &t, &n, &err), 0, "%s", err.msg);
	cr_assert_eq(n, 10);
	cr_assert_str_eq(t[0].name, "metrics");
	cr_assert_eq(t[0].live, 34560);
	cr_assert_eq(t[0].dead_share, 0);
	cr_assert_null(t[0].last_vacuum);
	cr_assert_not_null(t[0].last_analyze);
	for (int i = 1; i < n; i++)
		cr_assert_geq(t[i - 1].total, t[i].total, "biggest first");
	cr_assert_geq(t[0].total, t[0].heap + t[0].index + t[0].toast, "and the free space map");
	pgstat_tables_free(t, n);
	unload(x);
	x = load("activity-truncated.copy");
	t = NULL;
	cr_assert_lt(pgstat_parse_tables(&x->r, &t, &n, &err), 0);
	unload(x);
}

Test(pgstat, vector_indexes)
{
	struct rows *x = load("vector-indexes.copy");
	struct pg_vindex *v = NULL;
	int n = 0;
	struct mlc_err err;
	cr_assert_eq(pgstat_parse_vindexes(&x->r, &v, &n, &err), 0, "%s", err.msg);
	cr_assert_eq(n, 3, "the all-NULL row is dropped");
	cr_assert_str_eq(v[0].method, "hnsw");
	cr_assert_str_eq(v[0].table, "documents");
	cr_assert_str_eq(v[0].options, "m=16,ef_construction=64");
	cr_assert_eq(v[0].size, 52428800);
	cr_assert_str_eq(v[1].options, "lists=100");
	cr_assert_null(v[2].options);
	char line[128];
	pgstat_oneline(line, sizeof line, v[2].name);
	cr_assert(inert(line), "%s", line);
	pgstat_vindexes_free(v, n);
	unload(x);
	x = load("activity-truncated.copy");
	v = NULL;
	cr_assert_lt(pgstat_parse_vindexes(&x->r, &v, &n, &err), 0);
	cr_assert_null(v);
	unload(x);
}

Test(pgstat, rows_copy_cut)
{
	struct rows *x = load("tables-mlflowdb.copy");
	struct pg_rows r;
	pgstat_rows_copy(&x->r, 4, &r);
	cr_assert_eq(r.nrows, 4);
	cr_assert(r.cut);
	cr_assert_eq(r.ncols, 13);
	cr_assert_str_eq(r.colnames[1], "relname");
	cr_assert_null(r.cells[8]);
	pgstat_rows_free(&r);
	pgstat_rows_copy(&x->r, 1000, &r);
	cr_assert(!r.cut);
	cr_assert_eq(r.nrows, 10);
	pgstat_rows_free(&r);
	unload(x);
}

Test(pgstat, sql_is_read)
{
	cr_assert(pgstat_sql_is_read("SELECT 1"));
	cr_assert(pgstat_sql_is_read("  with x as (select 1) select * from x;  "));
	cr_assert(pgstat_sql_is_read("EXPLAIN SELECT 1"));
	cr_assert(pgstat_sql_is_read("show work_mem"));
	cr_assert(!pgstat_sql_is_read("EXPLAIN ANALYZE DELETE FROM t"));
	cr_assert(!pgstat_sql_is_read("EXPLAIN (ANALYZE) DELETE FROM t"));
	cr_assert(!pgstat_sql_is_read("INSERT INTO t VALUES (1)"));
	cr_assert(!pgstat_sql_is_read("SELECT 1; DROP TABLE t"));
	cr_assert(!pgstat_sql_is_read("SELECTED"));
	cr_assert(!pgstat_sql_is_read(""));
	cr_assert(!pgstat_sql_is_read(NULL));
}

Test(pgstat, conninfo_for_db)
{
	char *s = pgstat_conninfo_for_db("host=h port=5 dbname=mlflowdb user=u", "vector_db");
	cr_assert_str_eq(s, "host=h port=5 dbname=mlflowdb user=u dbname='vector_db'");
	free(s);
	s = pgstat_conninfo_for_db("", "it's \\ odd");
	cr_assert_str_eq(s, "dbname='it\\'s \\\\ odd'");
	free(s);
	s = pgstat_conninfo_for_db("postgresql://u:pw@h:5432/mlflowdb?sslmode=disable", "a b/c");
	cr_assert_str_eq(s, "postgresql://u:pw@h:5432/a%20b%2Fc?sslmode=disable");
	free(s);
	s = pgstat_conninfo_for_db("postgres://h", "x");
	cr_assert_str_eq(s, "postgres://h/x");
	free(s);
}

Test(pgstat, oneline)
{
	char out[64];
	pgstat_oneline(out, sizeof out, "  SELECT\n\t a,\r\n  b  \n");
	cr_assert_str_eq(out, "SELECT a, b");
	pgstat_oneline(out, sizeof out, NULL);
	cr_assert_str_eq(out, "");
	pgstat_oneline(out, 8, "\x1b[31mred");
	cr_assert(inert(out));
	cr_assert_lt(strlen(out), 8);
}

/* ---- per version (pgstat_sql.c) ------------------------------------------ */

static bool has(const char *sql, const char *what)
{
	return strstr(sql, what) != NULL;
}

Test(pgstat, sql_per_version_12_14_17)
{
	/* 12: no leader_pid, no query_id, no session counters, no pg_stat_wal */
	const char *a12 = pgstat_sql(PGQ_ACTIVITY, 120017);
	cr_assert(!has(a12, "leader_pid") && !has(a12, "query_id"), "%s", a12);
	cr_assert(has(a12, "pg_blocking_pids(pid)"));
	cr_assert(!has(pgstat_sql(PGQ_DATABASES, 120017), "sessions"));
	const char *io12 = pgstat_sql(PGQ_IO, 120017);
	cr_assert(has(io12, "pg_stat_bgwriter") && has(io12, "checkpoints_timed"), "%s", io12);
	cr_assert(has(io12, "pg_current_wal_lsn()") && !has(io12, "pg_stat_wal"), "%s", io12);
	/* 13: parallel workers by leader_pid, still no query_id */
	const char *a13 = pgstat_sql(PGQ_ACTIVITY, 130000);
	cr_assert(has(a13, "leader_pid") && !has(a13, "query_id"), "%s", a13);
	/* 14: query_id, session counters, pg_stat_wal; checkpoints still in bgwriter */
	const char *a14 = pgstat_sql(PGQ_ACTIVITY, 140011);
	cr_assert(has(a14, "leader_pid") && has(a14, "a.query_id"), "%s", a14);
	cr_assert(has(pgstat_sql(PGQ_DATABASES, 140011), "s.sessions_abandoned"));
	const char *io14 = pgstat_sql(PGQ_IO, 140011);
	cr_assert(has(io14, "pg_stat_wal") && has(io14, "pg_stat_bgwriter"), "%s", io14);
	cr_assert(!has(io14, "pg_current_wal_lsn"));
	/* 15 and 16 read as 14 */
	cr_assert_eq(pgstat_sql(PGQ_IO, 160004), io14);
	cr_assert_eq(pgstat_sql(PGQ_ACTIVITY, 150020), a14);
	/* 17: the checkpointer's own view, pg_stat_bgwriter lost those columns */
	const char *io17 = pgstat_sql(PGQ_IO, 170002);
	cr_assert(has(io17, "pg_stat_checkpointer") && has(io17, "num_requested"), "%s", io17);
	cr_assert(!has(io17, "checkpoints_timed") && !has(io17, "pg_stat_bgwriter"), "%s", io17);
	cr_assert_eq(pgstat_sql(PGQ_ACTIVITY, 170002), a14);
	/* unknown (0): the oldest form, which every supported server runs */
	cr_assert_eq(pgstat_sql(PGQ_IO, 0), io12);
	cr_assert_eq(pgstat_sql(PGQ_ACTIVITY, 0), a12);
	cr_assert_eq(pgstat_sql(PGQ_SERVER, 170000), pgstat_sql(PGQ_SERVER, 120000));
}

Test(pgstat, io_and_its_rates)
{
	struct rows *x = load("io-15.copy");
	struct pg_snapshot a = {0}, b = {0};
	struct mlc_err err;
	cr_assert_eq(pgstat_parse_io(&x->r, &a.srv, &err), 0, "%s", err.msg);
	cr_assert_eq(a.srv.ckpt_timed, 1);
	cr_assert_eq(a.srv.ckpt_req, 9);
	cr_assert_eq(a.srv.wal_bytes, 13912502);
	b.srv = a.srv;
	a.srv.now_s = 100;
	b.srv.now_s = 102;
	b.srv.wal_bytes += 2 * 65536;
	b.srv.ckpt_req += 1;
	pgstat_rates(&b, &a);
	cr_assert_float_eq(b.wal_bps, 65536, 1e-6);
	cr_assert_eq(b.ckpt_timed_delta, 0);
	cr_assert_eq(b.ckpt_req_delta, 1);
	/* a restart resets the counters: unknown, not negative */
	b.srv.wal_bytes = 10;
	pgstat_rates(&b, &a);
	cr_assert_eq(b.wal_bps, -1);
	pgstat_rates(&b, NULL);
	cr_assert_eq(b.wal_bps, -1);
	cr_assert_eq(b.ckpt_req_delta, -1);
	x->r.ncols = 2;
	cr_assert_lt(pgstat_parse_io(&x->r, &a.srv, &err), 0);
	x->r.ncols = 3; /* unload frees every column name */
	unload(x);
}

/* The databases of a capture, parsed (the test frees them). */
static struct pg_db_stat *dbs_of(const char *name, int *n)
{
	struct rows *x = load(name);
	struct pg_db_stat *d = NULL;
	*n = 0;
	cr_assert_eq(pgstat_parse_databases(&x->r, &d, n, NULL), 0, "%s", name);
	unload(x);
	return d;
}

Test(pgstat, databases_session_counters_14)
{
	int n;
	struct pg_db_stat *d = dbs_of("databases-15.copy", &n);
	cr_assert_eq(n, 4);
	cr_assert_str_eq(d[1].name, "mlflowdb");
	cr_assert_eq(d[1].sessions, 530);
	cr_assert_eq(d[1].sessions_lost, 22);
	pgstat_dbs_free(d, n);
	/* 12's capture has no such columns: unknown */
	d = dbs_of("databases.copy", &n);
	cr_assert_eq(d[0].sessions, -1);
	cr_assert_eq(d[0].sessions_lost, -1);
	pgstat_dbs_free(d, n);
}
