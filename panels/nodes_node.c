/* panels/nodes_node.c — one node of the Nodes panel: a card per inspection
 * (uptime and load, memory, disks, GPUs — "no GPU" where nvidia-smi is not
 * installed —, containers, ray status) in two columns, and `o` the raw
 * output of every command as it came (sanitized: escape sequences stay
 * inert). Two views: node and raw. Reads the fleet; never calls libssh2. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "panels/nodes.h"
#include "tui/app.h"
#include "tui/canvas.h"
#include "tui/panel.h"

#define CARD_MAX 12

struct card {
	const char *title;
	char line[CARD_MAX][192];
	enum role role[CARD_MAX];
	int n;
};

static void card_add(struct card *c, enum role role, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void card_add(struct card *c, enum role role, const char *fmt, ...)
{
	if (c->n >= CARD_MAX)
		return;
	char raw[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	san_into(c->line[c->n], sizeof c->line[0], raw, strlen(raw));
	c->role[c->n++] = role;
}

static struct fleet_node *node_of(struct view *v)
{
	return &nodes_fleet(v->panel)->nodes[(intptr_t)v->priv];
}

/* The probe's state when it has no numbers to show; false when it has. */
static bool card_pending(struct card *c, const struct fleet_node *n, enum fleet_probe p)
{
	const struct fleet_raw *r = &n->raw[p];
	if (r->ok)
		return false;
	if (p == FP_GPU && n->no_gpu)
		card_add(c, ROLE_DIM, "no GPU (nvidia-smi not installed)");
	else if (!r->ran)
		card_add(c, ROLE_DIM, n->state == FS_DOWN ? "node down" : "waiting for the node");
	else
		card_add(c, ROLE_ERR, "%s", r->why);
	return true;
}

static void card_uptime(struct card *c, const struct fleet_node *n)
{
	c->title = "Uptime and load";
	if (card_pending(c, n, FP_UPTIME))
		return;
	char up[32] = "?";
	if (n->up.up_s >= 0)
		fmt_age(up, sizeof up, n->up.up_s * 1000);
	card_add(c, ROLE_NORMAL, "up %s   load %.2f %.2f %.2f", up, n->up.load[0], n->up.load[1],
		 n->up.load[2]);
}

static void card_mem(struct card *c, const struct fleet_node *n)
{
	c->title = "Memory";
	if (card_pending(c, n, FP_MEM))
		return;
	char used[16], total[16], avail[16];
	fmt_bytes(used, sizeof used, (uint64_t)n->mem.used);
	fmt_bytes(total, sizeof total, (uint64_t)n->mem.total);
	fmt_bytes(avail, sizeof avail, (uint64_t)(n->mem.avail > 0 ? n->mem.avail : 0));
	card_add(c, ROLE_NORMAL, "mem  %s of %s used, %s available", used, total, avail);
	if (n->mem.swap_total > 0) {
		fmt_bytes(used, sizeof used, (uint64_t)n->mem.swap_used);
		fmt_bytes(total, sizeof total, (uint64_t)n->mem.swap_total);
		card_add(c, ROLE_NORMAL, "swap %s of %s used", used, total);
	} else {
		card_add(c, ROLE_DIM, "swap none");
	}
}

static void card_disks(struct card *c, const struct fleet_node *n)
{
	c->title = "Disks (df -P)";
	if (card_pending(c, n, FP_DF))
		return;
	for (int i = 0; i < n->ndisks; i++) {
		const struct ni_disk *d = &n->disks[i];
		if (!ni_disk_real(d))
			continue;
		char size[16];
		fmt_bytes(size, sizeof size, (uint64_t)d->size);
		card_add(c, d->pct >= 90 ? ROLE_WARN : ROLE_NORMAL, "%3d%% %9s  %s", d->pct, size,
			 d->mount);
	}
}

static void card_gpus(struct card *c, const struct fleet_node *n)
{
	c->title = "GPUs (nvidia-smi)";
	if (card_pending(c, n, FP_GPU))
		return;
	if (!n->ngpus)
		card_add(c, ROLE_DIM, "nvidia-smi lists no GPU");
	for (int i = 0; i < n->ngpus; i++) {
		const struct ni_gpu *g = &n->gpus[i];
		card_add(c, ni_gpu_busy(g) ? ROLE_NORMAL : ROLE_DIM,
			 "%d %3d%% %6lld/%lld MiB %3d°C %s", g->index, g->util,
			 (long long)g->mem_used, (long long)g->mem_total, g->temp, g->name);
	}
}

static void card_ctrs(struct card *c, const struct fleet_node *n)
{
	c->title = "Containers (docker ps -a)";
	if (card_pending(c, n, FP_DOCKER))
		return;
	if (!n->nctrs)
		card_add(c, ROLE_DIM, "no containers");
	for (int i = 0; i < n->nctrs; i++) {
		const struct ni_container *x = &n->ctrs[i];
		card_add(c, strcmp(x->state, "running") ? ROLE_DIM : ROLE_NORMAL, "%-20s %s  %s",
			 x->name, x->status, x->image);
	}
}

static void card_ray(struct card *c, const struct fleet_node *n)
{
	c->title = "Ray (ray status)";
	if (!n->ray_node) {
		card_add(c, ROLE_DIM, "not a ray node (no ray-* role)");
		return;
	}
	if (card_pending(c, n, FP_RAY))
		return;
	card_add(c, n->ray.pending || n->ray.failures ? ROLE_WARN : ROLE_OK,
		 "%d alive, %d pending, %d recent failures", n->ray.alive, n->ray.pending,
		 n->ray.failures);
	for (int i = 0; i < n->ray.nuse; i++)
		card_add(c, ROLE_NORMAL, "%s/%s %s", n->ray.use[i].used_text,
			 n->ray.use[i].total_text, n->ray.use[i].what);
}

static void card_compose(struct card *c, const struct fleet_node *n)
{
	c->title = "Compose projects (docker compose ls)";
	if (card_pending(c, n, FP_COMPOSE))
		return;
	if (!n->ncompose)
		card_add(c, ROLE_DIM, "no compose project");
	for (int i = 0; i < n->ncompose; i++) {
		const struct ni_compose *x = &n->compose[i];
		card_add(c, str_starts(x->status, "running") ? ROLE_NORMAL : ROLE_WARN,
			 "%-16s %-22s %s", x->name, x->status, x->files);
	}
}

static void card_units(struct card *c, const struct fleet_node *n)
{
	c->title = "Units (systemctl)";
	if (card_pending(c, n, FP_UNITS))
		return;
	for (int i = 0; i < n->nunits; i++) {
		const struct ni_unit *u = &n->units[i];
		enum role r = !strcmp(u->active, "active")   ? ROLE_OK
			      : !strcmp(u->active, "failed") ? ROLE_ERR
							     : ROLE_WARN;
		card_add(c, r, "%-24s %s (%s)", u->id, u->active, u->sub);
	}
}

/* Draws c framed at (y, x), w wide; returns the rows it took. */
static int card_draw(const struct canvas *cv, int y, int x, int w, const struct card *c)
{
	if (y >= cv->h)
		return 0;
	struct canvas box = {cv->y + y, cv->x + x, c->n + 2, w};
	if (box.h > cv->h - y)
		box.h = cv->h - y;
	canvas_frame(&box, ROLE_DIM);
	canvas_text(&box, 0, 2, c->title, ROLE_TITLE, w - 4);
	for (int i = 0; i < c->n && i + 1 < box.h - 1; i++)
		canvas_text(&box, i + 1, 2, c->line[i], c->role[i], w - 4);
	return box.h;
}

static bool nv_body(struct view *v, struct canvas *cv)
{
	const struct fleet_node *n = node_of(v);
	canvas_clear(cv, ROLE_NORMAL);
	void (*fill[8])(struct card *, const struct fleet_node *) = {
	    card_uptime, card_mem, card_disks, card_gpus, card_ctrs, card_ray};
	int nfill = 6;
	/* where present: compose where docker has the plugin, units where the
	 * section names some */
	if (!n->no_compose && n->raw[FP_COMPOSE].ok)
		fill[nfill++] = card_compose;
	if (n->units_cmd)
		fill[nfill++] = card_units;
	int y = 0;
	if (n->state == FS_DOWN) {
		char *why = san_str(n->why);
		canvas_text(cv, 0, 1, why, ROLE_ERR, 0);
		free(why);
		y = 1;
	}
	bool two = cv->w >= 90;
	int w = two ? cv->w / 2 : cv->w, ys[2] = {y, y};
	for (int i = 0; i < nfill; i++) {
		struct card c = {0};
		fill[i](&c, n);
		int col = two && i >= (nfill + 1) / 2;
		ys[col] += card_draw(cv, ys[col], col * w, w - (two && !col), &c);
	}
	return true;
}

static void nv_title(struct view *v, char *out, size_t n)
{
	san_into(out, n, node_of(v)->t->name, strlen(node_of(v)->t->name));
}

static void nv_status(struct view *v, char *out, size_t n)
{
	char *ep = target_endpoint(node_of(v)->t);
	snprintf(out, n, "%s", ep);
	free(ep);
}

static void nv_reload(struct view *v)
{
	fleet_refresh(nodes_fleet(v->panel), (int)(intptr_t)v->priv);
}

static void nv_copy(struct view *v, int row, char *out, size_t n)
{
	snprintf(out, n, "%s", node_of(v)->t->name);
}

struct raw_page;
static struct raw_page *raw_new(int node);
static void raw_free(struct raw_page *r);

static int nv_raw(struct view *v, int row)
{
	struct raw_page *r = raw_new((int)(intptr_t)v->priv);
	if (!view_push(v->panel, &nodes_raw_view, r))
		raw_free(r);
	return P_REDRAW;
}

static int nv_shell(struct view *v, int row)
{
	return nodes_shell(v->panel, (int)(intptr_t)v->priv);
}

static const struct view_action node_actions[] = {
    {"raw", "o", "raw output", "every command's output as it came", 0, nv_raw},
    {"shell", "S", "shell", "ssh to the node in this terminal; back here when it exits", 0,
     nv_shell},
    {"reload", "r", "refresh", NULL, 0, NULL},
    {"copy", "y", "copy", NULL, 0, NULL},
};

const struct view_ops nodes_node_view = {
    .name = "node",
    .title = nv_title,
    .body = nv_body,
    .status = nv_status,
    .reload = nv_reload,
    .copy_text = nv_copy,
    .actions = node_actions,
    .nactions = ARRAY_LEN(node_actions),
};

int nodes_open_node(struct panel *p, int i)
{
	view_push(p, &nodes_node_view, (void *)(intptr_t)i);
	return P_REDRAW;
}

/* ---- raw output: one table row per line ---- */

struct raw_page {
	int node;
	unsigned long gen;
	char **line;
	enum role *role;
	int n, cap;
};

static void raw_add(struct raw_page *r, enum role role, const char *s, size_t len)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->line = xrealloc(r->line, (size_t)r->cap * sizeof *r->line);
		r->role = xrealloc(r->role, (size_t)r->cap * sizeof *r->role);
	}
	r->line[r->n] = san_dup(s, len);
	r->role[r->n++] = role;
}

static void raw_text(struct raw_page *r, enum role role, const char *text)
{
	for (const char *p = text; p && *p;) {
		size_t len = strcspn(p, "\n");
		raw_add(r, role, p, len);
		p += len + (p[len] == '\n');
	}
}

static void raw_clear(struct raw_page *r)
{
	for (int i = 0; i < r->n; i++)
		free(r->line[i]);
	r->n = 0;
}

static void raw_build(struct view *v)
{
	struct raw_page *r = v->priv;
	struct fleet *f = nodes_fleet(v->panel);
	if (r->gen == f->generation && r->n)
		return;
	r->gen = f->generation;
	raw_clear(r);
	const struct fleet_node *n = &f->nodes[r->node];
	for (int p = 0; p < FP_COUNT; p++) {
		const struct fleet_raw *x = &n->raw[p];
		char head[512];
		const char *cmd = fleet_probe_cmd(n, p);
		if (!cmd)
			continue;
		if (x->ran)
			snprintf(head, sizeof head, "$ %s   exit %d in %ld ms", cmd, x->exit_status,
				 x->ms);
		else
			snprintf(head, sizeof head, "$ %s   no answer yet", cmd);
		raw_add(r, ROLE_TITLE, head, strlen(head));
		raw_text(r, ROLE_NORMAL, x->out);
		raw_text(r, ROLE_WARN, x->errout);
		if (x->ran && !x->ok)
			raw_text(r, ROLE_ERR, x->why);
		raw_add(r, ROLE_NORMAL, "", 0);
	}
}

static const struct column raw_cols[] = {{"OUTPUT", 10, 0, ALIGN_LEFT, 0, false}};

static const struct column *rw_columns(struct view *v, int *n)
{
	*n = 1;
	return raw_cols;
}

static int rw_nrows(struct view *v)
{
	raw_build(v);
	return ((struct raw_page *)v->priv)->n;
}

static unsigned long rw_generation(struct view *v)
{
	return nodes_fleet(v->panel)->generation;
}

static void rw_cell(struct view *v, int row, int col, struct cell *out)
{
	struct raw_page *r = v->priv;
	raw_build(v);
	if (row >= r->n)
		return;
	snprintf(out->text, sizeof out->text, "%s", r->line[row]);
	out->role = r->role[row];
}

static void rw_title(struct view *v, char *out, size_t n)
{
	snprintf(out, n, "raw");
}

static void rw_copy(struct view *v, int row, char *out, size_t n)
{
	struct raw_page *r = v->priv;
	if (row >= 0 && row < r->n)
		snprintf(out, n, "%s", r->line[row]);
}

static struct raw_page *raw_new(int node)
{
	struct raw_page *r = xcalloc(1, sizeof *r);
	r->node = node;
	return r;
}

static void raw_free(struct raw_page *r)
{
	raw_clear(r);
	free(r->line);
	free(r->role);
	free(r);
}

static void rw_close(struct view *v)
{
	raw_free(v->priv);
}

static void rw_reload(struct view *v)
{
	fleet_refresh(nodes_fleet(v->panel), ((struct raw_page *)v->priv)->node);
}

static const struct view_action raw_actions[] = {
    {"reload", "r", "refresh", NULL, 0, NULL},
    {"filter", "/", "filter", NULL, 0, NULL},
    {"copy", "y", "copy", NULL, 0, NULL},
};

const struct view_ops nodes_raw_view = {
    .name = "raw",
    .title = rw_title,
    .columns = rw_columns,
    .nrows = rw_nrows,
    .cell = rw_cell,
    .generation = rw_generation,
    .copy_text = rw_copy,
    .reload = rw_reload,
    .close = rw_close,
    .actions = raw_actions,
    .nactions = ARRAY_LEN(raw_actions),
};
