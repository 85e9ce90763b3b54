/* tests/integ/test_pgc.c — lib/pg/pgc.c against the PostgreSQL 15 of the local
 * stack ($MLC_STACK_DIR/env: PG_PORT, PGPASSWORD_FILE for role mlflow):
 * queries, read-only sessions, auth, refused / black-holed / slow servers,
 * the queue, cancellation and reconnection. Every test ends with nothing in
 * flight (loop_busy() == 0) and every handle closed. Tests wait on events (a
 * callback, the server's own pg_stat_activity), never for a fixed time, and
 * hold no wall-clock bounds (timings are the benchmark's). */
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/core/log.h"
#include "lib/core/loop.h"
#include "lib/pg/pgc.h"
#include "lib/core/util.h"
#include "stackenv.h"

#define MAXV 64

struct got {
	volatile bool done;
	int calls;
	int code;
	long detail;
	char msg[256];
	int nrows, ncols;
	char *cols[8];
	char *vals[MAXV]; /* row-major, first MAXV cells; NULL for SQL NULL */
	bool isnull[MAXV];
	int seq; /* order among callbacks */
};

static int seq_counter;

static void on_result(const struct pgc_result *r, const struct mlc_err *err, void *arg)
{
	struct got *g = arg;
	g->calls++;
	g->done = true;
	g->seq = ++seq_counter;
	if (err) {
		g->code = err->code;
		g->detail = err->detail;
		strlcpy_m(g->msg, err->msg, sizeof g->msg);
		return;
	}
	g->code = MLC_OK;
	g->nrows = r->nrows;
	g->ncols = r->ncols;
	for (int c = 0; c < r->ncols && c < 8; c++)
		g->cols[c] = xstrdup(r->colnames[c]);
	for (int i = 0; i < r->nrows * r->ncols && i < MAXV; i++) {
		const char *v = r->value(r, i / r->ncols, i % r->ncols);
		g->isnull[i] = v == NULL;
		g->vals[i] = v ? xstrdup(v) : NULL;
	}
}

static void got_free(struct got *g)
{
	for (int i = 0; i < 8; i++)
		free(g->cols[i]);
	for (int i = 0; i < MAXV; i++)
		free(g->vals[i]);
	memset(g, 0, sizeof *g);
}

static const char *cell(const struct got *g, int row, int col)
{
	return g->vals[row * g->ncols + col];
}

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

static const char *port(void)
{
	const char *p = stackenv("PG_PORT");
	cr_assert(p, "PG_PORT missing from the stack env");
	return p;
}

static char *conninfo(const char *db)
{
	return xasprintf("host=127.0.0.1 port=%s dbname=%s user=mlflow", port(), db);
}

/* A connection to db as mlflow with the stack's password. */
static struct pgc_conn *open_db(const char *db, struct pgc_opts *o)
{
	struct pgc_opts def = {0};
	if (!o)
		o = &def;
	char *ci = conninfo(db);
	char *pw = password();
	o->conninfo = ci;
	o->password = pw;
	struct pgc_conn *c = pgc_conn_new(o);
	free(ci);
	free(pw);
	o->conninfo = NULL;
	o->password = NULL;
	cr_assert_eq(pgc_conn_check(c, NULL), 0);
	return c;
}

static void run_query(struct pgc_conn *c, const char *sql, const char *const *params, int n,
		      struct got *g, long wait_ms)
{
	memset(g, 0, sizeof *g);
	pgc_query(c, sql, params, n, 0, on_result, g);
	cr_assert(stackenv_run_until(&g->done, wait_ms), "no answer to %s in %ld ms", sql, wait_ms);
	cr_assert_eq(g->calls, 1);
}

static bool nothing_in_flight(const void *arg)
{
	(void)arg;
	return loop_busy() == 0;
}

/* Runs the loop until nothing is in flight (or ms, a safety deadline). */
static bool drain(long ms)
{
	return stackenv_run_until_true(nothing_in_flight, NULL, ms);
}

/* Frees c, checks nothing is left in flight and closes the loop. */
static void finish(struct pgc_conn *c)
{
	pgc_conn_free(c);
	cr_assert(drain(3000), "loop_busy() stays at %d", loop_busy());
	loop_shutdown();
}

/* Queries the server's pg_stat_activity on watcher until a backend running
 * a statement that contains marker is shown (present) or gone (!present):
 * the event itself, as the server sees it. */
static void wait_activity(struct pgc_conn *watcher, const char *marker, bool present)
{
	const char *p[] = {marker};
	for (int i = 0; i < 20000; i++) {
		struct got g;
		run_query(watcher,
			  "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
			  "AND pid <> pg_backend_pid() AND strpos(query, $1) > 0",
			  p, 1, &g, 5000);
		cr_assert_eq(g.code, MLC_OK, "%s", g.msg);
		bool seen = strcmp(cell(&g, 0, 0), "0") != 0;
		got_free(&g);
		if (seen == present)
			return;
	}
	cr_assert_fail("%s never %s on the server", marker, present ? "ran" : "ended");
}

/* A TCP port with nothing listening (bound, then closed). */
static int closed_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof sa;
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	getsockname(fd, (struct sockaddr *)&sa, &len);
	close(fd);
	return ntohs(sa.sin_port);
}

Test(pgc, select_with_params)
{
	struct pgc_conn *c = open_db("mlflowdb", NULL);
	struct got g;
	const char *params[] = {"41", "h\xc3\xa9llo'; DROP TABLE x; --", NULL};
	run_query(c, "SELECT $1::int + 1 AS n, $2::text AS s, $3::text AS z, NULL::int AS nul",
		  params, 3, &g, 5000);
	cr_assert_eq(g.code, MLC_OK, "%s", g.msg);
	cr_assert_eq(g.nrows, 1);
	cr_assert_eq(g.ncols, 4);
	cr_assert_str_eq(g.cols[0], "n");
	cr_assert_str_eq(g.cols[1], "s");
	cr_assert_str_eq(cell(&g, 0, 0), "42");
	cr_assert_str_eq(cell(&g, 0, 1), params[1]);
	cr_assert(g.isnull[2] && g.isnull[3], "SQL NULL must read as NULL");
	got_free(&g);
	run_query(c, "SELECT 1", NULL, 0, &g, 5000);
	cr_assert_eq(g.code, MLC_OK, "%s", g.msg);
	cr_assert_str_eq(cell(&g, 0, 0), "1");
	got_free(&g);
	finish(c);
}

Test(pgc, server_version_is_15)
{
	struct pgc_conn *c = open_db("mlflowdb", NULL);
	cr_assert_str_eq(pgc_server_version(c), "");
	struct got g;
	run_query(c, "SELECT 1", NULL, 0, &g, 5000);
	cr_assert_eq(g.code, MLC_OK, "%s", g.msg);
	cr_assert(str_starts(pgc_server_version(c), "15"), "server_version %s",
		  pgc_server_version(c));
	got_free(&g);
	finish(c);
}

Test(pgc, lists_databases)
{
	struct pgc_conn *c = open_db("mlflowdb", NULL);
	struct got g;
	run_query(c, "SELECT datname FROM pg_database ORDER BY datname", NULL, 0, &g, 5000);
	cr_assert_eq(g.code, MLC_OK, "%s", g.msg);
	bool mlflow = false, vector = false;
	for (int i = 0; i < g.nrows && i < MAXV; i++) {
		mlflow = mlflow || strcmp(cell(&g, i, 0), "mlflowdb") == 0;
		vector = vector || strcmp(cell(&g, i, 0), "vector_db") == 0;
	}
	cr_assert(mlflow && vector, "mlflowdb and vector_db expected among %d", g.nrows);
	got_free(&g);
	finish(c);
}

/* The stack's stand-in for pgvector lives in vector_db only, as pgvector
 * does on the seed platform (`check` must look for it there). */
Test(pgc, pgcrypto_in_vector_db)
{
	struct pgc_conn *c = open_db("vector_db", NULL);
	struct got g;
	const char *p[] = {"pgcrypto"};
	run_query(c, "SELECT extname FROM pg_extension WHERE extname = $1", p, 1, &g, 5000);
	cr_assert_eq(g.code, MLC_OK, "%s", g.msg);
	cr_assert_eq(g.nrows, 1, "pgcrypto not installed in vector_db");
	got_free(&g);
	run_query(c, "SELECT encode(digest('abc', 'sha256'), 'hex')", NULL, 0, &g, 5000);
	cr_assert_eq(g.code, MLC_OK, "%s", g.msg);
	cr_assert_str_eq(cell(&g, 0, 0),
			 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	got_free(&g);
	finish(c);
}

Test(pgc, vector_db_reachable)
{
	struct pgc_conn *c = open_db("vector_db", NULL);
	struct got g;
	run_query(c, "SELECT current_database()", NULL, 0, &g, 5000);
	cr_assert_eq(g.code, MLC_OK, "%s", g.msg);
	cr_assert_str_eq(cell(&g, 0, 0), "vector_db");
	cr_assert(str_ends(pgc_display(c), "/vector_db"), "%s", pgc_display(c));
	got_free(&g);
	finish(c);
}

Test(pgc, session_is_read_only)
{
	struct pgc_conn *c = open_db("mlflowdb", NULL);
	struct got g;
	run_query(c, "CREATE TABLE pgc_must_not_exist (x int)", NULL, 0, &g, 5000);
	cr_assert_eq(g.code, MLC_ERR_PROTO, "%d %s", g.code, g.msg);
	char st[6];
	pgc_sqlstate(g.detail, st);
	cr_assert_str_eq(st, "25006", "%s", g.msg);
	cr_assert(strstr(g.msg, "25006") && strstr(g.msg, "read-only"), "%s", g.msg);
	got_free(&g);
	/* The connection survives a server error. */
	run_query(c,
		  "SELECT current_setting('default_transaction_read_only'), "
		  "current_setting('statement_timeout'), current_setting('application_name')",
		  NULL, 0, &g, 5000);
	cr_assert_eq(g.code, MLC_OK, "%s", g.msg);
	cr_assert_str_eq(cell(&g, 0, 0), "on");
	cr_assert_str_eq(cell(&g, 0, 1), "5s");
	cr_assert_str_eq(cell(&g, 0, 2), "mlconsole");
	got_free(&g);
	finish(c);
}

Test(pgc, read_write_when_asked)
{
	struct pgc_opts o = {.read_write = true, .statement_timeout_ms = 1234};
	struct pgc_conn *c = open_db("mlflowdb", &o);
	struct got g;
	run_query(c,
		  "SELECT current_setting('default_transaction_read_only'), "
		  "current_setting('statement_timeout')",
		  NULL, 0, &g, 5000);
	cr_assert_eq(g.code, MLC_OK, "%s", g.msg);
	cr_assert_str_eq(cell(&g, 0, 0), "off");
	cr_assert_str_eq(cell(&g, 0, 1), "1234ms");
	got_free(&g);
	finish(c);
}

Test(pgc, user_settings_kept)
{
	char *pw = password();
	char *ci = xasprintf("host=127.0.0.1 port=%s dbname=mlflowdb user=mlflow "
			     "application_name=mine options='-c work_mem=7MB'",
			     port());
	struct pgc_opts o = {.conninfo = ci, .password = pw};
	struct pgc_conn *c = pgc_conn_new(&o);
	free(ci);
	free(pw);
	struct got g;
	run_query(c,
		  "SELECT current_setting('application_name'), current_setting('work_mem'), "
		  "current_setting('default_transaction_read_only')",
		  NULL, 0, &g, 5000);
	cr_assert_eq(g.code, MLC_OK, "%s", g.msg);
	cr_assert_str_eq(cell(&g, 0, 0), "mine");
	cr_assert_str_eq(cell(&g, 0, 1), "7MB");
	cr_assert_str_eq(cell(&g, 0, 2), "on");
	got_free(&g);
	finish(c);
}

Test(pgc, wrong_password_is_auth)
{
	const char *bad = "Wr0ng-Canary-pw-7731";
	char *ci = conninfo("mlflowdb");
	struct pgc_opts o = {.conninfo = ci, .password = bad};
	struct pgc_conn *c = pgc_conn_new(&o);
	free(ci);
	struct got g;
	run_query(c, "SELECT 1", NULL, 0, &g, 5000);
	cr_assert_eq(g.code, MLC_ERR_AUTH, "%d %s", g.code, g.msg);
	cr_assert(strstr(g.msg, "password authentication failed"), "%s", g.msg);
	cr_assert_null(strstr(g.msg, bad), "password leaked: %s", g.msg);
	char *pw = password();
	cr_assert_null(strstr(g.msg, pw));
	cr_assert_null(strstr(pgc_display(c), bad));
	free(pw);
	got_free(&g);
	finish(c);
}

Test(pgc, wrong_password_in_uri_is_auth)
{
	const char *bad = "Uri-Canary-pw-4242";
	char *ci = xasprintf("postgresql://mlflow:%s@127.0.0.1:%s/mlflowdb", bad, port());
	struct pgc_opts o = {.conninfo = ci};
	struct pgc_conn *c = pgc_conn_new(&o);
	free(ci);
	struct got g;
	run_query(c, "SELECT 1", NULL, 0, &g, 5000);
	cr_assert_eq(g.code, MLC_ERR_AUTH, "%d %s", g.code, g.msg);
	cr_assert_null(strstr(g.msg, bad), "password leaked: %s", g.msg);
	cr_assert_null(strstr(pgc_display(c), bad));
	got_free(&g);
	finish(c);
}

Test(pgc, pgpass_file_is_used)
{
	char dir[] = "/tmp/pgc-pgpass-XXXXXX";
	cr_assert(mkdtemp(dir));
	char *path = xasprintf("%s/pgpass", dir);
	char *pw = password();
	FILE *f = fopen(path, "w");
	fprintf(f, "127.0.0.1:%s:*:mlflow:%s\n", port(), pw);
	fclose(f);
	chmod(path, 0600);
	setenv("PGPASSFILE", path, 1);
	unsetenv("PGPASSWORD");
	char *ci = conninfo("mlflowdb");
	struct pgc_opts o = {.conninfo = ci};
	struct pgc_conn *c = pgc_conn_new(&o);
	cr_assert_null(pgc_conn_param(c, "password"));
	struct got g;
	run_query(c, "SELECT current_user", NULL, 0, &g, 5000);
	cr_assert_eq(g.code, MLC_OK, "%s", g.msg);
	cr_assert_str_eq(cell(&g, 0, 0), "mlflow");
	got_free(&g);
	pgc_conn_free(c);

	/* A group-readable file is ignored by libpq: authentication fails. */
	chmod(path, 0644);
	c = pgc_conn_new(&o);
	run_query(c, "SELECT 1", NULL, 0, &g, 5000);
	cr_assert_eq(g.code, MLC_ERR_AUTH, "%d %s", g.code, g.msg);
	cr_assert_null(strstr(g.msg, pw));
	got_free(&g);
	unlink(path);
	rmdir(dir);
	free(path);
	free(pw);
	free(ci);
	finish(c);
}

Test(pgc, closed_port_refused)
{
	char *ci = xasprintf("host=127.0.0.1 port=%d dbname=mlflowdb user=mlflow", closed_port());
	struct pgc_opts o = {.conninfo = ci, .password = "x-unused"};
	struct pgc_conn *c = pgc_conn_new(&o);
	free(ci);
	struct got g;
	run_query(c, "SELECT 1", NULL, 0, &g, 5000);
	cr_assert_eq(g.code, MLC_ERR_CONNECT, "%d %s", g.code, g.msg);
	cr_assert(strstr(g.msg, "refused"), "%s", g.msg);
	got_free(&g);
	finish(c);
}

Test(pgc, connect_failure_fails_every_waiting_query)
{
	char *ci = xasprintf("host=127.0.0.1 port=%d user=mlflow", closed_port());
	struct pgc_opts o = {.conninfo = ci, .password = "x-unused"};
	struct pgc_conn *c = pgc_conn_new(&o);
	free(ci);
	struct got g[3];
	memset(g, 0, sizeof g);
	for (int i = 0; i < 3; i++)
		pgc_query(c, "SELECT 1", NULL, 0, 0, on_result, &g[i]);
	cr_assert(stackenv_run_until(&g[2].done, 3000));
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(g[i].calls, 1);
		cr_assert_eq(g[i].code, MLC_ERR_CONNECT, "%s", g[i].msg);
	}
	cr_assert(g[0].seq < g[1].seq && g[1].seq < g[2].seq);
	finish(c);
}

Test(pgc, black_hole_times_out)
{
	/* Listens, never accepts: the handshake completes in the kernel and the
	 * startup packet is never answered. */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof sa;
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	cr_assert_eq(listen(fd, 1), 0);
	getsockname(fd, (struct sockaddr *)&sa, &len);
	char *ci =
	    xasprintf("host=127.0.0.1 port=%d dbname=mlflowdb user=mlflow", ntohs(sa.sin_port));
	struct pgc_opts o = {.conninfo = ci, .password = "x-unused", .connect_timeout_ms = 800};
	struct pgc_conn *c = pgc_conn_new(&o);
	free(ci);
	struct got g;
	run_query(c, "SELECT 1", NULL, 0, &g, 5000);
	cr_assert_eq(g.code, MLC_ERR_TIMEOUT, "%d %s", g.code, g.msg);
	/* the loop's own clock, at the deadline: never before the 800 ms */
	const char *after = strstr(g.msg, "connect timed out after ");
	cr_assert_not_null(after, "%s", g.msg);
	cr_assert_geq(atol(after + strlen("connect timed out after ")), 800, "%s", g.msg);
	got_free(&g);
	close(fd);
	finish(c);
}

Test(pgc, statement_timeout_ends_slow_query)
{
	struct pgc_opts o = {.statement_timeout_ms = 300};
	struct pgc_conn *c = open_db("mlflowdb", &o);
	struct got g;
	run_query(c, "SELECT 1", NULL, 0, &g, 5000); /* connect first */
	got_free(&g);
	run_query(c, "SELECT pg_sleep(5)", NULL, 0, &g, 5000);
	cr_assert_eq(g.code, MLC_ERR_PROTO, "%d %s", g.code, g.msg);
	char st[6];
	pgc_sqlstate(g.detail, st);
	cr_assert_str_eq(st, "57014", "%s", g.msg);
	cr_assert(strstr(g.msg, "statement timeout"), "%s", g.msg);
	got_free(&g);
	run_query(c, "SELECT 2", NULL, 0, &g, 5000);
	cr_assert_eq(g.code, MLC_OK, "%s", g.msg);
	got_free(&g);
	finish(c);
}

Test(pgc, client_deadline_closes_and_reconnects)
{
	struct pgc_conn *c = open_db("mlflowdb", NULL);
	struct got g;
	run_query(c, "SELECT pg_backend_pid()", NULL, 0, &g, 5000);
	cr_assert_eq(g.code, MLC_OK, "%s", g.msg);
	char *pid1 = xstrdup(cell(&g, 0, 0));
	got_free(&g);
	pgc_query(c, "SELECT pg_sleep(3)", NULL, 0, 300, on_result, &g);
	cr_assert(stackenv_run_until(&g.done, 3000), "the client deadline never came");
	cr_assert_eq(g.code, MLC_ERR_TIMEOUT, "%d %s", g.code, g.msg);
	cr_assert(strstr(g.msg, "query timed out after 300 ms"), "%s", g.msg);
	got_free(&g);
	run_query(c, "SELECT pg_backend_pid()", NULL, 0, &g, 5000);
	cr_assert_eq(g.code, MLC_OK, "%s", g.msg);
	cr_assert_str_neq(cell(&g, 0, 0), pid1, "expected a new session");
	free(pid1);
	got_free(&g);
	finish(c);
}

Test(pgc, host_name_resolves)
{
	char *pw = password();
	char *ci = xasprintf("host=localhost port=%s dbname=mlflowdb user=mlflow", port());
	struct pgc_opts o = {.conninfo = ci, .password = pw};
	struct pgc_conn *c = pgc_conn_new(&o);
	free(ci);
	free(pw);
	struct got g;
	run_query(c, "SELECT 1", NULL, 0, &g, 5000);
	cr_assert_eq(g.code, MLC_OK, "%s", g.msg);
	cr_assert_str_eq(pgc_conn_param(c, "host"), "localhost");
	const char *addr = pgc_conn_param(c, "hostaddr");
	cr_assert(addr && (strcmp(addr, "127.0.0.1") == 0 || strcmp(addr, "::1") == 0), "%s",
		  addr ? addr : "(null)");
	got_free(&g);
	finish(c);
}

Test(pgc, unknown_host_is_dns_error)
{
	/* A 70-byte label: glibc refuses it before asking any DNS server, so the
	 * test sends nothing off the machine (.invalid alone would be queried). */
	struct pgc_opts o = {
	    .conninfo =
		"host=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx."
		"invalid dbname=x user=mlflow",
	    .password = "x-unused"};
	struct pgc_conn *c = pgc_conn_new(&o);
	struct got g;
	run_query(c, "SELECT 1", NULL, 0, &g, 8000);
	cr_assert_eq(g.code, MLC_ERR_DNS, "%d %s", g.code, g.msg);
	cr_assert(
	    strstr(
		g.msg,
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.invalid"),
	    "%s", g.msg);
	got_free(&g);
	pgc_conn_free(c);

	/* A host that does not resolve is left out of a list. */
	char *pw = password();
	char *ci =
	    xasprintf("host=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx."
		      "invalid,127.0.0.1 port=%s dbname=mlflowdb "
		      "user=mlflow",
		      port());
	o.conninfo = ci;
	o.password = pw;
	c = pgc_conn_new(&o);
	free(ci);
	free(pw);
	run_query(c, "SELECT 1", NULL, 0, &g, 8000);
	cr_assert_eq(g.code, MLC_OK, "%d %s", g.code, g.msg);
	cr_assert_str_eq(pgc_conn_param(c, "host"), "127.0.0.1");
	got_free(&g);
	finish(c);
}

Test(pgc, second_host_after_refused_first)
{
	/* libpq closes the refused socket and opens another (often under the
	 * same number): pgc must watch the new one. */
	char *pw = password();
	char *ci = xasprintf("host=127.0.0.1,localhost port=%d,%s dbname=mlflowdb user=mlflow",
			     closed_port(), port());
	struct pgc_opts o = {.conninfo = ci, .password = pw};
	struct pgc_conn *c = pgc_conn_new(&o);
	free(ci);
	free(pw);
	log_open("", 64);
	struct got g;
	run_query(c, "SELECT inet_server_port()", NULL, 0, &g, 5000);
	cr_assert_eq(g.code, MLC_OK, "%s", g.msg);
	cr_assert_str_eq(cell(&g, 0, 0), port());
	bool moved = false;
	for (int i = 0; i < log_count(); i++)
		moved = moved || strstr(log_get(i)->text, "libpq moved from socket");
	/* On Linux the refusal arrives after connect() returned EINPROGRESS, so
	 * pgc sees both sockets; a kernel that refuses at once would not. */
	if (!moved)
		cr_log_warn("the socket change was not observed");
	got_free(&g);
	log_close();
	finish(c);
}

Test(pgc, queue_runs_in_order)
{
	struct pgc_conn *c = open_db("mlflowdb", NULL);
	struct got g[3];
	memset(g, 0, sizeof g);
	const char *sql[] = {"SELECT 1, pg_sleep(0.05)", "SELECT 2", "SELECT 3"};
	for (int i = 0; i < 3; i++)
		pgc_query(c, sql[i], NULL, 0, 0, on_result, &g[i]);
	cr_assert(stackenv_run_until(&g[2].done, 5000));
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(g[i].calls, 1);
		cr_assert_eq(g[i].code, MLC_OK, "%s", g[i].msg);
		char want[4];
		snprintf(want, sizeof want, "%d", i + 1);
		cr_assert_str_eq(cell(&g[i], 0, 0), want);
		if (i)
			cr_assert_lt(g[i - 1].seq, g[i].seq);
	}
	for (int i = 0; i < 3; i++)
		got_free(&g[i]);
	finish(c);
}

Test(pgc, free_with_query_pending_calls_nothing)
{
	/* While connecting. */
	struct pgc_conn *c = open_db("mlflowdb", NULL);
	struct got g = {0}, g2 = {0};
	pgc_query(c, "SELECT 1", NULL, 0, 0, on_result, &g);
	pgc_query(c, "SELECT 2", NULL, 0, 0, on_result, &g2);
	pgc_conn_free(c);
	cr_assert(drain(3000));
	cr_assert_eq(g.calls + g2.calls, 0);

	/* While the host name is being resolved. */
	char *pw = password();
	char *ci = xasprintf("host=localhost port=%s dbname=mlflowdb user=mlflow", port());
	struct pgc_opts o = {.conninfo = ci, .password = pw};
	c = pgc_conn_new(&o);
	free(ci);
	free(pw);
	pgc_query(c, "SELECT 1", NULL, 0, 0, on_result, &g);
	uv_run(loop_get(), UV_RUN_NOWAIT); /* the kick: loop_resolve starts */
	pgc_conn_free(c);
	cr_assert(drain(3000));
	cr_assert_eq(g.calls, 0);

	/* While the query runs on the server (the server shows it running);
	 * then, once the server has finished it (gone from its activity), no
	 * callback came for it or for the one queued behind it. */
	struct pgc_conn *watcher = open_db("mlflowdb", NULL);
	c = open_db("mlflowdb", NULL);
	run_query(c, "SELECT 1", NULL, 0, &g, 5000);
	got_free(&g);
	pgc_query(c, "SELECT pg_sleep(2) -- free-while-running", NULL, 0, 0, on_result, &g);
	pgc_query(c, "SELECT 2", NULL, 0, 0, on_result, &g2);
	wait_activity(watcher, "-- free-while-running", true);
	cr_assert_eq(g.calls + g2.calls, 0);
	pgc_conn_free(c);
	wait_activity(watcher, "-- free-while-running", false);
	cr_assert_eq(g.calls + g2.calls, 0);
	finish(watcher);
}

Test(pgc, cancel_queued_and_running)
{
	struct pgc_conn *c = open_db("mlflowdb", NULL);
	struct got g[4];
	memset(g, 0, sizeof g);
	struct pgc_conn *watcher = open_db("mlflowdb", NULL);
	struct pgc_query *q0 =
	    pgc_query(c, "SELECT pg_sleep(1) -- cancel-running", NULL, 0, 0, on_result, &g[0]);
	struct pgc_query *q1 = pgc_query(c, "SELECT 1", NULL, 0, 0, on_result, &g[1]);
	pgc_query(c, "SELECT 2", NULL, 0, 0, on_result, &g[2]);
	pgc_query_cancel(q1);
	wait_activity(watcher, "-- cancel-running", true); /* q0 is on the server */
	cr_assert_eq(g[0].calls, 0);
	pgc_query_cancel(q0);
	pgc_conn_free(watcher);
	cr_assert(stackenv_run_until(&g[2].done, 5000));
	cr_assert_eq(g[0].calls + g[1].calls, 0);
	cr_assert_eq(g[2].code, MLC_OK, "%s", g[2].msg);
	cr_assert_str_eq(cell(&g[2], 0, 0), "2");
	got_free(&g[2]);
	finish(c);
}

Test(pgc, terminated_session_fails_then_reconnects)
{
	struct pgc_conn *c = open_db("mlflowdb", NULL);
	struct got g;
	run_query(c, "SELECT pg_terminate_backend(pg_backend_pid())", NULL, 0, &g, 5000);
	cr_assert_eq(g.code, MLC_ERR_CONNECT, "%d %s", g.code, g.msg);
	cr_assert(strstr(g.msg, "terminating connection"), "%s", g.msg);
	got_free(&g);
	run_query(c, "SELECT 1", NULL, 0, &g, 5000);
	cr_assert_eq(g.code, MLC_OK, "%s", g.msg);
	got_free(&g);
	finish(c);
}

Test(pgc, session_killed_while_idle)
{
	struct pgc_conn *a = open_db("mlflowdb", NULL);
	struct pgc_conn *b = open_db("mlflowdb", NULL);
	struct got g;
	run_query(a, "SELECT pg_backend_pid()", NULL, 0, &g, 5000);
	cr_assert_eq(g.code, MLC_OK, "%s", g.msg);
	const char *p[] = {cell(&g, 0, 0)};
	struct got k;
	run_query(b, "SELECT pg_terminate_backend($1::int)", p, 1, &k, 5000);
	cr_assert_eq(k.code, MLC_OK, "%s", k.msg);
	cr_assert_str_eq(cell(&k, 0, 0), "t");
	got_free(&k);
	/* Whether pgc saw the close while idle or only on this query, the
	 * next query after at most one failure succeeds. */
	struct got q;
	run_query(a, "SELECT pg_backend_pid()", NULL, 0, &q, 5000);
	if (q.code != MLC_OK) {
		cr_assert_eq(q.code, MLC_ERR_CONNECT, "%d %s", q.code, q.msg);
		got_free(&q);
		run_query(a, "SELECT pg_backend_pid()", NULL, 0, &q, 5000);
	}
	cr_assert_eq(q.code, MLC_OK, "%s", q.msg);
	cr_assert_str_neq(cell(&q, 0, 0), cell(&g, 0, 0));
	got_free(&q);
	got_free(&g);
	pgc_conn_free(b);
	finish(a);
}

Test(pgc, loopback_latency)
{
	struct pgc_conn *c = open_db("mlflowdb", NULL);
	struct got g;
	int64_t t0 = mono_ms();
	run_query(c, "SELECT 1", NULL, 0, &g, 5000);
	int64_t t1 = mono_ms();
	cr_assert_eq(g.code, MLC_OK, "%s", g.msg);
	got_free(&g);
	const int n = 50;
	for (int i = 0; i < n; i++) {
		run_query(c, "SELECT 1", NULL, 0, &g, 5000);
		cr_assert_eq(g.code, MLC_OK, "%s", g.msg);
		got_free(&g);
	}
	int64_t t2 = mono_ms();
	fprintf(stderr, "pgc loopback: connect+first query %ld ms, then %.2f ms per query\n",
		(long)(t1 - t0), (double)(t2 - t1) / n);
	finish(c);
}

Test(pgc, refused_send_keeps_connection)
{
	struct pgc_conn *c = open_db("mlflowdb", NULL);
	struct got g;
	run_query(c, "SELECT 1", NULL, 0, &g, 5000);
	got_free(&g);
	enum { N = 70000 };
	const char **p = xcalloc(N, sizeof *p);
	run_query(c, "SELECT 1", p, N, &g, 5000);
	free(p);
	cr_assert_eq(g.code, MLC_ERR_PROTO, "%d %s", g.code, g.msg);
	cr_assert(strstr(g.msg, "65535"), "%s", g.msg);
	got_free(&g);
	run_query(c, "SELECT 'still here'", NULL, 0, &g, 5000);
	cr_assert_eq(g.code, MLC_OK, "%s", g.msg);
	cr_assert_str_eq(cell(&g, 0, 0), "still here");
	got_free(&g);
	finish(c);
}

struct multi_got {
	volatile bool done;
	int calls, n, code;
	char sqlstate[6];
	char cells[3][32];
};

static void on_multi(const struct pgc_result *rs, int n, const struct mlc_err *err, void *arg)
{
	struct multi_got *m = arg;
	m->done = true;
	m->calls++;
	m->n = n;
	if (err) {
		m->code = err->code;
		pgc_sqlstate(err->detail, m->sqlstate);
		return;
	}
	for (int i = 0; i < n && i < 3; i++) {
		const char *v = rs[i].nrows ? rs[i].value(&rs[i], 0, rs[i].ncols - 1) : NULL;
		snprintf(m->cells[i], sizeof m->cells[i], "%s", v ? v : "(null)");
	}
}

/* Several statements in one simple query: each result in order, once; an
 * error in the middle fails the whole with its SQLSTATE, once. */
Test(pgc, multi_statement_query)
{
	struct pgc_conn *c = open_db("mlflowdb", NULL);
	cr_assert_eq(pgc_server_version_num(c), 0, "not connected yet");
	struct multi_got m = {0};
	pgc_query_multi(c, "SELECT 1; SELECT 'x', 'two';\nSELECT NULL::int", 0, on_multi, &m);
	cr_assert(stackenv_run_until(&m.done, 5000));
	cr_assert_eq(m.calls, 1);
	cr_assert_eq(m.code, MLC_OK);
	cr_assert_eq(m.n, 3);
	cr_assert_str_eq(m.cells[0], "1");
	cr_assert_str_eq(m.cells[1], "two");
	cr_assert_str_eq(m.cells[2], "(null)");
	cr_assert_geq(pgc_server_version_num(c), 150000);
	memset(&m, 0, sizeof m);
	pgc_query_multi(c, "SELECT 1; SELECT 1/0; SELECT 3", 0, on_multi, &m);
	cr_assert(stackenv_run_until(&m.done, 5000));
	cr_assert(drain(3000));
	cr_assert_eq(m.calls, 1);
	cr_assert_eq(m.code, MLC_ERR_PROTO);
	cr_assert_str_eq(m.sqlstate, "22012");
	/* the connection is still good for the next */
	struct got g;
	run_query(c, "SELECT 2", NULL, 0, &g, 5000);
	cr_assert_eq(g.code, MLC_OK, "%s", g.msg);
	got_free(&g);
	finish(c);
}
