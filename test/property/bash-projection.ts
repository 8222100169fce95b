/**
 * A structural projection of a Bash parse, the same for our parser and for mvdan/sh: the commands
 * in source order, each with its nesting depth (inside how many substitutions), its argv after quote
 * removal where a word is static (null where it expands at run time), and its redirections.
 * Compound commands (groups, subshells, if, loops, case, coproc) are entries with argv null.
 */
import { createRequire } from 'node:module';
import type { Node, Redir, Tok, Word } from '../../src/engine/bash/ast.ts';
import { Lexer } from '../../src/engine/bash/lexer.ts';
import type { Diagnostics } from '../../src/engine/bash/limits.ts';
import { isAssignment, Parser } from '../../src/engine/bash/parser.ts';

export interface Entry {
  d: number;
  argv: Array<string | null> | null;
  redirs: string[];
}

// ───────────────────────────── ours ─────────────────────────────

function oursWords(ws: Word[], d: number, out: Entry[], diag: Diagnostics): void {
  for (const w of ws) for (const s of w.subs) oursSrc(s.toks, s.src, d + 1, out, diag);
}

function oursRedirs(rs: Redir[]): string[] {
  return rs.map((r) => `${r.fd ?? ''}${r.op} ${r.hd ? r.hd.delim : r.target ? (r.target.dynamic ? '?' : r.target.text) : '?'}`);
}

function oursRedirSubs(rs: Redir[], d: number, out: Entry[], diag: Diagnostics): void {
  for (const r of rs) {
    if (r.target) oursWords([r.target], d, out, diag);
    if (r.hd) for (const s of r.hd.subs) oursSrc(s.toks, s.src, d + 1, out, diag);
  }
}

function oursNode(n: Node, d: number, out: Entry[], diag: Diagnostics): void {
  switch (n.k) {
    case 'list':
      for (const x of n.items) oursNode(x, d, out, diag);
      return;
    case 'pipe':
      for (const x of n.cmds) oursNode(x, d, out, diag);
      return;
    case 'group':
      out.push({ d, argv: null, redirs: oursRedirs(n.redirs) });
      oursWords(n.extra, d, out, diag);
      for (const b of n.body) oursNode(b, d, out, diag);
      oursRedirSubs(n.redirs, d, out, diag);
      return;
    case 'simple': {
      let k = 0;
      while (k < n.words.length && isAssignment(n.words[k]!)) k++;
      out.push({ d, argv: n.words.slice(k).map((w) => (w.dynamic ? null : w.text)), redirs: oursRedirs(n.redirs) });
      oursWords([...n.words, ...n.extra], d, out, diag);
      oursRedirSubs(n.redirs, d, out, diag);
    }
  }
}

function oursSrc(toks: Tok[] | null, src: string, d: number, out: Entry[], diag: Diagnostics): void {
  let t = toks;
  if (!t) {
    const lx = new Lexer(src, 0, 0, false, diag);
    lx.run();
    t = lx.toks;
  }
  oursNode(new Parser(t, diag).program(), d, out, diag);
}

/** Our parse, projected; `errors` are the syntax errors our parser reported. */
export function ours(src: string): { entries: Entry[]; errors: string[] } {
  const diag: Diagnostics = { errors: [], limits: [] };
  const out: Entry[] = [];
  oursSrc(null, src, 0, out, diag);
  return { entries: out, errors: diag.errors };
}

// ───────────────────────────── mvdan/sh ─────────────────────────────
//
// The GopherJS build's public objects convert every field on each access (tenths of a ms each);
// the projection reads the Go values underneath (`__internal_object__`: structs as plain objects,
// slices as {$array, $offset, $length}, nil pointers as their type's `nil`), ~100x faster.

/* eslint-disable @typescript-eslint/no-explicit-any -- GopherJS objects have no TypeScript types */
type Any = any;

const require = createRequire(import.meta.url);
let sh: Any;
let parser: Any;
/** mvdan-sh, loaded once (a GopherJS build: ~0.2 s to load), with one Bash parser. */
function mvdan(): Any {
  if (!sh) {
    sh = require('mvdan-sh');
    parser = sh.syntax.NewParser(sh.syntax.Variant(sh.syntax.LangBash));
  }
  return sh;
}

function nil(x: Any): boolean {
  return x === null || x === undefined || x.$val === undefined || x === x.constructor?.nil;
}

/** A Go slice as an array. */
function arr(s: Any): Any[] {
  return !s || !s.$array ? [] : s.$array.slice(s.$offset, s.$offset + s.$length);
}

/** A node's Go type name: CallExpr, Word, Lit ... */
function kind(x: Any): string {
  return nil(x) ? 'nil' : String(x.constructor.string).replace(/^\*syntax\./, '');
}

const REDIR_OPS: Record<number, string> = {};

function redirOps(): Record<number, string> {
  if (Object.keys(REDIR_OPS).length) return REDIR_OPS;
  const p = mvdan().syntax.NewParser();
  const op = (src: string): number => arr(arr(p.Parse(src, 's').__internal_object__.Stmts)[0].Redirs)[0].Op;
  for (const o of ['<', '>', '>>', '<>', '>|', '<&', '>&', '<<<', '&>', '&>>']) REDIR_OPS[op(`a ${o} b`)] = o;
  for (const o of ['<<', '<<-']) REDIR_OPS[op(`a ${o}E\nx\nE\n`)] = o;
  return REDIR_OPS;
}

function ansiC(s: string): string {
  return s.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/gs, (_m, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8) & 0xff);
    const simple: Record<string, string> = {
      n: '\n',
      t: '\t',
      r: '\r',
      a: '\x07',
      b: '\b',
      f: '\f',
      v: '\v',
      e: '\x1b',
      E: '\x1b',
      '\\': '\\',
      "'": "'",
      '"': '"',
      '?': '?',
    };
    return simple[e] ?? `\\${e}`;
  });
}

/** A word's value after quote removal, or null when part of it expands at run time. */
function mvWord(w: Any): string | null {
  if (nil(w)) return '';
  let out = '';
  for (const p of arr(w.Parts)) {
    const t = kind(p);
    if (t === 'Lit') out += p.Value.replace(/\\\n/g, '').replace(/\\(.)/gs, '$1');
    else if (t === 'SglQuoted') out += p.Dollar ? ansiC(p.Value) : p.Value;
    else if (t === 'DblQuoted') {
      for (const q of arr(p.Parts)) {
        if (kind(q) !== 'Lit') return null;
        out += q.Value.replace(/\\\n/g, '').replace(/\\([$`"\\])/g, '$1');
      }
    } else return null;
  }
  return out;
}

/** The substitutions inside a word (or an arithmetic or test expression, a loop header), in source order. */
function mvWordSubs(x: Any, d: number, out: Entry[]): void {
  if (Array.isArray(x)) {
    for (const y of x) mvWordSubs(y, d, out);
    return;
  }
  switch (kind(x)) {
    case 'Word':
    case 'DblQuoted':
      mvWordSubs(arr(x.Parts), d, out);
      return;
    case 'CmdSubst':
    case 'ProcSubst':
      for (const s of arr(x.Stmts)) mvStmt(s, d + 1, out);
      return;
    case 'ParamExp':
      mvWordSubs(x.Index, d, out);
      if (!nil(x.Slice)) mvWordSubs([x.Slice.Offset, x.Slice.Length], d, out);
      if (!nil(x.Repl)) mvWordSubs([x.Repl.Orig, x.Repl.With], d, out);
      if (!nil(x.Exp)) mvWordSubs(x.Exp.Word, d, out);
      return;
    case 'ArithmExp':
    case 'ArithmCmd':
    case 'UnaryArithm':
    case 'ParenArithm':
    case 'UnaryTest':
    case 'ParenTest':
      mvWordSubs(x.X, d, out);
      return;
    case 'BinaryArithm':
    case 'BinaryTest':
      mvWordSubs([x.X, x.Y], d, out);
      return;
    case 'WordIter':
      mvWordSubs(arr(x.Items), d, out);
      return;
    case 'CStyleLoop':
      mvWordSubs([x.Init, x.Cond, x.Post], d, out);
      return;
    default:
      // nil, Lit, SglQuoted, ExtGlob, BraceExp: nothing runs
      return;
  }
}

function mvRedirs(rs: Any[]): string[] {
  const ops = redirOps();
  return rs.map((r) => {
    const v = mvWord(r.Word);
    return `${nil(r.N) ? '' : r.N.Value}${ops[r.Op] ?? `op${r.Op}`} ${v === null ? '?' : v}`;
  });
}

function mvRedirSubs(rs: Any[], d: number, out: Entry[]): void {
  for (const r of rs) {
    mvWordSubs(r.Word, d, out);
    mvWordSubs(r.Hdoc, d, out);
  }
}

function mvStmts(ss: Any, d: number, out: Entry[]): void {
  for (const s of arr(ss)) mvStmt(s, d, out);
}

function mvStmt(s: Any, d: number, out: Entry[]): void {
  const c = s.Cmd;
  const rs = arr(s.Redirs);
  const redirs = mvRedirs(rs);
  const group = (): void => void out.push({ d, argv: null, redirs });
  switch (kind(c)) {
    case 'nil':
      // a statement of redirections only (`> f`)
      out.push({ d, argv: [], redirs });
      break;
    case 'CallExpr': {
      const args = arr(c.Args);
      out.push({ d, argv: args.map(mvWord), redirs });
      for (const a of arr(c.Assigns)) mvWordSubs(a.Value, d, out);
      mvWordSubs(args, d, out);
      break;
    }
    case 'DeclClause': {
      const argv: Array<string | null> = [c.Variant.Value];
      const as = arr(c.Args);
      for (const a of as) {
        if (!nil(a.Array) || !nil(a.Index)) argv.push(null);
        else if (a.Naked) argv.push(nil(a.Name) ? mvWord(a.Value) : a.Name.Value);
        else {
          const v = mvWord(a.Value);
          argv.push(v === null ? null : `${a.Name.Value}${a.Append ? '+=' : '='}${v}`);
        }
      }
      out.push({ d, argv, redirs });
      for (const a of as) mvWordSubs(a.Value, d, out);
      break;
    }
    case 'TestClause':
    case 'ArithmCmd':
      out.push({ d, argv: [], redirs });
      mvWordSubs(c.X, d, out);
      break;
    case 'BinaryCmd':
      mvStmt(c.X, d, out);
      mvStmt(c.Y, d, out);
      break;
    case 'Block':
    case 'Subshell':
      group();
      mvStmts(c.Stmts, d, out);
      break;
    case 'IfClause':
      group();
      for (let i = c; !nil(i); i = i.Else) {
        mvStmts(i.Cond, d, out);
        mvStmts(i.Then, d, out);
      }
      break;
    case 'WhileClause':
      group();
      mvStmts(c.Cond, d, out);
      mvStmts(c.Do, d, out);
      break;
    case 'ForClause':
      group();
      mvWordSubs(c.Loop, d, out);
      mvStmts(c.Do, d, out);
      break;
    case 'CaseClause': {
      group();
      mvWordSubs(c.Word, d, out);
      const items = arr(c.Items);
      for (const it of items) mvWordSubs(arr(it.Patterns), d, out);
      for (const it of items) mvStmts(it.Stmts, d, out);
      break;
    }
    case 'FuncDecl':
      mvStmt(c.Body, d, out);
      return;
    case 'TimeClause':
      if (!nil(c.Stmt)) mvStmt(c.Stmt, d, out);
      return;
    case 'CoprocClause':
      group();
      mvStmt(c.Stmt, d, out);
      break;
    default:
      out.push({ d, argv: [`<${kind(c)}>`], redirs });
      mvWordSubs(c, d, out);
  }
  mvRedirSubs(rs, d, out);
}

/** mvdan/sh's parse (Bash dialect), projected; null when it rejects the source. */
export function reference(src: string): Entry[] | null {
  mvdan();
  let f: Any;
  try {
    f = parser.Parse(src, 'src.sh');
  } catch {
    // a syntax error by the reference: the generated command is not valid Bash
    return null;
  }
  const out: Entry[] = [];
  mvStmts(f.__internal_object__.Stmts, 0, out);
  return out;
}
