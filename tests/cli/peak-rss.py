#!/usr/bin/env python3
"""Runs a command and checks its peak resident memory against a bound.

Usage: peak-rss.py MAX_MIB CMD ARGS...
CMD runs with stdin, stdout and stderr on /dev/null; its exit status is not
judged (a table row does that). Prints the peak and exits 1 above MAX_MIB.
Under AddressSanitizer, whose shadow memory RSS counts, the bound is not
checked, and the output says so.
"""
import os
import sys

if len(sys.argv) < 3:
    sys.exit(__doc__)
limit_mib, argv = float(sys.argv[1]), sys.argv[2:]
null = [(os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_RDWR, 0) for fd in (0, 1, 2)]
pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=null)
peak_mib = os.wait4(pid, 0)[2].ru_maxrss / 1024
with open(argv[0] if os.path.sep in argv[0] else os.environ.get("PAIRKIT", argv[0]), "rb") as f:
    sanitized = b"__asan_init" in f.read()
print(f"{' '.join(argv)}: peak RSS {peak_mib:.1f} MiB (bound {limit_mib:g} MiB)")
if sanitized:
    print("not checked: AddressSanitizer's shadow memory counts in RSS")
elif peak_mib > limit_mib:
    sys.exit(1)
