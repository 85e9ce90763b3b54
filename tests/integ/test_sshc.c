/* tests/integ/test_sshc.c — sshc against the real OpenSSH server of the local
 * stack (SSH_HEAD_PORT, DIR/ssh/id_ed25519, DIR/ssh/known_hosts): exec,
 * host key policy, auth failures, connect failures and deadlines, parallel
 * channels, caps, cancellation, and loop_busy() back to 0 after each case.
 * Tests wait on events (a callback, a file the remote side writes, the
 * session going down), never for a fixed time; "nothing happened" is
 * asserted after a later event on the same session or loop. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "lib/core/log.h"
#include "lib/core/loop.h"
#include "lib/ssh/sshc.h"
#include "lib/core/util.h"
#include "stackenv.h"

/* ---- fixtures ---- */

static char tmpdir[64];

static void setup(void)
{
	strcpy(tmpdir, "/tmp/test_sshc.XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void settle(void)
{
	for (int i = 0; i < 4; i++)
		uv_run(loop_get(), UV_RUN_NOWAIT);
}

static void teardown_all(void)
{
	settle();
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
	free(cmd);
	loop_shutdown();
}

#define SSHC_TEST(name) Test(sshc, name, .init = setup, .fini = teardown_all)

static char *tpath(const char *name)
{
	return xasprintf("%s/%s", tmpdir, name);
}

static const char *host(void)
{
	const char *h = stackenv("SSH_HOST");
	return h && *h ? h : "127.0.0.1";
}

static int port(void)
{
	const char *p = stackenv("SSH_HEAD_PORT");
	cr_assert_not_null(p, "SSH_HEAD_PORT missing from %s/env", stackenv_dir());
	return atoi(p);
}

static char key_path[512], kh_path[512];

static struct sshc_opts base_opts(void)
{
	const char *id = stackenv("SSH_IDENTITY"), *kh = stackenv("SSH_KNOWN_HOSTS");
	if (id && *id)
		snprintf(key_path, sizeof key_path, "%s", id);
	else
		snprintf(key_path, sizeof key_path, "%s/ssh/id_ed25519", stackenv_dir());
	if (kh && *kh)
		snprintf(kh_path, sizeof kh_path, "%s", kh);
	else
		snprintf(kh_path, sizeof kh_path, "%s/ssh/known_hosts", stackenv_dir());
	struct sshc_opts o = {
	    .host = host(),
	    .port = port(),
	    .user = stackenv("SSH_USER"),
	    .identity = key_path,
	    .known_hosts = kh_path,
	    .no_agent = true,
	    .connect_timeout_ms = 5000,
	};
	return o;
}

/* "[127.0.0.1]:2222", or the bare host for port 22 */
static char *kh_name(void)
{
	return port() == 22 ? xstrdup(host()) : xasprintf("[%s]:%d", host(), port());
}

static char *write_file(const char *name, const char *text, mode_t mode)
{
	char *path = tpath(name);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	cr_assert_eq(chmod(path, mode), 0);
	return path;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "%s", path);
	struct buf b;
	buf_init(&b);
	char tmp[4096];
	size_t n;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_append(&b, tmp, n);
	fclose(f);
	buf_append(&b, "", 0);
	return b.data ? buf_steal(&b) : xstrdup("");
}

static size_t count_lines(const char *text)
{
	size_t n = 0;
	for (; *text; text++)
		n += *text == '\n';
	return n;
}

/* First "SHA256:..." ssh-keygen prints for our host in known_hosts. */
static void expected_fp(char *out, size_t n)
{
	char *name = kh_name();
	base_opts(); /* fills kh_path */
	char *cmd = xasprintf("ssh-keygen -l -F '%s' -f '%s' | grep -o 'SHA256:[^ ]*' | head -1",
			      name, kh_path);
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p);
	cr_assert_not_null(fgets(out, (int)n, p), "%s", cmd);
	pclose(p);
	str_trim(out);
	free(cmd);
	free(name);
}

/* Generates a key pair in tmpdir; returns "type base64" of the public key. */
static char *gen_key(const char *type, const char *name)
{
	char *path = tpath(name);
	char *cmd = xasprintf("ssh-keygen -q -t %s -N '' -C test -f '%s' </dev/null", type, path);
	cr_assert_eq(system(cmd), 0);
	free(cmd);
	char *pub = xasprintf("%s.pub", path);
	char *text = slurp(pub);
	char *sp = strchr(text, ' ');
	cr_assert_not_null(sp);
	char *sp2 = strchr(sp + 1, ' ');
	if (sp2)
		*sp2 = '\0';
	free(pub);
	free(path);
	return text;
}

/* ---- waiting on callbacks ---- */

struct conn_wait {
	volatile bool done;
	int calls;
	bool ok;
	struct mlc_err err;
	int64_t t_done;
};

static void on_conn(struct sshc_session *s, const struct mlc_err *err, void *arg)
{
	struct conn_wait *w = arg;
	(void)s;
	w->calls++;
	w->done = true;
	w->t_done = mono_ms();
	w->ok = err == NULL;
	if (err)
		w->err = *err;
	else
		mlc_err_clear(&w->err);
}

static struct sshc_session *connect_wait(const struct sshc_opts *o, struct conn_wait *w)
{
	memset(w, 0, sizeof *w);
	struct sshc_session *s = sshc_connect(o, on_conn, w);
	cr_assert_not_null(s);
	cr_assert_eq(w->calls, 0, "callback must not run inside sshc_connect");
	cr_assert(stackenv_run_until(&w->done, 15000), "connect never called back");
	return s;
}

struct exec_wait {
	volatile bool done;
	int calls;
	bool has_r, has_err;
	struct mlc_err err;
	int status;
	char sig[32];
	char *out, *errs;
	size_t out_len, err_len;
	bool truncated;
	int64_t t_done;
	struct sshc_phases ph;
};

static void on_exec(const struct sshc_result *r, const struct mlc_err *err, void *arg)
{
	struct exec_wait *w = arg;
	w->calls++;
	w->done = true;
	w->t_done = mono_ms();
	w->has_err = err != NULL;
	if (err)
		w->err = *err;
	w->has_r = r != NULL;
	if (r) {
		w->status = r->exit_status;
		strlcpy_m(w->sig, r->exit_signal, sizeof w->sig);
		w->out = xstrndup(r->out, r->out_len);
		w->errs = xstrndup(r->err, r->err_len);
		w->out_len = r->out_len;
		w->err_len = r->err_len;
		w->truncated = r->truncated;
		w->ph = r->phases;
		cr_assert_eq(r->out[r->out_len], '\0');
		cr_assert_eq(r->err[r->err_len], '\0');
	}
}

static void exec_free(struct exec_wait *w)
{
	free(w->out);
	free(w->errs);
	w->out = w->errs = NULL;
}

static void exec_start(struct sshc_session *s, const char *cmd, size_t max, long timeout,
		       struct exec_wait *w)
{
	memset(w, 0, sizeof *w);
	/* 0: a generous limit, the remote shell's rc files are slow under load */
	sshc_exec(s, cmd, max, timeout ? timeout : 90000, on_exec, w);
	cr_assert_eq(w->calls, 0, "callback must not run inside sshc_exec");
}

static void exec_wait(struct sshc_session *s, const char *cmd, size_t max, long timeout,
		      struct exec_wait *w)
{
	exec_start(s, cmd, max, timeout, w);
	cr_assert(stackenv_run_until(&w->done, 120000), "exec never called back: %s", cmd);
}

static struct sshc_session *up_session(void)
{
	struct sshc_opts o = base_opts();
	struct conn_wait w;
	struct sshc_session *s = connect_wait(&o, &w);
	cr_assert(w.ok, "connect failed: %s", w.err.msg);
	cr_assert(sshc_is_up(s));
	return s;
}

static void close_and_check(struct sshc_session *s)
{
	sshc_close(s);
	settle();
	cr_assert_eq(loop_busy(), 0, "loop_busy() = %d after close", loop_busy());
}

/* ---- waiting on events ---- */

static bool nothing_in_flight(const void *arg)
{
	(void)arg;
	return loop_busy() == 0;
}

static bool session_down(const void *s)
{
	return !sshc_is_up(s);
}

static bool file_exists(const void *path)
{
	return access(path, F_OK) == 0;
}

static void dir_changed(uv_fs_event_t *h, const char *name, int events, int status)
{
	(void)h;
	(void)name;
	(void)events;
	(void)status; /* waking the loop is all: the predicate looks */
}

/* Waits until the remote side has created tmpdir/name (an inotify watch on
 * tmpdir wakes the loop). */
static void wait_file(const char *name)
{
	char *path = tpath(name);
	uv_fs_event_t ev;
	uv_fs_event_init(loop_get(), &ev);
	cr_assert_eq(uv_fs_event_start(&ev, dir_changed, tmpdir, 0), 0);
	bool seen = stackenv_run_until_true(file_exists, path, 90000);
	uv_close((uv_handle_t *)&ev, NULL);
	uv_run(loop_get(), UV_RUN_NOWAIT);
	cr_assert(seen, "%s never appeared", path);
	free(path);
}

/* Has the remote side create tmpdir/name after secs seconds, in the
 * background: the exec returns at once and the session is idle until then;
 * wait_file(name) then waits on the remote side's clock, not the loop's. */
static void remote_touch_later(struct sshc_session *s, double secs, const char *name)
{
	cr_assert_eq(chmod(tmpdir, 0777), 0);
	char *cmd = xasprintf("(sleep %.1f; touch '%s/%s') </dev/null >/dev/null 2>&1 &", secs,
			      tmpdir, name);
	struct exec_wait w;
	exec_wait(s, cmd, 0, 0, &w);
	cr_assert(w.has_r && !w.has_err, "%s", w.err.msg);
	exec_free(&w);
	free(cmd);
}

/* The later marker: a whole connect and exec on a fresh session, many
 * loop turns after whatever must not have happened. */
static void marker_session(void)
{
	struct sshc_session *m = up_session();
	struct exec_wait w;
	exec_wait(m, "echo marker", 0, 0, &w);
	cr_assert_str_eq(w.out, "marker\n");
	exec_free(&w);
	close_and_check(m);
}

/* A listening socket on 127.0.0.1 that nobody ever accepts from. */
static int listen_blackhole(int *portp)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	cr_assert_eq(listen(fd, 0), 0);
	socklen_t len = sizeof a;
	getsockname(fd, (struct sockaddr *)&a, &len);
	*portp = ntohs(a.sin_port);
	return fd;
}

static int closed_port(void)
{
	int p;
	int fd = listen_blackhole(&p);
	close(fd);
	return p;
}

/* ---- cases ---- */

SSHC_TEST(connect_exec)
{
	struct sshc_session *s = up_session();
	cr_assert(str_starts(sshc_banner(s), "SSH-2.0-OpenSSH"), "banner %s", sshc_banner(s));
	char fp[128];
	expected_fp(fp, sizeof fp);
	cr_assert_str_eq(sshc_fingerprint(s), fp);

	struct exec_wait w;
	exec_wait(s, "echo hi; echo err >&2; exit 3", 0, 0, &w);
	cr_assert(w.has_r && !w.has_err, "%s", w.err.msg);
	cr_assert_str_eq(w.out, "hi\n");
	cr_assert_str_eq(w.errs, "err\n");
	cr_assert_eq(w.status, 3);
	cr_assert_str_eq(w.sig, "");
	cr_assert(!w.truncated);
	cr_assert_eq(w.calls, 1);
	exec_free(&w);

	/* quoting survives the remote shell */
	struct buf cmd;
	buf_init(&cmd);
	buf_puts(&cmd, "printf %s ");
	cr_assert_eq(sshc_quote_arg(&cmd, "it's $HOME `id` !x"), 0);
	exec_wait(s, cmd.data, 0, 0, &w);
	cr_assert_str_eq(w.out, "it's $HOME `id` !x");
	buf_free(&cmd);
	exec_free(&w);

	/* a session is reusable, sequentially too */
	exec_wait(s, "true", 0, 0, &w);
	cr_assert_eq(w.status, 0);
	cr_assert_eq(w.out_len, 0);
	exec_free(&w);
	cr_assert_eq(loop_busy(), 0);
	close_and_check(s);
}

/* The last log entry that holds text, or NULL. */
static const char *log_find(const char *text)
{
	for (int i = log_count() - 1; i >= 0; i--)
		if (strstr(log_get(i)->text, text))
			return log_get(i)->text;
	return NULL;
}

SSHC_TEST(exec_phases_and_trace)
{
	log_open("", 64);
	struct sshc_session *s = up_session();
	sshc_set_trace(true);
	struct exec_wait w;
	int64_t t0 = mono_ms();
	exec_wait(s, "echo hi", 0, 0, &w);
	int64_t took_us = (mono_ms() - t0 + 1) * 1000;
	cr_assert_eq(w.status, 0);
	const struct sshc_phases *p = &w.ph;
	cr_assert_gt(p->open_us, 0);
	cr_assert_geq(p->exec_sent_us, p->open_us);
	cr_assert_geq(p->exec_ok_us, p->exec_sent_us);
	cr_assert_geq(p->first_us, p->exec_ok_us);
	cr_assert_geq(p->eof_us, p->first_us);
	cr_assert_geq(p->close_us, p->eof_us);
	cr_assert_leq(p->close_us, took_us, "closed at %lld us, the exec took %lld us",
		      (long long)p->close_us, (long long)took_us);
	const char *line = log_find("exec \"echo hi\" (exit 0) open ");
	cr_assert_not_null(line, "no trace line in the log");
	cr_assert(strstr(line, " first-byte ") && strstr(line, " closed "), "%s", line);
	exec_free(&w);

	/* a command without output: no first byte, EOF all the same */
	exec_wait(s, "true", 0, 0, &w);
	cr_assert_eq(w.ph.first_us, 0);
	cr_assert_gt(w.ph.eof_us, 0);
	cr_assert_geq(w.ph.close_us, w.ph.eof_us);
	exec_free(&w);

	/* tracing off: the phases still come back, the log stays quiet */
	sshc_set_trace(false);
	exec_wait(s, "echo quiet", 0, 0, &w);
	cr_assert_gt(w.ph.close_us, 0);
	cr_assert_null(log_find("exec \"echo quiet\""));
	exec_free(&w);
	close_and_check(s);
	log_close();
}

SSHC_TEST(latency)
{
	/* connect + one exec on loopback, a few rounds: report the best and mean */
	long best = 1L << 30, sum = 0;
	const int rounds = 5;
	for (int i = 0; i < rounds; i++) {
		int64_t t0 = mono_ms();
		struct sshc_session *s = up_session();
		int64_t t1 = mono_ms();
		struct exec_wait w;
		exec_wait(s, "true", 0, 0, &w);
		int64_t t2 = mono_ms();
		cr_assert_eq(w.status, 0);
		exec_free(&w);
		close_and_check(s);
		long ms = (long)(t2 - t0);
		sum += ms;
		best = MLC_MIN(best, ms);
		fprintf(stderr, "sshc latency: connect %ld ms + exec %ld ms = %ld ms\n",
			(long)(t1 - t0), (long)(t2 - t1), ms);
	}
	fprintf(stderr, "sshc latency: best %ld ms, mean %ld ms over %d rounds\n", best,
		sum / rounds, rounds);
	cr_assert_lt(best, 10000); /* a measurement; the remote shell dominates */
}

SSHC_TEST(unknown_host_refused)
{
	char *kh = write_file("known_hosts", "", 0600);
	struct sshc_opts o = base_opts();
	o.known_hosts = kh;
	struct conn_wait w;
	struct sshc_session *s = connect_wait(&o, &w);
	cr_assert(!w.ok);
	cr_assert_eq(w.err.code, MLC_ERR_HOSTKEY_UNKNOWN, "%s", w.err.msg);
	char fp[128];
	expected_fp(fp, sizeof fp);
	cr_assert(strstr(w.err.msg, fp), "msg %s lacks %s", w.err.msg, fp);
	cr_assert(!sshc_is_up(s));
	char *body = slurp(kh);
	cr_assert_str_eq(body, "", "file must stay untouched");
	free(body);
	close_and_check(s);

	/* a missing file is an empty one, and is not created either */
	char *missing = tpath("nope/known_hosts");
	o.known_hosts = missing;
	s = connect_wait(&o, &w);
	cr_assert_eq(w.err.code, MLC_ERR_HOSTKEY_UNKNOWN, "%s", w.err.msg);
	cr_assert_neq(access(missing, F_OK), 0);
	close_and_check(s);
	free(missing);
	free(kh);
}

SSHC_TEST(accept_new_adds_one_line)
{
	char *kh = write_file("known_hosts", "", 0644);
	struct sshc_opts o = base_opts();
	o.known_hosts = kh;
	o.accept_new = true;
	struct conn_wait w;
	struct sshc_session *s = connect_wait(&o, &w);
	cr_assert(w.ok, "%s", w.err.msg);
	char *body = slurp(kh);
	cr_assert_eq(count_lines(body), 1, "%s", body);
	char *name = kh_name();
	char *prefix = xasprintf("%s ssh-ed25519 AAAA", name);
	cr_assert(str_starts(body, prefix), "line %s", body);
	free(prefix);
	free(name);
	struct stat st;
	cr_assert_eq(stat(kh, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0644, "mode kept");
	close_and_check(s);

	/* the second connect matches the line and adds nothing */
	o.accept_new = false;
	s = connect_wait(&o, &w);
	cr_assert(w.ok, "%s", w.err.msg);
	char *again = slurp(kh);
	cr_assert_str_eq(again, body);
	free(again);
	free(body);
	close_and_check(s);
	free(kh);
}

SSHC_TEST(changed_key_refused)
{
	char *other = gen_key("ed25519", "fake_hk");
	char *name = kh_name();
	char *text = xasprintf("%s %s\n", name, other);
	char *kh = write_file("known_hosts", text, 0600);
	struct sshc_opts o = base_opts();
	o.known_hosts = kh;
	o.accept_new = true; /* never permits a changed key */
	struct conn_wait w;
	struct sshc_session *s = connect_wait(&o, &w);
	cr_assert(!w.ok);
	cr_assert_eq(w.err.code, MLC_ERR_HOSTKEY_CHANGED, "%s", w.err.msg);
	char fp[128];
	expected_fp(fp, sizeof fp);
	cr_assert(strstr(w.err.msg, fp), "msg %s lacks %s", w.err.msg, fp);
	char *body = slurp(kh);
	cr_assert_str_eq(body, text, "file must stay untouched");
	free(body);
	close_and_check(s);
	free(kh);
	free(text);
	free(name);
	free(other);
}

SSHC_TEST(only_ecdsa_stored_refused_as_changed)
{
	char *other = gen_key("ecdsa", "fake_ec");
	char *name = kh_name();
	char *text = xasprintf("%s %s\n", name, other);
	char *kh = write_file("known_hosts", text, 0600);
	struct sshc_opts o = base_opts();
	o.known_hosts = kh;
	o.accept_new = true;
	struct conn_wait w;
	struct sshc_session *s = connect_wait(&o, &w);
	cr_assert(!w.ok);
	cr_assert_eq(w.err.code, MLC_ERR_HOSTKEY_CHANGED, "%s", w.err.msg);
	cr_assert(strstr(w.err.msg, "SHA256:"), "%s", w.err.msg);
	char *body = slurp(kh);
	cr_assert_str_eq(body, text, "file must stay untouched");
	free(body);
	close_and_check(s);
	free(kh);
	free(text);
	free(name);
	free(other);
}

SSHC_TEST(revoked_key_refused)
{
	/* the real key, marked @revoked, next to a plain line with the same key */
	char *name = kh_name();
	base_opts(); /* fills kh_path */
	char *cmd = xasprintf("ssh-keygen -F '%s' -f '%s' | grep -v '^#' | grep ssh-ed25519 | "
			      "head -1 | cut -d' ' -f2-",
			      name, kh_path);
	FILE *p = popen(cmd, "r");
	char key[1024] = "";
	cr_assert_not_null(fgets(key, sizeof key, p));
	pclose(p);
	str_trim(key);
	char *text = xasprintf("%s %s\n@revoked * %s\n", name, key, key);
	char *kh = write_file("known_hosts", text, 0600);
	struct sshc_opts o = base_opts();
	o.known_hosts = kh;
	struct conn_wait w;
	struct sshc_session *s = connect_wait(&o, &w);
	cr_assert_eq(w.err.code, MLC_ERR_HOSTKEY_CHANGED, "%s", w.err.msg);
	cr_assert(strstr(w.err.msg, "REVOKED"), "%s", w.err.msg);
	close_and_check(s);
	free(kh);
	free(text);
	free(cmd);
	free(name);
}

SSHC_TEST(unsafe_known_hosts_refused)
{
	struct sshc_opts o = base_opts();
	char *body = slurp(kh_path);
	char *kh = write_file("known_hosts", body, 0664);
	o.known_hosts = kh;
	struct conn_wait w;
	struct sshc_session *s = connect_wait(&o, &w);
	cr_assert(!w.ok);
	cr_assert_eq(w.err.code, MLC_ERR_CONFIG, "%s", w.err.msg);
	cr_assert(strstr(w.err.msg, "writable"), "%s", w.err.msg);
	close_and_check(s);
	free(kh);
	free(body);
}

SSHC_TEST(wrong_key_auth_fails)
{
	free(gen_key("ed25519", "id_wrong"));
	char *wrong = tpath("id_wrong");
	struct sshc_opts o = base_opts();
	o.identity = wrong;
	struct conn_wait w;
	struct sshc_session *s = connect_wait(&o, &w);
	cr_assert(!w.ok);
	cr_assert_eq(w.err.code, MLC_ERR_AUTH, "%s", w.err.msg);
	cr_assert(strstr(w.err.msg, "id_wrong"), "%s", w.err.msg);
	cr_assert(strstr(w.err.msg, "user "), "%s", w.err.msg);
	close_and_check(s);
	free(wrong);

	/* the right key, but readable by others: skipped like ssh does */
	char *loose = tpath("id_loose");
	char *cmd = xasprintf("cp '%s' '%s' && chmod 644 '%s'", key_path, loose, loose);
	cr_assert_eq(system(cmd), 0);
	o.identity = loose;
	s = connect_wait(&o, &w);
	cr_assert_eq(w.err.code, MLC_ERR_AUTH, "%s", w.err.msg);
	cr_assert(strstr(w.err.msg, "too open"), "%s", w.err.msg);
	close_and_check(s);
	free(cmd);
	free(loose);

	/* a missing key file */
	o.identity = "/nonexistent/id_ed25519";
	s = connect_wait(&o, &w);
	cr_assert_eq(w.err.code, MLC_ERR_AUTH, "%s", w.err.msg);
	close_and_check(s);
}

SSHC_TEST(connection_refused)
{
	struct sshc_opts o = base_opts();
	o.port = closed_port();
	struct conn_wait w;
	struct sshc_session *s = connect_wait(&o, &w);
	cr_assert(!w.ok);
	cr_assert_eq(w.err.code, MLC_ERR_CONNECT, "%s", w.err.msg);
	cr_assert(strstr(w.err.msg, "refused"), "%s", w.err.msg);
	close_and_check(s);
}

SSHC_TEST(blackhole_times_out)
{
	int bport;
	int fd = listen_blackhole(&bport);
	struct sshc_opts o = base_opts();
	o.port = bport;
	o.connect_timeout_ms = 700;
	struct conn_wait w;
	struct sshc_session *s = connect_wait(&o, &w);
	cr_assert(!w.ok);
	cr_assert_eq(w.err.code, MLC_ERR_TIMEOUT, "%s", w.err.msg);
	cr_assert(strstr(w.err.msg, "timed out after 700 ms"), "%s", w.err.msg);
	close_and_check(s);
	close(fd);
}

SSHC_TEST(bad_host)
{
	struct sshc_opts o = base_opts();
	/* A 70-byte label: glibc refuses it before asking any DNS server, so the
	 * test sends nothing off the machine (.invalid alone would be queried). */
	o.host = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.invalid";
	o.connect_timeout_ms = 3000;
	struct conn_wait w;
	struct sshc_session *s = connect_wait(&o, &w);
	/* offline, the resolver may not answer before our deadline: the same
	 * failure, reported as a timeout while resolving */
	if (w.err.code == MLC_ERR_TIMEOUT) {
		cr_assert(strstr(w.err.msg, "resolving"), "%s", w.err.msg);
		sshc_close(s);
		/* a running getaddrinfo cannot be cancelled: wait for its end */
		cr_assert(stackenv_run_until_true(nothing_in_flight, NULL, 60000));
	} else {
		cr_assert_eq(w.err.code, MLC_ERR_DNS, "%s", w.err.msg);
		cr_assert(strstr(w.err.msg, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
					    "xxxxxxxxxxxxxxxx.invalid"),
			  "%s", w.err.msg);
		close_and_check(s);
	}
	o.host = "";
	s = connect_wait(&o, &w);
	cr_assert_eq(w.err.code, MLC_ERR_USAGE, "%s", w.err.msg);
	close_and_check(s);
}

SSHC_TEST(parallel_execs)
{
	/* A slow command must not hold up quick ones started after it on the
	 * same session: they finish first, each with its own output. (Ordering,
	 * not wall time: the remote shell's start-up cost varies a lot.) */
	struct sshc_session *s = up_session();
	enum { N = 4 };
	struct exec_wait w[N];
	/* the slow one waits for a file we create once the quick ones are done */
	cr_assert_eq(chmod(tmpdir, 0755), 0);
	char *go = tpath("go");
	char *slow = xasprintf("i=0; while [ ! -e '%s' ] && [ $i -lt 1200 ]; do sleep 0.1; "
			       "i=$((i+1)); done; echo slow; echo eslow >&2",
			       go);
	exec_start(s, slow, 0, 180000, &w[0]);
	for (int i = 1; i < N; i++) {
		char cmd[64];
		snprintf(cmd, sizeof cmd, "echo %d; echo e%d >&2; exit %d", i, i, i);
		exec_start(s, cmd, 0, 0, &w[i]);
	}
	cr_assert_eq(loop_busy(), N);
	for (int i = 1; i < N; i++)
		cr_assert(stackenv_run_until(&w[i].done, 90000));
	cr_assert(!w[0].done, "the quick ones waited for the slow one");
	cr_assert_eq(loop_busy(), 1);
	free(write_file("go", "", 0644));
	cr_assert(stackenv_run_until(&w[0].done, 90000));
	free(go);
	free(slow);
	cr_assert_str_eq(w[0].out, "slow\n");
	cr_assert_str_eq(w[0].errs, "eslow\n");
	cr_assert_eq(w[0].status, 0);
	exec_free(&w[0]);
	for (int i = 1; i < N; i++) {
		char want[24];
		snprintf(want, sizeof want, "%d\n", i);
		cr_assert_str_eq(w[i].out, want);
		snprintf(want, sizeof want, "e%d\n", i);
		cr_assert_str_eq(w[i].errs, want);
		cr_assert_eq(w[i].status, i);
		cr_assert_eq(w[i].calls, 1);
		exec_free(&w[i]);
	}
	close_and_check(s);
}

SSHC_TEST(big_output_both_streams)
{
	/* 2 MB on each stream at once: neither may stall the other (windows) */
	struct sshc_session *s = up_session();
	struct exec_wait w;
	exec_wait(s,
		  "head -c 2000000 /dev/zero | tr '\\0' e >&2 & head -c 2000000 /dev/zero | "
		  "tr '\\0' o; wait",
		  4 << 20, 20000, &w);
	cr_assert(w.has_r && !w.has_err, "%s", w.err.msg);
	cr_assert_eq(w.out_len, 2000000);
	cr_assert_eq(w.err_len, 2000000);
	cr_assert(!w.truncated);
	cr_assert_eq(w.status, 0);
	cr_assert_eq(strspn(w.out, "o"), 2000000);
	cr_assert_eq(strspn(w.errs, "e"), 2000000);
	exec_free(&w);
	close_and_check(s);
}

SSHC_TEST(output_truncated)
{
	struct sshc_session *s = up_session();
	struct exec_wait w;
	exec_wait(s, "head -c 300000 /dev/zero | tr '\\0' x; echo done >&2", 1000, 0, &w);
	cr_assert(w.has_r, "%s", w.err.msg);
	cr_assert_eq(w.out_len, 1000);
	cr_assert_eq(strlen(w.out), 1000);
	cr_assert(w.truncated);
	cr_assert_str_eq(w.errs, "done\n");
	cr_assert_eq(w.status, 0);
	exec_free(&w);

	/* endless output: cut after the drain limit, not left to the timeout
	 * (which would be an error, with the output so far) */
	exec_wait(s, "yes", 100, 20000, &w);
	cr_assert(w.has_r && !w.has_err, "%s", w.err.msg);
	cr_assert_eq(w.out_len, 100);
	cr_assert(w.truncated);
	cr_assert_eq(w.status, -1);
	exec_free(&w);

	/* and the session still works */
	exec_wait(s, "echo ok", 0, 0, &w);
	cr_assert_str_eq(w.out, "ok\n");
	exec_free(&w);
	close_and_check(s);
}

SSHC_TEST(exit_signal)
{
	struct sshc_session *s = up_session();
	struct exec_wait w;
	exec_wait(s, "kill -TERM $$", 0, 0, &w);
	cr_assert(w.has_r, "%s", w.err.msg);
	cr_assert_eq(w.status, -1);
	cr_assert_str_eq(w.sig, "TERM");
	exec_free(&w);
	close_and_check(s);
}

SSHC_TEST(exec_timeout_then_reuse)
{
	struct sshc_session *s = up_session();
	struct exec_wait w;
	/* the remote shell's start-up time varies with load: scale to it */
	int64_t t0 = mono_ms();
	exec_wait(s, "true", 0, 0, &w);
	exec_free(&w);
	long limit = MLC_MAX(1500L, 3 * (long)(mono_ms() - t0) + 500);
	exec_wait(s, "echo partial; sleep 30", 0, limit, &w);
	cr_assert(w.has_err);
	cr_assert_eq(w.err.code, MLC_ERR_TIMEOUT, "%s", w.err.msg);
	cr_assert(strstr(w.err.msg, "command timed out: echo partial; sleep 30"), "%s", w.err.msg);
	cr_assert(w.has_r);
	cr_assert_str_eq(w.out, "partial\n");
	cr_assert_eq(w.status, -1);
	exec_free(&w);
	cr_assert_eq(loop_busy(), 0);
	exec_wait(s, "echo again", 0, 0, &w);
	cr_assert_str_eq(w.out, "again\n");
	exec_free(&w);
	close_and_check(s);
}

SSHC_TEST(exec_cancel)
{
	struct sshc_session *s = up_session();
	struct exec_wait a, b;
	exec_start(s, "sleep 0.3; echo a", 0, 0, &a);
	exec_start(s, "sleep 0.3; echo b", 0, 0, &b);
	cr_assert_eq(loop_busy(), 2);
	/* cancel one right away (before any I/O) and let the other run */
	sshc_exec_cancel((struct sshc_exec *)NULL);
	struct exec_wait c;
	struct sshc_exec *xc = sshc_exec(s, "echo c", 0, 0, on_exec, &c);
	memset(&c, 0, sizeof c);
	sshc_exec_cancel(xc);
	cr_assert_eq(loop_busy(), 2);
	cr_assert(stackenv_run_until(&a.done, 90000));
	cr_assert(stackenv_run_until(&b.done, 90000));
	cr_assert_eq(c.calls, 0);
	exec_free(&a);
	exec_free(&b);

	/* cancel one in flight: its command says it runs (a file), is cancelled,
	 * then prints and exits; a later exec on the same session waits until
	 * it has, and its answer comes with no callback for the cancelled one */
	cr_assert_eq(chmod(tmpdir, 0777), 0);
	char *cmd = xasprintf("trap '' HUP PIPE; touch '%s/b_started'; sleep 0.2; echo never; "
			      "touch '%s/b_ended'",
			      tmpdir, tmpdir);
	struct sshc_exec *xb = sshc_exec(s, cmd, 0, 0, on_exec, &b);
	memset(&b, 0, sizeof b);
	free(cmd);
	wait_file("b_started");
	cr_assert_eq(b.calls, 0);
	sshc_exec_cancel(xb);
	cr_assert_eq(loop_busy(), 0);
	cmd = xasprintf("i=0; while [ ! -e '%s/b_ended' ] && [ $i -lt 600 ]; do sleep 0.05; "
			"i=$((i+1)); done; echo late",
			tmpdir);
	exec_wait(s, cmd, 0, 0, &a);
	free(cmd);
	cr_assert_str_eq(a.out, "late\n");
	char *ended = tpath("b_ended");
	cr_assert(file_exists(ended), "the cancelled command ran to its end");
	free(ended);
	cr_assert_eq(b.calls, 0);
	exec_free(&a);
	exec_wait(s, "echo still", 0, 0, &a);
	cr_assert_str_eq(a.out, "still\n");
	exec_free(&a);
	close_and_check(s);
}

static bool backlog_has_one(const void *fd)
{
	struct pollfd p = {.fd = *(const int *)fd, .events = POLLIN};
	return poll(&p, 1, 0) == 1;
}

static void wake_on_fd(uv_poll_t *h, int status, int events)
{
	(void)h;
	(void)status;
	(void)events;
}

SSHC_TEST(close_while_connecting)
{
	/* at once, during resolve */
	struct sshc_opts o = base_opts();
	struct conn_wait w;
	memset(&w, 0, sizeof w);
	struct sshc_session *s = sshc_connect(&o, on_conn, &w);
	cr_assert_eq(loop_busy() > 0, true);
	sshc_close(s);
	cr_assert(stackenv_run_until_true(nothing_in_flight, NULL, 60000));
	marker_session();
	cr_assert_eq(w.calls, 0);

	/* while stuck on a server that never answers: the connection is in its
	 * backlog (the kernel completed the handshake) */
	int bport;
	int fd = listen_blackhole(&bport);
	o.port = bport;
	s = sshc_connect(&o, on_conn, &w);
	uv_poll_t bh;
	uv_poll_init(loop_get(), &bh, fd);
	uv_poll_start(&bh, UV_READABLE, wake_on_fd);
	cr_assert(stackenv_run_until_true(backlog_has_one, &fd, 60000), "never connected");
	uv_close((uv_handle_t *)&bh, NULL);
	sshc_close(s);
	cr_assert(stackenv_run_until_true(nothing_in_flight, NULL, 60000));
	marker_session();
	cr_assert_eq(w.calls, 0);
	close(fd);

	/* at several points of a real handshake: after 0, 2, 4 … loop turns
	 * (each turn is one or more events of the connect) */
	o = base_opts();
	enum { ROUNDS = 16 };
	struct conn_wait r[ROUNDS];
	int calls_at_close[ROUNDS];
	for (int i = 0; i < ROUNDS; i++) {
		memset(&r[i], 0, sizeof r[i]);
		s = sshc_connect(&o, on_conn, &r[i]);
		for (int turn = 0; turn < 2 * i && !r[i].done; turn++)
			uv_run(loop_get(), UV_RUN_ONCE);
		if (r[i].done) { /* connected already: fine, close it */
			cr_assert_eq(r[i].calls, 1);
			cr_assert(r[i].ok, "%s", r[i].err.msg);
		}
		sshc_close(s);
		calls_at_close[i] = r[i].calls;
		cr_assert(stackenv_run_until_true(nothing_in_flight, NULL, 60000));
	}
	marker_session();
	for (int i = 0; i < ROUNDS; i++)
		cr_assert_eq(r[i].calls, calls_at_close[i], "round %d", i);
}

struct close_in_cb {
	struct sshc_session *s;
	int calls;
	volatile bool done;
};

static void exec_closes(const struct sshc_result *r, const struct mlc_err *err, void *arg)
{
	struct close_in_cb *c = arg;
	(void)r;
	(void)err;
	c->calls++;
	c->done = true;
	sshc_close(c->s);
}

static void conn_closes(struct sshc_session *s, const struct mlc_err *err, void *arg)
{
	struct close_in_cb *c = arg;
	(void)err;
	c->calls++;
	c->done = true;
	/* start work, then close, all inside the callback */
	sshc_exec(s, "echo x", 0, 90000, exec_closes, c);
	sshc_close(s);
}

SSHC_TEST(close_inside_callbacks)
{
	struct sshc_session *s = up_session();
	struct close_in_cb c = {.s = s};
	struct close_in_cb other = {.s = s};
	sshc_exec(s, "echo fast", 0, 90000, exec_closes, &c);
	sshc_exec(s, "sleep 5; echo slow", 0, 0, exec_closes, &other);
	cr_assert(stackenv_run_until(&c.done, 90000));
	cr_assert(stackenv_run_until_true(nothing_in_flight, NULL, 60000));
	marker_session();
	cr_assert_eq(c.calls, 1);
	cr_assert_eq(other.calls, 0, "closed session: no more callbacks");

	struct sshc_opts o = base_opts();
	struct close_in_cb cc = {0};
	sshc_connect(&o, conn_closes, &cc);
	cr_assert(stackenv_run_until(&cc.done, 60000));
	cr_assert(stackenv_run_until_true(nothing_in_flight, NULL, 60000));
	marker_session();
	cr_assert_eq(cc.calls, 1);
}

SSHC_TEST(server_gone)
{
	/* the exec kills its own sshd session process: a transport error */
	struct sshc_session *s = up_session();
	struct exec_wait w, w2;
	exec_start(s, "sleep 10; echo never", 0, 0, &w2);
	exec_wait(s, "kill -9 $PPID; sleep 1", 0, 20000, &w);
	cr_assert(w.has_err && !w.has_r, "r must be NULL on a transport error");
	cr_assert_eq(w.err.code, MLC_ERR_CONNECT, "%s", w.err.msg);
	cr_assert(stackenv_run_until(&w2.done, 2000));
	cr_assert(w2.has_err && !w2.has_r);
	cr_assert(!sshc_is_up(s));
	/* a later exec fails on a later turn */
	exec_wait(s, "true", 0, 0, &w);
	cr_assert(w.has_err);
	close_and_check(s);

	/* idle: noticed without any exec running */
	struct sshc_opts o = base_opts();
	o.keepalive_s = 1;
	struct conn_wait cw;
	s = connect_wait(&o, &cw);
	cr_assert(cw.ok, "%s", cw.err.msg);
	exec_wait(s, "(sleep 0.3; kill -9 $PPID) </dev/null >/dev/null 2>&1 &", 0, 0, &w);
	cr_assert(w.has_r, "%s", w.err.msg);
	exec_free(&w);
	cr_assert(stackenv_run_until_true(session_down, s, 30000), "the loss never noticed");
	cr_assert_eq(loop_busy(), 0);
	close_and_check(s);
}

SSHC_TEST(keepalive_idle_session)
{
	struct sshc_opts o = base_opts();
	o.keepalive_s = 1;
	struct conn_wait cw;
	struct sshc_session *s = connect_wait(&o, &cw);
	cr_assert(cw.ok);
	/* idle past several keepalives: the remote side says when */
	remote_touch_later(s, 3.5, "idle_done");
	wait_file("idle_done");
	cr_assert(sshc_is_up(s), "%s", sshc_down_reason(s));
	cr_assert_eq(loop_busy(), 0, "an idle session is not in flight");
	struct exec_wait w;
	exec_wait(s, "echo alive", 0, 0, &w);
	cr_assert_str_eq(w.out, "alive\n");
	exec_free(&w);
	close_and_check(s);
}

SSHC_TEST(agent_auth)
{
	/* a private ssh-agent holding a useless key first, then the right one */
	char *sock = tpath("agent.sock");
	char *cmd = xasprintf("ssh-agent -a '%s' -s > '%s/agent.env'", sock, tmpdir);
	cr_assert_eq(system(cmd), 0);
	free(cmd);
	free(gen_key("ed25519", "id_other"));
	base_opts(); /* fills key_path */
	cmd = xasprintf("SSH_AUTH_SOCK='%s' ssh-add -q '%s/id_other' '%s' 2>/dev/null", sock,
			tmpdir, key_path);
	cr_assert_eq(system(cmd), 0);
	free(cmd);
	setenv("SSH_AUTH_SOCK", sock, 1);

	free(gen_key("ed25519", "id_wrong"));
	char *wrong = tpath("id_wrong");
	struct sshc_opts o = base_opts();
	o.identity = wrong;
	o.no_agent = false;
	struct conn_wait w;
	struct sshc_session *s = connect_wait(&o, &w);
	cr_assert(w.ok, "agent auth failed: %s", w.err.msg);
	struct exec_wait x;
	exec_wait(s, "echo via-agent", 0, 0, &x);
	cr_assert_str_eq(x.out, "via-agent\n");
	exec_free(&x);
	close_and_check(s);

	/* no_agent: the agent is not asked, the wrong file fails */
	o.no_agent = true;
	s = connect_wait(&o, &w);
	cr_assert_eq(w.err.code, MLC_ERR_AUTH, "%s", w.err.msg);
	cr_assert_null(strstr(w.err.msg, "agent"), "%s", w.err.msg);
	close_and_check(s);

	/* agent with only useless keys: both tried, named in the message */
	cmd = xasprintf("SSH_AUTH_SOCK='%s' ssh-add -q -d '%s' 2>/dev/null", sock, key_path);
	cr_assert_eq(system(cmd), 0);
	free(cmd);
	o.no_agent = false;
	s = connect_wait(&o, &w);
	cr_assert_eq(w.err.code, MLC_ERR_AUTH, "%s", w.err.msg);
	cr_assert(strstr(w.err.msg, "agent: 1 key"), "%s", w.err.msg);
	cr_assert(strstr(w.err.msg, "id_wrong"), "%s", w.err.msg);
	close_and_check(s);

	cmd = xasprintf(". '%s/agent.env' >/dev/null; kill $SSH_AGENT_PID", tmpdir);
	cr_assert_eq(system(cmd), 0);
	free(cmd);
	free(wrong);
	free(sock);
}

SSHC_TEST(partial_sends)
{
	/* every send cut to 7 bytes and every other one EAGAIN: handshake, auth,
	 * parallel channels and keepalives all go through short writes */
	sshc_test_set_send_chunk(7);
	struct sshc_opts o = base_opts();
	o.keepalive_s = 1;
	struct conn_wait cw;
	struct sshc_session *s = connect_wait(&o, &cw);
	cr_assert(cw.ok, "%s", cw.err.msg);
	enum { N = 4 };
	struct exec_wait w[N];
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < N; i++) {
			char cmd[96];
			snprintf(cmd, sizeof cmd, "echo out%d; echo err%d >&2; exit %d", i, i, i);
			exec_start(s, cmd, 0, 120000, &w[i]);
		}
		for (int i = 0; i < N; i++) {
			cr_assert(stackenv_run_until(&w[i].done, 120000), "round %d exec %d", round,
				  i);
			cr_assert(w[i].has_r && !w[i].has_err, "round %d exec %d: %s", round, i,
				  w[i].err.msg);
			char want[24];
			snprintf(want, sizeof want, "out%d\n", i);
			cr_assert_str_eq(w[i].out, want);
			snprintf(want, sizeof want, "err%d\n", i);
			cr_assert_str_eq(w[i].errs, want);
			cr_assert_eq(w[i].status, i);
			exec_free(&w[i]);
		}
		char name[16];
		snprintf(name, sizeof name, "ka_%d", round); /* let a keepalive go out */
		remote_touch_later(s, 2.2, name);
		wait_file(name);
		cr_assert(sshc_is_up(s), "round %d: %s", round, sshc_down_reason(s));
	}
	/* cancel and close with packets in flight */
	exec_start(s, "sleep 1; echo x", 0, 0, &w[0]);
	struct sshc_exec *x = sshc_exec(s, "sleep 1; echo y", 0, 0, on_exec, &w[1]);
	memset(&w[1], 0, sizeof w[1]);
	uv_run(loop_get(), UV_RUN_ONCE); /* the requests partly sent */
	sshc_exec_cancel(x);
	uv_run(loop_get(), UV_RUN_NOWAIT);
	close_and_check(s);
	cr_assert_eq(w[0].calls + w[1].calls, 0);
	sshc_test_set_send_chunk(0);
}

SSHC_TEST(keepalive_detects_silent_server)
{
	/* the server's session process is stopped (SIGSTOP): TCP stays up but
	 * nothing answers; after 3 unanswered keepalives the session is down */
	struct sshc_opts o = base_opts();
	o.keepalive_s = 1; /* libssh2 makes it 2 */
	struct conn_wait cw;
	struct sshc_session *s = connect_wait(&o, &cw);
	cr_assert(cw.ok, "%s", cw.err.msg);
	struct exec_wait w;
	exec_wait(s,
		  "(sleep 0.5; kill -STOP $PPID; sleep 30; kill -KILL $PPID) </dev/null >/dev/null "
		  "2>&1 &",
		  0, 0, &w);
	cr_assert(w.has_r, "%s", w.err.msg);
	exec_free(&w);
	cr_assert(stackenv_run_until_true(session_down, s, 60000), "a silent server never noticed");
	cr_assert(strstr(sshc_down_reason(s), "no answer to 3 keepalives"), "%s",
		  sshc_down_reason(s));
	struct exec_wait x;
	exec_wait(s, "true", 0, 0, &x);
	cr_assert(x.has_err && !x.has_r);
	close_and_check(s);
}

/* A ping opens and closes a channel: one callback, status 0, no output, and
 * it works again and again on one session, next to an exec. */
SSHC_TEST(ping_round_trip)
{
	struct sshc_session *s = up_session();
	for (int i = 0; i < 3; i++) {
		struct exec_wait w;
		memset(&w, 0, sizeof w);
		sshc_ping(s, 30000, on_exec, &w);
		cr_assert_eq(w.calls, 0, "callback must not run inside sshc_ping");
		cr_assert(stackenv_run_until(&w.done, 60000), "ping never called back");
		cr_assert(w.has_r && !w.has_err, "%s", w.err.msg);
		cr_assert_eq(w.status, 0);
		cr_assert_eq(w.out_len, 0);
		cr_assert_eq(w.calls, 1);
		exec_free(&w);
	}
	struct exec_wait w;
	exec_wait(s, "echo still-there", 0, 0, &w);
	cr_assert_str_eq(w.out, "still-there\n");
	exec_free(&w);
	close_and_check(s);
}

/* A ping cancelled before it ran never calls back. */
SSHC_TEST(ping_cancel)
{
	struct sshc_session *s = up_session();
	struct exec_wait w;
	memset(&w, 0, sizeof w);
	struct sshc_exec *x = sshc_ping(s, 30000, on_exec, &w);
	sshc_exec_cancel(x);
	settle();
	cr_assert_eq(w.calls, 0);
	close_and_check(s);
}

/* A confirmed fingerprint adds exactly that key; any other is refused and
 * the file stays untouched (the key shown to a person is the key written). */
SSHC_TEST(accept_fingerprint_only_that_key)
{
	char *kh = write_file("known_hosts", "", 0600);
	struct sshc_opts o = base_opts();
	o.known_hosts = kh;
	o.accept_fingerprint = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
	struct conn_wait w;
	struct sshc_session *s = connect_wait(&o, &w);
	cr_assert(!w.ok);
	cr_assert_eq(w.err.code, MLC_ERR_HOSTKEY_UNKNOWN, "%s", w.err.msg);
	cr_assert(strstr(w.err.msg, "not the one confirmed"), "%s", w.err.msg);
	char fp[128];
	expected_fp(fp, sizeof fp);
	cr_assert_str_eq(sshc_fingerprint(s), fp, "fingerprint known even when refused");
	cr_assert_str_eq(sshc_key_type(s), "ssh-ed25519");
	char *body = slurp(kh);
	cr_assert_str_eq(body, "", "file must stay untouched");
	free(body);
	close_and_check(s);

	o.accept_fingerprint = fp;
	s = connect_wait(&o, &w);
	cr_assert(w.ok, "%s", w.err.msg);
	body = slurp(kh);
	cr_assert_eq(count_lines(body), 1, "%s", body);
	free(body);
	close_and_check(s);
	free(kh);
}
