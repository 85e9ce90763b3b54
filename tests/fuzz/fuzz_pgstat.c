/* tests/fuzz/fuzz_pgstat.c — lib/pg/pgstat*.c's parsers on arbitrary rows:
 * the input is read as COPY text (lines of tab-separated cells, \N for
 * NULL; the first byte picks the column count so that every parser sees
 * both its own shape and truncated ones), then fed to every parser, the
 * lock tree, rates, labels, one-line queries, :sql's copy and read check
 * and conninfo for another database. Oracles: a parser either fails with
 * a message or gives rows whose strings are NUL-terminated; the lock tree
 * lists each backend at most once with depths below the row count; a
 * one-line query holds no control byte. Seeds: tests/fixtures/pg. */
#include <string.h>

#include "fuzz.h"
#include "lib/core/util.h"
#include "lib/pg/pgstat.h"

struct frows {
	struct pgc_result r;
	char **cells;
};

static const char *fvalue(const struct pgc_result *r, int row, int col)
{
	struct frows *f = r->priv;
	if (row < 0 || row >= r->nrows || col < 0 || col >= r->ncols)
		abort(); /* the parsers must stay inside the result */
	return f->cells[row * r->ncols + col];
}

static void build(struct frows *f, const char *s, size_t len, int ncols)
{
	static const char *const names[20] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j",
					      "k", "l", "m", "n", "o", "p", "q", "r", "s", "t"};
	memset(f, 0, sizeof *f);
	f->r.ncols = ncols;
	f->r.colnames = names;
	f->r.value = fvalue;
	f->r.priv = f;
	size_t at = 0;
	while (at < len && f->r.nrows < 64) {
		f->cells = xrealloc(f->cells, (size_t)(f->r.nrows + 1) * (size_t)ncols *
						  sizeof *f->cells);
		for (int c = 0; c < ncols; c++) {
			size_t k = at;
			while (k < len && s[k] != '\t' && s[k] != '\n')
				k++;
			char *cell = NULL;
			if (!(k - at == 2 && s[at] == '\\' && s[at + 1] == 'N'))
				cell = xstrndup(s + at, k - at);
			f->cells[f->r.nrows * ncols + c] = cell;
			at = k < len && s[k] == '\t' ? k + 1 : k;
		}
		while (at < len && s[at] != '\n')
			at++;
		at++;
		f->r.nrows++;
	}
}

static void release(struct frows *f)
{
	for (int i = 0; i < f->r.nrows * f->r.ncols; i++)
		free(f->cells[i]);
	free(f->cells);
}

static void check_line(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		FUZZ_CHECK(*p >= 0x20 && *p != 0x7f, "no control byte in a one-line query");
}

static void activity(const struct pgc_result *r)
{
	struct pg_backend *b = NULL;
	int n = 0;
	struct mlc_err err;
	if (pgstat_parse_activity(r, &b, &n, &err) != 0) {
		FUZZ_CHECK(err.msg[0], "a failure says why");
		FUZZ_CHECK(!b, "no rows on failure");
		return;
	}
	int *order = xcalloc((size_t)n + 1, sizeof *order);
	int *depth = xcalloc((size_t)n + 1, sizeof *depth);
	int k = pgstat_lock_tree(b, n, order, depth);
	FUZZ_CHECK(k >= 0 && k <= n, "tree size");
	struct pg_snapshot snap = {.bk = b, .nbk = n};
	FUZZ_CHECK(pgstat_backends_same(&snap, &snap), "a poll shows as itself");
	bool *seen = xcalloc((size_t)n + 1, sizeof *seen);
	for (int i = 0; i < k; i++) {
		FUZZ_CHECK(order[i] >= 0 && order[i] < n && !seen[order[i]], "each backend once");
		FUZZ_CHECK(depth[i] >= 0 && depth[i] <= n, "depth bounded");
		seen[order[i]] = true;
	}
	for (int i = 0; i < n; i++) {
		char line[256];
		pgstat_oneline(line, sizeof line, b[i].query);
		check_line(line);
		(void)pgstat_app_label(b[i].app, b[i].db, b[i].user);
	}
	free(seen);
	free(order);
	free(depth);
	pgstat_backends_free(b, n);
}

static void others(const struct pgc_result *r, const char *text)
{
	struct pg_server_stat st;
	(void)pgstat_parse_server(r, &st, NULL);
	struct pg_snapshot *s = xcalloc(1, sizeof *s), *p = xcalloc(1, sizeof *p);
	(void)pgstat_parse_io(r, &s->srv, NULL);
	(void)pgstat_parse_io(r, &p->srv, NULL);
	if (pgstat_parse_databases(r, &s->dbs, &s->ndbs, NULL) == 0 &&
	    pgstat_parse_databases(r, &p->dbs, &p->ndbs, NULL) == 0) {
		s->srv.now_s = 2;
		p->srv.now_s = 1;
		pgstat_rates(s, p);
		FUZZ_CHECK(s->wal_bps == -1 || s->wal_bps >= 0, "a rate is unknown or positive");
	}
	(void)pgstat_parse_extensions(r, &s->exts, &s->nexts, NULL);
	pgstat_snapshot_free(s);
	pgstat_snapshot_free(p);
	struct pg_table_stat *t = NULL;
	int nt = 0;
	if (pgstat_parse_tables(r, &t, &nt, NULL) == 0)
		pgstat_tables_free(t, nt);
	struct pg_vindex *v = NULL;
	int nv = 0;
	if (pgstat_parse_vindexes(r, &v, &nv, NULL) == 0)
		pgstat_vindexes_free(v, nv);
	struct pg_rows rows;
	pgstat_rows_copy(r, 8, &rows);
	FUZZ_CHECK(rows.nrows <= 8, "rows capped");
	pgstat_rows_free(&rows);
	(void)pgstat_sql_is_read(text);
	free(pgstat_conninfo_for_db(text, text));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int ncols = 1 + data[0] % 20;
	const char *s = (const char *)data + 1;
	size_t len = size - 1;
	char *text = xstrndup(s, len);
	struct frows f;
	build(&f, s, len, ncols);
	activity(&f.r);
	others(&f.r, text);
	release(&f);
	build(&f, s, len, 19); /* the activity shape whatever the first byte */
	activity(&f.r);
	release(&f);
	free(text);
	return 0;
}
