#!/usr/bin/env bash
# Builds a fully static mcp-admin (no shared libraries at all: SQLite, OpenSSL, cpp-httplib, libpq,
# Boost.Program_options, libstdc++ and glibc inside) into build-static/mcp-admin, for the edge
# operator's small box. Works from a fresh clone on Debian 12 as root (or with sudo): it installs
# what is missing through packaging/install-deps.sh and apt-get, never asks for anything by hand.
#   packaging/build-static.sh            configure, build, check it is static, smoke-test it
#   packaging/build-static.sh --no-smoke skip the serve + health smoke test
#
# Static glibc: the linker warns that getaddrinfo / gethostbyname / dlopen "require at runtime the
# shared libraries from the glibc version used for linking". That is glibc's NSS: resolving a host
# NAME (localhost, a DNS name) dlopens libnss_*.so.2 of the running system, which only works when its
# glibc is the one we linked (Debian 12: 2.36). Numeric addresses never go through NSS, so binding
# 127.0.0.1 / 0.0.0.0 / ::1 and `mcp-admin health --url http://127.0.0.1:PORT/api/health` work on
# any Linux; give numeric hosts on a box without glibc 2.36. mcp-admin itself resolves no names
# except for --host / --url values you give it, and a PostgreSQL DATABASE_URL's host.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build_dir="$top/build-static"
smoke=1
for arg in "$@"; do
  case "$arg" in
    --no-smoke) smoke=0 ;;
    *) echo "build-static.sh: unknown argument '$arg' (use --no-smoke)" >&2; exit 2 ;;
  esac
done

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

# Build dependencies and the complete httplib header (idempotent, quiet when all is there).
"$here/install-deps.sh"

# The static archives the link needs, and the Debian 12 package that ships each. install-deps.sh
# pulls them all in today (through the -dev packages); this makes sure, package by package, so a
# trimmed install-deps list cannot break the static build silently.
declare -A archive_package=(
  [libc.a]=libc6-dev
  [libm.a]=libc6-dev
  [libstdc++.a]=libstdc++-12-dev
  [libssl.a]=libssl-dev
  [libcrypto.a]=libssl-dev
  [libsqlite3.a]=libsqlite3-dev
  [libSQLiteCpp.a]=libsqlitecpp-dev
  [libboost_program_options.a]=libboost-program-options1.74-dev
)
missing=()
for archive in "${!archive_package[@]}"; do
  # g++ prints the name back unchanged when the archive is nowhere on its search path.
  found=$(g++ -print-file-name="$archive")
  if [ "$found" = "$archive" ] || [ ! -f "$found" ]; then
    pkg=${archive_package[$archive]}
    [[ " ${missing[*]} " == *" $pkg "* ]] || missing+=("$pkg")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "build-static: installing ${missing[*]} (static archives)" >&2
  "${sudo_cmd[@]}" apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

jobs=$(nproc 2>/dev/null || echo 2)

# libpq for -static: Debian's libpq.a needs GSSAPI and LDAP libraries that have no static archives
# on Debian, so packaging/build-libpq-static.sh builds one from Debian's own postgresql source
# package without them (about two minutes once; then it only checks the version). See its top.
"$here/build-libpq-static.sh" "$top/build/deps/libpq-static"

cmake -S "$top" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DMCP_ADMIN_STATIC=ON -DBUILD_TESTING=OFF \
  -DMCP_ADMIN_LIBPQ_STATIC_DIR="$top/build/deps/libpq-static"
# The getaddrinfo/gethostbyname/dlopen warnings from static glibc are expected (see the top of this file).
cmake --build "$build_dir" -j"$jobs" --target mcp-admin

binary="$build_dir/mcp-admin"
ldd_out=$(ldd "$binary" 2>&1 || true)
if ! grep -q "not a dynamic executable" <<<"$ldd_out"; then
  echo "build-static: $binary is not fully static; ldd says:" >&2
  echo "$ldd_out" >&2
  exit 1
fi

if [ "$smoke" = 1 ]; then
  # Serve on a free loopback port, wait for the ready line, ask /api/health with the binary itself.
  work=$(mktemp -d)
  server_pid=
  cleanup() {
    if [ -n "$server_pid" ]; then kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
  }
  trap cleanup EXIT
  LOG_LEVEL=warn "$binary" serve --host 127.0.0.1 --port 0 --database :memory: >"$work/stdout" 2>"$work/stderr" &
  server_pid=$!
  url=
  for _ in $(seq 100); do
    url=$(sed -n 's/.*"url":"\([^"]*\)".*/\1/p' "$work/stdout")
    [ -n "$url" ] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$url" ]; then
    echo "build-static: the static binary did not print its ready line; stderr:" >&2
    cat "$work/stderr" >&2
    exit 1
  fi
  if ! "$binary" health --url "$url/api/health" >"$work/health" 2>&1; then
    echo "build-static: the static binary serves at $url but health failed: $(cat "$work/health")" >&2
    exit 1
  fi
  kill -TERM "$server_pid"
  wait "$server_pid" || { echo "build-static: serve did not exit 0 on SIGTERM" >&2; exit 1; }
  server_pid=
  echo "build-static: smoke test passed ($(cat "$work/health"))" >&2
fi

size=$(stat -c %s "$binary")
echo "build-static: $binary ($((size / 1024 / 1024)) MiB, statically linked)"
