/* panels/ray_work.c — what runs on the Ray cluster beside jobs: the actors
 * (`a`: one row per state and class with its count, problems first, and one
 * row per dead actor with its death cause) and the Serve applications (`S`:
 * status, route prefix, deployments and replicas healthy / total, each
 * deployment under its app; the message of an unhealthy one beside it).
 * Rows are rebuilt from the cluster's loads when an answer arrives. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/util.h"
#include "ray.h"
#include "tui/glyph.h"

/* One row of either view: texts borrowed from the cluster's answers. */
struct wrow {
	const char *a, *b, *msg; /* state / app or deployment; class / route; message */
	const char *status;
	char count[32], extra[32];
	int depth; /* Serve: 0 an app, 1 a deployment (2: the last of its app) */
};

static struct wrow *row_add(struct rp_view *w)
{
	w->rows = xrealloc(w->rows, (size_t)(w->nrows + 1) * sizeof(struct wrow));
	struct wrow *r = &((struct wrow *)w->rows)[w->nrows++];
	memset(r, 0, sizeof *r);
	return r;
}

/* ---- actors ------------------------------------------------------------------ */

static int state_rank(const char *s)
{
	static const char *const order[] = {"DEAD", "RESTARTING", "PENDING_CREATION",
					    "DEPENDENCIES_UNREADY", "ALIVE"};
	for (int i = 0; s && i < (int)ARRAY_LEN(order); i++)
		if (!strcmp(s, order[i]))
			return i;
	return (int)ARRAY_LEN(order);
}

static int actor_cmp(const void *pa, const void *pb)
{
	const struct ray_actor *a = *(const struct ray_actor *const *)pa;
	const struct ray_actor *b = *(const struct ray_actor *const *)pb;
	int d = state_rank(a->state) - state_rank(b->state);
	if (d)
		return d;
	d = strcmp(a->state ? a->state : "", b->state ? b->state : "");
	return d ? d
		 : strcmp(a->class_name ? a->class_name : "", b->class_name ? b->class_name : "");
}

static bool same_group(const struct ray_actor *a, const struct ray_actor *b)
{
	return !actor_cmp(&a, &b);
}

static void actor_rows(struct rp_view *w, struct rp_cluster *c)
{
	const struct ray_actors *as = &c->actors;
	const struct ray_actor **v = xcalloc(as->n + 1, sizeof *v);
	for (size_t i = 0; i < as->n; i++)
		v[i] = &as->v[i];
	qsort(v, as->n, sizeof *v, actor_cmp);
	for (size_t i = 0; i < as->n;) {
		size_t j = i + 1;
		bool dead = v[i]->state && !strcmp(v[i]->state, "DEAD");
		while (!dead && j < as->n && same_group(v[i], v[j]))
			j++;
		struct wrow *r = row_add(w);
		r->a = r->status = v[i]->state;
		r->b = v[i]->class_name;
		r->msg = dead ? v[i]->death : (j - i == 1 ? v[i]->name : NULL);
		snprintf(r->count, sizeof r->count, "%zu", j - i);
		i = j;
	}
	free(v);
}

/* ---- Serve ------------------------------------------------------------------- */

static void serve_rows(struct rp_view *w, struct rp_cluster *c)
{
	const struct ray_serve *s = &c->serve;
	for (size_t i = 0; i < s->n; i++) {
		const struct ray_app *a = &s->v[i];
		struct wrow *r = row_add(w);
		r->a = a->name;
		r->b = a->route_prefix;
		r->status = a->status;
		r->msg = a->message;
		int ok = 0;
		for (size_t d = 0; d < a->ndeps; d++)
			ok += a->deps[d].status && !strcmp(a->deps[d].status, "HEALTHY");
		snprintf(r->count, sizeof r->count, "%d/%zu", ok, a->ndeps);
		snprintf(r->extra, sizeof r->extra, "%d/%d", a->healthy, a->replicas);
		for (size_t d = 0; d < a->ndeps; d++) {
			const struct ray_deployment *dp = &a->deps[d];
			r = row_add(w);
			r->depth = d + 1 == a->ndeps ? 2 : 1;
			r->a = dp->name;
			r->status = dp->status;
			r->msg = dp->message;
			snprintf(r->extra, sizeof r->extra, "%d/%d", dp->healthy, dp->replicas);
		}
	}
}

/* The rows of v from the cluster's answers, when an answer came since. */
static int rebuild(struct view *v, void (*build)(struct rp_view *w, struct rp_cluster *c))
{
	struct rp_view *w = v->priv;
	struct rp_cluster *c = w->c;
	if (!w->built || w->gen_built != c->gen) {
		free(w->rows);
		w->rows = NULL;
		w->nrows = 0;
		w->built = true;
		w->gen_built = c->gen;
		build(w, c);
	}
	return w->nrows;
}

/* ---- what both views share ----------------------------------------------------- */

static unsigned long wv_generation(struct view *v)
{
	return rp_seen(rp_of(v));
}

/* Row row as nrows last built it; NULL once an answer has freed what the
 * rows borrow (until the table asks nrows again). */
static struct wrow *wv_row(struct view *v, int row)
{
	struct rp_view *w = v->priv;
	if (w->gen_built != w->c->gen || row < 0 || row >= w->nrows)
		return NULL;
	return &((struct wrow *)w->rows)[row];
}

static void wv_detail(struct view *v, int row, char *out, size_t n, enum role *role)
{
	const struct wrow *r = wv_row(v, row);
	if (!r || !r->msg || !*r->msg)
		return;
	*role = rp_status_role(r->status) == ROLE_OK ? ROLE_DIM : ROLE_ERR;
	snprintf(out, n, "%s: %s", r->a ? r->a : "-", r->msg);
}

static void wv_copy(struct view *v, int row, char *out, size_t n)
{
	const struct wrow *r = wv_row(v, row);
	if (r)
		snprintf(out, n, "%s", r->msg && *r->msg ? r->msg : r->a ? r->a : "");
}

/* ---- the actors view ------------------------------------------------------------- */

static const struct column actor_cols[] = {
    {"STATE", 5, 20, ALIGN_LEFT, 0, false},
    {"CLASS", 8, 40, ALIGN_LEFT, 0, false},
    {"COUNT", 5, 7, ALIGN_RIGHT, 0, true},
    {"NAME / DEATH CAUSE", 10, 0, ALIGN_LEFT, 1, false},
};

static const struct column *av_columns(struct view *v, int *n)
{
	*n = (int)ARRAY_LEN(actor_cols);
	return actor_cols;
}

static void av_cell(struct view *v, int row, int col, struct cell *out)
{
	const struct wrow *r = wv_row(v, row);
	if (!r)
		return;
	const char *text[] = {r->a, r->b, r->count, r->msg};
	enum role role[] = {rp_status_role(r->status), ROLE_NORMAL, ROLE_NORMAL,
			    rp_status_role(r->status) == ROLE_ERR ? ROLE_ERR : ROLE_DIM};
	rp_cell(out, text[col], role[col]);
}

static int av_nrows(struct view *v)
{
	return rebuild(v, actor_rows);
}

static void av_title(struct view *v, char *out, size_t n)
{
	snprintf(out, n, "actors");
}

static void av_empty(struct view *v, char *out, size_t n)
{
	rp_empty(rp_of(v), RP_ACTORS, "no actors", out, n);
}

static void av_status(struct view *v, char *out, size_t n)
{
	struct rp_cluster *c = rp_of(v);
	rp_status(c, RP_ACTORS, out, n);
	if (!out[0] && c->actors.total > (int64_t)c->actors.n)
		snprintf(out, n, "%zu of %lld actors", c->actors.n, (long long)c->actors.total);
}

static void av_reload(struct view *v)
{
	rp_load(rp_of(v), RP_ACTORS);
}

static const struct view_action actors_actions[] = {
    {"filter", "/", "filter", NULL, 0, NULL},
    {"copy", "y", "copy", NULL, 0, NULL},
};

const struct view_ops rp_actors_view = {
    .name = "actors",
    .title = av_title,
    .columns = av_columns,
    .nrows = av_nrows,
    .cell = av_cell,
    .generation = wv_generation,
    .detail = wv_detail,
    .empty_text = av_empty,
    .copy_text = wv_copy,
    .reload = av_reload,
    .status = av_status,
    .close = rp_view_close,
    .actions = actors_actions,
    .nactions = ARRAY_LEN(actors_actions),
};

/* ---- the Serve view ---------------------------------------------------------------- */

static const struct column serve_cols[] = {
    {"APPLICATION", 8, 32, ALIGN_LEFT, 0, false}, {"STATUS", 6, 13, ALIGN_LEFT, 0, false},
    {"ROUTE", 5, 20, ALIGN_LEFT, 2, false},	  {"DEPLOYMENTS", 11, 11, ALIGN_RIGHT, 0, false},
    {"REPLICAS", 8, 8, ALIGN_RIGHT, 0, false},	  {"MESSAGE", 8, 0, ALIGN_LEFT, 1, false},
};

static const struct column *sv_columns(struct view *v, int *n)
{
	*n = (int)ARRAY_LEN(serve_cols);
	return serve_cols;
}

static void sv_cell(struct view *v, int row, int col, struct cell *out)
{
	const struct wrow *r = wv_row(v, row);
	if (!r)
		return;
	if (col == 0 && r->depth) {
		char *s = xasprintf("%s%s", glyph(r->depth == 2 ? G_TREE_END : G_TREE_MID),
				    r->a ? r->a : "-");
		rp_cell(out, s, ROLE_NORMAL);
		free(s);
		return;
	}
	const char *text[] = {r->a, r->status, r->b, r->count, r->extra, r->msg};
	enum role st = rp_status_role(r->status);
	enum role role[] = {ROLE_NORMAL, st,	      ROLE_DIM,
			    ROLE_NORMAL, ROLE_NORMAL, st == ROLE_OK ? ROLE_DIM : st};
	if (r->depth && (col == 2 || col == 3)) {
		out->text[0] = 0; /* a deployment has no route nor deployments */
		return;
	}
	rp_cell(out, text[col], role[col]);
	if (col == 4 && r->extra[0] && strcmp(r->extra, "0/0")) {
		int ok, all;
		if (sscanf(r->extra, "%d/%d", &ok, &all) == 2 && ok < all)
			out->role = ROLE_WARN;
	}
}

static int sv_nrows(struct view *v)
{
	return rebuild(v, serve_rows);
}

static void sv_title(struct view *v, char *out, size_t n)
{
	snprintf(out, n, "serve");
}

static void sv_empty(struct view *v, char *out, size_t n)
{
	rp_empty(rp_of(v), RP_SERVE, "no Serve applications (Serve is not running)", out, n);
}

static void sv_status(struct view *v, char *out, size_t n)
{
	rp_status(rp_of(v), RP_SERVE, out, n);
}

static void sv_reload(struct view *v)
{
	rp_load(rp_of(v), RP_SERVE);
}

static const struct view_action serve_actions[] = {
    {"filter", "/", "filter", NULL, 0, NULL},
    {"copy", "y", "copy", NULL, 0, NULL},
};

const struct view_ops rp_serve_view = {
    .name = "serve",
    .title = sv_title,
    .columns = sv_columns,
    .nrows = sv_nrows,
    .cell = sv_cell,
    .generation = wv_generation,
    .detail = wv_detail,
    .empty_text = sv_empty,
    .copy_text = wv_copy,
    .reload = sv_reload,
    .status = sv_status,
    .close = rp_view_close,
    .actions = serve_actions,
    .nactions = ARRAY_LEN(serve_actions),
};
