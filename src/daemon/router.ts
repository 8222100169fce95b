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
import type { Evaluated } from './recorder.ts';
import { VERSION } from '../version.ts';

/** What the router can ask of the sidecar. */
export interface RouterTarget {
  evaluate(raw: Buffer | string, source: string, clientPid?: number): Evaluated;
  status(): Record<string, unknown>;
  reload(): Record<string, unknown>;
  /** the console's one-time login URL (starts the console) */
  console: { loginUrl(): Promise<string> };
  /** the user's flow exceptions */
  flows: { allow(decisionId: number, scope: string, by: string): unknown; revoke(id: number, by: string): unknown; store: { list(): unknown[] } };
}

function idField(m: Record<string, unknown>): number {
  const n = m.id;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n <= 0) throw new GuardError(ErrorCode.BadMessage, 'the message needs a positive whole number as id');
  return n;
}

/** The hook's wire form of an error (see the file comment). */
export function hookErrorReply(e: unknown): string {
  return '!' + messageOf(e, 300);
}

export function errorReply(e: unknown): { error: string; code: string } {
  return { error: messageOf(e), code: codeOf(e) };
}

function eventBytes(m: Record<string, unknown>): Buffer | string {
  const e = m.e;
  if (typeof e === 'string') return e;
  if (e instanceof Uint8Array) return Buffer.from(e.buffer, e.byteOffset, e.byteLength);
  throw new GuardError(ErrorCode.BadMessage, 'the message carries no event (field e)');
}

export class Router {
  constructor(
    private readonly target: RouterTarget,
    private readonly log: Logger,
  ) {}

  async handle(msg: unknown): Promise<unknown> {
    const m = typeof msg === 'object' && msg !== null ? (msg as Record<string, unknown>) : undefined;
    const type = m?.t;
    try {
      if (!m) throw new GuardError(ErrorCode.BadMessage, 'message is not an object');
      switch (type) {
        case 'hook': {
          const r = this.target.evaluate(eventBytes(m), 'hook', typeof m.p === 'number' ? m.p : undefined);
          await r.committed;
          return JSON.stringify(r.output);
        }
        case 'evaluate': {
          const r = this.target.evaluate(eventBytes(m), 'evaluate');
          await r.committed;
          return { output: r.output, decision: r.decision && publicDecision(r.decision) };
        }
        case 'status':
          return this.target.status();
        case 'ping':
          return { ok: true, pid: process.pid, version: VERSION };
        case 'reload':
          return this.target.reload();
        case 'console':
          return { url: await this.target.console.loginUrl() };
        case 'allow':
          return { exception: this.target.flows.allow(idField(m), String(m.scope), typeof m.by === 'string' ? m.by.slice(0, 32) : 'cli') };
        case 'revoke':
          return { exception: this.target.flows.revoke(idField(m), typeof m.by === 'string' ? m.by.slice(0, 32) : 'cli') };
        case 'exceptions':
          return { exceptions: this.target.flows.store.list() };
        default:
          throw new GuardError(ErrorCode.BadMessage, `unknown message type ${JSON.stringify(type)}`);
      }
    } catch (e) {
      this.report(e, type);
      if (type === 'hook') return hookErrorReply(e instanceof GuardError ? e : new GuardError(ErrorCode.Internal, `internal error in the sidecar (${messageOf(e, 200)}); see its log`));
      return errorReply(e);
    }
  }

  private report(e: unknown, type: unknown): void {
    if (e instanceof BadEvent) this.log.warn(`bad event from ${String(type)}: ${e.message}`);
    else if (e instanceof GuardError) this.log.warn(`${String(type)} message refused: ${e.message}`);
    else this.log.error(`handling a ${String(type)} message: ${(e as Error)?.stack ?? String(e)}`);
  }
}
