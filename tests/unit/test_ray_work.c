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

static const struct ray_app *app_named(const struct ray_serve *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].name, name))
			return &s->v[i];
	return NULL;
}

Test(ray_work, serve_fixtures)
{
	size_t len;
	char *b = fixture_read("tests/fixtures/ray/serve-applications.kuberay-capture.json", &len);
	struct ray_serve s;
	struct mlc_err e = {0};
	cr_assert_eq(ray_serve_parse(&s, b, len, &e), 0, "%s", e.msg);
	cr_assert_eq(s.n, 2);
	const struct ray_app *a = app_named(&s, "fruit_app");
	cr_assert_not_null(a);
	cr_assert_str_eq(a->status, "RUNNING");
	cr_assert_str_eq(a->route_prefix, "/fruit");
	cr_assert_eq(a->ndeps, 5);
	cr_assert_eq(a->replicas, 5);
	cr_assert_eq(a->healthy, 5);
	cr_assert_str_eq(a->deps[0].status, "HEALTHY");
	ray_serve_free(&s);
	free(b);
	b = fixture_read("tests/fixtures/ray/serve-applications.ray-docs.json", &len);
	cr_assert_eq(ray_serve_parse(&s, b, len, &e), 0, "%s", e.msg);
	cr_assert_eq(s.n, 1);
	cr_assert_str_eq(s.v[0].route_prefix, "/");
	ray_serve_free(&s);
	free(b);
}

Test(ray_work, serve_hostile)
{
	struct ray_serve s;
	struct mlc_err e = {0};
	const char *body =
	    "{\"applications\": {\"a\": {\"deployments\": {\"d\": {\"replicas\": [{}, "
	    "{\"state\": \"RUNNING\"}, 3]}, \"x\": 1}}, \"b\": [], \"c\": {\"name\": "
	    "5, \"deployments\": []}}}";
	cr_assert_eq(ray_serve_parse(&s, body, strlen(body), &e), 0, "%s", e.msg);
	cr_assert_eq(s.n, 2);
	cr_assert_str_eq(s.v[0].name, "a", "the key names an app without a name");
	cr_assert_null(s.v[0].status);
	cr_assert_eq(s.v[0].ndeps, 1);
	cr_assert_eq(s.v[0].replicas, 3);
	cr_assert_eq(s.v[0].healthy, 1);
	cr_assert_str_eq(s.v[1].name, "5");
	cr_assert_eq(s.v[1].ndeps, 0);
	ray_serve_free(&s);
	cr_assert_eq(ray_serve_parse(&s, LIT("{\"applications\": {}}"), &e), 0);
	cr_assert_eq(s.n, 0, "Serve not running");
	ray_serve_free(&s);
	cr_assert_eq(ray_serve_parse(&s, LIT("{}"), &e), 0);
	ray_serve_free(&s);
	cr_assert_lt(ray_serve_parse(&s, LIT("[]"), &e), 0);
}
