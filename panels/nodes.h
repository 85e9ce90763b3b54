/* panels/nodes.h — what the Nodes panel's files share (nodes.c: the panel,
 * the fleet view and the commands; nodes_node.c: one node's cards and its
 * raw output; nodes_act.c: :run, :exec and their output panes;
 * nodes_plan.c: :plan), and nobody else. The fleet (lib/ssh/fleet) lives in the panel's priv. */
#ifndef MLC_PANELS_NODES_H
#define MLC_PANELS_NODES_H

#include "lib/ssh/fleet.h"
#include "tui/view.h"

struct nodes {
	struct fleet *fleet; /* NULL until the panel is first shown */
	bool grouped;	     /* :group: the ROLES column first, rows sorted by it */
	/* T: the node and the exact key its dialog shows (what y trusts, even
	 * if the node offers another meanwhile) */
	int trust_node;
	char trust_fp[64];
};

/* The panel's fleet, created (connecting to every node) on first use. */
struct fleet *nodes_fleet(struct panel *p);

/* Opens node i's cards (nodes_node.c). */
int nodes_open_node(struct panel *p, int i);
extern const struct view_ops nodes_node_view, nodes_raw_view, nodes_out_view;

/* Short forms shared by the fleet row and the cards: "32%" of memory used,
 * "91% /" of the fullest disk, "2/4 49%" GPUs busy/total and mean
 * utilisation ("no GPU"), "3/4" containers running/total. "" when unknown. */
void nodes_fmt_mem(const struct fleet_node *n, char *out, size_t sz, double *pct);
void nodes_fmt_disk(const struct fleet_node *n, char *out, size_t sz, double *pct);
void nodes_fmt_gpu(const struct fleet_node *n, char *out, size_t sz);
void nodes_fmt_ctrs(const struct fleet_node *n, char *out, size_t sz);

/* :run ACTION and :exec TARGET COMMAND, and the fleet view's `x`
 * (nodes_act.c): shows the command per node, asks, runs in parallel. */
int nodes_cmd_run(struct panel *p, const char *args);
int nodes_cmd_exec(struct panel *p, const char *args);
int nodes_exec_on(struct panel *p, const char *target, const char *command);
/* S (nodes_act.c): an interactive ssh to node i, the console suspended. */
int nodes_shell(struct panel *p, int i);
/* :plan NAME (nodes_plan.c): shows the steps, asks, runs them. */
int nodes_cmd_plan(struct panel *p, const char *args);
extern const struct view_ops nodes_plan_view;

#endif
