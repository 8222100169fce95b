/**
 * Skips for tests that need a program of the machine. A developer's run skips such a test and says why;
 * under CI (CI=true or CI=1) a missing program fails the test instead, since .ci/run installs it and a
 * skipped test counts as passed.
 */
export function inCI(): boolean {
  return process.env.CI === 'true' || process.env.CI === '1';
}

/** The `skip` option of a test that needs what `have` says is there: false when it is, else why (outside CI). */
export function skipUnless(have: boolean, why: string): false | string {
  if (have) return false;
  if (inCI()) throw new Error(`${why}. CI needs it: .ci/run installs it (run it as root, or install it yourself).`);
  return why;
}
