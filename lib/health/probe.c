/* lib/health/probe.c — one poll per transport (see probe.h). HTTP probes run
 * the kind's steps from the kinds table: the health request, then the
 * version request while the version is unknown. Each probe owns its in-flight request and reports
 * through source_probe_done exactly once. */
#include "lib/health/probe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/http.h"
#include "lib/core/http_err.h"
#include "lib/core/target_http.h"
#include "lib/pg/pgc.h"
#include "lib/s3/s3.h"
#include "lib/health/kinds.h"
#include "lib/health/source.h"
#include "lib/ssh/sshc.h"
#include "lib/core/util.h"

/* ---- HTTP kinds ------------------------------------------------------- */

struct http_probe {
	struct http_req *req;
	const struct hk_http *kind;
	int step;
	long latency;
	char version[80];
	const char *hdrs[6];
	char why[160]; /* the degraded reason this poll found, or "" */
	struct s3_scratch s3;
	/* S3: -1 unknown, 1 the server answers /minio/health/live, 0 it does
	 * not (s3rver, AWS): then only the signed ListBuckets is sent. */
	int minio;
};

/* MinIO's liveness probe: no auth, empty body, 200 or 503. */
#define MINIO_LIVE	"/minio/health/live"
#define STEP_MINIO_LIVE (-1)
/* The steps of a poll: health, then the state (degraded?) request, then
 * the version while it is unknown. */
enum { STEP_HEALTH, STEP_VERSION, STEP_STATE };

void probe_sshc_opts(const struct target *t, long timeout_ms, struct sshc_opts *o)
{
	memset(o, 0, sizeof *o);
	o->host = t->host;
	o->port = t->port;
	o->user = t->user;
	o->identity = t->identity;
	o->known_hosts = t->known_hosts;
	o->accept_new = t->accept_new;
	o->jump = t->jump;
	o->connect_timeout_ms = timeout_ms;
}

static void http_step(struct source *s);

static const char *http_path(const struct http_probe *p, const struct target *t)
{
	if (p->kind->path_for && p->step != STEP_STATE)
		return p->kind->path_for(t, p->step == STEP_HEALTH);
	return p->step == STEP_HEALTH  ? p->kind->health_path
	       : p->step == STEP_STATE ? p->kind->state_path
				       : p->kind->version_path;
}

/* Turns a non-2xx answer into an error naming the request and the server's words. */
static void http_done(const struct http_resp *r, const struct mlc_err *err, void *arg)
{
	struct source *s = arg;
	struct http_probe *p = s->priv;
	const struct hk_http *k = p->kind;
	struct mlc_err e;
	mlc_err_clear(&e);
	p->req = NULL;
	s3_scratch_free(&p->s3);
	if (p->step == STEP_MINIO_LIVE) {
		if (!err && r->status == 503) {
			mlc_err_set(&e, MLC_ERR_HTTP, 503,
				    "MinIO is not live (HTTP 503 from " MINIO_LIVE ")");
			source_probe_done(s, &e, r->elapsed_ms, NULL);
			return;
		}
		if (err) {
			source_probe_done(s, err, -1, NULL);
			return;
		}
		/* 200: MinIO; anything else: an S3 without the endpoint. Then
		 * the signed ListBuckets says whether the credentials work. */
		p->minio = r->status == 200;
		p->step = STEP_HEALTH;
		http_step(s);
		return;
	}
	const char *path = http_path(p, s->target);
	if (err) {
		e = *err;
	} else if (p->step == STEP_STATE) {
		k->state(s->target, r, p->why, sizeof p->why, &e);
	} else if ((p->step != STEP_HEALTH || !k->own_status) &&
		   (r->status < 200 || r->status > 299)) {
		http_err_resp(&e, NULL, r, path);
	} else if (p->step == STEP_HEALTH) {
		if (k->health)
			k->health(s->target, r, p->why, sizeof p->why, &e);
		p->latency = r->elapsed_ms;
		if (e.code == MLC_OK && !k->version_path && k->version)
			k->version(r, p->version, sizeof p->version, &e);
	} else if (k->version(r, p->version, sizeof p->version, &e) < 0) {
		/* A version we cannot read is not an outage: keep what we had. */
		mlc_err_clear(&e);
		strlcpy_m(p->version, "?", sizeof p->version);
	}
	if (e.code != MLC_OK) {
		source_probe_done(s, &e, r ? r->elapsed_ms : -1, NULL);
		return;
	}
	/* A state request once the health step is healthy (MinIO's cluster
	 * health only on a MinIO), then the version. */
	if (p->step == STEP_HEALTH && k->state_path && !p->why[0] &&
	    (s->target->kind != TK_S3 || p->minio == 1)) {
		p->step = STEP_STATE;
		http_step(s);
		return;
	}
	if (p->step != STEP_VERSION && k->version_path && (!s->version[0] || s->polls % 30 == 1)) {
		p->step = STEP_VERSION;
		http_step(s);
		return;
	}
	if (p->why[0])
		source_probe_degraded(s, p->why);
	source_probe_done(s, NULL, p->latency, p->version[0] ? p->version : NULL);
}

static void http_step(struct source *s)
{
	struct http_probe *p = s->priv;
	const struct target *t = s->target;
	struct http_opts o;
	const char *path = http_path(p, t);
	if (t->kind == TK_S3 && p->step == STEP_MINIO_LIVE) {
		char *url = target_url(t, MINIO_LIVE);
		target_http_opts(t, s->timeout_ms, url, &o);
		p->req = http_request(&o, http_done, s);
		free(url);
		return;
	}
	if (t->kind == TK_S3 && p->step == STEP_HEALTH) {
		s3_request_opts(t, "GET", NULL, NULL, NULL, &o, p->hdrs, &p->s3);
		o.timeout_ms = s->timeout_ms;
		o.connect_timeout_ms = MLC_MIN(s->timeout_ms, 3000);
		o.max_bytes = 1u << 20;
		p->req = http_request(&o, http_done, s);
		return;
	}
	char *url = target_url(t, path);
	target_http_opts(t, s->timeout_ms, url, &o);
	if (p->step == STEP_STATE && p->kind->state_body) {
		o.method = "POST";
		o.body = p->kind->state_body;
		o.body_len = strlen(o.body);
		p->hdrs[0] = "Content-Type: application/json";
		p->hdrs[1] = NULL;
		o.headers = p->hdrs;
	}
	p->req = http_request(&o, http_done, s);
	free(url);
}

static void http_start(struct source *s)
{
	if (!s->priv) {
		s->priv = xcalloc(1, sizeof(struct http_probe));
		((struct http_probe *)s->priv)->minio = -1;
	}
	struct http_probe *p = s->priv;
	p->kind = &health_kind(s->target->kind)->http;
	p->step = s->target->kind == TK_S3 && p->minio != 0 ? STEP_MINIO_LIVE : STEP_HEALTH;
	p->version[0] = '\0';
	p->why[0] = '\0';
	http_step(s);
}

static void http_cancel_probe(struct source *s)
{
	struct http_probe *p = s->priv;
	if (p && p->req) {
		http_cancel(p->req);
		p->req = NULL;
		s3_scratch_free(&p->s3);
	}
}

static void http_destroy(struct source *s)
{
	free(s->priv);
	s->priv = NULL;
}

const struct probe_ops http_probe_ops = {
    .start = http_start,
    .cancel = http_cancel_probe,
    .destroy = http_destroy,
};

/* ---- PostgreSQL ------------------------------------------------------- */

struct pg_probe {
	struct pgc_conn *conn;
	struct pgc_query *q;
	int64_t t0;
};

static void pg_done(const struct pgc_result *r, const struct mlc_err *err, void *arg)
{
	struct source *s = arg;
	struct pg_probe *p = s->priv;
	p->q = NULL;
	long latency = (long)(mono_ms() - p->t0);
	if (err) {
		source_probe_done(s, err, latency, NULL);
		return;
	}
	const char *v = pgc_server_version(p->conn);
	source_probe_done(s, NULL, latency, v && *v ? v : NULL);
}

static void pg_start(struct source *s)
{
	if (!s->priv) {
		struct pg_probe *p = xcalloc(1, sizeof *p);
		struct pgc_opts o = {
		    .conninfo = s->target->conninfo ? s->target->conninfo : "",
		    .password = s->target->password,
		    .connect_timeout_ms = MLC_MIN(s->timeout_ms, 5000),
		    .statement_timeout_ms = s->timeout_ms,
		};
		p->conn = pgc_conn_new(&o);
		s->priv = p;
	}
	struct pg_probe *p = s->priv;
	p->t0 = mono_ms();
	p->q = pgc_query(p->conn, "SELECT 1", NULL, 0, s->timeout_ms, pg_done, s);
}

static void pg_cancel(struct source *s)
{
	struct pg_probe *p = s->priv;
	if (p && p->q) {
		pgc_query_cancel(p->q);
		p->q = NULL;
	}
}

static void pg_destroy(struct source *s)
{
	struct pg_probe *p = s->priv;
	if (p) {
		pgc_conn_free(p->conn);
		free(p);
	}
	s->priv = NULL;
}

const struct probe_ops pg_probe_ops = {
    .start = pg_start,
    .cancel = pg_cancel,
    .destroy = pg_destroy,
};

/* ---- SSH nodes -------------------------------------------------------- */

struct ssh_probe {
	struct sshc_session *sess;
	struct sshc_exec *x;
	int64_t t0;
};

static const char *banner_version(const char *banner)
{
	/* "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3" → "OpenSSH_9.2p1 Debian-2+deb12u3" */
	if (banner && str_starts(banner, "SSH-")) {
		const char *p = strchr(banner + 4, '-');
		if (p)
			return p + 1;
	}
	return banner;
}

static void ssh_exec_done(const struct sshc_result *r, const struct mlc_err *err, void *arg)
{
	struct source *s = arg;
	struct ssh_probe *p = s->priv;
	p->x = NULL;
	long latency = (long)(mono_ms() - p->t0);
	if (err) {
		sshc_close(p->sess);
		p->sess = NULL;
		source_probe_done(s, err, latency, NULL);
		return;
	}
	source_probe_done(s, NULL, latency, banner_version(sshc_banner(p->sess)));
}

static void ssh_connected(struct sshc_session *sess, const struct mlc_err *err, void *arg)
{
	struct source *s = arg;
	struct ssh_probe *p = s->priv;
	s->accept_fp[0] = '\0'; /* a confirmation is good for one attempt */
	if (err) {
		if (err->code == MLC_ERR_HOSTKEY_UNKNOWN && sshc_fingerprint(sess)[0])
			snprintf(s->offered_key, sizeof s->offered_key, "%s %s",
				 sshc_key_type(sess), sshc_fingerprint(sess));
		else
			s->offered_key[0] = '\0';
		sshc_close(p->sess);
		p->sess = NULL;
		source_probe_done(s, err, (long)(mono_ms() - p->t0), NULL);
		return;
	}
	s->offered_key[0] = '\0';
	/* Latency is the exec round trip, not the handshake: the same measure
	 * on every poll. */
	p->t0 = mono_ms();
	p->x = sshc_ping(p->sess, s->timeout_ms, ssh_exec_done, s);
}

static void ssh_start(struct source *s)
{
	if (!s->priv)
		s->priv = xcalloc(1, sizeof(struct ssh_probe));
	struct ssh_probe *p = s->priv;
	const struct target *t = s->target;
	p->t0 = mono_ms();
	if (p->sess && sshc_is_up(p->sess)) {
		p->x = sshc_ping(p->sess, s->timeout_ms, ssh_exec_done, s);
		return;
	}
	if (p->sess)
		sshc_close(p->sess);
	struct sshc_opts o;
	probe_sshc_opts(t, s->timeout_ms, &o);
	if (s->accept_fp[0])
		o.accept_fingerprint = s->accept_fp;
	p->sess = sshc_connect(&o, ssh_connected, s);
}

static void ssh_cancel(struct source *s)
{
	struct ssh_probe *p = s->priv;
	if (!p)
		return;
	if (p->x) {
		sshc_exec_cancel(p->x);
		p->x = NULL;
	}
	if (p->sess) {
		sshc_close(p->sess);
		p->sess = NULL;
	}
}

static void ssh_destroy(struct source *s)
{
	ssh_cancel(s);
	free(s->priv);
	s->priv = NULL;
}

const struct probe_ops ssh_probe_ops = {
    .start = ssh_start,
    .cancel = ssh_cancel,
    .destroy = ssh_destroy,
};
