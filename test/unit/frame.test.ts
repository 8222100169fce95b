import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pack } from 'msgpackr';
import { readFileSync } from 'node:fs';
import { decodePayload, encodeFrame, FrameDecoder, FrameError } from '../../src/transport/frame.ts';

test('frames survive being split at every byte', () => {
  const msgs = [{ t: 'status' }, { t: 'hook', e: Buffer.from('{"a":1}') }, 'a string reply'];
  const wire = Buffer.concat(msgs.map((m) => encodeFrame(m)));
  for (let cut = 1; cut < wire.length; cut++) {
    const d = new FrameDecoder();
    const got = [...d.push(wire.subarray(0, cut)), ...d.push(wire.subarray(cut))].map((b) => decodePayload(b));
    assert.equal(got.length, 3);
    assert.deepEqual(got[0], { t: 'status' });
    assert.equal(Buffer.from((got[1] as { e: Uint8Array }).e).toString(), '{"a":1}');
    assert.equal(got[2], 'a string reply');
  }
});

test('oversized frames are refused before buffering them', () => {
  const d = new FrameDecoder(1024);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(1025);
  assert.throws(() => d.push(head), FrameError);
});

test("the hook's hand-written envelope decodes as msgpack", () => {
  const input = Buffer.from('{"hook_event_name":"PreToolUse"}');
  const src = readFileSync(new URL('../../hooks/hook.ts', import.meta.url), 'utf8');
  const bytes = /const head = Buffer\.from\(\[([^\]]+)\]\)/.exec(src)?.[1];
  assert.ok(bytes, 'the hook builds its envelope from a byte list');
  const head = Buffer.from(bytes.split(',').map((x) => Number(x.trim())));
  head.writeUInt32BE(4242, 11);
  head.writeUInt32BE(input.length, 18);
  const m = decodePayload(Buffer.concat([head, input])) as { t: string; p: number; e: Uint8Array };
  assert.equal(m.t, 'hook');
  assert.equal(m.p, 4242);
  assert.equal(Buffer.from(m.e).toString(), input.toString());
  // and our reply strings are what the hook's reader expects
  for (const n of [5, 40, 300, 70000]) {
    const b = encodeFrame('{' + 'x'.repeat(n));
    assert.ok([0xa0, 0xd9, 0xda, 0xdb].some((t) => (b[4] as number) === t || ((b[4] as number) >= 0xa0 && (b[4] as number) <= 0xbf)));
    assert.deepEqual(b.subarray(4), pack('{' + 'x'.repeat(n)));
  }
});
