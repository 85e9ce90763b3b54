/* tests/integ/test_prefect_longlog.c — prefectc_logs_page against the stack's
 * Prefect simulator in its longlog mode (every flow run's log is 20,000
 * lines "long log line NNNNN", lines 5000–5299 at one timestamp): paged
 * forward by after_ and backward by before_ (TIMESTAMP_DESC), the lines
 * already held at the edge time skipped with offset, every line arrives
 * once and in order both ways — through the 300 lines of one time, where
 * paging by time alone stops. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/config.h"
#include "lib/core/util.h"
#include "lib/prefect/prefectc.h"
#include "flows_got.h"
#include "stackenv.h"

#define LONG_LOG 20000

static struct target PT;
static struct prefectc P;

static void setup(void)
{
	static char purl[96];
	const char *pp = stackenv("PREFECT_PORT");
	cr_assert(pp, "PREFECT_PORT missing from the stack env");
	snprintf(purl, sizeof purl, "http://127.0.0.1:%s/__mode/longlog/api", pp);
	PT = (struct target){.name = "prefect", .kind = TK_PREFECT, .url = purl};
	prefectc_init(&P, &PT);
}

static void teardown(void)
{
	prefectc_free(&P);
}

TestSuite(prefect_longlog, .init = setup, .fini = teardown, .timeout = 120);

/* Pages the whole log one way; want(i) is the i-th line expected. */
static void page_through(bool before)
{
	int64_t edge = 0;
	int at_edge = 0, seen = 0;
	for (int pages = 0; pages < LONG_LOG / 200 + 5; pages++) {
		struct got p = {.size = sizeof(struct prefect_logs)};
		prefectc_logs_page(&P, "2f5e1b52-0d3e-4c6a-9b1e-8f0a6c3d7e41", edge, before,
				   at_edge, 200, got_cb, &p);
		WAIT(p);
		cr_assert(p.ok, "%s", p.err.msg);
		struct prefect_logs *pg = (void *)p.res;
		for (size_t i = 0; i < pg->n; i++, seen++) {
			char want[32];
			snprintf(want, sizeof want, "long log line %05d",
				 before ? LONG_LOG - 1 - seen : seen);
			cr_assert_str_eq(pg->items[i].message, want, "page %d item %zu", pages, i);
			at_edge = pg->items[i].ts_ms == edge ? at_edge + 1 : 1;
			edge = pg->items[i].ts_ms;
		}
		size_t n = pg->n;
		prefect_logs_free(pg);
		if (n < 200)
			break;
	}
	cr_assert_eq(seen, LONG_LOG);
}

Test(prefect_longlog, forward_by_after_and_offset)
{
	page_through(false);
}

Test(prefect_longlog, backward_by_before_and_offset)
{
	page_through(true);
}
