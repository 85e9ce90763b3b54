/* tests/unit/test_pgstat_same.c — pgstat_backends_same: a poll whose
 * backends show as the last one's (ages grown with the clock only) needs
 * no redraw; any change the Activity or Lock tree view shows does. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/util.h"
#include "lib/pg/pgstat.h"

/* Two backends polled at server time now: an idle session whose query
 * started `ran` s ago, and one idle in a transaction for 30 s. */
static struct pg_snapshot *snap(double now, double ran)
{
	struct pg_snapshot *s = xcalloc(1, sizeof *s);
	s->srv.now_s = now;
	s->nbk = 2;
	s->bk = xcalloc(2, sizeof *s->bk);
	struct pg_backend *b = s->bk;
	b[0] = (struct pg_backend){.pid = 10,
				   .db = xstrdup("mlflowdb"),
				   .user = xstrdup("mlflow"),
				   .app = xstrdup("mlconsole"),
				   .state = xstrdup("idle"),
				   .query = xstrdup("SELECT 1"),
				   .query_age_s = ran,
				   .state_age_s = ran,
				   .xact_age_s = -1,
				   .workers = 0};
	b[1] = (struct pg_backend){.pid = 11,
				   .db = xstrdup("mlflowdb"),
				   .user = xstrdup("mlflow"),
				   .app = xstrdup("bench-1"),
				   .state = xstrdup("idle in transaction"),
				   .query = xstrdup("SELECT 1"),
				   .query_age_s = 30,
				   .state_age_s = 30,
				   .xact_age_s = 31,
				   .workers = 0};
	return s;
}

Test(pgstat_same, ages_grown_with_the_clock_are_the_same)
{
	struct pg_snapshot *a = snap(1000.0, 0.5), *b = snap(1001.02, 0.1);
	for (int i = 1; i < 2; i++) { /* the transaction's ages grew by 1.02 s */
		b->bk[i].query_age_s += 1.02;
		b->bk[i].state_age_s += 1.02;
		b->bk[i].xact_age_s += 1.02;
	}
	/* the idle session ran another query: its age is not shown */
	cr_assert(pgstat_backends_same(a, b));
	pgstat_snapshot_free(a);
	pgstat_snapshot_free(b);
}

Test(pgstat_same, what_is_shown_differs)
{
	struct pg_snapshot *a = snap(1000.0, 0.5), *b;
	cr_assert(!pgstat_backends_same(NULL, a));
	/* the transaction restarted: its XACT age went back */
	b = snap(1001.0, 0.5);
	cr_assert(!pgstat_backends_same(a, b), "xact start moved by 1 s");
	pgstat_snapshot_free(b);
	/* a state change */
	b = snap(1000.0, 0.5);
	free(b->bk[0].state);
	b->bk[0].state = xstrdup("active");
	cr_assert(!pgstat_backends_same(a, b));
	pgstat_snapshot_free(b);
	/* an active query's age is shown */
	free(a->bk[0].state);
	a->bk[0].state = xstrdup("active");
	b = snap(1001.0, 0.2);
	free(b->bk[0].state);
	b->bk[0].state = xstrdup("active");
	cr_assert(!pgstat_backends_same(a, b), "a new query started");
	pgstat_snapshot_free(b);
	/* a new blocker, another query text, one backend more */
	b = snap(1000.0, 0.5);
	free(b->bk[0].state);
	b->bk[0].state = xstrdup("active");
	cr_assert(pgstat_backends_same(a, b));
	int *bl = xmalloc(sizeof *bl);
	*bl = 11;
	b->bk[0].blockers = bl;
	b->bk[0].nblockers = 1;
	cr_assert(!pgstat_backends_same(a, b));
	pgstat_snapshot_free(b);
	b = snap(1000.0, 0.5);
	free(b->bk[0].state);
	b->bk[0].state = xstrdup("active");
	free(b->bk[1].query);
	b->bk[1].query = NULL;
	cr_assert(!pgstat_backends_same(a, b));
	b->bk[1].query = xstrdup("SELECT 1");
	b->nbk = 1;
	cr_assert(!pgstat_backends_same(a, b));
	b->nbk = 2;
	pgstat_snapshot_free(b);
	pgstat_snapshot_free(a);
}
