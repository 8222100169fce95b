/**
 * Socket server: accepts connections on a Unix socket, decodes frames, hands each message to a
 * handler and writes the framed reply. Bounded: frame size, idle time of a connection, and the
 * number of connections. A garbled or oversized frame closes that connection only.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { chmodSync } from 'node:fs';
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
  maxFrame?: number;
  onError?: (what: string, err: unknown) => void;
}

export interface ConnInfo {
  id: number;
}

export class SocketServer {
  private server?: Server;
  private readonly conns = new Set<Socket>();
  private nextId = 1;

  constructor(private readonly opts: ServerOptions) {}

  listen(): Promise<void> {
    const srv = createServer((sock) => this.accept(sock));
    srv.maxConnections = this.opts.maxConnections ?? 1024;
    this.server = srv;
    return new Promise((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(this.opts.path, () => {
        srv.off('error', reject);
        chmodSync(this.opts.path, 0o600);
        resolve();
      });
    });
  }

  private accept(sock: Socket): void {
    this.conns.add(sock);
    const info: ConnInfo = { id: this.nextId++ };
    const dec = new FrameDecoder(this.opts.maxFrame ?? MAX_FRAME);
    sock.setTimeout(this.opts.idleMs ?? 10_000, () => sock.destroy());
    // deadlines that an idle timer cannot give: the first frame soon after connecting, and every
    // frame complete soon after its first byte (one byte every few seconds would reset an idle timer)
    let frameTimer: NodeJS.Timeout | undefined = setTimeout(() => sock.destroy(), this.opts.firstFrameMs ?? 2000);
    const frameMs = this.opts.frameMs ?? 5000;
    sock.on('close', () => {
      clearTimeout(frameTimer);
      this.conns.delete(sock);
    });
    sock.on('error', () => sock.destroy());
    // replies go out in request order even when a handler is async
    let chain: Promise<void> = Promise.resolve();
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
        chain = chain.then(async () => {
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
          try {
            res = await this.opts.handle(msg, info);
          } catch (e) {
            this.opts.onError?.('handler', e);
            res = { error: 'internal error: ' + (e as Error).message };
          }
          this.reply(sock, res);
        });
      }
    });
  }

  private reply(sock: Socket, value: unknown): void {
    if (sock.destroyed || !sock.writable) return;
    try {
      sock.write(encodeFrame(value));
    } catch (e) {
      this.opts.onError?.('encode', e);
      sock.destroy();
    }
  }

  get connections(): number {
    return this.conns.size;
  }

  close(): Promise<void> {
    for (const s of this.conns) s.destroy();
    return new Promise((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
    });
  }
}
