/**
 * Where a process's memory is, for the memory benchmark: V8's heap (used and resident), the bytes
 * held by ArrayBuffers (typed arrays), and the rest of its own anonymous memory (the C allocator's
 * heap and arenas: SQLite, Node's buffers, memory the allocator keeps after free), from
 * /proc/self/smaps on Linux.
 */
import { readFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';

export interface MemBreakdown {
  rss: number;
  /** RSS of the process's anonymous mappings (its own memory; the rest is mapped files) */
  anon: number;
  /** V8 heap: bytes of live objects after the last GC, bytes resident (committed) */
  v8Used: number;
  v8Resident: number;
  /** bytes held by live ArrayBuffers (typed arrays), as V8 counts them */
  arrayBuffers: number;
  /** RSS of the brk heap ([heap]: glibc's main arena) */
  brkHeap: number;
  /** anonymous memory that is neither V8's heap nor a live ArrayBuffer: allocator heap, SQLite, Node's own */
  nativeOther: number;
}

export function memBreakdown(): MemBreakdown {
  const mu = process.memoryUsage();
  let v8Used = 0;
  let v8Resident = 0;
  for (const s of getHeapSpaceStatistics()) {
    v8Used += s.space_used_size;
    v8Resident += s.physical_space_size;
  }
  let anon = Number.NaN;
  let brkHeap = Number.NaN;
  try {
    anon = 0;
    brkHeap = 0;
    let name = '';
    for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
      const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
      if (head) {
        name = head[1] ?? '';
        continue;
      }
      const m = /^Anonymous:\s+(\d+) kB/.exec(line);
      if (m) {
        anon += Number(m[1]) * 1024;
        if (name === '[heap]') brkHeap += Number(m[1]) * 1024;
      }
    }
  } catch {
    // not Linux: no split
  }
  return {
    rss: mu.rss,
    anon,
    v8Used,
    v8Resident,
    arrayBuffers: mu.arrayBuffers,
    brkHeap,
    nativeOther: anon - v8Resident - mu.arrayBuffers,
  };
}

const mib = (n: number): string => (n / 2 ** 20).toFixed(1);

/** One line: `RSS 110.2 MiB (own 68.0): V8 12.1 used / 20.3 resident, ArrayBuffers 31.0, native other 16.7 ([heap] 9.0)`. */
export function formatBreakdown(b: MemBreakdown): string {
  return `RSS ${mib(b.rss)} MiB (own ${mib(b.anon)}): V8 heap ${mib(b.v8Used)} used / ${mib(b.v8Resident)} resident, ArrayBuffers ${mib(b.arrayBuffers)}, native other ${mib(b.nativeOther)} (brk heap ${mib(b.brkHeap)})`;
}
