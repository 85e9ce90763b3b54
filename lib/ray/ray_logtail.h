/* lib/ray/ray_logtail.h — the tail of a Ray job's log kept across polls of
 * /api/jobs/ID/logs (which answers the whole log every time): each answer
 * is fed in, and only what it adds past what was seen is split into lines
 * and appended (a last line without its newline is completed by the next
 * answer); a log that no longer begins with what was seen (rotated,
 * another attempt) replaces the tail. At most max lines are kept, the
 * oldest dropped. The same tail also takes a log streamed in pieces (the
 * dashboard's /logs/tail WebSocket): ray_logtail_append. Lines are raw but for SGR colour escapes
 * (dropped) and tabs (spaces): sanitize before display. Pure: no I/O. */
#ifndef MLC_RAY_LOGTAIL_H
#define MLC_RAY_LOGTAIL_H

#include <stdbool.h>
#include <stddef.h>

struct ray_logtail {
	char **lines;
	size_t n, cap, max;
	size_t seen;	 /* bytes of the log seen so far */
	size_t last_off; /* where the last line starts in the log */
	bool partial;	 /* the last line had no newline yet */
	char sig[64];	 /* the log's bytes just before seen: a rotation check */
	size_t siglen;
	unsigned long dropped; /* lines dropped from the front, ever */
	char *part;	       /* appending: the raw bytes of an unfinished last line */
	size_t partlen;
};

/* An unfinished line longer than this is cut there (kept as a line): a
 * log without newlines cannot grow the tail past its bound. */
#define RAY_LOG_PART_MAX (64u << 10)

enum { RAY_LOG_SAME, RAY_LOG_APPENDED, RAY_LOG_REPLACED };

/* An empty tail of at most max lines (0: 5000). */
void ray_logtail_init(struct ray_logtail *t, size_t max);
/* Feeds the whole log as the server sent it; returns RAY_LOG_SAME (nothing
 * new), RAY_LOG_APPENDED or RAY_LOG_REPLACED. */
int ray_logtail_feed(struct ray_logtail *t, const char *log, size_t len);
void ray_logtail_free(struct ray_logtail *t);
/* Appends a piece of a log streamed from its start: complete lines are
 * kept, a last line without its newline is shown at once and completed by
 * the next piece. Memory: the lines kept and one unfinished line. */
void ray_logtail_append(struct ray_logtail *t, const char *p, size_t n);
/* Empties the tail (a stream that starts over from the log's start). */
void ray_logtail_reset(struct ray_logtail *t);

#endif
