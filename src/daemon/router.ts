/**
 * The protocol router: one message from the Unix socket in, one reply out. Handlers throw
 * GuardErrors (src/errors.ts); the router turns any error into the reply form of its message type,
 * in one place:
 *  - `hook` (the hook executable, hot path): the reply is a msgpack string, the hook JSON, or `!`
 *    followed by what went wrong. hooks/hook.ts reads only strings (it stays a ~3 KB bundle with no
 *    msgpack decoder), so this is the one compact error form on the wire.
 *  - every other message (CLI, tests): an object, `{error, code}` on failure.
 */
import { codeOf, ErrorCode, GuardError, messageOf } from '../errors.ts';
import { BadEvent, publicDecision } from './events.ts';
import type { Logger } from './logger.ts';
import { onUndelivered, type Evaluated } from './recorder.ts';
import { VERSION } from '../version.ts';
import { eventOf, wireMessageSchema } from './wire.ts';
import type { ConnInfo } from '../transport/socket-server.ts';
import { couldNotCheck } from '../transport/http-hook-server.ts';
import type { Caller } from '../transport/hook-callers.ts';

/** Hook events over the socket: no process can be verified there (hook-callers.ts). */
const SOCKET: Caller = { channel: 'socket' };

/** What the router can ask of the sidecar. */
export interface RouterTarget {
  /** `caller`: where the event came in (the socket here; hook-callers.ts judges what it may do) */
  evaluate(raw: Buffer | string, source: string, clientPid?: number, caller?: Caller): Promise<Evaluated>;
  /** a process that is likely Claude Code (the starter's parent): looked at first when a connection's owner is searched for */
  callerHint?(pid: number): void;
  status(): Record<string, unknown>;
  reload(): Record<string, unknown>;
  /** the console's one-time login URL (starts the console) */
  console: { loginUrl(): Promise<string> };
  /** the reply to the event of this audit row never reached the hook (it had given up) */
  undelivered(rowId: number): void;
  /** the user's flow exceptions */
  flows: { allow(decisionId: number, scope: string, by: string): unknown; revoke(id: number, by: string): unknown; store: { list(): unknown[] } };
}

/** The hook's wire form of an error (see the file comment). */
export function hookErrorReply(e: unknown): string {
  return '!' + messageOf(e, 300);
}

export function errorReply(e: unknown): { error: string; code: string } {
  return { error: messageOf(e), code: codeOf(e) };
}

export class Router {
  constructor(
    private readonly target: RouterTarget,
    private readonly log: Logger,
  ) {}

  async handle(msg: unknown, conn?: ConnInfo): Promise<unknown> {
    const type = typeof msg === 'object' && msg !== null ? (msg as { t?: unknown }).t : undefined;
    try {
      if (typeof msg !== 'object' || msg === null) throw new GuardError(ErrorCode.BadMessage, 'message is not an object');
      const parsed = wireMessageSchema.safeParse(msg);
      if (!parsed.success) throw new GuardError(ErrorCode.BadMessage, parsed.error.issues[0]?.message ?? 'message of the wrong shape');
      const m = parsed.data;
      switch (m.t) {
        case 'hook': {
          const r = await this.target.evaluate(eventOf(m.e), 'hook', m.p, SOCKET);
          const rowId = await r.committed;
          const undelivered = conn && onUndelivered(r, rowId, (id) => this.target.undelivered(id));
          if (conn && undelivered) conn.undelivered = undelivered;
          return JSON.stringify(r.output);
        }
        case 'evaluate': {
          const r = await this.target.evaluate(eventOf(m.e), 'evaluate', undefined, SOCKET);
          await r.committed;
          return { output: r.output, decision: r.decision && publicDecision(r.decision) };
        }
        case 'status':
          return this.target.status();
        case 'ping':
          if (m.p !== undefined) this.target.callerHint?.(m.p);
          return { ok: true, pid: process.pid, version: VERSION };
        case 'reload':
          return this.target.reload();
        case 'console':
          return { url: await this.target.console.loginUrl() };
        case 'allow':
          return { exception: this.target.flows.allow(m.id, m.scope, m.by ?? 'cli') };
        case 'revoke':
          return { exception: this.target.flows.revoke(m.id, m.by ?? 'cli') };
        case 'exceptions':
          return { exceptions: this.target.flows.store.list() };
      }
    } catch (e) {
      this.report(e, type);
      // a quota (the per-session bound) is answered with the hook JSON of a denied call, not an error:
      // a fail-open command hook would let the call run on an error, and no bound may turn into an allow
      if (type === 'hook' && e instanceof GuardError && e.code === ErrorCode.Overloaded) {
        const ev = (msg as { e?: unknown }).e;
        const raw = typeof ev === 'string' || ev instanceof Uint8Array ? eventOf(ev) : '';
        return JSON.stringify(couldNotCheck(Buffer.from(raw), e.message));
      }
      if (type === 'hook')
        return hookErrorReply(
          e instanceof GuardError ? e : new GuardError(ErrorCode.Internal, `internal error in the sidecar (${messageOf(e, 200)}); see its log`),
        );
      return errorReply(e);
    }
  }

  private report(e: unknown, type: unknown): void {
    if (e instanceof BadEvent) this.log.warn(`bad event from ${String(type)}: ${e.message}`);
    else if (e instanceof GuardError) this.log.warn(`${String(type)} message refused: ${e.message}`);
    else this.log.error(`handling a ${String(type)} message: ${(e as Error)?.stack ?? String(e)}`);
  }
}
