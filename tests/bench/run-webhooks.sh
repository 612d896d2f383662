#!/usr/bin/env bash
# Webhook ingest benchmarks (issues 3 and 4), loopback only, bounded in count and time:
#   1. SQLite: signed user.updated deliveries over BENCH_CONNECTIONS keep-alive connections, each a
#      distinct svix-id, durable (synchronous=FULL, 2xx after commit): events/s, p50, p99 —
#      beside the raw limit (the same deliveries applied in one process, no HTTP, no HMAC).
#   2. PostgreSQL (a throwaway cluster, fsync on): the same two figures, beside pgbench doing
#      single-row INSERT transactions on the same cluster with the same number of clients.
#   tests/bench/run-webhooks.sh [path/to/mcp-admin]      (default build/mcp-admin)
# Knobs: BENCH_EVENTS=60000 (at most, per run), BENCH_DURATION=10 (seconds, at most, per run),
# BENCH_CONNECTIONS=16, BENCH_BUILD_DIR=build-bench. Nothing here is a test: no timing is asserted.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
binary=$(realpath "${1:-$top/build/mcp-admin}")
events=${BENCH_EVENTS:-60000}
duration=${BENCH_DURATION:-10}
connections=${BENCH_CONNECTIONS:-16}
bench_build=${BENCH_BUILD_DIR:-$top/build-bench}
for value in "$events" "$duration" "$connections"; do
  [[ "$value" =~ ^[0-9]+$ ]] || { echo "run-webhooks: '$value' is not a number" >&2; exit 2; }
done
if [ "$events" -lt 1000 ] || [ "$events" -gt 500000 ] || [ "$duration" -lt 1 ] || [ "$duration" -gt 60 ] ||
   [ "$connections" -lt 1 ] || [ "$connections" -gt 256 ]; then
  echo "run-webhooks: BENCH_EVENTS 1000..500000, BENCH_DURATION 1..60, BENCH_CONNECTIONS 1..256" >&2
  exit 2
fi
[ -x "$binary" ] || { echo "run-webhooks: no executable at $binary" >&2; exit 2; }

"$top/packaging/install-deps.sh" --test
mkdir -p "$bench_build"
cmake -S "$top" -B "$bench_build" -DCMAKE_BUILD_TYPE=Release >"$bench_build/configure.log" 2>&1 || {
  cat "$bench_build/configure.log" >&2; exit 1; }
cmake --build "$bench_build" -j"$(nproc)" --target bench_webhook_ingest_load bench_webhook_ingest_raw \
  >"$bench_build/webhook-build.log" 2>&1 || { tail -n 30 "$bench_build/webhook-build.log" >&2; exit 1; }
load="$bench_build/tests/bench/bench_webhook_ingest_load"
raw="$bench_build/tests/bench/bench_webhook_ingest_raw"

work=$(mktemp -d /tmp/mcp-admin-bench-webhooks.XXXXXX)
chmod 755 "$work"  # the PostgreSQL cluster runs as the postgres user
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  bash "$top/tests/support/pg-cluster.sh" stop "$work/cluster" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
unset DATABASE_URL HOST PORT CLERK_WEBHOOK_SECRET NODE_ENV MCP_ADMIN_ENV LOG_LEVEL LOG_FORMAT CLERK_ROLE_MAP

secret="whsec_$(head -c 32 /dev/urandom | base64)"

# serve NAME DATABASE_URL: starts mcp-admin, sets $port.
serve() {
  local name=$1 url=$2
  LOG_FORMAT=json "$binary" serve --port 0 --database "$url" --webhook-secret "$secret" \
    >"$work/$name.stdout" 2>"$work/$name.log" &
  pids+=("$!")
  port=
  for _ in $(seq 200); do
    port=$(sed -n 's/.*"url":"http:\/\/127\.0\.0\.1:\([0-9]*\)".*/\1/p' "$work/$name.stdout")
    [ -n "$port" ] && return 0
    sleep 0.05
  done
  echo "run-webhooks: $name did not start:" >&2
  cat "$work/$name.log" >&2
  exit 1
}
stop_last() {
  local pid=${pids[-1]}
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  unset 'pids[-1]'
}
field() { sed -n "s/.*\"$2\":\([0-9.]*\).*/\1/p" <<<"$1"; }

echo "== machine"
echo "nproc: $(nproc); cpu: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo); kernel: $(uname -sr)"
echo "binary: $binary; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "runs: at most $events events or ${duration}s each, $connections connections/threads; request log (info) to a file"
echo

echo "== SQLite (file database, WAL, synchronous=FULL)"
serve sqlite "file:$work/bench.db"
sqlite_http=$("$load" --port "$port" --secret "$secret" --connections "$connections" --events "$events" --seconds "$duration")
stop_last
sqlite_raw=$("$raw" --database "file:$work/raw.db" --threads "$connections" --events "$events" --seconds "$duration")
echo "http: $sqlite_http"
echo "raw:  $sqlite_raw"
echo

echo "== PostgreSQL (throwaway cluster, fsync on)"
pg_url=$(bash "$top/tests/support/pg-cluster.sh" start "$work/cluster")
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
serve pg "$pg_url?schema=bench_http"
pg_http=$("$load" --port "$port" --secret "$secret" --connections "$connections" --events "$events" --seconds "$duration")
stop_last
pg_raw=$("$raw" --database "$pg_url?schema=bench_raw" --threads "$connections" --events "$events" --seconds "$duration")
psql -q "$pg_url" -c "CREATE TABLE pgbench_rows (id bigserial PRIMARY KEY, svix_id text NOT NULL, payload text NOT NULL)" >/dev/null
echo "INSERT INTO pgbench_rows (svix_id, payload) VALUES ('msg_' || :client_id || '_' || random(), repeat('x', 1456));" \
  >"$work/insert.sql"
"$pg_bin/pgbench" -n -c "$connections" -j 2 -T "$duration" -f "$work/insert.sql" "$pg_url" >"$work/pgbench.out" 2>&1
pgbench_tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$work/pgbench.out" | head -n 1)
pgbench_lat=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' "$work/pgbench.out")
echo "http: $pg_http"
echo "raw:  $pg_raw"
echo "pgbench single-row INSERT transactions: tps=$pgbench_tps latency_avg_ms=$pgbench_lat"
echo

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
echo "== summary (events/s; ratios in this run)"
printf '%-10s %10s %8s %8s %10s %s\n' engine http p50_ms p99_ms raw "http/raw"
printf '%-10s %10s %8s %8s %10s %s\n' sqlite "$(field "$sqlite_http" events_per_s)" "$(field "$sqlite_http" p50_ms)" \
  "$(field "$sqlite_http" p99_ms)" "$(field "$sqlite_raw" events_per_s)" \
  "$(ratio "$(field "$sqlite_http" events_per_s)" "$(field "$sqlite_raw" events_per_s)")"
printf '%-10s %10s %8s %8s %10s %s\n' postgres "$(field "$pg_http" events_per_s)" "$(field "$pg_http" p50_ms)" \
  "$(field "$pg_http" p99_ms)" "$(field "$pg_raw" events_per_s)" \
  "$(ratio "$(field "$pg_http" events_per_s)" "$(field "$pg_raw" events_per_s)")"
echo "postgres http / pgbench tps: $(ratio "$(field "$pg_http" events_per_s)" "$pgbench_tps")"
