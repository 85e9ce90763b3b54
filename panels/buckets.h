/* panels/buckets.h — what the Buckets panel's files share. The panel is a
 * stack of views (tui/view.h), each with its own state in its priv:
 *   stores   one row per configured [s3 NAME] target (only with several);
 *            buckets.c, with the panel, its commands and the shared cells;
 *   buckets  a store's buckets; u counts one (buckets_store.c);
 *   listing  one prefix of a bucket, one view per level (buckets_list.c);
 *   du       size per sub-prefix (buckets_du.c);
 *   object   HeadObject fields and a preview (buckets_object.c);
 * and the transfers (download, upload, delete) in buckets_xfer.c, whose jobs
 * belong to the panel (p->priv), not to a view. No curses, no I/O beyond
 * lib/s3c. */
#ifndef MLC_PANELS_BUCKETS_H
#define MLC_PANELS_BUCKETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/core/config.h"
#include "lib/s3/s3c.h"
#include "tui/panel.h"
#include "tui/view.h"

/* The panel's state (p->priv): the S3 targets it browses and the
 * transfers in flight. */
struct bk_panel {
	const struct target **stores;
	size_t nstores;
	struct bk_job *jobs;
	struct bk_mpu *mpus; /* multipart uploads (buckets_mpu.c) */
};

/* One row of a listing: a common prefix or an object. In a listing the
 * strings are the page's, in the listing's arena (struct listing.strings);
 * an object view's copy (buckets_object.c) owns its own. */
struct brow {
	char *key; /* the full key or prefix ("a/b/" for a prefix) */
	int64_t size;
	int64_t mtime_ms;
	char *etag;
	char *sclass;
	bool prefix;
	/* The key holds a NUL (lib stores it as S3_KEY_NUL): listed, never
	 * acted on (bk_refuse_nul says why). */
	bool key_nul;
};

/* A listing view's state: one prefix of a bucket of one store. */
struct listing {
	const struct target *t;
	char *bucket, *prefix;
	struct brow *pre, *obj;
	size_t npre, nobj, cpre, cobj;
	struct arena strings; /* the rows' strings: each page's, adopted */
	int64_t bytes;
	long pages;
	long stopped_at; /* the walk stopped at its cap with more on the server */
	int64_t t0;	 /* when the listing was asked for */
	/* The first page's account for the debug log, µs after t0_us: its
	 * first and last byte, parsed, handed over; logged once it is drawn. */
	int64_t t0_us, page1_us[4];
	bool page1_drawn;
	struct s3c_req *req;
	bool listed, done;
	char err[400];
	unsigned long gen;
	/* A prefix to select once it is listed (an ancestor :cd pushed, whose
	 * child is where the user was); NULL: none. */
	char *select_key;
	struct view *v;
};

extern const struct view_ops bk_stores_view, bk_buckets_view, bk_listing_view, bk_du_view,
    bk_object_view, bk_uploads_view, bk_upload_view;

/* Pushes a store's bucket list (root: it is the panel's first view). */
struct view *bk_push_buckets(struct panel *p, const struct target *t, bool root);
/* Pushes the listing of bucket/prefix; list: ask for it now (else when it
 * is first shown). NULL when the stack is full. */
struct listing *bk_push_listing(struct panel *p, const struct target *t, const char *bucket,
				const char *prefix, bool list);
/* Pushes du of bucket/prefix; label is its breadcrumb ("du", "du raw/"). */
void bk_push_du(struct panel *p, const struct target *t, const char *bucket, const char *prefix,
		const char *label);
/* Pushes the object view of row r (an object) of bucket. */
void bk_push_object(struct panel *p, const struct target *t, const char *bucket,
		    const struct brow *r);
/* Re-lists (after an upload or a delete). */
void bk_relist(struct listing *l);
/* The listing v shows, NULL when v is not a listing. */
struct listing *bk_listing(struct view *v);
/* The nearest listing on p's stack from the top (the one the user is in,
 * below a du or an object view), or NULL. */
struct listing *bk_nearest_listing(struct panel *p);
/* The bucket names a store's bucket view on p's stack has loaded: adds
 * "s3://NAME/" for each that starts with word. */
struct cmd_cands;
void bk_bucket_cands(struct panel *p, const char *word, struct cmd_cands *out);
const struct brow *bk_listing_find(const struct listing *l, const char *key);

/* The store a command acts on (the one open, else the first), and where
 * t's bucket view is on p's stack (-1: not there). */
const struct target *bk_store(struct panel *p);
int bk_store_depth(struct panel *p, const struct target *t);
/* Shared cells: sizes and counts ("3.1 KB", "12,345") that sort by number;
 * a full local time; "s3://bucket/prefix" sanitized and shortened in the
 * middle to fit n. */
void bk_size_cell(struct cell *out, int64_t size);
void bk_count_cell(struct cell *out, int64_t n);
void bk_full_time(char *out, size_t n, int64_t ms);
void bk_uri_of(char *out, size_t n, const char *bucket, const char *prefix);
/* Appends the ellipsis glyph (a number still growing). */
void bk_more(struct cell *out);

/* buckets_xfer.c: d, p, D. bucket/prefix: where the user is. */
void bk_download(struct panel *p, const struct target *t, const char *bucket, const struct brow *r);
void bk_upload(struct panel *p, const struct target *t, const char *bucket, const char *prefix);
void bk_delete(struct panel *p, const struct target *t, const char *bucket, const char *prefix,
	       const struct brow *r);
/* When r's key holds a NUL: says so on the message line (what op would
 * have done and why it cannot) and returns true. */
bool bk_refuse_nul(const char *bucket, const struct brow *r, const char *op);
/* buckets_mpu.c: the multipart upload of path (size bytes) to bucket/key,
 * already confirmed: its view is pushed. bk_mpu_close cancels every one
 * of p (lib aborts them on the server). */
void bk_mpu_start(struct panel *p, const struct target *t, const char *bucket, const char *key,
		  const char *path, int64_t size);
void bk_mpu_close(struct panel *p);
/* buckets_uploads.c: the incomplete multipart uploads of bucket under
 * prefix ("": all), a view of their own (U), and their count for du:
 * started at once; changed(arg) after each answer (arg NULL: the count
 * itself); the text is
 * "incomplete uploads: N, SIZE" (with an ellipsis while counting). */
void bk_push_uploads(struct panel *p, const struct target *t, const char *bucket,
		     const char *prefix);
struct bk_ucount;
struct bk_ucount *bk_ucount_start(const struct target *t, const char *bucket, const char *prefix,
				  void (*changed)(void *arg), void *arg);
void bk_ucount_text(const struct bk_ucount *c, char *out, size_t n);
void bk_ucount_free(struct bk_ucount *c);
/* Stops every transfer of the panel (it closes). */
void bk_xfer_close(struct panel *p);

#endif
