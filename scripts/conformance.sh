#!/usr/bin/env bash
# `npm run conformance`: runs the TUF project's client conformance suite (tuf-conformance)
# against tufci's client (scripts/tuf-conformance-client). The suite comes from
#   1. $TUF_CONFORMANCE_DIR, else
#   2. ../shared/vendor/tuf-conformance beside the project, when it exists, else
#   3. a clone of the upstream repository at the pinned commit (cached under
#      ${XDG_CACHE_HOME:-~/.cache}/tufci);
# when none can be had it says so and exits non-zero. Extra arguments go to pytest
# (e.g. `npm run conformance -- -k rollback`). Needs `npm run build` first.
set -euo pipefail
cd "$(dirname "$0")/.."
project=$PWD

# The commit the vendored copy and the GitHub workflow's action are pinned to.
PINNED=eec841c186f81f2d9d8d30460c7e7deefa615f9e
UPSTREAM=https://github.com/theupdateframework/tuf-conformance.git

suite=${TUF_CONFORMANCE_DIR:-}
if [ -n "$suite" ]; then
  [ -d "$suite/tuf_conformance" ] || { echo "conformance: TUF_CONFORMANCE_DIR=$suite holds no tuf_conformance/" >&2; exit 1; }
elif [ -d "$project/../shared/vendor/tuf-conformance/tuf_conformance" ]; then
  suite=$project/../shared/vendor/tuf-conformance
else
  suite=${XDG_CACHE_HOME:-$HOME/.cache}/tufci/tuf-conformance-$PINNED
  if [ ! -d "$suite/tuf_conformance" ]; then
    echo "conformance: cloning the suite at $PINNED into $suite" >&2
    rm -rf "$suite.tmp"
    if ! { git clone -q "$UPSTREAM" "$suite.tmp" && git -C "$suite.tmp" checkout -q "$PINNED"; }; then
      rm -rf "$suite.tmp"
      echo "conformance: no suite: set TUF_CONFORMANCE_DIR, or provide ../shared/vendor/tuf-conformance, or allow cloning $UPSTREAM" >&2
      exit 1
    fi
    mv "$suite.tmp" "$suite"
  fi
fi

python=$(bash scripts/setup-conformance.sh | tail -n 1)
[ -f build/scripts/conformance-client.js ] || npm run build >/dev/null

# A writable copy: the suite may sit on a read-only tree.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$suite/tuf_conformance" "$work/"
cd "$work"
echo "conformance: suite from $suite, client scripts/tuf-conformance-client" >&2
PYTHONDONTWRITEBYTECODE=1 "$python" -m pytest tuf_conformance -p no:cacheprovider -q \
  --entrypoint "$project/scripts/tuf-conformance-client" "$@"
