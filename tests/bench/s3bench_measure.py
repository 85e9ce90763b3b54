#!/usr/bin/env python3
"""Run a command and report what it cost: the S3 benchmark's peers.

Standard library only.  Prints one line,
  WALL_MS CPU_S USER_S SYS_S MAXRSS_KB LAST
where CPU is user + system time of the command and every descendant it
waited for (getrusage RUSAGE_CHILDREN), MAXRSS the largest of them, and
LAST the last line of the command's standard output (the peers print their
key count there), "-" when empty; exit status that of the command.

  s3bench_measure.py -- COMMAND [ARG...]
"""

import resource
import subprocess
import sys
import time


def main():
    argv = sys.argv[1:]
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        sys.exit("usage: s3bench_measure.py -- COMMAND [ARG...]")
    t0 = time.monotonic()
    p = subprocess.run(argv, stdout=subprocess.PIPE)
    wall = (time.monotonic() - t0) * 1000
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    lines = p.stdout.decode(errors="replace").strip().splitlines()
    last = lines[-1].strip().replace(" ", "_") if lines else "-"
    print("%.0f %.3f %.3f %.3f %d %s" % (wall, ru.ru_utime + ru.ru_stime, ru.ru_utime,
                                         ru.ru_stime, ru.ru_maxrss, last))
    sys.exit(p.returncode)


if __name__ == "__main__":
    main()
