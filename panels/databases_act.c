/* panels/databases_act.c — the Activity view (one server's client
 * backends from the last poll; idle in transaction over a minute and lock
 * waiters highlighted), the query view (Enter: a backend's full query,
 * sanitized, a line per row) and the Lock tree view (root blockers first,
 * their waiters under them). c and K cancel / terminate the selected
 * backend (databases_kill.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "databases.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "tui/app.h"
#include "tui/glyph.h"

static const struct pg_backend *backend_at(struct dbsrv *s, int row)
{
	return s && s->snap && row >= 0 && row < s->snap->nbk ? &s->snap->bk[row] : NULL;
}

static bool is_lock_wait(const struct pg_backend *b)
{
	return b->nblockers > 0 || (b->wait_type && strcmp(b->wait_type, "Lock") == 0);
}

/* Idle in transaction (aborted or not) for longer than the target's
 * idle_xact (default a minute): it holds its locks and snapshot. */
static bool is_idle_xact_long(const struct dbsrv *s, const struct pg_backend *b)
{
	if (!b->state || !str_starts(b->state, "idle in transaction"))
		return false; /* before the clock: this runs for every cell */
	double age = db_age_now(s, b->state_age_s);
	return age >= 0 && age * 1000 >= (double)s->idle_xact_ms;
}

static enum role backend_role(const struct dbsrv *s, const struct pg_backend *b)
{
	if (is_lock_wait(b))
		return ROLE_ERR;
	if (is_idle_xact_long(s, b))
		return ROLE_WARN;
	return ROLE_NORMAL;
}

/* "MLflow (python)" / "psql" / the raw application_name. */
static void app_text(const struct pg_backend *b, struct cell *out)
{
	const char *label = pgstat_app_label(b->app, b->db, b->user);
	char raw[128];
	san_into(raw, sizeof raw, b->app ? b->app : "", b->app ? strlen(b->app) : 0);
	if (label && raw[0] && strcasecmp(label, raw) != 0)
		snprintf(out->text, sizeof out->text, "%s (%s)", label, raw);
	else if (label)
		snprintf(out->text, sizeof out->text, "%s", label);
	else
		db_cell_text(out, b->app);
}

static void wait_text(const struct pg_backend *b, struct cell *out)
{
	if (!b->wait_type) {
		snprintf(out->text, sizeof out->text, "-");
		return;
	}
	char t[64], e[64];
	san_into(t, sizeof t, b->wait_type, strlen(b->wait_type));
	san_into(e, sizeof e, b->wait_event ? b->wait_event : "",
		 b->wait_event ? strlen(b->wait_event) : 0);
	snprintf(out->text, sizeof out->text, "%s:%s", t, e);
}

/* ---- Activity view ------------------------------------------------------ */

enum { A_PID, A_DB, A_APP, A_USER, A_CLIENT, A_STATE, A_WAIT, A_QAGE, A_XAGE, A_QUERY, A_N };

static const struct column act_cols[A_N] = {
    [A_PID] = {"PID", 7, 7, ALIGN_RIGHT, 0, true},
    [A_DB] = {"DB", 2, 12, ALIGN_LEFT, 3, false},
    [A_APP] = {"APPLICATION", 4, 18, ALIGN_LEFT, 2, false},
    [A_USER] = {"USER", 4, 10, ALIGN_LEFT, 4, false},
    [A_CLIENT] = {"CLIENT", 6, 15, ALIGN_LEFT, 6, false},
    [A_STATE] = {"STATE", 5, 13, ALIGN_LEFT, 0, false},
    [A_WAIT] = {"WAIT", 4, 18, ALIGN_LEFT, 5, false},
    [A_QAGE] = {"QUERY", 7, 7, ALIGN_RIGHT, 1, true},
    [A_XAGE] = {"XACT", 7, 7, ALIGN_RIGHT, 1, true},
    [A_QUERY] = {"TEXT", 8, 0, ALIGN_LEFT, 0, false},
};

static const struct column *act_columns(struct view *v, int *n)
{
	*n = A_N;
	return act_cols;
}

static int act_nrows(struct view *v)
{
	struct dbsrv *s = db_server(v);
	db_touch(s);
	return s && s->snap ? s->snap->nbk : 0;
}

static unsigned long act_generation(struct view *v)
{
	struct dbsrv *s = db_server(v);
	return s ? s->bk_gen : 0;
}

static void backend_cell(const struct dbsrv *s, const struct pg_backend *b, int col,
			 struct cell *out)
{
	switch (col) {
	case A_PID:
		snprintf(out->text, sizeof out->text, "%d", b->pid);
		break;
	case A_DB:
		db_cell_text(out, b->db);
		break;
	case A_APP:
		app_text(b, out);
		break;
	case A_USER:
		db_cell_text(out, b->user);
		break;
	case A_CLIENT:
		db_cell_text(out, b->client);
		break;
	case A_STATE:
		db_cell_text(out, b->state);
		break;
	case A_WAIT:
		wait_text(b, out);
		break;
	case A_QAGE:
		db_cell_age(out, b->state && strcmp(b->state, "active") == 0
				     ? db_age_now(s, b->query_age_s)
				     : -1);
		break;
	case A_XAGE:
		db_cell_age(out, db_age_now(s, b->xact_age_s));
		break;
	case A_QUERY:
		pgstat_oneline(out->text, sizeof out->text, b->query);
		if (b->query && strcmp(b->query, "<insufficient privilege>") == 0)
			out->role = ROLE_DIM;
		break;
	}
}

static void act_cell(struct view *v, int row, int col, struct cell *out)
{
	struct dbsrv *s = db_server(v);
	const struct pg_backend *b = backend_at(s, row);
	if (!b)
		return;
	out->role = backend_role(s, b);
	backend_cell(s, b, col, out);
}

static void act_title(struct view *v, char *out, size_t n)
{
	snprintf(out, n, "activity");
}

static void blockers_text(const struct pg_backend *b, char *out, size_t n)
{
	struct buf x;
	buf_init(&x);
	for (int i = 0; i < b->nblockers && i < 16; i++)
		buf_printf(&x, "%s%d", i ? " " : "", b->blockers[i]);
	snprintf(out, n, "%s", x.data ? x.data : "");
	buf_free(&x);
}

static void act_detail(struct view *v, int row, char *out, size_t n, enum role *role)
{
	struct dbsrv *s = db_server(v);
	const struct pg_backend *b = backend_at(s, row);
	*role = ROLE_DIM;
	if (!b)
		return;
	if (b->nblockers > 0) {
		char pids[128], mode[64], rel[128];
		blockers_text(b, pids, sizeof pids);
		san_into(mode, sizeof mode, b->wait_mode ? b->wait_mode : "?",
			 b->wait_mode ? strlen(b->wait_mode) : 1);
		const char *r = b->wait_rel ? b->wait_rel : b->wait_locktype;
		san_into(rel, sizeof rel, r ? r : "?", r ? strlen(r) : 1);
		snprintf(out, n, "pid %d waits for %s on %s, blocked by %s (L: lock tree)", b->pid,
			 mode, rel, pids);
		*role = ROLE_ERR;
	} else if (is_idle_xact_long(s, b)) {
		char age[32], over[32];
		fmt_age(age, sizeof age, (long)(db_age_now(s, b->state_age_s) * 1000));
		fmt_age(over, sizeof over, s->idle_xact_ms);
		snprintf(out, n,
			 "pid %d idle in transaction for %s (over %s): it holds its locks and "
			 "snapshot",
			 b->pid, age, over);
		*role = ROLE_WARN;
	} else {
		snprintf(out, n, "pid %d: Enter shows the whole query", b->pid);
	}
}

static void act_empty(struct view *v, char *out, size_t n)
{
	struct dbsrv *s = db_server(v);
	if (s && s->snap)
		snprintf(out, n, "no other client backends");
	else
		db_empty_text(s, out, n);
}

static void act_status(struct view *v, char *out, size_t n)
{
	db_stale_status(db_server(v), out, n);
}

static void act_copy(struct view *v, int row, char *out, size_t n)
{
	const struct pg_backend *b = backend_at(db_server(v), row);
	if (b && b->query)
		pgstat_oneline(out, n, b->query);
}

static void act_reload(struct view *v)
{
	db_poll_now(db_server(v));
}

/* ---- query view --------------------------------------------------------- */

enum { QV_HEAD = 8 }; /* the lines before the query */

struct qview {
	int pid;
	char **lines;
	int n;
};

static void push_line(struct qview *q, char *safe)
{
	q->lines = xrealloc(q->lines, (size_t)(q->n + 1) * sizeof *q->lines);
	q->lines[q->n++] = safe;
}

/* One line of the query: tabs as spaces, sanitized, wrapped at 76 columns
 * (at a blank when there is one) so that it reads whole at 80. */
static void add_line(struct qview *q, const char *raw, size_t len)
{
	char *x = xmalloc(len * 8 + 1);
	size_t k = 0;
	for (size_t i = 0; i < len; i++) {
		if (raw[i] == '\t') {
			do
				x[k++] = ' ';
			while (k % 8);
		} else if (raw[i] != '\r') {
			x[k++] = raw[i];
		}
	}
	char *safe = san_dup(x, k);
	free(x);
	const char *p = safe;
	do {
		size_t fit = san_fit(p, 76, NULL);
		if (p[fit]) {
			size_t at = fit;
			while (at > 0 && p[at - 1] != ' ')
				at--;
			if (at > 0)
				fit = at;
		}
		push_line(q, xstrndup(p, fit));
		p += fit;
	} while (*p);
	free(safe);
}

static void add_fmt(struct qview *q, const char *label, const char *raw)
{
	char *s = xasprintf("%-8s %s", label, raw ? raw : "-");
	add_line(q, s, strlen(s));
	free(s);
}

static int act_open(struct view *v, int row)
{
	const struct pg_backend *b = backend_at(db_server(v), row);
	if (!b)
		return P_IGNORED;
	struct qview *q = xcalloc(1, sizeof *q);
	q->pid = b->pid;
	char pid[16];
	snprintf(pid, sizeof pid, "%d", b->pid);
	add_fmt(q, "pid", pid);
	add_fmt(q, "database", b->db);
	add_fmt(q, "user", b->user);
	add_fmt(q, "app", b->app);
	add_fmt(q, "client", b->client);
	add_fmt(q, "state", b->state);
	char extra[64];
	snprintf(extra, sizeof extra, "%d", b->workers);
	add_fmt(q, "workers", b->workers >= 0 ? extra : NULL);
	snprintf(extra, sizeof extra, "%lld", b->query_id);
	add_fmt(q, "query_id", b->has_query_id ? extra : NULL);
	add_line(q, "", 0);
	const char *s = b->query ? b->query : "";
	for (;;) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		add_line(q, s, len);
		if (!nl)
			break;
		s = nl + 1;
	}
	if (!view_push(v->panel, &db_query_view, q)) {
		for (int i = 0; i < q->n; i++)
			free(q->lines[i]);
		free(q->lines);
		free(q);
	}
	return P_REDRAW;
}

static const struct column q_cols[1] = {{"QUERY", 10, 0, ALIGN_LEFT, 0, false}};

static const struct column *q_columns(struct view *v, int *n)
{
	*n = 1;
	return q_cols;
}

static int q_nrows(struct view *v)
{
	return ((struct qview *)v->priv)->n;
}

static void q_cell(struct view *v, int row, int col, struct cell *out)
{
	struct qview *q = v->priv;
	snprintf(out->text, sizeof out->text, "%s", q->lines[row]);
	out->role = row < QV_HEAD ? ROLE_DIM : ROLE_NORMAL;
}

static void q_title(struct view *v, char *out, size_t n)
{
	snprintf(out, n, "pid %d", ((struct qview *)v->priv)->pid);
}

static void q_copy(struct view *v, int row, char *out, size_t n)
{
	snprintf(out, n, "%s", ((struct qview *)v->priv)->lines[row]);
}

static void q_close(struct view *v)
{
	struct qview *q = v->priv;
	for (int i = 0; i < q->n; i++)
		free(q->lines[i]);
	free(q->lines);
	free(q);
}

static const struct view_action q_actions[] = {
    {"copy", "y", "copy line", NULL, 0, NULL},
    {"filter", "/", "filter", NULL, 0, NULL},
};

const struct view_ops db_query_view = {
    .name = "query",
    .title = q_title,
    .columns = q_columns,
    .nrows = q_nrows,
    .cell = q_cell,
    .copy_text = q_copy,
    .close = q_close,
    .actions = q_actions,
    .nactions = ARRAY_LEN(q_actions),
};

/* ---- actions shared by Activity and Lock tree --------------------------- */

static int act_cancel(struct view *v, int row)
{
	const struct pg_backend *b = backend_at(db_server(v), row);
	if (b)
		db_signal_ask(db_server(v), b, false);
	return P_REDRAW;
}

static int act_terminate(struct view *v, int row)
{
	const struct pg_backend *b = backend_at(db_server(v), row);
	if (b)
		db_signal_ask(db_server(v), b, true);
	return P_REDRAW;
}

static int act_locks(struct view *v, int row)
{
	db_push_locks(v->panel, (int)(intptr_t)v->priv);
	return P_REDRAW;
}

static const struct view_action act_actions[] = {
    {"open", "<Enter>", "query", "the backend's whole query", ACT_F_SELECTION, act_open},
    {"cancel", "c", "cancel", "cancel the backend's query (pg_cancel_backend)",
     ACT_F_SELECTION | ACT_F_WRITES | ACT_F_CONFIRM, act_cancel},
    {"terminate", "K", "terminate", "end the backend's session (pg_terminate_backend)",
     ACT_F_SELECTION | ACT_F_WRITES | ACT_F_CONFIRM, act_terminate},
    {"locks", "L", "locks", "who blocks whom, as a tree", 0, act_locks},
    {"refresh", "r", NULL, NULL, 0, NULL},
    {"filter", "/", "filter", NULL, 0, NULL},
    {"sort", "s", "sort", NULL, 0, NULL},
    {"copy", "y", NULL, NULL, 0, NULL},
};

const struct view_ops db_activity_view = {
    .name = "activity",
    .title = act_title,
    .columns = act_columns,
    .nrows = act_nrows,
    .cell = act_cell,
    .generation = act_generation,
    .detail = act_detail,
    .empty_text = act_empty,
    .copy_text = act_copy,
    .reload = act_reload,
    .status = act_status,
    .actions = act_actions,
    .nactions = ARRAY_LEN(act_actions),
};

void db_push_activity(struct panel *p, int i)
{
	struct dbp *P = dbp_of(p);
	if (i < 0 || i >= P->nsrv)
		return;
	P->cur = i;
	db_poll_now(&P->srv[i]); /* fresh rows for the view just asked for */
	view_push(p, &db_activity_view, (void *)(intptr_t)i);
}
