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

test('doctor reports what the running sidecar knows about itself: a full disk with rows waiting, damaged state, refused sessions', async () => {
  const { Sidecar } = await import('../../src/daemon/sidecar.ts');
  const { resolvePaths } = await import('../../src/paths.ts');
  const { runDoctor } = await import('../../src/cli/doctor.ts');
  const h = freshHome();
  mkdirSync(h.stateDir, { recursive: true, mode: 0o700 });
  writeFileSync(join(h.stateDir, 'config.json'), JSON.stringify({ session: { maxSessions: 1 } }));
  writeFileSync(join(h.stateDir, 'key'), 'not a key\n', { mode: 0o600 });
  const paths = resolvePaths(h.env);
  const sc = await Sidecar.start({ paths, log: () => {} });
  try {
    const call = (sid: string): string =>
      JSON.stringify({ session_id: sid, hook_event_name: 'PreToolUse', tool_name: 'Bash', cwd: '/tmp', tool_input: { command: 'ls' } });
    await (await sc.evaluate(call('first'), 'hook')).committed;
    assert.equal((await sc.evaluate(call('second'), 'hook')).decision?.action, 'deny', 'refused: the one session slot is active');
    const pages = sc.audit.database.pragma('page_count', { simple: true }) as number;
    sc.audit.database.pragma(`max_page_count = ${pages}`);
    for (let i = 0; i < 30; i++) await (await sc.evaluate(call('first'), 'hook')).committed;
    const checks = await runDoctor(paths, h.home, h.env, { platform: 'linux', runner: () => ({ status: 1, stdout: '', stderr: 'no systemd here' }) });
    const byName = (n: string) => checks.filter((c) => c.name === n);
    const audit = byName('audit log')[0];
    assert.equal(audit?.ok, false);
    assert.match(String(audit?.detail), /cannot be written since .* \(SQLITE_FULL: .*\); \d+ row\(s\) waiting in memory, 0 dropped/);
    assert.match(String(audit?.fix), /free disk space/);
    const state = byName('state');
    assert.equal(state.length, 1);
    assert.equal(state[0]?.ok, false);
    assert.match(String(state[0]?.detail), /the fingerprint key .* is damaged/);
    const refused = byName('sessions refused')[0];
    assert.equal(refused?.ok, false);
    assert.match(String(refused?.detail), /1 new session\(s\) refused/);
    assert.match(String(refused?.fix), /raise session\.maxSessions/);
  } finally {
    sc.audit.database.pragma('max_page_count = 1073741823');
    await sc.stop();
    rmSync(h.home, { recursive: true, force: true });
  }
});

test('HTTP hooks that fail closed with no service: doctor says a sidecar dying mid-turn blocks until the next prompt, and recommends the service', async () => {
  const sc = await startSidecar();
  try {
    assert.equal(cli(['install', '--transport', 'http', '--port', String(21000 + (process.pid % 9000))], sc.env).status, 0);
    const { runDoctor } = await import('../../src/cli/doctor.ts');
    const { resolvePaths } = await import('../../src/paths.ts');
    const checks = await runDoctor(resolvePaths(sc.env), sc.home, sc.env, {
      platform: 'linux',
      runner: () => ({ status: 1, stdout: '', stderr: 'no systemd' }),
    });
    const c = checks.find((x) => x.name === 'restart (http hooks)');
    assert.equal(c?.ok, true, 'fail-closed: not a problem');
    assert.match(String(c?.detail), /if the sidecar dies mid-turn, the rest of that turn's tool calls are blocked .* until the next prompt or session/);
    assert.match(String(c?.tip), /^mcpproxy-hook service install: systemd restarts a sidecar that stops at once/);
    // the CLI prints the tip under the ok line
    assert.match(cli(['doctor'], sc.env).stdout, /ok +restart \(http hooks\): [^\n]*\n +tip: mcpproxy-hook service install/);
  } finally {
    await sc.cleanup();
  }
});
