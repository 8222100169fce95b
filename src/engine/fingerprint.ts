/**
 * Fingerprint: content fingerprints of what internal tools returned, and matching of what a tool
 * is about to send against them. Pure, in-memory; only 53-bit keyed hashes are kept, never text.
 *
 * All fingerprints are over normalised text (each char lower-cased on its own, whitespace removed)
 * and use one keyed polynomial hash, so any window of an outgoing text can be looked up in O(1)
 * from prefix hashes:
 *  - k-grams: K-char windows. Small origins (≤ DENSE_MAX chars: .env files, keys, configs, short
 *    documents) keep EVERY k-gram, so any shared run of K chars is found (a small file sent a line
 *    at a time is seen). Up to WINNOW_MAX chars they are winnowed (Schleimer et al., "Winnowing",
 *    2003): any shared run of K+W-1 chars is guaranteed to share a fingerprint, wherever it is
 *    embedded. Larger outputs are sampled by hash (1 in 2^b k-grams, b chosen so that one origin
 *    takes at most half of the session's budget): recording stays fast and a 1 MB log cannot evict
 *    everything read before it, at the price of a probabilistic match for short shared runs of
 *    such outputs (a run of L chars is missed with probability (1 - 2^-b)^(L-K+1)).
 *  - tokens: whole short high-value strings (secret values found by the detector, e-mail addresses,
 *    card-like numbers, high-entropy tokens) and whole short lines, matched exactly. Each token is
 *    reached through its first ANCHOR chars (one table lookup per position of the outgoing text,
 *    then a check of the few tokens sharing that anchor), so the cost does not grow with the number
 *    of distinct token lengths.
 *  - secret fragments: every FRAG-char window of each high-entropy secret and card number, mapped
 *    to (secret, offset), so that a secret sent in pieces over several calls can be added up by the
 *    caller.
 */

import { longRuns, rawCodesReader } from './raw-codes.ts';

export { structuredValues, fieldCategory, validIban } from './fingerprint/structured.ts';

export const K = 24; // k-gram length (normalised chars)
export const W = 8; // winnowing window (k-grams); guarantee threshold K + W - 1 = 31
export const MIN_TOKEN = 8; // shortest token / line we keep (secrets: 6)
export const MAX_TOKEN = 256;
/** token anchor length */
export const ANCHOR = 8;
/** secret-fragment window length */
export const FRAG = 6;
/** origins with at most this many chars keep every k-gram (not only the winnowed ones) */
export const DENSE_MAX = 8192;
/** origins with more chars than this are sampled (1 k-gram in 2^b by hash) instead of winnowed */
export const WINNOW_MAX = 65536;
/** secrets shorter than this (normalised) or with less entropy per char are not indexed as fragments */
export const FRAGMENT_MIN_SECRET = 16;
export const FRAGMENT_MIN_ENTROPY = 3.0;
/** longest secret indexed as fragments, and fragment windows kept per index */
const FRAGMENT_MAX_SECRET = 4096;
const FRAGMENT_MAX_WINDOWS = 65536;
const FRAGMENT_MAX_SECRETS = 1024;
/** tokens sharing one anchor: beyond this, more `line` (or distinctive) tokens with that anchor are not kept */
const MAX_LINES_PER_ANCHOR = 8;
const MAX_TOKENS_PER_ANCHOR = 64;

const B1 = 0x01000193;
const B2 = 0x5bd1e995;
const TWO21 = 2097152;

export type TokenKind = 'secret' | 'card' | 'email' | 'token' | 'line';

// ------------------------------------------------------------------------------------- normalisation

/**
 * NORM[c]: the normalised code of char c: its own lower case (per char, so lengths never change),
 * NORM_WS for JavaScript's `\s` (dropped), NORM_TODO for a char not looked at yet (filled lazily).
 */
const NORM_WS = 0xfffe;
const NORM_TODO = 0xffff;
const NORM = new Uint16Array(65536).fill(NORM_TODO);
function normSlow(c: number): number {
  let m: number;
  // JavaScript's \s, and the two noncharacters used as markers here
  if (c === 9 || c === 10 || c === 11 || c === 12 || c === 13 || c === 32 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff || c >= 0xfffe) {
    m = NORM_WS;
  } else {
    const l = String.fromCharCode(c).toLowerCase();
    m = l.length === 1 ? l.charCodeAt(0) : c;
  }
  NORM[c] = m;
  return m;
}
for (let c = 0; c < 256; c++) normSlow(c);

// Reused scratch buffers (the sidecar is single-threaded): no allocation per text.
let CODES = new Uint16Array(1 << 14);
let P1 = new Int32Array((1 << 14) + 1);
let P2 = new Int32Array((1 << 14) + 1);
let EXCL = new Uint8Array(1 << 14);
let HS = new Float64Array(1 << 14);
let DQ = new Int32Array(1 << 14);
let MARK = new Uint8Array(1 << 14);
let SEL = new Float64Array(1 << 14);
let LINEBUF = new Int32Array(1 << 14);

function ensure(n: number): void {
  if (CODES.length >= n) return;
  let cap = CODES.length;
  while (cap < n) cap *= 2;
  CODES = new Uint16Array(cap);
  P1 = new Int32Array(cap + 1);
  P2 = new Int32Array(cap + 1);
  EXCL = new Uint8Array(cap);
  HS = new Float64Array(cap);
  DQ = new Int32Array(cap);
  MARK = new Uint8Array(cap);
  SEL = new Float64Array(cap);
  LINEBUF = new Int32Array(cap);
}

/** The chars of a text as codes (this module's own buffer: one text at a time). */
const rawCodes = rawCodesReader();

/**
 * Normalise `s` into CODES[0..n): lower-case, whitespace dropped. LINEBUF[0..LINE_COUNT) receives
 * the normalised offset of each newline (without `exclude` only). `exclude` (sorted [start, end) ranges of `s`) marks EXCL.
 * `raw` (optional): rawCodes(s), when the caller already has it.
 */
let LINE_COUNT = 0;
function normInto(s: string, exclude?: ReadonlyArray<readonly [number, number]>, raw?: Uint8Array | Uint16Array): number {
  const len = s.length;
  ensure(len);
  const src = raw ?? rawCodes(s);
  const codes = CODES;
  const norm = NORM;
  let n = 0;
  if (!exclude || exclude.length === 0) {
    // branch-free: whitespace is stored and then overwritten (n does not advance); line ends are
    // stored at every char and kept only after a newline
    const lb = LINEBUF;
    let ln = 0;
    for (let i = 0; i < len; i++) {
      const c = src[i] as number;
      let m = norm[c] as number;
      if (m === NORM_TODO) m = normSlow(c);
      codes[n] = m;
      lb[ln] = n;
      ln += +(c === 10);
      n += +(m !== NORM_WS);
    }
    EXCL.fill(0, 0, n);
    LINE_COUNT = ln;
  } else {
    LINE_COUNT = 0;
    let xi = 0;
    for (let i = 0; i < len; i++) {
      const c = src[i] as number;
      let m = norm[c] as number;
      if (m >= NORM_WS) {
        if (m === NORM_TODO) m = normSlow(c);
        if (m === NORM_WS) continue;
      }
      while (xi < exclude.length && (exclude[xi] as readonly [number, number])[1] <= i) xi++;
      const r = exclude[xi];
      EXCL[n] = r !== undefined && r[0] <= i ? 1 : 0;
      codes[n++] = m;
    }
  }
  return n;
}

/** 1 for token chars [A-Za-z0-9_+/=-], for card chars [0-9 -] (indexed by char code). */
const TOKC = new Uint8Array(65536);
const CARDC = new Uint8Array(65536);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  TOKC[c] = /[A-Za-z0-9_+/=-]/.test(ch) ? 1 : 0;
  CARDC[c] = /[0-9 -]/.test(ch) ? 1 : 0;
}
/** (start, end) of the runs of token chars at least 16 long (CAND_T), of card chars at least 13 (CAND_C) */
let CAND_T = new Int32Array(1 << 12);
let CAND_C = new Int32Array(1 << 12);
let NCAND_T = 0;
let NCAND_C = 0;

/**
 * normInto for recording: one pass for CODES and the line ends, then two skipping scans of the raw
 * chars for runs of token chars at least 16 long (CAND_T) and of card chars at least 13 (CAND_C):
 * distinctive tokens are looked for only there.
 */
function normRecord(s: string, raw: Uint8Array | Uint16Array): number {
  const len = s.length;
  ensure(len);
  if (CAND_T.length < 2 * ((len >> 4) + 2)) CAND_T = new Int32Array(2 * ((len >> 4) + 2));
  if (CAND_C.length < 2 * ((len >> 3) + 2)) CAND_C = new Int32Array(2 * ((len >> 3) + 2));
  const codes = CODES;
  const norm = NORM;
  const lb = LINEBUF;
  let n = 0;
  let ln = 0;
  for (let i = 0; i < len; i++) {
    const c = raw[i] as number;
    let m = norm[c] as number;
    if (m === NORM_TODO) m = normSlow(c);
    codes[n] = m;
    if (c === 10) lb[ln++] = n;
    n += +(m !== NORM_WS);
  }
  EXCL.fill(0, 0, n);
  LINE_COUNT = ln;
  NCAND_T = longRuns(raw, len, TOKC, 16, CAND_T);
  NCAND_C = longRuns(raw, len, CARDC, 13, CAND_C);
  return n;
}

/** normInto for a short string (a token): straight from charCodeAt into CODES. */
function normSmall(s: string): number {
  ensure(s.length);
  const codes = CODES;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let m = NORM[c] as number;
    if (m === NORM_TODO) m = normSlow(c);
    if (m !== NORM_WS) codes[n++] = m;
  }
  return n;
}

/** Lower-case and drop whitespace, so that re-wrapping, indentation and case changes do not hide reuse. */
export function normalize(s: string): string {
  const n = normInto(s);
  let out = '';
  for (let i = 0; i < n; i += 8192) out += String.fromCharCode(...CODES.subarray(i, Math.min(n, i + 8192)));
  return out;
}

// ------------------------------------------------------------------------------------- hashing

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
  rawSpan(raw: Uint8Array | Uint16Array, a: number, b: number): number {
    let h1 = 0;
    let h2 = 0;
    let n = 0;
    const s1 = this.s1;
    const s2 = this.s2;
    for (let i = a; i < b; i++) {
      const c = raw[i] as number;
      let m = NORM[c] as number;
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

// ------------------------------------------------------------------------------------- leaves

/** Every string leaf of a JSON value (object keys excluded), depth- and size-bounded. */
export function stringLeaves(value: unknown, maxChars = 1_000_000, maxDepth = 100_000): string[] {
  // Iterative (no recursion limit), object keys included: data can hide in a key, or 40 levels down.
  const out: string[] = [];
  let budget = maxChars;
  const push = (s: string): void => {
    const t = s.length > budget ? s.slice(0, budget) : s;
    budget -= t.length;
    if (t.length > 0) out.push(t);
  };
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0 && budget > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (depth > maxDepth) continue;
    if (typeof v === 'string') push(v);
    else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], depth + 1]);
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, x] = entries[i] as [string, unknown];
        stack.push([x, depth + 1]);
        // keys are names, mostly short; long ones are data (a key can carry a secret)
        if (k.length >= 16) stack.push([k, depth + 1]);
      }
    } else if (typeof v === 'number' && Number.isFinite(v) && Math.abs(v) >= 1e7) {
      // long numbers (account ids, card-like numbers) are data too
      push(String(v));
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------- distinctive tokens

/** A token worth matching exactly: found by the caller (detector) or by the built-in extractors below. */
export interface TokenSpec {
  value: string;
  kind: TokenKind;
  label: string;
}

// char classes for the token scanners
const C_TOKEN = 1; // [A-Za-z0-9_+/=-]
const C_LOCAL = 2; // e-mail local part [A-Za-z0-9._%+-]
const C_DOMAIN = 4; // [A-Za-z0-9.-]
const C_DIGIT = 8;
const CLS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  const alnum = /[A-Za-z0-9]/.test(ch);
  CLS[c] = (alnum || '_+/=-'.includes(ch) ? C_TOKEN : 0) | (alnum || '._%+-'.includes(ch) ? C_LOCAL : 0) | (alnum || '.-'.includes(ch) ? C_DOMAIN : 0) | (c >= 48 && c <= 57 ? C_DIGIT : 0);
}
const cls = (c: number): number => (c < 128 ? (CLS[c] as number) : 0);
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isAlpha = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

function luhn(d: string): boolean {
  let sum = 0;
  let alt = false;
  for (let i = d.length - 1; i >= 0; i--) {
    let n = d.charCodeAt(i) - 48;
    if (alt) {
      n *= 2;
      if (n > 9) n -= 9;
    }
    sum += n;
    alt = !alt;
  }
  return sum % 10 === 0;
}

const FREQ = new Int32Array(65536);
/** Shannon entropy (bits per char) of s[from, to). */
function entropyOf(s: string, from = 0, to = s.length): number {
  const n = to - from;
  if (n <= 0) return 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    FREQ[c] = (FREQ[c] as number) + 1;
  }
  let e = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    const f = FREQ[c] as number;
    if (f > 0) {
      const p = f / n;
      e -= p * Math.log2(p);
      FREQ[c] = 0;
    }
  }
  return e;
}

/**
 * A URL or file path rather than a random string: two or more segments between slashes that are
 * lower-case words (`path=/api/merge/123`, `node_modules/left-pad/index9.js`); random base64 almost never
 * has those (the detector's high-entropy rule draws the same line).
 */
function pathLike(raw: Uint8Array | Uint16Array, a: number, b: number): boolean {
  let wordy = 0;
  let ok = true; // segment so far: [a-z0-9._-], not starting with . _ -
  let pair = false; // two lower-case letters in a row
  let prevLower = false;
  let start = true;
  for (let i = a; i <= b; i++) {
    const c = i < b ? (raw[i] as number) : 47;
    if (c === 47) {
      if (!start && ok && pair && ++wordy >= 2) return true;
      ok = true;
      pair = false;
      prevLower = false;
      start = true;
      continue;
    }
    const lower = c >= 97 && c <= 122;
    if (lower) {
      if (prevLower) pair = true;
    } else if (!(isDigit(c) || (!start && (c === 46 || c === 95 || c === 45)))) ok = false;
    prevLower = lower;
    start = false;
  }
  return false;
}

/** High-entropy candidate token raw[a, b) (a run of token chars, at most MAX_TOKEN long)? */
function highToken(raw: Uint8Array | Uint16Array, a: number, b: number): boolean {
  let digit = false;
  let alpha = false;
  let nonHex = false;
  // identifiers like some_name2: /^[A-Za-z_]+[0-9]*$/
  let ident = true;
  let inDigits = false;
  for (let i = a; i < b; i++) {
    const c = raw[i] as number;
    if (isDigit(c)) {
      digit = true;
      inDigits = true;
      if (i === a) ident = false;
    } else {
      if (isAlpha(c)) {
        alpha = true;
        if (!((c >= 97 && c <= 102) || (c >= 65 && c <= 70))) nonHex = true;
      } else nonHex = true;
      if (inDigits || !(isAlpha(c) || c === 95)) ident = false;
    }
  }
  if (!nonHex) return false; // commit ids and digests are passed around in ordinary work
  if (!digit || !alpha) return false; // (this also keeps paths without digits out)
  if (ident) return false;
  if (pathLike(raw, a, b)) return false;
  // Shannon entropy >= 3.5 bits per char
  const n = b - a;
  for (let i = a; i < b; i++) {
    const c = raw[i] as number;
    FREQ[c] = (FREQ[c] as number) + 1;
  }
  let e = 0;
  for (let i = a; i < b; i++) {
    const c = raw[i] as number;
    const f = FREQ[c] as number;
    if (f > 0) {
      const p = f / n;
      e -= p * Math.log2(p);
      FREQ[c] = 0;
    }
  }
  return e >= 3.5;
}

/** Card-like number starting at raw[i] (a digit not preceded by one): 13-19 digits, single spaces or dashes between them. */
function cardAt(text: string, raw: Uint8Array | Uint16Array, i: number, n: number, out: TokenSpec[]): void {
  let j = i;
  let digits = 0;
  let sep = false;
  let lastDigitEnd = i;
  while (j < n) {
    const c = raw[j] as number;
    if (isDigit(c)) {
      digits++;
      j++;
      lastDigitEnd = j;
      if (digits > 19) return;
    } else if ((c === 32 || c === 45) && j + 1 < n && isDigit(raw[j + 1] as number) && isDigit(raw[j - 1] as number)) {
      sep = true;
      j++;
    } else break;
  }
  if (digits < 13) return;
  const s = text.slice(i, lastDigitEnd);
  const d = sep ? s.replace(/[ -]/g, '') : s;
  if (!luhn(d)) return;
  out.push({ value: d, kind: 'card', label: 'payment card number' });
  if (d !== s) out.push({ value: s, kind: 'card', label: 'payment card number' });
}

/** Spans of e-mails and random-looking identifiers found by tokenSpans(): start, end, kind (KIND_*). */
let SPANS = new Int32Array(3 * 1024);
const KIND_EMAIL = 2; // their index in KINDS
const KIND_TOKEN = 1;
const SPAN_KIND: Record<number, { kind: TokenKind; label: string }> = {
  [KIND_TOKEN]: { kind: 'token', label: 'distinctive token' },
  [KIND_EMAIL]: { kind: 'email', label: 'e-mail address' },
};

/**
 * Distinctive tokens of the text whose rawCodes are `raw`, without making strings: e-mails and
 * random-looking identifiers as spans in SPANS (returns how many), card-like numbers (rare, and
 * their value is rewritten) pushed to `cards`. Candidate runs come from normRecord(text, raw),
 * which must have run just before.
 */
function tokenSpans(text: string, raw: Uint8Array | Uint16Array, cards: TokenSpec[]): number {
  const n = text.length;
  let k = 0;
  const span = (a: number, b: number, kind: number): void => {
    if (k * 3 + 3 > SPANS.length) {
      const grown = new Int32Array(SPANS.length * 2);
      grown.set(SPANS);
      SPANS = grown;
    }
    SPANS[k * 3] = a;
    SPANS[k * 3 + 1] = b;
    SPANS[k * 3 + 2] = kind;
    k++;
  };
  // e-mail addresses: around each '@' (raw is a scratch buffer: search only its first n codes)
  const within = raw.subarray(0, n);
  for (let at = within.indexOf(64); at >= 0; at = within.indexOf(64, at + 1)) {
    let l = at;
    while (l > 0 && at - l < 64 && cls(raw[l - 1] as number) & C_LOCAL) l--;
    if (l === at) continue;
    let r = at + 1;
    while (r < n && r - at - 1 < 253 + 25 && cls(raw[r] as number) & C_DOMAIN) r++;
    // the domain must end in `.` + 2-24 letters: trim back to the last such end
    let end = r;
    for (;;) {
      while (end > at + 1 && !isAlpha(raw[end - 1] as number)) end--;
      let j = end;
      while (j > at + 1 && isAlpha(raw[j - 1] as number)) j--;
      const tld = end - j;
      if (j > at + 2 && raw[j - 1] === 46 && tld >= 2 && tld <= 24) break;
      if (j <= at + 1) {
        end = -1;
        break;
      }
      end = j - 1;
    }
    if (end > 0) span(l, end, KIND_EMAIL);
  }
  // random-looking identifiers and card-like numbers, only where normRecord saw a long enough run
  for (let c = 0; c < NCAND_T; c++) {
    const a = CAND_T[2 * c] as number;
    const b = CAND_T[2 * c + 1] as number;
    // the first label of a URL's host (`https://app-x7k2q9.vercel.app`): the address a later
    // request goes to, which names the destination, not data sent to it
    if (a > 0 && raw[a - 1] === 58 && raw[a] === 47 && raw[a + 1] === 47 && (b >= n || raw[b] === 46 || raw[b] === 58)) continue;
    // maximal run [a, b), in 256-char pieces
    for (let x = a; b - x >= 16; x += MAX_TOKEN) {
      const y = Math.min(b, x + MAX_TOKEN);
      if (y - x >= 16 && highToken(raw, x, y)) span(x, y, KIND_TOKEN);
    }
  }
  for (let c = 0; c < NCAND_C; c++) {
    const a = CAND_C[2 * c] as number;
    const b = CAND_C[2 * c + 1] as number;
    for (let i = a; i < b; i++) {
      if (isDigit(raw[i] as number) && (i === 0 || !isDigit(raw[i - 1] as number))) cardAt(text, raw, i, n, cards);
    }
  }
  return k;
}

/** Distinctive tokens of a text: e-mails, Luhn-valid card-like numbers, random-looking identifiers. */
export function distinctiveTokens(text: string): TokenSpec[] {
  const raw = rawCodes(text);
  normRecord(text, raw);
  const out: TokenSpec[] = [];
  const cards: TokenSpec[] = [];
  const m = tokenSpans(text, raw, cards);
  for (let k = 0; k < m; k++) {
    const { kind, label } = SPAN_KIND[SPANS[k * 3 + 2] as number] as { kind: TokenKind; label: string };
    out.push({ value: text.slice(SPANS[k * 3] as number, SPANS[k * 3 + 1] as number), kind, label });
  }
  return out.concat(cards);
}

// ------------------------------------------------------------------------------------- tables

/**
 * Compact open-addressing hash table: integer keys (doubles up to 2^53) -> non-negative int32
 * values, with an optional 16-bit tag. A key is kept as its low 48 bits (a 32-bit and a 16-bit
 * array): two keys that differ only above bit 48 are one key here, which at 50k entries per session
 * happens by chance about once in 5e9 lookups for a k-gram and once in 2e7 for a token (whose low 8
 * bits are its length). Linear probing from a multiplicatively mixed home slot (keys whose low bits
 * are structured, like token keys, still spread), tombstones, load factor at most 3/4: 11 bytes a
 * slot with the filter (13 with tags).
 */
const EMPTY = -1;
const TOMB = -2;
const TWO32 = 4294967296;

/** Bits 32-47 of a key (its low 32 bits are `key >>> 0`). */
const hiOf = (key: number): number => Math.floor(key / TWO32) & 0xffff;
/** Home-slot mix of a key's low 32 bits and its next 16. */
const mix = (lo: number, hi: number): number => Math.imul(lo ^ Math.imul(hi, 0x27d4eb2d), 0x9e3779b1);

export class NumTable {
  private lo: Uint32Array;
  private hi: Uint16Array;
  private vals: Int32Array; // EMPTY, TOMB or a value >= 0
  private tags: Uint16Array | null;
  private mask: number;
  private shift: number;
  /**
   * One bit per slot, set for the low bits of the mixed hash of every key ever stored since the
   * last rehash: most lookups of absent keys stop here, on a small array that stays in cache.
   */
  private filter: Uint8Array;
  size = 0;
  private filled = 0; // used + tombstones

  constructor(withTags = false, capacity = 16) {
    let cap = 16;
    while (cap * 3 < capacity * 4) cap *= 2;
    this.lo = new Uint32Array(cap);
    this.hi = new Uint16Array(cap);
    this.vals = new Int32Array(cap).fill(EMPTY);
    this.tags = withTags ? new Uint16Array(cap) : null;
    this.mask = cap - 1;
    this.shift = 32 - Math.log2(cap);
    this.filter = new Uint8Array(cap);
  }

  private slot(key: number): number {
    const klo = key >>> 0;
    const khi = hiOf(key);
    const m = mix(klo, khi);
    const f = m & (this.mask * 8 + 7);
    if (((this.filter[f >>> 3] as number) & (1 << (f & 7))) === 0) return -1;
    const lo = this.lo;
    const hi = this.hi;
    const vals = this.vals;
    const mask = this.mask;
    let i = m >>> this.shift;
    for (;;) {
      const v = vals[i] as number;
      if (v === EMPTY) return -1;
      if (v >= 0 && lo[i] === klo && hi[i] === khi) return i;
      i = (i + 1) & mask;
    }
  }

  has(key: number): boolean {
    return this.slot(key) >= 0;
  }

  /** value for key, or -1 */
  get(key: number): number {
    const i = this.slot(key);
    return i < 0 ? -1 : (this.vals[i] as number);
  }

  tag(key: number): number {
    const i = this.slot(key);
    return i < 0 || !this.tags ? -1 : (this.tags[i] as number);
  }

  /** Make room for `count` entries in all without further growth. */
  reserve(count: number): void {
    if ((this.filled + Math.max(0, count - this.size)) * 4 <= this.vals.length * 3) return;
    let cap = this.vals.length;
    while (count * 4 > cap * 3) cap *= 2;
    this.rehash(cap);
  }

  /** Insert or overwrite (val >= 0); returns the previous value or -1. */
  set(key: number, val: number, tag = 0): number {
    if ((this.filled + 1) * 4 > this.vals.length * 3) this.rehash((this.size + 1) * 2 > this.vals.length ? this.vals.length * 2 : this.vals.length);
    const klo = key >>> 0;
    const khi = hiOf(key);
    const lo = this.lo;
    const hi = this.hi;
    const vals = this.vals;
    const mask = this.mask;
    const m = mix(klo, khi);
    const f = m & (mask * 8 + 7);
    this.filter[f >>> 3] = (this.filter[f >>> 3] as number) | (1 << (f & 7));
    let i = m >>> this.shift;
    let tomb = -1;
    for (;;) {
      const v = vals[i] as number;
      if (v === EMPTY) break;
      if (v === TOMB) {
        if (tomb < 0) tomb = i;
      } else if (lo[i] === klo && hi[i] === khi) {
        vals[i] = val;
        if (this.tags) this.tags[i] = tag;
        return v;
      }
      i = (i + 1) & mask;
    }
    if (tomb >= 0) i = tomb;
    else this.filled++;
    lo[i] = klo;
    hi[i] = khi;
    vals[i] = val;
    if (this.tags) this.tags[i] = tag;
    this.size++;
    return -1;
  }

  /**
   * Insert keys[0..count) all with value `val` (no tags). Previous owners of overwritten keys are
   * counted into `lost` (owner -> count).
   */
  setMany(src: Float64Array, count: number, val: number, lost: Map<number, number>): void {
    this.reserve(this.size + count);
    const lo = this.lo;
    const hi = this.hi;
    const vals = this.vals;
    const mask = this.mask;
    const shift = this.shift;
    const filter = this.filter;
    const fmask = mask * 8 + 7;
    for (let j = 0; j < count; j++) {
      const key = src[j] as number;
      const klo = key >>> 0;
      const khi = hiOf(key);
      const mx = mix(klo, khi);
      const f = mx & fmask;
      filter[f >>> 3] = (filter[f >>> 3] as number) | (1 << (f & 7));
      let i = mx >>> shift;
      let tomb = -1;
      let v = 0;
      for (;;) {
        v = vals[i] as number;
        if (v === EMPTY) break;
        if (v === TOMB) {
          if (tomb < 0) tomb = i;
        } else if (lo[i] === klo && hi[i] === khi) break;
        i = (i + 1) & mask;
      }
      if (v >= 0) {
        if (v !== val) lost.set(v, (lost.get(v) ?? 0) + 1);
        vals[i] = val;
        continue;
      }
      if (tomb >= 0) i = tomb;
      else this.filled++;
      lo[i] = klo;
      hi[i] = khi;
      vals[i] = val;
      this.size++;
    }
  }

  /** Delete every entry whose value is `val`; returns how many. */
  deleteValue(val: number): number {
    return this.deleteWhere((v) => v === val);
  }

  /** Delete every entry whose value satisfies `pred`; returns how many. */
  deleteWhere(pred: (val: number) => boolean): number {
    let n = 0;
    for (let i = 0; i < this.vals.length; i++) {
      const v = this.vals[i] as number;
      if (v >= 0 && pred(v)) {
        this.vals[i] = TOMB;
        this.size--;
        n++;
      }
    }
    if (n > 0) {
      // rebuild the filter from the keys still present
      this.filter.fill(0);
      const fmask = this.mask * 8 + 7;
      for (let i = 0; i < this.vals.length; i++) {
        if ((this.vals[i] as number) < 0) continue;
        const f = mix(this.lo[i] as number, this.hi[i] as number) & fmask;
        this.filter[f >>> 3] = (this.filter[f >>> 3] as number) | (1 << (f & 7));
      }
    }
    return n;
  }

  /** Every entry; keys as kept (their low 48 bits). */
  forEach(cb: (key: number, val: number, tag: number) => void): void {
    for (let i = 0; i < this.vals.length; i++) {
      const v = this.vals[i] as number;
      if (v >= 0) cb((this.hi[i] as number) * TWO32 + (this.lo[i] as number), v, this.tags ? (this.tags[i] as number) : 0);
    }
  }

  private rehash(cap: number): void {
    const { lo, hi, vals, tags } = this;
    this.lo = new Uint32Array(cap);
    this.hi = new Uint16Array(cap);
    this.vals = new Int32Array(cap).fill(EMPTY);
    this.tags = tags ? new Uint16Array(cap) : null;
    this.mask = cap - 1;
    this.shift = 32 - Math.log2(cap);
    this.filter = new Uint8Array(cap);
    this.size = 0;
    this.filled = 0;
    for (let i = 0; i < vals.length; i++) {
      if ((vals[i] as number) >= 0) this.set((hi[i] as number) * TWO32 + (lo[i] as number), vals[i] as number, tags ? (tags[i] as number) : 0);
    }
  }

  bytes(): number {
    return this.vals.length * (this.tags ? 13 : 11);
  }
}

// ------------------------------------------------------------------------------------- index

/** What one origin's content matched in an outgoing text. */
export interface OriginMatch {
  originId: number;
  /** normalised chars of the outgoing text covered by matches with this origin */
  covered: number;
  /** the same, without k-gram and line matches that lie inside `softExclude` ranges */
  coveredOutside: number;
  /** labels of secret / card tokens matched */
  sensitiveLabels: string[];
  /** true if a distinctive token (e-mail, random id) matched */
  distinctive: boolean;
  /** hashes of the k-grams that matched (at most 256), to tell a new chunk from a repeated one */
  kgramHashes: number[];
}

/** Pieces of one indexed secret found in an outgoing text. */
export interface FragmentHit {
  /** index-wide id of the secret */
  secretId: number;
  originId: number;
  label: string;
  /** normalised length of the secret */
  length: number;
  /** covered [start, end) ranges of the secret, merged, sorted */
  ranges: Array<[number, number]>;
}

export interface MatchOptions {
  /**
   * Ranges [start, end) of the outgoing text (raw offsets, sorted) whose k-gram and line matches
   * do not count as coverage (e.g. the scheme://host/path of URLs); secret, card, e-mail and
   * distinctive-token matches inside them still count.
   */
  softExclude?: ReadonlyArray<readonly [number, number]>;
}

export interface MatchResult {
  origins: OriginMatch[];
  fragments: FragmentHit[];
}

const KINDS: TokenKind[] = ['line', 'token', 'email', 'card', 'secret'];
const labelIds = new Map<string, number>();
const labelNames: string[] = [];
function labelId(label: string): number {
  let id = labelIds.get(label);
  if (id === undefined) {
    id = labelNames.length;
    if (id >= 0x1fff) return 0;
    labelIds.set(label, id);
    labelNames.push(label);
  }
  return id;
}

function rank(k: TokenKind): number {
  return k === 'secret' ? 4 : k === 'card' ? 3 : k === 'token' || k === 'email' ? 2 : 1;
}

/** Token key: the hash of a token and its length folded into one 53-bit integer. */
const tokenKey = (h: number, len: number): number => (h % 35184372088832) * 256 + (len & 255);

interface SecretEntry {
  originId: number;
  label: string;
  length: number;
  alive: boolean;
}

/** Growable parallel arrays: token candidates reached through an anchor. */
class Candidates {
  key = new Float64Array(64);
  len = new Uint16Array(64);
  next = new Int32Array(64);
  kind = new Uint8Array(64);
  n = 0;
  push(key: number, len: number, next: number, kind: number): number {
    if (this.n === this.key.length) {
      const grow = <T extends Float64Array | Uint16Array | Int32Array | Uint8Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(a.length * 2);
        b.set(a);
        return b;
      };
      this.key = grow(this.key);
      this.len = grow(this.len);
      this.next = grow(this.next);
      this.kind = grow(this.kind);
    }
    const i = this.n++;
    this.key[i] = key;
    this.len[i] = len;
    this.next[i] = next;
    this.kind[i] = kind;
    return i;
  }
}

// Delta operations. Tokens and lines come in runs: one header (op, count) and 3 numbers each.
const OP_TOKENS = 1; // count, then per token: key, anchor (-1: none), n + kind * 512 + label * 4096
const OP_KGRAMS = 2; // count, then the hashes
const OP_LINES = 3; // count, then per line: key, anchor, len
const OP_SECRET = 4; // id, label, n, count, then count (hash, offset) pairs
const OP_PRECIOUS = 5;

/**
 * What one add() did to an index, as keyed hashes and labels only (never text): a flat list of
 * operations that replay() applies again, in the same order. About 8 bytes per k-gram and 24 per
 * token or line.
 */
export interface IndexDelta {
  ops: Float64Array;
  labels: string[];
}

class DeltaWriter {
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

/**
 * Per-session fingerprint index: hash -> origin. Bounded by `maxEntries` (k-grams + tokens); when
 * over, origins are evicted oldest first, origins without sensitive content before sensitive ones
 * (their fingerprints removed unless a newer origin re-used them).
 */
export class FingerprintIndex {
  private readonly kgrams = new NumTable();
  private readonly tokens = new NumTable(true); // tag = kind << 13 | label id
  /** anchor (hash of a token's first ANCHOR chars) -> head of its candidate list */
  private anchors = new NumTable();
  private cands = new Candidates();
  /** tokens shorter than ANCHOR (short secrets): length -> count; matched by one roll per length */
  private readonly shortLens = new Map<number, number>();
  /** origin id -> fingerprints it owns, in insertion (age) order */
  private readonly owned = new Map<number, number>();
  /** origins holding a secret or card token (evicted last) */
  private readonly precious = new Set<number>();
  /** secret fragments: hash of a FRAG-char window -> secretId << 12 | offset */
  private readonly frags = new NumTable();
  private readonly secrets: SecretEntry[] = [];

  constructor(
    private readonly hasher: Hasher,
    private readonly maxEntries: number,
  ) {}

  get size(): number {
    return this.kgrams.size + this.tokens.size;
  }

  get originCount(): number {
    return this.owned.size;
  }

  /** Fragment windows held (secrets sent in pieces). */
  get fragmentCount(): number {
    return this.frags.size;
  }

  /**
   * Record the content of one origin. `extraTokens` are detector findings etc. Returns fingerprints
   * added. With `record`, what the add did is kept (hashes only) as `lastDelta`, for replay().
   */
  add(originId: number, texts: string[], extraTokens: TokenSpec[], opts: { precious?: boolean; record?: boolean } = {}): number {
    let total = 0;
    for (const text of texts) total += text.length;
    const rec = opts.record ? new DeltaWriter(total >> 3) : null;
    const st = this.begin(originId, opts.precious === true);
    const h = this.hasher;
    const addToken = (value: string, kind: TokenKind, label: string): void => {
      if (value.length > 4 * MAX_TOKEN) return;
      const n = normSmall(value);
      if (n < (kind === 'secret' ? 6 : MIN_TOKEN) || n > MAX_TOKEN) return;
      const key = tokenKey(h.hashCodes(0, n), n);
      const anchor = n < ANCHOR ? -1 : h.hashCodes(0, ANCHOR);
      const k = KINDS.indexOf(kind);
      rec?.token(key, n, anchor, k, label);
      if (this.applyToken(originId, key, n, anchor, k, labelId(label), st.lost)) st.added++;
    };
    for (const t of extraTokens) {
      addToken(t.value, t.kind, t.label);
      if (t.kind === 'secret') this.addSecret(originId, t.value, t.label, false, rec);
    }
    let cards = 0;
    // dense when the whole origin is small (an upper bound on its normalised size is enough);
    // winnowed up to WINNOW_MAX; beyond that sampled, and so sparsely that one origin takes at most
    // half of the index (a 1 MB log must not evict everything read before it)
    const dense = total <= DENSE_MAX;
    let sampleMask = -1;
    const half = Math.max(1024, this.maxEntries >> 1);
    if (!dense && (total > WINNOW_MAX || (total * 2) / (W + 1) > half)) {
      sampleMask = 3;
      while (total / (sampleMask + 1) > half && sampleMask < 0xffff) sampleMask = sampleMask * 2 + 1;
    }
    const tokenLabel = labelId((SPAN_KIND[KIND_TOKEN] as { label: string }).label);
    const emailLabel = labelId((SPAN_KIND[KIND_EMAIL] as { label: string }).label);
    for (const text of texts) {
      const raw = rawCodes(text);
      const n = normRecord(text, raw);
      const cardToks: TokenSpec[] = [];
      const spans = tokenSpans(text, raw, cardToks);
      st.added += this.addText(originId, n, dense, sampleMask, st.lost, rec);
      this.tokens.reserve(this.tokens.size + spans + cardToks.length);
      // e-mails and identifiers hashed where they stand in the text (no strings made)
      for (let k = 0; k < spans; k++) {
        const kind = SPANS[k * 3 + 2] as number;
        const len = h.rawSpan(raw, SPANS[k * 3] as number, SPANS[k * 3 + 1] as number);
        if (len < MIN_TOKEN || len > MAX_TOKEN) continue;
        const key = tokenKey(h.spanHash, len);
        const anchor = len < ANCHOR ? -1 : h.spanAnchor;
        rec?.token(key, len, anchor, kind, (SPAN_KIND[kind] as { label: string }).label);
        if (this.applyToken(originId, key, len, anchor, kind, kind === KIND_EMAIL ? emailLabel : tokenLabel, st.lost)) st.added++;
      }
      // (last: addSecret reuses the scratch buffer `raw` is in)
      for (const t of cardToks) {
        addToken(t.value, t.kind, t.label);
        cards++;
        if (t.value === t.value.replace(/[ -]/g, '')) this.addSecret(originId, t.value, t.label, true, rec);
      }
    }
    this.lastCards = cards;
    if (cards > 0) {
      this.precious.add(originId);
      rec?.precious();
    }
    this.lastDelta = rec ? rec.finish() : null;
    return this.finish(originId, st);
  }

  /** card-like numbers found by the last add() */
  lastCards = 0;
  /** what the last add() did, when it was asked to record it */
  lastDelta: IndexDelta | null = null;

  /**
   * Apply again what an add() did (its recorded delta), e.g. after a restart: the same fingerprints,
   * tokens and secret fragments, with the same eviction. Returns fingerprints added.
   */
  replay(originId: number, delta: IndexDelta, precious: boolean): number {
    const st = this.begin(originId, precious);
    const ops = delta.ops;
    const label = (i: number): string => delta.labels[i] ?? 'data';
    // saved data may be damaged: every count is checked against what is left before it is used
    const need = (k: number, at: number): void => {
      if (!Number.isInteger(k) || k < 0 || at + k > ops.length) throw new Error(`bad fingerprint delta: ${k} numbers wanted at ${at} of ${ops.length}`);
    };
    let i = 0;
    while (i < ops.length) {
      const op = ops[i++] as number;
      need(op === OP_PRECIOUS ? 0 : op === OP_SECRET ? 4 : 1, i);
      if (op === OP_TOKENS) {
        const count = ops[i++] as number;
        need(count * 3, i);
        for (let k = 0; k < count; k++, i += 3) {
          const packed = ops[i + 2] as number;
          const n = packed % 512;
          const kind = Math.floor(packed / 512) % 8;
          const l = Math.floor(packed / 4096);
          if (this.applyToken(originId, ops[i] as number, n, ops[i + 1] as number, kind, labelId(label(l)), st.lost)) st.added++;
        }
      } else if (op === OP_KGRAMS) {
        const m = ops[i++] as number;
        need(m, i);
        this.kgrams.setMany(ops.subarray(i, i + m), m, originId, st.lost);
        st.added += m;
        i += m;
      } else if (op === OP_LINES) {
        const count = ops[i++] as number;
        need(count * 3, i);
        for (let k = 0; k < count; k++, i += 3) if (this.applyLine(originId, ops[i] as number, ops[i + 2] as number, ops[i + 1] as number, st.lost)) st.added++;
      } else if (op === OP_SECRET) {
        const [id, l, n, count] = [ops[i], ops[i + 1], ops[i + 2], ops[i + 3]] as number[];
        i += 4;
        need(2 * (count as number), i);
        if (!Number.isInteger(id) || (id as number) < 0 || !Number.isInteger(n)) throw new Error(`bad fingerprint delta: secret at ${i - 4}`);
        this.applySecret(originId, id as number, label(l as number), n as number, ops.subarray(i, i + 2 * (count as number)));
        i += 2 * (count as number);
      } else if (op === OP_PRECIOUS) {
        this.precious.add(originId);
      } else {
        throw new Error(`bad fingerprint delta: op ${op} at ${i - 1}`);
      }
    }
    return this.finish(originId, st);
  }

  private begin(originId: number, precious: boolean): { added: number; lost: Map<number, number> } {
    this.owned.set(originId, 0);
    if (precious) this.precious.add(originId);
    return { added: 0, lost: new Map() };
  }

  private finish(originId: number, st: { added: number; lost: Map<number, number> }): number {
    this.owned.set(originId, (this.owned.get(originId) ?? 0) + st.added);
    for (const [o, d] of st.lost) if (this.owned.has(o)) this.owned.set(o, (this.owned.get(o) as number) - d);
    this.evict();
    return st.added;
  }

  /** A token (hashed): kept unless a stronger kind from a live origin holds its key. True if added. */
  private applyToken(originId: number, key: number, n: number, anchor: number, kind: number, label: number, lost: Map<number, number>): boolean {
    const prevTag = this.tokens.tag(key);
    if (prevTag >= 0) {
      const prevOrigin = this.tokens.get(key);
      const prevRank = rank(KINDS[prevTag >> 13] as TokenKind);
      const r = rank(KINDS[kind] as TokenKind);
      // a stronger kind is never overwritten by a weaker one from a newer origin
      if (prevOrigin !== originId && prevRank > r && this.owned.has(prevOrigin)) return false;
      if (prevOrigin === originId && prevRank >= r) return false;
    } else if (n < ANCHOR) {
      // a new token: reachable through its anchor (or, if short, through its length)
      this.shortLens.set(n, (this.shortLens.get(n) ?? 0) + 1);
    } else {
      const head = this.anchors.get(anchor);
      const kk = KINDS[kind];
      if (kk !== 'secret' && kk !== 'card' && head >= 0) {
        // many tokens with one prefix (JWTs all start `eyJhbGci`): bound the work per position
        const cap = kk === 'line' ? MAX_LINES_PER_ANCHOR : MAX_TOKENS_PER_ANCHOR;
        let chain = 0;
        for (let c = head; c >= 0 && chain <= cap; c = this.cands.next[c] as number) chain++;
        if (chain > cap) return false;
      }
      this.anchors.set(anchor, this.cands.push(key, n, head, kind));
    }
    const prev = this.tokens.set(key, originId, (kind << 13) | label);
    if (prev >= 0) lost.set(prev, (lost.get(prev) ?? 0) + 1);
    return true;
  }

  /** k-grams and short lines of one normalised text in CODES[0..n). Returns fingerprints added. */
  private addText(originId: number, n: number, dense: boolean, sampleMask: number, lost: Map<number, number>, rec: DeltaWriter | null): number {
    let added = 0;
    const h = this.hasher;
    if (n < 12) return 0;
    if (n >= K) {
      const m = h.kgrams(n, dense, sampleMask);
      rec?.kgrams(SEL, m);
      this.kgrams.setMany(SEL, m, originId, lost);
      added += m;
      // short lines are below the k-gram size: keep them whole (sampled like the k-grams when those are)
      let start = 0;
      const lc = LINE_COUNT;
      for (let k = 0; k <= lc; k++) {
        const end = k < lc ? (LINEBUF[k] as number) : n;
        const len = end - start;
        if (len >= 12 && len < K) this.addLineAt(originId, start, len, lost, sampleMask, rec) && added++;
        start = end;
      }
    } else {
      this.addLineAt(originId, 0, n, lost, -1, rec) && added++;
    }
    return added;
  }

  /** A `line` token at CODES[start, start+len). */
  private addLineAt(originId: number, start: number, len: number, lost: Map<number, number>, sampleMask: number, rec: DeltaWriter | null): boolean {
    const hh = this.hasher.hashCodes(start, len);
    if (sampleMask >= 0 && (hh % (sampleMask + 1)) !== 0) return false;
    const key = tokenKey(hh, len);
    const anchor = this.hasher.hashCodes(start, ANCHOR);
    rec?.line(key, len, anchor);
    return this.applyLine(originId, key, len, anchor, lost);
  }

  private applyLine(originId: number, key: number, len: number, anchor: number, lost: Map<number, number>): boolean {
    const prevTag = this.tokens.tag(key);
    if (prevTag >= 0) {
      const prevOrigin = this.tokens.get(key);
      if (prevOrigin === originId || (rank(KINDS[prevTag >> 13] as TokenKind) > 1 && this.owned.has(prevOrigin))) return false;
    } else {
      const head = this.anchors.get(anchor);
      if (head >= 0) {
        let chain = 0;
        for (let c = head; c >= 0 && chain <= MAX_LINES_PER_ANCHOR; c = this.cands.next[c] as number) chain++;
        if (chain > MAX_LINES_PER_ANCHOR) return false;
      }
      this.anchors.set(anchor, this.cands.push(key, len, head, 0));
    }
    const prev = this.tokens.set(key, originId, labelId('line'));
    if (prev >= 0) lost.set(prev, (lost.get(prev) ?? 0) + 1);
    return true;
  }

  /**
   * Index every FRAG-char window of a high-entropy secret, or of a card number (`card`: digits), but
   * not the windows that look like words or fixed prefixes.
   */
  private addSecret(originId: number, value: string, label: string, card: boolean, rec: DeltaWriter | null): void {
    if (this.secrets.length >= FRAGMENT_MAX_SECRETS || this.frags.size >= FRAGMENT_MAX_WINDOWS) return;
    const norm = normalize(value);
    const n = norm.length;
    if (n > FRAGMENT_MAX_SECRET) return;
    if (card ? n < 13 || !/^[0-9]+$/.test(norm) : n < FRAGMENT_MIN_SECRET || entropyOf(norm) < FRAGMENT_MIN_ENTROPY) return;
    ensure(n);
    for (let i = 0; i < n; i++) CODES[i] = norm.charCodeAt(i);
    this.hasher.prefix(n);
    const windows = new Float64Array(2 * (n - FRAG + 1));
    let w = 0;
    for (let i = 0; i + FRAG <= n; i++) {
      if (!fragmentWorthy(norm, i, card)) continue;
      windows[w++] = this.hasher.at(i, FRAG);
      windows[w++] = i;
    }
    const id = this.applySecret(originId, this.secrets.length, label, n, windows.subarray(0, w));
    if (id >= 0) rec?.secret(id, label, n, windows.subarray(0, w));
  }

  /** Fragment windows (hash, offset pairs) of secret `id`. Returns the id, or -1 if nothing was kept. */
  private applySecret(originId: number, id: number, label: string, n: number, windows: Float64Array): number {
    if (id < this.secrets.length || id >= FRAGMENT_MAX_SECRETS || this.frags.size >= FRAGMENT_MAX_WINDOWS) return -1;
    let kept = 0;
    for (let j = 0; j < windows.length; j += 2) {
      const hh = windows[j] as number;
      if (this.frags.has(hh)) continue;
      this.frags.set(hh, (id << 12) | (windows[j + 1] as number));
      kept++;
    }
    if (kept === 0) return -1;
    // ids are stable across replay: secrets not replayed (their origin gone) leave dead entries
    while (this.secrets.length < id) this.secrets.push({ originId: -1, label: '', length: 0, alive: false });
    this.secrets.push({ originId, label, length: n, alive: true });
    return id;
  }

  private evict(): void {
    if (this.size <= this.maxEntries) return;
    // oldest first; origins without secrets / cards before those with them
    for (const pass of [false, true]) {
      for (const id of [...this.owned.keys()]) {
        if (this.size <= this.maxEntries || this.owned.size <= 1) return;
        if (this.precious.has(id) !== pass) continue;
        this.removeOrigin(id);
      }
    }
  }

  private removeOrigin(id: number): void {
    this.kgrams.deleteValue(id);
    if (this.tokens.size) {
      const lens: number[] = [];
      this.tokens.forEach((key, val) => {
        if (val === id && key % 256 < ANCHOR) lens.push(key % 256);
      });
      this.tokens.deleteValue(id);
      for (const len of lens) {
        const n = (this.shortLens.get(len) ?? 1) - 1;
        if (n <= 0) this.shortLens.delete(len);
        else this.shortLens.set(len, n);
      }
      // candidates of deleted tokens are skipped at match time; compact when most are dead
      if (this.cands.n > 2 * this.tokens.size + 256) this.compactCandidates();
    }
    for (const s of this.secrets) if (s.originId === id) s.alive = false;
    this.owned.delete(id);
    this.precious.delete(id);
  }

  private compactCandidates(): void {
    const old = this.cands;
    const anchorOf = new Float64Array(old.n);
    this.anchors.forEach((a, head) => {
      for (let c = head; c >= 0; c = old.next[c] as number) anchorOf[c] = a;
    });
    // new, right-sized tables (a cleared one would keep the capacity of its busiest moment)
    this.anchors = new NumTable(false, this.tokens.size);
    this.cands = new Candidates();
    for (let c = 0; c < old.n; c++) {
      const key = old.key[c] as number;
      if (!this.tokens.has(key)) continue;
      const a = anchorOf[c] as number;
      this.anchors.set(a, this.cands.push(key, old.len[c] as number, this.anchors.get(a), old.kind[c] as number));
    }
  }

  /** False once an origin has been evicted. */
  hasOrigin(id: number): boolean {
    return this.owned.has(id);
  }

  /** Match one outgoing text against every stored fingerprint. */
  match(text: string, opts: MatchOptions = {}): OriginMatch[] {
    return this.matchAll(text, opts).origins;
  }

  /** Match one outgoing text: origins it shares content with, and pieces of indexed secrets in it. */
  matchAll(text: string, opts: MatchOptions = {}): MatchResult {
    const res: MatchResult = { origins: [], fragments: [] };
    if (this.size === 0 && this.frags.size === 0) return res;
    const n = normInto(text, opts.softExclude);
    if (n === 0) return res;
    const h = this.hasher;
    h.prefix(n);
    // spans per origin: flat [start, end, hard(0/1)] triples
    const spans = new Map<number, number[]>();
    const found = new Map<number, OriginMatch>();
    const get = (id: number): [OriginMatch, number[]] => {
      let r = found.get(id);
      let sp = spans.get(id);
      if (!r || !sp) {
        r = { originId: id, covered: 0, coveredOutside: 0, sensitiveLabels: [], distinctive: false, kgramHashes: [] };
        sp = [];
        found.set(id, r);
        spans.set(id, sp);
      }
      return [r, sp];
    };
    const kg = this.kgrams;
    if (kg.size > 0 && n >= K) {
      const m = h.windows(n, K, HS);
      const hs = HS;
      for (let i = 0; i < m; i++) {
        const hh = hs[i] as number;
        const id = kg.get(hh);
        if (id < 0) continue;
        const [r, sp] = get(id);
        sp.push(i, i + K, 0);
        if (r.kgramHashes.length < 256) r.kgramHashes.push(hh);
      }
    }
    const onToken = (key: number, i: number, len: number): void => {
      const id = this.tokens.get(key);
      if (id < 0) return;
      const tag = this.tokens.tag(key);
      const kind = KINDS[tag >> 13] as TokenKind;
      const [r, sp] = get(id);
      sp.push(i, i + len, kind === 'line' ? 0 : 1);
      if (kind === 'secret' || kind === 'card') {
        const label = labelNames[tag & 0x1fff] ?? kind;
        if (!r.sensitiveLabels.includes(label)) r.sensitiveLabels.push(label);
      } else if (kind === 'email' || kind === 'token') {
        r.distinctive = true;
      }
    };
    // tokens through their anchors; secret fragments through the same window hashes
    const anchorsOn = this.anchors.size > 0;
    const fragsOn = this.frags.size > 0;
    let fragHits: Map<number, number[]> | undefined;
    if (anchorsOn && n >= ANCHOR) {
      const cands = this.cands;
      const m = h.windows(n, ANCHOR, HS);
      const hs = HS;
      const anchors = this.anchors;
      for (let i = 0; i < m; i++) {
        for (let c = anchors.get(hs[i] as number); c >= 0; c = cands.next[c] as number) {
          const len = cands.len[c] as number;
          if (i + len > n) continue;
          const key = cands.key[c] as number;
          if (tokenKey(h.at(i, len), len) === key) onToken(key, i, len);
        }
      }
    }
    if (fragsOn && n >= FRAG) {
      const m = h.windows(n, FRAG, HS);
      const hs = HS;
      const frags = this.frags;
      for (let i = 0; i < m; i++) {
        {
          const v = frags.get(hs[i] as number);
          if (v >= 0) {
            fragHits ??= new Map();
            const sid = v >>> 12;
            let l = fragHits.get(sid);
            if (!l) fragHits.set(sid, (l = []));
            l.push(v & 0xfff);
          }
        }
      }
    }
    for (const len of this.shortLens.keys()) {
      for (let i = 0; i + len <= n; i++) onToken(tokenKey(h.at(i, len), len), i, len);
    }
    // coverage: union of spans; soft spans (k-grams, lines) not over excluded chars
    for (const [id, r] of found) {
      const sp = spans.get(id) as number[];
      // MARK bit 1: counted in `covered`; bit 2: counted in `coveredOutside`
      let covered = 0;
      let outside = 0;
      for (let s = 0; s < sp.length; s += 3) {
        const a = sp[s] as number;
        const b = sp[s + 1] as number;
        const hard = sp[s + 2] === 1;
        for (let i = a; i < b; i++) {
          const mk = MARK[i] as number;
          if ((mk & 1) === 0) {
            covered++;
            MARK[i] = mk | 1;
          }
          if ((mk & 2) === 0 && (hard || EXCL[i] === 0)) {
            outside++;
            MARK[i] = (MARK[i] as number) | 2;
          }
        }
      }
      for (let s = 0; s < sp.length; s += 3) MARK.fill(0, sp[s] as number, sp[s + 1] as number);
      r.covered = covered;
      r.coveredOutside = outside;
      if (covered > 0 || r.sensitiveLabels.length || r.distinctive) res.origins.push(r);
    }
    if (fragHits) {
      for (const [sid, offs] of fragHits) {
        const s = this.secrets[sid];
        if (!s || !s.alive) continue;
        offs.sort((x, y) => x - y);
        const ranges: Array<[number, number]> = [];
        for (const o of offs) {
          const last = ranges[ranges.length - 1];
          if (last && o <= last[1]) last[1] = Math.max(last[1], o + FRAG);
          else ranges.push([o, o + FRAG]);
        }
        res.fragments.push({ secretId: sid, originId: s.originId, label: s.label, length: s.length, ranges });
      }
    }
    return res;
  }

  /** Memory held by the tables, in bytes (for status / bounds reporting). */
  approxBytes(): number {
    return this.kgrams.bytes() + this.tokens.bytes() + this.anchors.bytes() + this.cands.key.length * 15 + this.frags.bytes() + this.owned.size * 40 + this.secrets.length * 64;
  }
}

/**
 * A fragment window worth indexing (on the normalised, lower-case value): it holds a digit and a
 * letter and at least 4 distinct chars; for a card number, at least 3 distinct digits. Windows such
 * as `passwd`, `sk_liv`, `-----b` are words or fixed prefixes shared by every secret of a kind, not
 * evidence of this one secret.
 */
function fragmentWorthy(norm: string, i: number, card: boolean): boolean {
  let digit = false;
  let alpha = false;
  let distinct = 0;
  for (let k = i; k < i + FRAG; k++) {
    const c = norm.charCodeAt(k);
    if (isDigit(c)) digit = true;
    else if (isAlpha(c)) alpha = true;
    let dup = false;
    for (let j = i; j < k && !dup; j++) dup = norm.charCodeAt(j) === c;
    if (!dup) distinct++;
  }
  return card ? digit && distinct >= 3 : digit && alpha && distinct >= 4;
}
