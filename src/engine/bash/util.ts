/** Small helpers of the analysis: program names, ignored paths, shell quoting. */

export function progName(text: string): string {
  return text.slice(text.lastIndexOf('/') + 1).replace(/\.exe$/i, '');
}

export function uniq<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

export const IGNORED_PATHS = new Set([
  '',
  '-',
  '/dev/null',
  '/dev/stdin',
  '/dev/stdout',
  '/dev/stderr',
  '/dev/tty',
  '/dev/zero',
  '/dev/random',
  '/dev/urandom',
  '{}',
]);

export function ignoredPath(p: string): boolean {
  return IGNORED_PATHS.has(p) || /^[<>]\(/.test(p) || /^\/dev\/fd\/\d+$/.test(p) || /^\/proc\/self\/fd\/\d+$/.test(p);
}

export function unescapeC(s: string): string {
  return s.replace(/\\([ntr\\])/g, (_m, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : '\\'));
}

export function shq(s: string): string {
  return /^[\w@%+=:,./~-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
