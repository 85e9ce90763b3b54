/* tests/unit/test_ray_jobs.c — lib/ray/ray_jobs.c: /api/jobs/ (a bare array
 * of both job types), one job, its logs and the answer to stop, on the
 * shapes in tests/fixtures/ray, then bodies with fields missing, of the
 * wrong type, NULs and escapes: absent stays absent, nothing crashes. */
#include "lib/ray/ray.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "lib/core/util.h"

#define LIT(s) s, sizeof(s) - 1

Test(ray_jobs, list_fixture)
{
	size_t len;
	char *b = fixture_read("tests/fixtures/ray/jobs-list.json", &len);
	struct ray_jobs js;
	struct mlc_err e = {0};
	cr_assert_eq(ray_jobs_parse(&js, b, len, &e), 0, "%s", e.msg);
	cr_assert_eq(js.n, 6);
	const struct ray_job *j = &js.v[0];
	cr_assert_str_eq(j->submission_id, "raysubmit_Cg1xTzVEYTmWx3cb");
	cr_assert_str_eq(j->status, "SUCCEEDED");
	cr_assert_str_eq(j->entrypoint, "python train.py --epochs 10");
	cr_assert_str_eq(j->driver_ip, "10.0.0.10");
	cr_assert_eq(j->start_ms, 1718097305123LL);
	cr_assert_eq(j->end_ms, 1718098011456LL);
	cr_assert(j->has_exit_code);
	cr_assert_eq(j->exit_code, 0);
	cr_assert_eq(j->nmetadata, 2);
	cr_assert_str_eq(js.v[1].status, "RUNNING");
	cr_assert_eq(js.v[1].end_ms, 0, "end_time null");
	cr_assert_not(js.v[1].has_exit_code, "driver_exit_code null");
	cr_assert_eq(js.v[4].exit_code, -15);
	cr_assert_null(js.v[3].job_id, "a pending submission has no job id yet");
	cr_assert_null(js.v[3].driver_ip);
	cr_assert_null(js.v[5].submission_id, "a driver job");
	cr_assert_str_eq(js.v[5].type, "DRIVER");
	cr_assert(ray_job_running(js.v[1].status));
	cr_assert(ray_job_running(js.v[3].status));
	cr_assert_not(ray_job_running(js.v[0].status));
	cr_assert_not(ray_job_running(NULL));
	ray_jobs_free(&js);
	free(b);
}

Test(ray_jobs, detail_logs_stop_fixtures)
{
	size_t len;
	struct mlc_err e = {0};
	char *b = fixture_read("tests/fixtures/ray/job-detail.json", &len);
	struct ray_job j;
	cr_assert_eq(ray_job_parse(&j, b, len, &e), 0, "%s", e.msg);
	cr_assert_str_eq(j.submission_id, "raysubmit_XhRk7v3qPzNwB2aL");
	cr_assert_str_eq(j.job_id, "03000000");
	ray_job_free(&j);
	free(b);
	b = fixture_read("tests/fixtures/ray/job-logs.json", &len);
	char *logs;
	cr_assert_eq(ray_logs_parse(&logs, b, len, &e), 0, "%s", e.msg);
	cr_assert(str_starts(logs, "2024-06-11 10:05:01,112\tINFO worker.py"));
	cr_assert(strstr(logs, "\x1b[1m"), "escapes kept raw for the panel to handle");
	free(logs);
	free(b);
	b = fixture_read("tests/fixtures/ray/job-stop-response.json", &len);
	bool stopped;
	cr_assert_eq(ray_stop_parse(&stopped, b, len, &e), 0, "%s", e.msg);
	cr_assert(stopped);
	free(b);
}

Test(ray_jobs, hostile_bodies)
{
	struct ray_jobs js;
	struct mlc_err e = {0};
	const char *body = "[1, null, {}, {\"status\": 5, \"start_time\": \"17\", \"end_time\": "
			   "-4, \"driver_info\": \"x\", \"driver_exit_code\": \"1\", \"metadata\": "
			   "[1], \"entrypoint\": \"a\\u0000\\u001b[2Jb\"}]";
	cr_assert_eq(ray_jobs_parse(&js, body, strlen(body), &e), 0, "%s", e.msg);
	cr_assert_eq(js.n, 2);
	cr_assert_null(js.v[0].status);
	cr_assert_str_eq(js.v[1].status, "5");
	cr_assert_eq(js.v[1].start_ms, 17, "a number as a string");
	cr_assert_eq(js.v[1].end_ms, 0, "a negative time is no time");
	cr_assert_null(js.v[1].driver_ip);
	cr_assert_not(js.v[1].has_exit_code, "a string is not an exit code");
	cr_assert_eq(js.v[1].nmetadata, 0);
	cr_assert_str_eq(js.v[1].entrypoint, "a^@\x1b[2Jb",
			 "NUL visible, ESC left for the sanitizer");
	ray_jobs_free(&js);
	cr_assert_lt(ray_jobs_parse(&js, LIT("{\"jobs\": []}"), &e), 0);
	cr_assert(strstr(e.msg, "/api/jobs/: (root): expected array"), "%s", e.msg);
	char *logs;
	cr_assert_lt(ray_logs_parse(&logs, LIT("{\"logs\": 3}"), &e), 0);
	cr_assert_null(logs);
	cr_assert_eq(ray_logs_parse(&logs, LIT("{\"logs\": \"a\\u0000b\"}"), &e), 0);
	cr_assert_str_eq(logs, "a^@b");
	free(logs);
	bool st;
	cr_assert_lt(ray_stop_parse(&st, LIT("{\"stopped\": \"yes\"}"), &e), 0);
	cr_assert_lt(ray_stop_parse(&st, LIT("Job x does not exist"), &e), 0);
	struct ray_job j;
	cr_assert_lt(ray_job_parse(&j, LIT("[]"), &e), 0);
}
