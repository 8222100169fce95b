/**
 * The SessionStart / UserPromptSubmit starter of the HTTP transport (src/cli/install.ts hookCommand
 * 'start'): when the sidecar runs, the shell's builtins say so and no node is started, and the Claude Code
 * pid it leaves is what the sidecar searches first for a new connection's owner (readStarterHint,
 * HookCallers `hinted`). When it does not run, the node starter runs (here a stand-in that says so).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hookCommand } from '../../src/cli/install.ts';
import { readStarterHint } from '../../src/store/state-files.ts';
import { HookCallers, type ProcFacts } from '../../src/transport/hook-callers.ts';

function setup(): { dir: string; cmd: string; pidFile: string; socket: string; hint: string; httpFile: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'mph-start-'));
  // a stand-in for node: prints what it was asked to run, as the real starter would have been run
  const fakeNode = join(dir, 'node');
  writeFileSync(fakeNode, '#!/bin/sh\necho "node-started $*"\n');
  chmodSync(fakeNode, 0o755);
  const pidFile = join(dir, 'sidecar.pid');
  const socket = join(dir, 'sidecar.sock');
  const hint = join(dir, 'starter-hint');
  const httpFile = join(dir, 'http-listening');
  const cmd = hookCommand('start', {
    node: fakeNode,
    hook: join(dir, 'hook.cjs'),
    socket,
    deadlineMs: 8000,
    failClosed: false,
    httpPort: 1234,
    autostart: join(dir, 'cli.js'),
    pidFile,
    hintFile: hint,
    httpFile,
  });
  return { dir, cmd, pidFile, socket, hint, httpFile, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Run the command as Claude Code does (through sh -c), from a parent whose pid we know (another sh). */
function runAsClaude(cmd: string): { stdout: string; parent: number } {
  const r = spawnSync('sh', ['-c', 'sh -c "$1"; echo "parent=$$"', 'outer', cmd], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const m = /parent=(\d+)\n$/.exec(r.stdout);
  assert.ok(m, r.stdout);
  return { stdout: r.stdout.slice(0, m.index), parent: Number(m[1]) };
}

test("starter: a running sidecar (socket there, pid alive, its HTTP endpoint on the hooks' port) is answered by the shell, no node, and its parent pid is left as the hint", async () => {
  const s = setup();
  const srv = createServer();
  try {
    await new Promise<void>((r) => srv.listen(s.socket, r));
    writeFileSync(s.pidFile, `${process.pid}\n`);
    writeFileSync(s.httpFile, '1234\n');
    const { stdout, parent } = runAsClaude(s.cmd);
    assert.equal(stdout.trim(), '{}');
    assert.equal(readFileSync(s.hint, 'utf8').trim(), String(parent));
    assert.equal(statSync(s.hint).mode & 0o777, 0o600, 'the hint is private like every state file');
    assert.equal(readStarterHint(s.hint), parent);
  } finally {
    srv.close();
    s.cleanup();
  }
});

test("starter: no socket, a dead pid, no pid file, or no HTTP endpoint on the hooks' port: the node starter runs (it starts the sidecar, or says what is wrong), and no hint is left", async () => {
  const s = setup();
  const srv = createServer();
  try {
    // no pid file, no socket
    assert.match(runAsClaude(s.cmd).stdout, /^node-started .*hook\.cjs start --socket /);
    // a live pid but no socket (it was deleted): node
    writeFileSync(s.pidFile, `${process.pid}\n`);
    assert.match(runAsClaude(s.cmd).stdout, /^node-started /);
    // the socket is there but the pid is gone: node
    await new Promise<void>((r) => srv.listen(s.socket, r));
    const gone = spawn('true');
    await new Promise((r) => gone.on('exit', r));
    writeFileSync(s.pidFile, `${gone.pid}\n`);
    assert.match(runAsClaude(s.cmd).stdout, /^node-started /);
    // a pid file that holds no pid: node
    writeFileSync(s.pidFile, 'garbage\n');
    assert.match(runAsClaude(s.cmd).stdout, /^node-started /);
    // the sidecar runs, but its HTTP endpoint does not listen (no file), or on another port: node
    writeFileSync(s.pidFile, `${process.pid}\n`);
    assert.match(runAsClaude(s.cmd).stdout, /^node-started /);
    writeFileSync(s.httpFile, '4321\n');
    assert.match(runAsClaude(s.cmd).stdout, /^node-started /);
    assert.equal(existsSync(s.hint), false);
  } finally {
    srv.close();
    s.cleanup();
  }
});

test('readStarterHint: a pid, or nothing for a missing file, a symlink, a directory, text, or pid 1', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mph-hint-'));
  try {
    const f = join(dir, 'starter-hint');
    assert.equal(readStarterHint(f), undefined);
    writeFileSync(f, '4242\n');
    assert.equal(readStarterHint(f), 4242);
    writeFileSync(f, '1\n');
    assert.equal(readStarterHint(f), undefined);
    writeFileSync(f, 'x'.repeat(100_000));
    assert.equal(readStarterHint(f), undefined);
    const target = join(dir, 'elsewhere');
    writeFileSync(target, '4242\n');
    rmSync(f);
    symlinkSync(target, f);
    assert.equal(readStarterHint(f), undefined, 'a symlink is not followed');
    assert.equal(readStarterHint(dir), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('HookCallers: the pid the starter left is searched first when a new connection is looked up', async () => {
  const owners: number[][] = [];
  const proc: ProcFacts = {
    unavailable: () => null,
    peer: () => ({ inode: '77', uid: 1000 }),
    holds: () => false,
    start: (pid) => (pid === 555 ? 's555' : undefined),
    exe: () => undefined,
    parent: () => undefined,
    owner: async (_inode, candidates) => {
      owners.push([...candidates]);
      return { pid: 555 };
    },
  };
  let left: number | undefined = 555;
  const c = new HookCallers({ proc, httpHooks: () => true, ownUid: 1000, hinted: () => left });
  const v = await c.judge({ channel: 'http', conn: {}, remotePort: 40001, localPort: 24811 }, 'S', 'UserPromptSubmit');
  assert.deepEqual(v, { accept: true, trusted: true });
  assert.deepEqual(owners[0], [555]);
  assert.equal(c.stats().owner_found_first, 1);
  left = undefined;
  await c.judge({ channel: 'http', conn: {}, remotePort: 40002, localPort: 24811 }, 'T', 'UserPromptSubmit');
  assert.equal(owners[1]?.[0], 555, 'kept among the hints once read');
});
