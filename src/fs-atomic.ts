/**
 * Writing a file so that a reader sees the old content or the new, never a part, and a crash or a
 * power cut right after the call keeps the new one: write a temporary file beside it, fsync it,
 * rename it over the target, fsync the directory. One implementation for every file we write
 * (config, Claude Code settings, service units, state).
 */
import { closeSync, fchmodSync, fsyncSync, linkSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync, constants } from 'node:fs';
import { dirname } from 'node:path';

export interface AtomicWriteOptions {
  /** file mode of the new file (default 0o600: our files are private to the user) */
  mode?: number;
  /** create missing parent directories with this mode (default 0o700) */
  dirMode?: number;
}

export function writeFileAtomic(file: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): void {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true, mode: opts.dirMode ?? 0o700 });
  const tmp = `${file}.tmp-${process.pid}-${Date.now().toString(36)}`;
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, opts.mode ?? 0o600);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    // exactly this mode: the umask may have narrowed it (a 0644 unit) or a caller may need it no wider
    fchmodSync(fd, opts.mode ?? 0o600);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkQuietly(tmp);
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, file);
  } catch (e) {
    unlinkQuietly(tmp);
    throw e;
  }
  fsyncDir(dir);
}

/**
 * Create a file that must not exist yet (keys, tokens): two processes racing to create it cannot
 * both win and one silently overwrite the other's secret. Throws EEXIST when it exists. The content
 * is written and fsynced in a temporary file first, then hard-linked into place (link fails if the
 * name is taken), so a crash never leaves a half-written key that would later read as damaged.
 */
export function createFileExclusive(file: string, data: string | Uint8Array, mode = 0o600): void {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${process.pid}-${Date.now().toString(36)}`;
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, file);
  } finally {
    unlinkQuietly(tmp);
  }
  fsyncDir(dir);
}

function unlinkQuietly(p: string): void {
  try {
    unlinkSync(p);
  } catch {
    // the temporary file is already gone; nothing else to clean up
  }
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, constants.O_RDONLY);
    fsyncSync(fd);
  } catch {
    // some filesystems refuse fsync on a directory (EINVAL/EISDIR); the rename itself is done
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
