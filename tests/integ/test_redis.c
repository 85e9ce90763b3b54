/* tests/integ/test_redis.c — lib/redis/redisc.c against the redis-server of
 * the local stack ($MLC_STACK_DIR/env: REDIS_PORT, REDIS_PASSWORD_FILE; it
 * runs with requirepass): up with its version, a wrong password, no
 * password, a db out of range, a closed port, and cancellation. Every test
 * ends with nothing in flight and every handle closed. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/core/loop.h"
#include "lib/core/util.h"
#include "lib/redis/redisc.h"
#include "stackenv.h"

struct got {
	volatile bool done;
	int calls;
	int code;
	char msg[256];
	struct redisc_info info;
};

static void on_ping(const struct redisc_info *info, const struct mlc_err *err, void *arg)
{
	struct got *g = arg;
	g->calls++;
	g->done = true;
	if (err) {
		g->code = err->code;
		strlcpy_m(g->msg, err->msg, sizeof g->msg);
		cr_assert_null(info);
		return;
	}
	g->code = MLC_OK;
	g->info = *info;
}

static char password[128];

static void url_of(struct redis_url *u, const char *pw, int db)
{
	char url[300];
	const char *port = stackenv("REDIS_PORT");
	cr_assert_not_null(port, "no REDIS_PORT in the stack's env");
	if (pw)
		snprintf(url, sizeof url, "redis://:%s@127.0.0.1:%s/%d", pw, port, db);
	else
		snprintf(url, sizeof url, "redis://127.0.0.1:%s/%d", port, db);
	struct mlc_err e;
	cr_assert_eq(redis_url_parse(url, u, &e), 0, "%s", e.msg);
}

static void setup(void)
{
	const char *f = stackenv("REDIS_PASSWORD_FILE");
	cr_assert_not_null(f);
	FILE *fp = fopen(f, "r");
	cr_assert_not_null(fp);
	cr_assert_not_null(fgets(password, sizeof password, fp));
	fclose(fp);
	password[strcspn(password, "\n")] = '\0';
}

static void teardown(void)
{
	cr_assert_eq(loop_busy(), 0, "something still in flight");
	loop_shutdown();
}

TestSuite(redisc, .init = setup, .fini = teardown, .timeout = 30);

/* Runs one exchange to its end; the callback must come exactly once. */
static void ping(const struct redis_url *u, struct got *g)
{
	memset(g, 0, sizeof *g);
	redisc_ping(u, 5000, on_ping, g);
	cr_assert_eq(g->calls, 0, "the callback ran inside redisc_ping");
	cr_assert(stackenv_run_until(&g->done, 10000), "no answer");
	cr_assert_eq(g->calls, 1);
}

Test(redisc, up_with_version)
{
	struct redis_url u;
	struct got g;
	url_of(&u, password, 3);
	ping(&u, &g);
	cr_assert_eq(g.code, MLC_OK, "%s", g.msg);
	cr_assert(g.info.version[0] >= '1' && g.info.version[0] <= '9', "version '%s'",
		  g.info.version);
	cr_assert(strchr(g.info.version, '.') != NULL, "version '%s'", g.info.version);
	cr_assert_str_eq(g.info.mode, "standalone");
	cr_assert_geq(g.info.latency_ms, 0);
}

/* An exchange with password pw (NULL: none) and db that must fail with
 * code, its message holding both words and never the password. */
static void fails_with(const char *pw, int db, int code, const char *w1, const char *w2)
{
	struct redis_url u;
	struct got g;
	url_of(&u, pw, db);
	ping(&u, &g);
	cr_assert_eq(g.code, code, "%s", g.msg);
	cr_assert(strstr(g.msg, w1) && strstr(g.msg, w2), "%s", g.msg);
	cr_assert_null(strstr(g.msg, pw ? pw : "\x01"), "the password leaked: %s", g.msg);
}

Test(redisc, wrong_password_is_an_auth_error_naming_it)
{
	fails_with("not-the-password", 0, MLC_ERR_AUTH, "wrong password", "WRONGPASS");
}

Test(redisc, no_password_is_noauth)
{
	fails_with(NULL, 0, MLC_ERR_AUTH, "NOAUTH", "requires a password");
}

Test(redisc, db_out_of_range_is_named)
{
	fails_with(password, 999, MLC_ERR_PROTO, "SELECT", "out of range");
}

/* A loopback port nothing listens on: bound, read, closed (the stack's own
 * redis stays up for the tests running beside this one). */
static int closed_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof sa;
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	close(fd);
	return ntohs(sa.sin_port);
}

Test(redisc, closed_port_is_a_connect_error)
{
	struct redis_url u;
	struct got g;
	url_of(&u, password, 0);
	u.port = closed_port();
	ping(&u, &g);
	cr_assert_eq(g.code, MLC_ERR_CONNECT, "%s", g.msg);
	cr_assert(strstr(g.msg, "connection refused"), "%s", g.msg);
}

Test(redisc, cancel_means_no_callback)
{
	struct redis_url u;
	struct got g = {0}, later = {0};
	url_of(&u, password, 0);
	struct redisc_req *r = redisc_ping(&u, 5000, on_ping, &g);
	redisc_cancel(r);
	/* A second exchange, run to its end, gives the first every chance to
	 * call back wrongly. */
	ping(&u, &later);
	cr_assert_eq(later.code, MLC_OK, "%s", later.msg);
	cr_assert_eq(g.calls, 0);
}
