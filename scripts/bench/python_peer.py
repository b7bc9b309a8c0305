"""The python-tuf peer of `tufci event update` for `npm run bench`.

Does the same edits from disk as one whole process: reads metadata/targets.json with
python-tuf's Metadata API, hashes every file under targets/, replaces the entries whose
length or sha256 changed (adds new ones, drops removed ones), bumps the version once,
sets a fresh expiry, drops the signatures and writes targets.json back.

Usage: PYTHONPATH=/opt/tuf-py/usr/lib/python3/dist-packages /usr/bin/python3 \
       scripts/bench/python_peer.py REPO_DIR
Prints one JSON line: {"changed": N, "targets": M}.
"""

import json
import os
import sys
from datetime import datetime, timedelta, timezone

from tuf.api.metadata import Metadata, TargetFile
from tuf.api.serialization.json import JSONSerializer


def scan(targets_dir):
    for dirpath, dirnames, filenames in os.walk(targets_dir):
        dirnames.sort()
        for name in sorted(filenames):
            if name == ".gitkeep":
                continue
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, targets_dir).replace(os.sep, "/")
            with open(full, "rb") as f:
                yield rel, TargetFile.from_data(rel, f.read(), ["sha256"])


def main():
    repo = sys.argv[1]
    path = os.path.join(repo, "metadata", "targets.json")
    md = Metadata.from_file(path)
    old = md.signed.targets
    new = {}
    changed = 0
    for rel, info in scan(os.path.join(repo, "targets")):
        prev = old.get(rel)
        if prev is not None and prev.length == info.length and prev.hashes == info.hashes:
            new[rel] = prev
        else:
            new[rel] = info
            changed += 1
    changed += len(set(old) - set(new))
    if changed:
        md.signed.targets = new
        md.signed.version += 1
        md.signed.expires = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=365)
        md.signatures.clear()
        md.to_file(path, serializer=JSONSerializer(compact=False))
    print(json.dumps({"changed": changed, "targets": len(new)}))


if __name__ == "__main__":
    main()
