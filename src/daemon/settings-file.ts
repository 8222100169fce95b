/**
 * The I/O half of judging a settings change by its effect (engine/settings-effect.ts): read the
 * Claude Code settings file a Write / Edit / MultiEdit would change, as it is now. Only a regular
 * file (a symlink is followed to one) of bounded size is read; a FIFO, a device or a directory is not
 * opened for reading (O_NONBLOCK, and checked on the open descriptor), so nothing here can hang the
 * sidecar. A file that cannot be read is reported with why, and the engine asks about the change.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, realpathSync } from 'node:fs';
import type { SettingsFileFacts } from '../engine/settings-effect.ts';

/** Settings files are a few KB; a bigger one is not read (the change is asked about). */
export const MAX_SETTINGS_BYTES = 1024 * 1024;

/** Read one settings file. Never throws: a failure is an error in the facts. */
export function readSettingsFile(path: string, maxBytes = MAX_SETTINGS_BYTES): SettingsFileFacts {
  const f = readTarget(path, maxBytes);
  // a symlinked settings file (dotfiles): a write goes to where it points
  let link = false;
  try {
    link = lstatSync(path).isSymbolicLink();
  } catch {
    return f; // nothing there: the Write creates a plain file
  }
  if (link) {
    try {
      const real = realpathSync(path);
      if (real !== path) f.realPath = real;
    } catch {
      // a dangling link: a Write would create whatever it points to, which the guard cannot name
      if (f.error === undefined) return { path, exists: true, error: 'it is a link to a file that is not there' };
    }
  }
  return f;
}

function readTarget(path: string, maxBytes: number): SettingsFileFacts {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | (constants.O_NOCTTY ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // not there (or a dangling symlink): the Write creates it
    if (code === 'ENOENT') return { path, exists: false };
    if (code === 'ENOTDIR') return { path, exists: false };
    return { path, exists: true, error: `it could not be opened (${code ?? (e as Error).message})` };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { path, exists: true, error: 'it is not a regular file' };
    if (st.size > maxBytes) return { path, exists: true, error: `it is larger than ${maxBytes} bytes` };
    const buf = Buffer.alloc(Math.min(st.size, maxBytes) + 1);
    let n = 0;
    for (;;) {
      const r = readSync(fd, buf, n, buf.length - n, null);
      if (r === 0) break;
      n += r;
      if (n >= buf.length) return { path, exists: true, error: `it is larger than ${maxBytes} bytes` };
    }
    return { path, exists: true, text: buf.subarray(0, n).toString('utf8') };
  } catch (e) {
    return { path, exists: true, error: `it could not be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
  } finally {
    closeSync(fd);
  }
}
