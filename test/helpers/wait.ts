import { readFileSync } from 'node:fs';
import { cli, type RunningSidecar } from './sidecar.ts';

/**
 * Wait for a condition something else brings about (a sidecar, a watcher, a child process): polled, and
 * bounded so that a hang is a failure naming what never happened, not a test that runs until killed.
 * The deadline is generous; the test asserts the condition, never how long it took.
 */
export async function until<T>(what: string, cond: () => T | Promise<T>, ms = 15_000): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await cond();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Wait until the sidecar's status lists `n` upstream MCP servers, all ready (it starts them in the background). */
export async function upstreamsReady(sc: RunningSidecar, n: number, ms = 30_000): Promise<void> {
  await until(
    `${n} upstream MCP server(s) ready (mcpproxy-hook status)`,
    () => {
      const ups = (JSON.parse(cli(['status', '--json'], sc.env).stdout).sidecar.mcp?.upstreams ?? []) as Array<{ state: string }>;
      return ups.length === n && ups.every((u) => u.state === 'ready');
    },
    ms,
  );
}

/**
 * Wait, blocking (a mock model's script cannot await), until `pid` is gone or a zombie: it holds no socket
 * or port then. Bounded: a process that outlives the deadline is an error naming it.
 */
export function waitDeadSync(pid: number, ms = 10_000): void {
  const end = Date.now() + ms;
  const nap = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      if (/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'))) return;
    } catch {
      return; // no such process
    }
    if (Date.now() > end) throw new Error(`process ${pid} still alive ${ms} ms after it was killed`);
    Atomics.wait(nap, 0, 0, 10);
  }
}
