#!/usr/bin/env python3
"""Writes a `docker load` archive (docker save format) holding N small images
to stdout, so a benchmark can seed a private engine in one request instead of
N builds. Each image has two layers: one of B shared base layers and a unique
top layer. A fraction of the images is untagged (dangling after load).

usage: make_images.py N DANGLING_FRACTION [BASES] > images.tar
"""
import hashlib
import io
import json
import sys
import tarfile


def layer_tar(name, payload):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        info = tarfile.TarInfo(name)
        info.size = len(payload)
        info.mtime = 0
        t.addfile(info, io.BytesIO(payload))
    return buf.getvalue()


def main():
    n = int(sys.argv[1])
    dangling = float(sys.argv[2])
    nbases = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    out = tarfile.open(fileobj=sys.stdout.buffer, mode="w|", format=tarfile.USTAR_FORMAT)

    def add(name, data):
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mtime = 0
        out.addfile(info, io.BytesIO(data))

    bases = []
    for b in range(nbases):
        data = layer_tar(f"base{b}", (f"base layer {b}\n" * 4000).encode())
        digest = hashlib.sha256(data).hexdigest()
        add(f"{digest}/layer.tar", data)
        bases.append(digest)
    manifest = []
    ndangling = int(n * dangling)
    for i in range(n):
        base = bases[i % nbases]
        data = layer_tar(f"app{i}", (f"image {i}\n" * 100).encode())
        top = hashlib.sha256(data).hexdigest()
        add(f"{top}/layer.tar", data)
        created = f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T00:00:00Z"
        config = {
            "architecture": "amd64",
            "os": "linux",
            "created": created,
            "config": {"Cmd": ["/app"], "Labels": {"bench": "1"}},
            "rootfs": {"type": "layers", "diff_ids": ["sha256:" + base, "sha256:" + top]},
            "history": [
                {"created": created, "created_by": "base"},
                {"created": created, "created_by": f"app {i}"},
            ],
        }
        cdata = json.dumps(config, sort_keys=True).encode()
        cdigest = hashlib.sha256(cdata).hexdigest()
        add(f"{cdigest}.json", cdata)
        tags = None if i < ndangling else [f"bench/app{i % 50}:v{i}"]
        manifest.append({"Config": f"{cdigest}.json", "RepoTags": tags,
                         "Layers": [f"{base}/layer.tar", f"{top}/layer.tar"]})
    add("manifest.json", json.dumps(manifest).encode())
    out.close()


if __name__ == "__main__":
    main()
