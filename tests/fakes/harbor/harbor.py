#!/usr/bin/env python3
"""A test double of the Harbor / MSR 4 API, /api/v2.0 (Python stdlib only).

It serves exactly what reclaim uses; docs/fidelity-harbor.md lists what it
does not model and the Harbor sources each behaviour was read from:

  GET    /api/v2.0/systeminfo                          (no auth)
  GET    /api/v2.0/users/current   (401 when anonymous, 412 for a robot)
  GET    /api/v2.0/projects?page=&page_size=&name=
  GET    /api/v2.0/projects/{p}/repositories?page=&page_size=
  GET    /api/v2.0/projects/{p}/repositories/{r}/artifacts?with_tag=
         &with_accessory=&with_immutable_status=&with_label=&page=&page_size=&q=
  GET    /api/v2.0/projects/{p}/repositories/{r}/artifacts/{reference}
  DELETE /api/v2.0/projects/{p}/repositories/{r}/artifacts/{reference}
  DELETE /api/v2.0/projects/{p}/repositories/{r}/artifacts/{reference}/tags/{tag}
  POST   /api/v2.0/system/gc/schedule   {"schedule": {"type": "Manual"}}
  GET    /api/v2.0/system/gc/{id}

{r} is the repository name without the project, URL-encoded twice when it
holds '/' (team/app -> team%252Fapp). The double models Harbor behind its
nginx (which decodes the path once before core routes it): a single-encoded
or raw '/' splits the path and no route matches (404 "path ... was not
found").

Auth is HTTP basic. As in Harbor, missing or wrong credentials are not an
error by themselves: the caller is anonymous, sees public projects only and
gets 401 UNAUTHORIZED where a private project is needed. A non-admin user
(a robot account) gets 403 FORBIDDEN outside its "projects". Errors are
{"errors":[{"code","message"}]}; no WWW-Authenticate header on /api/v2.0
(Harbor sends one only on the registry's /v2/).

Fixture (tests/fakes/harbor/fixture.py writes them):
  {"users": [{"name", "password", "admin": bool, "projects": [names]}],
   "gc_id_start": 1,
   "projects": [{"name", "project_id"?, "public"?: bool,
     "repositories": [{"name" (without the project), "artifacts": [
       {"digest", "size", "type", "media_type", "manifest_media_type",
        "push_time", "pull_time", "extra_attrs",
        "tags": [{"name", "push_time", "pull_time", "immutable"}],
        "references": [{"child_digest", "platform": {...}}],
        "accessories": [{"digest", "type", "size"}]}]}]}]}
Index children must also be artifacts of the repository. Accessories become
artifacts of the repository (never listed at top level, as in Harbor).

Test control, NOT Harbor API (no auth, never logged):
  POST /_fake/pull   {"project","repo","reference"}   pull_time := now
  POST /_fake/push   {"project","repo","tag","digest","size"?}
  POST /_fake/immutable {"project","repo","tag","immutable"?: true}
  POST /_fake/sign   {"project","repo","subject","digest","type"?}  a new
                     accessory (cosign signature by default) of subject
  POST /_fake/fault  {"path_regex","method"?,"status"?,"count"? (-1: always),
                      "retry_after"?,"body"?,"hang_seconds"?,"truncate"?,
                      "headers"? (set on the real answer, e.g. a Link)}
  POST /_fake/reset-faults
  GET  /_fake/state  the whole model

Every other request is logged to --log as "METHOD PATH?QUERY STATUS", the
path exactly as received; no credential is ever logged.
"""
import argparse
import base64
import copy
import datetime
import json
import os
import re
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ZERO_TIME = "0001-01-01T00:00:00.000Z"
API = "/api/v2.0"
MAX_PAGE = 100
LOCK = threading.RLock()
STATE = {}
FAULTS = []
LOG = None
IDS = {"project": 0, "repository": 0, "artifact": 0, "tag": 0,
       "accessory": 0, "reference": 0}


def now():
    t = datetime.datetime.now(datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


def next_id(kind, given=None):
    if given:
        IDS[kind] = max(IDS[kind], int(given))
        return int(given)
    IDS[kind] += 1
    return IDS[kind]


class HarborError(Exception):
    def __init__(self, status, code, message, headers=None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}


def err_body(code, message):
    # Harbor's lib/http SendError: fmt.Fprintln of the JSON, so a newline
    return (json.dumps({"errors": [{"code": code, "message": message}]}) + "\n").encode()


def not_found(msg):
    return HarborError(404, "NOT_FOUND", msg)


# ---------------------------------------------------------------- the model

def load(doc):
    STATE["users"] = doc.get("users", [])
    STATE["gc_next"] = int(doc.get("gc_id_start", 1))
    STATE["gc"] = {}
    STATE["projects"] = []
    for p in doc.get("projects", []):
        proj = {"name": p["name"], "project_id": next_id("project", p.get("project_id")),
                "public": bool(p.get("public", False)),
                "creation_time": p.get("creation_time", "2025-01-01T00:00:00.000Z"),
                "repositories": []}
        STATE["projects"].append(proj)
        for r in p.get("repositories", []):
            repo = new_repo(proj, r["name"], r.get("id"))
            for a in r.get("artifacts", []):
                add_artifact(repo, a)
            # accessories and references by digest, now that all exist
            for a in r.get("artifacts", []):
                art = repo["artifacts"][a["digest"]]
                for ref in a.get("references", []):
                    child = repo["artifacts"].get(ref["child_digest"])
                    if child is None:
                        sys.exit("fixture: %s/%s: index %s references %s, not an "
                                 "artifact of the repository" %
                                 (proj["name"], repo["name"], a["digest"], ref["child_digest"]))
                    art["references"].append({
                        "id": next_id("reference"), "child_digest": child["digest"],
                        "platform": ref.get("platform"),
                        "annotations": ref.get("annotations"), "urls": ref.get("urls")})
                for acc in a.get("accessories", []):
                    add_accessory(repo, art, acc)


def new_repo(proj, name, rid=None):
    repo = {"name": name, "id": next_id("repository", rid), "project": proj,
            "creation_time": "2025-01-01T00:00:00.000Z", "artifacts": {}}
    proj["repositories"].append(repo)
    return repo


def add_artifact(repo, a):
    if a["digest"] in repo["artifacts"]:
        sys.exit("fixture: %s twice in %s" % (a["digest"], repo["name"]))
    art = {
        "id": next_id("artifact", a.get("id")), "digest": a["digest"],
        "size": int(a.get("size", 1000)), "type": a.get("type", "IMAGE"),
        "media_type": a.get("media_type", "application/vnd.oci.image.config.v1+json"),
        "manifest_media_type": a.get("manifest_media_type",
                                     "application/vnd.oci.image.manifest.v1+json"),
        "artifact_type": a.get("artifact_type", a.get("media_type",
                               "application/vnd.oci.image.config.v1+json")),
        "push_time": a.get("push_time") or now(),
        "pull_time": a.get("pull_time", ZERO_TIME),
        "extra_attrs": a.get("extra_attrs", {}),
        "annotations": a.get("annotations"),
        "tags": [], "references": [], "accessories": [], "subject": None,
    }
    repo["artifacts"][art["digest"]] = art
    for t in a.get("tags", []):
        art["tags"].append(new_tag(t["name"], t.get("push_time") or art["push_time"],
                                   t.get("pull_time", ZERO_TIME), t.get("immutable", False),
                                   t.get("id")))
    return art


def new_tag(name, push, pull=ZERO_TIME, immutable=False, tid=None):
    return {"id": next_id("tag", tid), "name": name, "push_time": push,
            "pull_time": pull, "immutable": bool(immutable)}


def add_accessory(repo, subject, acc):
    """An accessory is an artifact of its own (never listed at top level)
    plus a record on its subject."""
    art = repo["artifacts"].get(acc["digest"])
    if art is None:
        art = add_artifact(repo, {
            "digest": acc["digest"], "size": acc.get("size", 500),
            "type": acc.get("artifact_type_name", "SIGNATURE" if "signature" in
                            acc.get("type", "") else "SBOM"),
            "media_type": acc.get("media_type",
                                  "application/vnd.dev.cosign.artifact.sig.v1+json"),
            "push_time": acc.get("creation_time", subject["push_time"]),
            "tags": acc.get("tags", [])})
    art["subject"] = subject["digest"]
    subject["accessories"].append({
        "id": next_id("accessory", acc.get("id")), "artifact_digest": art["digest"],
        "type": acc.get("type", "signature.cosign"),
        "creation_time": acc.get("creation_time", subject["push_time"])})


def find_project(name):
    for p in STATE["projects"]:
        if p["name"] == name or (name.isdigit() and p["project_id"] == int(name)):
            return p
    return None


def find_repo(proj, name):
    for r in proj["repositories"] if proj else []:
        if r["name"] == name:
            return r
    return None


def full_name(repo):
    return "%s/%s" % (repo["project"]["name"], repo["name"])


def parents_of(repo, digest):
    return [a for a in repo["artifacts"].values()
            if any(r["child_digest"] == digest for r in a["references"])]


def by_reference(repo, proj_name, repo_name, reference):
    """Harbor's GetByReference: a digest or a tag; 404 as Harbor words it."""
    if repo is not None:
        if reference.startswith("sha256:"):
            art = repo["artifacts"].get(reference)
            if art:
                return art
        else:
            for art in repo["artifacts"].values():
                if any(t["name"] == reference for t in art["tags"]):
                    return art
    sep = "@" if reference.startswith("sha256:") else ":"
    raise not_found("artifact %s/%s%s%s not found" % (proj_name, repo_name, sep, reference))


# ------------------------------------------------------------ JSON as Harbor

def project_json(p):
    return {"project_id": p["project_id"], "owner_id": 1, "owner_name": "admin",
            "name": p["name"], "creation_time": p["creation_time"],
            "update_time": p["creation_time"], "deleted": False, "togglable": True,
            "repo_count": len(p["repositories"]),
            "metadata": {"public": "true" if p["public"] else "false"}}


def repository_json(r):
    arts = [a for a in r["artifacts"].values() if listed(r, a, False)]
    return {"id": r["id"], "project_id": r["project"]["project_id"], "name": full_name(r),
            "description": "", "artifact_count": len(arts), "pull_count": 0,
            "creation_time": r["creation_time"], "update_time": r["creation_time"]}


def tag_json(repo, art, t, immutable_status):
    return {"id": t["id"], "repository_id": repo["id"], "artifact_id": art["id"],
            "name": t["name"], "push_time": t["push_time"], "pull_time": t["pull_time"],
            "immutable": bool(t["immutable"]) if immutable_status else False}


OMITEMPTY_ARTIFACT = ("id", "type", "media_type", "manifest_media_type", "artifact_type",
                      "project_id", "repository_id", "repository_name", "digest", "size",
                      "icon", "extra_attrs", "annotations")


def artifact_json(repo, art, opt):
    arts = repo["artifacts"]
    j = {"id": art["id"], "type": art["type"], "media_type": art["media_type"],
         "manifest_media_type": art["manifest_media_type"],
         "artifact_type": art["artifact_type"],
         "project_id": repo["project"]["project_id"], "repository_id": repo["id"],
         "repository_name": full_name(repo), "digest": art["digest"], "size": art["size"],
         "icon": "", "push_time": art["push_time"], "pull_time": art["pull_time"],
         "extra_attrs": art["extra_attrs"], "annotations": art["annotations"],
         "references": None, "tags": None, "labels": None, "accessories": None}
    # go-swagger's models: scalars and maps are omitempty, arrays are not
    # (goharbor/go-client pkg/sdk/v2.0/models/artifact.go): an empty one is null
    for k in OMITEMPTY_ARTIFACT:
        if j[k] in (None, "", 0, {}):
            del j[k]
    if art["references"]:
        j["references"] = [{"parent_id": art["id"], "child_id": arts[r["child_digest"]]["id"],
                            "child_digest": r["child_digest"], "platform": r["platform"],
                            "annotations": r["annotations"], "urls": r["urls"]}
                           for r in art["references"]]
    if opt["with_tag"] and art["tags"]:
        j["tags"] = [tag_json(repo, art, t, opt["with_immutable_status"]) for t in art["tags"]]
    if opt["with_label"]:
        j["labels"] = []
    if opt["with_accessory"] and art["accessories"]:
        j["accessories"] = []
        for acc in art["accessories"]:
            a = arts[acc["artifact_digest"]]
            j["accessories"].append({
                "id": acc["id"], "artifact_id": a["id"], "subject_artifact_id": art["id"],
                "subject_artifact_digest": art["digest"],
                "subject_artifact_repo": full_name(repo), "size": a["size"],
                "digest": a["digest"], "type": acc["type"], "icon": "",
                "creation_time": acc["creation_time"]})
    return j


def listed(repo, art, base_all):
    """Harbor's artifact list (pkg/artifact/dao): never an accessory; an
    untagged artifact only when no other artifact references it, unless
    q=base=*."""
    if art["subject"] is not None:
        return False
    if base_all or art["tags"]:
        return True
    return not parents_of(repo, art["digest"])


# --------------------------------------------------------------- deleting

def delete_artifact(repo, root):
    """Harbor's artifact controller deleteDeeply, in one transaction: the
    plan is computed first, then applied only when no step refuses."""
    if parents_of(repo, root["digest"]):
        raise HarborError(412, "VIOLATE_FOREIGN_KEY_CONSTRAINT",
                          "the deleting artifact is referenced by others")
    doomed, tags_of = [], []
    refs_cut = set()

    def deeply(art, is_root):
        if art["digest"] in doomed:
            return
        if not is_root and art["tags"]:
            return          # a child or accessory with a tag of its own stays
        others = [p for p in parents_of(repo, art["digest"])
                  if (p["digest"], art["digest"]) not in refs_cut]
        if others and not is_root:
            return          # still referenced by another index
        doomed.append(art["digest"])
        for acc in art["accessories"]:
            a = repo["artifacts"].get(acc["artifact_digest"])
            if a:
                deeply(a, not parents_of(repo, a["digest"]))
        for r in art["references"]:
            refs_cut.add((art["digest"], r["child_digest"]))
            child = repo["artifacts"].get(r["child_digest"])
            if child:
                deeply(child, False)
        if is_root:
            tags_of.append(art)

    deeply(root, True)
    for art in tags_of:
        for t in art["tags"]:
            if t["immutable"]:
                raise HarborError(412, "PRECONDITION",
                                  "the tag %s configured as immutable, cannot be deleted"
                                  % t["name"])
    for d in doomed:
        art = repo["artifacts"].pop(d)
        if art["subject"]:
            subj = repo["artifacts"].get(art["subject"])
            if subj:
                subj["accessories"] = [a for a in subj["accessories"]
                                       if a["artifact_digest"] != d]


def delete_tag(art, name):
    for t in art["tags"]:
        if t["name"] == name:
            if t["immutable"]:
                raise HarborError(412, "PRECONDITION",
                                  "the tag %s configured as immutable, cannot be deleted" % name)
            art["tags"].remove(t)
            return
    raise not_found("tag %s attached to artifact %d not found" % (name, art["id"]))


# ------------------------------------------------------------ the handler

def parse_bool(q, name, default):
    v = q.get(name)
    if v is None:
        return default
    if v[-1] in ("true", "1", "True", "TRUE", "t", "T"):
        return True
    if v[-1] in ("false", "0", "False", "FALSE", "f", "F"):
        return False
    raise HarborError(422, "UNPROCESSABLE_ENTITY",
                      "%s in query must be of type boolean: %s" % (name, json.dumps(v[-1])))


def parse_int(q, name, default):
    v = q.get(name)
    if v is None:
        return default
    try:
        return int(v[-1])
    except ValueError:
        raise HarborError(422, "UNPROCESSABLE_ENTITY",
                          "%s in query must be of type int64: %s" % (name, json.dumps(v[-1])))


def take_fault(method, path):
    for f in FAULTS:
        if f.get("method") and f["method"] != method:
            continue
        if not re.search(f.get("path_regex", ""), path):
            continue
        if f["count"] == 0:
            continue
        if f["count"] > 0:
            f["count"] -= 1
        return dict(f)
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "harbor-double"
    # TCP_NODELAY, as Go's net/http has: else the headers and the body, two
    # writes, meet the client's delayed ACK (40 ms a request on keep-alive)
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        pass

    def send(self, status, body=b"", headers=None, ctype="application/json"):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if body:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)
        if LOG and not self.path.startswith("/_fake/"):
            with LOCK:
                LOG.write("%s %s %d\n" % (self.command, self.path, status))
                LOG.flush()

    def send_error_json(self, e):
        self.send(e.status, err_body(e.code, e.message), e.headers,
                  "application/json; charset=utf-8")

    def caller(self):
        """The user record, or None (anonymous): as in Harbor, a wrong
        password makes the caller anonymous, not an error."""
        h = self.headers.get("Authorization", "")
        if not h.startswith("Basic "):
            return None
        try:
            name, _, secret = base64.b64decode(h[6:], validate=True).decode().partition(":")
        except Exception:
            return None
        for u in STATE["users"]:
            if u["name"] == name and u.get("password") == secret:
                return u
        return None

    def body_json(self):
        n = int(self.headers.get("Content-Length", "0") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            return json.loads(raw or b"{}")
        except ValueError:
            raise HarborError(400, "BAD_REQUEST", "the body is not JSON")

    def do_GET(self):
        self.dispatch("GET")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_HEAD(self):
        self.dispatch("HEAD")

    def dispatch(self, method):
        url = urllib.parse.urlsplit(self.path)
        if url.path.startswith("/_fake/"):
            try:
                with LOCK:
                    status, out = control(method, url.path, self.body_json()
                                          if method == "POST" else {})
                return self.send(status, json.dumps(out, indent=1).encode())
            except HarborError as e:
                return self.send_error_json(e)
        fault = None
        with LOCK:
            fault = take_fault(method, self.path)
        if fault and fault.get("hang_seconds"):
            time.sleep(float(fault["hang_seconds"]))
            if not (fault.get("status") or "body" in fault or fault.get("truncate")
                    or fault.get("headers")):
                fault = None
        if fault and fault.get("status") and not fault.get("truncate"):
            st = int(fault["status"])
            hdrs = {}
            if fault.get("retry_after") is not None:
                hdrs["Retry-After"] = str(fault["retry_after"])
            if "body" in fault:
                return self.send(st, fault["body"].encode(), hdrs)
            code = {429: "TOO_MANY_REQUEST", 500: "UNKNOWN", 502: "BAD_GATEWAY",
                    503: "SERVICE_UNAVAILABLE", 401: "UNAUTHORIZED", 403: "FORBIDDEN",
                    404: "NOT_FOUND"}.get(st, "UNKNOWN")
            msg = {500: "internal server error", 429: "too many requests"}.get(
                st, "injected fault")
            return self.send(st, err_body(code, msg), hdrs, "application/json; charset=utf-8")
        try:
            with LOCK:
                status, body, headers = self.api(method, url)
        except HarborError as e:
            return self.send_error_json(e)
        data = b"" if body is None else json.dumps(body).encode()
        if fault and fault.get("truncate"):
            data = data[: len(data) // 2]
        elif fault and "body" in fault:
            data = fault["body"].encode()
        if fault and fault.get("headers"):
            headers.update(fault["headers"])
        self.send(status, data, headers)

    # -- the API proper: (status, JSON-able body or None, headers)
    def api(self, method, url):
        # nginx decodes the path once; core then routes on segments and
        # unescapes each parameter (go-openapi's router, then Harbor's
        # unescapePathParams for the repository name)
        once = urllib.parse.unquote(url.path)
        q = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        if not once.startswith(API + "/"):
            raise not_found("path %s was not found" % url.path)
        seg = once[len(API) + 1:].split("/")
        user = self.caller()
        m = method if method != "HEAD" else "GET"

        def route(*pat):
            if len(seg) != len(pat):
                return None
            params = []
            for s, p in zip(seg, pat):
                if p == "*":
                    if s == "":
                        return None
                    params.append(urllib.parse.unquote(s))
                elif s != p:
                    return None
            return params

        if m == "GET" and route("systeminfo") is not None:
            return 200, {"harbor_version": "v2.13.0-double", "auth_mode": "db_auth",
                         "current_time": now(), "self_registration": False,
                         "has_ca_root": False, "read_only": False,
                         "primary_auth_mode": False}, {}
        if m == "GET" and route("users", "current") is not None:
            if user is None:
                raise HarborError(401, "UNAUTHORIZED", "unauthorized")
            if user["name"].startswith("robot$"):
                # handler/user.go: a robot's security context is no local user
                raise HarborError(412, "PRECONDITION", "get current user not available "
                                  "for security context: robot")
            return 200, {"user_id": STATE["users"].index(user) + 1, "username": user["name"],
                         "sysadmin_flag": bool(user.get("admin"))}, {}
        if m == "GET" and route("projects") is not None:
            return self.list_projects(user, url, q)
        p = route("projects", "*", "repositories")
        if m == "GET" and p is not None:
            return self.list_repositories(user, url, q, p[0])
        p = route("projects", "*", "repositories", "*", "artifacts")
        if m == "GET" and p is not None:
            return self.list_artifacts(user, url, q, p[0], urllib.parse.unquote(p[1]))
        p = route("projects", "*", "repositories", "*", "artifacts", "*")
        if p is not None and m in ("GET", "DELETE"):
            proj, repo = self.access(user, p[0], "read" if m == "GET" else "delete")
            rname = urllib.parse.unquote(p[1])
            art = by_reference(find_repo(proj, rname), p[0], rname, p[2])
            r = find_repo(proj, rname)
            if m == "GET":
                return 200, artifact_json(r, art, self.options(q)), {}
            delete_artifact(r, art)
            return 200, None, {}
        p = route("projects", "*", "repositories", "*", "artifacts", "*", "tags", "*")
        if p is not None and m == "DELETE":
            proj, _ = self.access(user, p[0], "delete")
            rname = urllib.parse.unquote(p[1])
            r = find_repo(proj, rname)
            art = by_reference(r, p[0], rname, p[2])
            delete_tag(art, p[3])
            return 200, None, {}
        if m == "POST" and route("system", "gc", "schedule") is not None:
            return self.start_gc(user)
        p = route("system", "gc", "*")
        if m == "GET" and p is not None and p[0] != "schedule":
            self.system_access(user)
            if not p[0].isdigit():
                raise HarborError(422, "UNPROCESSABLE_ENTITY",
                                  "gc_id in path must be of type int64: %s" % json.dumps(p[0]))
            g = STATE["gc"].get(int(p[0]))
            if g is None:
                raise not_found("execution %s not found" % p[0])
            return 200, g, {}
        raise not_found("path %s was not found" % url.path)

    def access(self, user, pname, action):
        """Harbor's RequireProjectAccess: (project or None, None)."""
        proj = find_project(pname)
        if user is not None and user.get("admin"):
            return proj, None
        if user is not None and proj is not None and proj["name"] in user.get("projects", []):
            return proj, None
        if proj is not None and proj["public"] and action in ("read", "list"):
            return proj, None
        if user is None:
            raise HarborError(401, "UNAUTHORIZED", "unauthorized")
        raise HarborError(403, "FORBIDDEN", "forbidden")

    def system_access(self, user):
        if user is None:
            raise HarborError(401, "UNAUTHORIZED", "unauthorized")
        if not user.get("admin"):
            raise HarborError(403, "FORBIDDEN", "forbidden: " + user["name"])

    def options(self, q):
        return {"with_tag": parse_bool(q, "with_tag", True),
                "with_accessory": parse_bool(q, "with_accessory", True),
                "with_immutable_status": parse_bool(q, "with_immutable_status", False),
                "with_label": parse_bool(q, "with_label", False)}

    def page(self, url, q, items):
        page = parse_int(q, "page", 1)
        size = parse_int(q, "page_size", 10)
        if size > MAX_PAGE:
            raise HarborError(422, "UNPROCESSABLE_ENTITY",
                              "page_size in query should be less than or equal to %d" % MAX_PAGE)
        # Harbor's lib/orm: no LIMIT unless page_size > 0, no OFFSET unless page > 0
        size = max(size, 0)
        page = max(page, 1)
        total = len(items)
        chunk = items[(page - 1) * size: page * size] if size else items
        headers = {"X-Total-Count": str(total)}
        links = []
        if size:
            if page > 1 and (page - 1) * size < total:
                links.append('<%s>; rel="prev"' % self.link(url, q, page - 1, size))
            if size * page < total:
                links.append('<%s>; rel="next"' % self.link(url, q, page + 1, size))
        if links:
            headers["Link"] = " , ".join(links)
        return chunk, headers

    def link(self, url, q, page, size):
        """Harbor's BaseAPI.Links: the request's own path, its query with
        page and page_size set, sorted by key (Go's Values.Encode), then
        unescaped."""
        qq = dict(q)
        qq["page"] = [str(page)]
        qq["page_size"] = [str(size)]
        enc = urllib.parse.urlencode([(k, v) for k in sorted(qq) for v in qq[k]])
        return "%s?%s" % (url.path, urllib.parse.unquote_plus(enc))

    def list_projects(self, user, url, q):
        items = []
        for p in sorted(STATE["projects"], key=lambda p: p["name"]):
            if "name" in q and q["name"][-1] not in p["name"]:   # Harbor: a fuzzy match
                continue
            if user is not None and (user.get("admin") or p["name"] in user.get("projects", [])):
                items.append(p)
            elif p["public"]:
                items.append(p)
        chunk, headers = self.page(url, q, items)
        return 200, [project_json(p) for p in chunk], headers

    def list_repositories(self, user, url, q, pname):
        proj, _ = self.access(user, pname, "list")
        if proj is None:
            raise not_found("project %s not found" % pname)
        repos = sorted(proj["repositories"], key=lambda r: -r["id"])
        chunk, headers = self.page(url, q, repos)
        return 200, [repository_json(r) for r in chunk], headers

    def list_artifacts(self, user, url, q, pname, rname):
        proj, _ = self.access(user, pname, "list")
        opt = self.options(q)
        base_all, tagged = False, None
        digest = None
        for cond in (q.get("q", [""])[-1].split(",") if q.get("q") else []):
            k, _, v = cond.partition("=")
            if k == "base" and v == "*":
                base_all = True
            elif k == "tags" and v in ("*", "nil"):
                tagged = v == "*"
            elif k == "digest":
                digest = v
            elif cond:
                raise HarborError(400, "BAD_REQUEST",
                                  "the double supports q=base=*, tags=*|nil, digest=D only: %s" % cond)
        r = find_repo(proj, rname)   # an unknown repository lists as empty, as in Harbor
        arts = [a for a in (r["artifacts"].values() if r else [])
                if listed(r, a, base_all)
                and (tagged is None or bool(a["tags"]) == tagged)
                and (digest is None or a["digest"] == digest)]
        arts.sort(key=lambda a: (a["push_time"], a["id"]), reverse=True)
        chunk, headers = self.page(url, q, arts)
        return 200, [artifact_json(r, a, opt) for a in chunk], headers

    def start_gc(self, user):
        self.system_access(user)
        body = self.body_json()
        sched = (body.get("schedule") or {}).get("type")
        if sched != "Manual":
            raise HarborError(400, "BAD_REQUEST",
                              "the double starts Manual GC runs only (schedule.type: %s)"
                              % json.dumps(sched))
        gid = STATE["gc_next"]
        STATE["gc_next"] += 1
        t = now()
        params = dict(body.get("parameters") or {})
        STATE["gc"][gid] = {"id": gid, "job_name": "GARBAGE_COLLECTION", "job_kind": "MANUAL",
                            "job_parameters": json.dumps(params, sort_keys=True),
                            "schedule": {"type": "MANUAL"}, "job_status": "Success",
                            "deleted": False, "creation_time": t, "update_time": t}
        return 201, None, {"Location": "%s/system/gc/%d" % (API, gid)}


# ------------------------------------------------------------ test control

def control(method, path, op):
    if method == "GET" and path == "/_fake/state":
        return 200, state_json()
    if method != "POST":
        raise HarborError(405, "METHOD_NOT_ALLOWED", "POST it")
    if path == "/_fake/reset-faults":
        FAULTS.clear()
        return 200, {"result": "ok"}
    if path == "/_fake/fault":
        f = {"path_regex": op.get("path_regex", ""), "method": op.get("method"),
             "status": op.get("status"), "count": int(op.get("count", 1)),
             "retry_after": op.get("retry_after"), "hang_seconds": op.get("hang_seconds"),
             "truncate": bool(op.get("truncate", False)),
             "headers": dict(op.get("headers") or {})}
        if "body" in op:
            f["body"] = op["body"]
        re.compile(f["path_regex"])
        FAULTS.append(f)
        return 200, {"result": "ok"}
    proj = find_project(op.get("project", ""))
    if proj is None:
        raise not_found("project %s not found" % op.get("project"))
    repo = find_repo(proj, op.get("repo", ""))
    if path == "/_fake/pull":
        art = by_reference(repo, proj["name"], op.get("repo", ""), op.get("reference", ""))
        t = now()
        art["pull_time"] = t
        for tag in art["tags"]:
            if tag["name"] == op["reference"]:
                tag["pull_time"] = t
        return 200, {"result": "ok", "pull_time": t}
    if path == "/_fake/immutable":
        # an immutability rule now matches (or no longer matches) the tag
        art = by_reference(repo, proj["name"], op.get("repo", ""), op.get("tag", ""))
        for tag in art["tags"]:
            if tag["name"] == op["tag"]:
                tag["immutable"] = bool(op.get("immutable", True))
        return 200, {"result": "ok"}
    if path == "/_fake/sign":
        subj = by_reference(repo, proj["name"], op.get("repo", ""), op.get("subject", ""))
        add_accessory(repo, subj, {"digest": op["digest"],
                                   "type": op.get("type", "signature.cosign"),
                                   "creation_time": now()})
        return 200, {"result": "ok"}
    if path == "/_fake/push":
        if repo is None:
            repo = new_repo(proj, op["repo"])
        art = repo["artifacts"].get(op["digest"])
        if art is None:
            art = add_artifact(repo, {"digest": op["digest"], "size": op.get("size", 1000),
                                      "push_time": now()})
        name = op.get("tag")
        if name:
            for other in repo["artifacts"].values():
                for t in other["tags"]:
                    if t["name"] != name:
                        continue
                    if other is art:
                        return 200, {"result": "ok"}
                    if t["immutable"]:
                        raise HarborError(412, "PRECONDITION",
                                          "the tag %s configured as immutable, cannot be updated"
                                          % name)
                    # Harbor's tag Ensure: the tag moves, its pull time stays
                    other["tags"].remove(t)
                    t["push_time"] = now()
                    art["tags"].append(t)
                    return 200, {"result": "ok"}
            art["tags"].append(new_tag(name, now()))
        return 200, {"result": "ok"}
    raise not_found("no control %s" % path)


def state_json():
    out = {"gc": [STATE["gc"][k] for k in sorted(STATE["gc"])], "projects": []}
    for p in STATE["projects"]:
        pj = {"name": p["name"], "project_id": p["project_id"], "public": p["public"],
              "repositories": []}
        for r in p["repositories"]:
            rj = {"name": r["name"], "id": r["id"], "artifacts": []}
            for a in r["artifacts"].values():
                aj = {k: v for k, v in a.items() if k not in ("references", "accessories")}
                aj["tags"] = copy.deepcopy(a["tags"])
                aj["references"] = [{"child_digest": x["child_digest"],
                                     "platform": x["platform"]} for x in a["references"]]
                aj["accessories"] = [{"digest": x["artifact_digest"], "type": x["type"]}
                                     for x in a["accessories"]]
                rj["artifacts"].append(aj)
            pj["repositories"].append(rj)
        out["projects"].append(pj)
    return out


def main():
    global LOG
    ap = argparse.ArgumentParser(description="Harbor /api/v2.0 test double")
    ap.add_argument("--fixture", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--log")
    ap.add_argument("--tls-cert", help="serve HTTPS with this certificate (PEM)")
    ap.add_argument("--tls-key", help="... and its key (PEM)")
    a = ap.parse_args()
    if bool(a.tls_cert) != bool(a.tls_key):
        ap.error("--tls-cert and --tls-key go together")
    with open(a.fixture) as f:
        load(json.load(f))
    if a.log:
        LOG = open(a.log, "a")
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    if a.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write(str(srv.server_address[1]))
        os.rename(a.port_file + ".tmp", a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
