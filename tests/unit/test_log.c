/* tests/unit/test_log.c — the log ring and file: order, wrap-around,
 * sanitizing, the file's mode, levels on stderr off by default. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/core/log.h"
#include "lib/core/util.h"

Test(log, ring_keeps_the_newest_in_order)
{
	log_open("", 3);
	unsigned long seq0 = log_seq();
	for (int i = 1; i <= 5; i++)
		log_info("message %d", i);
	cr_assert_eq(log_count(), 3);
	cr_assert_str_eq(log_get(0)->text, "message 3");
	cr_assert_str_eq(log_get(2)->text, "message 5");
	cr_assert_null(log_get(3));
	cr_assert_null(log_get(-1));
	cr_assert_eq(log_seq() - seq0, 5);
	log_close();
}

Test(log, messages_are_sanitized)
{
	log_open("", 10);
	log_warn("svc: %s", "evil\x1b[2J\r\xff");
	cr_assert_str_eq(log_get(0)->text, "svc: evil\\e[2J\\r\\xff");
	cr_assert_eq(log_get(0)->level, LOG_WARN);
	log_close();
}

Test(log, file_is_private_and_holds_the_lines)
{
	char dir[] = "/tmp/mlc-log-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char *path = xasprintf("%s/sub/mlconsole.log", dir);
	log_open(path, 10);
	log_error("disk %s", "full");
	log_close();
	struct stat st;
	cr_assert_eq(stat(path, &st), 0, "log file not created");
	cr_assert_eq(st.st_mode & 077, 0, "log readable by others: %o", st.st_mode & 0777);
	FILE *f = fopen(path, "r");
	char line[256] = "";
	cr_assert_not_null(fgets(line, sizeof line, f));
	fclose(f);
	cr_assert(strstr(line, "error disk full"), "line: %s", line);
	unlink(path);
	free(path);
}

Test(log, default_path_under_xdg_state_home)
{
	char dir[] = "/tmp/mlc-log-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	setenv("XDG_STATE_HOME", dir, 1);
	log_open(NULL, 10);
	char *want = xasprintf("%s/mlconsole/mlconsole.log", dir);
	cr_assert_str_eq(log_path(), want);
	log_close();
	unlink(want);
	free(want);
}

/* An audit line names the target, the request and the result, carries the
 * full date and time in the file, and is sanitized like every line. */
Test(log, audit_lines_carry_the_date_and_stay_inert)
{
	char dir[] = "/tmp/mlc-log-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char *path = xasprintf("%s/audit.log", dir);
	log_open(path, 10);
	log_audit("minio", "DELETE s3://mlflow/a\x1b[2Jb", "204");
	cr_assert_eq(log_get(0)->level, LOG_AUDIT);
	cr_assert_str_eq(log_get(0)->text, "minio: DELETE s3://mlflow/a\\e[2Jb -> 204");
	log_close();
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f);
	char line[256] = "";
	cr_assert_not_null(fgets(line, sizeof line, f));
	fclose(f);
	int y, mo, d, h, mi, s;
	char rest[200];
	cr_assert_eq(sscanf(line, "%4d-%2d-%2dT%2d:%2d:%2dZ audit %199[^\n]", &y, &mo, &d, &h, &mi,
			    &s, rest),
		     7, "%s", line);
	cr_assert(y >= 2024 && mo >= 1 && mo <= 12);
	cr_assert_str_eq(rest, "minio: DELETE s3://mlflow/a\\e[2Jb -> 204");
	unlink(path);
	rmdir(dir);
	free(path);
}
