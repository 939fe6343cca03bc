#!/usr/bin/env python3
"""The request floor of a registry scan, for bench/registry.sh: walk the
catalog and every tag list (plain GETs, following Link), then let
`curl --parallel --parallel-max 16` fetch every tag's manifest and, once
those are in, every distinct config blob. No parsing beyond what finds the
config digests, no verification, no plan: what any scanner must at least
ask. Anonymous registries only.

usage: registry_floor.py URL
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request

URL = sys.argv[1].rstrip("/")
ACCEPT = ("application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, "
          "application/vnd.docker.distribution.manifest.v2+json, "
          "application/vnd.docker.distribution.manifest.list.v2+json")


def walk(path, key):
    out = []
    while path:
        with urllib.request.urlopen(URL + path) as r:
            out += json.load(r)[key] or []
            link = r.headers.get("Link")
        path = None
        if link:
            path = urllib.parse.urljoin(path or "/", re.match(r"<([^>]*)>", link).group(1))
    return out


def curl_parallel(urls, headers, outdir=None):
    """GETs urls with curl --parallel; bodies go to outdir/<index>, or nowhere."""
    cfg = "".join(f'url = "{u}"\noutput = "{outdir + "/" + str(i) if outdir else "/dev/null"}"\n'
                  for i, u in enumerate(urls))
    args = ["curl", "-sSf", "--no-progress-meter", "--parallel", "--parallel-max", "16",
            "-K", "-"]
    for h in headers:
        args += ["-H", h]
    subprocess.run(args, input=cfg.encode(), check=True)


def main():
    repos = walk("/v2/_catalog?n=1000", "repositories")
    refs = [(r, t) for r in repos for t in walk(f"/v2/{r}/tags/list?n=1000", "tags")]
    with tempfile.TemporaryDirectory(dir=os.environ.get("FLOOR_TMPDIR", "/dev/shm")) as d:
        curl_parallel([f"{URL}/v2/{r}/manifests/{t}" for r, t in refs],
                      ["Accept: " + ACCEPT], d)
        blobs = set()
        for i, (repo, _) in enumerate(refs):
            with open(f"{d}/{i}", "rb") as f:
                m = json.load(f)
            if "config" in m:
                blobs.add(f"{URL}/v2/{repo}/blobs/{m['config']['digest']}")
    curl_parallel(sorted(blobs), [])
    print(len(refs), len(blobs), file=sys.stderr)


if __name__ == "__main__":
    main()
