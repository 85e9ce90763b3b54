/* tests/unit/test_download.c — lib/core/download's local side (issue 8 item
 * 14): where a typed path lands (~, ~/x, a directory) and a PATH.part that
 * is not ours left untouched. The HTTP side is in test_http.c. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/core/download.h"
#include "lib/core/loop.h"
#include "lib/core/util.h"
#include "runloop.h"

static void teardown(void)
{
	http_shutdown();
	runloop_close();
	loop_shutdown();
}

TestSuite(download, .fini = teardown);

static char *tmp_dir(void)
{
	char tmpl[] = "/tmp/mlc-dlp-XXXXXX";
	cr_assert_not_null(mkdtemp(tmpl));
	return xstrdup(tmpl);
}

Test(download, tilde_expands_to_home)
{
	char *dir = tmp_dir();
	char *p = dl_local_path("~", "a.json", dir);
	char *want = xasprintf("%s/a.json", dir);
	cr_assert_str_eq(p, want, "~ is home, a directory: the default name inside");
	free(p);
	free(want);
	p = dl_local_path("~/x.csv", "a.json", dir);
	want = xasprintf("%s/x.csv", dir);
	cr_assert_str_eq(p, want);
	free(p);
	free(want);
	/* ~user and a ~ elsewhere are left as typed */
	p = dl_local_path("~bob/x", "a.json", dir);
	cr_assert_str_eq(p, "~bob/x");
	free(p);
	p = dl_local_path("x~/y", "a.json", dir);
	cr_assert_str_eq(p, "x~/y");
	free(p);
	/* no home: nothing to expand */
	p = dl_local_path("~/x", "a.json", NULL);
	cr_assert_str_eq(p, "~/x");
	free(p);
	rmdir(dir);
	free(dir);
}

Test(download, a_directory_gets_the_default_name)
{
	char *dir = tmp_dir();
	char *p = dl_local_path(dir, "model.pkl", NULL);
	char *want = xasprintf("%s/model.pkl", dir);
	cr_assert_str_eq(p, want);
	free(p);
	char *slash = xasprintf("%s/", dir);
	p = dl_local_path(slash, "model.pkl", NULL);
	cr_assert_str_eq(p, want, "no double slash");
	free(p);
	free(want);
	free(slash);
	/* a file that is not a directory is the path itself */
	p = dl_local_path("/tmp/not-a-dir-mlc.bin", "model.pkl", NULL);
	cr_assert_str_eq(p, "/tmp/not-a-dir-mlc.bin");
	free(p);
	rmdir(dir);
	free(dir);
}

Test(download, dotfiles_are_named)
{
	cr_assert(dl_is_dotfile(".bash_profile"));
	cr_assert(dl_is_dotfile("/home/u/.bashrc"));
	cr_assert(!dl_is_dotfile("/home/.u/bashrc"));
	cr_assert(!dl_is_dotfile("a.json"));
}

struct done_call {
	int calls;
	int code;
	char msg[256];
};

static void on_done(const struct dl_result *r, const struct mlc_err *err, void *arg)
{
	(void)r;
	struct done_call *c = arg;
	c->calls++;
	c->code = err ? err->code : MLC_OK;
	snprintf(c->msg, sizeof c->msg, "%s", err ? err->msg : "");
}

/* Someone else's PATH.part (another download, or a file of the user's):
 * the download fails before sending anything and the file keeps its bytes. */
Test(download, an_existing_part_file_is_not_truncated)
{
	char *dir = tmp_dir();
	char *path = xasprintf("%s/data.bin", dir);
	char *part = dl_part_path(path);
	FILE *f = fopen(part, "w");
	fputs("another download's bytes", f);
	fclose(f);
	/* nothing listens on port 9: were the request sent, it would fail
	 * with a transport error, not the local one asserted */
	struct http_opts o = {.url = "http://127.0.0.1:9/x"};
	struct done_call c = {0};
	struct dl_opts d = {.done = on_done, .arg = &c};
	dl_start(&o, path, &d);
	RUN_UNTIL(c.calls);
	cr_assert_eq(c.code, MLC_ERR_IO, "%s", c.msg);
	cr_assert_not_null(strstr(c.msg, ".part exists"), "%s", c.msg);
	struct stat st;
	cr_assert_eq(stat(part, &st), 0, "the part file is still there");
	cr_assert_eq(st.st_size, (off_t)strlen("another download's bytes"));
	cr_assert_neq(access(path, F_OK), 0);
	unlink(part);
	rmdir(dir);
	free(part);
	free(path);
	free(dir);
}
