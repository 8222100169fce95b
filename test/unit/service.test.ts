/**
 * Service files: generated systemd unit and launchd plist (checked on every OS), install/uninstall/status
 * with an injected runner in a temp HOME (no real systemctl/launchctl is touched), the CLI commands, and
 * — on Linux with systemd-analyze — the unit verified by systemd itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import {
  DEFAULT_LABEL,
  firstLine,
  launchdPlist,
  registerServiceCommands,
  serviceEnv,
  serviceInstall,
  servicePaths,
  serviceStatus,
  serviceUninstall,
  ServiceError,
  systemdEnvLine,
  systemdQuoteArg,
  systemdUnit,
  UNIT_NAME,
  type RunResult,
  type ServiceSpec,
} from '../../src/service.ts';
import { skipUnless } from '../helpers/skip.ts';

const NODE = '/usr/local/bin/node';
const CLI = '/opt/mcpproxy-hook/bin/mcpproxy-hook.js';

/** [Section] -> list of [key, value] in file order */
function ini(text: string): Map<string, Array<[string, string]>> {
  const out = new Map<string, Array<[string, string]>>();
  let cur = '';
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^\[(.+)\]$/.exec(line);
    if (m) {
      cur = m[1] as string;
      out.set(cur, []);
      continue;
    }
    const i = line.indexOf('=');
    assert.ok(i > 0, `not a key=value line: ${line}`);
    out.get(cur)?.push([line.slice(0, i), line.slice(i + 1)]);
  }
  return out;
}
const one = (sec: Array<[string, string]> | undefined, key: string): string => {
  const hits = (sec ?? []).filter(([k]) => k === key);
  assert.equal(hits.length, 1, `${key} appears ${hits.length} times`);
  return (hits[0] as [string, string])[1];
};

/** Minimal reader for the plist we write: top-level dict of key -> string | bool | int | array | dict. */
function plist(xml: string): Record<string, unknown> {
  const unx = (s: string): string =>
    s
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, '&');
  const tokens = [...xml.replace(/<\?xml[^>]*\?>|<!DOCTYPE[^>]*>|<!--[\s\S]*?-->/g, '').matchAll(/<(\/?)(\w+)(?:\s[^>]*?)?(\/?)>([^<]*)/g)];
  let i = 0;
  const val = (): unknown => {
    const t = tokens[i++] as RegExpMatchArray;
    const [, close, tag, self, text] = t;
    assert.equal(close, '', `unexpected </${tag}>`);
    if (tag === 'true' && self) return true;
    if (tag === 'false' && self) return false;
    if (tag === 'string' || tag === 'integer') {
      assert.equal((tokens[i++] as RegExpMatchArray)[2], tag);
      return tag === 'integer' ? Number(text) : unx(text as string);
    }
    if (tag === 'array') {
      const a: unknown[] = [];
      while (!((tokens[i] as RegExpMatchArray)[1] === '/' && (tokens[i] as RegExpMatchArray)[2] === 'array')) a.push(val());
      i++;
      return a;
    }
    if (tag === 'dict') {
      const d: Record<string, unknown> = {};
      while (!((tokens[i] as RegExpMatchArray)[1] === '/' && (tokens[i] as RegExpMatchArray)[2] === 'dict')) {
        const k = tokens[i++] as RegExpMatchArray;
        assert.equal(k[2], 'key');
        i++; // </key>
        d[unx(k[4] as string)] = val();
      }
      i++;
      return d;
    }
    throw new Error(`unexpected <${tag}>`);
  };
  assert.equal((tokens[i++] as RegExpMatchArray)[2], 'plist');
  return val() as Record<string, unknown>;
}

// ------------------------------------------------------------------------------ systemd unit

test('systemd unit: every directive, in the right section, once', () => {
  const u = ini(systemdUnit({ node: NODE, cli: CLI, env: { MCPPROXY_HOOK_HOME: '/home/u/.mph' } }));
  assert.deepEqual([...u.keys()], ['Unit', 'Service', 'Install']);
  const unit = u.get('Unit');
  assert.match(one(unit, 'Description'), /mcpproxy-hook/);
  assert.equal(one(unit, 'After'), 'default.target');
  assert.equal(one(unit, 'StartLimitIntervalSec'), '60');
  assert.equal(one(unit, 'StartLimitBurst'), '5');
  const svc = u.get('Service');
  assert.equal(one(svc, 'Type'), 'simple');
  assert.equal(one(svc, 'ExecStart'), `${NODE} --max-semi-space-size=4 --no-parallel-scavenge ${CLI} daemon`);
  assert.equal(one(svc, 'ExecReload'), '/bin/kill -HUP $MAINPID');
  assert.equal(one(svc, 'Restart'), 'on-failure');
  assert.equal(one(svc, 'RestartSec'), '1');
  assert.equal(one(svc, 'RestartPreventExitStatus'), '78');
  assert.deepEqual(
    (svc ?? []).filter(([k]) => k === 'Environment').map(([, v]) => v),
    ['"MALLOC_ARENA_MAX=2"', '"MALLOC_TRIM_THRESHOLD_=131072"', '"MCPPROXY_HOOK_HOME=/home/u/.mph"'],
  );
  assert.equal(one(svc, 'UMask'), '0077');
  assert.equal(one(svc, 'NoNewPrivileges'), 'yes');
  assert.equal(one(svc, 'MemoryMax'), '1G');
  assert.equal(one(svc, 'TasksMax'), '64');
  assert.equal(one(svc, 'LimitNOFILE'), '4096');
  assert.equal(one(svc, 'StandardOutput'), 'journal');
  assert.equal(one(svc, 'StandardError'), 'journal');
  // sandboxing that needs a user namespace in a user unit is left out (it would stop the service starting where userns is restricted)
  for (const k of ['PrivateTmp', 'ProtectSystem', 'ProtectHome', 'PrivateUsers', 'User', 'Group'])
    assert.ok(!(svc ?? []).some(([key]) => key === k), `${k} must not be in a user unit`);
  assert.equal(one(u.get('Install'), 'WantedBy'), 'default.target');
  assert.equal(one(ini(systemdUnit({ node: NODE, cli: CLI, env: {}, memoryMax: '512M' })).get('Service'), 'MemoryMax'), '512M');
  // with no env of the user's: only the allocator's settings (daemon-args.ts DAEMON_ENV)
  assert.deepEqual(
    (ini(systemdUnit({ node: NODE, cli: CLI, env: {} })).get('Service') ?? []).filter(([k]) => k === 'Environment').map(([, v]) => v),
    ['"MALLOC_ARENA_MAX=2"', '"MALLOC_TRIM_THRESHOLD_=131072"'],
  );
});

test('systemd quoting: spaces, quotes, backslashes, $ and % in paths and env values', () => {
  assert.equal(systemdQuoteArg('/usr/bin/node'), '/usr/bin/node');
  assert.equal(systemdQuoteArg('/opt/my tools/cli.js'), '"/opt/my tools/cli.js"');
  assert.equal(systemdQuoteArg(`/a "b" \\c`), `"/a \\"b\\" \\\\c"`);
  assert.equal(systemdQuoteArg('/a/$HOME/%h'), '"/a/$$HOME/%%h"'); // arguments get $ substitution and % specifiers
  assert.equal(systemdQuoteArg('/a b/$x/%h/node', true), '"/a b/$x/%%h/node"'); // the executable path gets no $ substitution
  assert.throws(
    () => systemdQuoteArg(`/o'brien/node`, true),
    (e: Error) => e instanceof ServiceError && /symlink/.test(e.message),
  );
  const unit = systemdUnit({ node: '/home/a b/.nvm/node', cli: '/home/a b/mcp hook/cli.js', env: { MCPPROXY_HOOK_HOME: `/x "y" \\z $HOME 50%` } });
  assert.ok(unit.includes('ExecStart="/home/a b/.nvm/node" --max-semi-space-size=4 --no-parallel-scavenge "/home/a b/mcp hook/cli.js" daemon\n'));
  assert.equal(systemdEnvLine('K', `/x "y" \\z $HOME 50%`), 'Environment="K=/x \\"y\\" \\\\z $HOME 50%%"');
  assert.ok(unit.includes('Environment="MCPPROXY_HOOK_HOME=/x \\"y\\" \\\\z $HOME 50%%"\n'));
  // env keys sorted, one line each
  const u2 = systemdUnit({ node: NODE, cli: CLI, env: { XDG_STATE_HOME: '/s', MCPPROXY_HOOK_HOME: '/m' } });
  assert.ok(u2.indexOf('MCPPROXY_HOOK_HOME') < u2.indexOf('XDG_STATE_HOME'));
});

test('generators refuse what a service file cannot carry, with a message that says what to do', () => {
  assert.throws(() => systemdUnit({ node: 'node', cli: CLI, env: {} }), /absolute path/);
  assert.throws(() => systemdUnit({ node: NODE, cli: 'bin/cli.js', env: {} }), /absolute path/);
  assert.throws(() => systemdUnit({ node: NODE, cli: '/a\nExecStartPre=/bin/evil', env: {} }), /control character/);
  assert.throws(() => systemdUnit({ node: NODE, cli: CLI, env: { 'BAD-NAME': 'x' } }), /not valid/);
  assert.throws(() => systemdUnit({ node: NODE, cli: CLI, env: { K: 'line\nExecStartPre=/bin/evil' } }), /control character/);
  assert.throws(() => systemdUnit({ node: NODE, cli: CLI, env: {}, memoryMax: '1G; rm' }), /size/);
  assert.throws(() => launchdPlist({ node: NODE, cli: CLI, env: { K: 'a\u0001b' }, logDir: '/l' }), /control character/);
  assert.throws(() => launchdPlist({ node: NODE, cli: CLI, env: {}, logDir: 'logs' }), /absolute path/);
  assert.throws(() => launchdPlist({ node: NODE, cli: CLI, env: { K: 'lone \ud800 surrogate' }, logDir: '/l' }), /XML/);
  assert.throws(() => launchdPlist({ node: NODE, cli: CLI, env: {}, logDir: '/l', label: '../evil' }), /label/);
});

// ------------------------------------------------------------------------------ launchd plist

test('launchd plist: label, program, RunAtLoad, KeepAlive, env, log paths, background', () => {
  const xml = launchdPlist({ node: NODE, cli: CLI, env: { MCPPROXY_HOOK_HOME: '/Users/u/.mph' }, logDir: '/Users/u/.local/state/mcpproxy-hook' });
  assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN"'));
  const p = plist(xml);
  assert.deepEqual(p, {
    Label: DEFAULT_LABEL,
    ProgramArguments: [NODE, '--max-semi-space-size=4', '--no-parallel-scavenge', CLI, 'daemon'],
    RunAtLoad: true,
    KeepAlive: { SuccessfulExit: false },
    ThrottleInterval: 10,
    ProcessType: 'Background',
    Umask: 0o77,
    EnvironmentVariables: { MCPPROXY_HOOK_HOME: '/Users/u/.mph' },
    StandardOutPath: '/Users/u/.local/state/mcpproxy-hook/sidecar.out.log',
    StandardErrorPath: '/Users/u/.local/state/mcpproxy-hook/sidecar.log',
  });
  const p2 = plist(launchdPlist({ node: NODE, cli: CLI, env: {}, logDir: '/l', label: 'com.example.guard' }));
  assert.equal(p2.Label, 'com.example.guard');
  assert.equal(p2.EnvironmentVariables, undefined);
});

test('launchd plist: XML escaping of paths and values round-trips', () => {
  const nasty = `/Users/O'Brien & <Co> "x"/$HOME %h \\ é 😀`;
  const xml = launchdPlist({ node: `${nasty}/node`, cli: `${nasty}/cli.js`, env: { K: nasty }, logDir: nasty });
  for (const raw of ['<Co>', '& <', `"x"`, "O'Brien"]) assert.ok(!xml.includes(raw), `${raw} must be escaped`);
  assert.ok(xml.includes('O&apos;Brien &amp; &lt;Co&gt; &quot;x&quot;'));
  const p = plist(xml);
  assert.deepEqual(p.ProgramArguments, [`${nasty}/node`, '--max-semi-space-size=4', '--no-parallel-scavenge', `${nasty}/cli.js`, 'daemon']);
  assert.deepEqual(p.EnvironmentVariables, { K: nasty });
  assert.equal(p.StandardErrorPath, `${nasty}/sidecar.log`);
  if (process.platform === 'darwin' && spawnSync('plutil', ['-help']).status !== null) {
    const dir = mkdtempSync(join(tmpdir(), 'mph-plist-'));
    try {
      writeFileSync(join(dir, 'a.plist'), xml);
      const r = spawnSync('plutil', ['-lint', join(dir, 'a.plist')], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stdout + r.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

// ------------------------------------------------------------------------------ paths

test('servicePaths: systemd user dir (XDG_CONFIG_HOME respected when absolute), LaunchAgents, unsupported', () => {
  assert.deepEqual(servicePaths('linux', '/home/u', {}), { kind: 'systemd', file: '/home/u/.config/systemd/user/mcpproxy-hook.service' });
  assert.deepEqual(servicePaths('linux', '/home/u', { XDG_CONFIG_HOME: '/cfg' }), { kind: 'systemd', file: '/cfg/systemd/user/mcpproxy-hook.service' });
  assert.deepEqual(servicePaths('linux', '/home/u', { XDG_CONFIG_HOME: 'relative' }), {
    kind: 'systemd',
    file: '/home/u/.config/systemd/user/mcpproxy-hook.service',
  });
  assert.deepEqual(servicePaths('darwin', '/Users/u', { XDG_CONFIG_HOME: '/cfg' }), {
    kind: 'launchd',
    file: `/Users/u/Library/LaunchAgents/${DEFAULT_LABEL}.plist`,
  });
  assert.deepEqual(servicePaths('darwin', '/Users/u', {}, 'com.x.y'), { kind: 'launchd', file: '/Users/u/Library/LaunchAgents/com.x.y.plist' });
  assert.equal(servicePaths('win32', 'C:\\Users\\u', {}).kind, 'unsupported');
  assert.deepEqual(serviceEnv({ XDG_STATE_HOME: '/st', HOME: '/h', PATH: '/bin' }, { stateDir: '/m', relocated: true }), {
    MCPPROXY_HOOK_HOME: '/m',
    XDG_STATE_HOME: '/st',
  });
  assert.deepEqual(serviceEnv({}, { stateDir: '/h/.local/state/mcpproxy-hook', relocated: false }), {});
});

// ------------------------------------------------------------------------------ install / uninstall

type Call = string;
function fakeRunner(answer: (cmdline: string) => Partial<RunResult> = () => ({})): { calls: Call[]; run: (cmd: string, args: string[]) => RunResult } {
  const calls: Call[] = [];
  return {
    calls,
    run: (cmd, args) => {
      const line = [cmd, ...args].join(' ');
      calls.push(line);
      return { status: 0, stdout: '', stderr: '', ...answer(line) };
    },
  };
}

function tempHome(): { home: string; spec: ServiceSpec; done: () => void } {
  const home = mkdtempSync(join(tmpdir(), 'mph-svc-'));
  return {
    home,
    spec: { node: NODE, cli: CLI, env: { MCPPROXY_HOOK_HOME: join(home, 'st') }, logDir: join(home, 'st') },
    done: () => rmSync(home, { recursive: true, force: true }),
  };
}

test('systemd install: file written 0644 atomically, reload + enable --now in order; second run changes and restarts nothing', async () => {
  const t = tempHome();
  try {
    const f = fakeRunner();
    const ctx = { platform: 'linux' as const, home: t.home, env: {}, uid: 1000, runner: f.run };
    const r1 = await serviceInstall(t.spec, ctx);
    const file = join(t.home, '.config/systemd/user', UNIT_NAME);
    assert.equal(r1.file, file);
    assert.equal(r1.ok, true);
    assert.equal(r1.changed, true);
    assert.equal(readFileSync(file, 'utf8'), systemdUnit(t.spec));
    assert.equal(statSync(file).mode & 0o777, 0o644);
    assert.deepEqual(f.calls, ['systemctl --user daemon-reload', `systemctl --user enable --now ${UNIT_NAME}`]);
    assert.deepEqual(r1.manual, []);
    assert.ok(!existsSync(file + `.tmp-${process.pid}`));

    f.calls.length = 0;
    const r2 = await serviceInstall(t.spec, ctx);
    assert.equal(r2.changed, false);
    assert.deepEqual(f.calls, [`systemctl --user enable --now ${UNIT_NAME}`]);
    assert.match(r2.lines.join('\n'), /up to date/);

    // node moved while the service runs: rewrite, reload, and restart it so the new ExecStart applies
    f.calls.length = 0;
    const moved = { ...t.spec, node: '/opt/node22/bin/node' };
    const r3 = await serviceInstall(moved, ctx);
    assert.equal(r3.changed, true);
    assert.deepEqual(f.calls, [
      `systemctl --user is-active --quiet ${UNIT_NAME}`,
      'systemctl --user daemon-reload',
      `systemctl --user enable --now ${UNIT_NAME}`,
      `systemctl --user restart ${UNIT_NAME}`,
    ]);
    assert.ok(readFileSync(file, 'utf8').includes('ExecStart=/opt/node22/bin/node '));
  } finally {
    t.done();
  }
});

test('systemd install respects XDG_CONFIG_HOME; dry run writes and runs nothing', async () => {
  const t = tempHome();
  try {
    const f = fakeRunner();
    const r = await serviceInstall(t.spec, { platform: 'linux', home: t.home, env: { XDG_CONFIG_HOME: join(t.home, 'cfg') }, runner: f.run, dryRun: true });
    assert.equal(r.file, join(t.home, 'cfg/systemd/user', UNIT_NAME));
    assert.equal(r.content, systemdUnit(t.spec));
    assert.ok(!existsSync(r.file));
    assert.deepEqual(f.calls, []);
    assert.deepEqual(
      r.ran.map((c) => [c.cmd, ...c.args].join(' ')),
      ['systemctl --user daemon-reload', `systemctl --user enable --now ${UNIT_NAME}`],
    );
  } finally {
    t.done();
  }
});

test('systemd install without systemctl, or without a user bus: the file is written and the user is told what to run and why', async () => {
  const t = tempHome();
  try {
    const missing = fakeRunner(() => ({ status: null, stderr: 'ENOENT spawnSync systemctl ENOENT' }));
    const r1 = await serviceInstall(t.spec, { platform: 'linux', home: t.home, env: {}, runner: missing.run });
    assert.equal(r1.ok, false);
    assert.ok(existsSync(r1.file));
    assert.deepEqual(r1.manual, ['systemctl --user daemon-reload', `systemctl --user enable --now ${UNIT_NAME}`]);
    const text1 = r1.lines.join('\n');
    assert.match(text1, /systemctl was not found/);
    assert.match(text1, /mcpproxy-hook daemon/);
    assert.ok(text1.includes(`    systemctl --user enable --now ${UNIT_NAME}`));

    rmSync(r1.file);
    const noBus = fakeRunner(() => ({ status: 1, stderr: 'Failed to connect to bus: No medium found\n' }));
    const r2 = await serviceInstall(t.spec, { platform: 'linux', home: t.home, env: { SUDO_USER: 'alice' }, uid: 0, runner: noBus.run });
    assert.equal(r2.ok, false);
    assert.ok(existsSync(r2.file));
    const text2 = r2.lines.join('\n');
    assert.match(text2, /could not reach your user service manager \(Failed to connect to bus: No medium found\)/);
    assert.match(text2, /containers/);
    assert.match(text2, /loginctl enable-linger/);
    assert.match(text2, /not alice's/); // sudo warning
    assert.deepEqual(noBus.calls, ['systemctl --user daemon-reload']);

    // the unit itself fails to start: point at the journal
    const failing = fakeRunner((c) =>
      c.includes('enable') ? { status: 1, stderr: `Job for ${UNIT_NAME} failed because the control process exited with error code.` } : {},
    );
    rmSync(r2.file);
    const r3 = await serviceInstall(t.spec, { platform: 'linux', home: t.home, env: {}, runner: failing.run });
    assert.equal(r3.ok, false);
    assert.match(r3.lines.join('\n'), /journalctl --user -u mcpproxy-hook.service/);
  } finally {
    t.done();
  }
});

test("systemctl's own progress lines (Created symlink, Removed) are not shown as the reason a step failed", async () => {
  const t = tempHome();
  try {
    // systemctl --user in a container: the symlink is made from the files, then the bus is missing
    const link = `Created symlink ${t.home}/.config/systemd/user/default.target.wants/${UNIT_NAME} → ${t.home}/.config/systemd/user/${UNIT_NAME}.`;
    const enable = fakeRunner((c) => (c.includes('enable') ? { status: 1, stderr: `${link}\nFailed to connect to bus: No medium found\n` } : {}));
    const r = await serviceInstall(t.spec, { platform: 'linux', home: t.home, env: {}, runner: enable.run });
    assert.equal(r.ok, false);
    const text = r.lines.join('\n');
    assert.match(text, /could not reach your user service manager \(Failed to connect to bus: No medium found\)/);
    assert.ok(!text.includes('Created symlink'), text);
    // a start that fails after the enable: the job's own message
    const job = fakeRunner((c) =>
      c.includes('enable') ? { status: 1, stderr: `${link}\nJob for ${UNIT_NAME} failed because the control process exited with error code.\n` } : {},
    );
    rmSync(r.file);
    const r2 = await serviceInstall(t.spec, { platform: 'linux', home: t.home, env: {}, runner: job.run });
    assert.match(r2.lines.join('\n'), new RegExp(`failed: Job for ${UNIT_NAME.replace('.', '\\.')} failed because`));
    const removed = fakeRunner((c) =>
      c.includes('disable')
        ? { status: 1, stderr: `Removed "${t.home}/.config/systemd/user/default.target.wants/${UNIT_NAME}".\nFailed to connect to bus: No medium found\n` }
        : {},
    );
    const u = await serviceUninstall({}, { platform: 'linux', home: t.home, env: {}, runner: removed.run });
    const utext = u.lines.join('\n');
    assert.match(utext, /Could not stop the service through systemctl \(Failed to connect to bus: No medium found\)/);
    assert.ok(!/\(Removed/.test(utext), utext);
    // nothing but progress lines and a failure status: the status is named
    assert.equal(firstLine({ status: 1, stdout: '', stderr: 'Removed "/x".\n' }), 'exit status 1');
  } finally {
    t.done();
  }
});

test('systemd uninstall: disable --now, remove, reload; a second run does nothing', async () => {
  const t = tempHome();
  try {
    const f = fakeRunner();
    const ctx = { platform: 'linux' as const, home: t.home, env: {}, runner: f.run };
    await serviceInstall(t.spec, ctx);
    f.calls.length = 0;
    const r = await serviceUninstall({}, ctx);
    assert.equal(r.ok, true);
    assert.equal(r.changed, true);
    assert.ok(!existsSync(r.file));
    assert.deepEqual(f.calls, [`systemctl --user disable --now ${UNIT_NAME}`, 'systemctl --user daemon-reload']);
    f.calls.length = 0;
    const r2 = await serviceUninstall({}, ctx);
    assert.equal(r2.changed, false);
    assert.deepEqual(f.calls, []);
    assert.match(r2.lines.join('\n'), /nothing to remove/);
  } finally {
    t.done();
  }
});

test('launchd install: log dir, enable + bootstrap into gui/<uid>; second run only kickstarts; a change reloads; uninstall boots out', async () => {
  const t = tempHome();
  try {
    let loaded = false;
    const f = fakeRunner((c) => {
      if (c.startsWith('launchctl print'))
        return loaded
          ? { status: 0, stdout: 'state = running\npid = 4242\nruns = 3\nlast exit code = (never exited)\n' }
          : { status: 113, stderr: 'Could not find service' };
      if (c.startsWith('launchctl bootstrap')) loaded = true;
      if (c.startsWith('launchctl bootout')) loaded = false;
      return {};
    });
    const ctx = { platform: 'darwin' as const, home: t.home, env: {}, uid: 501, runner: f.run };
    const target = `gui/501/${DEFAULT_LABEL}`;
    const r1 = await serviceInstall(t.spec, ctx);
    const file = join(t.home, 'Library/LaunchAgents', `${DEFAULT_LABEL}.plist`);
    assert.equal(r1.file, file);
    assert.equal(r1.ok, true);
    assert.equal(readFileSync(file, 'utf8'), launchdPlist(t.spec));
    assert.equal(statSync(file).mode & 0o777, 0o644);
    assert.ok(statSync(t.spec.logDir).isDirectory());
    assert.deepEqual(f.calls, [`launchctl print ${target}`, `launchctl enable ${target}`, `launchctl bootstrap gui/501 ${file}`]);

    f.calls.length = 0;
    const r2 = await serviceInstall(t.spec, ctx);
    assert.equal(r2.changed, false);
    assert.deepEqual(f.calls, [`launchctl print ${target}`, `launchctl kickstart ${target}`]);

    f.calls.length = 0;
    await serviceInstall({ ...t.spec, node: '/opt/homebrew/bin/node' }, ctx);
    assert.deepEqual(f.calls, [
      `launchctl print ${target}`,
      `launchctl bootout ${target}`,
      `launchctl enable ${target}`,
      `launchctl bootstrap gui/501 ${file}`,
    ]);

    f.calls.length = 0;
    const st = await serviceStatus({ ...t.spec, node: '/opt/homebrew/bin/node' }, ctx);
    assert.equal(st.installed, true);
    assert.equal(st.current, true);
    assert.equal(st.active, 'running');
    assert.equal(st.pid, 4242);
    assert.equal(st.restarts, 2);
    const stale = await serviceStatus(t.spec, ctx);
    assert.equal(stale.current, false);
    assert.match(stale.lines.join('\n'), /OUT OF DATE/);

    f.calls.length = 0;
    const u = await serviceUninstall({}, ctx);
    assert.equal(u.ok, true);
    assert.ok(!existsSync(file));
    assert.deepEqual(f.calls, [`launchctl bootout ${target}`]);
    // not loaded any more: bootout says so, which is fine
    writeFileSync(file, 'x');
    const u2 = await serviceUninstall({}, { ...ctx, runner: fakeRunner(() => ({ status: 3, stderr: 'Boot-out failed: 3: No such process' })).run });
    assert.equal(u2.ok, true);

    // no GUI domain (SSH session): the file stays, the user gets the commands
    rmSync(file, { force: true });
    const ssh = fakeRunner((c) =>
      c.startsWith('launchctl print')
        ? { status: 113 }
        : c.startsWith('launchctl bootstrap')
          ? { status: 125, stderr: 'Bootstrap failed: 125: Domain does not support specified action' }
          : {},
    );
    const r4 = await serviceInstall(t.spec, { ...ctx, runner: ssh.run });
    assert.equal(r4.ok, false);
    assert.ok(existsSync(file));
    assert.deepEqual(r4.manual, [`launchctl bootstrap gui/501 ${file}`]);
    assert.match(r4.lines.join('\n'), /no GUI login session/);
  } finally {
    t.done();
  }
});

test('systemd status parses systemctl show; unsupported platforms get a clear error', async () => {
  const t = tempHome();
  try {
    const show = 'LoadState=loaded\nActiveState=active\nSubState=running\nUnitFileState=enabled\nMainPID=777\nNRestarts=2\nExecMainStatus=0\n';
    const f = fakeRunner((c) => (c.includes(' show ') ? { stdout: show } : {}));
    const ctx = { platform: 'linux' as const, home: t.home, env: {}, runner: f.run };
    const none = await serviceStatus(t.spec, ctx);
    assert.equal(none.installed, false);
    assert.match(none.lines[0] as string, /not installed.*service install/);
    await serviceInstall(t.spec, ctx);
    const st = await serviceStatus(t.spec, ctx);
    assert.equal(st.installed, true);
    assert.equal(st.current, true);
    assert.equal(st.managerReachable, true);
    assert.equal(st.active, 'active (running)');
    assert.equal(st.enabled, 'enabled');
    assert.equal(st.pid, 777);
    assert.equal(st.restarts, 2);
    const failed = await serviceStatus(t.spec, {
      ...ctx,
      runner: fakeRunner(() => ({
        stdout: 'LoadState=loaded\nActiveState=failed\nSubState=failed\nUnitFileState=enabled\nMainPID=0\nNRestarts=5\nExecMainStatus=78\n',
      })).run,
    });
    assert.match(failed.lines.join('\n'), /last exit status 78 \(config error/);
    assert.match(failed.lines.join('\n'), /journalctl --user -u/);
    const nobus = await serviceStatus(t.spec, { ...ctx, runner: fakeRunner(() => ({ status: 1, stderr: 'Failed to connect to bus: No medium found' })).run });
    assert.equal(nobus.managerReachable, false);
    await assert.rejects(
      serviceInstall(t.spec, { platform: 'win32', home: t.home, runner: f.run }),
      (e: Error) => e instanceof ServiceError && /Linux \(systemd\) and macOS \(launchd\)/.test(e.message) && /daemon/.test(e.message),
    );
  } finally {
    t.done();
  }
});

test('CLI: service install --dry-run / install / status / uninstall through commander', async () => {
  const t = tempHome();
  const cli = join(t.home, 'cli.js');
  writeFileSync(cli, '');
  const out: string[] = [];
  const err: string[] = [];
  const f = fakeRunner((c) =>
    c.includes(' show ')
      ? { stdout: 'LoadState=loaded\nActiveState=active\nSubState=running\nUnitFileState=enabled\nMainPID=9\nNRestarts=0\nExecMainStatus=0\n' }
      : {},
  );
  let up = false;
  const mk = (): Command => {
    const program = new Command('mcpproxy-hook').exitOverride();
    registerServiceCommands(program, {
      cliPath: () => cli,
      resolvePaths: () => ({ stateDir: join(t.home, 'st'), socket: join(t.home, 'st', 'sidecar.sock'), relocated: true }),
      node: () => NODE,
      env: {},
      platform: 'linux',
      home: t.home,
      uid: 1000,
      runner: f.run,
      ping: async () => up,
      out: (s) => void out.push(s),
      err: (s) => void err.push(s),
    });
    return program;
  };
  const saved = process.exitCode;
  try {
    await mk().parseAsync(['node', 'x', 'service', 'install', '--dry-run']);
    const dry = out.join('');
    assert.ok(dry.includes(`ExecStart=${NODE} --max-semi-space-size=4 --no-parallel-scavenge ${cli} daemon`));
    assert.ok(dry.includes(`Environment="MCPPROXY_HOOK_HOME=${join(t.home, 'st')}"`));
    assert.ok(dry.includes(`systemctl --user enable --now ${UNIT_NAME}`));
    assert.deepEqual(f.calls, []);

    out.length = 0;
    up = true;
    await mk().parseAsync(['node', 'x', 'service', 'install']);
    assert.match(out.join(''), /Enabled and started/);
    assert.match(out.join(''), /The sidecar answers on/);
    assert.ok(existsSync(join(t.home, '.config/systemd/user', UNIT_NAME)));

    out.length = 0;
    await mk().parseAsync(['node', 'x', 'service', 'status', '--json']);
    const st = JSON.parse(out.join('')) as Record<string, unknown>;
    assert.equal(st.installed, true);
    assert.equal(st.current, true);
    assert.equal(st.pid, 9);
    assert.equal(st.sidecarAnswers, true);

    out.length = 0;
    await mk().parseAsync(['node', 'x', 'service', 'uninstall']);
    assert.match(out.join(''), /Removed/);

    // a missing CLI is a user error with the fix, not a stack trace
    rmSync(cli);
    process.exitCode = undefined;
    await mk().parseAsync(['node', 'x', 'service', 'install']);
    assert.match(err.join(''), /does not exist; build the package first \(npm run build\)/);
    assert.equal(process.exitCode, 1);
  } finally {
    process.exitCode = saved;
    t.done();
  }
});

// ------------------------------------------------------------------------------ systemd itself

const haveAnalyze = process.platform === 'linux' && spawnSync('systemd-analyze', ['--version']).status === 0;

test('systemd-analyze verify --user accepts the generated unit (paths with spaces, $ and %)', {
  skip:
    process.platform !== 'linux'
      ? 'systemd-analyze: Linux only; the unit content is still checked above'
      : skipUnless(haveAnalyze, 'systemd-analyze is not installed here (apt-get install systemd); the unit content is still checked above'),
}, () => {
  const base = mkdtempSync(join(tmpdir(), 'mph-sdv-'));
  try {
    // a real executable behind a path that needs quoting and escaping: verify checks that it exists
    const weird = join(base, 'my node $HOME %h;x');
    mkdirSync(weird);
    symlinkSync(process.execPath, join(weird, 'node'));
    const runtime = join(base, 'rt');
    mkdirSync(runtime, { mode: 0o700 });
    const units = join(base, 'units');
    mkdirSync(units);
    const verify = (text: string): { status: number | null; out: string } => {
      const file = join(units, UNIT_NAME);
      writeFileSync(file, text);
      // --user needs a runtime dir; a private HOME keeps the real user's units out of it
      const r = spawnSync('systemd-analyze', ['verify', '--user', '--man=no', file], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, HOME: base, XDG_RUNTIME_DIR: runtime },
        timeout: 60_000,
      });
      return { status: r.status, out: (r.stdout + r.stderr).trim() };
    };
    const good = verify(
      systemdUnit({
        node: join(weird, 'node'),
        cli: `/opt/mcp hook/$X %h "q" 'a' \\b/cli.js`,
        env: { MCPPROXY_HOOK_HOME: `/st/a b/$X %h "q" \\z`, XDG_STATE_HOME: '/x' },
      }),
    );
    assert.equal(good.status, 0, good.out);
    assert.equal(good.out, '', `systemd-analyze warned:\n${good.out}`);
    // the check has teeth: a missing executable and an unknown directive are reported
    const missing = verify(systemdUnit({ node: join(base, 'no such dir', 'node'), cli: CLI, env: {} }));
    assert.notEqual(missing.status, 0);
    assert.match(missing.out, /not executable/);
    const unknown = verify(systemdUnit({ node: join(weird, 'node'), cli: CLI, env: {} }).replace('TasksMax=64', 'TasksMax=64\nNoSuchDirective=1'));
    assert.match(unknown.out, /Unknown key 'NoSuchDirective'/);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
