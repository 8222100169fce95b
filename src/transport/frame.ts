/**
 * Transport framing: each message is a 4-byte big-endian length followed by a msgpack payload.
 * Frames are bounded; a decoder that sees an oversized or garbled frame reports it and stops.
 */
import { Packr } from 'msgpackr';
import { ErrorCode, GuardError } from '../errors.ts';

export const MAX_FRAME = 32 * 1024 * 1024;

const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });

export function encodeFrame(value: unknown): Buffer {
  const body = packr.pack(value);
  if (body.length > MAX_FRAME) throw new FrameError(`message of ${body.length} bytes exceeds the ${MAX_FRAME}-byte frame limit`);
  const out = Buffer.allocUnsafe(4 + body.length);
  out.writeUInt32BE(body.length, 0);
  body.copy(out, 4);
  return out;
}

export function decodePayload(buf: Buffer): unknown {
  return packr.unpack(buf);
}

export class FrameError extends GuardError {
  constructor(message: string) {
    super(ErrorCode.BadFrame, message);
  }
}

/** Accumulates socket chunks; yields complete payloads. */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly maxFrame = MAX_FRAME) {}

  /** Returns the payloads completed by this chunk. Throws FrameError on an oversized frame. */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: Buffer[] = [];
    while (this.buffered >= 4) {
      const head = this.peek(4);
      const len = head.readUInt32BE(0);
      if (len > this.maxFrame) throw new FrameError(`frame of ${len} bytes exceeds the ${this.maxFrame}-byte limit`);
      if (this.buffered < 4 + len) break;
      const all = this.take(4 + len);
      out.push(all.subarray(4));
    }
    return out;
  }

  get pending(): number {
    return this.buffered;
  }

  private peek(n: number): Buffer {
    if ((this.chunks[0] as Buffer).length >= n) return this.chunks[0] as Buffer;
    const b = Buffer.concat(this.chunks);
    this.chunks = [b];
    return b;
  }

  private take(n: number): Buffer {
    const b = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    const out = b.subarray(0, n);
    const rest = b.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.buffered -= n;
    return out;
  }
}
