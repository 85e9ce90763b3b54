/* panels/ray.h — what the Ray panel's files share: one struct rp_cluster per
 * configured [ray] target (its client, the last good answer of each
 * request with its error and the request in flight), the views
 * (ray_nodes.c: cluster header and nodes; ray_spark.c: their CPU and GPU
 * sparklines from Prometheus; ray_node.c: a node, ray_chart.c: its metric
 * charts; ray_jobs.c: jobs and
 * stop; ray_job.c: a job and its logs; ray_work.c: actors, Serve; ray.c:
 * the clusters view, the commands, the panel),
 * and sanitized cells. Loads belong to the cluster, not to a view: a view
 * that closes leaves them running and the panel's close cancels them;
 * stale data stays on screen with the error beside it. No curses, no I/O. */
#ifndef MLC_PANELS_RAY_H
#define MLC_PANELS_RAY_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "lib/core/config.h"
#include "lib/ray/ray.h"
#include "lib/ray/rayc.h"
#include "tui/panel.h"
#include "tui/view.h"

struct rp_cluster;

/* One request kind's state: in flight, last error, ever loaded. */
struct rp_slot {
	struct rp_cluster *c;
	enum rayc_what what;
	struct rayc_req *req;
	char err[256]; /* sanitized; "" when the last answer was good */
	bool loaded;
	int fails;		    /* failed answers in a row since the last good one */
	int64_t ok_wall, down_wall; /* the last good answer; the first failure of the row */
};

enum {
	RP_VERSION,
	RP_CLUSTER,
	RP_NODES,
	RP_JOBS,
	RP_ACTORS,
	RP_SERVE,
	RP_STATE, /* /api/v0/nodes: merged into nodes (death reasons) */
	RP_TASKS,
	RP_NSLOTS
};

struct rp_cluster {
	const struct target *t;
	struct panel *p; /* the panel whose views show it */
	/* the refresh timer (its own period: the target's refresh, else the
	 * general one): reloads the view on top while one of this cluster's
	 * views was drawn in the last three periods */
	uv_timer_t *timer;
	long refresh_ms;
	int64_t seen_mono;
	struct rayc rc;
	struct rp_slot slot[RP_NSLOTS];
	struct ray_version version;
	struct ray_cluster cluster;
	struct ray_nodes nodes; /* in the default order (ray_node_cmp), the
				   state API's answer merged in */
	struct ray_state_nodes state;
	struct ray_tasks tasks;
	struct ray_jobs jobs;
	struct ray_actors actors;
	struct ray_serve serve;
	unsigned long gen; /* bumped by every answer */
	/* `X`: the job the dialog asks about, the one being stopped, and its
	 * request (one at a time) */
	char *asking, *stopping;
	struct rayc_req *stop_req;
	/* the Nodes view's CPU and GPU sparklines (ray_spark.c), from prom
	 * when set */
	const struct target *prom;
	struct rp_sparks {
		struct rp_cluster *c;
		struct promc_req *req;
		struct rp_spark *v;
		size_t n;
		char err[256];
		bool loaded;
	} spark[2]; /* RP_SPARK_CPU, RP_SPARK_GPU */
	/* the node metric charts' window (ray_chart.c): an index of its table */
	int chart_win;
};

enum { RP_SPARK_CPU, RP_SPARK_GPU };

/* The sparkline column's width (two points a column are asked for). */
#define RP_SPARK_W 10

struct promc_req;
struct rp_spark;
/* Asks Prometheus for the sparklines of every node: one query_range a
 * metric (CPU, GPU), grouped by ip, never one a node. */
void rp_spark_load(struct rp_cluster *c);
/* The sparkline (RP_SPARK_*) of the node at ip, or "-". */
void rp_spark_cell(struct rp_cluster *c, int which, const char *ip, struct cell *out);
/* Why there are no sparklines ("" when there are). */
void rp_spark_status(struct rp_cluster *c, char *out, size_t n);
/* Cancels the queries and frees the sparklines. */
void rp_spark_free(struct rp_cluster *c);

/* The node detail's metric charts (ray_chart.c): the charts of one node
 * over the cluster's window, loaded and drawn by the node view. */
struct rp_charts;
struct canvas;
/* A new set for the node at ip (copied; gpu: it has GPUs, their charts are
 * drawn); nothing is asked before the first draw, which knows the width. */
struct rp_charts *rp_charts_new(struct rp_cluster *c, const char *ip, bool gpu);
/* Asks for every chart over the current window, at most two points a
 * column of the width the charts were last drawn at. */
void rp_charts_load(struct rp_charts *ch);
/* Draws the charts into cv (a grid that fits); returns the rows used. */
void rp_charts_draw(struct rp_charts *ch, const struct canvas *cv);
/* Changes the window by dir (-1 shorter, +1 longer) and reloads. */
void rp_charts_window(struct rp_charts *ch, int dir);
/* Bumped by every answer (the view's generation adds it). */
unsigned long rp_charts_gen(const struct rp_charts *ch);
/* "" or why there are no charts ("no Prometheus configured", its error). */
void rp_charts_status(const struct rp_charts *ch, char *out, size_t n);
void rp_charts_free(struct rp_charts *ch);

/* Every Ray view's priv starts with this: the cluster it shows (borrowed),
 * and the rows a view derives from the cluster's answers (owned; its own
 * type, freed by rp_view_close), built at generation gen_built. */
struct rp_view {
	struct rp_cluster *c;
	void *rows;
	int nrows;
	bool built;
	unsigned long gen_built;
};

struct rp_panel {
	struct rp_cluster *v;
	size_t n;
};

/* Starts loading slot s of c unless it is in flight. */
void rp_load(struct rp_cluster *c, int s);
/* The cluster a view shows. */
struct rp_cluster *rp_of(struct view *v);
/* "loading…", or the slot's error when it never loaded. */
void rp_empty(struct rp_cluster *c, int s, const char *none, char *out, size_t n);
/* The slot's health as the status of its view, or "" when its last answer
 * was good: one failure after data came is "stale since 14:03:22: ERR",
 * two or more in a row "down 12s, data from 14:03:22: ERR" (the data stays
 * on screen either way). */
void rp_status(struct rp_cluster *c, int s, char *out, size_t n);
/* A view of c was drawn now (keeps its refresh timer polling); returns
 * c->gen, so that a view's generation hook is just this. */
unsigned long rp_seen(struct rp_cluster *c);

/* Cells: raw text sanitized (NULL or "": "-", dim). */
void rp_cell(struct cell *out, const char *raw, enum role role);
/* A resource as a bar with numbers: "[██░░░] 4/10"; "-" when absent.
 * bytes: the numbers as sizes (4.0G). */
void rp_bar_cell(struct cell *out, const struct ray_res *r, bool bytes, int width);
/* "4.0G", "512M", "12B" */
void rp_size(char *out, size_t n, double bytes);
/* The colour of a job, app, actor or node status. */
enum role rp_status_role(const char *status);
/* The first 8 characters of an id ("5d0c9f1e"). */
void rp_short_id(char *out, size_t n, const char *id);

/* The views. */
extern const struct view_ops rp_nodes_view, rp_node_view, rp_jobs_view, rp_job_view, rp_actors_view,
    rp_serve_view, rp_tasks_view;
/* Pushes a view of cluster c onto p (priv a struct rp_view, freed by
 * rp_view_close, which views without more state use as their close). */
void rp_push(struct panel *p, const struct view_ops *ops, struct rp_cluster *c);
void rp_view_close(struct view *v);
/* Pushes the detail of a node or a job (copied). */
void rp_push_node(struct panel *p, struct rp_cluster *c, const struct ray_node *n);
void rp_push_job(struct panel *p, struct rp_cluster *c, const struct ray_job *j);
/* The job view's refresh on the timer: its status, and its log while it is
 * followed (`r` reloads both). */
void rp_job_tick(struct view *v);

/* The actions every cluster view shares: its jobs, actors, Serve apps. */
int rp_act_jobs(struct view *v, int row);
int rp_act_actors(struct view *v, int row);
int rp_act_serve(struct view *v, int row);
int rp_act_tasks(struct view *v, int row);

#endif
