/**
 * The sidecar's memory budget: a share of the memory it may use — the cgroup limit it runs under
 * (the service unit's MemoryMax) or, without one, the machine's memory. Sessions are admitted only
 * while the process is below it, so the kernel's OOM killer is not what ends a burst of sessions.
 */
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';

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
