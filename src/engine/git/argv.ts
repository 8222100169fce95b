/**
 * git's command line: the global options before the subcommand (`-c k=v`, `-C dir`, `--git-dir`,
 * `--exec-path=dir` …), config keys that change where a push goes or what code runs, and what a
 * push's repository argument is. Pure string work; the Bash handler (bash/commands/git.ts) and the
 * engine both read git through here.
 */

/** Global options that take a value (as the next word, or after `=`). `--exec-path` takes one only after `=`: alone it prints a path and exits. */
const GLOBAL_WITH_VALUE = new Set(['-C', '-c', '--git-dir', '--work-tree', '--namespace', '--config-env', '--super-prefix', '--list-cmds']);
/** Global options that take a value only after `=`. */
const GLOBAL_EQ_ONLY = new Set(['--exec-path']);

/** One git invocation's global options. */
export interface GitGlobals {
  /** `-c key=value` and `--config-env key=ENV` (value `$ENV`), in order; keys as written */
  config: Array<{ key: string; value: string }>;
  /** every `-C dir`, in order (each is relative to the one before) */
  dirs: string[];
  gitDir: string | null;
  workTree: string | null;
  execPath: string | null;
  /** `git --exec-path` (no value), `--version`, `--help`: git prints and exits, the subcommand does not run */
  printsOnly: boolean;
}

/** Read the global options of `git …` (args[0] is git itself). `at` is the subcommand's index (args.length if none). */
export function parseGlobals(args: readonly string[]): { globals: GitGlobals; at: number } {
  const g: GitGlobals = { config: [], dirs: [], gitDir: null, workTree: null, execPath: null, printsOnly: false };
  let i = 1;
  while (i < args.length) {
    const t = args[i] as string;
    if (!t.startsWith('-')) break;
    const eq = t.startsWith('--') ? t.indexOf('=') : -1;
    const name = eq > 0 ? t.slice(0, eq) : t;
    if (GLOBAL_EQ_ONLY.has(name)) {
      if (eq > 0) g.execPath = t.slice(eq + 1);
      else g.printsOnly = true;
      i++;
      continue;
    }
    if (name === '--version' || name === '--help' || name === '--html-path' || name === '--man-path' || name === '--info-path') g.printsOnly = true;
    if (!GLOBAL_WITH_VALUE.has(name)) {
      i++;
      continue;
    }
    const value = eq > 0 ? t.slice(eq + 1) : (args[i + 1] ?? '');
    i += eq > 0 ? 1 : 2;
    if (name === '-c') {
      const e = value.indexOf('=');
      g.config.push(e < 0 ? { key: value, value: 'true' } : { key: value.slice(0, e), value: value.slice(e + 1) });
    } else if (name === '--config-env') {
      const e = value.indexOf('=');
      if (e > 0) g.config.push({ key: value.slice(0, e), value: `$${value.slice(e + 1)}` });
    } else if (name === '-C') g.dirs.push(value);
    else if (name === '--git-dir') g.gitDir = value;
    else if (name === '--work-tree') g.workTree = value;
  }
  return { globals: g, at: i };
}

/** `remote.<name>.url` / `remote.<name>.pushurl`: where a remote points. */
export const REMOTE_URL_KEY = /^remote\.(.+)\.(push)?url$/i;
/** `url.<base>.insteadOf` / `pushInsteadOf`: every URL starting with the value is rewritten to <base>. */
export const INSTEADOF_KEY = /^url\.(.+)\.(push)?insteadof$/i;

/** Config keys whose value is a command git runs (lower case; `*` is any subsection). */
export const COMMAND_KEYS: readonly RegExp[] = [
  /^core\.(sshcommand|gitproxy|askpass|pager|editor|fsmonitor)$/,
  /^sequence\.editor$/,
  /^credential(\..+)?\.helper$/,
  /^alias\..+$/,
  /^diff\.external$/,
  /^diff\..+\.(textconv|command)$/,
  /^filter\..+\.(clean|smudge|process)$/,
  /^merge\..+\.driver$/,
  /^gpg(\..+)?\.program$/,
  /^uploadpack\.packobjectshook$/,
  /^remote\..+\.(receivepack|uploadpack)$/,
];
/** Config keys that make git load code or config from a path (what is there is not visible). */
export const PATH_KEYS = /^(core\.hookspath|include\.path|includeif\..+\.path)$/;
/** Config keys whose value names a proxy host. */
export const PROXY_KEYS = /^(https?(\..+)?\.proxy|remote\..+\.proxy)$/;

/** A push's repository argument that is a URL or a path (pushed to directly), not a remote's name. */
export function isUrlRemote(remote: string): boolean {
  return (
    /^[a-z][a-z0-9+.-]*:\/\//i.test(remote) || /^[^/\s]+@[^:\s]+:/.test(remote) || remote.startsWith('/') || remote.startsWith('.') || remote.startsWith('~')
  );
}

/** Where `git config` writes: the repository's own file, or one shared by every repository (--global, --system). */
export function configScope(args: readonly string[]): 'repo' | 'all' {
  return args.some((a) => a === '--global' || a === '--system') ? 'all' : 'repo';
}
