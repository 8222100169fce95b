import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { configTable, END, START } from '../../scripts/config-table.ts';

test('the README config reference matches the schema (regenerate with npm run docs)', () => {
  const text = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  assert.ok(a >= 0 && b > a, 'markers present');
  assert.equal(text.slice(a + START.length, b).trim(), configTable());
});

test('the README test command is what .ci/run runs', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const ci = readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8');
  // the README's test command, run on a fresh clone: install exactly the lock file, then test
  assert.match(readme, /^npm ci && npm test$/m);
  assert.match(ci, /^npm ci\b/m);
  assert.match(ci, /^npm test$/m);
});
