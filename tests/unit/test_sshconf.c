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

Test(sshconf, fills_node_targets_but_not_what_the_file_sets)
{
	char *ssh = write_tmp("Host head\n  HostName 10.0.0.10\n  User ops\n  Port 2200\n"
			      "  IdentityFile /keys/head\n");
	char *ini = write_tmp("[node head]\nhost = head\n\n[node gpu]\nhost = gpu\nuser = ana\n");
	setenv("MLC_SSH_CONFIG", ssh, 1);
	struct config c;
	struct mlc_err err;
	config_init(&c);
	cr_assert_eq(config_read_file(&c, ini, &err), 0, "%s", err.msg);
	config_apply_env(&c);
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
	config_free(&c);
	unsetenv("MLC_SSH_CONFIG");
	unlink(ssh);
	unlink(ini);
	free(ssh);
	free(ini);
}
