/* tests/unit/test_pgc.c — the parts of lib/pg/pgc.c that need no server:
 * conninfo parsing and what pgc adds to it, the display string, service
 * files and environment defaults, SQLSTATE packing, configuration errors
 * reported from the loop, and passwords kept out of every text. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/core/loop.h"
#include "lib/pg/pgc.h"
#include "lib/core/util.h"

static void clean_env(void)
{
	static const char *const vars[] = {"PGHOST",	    "PGHOSTADDR", "PGPORT",
					   "PGDATABASE",    "PGUSER",	  "PGSERVICE",
					   "PGSERVICEFILE", "PGOPTIONS",  "PGAPPNAME",
					   "PGGSSENCMODE",  "PGPASSWORD", "PGSYSCONFDIR"};
	for (size_t i = 0; i < ARRAY_LEN(vars); i++)
		unsetenv(vars[i]);
	setenv("PGSYSCONFDIR", "/nonexistent-pgc-test", 1);
	setenv("HOME", "/nonexistent-pgc-test", 1);
}

TestSuite(pgc, .init = clean_env);

static struct pgc_conn *conn(const char *ci)
{
	struct pgc_opts o = {.conninfo = ci};
	return pgc_conn_new(&o);
}

static void done(struct pgc_conn *c)
{
	pgc_conn_free(c);
	uv_run(loop_get(), UV_RUN_NOWAIT);
	cr_assert_eq(loop_busy(), 0);
	loop_shutdown();
}

Test(pgc, display_key_value)
{
	struct pgc_conn *c =
	    conn("host=db.example port=6543 dbname=mlflowdb user=mlflow password=hunter2-canary");
	cr_assert_eq(pgc_conn_check(c, NULL), 0);
	cr_assert_str_eq(pgc_display(c), "db.example:6543/mlflowdb");
	cr_assert_str_eq(pgc_conn_param(c, "password"), "********");
	cr_assert_str_eq(pgc_conn_param(c, "host"), "db.example");
	cr_assert_str_eq(pgc_conn_param(c, "port"), "6543");
	cr_assert_str_eq(pgc_conn_param(c, "user"), "mlflow");
	cr_assert_null(pgc_conn_param(c, "hostaddr"));
	done(c);
}

Test(pgc, display_uri_hides_password)
{
	struct pgc_conn *c =
	    conn("postgresql://mlflow:s3cr3t-canary@db:5433/vector_db?sslmode=disable");
	cr_assert_eq(pgc_conn_check(c, NULL), 0);
	cr_assert_str_eq(pgc_display(c), "db:5433/vector_db");
	cr_assert_null(strstr(pgc_display(c), "s3cr3t"));
	cr_assert_str_eq(pgc_conn_param(c, "password"), "********");
	cr_assert_str_eq(pgc_conn_param(c, "sslmode"), "disable");
	done(c);
}

Test(pgc, display_defaults)
{
	struct pgc_conn *c = conn("dbname=x");
	cr_assert_str_eq(pgc_display(c), "[local]:5432/x");
	pgc_conn_free(c);
	c = conn("user=bob");
	cr_assert_str_eq(pgc_display(c), "[local]:5432/bob");
	pgc_conn_free(c);
	c = conn("host=/var/run/postgresql dbname=d");
	cr_assert_str_eq(pgc_display(c), "/var/run/postgresql:5432/d");
	pgc_conn_free(c);
	c = conn("hostaddr=10.1.2.3 dbname=d");
	cr_assert_str_eq(pgc_display(c), "10.1.2.3:5432/d");
	pgc_conn_free(c);
	c = conn("host='a\033[2Jb' dbname=d");
	cr_assert_str_eq(pgc_display(c), "a?[2Jb:5432/d");
	done(c);
}

Test(pgc, display_from_environment)
{
	setenv("PGHOST", "envhost", 1);
	setenv("PGPORT", "7777", 1);
	setenv("PGDATABASE", "envdb", 1);
	struct pgc_conn *c = conn("");
	cr_assert_str_eq(pgc_display(c), "envhost:7777/envdb");
	cr_assert_str_eq(pgc_conn_param(c, "host"), "envhost");
	pgc_conn_free(c);
	c = conn("host=given dbname=g");
	cr_assert_str_eq(pgc_display(c), "given:7777/g");
	done(c);
}

Test(pgc, service_file_host)
{
	char path[] = "/tmp/pgc-service-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	const char *text = "# test\n[other]\nhost=wrong\n\n[mlf]\nhost = svc.example\nport=6000\n"
			   "dbname=svcdb\noptions=-c work_mem=5MB\n";
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	setenv("PGSERVICEFILE", path, 1);
	setenv("PGHOST", "envhost", 1); /* the service file wins over the environment */
	struct pgc_conn *c = conn("service=mlf");
	cr_assert_str_eq(pgc_display(c), "svc.example:6000/svcdb");
	cr_assert_str_eq(pgc_conn_param(c, "host"), "svc.example");
	cr_assert_str_eq(
	    pgc_conn_param(c, "options"),
	    "-c work_mem=5MB -c statement_timeout=5000 -c default_transaction_read_only=on");
	pgc_conn_free(c);
	setenv("PGSERVICE", "mlf", 1);
	c = conn("dbname=explicit");
	cr_assert_str_eq(pgc_display(c), "svc.example:6000/explicit");
	unlink(path);
	done(c);
}

Test(pgc, session_settings_added)
{
	struct pgc_conn *c = conn("host=h dbname=d");
	cr_assert_str_eq(pgc_conn_param(c, "options"),
			 "-c statement_timeout=5000 -c default_transaction_read_only=on");
	cr_assert_str_eq(pgc_conn_param(c, "fallback_application_name"), "mlconsole");
	cr_assert_null(pgc_conn_param(c, "application_name"));
	cr_assert_str_eq(pgc_conn_param(c, "keepalives"), "1");
	cr_assert_str_eq(pgc_conn_param(c, "gssencmode"), "disable");
	cr_assert_null(pgc_conn_param(c, "password"));
	pgc_conn_free(c);

	struct pgc_opts o = {.conninfo = "host=h options='-c work_mem=64MB' application_name=mine "
					 "keepalives=0 gssencmode=prefer",
			     .statement_timeout_ms = 300,
			     .read_write = true};
	c = pgc_conn_new(&o);
	cr_assert_str_eq(pgc_conn_param(c, "options"), "-c work_mem=64MB -c statement_timeout=300");
	cr_assert_str_eq(pgc_conn_param(c, "application_name"), "mine");
	cr_assert_null(pgc_conn_param(c, "fallback_application_name"));
	cr_assert_str_eq(pgc_conn_param(c, "keepalives"), "0");
	cr_assert_str_eq(pgc_conn_param(c, "gssencmode"), "prefer");
	done(c);
}

Test(pgc, environment_options_merged)
{
	setenv("PGOPTIONS", "-c search_path=x", 1);
	setenv("PGAPPNAME", "fromenv", 1);
	struct pgc_conn *c = conn("host=h");
	cr_assert_str_eq(
	    pgc_conn_param(c, "options"),
	    "-c search_path=x -c statement_timeout=5000 -c default_transaction_read_only=on");
	cr_assert_null(pgc_conn_param(c, "fallback_application_name"));
	done(c);
}

Test(pgc, opts_password_overrides)
{
	struct pgc_opts o = {.conninfo = "host=h user=u password=inline-canary",
			     .password = "opts-canary-pw"};
	struct pgc_conn *c = pgc_conn_new(&o);
	cr_assert_str_eq(pgc_conn_param(c, "password"), "********");
	cr_assert_null(strstr(pgc_display(c), "canary"));
	done(c);
}

Test(pgc, numeric_and_socket_hosts_need_no_dns)
{
	struct pgc_conn *c = conn("host=127.0.0.1,/tmp,::1 port=1,2,3");
	cr_assert_str_eq(pgc_display(c), "127.0.0.1,/tmp,::1:1,2,3/");
	done(c);
}

struct got {
	volatile bool done;
	int calls;
	int code;
	char msg[256];
};

static void on_result(const struct pgc_result *r, const struct mlc_err *err, void *arg)
{
	struct got *g = arg;
	g->calls++;
	g->done = true;
	g->code = err ? err->code : MLC_OK;
	if (err)
		strlcpy_m(g->msg, err->msg, sizeof g->msg);
}

static void run_until(volatile bool *flag, long ms)
{
	int64_t end = mono_ms() + ms;
	while (!*flag && mono_ms() < end)
		uv_run(loop_get(), UV_RUN_ONCE);
}

/* A conninfo libpq refuses: CONFIG from pgc_conn_check, and from the loop
 * (never inside pgc_query) for every query; no password in any text. */
static void check_config_error(const char *ci, const char *secret, const char *want)
{
	struct pgc_conn *c = conn(ci);
	struct mlc_err e;
	cr_assert_eq(pgc_conn_check(c, &e), -MLC_ERR_CONFIG, "%s accepted", ci);
	cr_assert_eq(e.code, MLC_ERR_CONFIG);
	cr_assert_null(strstr(e.msg, secret), "password in \"%s\"", e.msg);
	cr_assert_null(strstr(pgc_display(c), secret));
	if (want)
		cr_assert(strstr(e.msg, want), "\"%s\" lacks \"%s\"", e.msg, want);
	struct got g[2] = {0};
	pgc_query(c, "SELECT 1", NULL, 0, 0, on_result, &g[0]);
	pgc_query(c, "SELECT 2", NULL, 0, 0, on_result, &g[1]);
	cr_assert_eq(g[0].calls, 0, "callback inside pgc_query");
	cr_assert_eq(loop_busy(), 3); /* two queries and the deferred kick */
	run_until(&g[1].done, 1000);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(g[i].calls, 1);
		cr_assert_eq(g[i].code, MLC_ERR_CONFIG);
		cr_assert_null(strstr(g[i].msg, secret));
	}
	cr_assert_eq(loop_busy(), 0);
	pgc_conn_free(c);
}

Test(pgc, config_errors_hide_password)
{
	check_config_error("host=x password=hunter2-canary bogus", "hunter2", "bogus");
	check_config_error("host=x password='hunter2-canary", "hunter2", "unterminated");
	check_config_error("host=x nosuchoption=1 password=hunter2-canary", "hunter2",
			   "nosuchoption");
	/* libpq echoes the offending percent token, or the whole URI. */
	check_config_error("postgresql://u:pa%zzhunter2@h/db", "hunter2", "percent");
	check_config_error("postgresql://u:hunter2-canary@[::1/db", "hunter2", "]");
	check_config_error("postgresql://u@h/db?password=hunter2-canary&bogus=1", "hunter2",
			   "bogus");
	/* The message is cut at 255 bytes: no prefix of the password may be
	 * left at the cut. */
	for (int pad = 90; pad < 140; pad += 3) {
		char *uri = xasprintf("postgresql://%0*d:hunter2-canary-pw@[::1/db", pad, 7);
		check_config_error(uri, "hunt", NULL);
		struct pgc_conn *c = conn(uri);
		struct mlc_err e;
		pgc_conn_check(c, &e);
		cr_assert_null(strstr(e.msg, "7:h"), "\"%s\"", e.msg);
		pgc_conn_free(c);
		free(uri);
	}
	loop_shutdown();
}

/* Issue 8 item 21: an ESC in a server or libpq text shows as \e, as every
 * other path shows it, not as a space; line breaks still fold. */
Test(pgc, error_text_escapes_esc_like_every_path)
{
	struct pgc_conn *c = conn("host=x \x1b[2Jbogus\nmore");
	struct mlc_err e;
	cr_assert_lt(pgc_conn_check(c, &e), 0);
	cr_assert_null(strchr(e.msg, '\x1b'), "%s", e.msg);
	cr_assert_not_null(strstr(e.msg, "\\e[2Jbogus"), "%s", e.msg);
	cr_assert_null(strchr(e.msg, '\n'), "%s", e.msg);
	pgc_conn_free(c);
	loop_shutdown();
}

Test(pgc, mistyped_uri_password_kept_out_of_display)
{
	/* An unescaped '/' ends the authority early: libpq takes "hunter2" for
	 * the port and the rest for the database name. */
	struct pgc_conn *c = conn("postgresql://u:hunter2/canary@h/db");
	cr_assert_null(strstr(pgc_display(c), "hunter2"), "%s", pgc_display(c));
	cr_assert_null(strstr(pgc_display(c), "canary"), "%s", pgc_display(c));
	done(c);
}

Test(pgc, unix_socket_missing_is_connect_error)
{
	struct pgc_opts o = {.conninfo = "host=/nonexistent-pgc-dir port=5999 user=u dbname=d",
			     .password = "sockpw-canary"};
	struct pgc_conn *c = pgc_conn_new(&o);
	struct got g = {0};
	pgc_query(c, "SELECT 1", NULL, 0, 0, on_result, &g);
	cr_assert_eq(g.calls, 0);
	run_until(&g.done, 2000);
	cr_assert_eq(g.calls, 1);
	cr_assert_eq(g.code, MLC_ERR_CONNECT, "%d %s", g.code, g.msg);
	cr_assert(strstr(g.msg, "/nonexistent-pgc-dir"), "%s", g.msg);
	cr_assert_null(strstr(g.msg, "sockpw"));
	done(c);
}

Test(pgc, cancel_and_free_call_nothing)
{
	struct pgc_conn *c = conn("host=/nonexistent-pgc-dir");
	struct got g[3] = {0};
	struct pgc_query *q0 = pgc_query(c, "SELECT 1", NULL, 0, 0, on_result, &g[0]);
	pgc_query(c, "SELECT 2", NULL, 0, 0, on_result, &g[1]);
	pgc_query_cancel(q0);
	pgc_query_cancel(NULL);
	run_until(&g[1].done, 2000);
	cr_assert_eq(g[0].calls, 0);
	cr_assert_eq(g[1].calls, 1);
	pgc_query(c, "SELECT 3", NULL, 0, 0, on_result, &g[2]);
	pgc_conn_free(c);
	uv_run(loop_get(), UV_RUN_NOWAIT);
	cr_assert_eq(g[2].calls, 0);
	cr_assert_eq(loop_busy(), 0);
	loop_shutdown();
}

Test(pgc, sqlstate_unpack)
{
	/* PostgreSQL's MAKE_SQLSTATE: six bits a character, first lowest. */
	const char *s = "42P01";
	long packed = 0;
	for (int i = 0; i < 5; i++)
		packed |= (long)((s[i] - '0') & 0x3f) << (6 * i);
	char out[6];
	pgc_sqlstate(packed, out);
	cr_assert_str_eq(out, "42P01");
	pgc_sqlstate(0, out);
	cr_assert_str_eq(out, "");
	pgc_sqlstate(-5, out);
	cr_assert_str_eq(out, "");
	pgc_sqlstate(503, out); /* not a valid packing */
	cr_assert_str_eq(out, "");
}

Test(pgc, null_connection_is_harmless)
{
	cr_assert_null(pgc_query(NULL, "SELECT 1", NULL, 0, 0, on_result, NULL));
	cr_assert_str_eq(pgc_display(NULL), "");
	cr_assert_str_eq(pgc_server_version(NULL), "");
	pgc_conn_free(NULL);
}
