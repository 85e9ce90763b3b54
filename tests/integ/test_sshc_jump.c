/* tests/integ/test_sshc_jump.c — ProxyJump through the stack's bastion sshd
 * (SSH_BASTION_PORT, which forwards to the three nodes only): a command run
 * over the tunnel, several channels at once, a forward the bastion refuses
 * (which proves the way goes through it), a bastion that is down, a bad
 * spec, and the target's transport going down with the tunnel.
 * Tests wait on callbacks, never for a fixed time. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "lib/core/loop.h"
#include "lib/core/util.h"
#include "lib/ssh/sshc.h"
#include "stackenv.h"

static void settle(void)
{
	for (int i = 0; i < 4; i++)
		uv_run(loop_get(), UV_RUN_NOWAIT);
}

static void fini(void)
{
	settle();
	loop_shutdown();
}

#define JUMP_TEST(name) Test(sshc_jump, name, .fini = fini)

static char key_path[512], kh_path[512], jump_spec[128];

static int env_port(const char *name)
{
	const char *p = stackenv(name);
	cr_assert_not_null(p, "%s missing from %s/env", name, stackenv_dir());
	return atoi(p);
}

/* Options for node `port_var` through the bastion. */
static struct sshc_opts jump_opts(const char *port_var)
{
	snprintf(key_path, sizeof key_path, "%s", stackenv("SSH_IDENTITY"));
	snprintf(kh_path, sizeof kh_path, "%s", stackenv("SSH_KNOWN_HOSTS"));
	snprintf(jump_spec, sizeof jump_spec, "127.0.0.1:%d", env_port("SSH_BASTION_PORT"));
	struct sshc_opts o = {
	    .host = "127.0.0.1",
	    .port = env_port(port_var),
	    .user = stackenv("SSH_USER"),
	    .identity = key_path,
	    .known_hosts = kh_path,
	    .no_agent = true,
	    .connect_timeout_ms = 10000,
	    .jump = jump_spec,
	};
	return o;
}

struct conn_wait {
	volatile bool done;
	int calls;
	bool ok;
	struct mlc_err err;
};

static void on_conn(struct sshc_session *s, const struct mlc_err *err, void *arg)
{
	struct conn_wait *w = arg;
	(void)s;
	w->calls++;
	w->done = true;
	w->ok = err == NULL;
	if (err)
		w->err = *err;
}

static struct sshc_session *connect_wait(const struct sshc_opts *o, struct conn_wait *w)
{
	memset(w, 0, sizeof *w);
	struct sshc_session *s = sshc_connect(o, on_conn, w);
	cr_assert_eq(w->calls, 0, "callback must not run inside sshc_connect");
	cr_assert(stackenv_run_until(&w->done, 30000), "connect never called back");
	cr_assert_eq(w->calls, 1);
	return s;
}

struct exec_wait {
	volatile bool done;
	bool has_err;
	int status;
	char out[256];
	struct mlc_err err;
};

static void on_exec(const struct sshc_result *r, const struct mlc_err *err, void *arg)
{
	struct exec_wait *w = arg;
	w->done = true;
	w->has_err = err != NULL;
	if (err)
		w->err = *err;
	if (r) {
		w->status = r->exit_status;
		snprintf(w->out, sizeof w->out, "%s", r->out);
	}
}

static void close_and_check(struct sshc_session *s)
{
	sshc_close(s);
	settle();
	cr_assert_eq(loop_busy(), 0, "loop_busy() = %d after close", loop_busy());
}

JUMP_TEST(command_through_the_bastion)
{
	struct sshc_opts o = jump_opts("SSH_WORKER1_PORT");
	struct conn_wait cw;
	struct sshc_session *s = connect_wait(&o, &cw);
	cr_assert(cw.ok, "%s", cw.err.msg);
	cr_assert(sshc_is_up(s));
	cr_assert(strstr(sshc_banner(s), "OpenSSH"), "%s", sshc_banner(s));
	/* the node's own environment: MLC_NODE is set by worker1's sshd */
	struct exec_wait w[3] = {0};
	for (int i = 0; i < 3; i++)
		sshc_exec(s, "echo $MLC_NODE; head -c 200000 /dev/zero | wc -c", 0, 60000, on_exec,
			  &w[i]);
	for (int i = 0; i < 3; i++) {
		cr_assert(stackenv_run_until(&w[i].done, 60000), "exec %d never called back", i);
		cr_assert_not(w[i].has_err, "%s", w[i].err.msg);
		cr_assert_eq(w[i].status, 0);
		cr_assert_str_eq(w[i].out, "worker1\n200000\n");
	}
	close_and_check(s);
}

JUMP_TEST(forward_refused_by_the_bastion)
{
	/* the bastion permits the three nodes only: a forward to Postgres is
	 * refused there, which a direct connection would never see */
	struct sshc_opts o = jump_opts("PG_PORT");
	struct conn_wait cw;
	struct sshc_session *s = connect_wait(&o, &cw);
	cr_assert_not(cw.ok);
	cr_assert_not(sshc_is_up(s));
	cr_assert(strstr(cw.err.msg, "tunnel"), "%s", cw.err.msg);
	close_and_check(s);
}

JUMP_TEST(bastion_down)
{
	struct sshc_opts o = jump_opts("SSH_HEAD_PORT");
	snprintf(jump_spec, sizeof jump_spec, "127.0.0.1:1"); /* nothing listens on port 1 */
	struct conn_wait cw;
	struct sshc_session *s = connect_wait(&o, &cw);
	cr_assert_not(cw.ok);
	cr_assert_eq(cw.err.code, MLC_ERR_CONNECT, "%d %s", cw.err.code, cw.err.msg);
	cr_assert(strstr(cw.err.msg, "jump host of"), "%s", cw.err.msg);
	close_and_check(s);
}

JUMP_TEST(bad_spec)
{
	struct sshc_opts o = jump_opts("SSH_HEAD_PORT");
	static const char *const bad[] = {"a,b", "host:99999", "@:22", "u@[::1"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		o.jump = bad[i];
		struct conn_wait cw;
		struct sshc_session *s = connect_wait(&o, &cw);
		cr_assert_not(cw.ok, "%s", bad[i]);
		cr_assert_eq(cw.err.code, MLC_ERR_USAGE, "%s: %s", bad[i], cw.err.msg);
		close_and_check(s);
	}
}

JUMP_TEST(target_down_when_the_tunnel_ends)
{
	struct sshc_opts o = jump_opts("SSH_WORKER2_PORT");
	struct conn_wait cw;
	struct sshc_session *s = connect_wait(&o, &cw);
	cr_assert(cw.ok, "%s", cw.err.msg);
	/* worker2's sshd goes away under the tunnel: the bastion closes the
	 * forwarded channel and the target session notices */
	struct exec_wait w = {0};
	sshc_exec(s, "kill $PPID; sleep 30", 0, 60000, on_exec, &w);
	cr_assert(stackenv_run_until(&w.done, 60000), "exec never called back");
	cr_assert(w.has_err || w.status != 0);
	close_and_check(s);
}
