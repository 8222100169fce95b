/**
 * End to end, real Claude Code CLI, offline: the package is a plugin marketplace. `claude plugin validate`
 * passes; `claude plugin marketplace add <package dir>` + `claude plugin install mcpproxy-hook@mcpproxy-hook`,
 * and with no other step a session is protected: the plugin's SessionStart hook starts the sidecar, an
 * exfiltration is denied with its reason, ordinary work runs. `mcpproxy-hook uninstall --all --purge`
 * removes the plugin, its marketplace and the state.
 *
 * The package dir is what `npm install -g` leaves (the package plus its runtime dependencies); the test makes
 * the same layout from this checkout with the copy `install` uses (package-copy.ts), without the network.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLAUDE_BIN, claudeVersion, describeRun, e2eSkip, makeTempDir, runClaude } from './harness/claude.ts';
import { ensureBuilt, ROOT } from '../helpers/sidecar.ts';
import { stableRoot } from '../../src/cli/package-copy.ts';
import { assertExfilBlocked, exfilSession } from './harness/scenario.ts';

const skip = e2eSkip();

describe(`the Claude Code plugin (${claudeVersion() ?? 'no CLI'})`, { skip }, () => {
  const home = mkdtempSync(join(tmpdir(), 'mphp-'));
  // no MCPPROXY_HOOK_HOME: the plugin's hooks find the state dir the way a user's would (XDG under HOME)
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    DISABLE_AUTOUPDATER: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_TELEMETRY: '1',
  };
  const stateDir = join(home, '.local', 'state', 'mcpproxy-hook');
  const claude = (...args: string[]) => spawnSync(CLAUDE_BIN, args, { env, encoding: 'utf8', timeout: 120_000, cwd: home });
  after(() => {
    try {
      process.kill(Number(readFileSync(join(stateDir, 'sidecar.pid'), 'utf8')), 'SIGKILL');
    } catch {
      /* not running */
    }
    rmSync(home, { recursive: true, force: true });
  });

  test('validate, marketplace add, install; then a real session is protected with no other step; uninstall --all takes it away', async () => {
    ensureBuilt();
    const pkg = stableRoot(ROOT, { stateDir: join(home, 'pkgsrc'), relocated: true }, env).root;
    const v = claude('plugin', 'validate', pkg);
    assert.equal(v.status, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /Validation passed/);
    const add = claude('plugin', 'marketplace', 'add', pkg);
    assert.equal(add.status, 0, add.stdout + add.stderr);
    const inst = claude('plugin', 'install', 'mcpproxy-hook@mcpproxy-hook');
    assert.equal(inst.status, 0, inst.stdout + inst.stderr);
    assert.equal(existsSync(join(stateDir, 'sidecar.pid')), false, 'no sidecar before the session');

    const proj = makeTempDir('e2e-plugin');
    const { sent, script } = exfilSession(proj, { ordinaryWork: true });
    const r = await runClaude({ cwd: proj, home, script });
    assert.equal(r.exitCode, 0, describeRun(r));
    assertExfilBlocked(r, sent, { ordinaryWork: true });
    assert.ok(existsSync(join(stateDir, 'sidecar.pid')), 'the plugin started the sidecar');

    const cliEnv = { ...env, MCPPROXY_HOOK_CLAUDE_BIN: CLAUDE_BIN };
    const st = spawnSync(process.execPath, [join(pkg, 'bin', 'mcpproxy-hook.js'), 'status'], { env: cliEnv, encoding: 'utf8' });
    assert.match(st.stdout, /Plugin: mcpproxy-hook@mcpproxy-hook enabled/);
    const doc = spawnSync(process.execPath, [join(pkg, 'bin', 'mcpproxy-hook.js'), 'doctor'], { env: cliEnv, encoding: 'utf8' });
    assert.match(doc.stdout, /ok\s+plugin: mcpproxy-hook@mcpproxy-hook enabled/);
    assert.doesNotMatch(doc.stdout, /no mcpproxy-hook hooks in user, project or local settings/);
    const un = spawnSync(process.execPath, [join(pkg, 'bin', 'mcpproxy-hook.js'), 'uninstall', '--all', '--purge'], {
      env: cliEnv,
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(un.status, 0, un.stdout + un.stderr);
    assert.match(un.stdout, /Uninstalled the Claude Code plugin mcpproxy-hook@mcpproxy-hook/);
    const settings = JSON.parse(readFileSync(join(home, '.claude', 'settings.json'), 'utf8'));
    assert.equal(JSON.stringify(settings).includes('mcpproxy-hook'), false, JSON.stringify(settings));
    assert.equal(existsSync(stateDir), false, '--purge removed the state');
  });
});
