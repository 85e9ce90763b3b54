/* lib/ssh/nodeinfo.c — the machine's own numbers: uptime and load, memory
 * (free -b, /proc/meminfo), disks (df -P) and GPUs (nvidia-smi CSV). Pure
 * parsing of captured output; never does I/O. See nodeinfo.h for the
 * formats. */
#include "lib/ssh/nodeinfo.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/util.h"
#include "lib/ssh/nodeinfo_int.h"

/* A decimal with '.' or ',' as separator ("0,52"); end past it. */
static double parse_dec(const char *s, const char **end)
{
	char tmp[32];
	size_t i = 0;
	while (isspace((unsigned char)*s))
		s++;
	while (i < sizeof tmp - 1 && (isdigit((unsigned char)s[i]) || s[i] == '.' ||
				      (s[i] == ',' && isdigit((unsigned char)s[i + 1])))) {
		tmp[i] = s[i] == ',' ? '.' : s[i];
		i++;
	}
	tmp[i] = '\0';
	*end = i ? s + i : NULL;
	return i ? strtod(tmp, NULL) : 0;
}

/* Past this many days (or hours, minutes) an uptime is not believed: the
 * products below then stay far inside a long. */
#define UP_MAX 10000000L

/* "12 days,  3:04," / "5 min," / "3:04," pieces after "up". */
static long parse_up(const char *s)
{
	long total = 0;
	bool any = false;
	while (*s) {
		while (*s == ' ' || *s == ',')
			s++;
		char *end;
		long v = strtol(s, &end, 10);
		if (end == s)
			break;
		if (v < 0 || v > UP_MAX)
			return -1; /* no machine has been up that long: unknown */
		if (*end == ':') {
			long m = strtol(end + 1, &end, 10);
			if (m < 0 || m > UP_MAX)
				return -1;
			total += v * 3600 + m * 60;
		} else {
			while (*end == ' ')
				end++;
			if (str_starts(end, "day"))
				total += v * 86400;
			else if (str_starts(end, "min"))
				total += v * 60;
			else if (str_starts(end, "sec"))
				total += v;
			else
				break; /* "2 users" */
			while (*end && *end != ',')
				end++;
		}
		any = true;
		s = end;
	}
	return any ? total : -1;
}

int ni_parse_uptime(const char *out, struct ni_uptime *u, struct mlc_err *err)
{
	memset(u, 0, sizeof *u);
	u->up_s = -1;
	const char *la = strstr(out, "load average"); /* BSD: "load averages:" */
	const char *colon = la ? strchr(la, ':') : NULL;
	if (!colon)
		return mlc_err_set(err, MLC_ERR_PARSE, 0,
				   "uptime: no 'load average:' in the output");
	const char *p = colon + 1;
	for (int i = 0; i < 3; i++) {
		const char *end;
		u->load[i] = parse_dec(p, &end);
		if (!end)
			return mlc_err_set(err, MLC_ERR_PARSE, 0,
					   "uptime: load average %d is not a number", i + 1);
		p = end;
		while (*p == ',' || *p == ' ')
			p++;
	}
	const char *up = strstr(out, " up ");
	if (up && up < la)
		u->up_s = parse_up(up + 4);
	return 0;
}

int ni_parse_free(const char *out, struct ni_mem *m, struct mlc_err *err)
{
	m->total = m->used = m->avail = m->swap_total = m->swap_used = -1;
	char line[512];
	const char *p = out;
	bool mem = false;
	while (ni_next_line(&p, line, sizeof line)) {
		long long a[6] = {-1, -1, -1, -1, -1, -1};
		if (str_starts(line, "Mem:")) {
			int k = sscanf(line + 4, "%lld %lld %lld %lld %lld %lld", &a[0], &a[1],
				       &a[2], &a[3], &a[4], &a[5]);
			if (k < 3)
				return mlc_err_set(err, MLC_ERR_PARSE, 0,
						   "free: the Mem: line has %d numbers",
						   k < 0 ? 0 : k);
			m->total = a[0];
			m->used = a[1];
			m->avail = k >= 6 ? a[5] : a[2];
			mem = true;
		} else if (str_starts(line, "Swap:")) {
			if (sscanf(line + 5, "%lld %lld", &a[0], &a[1]) == 2) {
				m->swap_total = a[0];
				m->swap_used = a[1];
			}
		}
	}
	if (!mem)
		return mlc_err_set(err, MLC_ERR_PARSE, 0, "free: no Mem: line in the output");
	return 0;
}

int ni_parse_meminfo(const char *out, struct ni_mem *m, struct mlc_err *err)
{
	long long total = -1, avail = -1, mfree = -1, stotal = -1, sfree = -1;
	char line[256], key[64];
	const char *p = out;
	while (ni_next_line(&p, line, sizeof line)) {
		long long v;
		if (sscanf(line, "%63[^:]: %lld", key, &v) != 2 || v < 0 || v > LLONG_MAX / 1024)
			continue; /* not a size in kB this machine could have */
		v *= 1024;
		if (!strcmp(key, "MemTotal"))
			total = v;
		else if (!strcmp(key, "MemAvailable"))
			avail = v;
		else if (!strcmp(key, "MemFree"))
			mfree = v;
		else if (!strcmp(key, "SwapTotal"))
			stotal = v;
		else if (!strcmp(key, "SwapFree"))
			sfree = v;
	}
	if (total < 0)
		return mlc_err_set(err, MLC_ERR_PARSE, 0, "/proc/meminfo: no MemTotal line");
	m->total = total;
	m->avail = avail >= 0 ? avail : mfree;
	m->used = m->avail >= 0 ? total - m->avail : -1;
	m->swap_total = stotal;
	m->swap_used = stotal >= 0 && sfree >= 0 ? stotal - sfree : -1;
	return 0;
}

/* One df -P data row: FS BLOCKS USED AVAIL PCT% MOUNT (the mount may hold
 * spaces, the file system too in theory: numbers are found from the right
 * of the first token). */
static int df_row(const char *line, struct ni_disk *d)
{
	long long blocks, used, avail;
	int pct, off = 0;
	char fs[128];
	if (sscanf(line, "%127s %lld %lld %lld %d%%%n", fs, &blocks, &used, &avail, &pct, &off) !=
		5 ||
	    !off)
		return -1;
	/* sizes in 1024-byte blocks: none negative, none past what bytes hold */
	if (blocks < 0 || used < 0 || avail < 0 || blocks > LLONG_MAX / 1024 ||
	    used > LLONG_MAX / 1024 || avail > LLONG_MAX / 1024)
		return -1;
	memset(d, 0, sizeof *d);
	snprintf(d->fs, sizeof d->fs, "%s", fs);
	const char *mnt = line + off;
	while (*mnt == ' ')
		mnt++;
	snprintf(d->mount, sizeof d->mount, "%s", mnt);
	d->size = blocks * 1024;
	d->used = used * 1024;
	d->avail = avail * 1024;
	d->pct = pct;
	return 0;
}

int ni_parse_df(const char *out, struct ni_disk *d, int max, int *n, struct mlc_err *err)
{
	*n = 0;
	char line[512];
	const char *p = out;
	int lineno = 0;
	while (ni_next_line(&p, line, sizeof line)) {
		lineno++;
		if (lineno == 1 && str_starts(line, "Filesystem"))
			continue;
		if (!line[0])
			continue;
		struct ni_disk row;
		if (df_row(line, &row) < 0)
			return mlc_err_set(
			    err, MLC_ERR_PARSE, lineno,
			    "df -P: line %d: expected FS BLOCKS USED AVAIL N%% MOUNT", lineno);
		if (*n < max)
			d[(*n)++] = row;
	}
	return 0;
}

bool ni_disk_real(const struct ni_disk *d)
{
	static const char *const virt[] = {"tmpfs",    "devtmpfs", "overlay",  "shm",
					   "udev",     "none",	   "efivarfs", "cgroup",
					   "squashfs", "proc",	   "sysfs",    "run"};
	for (size_t i = 0; i < ARRAY_LEN(virt); i++)
		if (!strcmp(d->fs, virt[i]))
			return false;
	return !str_starts(d->fs, "/dev/loop") && d->size > 0;
}

int ni_disk_fullest(const struct ni_disk *d, int n)
{
	int best = -1;
	for (int i = 0; i < n; i++)
		if (ni_disk_real(&d[i]) && (best < 0 || d[i].pct > d[best].pct))
			best = i;
	return best;
}

/* One CSV field of nvidia-smi (no quoting in its output): trimmed into out. */
static const char *csv_field(const char *p, char *out, size_t n)
{
	while (*p == ' ')
		p++;
	const char *end = strchr(p, ',');
	size_t len = end ? (size_t)(end - p) : strlen(p);
	while (len && p[len - 1] == ' ')
		len--;
	size_t k = len < n - 1 ? len : n - 1;
	memcpy(out, p, k);
	out[k] = '\0';
	return end ? end + 1 : NULL;
}

/* A number field, or -1 for "[N/A]" / "[Not Supported]". */
/* A number of nvidia-smi's CSV; "[N/A]" and the like are -1. Kept within
 * [-1, 1e12] (NaN reads as -1) so that no conversion to an integer, nor a
 * product of one, can overflow. */
static int num_field(const char *f, double *v)
{
	if (f[0] == '[') {
		*v = -1;
		return 0;
	}
	char *end;
	*v = strtod(f, &end);
	if (*v != *v || *v < -1)
		*v = -1;
	else if (*v > 1e12)
		*v = 1e12;
	return end == f || *end ? -1 : 0;
}

/* An index, a percentage or a temperature: at most a million. */
static int small_int(double v)
{
	return v > 1e6 ? 1000000 : (int)v;
}

int ni_parse_gpus(const char *out, struct ni_gpu *g, int max, int *n, struct mlc_err *err)
{
	*n = 0;
	char line[512];
	const char *p = out;
	int lineno = 0;
	while (ni_next_line(&p, line, sizeof line)) {
		lineno++;
		if (!line[0])
			continue;
		char f[7][96];
		const char *q = line;
		int k = 0;
		while (q && k < 7)
			q = csv_field(q, f[k++], sizeof f[0]);
		double v[7];
		bool ok = k == 7;
		for (int i = 0; ok && i < 7; i++)
			if (i != 1 && num_field(f[i], &v[i]) < 0)
				ok = false;
		if (!ok)
			return mlc_err_set(err, MLC_ERR_PARSE, lineno,
					   "nvidia-smi: line %d: expected 7 comma-separated fields "
					   "(index, name, util, mem used, mem total, temp, power)",
					   lineno);
		if (*n >= max)
			continue;
		struct ni_gpu *x = &g[(*n)++];
		x->index = small_int(v[0]);
		snprintf(x->name, sizeof x->name, "%s", f[1]);
		x->util = small_int(v[2]);
		x->mem_used = (int64_t)v[3];
		x->mem_total = (int64_t)v[4];
		x->temp = small_int(v[5]);
		x->power = v[6];
	}
	return 0;
}

bool ni_gpu_busy(const struct ni_gpu *g)
{
	return g->util > 0 || (g->mem_total > 0 && g->mem_used * 10 > g->mem_total);
}

/* The next line of *p into line (cut at n-1 bytes); false at the end. */
bool ni_next_line(const char **p, char *line, size_t n)
{
	if (!**p)
		return false;
	const char *nl = strchr(*p, '\n');
	size_t len = nl ? (size_t)(nl - *p) : strlen(*p);
	size_t k = len < n - 1 ? len : n - 1;
	memcpy(line, *p, k);
	line[k] = '\0';
	if (k && line[k - 1] == '\r')
		line[k - 1] = '\0';
	*p += len + (nl ? 1 : 0);
	return true;
}
