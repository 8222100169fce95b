/**
 * Exception store: the flows the user allowed (`mcpproxy-hook allow`, the console), and the flow key
 * of every interrupted decision, so an exception can be made from a decision id later, after a
 * restart too. Lives in the audit database; holds labels and keyed hashes, never content.
 */
import type Database from 'better-sqlite3';
import { ErrorCode, GuardError } from '../errors.ts';
import { canonicalKey, findException, SCOPES, scopeProblem, type FlowContext, type FlowException, type FlowKey, type Scope } from '../engine/exceptions.ts';

/** The tables (created by the audit database's migrations, see EXCEPTION_TABLES in audit-store.ts). */
export const EXCEPTION_TABLES = `
CREATE TABLE IF NOT EXISTS decision_flows (
  decision_id INTEGER PRIMARY KEY,
  session_id TEXT NOT NULL,
  cwd TEXT,
  input_hash TEXT,
  flow TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS exceptions (
  id INTEGER PRIMARY KEY,
  scope TEXT NOT NULL,
  flow TEXT NOT NULL,
  session_id TEXT,
  cwd TEXT,
  input_hash TEXT,
  decision_id INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  by TEXT NOT NULL,
  uses INTEGER NOT NULL DEFAULT 0,
  revoked_at INTEGER
);
`;

/** Interrupted decisions whose flow keys are kept (the oldest go first beyond this). */
export const MAX_DECISION_FLOWS = 50_000;

/** A request about exceptions that cannot be granted; `why` says which kind, the message what to do. */
export class ExceptionError extends GuardError {
  constructor(
    readonly why: 'NO_SUCH_DECISION' | 'NOT_INTERRUPTED' | 'BAD_SCOPE' | 'NO_SUCH_EXCEPTION',
    message: string,
  ) {
    super(ErrorCode.Usage, message);
  }
}

interface ExceptionRow {
  id: number;
  scope: string;
  flow: string;
  session_id: string | null;
  cwd: string | null;
  input_hash: string | null;
  decision_id: number;
  created_at: number;
  by: string;
  uses: number;
  revoked_at: number | null;
}

const fromRow = (r: ExceptionRow): FlowException => ({
  id: r.id,
  scope: r.scope as Scope,
  key: JSON.parse(r.flow) as FlowKey,
  sessionId: r.session_id,
  cwd: r.cwd,
  inputHash: r.input_hash,
  decisionId: r.decision_id,
  createdAt: r.created_at,
  by: r.by,
  uses: r.uses,
  revokedAt: r.revoked_at,
});

export class ExceptionStore {
  /** live exceptions, in creation order (few: each is one click or one command of the user) */
  private live: FlowException[] = [];

  /** `db` has been migrated (AuditStore does it) */
  constructor(private readonly db: Database.Database) {
    this.reload();
  }

  private reload(): void {
    this.live = (this.db.prepare('SELECT * FROM exceptions WHERE revoked_at IS NULL ORDER BY id').all() as ExceptionRow[])
      .map(fromRow)
      .filter((e) => !(e.scope === 'once' && e.uses > 0));
  }

  /** Keep the flow key of an interrupted decision (called in the decision's own commit). */
  noteDecision(decisionId: number, key: FlowKey, ctx: FlowContext): void {
    this.db
      .prepare('INSERT OR REPLACE INTO decision_flows (decision_id, session_id, cwd, input_hash, flow) VALUES (?, ?, ?, ?, ?)')
      .run(decisionId, ctx.sessionId, ctx.cwd, ctx.inputHash, JSON.stringify(canonicalKey(key)));
  }

  /** Drop flow keys beyond the bound, oldest first. */
  prune(): void {
    this.db
      .prepare('DELETE FROM decision_flows WHERE decision_id <= (SELECT decision_id FROM decision_flows ORDER BY decision_id DESC LIMIT 1 OFFSET ?)')
      .run(MAX_DECISION_FLOWS);
  }

  /** The flow key and context of an interrupted decision. */
  decisionFlow(decisionId: number): { key: FlowKey; ctx: FlowContext } | undefined {
    const r = this.db.prepare('SELECT * FROM decision_flows WHERE decision_id = ?').get(decisionId) as
      | { session_id: string; cwd: string | null; input_hash: string | null; flow: string }
      | undefined;
    if (!r) return undefined;
    return { key: JSON.parse(r.flow) as FlowKey, ctx: { sessionId: r.session_id, cwd: r.cwd, inputHash: r.input_hash } };
  }

  /** Make an exception from a decision. Throws ExceptionError with a message that says what to do. */
  add(decisionId: number, scope: Scope, by: string, now: number): FlowException {
    if (!SCOPES.includes(scope)) throw new ExceptionError('BAD_SCOPE', `unknown scope ${JSON.stringify(scope)}; use one of ${SCOPES.join(', ')}`);
    const f = this.decisionFlow(decisionId);
    if (!f) {
      const exists = this.db.prepare('SELECT decision FROM decisions WHERE id = ?').get(decisionId) as { decision: string } | undefined;
      if (!exists)
        throw new ExceptionError('NO_SUCH_DECISION', `there is no decision ${decisionId} in the audit log; list recent ones with \`mcpproxy-hook activity\``);
      throw new ExceptionError('NOT_INTERRUPTED', `decision ${decisionId} was "${exists.decision}", not an ask or deny: there is nothing to allow`);
    }
    const problem = scopeProblem(scope, { sessionId: f.ctx.sessionId, cwd: f.ctx.cwd, inputHash: f.ctx.inputHash });
    if (problem) throw new ExceptionError('BAD_SCOPE', problem);
    const row = {
      scope,
      flow: JSON.stringify(canonicalKey(f.key)),
      session_id: scope === 'once' || scope === 'session' ? f.ctx.sessionId : null,
      cwd: scope === 'project' ? f.ctx.cwd : null,
      input_hash: scope === 'once' ? f.ctx.inputHash : null,
      decision_id: decisionId,
      created_at: now,
      by,
    };
    const id = Number(
      this.db
        .prepare(
          'INSERT INTO exceptions (scope, flow, session_id, cwd, input_hash, decision_id, created_at, by) VALUES (@scope, @flow, @session_id, @cwd, @input_hash, @decision_id, @created_at, @by)',
        )
        .run(row).lastInsertRowid,
    );
    this.reload();
    return this.get(id) as FlowException;
  }

  get(id: number): FlowException | undefined {
    const r = this.db.prepare('SELECT * FROM exceptions WHERE id = ?').get(id) as ExceptionRow | undefined;
    return r ? fromRow(r) : undefined;
  }

  /** Every exception, newest first (revoked and used-up ones too, with their state). */
  list(): FlowException[] {
    return (this.db.prepare('SELECT * FROM exceptions ORDER BY id DESC').all() as ExceptionRow[]).map(fromRow);
  }

  revoke(id: number, now: number): FlowException {
    const e = this.get(id);
    if (!e) throw new ExceptionError('NO_SUCH_EXCEPTION', `there is no exception ${id}; list them with \`mcpproxy-hook exceptions\``);
    if (e.revokedAt === null) this.db.prepare('UPDATE exceptions SET revoked_at = ? WHERE id = ?').run(now, id);
    this.reload();
    return this.get(id) as FlowException;
  }

  /** The live exception covering a flow, if any; a match counts as a use (a once exception is then spent). */
  use(key: FlowKey, ctx: FlowContext): FlowException | undefined {
    if (this.live.length === 0) return undefined;
    const e = findException(this.live, key, ctx);
    if (!e) return undefined;
    this.db.prepare('UPDATE exceptions SET uses = uses + 1 WHERE id = ?').run(e.id);
    e.uses++;
    if (e.scope === 'once') this.live = this.live.filter((x) => x !== e);
    return e;
  }
}
