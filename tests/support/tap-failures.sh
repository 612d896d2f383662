#!/usr/bin/env bash
# Prints every failing TAP subtest of a CTest log with its YAML diagnostics, and the verdict lines
# of a failed fuzz target (sanitizer report, libFuzzer's reason, the crashing input), at most 200 lines.
# Usage: tests/support/tap-failures.sh build/Testing/Temporary/LastTest.log
set -euo pipefail
log=${1:?usage: tap-failures.sh CTEST_LOG}
[ -f "$log" ] || { echo "tap-failures: no log at $log" >&2; exit 1; }
echo "== failing subtests (from $log)"
awk '
  /^[0-9]+\/[0-9]+ Test: / { suite = $0 }
  match($0, /^ *not ok /) {
    if (suite != shown) { print "-- " suite; shown = suite }
    indent = RLENGTH - 7; inblock = 1; print; next
  }
  /FAILED \(exit |==[0-9]+==ERROR: |^SUMMARY: |deadly signal|ERROR: libFuzzer|Test unit written to|^    #[0-9] / {
    if (suite != shown) { print "-- " suite; shown = suite }
    print; next
  }
  inblock {
    print
    pad = sprintf("%" indent + 2 "s", "")
    if ($0 == pad "...") inblock = 0
  }
' "$log" | head -n 200
