#!/usr/bin/env bash
# Builds the Debian package from the static binary (packaging/build-static.sh makes it):
#   packaging/build-deb.sh [--binary PATH] [--version VERSION] [--out DIR]
# → DIR/mcp-admin_VERSION_ARCH.deb (default DIR: build-deb/). VERSION defaults to the binary's
# own (`mcp-admin --version`). Contents: /usr/bin/mcp-admin, the systemd unit (and an optional
# .socket), /etc/mcp-admin/env (conffile), the man page, copyright and changelog; postinst makes
# the mcp-admin system user and /var/lib/mcp-admin. Files are owned by root (dpkg-deb
# --root-owner-group), so no fakeroot is needed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
binary="$top/build-static/mcp-admin"
version=""
out="$top/build-deb"
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary=$2; shift 2 ;;
    --version) version=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "build-deb.sh: unknown argument '$1' (use --binary PATH, --version V, --out DIR)" >&2; exit 2 ;;
  esac
done
if [ ! -x "$binary" ]; then
  echo "build-deb.sh: no binary at $binary: run packaging/build-static.sh first (or give --binary PATH)" >&2
  exit 1
fi
if [ -z "$version" ]; then
  version=$("$binary" --version | awk '{print $2}')
fi
arch=$(dpkg --print-architecture)

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
chmod 0755 "$stage"

install -d -m 0755 "$stage/DEBIAN" "$stage/usr/bin" "$stage/usr/lib/systemd/system" "$stage/etc/mcp-admin" \
  "$stage/usr/share/doc/mcp-admin" "$stage/usr/share/man/man1" "$stage/usr/share/lintian/overrides"
# Stripped: the symbols are not needed on a server, and lintian asks for it.
install -m 0755 "$binary" "$stage/usr/bin/mcp-admin"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$stage/usr/bin/mcp-admin"
install -m 0644 "$here/systemd/mcp-admin.service" "$here/systemd/mcp-admin.socket" "$stage/usr/lib/systemd/system/"
install -m 0640 "$here/deb/env" "$stage/etc/mcp-admin/env"
install -m 0644 "$here/deb/copyright" "$stage/usr/share/doc/mcp-admin/copyright"
sed "s/@VERSION@/$version/" "$here/deb/changelog" | gzip -9n >"$stage/usr/share/doc/mcp-admin/changelog.gz"
gzip -9n <"$here/deb/mcp-admin.1" >"$stage/usr/share/man/man1/mcp-admin.1.gz"
install -m 0644 "$here/deb/lintian-overrides" "$stage/usr/share/lintian/overrides/mcp-admin"
chmod 0644 "$stage/usr/share/doc/mcp-admin/changelog.gz" "$stage/usr/share/man/man1/mcp-admin.1.gz"

install -m 0755 "$here/deb/postinst" "$here/deb/prerm" "$here/deb/postrm" "$stage/DEBIAN/"
install -m 0644 "$here/deb/conffiles" "$stage/DEBIAN/conffiles"
size=$(du -k -s --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" "$here/deb/control.in" >"$stage/DEBIAN/control"
(cd "$stage" && find . -type f ! -path './DEBIAN/*' ! -path './etc/*' -printf '%P\0' | sort -z | xargs -0 md5sum) \
  >"$stage/DEBIAN/md5sums"
chmod 0644 "$stage/DEBIAN/control" "$stage/DEBIAN/md5sums"

mkdir -p "$out"
deb="$out/mcp-admin_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "$deb"
