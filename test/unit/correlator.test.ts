import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson, Correlator } from '../../src/daemon/correlator.ts';

test('canonical JSON ignores key order', () => {
  assert.equal(canonicalJson({ b: 1, a: [{ y: 2, x: 1 }] }), canonicalJson({ a: [{ x: 1, y: 2 }], b: 1 }));
});

test('by process: the client pid joins the hook session that process reported last', () => {
  const c = new Correlator();
  c.notePid(4242, 'hook-A', 1000);
  const r = c.resolve({ mcpSessionId: 'm1', clientPids: [9999, 4242, 1], tool: 'mcp__db__q', args: {} }, 1001);
  assert.deepEqual(r, { sessionId: 'hook-A', coverage: 'full', method: 'pid' });
  c.notePid(4242, 'hook-B', 2000); // /clear starts a new session in the same process
  assert.equal(c.resolve({ mcpSessionId: 'm1', clientPids: [4242], tool: 'mcp__db__q', args: {} }, 2001).sessionId, 'hook-B');
});

test('by arguments: a unique pending call links the MCP session for good', () => {
  const c = new Correlator(5000);
  c.notePending('mcp__db__q', { sql: 'select 1', limit: 5 }, 'hook-A', 1000);
  const r = c.resolve({ mcpSessionId: 'm1', tool: 'mcp__db__q', args: { limit: 5, sql: 'select 1' } }, 1050);
  assert.equal(r.method, 'args');
  assert.equal(r.sessionId, 'hook-A');
  // later calls of that MCP session stay linked without a pending key
  assert.equal(c.resolve({ mcpSessionId: 'm1', tool: 'mcp__db__other', args: {} }, 9000).method, 'link');
});

test('identical calls from two sessions are never guessed between', () => {
  const c = new Correlator(5000);
  c.notePending('mcp__db__q', { sql: 'select 1' }, 'hook-A', 1000);
  c.notePending('mcp__db__q', { sql: 'select 1' }, 'hook-B', 1001);
  const r = c.resolve({ mcpSessionId: 'm1', tool: 'mcp__db__q', args: { sql: 'select 1' } }, 1002);
  assert.equal(r.coverage, 'proxy-only');
  assert.equal(r.sessionId, 'mcp:m1');
  assert.equal(c.stats.ambiguous, 1);
});

test('stale pending keys expire; no hook at all means proxy-only', () => {
  const c = new Correlator(5000);
  c.notePending('mcp__db__q', {}, 'hook-A', 1000);
  assert.equal(c.resolve({ mcpSessionId: 'm1', tool: 'mcp__db__q', args: {} }, 7000).coverage, 'proxy-only');
  assert.equal(c.resolve({ mcpSessionId: 'm2', tool: 'mcp__chat__post', args: { text: 'x' } }, 7000).method, 'none');
});
