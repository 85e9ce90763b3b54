/* lib/core/err.c — status code texts and the error record (see err.h). */
#include "lib/core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const texts[] = {
#define MLC_X(name, text) text,
    MLC_STATUS_CODES(MLC_X)
#undef MLC_X
};

const char *mlc_strerror(int code)
{
	if (code < 0)
		code = -code;
	if (code >= MLC_STATUS_COUNT)
		return "unknown error";
	return texts[code];
}

int mlc_err_set(struct mlc_err *e, int code, long detail, const char *fmt, ...)
{
	if (e) {
		e->code = code;
		e->detail = detail;
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof e->msg, fmt, ap);
		va_end(ap);
	}
	return -code;
}

void mlc_err_clear(struct mlc_err *e)
{
	if (e)
		memset(e, 0, sizeof *e);
}
