#!/usr/bin/env bash
# Crash soak: runs the SIGKILL durability test (PDP-PERSIST-1) for many rounds (default 1000).
#   scripts/crash-soak.sh [rounds]
# Each round starts tests/Supervisor.Storage.Worker in crash-writer mode on a fresh SQLite store, kills it
# with SIGKILL at a random moment, reopens the store and checks every write the child acknowledged.
set -euo pipefail
rounds="${1:-1000}"
cd "$(dirname "$0")/.."
echo "crash soak: $rounds rounds"
start=$(date +%s)
SUPERVISOR_CRASH_ROUNDS="$rounds" dotnet test tests/Supervisor.Storage.Tests \
  --filter "FullyQualifiedName~Supervisor.Storage.Tests.Crash.CrashTests" \
  --logger "console;verbosity=detailed"
echo "crash soak: $rounds rounds passed in $(( $(date +%s) - start )) s"
