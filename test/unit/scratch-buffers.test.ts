/**
 * The fingerprint scratch buffers: recording a long text grows only the buffers normalising writes
 * (a 700 KB output used to grow ~38 MB of them at once, and V8 collected the whole heap on the spot),
 * and whatever runs next (a match, a winnowed text) grows the others it needs and finds the same
 * fingerprints. Its own file: the buffers are module state, grown by whatever ran before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addMode, FingerprintIndex, Hasher, normalize, prepareText } from '../../src/engine/fingerprint/index.ts';
import * as scratch from '../../src/engine/fingerprint/normalize.ts';

const hasher = new Hasher(0x2468ace1);

/** Pseudo-random words (with non-ASCII letters, so that the text is two-byte), `n` of them. */
function words(n: number, seed: number): string {
  const ws = ['kappa', 'lambda', 'naïve', 'café', 'omicron', 'rho', 'sigma', 'tau', 'ypsilon', 'phi', 'chi', 'psi', 'omega→'];
  let x = seed;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out.push(`${ws[x % ws.length] as string}${x % 97}`);
  }
  return out.join(' ');
}

test('recording a long text grows only the codes buffers; a later match and a winnowed text grow the rest and find the same', () => {
  const big = words(80_000, 7);
  assert.ok(big.length > 500_000);
  const idx = new FingerprintIndex(hasher, 100_000);
  idx.add(1, [big], []);
  assert.ok(scratch.CODES.length >= big.length);
  assert.ok(scratch.HS.length < big.length / 4, `window buffers grew to ${scratch.HS.length} for a recording`);
  assert.ok(scratch.P1.length < big.length / 4 && scratch.SEL.length < big.length / 4 && scratch.MARK.length < big.length / 4);

  // a winnowed text longer than the window buffers were: kgrams grows them and selects what winnow() does
  const mid = words(6_000, 3);
  assert.ok(mid.length > scratch.HS.length && mid.length <= 65_536, `${mid.length} chars`);
  const { dense, sampleMask } = addMode([mid], 1_000_000);
  assert.equal(dense, false);
  assert.equal(sampleMask, -1);
  const prepared = prepareText(hasher, mid, dense, sampleMask);
  const want: number[] = [];
  hasher.winnow(normalize(mid), (h) => want.push(h));
  assert.ok(want.length > 1000);
  assert.deepEqual(Array.from(prepared.kgrams), want);
  assert.ok(scratch.HS.length >= normalize(mid).length);

  // a long outgoing text holding a piece of it: the match grows the window buffers and finds the origin
  const norm = normalize(big);
  const out = `${words(30_000, 99)}\n${norm.slice(200_000, 260_000)}\n${words(30_000, 100)}`;
  const m = idx.matchAll(out).origins.find((o) => o.originId === 1);
  assert.ok(m && m.covered > 30_000, `covered ${m?.covered}`);
  assert.ok(scratch.HS.length >= out.length);
});
