/* lib/core/download.c — see download.h. */
#include "lib/core/download.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/core/loop.h"
#include "lib/core/util.h"

struct dl {
	struct http_req *req;
	struct loop_defer *early; /* an error found before any I/O */
	char *path, *part;
	int fd;
	bool overwrite;
	dl_progress_cb progress;
	dl_done_cb done;
	void *arg;
	struct dl_result res;
	struct mlc_err early_err;
	int write_errno;
	bool error_status; /* the response is an error document */
	bool status_known;
};

char *dl_part_path(const char *path)
{
	return xasprintf("%s.part", path);
}

char *dl_local_path(const char *typed, const char *name, const char *home)
{
	char *p;
	if (!strcmp(typed, "~") && home && *home)
		p = xstrdup(home);
	else if (str_starts(typed, "~/") && home && *home)
		p = xasprintf("%s%s%s", home, home[strlen(home) - 1] == '/' ? "" : "/", typed + 2);
	else
		p = xstrdup(typed);
	struct stat st;
	size_t n = strlen(p);
	bool dir = (n && p[n - 1] == '/') || (stat(p, &st) == 0 && S_ISDIR(st.st_mode));
	if (dir) {
		char *j = xasprintf("%s%s%s", p, n && p[n - 1] == '/' ? "" : "/", name);
		free(p);
		p = j;
	}
	return p;
}

bool dl_is_dotfile(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	return base[0] == '.';
}

static void dl_free(struct dl *d)
{
	if (d->fd >= 0)
		close(d->fd);
	free(d->path);
	free(d->part);
	free(d);
}

static void drop_part(struct dl *d)
{
	if (d->fd >= 0) {
		close(d->fd);
		d->fd = -1;
	}
	if (d->part)
		unlink(d->part);
}

static size_t on_data(const char *p, size_t n, void *arg)
{
	struct dl *d = arg;
	if (!d->status_known) {
		d->status_known = true;
		long st = http_req_status(d->req);
		d->error_status = st < 200 || st > 299;
	}
	if (d->error_status) {
		size_t room = sizeof d->res.err_body - 1 - d->res.err_len;
		size_t take = n < room ? n : room;
		memcpy(d->res.err_body + d->res.err_len, p, take);
		d->res.err_len += take;
		d->res.err_body[d->res.err_len] = '\0';
		d->res.bytes += (int64_t)n;
		return n;
	}
	size_t off = 0;
	while (off < n) {
		ssize_t w = write(d->fd, p + off, n - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			d->write_errno = errno;
			return 0; /* stops the transfer */
		}
		off += (size_t)w;
	}
	d->res.bytes += (int64_t)n;
	return n;
}

static void on_progress(int64_t now, int64_t total, void *arg)
{
	struct dl *d = arg;
	if (total >= 0)
		d->res.total = total;
	if (d->progress && !d->error_status)
		d->progress(d->res.bytes, d->res.total, d->arg);
}

int dl_publish(const char *part, const char *path, bool overwrite, struct mlc_err *err)
{
	if (overwrite) {
		if (rename(part, path) == 0)
			return 0;
		return mlc_err_set(err, MLC_ERR_IO, errno, "cannot rename %s to %s: %s", part, path,
				   strerror(errno));
	}
	if (link(part, path) == 0) {
		unlink(part);
		return 0;
	}
	int e = errno;
	if (e == EEXIST)
		return mlc_err_set(err, MLC_ERR_IO, e, "%s exists: not replaced", path);
	/* A filesystem without hard links: check, then rename. */
	struct stat st;
	if (stat(path, &st) == 0)
		return mlc_err_set(err, MLC_ERR_IO, EEXIST, "%s exists: not replaced", path);
	if (rename(part, path) == 0)
		return 0;
	return mlc_err_set(err, MLC_ERR_IO, errno, "cannot rename %s to %s: %s", part, path,
			   strerror(errno));
}

int dl_check_path(const char *path, bool overwrite, struct mlc_err *err)
{
	struct stat st;
	if (!path[0])
		return mlc_err_set(err, MLC_ERR_USAGE, 0, "no file name given");
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return mlc_err_set(err, MLC_ERR_IO, EISDIR, "%s is a directory", path);
	if (!overwrite && lstat(path, &st) == 0)
		return mlc_err_set(err, MLC_ERR_IO, EEXIST, "%s exists: not replaced", path);
	return 0;
}

static void on_done(const struct http_resp *r, const struct mlc_err *herr, void *arg)
{
	struct dl *d = arg;
	struct mlc_err err;
	const struct mlc_err *e = NULL;
	d->req = NULL;
	d->res.status = r ? r->status : 0;
	d->res.elapsed_ms = r ? r->elapsed_ms : 0;
	d->res.path = d->path;
	if (d->write_errno) {
		mlc_err_set(&err, MLC_ERR_IO, d->write_errno, "writing %s: %s", d->part,
			    strerror(d->write_errno));
		e = &err;
	} else if (herr) {
		err = *herr;
		e = &err;
	} else if (d->res.status < 200 || d->res.status > 299) {
		mlc_err_set(&err, MLC_ERR_HTTP, d->res.status, "HTTP %ld", d->res.status);
		e = &err;
	} else {
		int fd = d->fd;
		d->fd = -1;
		if (close(fd) != 0) {
			mlc_err_set(&err, MLC_ERR_IO, errno, "writing %s: %s", d->part,
				    strerror(errno));
			e = &err;
		} else if (dl_publish(d->part, d->path, d->overwrite, &err) < 0) {
			e = &err;
		}
	}
	if (e)
		drop_part(d);
	if (!e && d->progress)
		d->progress(d->res.bytes, d->res.total >= 0 ? d->res.total : d->res.bytes, d->arg);
	d->done(&d->res, e, d->arg);
	dl_free(d);
}

static void early_fail(void *arg)
{
	struct dl *d = arg;
	d->early = NULL;
	d->res.path = d->path;
	d->done(&d->res, &d->early_err, d->arg);
	dl_free(d);
}

struct dl *dl_start(const struct http_opts *o, const char *path, const struct dl_opts *opts)
{
	struct dl *d = xcalloc(1, sizeof *d);
	d->fd = -1;
	d->path = xstrdup(path);
	d->overwrite = opts->overwrite;
	d->progress = opts->progress;
	d->done = opts->done;
	d->arg = opts->arg;
	d->res.total = -1;
	if (dl_check_path(path, d->overwrite, &d->early_err) == 0) {
		/* Exclusive: a PATH.part already there is another download's (or
		 * the user's) file, never truncated, never removed. */
		d->part = dl_part_path(path);
		d->fd = open(d->part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (d->fd < 0 && errno == EEXIST) {
			mlc_err_set(&d->early_err, MLC_ERR_IO, EEXIST,
				    "%s exists (another download?): left as it is", d->part);
		} else if (d->fd < 0) {
			mlc_err_set(&d->early_err, MLC_ERR_IO, errno, "cannot create %s: %s",
				    d->part, strerror(errno));
		}
		if (d->fd < 0) {
			free(d->part);
			d->part = NULL; /* not ours: never unlinked */
		}
	}
	if (d->early_err.code != MLC_OK) {
		d->early = loop_defer(early_fail, d);
		return d;
	}
	struct http_opts ho = *o;
	ho.on_data = on_data;
	ho.data_arg = d;
	ho.on_progress = on_progress;
	ho.progress_arg = d;
	d->req = http_request(&ho, on_done, d);
	return d;
}

void dl_cancel(struct dl *d)
{
	if (!d)
		return;
	if (d->early) {
		loop_defer_cancel(d->early);
	} else {
		http_cancel(d->req);
		drop_part(d);
	}
	dl_free(d);
}
