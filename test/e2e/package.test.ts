/**
 * End to end, as a user who never clones: `npm pack` → `npm install -g <tgz>` (into a throwaway prefix, from
 * npm's cache: the e2e suite runs with no network) → `mcpproxy-hook install` from the installed bin protects a
 * real Claude Code session → `mcpproxy-hook uninstall --all --purge` leaves no trace (the user's settings byte
 * for byte, no file of ours under HOME, the HTTP port closed, the sidecar gone).
 *
 * Slow on purpose: better-sqlite3 is compiled from source when no prebuilt binary can be downloaded (1-4 min).
 * The install is kept in $TMPDIR/mphg-prefix-<tarball hash> so the run with the other CLI reuses it.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { claudeVersion, e2eSkip, makeTempDir, runClaude } from './harness/claude.ts';
import { ensureBuilt, ROOT } from '../helpers/sidecar.ts';
import { assertExfilBlocked, exfilSession } from './harness/scenario.ts';

const skip = e2eSkip();

/** Every path under dir (relative), for a before/after comparison. */
function tree(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const n of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, n.name);
    out.push(p.slice(base.length + 1));
    if (n.isDirectory()) out.push(...tree(p, base));
  }
  return out;
}

const portOpen = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.on('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });

/** The process has exited (a zombie waiting for its reaper counts: it holds no socket and no port). */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    try {
      if (/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'))) return true;
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

describe(`one npm package, installed globally (${claudeVersion() ?? 'no CLI'})`, { skip }, () => {
  const work = mkdtempSync(join(tmpdir(), 'mphg-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  test('npm pack → npm install -g → install protects a real session → uninstall --all --purge leaves no trace', { timeout: 900_000 }, async () => {
    ensureBuilt();
    const pack = spawnSync('npm', ['pack', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    assert.equal(pack.status, 0, pack.stderr);
    const tgz = join(work, pack.stdout.trim().split('\n').pop() as string);
    // the e2e suite runs once per Claude Code CLI: the second run reuses the first's install of the same tarball
    const prefix = join(tmpdir(), `mphg-prefix-${createHash('sha256').update(readFileSync(tgz)).digest('hex').slice(0, 16)}`);
    if (!existsSync(join(prefix, '.installed'))) {
      rmSync(prefix, { recursive: true, force: true });
      // npm_config_nodedir: node-gyp compiles better-sqlite3 against the local headers instead of downloading them
      const nodedir = process.env.npm_config_nodedir ?? (existsSync('/usr/include/node/node.h') ? '/usr' : undefined);
      const inst = spawnSync('npm', ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tgz], {
        encoding: 'utf8',
        timeout: 600_000,
        env: { ...process.env, ...(nodedir ? { npm_config_nodedir: nodedir } : {}) },
      });
      assert.equal(inst.status, 0, `npm install -g failed:\n${inst.stdout}\n${inst.stderr}`);
      writeFileSync(join(prefix, '.installed'), tgz + '\n');
    }
    const pkgDir = join(prefix, 'lib', 'node_modules', 'mcpproxy-hook');
    const deps = readdirSync(join(pkgDir, 'node_modules'));
    for (const dev of ['typescript', 'esbuild', 'tsx', '@anthropic-ai', 'claude-code-next', 'fast-check'])
      assert.ok(!deps.includes(dev), `dev dependency ${dev} was installed`);
    assert.ok(existsSync(join(pkgDir, '.claude-plugin', 'marketplace.json')), 'the package is a plugin marketplace');
    const bin = join(prefix, 'bin', 'mcpproxy-hook');

    const home = join(work, 'home');
    mkdirSync(join(home, '.claude'), { recursive: true });
    const original = '{\n    "model": "opus",  "permissions": {"allow": ["Bash(npm test)"]}\n}\n';
    writeFileSync(join(home, '.claude', 'settings.json'), original);
    const env = { PATH: `${join(prefix, 'bin')}:${process.env.PATH}`, HOME: home };
    const before = tree(home);

    const r1 = spawnSync(bin, ['install'], { env, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r1.status, 0, r1.stdout + r1.stderr);
    assert.doesNotMatch(r1.stdout, /Copied the package/, 'an installed package is used in place');
    const settings = readFileSync(join(home, '.claude', 'settings.json'), 'utf8');
    assert.ok(settings.includes(join(pkgDir, 'dist', 'hook.cjs')), 'hooks point at the installed package');
    assert.ok(!settings.includes(ROOT + '/'), 'nothing points into the source checkout');
    const port = Number(/127\.0\.0\.1:(\d+)\//.exec(settings)?.[1]);

    const proj = makeTempDir('e2e-pkg');
    const { sent, script } = exfilSession(proj);
    const r = await runClaude({ cwd: proj, home, script });
    assertExfilBlocked(r, sent);

    const pid = Number(readFileSync(join(home, '.local', 'state', 'mcpproxy-hook', 'sidecar.pid'), 'utf8'));
    const un = spawnSync(bin, ['uninstall', '--all', '--purge'], { env, encoding: 'utf8', timeout: 120_000 });
    assert.equal(un.status, 0, un.stdout + un.stderr);
    assert.equal(readFileSync(join(home, '.claude', 'settings.json'), 'utf8'), original, 'the user settings, byte for byte');
    // what is left under HOME is what was there plus Claude Code's own files; none of it ours
    const ours = tree(home).filter((p) => !before.includes(p) && /mcpproxy-hook|\.bak$|\.tmp-/.test(p));
    assert.deepEqual(ours, []);
    assert.equal(await portOpen(port), false, 'the HTTP port is closed');
    assert.ok(await gone(pid), `the sidecar (pid ${pid}) is gone`);
  });
});
