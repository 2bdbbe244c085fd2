#!/usr/bin/env node
// Builds the host's reference component: a component importing every interface of every WIT
// package under wit/ (each package's `imports` world), with the exact types wit-parser gives
// them. The supervisor reads its import types as the catalog every plugin import is checked
// against, so the host's types come from wit/ and nowhere else.
//
//   npm run build:host-reference            writes src/Supervisor.Plugins/HostApi/host-interfaces.wasm
//   npm run build:host-reference -- --check fails when that file is not what wit/ gives

import { mkdir, mkdtemp, rm, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { componentEmbed, componentNew } from '@bytecodealliance/jco';
import { loadWitPackages, writeDeps, worldsOf } from './lib/wit-packages.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(repoRoot, 'src', 'Supervisor.Plugins', 'HostApi', 'host-interfaces.wasm');
const check = process.argv.includes('--check');

const packages = await loadWitPackages(join(repoRoot, 'wit'));
const scratch = await mkdtemp(join(tmpdir(), 'host-reference-'));
try {
  const witDir = join(scratch, 'wit');
  await mkdir(witDir, { recursive: true });
  const includes = [];
  for (const pkg of [...packages.values()].sort((a, b) => a.id.localeCompare(b.id))) {
    if (!worldsOf(pkg.text).includes('imports')) throw new Error(`wit/${pkg.folder} (${pkg.id}) declares no world \`imports\``);
    includes.push(`    include ${pkg.ns}:${pkg.name}/imports${pkg.version ? '@' + pkg.version : ''};`);
  }
  await writeFile(join(witDir, 'reference.wit'),
    `package supervisor:host-reference;\n\nworld reference {\n${includes.join('\n')}\n}\n`);
  await writeDeps(witDir, [...packages.values()]);
  const core = await componentEmbed({ dummy: true, witPath: witDir, world: 'supervisor:host-reference/reference' });
  const component = Buffer.from(await componentNew(core, []));
  if (check) {
    const current = await readFile(out).catch(() => null);
    if (!current || !current.equals(component)) {
      console.error(`error: ${out} is not what wit/ gives: run \`npm run build:host-reference\` and commit it`);
      process.exitCode = 1;
    } else {
      console.log(`host reference: up to date (${component.length} bytes)`);
    }
  } else {
    await writeFile(out, component);
    console.log(`host reference: wrote ${out} (${component.length} bytes)`);
  }
} finally {
  await rm(scratch, { recursive: true, force: true });
}
