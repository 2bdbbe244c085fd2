#!/usr/bin/env bash
# Builds everything and runs every test project; ends with one line "N passed, M failed[, K skipped]".
set -uo pipefail
cd "$(dirname "$0")/.."
CONFIG="${CONFIG:-Release}"
RESULTS="artifacts/test-results"
rm -rf "$RESULTS" && mkdir -p "$RESULTS"

if [ -f package.json ]; then
  [ -d node_modules ] || npm ci --no-audit --no-fund || { echo "npm ci failed"; echo "0 passed, 1 failed"; exit 1; }
  npm run --silent build:plugins || { echo "building the JavaScript plugins failed"; echo "0 passed, 1 failed"; exit 1; }
  npm run --silent build:examples || { echo "building the JavaScript examples failed"; echo "0 passed, 1 failed"; exit 1; }
fi

dotnet build Supervisor.sln -c "$CONFIG" -nologo -clp:ErrorsOnly || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

status=0
passed=0; failed=0; skipped=0
for proj in tests/*.Tests/*.Tests.csproj; do
  name=$(basename "$proj" .csproj)
  log="$RESULTS/$name.log"
  dotnet test "$proj" -c "$CONFIG" --no-build -nologo --logger "trx;LogFileName=$name.trx" --results-directory "$RESULTS" \
    2>&1 | tee "$log" | grep -E "^\s*Failed |Error Message|^\s+at Supervisor|Passed!|Failed!" || true
  rc=${PIPESTATUS[0]}
  trx="$RESULTS/$name.trx"
  counters=$(grep -o '<Counters [^>]*>' "$trx" 2>/dev/null | head -1)
  if [ -z "$counters" ]; then
    echo "$proj: no test results (exit $rc)"; failed=$((failed + 1)); status=1; continue
  fi
  attr() { local v; v=$(grep -oE " $1=\"[0-9]+\"" <<<"$counters" | grep -oE "[0-9]+"); echo "${v:-0}"; }
  total=$(attr total); p=$(attr passed); f=$(attr failed); e=$(attr error); t=$(attr timeout); a=$(attr aborted)
  f=$((f + e + t + a))
  s=$((total - p - f)); [ "$s" -lt 0 ] && s=0
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  echo "$name: $p passed, $f failed, $s skipped"
  [ "$rc" -ne 0 ] && status=1
done
[ "$failed" -gt 0 ] && status=1
if [ "$skipped" -gt 0 ]; then echo "$passed passed, $failed failed, $skipped skipped"; else echo "$passed passed, $failed failed"; fi
exit $status
