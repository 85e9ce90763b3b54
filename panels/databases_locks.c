/* panels/databases_locks.c — the Lock tree view: from pg_blocking_pids()
 * of the last poll, root blockers first (the lock modes they hold that
 * others wait for), each followed by its waiters, indented, with the lock
 * mode and relation each waits for and how long it has waited. c and K act
 * on the selected backend, a root blocker usually. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "databases.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "tui/app.h"

struct locks {
	int srv;
	int *order, *depth;
	int n;
	unsigned long gen; /* the server's bk_gen the tree was built from */
	bool built;
};

static struct dbsrv *locks_server(struct view *v)
{
	struct locks *L = v->priv;
	struct dbp *P = dbp_of(v->panel);
	return L->srv < P->nsrv ? &P->srv[L->srv] : NULL;
}

static void rebuild(struct view *v)
{
	struct locks *L = v->priv;
	struct dbsrv *s = locks_server(v);
	if (L->built && s && s->bk_gen == L->gen)
		return;
	free(L->order);
	free(L->depth);
	L->order = L->depth = NULL;
	L->n = 0;
	L->built = true;
	L->gen = s ? s->bk_gen : 0;
	if (!s || !s->snap || s->snap->nbk == 0)
		return;
	L->order = xcalloc((size_t)s->snap->nbk, sizeof *L->order);
	L->depth = xcalloc((size_t)s->snap->nbk, sizeof *L->depth);
	L->n = pgstat_lock_tree(s->snap->bk, s->snap->nbk, L->order, L->depth);
}

/* The backend at display row (the model row of the tree), or NULL. */
static const struct pg_backend *lk_backend(struct view *v, int row, int *depth)
{
	struct locks *L = v->priv;
	struct dbsrv *s = locks_server(v);
	rebuild(v);
	if (!s || !s->snap || row < 0 || row >= L->n)
		return NULL;
	if (depth)
		*depth = L->depth[row];
	return &s->snap->bk[L->order[row]];
}

enum { K_PID, K_MODE, K_REL, K_WAITED, K_USER, K_APP, K_STATE, K_QUERY, K_N };

static const struct column lk_cols[K_N] = {
    [K_PID] = {"PID", 12, 12, ALIGN_LEFT, 0, false},
    [K_MODE] = {"LOCK MODE", 9, 26, ALIGN_LEFT, 0, false},
    [K_REL] = {"RELATION", 8, 20, ALIGN_LEFT, 1, false},
    [K_WAITED] = {"WAITED", 7, 7, ALIGN_RIGHT, 0, true},
    [K_USER] = {"USER", 4, 10, ALIGN_LEFT, 3, false},
    [K_APP] = {"APPLICATION", 4, 14, ALIGN_LEFT, 4, false},
    [K_STATE] = {"STATE", 5, 13, ALIGN_LEFT, 2, false},
    [K_QUERY] = {"QUERY", 8, 0, ALIGN_LEFT, 0, false},
};

static const struct column *lk_columns(struct view *v, int *n)
{
	*n = K_N;
	return lk_cols;
}

static int lk_nrows(struct view *v)
{
	db_touch(locks_server(v));
	rebuild(v);
	return ((struct locks *)v->priv)->n;
}

static unsigned long lk_generation(struct view *v)
{
	struct dbsrv *s = locks_server(v);
	return s ? s->bk_gen : 0;
}

/* What the root's waiters wait on: the relation of its first waiter. */
static const char *root_relation(struct view *v, int row)
{
	int d0, d;
	if (!lk_backend(v, row, &d0))
		return NULL;
	const struct pg_backend *w = lk_backend(v, row + 1, &d);
	if (!w || d != d0 + 1)
		return NULL;
	return w->wait_rel ? w->wait_rel : w->wait_locktype;
}

static void lk_cell(struct view *v, int row, int col, struct cell *out)
{
	int depth = 0;
	const struct pg_backend *b = lk_backend(v, row, &depth);
	if (!b)
		return;
	bool waiting = b->nblockers > 0;
	out->role = waiting ? ROLE_ERR : ROLE_WARN;
	switch (col) {
	case K_PID: {
		int k = 0;
		for (int i = 0; i < depth && i < 8; i++)
			k += snprintf(out->text + k, sizeof out->text - (size_t)k, "  ");
		snprintf(out->text + k, sizeof out->text - (size_t)k, "%s%d",
			 depth ? glyph(G_BOTTOM_LEFT) : "", b->pid);
		out->has_num = true;
		out->num = row;
		break;
	}
	case K_MODE:
		if (waiting) {
			db_cell_text(out, b->wait_mode);
		} else {
			char m[128] = "";
			if (b->held_mode)
				san_into(m, sizeof m, b->held_mode, strlen(b->held_mode));
			snprintf(out->text, sizeof out->text, "holds%s%s", m[0] ? " " : "", m);
		}
		break;
	case K_REL:
		db_cell_text(out, waiting ? (b->wait_rel ? b->wait_rel : b->wait_locktype)
					  : root_relation(v, row));
		break;
	case K_WAITED:
		db_cell_age(out, waiting ? db_age_now(locks_server(v), b->state_age_s) : -1);
		break;
	case K_USER:
		db_cell_text(out, b->user);
		break;
	case K_APP:
		db_cell_text(out, b->app);
		break;
	case K_STATE:
		db_cell_text(out, b->state);
		break;
	case K_QUERY:
		pgstat_oneline(out->text, sizeof out->text, b->query);
		break;
	}
}

static void lk_title(struct view *v, char *out, size_t n)
{
	snprintf(out, n, "locks");
}

static void lk_detail(struct view *v, int row, char *out, size_t n, enum role *role)
{
	int depth = 0;
	const struct pg_backend *b = lk_backend(v, row, &depth);
	*role = ROLE_DIM;
	if (!b)
		return;
	if (b->nblockers == 0)
		snprintf(out, n,
			 "pid %d blocks the rows under it: c cancels its query, K ends its session",
			 b->pid);
	else
		snprintf(out, n, "pid %d waits behind %d backend%s", b->pid, b->nblockers,
			 b->nblockers == 1 ? "" : "s");
}

static void lk_empty(struct view *v, char *out, size_t n)
{
	struct dbsrv *s = locks_server(v);
	if (s && s->snap)
		snprintf(out, n, "no backend waits for a lock");
	else
		db_empty_text(s, out, n);
}

static void lk_status(struct view *v, char *out, size_t n)
{
	db_stale_status(locks_server(v), out, n);
}

static void lk_reload(struct view *v)
{
	db_poll_now(locks_server(v));
}

static void lk_close(struct view *v)
{
	struct locks *L = v->priv;
	free(L->order);
	free(L->depth);
	free(L);
}

static int lk_signal(struct view *v, int row, bool terminate)
{
	const struct pg_backend *b = lk_backend(v, row, NULL);
	if (b)
		db_signal_ask(locks_server(v), b, terminate);
	return P_REDRAW;
}

static int lk_cancel(struct view *v, int row)
{
	return lk_signal(v, row, false);
}

static int lk_terminate(struct view *v, int row)
{
	return lk_signal(v, row, true);
}

static const struct view_action lk_actions[] = {
    {"cancel", "c", "cancel", "cancel the backend's query (pg_cancel_backend)",
     ACT_F_SELECTION | ACT_F_WRITES | ACT_F_CONFIRM, lk_cancel},
    {"terminate", "K", "terminate", "end the backend's session (pg_terminate_backend)",
     ACT_F_SELECTION | ACT_F_WRITES | ACT_F_CONFIRM, lk_terminate},
    {"refresh", "r", "refresh", NULL, 0, NULL},
    {"filter", "/", "filter", NULL, 0, NULL},
};

const struct view_ops db_locks_view = {
    .name = "locks",
    .title = lk_title,
    .columns = lk_columns,
    .nrows = lk_nrows,
    .cell = lk_cell,
    .generation = lk_generation,
    .detail = lk_detail,
    .empty_text = lk_empty,
    .reload = lk_reload,
    .status = lk_status,
    .close = lk_close,
    .actions = lk_actions,
    .nactions = ARRAY_LEN(lk_actions),
};

void db_push_locks(struct panel *p, int i)
{
	struct dbp *P = dbp_of(p);
	if (i < 0 || i >= P->nsrv)
		return;
	P->cur = i;
	db_poll_now(&P->srv[i]); /* fresh rows for the view just asked for */
	struct locks *L = xcalloc(1, sizeof *L);
	L->srv = i;
	if (!view_push(p, &db_locks_view, L))
		free(L);
}
