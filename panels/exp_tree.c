/* panels/exp_tree.c — the parent/child order of the runs list: roots in
 * the server's order, each followed by its children depth-first (up to 8
 * levels); a child whose parent is not loaded (yet), or whose ancestry
 * loops, is a root. Pure: fills rows, depth and last_child of struct
 * xp_runs from its runs. */
#include <stdlib.h>
#include <string.h>

#include "experiments.h"
#include "lib/core/util.h"

/* Each run's parent index (-1: a root): a child whose parent is not loaded
 * (yet), or whose ancestry loops, is a root. All roots when the user asked
 * the server's order_by (the order shown is the server's then). */
static void tree_parents(const struct xp_runs *rs, int *parent)
{
	size_t n = rs->nruns;
	struct mlflow_keys ids;
	mlflow_keys_init(&ids);
	bool aligned = !rs->order_by[0];
	for (size_t i = 0; i < n; i++)
		aligned &= mlflow_keys_intern(&ids, rs->runs[i].run_id) == i;
	for (size_t i = 0; i < n; i++) {
		long p = aligned && rs->runs[i].parent_run_id
			     ? mlflow_keys_find(&ids, rs->runs[i].parent_run_id)
			     : -1;
		parent[i] = p >= 0 && (size_t)p != i ? (int)p : -1;
	}
	for (size_t i = 0; i < n; i++) {
		int p = parent[i], steps = 0;
		while (p >= 0 && steps++ < 9)
			p = parent[p];
		if (p >= 0 || steps > 8)
			parent[i] = -1;
	}
	mlflow_keys_free(&ids);
}

/* Walks the tree of root depth-first (up to 8 levels) into rows from o;
 * returns the next free row. */
static size_t tree_walk(struct xp_runs *rs, int root, const int *first, const int *next, size_t o)
{
	size_t n = rs->nruns;
	int stack[10], sp = 0, cur = root;
	uint8_t d = 0;
	for (;;) {
		if (o >= n)
			break;
		rs->rows[o] = cur;
		rs->depth[o] = d;
		rs->last_child[o] = d > 0 && next[cur] < 0;
		o++;
		if (first[cur] >= 0 && sp < 9) {
			stack[sp++] = cur;
			cur = first[cur];
			d++;
			continue;
		}
		while (cur >= 0 && next[cur] < 0 && sp > 0) {
			cur = stack[--sp];
			d--;
		}
		if (sp == 0 && (cur == root || next[cur] < 0))
			break;
		cur = next[cur];
	}
	return o;
}

/* Parent/child order: roots in the server's order, each followed by its
 * children. */
void xp_runs_build_tree(struct xp_runs *rs)
{
	size_t n = rs->nruns, m = n ? n : 1;
	rs->rows = xrealloc(rs->rows, m * sizeof *rs->rows);
	rs->depth = xrealloc(rs->depth, m);
	rs->last_child = xrealloc(rs->last_child, m * sizeof *rs->last_child);
	int *parent = xmalloc(m * sizeof *parent), *first = xmalloc(m * sizeof *first);
	int *next = xmalloc(m * sizeof *next), *tail = xmalloc(m * sizeof *tail);
	tree_parents(rs, parent);
	for (size_t i = 0; i < n; i++)
		first[i] = next[i] = tail[i] = -1;
	for (size_t i = 0; i < n; i++) {
		int p = parent[i];
		if (p < 0)
			continue;
		if (tail[p] < 0)
			first[p] = (int)i;
		else
			next[tail[p]] = (int)i;
		tail[p] = (int)i;
	}
	size_t o = 0;
	for (size_t i = 0; i < n; i++)
		if (parent[i] < 0)
			o = tree_walk(rs, (int)i, first, next, o);
	if (o < n) {
		/* Safety net: whatever the walk missed shows as a root. */
		bool *seen = xcalloc(n, sizeof *seen);
		for (size_t i = 0; i < o; i++)
			seen[rs->rows[i]] = true;
		for (size_t i = 0; i < n && o < n; i++)
			if (!seen[i]) {
				rs->rows[o] = (int)i;
				rs->depth[o] = 0;
				rs->last_child[o++] = false;
			}
		free(seen);
	}
	free(parent);
	free(first);
	free(next);
	free(tail);
}
