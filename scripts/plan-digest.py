#!/usr/bin/env python3
"""Recomputes the digest of a reclaim plan, independently of reclaim.

Usage: scripts/plan-digest.py plan.json      (prints sha256:<hex>)
       scripts/plan-digest.py --check plan.json  (exit 0 when it matches)

The digest is SHA-256 over the RFC 8785 (JCS) canonical form of the plan with
its "digest" member removed. For reclaim plans, whose numbers are all integers
within +-(2^53-1), json.dumps with sorted keys, no whitespace and raw UTF-8
produces exactly the JCS form, with one caveat: Python sorts member names by
code point, JCS by UTF-16 code unit. The two orders differ only for names
holding characters above U+FFFF next to characters in U+E000..U+FFFF, which
reclaim never writes (its own names are ASCII); a policy that uses such names
needs a full JCS implementation. See docs/plan-format.md."""
import hashlib
import json
import sys


def refuse_float(s):
    raise ValueError("plan holds a non-integer number %r" % s)


def main(argv):
    check = False
    if argv and argv[0] == "--check":
        check = True
        argv = argv[1:]
    if len(argv) != 1:
        sys.stderr.write("usage: plan-digest.py [--check] plan.json\n")
        return 2
    with open(argv[0], "rb") as f:
        doc = json.loads(f.read().decode("utf-8"), parse_float=refuse_float)
    claimed = doc.pop("digest", None)
    canon = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = "sha256:" + hashlib.sha256(canon.encode("utf-8")).hexdigest()
    if check:
        if claimed != digest:
            sys.stderr.write("plan-digest: mismatch: file says %s, content hashes to %s\n"
                             % (claimed, digest))
            return 1
        return 0
    print(digest)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
