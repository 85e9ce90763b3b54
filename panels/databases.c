/* panels/databases.c — the Databases panel (digit 3, :databases): the
 * PostgreSQL servers of the [postgres NAME] targets. This file: the panel
 * (one server per target, the root Servers view; with one target it opens
 * on that server's Databases), polling (one batched round per refresh per
 * server, only while one of its views is on screen; a failed round keeps
 * the last data with its age), cell helpers and the commands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "databases.h"
#include "lib/core/loop.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "tui/app.h"
#include "tui/canvas.h"
#include "tui/cmd.h"
#include "tui/glyph.h"

struct panel databases_panel;

struct dbp *dbp_of(struct panel *p)
{
	return p->priv;
}

struct dbsrv *db_server(struct view *v)
{
	struct dbp *P = dbp_of(v->panel);
	int i = (int)(intptr_t)v->priv;
	return P && i >= 0 && i < P->nsrv ? &P->srv[i] : NULL;
}

/* ---- polling ------------------------------------------------------------ */

static void on_timer(uv_timer_t *t);

static void arm(struct dbsrv *s)
{
	s->polling = true;
	uv_timer_start(s->timer, on_timer, (uint64_t)s->refresh_ms, 0);
}

/* The generation of the panel's top view (0 without one). */
static unsigned long top_generation(void)
{
	struct view *top = view_top(&databases_panel);
	return top && top->ops->generation ? top->ops->generation(top) : 0;
}

/* A poll that changed nothing the top view shows (idle backends whose
 * ages only grew) leaves the redraw to the clock's tick. */
static void on_round(struct pg_snapshot *snap, const struct mlc_err *err, void *arg)
{
	struct dbsrv *s = arg;
	s->round = NULL;
	unsigned long top0 = top_generation();
	bool was_ok = s->err.code == MLC_OK;
	if (snap) {
		bool same = was_ok && pgstat_backends_same(s->snap, snap);
		pgstat_rates(snap, s->snap);
		pgstat_snapshot_free(s->snap);
		s->snap = snap;
		s->ok_wall = wall_ms();
		mlc_err_clear(&s->err);
		if (!same)
			s->bk_gen++;
		db_expect_due(s); /* in the same turn: a script waits for both */
	} else {
		s->err = *err;
		s->bk_gen++;
	}
	s->gen++;
	if (top_generation() != top0 || !view_top(&databases_panel))
		app_dirty();
	arm(s);
}

void db_poll_now(struct dbsrv *s)
{
	if (s->round)
		return;
	if (!s->conn) {
		struct pgc_opts o = {
		    .conninfo = s->t->conninfo ? s->t->conninfo : "",
		    .password = s->t->password,
		    .connect_timeout_ms = s->timeout_ms,
		    .statement_timeout_ms = s->timeout_ms,
		};
		s->conn = pgc_conn_new(&o);
	}
	uv_timer_stop(s->timer);
	s->polling = true;
	s->round = pgstat_round_start(s->conn, 2 * s->timeout_ms, on_round, s);
}

/* Keeps polling while a view of the server was drawn in the last three
 * refreshes; otherwise stops until the next db_touch. */
static void on_timer(uv_timer_t *t)
{
	struct dbsrv *s = t->data;
	if (mono_ms() - s->seen_mono > 3 * s->refresh_ms) {
		s->polling = false;
		return;
	}
	db_poll_now(s);
}

void db_touch(struct dbsrv *s)
{
	if (!s)
		return;
	s->seen_mono = mono_ms();
	if (!s->polling)
		db_poll_now(s);
}

void db_empty_text(struct dbsrv *s, char *out, size_t n)
{
	if (s && s->err.code != MLC_OK)
		san_into(out, n, s->err.msg, strlen(s->err.msg));
	else
		snprintf(out, n, "connecting to %s%s", s ? s->t->name : "?", glyph(G_ELLIPSIS));
}

void db_stale_status(struct dbsrv *s, char *out, size_t n)
{
	if (!s || s->err.code == MLC_OK || !s->snap) {
		if (n)
			out[0] = 0;
		return;
	}
	char age[32];
	fmt_age(age, sizeof age, (long)(wall_ms() - s->ok_wall));
	snprintf(out, n, "stale %s", age);
}

void db_stale_detail(struct dbsrv *s, char *out, size_t n)
{
	char e[300];
	db_stale_status(s, out, n);
	if (!s || s->err.code == MLC_OK || !s->snap)
		return;
	san_into(e, sizeof e, s->err.msg, strlen(s->err.msg));
	size_t k = strlen(out);
	snprintf(out + k, n - k, ": %s", e);
}

/* ---- cells -------------------------------------------------------------- */

double db_age_now(const struct dbsrv *s, double age)
{
	if (age < 0 || !s || s->err.code != MLC_OK)
		return age;
	return age + (double)(wall_ms() - s->ok_wall) / 1000.0;
}

void db_cell_age(struct cell *c, double s)
{
	c->has_num = true;
	c->num = s;
	if (s < 0)
		snprintf(c->text, sizeof c->text, "-");
	else
		fmt_age(c->text, sizeof c->text, (long)(s * 1000));
}

void db_cell_count(struct cell *c, long long v)
{
	c->has_num = true;
	c->num = (double)v;
	if (v < 0)
		snprintf(c->text, sizeof c->text, "-");
	else
		fmt_count(c->text, sizeof c->text, v);
}

void db_cell_rate(struct cell *c, double v)
{
	c->has_num = true;
	c->num = v;
	if (v < 0)
		snprintf(c->text, sizeof c->text, "-");
	else
		snprintf(c->text, sizeof c->text, v < 10 ? "%.1f" : "%.0f", v);
}

void db_cell_bytes(struct cell *c, long long v)
{
	c->has_num = true;
	c->num = (double)v;
	if (v < 0)
		snprintf(c->text, sizeof c->text, "-");
	else
		fmt_bytes(c->text, sizeof c->text, (uint64_t)v);
}

void db_cell_text(struct cell *c, const char *raw)
{
	if (!raw || !*raw)
		snprintf(c->text, sizeof c->text, "-");
	else
		san_into(c->text, sizeof c->text, raw, strlen(raw));
}

/* ---- Servers view ------------------------------------------------------- */

enum { S_NAME, S_VERSION, S_UPTIME, S_CONNS, S_TPS, S_RB, S_HIT, S_ROLE, S_XID, S_STATE, S_N };

static const struct column srv_cols[S_N] = {
    [S_NAME] = {"SERVER", 6, 16, ALIGN_LEFT, 0, false},
    [S_VERSION] = {"VERSION", 8, 8, ALIGN_LEFT, 3, false},
    [S_UPTIME] = {"UPTIME", 7, 7, ALIGN_RIGHT, 4, true},
    [S_CONNS] = {"CONNS", 9, 9, ALIGN_RIGHT, 0, true},
    [S_TPS] = {"TPS", 7, 7, ALIGN_RIGHT, 0, true},
    [S_RB] = {"RB/S", 6, 6, ALIGN_RIGHT, 2, true},
    [S_HIT] = {"HIT%", 6, 6, ALIGN_RIGHT, 2, true},
    [S_ROLE] = {"ROLE", 7, 16, ALIGN_LEFT, 1, false},
    [S_XID] = {"XID AGE", 13, 13, ALIGN_RIGHT, 1, true},
    [S_STATE] = {"STATE", 6, 0, ALIGN_LEFT, 0, false},
};

static const struct column *srv_columns(struct view *v, int *n)
{
	*n = S_N;
	return srv_cols;
}

static int srv_nrows(struct view *v)
{
	struct dbp *P = dbp_of(v->panel);
	for (int i = 0; i < P->nsrv; i++)
		db_touch(&P->srv[i]);
	return P->nsrv;
}

static unsigned long srv_generation(struct view *v)
{
	struct dbp *P = dbp_of(v->panel);
	unsigned long g = 0;
	for (int i = 0; i < P->nsrv; i++)
		g += P->srv[i].gen;
	return g;
}

/* ok, connecting, down, or stale with the age of the data shown; the
 * error itself is on the detail line. */
static void srv_state(struct dbsrv *s, struct cell *out)
{
	char age[32];
	if (s->err.code != MLC_OK && s->snap) {
		fmt_age(age, sizeof age, (long)(wall_ms() - s->ok_wall));
		snprintf(out->text, sizeof out->text, "stale %s", age);
		out->role = ROLE_ERR;
	} else if (s->err.code != MLC_OK) {
		snprintf(out->text, sizeof out->text, "down");
		out->role = ROLE_ERR;
	} else if (!s->snap) {
		snprintf(out->text, sizeof out->text, "%s connecting", canvas_spinner());
		out->role = ROLE_DIM;
	} else {
		snprintf(out->text, sizeof out->text, "ok");
		out->role = ROLE_OK;
	}
}

static void srv_cell(struct view *v, int row, int col, struct cell *out)
{
	struct dbsrv *s = &dbp_of(v->panel)->srv[row];
	const struct pg_snapshot *sn = s->snap;
	out->role = ROLE_NORMAL;
	if (col == S_NAME) {
		db_cell_text(out, s->t->name);
		return;
	}
	if (col == S_STATE) {
		srv_state(s, out);
		return;
	}
	if (!sn) {
		snprintf(out->text, sizeof out->text, "-");
		return;
	}
	switch (col) {
	case S_VERSION: /* "15.18", without " (Debian 15.18-0+deb12u1)" */
		san_into(out->text, sizeof out->text, sn->srv.version,
			 strcspn(sn->srv.version, " "));
		break;
	case S_UPTIME:
		db_cell_age(out, sn->srv.uptime_s);
		break;
	case S_CONNS:
		snprintf(out->text, sizeof out->text, "%ld/%ld", sn->srv.connections,
			 sn->srv.max_connections);
		out->has_num = true;
		out->num = (double)sn->srv.connections;
		if (sn->srv.max_connections > 0 &&
		    sn->srv.connections * 10 >= sn->srv.max_connections * 9)
			out->role = ROLE_WARN;
		break;
	case S_TPS:
		db_cell_rate(out, sn->tps);
		break;
	case S_RB:
		db_cell_rate(out, sn->rollbacks_ps);
		break;
	case S_HIT:
		out->has_num = true;
		out->num = sn->hit_ratio;
		if (sn->hit_ratio < 0)
			snprintf(out->text, sizeof out->text, "-");
		else
			snprintf(out->text, sizeof out->text, "%.1f", 100 * sn->hit_ratio);
		out->role = sn->hit_ratio >= 0 && sn->hit_ratio < 0.9 ? ROLE_WARN : ROLE_NORMAL;
		break;
	case S_ROLE:
		if (!sn->srv.standby) {
			snprintf(out->text, sizeof out->text, "primary");
		} else {
			char lag[32] = "?";
			if (sn->srv.replay_lag_s >= 0)
				fmt_age(lag, sizeof lag, (long)(sn->srv.replay_lag_s * 1000));
			snprintf(out->text, sizeof out->text, "standby lag %s", lag);
		}
		break;
	case S_XID:
		db_cell_count(out, sn->srv.frozen_age);
		/* autovacuum_freeze_max_age defaults to 200M; wraparound at 2^31 */
		out->role = sn->srv.frozen_age > 1000000000LL  ? ROLE_ERR
			    : sn->srv.frozen_age > 200000000LL ? ROLE_WARN
							       : ROLE_NORMAL;
		break;
	}
}

static void srv_title(struct view *v, char *out, size_t n)
{
	snprintf(out, n, "Databases");
}

static void srv_detail(struct view *v, int row, char *out, size_t n, enum role *role)
{
	struct dbp *P = dbp_of(v->panel);
	if (row < 0 || row >= P->nsrv)
		return;
	struct dbsrv *s = &P->srv[row];
	if (s->err.code != MLC_OK) {
		db_stale_detail(s, out, n);
		if (!s->snap)
			db_empty_text(s, out, n);
		*role = ROLE_ERR;
		return;
	}
	char *ep = target_endpoint(s->t);
	char safe[256];
	san_into(safe, sizeof safe, ep, strlen(ep));
	free(ep);
	snprintf(out, n, "%s  every %.1f s  (%s)", safe, s->refresh_ms / 1000.0, s->t->origin);
	*role = ROLE_DIM;
}

static void srv_empty(struct view *v, char *out, size_t n)
{
	snprintf(out, n,
		 "no PostgreSQL configured: add a [postgres NAME] section with conninfo = "
		 "(or set PGHOST / POSTGRES_HOST); see README");
}

static void srv_copy(struct view *v, int row, char *out, size_t n)
{
	char *ep = target_endpoint(dbp_of(v->panel)->srv[row].t);
	san_into(out, n, ep, strlen(ep));
	free(ep);
}

static void srv_reload(struct view *v)
{
	struct dbp *P = dbp_of(v->panel);
	for (int i = 0; i < P->nsrv; i++)
		db_poll_now(&P->srv[i]);
}

static int srv_open(struct view *v, int row)
{
	db_push_databases(v->panel, row);
	return P_REDRAW;
}

static int srv_activity(struct view *v, int row)
{
	db_push_activity(v->panel, row);
	return P_REDRAW;
}

static int srv_locks(struct view *v, int row)
{
	db_push_locks(v->panel, row);
	return P_REDRAW;
}

static const struct view_action srv_actions[] = {
    {"open", "<Enter>", "databases", "the server's databases", ACT_F_SELECTION, srv_open},
    {"activity", "a", "activity", "the server's backends (pg_stat_activity)", ACT_F_SELECTION,
     srv_activity},
    {"locks", "L", "locks", "who blocks whom, as a tree", ACT_F_SELECTION, srv_locks},
    {"refresh", "r", "refresh", NULL, 0, NULL},
    {"filter", "/", "filter", NULL, 0, NULL},
    {"sort", "s", "sort", NULL, 0, NULL},
};

const struct view_ops db_servers_view = {
    .name = "servers",
    .title = srv_title,
    .columns = srv_columns,
    .nrows = srv_nrows,
    .cell = srv_cell,
    .generation = srv_generation,
    .detail = srv_detail,
    .empty_text = srv_empty,
    .copy_text = srv_copy,
    .reload = srv_reload,
    .actions = srv_actions,
    .nactions = ARRAY_LEN(srv_actions),
};

/* ---- commands ----------------------------------------------------------- */

/* The server a command names (or the current one); -1 after saying why. */
static int server_arg(struct panel *p, const char *args)
{
	struct dbp *P = dbp_of(p);
	if (P->nsrv == 0) {
		app_message(ROLE_ERR, "no PostgreSQL configured");
		return -1;
	}
	if (!args || !*args)
		return P->cur;
	for (int i = 0; i < P->nsrv; i++)
		if (strcmp(P->srv[i].t->name, args) == 0)
			return i;
	char safe[128];
	san_into(safe, sizeof safe, args, strlen(args));
	app_message(ROLE_ERR, "no [postgres] target named %s", safe);
	return -1;
}

static int c_activity(struct panel *p, const char *args)
{
	int i = server_arg(p, args);
	if (i < 0)
		return -1;
	db_push_activity(p, i);
	return 0;
}

static int c_locks(struct panel *p, const char *args)
{
	int i = server_arg(p, args);
	if (i < 0)
		return -1;
	db_push_locks(p, i);
	return 0;
}

static int c_tables(struct panel *p, const char *args)
{
	int i = server_arg(p, NULL);
	if (i < 0)
		return -1;
	if (!args || !*args) {
		app_message(ROLE_ERR, "usage: tables DB");
		return -1;
	}
	db_push_tables(p, i, args);
	return 0;
}

static int c_sql(struct panel *p, const char *args)
{
	int i = server_arg(p, NULL);
	if (i < 0)
		return -1;
	return db_run_sql(p, i, db_tables_db(view_top(p)), args);
}

static void complete_servers(struct panel *p, const char *args, const char *word,
			     struct cmd_cands *out)
{
	struct dbp *P = dbp_of(p);
	for (int i = 0; P && i < P->nsrv; i++)
		if (str_starts(P->srv[i].t->name, word))
			cmd_cand_add(out, P->srv[i].t->name);
}

static void complete_dbs(struct panel *p, const char *args, const char *word, struct cmd_cands *out)
{
	struct dbp *P = dbp_of(p);
	const struct pg_snapshot *sn = P && P->nsrv ? P->srv[P->cur].snap : NULL;
	for (int i = 0; sn && i < sn->ndbs; i++)
		if (str_starts(sn->dbs[i].name, word))
			cmd_cand_add(out, sn->dbs[i].name);
}

static const struct cmd_entry db_cmds[] = {
    {"activity", NULL, "[SERVER]", "the backends of a PostgreSQL server", CMD_ARG_TEXT, c_activity,
     complete_servers},
    {"locks", NULL, "[SERVER]", "who blocks whom on a PostgreSQL server", CMD_ARG_TEXT, c_locks,
     complete_servers},
    {"tables", NULL, "DB", "the tables of database DB, biggest first", CMD_ARG_TEXT, c_tables,
     complete_dbs},
    {"sql", NULL, "SELECT ...", "a read-only query (statement timeout, first 1,000 rows)",
     CMD_ARG_TEXT, c_sql, NULL},
};

/* ---- the panel ---------------------------------------------------------- */

void db_push_databases(struct panel *p, int i)
{
	struct dbp *P = dbp_of(p);
	if (i < 0 || i >= P->nsrv)
		return;
	P->cur = i;
	view_push(p, &db_databases_view, (void *)(intptr_t)i);
}

static void db_open(struct panel *p)
{
	const struct config *cfg = app_config();
	struct dbp *P = xcalloc(1, sizeof *P);
	p->priv = P;
	for (size_t i = 0; cfg && i < cfg->ntargets; i++)
		if (cfg->targets[i].kind == TK_POSTGRES)
			P->nsrv++;
	P->srv = xcalloc((size_t)P->nsrv + 1, sizeof *P->srv);
	int k = 0;
	for (size_t i = 0; cfg && i < cfg->ntargets; i++) {
		const struct target *t = &cfg->targets[i];
		if (t->kind != TK_POSTGRES)
			continue;
		struct dbsrv *s = &P->srv[k++];
		s->t = t;
		s->refresh_ms = t->refresh_ms > 0 ? t->refresh_ms : cfg->refresh_ms;
		if (s->refresh_ms < 500)
			s->refresh_ms = 2000;
		s->timeout_ms = t->timeout_ms > 0 ? t->timeout_ms : 5000;
		s->idle_xact_ms = t->idle_xact_ms > 0 ? t->idle_xact_ms : 60000;
		uv_timer_t *tm = xcalloc(1, sizeof *tm);
		uv_timer_init(loop_get(), tm);
		tm->data = s;
		s->timer = tm;
	}
	view_push(p, &db_servers_view, NULL);
	if (P->nsrv == 1)
		db_push_databases(p, 0);
}

static void free_handle(uv_handle_t *h)
{
	free(h);
}

static void db_close(struct panel *p)
{
	struct dbp *P = dbp_of(p);
	for (int i = 0; P && i < P->nsrv; i++) {
		struct dbsrv *s = &P->srv[i];
		pgstat_round_cancel(s->round);
		db_expect_free(s);
		pgc_conn_free(s->conn);
		pgstat_snapshot_free(s->snap);
		uv_timer_stop(s->timer);
		uv_close((uv_handle_t *)s->timer, free_handle);
	}
	if (P)
		free(P->srv);
	free(P);
	p->priv = NULL;
}

static const struct view_ops *const db_views[] = {
    &db_servers_view, &db_databases_view, &db_tables_view, &db_activity_view,
    &db_query_view,   &db_locks_view,	  &db_sql_view,	   NULL,
};

static const struct panel_ops databases_ops = {
    .name = "databases",
    .title = "Databases",
    .digit = 3,
    .open = db_open,
    .close = db_close,
    .cmds = db_cmds,
    .ncmds = ARRAY_LEN(db_cmds),
    .views = db_views,
};

struct panel databases_panel = {.ops = &databases_ops};
