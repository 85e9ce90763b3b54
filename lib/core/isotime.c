/* lib/core/isotime.c — ISO-8601 timestamps as the orchestrators write them
 * (see isotime.h). Pure. */
#include "lib/core/isotime.h"

#include <stdio.h>
#include <time.h>

int64_t iso_time_ms(const char *s)
{
	int y, mo, d, h, mi, se, n = 0;
	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &se, &n) != 6 ||
	    n != 19 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return 0;
	const char *p = s + 19;
	int ms = 0, digits = 0;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 3)
				ms = ms * 10 + (*p - '0');
	for (; digits > 0 && digits < 3; digits++)
		ms *= 10;
	long off = 0;
	if (*p == '+' || *p == '-') {
		int oh, om;
		if (sscanf(p + 1, "%2d:%2d", &oh, &om) != 2 &&
		    sscanf(p + 1, "%2d%2d", &oh, &om) != 2)
			return 0;
		off = (oh * 60L + om) * 60 * (*p == '-' ? -1 : 1);
	} else if (*p != 'Z' && *p != 'z' && *p != '\0') {
		return 0;
	}
	struct tm tm = {.tm_year = y - 1900,
			.tm_mon = mo - 1,
			.tm_mday = d,
			.tm_hour = h,
			.tm_min = mi,
			.tm_sec = se};
	return ((int64_t)timegm(&tm) - off) * 1000 + ms;
}
