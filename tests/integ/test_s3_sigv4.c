/* tests/integ/test_s3_sigv4.c — lib/s3c against tests/stack/sigv4_s3.py, a
 * test server that recomputes every request's SigV4 signature from the bytes
 * it received (canonical path, query re-canonicalized from the raw query
 * string, signed headers, payload hash) and logs each request with its
 * verdict. Keys with spaces, + = % / ~ *, unicode and control characters are
 * put, listed (paginated: continuation tokens holding + / =, with and
 * without a delimiter), read back (HEAD, whole and ranged GET) and deleted
 * (DeleteObject, DeleteObjects), path style and virtual-host style (curl
 * resolves BUCKET.localhost to the loopback itself); every request must be
 * accepted and every byte must come back. A wrong secret and a wrong session
 * token are refused, and the verifier is shown to refuse what it must.
 * Each test starts its own server in a temporary folder (suite init) and
 * stops it (fini); no stack needed. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/core/config.h"
#include "lib/core/digest.h"
#include "lib/core/http.h"
#include "lib/core/loop.h"
#include "lib/s3/s3.h"
#include "lib/s3/s3c.h"
#include "lib/core/util.h"
#include "sigv4srv.h"
#include "stackenv.h"

#define WAIT_MS	   20000
#define SV_AK	   "SIGV4TESTKEY"
#define SV_SK	   "sigv4/test+secret=key"
#define SV_TEMP_AK "SIGV4TEMPKEY"
#define SV_TEMP_SK "temp secret/with+odd=chars"
#define SV_TOKEN   "FwoGZXIvYXdzE+token/with=padding=="

/* ---- the verifying server ---------------------------------------------------- */

static struct {
	pid_t pid;
	int stdin_fd; /* the server exits when this closes (or on SIGTERM) */
	char dir[64];
	char log[128];
	int port;
} sv = {.pid = -1, .stdin_fd = -1};

static void sv_start(void)
{
	snprintf(sv.dir, sizeof sv.dir, "/tmp/mlc-sigv4-XXXXXX");
	cr_assert_not_null(mkdtemp(sv.dir), "mkdtemp: %s", strerror(errno));
	snprintf(sv.log, sizeof sv.log, "%s/requests.tsv", sv.dir);
	const char *const args[] = {"--log",
				    sv.log,
				    "--access-key",
				    SV_AK,
				    "--secret-key",
				    SV_SK,
				    "--temp-credentials",
				    SV_TEMP_AK ":" SV_TEMP_SK ":" SV_TOKEN,
				    "--bucket",
				    "data",
				    "--bucket",
				    "other",
				    NULL};
	struct sigv4srv s;
	sigv4srv_start(&s, sv.dir, args);
	sv.pid = s.pid;
	sv.stdin_fd = s.stdin_fd;
	sv.port = s.port;
}

static void rm_tree(const char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	free(cmd);
}

static void sv_stop(void)
{
	http_shutdown();
	loop_shutdown();
	if (sv.stdin_fd >= 0)
		close(sv.stdin_fd);
	if (sv.pid > 0) {
		kill(sv.pid, SIGTERM);
		waitpid(sv.pid, NULL, 0);
	}
	if (sv.dir[0])
		rm_tree(sv.dir);
	sv.pid = -1;
	sv.stdin_fd = -1;
}

TestSuite(s3sigv4, .init = sv_start, .fini = sv_stop);

/* One line of the verifier's log (see sigv4_s3.py): VERDICT STATUS METHOD
 * STYLE BUCKET KEY RAW_PATH RAW_QUERY OP DETAIL. */
enum {
	L_VERDICT,
	L_STATUS,
	L_METHOD,
	L_STYLE,
	L_BUCKET,
	L_KEY,
	L_PATH,
	L_QUERY,
	L_OP,
	L_DETAIL,
	L_NFIELDS
};
struct sv_log {
	char *text;
	char *(*lines)[L_NFIELDS];
	size_t n;
	size_t rejected;
};

static void sv_log_read(struct sv_log *l)
{
	memset(l, 0, sizeof *l);
	FILE *f = fopen(sv.log, "r");
	cr_assert_not_null(f, "%s: %s", sv.log, strerror(errno));
	struct buf b;
	buf_init(&b);
	char chunk[4096];
	size_t got;
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(&b, chunk, got);
	fclose(f);
	l->text = buf_steal(&b);
	for (char *line = l->text; *line;) {
		char *eol = strchr(line, '\n');
		cr_assert_not_null(eol, "log line without its newline: %s", line);
		*eol = '\0';
		l->lines = xrealloc(l->lines, (l->n + 1) * sizeof *l->lines);
		char **fl = l->lines[l->n++];
		char *p = line;
		for (int i = 0; i < L_NFIELDS; i++) {
			fl[i] = p;
			char *tab = i < L_NFIELDS - 1 ? strchr(p, '\t') : NULL;
			cr_assert(i == L_NFIELDS - 1 || tab, "log line with %d fields", i + 1);
			if (tab) {
				*tab = '\0';
				p = tab + 1;
			}
		}
		if (strcmp(fl[L_VERDICT], "ok") != 0)
			l->rejected++;
		line = eol + 1;
	}
}

static void sv_log_free(struct sv_log *l)
{
	free(l->lines);
	free(l->text);
	memset(l, 0, sizeof *l);
}

/* How many lines have field f equal to v (and op equal to op, when set). */
static size_t sv_log_count(const struct sv_log *l, int f, const char *v, const char *op)
{
	size_t n = 0;
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->lines[i][f], v) == 0 && (!op || strcmp(l->lines[i][L_OP], op) == 0))
			n++;
	return n;
}

/* Every request accepted; returns how many there were (logged for the report). */
static size_t sv_assert_all_accepted(const char *what)
{
	struct sv_log l;
	sv_log_read(&l);
	for (size_t i = 0; i < l.n; i++)
		cr_expect_str_eq(l.lines[i][L_VERDICT], "ok", "%s: %s %s?%s refused: %s", what,
				 l.lines[i][L_METHOD], l.lines[i][L_PATH], l.lines[i][L_QUERY],
				 l.lines[i][L_DETAIL]);
	cr_assert_eq(l.rejected, 0, "%s: %zu of %zu requests refused by the verifier", what,
		     l.rejected, l.n);
	size_t n = l.n;
	cr_log_info("%s: the verifier checked %zu requests, %zu refused", what, n, l.rejected);
	sv_log_free(&l);
	return n;
}

/* A key as the log writes it: printable ASCII but '\\' kept, the rest \xHH. */
static char *log_escape(const char *s)
{
	struct buf b;
	buf_init(&b);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c >= 0x21 && *c <= 0x7e && *c != '\\')
			buf_append(&b, c, 1);
		else
			buf_printf(&b, "\\x%02x", *c);
	}
	if (b.len == 0)
		buf_puts(&b, "-");
	return buf_steal(&b);
}

static struct target sv_target(bool virtual_host, const char *secret)
{
	struct target t = {
	    .name = "sigv4",
	    .kind = TK_S3,
	    .url = virtual_host ? xasprintf("http://localhost:%d", sv.port)
				: xasprintf("http://127.0.0.1:%d", sv.port),
	    .access_key = SV_AK,
	    .secret_key = (char *)(secret ? secret : SV_SK),
	    .region = "us-east-1",
	    .virtual_host = virtual_host,
	};
	return t;
}

/* ---- running lib/s3c operations to completion --------------------------------- */

struct res {
	volatile bool done;
	int calls;
	bool failed;
	struct mlc_err err;
	char **keys;
	size_t nkeys;
	char **prefixes;
	size_t nprefixes;
	char **order; /* keys and prefixes interleaved as the pages gave them */
	size_t norder;
	int pages;
	struct s3_head head;
	struct buf data;
	int64_t object_size;
	int64_t bytes;
	size_t deleted, del_failed;
	struct s3_bucket *buckets;
	size_t nbuckets;
};

static void res_done(struct res *r, const struct mlc_err *err)
{
	r->calls++;
	r->done = true;
	if (err) {
		r->failed = true;
		r->err = *err;
	}
}

static void strs_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void res_free(struct res *r)
{
	strs_free(r->keys, r->nkeys);
	strs_free(r->prefixes, r->nprefixes);
	strs_free(r->order, r->norder);
	buf_free(&r->data);
	s3_buckets_free(r->buckets, r->nbuckets);
	memset(r, 0, sizeof *r);
}

static void wait_res(struct res *r)
{
	cr_assert(stackenv_run_until(&r->done, WAIT_MS), "no answer in %d ms", WAIT_MS);
	cr_assert_eq(r->calls, 1, "callback ran %d times", r->calls);
}

static void push(char ***v, size_t *n, const char *s)
{
	*v = xrealloc(*v, (*n + 1) * sizeof **v);
	(*v)[(*n)++] = xstrdup(s);
}

static bool on_page(const struct s3_list_page *pg, bool last, const struct mlc_err *err, void *arg)
{
	struct res *r = arg;
	if (pg) {
		r->pages++;
		/* S3 returns a page's keys before its prefixes; merge them back
		 * into key order, as the server walked them. */
		size_t i = 0, j = 0;
		while (i < pg->nobjects || j < pg->nprefixes) {
			bool key =
			    j >= pg->nprefixes ||
			    (i < pg->nobjects && strcmp(pg->objects[i].key, pg->prefixes[j]) < 0);
			push(&r->order, &r->norder, key ? pg->objects[i].key : pg->prefixes[j]);
			if (key)
				push(&r->keys, &r->nkeys, pg->objects[i++].key);
			else
				push(&r->prefixes, &r->nprefixes, pg->prefixes[j++]);
		}
	}
	if (last)
		res_done(r, err);
	return true;
}

static void on_buckets(const struct s3_bucket *b, size_t n, const struct mlc_err *err, void *arg)
{
	struct res *r = arg;
	r->buckets = xcalloc(n + 1, sizeof *r->buckets);
	for (size_t i = 0; i < n; i++) {
		r->buckets[i].name = xstrdup(b[i].name);
		r->buckets[i].created_ms = b[i].created_ms;
	}
	r->nbuckets = n;
	res_done(r, err);
}

static void on_head(const struct s3_head *h, const struct mlc_err *err, void *arg)
{
	struct res *r = arg;
	if (h) {
		r->head = *h;
		r->head.meta = NULL;
	}
	res_done(r, err);
}

static void on_data(const struct s3c_data *d, const struct mlc_err *err, void *arg)
{
	struct res *r = arg;
	if (d) {
		buf_append(&r->data, d->data, d->len);
		r->object_size = d->object_size;
	}
	res_done(r, err);
}

static void on_transfer(int64_t bytes, const struct mlc_err *err, void *arg)
{
	struct res *r = arg;
	r->bytes = bytes;
	res_done(r, err);
}

static void on_deleted(size_t deleted, size_t failed, const struct mlc_err *err, void *arg)
{
	struct res *r = arg;
	r->deleted = deleted;
	r->del_failed = failed;
	res_done(r, err);
}

static void on_err(const struct mlc_err *err, void *arg)
{
	res_done(arg, err);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* ---- the keys ------------------------------------------------------------------ */

/* Keys a console meets, under one prefix: spaces (one at the end), + = %,
 * a literal "%2F", ~ and *, ? # & < > ' ", a '/' tree (two keys under deep/) and a
 * doubled slash,
 * é, 日本 and an emoji, and control characters: ESC, TAB, CR, LF, BEL, DEL
 * and the C1 CSI. ESC and BEL cannot travel in XML: DeleteObjects sends
 * those one by one. */
static const char *const awkward[] = {
    "plain.txt",
    "with space.txt",
    "trailing space ",
    "a+b=c.txt",
    "100% done.txt",
    "pct%2Fliteral%20.txt",
    "tilde~name",
    "star*name.txt",
    "q?mark#hash.txt",
    "amp&lt<gt>'quot\".txt",
    "semi;colon,comma:at@dollar$.txt",
    "deep/er/still/x.bin",
    "deep/second.bin",
    "dbl//slash.txt",
    "caf\xc3\xa9/r\xc3\xa9sum\xc3\xa9.txt",
    "\xe6\x97\xa5\xe6\x9c\xac/\xe3\x83\x87\xe3\x83\xbc\xe3\x82\xbf.json",
    "emoji \xf0\x9f\x9a\x80.txt",
    "esc\x1b[2Jname.txt",
    "tab\there.txt",
    "cr\rlf\nname.txt",
    "bell\x07"
    "del\x7f"
    ".txt",
    "csi\xc2\x9b"
    "c1.txt",
};
#define NAWK ARRAY_LEN(awkward)

/* Object i's content: its own key, then every byte value, so that a mix-up
 * of keys or a byte lost on the way shows. */
static void content_of(size_t i, const char *key, struct buf *b)
{
	buf_init(b);
	buf_printf(b, "object %zu: %s\n", i, key);
	for (int c = 0; c < 256; c++) {
		unsigned char ch = (unsigned char)c;
		buf_append(b, &ch, 1);
	}
	buf_printf(b, "\nend of object %zu\n", i);
}

static char *write_file(const char *name, const struct buf *b)
{
	char *path = xasprintf("%s/%s", sv.dir, name);
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	cr_assert_eq(fwrite(b->data, 1, b->len, f), b->len);
	fclose(f);
	return path;
}

/* What a delimiter listing of keys (all under prefix) must give, in key
 * order: the first-level keys and the distinct first-level prefixes. */
static size_t expected_folders(char *const *keys, size_t n, const char *prefix, char **out)
{
	size_t m = 0, pl = strlen(prefix);
	for (size_t i = 0; i < n; i++) {
		const char *slash = strchr(keys[i] + pl, '/');
		char *e =
		    slash ? xstrndup(keys[i], (size_t)(slash + 1 - keys[i])) : xstrdup(keys[i]);
		if (m && strcmp(out[m - 1], e) == 0)
			free(e);
		else
			out[m++] = e;
	}
	return m;
}

static void assert_strs_eq(char *const *got, size_t ngot, char *const *want, size_t nwant,
			   const char *what)
{
	for (size_t i = 0; i < ngot && i < nwant; i++)
		cr_assert_str_eq(got[i], want[i], "%s: entry %zu: \"%s\", expected \"%s\"", what, i,
				 got[i], want[i]);
	cr_assert_eq(ngot, nwant, "%s: %zu entries, %zu expected", what, ngot, nwant);
}

/* The whole round trip of the awkward keys under prefix on target t. */
static void round_trip(const struct target *t, const char *prefix)
{
	size_t n = NAWK;
	char *keys[NAWK], *sorted[NAWK];
	struct buf content[NAWK];
	time_t put_from = time(NULL); /* Last-Modified has whole seconds */
	for (size_t i = 0; i < n; i++) {
		keys[i] = xasprintf("%s%s", prefix, awkward[i]);
		content_of(i, keys[i], &content[i]);
		char name[32];
		snprintf(name, sizeof name, "object-%zu", i);
		char *path = write_file(name, &content[i]);
		struct res r = {0};
		s3c_put_file(t, "data", keys[i], path, NULL, on_transfer, &r);
		wait_res(&r);
		cr_assert_not(r.failed, "put %s: %s", awkward[i], r.err.msg);
		cr_assert_eq(r.bytes, (int64_t)content[i].len);
		res_free(&r);
		free(path);
	}
	/* The server stored exactly these keys (its own decoding of the path). */
	struct sv_log l;
	sv_log_read(&l);
	for (size_t i = 0; i < n; i++) {
		char *esc = log_escape(keys[i]);
		cr_assert_eq(sv_log_count(&l, L_KEY, esc, "PutObject"), 1, "stored as %s", esc);
		free(esc);
	}
	sv_log_free(&l);
	memcpy(sorted, keys, sizeof sorted);
	qsort(sorted, n, sizeof *sorted, cmp_str);

	/* Every key, three per page: in byte order, through continuation tokens. */
	struct res r = {0};
	s3c_list(t, "data", &(struct s3c_list_opts){.prefix = prefix, .max_keys = 3}, on_page, &r);
	wait_res(&r);
	cr_assert_not(r.failed, "%s", r.err.msg);
	assert_strs_eq(r.keys, r.nkeys, sorted, n, "paginated listing");
	cr_assert_eq(r.pages, (int)(n + 2) / 3);
	res_free(&r);
	sv_log_read(&l);
	size_t tokens = 0;
	for (size_t i = 0; i < l.n; i++)
		tokens += strstr(l.lines[i][L_QUERY],
				 "continuation-token=%2B%2B%2B%2B%2F%2F%2F%2F") != NULL;
	cr_assert_eq(tokens, (n + 2) / 3 - 1, "continuation tokens (with + and /) sent back");
	sv_log_free(&l);

	/* With the delimiter, one entry per page: prefixes roll up, tokens
	 * that name a prefix are followed; then all in one page. */
	char *folders[NAWK];
	size_t nf = expected_folders(sorted, n, prefix, folders);
	cr_assert_lt(nf, n);
	for (int mk = 1; mk >= 0; mk--) {
		s3c_list(
		    t, "data",
		    &(struct s3c_list_opts){.prefix = prefix, .delimiter = "/", .max_keys = mk},
		    on_page, &r);
		wait_res(&r);
		cr_assert_not(r.failed, "%s", r.err.msg);
		assert_strs_eq(r.order, r.norder, folders, nf,
			       mk ? "delimiter, 1 a page" : "delimiter");
		cr_assert_eq(r.pages, mk ? (int)nf : 1);
		for (size_t i = 0; i < r.nprefixes; i++)
			cr_assert(str_ends(r.prefixes[i], "/"), "%s", r.prefixes[i]);
		res_free(&r);
	}
	for (size_t i = 0; i < nf; i++)
		free(folders[i]);

	/* A sub-prefix, and start-after in the middle of the keys. */
	char *sub = xasprintf("%scaf\xc3\xa9/", prefix);
	s3c_list(t, "data", &(struct s3c_list_opts){.prefix = sub, .max_keys = 1}, on_page, &r);
	wait_res(&r);
	cr_assert_not(r.failed, "%s", r.err.msg);
	cr_assert_eq(r.nkeys, 1);
	cr_assert_str_eq(r.keys[0], keys[14]);
	res_free(&r);
	free(sub);
	const char *after = sorted[n / 2];
	s3c_list(t, "data",
		 &(struct s3c_list_opts){.prefix = prefix, .start_after = after, .max_keys = 4},
		 on_page, &r);
	wait_res(&r);
	cr_assert_not(r.failed, "%s", r.err.msg);
	assert_strs_eq(r.keys, r.nkeys, sorted + n / 2 + 1, n - n / 2 - 1, "start-after");
	res_free(&r);

	/* HEAD, the whole object and a range of it, for every key. */
	for (size_t i = 0; i < n; i++) {
		s3c_head(t, "data", keys[i], on_head, &r);
		wait_res(&r);
		cr_assert_not(r.failed, "head %s: %s", awkward[i], r.err.msg);
		cr_assert_eq(r.head.content_length, (int64_t)content[i].len, "%s", awkward[i]);
		cr_assert_eq(r.head.etag[0], '"', "%s", r.head.etag);
		cr_assert_geq(r.head.last_modified_ms, (int64_t)put_from * 1000, "%lld",
			      (long long)r.head.last_modified_ms);
		cr_assert_leq(r.head.last_modified_ms, (int64_t)time(NULL) * 1000, "%lld",
			      (long long)r.head.last_modified_ms);
		cr_assert_eq(r.head.last_modified_ms % 1000, 0);
		res_free(&r);
		s3c_get(t, "data", keys[i], 0, -1, 0, on_data, &r);
		wait_res(&r);
		cr_assert_not(r.failed, "get %s: %s", awkward[i], r.err.msg);
		cr_assert_eq(r.data.len, content[i].len, "%s", awkward[i]);
		cr_assert_eq(memcmp(r.data.data, content[i].data, content[i].len), 0, "%s",
			     awkward[i]);
		cr_assert_eq(r.object_size, (int64_t)content[i].len);
		res_free(&r);
		s3c_get(t, "data", keys[i], 7, 7 + 199, 0, on_data, &r);
		wait_res(&r);
		cr_assert_not(r.failed, "range %s: %s", awkward[i], r.err.msg);
		cr_assert_eq(r.data.len, 200, "%s", awkward[i]);
		cr_assert_eq(memcmp(r.data.data, content[i].data + 7, 200), 0, "%s", awkward[i]);
		cr_assert_eq(r.object_size, (int64_t)content[i].len, "Content-Range total");
		res_free(&r);
	}

	/* One DeleteObject, then DeleteObjects for the rest. */
	s3c_delete(t, "data", keys[1], on_err, &r);
	wait_res(&r);
	cr_assert_not(r.failed, "%s", r.err.msg);
	res_free(&r);
	s3c_head(t, "data", keys[1], on_head, &r);
	wait_res(&r);
	cr_assert(r.failed);
	cr_assert_eq(r.err.code, MLC_ERR_NOTFOUND, "%s", r.err.msg);
	res_free(&r);
	const char *rest[NAWK];
	size_t nrest = 0;
	for (size_t i = 0; i < n; i++)
		if (i != 1)
			rest[nrest++] = keys[i];
	s3c_delete_keys(t, "data", rest, nrest, NULL, on_deleted, &r);
	wait_res(&r);
	cr_assert_not(r.failed, "%s", r.err.msg);
	cr_assert_eq(r.deleted, nrest);
	cr_assert_eq(r.del_failed, 0);
	res_free(&r);
	s3c_list(t, "data", &(struct s3c_list_opts){.prefix = prefix}, on_page, &r);
	wait_res(&r);
	cr_assert_not(r.failed, "%s", r.err.msg);
	cr_assert_eq(r.nkeys, 0, "all deleted, %zu left", r.nkeys);
	res_free(&r);
	sv_log_read(&l);
	/* batches of XML-safe keys, split where ESC and BEL go one by one
	 * (after the DeleteObject of keys[1]) */
	cr_assert_eq(sv_log_count(&l, L_OP, "DeleteObjects", NULL), 3);
	cr_assert_eq(sv_log_count(&l, L_OP, "DeleteObject", NULL), 3);
	sv_log_free(&l);

	for (size_t i = 0; i < n; i++) {
		free(keys[i]);
		buf_free(&content[i]);
	}
}

/* ---- tests ----------------------------------------------------------------------- */

Test(s3sigv4, list_buckets)
{
	struct target t = sv_target(false, NULL);
	struct res r = {0};
	s3c_list_buckets(&t, on_buckets, &r);
	wait_res(&r);
	cr_assert_not(r.failed, "%s", r.err.msg);
	cr_assert_eq(r.nbuckets, 2);
	cr_assert_str_eq(r.buckets[0].name, "data");
	cr_assert_str_eq(r.buckets[1].name, "other");
	/* sigv4_s3.py's --bucket dates: 2026-10-01 08:00 UTC, a minute apart */
	cr_assert_eq(r.buckets[0].created_ms, 1790841600000LL, "%lld",
		     (long long)r.buckets[0].created_ms);
	cr_assert_eq(r.buckets[1].created_ms, 1790841660000LL, "%lld",
		     (long long)r.buckets[1].created_ms);
	res_free(&r);
	cr_assert_eq(sv_assert_all_accepted("list_buckets"), 1);
	free(t.url);
}

/* The awkward keys' round trip in one addressing style: every request
 * accepted, and every one seen by the server in that style. */
static void awkward_keys(bool vhost)
{
	const char *style = vhost ? "vhost" : "path";
	struct target t = sv_target(vhost, NULL);
	char prefix[16];
	snprintf(prefix, sizeof prefix, "%s/", style);
	round_trip(&t, prefix);
	size_t n = sv_assert_all_accepted(vhost ? "virtual-host style" : "path style");
	struct sv_log l;
	sv_log_read(&l);
	cr_assert_eq(sv_log_count(&l, L_STYLE, style, NULL), n, "every request %s style", style);
	sv_log_free(&l);
	free(t.url);
}

Test(s3sigv4, awkward_keys_path_style)
{
	awkward_keys(false);
}

Test(s3sigv4, awkward_keys_virtual_host)
{
	awkward_keys(true);
}

/* A wrong secret: every operation refused, each message names
 * SignatureDoesNotMatch (HEAD has no body to name it: AccessDenied and 403),
 * and nothing was stored. */
Test(s3sigv4, wrong_secret_signature_does_not_match)
{
	struct target t = sv_target(false, "not-the-secret");
	struct res r = {0};
	s3c_list(&t, "data", &(struct s3c_list_opts){.delimiter = "/"}, on_page, &r);
	wait_res(&r);
	cr_assert(r.failed);
	cr_assert_eq(r.err.code, MLC_ERR_AUTH, "%s", r.err.msg);
	cr_assert(strstr(r.err.msg, "SignatureDoesNotMatch"), "%s", r.err.msg);
	cr_assert(strstr(r.err.msg, "s3://data"), "%s", r.err.msg);
	res_free(&r);
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "never stored\n");
	char *path = write_file("wrong-secret", &b);
	buf_free(&b);
	s3c_put_file(&t, "data", "secret/a b+c.txt", path, NULL, on_transfer, &r);
	wait_res(&r);
	cr_assert(r.failed);
	cr_assert(strstr(r.err.msg, "SignatureDoesNotMatch"), "%s", r.err.msg);
	cr_assert(strstr(r.err.msg, "s3://data/secret/a b+c.txt"), "%s", r.err.msg);
	res_free(&r);
	s3c_get(&t, "data", "secret/a b+c.txt", 0, 9, 0, on_data, &r);
	wait_res(&r);
	cr_assert(r.failed);
	cr_assert(strstr(r.err.msg, "SignatureDoesNotMatch"), "%s", r.err.msg);
	res_free(&r);
	s3c_head(&t, "data", "secret/a b+c.txt", on_head, &r);
	wait_res(&r);
	cr_assert(r.failed);
	cr_assert_eq(r.err.code, MLC_ERR_AUTH, "%s", r.err.msg);
	cr_assert(strstr(r.err.msg, "HTTP 403"), "%s", r.err.msg);
	res_free(&r);
	const char *two[] = {"secret/x", "secret/y"};
	s3c_delete_keys(&t, "data", two, 2, NULL, on_deleted, &r);
	wait_res(&r);
	cr_assert(r.failed);
	cr_assert_eq(r.del_failed, 2);
	cr_assert(strstr(r.err.msg, "SignatureDoesNotMatch"), "%s", r.err.msg);
	res_free(&r);
	s3c_list_buckets(&t, on_buckets, &r);
	wait_res(&r);
	cr_assert(r.failed);
	cr_assert(strstr(r.err.msg, "SignatureDoesNotMatch"), "%s", r.err.msg);
	res_free(&r);

	struct sv_log l;
	sv_log_read(&l);
	cr_assert_eq(l.n, 6);
	cr_assert_eq(l.rejected, 6, "every request refused");
	cr_assert_eq(sv_log_count(&l, L_STATUS, "403", NULL), 6);
	sv_log_free(&l);
	/* the right secret sees nothing stored */
	struct target good = sv_target(false, NULL);
	s3c_list(&good, "data", &(struct s3c_list_opts){0}, on_page, &r);
	wait_res(&r);
	cr_assert_not(r.failed, "%s", r.err.msg);
	cr_assert_eq(r.nkeys, 0);
	res_free(&r);
	free(good.url);
	free(path);
	free(t.url);
}

/* Temporary credentials: x-amz-security-token sent and signed; a wrong
 * token refused with InvalidToken. */
Test(s3sigv4, session_token)
{
	struct target t = sv_target(false, NULL);
	t.access_key = SV_TEMP_AK;
	t.secret_key = SV_TEMP_SK;
	t.session_token = SV_TOKEN;
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "with a token\n");
	char *path = write_file("token", &b);
	buf_free(&b);
	struct res r = {0};
	s3c_put_file(&t, "other", "tok/en=+.txt", path, NULL, on_transfer, &r);
	wait_res(&r);
	cr_assert_not(r.failed, "%s", r.err.msg);
	res_free(&r);
	s3c_list(&t, "other", &(struct s3c_list_opts){.prefix = "tok/"}, on_page, &r);
	wait_res(&r);
	cr_assert_not(r.failed, "%s", r.err.msg);
	cr_assert_eq(r.nkeys, 1);
	cr_assert_str_eq(r.keys[0], "tok/en=+.txt");
	res_free(&r);
	sv_assert_all_accepted("session token");
	t.session_token = "not-the-token";
	s3c_list(&t, "other", &(struct s3c_list_opts){.prefix = "tok/"}, on_page, &r);
	wait_res(&r);
	cr_assert(r.failed);
	cr_assert(strstr(r.err.msg, "InvalidToken"), "%s", r.err.msg);
	res_free(&r);
	free(path);
	free(t.url);
}

/* ---- the verifier refuses what it must ------------------------------------------ */

struct got {
	volatile bool done;
	long status;
	char *body;
	struct mlc_err err;
};

static void on_http(const struct http_resp *resp, const struct mlc_err *err, void *arg)
{
	struct got *g = arg;
	g->done = true;
	if (err) {
		g->err = *err;
		return;
	}
	g->status = resp->status;
	g->body = xstrdup(resp->body ? resp->body : "");
}

/* Sends a request built by s3_request_opts, with the query exactly as given
 * (curl 7.88 signs it as given), an optional body and extra headers; returns
 * the status and the error document's "Code: Message". */
static long send_raw(const struct target *t, const char *method, const char *key, const char *query,
		     const char *body, const char *sha_hdr, const char *extra_hdr, char *msg,
		     size_t msglen)
{
	struct http_opts o;
	const char *headers[8];
	struct s3_scratch sc;
	s3_request_opts(t, method, "data", key, query, &o, headers, &sc);
	if (sha_hdr)
		headers[0] = sha_hdr;
	int h = 0;
	while (headers[h])
		h++;
	if (extra_hdr)
		headers[h++] = extra_hdr;
	headers[h] = NULL;
	if (body) {
		o.body = body;
		o.body_len = strlen(body);
	}
	struct got g = {0};
	struct http_req *req = http_request(&o, on_http, &g);
	s3_scratch_free(&sc);
	cr_assert_not_null(req);
	cr_assert(stackenv_run_until(&g.done, WAIT_MS));
	cr_assert_eq(g.err.code, MLC_OK, "%s", g.err.msg);
	msg[0] = '\0';
	s3_parse_error(g.body, strlen(g.body), msg, msglen);
	free(g.body);
	return g.status;
}

static void sha256_hex(const char *s, char *out)
{
	unsigned char d[DIGEST_SHA256_LEN];
	digest_sha256(s, strlen(s), d);
	for (size_t i = 0; i < sizeof d; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

/* So that "every request accepted" means something: the verifier refuses
 * an unsorted query, a raw '+' or '/' in a value (curl signs the query as
 * sent, the verifier re-encodes it), a valueless parameter without '=', a
 * path encoded non-canonically, a body that is not what its hash says, and
 * a Content-MD5 that does not match; the same requests in canonical form
 * pass. */
Test(s3sigv4, verifier_refuses_noncanonical_requests)
{
	struct target t = sv_target(false, NULL);
	char msg[300];
	static const char *const bad_queries[] = {
	    "list-type=2&delimiter=%2F",   /* not sorted */
	    "list-type=2&prefix=a+b",	   /* raw '+' */
	    "list-type=2&prefix=a/b",	   /* raw '/' */
	    "list-type=2&prefix=%7Etilde", /* '~' needlessly encoded */
	    "list-type=2&prefix=%c3%a9",   /* lower-case hex */
	};
	for (size_t i = 0; i < ARRAY_LEN(bad_queries); i++) {
		cr_assert_eq(
		    send_raw(&t, "GET", NULL, bad_queries[i], NULL, NULL, NULL, msg, sizeof msg),
		    403, "?%s accepted", bad_queries[i]);
		cr_assert(str_starts(msg, "SignatureDoesNotMatch"), "?%s: %s", bad_queries[i], msg);
	}
	cr_assert_eq(send_raw(&t, "GET", NULL, "delimiter=%2F&list-type=2&prefix=a%2Bb%2F~", NULL,
			      NULL, NULL, msg, sizeof msg),
		     200, "%s", msg);
	/* the path: "%7E" for '~' is not what the verifier re-encodes */
	cr_assert_eq(send_raw(&t, "GET", "x%7Ey", NULL, NULL, NULL, NULL, msg, sizeof msg), 404,
		     "lib/s3 encodes '%%' in keys: the request is for the key \"x%%7Ey\": %s", msg);
	/* payload hash: the body of a PUT must be what x-amz-content-sha256 says */
	char hex[65], hdr[100];
	sha256_hex("the body that was signed", hex);
	snprintf(hdr, sizeof hdr, "x-amz-content-sha256: %s", hex);
	cr_assert_eq(send_raw(&t, "PUT", "k.txt", NULL, "another body", hdr, NULL, msg, sizeof msg),
		     400);
	cr_assert(str_starts(msg, "XAmzContentSHA256Mismatch"), "%s", msg);
	cr_assert_eq(send_raw(&t, "PUT", "k.txt", NULL, "the body that was signed", hdr, NULL, msg,
			      sizeof msg),
		     200, "%s", msg);
	/* DeleteObjects: Content-MD5 required and checked */
	const char *del = "<Delete><Object><Key>k.txt</Key></Object></Delete>";
	sha256_hex(del, hex);
	snprintf(hdr, sizeof hdr, "x-amz-content-sha256: %s", hex);
	cr_assert_eq(send_raw(&t, "POST", NULL, "delete=", del, hdr, NULL, msg, sizeof msg), 400);
	cr_assert(str_starts(msg, "InvalidRequest"), "%s", msg);
	cr_assert(strstr(msg, "Content-MD5"), "%s", msg);
	cr_assert_eq(send_raw(&t, "POST", NULL, "delete=", del, hdr,
			      "Content-MD5: 1B2M2Y8AsgTpgAmY7PhCfg==", msg, sizeof msg),
		     400);
	cr_assert(str_starts(msg, "BadDigest"), "%s", msg);
	/* "delete" without '=' is signed as sent; canonical is "delete=" */
	cr_assert_eq(send_raw(&t, "POST", NULL, "delete", del, hdr, NULL, msg, sizeof msg), 403);
	cr_assert(str_starts(msg, "SignatureDoesNotMatch"), "%s", msg);

	struct sv_log l;
	sv_log_read(&l);
	cr_assert_eq(l.n, 12);
	cr_assert_eq(l.rejected, 9, "%zu refused", l.rejected);
	sv_log_free(&l);
	free(t.url);
}

/* Keys with "." and ".." segments are legal S3 keys: they must reach the
 * server as they are, never resolved like a file path (which would put,
 * read or delete another key). */
Test(s3sigv4, dot_segments_stay_in_keys)
{
	struct target t = sv_target(false, NULL);
	static const char *const dots[] = {
	    "dots/../escaped.txt", "dots/./here.txt", "dots/x/..", "dots/x/.", "dots/.../three",
	};
	size_t n = ARRAY_LEN(dots);
	struct buf content[ARRAY_LEN(dots)];
	struct res r = {0};
	for (size_t i = 0; i < n; i++) {
		content_of(i, dots[i], &content[i]);
		char name[32];
		snprintf(name, sizeof name, "dots-%zu", i);
		char *path = write_file(name, &content[i]);
		s3c_put_file(&t, "data", dots[i], path, NULL, on_transfer, &r);
		wait_res(&r);
		cr_assert_not(r.failed, "put %s: %s", dots[i], r.err.msg);
		res_free(&r);
		free(path);
	}
	struct sv_log l;
	sv_log_read(&l);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(sv_log_count(&l, L_KEY, dots[i], "PutObject"), 1,
			     "%s stored under another key", dots[i]);
	sv_log_free(&l);
	s3c_list(&t, "data", &(struct s3c_list_opts){0}, on_page, &r);
	wait_res(&r);
	cr_assert_not(r.failed, "%s", r.err.msg);
	cr_assert_eq(r.nkeys, n);
	res_free(&r);
	for (size_t i = 0; i < n; i++) {
		s3c_get(&t, "data", dots[i], 0, -1, 0, on_data, &r);
		wait_res(&r);
		cr_assert_not(r.failed, "get %s: %s", dots[i], r.err.msg);
		cr_assert_eq(r.data.len, content[i].len);
		cr_assert_eq(memcmp(r.data.data, content[i].data, content[i].len), 0);
		res_free(&r);
	}
	s3c_delete(&t, "data", dots[0], on_err, &r);
	wait_res(&r);
	cr_assert_not(r.failed, "%s", r.err.msg);
	res_free(&r);
	s3c_list(&t, "data", &(struct s3c_list_opts){0}, on_page, &r);
	wait_res(&r);
	cr_assert_eq(r.nkeys, n - 1, "DeleteObject of %s removed what", dots[0]);
	res_free(&r);
	sv_assert_all_accepted("dot segments");
	for (size_t i = 0; i < n; i++)
		buf_free(&content[i]);
	free(t.url);
}
