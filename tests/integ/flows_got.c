/* tests/integ/flows_got.c — see flows_got.h. */
#include "flows_got.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/http.h"
#include "lib/core/util.h"
#include "stackenv.h"

void got_cb(void *res, const struct mlc_err *err, void *arg)
{
	struct got *g = arg;
	g->calls++;
	g->ok = !err;
	if (err)
		g->err = *err;
	else if (res) {
		memcpy(g->res, res, g->size);
		memset(res, 0, g->size); /* ours now */
	}
	g->done = true;
}

static void reset_done(const struct http_resp *r, const struct mlc_err *err, void *arg)
{
	*(volatile bool *)arg = true;
}

void sim_reset(const char *port_key)
{
	volatile bool done = false;
	char *url = xasprintf("http://127.0.0.1:%s/__sim/reset", stackenv(port_key));
	struct http_opts o = {.url = url};
	http_request(&o, reset_done, (void *)&done);
	free(url);
	cr_assert(stackenv_run_until(&done, WAIT_MS));
}
