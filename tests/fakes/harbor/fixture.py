#!/usr/bin/env python3
"""Fixtures for the Harbor double (harbor.py); prints the JSON to stdout.

  fixture.py --scenario basic --user admin --password PW [--public]
  fixture.py --scenario bench --projects 50 --repos 20 --artifacts 20
             [--user admin --password PW]
  fixture.py --digest LABEL         the digest a label stands for

Times are relative to now (so "not pulled for 30d" stays true of the same
artifacts whenever the test runs). Digests are sha256 of a label, so a test
can recompute them (--digest LABEL). The robot account "robot$ci" gets the
password "robot-" + PW and access to project "lib" only.

The basic scenario (project "lib" unless said otherwise; every artifact of
"lib" is an OCI image with one layer set, sizes in bytes):
  lib/team/app ('/' in the repository name)
    app-old       tag 1.0, pushed 400 days ago, never pulled      (size 11000)
    app-pulled    tag 1.1, pushed 300 days ago, pulled 2 days ago  (size 12000)
    app-rc        tags rc-2 and stable, pushed 200 days ago, never pulled:
                  --match-tags 'rc-.*' makes rc-2 alone a candidate (13000)
    app-frozen    tag release-1, immutable, pushed 500 days ago, never pulled
    app-untagged  no tag, pushed 250 days ago, never pulled       (size 15000)
    app-new       tag latest, pushed 1 day ago, never pulled      (size 16000)
  lib/multi
    multi-index   tag multi-1, an index pushed 400 days ago, never pulled,
                  children multi-amd64 and multi-arm64 (untagged)
  lib/signed
    signed-1      tag s-1, pushed 400 days ago, never pulled, with a cosign
                  signature accessory signed-1-sig (size 500)
  ops/tools       tools-1: tag t-1, pushed 400 days ago (robot$ci: 403 here)
  library/hello   (only with --public) a public project: hello-1, tag h-1,
                  pushed 400 days ago; anonymous callers see it
"""
import argparse
import datetime
import hashlib
import json
import sys

ZERO = "0001-01-01T00:00:00.000Z"
NOW = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
IMAGE = {"type": "IMAGE", "media_type": "application/vnd.oci.image.config.v1+json",
         "manifest_media_type": "application/vnd.oci.image.manifest.v1+json"}
INDEX = {"type": "IMAGE", "media_type": "application/vnd.oci.image.index.v1+json",
         "manifest_media_type": "application/vnd.oci.image.index.v1+json"}


def digest(label):
    return "sha256:" + hashlib.sha256(label.encode()).hexdigest()


def ago(days, hours=0):
    t = NOW - datetime.timedelta(days=days, hours=hours)
    return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def art(label, size, pushed, pulled=None, tags=(), arch="amd64", kind=IMAGE, **kw):
    """tags: names, or (name, pulled-days-ago or None, immutable)."""
    a = dict(kind)
    a.update({"digest": digest(label), "size": size, "push_time": ago(pushed),
              "pull_time": ago(pulled) if pulled is not None else ZERO,
              "extra_attrs": {"architecture": arch, "os": "linux", "created": ago(pushed + 1)},
              "tags": []})
    for t in tags:
        name, tpulled, immutable = (t, pulled, False) if isinstance(t, str) else t
        a["tags"].append({"name": name, "push_time": ago(pushed),
                          "pull_time": ago(tpulled) if tpulled is not None else ZERO,
                          "immutable": immutable})
    a.update(kw)
    return a


def users(user, password, robot_projects):
    return [{"name": user, "password": password, "admin": True},
            {"name": "robot$ci", "password": "robot-" + password, "projects": robot_projects}]


def basic(user, password, public):
    index = art("multi-index", 900, 400, tags=["multi-1"], kind=INDEX,
                references=[{"child_digest": digest("multi-amd64"),
                             "platform": {"architecture": "amd64", "os": "linux"}},
                            {"child_digest": digest("multi-arm64"),
                             "platform": {"architecture": "arm64", "os": "linux"}}])
    index["extra_attrs"] = {}
    doc = {
        "users": users(user, password, ["lib"]),
        "gc_id_start": 7,
        "projects": [
            {"name": "lib", "project_id": 1, "repositories": [
                {"name": "team/app", "artifacts": [
                    art("app-old", 11000, 400, tags=["1.0"]),
                    art("app-pulled", 12000, 300, 2, tags=["1.1"]),
                    art("app-rc", 13000, 200, tags=["rc-2", "stable"]),
                    art("app-frozen", 14000, 500, tags=[("release-1", None, True)]),
                    art("app-untagged", 15000, 250),
                    art("app-new", 16000, 1, tags=["latest"]),
                ]},
                {"name": "multi", "artifacts": [
                    index,
                    art("multi-amd64", 21000, 400),
                    art("multi-arm64", 22000, 400, arch="arm64"),
                ]},
                {"name": "signed", "artifacts": [
                    art("signed-1", 31000, 400, tags=["s-1"], accessories=[
                        {"digest": digest("signed-1-sig"), "type": "signature.cosign",
                         "size": 500}]),
                ]},
            ]},
            {"name": "ops", "project_id": 2, "repositories": [
                {"name": "tools", "artifacts": [art("tools-1", 41000, 400, tags=["t-1"])]},
            ]},
        ],
    }
    if public:
        doc["projects"].append({"name": "library", "project_id": 3, "public": True,
                                "repositories": [{"name": "hello", "artifacts": [
                                    art("hello-1", 51000, 400, tags=["h-1"])]}]})
    return doc


def bench(user, password, nproj, nrepo, nart, pulls=True):
    """nproj x nrepo x nart artifacts of one tag each; every other repository
    name holds a '/'; a third of the artifacts pulled within 10 days (none
    without pulls: a Harbor that records no pull), the rest never; push
    times spread over 400 days."""
    projects = []
    for p in range(nproj):
        repos = []
        for r in range(nrepo):
            arts = []
            for a in range(nart):
                label = "bench-%d-%d-%d" % (p, r, a)
                pushed = 400 - (a * 397 // max(nart, 1))
                pulled = (a % 10) if pulls and a % 3 == 0 else None
                arts.append(art(label, 10000 + a * 100, pushed, pulled, tags=["v%d" % a]))
            repos.append({"name": ("team/r%03d" if r % 2 else "r%03d") % r, "artifacts": arts})
        projects.append({"name": "p%03d" % p, "repositories": repos})
    return {"users": users(user, password, ["p000"]), "gc_id_start": 1, "projects": projects}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scenario", choices=("basic", "bench"))
    ap.add_argument("--user", default="admin")
    ap.add_argument("--password", default="Harbor12345")
    ap.add_argument("--public", action="store_true", help="basic: add the public project")
    ap.add_argument("--projects", type=int, default=50)
    ap.add_argument("--repos", type=int, default=20)
    ap.add_argument("--artifacts", type=int, default=20)
    ap.add_argument("--no-pulls", action="store_true", help="bench: no artifact ever pulled")
    ap.add_argument("--digest", metavar="LABEL")
    a = ap.parse_args()
    if a.digest:
        print(digest(a.digest))
        return 0
    if a.scenario == "basic":
        doc = basic(a.user, a.password, a.public)
    elif a.scenario == "bench":
        doc = bench(a.user, a.password, a.projects, a.repos, a.artifacts, not a.no_pulls)
    else:
        ap.error("--scenario basic|bench or --digest LABEL")
    json.dump(doc, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
