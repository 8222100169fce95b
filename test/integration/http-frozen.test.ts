/**
 * The HTTP hook transport, a sidecar frozen (SIGSTOP) or its loop held past Claude Code's hook timeout:
 * Claude Code's request and its close of the connection wait in the kernel together, and the sidecar
 * reads them when it runs again. Its answer then goes to a connection whose client is gone: the audit row
 * must say the decision was not delivered (found with the real CLI, test/e2e/proofs.test.ts: the close is
 * read one poll after the request, after a quick decision had already been written out, and the row said
 * deny). So after such a hold the answer waits one poll; otherwise it goes out at once, before the work
 * queued to come after it (the recording of an output).
 * And a burst: Claude Code opens one connection per parallel tool call and sends its request right after;
 * past the pool of connections without a token, they must all be answered, none closed as idle.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { HttpHookServer, LOOP_STALE_MS } from '../../src/transport/http-hook-server.ts';
import { until } from '../helpers/wait.ts';

/**
 * A client in another process that connects, sends one hook request and closes its connection, run with
 * spawnSync: this process's event loop is held meanwhile, so the request and the close wait in the
 * kernel together and are read after, as after a SIGSTOP (or a held loop) past Claude Code's hook timeout.
 */
function requestAndLeaveWhileHeld(port: number, token: string, body: string): void {
  const request = `POST /mcpproxy-hook/v1/hook HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  const code = `const c = require('node:net').connect(${port}, '127.0.0.1', () => c.end(${JSON.stringify(request)}, () => c.destroy()));`;
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

test('HTTP transport: a request read after the loop stood still longer than a hook timeout allows, its client gone, is recorded as not delivered; one read while the loop runs is answered at once, before the work queued after it', async () => {
  const token = 't'.repeat(32);
  let now = 1_000_000;
  const decided: string[] = [];
  const undelivered: string[] = [];
  /** for each decision: was its answer written before the work queued after it (setImmediate) ran? */
  const answeredFirst = new Map<string, boolean>();
  const srv = new HttpHookServer({
    port: 0,
    token,
    evaluate: async (raw, caller) => {
      const sid = JSON.parse(raw.toString()).session_id as string;
      decided.push(sid);
      // what the recorder queues to run after an answer (the recording of an output, in slices)
      const sock = (caller as { conn: Socket }).conn;
      setImmediate(() => answeredFirst.set(sid, sock.bytesWritten > 0));
      return { output: {}, undelivered: () => undelivered.push(sid) };
    },
    peerUid: () => process.getuid?.(),
    clock: () => now,
    // the test moves the clock itself; its timer runs often (whether it runs before the request is read
    // after the hold, or after, the hold is noticed: both orders happen after a SIGCONT)
    loopTickMs: 5,
  });
  await srv.listen();
  const body = (sid: string): string =>
    JSON.stringify({ session_id: sid, hook_event_name: 'PreToolUse', tool_name: 'Read', tool_input: { file_path: '/p/f' } });
  try {
    // the loop runs (its timer noted it just now): a client that waits gets its answer at once, before any work queued after it
    const c = connect(srv.port, '127.0.0.1');
    let got = '';
    c.on('data', (d: Buffer) => (got += d.toString()));
    c.write(
      `POST /mcpproxy-hook/v1/hook HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body('stays'))}\r\n\r\n${body('stays')}`,
    );
    await until('the answer arrives', () => /\r\n\r\n\{\}$/.test(got));
    c.destroy();
    await until('the work queued after the answer ran', () => answeredFirst.has('stays'));
    assert.equal(answeredFirst.get('stays'), true, 'without a hold the answer is written before the work queued after it');
    // held for longer than Claude Code's shortest hook timeout: the answer waits one poll, sees the client gone
    now += LOOP_STALE_MS + 1000;
    requestAndLeaveWhileHeld(srv.port, token, body('gone'));
    await until('the request read after the hold is decided and found undelivered', () => undelivered.includes('gone'));
    assert.equal(answeredFirst.get('gone'), false, 'after a hold the answer waited one poll');
    assert.deepEqual(undelivered, ['gone']);
    assert.deepEqual(decided, ['stays', 'gone'], 'both were decided');
  } finally {
    await srv.close();
  }
});

test('HTTP transport: a burst of new connections past the pool of those without a token (one per parallel tool call), whose requests come after they are accepted, are all answered, none closed as idle', async () => {
  const token = 't'.repeat(32);
  const srv = new HttpHookServer({
    port: 0,
    token,
    evaluate: async () => ({ output: {} }),
    maxUnauthenticated: 4,
    maxConnections: 64,
    peerUid: () => process.getuid?.(),
  });
  await srv.listen();
  const conns: Socket[] = [];
  try {
    const answers = Array.from({ length: 12 }, () => {
      const c = connect(srv.port, '127.0.0.1');
      conns.push(c);
      return new Promise<string>((resolve) => {
        let got = '';
        c.on('data', (d: Buffer) => {
          got += d.toString();
          if (/\r\n\r\n\{\}$/.test(got)) resolve(got.split(' ')[1] ?? '');
        });
        c.on('error', (e) => resolve(e.message));
        c.on('close', () => resolve(got ? (got.split(' ')[1] ?? '') : 'closed with no answer'));
      });
    });
    // every connection accepted (held, or closed to make room) before any of them sends its request
    await until('the 12 connections accepted', () => srv.connections + srv.stats.unauthenticated_evicted === 12);
    const body = JSON.stringify({ session_id: 's', hook_event_name: 'PreToolUse', tool_name: 'Read', tool_input: { file_path: '/p/f' } });
    for (const c of conns)
      c.write(
        `POST /mcpproxy-hook/v1/hook HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    assert.deepEqual(await Promise.all(answers), Array(12).fill('200'));
    assert.equal(srv.stats.unauthenticated_evicted, 0);
    assert.equal(srv.stats.authenticated, 12, 'all moved to the authenticated pool');
  } finally {
    for (const c of conns) c.destroy();
    await srv.close();
  }
});

test('HTTP transport: connections that never present the token are still bounded: past the free room they take the places of idle ones', async () => {
  const srv = new HttpHookServer({
    port: 0,
    token: 't'.repeat(32),
    evaluate: async () => ({ output: {} }),
    maxUnauthenticated: 4,
    maxConnections: 8,
    authDeadlineMs: 60_000,
    peerUid: () => process.getuid?.(),
  });
  await srv.listen();
  const conns: Socket[] = [];
  try {
    for (let i = 0; i < 20; i++) {
      const c = connect(srv.port, '127.0.0.1');
      c.on('error', () => undefined);
      conns.push(c);
    }
    // 4 in their pool, 8 held on the authenticated pool's free room, the other 8 took idle ones' places
    await until('the 20 connections accepted', () => srv.connections + srv.stats.unauthenticated_evicted === 20);
    assert.equal(srv.connections, 12);
    assert.equal(srv.stats.unauthenticated_evicted, 8);
  } finally {
    for (const c of conns) c.destroy();
    await srv.close();
  }
});
