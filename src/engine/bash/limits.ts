/**
 * Bounds of the Bash analysis. Each keeps a hostile command from costing unbounded time or memory;
 * when one is hit the analysis says so (a limit fact), and the engine does not allow the call.
 */

/** characters of a command line analysed; the rest is only scanned by the fallback */
export const MAX_INPUT = 64 * 1024;
/** nested shell code: `$(..)`, `sh -c`, `eval`, heredocs fed to a shell, interpreter shell-outs */
export const MAX_DEPTH = 4;
/** substitutions nested inside one lexing pass */
export const MAX_LEX_NEST = 24;
/** compound commands nested inside one parse */
export const MAX_PARSE_NEST = 200;
/** tokens of one lexing pass */
export const MAX_TOKENS = 100_000;
/** simple commands analysed, all nesting included */
export const MAX_STEPS = 10_000;
/** total characters lexed across all (nested) analyses of one command */
export const MAX_LEXED = 4 * 1024 * 1024;
/** `${..}` nested inside each other */
export const MAX_PARAM_NEST = 64;
/** characters looked at for a `${name` at the start of a parameter expansion */
export const PARAM_NAME_WINDOW = 128;
/** `case` arms of one case command (a guard: MAX_TOKENS is reached first) */
export const MAX_CASE_ARMS = 100_000;
/** wrappers stripped off one command (sudo env nice timeout ... curl) */
export const MAX_WRAPPERS = 16;
/** characters of a command the regex fallback scans */
export const FALLBACK_SCAN_MAX = 1 << 20;
/**
 * string literals of interpreter code that look like command lines (two words or more), tried as
 * shell commands. Sized for whole scripts, not only `python -c`: the scripts of 147 real sessions hold
 * up to 160 such literals (a 52 KB one) and 122 bracketed lists; a 62 KB script of nothing else costs
 * ~60 ms to analyse at this bound, and past it the analysis says so (code_literals: ask).
 */
export const MAX_CODE_LITERALS = 1024;
/** bracketed lists of literals (['curl', '-d', ..]) tried as one command line */
export const MAX_CODE_ARG_LISTS = 256;
/** shell command lines tried per piece of interpreter code */
export const MAX_CODE_CANDIDATES = MAX_CODE_LITERALS + MAX_CODE_ARG_LISTS;
/** words one command's brace expansions make */
export const MAX_BRACE_WORDS = 4096;
/** words all brace expansions of one analysis make */
export const MAX_BRACE_TOTAL = 4 * MAX_BRACE_WORDS;
/** digits of a file descriptor number before a redirection (`2>`, `10<`) */
export const MAX_FD_DIGITS = 10;

/** Which bound an analysis hit. */
export type BashLimit =
  | 'input_size'
  | 'nesting_depth'
  | 'substitution_nesting'
  | 'command_nesting'
  | 'parameter_nesting'
  | 'tokens'
  | 'commands'
  | 'lexed_size'
  | 'wrappers'
  | 'code_size'
  | 'code_literals'
  | 'brace_words'
  | 'opaque_program'
  | 'internal_error';

/** A bound the analysis hit: part of the command was not analysed, so what it does is not known. */
export interface LimitFact {
  limit: BashLimit;
  /** the bound, in the unit `what` names */
  bound: number;
  /** in words, for a reason: "the command is longer than the 65536 characters the guard analyses" */
  what: string;
}

/** Where the lexer, parser and analyzer report problems: syntax errors, and bounds hit. */
export interface Diagnostics {
  errors: string[];
  limits: LimitFact[];
  /** functions defined (their bodies run where they are called, with arguments given there) */
  functions?: number;
}

const LIMIT_WORDS: Record<BashLimit, [number, string]> = {
  input_size: [MAX_INPUT, `the command is longer than the ${MAX_INPUT} characters the guard analyses`],
  nesting_depth: [MAX_DEPTH, `shell code is nested more than ${MAX_DEPTH} levels deep ($(..), sh -c, eval, interpreter shell-outs)`],
  substitution_nesting: [MAX_LEX_NEST, `substitutions are nested more than ${MAX_LEX_NEST} deep`],
  command_nesting: [MAX_PARSE_NEST, `compound commands are nested more than ${MAX_PARSE_NEST} deep`],
  parameter_nesting: [MAX_PARAM_NEST, `\${..} expansions are nested more than ${MAX_PARAM_NEST} deep`],
  tokens: [MAX_TOKENS, `the command has more than ${MAX_TOKENS} tokens`],
  commands: [MAX_STEPS, `the command runs more than ${MAX_STEPS} simple commands`],
  lexed_size: [MAX_LEXED, `the command and its nested code come to more than ${MAX_LEXED} characters`],
  wrappers: [MAX_WRAPPERS, `a command has more than ${MAX_WRAPPERS} wrappers (sudo, env, nohup, timeout ...) in front of it`],
  code_size: [MAX_INPUT, `interpreter code (python -c, node -e ...) is longer than the ${MAX_INPUT} characters the guard analyses`],
  code_literals: [MAX_CODE_CANDIDATES, `interpreter code has more string literals than the guard tries as shell commands`],
  brace_words: [MAX_BRACE_WORDS, `brace expansion makes more than ${MAX_BRACE_WORDS} words of a command (or ${MAX_BRACE_TOTAL} in all)`],
  opaque_program: [0, 'the command runs a program the guard cannot see'],
  internal_error: [0, 'the analysis of the command failed'],
};

/** Record that a bound was hit (once per kind of bound). */
export function hitLimit(d: Diagnostics, limit: BashLimit): void {
  if (d.limits.some((l) => l.limit === limit)) return;
  const [bound, what] = LIMIT_WORDS[limit];
  d.limits.push({ limit, bound, what });
}
