/**
 * An MCP SDK `Transport` over Node streams: newline-delimited JSON-RPC (the stdio framing of the MCP
 * spec), used on both ends of the stdio bridge (the sidecar's Unix socket and, in tests, a process's
 * stdin/stdout). A line longer than `maxLineBytes` is an error that closes the transport: a peer that
 * never sends a newline must not grow our memory without bound.
 */
import type { Readable, Writable } from 'node:stream';
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import { JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

export const MAX_LINE_BYTES = 8 * 1024 * 1024;

export interface LineTransportOptions {
  /** longest accepted line (bytes, without the newline); default 8 MiB */
  maxLineBytes?: number;
  /** bytes already read from the input before the transport took over (e.g. after a handshake line) */
  initial?: Buffer;
  /** end/destroy the streams on close(); default true */
  closeStreams?: boolean;
}

export class LineTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  sessionId?: string;

  private readonly input: Readable;
  private readonly output: Writable;
  private readonly maxLine: number;
  private readonly closeStreams: boolean;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private started = false;
  private closed = false;
  private initial?: Buffer;
  private readonly listeners: Array<[Readable | Writable, string, (...a: never[]) => void]> = [];

  /** `input` alone when it is a Duplex (a socket); `input` + `output` for a stdio pair. */
  constructor(input: Readable, output?: Writable, opts: LineTransportOptions = {}) {
    this.input = input;
    this.output = output ?? (input as unknown as Writable);
    this.maxLine = opts.maxLineBytes ?? MAX_LINE_BYTES;
    this.closeStreams = opts.closeStreams ?? true;
    this.initial = opts.initial?.length ? opts.initial : undefined;
  }

  private on(stream: Readable | Writable, ev: string, fn: (...a: never[]) => void): void {
    stream.on(ev, fn as (...a: unknown[]) => void);
    this.listeners.push([stream, ev, fn]);
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('LineTransport already started');
    if (this.closed) throw new Error('LineTransport is closed');
    this.started = true;
    this.on(this.input, 'data', ((chunk: Buffer | string) => this.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)) as never);
    this.on(this.input, 'end', (() => void this.close()) as never);
    this.on(this.input, 'close', (() => void this.close()) as never);
    this.on(this.input, 'error', ((e: Error) => this.fail(e)) as never);
    if (this.output !== (this.input as unknown)) {
      this.on(this.output, 'error', ((e: Error) => this.fail(e)) as never);
      this.on(this.output, 'close', (() => void this.close()) as never);
    }
    const init = this.initial;
    this.initial = undefined;
    if (init) this.push(init);
    if (this.input.isPaused()) this.input.resume();
  }

  private fail(e: Error): void {
    if (this.closed) return;
    this.onerror?.(e);
    void this.close();
  }

  private push(chunk: Buffer): void {
    if (this.closed) return;
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl === -1) break;
      const piece = chunk.subarray(start, nl);
      start = nl + 1;
      let line: Buffer;
      if (this.pendingBytes) {
        if (this.pendingBytes + piece.length > this.maxLine) return this.tooLong();
        this.pending.push(piece);
        line = Buffer.concat(this.pending, this.pendingBytes + piece.length);
        this.pending = [];
        this.pendingBytes = 0;
      } else {
        if (piece.length > this.maxLine) return this.tooLong();
        line = piece;
      }
      this.deliver(line);
      if (this.closed) return;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      if (this.pendingBytes + rest.length > this.maxLine) return this.tooLong();
      // copy: the caller may reuse its buffer
      this.pending.push(Buffer.from(rest));
      this.pendingBytes += rest.length;
    }
  }

  private tooLong(): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.fail(new Error(`a JSON-RPC line is longer than ${this.maxLine} bytes; closing the connection`));
  }

  private deliver(raw: Buffer): void {
    let text = raw.toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (!text.trim()) return;
    let msg: JSONRPCMessage;
    try {
      msg = JSONRPCMessageSchema.parse(JSON.parse(text));
    } catch (e) {
      this.onerror?.(new Error(`ignoring a line that is not a JSON-RPC message: ${(e as Error).message.slice(0, 200)}`));
      return;
    }
    try {
      this.onmessage?.(msg);
    } catch (e) {
      this.onerror?.(e as Error);
    }
  }

  send(message: JSONRPCMessage, _options?: TransportSendOptions): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.closed || this.output.destroyed || !this.output.writable) return reject(new Error('Not connected'));
      const data = JSON.stringify(message) + '\n';
      try {
        if (this.output.write(data)) resolve();
        else {
          const done = (): void => {
            this.output.off('drain', done);
            this.output.off('close', done);
            resolve();
          };
          this.output.once('drain', done);
          this.output.once('close', done);
        }
      } catch (e) {
        reject(e as Error);
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const [s, ev, fn] of this.listeners) s.off(ev, fn as (...a: unknown[]) => void);
    this.listeners.length = 0;
    // keep a no-op error listener: a late EPIPE after close must not crash the process
    const swallow = (): void => {
      // nothing to do: the transport is closed and the error has no one left to tell
    };
    this.input.on('error', swallow);
    this.output.on('error', swallow);
    this.pending = [];
    this.pendingBytes = 0;
    if (this.closeStreams) {
      try {
        if (this.output === (this.input as unknown)) {
          (this.output as Writable).end();
          const d = this.output as Writable;
          // a socket whose peer never closes: destroy after a grace period
          setTimeout(() => d.destroy(), 1000).unref();
        } else {
          this.output.end();
          this.input.destroy();
        }
      } catch {
        /* already gone */
      }
    }
    this.onclose?.();
  }
}
