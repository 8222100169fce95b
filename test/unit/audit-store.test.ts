import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { AuditStore, MIGRATIONS, type AuditRow } from '../../src/store/audit-store.ts';

const row = (i: number, over: Partial<AuditRow> = {}): AuditRow => ({
  ts: 1_000_000 + i,
  session_id: `s${i % 3}`,
  event: 'PreToolUse',
  tool: 'Bash',
  tool_use_id: null,
  classification: 'internal',
  flow_type: null,
  risk: i % 5 === 0 ? 'critical' : 'none',
  decision: i % 5 === 0 ? 'deny' : 'allow',
  reason: null,
  summary: null,
  origin_tool: null,
  hosts: null,
  input_hash: null,
  latency_us: 10,
  source: 'hook',
  ...over,
});

test('group commit: queued rows are committed together and the promise resolves after', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mph-audit-'));
  const st = new AuditStore(join(dir, 'a.db'));
  assert.equal(statSync(join(dir, 'a.db')).mode & 0o777, 0o600);
  const ps = Array.from({ length: 50 }, (_, i) => st.enqueue(row(i)));
  assert.equal(st.rowCount(), 0, 'nothing is written before the turn ends');
  await Promise.all(ps);
  assert.equal(st.rowCount(), 50);
  st.close();
  rmSync(dir, { recursive: true, force: true });
});

test('queries filter by session, decision and minimum risk', () => {
  const st = new AuditStore(':memory:');
  for (let i = 0; i < 30; i++) st.record(row(i));
  assert.equal(st.query({ decision: 'deny', limit: 100 }).length, 6);
  assert.equal(st.query({ risk: 'high', limit: 100 }).length, 6);
  assert.ok(st.query({ session: 's1', limit: 100 }).every((r) => r.session_id === 's1'));
  assert.equal(st.query({ limit: 5 }).length, 5);
  st.close();
});

test('prune by age and by row count', () => {
  const st = new AuditStore(':memory:');
  for (let i = 0; i < 100; i++) st.record(row(i));
  assert.equal(st.prune(1_000_010), 10);
  assert.equal(st.rowCount(), 90);
  assert.equal(st.prune(0, 40), 50);
  assert.equal(st.rowCount(), 40);
  assert.equal(st.query({ limit: 1 })[0]?.ts, 1_000_099, 'the newest rows are kept');
  st.close();
});

test('idle checkpoints: a burst of commits leaves the database file alone, the quiet after it checkpoints', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mph-audit-'));
  // one commit each, as a stream of hook events makes; few enough that SQLite's own checkpoint
  // (at 1,000 pages of WAL) does not run
  const burst = async (st: AuditStore): Promise<void> => {
    for (let i = 0; i < 150; i++) await st.enqueue(row(i));
  };
  const checkpointed = async (st: AuditStore): Promise<void> => {
    while (st.idleCheckpoints === 0) await new Promise((r) => setTimeout(r, 10));
  };

  // control: without the option the rows stay in the WAL (it has no timer at all)
  const plain = new AuditStore(join(dir, 'plain.db'));
  const plainSize = statSync(join(dir, 'plain.db')).size;
  await burst(plain);

  // commits do not checkpoint (an hour of quiet is never reached here); the idle checkpoint does
  const file = join(dir, 'idle.db');
  const st = new AuditStore(file, { idleCheckpointMs: 3_600_000 });
  const size0 = statSync(file).size;
  await burst(st);
  assert.equal(statSync(file).size, size0, 'no checkpoint while commits keep coming');
  assert.equal(st.idleCheckpoints, 0);
  assert.equal(st.idleCheckpoint(), true);
  assert.equal(st.idleCheckpoints, 1);
  assert.ok(statSync(file).size > size0, 'the checkpoint copied the rows into the database file');
  assert.equal(st.rowCount(), 150);
  assert.equal(st.idleCheckpoint(), false, 'nothing committed since: nothing to do');
  st.close();

  // the idle timer runs that checkpoint by itself once the store has been quiet for idleCheckpointMs
  const timed = new AuditStore(join(dir, 'timed.db'), { idleCheckpointMs: 20 });
  const timedSize = statSync(join(dir, 'timed.db')).size;
  await burst(timed);
  await checkpointed(timed);
  assert.ok(timed.idleCheckpoints >= 1);
  assert.ok(statSync(join(dir, 'timed.db')).size > timedSize);
  timed.close();

  // ... and the plain store, quiet for all that time too, still has its rows in the WAL only
  assert.equal(statSync(join(dir, 'plain.db')).size, plainSize);
  assert.equal(plain.idleCheckpoints, 0);
  plain.close();
  rmSync(dir, { recursive: true, force: true });
});

test('amend: the row of a decided call says what finally happened to it (an ask answered or degraded)', () => {
  const st = new AuditStore(':memory:');
  const base: AuditRow = {
    ts: 1,
    session_id: 's',
    event: 'PreToolUse',
    tool: 'mcp__chat__post',
    tool_use_id: null,
    classification: 'external',
    flow_type: null,
    risk: 'high',
    decision: 'ask',
    reason: 'may contain internal data',
    summary: 's',
    origin_tool: null,
    hosts: null,
    input_hash: null,
    latency_us: 1,
    source: 'proxy-stdio',
  };
  const id = st.record(base);
  st.amend(id, 'warn', 'ask -> warn: the client cannot ask its user');
  const r = st.byId(id);
  assert.equal(r?.decision, 'warn');
  assert.equal(r?.reason, 'may contain internal data [ask -> warn: the client cannot ask its user]');
  assert.equal(st.byId(id + 1), undefined);
  st.close();
});

test('migrations: a database from before them (user_version 0) is brought to the last version; a newer one is refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mph-audit-'));
  const file = join(dir, 'old.db');
  const first = new AuditStore(file);
  first.record(row(1));
  first.database.pragma('user_version = 0');
  first.database.exec('ALTER TABLE decisions DROP COLUMN delivered');
  first.database.exec('ALTER TABLE decisions DROP COLUMN provenance');
  first.close();
  const again = new AuditStore(file);
  assert.equal(again.database.pragma('user_version', { simple: true }), MIGRATIONS.length);
  assert.equal(again.rowCount(), 1, 'rows kept');
  assert.equal((again.query({ limit: 1 })[0] as unknown as { delivered: number }).delivered, 1);
  again.database.pragma(`user_version = ${MIGRATIONS.length + 1}`);
  again.close();
  assert.throws(() => new AuditStore(file), /schema version \d+, newer than this mcpproxy-hook knows/);
  rmSync(dir, { recursive: true, force: true });
});

test('disk full: rows wait in memory, callers are answered, health says so, and the rows are written when space returns', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mph-audit-'));
  const st = new AuditStore(join(dir, 'full.db'));
  const faults: Array<string | null> = [];
  st.onFault = (f) => faults.push(f ? f.code : null);
  await st.enqueue(row(0));
  // the file system is full as far as SQLite can tell: no page may be added
  const pages = st.database.pragma('page_count', { simple: true }) as number;
  st.database.pragma(`max_page_count = ${pages}`);
  const ids = await Promise.all(Array.from({ length: 400 }, (_, i) => st.enqueue(row(i + 1, { reason: 'x'.repeat(200) }))));
  assert.ok(
    ids.every((id) => id === undefined),
    'answered without a row id: the rows are not written yet',
  );
  const h = st.health();
  assert.equal(h.ok, false);
  assert.equal(h.error?.code, 'SQLITE_FULL');
  assert.equal(h.waiting_rows, 400);
  assert.deepEqual(faults, ['SQLITE_FULL']);
  // space returns
  st.database.pragma('max_page_count = 1073741823');
  st.flush();
  assert.equal(st.rowCount(), 401);
  assert.deepEqual(st.health(), { ok: true, error: null, waiting_rows: 0, dropped_rows: 0 });
  assert.deepEqual(faults, ['SQLITE_FULL', null]);
  st.close();
  rmSync(dir, { recursive: true, force: true });
});
