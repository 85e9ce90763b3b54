/* lib/s3/s3c.h — the S3 client on the loop: ListBuckets, ListObjectsV2 walks
 * (pages parsed by expat as they arrive, continuation tokens followed),
 * HeadObject, GetObject of a range, downloads into a file, PutObject from a
 * file, DeleteObject and DeleteObjects. Built on lib/s3 (signing inputs,
 * parsers) and lib/http. Every operation: callback exactly once from the
 * loop (never inside the starting call) unless s3c_cancel ran first; a
 * failure is one message naming the operation, s3://bucket/key and the
 * server's Code and Message. Targets are borrowed: they outlive requests. */
#ifndef MLC_S3C_H
#define MLC_S3C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/core/err.h"
#include "lib/s3/s3.h"

struct target;
struct s3c_req;

/* Stops an operation (all its HTTP requests); its callback will not run.
 * A download's part file is removed. Never call from inside a callback of
 * the same operation. */
void s3c_cancel(struct s3c_req *r);

/* ListBuckets. */
typedef void (*s3c_buckets_cb)(const struct s3_bucket *b, size_t n, const struct mlc_err *err,
			       void *arg);
struct s3c_req *s3c_list_buckets(const struct target *t, s3c_buckets_cb cb, void *arg);

/* A ListObjectsV2 walk. */
struct s3c_list_opts {
	const char *prefix;    /* NULL: the whole bucket */
	const char *delimiter; /* "/" to browse like folders */
	const char *start_after;
	int max_keys;  /* per page; 0: the server's default (1000) */
	int max_pages; /* stop after this many; 0: follow tokens to the end */
	/* Caps of the whole walk: objects listed and body bytes received; 0:
	 * S3C_MAX_ROWS, S3C_MAX_LIST_BYTES. A walk that reaches one with more on
	 * the server ends there: its last page has stopped_at set (the objects
	 * listed; the caller says "stopped at N rows: more on the server"). */
	long max_rows;
	size_t max_bytes;
};
#define S3C_MAX_ROWS	   200000
#define S3C_MAX_LIST_BYTES ((size_t)256 << 20)
/* A key, prefix or start_after holding S3_KEY_NUL (a NUL in a listed key,
 * see s3.h) is refused by every call below: the callback gets
 * MLC_ERR_USAGE from the loop and nothing is sent. */
/* Called once per page as it completes (page borrowed for the call),
 * last=true on the final call: after the last page, or with err set and
 * page NULL. Returning false stops the walk with no further call. */
typedef bool (*s3c_page_cb)(const struct s3_list_page *page, bool last, const struct mlc_err *err,
			    void *arg);
struct s3c_req *s3c_list(const struct target *t, const char *bucket, const struct s3c_list_opts *o,
			 s3c_page_cb cb, void *arg);
/* Pages and objects listed so far by a walk (for progress lines). */
void s3c_list_progress(const struct s3c_req *r, long *pages, long *objects);

/* HeadObject. */
typedef void (*s3c_head_cb)(const struct s3_head *h, const struct mlc_err *err, void *arg);
struct s3c_req *s3c_head(const struct target *t, const char *bucket, const char *key,
			 s3c_head_cb cb, void *arg);

/* GetObject of bytes first..last (inclusive; last < 0: to the end), held in
 * memory (at most max_bytes, 0: 8 MiB). */
struct s3c_data {
	const char *data; /* NUL-terminated, len bytes */
	size_t len;
	int64_t object_size; /* from Content-Range or Content-Length, -1 unknown */
	char content_type[128];
};
typedef void (*s3c_data_cb)(const struct s3c_data *d, const struct mlc_err *err, void *arg);
struct s3c_req *s3c_get(const struct target *t, const char *bucket, const char *key, int64_t first,
			int64_t last, size_t max_bytes, s3c_data_cb cb, void *arg);

/* Transfers: progress (bytes, total or -1) and completion. */
typedef void (*s3c_progress_cb)(int64_t now, int64_t total, void *arg);
typedef void (*s3c_done_cb)(int64_t bytes, const struct mlc_err *err, void *arg);
/* GetObject into path: HeadObject for the ETag and size, then ranged GETs
 * into path.part with its sidecar path.part.meta (lib/core/dl_ranged.h): a
 * part left by an interrupted download of the same object (same ETag and
 * size) is resumed, one of another object started over; above the
 * target's multipart_threshold up to `concurrency` GETs in flight. Verified
 * against a plain-MD5 ETag, else the size; an existing path kept unless
 * overwrite. No total deadline; stalls abort. A failure after some bytes
 * landed keeps the part (the message says so); s3c_cancel keeps it too. */
struct s3c_req *s3c_download(const struct target *t, const char *bucket, const char *key,
			     const char *path, bool overwrite, s3c_progress_cb progress,
			     s3c_done_cb cb, void *arg);
/* Set right after s3c_download (before the loop runs again): cb(why, arg)
 * once, from the loop, when PATH.part was there but cannot be resumed (the
 * object changed since, its sidecar is unreadable, the part is shorter than
 * it says) and the download starts from zero. why starts "starting from
 * zero: " and carries the server's ETags (sanitize before showing). */
typedef void (*s3c_notice_cb)(const char *why, void *arg);
void s3c_download_on_restart(struct s3c_req *r, s3c_notice_cb cb);
#define S3C_THRESHOLD	((int64_t)64 << 20)
#define S3C_CONCURRENCY 4
/* The target's transfer settings, defaults applied: requests in flight
 * ([s3] concurrency, S3C_CONCURRENCY) and the size above which downloads
 * go as parallel ranged GETs and uploads as multipart uploads ([s3]
 * multipart_threshold, S3C_THRESHOLD). */
int s3c_concurrency(const struct target *t);
int64_t s3c_threshold(const struct target *t);
/* The bytes per ranged GET of a download of size bytes: 0 (one GET) up to
 * threshold, else about a quarter of an even share per stream, between
 * 1 MiB and 16 MiB, a multiple of 64 KiB. */
int64_t s3c_get_piece(int64_t size, int64_t threshold, int concurrency);
/* PutObject of the local file path as key: the file is read whole into
 * memory and its SHA-256 (the signed payload hash) computed on libuv's
 * thread pool, then sent from there. At most S3C_PUT_MAX bytes: a larger
 * file fails with MLC_ERR_USAGE (send it with s3c_put_multipart). */
#define S3C_PUT_MAX ((int64_t)256 << 20)
/* The size above which an upload goes as a multipart upload: [s3]
 * multipart_threshold, at most S3C_PUT_MAX. */
int64_t s3c_put_limit(const struct target *t);
struct s3c_req *s3c_put_file(const struct target *t, const char *bucket, const char *key,
			     const char *path, s3c_progress_cb progress, s3c_done_cb cb, void *arg);

/* ---- multipart uploads (s3c_mpu.c) ---- */
#define S3C_MPU_PART_SIZE ((int64_t)8 << 20)
/* A multipart upload or one of its listings; s3c_mpu_cancel on any. */
struct s3c_mpu;
/* The part size for a file of size bytes: [s3] part_size (default 8 MiB),
 * at least 5 MiB, and grown (in whole MiB) so that no upload needs more
 * than 10,000 parts. */
int64_t s3c_mpu_part_size(const struct target *t, int64_t size);
/* The local file path as key: CreateMultipartUpload, then UploadPart of
 * each part (read and hashed off the loop thread, [s3] concurrency in
 * flight, default 4, SHA-256 payload hash signed), each failed part sent
 * again twice after a backoff timer, then CompleteMultipartUpload with the
 * ETags (a 200 holding an <Error> is a failure). Any failure aborts the
 * upload (AbortMultipartUpload) before cb runs: its err then says whether
 * the abort worked. Memory: concurrency parts. progress(bytes sent, size). */
struct s3c_mpu *s3c_put_multipart(const struct target *t, const char *bucket, const char *key,
				  const char *path, s3c_progress_cb progress, s3c_done_cb cb,
				  void *arg);
/* Where an upload stands (for the progress view); upload_id borrowed,
 * NULL until Create answered. */
struct s3c_mpu_info {
	int64_t size, part_size;
	int parts, parts_done, in_flight;
	const char *upload_id;
	bool aborting;
};
void s3c_mpu_info(const struct s3c_mpu *m, struct s3c_mpu_info *out);
/* The user's cancel: parts stop, the upload is aborted, then cb runs with
 * MLC_ERR_CANCELLED (saying whether the abort worked). No-op once failing. */
void s3c_mpu_abort(struct s3c_mpu *m);
/* Stops m; its callback will not run. An upload's abort still goes out
 * (audited when it answers): the console never leaves its parts behind. */
void s3c_mpu_cancel(struct s3c_mpu *m);

/* ListMultipartUploads of bucket, every page (key and upload-id markers),
 * at most 100,000 (capped then true). uploads borrowed for the call. */
struct s3_upload;
typedef void (*s3c_uploads_cb)(const struct s3_upload *uploads, size_t n, bool capped,
			       const struct mlc_err *err, void *arg);
struct s3c_mpu *s3c_list_uploads(const struct target *t, const char *bucket, s3c_uploads_cb cb,
				 void *arg);
/* ListParts of one upload, every page: how many parts and their bytes. */
typedef void (*s3c_parts_cb)(long parts, int64_t bytes, const struct mlc_err *err, void *arg);
struct s3c_mpu *s3c_list_parts(const struct target *t, const char *bucket, const char *key,
			       const char *upload_id, s3c_parts_cb cb, void *arg);
/* AbortMultipartUpload of one incomplete upload (audited); a 404
 * NoSuchUpload counts as done (it is gone). */
typedef void (*s3c_err_cb)(const struct mlc_err *err, void *arg);
struct s3c_mpu *s3c_abort_upload(const struct target *t, const char *bucket, const char *key,
				 const char *upload_id, s3c_err_cb cb, void *arg);

/* DeleteObject of one key. */
struct s3c_req *s3c_delete(const struct target *t, const char *bucket, const char *key,
			   s3c_err_cb cb, void *arg);
/* Deletes n keys (copied): DeleteObjects in batches of 1000 with
 * Content-MD5 and the payload's SHA-256; keys XML cannot carry one by one.
 * progress(done, n) after each batch; cb with the count deleted and err
 * set when anything failed (the first failure's message). */
typedef void (*s3c_deleted_cb)(size_t deleted, size_t failed, const struct mlc_err *err, void *arg);
struct s3c_req *s3c_delete_keys(const struct target *t, const char *bucket, const char *const *keys,
				size_t n, s3c_progress_cb progress, s3c_deleted_cb cb, void *arg);

#endif
