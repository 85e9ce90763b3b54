/* panels/databases.h — the Databases panel's shared state: one server per
 * [postgres NAME] target, each with its polling connection (read-only),
 * refresh timer and last snapshot (kept with its age when a poll fails).
 * databases.c: the panel, polling, commands, Servers view;
 * databases_dbs.c: Databases view; databases_tables.c: Tables view;
 * databases_act.c: Activity and query views; databases_locks.c: Lock tree;
 * databases_kill.c: cancel / terminate and the :sql result view. */
#ifndef MLC_PANEL_DATABASES_H
#define MLC_PANEL_DATABASES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/core/config.h"
#include "lib/core/err.h"
#include "lib/pg/pgexpect.h"
#include "lib/pg/pgstat.h"
#include "tui/panel.h"
#include "tui/view.h"

struct dbsrv {
	const struct target *t;
	struct pgc_conn *conn; /* polling, read-only; connects lazily */
	struct pgstat_round *round;
	void *timer;		  /* uv_timer_t, owned */
	struct pg_snapshot *snap; /* last good poll, or NULL */
	struct mlc_err err;	  /* the last poll's error; MLC_OK after a good one */
	int64_t ok_wall;	  /* when snap was taken */
	int64_t seen_mono;	  /* a view of this server was last drawn */
	unsigned long gen;	  /* bumped when snap or err change */
	/* bumped when what the Activity and Lock tree views show changes: the
	 * backends beyond their ages (pgstat_backends_same), or err */
	unsigned long bk_gen;
	bool polling; /* the timer runs */
	long refresh_ms, timeout_ms;
	long idle_xact_ms; /* idle in transaction this long is highlighted */
	/* The expected extensions, read in every database that expects one
	 * and every database shown (lib/pg/pgexpect, as `check` reads them):
	 * again after DB_EXPECT_MS or on r. */
	struct pgexpect_lookup *xlook;
	struct pgexpect_found *xfound; /* the last answer, or NULL */
	int64_t xfound_mono;
	bool xstale;	       /* r asked for a fresh lookup */
	int64_t dbs_seen_mono; /* the Databases view was last drawn */
	/* pgexpect's verdict on snap and xfound, made when gen moves */
	struct pgexpect_row *xrows;
	int nxrows;
	unsigned long xrows_gen;
};

struct dbp {
	struct dbsrv *srv;
	int nsrv;
	int cur; /* the server commands act on */
};

/* The panel's state; the server a server-level view shows (its priv is
 * the server's index). */
struct dbp *dbp_of(struct panel *p);
struct dbsrv *db_server(struct view *v);
/* A view of s is on screen: polls now if s was idle, keeps it polling. */
void db_touch(struct dbsrv *s);
void db_poll_now(struct dbsrv *s);
/* "connecting…", or the error; "stale 12s" for the status hook (empty
 * when the data is fresh); "stale 12s: <error>" for the detail line. */
void db_empty_text(struct dbsrv *s, char *out, size_t n);
void db_stale_status(struct dbsrv *s, char *out, size_t n);
void db_stale_detail(struct dbsrv *s, char *out, size_t n);
/* The verdict on s's expected databases and extensions (rows of
 * pgexpect_judge, borrowed until the next poll), refreshed when due; the
 * count. Extension rows are left out until the first lookup answers. */
int db_expect_rows(struct dbsrv *s, const struct pgexpect_row **out);
/* After a poll: starts the lookup when it is due and the Databases view
 * of s is on screen. */
void db_expect_due(struct dbsrv *s);
/* Stops the lookup and frees what it found. */
void db_expect_free(struct dbsrv *s);
/* Pushes the Activity / Lock tree view of server i. */
void db_push_activity(struct panel *p, int i);
void db_push_locks(struct panel *p, int i);
void db_push_databases(struct panel *p, int i);
/* Pushes the Tables view of database db of server i. */
void db_push_tables(struct panel *p, int i, const char *db);
/* Runs :sql on database db (NULL: the polling one) of server i. */
int db_run_sql(struct panel *p, int i, const char *db, const char *sql);
/* The database a Tables view shows (where :sql runs), or NULL for any
 * other view. */
const char *db_tables_db(struct view *v);
/* Asks, then cancels (terminate false) or terminates backend b of s. */
void db_signal_ask(struct dbsrv *s, const struct pg_backend *b, bool terminate);

/* Cell helpers: seconds as an age ("4m12s", "-" when unknown), a count, a
 * rate, bytes; each also sets the cell's sort number. */
void db_cell_age(struct cell *c, double s);
void db_cell_count(struct cell *c, long long v);
void db_cell_rate(struct cell *c, double v);
void db_cell_bytes(struct cell *c, long long v);
void db_cell_text(struct cell *c, const char *raw);
/* A backend's age (seconds, -1 unknown) as of now: the polled age plus
 * the time since the poll, so that ages move with the clock's redraw
 * between polls that changed nothing; frozen while the data is stale. */
double db_age_now(const struct dbsrv *s, double age);

extern const struct view_ops db_servers_view, db_databases_view, db_tables_view, db_activity_view,
    db_query_view, db_locks_view, db_sql_view;

#endif
