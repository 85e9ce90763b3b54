/* lib/core/dl_meta.h — the sidecar of a resumable download (PATH.part.meta):
 * which object the part file holds (source, ETag, size) and which byte
 * ranges of it have landed on disk, as a sorted set of disjoint extents.
 * Pure apart from dl_meta_load/dl_meta_save (small synchronous file I/O).
 * The parser trusts nothing: any file it did not write is refused with a
 * reason, never half-read. Never draws, never logs. */
#ifndef MLC_DL_META_H
#define MLC_DL_META_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/core/err.h"

/* The largest object and the most extents a sidecar may name. */
#define DL_META_MAX_SIZE ((int64_t)1 << 50)
#define DL_META_MAX_EXT	 4096

struct dl_ext {
	int64_t start, end; /* [start, end) */
};

struct dl_meta {
	char *source; /* "s3://bucket/key" (raw) */
	char *etag;   /* as the server sent it, quotes included */
	int64_t size;
	struct dl_ext *ext; /* sorted, disjoint, never adjacent */
	size_t next, cap;
};

/* A fresh record of nothing done; strings copied. */
void dl_meta_init(struct dl_meta *m, const char *source, const char *etag, int64_t size);
void dl_meta_free(struct dl_meta *m);
/* Marks [start, end) done, merging with its neighbours; clipped to size. */
void dl_meta_add(struct dl_meta *m, int64_t start, int64_t end);
/* Bytes done. */
int64_t dl_meta_done(const struct dl_meta *m);
/* The end of the done run that starts at or covers from (from itself when
 * from is not done): how far a sequential reader may go. */
int64_t dl_meta_done_to(const struct dl_meta *m, int64_t from);
/* The first missing range at or after from, at most max bytes and never
 * crossing a done extent: false when nothing is missing there. */
bool dl_meta_next_missing(const struct dl_meta *m, int64_t from, int64_t max, int64_t *start,
			  int64_t *end);

/* Text form: "mlconsole-download 1", then source, etag, size and one
 * "done START END" line per extent (strings percent-encoded). Caller frees. */
char *dl_meta_format(const struct dl_meta *m);
/* Parses what dl_meta_format wrote into m (initialised here; freed by the
 * caller on success only). Anything else (unknown lines, numbers out of
 * range or overlapping, more than DL_META_MAX_EXT extents) is refused
 * with err naming the line. Every call here returns 0 or a negative code. */
int dl_meta_parse(struct dl_meta *m, const char *text, size_t len, struct mlc_err *err);
/* Reads path (at most 256 KiB) with dl_meta_parse; MLC_ERR_IO with errno
 * ENOENT in detail when there is none. */
int dl_meta_load(struct dl_meta *m, const char *path, struct mlc_err *err);
/* Writes m to path through path.tmp and a rename (never half a sidecar). */
int dl_meta_save(const struct dl_meta *m, const char *path, struct mlc_err *err);
/* "PATH.part.meta" for the final path. Caller frees. */
char *dl_meta_path(const char *path);

/* Whether etag (quotes optional) is a plain MD5 (32 hex digits, no "-N" of a
 * multipart object); then out holds its bytes. */
bool dl_etag_md5(const char *etag, unsigned char out[16]);

#endif
