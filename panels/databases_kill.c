/* panels/databases_kill.c — cancel / terminate a backend (a dialog naming
 * pid, user, application and the query's first line; done on a short
 * read-write connection of its own, never the polling one; the answer or
 * the server's error shown and recorded in the audit log) and :sql (a
 * read-only session with a statement timeout; the first 1,000 rows as a
 * table). A read-only transaction still lets pg_terminate_backend and
 * friends run, so :sql is a mutation too: refused under --readonly,
 * confirmed by a dialog naming server, database and statement, audited. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "databases.h"
#include "lib/core/log.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "tui/app.h"
#include "tui/glyph.h"

/* ---- cancel / terminate ------------------------------------------------- */

struct sigjob {
	struct dbsrv *s;
	int pid;
	bool terminate;
	struct pgc_conn *conn;
};

static const char *sig_fn(bool terminate)
{
	return terminate ? "pg_terminate_backend" : "pg_cancel_backend";
}

static void sig_done(bool sent, const struct mlc_err *err, void *arg)
{
	struct sigjob *j = arg;
	char req[64], res[300];
	snprintf(req, sizeof req, "SELECT %s(%d)", sig_fn(j->terminate), j->pid);
	if (err) {
		san_into(res, sizeof res, err->msg, strlen(err->msg));
		app_message(ROLE_ERR, "%s: %s failed: %s", j->s->t->name, req, res);
	} else {
		snprintf(res, sizeof res, "%s", sent ? "true" : "false");
		if (sent)
			app_message(ROLE_OK, "%s: %s pid %d: true", j->s->t->name,
				    j->terminate ? "terminated" : "cancelled the query of", j->pid);
		else
			app_message(ROLE_WARN,
				    "%s: %s returned false (pid %d gone, or not a backend)",
				    j->s->t->name, req, j->pid);
	}
	log_audit(j->s->t->name, req, res);
	pgc_conn_free(j->conn);
	db_poll_now(j->s);
	free(j);
}

static void sig_answer(void *arg, bool confirmed)
{
	struct sigjob *j = arg;
	if (!confirmed) {
		app_message(ROLE_DIM, "pid %d left alone", j->pid);
		free(j);
		return;
	}
	struct pgc_opts o = {
	    .conninfo = j->s->t->conninfo ? j->s->t->conninfo : "",
	    .password = j->s->t->password,
	    .connect_timeout_ms = j->s->timeout_ms,
	    .statement_timeout_ms = j->s->timeout_ms,
	    .read_write = true,
	};
	j->conn = pgc_conn_new(&o);
	pgstat_signal(j->conn, j->pid, j->terminate, 2 * j->s->timeout_ms, sig_done, j);
}

void db_signal_ask(struct dbsrv *s, const struct pg_backend *b, bool terminate)
{
	if (!s || !b)
		return;
	char l[5][300], first[256];
	const char *q = b->query ? b->query : "";
	size_t qlen = strcspn(q, "\n");
	char *line = xstrndup(q, qlen);
	pgstat_oneline(first, sizeof first, line);
	free(line);
	char user[128], app[128], name[128];
	san_into(user, sizeof user, b->user ? b->user : "?", b->user ? strlen(b->user) : 1);
	san_into(app, sizeof app, b->app ? b->app : "", b->app ? strlen(b->app) : 0);
	san_into(name, sizeof name, s->t->name, strlen(s->t->name));
	snprintf(l[0], sizeof l[0], "server  %s", name);
	snprintf(l[1], sizeof l[1], "pid     %d", b->pid);
	snprintf(l[2], sizeof l[2], "user    %s", user);
	snprintf(l[3], sizeof l[3], "app     %s", app[0] ? app : "-");
	snprintf(l[4], sizeof l[4], "query   %s", first[0] ? first : "-");
	struct sigjob *j = xcalloc(1, sizeof *j);
	j->s = s;
	j->pid = b->pid;
	j->terminate = terminate;
	struct dialog d = {
	    .title = terminate ? "Terminate this backend?" : "Cancel this backend's query?",
	    .lines = {l[0], l[1], l[2], l[3], l[4], "",
		      terminate
			  ? "pg_terminate_backend ends the session; its transaction rolls back."
			  : "pg_cancel_backend stops the running query; the session stays.",
		      NULL},
	    .action = terminate ? "terminate" : "cancel the query",
	    .done = sig_answer,
	    .arg = j,
	};
	app_confirm(&d);
}

/* ---- :sql --------------------------------------------------------------- */

enum { SQL_MAX_ROWS = 1000 };

struct sqlres {
	const struct target *t;
	char *db, *sql;
	struct pgc_conn *conn;
	struct pgc_query *q;
	struct pg_rows rows;
	struct column *cols;
	char **titles;
	struct mlc_err err;
	bool done;
	unsigned long gen;
};

/* "sql on mlflowdb: SELECT …" → "3 rows" / the server's error. */
static void sql_audit(const struct sqlres *R, const struct pgc_result *r, const struct mlc_err *err)
{
	char q[512], res[300];
	pgstat_oneline(q, sizeof q, R->sql);
	char *req = xasprintf("sql on %s: %s", R->db ? R->db : "(conninfo's database)", q);
	if (err)
		san_into(res, sizeof res, err->msg, strlen(err->msg));
	else
		snprintf(res, sizeof res, "%d rows", r->nrows);
	log_audit(R->t->name, req, res);
	free(req);
}

static void sql_answer(const struct pgc_result *r, const struct mlc_err *err, void *arg)
{
	struct sqlres *R = arg;
	R->q = NULL;
	R->done = true;
	sql_audit(R, r, err);
	if (err) {
		R->err = *err;
	} else {
		pgstat_rows_copy(r, SQL_MAX_ROWS, &R->rows);
		int n = R->rows.ncols;
		R->cols = xcalloc((size_t)n + 1, sizeof *R->cols);
		R->titles = xcalloc((size_t)n + 1, sizeof *R->titles);
		for (int c = 0; c < n; c++) {
			R->titles[c] = san_str(R->rows.colnames[c]);
			R->cols[c] =
			    (struct column){R->titles[c],   4,	  c + 1 == n ? 0 : 40, ALIGN_LEFT,
					    c == 0 ? 0 : 1, false};
		}
	}
	pgc_conn_free(R->conn);
	R->conn = NULL;
	R->gen++;
	app_dirty_now();
}

/* Runs the confirmed statement: a session of its own on db. */
static void sql_start(struct panel *p, int i, const char *db, const char *sql)
{
	struct dbsrv *s = &dbp_of(p)->srv[i];
	struct sqlres *R = xcalloc(1, sizeof *R);
	R->t = s->t;
	R->db = db ? xstrdup(db) : NULL;
	R->sql = xstrdup(sql);
	char *ci = db ? pgstat_conninfo_for_db(s->t->conninfo, db)
		      : xstrdup(s->t->conninfo ? s->t->conninfo : "");
	struct pgc_opts o = {
	    .conninfo = ci,
	    .password = s->t->password,
	    .connect_timeout_ms = s->timeout_ms,
	    .statement_timeout_ms = 10000,
	};
	R->conn = pgc_conn_new(&o);
	free(ci);
	R->q = pgc_query(R->conn, sql, NULL, 0, 0, sql_answer, R);
	if (!view_push(p, &db_sql_view, R)) {
		pgc_conn_free(R->conn);
		free(R->db);
		free(R->sql);
		free(R);
	}
}

struct sqlask {
	struct panel *p;
	int i;
	char *db, *sql;
};

static void sql_confirmed(void *arg, bool yes)
{
	struct sqlask *a = arg;
	if (yes)
		sql_start(a->p, a->i, a->db, a->sql);
	else
		app_message(ROLE_DIM, ":sql not run");
	free(a->db);
	free(a->sql);
	free(a);
}

int db_run_sql(struct panel *p, int i, const char *db, const char *sql)
{
	struct dbp *P = dbp_of(p);
	if (i < 0 || i >= P->nsrv)
		return -1;
	if (app_readonly()) {
		/* a read-only transaction still runs pg_terminate_backend */
		app_message(ROLE_ERR,
			    "read-only mode: sql is disabled (--readonly or readonly = true)");
		return -1;
	}
	if (!sql || !*sql) {
		app_message(ROLE_ERR, "usage: sql SELECT ...");
		return -1;
	}
	if (!pgstat_sql_is_read(sql)) {
		app_message(ROLE_ERR,
			    ":sql runs one reading statement (SELECT, WITH, VALUES, TABLE, "
			    "SHOW, EXPLAIN) in a read-only transaction");
		return -1;
	}
	char name[128], dbn[128] = "(the conninfo's)", q[256];
	san_into(name, sizeof name, P->srv[i].t->name, strlen(P->srv[i].t->name));
	if (db)
		san_into(dbn, sizeof dbn, db, strlen(db));
	pgstat_oneline(q, sizeof q, sql);
	char srv[160], dbl[160], ql[300];
	snprintf(srv, sizeof srv, "server    %s", name);
	snprintf(dbl, sizeof dbl, "database  %s", dbn);
	snprintf(ql, sizeof ql, "sql       %.255s", q);
	struct sqlask *a = xcalloc(1, sizeof *a);
	*a = (struct sqlask){p, i, db ? xstrdup(db) : NULL, xstrdup(sql)};
	struct dialog d = {
	    .title = "Run this statement?",
	    .lines = {srv, dbl, ql, "",
		      "It runs in a read-only transaction with a 10 s statement timeout;",
		      "functions such as pg_terminate_backend still act.", NULL},
	    .action = "run it",
	    .done = sql_confirmed,
	    .arg = a,
	};
	app_confirm(&d);
	return 0;
}

static const struct column sql_none[1] = {{"RESULT", 6, 0, ALIGN_LEFT, 0, false}};

static const struct column *sql_columns(struct view *v, int *n)
{
	struct sqlres *R = v->priv;
	if (!R->cols || R->rows.ncols == 0) {
		*n = 1;
		return sql_none;
	}
	*n = R->rows.ncols;
	return R->cols;
}

static int sql_nrows(struct view *v)
{
	struct sqlres *R = v->priv;
	return R->rows.ncols ? R->rows.nrows : 0;
}

static unsigned long sql_generation(struct view *v)
{
	return ((struct sqlres *)v->priv)->gen;
}

static void sql_cell(struct view *v, int row, int col, struct cell *out)
{
	struct sqlres *R = v->priv;
	const char *x = R->rows.cells[row * R->rows.ncols + col];
	out->role = x ? ROLE_NORMAL : ROLE_DIM;
	pgstat_oneline(out->text, sizeof out->text, x ? x : "NULL");
}

static void sql_title(struct view *v, char *out, size_t n)
{
	struct sqlres *R = v->priv;
	char q[160], d[64] = "";
	pgstat_oneline(q, sizeof q, R->sql);
	size_t cut = san_fit(q, 40, NULL);
	if (R->db)
		san_into(d, sizeof d, R->db, strlen(R->db));
	snprintf(out, n, "%s%s%.*s%s", d, d[0] ? ": " : "", (int)cut, q,
		 q[cut] ? glyph(G_ELLIPSIS) : "");
}

static void sql_empty(struct view *v, char *out, size_t n)
{
	struct sqlres *R = v->priv;
	if (R->err.code != MLC_OK)
		san_into(out, n, R->err.msg, strlen(R->err.msg));
	else if (!R->done)
		snprintf(out, n, "running...");
	else
		snprintf(out, n, "no rows");
}

static void sql_status(struct view *v, char *out, size_t n)
{
	struct sqlres *R = v->priv;
	if (R->rows.cut)
		snprintf(out, n, "first %d rows (cut)", SQL_MAX_ROWS);
	else if (n)
		out[0] = 0;
}

static void sql_copy(struct view *v, int row, char *out, size_t n)
{
	struct sqlres *R = v->priv;
	const char *x = R->rows.cells[row * R->rows.ncols];
	pgstat_oneline(out, n, x ? x : "");
}

static void sql_close(struct view *v)
{
	struct sqlres *R = v->priv;
	pgc_query_cancel(R->q);
	pgc_conn_free(R->conn);
	for (int c = 0; R->titles && c < R->rows.ncols; c++)
		free(R->titles[c]);
	free(R->titles);
	free(R->cols);
	pgstat_rows_free(&R->rows);
	free(R->db);
	free(R->sql);
	free(R);
}

static const struct view_action sql_actions[] = {
    {"filter", "/", "filter", NULL, 0, NULL},
    {"sort", "s", "sort", NULL, 0, NULL},
    {"copy", "y", "copy", NULL, 0, NULL},
};

const struct view_ops db_sql_view = {
    .name = "sql",
    .title = sql_title,
    .columns = sql_columns,
    .nrows = sql_nrows,
    .cell = sql_cell,
    .generation = sql_generation,
    .empty_text = sql_empty,
    .copy_text = sql_copy,
    .status = sql_status,
    .close = sql_close,
    .actions = sql_actions,
    .nactions = ARRAY_LEN(sql_actions),
};
