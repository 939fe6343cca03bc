#!/usr/bin/env python3
"""A small token server for docker-registry's auth.token, for tests.

GET /token?service=S&scope=repository:NAME:ACTIONS[&scope=...] with Basic
credentials (or none: anonymous, granted nothing unless --anonymous-pull)
answers {"token","access_token","expires_in","issued_at"}: a JWT signed
RS256 with the test key (openssl does the signing), whose certificate goes
in the JWT's x5c header and in the registry's rootcertbundle. A user gets
every action asked for. POST /token (OAuth2 refresh_token grant) accepts
the refresh token given with --refresh-token.

Every request is appended to --log as one JSON line: method, path, query,
whether an Authorization header came and the user it named (never the
password).
"""
import argparse
import base64
import http.server
import json
import os
import socketserver
import subprocess
import sys
import time
import urllib.parse
import uuid


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--key", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--issuer", required=True)
    ap.add_argument("--service", required=True)
    ap.add_argument("--user", action="append", default=[], help="name:password")
    ap.add_argument("--refresh-token", default="")
    ap.add_argument("--expires-in", type=int, default=60)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    a = ap.parse_args()
    users = dict(u.split(":", 1) for u in a.user)
    der = subprocess.run(["openssl", "x509", "-in", a.cert, "-outform", "DER"],
                         check=True, capture_output=True).stdout

    def sign(claims):
        head = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(der).decode()]}
        msg = b64url(json.dumps(head).encode()) + "." + b64url(json.dumps(claims).encode())
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", a.key],
                             input=msg.encode(), check=True, capture_output=True).stdout
        return msg + "." + b64url(sig)

    class H(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def record(self, user, status):
            with open(a.log, "a") as f:
                f.write(json.dumps({"method": self.command, "path": self.path,
                                    "authorization": "Authorization" in self.headers,
                                    "user": user, "status": status}) + "\n")

        def answer(self, status, doc):
            body = json.dumps(doc).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def grant(self, user, q):
            access = []
            for s in q.get("scope", []):
                parts = s.split(":")
                if len(parts) < 3:
                    continue
                typ, name, acts = parts[0], ":".join(parts[1:-1]), parts[-1]
                if user is None:
                    continue
                access.append({"type": typ, "name": name, "actions": acts.split(",")})
            now = int(time.time())
            claims = {"iss": a.issuer, "sub": user or "", "aud": q.get("service", [a.service])[0],
                      "exp": now + a.expires_in, "nbf": now - 10, "iat": now,
                      "jti": str(uuid.uuid4()), "access": access}
            tok = sign(claims)
            return {"token": tok, "access_token": tok, "expires_in": a.expires_in,
                    "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))}

        def do_GET(self):
            u = urllib.parse.urlsplit(self.path)
            q = urllib.parse.parse_qs(u.query)
            user = None
            auth = self.headers.get("Authorization", "")
            if auth:
                try:
                    kind, val = auth.split(" ", 1)
                    name, pw = base64.b64decode(val).decode().split(":", 1)
                except Exception:
                    self.record(None, 400)
                    return self.answer(400, {"errors": [{"code": "BAD", "message": "bad header"}]})
                if kind != "Basic" or users.get(name) != pw:
                    self.record(name, 401)
                    return self.answer(401, {"errors": [{"code": "UNAUTHORIZED",
                                                         "message": "bad credentials"}]})
                user = name
            self.record(user, 200)
            self.answer(200, self.grant(user, q))

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            q = urllib.parse.parse_qs(self.rfile.read(n).decode())
            if not a.refresh_token or q.get("refresh_token", [""])[0] != a.refresh_token:
                self.record(None, 401)
                return self.answer(401, {"error": "invalid_grant"})
            self.record("<refresh>", 200)
            self.answer(200, self.grant("refresh-user", q))

    class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True

    srv = S(("127.0.0.1", 0), H)
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(a.port_file + ".tmp", a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
