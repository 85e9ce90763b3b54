/* lib/core/dl_ranged.h — a resumable download of one object of known size
 * and ETag into PATH, by ranged GETs the caller builds (fetch), up to
 * `concurrency` in flight, each written at its offset. The bytes go to
 * PATH.part, off the loop thread (uv_fs_write, 256 KiB at a time, one write
 * in flight, the rest queued in order; a transfer whose writes fall behind
 * is paused, never buffered without bound); the
 * sidecar PATH.part.meta (lib/core/dl_meta.h) records the object and what
 * has landed, so that a later download of the same object (same source,
 * ETag and size) fetches only what is missing. The whole file's MD5 is
 * checked against a plain-MD5 ETag (computed on a worker thread, trailing
 * the download), the size otherwise; only then is the part renamed onto
 * PATH. Never blocks on the network or on bulk disk I/O; never draws. */
#ifndef MLC_DL_RANGED_H
#define MLC_DL_RANGED_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/core/download.h"
#include "lib/core/http.h"

/* Starts the GET of bytes first..last (inclusive) with on_data/arg as the
 * request's on_data/data_arg and done/arg as its completion; returns the
 * request (lib/http's contract). Called from the loop only. */
typedef struct http_req *(*dlr_fetch_fn)(void *ctx, int64_t first, int64_t last,
					 size_t (*on_data)(const char *p, size_t n, void *arg),
					 http_done_cb done, void *arg);
/* Something the user should know, said once, before any progress:
 * "resuming: N of M bytes already in PATH.part", or (restart true) "starting
 * from zero: the object changed since PATH.part was written (...)" — a part
 * was there and cannot be resumed. msg borrowed for the call; it carries
 * the server's ETags (sanitize before showing). */
typedef void (*dlr_notice_cb)(const char *msg, bool restart, void *arg);

struct dlr_opts {
	const char *source; /* "s3://bucket/key": what the sidecar names */
	const char *etag;   /* from HEAD, as sent (quotes kept) */
	int64_t size;
	bool overwrite;	 /* replace an existing PATH */
	int concurrency; /* GETs in flight, 1..16 */
	int64_t piece;	 /* bytes per GET; <= 0: the whole object at once */
	dlr_fetch_fn fetch;
	void *fetch_ctx;	 /* borrowed until done or dlr_cancel */
	dl_progress_cb progress; /* optional: bytes on disk, size */
	dlr_notice_cb notice;	 /* optional */
	dl_done_cb done;
	void *arg;
};

struct dlr;
/* Starts; every callback comes from the loop, never inside dlr_start.
 * done runs exactly once unless dlr_cancel ran first. On success err is
 * NULL, PATH is whole and the sidecar gone. On a failure of the transfer
 * PATH.part and its sidecar are kept (a later start resumes) when any byte
 * landed; a part whose MD5 does not match the ETag is removed. A
 * PATH.part without a sidecar is not ours: left alone, the download fails.
 * A sidecar that does not parse, or names another object, ETag or size, is
 * replaced: the download starts from zero (and notice says so). */
struct dlr *dlr_start(const char *path, const struct dlr_opts *o);
/* Stops the transfer; what landed stays in PATH.part with its sidecar for
 * a later resume (writes already in flight finish first, off the loop).
 * done is not called. Returns the bytes kept. */
int64_t dlr_cancel(struct dlr *d);

#endif
