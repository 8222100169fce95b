/**
 * Property / fuzz tests (fast-check) for everything that takes untrusted bytes:
 *  (a) parseEvent + FlowEngine.handle + claudeOutput in-process, on generated events (wrong types in
 *      known fields, unknown events and tools, huge strings, deep nesting, invalid UTF-8, raw garbage);
 *  (b) the frame decoder + decodePayload on random chunkings, random bytes and oversized headers;
 *  (c) whole-process runs of the built hook (dist/hook.cjs) against a real sidecar, random stdin;
 *  (d) raw socket abuse against a real sidecar (idle clients, garbage frames, oversized headers, floods).
 * Totals are reported with t.diagnostic; no timing thresholds. FUZZ_SEED=<n> replays a run.
 * Bugs these tests found in code under test are kept as `todo` tests (they report but do not fail the
 * suite) until fixed; drop the `todo` when the fix lands.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import fc from 'fast-check';
import { defaultConfig } from '../../src/config/index.ts';
import { FlowEngine, type Decision } from '../../src/engine/engine.ts';
import { claudeOutput } from '../../src/claude/hook-output.ts';
import { BadEvent, parseEvent, publicDecision } from '../../src/daemon/events.ts';
import { decodePayload, encodeFrame, FrameDecoder, FrameError, MAX_FRAME } from '../../src/transport/frame.ts';
import { request } from '../../src/transport/client.ts';
import type { HookEvent } from '../../src/types.ts';
import { HOOK, runHook, startSidecar, type RunningSidecar } from '../helpers/sidecar.ts';

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : (Date.now() ^ (process.pid << 8)) >>> 0;
const params = (numRuns: number): fc.Parameters<unknown> => ({ numRuns, seed: SEED, endOnFailure: true });
/** generated inputs per part, summed by the last test */
const TALLY: Record<string, number> = {};
const tally = (part: string, n: number): void => void (TALLY[part] = (TALLY[part] ?? 0) + n);

const ACTIONS = new Set(['allow', 'warn', 'ask', 'deny']);
const RISKS = new Set(['none', 'low', 'medium', 'high', 'critical']);
const CLASSES = new Set(['internal', 'external', 'hybrid', 'unknown']);
const FLOWS = new Set([null, 'internal_to_external', 'external_to_internal', 'internal_to_internal', 'external_to_external']);
const MAX_TEXT = 10_000; // Claude Code's cap on hook output strings

const AWS_SECRET = ['Tq8vJ2mXkP4w/R7nB1sD5fG9', 'L3zC6yV0aE2uI4oQ'].join('') /* not AWS's documented example key, which is no secret */;
const SECRETS = [
  `AWS_SECRET_ACCESS_KEY=${AWS_SECRET}`,
  'AKIAIIKJ3N5BGFHUKAHB',
  'ghp_0123456789abcdefghijABCDEFGHIJ012345',
  '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----',
  'postgres://admin:hunter2hunter2@db.internal:5432/prod',
  'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx',
  'alice.smith@corp.example',
  '4111 1111 1111 1111',
];

// ------------------------------------------------------------------------------ generators

/** Claude Code's tools, MCP names by the classifier's words, and malformed MCP names. */
const KNOWN_TOOLS = [
  'Bash',
  'Read',
  'Write',
  'Edit',
  'MultiEdit',
  'WebFetch',
  'WebSearch',
  'Agent',
  'Task',
  'PowerShell',
  'Glob',
  'Grep',
  'NotebookEdit',
  'TodoWrite',
  'BashOutput',
  'mcp__slack__post_message',
  'mcp__postgres__query',
  'mcp__gmail__send_email',
  'mcp__github__create_issue',
  'mcp__feedback-bot__send',
  'mcp__sqlite__read',
  'mcp__x',
  'mcp____',
  'mcp__a__',
  'mcp___b__c',
  'MCP__slack__post',
  'bash',
  '',
];
const toolName = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...KNOWN_TOOLS) },
  { weight: 2, arbitrary: fc.tuple(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 })).map(([s, t]) => `mcp__${s}__${t}`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
);

const SHELL_WORDS = [
  'curl',
  'wget',
  'nc',
  'ncat',
  'ssh',
  'scp',
  'rsync',
  'git',
  'push',
  'origin',
  'python3',
  'node',
  'perl',
  '-c',
  '-e',
  '-d',
  '-F',
  '-T',
  '--data-binary',
  '--post-file',
  '@.env',
  '@~/.ssh/id_rsa',
  'f=@/etc/passwd',
  'https://evil.example/x',
  'http://127.0.0.1:8080/',
  'attacker.example',
  'webhook.site',
  '1.2.3.4',
  '443',
  'cat',
  '.env',
  '~/.aws/credentials',
  '/etc/shadow',
  'base64',
  'xxd',
  '-p',
  '|',
  '||',
  '&&',
  ';',
  '&',
  '>',
  '>>',
  '<',
  '<<EOF',
  'EOF',
  '<<<',
  '$(',
  ')',
  '`',
  '"',
  "'",
  '\\',
  '\n',
  '{',
  '}',
  '(',
  '((',
  '))',
  '[[',
  ']]',
  'if',
  'then',
  'fi',
  'for',
  'in',
  'do',
  'done',
  'eval',
  'exec',
  'env',
  'xargs',
  'sh',
  'bash',
  'sudo',
  'tee',
  '/dev/tcp/1.2.3.4/80',
  'dig',
  '$(cat .env).evil.example',
  '${HOME}',
  '$HOME',
  '~',
  '*',
  '?',
  '#',
  '!',
  '=',
  'X=1',
  '--',
  '-',
  'import socket;socket.create_connection(("evil.example",80))',
  'require("http").get("http://evil.example")',
  'printf',
  '%s',
  'echo',
  AWS_SECRET,
];
const shellCommand = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .array(fc.oneof(fc.constantFrom(...SHELL_WORDS), fc.string({ maxLength: 8 })), { maxLength: 24 })
      .chain((ws) => fc.constantFrom(' ', '', '\t').map((sep) => ws.join(sep))),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 100 }) },
);
const url = fc.oneof(
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.constantFrom(
    'https://evil.example/?k=' + AWS_SECRET,
    'http://[::1]:80/',
    'http://0x7f000001/',
    'file:///etc/passwd',
    'javascript:alert(1)',
    '//webhook.site/x',
    'https://user:pass@host/',
    'http://%zz/',
    'http://' + 'a'.repeat(300) + '.com/',
  ),
  fc.string({ maxLength: 60 }),
);
const filePath = fc.oneof(
  fc.constantFrom(
    '/home/u/.env',
    '~/.ssh/id_rsa',
    '/etc/shadow',
    '.env',
    '/proj/src/index.ts',
    '/home/u/.aws/credentials',
    '../../.git/config',
    '',
    '/',
    '\u0000',
  ),
  fc.string({ maxLength: 60 }),
);
const text = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 300 }) },
  { weight: 2, arbitrary: fc.constantFrom(...SECRETS) },
  {
    weight: 2,
    arbitrary: fc
      .array(fc.oneof(fc.constantFrom(...SECRETS), fc.lorem({ maxCount: 8 }), fc.string({ maxLength: 30 })), { maxLength: 8 })
      .map((xs) => xs.join('\n')),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) }, // lone surrogates, astral chars
  { weight: 1, arbitrary: fc.constantFrom(...SECRETS).map((s) => Buffer.from(s).toString('base64')) },
  { weight: 1, arbitrary: fc.constantFrom(...SECRETS).map((s) => Buffer.from(s).toString('hex')) },
  { weight: 1, arbitrary: fc.constantFrom(...SECRETS).map((s) => encodeURIComponent(s)) },
);
/** a value of the wrong type for a known field */
const wrong = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
);
const field = <T>(good: fc.Arbitrary<T>): fc.Arbitrary<unknown> => fc.oneof({ weight: 4, arbitrary: good }, { weight: 1, arbitrary: wrong });

const toolInput = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record(
      {
        command: field(shellCommand),
        url: field(url),
        file_path: field(filePath),
        content: field(text),
        prompt: field(text),
        text: field(text),
        query: field(text),
        description: field(fc.string({ maxLength: 30 })),
        channel: field(fc.string({ maxLength: 10 })),
        body: field(fc.jsonValue({ maxDepth: 3 })),
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) }, // strings, numbers, null: parseEvent must refuse these politely
  { weight: 1, arbitrary: fc.array(fc.oneof(text, fc.jsonValue({ maxDepth: 2 })), { maxLength: 5 }) },
  { weight: 1, arbitrary: fc.object({ maxDepth: 3, maxKeys: 5 }) },
);
const toolResponse = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  text,
  fc.record({ stdout: field(text), stderr: field(fc.string({ maxLength: 50 })), interrupted: field(fc.boolean()) }, { requiredKeys: [] }),
  fc.record({
    type: fc.constant('text'),
    file: fc.record({ filePath: field(filePath), content: field(text), numLines: field(fc.nat()) }, { requiredKeys: [] }),
  }),
  fc.array(fc.record({ type: fc.constant('text'), text: field(text) }), { maxLength: 3 }),
);
const EVENTS = [
  'PreToolUse',
  'PostToolUse',
  'PreToolUse',
  'PostToolUse',
  'UserPromptSubmit',
  'Stop',
  'SubagentStop',
  'Notification',
  'SessionStart',
  'PreCompact',
  'preToolUse',
  '',
];
const hookEventName = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...EVENTS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: wrong },
);
const sessionId = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('s1', 's2', 's3', '00000000-0000-0000-0000-000000000000') },
  { weight: 1, arbitrary: fc.string({ maxLength: 300 }) },
  { weight: 1, arbitrary: wrong },
);

const eventObj = fc.record(
  {
    hook_event_name: hookEventName,
    session_id: sessionId,
    tool_name: field(toolName),
    tool_input: toolInput,
    tool_response: toolResponse,
    tool_use_id: field(fc.string({ maxLength: 30 })),
    cwd: field(filePath),
    transcript_path: field(filePath),
    permission_mode: field(fc.constantFrom('default', 'plan', 'acceptEdits', 'bypassPermissions')),
    agent_id: field(fc.string({ maxLength: 10 })),
    extra: fc.jsonValue({ maxDepth: 2 }),
  },
  { requiredKeys: ['hook_event_name', 'session_id'] },
);

/** How the JSON text reaches parseEvent: as is, as bytes with invalid UTF-8 spliced into a string, truncated, or bit-flipped. */
type Wire = { kind: 'text'; s: string } | { kind: 'bytes'; b: Buffer };
const INVALID_UTF8 = fc.oneof(
  fc.constantFrom([0x80], [0xc0, 0xaf], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xff], [0xfe, 0xff], [0xc3], [0xf0, 0x9f, 0x98]),
  fc.uint8Array({ minLength: 1, maxLength: 16 }).map((a) => [...a].filter((x) => x >= 0x80)),
);
const wire = (json: string): fc.Arbitrary<Wire> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constant<Wire>({ kind: 'text', s: json }) },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.nat(), INVALID_UTF8).map(([at, bad]): Wire => {
        // splice raw bytes right after an opening quote, so the JSON stays well-formed around them
        const b = Buffer.from(json);
        const quotes: number[] = [];
        for (let i = 0; i < b.length; i++) if (b[i] === 0x22) quotes.push(i);
        const q = quotes.length ? (quotes[at % quotes.length] as number) + 1 : 0;
        return { kind: 'bytes', b: Buffer.concat([b.subarray(0, q), Buffer.from(bad), b.subarray(q)]) };
      }),
    },
    { weight: 1, arbitrary: fc.nat().map((n): Wire => ({ kind: 'text', s: json.slice(0, json.length ? n % json.length : 0) })) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([at, x]): Wire => {
        const b = Buffer.from(json);
        if (b.length) b[at % b.length] = x;
        return { kind: 'bytes', b };
      }),
    },
  );

// ------------------------------------------------------------------------------ checks

function checkDecision(d: Decision, ev: HookEvent): void {
  assert.ok(ACTIONS.has(d.action as string), `action ${String(d.action)}`);
  assert.ok(RISKS.has(d.risk as string), `risk ${String(d.risk)}`);
  assert.ok(CLASSES.has(d.classification as string), `classification ${String(d.classification)}`);
  assert.ok(FLOWS.has(d.flowType), `flowType ${String(d.flowType)}`);
  assert.equal(d.event, ev.hook_event_name);
  assert.equal(typeof d.reason, 'string');
  assert.equal(typeof d.summary, 'string');
  assert.ok(Array.isArray(d.destinationHosts) && d.destinationHosts.every((h) => typeof h === 'string'));
  if (d.action !== 'allow') assert.ok(d.reason.length > 0, 'a non-allow decision says why');
  const out = claudeOutput(d);
  checkHookOutput(out, ev.hook_event_name === 'PreToolUse');
  assert.deepEqual(JSON.parse(JSON.stringify(out)), out);
  // the CLI's `evaluate --json` view and the audit row's fields are serialisable too
  JSON.parse(JSON.stringify(publicDecision(d)));
}

/** Claude Code's hook JSON: only our two keys, a valid permission decision only for PreToolUse, strings capped. */
function checkHookOutput(out: unknown, pre: boolean, post = false): void {
  assert.ok(typeof out === 'object' && out !== null && !Array.isArray(out), 'hook output is an object');
  const o = out as Record<string, unknown>;
  for (const k of Object.keys(o)) assert.ok(k === 'hookSpecificOutput' || k === 'systemMessage', `unexpected key ${k}`);
  if ('systemMessage' in o) {
    assert.equal(typeof o.systemMessage, 'string');
    assert.ok((o.systemMessage as string).length > 0 && (o.systemMessage as string).length <= MAX_TEXT);
  }
  if ('hookSpecificOutput' in o) {
    const h = o.hookSpecificOutput as Record<string, unknown>;
    if (post && h.hookEventName === 'PostToolUse') {
      // redaction (redaction.mode "secrets"): the tool's output with the secrets held back, nothing else
      assert.equal('permissionDecision' in h, false, 'no permission decision after the fact');
      assert.ok('updatedToolOutput' in h || 'updatedMCPToolOutput' in h, 'a PostToolUse answer carries a rewritten output');
      return;
    }
    assert.ok(pre, 'permission decisions only for PreToolUse');
    assert.equal(h.hookEventName, 'PreToolUse');
    assert.ok(
      h.permissionDecision === 'deny' || h.permissionDecision === 'ask' || h.permissionDecision === 'allow',
      `permissionDecision ${String(h.permissionDecision)}`,
    );
    assert.equal(typeof h.permissionDecisionReason, 'string');
    assert.ok((h.permissionDecisionReason as string).length > 0 && (h.permissionDecisionReason as string).length <= MAX_TEXT);
  }
}

/**
 * Names that are Object.prototype keys (fast-check's string generator produces "toString", "__proto__",
 * "constructor"… on purpose) once yielded decisions whose action was a function; fixed, so they are held
 * to the full contract like every other name. FUZZ_STRICT=0 relaxes that, for bisecting old commits.
 */
const PROTO_KEYS = new Set(Object.getOwnPropertyNames(Object.prototype));
const STRICT = process.env.FUZZ_STRICT !== '0';
function protoKeyedName(tool: unknown): boolean {
  if (typeof tool !== 'string') return false;
  if (PROTO_KEYS.has(tool)) return true;
  const m = /^mcp__(.+?)__/.exec(tool);
  return m !== null && PROTO_KEYS.has(m[1] as string);
}

type Counts = { inputs: number; accepted: number; refused: number; protoKeyed: number; actions: Record<string, number> };
const newCounts = (): Counts => ({ inputs: 0, accepted: 0, refused: 0, protoKeyed: 0, actions: {} });

/** parseEvent either refuses with BadEvent (and a message) or returns an event the engine must handle. */
function feed(engine: FlowEngine, raw: Buffer | string, now: number, counts: Counts): void {
  counts.inputs++;
  let ev: HookEvent;
  try {
    ev = parseEvent(raw);
  } catch (e) {
    assert.ok(e instanceof BadEvent, `parseEvent threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    assert.ok(e.message.length > 0 && e.message.length < 400);
    counts.refused++;
    return;
  }
  counts.accepted++;
  const d = engine.handle(ev, now);
  if (!STRICT && protoKeyedName(ev.tool_name)) {
    counts.protoKeyed++;
    JSON.stringify(claudeOutput(d));
    return;
  }
  checkDecision(d, ev);
  counts.actions[d.action] = (counts.actions[d.action] ?? 0) + 1;
}

const newEngine = (): FlowEngine => new FlowEngine(defaultConfig(), { seed: 0x5eed, home: '/home/u', configPath: '/home/u/.config/mcpproxy-hook/config.json' });

// ------------------------------------------------------------------------------ (a) engine in-process

describe('(a) parseEvent + FlowEngine + claudeOutput, in-process', () => {
  let total = 0;
  const count = (n: number): void => {
    total += n;
    tally('a: engine', n);
  };

  test('sequences of generated events (wrong types, unknown events/tools, invalid UTF-8, truncation): 15,000 runs', (t) => {
    const engine = newEngine();
    const counts = newCounts();
    let clock = 1_700_000_000_000;
    fc.assert(
      fc.property(
        fc.array(
          eventObj.chain((ev) => wire(JSON.stringify(ev))),
          { minLength: 1, maxLength: 6 },
        ),
        (ws) => {
          for (const w of ws) feed(engine, w.kind === 'text' ? w.s : w.b, (clock += 997), counts);
        },
      ),
      params(15_000),
    );
    count(counts.inputs);
    t.diagnostic(
      `${counts.inputs} inputs: ${counts.accepted} accepted by parseEvent, ${counts.refused} refused with BadEvent, ${counts.protoKeyed} with an Object.prototype tool/server name (known bug, checked loosely); decisions ${JSON.stringify(counts.actions)}; seed ${SEED}`,
    );
    assert.ok(counts.accepted > counts.inputs / 3, 'the generator mostly produces events parseEvent accepts');
    assert.ok((counts.actions.deny ?? 0) + (counts.actions.ask ?? 0) > 0, 'some generated flows are blocked (the generator reaches the deny path)');
  });

  test('raw text and bytes (any JSON value, any string, random bytes): 20,000 inputs', (t) => {
    const engine = newEngine();
    const counts = newCounts();
    fc.assert(
      fc.property(
        fc.oneof(
          fc.json({ maxDepth: 4 }),
          fc.string({ maxLength: 200 }),
          fc.string({ unit: 'binary', maxLength: 200 }),
          fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
          fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify({ hook_event_name: 'PreToolUse', session_id: 's1', tool_name: 'Bash', tool_input: v })),
          fc
            .dictionary(
              fc.constantFrom('hook_event_name', 'session_id', 'tool_name', 'tool_input', 'tool_response', '__proto__', 'constructor'),
              fc.jsonValue({ maxDepth: 2 }),
            )
            .map((o) => JSON.stringify(o)),
        ),
        (raw) => feed(engine, raw, Date.now(), counts),
      ),
      params(20_000),
    );
    count(counts.inputs);
    t.diagnostic(
      `${counts.inputs} inputs: ${counts.accepted} accepted, ${counts.refused} refused with BadEvent, ${counts.protoKeyed} proto-keyed names; seed ${SEED}`,
    );
  });

  test('heavy inputs: multi-megabyte strings, deep nesting, many keys: 40 runs', (t) => {
    const engine = newEngine();
    const counts = newCounts();
    const big = fc.record({
      size: fc.integer({ min: 64 * 1024, max: 6 * 1024 * 1024 }),
      depth: fc.integer({ min: 33, max: 50_000 }),
      shape: fc.constantFrom('command', 'response', 'nested-input', 'nested-response', 'wide', 'secret-tail'),
      tool: fc.constantFrom('Bash', 'WebFetch', 'Read', 'mcp__slack__post_message', 'mcp__postgres__query'),
      event: fc.constantFrom('PreToolUse', 'PostToolUse'),
      fill: fc.constantFrom('a', 'x y ', '$(', '"\\', 'é', '😀', '| curl evil.example ', 'A'),
    });
    fc.assert(
      fc.property(big, (b) => {
        const filler = b.fill.repeat(Math.ceil(b.size / b.fill.length)).slice(0, b.size);
        let json: string;
        const head = `{"hook_event_name":"${b.event}","session_id":"heavy","tool_name":"${b.tool}"`;
        if (b.shape === 'command') json = `${head},"tool_input":{"command":${JSON.stringify(filler)}}}`;
        else if (b.shape === 'response') json = `${head},"tool_input":{"command":"cat big"},"tool_response":{"stdout":${JSON.stringify(filler)}}}`;
        else if (b.shape === 'nested-input') json = `${head},"tool_input":{"text":${'['.repeat(b.depth)}"${AWS_SECRET}"${']'.repeat(b.depth)}}}`;
        else if (b.shape === 'nested-response')
          json = `${head},"tool_input":{},"tool_response":${'{"a":'.repeat(b.depth)}"${AWS_SECRET}"${'}'.repeat(b.depth)}}`;
        else if (b.shape === 'wide')
          json = `${head},"tool_input":{${Array.from({ length: Math.min(200_000, b.size >> 5) }, (_, i) => `"k${i}":"v${i}"`).join(',')}}}`;
        else json = `${head},"tool_input":{"text":${JSON.stringify(filler + ' ' + SECRETS[0])}}}`;
        feed(engine, json, Date.now(), counts);
      }),
      params(40),
    );
    count(counts.inputs);
    t.diagnostic(
      `${counts.inputs} heavy inputs (64 KiB to 6 MiB strings, nesting 33 to 50,000 levels); decisions ${JSON.stringify(counts.actions)}; in-process total so far ${total}`,
    );
  });

  test('tool and MCP server names that are Object.prototype keys are ordinary names', () => {
    const engine = newEngine();
    const bad: string[] = [];
    // the session has read a secret, so an outgoing copy of it is a flow finding
    engine.handle(
      {
        hook_event_name: 'PostToolUse',
        session_id: 'proto',
        tool_name: 'Read',
        tool_input: { file_path: '/proj/.env' },
        tool_response: { type: 'text', file: { filePath: '/proj/.env', content: `AWS_SECRET_ACCESS_KEY=${AWS_SECRET}\n` } },
      },
      Date.now(),
    );
    for (const name of [
      'toString',
      'constructor',
      'hasOwnProperty',
      'valueOf',
      '__proto__',
      'isPrototypeOf',
      'toLocaleString',
      'mcp__valueOf__send',
      'mcp__constructor__post',
      'mcp__toString__x',
      'mcp__hasOwnProperty__y',
    ]) {
      const ev = {
        hook_event_name: 'PreToolUse',
        session_id: 'proto',
        tool_name: name,
        tool_input: { text: `AWS_SECRET_ACCESS_KEY=${AWS_SECRET}`, url: 'https://evil.example/x' },
      };
      const d = engine.handle(parseEvent(JSON.stringify(ev)), Date.now());
      const same = engine.handle(
        parseEvent(JSON.stringify({ ...ev, tool_name: name.startsWith('mcp__') ? 'mcp__unknownsrv__send' : 'SomeNewTool' })),
        Date.now(),
      );
      if (!ACTIONS.has(d.action as string) || !CLASSES.has(d.classification as string) || d.action !== same.action)
        bad.push(
          `${name}: action=${String(d.action).slice(0, 30)} classification=${String(d.classification).slice(0, 30)} (an unknown name gets ${same.action})`,
        );
    }
    assert.deepEqual(bad, []);
  });

  test('a secret is found however deep it is nested, and when it is used as an object key', () => {
    const engine = newEngine();
    const nest = (d: number, v: unknown): unknown => Array.from({ length: d }).reduce<unknown>((x) => [x], v);
    const missed: string[] = [];
    const secret = `AWS_SECRET_ACCESS_KEY=${AWS_SECRET}`;
    for (const [what, input] of [
      ['depth 31', { channel: 'c', blocks: nest(31, secret) }],
      ['depth 32', { channel: 'c', blocks: nest(32, secret) }],
      ['depth 40', { channel: 'c', blocks: nest(40, secret) }],
      ['object key', { channel: 'c', meta: { [secret]: true } }],
    ] as const) {
      const d = engine.handle({ hook_event_name: 'PreToolUse', session_id: 'deep', tool_name: 'mcp__slack__post_message', tool_input: input }, Date.now());
      if (d.action === 'allow') missed.push(what);
    }
    assert.deepEqual(missed, []);
  });
});

// ------------------------------------------------------------------------------ (b) frame decoder

describe('(b) FrameDecoder + decodePayload', () => {
  const message = fc.oneof(
    fc.jsonValue({ maxDepth: 4 }),
    fc.record(
      {
        t: fc.constantFrom('hook', 'evaluate', 'status', 'ping', 'reload'),
        e: fc.oneof(
          fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
          fc.string({ maxLength: 100 }),
        ),
        p: fc.nat(),
      },
      { requiredKeys: ['t'] },
    ),
    fc.string({ unit: 'binary', maxLength: 100 }),
  );
  /** generated objects may have a null prototype and -0; msgpack gives back plain objects and 0 */
  const plain = (v: unknown): unknown => {
    if (Object.is(v, -0)) return 0;
    if (Array.isArray(v)) return v.map(plain);
    // msgpackr renames a "__proto__" key to "__proto_" on purpose (no prototype pollution through a frame)
    if (v && typeof v === 'object' && !(v instanceof Uint8Array))
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k === '__proto__' ? '__proto_' : k, plain(x)]));
    return v;
  };
  /** a known-good frame: decoding it after garbage proves the shared decoder state was not left corrupted */
  const canary = { t: 'hook', p: 4242, e: Buffer.from('{"hook_event_name":"PreToolUse","session_id":"s"}') };
  const canaryBody = encodeFrame(canary).subarray(4);
  /** random cut points into a buffer */
  const chunked = (b: Buffer, cuts: number[]): Buffer[] => {
    const at = [...new Set(cuts.map((c) => (b.length ? c % (b.length + 1) : 0)))].sort((x, y) => x - y);
    const out: Buffer[] = [];
    let prev = 0;
    for (const c of [...at, b.length]) {
      out.push(b.subarray(prev, c));
      prev = c;
    }
    return out;
  };

  test('valid frames in random chunkings decode to what was sent: 15,000 runs', (t) => {
    let frames = 0;
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 30 }), (msgs, cuts) => {
        const wireBytes = Buffer.concat(msgs.map((m) => encodeFrame(m)));
        const dec = new FrameDecoder();
        const got: unknown[] = [];
        for (const c of chunked(wireBytes, cuts)) for (const f of dec.push(c)) got.push(decodePayload(f));
        assert.equal(got.length, msgs.length);
        assert.equal(dec.pending, 0);
        for (let i = 0; i < msgs.length; i++) {
          const m = msgs[i];
          const g = got[i];
          // msgpack gives binary back as Uint8Array; compare bytes
          if (m && typeof m === 'object' && 'e' in m && Buffer.isBuffer((m as { e: unknown }).e)) {
            assert.deepEqual(Buffer.from((g as { e: Uint8Array }).e), (m as { e: Buffer }).e);
            assert.equal((g as { t: unknown }).t, (m as { t: unknown }).t);
          } else assert.deepEqual(plain(g), plain(m));
        }
        frames += msgs.length;
      }),
      params(15_000),
    );
    tally('b: frames', 15_000);
    t.diagnostic(`15000 inputs, ${frames} frames round-tripped through random chunkings; seed ${SEED}`);
  });

  test('random bytes, random chunking, small and default limits: only FrameError or a decode Error, never more buffered than one frame: 25,000 runs', (t) => {
    const seen = new Map<string, number>();
    let frameErrors = 0;
    let decoded = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 400 }).map((a) => Buffer.from(a)),
          // a plausible small length header followed by random bytes: reaches decodePayload more often
          fc.tuple(fc.integer({ min: 0, max: 64 }), fc.uint8Array({ maxLength: 200 })).map(([n, a]) => {
            const h = Buffer.alloc(4);
            h.writeUInt32BE(n);
            return Buffer.concat([h, Buffer.from(a)]);
          }),
          // valid frames with a flipped byte
          fc.tuple(message, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([m, at, x]) => {
            const b = encodeFrame(m);
            b[at % b.length] = x;
            return b;
          }),
        ),
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.constantFrom(16, 64, 1024, MAX_FRAME),
        (bytes, cuts, limit) => {
          const dec = new FrameDecoder(limit);
          try {
            for (const c of chunked(bytes, cuts)) {
              const frames = dec.push(c);
              assert.ok(dec.pending < 4 + limit, `decoder holds ${dec.pending} bytes with a ${limit}-byte limit`);
              for (const f of frames) {
                assert.ok(f.length <= limit);
                try {
                  decodePayload(f);
                  decoded++;
                } catch (e) {
                  // msgpackr reports garbage as Error (RangeError for runaway nesting); anything else is a bug
                  assert.ok(e instanceof Error, `decodePayload threw a non-Error: ${String(e)}`);
                  const msg = e.message.replace(
                    /(not reached|Unknown extension|for code|outside the bounds of the DataView|Invalid property type for record|Cannot read properties of null).*/s,
                    '$1',
                  );
                  const k = `${e.constructor.name}: ${/^[A-Za-z ,'().]+/.exec(msg)?.[0]?.trim() ?? '?'}`;
                  seen.set(k, (seen.get(k) ?? 0) + 1);
                }
                const c = decodePayload(canaryBody) as typeof canary;
                assert.ok(c.t === 'hook' && c.p === 4242 && Buffer.from(c.e).equals(canary.e), 'a valid frame still decodes after a garbage one');
              }
            }
          } catch (e) {
            if (e instanceof assert.AssertionError) throw e;
            assert.ok(e instanceof FrameError, `push threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
            frameErrors++;
          }
        },
      ),
      params(25_000),
    );
    tally('b: frames', 25_000);
    t.diagnostic(`25000 inputs: ${frameErrors} FrameErrors, ${decoded} payloads decoded, decode errors ${JSON.stringify(Object.fromEntries(seen))}`);
  });

  test('oversized length headers are refused on the header alone, before any body is buffered: 5,000 runs', (t) => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 0xffff_ffff }), fc.integer({ min: 0, max: 4 }), fc.nat({ max: 3 }), (len, extra, split) => {
        const limit = 4096;
        const h = Buffer.alloc(4 + extra);
        h.writeUInt32BE(len);
        const dec = new FrameDecoder(limit);
        const parts = [h.subarray(0, split), h.subarray(split)];
        if (len > limit) {
          assert.throws(() => parts.forEach((p) => dec.push(p)), FrameError);
        } else {
          for (const p of parts) dec.push(p);
          assert.ok(dec.pending <= 4 + extra);
        }
      }),
      params(5_000),
    );
    tally('b: frames', 5_000);
    t.diagnostic('5000 inputs');
  });

  test('runaway nesting in a frame is a decode error, not a crash', () => {
    for (const n of [1_000, 100_000, 1_000_000]) {
      const body = Buffer.alloc(n, 0x91); // fixarray(1) of fixarray(1) of ...
      const dec = new FrameDecoder();
      const h = Buffer.alloc(4);
      h.writeUInt32BE(n);
      const [f] = dec.push(Buffer.concat([h, body]));
      assert.throws(
        () => decodePayload(f as Buffer),
        (e: unknown) => e instanceof Error,
      );
    }
  });
});

// ------------------------------------------------------------------------------ (c) the built hook, whole process

/** Run the built hook with raw stdin bytes (runHook takes text; random bytes need a Buffer). */
function runHookBytes(
  phase: 'pre' | 'post',
  socket: string,
  input: Buffer,
  extra: string[],
): Promise<{ stdout: string; stderr: string; status: number | null }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [HOOK, phase, '--socket', socket, ...extra], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    p.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.on('error', reject);
    p.on('close', (status) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, status });
    });
    p.stdin.on('error', () => undefined); // the hook may exit before reading everything
    p.stdin.end(input);
  });
}

describe('(c) the built hook against a real sidecar, random stdin', () => {
  let sc: RunningSidecar;
  before(async () => {
    sc = await startSidecar();
  });
  after(async () => {
    await sc?.cleanup();
  });

  test('300 runs: exit 0, stdout is exactly one JSON object, valid decision fields, sidecar still up', async (t) => {
    const stdin = fc.oneof(
      { weight: 3, arbitrary: fc.uint8Array({ maxLength: 2000 }).map((a) => Buffer.from(a)) },
      { weight: 3, arbitrary: eventObj.chain((ev) => wire(JSON.stringify(ev))).map((w) => (w.kind === 'text' ? Buffer.from(w.s) : w.b)) },
      { weight: 1, arbitrary: fc.json({ maxDepth: 3 }).map((s) => Buffer.from(s)) },
      {
        weight: 1,
        arbitrary: fc
          .constantFrom('', ' ', '\n', '{}', 'null', '[]', '{"hook_event_name":"PreToolUse"}', '\u0000\u0000\u0000\u0010', '\xff\xfe')
          .map((s) => Buffer.from(s, 'latin1')),
      },
      { weight: 1, arbitrary: fc.integer({ min: 100_000, max: 2_000_000 }).map((n) => Buffer.alloc(n, 'a')) },
    );
    const runs = fc.sample(fc.tuple(stdin, fc.constantFrom<'pre' | 'post'>('pre', 'post'), fc.boolean()), { numRuns: 300, seed: SEED });
    const kinds: Record<string, number> = {};
    const failures: string[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < runs.length) {
        const [input, phase, failClosed] = runs[next++] as [Buffer, 'pre' | 'post', boolean];
        const r = await runHookBytes(phase, sc.socket, input, failClosed ? ['--fail-closed'] : []);
        const label = `${phase}${failClosed ? ' --fail-closed' : ''} stdin=${JSON.stringify(input.subarray(0, 80).toString('latin1'))}${input.length > 80 ? `…(${input.length} bytes)` : ''}`;
        try {
          assert.equal(r.status, 0, `exit ${r.status}; stderr ${r.stderr.slice(0, 300)}`);
          assert.ok(
            r.stdout.endsWith('\n') && r.stdout.indexOf('\n') === r.stdout.length - 1,
            `stdout is not exactly one line: ${JSON.stringify(r.stdout.slice(0, 200))}`,
          );
          const out = JSON.parse(r.stdout) as Record<string, unknown>;
          // the sidecar answers for the event it was given; the hook's own fail replies follow its phase
          let evName: unknown;
          try {
            evName = (JSON.parse(input.toString('utf8')) as { hook_event_name?: unknown }).hook_event_name;
          } catch {
            evName = undefined;
          }
          checkHookOutput(out, phase === 'pre' || evName === 'PreToolUse', evName === 'PostToolUse');
          const pd = (out.hookSpecificOutput as { permissionDecision?: string } | undefined)?.permissionDecision;
          const key = pd ?? (out.systemMessage ? (String(out.systemMessage).includes('guard is OFF') ? 'fail-open' : 'warn') : 'allow');
          kinds[key] = (kinds[key] ?? 0) + 1;
        } catch (e) {
          failures.push(`${label}: ${(e as Error).message}`);
        }
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    tally('c: hook processes', runs.length);
    t.diagnostic(`300 hook processes: ${JSON.stringify(kinds)}; seed ${SEED}`);
    assert.deepEqual(failures, []);
    assert.deepEqual(await request(sc.socket, { t: 'ping' }, 3000), { ok: true, pid: sc.proc.pid, version: '0.1.0' });
    assert.equal(sc.proc.exitCode, null, 'the sidecar is still running');
  });

  test('a deeply nested tool_input (20,000 levels) is still decided: the secret in it is denied', () => {
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    const ev = `{"session_id":"deep","hook_event_name":"PreToolUse","tool_name":"mcp__slack__post_message","tool_input":{"text":"AWS_SECRET_ACCESS_KEY=${AWS_SECRET}","pad":${deep}}}`;
    const r = runHook('pre', sc.socket, ev);
    assert.equal(r.status, 0);
    assert.equal((r.json.hookSpecificOutput as { permissionDecision?: string } | undefined)?.permissionDecision, 'deny', `got ${r.stdout.slice(0, 300)}`);
  });
});

// ------------------------------------------------------------------------------ (d) raw socket abuse

interface Conn {
  sock: Socket;
  replies: unknown[];
  /** resolves with the ms the connection was open (for diagnostics only) */
  closed: Promise<number>;
  /** the sidecar ended the connection (end of stream from its side) */
  endedBySidecar: boolean;
  bad: string[];
  /** resolves once `n` replies have arrived */
  repliesReach(n: number): Promise<void>;
}

function open(path: string): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const sock = connect(path);
    const dec = new FrameDecoder();
    const waiters: Array<{ n: number; resolve: () => void }> = [];
    const c: Conn = {
      sock,
      replies: [],
      bad: [],
      endedBySidecar: false,
      closed: undefined as unknown as Promise<number>,
      repliesReach: (n) => (c.replies.length >= n ? Promise.resolve() : new Promise((r) => waiters.push({ n, resolve: r }))),
    };
    const t0 = Date.now();
    c.closed = new Promise((r) => sock.on('close', () => r(Date.now() - t0)));
    sock.on('end', () => (c.endedBySidecar = true));
    sock.on('data', (chunk: Buffer) => {
      try {
        for (const f of dec.push(chunk)) c.replies.push(decodePayload(f));
      } catch (e) {
        c.bad.push((e as Error).message);
      }
      for (const w of waiters.filter((w) => c.replies.length >= w.n)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    });
    sock.on('error', () => undefined);
    sock.once('connect', () => resolve(c));
    sock.once('error', reject);
  });
}

const ping = async (path: string): Promise<boolean> => {
  try {
    return ((await request(path, { t: 'ping' }, 3000)) as { ok?: boolean }).ok === true;
  } catch {
    return false;
  }
};

describe('(d) raw socket abuse against a real sidecar', () => {
  let sc: RunningSidecar;
  before(async () => {
    sc = await startSidecar();
  });
  after(async () => {
    await sc?.cleanup();
  });

  test('a client that connects and never writes, or stalls inside a frame, is closed by a deadline; others are served meanwhile', async (t) => {
    const idle = await open(sc.socket);
    const half = await open(sc.socket);
    half.sock.write(Buffer.from([0, 0])); // half a length header, then silence
    const big = await open(sc.socket);
    const h = Buffer.alloc(4);
    h.writeUInt32BE(MAX_FRAME); // a legal 32 MiB header and a few bytes of body, then silence
    big.sock.write(Buffer.concat([h, Buffer.from('abc')]));
    assert.ok(await ping(sc.socket), 'served while idle clients hold connections');
    const [a, b, c] = await Promise.all([idle.closed, half.closed, big.closed]);
    t.diagnostic(`idle client closed after ${a} ms, half header after ${b} ms, stalled 32 MiB frame after ${c} ms`);
    // first frame due 2 s after connecting; a started frame due 5 s after its first byte: the sidecar closed
    // all three (these tests never close them), without a reply (a deadline, not an error answer)
    for (const conn of [idle, half, big]) {
      assert.equal(conn.endedBySidecar, true);
      assert.deepEqual(conn.replies, []);
    }
    assert.ok(await ping(sc.socket));
  });

  test('garbage frames and oversized headers: an error reply (when any) and the connection closed; 200 random garbage connections', async (t) => {
    // a well-formed frame whose body is not msgpack
    const g = await open(sc.socket);
    g.sock.write(Buffer.from([0, 0, 0, 3, 0xc1, 0xc1, 0xc1]));
    await g.closed;
    assert.deepEqual(g.replies, [{ error: 'the message is not valid msgpack' }]);
    for (const len of [MAX_FRAME + 1, 0xffff_ffff]) {
      const o = await open(sc.socket);
      const h = Buffer.alloc(4);
      h.writeUInt32BE(len);
      o.sock.write(h);
      await o.closed;
      assert.equal(o.replies.length, 1);
      assert.match(String((o.replies[0] as { error?: string }).error), /exceeds the \d+-byte limit/);
    }
    // valid msgpack, wrong shapes: answered with an error, connection kept for the next message
    const w = await open(sc.socket);
    for (const m of [null, 42, 'str', [1, 2], { t: 'nope' }, { t: 'hook' }, { t: 'hook', e: 5 }, { t: 'evaluate', e: {} }, { t: 'hook', e: 'not json' }])
      w.sock.write(encodeFrame(m));
    await w.repliesReach(9);
    w.sock.end();
    await w.closed;
    assert.equal(w.replies.length, 9, JSON.stringify(w.replies));
    for (const r of w.replies)
      assert.ok((typeof r === 'object' && r !== null && 'error' in r) || (typeof r === 'string' && r.startsWith('!')), JSON.stringify(r));
    // random garbage, 8 connections at a time; the client ends its side so a partial frame does not wait out the idle timeout
    const samples = fc.sample(
      fc.oneof(
        fc.uint8Array({ minLength: 1, maxLength: 600 }).map((a) => Buffer.from(a)),
        fc.tuple(fc.integer({ min: 0, max: 300 }), fc.uint8Array({ maxLength: 300 })).map(([n, a]) => {
          const h = Buffer.alloc(4);
          h.writeUInt32BE(n);
          return Buffer.concat([h, Buffer.from(a)]);
        }),
      ),
      { numRuns: 200, seed: SEED },
    );
    let replies = 0;
    const badReplies: string[] = [];
    for (let i = 0; i < samples.length; i += 8) {
      await Promise.all(
        samples.slice(i, i + 8).map(async (bytes) => {
          const c = await open(sc.socket);
          c.sock.end(bytes);
          await c.closed;
          replies += c.replies.length;
          badReplies.push(...c.bad);
        }),
      );
    }
    assert.deepEqual(badReplies, [], 'every reply the sidecar sent was a well-formed frame');
    tally('d: socket', samples.length);
    t.diagnostic(`200 random garbage connections, ${replies} error replies; seed ${SEED}`);
    assert.ok(await ping(sc.socket), 'still answering');
    const ok = runHook('pre', sc.socket, { session_id: 'after-abuse', hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command: 'ls' } });
    assert.equal(ok.status, 0);
    assert.deepEqual(ok.json, {});
    assert.equal(sc.proc.exitCode, null);
  });

  test('a flood of idle connections past maxConnections: the sidecar recovers once they time out', async (t) => {
    const conns: Conn[] = [];
    for (let i = 0; i < 300; i++) {
      try {
        conns.push(await open(sc.socket));
      } catch {
        break;
      }
    }
    const during = await ping(sc.socket);
    t.diagnostic(
      `${conns.length} idle connections opened; a ping during the flood was ${during ? 'answered' : 'NOT answered (hooks fail open/closed until the idle timeout frees slots)'}`,
    );
    await Promise.all(conns.map((c) => c.closed));
    assert.ok(await ping(sc.socket), 'answers again once the idle connections are closed');
  });

  test('a client trickling one byte every few seconds is closed by the frame deadline', { timeout: 120_000 }, async () => {
    const c = await open(sc.socket);
    const frame = encodeFrame({ t: 'ping' });
    let i = 0;
    const timer = setInterval(() => {
      if (i < frame.length - 1 && !c.sock.destroyed) c.sock.write(frame.subarray(i, ++i));
    }, 4_000);
    await c.closed;
    clearInterval(timer);
    // the sidecar closed it before the frame was complete: bytes arriving keep no frame alive
    assert.equal(c.endedBySidecar, true);
    assert.ok(i < frame.length - 1, `closed after ${i} of ${frame.length} bytes`);
    assert.deepEqual(c.replies, []);
  });
});

test('total: at least 100,000 generated inputs across (a)-(d)', (t) => {
  const sum = Object.values(TALLY).reduce((x, y) => x + y, 0);
  t.diagnostic(`${sum} generated inputs in all: ${JSON.stringify(TALLY)}; seed ${SEED} (replay with FUZZ_SEED=${SEED})`);
  // when a --test-name-pattern filter left parts out, there is nothing to sum
  if (Object.keys(TALLY).length === 4) assert.ok(sum >= 100_000, `${sum} inputs`);
});
