/** Child of the bench: RSS of a flow engine holding N sessions x ~M fingerprints each. */
import { readFileSync } from 'node:fs';
import { FlowEngine } from '../src/engine/engine.ts';
import { defaultConfig } from '../src/config/index.ts';
import { rssSplit } from './proc-status.ts';

const sessions = Number(process.argv[2] ?? 100);
const target = Number(process.argv[3] ?? 10_000);
const cfg = defaultConfig();
cfg.session.maxFingerprints = target;
const eng = new FlowEngine(cfg, { seed: 7 });
/** Linux: resident memory split into anonymous (this process's own) and file-backed (mapped binaries). */
const split = (): { anon: number; file: number } | null => {
  try {
    return rssSplit(readFileSync('/proc/self/status', 'utf8'));
  } catch {
    return null;
  }
};
const before = process.memoryUsage().rss;
let x = 12345;
const rnd = (): string => {
  x = (x * 1103515245 + 12345) & 0x7fffffff;
  return x.toString(36);
};
for (let s = 0; s < sessions; s++) {
  const id = `s${s}`;
  let i = 0;
  while ((eng.session(id)?.index.size ?? 0) < target && i < 1000) {
    const rows = Array.from({ length: 200 }, () => `${rnd()} ${rnd()} ${rnd()}@example.org ${rnd()}${rnd()} ${rnd()}`).join('\n');
    eng.handle(
      {
        hook_event_name: 'PostToolUse',
        session_id: id,
        tool_name: 'Bash',
        tool_input: { command: `cat data${i}.txt` },
        tool_response: { stdout: rows, stderr: '' },
      },
      Date.now(),
    );
    i++;
  }
}
(globalThis as { gc?: () => void }).gc?.();
const m = process.memoryUsage();
let fps = 0;
for (const s of eng.tracker.list()) fps += s.index.size;
// every session expires (idle past session.idleMinutes), as the sidecar's sweep closes them, and the
// sidecar's full collection after a large expiry runs (--expose-gc here); V8 gives pages back within a
// second or so after it: RSS is read then
const ab = m.arrayBuffers;
const open = eng.tracker.size;
const approx = eng.tracker.approxBytes();
const openSplit = split();
eng.expire(Date.now() + (cfg.session.idleMinutes + 1) * 60_000);
eng.tracker.drainClosed();
const gcAsync = (globalThis as { gc?: (o?: unknown) => Promise<void> | void }).gc;
await gcAsync?.({ type: 'major', execution: 'async' });
await new Promise((r) => setTimeout(r, 2000));
const afterExpiry = { sessions: eng.tracker.size, rss: process.memoryUsage().rss, heapTotal: process.memoryUsage().heapTotal, split: split() };
process.stdout.write(
  JSON.stringify({
    after_expiry: afterExpiry,
    malloc_env: { MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? null, MALLOC_TRIM_THRESHOLD_: process.env.MALLOC_TRIM_THRESHOLD_ ?? null },
    sessions: open,
    fingerprints: fps,
    rss: m.rss,
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    arrayBuffers: ab,
    baseline_rss: before,
    approx,
    split: openSplit,
  }) + '\n',
);
