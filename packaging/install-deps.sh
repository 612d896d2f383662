#!/usr/bin/env bash
# Installs what building and testing mcp-admin needs on Debian 12, and nothing that is there already.
# Idempotent and quiet when all is present. Run as root (or with sudo available).
#   packaging/install-deps.sh            build dependencies only
#   packaging/install-deps.sh --test     also what the test suite needs (node, npm, wrk)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
want_test=0
for arg in "$@"; do
  case "$arg" in
    --test) want_test=1 ;;
    *) echo "install-deps.sh: unknown argument '$arg' (use --test)" >&2; exit 2 ;;
  esac
done

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

build_packages=(g++ cmake make pkg-config dpkg-dev libssl-dev libsqlite3-dev libsqlitecpp-dev
  nlohmann-json3-dev libboost-program-options-dev libboost-dev doctest-dev libpq-dev)
# chromium: the admin page is tested in a real headless browser (tests/interop/admin_page.test.mjs).
# nginx, caddy: the shipped proxy configurations (packaging/proxy/) are run by tests/interop/proxy_gateway.test.mjs.
# clang-16 + libclang-rt-16-dev: the libFuzzer targets (tests/fuzz/); ccache: the sanitizer builds
# (tests/sanitizers/) recompile the project twice more. gcc's ASan/UBSan/TSan runtimes come with g++.
# time: the clerk-sync benchmark reads peak RSS from /usr/bin/time.
# python3-pytest: the README's pytest fixture example is run by the suite; lintian checks the .deb
# (packaging/build-deb.sh, tests/package/); podman builds the container image (tests/package/);
# faketime runs a writer whose clock lags the others' (tests/interop/clerk_sync.test.mjs).
test_packages=(wrk hyperfine curl sqlite3 postgresql-15 postgresql-client-15 chromium nginx caddy
  clang-16 libclang-rt-16-dev ccache time python3-pytest lintian podman faketime)

missing=()
for pkg in "${build_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "$want_test" = 1 ]; then
  for pkg in "${test_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  # Node.js and npm may come from Debian or from elsewhere: only install when the commands are absent.
  command -v node >/dev/null 2>&1 || missing+=(nodejs)
  command -v npm >/dev/null 2>&1 || missing+=(npm)
fi

apt_updated=0
apt_update() {
  if [ "$apt_updated" = 0 ]; then
    "${sudo_cmd[@]}" apt-get update -qq >/dev/null
    apt_updated=1
  fi
}

# The tests start throwaway PostgreSQL clusters of their own: no need for Debian's default one.
if printf '%s\n' "${missing[@]}" | grep -qx 'postgresql-15' && [ ! -e /etc/postgresql-common/createcluster.conf ]; then
  "${sudo_cmd[@]}" mkdir -p /etc/postgresql-common
  echo "create_main_cluster = false" | "${sudo_cmd[@]}" tee /etc/postgresql-common/createcluster.conf >/dev/null
fi

if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  apt_update
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# cpp-httplib: Debian's libcpp-httplib-dev splits the library into a header of declarations and a
# shared object. We compile the complete single header from Debian's own source package instead, so
# the binary loads no extra shared library (~6 ms at start) and can raise the listen backlog.
"$here/fetch-httplib.sh"
