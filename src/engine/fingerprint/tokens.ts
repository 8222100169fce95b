/**
 * Distinctive tokens found in a text without making strings: e-mail addresses and random-looking
 * identifiers as spans (SPANS), Luhn-valid card-like numbers as values.
 */
import { isCardNumber } from '../cards.ts';
import { MAX_TOKEN, type TokenKind, type TokenSpec } from './constants.ts';
import { CAND_C, CAND_T, NCAND_C, NCAND_T, normRecord, rawCodes } from './normalize.ts';

// char classes for the token scanners
const C_TOKEN = 1; // [A-Za-z0-9_+/=-]
const C_LOCAL = 2; // e-mail local part [A-Za-z0-9._%+-]
const C_DOMAIN = 4; // [A-Za-z0-9.-]
const C_DIGIT = 8;
const CLS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  const alnum = /[A-Za-z0-9]/.test(ch);
  CLS[c] =
    (alnum || '_+/=-'.includes(ch) ? C_TOKEN : 0) |
    (alnum || '._%+-'.includes(ch) ? C_LOCAL : 0) |
    (alnum || '.-'.includes(ch) ? C_DOMAIN : 0) |
    (c >= 48 && c <= 57 ? C_DIGIT : 0);
}
const cls = (c: number): number => (c < 128 ? (CLS[c] as number) : 0);
export const isDigit = (c: number): boolean => c >= 48 && c <= 57;
export const isAlpha = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

const FREQ = new Int32Array(65536);
/** Shannon entropy (bits per char) of s[from, to). */
export function entropyOf(s: string, from = 0, to = s.length): number {
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
function pathLike(raw: Uint16Array, a: number, b: number): boolean {
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

/**
 * Made of words and short numbers only (`03/ticket-booking-system`, `release-2024-05/notes`): every
 * piece between / _ - . is a lower-case word with a vowel, a number of at most 4 digits, or at most
 * 2 chars. A random id has a piece that mixes letters and digits, or a long run of consonants.
 */
function wordsAndNumbers(raw: Uint16Array, a: number, b: number): boolean {
  let start = a;
  for (let i = a; i <= b; i++) {
    const c = i < b ? (raw[i] as number) : 47;
    if (c !== 47 && c !== 95 && c !== 45 && c !== 46) continue;
    const len = i - start;
    if (len > 2) {
      let letters = 0;
      let digits = 0;
      let vowel = false;
      for (let k = start; k < i; k++) {
        const x = raw[k] as number;
        if (x >= 97 && x <= 122) {
          letters++;
          if (x === 97 || x === 101 || x === 105 || x === 111 || x === 117 || x === 121) vowel = true;
        } else if (isDigit(x)) digits++;
      }
      const word = letters === len && vowel;
      const number = digits === len && len <= 4;
      if (!word && !number) return false;
    }
    start = i + 1;
  }
  return true;
}

/** High-entropy candidate token raw[a, b) (a run of token chars, at most MAX_TOKEN long)? */
function highToken(raw: Uint16Array, a: number, b: number): boolean {
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
  if (pathLike(raw, a, b) || wordsAndNumbers(raw, a, b)) return false;
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
function cardAt(text: string, raw: Uint16Array, i: number, n: number, out: TokenSpec[]): void {
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
  // an issuer's range and a card's grouping, not only Luhn (timestamps and ids pass it one time in ten)
  if (!isCardNumber(s)) return;
  out.push({ value: d, kind: 'card', label: 'payment card number' });
  if (d !== s) out.push({ value: s, kind: 'card', label: 'payment card number' });
}

/** Spans of e-mails and random-looking identifiers found by tokenSpans(): start, end, kind (KIND_*). */
export let SPANS = new Int32Array(3 * 1024);
export const KIND_EMAIL = 2; // their index in KINDS
export const KIND_TOKEN = 1;
export const SPAN_KIND: Record<number, { kind: TokenKind; label: string }> = {
  [KIND_TOKEN]: { kind: 'token', label: 'distinctive token' },
  [KIND_EMAIL]: { kind: 'email', label: 'e-mail address' },
};

/**
 * Distinctive tokens of the text whose rawCodes are `raw`, without making strings: e-mails and
 * random-looking identifiers as spans in SPANS (returns how many), card-like numbers (rare, and
 * their value is rewritten) pushed to `cards`. Candidate runs come from normRecord(text, raw),
 * which must have run just before.
 */
export function tokenSpans(text: string, raw: Uint16Array, cards: TokenSpec[]): number {
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
