#!/usr/bin/env python3
"""Seeds an anonymous registry through its API, fast: REPOS repositories
(bench/r000 ...) of TAGS tags each (t001 ...), where every tenth tag (t010,
t020, ...) names the same digest as the tag before it, so one tag in ten
shares a digest. Each distinct image is a unique config blob, a per-
repository base layer (4 KiB) and a unique small layer (256 B); tag n is
created n hours after 2024-01-01, so 'newest' is well defined. Pushes run on
WORKERS threads, each with its own keep-alive connection.

  seed_registry.py URL seed REPOS TAGS OUT.jsonl   push; OUT gets one line per
                  distinct manifest: {"repo", "tags", "digest", "body"}
  seed_registry.py URL restore OUT.jsonl FILTER    PUT again the manifests whose
                  tags all match the regex FILTER, at those tags (their blobs
                  are still linked after a manifest DELETE)
"""
import concurrent.futures
import hashlib
import http.client
import json
import re
import sys
import threading
import urllib.parse

URL = urllib.parse.urlsplit(sys.argv[1])
WORKERS = 16
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER = "application/vnd.oci.image.layer.v1.tar"
_local = threading.local()


def conn():
    c = getattr(_local, "c", None)
    if c is None:
        c = _local.c = http.client.HTTPConnection(URL.hostname, URL.port, timeout=60)
    return c


def req(method, path, body=None, headers=None):
    for attempt in range(3):
        c = conn()
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            return r.status, r.headers, data
        except (http.client.HTTPException, OSError):
            c.close()
            _local.c = None
            if attempt == 2:
                raise
    raise AssertionError


def digest(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def put_blob(repo, data):
    d = digest(data)
    st, h, b = req("POST", f"/v2/{repo}/blobs/uploads/", b"")
    assert st == 202, (st, b)
    loc = urllib.parse.urlsplit(h["Location"])
    q = loc.query + ("&" if loc.query else "") + "digest=" + urllib.parse.quote(d)
    st, h, b = req("PUT", loc.path + "?" + q, data,
                   {"Content-Type": "application/octet-stream"})
    assert st == 201, (st, b)
    return {"mediaType": LAYER, "digest": d, "size": len(data)}


def put_manifest(repo, tag, body):
    st, h, b = req("PUT", f"/v2/{repo}/manifests/{tag}", body, {"Content-Type": OCI_MANIFEST})
    assert st == 201, (repo, tag, st, b)


def image(repo, n, base):
    created = "2024-01-%02dT%02d:00:00Z" % (1 + n // 24, n % 24)
    layer = (f"{repo} image {n} ".encode() * 32)[:256]
    ld = put_blob(repo, layer)
    cfg = json.dumps({"created": created, "os": "linux", "architecture": "amd64",
                      "rootfs": {"type": "layers", "diff_ids": [base["digest"], ld["digest"]]},
                      "config": {"Cmd": ["/app"]}}, sort_keys=True).encode()
    cd = put_blob(repo, cfg)
    cd["mediaType"] = OCI_CONFIG
    m = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": cd, "layers": [base, ld]}
    return json.dumps(m, separators=(",", ":")).encode()


def seed_image(repo, n, tags, base):
    body = image(repo, n, base)
    for t in tags:
        put_manifest(repo, t, body)
    return {"repo": repo, "tags": tags, "digest": digest(body), "body": body.decode()}


def seed(repos, tags, out):
    names = ["bench/r%03d" % i for i in range(repos)]
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as ex:
        bases = dict(zip(names, ex.map(
            lambda r: put_blob(r, (f"base layer of {r} ".encode() * 256)[:4096]), names)))
        jobs = []
        for r in names:
            for n in range(1, tags + 1):
                if n % 10 == 0:
                    continue  # shares tag n-1's digest
                ts = ["t%03d" % n] + (["t%03d" % (n + 1)] if (n + 1) % 10 == 0 and
                                      n + 1 <= tags else [])
                jobs.append(ex.submit(seed_image, r, n, ts, bases[r]))
        with open(out, "w") as f:
            for j in jobs:
                f.write(json.dumps(j.result()) + "\n")


def restore(path, flt):
    rx = re.compile(flt)
    todo = []
    for line in open(path):
        m = json.loads(line)
        if all(rx.fullmatch(t) for t in m["tags"]):
            todo.append(m)
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as ex:
        list(ex.map(lambda m: [put_manifest(m["repo"], t, m["body"].encode())
                               for t in m["tags"]], todo))
    print(len(todo))


def main():
    if sys.argv[2] == "seed":
        seed(int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    elif sys.argv[2] == "restore":
        restore(sys.argv[3], sys.argv[4])
    else:
        raise SystemExit("unknown command " + sys.argv[2])


if __name__ == "__main__":
    main()
