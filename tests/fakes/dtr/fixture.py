#!/usr/bin/env python3
"""Fixtures for the DTR double (dtr.py).

  fixture.py scenario USER PASSWORD TOKEN   the scenario tests' state
  fixture.py bulk REPOS TAGS USER PASSWORD  REPOS repositories of TAGS tags
                                            each (pagination, benchmark)

Digests are sha256 of a label, so tests can recompute them: digest(LABEL)."""
import hashlib
import json
import sys


def digest(label):
    return "sha256:" + hashlib.sha256(label.encode()).hexdigest()


def tag(name, label, created, updated=None, layers=(), **kw):
    t = {"name": name, "digest": digest(label), "createdAt": created,
         "updatedAt": updated or created, "configDigest": digest("config-" + label),
         "layers": [[digest(l), s] for l, s in layers]}
    t.update(kw)
    return t


BASE = ("base", 100000)


def scenario(user, password, token):
    return {
        "users": {user: {"secrets": [password, token], "role": "admin"},
                  "reader": {"secrets": ["reader-" + password], "role": "read"}},
        "repositories": [
            # keep-last by updatedAt: v1 was created last but pushed first
            {"namespace": "team", "name": "app", "tagLimit": 50, "tags": [
                tag("v1", "app-1", "2024-05-01T00:00:00Z", "2024-01-01T00:00:00Z",
                    [BASE, ("app-1", 1000)]),
                tag("v2", "app-2", "2024-01-02T00:00:00Z", "2024-02-01T00:00:00Z",
                    [BASE, ("app-2", 2000)]),
                tag("v2-alias", "app-2", "2024-01-02T00:00:00Z", "2024-06-10T00:00:00Z",
                    [BASE, ("app-2", 2000)]),
                # how a tag arrived shows in its reason
                tag("v3", "app-3", "2024-01-03T00:00:00Z", "2024-03-01T00:00:00Z",
                    [BASE, ("app-3", 3000)],
                    promotion={"promotionPolicyID": "pp-1",
                               "promotedAt": "2024-03-01T00:00:00Z"}),
                tag("v4", "app-4", "2024-01-04T00:00:00Z", "2024-06-01T00:00:00Z",
                    [BASE, ("app-4", 4000)],
                    mirroring={"digest": "", "mirroringPolicyID": "mp-1",
                               "mirroringCreatedAt": "2024-06-01T00:00:00Z",
                               "remoteHost": "hub.example",
                               "remoteRepository": "library/app", "remoteTag": "4"}),
                tag("v5", "app-5", "2024-01-05T00:00:00Z", "2024-06-05T00:00:00Z",
                    [BASE, ("app-5", 5000)]),
            ]},
            {"namespace": "team", "name": "signed", "tags": [
                tag("s1", "signed-1", "2024-01-01T00:00:00Z", None,
                    [("signed-1", 700)], inNotary=True),
                tag("s2", "signed-2", "2024-01-01T00:00:00Z", None, [("signed-2", 800)]),
            ]},
            {"namespace": "ops", "name": "frozen", "immutableTags": True, "tagLimit": 3,
             "tags": [tag("f1", "frozen-1", "2024-01-01T00:00:00Z", None,
                          [BASE, ("frozen-1", 900)])]},
        ],
    }


def bulk(nrepos, ntags, user, password):
    repos = []
    for r in range(nrepos):
        tags = []
        for t in range(ntags):
            label = "bulk-%d-%d" % (r, t)
            tags.append(tag("t%04d" % t, label,
                            "2024-01-01T00:00:%02dZ" % (t % 60),
                            "2024-%02d-%02dT00:00:00Z" % (1 + t // 28 % 12, 1 + t % 28),
                            [("bulk-base", 50000), (label + "-a", 1000 + t),
                             (label + "-b", 2000)]))
        repos.append({"namespace": "ns%d" % (r % 7), "name": "repo%04d" % r,
                      "tagLimit": 0, "tags": tags})
    return {"users": {user: {"secrets": [password], "role": "admin"}}, "repositories": repos}


if __name__ == "__main__":
    a = sys.argv[1:]
    if a[0] == "scenario":
        doc = scenario(a[1], a[2], a[3])
    elif a[0] == "bulk":
        doc = bulk(int(a[1]), int(a[2]), a[3], a[4])
    elif a[0] == "digest":
        print(digest(a[1]))
        sys.exit(0)
    else:
        sys.exit("usage: fixture.py scenario|bulk|digest ...")
    json.dump(doc, sys.stdout)
