#!/usr/bin/env node
// Builds every JavaScript plugin under plugins-js/<service>/<plugin>/ into a WebAssembly
// component at <out>/<service>/<plugin>.wasm (default out: artifacts/plugins), using
// componentize-js. A plugin whose inputs have not changed since its last build is skipped.
//
//   npm run build:plugins [-- [--force] [--src DIR] [--out DIR] [service | service/plugin ...]]
//
// --src DIR takes the plugins from DIR/<service>/<plugin>/ instead of plugins-js/ (the
// examples: `npm run build:examples` = --src examples/plugins --out artifacts/examples/plugins).
//
// A plugin folder holds:
//   index.js      the ES module (its exports implement the world's exports)
//   wit/*.wit     the plugin's own WIT package with the world to build; it imports the
//                 host's packages from the repository's wit/ by name (e.g.
//                 `import clientdata:plugin/keyvalue;`) and the build lays those out as
//                 wit/deps/ in a scratch folder
//   plugin.json   optional: {"source": "index.js", "world": "plugin",
//                 "disableFeatures": ["stdio", "random", "clocks", "http", "fetch-event"]}
//
// Inputs hashed for the skip check: this script and its lib/, the plugin folder's files,
// the wit/ packages the plugin needs, the installed componentize-js, jco and preview2-shim
// versions, and the build options. The hash is kept in <out>.stamps/<service>/<plugin>.json
// (outside the plugin directory, which the supervisor reads), together with the output's
// sha256 and its imports and exports.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, realpath, rename, rm, writeFile, copyFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { locateWitError, rootCause } from './lib/wit-errors.mjs';
import { listFiles, loadWitPackages, packageIdOf, readWitDir, resolveDeps, worldsOf, writeDeps } from './lib/wit-packages.mjs';

const STAMP_FORMAT = 1;
const ALL_FEATURES = ['stdio', 'random', 'clocks', 'http', 'fetch-event'];
// A plugin gets no WASI features unless its plugin.json asks: its imports stay its world's.
const DEFAULT_DISABLED = [...ALL_FEATURES];
// Services the supervisor itself provides; no plugin may be built under them. The host refuses
// the same names when it loads a plugin ([PDP-PLUGIN-2], PluginDirectory.ReservedServices; a
// test compares the two), so a plugin under one is refused here, not at its first call.
const RESERVED_SERVICES = new Set(['clientdata', 'host', 'wasi', 'supervisor']);

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..');
const witRoot = join(repoRoot, 'wit');

/** psibase account rules: 1-10 of a-z 0-9 -, no leading/trailing/double hyphen, not "x-". */
export function isValidService(name) {
  return /^[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?$/.test(name) && !name.includes('--') && !name.startsWith('x-');
}

function isValidPluginName(name) {
  return /^[a-z0-9][a-z0-9_-]*$/.test(name);
}

function parseArgs(argv) {
  const opts = { force: false, src: here, out: join(repoRoot, 'artifacts', 'plugins'), only: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--force' || a === '-f') opts.force = true;
    else if (a === '--src') {
      if (!argv[i + 1]) throw new Error('--src needs a directory');
      opts.src = resolve(argv[++i]);
    } else if (a === '--out' || a === '-o') {
      if (!argv[i + 1]) throw new Error('--out needs a directory');
      opts.out = resolve(argv[++i]);
    } else if (a === '--help' || a === '-h') {
      console.log('usage: node plugins-js/build.mjs [--force] [--src DIR] [--out DIR] [service | service/plugin ...]');
      process.exit(0);
    } else if (a.startsWith('-')) throw new Error(`unknown option ${a}`);
    else opts.only.push(a);
  }
  return opts;
}

function sha256(data) {
  return createHash('sha256').update(data).digest('hex');
}

// The versions npm installed at the top level (preview2-shim is pinned there by `overrides`).
async function toolVersions() {
  const versions = {};
  for (const name of ['@bytecodealliance/componentize-js', '@bytecodealliance/jco', '@bytecodealliance/preview2-shim']) {
    const path = join(repoRoot, 'node_modules', ...name.split('/'), 'package.json');
    if (!existsSync(path)) throw new Error(`${name} is not installed: run \`npm ci\` in the repository root`);
    versions[name] = JSON.parse(await readFile(path, 'utf8')).version;
  }
  return versions;
}

async function discoverPlugins(src, only) {
  const plugins = [];
  const problems = [];
  for (const s of (await readdir(src, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!s.isDirectory() || s.name === 'lib' || s.name === 'node_modules' || s.name.startsWith('.')) continue;
    const serviceDir = join(src, s.name);
    for (const p of (await readdir(serviceDir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      if (!p.isDirectory()) continue;
      const dir = join(serviceDir, p.name);
      if (!existsSync(join(dir, 'wit'))) continue;
      const plugin = { service: s.name, plugin: p.name, dir, label: `${s.name}/${p.name}` };
      if (only.length && !only.includes(plugin.service) && !only.includes(plugin.label)) continue;
      if (!isValidService(plugin.service)) {
        problems.push(`${plugin.label}: "${plugin.service}" is not a valid psibase account name (1-10 of a-z 0-9 -, no leading, trailing or double hyphen, not starting "x-")`);
      } else if (RESERVED_SERVICES.has(plugin.service)) {
        problems.push(`${plugin.label}: service "${plugin.service}" is reserved for the host (reserved: ${[...RESERVED_SERVICES].join(', ')}); rename the folder ${join(src, plugin.service)}`);
      } else if (!isValidPluginName(plugin.plugin)) {
        problems.push(`${plugin.label}: plugin name "${plugin.plugin}" must match [a-z0-9][a-z0-9_-]*`);
      } else plugins.push(plugin);
    }
  }
  for (const o of only) {
    if (!plugins.some((p) => p.service === o || p.label === o) && !problems.some((m) => m.startsWith(o))) {
      problems.push(`${o}: no such plugin under ${relative(repoRoot, src) || '.'}/`);
    }
  }
  return { plugins, problems };
}

async function readConfig(plugin) {
  const path = join(plugin.dir, 'plugin.json');
  const config = existsSync(path) ? JSON.parse(await readFile(path, 'utf8')) : {};
  const disableFeatures = config.disableFeatures ?? DEFAULT_DISABLED;
  for (const f of disableFeatures) {
    if (!ALL_FEATURES.includes(f)) throw new Error(`plugin.json: unknown feature "${f}" (known: ${ALL_FEATURES.join(', ')})`);
  }
  return { source: config.source ?? 'index.js', world: config.world ?? null, disableFeatures: [...disableFeatures].sort() };
}

/** Everything that decides the output, and its hash. */
async function planBuild(plugin, packages, tools, scriptHash) {
  const config = await readConfig(plugin);
  const witDir = join(plugin.dir, 'wit');
  const own = await readWitDir(witDir);
  const self = packageIdOf(own.text);
  if (!self) throw new Error(`${plugin.label}: wit/ has no \`package\` declaration`);
  const worlds = worldsOf(own.text);
  const world = config.world ?? (worlds.length === 1 ? worlds[0] : null);
  if (!world) throw new Error(`${plugin.label}: wit/ declares ${worlds.length} worlds (${worlds.join(', ')}); name one in plugin.json "world"`);
  if (!worlds.includes(world)) throw new Error(`${plugin.label}: world "${world}" is not declared in wit/ (it has: ${worlds.join(', ')})`);
  if (!existsSync(join(plugin.dir, config.source))) throw new Error(`${plugin.label}: source ${config.source} is missing`);
  const deps = resolveDeps(packages, own.text, self);

  const h = createHash('sha256');
  const add = (label, data) => h.update(`${label}\0${data.length}\0`).update(data).update('\0');
  add('format', String(STAMP_FORMAT));
  add('script', scriptHash);
  add('tools', JSON.stringify(tools));
  add('options', JSON.stringify({ world, disableFeatures: config.disableFeatures, source: config.source }));
  for (const f of await listFiles(plugin.dir)) add(`plugin/${f}`, await readFile(join(plugin.dir, f)));
  for (const dep of deps) for (const f of dep.files) add(`wit/${dep.folder}/${f.name}`, f.text);
  return { config, world, self, deps, hash: h.digest('hex') };
}

/** The `import ...;` and `export ...;` lines of a component's root world. */
function importsAndExports(witText) {
  const imports = [];
  const exports = [];
  for (const line of witText.split('\n')) {
    const m = line.match(/^\s*(import|export)\s+(.+?);\s*$/);
    if (!m) continue;
    (m[1] === 'import' ? imports : exports).push(m[2]);
  }
  return { imports, exports };
}

/**
 * A WIT error from componentize-js, told in the author's terms: the author's file, line and
 * column where it can be found, and the author's (or the host's) folders instead of the scratch
 * copy the build handed over.
 */
async function witErrorMessage(message, plugin, ownFiles, witDir, deps) {
  const authorWit = join(plugin.dir, 'wit');
  const files = ownFiles.map((f) => ({ path: join(authorWit, f.name), text: f.text }));
  let text = message;
  for (const dep of deps) text = text.split(join(witDir, 'deps', dep.folder)).join(join(witRoot, dep.folder));
  text = text.split(witDir).join(authorWit);
  // Some wit-parser builds (componentize-js 0.19.3's) give the place themselves: `--> file:line:col`.
  const span = text.match(/-->\s+(\S+):(\d+):(\d+)/);
  const spanFile = span && files.find((f) => f.path === span[1]);
  const where = spanFile
    ? { path: spanFile.path, line: Number(span[2]), column: Number(span[3]), lineText: spanFile.text.split('\n')[Number(span[2]) - 1] ?? '' }
    : await locateWitError(message, files);
  const cause = rootCause(message);
  if (!where) return `WIT error in ${authorWit}: ${cause}\n${text}`;
  return `${where.path}:${where.line}:${where.column}: WIT error: ${cause}\n` +
    `  ${where.lineText}\n  ${' '.repeat(where.column - 1)}^\n${text}`;
}

/**
 * Where componentize-js runs and the source it is given: the plugin folder's real path (symlinks
 * resolved, as process.cwd() reports it after a chdir) and the source inside it. A source outside
 * the plugin folder is refused, naming it.
 */
async function sourceLayout(plugin, source) {
  const dir = await realpath(plugin.dir);
  const sourcePath = resolve(dir, source);
  const rel = relative(dir, sourcePath);
  if (!rel || rel.startsWith('..') || isAbsolute(rel)) {
    throw new Error(`${plugin.label}: plugin.json "source" ${JSON.stringify(source)} is not a file inside the plugin folder ${plugin.dir}`);
  }
  return { cwd: dir, sourcePath };
}

async function buildOne(plugin, plan, outRoot, componentize, componentWit) {
  const scratch = await mkdtemp(join(tmpdir(), `plugin-${plugin.service}-${plugin.plugin}-`));
  try {
    const witDir = join(scratch, 'wit');
    await mkdir(witDir, { recursive: true });
    const own = await readWitDir(join(plugin.dir, 'wit'));
    for (const f of own.files) await copyFile(join(plugin.dir, 'wit', f.name), join(witDir, f.name));
    await writeDeps(witDir, plan.deps);

    // componentize-js reports a syntax error without its place; node says where it is.
    const check = spawnSync(process.execPath, ['--check', join(plugin.dir, plan.config.source)], { encoding: 'utf8' });
    if (check.status !== 0) throw new Error(`${plan.config.source} does not parse:\n${check.stderr.trim()}`);

    // componentize-js maps the current directory into the engine while it snapshots the module
    // and names sources relative to it in stack traces, but it tells whether the source is under
    // the current directory by comparing path strings: a plugin at /x/apps-link/... (a symlink)
    // or /tmp/newuser-apps/... passes for one under /x/apps or /tmp/newuser, and the engine is
    // then told to load a clipped path ("Error loading module ... No such file or directory").
    // So run it from the plugin's own folder with both paths resolved to their real form: the
    // source is then genuinely under the current directory, wherever the build was started and
    // whichever symlinks lead to the plugin.
    const { cwd: workDir, sourcePath } = await sourceLayout(plugin, plan.config.source);
    const cwd = process.cwd();
    let component;
    try {
      process.chdir(workDir);
      ({ component } = await componentize({
        sourcePath,
        witPath: witDir,
        worldName: plan.world,
        disableFeatures: plan.config.disableFeatures,
      }));
    } catch (e) {
      const message = String(e?.message ?? e);
      if (!message.includes(witDir)) throw e;
      throw new Error(await witErrorMessage(message, plugin, own.files, witDir, plan.deps));
    } finally {
      process.chdir(cwd);
    }

    const outDir = join(outRoot, plugin.service);
    await mkdir(outDir, { recursive: true });
    const outPath = join(outDir, `${plugin.plugin}.wasm`);
    const tmpPath = `${outPath}.tmp-${process.pid}`;
    await writeFile(tmpPath, component);
    await rename(tmpPath, outPath);

    let wit = null;
    try {
      wit = await componentWit(component);
    } catch (e) {
      console.warn(`  (could not print the component's WIT: ${e.message ?? e})`);
    }
    return { outPath, size: component.length, wasmSha256: sha256(component), wit };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!existsSync(join(repoRoot, 'node_modules', '@bytecodealliance', 'componentize-js'))) {
    throw new Error('node_modules is missing: run `npm ci` in the repository root first');
  }
  const stampRoot = `${opts.out}.stamps`;
  const tools = await toolVersions();
  // A node_modules from before a version change would build with the old tools, silently.
  const pinned = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8'));
  for (const [name, version] of Object.entries({ ...pinned.devDependencies, ...pinned.overrides })) {
    if (name in tools && tools[name] !== version) {
      throw new Error(`node_modules has ${name} ${tools[name]}, but package.json pins ${version}: run \`npm ci\` in ${repoRoot}`);
    }
  }
  const scriptHash = sha256(
    (await readFile(fileURLToPath(import.meta.url))).toString() +
      (await readFile(join(here, 'lib', 'wit-packages.mjs'))).toString(),
  );
  const packages = await loadWitPackages(witRoot);
  const { plugins, problems } = await discoverPlugins(opts.src, opts.only);
  for (const p of problems) console.error(`error: ${p}`);

  console.log(`componentize-js ${tools['@bytecodealliance/componentize-js']}, jco ${tools['@bytecodealliance/jco']}, preview2-shim ${tools['@bytecodealliance/preview2-shim']}`);
  console.log(`output: ${relative(process.cwd(), opts.out) || '.'}/<service>/<plugin>.wasm`);

  let componentize = null;
  let componentWit = null;
  const failures = [...problems];
  let built = 0;
  let skipped = 0;
  for (const plugin of plugins) {
    const t0 = Date.now();
    try {
      const plan = await planBuild(plugin, packages, tools, scriptHash);
      const stampPath = join(stampRoot, plugin.service, `${plugin.plugin}.json`);
      const outPath = join(opts.out, plugin.service, `${plugin.plugin}.wasm`);
      if (!opts.force && existsSync(stampPath) && existsSync(outPath)) {
        const stamp = JSON.parse(await readFile(stampPath, 'utf8'));
        if (stamp.inputsSha256 === plan.hash && stamp.wasmSha256 === sha256(await readFile(outPath))) {
          console.log(`- ${plugin.label}: up to date, skipped`);
          skipped++;
          continue;
        }
      }
      console.log(`- ${plugin.label}: building (world ${plan.self.ns}:${plan.self.name}/${plan.world}; deps: ${plan.deps.map((d) => d.id).join(', ') || 'none'}; disabled: ${plan.config.disableFeatures.join(', ') || 'none'})`);
      if (!componentize) {
        ({ componentize } = await import('@bytecodealliance/componentize-js'));
        ({ componentWit } = await import('@bytecodealliance/jco'));
      }
      const result = await buildOne(plugin, plan, opts.out, componentize, componentWit);
      const seconds = (Date.now() - t0) / 1000;
      const { imports, exports } = result.wit ? importsAndExports(result.wit) : { imports: null, exports: null };
      await mkdir(dirname(stampPath), { recursive: true });
      await writeFile(
        stampPath,
        JSON.stringify(
          {
            format: STAMP_FORMAT,
            plugin: plugin.label,
            inputsSha256: plan.hash,
            wasmSha256: result.wasmSha256,
            size: result.size,
            seconds,
            tools,
            world: plan.world,
            disableFeatures: plan.config.disableFeatures,
            deps: plan.deps.map((d) => d.id),
            imports,
            exports,
          },
          null,
          2,
        ) + '\n',
      );
      console.log(`  built ${relative(process.cwd(), result.outPath)} (${(result.size / 1e6).toFixed(1)} MB) in ${seconds.toFixed(1)} s`);
      if (imports) console.log(`  imports: ${imports.join(', ') || 'none'}\n  exports: ${exports.join(', ') || 'none'}`);
      built++;
    } catch (e) {
      const message = e?.stack ?? String(e);
      console.error(`error: ${plugin.label}: build failed after ${((Date.now() - t0) / 1000).toFixed(1)} s\n${message}`);
      failures.push(plugin.label);
    }
  }
  console.log(`${built} built, ${skipped} up to date, ${failures.length} failed`);
  if (failures.length) {
    console.error(`FAILED: ${failures.join('; ')}`);
    process.exitCode = 1;
  }
}

main().catch((e) => {
  console.error(`error: ${e?.stack ?? e}`);
  process.exit(1);
});
