/* panels/ray_nodes.c — the Ray panel's nodes view (the cluster header of
 * `ray status` above the nodes, problems first) and a node's detail (its
 * resources, labels and actors as rows). Data from the cluster's loads
 * (ray.c); every string sanitized into its cell or line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "mlflowp.h"
#include "ray.h"
#include "tui/app.h"
#include "tui/canvas.h"
#include "tui/glyph.h"
#include "tui/table.h"

/* ---- the cluster header ------------------------------------------------------ */

/* "object store" for objectStoreMemory, "A10G" for acceleratorType:A10G. */
static const char *res_label(const char *name, char *buf, size_t n)
{
	if (!strcmp(name, "objectStoreMemory") || !strcmp(name, "object_store_memory"))
		return "object store";
	if (str_starts(name, "acceleratorType:") || str_starts(name, "accelerator_type:")) {
		snprintf(buf, n, "%s", strchr(name, ':') + 1);
		return buf;
	}
	return name;
}

static bool res_bytes(const char *name)
{
	return !strcmp(name, "memory") || !strcmp(name, "objectStoreMemory") ||
	       !strcmp(name, "object_store_memory");
}

static void num_text(char *out, size_t n, double v, bool bytes)
{
	if (v < 0)
		snprintf(out, n, "-");
	else if (bytes)
		rp_size(out, n, v);
	else
		snprintf(out, n, "%g", v);
}

static void usage_line(struct buf *b, const struct ray_cluster *cl)
{
	for (size_t i = 0; i < cl->nres; i++) {
		const struct ray_res *r = &cl->res[i];
		char lb[64], u[32], t[32];
		bool by = res_bytes(r->name);
		num_text(u, sizeof u, r->used, by);
		num_text(t, sizeof t, r->total, by);
		buf_printf(b, "%s%s %s/%s", i ? "  " : "", res_label(r->name, lb, sizeof lb), u, t);
	}
}

static void node_counts(const struct rp_cluster *c, int *alive, int *dead)
{
	*alive = *dead = 0;
	for (size_t i = 0; i < c->nodes.n; i++) {
		const char *s = c->nodes.v[i].state;
		if (s && !strcmp(s, "ALIVE"))
			(*alive)++;
		else
			(*dead)++;
	}
}

/* Draws one sanitized line; returns the next row. */
static int line(const struct canvas *cv, int y, const char *raw, enum role role)
{
	char *s = san_str(raw);
	canvas_text(cv, y, 1, s, role, cv->w - 2);
	free(s);
	return y + 1;
}

static void join(struct buf *b, const char *label, char **v, size_t n)
{
	buf_puts(b, label);
	for (size_t i = 0; i < n; i++)
		buf_printf(b, "%s%s", i ? "; " : "", v[i]);
}

/* The header: version and node counts, usage, demands, autoscaler trouble.
 * Returns the rows it took. */
static int header(struct rp_cluster *c, const struct canvas *cv)
{
	struct buf b;
	buf_init(&b);
	int y = 0, alive, dead;
	node_counts(c, &alive, &dead);
	char *ver = san_str(c->version.ray_version ? c->version.ray_version : "-");
	buf_printf(&b, "Ray %s %s ", ver, glyph(G_DOT));
	free(ver);
	if (c->slot[RP_NODES].loaded)
		buf_printf(&b, "nodes: %d alive  %d dead", alive, dead);
	else
		buf_puts(&b, "nodes: -");
	if (c->slot[RP_CLUSTER].loaded && c->cluster.has_status)
		buf_printf(&b, "  %zu pending", c->cluster.npending);
	y = line(cv, y, b.data ? b.data : "", ROLE_TITLE);
	buf_reset(&b);
	const struct ray_cluster *cl = &c->cluster;
	if (c->slot[RP_CLUSTER].err[0] && !c->slot[RP_CLUSTER].loaded)
		y = line(cv, y, c->slot[RP_CLUSTER].err, ROLE_ERR);
	else if (!c->slot[RP_CLUSTER].loaded)
		y = line(cv, y, "cluster status: loading…", ROLE_DIM);
	else if (!cl->has_status)
		y = line(cv, y, "cluster status: none (no autoscaler monitor has reported)",
			 ROLE_DIM);
	else {
		/* stale: the last good usage, dimmed (the status says since when) */
		buf_puts(&b, "usage: ");
		usage_line(&b, cl);
		y = line(cv, y, b.data, c->slot[RP_CLUSTER].err[0] ? ROLE_DIM : ROLE_NORMAL);
		buf_reset(&b);
	}
	if (cl->ndemands) {
		join(&b, "demands: ", cl->demands, cl->ndemands);
		y = line(cv, y, b.data, ROLE_WARN);
		buf_reset(&b);
	}
	if (cl->npending) {
		join(&b, "pending nodes: ", cl->pending, cl->npending);
		y = line(cv, y, b.data, ROLE_WARN);
		buf_reset(&b);
	}
	if (cl->nfailed || cl->error) {
		join(&b, "autoscaler: failed nodes: ", cl->failed, cl->nfailed);
		if (!cl->nfailed)
			buf_puts(&b, "none");
		if (cl->error)
			buf_printf(&b, "; error: %s", cl->error);
		y = line(cv, y, b.data, ROLE_ERR);
	}
	buf_free(&b);
	return y + 1;
}

/* ---- the nodes view ----------------------------------------------------------- */

enum {
	N_ID,
	N_IP,
	N_HEAD,
	N_STATE,
	N_CPU,
	N_SPARK,
	N_GPU,
	N_GSPARK,
	N_MEM,
	N_OSM,
	N_UP,
	N_MSG,
	N_COUNT
};

static const struct column node_cols[N_COUNT] = {
    [N_ID] = {"NODE", 8, 8, ALIGN_LEFT, 0, false},
    [N_IP] = {"IP", 9, 15, ALIGN_LEFT, 0, false},
    [N_HEAD] = {"", 2, 2, ALIGN_LEFT, 0, false},
    [N_STATE] = {"STATE", 5, 5, ALIGN_LEFT, 0, false},
    [N_CPU] = {"CPU", 8, 16, ALIGN_LEFT, 0, true},
    [N_SPARK] = {"CPU 15M", RP_SPARK_W, RP_SPARK_W, ALIGN_LEFT, 4, false},
    [N_GPU] = {"GPU", 8, 14, ALIGN_LEFT, 2, true},
    [N_GSPARK] = {"GPU 15M", RP_SPARK_W, RP_SPARK_W, ALIGN_LEFT, 7, false},
    [N_MEM] = {"MEMORY", 8, 18, ALIGN_LEFT, 3, true},
    [N_OSM] = {"OBJECT STORE", 12, 18, ALIGN_LEFT, 5, true},
    [N_UP] = {"UPTIME", 9, 16, ALIGN_LEFT, 1, false},
    [N_MSG] = {"MESSAGE", 8, 0, ALIGN_LEFT, 6, false},
};

static const struct column *nv_columns(struct view *v, int *n)
{
	*n = N_COUNT;
	return node_cols;
}

static int nv_nrows(struct view *v)
{
	return (int)rp_of(v)->nodes.n;
}

static unsigned long nv_generation(struct view *v)
{
	return rp_seen(rp_of(v));
}

static bool alive(const struct ray_node *n)
{
	return n->state && !strcmp(n->state, "ALIVE");
}

static void uptime(const struct ray_node *n, char *out, size_t sz)
{
	char t[32];
	if (!alive(n) && n->end_ms > 0) {
		mlp_time(t, sizeof t, n->end_ms);
		snprintf(out, sz, "died %s", t);
	} else if (alive(n) && n->start_ms > 0) {
		fmt_age(t, sizeof t, (long)MLC_MAX(0, wall_ms() - n->start_ms));
		snprintf(out, sz, "up %s", t);
	} else {
		snprintf(out, sz, "-");
	}
}

static void nv_cell(struct view *v, int row, int col, struct cell *out)
{
	const struct ray_node *n = &rp_of(v)->nodes.v[row];
	char buf[64];
	switch (col) {
	case N_ID:
		rp_short_id(buf, sizeof buf, n->id);
		rp_cell(out, buf, ROLE_DIM);
		break;
	case N_IP:
		rp_cell(out, n->ip, ROLE_NORMAL);
		break;
	case N_HEAD:
		/* the head's marker; "?" when the version does not say */
		snprintf(out->text, sizeof out->text, "%s",
			 n->head == 1	? glyph(G_MARKED)
			 : n->head == 0 ? ""
					: "?");
		out->role = ROLE_MARK;
		break;
	case N_STATE:
		rp_cell(out, n->state, rp_status_role(n->state));
		break;
	case N_CPU:
		rp_bar_cell(out, &n->cpu, false, 4);
		break;
	case N_SPARK:
		rp_spark_cell(rp_of(v), RP_SPARK_CPU, n->ip, out);
		break;
	case N_GSPARK:
		rp_spark_cell(rp_of(v), RP_SPARK_GPU, n->ip, out);
		break;
	case N_GPU:
		rp_bar_cell(out, &n->gpu, false, 4);
		break;
	case N_MEM:
		rp_bar_cell(out, &n->mem, true, 4);
		break;
	case N_OSM:
		rp_bar_cell(out, &n->osm, true, 4);
		break;
	case N_UP:
		uptime(n, buf, sizeof buf);
		rp_cell(out, buf, alive(n) ? ROLE_DIM : ROLE_ERR);
		break;
	case N_MSG:
		rp_cell(out, n->state_message, ROLE_ERR);
		break;
	}
}

static void nv_title(struct view *v, char *out, size_t n)
{
	snprintf(out, n, "%s", rp_of(v)->t->name);
}

static void nv_status(struct view *v, char *out, size_t n)
{
	rp_status(rp_of(v), RP_NODES, out, n);
	if (!out[0])
		rp_status(rp_of(v), RP_CLUSTER, out, n);
	if (!out[0])
		rp_spark_status(rp_of(v), out, n);
}

static void nv_empty(struct view *v, char *out, size_t n)
{
	rp_empty(rp_of(v), RP_NODES, "no nodes", out, n);
}

static void nv_detail(struct view *v, int row, char *out, size_t n, enum role *role)
{
	if (row < 0)
		return;
	const struct ray_node *nd = &rp_of(v)->nodes.v[row];
	*role = alive(nd) ? ROLE_DIM : ROLE_ERR;
	snprintf(out, n, "%s %s%s%s  %s", nd->hostname ? nd->hostname : "-",
		 nd->state ? nd->state : "-", nd->state_message ? ": " : "",
		 nd->state_message ? nd->state_message : "", nd->id ? nd->id : "-");
}

static void nv_copy(struct view *v, int row, char *out, size_t n)
{
	snprintf(out, n, "%s", rp_of(v)->nodes.v[row].id ? rp_of(v)->nodes.v[row].id : "");
}

static void load_cluster(struct rp_cluster *c)
{
	if (!c->slot[RP_VERSION].loaded)
		rp_load(c, RP_VERSION);
	rp_load(c, RP_CLUSTER);
	rp_load(c, RP_NODES);
	rp_load(c, RP_STATE);
	rp_spark_load(c);
}

static void nv_reload(struct view *v)
{
	load_cluster(rp_of(v));
}

static bool nv_body(struct view *v, struct canvas *cv)
{
	canvas_clear(cv, ROLE_NORMAL);
	int h = header(rp_of(v), cv);
	struct canvas rest = {cv->y + h, cv->x, MLC_MAX(1, cv->h - h), cv->w};
	table_draw(&v->table, &rest);
	return true;
}

static int nv_open(struct view *v, int row)
{
	rp_push_node(v->panel, rp_of(v), &rp_of(v)->nodes.v[row]);
	return P_REDRAW;
}

/* `s`: the Nodes panel on the [node] whose host is this node's address
 * (or its host name), or why not. */
static int nv_ssh(struct view *v, int row)
{
	const struct ray_node *n = &rp_of(v)->nodes.v[row];
	const struct config *cfg = app_config();
	for (size_t i = 0; i < cfg->ntargets; i++) {
		const struct target *t = &cfg->targets[i];
		if (t->kind != TK_NODE || !t->host)
			continue;
		if ((n->ip && !strcmp(t->host, n->ip)) ||
		    (n->hostname && !strcmp(t->host, n->hostname))) {
			app_goto("nodes", "node", t->name);
			return P_REDRAW;
		}
	}
	char *ip = san_str(n->ip ? n->ip : "-");
	app_message(ROLE_WARN, "ssh: no [node] with host %s in the configuration", ip);
	free(ip);
	return P_HANDLED;
}

static const struct view_action nodes_actions[] = {
    {"open", "<Enter>", "detail", "the node's resources, labels and actors", ACT_F_SELECTION,
     nv_open},
    {"jobs", "J", "jobs", "the cluster's jobs", 0, rp_act_jobs},
    {"actors", "a", "actors", "the cluster's actors by state and class", 0, rp_act_actors},
    {"serve", "S", "serve", "the cluster's Serve applications", 0, rp_act_serve},
    {"tasks", "T", "tasks", "the cluster's tasks by function and state", 0, rp_act_tasks},
    {"ssh", "s", "ssh", "the node in the Nodes panel (the [node] of the same address)",
     ACT_F_SELECTION, nv_ssh},
    {"filter", "/", "filter", NULL, 0, NULL},
    {"copy", "y", "copy id", NULL, 0, NULL},
};

const struct view_ops rp_nodes_view = {
    .name = "nodes",
    .title = nv_title,
    .columns = nv_columns,
    .nrows = nv_nrows,
    .cell = nv_cell,
    .generation = nv_generation,
    .detail = nv_detail,
    .empty_text = nv_empty,
    .copy_text = nv_copy,
    .body = nv_body,
    .reload = nv_reload,
    .status = nv_status,
    .close = rp_view_close,
    .actions = nodes_actions,
    .nactions = ARRAY_LEN(nodes_actions),
};
