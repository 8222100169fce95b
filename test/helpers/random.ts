/** Deterministic random strings for tests (the same run after run, so a failure can be reproduced). */
export const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A generator of strings of `n` characters from `alphabet`: each call starts from the next seed. */
export function seededStrings(seed: number): (n: number, alphabet?: string) => string {
  return (n, alphabet = ALNUM) => {
    let a = (seed++ * 0x9e3779b1) >>> 0;
    let s = '';
    for (let i = 0; i < n; i++) {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      s += alphabet[((((t ^ (t >>> 14)) >>> 0) / 4294967296) * alphabet.length) | 0];
    }
    return s;
  };
}
