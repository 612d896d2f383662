#!/usr/bin/env bash
# Builds mcp-admin and the unit tests under a sanitizer, in their own build directory beside build/:
#   asan: AddressSanitizer + UndefinedBehaviorSanitizer (gcc), build-asan/
#   tsan: ThreadSanitizer (gcc), build-tsan/
# Only the two targets the sanitizer suites run are built (no bench, no static binary); ccache is
# used when installed. Usage: bash tests/sanitizers/build.sh asan|tsan [jobs]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
kind=${1:?usage: build.sh asan|tsan [jobs]}
jobs=${2:-$(nproc 2>/dev/null || echo 2)}
case "$kind" in
  asan) flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined" ;;
  tsan) flags="-fsanitize=thread" ;;
  *) echo "build.sh: unknown sanitizer '$kind' (asan or tsan)" >&2; exit 2 ;;
esac
dir="$top/build-$kind"
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
# The httplib header packaging/install-deps.sh fetched into build/deps is shared, not fetched again.
cmake -S "$top" -B "$dir" -DCMAKE_BUILD_TYPE=Sanitize "${launcher[@]}" \
  -DMCP_ADMIN_DEPS_DIR="$top/build/deps" \
  -DCMAKE_CXX_FLAGS_SANITIZE="-O1 -g -fno-omit-frame-pointer $flags" \
  -DCMAKE_EXE_LINKER_FLAGS_SANITIZE="$flags" >/dev/null
cmake --build "$dir" -j"$jobs" --target mcp-admin unit_tests
