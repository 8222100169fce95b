/**
 * The console: a small web UI served by the sidecar on loopback only. It shows live sessions and
 * their coverage, each session's flow graph, every decision in full and the audit log, updated live
 * (server-sent events), and lets the user allow one flow precisely.
 *
 * Guarded like anything a browser can reach:
 *  - loopback only, and the Host header must name this loopback address and port (DNS rebinding);
 *  - login by a one-time token in the URL (minted over the sidecar's private socket by
 *    `mcpproxy-hook console`), exchanged for an HttpOnly, SameSite=Strict session cookie;
 *  - every state change (POST/DELETE) needs the session's CSRF token in a header and, when the
 *    browser sends one, an Origin equal to this console's own;
 *  - a strict Content-Security-Policy (no inline script, no third-party anything), no framing, no
 *    sniffing, no caching of API answers;
 *  - bounded: request bodies, sessions, login tokens and live-update clients.
 * The console never holds content: it serves audit rows, whose reasons and summaries are redacted
 * before they are written, and flow keys made of labels.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { connectionBudgets } from '../transport/conn-pool.ts';
import { listenLoopback } from '../transport/listen.ts';
import { loopbackRefusal, ownOrigins, secretEquals as sameSecret } from '../transport/loopback-guard.ts';
import { ErrorCode, GuardError } from '../errors.ts';
import { ASSETS } from './assets.ts';

/** How long a login link works, and for how many uses (one). */
export const LOGIN_TOKEN_TTL_MS = 5 * 60_000;
/** How long a console session lasts without use. */
export const SESSION_TTL_MS = 12 * 3600_000;
export const MAX_LOGIN_TOKENS = 32;
export const MAX_SESSIONS = 64;
export const MAX_STREAM_CLIENTS = 16;
export const MAX_BODY_BYTES = 16 * 1024;
/** Rows one audit query returns at most. */
export const MAX_ROWS = 500;
const COOKIE = 'mcpproxy_console';

export interface ConsoleDecisionRow {
  id: number;
  ts: number;
  session_id: string;
  event: string;
  tool: string;
  decision: string;
  risk: string;
  reason: string | null;
  summary: string | null;
  origin_tool: string | null;
  hosts: string | null;
  latency_us: number;
  source: string;
  [k: string]: unknown;
}

export interface ConsoleQuery {
  session?: string;
  decision?: string;
  tool?: string;
  risk?: string;
  limit?: number;
  beforeId?: number;
}

/** What the console reads and changes; the sidecar provides it. */
export interface ConsoleData {
  sessions(): Array<Record<string, unknown>>;
  decisions(q: ConsoleQuery): ConsoleDecisionRow[];
  decision(id: number): (ConsoleDecisionRow & { flow?: unknown; exception?: unknown }) | undefined;
  exceptions(): unknown[];
  allow(decisionId: number, scope: string): unknown;
  revoke(exceptionId: number): unknown;
  /** subscribe to new audit rows; returns the unsubscribe function */
  subscribe(listener: (row: ConsoleDecisionRow) => void): () => void;
}

export interface ConsoleOptions {
  port: number;
  data: ConsoleData;
  now?: () => number;
  onError?: (what: string, err: unknown) => void;
  /** open connections at once (a share of the descriptor limit, conn-pool.ts); more are closed as they come */
  maxConnections?: number;
}

interface Session {
  csrf: string;
  lastUsed: number;
}

export class HttpError extends GuardError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(ErrorCode.BadMessage, message);
  }
}

const token = (): string => randomBytes(24).toString('base64url');

export const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export class ConsoleServer {
  private server?: Server;
  private boundPort = 0;
  private readonly logins = new Map<string, number>();
  private readonly sessions = new Map<string, Session>();
  private readonly streams = new Set<ServerResponse>();
  private readonly now: () => number;

  constructor(private readonly opts: ConsoleOptions) {
    this.now = opts.now ?? Date.now;
  }

  get port(): number {
    return this.boundPort;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.boundPort}`;
  }

  async listen(): Promise<void> {
    const srv = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        this.opts.onError?.('console request', e);
        if (!res.headersSent) this.send(res, 500, { error: 'internal error in the console; see the sidecar log' });
        else res.destroy();
      });
    });
    // any local user can connect: a flood must not take the descriptors the hook listeners need
    srv.maxConnections = this.opts.maxConnections ?? connectionBudgets().console;
    srv.requestTimeout = 10_000;
    srv.headersTimeout = 5_000;
    srv.maxHeadersCount = 64;
    this.server = srv;
    this.boundPort = await listenLoopback(srv, this.opts.port);
  }

  /** A one-time login URL (the token works once, for LOGIN_TOKEN_TTL_MS). */
  loginUrl(): string {
    const now = this.now();
    for (const [t, exp] of this.logins) if (exp < now) this.logins.delete(t);
    while (this.logins.size >= MAX_LOGIN_TOKENS) this.logins.delete(this.logins.keys().next().value as string);
    const t = token();
    this.logins.set(t, now + LOGIN_TOKEN_TTL_MS);
    return `${this.origin}/login?token=${t}`;
  }

  /** Push one new audit row to every live client. */
  publish(row: ConsoleDecisionRow): void {
    const line = `event: decision\ndata: ${JSON.stringify(row)}\n\n`;
    for (const s of this.streams) s.write(line);
  }

  async close(): Promise<void> {
    for (const s of this.streams) s.end();
    this.streams.clear();
    const srv = this.server;
    if (!srv) return;
    await new Promise<void>((resolve) => {
      srv.close(() => resolve());
      srv.closeAllConnections();
    });
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return {
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      'cache-control': 'no-store',
      ...extra,
    };
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, this.headers({ 'content-type': 'application/json; charset=utf-8' }));
    res.end(JSON.stringify(body));
  }

  private session(req: IncomingMessage): Session | undefined {
    const cookies = String(req.headers.cookie ?? '');
    for (const part of cookies.split(';')) {
      const [k, v] = part.trim().split('=');
      if (k !== COOKIE || !v) continue;
      for (const [id, s] of this.sessions) {
        if (sameSecret(id, v)) {
          if (this.now() - s.lastUsed > SESSION_TTL_MS) {
            this.sessions.delete(id);
            return undefined;
          }
          s.lastUsed = this.now();
          return s;
        }
      }
    }
    return undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refused = loopbackRefusal(req, this.boundPort, { allowOrigins: ownOrigins(this.boundPort) });
    if (refused) return this.send(res, refused.status, { error: refused.message });
    const origin = req.headers.origin;
    const url = new URL(req.url ?? '/', this.origin);
    const method = req.method ?? 'GET';

    if (method === 'GET' && url.pathname === '/login') return this.login(url, res);
    const asset = ASSETS[url.pathname];
    if (method === 'GET' && asset && url.pathname !== '/') {
      res.writeHead(200, this.headers({ 'content-type': asset.type }));
      res.end(asset.body);
      return;
    }

    const s = this.session(req);
    if (!s) {
      if (method === 'GET' && url.pathname === '/') {
        res.writeHead(401, this.headers({ 'content-type': 'text/plain; charset=utf-8' }));
        res.end('Not logged in. Run `mcpproxy-hook console` to open the console with a fresh login link.\n');
        return;
      }
      return this.send(res, 401, { error: 'not logged in; run `mcpproxy-hook console` for a login link' });
    }
    if (method === 'GET' && url.pathname === '/') {
      const page = (ASSETS['/'] as { body: string }).body.replace('__CSRF__', s.csrf);
      res.writeHead(200, this.headers({ 'content-type': 'text/html; charset=utf-8' }));
      res.end(page);
      return;
    }
    if (method === 'POST' || method === 'DELETE') {
      const csrf = req.headers['x-csrf-token'];
      if (typeof csrf !== 'string' || !sameSecret(csrf, s.csrf)) return this.send(res, 403, { error: 'missing or wrong CSRF token; reload the console' });
      if (origin === undefined && req.headers['sec-fetch-site'] !== undefined && req.headers['sec-fetch-site'] !== 'same-origin') {
        return this.send(res, 403, { error: 'cross-site requests are refused' });
      }
    }
    try {
      return await this.api(method, url, req, res);
    } catch (e) {
      if (e instanceof HttpError) return this.send(res, e.status, { error: e.message });
      if (e instanceof GuardError) return this.send(res, 400, { error: e.message, code: e.code });
      throw e;
    }
  }

  private login(url: URL, res: ServerResponse): void {
    const t = url.searchParams.get('token') ?? '';
    const now = this.now();
    let ok = false;
    for (const [k, exp] of this.logins) {
      if (sameSecret(k, t)) {
        this.logins.delete(k);
        ok = exp >= now;
        break;
      }
    }
    if (!ok) {
      res.writeHead(403, this.headers({ 'content-type': 'text/plain; charset=utf-8' }));
      res.end('This login link is not valid (each link works once, for 5 minutes). Run `mcpproxy-hook console` for a new one.\n');
      return;
    }
    while (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value as string);
    const id = token();
    this.sessions.set(id, { csrf: token(), lastUsed: now });
    res.writeHead(303, this.headers({ location: '/', 'set-cookie': `${COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_TTL_MS / 1000}` }));
    res.end();
  }

  private async body(req: IncomingMessage): Promise<Record<string, unknown>> {
    const ct = String(req.headers['content-type'] ?? '')
      .split(';')[0]
      ?.trim();
    if (ct !== 'application/json') throw new HttpError(415, 'content-type must be application/json');
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > MAX_BODY_BYTES) throw new HttpError(413, `body over ${MAX_BODY_BYTES} bytes`);
      chunks.push(c as Buffer);
    }
    try {
      const v = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
      return v as Record<string, unknown>;
    } catch {
      throw new HttpError(400, 'the body must be a JSON object');
    }
  }

  private async api(method: string, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const p = url.pathname;
    const d = this.opts.data;
    const idOf = (s: string | undefined): number => {
      const n = Number(s);
      if (!Number.isSafeInteger(n) || n <= 0) throw new HttpError(400, 'expected a positive whole number as id');
      return n;
    };
    if (method === 'GET' && p === '/api/sessions') return this.send(res, 200, { sessions: d.sessions() });
    if (method === 'GET' && p === '/api/decisions') {
      const q: ConsoleQuery = { limit: Math.min(MAX_ROWS, Number(url.searchParams.get('limit') ?? 100) || 100) };
      for (const k of ['session', 'decision', 'tool', 'risk'] as const) {
        const v = url.searchParams.get(k);
        if (v) q[k] = v;
      }
      const before = url.searchParams.get('before');
      if (before) q.beforeId = idOf(before);
      return this.send(res, 200, { decisions: d.decisions(q) });
    }
    const one = /^\/api\/decisions\/(\d+)$/.exec(p);
    if (method === 'GET' && one) {
      const row = d.decision(idOf(one[1]));
      if (!row) throw new HttpError(404, 'no such decision');
      return this.send(res, 200, { decision: row });
    }
    const flow = /^\/api\/sessions\/([^/]+)\/flow$/.exec(p);
    if (method === 'GET' && flow) {
      const sessionId = decodeURIComponent(flow[1] as string);
      return this.send(res, 200, flowGraph(d.decisions({ session: sessionId, limit: MAX_ROWS })));
    }
    if (method === 'GET' && p === '/api/exceptions') return this.send(res, 200, { exceptions: d.exceptions() });
    if (method === 'POST' && p === '/api/exceptions') {
      const b = await this.body(req);
      const scope = b.scope;
      if (typeof scope !== 'string') throw new HttpError(400, 'scope is required: once, session, project or always');
      return this.send(res, 201, { exception: d.allow(idOf(String(b.decision)), scope) });
    }
    const ex = /^\/api\/exceptions\/(\d+)$/.exec(p);
    if (method === 'DELETE' && ex) return this.send(res, 200, { exception: d.revoke(idOf(ex[1])) });
    if (method === 'GET' && p === '/api/stream') return this.stream(req, res);
    throw new HttpError(404, 'not found');
  }

  private stream(req: IncomingMessage, res: ServerResponse): void {
    if (this.streams.size >= MAX_STREAM_CLIENTS) throw new HttpError(503, `too many live consoles open (${MAX_STREAM_CLIENTS}); close one`);
    res.writeHead(200, this.headers({ 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' }));
    res.write(': live\n\n');
    this.streams.add(res);
    req.on('close', () => this.streams.delete(res));
  }
}

export interface FlowGraph {
  nodes: Array<{ id: string; kind: 'source' | 'sink'; label: string }>;
  edges: Array<{ from: string; to: string; decision: string; id: number; tool: string }>;
}

/**
 * A session's flow graph from its audit rows: sources are what tools read (the origin named by a
 * decision), sinks are where data went or tried to go (hosts, or the tool when no host is known),
 * and each interrupted or matched call is an edge carrying its decision.
 */
export function flowGraph(rows: ConsoleDecisionRow[]): FlowGraph {
  const nodes = new Map<string, { id: string; kind: 'source' | 'sink'; label: string }>();
  const edges: FlowGraph['edges'] = [];
  for (const r of [...rows].sort((a, b) => a.id - b.id)) {
    if (r.event !== 'PreToolUse' && r.event !== 'mcp') continue;
    if (!r.origin_tool && r.decision === 'allow') continue;
    const from = `src:${r.origin_tool ?? '(data matched by pattern)'}`;
    if (!nodes.has(from)) nodes.set(from, { id: from, kind: 'source', label: r.origin_tool ?? '(secret by pattern)' });
    const sinks = r.hosts ? r.hosts.split(',') : [r.tool];
    for (const h of sinks) {
      const to = `sink:${h}`;
      if (!nodes.has(to)) nodes.set(to, { id: to, kind: 'sink', label: h });
      edges.push({ from, to, decision: r.decision, id: r.id, tool: r.tool });
    }
  }
  return { nodes: [...nodes.values()], edges };
}
