/* panels/ray_node.c — one Ray node's detail: what it is and since when (or
 * when and why it died), its resources used of total, every resource it
 * offers, its labels, and the actors placed on it (loaded with the
 * cluster's actors). Rows of name and value, so that filter and copy work
 * as in every list; rebuilt when an answer arrives. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/util.h"
#include "mlflowp.h"
#include "ray.h"
#include "tui/app.h"
#include "tui/canvas.h"
#include "tui/table.h"

struct nrow {
	char *k, *v; /* raw; sanitized into the cell */
	enum role role;
	struct ray_res bar; /* drawn as a bar when bar.name is set */
	bool bytes;
};

struct node_view {
	struct rp_view rv; /* first: rp_of */
	char *id;	   /* the node's id (the rows follow it across reloads) */
	struct nrow *rows;
	int nrows;
	unsigned long gen_built;
	struct rp_charts *charts; /* its metrics from Prometheus (ray_chart.c) */
	bool charts_only;	  /* `c`: the charts fill the body */
};

static void add(struct node_view *nv, const char *k, char *v, enum role role)
{
	nv->rows = xrealloc(nv->rows, (size_t)(nv->nrows + 1) * sizeof *nv->rows);
	nv->rows[nv->nrows++] = (struct nrow){.k = xstrdup(k), .v = v, .role = role};
}

static void add_bar(struct node_view *nv, const char *k, const struct ray_res *r, bool bytes)
{
	add(nv, k, NULL, ROLE_NORMAL);
	struct nrow *row = &nv->rows[nv->nrows - 1];
	row->bar = *r;
	row->bar.name = row->k;
	row->bytes = bytes;
}

static void rows_free(struct node_view *nv)
{
	for (int i = 0; i < nv->nrows; i++)
		free(nv->rows[i].k), free(nv->rows[i].v);
	free(nv->rows);
	nv->rows = NULL;
	nv->nrows = 0;
}

static const struct ray_node *find(struct rp_cluster *c, const char *id)
{
	for (size_t i = 0; i < c->nodes.n; i++)
		if (c->nodes.v[i].id && !strcmp(c->nodes.v[i].id, id))
			return &c->nodes.v[i];
	return NULL;
}

static void node_rows(struct node_view *nv, const struct ray_node *n)
{
	char t[32], a[32];
	add(nv, "id", xstrdup(n->id), ROLE_NORMAL);
	add(nv, "address",
	    xasprintf("%s (%s)", n->ip ? n->ip : "-", n->hostname ? n->hostname : "-"),
	    ROLE_NORMAL);
	add(nv, "role", xstrdup(n->head == 1 ? "head" : n->head == 0 ? "worker" : "-"), ROLE_MARK);
	add(nv, "state", xstrdup(n->state ? n->state : "-"), rp_status_role(n->state));
	mlp_time(t, sizeof t, n->start_ms);
	add(nv, "started", xstrdup(t), ROLE_DIM);
	if (n->end_ms > 0) {
		mlp_time(t, sizeof t, n->end_ms);
		add(nv, "died", xstrdup(t), ROLE_ERR);
	}
	if (n->state_message)
		add(nv, "reason", xstrdup(n->state_message), ROLE_ERR);
	if (n->workers >= 0)
		add(nv, "workers", xasprintf("%d", n->workers), ROLE_NORMAL);
	add_bar(nv, "CPU", &n->cpu, false);
	add_bar(nv, "GPU", &n->gpu, false);
	add_bar(nv, "memory", &n->mem, true);
	add_bar(nv, "object store", &n->osm, true);
	for (size_t i = 0; i < n->nres; i++) {
		const struct ray_res *r = &n->res[i];
		bool by = !strcmp(r->name, "memory") || !strcmp(r->name, "objectStoreMemory");
		if (by)
			rp_size(a, sizeof a, r->total);
		else
			snprintf(a, sizeof a, "%g", r->total);
		add(nv, "resource", xasprintf("%s %s", r->name, r->total < 0 ? "-" : a), ROLE_DIM);
	}
	for (size_t i = 0; i < n->nlabels; i++)
		add(nv, "label", xstrdup(n->labels[i]), ROLE_NORMAL);
}

static void actor_rows(struct node_view *nv, struct rp_cluster *c)
{
	int count = 0;
	for (size_t i = 0; i < c->actors.n; i++) {
		const struct ray_actor *a = &c->actors.v[i];
		if (!a->node_id || strcmp(a->node_id, nv->id) != 0)
			continue;
		count++;
		add(nv, "actor",
		    xasprintf("%s %s %s%s%s", a->state ? a->state : "-",
			      a->class_name ? a->class_name : "-",
			      a->name && *a->name ? a->name : "", a->death ? " — " : "",
			      a->death ? a->death : ""),
		    rp_status_role(a->state) == ROLE_OK ? ROLE_NORMAL : rp_status_role(a->state));
	}
	if (!c->slot[RP_ACTORS].loaded)
		add(nv, "actors",
		    xstrdup(c->slot[RP_ACTORS].err[0] ? c->slot[RP_ACTORS].err : "loading…"),
		    c->slot[RP_ACTORS].err[0] ? ROLE_ERR : ROLE_DIM);
	else if (!count)
		add(nv, "actors", xstrdup("none"), ROLE_DIM);
}

static void rebuild(struct node_view *nv)
{
	struct rp_cluster *c = nv->rv.c;
	if (nv->rows && nv->gen_built == c->gen)
		return;
	rows_free(nv);
	nv->gen_built = c->gen;
	const struct ray_node *n = find(c, nv->id);
	if (!n) {
		add(nv, "node", xstrdup("no longer listed by the dashboard"), ROLE_ERR);
		return;
	}
	node_rows(nv, n);
	actor_rows(nv, c);
}

static const struct column ndv_cols[] = {
    {"", 8, 14, ALIGN_LEFT, 0, false},
    {"", 10, 0, ALIGN_LEFT, 0, false},
};

static const struct column *ndv_columns(struct view *v, int *n)
{
	*n = (int)ARRAY_LEN(ndv_cols);
	return ndv_cols;
}

static int ndv_nrows(struct view *v)
{
	rebuild(v->priv);
	return ((struct node_view *)v->priv)->nrows;
}

static unsigned long ndv_generation(struct view *v)
{
	return rp_seen(rp_of(v));
}

/* The rows above (a third of the body, at least 6), the charts below; `c`
 * gives the charts the whole body. Too short a body (or no Prometheus):
 * the rows alone. */
static bool ndv_body(struct view *v, struct canvas *cv)
{
	struct node_view *nv = v->priv;
	canvas_clear(cv, ROLE_NORMAL);
	int ch = nv->charts_only ? cv->h : cv->h >= 14 ? cv->h - MLC_MAX(6, cv->h / 3) : 0;
	if (!nv->rv.c->prom)
		ch = 0;
	if (ch < cv->h) {
		struct canvas top = {cv->y, cv->x, cv->h - ch, cv->w};
		table_draw(&v->table, &top);
	}
	if (ch) {
		struct canvas bottom = {cv->y + cv->h - ch, cv->x, ch, cv->w};
		rp_charts_draw(nv->charts, &bottom);
	}
	return true;
}

static int ndv_charts(struct view *v, int row)
{
	struct node_view *nv = v->priv;
	nv->charts_only = !nv->charts_only;
	return P_REDRAW;
}

static void ndv_status(struct view *v, char *out, size_t n)
{
	struct node_view *nv = v->priv;
	rp_status(nv->rv.c, RP_NODES, out, n);
	if (!out[0])
		rp_charts_status(nv->charts, out, n);
}

static int ndv_shorter(struct view *v, int row)
{
	rp_charts_window(((struct node_view *)v->priv)->charts, -1);
	return P_REDRAW;
}

static int ndv_longer(struct view *v, int row)
{
	rp_charts_window(((struct node_view *)v->priv)->charts, +1);
	return P_REDRAW;
}

static void ndv_cell(struct view *v, int row, int col, struct cell *out)
{
	struct node_view *nv = v->priv;
	rebuild(nv);
	if (row >= nv->nrows)
		return;
	const struct nrow *r = &nv->rows[row];
	if (col == 0)
		rp_cell(out, r->k, ROLE_DIM);
	else if (r->bar.name)
		rp_bar_cell(out, &r->bar, r->bytes, 10);
	else
		rp_cell(out, r->v, r->role);
}

static void ndv_title(struct view *v, char *out, size_t n)
{
	struct node_view *nv = v->priv;
	const struct ray_node *nd = find(nv->rv.c, nv->id);
	char id[16];
	rp_short_id(id, sizeof id, nv->id);
	snprintf(out, n, "%s %s", id, nd && nd->ip ? nd->ip : "");
}

static void ndv_copy(struct view *v, int row, char *out, size_t n)
{
	struct node_view *nv = v->priv;
	if (row >= 0 && row < nv->nrows && nv->rows[row].v)
		snprintf(out, n, "%s", nv->rows[row].v);
}

static void ndv_reload(struct view *v)
{
	rp_load(rp_of(v), RP_NODES);
	rp_load(rp_of(v), RP_ACTORS);
	rp_charts_load(((struct node_view *)v->priv)->charts);
}

static void ndv_close(struct view *v)
{
	struct node_view *nv = v->priv;
	rows_free(nv);
	rp_charts_free(nv->charts);
	free(nv->id);
	free(nv);
}

static const struct view_action node_actions[] = {
    {"shorter", "[", "window", "the charts over a shorter window (15m 1h 6h 24h)", 0, ndv_shorter},
    {"longer", "]", NULL, "the charts over a longer window", 0, ndv_longer},
    {"charts", "c", "charts", "the charts alone, or with the rows again", 0, ndv_charts},
    {"filter", "/", "filter", NULL, 0, NULL},
    {"copy", "y", "copy value", NULL, 0, NULL},
};

const struct view_ops rp_node_view = {
    .name = "node",
    .title = ndv_title,
    .columns = ndv_columns,
    .nrows = ndv_nrows,
    .cell = ndv_cell,
    .generation = ndv_generation,
    .copy_text = ndv_copy,
    .body = ndv_body,
    .reload = ndv_reload,
    .status = ndv_status,
    .close = ndv_close,
    .actions = node_actions,
    .nactions = ARRAY_LEN(node_actions),
};

void rp_push_node(struct panel *p, struct rp_cluster *c, const struct ray_node *n)
{
	struct node_view *nv = xcalloc(1, sizeof *nv);
	nv->rv.c = c;
	nv->id = xstrdup(n->id ? n->id : "");
	nv->charts = rp_charts_new(c, n->ip, n->gpu.total > 0);
	struct view *v = view_push(p, &rp_node_view, nv);
	if (!v) {
		rp_charts_free(nv->charts);
		free(nv->id);
		free(nv);
		return;
	}
	rp_load(c, RP_ACTORS);
}
