/** Git repositories for push tests: a checkout with a local bare remote, and git run without the user's config. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** git's environment in tests: a fixed identity, no global or system config. */
export const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@t.invalid',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@t.invalid',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
};

export interface Checkout {
  dir: string;
  bare: string;
  git: (...a: string[]) => string;
  write: (p: string, c: string) => void;
}

/** A checkout in `root`/proj with one pushed commit (README.md) and the local bare remote `origin` (`root`/remote.git). */
export function checkoutWithRemote(root: string): Checkout {
  const dir = join(root, 'proj');
  const bare = join(root, 'remote.git');
  const git = (...a: string[]): string => execFileSync('git', a, { cwd: dir, env: GIT_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  mkdirSync(dir);
  execFileSync('git', ['init', '-q', '--bare', bare], { env: GIT_ENV });
  git('init', '-q', '-b', 'main');
  git('remote', 'add', 'origin', bare);
  const write = (p: string, c: string): void => {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), c);
  };
  write('README.md', '# proj\n');
  git('add', '.');
  git('commit', '-q', '-m', 'init');
  git('push', '-q', 'origin', 'main');
  return { dir, bare, git, write };
}

/** The commit `main` points at in a bare repository. */
export const remoteHead = (bare: string): string => execFileSync('git', ['--git-dir', bare, 'rev-parse', 'main'], { env: GIT_ENV, encoding: 'utf8' }).trim();
