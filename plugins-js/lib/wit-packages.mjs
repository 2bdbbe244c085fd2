// Finds the WIT packages under wit/ (one package per folder) and works out which of them a
// piece of WIT refers to, so a build can lay them out as a `deps/` folder for wit-parser.

import { readdir, readFile, mkdir, copyFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

const PACKAGE_DECL = /^\s*package\s+([a-z][a-z0-9-]*):([a-z][a-z0-9-]*)(?:@([0-9A-Za-z.+-]+))?\s*;/m;
// `ns:name/interface` or `ns:name/interface@version` in `use`, `import`, `export`, `include`.
const PACKAGE_REF = /\b([a-z][a-z0-9-]*):([a-z][a-z0-9-]*)\/[a-z][a-z0-9-]*(?:@([0-9][0-9A-Za-z.+-]*))?/g;
const WORLD_DECL = /^\s*world\s+([a-z][a-z0-9-]*)\s*\{/gm;

// Strips line and block comments so that names in comments are not taken as references.
export function stripComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
}

/** All files under `dir`, as sorted paths relative to `dir` (forward slashes). */
export async function listFiles(dir) {
  const out = [];
  async function walk(d) {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) await walk(p);
      else if (entry.isFile()) out.push(relative(dir, p).split('\\').join('/'));
    }
  }
  await walk(dir);
  return out.sort();
}

/** Reads the `.wit` files directly in `dir` (not deps/) and returns {files, text}. */
export async function readWitDir(dir) {
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isFile() && e.name.endsWith('.wit'))
    .map((e) => e.name)
    .sort();
  const files = [];
  for (const name of names) files.push({ name, text: await readFile(join(dir, name), 'utf8') });
  return { files, text: files.map((f) => f.text).join('\n') };
}

/** The `ns:name@version` id declared by a WIT folder's text, or null. */
export function packageIdOf(text) {
  const m = stripComments(text).match(PACKAGE_DECL);
  if (!m) return null;
  return { ns: m[1], name: m[2], version: m[3] ?? null, id: `${m[1]}:${m[2]}${m[3] ? '@' + m[3] : ''}` };
}

/** World names declared in a WIT folder's text. */
export function worldsOf(text) {
  return [...stripComments(text).matchAll(WORLD_DECL)].map((m) => m[1]);
}

/** Package references (`ns:name[@version]`) made by WIT text, excluding `self`. */
export function referencesOf(text, self) {
  const refs = new Map();
  for (const m of stripComments(text).matchAll(PACKAGE_REF)) {
    const version = m[3] ? m[3].replace(/\.+$/, '') : null; // `@0.2.0.{a, b}` ends in a dot
    const ref = { ns: m[1], name: m[2], version };
    if (self && ref.ns === self.ns && ref.name === self.name) continue;
    refs.set(`${ref.ns}:${ref.name}${version ? '@' + version : ''}`, ref);
  }
  return [...refs.values()];
}

/** Loads every package folder under `witRoot`: Map id -> {id, ns, name, version, dir, folder, files, text}. */
export async function loadWitPackages(witRoot) {
  const packages = new Map();
  for (const entry of (await readdir(witRoot, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory()) continue;
    const dir = join(witRoot, entry.name);
    const { files, text } = await readWitDir(dir);
    if (files.length === 0) continue;
    const decls = files.map((f) => packageIdOf(f.text)).filter(Boolean);
    if (decls.length !== 1) {
      throw new Error(`wit/${entry.name}: expected exactly one \`package\` declaration, found ${decls.length}`);
    }
    const pkg = { ...decls[0], dir, folder: entry.name, files, text };
    if (packages.has(pkg.id)) {
      throw new Error(`wit/${entry.name}: package ${pkg.id} is also declared in wit/${packages.get(pkg.id).folder}`);
    }
    packages.set(pkg.id, pkg);
  }
  return packages;
}

function findPackage(packages, ref) {
  const candidates = [...packages.values()].filter(
    (p) => p.ns === ref.ns && p.name === ref.name && (ref.version === null || p.version === ref.version),
  );
  if (candidates.length === 1) return candidates[0];
  if (candidates.length === 0) return null;
  // An unversioned reference to a package that exists in several versions is ambiguous.
  throw new Error(`${ref.ns}:${ref.name} is referenced without a version, but wit/ has ${candidates.map((c) => c.id).join(', ')}`);
}

/**
 * The packages from `packages` that `text` (the WIT of package `self`) needs, directly or
 * through other packages, sorted by id. Throws on a reference to a package wit/ lacks.
 */
export function resolveDeps(packages, text, self) {
  const needed = new Map();
  const queue = [{ text, self, from: self ? self.id : 'the WIT' }];
  while (queue.length) {
    const { text: t, self: s, from } = queue.shift();
    for (const ref of referencesOf(t, s)) {
      const pkg = findPackage(packages, ref);
      if (!pkg) {
        const known = [...packages.keys()].join(', ');
        throw new Error(`${from} refers to ${ref.ns}:${ref.name}${ref.version ? '@' + ref.version : ''}, which is not under wit/ (it has: ${known})`);
      }
      if (self && pkg.ns === self.ns && pkg.name === self.name) continue;
      if (!needed.has(pkg.id)) {
        needed.set(pkg.id, pkg);
        queue.push({ text: pkg.text, self: pkg, from: pkg.id });
      }
    }
  }
  return [...needed.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/** Copies `deps` into `<witDir>/deps/<folder>/` (the layout wit-parser reads). */
export async function writeDeps(witDir, deps) {
  for (const dep of deps) {
    const target = join(witDir, 'deps', dep.folder);
    await mkdir(target, { recursive: true });
    for (const f of dep.files) await copyFile(join(dep.dir, f.name), join(target, f.name));
  }
}
