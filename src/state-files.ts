/** Private state files: the state dir (0700), the fingerprint key and the HTTP hook token (0600). */
import { randomBytes } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';

/** Make the state dir private, or refuse with the fix. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  if (!st.isDirectory()) throw new Error(`${dir} is not a directory`);
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) {
    throw new Error(`${dir} belongs to another user (uid ${st.uid}); refusing to keep state there. Set MCPPROXY_HOOK_HOME to a directory of your own`);
  }
  if (st.mode & 0o002) throw new Error(`${dir} is world-writable (mode ${(st.mode & 0o777).toString(8)}); refusing to run. Fix it with: chmod 700 ${dir}`);
  if (st.mode & 0o077) chmodSync(dir, 0o700);
}

function readOrCreate(file: string, parse: (text: string) => string | null, make: () => string): string {
  try {
    const v = parse(readFileSync(file, 'utf8').trim());
    if (v !== null) return v;
  } catch {
    /* created below */
  }
  const v = make();
  writeFileSync(file, v + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return v;
}

/** 32 random bytes (hex) that key every fingerprint and input hash of this install. */
export function readOrCreateKey(file: string): Buffer {
  const hex = readOrCreate(file, (t) => (/^[0-9a-f]{64}$/.test(t) ? t : null), () => randomBytes(32).toString('hex'));
  return Buffer.from(hex, 'hex');
}

/** Bearer token for the HTTP hook endpoint. */
export function readOrCreateToken(file: string): string {
  return readOrCreate(file, (t) => (/^[A-Za-z0-9_-]{32,}$/.test(t) ? t : null), () => randomBytes(32).toString('base64url'));
}
