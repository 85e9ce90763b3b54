/* panels/flows_log.h — the state of a run's log view, shared by
 * flows_log.c (loading: Prefect's logs/filter paged by timestamp, Airflow's
 * log of one try read again and the lines past those held appended; the
 * window; follow) and flows_logview.c (the view: cells, wrap, search). */
#ifndef MLC_PANELS_FLOWS_LOG_H
#define MLC_PANELS_FLOWS_LOG_H

#include <uv.h>

#include "flows.h"

#define LOG_WINDOW 5000
#define LOG_PAGE   200

struct lline {
	int64_t ts_ms;
	int level; /* Python's: 10 DEBUG … 50 CRITICAL; 0 unknown */
	bool cont; /* a later line of a message of several lines */
	char *text;
};

struct fl_log {
	struct flows *f;
	struct view *v; /* set once pushed */
	enum fl_backend be;
	char *run_id, *dag_id, *task_id, *title;
	int try_number;
	struct apireq *req;
	struct airflowc_req *areq;
	/* Prefect: the newest time held and how many lines at it (after_
	 * includes it); Airflow: the lines of the text consumed so far. */
	int64_t last_ts;
	int at_last;
	long consumed;
	char *token;	     /* Airflow 3: the log's continuation_token, or NULL */
	struct lline *lines; /* a ring of LOG_WINDOW from head: see fl_log_line */
	int head, n;
	long dropped;	     /* the oldest lines dropped past LOG_WINDOW (0: none older) */
	long cut;	     /* the newest lines dropped to page older ones in (0: none newer) */
	struct apireq *oreq; /* Prefect: the page of older lines in flight */
	int64_t o_ts;	     /* its before_ (the oldest time held) */
	int o_at;	     /* its offset (the messages held at o_ts) */
	int tie_pages;	     /* full pages in a row all at last_ts */
	char err[256];
	unsigned long gen;
	/* F: polled every FOLLOW_MS, the newest line kept selected */
	bool follow;
	uv_timer_t *timer;
	bool wrap;    /* w: the lines wrapped instead of cut */
	char *search; /* / text (n and N go to the next and previous line with it) */
};

/* Line i (0: the oldest held) of the window. */
static inline struct lline *fl_log_line(const struct fl_log *l, int i)
{
	return &l->lines[(l->head + i) % LOG_WINDOW];
}

/* A line's time, HH:MM:SS.mmm UTC ("" for none). */
void fl_log_time(char *t, size_t n, int64_t ms);
/* Loads the log again from its start. */
void fl_log_load(struct fl_log *l);
/* The first line is selected and k, PgUp or g asked for more: Prefect
 * pages in the LOG_PAGE lines before the oldest held (the newest held
 * dropped to keep the window, the selection kept on its line); Airflow
 * serves a try's log forward only, which the status line says. */
void fl_log_older(struct fl_log *l);
/* The last line is selected and j, PgDn or G asked for more: the lines
 * after the newest held, when some were dropped for older ones. */
void fl_log_newer(struct fl_log *l);
/* F: starts or stops following (a poll now, then every FOLLOW_MS). */
void fl_log_follow(struct fl_log *l, bool on);
/* Stops everything in flight and frees l. */
void fl_log_free(struct fl_log *l);

#endif
