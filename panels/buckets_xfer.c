/* panels/buckets_xfer.c — what the Buckets panel moves: d downloads an
 * object to a local path the user types (never replacing a file unasked),
 * p uploads a local file into the current prefix, D deletes an object or
 * every object under a prefix. Writes to the store are refused under
 * --readonly (by the dispatcher: the actions say ACT_F_WRITES) and always
 * confirmed here: the dialog names what and how many,
 * and a prefix's name must be typed back before anything is deleted.
 * Progress goes to the message line as a bar. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buckets.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "transfer.h"
#include "tui/app.h"

/* A transfer in flight: on the panel's list, so that closing the panel
 * stops it. It names its store and place, never a view: the views may be
 * gone when it ends. */
struct bk_job {
	struct panel *p;
	const struct target *t;
	char *bucket, *key, *path, *label; /* label: sanitized "s3://b/k" */
	const char *verb;		   /* "downloading", for the progress line */
	int64_t size, last_ms, t0;
	struct s3c_req *req;
	int app_job; /* quitting while it runs asks first */
	struct bk_job *next;
	/* prefix delete */
	char **keys;
	size_t nkeys, ckeys;
	int64_t bytes;
	char *typed_name; /* the sanitized prefix name the user must type */
};
static struct bk_panel *bp(struct panel *p)
{
	return p->priv;
}

static struct bk_job *job_new(struct panel *p, const struct target *t, const char *bucket,
			      const char *key)
{
	struct bk_job *j = xcalloc(1, sizeof *j);
	j->p = p;
	j->t = t;
	j->bucket = xstrdup(bucket);
	j->key = xstrdup(key ? key : "");
	char *raw = xasprintf("s3://%s/%s", bucket, j->key);
	j->label = san_str(raw);
	free(raw);
	j->t0 = mono_ms();
	j->app_job = app_job_begin(j->label);
	j->next = bp(p)->jobs;
	bp(p)->jobs = j;
	return j;
}

static void job_free(struct bk_job *j)
{
	app_job_end(j->app_job);
	for (struct bk_job **pp = &bp(j->p)->jobs; *pp; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	for (size_t i = 0; i < j->nkeys; i++)
		free(j->keys[i]);
	free(j->keys);
	free(j->bucket);
	free(j->key);
	free(j->path);
	free(j->label);
	free(j->typed_name);
	free(j);
}

void bk_xfer_close(struct panel *p)
{
	bk_mpu_close(p);
	xfer_cancel_owner(bp(p));
	while (bp(p)->jobs) {
		s3c_cancel(bp(p)->jobs->req);
		job_free(bp(p)->jobs);
	}
}

/* The listing the user is in when it shows the job's bucket (and, unless
 * whole_bucket, a prefix above its key): it is listed again. */
static void relist_if_shown(const struct bk_job *j, bool whole_bucket)
{
	struct listing *l = bk_nearest_listing(j->p);
	if (!l || l->t != j->t || strcmp(l->bucket, j->bucket))
		return;
	if (whole_bucket || str_starts(j->key, l->prefix))
		bk_relist(l);
}

/* The status line while bytes move (transfer.c's meter). */
static void progress_line(struct bk_job *j, int64_t now, int64_t total)
{
	xfer_meter(&j->last_ms, j->verb, j->label, now, total);
}

static void job_progress(int64_t now, int64_t total, void *arg)
{
	progress_line(arg, now, total);
}

bool bk_refuse_nul(const char *bucket, const struct brow *r, const char *op)
{
	struct mlc_err e;
	if (!r || !s3_key_refused(op, bucket, r->key, &e))
		return false;
	app_message(ROLE_ERR, "%s", e.msg);
	return true;
}

/* ---- download ---------------------------------------------------------- */

/* The object a download fetches, for transfer.c's start callback. */
struct bk_dl {
	const struct target *t;
	char *bucket, *key;
};

static void *bk_dl_start(void *ctx, const char *path, bool overwrite, xfer_progress_cb progress,
			 xfer_done_cb done, void *arg)
{
	struct bk_dl *o = ctx;
	struct s3c_req *r =
	    s3c_download(o->t, o->bucket, o->key, path, overwrite, progress, done, arg);
	s3c_download_on_restart(r, xfer_restarted); /* said on the message line */
	return r;
}

static void bk_dl_cancel(void *handle)
{
	s3c_cancel(handle);
}

static void bk_dl_free(void *ctx)
{
	struct bk_dl *o = ctx;
	free(o->bucket);
	free(o->key);
	free(o);
}

void bk_download(struct panel *p, const struct target *t, const char *bucket, const struct brow *r)
{
	if (!r || r->prefix) {
		app_message(ROLE_DIM, "d downloads an object: select one");
		return;
	}
	if (bk_refuse_nul(bucket, r, "download"))
		return;
	struct bk_dl *o = xcalloc(1, sizeof *o);
	o->t = t;
	o->bucket = xstrdup(bucket);
	o->key = xstrdup(r->key);
	char *uri = xasprintf("s3://%s/%s", bucket, r->key);
	char *req = xasprintf("GET %s", uri);
	const char *base = strrchr(r->key, '/');
	struct xfer_src s = {.target = t->name,
			     .label = uri,
			     .request = req,
			     .name = base ? base + 1 : r->key,
			     .size = r->size,
			     .start = bk_dl_start,
			     .cancel = bk_dl_cancel,
			     .ctx = o,
			     .ctx_free = bk_dl_free,
			     .owner = bp(p)};
	xfer_download(&s);
	free(uri);
	free(req);
}

/* ---- upload ------------------------------------------------------------- */

/* The end of an upload: what moved and how long it took, or why it
 * failed (lib/s3c writes the audit line); the listing shown is refreshed. */
static void up_done(int64_t bytes, const struct mlc_err *err, void *arg)
{
	struct bk_job *j = arg;
	j->req = NULL;
	if (err) {
		app_message(ROLE_ERR, "upload failed: %s", err->msg);
	} else {
		char a[32], t[32];
		fmt_bytes(a, sizeof a, (uint64_t)bytes);
		fmt_latency(t, sizeof t, (long)(mono_ms() - j->t0));
		app_message(ROLE_OK, "uploaded %s: %s in %s", j->label, a, t);
		relist_if_shown(j, false);
	}
	job_free(j);
}

static void up_confirmed(void *arg, bool yes)
{
	struct bk_job *j = arg;
	if (!yes) {
		app_message(ROLE_DIM, "not uploaded");
		job_free(j);
		return;
	}
	if (j->size > s3c_put_limit(j->t)) {
		bk_mpu_start(j->p, j->t, j->bucket, j->key, j->path, j->size);
		job_free(j);
		return;
	}
	j->t0 = mono_ms();
	j->verb = "uploading to";
	progress_line(j, 0, j->size);
	j->req = s3c_put_file(j->t, j->bucket, j->key, j->path, job_progress, up_done, j);
}

/* Where p was pressed: the upload goes there whatever is shown later. */
struct up_place {
	struct panel *p;
	const struct target *t;
	char *bucket, *prefix;
};

static void up_place_free(struct up_place *u)
{
	free(u->bucket);
	free(u->prefix);
	free(u);
}

/* The object the upload would replace, when the listing shown holds it. */
static const struct brow *up_existing(const struct bk_job *j)
{
	struct listing *l = bk_nearest_listing(j->p);
	if (!l || l->t != j->t || strcmp(l->bucket, j->bucket))
		return NULL;
	return bk_listing_find(l, j->key);
}

/* Above the threshold the dialog says how the file goes. */
static void up_how(const struct target *t, int64_t size, char *out, size_t n)
{
	if (size <= s3c_put_limit(t))
		return;
	int64_t part = s3c_mpu_part_size(t, size);
	char ps[32], cnt[32];
	fmt_bytes(ps, sizeof ps, (uint64_t)part);
	fmt_count(cnt, sizeof cnt, (long long)((size + part - 1) / part));
	snprintf(out, n, "as a multipart upload: %s part%s of %s", cnt, strcmp(cnt, "1") ? "s" : "",
		 ps);
}

/* A readable regular file: the dialog names it and where it goes. */
static void up_checked(struct up_place *u, const char *text)
{
	struct stat st;
	if (stat(text, &st) != 0) {
		app_message(ROLE_ERR, "upload: %s: %s", text, strerror(errno));
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		app_message(ROLE_ERR, "upload: %s is not a regular file", text);
		return;
	}
	if (access(text, R_OK) != 0) {
		app_message(ROLE_ERR, "upload: %s: %s", text, strerror(errno));
		return;
	}
	const char *base = strrchr(text, '/');
	base = base ? base + 1 : text;
	char *key = xasprintf("%s%s", u->prefix, base);
	struct bk_job *j = job_new(u->p, u->t, u->bucket, key);
	free(key);
	j->path = xstrdup(text);
	j->size = st.st_size;
	char *p = san_str(text);
	char a[32], line0[600], line1[600], line2[200] = "", line3[200] = "";
	fmt_bytes(a, sizeof a, (uint64_t)st.st_size);
	snprintf(line0, sizeof line0, "local file %s (%s)", p, a);
	up_how(u->t, st.st_size, line3, sizeof line3);
	snprintf(line1, sizeof line1, "to %s", j->label);
	const struct brow *old = up_existing(j);
	if (old) {
		char b[32];
		fmt_bytes(b, sizeof b, (uint64_t)MLC_MAX(old->size, 0));
		snprintf(line2, sizeof line2, "This replaces the object there (%s).", b);
	}
	struct dialog d = {
	    .title = "Upload",
	    .lines = {line0, line1, line3[0] ? line3 : NULL, line2[0] ? line2 : NULL, NULL},
	    .action = old ? "replace the object" : "upload the file",
	    .done = up_confirmed,
	    .arg = j};
	app_confirm(&d);
	free(p);
}

static void up_path_given(void *arg, const char *text)
{
	struct up_place *u = arg;
	if (text && *text)
		up_checked(u, text);
	up_place_free(u);
}

void bk_upload(struct panel *p, const struct target *t, const char *bucket, const char *prefix)
{
	struct up_place *u = xcalloc(1, sizeof *u);
	u->p = p;
	u->t = t;
	u->bucket = xstrdup(bucket);
	u->prefix = xstrdup(prefix);
	app_input("upload local file: ", "", up_path_given, u);
}

/* ---- delete ------------------------------------------------------------- */

static void del_one_done(const struct mlc_err *err, void *arg)
{
	struct bk_job *j = arg;
	j->req = NULL;
	if (err) {
		app_message(ROLE_ERR, "delete failed: %s", err->msg);
	} else {
		app_message(ROLE_OK, "deleted %s", j->label);
		relist_if_shown(j, false);
	}
	job_free(j);
}

static void del_one_confirmed(void *arg, bool yes)
{
	struct bk_job *j = arg;
	if (!yes) {
		app_message(ROLE_DIM, "not deleted");
		job_free(j);
		return;
	}
	j->req = s3c_delete(j->t, j->bucket, j->key, del_one_done, j);
}

static void del_many_done(size_t deleted, size_t failed, const struct mlc_err *err, void *arg)
{
	struct bk_job *j = arg;
	j->req = NULL;
	char a[32], b[32];
	fmt_count(a, sizeof a, (long long)deleted);
	fmt_count(b, sizeof b, (long long)failed);
	if (err || failed)
		app_message(ROLE_ERR, "deleted %s objects under %s; %s failed: %s", a, j->label, b,
			    err ? err->msg : "");
	else
		app_message(ROLE_OK, "deleted %s objects under %s", a, j->label);
	relist_if_shown(j, true);
	job_free(j);
}

static void del_typed(void *arg, const char *text)
{
	struct bk_job *j = arg;
	if (!text) {
		app_message(ROLE_DIM, "not deleted");
		job_free(j);
		return;
	}
	if (strcmp(text, j->typed_name) != 0) {
		app_message(ROLE_ERR, "not deleted: the name typed was not %s", j->typed_name);
		job_free(j);
		return;
	}
	j->verb = "deleting under";
	j->req = s3c_delete_keys(j->t, j->bucket, (const char *const *)j->keys, j->nkeys,
				 job_progress, del_many_done, j);
}

static void del_many_confirmed(void *arg, bool yes)
{
	struct bk_job *j = arg;
	if (!yes) {
		app_message(ROLE_DIM, "not deleted");
		job_free(j);
		return;
	}
	char n[32], prompt[700];
	fmt_count(n, sizeof n, (long long)j->nkeys);
	snprintf(prompt, sizeof prompt, "type %s to delete %s objects: ", j->typed_name, n);
	app_input(prompt, "", del_typed, j);
}

/* The walk under the prefix: every key, so that the dialog names how many
 * and the delete sends exactly those. */
static bool del_walk_page(const struct s3_list_page *pg, bool last, const struct mlc_err *err,
			  void *arg)
{
	struct bk_job *j = arg;
	for (size_t i = 0; pg && i < pg->nobjects; i++) {
		if (j->nkeys == j->ckeys) {
			j->ckeys = j->ckeys ? j->ckeys * 2 : 1024;
			j->keys = xrealloc(j->keys, j->ckeys * sizeof *j->keys);
		}
		j->keys[j->nkeys++] = xstrdup(pg->objects[i].key);
		j->bytes += MLC_MAX(pg->objects[i].size, 0);
	}
	if (!last) {
		char n[32];
		fmt_count(n, sizeof n, (long long)j->nkeys);
		app_message(ROLE_DIM, "counting the objects under %s: %s so far", j->label, n);
		return true;
	}
	j->req = NULL;
	if (err) {
		app_message(ROLE_ERR, "not deleted: %s", err->msg);
		job_free(j);
		return false;
	}
	if (!j->nkeys) {
		app_message(ROLE_DIM, "nothing to delete under %s", j->label);
		job_free(j);
		return false;
	}
	char n[32], b[32], line1[200], action[80];
	fmt_count(n, sizeof n, (long long)j->nkeys);
	fmt_bytes(b, sizeof b, (uint64_t)j->bytes);
	snprintf(line1, sizeof line1, "%s objects, %s in all", n, b);
	snprintf(action, sizeof action, "delete %s objects", n);
	struct dialog d = {.title = "Delete every object under a prefix",
			   .lines = {j->label, line1, "This cannot be undone.",
				     "You will type the prefix's name next.", NULL},
			   .action = action,
			   .done = del_many_confirmed,
			   .arg = j};
	app_confirm(&d);
	return false;
}

void bk_delete(struct panel *p, const struct target *t, const char *bucket, const char *prefix,
	       const struct brow *r)
{
	if (bk_refuse_nul(bucket, r, "delete"))
		return;
	struct bk_job *j = job_new(p, t, bucket, r->key);
	if (!r->prefix) {
		char a[32], line1[200];
		fmt_bytes(a, sizeof a, (uint64_t)MLC_MAX(r->size, 0));
		snprintf(line1, sizeof line1, "1 object, %s.", a);
		struct dialog d = {.title = "Delete an object",
				   .lines = {j->label, line1, "This cannot be undone.", NULL},
				   .action = "delete this object",
				   .done = del_one_confirmed,
				   .arg = j};
		app_confirm(&d);
		return;
	}
	/* What must be typed: the prefix as the listing shows it. */
	const char *rel = str_starts(r->key, prefix) ? r->key + strlen(prefix) : r->key;
	j->typed_name = san_str(rel);
	struct s3c_list_opts o = {.prefix = r->key, .max_keys = 1000};
	app_message(ROLE_DIM, "counting the objects under %s…", j->label);
	j->req = s3c_list(t, bucket, &o, del_walk_page, j);
}
