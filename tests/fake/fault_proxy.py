#!/usr/bin/env python3
"""A recording and fault-injecting proxy in front of a private dockerd.

Listens on a unix socket and forwards every request to the private dockerd's
unix socket, appending "METHOD PATH STATUS" for each request to LOGFILE: the
planner's read-only test uses the log to prove only GET/HEAD were sent. With
SUBSTRING, DELETE requests whose path contains it are answered 500
{"message":"injected"} without reaching the daemon, every time (so the HTTP
layer's retries fail too): reclaim-apply's fault test.

usage: fault_proxy.py LISTEN_SOCKET UPSTREAM_SOCKET LOGFILE [SUBSTRING]
Runs until killed (SIGTERM).

usage: fault_proxy.py --http UPSTREAM_URL --port-file FILE --log LOGFILE --rules RULES
An HTTP proxy on 127.0.0.1 (a free port, written to FILE) in front of a
registry at UPSTREAM_URL (http://127.0.0.1:PORT), for the registry's fault
test. RULES is a file re-read whenever it changes (counters restart then),
one rule a line, '#' comments:

    METHOD PATH-REGEX ACTION COUNT

METHOD is GET, HEAD, DELETE, ... or '*'; the regex is searched in the path
with its query; COUNT is how many matching requests get the fault (then
they pass), '*' for all. The first rule with faults left wins. ACTION:

    429:SECS   answer 429 with Retry-After: SECS
    500, 503   answer that status with a registry error body
    reset      send the upstream's status line, headers and half the body,
               then reset the connection (after the upstream acted)
    slow:SECS  sleep SECS, then forward
    noct       forward, but drop the answer's Content-Type
    nodigest   forward, but drop the answer's Docker-Content-Digest
    baddigest  forward, but answer Docker-Content-Digest: sha256:not-a-digest
    wrongdigest forward, but answer Docker-Content-Digest: the empty body's

Each request is logged as "METHOD PATH STATUS": the injected status, or
"reset", or "slow" (logged when it arrives), or the upstream's status, with
"injected" after an injected fault.
"""
import hashlib
import http.client
import json
import http.server
import os
import re
import socket
import socketserver
import struct
import sys
import threading
import time
import urllib.parse


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=60)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.unix_path)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def address_string(self):
        return "unix"

    def log(self, status):
        with open(LOG, "a") as f:
            f.write(f"{self.command} {self.path} {status}\n")

    def reply(self, status, headers, data):
        self.send_response(status)
        for k, v in headers:
            if k.lower() in ("transfer-encoding", "content-length", "connection"):
                continue
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def handle_one(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        if SUBSTRING and self.command == "DELETE" and SUBSTRING in self.path:
            self.log(500)
            self.reply(500, [("Content-Type", "application/json")],
                       b'{"message":"injected"}\n')
            return
        conn = UnixHTTPConnection(UPSTREAM)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        self.log(resp.status)
        self.reply(resp.status, resp.getheaders(), data)
        conn.close()

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = handle_one


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


class Rules:
    """The rules file, re-read when it changes; counters restart then."""

    def __init__(self, path):
        self.path = path
        self.stamp = None
        self.rules = []
        self.lock = threading.Lock()

    def _load(self):
        try:
            st = os.stat(self.path)
            stamp = (st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            stamp = None
        if stamp == self.stamp:
            return
        self.stamp = stamp
        self.rules = []
        if stamp is None:
            return
        for line in open(self.path):
            line = line.split("#", 1)[0].split()
            if not line:
                continue
            method, rx, action, count = line
            self.rules.append([method, re.compile(rx), action,
                               None if count == "*" else int(count)])

    def match(self, method, path):
        with self.lock:
            self._load()
            for r in self.rules:
                if r[0] not in ("*", method) or not r[1].search(path):
                    continue
                if r[3] is None:
                    return r[2]
                if r[3] > 0:
                    r[3] -= 1
                    return r[2]
            return None


class RegistryHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY, as Go's net/http: else headers and body, two writes,
    # wait for the client's delayed ACK (~40 ms a keep-alive request)
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        pass

    def log(self, status, note=""):
        with LOG_LOCK, open(LOG, "a") as f:
            f.write(f"{self.command} {self.path} {status}{note}\n")

    def send_error_body(self, status, extra=()):
        data = json.dumps({"errors": [{"code": "INJECTED", "message": f"injected {status}",
                                       "detail": None}]}).encode()
        self.send_response(status)
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def handle_one(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        action = RULES.match(self.command, self.path)
        if action and action.startswith("429"):
            secs = action.split(":", 1)[1] if ":" in action else "1"
            self.log(429, " injected")
            self.send_error_body(429, [("Retry-After", secs)])
            return
        if action and action.isdigit():
            self.log(int(action), " injected")
            self.send_error_body(int(action))
            return
        if action and action.startswith("slow"):
            # logged on arrival: the client may give up before the answer
            self.log("slow", " injected")
            time.sleep(float(action.split(":", 1)[1]))
        conn = http.client.HTTPConnection(UP.hostname, UP.port, timeout=60)
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("connection", "host")}
        headers["Host"] = UP.netloc
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        if action == "reset":
            self.log("reset", " injected")
            self.send_response(resp.status)
            for k, v in resp.getheaders():
                if k.lower() not in ("transfer-encoding", "content-length", "connection"):
                    self.send_header(k, rewrite(v))
            # a length the answer never reaches: the client sees it cut
            self.send_header("Content-Length", str(len(data) + 100))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        if not action:
            self.log(resp.status)
        elif action in ("noct", "nodigest", "baddigest", "wrongdigest"):
            self.log(resp.status, " " + action)
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() in ("transfer-encoding", "content-length", "connection"):
                continue
            if action == "noct" and k.lower() == "content-type":
                continue
            if action in ("nodigest", "baddigest", "wrongdigest") and \
                    k.lower() == "docker-content-digest":
                if action == "baddigest":
                    self.send_header(k, "sha256:not-a-digest")
                elif action == "wrongdigest":
                    self.send_header(k, "sha256:" + hashlib.sha256(b"").hexdigest())
                continue
            self.send_header(k, rewrite(v))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = handle_one


def rewrite(v):
    """Absolute URLs to the upstream (Location) name the proxy instead."""
    return v.replace(UPSTREAM_URL, SELF_URL)


class TCPServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def main_http(argv):
    global UP, UPSTREAM_URL, SELF_URL, LOG, LOG_LOCK, RULES
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("--http", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--rules", required=True)
    a = ap.parse_args(argv)
    UPSTREAM_URL = a.http.rstrip("/")
    UP = urllib.parse.urlsplit(UPSTREAM_URL)
    LOG = a.log
    LOG_LOCK = threading.Lock()
    RULES = Rules(a.rules)
    srv = TCPServer(("127.0.0.1", 0), RegistryHandler)
    SELF_URL = f"http://127.0.0.1:{srv.server_address[1]}"
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{srv.server_address[1]}\n")
    os.rename(tmp, a.port_file)
    srv.serve_forever()


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1].startswith("--"):
    main_http(sys.argv[1:])
elif __name__ == "__main__":
    LISTEN, UPSTREAM, LOG = sys.argv[1:4]
    SUBSTRING = sys.argv[4] if len(sys.argv) > 4 else None
    if SUBSTRING == "":
        sys.exit("fault_proxy.py: empty SUBSTRING would fail every delete")
    if os.path.exists(LISTEN):
        os.unlink(LISTEN)
    Server(LISTEN, Handler).serve_forever()
