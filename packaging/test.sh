#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test through CTest: the unit tests, the
# integration suites through the binary, and the same suites against the fully static binary.
# Usage: bash packaging/test.sh   (from anywhere; exit status 0 only when everything passed)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=$(nproc 2>/dev/null || echo 2)

bash packaging/install-deps.sh --test

echo "== static build (build-static/)" >&2
bash packaging/build-static.sh

echo "== build (build/)" >&2
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DMCP_ADMIN_STATIC_BIN="$top/build-static/mcp-admin" >/dev/null
cmake --build build -j"$jobs"

if [ -f tests/interop/package-lock.json ]; then
  echo "== npm ci (tests/interop)" >&2
  (cd tests/interop && npm ci --no-audit --no-fund --loglevel=error)
fi

echo "== tests" >&2
cd build
exec ctest --output-on-failure --timeout 1800
