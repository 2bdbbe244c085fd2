#!/usr/bin/env bash
# Mutation testing with Stryker.NET (a local tool: .config/dotnet-tools.json): breaks the code in small ways, one at a
# time, and counts the mutants the tests catch. Prints the score per project; the HTML report goes to
# artifacts/mutation/<project>/reports/mutation-report.html.
#
#   scripts/mutation.sh storage [--mutate GLOB ...]   # Supervisor.Storage (engine, backends, sync) against its tests
#   scripts/mutation.sh plugins [--mutate GLOB ...]   # Supervisor.Plugins (default: the host interfaces)
#   scripts/mutation.sh redis [--mutate GLOB ...]     # Supervisor.Storage.Redis against its tests (they start redis-server)
#
# MUTATION_NAME=<name> keeps each file group's report apart: artifacts/mutation/<name>/ (default: the target).
#
# Sized for a 2-core machine: two test runners at once (STRYKER_CONCURRENCY=1 when the CPU is shared). A whole project takes hours here (two small files took 6
# minutes); narrow it with --mutate, e.g. --mutate "**/Sync/*.cs".
set -uo pipefail
cd "$(dirname "$0")/.."
target="${1:-storage}"; shift || true
case "$target" in
  storage) tests=tests/Supervisor.Storage.Tests; project=Supervisor.Storage.csproj; default=() ;;
  plugins) tests=tests/Supervisor.Plugins.Tests; project=Supervisor.Plugins.csproj; default=(--mutate "**/HostApi/*Host.cs") ;;
  redis) tests=tests/Supervisor.Storage.Redis.Tests; project=Supervisor.Storage.Redis.csproj; default=() ;;
  *) echo "usage: scripts/mutation.sh storage|plugins|redis [--mutate GLOB ...]"; exit 2 ;;
esac
[ $# -gt 0 ] && default=()
dotnet tool restore >/dev/null || { echo "dotnet tool restore failed"; exit 2; }
name="${MUTATION_NAME:-$target}"
out="$PWD/artifacts/mutation/$name"
rm -rf "$out" && mkdir -p "$(dirname "$out")"
(cd "$tests" && dotnet stryker --project "$project" --configuration Release --concurrency "${STRYKER_CONCURRENCY:-2}" \
  --output "$out" --reporter progress --reporter cleartext --reporter html --reporter json "${default[@]}" "$@") | tee "$out.log" | grep -E "final mutation score|│ .*[0-9]+\.[0-9]+ " || true
score=$(grep -oE "final mutation score is [0-9.]+ ?%" "$out.log" | tail -1)
echo "$name: ${score:-no score (see $out.log)} in $((SECONDS / 60)) min; report: $out/reports/mutation-report.html"
