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

/** The C escapes echo -e / printf / $'…' turn into characters: \n \t \r \\, \xHH, \0NNN / \NNN (octal) and \uHHHH. */
export function unescapeC(s: string): string {
  return s.replace(/\\(x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{1,4}|0?[0-7]{1,3}|[ntr\\])/g, (_m, c: string) => {
    if (c === 'n') return '\n';
    if (c === 't') return '\t';
    if (c === 'r') return '\r';
    if (c === '\\') return '\\';
    if (c[0] === 'x' || c[0] === 'u') return String.fromCharCode(parseInt(c.slice(1), 16));
    return String.fromCharCode(parseInt(c, 8));
  });
}

export function shq(s: string): string {
  return /^[\w@%+=:,./~-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Environment variables whose value is shell code that ordinary programs run (git's ssh and pager,
 * editors, rsync's remote shell, less's input filter, the shell's own startup): `GIT_SSH_COMMAND='curl …'
 * git fetch` runs curl. Their values are read as commands.
 */
export const CODE_ENV =
  /^(GIT_SSH_COMMAND|GIT_SSH|GIT_PROXY_COMMAND|GIT_EXTERNAL_DIFF|GIT_PAGER|GIT_EDITOR|GIT_SEQUENCE_EDITOR|GIT_ASKPASS|SSH_ASKPASS|PAGER|MANPAGER|SYSTEMD_PAGER|EDITOR|VISUAL|PROMPT_COMMAND|BASH_ENV|ENV|RSYNC_RSH|RSYNC_CONNECT_PROG|CVS_RSH|LESSOPEN|LESSCLOSE)$/;
