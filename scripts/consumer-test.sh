#!/usr/bin/env bash
# The consumer test: an app made by `dotnet new console` in a temp folder outside the repository takes
# Supervisor.Plugins (and Supervisor.Storage.Redis) from a local folder feed of freshly packed packages, everything
# else from the NuGet sources this machine is configured with; it loads the walpha WAT fixture and calls
# walpha:plugin/api.set then .get (sync, then async through PluginSupervisor.CallAsync).
# Every .cs file in $SNIPPETS_DIR (the guides' C# blocks, written by tests/Supervisor.Packaging.Tests) is compiled
# into the same app, so the guides compile against the packages as a user gets them.
# Usage: scripts/consumer-test.sh   Environment: CONFIG (Release), PACK_NO_BUILD=1 (the libraries are already built
# in $CONFIG: pack without building), SNIPPETS_DIR, KEEP=1 (keep the temp folder). Prints "consumer: ok" at the end.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
CONFIG="${CONFIG:-Release}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/supervisor-consumer.XXXXXX")"
# A version of its own per run: the global packages folder never serves an older build of ours.
VERSION_SUFFIX="consumer.$(date +%Y%m%d%H%M%S).$$"
VERSION="0.1.0-$VERSION_SUFFIX"
cleanup() {
  rm -rf "${NUGET_PACKAGES:-$HOME/.nuget/packages}"/supervisor.{storage,storage.redis,plugins}/"$VERSION"
  [ "${KEEP:-0}" = 1 ] && echo "kept $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

FEED="$WORK/feed"; APP="$WORK/app"
t0=$(date +%s.%N)
(
  cd "$REPO"
  args=(-c "$CONFIG" -o "$FEED" -nologo -warnaserror -clp:ErrorsOnly --version-suffix "$VERSION_SUFFIX")
  [ "${PACK_NO_BUILD:-0}" = 1 ] && args+=(--no-build)
  for p in Supervisor.Storage Supervisor.Storage.Redis Supervisor.Plugins; do
    dotnet pack "src/$p/$p.csproj" "${args[@]}"
  done
)
t_pack=$(date +%s.%N)

dotnet new console -o "$APP" -n ConsumerApp --framework net10.0 >/dev/null
cd "$APP"
# The local feed serves Supervisor.*; every source the machine already has serves the rest (package source mapping).
names=$(dotnet nuget list source 2>/dev/null | sed -nE 's/^ *[0-9]+\. +(.+) \[Enabled\]$/\1/p')
[ -n "$names" ] || echo "warning: no NuGet source is configured on this machine: only the local feed and the cache" >&2
{
  echo '<?xml version="1.0" encoding="utf-8"?>'
  echo '<configuration>'
  echo '  <packageSources>'
  echo "    <add key=\"supervisor-local\" value=\"$FEED\" />"
  echo '  </packageSources>'
  echo '  <packageSourceMapping>'
  echo '    <packageSource key="supervisor-local"><package pattern="Supervisor.*" /></packageSource>'
  while read -r name; do
    if [ -n "$name" ]; then echo "    <packageSource key=\"$name\"><package pattern=\"*\" /></packageSource>"; fi
  done <<<"$names"
  echo '  </packageSourceMapping>'
  echo '</configuration>'
} > nuget.config

cat > ConsumerApp.csproj <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <Nullable>enable</Nullable>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
    <!-- The guides' blocks are fragments: unused variables and unawaited results there are not the point. -->
    <NoWarn>\$(NoWarn);CS0168;CS0219;CS8321;CS1998;CS4014;CS8600;CS8602;CS8604</NoWarn>
    <!-- The host's WIT from the package, copied into the output (buildTransitive/Supervisor.Plugins.targets). -->
    <SupervisorCopyWit>true</SupervisorCopyWit>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Supervisor.Plugins" Version="$VERSION" />
    <PackageReference Include="Supervisor.Storage.Redis" Version="$VERSION" />
    <!-- What the embedding guide names: AddSimpleConsole, and the DI container. -->
    <PackageReference Include="Microsoft.Extensions.Logging.Console" Version="10.0.0" />
    <PackageReference Include="Microsoft.Extensions.DependencyInjection" Version="10.0.0" />
  </ItemGroup>
</Project>
XML

cat > Program.cs <<'CS'
using System.Diagnostics;
using System.Text;
using Supervisor.Plugins;
using Supervisor.Storage;

var sw = Stopwatch.StartNew();
using var supervisor = PluginSupervisor.Create(new SupervisorOptions
{
    PluginDirectory = args[0],
    CacheDirectory = args[1],
    Storage = new StorageOptions { Backend = "memory" },
});
supervisor.Call("walpha:plugin/api.set", "greeting", Encoding.UTF8.GetBytes("hello"));
var got = supervisor.Call("walpha:plugin/api.get", "greeting") as byte[];
var firstMs = sw.Elapsed.TotalMilliseconds;
if (got is null || Encoding.UTF8.GetString(got) != "hello") { Console.Error.WriteLine("sync get returned the wrong value"); return 1; }
Console.WriteLine($"sync: ok (create + first set and get: {firstMs:F0} ms)");

await supervisor.CallAsync("walpha:plugin/api.set", ["greeting2", Encoding.UTF8.GetBytes("hello async")]);
var got2 = await supervisor.CallAsync("walpha:plugin/api.get", ["greeting2"]) as byte[];
if (got2 is null || Encoding.UTF8.GetString(got2) != "hello async") { Console.Error.WriteLine("async get returned the wrong value"); return 1; }
Console.WriteLine("async: ok");
return 0;
CS

if [ -n "${SNIPPETS_DIR:-}" ] && ls "$SNIPPETS_DIR"/*.cs >/dev/null 2>&1; then
  mkdir -p Snippets && cp "$SNIPPETS_DIR"/*.cs Snippets/
  echo "guide blocks compiled into the app: $(ls Snippets | wc -l)"
fi
mkdir -p plugins/walpha
cp "$REPO/tests/Supervisor.Plugins.Tests/Fixtures/plugins/walpha/plugin.wat" plugins/walpha/plugin.wat

dotnet build -c Release -nologo -clp:ErrorsOnly -v:q
t_build=$(date +%s.%N)
[ -f bin/Release/net10.0/wit/host-common/world.wit ] || { echo "the package's WIT was not copied into the output"; exit 1; }
echo "wit: copied into the output ($(find bin/Release/net10.0/wit -name '*.wit' | wc -l) files)"

# First call with an empty compile cache, then again with it warm (wall time of the whole process).
run() { local s e; s=$(date +%s.%N); dotnet bin/Release/net10.0/ConsumerApp.dll plugins "$WORK/cache"; e=$(date +%s.%N); awk -v s="$s" -v e="$e" -v w="$1" 'BEGIN { printf "%s cache: process wall time %.2f s\n", w, e - s }'; }
run cold
run warm
awk -v a="$t0" -v b="$t_pack" -v c="$t_build" 'BEGIN { printf "pack %.1f s, new + restore + build %.1f s\n", b - a, c - b }'
echo "consumer: ok"
