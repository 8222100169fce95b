import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EMAIL_RE, emailsIn } from '../../src/engine/provenance.ts';

/** What destinationsIn() found before emailsIn(): every match of the regex, tried at every position. */
const byRegex = (t: string): string[] => [...t.matchAll(EMAIL_RE)].map((m) => m[0]);

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test('emailsIn finds exactly the matches of the e-mail regex (random texts around many @)', () => {
  const pieces = ['@', '.', '-', '+', '%', '_', ' ', '\n', '"', ':', '/', 'a', 'Z', '7', 'é', '@@', '..', 'user', 'example.com', 'x.y@z.io'];
  for (let seed = 1; seed <= 3000; seed++) {
    const r = rng(seed);
    let t = '';
    const n = Math.floor(r() * 40);
    for (let i = 0; i < n; i++) {
      const k = r();
      if (k < 0.08)
        t += 'a'.repeat(55 + Math.floor(r() * 20)); // local parts and labels near their 64 / 63 limits
      else if (k < 0.12) t += `${'b'.repeat(60 + Math.floor(r() * 8))}.${'c'.repeat(60 + Math.floor(r() * 8))}`;
      else t += pieces[Math.floor(r() * pieces.length)];
    }
    assert.deepEqual(emailsIn(t), byRegex(t), `seed ${seed}: ${JSON.stringify(t)}`);
  }
});

test('emailsIn on real-looking output: addresses in logs, JSON and git output, and none', () => {
  const texts = [
    'Author: Jane Doe <jane.doe@example.com>\nDate: Mon\n\n    fix: mail bob+test@mail.example.org about it',
    '{"to":["amy@corp.example","ops@lists.example.co.uk"],"cc":"x@y","from":"@handle"}',
    `${'x'.repeat(70)}@toolong.example and ${'y'.repeat(64)}@fits.example, ${'z'.repeat(65)}@cut.example`,
    'npm WARN deprecated pkg@1.2.3: use pkg@2; git@github.com:owner/repo.git; scp a@b.c:/tmp',
    'no addresses here at all, just text. And a@ and @b.c and a@b',
    'a@b.c@d.e@f.g user@host-.ex-ample.-com',
  ];
  for (const t of texts) assert.deepEqual(emailsIn(t), byRegex(t), t);
  assert.deepEqual(emailsIn(texts[0] as string), ['jane.doe@example.com', 'bob+test@mail.example.org']);
});
