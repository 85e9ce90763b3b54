/* lib/pg/pgexpect.h — a [postgres] target's expectations (`databases =`,
 * `extensions =` with a bare EXT or DB:EXT), read and judged one way for
 * both the Databases panel and `mlconsole check`: the installed extensions
 * of every database an extension is expected in (one short connection per
 * database, PGSTAT_SQL_EXTENSIONS parsed by pgstat_parse_extensions), and a
 * pure verdict per expectation against the databases of
 * PGSTAT_SQL_DATABASES. Never draws, never logs. */
#ifndef MLC_PGEXPECT_H
#define MLC_PGEXPECT_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/pg/pgstat.h"

/* "vector_db:vector" → db "vector_db", returns "vector"; "vector" → db "". */
const char *pgexpect_split(const char *spec, char *db, size_t n);

/* The extensions of one database, as a lookup read them. */
struct pgexpect_db {
	char *asked; /* the database asked for; "" the conninfo's own */
	char *name;  /* current_database() of the answer, or NULL */
	struct pg_ext *exts;
	int nexts;
	char *err; /* why it could not be read, or NULL */
};
struct pgexpect_found {
	struct pgexpect_db *db;
	int n;
};

struct pgexpect_opts {
	const char *conninfo, *password;
	char *const *databases, *const *extensions; /* the target's lists (NULL: none) */
	char *const *also; /* more databases to read (the panel: every one shown), or NULL */
	long timeout_ms;   /* per database, connect included; 0 → 8000 */
};

/* Reads the extensions of every database an expected extension names (its
 * DB; a bare name: every listed database, or the conninfo's own when none
 * is listed) and of also[], each on a short connection of its own, all at
 * once. done gets the answers (the caller frees them with
 * pgexpect_found_free) exactly once, from the loop, unless cancelled
 * first. With nothing to read, done still comes from the loop. */
struct pgexpect_lookup;
typedef void (*pgexpect_cb)(struct pgexpect_found *f, void *arg);
struct pgexpect_lookup *pgexpect_lookup_start(const struct pgexpect_opts *o, pgexpect_cb done,
					      void *arg);
/* Closes the connections; done is never called. NULL is fine. */
void pgexpect_lookup_cancel(struct pgexpect_lookup *l);
void pgexpect_found_free(struct pgexpect_found *f);
/* The answer for database name (or NULL). */
const struct pgexpect_db *pgexpect_db_of(const struct pgexpect_found *f, const char *name);

enum pgexpect_state { PGX_OK, PGX_MISSING, PGX_UNKNOWN };
struct pgexpect_row {
	bool is_ext;
	char *spec;  /* as written: "mlflowdb", "vector_db:vector" */
	char *name;  /* the database, or the extension */
	char *where; /* an extension found: the database it is in; else NULL */
	enum pgexpect_state state;
	/* "exists", "missing: no database X", "installed", "missing: extension X
	 * is not installed in A or B (no database C)", or the error that
	 * leaves it unknown ("B: connection refused") */
	char *text;
};

/* One row per expected database, then one per expected extension, judged
 * against the server's databases (dbs, or NULL with dberr when they could
 * not be read) and the lookup f (NULL: not read yet, extensions unknown).
 * An extension is OK when any of its databases has it, MISSING when every
 * one was read (or does not exist) without it, else UNKNOWN with the first
 * error. Pure; returns the count, *out freed with pgexpect_rows_free. */
int pgexpect_judge(char *const *databases, char *const *extensions, const struct pg_db_stat *dbs,
		   int ndbs, const char *dberr, const struct pgexpect_found *f,
		   struct pgexpect_row **out);
void pgexpect_rows_free(struct pgexpect_row *r, int n);

#endif
