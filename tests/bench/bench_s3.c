/* tests/bench/bench_s3.c — listing a bucket of 100,000 keys: the console's
 * client (lib/s3c's ListObjectsV2 walk, pages streamed into expat, every
 * object copied into a row the way a panel holds it) against the floor of
 * the same pages fetched by a minimal libcurl loop on one keep-alive
 * connection (keys counted with a substring search, or with a bare expat
 * parse). Signing is lib/s3's for both, so the server sees the same
 * requests. Modes:
 *   list URL BUCKET [ROUNDS [DIR]]  wall time of the whole walk, the two
 *                                clients paired page by page; DIR: the
 *                                floor's pages of round 1 written there
 *                                as page-NNN.xml (for tests/bench/s3replay.py)
 *   cpu URL BUCKET [ROUNDS]      client CPU (user+sys) and peak RSS, each
 *                                walk in a fresh child process, best of ROUNDS
 *   page URL BUCKET ROUNDS PREFIX  the first page of PREFIX (delimiter /) by
 *                                libcurl + expat, ROUNDS fresh connections
 *   walk URL BUCKET [ROUNDS]     ROUNDS console walks in this process, to profile
 *                                (BENCH_S3_WALK_FLOOR=1: the floor's, with expat)
 *   du URL BUCKET                count and size per top-level prefix: one walk
 *                                per prefix in turn, all at once, and one per
 *                                second-level prefix all at once
 * Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_REGION
 * (S3RVER / S3RVER / us-east-1 when unset). S3BENCH_MANIFEST: the seed's
 * manifest (s3bench_seed.py), which the counts are checked against.
 * BENCH_S3_TRACE=1: list prints each page's pair of times to stderr. */
#include <curl/curl.h>
#include <errno.h>
#include <expat.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/core/config.h"
#include "lib/core/http.h"
#include "lib/core/loop.h"
#include "lib/s3/s3.h"
#include "lib/s3/s3c.h"
#include "lib/core/util.h"
#include "tests/bench/bench.h"

#define PAGE_KEYS 1000

static struct target tgt;
static const char *bucket;

static void cpu_now(double *user, double *sys)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	*user = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
	*sys = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* VmHWM (peak resident set) of this process, KB. */
static long hwm_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "VmHWM: %ld", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

static const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);
	return v && *v ? v : dflt;
}

/* ---- the floor: libcurl easy, one connection, no parse ------------------- */

enum floor_mode { FLOOR_COUNT, FLOOR_EXPAT };

struct floor {
	enum floor_mode mode;
	CURL *e;	 /* one handle for every page: one keep-alive connection */
	struct buf body; /* FLOOR_COUNT: the page, reused */
	XML_Parser xp;	 /* FLOOR_EXPAT */
	bool in_token;
	struct buf token_text; /* FLOOR_EXPAT: NextContinuationToken's text */
	char *token;	       /* for the next page */
	const char *capture_dir;
	const char *prefix, *delimiter; /* page mode: one prefix, as a listing asks */
	long keys, pages;
	bool done;
};

static size_t floor_write(char *p, size_t sz, size_t n, void *arg)
{
	struct floor *f = arg;
	if (f->mode == FLOOR_COUNT)
		buf_append(&f->body, p, sz * n);
	else if (XML_Parse(f->xp, p, (int)(sz * n), XML_FALSE) == XML_STATUS_ERROR)
		return 0;
	return sz * n;
}

static void x_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
	struct floor *f = ud;
	if (!strcmp(name, "Key"))
		f->keys++;
	else if (!strcmp(name, "NextContinuationToken"))
		f->in_token = true;
}

static void x_end(void *ud, const XML_Char *name)
{
	((struct floor *)ud)->in_token = false;
}

static void x_text(void *ud, const XML_Char *s, int len)
{
	struct floor *f = ud;
	if (f->in_token)
		buf_append(&f->token_text, s, (size_t)len);
}

static long count_keys(const char *p, size_t len)
{
	long n = 0;
	const char *end = p + len;
	while ((p = memmem(p, (size_t)(end - p), "<Key>", 5))) {
		n++;
		p += 5;
	}
	return n;
}

static void floor_init(struct floor *f, enum floor_mode mode, const char *capture_dir)
{
	memset(f, 0, sizeof *f);
	f->mode = mode;
	f->capture_dir = capture_dir;
	buf_init(&f->body);
	buf_init(&f->token_text);
	f->e = curl_easy_init();
	curl_easy_setopt(f->e, CURLOPT_WRITEFUNCTION, floor_write);
	curl_easy_setopt(f->e, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(f->e, CURLOPT_ACCEPT_ENCODING, ""); /* as lib/http asks */
}

static void floor_free(struct floor *f)
{
	free(f->token);
	buf_free(&f->body);
	buf_free(&f->token_text);
	curl_easy_cleanup(f->e);
}

/* Fetches the next page (f->done once the last one is in); -1 on failure. */
static int floor_step(struct floor *f)
{
	struct s3_list_opts lo = {.prefix = f->prefix,
				  .delimiter = f->delimiter,
				  .continuation_token = f->token,
				  .max_keys = PAGE_KEYS,
				  .encoding_url = true};
	struct http_opts o;
	const char *headers[5];
	struct s3_scratch sc;
	s3_list_request_opts(&tgt, bucket, &lo, &o, headers, &sc);
	struct curl_slist *h = NULL;
	for (int i = 0; headers[i]; i++)
		h = curl_slist_append(h, headers[i]);
	curl_easy_setopt(f->e, CURLOPT_URL, o.url);
	curl_easy_setopt(f->e, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(f->e, CURLOPT_USERNAME, o.username);
	curl_easy_setopt(f->e, CURLOPT_PASSWORD, o.password);
	curl_easy_setopt(f->e, CURLOPT_AWS_SIGV4, o.aws_sigv4);
	buf_reset(&f->body);
	buf_reset(&f->token_text);
	if (f->mode == FLOOR_EXPAT) {
		f->xp = XML_ParserCreate(NULL);
		XML_SetUserData(f->xp, f);
		XML_SetElementHandler(f->xp, x_start, x_end);
		XML_SetCharacterDataHandler(f->xp, x_text);
	}
	CURLcode cc = curl_easy_perform(f->e);
	long status = 0;
	curl_easy_getinfo(f->e, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	s3_scratch_free(&sc);
	if (f->mode == FLOOR_EXPAT) {
		if (cc == CURLE_OK && XML_Parse(f->xp, "", 0, XML_TRUE) == XML_STATUS_ERROR)
			cc = CURLE_WRITE_ERROR;
		XML_ParserFree(f->xp);
	}
	if (cc != CURLE_OK || status != 200) {
		fprintf(stderr, "floor: page %ld: %s, HTTP %ld %.300s\n", f->pages,
			curl_easy_strerror(cc), status, f->body.data ? f->body.data : "");
		return -1;
	}
	free(f->token);
	f->token = NULL;
	if (f->mode == FLOOR_COUNT) {
		f->keys += count_keys(f->body.data, f->body.len);
		const char *t = strstr(f->body.data, "<NextContinuationToken>");
		const char *te = t ? strstr(t, "</NextContinuationToken>") : NULL;
		if (t && te) {
			t += strlen("<NextContinuationToken>");
			f->token = xstrndup(t, (size_t)(te - t));
		}
	} else if (f->token_text.len) {
		f->token = xstrdup(f->token_text.data);
	}
	if (f->capture_dir) {
		char *path = xasprintf("%s/page-%03ld.xml", f->capture_dir, f->pages);
		FILE *out = fopen(path, "w");
		bool ok = out && fwrite(f->body.data, 1, f->body.len, out) == f->body.len;
		if ((out && fclose(out) != 0) || !ok) {
			fprintf(stderr, "capture: %s: %s\n", path, strerror(errno));
			free(path);
			return -1;
		}
		free(path);
	}
	f->pages++;
	f->done = !f->token || !*f->token;
	return 0;
}

/* Walks the whole bucket; returns the keys seen, -1 on failure. */
static long floor_walk(enum floor_mode mode, const char *capture_dir)
{
	struct floor f;
	floor_init(&f, mode, capture_dir);
	while (!f.done)
		if (floor_step(&f) < 0) {
			floor_free(&f);
			return -1;
		}
	floor_free(&f);
	return f.keys;
}

/* ---- the console's walk ----------------------------------------------------- */

/* A row as a panel holds it (panels/buckets_list.c): size and date as
 * numbers, the strings where the page put them, their chunks adopted by
 * the walk's arena (no string copied or allocated per row). */
struct row {
	const char *key;
	const char *etag;
	const char *storage_class;
	int64_t size;
	int64_t mtime_ms;
};

struct walk {
	double t0, t_all;
	bool done, failed;
	bool hold;
	struct row *rows;
	size_t n, cap;
	struct arena strings; /* the rows' strings, adopted page by page */
	long keys;
	int64_t bytes;
	/* du */
	int top; /* accumulator index (du) */
	struct du *du;
	char *prefix;
	bool discover; /* a delimiter listing: collects sub-prefixes */
	/* list: the floor's walk paired page by page (see mode_list) */
	struct pair *pair;
};

/* The console's and the floor's walks of the same bucket, interleaved a
 * page at a time: on this shared machine the server's cost per page
 * drifts by tens of percent within seconds, so two walks timed one after
 * the other differ by more than their clients do. Paired, page k of both
 * meets the same server state. Console time: from the moment its loop
 * resumes (after the floor's page) to the end of its page callback, rows
 * copied; floor time: its blocking fetch. */
struct pair {
	struct floor f;
	double t_resume, t_ours, t_floor;
	bool failed;
};

static void pair_floor_page(struct pair *p)
{
	if (p->f.done || p->failed)
		return;
	double t = now_ms();
	if (floor_step(&p->f) < 0)
		p->failed = true;
	p->t_floor += now_ms() - t;
}

static void walk_end(struct walk *w);
static void du_discovered(struct walk *w, const struct s3_list_page *pg);

static bool on_page(const struct s3_list_page *pg, bool last, const struct mlc_err *err, void *arg)
{
	struct walk *w = arg;
	if (err) {
		fprintf(stderr, "s3c_list: %s\n", err->msg);
		w->failed = true;
		walk_end(w);
		return false;
	}
	if (w->hold && w->n + pg->nobjects > w->cap) {
		w->cap = MLC_MAX(w->cap * 2, w->n + pg->nobjects);
		w->rows = xrealloc(w->rows, w->cap * sizeof *w->rows);
	}
	for (size_t i = 0; i < pg->nobjects; i++) {
		const struct s3_object *o = &pg->objects[i];
		w->keys++;
		w->bytes += o->size > 0 ? o->size : 0;
		if (!w->hold)
			continue;
		w->rows[w->n++] = (struct row){.key = o->key,
					       .etag = o->etag,
					       .storage_class = o->storage_class,
					       .size = o->size,
					       .mtime_ms = o->last_modified_ms};
	}
	if (w->hold)
		arena_adopt(&w->strings, pg->strings);
	if (w->discover)
		du_discovered(w, pg);
	if (last && w->hold) /* as a panel does once loaded: shrink to fit */
		w->rows = xrealloc(w->rows, (w->n ? w->n : 1) * sizeof *w->rows);
	if (w->pair) {
		struct pair *p = w->pair;
		double ours = now_ms() - p->t_resume, fl = p->t_floor;
		p->t_ours += ours;
		pair_floor_page(p);
		p->t_resume = now_ms();
		if (getenv("BENCH_S3_TRACE")) /* page by page, to stderr */
			fprintf(stderr, "page %ld: console %.1f ms, floor %.1f ms\n",
				w->keys / PAGE_KEYS, ours, p->t_floor - fl);
	}
	if (last)
		walk_end(w);
	return true;
}

static void walk_start(struct walk *w, const char *prefix, const char *delimiter)
{
	w->t0 = now_ms();
	struct s3c_list_opts o = {.prefix = prefix, .delimiter = delimiter, .max_keys = PAGE_KEYS};
	s3c_list(&tgt, bucket, &o, on_page, w);
}

static void walk_rows_free(struct walk *w)
{
	arena_free(&w->strings);
	free(w->rows);
	w->rows = NULL;
	w->n = w->cap = 0;
}

/* The whole bucket through s3c_list, rows held; the loop runs until done. */
static long ours_walk(struct walk *w, bool hold)
{
	memset(w, 0, sizeof *w);
	w->hold = hold;
	walk_start(w, NULL, NULL);
	while (!w->done)
		uv_run(loop_get(), UV_RUN_ONCE);
	return w->failed ? -1 : w->keys;
}

/* ---- du ---------------------------------------------------------------------- */

#define DU_MAX 4096

struct du {
	char *top[64]; /* top-level prefixes */
	long count[64];
	int64_t bytes[64];
	int ntop;
	int pending;		    /* walks in flight */
	struct walk *walks[DU_MAX]; /* every walk started, freed at the end */
	int nwalks;
	char *next[DU_MAX]; /* sub-prefixes found by discovery, with their top index */
	int next_top[DU_MAX];
	int nnext;
	bool failed;
};

/* Starts a walk of prefix credited to top (-1: nobody); discover: a
 * delimiter listing whose sub-prefixes land in d->next. */
static struct walk *du_walk(struct du *d, int top, const char *prefix, bool discover)
{
	if (d->nwalks == DU_MAX) {
		fprintf(stderr, "du: more than %d walks\n", DU_MAX);
		exit(1);
	}
	struct walk *w = xcalloc(1, sizeof *w);
	w->du = d;
	w->top = top;
	w->prefix = prefix ? xstrdup(prefix) : NULL;
	w->discover = discover;
	d->walks[d->nwalks++] = w;
	d->pending++;
	walk_start(w, prefix, discover ? "/" : NULL);
	return w;
}

/* A delimiter listing's page: its sub-prefixes are walked next. */
static void du_discovered(struct walk *w, const struct s3_list_page *pg)
{
	struct du *d = w->du;
	for (size_t i = 0; i < pg->nprefixes && d->nnext < DU_MAX; i++) {
		d->next[d->nnext] = xstrdup(pg->prefixes[i]);
		d->next_top[d->nnext++] = w->top;
	}
}

static void walk_end(struct walk *w)
{
	w->t_all = now_ms() - w->t0;
	w->done = true;
	struct du *d = w->du;
	if (!d)
		return;
	d->pending--;
	if (w->failed)
		d->failed = true;
	if (w->top >= 0) {
		d->count[w->top] += w->keys;
		d->bytes[w->top] += w->bytes;
	}
}

static void du_wait(struct du *d)
{
	while (d->pending > 0)
		uv_run(loop_get(), UV_RUN_ONCE);
}

static void du_reset(struct du *d)
{
	for (int i = 0; i < d->nwalks; i++) {
		free(d->walks[i]->prefix);
		free(d->walks[i]);
	}
	for (int i = 0; i < d->nnext; i++)
		free(d->next[i]);
	for (int i = 0; i < d->ntop; i++)
		free(d->top[i]);
	memset(d, 0, sizeof *d);
}

/* The top-level prefixes (a delimiter listing of the root); objects at the
 * root go to no prefix (top -1) and are left out. */
static int du_tops(struct du *d)
{
	du_walk(d, -1, NULL, true);
	du_wait(d);
	for (int i = 0; i < d->nnext && d->ntop < 64; i++) {
		d->top[d->ntop++] = d->next[i];
		d->next[i] = NULL;
	}
	d->nnext = 0;
	return d->failed ? -1 : 0;
}

enum du_plan { DU_SEQ, DU_CONC, DU_CONC2, DU_NPLANS };

/* One du of the bucket by plan, prefixes found first (a delimiter listing
 * of the root); fills d, returns the wall time in ms. */
static double du_run(struct du *d, enum du_plan plan)
{
	du_reset(d);
	double t0 = now_ms();
	if (du_tops(d) < 0)
		return 0;
	if (plan == DU_SEQ) {
		for (int i = 0; i < d->ntop; i++) {
			du_walk(d, i, d->top[i], false);
			du_wait(d);
		}
	} else if (plan == DU_CONC) {
		for (int i = 0; i < d->ntop; i++)
			du_walk(d, i, d->top[i], false);
		du_wait(d);
	} else {
		/* Second level: each top prefix listed with the delimiter at once
		 * (its direct objects counted there), then every sub-prefix
		 * walked at once. */
		for (int i = 0; i < d->ntop; i++)
			du_walk(d, i, d->top[i], true);
		du_wait(d);
		int n = d->nnext;
		for (int i = 0; i < n; i++)
			du_walk(d, d->next_top[i], d->next[i], false);
		du_wait(d);
	}
	return now_ms() - t0;
}

/* The seed's manifest (s3bench_seed.py): count and bytes of prefix, or of
 * the bucket when prefix is NULL; false when absent. */
static bool manifest_get(const char *prefix, long *count, int64_t *bytes)
{
	static json_t *m;
	const char *path = getenv("S3BENCH_MANIFEST");
	if (!m && path && *path)
		m = json_load_file(path, 0, NULL);
	json_t *o = prefix ? json_object_get(json_object_get(m, "prefixes"), prefix) : m;
	if (!json_is_object(o))
		return false;
	*count = (long)json_integer_value(json_object_get(o, "count"));
	*bytes = json_integer_value(json_object_get(o, "bytes"));
	return true;
}

static const char *manifest_says(const char *prefix, long count, int64_t bytes)
{
	long mc;
	int64_t mb;
	if (!manifest_get(prefix, &mc, &mb))
		return "";
	return mc == count && mb == bytes ? "  = the seed" : "  (the seed says otherwise!)";
}

static int mode_du(void)
{
	static const char *const names[] = {
	    [DU_SEQ] = "one walk per top prefix, in turn",
	    [DU_CONC] = "one walk per top prefix, at once",
	    [DU_CONC2] = "one walk per 2nd-level prefix, at once",
	};
	struct du d;
	memset(&d, 0, sizeof d);
	double t[DU_NPLANS];
	int walks[DU_NPLANS];
	long counts[DU_NPLANS][64];
	int64_t bytes[DU_NPLANS][64];
	char *tops[64];
	int ntop = 0;
	for (int p = 0; p < DU_NPLANS; p++) {
		t[p] = du_run(&d, (enum du_plan)p);
		if (d.failed)
			return 1;
		walks[p] = d.nwalks;
		if (p == 0) {
			ntop = d.ntop;
			for (int i = 0; i < ntop; i++)
				tops[i] = xstrdup(d.top[i]);
		}
		for (int i = 0; i < ntop; i++) {
			int j;
			for (j = 0; j < d.ntop; j++)
				if (!strcmp(d.top[j], tops[i]))
					break;
			counts[p][i] = j < d.ntop ? d.count[j] : -1;
			bytes[p][i] = j < d.ntop ? d.bytes[j] : -1;
		}
	}
	du_reset(&d);
	long total = 0;
	int64_t total_b = 0;
	printf("%-14s %9s %16s %10s\n", "prefix", "objects", "bytes", "size");
	for (int i = 0; i < ntop; i++) {
		char h[32];
		fmt_bytes(h, sizeof h, (uint64_t)bytes[0][i]);
		bool same = true;
		for (int p = 1; p < DU_NPLANS; p++)
			same = same && counts[p][i] == counts[0][i] && bytes[p][i] == bytes[0][i];
		printf("%-14s %9ld %16" PRId64 " %10s%s%s\n", tops[i], counts[0][i], bytes[0][i], h,
		       same ? "" : "  (plans disagree!)",
		       manifest_says(tops[i], counts[0][i], bytes[0][i]));
		total += counts[0][i];
		total_b += bytes[0][i];
		free(tops[i]);
	}
	char h[32];
	fmt_bytes(h, sizeof h, (uint64_t)total_b);
	printf("%-14s %9ld %16" PRId64 " %10s%s\n", "total", total, total_b, h,
	       manifest_says(NULL, total, total_b));
	for (int p = 0; p < DU_NPLANS; p++)
		printf("%-40s %7.0f ms  %4d listings  %5.2fx in turn\n", names[p], t[p], walks[p],
		       t[p] / t[0]);
	return 0;
}

/* ---- list: wall time against the floor -------------------------------------- */

/* Rounds alternate who fetches each page first (the console, or the floor
 * one page ahead); the figures are the sums over all rounds. */
static int mode_list(int rounds, const char *capture_dir)
{
	double sum_o = 0, sum_f = 0;
	long no = 0, nf = 0;
	int64_t bytes = 0;
	printf("%-36s %8s %10s\n", "all keys, pages of 1000", "keys", "wall (ms)");
	for (int r = 0; r < rounds; r++) {
		struct pair p = {0};
		floor_init(&p.f, FLOOR_COUNT, r == 0 ? capture_dir : NULL);
		bool floor_first = r % 2;
		if (floor_first)
			pair_floor_page(&p);
		struct walk w;
		memset(&w, 0, sizeof w);
		w.hold = true;
		w.pair = &p;
		p.t_resume = now_ms();
		walk_start(&w, NULL, NULL);
		while (!w.done)
			uv_run(loop_get(), UV_RUN_ONCE);
		while (!p.f.done && !p.failed) /* pages the console did not have */
			pair_floor_page(&p);
		no = w.keys;
		nf = p.f.keys;
		bytes = w.bytes;
		walk_rows_free(&w);
		floor_free(&p.f);
		if (w.failed || p.failed)
			return 1;
		printf("  round %d (%s first): console %.0f ms, floor %.0f ms, %.2fx\n", r + 1,
		       floor_first ? "floor" : "console", p.t_ours, p.t_floor,
		       p.t_ours / p.t_floor);
		sum_o += p.t_ours;
		sum_f += p.t_floor;
	}
	printf("%-36s %8ld %10.0f%s\n", "console (s3c_list, rows held)", no, sum_o / rounds,
	       manifest_says(NULL, no, bytes));
	printf("%-36s %8ld %10.0f\n", "floor (libcurl, keep-alive, count)", nf, sum_f / rounds);
	printf("ratio console/floor: %.2fx (target <= 1.1x); the floor's pages %.1f ms each%s\n",
	       sum_o / sum_f, sum_f / rounds / ((nf + PAGE_KEYS - 1) / PAGE_KEYS),
	       no == nf ? "" : "  (counts differ!)");
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The median of v[0..n) (sorts v). */
static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#define CPU_MAX_ROUNDS 64

/* ---- page: the floor of a listing's first page ------------------------------ */

/* The first page of PREFIX as the console's listing view asks for it
 * (delimiter "/", 1000 keys, encoding-type url), fetched and parsed with
 * expat by libcurl on a fresh connection, ROUNDS times: what the server
 * and the least client need, for tests/bench/s3.sh to set beside the
 * console's "first page on screen". Prints each time and the median. */
static int mode_page(const char *prefix, int rounds)
{
	double t[CPU_MAX_ROUNDS];
	rounds = MLC_MIN(rounds, CPU_MAX_ROUNDS);
	printf("floor first page of %s:", prefix);
	for (int r = 0; r < rounds; r++) {
		struct floor f;
		floor_init(&f, FLOOR_EXPAT, NULL);
		f.prefix = prefix;
		f.delimiter = "/";
		double t0 = now_ms();
		int rc = floor_step(&f);
		t[r] = now_ms() - t0;
		floor_free(&f);
		if (rc < 0)
			return 1;
		printf(" %.1f", t[r]);
	}
	printf(" ms; median %.1f ms\n", median(t, rounds));
	return 0;
}

/* ---- cpu: client cost with the server's removed ----------------------------- */

struct cpu_result {
	double user, sys, wall;
	long hwm_kb, hwm0_kb;
	long keys;
	size_t row_strings, rows, chunks; /* the rows' string arena */
	int ok;
};

enum cpu_who { CPU_OURS, CPU_FLOOR, CPU_FLOOR_EXPAT };

static void cpu_child(enum cpu_who who, struct cpu_result *res)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	(void)loop_get();
	res->hwm0_kb = hwm_kb();
	double u0, s0, u1, s1;
	double t0 = now_ms();
	cpu_now(&u0, &s0);
	struct walk w;
	memset(&w, 0, sizeof w);
	if (who == CPU_OURS)
		res->keys = ours_walk(&w, true);
	else
		res->keys = floor_walk(who == CPU_FLOOR ? FLOOR_COUNT : FLOOR_EXPAT, NULL);
	cpu_now(&u1, &s1);
	res->wall = now_ms() - t0;
	res->hwm_kb = hwm_kb(); /* every row still held */
	res->user = u1 - u0;
	res->sys = s1 - s0;
	res->rows = w.n;
	res->row_strings = w.strings.bytes;
	res->chunks = w.strings.nchunks;
	res->ok = res->keys >= 0;
}

static int run_child(enum cpu_who who, struct cpu_result *res)
{
	int fd[2];
	if (pipe(fd) < 0)
		return -1;
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(fd[0]);
		struct cpu_result r;
		memset(&r, 0, sizeof r);
		cpu_child(who, &r);
		ssize_t wr = write(fd[1], &r, sizeof r);
		_exit(wr == (ssize_t)sizeof r ? 0 : 1);
	}
	close(fd[1]);
	memset(res, 0, sizeof *res);
	ssize_t rd = read(fd[0], res, sizeof *res);
	close(fd[0]);
	int st;
	waitpid(pid, &st, 0);
	return rd == (ssize_t)sizeof *res && res->ok ? 0 : -1;
}

/* Rounds interleave the three clients (console, floor, floor with expat),
 * so that a burst of load on this shared machine hits all three alike; the
 * ratio is taken within each round and its median printed, beside each
 * client's median and best CPU. */
static int mode_cpu(int rounds)
{
	static const char *const names[] = {
	    [CPU_OURS] = "console (s3c_list, rows held)",
	    [CPU_FLOOR] = "floor: libcurl, count",
	    [CPU_FLOOR_EXPAT] = "floor: libcurl + expat parse",
	};
	struct cpu_result best[3], last[3];
	double cpu[3][CPU_MAX_ROUNDS], ratio[CPU_MAX_ROUNDS];
	rounds = MLC_MIN(rounds, CPU_MAX_ROUNDS);
	for (int who = 0; who < 3; who++)
		best[who].user = 1e18;
	for (int r = 0; r < rounds; r++) {
		for (int who = 0; who < 3; who++) {
			if (run_child((enum cpu_who)who, &last[who]) < 0) {
				fprintf(stderr, "cpu: %s failed\n", names[who]);
				return 1;
			}
			cpu[who][r] = last[who].user + last[who].sys;
			if (cpu[who][r] < best[who].user + best[who].sys)
				best[who] = last[who];
		}
		ratio[r] = cpu[CPU_OURS][r] / cpu[CPU_FLOOR_EXPAT][r];
	}
	printf("%-36s %8s %8s %8s %7s %7s %9s %12s\n", "client, all keys", "keys", "CPU med",
	       "CPU best", "user", "sys", "wall (ms)", "peak RSS");
	double med[3];
	for (int who = 0; who < 3; who++) {
		struct cpu_result *b = &best[who];
		med[who] = median(cpu[who], rounds);
		printf("%-36s %8ld %8.3f %8.3f %7.3f %7.3f %9.0f %9.1f MB\n", names[who], b->keys,
		       med[who], b->user + b->sys, b->user, b->sys, b->wall, b->hwm_kb / 1024.0);
	}
	struct cpu_result *o = &best[CPU_OURS];
	printf("console: %.3f s of CPU (median of %d), %.2fx the floor without a parse\n",
	       med[CPU_OURS], rounds, med[CPU_OURS] / med[CPU_FLOOR]);
	printf("ratio console/parse floor: %.2fx (median of %d rounds, each paired; target <= "
	       "1.2x)\n",
	       median(ratio, rounds), rounds);
	printf("console: peak RSS %.1f MB with %zu rows held (target <= 30 MB); %.1f MB before the "
	       "walk, rows %zu B each (%zu B of it strings, in %zu chunks)\n",
	       o->hwm_kb / 1024.0, o->rows, o->hwm0_kb / 1024.0,
	       o->rows ? (size_t)(o->hwm_kb - o->hwm0_kb) * 1024 / o->rows : 0,
	       o->rows ? o->row_strings / o->rows : 0, o->chunks);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(
		    stderr,
		    "usage: %s list URL BUCKET [ROUNDS [DIR]] | cpu URL BUCKET [ROUNDS] | page URL "
		    "BUCKET ROUNDS PREFIX | walk URL BUCKET [ROUNDS] | du URL BUCKET\n",
		    argv[0]);
		return 2;
	}
	const char *mode = argv[1];
	tgt = (struct target){
	    .name = "bench",
	    .kind = TK_S3,
	    .url = argv[2],
	    .access_key = (char *)env_or("AWS_ACCESS_KEY_ID", "S3RVER"),
	    .secret_key = (char *)env_or("AWS_SECRET_ACCESS_KEY", "S3RVER"),
	    .region = (char *)env_or("AWS_REGION", "us-east-1"),
	    .timeout_ms = 600000,
	};
	bucket = argv[3];
	int rounds = argc > 4 ? atoi(argv[4]) : 1;
	if (rounds < 1)
		rounds = 1;
	int rc;
	if (!strcmp(mode, "cpu"))
		return mode_cpu(rounds); /* children do their own setup */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (!strcmp(mode, "list")) {
		rc = mode_list(rounds, argc > 5 ? argv[5] : NULL);
	} else if (!strcmp(mode, "du")) {
		rc = mode_du();
	} else if (!strcmp(mode, "page")) {
		rc = argc > 5 ? mode_page(argv[5], rounds) : 2;
	} else if (!strcmp(mode, "walk")) {
		/* ROUNDS console walks, rows held, in this process: for perf */
		struct walk w = {0};
		rc = 0;
		for (int r = 0; r < rounds && rc == 0; r++) {
			if (getenv("BENCH_S3_WALK_FLOOR"))
				rc = floor_walk(FLOOR_EXPAT, NULL) < 0;
			else
				rc = ours_walk(&w, true) < 0;
			walk_rows_free(&w);
		}
	} else {
		fprintf(stderr, "%s: unknown mode %s\n", argv[0], mode);
		rc = 2;
	}
	http_shutdown();
	loop_shutdown();
	curl_global_cleanup();
	return rc;
}
