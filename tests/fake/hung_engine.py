#!/usr/bin/env python3
"""hung_engine.py: an engine that accepts connections and never answers.

Usage: python3 tests/fake/hung_engine.py ADDRESS LOGFILE
  ADDRESS is a unix socket path, or "tcp:PORTFILE" to listen on 127.0.0.1 on
  a free port and write the port number to PORTFILE.

Every accepted connection is read up to the end of its request head; the
request line is appended to LOGFILE ("GET /_ping"), and the connection is
then held open, unanswered, until the peer closes it. So a client sees a
daemon that took the request and hung: only its own timeout ends the wait.
Runs until killed (SIGTERM/SIGINT); removes a unix socket on exit.
"""
import os
import selectors
import signal
import socket
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    addr, log = sys.argv[1], sys.argv[2]
    if addr.startswith("tcp:"):
        srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", 0))
        srv.listen(64)
        portfile = addr[4:]
        with open(portfile + ".tmp", "w") as f:
            f.write("%d\n" % srv.getsockname()[1])
        os.rename(portfile + ".tmp", portfile)
        path = None
    else:
        path = addr
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(path)
        srv.listen(64)

    def stop(*_):
        if path:
            try:
                os.unlink(path)
            except OSError:
                pass
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    sel = selectors.DefaultSelector()
    sel.register(srv, selectors.EVENT_READ)
    heads = {}
    while True:
        for key, _ in sel.select():
            s = key.fileobj
            if s is srv:
                c, _ = srv.accept()
                heads[c] = b""
                sel.register(c, selectors.EVENT_READ)
                continue
            data = s.recv(65536)
            if not data:
                sel.unregister(s)
                heads.pop(s, None)
                s.close()
                continue
            if heads.get(s) is None:
                continue  # request already logged: keep holding it
            heads[s] += data
            if b"\r\n\r\n" in heads[s]:
                line = heads[s].split(b"\r\n", 1)[0].decode("latin-1")
                parts = line.split(" ")
                with open(log, "a") as f:
                    f.write(" ".join(parts[:2]) + "\n")
                heads[s] = None


if __name__ == "__main__":
    main()
