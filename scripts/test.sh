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
  log="$RESULTS/$(basename "$proj" .csproj).log"
  dotnet test "$proj" -c "$CONFIG" --no-build -nologo --logger "console;verbosity=normal" 2>&1 | tee "$log" | grep -E "^\s*(Failed|Passed!|Failed!|Skipped) |Error Message|^\s+at Supervisor" || true
  rc=${PIPESTATUS[0]}
  line=$(grep -E "(Passed|Failed)! +- +Failed: +[0-9]+, +Passed: +[0-9]+, +Skipped: +[0-9]+" "$log" | tail -1)
  if [ -z "$line" ]; then
    echo "$proj: no test summary (exit $rc)"; failed=$((failed + 1)); status=1; continue
  fi
  f=$(sed -E 's/.*Failed: +([0-9]+).*/\1/' <<<"$line")
  p=$(sed -E 's/.*Passed: +([0-9]+).*/\1/' <<<"$line")
  s=$(sed -E 's/.*Skipped: +([0-9]+).*/\1/' <<<"$line")
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  [ "$rc" -ne 0 ] && status=1
done
[ "$failed" -gt 0 ] && status=1
if [ "$skipped" -gt 0 ]; then echo "$passed passed, $failed failed, $skipped skipped"; else echo "$passed passed, $failed failed"; fi
exit $status
