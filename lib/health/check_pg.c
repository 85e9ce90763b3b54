/* lib/health/check_pg.c — `check` for a [postgres] target: connect, then
 * the expected databases and extensions read and judged by lib/pg/pgexpect
 * (the server's databases from PGQ_DATABASES, the extensions of
 * every database one is expected in, one connection per database, all on
 * the loop): the same code and queries the Databases panel shows. Never
 * draws. */
#include <stdlib.h>
#include <string.h>

#include "lib/core/util.h"
#include "lib/health/check.h"
#include "lib/health/check_int.h"
#include "lib/pg/pgc.h"
#include "lib/pg/pgexpect.h"
#include "lib/pg/pgstat.h"

/* What the check read before the extension lookup answers. */
struct pg_read {
	struct pgexpect_lookup *look;
	struct pg_db_stat *dbs;
	int ndbs;
	char *dberr;
};

static void pg_finish(struct pending *p)
{
	struct pg_read *x = p->priv;
	if (x) {
		pgstat_dbs_free(x->dbs, x->ndbs);
		free(x->dberr);
		free(x);
		p->priv = NULL;
	}
	pgc_conn_free(p->pg);
	p->pg = NULL;
	check_pending_done(p);
}

/* Settles every row after the connect one from pgexpect's verdict. */
static void pg_found(struct pgexpect_found *f, void *arg)
{
	struct pending *p = arg;
	struct pg_read *x = p->priv;
	long ms = (long)(mono_ms() - p->t0);
	struct pgexpect_row *rows;
	int n =
	    pgexpect_judge(p->t->databases, p->t->extensions, x->dbs, x->ndbs, x->dberr, f, &rows);
	for (int i = 0; i < n; i++) {
		size_t row = p->first + 1 + (size_t)i;
		if (rows[i].is_ext && rows[i].where)
			check_rename(p->run, row, "%s: extension %s in %s", p->t->name,
				     rows[i].name, rows[i].where);
		check_settle(p->run, row, rows[i].state == PGX_OK, ms, "%s", rows[i].text);
	}
	pgexpect_rows_free(rows, n);
	pgexpect_found_free(f);
	pg_finish(p);
}

static void pg_dbs(const struct pgc_result *r, const struct mlc_err *err, void *arg)
{
	struct pending *p = arg;
	struct pg_read *x = xcalloc(1, sizeof *x);
	p->priv = x;
	struct mlc_err perr;
	if (err)
		x->dberr = xstrdup(err->msg);
	else if (pgstat_parse_databases(r, &x->dbs, &x->ndbs, &perr) < 0)
		x->dberr = xstrdup(perr.msg);
	struct pgexpect_opts o = {
	    .conninfo = p->t->conninfo ? p->t->conninfo : "",
	    .password = p->t->password,
	    .databases = p->t->databases,
	    .extensions = p->t->extensions,
	    .timeout_ms = 8000,
	};
	x->look = pgexpect_lookup_start(&o, pg_found, p);
}

/* ---- the check ------------------------------------------------------------ */

static void pg_connected(const struct pgc_result *r, const struct mlc_err *err, void *arg)
{
	struct pending *p = arg;
	long ms = (long)(mono_ms() - p->t0);
	if (err) {
		check_fail_all(p, ms, err->msg);
		pg_finish(p);
		return;
	}
	struct pg_server_stat st;
	struct mlc_err perr;
	if (pgstat_parse_server(r, &st, &perr) < 0) {
		check_fail_all(p, ms, perr.msg);
		pg_finish(p);
		return;
	}
	check_settle(p->run, p->first, true, ms, "connected, server %s", st.version);
	pgc_query(p->pg, pgstat_sql(PGQ_DATABASES, st.version_num), NULL, 0, 5000, pg_dbs, p);
}

void check_pg(struct check_run *run, const struct target *t)
{
	size_t nd = strv_len(t->databases), ne = strv_len(t->extensions);
	size_t first = check_add_row(run, "%s: connect", t->name);
	for (size_t i = 0; i < nd; i++)
		check_add_row(run, "%s: database %s", t->name, t->databases[i]);
	for (size_t i = 0; i < ne; i++) {
		char db[128];
		const char *ext = pgexpect_split(t->extensions[i], db, sizeof db);
		if (db[0])
			check_add_row(run, "%s: extension %s in %s", t->name, ext, db);
		else
			check_add_row(run, "%s: extension %s", t->name, ext);
	}
	struct pending *p = check_new_pending(run, t, K_PG, first, 1 + nd + ne);
	struct pgc_opts o = {
	    .conninfo = t->conninfo ? t->conninfo : "",
	    .password = t->password,
	    .connect_timeout_ms = 5000,
	    .statement_timeout_ms = 5000,
	};
	p->pg = pgc_conn_new(&o);
	pgc_query(p->pg, PGSTAT_SQL_SERVER, NULL, 0, 8000, pg_connected, p);
}
