/** The config loader reads only a regular file of bounded size (issue 15, item 2). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfigFile, MAX_CONFIG_BYTES } from '../../src/config/index.ts';

function dir(): string {
  return mkdtempSync(join(tmpdir(), 'mph-cfg-'));
}

// a loader that hangs (FIFO) or reads forever (/dev/zero) would never return: the timeout turns that into a failure
test('a FIFO, /dev/zero behind a symlink, a directory and an oversized file are refused with the reason', { timeout: 20_000 }, () => {
  const d = dir();
  try {
    const fifo = join(d, 'fifo.json');
    execFileSync('mkfifo', [fifo]);
    const zero = join(d, 'zero.json');
    symlinkSync('/dev/zero', zero);
    const big = join(d, 'big.json');
    writeFileSync(big, '{"policy":{}}' + ' '.repeat(MAX_CONFIG_BYTES));
    for (const [file, why] of [
      [fifo, /not a regular file \(a FIFO\)/],
      [zero, /not a regular file \(a device\)/],
      [d, /not a regular file \(a directory\)/],
      [big, /bytes; a config file is at most 1048576 bytes/],
    ] as Array<[string, RegExp]>) {
      assert.throws(
        () => loadConfigFile(file),
        (e: unknown) => e instanceof ConfigError && e.code === 'config_invalid' && why.test(e.message) && e.message.includes(file),
        file,
      );
    }
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('a symlink to a regular file is read (dotfile managers make them); a missing file means defaults', () => {
  const d = dir();
  try {
    const real = join(d, 'real.json');
    writeFileSync(real, '{"policy":{"internalToExternal":"warn"}}');
    symlinkSync(real, join(d, 'config.json'));
    assert.equal(loadConfigFile(join(d, 'config.json')).config.policy.internalToExternal, 'warn');
    assert.deepEqual(loadConfigFile(join(d, 'none.json')).exists, false);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});
