/* lib/ssh/nodeinfo.h — pure parsers for what the Nodes panel runs on a
 * machine over SSH: uptime, free -b (or /proc/meminfo), df -P, nvidia-smi's
 * CSV, docker ps's JSON lines, ray status and systemctl show. Each takes the
 * command's stdout (NUL-terminated) and fills plain structs; none does I/O,
 * and a malformed input is an error naming the command and the line, never
 * a crash. Strings kept are raw bytes: callers sanitize before display. */
#ifndef MLC_NODEINFO_H
#define MLC_NODEINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/core/err.h"

/* `uptime`: " 10:14:03 up 12 days,  3:04,  2 users,  load average: 0.52, 0.58, 0.59"
 * (also "up 5 min", "up 1 day, 20 min", decimal commas "0,52, 0,58, 0,59"). */
struct ni_uptime {
	long up_s; /* -1 when the line has no "up" part */
	double load[3];
};
int ni_parse_uptime(const char *out, struct ni_uptime *u, struct mlc_err *err);

/* `free -b`, or /proc/meminfo (kB lines): bytes; -1 where unknown. */
struct ni_mem {
	int64_t total, used, avail;
	int64_t swap_total, swap_used;
};
int ni_parse_free(const char *out, struct ni_mem *m, struct mlc_err *err);
int ni_parse_meminfo(const char *out, struct ni_mem *m, struct mlc_err *err);

/* `df -P`: one row per file system (1024-byte blocks turned into bytes);
 * the mount point may hold spaces. */
struct ni_disk {
	char fs[128];
	char mount[256];
	int64_t size, used, avail;
	int pct; /* the Capacity column */
};
/* Fills up to max rows; *n gets how many. */
int ni_parse_df(const char *out, struct ni_disk *d, int max, int *n, struct mlc_err *err);
/* Whether a df row is a real disk (not tmpfs, devtmpfs, overlay, a loop
 * device or a squashfs snap that always reads 100%). */
bool ni_disk_real(const struct ni_disk *d);
/* Index of the fullest real disk, or -1. */
int ni_disk_fullest(const struct ni_disk *d, int n);

/* nvidia-smi --query-gpu=index,name,utilization.gpu,memory.used,
 * memory.total,temperature.gpu,power.draw --format=csv,noheader,nounits;
 * "[N/A]" and "[Not Supported]" read as -1. */
#define NI_GPU_QUERY                                                                               \
	"nvidia-smi --query-gpu=index,name,utilization.gpu,memory.used,memory.total,"              \
	"temperature.gpu,power.draw --format=csv,noheader,nounits"
struct ni_gpu {
	int index;
	char name[96];
	int util;		     /* percent */
	int64_t mem_used, mem_total; /* MiB */
	int temp;		     /* °C */
	double power;		     /* W */
};
int ni_parse_gpus(const char *out, struct ni_gpu *g, int max, int *n, struct mlc_err *err);
/* Busy: some utilisation, or more than a tenth of its memory in use (a
 * model loaded and waiting). */
bool ni_gpu_busy(const struct ni_gpu *g);

/* docker ps -a --format '{{json .}}': one JSON object a line. */
#define NI_DOCKER_PS "docker ps -a --format '{{json .}}'"
struct ni_container {
	char id[16];
	char name[128];
	char image[160];
	char state[24];	 /* "running", "exited" */
	char status[96]; /* "Up 3 days (healthy)" */
};
int ni_parse_docker(const char *out, struct ni_container *c, int max, int *n, struct mlc_err *err);
int ni_containers_running(const struct ni_container *c, int n);

/* `ray status`: nodes alive (Active + Idle), pending, and the usage lines
 * ("1.0/2.0 GPU"). */
struct ni_ray_use {
	char what[40];
	char used_text[24], total_text[24]; /* as printed: "0B", "160.13GiB" */
	double used, total;		    /* the numbers they start with */
};
#define NI_RAY_MAX_NODES 1000000
struct ni_ray {
	int alive, pending, failures;
	struct ni_ray_use use[8];
	int nuse;
};
int ni_parse_ray(const char *out, struct ni_ray *r, struct mlc_err *err);

/* docker compose ls --all --format json (Compose v2): one JSON array of
 * {"Name", "Status" ("running(3)", "exited(1), running(2)"), "ConfigFiles"};
 * empty output reads as no project. */
#define NI_COMPOSE_LS "docker compose ls --all --format json"
struct ni_compose {
	char name[128];
	char status[96];
	char files[256];
};
int ni_parse_compose(const char *out, struct ni_compose *c, int max, int *n, struct mlc_err *err);

/* systemctl show --property=Id,ActiveState,SubState UNIT...: blocks of
 * KEY=VALUE lines separated by blank lines, properties in any order. */
#define NI_SYSTEMCTL_SHOW "systemctl show --property=Id,ActiveState,SubState"
struct ni_unit {
	char id[128];
	char active[24]; /* "active", "failed", "inactive" */
	char sub[24];	 /* "running", "dead" */
};
int ni_parse_systemctl(const char *out, struct ni_unit *u, int max, int *n, struct mlc_err *err);

#endif
