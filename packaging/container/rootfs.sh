#!/usr/bin/env bash
# The container's whole file tree, for packaging/Containerfile (and the chroot test):
#   packaging/container/rootfs.sh DIR [BINARY]     (BINARY: build-static/mcp-admin)
# DIR/usr/bin/mcp-admin                  the static binary, nothing else executable
# DIR/etc/passwd, DIR/etc/group          the non-root user mcp-admin, uid/gid 10001
# DIR/etc/ssl/certs/ca-certificates.crt  Debian's CA bundle (PostgreSQL with sslmode=verify-full)
# DIR/var/lib/mcp-admin/                 the volume: the SQLite database, owned by 10001
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
root=${1:?usage: rootfs.sh DIR [BINARY]}
binary=${2:-$top/build-static/mcp-admin}
if [ ! -x "$binary" ]; then
  echo "rootfs.sh: no binary at $binary: run packaging/build-static.sh first" >&2
  exit 1
fi
# ldd exits 1 on a static binary: take its words, not its status (pipefail would see the 1).
ldd_says=$(ldd "$binary" 2>&1 || true)
if ! grep -q 'not a dynamic executable' <<<"$ldd_says"; then
  echo "rootfs.sh: $binary is not static: it cannot run on an empty base" >&2
  exit 1
fi
bundle=/etc/ssl/certs/ca-certificates.crt
if [ ! -f "$bundle" ]; then
  echo "rootfs.sh: $bundle is missing (Debian package ca-certificates)" >&2
  exit 1
fi

rm -rf "$root"
install -d -m 0755 "$root/usr/bin" "$root/etc/ssl/certs" "$root/var/lib"
install -m 0755 "$binary" "$root/usr/bin/mcp-admin"
install -m 0644 "$here/passwd" "$root/etc/passwd"
install -m 0644 "$here/group" "$root/etc/group"
install -m 0644 "$bundle" "$root/etc/ssl/certs/ca-certificates.crt"
install -d -m 0750 "$root/var/lib/mcp-admin"
# Owned by the image's user, as the Containerfile's COPY --chown makes it (when run as root).
if [ "$(id -u)" -eq 0 ]; then chown 10001:10001 "$root/var/lib/mcp-admin"; fi
echo "$root"
