#!/usr/bin/env bash
# Issue 2's benchmarks, loopback only, bounded in count and time (about 3 minutes plus the build):
#   a. spawn -> first 200 from /api/health (median, p90 of BENCH_RUNS runs) beside spawning /bin/true,
#      for the given binary and for build-static/mcp-admin when it exists;
#   b. /api/health req/s under wrk with keep-alive, beside a bare cpp-httplib server built from the
#      same header with the same settings, with the request log off and with it written to a file;
#   c. RSS (VmRSS, VmHWM) of `mcp-admin serve` on a file database: idle after start, after the wrk runs.
#
#   tests/bench/run-foundation.sh [path/to/mcp-admin]        (default build/mcp-admin)
# Knobs (environment): BENCH_RUNS=30 spawn runs, BENCH_DURATION=10 seconds a wrk run, BENCH_REPS=3 wrk
# runs per server (the median is reported), BENCH_CONNECTIONS=16, BENCH_WRK_THREADS=2,
# BENCH_BUILD_DIR=build-bench (where the two bench programs are built; a build directory of its own),
# BENCH_QUIET_WAIT=0 seconds to wait, before each part, for the machine to be under 10% busy (the
# busy share is printed either way: on a shared machine, other people's builds skew every figure).
# Nothing here is a test: no timing is asserted, the script fails only when something does not work.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
binary=$(realpath "${1:-$top/build/mcp-admin}")
static_binary="$top/build-static/mcp-admin"
runs=${BENCH_RUNS:-30}
duration=${BENCH_DURATION:-10}
reps=${BENCH_REPS:-3}
connections=${BENCH_CONNECTIONS:-16}
wrk_threads=${BENCH_WRK_THREADS:-2}
bench_build=${BENCH_BUILD_DIR:-$top/build-bench}

for value in "$runs" "$duration" "$reps" "$connections" "$wrk_threads"; do
  [[ "$value" =~ ^[0-9]+$ ]] || { echo "run-foundation: '$value' is not a number" >&2; exit 2; }
done
# Bounded: 20..200 spawn runs, 1..60 s a wrk run, 1..5 repetitions.
if [ "$runs" -lt 20 ] || [ "$runs" -gt 200 ] || [ "$duration" -lt 1 ] || [ "$duration" -gt 60 ] ||
   [ "$reps" -lt 1 ] || [ "$reps" -gt 5 ]; then
  echo "run-foundation: BENCH_RUNS 20..200, BENCH_DURATION 1..60, BENCH_REPS 1..5" >&2
  exit 2
fi
[ -x "$binary" ] || { echo "run-foundation: no executable at $binary (build it, or pass its path)" >&2; exit 2; }

# wrk, hyperfine, curl (and the build dependencies): idempotent.
"$top/packaging/install-deps.sh" --test

# The two bench programs, in a build directory of our own (build/ belongs to the main build).
mkdir -p "$bench_build"
cmake -S "$top" -B "$bench_build" -DCMAKE_BUILD_TYPE=Release >"$bench_build/configure.log" 2>&1 || {
  cat "$bench_build/configure.log" >&2; exit 1; }
if ! cmake --build "$bench_build" -j"$(nproc)" --target bench_spawn_to_healthy bench_hello_world \
     >"$bench_build/bench-build.log" 2>&1; then
  tail -n 30 "$bench_build/bench-build.log" >&2
  echo "run-foundation: building the bench programs failed (does the top-level CMakeLists.txt have" \
       "add_subdirectory(tests/bench)?)" >&2
  exit 1
fi
spawner="$bench_build/tests/bench/bench_spawn_to_healthy"
hello="$bench_build/tests/bench/bench_hello_world"

work=$(mktemp -d /tmp/mcp-admin-bench.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"  # no .env / .env.local of the caller's may leak into the servers

# Nothing of the caller's configuration either.
unset DATABASE_URL HOST PORT CLERK_WEBHOOK_SECRET CLERK_JWT_KEY CLERK_JWKS_FILE CLERK_AUTHORIZED_PARTIES \
  NODE_ENV MCP_ADMIN_ENV MCP_ADMIN_BOOTSTRAP_KEY LOG_LEVEL LOG_FORMAT CLERK_ROLE_MAP MCP_ADMIN_HTTP_THREADS \
  MCP_ADMIN_TLS_CERT MCP_ADMIN_TLS_KEY

# Percentage of all CPUs busy over one second (whatever runs: other builds on a shared machine skew
# every figure here, so it is printed beside them).
cpu_busy_pct() {
  local a b
  a=($(head -n 1 /proc/stat)); sleep 1; b=($(head -n 1 /proc/stat))
  local idle=$(( (b[4] + b[5]) - (a[4] + a[5]) )) total=0 idx
  for idx in 1 2 3 4 5 6 7 8; do total=$(( total + b[idx] - a[idx] )); done
  echo $(( total > 0 ? 100 * (total - idle) / total : 0 ))
}
# Waits (at most BENCH_QUIET_WAIT seconds, default 0) for the machine to be under 10% busy.
wait_for_quiet() {
  local waited=0 busy
  busy=$(cpu_busy_pct)
  while [ "$busy" -ge 10 ] && [ "$waited" -lt "${BENCH_QUIET_WAIT:-0}" ]; do
    sleep 4; waited=$((waited + 5)); busy=$(cpu_busy_pct)
  done
  echo "$busy"
}

value_of() { sed -n "s/^result\.$2=//p" "$1"; }
status_kib() { awk -v key="$2:" '$1 == key { print $2 }' "/proc/$1/status"; }
mib() { awk -v kib="$1" 'BEGIN { printf "%.1f", kib / 1024 }'; }

# start NAME STDERR_FILE COMMAND...: starts a server in the background, waits for its ready line,
# sets $started_pid and $started_url.
start() {
  local name=$1 stderr_file=$2
  shift 2
  "$@" >"$work/$name.stdout" 2>"$stderr_file" &
  started_pid=$!
  pids+=("$started_pid")
  started_url=
  for _ in $(seq 200); do
    started_url=$(sed -n 's/.*"url":"\([^"]*\)".*/\1/p' "$work/$name.stdout")
    [ -n "$started_url" ] && return 0
    kill -0 "$started_pid" 2>/dev/null || break
    sleep 0.05
  done
  echo "run-foundation: $name did not become ready; stderr:" >&2
  cat "$stderr_file" >&2
  exit 1
}

# wrk_rps URL OUT: one measured wrk run; prints req/s; fails on socket errors or non-2xx answers.
wrk_rps() {
  wrk -t"$wrk_threads" -c"$connections" -d"${duration}s" --latency "$1/api/health" >"$2"
  if grep -q "Non-2xx or 3xx" "$2" || grep -q "Socket errors" "$2"; then
    echo "run-foundation: wrk saw errors against $1:" >&2
    cat "$2" >&2
    exit 1
  fi
  awk '/^Requests\/sec:/ { print $2 }' "$2"
}
latency_pct() { awk -v pct="$2" '$1 == pct { print $2 }' "$1"; }
median_of() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "== machine"
echo "nproc: $(nproc)"
echo "cpu: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
echo "kernel: $(uname -sr)"
echo "binary: $binary ($(stat -c %s "$binary") bytes; $(ldd "$binary" >/dev/null 2>&1 && echo dynamic || echo static))"
echo "wrk: $(wrk -v 2>&1 | head -n 1)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); CPU busy (all processes) the second before: $(wait_for_quiet)%"
echo

# ---------------------------------------------------------------- a. spawn -> healthy
echo "== a. spawn -> first 200 from /api/health ($runs runs after 2 warm-ups; stderr to /dev/null, log level info)"
"$spawner" --baseline --runs "$runs" | tee "$work/spawn.baseline"
"$spawner" --runs "$runs" "$binary" serve --port 0 --database :memory: | tee "$work/spawn.dynamic"
have_static=0
if [ -x "$static_binary" ]; then
  have_static=1
  echo "-- static: $static_binary"
  "$spawner" --runs "$runs" "$static_binary" serve --port 0 --database :memory: | tee "$work/spawn.static"
fi
echo

# ---------------------------------------------------------------- b + c. req/s and RSS
echo "CPU busy before b: $(wait_for_quiet)%"
echo "== b. GET /api/health under wrk -t$wrk_threads -c$connections -d${duration}s (keep-alive), $reps runs each, interleaved"
start hello /dev/null "$hello" --threads 64
hello_pid=$started_pid hello_url=$started_url
# File databases, as an edge operator runs it (DATABASE_URL's default is a file too).
LOG_LEVEL=off start mcp_off "$work/mcp_off.stderr" "$binary" serve --port 0 --database "file:$work/off.db"
off_pid=$started_pid off_url=$started_url
LOG_LEVEL=info LOG_FORMAT=json start mcp_log "$work/requests.log" "$binary" serve --port 0 --database "file:$work/log.db"
log_pid=$started_pid log_url=$started_url
sleep 1  # idle: let start-up settle before reading RSS
off_rss_start=$(status_kib "$off_pid" VmRSS) off_hwm_start=$(status_kib "$off_pid" VmHWM)
hello_rss_start=$(status_kib "$hello_pid" VmRSS)
static_rss_start=
if [ "$have_static" = 1 ]; then
  LOG_LEVEL=off start mcp_static /dev/null "$static_binary" serve --port 0 --database "file:$work/static.db"
  static_pid=$started_pid
  sleep 1
  static_rss_start=$(status_kib "$static_pid" VmRSS)
  kill -TERM "$static_pid"
  wait "$static_pid" || true
fi

declare -A rps_list p50_list p99_list
for name in hello off log; do
  url_var="${name}_url"
  wrk -t"$wrk_threads" -c"$connections" -d1s "${!url_var}/api/health" >/dev/null  # warm-up
done
log_lines_before=$(wc -l <"$work/requests.log")
for rep in $(seq "$reps"); do
  for name in hello off log; do
    url_var="${name}_url"
    rps=$(wrk_rps "${!url_var}" "$work/wrk.$name.$rep")
    rps_list[$name]+="$rps "
    p50_list[$name]+="$(latency_pct "$work/wrk.$name.$rep" 50%) "
    p99_list[$name]+="$(latency_pct "$work/wrk.$name.$rep" 99%) "
    echo "run $rep $name: $rps req/s (p50 $(latency_pct "$work/wrk.$name.$rep" 50%), p99 $(latency_pct "$work/wrk.$name.$rep" 99%))"
  done
done
log_lines=$(( $(wc -l <"$work/requests.log") - log_lines_before ))
log_bytes=$(stat -c %s "$work/requests.log")

off_rss_after=$(status_kib "$off_pid" VmRSS) off_hwm_after=$(status_kib "$off_pid" VmHWM)
log_rss_after=$(status_kib "$log_pid" VmRSS) log_hwm_after=$(status_kib "$log_pid" VmHWM)
hello_rss_after=$(status_kib "$hello_pid" VmRSS)
off_threads=$(status_kib "$off_pid" Threads)

hello_rps=$(median_of <<<"${rps_list[hello]}")
off_rps=$(median_of <<<"${rps_list[off]}")
log_rps=$(median_of <<<"${rps_list[log]}")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", 100 * a / b }'; }
echo

echo "== summary"
printf '%-58s %s\n' "spawn /bin/true (median / p90)" \
  "$(value_of "$work/spawn.baseline" baseline.median_ms) / $(value_of "$work/spawn.baseline" baseline.p90_ms) ms"
printf '%-58s %s\n' "spawn -> ready line, the binary (median / p90)" \
  "$(value_of "$work/spawn.dynamic" ready.median_ms) / $(value_of "$work/spawn.dynamic" ready.p90_ms) ms"
printf '%-58s %s\n' "spawn -> 200 /api/health, the binary (median / p90)" \
  "$(value_of "$work/spawn.dynamic" healthy.median_ms) / $(value_of "$work/spawn.dynamic" healthy.p90_ms) ms"
printf '%-58s %s\n' "SIGTERM -> exited, the binary (median / p90)" \
  "$(value_of "$work/spawn.dynamic" stop.median_ms) / $(value_of "$work/spawn.dynamic" stop.p90_ms) ms"
if [ "$have_static" = 1 ]; then
  printf '%-58s %s\n' "spawn -> 200 /api/health, build-static (median / p90)" \
    "$(value_of "$work/spawn.static" healthy.median_ms) / $(value_of "$work/spawn.static" healthy.p90_ms) ms"
fi
printf '%-58s %s\n' "hello-world req/s (median of $reps; runs)" "$hello_rps (${rps_list[hello]% })"
printf '%-58s %s\n' "mcp-admin LOG_LEVEL=off req/s (median; runs)" "$off_rps (${rps_list[off]% })"
printf '%-58s %s\n' "mcp-admin log to a file req/s (median; runs)" "$log_rps (${rps_list[log]% })"
printf '%-58s %s\n' "ratio, log off / hello-world" "$(ratio "$off_rps" "$hello_rps") %"
printf '%-58s %s\n' "ratio, log to file / hello-world" "$(ratio "$log_rps" "$hello_rps") %"
printf '%-58s %s\n' "latency p50 / p99: hello, off, log (each run)" \
  "${p50_list[hello]% } / ${p99_list[hello]% }; ${p50_list[off]% } / ${p99_list[off]% }; ${p50_list[log]% } / ${p99_list[log]% }"
printf '%-58s %s\n' "request log written" "$log_lines lines during the runs, $log_bytes bytes in all"
printf '%-58s %s\n' "mcp-admin RSS idle after start (VmRSS / VmHWM)" \
  "$(mib "$off_rss_start") / $(mib "$off_hwm_start") MiB ($off_threads threads)"
printf '%-58s %s\n' "mcp-admin RSS after the wrk runs, log off (VmRSS / VmHWM)" \
  "$(mib "$off_rss_after") / $(mib "$off_hwm_after") MiB"
printf '%-58s %s\n' "mcp-admin RSS after the wrk runs, log file (VmRSS / VmHWM)" \
  "$(mib "$log_rss_after") / $(mib "$log_hwm_after") MiB"
[ -n "$static_rss_start" ] && printf '%-58s %s\n' "static mcp-admin RSS idle after start (VmRSS)" "$(mib "$static_rss_start") MiB"
printf '%-58s %s\n' "hello-world RSS after start / after the runs (VmRSS)" \
  "$(mib "$hello_rss_start") / $(mib "$hello_rss_after") MiB"

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

for pid in "$hello_pid" "$off_pid" "$log_pid"; do kill -TERM "$pid"; done
for pid in "$hello_pid" "$off_pid" "$log_pid"; do wait "$pid" || echo "run-foundation: pid $pid did not exit 0" >&2; done
pids=()
