/* lib/core/download.h — an HTTP GET (any http_opts request) streamed into a local
 * file: written to PATH.part as the body arrives and renamed onto PATH only
 * when the whole body came with a 2xx status; the part file is created
 * exclusively (an existing PATH.part is left alone: the download fails) and
 * removed on any error and on cancel. An existing PATH is never replaced unless the
 * caller says overwrite (and even then a file that appears meanwhile is
 * only replaced with overwrite). Progress from Content-Length. Runs on the
 * loop; never blocks on the network (local writes are plain write(2)). */
#ifndef MLC_DOWNLOAD_H
#define MLC_DOWNLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/core/err.h"
#include "lib/core/http.h"

struct dl_result {
	const char *path; /* the final path (borrowed for the call) */
	long status;	  /* HTTP status, 0 when no response */
	int64_t bytes;	  /* body bytes written (or received, on an error status) */
	int64_t total;	  /* Content-Length, -1 when unknown */
	long elapsed_ms;
	/* On a non-2xx status: the start of the error body (NUL-terminated),
	 * for the caller to explain (an S3 <Error> document). */
	char err_body[2048];
	size_t err_len;
	/* Resumable downloads (dl_ranged.h): bytes found already in the part
	 * file, whether a part file of another object (or an unreadable
	 * sidecar) was started over, whether the part was kept on a failure. */
	int64_t resumed_from;
	bool restarted, kept;
};

/* Progress: bytes written so far and the total (-1 when unknown). */
typedef void (*dl_progress_cb)(int64_t now, int64_t total, void *arg);
/* Called exactly once, from the loop (never inside dl_start), unless
 * dl_cancel ran first. err is NULL when PATH now holds the whole body;
 * otherwise MLC_ERR_IO (local file), MLC_ERR_HTTP (status, see err_body),
 * or a transport error from lib/http; the part file is gone by then. */
typedef void (*dl_done_cb)(const struct dl_result *r, const struct mlc_err *err, void *arg);

struct dl_opts {
	bool overwrite;		 /* replace an existing PATH */
	dl_progress_cb progress; /* optional */
	dl_done_cb done;
	void *arg;
};

struct dl;
/* Starts fetching o (its on_data/on_progress are taken over; its other
 * fields are copied by lib/http) into path. Returns a handle valid until
 * done runs or dl_cancel is called. */
struct dl *dl_start(const struct http_opts *o, const char *path, const struct dl_opts *d);
/* Stops the transfer and removes the part file; done is not called. */
void dl_cancel(struct dl *d);

/* Moves part onto path: with overwrite a rename; without, a link (fails
 * when path appeared meanwhile) and part unlinked. 0 or a negative code with err set. */
int dl_publish(const char *part, const char *path, bool overwrite, struct mlc_err *err);
/* Whether a download may go to path: a name, not a directory, not an
 * existing file unless overwrite. 0 or a negative code with err set (what the user sees). */
int dl_check_path(const char *path, bool overwrite, struct mlc_err *err);

/* "PATH.part" for path; caller frees (exposed for tests). */
char *dl_part_path(const char *path);

/* Where a download the user typed goes: "~" and "~/x" under home (when
 * home is set); a path ending in '/' or naming a directory gets name (the
 * default file name) appended. Caller frees. */
char *dl_local_path(const char *typed, const char *name, const char *home);
/* Whether path's last part starts with a dot (a dotfile: writing one asks
 * first). */
bool dl_is_dotfile(const char *path);

#endif
