/**
 * Decision time over a replay of the real Claude Code sessions in `../shared/real-sessions/` (every hook
 * payload in order, through a real sidecar on a real socket, as the hook sends them: one connection and one
 * `hook` frame per event): p50 / p99 / max per event, every event over 50 ms named; the sidecar's
 * main-thread CPU time per event (which other load on the machine does not change); the longest stretch
 * the sidecar's event loop was held without yielding (its status `event_loop`, daemon/loop-monitor.ts);
 * then the sidecar's memory with every replayed session still open. Skipped, with a message, when ../shared is absent.
 * A denied call does not run, so its PostToolUse is not sent (as in bench:real).
 * A measurement, not a test. Writes .bench/replay.md.
 *
 *   node --import tsx scripts/bench-replay.ts [--shared DIR]
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freshHome, startSidecar } from '../test/helpers/sidecar.ts';
import { request } from '../src/transport/client.ts';
import { rssSplit } from './proc-status.ts';
import { loadRecordedSession, replayRecorded, sharedDir, writeReport } from './lib/replay.ts';
import Database from 'better-sqlite3';
import { loadavg } from 'node:os';
import { percentile } from './lib/stats.ts';
import type { LoopStats } from '../src/daemon/loop-monitor.ts';

const SLOW_MS = 50;
const MiB = 2 ** 20;

/** CPU time (user + system) a process has used so far, in ms, from Linux's /proc/<pid>/stat (NaN elsewhere). */
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields 14 and 15 of stat (utime, stime) are the 12th and 13th after the command name, in clock ticks (100 a second on Linux)
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

/**
 * CPU time the main thread of process `pid` has run so far, in ms (Linux's /proc/<pid>/task/<pid>/sched,
 * se.sum_exec_runtime; NaN where it is not there). Read while that thread sleeps (before a request is
 * sent, after its reply came back) it is exact, whatever else the machine runs: the sidecar's own work
 * per event, which the wall-clock times above include only on an idle machine.
 */
function mainThreadCpuMs(pid: number): number {
  try {
    const m = /^se\.sum_exec_runtime\s*:\s*([\d.]+)/m.exec(readFileSync(`/proc/${pid}/task/${pid}/sched`, 'utf8'));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

async function main(): Promise<void> {
  const shared = sharedDir((d) => existsSync(join(d, 'real-sessions', 'sessions')));
  if (!shared) {
    console.log('bench-replay: skipped, ../shared/real-sessions is not here (pass --shared DIR or set MCPPROXY_HOOK_SHARED)');
    return;
  }
  const dir = join(shared, 'real-sessions', 'sessions');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json.gz'))
    .sort();
  const home = freshHome('mphr-');
  // the sidecar measures how long its event loop is held without yielding (a 1 ms timer's lateness)
  home.env.MCPPROXY_HOOK_LOOP_MONITOR_MS = '1';
  const sc = await startSidecar({ home });
  try {
    const cpu0 = cpuMs(sc.proc.pid as number);
    const wall0 = process.hrtime.bigint();
    const times: number[] = [];
    const slow: string[] = [];
    const pid = sc.proc.pid as number;
    const cpuTimes: number[] = [];
    const cpuSlow: Array<[number, string]> = [];
    let denied = 0;
    let sessions = 0;
    for (const f of files) {
      const data = loadRecordedSession(join(dir, f));
      const sid = `replay-${data.name}`.slice(0, 200);
      sessions++;
      await replayRecorded(data.events, sid, async (ev, i) => {
        const name = ev.hook_event_name;
        const raw = Buffer.from(JSON.stringify(ev));
        const c0 = mainThreadCpuMs(pid);
        const t0 = process.hrtime.bigint();
        const reply = await request(sc.socket, { t: 'hook', p: 0, e: raw }, 30_000);
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        const cpuMs = mainThreadCpuMs(pid) - c0;
        times.push(ms);
        if (Number.isFinite(cpuMs)) {
          cpuTimes.push(cpuMs);
          if (cpuMs > SLOW_MS) cpuSlow.push([cpuMs, `${data.name} #${i} ${name} ${String(ev.tool_name)} (${(raw.length / 1024).toFixed(0)} KB)`]);
        }
        if (ms > SLOW_MS) slow.push(`${data.name} #${i} ${name} ${String(ev.tool_name)} (${(raw.length / 1024).toFixed(0)} KB): ${ms.toFixed(1)} ms`);
        const deny = typeof reply === 'string' && name === 'PreToolUse' && /"permissionDecision":"deny"/.test(reply);
        if (deny) denied++;
        return deny;
      });
    }
    // the sidecar's CPU time over the whole replay (less distorted than wall times by other load on the machine)
    const cpu = cpuMs(sc.proc.pid as number) - cpu0;
    const wall = Number(process.hrtime.bigint() - wall0) / 1e6;
    const status = (await request(sc.socket, { t: 'status' }, 10_000)) as Record<string, unknown>;
    const procStatus = readFileSync(`/proc/${sc.proc.pid}/status`, 'utf8');
    const rss = Number(/^VmRSS:\s+(\d+) kB/m.exec(procStatus)?.[1] ?? NaN) * 1024;
    const split = rssSplit(procStatus);
    const s = [...times].sort((a, b) => a - b);
    // the sidecar's own time per event (audit rows' latency_us): the decision, without IPC and scheduling (a
    // PostToolUse answered {} before its recording: the recording's time; one with a secret held back: the time to its answer)
    const db = new Database(join(sc.stateDir, 'audit.db'), { readonly: true });
    const rows = db.prepare('SELECT session_id, event, tool, latency_us FROM decisions WHERE session_id LIKE ?').all('replay-%') as Array<{
      session_id: string;
      event: string;
      tool: string;
      latency_us: number;
    }>;
    db.close();
    const inner = rows.map((r) => r.latency_us / 1000).sort((a, b) => a - b);
    const innerSlow = rows
      .filter((r) => r.latency_us / 1000 > SLOW_MS)
      .map((r) => `${r.session_id.slice(7)} ${r.event} ${r.tool}: ${(r.latency_us / 1000).toFixed(1)} ms`);
    // the slowest few whatever their time: where the next cause is
    const slowest = [...rows]
      .sort((a, b) => b.latency_us - a.latency_us)
      .slice(0, 5)
      .map((r) => `${r.session_id.slice(7)} ${r.event} ${r.tool} ${(r.latency_us / 1000).toFixed(1)}`);
    // the longest the sidecar's event loop was held without yielding: what any event arriving then waited
    const loop = status.event_loop as LoopStats | null;
    const lines = [
      `Replay of ${sessions} real sessions (${times.length} hook events, ${denied} denied calls' PostToolUse not sent), load average ${loadavg()[0]?.toFixed(1)} on this machine:`,
      `decision time in the sidecar (${inner.length} audit rows): p50 ${percentile(inner, 0.5).toFixed(2)} ms, p99 ${percentile(inner, 0.99).toFixed(2)} ms, max ${(inner[inner.length - 1] ?? NaN).toFixed(1)} ms; ${innerSlow.length} event(s) over ${SLOW_MS} ms`,
      ...innerSlow.map((x) => `  over ${SLOW_MS} ms: ${x}`),
      `  the slowest 5 (ms): ${slowest.join('; ')}`,
      loop
        ? `event loop held without yielding, as a 1 ms timer in the sidecar sees it (${loop.samples} firings): CPU time of its ${loop.cpu_of ?? 'process'} between two firings max ${loop.max_cpu_ms.toFixed(1)} ms, ${loop.cpu_over_50ms} stretch(es) of ${SLOW_MS} ms or more; lateness (wall time, other processes' load included) p50 ${loop.p50_ms.toFixed(2)} ms, p99 ${loop.p99_ms.toFixed(2)} ms, max ${loop.max_ms.toFixed(1)} ms, ${loop.late_over_50ms} over ${SLOW_MS} ms`
        : 'event loop: not measured (this sidecar does not report event_loop in its status)',
      cpuTimes.length > 0
        ? (() => {
            const c = [...cpuTimes].sort((a, b) => a - b);
            return `sidecar main-thread CPU time while each event was in flight (from before its request to its reply, /proc sched: what other load on the machine does not change): p50 ${percentile(c, 0.5).toFixed(2)} ms, p99 ${percentile(c, 0.99).toFixed(2)} ms, max ${(c[c.length - 1] ?? NaN).toFixed(1)} ms; ${cpuSlow.length} over ${SLOW_MS} ms`;
          })()
        : 'sidecar main-thread CPU time per event: not measured (no /proc/<pid>/task/<pid>/sched here)',
      ...cpuSlow
        .sort((a, b) => b[0] - a[0])
        .slice(0, 10)
        .map(([ms, what]) => `  ${what}: ${ms.toFixed(1)} ms of CPU`),
      `sidecar CPU time over the replay: ${(cpu / 1000).toFixed(1)} s (${((cpu * 1000) / times.length).toFixed(0)} µs per event on average) in ${(wall / 1000).toFixed(1)} s of wall time`,
      `round trip as the hook sees it (connect, frame, decision, reply): p50 ${percentile(s, 0.5).toFixed(2)} ms, p99 ${percentile(s, 0.99).toFixed(2)} ms, max ${(s[s.length - 1] ?? NaN).toFixed(1)} ms; ${slow.length} over ${SLOW_MS} ms${slow.length ? ' (slowest 10 below)' : ''}`,
      ...slow
        .sort((a, b) => Number(/([\d.]+) ms$/.exec(b)?.[1]) - Number(/([\d.]+) ms$/.exec(a)?.[1]))
        .slice(0, 10)
        .map((x) => `  ${x}`),
      `sidecar memory with every replayed session open (${String(status.sessions_tracked)} tracked): RSS ${(rss / MiB).toFixed(0)} MiB (own ${(split.anon / MiB).toFixed(0)} MiB, file-backed ${(split.file / MiB).toFixed(0)} MiB)`,
    ];
    const text = lines.join('\n');
    console.log(text);
    writeReport('replay.md', text + '\n');
  } finally {
    await sc.cleanup();
  }
}

await main();
