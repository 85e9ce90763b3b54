/* tests/unit/test_nodes_act.c — [action NAME] sections (read through the
 * config file parser), node selection by name, role and all, and template
 * expansion: every value single-quoted for the remote shell, the injection
 * corpus kept literal, newlines refused. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/core/config.h"
#include "lib/core/util.h"
#include "lib/ssh/nodeact.h"
#include "lib/ssh/nodegate.h"
#include "lib/ssh/nodeplan.h"

static struct config cfg;

static void load(const char *text)
{
	char path[] = "/tmp/test_nodes_act.XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	config_init(&cfg);
	struct mlc_err e;
	int rc = config_read_file(&cfg, path, &e);
	unlink(path);
	cr_assert_eq(rc, 0, "%s", e.msg);
}

static void fini(void)
{
	config_free(&cfg);
}

static const char ini[] = "[node head]\nhost = 10.0.0.1\nroles = ray-head\n"
			  "[node gpu-1]\nhost = 10.0.0.2\nport = 2222\nroles = ray-worker gpu\n"
			  "[action pull]\ncommand = docker pull {image} && echo {node} {port}\n"
			  "on = gpu\nimage = ray:2.9;rm -rf / $(id) `id` 'q' \"d\"\n"
			  "[action join]\ncommand = ray start --address={head_ip}:6379\n"
			  "on = ray-worker\nconfirm = false\n";

Test(nodes_act, read_and_select, .fini = fini)
{
	load(ini);
	cr_assert_eq(cfg.nsections, 2);
	cr_assert(cfg.nwarnings == 0, "%s", cfg.warnings[0]);
	struct nodeact a;
	struct mlc_err e;
	cr_assert_eq(nodeact_find(&cfg, "pull", &a, &e), 0);
	cr_assert(a.confirm);
	cr_assert_str_eq(a.on, "gpu");
	cr_assert_not(nodeact_selects(a.on, config_target(&cfg, "head")));
	cr_assert(nodeact_selects(a.on, config_target(&cfg, "gpu-1")));
	cr_assert(nodeact_selects("all", config_target(&cfg, "head")));
	cr_assert(nodeact_selects("head", config_target(&cfg, "head")));
	cr_assert_not(nodeact_selects("hea", config_target(&cfg, "head")));
	cr_assert_eq(nodeact_find(&cfg, "join", &a, &e), 0);
	cr_assert_not(a.confirm);
	cr_assert_eq(nodeact_find(&cfg, "nope", &a, &e), -MLC_ERR_NOTFOUND);
	cr_assert_str_eq(nodeact_head_ip(&cfg), "10.0.0.1");
}

Test(nodes_act, expand_quotes_every_value, .fini = fini)
{
	load(ini);
	struct nodeact a;
	struct mlc_err e;
	cr_assert_eq(nodeact_find(&cfg, "pull", &a, &e), 0);
	struct nodeact_vars v = {.node = "gpu-1", .host = "10.0.0.2", .port = 2222};
	struct buf b;
	buf_init(&b);
	cr_assert_eq(nodeact_expand(a.command, &v, a.cs, &b, &e), 0, "%s", e.msg);
	buf_append(&b, "", 1);
	cr_assert_str_eq(b.data, "docker pull 'ray:2.9;rm -rf / $(id) `id` '\\''q'\\'' \"d\"' && "
				 "echo 'gpu-1' '2222'");
	buf_free(&b);
}

Test(nodes_act, refusals)
{
	struct nodeact_vars v = {.node = "a\nb", .host = "h"};
	struct buf b;
	struct mlc_err e;
	buf_init(&b);
	cr_assert_lt(nodeact_expand("echo {node}", &v, NULL, &b, &e), 0);
	cr_assert(strstr(e.msg, "newline"), "%s", e.msg);
	cr_assert_lt(nodeact_expand("echo {head_ip}", &v, NULL, &b, &e), 0);
	cr_assert(strstr(e.msg, "{head_ip} is not set"), "%s", e.msg);
	cr_assert_lt(nodeact_expand("echo {nope", &v, NULL, &b, &e), 0);
	cr_assert_lt(nodeact_expand("echo {command}", &v, NULL, &b, &e), 0);
	buf_reset(&b);
	cr_assert_eq(nodeact_expand("awk '{{print}}' {host}", &v, NULL, &b, &e), 0);
	buf_append(&b, "", 1);
	cr_assert_str_eq(b.data, "awk '{print}' 'h'");
	buf_free(&b);
}

Test(nodes_act, section_errors, .fini = fini)
{
	load("[action x]\non = all\n[action y]\ncommand = true\nconfirm = maybe\n");
	struct nodeact a;
	struct mlc_err e;
	cr_assert_lt(nodeact_find(&cfg, "x", &a, &e), 0);
	cr_assert(strstr(e.msg, "command is required"), "%s", e.msg);
	cr_assert_lt(nodeact_find(&cfg, "y", &a, &e), 0);
	cr_assert(strstr(e.msg, ":5: [action y]") || strstr(e.msg, "confirm"), "%s", e.msg);
}

static char *joined(char **v)
{
	struct buf b;
	buf_init(&b);
	for (char **a = v; *a; a++)
		buf_printf(&b, "%s[%s]", a == v ? "" : " ", *a);
	return buf_steal(&b);
}

Test(nodes_act, shell_argv)
{
	struct target t = {.name = "gpu-1",
			   .host = "10.0.0.11",
			   .port = 2222,
			   .user = "ops",
			   .identity = "/keys/gpu",
			   .known_hosts = "/my hosts/kh",
			   .accept_new = true,
			   .jump = "ops@10.0.0.1:22"};
	struct mlc_err e;
	char **v = nodeact_shell_argv(&t, &e);
	cr_assert_not_null(v, "%s", e.msg);
	char *s = joined(v);
	cr_assert_str_eq(s, "[ssh] [-p] [2222] [-l] [ops] [-i] [/keys/gpu] [-o] "
			    "[UserKnownHostsFile=\"/my hosts/kh\"] [-o] "
			    "[StrictHostKeyChecking=accept-new] [-J] [ops@10.0.0.1:22] [--] "
			    "[10.0.0.11]");
	free(s);
	strv_free(v);
	struct target bare = {.name = "h", .host = "h.example"};
	v = nodeact_shell_argv(&bare, &e);
	s = joined(v);
	cr_assert_str_eq(s, "[ssh] [--] [h.example]", "defaults left to ssh itself");
	free(s);
	strv_free(v);
	/* a value ssh would take as an option, or a control character */
	struct target bad[] = {
	    {.name = "a", .host = "-oProxyCommand=touch /tmp/x"},
	    {.name = "b", .host = "h", .user = "-oProxyCommand=x"},
	    {.name = "c", .host = "h", .jump = "-oProxyCommand=x"},
	    {.name = "d", .host = "h\nx"},
	    {.name = "e", .host = ""},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		cr_assert_null(nodeact_shell_argv(&bad[i], &e), "%s", bad[i].name);
		cr_assert_eq(e.code, MLC_ERR_USAGE);
	}
}

Test(nodes_act, plan_gate_forms, .fini = fini)
{
	load("[action a]\ncommand = true\non = all\n"
	     "[plan p]\nrun = a\nwait = 30s tcp 10.0.0.1:6379\nwait = 2m http "
	     "http://10.0.0.1:8265/api/version\nwait = 5s tcp [::1]:22\n"
	     "[plan bad1]\nwait = 30s tcp 10.0.0.1\n"
	     "[plan bad2]\nwait = 30s http ftp://x/\n"
	     "[plan bad3]\nwait = 30s tcp host:0\n");
	struct plan_step *s;
	int n;
	struct mlc_err e;
	cr_assert_eq(nodeplan_read(&cfg, "p", &s, &n, &e), 0, "%s", e.msg);
	cr_assert_eq(n, 4);
	cr_assert_eq(s[1].kind, PK_WAIT_TCP);
	cr_assert_str_eq(s[1].command, "10.0.0.1:6379");
	cr_assert_eq(s[1].timeout_ms, 30000);
	cr_assert_eq(s[2].kind, PK_WAIT_HTTP);
	cr_assert_str_eq(s[2].command, "http://10.0.0.1:8265/api/version");
	cr_assert_eq(s[2].timeout_ms, 120000);
	cr_assert_eq(s[3].kind, PK_WAIT_TCP);
	free(s);
	for (int i = 1; i <= 3; i++) {
		char name[16];
		snprintf(name, sizeof name, "bad%d", i);
		cr_assert_lt(nodeplan_read(&cfg, name, &s, &n, &e), 0, "%s", name);
		cr_assert(strstr(e.msg, "'TIMEOUT tcp HOST:PORT'"), "%s", e.msg);
	}
	char host[64];
	int port;
	cr_assert_eq(nodegate_hostport("[::1]:22", host, sizeof host, &port), 0);
	cr_assert_str_eq(host, "::1");
	cr_assert_eq(port, 22);
	cr_assert_lt(nodegate_hostport(":22", host, sizeof host, &port), 0);
	cr_assert_lt(nodegate_hostport("h:22x", host, sizeof host, &port), 0);
	cr_assert_lt(nodegate_hostport("[::1]22", host, sizeof host, &port), 0);
}
