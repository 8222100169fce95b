/**
 * Proves the e2e harness with the real Claude Code CLI: a scripted mock model calls Bash,
 * a trivial PreToolUse command hook (registered in the project's .claude/settings.json)
 * denies commands containing 'forbidden', and the deny reaches the model as an is_error
 * tool_result.
 *
 *   node --import tsx --test test/e2e/harness.test.ts      (KEEP_E2E=1 keeps temp dirs)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  e2eSkip,
  claudeVersion,
  cleanupTempDirs,
  describeRun,
  makeTempDir,
  parseHookRuns,
  runClaude,
  startMockAnthropic,
  type RunClaudeResult,
  type Turn,
} from './harness/claude.ts';

const DENY_REASON = 'blocked by harness test';

const HOOK_SRC = `// PreToolUse test hook: deny Bash commands containing 'forbidden'.
import fs from 'node:fs';
let raw = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => { raw += d; });
process.stdin.on('end', () => {
  let ev = {};
  try { ev = JSON.parse(raw); } catch {}
  const cmd = String((ev.tool_input && ev.tool_input.command) || '');
  const deny = ev.tool_name === 'Bash' && cmd.includes('forbidden');
  if (process.env.HARNESS_HOOK_LOG) {
    fs.appendFileSync(process.env.HARNESS_HOOK_LOG, JSON.stringify({ event: ev.hook_event_name, tool: ev.tool_name, cmd, deny }) + '\\n');
  }
  if (deny) {
    process.stdout.write(JSON.stringify({ hookSpecificOutput: {
      hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: ${JSON.stringify(DENY_REASON)} } }));
  }
  process.exit(0);
});
`;

interface Fixture {
  home: string;
  project: string;
  hookLog: string;
}

/** A throwaway HOME and project dir whose .claude/settings.json registers the test hook. */
function makeFixture(name: string): Fixture {
  const home = makeTempDir(`e2e-harness-home-${name}`);
  const project = makeTempDir(`e2e-harness-proj-${name}`);
  const hookPath = path.join(project, '.claude', 'hooks', 'deny-forbidden.mjs');
  fs.mkdirSync(path.dirname(hookPath), { recursive: true });
  fs.writeFileSync(hookPath, HOOK_SRC);
  const settings = {
    hooks: {
      PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: `"${process.execPath}" "${hookPath}"`, timeout: 30 }] }],
    },
  };
  fs.writeFileSync(path.join(project, '.claude', 'settings.json'), JSON.stringify(settings, null, 2));
  return { home, project, hookLog: path.join(project, 'hook-log.jsonl') };
}

function readHookLog(f: Fixture): any[] {
  if (!fs.existsSync(f.hookLog)) return [];
  return fs
    .readFileSync(f.hookLog, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

function run(f: Fixture, script: Turn[]): Promise<RunClaudeResult> {
  return runClaude({ cwd: f.project, home: f.home, script, env: { HARNESS_HOOK_LOG: f.hookLog } });
}

const SEQUENTIAL: Turn[] = [
  [{ tool_use: { name: 'Bash', input: { command: 'echo hello', description: 'Say hello' } } }],
  [{ tool_use: { name: 'Bash', input: { command: 'echo forbidden', description: 'Say the forbidden word' } } }],
  [{ text: 'done' }],
];

const PARALLEL: Turn[] = [
  [
    { tool_use: { name: 'Bash', input: { command: 'echo parallel-one', description: 'First' } } },
    { tool_use: { name: 'Bash', input: { command: 'echo parallel-two', description: 'Second' } } },
  ],
  [{ text: 'done' }],
];

function checkSequential(r: RunClaudeResult, f: Fixture): void {
  const info = describeRun(r);
  assert.equal(r.exitCode, 0, info);
  assert.equal(r.timedOut, false, info);
  assert.deepEqual(r.mock.errors, [], info);
  assert.equal(r.toolResults.length, 2, info);
  const [first, second] = r.toolResults;
  assert.equal(first?.tool_name, 'Bash', info);
  assert.equal(first?.is_error, false, info);
  assert.match(first?.text ?? '', /hello/, info);
  assert.equal(second?.tool_name, 'Bash', info);
  assert.equal(second?.is_error, true, info);
  assert.ok(second?.text.includes(DENY_REASON), info);
  // the final text turn was served and the CLI reported success
  const result = r.events.find((e) => e.type === 'result');
  assert.ok(result, info);
  assert.equal(result.is_error, false, info);
  assert.equal(result.result, 'done', info);
  // the hook really ran, once per Bash call
  const hook = readHookLog(f);
  assert.deepEqual(
    hook.map((h) => [h.event, h.cmd, h.deny]),
    [
      ['PreToolUse', 'echo hello', false],
      ['PreToolUse', 'echo forbidden', true],
    ],
  );
  // the debug log reports both hook runs with their durations
  const pre = r.hookRuns.filter((h) => h.event === 'PreToolUse' && h.matcher === 'Bash');
  assert.equal(pre.length, 2, info);
  for (const h of pre) {
    assert.equal(h.status, 0, info);
    assert.ok(Number.isFinite(h.durationMs) && h.durationMs >= 0, info); // parsed from the log (a number, not a speed limit)
  }
  // no request went anywhere the mock does not know
  assert.deepEqual(
    r.mock.requests.filter((q) => q.kind === 'unknown').map((q) => q.url),
    [],
    info,
  );
}

function checkParallel(r: RunClaudeResult): void {
  const info = describeRun(r);
  assert.equal(r.exitCode, 0, info);
  assert.deepEqual(r.mock.errors, [], info);
  // both calls went out in one assistant turn ...
  const turn0 = r.mock.requests.find((q) => q.kind === 'turn' && q.turn === 0);
  assert.equal(turn0?.response?.length, 2, info);
  // ... and both results came back
  assert.equal(r.toolResults.length, 2, info);
  const texts = r.toolResults.map((t) => t.text);
  assert.ok(
    r.toolResults.every((t) => t.tool_name === 'Bash' && !t.is_error),
    info,
  );
  assert.ok(
    texts.some((t) => t.includes('parallel-one')),
    info,
  );
  assert.ok(
    texts.some((t) => t.includes('parallel-two')),
    info,
  );
  assert.equal(new Set(r.toolResults.map((t) => t.tool_use_id)).size, 2, info);
  assert.equal(r.hookRuns.filter((h) => h.event === 'PreToolUse').length, 2, info);
}

describe('e2e harness internals (no CLI needed)', () => {
  it('mock answers SSE and JSON, count_tokens, HEAD/GET /, 404, side queries; collects tool_results', async () => {
    const mock = await startMockAnthropic([
      [{ tool_use: { name: 'Bash', input: { command: 'echo a' } } }, { tool_use: { name: 'Read', input: { file_path: '/x' } } }],
      [{ text: 'done' }],
    ]);
    try {
      const post = (url: string, body: unknown) =>
        fetch(mock.url + url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const tools = [{ name: 'Bash' }, { name: 'Read' }];
      // turn 0, non-streaming
      const r0 = (await (await post('/v1/messages?beta=true', { model: 'm', tools, messages: [{ role: 'user', content: 'go' }] })).json()) as any;
      assert.equal(r0.stop_reason, 'tool_use');
      assert.equal(r0.content.length, 2);
      const [a, b] = r0.content;
      assert.notEqual(a.id, b.id);
      // turn 1, streaming, with a role:"system" message and tool_results
      const messages = [
        { role: 'user', content: 'go' },
        { role: 'system', content: 'mid-conversation system message' },
        { role: 'assistant', content: r0.content },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: a.id, content: [{ type: 'text', text: 'a' }] },
            { type: 'tool_result', tool_use_id: b.id, content: 'nope', is_error: true },
          ],
        },
      ];
      const sse = await (await post('/v1/messages?beta=true', { model: 'm', stream: true, tools, messages })).text();
      assert.match(sse, /event: message_start/);
      assert.match(sse, /"text":"done"/);
      assert.match(sse, /"stop_reason":"end_turn"/);
      // the same tool_results again (as the CLI resends history): deduplicated
      await post('/v1/messages', { model: 'm', tools, messages });
      // side query without tools
      const side = (await (await post('/v1/messages', { model: 'm', messages: [{ role: 'user', content: 'title?' }] })).json()) as any;
      assert.equal(side.content[0].text, 'ok');
      const ct = (await (await post('/v1/messages/count_tokens', { messages: [] })).json()) as any;
      assert.ok(ct.input_tokens > 0);
      assert.equal((await fetch(mock.url + '/', { method: 'HEAD' })).status, 200);
      assert.equal((await fetch(mock.url + '/')).status, 200);
      assert.equal((await fetch(mock.url + '/v1/other')).status, 404);
      assert.deepEqual(mock.toolResults(), [
        { tool_use_id: a.id, tool_name: 'Bash', is_error: false, text: 'a' },
        { tool_use_id: b.id, tool_name: 'Read', is_error: true, text: 'nope' },
      ]);
      assert.deepEqual(
        mock.requests.map((q) => q.kind),
        ['turn', 'turn', 'turn', 'side', 'count_tokens', 'head', 'head', 'unknown'],
      );
      assert.deepEqual(mock.errors, []);
    } finally {
      await mock.close();
    }
  });

  it('parses command and http hook lines from a 2.1.330 debug log', () => {
    const log = [
      '2026-11-24T20:19:03.145Z [DEBUG] Hooks: PreToolUse:Bash ["/usr/bin/node" "/tmp/p/hook.mjs"] finished with status 0 (114ms)',
      "2026-11-24T20:19:22.753Z [DEBUG] Hooks: UserPromptSubmit [node -e 'process.exit(0)'] finished with status 0 (85ms)",
      '2026-11-24T20:19:35.863Z [DEBUG] Hooks: HTTP hook POST to http://127.0.0.1:34791/hook',
      '2026-11-24T20:19:35.874Z [DEBUG] Hooks: HTTP hook response status 200, body length 123',
      '2026-11-24T20:19:35.875Z [DEBUG] "Hook PreToolUse:Bash (PreToolUse) success:\\n{}"',
      '2026-11-24T20:19:41.293Z [DEBUG] Hooks: HTTP hook POST to http://127.0.0.1:1/hook',
      '2026-11-24T20:19:41.308Z [ERROR] Hooks: HTTP hook error: connect ECONNREFUSED 127.0.0.1:1',
      '2026-11-24T20:19:41.308Z [ERROR] "Hook PreToolUse:Read (PreToolUse) error:\\nstderr:\\nconnect ECONNREFUSED 127.0.0.1:1"',
    ].join('\n');
    const runs = parseHookRuns(log).map(({ line: _line, ...rest }) => rest);
    assert.deepEqual(runs, [
      { kind: 'command', event: 'PreToolUse', matcher: 'Bash', command: '"/usr/bin/node" "/tmp/p/hook.mjs"', status: 0, durationMs: 114 },
      { kind: 'command', event: 'UserPromptSubmit', matcher: '', command: "node -e 'process.exit(0)'", status: 0, durationMs: 85 },
      { kind: 'http', event: 'PreToolUse', matcher: 'Bash', command: 'http://127.0.0.1:34791/hook', status: 200, durationMs: 11 },
      {
        kind: 'http',
        event: 'PreToolUse',
        matcher: 'Read',
        command: 'http://127.0.0.1:1/hook',
        status: -1,
        durationMs: 15,
        error: 'connect ECONNREFUSED 127.0.0.1:1',
      },
    ]);
  });
});

const skip = e2eSkip();

describe('e2e harness with the real Claude Code CLI', { skip }, () => {
  before(() => {
    process.stderr.write(`[e2e] using ${claudeVersion()}\n`);
  });
  after(() => cleanupTempDirs());

  it('allowed Bash output and a hook deny both reach the model as tool_results', { timeout: 180_000 }, async () => {
    const f = makeFixture('seq');
    const r = await run(f, SEQUENTIAL);
    checkSequential(r, f);
    process.stderr.write(`[e2e] sequential run: ${r.durationMs} ms, hook runs ${JSON.stringify(r.hookDurationsMs)} ms\n`);
  });

  it('parallel tool calls in one turn both return results', { timeout: 180_000 }, async () => {
    const f = makeFixture('par');
    const r = await run(f, PARALLEL);
    checkParallel(r);
    process.stderr.write(`[e2e] parallel run: ${r.durationMs} ms, hook runs ${JSON.stringify(r.hookDurationsMs)} ms\n`);
  });

  it('two CLI sessions can run at the same time, each with its own mock', { timeout: 240_000 }, async () => {
    const fa = makeFixture('concA');
    const fb = makeFixture('concB');
    const [a, b] = await Promise.all([run(fa, SEQUENTIAL), run(fb, PARALLEL)]);
    checkSequential(a, fa);
    checkParallel(b);
    assert.notEqual(a.mock.port, b.mock.port);
    process.stderr.write(`[e2e] concurrent runs: ${a.durationMs} ms and ${b.durationMs} ms\n`);
  });
});
