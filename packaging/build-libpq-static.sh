#!/usr/bin/env bash
# Builds static libpq archives for the fully static mcp-admin (packaging/build-static.sh):
#   packaging/build-libpq-static.sh [PREFIX]      default PREFIX: build/deps/libpq-static
# leaves PREFIX/lib/{libpq,libpgcommon,libpgport}.a and PREFIX/include/{libpq-fe,libpq-events,
# postgres_ext,pg_config_ext}.h, which CMakeLists.txt takes with -DMCP_ADMIN_LIBPQ_STATIC_DIR=PREFIX.
#
# Why: Debian's own libpq.a (libpq-dev) is configured --with-gssapi --with-ldap, so linking it needs
# libgssapi_krb5, libkrb5, libk5crypto, libcom_err and libldap/liblber (+ sasl, gnutls, ...), and
# Debian ships none of those as static archives: a -static link with it fails. So we build libpq
# from Debian's own source package of the very version libpq-dev has (Debian's patches applied:
# same default socket directory /var/run/postgresql, same pg_service.conf directory
# /etc/postgresql-common), with OpenSSL and without GSSAPI, LDAP, readline, zlib, ICU, LLVM, systemd
# and NLS. Only the three archives are compiled (about a minute on 2 cores), never the server.
#
# What is given up, in the static binary only: GSSAPI/Kerberos authentication and encryption
# (gssencmode=require fails with "gssencmode value "require" invalid when GSSAPI support is not
# compiled in", a server asking for gss auth with "GSSAPI authentication not supported"; the
# default gssencmode=prefer just skips GSSAPI) and LDAP lookup of connection parameters from
# "ldap://..." lines in pg_service.conf (a service file error instead). libpq's messages are in
# English only (no NLS). The dynamic build keeps Debian's libpq.so, with all of that.
#
# Idempotent: does nothing when PREFIX/lib/libpq.a exists and PREFIX/VERSION records the same
# Debian source version and configure flags. Works from a fresh Debian 12 as root (or with sudo):
# adds a deb-src entry like packaging/fetch-httplib.sh when there is none, installs the few build
# tools that are missing (no bison/flex: the release tarball ships the generated files). Quiet on
# success: one line at the end; the build log is printed when something fails.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
prefix=${1:-$top/build/deps/libpq-static}
case "$prefix" in /*) ;; *) prefix="$PWD/$prefix" ;; esac
prefix=${prefix%/}
me=build-libpq-static
started=$(date +%s)

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

# PREFIX/VERSION records these with the source version, so changing them here rebuilds.
configure_flags=(--prefix=/usr --sysconfdir=/etc/postgresql-common
  --with-ssl=openssl --without-gssapi --without-ldap --without-pam --without-readline --without-zlib
  --without-icu --without-llvm --without-systemd --without-lz4 --without-zstd --without-libxml
  --without-selinux --disable-nls --disable-rpath)
# Debian's hardening flags, without -g (the archives end up in a release binary).
build_cflags="-O2 -fstack-protector-strong -Wformat -Werror=format-security"
build_cppflags="-D_FORTIFY_SOURCE=2"

apt_updated=0
apt_update() {
  if [ "$apt_updated" = 0 ]; then
    "${sudo_cmd[@]}" apt-get update -qq >/dev/null
    apt_updated=1
  fi
}

# The Debian source package and version that libpq-dev comes from: the installed one (what the
# dynamic build compiles against), else the candidate apt would install.
src_pkg='' src_ver=''
if dpkg-query -W -f='${Status}' libpq-dev 2>/dev/null | grep -q "install ok installed"; then
  read -r src_pkg src_ver < <(dpkg-query -W -f='${source:Package} ${source:Version}\n' libpq-dev)
else
  record=$(apt-cache show --no-all-versions libpq-dev 2>/dev/null || true)
  if [ -z "$record" ]; then
    apt_update
    record=$(apt-cache show --no-all-versions libpq-dev 2>/dev/null || true)
  fi
  [ -n "$record" ] || { echo "$me: apt knows no libpq-dev package" >&2; exit 1; }
  src_ver=$(awk '/^Version:/ { print $2; exit }' <<<"$record")
  src_line=$(awk '/^Source:/ { $1 = ""; print; exit }' <<<"$record")
  read -r src_pkg src_paren <<<"$src_line" || true
  [ -n "$src_pkg" ] || src_pkg=libpq-dev
  if [ -n "${src_paren:-}" ]; then src_ver=${src_paren//[()]/}; fi
fi
[ -n "$src_pkg" ] && [ -n "$src_ver" ] || { echo "$me: cannot tell libpq-dev's source version" >&2; exit 1; }

stamp=$(printf '%s %s\nconfigure %s CFLAGS=%s CPPFLAGS=%s\n' "$src_pkg" "$src_ver" \
  "${configure_flags[*]}" "$build_cflags" "$build_cppflags")
up_to_date() {
  [ -s "$prefix/lib/libpq.a" ] && [ -s "$prefix/lib/libpgcommon.a" ] && [ -s "$prefix/lib/libpgport.a" ] &&
    [ -s "$prefix/include/libpq-fe.h" ] && [ -f "$prefix/VERSION" ] && [ "$(cat "$prefix/VERSION")" = "$stamp" ]
}
if up_to_date; then
  echo "$me: $prefix is up to date (Debian $src_pkg $src_ver)" >&2
  exit 0
fi

# One build at a time for a PREFIX; a second caller waits and then finds it up to date.
mkdir -p "$(dirname "$prefix")"
exec 9>"$prefix.lock"
flock 9
if up_to_date; then
  echo "$me: $prefix is up to date (Debian $src_pkg $src_ver)" >&2
  exit 0
fi

# Build tools, only those missing. dpkg-dev: dpkg-source, which apt-get source unpacks with.
need=(gcc make libc6-dev libssl-dev dpkg-dev)
missing=()
for pkg in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "$me: installing ${missing[*]}" >&2
  apt_update
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# A deb-src entry for the Debian archive, for `apt-get source`.
if ! grep -rqsE "^(Types:.*deb-src|deb-src )" /etc/apt/sources.list /etc/apt/sources.list.d/; then
  "$here/ensure-deb-src.sh"
  apt_updated=1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/libpq-static.XXXXXX")
log="$work/build.log"
trap 'rm -rf "$work"' EXIT
fail() {
  local saved="$prefix.build-failed.log"
  cp "$log" "$saved" 2>/dev/null || true
  echo "$me: $1; the end of the log (all of it: $saved):" >&2
  tail -n 60 "$log" >&2 || true
  exit 1
}
run() { echo "+ $*" >>"$log"; "$@" >>"$log" 2>&1; }

# Debian's source package (orig tarball + Debian's patches, unpacked by dpkg-source).
# The archive may not serve the source of exactly that version (a mirror that has the binary
# package of a point release but not its source, seen here with 15.20): then take the newest
# source version it does serve. libpq's ABI is stable within a major version and the static build
# compiles against the headers installed with this very build, so a point release apart is fine.
fetched=''
if (cd "$work" && run apt-get source -q "$src_pkg=$src_ver"); then
  fetched=$src_ver
else
  apt_updated=0
  apt_update
  for candidate in "$src_ver" $(apt-cache showsrc "$src_pkg" 2>/dev/null | awk '/^Version:/ { print $2 }' | sort -rV); do
    rm -rf "$work"/"${src_pkg}"[-_]*
    if (cd "$work" && run apt-get source -q "$src_pkg=$candidate"); then
      fetched=$candidate
      break
    fi
  done
fi
[ -n "$fetched" ] || fail "cannot fetch any version of Debian's source package $src_pkg"
if [ "$fetched" != "$src_ver" ]; then
  echo "$me: the archive serves no source for $src_pkg $src_ver; using $fetched" >&2
  src_ver=$fetched
fi
src=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name "${src_pkg}-*" | head -n 1)
[ -n "$src" ] && [ -x "$src/configure" ] || fail "no unpacked source tree with a configure script in $work"

cd "$src"
run ./configure "${configure_flags[@]}" CFLAGS="$build_cflags" CPPFLAGS="$build_cppflags" ||
  fail "configure failed"
if grep -q "unrecognized options" "$log"; then fail "configure did not recognize an option"; fi
jobs=$(nproc 2>/dev/null || echo 2)
# The generated headers (errcodes.h, ...) come pre-generated in the tarball and are only linked into
# src/include here; libpq's static-library target builds src/port and src/common first.
run make -j"$jobs" -C src/backend generated-headers || fail "make generated-headers failed"
run make -j"$jobs" -C src/common libpgcommon.a || fail "make -C src/common failed"
run make -j"$jobs" -C src/port libpgport.a || fail "make -C src/port failed"
run make -j"$jobs" -C src/interfaces/libpq all-static-lib || fail "make -C src/interfaces/libpq failed"

# The point of all this: nothing in the archives may need GSSAPI, Kerberos or LDAP.
if nm -u src/interfaces/libpq/libpq.a src/common/libpgcommon.a src/port/libpgport.a 2>>"$log" |
  grep -E ' (gss_|krb5_|ldap_|ber_)' >>"$log"; then
  fail "the archives still reference GSSAPI/LDAP symbols"
fi

# Install: VERSION goes first out and last in, so an interrupted install is rebuilt next time.
rm -f "$prefix/VERSION"
mkdir -p "$prefix/lib" "$prefix/include"
put() { cp "$1" "$2.tmp.$$" && mv -f "$2.tmp.$$" "$2"; }
for a in src/interfaces/libpq/libpq.a src/common/libpgcommon.a src/port/libpgport.a; do
  put "$a" "$prefix/lib/$(basename "$a")"
done
for h in src/interfaces/libpq/libpq-fe.h src/interfaces/libpq/libpq-events.h \
         src/include/postgres_ext.h src/include/pg_config_ext.h; do
  put "$h" "$prefix/include/$(basename "$h")"
done
put "$log" "$prefix/build.log"
rm -f "$prefix.build-failed.log"
printf '%s\n' "$stamp" >"$prefix/VERSION.tmp.$$" && mv -f "$prefix/VERSION.tmp.$$" "$prefix/VERSION"

pg_version=$(sed -n 's/^#define PG_VERSION "\(.*\)"/\1/p' src/include/pg_config.h)
echo "$me: libpq $pg_version from Debian's $src_pkg $src_ver (OpenSSL; no GSSAPI, LDAP) in $prefix ($(( $(date +%s) - started )) s)" >&2
