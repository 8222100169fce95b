/**
 * The stdio bridge, for MCP clients that only spawn commands:
 *
 *   client ──stdio──▶ `mcpproxy-hook mcp` (runStdioBridge) ──Unix socket──▶ sidecar (McpSocketServer)
 *
 * The bridge writes one handshake line with its ancestor pids (so the sidecar can tell which agent
 * process is on the other end), then passes lines both ways, noting only methods and ids (to
 * survive a restart of the sidecar: see runStdioBridge). The sidecar side reads
 * the handshake, then serves MCP on the rest of the stream with a LineTransport and a proxy Server.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { socketAlive } from '../transport/listen.ts';
import { processParent } from '../transport/peer.ts';
import { connect, createServer, type Server as NetServer, type Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { LineTransport, MAX_LINE_BYTES } from './line-transport.ts';
import { createProxyServer, type FlowGuard } from './proxy-server.ts';
import type { UpstreamManager } from './upstreams.ts';

export const HANDSHAKE_KEY = 'mcpproxy-hook-bridge';
const MAX_HANDSHAKE = 4096;
const MAX_PIDS = 16;

/** process.ppid and, on Linux, its ancestors (up to `levels` pids in all; stops at pid 1). */
export function ancestorPids(levels = 6): number[] {
  const out: number[] = [];
  let pid = process.ppid;
  while (pid > 1 && out.length < levels) {
    out.push(pid);
    if (process.platform !== 'linux') break;
    const ppid = processParent(pid);
    if (ppid === undefined || ppid === pid) break;
    pid = ppid;
  }
  return out;
}

export function sidecarDownMessage(socketPath: string): string {
  return (
    `mcpproxy-hook: the sidecar is not running (nothing is listening on ${socketPath}), so the MCP proxy is unavailable. ` +
    'Start it with `mcpproxy-hook daemon` (or through your service manager), check it with `mcpproxy-hook status`, ' +
    'then reconnect this MCP server in your client (in Claude Code: /mcp).'
  );
}

function tryConnect(path: string): Promise<Socket | NodeJS.ErrnoException> {
  return new Promise((resolve) => {
    const s = connect(path);
    const onErr = (e: NodeJS.ErrnoException): void => {
      s.destroy();
      resolve(e);
    };
    s.once('error', onErr);
    s.once('connect', () => {
      s.off('error', onErr);
      resolve(s);
    });
  });
}

export interface BridgeIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
}

/** A text stream cut into lines; line ends are looked for in new chunks only (big lines come in many). */
class Lines {
  private buf = '';
  get pendingLength(): number {
    return this.buf.length;
  }
  push(chunk: string, each: (line: string) => void): void {
    let from = this.buf.length;
    this.buf += chunk;
    let nl: number;
    while ((nl = this.buf.indexOf('\n', from)) !== -1) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      from = 0;
      if (line.trim()) each(line);
    }
  }
  /** What is left after the last line end (and forget it). */
  rest(): string {
    const r = this.buf;
    this.buf = '';
    return r;
  }
}

/** What the bridge needs to know of one JSON-RPC line. */
interface LineInfo {
  /** a request (method and id) from the client: the JSON text of its id */
  requestId?: string;
  /** a response (id, no method): the JSON text of its id */
  responseId?: string;
  method?: string;
}

const FULL_PARSE_MAX = 256 * 1024;
const HEAD_METHOD = /^\{\s*"method"\s*:\s*"([^"\\]{1,200})"/;
const TAIL_ID = /"id"\s*:\s*(-?\d{1,20}|"(?:[^"\\]|\\.){0,200}")\s*\}\s*$/;

/**
 * Method and id of a line: parsed when small; for big lines (a 2 MB tool result) read from where
 * the MCP SDK writes them (method first, id last), so the bridge never parses megabytes.
 */
function lineInfo(line: string): LineInfo[] {
  if (line.length <= FULL_PARSE_MAX) {
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      return [];
    }
    const out: LineInfo[] = [];
    for (const m of Array.isArray(v) ? v : [v]) {
      if (typeof m !== 'object' || m === null) continue;
      const r = m as Record<string, unknown>;
      out.push(
        infoOf(typeof r.method === 'string' ? r.method : undefined, 'id' in r && r.id !== null && r.id !== undefined ? JSON.stringify(r.id) : undefined),
      );
    }
    return out;
  }
  return [infoOf(HEAD_METHOD.exec(line)?.[1], TAIL_ID.exec(line)?.[1])];
}

/** A message with a method and an id is a request, with an id alone a response. */
function infoOf(method: string | undefined, id: string | undefined): LineInfo {
  return { ...(method ? { method } : {}), ...(id !== undefined ? (method ? { requestId: id } : { responseId: id }) : {}) };
}

export interface BridgeOptions {
  /**
   * How long a request waits for a sidecar that went away to come back (a restart by systemd or
   * launchd takes a second or two) before it is answered with an error. Default 15 s.
   */
  waitMs?: number;
}

const MAX_QUEUED_BYTES = 16 * 1024 * 1024;

/**
 * What `mcpproxy-hook mcp` runs. Resolves when the client closes stdin; the caller should then exit.
 *
 * The bridge survives a restart of the sidecar: it remembers the client's `initialize` and
 * `notifications/initialized`, and when the socket closes it reconnects, replays them (the answer
 * to the replayed initialize is not passed on) and carries on. Calls in flight when the sidecar
 * went away are answered with an error that says so (they may or may not have run); calls made
 * while it is away wait up to `waitMs` for it, then get an error that says how to start it.
 */
export async function runStdioBridge(
  mcpSocketPath: string,
  io: BridgeIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr },
  opts: BridgeOptions = {},
): Promise<void> {
  const waitMs = opts.waitMs ?? (Number(process.env.MCPPROXY_HOOK_BRIDGE_WAIT_MS) || 15_000);
  let first: Socket | undefined;
  let lastErr: NodeJS.ErrnoException | undefined;
  // a sidecar that is starting (autostart, service restart) gets a few seconds to listen
  for (let attempt = 0; attempt < 12; attempt++) {
    if (attempt) await new Promise((r) => setTimeout(r, 250));
    const r = await tryConnect(mcpSocketPath);
    if (r instanceof Error) {
      lastErr = r;
      if (r.code !== 'ENOENT' && r.code !== 'ECONNREFUSED' && r.code !== 'EAGAIN') break;
      continue;
    }
    first = r;
    break;
  }
  if (!first) return answerSidecarDown(mcpSocketPath, io, lastErr);
  const handshake = JSON.stringify({ [HANDSHAKE_KEY]: 1, pids: ancestorPids(), bridge: randomBytes(12).toString('base64url') }) + '\n';

  await new Promise<void>((resolve) => {
    let sock: Socket | undefined;
    let initLine: string | undefined;
    let initializedLine: string | undefined;
    /** client requests sent to the sidecar and not answered yet (JSON text of their ids) */
    const pending = new Set<string>();
    /** client lines waiting for the sidecar to come back, and since when */
    let queue: string[] = [];
    let queuedBytes = 0;
    let downSince = 0;
    /** the id of our replayed initialize: its answer is ours, not the client's */
    let replayId: string | undefined;
    let replays = 0;
    let stdinEnded = false;
    let finished = false;
    let retry: NodeJS.Timeout | undefined;
    const input = new Lines();
    const err = (id: string, message: string): void => {
      io.stdout.write(`{"jsonrpc":"2.0","id":${id},"error":{"code":-32000,"message":${JSON.stringify(message)}}}\n`);
    };
    const downMessage = (): string => sidecarDownMessage(mcpSocketPath);
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(retry);
      sock?.destroy();
      io.stdout.write('', () => resolve());
    };

    const fromClient = (line: string): void => {
      const infos = lineInfo(line);
      for (const m of infos) {
        if (m.method === 'initialize') initLine = line;
        else if (m.method === 'notifications/initialized') initializedLine = line;
      }
      if (sock) {
        for (const m of infos) if (m.requestId !== undefined) pending.add(m.requestId);
        sock.write(line + '\n');
        return;
      }
      // the sidecar is away: wait for it (bounded), or answer now if it has been away too long
      if (Date.now() - downSince > waitMs || queuedBytes + line.length > MAX_QUEUED_BYTES) {
        for (const m of infos) if (m.requestId !== undefined) err(m.requestId, downMessage());
        return;
      }
      if (queue.length === 0) io.stderr.write(`mcpproxy-hook mcp: holding calls until the sidecar is back (up to ${Math.round(waitMs / 1000)} s)\n`);
      queue.push(line);
      queuedBytes += line.length;
    };

    const attach = (s: Socket): void => {
      sock = s;
      const lines = new Lines();
      s.setEncoding('utf8');
      s.on('data', (chunk: string) =>
        lines.push(chunk, (line) => {
          let swallow = false;
          for (const m of lineInfo(line)) {
            if (m.responseId === undefined) continue;
            if (m.responseId === replayId) {
              replayId = undefined;
              swallow = true;
            } else pending.delete(m.responseId);
          }
          if (!swallow) io.stdout.write(line + '\n');
        }),
      );
      s.on('error', () => undefined); // 'close' follows
      s.on('close', () => {
        if (sock !== s) return;
        sock = undefined;
        if (stdinEnded || finished) return finish();
        io.stderr.write('mcpproxy-hook mcp: the sidecar went away; reconnecting\n');
        for (const id of pending)
          err(id, 'the mcpproxy-hook sidecar restarted while this call was in flight: it may or may not have run. Check before calling it again.');
        pending.clear();
        downSince = Date.now();
        reconnect();
      });
    };

    const reconnect = (): void => {
      const away = Date.now() - downSince;
      // waited long enough: what is queued gets its error now (later calls get theirs at once)
      if (away > waitMs && queue.length) {
        for (const line of queue) for (const m of lineInfo(line)) if (m.requestId !== undefined) err(m.requestId, downMessage());
        queue = [];
        queuedBytes = 0;
      }
      retry = setTimeout(
        () => {
          void tryConnect(mcpSocketPath).then((r) => {
            if (finished) {
              if (!(r instanceof Error)) r.destroy();
              return;
            }
            if (r instanceof Error) return reconnect();
            r.write(handshake);
            if (initLine) {
              // the same initialize under an id of ours
              try {
                const msg = JSON.parse(initLine) as Record<string, unknown>;
                replayId = JSON.stringify(`mcpproxy-hook-replay-${++replays}`);
                r.write(JSON.stringify({ ...msg, id: JSON.parse(replayId) }) + '\n');
              } catch {
                /* not JSON: it never initialized anything */
              }
            }
            if (initializedLine) r.write(initializedLine + '\n');
            io.stderr.write('mcpproxy-hook mcp: reconnected to the sidecar\n');
            const lines = queue;
            queue = [];
            queuedBytes = 0;
            attach(r);
            for (const line of lines) fromClient(line);
          });
        },
        away < 10_000 ? 200 : 2_000,
      );
      retry.unref?.();
    };

    attach(first as Socket);
    (first as Socket).write(handshake);
    io.stdin.setEncoding('utf8');
    io.stdin.on('data', (chunk: string) => {
      input.push(chunk, fromClient);
      if (input.pendingLength > MAX_LINE_BYTES) {
        io.stderr.write(`mcpproxy-hook mcp: a message from the client is over ${MAX_LINE_BYTES} bytes; closing\n`);
        finish();
      }
    });
    const end = (): void => {
      stdinEnded = true;
      const last = input.rest();
      if (last.trim()) fromClient(last);
      // half-close: the sidecar answers what it has, then closes its side
      if (sock) sock.end();
      else finish();
    };
    io.stdin.once('end', end);
    io.stdin.once('error', finish);
    io.stdout.on('error', finish); // client went away
  });
  if (io.stdin === process.stdin) process.stdin.destroy();
}

/** No sidecar: answer every request with an error that says so, until the client closes stdin. */
function answerSidecarDown(path: string, io: BridgeIo, err: NodeJS.ErrnoException | undefined): Promise<void> {
  const message = sidecarDownMessage(path);
  io.stderr.write(`${message}${err ? ` (${err.code ?? err.message})` : ''}\n`);
  return new Promise((resolve) => {
    const answer = (line: string): void => {
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch {
        io.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: `Parse error. ${message}` } }) + '\n');
        return;
      }
      for (const m of Array.isArray(v) ? v : [v]) {
        if (typeof m !== 'object' || m === null) continue;
        const r = m as Record<string, unknown>;
        // requests have an id and a method; notifications and responses need no answer
        if (typeof r.method !== 'string' || !('id' in r) || r.id === null) continue;
        io.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: r.id, error: { code: -32000, message } }) + '\n');
      }
    };
    const lines = new Lines();
    io.stdin.setEncoding('utf8');
    io.stdin.on('data', (chunk: string) => {
      lines.push(chunk, (line) => answer(line.trim()));
      // keep memory bounded: a line this long is not a request worth answering
      if (lines.pendingLength > MAX_LINE_BYTES) lines.rest();
    });
    const done = (): void => {
      const last = lines.rest().trim();
      if (last) answer(last);
      io.stdout.write('', () => resolve());
    };
    io.stdin.once('end', done);
    io.stdin.once('error', done);
  });
}

// ------------------------------------------------------------------------------------------------

export interface BridgeConnection {
  connectionId: string;
  mcpSessionId: string;
  pids: number[];
  since: number;
}

export interface McpSocketServerOptions {
  path: string;
  upstreams: UpstreamManager;
  guard: FlowGuard;
  log?: (line: string) => void;
  /** connections at once; default 64 */
  maxConnections?: number;
  /** time for a new connection to send its handshake line; default 5 s */
  handshakeTimeoutMs?: number;
  maxLineBytes?: number;
  callTimeoutMs?: number;
  elicitTimeoutMs?: number;
  onConnect?: (c: BridgeConnection) => void;
  onDisconnect?: (c: BridgeConnection) => void;
}

/** Parse a handshake line; undefined when it is not one. */
export function parseHandshake(line: string): { pids: number[]; bridge?: string } | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const h = v as Record<string, unknown>;
  if (h[HANDSHAKE_KEY] !== 1) return undefined;
  const pids = Array.isArray(h.pids) ? h.pids.filter((p): p is number => Number.isInteger(p) && (p as number) > 1).slice(0, MAX_PIDS) : [];
  // the bridge process's own id: the same over its reconnections, so its MCP session (and the flow
  // state of a proxy-only session) carries over a restart of the sidecar
  const bridge = typeof h.bridge === 'string' && /^[A-Za-z0-9_-]{8,64}$/.test(h.bridge) ? h.bridge : undefined;
  return { pids, ...(bridge ? { bridge } : {}) };
}

/** The sidecar's end of the stdio bridge: MCP over a Unix socket (0600), one proxy Server per connection. */
export class McpSocketServer {
  private server?: NetServer;
  private readonly socks = new Set<Socket>();
  private readonly conns = new Map<string, { info: BridgeConnection; server: Server; sock: Socket }>();
  private nextId = 1;
  private readonly log: (line: string) => void;

  constructor(private readonly opts: McpSocketServerOptions) {
    this.log = opts.log ?? (() => undefined);
  }

  async listen(): Promise<void> {
    if (existsSync(this.opts.path)) {
      if (await socketAlive(this.opts.path)) throw new Error(`something is already listening on ${this.opts.path}`);
      unlinkSync(this.opts.path);
    }
    const srv = createServer((sock) => this.accept(sock));
    this.server = srv;
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(this.opts.path, () => {
        srv.off('error', reject);
        chmodSync(this.opts.path, 0o600);
        resolve();
      });
    });
  }

  /** Connected bridges (after their handshake). */
  connections(): BridgeConnection[] {
    return [...this.conns.values()].map((c) => ({ ...c.info, pids: [...c.info.pids] }));
  }

  private accept(sock: Socket): void {
    const max = this.opts.maxConnections ?? 64;
    if (this.socks.size >= max) {
      this.log(`mcp socket: refusing a connection: ${max} bridges are already connected`);
      sock.destroy();
      return;
    }
    this.socks.add(sock);
    sock.on('close', () => this.socks.delete(sock));
    sock.on('error', () => sock.destroy());
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => {
      this.log('mcp socket: no handshake within the time limit; closing the connection');
      sock.destroy();
    }, this.opts.handshakeTimeoutMs ?? 5000);
    timer.unref();
    const onData = (chunk: Buffer): void => {
      const nl = chunk.indexOf(10);
      if (nl === -1) {
        size += chunk.length;
        chunks.push(chunk);
        if (size > MAX_HANDSHAKE) {
          clearTimeout(timer);
          sock.off('data', onData);
          this.log('mcp socket: handshake line too long; closing the connection');
          sock.destroy();
        }
        return;
      }
      clearTimeout(timer);
      sock.off('data', onData);
      sock.pause();
      chunks.push(chunk.subarray(0, nl));
      const line = Buffer.concat(chunks).toString('utf8');
      const rest = Buffer.from(chunk.subarray(nl + 1));
      const hs = line.length <= MAX_HANDSHAKE ? parseHandshake(line) : undefined;
      if (!hs) {
        this.log('mcp socket: the first line is not a bridge handshake; closing the connection (connect through `mcpproxy-hook mcp`)');
        sock.destroy();
        return;
      }
      void this.serve(sock, hs.pids, rest, hs.bridge);
    };
    sock.on('data', onData);
  }

  private async serve(sock: Socket, pids: number[], rest: Buffer, bridgeId?: string): Promise<void> {
    const info: BridgeConnection = {
      connectionId: `bridge-${this.nextId++}`,
      mcpSessionId: 'bridge-' + (bridgeId ?? randomBytes(12).toString('base64url')),
      pids,
      since: Date.now(),
    };
    const transport = new LineTransport(sock, undefined, { initial: rest, maxLineBytes: this.opts.maxLineBytes ?? MAX_LINE_BYTES });
    const server = createProxyServer(this.opts.upstreams, this.opts.guard, {
      connectionId: info.connectionId,
      transport: 'stdio-bridge',
      clientPids: pids,
      getSessionId: () => info.mcpSessionId,
      log: this.log,
      ...(this.opts.callTimeoutMs !== undefined ? { callTimeoutMs: this.opts.callTimeoutMs } : {}),
      ...(this.opts.elicitTimeoutMs !== undefined ? { elicitTimeoutMs: this.opts.elicitTimeoutMs } : {}),
      onClose: () => {
        this.conns.delete(info.connectionId);
        sock.destroy();
        this.log(`mcp socket: ${info.connectionId} closed`);
        try {
          this.opts.onDisconnect?.(info);
        } catch (e) {
          this.log(`mcp socket: onDisconnect failed: ${(e as Error).message}`);
        }
      },
    });
    server.onerror = (e) => this.log(`mcp socket: ${info.connectionId}: ${e.message}`);
    this.conns.set(info.connectionId, { info, server, sock });
    try {
      this.opts.onConnect?.(info);
    } catch (e) {
      this.log(`mcp socket: onConnect failed: ${(e as Error).message}`);
    }
    this.log(`mcp socket: ${info.connectionId} connected (session ${info.mcpSessionId}, pids ${pids.join(',') || 'none'})`);
    try {
      await server.connect(transport);
    } catch (e) {
      this.log(`mcp socket: ${info.connectionId}: cannot start: ${(e as Error).message}`);
      this.conns.delete(info.connectionId);
      sock.destroy();
    }
  }

  async close(): Promise<void> {
    // shutting down: a connection whose peer already left fails to close, which changes nothing here
    const closing = [...this.conns.values()].map((c) => c.server.close().catch(() => undefined));
    await Promise.all(closing);
    for (const s of this.socks) s.destroy();
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
    });
    this.server = undefined;
    try {
      unlinkSync(this.opts.path);
    } catch {
      /* already gone */
    }
  }
}
