# Sourced by scripts/setup-system.sh and scripts/setup-conformance.sh.
# debian_unpack SUITE PREFIX PACKAGE...: download PACKAGEs from Debian's SUITE (trixie,
# sid) and unpack them under PREFIX, leaving the machine's apt sources untouched.
# Uses $SUDO ("" as root, "sudo" otherwise) from the calling script.
debian_unpack() {
  local suite=$1 prefix=$2; shift 2
  local uri work
  uri=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$uri" ] || uri=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  [ -n "$uri" ] || { echo "$(basename "$0" .sh): no Debian archive in apt sources" >&2; return 1; }
  work=$(mktemp -d)
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $suite main" >"$work/sources.list"
  local O=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o Debug::NoLocking=1)
  apt-get "${O[@]}" -qq update
  $SUDO mkdir -p "$prefix"
  (cd "$work" && apt-get "${O[@]}" -qq download "$@")
  for deb in "$work"/*.deb; do $SUDO dpkg-deb -x "$deb" "$prefix"; done
  rm -rf "$work"
}
