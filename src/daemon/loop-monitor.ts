/**
 * How long the sidecar's event loop is held without yielding: while it is, every other event waits.
 * A timer that should fire every `resolution` ms measures it twice: how late it fires (wall time,
 * which includes time the machine gave to other processes) and how much CPU time the main thread used
 * between two firings (the work itself, whatever the machine's load). Off unless asked for (a wake-up
 * every few ms): SidecarOptions.loopMonitorMs, MCPPROXY_HOOK_LOOP_MONITOR_MS for the daemon.
 *
 * The main thread's own CPU time comes from Linux's /proc/thread-self/schedstat. The process's
 * (process.cpuUsage, where that file is not there) also counts the detector's worker thread and V8's
 * helper threads: a 700 KB output's scan on the worker read as a 50 ms stretch of the event loop that
 * never was. `cpu_of` says which one was measured.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** Stretches at least this long are counted. */
export const LONG_STRETCH_MS = 50;

export interface LoopStats {
  /** timer firings measured */
  samples: number;
  /** lateness of the timer (wall time), ms */
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  /** firings at least LONG_STRETCH_MS late */
  late_over_50ms: number;
  /** the most CPU time the process used between two firings, ms: the longest stretch of work without a yield */
  max_cpu_ms: number;
  /** stretches of at least LONG_STRETCH_MS of CPU time between two firings */
  cpu_over_50ms: number;
  /** whose CPU time: the main thread's (Linux), or the whole process's (all its threads) */
  cpu_of: 'main thread' | 'process';
}

/** CPU time used so far, in ms, by the calling thread (Linux: /proc/thread-self/schedstat, read again at offset 0), or null where there is no such file. */
function threadCpuReader(): { read: () => number; close: () => void } | null {
  let fd: number;
  try {
    fd = openSync('/proc/thread-self/schedstat', 'r');
  } catch {
    return null;
  }
  const buf = Buffer.alloc(96);
  const read = (): number => {
    const n = readSync(fd, buf, 0, buf.length, 0);
    const sp = buf.indexOf(32);
    return Number(buf.toString('latin1', 0, sp > 0 && sp < n ? sp : n)) / 1e6;
  };
  try {
    if (!Number.isFinite(read())) throw new Error('unreadable');
  } catch {
    closeSync(fd);
    return null;
  }
  return { read, close: () => closeSync(fd) };
}

export class LoopMonitor {
  private readonly hist: IntervalHistogram;
  private readonly timer: NodeJS.Timeout;
  private lastWall = performance.now();
  private readonly thread = threadCpuReader();
  private readonly cpuNow: () => number = this.thread
    ? this.thread.read
    : () => {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1000;
      };
  private lastCpu = this.cpuNow();
  private late = 0;
  private maxCpu = 0;
  private cpuOver = 0;

  constructor(private readonly resolutionMs: number) {
    const res = Math.max(1, Math.round(resolutionMs));
    this.hist = monitorEventLoopDelay({ resolution: res });
    this.hist.enable();
    this.timer = setInterval(() => this.tick(), res);
    this.timer.unref();
  }

  private tick(): void {
    const wall = performance.now();
    const cpu = this.cpuNow();
    const cpuMs = cpu - this.lastCpu;
    if (wall - this.lastWall - this.resolutionMs >= LONG_STRETCH_MS) this.late++;
    if (cpuMs > this.maxCpu) this.maxCpu = cpuMs;
    if (cpuMs >= LONG_STRETCH_MS) this.cpuOver++;
    this.lastWall = wall;
    this.lastCpu = cpu;
  }

  stats(): LoopStats | null {
    const h = this.hist;
    if (h.count === 0) return null;
    const ms = (ns: number): number => Math.round(ns / 1e4) / 100;
    return {
      samples: h.count,
      p50_ms: ms(h.percentile(50)),
      p99_ms: ms(h.percentile(99)),
      max_ms: ms(h.max),
      late_over_50ms: this.late,
      max_cpu_ms: Math.round(this.maxCpu * 100) / 100,
      cpu_over_50ms: this.cpuOver,
      cpu_of: this.thread ? 'main thread' : 'process',
    };
  }

  stop(): void {
    this.hist.disable();
    clearInterval(this.timer);
    this.thread?.close();
  }
}
