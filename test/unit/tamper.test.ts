import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowEngine } from '../../src/engine/engine.ts';
import { defaultConfig } from '../../src/config/index.ts';

const HOME = '/home/u';
const STATE = '/home/u/.local/state/mcpproxy-hook';
const DIST = '/home/u/.npm-global/lib/node_modules/mcpproxy-hook/dist';
const CWD = '/home/u/proj';
let n = 0;
const engine = (): FlowEngine =>
  new FlowEngine(defaultConfig(), { seed: 1, home: HOME, guard: { stateDir: STATE, installDir: DIST }, timeOfDay: () => '10:00:00' });
const pre = (e: FlowEngine, tool: string, input: Record<string, unknown>) =>
  e.handle({ hook_event_name: 'PreToolUse', session_id: 's', tool_name: tool, tool_input: input, cwd: CWD, tool_use_id: `t${++n}` }, 1_800_000_000_000 + n);
const bash = (e: FlowEngine, command: string) => pre(e, 'Bash', { command });

test('switching the guard off is denied: kill, service stop, uninstall, deleting or overwriting its state', () => {
  const e = engine();
  for (const c of [
    'pkill -f mcpproxy-hook',
    'kill $(cat ~/.local/state/mcpproxy-hook/sidecar.pid)',
    'pgrep -f mcpproxy | xargs kill -9',
    'sudo killall node',
    'systemctl --user stop mcpproxy-hook.service',
    'systemctl --user disable --now mcpproxy-hook',
    'launchctl bootout gui/501/dev.mcpproxy-hook.sidecar',
    'npx mcpproxy-hook uninstall',
    'mcpproxy-hook service uninstall',
    'mcpproxy-hook config set policy.sensitiveToExternal allow',
    // letting a blocked flow through is the user's call, not the agent's
    'mcpproxy-hook allow 12 --always',
    'npx mcpproxy-hook allow 12 --once',
    'mcpproxy-hook console --print-url',
    `rm -rf ${STATE}`,
    'rm -rf ~/.local/state',
    `echo '{}' > ${STATE}/config.json`,
    `sqlite3 ${STATE}/audit.db 'delete from decisions'`,
    `chmod 777 ${STATE}`,
    `cp /tmp/evil.cjs ${DIST}/hook.cjs`,
  ]) {
    const d = bash(e, c);
    assert.equal(d.action, 'deny', `${c}: ${d.action} ${d.summary}`);
    assert.equal(d.findings[0]?.rule, 'guard_tampering', c);
    assert.match(d.reason, /With the guard off, nothing stops data from leaving/, c);
  }
  assert.equal(pre(e, 'Write', { file_path: `${STATE}/config.json`, content: '{}' }).action, 'deny');
  assert.equal(pre(e, 'Edit', { file_path: `${DIST}/hook.cjs`, old_string: 'a', new_string: 'b' }).action, 'deny');
});

test('rewriting Claude Code settings (where the hooks are) is asked about', () => {
  const e = engine();
  for (const [tool, input] of [
    ['Write', { file_path: `${HOME}/.claude/settings.json`, content: '{}' }],
    ['Edit', { file_path: '.claude/settings.local.json', old_string: 'PreToolUse', new_string: 'x' }],
    ['Write', { file_path: `${HOME}/.claude.json`, content: '{}' }],
    ['Bash', { command: "jq 'del(.hooks)' ~/.claude/settings.json > /tmp/s.json && mv /tmp/s.json ~/.claude/settings.json" }],
    ['Bash', { command: "sed -i 's/PreToolUse/X/' .claude/settings.json" }],
    ['Bash', { command: 'echo {} > ~/.claude/settings.json' }],
  ] as Array<[string, Record<string, unknown>]>) {
    const d = pre(e, tool, input);
    assert.equal(d.action, 'ask', `${JSON.stringify(input)}: ${d.action} ${d.summary}`);
    assert.equal(d.findings[0]?.rule, 'guard_settings');
    assert.match(d.reason, /hold the hooks that check every tool call/);
  }
});

test('ordinary work near the guard is left alone', () => {
  const e = engine();
  for (const c of [
    'kill 12345',
    'pkill -f vite',
    'systemctl --user status mcpproxy-hook',
    'mcpproxy-hook status',
    'npx mcpproxy-hook activity --since 1h',
    'cat ~/.claude/settings.json',
    'cp ~/.claude/settings.json /tmp/settings-backup.json',
    'rm -rf node_modules dist && npm ci',
    `ls -la ${STATE}`,
    'git status',
  ]) {
    const d = bash(e, c);
    assert.ok(!['guard_tampering', 'guard_settings'].includes(d.findings[0]?.rule ?? ''), `${c}: ${d.summary}`);
    assert.ok(d.action === 'allow' || d.action === 'warn', `${c}: ${d.action} ${d.summary}`);
  }
  assert.equal(pre(e, 'Write', { file_path: `${CWD}/src/index.ts`, content: 'export {}' }).action, 'allow');
  // a user can turn it off
  const cfg = defaultConfig();
  cfg.policy.guardTampering = 'warn';
  const w = new FlowEngine(cfg, { seed: 1, home: HOME, guard: { stateDir: STATE } });
  assert.equal(
    w.handle({ hook_event_name: 'PreToolUse', session_id: 's', tool_name: 'Bash', tool_input: { command: 'pkill -f mcpproxy-hook' }, cwd: CWD }, 1).action,
    'warn',
  );
});

test('an ask in a session that bypasses permissions (nobody would be asked) becomes policy.askWhenBypassed: deny by default', () => {
  const e = engine();
  const ev = (mode: string) =>
    e.handle(
      {
        hook_event_name: 'PreToolUse',
        session_id: `m-${mode}`,
        tool_name: 'Write',
        tool_input: { file_path: `${HOME}/.claude/settings.json`, content: '{}' },
        cwd: CWD,
        permission_mode: mode,
      },
      1_800_000_100_000,
    );
  assert.equal(ev('default').action, 'ask');
  assert.equal(ev('acceptEdits').action, 'ask');
  const d = ev('bypassPermissions');
  assert.equal(d.action, 'deny');
  assert.match(
    d.reason,
    /^mcpproxy-hook blocked this Write call: .*permissions bypassed, where Claude Code would run the call without asking, so it is denied instead; policy.askWhenBypassed/,
  );
  const cfg = defaultConfig();
  cfg.policy.askWhenBypassed = 'ask';
  const keep = new FlowEngine(cfg, { seed: 1, home: HOME, guard: { stateDir: STATE } });
  assert.equal(
    keep.handle(
      {
        hook_event_name: 'PreToolUse',
        session_id: 'k',
        tool_name: 'Write',
        tool_input: { file_path: `${HOME}/.claude/settings.json`, content: '{}' },
        cwd: CWD,
        permission_mode: 'bypassPermissions',
      },
      1,
    ).action,
    'ask',
  );
});

// ---------------------------------------------------------------- the real layout (issue 15, item 2)
const CONFIG = '/home/u/.config/mcpproxy-hook/config.json';
const PKG = '/home/u/.npm-global/lib/node_modules/mcpproxy-hook';
const UNIT = '/home/u/.config/systemd/user/mcpproxy-hook.service';
const PID = 4242;
const full = (): FlowEngine =>
  new FlowEngine(defaultConfig(), {
    seed: 1,
    home: HOME,
    timeOfDay: () => '10:00:00',
    guard: {
      stateDir: STATE,
      installDir: DIST,
      configFile: CONFIG,
      protectedPaths: [UNIT, `${PKG}/bin`, `${PKG}/package.json`, `${PKG}/node_modules`],
      sidecarPid: PID,
      sidecarCmdline: `/usr/bin/node --max-semi-space-size=4 --no-parallel-scavenge ${PKG}/bin/mcpproxy-hook.js daemon`,
      sidecarName: 'node',
    },
  });

test('the guard follows its real layout: config outside the state dir, service file, package files, pid, pid file, socket by search, CLI runs that weaken it', () => {
  const e = full();
  for (const c of [
    // the config file wherever it lives, through any writer
    `echo '{"policy":{"sensitiveToExternal":"allow"}}' > ~/.config/mcpproxy-hook/config.json`,
    `cat > ${CONFIG} <<'EOF'\n{"policy":{"secretToExternal":"allow"}}\nEOF`,
    `printf '{}' | tee ~/.config/mcpproxy-hook/config.json`,
    `python3 -c "open('${CONFIG}','w').write('{\\"policy\\":{}}')"`,
    `node -e "require('fs').writeFileSync(process.env.HOME + '/.config/mcpproxy-hook/config.json', '{}')"`,
    `perl -e 'open(F, ">", "$ENV{HOME}/.config/mcpproxy-hook/config.json"); print F "{}"'`,
    `ln -sf /dev/zero ~/.config/mcpproxy-hook/config.json`,
    `mkfifo ~/.config/mcpproxy-hook/config.json`,
    `sed -i 's/deny/allow/g' ~/.config/mcpproxy-hook/config.json`,
    `cp /tmp/allow-all.json ~/.config/mcpproxy-hook/config.json`,
    `mv /tmp/allow-all.json ~/.config/mcpproxy-hook/config.json`,
    `rm -rf ~/.config/mcpproxy-hook`,
    `vim -c '%s/deny/allow/g|wq' ${CONFIG}`,
    // service file and package files
    `rm ${UNIT}`,
    `sed -i 's/Restart=on-failure/Restart=no/' ~/.config/systemd/user/mcpproxy-hook.service`,
    `cp /tmp/x.js ${PKG}/bin/mcpproxy-hook.js`,
    `rm -rf ${PKG}/node_modules/better-sqlite3`,
    // signals by pid, by pid file, from code, by a pattern that matches the sidecar's command line
    `kill -STOP ${PID}`,
    `kill -s STOP ${PID}`,
    `kill -9 ${PID}`,
    `kill ${PID}`,
    `kill -STOP $(cat "$XDG_STATE_HOME"/m*/sidecar.pid)`,
    `kill -9 -1`,
    `python3 -c "import os, signal; os.kill(${PID}, signal.SIGSTOP)"`,
    `node -e "process.kill(${PID}, 'SIGSTOP')"`,
    `python3 -c "import os; os.kill(int(open(os.path.expanduser('~/.local/state/mcpproxy-hook/sidecar.pid')).read()), 9)"`,
    `pkill -STOP -f daemon`,
    `pkill -f semi-space`,
    `pkill node`,
    // socket and state removal
    `find ~/.local -name sidecar.sock -delete`,
    `find ~ -name '*.sock' -exec rm {} +`,
    `find / -path '*mcpproxy*' -delete`,
    `rm ~/.local/state/*/sidecar.sock`,
    // the guard's CLI run by the agent
    `npx mcpproxy-hook install --fail-open`,
    `node ${PKG}/bin/mcpproxy-hook.js uninstall`,
    `mcpproxy-hook uninstall --scope user`,
  ]) {
    const d = bash(e, c);
    assert.equal(d.action, 'deny', `${c}: ${d.action} ${d.summary}`);
    assert.equal(d.findings[0]?.rule, 'guard_tampering', c);
  }
  assert.equal(pre(e, 'Write', { file_path: CONFIG, content: '{"policy":{"sensitiveToExternal":"allow"}}' }).action, 'deny');
  assert.equal(pre(e, 'Edit', { file_path: '~/.config/mcpproxy-hook/config.json', old_string: 'deny', new_string: 'allow' }).action, 'deny');
  assert.equal(pre(e, 'Write', { file_path: UNIT, content: '' }).action, 'deny');
});

test("Claude Code's settings through any writer are asked about: code, editors, removal, reinstalling the hooks", () => {
  const e = full();
  for (const c of [
    `python3 -c "import json,os; p=os.path.expanduser('~/.claude/settings.json'); d=json.load(open(p)); d['hooks']={}; json.dump(d, open(p,'w'))"`,
    `python3 - <<'EOF'\nimport json, pathlib\np = pathlib.Path.home() / '.claude' / 'settings.json'\np.write_text('{}')\nEOF`,
    `node -e "require('fs').writeFileSync(require('os').homedir() + '/.claude/settings.json', '{}')"`,
    `perl -0pi -e 's/PreToolUse//' ~/.claude/settings.json`,
    `rm ~/.claude/settings.json`,
    `mv ~/.claude/settings.json /tmp/`,
    `rm -rf ~/.claude`,
    `vim -c '%d|wq' ~/.claude/settings.json`,
    `npx mcpproxy-hook install --scope user`,
  ]) {
    const d = bash(e, c);
    assert.equal(d.action, 'ask', `${c}: ${d.action} ${d.summary}`);
    assert.equal(d.findings[0]?.rule, 'guard_settings', c);
  }
});

test('ordinary work near the real layout is left alone', () => {
  const e = full();
  for (const c of [
    `cat ~/.config/mcpproxy-hook/config.json`,
    `jq . ${CONFIG}`,
    `kill ${PID + 1}`,
    `kill -0 ${PID}`,
    'kill %1',
    'pkill -f vite',
    'pkill -f "next dev"',
    'killall python3',
    "find . -name '*.pyc' -delete",
    "find ~/.local -name '*.log'",
    'ps aux | grep mcpproxy',
    'mcpproxy-hook status',
    'npx mcpproxy-hook config --check',
    'npx mcpproxy-hook install --dry-run',
    `python3 -c "import json; print(json.load(open('package.json'))['version'])"`,
    `python3 -c "import os; os.kill(${PID + 7}, 0)"`,
    `node -e "console.log(require('os').homedir())"`,
    'cat ~/.claude/settings.json | jq .hooks',
    'ls ~/.config/systemd/user',
  ]) {
    const d = bash(e, c);
    assert.ok(!['guard_tampering', 'guard_settings'].includes(d.findings[0]?.rule ?? ''), `${c}: ${d.summary}`);
  }
});
