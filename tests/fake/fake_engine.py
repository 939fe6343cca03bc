#!/usr/bin/env python3
"""fake_engine.py: a tiny fake Docker Engine on a unix socket, for BAD-INPUT
end-to-end cases only (the real behaviour is tested against a private
dockerd).

Usage: python3 tests/fake/fake_engine.py SOCKET MODE
Runs until killed (SIGTERM/SIGINT); removes SOCKET on exit. Each request is
logged to stderr as "METHOD PATH".

Modes:
  500         every request answers HTTP 500 with {"message":"boom"}.
  truncated   /_ping answers 200 "OK" with Api-Version 1.41; every other
              path answers 200 with JSON cut off in the middle.
  wrongtypes  /_ping as above and a valid /info; every other path answers
              valid JSON with wrong types (/images/json "Size" is a string,
              /containers/json "Created" is a string, /volumes "Volumes" is
              an object, /networks "Name" is a number, /system/df
              "LayersSize" is a string), so a scan fails with
              "malformed /images/json answer: 'Size' is not a number".
  oldapi      /_ping answers Api-Version 1.30; /v1.30/info answers a valid
              /info (a client must refuse before asking).
Any write method (POST, PUT, DELETE, PATCH) answers 405 and is logged as
"WRITE METHOD PATH", so a test can grep stderr to prove none was sent.
"""
import http.server
import json
import os
import signal
import socketserver
import sys

MODES = ("500", "truncated", "wrongtypes", "oldapi")

INFO = {"ID": "FAKE:ENGINE:0001", "Name": "fake", "ServerVersion": "0.0.0-fake"}

IMAGES = [{
    "Id": "sha256:" + "a" * 64, "ParentId": "", "RepoTags": ["fake:1"],
    "RepoDigests": [], "Created": 1795755276, "Size": 1234,
    "SharedSize": -1, "Containers": -1, "Labels": {},
}]

WRONG = {
    "/images/json": [dict(IMAGES[0], Size="1234")],
    "/containers/json": [{"Id": "c" * 64, "Created": "yesterday", "Names": "/x"}],
    "/volumes": {"Volumes": {"Name": "v"}},
    "/networks": [{"Id": "n" * 64, "Name": 7}],
    "/system/df": {"LayersSize": "big", "BuildCache": {}},
}


def strip_version(path):
    """'/v1.41/images/json?x=1' -> '/images/json'"""
    p = path.split("?", 1)[0]
    if p.startswith("/v"):
        parts = p.split("/", 2)
        if len(parts) == 3 and parts[1][1:].replace(".", "").isdigit():
            p = "/" + parts[2]
    return p


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeDocker/0"
    sys_version = ""

    def log_message(self, fmt, *args):  # quiet default access log
        pass

    def send(self, status, body, ctype="application/json", api=None):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        if api:
            self.send_header("Api-Version", api)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def do_GET(self):
        mode = self.server.mode
        sys.stderr.write("%s %s\n" % (self.command, self.path))
        sys.stderr.flush()
        path = strip_version(self.path)
        if mode == "500":
            return self.send(500, json.dumps({"message": "boom"}))
        if path == "/_ping":
            return self.send(200, "OK", "text/plain; charset=utf-8",
                             api="1.30" if mode == "oldapi" else "1.41")
        if mode == "oldapi":
            if path == "/info":
                return self.send(200, json.dumps(INFO))
            return self.send(400, json.dumps(
                {"message": "client version 1.41 is too new. Maximum supported API version is 1.30"}))
        if mode == "truncated":
            full = json.dumps(INFO if path == "/info" else IMAGES)
            return self.send(200, full[: len(full) // 2])
        if mode == "wrongtypes":
            if path == "/info":
                return self.send(200, json.dumps(INFO))
            for prefix, body in WRONG.items():
                if path == prefix:
                    return self.send(200, json.dumps(body))
            return self.send(200, json.dumps({"Size": "not a number"}))
        return self.send(404, json.dumps({"message": "page not found"}))

    do_HEAD = do_GET

    def write(self):
        sys.stderr.write("WRITE %s %s\n" % (self.command, self.path))
        sys.stderr.flush()
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        self.send(405, json.dumps({"message": "fake engine refuses writes"}))

    do_POST = do_PUT = do_DELETE = do_PATCH = write


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def get_request(self):
        # UnixStreamServer gives '' as the client address; BaseHTTPRequestHandler
        # wants a (host, port) pair for logging
        sock, _ = super().get_request()
        return sock, ("local", 0)


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in MODES:
        sys.stderr.write("usage: fake_engine.py SOCKET {%s}\n" % ",".join(MODES))
        return 2
    sock, mode = sys.argv[1], sys.argv[2]
    if os.path.exists(sock):
        os.unlink(sock)
    srv = Server(sock, Handler)
    srv.mode = mode

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        srv.server_close()
        if os.path.exists(sock):
            os.unlink(sock)
    return 0


if __name__ == "__main__":
    sys.exit(main())
