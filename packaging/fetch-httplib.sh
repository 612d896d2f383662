#!/usr/bin/env bash
# Puts the complete single-header cpp-httplib from Debian's source package (the version Debian
# ships as libcpp-httplib-dev) into $MCP_ADMIN_DEPS_DIR (default: build/deps), adding a deb-src
# entry for the Debian archive when there is none. Idempotent.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
deps_dir=${MCP_ADMIN_DEPS_DIR:-$top/build/deps}
target="$deps_dir/httplib/httplib.h"

# Bounds the number of request header lines (httplib 0.11 has none: a client could send header lines
# until memory ran out, the 1 MiB body limit does not cover them). Upstream added the same
# CPPHTTPLIB_HEADER_MAX_COUNT (default 100) in later releases. Idempotent; fails if it cannot apply.
patch_header() {
  grep -q 'CPPHTTPLIB_HEADER_MAX_COUNT' "$target" && return 0
  perl -0pi -e '
    s/(#ifndef CPPHTTPLIB_HEADER_MAX_LENGTH\n)/#ifndef CPPHTTPLIB_HEADER_MAX_COUNT\n#define CPPHTTPLIB_HEADER_MAX_COUNT 100\n#endif\n\n$1/;
    s/(inline bool read_headers\(Stream &strm, Headers &headers\) \{\n  const auto bufsiz = 2048;\n  char buf\[bufsiz\];\n  stream_line_reader line_reader\(strm, buf, bufsiz\);\n)(\n  for \(;;\) \{\n)/$1  size_t header_lines = 0;\n$2    if (++header_lines > CPPHTTPLIB_HEADER_MAX_COUNT + 1) { return false; }\n/;
  ' "$target"
  if [ "$(grep -c 'CPPHTTPLIB_HEADER_MAX_COUNT' "$target")" != 3 ]; then
    echo "fetch-httplib: could not bound the header count in $target (unexpected httplib source)" >&2
    exit 1
  fi
}

# Drops httplib's static initialiser that runs OPENSSL_init_ssl(LOAD_*_STRINGS) in every process at
# start, a client or not (~0.6 ms of every start, tests/bench/README.md "Start-up"): OpenSSL 3
# initialises itself on first use. Idempotent; fails if it cannot apply.
patch_ssl_init() {
  grep -q '^static SSLInit sslinit_;$' "$target" || { grep -q 'mcp-admin: no static SSLInit' "$target" && return 0; }
  perl -pi -e 's{^static SSLInit sslinit_;$}{// mcp-admin: no static SSLInit (packaging/fetch-httplib.sh): OpenSSL 3 initialises itself on first use.}' "$target"
  if grep -q '^static SSLInit sslinit_;$' "$target" || ! grep -q 'mcp-admin: no static SSLInit' "$target"; then
    echo "fetch-httplib: could not remove httplib's static OpenSSL initialiser in $target (unexpected httplib source)" >&2
    exit 1
  fi
}

if [ -s "$target" ]; then patch_header; patch_ssl_init; exit 0; fi

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
patch_header
patch_ssl_init
echo "fetch-httplib: $(grep -m1 CPPHTTPLIB_VERSION "$target" | cut -d'"' -f2) from Debian's source package → $target" >&2
