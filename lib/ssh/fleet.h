/* lib/ssh/fleet.h — the machines of the configuration ([node NAME]) as the
 * Nodes panel sees them: one SSH session per node, kept open and reused for
 * every command (one channel each), reconnected on the next refresh when it
 * drops; each node inspected on its own timer (its `refresh`, else the
 * fleet's, default 10 s) with uptime, free -b, df -P, nvidia-smi, docker ps
 * and, on ray nodes, ray status, each its own channel (one after another on
 * a node) with its own timeout and output cap; the nodes go in parallel, so
 * a node that is down or hangs never delays another.
 * Also runs ad-hoc commands on a node's session (fleet_exec). Never blocks,
 * never draws; callbacks come from the loop. */
#ifndef MLC_FLEET_H
#define MLC_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/core/config.h"
#include "lib/core/err.h"
#include "lib/ssh/nodeinfo.h"
#include "lib/ssh/sshc.h"

struct sshc_result;

enum fleet_probe {
	FP_UPTIME,
	FP_MEM,
	FP_DF,
	FP_GPU,
	FP_DOCKER,
	FP_COMPOSE,
	FP_RAY,
	FP_UNITS,
	FP_COUNT
};
/* The command a probe runs on n (the units its section names are quoted
 * into systemctl's), or NULL where it does not run (ray status off ray
 * nodes, systemctl without `units =`); and its short name ("gpu"). */
struct fleet_node;
const char *fleet_probe_cmd(const struct fleet_node *n, enum fleet_probe p);
const char *fleet_probe_name(enum fleet_probe p);

/* One probe's last answer, kept raw for the panel's "raw output" page. */
struct fleet_raw {
	bool ran;     /* an answer (or an error) arrived */
	bool ok;      /* ran, exit 0 and parsed */
	char *out;    /* stdout (NULL before the first answer) */
	char *errout; /* stderr */
	int exit_status;
	char why[256]; /* not ok: the error, the parse error or "exit 127: …" */
	long ms;
};

enum fleet_state { FS_CONNECTING, FS_UP, FS_DOWN };

struct fleet_job;

struct fleet_node {
	const struct target *t; /* borrowed from the config */
	enum fleet_state state;
	char why[256]; /* FS_DOWN: the reason ("ssh worker-2: connection refused") */
	/* FS_DOWN on an unknown host key: "ssh-ed25519 SHA256:…" the node
	 * offered (what fleet_trust would record); "" otherwise */
	char offered_key[128];
	char accept_fp[64]; /* fleet_trust: accept this key on the next connect */
	int64_t updated_ms; /* wall clock of the last complete inspection, 0: none */
	struct fleet_raw raw[FP_COUNT];
	/* Parsed, valid where raw[p].ok: */
	struct ni_uptime up;
	struct ni_mem mem;
	struct ni_disk disks[24];
	int ndisks;
	struct ni_gpu gpus[16];
	int ngpus;
	bool no_gpu; /* nvidia-smi is not there (exit 127) */
	struct ni_container ctrs[64];
	int nctrs;
	struct ni_compose compose[16];
	int ncompose;
	bool no_compose; /* docker compose ls failed: no docker, or no compose plugin */
	struct ni_unit units[16];
	int nunits;
	struct ni_ray ray;
	bool ray_node;	    /* has a ray role: ray status runs there */
	long load_hist[24]; /* load1 × 100, oldest first */
	int nhist;
	/* private to fleet.c */
	struct fleet *fleet;
	struct sshc_session *sess;
	struct sshc_exec *x[FP_COUNT];
	struct fleet_probe_arg {
		struct fleet_node *n;
		int p;
	} pa[FP_COUNT]; /* each probe's callback argument: nothing to free when a
			 * closed session never calls back */
	int inflight;
	int64_t started_ms[FP_COUNT];
	struct fleet_job *jobs;
	void *timer;
	char *units_cmd; /* systemctl show … 'UNIT'…, NULL without units */
};

/* Called from the loop whenever node i changed (state, a probe answered). */
typedef void (*fleet_changed_cb)(int i, void *arg);

struct fleet {
	struct fleet_node *nodes;
	int n;
	long refresh_ms;
	unsigned long generation; /* bumped on every change */
	const struct config *cfg;
	fleet_changed_cb changed;
	void *arg;
};

/* A fleet of every [node] of c (borrowed for the fleet's life), connecting
 * and inspecting at once. refresh_ms 0 → 10 s. */
struct fleet *fleet_new(const struct config *c, long refresh_ms, fleet_changed_cb changed,
			void *arg);
/* Cancels every probe and job (their callbacks never run), closes the
 * sessions and frees f. */
void fleet_free(struct fleet *f);
/* Inspects node i now (-1: all), unless an inspection is in flight there. */
void fleet_refresh(struct fleet *f, int i);
int fleet_find(const struct fleet *f, const char *name);
/* The user checked node i's offered key: connect again now, recording a key
 * with exactly fingerprint fp ("SHA256:…") in its known_hosts if that is
 * what the node offers (never a changed key: sshc refuses those). Good for
 * that one connection. */
void fleet_trust(struct fleet *f, int i, const char *fp);
/* Bytes sent and received over the nodes' current sessions. */
void fleet_traffic(const struct fleet *f, uint64_t *sent, uint64_t *received);

/* Runs command (already quoted) on node i's session, connecting first if
 * needed. cb exactly once from the loop unless cancelled; r NULL on a
 * transport error; ms the time from start to the answer. */
typedef void (*fleet_exec_cb)(const struct sshc_result *r, const struct mlc_err *err, long ms,
			      void *arg);
struct fleet_job *fleet_exec(struct fleet *f, int i, const char *command, long timeout_ms,
			     fleet_exec_cb cb, void *arg);
void fleet_job_cancel(struct fleet_job *j);
/* The job's output as it comes (see sshc_exec_on_output), also once a
 * parked job starts. */
void fleet_job_on_output(struct fleet_job *j, sshc_output_cb cb, void *arg);

#endif
