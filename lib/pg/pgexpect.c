/* lib/pg/pgexpect.c — the expected databases and extensions of a
 * [postgres] target: the lookup (a short connection per database, all at
 * once, closed when it answers) and the pure verdict both the Databases
 * panel and `check` show. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/loop.h"
#include "lib/core/util.h"
#include "lib/pg/pgexpect.h"

const char *pgexpect_split(const char *spec, char *db, size_t n)
{
	const char *colon = strchr(spec, ':');
	if (!colon || colon == spec || !colon[1]) {
		if (n)
			db[0] = '\0';
		return spec;
	}
	snprintf(db, n, "%.*s", (int)(colon - spec), spec);
	return colon + 1;
}

/* The databases spec is expected in, into out (max entries; names point
 * into spec's copy in buf or into databases): its DB, else every listed
 * database, else the conninfo's own (""). */
static size_t ext_dbs(char *const *databases, const char *spec, const char **out, size_t max,
		      char *buf, size_t bufn)
{
	pgexpect_split(spec, buf, bufn);
	if (buf[0]) {
		out[0] = buf;
		return 1;
	}
	size_t n = 0;
	for (char *const *l = databases; l && *l && n < max; l++)
		out[n++] = *l;
	if (n == 0)
		out[n++] = "";
	return n;
}

/* ---- the lookup --------------------------------------------------------- */

struct pgexpect_lookup;
struct one {
	struct pgexpect_lookup *l;
	int i;
	struct pgc_conn *conn;
};

struct pgexpect_lookup {
	struct pgexpect_found *f;
	struct one *q;
	int outstanding;
	struct loop_defer *defer; /* nothing to read: done from the loop */
	pgexpect_cb done;
	void *arg;
};

static void add_db(struct pgexpect_found *f, const char *db)
{
	if (pgexpect_db_of(f, db))
		return;
	for (int i = 0; i < f->n; i++)
		if (strcmp(f->db[i].asked, db) == 0)
			return;
	f->db = xrealloc(f->db, (size_t)(f->n + 1) * sizeof *f->db);
	f->db[f->n++] = (struct pgexpect_db){.asked = xstrdup(db)};
}

static void lookup_finish(struct pgexpect_lookup *l)
{
	for (int i = 0; i < l->f->n; i++)
		pgc_conn_free(l->q[i].conn);
	struct pgexpect_found *f = l->f;
	pgexpect_cb done = l->done;
	void *arg = l->arg;
	free(l->q);
	free(l);
	done(f, arg);
}

static void on_ext(const struct pgc_result *r, const struct mlc_err *err, void *arg)
{
	struct one *o = arg;
	struct pgexpect_db *d = &o->l->f->db[o->i];
	struct mlc_err perr;
	if (err) {
		d->err = xstrdup(err->msg);
	} else if (pgstat_parse_extensions(r, &d->exts, &d->nexts, &perr) < 0) {
		d->err = xstrdup(perr.msg);
	} else if (r->nrows > 0 && r->ncols > 2 && r->value(r, 0, 2)) {
		d->name = xstrdup(r->value(r, 0, 2));
	}
	if (--o->l->outstanding == 0)
		lookup_finish(o->l); /* closes o->conn: allowed from its callback */
}

static void on_nothing(void *arg)
{
	struct pgexpect_lookup *l = arg;
	l->defer = NULL;
	lookup_finish(l);
}

struct pgexpect_lookup *pgexpect_lookup_start(const struct pgexpect_opts *o, pgexpect_cb done,
					      void *arg)
{
	struct pgexpect_lookup *l = xcalloc(1, sizeof *l);
	l->f = xcalloc(1, sizeof *l->f);
	l->done = done;
	l->arg = arg;
	for (char *const *e = o->extensions; e && *e; e++) {
		const char *cand[64];
		char buf[128];
		size_t nc = ext_dbs(o->databases, *e, cand, ARRAY_LEN(cand), buf, sizeof buf);
		for (size_t c = 0; c < nc; c++)
			add_db(l->f, cand[c]);
	}
	for (char *const *a = o->also; a && *a; a++)
		add_db(l->f, *a);
	l->q = xcalloc((size_t)l->f->n + 1, sizeof *l->q);
	l->outstanding = l->f->n;
	if (l->f->n == 0) {
		l->defer = loop_defer(on_nothing, l);
		return l;
	}
	long tmo = o->timeout_ms > 0 ? o->timeout_ms : 8000;
	for (int i = 0; i < l->f->n; i++) {
		const char *db = l->f->db[i].asked;
		char *ci = db[0] ? pgstat_conninfo_for_db(o->conninfo ? o->conninfo : "", db)
				 : xstrdup(o->conninfo ? o->conninfo : "");
		struct pgc_opts po = {.conninfo = ci,
				      .password = o->password,
				      .connect_timeout_ms = tmo,
				      .statement_timeout_ms = tmo,
				      .app_name = PGSTAT_CHECK_APP};
		l->q[i] = (struct one){l, i, pgc_conn_new(&po)};
		free(ci);
		pgc_query(l->q[i].conn, PGSTAT_SQL_EXTENSIONS, NULL, 0, tmo, on_ext, &l->q[i]);
	}
	return l;
}

void pgexpect_lookup_cancel(struct pgexpect_lookup *l)
{
	if (!l)
		return;
	loop_defer_cancel(l->defer);
	for (int i = 0; i < l->f->n; i++)
		pgc_conn_free(l->q[i].conn);
	pgexpect_found_free(l->f);
	free(l->q);
	free(l);
}

static void found_db_free(void *item)
{
	struct pgexpect_db *d = item;
	free(d->asked);
	free(d->name);
	pgstat_exts_free(d->exts, d->nexts);
	free(d->err);
}

void pgexpect_found_free(struct pgexpect_found *f)
{
	if (!f)
		return;
	free_items(f->db, (size_t)MLC_MAX(f->n, 0), sizeof *f->db, found_db_free);
	free(f);
}

const struct pgexpect_db *pgexpect_db_of(const struct pgexpect_found *f, const char *name)
{
	for (int i = 0; f && i < f->n; i++) {
		const struct pgexpect_db *d = &f->db[i];
		if ((d->name && strcmp(d->name, name) == 0) || strcmp(d->asked, name) == 0)
			return d;
	}
	return NULL;
}

/* ---- the verdict -------------------------------------------------------- */

static bool db_exists(const struct pg_db_stat *dbs, int ndbs, const char *name)
{
	for (int i = 0; i < ndbs; i++)
		if (strcmp(dbs[i].name, name) == 0)
			return true;
	return false;
}

static bool db_has(const struct pgexpect_db *d, const char *ext)
{
	for (int i = 0; i < d->nexts; i++)
		if (strcmp(d->exts[i].name, ext) == 0)
			return true;
	return false;
}

static void judge_db(struct pgexpect_row *r, const char *want, const struct pg_db_stat *dbs,
		     int ndbs, const char *dberr)
{
	*r = (struct pgexpect_row){.spec = xstrdup(want), .name = xstrdup(want)};
	if (!dbs && dberr) {
		r->state = PGX_UNKNOWN;
		r->text = xstrdup(dberr);
	} else if (db_exists(dbs, ndbs, want)) {
		r->text = xstrdup("exists");
	} else {
		r->state = PGX_MISSING;
		r->text = xasprintf("missing: no database %s", want);
	}
}

/* One candidate database of an extension: found (true), or what it adds
 * to the "not installed in …" list or the first error. */
static bool judge_cand(const char *cand, const char *ext, const struct pg_db_stat *dbs, int ndbs,
		       const struct pgexpect_found *f, struct buf *where, struct buf *err,
		       char **found_in)
{
	if (cand[0] && dbs && !db_exists(dbs, ndbs, cand)) {
		buf_printf(where, "%s%s (no such database)", where->len ? " or " : "", cand);
		return false;
	}
	const struct pgexpect_db *d = pgexpect_db_of(f, cand);
	const char *name = d && d->name ? d->name : cand;
	if (!d || d->err) {
		if (!err->len)
			buf_printf(err, "%s: %s", name[0] ? name : "?",
				   d ? d->err : "not read yet");
	} else if (db_has(d, ext)) {
		*found_in = xstrdup(name);
		return true;
	} else {
		buf_printf(where, "%s%s", where->len ? " or " : "", name[0] ? name : "?");
	}
	return false;
}

static void judge_ext(struct pgexpect_row *r, char *const *databases, const char *spec,
		      const struct pg_db_stat *dbs, int ndbs, const struct pgexpect_found *f)
{
	char db[128], buf[128];
	const char *ext = pgexpect_split(spec, db, sizeof db);
	*r = (struct pgexpect_row){.is_ext = true, .spec = xstrdup(spec), .name = xstrdup(ext)};
	const char *cand[64];
	size_t nc = ext_dbs(databases, spec, cand, ARRAY_LEN(cand), buf, sizeof buf);
	struct buf where, err;
	buf_init(&where);
	buf_init(&err);
	for (size_t c = 0; c < nc && !r->where; c++)
		judge_cand(cand[c], ext, dbs, ndbs, f, &where, &err, &r->where);
	if (r->where) {
		r->text = xstrdup("installed");
	} else if (err.len) {
		r->state = PGX_UNKNOWN;
		r->text = buf_steal(&err);
	} else {
		r->state = PGX_MISSING;
		r->text = xasprintf("missing: extension %s is not installed in %s", ext,
				    where.len ? where.data : "?");
	}
	buf_free(&where);
	buf_free(&err);
}

int pgexpect_judge(char *const *databases, char *const *extensions, const struct pg_db_stat *dbs,
		   int ndbs, const char *dberr, const struct pgexpect_found *f,
		   struct pgexpect_row **out)
{
	size_t nd = strv_len(databases), ne = strv_len(extensions);
	struct pgexpect_row *r = xcalloc(nd + ne + 1, sizeof *r);
	for (size_t i = 0; i < nd; i++)
		judge_db(&r[i], databases[i], dbs, ndbs, dberr);
	for (size_t i = 0; i < ne; i++)
		judge_ext(&r[nd + i], databases, extensions[i], dbs, ndbs, f);
	*out = r;
	return (int)(nd + ne);
}

void pgexpect_rows_free(struct pgexpect_row *r, int n)
{
	for (int i = 0; r && i < n; i++) {
		free(r[i].spec);
		free(r[i].name);
		free(r[i].where);
		free(r[i].text);
	}
	free(r);
}
