/**
 * HTTP hook transport: Claude Code's `type: "http"` hooks POST the event JSON here and read the same
 * reply a command hook prints. No process per event. Loopback only, and guarded: a per-install bearer
 * token (constant-time compare), Host must be the loopback address we listen on, requests from
 * browsers are refused (any Origin header, CORS preflight, non-JSON content types), bodies capped.
 * A failed call (non-2xx, connection refused, timeout) blocks the tool with `"onFailure": "block"`
 * (Claude Code >= 2.1.295); without it Claude Code runs the tool. An answer that could not be written
 * because Claude Code had already closed the connection (its hook timeout) is reported through
 * the evaluation's `undelivered`, so the audit row does not claim a decision the hook never got.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { GuardError } from '../errors.ts';
import type { Socket } from 'node:net';
import { ConnectionPool } from './conn-pool.ts';
import { listenLoopback } from './listen.ts';
import { bearerOk, isJsonContentType, loopbackRefusal } from './loopback-guard.ts';

export const HOOK_PATH = '/mcpproxy-hook/v1/hook';
export const MAX_HTTP_BODY = 16 * 1024 * 1024;

/** The answer to one event, and what to do when it cannot be delivered. */
export interface HttpAnswer {
  /** the hook JSON object */
  output: Record<string, unknown>;
  /** called (once) when the answer could not be written: the client had closed the connection, or the write failed */
  undelivered?: () => void;
}

export interface HttpHookOptions {
  port: number;
  token: string;
  /** evaluate one raw event; throws a GuardError for an event it cannot check */
  evaluate: (raw: Buffer) => Promise<HttpAnswer>;
  onError?: (what: string, err: unknown) => void;
  /** open connections at once (idle ones make room for new ones) */
  maxConnections?: number;
}

export const DEFAULT_HTTP_CONNECTIONS = 256;

export class HttpHookServer {
  private server?: Server;
  private boundPort = 0;

  constructor(private readonly opts: HttpHookOptions) {
    this.pool = new ConnectionPool(opts.maxConnections ?? DEFAULT_HTTP_CONNECTIONS);
  }

  get port(): number {
    return this.boundPort;
  }

  /** Open connections. */
  get connections(): number {
    return this.pool.size;
  }

  private readonly pool: ConnectionPool;

  async listen(): Promise<void> {
    const srv = createServer((req, res) => {
      // a connection with a request in progress is not closed to make room for another
      this.pool.begin(req.socket);
      res.once('close', () => this.pool.end(req.socket));
      this.handle(req, res);
    });
    // any local user can connect to a loopback port: a bounded pool where idle (keep-alive)
    // connections make room for new ones, so holding connections cannot lock out the hooks
    srv.on('connection', (sock: Socket) => {
      if (!this.pool.add(sock)) this.opts.onError?.('http-hook connections', new Error(`all ${this.pool.max} connections are busy; a new one was closed`));
    });
    srv.requestTimeout = 10_000;
    srv.headersTimeout = 5_000;
    srv.keepAliveTimeout = 5_000;
    srv.maxHeadersCount = 64;
    this.server = srv;
    this.boundPort = await listenLoopback(srv, this.opts.port);
  }

  private refuse(res: ServerResponse, code: number, message: string): void {
    res.writeHead(code, { 'content-type': 'application/json', connection: 'close' });
    res.end(JSON.stringify({ error: message }));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const bad = loopbackRefusal(req, this.boundPort);
    if (bad) return this.refuse(res, bad.status, bad.message);
    if ((req.url ?? '').split('?')[0] !== HOOK_PATH) return this.refuse(res, 404, 'not found');
    if (req.method !== 'POST') return this.refuse(res, 405, 'use POST');
    if (!bearerOk(req, this.opts.token))
      return this.refuse(res, 401, 'missing or wrong bearer token; reinstall the hooks with `mcpproxy-hook install --transport http`');
    if (!isJsonContentType(req)) return this.refuse(res, 415, 'content-type must be application/json');
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_HTTP_BODY) return this.refuse(res, 413, `body over ${MAX_HTTP_BODY} bytes`);
    const chunks: Buffer[] = [];
    let size = 0;
    let aborted = false;
    req.on('data', (c: Buffer) => {
      if (aborted) return;
      size += c.length;
      if (size > MAX_HTTP_BODY) {
        aborted = true;
        this.refuse(res, 413, `body over ${MAX_HTTP_BODY} bytes`);
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', async () => {
      if (aborted) return;
      let out: Record<string, unknown>;
      let status = 200;
      let undelivered: (() => void) | undefined;
      const event = Buffer.concat(chunks);
      try {
        ({ output: out, undelivered } = await this.opts.evaluate(event));
      } catch (e) {
        this.opts.onError?.('http-hook', e);
        // Fail closed twice over: a non-2xx status (with "onFailure": "block" Claude Code blocks the
        // call) and, should a client read the body anyway, a deny in it.
        status = 500;
        const why = e instanceof GuardError ? e.message : 'internal error in the sidecar; see its log';
        out = couldNotCheck(event, why);
      }
      // Claude Code gave up (its hook timeout) and closed the connection while we decided: nobody
      // gets this answer, and the row must not say the hook acted on it
      if (res.destroyed || !req.socket.writable) {
        undelivered?.();
        return;
      }
      // closed before the answer was handed to the kernel (a write error, a reset): not delivered either
      if (undelivered) res.once('close', () => res.writableFinished || undelivered());
      const body = JSON.stringify(out);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
    req.on('error', () => {
      aborted = true;
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server) return resolve();
      this.server.closeAllConnections?.();
      this.server.close(() => resolve());
    });
  }
}

/**
 * The answer to an event the sidecar could not check: a tool call about to run is denied with the
 * reason (whatever hook_event_name the body claims, unless it is plainly an event after the fact),
 * an event after the fact gets a visible warning.
 */
export function couldNotCheck(body: Buffer, why: string): Record<string, unknown> {
  let name: unknown;
  try {
    name = (JSON.parse(body.toString('utf8')) as { hook_event_name?: unknown }).hook_event_name;
  } catch {
    // not JSON: treat it as a call about to run
  }
  const after = name === 'PostToolUse' || name === 'PostToolUseFailure' || name === 'SessionStart' || name === 'UserPromptSubmit' || name === 'Stop';
  const message = `mcpproxy-hook could not check this tool call: ${why}`;
  if (after) return { systemMessage: message };
  return {
    systemMessage: message,
    hookSpecificOutput: {
      hookEventName: 'PreToolUse',
      permissionDecision: 'deny',
      permissionDecisionReason: `${message}. The data-flow guard denies what it cannot check; if this keeps happening, update mcpproxy-hook or report the event shape.`,
    },
  };
}
