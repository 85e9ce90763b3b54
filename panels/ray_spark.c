/* panels/ray_spark.c — the Nodes view's CPU and GPU sparklines: one
 * query_range a metric to the cluster's Prometheus for every node at once
 * (max by ip of ray_node_cpu_utilization and ray_node_gpus_utilization over
 * the last 15 minutes, the step fitted to the column: at most two points a
 * column, averaged in pairs), kept per address. Without a Prometheus, or
 * when it fails, the cells say "-" and the view's status says why, once. */
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

static const char *const spark_query[2] = {
    [RP_SPARK_CPU] = "max by (ip) (ray_node_cpu_utilization)",
    [RP_SPARK_GPU] = "max by (ip) (ray_node_gpus_utilization)",
};

struct rp_spark {
	char *ip;
	long v[RP_SPARK_W]; /* % x 10 per column; -2: no number (NaN) */
	int n;
};

static void sparks_clear(struct rp_sparks *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].ip);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

void rp_spark_free(struct rp_cluster *c)
{
	for (int k = 0; k < 2; k++) {
		promc_cancel(c->spark[k].req);
		c->spark[k].req = NULL;
		sparks_clear(&c->spark[k]);
	}
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
	struct rp_sparks *s = arg;
	s->req = NULL;
	if (err) {
		snprintf(s->err, sizeof s->err, "%s", err->msg);
	} else {
		s->err[0] = 0;
		sparks_clear(s);
		s->v = xcalloc(res->n + 1, sizeof *s->v);
		for (size_t i = 0; i < res->n; i++) {
			const char *ip = prom_label(&res->v[i], "ip");
			if (!ip)
				continue;
			struct rp_spark *sp = &s->v[s->n++];
			sp->ip = xstrdup(ip);
			fold(sp, &res->v[i]);
		}
	}
	s->loaded = true;
	s->c->gen++;
	app_dirty();
}

void rp_spark_load(struct rp_cluster *c)
{
	if (!c->prom)
		return;
	int64_t now = wall_ms() / 1000;
	for (int k = 0; k < 2; k++) {
		struct rp_sparks *s = &c->spark[k];
		if (s->req)
			continue;
		s->c = c;
		char *path = prom_query_range_path(spark_query[k], now - SPARK_RANGE_S, now,
						   prom_step(SPARK_RANGE_S, RP_SPARK_W, 1));
		s->req = promc_get(c->prom, path, 0, got, s);
		free(path);
	}
}

void rp_spark_cell(struct rp_cluster *c, int which, const char *ip, struct cell *out)
{
	const struct rp_sparks *s = &c->spark[which];
	for (size_t i = 0; ip && i < s->n; i++) {
		if (strcmp(s->v[i].ip, ip) != 0)
			continue;
		/* one scale for every node: 1 % to 100 % (% x 10) */
		sparkline(s->v[i].v, s->v[i].n, 10, 1000, out->text, sizeof out->text);
		out->role = ROLE_CHART;
		return;
	}
	rp_cell(out, NULL, ROLE_DIM);
}

void rp_spark_status(struct rp_cluster *c, char *out, size_t n)
{
	const char *err = c->spark[0].err[0] ? c->spark[0].err : c->spark[1].err;
	if (!c->prom)
		snprintf(out, n, "no sparklines: no Prometheus configured");
	else if (err[0])
		snprintf(out, n, "no sparklines: %s", err);
	else
		out[0] = 0;
}
