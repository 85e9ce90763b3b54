/* tests/unit/test_sshconf.c — ~/.ssh/config lookups as ssh(1) does them, and
 * their effect on [node] targets. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/core/config.h"
#include "lib/core/sshconf.h"
#include "lib/core/util.h"

static char *write_tmp(const char *text)
{
	char *path = xstrdup("/tmp/mlc-sshconf-XXXXXX");
	int fd = mkstemp(path);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

Test(sshconf, patterns)
{
	cr_assert(sshconf_match("gpu-*", "gpu-1"));
	cr_assert(sshconf_match("head gpu-?", "gpu-7"));
	cr_assert(sshconf_match("a,b,c", "b"));
	cr_assert_not(sshconf_match("gpu-?", "gpu-10"));
	cr_assert_not(sshconf_match("* !bastion", "bastion"));
	cr_assert(sshconf_match("* !bastion", "head"));
	cr_assert(sshconf_match("HEAD", "head"), "host names match without case");
}

Test(sshconf, first_value_wins)
{
	char *p = write_tmp("# platform nodes\n"
			    "Host gpu-*\n"
			    "  HostName 10.0.0.11\n"
			    "  User ops\n"
			    "  IdentityFile ~/.ssh/gpu_ed25519\n"
			    "Host *\n"
			    "  User nobody\n"
			    "  Port=2222\n"
			    "  IdentityFile ~/.ssh/id_ed25519\n");
	setenv("HOME", "/home/ana", 1);
	struct sshconf_host h;
	cr_assert(sshconf_lookup(p, "gpu-1", &h));
	cr_assert_str_eq(h.hostname, "10.0.0.11");
	cr_assert_str_eq(h.user, "ops");
	cr_assert_eq(h.port, 2222);
	cr_assert_str_eq(h.identity, "/home/ana/.ssh/gpu_ed25519");
	cr_assert(sshconf_lookup(p, "head", &h));
	cr_assert_str_eq(h.hostname, "");
	cr_assert_str_eq(h.user, "nobody");
	unlink(p);
	free(p);
}

Test(sshconf, missing_file_and_no_match)
{
	struct sshconf_host h;
	cr_assert_not(sshconf_lookup("/nonexistent/ssh_config", "head", &h));
	char *p = write_tmp("Host other\n  User x\nMatch exec \"false\"\n  User y\n");
	cr_assert_not(sshconf_lookup(p, "head", &h));
	cr_assert_str_eq(h.user, "");
	unlink(p);
	free(p);
}

/* Reads ini with ssh as the ssh_config, as the console does at start. */
static void load(struct config *c, const char *ssh, const char *ini)
{
	struct mlc_err err;
	setenv("MLC_SSH_CONFIG", ssh, 1);
	config_init(c);
	cr_assert_eq(config_read_file(c, ini, &err), 0, "%s", err.msg);
	config_apply_env(c);
}

static void unload(struct config *c, char *ssh, char *ini)
{
	config_free(c);
	unsetenv("MLC_SSH_CONFIG");
	unlink(ssh);
	unlink(ini);
	free(ssh);
	free(ini);
}

Test(sshconf, fills_node_targets_but_not_what_the_file_sets)
{
	char *ssh = write_tmp("Host head\n  HostName 10.0.0.10\n  User ops\n  Port 2200\n"
			      "  IdentityFile /keys/head\n");
	char *ini = write_tmp("[node head]\nhost = head\n\n[node gpu]\nhost = gpu\nuser = ana\n");
	struct config c;
	load(&c, ssh, ini);
	struct target *head = config_target(&c, "head"), *gpu = config_target(&c, "gpu");
	cr_assert_str_eq(head->host, "10.0.0.10");
	cr_assert_str_eq(head->user, "ops");
	cr_assert_eq(head->port, 2200);
	cr_assert_str_eq(head->identity, "/keys/head");
	cr_assert_str_eq(gpu->host, "gpu");
	cr_assert_str_eq(gpu->user, "ana");
	char *ep = target_endpoint(head);
	cr_assert_str_eq(ep, "ops@10.0.0.10:2200");
	free(ep);
	unload(&c, ssh, ini);
}

Test(sshconf, jump_names_a_node_or_a_host)
{
	char *ssh = write_tmp("Host gpu-*\n  ProxyJump gate\nHost gate\n  HostName 10.0.0.1\n"
			      "  User ops\n  Port 2222\n");
	char *ini = write_tmp("[node bastion]\nhost = 10.9.9.9\nuser = jo\nport = 2200\n\n"
			      "[node head]\nhost = head\njump = bastion\n\n"
			      "[node gpu-1]\nhost = gpu-1\n\n"
			      "[node gpu-2]\nhost = gpu-2\njump = none\n\n"
			      "[node w]\nhost = w\njump = me@b.example:23\n");
	struct config c;
	load(&c, ssh, ini);
	cr_assert_eq(c.nwarnings, 0, "%s", c.nwarnings ? c.warnings[0] : "");
	cr_assert_str_eq(config_target(&c, "head")->jump, "jo@10.9.9.9:2200");
	cr_assert_str_eq(config_target(&c, "gpu-1")->jump, "ops@10.0.0.1:2222");
	cr_assert_null(config_target(&c, "gpu-2")->jump);
	cr_assert_str_eq(config_target(&c, "w")->jump, "me@b.example:23");
	cr_assert_null(config_target(&c, "bastion")->jump);
	unload(&c, ssh, ini);
}
