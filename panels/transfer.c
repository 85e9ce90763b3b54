/* panels/transfer.c — see transfer.h: the download flow every panel shares.
 * A download lives on the file's list, not on a view: it survives leaving
 * the view it started in and ends with its owner (a panel that closes).
 * Owns the copies of what it was given and the caller's ctx. */
#include "transfer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/core/dl_meta.h"
#include "lib/core/download.h"
#include "lib/core/log.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "tui/app.h"
#include "tui/canvas.h"

struct xfer {
	struct xfer_src s;		       /* strings below, ctx the caller's */
	char *target, *label, *request, *name; /* label, name sanitized */
	bool dot_name;			       /* the default name is a dotfile */
	char *path;			       /* where it goes, once given */
	bool overwrite;
	void *handle;	   /* the lib download in flight */
	char *restart_why; /* sanitized: the lib started from zero, and why */
	int app_job;	   /* 0: not started */
	int64_t t0, last_ms;
	struct xfer *next;
};

static struct xfer *xfers;

void xfer_meter(int64_t *last_ms, const char *verb, const char *label, int64_t now, int64_t total)
{
	int64_t t = mono_ms();
	if (now < total && t - *last_ms < 100)
		return;
	*last_ms = t;
	char bar[96], a[32], b[32];
	fmt_bytes(a, sizeof a, (uint64_t)MLC_MAX(now, 0));
	if (total > 0) {
		canvas_bar(bar, sizeof bar, now, total, 20);
		fmt_bytes(b, sizeof b, (uint64_t)total);
		app_message(ROLE_DIM, "%s %s  %s  %s of %s", verb, label, bar, a, b);
	} else {
		app_message(ROLE_DIM, "%s %s  %s", verb, label, a);
	}
}

static void xfer_free(struct xfer *x)
{
	for (struct xfer **pp = &xfers; *pp; pp = &(*pp)->next)
		if (*pp == x) {
			*pp = x->next;
			break;
		}
	if (x->app_job)
		app_job_end(x->app_job);
	if (x->s.ctx_free)
		x->s.ctx_free(x->s.ctx);
	free(x->target);
	free(x->label);
	free(x->request);
	free(x->name);
	free(x->path);
	free(x->restart_why);
	free(x);
}

/* Stops x's download if it runs, with an audit line saying why. */
static void cancel_one(struct xfer *x, const char *why)
{
	if (!x->handle)
		return;
	x->s.cancel(x->handle);
	x->handle = NULL;
	char *req = xasprintf("%s to %s", x->request, x->path);
	char *meta = dl_meta_path(x->path);
	char *res =
	    xasprintf("cancelled: %s%s", why,
		      access(meta, F_OK) == 0 ? " (the part file is kept: d again resumes)" : "");
	log_audit(x->target, req, res);
	free(res);
	free(meta);
	free(req);
}

/* Cancels and frees owner's downloads; running ones only when all is
 * false (a prompt or dialog still open for one is left to finish). */
static int cancel_all(const void *owner, const char *why, bool all)
{
	int n = 0;
	struct xfer **pp = &xfers;
	while (*pp) {
		struct xfer *x = *pp;
		if (x->s.owner != owner || (!all && !x->handle)) {
			pp = &x->next;
			continue;
		}
		n += x->handle != NULL;
		cancel_one(x, why);
		xfer_free(x); /* unlinks *pp */
	}
	return n;
}

void xfer_cancel_owner(const void *owner)
{
	cancel_all(owner, "the panel closed", true);
}

static void cancel_answered(void *arg, bool yes)
{
	if (!yes) {
		app_message(ROLE_DIM, "downloads kept running");
		return;
	}
	int n = cancel_all(arg, "by the user", false);
	app_message(ROLE_OK, "cancelled %d download%s: the part files are kept (d again resumes)",
		    n, n == 1 ? "" : "s");
}

void xfer_cancel_ask(const void *owner)
{
	struct buf b;
	buf_init(&b);
	int n = 0;
	for (struct xfer *x = xfers; x; x = x->next)
		if (x->s.owner == owner && x->handle && n++ < 3)
			buf_printf(&b, "%s%s", b.len ? ", " : "", x->label);
	if (!n) {
		app_message(ROLE_DIM, "no download running here");
		buf_free(&b);
		return;
	}
	char line0[600];
	snprintf(line0, sizeof line0, "%d download%s in flight: %s%s", n, n == 1 ? "" : "s", b.data,
		 n > 3 ? ", …" : "");
	struct dialog d = {
	    .title = "Cancel downloads",
	    .lines = {line0, "The part files are kept: d on the same object resumes.", NULL},
	    .action = "stop the downloads",
	    .done = cancel_answered,
	    .arg = (void *)owner};
	app_confirm(&d);
	buf_free(&b);
}

void xfer_restarted(const char *why, void *arg)
{
	struct xfer *x = arg;
	free(x->restart_why);
	x->restart_why = san_str(why);
	app_message(ROLE_WARN, "downloading %s: %s", x->label, x->restart_why);
	x->last_ms = mono_ms() + 2900; /* the meter leaves it on the line 3 s */
}

static void on_progress(int64_t now, int64_t total, void *arg)
{
	struct xfer *x = arg;
	xfer_meter(&x->last_ms, "downloading", x->label, now, total >= 0 ? total : x->s.size);
}

/* The end: what moved and how long it took, or why not; the audit line
 * names the target, the request and where it went. */
static void on_done(int64_t bytes, const struct mlc_err *err, void *arg)
{
	struct xfer *x = arg;
	x->handle = NULL;
	char *req = xasprintf("%s to %s", x->request, x->path);
	if (err) {
		app_message(ROLE_ERR, "download failed: %s", err->msg);
		log_audit(x->target, req, err->msg);
	} else {
		char a[32], t[32], *p = san_str(x->path);
		fmt_bytes(a, sizeof a, (uint64_t)MLC_MAX(bytes, 0));
		fmt_latency(t, sizeof t, (long)(mono_ms() - x->t0));
		if (x->restart_why)
			app_message(ROLE_WARN, "downloaded to %s: %s in %s, %s", p, a, t,
				    x->restart_why);
		else
			app_message(ROLE_OK, "downloaded to %s: %s in %s", p, a, t);
		char *res = xasprintf("ok: %lld bytes", (long long)bytes);
		log_audit(x->target, req, res);
		free(res);
		free(p);
	}
	free(req);
	xfer_free(x);
}

/* What a resumable download left at the path (its sidecar): the bytes
 * already there, or -1 when there is none to resume. */
static int64_t resumable(const char *path)
{
	char *meta = dl_meta_path(path);
	struct dl_meta m;
	struct mlc_err e;
	int64_t done = -1;
	if (dl_meta_load(&m, meta, &e) == 0) {
		done = dl_meta_done(&m);
		dl_meta_free(&m);
	}
	free(meta);
	return done;
}

static void start(struct xfer *x)
{
	x->t0 = mono_ms();
	x->app_job = app_job_begin(x->label);
	int64_t had = resumable(x->path);
	if (had >= 0) {
		/* The lib checks the object's ETag and size against the sidecar
		 * and starts from zero when they changed (the log says so). */
		char a[32], *p = san_str(x->path);
		fmt_bytes(a, sizeof a, (uint64_t)had);
		app_message(ROLE_DIM, "downloading %s: resuming %s.part (%s there)", x->label, p,
			    a);
		free(p);
		x->last_ms = mono_ms();
	} else {
		xfer_meter(&x->last_ms, "downloading", x->label, 0, x->s.size);
	}
	x->handle = x->s.start(x->s.ctx, x->path, x->overwrite, on_progress, on_done, x);
}

static void confirmed(void *arg, bool yes)
{
	struct xfer *x = arg;
	if (!yes) {
		char *p = san_str(x->path);
		app_message(ROLE_DIM, "not downloaded: %s %s", p,
			    x->overwrite ? "is kept" : "not written");
		free(p);
		xfer_free(x);
		return;
	}
	start(x);
}

/* A file there, or a dotfile: one dialog says which and asks. */
static void ask(struct xfer *x, const struct stat *there)
{
	bool dot = dl_is_dotfile(x->path);
	char *p = san_str(x->path);
	char line0[600], line2[600];
	if (there)
		snprintf(line0, sizeof line0, "%s exists (%lld bytes).", p,
			 (long long)there->st_size);
	else
		snprintf(line0, sizeof line0, "%s", p);
	snprintf(line2, sizeof line2, "%s it with %s?", there ? "Replace" : "Write", x->label);
	const char *line1 = dot ? "It is a dotfile: shells and other programs may read it." : NULL;
	struct dialog d = {.title = dot ? (there ? "Replace a local dotfile" : "Write a dotfile")
					: "Replace a local file",
			   .lines = {line0, line1 ? line1 : line2, line1 ? line2 : NULL, NULL},
			   .action = there ? "replace the local file" : "write the dotfile",
			   .done = confirmed,
			   .arg = x};
	x->overwrite = there != NULL;
	app_confirm(&d);
	free(p);
}

static void path_given(void *arg, const char *text)
{
	struct xfer *x = arg;
	if (!text || !*text) {
		xfer_free(x);
		return;
	}
	x->path = dl_local_path(text, x->name, getenv("HOME"));
	struct stat st;
	if (stat(x->path, &st) == 0 && S_ISDIR(st.st_mode)) {
		char *p = san_str(x->path);
		app_message(ROLE_ERR, "not downloaded: %s is a directory", p);
		free(p);
		xfer_free(x);
		return;
	}
	bool there = lstat(x->path, &st) == 0;
	if (there || dl_is_dotfile(x->path)) {
		ask(x, there ? &st : NULL);
		return;
	}
	start(x);
}

void xfer_download(const struct xfer_src *s)
{
	struct xfer *x = xcalloc(1, sizeof *x);
	x->s = *s;
	x->target = xstrdup(s->target ? s->target : "");
	x->label = san_str(s->label);
	x->request = xstrdup(s->request);
	/* The default name never carries a control character or a path of the
	 * server's choosing; "." and ".." are no names. */
	x->name = san_str(s->name && *s->name ? s->name : "download");
	if (!strcmp(x->name, ".") || !strcmp(x->name, "..")) {
		free(x->name);
		x->name = xstrdup("download");
	}
	x->next = xfers;
	xfers = x;
	if (x->name[0] == '.') {
		/* Not offered as is: Enter on a prefilled dotfile name would write
		 * ~/.bashrc-like files from a bucket without a second look. */
		char prompt[400];
		snprintf(prompt, sizeof prompt,
			 "download to (%s is a dotfile: writing one asks first): ", x->name);
		app_input(prompt, "", path_given, x);
		return;
	}
	app_input("download to: ", x->name, path_given, x);
}
