import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Router, type RouterTarget } from '../../src/daemon/router.ts';
import { parseEvent } from '../../src/daemon/events.ts';
import { createLogger } from '../../src/daemon/logger.ts';

const calls: string[] = [];
const target: RouterTarget = {
  evaluate: async (raw, source, pid) => {
    calls.push(`${source}:${pid ?? '-'}:${typeof raw === 'string' ? raw : raw.toString('utf8')}`);
    return { output: {}, decision: null, committed: Promise.resolve(undefined) };
  },
  status: () => ({ ok: true }),
  reload: () => ({ ok: true }),
  undelivered: () => undefined,
  console: { loginUrl: async () => 'http://127.0.0.1:1/login?token=t' },
  flows: {
    allow: (id, scope, by) => ({ id, scope, by }),
    revoke: (id, by) => ({ id, by }),
    store: { list: () => [] },
  },
};
const router = new Router(
  target,
  createLogger(() => undefined, Date.now),
);

test('socket messages are checked against the wire schema before anything is done', async () => {
  assert.deepEqual(await router.handle({ t: 'nope' }), { error: 'unknown message type "nope"', code: 'bad_message' });
  assert.deepEqual(await router.handle('x'), { error: 'message is not an object', code: 'bad_message' });
  assert.deepEqual(await router.handle({ t: 'allow', id: 'all', scope: 'always' }), {
    error: 'the message needs a positive whole number as id',
    code: 'bad_message',
  });
  assert.deepEqual(await router.handle({ t: 'evaluate' }), { error: 'the message carries no event (field e)', code: 'bad_message' });
  // the hook reads only strings: its errors are '!' + the message
  assert.equal(await router.handle({ t: 'hook', e: 5 }), '!the message carries no event (field e)');
  assert.deepEqual(calls, []);
  assert.equal(await router.handle({ t: 'hook', e: new TextEncoder().encode('{"a":1}'), p: 77 }), '{}');
  assert.deepEqual(calls, ['hook:77:{"a":1}']);
  assert.deepEqual(await router.handle({ t: 'allow', id: 3, scope: 'once' }), { exception: { id: 3, scope: 'once', by: 'cli' } });
  assert.deepEqual(await router.handle({ t: 'allow', id: 3, scope: 'once', by: 'x'.repeat(40) }), {
    error: 'Too big: expected string to have <=32 characters',
    code: 'bad_message',
  });
});

test('hook events: what we read is checked, unknown events and fields pass through', () => {
  assert.throws(() => parseEvent('{"session_id":"s"}'), /the event has no hook_event_name/);
  assert.throws(() => parseEvent('{"hook_event_name":"PreToolUse","session_id":""}'), /the event has no session_id/);
  assert.throws(() => parseEvent(`{"hook_event_name":"Stop","session_id":"${'a'.repeat(300)}"}`), /longer than 256/);
  assert.throws(() => parseEvent('{"hook_event_name":"PreToolUse","session_id":"s","tool_name":"Bash","tool_input":"ls"}'), /tool_input is not an object/);
  assert.throws(() => parseEvent('[1]'), /not a JSON object/);
  const ev = parseEvent('{"hook_event_name":"SomeFutureEvent","session_id":"s","new_field":{"x":1}}');
  assert.deepEqual(ev, { hook_event_name: 'SomeFutureEvent', session_id: 's', new_field: { x: 1 } });
  assert.equal(
    parseEvent('{"hook_event_name":"UserPromptSubmit","session_id":"s","prompt":"send it to bob@example.com"}').prompt,
    'send it to bob@example.com',
  );
  // Claude Code 2.1.330 sends mcp_server as {name, source}; a field we only read for information
  // never makes the event uncheckable (that made every MCP call unchecked)
  const mcp = parseEvent(
    '{"hook_event_name":"PreToolUse","session_id":"s","tool_name":"mcp__x__y","tool_input":{},"mcp_server":{"name":"x","source":"user"},"cwd":7}',
  );
  assert.deepEqual(mcp.mcp_server, { name: 'x', source: 'user' });
  assert.equal(mcp.cwd, undefined, 'a cwd of the wrong type is dropped, not a reason to refuse the event');
});
