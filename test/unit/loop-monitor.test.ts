import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { LONG_STRETCH_MS, LoopMonitor } from '../../src/daemon/loop-monitor.ts';

const LINUX = existsSync('/proc/thread-self/schedstat');

/** Let the monitor's timer fire (a turn of the event loop with timers). */
const turn = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

test('loop monitor: the event loop held by the main thread is measured by the main thread CPU time; a worker thread busy at the same time does not count', {
  skip: LINUX ? false : 'needs Linux (/proc/thread-self/schedstat)',
}, async () => {
  const m = new LoopMonitor(1);
  // a worker that keeps a core busy until told to stop
  const w = new Worker(
    "const { parentPort } = require('node:worker_threads'); let stop = false; parentPort.on('message', () => { stop = true; }); parentPort.postMessage('busy'); const spin = () => { const t = Date.now(); while (Date.now() - t < 20); if (!stop) setImmediate(spin); else process.exit(0); }; spin();",
    { eval: true },
  );
  try {
    await new Promise((r) => w.once('message', r));
    await turn();
    // the main thread holds the loop for at most 30 ms of wall time (so at most 30 ms of its own CPU)
    // while the worker burns its own core: the process as a whole uses up to twice that
    const t = performance.now();
    while (performance.now() - t < 30);
    await turn();
    let st = m.stats();
    assert.ok(st);
    assert.equal(st.cpu_of, 'main thread');
    assert.ok(st.max_cpu_ms < LONG_STRETCH_MS, `a 30 ms stretch read as ${st.max_cpu_ms} ms (the worker's CPU counted)`);
    assert.equal(st.cpu_over_50ms, 0);
    w.postMessage('stop');
    await new Promise((r) => w.once('exit', r));
    // now the main thread alone holds the loop for 120 ms of CPU time: one long stretch
    const c0 = process.cpuUsage();
    for (;;) {
      const c = process.cpuUsage(c0);
      if (c.user + c.system >= 120_000) break;
    }
    await turn();
    st = m.stats();
    assert.ok(st && st.cpu_over_50ms >= 1 && st.max_cpu_ms >= LONG_STRETCH_MS, `a 120 ms stretch not counted: ${JSON.stringify(st)}`);
  } finally {
    m.stop();
    await w.terminate();
  }
});
