/**
 * Structured facts of a Bash analysis, so the engine decides from them and never parses the
 * command again: what each command is, what git does, where pushes go and which remotes change.
 */

/** A command the shell would run, its wrappers (sudo, env X=1, timeout 5, xargs ...) stripped. */
export interface CommandFact {
  /** program name (`/usr/bin/curl` is curl) */
  name: string;
  /** its words after quote removal; expansions are kept as written ($HOME, $(cmd)) */
  argv: string[];
}

/** One git invocation, with its global options (what comes before the subcommand). */
export interface GitFact {
  /** push, remote, config ... (null: none, e.g. `git --version`) */
  subcommand: string | null;
  /** the subcommand's own arguments */
  args: string[];
  /** `-c key=value` and `--config-env key=ENV` (value `$ENV`), in order; keys as written */
  config: Array<{ key: string; value: string }>;
  /** every `-C dir` in order (each relative to the one before); `--git-dir`, `--work-tree`, `--exec-path=dir` */
  dirs: string[];
  gitDir: string | null;
  workTree: string | null;
  execPath: string | null;
}

/** Where a push goes. */
export interface PushFact {
  /** the remote as named (default origin), or the URL/path pushed to directly */
  remote: string;
  /** set when the push goes to a URL: named on the command line, or given by `-c remote.X.url` / insteadOf of this invocation */
  url?: string;
  /** the refspecs (branches, tags) named */
  refspecs: string[];
  /** git push, git subtree push, git lfs push, gh repo create --push */
  command: string;
  /** index of its git invocation in BashAnalysis.git (where it runs: -C, --git-dir, cd before it) */
  git?: number;
}

/** A change of where a remote points (or where URLs are rewritten to). */
export interface RemoteFact {
  /** the remote's name; null for `url.<base>.insteadOf` (every matching URL) */
  name: string | null;
  url: string;
  how: 'remote add' | 'remote set-url' | 'config' | 'insteadOf' | 'gh repo create';
  /** false when it holds for one invocation only (`git -c remote.x.url=… push`) */
  persistent: boolean;
  /** index of its git invocation in BashAnalysis.git */
  git?: number;
  /** `git config --global/--system`: every repository of the user */
  global?: boolean;
}
