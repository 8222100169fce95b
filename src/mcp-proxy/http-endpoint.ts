/**
 * The proxy's Streamable HTTP endpoint: http://127.0.0.1:<port>/mcp, one proxy Server per MCP
 * session (the SDK's StreamableHTTPServerTransport with session ids), removed on DELETE, on close or
 * after a long idle time.
 *
 * Guarded like the HTTP hook endpoint: loopback only; a bearer token (constant-time compare); the
 * Host header must name the loopback address we listen on (DNS rebinding); anything a browser sends
 * (an Origin header, CORS preflight) is refused; POST bodies must be application/json and are capped.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readlinkSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { createProxyServer, type FlowGuard } from './proxy-server.ts';
import type { UpstreamManager } from './upstreams.ts';
import { connectionBudgets } from '../transport/conn-pool.ts';
import { loopbackPeer } from '../transport/peer.ts';
import { listenLoopback } from '../transport/listen.ts';
import { bearerOk, isJsonContentType, loopbackRefusal } from '../transport/loopback-guard.ts';

export const MCP_PATH = '/mcp';
export const MAX_MCP_BODY = 4 * 1024 * 1024;

export interface HttpEndpointOptions {
  /** loopback port; 0 = ephemeral (see `port` after listen) */
  port: number;
  token: string;
  upstreams: UpstreamManager;
  guard: FlowGuard;
  log?: (line: string) => void;
  /** open connections at once (a share of the descriptor limit, conn-pool.ts); more are closed as they come */
  maxConnections?: number;
  /** MCP sessions at once; the least recently used is closed to make room. Default 256 */
  maxSessions?: number;
  /** a session with no request for this long is closed. Default 6 h */
  sessionIdleMs?: number;
  maxBodyBytes?: number;
  callTimeoutMs?: number;
  elicitTimeoutMs?: number;
  /** find the client's pid for a new session (default: peerPidOfLoopbackSocket) */
  peerPid?: (remotePort: number, localPort: number) => number | undefined;
  onSessionStart?: (s: HttpSessionInfo) => void;
  onSessionEnd?: (s: HttpSessionInfo) => void;
}

export interface HttpSessionInfo {
  connectionId: string;
  mcpSessionId: string;
  clientPids?: number[];
  since: number;
}

interface Session {
  info: HttpSessionInfo;
  transport: StreamableHTTPServerTransport;
  server: Server;
  lastSeen: number;
}

// ------------------------------------------------------------------------------------------------
// peer pid of a loopback TCP connection (Linux)

/**
 * The pid of the process owning the client end of a loopback TCP connection to us (Linux: the socket
 * inode from /proc/net/tcp{,6}, then a scan of /proc/<pid>/fd). Best effort: bounded to `budgetMs`,
 * processes of other users are skipped (their fds are unreadable), undefined on other systems.
 */
export function peerPidOfLoopbackSocket(remotePort: number, localPort: number, budgetMs = 200): number | undefined {
  if (process.platform !== 'linux') return undefined;
  const t0 = Date.now();
  const inode = loopbackPeer(remotePort, localPort)?.inode;
  if (!inode) return undefined;
  const target = `socket:[${inode}]`;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return undefined;
  }
  // newest processes first: the client usually started after most of the system
  pids.sort((a, b) => Number(b) - Number(a));
  for (const pid of pids) {
    if (Date.now() - t0 > budgetMs) return undefined;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let link: string;
      try {
        link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (link === target) return Number(pid);
    }
  }
  return undefined;
}

// ------------------------------------------------------------------------------------------------

export class HttpEndpoint {
  private server?: HttpServer;
  private boundPort = 0;
  private readonly sessions = new Map<string, Session>();
  private nextId = 1;
  private sweeper?: NodeJS.Timeout;
  private readonly log: (line: string) => void;
  private readonly maxBody: number;

  constructor(private readonly opts: HttpEndpointOptions) {
    this.log = opts.log ?? (() => undefined);
    this.maxBody = opts.maxBodyBytes ?? MAX_MCP_BODY;
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `http://127.0.0.1:${this.boundPort}${MCP_PATH}`;
  }

  /** Live MCP sessions. */
  sessionList(): HttpSessionInfo[] {
    return [...this.sessions.values()].map((s) => ({ ...s.info }));
  }

  async listen(): Promise<void> {
    const srv = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        this.log(`mcp http: ${(e as Error).stack ?? e}`);
        if (!res.headersSent) this.refuse(res, 500, 'internal error');
        else res.destroy();
      });
    });
    // any local user can connect: a flood must not take the descriptors the hook listeners need
    srv.maxConnections = this.opts.maxConnections ?? connectionBudgets().mcpHttp;
    srv.headersTimeout = 10_000;
    srv.requestTimeout = 60_000; // receiving one request; responses (SSE streams) are not limited
    srv.keepAliveTimeout = 5_000;
    srv.maxHeadersCount = 64;
    this.server = srv;
    this.boundPort = await listenLoopback(srv, this.opts.port);
    const idle = this.opts.sessionIdleMs ?? 6 * 3600_000;
    this.sweeper = setInterval(() => this.sweep(idle), Math.min(60_000, Math.max(1000, Math.floor(idle / 4))));
    this.sweeper.unref();
  }

  private refuse(res: ServerResponse, code: number, message: string, rpcCode = -32000): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body = JSON.stringify({ jsonrpc: '2.0', error: { code: rpcCode, message }, id: null });
    res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'close' });
    res.end(body);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const bad = loopbackRefusal(req, this.boundPort);
    if (bad) return this.refuse(res, bad.status, bad.message);
    if ((req.url ?? '').split('?')[0] !== MCP_PATH) return this.refuse(res, 404, `not found; the MCP endpoint is ${MCP_PATH}`);
    if (!bearerOk(req, this.opts.token))
      return this.refuse(res, 401, 'missing or wrong bearer token (Authorization: Bearer <token> from the mcpproxy-hook state dir)');
    const method = req.method ?? '';
    if (method !== 'POST' && method !== 'GET' && method !== 'DELETE') {
      res.setHeader('allow', 'GET, POST, DELETE');
      return this.refuse(res, 405, 'use POST, GET or DELETE');
    }
    const sid = req.headers['mcp-session-id'];
    const sessionId = typeof sid === 'string' ? sid : undefined;

    if (method !== 'POST') {
      if (!sessionId) return this.refuse(res, 400, 'Bad Request: Mcp-Session-Id header is required');
      const s = this.sessions.get(sessionId);
      if (!s) return this.refuse(res, 404, 'Session not found', -32001);
      s.lastSeen = Date.now();
      await s.transport.handleRequest(req, res);
      return;
    }

    if (!isJsonContentType(req)) return this.refuse(res, 415, 'Unsupported Media Type: Content-Type must be application/json');
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > this.maxBody) {
      this.refuse(res, 413, `Payload Too Large: the body is over ${this.maxBody} bytes`);
      req.resume();
      return;
    }
    const body = await this.readBody(req);
    if (body === undefined) {
      this.refuse(res, 413, `Payload Too Large: the body is over ${this.maxBody} bytes`);
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return this.refuse(res, 400, 'Parse error: Invalid JSON', -32700);
    }

    if (sessionId) {
      const s = this.sessions.get(sessionId);
      if (!s) return this.refuse(res, 404, 'Session not found', -32001);
      s.lastSeen = Date.now();
      await s.transport.handleRequest(req, res, parsed);
      return;
    }
    const isInit = Array.isArray(parsed) ? parsed.length === 1 && isInitializeRequest(parsed[0]) : isInitializeRequest(parsed);
    if (!isInit) return this.refuse(res, 400, 'Bad Request: no valid session; send an initialize request without Mcp-Session-Id first');
    await this.newSession(req, res, parsed);
  }

  private readBody(req: IncomingMessage): Promise<Buffer | undefined> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let over = false;
      req.on('data', (c: Buffer) => {
        if (over) return;
        size += c.length;
        if (size > this.maxBody) {
          over = true;
          chunks.length = 0;
          resolve(undefined);
          return;
        }
        chunks.push(c);
      });
      req.on('end', () => {
        if (!over) resolve(Buffer.concat(chunks, size));
      });
      req.on('error', reject);
    });
  }

  private async newSession(req: IncomingMessage, res: ServerResponse, parsed: unknown): Promise<void> {
    const max = this.opts.maxSessions ?? 256;
    if (this.sessions.size >= max) {
      let oldest: Session | undefined;
      for (const s of this.sessions.values()) if (!oldest || s.lastSeen < oldest.lastSeen) oldest = s;
      if (oldest) {
        this.log(`mcp http: ${max} sessions open; closing the least recently used (${oldest.info.connectionId})`);
        await this.closeSession(oldest);
      }
    }
    const connectionId = `http-${this.nextId++}`;
    const pidOf = this.opts.peerPid ?? peerPidOfLoopbackSocket;
    let pid: number | undefined;
    try {
      pid = req.socket.remotePort !== undefined ? pidOf(req.socket.remotePort, this.boundPort) : undefined;
    } catch {
      pid = undefined;
    }
    const info: HttpSessionInfo = { connectionId, mcpSessionId: '', since: Date.now() };
    if (pid !== undefined) info.clientPids = [pid];
    let session: Session | undefined;
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        info.mcpSessionId = id;
        if (session) this.sessions.set(id, session);
        this.log(`mcp http: ${connectionId} session ${id} started${pid !== undefined ? ` (client pid ${pid})` : ''}`);
        try {
          this.opts.onSessionStart?.({ ...info });
        } catch (e) {
          this.log(`mcp http: onSessionStart failed: ${(e as Error).message}`);
        }
      },
    });
    const server = createProxyServer(this.opts.upstreams, this.opts.guard, {
      connectionId,
      transport: 'http',
      ...(info.clientPids ? { clientPids: info.clientPids } : {}),
      getSessionId: () => transport.sessionId ?? info.mcpSessionId ?? connectionId,
      log: this.log,
      ...(this.opts.callTimeoutMs !== undefined ? { callTimeoutMs: this.opts.callTimeoutMs } : {}),
      ...(this.opts.elicitTimeoutMs !== undefined ? { elicitTimeoutMs: this.opts.elicitTimeoutMs } : {}),
      onClose: () => {
        if (info.mcpSessionId && this.sessions.get(info.mcpSessionId) === session) this.sessions.delete(info.mcpSessionId);
        if (info.mcpSessionId) {
          this.log(`mcp http: ${connectionId} session ${info.mcpSessionId} closed`);
          try {
            this.opts.onSessionEnd?.({ ...info });
          } catch (e) {
            this.log(`mcp http: onSessionEnd failed: ${(e as Error).message}`);
          }
        }
      },
    });
    server.onerror = (e) => this.log(`mcp http: ${connectionId}: ${e.message}`);
    session = { info, transport, server, lastSeen: Date.now() };
    await server.connect(transport);
    await transport.handleRequest(req, res, parsed);
    if (!transport.sessionId) {
      // the initialize request was refused: nothing to keep
      await server.close().catch(() => undefined);
    }
  }

  private async closeSession(s: Session): Promise<void> {
    if (s.info.mcpSessionId) this.sessions.delete(s.info.mcpSessionId);
    // closing an idle or ended session: its transport may already be gone, and there is no one left to tell
    await s.server.close().catch(() => undefined);
  }

  private sweep(idleMs: number): void {
    const now = Date.now();
    for (const s of [...this.sessions.values()]) {
      if (now - s.lastSeen > idleMs) {
        this.log(`mcp http: closing ${s.info.connectionId} after ${Math.round(idleMs / 60_000)} min without requests`);
        void this.closeSession(s);
      }
    }
  }

  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    await Promise.all([...this.sessions.values()].map((s) => this.closeSession(s)));
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.closeAllConnections?.();
      this.server.close(() => resolve());
    });
    this.server = undefined;
  }
}

/** A fresh bearer token for the MCP endpoint (the sidecar may reuse the HTTP hook token instead). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}
