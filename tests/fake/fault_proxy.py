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
"""
import http.client
import http.server
import os
import socket
import socketserver
import sys


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


if __name__ == "__main__":
    LISTEN, UPSTREAM, LOG = sys.argv[1:4]
    SUBSTRING = sys.argv[4] if len(sys.argv) > 4 else None
    if SUBSTRING == "":
        sys.exit("fault_proxy.py: empty SUBSTRING would fail every delete")
    if os.path.exists(LISTEN):
        os.unlink(LISTEN)
    Server(LISTEN, Handler).serve_forever()
