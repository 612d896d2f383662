#!/usr/bin/env bash
# Crowd benchmark (issue 9 item 5), loopback only, bounded in time: /api/health and the gateway
# (GET /api/v1/gateway/authorize?server=github with a MEMBER key, set up as in run-gateway.sh)
# under wrk with BENCH_CONNECTIONS busy keep-alive connections, first alone, then while
# crowd_holder.mjs holds BENCH_IDLE idle kept-alive and BENCH_SLOW slow connections (a header byte
# a second; re-opened when the server's deadline cuts them) against the same server, in one run.
# Reports req/s, p50 and p99 (medians of BENCH_ROUNDS wrk runs each) and the server's RSS with the
# crowd held.
#
#   tests/bench/run-crowd.sh [path/to/mcp-admin]      # default build/mcp-admin
# Knobs: BENCH_DURATION=10 (1..60), BENCH_ROUNDS=2 (1..5), BENCH_CONNECTIONS=32 (1..256),
# BENCH_WRK_THREADS=2, BENCH_IDLE=10000, BENCH_SLOW=500 (IDLE + SLOW <= 18000). Nothing here is a
# test: it fails only when something does not work (a non-2xx answer, a socket error, a crowd that
# cannot be held).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
duration=${BENCH_DURATION:-10}
rounds=${BENCH_ROUNDS:-2}
connections=${BENCH_CONNECTIONS:-32}
wrk_threads=${BENCH_WRK_THREADS:-2}
idle=${BENCH_IDLE:-10000}
slow=${BENCH_SLOW:-500}
for value in "$duration" "$rounds" "$connections" "$wrk_threads" "$idle" "$slow"; do
  [[ "$value" =~ ^[0-9]+$ ]] || { echo "run-crowd: '$value' is not a number" >&2; exit 2; }
done
if [ "$duration" -lt 1 ] || [ "$duration" -gt 60 ] || [ "$rounds" -lt 1 ] || [ "$rounds" -gt 5 ] ||
   [ "$connections" -lt 1 ] || [ "$connections" -gt 256 ] || [ "$wrk_threads" -lt 1 ] || [ "$wrk_threads" -gt 16 ] ||
   [ $((idle + slow)) -gt 18000 ]; then
  echo "run-crowd: BENCH_DURATION 1..60, BENCH_ROUNDS 1..5, BENCH_CONNECTIONS 1..256, BENCH_WRK_THREADS 1..16," \
       "BENCH_IDLE + BENCH_SLOW <= 18000" >&2
  exit 2
fi
binary=$(realpath "${1:-$top/build/mcp-admin}")
[ -x "$binary" ] || { echo "run-crowd: no executable at $binary (build it first)" >&2; exit 2; }
for tool in wrk curl node; do
  command -v "$tool" >/dev/null || { echo "run-crowd: $tool is missing: packaging/install-deps.sh --test installs it" >&2; exit 2; }
done

# The server and the holder each need a descriptor per connection: the soft limit up to the hard one.
ulimit -n "$(ulimit -Hn)"
need=$((idle + slow + connections + 256))
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$need" ]; then
  echo "run-crowd: ulimit -Hn is $(ulimit -Hn), the crowd needs $need descriptors: raise the hard limit" >&2
  exit 2
fi

work=$(mktemp -d /tmp/mcp-admin-bench-crowd.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
unset DATABASE_URL HOST PORT CLERK_WEBHOOK_SECRET CLERK_JWT_KEY CLERK_JWKS_FILE CLERK_AUTHORIZED_PARTIES \
  NODE_ENV MCP_ADMIN_ENV MCP_ADMIN_BOOTSTRAP_KEY LOG_LEVEL LOG_FORMAT CLERK_ROLE_MAP MCP_ADMIN_HTTP_THREADS \
  MCP_ADMIN_TLS_CERT MCP_ADMIN_TLS_KEY MCP_ADMIN_DB_POOL MCP_ADMIN_TRUSTED_PROXIES MCP_ADMIN_MAX_CONNECTIONS

json_field() {
  node -e 'let s = ""; process.stdin.on("data", (d) => { s += d; }).on("end", () => {
    const v = JSON.parse(s)[process.argv[1]]; if (v === undefined) process.exit(1); console.log(v); })' "$1"
}

bootstrap="mcp_sk_$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
db="$work/crowd.db"
LOG_LEVEL=info LOG_FORMAT=json "$binary" serve --port 0 --database "file:$db" --seed --bootstrap-key "$bootstrap" \
  >"$work/serve.stdout" 2>"$work/requests.log" &
server_pid=$!
pids+=("$server_pid")
url=
for _ in $(seq 200); do
  url=$(sed -n 's/.*"url":"\([^"]*\)".*/\1/p' "$work/serve.stdout")
  [ -n "$url" ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.05
done
[ -n "$url" ] || { echo "run-crowd: mcp-admin did not start:" >&2; cat "$work/requests.log" >&2; exit 1; }
port=${url##*:}

api() {
  local status
  status=$(curl -sS -o "$work/api.body" -w '%{http_code}' -X "$1" "$url$2" -H "Authorization: Bearer $bootstrap" \
        -H 'Content-Type: application/json' ${3:+--data "$3"})
  [ "${status:0:1}" = 2 ] || { echo "run-crowd: $1 $2 answered $status: $(cat "$work/api.body")" >&2; exit 1; }
  cat "$work/api.body"
}
org_id=$(api POST /api/v1/organizations '{"name":"Bench Org","slug":"bench-org"}' | json_field id)
api PUT "/api/v1/organizations/$org_id/services/github" '{"config":{"repository":"bench/widgets"}}' >/dev/null
member_key=$(api POST "/api/v1/organizations/$org_id/api-keys" '{"name":"crowd","role":"MEMBER"}' | json_field key)
gateway_path="/api/v1/gateway/authorize?server=github"

wrk_run() {
  local name=$1 out=$2 seconds=${3:-$duration}
  if [ "$name" = gateway ]; then
    wrk -t"$wrk_threads" -c"$connections" -d"${seconds}s" --latency -H "Authorization: Bearer $member_key" \
      "$url$gateway_path" >"$out"
  else
    wrk -t"$wrk_threads" -c"$connections" -d"${seconds}s" --latency "$url/api/health" >"$out"
  fi
  if grep -q "Non-2xx or 3xx" "$out" || grep -q "Socket errors" "$out"; then
    echo "run-crowd: wrk saw errors against $name:" >&2; cat "$out" >&2; exit 1
  fi
}
rps_of() { awk '/^Requests\/sec:/ { print $2 }' "$1"; }
pct_ms() {
  awk -v pct="$2" '$1 == pct {
    v = $2; unit = v; sub(/^[0-9.]+/, "", unit); sub(/[a-z]+$/, "", v);
    if (unit == "us") v /= 1000; else if (unit == "s") v *= 1000; else if (unit == "m") v *= 60000;
    printf "%.3f", v }' "$1"
}
median_of() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
rss_mib() { awk -v f="$1" '$1 == f":" { printf "%.1f", $2 / 1024 }' "/proc/$server_pid/status"; }
metric() { curl -sS "$url/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }

declare -A rps p50 p99
phase() {  # phase NAME: BENCH_ROUNDS wrk runs of health and gateway, alternating
  local label=$1 round name out
  for round in $(seq "$rounds"); do
    for name in health gateway; do
      out="$work/wrk.$label.$name.$round"
      wrk_run "$name" "$out"
      rps[$label.$name]+="$(rps_of "$out") "
      p50[$label.$name]+="$(pct_ms "$out" 50%) "
      p99[$label.$name]+="$(pct_ms "$out" 99%) "
      printf '%-6s round %s %-8s %10s req/s  p50 %7s ms  p99 %7s ms\n' "$label" "$round" "$name" "$(rps_of "$out")" \
        "$(pct_ms "$out" 50%)" "$(pct_ms "$out" 99%)"
    done
  done
}

echo "== machine"
echo "nproc: $(nproc); cpu: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo); kernel: $(uname -sr)"
echo "binary: $binary; wrk: $(wrk -v 2>&1 | head -n 1); ulimit -n: $(ulimit -n)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "runs: wrk -t$wrk_threads -c$connections -d${duration}s --latency, $rounds rounds each; crowd: $idle idle + $slow slow"
echo
rss_start=$(rss_mib VmRSS)
wrk_run health "$work/warm.health" 1
wrk_run gateway "$work/warm.gateway" 1
phase alone
rss_alone=$(rss_mib VmRSS)

node "$here/crowd_holder.mjs" "$port" "$idle" "$slow" 600 >"$work/holder.out" 2>"$work/holder.err" &
holder_pid=$!
pids+=("$holder_pid")
for _ in $(seq 1200); do
  grep -q '"event":"held"' "$work/holder.out" && break
  kill -0 "$holder_pid" 2>/dev/null || { echo "run-crowd: the holder failed:" >&2; cat "$work/holder.err" >&2; exit 1; }
  sleep 0.1
done
grep -q '"event":"held"' "$work/holder.out" || { echo "run-crowd: the crowd was not held in 120 s" >&2; exit 1; }
echo "crowd: $(grep '"event":"held"' "$work/holder.out")"
open_held=$(metric mcp_admin_http_connections_open)
rss_held=$(rss_mib VmRSS)
phase crowd
open_after=$(metric mcp_admin_http_connections_open)
rss_after=$(rss_mib VmRSS)
hwm=$(rss_mib VmHWM)
echo "crowd at the end: $(tail -n 1 "$work/holder.out")"
kill -TERM "$holder_pid" 2>/dev/null || true
timed_out=$(metric mcp_admin_http_connections_timed_out_total)
refused=$(metric mcp_admin_http_connections_refused_total)
echo

echo "== summary (medians of $rounds runs)"
printf '%-10s %-8s %12s %10s %10s\n' phase endpoint "req/s" "p50 ms" "p99 ms"
for label in alone crowd; do
  for name in health gateway; do
    printf '%-10s %-8s %12s %10s %10s\n' "$label" "$name" "$(median_of <<<"${rps[$label.$name]}")" \
      "$(median_of <<<"${p50[$label.$name]}")" "$(median_of <<<"${p99[$label.$name]}")"
  done
done
for name in health gateway; do
  r=$(ratio "$(median_of <<<"${rps[crowd.$name]}")" "$(median_of <<<"${rps[alone.$name]}")")
  p=$(ratio "$(median_of <<<"${p99[crowd.$name]}")" "$(median_of <<<"${p99[alone.$name]}")")
  printf '%-8s req/s crowd / alone %s (target >= 0.80); p99 crowd / alone %s (target <= 2)\n' "$name" "$r" "$p"
done
echo "open connections (gauge) with the crowd held / after the crowd runs: $open_held / $open_after"
echo "RSS MiB: at start $rss_start, after the alone runs $rss_alone, crowd held $rss_held, after the crowd runs $rss_after, peak (VmHWM) $hwm (target <= 64)"
echo "connections timed out (slow ones cut at the header deadline, re-opened by the holder): $timed_out; refused: $refused"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
