#!/usr/bin/env bash
# Installs the system packages the tests use when they are missing:
# Debian's docker-registry, skopeo, SoftHSM2 and OpenSC, htpasswd, python3-requests,
# and, from Debian's next release (unpacked under /opt, apt sources untouched),
# python-tuf, oras and moto (the AWS KMS stand-in), and cosign 3 from unstable.
# Safe to re-run; does nothing when everything is present.
set -euo pipefail

need=()
command -v docker-registry >/dev/null || need+=(docker-registry)
command -v skopeo >/dev/null || need+=(skopeo)
command -v softhsm2-util >/dev/null || need+=(softhsm2)
command -v pkcs11-tool >/dev/null || need+=(opensc)
command -v htpasswd >/dev/null || need+=(apache2-utils)
/usr/bin/python3 -c 'import requests' 2>/dev/null || need+=(python3-requests)

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

updated=0
apt_update() {
  if [ $updated = 0 ]; then
    $SUDO apt-get update -qq || { sleep 5; $SUDO apt-get update -qq; }
    updated=1
  fi
}

if [ ${#need[@]} -gt 0 ]; then
  echo "setup-system: installing ${need[*]}"
  apt_update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

# shellcheck source=lib/debian-unpack.sh
. "$(dirname "$0")/lib/debian-unpack.sh"
debian_next() { debian_unpack trixie "$@"; }

if ! PYTHONPATH=/opt/tuf-py/usr/lib/python3/dist-packages /usr/bin/python3 -c 'import tuf.ngclient' 2>/dev/null; then
  echo "setup-system: unpacking python-tuf under /opt/tuf-py"
  debian_next /opt/tuf-py python3-tuf python3-securesystemslib python3-cryptography
fi
if [ ! -x /opt/oras/usr/bin/oras ]; then
  echo "setup-system: unpacking oras under /opt/oras"
  debian_next /opt/oras oras
fi
# cosign 3 (sigstore-go's TUF client, go-tuf v2): the Go client of test/interop/cosign.test.ts.
# From unstable: trixie's cosign 2.5.0 initializes with go-tuf v0.7, which knows no succinct
# hash bins and downloads top-level targets only.
if [ ! -x /opt/cosign3/usr/bin/cosign ]; then
  echo "setup-system: unpacking cosign 3 under /opt/cosign3"
  debian_unpack sid /opt/cosign3 cosign
fi
# moto's server (AWS KMS stand-in). Its _cffi_backend is built for trixie's Python 3.13:
# remove it so bookworm's python3-cffi-backend is used.
moto_py=/opt/moto/usr/lib/python3/dist-packages
if ! PYTHONPATH=$moto_py /usr/bin/python3 -c 'import moto.server, cryptography.hazmat.bindings._rust' 2>/dev/null; then
  echo "setup-system: unpacking moto under /opt/moto"
  /usr/bin/python3 -c 'import _cffi_backend' 2>/dev/null || {
    apt_update
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-cffi-backend >/dev/null
  }
  debian_next /opt/moto python3-moto python3-boto3 python3-botocore python3-werkzeug \
    python3-flask python3-flask-cors python3-responses python3-xmltodict python3-jinja2 \
    python3-cryptography python3-openssl python3-typing-extensions python3-dateutil \
    python3-jmespath python3-s3transfer python3-urllib3 python3-requests python3-markupsafe \
    python3-itsdangerous python3-click python3-blinker python3-yaml
  $SUDO rm -f "$moto_py"/_cffi_backend*.so
fi
echo "setup-system: ok"
