/* lib/pg/pgstat_int.h — cell readers shared by the pgstat parsers
 * (pgstat.c, pgstat_tables.c); not for callers of lib/pg/pgstat.h. */
#ifndef MLC_PGSTAT_INT_H
#define MLC_PGSTAT_INT_H

/* A non-negative integer cell; -1 for NULL, garbage, a negative number or
 * one past 2^62 (counters and sizes stay far below: more would overflow a
 * sum). */
long long pgstat_cell_ll(const char *s);
/* A copy of the cell, or NULL for SQL NULL. */
char *pgstat_cell_dup(const char *s);

#endif
