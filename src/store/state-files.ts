/** Private state files: the state dir (0700), the fingerprint key and the HTTP hook token (0600). */
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fstatSync, lstatSync, mkdirSync, openSync, constants as fsc, readSync, renameSync } from 'node:fs';
import { ErrorCode, GuardError } from '../errors.ts';
import { createFileExclusive } from '../fs-atomic.ts';

/** A state file that exists but cannot be used: never replaced silently (see quarantine()). */
export class StateFileDamaged extends GuardError {
  constructor(
    readonly file: string,
    readonly problem: string,
    what: string,
  ) {
    super(ErrorCode.StateDamaged, `${what} ${file} is damaged: ${problem}`);
  }
}

/** Make the state dir private, or refuse with the fix. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  if (!st.isDirectory()) throw new GuardError(ErrorCode.StateDamaged, `${dir} is not a directory; move it away and start again`);
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) {
    throw new GuardError(
      ErrorCode.StateDamaged,
      `${dir} belongs to another user (uid ${st.uid}); refusing to keep state there. Set MCPPROXY_HOOK_HOME to a directory of your own`,
    );
  }
  if (st.mode & 0o002)
    throw new GuardError(
      ErrorCode.StateDamaged,
      `${dir} is world-writable (mode ${(st.mode & 0o777).toString(8)}); refusing to run. Fix it with: chmod 700 ${dir}`,
    );
  if (st.mode & 0o077) chmodSync(dir, 0o700);
}

/** Small state files are read with a bound: a FIFO or a huge file must not hang or swell us. */
const MAX_STATE_FILE = 4096;

/**
 * Read a small private file. Undefined when it does not exist; throws StateFileDamaged when it is
 * not a regular file (symlink, FIFO, device), is too big, or is not readable.
 */
function readSmall(file: string, what: string): string | undefined {
  let fd: number;
  try {
    // O_NOFOLLOW: a symlink planted in place of the key is refused, not followed; O_NONBLOCK: a FIFO does not hang the open
    fd = openSync(file, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw new StateFileDamaged(file, 'it is a symbolic link, not a file', what);
    throw new StateFileDamaged(file, `it cannot be opened (${code ?? (e as Error).message})`, what);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new StateFileDamaged(file, 'it is not a regular file', what);
    if (st.size > MAX_STATE_FILE) throw new StateFileDamaged(file, `it is ${st.size} bytes, far more than it should hold`, what);
    if (st.mode & 0o077) chmodSync(file, 0o600);
    const buf = Buffer.alloc(MAX_STATE_FILE + 1);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.toString('utf8', 0, n);
  } finally {
    closeSync(fd);
  }
}

function readOrCreate(file: string, what: string, valid: RegExp, make: () => string): string {
  for (let attempt = 0; attempt < 2; attempt++) {
    const text = readSmall(file, what);
    if (text !== undefined) {
      const v = text.trim();
      if (!valid.test(v)) throw new StateFileDamaged(file, text.length === 0 ? 'it is empty' : 'its content is not in the expected format', what);
      return v;
    }
    const v = make();
    try {
      createFileExclusive(file, v + '\n', 0o600);
      return v;
    } catch (e) {
      // another process created it at the same moment: read theirs
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  throw new StateFileDamaged(file, 'it appears and disappears while being read', what);
}

/**
 * Move a damaged state file aside (kept for inspection, never deleted) so a new one can be made.
 * Returns the name it was moved to.
 */
export function quarantine(file: string, now = Date.now()): string {
  const to = `${file}.damaged-${new Date(now).toISOString().replace(/[:.]/g, '-')}`;
  renameSync(file, to);
  return to;
}

/** 32 random bytes (hex) that key every fingerprint and input hash of this install. */
export function readOrCreateKey(file: string): Buffer {
  const hex = readOrCreate(file, 'the fingerprint key', /^[0-9a-f]{64}$/, () => randomBytes(32).toString('hex'));
  return Buffer.from(hex, 'hex');
}

/** Bearer token for the HTTP hook endpoint. */
export function readOrCreateToken(file: string): string {
  return readOrCreate(file, 'the HTTP token file', /^[A-Za-z0-9_-]{32,}$/, () => randomBytes(32).toString('base64url'));
}

/**
 * The pid the starter hook's shell wrote to `file` (its Claude Code), or undefined: missing, not a small
 * regular file (readSmall: a symlink is not followed), or not a pid. A hint only orders a search, so a
 * file that cannot be used is passed over, not reported.
 */
export function readStarterHint(file: string): number | undefined {
  let text: string | undefined;
  try {
    text = readSmall(file, 'the starter hint');
  } catch {
    return undefined;
  }
  const pid = Number(text?.trim());
  return Number.isInteger(pid) && pid > 1 ? pid : undefined;
}
