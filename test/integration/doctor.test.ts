/** `mcpproxy-hook doctor`: finds what silently turns the guard off, with a fix for each. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, freshHome, rmSync, startSidecar } from '../helpers/sidecar.ts';

test('healthy install: no problems', async () => {
  const sc = await startSidecar();
  try {
    assert.equal(cli(['install', '--autostart'], sc.env).status, 0);
    const r = cli(['doctor', '--json'], sc.env);
    const out = JSON.parse(r.stdout);
    assert.equal(out.ok, true, JSON.stringify(out.checks.filter((c: { ok: boolean }) => !c.ok)));
    assert.equal(r.status, 0);
    assert.ok(out.checks.some((c: { name: string }) => c.name === 'hooks (user)'));
  } finally {
    await sc.cleanup();
  }
});

test('problems are named with their fix: sidecar down, broken settings JSON, loose permissions, bad config', () => {
  const h = freshHome();
  mkdirSync(h.stateDir, { recursive: true, mode: 0o700 });
  chmodSync(h.stateDir, 0o755);
  mkdirSync(join(h.home, '.claude'), { recursive: true });
  writeFileSync(join(h.home, '.claude', 'settings.json'), '{ "hooks": { ,, } }');
  writeFileSync(join(h.stateDir, 'config.json'), '{ "policy": { "internalToExternal": "sometimes" } }');
  const r = cli(['doctor'], h.env);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /FAIL sidecar: the sidecar is not running/);
  assert.match(r.stdout, /FAIL settings \(user\): .*not valid JSON[\s\S]*fix: fix the JSON .*Claude Code ignores an invalid settings file/);
  assert.match(r.stdout, /FAIL state dir: .* mode 755\s+fix: chmod 700/);
  assert.match(r.stdout, /FAIL config: policy\.internalToExternal: "sometimes" is not allowed/);
  rmSync(h.home, { recursive: true, force: true });
});

test('fail-open hooks with nothing to restart the sidecar are a problem; a service file (or autostart, or fail-closed) fixes it', async () => {
  const sc = await startSidecar();
  try {
    assert.equal(cli(['install', '--transport', 'command', '--fail-open'], sc.env).status, 0);
    const r = cli(['doctor'], sc.env);
    assert.equal(r.status, 1);
    assert.match(
      r.stdout,
      /FAIL restart: fail-open hooks and nothing to restart the sidecar[\s\S]*fix: mcpproxy-hook service install \(or: mcpproxy-hook install --autostart, or --fail-closed\)/,
    );
    // the service file is written even where no user service manager answers (here: the test's environment
    // has no XDG_RUNTIME_DIR or session bus, like a container), but then nothing runs it: still a problem
    cli(['service', 'install'], sc.env);
    const after = JSON.parse(cli(['doctor', '--json'], sc.env).stdout) as { checks: Array<{ name: string; ok: boolean; detail: string; fix?: string }> };
    const restart = after.checks.find((c) => c.name === 'restart');
    assert.equal(restart?.ok, false, JSON.stringify(restart));
    assert.match(String(restart?.detail), /mcpproxy-hook\.service exists, but no user service manager can run it here .*nothing restarts the sidecar/);
    assert.match(String(restart?.fix), /install --autostart/);
    // autostart is a supervisor that works without one
    assert.equal(cli(['install', '--autostart'], sc.env).status, 0);
    const auto = JSON.parse(cli(['doctor', '--json'], sc.env).stdout) as { checks: Array<{ name: string }> };
    assert.equal(
      auto.checks.find((c) => c.name === 'restart'),
      undefined,
    );
    // fail-closed hooks need no supervisor: a stopped sidecar denies instead
    cli(['service', 'uninstall'], sc.env);
    assert.equal(cli(['install', '--transport', 'command', '--fail-closed'], sc.env).status, 0);
    const closed = JSON.parse(cli(['doctor', '--json'], sc.env).stdout) as { checks: Array<{ name: string }> };
    assert.equal(
      closed.checks.find((c) => c.name === 'restart'),
      undefined,
    );
  } finally {
    cli(['service', 'uninstall'], sc.env);
    await sc.cleanup();
  }
});

test('one problem is printed once, however many hook entries share it', () => {
  const h = freshHome();
  // hooks installed for one state dir, doctor run against another: all three entries point at the wrong socket
  assert.equal(cli(['install', '--transport', 'command', '--fail-closed'], { ...h.env, MCPPROXY_HOOK_HOME: join(h.home, 'elsewhere') }).status, 0);
  const r = cli(['doctor'], h.env);
  assert.equal(r.status, 1);
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('FAIL hook socket (user)'));
  assert.equal(lines.length, 1, r.stdout);
  assert.match(lines[0] as string, /the hook talks to .*elsewhere\/sidecar\.sock, the sidecar listens on/);
  rmSync(h.home, { recursive: true, force: true });
});
