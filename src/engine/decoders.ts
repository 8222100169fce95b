/**
 * Decoders: other views of an outgoing text (percent-decoded, base64-decoded, ...) that are
 * matched and scanned like the text itself. A decoder is a plug-in: name, cheap test, decode.
 * Pure computation (node:zlib's synchronous gunzip is used for gzip+base64; no I/O).
 *
 * Decoders: URL/percent (also double), backslash escapes (`\uXXXX`, `\xHH`, octal, JSON and shell),
 * HTML entities, quoted-printable (soft line breaks joined) — these four run as one `unescape`
 * pass — then base64 (standard / URL-safe, padded or not), gzip+base64, hex, and DNS labels joined.
 *
 * Bounded: at most `maxDepth` nested decodings, at most `maxViews` views, and at most `maxChars`
 * of produced text in total (a decoder gets the remaining budget and must not produce more;
 * gunzip is capped by it). A view whose text equals an earlier view is dropped, so decoders that
 * undo nothing cost nothing further down. Cheap tests (`applies`) scan each text once, without
 * backtracking regexes.
 */
import { constants as zc, gunzipSync } from 'node:zlib';

export interface Decoder {
  name: string;
  /** cheap pre-test on the text */
  applies(s: string): boolean;
  /** the decoded text, or null when nothing decodes; `maxOut` bounds the produced length */
  decode(s: string, maxOut: number): string | null;
}

export interface View {
  text: string;
  /** decoders applied, outermost first; empty for the raw text */
  via: string[];
}

// ------------------------------------------------------------------------------------- helpers

/** Bytes -> text: UTF-8 when valid, else Latin-1 (one char per byte, nothing lost). */
const utf8 = new TextDecoder('utf-8', { fatal: true });
function bytesToText(b: Uint8Array): string {
  try {
    return utf8.decode(b);
  } catch {
    let s = '';
    for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i] as number);
    return s;
  }
}

function printable(s: string): boolean {
  if (s.length === 0) return false;
  let bad = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 0xfffd) bad++;
  }
  return bad / s.length < 0.05;
}

// ------------------------------------------------------------------------------------- percent

const percent: Decoder = {
  name: 'url',
  applies: (s) => /%[0-9a-f]{2}/i.test(s) || (s.includes('+') && s.includes('=')),
  decode(s) {
    const plus = s.replace(/\+/g, ' ');
    let out: string;
    try {
      // one native call when the whole text is well-formed
      out = decodeURIComponent(plus);
    } catch {
      out = plus.replace(/(?:%[0-9a-f]{2})+/gi, (m) => {
        try {
          return decodeURIComponent(m);
        } catch {
          return m.replace(/%([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
        }
      });
    }
    return out === s ? null : out;
  },
};

// ------------------------------------------------------------------------------------- base64

// anchored at the start of a run (lookbehind): each run is scanned once, not once per start position
const B64_RUN = /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{16,}={0,2}/g;
const B64_CLASS = new Uint8Array(128);
const HEX_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  B64_CLASS[c] = /[A-Za-z0-9+/_-]/.test(ch) ? 1 : 0;
  HEX_CLASS[c] = /[0-9a-fA-F]/.test(ch) ? 1 : 0;
}
/** Has s a run of at least `min` chars of the class? (one pass, stops at the first such run) */
function hasRun(s: string, cls: Uint8Array, min: number): boolean {
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 128 && cls[c] === 1) {
      if (++run >= min) return true;
    } else run = 0;
  }
  return false;
}

function b64bytes(run: string): Buffer | null {
  const std = run
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .replace(/[=\s]+/g, '');
  if (std.length % 4 === 1) return null;
  return Buffer.from(std, 'base64');
}

const base64: Decoder = {
  name: 'base64',
  applies: (s) => hasRun(s, B64_CLASS, 16),
  decode(s) {
    let changed = false;
    const out = s.replace(B64_RUN, (run) => {
      const b = b64bytes(run);
      if (!b) return run;
      const txt = b.toString('utf8');
      if (!printable(txt)) return run;
      changed = true;
      return txt;
    });
    return changed ? out : null;
  },
};

// ------------------------------------------------------------------------------------- gzip + base64

/** A gzip stream (1f 8b 08) in base64 always starts with "H4sI"; wrapped base64 lines are joined. */
const GZ_RUN = /H4sI[A-Za-z0-9+/_-]*(?:\r?\n[A-Za-z0-9+/_-]+)*={0,2}/g;

const gzipBase64: Decoder = {
  name: 'gzip+base64',
  applies: (s) => s.includes('H4sI'),
  decode(s, maxOut) {
    let changed = false;
    let left = maxOut;
    const out = s.replace(GZ_RUN, (run) => {
      if (left <= 0) return run;
      const b = b64bytes(run);
      if (!b || b.length < 18 || b[0] !== 0x1f || b[1] !== 0x8b) return run;
      let raw: Buffer;
      try {
        // Z_SYNC_FLUSH: a truncated stream still yields what it holds; maxOutputLength: no bombs
        raw = gunzipSync(b, { maxOutputLength: Math.max(1, left), finishFlush: zc.Z_SYNC_FLUSH });
      } catch {
        return run;
      }
      const txt = bytesToText(raw);
      if (!printable(txt)) return run;
      left -= txt.length;
      changed = true;
      return txt;
    });
    return changed ? out : null;
  },
};

// ------------------------------------------------------------------------------------- hex

const HEX_RUN = /(?<![0-9a-f])(?:[0-9a-f]{2}){10,}/gi;
const hex: Decoder = {
  name: 'hex',
  applies: (s) => hasRun(s, HEX_CLASS, 20),
  decode(s) {
    let changed = false;
    const out = s.replace(HEX_RUN, (run) => {
      const txt = Buffer.from(run, 'hex').toString('utf8');
      if (!printable(txt)) return run;
      changed = true;
      return txt;
    });
    return changed ? out : null;
  },
};

// ------------------------------------------------------------------------------------- escapes

/**
 * Backslash escapes of JSON, JavaScript, Python and shell (`$'…'`, printf): `\uXXXX` (surrogate
 * pairs combine), `\u{X…}`, runs of `\xHH` and of octal `\NNN` (bytes, UTF-8 when valid), and the
 * single-char escapes `\n \r \t \b \f \v \0 \" \' \\ \/ \` \$`.
 */
const ESC_ANY = /\\(?:u[0-9a-fA-F]{4}|u\{[0-9a-fA-F]{1,6}\}|x[0-9a-fA-F]{2}|[0-7]{3}|[nrtbfv0"'\\/`$])/;
const SIMPLE: Record<string, string> = {
  n: '\n',
  r: '\r',
  t: '\t',
  b: '\b',
  f: '\f',
  v: '\v',
  '0': '\0',
  '"': '"',
  "'": "'",
  '\\': '\\',
  '/': '/',
  '`': '`',
  $: '$',
};

const HEXV = new Int8Array(128).fill(-1);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[0-9a-fA-F]/.test(ch)) HEXV[c] = parseInt(ch, 16);
}
const hexv = (c: number): number => (c < 128 ? (HEXV[c] as number) : -1);
const SIMPLE_CODE = new Int32Array(128).fill(-1);
for (const [k, v] of Object.entries(SIMPLE)) SIMPLE_CODE[k.charCodeAt(0)] = v.charCodeAt(0);

/** Decoded chars are written here (reused) and made into one string at the end. */
let ESC_OUT = new Uint16Array(1024);
function escOut(n: number): void {
  if (n <= ESC_OUT.length) return;
  const b = new Uint16Array(Math.max(n, ESC_OUT.length * 2));
  b.set(ESC_OUT);
  ESC_OUT = b;
}
function codesToString(a: Uint16Array, n: number): string {
  let out = '';
  for (let i = 0; i < n; i += 8192) out += String.fromCharCode.apply(null, a.subarray(i, Math.min(n, i + 8192)) as unknown as number[]);
  return out;
}

/**
 * A run of 4-char byte escapes starting at s[i] (`\xHH`, or octal `\NNN` with a first digit 0-3,
 * as `byteAt` reads them: the byte, or -1): the run decoded as text and where it ends, or null.
 */
function byteEscapes(s: string, i: number, byteAt: (s: string, j: number) => number): { text: string; end: number } | null {
  const bytes: number[] = [];
  let j = i;
  for (let b: number; j + 3 < s.length && s.charCodeAt(j) === 92 && (b = byteAt(s, j)) >= 0; j += 4) bytes.push(b);
  return bytes.length ? { text: bytesToText(Uint8Array.from(bytes)), end: j } : null;
}
const hexByte = (s: string, j: number): number => {
  const h = hexv(s.charCodeAt(j + 2));
  const l = hexv(s.charCodeAt(j + 3));
  return s.charCodeAt(j + 1) === 120 /* x */ && h >= 0 && l >= 0 ? h * 16 + l : -1;
};
const octByte = (s: string, j: number): number => {
  const a = s.charCodeAt(j + 1) - 48;
  const b = s.charCodeAt(j + 2) - 48;
  const c = s.charCodeAt(j + 3) - 48;
  return a >= 0 && a <= 3 && b >= 0 && b <= 7 && c >= 0 && c <= 7 ? (a * 64 + b * 8 + c) & 0xff : -1;
};

/**
 * One left-to-right pass over the escapes above, trying at each backslash the alternatives of
 * `(?:\\x[0-9a-fA-F]{2})+|(?:\\[0-3][0-7]{2})+|\\u\{([0-9a-fA-F]{1,6})\}|\\u([0-9a-fA-F]{4})|\\([nrtbfv0"'\\/`$])`
 * in that order, as that regex does (the unit tests check the two agree), without a callback,
 * match strings or pieces per escape. Returns null when nothing was decoded.
 */
function decodeEscapes(s: string): string | null {
  const n = s.length;
  let o = 0; // chars written to ESC_OUT
  let copied = 0; // s[0, copied) is accounted for
  let changed = false;
  const put = (c: number): void => {
    escOut(o + 1);
    ESC_OUT[o++] = c;
  };
  const flush = (to: number): void => {
    escOut(o + (to - copied));
    for (let k = copied; k < to; k++) ESC_OUT[o++] = s.charCodeAt(k);
  };
  let i = s.indexOf('\\');
  while (i >= 0 && i < n - 1) {
    const c1 = s.charCodeAt(i + 1);
    let end = -1; // end of the match at i, or -1
    let text: string | null = null; // decoded text of a byte run
    let code = -1; // decoded UTF-16 code unit (or code point for \u{…})
    const run = c1 === 120 /* x */ ? byteEscapes(s, i, hexByte) : c1 >= 48 && c1 <= 51 ? byteEscapes(s, i, octByte) : null;
    if (run) {
      text = run.text;
      end = run.end;
    }
    if (end < 0 && c1 === 117 /* u */) {
      if (i + 2 < n && s.charCodeAt(i + 2) === 123 /* { */) {
        // \u{X…}: 1-6 hex digits and a closing brace
        let j = i + 3;
        let v = 0;
        while (j < n && j - (i + 3) < 6 && hexv(s.charCodeAt(j)) >= 0) v = v * 16 + hexv(s.charCodeAt(j++));
        if (j > i + 3 && j < n && s.charCodeAt(j) === 125 /* } */) {
          end = j + 1;
          if (v <= 0x10ffff) code = v;
          else text = s.slice(i, end); // kept as it is
        }
      }
      if (
        end < 0 &&
        i + 5 < n &&
        hexv(s.charCodeAt(i + 2)) >= 0 &&
        hexv(s.charCodeAt(i + 3)) >= 0 &&
        hexv(s.charCodeAt(i + 4)) >= 0 &&
        hexv(s.charCodeAt(i + 5)) >= 0
      ) {
        code = ((hexv(s.charCodeAt(i + 2)) * 16 + hexv(s.charCodeAt(i + 3))) * 16 + hexv(s.charCodeAt(i + 4))) * 16 + hexv(s.charCodeAt(i + 5));
        end = i + 6;
      }
    }
    if (end < 0 && c1 < 128 && (SIMPLE_CODE[c1] as number) >= 0) {
      code = SIMPLE_CODE[c1] as number;
      end = i + 2;
    }
    if (end < 0) {
      // no escape here: the backslash stays, and the next char is looked at on its own
      i = s.indexOf('\\', i + 1);
      continue;
    }
    flush(i);
    if (text !== null) {
      escOut(o + text.length);
      for (let k = 0; k < text.length; k++) ESC_OUT[o++] = text.charCodeAt(k);
    } else if (code > 0xffff) {
      put(0xd800 + ((code - 0x10000) >> 10));
      put(0xdc00 + ((code - 0x10000) & 0x3ff));
    } else put(code);
    copied = end;
    changed = true;
    i = s.indexOf('\\', end);
  }
  if (!changed) return null;
  flush(n);
  const out = codesToString(ESC_OUT, o);
  return out === s ? null : out;
}

const escapes: Decoder = {
  name: 'escape',
  applies: (s) => s.includes('\\') && ESC_ANY.test(s),
  decode: (s) => decodeEscapes(s),
};

/** (exported for the tests) */
export { decodeEscapes };

// ------------------------------------------------------------------------------------- HTML entities

const NAMED: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  tab: '\t',
  newline: '\n',
  colon: ':',
  sol: '/',
  bsol: '\\',
  equals: '=',
  lpar: '(',
  rpar: ')',
  comma: ',',
  period: '.',
  excl: '!',
  quest: '?',
  num: '#',
  dollar: '$',
  percnt: '%',
  plus: '+',
  semi: ';',
  lsqb: '[',
  rsqb: ']',
  lbrack: '[',
  rbrack: ']',
  lcub: '{',
  rcub: '}',
  lbrace: '{',
  rbrace: '}',
  lowbar: '_',
  grave: '`',
  hyphen: '-',
  dash: '-',
  ndash: '\u2013',
  mdash: '\u2014',
  ast: '*',
  commat: '@',
  verbar: '|',
  vert: '|',
  hat: '^',
  copy: '\u00a9',
  reg: '\u00ae',
  trade: '\u2122',
  hellip: '\u2026',
  laquo: '\u00ab',
  raquo: '\u00bb',
  ldquo: '\u201c',
  rdquo: '\u201d',
  lsquo: '\u2018',
  rsquo: '\u2019',
  middot: '\u00b7',
  bull: '\u2022',
  deg: '\u00b0',
  euro: '\u20ac',
  pound: '\u00a3',
  yen: '\u00a5',
  cent: '\u00a2',
  sect: '\u00a7',
  para: '\u00b6',
  times: '\u00d7',
  divide: '\u00f7',
};
const ENT_ANY = /&(?:#[0-9]{1,7};?|#x[0-9a-f]{1,6};?|[a-z][a-z0-9]{1,7};)/i;
const ENT_ALL = /&(?:#([0-9]{1,7});?|#[xX]([0-9a-fA-F]{1,6});?|([a-zA-Z][a-zA-Z0-9]{1,7});)/g;

const htmlEntities: Decoder = {
  name: 'html',
  applies: (s) => s.includes('&') && ENT_ANY.test(s),
  decode(s) {
    const out = s.replace(ENT_ALL, (m, dec: string | undefined, hx: string | undefined, name: string | undefined) => {
      if (name !== undefined) return NAMED[name] ?? NAMED[name.toLowerCase()] ?? m;
      const n = dec !== undefined ? parseInt(dec, 10) : parseInt(hx as string, 16);
      return n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : m;
    });
    return out === s ? null : out;
  },
};

// ------------------------------------------------------------------------------------- quoted-printable

/**
 * Quoted-printable (RFC 2045): soft line breaks `=\r\n` / `=\n` are joined (so a value split by
 * a QP line break is whole again), `=HH` runs become bytes (UTF-8 when valid). The `=` of a URL
 * parameter (`?name=`, `&name=`) is no escape: `&balance=77.15` or `&date=2026-12-01` keep their
 * values (all local decoders run in one pass, so a URL's `%20` and its parameters are decoded together).
 */
const QP_PARAM = /[?&][A-Za-z0-9_.~[\]-]{1,64}$/;
const quotedPrintable: Decoder = {
  name: 'quoted-printable',
  applies: (s) => s.includes('=') && /=\r?\n|=[0-9A-F]{2}/.test(s),
  decode(s) {
    const out = s.replace(/=[ \t]*\r?\n/g, '').replace(/(?:=[0-9A-F]{2})+/g, (m: string, at: number, all: string) => {
      const keep = QP_PARAM.test(all.slice(Math.max(0, at - 65), at)) ? m.slice(0, 3) : '';
      const bytes = new Uint8Array((m.length - keep.length) / 3);
      for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(m.slice(keep.length + i * 3 + 1, keep.length + i * 3 + 3), 16);
      return keep + bytesToText(bytes);
    });
    return out === s ? null : out;
  },
};

// ------------------------------------------------------------------------------------- DNS labels

/**
 * Data smuggled in a DNS name is cut into labels of at most 63 chars (`<60 chars>.<rest>.zone`).
 * Join a long label to the next label (not to the zone's last label), so that the base64 / hex
 * decoders see the whole run.
 */
const DNS_LONG = /(?<![A-Za-z0-9_-])([A-Za-z0-9_-]{30,63})\.(?=[A-Za-z0-9_-]{1,63}\.[A-Za-z0-9-])/g;
const LABEL = new Uint8Array(128);
for (let c = 0; c < 128; c++) LABEL[c] = /[A-Za-z0-9_-]/.test(String.fromCharCode(c)) ? 1 : 0;
/** A '.' after a label of at least 30 chars (looked for from each '.', not at every position). */
function longLabel(s: string): boolean {
  for (let dot = s.indexOf('.', 30); dot >= 0; dot = s.indexOf('.', dot + 1)) {
    let k = dot - 1;
    while (k >= 0 && dot - k <= 30 && (s.charCodeAt(k) < 128 ? LABEL[s.charCodeAt(k)] === 1 : false)) k--;
    if (dot - k > 30) return true;
  }
  return false;
}
const dnsLabels: Decoder = {
  name: 'dns-labels',
  applies: (s) => longLabel(s),
  decode(s) {
    const out = s.replace(DNS_LONG, '$1');
    return out === s ? null : out;
  },
};

// ------------------------------------------------------------------------------------- URL sequences

/**
 * Data sent as the choice of URLs: many URLs of one template that differ only in a short part
 * (`https://h/c/81.png`, `https://h/c/68.png` … one per character of a secret; markdown images a
 * viewer loads in order). The varying parts, in order, are the message: joined as written (single
 * characters, hex pairs or base64 pieces, which the next decoders undo) and, when they are all
 * character codes, as the characters. A URL inside another one's path (an image proxy's
 * `https://proxy/<sig>/<hex of the URL>`, once hex-decoded) counts as the inner one.
 */
const SEQ_MIN = 8;
/** longest varying part counted as one symbol of such a channel */
const SEQ_MAX_PART = 6;

/** The longest prefix and suffix every text shares (the fixed template around the varying parts). */
export function commonAffixes(texts: readonly string[]): { pre: string; suf: string } {
  let pre = texts[0] ?? '';
  let suf = pre;
  for (const t of texts) {
    let i = 0;
    while (i < pre.length && i < t.length && pre[i] === t[i]) i++;
    pre = pre.slice(0, i);
    let j = 0;
    while (j < suf.length && j < t.length && suf[suf.length - 1 - j] === t[t.length - 1 - j]) j++;
    suf = suf.slice(suf.length - j);
  }
  return { pre, suf };
}

/** Numbering (`page-1` … `page-12`, any arithmetic progression of numbers): a list of pages, not a message. */
export function isNumbering(parts: readonly string[]): boolean {
  if (parts.length < 2 || !parts.every((p) => /^\d+$/.test(p))) return false;
  const d = Number(parts[1]) - Number(parts[0]);
  return parts.every((p, i) => Number(p) === Number(parts[0]) + i * d);
}

/** A part that is the decimal code of a printable ASCII character (`/c/81.png`: Q). */
export const isCharCode = (p: string): boolean => /^\d{2,3}$/.test(p) && Number(p) >= 32 && Number(p) <= 126;
const URL_IN_TEXT = /[a-z][a-z0-9+.-]{1,15}:\/\/[^\s"'<>()[\]{}`\\|^]+/gi;
function countOf(s: string, sub: string, atLeast: number): boolean {
  let n = 0;
  for (let i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length)) if (++n >= atLeast) return true;
  return false;
}
const urlSequence: Decoder = {
  name: 'url-sequence',
  applies: (s) => countOf(s, '://', SEQ_MIN),
  decode(s, maxOut) {
    const byHost = new Map<string, string[]>();
    for (const m of s.matchAll(URL_IN_TEXT)) {
      let u = m[0];
      const inner = u.lastIndexOf('://');
      if (inner > u.indexOf('://')) {
        const start = u.slice(0, inner).search(/[a-z][a-z0-9+.-]*$/i);
        if (start >= 0) u = u.slice(start);
      }
      const host = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]+)/i.exec(u)?.[1]?.toLowerCase();
      if (!host) continue;
      // by site, not host: the varying part may be a subdomain (`q.x.example`, `d.x.example` …)
      const site = host.split('.').slice(-2).join('.');
      const list = byHost.get(site) ?? [];
      list.push(u);
      byHost.set(site, list);
    }
    const out: string[] = [];
    for (const urls of byHost.values()) {
      if (urls.length < SEQ_MIN) continue;
      const { pre, suf } = commonAffixes(urls);
      const parts = urls.map((u) => u.slice(pre.length, Math.max(pre.length, u.length - suf.length)));
      if (parts.some((p) => p.length === 0 || p.length > SEQ_MAX_PART)) continue;
      // one symbol per URL, and not all the same (a gallery of one image repeated says nothing)
      if (new Set(parts).size < 2) continue;
      // numbering (page-1 … page-12, an arithmetic progression) is a gallery or a list of pages, not a message
      if (isNumbering(parts)) continue;
      const joined = parts.join('');
      if (parts.every(isCharCode)) out.push(String.fromCharCode(...parts.map(Number)));
      out.push(joined);
    }
    const text = out.join('\n');
    return text.length === 0 || text.length > maxOut ? null : text;
  },
};

/** The decoders that undo escaping char by char (they commute, more or less). */
export const LOCAL_DECODERS: readonly Decoder[] = [percent, escapes, htmlEntities, quotedPrintable];

/**
 * All local decoders in one pass, in a fixed order (URL, backslash escapes, HTML entities,
 * quoted-printable), each where it applies. One view instead of one per decoder and per order:
 * text where several of them apply (a JSON body with `\n`, `&amp;` and `=3D`) would otherwise
 * give a dozen near-identical views. Its name lists the decoders that changed something.
 */
function unescapeAll(s: string): { text: string; names: string[] } | null {
  let text = s;
  const names: string[] = [];
  for (const d of LOCAL_DECODERS) {
    if (!d.applies(text)) continue;
    const t = d.decode(text, Infinity);
    if (t === null || t === text) continue;
    text = t;
    names.push(d.name);
  }
  return names.length ? { text, names } : null;
}

/** (`lastNames`: which local decoders the last decode() applied, read by views() right after it) */
const unescapeDecoder: Decoder & { lastNames?: string[] } = {
  name: 'unescape',
  applies: (s) => LOCAL_DECODERS.some((d) => d.applies(s)),
  decode(s) {
    const r = unescapeAll(s);
    unescapeDecoder.lastNames = r?.names;
    return r ? r.text : null;
  },
};

export const DEFAULT_DECODERS: readonly Decoder[] = [unescapeDecoder, base64, gzipBase64, hex, dnsLabels, urlSequence];
export const ALL_DECODERS: readonly Decoder[] = [percent, base64, gzipBase64, hex, escapes, htmlEntities, quotedPrintable, dnsLabels, urlSequence];

export interface ViewLimits {
  maxDepth?: number;
  /** total chars of decoded views (default 4 × the text + 64 KB) */
  maxChars?: number;
  maxViews?: number;
  /**
   * Set when a bound stopped the decoding while a decoder still had something to decode (a fourth
   * layer of base64, more views than maxViews, the chars budget spent): which bound. The caller fails
   * closed on it.
   */
  cut?: string;
}

/** The raw text plus every decoded view, breadth-first, bounded in depth, count and total size. */
export function views(text: string, decoders: readonly Decoder[] = DEFAULT_DECODERS, limits: ViewLimits = {}): View[] {
  const maxDepth = limits.maxDepth ?? 3;
  const maxViews = limits.maxViews ?? 24;
  let budget = limits.maxChars ?? 4 * text.length + 65536;
  const out: View[] = [{ text, via: [] }];
  const seen = new Set<string>([text]);
  let frontier: View[] = out.slice();
  const lastOf = new Map<View, Decoder>();
  for (let depth = 0; depth < maxDepth && frontier.length && budget > 0; depth++) {
    const next: View[] = [];
    for (const fv of frontier) {
      const v = { text: fv.text, via: fv.via, last: lastOf.get(fv) };
      for (const d of decoders) {
        if (budget <= 0 || out.length >= maxViews) break;
        // the same decoder twice in a row only helps for layered encodings (double URL-encoding,
        // `\\u0041`, base64 of base64)
        if (v.last === d && d !== unescapeDecoder && d !== base64) continue;
        if (!d.applies(v.text)) continue;
        const t = d.decode(v.text, budget);
        if (t === null || t.length === 0 || seen.has(t)) continue;
        budget -= t.length;
        seen.add(t);
        const name = d === unescapeDecoder ? (unescapeDecoder.lastNames ?? ['unescape']).join('+') : d.name;
        const nv: View = { text: t, via: [...v.via, name] };
        next.push(nv);
        out.push(nv);
        lastOf.set(nv, d);
      }
    }
    frontier = next;
  }
  // what the bounds left undecoded: one more layer (or view) a decoder would still give
  if (frontier.length > 0 && limits.cut === undefined) {
    const why =
      out.length >= maxViews
        ? `more than the ${maxViews} decoded views made of one text`
        : budget <= 0
          ? 'more decoded text than the budget of 4 times the text and 64 KB'
          : `encoded in more than the ${maxDepth} layers decoded`;
    outer: for (const fv of frontier) {
      for (const d of decoders) {
        if (lastOf.get(fv) === d && d !== unescapeDecoder && d !== base64) continue;
        if (!d.applies(fv.text)) continue;
        const t = d.decode(fv.text, Math.max(fv.text.length * 4, 1024));
        if (t === null || t.length === 0 || seen.has(t)) continue;
        limits.cut = why;
        break outer;
      }
    }
  }
  return out;
}
