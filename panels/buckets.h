/* panels/buckets.h — what panels/buckets.c (the views: buckets, a prefix's
 * listing, du, an object) and panels/buckets_xfer.c (download, upload,
 * delete) share. No curses, no I/O beyond lib/s3c. */
#ifndef MLC_PANELS_BUCKETS_H
#define MLC_PANELS_BUCKETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/core/config.h"
#include "lib/s3/s3c.h"

/* One row of a listing: a common prefix or an object. Strings owned. */
struct brow {
	char *key; /* the full key or prefix ("a/b/" for a prefix) */
	int64_t size;
	int64_t mtime_ms;
	char *etag;
	char *sclass;
	bool prefix;
};

/* The S3 target the panel browses (the first [s3] target), or NULL. */
const struct target *bk_target(void);
/* The bucket and prefix shown now ("" prefix: the bucket's root; NULL
 * bucket: the bucket list). */
const char *bk_bucket(void);
const char *bk_prefix(void);
/* Whether the current listing holds an object with this key (and its row). */
const struct brow *bk_find(const char *key);
/* Re-lists the current prefix (after an upload or a delete). */
void bk_relist(void);

/* buckets_xfer.c: d, p, D on a row (row NULL: the current prefix). */
void bk_download(const char *bucket, const struct brow *r);
void bk_upload(void);
void bk_delete(const char *bucket, const struct brow *r);
/* Stops the transfers that belong to the panel's views (not downloads the
 * user asked for, which finish on their own). */
void bk_xfer_close(void);
/* "[█████░░░░░] 52%" into out (ASCII without UTF-8). */
void bk_bar(char *out, size_t n, int64_t now, int64_t total, int width);

#endif
