/** File-path helpers for taint tracking. Pure string computation (POSIX paths), no file system access. */
import { posix } from 'node:path';

/**
 * An absolute, normalised form of a path as a tool or a shell command names it: quotes removed,
 * `~`, `$HOME`, `${HOME}` against `home`, relative paths against `cwd`, `.` / `..` / `//` resolved.
 * Null for what is not a file (`-`, URLs, empty) or a relative path when there is no cwd.
 */
export function resolvePath(path: string, cwd?: string, home?: string): string | null {
  // a pure function of its arguments, asked again and again with the same ones (one command resolves each
  // of its file arguments from every directory it cds to, a script's run hundreds of times): remembered
  if (path.length + (cwd?.length ?? 0) + (home?.length ?? 0) > RESOLVED_KEY_MAX) return resolveUncached(path, cwd, home);
  // (the lengths make the key unambiguous whatever the strings hold)
  const key = `${home === undefined ? -1 : home.length}:${cwd === undefined ? -1 : cwd.length}:${home ?? ''}${cwd ?? ''}${path}`;
  const hit = RESOLVED.get(key);
  if (hit !== undefined) return hit;
  const r = resolveUncached(path, cwd, home);
  if (RESOLVED.size >= RESOLVED_MAX) RESOLVED.clear();
  RESOLVED.set(key, r);
  return r;
}

/** resolvePath's results remembered: at most this many (then forgotten all at once), for arguments of at most this many characters in all. */
const RESOLVED_MAX = 4096;
const RESOLVED_KEY_MAX = 2048;
const RESOLVED = new Map<string, string | null>();

function resolveUncached(path: string, cwd?: string, home?: string): string | null {
  let p = path
    .trim()
    .replace(/^["']+|["']+$/g, '')
    .trim();
  if (p === '' || p === '-' || /^[a-z][a-z0-9+.-]*:\/\//i.test(p)) return null;
  const h = home?.replace(/\/+$/, '');
  const m = /^(?:~|\$HOME|\$\{HOME\})(?=\/|$)/.exec(p);
  if (m) {
    if (!h) return null;
    p = h + p.slice(m[0].length);
  }
  if (!p.startsWith('/')) {
    if (!cwd?.startsWith('/')) return null;
    p = posix.join(cwd, p);
  }
  const n = posix.normalize(p);
  return n.length > 1 ? n.replace(/\/+$/, '') : n;
}

/** Paths that are not files holding data: devices and descriptors. */
export function isPseudoFile(abs: string): boolean {
  return (
    abs === '/dev/null' ||
    abs === '/dev/stdout' ||
    abs === '/dev/stderr' ||
    abs === '/dev/stdin' ||
    abs === '/dev/tty' ||
    abs.startsWith('/dev/fd/') ||
    abs.startsWith('/proc/self/fd/')
  );
}

export function baseName(p: string): string {
  return posix.basename(p);
}
