#!/usr/bin/env bash
# Packs the project's packages into one folder (a local feed): scripts/pack.sh [--libraries] [OUT]
#   Supervisor.Storage, Supervisor.Storage.Redis, Supervisor.Plugins: .nupkg + .snupkg (symbols, source link)
#   Supervisor.Cli (the `supervisor` tool): a small pointer package, one framework-dependent package per platform
#     (only that platform's native Wasmtime and SQLite), and a portable fallback (Supervisor.Cli.any.*) for others.
# --libraries packs only the three libraries (what an app references). OUT defaults to artifacts/packages.
# Environment: CONFIG (Release), VERSION_SUFFIX (e.g. ci.42: a prerelease version). Packing warns nowhere: -warnaserror.
set -euo pipefail
cd "$(dirname "$0")/.."
libs_only=0
if [ "${1:-}" = "--libraries" ]; then libs_only=1; shift; fi
OUT="${1:-artifacts/packages}"
CONFIG="${CONFIG:-Release}"
mkdir -p "$OUT"; OUT="$(cd "$OUT" && pwd)"
args=(-c "$CONFIG" -o "$OUT" -nologo -warnaserror -clp:ErrorsOnly)
[ -n "${VERSION_SUFFIX:-}" ] && args+=("--version-suffix" "$VERSION_SUFFIX")

for p in Supervisor.Storage Supervisor.Storage.Redis Supervisor.Plugins; do
  dotnet pack "src/$p/$p.csproj" "${args[@]}"
done
if [ "$libs_only" = 0 ]; then
  # SupervisorRidTool switches the CLI project to RID-specific tool packages (see its .csproj); a plain build or
  # `dotnet pack src/Supervisor.Cli` without it stays RID-agnostic (one portable package).
  dotnet pack src/Supervisor.Cli/Supervisor.Cli.csproj "${args[@]}" -p:SupervisorRidTool=true
fi
ls -l "$OUT"
