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

# Wall time of each step, printed at the end (tests/sanitizers/README.md keeps the figures).
timings=()
step_started=0
step_done() { timings+=("$(printf '%-34s %4d s' "$1" $((SECONDS - step_started)))"); step_started=$SECONDS; }
step_done "install-deps + static build"

echo "== build (build/)" >&2
# MCP_ADMIN_SANITIZERS=0 leaves out the ASan + UBSan build and suites, MCP_ADMIN_FUZZ_SECONDS=0 the
# short fuzzing, MCP_ADMIN_TSAN=0 the TSan build and its suites (all three on in CI): a quicker
# local run (tests/sanitizers/README.md).
sanitizers=${MCP_ADMIN_SANITIZERS:-1}
tsan=${MCP_ADMIN_TSAN:-1}
fuzz_seconds=${MCP_ADMIN_FUZZ_SECONDS:-10}
sanitizer_dirs=(-DMCP_ADMIN_ASAN_DIR= -DMCP_ADMIN_TSAN_DIR=)
# ASan + UBSan: the fuzz build (clang-16) instruments every library anyway; its mcp-admin and
# unit_tests are the ones the ASan suites run, so one build serves both.
if [ "$sanitizers" = 1 ]; then sanitizer_dirs[0]=-DMCP_ADMIN_ASAN_DIR="$top/build-fuzz"; fi
if [ "$tsan" = 1 ]; then sanitizer_dirs[1]=-DMCP_ADMIN_TSAN_DIR="$top/build-tsan"; fi
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DMCP_ADMIN_STATIC_BIN="$top/build-static/mcp-admin" \
  -DMCP_ADMIN_TEST_POSTGRES=ON "${launcher[@]}" "${sanitizer_dirs[@]}" -DMCP_ADMIN_FUZZ_SECONDS="$fuzz_seconds" >/dev/null
cmake --build build -j"$jobs"
step_done "build"

if [ "$sanitizers" = 1 ] || [ "$fuzz_seconds" != 0 ]; then
  echo "== ASan + UBSan build (build-fuzz/, clang-16): the fuzz targets, mcp-admin, unit_tests" >&2
  also=""
  if [ "$sanitizers" = 1 ]; then also="mcp-admin unit_tests"; fi
  FUZZ_BUILD_ONLY=1 FUZZ_JOBS="$jobs" FUZZ_ALSO="$also" bash tests/fuzz/run.sh
  step_done "build-fuzz (ASan + UBSan)"
fi
if [ "$tsan" = 1 ]; then
  echo "== TSan build (build-tsan/)" >&2
  bash tests/sanitizers/build.sh tsan "$jobs"
  step_done "build-tsan"
fi

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
ctest --output-on-failure --timeout 2400 || status=$?
step_done "ctest"
# Each test's own time is in CTest's output above; the steps' here.
printf '%s\n' "== wall time per step" "${timings[@]}" >&2
if [ "$status" -ne 0 ]; then
  # CI shows the head and the tail of a long log: repeat each failing subtest with its
  # diagnostics (error, expected, actual, location) last, where it cannot be cut away.
  bash "$top/tests/support/tap-failures.sh" Testing/Temporary/LastTest.log >&2 || true
fi
exit "$status"
