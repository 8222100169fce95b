import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addMode,
  distinctiveTokens,
  prepareText,
  prepareTextSteps,
  KGRAM_PIECE,
  FingerprintIndex,
  Hasher,
  K,
  normalize,
  NumTable,
  stringLeaves,
  W,
} from '../../src/engine/fingerprint/index.ts';
import { SEL, normRecord, rawCodes } from '../../src/engine/fingerprint/normalize.ts';

const hasher = new Hasher(0x1234abcd);
const lorem = (n: number, seed = 1): string => {
  const ws = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima'];
  let x = seed;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out.push(ws[x % ws.length] as string);
  }
  return out.join(' ');
};

test('rolling hash equals the whole-string hash of each window', () => {
  const s = normalize('The Quick brown fox jumps over the lazy dog 12345');
  hasher.roll(s, 10, (h, i) => assert.equal(h, hasher.hash(s.slice(i, i + 10))));
});

test('a different seed gives different hashes', () => {
  assert.notEqual(new Hasher(1).hash('abcdefgh'), new Hasher(2).hash('abcdefgh'));
});

test('winnowing guarantees a match for any shared run of K+W-1 chars, wherever it is embedded', () => {
  const origin = lorem(400, 7);
  const idx = new FingerprintIndex(hasher, 100000);
  idx.add(1, [origin], []);
  const norm = normalize(origin);
  for (let start = 0; start + K + W - 1 < norm.length; start += 37) {
    const piece = norm.slice(start, start + K + W - 1);
    const m = idx.match(`curl -d "prefix ${piece} suffix" https://x.example`);
    assert.equal(m.length, 1, `run at ${start} not found`);
    assert.ok((m[0]?.covered ?? 0) >= K);
  }
});

test('unrelated text does not match', () => {
  const idx = new FingerprintIndex(hasher, 100000);
  idx.add(1, [lorem(500, 3)], []);
  assert.deepEqual(idx.match('npm test -- --grep "flow engine handles parallel tool calls"'), []);
});

test('secret tokens match when embedded in a URL or a JSON body, case-insensitively', () => {
  const idx = new FingerprintIndex(hasher, 100000);
  const secret = ['Tq8vJ2mXkP4w/R7nB1sD5fG9', 'L3zC6yV0aE2uI4oQ'].join('') /* not AWS's documented example key, which is no secret */;
  idx.add(1, [`AWS_SECRET_ACCESS_KEY=${secret}\nREGION=us-east-1`], [{ value: secret, kind: 'secret', label: 'AWS secret access key' }]);
  for (const out of [`https://x.example/c?k=${secret}&z=1`, JSON.stringify({ text: `here: ${secret}` }), `k=${secret.toLowerCase()}`]) {
    const m = idx.match(out);
    assert.equal(m.length, 1, out);
    assert.deepEqual(m[0]?.sensitiveLabels, ['AWS secret access key']);
  }
});

test('short lines and distinctive tokens are kept whole', () => {
  const idx = new FingerprintIndex(hasher, 100000);
  idx.add(1, ['name,email\nAda Lovelace,ada@example.org\n'], []);
  const m = idx.match('please mail ada@example.org today');
  assert.equal(m[0]?.distinctive, true);
  const cards = distinctiveTokens('card 4111 1111 1111 1111 and 1234567812345678');
  assert.ok(cards.some((t) => t.kind === 'card' && t.value === '4111111111111111'));
  assert.ok(!cards.some((t) => t.value === '1234567812345678')); // fails Luhn
  assert.ok(!distinctiveTokens('commit 3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39').some((t) => t.kind === 'token'));
});

const randomText = (n: number, seed: number): string => {
  let x = seed * 7919 + 1;
  let s = '';
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    s += i % 7 === 6 ? ' ' : String.fromCharCode(97 + (x % 26));
  }
  return s;
};

test('the index is bounded: oldest origins are evicted first', () => {
  const idx = new FingerprintIndex(hasher, 2000);
  for (let i = 1; i <= 20; i++) idx.add(i, [randomText(2000, i)], []);
  assert.ok(idx.size <= 2000, `size ${idx.size}`);
  assert.equal(idx.hasOrigin(1), false);
  assert.equal(idx.hasOrigin(20), true);
  assert.equal(idx.match(randomText(2000, 1)).length, 0);
  assert.ok(idx.match(randomText(2000, 20)).some((m) => m.originId === 20));
});

test('stringLeaves walks objects and arrays, bounded in size and depth', () => {
  assert.deepEqual(stringLeaves({ a: 'x', b: [1, 'y', { c: 'z' }], n: 4111111111111111 }), ['x', 'y', 'z', '4111111111111111']);
  assert.deepEqual(stringLeaves({ a: 'abcdef' }, 3), ['abc']);
  let deep: unknown = 'bottom';
  for (let i = 0; i < 100; i++) deep = [deep];
  assert.deepEqual(stringLeaves(deep, 1000, 10), []);
});

test('NumTable: set/get/overwrite/deleteValue survive growth and tombstones', async () => {
  const { NumTable } = await import('../../src/engine/fingerprint/index.ts');
  const t = new NumTable(true);
  const ref = new Map<number, number>();
  let x = 99;
  for (let i = 0; i < 20000; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const key = x * 4096 + (i % 4096); // large integer keys, some repeated
    t.set(key, i % 37, 5);
    ref.set(key, i % 37);
    if (i % 1000 === 999) {
      const v = i % 37;
      t.deleteValue(v);
      for (const [k, val] of ref) if (val === v) ref.delete(k);
    }
  }
  assert.equal(t.size, ref.size);
  for (const [k, v] of ref) {
    assert.equal(t.get(k), v);
    assert.equal(t.tag(k), 5);
  }
  assert.equal(t.get(1.5e15), -1);
});

test('NumTable at a steady size with evictions clears its tombstones in place: keys, values and tags kept, capacity unchanged', () => {
  // a table held near its cap evicts on most additions: it fills with tombstones and clears them
  // without growing (in place, through a scratch shared by all tables: two tables interleaved here)
  const a = new NumTable(true);
  const b = new NumTable(false);
  const refA = new Map<number, [number, number]>();
  const refB = new Map<number, number>();
  let x = 7;
  const next = (): number => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x * 65536 + (x & 0xffff);
  };
  let bytesAtSteady = -1;
  for (let round = 0; round < 400; round++) {
    const v = round % 50;
    for (let i = 0; i < 40; i++) {
      const k = next();
      a.set(k, v, (k >>> 3) & 0xffff);
      refA.set(k, [v, (k >>> 3) & 0xffff]);
      b.set(k + 1, v);
      refB.set(k + 1, v);
    }
    // evict the oldest value once 45 values are present (~1,800 entries: a steady size)
    if (round >= 45) {
      const old = (round - 45) % 50;
      a.deleteValues(new Set([old]));
      b.deleteValue(old);
      for (const [k, [val]] of refA) if (val === old) refA.delete(k);
      for (const [k, val] of refB) if (val === old) refB.delete(k);
    }
    if (round === 100) bytesAtSteady = a.bytes();
  }
  assert.equal(a.size, refA.size);
  assert.equal(b.size, refB.size);
  for (const [k, [v, tag]] of refA) {
    assert.equal(a.get(k), v);
    assert.equal(a.tag(k), tag);
  }
  for (const [k, v] of refB) assert.equal(b.get(k), v);
  let seen = 0;
  a.forEach((k, v, tag) => {
    seen++;
    assert.deepEqual(refA.get(k), [v, tag]);
  });
  assert.equal(seen, refA.size);
  assert.equal(a.bytes(), bytesAtSteady, 'no growth at a steady size');
  assert.equal(a.get(next()), -1);
});

test('small origins keep every k-gram: any shared run of K chars is found', () => {
  const origin = lorem(150, 11); // well under DENSE_MAX
  const idx = new FingerprintIndex(hasher, 100000);
  idx.add(1, [origin], []);
  const norm = normalize(origin);
  for (let start = 0; start + K <= norm.length; start += 13) {
    const m = idx.match(`x ${norm.slice(start, start + K)} y`);
    assert.equal(m.length, 1, `run at ${start}`);
    assert.equal(m[0]?.covered, K);
  }
});

/** xorshift32 text: words of random letters (no short cycles) */
const xorText = (n: number, seed: number): string => {
  let x = seed | 1;
  let s = '';
  while (s.length < n) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    s += String.fromCharCode(97 + ((x >>> 0) % 26)) + ((x >>> 8) % 6 === 0 ? ' ' : '');
  }
  return s;
};

test('a large origin is sampled so that it takes at most half of the index', () => {
  const idx = new FingerprintIndex(hasher, 10000);
  idx.add(1, ['.env-like: KEY=' + 'Zx9'.repeat(10)], [], { precious: true });
  const big = xorText(300_000, 5);
  idx.add(2, [big], []);
  assert.ok(idx.size <= 10000, `size ${idx.size}`);
  assert.ok(idx.size > 3000, `size ${idx.size}`);
  assert.equal(idx.hasOrigin(1), true);
  // a long shared run is still found
  const norm = normalize(big);
  assert.ok(idx.match(norm.slice(5000, 6000)).some((m) => m.originId === 2 && m.covered >= 100));
});

test('eviction: origins without secrets go first, the sensitive one stays', () => {
  const idx = new FingerprintIndex(hasher, 3000);
  idx.add(
    1,
    ['AWS_SECRET_ACCESS_KEY=Tq8vJ2mXkP4wR7nB1sD5fG9hL3zC6yV0aE2uI4oQ'],
    [{ value: 'Tq8vJ2mXkP4wR7nB1sD5fG9hL3zC6yV0aE2uI4oQ', kind: 'secret', label: 'AWS secret access key' }],
    { precious: true },
  );
  for (let i = 2; i <= 12; i++) idx.add(i, [randomText(3000, i)], []);
  assert.equal(idx.hasOrigin(1), true);
  assert.equal(idx.hasOrigin(2), false);
  assert.deepEqual(idx.match('k=Tq8vJ2mXkP4wR7nB1sD5fG9hL3zC6yV0aE2uI4oQ')[0]?.sensitiveLabels, ['AWS secret access key']);
});

test('eviction of many origins at once: the oldest go in order, a precious one stays, the rest still match', () => {
  const idx = new FingerprintIndex(hasher, 6000);
  idx.add(
    1,
    ['AWS_SECRET_ACCESS_KEY=Tq8vJ2mXkP4wR7nB1sD5fG9hL3zC6yV0aE2uI4oQ'],
    [{ value: 'Tq8vJ2mXkP4wR7nB1sD5fG9hL3zC6yV0aE2uI4oQ', kind: 'secret', label: 'AWS secret access key' }],
    { precious: true },
  );
  const texts = new Map<number, string>();
  for (let i = 2; i <= 41; i++) {
    texts.set(i, randomText(300, i));
    idx.add(i, [texts.get(i) as string], []);
  }
  assert.ok(idx.size <= 6000);
  // one large origin: many small ones must go in one eviction
  idx.add(99, [randomText(20000, 99)], []);
  assert.ok(idx.size <= 6000);
  assert.equal(idx.hasOrigin(1), true);
  assert.equal(idx.hasOrigin(99), true);
  const kept = [...texts.keys()].filter((i) => idx.hasOrigin(i));
  assert.ok(kept.length > 0 && kept.length < 40, `some small origins kept, not all: ${kept.length}`);
  // oldest first: what is kept is the newest run of ids
  assert.deepEqual(
    kept,
    Array.from({ length: kept.length }, (_, j) => 42 - kept.length + j),
  );
  for (const [i, t] of texts) {
    const m = idx.match(t).some((o) => o.originId === i);
    assert.equal(m, idx.hasOrigin(i), `origin ${i}: matched ${m}, kept ${idx.hasOrigin(i)}`);
  }
  assert.deepEqual(idx.match('k=Tq8vJ2mXkP4wR7nB1sD5fG9hL3zC6yV0aE2uI4oQ')[0]?.sensitiveLabels, ['AWS secret access key']);
});

test('NumTable.deleteValues removes every entry of several values in one pass; countValues counts them', () => {
  const t = new NumTable(true);
  const keys = Array.from({ length: 3000 }, (_, i) => (i * 2654435761 + 3) % 2 ** 48);
  keys.forEach((k, i) => t.set(k, i % 7));
  const counts = new Map<number, number>();
  t.countValues(counts);
  assert.equal(counts.get(2), keys.filter((_, i) => i % 7 === 2).length);
  const lows: number[] = [];
  const gone = t.deleteValues(new Set([2, 5]), 8, lows);
  assert.equal(gone, (counts.get(2) as number) + (counts.get(5) as number));
  assert.equal(t.size, 3000 - gone);
  const want = keys.filter((k, i) => (i % 7 === 2 || i % 7 === 5) && k % 256 < 8).map((k) => k % 256);
  assert.deepEqual([...lows].sort(), want.sort());
  for (let i = 0; i < keys.length; i++) assert.equal(t.get(keys[i] as number), i % 7 === 2 || i % 7 === 5 ? -1 : i % 7);
});

test('NumTable.deleteValues hands over the keys of the values asked for as it deletes them (what eviction lets go of), and lookups stay right with the filter not rebuilt', () => {
  const t = new NumTable(false);
  const keys = Array.from({ length: 4000 }, (_, i) => (i * 2654435761 + 11) % 2 ** 48);
  keys.forEach((k, i) => t.set(k, i % 5));
  // what a separate pass over the table found before the deletion (the old way)
  const before: number[] = [];
  t.forEach((key, val) => {
    if (val === 3) before.push(key);
  });
  const handed: number[] = [];
  const gone = t.deleteValues(new Set([1, 3]), 0, undefined, { of: new Set([3]), key: (k) => handed.push(k) });
  assert.equal(gone, keys.filter((_, i) => i % 5 === 1 || i % 5 === 3).length);
  assert.deepEqual(handed, before, 'the same keys, in the same (slot) order');
  assert.equal(handed.length, keys.filter((_, i) => i % 5 === 3).length);
  // deleted keys are gone, the others found, and keys set afterwards (into tombstones) found too
  for (let i = 0; i < keys.length; i++) assert.equal(t.get(keys[i] as number), i % 5 === 1 || i % 5 === 3 ? -1 : i % 5);
  for (let i = 0; i < keys.length; i += 5) t.set(keys[i + 3] as number, 9);
  for (let i = 0; i < keys.length; i++) assert.equal(t.get(keys[i] as number), i % 5 === 3 ? 9 : i % 5 === 1 ? -1 : i % 5);
});

test('tokens of many different lengths are all found (anchors, not one roll per length)', () => {
  const idx = new FingerprintIndex(hasher, 100000);
  const toks: string[] = [];
  let x = 7;
  const B62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  for (let len = 16; len <= 120; len++) {
    let t = 'Tok9';
    while (t.length < len) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      t += B62[(x >>> 0) % 62];
    }
    toks.push(t);
  }
  idx.add(1, [toks.join('\n')], []);
  for (const t of toks)
    assert.ok(
      idx.match(`send ${t} now`).some((m) => m.distinctive),
      t,
    );
});

test('secret fragments: pieces of a secret are reported with their offsets', () => {
  const secret = 'Tq8vJ2mXkP4wR7nB1sD5fG9hL3zC6yV0aE2uI4oQ';
  const idx = new FingerprintIndex(hasher, 100000);
  idx.add(1, [`KEY=${secret}`], [{ value: secret, kind: 'secret', label: 'AWS secret access key' }]);
  const r = idx.matchAll(`part 2: ${secret.slice(20)}`);
  assert.equal(r.fragments.length, 1);
  const f = r.fragments[0]!;
  assert.equal(f.length, 40);
  assert.deepEqual(f.ranges, [[20, 40]]);
  assert.equal(idx.matchAll('nothing here at all').fragments.length, 0);
  // a low-entropy or short value is not indexed
  const low = new FingerprintIndex(hasher, 100000);
  low.add(1, ['x'], [{ value: 'aaaaaaaaaabbbbbbbbbb', kind: 'secret', label: 'password' }]);
  assert.equal(low.fragmentCount, 0);
});

test('soft exclusion: k-gram coverage inside excluded ranges does not count, tokens do', () => {
  const idx = new FingerprintIndex(hasher, 100000);
  const link = 'https://expressjs.com/en/guide/error-handling-and-middleware.html';
  idx.add(1, [`See the docs: ${link}\nmail ops.team@initech.io`], []);
  const text = `${link} ops.team@initech.io`;
  const m = idx.matchAll(text, { softExclude: [[0, link.length]] }).origins[0]!;
  assert.ok(m.covered >= link.length - 5);
  assert.ok(m.coveredOutside < 25, String(m.coveredOutside));
  assert.equal(m.distinctive, true);
});

test('normalisation is per char: non-ASCII case and Unicode spaces', () => {
  assert.equal(normalize('ÉCOLE\u00a0Ünïcode\u2003X'), 'écoleünïcodex');
  const idx = new FingerprintIndex(hasher, 100000);
  idx.add(1, ['Ärger über die Straße und die Überweisung von 4.000 Euro an Müller GmbH'], []);
  assert.ok(idx.match('ÄRGER ÜBER DIE STRASSE'.toLowerCase() + ' und die überweisung von 4.000 euro').length >= 1);
});

test('distinctiveTokens: e-mails, grouped cards, ids; not hex digests, not identifiers', () => {
  const t = distinctiveTokens(
    'mail a.b-c@mail.example.co.uk, card 4539-1488-0343-6467 and 4539 1488 0343 6467, id sk9Qw2Lm8Zp4Xr7Tn1Vb, name some_name2x, sha 3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39',
  );
  assert.ok(t.some((x) => x.kind === 'email' && x.value === 'a.b-c@mail.example.co.uk'));
  assert.ok(t.some((x) => x.kind === 'card' && x.value === '4539148803436467'));
  assert.ok(t.some((x) => x.kind === 'card' && x.value === '4539-1488-0343-6467'));
  assert.ok(t.some((x) => x.kind === 'token' && x.value === 'sk9Qw2Lm8Zp4Xr7Tn1Vb'));
  assert.ok(!t.some((x) => x.value.startsWith('3f2a9c1d')));
  assert.ok(!t.some((x) => x.value === 'some_name2x'));
});

test('distinctiveTokens finds ids and cards at the edges of a text and at exactly the shortest length', () => {
  const id16 = 'Zk4mQ9wX2pL7vB3n'; // 16 chars: just long enough
  const id15 = 'Zk4mQ9wX2pL7vB3'; // 15: too short
  const card = '4539148803436467';
  const values = (s: string): string[] => distinctiveTokens(s).map((x) => `${x.kind}:${x.value}`);
  assert.deepEqual(values(id16), [`token:${id16}`]);
  assert.deepEqual(values(id15), []);
  assert.deepEqual(values(`${id16} ${id16.toLowerCase()}x1`).sort(), [`token:${id16}`, `token:${id16.toLowerCase()}x1`].sort());
  assert.deepEqual(values(`x ${id15},${id15}`), []); // two short runs one char apart are not one run
  assert.deepEqual(values(card), [`card:${card}`]);
  assert.deepEqual(values(`paid with\n${card}`), [`card:${card}`]);
  assert.deepEqual(values(`${'          '.repeat(3)}1234`), []); // a long run of spaces is not a card
  // a run longer than a token piece is split, and its tail is still found
  const long = Array.from({ length: 300 }, (_, i) => 'aB3dE5gH7jK9mN1pQ2sT4vW6yZ8'[(i * 7 + (i >> 3)) % 27]).join('');
  assert.ok(distinctiveTokens(long).filter((x) => x.kind === 'token').length >= 2);
});

test('an index rebuilt from recorded deltas matches exactly like the original (restart replay)', () => {
  const secret = 'sk_live_51HxQm2eZvKYlo2C8rT4pW9sNbV3jA7dL';
  const card = '4111111111111111';
  const adds: Array<{ texts: string[]; tokens: Array<{ value: string; kind: 'secret'; label: string }>; precious: boolean }> = [
    { texts: [`STRIPE_KEY=${secret}\nDB_HOST=db.internal\n`], tokens: [{ value: secret, kind: 'secret', label: 'Stripe secret key' }], precious: true },
    { texts: [lorem(3000, 5)], tokens: [], precious: false }, // winnowed
    { texts: [lorem(40000, 9)], tokens: [], precious: false }, // sampled
    { texts: [`id,name,card,email\n1,Ada,${card},ada@example.org\n2,Bob,5500005555555559,bob@example.net\n`], tokens: [], precious: false },
    { texts: ['short line here\nanother short one', lorem(200, 11)], tokens: [], precious: false },
  ];
  // a small budget, so the replay must also evict the same origins in the same order
  for (const budget of [100000, 6000]) {
    const a = new FingerprintIndex(hasher, budget);
    const b = new FingerprintIndex(hasher, budget);
    adds.forEach((x, i) => {
      const n = a.add(i + 1, x.texts, x.tokens, { precious: x.precious, record: true });
      const d = a.lastDelta;
      assert.ok(d, 'a delta is recorded when asked');
      // the delta holds hashes and labels only, never the text
      assert.ok(!d.labels.join('\n').includes(secret));
      assert.equal(b.replay(i + 1, { ops: new Float64Array(d.ops), labels: [...d.labels] }, x.precious), n);
    });
    assert.equal(b.size, a.size);
    assert.equal(b.fragmentCount, a.fragmentCount);
    assert.equal(b.originCount, a.originCount);
    for (let i = 1; i <= adds.length; i++) assert.equal(b.hasOrigin(i), a.hasOrigin(i), `origin ${i} (budget ${budget})`);
    const outs = [
      `curl -d "k=${secret}" https://x.example`,
      `part one ${secret.slice(0, 14)}`,
      `part two ${secret.slice(14)}`,
      `pay ${card} now`,
      `mail bob@example.net`,
      lorem(60, 9),
      lorem(300, 5).slice(100, 400),
      'short line here',
      'nothing of ours in this text at all, just words',
    ];
    for (const o of outs) assert.deepEqual(b.matchAll(o), a.matchAll(o), `${o.slice(0, 30)} (budget ${budget})`);
  }
});

test('without record, add() keeps no delta', () => {
  const idx = new FingerprintIndex(hasher, 1000);
  idx.add(1, ['some text that is long enough to index'], []);
  assert.equal(idx.lastDelta, null);
});

test('NumTable keeps keys as their low 48 bits: distinct below, one key above; values and tags survive growth and deletes', () => {
  const t = new NumTable(true);
  const big = 2 ** 52 + 12345; // a 53-bit key
  assert.equal(t.set(big, 7, 3), -1);
  assert.equal(t.get(big), 7);
  assert.equal(t.tag(big), 3);
  assert.equal(t.get(big + 2 ** 32), -1); // differs at bit 32: another key
  assert.equal(t.get(big + 1), -1);
  assert.equal(t.get(big - 2 ** 52 + 2 ** 49), 7); // same low 48 bits: the same key here (documented)
  // many keys, through several rehashes, then a delete by value
  const keys = Array.from({ length: 5000 }, (_, i) => (i * 2654435761) % 2 ** 53);
  keys.forEach((k, i) => t.set(k, i % 10, i % 5));
  for (let i = 0; i < keys.length; i++) assert.equal(t.get(keys[i] as number), i % 10);
  const gone = t.deleteValue(3);
  assert.ok(gone >= 500);
  for (let i = 0; i < keys.length; i++) assert.equal(t.get(keys[i] as number), i % 10 === 3 ? -1 : i % 10);
  let seen = 0;
  t.forEach((k, v, tag) => {
    seen++;
    assert.equal(t.get(k), v); // the key handed out finds its entry again
    assert.equal(t.tag(k), tag);
    assert.ok(k < 2 ** 48);
  });
  assert.equal(seen, t.size);
});

test('distinctiveTokens: URL and file paths made of words are not distinctive; random strings with slashes are', () => {
  const kinds = (s: string): string[] =>
    distinctiveTokens(s)
      .filter((t) => t.kind === 'token')
      .map((t) => t.value);
  assert.deepEqual(kinds('GET path=/api/merge/123 took 12 ms'), []);
  assert.deepEqual(kinds('see node_modules/scope2/pkg-name/index9.js'), []);
  const random = 'q8Zr/T2xk9LmP4/vW7nB3cD';
  assert.deepEqual(kinds(`key ${random} here`), [random]);
  assert.deepEqual(kinds('id sk9Qw2Lm8Zp4Xr7Tn1Vb'), ['sk9Qw2Lm8Zp4Xr7Tn1Vb']);
});

test('distinctive tokens: a path or slug of words and short numbers is not one; a random id is', () => {
  const values = (t: string): string[] =>
    distinctiveTokens(t)
      .filter((x) => x.kind === 'token')
      .map((x) => x.value);
  assert.deepEqual(values('cd ~/ClaudeCode/JND/Week\\ 03/ticket-booking-system && ls'), []);
  assert.deepEqual(values('see docs/release-2024-05/upgrade-notes.md'), []);
  assert.deepEqual(values('retry trace=Zq8Tx3Lm9Pw2Kd7Vb4Nc'), ['trace=Zq8Tx3Lm9Pw2Kd7Vb4Nc']);
  assert.deepEqual(values('preview cads-research-visualization-1pges7eia ready'), ['cads-research-visualization-1pges7eia']);
});

test('cards: Luhn-valid timestamps and epoch milliseconds are not card numbers; a card grouped as written is', () => {
  // both pass Luhn (one number in ten does): a run-log name and an epoch-ms time, as a directory listing holds them
  const listing = '- logs/\n  - run-2024-11-30-100007.json\n  - 1733000000021.trace\n';
  assert.deepEqual(
    distinctiveTokens(listing).filter((t) => t.kind === 'card'),
    [],
  );
  const idx = new FingerprintIndex(hasher, 100000);
  idx.add(1, [listing], []);
  assert.equal(idx.lastCards, 0, 'a listing of timestamped files is not cardholder data');
  const row = 'name: Ada Lovelace, card: 4539 1488 0343 6467, exp 04/29';
  assert.deepEqual(
    distinctiveTokens(row)
      .filter((t) => t.kind === 'card')
      .map((t) => t.value),
    ['4539148803436467', '4539 1488 0343 6467'],
  );
  idx.add(2, [row], []);
  assert.equal(idx.lastCards, 2);
});

test('an origin added from texts prepared ahead (prepareText) holds exactly what add() computing them itself holds', () => {
  const card = '4111 1111 1111 1111';
  const secret = 'Zq8Tx3Lm9Pw2Kd7Vb4NcR5hY0aE2uI4o';
  const lines: string[] = [];
  for (let i = 0; i < 9000; i++) lines.push(`row ${i} ana.${i}@corp.example.com naïve café ${lorem(6, i)} ${i % 997 === 0 ? card : ''}`);
  const big = lines.join('\n'); // ~600 KB, non-ASCII: sampled
  const texts: string[][] = [
    ['short line here ok', 'tiny'], // dense, under K and under 12
    [lorem(3000, 4), `AWS_SECRET_ACCESS_KEY=${secret}\nmail ada@example.org\n${card}`], // winnowed, cards and secrets
    [big, lorem(200, 9)], // sampled
  ];
  // the three modes: dense, winnowed, sampled
  assert.deepEqual(
    texts.map((t) => addMode(t, 200_000)).map((m) => [m.dense, m.sampleMask >= 0]),
    [
      [true, false],
      [false, false],
      [false, true],
    ],
  );
  const outs = [`x ${lorem(40, 4)}`, 'ada@example.org', card.replace(/ /g, ''), secret.slice(3, 30), lines[4321] as string, `${lorem(60, 9)}`];
  for (const budget of [5000, 200_000]) {
    const a = new FingerprintIndex(hasher, budget);
    const b = new FingerprintIndex(hasher, budget);
    // the same earlier origins in both (evictions and secret ids depend on them)
    for (const idx of [a, b]) for (let i = 1; i <= 3; i++) idx.add(i, [randomText(3000, i)], [{ value: `${secret}${i}`, kind: 'secret', label: 'key' }]);
    let id = 10;
    for (const t of texts) {
      id++;
      const { dense, sampleMask } = addMode(t, budget);
      const prepared = t.map((x) => prepareText(hasher, x, dense, sampleMask));
      // scratch buffers used by other work between the preparation and the add
      new FingerprintIndex(hasher, 1000).add(1, [lorem(500, id)], []);
      const tokens = [{ value: secret, kind: 'secret' as const, label: 'AWS secret access key' }];
      const na = a.add(id, t, tokens, { record: true });
      const nb = b.add(id, t, tokens, { record: true, prepared });
      assert.equal(nb, na, `fingerprints added (budget ${budget})`);
      assert.ok(na > 0);
      assert.deepEqual(b.lastDelta, a.lastDelta, `delta (budget ${budget})`);
      assert.equal(b.lastCards, a.lastCards);
      assert.equal(b.size, a.size);
      assert.equal(b.fragmentCount, a.fragmentCount);
      assert.equal(b.originCount, a.originCount);
    }
    assert.ok(a.lastCards > 0);
    for (const o of outs) assert.deepEqual(b.matchAll(o), a.matchAll(o), `${o.slice(0, 30)} (budget ${budget})`);
  }
  // prepared for another mode (or another text) it is not used: computed again, same result
  const t = [lorem(3000, 4)];
  const a = new FingerprintIndex(hasher, 200_000);
  const b = new FingerprintIndex(hasher, 200_000);
  a.add(1, t, [], { record: true });
  b.add(1, t, [], { record: true, prepared: [prepareText(hasher, t[0] as string, true, -1)] });
  assert.deepEqual(b.lastDelta, a.lastDelta);
});

test("a long text's sampled k-grams hashed in pieces (prepareTextSteps) are the whole text's, other work running between the pieces", () => {
  const lines: string[] = [];
  for (let i = 0; i < 14000; i++) lines.push(`${i} ${lorem(5, i)} naïve ${randomText(17, i)}`);
  for (const text of [lines.join('\n'), lorem(60000, 3)]) {
    const { dense, sampleMask } = addMode([text], 200_000);
    assert.ok(sampleMask >= 0);
    // the whole text's k-grams, hashed in one go
    const n = normRecord(text, rawCodes(text));
    const m = hasher.kgrams(n, dense, sampleMask); // (may grow SEL: read it after)
    const whole = SEL.slice(0, m);
    const steps = prepareTextSteps(hasher, text, dense, sampleMask);
    let r = steps.next();
    let count = 0;
    while (!r.done) {
      new FingerprintIndex(hasher, 1000).add(1, [lorem(300, count++)], []); // uses the scratch buffers
      r = steps.next();
    }
    assert.ok(count >= Math.floor((n - K + 1) / KGRAM_PIECE), `${count} steps for ${n} codes`);
    assert.ok(count >= 3);
    assert.ok(whole.length > 1000);
    assert.deepEqual(r.value.kgrams, whole);
    assert.deepEqual(r.value, prepareText(hasher, text, dense, sampleMask));
  }
});
