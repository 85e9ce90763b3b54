/* lib/core/dl_ranged_open.c — the start of a resumable download (see
 * dl_ranged.h): the part file opened and locked, its sidecar read back and
 * judged (same object: resume; unreadable or another object: start from
 * zero, and say so; none: not ours, left alone), the sidecar written. Small
 * synchronous file I/O only. */
#include "lib/core/dl_ranged_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/core/log.h"
#include "lib/core/util.h"

static void notice(struct dlr *d, bool restart, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void notice(struct dlr *d, bool restart, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_info("download %s: %s", d->m.source, msg);
	if (d->notice)
		d->notice(msg, restart, d->arg);
}

/* What the part file holds: its sidecar read back when it names this
 * object, else a fresh record (and the file truncated). 0 or a negative code. */
static int adopt_part(struct dlr *d, const struct dlr_opts *o, bool existed, struct mlc_err *err)
{
	struct dl_meta old;
	struct mlc_err e;
	struct stat st;
	dl_meta_init(&d->m, o->source, o->etag, o->size);
	if (!existed)
		return 0;
	if (dl_meta_load(&old, d->metap, &e) < 0) {
		if (e.code == MLC_ERR_IO && e.detail == ENOENT)
			return mlc_err_set(
			    err, MLC_ERR_IO, EEXIST,
			    "%s exists without %s (not a download to resume): left as "
			    "it is",
			    d->part, d->metap);
		notice(d, true, "starting from zero: %s unreadable (%s)", d->metap, e.msg);
	} else if (strcmp(old.source, o->source) || strcmp(old.etag, o->etag) ||
		   old.size != o->size) {
		notice(d, true,
		       "starting from zero: the object changed since %s was written (ETag %s, "
		       "was %s; %" PRId64 " bytes, was %" PRId64 ")",
		       d->part, o->etag, old.etag, o->size, old.size);
		dl_meta_free(&old);
	} else if (fstat(d->fd, &st) != 0 || (old.next && st.st_size < old.ext[old.next - 1].end)) {
		notice(d, true, "starting from zero: %s is shorter than its sidecar says", d->part);
		dl_meta_free(&old);
	} else {
		dl_meta_free(&d->m);
		d->m = old;
		d->res.resumed_from = dl_meta_done(&d->m);
		notice(d, false, "resuming: %" PRId64 " of %" PRId64 " bytes already in %s",
		       d->res.resumed_from, o->size, d->part);
		return 0;
	}
	if (ftruncate(d->fd, 0) != 0)
		return mlc_err_set(err, MLC_ERR_IO, errno, "cannot truncate %s: %s", d->part,
				   strerror(errno));
	d->res.restarted = true;
	return 0;
}

int dlr_open_part(struct dlr *d, const struct dlr_opts *o, struct mlc_err *err)
{
	if (dl_check_path(d->path, d->overwrite, err) < 0)
		return -1;
	struct stat st;
	bool existed = lstat(d->part, &st) == 0;
	d->created = !existed;
	if (existed && !S_ISREG(st.st_mode))
		return mlc_err_set(err, MLC_ERR_IO, EEXIST,
				   "%s exists and is not a file: left as it is", d->part);
	d->fd = open(d->part, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (d->fd < 0)
		return mlc_err_set(err, MLC_ERR_IO, errno, "cannot open %s: %s", d->part,
				   strerror(errno));
	if (flock(d->fd, LOCK_EX | LOCK_NB) != 0) {
		close(d->fd);
		d->fd = -1;
		return mlc_err_set(err, MLC_ERR_IO, EBUSY, "%s is in use by another download",
				   d->part);
	}
	if (adopt_part(d, o, existed, err) < 0) {
		close(d->fd);
		d->fd = -1;
		return -1;
	}
	if (dl_meta_save(&d->m, d->metap, err) < 0)
		return -1;
	if (d->md5_check) {
		d->hash_fd = open(d->part, O_RDONLY | O_CLOEXEC);
		if (d->hash_fd < 0)
			return mlc_err_set(err, MLC_ERR_IO, errno, "cannot read %s: %s", d->part,
					   strerror(errno));
		d->md5 = EVP_MD_CTX_new();
		if (!d->md5 || !EVP_DigestInit_ex(d->md5, EVP_md5(), NULL))
			abort();
	}
	return 0;
}
