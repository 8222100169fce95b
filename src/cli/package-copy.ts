/**
 * Where installed hooks, the service and the MCP registration point: stable paths, never a source
 * checkout. An installed package (npm install -g) is used in place; a git checkout or npx's cache (which
 * npm may clear) is first copied, with only its runtime dependencies, to the user's data dir, so moving
 * or deleting the clone does not take the guard with it.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** The files of the package a running install needs (package.json "files" plus the manifest). */
const PACKAGE_ENTRIES = ['package.json', 'bin', 'dist', 'hooks/hooks.json', '.claude-plugin', '.mcp.json', 'README.md'];
/** Build leftovers of native modules that the runtime never loads (better-sqlite3's objects and C sources: ~20 MB). */
const SKIP_DIRS = new Set(['obj', 'obj.target', '.deps']);
const SKIP_NATIVE_SOURCES = new Set([join('better-sqlite3', 'deps'), join('better-sqlite3', 'src')]);
const SKIP_FILES = /\.(a|o)$|^test_extension\.node$/;

/** A directory is a source checkout (or a throwaway npx cache) rather than an installed package. */
export function isTransient(root: string): boolean {
  return existsSync(join(root, '.git')) || root.split(sep).includes('_npx');
}

/** Where the copy lives: `$MCPPROXY_HOOK_HOME/package` when relocated, else `$XDG_DATA_HOME/mcpproxy-hook/package`. */
export function packageCopyDir(paths: { stateDir: string; relocated: boolean }, env: NodeJS.ProcessEnv = process.env): string {
  if (paths.relocated) return join(paths.stateDir, 'package');
  const data = env.XDG_DATA_HOME || join(env.HOME || '', '.local', 'share');
  return join(data, 'mcpproxy-hook', 'package');
}

interface Pkg {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  version?: string;
}

function readPkg(dir: string): Pkg | null {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Pkg;
  } catch {
    return null;
  }
}

/** Node's lookup: <from>/node_modules/<name>, then each parent's node_modules, up to the root. */
function locate(name: string, from: string, root: string): string | null {
  let dir = from;
  for (;;) {
    const cand = join(dir, 'node_modules', name);
    if (existsSync(join(cand, 'package.json'))) return cand;
    if (dir === root || dirname(dir) === dir) return null;
    dir = dirname(dir);
    // climb out of a nested node_modules/<scope>/<name> to the package that holds it
    while (dir !== root && (dir.endsWith(`${sep}node_modules`) || (dirname(dir).endsWith(`${sep}node_modules`) && dir.split(sep).pop()?.startsWith('@'))))
      dir = dirname(dir);
  }
}

/** The directories (relative to root) of every runtime dependency, transitively; optional ones when present. */
export function runtimeDependencyDirs(root: string): string[] {
  const seen = new Set<string>();
  const missing: string[] = [];
  const walk = (dir: string): void => {
    const pkg = readPkg(dir);
    if (!pkg) return;
    for (const [deps, optional] of [
      [pkg.dependencies, false],
      [pkg.optionalDependencies, true],
    ] as const) {
      for (const name of Object.keys(deps ?? {})) {
        const at = locate(name, dir, root);
        if (!at) {
          if (!optional) missing.push(`${name} (needed by ${relative(root, dir) || 'mcpproxy-hook'})`);
          continue;
        }
        if (seen.has(at)) continue;
        seen.add(at);
        walk(at);
      }
    }
  };
  walk(root);
  if (missing.length) throw new Error(`runtime dependencies are not installed in ${root}: ${missing.join(', ')}; run \`npm install\` there first`);
  return [...seen].map((d) => relative(root, d)).sort();
}

/** What identifies one build of the package: its version and the hash of every built file (dist/, bin/). */
function stamp(root: string): string {
  const h = createHash('sha256');
  h.update(readPkg(root)?.version ?? '');
  const walk = (dir: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      h.update(`missing ${dir}`);
      return;
    }
    for (const n of names) {
      const f = join(dir, n);
      if (statSync(f).isDirectory()) walk(f);
      else if (!n.endsWith('.map')) h.update(n).update(readFileSync(f));
    }
  };
  walk(join(root, 'dist'));
  walk(join(root, 'bin'));
  return h.digest('hex');
}

export interface StableRoot {
  /** the package root hooks and services should point at */
  root: string;
  /** true when `root` is a copy made (or refreshed) by this call */
  copied: boolean;
  /** the checkout it was copied from, when it was */
  from?: string;
}

/**
 * The package root to install against. An installed package is returned as is; from a checkout or npx's
 * cache, the package and its runtime dependencies are copied to `packageCopyDir` (skipped when the copy
 * there is of the same build) and that copy is returned.
 */
export function stableRoot(
  root: string,
  paths: { stateDir: string; relocated: boolean },
  env: NodeJS.ProcessEnv = process.env,
  opts: { dryRun?: boolean } = {},
): StableRoot {
  if (!isTransient(root)) return { root, copied: false };
  const dest = packageCopyDir(paths, env);
  const want = stamp(root);
  let have = '';
  try {
    have = readFileSync(join(dest, '.mcpproxy-hook-stamp'), 'utf8').trim();
  } catch {
    /* no copy yet */
  }
  if (have === want || opts.dryRun) return { root: dest, copied: false, from: root };
  if (!existsSync(join(root, 'dist', 'hook.cjs')) || !existsSync(join(root, 'dist', 'cli.js')))
    throw new Error(`${root} is not built (no dist/); run \`npm run build\` there first`);
  const deps = runtimeDependencyDirs(root);
  const tmp = `${dest}.new-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true, mode: 0o755 });
  const filter = (src: string): boolean => {
    const base = src.slice(src.lastIndexOf(sep) + 1);
    const st = statSync(src);
    if (st.isDirectory()) return !SKIP_DIRS.has(base) && ![...SKIP_NATIVE_SOURCES].some((s) => src.endsWith(sep + s));
    return !SKIP_FILES.test(base);
  };
  for (const e of PACKAGE_ENTRIES) if (existsSync(join(root, e))) cpSync(join(root, e), join(tmp, e), { recursive: true });
  for (const d of deps) cpSync(join(root, d), join(tmp, d), { recursive: true, filter, dereference: true });
  writeFileSync(join(tmp, '.mcpproxy-hook-stamp'), want + '\n');
  writeFileSync(join(tmp, '.mcpproxy-hook-source'), resolve(root) + '\n');
  mkdirSync(dirname(dest), { recursive: true, mode: 0o700 });
  const old = `${dest}.old-${process.pid}`;
  if (existsSync(dest)) renameSync(dest, old);
  renameSync(tmp, dest);
  rmSync(old, { recursive: true, force: true });
  return { root: dest, copied: true, from: root };
}
