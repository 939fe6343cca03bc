#!/usr/bin/env python3
"""A test double of Docker Trusted Registry / MSR 2.x-3.x `/api/v0`.

It implements exactly what reclaim uses (docs/fidelity-dtr.md lists what it
does not model):

  GET    /api/v0/repositories?pageSize=&pageStart=&count=
  GET    /api/v0/repositories/{ns}/{repo}/tags?pageSize=&pageStart=
  GET    /api/v0/repositories/{ns}/{repo}/tags/{tag}
  DELETE /api/v0/repositories/{ns}/{repo}/tags/{tag}          -> 204

with basic auth (a user's password or any of its access tokens), pages
through `X-Next-Page-Start` (absent on the last page) and `X-Resource-Count`,
and errors as {"errors":[{"code","message"}]}: NOT_AUTHENTICATED (401),
NOT_AUTHORIZED (403), NO_SUCH_REPOSITORY and NO_SUCH_TAG (404),
TAG_IN_NOTARY (400 here; see the fidelity notes).

State comes from a fixture (tests/fakes/dtr/fixture.py writes them):

  {"users": {"NAME": {"secrets": ["password", "token", ...],
                      "role": "admin" | "read"}},
   "repositories": [{"namespace", "name", "immutableTags", "tagLimit",
                     "enableManifestLists", "tags": [{"name", "digest",
                     "createdAt", "updatedAt", "inNotary", "hashMismatch",
                     "author", "mediaType", "os", "architecture",
                     "configDigest", "layers": [["sha256:...", size], ...]}]}]}

Control (no auth, loopback only; tests drive it with curl):

  POST /_control  {"op": "repush", "repo": "ns/r", "tag": "t", "digest": D,
                    "updatedAt": T, "layers": [...]}   (also creates a tag)
                  {"op": "add_tag", "repo", "tag", "from": "other-tag"}
                  {"op": "delete_tag", "repo", "tag"}
                  {"op": "set", "repo", "tag", "inNotary": true}
                  {"op": "fault", "mode": "429|500|malformed|truncated|
                    endless|repeat|403|notary", "match": "substring of the path",
                    "method": "GET", "times": N (-1: always)}
                  {"op": "clear_faults"}
  GET  /_control/state   the repositories and their tags, as
                         {"ns/repo": {"tag": "digest"}}

With --tls-cert/--tls-key it speaks HTTPS only (a client that fails the
handshake is never answered nor logged).

Every request except /_control is logged, one line
"METHOD PATH STATUS user=NAME" (never a credential), to --log.
"""
import argparse
import base64
import copy
import json
import ssl
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.RLock()
STATE = {"users": {}, "repositories": []}
FAULTS = []
LOG = None
MAX_PAGE = 1000


def err_body(code, message):
    return json.dumps({"errors": [{"code": code, "message": message}]}).encode()


def find_repo(ns, name):
    for r in STATE["repositories"]:
        if r["namespace"] == ns and r["name"] == name:
            return r
    return None


def find_tag(repo, tag):
    for t in repo["tags"]:
        if t["name"] == tag:
            return t
    return None


def repo_json(r, i):
    return {
        "id": "repo-%04d" % i,
        "namespace": r["namespace"],
        "namespaceType": "organization",
        "name": r["name"],
        "shortDescription": "",
        "visibility": "private",
        "scanOnPush": False,
        "immutableTags": bool(r.get("immutableTags", False)),
        "enableManifestLists": bool(r.get("enableManifestLists", False)),
        "pulls": 0,
        "pushes": len(r["tags"]),
        "tagLimit": int(r.get("tagLimit", 0)),
    }


def tag_json(t):
    layers = t.get("layers", [])
    return {
        "name": t["name"],
        "digest": t["digest"],
        "author": t.get("author", "ci"),
        "manifest": {
            "digest": t["digest"],
            "mediaType": t.get("mediaType",
                               "application/vnd.docker.distribution.manifest.v2+json"),
            "configMediaType": "application/vnd.docker.container.image.v1+json",
            "configDigest": t.get("configDigest", ""),
            "size": sum(s for _, s in layers),
            "createdAt": t.get("createdAt", ""),
            "os": t.get("os", "linux"),
            "architecture": t.get("architecture", "amd64"),
            "dockerfile": [{"line": "", "layerDigest": d, "size": s,
                            "isEmpty": s == 0, "mediaType":
                            "application/vnd.docker.image.rootfs.diff.tar.gzip"}
                           for d, s in layers],
        },
        "hashMismatch": bool(t.get("hashMismatch", False)),
        "updatedAt": t.get("updatedAt", ""),
        "createdAt": t.get("createdAt", ""),
        "inNotary": bool(t.get("inNotary", False)),
        # empty unless the fixture gives the tag its own
        "mirroring": t.get("mirroring", {
            "digest": "", "mirroringPolicyID": "", "mirroringCreatedAt": "",
            "remoteHost": "", "remoteRepository": "", "remoteTag": ""}),
        "promotion": t.get("promotion", {"promotionPolicyID": "", "promotedAt": ""}),
    }


def take_fault(method, path):
    for f in FAULTS:
        if f.get("method", method) != method or f.get("match", "") not in path:
            continue
        if f["times"] == 0:
            continue
        if f["times"] > 0:
            f["times"] -= 1
        return f["mode"]
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY, as Go's net/http: else headers and body, two writes,
    # wait for the client's delayed ACK (~40 ms a keep-alive request)
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        pass

    def send(self, status, body=b"", headers=None, user="-"):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if body or status != 204:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)
        if LOG and not self.path.startswith("/_control"):
            with LOCK:
                LOG.write("%s %s %d user=%s\n" % (self.command, self.path, status, user))
                LOG.flush()

    def user(self):
        """(name, role) of the caller, or None; no credential leaves here."""
        h = self.headers.get("Authorization", "")
        if not h.startswith("Basic "):
            return None
        try:
            name, _, secret = base64.b64decode(h[6:]).decode().partition(":")
        except Exception:
            return None
        u = STATE["users"].get(name)
        if u and secret in u.get("secrets", []):
            return name, u.get("role", "admin")
        return None

    def do_POST(self):
        if self.path != "/_control":
            return self.send(405, err_body("METHOD_NOT_ALLOWED", "no"))
        n = int(self.headers.get("Content-Length", "0"))
        op = json.loads(self.rfile.read(n) or b"{}")
        with LOCK:
            status, msg = control(op)
        self.send(status, json.dumps({"result": msg}).encode())

    def do_GET(self):
        self.handle_api("GET")

    def do_DELETE(self):
        self.handle_api("DELETE")

    def handle_api(self, method):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/_control/state":
            with LOCK:
                st = {"%s/%s" % (r["namespace"], r["name"]):
                      {t["name"]: t["digest"] for t in r["tags"]}
                      for r in STATE["repositories"]}
            return self.send(200, json.dumps(st, sort_keys=True).encode())
        q = urllib.parse.parse_qs(url.query)
        parts = [urllib.parse.unquote(p) for p in url.path.split("/")]
        who = self.user()
        uname = who[0] if who else "-"
        if parts[:3] != ["", "api", "v0"] or len(parts) < 4 or parts[3] != "repositories":
            return self.send(404, err_body("NOT_FOUND", "no such endpoint"), user=uname)
        if not who:
            return self.send(401, err_body("NOT_AUTHENTICATED",
                                           "The client is not authenticated."),
                             {"WWW-Authenticate": 'Basic realm="dtr"'})
        with LOCK:
            fault = take_fault(method, url.path)
        if fault == "429":
            return self.send(429, err_body("TOO_MANY_REQUESTS", "slow down"),
                             {"Retry-After": "1"}, user=uname)
        if fault == "500":
            return self.send(500, err_body("INTERNAL_ERROR", "the database is down"),
                             user=uname)
        if fault == "notary":
            return self.send(400, err_body(
                "TAG_IN_NOTARY", "This tag is signed; remove its trust data first."),
                user=uname)
        if fault == "403":
            return self.send(403, err_body("NOT_AUTHORIZED",
                                           "The client is not authorized."), user=uname)
        try:
            size = int(q.get("pageSize", ["10"])[0])
        except ValueError:
            return self.send(400, err_body("INVALID_PARAMETER", "pageSize"), user=uname)
        size = max(1, min(size, MAX_PAGE))
        start = q.get("pageStart", [""])[0]
        with LOCK:
            if method == "GET" and len(parts) == 4:
                items = [repo_json(r, i) for i, r in enumerate(STATE["repositories"])]
                return self.page(items, "id", size, start, fault, uname,
                                 lambda v: {"repositories": v})
            if len(parts) < 6:
                return self.send(404, err_body("NOT_FOUND", "no such endpoint"), user=uname)
            repo = find_repo(parts[4], parts[5])
            if not repo:
                return self.send(404, err_body("NO_SUCH_REPOSITORY",
                                               "repository %s/%s does not exist" %
                                               (parts[4], parts[5])), user=uname)
            if method == "GET" and len(parts) == 7 and parts[6] == "tags":
                items = [tag_json(t) for t in repo["tags"]]
                return self.page(items, "name", size, start, fault, uname, lambda v: v)
            if len(parts) != 8 or parts[6] != "tags":
                return self.send(404, err_body("NOT_FOUND", "no such endpoint"), user=uname)
            tag = find_tag(repo, parts[7])
            if not tag:
                return self.send(404, err_body("NO_SUCH_TAG", "tag %s does not exist" %
                                               parts[7]), user=uname)
            if method == "GET":
                return self.send(200, self.mangle(json.dumps(tag_json(tag)).encode(), fault),
                                 user=uname)
            if who[1] != "admin":
                return self.send(403, err_body("NOT_AUTHORIZED",
                                               "The client is not authorized."), user=uname)
            if tag.get("inNotary"):
                return self.send(400, err_body(
                    "TAG_IN_NOTARY", "This tag is signed; remove its trust data first."),
                    user=uname)
            repo["tags"].remove(tag)
            return self.send(204, b"", user=uname)

    def mangle(self, body, fault):
        if fault == "malformed":
            return b'{"name": "x", "digest": sha256:oops}'
        if fault == "truncated":
            return body[: len(body) // 2]
        return body

    def page(self, items, key, size, start, fault, uname, wrap):
        i = 0
        if start:
            for j, it in enumerate(items):
                if it[key] == start:
                    i = j
                    break
            else:
                i = len(items)
        chunk = items[i:i + size]
        headers = {"X-Resource-Count": str(len(items))}
        if i + size < len(items):
            headers["X-Next-Page-Start"] = items[i + size][key]
        if fault == "endless":
            headers["X-Next-Page-Start"] = "%s~%d" % (start, i + size)
        elif fault == "repeat":
            headers["X-Next-Page-Start"] = start or (items[0][key] if items else "x")
        body = self.mangle(json.dumps(wrap(chunk)).encode(), fault)
        self.send(200, body, headers, user=uname)


def control(op):
    kind = op.get("op")
    if kind == "fault":
        FAULTS.append({"mode": op["mode"], "match": op.get("match", ""),
                       "method": op.get("method", "GET"), "times": op.get("times", 1)})
        return 200, "ok"
    if kind == "clear_faults":
        FAULTS.clear()
        return 200, "ok"
    ns, _, name = op.get("repo", "").partition("/")
    repo = find_repo(ns, name)
    if not repo:
        return 404, "no such repository"
    tag = find_tag(repo, op.get("tag", ""))
    if kind == "repush":
        if not tag:
            tag = {"name": op["tag"]}
            repo["tags"].append(tag)
        for k in ("digest", "updatedAt", "createdAt", "layers", "inNotary"):
            if k in op:
                tag[k] = op[k]
        tag.setdefault("createdAt", tag.get("updatedAt", ""))
        return 200, "ok"
    if kind == "add_tag":
        src = find_tag(repo, op["from"])
        if not src or tag:
            return 409, "cannot"
        t = copy.deepcopy(src)
        t["name"] = op["tag"]
        repo["tags"].append(t)
        return 200, "ok"
    if kind == "delete_tag":
        if tag:
            repo["tags"].remove(tag)
        return 200, "ok"
    if kind == "set":
        if not tag:
            return 404, "no such tag"
        for k, v in op.items():
            if k not in ("op", "repo", "tag"):
                tag[k] = v
        return 200, "ok"
    return 400, "unknown op"


def main():
    global LOG
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixture", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--log")
    ap.add_argument("--tls-cert", help="serve HTTPS with this certificate (PEM)")
    ap.add_argument("--tls-key", help="... and its key (PEM)")
    a = ap.parse_args()
    if bool(a.tls_cert) != bool(a.tls_key):
        ap.error("--tls-cert and --tls-key go together")
    with open(a.fixture) as f:
        STATE.update(json.load(f))
    if a.log:
        LOG = open(a.log, "a")
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    if a.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write(str(srv.server_address[1]))
        import os
        os.rename(a.port_file + ".tmp", a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
