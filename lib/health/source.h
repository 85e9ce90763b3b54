/* lib/health/source.h — one polled service target: its timer, backoff, health and
 * history. Each source runs the probe it was given every `refresh`, with
 * exponential backoff and jitter while it fails, and keeps the last good
 * snapshot: health, last error, time of last success, latency history,
 * version. Never draws: listeners are told that something changed. */
#ifndef MLC_SOURCE_H
#define MLC_SOURCE_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "lib/core/config.h"
#include "lib/core/err.h"

/* DEGRADED: the service answers but reports a degraded state of its own
 * (dead Ray nodes, a MinIO without write quorum, an unhealthy Airflow
 * scheduler, a Prefect work pool not ready); source.degraded says why. */
enum health {
	HEALTH_UNKNOWN,
	HEALTH_OK,
	HEALTH_SLOW,
	HEALTH_STALE,
	HEALTH_DOWN,
	HEALTH_DEGRADED,
	HEALTH_COUNT
};

#define SOURCE_HISTORY 300 /* polls kept: 5 minutes at 1 s */

/* What source_buckets puts in a cell that holds no latency. */
#define SPARK_FAILED  (-1) /* a poll failed in the interval, or it fell in a failure's backoff */
#define SPARK_SKIPPED (-2) /* no poll in the interval although the source was being polled */
#define SPARK_NODATA  (-3) /* before the first poll kept */

struct source;

/* A probe: start() begins one round trip and must end in exactly one
 * source_probe_done() from the loop (never inside start), unless cancel()
 * runs first. cancel() and destroy() are never called while the other is
 * running; destroy() frees priv. All three are called only by source.c. */
struct probe_ops {
	void (*start)(struct source *s);
	void (*cancel)(struct source *s);
	void (*destroy)(struct source *s);
};

struct source {
	const struct target *target; /* borrowed from the config, lives as long */
	char *endpoint;		     /* display form, no credentials */
	long refresh_ms, timeout_ms, slow_ms;

	/* the last good snapshot and what happened since */
	bool ever_ok;
	long latency_ms;		 /* of the last success, -1 if none */
	long history[SOURCE_HISTORY];	 /* latency per poll, -1 for a failure */
	int64_t hist_at[SOURCE_HISTORY]; /* monotonic ms at which each poll ended */
	int hist_len;			 /* valid samples, newest at hist_len-1 */
	char degraded[160];		 /* sanitized reason while degraded, else "" */
	char degraded_next[160];	 /* set by the poll in flight (source_probe_degraded) */
	char version[80];		 /* sanitized; "" when unknown */
	struct mlc_err last_err;	 /* code MLC_OK when the last poll succeeded */
	int64_t last_ok_wall;		 /* wall-clock ms of the last success */
	int64_t down_since_wall; /* wall-clock ms of the first failure in a row, 0 when up */
	unsigned failures;	 /* consecutive failed polls */
	unsigned long polls;
	unsigned long generation; /* bumps on every change */

	/* nodes: when the last poll met an unknown host key, "ssh-ed25519
	 * SHA256:..." of the key offered (else ""); and the fingerprint a person
	 * confirmed, used once by the next poll (see source_trust_hostkey) */
	char offered_key[100];
	char accept_fp[64];

	/* scheduling */
	bool in_flight;
	int64_t started_mono;
	int64_t next_poll_mono;
	uv_timer_t timer;

	const struct probe_ops *ops;
	void *priv; /* the probe's state */
};

/* What the poller runs for a target: its probe and default deadline. The
 * poller knows no kind; whoever creates it hands this in (the health
 * kinds table's health_probe_for, or a test's fake). */
struct source_probe {
	const struct probe_ops *ops; /* borrowed, must outlive the sources */
	long timeout_ms;	     /* the deadline when the target sets none */
};
typedef struct source_probe (*source_probe_fn)(const struct target *t);

/* Creates one source per target of c (borrowed; must outlive the sources),
 * each probed by probe_for(target). Nothing runs until sources_start(). */
void sources_init(const struct config *c, source_probe_fn probe_for);
void sources_start(void);
/* Cancels every probe (no callbacks after) and frees the sources. */
void sources_free(void);
int sources_count(void);
struct source *source_get(int i);
struct source *source_find(const char *name);

/* Replaces the probe of s (the unit tests' fake probes). A poll in flight
 * is cancelled first (its report never comes), then the previous probe's
 * destroy() runs. ops is borrowed and must outlive s. */
void source_set_ops(struct source *s, const struct probe_ops *ops);

/* Polls now (key `r`); a probe already in flight is left alone. */
void source_poll_now(struct source *s);
void sources_poll_all(void);

/* Health as of now: DOWN after a failed poll, STALE while a poll runs past
 * twice the refresh with no fresh data, UNKNOWN before the first answer,
 * DEGRADED when the last answer reported a degraded state, SLOW when the
 * last latency exceeds slow_ms, OK otherwise. */
enum health source_health(const struct source *s, int64_t now_mono);
const char *health_name(enum health h);
/* The one-character sign of a health: ● ok, ▲ slow, stale or degraded, ✖ down,
 * ○ unknown (o ^ x . when the terminal is not UTF-8). */
const char *health_glyph(enum health h);

/* Called by probes, right before source_probe_done(s, NULL, ...): the
 * service answered but reports a degraded state; reason (raw, sanitized
 * here) says why. A success without it clears the degraded state. */
void source_probe_degraded(struct source *s, const char *reason);

/* The history of s over the window_ms before now, in width cells of equal
 * time (oldest first): the largest latency polled in the cell, SPARK_FAILED
 * when a poll failed there (or the cell lies in a failure's backoff),
 * SPARK_SKIPPED when no poll ended there for longer than twice the refresh
 * after a success, SPARK_NODATA before the first poll kept. A success holds
 * its value over the cells up to twice the refresh after it (a poll every
 * 30 s still draws a line). */
void source_buckets(const struct source *s, int64_t now_mono, long window_ms, int width, long *out);

/* Called by probes: the end of one poll. err NULL on success; version (raw,
 * sanitized here) may be NULL to keep the previous one. */
void source_probe_done(struct source *s, const struct mlc_err *err, long latency_ms,
		       const char *version);

/* Records that a person confirmed the unknown host key whose fingerprint is
 * fp and polls now: the node's next connection adds that key (and only
 * that key) to known_hosts. The caller has checked --readonly. */
void source_trust_hostkey(struct source *s, const char *fp);

/* Listener told after every change of any source (one at a time). */
typedef void (*sources_changed_cb)(void *arg);
void sources_set_listener(sources_changed_cb cb, void *arg);

/* Backoff delay after n consecutive failures (before jitter): refresh,
 * 2×, 4×… capped at max(8×refresh, 30 s) — exposed for the unit tests. */
long source_backoff_ms(long refresh_ms, unsigned failures);

#endif
