#!/usr/bin/env bash
# Host-function fuzzing: wfuzz (every host function of wit/, imported with its exact types) calls one host function
# per call with random core arguments; prints calls made, outcomes, exceptions that escaped as anything but a
# PluginException, host crashes (the process dying) and host memory before/after.
#   scripts/fuzz-host.sh [CALLS=1000000] [SEED=1]
set -uo pipefail
cd "$(dirname "$0")/.."
CALLS="${1:-1000000}"
SEED="${2:-1}"
[ -d node_modules ] || npm ci --no-audit --no-fund >/dev/null || { echo "npm ci failed"; exit 2; }
npm run --silent build:fuzz || exit 2
dotnet build tests/Supervisor.Plugins.Worker -c Release -nologo -clp:ErrorsOnly >/dev/null || { echo "build failed"; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
started=$(date +%s)
line=$(dotnet tests/Supervisor.Plugins.Worker/bin/Release/net10.0/Supervisor.Plugins.Worker.dll \
  artifacts/fuzz "$work/cache" "$work/store.db" fuzz --fuzz "$CALLS" "$SEED")
rc=$?
echo "$line"
crashes=0
case $rc in
  0) ;;
  1) echo "exceptions escaped as other types than PluginException (see above)";;
  *) crashes=1; echo "the host process died (exit code $rc)";;
esac
echo "host crashes: $crashes; $(( $(date +%s) - started )) s"
[ "$rc" -eq 0 ]
