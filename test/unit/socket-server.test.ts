/** Connection budget of the hook socket (issue 15, item 3): connections held open cannot lock out a hook. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SocketServer } from '../../src/transport/socket-server.ts';
import { request } from '../../src/transport/client.ts';
import { decodePayload, encodeFrame, FrameDecoder } from '../../src/transport/frame.ts';

test('at the connection limit, idle connections make room for a client with a request; busy ones are kept', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mph-sock-'));
  const path = join(dir, 's.sock');
  const srv = new SocketServer({ path, maxConnections: 8, handle: (m) => ({ echo: m }) });
  await srv.listen();
  const held: Socket[] = [];
  try {
    // an attacker holds every connection the server allows, sending nothing
    for (let i = 0; i < 8; i++) {
      const s = connect(path);
      s.on('error', () => undefined);
      await new Promise((r) => s.once('connect', r));
      held.push(s);
    }
    const closed = held.map((s) => new Promise((r) => s.once('close', r)));
    // a hook arrives: it is served
    assert.deepEqual(await request(path, { t: 'x' }, 5000), { echo: { t: 'x' } });
    assert.ok(srv.poolStats.evictedIdle >= 1, JSON.stringify(srv.poolStats));
    await Promise.race(closed);
    assert.ok(srv.connections <= 8);
  } finally {
    for (const s of held) s.destroy();
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a client that queues more than its share of requests on one connection is refused with the reason and cut off', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mph-sock-'));
  const path = join(dir, 's.sock');
  let handled = 0;
  const srv = new SocketServer({
    path,
    maxQueued: 4,
    handle: async (m) => {
      handled++;
      await new Promise((r) => setImmediate(r));
      return { echo: m };
    },
  });
  await srv.listen();
  try {
    const s = connect(path);
    await new Promise((r) => s.once('connect', r));
    const dec = new FrameDecoder();
    const replies: unknown[] = [];
    s.on('data', (c: Buffer) => {
      for (const f of dec.push(c)) replies.push(decodePayload(f));
    });
    const closed = new Promise((r) => s.once('close', r));
    s.write(Buffer.concat(Array.from({ length: 50 }, (_, i) => encodeFrame({ t: 'x', i }))));
    await closed;
    assert.ok(handled <= 4, `handled ${handled}`);
    assert.ok(
      replies.some(
        (r) => (r as { code?: string }).code === 'overloaded' && /more than 4 requests queued on one connection/.test((r as { error: string }).error),
      ),
      JSON.stringify(replies),
    );
    // the server goes on for everyone else
    assert.deepEqual(await request(path, { t: 'y' }, 5000), { echo: { t: 'y' } });
  } finally {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
