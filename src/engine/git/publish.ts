/**
 * What a push publishes: the requests the daemon's I/O adapter (daemon/git-objects.ts) answers by
 * reading the repository, and the facts it gives back. The engine judges the facts (secrets by the
 * detector, files tainted this session, CI workflows that post secrets); nothing here reads a file.
 */
import type { BashAnalysis } from '../bash/index.ts';
import { scanText } from '../detector.ts';
import { allHosts } from '../urls.ts';
import { repoPushes } from './remotes.ts';

/** One push to read: which repository, which refs, to which remote; and what the same command commits first. */
export interface PushRequest {
  /** absolute directory git runs in */
  repo: string;
  remote: string;
  url?: string;
  /** refspecs as written (empty: the current branch) */
  refspecs: string[];
  /** the same command commits before it pushes (`git commit -am … && git push`): the work tree's changes go too */
  commitsFirst: boolean;
  /** …after `git add .` / `-A`: new files go too */
  addsAll: boolean;
  /** `--all`, `--mirror`, `--branches`: every local branch goes; `--tags`, `--follow-tags`: tags too */
  every?: { branches: boolean; tags: boolean };
}

/** One file a push publishes: the lines it adds (bounded), or that it could only be named. */
export interface PublishedFile {
  path: string;
  /** added lines (of every commit pushed, or of the work tree about to be committed), bounded */
  added: string;
  binary?: boolean;
  truncated?: boolean;
}

export interface PushFacts {
  repo: string;
  remote: string;
  commits: number;
  files: PublishedFile[];
  /** the repository could not be read within its bounds: the push is not allowed as harmless */
  error?: string;
  /** there is no repository where the push runs (git push fails there): nothing to publish */
  absent?: boolean;
}

/** The pushes of a Bash command that the daemon should read before it is decided. */
export function pushRequests(bash: BashAnalysis, cwd: string | undefined, home?: string): PushRequest[] {
  const pushes = repoPushes(bash, cwd, home).filter((p) => p.command === 'git push' || p.command === 'gh repo create --push');
  if (pushes.length === 0) return [];
  const commitsFirst = bash.git.some((g) => g.subcommand === 'commit');
  const addsAll = bash.git.some((g) => g.subcommand === 'add' && g.args.some((a) => a === '.' || a === '-A' || a === '--all' || a === ':/' || a === '*'));
  return pushes.map((p) => {
    const args = p.git !== undefined ? (bash.git[p.git]?.args ?? []) : [];
    const branches = args.some((a) => a === '--all' || a === '--mirror' || a === '--branches');
    const tags = args.some((a) => a === '--tags' || a === '--mirror' || a === '--follow-tags');
    return {
      repo: p.repo,
      remote: p.remote,
      ...(p.url !== undefined ? { url: p.url } : {}),
      refspecs: p.refspecs,
      commitsFirst,
      addsAll,
      ...(branches || tags ? { every: { branches, tags } } : {}),
    };
  });
}

/** A file that is a CI pipeline definition (it runs with the repository's secrets). */
export function isCiFile(path: string): boolean {
  return (
    /(^|\/)\.github\/workflows\/[^/]+\.ya?ml$/i.test(path) ||
    /(^|\/)\.gitlab-ci\.ya?ml$/i.test(path) ||
    /(^|\/)\.circleci\/config\.ya?ml$/i.test(path) ||
    /(^|\/)(azure-pipelines|bitbucket-pipelines)\.ya?ml$/i.test(path) ||
    /(^|\/)Jenkinsfile$/.test(path)
  );
}

/** Hosts a CI file sends its secrets to: it references secrets and a network command names an outside host. */
export function ciSecretHosts(content: string, ignore: (host: string) => boolean): string[] {
  if (!/\$\{\{\s*secrets\.|\$\{\{\s*toJSON\(\s*secrets|\$[A-Z_]*(TOKEN|SECRET|KEY|PASSWORD)\b|secrets\.[A-Z_]+/i.test(content)) return [];
  if (!/\b(curl|wget|nc|ncat|Invoke-WebRequest|Invoke-RestMethod|fetch|requests\.post|http\.request|socat)\b/.test(content)) return [];
  return [...new Set(allHosts(content))].filter(
    (h) => !ignore(h) && !/(^|\.)(github\.com|githubusercontent\.com|ghcr\.io|gitlab\.com|npmjs\.org|npmjs\.com|pypi\.org)$/i.test(h),
  );
}

/** Secrets the detector finds in what a file adds (high and critical only). */
export function fileSecrets(f: PublishedFile): string[] {
  if (f.binary || f.added === '') return [];
  return [
    ...new Set(
      scanText(f.added)
        .filter((x) => x.severity !== 'medium')
        .map((x) => x.label),
    ),
  ];
}
