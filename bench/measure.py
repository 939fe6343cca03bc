#!/usr/bin/env python3
"""Runs two commands RUNS times each, alternating A, B, A, B... so that both
see the same machine load, and prints for each the median wall time (s) and
the median peak RSS (KiB) of the command's process as JSON.

usage: measure.py RUNS CMD_A... ::: CMD_B...
"""
import json
import os
import statistics
import subprocess
import sys
import time


def once(cmd):
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 2):
        sys.exit(f"measure: {cmd[0]} exited {code}")
    return wall, ru.ru_maxrss


def summary(samples):
    walls = [w for w, _ in samples]
    return {"wall_s": statistics.median(walls), "wall_all": [round(w, 3) for w in walls],
            "rss_kib": statistics.median([r for _, r in samples])}


def main():
    runs = int(sys.argv[1])
    sep = sys.argv.index(":::")
    a, b = sys.argv[2:sep], sys.argv[sep + 1:]
    once(a)  # warm-up, not counted
    once(b)
    sa, sb = [], []
    for _ in range(runs):
        sa.append(once(a))
        sb.append(once(b))
    print(json.dumps({"a": summary(sa), "b": summary(sb)}))


if __name__ == "__main__":
    main()
