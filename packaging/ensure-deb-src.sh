#!/usr/bin/env bash
# Makes sure apt has a deb-src entry for the Debian 12 archive, so that `apt-get source` works
# (packaging/fetch-httplib.sh and packaging/build-libpq-static.sh build from Debian's own source
# packages). Adds /etc/apt/sources.list.d/mcp-admin-deb-src.sources and runs apt-get update only
# when no deb-src entry exists. Idempotent; quiet when there is nothing to do.
set -euo pipefail

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

src_list=/etc/apt/sources.list.d/mcp-admin-deb-src.sources
if grep -rqsE "^(Types:.*deb-src|deb-src )" /etc/apt/sources.list /etc/apt/sources.list.d/; then
  exit 0
fi
echo "ensure-deb-src: adding a deb-src entry ($src_list)" >&2
"${sudo_cmd[@]}" tee "$src_list" >/dev/null <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
"${sudo_cmd[@]}" apt-get update -qq >/dev/null
