/**
 * Static analysis of a Bash command line, for a data-exfiltration guard.
 *
 * Pure: no I/O, never throws. The command is tokenised with a hand-written
 * Bash lexer (quotes, escapes, $'..', expansions, substitutions, heredocs,
 * redirections, operators), parsed into lists / pipelines / compound commands,
 * and every simple command is classified: does it send data off the machine,
 * to which hosts, which files does it read, upload or write.
 *
 * Data flow is tracked coarsely so that "read then send" is visible:
 *  - reads of earlier pipeline stages feed the stdin of later ones;
 *  - `< file`, heredocs and here-strings feed stdin;
 *  - reads inside `$(..)` / backticks in the arguments of an egress command are uploads;
 *  - variables assigned from substitutions (`X=$(cat f)`, `read X < f`) carry their reads;
 *  - `echo/printf/cat <<EOF/base64 -d` feeding `sh`/`python` etc. is analysed as code.
 */
import { Analyzer } from './analyzer.ts';
import { ENVIRONMENT, NO_STDIN, newAcc } from './context.ts';
import type { CommandFact, GitFact, PushFact, RemoteFact } from './facts.ts';
import { hitLimit, type LimitFact, MAX_INPUT } from './limits.ts';

export type { CommandFact, GitFact, LimitFact, PushFact, RemoteFact };
import { uniq } from './util.ts';

export interface BashAnalysis {
  egress: boolean;
  egressCommands: string[];
  hosts: string[];
  urls: string[];
  readPaths: string[];
  uploadPaths: string[];
  writePaths: string[];
  segments: string[][];
  parseError?: string;
  /** bounds the analysis hit (or its failure): part of the command was not analysed, so it must not be allowed as harmless */
  limits: LimitFact[];
  /** every command run, wrappers stripped */
  commands: CommandFact[];
  /** every git invocation with its global options */
  git: GitFact[];
  /** where each push goes */
  pushes: PushFact[];
  /** remotes added or pointed elsewhere, URL rewrites */
  remotes: RemoteFact[];
  /**
   * Files whose lines name files the command reads: `$(cat f)` / `$(< f)` as arguments, `xargs … < f`,
   * `cat f | xargs …`, `xargs -a f`, `tar -T f`, `rsync --files-from f`. Which files those are is
   * known only from what the session saw of f (FlowEngine resolves them).
   */
  listFiles: string[];
  /** files a `find` prints its paths into (`find ~ -name id_rsa > f`), with those paths as patterns (`~/<any dirs>/id_rsa`) */
  listsWritten: Array<[string, string[]]>;
  /** a command prints the whole environment (printenv, env, set, export -p, declare -p) */
  envDump: boolean;
  /** what such a command prints reaches a sender (piped, substituted, in a variable, to a socket) */
  envSent: boolean;
  /**
   * What leaves the machine as text: the arguments senders send (curl's URL, data and headers; ssh's
   * remote command; a push's URL), the stdin they read (heredocs, echo piped in, the words of the
   * commands piping into them), the values of the variables those use. Local words (cd/cp paths, -o
   * files, branch names, an earlier echo into a file) are not in it. null when the analysis cannot
   * tell (a parse error, a bound hit, a function defined, output of a group sent): check the whole command.
   */
  payload: string[] | null;
  /** interpreter code the command runs (python -c, node -e, a heredoc fed to an interpreter), by family */
  code: Array<{ family: string; text: string }>;
  /** heredoc and here-string bodies */
  hereTexts: string[];
  /**
   * What redirections (`> f`, `>> f`) and tee write into files when the command itself says what
   * (echo of plain words, a heredoc with nothing expanded); `only`: nothing else in the command writes that path.
   */
  fileTexts: Array<{ path: string; append: boolean; text: string | null; only: boolean }>;
}

/** `$(cat f)`, `$(< f)`, `` `cat f` ``: a word made of a file's lines (f, quotes removed). */
const SUBSTITUTED_LIST = /^\$\(\s*(?:cat\s+(?:--\s+)?|<\s*)(['"]?)([^\s'"()`;|&<>]+)\1\s*\)$|^`\s*cat\s+(['"]?)([^\s'"()`;|&<>]+)\3\s*`$/;

function substitutedList(word: string): string[] {
  const m = SUBSTITUTED_LIST.exec(word);
  const f = m?.[2] ?? m?.[4];
  return f ? [f] : [];
}

/** How many times each string is in `xs`. */
function countBy(xs: readonly string[]): Map<string, number> {
  const n = new Map<string, number>();
  for (const x of xs) n.set(x, (n.get(x) ?? 0) + 1);
  return n;
}

/**
 * `maxInput`: characters analysed (default MAX_INPUT). Larger only for a command with the scripts it
 * runs inlined after it (scripts.ts), where each script is bounded on its own.
 */
export function analyzeBash(command: string, maxInput = MAX_INPUT): BashAnalysis {
  const acc = newAcc();
  let original = '';
  try {
    original = typeof command === 'string' ? command : String(command ?? '');
    let input = original;
    if (input.length > maxInput) {
      acc.errors.push(`input truncated to ${maxInput} characters`);
      hitLimit(acc, 'input_size');
      input = input.slice(0, maxInput);
    }
    new Analyzer(acc).analyzeSource(input, 0, NO_STDIN);
  } catch (e) {
    acc.errors.push('internal error: ' + (e instanceof Error ? e.message : String(e)));
    hitLimit(acc, 'internal_error');
  }
  try {
    if (acc.errors.length) new Analyzer(acc).fallback(original);
  } catch {
    // the fallback is best effort: the error or limit recorded above already keeps the call from being allowed
  }
  const writesTo = countBy(acc.writes);
  const textsTo = countBy(acc.fileTexts.map((f) => f.path));
  const res: BashAnalysis = {
    egress: acc.egressCount > 0,
    egressCommands: uniq(acc.cmds),
    hosts: uniq(acc.hosts),
    urls: uniq(acc.urls),
    readPaths: uniq(acc.reads).filter((p) => p !== ENVIRONMENT),
    uploadPaths: uniq(acc.uploads).filter((p) => p !== ENVIRONMENT),
    writePaths: uniq(acc.writes),
    segments: acc.segments,
    limits: acc.limits,
    commands: acc.commands,
    git: acc.git,
    pushes: acc.pushes,
    remotes: acc.remotes,
    listFiles: uniq([...acc.lists, ...acc.reads.flatMap(substitutedList)]).filter((p) => p !== ENVIRONMENT),
    listsWritten: acc.listsWritten,
    envDump: acc.envDump,
    envSent: acc.uploads.includes(ENVIRONMENT),
    payload:
      acc.payloadOpaque || acc.errors.length > 0 || acc.limits.length > 0 || (acc.functions ?? 0) > 0
        ? null
        : // the senders' words as they are (bounded by the command and its nested code: MAX_LEXED); the
          // rest de-duplicated (a variable's value used many times, one stdin read by several senders)
          [...acc.sent, ...uniq(acc.pushes.length ? [...acc.payload, ...acc.published] : acc.payload)],
    code: acc.code,
    hereTexts: acc.hereTexts,
    // a text is all a file gets when every write to the file is one of its texts (counted once, not once a
    // text: a command of thousands of `tee f` compared every text with every write, quadratic)
    fileTexts: acc.fileTexts.map((f) => ({ ...f, only: writesTo.get(f.path) === textsTo.get(f.path) })),
  };
  if (acc.errors.length) res.parseError = uniq(acc.errors).join('; ');
  return res;
}
