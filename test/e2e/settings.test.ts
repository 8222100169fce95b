/**
 * Changes of Claude Code's settings judged by their effect, with the real Claude Code CLI: hooks
 * installed fail-closed in a throwaway HOME (HTTP hooks, the bearer token in the file); the scripted
 * agent reads ~/.claude/settings.json (the token held back), writes it back as it saw it with a
 * Notification hook added (it goes through, with the token put back), then rewrites the file without
 * the guard's hooks (stopped, and the reason reaches the model; the file keeps the guard's hooks).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeRun, e2eSkip, makeTempDir, runClaude, type RunClaudeResult, type Turn } from './harness/claude.ts';
import { toolResultsOfRequest, type MessagesRequest } from './harness/mock-anthropic.ts';
import { cli, rmSync, startSidecar, type RunningSidecar } from '../helpers/sidecar.ts';

const skip = e2eSkip();
const toolTexts = (r: RunClaudeResult): string => r.toolResults.map((t) => `${t.tool_name}: ${t.is_error ? 'ERROR ' : ''}${t.text.slice(0, 300)}`).join('\n');

describe('settings changes through the real Claude Code CLI', { skip }, () => {
  let sc: RunningSidecar;
  let home: string;
  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'mph-st-'));
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home };
    sc = await startSidecar({ home: { home, stateDir: join(home, '.local', 'state', 'mcpproxy-hook'), env } });
    const r = cli(['install', '--fail-closed'], env);
    assert.equal(r.status, 0, r.stderr);
  });
  after(async () => {
    await sc.stop();
    rmSync(home, { recursive: true, force: true });
  });

  test('a Write of ~/.claude/settings.json that keeps the guard hooks goes through; one that drops them is stopped with its reason', async () => {
    const proj = makeTempDir('e2e-settings');
    const file = join(home, '.claude', 'settings.json');
    const onDisk = readFileSync(file, 'utf8');
    const token = /Bearer ([^"]+)/.exec(onDisk)?.[1] ?? '';
    assert.ok(token.length > 20, 'the default install puts the bearer token in the file');
    const notify = { matcher: '', hooks: [{ type: 'command', command: 'echo done >> /tmp/notified.log' }] };
    let seenText = '';
    const script = (req: MessagesRequest, turn: number): Turn => {
      // Claude Code's Write wants an existing file read first
      if (turn === 0) return [{ tool_use: { name: 'Read', input: { file_path: file } } }];
      if (turn === 1) {
        // the file as the model saw it (the token held back), line numbers taken off; a Notification hook added
        seenText = (toolResultsOfRequest(req).find((t) => t.tool_name === 'Read')?.text ?? '').replace(/^ *\d+[\t→]/gm, '');
        const seen = JSON.parse(seenText) as { hooks: Record<string, unknown> };
        seen.hooks.Notification = [notify];
        return [{ tool_use: { name: 'Write', input: { file_path: file, content: JSON.stringify(seen, null, 2) + '\n' } } }];
      }
      if (turn === 2)
        return [{ tool_use: { name: 'Write', input: { file_path: file, content: JSON.stringify({ hooks: { Notification: [notify] } }, null, 2) + '\n' } } }];
      return [{ text: 'done' }];
    };
    const r = await runClaude({ cwd: proj, home, script });
    assert.equal(r.exitCode, 0, describeRun(r));
    assert.equal(r.toolResults.length, 3, toolTexts(r));
    const [, keep, drop] = r.toolResults;
    assert.notEqual(keep?.is_error, true, toolTexts(r));
    assert.equal(drop?.is_error, true, toolTexts(r));
    assert.match(drop?.text ?? '', /mcpproxy-hook blocked this Write call: it would remove or change the guard's own \w+ hook in Claude Code's settings/);
    assert.match(drop?.text ?? '', /Those settings hold the hooks that check every tool call/);
    assert.ok(seenText.includes('held back by mcpproxy-hook') && !seenText.includes(token), seenText.slice(0, 400));
    // the first change is on disk with the real token put back, the second is not
    const after = JSON.parse(readFileSync(file, 'utf8')) as { hooks: Record<string, unknown> };
    assert.deepEqual(after.hooks.Notification, [notify]);
    assert.deepEqual(after.hooks.PreToolUse, (JSON.parse(onDisk) as { hooks: Record<string, unknown> }).hooks.PreToolUse);
  });
});
