/**
 * Normalisation: each char lower-cased on its own (lengths never change), whitespace dropped.
 * Writes into shared scratch buffers (CODES and the others below), grown on demand and reused for
 * every text: the sidecar is single-threaded and fingerprints one text at a time. Also finds, while
 * recording, the runs of token and card characters that distinctive tokens are looked for in.
 */
import { longRuns, rawCodesReader } from '../raw-codes.ts';

/**
 * NORM[c]: the normalised code of char c: its own lower case (per char, so lengths never change),
 * NORM_WS for JavaScript's `\s` (dropped), NORM_TODO for a char not looked at yet (filled lazily).
 */
export const NORM_WS = 0xfffe;
export const NORM_TODO = 0xffff;
export const NORM = new Uint16Array(65536).fill(NORM_TODO);
export function normSlow(c: number): number {
  let m: number;
  // JavaScript's \s, and the two noncharacters used as markers here
  if (
    c === 9 ||
    c === 10 ||
    c === 11 ||
    c === 12 ||
    c === 13 ||
    c === 32 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff ||
    c >= 0xfffe
  ) {
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
export let CODES = new Uint16Array(1 << 14);
export let P1 = new Int32Array((1 << 14) + 1);
export let P2 = new Int32Array((1 << 14) + 1);
export let EXCL = new Uint8Array(1 << 14);
export let HS = new Float64Array(1 << 14);
export let DQ = new Int32Array(1 << 14);
export let MARK = new Uint8Array(1 << 14);
export let SEL = new Float64Array(1 << 14);
export let LINEBUF = new Int32Array(1 << 14);

/** The first power-of-two multiple of `have` that holds n. */
function grown(have: number, n: number): number {
  let cap = have;
  while (cap < n) cap *= 2;
  return cap;
}

/**
 * Room for n chars in the buffers normalising writes (CODES, EXCL, LINEBUF: 7 bytes a char), and
 * only those: what recording a long text needs (its k-grams are sampled straight from the codes).
 * The others (prefix hashes, windows, marks: 29 bytes a char) grow in ensure(), for texts that are
 * matched or winnowed. Growing all of them for a 700 KB output made V8 see ~38 MB of new external
 * memory at once and collect the whole heap on the spot (~25 ms in the middle of that event).
 */
export function ensureCodes(n: number): void {
  if (CODES.length >= n) return;
  const cap = grown(CODES.length, n);
  CODES = new Uint16Array(cap);
  EXCL = new Uint8Array(cap);
  LINEBUF = new Int32Array(cap);
}

/** Room for n chars in every scratch buffer (ensureCodes, and those a match or winnowing uses). */
export function ensure(n: number): void {
  ensureCodes(n);
  if (HS.length >= n) return;
  const cap = grown(HS.length, n);
  P1 = new Int32Array(cap + 1);
  P2 = new Int32Array(cap + 1);
  HS = new Float64Array(cap);
  DQ = new Int32Array(cap);
  MARK = new Uint8Array(cap);
  SEL = new Float64Array(cap);
}

/** The chars of a text as codes (this module's own buffer: one text at a time). */
export const rawCodes = rawCodesReader();

/**
 * Normalise `s` into CODES[0..n): lower-case, whitespace dropped. LINEBUF[0..LINE_COUNT) receives
 * the normalised offset of each newline (without `exclude` only). `exclude` (sorted [start, end) ranges of `s`) marks EXCL.
 * `raw` (optional): rawCodes(s), when the caller already has it.
 */
export let LINE_COUNT = 0;
export function normInto(s: string, exclude?: ReadonlyArray<readonly [number, number]>, raw?: Uint16Array): number {
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
    const excl = EXCL;
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
      excl[n] = r !== undefined && r[0] <= i ? 1 : 0;
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
export let CAND_T = new Int32Array(1 << 12);
export let CAND_C = new Int32Array(1 << 12);
export let NCAND_T = 0;
export let NCAND_C = 0;

/**
 * normInto for recording: one pass for CODES and the line ends, then two skipping scans of the raw
 * chars for runs of token chars at least 16 long (CAND_T) and of card chars at least 13 (CAND_C):
 * distinctive tokens are looked for only there.
 */
export function normRecord(s: string, raw: Uint16Array): number {
  const len = s.length;
  ensureCodes(len);
  if (CAND_T.length < 2 * ((len >> 4) + 2)) CAND_T = new Int32Array(2 * ((len >> 4) + 2));
  if (CAND_C.length < 2 * ((len >> 3) + 2)) CAND_C = new Int32Array(2 * ((len >> 3) + 2));
  const n = normLines(raw, len);
  EXCL.fill(0, 0, n);
  NCAND_T = longRuns(raw, len, TOKC, 16, CAND_T);
  NCAND_C = longRuns(raw, len, CARDC, 13, CAND_C);
  return n;
}

/** normRecord's pass over a text's code units: CODES, LINEBUF and LINE_COUNT; returns the normalised length. */
function normLines(raw: Uint16Array, len: number): number {
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
  LINE_COUNT = ln;
  return n;
}

/** normInto for a short string (a token): straight from charCodeAt into CODES. */
export function normSmall(s: string): number {
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
