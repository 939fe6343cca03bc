#!/usr/bin/env python3
"""Rewrites a version 2 plan as reclaim 0.2.0 (the last release to write
plan format version 1) wrote it, resealed: what a plan in review across the
upgrade looks like. Usage: plan_v1.py IN OUT."""
import json
import subprocess
import sys
import os

src, out = sys.argv[1:3]
d = json.load(open(src))
assert d["version"] == 2, "not a version 2 plan"
v1 = {}
for k in ("format", "version", "tool", "created_at", "expires_at", "policy", "policy_digest"):
    v1[k] = d[k]
v1["version"] = 1
v1["tool"] = {"name": "reclaim", "version": "0.2.0"}
v1["sources"] = []
for s in d["sources"]:
    assert s["type"] == "engine"
    i = s["identity"]
    o = {"name": s["name"], "type": s["type"], "endpoint": s["endpoint"],
         "engine_id": i["id"], "engine_name": i["name"], "api_version": i["api_version"],
         "scanned_at": s["scanned_at"]}
    if "clock" in i:
        o["engine_time"] = i["clock"]
    v1["sources"].append(o)
v1["summary"] = d["summary"]
for k in ("container", "image", "volume", "network", "build-cache"):
    v1["summary"]["by_kind"].setdefault(k, {"count": 0, "bytes": 0})
v1["candidates"] = []
for c in d["candidates"]:
    pre = c["preconditions"]
    c["preconditions"] = dict({"tags": pre.pop("tags", []),
                               "users_in_plan": pre.pop("users_in_plan", [])}, **pre)
    v1["candidates"].append(c)
v1["protected"] = d["protected"]
open(out, "w").write(json.dumps(v1, indent=2) + "\n")
tool = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts",
                    "plan-digest.py")
v1["digest"] = subprocess.run([sys.executable, tool, out], check=True, capture_output=True,
                              text=True).stdout.strip()
open(out, "w").write(json.dumps(v1, indent=2) + "\n")
