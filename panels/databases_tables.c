/* panels/databases_tables.c — the Tables view: one database's tables,
 * biggest first, then pgvector's indexes, through a connection to that
 * database opened for the view and closed with it (r reloads). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "databases.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "tui/app.h"

/* Rows: the tables, biggest first, then pgvector's indexes (ivfflat, hnsw)
 * with their options and size, in the chart colour. */

struct tables {
	int srv;
	char *db;
	struct pgc_conn *conn;
	struct pgc_query *q;
	struct pg_table_stat *t;
	int n;
	struct pgc_query *vq;
	struct pg_vindex *vx; /* pgvector's indexes: rows after the tables */
	int nvx;
	struct mlc_err err;
	bool loaded;
	unsigned long gen;
};

enum {
	T_NAME,
	T_TOTAL,
	T_HEAP,
	T_INDEX,
	T_TOAST,
	T_LIVE,
	T_DEAD,
	T_SHARE,
	T_VACUUM,
	T_AUTOVAC,
	T_ANALYZE,
	T_SEQ,
	T_IDX,
	T_N
};

static const struct column tbl_cols[T_N] = {
    [T_NAME] = {"TABLE", 16, 0, ALIGN_LEFT, 0, false},
    [T_TOTAL] = {"TOTAL", 9, 9, ALIGN_RIGHT, 0, true},
    [T_HEAP] = {"HEAP", 9, 9, ALIGN_RIGHT, 3, true},
    [T_INDEX] = {"INDEX", 9, 9, ALIGN_RIGHT, 3, true},
    [T_TOAST] = {"TOAST", 9, 9, ALIGN_RIGHT, 4, true},
    [T_LIVE] = {"LIVE", 10, 10, ALIGN_RIGHT, 1, true},
    [T_DEAD] = {"DEAD", 10, 10, ALIGN_RIGHT, 1, true},
    [T_SHARE] = {"DEAD%", 5, 5, ALIGN_RIGHT, 0, true},
    [T_VACUUM] = {"VACUUM", 16, 16, ALIGN_LEFT, 6, false},
    [T_AUTOVAC] = {"AUTOVACUUM", 16, 16, ALIGN_LEFT, 5, false},
    [T_ANALYZE] = {"ANALYZE", 16, 16, ALIGN_LEFT, 5, false},
    [T_SEQ] = {"SEQ", 9, 9, ALIGN_RIGHT, 2, true},
    [T_IDX] = {"IDX", 9, 9, ALIGN_RIGHT, 2, true},
};

static void tables_answer(const struct pgc_result *r, const struct mlc_err *err, void *arg)
{
	struct tables *T = arg;
	T->q = NULL;
	T->loaded = true;
	mlc_err_clear(&T->err);
	if (err)
		T->err = *err;
	else
		pgstat_parse_tables(r, &T->t, &T->n, &T->err);
	T->gen++;
	app_dirty_now();
}

static void vindexes_answer(const struct pgc_result *r, const struct mlc_err *err, void *arg)
{
	struct tables *T = arg;
	T->vq = NULL;
	if (!err)
		pgstat_parse_vindexes(r, &T->vx, &T->nvx, NULL);
	T->gen++;
	app_dirty();
}

static void tables_fetch(struct tables *T)
{
	if (T->q || T->vq)
		return;
	T->q = pgc_query(T->conn, PGSTAT_SQL_TABLES, NULL, 0, 0, tables_answer, T);
	T->vq = pgc_query(T->conn, PGSTAT_SQL_VECTOR_INDEXES, NULL, 0, 0, vindexes_answer, T);
}

void db_push_tables(struct panel *p, int i, const char *db)
{
	struct dbp *P = dbp_of(p);
	if (i < 0 || i >= P->nsrv)
		return;
	struct dbsrv *s = &P->srv[i];
	struct tables *T = xcalloc(1, sizeof *T);
	T->srv = i;
	T->db = xstrdup(db);
	char *ci = pgstat_conninfo_for_db(s->t->conninfo, db);
	struct pgc_opts o = {
	    .conninfo = ci,
	    .password = s->t->password,
	    .connect_timeout_ms = s->timeout_ms,
	    .statement_timeout_ms = s->timeout_ms,
	};
	T->conn = pgc_conn_new(&o);
	free(ci);
	tables_fetch(T);
	P->cur = i;
	if (!view_push(p, &db_tables_view, T)) {
		pgc_conn_free(T->conn);
		free(T->db);
		free(T);
	}
}

static struct tables *tables_of(struct view *v)
{
	return v->priv;
}

const char *db_tables_db(struct view *v)
{
	return v && v->ops == &db_tables_view ? tables_of(v)->db : NULL;
}

static const struct column *tbl_columns(struct view *v, int *n)
{
	*n = T_N;
	return tbl_cols;
}

static int tbl_nrows(struct view *v)
{
	return tables_of(v)->n + tables_of(v)->nvx;
}

static unsigned long tbl_generation(struct view *v)
{
	return tables_of(v)->gen;
}

static void cell_when(struct cell *out, const char *when)
{
	db_cell_text(out, when ? when : "never");
	out->role = when ? ROLE_NORMAL : ROLE_DIM;
}

/* A vector index row: "hnsw public.docs_idx on documents (m=16)". */
static void vindex_cell(const struct pg_vindex *x, int col, struct cell *out)
{
	out->role = ROLE_CHART;
	if (col == T_NAME) {
		char *raw = xasprintf("%s %s.%s on %s%s%s%s", x->method, x->schema, x->name,
				      x->table, x->options ? " (" : "",
				      x->options ? x->options : "", x->options ? ")" : "");
		san_into(out->text, sizeof out->text, raw, strlen(raw));
		free(raw);
	} else if (col == T_TOTAL || col == T_INDEX) {
		db_cell_bytes(out, x->size);
	} else {
		snprintf(out->text, sizeof out->text, "-");
		out->has_num = true;
		out->num = -1;
	}
}

static void tbl_cell(struct view *v, int row, int col, struct cell *out)
{
	struct tables *T = tables_of(v);
	if (row >= T->n) {
		vindex_cell(&T->vx[row - T->n], col, out);
		return;
	}
	const struct pg_table_stat *t = &T->t[row];
	char s[128], n[128];
	out->role = ROLE_NORMAL;
	switch (col) {
	case T_NAME:
		san_into(s, sizeof s, t->schema, strlen(t->schema));
		san_into(n, sizeof n, t->name, strlen(t->name));
		snprintf(out->text, sizeof out->text, "%s.%s", s, n);
		break;
	case T_TOTAL:
	case T_HEAP:
	case T_INDEX:
	case T_TOAST:
		db_cell_bytes(out, col == T_TOTAL   ? t->total
				   : col == T_HEAP  ? t->heap
				   : col == T_INDEX ? t->index
						    : t->toast);
		break;
	case T_LIVE:
		db_cell_count(out, t->live);
		break;
	case T_DEAD:
		db_cell_count(out, t->dead);
		break;
	case T_SHARE:
		out->has_num = true;
		out->num = t->dead_share;
		if (t->dead_share < 0)
			snprintf(out->text, sizeof out->text, "-");
		else
			snprintf(out->text, sizeof out->text, "%.0f%%", 100 * t->dead_share);
		out->role = t->dead_share > 0.2 ? ROLE_WARN : ROLE_NORMAL;
		break;
	case T_VACUUM:
		cell_when(out, t->last_vacuum);
		break;
	case T_AUTOVAC:
		cell_when(out, t->last_autovacuum);
		break;
	case T_ANALYZE:
		cell_when(out, t->last_analyze);
		break;
	case T_SEQ:
		db_cell_count(out, t->seq_scan);
		break;
	case T_IDX:
		db_cell_count(out, t->idx_scan);
		break;
	}
}

static void tbl_title(struct view *v, char *out, size_t n)
{
	san_into(out, n, tables_of(v)->db, strlen(tables_of(v)->db));
}

static void tbl_empty(struct view *v, char *out, size_t n)
{
	struct tables *T = tables_of(v);
	char safe[256];
	san_into(safe, sizeof safe, T->db, strlen(T->db));
	char e[300];
	san_into(e, sizeof e, T->err.msg, strlen(T->err.msg));
	if (T->err.code != MLC_OK)
		snprintf(out, n, "%s: %s", safe, e);
	else if (!T->loaded)
		snprintf(out, n, "loading the tables of %s...", safe);
	else
		snprintf(out, n, "no tables in %s", safe);
}

static void tbl_status(struct view *v, char *out, size_t n)
{
	struct tables *T = tables_of(v);
	if (T->err.code != MLC_OK && T->n > 0)
		san_into(out, n, T->err.msg, strlen(T->err.msg));
	else if (n)
		out[0] = 0;
}

static void tbl_copy(struct view *v, int row, char *out, size_t n)
{
	struct tables *T = tables_of(v);
	char *q = row < T->n ? xasprintf("%s.%s", T->t[row].schema, T->t[row].name)
			     : xasprintf("%s.%s", T->vx[row - T->n].schema, T->vx[row - T->n].name);
	san_into(out, n, q, strlen(q));
	free(q);
}

static void tbl_reload(struct view *v)
{
	tables_fetch(tables_of(v));
}

static void tbl_close(struct view *v)
{
	struct tables *T = tables_of(v);
	pgc_query_cancel(T->q);
	pgc_query_cancel(T->vq);
	pgc_conn_free(T->conn);
	pgstat_tables_free(T->t, T->n);
	pgstat_vindexes_free(T->vx, T->nvx);
	free(T->db);
	free(T);
}

static const struct view_action tbl_actions[] = {
    {"refresh", "r", "refresh", NULL, 0, NULL},
    {"filter", "/", "filter", NULL, 0, NULL},
    {"sort", "s", "sort", NULL, 0, NULL},
    {"copy", "y", "copy name", NULL, 0, NULL},
};

const struct view_ops db_tables_view = {
    .name = "tables",
    .title = tbl_title,
    .columns = tbl_columns,
    .nrows = tbl_nrows,
    .cell = tbl_cell,
    .generation = tbl_generation,
    .empty_text = tbl_empty,
    .copy_text = tbl_copy,
    .reload = tbl_reload,
    .status = tbl_status,
    .close = tbl_close,
    .actions = tbl_actions,
    .nactions = ARRAY_LEN(tbl_actions),
};
