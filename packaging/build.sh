#!/usr/bin/env bash
# Installs what is missing and builds build/mcp-admin (Release). Idempotent; quick when up to date.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bash packaging/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc 2>/dev/null || echo 2)" --target mcp-admin
