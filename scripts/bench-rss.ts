/**
 * Child of the bench: RSS of a flow engine holding N sessions x ~M fingerprints each, and after every
 * one of them expired and the sidecar's reclaim ran (a collection at once, a second one after a
 * quiet spell: src/daemon/memory.ts Reclaimer). Each figure comes with where the memory is (V8's heap,
 * typed arrays, the rest of the process's own memory: scripts/mem-breakdown.ts).
 */
import { readFileSync } from 'node:fs';
import { FlowEngine } from '../src/engine/engine.ts';
import { defaultConfig } from '../src/config/index.ts';
import { type GcFunction, Reclaimer, SETTLE_MS } from '../src/daemon/memory.ts';
import { rssSplit } from './proc-status.ts';
import { memBreakdown } from './mem-breakdown.ts';

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
const gc = (globalThis as { gc?: GcFunction }).gc;
const before = memBreakdown();
let x = 12345;
const rnd = (): string => {
  x = (x * 1103515245 + 12345) & 0x7fffffff;
  return x.toString(36);
};
// in a function: a local of the module body would stay reachable from its registers across the awaits
const fill = (): void => {
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
};
fill();
(gc as (() => void) | undefined)?.();
const full = memBreakdown();
let fps = 0;
for (const s of eng.tracker.list()) fps += s.index.size;
const open = eng.tracker.size;
const approx = eng.tracker.approxBytes();
const openSplit = split();
// every session expires (idle past session.idleMinutes), as the sidecar's sweep closes them, and the
// sidecar's reclaim runs (--expose-gc here): RSS 1 s after its first collection, and after its second
eng.expire(Date.now() + (cfg.session.idleMinutes + 1) * 60_000);
eng.tracker.drainClosed();
let afterFirst = null;
let afterSettled = null;
if (gc) {
  const settled = new Reclaimer(SETTLE_MS, gc).reclaim();
  await new Promise((r) => setTimeout(r, 1000));
  afterFirst = memBreakdown();
  const keep = setInterval(() => {}, 1000); // the reclaimer's timer does not hold the process open
  await settled;
  clearInterval(keep);
  await new Promise((r) => setTimeout(r, 1000)); // V8 releases pooled pages on a background task
  afterSettled = memBreakdown();
}
process.stdout.write(
  JSON.stringify({
    sessions: open,
    fingerprints: fps,
    approx,
    settle_ms: SETTLE_MS,
    split: openSplit,
    malloc_env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('MALLOC_'))),
    memory: { before, full, after_first: afterFirst, after_settled: afterSettled },
    sessions_left: eng.tracker.size,
  }) + '\n',
);
