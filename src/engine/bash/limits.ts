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
/** `case` arms of one case command */
export const MAX_CASE_ARMS = 100_000;
/** wrappers stripped off one command (sudo env nice timeout ... curl) */
export const MAX_WRAPPERS = 16;
/** characters of a command the regex fallback scans */
export const FALLBACK_SCAN_MAX = 1 << 20;
/** string literals of interpreter code tried as shell command lines */
export const MAX_CODE_LITERALS = 64;
/** bracketed lists of literals (['curl', '-d', ..]) tried as one command line */
export const MAX_CODE_ARG_LISTS = 16;
/** shell command lines tried per piece of interpreter code */
export const MAX_CODE_CANDIDATES = 80;
/** digits of a file descriptor number before a redirection (`2>`, `10<`) */
export const MAX_FD_DIGITS = 10;
