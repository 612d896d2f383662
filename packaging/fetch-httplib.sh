#!/usr/bin/env bash
# Puts the complete single-header cpp-httplib from Debian's source package (the version Debian
# ships as libcpp-httplib-dev) into $MCP_ADMIN_DEPS_DIR (default: build/deps), adding a deb-src
# entry for the Debian archive when there is none. Idempotent.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
deps_dir=${MCP_ADMIN_DEPS_DIR:-$top/build/deps}
target="$deps_dir/httplib/httplib.h"
[ -s "$target" ] && exit 0

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

"$top/packaging/ensure-deb-src.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get source -qq cpp-httplib >/dev/null 2>&1) || {
  "${sudo_cmd[@]}" apt-get update -qq >/dev/null
  (cd "$work" && apt-get source -qq cpp-httplib >/dev/null)
}
header=$(ls "$work"/cpp-httplib-*/httplib.h | head -n 1)
[ -s "$header" ] || { echo "fetch-httplib: httplib.h not found in Debian's cpp-httplib source package" >&2; exit 1; }
mkdir -p "$deps_dir/httplib"
cp "$header" "$target"
echo "fetch-httplib: $(grep -m1 CPPHTTPLIB_VERSION "$target" | cut -d'"' -f2) from Debian's source package → $target" >&2
