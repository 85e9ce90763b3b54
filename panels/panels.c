/* panels/panels.c — the registry: one line per panel, in tab order. */
#include "tui/panel.h"

extern struct panel overview_panel;
extern struct panel buckets_panel;
extern struct panel databases_panel;
extern struct panel log_panel;
extern struct panel experiments_panel;
extern struct panel models_panel;
extern struct panel ray_panel;
extern struct panel flows_panel;
extern struct panel nodes_panel;

struct panel *panels[] = {
    &overview_panel, &buckets_panel, &databases_panel, &experiments_panel, &models_panel,
    &ray_panel,	     &flows_panel,   &nodes_panel,     &log_panel,
};

const int npanels = (int)(sizeof panels / sizeof panels[0]);
