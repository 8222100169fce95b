/**
 * The made-up outputs the detector's worker thread scans before it takes real ones
 * (src/daemon/scan-warmup.ts): every rule's pattern must run on them, or the first real output that
 * needs it pays for compiling it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { warmUpText } from '../../src/daemon/scan-warmup.ts';
import { RULES, scanText } from '../../src/engine/detector.ts';

test('the warm-up text is the same for a seed, of about the size asked for', () => {
  const a = warmUpText(50_000);
  assert.equal(a, warmUpText(50_000));
  assert.notEqual(a, warmUpText(50_000, 8));
  assert.ok(a.length >= 50_000 && a.length < 52_000, String(a.length));
});

test("the warm-up text holds a keyword of every detector rule that has keywords (each rule's pattern runs on it)", () => {
  const lower = warmUpText(240_000).toLowerCase();
  for (const r of RULES) {
    if (!r.keywords?.length) continue;
    assert.ok(
      r.keywords.some((k) => lower.includes(k)),
      `${r.id}: none of ${r.keywords.join(', ')}`,
    );
  }
});

test('the warm-up text takes the checks of the rules for code, configuration and URLs too (the detector finds values of several kinds in it)', () => {
  const ids = new Set(scanText(warmUpText(60_000)).map((f) => f.ruleId));
  for (const id of ['dotenv-secret', 'private-key', 'url-credentials', 'connection-string-password', 'bearer-token', 'high-entropy-token'])
    assert.ok(ids.has(id), `${id} not found (found: ${[...ids].join(', ')})`);
});
