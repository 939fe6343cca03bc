#!/usr/bin/env python3
"""Runs a command with its stderr on a pseudo-terminal (stdin /dev/null,
stdout to OUTFILE) and writes everything the command wrote to the terminal,
raw (carriage returns and escapes kept), to our stdout. Exits with the
command's status. For tests of what is shown only on a TTY.

usage: on_tty.py OUTFILE CMD ARGS...
"""
import os
import pty
import subprocess
import sys


def main():
    master, slave = pty.openpty()
    with open(sys.argv[1], "wb") as out:
        p = subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=out, stderr=slave)
    os.close(slave)
    seen = bytearray()
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the last writer closed the terminal
            break
        if not data:
            break
        seen += data
    rc = p.wait()
    os.close(master)
    sys.stdout.buffer.write(bytes(seen))
    sys.exit(rc)


if __name__ == "__main__":
    main()
