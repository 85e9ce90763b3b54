/* tests/bench/bench_fanout.c — one command fanned out to N nodes (argv[1],
 * default 16) over sessions already open, beside the slowest single node
 * measured the same way (the same session, the command alone), ROUNDS
 * rounds (argv[2], default 11) interleaved so that load drifts hit both
 * alike; median and best printed. Nodes: the stack's extra sshd
 * (`stack sshd-extra DIR N`, run/sshd-extra.ports) when there are N of
 * them, else round-robin over every sshd the stack has.
 *  - console: sshc sessions on the loop, as the Nodes panel runs them;
 *    with the per-phase times of each exec (struct sshc_phases): for each
 *    phase the median over rounds of the slowest node;
 *  - floor: a minimal program over libssh2, one session per node, non-
 *    blocking, every node stepped in one poll() loop (all channels opened
 *    before any is read), nothing else: what the console cannot beat, and
 *    its own fan-out/slowest ratio shows what the machine allows.
 * Both for `uptime` and for the null command `true`. Prints "name value"
 * lines for sec_nodes.sh. Needs MLC_STACK_DIR. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libssh2.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/core/loop.h"
#include "lib/core/util.h"
#include "lib/ssh/sshc.h"
#include "tests/bench/bench.h"

#define MAXN 64

static const char *stack;
static int nnodes = 16, rounds = 11, nports, node_port[MAXN];
static char user[64], key[512], kh[512];

static void die(const char *what)
{
	fprintf(stderr, "bench_fanout: %s\n", what);
	exit(2);
}

static char *slurp(const char *name)
{
	char *p = xasprintf("%s/%s", stack, name);
	FILE *f = fopen(p, "r");
	free(p);
	if (!f)
		return NULL;
	char *buf = xcalloc(1, 16384);
	size_t n = fread(buf, 1, 16383, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static const char *env(const char *envtext, const char *k)
{
	static char val[512];
	size_t kl = strlen(k);
	for (const char *p = envtext; *p; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] != 0))
		if (!strncmp(p, k, kl) && p[kl] == '=') {
			snprintf(val, sizeof val, "%.*s", (int)strcspn(p + kl + 1, "\n"),
				 p + kl + 1);
			return val;
		}
	die(k);
	return NULL;
}

/* Node i's port: the extra sshd when there are enough, else round-robin. */
static void load_nodes(void)
{
	stack = getenv("MLC_STACK_DIR");
	if (!stack)
		die("MLC_STACK_DIR not set");
	char *e = slurp("env");
	if (!e)
		die("cannot read $MLC_STACK_DIR/env");
	int ports[MAXN + 3];
	ports[nports++] = atoi(env(e, "SSH_HEAD_PORT"));
	ports[nports++] = atoi(env(e, "SSH_WORKER1_PORT"));
	ports[nports++] = atoi(env(e, "SSH_WORKER2_PORT"));
	snprintf(user, sizeof user, "%s", env(e, "SSH_USER"));
	snprintf(key, sizeof key, "%s", env(e, "SSH_IDENTITY"));
	snprintf(kh, sizeof kh, "%s", env(e, "SSH_KNOWN_HOSTS"));
	free(e);
	char *x = slurp("run/sshd-extra.ports");
	int nx = 0, extra[MAXN];
	for (char *p = x ? strtok(x, "\n") : NULL; p && nx < MAXN; p = strtok(NULL, "\n"))
		extra[nx++] = atoi(p);
	free(x);
	if (nx >= nnodes) {
		for (int i = 0; i < nnodes; i++)
			node_port[i] = extra[i];
		nports = nnodes;
		return;
	}
	for (int i = 0; i < nx; i++)
		ports[nports++] = extra[i];
	for (int i = 0; i < nnodes; i++)
		node_port[i] = ports[i % nports];
	nports = MLC_MIN(nports, nnodes);
}

/* ---- the console: sshc on the loop ---- */

static struct sshc_session *cs[MAXN];
static int c_left;
static double c_end;
static struct sshc_phases c_ph[MAXN];

static void c_connected(struct sshc_session *s, const struct mlc_err *err, void *arg)
{
	if (err)
		die(err->msg);
	c_left--;
}

static void c_done(const struct sshc_result *r, const struct mlc_err *err, void *arg)
{
	if (err || !r || r->exit_status != 0)
		die(err ? err->msg : "exit status != 0");
	c_ph[(intptr_t)arg] = r->phases;
	c_end = now_ms();
	c_left--;
}

static void c_setup(void)
{
	c_left = nnodes;
	for (int i = 0; i < nnodes; i++) {
		struct sshc_opts o = {.host = "127.0.0.1",
				      .port = node_port[i],
				      .user = user,
				      .identity = key,
				      .known_hosts = kh,
				      .no_agent = true,
				      .connect_timeout_ms = 30000};
		cs[i] = sshc_connect(&o, c_connected, NULL);
	}
	while (c_left > 0)
		uv_run(loop_get(), UV_RUN_ONCE);
}

static double c_run(int from, int to, const char *cmd)
{
	c_left = to - from;
	double t0 = now_ms();
	for (int i = from; i < to; i++)
		sshc_exec(cs[i], cmd, 0, 60000, c_done, (void *)(intptr_t)i);
	while (c_left > 0)
		uv_run(loop_get(), UV_RUN_ONCE);
	return c_end - t0;
}

/* ---- the floor: libssh2 alone, one poll() loop ---- */

struct fnode {
	int fd;
	LIBSSH2_SESSION *ssh;
	LIBSSH2_CHANNEL *ch;
	int st; /* 0 open, 1 exec, 2 read, 3 close, 4 wait closed, 5 done */
	double t0;
};
static struct fnode fn[MAXN];

static void f_setup(void)
{
	for (int i = 0; i < nnodes; i++) {
		struct fnode *f = &fn[i];
		struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(node_port[i])};
		inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
		f->fd = socket(AF_INET, SOCK_STREAM, 0);
		int one = 1;
		setsockopt(f->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (connect(f->fd, (struct sockaddr *)&sa, sizeof sa) != 0)
			die("floor: connect");
		f->ssh = libssh2_session_init();
		if (libssh2_session_handshake(f->ssh, f->fd) ||
		    libssh2_userauth_publickey_fromfile(f->ssh, user, NULL, key, ""))
			die("floor: handshake or auth");
		libssh2_session_set_blocking(f->ssh, 0);
		fcntl(f->fd, F_SETFL, fcntl(f->fd, F_GETFL) | O_NONBLOCK);
	}
}

/* The floor's phases go where the console's do (c_ph), timed the same. */
static void f_mark(struct fnode *f, int64_t *phase)
{
	if (!*phase)
		*phase = MLC_MAX(1, (int64_t)((now_ms() - f->t0) * 1e3));
}

/* One node as far as it goes; returns 1 once done. */
static int f_step(struct fnode *f, const char *cmd)
{
	char buf[16384];
	ssize_t n;
	struct sshc_phases *ph = &c_ph[f - fn];
	switch (f->st) {
	case 0:
		f->ch = libssh2_channel_open_session(f->ssh);
		if (!f->ch) {
			if (libssh2_session_last_errno(f->ssh) != LIBSSH2_ERROR_EAGAIN)
				die("floor: channel open");
			return 0;
		}
		f_mark(f, &ph->open_us);
		f->st = 1;
		/* fall through */
	case 1:
		n = libssh2_channel_exec(f->ch, cmd);
		f_mark(f, &ph->exec_sent_us);
		if (n == LIBSSH2_ERROR_EAGAIN)
			return 0;
		if (n < 0)
			die("floor: exec");
		f_mark(f, &ph->exec_ok_us);
		f->st = 2;
		/* fall through */
	case 2:
		for (int stream = 0; stream < 2; stream++)
			while ((n = libssh2_channel_read_ex(f->ch, stream, buf, sizeof buf)) > 0)
				f_mark(f, &ph->first_us);
		if (!libssh2_channel_eof(f->ch))
			return 0;
		f_mark(f, &ph->eof_us);
		f->st = 3;
		/* fall through */
	case 3:
		if (libssh2_channel_close(f->ch) == LIBSSH2_ERROR_EAGAIN)
			return 0;
		f->st = 4;
		/* fall through */
	case 4:
		if (libssh2_channel_wait_closed(f->ch) == LIBSSH2_ERROR_EAGAIN)
			return 0;
		if (libssh2_channel_get_exit_status(f->ch) != 0)
			die("floor: exit status != 0");
		libssh2_channel_free(f->ch);
		f->ch = NULL;
		f_mark(f, &ph->close_us);
		f->st = 5;
	}
	return 1;
}

static double f_run(int from, int to, const char *cmd)
{
	double t0 = now_ms();
	for (int i = from; i < to; i++) {
		fn[i].st = 0;
		fn[i].t0 = t0;
		memset(&c_ph[i], 0, sizeof c_ph[i]);
	}
	for (int left = to - from;;) {
		struct pollfd pfd[MAXN];
		int np = 0;
		for (int i = from; i < to; i++) {
			if (fn[i].st == 5)
				continue;
			if (f_step(&fn[i], cmd)) {
				left--;
				continue;
			}
			int d = libssh2_session_block_directions(fn[i].ssh);
			pfd[np].fd = fn[i].fd;
			pfd[np].events =
			    (d & LIBSSH2_SESSION_BLOCK_OUTBOUND ? POLLOUT : 0) | POLLIN;
			np++;
		}
		if (!left)
			break;
		poll(pfd, (nfds_t)np, 1000);
	}
	return now_ms() - t0;
}

/* ---- CPU: the client's, and the nodes' (every sshd of the stack and
 * what runs under them, the shells of the commands included once reaped) */

static double self_cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int sshd_pid[MAXN + 8], nsshd;

static void load_sshd_pids(void)
{
	char *names = xasprintf("ssh-head ssh-worker1 ssh-worker2 ssh-bastion");
	for (int i = 1; i <= MAXN; i++) {
		char *n = xasprintf("%s ssh-x%d", names, i);
		free(names);
		names = n;
	}
	for (char *save, *t = strtok_r(names, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		char *f = xasprintf("pids/%s.pid", t), *pid = slurp(f);
		free(f);
		if (pid && atoi(pid) > 0 && nsshd < (int)ARRAY_LEN(sshd_pid))
			sshd_pid[nsshd++] = atoi(pid);
		free(pid);
	}
	free(names);
}

/* utime+stime+cutime+cstime in ms of every process under the stack's sshd. */
static double nodes_cpu_ms(void)
{
	static int ppid[1 << 22];
	static long ticks[1 << 22];
	static int pids[65536];
	int np = 0;
	DIR *d = opendir("/proc");
	for (struct dirent *e; d && (e = readdir(d));) {
		int pid = atoi(e->d_name);
		if (pid <= 0 || pid >= (1 << 22) || np >= (int)ARRAY_LEN(pids))
			continue;
		char path[64], buf[1024];
		snprintf(path, sizeof path, "/proc/%d/stat", pid);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		size_t n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[n] = '\0';
		char *p = strrchr(buf, ')');
		long u, sy, cu, cst;
		int pp;
		if (!p ||
		    sscanf(p + 2, "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %ld %ld %ld %ld", &pp,
			   &u, &sy, &cu, &cst) != 5)
			continue;
		ppid[pid] = pp;
		ticks[pid] = u + sy + cu + cst;
		pids[np++] = pid;
	}
	if (d)
		closedir(d);
	long sum = 0;
	for (int k = 0; k < np; k++)
		for (int a = pids[k], depth = 0; a > 1 && depth < 16; a = ppid[a], depth++) {
			bool hit = false;
			for (int j = 0; j < nsshd && !hit; j++)
				hit = sshd_pid[j] == a;
			if (hit) {
				sum += ticks[pids[k]];
				break;
			}
		}
	return sum * 1e3 / (double)sysconf(_SC_CLK_TCK);
}

/* ---- rounds and figures ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
	double t[256];
	memcpy(t, v, (size_t)n * sizeof *t);
	qsort(t, (size_t)n, sizeof *t, cmp_double);
	return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

/* The mean: CPU times come in clock ticks (10 ms), a median would too. */
static double mean(const double *v, int n)
{
	double sum = 0;
	for (int i = 0; i < n; i++)
		sum += v[i];
	return sum / n;
}

static double best(const double *v, int n)
{
	double b = v[0];
	for (int i = 1; i < n; i++)
		b = MLC_MIN(b, v[i]);
	return b;
}

/* Slowest phase of the nodes of the last run, in ms, into ph[round][k]. */
static void phases_max(double out[6], int from, int to)
{
	for (int k = 0; k < 6; k++)
		out[k] = 0;
	for (int i = from; i < to; i++) {
		const int64_t *p = &c_ph[i].open_us;
		for (int k = 0; k < 6; k++)
			out[k] = MLC_MAX(out[k], p[k] / 1e3);
	}
}

struct variant {
	const char *name, *cmd;
	double (*run)(int, int, const char *);
	double fan[256], single[256], ratio[256], srv_cpu[256], cli_cpu[256];
	double ph_fan[256][6], ph_single[256][6];
};

/* One round of one variant: every node alone, then all at once (or the
 * other way round on odd rounds). */
static void round_of(struct variant *v, int r)
{
	double slowest = 0, ph[6];
	for (int k = 0; k < 6; k++)
		v->ph_single[r][k] = 0;
	for (int pass = 0; pass < 2; pass++) {
		if ((pass == 0) == (r % 2 == 0)) {
			for (int i = 0; i < nnodes; i++) {
				slowest = MLC_MAX(slowest, v->run(i, i + 1, v->cmd));
				phases_max(ph, i, i + 1);
				for (int k = 0; k < 6; k++)
					v->ph_single[r][k] = MLC_MAX(v->ph_single[r][k], ph[k]);
			}
		} else {
			double s0 = nodes_cpu_ms(), c0 = self_cpu_ms();
			v->fan[r] = v->run(0, nnodes, v->cmd);
			v->cli_cpu[r] = self_cpu_ms() - c0;
			v->srv_cpu[r] = nodes_cpu_ms() - s0;
			phases_max(v->ph_fan[r], 0, nnodes);
		}
	}
	v->single[r] = slowest;
	v->ratio[r] = v->fan[r] / slowest;
}

static void report(struct variant *v)
{
	printf("%s_fan_median %.1f\n%s_fan_best %.1f\n", v->name, median(v->fan, rounds), v->name,
	       best(v->fan, rounds));
	printf("%s_single_median %.1f\n%s_single_best %.1f\n", v->name, median(v->single, rounds),
	       v->name, best(v->single, rounds));
	double ncpu = (double)sysconf(_SC_NPROCESSORS_ONLN), nodes_cpu = mean(v->srv_cpu, rounds);
	printf("%s_client_cpu %.1f\n%s_nodes_cpu %.1f\n", v->name, mean(v->cli_cpu, rounds),
	       v->name, nodes_cpu);
	/* the nodes' CPU spread over every core: what no client can go below */
	printf("%s_cpu_bound %.1f\n%s_cpu_bound_ratio %.2f\n", v->name, nodes_cpu / ncpu, v->name,
	       nodes_cpu / ncpu / median(v->single, rounds));
	printf("%s_ratio_median %.2f\n%s_ratio_best %.2f\n", v->name, median(v->ratio, rounds),
	       v->name, best(v->fan, rounds) / best(v->single, rounds));
	{
		static const char *names[] = {"open",	    "exec_sent", "exec_ok",
					      "first_byte", "eof",	 "closed"};
		for (int k = 0; k < 6; k++) {
			double a[256], b[256];
			for (int r = 0; r < rounds; r++) {
				a[r] = v->ph_fan[r][k];
				b[r] = v->ph_single[r][k];
			}
			printf("%s_phase_%s %.2f %.2f\n", v->name, names[k], median(a, rounds),
			       median(b, rounds));
		}
	}
}

int main(int argc, char **argv)
{
	if (argc > 1 && atoi(argv[1]) > 0)
		nnodes = MLC_MIN(atoi(argv[1]), MAXN);
	if (argc > 2 && atoi(argv[2]) > 0)
		rounds = MLC_MIN(atoi(argv[2]), 256);
	load_nodes();
	load_sshd_pids();
	libssh2_init(0);
	c_setup();
	f_setup();
	static struct variant v[] = {
	    {.name = "console_uptime", .cmd = "uptime", .run = c_run},
	    {.name = "floor_uptime", .cmd = "uptime", .run = f_run},
	    {.name = "console_true", .cmd = "true", .run = c_run},
	    {.name = "floor_true", .cmd = "true", .run = f_run},
	};
	for (size_t k = 0; k < ARRAY_LEN(v); k++) /* warm-up: caches, first channels */
		v[k].run(0, nnodes, v[k].cmd);
	for (int r = 0; r < rounds; r++)
		for (size_t k = 0; k < ARRAY_LEN(v); k++)
			round_of(&v[k], r);
	printf("nodes %d\nsshd %d\nrounds %d\ncores %ld\n", nnodes, nports, rounds,
	       sysconf(_SC_NPROCESSORS_ONLN));
	for (size_t k = 0; k < ARRAY_LEN(v); k++)
		report(&v[k]);
	for (int i = 0; i < nnodes; i++) {
		sshc_close(cs[i]);
		libssh2_session_disconnect(fn[i].ssh, "bye");
		libssh2_session_free(fn[i].ssh);
		close(fn[i].fd);
	}
	for (int i = 0; i < 8; i++)
		uv_run(loop_get(), UV_RUN_NOWAIT);
	loop_shutdown();
	return 0;
}
