"""python-tuf peers of `tufci sign`, `tufci online-sign` and `tufci publish --to dir:`
for `npm run bench`, each one whole process doing the same work from disk.

  sign REPO ROLE KEYFILE PASSPHRASE   load metadata/ROLE.json, add a signature, write it
  online-sign REPO KEYFILE            new snapshot (versions of targets and every delegated
                                      role) and timestamp, signed, written
  publish REPO OUT                    the consistent-snapshot tree in OUT: every target
                                      hashed and checked against targets.json, copied as
                                      targets/<sha256>.<name> unless present, versioned
                                      metadata files written

PYTHONPATH=/opt/tuf-py/usr/lib/python3/dist-packages /usr/bin/python3 \
  scripts/bench/python_commands.py MODE ARGS...
"""

import os
import shutil
import sys
from datetime import datetime, timedelta, timezone

from cryptography.hazmat.primitives.serialization import load_pem_private_key
from securesystemslib.signer import CryptoSigner
from tuf.api.metadata import MetaFile, Metadata
from tuf.api.serialization.json import JSONSerializer

PRETTY = JSONSerializer(compact=False)


def signer(keyfile, passphrase=None):
    with open(keyfile, "rb") as f:
        key = load_pem_private_key(f.read(), passphrase.encode() if passphrase else None)
    return CryptoSigner(key)


def sign(repo, role, keyfile, passphrase):
    path = os.path.join(repo, "metadata", f"{role}.json")
    md = Metadata.from_file(path)
    md.sign(signer(keyfile, passphrase), append=True)
    md.to_file(path, PRETTY)


def online_sign(repo, keyfile):
    meta_dir = os.path.join(repo, "metadata")
    s = signer(keyfile)
    targets = Metadata.from_file(os.path.join(meta_dir, "targets.json"))
    versions = {"targets.json": targets.signed.version}
    for d in (targets.signed.delegations.roles or {}).values() if targets.signed.delegations else []:
        versions[f"{d.name}.json"] = Metadata.from_file(
            os.path.join(meta_dir, f"{d.name}.json")
        ).signed.version
    expires = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=7)
    snap_path = os.path.join(meta_dir, "snapshot.json")
    snap = Metadata.from_file(snap_path)
    snap.signed.meta = {name: MetaFile(version=v) for name, v in versions.items()}
    snap.signed.version += 1
    snap.signed.expires = expires
    snap.signatures.clear()
    snap.sign(s)
    snap.to_file(snap_path, PRETTY)
    ts_path = os.path.join(meta_dir, "timestamp.json")
    ts = Metadata.from_file(ts_path)
    ts.signed.snapshot_meta = MetaFile(version=snap.signed.version)
    ts.signed.version += 1
    ts.signed.expires = expires
    ts.signatures.clear()
    ts.sign(s)
    ts.to_file(ts_path, PRETTY)


def replace_copy(src, dest):
    """Copies into a temp file, then renames: a hard-linked earlier tree is never written through."""
    tmp = f"{dest}.tmp"
    shutil.copyfile(src, tmp)
    os.replace(tmp, dest)


def publish(repo, out):
    meta_dir = os.path.join(repo, "metadata")
    targets = Metadata.from_file(os.path.join(meta_dir, "targets.json"))
    for name, tf in targets.signed.targets.items():
        src = os.path.join(repo, "targets", *name.split("/"))
        with open(src, "rb") as f:
            tf.verify_length_and_hashes(f.read())
        head, _, base = name.rpartition("/")
        dest = os.path.join(out, "targets", head, f"{tf.hashes['sha256']}.{base}")
        if not os.path.exists(dest):
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            shutil.copyfile(src, dest)
    for role in ("targets", "snapshot", "root"):
        md = Metadata.from_file(os.path.join(meta_dir, f"{role}.json"))
        replace_copy(
            os.path.join(meta_dir, f"{role}.json"),
            os.path.join(out, f"{md.signed.version}.{role}.json"),
        )
    replace_copy(os.path.join(meta_dir, "timestamp.json"), os.path.join(out, "timestamp.json"))


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "sign":
        sign(*args)
    elif mode == "online-sign":
        online_sign(*args)
    elif mode == "publish":
        publish(*args)
    else:
        sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
