/**
 * `uninstall --all` stops the sidecar before `--purge` removes the state dir. The sidecar's socket stops
 * answering first, and it then still writes there (saved sessions, hook-callers.json, the audit log's
 * close): the CLI waits for the process itself to end. Before, it went on as soon as the socket was
 * silent, and the purge raced the last writes (seen with the real CLI: ENOTEMPTY on rmdir of the state
 * dir). A stand-in process plays the sidecar: it has no socket, so only its pid says it is still there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopSidecar } from '../../src/cli/install.ts';
import { resolvePaths } from '../../src/paths.ts';

/** A process that, on SIGTERM, writes `last` into the state dir and exits (`exits`), or keeps running. */
async function standIn(exits: boolean): Promise<{ pid: number; paths: ReturnType<typeof resolvePaths>; last: string; child: ReturnType<typeof spawn> }> {
  const home = mkdtempSync(join(tmpdir(), 'mph-stop-'));
  const paths = resolvePaths({ MCPPROXY_HOOK_HOME: home });
  const last = join(paths.stateDir, 'last-write');
  const code = `process.on('SIGTERM', () => { ${exits ? `require('node:fs').writeFileSync(${JSON.stringify(last)}, 'x'); process.exit(0);` : ''} }); process.stdout.write('ready\\n'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  await once(child.stdout as NodeJS.ReadableStream, 'data');
  writeFileSync(paths.pidFile, String(child.pid));
  return { pid: child.pid as number, paths, last, child };
}

test('stopping the sidecar waits for its process to end, after its last write', async () => {
  const s = await standIn(true);
  const exited = once(s.child, 'exit');
  assert.equal(await stopSidecar(s.paths), true);
  assert.equal(existsSync(s.last), true, 'its last write was done before stopSidecar returned');
  assert.equal(readFileSync(s.last, 'utf8'), 'x');
  await exited;
});

test('a sidecar that does not end after SIGTERM is a clear error, not a purge under its feet', async () => {
  const s = await standIn(false);
  try {
    await assert.rejects(stopSidecar(s.paths, 500), new RegExp(`the sidecar \\(pid ${s.pid}\\) did not stop .*kill ${s.pid}`));
  } finally {
    s.child.kill('SIGKILL');
  }
});
