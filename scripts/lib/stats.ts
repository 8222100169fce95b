/** The p-quantile (0..1) of `xs` by the nearest rank below (NaN when there are none); `xs` is not changed. */
export function percentile(xs: readonly number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] as number;
}
