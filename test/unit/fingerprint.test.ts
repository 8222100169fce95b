import { test } from 'node:test';
import assert from 'node:assert/strict';
import { distinctiveTokens, FingerprintIndex, Hasher, K, normalize, stringLeaves, W } from '../../src/engine/fingerprint.ts';

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
  const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
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
  const { NumTable } = await import('../../src/engine/fingerprint.ts');
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
