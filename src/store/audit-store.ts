/**
 * Audit store: every decision as a row in SQLite (better-sqlite3, WAL, synchronous=NORMAL: a
 * committed row survives a crash of the sidecar; no fsync per event). Never raw content: tool
 * inputs are kept as keyed hashes, reasons and labels are redacted before they get here.
 */
import Database from 'better-sqlite3';
import { closeSync, openSync } from 'node:fs';
import type { SessionSummary } from '../engine/flow-tracker.ts';
import { EXCEPTION_TABLES } from './exception-store.ts';

export interface AuditRow {
  ts: number;
  session_id: string;
  event: string;
  tool: string;
  tool_use_id: string | null;
  classification: string;
  flow_type: string | null;
  risk: string;
  decision: string;
  reason: string | null;
  summary: string | null;
  origin_tool: string | null;
  hosts: string | null;
  input_hash: string | null;
  latency_us: number;
  source: string;
  /** who chose the destination of the call (user, project, own, tool_output, never_seen), for PreToolUse rows that send */
  provenance?: string | null;
}

export interface ActivityQuery {
  session?: string;
  decision?: string;
  risk?: string;
  event?: string;
  tool?: string;
  sinceMs?: number;
  /** only rows older than this id (paging back through the log) */
  beforeId?: number;
  /** only rows newer than this id (`activity --follow`) */
  afterId?: number;
  limit?: number;
}

/**
 * The SELECT for a filtered page of decisions, newest `limit` first (the store's query, the console and
 * `mcpproxy-hook activity`, which reads the database directly). A risk filter means that risk or higher.
 */
export function decisionsQuery(q: ActivityQuery): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const eq = (col: string, v: string | undefined): void => {
    if (!v) return;
    where.push(`${col} = ?`);
    params.push(v);
  };
  eq('session_id', q.session);
  eq('decision', q.decision);
  eq('event', q.event);
  eq('tool', q.tool);
  if (q.risk) {
    const ok = RISK_ORDER.slice(Math.max(0, RISK_ORDER.indexOf(q.risk)));
    where.push(`risk IN (${ok.map(() => '?').join(',')})`);
    params.push(...ok);
  }
  if (q.sinceMs !== undefined) {
    where.push('ts >= ?');
    params.push(q.sinceMs);
  }
  if (q.beforeId !== undefined) {
    where.push('id < ?');
    params.push(q.beforeId);
  }
  if (q.afterId !== undefined) {
    where.push('id > ?');
    params.push(q.afterId);
  }
  params.push(q.limit ?? 50);
  return { sql: `SELECT * FROM decisions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`, params };
}

/** Rows kept in memory while the database cannot be written (~0.5 KB each); older ones are dropped and counted. */
export const MAX_BACKLOG_ROWS = 20_000;
/** How often writing is retried while it fails. */
const RETRY_MS = 2000;

const RISK_ORDER = ['none', 'low', 'medium', 'high', 'critical'];

/**
 * The schema as a list of migrations: entry i takes a database from user_version i to i + 1. A new
 * column or table is a new entry at the end; entries already shipped are never edited. Version 1 is
 * the schema from before migrations existed (written with IF NOT EXISTS, so those databases, at
 * user_version 0, pass through it unchanged).
 */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS decisions (
  id INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL,
  session_id TEXT NOT NULL,
  event TEXT NOT NULL,
  tool TEXT NOT NULL,
  tool_use_id TEXT,
  classification TEXT NOT NULL,
  flow_type TEXT,
  risk TEXT NOT NULL,
  decision TEXT NOT NULL,
  reason TEXT,
  summary TEXT,
  origin_tool TEXT,
  hosts TEXT,
  input_hash TEXT,
  latency_us INTEGER NOT NULL,
  source TEXT NOT NULL DEFAULT 'hook'
);
CREATE INDEX IF NOT EXISTS decisions_session ON decisions(session_id, ts);
CREATE INDEX IF NOT EXISTS decisions_ts ON decisions(ts);
CREATE TABLE IF NOT EXISTS session_summaries (
  id INTEGER PRIMARY KEY,
  session_id TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  ended_at INTEGER NOT NULL,
  reason TEXT NOT NULL,
  summary TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`,
  // 2: the flow keys of interrupted decisions and the user's flow exceptions (store/exception-store.ts)
  EXCEPTION_TABLES,
  // 3: whether the hook received the answer (0: it had given up at its deadline, and the call
  // went on or was blocked by the hook's own failure mode, whatever the row's decision says)
  `ALTER TABLE decisions ADD COLUMN delivered INTEGER NOT NULL DEFAULT 1;`,
  // 4: who chose the destination of the call (engine provenance.ts); `planted` is added for a
  // destination first seen in the free text of outside content
  `ALTER TABLE decisions ADD COLUMN provenance TEXT;`,
];

/** Bring the database up to the last migration, one transaction per step. */
export function migrate(db: Database.Database): void {
  const at = db.pragma('user_version', { simple: true }) as number;
  if (at > MIGRATIONS.length) {
    throw new Error(
      `the audit database is at schema version ${at}, newer than this mcpproxy-hook knows (${MIGRATIONS.length}); upgrade mcpproxy-hook or move the database aside`,
    );
  }
  for (let v = at; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

export interface AuditStoreOptions {
  /**
   * Copy the WAL into the database (a checkpoint, which fsyncs) once no commit has happened for
   * this long, instead of when a commit happens to push the WAL past SQLite's threshold: a
   * checkpoint then costs nobody a wait. SQLite's own automatic checkpoint (at 1,000 pages of WAL)
   * stays, for a store that is never quiet: a bigger threshold only made each of those stalls
   * longer. 0 (the default, for short-lived CLI use): no idle checkpoints.
   */
  idleCheckpointMs?: number;
}

export class AuditStore {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly insertSummary: Database.Statement;

  private readonly idleTimer: NodeJS.Timeout | null = null;
  /** group commits since the last checkpoint */
  private commitsSinceCheckpoint = 0;
  /** checkpoints run at idle */
  idleCheckpoints = 0;

  constructor(
    readonly file: string,
    opts: AuditStoreOptions = {},
  ) {
    if (file !== ':memory:') closeSync(openSync(file, 'a', 0o600));
    this.db = new Database(file);
    // set before the first table exists; lets pruning hand pages back without a blocking VACUUM
    this.db.pragma('auto_vacuum = INCREMENTAL');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 2000');
    migrate(this.db);
    this.insert =
      this.db.prepare(`INSERT INTO decisions (ts, session_id, event, tool, tool_use_id, classification, flow_type, risk, decision, reason, summary, origin_tool, hosts, input_hash, latency_us, source, provenance)
      VALUES (@ts, @session_id, @event, @tool, @tool_use_id, @classification, @flow_type, @risk, @decision, @reason, @summary, @origin_tool, @hosts, @input_hash, @latency_us, @source, @provenance)`);
    this.insertSummary = this.db.prepare('INSERT INTO session_summaries (session_id, started_at, ended_at, reason, summary) VALUES (?, ?, ?, ?, ?)');
    const idle = opts.idleCheckpointMs ?? 0;
    if (idle > 0 && file !== ':memory:') {
      this.idleTimer = setTimeout(() => this.idleCheckpoint(), idle);
      this.idleTimer.unref();
    }
  }

  /**
   * Checkpoint now if anything was committed since the last one (PASSIVE: never waits for a reader).
   * Runs from the idle timer; false when there was nothing to do.
   */
  idleCheckpoint(): boolean {
    if (this.commitsSinceCheckpoint === 0 || !this.db.open || this.fault) return false;
    this.commitsSinceCheckpoint = 0;
    try {
      this.db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // a full disk or I/O error: the WAL keeps the rows; the next commit reports the fault
      return false;
    }
    this.idleCheckpoints++;
    return true;
  }

  /** The database, for other stores that keep their tables in it (one file, one transaction). */
  get database(): Database.Database {
    return this.db;
  }

  private queue: AuditRow[] = [];
  private waiters: Array<(id: number | undefined) => void> = [];
  private scheduled = false;
  /** rows that could not be written (disk full, I/O error), oldest first; bounded */
  private backlog: AuditRow[] = [];
  private dropped = 0;
  private fault: { code: string; message: string; since: number } | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly writers: Array<{ write: () => void; onError: (e: Error) => void }> = [];
  private readonly insertMany = (rows: AuditRow[]): number[] => {
    const ids: number[] = [];
    this.db.transaction((rs: AuditRow[]) => {
      for (const r of rs) ids.push(Number(this.insert.run({ provenance: null, ...r }).lastInsertRowid));
      for (const w of this.writers) {
        // a savepoint each: a writer that fails loses its own changes, never the audit rows
        try {
          this.db.transaction(w.write)();
        } catch (e) {
          w.onError(e as Error);
        }
      }
    })(rows);
    return ids;
  };

  /**
   * Run `write` inside every group commit, after the queued rows: what it writes is committed
   * together with them, before any of their callers is answered.
   */
  addWriter(write: () => void, onError: (e: Error) => void): void {
    this.writers.push({ write, onError });
  }

  /** Called when writing starts failing (disk full …) and when it works again. */
  onFault?: (fault: { code: string; message: string } | null, backlog: number, dropped: number) => void;

  /** Write one row now; committed (WAL) when this returns. */
  record(row: AuditRow): number {
    return Number(this.insert.run({ provenance: null, ...row }).lastInsertRowid);
  }

  /**
   * Group commit: queue a row; all rows queued in this turn of the event loop are written in one
   * transaction. The promise resolves once the row is committed (with its id), so a caller that
   * replies after it never acknowledges a decision whose row could be lost with the process. When
   * the disk is full the row waits in memory (bounded) and the promise resolves with undefined:
   * deciding goes on, and status says rows are waiting.
   */
  enqueue(row: AuditRow): Promise<number | undefined> {
    this.queue.push(row);
    const p = new Promise<number | undefined>((resolve) => this.waiters.push(resolve));
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    return p;
  }

  /** Commit every queued row now (the writers run with them), with any rows waiting from a fault. */
  flush(): void {
    this.scheduled = false;
    if (this.queue.length === 0 && this.backlog.length === 0) return;
    if (!this.db.open) return;
    const rows = this.queue;
    const waiters = this.waiters;
    this.queue = [];
    this.waiters = [];
    const waiting = this.backlog.length;
    const all = waiting ? this.backlog.concat(rows) : rows;
    let ids: number[] | undefined;
    try {
      ids = this.insertMany(all);
      this.backlog = [];
      if (this.fault) {
        this.fault = null;
        this.onFault?.(null, 0, this.dropped);
      }
    } catch (e) {
      this.holdBack(all, e);
    } finally {
      for (let i = 0; i < waiters.length; i++) (waiters[i] as (id: number | undefined) => void)(ids?.[waiting + i]);
      this.commitsSinceCheckpoint++;
      // restarted by every commit: it fires only after a quiet spell
      this.idleTimer?.refresh();
    }
  }

  /** Keep rows that could not be written, drop the oldest beyond the bound, and retry later. */
  private holdBack(rows: AuditRow[], e: unknown): void {
    const code = String((e as { code?: unknown }).code ?? 'error');
    const first = this.fault === null;
    if (first) this.fault = { code, message: (e as Error).message, since: Date.now() };
    const over = rows.length - MAX_BACKLOG_ROWS;
    if (over > 0) {
      this.dropped += over;
      rows = rows.slice(over);
    }
    this.backlog = rows;
    if (first) this.onFault?.({ code, message: (e as Error).message }, this.backlog.length, this.dropped);
    if (!this.retryTimer) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        this.flush();
      }, RETRY_MS);
      this.retryTimer.unref();
    }
  }

  /** Rows waiting to be written and why (null when writing works). */
  health(): { ok: boolean; error: { code: string; message: string; since: string } | null; waiting_rows: number; dropped_rows: number } {
    return {
      ok: this.fault === null && this.dropped === 0,
      error: this.fault ? { code: this.fault.code, message: this.fault.message, since: new Date(this.fault.since).toISOString() } : null,
      waiting_rows: this.backlog.length,
      dropped_rows: this.dropped,
    };
  }

  /** The answer of this row never reached the hook: say so in the row (the decision column stays what was decided). */
  markUndelivered(id: number): void {
    try {
      this.db
        .prepare(
          `UPDATE decisions SET delivered = 0, summary = coalesce(summary, '') || ' [not delivered: the hook had given up waiting; the call went ahead or was blocked by the hook''s own failure mode, not by this decision]' WHERE id = ?`,
        )
        .run(id);
    } catch {
      // a full disk: the row keeps its decision; status reports the write fault
    }
  }

  /** Rows whose answer never reached the hook, since `sinceMs`. */
  undeliveredCount(sinceMs: number): number {
    return (this.db.prepare('SELECT count(*) AS n FROM decisions WHERE ts >= ? AND delivered = 0').get(sinceMs) as { n: number }).n;
  }

  recordSummaries(list: SessionSummary[]): void {
    if (list.length === 0) return;
    this.db.transaction(() => {
      for (const s of list) this.insertSummary.run(s.sessionId, s.startedAt, s.lastAt, s.reason, JSON.stringify(s));
    })();
  }

  query(q: ActivityQuery): Array<AuditRow & { id: number }> {
    const { sql, params } = decisionsQuery(q);
    return this.db.prepare(sql).all(...params) as Array<AuditRow & { id: number }>;
  }

  /** What finally happened to a decided call (an ask answered, or degraded to a warning): the row says so. */
  amend(id: number, decision: string, note: string): void {
    this.flush();
    this.db
      .prepare("UPDATE decisions SET decision = ?, reason = CASE WHEN reason IS NULL THEN ? ELSE reason || ' [' || ? || ']' END WHERE id = ?")
      .run(decision, note, note, id);
  }

  /** One row by its id (the decision id in reasons, `activity show`, the console). */
  byId(id: number): (AuditRow & { id: number }) | undefined {
    return this.db.prepare('SELECT * FROM decisions WHERE id = ?').get(id) as (AuditRow & { id: number }) | undefined;
  }

  summaries(limit = 20): Array<{ session_id: string; started_at: number; ended_at: number; reason: string; summary: string }> {
    return this.db.prepare('SELECT session_id, started_at, ended_at, reason, summary FROM session_summaries ORDER BY id DESC LIMIT ?').all(limit) as Array<{
      session_id: string;
      started_at: number;
      ended_at: number;
      reason: string;
      summary: string;
    }>;
  }

  counts(sinceMs: number): Record<string, number> {
    const rows = this.db.prepare('SELECT decision, count(*) AS n FROM decisions WHERE ts >= ? GROUP BY decision').all(sinceMs) as Array<{
      decision: string;
      n: number;
    }>;
    return Object.fromEntries(rows.map((r) => [r.decision, r.n]));
  }

  /** Delete rows older than the retention and beyond maxRows; hand freed pages back in small steps. */
  prune(olderThanMs: number, maxRows = Number.MAX_SAFE_INTEGER): number {
    let n = this.db.prepare('DELETE FROM decisions WHERE ts < ?').run(olderThanMs).changes;
    n += this.db.prepare('DELETE FROM session_summaries WHERE ended_at < ?').run(olderThanMs).changes;
    const count = (this.db.prepare('SELECT count(*) AS c FROM decisions').get() as { c: number }).c;
    if (count > maxRows) {
      n += this.db.prepare('DELETE FROM decisions WHERE id IN (SELECT id FROM decisions ORDER BY id LIMIT ?)').run(count - maxRows).changes;
    }
    if (n > 0) this.db.pragma('incremental_vacuum(2000)');
    return n;
  }

  rowCount(): number {
    return (this.db.prepare('SELECT count(*) AS c FROM decisions').get() as { c: number }).c;
  }

  close(): void {
    this.flush();
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.db.close();
  }
}
