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
