import { test } from 'node:test';
import assert from 'node:assert/strict';
import type Database from 'better-sqlite3';
import { AuditStore, type AuditRow } from '../../src/store/audit-store.ts';
import { canonicalKey, findException, flowKeyOf, type FlowKey } from '../../src/engine/exceptions.ts';
import { ExceptionError, ExceptionStore } from '../../src/store/exception-store.ts';

const key = (over: Partial<FlowKey> = {}): FlowKey =>
  canonicalKey({ tool: 'Bash', hosts: ['api.example.com'], rules: ['internal_to_external'], origins: ['Read(/p/report.csv)'], sensitive: [], ...over });

function store(): { db: Database.Database; ex: ExceptionStore } {
  const audit = new AuditStore(':memory:');
  const row = (decision: string): AuditRow => ({
    ts: 1,
    session_id: 's',
    event: 'PreToolUse',
    tool: 'Bash',
    tool_use_id: null,
    classification: 'external',
    flow_type: null,
    risk: 'high',
    decision,
    reason: null,
    summary: null,
    origin_tool: null,
    hosts: null,
    input_hash: null,
    latency_us: 1,
    source: 'hook',
  });
  for (const d of ['deny', 'ask', 'allow', 'deny']) audit.record(row(d));
  return { db: audit.database, ex: new ExceptionStore(audit.database) };
}

test('flow keys are canonical: order and case of hosts do not matter', () => {
  assert.deepEqual(key({ hosts: ['B.example', 'a.example'] }), key({ hosts: ['a.example', 'b.example'] }));
  const k = flowKeyOf(
    {
      tool: 'mcp__mcpproxy-hook__chat__post',
      destinationHosts: [],
      findings: [{ rule: 'secret_to_external', risk: 'critical', what: 'an AWS secret access key' }],
    },
    (n) => n.replace('mcp__mcpproxy-hook__', 'mcp__'),
  );
  assert.equal(k.tool, 'mcp__chat__post');
  assert.deepEqual(k.sensitive, ['an AWS secret access key']);
});

test('once: exactly the next identical call in that session, then spent', () => {
  const { ex } = store();
  ex.noteDecision(1, key(), { sessionId: 's1', cwd: '/p', inputHash: 'h1' });
  const e = ex.add(1, 'once', 'cli', 1000);
  assert.equal(e.scope, 'once');
  assert.equal(ex.use(key(), { sessionId: 's1', cwd: '/p', inputHash: 'other' }), undefined, 'a different call is not covered');
  assert.equal(ex.use(key(), { sessionId: 's2', cwd: '/p', inputHash: 'h1' }), undefined, 'another session is not covered');
  assert.equal(ex.use(key(), { sessionId: 's1', cwd: '/p', inputHash: 'h1' })?.id, e.id);
  assert.equal(ex.use(key(), { sessionId: 's1', cwd: '/p', inputHash: 'h1' }), undefined, 'the second identical call is not covered');
  assert.equal(ex.get(e.id)?.uses, 1);
});

test('session, project and always scopes', () => {
  const { ex } = store();
  ex.noteDecision(2, key(), { sessionId: 's1', cwd: '/p', inputHash: 'h' });
  const s = ex.add(2, 'session', 'console', 1);
  assert.ok(ex.use(key(), { sessionId: 's1', cwd: '/q', inputHash: 'x' }));
  assert.ok(ex.use(key(), { sessionId: 's1', cwd: '/q', inputHash: 'y' }), 'session scope is not spent by a use');
  assert.equal(ex.use(key(), { sessionId: 's2', cwd: '/p', inputHash: 'x' }), undefined);
  ex.revoke(s.id, 2);
  assert.equal(ex.use(key(), { sessionId: 's1', cwd: '/q', inputHash: 'x' }), undefined, 'a revoked exception covers nothing');

  ex.add(2, 'project', 'cli', 3);
  assert.ok(ex.use(key(), { sessionId: 's9', cwd: '/p', inputHash: null }));
  assert.equal(ex.use(key(), { sessionId: 's9', cwd: '/elsewhere', inputHash: null }), undefined);
  ex.add(2, 'always', 'cli', 4);
  assert.ok(ex.use(key(), { sessionId: 'zz', cwd: null, inputHash: null }));
});

test('an exception is as narrow as its decision: other tool, destination, origin or rule is not covered', () => {
  const { ex } = store();
  ex.noteDecision(1, key(), { sessionId: 's', cwd: '/p', inputHash: 'h' });
  ex.add(1, 'always', 'cli', 1);
  const ctx = { sessionId: 's', cwd: '/p', inputHash: 'h' };
  assert.equal(ex.use(key({ tool: 'WebFetch' }), ctx), undefined);
  assert.equal(ex.use(key({ hosts: ['evil.example'] }), ctx), undefined);
  assert.equal(ex.use(key({ hosts: ['api.example.com', 'evil.example'] }), ctx), undefined);
  assert.equal(ex.use(key({ origins: ['Read(/p/.env)'] }), ctx), undefined);
  assert.equal(ex.use(key({ rules: ['chunked'] }), ctx), undefined);
});

test('a secret is never let through by an exception made for a flow without it', () => {
  const { ex } = store();
  ex.noteDecision(1, key(), { sessionId: 's', cwd: '/p', inputHash: 'h' });
  ex.add(1, 'always', 'cli', 1);
  const withSecret = key({ sensitive: ['an AWS secret access key'] });
  assert.equal(ex.use(withSecret, { sessionId: 's', cwd: '/p', inputHash: 'h' }), undefined);
  // and one made for one secret does not cover another kind
  ex.noteDecision(4, withSecret, { sessionId: 's', cwd: '/p', inputHash: 'h2' });
  ex.add(4, 'session', 'cli', 2);
  assert.ok(ex.use(withSecret, { sessionId: 's', cwd: '/p', inputHash: 'h3' }));
  assert.equal(ex.use(key({ sensitive: ['a GitHub token'] }), { sessionId: 's', cwd: '/p', inputHash: 'h3' }), undefined);
});

test('errors say what went wrong and what to do', () => {
  const { ex } = store();
  assert.throws(
    () => ex.add(99, 'once', 'cli', 1),
    (e: unknown) => e instanceof ExceptionError && e.why === 'NO_SUCH_DECISION' && /mcpproxy-hook activity/.test(e.message),
  );
  assert.throws(
    () => ex.add(3, 'once', 'cli', 1),
    (e: unknown) => e instanceof ExceptionError && e.why === 'NOT_INTERRUPTED',
  );
  ex.noteDecision(2, key(), { sessionId: 's', cwd: null, inputHash: null });
  assert.throws(
    () => ex.add(2, 'project', 'cli', 1),
    (e: unknown) => e instanceof ExceptionError && /--session or --always/.test(e.message),
  );
  assert.throws(
    () => ex.add(2, 'once', 'cli', 1),
    (e: unknown) => e instanceof ExceptionError && /--session/.test(e.message),
  );
  assert.throws(
    () => ex.add(2, 'forever' as never, 'cli', 1),
    (e: unknown) => e instanceof ExceptionError && e.why === 'BAD_SCOPE',
  );
  assert.throws(
    () => ex.revoke(42, 1),
    (e: unknown) => e instanceof ExceptionError && /mcpproxy-hook exceptions/.test(e.message),
  );
});

test('exceptions survive a reopen of the database; a spent once stays spent', () => {
  const { db, ex } = store();
  ex.noteDecision(1, key(), { sessionId: 's', cwd: '/p', inputHash: 'h' });
  const once = ex.add(1, 'once', 'cli', 1);
  ex.use(key(), { sessionId: 's', cwd: '/p', inputHash: 'h' });
  ex.add(1, 'project', 'cli', 2);
  const again = new ExceptionStore(db);
  assert.equal(again.use(key(), { sessionId: 's', cwd: '/other', inputHash: 'h' }), undefined, 'the spent once exception is not live again');
  assert.ok(again.use(key(), { sessionId: 's', cwd: '/p', inputHash: 'h' }));
  assert.equal(again.list().length, 2);
  assert.equal(again.get(once.id)?.uses, 1);
  assert.equal(findException([], key(), { sessionId: 's', cwd: null, inputHash: null }), undefined);
});
