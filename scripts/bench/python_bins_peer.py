"""The python-tuf peer of `tufci event update` in a hash-bin repository, for `npm run bench`.

Does the same edits from disk as one whole process: reads metadata/targets.json and its
succinct_roles with python-tuf's Metadata API, hashes every file under targets/, puts each
in its bin (SuccinctRoles.get_role_for_target), and for each bin whose entries changed
replaces them, bumps the version once, sets a fresh expiry, drops the signatures and
writes the bin back. Unchanged bins are read but not written.

Usage: PYTHONPATH=/opt/tuf-py/usr/lib/python3/dist-packages /usr/bin/python3 \
       scripts/bench/python_bins_peer.py REPO_DIR
Prints one JSON line: {"changed": N, "bins_written": B, "targets": M}.
"""

import json
import os
import sys
from datetime import datetime, timedelta, timezone

from tuf.api.metadata import Metadata
from tuf.api.serialization.json import JSONSerializer

from python_peer import scan  # same directory: the one scan of targets/ both peers use


def main():
    repo = sys.argv[1]
    meta = os.path.join(repo, "metadata")
    top = Metadata.from_file(os.path.join(meta, "targets.json"))
    succinct = top.signed.delegations.succinct_roles
    wanted = {name: {} for name in succinct.get_roles()}
    for rel, info in scan(os.path.join(repo, "targets")):
        wanted[succinct.get_role_for_target(rel)][rel] = info
    changed = 0
    written = 0
    total = 0
    expires = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=365)
    for name, files in wanted.items():
        path = os.path.join(meta, f"{name}.json")
        md = Metadata.from_file(path)
        old = md.signed.targets
        new = {}
        n = 0
        for rel, info in files.items():
            prev = old.get(rel)
            if prev is not None and prev.length == info.length and prev.hashes == info.hashes:
                new[rel] = prev
            else:
                new[rel] = info
                n += 1
        n += len(set(old) - set(new))
        total += len(new)
        if n:
            md.signed.targets = new
            md.signed.version += 1
            md.signed.expires = expires
            md.signatures.clear()
            md.to_file(path, serializer=JSONSerializer(compact=False))
            written += 1
            changed += n
    print(json.dumps({"changed": changed, "bins_written": written, "targets": total}))


if __name__ == "__main__":
    main()
