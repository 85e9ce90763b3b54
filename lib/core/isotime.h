/* lib/core/isotime.h — ISO-8601 timestamps as Prefect and Airflow write them:
 * any number of fraction digits (or none), "Z" or a numeric offset
 * ("+00:00", "+0000"). Pure: no I/O, no locale, no time zone. */
#ifndef MLC_ISOTIME_H
#define MLC_ISOTIME_H

#include <stdint.h>

/* Epoch milliseconds of s, or 0 when s is NULL or not such a timestamp. */
int64_t iso_time_ms(const char *s);

#endif
