/* lib/ssh/nodeplan.h — [plan NAME] bring-up plans: ordered steps, each an
 * action run on its nodes in parallel (`run = ACTION`) or a gate polled
 * until it holds or its timeout passes (`wait = 120s ray 3`: ray status on
 * the ray-head node reports at least 3 alive nodes; `wait = 60s on NODE
 * COMMAND`: COMMAND exits 0 there; `wait = 30s tcp HOST:PORT`: the port
 * accepts a connection from the console; `wait = 30s http URL`: the URL
 * answers 2xx to the console). A run step followed by gates that all hold
 * already is skipped (a re-run does not start again what is up). The
 * runner stops at the first failure with the failing node and its output;
 * retry runs that step again. Runs on the fleet's sessions; never blocks; a
 * plan in flight counts as busy. */
#ifndef MLC_NODEPLAN_H
#define MLC_NODEPLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/core/config.h"
#include "lib/core/err.h"
#include "lib/ssh/fleet.h"

enum plan_kind { PK_RUN, PK_WAIT_RAY, PK_WAIT_CMD, PK_WAIT_TCP, PK_WAIT_HTTP };
enum plan_state { PL_PENDING, PL_RUNNING, PL_OK, PL_FAILED };

/* A step on one node, for the step × node grid. */
enum plan_cell_state { PC_NONE, PC_RUNNING, PC_OK, PC_FAILED };
struct plan_cell {
	enum plan_cell_state state; /* PC_NONE: the step did not run there */
	int exit_status;	    /* PC_FAILED: -1 when no exit status (transport) */
	int64_t start_ms, end_ms;   /* monotonic */
};

struct plan_step {
	enum plan_kind kind;
	char text[256];	   /* as written: "run ray-head", "wait 120s ray 3" */
	char action[64];   /* PK_RUN */
	int want_alive;	   /* PK_WAIT_RAY */
	char node[64];	   /* PK_WAIT_CMD */
	char command[512]; /* PK_WAIT_CMD; the HOST:PORT or URL of PK_WAIT_TCP/HTTP */
	bool skipped;	   /* PK_RUN: not run, the gates after it held already */
	long timeout_ms;   /* gates */
	/* the run */
	enum plan_state state;
	int64_t start_ms, end_ms; /* monotonic */
	char msg[256];		  /* failed: why ("exit 1 on worker-2", "timed out: 2 alive") */
	char *output;		  /* failed: the failing node's output, or NULL */
	int polls;
	/* one per fleet node once the step began (NULL before): a run step's
	 * nodes, a gate's node for the gates checked over SSH */
	struct plan_cell *cells;
};

/* Reads [plan name] of c into a new array of steps (*n of them); every
 * action named must exist. Errors name the section's FILE:LINE. */
int nodeplan_read(const struct config *c, const char *name, struct plan_step **steps, int *n,
		  struct mlc_err *err);

struct plan_run;
typedef void (*plan_changed_cb)(void *arg);

/* A Ray client for `wait = T ray N` (lib/ssh may not use lib/ray: the panel
 * hands in the one it has): start asks for the count of alive nodes and
 * calls done(alive, why, arg) exactly once from the loop (alive -1 and why
 * on failure) unless cancel(handle) ran first. Without one the gate reads
 * `ray status` on the ray-head node over SSH. Copied; ctx is borrowed for
 * the run's life. */
typedef void (*nodeplan_ray_done)(int alive, const char *why, void *arg);
struct nodeplan_ray {
	void *(*start)(void *ctx, nodeplan_ray_done done, void *arg);
	void (*cancel)(void *handle);
	void *ctx;
};

/* Runs steps (taken over) on f from the first; changed after every change.
 * ray: NULL, or the Ray client for ray gates. */
struct plan_run *nodeplan_start(struct fleet *f, struct plan_step *steps, int n,
				const struct nodeplan_ray *ray, plan_changed_cb changed, void *arg);
/* Runs the failed step again and goes on from there; false if none failed. */
bool nodeplan_retry(struct plan_run *r);
const struct plan_step *nodeplan_steps(const struct plan_run *r, int *n);
/* Whether a step is still running. */
bool nodeplan_busy(const struct plan_run *r);
/* Cancels what runs (no callback after) and frees r and its steps. */
void nodeplan_free(struct plan_run *r);

#endif
