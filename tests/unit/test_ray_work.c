/* tests/unit/test_ray_work.c — lib/ray/ray_jobs.c's actors (the state API's
 * envelope, its death causes) and Serve applications, on the shapes in
 * tests/fixtures/ray, then bodies with fields missing or of the wrong
 * type: absent stays absent, nothing crashes. */
#include "lib/ray/ray.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "lib/core/util.h"

#define LIT(s) s, sizeof(s) - 1

Test(ray_work, actors_fixture)
{
	size_t len;
	char *b = fixture_read("tests/fixtures/ray/state-actors-detail.json", &len);
	struct ray_actors as;
	struct mlc_err e = {0};
	cr_assert_eq(ray_actors_parse(&as, b, len, &e), 0, "%s", e.msg);
	cr_assert_eq(as.n, 3);
	cr_assert_eq(as.total, 6, "the server's total, more than the rows sent");
	cr_assert_str_eq(as.v[0].class_name, "TrainWorker");
	cr_assert_str_eq(as.v[0].state, "ALIVE");
	cr_assert_null(as.v[0].death);
	cr_assert_str_eq(as.v[2].state, "DEAD");
	cr_assert(str_starts(as.v[2].death, "The actor is dead because its node has died."), "%s",
		  as.v[2].death);
	ray_actors_free(&as);
	free(b);
}

Test(ray_work, actors_hostile)
{
	struct ray_actors as;
	struct mlc_err e = {0};
	const char *body =
	    "{\"result\": true, \"data\": {\"result\": {\"total\": \"x\", \"result\": "
	    "[7, {}, {\"pid\": \"12\", \"death_cause\": {\"ctx\": {\"reason\": "
	    "\"NODE_DIED\"}}}, {\"death_cause\": [1]}]}}}";
	cr_assert_eq(ray_actors_parse(&as, body, strlen(body), &e), 0, "%s", e.msg);
	cr_assert_eq(as.n, 3);
	cr_assert_eq(as.total, -1);
	cr_assert_null(as.v[0].class_name);
	cr_assert_eq(as.v[0].pid, -1);
	cr_assert_eq(as.v[1].pid, 12);
	cr_assert_str_eq(as.v[1].death, "NODE_DIED", "a cause without a message: its reason");
	cr_assert_null(as.v[2].death);
	ray_actors_free(&as);
	cr_assert_lt(
	    ray_actors_parse(&as, LIT("{\"result\": true, \"data\": {\"result\": null}}"), &e), 0);
	cr_assert(strstr(e.msg, "data.result.result: expected array"), "%s", e.msg);
}
