/* panels/databases_dbs.c — the Databases view: one server's databases,
 * with the expected databases and extensions that are absent as rows of
 * their own, judged by lib/pg/pgexpect exactly as `check` judges them
 * (Enter: its Tables view, databases_tables.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "databases.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "tui/app.h"

/* ---- Databases view ----------------------------------------------------- */

enum { D_NAME, D_OWNER, D_SIZE, D_CONNS, D_TPS, D_TEMP, D_DEADLOCKS, D_XID, D_NOTE, D_N };

static const struct column dbs_cols[D_N] = {
    [D_NAME] = {"DATABASE", 8, 24, ALIGN_LEFT, 0, false},
    [D_OWNER] = {"OWNER", 5, 12, ALIGN_LEFT, 3, false},
    [D_SIZE] = {"SIZE", 9, 9, ALIGN_RIGHT, 0, true},
    [D_CONNS] = {"CONNS", 5, 5, ALIGN_RIGHT, 0, true},
    [D_TPS] = {"TPS", 7, 7, ALIGN_RIGHT, 1, true},
    [D_TEMP] = {"TEMP", 9, 9, ALIGN_RIGHT, 4, true},
    [D_DEADLOCKS] = {"DEADLK", 6, 6, ALIGN_RIGHT, 5, true},
    [D_XID] = {"XID AGE", 13, 13, ALIGN_RIGHT, 2, true},
    [D_NOTE] = {"NOTE", 4, 0, ALIGN_LEFT, 0, false},
};

/* A row: a database of the snapshot, or an expectation that is not met
 * (missing, or unknown: its database could not be read). */
enum dbrow_kind { DR_DB, DR_EXPECT };
struct dbrow {
	enum dbrow_kind kind;
	const struct pg_db_stat *db;
	const struct pgexpect_row *x;
	const char *name; /* the database, or the expectation as written */
};

/* ---- expectations (lib/pg/pgexpect, the reading `check` makes) ---------- */

enum { DB_EXPECT_MS = 30000 };

static void on_expect(struct pgexpect_found *f, void *arg)
{
	struct dbsrv *s = arg;
	s->xlook = NULL;
	pgexpect_found_free(s->xfound);
	s->xfound = f;
	s->xfound_mono = mono_ms();
	s->gen++;
	app_dirty();
}

/* Every database the poll saw that takes connections: their extensions
 * go in the NOTE column. */
static char **shown_dbs(const struct pg_snapshot *sn)
{
	char **v = xcalloc((size_t)sn->ndbs + 1, sizeof *v);
	int k = 0;
	for (int i = 0; i < sn->ndbs; i++)
		if (sn->dbs[i].allow_conn)
			v[k++] = xstrdup(sn->dbs[i].name);
	return v;
}

void db_expect_due(struct dbsrv *s)
{
	/* the last answer stays while the server fails (stale beats empty) */
	if (s->xlook || !s->snap || s->err.code != MLC_OK ||
	    mono_ms() - s->dbs_seen_mono > 3 * s->refresh_ms)
		return;
	if (s->xfound && !s->xstale && mono_ms() - s->xfound_mono < DB_EXPECT_MS)
		return;
	s->xstale = false;
	char **also = shown_dbs(s->snap);
	struct pgexpect_opts o = {
	    .conninfo = s->t->conninfo ? s->t->conninfo : "",
	    .password = s->t->password,
	    .databases = s->t->databases,
	    .extensions = s->t->extensions,
	    .also = also,
	    .timeout_ms = s->timeout_ms,
	};
	s->xlook = pgexpect_lookup_start(&o, on_expect, s);
	strv_free(also);
}

int db_expect_rows(struct dbsrv *s, const struct pgexpect_row **out)
{
	db_expect_due(s);
	if (s->xrows_gen != s->gen || !s->xrows) {
		pgexpect_rows_free(s->xrows, s->nxrows);
		const struct pg_snapshot *sn = s->snap;
		s->nxrows = pgexpect_judge(s->t->databases, s->t->extensions, sn ? sn->dbs : NULL,
					   sn ? sn->ndbs : 0, sn ? NULL : "not polled yet",
					   s->xfound, &s->xrows);
		s->xrows_gen = s->gen;
	}
	*out = s->xrows;
	return s->nxrows;
}

void db_expect_free(struct dbsrv *s)
{
	pgexpect_lookup_cancel(s->xlook);
	s->xlook = NULL;
	pgexpect_found_free(s->xfound);
	s->xfound = NULL;
	pgexpect_rows_free(s->xrows, s->nxrows);
	s->xrows = NULL;
	s->nxrows = 0;
}

/* Row i of the view, or the count of rows when i < 0. */
static int dbrow_at(struct dbsrv *s, int i, struct dbrow *out)
{
	const struct pg_snapshot *sn = s ? s->snap : NULL;
	if (!sn)
		return 0;
	int n = 0;
	for (int k = 0; k < sn->ndbs; k++, n++)
		if (n == i) {
			*out = (struct dbrow){DR_DB, &sn->dbs[k], NULL, sn->dbs[k].name};
			return n;
		}
	const struct pgexpect_row *x;
	int nx = db_expect_rows(s, &x);
	for (int k = 0; k < nx; k++) {
		if (x[k].state == PGX_OK || (x[k].is_ext && !s->xfound))
			continue;
		if (n++ == i) {
			*out = (struct dbrow){DR_EXPECT, NULL, &x[k], x[k].spec};
			return i;
		}
	}
	return n;
}

static const struct column *dbs_columns(struct view *v, int *n)
{
	*n = D_N;
	return dbs_cols;
}

static int dbs_nrows(struct view *v)
{
	struct dbsrv *s = db_server(v);
	db_touch(s);
	if (s)
		s->dbs_seen_mono = mono_ms();
	return dbrow_at(s, -1, NULL);
}

static unsigned long dbs_generation(struct view *v)
{
	struct dbsrv *s = db_server(v);
	return s ? s->gen : 0;
}

/* A database's extensions ("pgcrypto 1.3, vector 0.7.0"): from the
 * lookup, else from the poll for the polled database, else nothing. */
static void ext_list(const struct dbsrv *s, const char *db, char *out, size_t n)
{
	const struct pgexpect_db *x = pgexpect_db_of(s->xfound, db);
	const struct pg_ext *e = NULL;
	int ne = 0;
	if (x && !x->err) {
		e = x->exts;
		ne = x->nexts;
	} else if (strcmp(db, s->snap->srv.dbname) == 0) {
		e = s->snap->exts;
		ne = s->snap->nexts;
	}
	struct buf b;
	buf_init(&b);
	for (int i = 0; i < ne; i++)
		buf_printf(&b, "%s%s %s", i ? ", " : "", e[i].name,
			   e[i].version ? e[i].version : "");
	san_into(out, n, b.data ? b.data : "", b.len);
	buf_free(&b);
}

static void missing_cell(struct dbsrv *s, const struct dbrow *r, int col, struct cell *out)
{
	bool unknown = r->x->state == PGX_UNKNOWN;
	out->role = unknown ? ROLE_WARN : ROLE_ERR;
	if (col == D_NAME) {
		char safe[200];
		san_into(safe, sizeof safe, r->name, strlen(r->name));
		snprintf(out->text, sizeof out->text, "%s%s %s", r->x->is_ext ? "extension " : "",
			 safe, unknown ? "unknown" : "missing");
	} else if (col == D_NOTE) {
		char safe[200];
		san_into(safe, sizeof safe, s->t->name, strlen(s->t->name));
		snprintf(out->text, sizeof out->text, "expected by [postgres %s]", safe);
	} else {
		snprintf(out->text, sizeof out->text, "-");
		out->has_num = true;
		out->num = -1;
	}
}

static void dbs_cell(struct view *v, int row, int col, struct cell *out)
{
	struct dbsrv *s = db_server(v);
	struct dbrow r;
	out->role = ROLE_NORMAL;
	if (!s || dbrow_at(s, row, &r) != row)
		return;
	if (r.kind != DR_DB) {
		missing_cell(s, &r, col, out);
		return;
	}
	const struct pg_db_stat *d = r.db;
	switch (col) {
	case D_NAME:
		db_cell_text(out, d->name);
		break;
	case D_OWNER:
		db_cell_text(out, d->owner);
		out->role = ROLE_DIM;
		break;
	case D_SIZE:
		db_cell_bytes(out, d->size);
		break;
	case D_CONNS:
		db_cell_count(out, d->backends);
		break;
	case D_TPS:
		db_cell_rate(out, d->tps);
		break;
	case D_TEMP:
		db_cell_bytes(out, d->temp_bytes);
		out->role = d->temp_bytes > 0 ? ROLE_WARN : ROLE_NORMAL;
		break;
	case D_DEADLOCKS:
		db_cell_count(out, d->deadlocks);
		out->role = d->deadlocks > 0 ? ROLE_WARN : ROLE_NORMAL;
		break;
	case D_XID:
		db_cell_count(out, d->xid_age);
		out->role = d->xid_age > 200000000LL ? ROLE_WARN : ROLE_NORMAL;
		break;
	case D_NOTE:
		if (!d->allow_conn)
			snprintf(out->text, sizeof out->text, "connections not allowed");
		else
			ext_list(s, d->name, out->text, sizeof out->text);
		out->role = ROLE_DIM;
		break;
	}
}

static void dbs_title(struct view *v, char *out, size_t n)
{
	struct dbsrv *s = db_server(v);
	san_into(out, n, s ? s->t->name : "", s ? strlen(s->t->name) : 0);
}

/* "PostgreSQL 15.4, up 3d2h, 12/100 connections, primary, WAL 1.2 MB/s,
 * checkpoints 1 timed 0 requested" (the last two from the second poll). */
static void server_line(const struct pg_snapshot *sn, char *out, size_t n)
{
	const struct pg_server_stat *st = &sn->srv;
	char up[32], ver[64], wal[32] = "";
	fmt_age(up, sizeof up, (long)(st->uptime_s * 1000));
	/* "15.18" without the packager's " (Debian 15.18-0+deb12u1)": the line
	 * fits 80 columns with 3-digit max_connections and a long uptime */
	san_into(ver, sizeof ver, st->version, strcspn(st->version, " "));
	int k = snprintf(out, n, "PostgreSQL %s, up %s, %ld/%ld connections, %s", ver, up,
			 st->connections, st->max_connections, st->standby ? "standby" : "primary");
	if (sn->wal_bps >= 0 && k >= 0 && (size_t)k < n) {
		fmt_bytes(wal, sizeof wal, (uint64_t)sn->wal_bps);
		k += snprintf(out + k, n - (size_t)k, ", WAL %s/s", wal);
	}
	if (sn->ckpt_timed_delta >= 0 && sn->ckpt_req_delta >= 0 && k >= 0 && (size_t)k < n)
		snprintf(out + k, n - (size_t)k, ", checkpoints %lld timed %lld requested",
			 sn->ckpt_timed_delta, sn->ckpt_req_delta);
}

static void dbs_detail(struct view *v, int row, char *out, size_t n, enum role *role)
{
	struct dbsrv *s = db_server(v);
	struct dbrow r;
	*role = ROLE_DIM;
	if (s && s->err.code != MLC_OK && s->snap) {
		db_stale_detail(s, out, n);
		*role = ROLE_ERR;
		return;
	}
	if (!s || !s->snap)
		return;
	if (row >= 0 && dbrow_at(s, row, &r) == row && r.kind != DR_DB) {
		char text[300], srv[200];
		san_into(text, sizeof text, r.x->text, strlen(r.x->text));
		san_into(srv, sizeof srv, s->t->name, strlen(s->t->name));
		snprintf(out, n, "%s (expected by [postgres %s], %s)", text, srv,
			 r.x->is_ext ? "extensions =" : "databases =");
		*role = r.x->state == PGX_UNKNOWN ? ROLE_WARN : ROLE_ERR;
		return;
	}
	server_line(s->snap, out, n);
}

static void dbs_empty(struct view *v, char *out, size_t n)
{
	db_empty_text(db_server(v), out, n);
}

static void dbs_status(struct view *v, char *out, size_t n)
{
	db_stale_status(db_server(v), out, n);
}

static void dbs_copy(struct view *v, int row, char *out, size_t n)
{
	struct dbrow r;
	if (dbrow_at(db_server(v), row, &r) == row)
		san_into(out, n, r.name, strlen(r.name));
}

static void dbs_reload(struct view *v)
{
	struct dbsrv *s = db_server(v);
	if (s)
		s->xstale = true;
	db_poll_now(s);
}

static int dbs_open(struct view *v, int row)
{
	struct dbrow r;
	if (dbrow_at(db_server(v), row, &r) != row || r.kind != DR_DB) {
		app_message(ROLE_ERR, "not a database of the server: nothing to open");
		return P_REDRAW;
	}
	db_push_tables(v->panel, (int)(intptr_t)v->priv, r.name);
	return P_REDRAW;
}

static int dbs_activity(struct view *v, int row)
{
	db_push_activity(v->panel, (int)(intptr_t)v->priv);
	return P_REDRAW;
}

static int dbs_locks(struct view *v, int row)
{
	db_push_locks(v->panel, (int)(intptr_t)v->priv);
	return P_REDRAW;
}

static const struct view_action dbs_actions[] = {
    {"open", "<Enter>", "tables", "the database's tables, biggest first", ACT_F_SELECTION,
     dbs_open},
    {"activity", "a", "activity", "the server's backends (pg_stat_activity)", 0, dbs_activity},
    {"locks", "L", "locks", "who blocks whom, as a tree", 0, dbs_locks},
    {"refresh", "r", "refresh", NULL, 0, NULL},
    {"filter", "/", "filter", NULL, 0, NULL},
    {"sort", "s", "sort", NULL, 0, NULL},
    {"copy", "y", NULL, NULL, 0, NULL},
};

const struct view_ops db_databases_view = {
    .name = "databases",
    .title = dbs_title,
    .columns = dbs_columns,
    .nrows = dbs_nrows,
    .cell = dbs_cell,
    .generation = dbs_generation,
    .detail = dbs_detail,
    .empty_text = dbs_empty,
    .copy_text = dbs_copy,
    .reload = dbs_reload,
    .status = dbs_status,
    .actions = dbs_actions,
    .nactions = ARRAY_LEN(dbs_actions),
};
