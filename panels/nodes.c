/* panels/nodes.c — the Nodes panel (digit 8, :nodes): the machines of the
 * configuration's [node NAME] sections, inspected over SSH by lib/ssh/fleet
 * on each node's own refresh (default 10 s; `r` now). The fleet view has one
 * row per node: state, load, memory, fullest disk, GPUs busy/total with
 * utilisation, containers running/total and a sparkline of load. Enter opens
 * the node's cards (nodes_node.c); :run and :exec act (nodes_act.c). Never
 * calls libssh2: fleet does. */
#include "panels/nodes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/log.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "tui/app.h"
#include "tui/canvas.h"
#include "tui/cmd.h"
#include "tui/panel.h"

enum { C_NAME, C_STATE, C_LOAD, C_MEM, C_DISK, C_GPU, C_CTRS, C_TREND, C_COUNT };

static const struct column cols[C_COUNT] = {
    [C_NAME] = {"NODE", 6, 18, ALIGN_LEFT, 0, false},
    [C_STATE] = {"STATE", 5, 12, ALIGN_LEFT, 0, false},
    [C_LOAD] = {"LOAD", 5, 6, ALIGN_RIGHT, 0, true},
    [C_MEM] = {"MEM", 4, 5, ALIGN_RIGHT, 1, true},
    [C_DISK] = {"DISK", 5, 24, ALIGN_LEFT, 2, true},
    [C_GPU] = {"GPU", 6, 12, ALIGN_LEFT, 3, false},
    [C_CTRS] = {"CTRS", 4, 6, ALIGN_RIGHT, 4, false},
    [C_TREND] = {"LOAD TREND", 10, 12, ALIGN_LEFT, 5, false},
};
/* :group: the roles first, and the rows sorted by them */
static const struct column grouped_cols[C_COUNT + 1] = {
    {"ROLES", 5, 20, ALIGN_LEFT, 0, false},
    cols[C_NAME],
    cols[C_STATE],
    cols[C_LOAD],
    cols[C_MEM],
    cols[C_DISK],
    cols[C_GPU],
    cols[C_CTRS],
    cols[C_TREND],
};

static void nodes_changed(int i, void *arg)
{
	app_dirty();
}

struct fleet *nodes_fleet(struct panel *p)
{
	struct nodes *ns = p->priv;
	if (!ns->fleet)
		ns->fleet = fleet_new(app_config(), 10000, nodes_changed, ns);
	return ns->fleet;
}

void nodes_fmt_mem(const struct fleet_node *n, char *out, size_t sz, double *pct)
{
	out[0] = '\0';
	if (!n->raw[FP_MEM].ok || n->mem.total <= 0)
		return;
	*pct = 100.0 * (double)n->mem.used / (double)n->mem.total;
	snprintf(out, sz, "%.0f%%", *pct);
}

void nodes_fmt_disk(const struct fleet_node *n, char *out, size_t sz, double *pct)
{
	out[0] = '\0';
	int i = n->raw[FP_DF].ok ? ni_disk_fullest(n->disks, n->ndisks) : -1;
	if (i < 0)
		return;
	*pct = n->disks[i].pct;
	char *m = san_str(n->disks[i].mount);
	snprintf(out, sz, "%d%% %s", n->disks[i].pct, m);
	free(m);
}

void nodes_fmt_gpu(const struct fleet_node *n, char *out, size_t sz)
{
	out[0] = '\0';
	if (n->no_gpu) {
		snprintf(out, sz, "no GPU");
		return;
	}
	if (!n->raw[FP_GPU].ok)
		return;
	int busy = 0, util = 0;
	for (int i = 0; i < n->ngpus; i++) {
		busy += ni_gpu_busy(&n->gpus[i]);
		util += n->gpus[i].util > 0 ? n->gpus[i].util : 0;
	}
	if (!n->ngpus)
		snprintf(out, sz, "0 GPUs");
	else
		snprintf(out, sz, "%d/%d %d%%", busy, n->ngpus, util / n->ngpus);
}

void nodes_fmt_ctrs(const struct fleet_node *n, char *out, size_t sz)
{
	out[0] = '\0';
	if (n->raw[FP_DOCKER].ok)
		snprintf(out, sz, "%d/%d", ni_containers_running(n->ctrs, n->nctrs), n->nctrs);
}

static bool grouped(struct view *v)
{
	return ((struct nodes *)v->panel->priv)->grouped;
}

static const struct column *fl_columns(struct view *v, int *n)
{
	*n = C_COUNT + grouped(v);
	return grouped(v) ? grouped_cols : cols;
}

/* "ray-worker gpu"; "-" for none. Sorts by the roles, then as configured. */
static void roles_cell(const struct fleet_node *n, int row, struct cell *out)
{
	struct buf b;
	buf_init(&b);
	for (char **r = n->t->roles; r && *r; r++)
		buf_printf(&b, "%s%s", r == n->t->roles ? "" : " ", *r);
	buf_append(&b, "", 1);
	san_into(out->text, sizeof out->text, b.len > 1 ? b.data : "-", b.len > 1 ? b.len - 1 : 1);
	snprintf(out->sort, sizeof out->sort, "%.100s %05d", b.len > 1 ? b.data : "~", row);
	out->role = b.len > 1 ? ROLE_NORMAL : ROLE_DIM;
	buf_free(&b);
}

static int fl_nrows(struct view *v)
{
	return nodes_fleet(v->panel)->n;
}

static unsigned long fl_generation(struct view *v)
{
	return nodes_fleet(v->panel)->generation;
}

static void state_cell(const struct fleet_node *n, struct cell *out)
{
	switch (n->state) {
	case FS_CONNECTING:
		snprintf(out->text, sizeof out->text, "connecting");
		out->role = ROLE_DIM;
		break;
	case FS_DOWN:
		snprintf(out->text, sizeof out->text, "down");
		out->role = ROLE_ERR;
		break;
	case FS_UP:
		snprintf(out->text, sizeof out->text, "up");
		out->role = ROLE_OK;
		break;
	}
}

static void fl_cell(struct view *v, int row, int col, struct cell *out)
{
	const struct fleet_node *n = &nodes_fleet(v->panel)->nodes[row];
	double pct = 0;
	out->role = ROLE_NORMAL;
	if (grouped(v) && col-- == 0) {
		roles_cell(n, row, out);
		return;
	}
	switch (col) {
	case C_NAME:
		san_into(out->text, sizeof out->text, n->t->name, strlen(n->t->name));
		break;
	case C_STATE:
		state_cell(n, out);
		break;
	case C_LOAD:
		if (n->raw[FP_UPTIME].ok)
			snprintf(out->text, sizeof out->text, "%.2f", n->up.load[0]);
		break;
	case C_MEM:
		nodes_fmt_mem(n, out->text, sizeof out->text, &pct);
		out->has_num = out->text[0] != '\0';
		out->num = pct;
		out->role = pct >= 90 ? ROLE_WARN : ROLE_NORMAL;
		break;
	case C_DISK:
		nodes_fmt_disk(n, out->text, sizeof out->text, &pct);
		out->has_num = out->text[0] != '\0';
		out->num = pct;
		out->role = pct >= 90 ? ROLE_WARN : ROLE_NORMAL;
		break;
	case C_GPU:
		nodes_fmt_gpu(n, out->text, sizeof out->text);
		out->role = n->no_gpu ? ROLE_DIM : ROLE_NORMAL;
		break;
	case C_CTRS:
		nodes_fmt_ctrs(n, out->text, sizeof out->text);
		break;
	case C_TREND:
		/* the last 10 polls; load × 100 on one log scale for every
		 * node, from 0.01 to 64 */
		sparkline(n->load_hist + (n->nhist > 10 ? n->nhist - 10 : 0),
			  n->nhist > 10 ? 10 : n->nhist, 1, 6400, out->text, sizeof out->text);
		out->role = ROLE_CHART;
		break;
	}
}

static void fl_detail(struct view *v, int row, char *out, size_t n, enum role *role)
{
	if (row < 0)
		return;
	const struct fleet_node *nd = &nodes_fleet(v->panel)->nodes[row];
	char *ep = target_endpoint(nd->t), *why = san_str(nd->why);
	if (nd->state == FS_DOWN) {
		snprintf(out, n, "%s: %s%s", ep, why,
			 nd->offered_key[0] ? "; T trusts the key once you have checked it" : "");
		*role = ROLE_ERR;
	} else {
		char up[32] = "";
		if (nd->raw[FP_UPTIME].ok && nd->up.up_s >= 0)
			fmt_age(up, sizeof up, nd->up.up_s * 1000);
		snprintf(out, n, "%s%s%s", ep, up[0] ? "  up " : "", up);
	}
	free(ep);
	free(why);
}

static void fl_title(struct view *v, char *out, size_t n)
{
	snprintf(out, n, "Nodes");
}

static void fl_empty(struct view *v, char *out, size_t n)
{
	snprintf(out, n, "no [node NAME] in the configuration");
}

static void fl_copy(struct view *v, int row, char *out, size_t n)
{
	snprintf(out, n, "%s", nodes_fleet(v->panel)->nodes[row].t->name);
}

static void fl_reload(struct view *v)
{
	fleet_refresh(nodes_fleet(v->panel), -1);
}

static int fl_open(struct view *v, int row)
{
	return nodes_open_node(v->panel, row);
}

static void exec_typed(void *arg, const char *text)
{
	struct view *v = arg;
	if (!text || !text[0])
		return;
	int row = table_selected(&v->table);
	if (row >= 0)
		nodes_exec_on(v->panel, nodes_fleet(v->panel)->nodes[row].t->name, text);
}

static int fl_exec(struct view *v, int row)
{
	app_input("exec on this node: ", "", exec_typed, v);
	return P_REDRAW;
}

static void trust_answer(void *arg, bool yes)
{
	struct panel *p = arg;
	struct nodes *ns = p->priv;
	struct fleet *f = nodes_fleet(p);
	struct fleet_node *nd = &f->nodes[ns->trust_node];
	char *name = san_str(nd->t->name), *fp = san_str(ns->trust_fp);
	const char *kh = nd->t->known_hosts ? nd->t->known_hosts : "~/.ssh/known_hosts";
	if (!yes) {
		app_message(ROLE_DIM, "%s: host key not trusted", name);
	} else {
		char *req = xasprintf("trust host key %s (known_hosts %s)", fp, kh);
		log_audit(nd->t->name, req, "confirmed; recording");
		free(req);
		app_message(ROLE_OK, "%s: recording %s in %s", name, fp, kh);
		fleet_trust(f, ns->trust_node, ns->trust_fp);
	}
	free(name);
	free(fp);
}

/* T on a node whose host key is unknown: the key's fingerprint and the
 * file it would go to, and after y that key only is recorded on the next
 * connection. Never silently: without y nothing is written. */
static int fl_trust(struct view *v, int row)
{
	const struct fleet_node *nd = &nodes_fleet(v->panel)->nodes[row];
	struct nodes *ns = v->panel->priv;
	const char *fp = strchr(nd->offered_key, ' ');
	if (!fp) {
		app_message(ROLE_DIM, "T trusts a node's unknown host key; this node has none");
		return P_REDRAW;
	}
	char raw[3][400], l[3][400];
	char *ep = target_endpoint(nd->t);
	snprintf(raw[0], sizeof raw[0], "node      %s (%s)", nd->t->name, ep);
	snprintf(raw[1], sizeof raw[1], "host key  %s", nd->offered_key);
	snprintf(raw[2], sizeof raw[2], "added to  %s",
		 nd->t->known_hosts ? nd->t->known_hosts : "~/.ssh/known_hosts");
	free(ep);
	for (int i = 0; i < 3; i++)
		san_into(l[i], sizeof l[i], raw[i], strlen(raw[i]));
	ns->trust_node = row;
	snprintf(ns->trust_fp, sizeof ns->trust_fp, "%s", fp + 1);
	struct dialog d = {
	    .title = "Trust an unknown host key?",
	    .lines = {l[0], l[1], l[2], "",
		      "Compare with `ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub` on the node.",
		      NULL},
	    .action = "trust this key",
	    .done = trust_answer,
	    .arg = v->panel,
	};
	app_confirm(&d);
	return P_REDRAW;
}

static int fl_shell(struct view *v, int row)
{
	return nodes_shell(v->panel, row);
}

static const struct view_action fleet_actions[] = {
    {"open", "<Enter>", "cards", "the node's inspections, one card each", ACT_F_SELECTION, fl_open},
    {"shell", "S", "shell", "ssh to the node in this terminal; back here when it exits",
     ACT_F_SELECTION, fl_shell},
    {"trust", "T", NULL, "trust the node's unknown host key (shows it first; writes known_hosts)",
     ACT_F_SELECTION | ACT_F_WRITES | ACT_F_CONFIRM, fl_trust},
    {"exec", "x", "exec", "run a command on the node (asks first)",
     ACT_F_SELECTION | ACT_F_WRITES | ACT_F_CONFIRM, fl_exec},
    {"reload", "r", "refresh", NULL, 0, NULL},
    {"filter", "/", "filter", NULL, 0, NULL},
    {"sort", "s", "sort", NULL, 0, NULL},
    {"copy", "y", "copy", NULL, 0, NULL},
};

static const struct view_ops fleet_view = {
    .name = "fleet",
    .title = fl_title,
    .columns = fl_columns,
    .nrows = fl_nrows,
    .cell = fl_cell,
    .generation = fl_generation,
    .detail = fl_detail,
    .empty_text = fl_empty,
    .copy_text = fl_copy,
    .reload = fl_reload,
    .actions = fleet_actions,
    .nactions = ARRAY_LEN(fleet_actions),
};

static void nd_panel_open(struct panel *p)
{
	p->priv = xcalloc(1, sizeof(struct nodes));
	view_push(p, &fleet_view, NULL);
}

static void nd_panel_close(struct panel *p)
{
	struct nodes *ns = p->priv;
	fleet_free(ns->fleet);
	free(ns);
	p->priv = NULL;
}

/* Names of the kept [KIND NAME] sections that start with word. */
static void complete_section(const char *kind, const char *word, struct cmd_cands *out)
{
	const struct config *c = app_config();
	for (size_t i = 0; i < c->nsections; i++)
		if (!strcmp(c->sections[i].kind, kind) && str_starts(c->sections[i].name, word))
			cmd_cand_add(out, c->sections[i].name);
}

static void complete_action(struct panel *p, const char *args, const char *word,
			    struct cmd_cands *out)
{
	complete_section("action", word, out);
}

static void complete_plan(struct panel *p, const char *args, const char *word,
			  struct cmd_cands *out)
{
	complete_section("plan", word, out);
}

static void complete_target(struct panel *p, const char *args, const char *word,
			    struct cmd_cands *out)
{
	if (args[0])
		return; /* the command itself: free text */
	const struct config *c = app_config();
	if (str_starts("all", word))
		cmd_cand_add(out, "all");
	for (size_t i = 0; i < c->ntargets; i++) {
		const struct target *t = &c->targets[i];
		if (t->kind != TK_NODE)
			continue;
		if (str_starts(t->name, word))
			cmd_cand_add(out, t->name);
		for (char **r = t->roles; r && *r; r++)
			if (str_starts(*r, word))
				cmd_cand_add(out, *r);
	}
}

/* :group toggles the roles column, the fleet sorted by it (the nodes of a
 * role together, in their configured order). */
static int nodes_cmd_group(struct panel *p, const char *args)
{
	struct nodes *ns = p->priv;
	struct view *v = view_top(p);
	if (!v || v->ops != &fleet_view) {
		app_message(ROLE_ERR, "group: only in the fleet (Esc back to it)");
		return -1;
	}
	ns->grouped = !ns->grouped;
	table_sort_by(&v->table, ns->grouped ? 0 : -1, false);
	app_message(ROLE_OK,
		    ns->grouped ? "grouped by role (:group again to ungroup)" : "not grouped");
	return 0;
}

/* `:node NAME`: that node's cards, from the fleet (how another panel opens
 * a node here: Ray's `s` on a node of the same address). */
static int nodes_cmd_node(struct panel *p, const char *line)
{
	struct fleet *f = nodes_fleet(p);
	char args[256];
	snprintf(args, sizeof args, "%s", line);
	str_trim(args); /* Tab completes with a space after the name */
	for (int i = 0; i < f->n; i++)
		if (!strcmp(f->nodes[i].t->name, args)) {
			view_pop_to_root(p);
			view_select_row(view_top(p), i);
			nodes_open_node(p, i);
			return 0;
		}
	app_message(ROLE_ERR, "node: no [node %s] in the configuration", args);
	return -1;
}

static void complete_node(struct panel *p, const char *args, const char *word,
			  struct cmd_cands *out)
{
	const struct config *c = app_config();
	for (size_t i = 0; i < c->ntargets; i++)
		if (c->targets[i].kind == TK_NODE && str_starts(c->targets[i].name, word))
			cmd_cand_add(out, c->targets[i].name);
}

static const struct cmd_entry nodes_cmds[] = {
    {"group", NULL, "", "group the fleet by role: a ROLES column, sorted (again: ungroup)",
     CMD_ARG_NONE, nodes_cmd_group, NULL},
    {"node", NULL, "NAME", "a [node NAME]'s cards", CMD_ARG_TEXT, nodes_cmd_node, complete_node},
    {"run", NULL, "ACTION", "run an [action NAME] on its nodes (shows each command, asks first)",
     CMD_ARG_TEXT, nodes_cmd_run, complete_action},
    {"exec", NULL, "TARGET COMMAND",
     "run COMMAND on a node, a role or all (shows each command, asks first)", CMD_ARG_TEXT,
     nodes_cmd_exec, complete_target},
    {"plan", NULL, "NAME", "run a [plan NAME] step by step (shows every step, asks first)",
     CMD_ARG_TEXT, nodes_cmd_plan, complete_plan},
};

static const struct view_ops *const nodes_views[] = {
    &fleet_view, &nodes_node_view, &nodes_raw_view, &nodes_out_view, &nodes_plan_view, NULL};

static const struct panel_ops nodes_ops = {
    .name = "nodes",
    .title = "Nodes",
    .digit = 8,
    .open = nd_panel_open,
    .close = nd_panel_close,
    .cmds = nodes_cmds,
    .ncmds = ARRAY_LEN(nodes_cmds),
    .views = nodes_views,
};

struct panel nodes_panel = {.ops = &nodes_ops};
