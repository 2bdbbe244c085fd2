#!/usr/bin/env node
// Checks that every WIT package under wit/ parses and that each of its worlds encodes into
// a component (wasm-tools `component embed --dummy` + `component new`, run by jco), with the
// other wit/ packages it refers to laid out as deps/. Prints each world's imports.
//
//   npm run check:wit

import { mkdir, mkdtemp, rm, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { componentEmbed, componentNew, componentWit } from '@bytecodealliance/jco';
import { loadWitPackages, resolveDeps, worldsOf, writeDeps } from './lib/wit-packages.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const packages = await loadWitPackages(join(repoRoot, 'wit'));
let failures = 0;
let worldsChecked = 0;

for (const pkg of packages.values()) {
  const scratch = await mkdtemp(join(tmpdir(), `wit-${pkg.folder}-`));
  try {
    const witDir = join(scratch, 'wit');
    await mkdir(witDir, { recursive: true });
    for (const f of pkg.files) await copyFile(join(pkg.dir, f.name), join(witDir, f.name));
    const deps = resolveDeps(packages, pkg.text, pkg);
    await writeDeps(witDir, deps);
    const worlds = worldsOf(pkg.text);
    if (worlds.length === 0) throw new Error('declares no world');
    console.log(`wit/${pkg.folder}: ${pkg.id}${deps.length ? ` (deps: ${deps.map((d) => d.id).join(', ')})` : ''}`);
    for (const world of worlds) {
      const qualified = `${pkg.ns}:${pkg.name}/${world}${pkg.version ? '@' + pkg.version : ''}`;
      const core = await componentEmbed({ dummy: true, witPath: witDir, world: qualified });
      const component = await componentNew(core, []);
      const wit = await componentWit(component);
      const imports = [...wit.matchAll(/^\s*import\s+(.+?);\s*$/gm)].map((m) => m[1]);
      console.log(`  world ${world}: imports ${imports.join(', ') || 'nothing'}`);
      worldsChecked++;
    }
  } catch (e) {
    failures++;
    console.error(`error: wit/${pkg.folder} (${pkg.id}): ${e?.message ?? e}`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

console.log(`wit: ${packages.size} packages, ${worldsChecked} worlds checked, ${failures} failed`);
if (failures) process.exitCode = 1;
