#!/usr/bin/env python3
"""Runs a command RUNS times and prints the median wall time (s) and the
median peak RSS (KiB) of the command's process tree as JSON.

usage: measure.py RUNS CMD [ARGS...]
"""
import json
import resource
import statistics
import subprocess
import sys
import time


def once(cmd):
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = __import__("os").wait4(p.pid, 0)
    wall = time.monotonic() - t0
    code = status >> 8
    if code not in (0, 2):
        sys.exit(f"measure: {cmd[0]} exited {code}")
    return wall, ru.ru_maxrss


def main():
    runs = int(sys.argv[1])
    cmd = sys.argv[2:]
    once(cmd)  # warm-up, not counted
    walls, rss = [], []
    for _ in range(runs):
        w, r = once(cmd)
        walls.append(w)
        rss.append(r)
    print(json.dumps({"runs": runs, "wall_s": statistics.median(walls),
                      "wall_all": [round(w, 3) for w in walls],
                      "rss_kib": statistics.median(rss)}))


if __name__ == "__main__":
    main()
