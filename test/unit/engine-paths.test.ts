import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolvePath } from '../../src/engine/paths.ts';

test('resolvePath: quotes, ~ and $HOME, relative paths against the cwd, . and .. resolved; null for what is not a file', () => {
  assert.equal(resolvePath('"./src/../.env"', '/home/u/p', '/home/u'), '/home/u/p/.env');
  assert.equal(resolvePath('~/.claude/settings.json', '/x', '/home/u'), '/home/u/.claude/settings.json');
  assert.equal(resolvePath('${HOME}/a//b/', undefined, '/home/u'), '/home/u/a/b');
  assert.equal(resolvePath('rel', undefined, '/home/u'), null);
  assert.equal(resolvePath('https://example.com/x', '/p', '/home/u'), null);
  assert.equal(resolvePath('-', '/p', '/home/u'), null);
});

test('resolvePath: a remembered answer is the one for these very arguments (no two argument lists share one)', () => {
  // the same characters split differently between the directory and the path: different files
  const a = resolvePath('c\u0000d', '/b', '/h');
  const b = resolvePath('d', '/b\u0000c', '/h');
  assert.equal(a, '/b/c\u0000d');
  assert.equal(b, '/b\u0000c/d');
  // asked again (remembered now): the same answers
  assert.equal(resolvePath('c\u0000d', '/b', '/h'), a);
  assert.equal(resolvePath('d', '/b\u0000c', '/h'), b);
  // home moves with its own argument: ~ against one home, then another
  assert.equal(resolvePath('~/x', '/p', '/home/one'), '/home/one/x');
  assert.equal(resolvePath('~/x', '/p', '/home/two'), '/home/two/x');
  assert.equal(resolvePath('~/x', '/p'), null);
});
