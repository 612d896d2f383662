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
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DMCP_ADMIN_STATIC_BIN="$top/build-static/mcp-admin" \
  -DMCP_ADMIN_TEST_POSTGRES=ON >/dev/null
cmake --build build -j"$jobs"

if [ -f tests/interop/package-lock.json ]; then
  echo "== npm ci (tests/interop)" >&2
  (cd tests/interop && npm ci --no-audit --no-fund --loglevel=error)
fi

echo "== throwaway PostgreSQL cluster" >&2
pg_dir=$(mktemp -d /tmp/mcp-admin-test-pg.XXXXXX)
chmod 755 "$pg_dir"  # the server runs as the postgres user
trap 'bash "$top/tests/support/pg-cluster.sh" stop "$pg_dir/cluster"; rm -rf "$pg_dir"' EXIT
MCP_ADMIN_TEST_PG_URL=$(bash tests/support/pg-cluster.sh start "$pg_dir/cluster")
export MCP_ADMIN_TEST_PG_URL

echo "== tests" >&2
cd build
status=0
ctest --output-on-failure --timeout 1800 || status=$?
if [ "$status" -ne 0 ]; then
  # CI shows the head and the tail of a long log: repeat each failing subtest with its
  # diagnostics (error, expected, actual, location) last, where it cannot be cut away.
  bash "$top/tests/support/tap-failures.sh" Testing/Temporary/LastTest.log >&2 || true
fi
exit "$status"
