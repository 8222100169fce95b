/**
 * Integration: a real sidecar judges Write / Edit of a real Claude Code settings file in a temp HOME by
 * the file it would leave (daemon/settings-file.ts reads the file as it is now; engine/settings-effect.ts
 * judges). The guard's hooks are the ones `mcpproxy-hook install` wrote there.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from '../../src/transport/client.ts';
import { cli, decisionOf, reasonOf, runHook, startSidecar, type RunningSidecar } from '../helpers/sidecar.ts';

let n = 0;
const pre = (cwd: string, tool: string, input: Record<string, unknown>) => ({
  session_id: 'settings-1',
  transcript_path: '/tmp/t.jsonl',
  cwd,
  permission_mode: 'default',
  hook_event_name: 'PreToolUse',
  tool_name: tool,
  tool_input: input,
  tool_use_id: `toolu_settings_${++n}`,
});

describe('settings changes judged by their effect, through a real sidecar', () => {
  let sc: RunningSidecar;
  let settings: string;
  let proj: string;
  let installed: Record<string, unknown>;
  before(async () => {
    sc = await startSidecar();
    const r = cli(['install', '--transport', 'command', '--no-start'], sc.env);
    assert.equal(r.status, 0, r.stderr);
    settings = join(sc.home, '.claude', 'settings.json');
    installed = JSON.parse(readFileSync(settings, 'utf8')) as Record<string, unknown>;
    proj = join(sc.home, 'proj');
    mkdirSync(join(proj, '.claude'), { recursive: true });
  });
  after(async () => {
    await sc.cleanup();
  });

  test('a Write that keeps the hooks install wrote and adds a Notification hook goes through', async () => {
    const hooks = {
      ...(installed.hooks as Record<string, unknown>),
      Notification: [{ matcher: '', hooks: [{ type: 'command', command: 'notify-send done' }] }],
    };
    const ev = pre(proj, 'Write', { file_path: settings, content: JSON.stringify({ ...installed, hooks }, null, 2) });
    const r = runHook('pre', sc.socket, ev);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(decisionOf(r.json), undefined, r.stdout);
    // the decision says it consulted this machine's file
    const reply = (await request(sc.socket, { t: 'evaluate', e: JSON.stringify({ ...ev, tool_use_id: 'toolu_again' }) }, 10_000)) as {
      decision: { decision: string; live_facts?: string[] };
    };
    assert.equal(reply.decision.decision, 'allow');
    assert.deepEqual(reply.decision.live_facts, ['the settings file being changed (read here)']);
  });

  test('an Edit of another key goes through; one that removes the guard PreToolUse hook is asked about with the reason', () => {
    const text = readFileSync(settings, 'utf8');
    const ok = runHook(
      'pre',
      sc.socket,
      pre(proj, 'Edit', { file_path: '~/.claude/settings.json', old_string: '"hooks": {', new_string: '"model": "sonnet",\n  "hooks": {' }),
    );
    assert.equal(decisionOf(ok.json), undefined, ok.stdout);
    const data = JSON.parse(text) as { hooks: Record<string, unknown> };
    delete data.hooks.PreToolUse;
    const drop = runHook('pre', sc.socket, pre(proj, 'Write', { file_path: settings, content: JSON.stringify(data, null, 2) }));
    assert.equal(decisionOf(drop.json), 'ask', drop.stdout);
    assert.match(reasonOf(drop.json), /remove or change the guard's own PreToolUse hook in Claude Code's settings/);
  });

  test('a heredoc written over the settings file is judged like a Write: keeping the hooks goes through, dropping them asks', () => {
    const text = readFileSync(settings, 'utf8');
    const kept = JSON.stringify({ ...(JSON.parse(text) as Record<string, unknown>), model: 'haiku' }, null, 2);
    const ok = runHook('pre', sc.socket, pre(proj, 'Bash', { command: `cat > ~/.claude/settings.json <<'EOF'\n${kept}\nEOF` }));
    assert.equal(decisionOf(ok.json), undefined, ok.stdout);
    const drop = runHook('pre', sc.socket, pre(proj, 'Bash', { command: `cat > ~/.claude/settings.json <<'EOF'\n{"model": "haiku"}\nEOF` }));
    assert.equal(decisionOf(drop.json), 'ask', drop.stdout);
    assert.match(reasonOf(drop.json), /remove or change the guard's own \w+ hook/);
  });

  test('a new project settings file: a user hook goes through, disableAllHooks is asked about', () => {
    const local = join(proj, '.claude', 'settings.local.json');
    const ok = runHook(
      'pre',
      sc.socket,
      pre(proj, 'Write', { file_path: '.claude/settings.local.json', content: '{"permissions": {"allow": ["Bash(npm test)"]}}' }),
    );
    assert.equal(decisionOf(ok.json), undefined, ok.stdout);
    const off = runHook('pre', sc.socket, pre(proj, 'Write', { file_path: local, content: '{"disableAllHooks": true}' }));
    assert.equal(decisionOf(off.json), 'ask', off.stdout);
    assert.match(reasonOf(off.json), /disableAllHooks/);
  });

  test('a settings file linked from a dotfiles checkout is judged by the file it points to; a dangling link is asked about', () => {
    const dots = join(sc.home, 'dotfiles', 'claude');
    mkdirSync(dots, { recursive: true });
    writeFileSync(join(dots, 'settings.json'), '{"model": "opus"}\n');
    const dir = join(sc.home, 'p4', '.claude');
    mkdirSync(dir, { recursive: true });
    symlinkSync(join(dots, 'settings.json'), join(dir, 'settings.json'));
    const ok = runHook('pre', sc.socket, pre(join(sc.home, 'p4'), 'Edit', { file_path: join(dir, 'settings.json'), old_string: 'opus', new_string: 'sonnet' }));
    assert.equal(decisionOf(ok.json), undefined, ok.stdout);
    symlinkSync(join(sc.home, 'nowhere', 'settings.json'), join(dir, 'settings.local.json'));
    const dangling = runHook('pre', sc.socket, pre(join(sc.home, 'p4'), 'Write', { file_path: join(dir, 'settings.local.json'), content: '{}' }));
    assert.equal(decisionOf(dangling.json), 'ask', dangling.stdout);
    assert.match(reasonOf(dangling.json), /a link to a file that is not there/);
  });

  test('a settings file that holds the bearer token, read with the token held back and written back with the placeholder, is judged with the token put back', () => {
    const h = join(sc.home, 'tok');
    const env = { ...sc.env, HOME: h };
    mkdirSync(h, { recursive: true });
    // the default install: HTTP hooks with the bearer token in the file
    const r = cli(['install', '--no-start'], env);
    assert.equal(r.status, 0, r.stderr);
    const file = join(h, '.claude', 'settings.json');
    const text = readFileSync(file, 'utf8');
    const token = /Bearer ([^"]+)/.exec(text)?.[1] ?? '';
    assert.ok(token.length > 20, text);
    const read = runHook('post', sc.socket, {
      ...pre(h, 'Read', { file_path: file }),
      hook_event_name: 'PostToolUse',
      tool_response: {
        type: 'text',
        file: { filePath: file, content: text, numLines: text.split('\n').length, startLine: 1, totalLines: text.split('\n').length },
      },
    });
    const shown = (read.json.hookSpecificOutput as { updatedToolOutput?: { file?: { content?: string } } } | undefined)?.updatedToolOutput?.file?.content ?? '';
    assert.ok(shown.includes('held back by mcpproxy-hook') && !shown.includes(token), read.stdout);
    // the model adds a Notification hook to what it saw
    const seen = JSON.parse(shown) as { hooks: Record<string, unknown> };
    seen.hooks.Notification = [{ matcher: '', hooks: [{ type: 'command', command: 'notify-send done' }] }];
    const w = runHook('pre', sc.socket, pre(h, 'Write', { file_path: file, content: JSON.stringify(seen, null, 2) }));
    assert.equal(decisionOf(w.json), undefined, w.stdout);
    const put = (w.json.hookSpecificOutput as { updatedInput?: { content?: string } } | undefined)?.updatedInput?.content ?? '';
    assert.ok(put.includes(token) && put.includes('notify-send done'), w.stdout);
  });

  test('a FIFO or a device in place of the settings file is not read (no hang): the change is asked about', () => {
    const fifoDir = join(sc.home, 'p2', '.claude');
    mkdirSync(fifoDir, { recursive: true });
    const fifo = join(fifoDir, 'settings.json');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    const r = runHook('pre', sc.socket, pre(join(sc.home, 'p2'), 'Write', { file_path: fifo, content: '{}' }));
    assert.equal(decisionOf(r.json), 'ask', r.stdout);
    assert.match(reasonOf(r.json), /could not read \(it is not a regular file\)/);
    const devDir = join(sc.home, 'p3', '.claude');
    mkdirSync(devDir, { recursive: true });
    symlinkSync('/dev/zero', join(devDir, 'settings.local.json'));
    const z = runHook('pre', sc.socket, pre(join(sc.home, 'p3'), 'Edit', { file_path: join(devDir, 'settings.local.json'), old_string: 'a', new_string: 'b' }));
    assert.equal(decisionOf(z.json), 'ask', z.stdout);
    assert.match(reasonOf(z.json), /not a regular file/);
  });
});
