/* lib/health/check_pg.c — `check` for a [postgres] target: connect, the
 * expected databases, and the expected extensions looked up in the
 * databases they are expected in ("DB:EXT" in DB; a bare "EXT" in every
 * listed database, or the conninfo's when none is listed), one connection
 * per database, all on the loop. Never draws. */
#include <stdlib.h>
#include <string.h>

#include "lib/core/util.h"
#include "lib/health/check.h"
#include "lib/health/check_int.h"
#include "lib/pg/pgc.h"
#include "lib/pg/pgstat.h"

#define EXT_SQL                                                                                    \
	"SELECT d.datname, e.extname FROM pg_database d LEFT JOIN pg_extension e ON true "         \
	"WHERE d.datname = current_database()"

/* The extension lookups of one check: a database per connection. "" names
 * the conninfo's own database (no `databases` listed): the first
 * connection's, whose name the answer tells. */
struct pg_exts {
	struct pending *p;
	size_t ndb;
	char **dbs;		 /* what was asked ("" the conninfo's) */
	char **names;		 /* the database that answered, or NULL */
	char ***found;		 /* installed extensions per database, or NULL */
	char **errs;		 /* the error per database, or NULL */
	struct pgc_conn **conns; /* NULL for the check's own connection */
	struct pg_lookup *lookups;
	int outstanding;
};

struct pg_lookup {
	struct pg_exts *x;
	size_t i;
};

static void pg_finish(struct pending *p)
{
	pgc_conn_free(p->pg);
	p->pg = NULL;
	check_pending_done(p);
}

/* "vector_db:vector" → db "vector_db", extension "vector"; "vector" → db NULL. */
static const char *ext_split(const char *spec, char *db, size_t n)
{
	const char *colon = strchr(spec, ':');
	if (!colon || colon == spec || !colon[1])
		return db[0] = '\0', spec;
	snprintf(db, n, "%.*s", (int)(colon - spec), spec);
	return colon + 1;
}

static bool has_ext(const struct pg_exts *x, size_t d, const char *ext)
{
	for (char **e = x->found[d]; e && *e; e++)
		if (strcmp(*e, ext) == 0)
			return true;
	return false;
}

static size_t db_index(const struct pg_exts *x, const char *db)
{
	for (size_t i = 0; i < x->ndb; i++)
		if (strcmp(x->dbs[i], db) == 0)
			return i;
	return x->ndb;
}

/* The databases extension spec is expected in: its DB, else every listed
 * database, else the conninfo's (""). */
static size_t ext_dbs(const struct target *t, const char *spec, const char **out, size_t max)
{
	static char db[128];
	ext_split(spec, db, sizeof db);
	if (db[0]) {
		out[0] = db;
		return 1;
	}
	size_t n = 0;
	for (char **l = t->databases; l && *l && n < max; l++)
		out[n++] = *l;
	if (n == 0)
		out[n++] = "";
	return n;
}

/* The row of extension spec: where it was found, or why it was not. */
static void settle_ext(struct pg_exts *x, size_t row, const char *spec, long ms)
{
	const struct target *t = x->p->t;
	char db[128];
	const char *ext = ext_split(spec, db, sizeof db);
	const char *cand[64];
	size_t nc = ext_dbs(t, spec, cand, ARRAY_LEN(cand));
	struct buf where;
	buf_init(&where);
	const char *err = NULL, *err_db = NULL;
	for (size_t c = 0; c < nc; c++) {
		size_t d = db_index(x, cand[c]);
		const char *name = x->names[d] ? x->names[d] : x->dbs[d];
		if (x->errs[d]) {
			err = err ? err : x->errs[d];
			err_db = err_db ? err_db : name;
		} else if (has_ext(x, d, ext)) {
			check_rename(x->p->run, row, "%s: extension %s in %s", t->name, ext, name);
			check_settle(x->p->run, row, true, ms, "installed");
			buf_free(&where);
			return;
		} else {
			buf_printf(&where, "%s%s", where.len ? " or " : "", name);
		}
	}
	if (err)
		check_settle(x->p->run, row, false, ms, "%s: %s", err_db, err);
	else
		check_settle(x->p->run, row, false, ms,
			     "missing: extension %s is not installed in %s", ext,
			     where.len ? where.data : "?");
	buf_free(&where);
}

static void exts_free(struct pg_exts *x)
{
	for (size_t d = 0; d < x->ndb; d++) {
		free(x->dbs[d]);
		free(x->names[d]);
		strv_free(x->found[d]);
		free(x->errs[d]);
		pgc_conn_free(x->conns[d]);
	}
	free(x->dbs);
	free(x->names);
	free(x->found);
	free(x->errs);
	free(x->conns);
	free(x->lookups);
	free(x);
}

static void exts_done(struct pg_exts *x)
{
	struct pending *p = x->p;
	long ms = (long)(mono_ms() - p->t0);
	size_t nd = strv_len(p->t->databases);
	for (size_t i = 0; p->t->extensions && p->t->extensions[i]; i++)
		settle_ext(x, p->first + 1 + nd + i, p->t->extensions[i], ms);
	exts_free(x);
	p->priv = NULL;
	pg_finish(p);
}

static void ext_answer(const struct pgc_result *r, const struct mlc_err *err, void *arg)
{
	struct pg_lookup *l = arg;
	struct pg_exts *x = l->x;
	size_t d = l->i;
	if (err) {
		x->errs[d] = xstrdup(err->msg);
	} else {
		size_t k = 0;
		x->found[d] = xcalloc((size_t)r->nrows + 1, sizeof(char *));
		for (int row = 0; row < r->nrows; row++) {
			const char *db = r->value(r, row, 0), *ext = r->value(r, row, 1);
			if (db && !x->names[d])
				x->names[d] = xstrdup(db);
			if (ext)
				x->found[d][k++] = xstrdup(ext);
		}
	}
	if (--x->outstanding == 0)
		exts_done(x); /* frees l and closes the connections: callable from here */
}

static void add_db(struct pg_exts *x, const char *db)
{
	if (db_index(x, db) < x->ndb)
		return;
	x->dbs = xrealloc(x->dbs, (x->ndb + 1) * sizeof *x->dbs);
	x->dbs[x->ndb++] = xstrdup(db);
}

/* Starts one lookup per database that an expected extension names. */
static void exts_start(struct pending *p)
{
	struct pg_exts *x = xcalloc(1, sizeof *x);
	x->p = p;
	p->priv = x;
	for (char **e = p->t->extensions; *e; e++) {
		const char *cand[64];
		size_t nc = ext_dbs(p->t, *e, cand, ARRAY_LEN(cand));
		for (size_t c = 0; c < nc; c++)
			add_db(x, cand[c]);
	}
	x->names = xcalloc(x->ndb, sizeof *x->names);
	x->found = xcalloc(x->ndb, sizeof *x->found);
	x->errs = xcalloc(x->ndb, sizeof *x->errs);
	x->conns = xcalloc(x->ndb, sizeof *x->conns);
	x->lookups = xcalloc(x->ndb, sizeof *x->lookups);
	x->outstanding = (int)x->ndb;
	for (size_t d = 0; d < x->ndb; d++) {
		x->lookups[d] = (struct pg_lookup){x, d};
		struct pgc_conn *c = p->pg;
		if (x->dbs[d][0]) {
			char *ci = pgstat_conninfo_for_db(p->t->conninfo, x->dbs[d]);
			struct pgc_opts o = {.conninfo = ci,
					     .password = p->t->password,
					     .connect_timeout_ms = 5000,
					     .statement_timeout_ms = 5000};
			c = x->conns[d] = pgc_conn_new(&o);
			free(ci);
		}
		pgc_query(c, EXT_SQL, NULL, 0, 8000, ext_answer, &x->lookups[d]);
	}
}

/* ---- the check ------------------------------------------------------------ */

static void pg_dbs(const struct pgc_result *r, const struct mlc_err *err, void *arg)
{
	struct pending *p = arg;
	long ms = (long)(mono_ms() - p->t0);
	size_t nd = strv_len(p->t->databases);
	for (size_t i = 0; i < nd; i++) {
		const char *want = p->t->databases[i];
		bool found = false;
		for (int row = 0; r && row < r->nrows; row++) {
			const char *v = r->value(r, row, 0);
			found = found || (v && strcmp(v, want) == 0);
		}
		if (err)
			check_settle(p->run, p->first + 1 + i, false, ms, "%s", err->msg);
		else
			check_settle(p->run, p->first + 1 + i, found, ms,
				     found ? "exists" : "missing: no database %s", want);
	}
	if (strv_len(p->t->extensions) == 0) {
		pg_finish(p);
		return;
	}
	exts_start(p);
}

static void pg_connected(const struct pgc_result *r, const struct mlc_err *err, void *arg)
{
	struct pending *p = arg;
	long ms = (long)(mono_ms() - p->t0);
	if (err) {
		check_fail_all(p, ms, err->msg);
		pg_finish(p);
		return;
	}
	const char *v = r->nrows > 0 ? r->value(r, 0, 0) : NULL;
	check_settle(p->run, p->first, true, ms, "connected, server %s", v ? v : "?");
	if (strv_len(p->t->databases) == 0) {
		pg_dbs(NULL, NULL, p);
		return;
	}
	pgc_query(p->pg, "SELECT datname FROM pg_database", NULL, 0, 5000, pg_dbs, p);
}

void check_pg(struct check_run *run, const struct target *t)
{
	size_t nd = strv_len(t->databases), ne = strv_len(t->extensions);
	size_t first = check_add_row(run, "%s: connect", t->name);
	for (size_t i = 0; i < nd; i++)
		check_add_row(run, "%s: database %s", t->name, t->databases[i]);
	for (size_t i = 0; i < ne; i++) {
		char db[128];
		const char *ext = ext_split(t->extensions[i], db, sizeof db);
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
	pgc_query(p->pg, "SELECT current_setting('server_version')", NULL, 0, 8000, pg_connected,
		  p);
}
