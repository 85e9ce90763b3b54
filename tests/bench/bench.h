/* tests/bench/bench.h — the clocks every bench program reads: wall time
 * (monotonic) and the process's CPU time (user + system), in milliseconds. */
#ifndef MLC_BENCH_H
#define MLC_BENCH_H

#include <sys/resource.h>
#include <time.h>

static inline double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static inline double cpu_ms(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

#endif
