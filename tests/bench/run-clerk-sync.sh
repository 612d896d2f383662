#!/usr/bin/env bash
# `clerk sync` benchmark (issue 12), loopback only: the tests' stand-in for Clerk's Backend API
# serves BENCH_USERS users, BENCH_ORGS organizations and one membership per user (Clerk's shapes,
# pages of 500); `mcp-admin clerk sync` runs twice on a fresh SQLite file: the first run creates
# everything, the second finds it all unchanged. Reported: objects/s (objects read, from the
# command's --json summary, over the whole process's wall time: start and migrations included) and
# peak RSS (GNU time's maximum resident set size).
#   tests/bench/run-clerk-sync.sh [path/to/mcp-admin]      (default build/mcp-admin)
# Knobs: BENCH_USERS=100000, BENCH_ORGS=10000, BENCH_ENGINE=sqlite|postgres. Nothing here is a
# test: no timing is asserted.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
binary=$(realpath "${1:-$top/build/mcp-admin}")
users=${BENCH_USERS:-100000}
orgs=${BENCH_ORGS:-10000}
engine=${BENCH_ENGINE:-sqlite}
for value in "$users" "$orgs"; do
  [[ "$value" =~ ^[0-9]+$ ]] || { echo "run-clerk-sync: '$value' is not a number" >&2; exit 2; }
done
if [ "$users" -lt 1000 ] || [ "$users" -gt 1000000 ] || [ "$orgs" -lt 1 ] || [ "$orgs" -gt "$users" ]; then
  echo "run-clerk-sync: BENCH_USERS 1000..1000000, BENCH_ORGS 1..BENCH_USERS" >&2
  exit 2
fi
case "$engine" in sqlite|postgres) ;; *) echo "run-clerk-sync: BENCH_ENGINE is sqlite or postgres" >&2; exit 2 ;; esac
[ -x "$binary" ] || { echo "run-clerk-sync: no executable at $binary" >&2; exit 2; }

"$top/packaging/install-deps.sh" --test
[ -d "$top/tests/interop/node_modules" ] || (cd "$top/tests/interop" && npm ci --silent)

work=$(mktemp -d /tmp/mcp-admin-bench-clerk-sync.XXXXXX)
chmod 755 "$work"  # the PostgreSQL cluster runs as the postgres user
standin_pid=
cleanup() {
  [ -n "$standin_pid" ] && kill -TERM "$standin_pid" 2>/dev/null && wait "$standin_pid" 2>/dev/null || true
  bash "$top/tests/support/pg-cluster.sh" stop "$work/cluster" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
unset DATABASE_URL CLERK_SECRET_KEY CLERK_API_URL LOG_LEVEL LOG_FORMAT CLERK_ROLE_MAP

secret="sk_test_$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
node "$here/clerk_standin_server.mjs" "$secret" "$users" "$orgs" >"$work/standin.out" 2>"$work/standin.err" &
standin_pid=$!
for _ in $(seq 1 100); do
  grep -q '"url"' "$work/standin.out" 2>/dev/null && break
  sleep 0.1
done
api_url=$(sed -n 's/.*"url":"\([^"]*\)".*/\1/p' "$work/standin.out")
[ -n "$api_url" ] || { echo "run-clerk-sync: the stand-in did not start" >&2; cat "$work/standin.err" >&2; exit 1; }

if [ "$engine" = postgres ]; then
  database=$(bash "$top/tests/support/pg-cluster.sh" start "$work/cluster")
else
  database="file:$work/bench.db"
fi

echo "clerk sync: $users users, $orgs organizations, $users memberships; engine $engine; stand-in $api_url"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| run | objects | seconds | objects/s | peak RSS (MiB) | applied | unchanged |\n| --- | --- | --- | --- | --- | --- | --- |\n'
for run in first second; do
  CLERK_SECRET_KEY="$secret" CLERK_API_URL="$api_url" LOG_LEVEL=warn \
    /usr/bin/time -f '%M %e' -o "$work/$run.rss" "$binary" clerk sync --json --database "$database" \
    >"$work/$run.json" 2>"$work/$run.err" || { echo "run-clerk-sync: the $run run failed:" >&2; cat "$work/$run.err" >&2; exit 1; }
  node -e '
    const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const [rssKiB, wall] = require("fs").readFileSync(process.argv[2], "utf8").trim().split("\n").pop().split(" ").map(Number);
    console.log(`| ${process.argv[3]} | ${s.read} | ${wall.toFixed(1)} | ${Math.round(s.read / wall)} | ${(rssKiB / 1024).toFixed(1)} | ${s.applied} | ${s.unchanged} |`);
  ' "$work/$run.json" "$work/$run.rss" "$run"
done
