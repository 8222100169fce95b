/**
 * The I/O half of push inspection: read what a `git push` would publish from the repository, for the
 * pure engine to judge (engine/git/publish.ts). Runs `git` with a deadline and an output bound and
 * with the repository's own code switched off (no external diff, no textconv, no pager, no fsmonitor);
 * over a bound, it fails closed: the facts carry an error that says why, and the push is asked about.
 * Asynchronous: git runs while the sidecar goes on deciding other sessions' events (a push's read may
 * take up to its budget; nothing else waits for it but the push's own decision).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { analyzeBash } from '../engine/bash/index.ts';
import { pushRequests, type PublishedFile, type PushFacts, type PushRequest } from '../engine/git/publish.ts';
import type { HookEvent } from '../types.ts';

export interface GitReadLimits {
  /** all git commands of one push together (kept well under the hook's own deadline, 3 s by default) */
  timeoutMs: number;
  /** bytes of one git command's output */
  maxOutputBytes: number;
  /** added text kept per file */
  maxFileBytes: number;
  /** files reported per push */
  maxFiles: number;
  /** untracked files read (their size each at most maxFileBytes) */
  maxUntracked: number;
}

export const DEFAULT_GIT_LIMITS: GitReadLimits = {
  timeoutMs: 1500,
  maxOutputBytes: 8 * 1024 * 1024,
  maxFileBytes: 256 * 1024,
  maxFiles: 2000,
  maxUntracked: 200,
};

/** Options that keep a repository's own configuration from running code while we read it. */
const SAFE = ['-c', 'core.fsmonitor=false', '-c', 'core.pager=cat', '-c', 'diff.external=', '-c', 'core.quotepath=off', '-c', 'log.showSignature=false'];
/** git's environment: the sidecar's own (read when git runs), with the pager, prompts, optional locks and external diff off. */
const env = (): NodeJS.ProcessEnv => ({
  ...process.env,
  GIT_PAGER: 'cat',
  GIT_TERMINAL_PROMPT: '0',
  GIT_OPTIONAL_LOCKS: '0',
  GIT_EXTERNAL_DIFF: '',
  LC_ALL: 'C',
});

class Over extends Error {}

/** Limits with the time left of one push's budget. */
type Budget = GitReadLimits & { deadline: number };

function git(repo: string, args: string[], lim: Budget): Promise<string> {
  const left = lim.deadline - Date.now();
  if (left <= 0) return Promise.reject(new Over(`reading the repository took longer than ${lim.timeoutMs} ms`));
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const child = execFile('git', ['-C', repo, ...SAFE, ...args], { encoding: 'utf8', maxBuffer: lim.maxOutputBytes, env: env() }, (e, stdout, stderr) => {
      clearTimeout(timer);
      if (timedOut) return; // already answered
      if (!e) return resolve(stdout);
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return reject(new Over(`git ${args[0]} wrote more than ${lim.maxOutputBytes} bytes`));
      if (err.code === 'ENOENT') return reject(new Over('git is not installed where the sidecar runs'));
      reject(
        new Over(
          `git ${args[0]} failed: ${String(stderr || err.message)
            .trim()
            .split('\n')[0]
            ?.slice(0, 200)}`,
        ),
      );
    });
    child.stdin?.end(); // git reads nothing from us
    // out of time: answered at once (not when the killed git's pipes close: something it started may hold them)
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
      reject(new Over(`git ${args[0]} took longer than ${lim.timeoutMs} ms`));
    }, left);
  });
}

/** The first `max` bytes of a file (a larger one is not read whole). */
async function head(file: string, max: number): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(max);
    let n = 0;
    while (n < max) {
      const { bytesRead } = await fh.read(buf, n, max - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
    }
    return buf.subarray(0, n);
  } finally {
    await fh.close();
  }
}

/** The local ref a refspec pushes (`+main:prod` -> main); empty for a deletion (`:branch`). */
function srcOf(refspec: string): string {
  const r = refspec.replace(/^\+/, '');
  const i = r.indexOf(':');
  return i < 0 ? r : r.slice(0, i);
}

/** Parse `git log -p -U0` / `git diff -U0` output: the lines each file adds. */
function addedByFile(patch: string, files: Map<string, PublishedFile>, lim: GitReadLimits): number {
  let commits = 0;
  let cur: PublishedFile | undefined;
  for (const line of patch.split('\n')) {
    if (line.startsWith('\u0001')) {
      commits++;
      cur = undefined;
      continue;
    }
    if (line.startsWith('diff --git ')) {
      cur = undefined;
      continue;
    }
    if (line.startsWith('+++ ')) {
      const p = line.slice(4);
      if (p === '/dev/null') continue;
      const path = p.startsWith('b/') ? p.slice(2) : p;
      cur = files.get(path);
      if (!cur) {
        if (files.size >= lim.maxFiles) throw new Over(`the push changes more than ${lim.maxFiles} files`);
        cur = { path, added: '' };
        files.set(path, cur);
      }
      continue;
    }
    if (line.startsWith('Binary files ') && line.endsWith(' differ')) {
      const m = / and b\/(.+) differ$/.exec(line);
      if (m) {
        const f = files.get(m[1]!) ?? { path: m[1]!, added: '' };
        f.binary = true;
        files.set(f.path, f);
      }
      continue;
    }
    if (cur && line.startsWith('+')) {
      if (cur.added.length + line.length > lim.maxFileBytes) cur.truncated = true;
      else cur.added += line.slice(1) + '\n';
    }
  }
  return commits;
}

/** Read what one push would publish. Never throws: a failure is an error in the facts. */
export async function readPushFacts(req: PushRequest, limits: GitReadLimits = DEFAULT_GIT_LIMITS): Promise<PushFacts> {
  const lim: Budget = { ...limits, deadline: Date.now() + limits.timeoutMs };
  const facts: PushFacts = { repo: req.repo, remote: req.remote, commits: 0, files: [] };
  try {
    if (!req.repo) throw new Over('the repository the push runs in is not known');
    // no repository there (the directory is gone, or is not a checkout): git push fails, nothing is published
    if (!existsSync(req.repo)) {
      facts.absent = true;
      return facts;
    }
    let top: string;
    try {
      top = (await git(req.repo, ['rev-parse', '--show-toplevel'], lim)).trim();
    } catch (e) {
      if (e instanceof Over && /not a git repository/i.test(e.message)) {
        facts.absent = true;
        return facts;
      }
      throw e;
    }
    const files = new Map<string, PublishedFile>();
    const refs = req.refspecs.map(srcOf).filter((r) => r !== '' && !r.startsWith('-'));
    // commits not on any remote-tracking branch: what this push makes public (a remote's own branches
    // already are); HEAD when no refspec is named
    const revs = refs.length ? refs : ['HEAD'];
    if (req.every?.branches) revs.push('--branches');
    if (req.every?.tags) revs.push('--tags');
    const hasHead = await git(top, ['rev-parse', '--verify', '-q', 'HEAD'], lim).then(
      () => true,
      // a repository with no commit yet: only the work tree (committed by the same command) goes; out of
      // time, the next git command says so
      () => false,
    );
    if (hasHead) {
      const log = await git(
        top,
        ['log', '-p', '-U0', '--no-color', '--no-ext-diff', '--no-textconv', '--no-renames', '--format=%x01%H', ...revs, '--not', '--remotes', '--'],
        lim,
      );
      facts.commits = addedByFile(log, files, lim);
    }
    if (req.commitsFirst) {
      // the same command commits before it pushes: tracked changes of the work tree go too
      if (hasHead) addedByFile(await git(top, ['diff', '-U0', '--no-color', '--no-ext-diff', '--no-textconv', '--no-renames', 'HEAD', '--'], lim), files, lim);
      if (req.addsAll || !hasHead) {
        const untracked = (await git(top, ['ls-files', '-z', '--others', '--exclude-standard'], lim)).split('\u0000').filter(Boolean);
        if (untracked.length > lim.maxUntracked) throw new Over(`the command adds more than ${lim.maxUntracked} new files`);
        for (const p of untracked) {
          const abs = join(top, p);
          const st = await stat(abs);
          if (!st.isFile()) continue;
          if (Date.now() > lim.deadline) throw new Over(`reading the repository took longer than ${lim.timeoutMs} ms`);
          const buf = await head(abs, lim.maxFileBytes);
          const binary = buf.includes(0);
          files.set(p, {
            path: p,
            added: binary ? '' : buf.toString('utf8'),
            ...(binary ? { binary } : {}),
            ...(st.size > lim.maxFileBytes ? { truncated: true } : {}),
          });
        }
      }
    }
    facts.repo = top;
    facts.files = [...files.values()];
  } catch (e) {
    facts.error = e instanceof Over ? e.message : `reading the repository failed: ${(e as Error).message.slice(0, 200)}`;
  }
  return facts;
}

/**
 * The pushes of a PreToolUse (Bash, PowerShell, Monitor command) read from their repositories, or
 * undefined (at once, with nothing read) when it pushes nothing. Each push's git commands are
 * bounded by the limits' deadline; its decision waits for the facts, nothing else does.
 */
export function inspectPushes(ev: HookEvent, home: string | undefined, lim: GitReadLimits = DEFAULT_GIT_LIMITS): Promise<PushFacts[]> | undefined {
  if (ev.hook_event_name !== 'PreToolUse') return undefined;
  const input = ev.tool_input as Record<string, unknown> | undefined;
  const command = input && typeof input.command === 'string' ? input.command : undefined;
  if (!command?.includes('push')) return undefined;
  const cwd = typeof ev.cwd === 'string' && ev.cwd !== '' ? ev.cwd : undefined;
  const reqs = pushRequests(analyzeBash(command), cwd, home);
  if (reqs.length === 0) return undefined;
  return (async () => {
    const out: PushFacts[] = [];
    for (const r of reqs) {
      // an event with no working directory (Claude Code always sends one; a recorded or hand-made event
      // may not) names no repository to read: nothing here to judge, said as such in liveFacts
      out.push(r.repo === '' && cwd === undefined ? { repo: '', remote: r.remote, commits: 0, files: [], absent: true } : await readPushFacts(r, lim));
    }
    return out;
  })();
}
