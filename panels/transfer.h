/* panels/transfer.h — the one way a panel saves a remote file locally
 * (Buckets' objects, Experiments' artifacts): ask where (the message-line
 * input, prefilled with the default name), expand "~", save into a
 * directory under the default name, ask before replacing a file or writing
 * a dotfile, start the caller's lib download, show progress with
 * canvas_bar, count as an app job (quitting asks first), write the audit
 * line, and stop when its owner closes. No curses, no I/O of its own but
 * stat(2): the bytes move in lib (lib/core/download through the caller). */
#ifndef MLC_PANELS_TRANSFER_H
#define MLC_PANELS_TRANSFER_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/core/err.h"

/* Progress (bytes so far, total or -1) and the end (bytes written, err NULL
 * when the file is whole at the path): the shapes of s3c's transfers. */
typedef void (*xfer_progress_cb)(int64_t now, int64_t total, void *arg);
typedef void (*xfer_done_cb)(int64_t bytes, const struct mlc_err *err, void *arg);

/* What to download and how. Strings are copied by xfer_download; ctx is
 * the flow's from then on: ctx_free(ctx) runs once when the flow ends
 * (downloaded, failed, declined or cancelled). */
struct xfer_src {
	const char *target;  /* the target's name, for the audit log */
	const char *label;   /* what the user sees: "s3://b/k", "runs:/ID/path" (raw) */
	const char *request; /* the exact request, for the audit log ("GET s3://b/k") */
	const char *name;    /* the default local name: the remote file's last part (raw) */
	int64_t size;	     /* -1 unknown */
	/* Starts the download into path (overwrite: replace an existing file)
	 * and returns its handle; progress and done follow the lib contract:
	 * done exactly once, from the loop, unless cancel(handle) ran first. */
	void *(*start)(void *ctx, const char *path, bool overwrite, xfer_progress_cb progress,
		       xfer_done_cb done, void *arg);
	void (*cancel)(void *handle);
	void *ctx;
	void (*ctx_free)(void *ctx);
	/* xfer_cancel_owner(owner) stops it: what outlives it (a panel's priv) */
	const void *owner;
};

/* For a start function whose lib can say so: the download given arg
 * starts from zero though a part file was there (why: the lib's reason,
 * raw). Shown on the message line at once (the meter waits 3 s) and again
 * in the message that ends the download. */
void xfer_restarted(const char *why, void *arg);

/* d on a remote file: asks for the path ("download to: NAME"; a default
 * name that starts with a dot is not offered: the prompt says it is a
 * dotfile and writing one is confirmed), then downloads. */
void xfer_download(const struct xfer_src *s);
/* Stops every download of owner and frees them (a resumable part file is
 * kept: d on the same object resumes); the done messages are not shown. */
void xfer_cancel_owner(const void *owner);
/* `:cancel`: a dialog naming owner's downloads in flight, then, on yes,
 * stops them as xfer_cancel_owner does, audited as the user's; says so
 * when none runs. */
void xfer_cancel_ask(const void *owner);

/* The message line while bytes move: "VERB LABEL  [████░░] 40%  4 MB of
 * 10 MB", at most every 100 ms (*last_ms keeps the time; a finished
 * transfer always shows). label must be sanitized. */
void xfer_meter(int64_t *last_ms, const char *verb, const char *label, int64_t now, int64_t total);

#endif
