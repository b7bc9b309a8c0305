"""The python-tuf ngclient peer of `tufci verify --target` for `npm run bench`: one
lookup of one target as a whole process, from the trusted state in WORK_DIR (cold when
WORK_DIR holds no metadata yet: it starts from ROOT). The target is kept in WORK_DIR/targets
and reused when its hashes still match, as tufci keeps it in its --cache directory.

PYTHONPATH=/opt/tuf-py/usr/lib/python3/dist-packages /usr/bin/python3 \
  scripts/bench/python_client.py WORK_DIR ROOT BASE_URL TARGET
"""

import os
import shutil
import sys

from tuf.ngclient import Updater


def main():
    work, root, url, target = sys.argv[1:5]
    metadata_dir = os.path.join(work, "metadata")
    target_dir = os.path.join(work, "targets")
    os.makedirs(metadata_dir, exist_ok=True)
    os.makedirs(target_dir, exist_ok=True)
    if not os.path.exists(os.path.join(metadata_dir, "root.json")):
        shutil.copyfile(root, os.path.join(metadata_dir, "root.json"))
    updater = Updater(
        metadata_dir=metadata_dir,
        metadata_base_url=url,
        target_dir=target_dir,
        target_base_url=f"{url}targets/",
    )
    updater.refresh()
    info = updater.get_targetinfo(target)
    if info is None:
        sys.exit(f"{target}: not found")
    if updater.find_cached_target(info) is None:
        updater.download_target(info)


main()
