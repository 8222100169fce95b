/**
 * Where a push goes, per repository: the remotes a session added or pointed elsewhere (`git remote
 * add/set-url`, `git config remote.X.url|pushurl`, `url.X.insteadOf`, an edit of `.git/config`,
 * `gh repo create`), keyed by the repository they were changed in, so that a remote added in one
 * repository does not make `origin` of another suspicious. Pure: the session's table is a Map the
 * flow tracker keeps (and persists) as `repo \0 name -> URL`.
 */
import type { BashAnalysis, PushFact, RemoteFact } from '../bash/index.ts';
import { resolvePath } from '../paths.ts';

/** Name of the entry that stands for every remote of a repository (a URL rewrite, an edit of .git/config). */
export const ANY_REMOTE = '*';
/** Prefix of a URL recorded for a repository the user's own gh account created in the session. */
export const OWN_PREFIX = 'gh-created:';
/** Name prefix of an entry for a repository `gh repo create` made with no local remote (yet). */
const CREATED = '\u0001created ';
/** `https://github.com/o/r.git`, `git@github.com:o/r` -> `github.com/o/r` (lower case), to compare remotes. */
export function repoSlug(url: string): string {
  return url
    .replace(/^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?/i, '')
    .replace(/^[^@/\s]+@([^:/\s]+):/, '$1/')
    .replace(/\.git\/?$/, '')
    .replace(/\/+$/, '')
    .toLowerCase();
}

/** URL recorded when .git/config was changed in a way the guard cannot read. */
export const UNKNOWN_URL = '(changed in .git/config)';
/** remotes added or re-pointed in a session that are tracked (the session's bound) */
export const MAX_REMOTES = 64;
/** The URL of every remote once the session changed more remotes than it tracks (MAX_REMOTES): one let go may point anywhere. */
export const LET_GO_URL = '(let go for the bound of the remotes tracked)';

const SEP = '\u0000';

export function remoteKey(repo: string, name: string): string {
  return `${repo}${SEP}${name}`;
}

function splitKey(key: string): { repo: string; name: string } {
  const i = key.indexOf(SEP);
  // saved by an older build (by name only): holds for every repository
  return i < 0 ? { repo: '', name: key } : { repo: key.slice(0, i), name: key.slice(i + 1) };
}

/** `C:\\Users\\me\\proj` and Git Bash's `/c/Users/me/proj` as one POSIX path: `/c/Users/me/proj`. */
export function normDir(p: string): string {
  let d = p.replace(/\\/g, '/');
  const m = /^([A-Za-z]):(\/|$)/.exec(d);
  if (m) d = `/${m[1]!.toLowerCase()}/${d.slice(m[0].length)}`;
  else if (/^\/[A-Za-z]\//.test(d)) d = `/${d[1]!.toLowerCase()}${d.slice(2)}`;
  return d.length > 1 ? d.replace(/\/+$/, '') : d;
}

/** Same repository, or one inside the other (a subdirectory, or a remote changed from a parent dir); '' is every repository. */
function related(a: string, b: string): boolean {
  return a === '' || b === '' || a === b || b.startsWith(a.endsWith('/') ? a : a + '/') || a.startsWith(b.endsWith('/') ? b : b + '/');
}

/** A push with the directory of the repository it runs in. */
export interface RepoPush extends PushFact {
  /** absolute directory git runs in ('' when unknown: then it matches every repository) */
  repo: string;
}

/** A remote change with the directory of the repository it was made in. */
export interface RepoRemote extends RemoteFact {
  repo: string;
}

/**
 * The directory each git invocation of a command runs in: the event's cwd, `cd` before it in the
 * same command, then `-C`, `--git-dir` (its parent) or `--work-tree`.
 */
export function gitDirs(bash: BashAnalysis, cwd: string | undefined, home?: string): string[] {
  const out: string[] = [];
  cwd = cwd ? normDir(cwd) : cwd;
  let here = cwd ?? '';
  let gi = 0;
  const gits = bash.git;
  // commands are in the order the shell meets them; git facts in the order of the git commands among them
  const gitCommands = bash.commands.filter((c) => c.name === 'git').length;
  const followCd = gitCommands === gits.length;
  for (const c of bash.commands) {
    if (followCd && c.name === 'cd') {
      const target = c.argv[1];
      const next = target && !target.startsWith('-') ? resolvePath(normDir(target), here || undefined, home) : (home ?? null);
      here = next ?? '';
      continue;
    }
    if (c.name !== 'git' || !followCd) continue;
    out.push(dirOf(gits[gi++], here, home));
  }
  if (!followCd) for (const g of gits) out.push(dirOf(g, cwd ?? '', home));
  return out;
}

function dirOf(g: BashAnalysis['git'][number] | undefined, here: string, home?: string): string {
  if (!g) return here;
  let d: string | null = here;
  for (const x of g.dirs) d = resolvePath(normDir(x), d || undefined, home);
  if (g.gitDir) {
    const gd = resolvePath(normDir(g.gitDir), d || undefined, home);
    d = gd ? gd.replace(/\/\.git$/, '') : null;
  } else if (g.workTree) d = resolvePath(normDir(g.workTree), d || undefined, home);
  // a dynamic path ($DIR) or one that does not resolve: unknown, which matches every repository
  return d && !/[$`]/.test(d) ? d : '';
}

/** The pushes of a command, each with its repository. */
export function repoPushes(bash: BashAnalysis, cwd: string | undefined, home?: string): RepoPush[] {
  const dirs = gitDirs(bash, cwd, home);
  cwd = cwd ? normDir(cwd) : cwd;
  return bash.pushes.map((p) => ({ ...p, repo: p.git !== undefined ? (dirs[p.git] ?? cwd ?? '') : (cwd ?? '') }));
}

/** The remote changes of a command, each with its repository ('' for --global: every repository). */
export function repoRemotes(bash: BashAnalysis, cwd: string | undefined, home?: string): RepoRemote[] {
  const dirs = gitDirs(bash, cwd, home);
  cwd = cwd ? normDir(cwd) : cwd;
  return bash.remotes.map((r) => ({ ...r, repo: r.global ? '' : r.git !== undefined ? (dirs[r.git] ?? cwd ?? '') : (cwd ?? '') }));
}

/** Record the persistent remote changes of a command in the session's table. */
export function noteRemotes(add: (key: string, url: string) => void, remotes: readonly RepoRemote[]): void {
  for (const r of remotes) {
    if (!r.persistent) continue;
    // a repository `gh repo create` made under the user's own account: recorded (it replaces what
    // the name meant before) as the user's own
    if (r.how === 'gh repo create') add(remoteKey(r.repo, r.name ?? CREATED + repoSlug(r.url)), OWN_PREFIX + r.url);
    else add(remoteKey(r.repo, r.name ?? ANY_REMOTE), r.url);
  }
}

/** A file path that is a repository's git config: `<repo>/.git/config` -> repo. */
export function gitConfigRepo(abs: string): string | null {
  const m = /^(.*)\/\.git\/config$/.exec(abs);
  return m ? m[1] || '/' : null;
}

/**
 * What a write to `.git/config` changes: `[remote "x"] url = …` sections by name; a `url =` line
 * with no section, a `[url "…"] insteadOf`, or content the guard cannot see (sed -i) stands for every
 * remote of the repository.
 */
export function gitConfigChanges(repo: string, content: string | undefined): Array<{ key: string; url: string }> {
  if (content === undefined) return [{ key: remoteKey(repo, ANY_REMOTE), url: UNKNOWN_URL }];
  const out: Array<{ key: string; url: string }> = [];
  let section: string | null = null;
  let any = false;
  for (const line of content.split(/\r?\n|\\n/)) {
    // (not anchored: the content may sit inside an `echo "…" >> .git/config`)
    const sec = /\[\s*(remote|url|[a-z]+)(?:\s+\\?"([^"\\]*)\\?")?\s*\]/i.exec(line);
    if (sec) {
      section = sec[1]!.toLowerCase() === 'remote' && sec[2] !== undefined ? sec[2] : sec[1]!.toLowerCase() === 'url' ? ANY_REMOTE : null;
      if (sec[1]!.toLowerCase() === 'url' && sec[2]) out.push({ key: remoteKey(repo, ANY_REMOTE), url: sec[2] });
      continue;
    }
    const u = /(?:^|[\s"'\\t])(push)?url\s*=\s*([^\s"'\\]+)/i.exec(line);
    if (u) {
      if (section && section !== ANY_REMOTE) out.push({ key: remoteKey(repo, section), url: u[2]! });
      else any = true;
      continue;
    }
    if (/(push)?insteadof\s*=/i.test(line)) any = true;
  }
  if (any || (out.length === 0 && /url|insteadof|\[remote/i.test(content))) out.push({ key: remoteKey(repo, ANY_REMOTE), url: out[0]?.url ?? UNKNOWN_URL });
  return out;
}

/** Where a push goes when the session changed it; undefined for a push to a remote as it was. */
export interface PushTarget {
  url: string;
  /** how it came to go there, in words */
  how: string;
  direct: boolean;
}

export function pushTarget(remotes: ReadonlyMap<string, string>, push: RepoPush): PushTarget | undefined {
  // gh repo create --push: a new repository of the user's own account
  if (push.command.startsWith('gh repo create')) return undefined;
  if (push.url !== undefined) {
    const direct = push.url === push.remote;
    return {
      url: push.url,
      direct,
      how: direct ? 'the push goes straight to a URL, not to a configured remote' : `this invocation points "${push.remote}" at it (git -c)`,
    };
  }
  let any: PushTarget | undefined;
  for (const [key, url] of remotes) {
    const k = splitKey(key);
    if (!related(k.repo, push.repo)) continue;
    if (k.name === push.remote) {
      // the user's own new repository (gh repo create), directly or by a remote added to point at it
      if (url.startsWith(OWN_PREFIX) || remotes.has(remoteKey('', CREATED + repoSlug(url)))) return undefined;
      return {
        url,
        direct: false,
        how: `the remote "${push.remote}" was ${k.repo === '' ? 'set for every repository' : 'added or re-pointed'} in this session`,
      };
    }
    if (k.name === ANY_REMOTE && !any)
      any = {
        url,
        direct: false,
        how:
          url === LET_GO_URL
            ? `more remotes were added or re-pointed in this session than the guard tracks (${MAX_REMOTES}), so "${push.remote}" may be one of those let go and point anywhere`
            : url === UNKNOWN_URL
              ? `.git/config${k.repo ? ` of ${k.repo}` : ''} was changed in this session, so "${push.remote}" may point anywhere`
              : `URLs of this repository were rewritten to ${url} in this session (insteadOf or .git/config)`,
      };
  }
  return any;
}
