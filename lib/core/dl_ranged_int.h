/* lib/core/dl_ranged_int.h — the state of a resumable download shared by
 * its two halves: dl_ranged.c (the transfer, the writes, the MD5, the end)
 * and dl_ranged_open.c (the part file and its sidecar at the start). Never
 * included outside them. */
#ifndef MLC_DL_RANGED_INT_H
#define MLC_DL_RANGED_INT_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "lib/core/dl_meta.h"
#include "lib/core/dl_ranged.h"
#include "lib/core/loop.h"

/* One write: small enough that it is still in the CPU's cache when the
 * pool's thread copies it into the page cache (measured on 2 GiB: 1 MiB
 * writes cost 1.5-2.5x the CPU of 256-512 KiB ones). */
#define CHUNK	      ((size_t)256 << 10)
#define MAX_BUF	      ((size_t)32 << 20) /* buffered, not yet on disk: above, pause */
#define HASH_STEP     ((int64_t)8 << 20) /* the MD5 worker's least bite */
#define MAX_STREAMS   16
#define POOL	      ((int)(MAX_BUF / CHUNK) + 8) /* spare CHUNK buffers kept */
#define SAVE_EVERY_MS 1000

struct dlr;

struct stream {
	struct dlr *d;
	struct http_req *req;
	int64_t start, end; /* the piece [start, end) */
	int64_t pos;	    /* next byte to receive */
	char *buf;	    /* bytes [pos - blen, pos), not yet handed to a write */
	size_t blen;
	int writes; /* this stream's writes in flight */
	bool active, http_done, paused, status_checked, status_ok;
};

struct wr {
	uv_fs_t fs;
	struct wr *next; /* the queue of writes waiting for the one in flight */
	struct stream *s;
	char *buf;
	size_t len;
	int64_t off;
};

struct dlr {
	char *path, *part, *metap;
	int fd, hash_fd;
	bool overwrite;
	struct dl_meta m;
	struct stream st[MAX_STREAMS];
	int nst;
	int64_t piece, next_off;
	int writes; /* queued or in flight */
	/* One write in flight at a time, the rest queued in order: a file's
	 * buffered writes take its inode lock one by one anyway, and parallel
	 * ones spin on it (CPU for nothing). */
	struct wr *wq_head, *wq_tail;
	bool writing;
	size_t buffered;
	/* CHUNK buffers back from their writes, reused: a fresh
	 * allocation is fresh pages, faulted in and zeroed by the kernel. */
	char *spare[POOL];
	int nspare;
	/* the MD5 of the prefix [0, hashed_to), on a worker */
	bool md5_check, hashing;
	unsigned char want_md5[16];
	EVP_MD_CTX *md5;
	char *hash_buf; /* the worker's read buffer, kept between bites */
	uv_work_t hw;
	int64_t hashed_to, hash_goal;
	int64_t saved_ms; /* when the sidecar was last written */
	int hash_errno;
	/* ending */
	bool failed, cancelled, mismatch, created;
	bool busy; /* counted in loop_busy (see busy_sync) */
	struct mlc_err err;
	struct loop_defer *defer;
	dlr_fetch_fn fetch;
	void *fetch_ctx;
	dl_progress_cb progress;
	dlr_notice_cb notice;
	dl_done_cb done;
	void *arg;
	struct dl_result res;
};

/* Opens (or adopts) the part file and its sidecar for d: 0 or a negative
 * code with err set (dl_ranged_open.c). */
int dlr_open_part(struct dlr *d, const struct dlr_opts *o, struct mlc_err *err);

#endif
