/**
 * What the lexer produces and the parser builds: words (with their quoting and expansions),
 * substitutions, heredocs, tokens, redirections and command nodes.
 */

/** Placeholder for a dynamic piece ($VAR, $(..), `..`) in Word.shape. */
export const PH = '\u0000';

export interface Sub {
  kind: 'cmd' | 'procin' | 'procout';
  src: string;
  /** tokens already produced while finding the end of `$(`..`)`; null = lex src later */
  toks: Tok[] | null;
}

/** An unquoted `{`, `,` or `}` of a word: where brace expansion may split it. */
export interface BraceMark {
  /** index in Word.text */
  t: number;
  /** index in Word.shape */
  s: number;
  c: '{' | ',' | '}';
}

export interface Word {
  /** value after quote removal; expansions are kept verbatim ($HOME, $(cmd), `cmd`) */
  text: string;
  /** like text but every expansion replaced by PH (for host extraction) */
  shape: string;
  raw: string;
  quoted: boolean;
  subs: Sub[];
  vars: string[];
  dynamic: boolean;
  /** an arithmetic command `(( .. ))` (the lexer makes it one word) */
  arith?: true;
  /** unquoted brace characters, for brace expansion (absent when there are none) */
  braces?: BraceMark[];
}

export interface Heredoc {
  delim: string;
  quoted: boolean;
  strip: boolean;
  body: string;
  subs: Sub[];
  vars: string[];
}

export type RedirTok = { t: 'r'; v: string; fd: string | null; hd: Heredoc | null };

export type Tok = { t: 'w'; w: Word } | { t: 'op'; v: string } | RedirTok;

export interface Redir {
  op: string;
  fd: string | null;
  target: Word | null;
  hd: Heredoc | null;
}

export type Node =
  | { k: 'simple'; words: Word[]; redirs: Redir[]; extra: Word[] }
  | { k: 'list'; items: Node[] }
  | { k: 'pipe'; cmds: Node[] }
  | { k: 'group'; body: Node[]; redirs: Redir[]; extra: Word[]; forVar: string | null; coproc?: string };

export type SimpleNode = Extract<Node, { k: 'simple' }>;
export type GroupNode = Extract<Node, { k: 'group' }>;

export function newWord(): Word {
  return { text: '', shape: '', raw: '', quoted: false, subs: [], vars: [], dynamic: false };
}

export function textWord(text: string): Word {
  return { text, shape: text, raw: text, quoted: false, subs: [], vars: [], dynamic: false };
}

/** The part of a word after its first n characters (for `--opt=value`, `-dVALUE`). */
export function tail(w: Word, n: number): Word {
  const aligned = w.text.slice(0, n) === w.shape.slice(0, n);
  return { ...w, text: w.text.slice(n), shape: aligned ? w.shape.slice(n) : w.text.slice(n), braces: undefined };
}
