#!/usr/bin/env bash
# Gateway authorization benchmark (README "Gateway authorization (forward auth)"), loopback only, bounded in time:
#   1. one `mcp-admin serve` on a temporary SQLite file (--seed, a bootstrap key, the request log at
#      info as JSON to a file, as deployed); set up through the admin API: an organization, the
#      `github` service enabled with a config, a MEMBER key;
#   2. wrk, BENCH_CONNECTIONS keep-alive connections and BENCH_WRK_THREADS threads, BENCH_DURATION
#      seconds a run, alternating GET /api/health, GET /api/v1/gateway/authorize?server=github
#      (Authorization: Bearer <the MEMBER key>) and the same with an OAuth access token (at+jwt,
#      signed here with a fresh RSA key the server is given) naming a tool call (Mcp-Method,
#      Mcp-Name) that the service's 50-glob tool policy is checked against, for BENCH_ROUNDS rounds
#      after a 1 s warm-up each: req/s and p99 (wrk --latency), medians and the ratios to health;
#   3. no database write per request: fsync/fdatasync/pwrite64 calls of the server counted with
#      strace during a BENCH_CHECK_SECONDS wrk run of each endpoint (counts only: strace slows the
#      server), and the key's usage_count (written by the once-a-second usage flush) against the
#      number of gateway answers wrk received.
#
#   tests/bench/run-gateway.sh [path/to/mcp-admin]
# Without a path it builds mcp-admin (Release) in BENCH_BUILD_DIR (default build-bench) with -j2.
# Knobs: BENCH_DURATION=10 (1..60), BENCH_ROUNDS=3 (1..5), BENCH_CONNECTIONS=32 (1..256),
# BENCH_WRK_THREADS=2, BENCH_CHECK_SECONDS=3 (1..10), BENCH_QUIET_WAIT=0 (seconds to wait, at most,
# for the machine to be under 10% busy first). Nothing here is a test: no timing is asserted; the
# script fails only when something does not work (a non-2xx answer, a socket error, a failed setup).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
duration=${BENCH_DURATION:-10}
rounds=${BENCH_ROUNDS:-3}
connections=${BENCH_CONNECTIONS:-32}
wrk_threads=${BENCH_WRK_THREADS:-2}
check_seconds=${BENCH_CHECK_SECONDS:-3}
bench_build=${BENCH_BUILD_DIR:-$top/build-bench}
for value in "$duration" "$rounds" "$connections" "$wrk_threads" "$check_seconds" "${BENCH_QUIET_WAIT:-0}"; do
  [[ "$value" =~ ^[0-9]+$ ]] || { echo "run-gateway: '$value' is not a number" >&2; exit 2; }
done
if [ "$duration" -lt 1 ] || [ "$duration" -gt 60 ] || [ "$rounds" -lt 1 ] || [ "$rounds" -gt 5 ] ||
   [ "$connections" -lt 1 ] || [ "$connections" -gt 256 ] || [ "$wrk_threads" -lt 1 ] || [ "$wrk_threads" -gt 16 ] ||
   [ "$check_seconds" -lt 1 ] || [ "$check_seconds" -gt 10 ]; then
  echo "run-gateway: BENCH_DURATION 1..60, BENCH_ROUNDS 1..5, BENCH_CONNECTIONS 1..256, BENCH_WRK_THREADS 1..16," \
       "BENCH_CHECK_SECONDS 1..10" >&2
  exit 2
fi

# wrk, curl, sqlite3, node (and the build dependencies): idempotent.
"$top/packaging/install-deps.sh" --test

if [ $# -ge 1 ]; then
  binary=$(realpath "$1")
else
  mkdir -p "$bench_build"
  cmake -S "$top" -B "$bench_build" -DCMAKE_BUILD_TYPE=Release >"$bench_build/configure.log" 2>&1 || {
    cat "$bench_build/configure.log" >&2; exit 1; }
  cmake --build "$bench_build" -j2 --target mcp-admin >"$bench_build/gateway-build.log" 2>&1 || {
    tail -n 30 "$bench_build/gateway-build.log" >&2; exit 1; }
  binary="$bench_build/mcp-admin"
fi
[ -x "$binary" ] || { echo "run-gateway: no executable at $binary" >&2; exit 2; }

work=$(mktemp -d /tmp/mcp-admin-bench-gateway.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"  # no .env / .env.local of the caller's may leak into the server
unset DATABASE_URL HOST PORT CLERK_WEBHOOK_SECRET CLERK_JWT_KEY CLERK_JWKS_FILE CLERK_AUTHORIZED_PARTIES \
  NODE_ENV MCP_ADMIN_ENV MCP_ADMIN_BOOTSTRAP_KEY LOG_LEVEL LOG_FORMAT CLERK_ROLE_MAP MCP_ADMIN_HTTP_THREADS \
  MCP_ADMIN_TLS_CERT MCP_ADMIN_TLS_KEY MCP_ADMIN_DB_POOL MCP_ADMIN_TRUSTED_PROXIES

cpu_busy_pct() {
  local a b
  a=($(head -n 1 /proc/stat)); sleep 1; b=($(head -n 1 /proc/stat))
  local idle=$(( (b[4] + b[5]) - (a[4] + a[5]) )) total=0 idx
  for idx in 1 2 3 4 5 6 7 8; do total=$(( total + b[idx] - a[idx] )); done
  echo $(( total > 0 ? 100 * (total - idle) / total : 0 ))
}
wait_for_quiet() {
  local waited=0 busy
  busy=$(cpu_busy_pct)
  while [ "$busy" -ge 10 ] && [ "$waited" -lt "${BENCH_QUIET_WAIT:-0}" ]; do
    sleep 4; waited=$((waited + 5)); busy=$(cpu_busy_pct)
  done
  echo "$busy"
}

# One field of a JSON document on stdin.
json_field() {
  node -e 'let s = ""; process.stdin.on("data", (d) => { s += d; }).on("end", () => {
    const v = JSON.parse(s)[process.argv[1]]; if (v === undefined) process.exit(1); console.log(v); })' "$1"
}

bootstrap="mcp_sk_$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
db="$work/gateway.db"
# The OAuth side: a key pair standing in for Clerk's, the user and the membership the token is for.
public_url=http://localhost
issuer=https://clerk.bench.test
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/jwt.key" 2>/dev/null
openssl pkey -in "$work/jwt.key" -pubout -out "$work/jwt.pub"
cat >"$work/world.json" <<'JSON'
{"organizations": [{"clerk_id": "org_bench", "name": "Bench Org", "slug": "bench-org"}],
 "users": [{"clerk_id": "user_bench", "email": "bench@bench.test"}],
 "memberships": [{"organization": "org_bench", "user": "user_bench", "role": "MEMBER"}]}
JSON
LOG_LEVEL=info LOG_FORMAT=json "$binary" serve --port 0 --database "file:$db" --seed --bootstrap-key "$bootstrap" \
  --fixture "$work/world.json" --jwt-key "$(cat "$work/jwt.pub")" --public-url "$public_url" --clerk-issuer "$issuer" \
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
[ -n "$url" ] || { echo "run-gateway: mcp-admin did not start:" >&2; cat "$work/requests.log" >&2; exit 1; }

# api METHOD PATH [JSON]: the body on stdout; fails unless 2xx.
api() {
  local out status
  out=$(curl -sS -o "$work/api.body" -w '%{http_code}' -X "$1" "$url$2" -H "Authorization: Bearer $bootstrap" \
        -H 'Content-Type: application/json' ${3:+--data "$3"})
  status=$out
  if [ "${status:0:1}" != 2 ]; then
    echo "run-gateway: $1 $2 answered $status: $(cat "$work/api.body")" >&2
    exit 1
  fi
  cat "$work/api.body"
}

org_id=$(api GET /api/v1/organizations/org_bench | json_field id)
# 50 globs: 25 deny (none matches), 25 allow with the one that matches last.
policy=$(node -e 'const deny = [], allow = [];
  for (let i = 0; i < 25; i += 1) deny.push(`danger_${i}_*`);
  for (let i = 0; i < 24; i += 1) allow.push(`tool_${i}_*`);
  allow.push("search_*");
  console.log(JSON.stringify({ allow, deny }));')
api PUT "/api/v1/organizations/$org_id/services/github" \
  "{\"config\":{\"repository\":\"bench/widgets\",\"read_only\":true},\"tool_policy\":$policy}" >/dev/null
created=$(api POST "/api/v1/organizations/$org_id/api-keys" '{"name":"bench gateway","role":"MEMBER"}')
key_id=$(json_field id <<<"$created")
member_key=$(json_field key <<<"$created")
gateway_path="/api/v1/gateway/authorize?server=github"
check=$(curl -sS -o /dev/null -w '%{http_code}' "$url$gateway_path" -H "Authorization: Bearer $member_key")
[ "$check" = 200 ] || { echo "run-gateway: the gateway answered $check for the MEMBER key" >&2; exit 1; }
# An access token as Clerk issues them to MCP clients, signed with jose (tests/interop's copy).
[ -d "$top/tests/interop/node_modules/jose" ] || (cd "$top/tests/interop" && npm ci --silent --no-audit --no-fund)
access_token=$(NODE_PATH="$top/tests/interop/node_modules" node -e '
  const { SignJWT, importPKCS8 } = require("jose");
  const [keyFile, iss, aud] = process.argv.slice(1);
  importPKCS8(require("fs").readFileSync(keyFile, "utf8"), "RS256").then((key) => new SignJWT({ client_id: "bench_client", scope: "profile email" })
    .setProtectedHeader({ alg: "RS256", typ: "at+jwt", kid: "bench" }).setSubject("user_bench").setIssuer(iss)
    .setAudience(aud).setIssuedAt().setExpirationTime("2h").sign(key)).then((t) => console.log(t));
' -- "$work/jwt.key" "$issuer" "$public_url/mcp/github")
oauth_headers=(-H "Authorization: Bearer $access_token" -H "Mcp-Method: tools/call" -H "Mcp-Name: search_code")
check=$(curl -sS -o "$work/oauth.check" -w '%{http_code}' "$url$gateway_path" "${oauth_headers[@]}")
[ "$check" = 200 ] || { echo "run-gateway: the gateway answered $check for the access token: $(cat "$work/oauth.check")" >&2; exit 1; }
check=$(curl -sS -o /dev/null -w '%{http_code}' "$url$gateway_path" -H "Authorization: Bearer $access_token" \
  -H "Mcp-Method: tools/call" -H "Mcp-Name: delete_everything")
[ "$check" = 403 ] || { echo "run-gateway: a tool outside the policy answered $check, not 403" >&2; exit 1; }

# wrk_run NAME OUT [seconds]: one wrk run against the endpoint NAME (health | gateway | oauth).
wrk_run() {
  local name=$1 out=$2 seconds=${3:-$duration}
  if [ "$name" = gateway ]; then
    wrk -t"$wrk_threads" -c"$connections" -d"${seconds}s" --latency -H "Authorization: Bearer $member_key" \
      "$url$gateway_path" >"$out"
  elif [ "$name" = oauth ]; then
    wrk -t"$wrk_threads" -c"$connections" -d"${seconds}s" --latency "${oauth_headers[@]}" "$url$gateway_path" >"$out"
  else
    wrk -t"$wrk_threads" -c"$connections" -d"${seconds}s" --latency "$url/api/health" >"$out"
  fi
  if grep -q "Non-2xx or 3xx" "$out" || grep -q "Socket errors" "$out"; then
    echo "run-gateway: wrk saw errors against $name:" >&2
    cat "$out" >&2
    exit 1
  fi
}
rps_of() { awk '/^Requests\/sec:/ { print $2 }' "$1"; }
requests_of() { awk '/ requests in / { print $1 }' "$1"; }
# A latency percentile of wrk --latency, in ms.
pct_ms() {
  awk -v pct="$2" '$1 == pct {
    v = $2; unit = v; sub(/^[0-9.]+/, "", unit); sub(/[a-z]+$/, "", v);
    if (unit == "us") v /= 1000; else if (unit == "s") v *= 1000; else if (unit == "m") v *= 60000;
    printf "%.3f", v }' "$1"
}
median_of() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

echo "== machine"
echo "nproc: $(nproc); cpu: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo); kernel: $(uname -sr)"
echo "binary: $binary; wrk: $(wrk -v 2>&1 | head -n 1)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); CPU busy the second before: $(wait_for_quiet)%"
echo "runs: wrk -t$wrk_threads -c$connections -d${duration}s --latency, $rounds rounds, health and gateway alternating;" \
     "SQLite file database, request log (info, JSON) to a file"
echo

gateway_answers=0
count_gateway() { gateway_answers=$(( gateway_answers + $(requests_of "$1") )); }

wrk_run health "$work/warm.health" 1
wrk_run gateway "$work/warm.gateway" 1
count_gateway "$work/warm.gateway"
wrk_run oauth "$work/warm.oauth" 1

declare -A rps_list p50_list p99_list
echo "== runs"
for round in $(seq "$rounds"); do
  for name in health gateway oauth; do
    out="$work/wrk.$name.$round"
    wrk_run "$name" "$out"
    [ "$name" = gateway ] && count_gateway "$out"
    rps_list[$name]+="$(rps_of "$out") "
    p50_list[$name]+="$(pct_ms "$out" 50%) "
    p99_list[$name]+="$(pct_ms "$out" 99%) "
    printf 'round %s %-8s %10s req/s  p50 %7s ms  p99 %7s ms\n' "$round" "$name" "$(rps_of "$out")" \
      "$(pct_ms "$out" 50%)" "$(pct_ms "$out" 99%)"
  done
done
echo

# ---- no database write per request
# strace_count NAME: the server's fsync/fdatasync/pwrite64 calls during a check run of NAME.
strace_count() {
  local name=$1
  strace -f -qq -c -e trace=fsync,fdatasync,pwrite64 -o "$work/strace.$name" -p "$server_pid" &
  local tracer=$!
  sleep 0.5
  wrk_run "$name" "$work/check.$name" "$check_seconds"
  kill -INT "$tracer"; wait "$tracer" 2>/dev/null || true
  local syncs writes
  syncs=$(awk '$NF == "fsync" || $NF == "fdatasync" { n += $4 } END { print n + 0 }' "$work/strace.$name")
  writes=$(awk '$NF == "pwrite64" { n += $4 } END { print n + 0 }' "$work/strace.$name")
  echo "$(requests_of "$work/check.$name") $syncs $writes"
}
usage_count() { sqlite3 -cmd '.timeout 5000' "$db" "SELECT usage_count FROM api_keys WHERE id = '$key_id'"; }

write_check=0
if command -v strace >/dev/null 2>&1; then
  write_check=1
  read -r health_check_requests health_syncs health_pwrites < <(strace_count health)
  read -r gateway_check_requests gateway_syncs gateway_pwrites < <(strace_count gateway)
  gateway_answers=$(( gateway_answers + gateway_check_requests ))
fi
sleep 2  # the usage flush runs once a second
usage=$(usage_count)
log_lines=$(wc -l <"$work/requests.log")

health_rps=$(median_of <<<"${rps_list[health]}")
gateway_rps=$(median_of <<<"${rps_list[gateway]}")
health_p99=$(median_of <<<"${p99_list[health]}")
gateway_p99=$(median_of <<<"${p99_list[gateway]}")
health_p50=$(median_of <<<"${p50_list[health]}")
gateway_p50=$(median_of <<<"${p50_list[gateway]}")
oauth_rps=$(median_of <<<"${rps_list[oauth]}")
oauth_p50=$(median_of <<<"${p50_list[oauth]}")
oauth_p99=$(median_of <<<"${p99_list[oauth]}")

echo "== summary (medians of $rounds rounds; each run's figures above)"
printf '%-44s %s\n' "health req/s (runs)" "$health_rps (${rps_list[health]% })"
printf '%-44s %s\n' "gateway req/s (runs)" "$gateway_rps (${rps_list[gateway]% })"
printf '%-44s %s\n' "req/s ratio gateway / health" "$(ratio "$gateway_rps" "$health_rps")   (target >= 0.90)"
printf '%-44s %s\n' "p50 ms health / gateway" "$health_p50 / $gateway_p50"
printf '%-44s %s\n' "p99 ms health / gateway (runs)" "$health_p99 / $gateway_p99 (${p99_list[health]% }; ${p99_list[gateway]% })"
printf '%-44s %s\n' "p99 ratio gateway / health" "$(ratio "$gateway_p99" "$health_p99")   (target <= 1.25)"
printf '%-44s %s\n' "oauth+policy req/s (runs)" "$oauth_rps (${rps_list[oauth]% })"
printf '%-44s %s\n' "req/s ratio oauth+policy / health" "$(ratio "$oauth_rps" "$health_rps")   (target >= 0.90)"
printf '%-44s %s\n' "p50 / p99 ms oauth+policy (p99 runs)" "$oauth_p50 / $oauth_p99 (${p99_list[oauth]% })"
printf '%-44s %s\n' "p99 ratio oauth+policy / health" "$(ratio "$oauth_p99" "$health_p99")   (target <= 1.25)"
if [ "$write_check" = 1 ]; then
  printf '%-44s %s\n' "check run, health: answers / fsyncs / pwrites" "$health_check_requests / $health_syncs / $health_pwrites"
  printf '%-44s %s\n' "check run, gateway: answers / fsyncs / pwrites" "$gateway_check_requests / $gateway_syncs / $gateway_pwrites"
else
  printf '%-44s %s\n' "fsync count" "skipped: no strace"
fi
printf '%-44s %s\n' "key usage_count / gateway answers wrk got" "$usage / $gateway_answers (+1 setup check; in-flight answers at each run's end count too)"
printf '%-44s %s\n' "request log lines" "$log_lines"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
