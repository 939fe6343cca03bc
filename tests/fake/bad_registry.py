#!/usr/bin/env python3
"""A fake Registry v2 that answers one crafted scenario, for
t_registry_badinput.sh. It holds one repository, "app", with one tag, "1",
and answers the rest of the API honestly so that only the crafted answer is
wrong. Every request is logged as one JSON line (method, host it was sent
to, path, headers) to LOGFILE.

usage: bad_registry.py --scenario NAME --port-file FILE --log LOGFILE
                       [--tls CERT KEY] [--other-port-file FILE]

Scenarios:
  ok               nothing wrong (the baseline)
  huge-catalog     the catalog is a 70 MiB body (over the 64 MiB answer cap)
  huge-manifest    the manifest is 5 MiB of valid JSON (over the 4 MiB cap)
  deep-catalog     the catalog nests arrays 100000 deep
  deep-manifest    the manifest nests objects 100000 deep
  trunc-catalog    the catalog's JSON is cut short
  trunc-tags       the tag list's JSON is cut short
  trunc-manifest   the manifest's JSON is cut short (its digest matches)
  link-loop        the catalog's Link names the catalog page itself
  link-loop-tags   the tag list's next page links back to itself
  digest-mismatch  the manifest's Docker-Content-Digest is another body's
  no-challenge     /v2/ answers 401 with no WWW-Authenticate
  bad-challenge    /v2/ answers 401 Bearer with no realm
  http-realm       (with --tls) 401 Bearer with a realm on plain HTTP, served
                   by a second listener on 127.0.0.1 (its port in
                   --other-port-file), which logs what it receives
  redirect         basic auth (user "tester", password "pw"); manifests are
                   redirected to 127.0.0.2, blobs to 127.0.0.1 on another
                   port (second and third listeners, both logging); the
                   other ports, space separated, go to --other-port-file
Runs until killed (SIGTERM).
"""
import argparse
import base64
import hashlib
import http.server
import json
import os
import socketserver
import ssl
import sys
import threading

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
CONFIG = json.dumps({"created": "2024-01-01T00:00:00Z", "os": "linux",
                     "architecture": "amd64",
                     "rootfs": {"type": "layers", "diff_ids": []}}).encode()
LAYER = b"layer bytes"
USER, PASS = "tester", "pw"


def digest(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


MANIFEST = json.dumps({
    "schemaVersion": 2, "mediaType": OCI_MANIFEST,
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
               "digest": digest(CONFIG), "size": len(CONFIG)},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                "digest": digest(LAYER), "size": len(LAYER)}]}).encode()
BLOBS = {digest(CONFIG): CONFIG, digest(LAYER): LAYER}
LOG_LOCK = threading.Lock()


def log(a, handler, where):
    with LOG_LOCK, open(a.log, "a") as f:
        f.write(json.dumps({"where": where, "method": handler.command,
                            "host": handler.headers.get("Host"), "path": handler.path,
                            "headers": {k.lower(): v for k, v in handler.headers.items()}})
                + "\n")


class Base(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY, as Go's net/http: else headers and body, two writes,
    # wait for the client's delayed ACK (~40 ms a keep-alive request)
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        pass

    def answer(self, status, body=b"", headers=(), ctype="application/json"):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if body is not None:
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def stream(self, parts, total):
        """Sends a 200 of `total` bytes made of the byte strings in parts."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(total))
        self.end_headers()
        try:
            for p in parts:
                self.wfile.write(p)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True


class Other(Base):
    """The realm or redirect target: serves what the registry would."""

    def do_GET(self):
        log(ARGS, self, "other")
        if self.path.startswith("/token"):
            self.answer(200, json.dumps({"token": "t0ken", "expires_in": 300}).encode())
            return
        name = self.path.rsplit("/", 1)[-1]
        if "/manifests/" in self.path:
            self.answer(200, MANIFEST, [("Docker-Content-Digest", digest(MANIFEST))],
                        OCI_MANIFEST)
        elif name in BLOBS:
            self.answer(200, BLOBS[name], ctype="application/octet-stream")
        else:
            self.answer(404, b'{"errors":[{"code":"NOT_FOUND","message":"no"}]}')

    do_HEAD = do_GET


class Registry(Base):
    def do_GET(self):
        log(ARGS, self, "registry")
        sc = ARGS.scenario
        p = self.path
        if sc == "redirect" and self.headers.get("Authorization") != "Basic " + \
                base64.b64encode(f"{USER}:{PASS}".encode()).decode():
            self.answer(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"login"}]}',
                        [("WWW-Authenticate", 'Basic realm="fake"')])
            return
        if p == "/v2/":
            if sc == "no-challenge":
                self.answer(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"no"}]}')
            elif sc == "bad-challenge":
                self.answer(401, b"{}", [("WWW-Authenticate", 'Bearer service="fake"')])
            elif sc == "http-realm" and not self.headers.get("Authorization"):
                realm = f"http://127.0.0.1:{OTHER_PORTS[0]}/token"
                self.answer(401, b"{}", [("WWW-Authenticate",
                                          f'Bearer realm="{realm}",service="fake"')])
            else:
                self.answer(200, b"{}")
            return
        if p.startswith("/v2/_catalog"):
            if sc == "huge-catalog":
                chunk = b"a" * (1 << 20)
                total = 70
                self.stream([b'{"repositories":["'] + [chunk] * total + [b'"]}'],
                            len(b'{"repositories":["') + total * len(chunk) + 3)
            elif sc == "deep-catalog":
                n = 100000
                self.answer(200, b'{"repositories":' + b"[" * n + b"]" * n + b"}")
            elif sc == "trunc-catalog":
                self.answer(200, b'{"repositories":["app","bui')
            elif sc == "link-loop":
                self.answer(200, b'{"repositories":["app"]}',
                            [("Link", '</v2/_catalog?n=1000>; rel="next"')])
            else:
                self.answer(200, b'{"repositories":["app"]}')
            return
        if p.startswith("/v2/app/tags/list"):
            if sc == "trunc-tags":
                self.answer(200, b'{"name":"app","tags":["1","2')
            elif sc == "link-loop-tags":
                self.answer(200, b'{"name":"app","tags":["1"]}',
                            [("Link", '</v2/app/tags/list?last=1&n=1000>; rel="next"')])
            else:
                self.answer(200, b'{"name":"app","tags":["1"]}')
            return
        if p.startswith("/v2/app/manifests/"):
            body, dg = MANIFEST, digest(MANIFEST)
            if sc == "huge-manifest":
                body = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                                   "annotations": {"x": "y" * (5 << 20)}}).encode()
                dg = digest(body)
            elif sc == "deep-manifest":
                n = 100000
                body = b'{"schemaVersion":2,"a":' + b'{"a":' * n + b"1" + b"}" * n + b"}"
                dg = digest(body)
            elif sc == "trunc-manifest":
                body = MANIFEST[: len(MANIFEST) // 2]
                dg = digest(body)
            elif sc == "digest-mismatch":
                dg = digest(b"another body")
            elif sc == "redirect":
                self.answer(307, b"", [("Location",
                                        f"http://127.0.0.2:{OTHER_PORTS[1]}{p}")])
                return
            self.answer(200, body, [("Docker-Content-Digest", dg)], OCI_MANIFEST)
            return
        if p.startswith("/v2/app/blobs/"):
            if sc == "redirect":
                self.answer(307, b"", [("Location", f"http://127.0.0.1:{OTHER_PORTS[2]}{p}")])
                return
            name = p.rsplit("/", 1)[-1]
            if name in BLOBS:
                self.answer(200, BLOBS[name], ctype="application/octet-stream")
                return
        if p.startswith("/v2/app/referrers/"):
            self.answer(404, b'{"errors":[{"code":"NOT_FOUND","message":"no"}]}')
            return
        self.answer(404, b'{"errors":[{"code":"NOT_FOUND","message":"unknown"}]}')

    do_HEAD = do_GET


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def serve(srv):
    threading.Thread(target=srv.serve_forever, daemon=True).start()


def write_atomic(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.rename(path + ".tmp", path)


def main():
    global ARGS, OTHER_PORTS
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--other-port-file")
    ARGS = ap.parse_args()
    OTHER_PORTS = [None, None, None]
    others = []
    if ARGS.scenario == "http-realm":
        others = [("127.0.0.1", 0)]
    elif ARGS.scenario == "redirect":
        others = [None, ("127.0.0.2", 0), ("127.0.0.1", 0)]
    for i, addr in enumerate(others):
        if addr:
            s = Server(addr, Other)
            OTHER_PORTS[i] = s.server_address[1]
            serve(s)
    srv = Server(("127.0.0.1", 0), Registry)
    if ARGS.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*ARGS.tls)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    if ARGS.other_port_file:
        write_atomic(ARGS.other_port_file, " ".join(str(p) for p in OTHER_PORTS if p) + "\n")
    write_atomic(ARGS.port_file, f"{srv.server_address[1]}\n")
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
