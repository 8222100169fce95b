/**
 * The layering that ARCHITECTURE.md describes, checked on the code: which folder may import which,
 * and which may do I/O. The decision core (src/engine/) stays pure; the hook bundle stays tiny.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function files(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

interface Import {
  from: string;
  spec: string;
  typeOnly: boolean;
}

function imports(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const out: Import[] = [];
  for (const m of text.matchAll(/^(import|export)\s+(type\s+)?[^;]*?from\s+'([^']+)'/gms))
    out.push({ from: file, spec: m[3] as string, typeOnly: Boolean(m[2]) });
  for (const m of text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)) out.push({ from: file, spec: m[1] as string, typeOnly: false });
  return out;
}

/** The area of a project file: the folder under src/ (or the file's name for top-level modules). */
function area(file: string): string {
  const rel = relative(join(ROOT, 'src'), file);
  if (rel.startsWith('..')) return relative(ROOT, file);
  const parts = rel.split('/');
  return parts.length > 1 ? (parts[0] as string) : (parts[0] as string).replace(/\.ts$/, '');
}

/** Which areas each area may import (at run time; `import type` is free for the shared vocabulary). */
const MAY_IMPORT: Record<string, string[]> = {
  engine: ['engine', 'types'],
  claude: ['claude', 'engine', 'types'],
  config: ['config', 'engine', 'errors', 'fs-atomic', 'types'],
  store: ['store', 'engine', 'errors', 'fs-atomic', 'types'],
  transport: ['transport', 'errors', 'proc-stat'],
  console: ['console', 'transport', 'errors'],
  'mcp-proxy': ['mcp-proxy', 'transport', 'config', 'engine', 'errors', 'types', 'version'],
  daemon: [
    'daemon',
    'engine',
    'claude',
    'config',
    'console',
    'store',
    'transport',
    'mcp-proxy',
    'errors',
    'fs-atomic',
    'paths',
    'proc-stat',
    'service',
    'types',
    'version',
    'daemon-args',
  ],
};

/** Node built-ins that do I/O: never in the decision core. */
const IO_MODULES = /^node:(fs|net|http|https|child_process|dgram|dns|tls|worker_threads|cluster|os)(\/|$)/;

test('each area imports only the areas below it (ARCHITECTURE.md)', () => {
  const bad: string[] = [];
  for (const f of files(join(ROOT, 'src'))) {
    const a = area(f);
    const allowed = MAY_IMPORT[a];
    if (!allowed) continue;
    for (const imp of imports(f)) {
      if (!imp.spec.startsWith('.') || imp.typeOnly) continue;
      const target = area(resolve(dirname(f), imp.spec));
      if (!allowed.includes(target)) bad.push(`${relative(ROOT, f)} imports ${imp.spec} (${a} -> ${target})`);
    }
  }
  assert.deepEqual(bad, []);
});

test('the decision core does no I/O: src/engine imports no fs, net, http or child_process', () => {
  const bad: string[] = [];
  for (const f of files(join(ROOT, 'src', 'engine'))) {
    for (const imp of imports(f)) if (IO_MODULES.test(imp.spec)) bad.push(`${relative(ROOT, f)} imports ${imp.spec}`);
  }
  assert.deepEqual(bad, []);
});

test('the hook bundle imports nothing it does not need (net, fs and two tiny project modules)', () => {
  const text = readFileSync(join(ROOT, 'hooks', 'hook.ts'), 'utf8');
  const specs = imports(join(ROOT, 'hooks', 'hook.ts')).filter(
    (i) => !(i.spec === 'node:child_process' && /^\s+const cp = require\('node:child_process'\)/m.test(text)),
  );
  // child_process only lazily, inside the autostart path (a require in a function, not at load)
  for (const s of specs.map((i) => i.spec))
    assert.ok(['node:net', 'node:fs', '../src/daemon-args.ts', '../src/paths.ts'].includes(s), `hooks/hook.ts imports ${s}`);
  // and those modules import nothing but node built-ins
  for (const m of ['daemon-args.ts', 'paths.ts']) {
    for (const imp of imports(join(ROOT, 'src', m))) assert.ok(imp.spec.startsWith('node:'), `src/${m} imports ${imp.spec}`);
  }
});
