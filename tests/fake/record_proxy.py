#!/usr/bin/env python3
"""A recording proxy: listens on a unix socket, forwards every request to the
real private dockerd's unix socket, and appends "METHOD PATH" for each request
to a log file. Tests use it to prove that reclaim-plan sends only GET/HEAD.

usage: record_proxy.py LISTEN_SOCKET UPSTREAM_SOCKET LOGFILE
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

    def forward(self):
        with open(LOG, "a") as f:
            f.write(f"{self.command} {self.path}\n")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        conn = UnixHTTPConnection(UPSTREAM)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() in ("transfer-encoding", "content-length", "connection"):
                continue
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        conn.close()

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = forward


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


if __name__ == "__main__":
    LISTEN, UPSTREAM, LOG = sys.argv[1:4]
    if os.path.exists(LISTEN):
        os.unlink(LISTEN)
    Server(LISTEN, Handler).serve_forever()
