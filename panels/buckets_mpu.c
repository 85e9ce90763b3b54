/* panels/buckets_mpu.c — a multipart upload as the user sees it: p on a
 * file above [s3] multipart_threshold (confirmed in buckets_xfer.c) pushes
 * the upload view, a page with the bar, bytes, rate, time left and parts;
 * Esc or q asks whether to cancel it (the upload is then aborted on the
 * server: no parts left behind), and once it has ended goes back. The
 * upload belongs to the panel, not the view: leaving the view some other
 * way keeps it going on the message line; closing the panel cancels it
 * (lib aborts it). No curses, no I/O beyond lib/s3c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buckets.h"
#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "transfer.h"
#include "tui/app.h"
#include "tui/canvas.h"
#include "tui/glyph.h"

enum mstate { M_RUNNING, M_DONE, M_FAILED };

struct bk_mpu {
	struct panel *p;
	const struct target *t;
	char *bucket, *key, *label; /* label: sanitized "s3://b/k" */
	int64_t size, now, t0, last_ms, ended_ms;
	struct s3c_mpu *req;
	int app_job;
	enum mstate state;
	char result[400]; /* sanitized */
	struct view *v;	  /* the upload view while it is open */
	struct bk_mpu *next;
};

static struct bk_mpu **list_of(struct panel *p)
{
	return &((struct bk_panel *)p->priv)->mpus;
}

static void mpu_unlink(struct bk_mpu *m)
{
	for (struct bk_mpu **pp = list_of(m->p); *pp; pp = &(*pp)->next)
		if (*pp == m) {
			*pp = m->next;
			break;
		}
}

static void mpu_free(struct bk_mpu *m)
{
	if (m->app_job)
		app_job_end(m->app_job);
	free(m->bucket);
	free(m->key);
	free(m->label);
	free(m);
}

static void mpu_progress(int64_t now, int64_t total, void *arg)
{
	struct bk_mpu *m = arg;
	m->now = now;
	if (m->v) {
		int64_t t = mono_ms();
		if (now < total && t - m->last_ms < 100)
			return;
		m->last_ms = t;
		view_changed(m->v);
		app_dirty();
	} else {
		xfer_meter(&m->last_ms, "uploading to", m->label, now, total);
	}
}

/* The listing shown, when it is where the object went, is listed again. */
static void relist(const struct bk_mpu *m)
{
	struct listing *l = bk_nearest_listing(m->p);
	if (l && l->t == m->t && !strcmp(l->bucket, m->bucket) && str_starts(m->key, l->prefix))
		bk_relist(l);
}

static void mpu_done(int64_t bytes, const struct mlc_err *err, void *arg)
{
	struct bk_mpu *m = arg;
	m->req = NULL;
	m->ended_ms = mono_ms();
	app_job_end(m->app_job);
	m->app_job = 0;
	char a[32], t[32];
	fmt_bytes(a, sizeof a, (uint64_t)bytes);
	fmt_latency(t, sizeof t, (long)(m->ended_ms - m->t0));
	if (err) {
		m->state = M_FAILED;
		san_into(m->result, sizeof m->result, err->msg, strlen(err->msg));
		app_message(err->code == MLC_ERR_CANCELLED ? ROLE_WARN : ROLE_ERR, "upload %s: %s",
			    err->code == MLC_ERR_CANCELLED ? "cancelled" : "failed", m->result);
	} else {
		m->state = M_DONE;
		m->now = bytes;
		snprintf(m->result, sizeof m->result, "uploaded %s: %s in %s", m->label, a, t);
		app_message(ROLE_OK, "%s", m->result);
		relist(m);
	}
	if (m->v) {
		view_changed(m->v);
		return; /* the view frees it when it closes */
	}
	mpu_unlink(m);
	mpu_free(m);
}

void bk_mpu_start(struct panel *p, const struct target *t, const char *bucket, const char *key,
		  const char *path, int64_t size)
{
	struct bk_mpu *m = xcalloc(1, sizeof *m);
	m->p = p;
	m->t = t;
	m->bucket = xstrdup(bucket);
	m->key = xstrdup(key);
	char *raw = xasprintf("s3://%s/%s", bucket, key);
	m->label = san_str(raw);
	free(raw);
	m->size = size;
	m->t0 = mono_ms();
	m->app_job = app_job_begin(m->label);
	m->next = *list_of(p);
	*list_of(p) = m;
	m->req = s3c_put_multipart(t, bucket, key, path, mpu_progress, mpu_done, m);
	m->v = view_push(p, &bk_upload_view, m);
	if (!m->v)
		xfer_meter(&m->last_ms, "uploading to", m->label, 0, size);
}

void bk_mpu_close(struct panel *p)
{
	while (*list_of(p)) {
		struct bk_mpu *m = *list_of(p);
		s3c_mpu_cancel(m->req); /* lib still aborts it on the server */
		mpu_unlink(m);
		if (m->v)
			m->v->priv = NULL;
		mpu_free(m);
	}
}

/* ---- the view ----------------------------------------------------------- */

static void mv_title(struct view *v, char *out, size_t n)
{
	const struct bk_mpu *m = v->priv;
	const char *base = m ? strrchr(m->label, '/') : NULL;
	snprintf(out, n, "upload %s", base ? base + 1 : "");
}

/* "85 MB/s", "11s left": from the bytes since the start. */
static void rate_line(const struct bk_mpu *m, char *out, size_t n)
{
	int64_t el = (m->state == M_RUNNING ? mono_ms() : m->ended_ms) - m->t0;
	char a[32], b[32], r[32] = "-", left[48] = "";
	fmt_bytes(a, sizeof a, (uint64_t)m->now);
	fmt_bytes(b, sizeof b, (uint64_t)m->size);
	if (el > 0 && m->now > 0) {
		int64_t bps = m->now * 1000 / el;
		fmt_bytes(r, sizeof r, (uint64_t)bps);
		strncat(r, "/s", sizeof r - strlen(r) - 1);
		if (m->state == M_RUNNING && bps > 0) {
			char t[32];
			fmt_latency(t, sizeof t, (long)((m->size - m->now) * 1000 / bps));
			snprintf(left, sizeof left, "   %s left", t);
		}
	}
	snprintf(out, n, "%s of %s   %s%s", a, b, r, left);
}

static bool mv_body(struct view *v, struct canvas *cv)
{
	canvas_clear(cv, ROLE_NORMAL);
	const struct bk_mpu *m = v->priv;
	if (!m)
		return true;
	struct s3c_mpu_info in;
	s3c_mpu_info(m->req, &in);
	char line[600], bar[160], ps[32];
	int y = 1;
	snprintf(line, sizeof line, "%s %s (multipart)",
		 m->state == M_RUNNING ? "uploading to" : "upload to", m->label);
	canvas_text(cv, y++, 2, line, ROLE_TITLE, 0);
	canvas_bar(bar, sizeof bar, m->now, m->size, MLC_MAX(10, MLC_MIN(cv->w - 12, 50)));
	canvas_text(cv, ++y, 2, bar, ROLE_BAR_FILL, 0);
	rate_line(m, line, sizeof line);
	canvas_text(cv, ++y, 2, line, ROLE_NORMAL, 0);
	y++;
	if (m->state == M_RUNNING) {
		fmt_bytes(ps, sizeof ps, (uint64_t)in.part_size);
		snprintf(line, sizeof line, "parts %d of %d sent, %d in flight, %s each%s",
			 in.parts_done, in.parts, in.in_flight, ps,
			 in.aborting ? "   aborting the upload" : "");
		canvas_text(cv, ++y, 2, line, in.aborting ? ROLE_WARN : ROLE_DIM, 0);
		canvas_text(cv, y + 2, 2,
			    "Esc or q cancels: the upload is aborted, its parts deleted", ROLE_DIM,
			    0);
	} else {
		y++;
		int rows =
		    canvas_wrap(cv, y, 2, m->result, m->state == M_DONE ? ROLE_OK : ROLE_ERR, 0);
		canvas_text(cv, y + rows + 1, 2, "Esc or q goes back", ROLE_DIM, 0);
	}
	return true;
}

static void cancel_confirmed(void *arg, bool yes)
{
	struct bk_mpu *m = arg;
	if (!yes || m->state != M_RUNNING)
		return;
	app_message(ROLE_WARN, "cancelling the upload to %s: aborting it%s", m->label,
		    glyph(G_ELLIPSIS));
	s3c_mpu_abort(m->req);
}

/* Esc, q: while it runs, cancel (asked first); after, back. */
static int mv_cancel(struct view *v, int row)
{
	struct bk_mpu *m = v->priv;
	if (!m || m->state != M_RUNNING) {
		view_pop(v->panel);
		return P_REDRAW;
	}
	char a[32], line1[120];
	fmt_bytes(a, sizeof a, (uint64_t)m->now);
	snprintf(line1, sizeof line1, "%s sent so far.", a);
	struct dialog d = {.title = "Cancel the upload",
			   .lines = {m->label, line1,
				     "The multipart upload is aborted: its parts are deleted.",
				     NULL},
			   .action = "cancel the upload",
			   .done = cancel_confirmed,
			   .arg = m};
	app_confirm(&d);
	return P_REDRAW;
}

static void mv_close(struct view *v)
{
	struct bk_mpu *m = v->priv;
	if (!m)
		return;
	m->v = NULL;
	if (m->state != M_RUNNING) {
		mpu_unlink(m);
		mpu_free(m);
	}
}

static void mv_copy(struct view *v, int row, char *out, size_t n)
{
	const struct bk_mpu *m = v->priv;
	snprintf(out, n, "%s", m ? m->label : "");
}

static const struct view_action mv_actions[] = {
    {"cancel-upload", "<Esc> q", NULL,
     "cancel the upload (asks; it is aborted on the server), or go back once it ended", 0,
     mv_cancel},
    {"copy", "y", NULL, NULL, 0, NULL},
};

const struct view_ops bk_upload_view = {
    .name = "upload",
    .title = mv_title,
    .body = mv_body,
    .copy_text = mv_copy,
    .close = mv_close,
    .actions = mv_actions,
    .nactions = ARRAY_LEN(mv_actions),
};
