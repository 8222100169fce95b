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
import { ErrorCode, GuardError } from '../errors.ts';
import type { Socket } from 'node:net';
import { ConnectionPool } from './conn-pool.ts';
import { listenLoopback } from './listen.ts';
import { LoopbackPeerUids } from './peer.ts';
import { bearerOk, isJsonContentType, loopbackRefusal } from './loopback-guard.ts';
import type { Caller } from './hook-callers.ts';

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
  /**
   * evaluate one raw event; throws a GuardError for an event it cannot check (code Overloaded: a quota,
   * answered 503). `caller`: the connection it came on, for telling Claude Code's own hook calls from
   * another process's (hook-callers.ts)
   */
  evaluate: (raw: Buffer, caller: Caller) => Promise<HttpAnswer>;
  onError?: (what: string, err: unknown) => void;
  /** connections that presented the bearer token, at once (idle ones make room for new ones) */
  maxConnections?: number;
  /** connections that have not presented it yet, at once: a pool of their own */
  maxUnauthenticated?: number;
  /** a connection that has not presented the bearer token this long after connecting is closed */
  authDeadlineMs?: number;
  /** requests in progress on one connection (HTTP pipelining): past it the request is answered 503 and the connection closed */
  maxInFlightPerConnection?: number;
  /** the uid of the process at the other end of a connection (default: the kernel's socket table, Linux) */
  peerUid?: (sock: Socket) => number | undefined;
  /** the clock of the loop-stall check, in ms (default performance.now), and its timer's period (default LOOP_TICK_MS): tests */
  clock?: () => number;
  loopTickMs?: number;
}

export const DEFAULT_HTTP_CONNECTIONS = 256;
export const DEFAULT_HTTP_UNAUTHENTICATED = 32;
/** Claude Code sends its request as soon as it connects; a connection with no valid token by then is not a hook. */
export const AUTH_DEADLINE_MS = 2000;
export const MAX_IN_FLIGHT_PER_CONNECTION = 16;
/**
 * How often a timer notes that the event loop runs, and how stale that note may be before a request is
 * taken to have waited in the kernel while the loop did not run (the sidecar stopped, or its loop held):
 * then its answer waits one poll, so that a client that gave up meanwhile is seen to have gone. Claude
 * Code gives up after its hook timeout, at least 2 s (config hook.timeoutSeconds): a wait it could have
 * given up in is always longer than LOOP_STALE_MS.
 */
export const LOOP_TICK_MS = 500;
export const LOOP_STALE_MS = 1500;
/**
 * After the timer finds it did not run for LOOP_STALE_MS, how long answers still wait one poll: a process
 * continued after SIGSTOP may run its timers before it reads what waited in the kernel (epoll_wait is
 * interrupted by the signal), so the timer can note the hold before the request is read.
 */
export const STALL_WINDOW_MS = 1000;

export interface HttpHookStats {
  /** open connections: authenticated, and not (yet) */
  authenticated: number;
  unauthenticated: number;
  max_authenticated: number;
  max_unauthenticated: number;
  /** connections closed because they did not present the token in time */
  auth_deadline_closed: number;
  /** unauthenticated connections closed to make room for newer ones (a flood of connections without the token) */
  unauthenticated_evicted: number;
  /** requests answered 503 because a quota was used up (every authenticated connection busy, pipelining, or the sidecar's per-session bound) */
  refused_503: number;
  /** connections of other users closed at once while the pool of connections without a token was full */
  other_user_closed: number;
}

/**
 * Any local user can connect to a loopback port, so connections are kept in two bounded pools.
 * A new connection starts in a small pool of its own, with a deadline to present the bearer token;
 * at that pool's limit the oldest idle one is closed. A connection whose request carries the token
 * moves to the authenticated pool, which a client without the token cannot touch. There too, idle
 * (keep-alive) connections make room for new ones, so holding connections cannot lock out the hooks.
 * Past a bound the answer is a 503 with a deny in its body: Claude Code blocks the call
 * (`"onFailure": "block"`); nothing past a bound is ever allowed.
 */
export class HttpHookServer {
  private server?: Server;
  private boundPort = 0;
  private readonly auth: ConnectionPool;
  private readonly unauth: ConnectionPool;
  private readonly counters = { auth_deadline_closed: 0, refused_503: 0, other_user_closed: 0 };
  private readonly ownUid = process.getuid?.();
  private readonly peers = new LoopbackPeerUids(() => this.boundPort);
  /**
   * New connections past the limit of the pool of those without a token, held on room the authenticated
   * pool has free until their request comes (a burst of parallel tool calls) or their deadline passes
   */
  private readonly burst = new Set<Socket>();
  /** when the loop-tick timer last ran (clock()), when it last found it had not run for LOOP_STALE_MS, and the timer */
  private lastTick = 0;
  private stallEnded = Number.NEGATIVE_INFINITY;
  private ticker?: NodeJS.Timeout;
  private readonly clock: () => number;

  constructor(private readonly opts: HttpHookOptions) {
    this.clock = opts.clock ?? (() => performance.now());
    this.auth = new ConnectionPool(opts.maxConnections ?? DEFAULT_HTTP_CONNECTIONS);
    this.unauth = new ConnectionPool(opts.maxUnauthenticated ?? DEFAULT_HTTP_UNAUTHENTICATED);
  }

  get port(): number {
    return this.boundPort;
  }

  /** Open connections. */
  get connections(): number {
    return this.auth.size + this.unauth.size + this.burst.size;
  }

  get stats(): HttpHookStats {
    return {
      authenticated: this.auth.size,
      // with those held past the pool in a burst
      unauthenticated: this.unauth.size + this.burst.size,
      max_authenticated: this.auth.max,
      max_unauthenticated: this.unauth.max,
      auth_deadline_closed: this.counters.auth_deadline_closed,
      unauthenticated_evicted: this.unauth.stats.evictedIdle,
      refused_503: this.counters.refused_503,
      other_user_closed: this.counters.other_user_closed,
    };
  }

  private poolOf(sock: Socket): ConnectionPool | undefined {
    return this.auth.has(sock) ? this.auth : this.unauth.has(sock) ? this.unauth : undefined;
  }

  async listen(): Promise<void> {
    const srv = createServer((req, res) => {
      // a connection with a request in progress is not closed to make room for another
      const inFlight = this.poolOf(req.socket)?.begin(req.socket) ?? 0;
      res.once('close', () => this.poolOf(req.socket)?.end(req.socket));
      const most = this.opts.maxInFlightPerConnection ?? MAX_IN_FLIGHT_PER_CONNECTION;
      if (inFlight > most) return this.overloaded(res, `more than ${most} requests in progress on one connection`);
      this.handle(req, res);
    });
    srv.on('connection', (sock: Socket) => {
      // under a flood (the pool of connections without a token is full) a connection from another
      // user is closed at once instead of taking the place of an older one: Claude Code runs as the
      // user this sidecar runs as, and another user's flood must not push its connections out
      if (this.unauth.size >= this.unauth.max && this.ownUid !== undefined) {
        const uid = this.opts.peerUid ? this.opts.peerUid(sock) : sock.remotePort !== undefined ? this.peers.uidOf(sock.remotePort) : undefined;
        if (uid !== undefined && uid !== this.ownUid) {
          this.counters.other_user_closed++;
          sock.destroy();
          return;
        }
      }
      // Claude Code opens a connection per parallel tool call and sends its request right after: a burst
      // (40 Reads in one turn) fills this pool before the first requests are read, and the oldest
      // connections, their requests on the way, were closed as idle (the call blocked). Past the limit a
      // new connection is held on room the authenticated pool has free, where its request will move it,
      // with the same deadline; only without such room does it take an idle one's place.
      if (this.unauth.size >= this.unauth.max && this.burst.size < this.auth.max - this.auth.size) {
        this.burst.add(sock);
        sock.once('close', () => this.burst.delete(sock));
        this.authDeadline(sock);
        return;
      }
      this.admit(sock);
    });
    this.lastTick = this.clock();
    this.ticker = setInterval(() => {
      const t = this.clock();
      if (t - this.lastTick > LOOP_STALE_MS) this.stallEnded = t;
      this.lastTick = t;
    }, this.opts.loopTickMs ?? LOOP_TICK_MS);
    this.ticker.unref();
    srv.requestTimeout = 10_000;
    srv.headersTimeout = 5_000;
    srv.keepAliveTimeout = 5_000;
    srv.maxHeadersCount = 64;
    this.server = srv;
    this.boundPort = await listenLoopback(srv, this.opts.port);
  }

  /** A new connection into the pool of those without a token yet, with its deadline to present one. */
  private admit(sock: Socket): void {
    if (!this.unauth.add(sock)) {
      this.opts.onError?.('http-hook connections', new Error(`all ${this.unauth.max} connections without a token are busy; a new one was closed`));
      return;
    }
    this.authDeadline(sock);
  }

  /** A connection that has not presented the bearer token by the deadline is closed. */
  private authDeadline(sock: Socket): void {
    const deadline = setTimeout(() => {
      if (this.auth.has(sock)) return;
      this.counters.auth_deadline_closed++;
      sock.destroy();
    }, this.opts.authDeadlineMs ?? AUTH_DEADLINE_MS);
    deadline.unref();
    sock.once('close', () => clearTimeout(deadline));
  }

  private refuse(res: ServerResponse, code: number, message: string): void {
    res.writeHead(code, { 'content-type': 'application/json', connection: 'close' });
    res.end(JSON.stringify({ error: message }));
  }

  /** A quota is used up: 503 (a failure Claude Code blocks on with onFailure "block") with a deny in the body, and the connection closed. */
  private overloaded(res: ServerResponse, why: string, event: Buffer = Buffer.alloc(0)): void {
    this.counters.refused_503++;
    this.opts.onError?.('http-hook quota', new Error(why));
    const body = JSON.stringify(couldNotCheck(event, why));
    res.writeHead(503, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'close' });
    res.end(body);
  }

  /** The request carries the token: its connection moves to the authenticated pool (false when that pool is full of busy connections). */
  private promote(sock: Socket): boolean {
    if (this.auth.has(sock)) return true;
    if (!this.auth.tryAdd(sock)) return false;
    // a connection held in a burst was in no pool: its request was not counted yet
    this.auth.begin(sock, this.burst.delete(sock) ? 1 : this.unauth.remove(sock));
    return true;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const bad = loopbackRefusal(req, this.boundPort);
    if (bad) return this.refuse(res, bad.status, bad.message);
    if ((req.url ?? '').split('?')[0] !== HOOK_PATH) return this.refuse(res, 404, 'not found');
    if (req.method !== 'POST') return this.refuse(res, 405, 'use POST');
    if (!bearerOk(req, this.opts.token))
      return this.refuse(res, 401, 'missing or wrong bearer token; reinstall the hooks with `mcpproxy-hook install --transport http`');
    if (!this.promote(req.socket)) return this.overloaded(res, `all ${this.auth.max} authenticated connections to the sidecar are busy`);
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
        const caller: Caller = { channel: 'http', conn: req.socket, remotePort: req.socket.remotePort ?? 0, localPort: this.boundPort };
        ({ output: out, undelivered } = await this.opts.evaluate(event, caller));
      } catch (e) {
        if (e instanceof GuardError && e.code === ErrorCode.Overloaded) return this.overloaded(res, e.message, event);
        this.opts.onError?.('http-hook', e);
        // Fail closed twice over: a non-2xx status (with "onFailure": "block" Claude Code blocks the
        // call) and, should a client read the body anyway, a deny in it.
        status = 500;
        const why = e instanceof GuardError ? e.message : 'internal error in the sidecar; see its log';
        out = couldNotCheck(event, why);
      }
      // A client that gave up while the sidecar was stopped or its loop held (SIGSTOP, a long pause):
      // its request and its close waited in the kernel together, and the close is read one poll after
      // the request, when a quick decision would already be written out. Then (the loop-tick timer has
      // not run for a while) let one poll run first. Otherwise answer at once: the poll would also run
      // the work queued to come after the answer (the recording of an output, in slices) before it.
      if (this.loopWasStalled()) await new Promise<void>((r) => setImmediate(() => setImmediate(r)));
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

  /**
   * The process was stopped, or its loop held, for over LOOP_STALE_MS until just now: the loop-tick timer
   * has not run since, or it found so less than STALL_WINDOW_MS ago.
   */
  loopWasStalled(): boolean {
    const t = this.clock();
    return t - this.lastTick > LOOP_STALE_MS || t - this.stallEnded < STALL_WINDOW_MS;
  }

  close(): Promise<void> {
    clearInterval(this.ticker);
    return new Promise((resolve) => {
      if (!this.server) return resolve();
      for (const s of [...this.auth.sockets(), ...this.unauth.sockets(), ...this.burst]) s.destroy();
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
