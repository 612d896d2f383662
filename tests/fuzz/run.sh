#!/usr/bin/env bash
# Builds every libFuzzer target (clang-16, ASan + UBSan, build-fuzz/) and runs each one for a
# bounded time, one after the other, starting from its seeds (corpus/<target>/, which also keeps
# every input that once crashed a target: a regression runs first, as a seed).
#
#   bash tests/fuzz/run.sh [seconds-per-target]        (default 20)
#   FUZZ_RUNS=10000000 bash tests/fuzz/run.sh          a number of executions per target instead
#   FUZZ_TARGETS="dotenv cursor" bash tests/fuzz/run.sh only these targets
#   FUZZ_JOBS=2                                        build parallelism (default: nproc)
#   FUZZ_BUILD_ONLY=1 bash tests/fuzz/run.sh           build, run nothing
#   FUZZ_ALSO="mcp-admin unit_tests"                  also build these targets, with the same ASan +
#                                                      UBSan instrumentation (CI's ASan suites run them)
#
# Exit status 0 only when no target crashed, leaked, timed out or ran out of memory. Crashing
# inputs land in build-fuzz/crashes/<target>/; the per-target log in build-fuzz/logs/<target>.log;
# one summary line per target (executions, exec/s, coverage, features, peak RSS) at the end.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-20}
case "$seconds" in ''|*[!0-9]*) echo "run.sh: seconds-per-target must be a whole number, not '$seconds'" >&2; exit 2 ;; esac
dir="$top/build-fuzz"
cxx=${FUZZ_CXX:-clang++-16}
command -v "$cxx" >/dev/null || { echo "run.sh: $cxx not found (packaging/install-deps.sh --test installs clang-16)" >&2; exit 2; }

launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S "$top" -B "$dir" -DCMAKE_CXX_COMPILER="$cxx" -DMCP_ADMIN_FUZZ=ON -DBUILD_TESTING=ON \
  -DCMAKE_BUILD_TYPE=Fuzz -DCMAKE_CXX_FLAGS_FUZZ="-O1 -g" "${launcher[@]}" \
  -DMCP_ADMIN_DEPS_DIR="$top/build/deps" >/dev/null
targets=${FUZZ_TARGETS:-$(sed -n 's/^mcp_fuzz_target(\([a-z_]*\))$/\1/p' "$top/tests/fuzz/CMakeLists.txt")}
build_targets=()
for target in $targets; do build_targets+=("${target}_fuzz"); done
for target in ${FUZZ_ALSO:-}; do build_targets+=("$target"); done
cmake --build "$dir" -j"${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}" --target "${build_targets[@]}"
if [ "${FUZZ_BUILD_ONLY:-0}" = 1 ]; then exit 0; fi
if [ "$seconds" -eq 0 ] && [ -z "${FUZZ_RUNS:-}" ]; then echo "run.sh: 0 seconds (libFuzzer would read it as forever)" >&2; exit 2; fi

limit=(-max_total_time="$seconds")
if [ -n "${FUZZ_RUNS:-}" ]; then limit=(-runs="$FUZZ_RUNS"); fi
mkdir -p "$dir/logs"
status=0
summary=()
for target in $targets; do
  work="$dir/corpus/$target"
  crashes="$dir/crashes/$target"
  mkdir -p "$work" "$crashes"
  log="$dir/logs/$target.log"
  echo "== fuzz $target (${FUZZ_RUNS:+$FUZZ_RUNS runs}${FUZZ_RUNS:-$seconds s})" >&2
  # -max_len stays below the JSON nesting that still overflows a stack while parsing (~70,000
  # levels; tests/fuzz/README.md): that one is known and fixed apart.
  target_status=0
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$dir/fuzz/${target}_fuzz" "${limit[@]}" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
    -dict="$top/tests/fuzz/json.dict" -print_final_stats=1 -artifact_prefix="$crashes/" \
    "$work" "$top/tests/fuzz/corpus/$target" >"$log" 2>&1 || target_status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1 || true)
  line="$target: ${execs:-?} executions, ${rate:-?} exec/s, ${cov:-no coverage line}, peak RSS ${rss:-?} MB"
  if [ "$target_status" -ne 0 ]; then
    line="$line — FAILED (exit $target_status; see $log and $crashes/)"
    status=1
    tail -40 "$log" >&2
  fi
  summary+=("$line")
done
printf '%s\n' "${summary[@]}"
exit "$status"
