/**
 * Fingerprint: content fingerprints of what internal tools returned, and matching of what a tool
 * is about to send against them. Pure, in-memory; only 53-bit keyed hashes are kept, never text.
 *
 * Three kinds of fingerprint, all over normalised text (lower-cased, whitespace removed) and all with
 * the same keyed polynomial hash so that any window of an outgoing text can be looked up:
 *  - k-grams: winnowed K-char windows (Schleimer et al., "Winnowing", 2003). Any shared run of at
 *    least K+W-1 normalised chars is guaranteed to share a fingerprint, wherever it is embedded.
 *  - tokens: whole short high-value strings (secret values found by the detector, e-mail addresses,
 *    card-like numbers, high-entropy tokens) and whole short lines, matched exactly by rolling a
 *    window of each stored length over the outgoing text.
 */

export const K = 24; // k-gram length (normalised chars)
export const W = 8; // winnowing window (k-grams); guarantee threshold K + W - 1 = 31
export const MIN_TOKEN = 8; // shortest token / line we keep
export const MAX_TOKEN = 256;

const B1 = 0x01000193;
const B2 = 0x5bd1e995;
const TWO21 = 2097152;

export type TokenKind = 'secret' | 'card' | 'email' | 'token' | 'line';

/** Lower-case and drop whitespace, so that re-wrapping, indentation and case changes do not hide reuse. */
export function normalize(s: string): string {
  return s.toLowerCase().replace(/\s+/g, '');
}

// Reused scratch buffers for winnowing: no allocation per recorded string (the sidecar is single-threaded).
let scratchH = new Float64Array(4096);
let scratchQ = new Int32Array(4096);

export class Hasher {
  private readonly s1: number;
  private readonly s2: number;
  private readonly pow = new Map<number, [number, number]>();

  constructor(seed: number) {
    this.s1 = seed & 0xffff;
    this.s2 = (seed >>> 16) & 0xffff;
  }

  private powers(len: number): [number, number] {
    let p = this.pow.get(len);
    if (!p) {
      let a = 1;
      let b = 1;
      for (let i = 0; i < len; i++) {
        a = Math.imul(a, B1);
        b = Math.imul(b, B2);
      }
      p = [a, b];
      this.pow.set(len, p);
    }
    return p;
  }

  /** Hash of a whole (already normalised) string; equals the rolling hash of the same window. */
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

  /** Calls cb(hash, start) for every window of `len` chars of s. */
  roll(s: string, len: number, cb: (h: number, start: number) => void): void {
    if (s.length < len) return;
    const [p1, p2] = this.powers(len);
    let h1 = 0;
    let h2 = 0;
    for (let i = 0; i < len; i++) {
      const c = s.charCodeAt(i);
      h1 = (Math.imul(h1, B1) + (c ^ this.s1)) | 0;
      h2 = (Math.imul(h2, B2) + (c ^ this.s2)) | 0;
    }
    cb((h1 >>> 0) * TWO21 + ((h2 >>> 0) & 0x1fffff), 0);
    for (let i = len; i < s.length; i++) {
      const c = s.charCodeAt(i);
      const o = s.charCodeAt(i - len);
      h1 = (Math.imul(h1, B1) + (c ^ this.s1) - Math.imul(p1, o ^ this.s1)) | 0;
      h2 = (Math.imul(h2, B2) + (c ^ this.s2) - Math.imul(p2, o ^ this.s2)) | 0;
      cb((h1 >>> 0) * TWO21 + ((h2 >>> 0) & 0x1fffff), i - len + 1);
    }
  }

  /** Winnowed K-gram fingerprints of a normalised string (each selected hash once per position). */
  winnow(s: string, cb: (h: number) => void): void {
    const n = s.length - K + 1;
    if (n <= 0) return;
    if (scratchH.length < n) {
      scratchH = new Float64Array(Math.max(n, scratchH.length * 2));
      scratchQ = new Int32Array(scratchH.length);
    }
    const hs = scratchH;
    this.roll(s, K, (h, i) => {
      hs[i] = h;
    });
    if (n <= W) {
      let m = 0;
      for (let i = 1; i < n; i++) if ((hs[i] as number) <= (hs[m] as number)) m = i;
      cb(hs[m] as number);
      return;
    }
    // sliding-window minimum with a deque of indices (rightmost minimum wins ties)
    const dq = scratchQ;
    let head = 0;
    let tail = 0;
    let last = -1;
    for (let i = 0; i < n; i++) {
      const h = hs[i] as number;
      while (tail > head && (hs[dq[tail - 1] as number] as number) >= h) tail--;
      dq[tail++] = i;
      if ((dq[head] as number) <= i - W) head++;
      if (i >= W - 1) {
        const m = dq[head] as number;
        if (m !== last) {
          cb(hs[m] as number);
          last = m;
        }
      }
    }
  }
}

/** Every string leaf of a JSON value (object keys excluded), depth- and size-bounded. */
export function stringLeaves(value: unknown, maxChars = 1_000_000, maxDepth = 32): string[] {
  const out: string[] = [];
  let budget = maxChars;
  const walk = (v: unknown, depth: number): void => {
    if (budget <= 0 || depth > maxDepth) return;
    if (typeof v === 'string') {
      const s = v.length > budget ? v.slice(0, budget) : v;
      budget -= s.length;
      if (s.length > 0) out.push(s);
    } else if (Array.isArray(v)) {
      for (const x of v) walk(x, depth + 1);
    } else if (v !== null && typeof v === 'object') {
      for (const x of Object.values(v as Record<string, unknown>)) walk(x, depth + 1);
    } else if (typeof v === 'number' && Number.isFinite(v) && Math.abs(v) >= 1e7) {
      // long numbers (account ids, card-like numbers) are data too
      const s = String(v);
      budget -= s.length;
      out.push(s);
    }
  };
  walk(value, 0);
  return out;
}

/** A token worth matching exactly: found by the caller (detector) or by the built-in extractors below. */
export interface TokenSpec {
  value: string;
  kind: TokenKind;
  label: string;
}

const EMAIL_RE = /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,24}/g;
const DIGITS_RE = /(?<![0-9])(?:[0-9][ -]?){12,18}[0-9](?![0-9])/g;
const HIGH_TOKEN_RE = /[A-Za-z0-9_+/=-]{16,256}/g;

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

function entropy(s: string): number {
  const f = new Map<string, number>();
  for (const c of s) f.set(c, (f.get(c) ?? 0) + 1);
  let e = 0;
  for (const n of f.values()) {
    const p = n / s.length;
    e -= p * Math.log2(p);
  }
  return e;
}

/** Distinctive tokens of a text: e-mails, Luhn-valid card-like numbers, random-looking identifiers. */
export function distinctiveTokens(text: string): TokenSpec[] {
  const out: TokenSpec[] = [];
  for (const m of text.matchAll(EMAIL_RE)) out.push({ value: m[0], kind: 'email', label: 'e-mail address' });
  for (const m of text.matchAll(DIGITS_RE)) {
    const d = m[0].replace(/[ -]/g, '');
    if (d.length >= 13 && d.length <= 19 && luhn(d)) {
      out.push({ value: d, kind: 'card', label: 'payment card number' });
      if (d !== m[0]) out.push({ value: m[0], kind: 'card', label: 'payment card number' });
    }
  }
  for (const m of text.matchAll(HIGH_TOKEN_RE)) {
    const t = m[0];
    if (/^[0-9a-f]+$/i.test(t)) continue; // commit ids and digests are passed around in ordinary work
    if (t.includes('/') && /^[A-Za-z0-9_.-]*\/[A-Za-z0-9_./-]*$/.test(t) && !/[0-9]/.test(t)) continue; // paths
    if (!/[0-9]/.test(t) || !/[A-Za-z]/.test(t)) continue;
    if (/^[a-z_]+[0-9]*$/i.test(t)) continue; // identifiers like some_name2
    if (entropy(t) < 3.5) continue;
    out.push({ value: t, kind: 'token', label: 'distinctive token' });
  }
  return out;
}

/** What one origin's content matched in an outgoing text. */
export interface OriginMatch {
  originId: number;
  /** normalised chars of the outgoing text covered by matches with this origin */
  covered: number;
  /** labels of secret / card tokens matched */
  sensitiveLabels: string[];
  /** true if a distinctive token (e-mail, random id) matched */
  distinctive: boolean;
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

/**
 * Compact open-addressing hash table: 53-bit integer keys (as doubles) -> non-negative int32 values,
 * with an optional 16-bit tag. Linear probing, tombstones, load factor at most 3/4: 12 bytes a slot
 * (14 with tags), so a session's fingerprints cost little.
 */
const EMPTY = -1;
const TOMB = -2;

export class NumTable {
  private keys: Float64Array;
  private vals: Int32Array; // EMPTY, TOMB or a value >= 0
  private tags: Uint16Array | null;
  size = 0;
  private filled = 0; // used + tombstones

  constructor(withTags = false, capacity = 16) {
    let cap = 16;
    while (cap * 3 < capacity * 4) cap *= 2;
    this.keys = new Float64Array(cap);
    this.vals = new Int32Array(cap).fill(EMPTY);
    this.tags = withTags ? new Uint16Array(cap) : null;
  }

  private slot(key: number): number {
    const mask = this.keys.length - 1;
    let i = (key >>> 0) & mask;
    for (;;) {
      const v = this.vals[i] as number;
      if (v === EMPTY) return -1;
      if (v >= 0 && this.keys[i] === key) return i;
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

  /** Insert or overwrite (val >= 0); returns the previous value or -1. */
  set(key: number, val: number, tag = 0): number {
    if ((this.filled + 1) * 4 > this.keys.length * 3) this.rehash((this.size + 1) * 2 > this.keys.length ? this.keys.length * 2 : this.keys.length);
    const mask = this.keys.length - 1;
    let i = (key >>> 0) & mask;
    let tomb = -1;
    for (;;) {
      const v = this.vals[i] as number;
      if (v === EMPTY) break;
      if (v === TOMB) {
        if (tomb < 0) tomb = i;
      } else if (this.keys[i] === key) {
        this.vals[i] = val;
        if (this.tags) this.tags[i] = tag;
        return v;
      }
      i = (i + 1) & mask;
    }
    if (tomb >= 0) i = tomb;
    else this.filled++;
    this.keys[i] = key;
    this.vals[i] = val;
    if (this.tags) this.tags[i] = tag;
    this.size++;
    return -1;
  }

  /** Delete every entry whose value is `val`; returns how many. */
  deleteValue(val: number): number {
    let n = 0;
    for (let i = 0; i < this.vals.length; i++) {
      if (this.vals[i] === val) {
        this.vals[i] = TOMB;
        this.size--;
        n++;
      }
    }
    return n;
  }

  forEach(cb: (key: number, val: number, tag: number) => void): void {
    for (let i = 0; i < this.vals.length; i++) {
      const v = this.vals[i] as number;
      if (v >= 0) cb(this.keys[i] as number, v, this.tags ? (this.tags[i] as number) : 0);
    }
  }

  private rehash(cap: number): void {
    const { keys, vals, tags } = this;
    this.keys = new Float64Array(cap);
    this.vals = new Int32Array(cap).fill(EMPTY);
    this.tags = tags ? new Uint16Array(cap) : null;
    this.size = 0;
    this.filled = 0;
    for (let i = 0; i < vals.length; i++) if ((vals[i] as number) >= 0) this.set(keys[i] as number, vals[i] as number, tags ? (tags[i] as number) : 0);
  }

  bytes(): number {
    return this.keys.length * (this.tags ? 14 : 12);
  }
}

/** Token key: the hash of a token and its length folded into one 53-bit integer. */
const tokenKey = (h: number, len: number): number => (h % 35184372088832) * 256 + (len & 255);

/**
 * Per-session fingerprint index: hash -> origin. Bounded by `maxEntries`; the oldest origins are
 * evicted first (their fingerprints removed unless a newer origin re-used them).
 */
export class FingerprintIndex {
  private readonly kgrams = new NumTable();
  private readonly tokens = new NumTable(true); // tag = kind << 13 | label id
  private readonly tokenLens = new Map<number, number>(); // length -> entries of that length
  /** origin id -> fingerprints it owns, in insertion (age) order */
  private readonly owned = new Map<number, number>();

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

  private own(id: number, d: number): void {
    const n = this.owned.get(id);
    if (n !== undefined) this.owned.set(id, n + d);
  }

  /** Record the content of one origin. `extraTokens` are detector findings etc. Returns fingerprints added. */
  add(originId: number, texts: string[], extraTokens: TokenSpec[]): number {
    this.owned.set(originId, 0);
    let added = 0;
    const addToken = (value: string, kind: TokenKind, label: string): void => {
      const n = normalize(value);
      if (n.length < (kind === 'secret' ? 6 : MIN_TOKEN) || n.length > MAX_TOKEN) return;
      const key = tokenKey(this.hasher.hash(n), n.length);
      const prevTag = this.tokens.tag(key);
      if (prevTag >= 0) {
        const prevOrigin = this.tokens.get(key);
        // a stronger kind is never overwritten by a weaker one from a newer origin
        if (prevOrigin !== originId && rank(KINDS[prevTag >> 13] as TokenKind) > rank(kind) && this.owned.has(prevOrigin)) return;
        if (prevOrigin === originId && rank(KINDS[prevTag >> 13] as TokenKind) >= rank(kind)) return;
      }
      const prev = this.tokens.set(key, originId, (KINDS.indexOf(kind) << 13) | labelId(label));
      if (prev < 0) this.tokenLens.set(n.length, (this.tokenLens.get(n.length) ?? 0) + 1);
      else this.own(prev, -1);
      this.own(originId, 1);
      added++;
    };
    for (const t of extraTokens) addToken(t.value, t.kind, t.label);
    for (const text of texts) {
      for (const t of distinctiveTokens(text)) addToken(t.value, t.kind, t.label);
      const norm = normalize(text);
      if (norm.length >= K) {
        this.hasher.winnow(norm, (h) => {
          const prev = this.kgrams.set(h, originId);
          if (prev >= 0) this.own(prev, -1);
          this.own(originId, 1);
          added++;
        });
        // short lines are below the k-gram size: keep them whole
        for (const line of text.split('\n')) {
          const nl = normalize(line);
          if (nl.length >= 12 && nl.length < K) addToken(line, 'line', 'line');
        }
      } else if (norm.length >= 12) {
        addToken(text, 'line', 'line');
      }
    }
    this.evict();
    return added;
  }

  private evict(): void {
    for (const id of this.owned.keys()) {
      if (this.size <= this.maxEntries || this.owned.size <= 1) break;
      this.removeOrigin(id);
    }
  }

  private removeOrigin(id: number): void {
    this.kgrams.deleteValue(id);
    if (this.tokens.size) {
      const lens: number[] = [];
      this.tokens.forEach((key, val) => {
        if (val === id) lens.push(key % 256);
      });
      this.tokens.deleteValue(id);
      for (const len of lens) {
        const n = (this.tokenLens.get(len) ?? 1) - 1;
        if (n <= 0) this.tokenLens.delete(len);
        else this.tokenLens.set(len, n);
      }
    }
    this.owned.delete(id);
  }

  /** False once an origin has been evicted. */
  hasOrigin(id: number): boolean {
    return this.owned.has(id);
  }

  /** Match one outgoing text against every stored fingerprint. */
  match(text: string): OriginMatch[] {
    const norm = normalize(text);
    if (norm.length === 0 || this.size === 0) return [];
    const spans = new Map<number, Array<[number, number]>>();
    const res = new Map<number, OriginMatch>();
    const get = (id: number): OriginMatch => {
      let r = res.get(id);
      if (!r) {
        r = { originId: id, covered: 0, sensitiveLabels: [], distinctive: false };
        res.set(id, r);
        spans.set(id, []);
      }
      return r;
    };
    if (this.kgrams.size > 0) {
      this.hasher.roll(norm, K, (h, i) => {
        const id = this.kgrams.get(h);
        if (id >= 0) {
          get(id);
          (spans.get(id) as Array<[number, number]>).push([i, i + K]);
        }
      });
    }
    for (const len of this.tokenLens.keys()) {
      this.hasher.roll(norm, len, (h, i) => {
        const key = tokenKey(h, len);
        const id = this.tokens.get(key);
        if (id < 0) return;
        const tag = this.tokens.tag(key);
        const kind = KINDS[tag >> 13] as TokenKind;
        const r = get(id);
        (spans.get(id) as Array<[number, number]>).push([i, i + len]);
        if (kind === 'secret' || kind === 'card') {
          const label = labelNames[tag & 0x1fff] ?? kind;
          if (!r.sensitiveLabels.includes(label)) r.sensitiveLabels.push(label);
        } else if (kind === 'email' || kind === 'token') {
          r.distinctive = true;
        }
      });
    }
    for (const [id, r] of res) r.covered = unionLength(spans.get(id) as Array<[number, number]>);
    return [...res.values()];
  }

  /** Memory held by the tables, in bytes (for status / bounds reporting). */
  approxBytes(): number {
    return this.kgrams.bytes() + this.tokens.bytes() + this.owned.size * 40;
  }
}

function rank(k: TokenKind): number {
  return k === 'secret' ? 4 : k === 'card' ? 3 : k === 'token' || k === 'email' ? 2 : 1;
}

function unionLength(spans: Array<[number, number]>): number {
  if (spans.length === 0) return 0;
  spans.sort((a, b) => a[0] - b[0]);
  let total = 0;
  let [s, e] = spans[0] as [number, number];
  for (let i = 1; i < spans.length; i++) {
    const [a, b] = spans[i] as [number, number];
    if (a <= e) {
      if (b > e) e = b;
    } else {
      total += e - s;
      s = a;
      e = b;
    }
  }
  return total + (e - s);
}
