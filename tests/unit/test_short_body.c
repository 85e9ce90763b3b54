/* tests/unit/test_short_body.c — a download cut short is never published:
 * a server (httpsrv.c) that declares Content-Length: 1000, sends 10 bytes
 * and closes, and one whose chunked body ends without its last chunk. For
 * lib/core/download, S3 GetObject into a file (s3c_download) and the MLflow
 * artifact download (mlflowc_artifact_opts + dl_start), each case asserts
 * an error naming the short body and no file at the final path (no part
 * file left, except S3's, kept with its sidecar for a resume); and that the
 * same server's whole body lands (so the cut is what fails). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "httpsrv.h"
#include "runloop.h"
#include "lib/core/dl_meta.h"
#include "lib/core/download.h"
#include "lib/core/http.h"
#include "lib/core/loop.h"
#include "lib/core/util.h"
#include "lib/mlflow/mlflowc.h"
#include "lib/s3/s3c.h"

static void teardown(void)
{
	srv_close();
	http_shutdown();
	runloop_close();
	loop_shutdown();
}

TestSuite(short_body, .fini = teardown);

/* ---- the server's answers --------------------------------------------------- */

/* Declares 1000 bytes, sends 10, closes. */
static const char *h_short(struct srv *s, const char *m, const char *p, const char *req,
			   size_t *len)
{
	return "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n"
	       "0123456789";
}

/* One chunk of 10 bytes, then closes without the terminating 0-size chunk. */
static const char *h_chunk_cut(struct srv *s, const char *m, const char *p, const char *req,
			       size_t *len)
{
	return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
	       "a\r\n0123456789\r\n";
}

/* The same 10 bytes, whole: as Content-Length and as a complete chunked body. */
static const char *h_whole(struct srv *s, const char *m, const char *p, const char *req,
			   size_t *len)
{
	return "HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: close\r\n\r\n0123456789";
}

static const char *h_chunk_whole(struct srv *s, const char *m, const char *p, const char *req,
				 size_t *len)
{
	return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
	       "a\r\n0123456789\r\n0\r\n\r\n";
}

/* ---- what a download reported -------------------------------------------- */

struct got {
	int calls;
	int code;
	char msg[256];
	int64_t bytes;
};

static void got_set(struct got *g, int64_t bytes, const struct mlc_err *err)
{
	g->calls++;
	g->code = err ? err->code : MLC_OK;
	snprintf(g->msg, sizeof g->msg, "%s", err ? err->msg : "");
	g->bytes = bytes;
	wake();
}

static void on_dl(const struct dl_result *r, const struct mlc_err *err, void *arg)
{
	got_set(arg, r->bytes, err);
}

static void on_s3(int64_t bytes, const struct mlc_err *err, void *arg)
{
	got_set(arg, bytes, err);
}

/* A fresh directory and the final path in it. */
struct place {
	char dir[32];
	char *path, *part;
};

static void place_init(struct place *pl)
{
	snprintf(pl->dir, sizeof pl->dir, "/tmp/mlc-short-XXXXXX");
	cr_assert_not_null(mkdtemp(pl->dir));
	pl->path = xasprintf("%s/model.bin", pl->dir);
	pl->part = dl_part_path(pl->path);
}

/* Nothing published, nothing left: the directory is empty again. */
static void place_assert_empty(struct place *pl)
{
	cr_assert_neq(access(pl->path, F_OK), 0, "%s published", pl->path);
	cr_assert_neq(access(pl->part, F_OK), 0, "%s left behind", pl->part);
	cr_assert_eq(rmdir(pl->dir), 0, "%s not empty", pl->dir);
	free(pl->path);
	free(pl->part);
}

/* The whole body landed as the final path, and no part file is left. */
static void place_assert_whole(struct place *pl)
{
	char buf[32] = "";
	FILE *f = fopen(pl->path, "rb");
	cr_assert_not_null(f, "%s not published", pl->path);
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	cr_assert_eq(n, 10);
	cr_assert_str_eq(buf, "0123456789");
	cr_assert_neq(access(pl->part, F_OK), 0, "%s left behind", pl->part);
	unlink(pl->path);
	cr_assert_eq(rmdir(pl->dir), 0);
	free(pl->path);
	free(pl->part);
}

/* The error names the cut: who closed it, how much came, of how much. */
static void assert_cut(const struct got *g, const char *how_much)
{
	cr_assert_eq(g->calls, 1);
	cr_assert_eq(g->code, MLC_ERR_PROTO, "code %d: %s", g->code, g->msg);
	cr_assert_not_null(strstr(g->msg, "connection closed by the server"), "%s", g->msg);
	cr_assert_not_null(strstr(g->msg, how_much), "%s", g->msg);
}

/* One way of downloading into pl from a server answering with h. */
typedef void (*fetch_fn)(srv_handler h, struct place *pl, struct got *g);

/* A body cut short: refused with an error naming it, nothing published. */
static void refused(fetch_fn fetch, srv_handler h, const char *how_much, struct got *g)
{
	struct place pl;
	memset(g, 0, sizeof *g);
	fetch(h, &pl, g);
	assert_cut(g, how_much);
	place_assert_empty(&pl);
}

/* ---- lib/core/download ------------------------------------------------------ */

static void core_download(srv_handler h, struct place *pl, struct got *g)
{
	srv_start(h);
	place_init(pl);
	char *url = srv_url("/artifact");
	struct http_opts o = {.url = url};
	struct dl_opts d = {.done = on_dl, .arg = g};
	dl_start(&o, pl->path, &d);
	free(url);
	RUN_UNTIL(g->calls);
	cr_assert_eq(server.requests, 1);
}

Test(short_body, download_declared_1000_got_10)
{
	struct got g;
	refused(core_download, h_short, "after 10 of 1000 body bytes (HTTP 200)", &g);
}

Test(short_body, download_chunked_without_last_chunk)
{
	struct got g;
	refused(core_download, h_chunk_cut, "after 10 body bytes (HTTP 200)", &g);
}

Test(short_body, download_whole_bodies_land)
{
	struct place pl;
	struct got g = {0};
	core_download(h_whole, &pl, &g);
	cr_assert_eq(g.code, MLC_OK, "%s", g.msg);
	cr_assert_eq(g.bytes, 10);
	place_assert_whole(&pl);
	srv_close();
	memset(&g, 0, sizeof g);
	core_download(h_chunk_whole, &pl, &g);
	cr_assert_eq(g.code, MLC_OK, "%s", g.msg);
	place_assert_whole(&pl);
}

/* ---- S3 GetObject into a file ----------------------------------------------- */

/* S3 asks HeadObject first (size and ETag), then GETs a range: the HEAD
 * says what the GET will declare; the GET is h's answer. */
static srv_handler s3_get_handler;
static const char *h_s3(struct srv *s, const char *m, const char *p, const char *req, size_t *len)
{
	if (!strcmp(m, "HEAD"))
		return s3_get_handler == h_whole || s3_get_handler == h_chunk_whole
			   ? "HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: close\r\n\r\n"
			   : "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n";
	return s3_get_handler(s, m, p, req, len);
}

/* The test server as an S3 target (url borrowed: it outlives the requests). */
static struct target s3_target(char *url)
{
	return (struct target){.name = "s3",
			       .kind = TK_S3,
			       .url = url,
			       .access_key = "AKIDEXAMPLE",
			       .secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
			       .region = "us-east-1"};
}

static void s3_download(srv_handler h, struct place *pl, struct got *g)
{
	s3_get_handler = h;
	srv_start(h_s3);
	place_init(pl);
	char *url = srv_url("");
	struct target t = s3_target(url);
	s3c_download(&t, "models", "m/model.bin", pl->path, false, NULL, on_s3, g);
	RUN_UNTIL(g->calls); /* the target outlives the request */
	free(url);
	cr_assert_eq(server.requests, 2, "%s: %s", g->msg, server.log.data);
	cr_assert(str_starts(server.log.data, "HEAD /models/m/model.bin HTTP/1.1\r\n"), "%s",
		  server.log.data);
	const char *get = strstr(server.log.data, "GET /models/m/model.bin HTTP/1.1\r\n");
	cr_assert_not_null(get, "%s", server.log.data);
	cr_assert_not_null(strstr(get, "Range: bytes=0-"), "%s", get);
}

/* A cut S3 body: the bytes that came stay in the part file with its
 * sidecar for a resume (the message says so); nothing is published. */
static void s3_refused(srv_handler h, const char *how_much, struct got *g)
{
	struct place pl;
	memset(g, 0, sizeof *g);
	s3_download(h, &pl, g);
	assert_cut(g, how_much);
	cr_assert(str_starts(g->msg, "GetObject s3://models/m/model.bin: "), "%s", g->msg);
	cr_assert_not_null(strstr(g->msg, "kept in "), "%s", g->msg);
	cr_assert_not_null(strstr(g->msg, "d again resumes"), "%s", g->msg);
	cr_assert_eq(g->bytes, 0, "nothing reported as done");
	cr_assert_neq(access(pl.path, F_OK), 0, "%s published", pl.path);
	struct stat st;
	cr_assert_eq(stat(pl.part, &st), 0, "%s kept", pl.part);
	cr_assert_eq(st.st_size, 10);
	char *meta = xasprintf("%s.meta", pl.part);
	cr_assert_eq(unlink(meta), 0, "%s kept beside it", meta);
	unlink(pl.part);
	free(meta);
	place_assert_empty(&pl);
}

Test(short_body, s3_get_object_declared_1000_got_10)
{
	struct got g;
	s3_refused(h_short, "after 10 of 1000 body bytes (HTTP 200)", &g);
}

Test(short_body, s3_get_object_chunked_without_last_chunk)
{
	struct got g;
	s3_refused(h_chunk_cut, "after 10 body bytes (HTTP 200)", &g);
}

Test(short_body, s3_get_object_whole_lands)
{
	struct place pl;
	struct got g = {0};
	s3_download(h_whole, &pl, &g);
	cr_assert_eq(g.code, MLC_OK, "%s", g.msg);
	cr_assert_eq(g.bytes, 10);
	char *meta = dl_meta_path(pl.path);
	cr_assert_neq(access(meta, F_OK), 0, "%s left behind", meta);
	free(meta);
	place_assert_whole(&pl);
}

/* ---- MLflow artifact download ----------------------------------------------- */

static void mlflow_download(srv_handler h, struct place *pl, struct got *g)
{
	srv_start(h);
	place_init(pl);
	char *base = srv_url("");
	struct target t = {.name = "mlflow", .kind = TK_MLFLOW, .url = base};
	struct mlflowc c;
	mlflowc_init(&c, &t);
	struct http_opts o;
	char *url = mlflowc_artifact_opts(&c, "mlflow-artifacts:/1/0373/artifacts", "0373",
					  "model/model.pkl", &o);
	struct dl_opts d = {.done = on_dl, .arg = g};
	dl_start(&o, pl->path, &d);
	free(url);
	RUN_UNTIL(g->calls);
	mlflowc_free(&c);
	free(base);
	cr_assert_eq(server.requests, 1);
	cr_assert_not_null(strstr(server.log.data, "model/model.pkl"), "%s", server.log.data);
}

Test(short_body, mlflow_artifact_declared_1000_got_10)
{
	struct got g;
	refused(mlflow_download, h_short, "after 10 of 1000 body bytes (HTTP 200)", &g);
}

Test(short_body, mlflow_artifact_chunked_without_last_chunk)
{
	struct got g;
	refused(mlflow_download, h_chunk_cut, "after 10 body bytes (HTTP 200)", &g);
}

Test(short_body, mlflow_artifact_whole_lands)
{
	struct place pl;
	struct got g = {0};
	mlflow_download(h_whole, &pl, &g);
	cr_assert_eq(g.code, MLC_OK, "%s", g.msg);
	place_assert_whole(&pl);
}

/* A resume whose GET of bytes 5-9 gets the whole object back (a server
 * that ignores Range): refused, never written at offset 5. */
static const char *h_no_range(struct srv *s, const char *m, const char *p, const char *req,
			      size_t *len)
{
	if (!strcmp(m, "HEAD"))
		return "HTTP/1.1 200 OK\r\nContent-Length: 10\r\nETag: \"x\"\r\n"
		       "Connection: close\r\n\r\n";
	return "HTTP/1.1 200 OK\r\nContent-Length: 10\r\nETag: \"x\"\r\nConnection: close\r\n\r\n"
	       "0123456789";
}

Test(short_body, s3_resume_refuses_a_server_that_ignores_range)
{
	struct place pl;
	place_init(&pl);
	FILE *f = fopen(pl.part, "w");
	fputs("01234", f);
	fclose(f);
	struct dl_meta m;
	struct mlc_err e;
	dl_meta_init(&m, "s3://models/m/model.bin", "\"x\"", 10);
	dl_meta_add(&m, 0, 5);
	char *meta = dl_meta_path(pl.path);
	cr_assert_eq(dl_meta_save(&m, meta, &e), 0, "%s", e.msg);
	dl_meta_free(&m);
	srv_start(h_no_range);
	char *url = srv_url("");
	struct target t = s3_target(url);
	struct got g = {0};
	s3c_download(&t, "models", "m/model.bin", pl.path, false, NULL, on_s3, &g);
	RUN_UNTIL(g.calls);
	free(url);
	cr_assert_not_null(strstr(server.log.data, "Range: bytes=5-9"), "%s", server.log.data);
	cr_assert_not_null(strstr(g.msg, "ignored the Range"), "%s", g.msg);
	cr_assert_neq(access(pl.path, F_OK), 0, "not published");
	struct stat st;
	cr_assert_eq(stat(pl.part, &st), 0);
	cr_assert_eq(st.st_size, 5, "nothing written at offset 5");
	unlink(meta);
	unlink(pl.part);
	free(meta);
	place_assert_empty(&pl);
}
