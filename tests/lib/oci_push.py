#!/usr/bin/env python3
"""Pushes test content to a registry through its API (blob upload POST/PUT,
manifest PUT), authenticating as the registry asks: none, basic, or the
bearer-token flow, with $REG_USER/$REG_PASS when set.

  oci_push.py URL seed            the standard fixture; prints NAME=VALUE lines
  oci_push.py URL image REPO TAG [CREATED]      prints the manifest digest
  oci_push.py URL retag REPO DIGEST TAG         puts DIGEST's manifest at TAG
  oci_push.py URL tags REPO PREFIX N            N images tagged PREFIX1..N
  oci_push.py URL demo            the make-demo set; prints NAME=VALUE lines
"""
import base64
import hashlib
import json
import os
import random
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

URL = sys.argv[1].rstrip("/")
USER = os.environ.get("REG_USER")
PASS = os.environ.get("REG_PASS")
_tokens = {}
_auth_mode = None

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
LAYER = "application/vnd.oci.image.layer.v1.tar"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


opener = urllib.request.build_opener(NoRedirect)


def digest(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def basic():
    return "Basic " + base64.b64encode(f"{USER}:{PASS}".encode()).decode()


def token_for(challenge, scope):
    if scope in _tokens:
        return _tokens[scope]
    params = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
    q = {"service": params.get("service", "")}
    if scope:
        q["scope"] = scope
    req = urllib.request.Request(params["realm"] + "?" + urllib.parse.urlencode(q))
    if USER:
        req.add_header("Authorization", basic())
    tok = json.load(opener.open(req))["token"]
    _tokens[scope] = tok
    return tok


_challenge = None


def request(method, path, body=None, headers=None, scope=None):
    global _challenge
    url = path if path.startswith("http") else URL + path
    for attempt in range(2):
        req = urllib.request.Request(url, data=body, method=method)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        if _challenge:
            if _challenge.startswith("Basic"):
                req.add_header("Authorization", basic())
            else:
                req.add_header("Authorization", "Bearer " + token_for(_challenge, scope))
        try:
            r = opener.open(req)
            return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            if e.code == 401 and attempt == 0:
                _challenge = e.headers.get("WWW-Authenticate", "")
                _tokens.pop(scope, None)
                continue
            return e.code, dict(e.headers), e.read()
    raise SystemExit(f"{method} {path}: unauthorized")


def scope(repo):
    return f"repository:{repo}:pull,push"


def put_blob(repo, data):
    d = digest(data)
    st, h, _ = request("HEAD", f"/v2/{repo}/blobs/{d}", scope=scope(repo))
    if st == 200:
        return d, len(data)
    st, h, b = request("POST", f"/v2/{repo}/blobs/uploads/", b"", scope=scope(repo))
    assert st == 202, (st, b)
    loc = h["Location"]
    loc += ("&" if "?" in loc else "?") + "digest=" + urllib.parse.quote(d)
    st, h, b = request("PUT", loc, data, {"Content-Type": "application/octet-stream"},
                       scope=scope(repo))
    assert st == 201, (st, b)
    return d, len(data)


def put_manifest(repo, ref, doc, mt):
    body = json.dumps(doc, separators=(",", ":")).encode()
    st, h, b = request("PUT", f"/v2/{repo}/manifests/{ref}", body, {"Content-Type": mt},
                       scope=scope(repo))
    assert st == 201, (st, b)
    d = digest(body)
    assert h.get("Docker-Content-Digest", d) == d
    return d, len(body)


def image(repo, tag, created, layers, os_="linux", arch="amd64", docker=False,
          subject=None, artifact_type=None, config_mt=None):
    cfg = {"created": created, "os": os_, "architecture": arch,
           "rootfs": {"type": "layers", "diff_ids": [digest(l) for l in layers]},
           "config": {}}
    cfgb = json.dumps(cfg, sort_keys=True).encode()
    cd, cs = put_blob(repo, cfgb)
    ls = []
    for l in layers:
        d, s = put_blob(repo, l)
        ls.append({"mediaType": LAYER if not docker else
                   "application/vnd.docker.image.rootfs.diff.tar", "digest": d, "size": s})
    m = {"schemaVersion": 2,
         "mediaType": DOCKER_MANIFEST if docker else OCI_MANIFEST,
         "config": {"mediaType": config_mt or (DOCKER_CONFIG if docker else OCI_CONFIG),
                    "digest": cd, "size": cs},
         "layers": ls}
    if subject:
        m["subject"] = subject
    if artifact_type:
        m["artifactType"] = artifact_type
    return put_manifest(repo, tag, m, DOCKER_MANIFEST if docker else OCI_MANIFEST)


def retag(repo, d, tag):
    st, h, b = request("GET", f"/v2/{repo}/manifests/{d}",
                       headers={"Accept": ",".join([OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST])},
                       scope=scope(repo))
    assert st == 200, (st, b)
    mt = h["Content-Type"]
    st, h, b2 = request("PUT", f"/v2/{repo}/manifests/{tag}", b, {"Content-Type": mt},
                        scope=scope(repo))
    assert st == 201, (st, b2)
    return digest(b)


def seed():
    base = b"shared base layer " * 1000
    out = {}
    out["BASE_LAYER"] = digest(base)
    d, s = image("app", "1.0", "2024-01-01T00:00:00Z", [base, b"app 1.0 layer"])
    out["APP_10"] = d
    d, s = image("app", "1.1", "2024-02-01T10:20:30.123456789Z", [base, b"app 1.1 layer"],
                 docker=True)
    out["APP_11"] = d
    retag("app", d, "latest")
    d, s = image("team/svc", "1", "2024-03-01T00:00:00Z", [base, b"svc layer"])
    out["SVC_1"] = d
    # an OCI index with two children
    kids = []
    for arch in ("amd64", "arm64"):
        d, s = image("multi", None, "2024-04-01T00:00:00Z", [f"multi {arch}".encode()],
                     arch=arch) if False else (None, None)
        cfg = json.dumps({"created": "2024-04-0%dT00:00:00Z" % (1 if arch == "amd64" else 2),
                          "os": "linux", "architecture": arch,
                          "rootfs": {"type": "layers", "diff_ids": []}}).encode()
        cd, cs = put_blob("multi", cfg)
        ld, lsz = put_blob("multi", f"multi {arch} layer".encode())
        m = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
             "config": {"mediaType": OCI_CONFIG, "digest": cd, "size": cs},
             "layers": [{"mediaType": LAYER, "digest": ld, "size": lsz}]}
        body = json.dumps(m, separators=(",", ":")).encode()
        kd = digest(body)
        put_manifest("multi", kd, m, OCI_MANIFEST)
        kids.append({"mediaType": OCI_MANIFEST, "digest": kd, "size": len(body),
                     "platform": {"os": "linux", "architecture": arch}})
        out["MULTI_" + arch.upper()] = kd
    d, s = put_manifest("multi", "2", {"schemaVersion": 2, "mediaType": OCI_INDEX,
                                       "manifests": kids}, OCI_INDEX)
    out["MULTI_IDX"] = d
    # a cosign-style signature of app:1.0
    sig_tag = "sha256-" + out["APP_10"].split(":")[1] + ".sig"
    d, s = image("app", sig_tag, "2024-01-02T00:00:00Z", [b"cosign signature payload"],
                 os_="", arch="")
    out["SIG"] = d
    out["SIG_TAG"] = sig_tag
    # an OCI artifact (SBOM) whose subject is app:1.1
    empty = b"{}"
    ed, es = put_blob("app", empty)
    ld, lsz = put_blob("app", b'{"spdxVersion":"SPDX-2.3"}')
    m = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
         "artifactType": "application/spdx+json",
         "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": ed, "size": es},
         "layers": [{"mediaType": "application/spdx+json", "digest": ld, "size": lsz}],
         "subject": {"mediaType": DOCKER_MANIFEST, "digest": out["APP_11"],
                     "size": 0}}
    d, s = put_manifest("app", "sbom-1.1", m, OCI_MANIFEST)
    out["SBOM"] = d
    # a repository with five tags, for pagination
    for i in range(1, 6):
        d, s = image("paged", f"p{i}", "2024-05-0%dT00:00:00Z" % i, [f"paged {i}".encode()])
        out[f"PAGED_{i}"] = d
    for k, v in out.items():
        print(f"{k}={v}")


def demo():
    """What make demo pushes: three repositories sharing a base layer, a
    release tagged both '1.1.0' and 'stable', a 'latest', and a cosign-style
    signature of the oldest release. Layers are random bytes, so that the
    sizes garbage-collect frees are real."""
    rnd = random.Random(20240101)

    def blob(n):
        return rnd.randbytes(n)

    base = blob(256 * 1024)
    out = {}
    for i, (ver, month) in enumerate((("1.0.0", 1), ("1.1.0", 2), ("1.2.0", 3),
                                      ("1.3.0", 4), ("1.4.0", 5))):
        d, s = image("shop/api", ver, "2024-%02d-10T09:00:00Z" % month,
                     [base, blob(96 * 1024 + i * 1024)])
        out["API_" + ver.replace(".", "")] = d
    retag("shop/api", out["API_110"], "stable")
    retag("shop/api", out["API_140"], "latest")
    sig_tag = "sha256-" + out["API_100"].split(":")[1] + ".sig"
    d, s = image("shop/api", sig_tag, "2024-01-10T09:05:00Z", [b"cosign signature payload"],
                 os_="", arch="")
    out["API_SIG"] = d
    out["API_SIG_TAG"] = sig_tag
    for i, day in enumerate((3, 10, 17, 24)):
        d, s = image("shop/web", "2024.06.%02d" % day, "2024-06-%02dT18:00:00Z" % day,
                     [base, blob(64 * 1024 + i * 512)])
        out["WEB_%d" % i] = d
    retag("shop/web", d, "latest")
    for i, (tag, month) in enumerate((("bookworm-1", 2), ("bookworm-2", 5))):
        d, s = image("tools/ci-runner", tag, "2024-%02d-01T00:00:00Z" % month,
                     [blob(128 * 1024 + i * 2048)])
        out["CI_%d" % i] = d
    for k, v in out.items():
        print(f"{k}={v}")


def main():
    cmd = sys.argv[2]
    if cmd == "seed":
        seed()
    elif cmd == "demo":
        demo()
    elif cmd == "image":
        created = sys.argv[5] if len(sys.argv) > 5 else "2024-06-01T00:00:00Z"
        d, s = image(sys.argv[3], sys.argv[4], created,
                     [f"{sys.argv[3]}:{sys.argv[4]} {os.urandom(8).hex()}".encode()])
        print(d)
    elif cmd == "retag":
        print(retag(sys.argv[3], sys.argv[4], sys.argv[5]))
    elif cmd == "tags":
        for i in range(1, int(sys.argv[5]) + 1):
            d, s = image(sys.argv[3], f"{sys.argv[4]}{i}", "2024-06-01T00:00:00Z",
                         [f"{sys.argv[3]} {i}".encode()])
            print(d)
    else:
        raise SystemExit("unknown command " + cmd)


if __name__ == "__main__":
    main()
