/**
 * End to end, real Claude Code CLI: the guard fails closed through Claude Code itself (`"onFailure": "block"`).
 * - the default install (HTTP hooks + a SessionStart hook) starts a missing sidecar and decides correctly;
 * - the sidecar killed mid-session: the next tool call is blocked by Claude Code, it does not run;
 * - the hook file gone (a moved clone, a deleted package): the command hook cannot run, the tool call is blocked.
 * Run against the pinned CLI and the newest with E2E_CLAUDE_BIN (see harness/claude.ts CLAUDE_BINS).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { claudeVersion, describeRun, e2eSkip, makeTempDir, runClaude, type Turn } from './harness/claude.ts';
import { cli, ensureBuilt, freshHome } from '../helpers/sidecar.ts';
import { waitDeadSync } from '../helpers/wait.ts';
import { assertExfilBlocked, exfilSession } from './harness/scenario.ts';

const skip = e2eSkip();

const homes: Array<ReturnType<typeof freshHome>> = [];

/** The pid in the state dir's pid file, or 0. */
function sidecarPid(stateDir: string): number {
  try {
    return Number(readFileSync(join(stateDir, 'sidecar.pid'), 'utf8').trim()) || 0;
  } catch {
    return 0;
  }
}

function killSidecar(stateDir: string): void {
  const pid = sidecarPid(stateDir);
  if (!pid) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  // the kill is delivered within a moment; the next tool call must find it gone
  waitDeadSync(pid);
}

function setup(args: string[]): { h: ReturnType<typeof freshHome>; proj: string; settings: Record<string, any> } {
  ensureBuilt();
  const h = freshHome();
  homes.push(h);
  const r = cli(['install', '--no-start', ...args], h.env);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const proj = makeTempDir('e2e-failclosed');
  return { h, proj, settings: JSON.parse(readFileSync(join(h.home, '.claude', 'settings.json'), 'utf8')) };
}

describe(`fail closed through Claude Code (${claudeVersion() ?? 'no CLI'})`, { skip }, () => {
  after(() => {
    for (const h of homes) {
      killSidecar(h.stateDir);
      rmSync(h.home, { recursive: true, force: true });
    }
  });

  test('default install, no sidecar running: the SessionStart hook starts it, an exfiltration is denied with its reason, ordinary work runs', async () => {
    const { h, proj, settings } = setup([]);
    assert.equal(settings.hooks.PreToolUse[0].hooks[0].type, 'http');
    assert.equal(settings.hooks.PreToolUse[0].hooks[0].onFailure, 'block');
    assert.equal(sidecarPid(h.stateDir), 0, 'no sidecar before the session');
    const { sent, script } = exfilSession(proj, { ordinaryWork: true });
    const r = await runClaude({ cwd: proj, home: h.home, script });
    assert.equal(r.exitCode, 0, describeRun(r));
    assert.ok(
      r.hookRuns.some((x) => x.kind === 'command' && x.event === 'SessionStart' && x.status === 0),
      describeRun(r),
    );
    assert.ok(sidecarPid(h.stateDir) > 0, 'the session started the sidecar');
    assertExfilBlocked(r, sent, { ordinaryWork: true });
    assert.equal(r.hookRuns.filter((x) => x.kind === 'command' && /ToolUse/.test(x.event)).length, 0, 'no process per tool event');
  });

  test('HTTP + onFailure block: the sidecar killed mid-session blocks the next tool call instead of letting it run', async () => {
    const { h, proj } = setup([]);
    const ran = join(proj, 'ran');
    const script = (_req: unknown, turn: number): Turn => {
      if (turn === 0) return [{ tool_use: { name: 'Bash', input: { command: 'echo guard-up', description: 'first' } } }];
      if (turn === 1) {
        killSidecar(h.stateDir);
        return [{ tool_use: { name: 'Bash', input: { command: `touch ${ran}`, description: 'second' } } }];
      }
      return [{ text: 'done' }];
    };
    const r = await runClaude({ cwd: proj, home: h.home, script });
    assert.equal(r.toolResults.length, 2, describeRun(r));
    assert.match(r.toolResults[0]?.text ?? '', /guard-up/);
    assert.equal(r.toolResults[1]?.is_error, true, describeRun(r));
    assert.match(r.toolResults[1]?.text ?? '', /onFailure is "block"/);
    // a refused connection, or the kept-alive one cut when the sidecar died
    assert.match(r.toolResults[1]?.text ?? '', /ECONNREFUSED|socket hang up|ECONNRESET/);
    assert.equal(existsSync(ran), false, 'the tool did not run');
  });

  test('command hook whose file is gone (moved or deleted package): Claude Code blocks the call (MODULE_NOT_FOUND used to let it run)', async () => {
    const { h, proj, settings } = setup(['--transport', 'command']);
    const cmd: string = settings.hooks.PreToolUse[0].hooks[0].command;
    assert.equal(settings.hooks.PreToolUse[0].hooks[0].onFailure, 'block');
    const hookFile = /exec \S+ (\S+hook\.cjs) pre/.exec(cmd)?.[1];
    assert.ok(hookFile && existsSync(hookFile), cmd);
    assert.ok(hookFile.startsWith(h.stateDir), 'the hook points at the package copy, not the checkout');
    rmSync(hookFile);
    const ran = join(proj, 'ran');
    const r = await runClaude({
      cwd: proj,
      home: h.home,
      script: [[{ tool_use: { name: 'Bash', input: { command: `touch ${ran}`, description: 'x' } } }], [{ text: 'done' }]],
    });
    assert.equal(r.toolResults[0]?.is_error, true, describeRun(r));
    assert.match(r.toolResults[0]?.text ?? '', /onFailure is "block"/);
    assert.equal(existsSync(ran), false, 'the tool did not run');
  });
});
