/** Connection budget of the hook socket (issue 15, item 3): connections held open cannot lock out a hook. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SocketServer } from '../../src/transport/socket-server.ts';
import { request } from '../../src/transport/client.ts';

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
