/**
 * The detection corpus (test/corpus/*.json) is what `npm run bench:detect` replays (and `npm test`
 * runs it). Here: it is sound and it is what the generator makes — not the detection rates, which
 * live in the benchmark.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateCorpus, loadCorpus, validateCorpus } from '../corpus/generate.ts';

test("the corpus has the issue's size, real Claude Code event shapes, and no problems", () => {
  const { attacks, benign } = loadCorpus();
  assert.ok(attacks.length >= 150, `${attacks.length} attacks`);
  assert.ok(benign.length >= 100, `${benign.length} benign`);
  assert.deepEqual(validateCorpus(attacks, benign), []);
  for (const s of [...attacks, ...benign]) assert.ok(s.steps.length > 0, s.id);
  assert.equal(new Set([...attacks, ...benign].map((s) => s.id)).size, attacks.length + benign.length, 'ids are unique');
});

test('the checked-in corpus is what the generator makes (regenerate with bench:detect --regen)', () => {
  const fresh = generateCorpus();
  const disk = loadCorpus();
  assert.equal(JSON.stringify(fresh.attacks), JSON.stringify(disk.attacks));
  assert.equal(JSON.stringify(fresh.benign), JSON.stringify(disk.benign));
});
