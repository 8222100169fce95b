/** install / uninstall against a throwaway HOME: what is written, the record, and a removal that leaves no trace. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolvePaths } from '../../src/paths.ts';
import { honoursOnFailure, readRecord, runInstall, runUninstall, type InstallContext } from '../../src/cli/install.ts';
import { isTransient, runtimeDependencyDirs, stableRoot } from '../../src/cli/package-copy.ts';

/** A package laid out as `npm install -g` leaves it (no .git): used in place. */
function fakePackage(dir: string, deps: Record<string, string> = {}): string {
  mkdirSync(join(dir, 'dist'), { recursive: true });
  mkdirSync(join(dir, 'bin'), { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'mcpproxy-hook', version: '9.9.9', dependencies: deps, devDependencies: { 'dev-only': '1' } }),
  );
  writeFileSync(join(dir, 'dist', 'hook.cjs'), '// hook');
  writeFileSync(join(dir, 'dist', 'cli.js'), '// cli');
  writeFileSync(join(dir, 'bin', 'mcpproxy-hook.js'), '// bin');
  return dir;
}

function setup(): { home: string; ctx: InstallContext; out: string[]; settings: string; cleanup: () => void } {
  const home = mkdtempSync(join(tmpdir(), 'mph-inst-'));
  const env: NodeJS.ProcessEnv = { HOME: home, MCPPROXY_HOOK_HOME: join(home, 's'), PATH: process.env.PATH };
  const out: string[] = [];
  const pkg = fakePackage(join(home, 'global', 'mcpproxy-hook'));
  const proj = join(home, 'proj');
  mkdirSync(proj);
  const ctx: InstallContext = { paths: resolvePaths(env), packageRoot: pkg, cwd: proj, env, out: (s) => void out.push(s) };
  return { home, ctx, out, settings: join(home, '.claude', 'settings.json'), cleanup: () => rmSync(home, { recursive: true, force: true }) };
}

test('default install: HTTP hooks with onFailure block, a SessionStart starter, a port in the config, token file 0600, all recorded', async () => {
  const t = setup();
  try {
    mkdirSync(join(t.home, '.claude'));
    const original = '{"model":"opus",\n "permissions": {"allow": ["Bash(npm test)"]}}\n';
    writeFileSync(t.settings, original, { mode: 0o644 });
    chmodSync(t.settings, 0o644);
    await runInstall({ scope: 'user', start: false }, t.ctx);
    const s = JSON.parse(readFileSync(t.settings, 'utf8'));
    const pre = s.hooks.PreToolUse[0].hooks[0];
    assert.equal(pre.type, 'http');
    assert.equal(pre.onFailure, 'block');
    assert.match(pre.url, /^http:\/\/127\.0\.0\.1:\d+\/mcpproxy-hook\/v1\/hook$/);
    const port = Number(/:(\d+)\//.exec(pre.url)?.[1]);
    assert.ok(port >= 20000 && port < 32768, `port ${port} is outside the ephemeral ranges`);
    assert.equal(JSON.parse(readFileSync(t.ctx.paths.configFile, 'utf8')).hook.httpPort, port);
    assert.equal(pre.headers.Authorization, `Bearer ${readFileSync(t.ctx.paths.tokenFile, 'utf8').trim()}`);
    assert.equal(statSync(t.settings).mode & 0o777, 0o600, 'the token makes the file private');
    const start = s.hooks.SessionStart[0];
    assert.equal(start.matcher, undefined);
    assert.match(
      start.hooks[0].command,
      new RegExp(`hook\\.cjs start .*--http-port ${port} --autostart .*global/mcpproxy-hook/bin/mcpproxy-hook\\.js #mcpproxy-hook$`),
    );
    const restarter = s.hooks.UserPromptSubmit.find((g: { hooks: Array<{ type: string }> }) => g.hooks[0]?.type === 'command');
    assert.equal(restarter?.hooks[0].command, start.hooks[0].command, 'each prompt also starts a sidecar that died mid-session');
    assert.equal(s.hooks.PostToolUse[0].hooks[0].onFailure, 'block');
    assert.equal(s.hooks.PostToolUseFailure[0].hooks[0].onFailure, 'block');
    assert.deepEqual(readdirSync(join(t.home, '.claude')), ['settings.json'], 'no .bak or temp file');
    const rec = readRecord(t.ctx.paths);
    assert.deepEqual(
      rec.settings.map((r) => [r.file, r.created, r.mode, r.original]),
      [[t.settings, false, 0o644, original]],
    );
    assert.equal(rec.config?.httpPort, port);
    assert.equal(rec.package, undefined, 'an installed package is used in place');

    // uninstall --all: the user's file comes back byte for byte, with its mode; the port leaves the config
    await runUninstall({ scope: 'user', all: true }, t.ctx);
    assert.equal(readFileSync(t.settings, 'utf8'), original);
    assert.equal(statSync(t.settings).mode & 0o777, 0o644);
    assert.deepEqual(readdirSync(join(t.home, '.claude')), ['settings.json']);
    assert.equal(existsSync(t.ctx.paths.configFile), false, 'install created the config only for the port');
    assert.equal(existsSync(join(t.ctx.paths.stateDir, 'installed.json')), false);
    await runUninstall({ scope: 'user', all: true, purge: true }, t.ctx);
    assert.equal(existsSync(t.ctx.paths.stateDir), false);
  } finally {
    t.cleanup();
  }
});

test('--fail-open writes no onFailure; --transport command --fail-closed writes it and the hook flag; --autostart means the command hook', async () => {
  const t = setup();
  try {
    await runInstall({ scope: 'user', start: false, failOpen: true }, t.ctx);
    let s = JSON.parse(readFileSync(t.settings, 'utf8'));
    assert.equal(s.hooks.PreToolUse[0].hooks[0].onFailure, undefined);
    await runInstall({ scope: 'user', start: false, transport: 'command', failClosed: true }, t.ctx);
    s = JSON.parse(readFileSync(t.settings, 'utf8'));
    assert.equal(s.hooks.SessionStart, undefined, 'the command hook takes no starter');
    assert.equal(s.hooks.PreToolUse.length, 1, 'one handler of ours per event');
    assert.equal(s.hooks.PreToolUse[0].hooks[0].onFailure, 'block');
    assert.match(s.hooks.PreToolUse[0].hooks[0].command, /pre --socket .* --fail-closed #mcpproxy-hook$/);
    assert.equal(statSync(t.settings).mode & 0o777, 0o600);
    await runInstall({ scope: 'user', start: false, autostart: true }, t.ctx);
    s = JSON.parse(readFileSync(t.settings, 'utf8'));
    assert.equal(s.hooks.PreToolUse[0].hooks[0].type, 'command');
    assert.match(s.hooks.PreToolUse[0].hooks[0].command, /--autostart/);
    await assert.rejects(runInstall({ scope: 'user', start: false, autostart: true, transport: 'http' }, t.ctx), /--autostart is for the command hook/);
    // install created the file: uninstall removes it
    await runUninstall({ scope: 'user' }, t.ctx);
    assert.equal(existsSync(t.settings), false);
  } finally {
    t.cleanup();
  }
});

test('project scope keeps the token out of the file; uninstall --all finds a project install made in another directory', async () => {
  const t = setup();
  try {
    await runInstall({ scope: 'project', start: false }, t.ctx);
    const file = join(t.ctx.cwd, '.claude', 'settings.json');
    const s = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(s.hooks.PreToolUse[0].hooks[0].headers.Authorization, 'Bearer $MCPPROXY_HOOK_TOKEN');
    assert.deepEqual(s.hooks.PreToolUse[0].hooks[0].allowedEnvVars, ['MCPPROXY_HOOK_TOKEN']);
    const elsewhere = join(t.home, 'other');
    mkdirSync(elsewhere);
    await runUninstall({ scope: 'user', all: true }, { ...t.ctx, cwd: elsewhere });
    assert.equal(existsSync(file), false, 'the project settings file install created is gone');
  } finally {
    t.cleanup();
  }
});

test('--mcp registration: uninstall leaves no "mcpServers": {} behind and keeps the user\'s other servers', async () => {
  const t = setup();
  try {
    const cj = join(t.home, '.claude.json');
    writeFileSync(cj, JSON.stringify({ numStartups: 3 }));
    await runInstall({ scope: 'user', mcpOnly: true }, t.ctx);
    const reg = JSON.parse(readFileSync(cj, 'utf8')).mcpServers['mcpproxy-hook'];
    assert.deepEqual(reg.args.slice(1), ['mcp', '--socket', join(t.ctx.paths.stateDir, 'mcp.sock')]);
    await runUninstall({ scope: 'user', mcp: true }, t.ctx);
    assert.deepEqual(JSON.parse(readFileSync(cj, 'utf8')), { numStartups: 3 });
    writeFileSync(cj, JSON.stringify({ mcpServers: { mine: { command: 'x' } } }));
    await runInstall({ scope: 'user', mcpOnly: true }, t.ctx);
    await runUninstall({ scope: 'user', all: true }, t.ctx);
    assert.deepEqual(JSON.parse(readFileSync(cj, 'utf8')), { mcpServers: { mine: { command: 'x' } } });
  } finally {
    t.cleanup();
  }
});

test('a source checkout is copied with its runtime dependencies only, once per build, and the copy is what install points at', async () => {
  const t = setup();
  try {
    const co = fakePackage(join(t.home, 'clone'), { dep: '1' });
    mkdirSync(join(co, '.git'));
    for (const [name, deps] of [
      ['dep', { sub: '1' }],
      ['sub', {}],
      ['dev-only', {}],
    ] as const) {
      mkdirSync(join(co, 'node_modules', name), { recursive: true });
      writeFileSync(join(co, 'node_modules', name, 'package.json'), JSON.stringify({ name, dependencies: deps }));
    }
    mkdirSync(join(co, 'node_modules', 'dep', 'build', 'Release', 'obj.target'), { recursive: true });
    writeFileSync(join(co, 'node_modules', 'dep', 'build', 'Release', 'x.node'), 'bin');
    assert.equal(isTransient(co), true);
    assert.deepEqual(runtimeDependencyDirs(co), [join('node_modules', 'dep'), join('node_modules', 'sub')]);
    await runInstall({ scope: 'user', start: false, transport: 'command' }, { ...t.ctx, packageRoot: co });
    const copy = join(t.ctx.paths.stateDir, 'package');
    const s = JSON.parse(readFileSync(t.settings, 'utf8'));
    assert.ok(s.hooks.PreToolUse[0].hooks[0].command.includes(`${copy}/dist/hook.cjs`), s.hooks.PreToolUse[0].hooks[0].command);
    assert.ok(!JSON.stringify(s).includes(co + '/'), 'nothing points into the checkout');
    assert.deepEqual(readdirSync(join(copy, 'node_modules')).sort(), ['dep', 'sub']);
    assert.equal(existsSync(join(copy, 'node_modules', 'dep', 'build', 'Release', 'x.node')), true);
    assert.equal(existsSync(join(copy, 'node_modules', 'dep', 'build', 'Release', 'obj.target')), false);
    assert.equal(stableRoot(co, t.ctx.paths, t.ctx.env).copied, false, 'same build: not copied again');
    writeFileSync(join(co, 'dist', 'hook.cjs'), '// hook v2');
    assert.equal(stableRoot(co, t.ctx.paths, t.ctx.env).copied, true, 'a new build is copied');
    rmSync(co, { recursive: true, force: true });
    assert.equal(readFileSync(join(copy, 'dist', 'hook.cjs'), 'utf8'), '// hook v2', 'the guard survives the clone going away');
    await runUninstall({ scope: 'user', all: true }, t.ctx);
    assert.equal(existsSync(copy), false);
  } finally {
    t.cleanup();
  }
});

test('uninstall --all also asks to remove the service and the plugin; plain uninstall does not; --purge without --all is refused', async () => {
  const t = setup();
  try {
    await runInstall({ scope: 'user', start: false }, t.ctx);
    const calls: string[] = [];
    const ctx = {
      ...t.ctx,
      removeService: async () => (calls.push('service'), ['Removed the service file.']),
      removePlugin: async () => (calls.push('plugin'), ['Uninstalled the plugin.']),
    };
    await assert.rejects(runUninstall({ scope: 'user', purge: true }, ctx), /--purge .* goes with --all/);
    await runUninstall({ scope: 'user' }, ctx);
    assert.deepEqual(calls, []);
    await runInstall({ scope: 'user', start: false }, t.ctx);
    t.out.length = 0;
    await runUninstall({ scope: 'user', all: true }, ctx);
    assert.deepEqual(calls, ['plugin', 'service']);
    assert.match(t.out.join(''), /Uninstalled the plugin\.\nRemoved the service file\./);
  } finally {
    t.cleanup();
  }
});

test('a Claude Code that predates onFailure (< 2.1.295) gets a warning at install, since it would let a failed hook call through', async () => {
  assert.equal(honoursOnFailure([2, 1, 295]), true);
  assert.equal(honoursOnFailure([2, 1, 330]), true);
  assert.equal(honoursOnFailure([2, 2, 0]), true);
  assert.equal(honoursOnFailure([2, 1, 294]), false);
  assert.equal(honoursOnFailure([2, 0, 999]), false);
  const t = setup();
  try {
    const fake = join(t.home, 'claude');
    writeFileSync(fake, '#!/bin/sh\necho "2.1.197 (Claude Code)"\n', { mode: 0o755 });
    await runInstall({ scope: 'user', start: false }, { ...t.ctx, env: { ...t.ctx.env, MCPPROXY_HOOK_CLAUDE_BIN: fake } });
    assert.match(t.out.join(''), /WARNING: the Claude Code on PATH is 2\.1\.197; versions before 2\.1\.295 ignore "onFailure": "block"/);
    t.out.length = 0;
    writeFileSync(fake, '#!/bin/sh\necho "2.1.330 (Claude Code)"\n', { mode: 0o755 });
    await runInstall({ scope: 'user', start: false }, { ...t.ctx, env: { ...t.ctx.env, MCPPROXY_HOOK_CLAUDE_BIN: fake } });
    assert.doesNotMatch(t.out.join(''), /WARNING/);
  } finally {
    t.cleanup();
  }
});
