#!/usr/bin/env bash
# Composer fuzz: runs ComposerFuzzTests (PDP-ADAPT-3) with many more mutants per seed plugin (default 20000).
#   scripts/fuzz-composer.sh [iterations]
# Each seed (the WAT fixtures wkv, wdb, wsink, wsmuggle, walpha and the JavaScript plugins jskv2, jsdb, which
# `npm ci && npm run build:plugins` builds) is mutated [iterations] times; every mutant goes through
# ByteAdapter.Compose and, when composed, through Wasmtime (only the first composed mutant of each JavaScript
# plugin: compiling one takes seconds). A failure names the plugin, iteration and seed and saves the mutant under
# the temp directory; if the test host crashes, $TMPDIR/supervisor-composer-fuzz-current.txt names the mutant.
# Time on a 2-core machine: about 15 s of fixed cost (full compiles of 12 MB JavaScript components), plus
# about 2 ms per WAT mutant and 30 ms per JavaScript mutant: 2000 iterations take about 3 minutes, 20000 about 25.
set -euo pipefail
iterations="${1:-20000}"
cd "$(dirname "$0")/.."
echo "composer fuzz: $iterations mutants per seed"
start=$(date +%s)
SUPERVISOR_FUZZ_ITERATIONS="$iterations" dotnet test tests/Supervisor.Plugins.Tests -c Release \
  --filter "FullyQualifiedName~ComposerFuzzTests" \
  --logger "console;verbosity=detailed"
echo "composer fuzz: $iterations mutants per seed passed in $(( $(date +%s) - start )) s"
