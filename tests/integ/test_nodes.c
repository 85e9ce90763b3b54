/* tests/integ/test_nodes.c — lib/ssh/fleet and nodeact against the stack's
 * three real sshd nodes, whose PATH starts with the fakes of
 * tests/fixtures/nodes (nvidia-smi, docker, ray, uptime, free, df print the
 * captures and record their argv in DIR/ssh/NODE/argv.log): inspection
 * parsed per node while a hanging node (a TCP black hole) and a dead one
 * (a closed port) delay nobody; an action's values, the injection corpus,
 * arriving at the remote program as one literal argument each. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/core/config.h"
#include "lib/core/loop.h"
#include "lib/core/util.h"
#include "lib/ssh/fleet.h"
#include "lib/ssh/nodeact.h"
#include "lib/ssh/nodeplan.h"
#include "lib/ssh/sshc.h"
#include "stackenv.h"

static struct config cfg;
static char cfg_path[64];

static void node_section(FILE *f, const char *name, int port, const char *roles)
{
	fprintf(f,
		"[node %s]\nhost = 127.0.0.1\nport = %d\nuser = %s\nidentity = %s/ssh/id_ed25519\n"
		"known_hosts = %s/ssh/known_hosts\nroles = %s\ntimeout = 30s\n",
		name, port, stackenv("SSH_USER"), stackenv_dir(), stackenv_dir(), roles);
}

/* The stack's nodes as the stack's config names them, plus extra text. */
static void load(const char *extra)
{
	strcpy(cfg_path, "/tmp/test_nodes.XXXXXX");
	int fd = mkstemp(cfg_path);
	cr_assert_geq(fd, 0);
	FILE *f = fdopen(fd, "w");
	node_section(f, "head", atoi(stackenv("SSH_HEAD_PORT")), "ray-head");
	node_section(f, "worker-1", atoi(stackenv("SSH_WORKER1_PORT")), "ray-worker");
	node_section(f, "worker-2", atoi(stackenv("SSH_WORKER2_PORT")), "ray-worker gpu");
	fputs(extra, f);
	fclose(f);
	config_init(&cfg);
	struct mlc_err e;
	cr_assert_eq(config_read_file(&cfg, cfg_path, &e), 0, "%s", e.msg);
}

static void fini(void)
{
	config_free(&cfg);
	unlink(cfg_path);
	for (int i = 0; i < 4; i++)
		uv_run(loop_get(), UV_RUN_NOWAIT);
	loop_shutdown();
}

static struct fleet *fl;
static volatile bool done;

static void watch(int i, void *arg)
{
	int want = *(int *)arg;
	for (int k = 0; k < want; k++)
		if (!fl->nodes[k].updated_ms)
			return;
	if (fl->n > want && fl->nodes[want + 1].state != FS_DOWN)
		return; /* the dead node must have said why */
	done = true;
}

static int listen_blackhole(int *portp)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	cr_assert_eq(listen(fd, 8), 0);
	socklen_t len = sizeof a;
	getsockname(fd, (struct sockaddr *)&a, &len);
	*portp = ntohs(a.sin_port);
	return fd;
}

/* What the fakes on node dir `node` recorded (DIR/ssh/NODE/argv.log). */
static void read_argv_log(const char *node, char *log, size_t cap)
{
	char *path = xasprintf("%s/ssh/%s/argv.log", stackenv_dir(), node);
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "%s", path);
	size_t n = fread(log, 1, cap - 1, f);
	log[n] = '\0';
	fclose(f);
	free(path);
}

Test(nodes, inspection_per_node_and_nobody_waits, .fini = fini)
{
	int hole_port, gone_port;
	int hole = listen_blackhole(&hole_port);
	int gone = listen_blackhole(&gone_port);
	close(gone); /* nothing listens there now: refused */
	char extra[512];
	snprintf(extra, sizeof extra,
		 "[node hang]\nhost = 127.0.0.1\nport = %d\ntimeout = 60s\n"
		 "[node gone]\nhost = 127.0.0.1\nport = %d\n",
		 hole_port, gone_port);
	load(extra);
	int want = 3;
	done = false;
	fl = fleet_new(&cfg, 600000, watch, &want);
	cr_assert_eq(fl->n, 5);
	cr_assert(stackenv_run_until(&done, 50000), "the three live nodes were not inspected");
	/* the black hole is still connecting: it delayed nobody */
	cr_assert_eq(fl->nodes[3].state, FS_CONNECTING);
	cr_assert_eq(fl->nodes[4].state, FS_DOWN);
	cr_assert(strstr(fl->nodes[4].why, "refused") || strstr(fl->nodes[4].why, "connect"), "%s",
		  fl->nodes[4].why);

	const struct fleet_node *h = &fl->nodes[0], *w1 = &fl->nodes[1], *w2 = &fl->nodes[2];
	cr_assert_eq(h->state, FS_UP);
	cr_assert(h->raw[FP_UPTIME].ok, "%s", h->raw[FP_UPTIME].why);
	cr_assert_float_eq(h->up.load[0], 0.52, 1e-9);
	cr_assert_float_eq(w2->up.load[0], 15.20, 1e-9);
	cr_assert(h->no_gpu, "head has no nvidia-smi: %s", h->raw[FP_GPU].why);
	cr_assert_eq(w1->ngpus, 2);
	cr_assert_eq(w2->ngpus, 4);
	cr_assert_eq(h->nctrs, 4);
	cr_assert_eq(ni_containers_running(h->ctrs, h->nctrs), 3);
	cr_assert_eq(w2->nctrs, 0);
	cr_assert(h->raw[FP_DOCKER].ok);
	cr_assert_eq(h->mem.total, 16719233024LL);
	int fd = ni_disk_fullest(w2->disks, w2->ndisks);
	cr_assert_geq(fd, 0);
	cr_assert_eq(w2->disks[fd].pct, 91);
	cr_assert(h->ray_node && h->raw[FP_RAY].ok, "%s", h->raw[FP_RAY].why);
	cr_assert_eq(h->ray.alive, 3);

	/* what the fake nvidia-smi was handed, argument by argument */
	char log[65536];
	read_argv_log("worker2", log, sizeof log);
	cr_assert(strstr(log, "nvidia-smi 2\n90:--query-gpu=index,name,utilization.gpu,"
			      "memory.used,memory.total,temperature.gpu,power.draw\n"
			      "29:--format=csv,noheader,nounits\n"),
		  "%s", log);
	cr_assert(strstr(log, "docker 4\n2:ps\n2:-a\n8:--format\n10:{{json .}}\n"), "%s", log);
	fleet_free(fl);
	close(hole);
}

static volatile bool ran;
static int exit_status;
static char why[256];

static void exec_done(const struct sshc_result *r, const struct mlc_err *err, long ms, void *arg)
{
	exit_status = r ? r->exit_status : -1;
	snprintf(why, sizeof why, "%s", err && err->code ? err->msg : "");
	ran = true;
}

static void quiet(int i, void *arg)
{
}

/* The corpus: every shell metacharacter that could end the argument or
 * start a command, in one value. */
#define CORPUS "a;touch @P@ $(touch @P@) `touch @P@` 'q' \"d\" | & > @P@ \\ !x"

Test(nodes, action_values_arrive_literally, .fini = fini)
{
	char pwned[64];
	snprintf(pwned, sizeof pwned, "/tmp/test_nodes_pwned.%d", (int)getpid());
	char corpus[512];
	size_t k = 0;
	for (const char *p = CORPUS; *p; p++) {
		if (!strncmp(p, "@P@", 3)) {
			k += (size_t)snprintf(corpus + k, sizeof corpus - k, "%s", pwned);
			p += 2;
		} else {
			corpus[k++] = *p;
		}
	}
	corpus[k] = '\0';
	char *extra = xasprintf("[action inject]\ncommand = docker pull {image} {node}\n"
				"on = worker-1\nimage = %s\n",
				corpus);
	load(extra);
	free(extra);
	struct nodeact a;
	struct mlc_err e;
	cr_assert_eq(nodeact_find(&cfg, "inject", &a, &e), 0, "%s", e.msg);
	fl = fleet_new(&cfg, 600000, quiet, NULL);
	int i = fleet_find(fl, "worker-1");
	cr_assert(nodeact_selects(a.on, fl->nodes[i].t));
	cr_assert_not(nodeact_selects(a.on, fl->nodes[0].t));
	struct nodeact_vars v = {"worker-1", "127.0.0.1", nodeact_head_ip(&cfg), 22};
	struct buf cmd;
	buf_init(&cmd);
	cr_assert_eq(nodeact_expand(a.command, &v, a.cs, &cmd, &e), 0, "%s", e.msg);
	buf_append(&cmd, "", 1);
	ran = false;
	fleet_exec(fl, i, cmd.data, 30000, exec_done, NULL);
	cr_assert(stackenv_run_until(&ran, 50000));
	cr_assert_str_eq(why, "");
	cr_assert_eq(exit_status, 0);
	buf_free(&cmd);
	cr_assert_neq(access(pwned, F_OK), 0, "the corpus ran a command on the node");

	char *path = xasprintf("%s/ssh/worker1/argv.log", stackenv_dir());
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f);
	static char log[1 << 20];
	size_t n = fread(log, 1, sizeof log - 1, f);
	log[n] = '\0';
	fclose(f);
	free(path);
	char *want = xasprintf("docker 3\n4:pull\n%zu:%s\n8:worker-1\n", strlen(corpus), corpus);
	cr_assert(strstr(log, want), "want:\n%s\nlog:\n%s", want, log);
	free(want);
	fleet_free(fl);
}

struct outcome {
	volatile bool done;
	int exit_status;
	char out[256];
	char why[256];
};
static struct outcome outs[3];
static volatile bool all_done;

static void one_done(const struct sshc_result *r, const struct mlc_err *err, long ms, void *arg)
{
	struct outcome *o = arg;
	o->exit_status = r ? r->exit_status : -1;
	snprintf(o->out, sizeof o->out, "%s", r && r->out ? r->out : "");
	snprintf(o->why, sizeof o->why, "%s", err && err->code ? err->msg : "");
	o->done = true;
	all_done = outs[0].done && outs[1].done && outs[2].done;
}

/* worker-2's session dies in the middle of its command (its sshd session
 * process is killed under it): head and worker-1 finish, worker-2 says why
 * and its node is down. */
Test(nodes, node_lost_mid_command, .fini = fini)
{
	load("");
	fl = fleet_new(&cfg, 600000, quiet, NULL);
	memset(outs, 0, sizeof outs);
	all_done = false;
	fleet_exec(fl, 0, "sleep 1; echo finished", 30000, one_done, &outs[0]);
	fleet_exec(fl, 1, "sleep 1; echo finished", 30000, one_done, &outs[1]);
	fleet_exec(fl, 2, "kill -9 $PPID; sleep 5; echo never", 30000, one_done, &outs[2]);
	cr_assert(stackenv_run_until(&all_done, 50000));
	for (int i = 0; i < 2; i++) {
		cr_assert_str_eq(outs[i].why, "", "%s", outs[i].why);
		cr_assert_eq(outs[i].exit_status, 0);
		cr_assert_str_eq(outs[i].out, "finished\n");
	}
	cr_assert_neq(outs[2].why[0], '\0', "the lost node must say why");
	cr_assert_eq(fl->nodes[2].state, FS_DOWN, "%d", fl->nodes[2].state);
	cr_assert_neq(fl->nodes[2].why[0], '\0');
	cr_assert_eq(fl->nodes[0].state, FS_UP);
	fleet_free(fl);
}

/* ---- [plan NAME]: steps run in order on the stack's nodes ---- */

/* hello leaves a line per node in a file of the test's own (@F@), which the
 * gate after it in "up" waits for: a first run runs it, a re-run finds the
 * gate holding and skips it */
static const char plan_ini[] =
    "[action hello]\ncommand = echo hello from {node}; echo {node} >> @F@\non = all\n"
    "[action picky]\ncommand = test {node} != worker-2 && echo fine\non = ray-worker\n"
    "[plan up]\nrun = hello\nwait = 20s on worker-1 test -s @F@\nwait = 20s ray 3\n"
    "[plan short]\nrun = hello\nwait = 1s ray 5\nrun = hello\n"
    "[plan fails]\nrun = picky\nrun = hello\n"
    "[plan net]\nwait = 5s tcp 127.0.0.1:@SSH@\nwait = 5s http http://127.0.0.1:@WEB@/health\n"
    "wait = 1s tcp 127.0.0.1:@GONE@\n";

static char hello_file[64];

/* plan_ini with the test's file and the stack's ports in */
static char *plan_text(void)
{
	snprintf(hello_file, sizeof hello_file, "/tmp/test_nodes_hello.%d", (int)getpid());
	unlink(hello_file);
	int gone_port, gone = listen_blackhole(&gone_port);
	close(gone);
	char gone_s[16];
	snprintf(gone_s, sizeof gone_s, "%d", gone_port);
	const char *from[] = {"@F@", "@SSH@", "@WEB@", "@GONE@"};
	const char *to[] = {hello_file, stackenv("SSH_HEAD_PORT"), stackenv("MLFLOW_PORT"), gone_s};
	struct buf b;
	buf_init(&b);
	for (const char *p = plan_ini; *p;) {
		size_t k = 0;
		while (k < 4 && strncmp(p, from[k], strlen(from[k])))
			k++;
		if (k < 4) {
			buf_puts(&b, to[k]);
			p += strlen(from[k]);
		} else {
			buf_append(&b, p++, 1);
		}
	}
	return buf_steal(&b);
}

static volatile bool plan_idle;
static struct plan_run *plan;

static void plan_changed(void *arg)
{
	plan_idle = !nodeplan_busy(plan);
}

/* Reads [plan name] and starts it on the open fleet. */
static void start_plan(const char *name, plan_changed_cb cb)
{
	struct plan_step *steps;
	int n;
	struct mlc_err e;
	cr_assert_eq(nodeplan_read(&cfg, name, &steps, &n, &e), 0, "%s", e.msg);
	plan = nodeplan_start(fl, steps, n, NULL, cb, NULL);
}

/* Loads plan_ini, opens the fleet and runs [plan name] to its end. */
static const struct plan_step *run_plan(const char *name, int *n)
{
	char *text = plan_text();
	load(text);
	free(text);
	fl = fleet_new(&cfg, 600000, quiet, NULL);
	plan_idle = false;
	start_plan(name, plan_changed);
	cr_assert(stackenv_run_until(&plan_idle, 50000), "plan %s did not end", name);
	return nodeplan_steps(plan, n);
}

Test(nodes, plan_gate_passes, .fini = fini)
{
	int n;
	const struct plan_step *s = run_plan("up", &n);
	cr_assert_eq(n, 3);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(s[i].state, PL_OK, "step %d: %s", i, s[i].msg);
	cr_assert_str_eq(s[0].msg, "3 nodes");
	cr_assert_not(s[0].skipped);
	cr_assert_str_eq(s[1].msg, "exit 0");
	cr_assert_str_eq(s[2].msg, "3 alive, want 3");
	nodeplan_free(plan);
	/* the same plan again: its gate holds, so hello does not run again */
	plan_idle = false;
	start_plan("up", plan_changed);
	cr_assert(stackenv_run_until(&plan_idle, 50000), "the re-run did not end");
	s = nodeplan_steps(plan, &n);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(s[i].state, PL_OK, "step %d: %s", i, s[i].msg);
	cr_assert(s[0].skipped);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(s[0].cells[i].state, PC_NONE, "skipped: ran on no node");
	cr_assert_eq(s[1].cells[1].state, PC_OK, "the gate held on worker-1");
	cr_assert_str_eq(s[0].msg, "skipped: the gate after it held already");
	cr_assert_str_eq(s[1].msg, "held already: exit 0");
	cr_assert_str_eq(s[2].msg, "held already: 3 alive, want 3", "every gate after it checked");
	FILE *f = fopen(hello_file, "r");
	cr_assert_not_null(f);
	int lines = 0;
	for (int c; (c = fgetc(f)) != EOF;)
		lines += c == '\n';
	fclose(f);
	cr_assert_eq(lines, 3, "hello ran once per node, not again");
	nodeplan_free(plan);
	fleet_free(fl);
	unlink(hello_file);
}

Test(nodes, plan_tcp_and_http_gates, .fini = fini)
{
	int n;
	const struct plan_step *s = run_plan("net", &n);
	cr_assert_eq(n, 3);
	cr_assert_eq(s[0].kind, PK_WAIT_TCP);
	cr_assert_eq(s[0].state, PL_OK, "%s", s[0].msg);
	cr_assert_str_eq(s[0].msg, "connected");
	cr_assert_eq(s[1].kind, PK_WAIT_HTTP);
	cr_assert_eq(s[1].state, PL_OK, "%s", s[1].msg);
	cr_assert_str_eq(s[1].msg, "HTTP 200");
	cr_assert_eq(s[2].state, PL_FAILED);
	cr_assert(strstr(s[2].msg, "timed out after 1 s: connect: connection refused"), "%s",
		  s[2].msg);
	cr_assert_geq(s[2].polls, 1);
	nodeplan_free(plan);
	fleet_free(fl);
}

Test(nodes, plan_gate_times_out, .fini = fini)
{
	int n;
	const struct plan_step *s = run_plan("short", &n);
	cr_assert_eq(s[0].state, PL_OK);
	cr_assert_eq(s[1].state, PL_FAILED);
	cr_assert(strstr(s[1].msg, "timed out after 1 s: 3 alive, want 5"), "%s", s[1].msg);
	cr_assert_eq(s[2].state, PL_PENDING, "the plan stops at the first failure");
	nodeplan_free(plan);
	fleet_free(fl);
}

Test(nodes, plan_step_fails_on_one_node, .fini = fini)
{
	int n;
	const struct plan_step *s = run_plan("fails", &n);
	cr_assert_eq(s[0].state, PL_FAILED);
	cr_assert(strstr(s[0].msg, "exit 1") && strstr(s[0].msg, "on worker-2"), "%s", s[0].msg);
	/* the grid: picky runs on the workers only, and fails on worker-2 */
	cr_assert_eq(s[0].cells[0].state, PC_NONE);
	cr_assert_eq(s[0].cells[1].state, PC_OK);
	cr_assert_eq(s[0].cells[2].state, PC_FAILED);
	cr_assert_eq(s[0].cells[2].exit_status, 1);
	cr_assert_geq(s[0].cells[2].end_ms, s[0].cells[2].start_ms);
	cr_assert_null(s[1].cells, "a step that never began has no cells");
	cr_assert_eq(s[1].state, PL_PENDING);
	/* retry runs the failed step again: it fails the same way */
	plan_idle = false;
	cr_assert(nodeplan_retry(plan));
	cr_assert(stackenv_run_until(&plan_idle, 50000));
	s = nodeplan_steps(plan, &n);
	cr_assert_eq(s[0].state, PL_FAILED);
	nodeplan_free(plan);
	fleet_free(fl);
}

/* ---- output as it comes ---- */

/* A FIFO a remote command reads from: it waits until the test writes. */
static void make_fifo(char *out, size_t n, const char *tag)
{
	snprintf(out, n, "/tmp/test_nodes_%s.%d", tag, (int)getpid());
	unlink(out);
	cr_assert_eq(mkfifo(out, 0600), 0);
}

/* Blocks until the remote shell opens the FIFO to read, then writes. */
static void fifo_write(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static volatile bool first_seen;
static char streamed_out[64];

static void streamed(const char *out, size_t out_len, const char *err, size_t err_len, void *arg)
{
	(void)err;
	(void)err_len;
	(void)arg;
	snprintf(streamed_out, sizeof streamed_out, "%.*s", (int)out_len, out);
	if (memmem(out, out_len, "first\n", 6))
		first_seen = true;
}

Test(nodes, output_streams_before_the_end, .fini = fini)
{
	/* the command prints a line, then waits for the test, which writes
	 * only once that line came: without streaming it never would */
	char fifo[64];
	make_fifo(fifo, sizeof fifo, "fifo");
	load("");
	fl = fleet_new(&cfg, 600000, quiet, NULL);
	char *cmd = xasprintf("echo first; read x < %s; echo \"$x\"", fifo);
	ran = first_seen = false;
	struct fleet_job *j = fleet_exec(fl, 1, cmd, 60000, exec_done, NULL);
	fleet_job_on_output(j, streamed, NULL);
	cr_assert(stackenv_run_until(&first_seen, 60000), "the first line never came alone");
	cr_assert_not(ran);
	cr_assert_str_eq(streamed_out, "first\n");
	fifo_write(fifo, "second\n");
	cr_assert(stackenv_run_until(&ran, 60000), "exec never called back");
	cr_assert_eq(exit_status, 0, "%s", why);
	cr_assert_str_eq(streamed_out, "first\nsecond\n");
	fleet_free(fl);
	unlink(fifo);
	free(cmd);
}

/* ---- compose projects and systemd units, where present ---- */

Test(nodes, compose_and_units_where_present, .fini = fini)
{
	char extra[512];
	snprintf(
	    extra, sizeof extra,
	    "[node svc]\nhost = 127.0.0.1\nport = %s\nuser = %s\nidentity = %s/ssh/id_ed25519\n"
	    "known_hosts = %s/ssh/known_hosts\nunits = docker.service k3s.service\n",
	    stackenv("SSH_HEAD_PORT"), stackenv("SSH_USER"), stackenv_dir(), stackenv_dir());
	load(extra);
	int want = 4;
	done = false;
	fl = fleet_new(&cfg, 600000, watch, &want);
	cr_assert(stackenv_run_until(&done, 50000), "the four nodes were not inspected");
	const struct fleet_node *svc = &fl->nodes[3], *w1 = &fl->nodes[1];
	/* head's host runs compose: two projects */
	cr_assert(svc->raw[FP_COMPOSE].ok, "%s", svc->raw[FP_COMPOSE].why);
	cr_assert_not(svc->no_compose);
	cr_assert_eq(svc->ncompose, 2);
	cr_assert_str_eq(svc->compose[0].name, "platform");
	/* a worker's docker has no compose: no card, no error */
	cr_assert(w1->no_compose);
	cr_assert_eq(w1->ncompose, 0);
	/* units: only where the section names some, each its own argument */
	cr_assert_null(fleet_probe_cmd(w1, FP_UNITS));
	cr_assert_not(w1->raw[FP_UNITS].ran);
	cr_assert(svc->raw[FP_UNITS].ok, "%s", svc->raw[FP_UNITS].why);
	cr_assert_eq(svc->nunits, 2);
	cr_assert_str_eq(svc->units[1].id, "k3s.service");
	cr_assert_str_eq(svc->units[1].active, "failed");
	char log[65536];
	read_argv_log("head", log, sizeof log);
	cr_assert(strstr(log, "systemctl 4\n4:show\n34:--property=Id,ActiveState,SubState\n"
			      "14:docker.service\n11:k3s.service\n"),
		  "%s", log);
	cr_assert(strstr(log, "docker 5\n7:compose\n2:ls\n5:--all\n8:--format\n4:json\n"), "%s",
		  log);
	fleet_free(fl);
}

static volatile bool step_line_seen;

static void step_watch(void *arg)
{
	int n;
	const struct plan_step *s = nodeplan_steps(plan, &n);
	if (s[0].state == PL_RUNNING && !strcmp(s[0].msg, "worker-1: pulling layer 2/3"))
		step_line_seen = true;
}

Test(nodes, plan_step_shows_its_last_line_while_it_runs, .fini = fini)
{
	char fifo[64];
	make_fifo(fifo, sizeof fifo, "pfifo");
	char *ini = xasprintf("[action pull]\ncommand = printf 'pulling layer 1/3\\npulling "
			      "layer 2/3\\n'; read x < %s; echo done\non = worker-1\n"
			      "[plan p]\nrun = pull\n",
			      fifo);
	load(ini);
	free(ini);
	fl = fleet_new(&cfg, 600000, quiet, NULL);
	step_line_seen = false;
	start_plan("p", step_watch);
	cr_assert(stackenv_run_until(&step_line_seen, 50000), "the step's last line never showed");
	fifo_write(fifo, "go\n");
	nodeplan_free(plan);
	fleet_free(fl);
	unlink(fifo);
}
