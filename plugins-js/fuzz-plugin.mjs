#!/usr/bin/env node
// Builds the host-function fuzz plugin `wfuzz`: a component importing every host interface under wit/ with its
// exact types (the imports of a wit-component dummy module for that world), whose core module is ours: its one
// export, wfuzz:plugin/api.poke(seed), calls one host import chosen by the seed with pseudo-random core arguments
// (small numbers, pointers into memory filled with random or ASCII bytes, lengths, handles, -1, anything), so
// every host function meets values no toolchain would send. Written to artifacts/fuzz/wfuzz/plugin.wasm.
//
//   npm run build:fuzz

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { componentEmbed, componentNew, parse, print } from '@bytecodealliance/jco';
import { loadWitPackages, writeDeps } from './lib/wit-packages.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(repoRoot, 'artifacts', 'fuzz', 'wfuzz');
const packages = [...(await loadWitPackages(join(repoRoot, 'wit'))).values()].sort((a, b) => a.id.localeCompare(b.id));
const scratch = await mkdtemp(join(tmpdir(), 'wfuzz-'));
try {
  const witDir = join(scratch, 'wit');
  await mkdir(witDir, { recursive: true });
  const includes = packages.map((p) => `    include ${p.ns}:${p.name}/imports${p.version ? '@' + p.version : ''};`).join('\n');
  await writeFile(join(witDir, 'fuzz.wit'),
    `package wfuzz:plugin;\n\ninterface api {\n    poke: func(seed: u64) -> u32;\n}\n\nworld fuzz {\n${includes}\n    export api;\n}\n`);
  await writeDeps(witDir, packages);
  const world = 'wfuzz:plugin/fuzz';

  // The dummy module's types, imports and export names are exactly what wit-component expects for this world.
  const dummy = await print(await componentEmbed({ dummy: true, witPath: witDir, world }));
  const types = [...dummy.matchAll(/^\s*\(type \(;(\d+);\) \(func([^\n]*)\)\)\s*$/gm)].map((m) => ({ index: +m[1], sig: m[2] }));
  const imports = [...dummy.matchAll(/^\s*\(import "([^"]+)" "([^"]+)" \(func \(;(\d+);\) \(type (\d+)\)\)\)\s*$/gm)]
    .map((m) => ({ module: m[1], name: m[2], type: +m[4] }));
  const exportName = (suffix) => {
    const m = dummy.match(new RegExp(`\\(export "([^"]*${suffix.replace(/[|]/g, '\\|')})"`));
    if (!m) throw new Error(`the dummy module has no export ending in ${suffix}`);
    return m[1];
  };
  const params = (sig) => [...sig.matchAll(/\(param ([^)]*)\)/g)].flatMap((m) => m[1].trim().split(/\s+/));
  const hasResult = (sig) => /\(result /.test(sig);
  if (imports.length < 40) throw new Error(`expected the host's imports in the dummy module, found ${imports.length}`);

  const cases = imports.map((imp, i) => {
    const sig = types.find((t) => t.index === imp.type).sig;
    const args = params(sig).map((p) => {
      if (p === 'i32') return '(call $i32)';
      if (p === 'i64') return '(call $i64)';
      throw new Error(`${imp.module} ${imp.name}: a ${p} parameter`);
    });
    const call = `(call $import${i} ${args.join(' ')})`;
    return hasResult(sig) ? `(drop ${call})` : call;
  });
  // br_table: case k runs the k-th import, then returns k ($case0 innermost).
  let body = '';
  for (let i = imports.length - 1; i >= 0; i--) body += `(block $case${i}\n`;
  body += `  (br_table ${imports.map((_, i) => `$case${i}`).join(' ')} (local.get $k)))\n`;
  for (let i = 0; i < imports.length; i++) body += `  ${cases[i]} (return (i32.const ${i}))${i < imports.length - 1 ? ')' : ''}\n`;

  const wat = `(module
${types.map((t) => `  (type (;${t.index};) (func${t.sig}))`).join('\n')}
${imports.map((imp, i) => `  (import "${imp.module}" "${imp.name}" (func $import${i} (type ${imp.type})))`).join('\n')}
  (memory (export "${exportName('memory')}") 4)
  (global $state (mut i64) (i64.const 1))
  (global $bump (mut i32) (i32.const 32768))
  ;; xorshift64
  (func $next (result i64)
    (local $x i64)
    (local.set $x (global.get $state))
    (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 13))))
    (local.set $x (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 7))))
    (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 17))))
    (global.set $state (local.get $x))
    (local.get $x))
  ;; An i32 argument: 0, 1, a small number (handles, discriminants), a pointer into the random area, a length, -1,
  ;; anything, or an aligned pointer near the end of memory.
  (func $i32 (result i32)
    (local $r i64) (local $v i32)
    (local.set $r (call $next))
    (local.set $v (i32.wrap_i64 (i64.shr_u (local.get $r) (i64.const 8))))
    (block $c6 (block $c5 (block $c4 (block $c3 (block $c2 (block $c1 (block $c0
      (br_table $c0 $c1 $c2 $c3 $c4 $c5 $c6 (i32.wrap_i64 (i64.and (local.get $r) (i64.const 7)))))
      (return (i32.const 0)))
      (return (i32.const 1)))
      (return (i32.and (local.get $v) (i32.const 7))))
      (return (i32.add (i32.const 1024) (i32.and (local.get $v) (i32.const 4095)))))
      (return (i32.and (local.get $v) (i32.const 255))))
      (return (i32.const -1)))
    (select (local.get $v)
      (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.and (local.get $v) (i32.const 0x3f8)))
      (i32.wrap_i64 (i64.and (i64.shr_u (local.get $r) (i64.const 3)) (i64.const 1)))))
  (func $i64 (result i64)
    (local $r i64)
    (local.set $r (call $next))
    (if (result i64) (i64.eqz (i64.and (local.get $r) (i64.const 3)))
      (then (i64.shr_s (local.get $r) (i64.const 58)))
      (else (local.get $r))))
  ;; Fills 1024..5119 with random bytes, or (half the time) lower-case letters: valid UTF-8 reaches the host's code.
  (func $fill
    (local $p i32) (local $ascii i32)
    (local.set $ascii (i32.wrap_i64 (i64.and (call $next) (i64.const 1))))
    (local.set $p (i32.const 1024))
    (loop $more
      (i64.store (local.get $p)
        (if (result i64) (local.get $ascii)
          (then (i64.or (i64.and (call $next) (i64.const 0x0f0f0f0f0f0f0f0f)) (i64.const 0x6161616161616161)))
          (else (call $next))))
      (local.set $p (i32.add (local.get $p) (i32.const 8)))
      (br_if $more (i32.lt_u (local.get $p) (i32.const 5120)))))
  (func (export "${exportName('poke')}") (param $seed i64) (result i32)
    (local $k i32)
    (global.set $state (i64.or (local.get $seed) (i64.const 1)))
    (global.set $bump (i32.const 32768))
    (call $fill)
    (local.set $k (i32.wrap_i64 (i64.rem_u (call $next) (i64.const ${imports.length}))))
${body}    (unreachable))
  (func (export "${exportName('poke_post')}") (param i32))
  (func (export "${exportName('realloc')}") (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
    (local $ptr i32) (local $end i32)
    (local.set $ptr (i32.and (i32.add (global.get $bump) (i32.sub (local.get $align) (i32.const 1))) (i32.sub (i32.const 0) (local.get $align))))
    (local.set $end (i32.add (local.get $ptr) (local.get $size)))
    (if (i32.lt_u (local.get $end) (local.get $ptr)) (then unreachable))
    (if (i32.gt_u (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
      (then (if (i32.eq (memory.grow (i32.add (i32.shr_u (i32.sub (local.get $end) (i32.mul (memory.size) (i32.const 65536))) (i32.const 16)) (i32.const 1))) (i32.const -1))
        (then unreachable))))
    (if (local.get $old) (then (memory.copy (local.get $ptr) (local.get $old)
      (select (local.get $old_size) (local.get $size) (i32.lt_u (local.get $old_size) (local.get $size))))))
    (global.set $bump (local.get $end))
    (local.get $ptr))
  (func (export "${exportName('initialize')}"))
)
`;
  const core = await parse(wat);
  const embedded = await componentEmbed({ binary: core, witPath: witDir, world });
  const component = Buffer.from(await componentNew(embedded, []));
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, 'plugin.wasm'), component);
  console.log(`wfuzz: ${imports.length} host functions; wrote ${join(outDir, 'plugin.wasm')} (${component.length} bytes)`);
} finally {
  await rm(scratch, { recursive: true, force: true });
}
