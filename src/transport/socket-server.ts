/**
 * Socket server: accepts connections on a Unix socket, decodes frames, hands each message to a
 * handler and writes the framed reply. Bounded: frame size, idle time of a connection, and the
 * number of connections. A garbled or oversized frame closes that connection only.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { chmodSync, lstatSync, rmSync } from 'node:fs';
import { ErrorCode } from '../errors.ts';
import { ConnectionPool } from './conn-pool.ts';
import { decodePayload, encodeFrame, FrameDecoder, FrameError, MAX_FRAME } from './frame.ts';

export interface ServerOptions {
  path: string;
  /** reply value for a message (or a promise of it) */
  handle: (msg: unknown, conn: ConnInfo) => unknown | Promise<unknown>;
  idleMs?: number;
  /** a started frame must be complete within this (a client trickling bytes is cut off) */
  frameMs?: number;
  /** the first frame must arrive within this after connecting */
  firstFrameMs?: number;
  maxConnections?: number;
  /** requests queued on one connection at once */
  maxQueued?: number;
  maxFrame?: number;
  onError?: (what: string, err: unknown) => void;
}

/** Connections at once, by default (the sidecar sets it from the descriptor limit). */
export const DEFAULT_MAX_CONNECTIONS = 1024;
/** Requests queued on one connection at once (received, not yet answered). */
export const MAX_QUEUED_REQUESTS = 64;

export interface ConnInfo {
  id: number;
  /**
   * Set by a handler for the message in progress: called when its reply could not be written
   * because the client had already gone (a hook that gave up at its deadline).
   */
  undelivered?: () => void;
}

export class SocketServer {
  private server?: Server;
  private readonly pool: ConnectionPool;
  private nextId = 1;
  /** inode of the socket file we listen on: a different one (or none) means it was removed or replaced */
  private inode: number | undefined;

  constructor(private readonly opts: ServerOptions) {
    this.pool = new ConnectionPool(opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS);
  }

  listen(): Promise<void> {
    const srv = createServer((sock) => this.accept(sock));
    this.server = srv;
    return new Promise((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(this.opts.path, () => {
        srv.off('error', reject);
        chmodSync(this.opts.path, 0o600);
        this.inode = lstatSync(this.opts.path).ino;
        resolve();
      });
    });
  }

  /**
   * Listen again when the socket file was removed or replaced (`find … -name sidecar.sock -delete`
   * leaves a running sidecar that no hook can reach). Open connections are kept. True when it had to.
   */
  async ensureListening(): Promise<boolean> {
    if (!this.server) return false;
    let ino: number | undefined;
    try {
      ino = lstatSync(this.opts.path).ino;
    } catch {
      ino = undefined;
    }
    if (ino !== undefined && ino === this.inode) return false;
    const old = this.server;
    this.server = undefined;
    old.close();
    // whatever took its place (a file, a dead socket) is not ours to keep: the path is
    if (ino !== undefined) rmSync(this.opts.path, { force: true });
    await this.listen();
    return true;
  }

  /** Connections closed to make room (idle ones) or turned away (every connection busy). */
  get poolStats(): { evictedIdle: number; refusedBusy: number; max: number } {
    return { ...this.pool.stats, max: this.pool.max };
  }

  private accept(sock: Socket): void {
    if (!this.pool.add(sock)) {
      this.opts.onError?.('connections', new Error(`all ${this.pool.max} connections are busy; a new one was closed`));
      return;
    }
    const info: ConnInfo = { id: this.nextId++ };
    const dec = new FrameDecoder(this.opts.maxFrame ?? MAX_FRAME);
    sock.setTimeout(this.opts.idleMs ?? 10_000, () => sock.destroy());
    // deadlines that an idle timer cannot give: the first frame soon after connecting, and every
    // frame complete soon after its first byte (one byte every few seconds would reset an idle timer)
    let frameTimer: NodeJS.Timeout | undefined = setTimeout(() => sock.destroy(), this.opts.firstFrameMs ?? 2000);
    const frameMs = this.opts.frameMs ?? 5000;
    sock.on('close', () => {
      clearTimeout(frameTimer);
    });
    sock.on('error', () => sock.destroy());
    // replies go out in request order even when a handler is async
    let chain: Promise<void> = Promise.resolve();
    let queued = 0;
    const maxQueued = this.opts.maxQueued ?? MAX_QUEUED_REQUESTS;
    sock.on('data', (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = dec.push(chunk);
        clearTimeout(frameTimer);
        frameTimer = dec.pending > 0 ? setTimeout(() => sock.destroy(), frameMs) : undefined;
      } catch (e) {
        this.opts.onError?.('frame', e);
        this.reply(sock, { error: e instanceof FrameError ? e.message : 'bad frame' });
        sock.end();
        return;
      }
      for (const f of frames) {
        // a client queues at most this many requests on one connection (a hook sends one): more
        // would grow memory without bound and delay everyone else's answers
        if (++queued > maxQueued) {
          this.opts.onError?.('requests', new Error(`more than ${maxQueued} requests queued on one connection; the connection is closed`));
          this.reply(sock, { error: `more than ${maxQueued} requests queued on one connection: send one at a time`, code: ErrorCode.Overloaded });
          sock.end();
          return;
        }
        chain = chain
          .then(async () => {
            let msg: unknown;
            try {
              msg = decodePayload(f);
            } catch (e) {
              this.opts.onError?.('decode', e);
              this.reply(sock, { error: 'the message is not valid msgpack' });
              sock.end();
              return;
            }
            let res: unknown;
            this.pool.begin(sock);
            try {
              res = await this.opts.handle(msg, info);
            } catch (e) {
              this.opts.onError?.('handler', e);
              res = { error: 'internal error: ' + (e as Error).message };
            }
            this.pool.end(sock);
            const gone = info.undelivered;
            info.undelivered = undefined;
            this.reply(sock, res, gone);
          })
          .finally(() => {
            queued--;
          });
      }
    });
  }

  /** Write a reply; `undelivered` runs when the client is already gone (or goes before it is written). */
  private reply(sock: Socket, value: unknown, undelivered?: () => void): void {
    if (sock.destroyed || !sock.writable) {
      undelivered?.();
      return;
    }
    try {
      sock.write(encodeFrame(value), (err) => {
        if (err) undelivered?.();
      });
    } catch (e) {
      this.opts.onError?.('encode', e);
      sock.destroy();
    }
  }

  get connections(): number {
    return this.pool.size;
  }

  close(): Promise<void> {
    for (const s of [...this.pool.sockets()]) s.destroy();
    return new Promise((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
    });
  }
}
