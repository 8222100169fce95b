import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import {
  holdsToken,
  hookMode,
  MARKER,
  ourHandlers,
  readSettings,
  SettingsError,
  withOurs,
  withoutOurs,
  writeSettings,
  type HookEntry,
} from '../../src/cli/settings.ts';
import { hookCommand } from '../../src/cli/install.ts';

const ours = (phase: 'pre' | 'post') => ({
  type: 'command',
  command: hookCommand(phase, { node: '/usr/bin/node', hook: '/opt/m h/dist/hook.cjs', socket: '/s/sidecar.sock', deadlineMs: 3000, failClosed: false }),
  timeout: 10,
});
const handlers = { PreToolUse: ours('pre'), PostToolUse: ours('post'), PostToolUseFailure: ours('post') };

const userSettings = {
  model: 'opus',
  permissions: { allow: ['Bash(npm test)'] },
  hooks: {
    PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: 'my-linter.sh', timeout: 5 }] }],
    Stop: [{ hooks: [{ type: 'command', command: 'notify-send done' }] }],
  },
};

test('install adds the nested shape and keeps every other key and hook', () => {
  const out = withOurs(userSettings, handlers) as typeof userSettings & {
    hooks: Record<string, Array<{ matcher?: string; hooks: Array<Record<string, unknown>> }>>;
  };
  assert.equal(out.model, 'opus');
  assert.deepEqual(out.permissions, userSettings.permissions);
  assert.deepEqual(out.hooks.Stop, userSettings.hooks.Stop);
  assert.equal(out.hooks.PreToolUse?.length, 2);
  assert.deepEqual(out.hooks.PreToolUse?.[0], userSettings.hooks.PreToolUse[0]);
  const mine = out.hooks.PreToolUse?.[1];
  assert.equal(mine?.matcher, '*');
  assert.equal(mine?.hooks[0]?.type, 'command');
  assert.equal(mine?.hooks[0]?.timeout, 10);
  assert.ok(String(mine?.hooks[0]?.command).includes(MARKER));
  assert.ok(String(mine?.hooks[0]?.command).includes(`'/opt/m h/dist/hook.cjs' pre --socket /s/sidecar.sock`));
  assert.ok(String(mine?.hooks[0]?.command).startsWith('NODE_EXTRA_CA_CERTS= exec /usr/bin/node'));
  assert.equal(out.hooks.PostToolUse?.length, 1);
});

test('install twice equals install once; uninstall restores the original', () => {
  const once = withOurs(userSettings, handlers);
  const twice = withOurs(once, handlers);
  assert.deepEqual(twice, once);
  assert.deepEqual(withoutOurs(twice), userSettings);
  assert.equal(ourHandlers(once).length, 3);
  assert.equal(ourHandlers(withoutOurs(once)).length, 0);
});

test('uninstall keeps a group that mixes our handler with a user handler', () => {
  const mixed = { hooks: { PreToolUse: [{ matcher: '*', hooks: [{ type: 'command', command: 'keep-me' }, ours('pre')] }] } };
  assert.deepEqual(withoutOurs(mixed), { hooks: { PreToolUse: [{ matcher: '*', hooks: [{ type: 'command', command: 'keep-me' }] }] } });
});

test('files: atomic write, the backup removed once the file reads back, no write when unchanged, invalid JSON refused untouched', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mph-settings-'));
  try {
    const f = join(dir, 'settings.json');
    writeFileSync(f, JSON.stringify(userSettings), { mode: 0o644 });
    const { data, text } = readSettings(f);
    const r1 = writeSettings(f, withOurs(data, handlers), text);
    assert.equal(r1.changed, true);
    assert.equal(existsSync(f + '.bak'), false, 'no .bak left behind');
    assert.deepEqual(readdirSync(dir), ['settings.json'], 'no temp file left behind');
    assert.equal(statSync(f).mode & 0o777, 0o644);
    const again = readSettings(f);
    const r2 = writeSettings(f, withOurs(again.data, handlers), again.text);
    assert.equal(r2.changed, false);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{\n  "hooks": {,\n}');
    assert.throws(
      () => readSettings(bad),
      (e: unknown) => e instanceof SettingsError && /line 2/.test(e.message) && e.message.includes('nothing was changed'),
    );
    assert.equal(readFileSync(bad, 'utf8'), '{\n  "hooks": {,\n}');
    assert.deepEqual(readSettings(join(dir, 'missing.json')).data, {});
    assert.equal(existsSync(join(dir, 'missing.json')), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a settings file that holds our bearer token is written 0600 whatever its mode was; a $VAR token is not a token', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mph-settings-'));
  try {
    const f = join(dir, 'settings.json');
    writeFileSync(f, JSON.stringify({ model: 'opus' }), { mode: 0o644 });
    chmodSync(f, 0o644);
    const http = (auth: string) => ({
      type: 'http',
      url: 'http://127.0.0.1:21000/mcpproxy-hook/v1/hook',
      headers: { Authorization: auth },
      onFailure: 'block',
    });
    const withToken = withOurs(readSettings(f).data, {
      PreToolUse: http('Bearer abcdefghijklmnopqrstuvwxyz012345'),
      PostToolUse: http('Bearer abcdefghijklmnopqrstuvwxyz012345'),
    });
    assert.equal(holdsToken(withToken), true);
    const r = writeSettings(f, withToken, readSettings(f).text);
    assert.equal(r.mode, 0o600);
    assert.equal(statSync(f).mode & 0o777, 0o600);
    assert.equal(holdsToken(withOurs({}, { PreToolUse: http('Bearer $MCPPROXY_HOOK_TOKEN') })), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('uninstall leaves no empty "hooks" object; entries with their own event and matcher (SessionStart takes none)', () => {
  const start: HookEntry = { event: 'SessionStart', handler: { type: 'command', command: `node hook.cjs start ${MARKER}` } };
  const installed = withOurs({ model: 'opus' }, [start, { event: 'PreToolUse', matcher: '*', handler: ours('pre') }]);
  assert.deepEqual((installed.hooks as Record<string, unknown>).SessionStart, [{ hooks: [start.handler] }]);
  assert.deepEqual(withoutOurs(installed), { model: 'opus' });
  assert.deepEqual(withoutOurs({ hooks: { PreToolUse: [{ matcher: '*', hooks: [ours('pre')] }] } }), {});
});

test("hookMode: transport, fail-closed (onFailure block or the hook's own --fail-closed) and the SessionStart starter", () => {
  const http = { type: 'http', url: 'http://127.0.0.1:1/mcpproxy-hook/v1/hook' };
  assert.deepEqual(hookMode({}), { transport: 'none', failClosed: false, starter: false });
  assert.deepEqual(hookMode(withOurs({}, { PreToolUse: http })), { transport: 'http', failClosed: false, starter: false });
  assert.deepEqual(
    hookMode(
      withOurs({}, [
        { event: 'PreToolUse', matcher: '*', handler: { ...http, onFailure: 'block' } },
        { event: 'SessionStart', handler: { type: 'command', command: `x ${MARKER}` } },
      ]),
    ),
    { transport: 'http', failClosed: true, starter: true },
  );
  assert.equal(hookMode(withOurs({}, handlers)).failClosed, false);
  assert.equal(hookMode(withOurs({}, { PreToolUse: { ...ours('pre'), onFailure: 'block' } })).failClosed, true);
});

test('a non-object hooks key is refused', () => {
  assert.throws(() => withOurs({ hooks: [] }, handlers), SettingsError);
});
