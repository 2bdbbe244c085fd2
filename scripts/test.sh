#!/usr/bin/env bash
# Builds everything and runs every test project; ends with one line "N passed, M failed[, K skipped]".
set -uo pipefail
cd "$(dirname "$0")/.."
CONFIG="${CONFIG:-Release}"
RESULTS="artifacts/test-results"
rm -rf "$RESULTS" && mkdir -p "$RESULTS"

if [ -f package.json ]; then
  [ -d node_modules ] || npm ci --no-audit --no-fund || { echo "npm ci failed"; echo "0 passed, 1 failed"; exit 1; }
  npm run --silent build:host-reference -- --check || { echo "the host reference component is stale"; echo "0 passed, 1 failed"; exit 1; }
  npm run --silent build:fuzz || { echo "building the fuzz plugin failed"; echo "0 passed, 1 failed"; exit 1; }
  npm run --silent build:plugins || { echo "building the JavaScript plugins failed"; echo "0 passed, 1 failed"; exit 1; }
  npm run --silent build:examples || { echo "building the JavaScript examples failed"; echo "0 passed, 1 failed"; exit 1; }
fi

dotnet build Supervisor.sln -c "$CONFIG" -nologo -clp:ErrorsOnly || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

status=0
passed=0; failed=0; skipped=0
# run_project PROJECT NAME [VAR=VALUE ...]: one test run, counted from its TRX file.
run_project() {
  local proj="$1" name="$2"; shift 2
  local log="$RESULTS/$name.log"
  env "$@" dotnet test "$proj" -c "$CONFIG" --no-build -nologo --logger "trx;LogFileName=$name.trx" --results-directory "$RESULTS" \
    2>&1 | tee "$log" | grep -E "^\s*Failed |Error Message|^\s+at Supervisor|Passed!|Failed!" || true
  local rc=${PIPESTATUS[0]}
  local trx="$RESULTS/$name.trx"
  local counters
  counters=$(grep -o '<Counters [^>]*>' "$trx" 2>/dev/null | head -1)
  if [ -z "$counters" ]; then
    echo "$proj: no test results (exit $rc)"; failed=$((failed + 1)); status=1; return
  fi
  attr() { local v; v=$(grep -oE " $1=\"[0-9]+\"" <<<"$counters" | grep -oE "[0-9]+"); echo "${v:-0}"; }
  local total p f e t a s
  total=$(attr total); p=$(attr passed); f=$(attr failed); e=$(attr error); t=$(attr timeout); a=$(attr aborted)
  f=$((f + e + t + a))
  s=$((total - p - f)); [ "$s" -lt 0 ] && s=0
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  echo "$name: $p passed, $f failed, $s skipped"
  [ "$rc" -ne 0 ] && status=1
}

for proj in tests/*.Tests/*.Tests.csproj; do
  run_project "$proj" "$(basename "$proj" .csproj)"
done
# Every plugin suite passes with the byte adapter off too (PDP-ADAPT-1): the same project, adapter off by default.
run_project tests/Supervisor.Plugins.Tests/Supervisor.Plugins.Tests.csproj Supervisor.Plugins.Tests.AdapterOff SUPERVISOR_TEST_BYTE_ADAPTER=off
[ "$failed" -gt 0 ] && status=1
if [ "$skipped" -gt 0 ]; then echo "$passed passed, $failed failed, $skipped skipped"; else echo "$passed passed, $failed failed"; fi
exit $status
