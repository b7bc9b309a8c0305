#!/usr/bin/env bash
# Installs what the TUF client conformance suite (tuf-conformance) needs, when missing:
#   - faketime (Debian), which the suite uses to shift the client's clock;
#   - python-tuf 7.0 and securesystemslib 1.4 from Debian's unstable suite (sid), unpacked
#     under /opt/tuf-sid without touching apt's sources (the versions the suite pins);
#   - a Python virtual environment with pytest and cryptography from pip, which sees the
#     unpacked packages through a .pth file.
# Prints the venv's python on the last line. Safe to re-run; does nothing when all is there.
#   TUF_CONFORMANCE_VENV   where the venv lives (default /opt/tuf-conformance-venv)
set -euo pipefail

prefix=/opt/tuf-sid
venv=${TUF_CONFORMANCE_VENV:-/opt/tuf-conformance-venv}
say() { echo "setup-conformance: $*" >&2; }

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

if ! command -v faketime >/dev/null; then
  say "installing faketime"
  $SUDO apt-get update -qq || { sleep 5; $SUDO apt-get update -qq; }
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq faketime >/dev/null
fi

# shellcheck source=lib/debian-unpack.sh
. "$(dirname "$0")/lib/debian-unpack.sh"
sid() { debian_unpack sid "$@"; }

site=$prefix/usr/lib/python3/dist-packages
if [ ! -f "$site/tuf/__init__.py" ] || [ ! -f "$site/securesystemslib/__init__.py" ]; then
  say "unpacking python-tuf and securesystemslib from Debian unstable under $prefix"
  sid "$prefix" python3-tuf python3-securesystemslib
fi

py=$venv/bin/python
if ! "$py" -c 'import pytest, cryptography, tuf, securesystemslib' 2>/dev/null; then
  say "creating the virtual environment $venv (pytest, cryptography)"
  base=/usr/bin/python3
  "$base" -c 'import venv, ensurepip' 2>/dev/null || base=python3
  $SUDO "$base" -m venv "$venv"
  $SUDO "$py" -m pip install -q --retries 1 pytest cryptography urllib3
  purelib=$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  echo "$site" | $SUDO tee "$purelib/tuf-sid.pth" >/dev/null
  "$py" -c 'import pytest, cryptography, tuf, securesystemslib' ||
    { say "the environment in $venv cannot import the suite's dependencies"; exit 1; }
fi
say "ok"
echo "$py"
