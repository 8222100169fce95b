/**
 * The sidecar's memory budget: a share of the memory it may use — the cgroup limit it runs under
 * (the service unit's MemoryMax) or, without one, the machine's memory. Sessions are admitted only
 * while the process is below it, so the kernel's OOM killer is not what ends a burst of sessions.
 */
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Share of the limit that the process may reach before new sessions are refused (the rest: growth of open sessions, SQLite, frames in flight). */
export const SESSION_MEMORY_SHARE = 0.75;

export interface MemoryLimit {
  bytes: number;
  source: 'cgroup' | 'machine';
}

function readNumber(file: string): number | undefined {
  try {
    const t = readFileSync(file, 'utf8').trim();
    if (t === 'max') return undefined;
    const n = Number(t);
    return Number.isFinite(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** The memory limit of this process: its cgroup's (v2 memory.max, v1 memory.limit_in_bytes) when set and below the machine's, else the machine's. */
export function memoryLimit(cgroupFile = '/proc/self/cgroup'): MemoryLimit {
  const machine = totalmem();
  let limit: number | undefined;
  try {
    for (const line of readFileSync(cgroupFile, 'utf8').split('\n')) {
      const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
      if (path === undefined) continue;
      if (controllers === '') limit ??= readNumber(`/sys/fs/cgroup${path}/memory.max`);
      else if (controllers?.split(',').includes('memory')) limit ??= readNumber(`/sys/fs/cgroup/memory${path}/memory.limit_in_bytes`);
    }
  } catch {
    // no cgroups (macOS): the machine's memory
  }
  return limit !== undefined && limit < machine ? { bytes: limit, source: 'cgroup' } : { bytes: machine, source: 'machine' };
}

/** V8's `gc` as the --expose-gc extension gives it (Node 20: `type` and `execution` options). */
export type GcFunction = (o: { type: 'major'; execution: 'async' }) => Promise<void> | void;

/** V8's gc function, reached without --expose-gc on the command line (the flag, then a new context that has the extension). */
export function exposeGc(): GcFunction {
  setFlagsFromString('--expose_gc');
  return runInNewContext('gc') as GcFunction;
}

/**
 * Quiet time after a reclaim before its second collection: V8 shrinks its young generation back and
 * releases the pages it pooled only from a collection that sees a low allocation rate over its last
 * few seconds (measured: a second collection 100 ms or 1 s after the first left the young
 * generation at its 8 MiB peak, one 6 s after took it to 1 MiB).
 */
export const SETTLE_MS = 10_000;

/**
 * Gives memory back after sessions expired: a full collection at once (the sessions' objects and
 * their typed arrays are freed, which unmaps their table buffers), then a second one once
 * allocation has been quiet for `settleMs` (V8 then hands back its pooled pages and shrinks the
 * young generation, ~10 MiB that it otherwise keeps committed: its own memory reducer did not run
 * within 40 s of the first collection in a measurement). A reclaim while a second collection is
 * pending moves that one later.
 */
export class Reclaimer {
  /** reclaims started (status memory.collections_after_expiry) */
  reclaims = 0;
  /** second collections run, once allocation had been quiet (status memory.collections_settled) */
  settled = 0;
  private timer: NodeJS.Timeout | undefined;
  private waiting: Array<() => void> = [];
  private gc: GcFunction | undefined;

  constructor(
    private readonly settleMs = SETTLE_MS,
    gc?: GcFunction,
  ) {
    this.gc = gc;
  }

  /**
   * Collect now and again after settleMs; resolves once the second collection has run (the sidecar
   * does not wait for it; the memory benchmark does). Throws when V8's gc cannot be reached.
   */
  reclaim(): Promise<void> {
    this.gc ??= exposeGc();
    const gc = this.gc;
    this.reclaims++;
    void Promise.resolve(gc({ type: 'major', execution: 'async' })).catch(() => undefined);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.settled++;
      const done = this.waiting.splice(0);
      void Promise.resolve(gc({ type: 'major', execution: 'async' }))
        .catch(() => undefined)
        .then(() => {
          for (const d of done) d();
        });
    }, this.settleMs);
    this.timer.unref();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Drop a pending second collection (the sidecar stops); whoever waits for it is released. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const d of this.waiting.splice(0)) d();
  }
}
