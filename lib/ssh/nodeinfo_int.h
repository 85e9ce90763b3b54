/* lib/ssh/nodeinfo_int.h — what the parsers of nodeinfo.c and
 * nodeinfo_svc.c share, and nobody else. */
#ifndef MLC_NODEINFO_INT_H
#define MLC_NODEINFO_INT_H

#include <stdbool.h>
#include <stddef.h>

/* The next line of *p into line (cut at n-1 bytes, a final "\r" dropped),
 * *p moved past it; false at the end. */
bool ni_next_line(const char **p, char *line, size_t n);

#endif
