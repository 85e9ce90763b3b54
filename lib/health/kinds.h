/* lib/health/kinds.h — what each kind of service is to the health side: the
 * probe one poll runs, its default deadline, the HTTP steps that both the
 * probe and `check` use (health path and parser, version path and parser),
 * and what `check` asks beyond them. One row per kind in kinds.c; the
 * configuration's half of a kind (section, keys, environment) is its row in
 * lib/core/kinds.h. Adding a kind is one row in each of those two tables. */
#ifndef MLC_HEALTH_KINDS_H
#define MLC_HEALTH_KINDS_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/core/config.h"
#include "lib/core/http.h"
#include "lib/health/source.h"

struct check_run;

/* Judges a health answer: 0 when the service is up — with why set to the
 * reason when it reports a degraded state of its own, left "" when it is
 * healthy —, or a negative code with err set (down). Called with any status
 * when the step has own_status (and for the state step), else only with a
 * 2xx. why holds n bytes, "" on entry. */
typedef int (*hk_health_fn)(const struct target *t, const struct http_resp *r, char *why, size_t n,
			    struct mlc_err *err);
/* Reads the version out of an answer into out; "" (and 0) when the answer
 * has none. A negative return is a malformed answer. */
typedef int (*hk_version_fn)(const struct http_resp *r, char *out, size_t n, struct mlc_err *err);
/* One further check row over an answer (2xx): fills detail, says ok; sets
 * *degraded when the answer reports a degraded state (the row passes). */
typedef bool (*hk_check_fn)(const struct http_resp *r, char *detail, size_t n, bool *degraded);

/* The HTTP steps of a kind, shared by the probe (every poll) and check. */
struct hk_http {
	const char *health_path;  /* appended to the target URL; "" for the URL itself */
	hk_health_fn health;	  /* NULL: any 2xx is healthy */
	bool own_status;	  /* health judges the status itself */
	const char *version_path; /* NULL: the version comes from the health answer */
	hk_version_fn version;	  /* NULL: no version */
	const char *label;	  /* check's row for the health step: "NAME: health" */
	const char *ok_text;	  /* check's detail when healthy; NULL: "HTTP 200" */
	/* A request of every poll, after a healthy health step, whose answer
	 * may report a degraded state (Ray's nodes, MinIO's cluster health,
	 * Prefect's work pools): state judges it (any status). NULL: none.
	 * state_body set: a POST of that JSON body. */
	const char *state_path;
	hk_health_fn state;
	const char *state_body;
	/* Optional: the health (health true) or version path for t, when it
	 * depends on t's url (Airflow 2 or 3); NULL: the paths above. */
	const char *(*path_for)(const struct target *t, bool health);
};

struct health_kind {
	const struct probe_ops *probe; /* what one poll runs */
	long timeout_ms;	       /* the default deadline of a poll and a check */
	struct hk_http http;	       /* HTTP kinds; health_path NULL for the others */
	struct {		       /* a further HTTP check row, or path NULL */
		const char *path, *label;
		hk_check_fn fn;
		const char *body; /* set: a POST of this JSON body */
	} extra;
	/* The kind's own check (rows and requests) when the HTTP steps do not
	 * say it all; NULL: the health step and the extra row. */
	void (*check)(struct check_run *run, const struct target *t);
};

/* The row of kind k (every kind has one). */
const struct health_kind *health_kind(enum target_kind k);
/* The probe and deadline of t: what sources_init is handed. */
struct source_probe health_probe_for(const struct target *t);
/* t's deadline: its `timeout`, else its kind's. */
long health_timeout(const struct target *t);

#endif
