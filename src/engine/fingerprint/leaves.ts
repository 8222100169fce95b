/** The JSON walker: every string of a tool's input or output, at any depth, bounded. */

/** Every string leaf of a JSON value (object keys excluded), depth- and size-bounded. */
export function stringLeaves(value: unknown, maxChars = 1_000_000, maxDepth = 100_000): string[] {
  // Iterative (no recursion limit), object keys included: data can hide in a key, or 40 levels down.
  const out: string[] = [];
  let budget = maxChars;
  const push = (s: string): void => {
    const t = s.length > budget ? s.slice(0, budget) : s;
    budget -= t.length;
    if (t.length > 0) out.push(t);
  };
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0 && budget > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (depth > maxDepth) continue;
    if (typeof v === 'string') push(v);
    else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], depth + 1]);
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, x] = entries[i] as [string, unknown];
        stack.push([x, depth + 1]);
        // keys are names, mostly short; long ones are data (a key can carry a secret)
        if (k.length >= 16) stack.push([k, depth + 1]);
      }
    } else if (typeof v === 'number' && Number.isFinite(v) && Math.abs(v) >= 1e7) {
      // long numbers (account ids, card-like numbers) are data too
      push(String(v));
    }
  }
  return out;
}
