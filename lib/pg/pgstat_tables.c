/* lib/pg/pgstat_tables.c — the Tables view's parser, a copied
 * result for :sql, the read-only check of its text, and a conninfo pointed
 * at another database. Pure. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/core/util.h"
#include "lib/pg/pgstat.h"
#include "lib/pg/pgstat_int.h"

int pgstat_parse_tables(const struct pgc_result *r, struct pg_table_stat **out, int *n,
			struct mlc_err *err)
{
	if (!r || r->ncols < 13)
		return mlc_err_set(err, MLC_ERR_PROTO, 0, "tables: %d columns, expected 13",
				   r ? r->ncols : 0);
	struct pg_table_stat *t = xcalloc((size_t)r->nrows + 1, sizeof *t);
	int k = 0;
	for (int i = 0; i < r->nrows; i++) {
		if (!r->value(r, i, 1))
			continue;
		struct pg_table_stat *x = &t[k++];
		x->schema = xstrdup(r->value(r, i, 0) ? r->value(r, i, 0) : "");
		x->name = xstrdup(r->value(r, i, 1));
		long long *nums[] = {&x->total, &x->heap, &x->index, &x->toast, &x->live, &x->dead};
		for (int j = 0; j < 6; j++)
			*nums[j] = pgstat_cell_ll(r->value(r, i, 2 + j));
		x->last_vacuum = pgstat_cell_dup(r->value(r, i, 8));
		x->last_autovacuum = pgstat_cell_dup(r->value(r, i, 9));
		x->last_analyze = pgstat_cell_dup(r->value(r, i, 10));
		x->seq_scan = pgstat_cell_ll(r->value(r, i, 11));
		x->idx_scan = pgstat_cell_ll(r->value(r, i, 12));
		x->dead_share = x->live >= 0 && x->dead >= 0 && x->live + x->dead > 0
				    ? (double)x->dead / (double)(x->live + x->dead)
				    : -1;
	}
	pgstat_tables_free(*out, *n);
	*out = t;
	*n = k;
	return 0;
}

void pgstat_tables_free(struct pg_table_stat *t, int n)
{
	for (int i = 0; t && i < n; i++) {
		free(t[i].schema);
		free(t[i].name);
		free(t[i].last_vacuum);
		free(t[i].last_autovacuum);
		free(t[i].last_analyze);
	}
	free(t);
}

int pgstat_parse_vindexes(const struct pgc_result *r, struct pg_vindex **out, int *n,
			  struct mlc_err *err)
{
	if (!r || r->ncols < 6)
		return mlc_err_set(err, MLC_ERR_PROTO, 0, "vector indexes: %d columns, expected 6",
				   r ? r->ncols : 0);
	struct pg_vindex *v = xcalloc((size_t)r->nrows + 1, sizeof *v);
	int k = 0;
	for (int i = 0; i < r->nrows; i++) {
		if (!r->value(r, i, 1))
			continue;
		struct pg_vindex *x = &v[k++];
		x->schema = xstrdup(r->value(r, i, 0) ? r->value(r, i, 0) : "");
		x->name = xstrdup(r->value(r, i, 1));
		x->table = xstrdup(r->value(r, i, 2) ? r->value(r, i, 2) : "");
		x->method = xstrdup(r->value(r, i, 3) ? r->value(r, i, 3) : "");
		x->size = pgstat_cell_ll(r->value(r, i, 4));
		x->options = pgstat_cell_dup(r->value(r, i, 5));
	}
	pgstat_vindexes_free(*out, *n);
	*out = v;
	*n = k;
	return 0;
}

void pgstat_vindexes_free(struct pg_vindex *v, int n)
{
	for (int i = 0; v && i < n; i++) {
		free(v[i].schema);
		free(v[i].name);
		free(v[i].table);
		free(v[i].method);
		free(v[i].options);
	}
	free(v);
}

void pgstat_rows_copy(const struct pgc_result *r, int max_rows, struct pg_rows *out)
{
	memset(out, 0, sizeof *out);
	if (!r)
		return;
	out->ncols = r->ncols > 0 ? r->ncols : 0;
	out->nrows = r->nrows < max_rows ? r->nrows : max_rows;
	out->cut = r->nrows > max_rows;
	out->colnames = xcalloc((size_t)out->ncols + 1, sizeof *out->colnames);
	for (int c = 0; c < out->ncols; c++)
		out->colnames[c] = xstrdup(r->colnames[c] ? r->colnames[c] : "");
	out->cells = xcalloc((size_t)out->nrows * (size_t)out->ncols + 1, sizeof *out->cells);
	for (int i = 0; i < out->nrows; i++)
		for (int c = 0; c < out->ncols; c++)
			out->cells[i * out->ncols + c] = pgstat_cell_dup(r->value(r, i, c));
}

void pgstat_rows_free(struct pg_rows *r)
{
	free_items(r->colnames, (size_t)r->ncols, sizeof *r->colnames, free_item_ptr);
	free_items(r->cells, (size_t)r->nrows * (size_t)r->ncols, sizeof *r->cells, free_item_ptr);
	memset(r, 0, sizeof *r);
}

static bool word_at(const char *s, const char *w)
{
	size_t n = strlen(w);
	return strncasecmp(s, w, n) == 0 && !isalnum((unsigned char)s[n]) && s[n] != '_';
}

bool pgstat_sql_is_read(const char *sql)
{
	if (!sql)
		return false;
	while (isspace((unsigned char)*sql))
		sql++;
	static const char *const first[] = {"SELECT", "WITH", "VALUES", "TABLE", "SHOW", "EXPLAIN"};
	bool ok = false;
	for (size_t i = 0; i < ARRAY_LEN(first) && !ok; i++)
		ok = word_at(sql, first[i]);
	if (!ok)
		return false;
	if (word_at(sql, "EXPLAIN")) {
		const char *p = sql + 7;
		while (isspace((unsigned char)*p) || *p == '(')
			p++;
		if (word_at(p, "ANALYZE") || word_at(p, "ANALYSE"))
			return false;
	}
	const char *semi = strchr(sql, ';');
	if (semi) {
		for (const char *p = semi + 1; *p; p++)
			if (!isspace((unsigned char)*p))
				return false;
	}
	return true;
}

/* 'value' quoted for a key=value conninfo. */
static void kv_quote(struct buf *b, const char *v)
{
	buf_puts(b, "'");
	for (; *v; v++) {
		if (*v == '\'' || *v == '\\')
			buf_puts(b, "\\");
		buf_append(b, v, 1);
	}
	buf_puts(b, "'");
}

static void pct_encode(struct buf *b, const char *v)
{
	for (; *v; v++) {
		unsigned char c = (unsigned char)*v;
		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
			buf_append(b, v, 1);
		else
			buf_printf(b, "%%%02X", c);
	}
}

char *pgstat_conninfo_for_db(const char *conninfo, const char *db)
{
	struct buf b;
	buf_init(&b);
	const char *ci = conninfo ? conninfo : "";
	if (str_starts(ci, "postgresql://") || str_starts(ci, "postgres://")) {
		const char *auth = strstr(ci, "://") + 3;
		size_t hostlen = strcspn(auth, "/?");
		buf_append(&b, ci, (size_t)(auth - ci) + hostlen);
		buf_puts(&b, "/");
		pct_encode(&b, db);
		const char *rest = auth + hostlen;
		const char *q = strchr(rest, '?');
		if (q)
			buf_puts(&b, q);
		return buf_steal(&b);
	}
	buf_puts(&b, ci);
	if (b.len)
		buf_puts(&b, " ");
	buf_puts(&b, "dbname=");
	kv_quote(&b, db);
	return buf_steal(&b);
}
