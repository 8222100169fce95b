/**
 * One keyed polynomial hash (two 32-bit lanes folded into 53 bits) over normalised text: prefix
 * hashes give any window in O(1); k-grams are every window, winnowed (Schleimer et al., 2003) or
 * sampled by hash.
 */
import { ANCHOR, FRAGMENT_MAX_SECRET, K, W } from './constants.ts';
import { CODES, DQ, HS, NORM, NORM_TODO, NORM_WS, P1, P2, SEL, ensure, normSlow } from './normalize.ts';

const B1 = 0x01000193;
const B2 = 0x5bd1e995;
const TWO21 = 2097152;

export class Hasher {
  readonly s1: number;
  readonly s2: number;
  /** B1^len, B2^len (mod 2^32), for len up to the longest window used so far */
  private pw1 = new Int32Array(1);
  private pw2 = new Int32Array(1);

  constructor(seed: number) {
    this.s1 = seed & 0xffff;
    this.s2 = (seed >>> 16) & 0xffff;
    this.pw1[0] = 1;
    this.pw2[0] = 1;
    this.powersUpTo(FRAGMENT_MAX_SECRET + 1);
  }

  private powersUpTo(len: number): void {
    if (this.pw1.length > len) return;
    const a = new Int32Array(len + 1);
    const b = new Int32Array(len + 1);
    a[0] = 1;
    b[0] = 1;
    for (let i = 1; i <= len; i++) {
      a[i] = Math.imul(a[i - 1] as number, B1);
      b[i] = Math.imul(b[i - 1] as number, B2);
    }
    this.pw1 = a;
    this.pw2 = b;
  }

  /** Hash of a whole (already normalised) string; equals the hash of the same window anywhere. */
  hash(s: string): number {
    let h1 = 0;
    let h2 = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      h1 = (Math.imul(h1, B1) + (c ^ this.s1)) | 0;
      h2 = (Math.imul(h2, B2) + (c ^ this.s2)) | 0;
    }
    return (h1 >>> 0) * TWO21 + ((h2 >>> 0) & 0x1fffff);
  }

  /** Prefix hashes of CODES[0..n) into P1/P2 (P[0] = 0). */
  prefix(n: number): void {
    // CODES holds n codes already (not reallocated): this grows P1/P2 if normalising grew only the codes
    ensure(n);
    const codes = CODES;
    const p1 = P1;
    const p2 = P2;
    const s1 = this.s1;
    const s2 = this.s2;
    let h1 = 0;
    let h2 = 0;
    p1[0] = 0;
    p2[0] = 0;
    for (let i = 0; i < n; i++) {
      const c = codes[i] as number;
      h1 = (Math.imul(h1, B1) + (c ^ s1)) | 0;
      h2 = (Math.imul(h2, B2) + (c ^ s2)) | 0;
      p1[i + 1] = h1;
      p2[i + 1] = h2;
    }
  }

  /** hash and anchor of the last rawSpan() */
  spanHash = 0;
  spanAnchor = 0;

  /**
   * Normalise raw[a, b) as normSmall would and hash it as hashCodes(0, len) would: the hash in
   * `spanHash`, the hash of its first ANCHOR chars in `spanAnchor`. Returns the normalised length.
   */
  rawSpan(raw: Uint16Array, a: number, b: number): number {
    let h1 = 0;
    let h2 = 0;
    let n = 0;
    const s1 = this.s1;
    const s2 = this.s2;
    const norm = NORM;
    for (let i = a; i < b; i++) {
      const c = raw[i] as number;
      let m = norm[c] as number;
      if (m === NORM_TODO) m = normSlow(c);
      if (m === NORM_WS) continue;
      h1 = (Math.imul(h1, B1) + (m ^ s1)) | 0;
      h2 = (Math.imul(h2, B2) + (m ^ s2)) | 0;
      if (++n === ANCHOR) this.spanAnchor = (h1 >>> 0) * TWO21 + ((h2 >>> 0) & 0x1fffff);
    }
    this.spanHash = (h1 >>> 0) * TWO21 + ((h2 >>> 0) & 0x1fffff);
    return n;
  }

  /** Hash of CODES[start, start+len), computed directly. */
  hashCodes(start: number, len: number): number {
    let h1 = 0;
    let h2 = 0;
    const codes = CODES;
    for (let i = start; i < start + len; i++) {
      const c = codes[i] as number;
      h1 = (Math.imul(h1, B1) + (c ^ this.s1)) | 0;
      h2 = (Math.imul(h2, B2) + (c ^ this.s2)) | 0;
    }
    return (h1 >>> 0) * TWO21 + ((h2 >>> 0) & 0x1fffff);
  }

  /** Hashes of every window CODES[i, i+len) into out[i] (prefix hashes computed); returns how many. */
  windows(n: number, len: number, out: Float64Array): number {
    const m = n - len + 1;
    if (m <= 0) return 0;
    if (len >= this.pw1.length) this.powersUpTo(len * 2);
    const pw1 = this.pw1[len] as number;
    const pw2 = this.pw2[len] as number;
    const p1 = P1;
    const p2 = P2;
    for (let i = 0; i < m; i++) {
      const h1 = ((p1[i + len] as number) - Math.imul(p1[i] as number, pw1)) | 0;
      const h2 = ((p2[i + len] as number) - Math.imul(p2[i] as number, pw2)) | 0;
      out[i] = (h1 >>> 0) * TWO21 + ((h2 >>> 0) & 0x1fffff);
    }
    return m;
  }

  /** Hash of CODES[i, i+len) from the prefix hashes (call prefix() first). */
  at(i: number, len: number): number {
    if (len >= this.pw1.length) this.powersUpTo(len * 2);
    const h1 = ((P1[i + len] as number) - Math.imul(P1[i] as number, this.pw1[len] as number)) | 0;
    const h2 = ((P2[i + len] as number) - Math.imul(P2[i] as number, this.pw2[len] as number)) | 0;
    return (h1 >>> 0) * TWO21 + ((h2 >>> 0) & 0x1fffff);
  }

  /** Calls cb(hash, start) for every window of `len` chars of the (normalised) string s. */
  roll(s: string, len: number, cb: (h: number, start: number) => void): void {
    if (s.length < len) return;
    ensure(s.length);
    for (let i = 0; i < s.length; i++) CODES[i] = s.charCodeAt(i);
    this.prefix(s.length);
    for (let i = 0; i + len <= s.length; i++) cb(this.at(i, len), i);
  }

  /**
   * kgrams' sampled selection (`sampleMask` >= 0) of the windows of `codes`[0, n) that start in
   * [from, to), appended to `out`: the same hashes in the same order as kgrams over the whole (each
   * window's hash depends on its K codes alone), so a long text is hashed piece by piece.
   */
  kgramsSampledRange(codes: Uint16Array, n: number, from: number, to: number, sampleMask: number, out: number[]): void {
    const end = Math.min(to, n - K + 1);
    if (from >= end) return;
    const pw1 = this.pw1[K] as number;
    const pw2 = this.pw2[K] as number;
    const s1 = this.s1;
    const s2 = this.s2;
    let h1 = 0;
    let h2 = 0;
    for (let i = from; i < from + K; i++) {
      const c = codes[i] as number;
      h1 = (Math.imul(h1, B1) + (c ^ s1)) | 0;
      h2 = (Math.imul(h2, B2) + (c ^ s2)) | 0;
    }
    for (let i = from; ; i++) {
      if ((h1 & sampleMask) === 0) out.push((h1 >>> 0) * TWO21 + ((h2 >>> 0) & 0x1fffff));
      if (i + 1 >= end) break;
      const c = codes[i + K] as number;
      const o = codes[i] as number;
      h1 = (Math.imul(h1, B1) + (c ^ s1) - Math.imul(pw1, o ^ s1)) | 0;
      h2 = (Math.imul(h2, B2) + (c ^ s2) - Math.imul(pw2, o ^ s2)) | 0;
    }
  }

  /**
   * Fingerprints of CODES[0, n) (prefix hashes computed) into SEL; returns how many.
   *  - `sampleMask` < 0, `dense`: every K-gram.
   *  - `sampleMask` < 0: winnowing (rightmost minimum of each window of W k-grams, each selected
   *    position once): any shared run of K+W-1 chars shares a fingerprint.
   *  - `sampleMask` >= 0: the k-grams whose hash has those bits clear (1 in mask+1), for very large
   *    texts: no per-position comparisons, so recording stays fast; a shared run of L chars is
   *    missed with probability (1 - 1/(mask+1))^(L-K+1).
   */
  kgrams(n: number, dense: boolean, sampleMask = -1): number {
    const m = n - K + 1;
    if (m <= 0) return 0;
    // the window buffers (HS, DQ, SEL) for n codes; CODES holds them already (normRecord grows only the codes' buffers)
    ensure(n);
    // rolling hash over CODES (no prefix arrays needed when recording)
    const pw1 = this.pw1[K] as number;
    const pw2 = this.pw2[K] as number;
    const s1 = this.s1;
    const s2 = this.s2;
    const codes = CODES;
    const sel = SEL;
    let h1 = 0;
    let h2 = 0;
    for (let i = 0; i < K; i++) {
      const c = codes[i] as number;
      h1 = (Math.imul(h1, B1) + (c ^ s1)) | 0;
      h2 = (Math.imul(h2, B2) + (c ^ s2)) | 0;
    }
    if (sampleMask >= 0) {
      let out = 0;
      for (let i = 0; ; i++) {
        if ((h1 & sampleMask) === 0) sel[out++] = (h1 >>> 0) * TWO21 + ((h2 >>> 0) & 0x1fffff);
        if (i + 1 >= m) break;
        const c = codes[i + K] as number;
        const o = codes[i] as number;
        h1 = (Math.imul(h1, B1) + (c ^ s1) - Math.imul(pw1, o ^ s1)) | 0;
        h2 = (Math.imul(h2, B2) + (c ^ s2) - Math.imul(pw2, o ^ s2)) | 0;
      }
      return out;
    }
    const hs = dense ? sel : HS;
    for (let i = 0; ; i++) {
      hs[i] = (h1 >>> 0) * TWO21 + ((h2 >>> 0) & 0x1fffff);
      if (i + 1 >= m) break;
      const c = codes[i + K] as number;
      const o = codes[i] as number;
      h1 = (Math.imul(h1, B1) + (c ^ s1) - Math.imul(pw1, o ^ s1)) | 0;
      h2 = (Math.imul(h2, B2) + (c ^ s2) - Math.imul(pw2, o ^ s2)) | 0;
    }
    if (dense) return m;
    if (m <= W) {
      let best = 0;
      for (let i = 1; i < m; i++) if ((hs[i] as number) <= (hs[best] as number)) best = i;
      sel[0] = hs[best] as number;
      return 1;
    }
    // sliding-window minimum with a deque of indices (rightmost minimum wins ties)
    const dq = DQ;
    let head = 0;
    let tail = 0;
    let last = -1;
    let out = 0;
    for (let i = 0; i < m; i++) {
      const h = hs[i] as number;
      while (tail > head && (hs[dq[tail - 1] as number] as number) >= h) tail--;
      dq[tail++] = i;
      if ((dq[head] as number) <= i - W) head++;
      if (i >= W - 1) {
        const b = dq[head] as number;
        if (b !== last) {
          sel[out++] = hs[b] as number;
          last = b;
        }
      }
    }
    return out;
  }

  /** Winnowed K-gram fingerprints of a normalised string (compatibility helper). */
  winnow(s: string, cb: (h: number) => void): void {
    ensure(s.length);
    for (let i = 0; i < s.length; i++) CODES[i] = s.charCodeAt(i);
    this.prefix(s.length);
    const m = this.kgrams(s.length, false);
    for (let i = 0; i < m; i++) cb(SEL[i] as number);
  }
}
