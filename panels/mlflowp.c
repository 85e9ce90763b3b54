/* panels/mlflowp.c — helpers shared by the Experiments and Models panels
 * (see mlflowp.h). */
#include "mlflowp.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/core/sanitize.h"
#include "lib/core/util.h"
#include "tui/app.h"
#include "tui/glyph.h"

const struct target *mlp_target(void)
{
	return config_first_target(app_config(), TK_MLFLOW);
}

void mlp_cell(struct cell *out, const char *raw, enum role role)
{
	out->role = role;
	if (!raw || !*raw) {
		snprintf(out->text, sizeof out->text, "-");
		return;
	}
	san_into(out->text, sizeof out->text, raw, strlen(raw));
}

void mlp_time(char *out, size_t n, int64_t epoch_ms)
{
	if (epoch_ms <= 0) {
		snprintf(out, n, "-");
		return;
	}
	time_t t = (time_t)(epoch_ms / 1000);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(out, n, "%m-%d %H:%M", &tm);
}

void mlp_time_cell(struct cell *out, int64_t epoch_ms, enum role role)
{
	char t[64];
	mlp_time(t, sizeof t, epoch_ms);
	mlp_cell(out, t, role);
	if (epoch_ms > 0)
		snprintf(out->sort, sizeof out->sort, "%020lld", (long long)epoch_ms);
}

void mlp_stopped(char *out, size_t n, size_t stopped_at)
{
	out[0] = '\0';
	if (stopped_at)
		snprintf(out, n, "(stopped at %zu rows: more on the server)", stopped_at);
}

void mlp_stopped_detail(char *out, size_t n, size_t stopped_at, const char *example)
{
	char t[200];
	mlflow_stopped_text(stopped_at, t, sizeof t);
	snprintf(out, n, "%s: :filter %s", t, example);
}

enum role mlp_status_role(int status)
{
	switch (status) {
	case MLFLOW_ST_FINISHED:
		return ROLE_OK;
	case MLFLOW_ST_FAILED:
		return ROLE_ERR;
	case MLFLOW_ST_KILLED:
		return ROLE_WARN;
	case MLFLOW_ST_RUNNING:
	case MLFLOW_ST_SCHEDULED:
		return ROLE_MARK;
	default:
		return ROLE_DIM;
	}
}

const char *mlp_sep(void)
{
	return glyph(G_CRUMB_SEP);
}

char *mlp_artifact_s3_uri(const char *location)
{
	if (!location)
		return NULL;
	if (str_starts(location, "s3://"))
		return xstrdup(location);
	if (!str_starts(location, "mlflow-artifacts:"))
		return NULL;
	const char *path = location + strlen("mlflow-artifacts:");
	/* mlflow-artifacts:/1/abc, mlflow-artifacts://host:port/1/abc */
	if (str_starts(path, "//")) {
		path = strchr(path + 2, '/');
		if (!path)
			return NULL;
	}
	while (*path == '/')
		path++;
	const struct target *t = mlp_target();
	const char *dest = t && t->artifacts_destination ? t->artifacts_destination : "s3://mlflow";
	if (!str_starts(dest, "s3://"))
		return NULL;
	size_t dl = strlen(dest);
	return xasprintf("%s%s%s", dest, dl && dest[dl - 1] == '/' ? "" : "/", path);
}
