/**
 * The console and the user's flow exceptions, as the sidecar holds them:
 *  - the exception store (in the audit database) and the check of every interrupted decision
 *    against it (`FlowExceptions.apply`, called by the recorder);
 *  - the console server, started on the first `mcpproxy-hook console` (so a sidecar whose user never
 *    opens it pays nothing for it), fed with the audit log and live rows.
 * Exceptions are made and revoked only over the sidecar's private socket (the CLI) or from a
 * logged-in console; each one is an audit row of its own.
 */
import { canonicalToolName } from '../engine/classifier.ts';
import type { Decision } from '../engine/engine.ts';
import { flowKeyOf, SCOPES, type FlowContext, type FlowException, type FlowKey, type Scope } from '../engine/exceptions.ts';
import { ConsoleServer, type ConsoleData, type ConsoleDecisionRow, type ConsoleQuery } from '../console/server.ts';
import { ErrorCode, GuardError } from '../errors.ts';
import type { AuditRow, AuditStore } from '../store/audit-store.ts';
import { ExceptionStore } from '../store/exception-store.ts';
import type { Logger } from './logger.ts';

/** An interrupted decision's flow, kept until its audit row has an id. */
export interface PendingFlow {
  key: FlowKey;
  ctx: FlowContext;
}

const INTERRUPTING = new Set(['ask', 'deny']);

export class FlowExceptions {
  readonly store: ExceptionStore;

  constructor(
    private readonly audit: AuditStore,
    private readonly now: () => number,
  ) {
    this.store = new ExceptionStore(audit.database);
  }

  /**
   * For an interrupted decision: when a live exception covers its flow, turn it into an allow that
   * says so (the audit row then says what really happened), else return the flow so that its key
   * can be kept under the row's id once it has one.
   */
  apply(d: Decision, ctx: FlowContext): PendingFlow | undefined {
    if (!INTERRUPTING.has(d.action)) return undefined;
    const key = flowKeyOf(d, canonicalToolName);
    const e = this.store.use(key, ctx);
    if (!e) return { key, ctx };
    d.action = 'allow';
    d.reason = '';
    d.summary = `allowed by exception #${e.id} (${e.scope}, made by ${e.by} from decision #${e.decisionId}): ${d.summary}`;
    return undefined;
  }

  /** The row of an interrupted decision is committed: keep its flow key under its id. */
  noted(id: number, flow: PendingFlow): void {
    this.store.noteDecision(id, flow.key, flow.ctx);
  }

  allow(decisionId: number, scope: string, by: string): FlowException {
    if (!(SCOPES as readonly string[]).includes(scope))
      throw new GuardError(ErrorCode.Usage, `unknown scope ${JSON.stringify(scope)}; use once, session, project or always`);
    const e = this.store.add(decisionId, scope as Scope, by, this.now());
    this.auditRow(
      e,
      'ExceptionAdded',
      `exception #${e.id} (${e.scope}) made by ${by} from decision #${decisionId}: ${e.key.tool} -> ${e.key.hosts.join(', ') || '(no host)'}`,
    );
    return e;
  }

  revoke(id: number, by: string): FlowException {
    const e = this.store.revoke(id, this.now());
    this.auditRow(e, 'ExceptionRevoked', `exception #${e.id} (${e.scope}) revoked by ${by}`);
    return e;
  }

  private auditRow(e: FlowException, event: string, summary: string): void {
    const row: AuditRow = {
      ts: this.now(),
      session_id: e.sessionId ?? '-',
      event,
      tool: e.key.tool,
      tool_use_id: null,
      classification: '-',
      flow_type: null,
      risk: 'none',
      decision: 'exception',
      reason: summary,
      summary,
      origin_tool: e.key.origins[0] ?? null,
      hosts: e.key.hosts.length ? e.key.hosts.join(',') : null,
      input_hash: null,
      latency_us: 0,
      source: 'user',
    };
    void this.audit.enqueue(row);
    this.audit.flush();
  }
}

/** What the console needs from the sidecar beyond the stores. */
export interface ConsoleSources {
  sessions(): Array<Record<string, unknown>>;
}

export class ConsoleHost {
  private server?: ConsoleServer;
  private starting?: Promise<ConsoleServer>;

  constructor(
    private readonly audit: AuditStore,
    private readonly flows: FlowExceptions,
    private readonly sources: ConsoleSources,
    private readonly port: () => number,
    private readonly log: Logger,
  ) {}

  /** A one-time login URL; starts the console server on first use. */
  async loginUrl(): Promise<string> {
    const srv = await this.ensure();
    return srv.loginUrl();
  }

  /** A new audit row: to every open console. */
  publish(row: ConsoleDecisionRow): void {
    this.server?.publish(row);
  }

  get running(): { port: number } | null {
    return this.server ? { port: this.server.port } : null;
  }

  async stop(): Promise<void> {
    await this.server?.close();
    this.server = undefined;
  }

  private ensure(): Promise<ConsoleServer> {
    if (this.server) return Promise.resolve(this.server);
    this.starting ??= (async () => {
      const srv = new ConsoleServer({ port: this.port(), data: this.data(), onError: (what, err) => this.log.warn(`${what}: ${(err as Error).message}`) });
      try {
        await srv.listen();
      } catch (e) {
        this.starting = undefined;
        throw new GuardError(
          ErrorCode.Internal,
          `cannot start the console on 127.0.0.1:${this.port()}: ${(e as Error).message}; set console.port to a free port (0 picks one)`,
        );
      }
      this.server = srv;
      this.log.info(`console on http://127.0.0.1:${srv.port}/`);
      return srv;
    })();
    return this.starting;
  }

  private data(): ConsoleData {
    const rowOf = (r: AuditRow & { id: number }): ConsoleDecisionRow => ({ ...r }) as ConsoleDecisionRow;
    return {
      sessions: () => this.sources.sessions(),
      decisions: (q: ConsoleQuery) => this.audit.query({ ...q, limit: q.limit ?? 100 }).map(rowOf),
      decision: (id: number) => {
        const r = this.audit.byId(id);
        if (!r) return undefined;
        const flow = this.flows.store.decisionFlow(id);
        return { ...rowOf(r), ...(flow ? { flow: flow.key } : {}) };
      },
      exceptions: () => this.flows.store.list(),
      allow: (id: number, scope: string) => this.flows.allow(id, scope, 'console'),
      revoke: (id: number) => this.flows.revoke(id, 'console'),
      subscribe: () => () => undefined,
    };
  }
}
