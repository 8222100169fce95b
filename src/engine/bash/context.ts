/**
 * What a per-program handler sees of the analysis: the accumulated facts, the helpers that add to
 * them, and the way to analyse nested shell code. Handlers import only this (never the analyzer).
 */
import type { Word } from './ast.ts';
import type { CommandFact, GitFact, PushFact, RemoteFact } from './facts.ts';
import type { LimitFact } from './limits.ts';
import { progName } from './util.ts';

export interface Stdin {
  reads: string[];
  text: string | null;
  /** the words of the commands that write it (earlier pipeline stages): what they print may be made of them */
  args?: string[];
  /** the paths a `find` of an earlier stage prints (as patterns: `start/<any dirs>/name`), one per line */
  found?: string[];
}

export const NO_STDIN: Stdin = { reads: [], text: null };

export interface CmdResult {
  egress: boolean;
  /** the egress command sends its stdin */
  stdin: boolean;
}

export const NONE: CmdResult = { egress: false, stdin: false };
export const EG: CmdResult = { egress: true, stdin: false };
export const EG_STDIN: CmdResult = { egress: true, stdin: true };

export interface Acc {
  egressCount: number;
  cmds: string[];
  hosts: string[];
  urls: string[];
  reads: string[];
  uploads: string[];
  writes: string[];
  segments: string[][];
  errors: string[];
  limits: LimitFact[];
  functions?: number;
  commands: CommandFact[];
  git: GitFact[];
  pushes: PushFact[];
  remotes: RemoteFact[];
  /** files whose lines name the files a command reads (`xargs cat < f`, `tar -T f`, `rsync --files-from f`) */
  lists: string[];
  /** the paths `find` commands print, as patterns (`$HOME/<any dirs>/id_rsa`): what `| xargs cat` then reads */
  found: string[];
  /** files a `find` prints into (`find … > f`), with what it prints */
  listsWritten: Array<[string, string[]]>;
  /** a command prints the whole environment (printenv, env, set, export -p) */
  envDump: boolean;
  /** strings that leave the machine (stdin text of a sender, the values of the variables senders use) */
  payload: string[];
  /**
   * the words each sender sends (its URLs, data, headers), one item per sender, in order and with
   * their repeats: a sequence of URLs spelling data one symbol per URL repeats URLs
   */
  sent: string[];
  /** some data leaves in a way the payload does not cover: check the whole command */
  payloadOpaque: boolean;
  /** the handler running now declared what it sends (ctx.send) */
  payloadDeclared: boolean;
  /** commit and tag messages of this command line: a push publishes them */
  published: string[];
  /** variables' values as written, expansions kept ($(cat f), "$A b"): what a later `$X` stands for */
  varText: Map<string, string[]>;
  varReads: Map<string, string[]>;
  varValues: Map<string, string[]>;
  sourced: string[];
  netFds: Set<string>;
  /** coprocesses whose stdin goes to the network */
  coprocNet: Set<string>;
  stdoutNet: boolean;
  /** interpreter code the command runs (python -c, node -e, a heredoc fed to perl …), by interpreter family */
  code: Array<{ family: string; text: string }>;
  /** heredoc and here-string bodies (a script written to a file and run in the same command is one) */
  hereTexts: string[];
  /** what redirections and tee write into files, when the command itself says (null: not known) */
  fileTexts: Array<{ path: string; append: boolean; text: string | null }>;
  /** shared with scratch analyses so nested work stays bounded */
  budget: { steps: number; lexed: number; braceWords: number; exhausted: boolean };
}

export function newAcc(budget?: Acc['budget']): Acc {
  return {
    egressCount: 0,
    cmds: [],
    hosts: [],
    urls: [],
    reads: [],
    uploads: [],
    writes: [],
    segments: [],
    errors: [],
    limits: [],
    commands: [],
    code: [],
    hereTexts: [],
    fileTexts: [],
    git: [],
    pushes: [],
    remotes: [],
    lists: [],
    found: [],
    listsWritten: [],
    envDump: false,
    payload: [],
    sent: [],
    payloadOpaque: false,
    payloadDeclared: false,
    varText: new Map(),
    published: [],
    varReads: new Map(),
    varValues: new Map(),
    sourced: [],
    netFds: new Set(),
    coprocNet: new Set(),
    stdoutNet: false,
    budget: budget ?? { steps: 0, lexed: 0, braceWords: 0, exhausted: false },
  };
}

/** How a command was reached: its program name, nesting depth, stdin and the reads of its words' substitutions. */
export interface Call {
  name: string;
  depth: number;
  stdin: Stdin;
  wordReads: Map<Word, string[]>;
}

export interface Ctx {
  readonly acc: Acc;
  /** the command sends data off the machine (label: `curl`, `git push` ...) */
  egress(label: string): void;
  /** a path, with `$VAR` resolved to its known values */
  resolve(p: string): string[];
  read(p: string | undefined | null): void;
  write(p: string | undefined | null): void;
  /** files whose contents leave the machine (also reads) */
  upload(ps: string | readonly string[] | undefined | null): void;
  hostName(h: string | null | undefined): void;
  hostOf(w: Word | null | undefined): void;
  url(u: string): void;
  scanUrls(text: string): void;
  /** reads carried by referenced variables */
  taint(vars: readonly string[]): string[];
  assign(w: Word, reads: readonly string[]): void;
  /** a `NAME=value` whose value is code later programs run (GIT_SSH_COMMAND, PAGER …): read as a command */
  codeInEnv(w: Word, depth: number): void;
  /** a shared budget ran out: the rest of the command is not analysed */
  exhausted(limit: 'commands' | 'lexed_size'): void;
  /** nested code deeper than MAX_DEPTH: not analysed */
  tooDeep(): void;
  /** the command runs code the analysis cannot see (git --exec-path=dir): said in words */
  opaque(what: string): void;
  /** what the running handler sends: these words (with the values of their variables) and strings; nothing else of its argv */
  send(parts: ReadonlyArray<Word | string>): void;
  analyzeSource(src: string, depth: number, stdin: Stdin): void;
  /** analyse src as nested shell code one level down; report whether it produced egress */
  nested(src: string, depth: number, stdin: Stdin): CmdResult;
  /** a command line (argv with wrappers) at the given depth */
  command(argv: Word[], depth: number, stdin: Stdin, wordReads: Map<Word, string[]>): CmdResult;
  /** analyse src in a scratch accumulation sharing this one's budget (for guessed command lines) */
  scratch(src: string, depth: number): Acc | null;
}

/** A per-program handler: what the command reads, writes, sends and to where. */
export type Handler = (ctx: Ctx, args: Word[], call: Call) => CmdResult;

/** The program a word names (`/usr/bin/curl` is curl; `$C` is what C was set to, when known). */
export function nameOf(acc: Acc, w: Word): string {
  const m = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(w.text);
  if (m) {
    const v = acc.varValues.get(m[1]!);
    if (v && v.length === 1) return progName(v[0]!);
  }
  return progName(w.text);
}

/**
 * Stands in the reads for the environment a command prints (printenv, env, set …): it then flows like
 * a file's contents, through pipes, substitutions and variables, to what a sender uploads. Never a
 * real path (it starts with a NUL); taken out of the facts the analysis returns.
 */
export const ENVIRONMENT = '\u0000environment';

/** A command prints the whole environment. */
export function dumpEnvironment(ctx: Ctx): void {
  ctx.acc.envDump = true;
  ctx.read(ENVIRONMENT);
}
