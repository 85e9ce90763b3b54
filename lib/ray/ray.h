/* lib/ray/ray.h — the Ray dashboard's answers as model structs, and the pure
 * parsers that build them (bytes in, struct out, never crash): /api/version,
 * /api/cluster_status, /nodes?view=summary, /api/v0/nodes, /api/v0/actors,
 * /api/v0/tasks/summarize, /api/jobs/ (list, detail, logs, stop) and
 * /api/serve/applications/. Ray 2.9 to 2.40
 * differ, so every field is optional: an absent string is NULL, an absent
 * number RAY_NA (shown as "-", never as a zero). Strings are raw from the
 * server (capped, NULs visible): sanitize before display. No I/O. */
#ifndef MLC_RAY_H
#define MLC_RAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/core/err.h"

#define RAY_NA (-1.0) /* a number the answer did not give */

/* A resource: used of total (each RAY_NA when absent). */
struct ray_res {
	char *name; /* "CPU", "GPU", "memory", "objectStoreMemory", "acceleratorType:A10G" */
	double used, total;
};

/* /api/version */
struct ray_version {
	char *ray_version, *api_version, *session;
};

/* /api/cluster_status: the content of `ray status`. */
struct ray_cluster {
	bool has_status;     /* clusterStatus was there (null without a monitor) */
	struct ray_res *res; /* cluster usage, node:* resources left out */
	size_t nres;
	char **demands; /* "{CPU: 4, GPU: 1} x 1": demands no node fits */
	size_t ndemands;
	char **pending; /* "10.0.0.14 gpu-worker-group waiting-for-ssh", "gpu-worker-group x 1
			   launching" */
	size_t npending;
	char **failed; /* "10.0.0.12 gpu-worker-group" */
	size_t nfailed;
	char *error; /* autoscalingError, or NULL */
};

/* One node of /nodes?view=summary. */
struct ray_node {
	char *id, *ip, *hostname, *state, *state_message;
	int head; /* 1 head, 0 worker, -1 not said */
	/* logical use (nodeLogicalResources), else totals only */
	struct ray_res cpu, gpu, mem, osm;
	struct ray_res *res; /* resourcesTotal as given (totals; used RAY_NA) */
	size_t nres;
	char **labels; /* "key=value" */
	size_t nlabels;
	int64_t start_ms, end_ms; /* 0: not said (end 0: alive) */
	int workers;		  /* -1: not said */
};

struct ray_nodes {
	struct ray_node *v;
	size_t n;
};

/* One actor of /api/v0/actors?detail=true. */
struct ray_actor {
	char *id, *class_name, *state, *name, *node_id, *job_id, *death;
	int64_t pid; /* -1: not said */
};

struct ray_actors {
	struct ray_actor *v;
	size_t n;
	int64_t total; /* the server's total (more than n when truncated); -1 */
};

/* One job of /api/jobs/. */
struct ray_job {
	char *submission_id, *job_id, *type, *status, *entrypoint, *message, *error_type;
	char *driver_ip, *driver_node_id;
	int64_t start_ms, end_ms; /* 0: not said */
	bool has_exit_code;
	int64_t exit_code;
	char **metadata; /* "key=value" */
	size_t nmetadata;
};

struct ray_jobs {
	struct ray_job *v;
	size_t n;
};

/* One Serve application of /api/serve/applications/. */
struct ray_deployment {
	char *name, *status, *message;
	int replicas, healthy; /* replicas listed; of them RUNNING */
};

struct ray_app {
	char *name, *status, *route_prefix, *message;
	struct ray_deployment *deps;
	size_t ndeps;
	int replicas, healthy; /* summed over the deployments */
};

struct ray_serve {
	struct ray_app *v;
	size_t n;
};

/* One node of the state API's /api/v0/nodes?detail=true (snake_case). */
struct ray_state_node {
	char *id, *ip, *name, *state, *state_message; /* state_message: why it died */
	int head;				      /* 1, 0, -1 not said */
	int64_t start_ms, end_ms;		      /* 0: not said (end 0: alive) */
};

struct ray_state_nodes {
	struct ray_state_node *v;
	size_t n;
	int64_t total; /* the server's total; -1 */
};

/* /api/v0/tasks/summarize: one function or class and its tasks by state. */
struct ray_task_count {
	char *state;
	int64_t n;
};

struct ray_task_sum {
	char *name, *type; /* "preprocess_batch", "NORMAL_TASK" */
	struct ray_task_count *counts;
	size_t ncounts;
	int64_t total; /* summed over the states */
};

struct ray_tasks {
	struct ray_task_sum *v; /* most tasks first */
	size_t n;
	int64_t total, normal, actor_tasks, actor_scheduled; /* -1: not said */
};

/* Every parser: 0, or a negative code with err naming the request and the
 * JSON path that failed. On failure out is left freed (safe to free again). */
int ray_version_parse(struct ray_version *out, const char *body, size_t len, struct mlc_err *err);
int ray_cluster_parse(struct ray_cluster *out, const char *body, size_t len, struct mlc_err *err);
int ray_nodes_parse(struct ray_nodes *out, const char *body, size_t len, struct mlc_err *err);
int ray_actors_parse(struct ray_actors *out, const char *body, size_t len, struct mlc_err *err);
int ray_jobs_parse(struct ray_jobs *out, const char *body, size_t len, struct mlc_err *err);
int ray_job_parse(struct ray_job *out, const char *body, size_t len, struct mlc_err *err);
/* {"logs": "..."}: *out the text (caller frees). */
int ray_logs_parse(char **out, const char *body, size_t len, struct mlc_err *err);
/* {"stopped": bool} */
int ray_stop_parse(bool *out, const char *body, size_t len, struct mlc_err *err);
int ray_serve_parse(struct ray_serve *out, const char *body, size_t len, struct mlc_err *err);
int ray_state_nodes_parse(struct ray_state_nodes *out, const char *body, size_t len,
			  struct mlc_err *err);
/* summary_by=func_name (a dict of functions); the lineage form (a list) is
 * read as far as its rows carry the same fields. */
int ray_tasks_parse(struct ray_tasks *out, const char *body, size_t len, struct mlc_err *err);

void ray_version_free(struct ray_version *v);
void ray_cluster_free(struct ray_cluster *c);
void ray_nodes_free(struct ray_nodes *n);
void ray_actors_free(struct ray_actors *a);
void ray_job_free(struct ray_job *j);
void ray_jobs_free(struct ray_jobs *j);
void ray_serve_free(struct ray_serve *s);
void ray_state_nodes_free(struct ray_state_nodes *s);
void ray_tasks_free(struct ray_tasks *t);

/* Fills in from the state API what /nodes?view=summary left out of a node
 * of the same id: why it died (state_message), when (end_ms), since when
 * (start_ms), whether it is the head; a node only the state API lists is
 * added (state, address, reason). Older and newer Rays each leave some of
 * these out of one of the two. */
void ray_nodes_merge_state(struct ray_nodes *n, const struct ray_state_nodes *s);
/* Alive and other nodes of the state API's answer (the Overview's count). */
void ray_state_nodes_count(const struct ray_state_nodes *s, int *alive, int *dead);

/* Whether a job in status may still be stopped (PENDING or RUNNING). */
bool ray_job_running(const char *status);
/* A node under pressure: any of CPU, GPU, memory, object store at 90% or more. */
bool ray_node_pressure(const struct ray_node *n);
/* The Nodes view's default order: dead first, then under pressure, then
 * the head, then by address (numerically by IPv4 octets). qsort-compatible
 * over struct ray_node. */
int ray_node_cmp(const void *a, const void *b);

#endif
