/* tui/main.c — command line: the console, `check`, and the headless script
 * mode. Loads the config (file, environment, --env-file), applies flags,
 * and hands over to app_run or check_run. Exit: 0 ok, 1 a check failed,
 * 2 usage or configuration error. */
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "lib/health/check.h"
#include "lib/health/kinds.h"
#include "lib/core/config.h"
#include "lib/core/http.h"
#include "lib/core/log.h"
#include "lib/core/loop.h"
#include "lib/core/sanitize.h"
#include "lib/health/source.h"
#include "lib/core/util.h"

#define MLC_VERSION "0.1.0"

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: mlconsole [options]                 the console\n"
	    "       mlconsole check [--json] [options]  one pass of the acceptance checks\n"
	    "options:\n"
	    "  -c, --config FILE      config file (default $XDG_CONFIG_HOME/mlconsole/config.ini)\n"
	    "      --env-file PATH    read the platform's docker-compose .env\n"
	    "      --readonly         disable every mutation\n"
	    "      --theme NAME       default, light, mono or a theme file\n"
	    "      --refresh SECONDS  poll interval (default 2)\n"
	    "      --script FILE      headless: run keys and :commands from FILE\n"
	    "      --size COLSxROWS   headless screen size (default 120x40)\n"
	    "      --log FILE         log file (default $XDG_STATE_HOME/mlconsole/mlconsole.log)\n"
	    "      --json             with check: one JSON document\n"
	    "  -V, --version          print the version\n"
	    "  -h, --help             this help\n");
}

/* What the command line asked for. */
struct cli {
	bool check, json, readonly;
	const char *config_path, *env_file, *theme, *script, *log_file;
	long refresh_ms;
	int cols, rows;
};

/* Parses one option of getopt_long; returns -1 to go on, else the exit
 * status main returns (0 for --version and --help). */
static int parse_opt(struct cli *c, int ch)
{
	switch (ch) {
	case 'c':
		c->config_path = optarg;
		break;
	case 'e':
		c->env_file = optarg;
		break;
	case 'r':
		c->readonly = true;
		break;
	case 't':
		c->theme = optarg;
		break;
	case 'R':
		c->refresh_ms = parse_duration_ms(optarg);
		if (c->refresh_ms < 100) {
			fprintf(stderr,
				"mlconsole: --refresh: expected seconds, like 2 or 500ms\n");
			return 2;
		}
		break;
	case 's':
		c->script = optarg;
		break;
	case 'S':
		if (sscanf(optarg, "%dx%d", &c->cols, &c->rows) != 2 || c->cols < 10 ||
		    c->rows < 3 || c->cols > 1000 || c->rows > 1000) {
			fprintf(stderr, "mlconsole: --size: expected COLSxROWS, like 120x40\n");
			return 2;
		}
		break;
	case 'j':
		c->json = true;
		break;
	case 'l':
		c->log_file = optarg;
		break;
	case 'V':
		printf("mlconsole %s\n", MLC_VERSION);
		return 0;
	case 'h':
		usage(stdout);
		return 0;
	default:
		usage(stderr);
		return 2;
	}
	return -1;
}

/* Fills c from argv; returns -1 to go on, else the exit status. */
static int parse_args(struct cli *c, int argc, char **argv)
{
	memset(c, 0, sizeof *c);
	c->cols = 120;
	c->rows = 40;
	if (argc > 1 && !strcmp(argv[1], "check")) {
		c->check = true;
		argv[1] = argv[0];
		argv++;
		argc--;
	}
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},  {"env-file", required_argument, NULL, 'e'},
	    {"readonly", no_argument, NULL, 'r'},      {"theme", required_argument, NULL, 't'},
	    {"refresh", required_argument, NULL, 'R'}, {"script", required_argument, NULL, 's'},
	    {"size", required_argument, NULL, 'S'},    {"json", no_argument, NULL, 'j'},
	    {"log", required_argument, NULL, 'l'},     {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},	       {NULL, 0, NULL, 0},
	};
	int ch, rc;
	while ((ch = getopt_long(argc, argv, "c:Vh", longopts, NULL)) != -1)
		if ((rc = parse_opt(c, ch)) >= 0)
			return rc;
	if (optind < argc) {
		fprintf(stderr, "mlconsole: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (c->json && !c->check) {
		fprintf(stderr, "mlconsole: --json goes with check\n");
		return 2;
	}
	return -1;
}

/* The --env-file, the config file (the default one only if it exists),
 * then the environment; returns 0, or 2 after saying why. */
static int load_config(struct config *cfg, const struct cli *c)
{
	struct mlc_err err;
	mlc_err_clear(&err);
	config_init(cfg);
	int rc = 0;
	if (c->env_file && config_read_env_file(cfg, c->env_file, &err) < 0)
		rc = 2;
	if (rc == 0) {
		char *path = c->config_path ? xstrdup(c->config_path) : config_default_path();
		struct stat st;
		if (c->config_path || stat(path, &st) == 0)
			if (config_read_file(cfg, path, &err) < 0)
				rc = 2;
		free(path);
	}
	if (rc) {
		fprintf(stderr, "mlconsole: %s\n", err.msg);
		config_free(cfg);
		return 2;
	}
	config_apply_env(cfg);
	if (c->refresh_ms)
		cfg->refresh_ms = c->refresh_ms;
	return 0;
}

static void shutdown_all(struct config *cfg)
{
	http_shutdown();
	loop_shutdown();
	log_close();
	config_free(cfg);
}

/* `mlconsole check`: 0 all passed, 1 one failed, 2 nothing to check. */
static int run_check(struct config *cfg, const struct cli *c)
{
	log_open(c->log_file ? c->log_file : "", 100);
	for (size_t i = 0; i < cfg->nwarnings; i++)
		fprintf(stderr, "mlconsole: warning: %s\n", cfg->warnings[i]);
	if (cfg->ntargets == 0) {
		fprintf(stderr, "mlconsole: no services configured (config file, "
				"environment or --env-file)\n");
		log_close();
		config_free(cfg);
		return 2;
	}
	struct check_result *res;
	size_t n;
	int failed = check_run(cfg, &res, &n);
	check_print(stdout, res, n, c->json);
	check_results_free(res, n);
	shutdown_all(cfg);
	return failed ? 1 : 0;
}

static int run_console(struct config *cfg, const struct cli *c)
{
	log_open(c->log_file, 2000);
	log_info("mlconsole %s starting, %zu services, config %s", MLC_VERSION, cfg->ntargets,
		 cfg->path ? cfg->path : "(none)");
	sources_init(cfg, health_probe_for);
	struct app_opts o = {
	    .cfg = cfg,
	    .readonly = c->readonly,
	    .theme = c->theme,
	    .script = c->script,
	    .cols = c->cols,
	    .rows = c->rows,
	};
	int status = app_run(&o);
	sources_free();
	shutdown_all(cfg);
	return status;
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	const char *cs = nl_langinfo(CODESET);
	san_set_utf8(cs && (!strcasecmp(cs, "UTF-8") || !strcasecmp(cs, "utf8")));
	struct cli c;
	int rc = parse_args(&c, argc, argv);
	if (rc >= 0)
		return rc;
	struct config cfg;
	if (load_config(&cfg, &c) != 0)
		return 2;
	return c.check ? run_check(&cfg, &c) : run_console(&cfg, &c);
}
