/* lib/s3/s3c_mpu_int.h — what the two halves of the multipart client share
 * (s3c_mpu.c: the upload; s3c_mpu_list.c: the incomplete uploads' listings
 * and aborts, and the plumbing below): the handle, its parts, and the
 * request helpers. Never included outside lib/s3. */
#ifndef MLC_S3C_MPU_INT_H
#define MLC_S3C_MPU_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "lib/core/digest.h"
#include "lib/core/http.h"
#include "lib/s3/s3_mpu.h"
#include "lib/s3/s3c.h"

#define MPU_MAX_PARTS	    10000
#define MPU_MIN_PART	    ((int64_t)5 << 20)
#define MPU_MAX_OBJECT	    ((int64_t)5 << 40)
#define MPU_RETRIES	    2
#define MPU_BACKOFF_MS	    200
#define MPU_COMPLETE_WAIT_S 900 /* Complete, and the abort after it */
#define MPU_LIST_MAX	    100000

enum mop { MOP_UPLOAD, MOP_UPLOADS, MOP_PARTS, MOP_ABORT };

/* One part being read, sent or waiting to be sent again. It outlives its
 * upload while a read runs on the pool or its timer closes (m NULL then). */
struct slot {
	struct s3c_mpu *m;
	int idx; /* the part's index (number - 1) */
	char *buf;
	size_t len;
	char sha[2 * DIGEST_SHA256_LEN + 1];
	int fd; /* the upload's file, read at off */
	int64_t off;
	int rerr; /* errno of the read, 0 when it worked */
	struct http_req *http;
	uv_work_t work;
	uv_timer_t timer;
	bool working, timer_open;
	int tries;
	int64_t sent;
};

struct s3c_mpu {
	enum mop op;
	const struct target *t;
	char *bucket, *key, *path, *upload_id;
	void *arg;
	s3c_progress_cb progress;
	s3c_done_cb done;
	s3c_err_cb err_cb;
	s3c_uploads_cb uploads_cb;
	s3c_parts_cb parts_cb;
	struct http_req *http; /* Create, Complete, Abort or a listing page */
	struct loop_defer *early;
	struct mlc_err err;
	/* upload */
	int fd;
	int64_t size, part_size, done_bytes;
	int nparts, next, ndone, concurrency;
	struct s3_part *parts;
	struct slot **slots; /* concurrency entries, NULL when free */
	bool failed, cancelled, detached, completing;
	int64_t t0;
	/* listings */
	struct s3_upload *ups;
	size_t nups;
	char *marker, *marker2;
	int64_t parts_bytes;
	long nparts_listed;
	bool busy;
};

/* A handle counting itself busy (loop_busy) until s3c_mpu_free. */
struct s3c_mpu *s3c_mpu_new(enum mop op, const struct target *t, const char *bucket,
			    const char *key, void *arg);
void s3c_mpu_free(struct s3c_mpu *m);
/* The error of a failed answer or transport: names op and s3://bucket/key. */
void s3c_mpu_answer_err(const struct s3c_mpu *m, const char *op, const struct http_resp *resp,
			const struct mlc_err *herr, struct mlc_err *e);
/* Sends METHOD on m's bucket (and key when given) with the canonical query
 * built from pairs and an optional body whose SHA-256 is sha_hex. */
struct http_req *s3c_mpu_send(struct s3c_mpu *m, const char *method, const char *key,
			      const char *const *pairs, const char *body, size_t blen,
			      const char *sha_hex, http_done_cb done, void *arg);
/* The audit line: what is "METHOD ?query (Operation...)". */
void s3c_mpu_audit(const struct s3c_mpu *m, const char *what, const struct mlc_err *err,
		   const char *ok);

#endif
