/* tests/unit/test_pgexpect.c — lib/pg/pgexpect.c's verdict without a
 * server: the databases and extensions a [postgres] target expects, judged
 * against a made-up server (its databases, each one's extensions or the
 * error reading them), as both the Databases panel and `check` show it. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/util.h"
#include "lib/pg/pgexpect.h"

static struct pg_db_stat dbs[] = {{.name = "mlflowdb"}, {.name = "vector_db"}};

/* A lookup's answer: mlflowdb has plpgsql, vector_db pgcrypto too;
 * broken_db could not be read. */
static struct pgexpect_found *found(void)
{
	static struct pg_ext mlflow_exts[] = {{.name = "plpgsql", .version = "1.0"}};
	static struct pg_ext vector_exts[] = {{.name = "pgcrypto", .version = "1.3"},
					      {.name = "plpgsql", .version = "1.0"}};
	static struct pgexpect_db d[] = {
	    {.asked = "mlflowdb", .name = "mlflowdb", .exts = mlflow_exts, .nexts = 1},
	    {.asked = "vector_db", .name = "vector_db", .exts = vector_exts, .nexts = 2},
	    {.asked = "broken_db", .err = "connection refused"},
	    {.asked = "", .name = "mlflowdb", .exts = mlflow_exts, .nexts = 1},
	};
	static struct pgexpect_found f = {d, 4};
	return &f;
}

static char **list(const char *s)
{
	return strv_split(s, NULL);
}

Test(pgexpect, split)
{
	char db[64];
	cr_assert_str_eq(pgexpect_split("vector_db:vector", db, sizeof db), "vector");
	cr_assert_str_eq(db, "vector_db");
	cr_assert_str_eq(pgexpect_split("vector", db, sizeof db), "vector");
	cr_assert_str_eq(db, "");
	cr_assert_str_eq(pgexpect_split(":vector", db, sizeof db), ":vector"); /* no DB */
	cr_assert_str_eq(db, "");
}

Test(pgexpect, judge)
{
	char **d = list("mlflowdb vector_db airflow_db");
	char **e = list("vector_db:pgcrypto pgcrypto mlflowdb:vector vector");
	struct pgexpect_row *r;
	int n = pgexpect_judge(d, e, dbs, 2, NULL, found(), &r);
	cr_assert_eq(n, 7);
	cr_assert_eq(r[0].state, PGX_OK);
	cr_assert_str_eq(r[0].text, "exists");
	cr_assert_eq(r[2].state, PGX_MISSING);
	cr_assert_str_eq(r[2].text, "missing: no database airflow_db");
	cr_assert(r[3].is_ext && r[3].state == PGX_OK);
	cr_assert_str_eq(r[3].where, "vector_db");
	/* a bare name: found in any listed database */
	cr_assert_eq(r[4].state, PGX_OK);
	cr_assert_str_eq(r[4].where, "vector_db");
	cr_assert_eq(r[5].state, PGX_MISSING);
	cr_assert_str_eq(r[5].text, "missing: extension vector is not installed in mlflowdb");
	cr_assert_str_eq(r[6].text, "missing: extension vector is not installed in mlflowdb or "
				    "vector_db or airflow_db (no such database)");
	pgexpect_rows_free(r, n);
	strv_free(d);
	strv_free(e);
}

Test(pgexpect, unknown_when_not_read)
{
	char **d = list("mlflowdb broken_db");
	char **e = list("vector broken_db:pgcrypto");
	struct pg_db_stat with_broken[] = {{.name = "mlflowdb"}, {.name = "broken_db"}};
	struct pgexpect_row *r;
	int n = pgexpect_judge(d, e, with_broken, 2, NULL, found(), &r);
	cr_assert_eq(n, 4);
	/* not in mlflowdb, broken_db unreadable: unknown, with the error */
	cr_assert_eq(r[2].state, PGX_UNKNOWN);
	cr_assert_str_eq(r[2].text, "broken_db: connection refused");
	cr_assert_eq(r[3].state, PGX_UNKNOWN);
	pgexpect_rows_free(r, n);
	/* no lookup yet: every extension unknown; no database list: unknown too */
	n = pgexpect_judge(d, e, NULL, 0, "server down", NULL, &r);
	cr_assert_eq(r[0].state, PGX_UNKNOWN);
	cr_assert_str_eq(r[0].text, "server down");
	cr_assert_eq(r[2].state, PGX_UNKNOWN);
	pgexpect_rows_free(r, n);
	strv_free(d);
	strv_free(e);
}

Test(pgexpect, bare_name_without_databases_is_the_conninfos)
{
	char **e = list("plpgsql pgcrypto");
	struct pgexpect_row *r;
	int n = pgexpect_judge(NULL, e, dbs, 2, NULL, found(), &r);
	cr_assert_eq(n, 2);
	cr_assert_eq(r[0].state, PGX_OK);
	cr_assert_str_eq(r[0].where, "mlflowdb"); /* the answer names the database */
	cr_assert_eq(r[1].state, PGX_MISSING);
	cr_assert_str_eq(r[1].text, "missing: extension pgcrypto is not installed in mlflowdb");
	pgexpect_rows_free(r, n);
	strv_free(e);
	const struct pgexpect_db *x = pgexpect_db_of(found(), "vector_db");
	cr_assert(x && x->nexts == 2);
	cr_assert_null(pgexpect_db_of(found(), "nosuch"));
}
