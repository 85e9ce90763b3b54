/* panels/ray_spark.c — the Nodes view's CPU sparklines: one query_range to
 * the cluster's Prometheus for every node at once (max by ip of
 * ray_node_cpu_utilization over the last 15 minutes, the step fitted to the
 * column: at most two points a column, averaged in pairs), kept per
 * address. Without a Prometheus, or when it fails, the cells say "-" and
 * the view's status says why, once. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/util.h"
#include "lib/prom/prom.h"
#include "lib/prom/promc.h"
#include "ray.h"
#include "tui/app.h"
#include "tui/canvas.h"

#define SPARK_RANGE_S 900
#define SPARK_QUERY   "max by (ip) (ray_node_cpu_utilization)"

struct rp_spark {
	char *ip;
	long v[RP_SPARK_W]; /* CPU % x 10 per column; -2: no number (NaN) */
	int n;
};

void rp_spark_free(struct rp_cluster *c)
{
	promc_cancel(c->prom_req);
	c->prom_req = NULL;
	for (size_t i = 0; i < c->nspark; i++)
		free(c->spark[i].ip);
	free(c->spark);
	c->spark = NULL;
	c->nspark = 0;
}

/* The points of s into RP_SPARK_W columns, two points a column averaged. */
static void fold(struct rp_spark *sp, const struct prom_series *s)
{
	size_t per = (s->n + RP_SPARK_W - 1) / RP_SPARK_W;
	if (per < 1)
		per = 1;
	for (size_t i = 0; i < s->n && sp->n < RP_SPARK_W; i += per) {
		double sum = 0;
		int k = 0;
		for (size_t j = i; j < i + per && j < s->n; j++) {
			double d = prom_value(s->pts[j].v);
			if (isfinite(d)) {
				sum += d;
				k++;
			}
		}
		sp->v[sp->n++] = k ? (long)(sum / k * 10 + 0.5) : -2; /* -2: no point (∙) */
	}
}

static void got(struct prom_result *res, const struct mlc_err *err, void *arg)
{
	struct rp_cluster *c = arg;
	c->prom_req = NULL;
	if (err) {
		snprintf(c->prom_err, sizeof c->prom_err, "%s", err->msg);
	} else {
		c->prom_err[0] = 0;
		for (size_t i = 0; i < c->nspark; i++)
			free(c->spark[i].ip);
		free(c->spark);
		c->spark = xcalloc(res->n + 1, sizeof *c->spark);
		c->nspark = 0;
		for (size_t i = 0; i < res->n; i++) {
			const char *ip = prom_label(&res->v[i], "ip");
			if (!ip)
				continue;
			struct rp_spark *sp = &c->spark[c->nspark++];
			sp->ip = xstrdup(ip);
			fold(sp, &res->v[i]);
		}
	}
	c->prom_loaded = true;
	c->gen++;
	app_dirty();
}

void rp_spark_load(struct rp_cluster *c)
{
	if (!c->prom || c->prom_req)
		return;
	int64_t now = wall_ms() / 1000;
	char *path = prom_query_range_path(SPARK_QUERY, now - SPARK_RANGE_S, now,
					   prom_step(SPARK_RANGE_S, RP_SPARK_W, 1));
	c->prom_req = promc_get(c->prom, path, 0, got, c);
	free(path);
}

void rp_spark_cell(struct rp_cluster *c, const char *ip, struct cell *out)
{
	for (size_t i = 0; ip && i < c->nspark; i++) {
		if (strcmp(c->spark[i].ip, ip) != 0)
			continue;
		/* one scale for every node: 1 % to 100 % (CPU % x 10) */
		sparkline(c->spark[i].v, (int)c->spark[i].n, 10, 1000, out->text, sizeof out->text);
		out->role = ROLE_CHART;
		return;
	}
	rp_cell(out, NULL, ROLE_DIM);
}

void rp_spark_status(struct rp_cluster *c, char *out, size_t n)
{
	if (!c->prom)
		snprintf(out, n, "no sparklines: no Prometheus configured");
	else if (c->prom_err[0])
		snprintf(out, n, "no sparklines: %s", c->prom_err);
	else
		out[0] = 0;
}
