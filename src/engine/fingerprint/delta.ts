/**
 * Persistence: what one add() did to an index, written as a flat list of operations (keyed hashes
 * and labels only, never text) that FingerprintIndex.replay() applies again after a restart.
 */

// Delta operations. Tokens and lines come in runs: one header (op, count) and 3 numbers each.
export const OP_TOKENS = 1; // count, then per token: key, anchor (-1: none), n + kind * 512 + label * 4096
export const OP_KGRAMS = 2; // count, then the hashes
export const OP_LINES = 3; // count, then per line: key, anchor, len
export const OP_SECRET = 4; // id, label, n, count, then count (hash, offset) pairs
export const OP_PRECIOUS = 5;
export const OP_BINARY = 6; // key: the identity of a binary content (images, PDFs …)

/**
 * What one add() did to an index, as keyed hashes and labels only (never text): a flat list of
 * operations that replay() applies again, in the same order. About 8 bytes per k-gram and 24 per
 * token or line.
 */
export interface IndexDelta {
  ops: Float64Array;
  labels: string[];
}

export class DeltaWriter {
  private buf: Float64Array;
  private n = 0;
  /** index of the count of the run being written (tokens or lines) */
  private runAt = -1;
  private runOp = 0;
  private readonly labels: string[] = [];
  private readonly labelAt = new Map<string, number>();
  constructor(sizeHint: number) {
    this.buf = new Float64Array(Math.max(256, Math.min(sizeHint, 1 << 17)));
  }
  private room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.n + k) cap *= 2;
    const b = new Float64Array(cap);
    b.set(this.buf.subarray(0, this.n));
    this.buf = b;
  }
  private label(s: string): number {
    let i = this.labelAt.get(s);
    if (i === undefined) {
      i = this.labels.length;
      this.labels.push(s);
      this.labelAt.set(s, i);
    }
    return i;
  }
  /** Continue the run of `op` (or start one), with room for `k` more numbers. */
  private run(op: number, k: number): void {
    if (this.runOp !== op) {
      this.room(2 + k);
      this.buf[this.n++] = op;
      this.runAt = this.n;
      this.buf[this.n++] = 0;
      this.runOp = op;
    } else this.room(k);
    this.buf[this.runAt] = (this.buf[this.runAt] as number) + 1;
  }
  binary(key: number): void {
    this.room(2);
    this.buf[this.n++] = OP_BINARY;
    this.buf[this.n++] = key;
    this.runOp = 0;
  }
  precious(): void {
    this.room(1);
    this.buf[this.n++] = OP_PRECIOUS;
    this.runOp = 0;
  }
  token(key: number, n: number, anchor: number, kind: number, label: string): void {
    const l = this.label(label);
    this.run(OP_TOKENS, 3);
    const b = this.buf;
    b[this.n] = key;
    b[this.n + 1] = anchor;
    b[this.n + 2] = n + kind * 512 + l * 4096;
    this.n += 3;
  }
  kgrams(src: Float64Array, m: number): void {
    if (m === 0) return;
    this.room(2 + m);
    this.buf[this.n++] = OP_KGRAMS;
    this.buf[this.n++] = m;
    this.buf.set(src.subarray(0, m), this.n);
    this.n += m;
    this.runOp = 0;
  }
  line(key: number, len: number, anchor: number): void {
    this.run(OP_LINES, 3);
    const b = this.buf;
    b[this.n] = key;
    b[this.n + 1] = anchor;
    b[this.n + 2] = len;
    this.n += 3;
  }
  secret(id: number, label: string, n: number, windows: Float64Array): void {
    const l = this.label(label);
    this.room(5 + windows.length);
    const b = this.buf;
    b[this.n++] = OP_SECRET;
    b[this.n++] = id;
    b[this.n++] = l;
    b[this.n++] = n;
    b[this.n++] = windows.length / 2;
    b.set(windows, this.n);
    this.n += windows.length;
    this.runOp = 0;
  }
  /** The delta (a view on the writer's buffer: the writer is not used after this). */
  finish(): IndexDelta {
    return { ops: this.buf.subarray(0, this.n), labels: this.labels };
  }
}
