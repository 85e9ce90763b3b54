/* tests/integ/test_pgexpect.c — the Databases panel and `mlconsole check`
 * say the same about a [postgres] target's expectations, against the
 * stack's PostgreSQL: a missing database, an extension found only in a
 * database other than the polled one, a DB:EXT missing there, and a bare
 * name missing from every listed database (one of which does not exist).
 * check_run reads them its way (lib/health/check_pg.c); the panel's way is
 * a poll round plus lib/pg/pgexpect's lookup, judged by pgexpect_judge. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/core/config.h"
#include "lib/core/util.h"
#include "lib/health/check.h"
#include "lib/pg/pgexpect.h"
#include "lib/pg/pgstat.h"
#include "stackenv.h"

static char *password(void)
{
	FILE *f = fopen(stackenv("PGPASSWORD_FILE"), "r");
	cr_assert(f, "cannot read PGPASSWORD_FILE");
	char line[256] = "";
	cr_assert(fgets(line, sizeof line, f));
	fclose(f);
	return xstrdup(str_trim(line));
}

struct polled {
	volatile bool done;
	struct pg_snapshot *s;
};

static void on_round(struct pg_snapshot *s, const struct mlc_err *err, void *arg)
{
	struct polled *p = arg;
	p->done = true;
	p->s = s;
}

struct looked {
	volatile bool done;
	struct pgexpect_found *f;
};

static void on_found(struct pgexpect_found *f, void *arg)
{
	struct looked *l = arg;
	l->done = true;
	l->f = f;
}

/* The target as the panel reads it: a poll on the conninfo, then the
 * lookup with every database shown. */
static int panel_rows(const struct target *t, struct pgexpect_row **rows)
{
	struct pgc_opts o = {.conninfo = t->conninfo, .password = t->password};
	struct pgc_conn *c = pgc_conn_new(&o);
	struct polled p = {0};
	pgstat_round_start(c, 10000, on_round, &p);
	cr_assert(stackenv_run_until(&p.done, 15000), "no poll round");
	cr_assert_not_null(p.s);
	char **also = xcalloc((size_t)p.s->ndbs + 1, sizeof *also);
	for (int i = 0; i < p.s->ndbs; i++)
		also[i] = xstrdup(p.s->dbs[i].name);
	struct pgexpect_opts xo = {.conninfo = t->conninfo,
				   .password = t->password,
				   .databases = t->databases,
				   .extensions = t->extensions,
				   .also = also};
	struct looked l = {0};
	pgexpect_lookup_start(&xo, on_found, &l);
	cr_assert(stackenv_run_until(&l.done, 15000), "no lookup answer");
	int n = pgexpect_judge(t->databases, t->extensions, p.s->dbs, p.s->ndbs, NULL, l.f, rows);
	strv_free(also);
	pgexpect_found_free(l.f);
	pgstat_snapshot_free(p.s);
	pgc_conn_free(c);
	return n;
}

Test(pgexpect, panel_and_check_agree, .timeout = 60)
{
	char path[] = "/tmp/mlc-pgexpect-XXXXXX";
	int fd = mkstemp(path);
	cr_assert(fd >= 0);
	char *pw = password();
	dprintf(fd,
		"[postgres pg]\nconninfo = host=127.0.0.1 port=%s dbname=mlflowdb user=mlflow\n"
		"password = %s\ndatabases = mlflowdb vector_db airflow_db\n"
		"extensions = vector_db:pgcrypto mlflowdb:vector vector plpgsql\n",
		stackenv("PG_PORT"), pw);
	close(fd);
	free(pw);
	struct config cfg;
	config_init(&cfg);
	struct mlc_err err;
	cr_assert_eq(config_read_file(&cfg, path, &err), 0, "%s", err.msg);
	unlink(path);
	const struct target *t = &cfg.targets[0];

	struct check_result *cr;
	size_t ncr;
	check_run(&cfg, &cr, &ncr);
	struct pgexpect_row *rows;
	int n = panel_rows(t, &rows);

	cr_assert_eq(ncr, 1 + (size_t)n, "check has %zu rows, the panel %d", ncr, n);
	cr_assert(cr[0].ok, "connect: %s", cr[0].detail);
	for (int i = 0; i < n; i++) {
		const struct check_result *c = &cr[1 + i];
		cr_expect_eq(c->ok, rows[i].state == PGX_OK, "%s: check %d, panel %d", c->name,
			     c->ok, rows[i].state);
		cr_expect_str_eq(c->detail, rows[i].text, "%s", c->name);
	}
	/* What they agree on is the truth of the stack. */
	enum pgexpect_state want[] = {PGX_OK,	   PGX_OK,	PGX_MISSING, PGX_OK,
				      PGX_MISSING, PGX_MISSING, PGX_OK};
	cr_assert_eq(n, (int)ARRAY_LEN(want));
	for (int i = 0; i < n; i++)
		cr_expect_eq(rows[i].state, want[i], "%s: %d", rows[i].spec, rows[i].state);
	cr_expect_str_eq(rows[2].text, "missing: no database airflow_db");
	cr_expect_str_eq(rows[3].where, "vector_db", "pgcrypto found outside the polled database");
	cr_expect_str_eq(rows[4].text, "missing: extension vector is not installed in mlflowdb");
	cr_expect_str_eq(rows[5].text, "missing: extension vector is not installed in mlflowdb or "
				       "vector_db or airflow_db (no such database)");
	cr_expect_str_eq(cr[4].name, "pg: extension pgcrypto in vector_db");
	pgexpect_rows_free(rows, n);
	check_results_free(cr, ncr);
	config_free(&cfg);
}
