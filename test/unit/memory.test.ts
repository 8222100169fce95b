/**
 * Memory given back after sessions expire: what the tracker held is released (nothing keeps an
 * expired session reachable), and the sidecar's reclaim runs a collection at once and a second one
 * after a quiet spell. RSS itself is measured by scripts/bench-rss.ts, not here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Reclaimer, type GcFunction } from '../../src/daemon/memory.ts';

test('a reclaim collects at once and again after the quiet spell; a second reclaim before then moves that one (one settling collection)', async () => {
  const calls: string[] = [];
  const gc: GcFunction = async (o) => {
    calls.push(`${o.type}/${o.execution}`);
  };
  const r = new Reclaimer(0, gc);
  const first = r.reclaim();
  assert.deepEqual(calls, ['major/async'], 'the first collection runs at once');
  const second = r.reclaim();
  assert.equal(calls.length, 2);
  await Promise.all([first, second]);
  assert.deepEqual(calls, ['major/async', 'major/async', 'major/async'], 'two immediate collections and one settling collection');
  assert.equal(r.reclaims, 2);
  assert.equal(r.settled, 1);
});

test('stopping drops the pending settling collection and releases whoever waits for it', async () => {
  let n = 0;
  const r = new Reclaimer(60_000, () => {
    n++;
  });
  const p = r.reclaim();
  r.stop();
  await p;
  assert.equal(n, 1);
  assert.equal(r.settled, 0);
});

test('sessions that expired are released: the tracker holds none, and nothing keeps their index, rows or book reachable', () => {
  // a child with --expose-gc: WeakRefs to what each session held are cleared by a full collection
  // once the sessions expired (a reference kept anywhere, e.g. a map of closed sessions, keeps them)
  const engine = fileURLToPath(new URL('../../src/engine/engine.ts', import.meta.url));
  const config = fileURLToPath(new URL('../../src/config/index.ts', import.meta.url));
  const script = `
    const { FlowEngine } = await import(${JSON.stringify(engine)});
    const { defaultConfig } = await import(${JSON.stringify(config)});
    const cfg = defaultConfig();
    const eng = new FlowEngine(cfg, { seed: 1 });
    const t0 = Date.now();
    // filled in a function: a local of the module body itself would stay in its registers across the await
    const fill = () => {
    const refs = [];
    for (let s = 0; s < 5; s++) {
      for (let i = 0; i < 4; i++) {
        const rows = Array.from({ length: 200 }, (_, j) => 'row ' + s + ' ' + i + ' ' + j + ' holder' + (j * 7919 + i) + '@mail.example balance ' + (j * 37 + s)).join('\\n');
        eng.handle({ hook_event_name: 'PostToolUse', session_id: 's' + s, tool_name: 'Bash', tool_input: { command: 'cat f' + i }, tool_response: { stdout: rows, stderr: '' } }, t0);
      }
      const sess = eng.session('s' + s);
      refs.push(new WeakRef(sess), new WeakRef(sess.index), new WeakRef(sess.rows), new WeakRef(sess.book));
    }
    return refs;
    };
    const refs = fill();
    const before = { open: eng.tracker.size, fingerprints: eng.tracker.list().reduce((n, x) => n + x.index.size, 0) };
    eng.expire(t0 + (cfg.session.idleMinutes + 1) * 60_000);
    const closed = eng.tracker.drainClosed().length;
    await new Promise((r) => setImmediate(r));
    gc();
    gc();
    process.stdout.write(JSON.stringify({ before, closed, open: eng.tracker.size, listed: eng.tracker.list().length, approx: eng.tracker.approxBytes(), alive: refs.filter((r) => r.deref() !== undefined).length, which: refs.map((r, i) => r.deref() !== undefined ? i : -1).filter((i) => i >= 0), refs: refs.length }));
  `;
  const out = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(out.status, 0, out.stderr);
  const r = JSON.parse(out.stdout) as {
    before: { open: number; fingerprints: number };
    closed: number;
    open: number;
    listed: number;
    approx: number;
    alive: number;
    refs: number;
  };
  assert.equal(r.before.open, 5);
  assert.ok(r.before.fingerprints > 1000, `sessions held fingerprints: ${r.before.fingerprints}`);
  assert.equal(r.closed, 5);
  assert.equal(r.open, 0);
  assert.equal(r.listed, 0);
  assert.equal(r.approx, 0);
  assert.equal(r.refs, 20);
  assert.equal(r.alive, 0, `every expired session, its index, rows and book were collected: ${JSON.stringify(r)}`);
});
