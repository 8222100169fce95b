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
}

const MAX_INPUT = 64 * 1024;
const MAX_DEPTH = 4;
const MAX_LEX_NEST = 24;
const MAX_PARSE_NEST = 200;
const MAX_TOKENS = 100_000;
const MAX_STEPS = 10_000;
/** total characters lexed across all (nested) analyses of one command */
const MAX_LEXED = 4 * 1024 * 1024;
/** Placeholder for a dynamic piece ($VAR, $(..), `..`) in Word.shape. */
const PH = '\u0000';

// ───────────────────────────── tokens ─────────────────────────────

interface Sub {
  kind: 'cmd' | 'procin' | 'procout';
  src: string;
  /** tokens already produced while finding the end of `$(`..`)`; null = lex src later */
  toks: Tok[] | null;
}

interface Word {
  /** value after quote removal; expansions are kept verbatim ($HOME, $(cmd), `cmd`) */
  text: string;
  /** like text but every expansion replaced by PH (for host extraction) */
  shape: string;
  raw: string;
  quoted: boolean;
  subs: Sub[];
  vars: string[];
  dynamic: boolean;
}

interface Heredoc {
  delim: string;
  quoted: boolean;
  strip: boolean;
  body: string;
  subs: Sub[];
  vars: string[];
}

type Tok =
  | { t: 'w'; w: Word }
  | { t: 'op'; v: string }
  | { t: 'r'; v: string; fd: string | null; hd: Heredoc | null };

function newWord(): Word {
  return { text: '', shape: '', raw: '', quoted: false, subs: [], vars: [], dynamic: false };
}

function textWord(text: string): Word {
  return { text, shape: text, raw: text, quoted: false, subs: [], vars: [], dynamic: false };
}

/** The part of a word after its first n characters (for `--opt=value`, `-dVALUE`). */
function tail(w: Word, n: number): Word {
  const aligned = w.text.slice(0, n) === w.shape.slice(0, n);
  return { ...w, text: w.text.slice(n), shape: aligned ? w.shape.slice(n) : w.text.slice(n) };
}

/** Chars with no meaning to the lexer outside quotes (WORD_PLAIN) and inside double quotes (DQ_PLAIN). */
const WORD_PLAIN = new Uint8Array(65536).fill(1);
for (const c of ' \t\n\r;&|()<>\\\'"$`') WORD_PLAIN[c.charCodeAt(0)] = 0;
const DQ_PLAIN = new Uint8Array(65536).fill(1);
for (const c of '"\\$`') DQ_PLAIN[c.charCodeAt(0)] = 0;

/** End of the run of chars of s from i on that `plain` marks (i itself is taken as part of it). */
function plainRun(s: string, i: number, plain: Uint8Array): number {
  let j = i + 1;
  while (j < s.length && plain[s.charCodeAt(j)] === 1) j++;
  return j;
}

function add(w: Word, s: string): void {
  w.text += s;
  w.shape += s;
}

function dyn(w: Word, s: string): void {
  w.text += s;
  w.shape += PH;
  w.dynamic = true;
}

const CMD_KEYWORDS = new Set(['then', 'do', 'else', 'elif', '{', '!', 'time', 'if', 'while', 'until']);

/** Find the `)` closing a substitution without tokenising (used past the nesting limit). */
function crudeClose(s: string, i: number): number {
  let depth = 0;
  for (; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') {
      i++;
    } else if (c === "'") {
      const e = s.indexOf("'", i + 1);
      if (e < 0) return -1;
      i = e;
    } else if (c === '(') {
      depth++;
    } else if (c === ')') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

class Lexer {
  pos: number;
  readonly toks: Tok[] = [];
  private pending: Heredoc[] = [];
  private parens = 0;
  private cases = 0;
  private paramNest = 0;

  constructor(
    private readonly s: string,
    start: number,
    private readonly nest: number,
    private readonly sub: boolean,
    private readonly errors: string[],
  ) {
    this.pos = start;
  }

  private err(m: string): void {
    this.errors.push(m);
  }

  private op(v: string, len: number): void {
    this.toks.push({ t: 'op', v });
    this.pos += len;
  }

  /** Tokenise. In substitution mode stop at the matching `)` and return its index (-1 if none). */
  run(): number {
    const s = this.s;
    while (this.pos < s.length) {
      if (this.toks.length > MAX_TOKENS) {
        this.err('too many tokens');
        this.pos = s.length;
        break;
      }
      const c = s[this.pos]!;
      const n = s[this.pos + 1];
      if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
        this.pos++;
        continue;
      }
      if (c === '\\' && n === '\n') {
        this.pos += 2;
        continue;
      }
      if (c === '\n') {
        this.op('\n', 1);
        this.readHeredocs();
        continue;
      }
      if (c === '#') {
        const e = s.indexOf('\n', this.pos);
        this.pos = e < 0 ? s.length : e;
        continue;
      }
      if (c === ')') {
        if (this.sub && this.parens === 0 && this.cases === 0) return this.pos;
        if (this.parens > 0) this.parens--;
        this.op(')', 1);
        continue;
      }
      if (c === '(') {
        this.parens++;
        this.op('(', 1);
        continue;
      }
      if (c === ';') {
        if (s.startsWith(';;&', this.pos)) this.op(';;&', 3);
        else if (n === ';') this.op(';;', 2);
        else if (n === '&') this.op(';&', 2);
        else this.op(';', 1);
        continue;
      }
      if (c === '|') {
        if (n === '|') this.op('||', 2);
        else if (n === '&') this.op('|&', 2);
        else this.op('|', 1);
        continue;
      }
      if (c === '&') {
        if (n === '&') this.op('&&', 2);
        else if (n === '>') this.redir(null);
        else this.op('&', 1);
        continue;
      }
      if ((c === '<' || c === '>') && n !== '(') {
        this.redir(null);
        continue;
      }
      if (c >= '0' && c <= '9') {
        let j = this.pos;
        while (j < s.length && j - this.pos < 10 && s[j]! >= '0' && s[j]! <= '9') j++;
        const d = s[j];
        if ((d === '<' || d === '>') && s[j + 1] !== '(') {
          const fd = s.slice(this.pos, j);
          this.pos = j;
          this.redir(fd);
          continue;
        }
      }
      const before = this.pos;
      const w = this.readWord();
      if (this.pos === before) {
        this.pos++;
        continue;
      }
      this.pushWord(w);
    }
    return this.sub ? -1 : s.length;
  }

  private pushWord(w: Word): void {
    if (!w.quoted && (w.text === 'case' || w.text === 'esac')) {
      const prev = this.toks[this.toks.length - 1];
      const atStart =
        !prev || prev.t === 'op' || (prev.t === 'w' && !prev.w.quoted && CMD_KEYWORDS.has(prev.w.text));
      if (atStart && w.text === 'case') this.cases++;
      else if (atStart && w.text === 'esac' && this.cases > 0) this.cases--;
    }
    this.toks.push({ t: 'w', w });
  }

  private redir(fd: string | null): void {
    const s = this.s;
    const p = this.pos;
    const ops = ['&>>', '&>', '<<<', '<<-', '<<', '<&', '<>', '>>', '>&', '>|', '<', '>'];
    let op = s[p] ?? '>';
    for (const o of ops) {
      if (s.startsWith(o, p)) {
        op = o;
        break;
      }
    }
    this.pos = p + op.length;
    const tok: { t: 'r'; v: string; fd: string | null; hd: Heredoc | null } = { t: 'r', v: op, fd, hd: null };
    this.toks.push(tok);
    if (op === '<<' || op === '<<-') {
      while (this.pos < s.length && (s[this.pos] === ' ' || s[this.pos] === '\t')) this.pos++;
      const c = s[this.pos];
      if (c === undefined || c === '\n' || ';&|()<>'.includes(c)) {
        this.err('missing here-document delimiter');
        return;
      }
      const w = this.readWord();
      const hd: Heredoc = { delim: w.text, quoted: w.quoted, strip: op === '<<-', body: '', subs: [], vars: [] };
      tok.hd = hd;
      this.pending.push(hd);
    }
  }

  private readHeredocs(): void {
    if (!this.pending.length) return;
    const s = this.s;
    for (const hd of this.pending) {
      const lines: string[] = [];
      while (this.pos < s.length) {
        let e = s.indexOf('\n', this.pos);
        if (e < 0) e = s.length;
        const raw = s.slice(this.pos, e);
        this.pos = e < s.length ? e + 1 : e;
        const line = hd.strip ? raw.replace(/^\t+/, '') : raw;
        if (line.replace(/\r$/, '') === hd.delim) break;
        lines.push(line);
      }
      hd.body = lines.length ? lines.join('\n') + '\n' : '';
      if (!hd.quoted && hd.body) {
        const lx = new Lexer(hd.body, 0, this.nest + 1, false, this.errors);
        const w = newWord();
        lx.readDq(null, w);
        hd.subs = w.subs;
        hd.vars = w.vars;
      }
    }
    this.pending = [];
  }

  readWord(): Word {
    const s = this.s;
    const w = newWord();
    const start = this.pos;
    while (this.pos < s.length) {
      const c = s[this.pos]!;
      const n = s[this.pos + 1];
      if (
        c === ' ' || c === '\t' || c === '\n' || c === '\r' ||
        c === ';' || c === '&' || c === '|' || c === '(' || c === ')'
      ) break;
      if (c === '<' || c === '>') {
        if (n === '(') {
          this.readSubst(c === '<' ? 'procin' : 'procout', this.pos + 2, w, c + '(');
          continue;
        }
        break;
      }
      if (c === '\\') {
        if (n === undefined) {
          add(w, '\\');
          this.pos++;
        } else if (n === '\n') {
          this.pos += 2;
        } else {
          add(w, n);
          w.quoted = true;
          this.pos += 2;
        }
        continue;
      }
      if (c === "'") {
        const e = s.indexOf("'", this.pos + 1);
        if (e < 0) {
          this.err('unterminated single quote');
          add(w, s.slice(this.pos + 1));
          this.pos = s.length;
        } else {
          add(w, s.slice(this.pos + 1, e));
          this.pos = e + 1;
        }
        w.quoted = true;
        continue;
      }
      if (c === '"') {
        this.pos++;
        this.readDq('"', w);
        w.quoted = true;
        continue;
      }
      if (c === '$') {
        if (n === "'") {
          this.pos += 2;
          this.readAnsi(w);
          w.quoted = true;
          continue;
        }
        if (n === '"') {
          this.pos += 2;
          this.readDq('"', w);
          w.quoted = true;
          continue;
        }
        this.readDollar(w);
        continue;
      }
      if (c === '`') {
        this.readBacktick(w);
        continue;
      }
      // plain chars up to the next one that means something, in one piece
      const j = plainRun(s, this.pos, WORD_PLAIN);
      add(w, j === this.pos + 1 ? c : s.slice(this.pos, j));
      this.pos = j;
    }
    w.raw = s.slice(start, this.pos);
    return w;
  }

  /** Double-quoted content (term '"'), or a whole unquoted heredoc body (term null). */
  readDq(term: '"' | null, w: Word): void {
    const s = this.s;
    while (this.pos < s.length) {
      const c = s[this.pos]!;
      if (term !== null && c === term) {
        this.pos++;
        return;
      }
      if (c === '\\') {
        const n = s[this.pos + 1];
        if (n === undefined) {
          add(w, '\\');
          this.pos++;
        } else if (n === '\n') {
          this.pos += 2;
        } else if (n === '$' || n === '`' || n === '\\' || (term !== null && n === '"')) {
          add(w, n);
          this.pos += 2;
        } else {
          add(w, '\\');
          this.pos++;
        }
        continue;
      }
      if (c === '$') {
        this.readDollar(w);
        continue;
      }
      if (c === '`') {
        this.readBacktick(w);
        continue;
      }
      const j = plainRun(s, this.pos, DQ_PLAIN);
      add(w, j === this.pos + 1 ? c : s.slice(this.pos, j));
      this.pos = j;
    }
    if (term !== null) this.err('unterminated double quote');
  }

  private readDollar(w: Word): void {
    const s = this.s;
    const p = this.pos;
    const n = s[p + 1];
    if (n === '(') {
      if (s[p + 2] === '(') {
        let depth = 0;
        let i = p + 1;
        for (; i < s.length; i++) {
          const ch = s[i];
          if (ch === '(') depth++;
          else if (ch === ')') {
            depth--;
            if (depth === 0) break;
          }
        }
        if (i >= s.length) {
          this.err('unterminated arithmetic expansion');
          i = s.length - 1;
        }
        dyn(w, s.slice(p, i + 1));
        this.pos = i + 1;
        return;
      }
      this.readSubst('cmd', p + 2, w, '$(');
      return;
    }
    if (n === '{') {
      this.readParam(w);
      return;
    }
    if (n !== undefined && /[A-Za-z_]/.test(n)) {
      let i = p + 1;
      while (i < s.length && /[A-Za-z0-9_]/.test(s[i]!)) i++;
      const name = s.slice(p + 1, i);
      w.vars.push(name);
      dyn(w, '$' + name);
      this.pos = i;
      return;
    }
    if (n !== undefined && /[0-9@*#?$!-]/.test(n)) {
      dyn(w, '$' + n);
      this.pos = p + 2;
      return;
    }
    add(w, '$');
    this.pos = p + 1;
  }

  private readSubst(kind: Sub['kind'], innerStart: number, w: Word, open: string): void {
    const s = this.s;
    let end: number;
    let toks: Tok[] | null = null;
    if (this.nest >= MAX_LEX_NEST) {
      this.err('substitutions nested too deeply');
      end = crudeClose(s, innerStart);
    } else {
      const lx = new Lexer(s, innerStart, this.nest + 1, true, this.errors);
      end = lx.run();
      toks = lx.toks;
    }
    let src: string;
    if (end < 0) {
      this.err('unterminated command substitution');
      src = s.slice(innerStart);
      this.pos = s.length;
    } else {
      src = s.slice(innerStart, end);
      this.pos = end + 1;
    }
    w.subs.push({ kind, src, toks });
    dyn(w, open + src + ')');
  }

  private readParam(w: Word): void {
    const s = this.s;
    const p = this.pos;
    const m = /^[!#]?([A-Za-z_][A-Za-z0-9_]*)/.exec(s.slice(p + 2, p + 130));
    if (m) w.vars.push(m[1]!);
    if (++this.paramNest > 64) {
      this.err('parameter expansions nested too deeply');
      const e = s.indexOf('}', p);
      const end = e < 0 ? s.length - 1 : e;
      dyn(w, s.slice(p, end + 1));
      this.pos = end + 1;
      this.paramNest--;
      return;
    }
    const tmp = newWord();
    let i = p + 2;
    let depth = 1;
    while (i < s.length) {
      const c = s[i]!;
      if (c === '\\') {
        i += 2;
        continue;
      }
      if (c === "'") {
        const e = s.indexOf("'", i + 1);
        i = e < 0 ? s.length : e + 1;
        continue;
      }
      if (c === '"') {
        this.pos = i + 1;
        this.readDq('"', tmp);
        i = this.pos;
        continue;
      }
      if (c === '$') {
        this.pos = i;
        this.readDollar(tmp);
        i = this.pos;
        continue;
      }
      if (c === '`') {
        this.pos = i;
        this.readBacktick(tmp);
        i = this.pos;
        continue;
      }
      if (c === '{') depth++;
      else if (c === '}') {
        depth--;
        if (depth === 0) break;
      }
      i++;
    }
    if (i >= s.length) {
      this.err('unterminated ${');
      i = s.length - 1;
    }
    w.subs.push(...tmp.subs);
    w.vars.push(...tmp.vars);
    dyn(w, s.slice(p, i + 1));
    this.pos = i + 1;
    this.paramNest--;
  }

  private readBacktick(w: Word): void {
    const s = this.s;
    let i = this.pos + 1;
    let inner = '';
    while (i < s.length) {
      const c = s[i]!;
      if (c === '\\' && i + 1 < s.length) {
        const n = s[i + 1]!;
        inner += n === '$' || n === '`' || n === '\\' ? n : c + n;
        i += 2;
        continue;
      }
      if (c === '`') break;
      inner += c;
      i++;
    }
    if (i >= s.length) this.err('unterminated backquote');
    this.pos = Math.min(i + 1, s.length);
    w.subs.push({ kind: 'cmd', src: inner, toks: null });
    dyn(w, '`' + inner + '`');
  }

  private readAnsi(w: Word): void {
    const s = this.s;
    let out = '';
    while (this.pos < s.length) {
      const c = s[this.pos]!;
      if (c === "'") {
        this.pos++;
        add(w, out);
        return;
      }
      if (c === '\\' && this.pos + 1 < s.length) {
        const n = s[this.pos + 1]!;
        this.pos += 2;
        switch (n) {
          case 'n': out += '\n'; break;
          case 't': out += '\t'; break;
          case 'r': out += '\r'; break;
          case 'a': out += '\x07'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'v': out += '\v'; break;
          case 'e':
          case 'E': out += '\x1b'; break;
          case '\\':
          case "'":
          case '"':
          case '?': out += n; break;
          case 'x':
          case 'u':
          case 'U': {
            const max = n === 'x' ? 2 : n === 'u' ? 4 : 8;
            const m = new RegExp(`^[0-9a-fA-F]{1,${max}}`).exec(s.slice(this.pos, this.pos + max));
            if (m) {
              const cp = parseInt(m[0], 16);
              out += cp <= 0x10ffff ? String.fromCodePoint(cp) : '';
              this.pos += m[0].length;
            } else out += '\\' + n;
            break;
          }
          case 'c': {
            const ch = s[this.pos];
            if (ch !== undefined) {
              out += String.fromCharCode(ch.charCodeAt(0) & 0x1f);
              this.pos++;
            }
            break;
          }
          default:
            if (n >= '0' && n <= '7') {
              const m = /^[0-7]{0,2}/.exec(s.slice(this.pos, this.pos + 2))!;
              out += String.fromCharCode(parseInt(n + m[0], 8) & 0xff);
              this.pos += m[0].length;
            } else out += '\\' + n;
        }
        continue;
      }
      out += c;
      this.pos++;
    }
    this.err("unterminated $'...' string");
    add(w, out);
  }
}

// ───────────────────────────── parser ─────────────────────────────

interface Redir {
  op: string;
  fd: string | null;
  target: Word | null;
  hd: Heredoc | null;
}

type Node =
  | { k: 'simple'; words: Word[]; redirs: Redir[]; extra: Word[] }
  | { k: 'list'; items: Node[] }
  | { k: 'pipe'; cmds: Node[] }
  | { k: 'group'; body: Node[]; redirs: Redir[]; extra: Word[]; forVar: string | null };

type Stop = (t: Tok) => boolean;

function isKw(t: Tok | undefined, v: string): boolean {
  return !!t && t.t === 'w' && !t.w.quoted && t.w.text === v;
}

function isOp(t: Tok | undefined, v: string): boolean {
  return !!t && t.t === 'op' && t.v === v;
}

function kw(...names: string[]): Stop {
  return (t) => t.t === 'w' && !t.w.quoted && names.includes(t.w.text);
}

const ASSIGN_RE = /^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=/;

function isAssignment(w: Word): boolean {
  return ASSIGN_RE.test(w.raw);
}

class Parser {
  private i = 0;
  private nest = 0;

  constructor(
    private readonly toks: Tok[],
    private readonly errors: string[],
  ) {}

  program(): Node {
    const items: Node[] = [];
    while (this.i < this.toks.length) {
      const before = this.i;
      items.push(this.list(() => false));
      const t = this.toks[this.i];
      if (t) {
        this.errors.push(`unexpected '${t.t === 'w' ? t.w.text : t.v === '\n' ? '\\n' : t.v}'`);
        this.i++;
      }
      if (this.i === before) this.i++;
    }
    return { k: 'list', items };
  }

  private skipNl(): void {
    while (isOp(this.toks[this.i], '\n')) this.i++;
  }

  private expect(word: string): void {
    if (isKw(this.toks[this.i], word)) this.i++;
    else this.errors.push(`expected '${word}'`);
  }

  private list(stop: Stop): Node {
    const items: Node[] = [];
    for (;;) {
      const t = this.toks[this.i];
      if (!t) break;
      if (t.t === 'op' && (t.v === '\n' || t.v === ';' || t.v === '&')) {
        this.i++;
        continue;
      }
      if (stop(t)) break;
      if (t.t === 'op' && t.v !== '(') break;
      const before = this.i;
      items.push(this.andOr(stop));
      if (this.i === before) break;
    }
    return { k: 'list', items };
  }

  private andOr(stop: Stop): Node {
    const items = [this.pipeline(stop)];
    for (;;) {
      const t = this.toks[this.i];
      if (t && t.t === 'op' && (t.v === '&&' || t.v === '||')) {
        this.i++;
        this.skipNl();
        items.push(this.pipeline(stop));
        continue;
      }
      break;
    }
    return items.length === 1 ? items[0]! : { k: 'list', items };
  }

  private pipeline(stop: Stop): Node {
    for (;;) {
      const t = this.toks[this.i];
      if (isKw(t, '!')) {
        this.i++;
        continue;
      }
      if (isKw(t, 'time')) {
        this.i++;
        if (isKw(this.toks[this.i], '-p')) this.i++;
        continue;
      }
      break;
    }
    const cmds = [this.command(stop)];
    for (;;) {
      const t = this.toks[this.i];
      if (t && t.t === 'op' && (t.v === '|' || t.v === '|&')) {
        this.i++;
        this.skipNl();
        cmds.push(this.command(stop));
        continue;
      }
      break;
    }
    return cmds.length === 1 ? cmds[0]! : { k: 'pipe', cmds };
  }

  private compound(body: Node[], extra: Word[] = [], forVar: string | null = null): Node {
    return { k: 'group', body, redirs: this.redirs(), extra, forVar };
  }

  private command(stop: Stop): Node {
    if (++this.nest > MAX_PARSE_NEST) {
      this.errors.push('commands nested too deeply');
      this.i = this.toks.length;
      this.nest--;
      return { k: 'simple', words: [], redirs: [], extra: [] };
    }
    try {
      return this.commandInner(stop);
    } finally {
      this.nest--;
    }
  }

  private commandInner(stop: Stop): Node {
    const t = this.toks[this.i];
    if (!t) return { k: 'simple', words: [], redirs: [], extra: [] };
    if (isOp(t, '(')) {
      this.i++;
      const body = this.list((x) => isOp(x, ')'));
      if (isOp(this.toks[this.i], ')')) this.i++;
      else this.errors.push('unterminated subshell');
      return this.compound([body]);
    }
    if (t.t === 'w' && !t.w.quoted) {
      switch (t.w.text) {
        case '{': {
          this.i++;
          const body = this.list(kw('}'));
          this.expect('}');
          return this.compound([body]);
        }
        case 'if': {
          this.i++;
          const parts: Node[] = [this.list(kw('then'))];
          this.expect('then');
          for (;;) {
            parts.push(this.list(kw('elif', 'else', 'fi')));
            const t2 = this.toks[this.i];
            if (isKw(t2, 'elif')) {
              this.i++;
              parts.push(this.list(kw('then')));
              this.expect('then');
              continue;
            }
            if (isKw(t2, 'else')) {
              this.i++;
              parts.push(this.list(kw('fi')));
            }
            break;
          }
          this.expect('fi');
          return this.compound(parts);
        }
        case 'while':
        case 'until': {
          this.i++;
          const cond = this.list(kw('do'));
          this.expect('do');
          const body = this.list(kw('done'));
          this.expect('done');
          return this.compound([cond, body]);
        }
        case 'for':
        case 'select': {
          this.i++;
          let forVar: string | null = null;
          const words: Word[] = [];
          if (isOp(this.toks[this.i], '(')) {
            let depth = 0;
            while (this.i < this.toks.length) {
              const x = this.toks[this.i]!;
              this.i++;
              if (isOp(x, '(')) depth++;
              else if (isOp(x, ')')) {
                depth--;
                if (depth <= 0) break;
              }
            }
          } else {
            const v = this.toks[this.i];
            if (v && v.t === 'w') {
              forVar = v.w.text;
              this.i++;
            }
            this.skipNl();
            if (isKw(this.toks[this.i], 'in')) {
              this.i++;
              for (let x = this.toks[this.i]; x && x.t === 'w'; x = this.toks[this.i]) {
                words.push(x.w);
                this.i++;
              }
            }
          }
          while (isOp(this.toks[this.i], ';') || isOp(this.toks[this.i], '\n')) this.i++;
          let body: Node;
          if (isKw(this.toks[this.i], '{')) {
            this.i++;
            body = this.list(kw('}'));
            this.expect('}');
          } else {
            this.expect('do');
            body = this.list(kw('done'));
            this.expect('done');
          }
          return this.compound([body], words, forVar);
        }
        case 'case': {
          this.i++;
          const extra: Word[] = [];
          const subj = this.toks[this.i];
          if (subj && subj.t === 'w') {
            extra.push(subj.w);
            this.i++;
          }
          this.skipNl();
          this.expect('in');
          const parts: Node[] = [];
          for (let guard = 0; guard < 100_000; guard++) {
            while (isOp(this.toks[this.i], '\n') || isOp(this.toks[this.i], ';')) this.i++;
            const t2 = this.toks[this.i];
            if (!t2 || isKw(t2, 'esac')) break;
            if (isOp(t2, '(')) this.i++;
            let ok = false;
            while (this.i < this.toks.length) {
              const x = this.toks[this.i]!;
              if (isOp(x, ')')) {
                this.i++;
                ok = true;
                break;
              }
              if (x.t === 'op' && x.v !== '|') break;
              if (x.t === 'w') extra.push(x.w);
              this.i++;
            }
            if (!ok) {
              this.errors.push('malformed case pattern');
              break;
            }
            parts.push(
              this.list((x) => isKw(x, 'esac') || isOp(x, ';;') || isOp(x, ';&') || isOp(x, ';;&')),
            );
            const t3 = this.toks[this.i];
            if (t3 && t3.t === 'op' && (t3.v === ';;' || t3.v === ';&' || t3.v === ';;&')) this.i++;
            else if (!isKw(t3, 'esac')) break;
          }
          this.expect('esac');
          return this.compound(parts, extra);
        }
        case 'function': {
          this.i++;
          if (this.toks[this.i]?.t === 'w') this.i++;
          if (isOp(this.toks[this.i], '(') && isOp(this.toks[this.i + 1], ')')) this.i += 2;
          this.skipNl();
          return this.command(stop);
        }
        case '[[': {
          this.i++;
          const extra: Word[] = [];
          while (this.i < this.toks.length && !isKw(this.toks[this.i], ']]')) {
            const x = this.toks[this.i]!;
            if (x.t === 'w') extra.push(x.w);
            this.i++;
          }
          if (this.i < this.toks.length) this.i++;
          else this.errors.push("unterminated '[['");
          return { k: 'simple', words: [], redirs: this.redirs(), extra };
        }
        default:
          break;
      }
      if (
        /^[A-Za-z_][\w.:-]*$/.test(t.w.text) &&
        isOp(this.toks[this.i + 1], '(') &&
        isOp(this.toks[this.i + 2], ')')
      ) {
        // function definition: name () body
        this.i += 3;
        this.skipNl();
        return this.command(stop);
      }
    }
    return this.simple();
  }

  private simple(): Node {
    const words: Word[] = [];
    const redirs: Redir[] = [];
    const extra: Word[] = [];
    for (;;) {
      const t = this.toks[this.i];
      if (!t) break;
      if (t.t === 'w') {
        if (
          t.w.text.endsWith('=') &&
          isAssignment(t.w) &&
          words.every(isAssignment) &&
          isOp(this.toks[this.i + 1], '(')
        ) {
          // array assignment: name=( a b c )
          this.i += 2;
          while (this.i < this.toks.length && !isOp(this.toks[this.i], ')')) {
            const x = this.toks[this.i]!;
            if (x.t === 'w') extra.push(x.w);
            this.i++;
          }
          this.i++;
          words.push(t.w);
          continue;
        }
        words.push(t.w);
        this.i++;
        continue;
      }
      if (t.t === 'r') {
        this.i++;
        redirs.push(this.redirTarget(t));
        continue;
      }
      break;
    }
    return { k: 'simple', words, redirs, extra };
  }

  private redirTarget(t: { t: 'r'; v: string; fd: string | null; hd: Heredoc | null }): Redir {
    if (t.hd) return { op: t.v, fd: t.fd, target: null, hd: t.hd };
    const n = this.toks[this.i];
    if (n && n.t === 'w') {
      this.i++;
      return { op: t.v, fd: t.fd, target: n.w, hd: null };
    }
    if (t.v !== '<<' && t.v !== '<<-') this.errors.push('missing redirection target');
    return { op: t.v, fd: t.fd, target: null, hd: null };
  }

  private redirs(): Redir[] {
    const out: Redir[] = [];
    for (let t = this.toks[this.i]; t && t.t === 'r'; t = this.toks[this.i]) {
      this.i++;
      out.push(this.redirTarget(t));
    }
    return out;
  }
}

// ───────────────────────────── helpers ─────────────────────────────

interface Opt {
  name: string;
  value: Word | null;
}

/**
 * getopt-like option parsing. shortArg: short option letters that take a value;
 * longArg: long option names (without --) that take a separate value;
 * shortOptional: letters whose value may only be attached (-iSUFFIX).
 */
function parseOpts(
  args: readonly Word[],
  shortArg: string,
  longArg: readonly string[],
  stopAtPos: boolean,
  shortOptional = '',
): { opts: Opt[]; pos: Word[] } {
  const opts: Opt[] = [];
  const pos: Word[] = [];
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    const t = w.text;
    if (t === '--') {
      pos.push(...args.slice(i + 1));
      break;
    }
    if (t.length > 2 && t.startsWith('--')) {
      const eq = t.indexOf('=');
      if (eq > 2) {
        opts.push({ name: t.slice(0, eq), value: tail(w, eq + 1) });
      } else if (longArg.includes(t.slice(2))) {
        opts.push({ name: t, value: args[i + 1] ?? null });
        i++;
      } else opts.push({ name: t, value: null });
      continue;
    }
    if (t.length > 1 && t[0] === '-') {
      for (let j = 1; j < t.length; j++) {
        const ch = t[j]!;
        if (shortOptional.includes(ch)) {
          opts.push({ name: '-' + ch, value: j + 1 < t.length ? tail(w, j + 1) : null });
          break;
        }
        if (shortArg.includes(ch)) {
          if (j + 1 < t.length) opts.push({ name: '-' + ch, value: tail(w, j + 1) });
          else {
            opts.push({ name: '-' + ch, value: args[i + 1] ?? null });
            i++;
          }
          break;
        }
        opts.push({ name: '-' + ch, value: null });
      }
      continue;
    }
    pos.push(w);
    if (stopAtPos) {
      pos.push(...args.slice(i + 1));
      break;
    }
  }
  return { opts, pos };
}

function optVals(opts: readonly Opt[], ...names: string[]): Word[] {
  const out: Word[] = [];
  for (const o of opts) if (o.value && names.includes(o.name)) out.push(o.value);
  return out;
}

function hasOpt(opts: readonly Opt[], ...names: string[]): boolean {
  return opts.some((o) => names.includes(o.name));
}

function progName(text: string): string {
  return text.slice(text.lastIndexOf('/') + 1).replace(/\.exe$/i, '');
}

function uniq<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

/** Normalise a bare host name; a dynamic prefix (PH) is dropped: `$(..).evil.tld` -> evil.tld. */
function normHost(h: string): string | null {
  h = h.replace(/\{\}/g, PH); // xargs -I{} / find -exec placeholders
  const i = h.lastIndexOf(PH);
  if (i >= 0) h = h.slice(i + 1).replace(/^[.-]+/, '');
  h = h.toLowerCase().replace(/\.$/, '');
  if (!h || !/^[a-z0-9._:%-]+$/.test(h) || !/[a-z0-9]/.test(h)) return null;
  return h;
}

/** Host of a URL, `user@host:port/path`, `host:port` or bare host (given as Word.shape). */
function hostFromUrlish(shape: string): string | null {
  const s = shape.trim();
  if (!s) return null;
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([\s\S]*)$/.exec(s);
  if (m && m[1]!.toLowerCase() === 'file') return null;
  const rest = m ? m[2]! : s;
  const end = rest.search(/[/?#]/);
  let auth = end >= 0 ? rest.slice(0, end) : rest;
  const at = auth.lastIndexOf('@');
  if (at >= 0) auth = auth.slice(at + 1);
  let host: string;
  if (auth.startsWith('[')) {
    const e = auth.indexOf(']');
    host = e > 0 ? auth.slice(1, e) : auth.slice(1);
  } else {
    const colons = auth.split(':').length - 1;
    host = colons === 1 ? auth.slice(0, auth.indexOf(':')) : auth;
  }
  return normHost(host);
}

/** `[user@]host:path`, `host::module`, `scheme://...` remote specs (scp/rsync/git). */
function remoteSpec(w: Word): { host: string | null } | null {
  const t = w.shape;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(t)) {
    if (/^file:/i.test(t)) return null;
    return { host: hostFromUrlish(t) };
  }
  if (/^(?:\/|\.\.?\/|~)/.test(t)) return null;
  const m = /^(?:[^@/:\s]+@)?(\[[^\]/]+\]|[^:/\s]+):/.exec(t);
  if (!m) return null;
  return { host: normHost(m[1]!.replace(/^\[|\]$/g, '')) };
}

const IGNORED_PATHS = new Set([
  '', '-', '/dev/null', '/dev/stdin', '/dev/stdout', '/dev/stderr', '/dev/tty', '/dev/zero',
  '/dev/random', '/dev/urandom', '{}',
]);

function ignoredPath(p: string): boolean {
  return IGNORED_PATHS.has(p) || /^[<>]\(/.test(p) || /^\/dev\/fd\/\d+$/.test(p) || /^\/proc\/self\/fd\/\d+$/.test(p);
}

const URL_IN_TEXT_RE = /\b[A-Za-z][A-Za-z0-9+.-]{1,15}:\/\/[^\s'"<>`|;&(){}\\]+/g;

function unescapeC(s: string): string {
  return s.replace(/\\([ntr\\])/g, (_m, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : '\\'));
}

function shq(s: string): string {
  return /^[\w@%+=:,./~-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

const COMMON_VARS = new Set([
  'HOME', 'PATH', 'PWD', 'OLDPWD', 'USER', 'LOGNAME', 'SHELL', 'TMPDIR', 'TMP', 'TEMP', 'LANG', 'LC_ALL',
  'TERM', 'HOSTNAME', 'UID', 'EUID', 'PPID', 'RANDOM', 'SECONDS', 'LINENO', 'IFS', 'OSTYPE', 'EDITOR',
  'REPLY', 'BASH_SOURCE', 'BASH_VERSION', 'HOSTTYPE', 'MACHTYPE', 'SHLVL', 'COLUMNS', 'LINES',
]);

const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'ash', 'mksh', 'yash', 'fish', 'rbash', 'posh', 'ksh93', 'csh', 'tcsh']);

function interpFamily(name: string): string | null {
  if (/^python[0-9.]*$/.test(name) || /^pypy[0-9.]*$/.test(name)) return 'python';
  if (name === 'node' || name === 'nodejs') return 'node';
  if (name === 'bun') return 'bun';
  if (name === 'deno') return 'deno';
  if (name === 'ruby' || name === 'jruby' || /^ruby[0-9.]+$/.test(name)) return 'ruby';
  if (name === 'perl' || /^perl5[0-9.]*$/.test(name)) return 'perl';
  if (name === 'php' || /^php[0-9.]+$/.test(name)) return 'php';
  if (name === 'pwsh' || name === 'powershell') return 'pwsh';
  if (name === 'lua' || name === 'luajit' || /^lua[0-9.]+$/.test(name)) return 'lua';
  if (name === 'Rscript') return 'Rscript';
  if (name === 'osascript') return 'osascript';
  return null;
}

// Code of interpreter one-liners: does it talk to the network?
const NET_CODE_RE = new RegExp(
  [
    String.raw`\b(?:requests|urllib[23]?|httplib2?|httpx|aiohttp|pycurl|smtplib|ftplib|telnetlib|paramiko|websockets?|xmlrpc|socketserver|asyncssh|grpc)\b`,
    String.raw`\bhttp\.(?:client|server)\b`,
    String.raw`\bsocket\b`,
    String.raw`\b(?:fetch|XMLHttpRequest|WebSocket|EventSource|sendBeacon)\s*\(`,
    String.raw`\bhttps?2?\.(?:request|get|post|connect|createServer)\b`,
    String.raw`\b(?:net|tls)\.(?:connect|createConnection|Socket|createServer)\b`,
    String.raw`\b(?:dgram|axios|undici|superagent|needle)\b`,
    String.raw`node-fetch`,
    String.raw`\bdns\.(?:resolve\w*|lookup)\b`,
    String.raw`\brequire\s*\(?\s*['"](?:node:)?(?:https?|http2|net|tls|dgram|dns|socket|net\/https?|open-uri|net\/ftp|net\/smtp)['"]`,
    String.raw`\bfrom\s+['"](?:node:)?(?:https?|http2|net|tls|dgram|dns)['"]`,
    String.raw`\bNet::(?:HTTPS?|FTP|SMTP|Telnet|SSH|SCP)\b`,
    String.raw`\bopen-uri\b|\bURI\.open\b|\b(?:TCPSocket|UDPSocket|Faraday|HTTParty|RestClient)\b`,
    String.raw`\bLWP\b|\bHTTP::(?:Tiny|Request|Lite)\b|\bIO::Socket\b|\bMojo::UserAgent\b|\bWWW::Mechanize\b|\bSocket\b`,
    String.raw`\b(?:curl_exec|curl_init|fsockopen|pfsockopen|stream_socket_client|socket_create|mail)\s*\(`,
    String.raw`\b(?:file_get_contents|fopen|readfile|file|copy|get_headers)\s*\(\s*['"](?:https?|ftps?):\/\/`,
    String.raw`\b(?:Invoke-WebRequest|Invoke-RestMethod|iwr|irm|Send-MailMessage|Test-NetConnection|Start-BitsTransfer)\b`,
    String.raw`\bNet\.(?:WebClient|Sockets|Http)\b|\bSystem\.Net\b|\b(?:WebClient|HttpClient)\b`,
    String.raw`\b(?:Deno\.connect(?:Tls)?|Bun\.connect|Bun\.serve|Deno\.serve)\b`,
    String.raw`\bsocket\.http\b|\bdownload\.file\b|\bhttr2?\b|\bRCurl\b|\bcurl::|\burl\s*\(\s*['"]https?:`,
    String.raw`\b(?:gethostbyname|getaddrinfo)\b`,
  ].join('|'),
);

const SHELL_OUT_RE =
  /\b(?:os\.system|os\.popen|os\.exec\w*|os\.spawn\w*|subprocess|commands\.get\w*|pty\.spawn|child_process|execSync|execFileSync|spawnSync|exec|execFile|spawn|system|popen|shell_exec|passthru|proc_open|IO\.popen|Open3|qx|Start-Process|Invoke-Expression|iex|Deno\.Command|Deno\.run|Bun\.spawn)\b|do shell script|`|%x[({[]/;

const CODE_OPEN_RE = /\bopen\s*\(\s*[rbfuRBFU]{0,2}(['"])([^'"\n]{1,500})\1(?:\s*,\s*(?:mode\s*=\s*)?(['"])([^'"\n]{0,10})\3)?/g;
const CODE_READ_RE =
  /(?:readFileSync|readFile|createReadStream|read_text|read_bytes|file_get_contents|readfile|fopen|File\.read|File\.readlines|File\.binread|File\.open|File\.foreach|IO\.read|IO\.readlines|Bun\.file|Deno\.readTextFile(?:Sync)?|Deno\.readFile(?:Sync)?|Pathname|Path|Get-Content|ReadAllText|ReadAllBytes|read_csv|loadtxt|io\.open|codecs\.open)\s*\(?\s*[rbfuRBFU]{0,2}(['"`])([^'"`\n]{1,500})\1/g;
const CODE_WRITE_RE =
  /(?:writeFileSync|writeFile|appendFileSync|appendFile|createWriteStream|write_text|write_bytes|file_put_contents|File\.write|IO\.write|Set-Content|Out-File|Add-Content|WriteAllText|Deno\.writeTextFile(?:Sync)?)\s*\(?\s*(['"`])([^'"`\n]{1,500})\1/g;
const PERL_OPEN_RE =
  /\bopen\s*\(?\s*(?:my\s+|our\s+|local\s+)?[$*]?\w+\s*,\s*(['"])([^'"\n]{0,500})\1(?:\s*,\s*(['"])([^'"\n]{1,500})\3)?/g;
const CODE_LITERAL_RE = /'((?:[^'\\\n]|\\.){1,4000})'|"((?:[^"\\\n]|\\.){1,4000})"|`([^`]{1,4000})`/g;

const DNS_TYPES = new Set([
  'a', 'aaaa', 'any', 'axfr', 'caa', 'cname', 'dnskey', 'ds', 'hinfo', 'https', 'ixfr', 'mx', 'naptr', 'ns',
  'nsec', 'nsec3', 'ptr', 'rrsig', 'soa', 'spf', 'srv', 'sshfp', 'svcb', 'tlsa', 'txt', 'in', 'ch', 'hs',
]);

/** Conservative detection used when the command could not be parsed completely. */
const FALLBACK_RES: Array<[RegExp, string | null]> = [
  [
    /(?:^|[^\w.-])(curl|wget|nc|ncat|netcat|socat|ssh|scp|sftp|rsync|ftp|tftp|lftp|telnet|sendmail|mailx|mutt|xh|http|https|dig|nslookup|drill|ping|gsutil|azcopy|rclone|s3cmd)(?=$|[^\w.-])/g,
    null,
  ],
  [/\bgit\s+(?:-\S+\s+)*push\b/g, 'git push'],
  [/\bgit\s+remote\s+add\b/g, 'git remote add'],
  [/\bgit\s+send-email\b/g, 'git send-email'],
  [/\/dev\/tcp\//g, '/dev/tcp'],
  [/\/dev\/udp\//g, '/dev/udp'],
  [/\b(?:npm|pnpm|yarn)\s+publish\b/g, 'npm publish'],
  [/\bdocker\s+push\b/g, 'docker push'],
  [/\baws\s+s3\s+(?:cp|sync|mv)\b/g, 'aws s3 cp'],
  [/\b(?:python[0-9.]*\s+-\w*c|node\s+(?:-e|-p|--eval|--print)|ruby\s+-e|perl\s+-\w*[eE]|php\s+-r)\b/g, 'interpreter'],
];

// ───────────────────────────── analyser ─────────────────────────────

interface Stdin {
  reads: string[];
  text: string | null;
}

const NO_STDIN: Stdin = { reads: [], text: null };

interface CmdResult {
  egress: boolean;
  /** the egress command sends its stdin */
  stdin: boolean;
}

const NONE: CmdResult = { egress: false, stdin: false };
const EG: CmdResult = { egress: true, stdin: false };
const EG_STDIN: CmdResult = { egress: true, stdin: true };

interface Acc {
  egressCount: number;
  cmds: string[];
  hosts: string[];
  urls: string[];
  reads: string[];
  uploads: string[];
  writes: string[];
  segments: string[][];
  errors: string[];
  varReads: Map<string, string[]>;
  varValues: Map<string, string[]>;
  sourced: string[];
  netFds: Set<string>;
  stdoutNet: boolean;
  /** shared with scratch analyses so nested work stays bounded */
  budget: { steps: number; lexed: number; exhausted: boolean };
}

function newAcc(budget?: Acc['budget']): Acc {
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
    varReads: new Map(),
    varValues: new Map(),
    sourced: [],
    netFds: new Set(),
    stdoutNet: false,
    budget: budget ?? { steps: 0, lexed: 0, exhausted: false },
  };
}

const CURL_SHORT = 'AbcCdDeEFHKmoPQrtTuUwxXyYz';
const CURL_LONG = [
  'data', 'data-ascii', 'data-binary', 'data-raw', 'data-urlencode', 'json', 'form', 'form-string',
  'upload-file', 'header', 'proxy-header', 'output', 'user', 'user-agent', 'referer', 'request', 'cookie',
  'cookie-jar', 'config', 'proxy', 'preproxy', 'url', 'write-out', 'max-time', 'connect-timeout', 'range',
  'cert', 'key', 'cacert', 'capath', 'dump-header', 'resolve', 'connect-to', 'speed-limit', 'speed-time',
  'time-cond', 'continue-at', 'retry', 'retry-delay', 'retry-max-time', 'proxy-user', 'limit-rate',
  'max-filesize', 'interface', 'dns-servers', 'dns-interface', 'dns-ipv4-addr', 'dns-ipv6-addr', 'local-port',
  'quote', 'mail-from', 'mail-rcpt', 'mail-auth', 'telnet-option', 'ciphers', 'oauth2-bearer', 'variable',
  'trace', 'trace-ascii', 'stderr', 'unix-socket', 'abstract-unix-socket', 'proto', 'proto-redir',
  'proto-default', 'pinnedpubkey', 'hostpubmd5', 'hostpubsha256', 'keepalive-time', 'noproxy', 'aws-sigv4',
  'sasl-authzid', 'service-name', 'socks4', 'socks4a', 'socks5', 'socks5-hostname', 'socks5-gssapi-service',
  'happy-eyeballs-timeout-ms', 'tls-max', 'create-file-mode', 'output-dir', 'etag-save', 'etag-compare',
  'url-query', 'request-target', 'login-options', 'krb', 'engine', 'cert-type', 'key-type', 'pass',
  'netrc-file', 'ftp-port', 'ftp-account', 'ftp-alternative-to-user', 'ftp-method', 'ftp-ssl-ccc-mode',
  'delegation', 'hsts', 'alt-svc', 'parallel-max', 'rate', 'ip-tos', 'vlan-priority', 'ech', 'ipfs-gateway',
  'curves', 'tls13-ciphers', 'doh-url', 'proxy-cacert', 'proxy-capath', 'proxy-cert', 'proxy-cert-type',
  'proxy-ciphers', 'proxy-crlfile', 'proxy-key', 'proxy-key-type', 'proxy-pass', 'proxy-pinnedpubkey',
  'proxy-service-name', 'proxy-tls13-ciphers', 'proxy-tlsauthtype', 'proxy-tlspassword', 'proxy-tlsuser',
  'crlfile', 'egd-file', 'random-file', 'tlsauthtype', 'tlspassword', 'tlsuser', 'max-redirs',
  'expect100-timeout', 'libcurl', 'ssl-sessions', 'upload-flags', 'knownhosts', 'trace-config',
];
const WGET_SHORT = 'OoaiePUtTwQlDARXIB';
const WGET_LONG = [
  'output-document', 'output-file', 'append-output', 'input-file', 'execute', 'directory-prefix', 'user-agent',
  'tries', 'timeout', 'wait', 'quota', 'level', 'domains', 'exclude-domains', 'accept', 'reject', 'accept-regex',
  'reject-regex', 'post-data', 'post-file', 'body-data', 'body-file', 'method', 'header', 'user', 'password',
  'http-user', 'http-password', 'ftp-user', 'ftp-password', 'proxy-user', 'proxy-password', 'load-cookies',
  'save-cookies', 'ca-certificate', 'ca-directory', 'certificate', 'certificate-type', 'private-key',
  'private-key-type', 'referer', 'base', 'exclude-directories', 'include-directories', 'bind-address',
  'limit-rate', 'dns-timeout', 'connect-timeout', 'read-timeout', 'waitretry', 'local-encoding',
  'remote-encoding', 'default-page', 'cut-dirs', 'restrict-file-names', 'secure-protocol', 'ciphers',
  'crl-file', 'pinnedpubkey', 'random-file', 'egd-file', 'hsts-file', 'warc-file', 'warc-header',
  'warc-max-size', 'warc-cdx', 'warc-dedup', 'warc-tempdir', 'use-askpass', 'config', 'rejected-log',
  'report-speed', 'progress', 'prefer-family', 'retry-on-http-error', 'compression', 'max-redirect',
];
const RSYNC_LONG = [
  'rsh', 'exclude', 'include', 'exclude-from', 'include-from', 'files-from', 'filter', 'rsync-path',
  'password-file', 'log-file', 'temp-dir', 'partial-dir', 'backup-dir', 'suffix', 'chmod', 'chown',
  'block-size', 'bwlimit', 'timeout', 'contimeout', 'port', 'address', 'sockopts', 'compare-dest', 'copy-dest',
  'link-dest', 'max-size', 'min-size', 'max-delete', 'modify-window', 'out-format', 'log-file-format', 'iconv',
  'usermap', 'groupmap', 'info', 'debug', 'write-batch', 'read-batch', 'only-write-batch', 'protocol',
  'remote-option', 'checksum-choice', 'compress-choice', 'compress-level', 'skip-compress', 'outbuf',
  'stop-after', 'stop-at', 'early-input', 'config', 'dparam',
];
const AWS_LONG = [
  'profile', 'region', 'endpoint-url', 'output', 'query', 'ca-bundle', 'cli-read-timeout',
  'cli-connect-timeout', 'color', 'cli-binary-format', 'include', 'exclude', 'acl', 'storage-class', 'sse',
  'sse-c', 'sse-c-key', 'sse-kms-key-id', 'content-type', 'cache-control', 'content-disposition',
  'content-encoding', 'content-language', 'expires', 'grants', 'metadata', 'metadata-directive',
  'expected-size', 'website-redirect', 'source-region', 'page-size', 'request-payer', 'checksum-algorithm',
  'bucket', 'key', 'body',
];

interface ReaderSpec {
  /** short options taking a value */
  s?: string;
  /** long options taking a separate value */
  l?: string[];
  /** first positional is a pattern/program, not a file */
  pat?: boolean;
  /** options that supply the pattern (then no positional pattern) */
  po?: string[];
  /** options whose value is a file that is read */
  ro?: string[];
  /** options whose value is a file that is written */
  wo?: string[];
}

const GREP: ReaderSpec = {
  s: 'efmABCDd',
  l: [
    'regexp', 'file', 'max-count', 'after-context', 'before-context', 'context', 'label', 'include', 'exclude',
    'exclude-dir', 'exclude-from', 'binary-files', 'devices', 'directories', 'group-separator',
  ],
  pat: true,
  po: ['-e', '--regexp', '-f', '--file'],
  ro: ['-f', '--file', '--exclude-from'],
};
const COMPRESS: ReaderSpec = { s: 'So', wo: ['-o'] };
const PLAIN: ReaderSpec = {};

const READERS: Record<string, ReaderSpec> = {
  cat: PLAIN, tac: { s: 's', l: ['separator'] }, nl: { s: 'bdfhilnsvw' }, head: { s: 'nc', l: ['lines', 'bytes'] },
  tail: { s: 'ncs', l: ['lines', 'bytes', 'pid', 'sleep-interval', 'max-unchanged-stats'] },
  less: { s: 'bhjkopPtTxyz' }, more: { s: 'n' }, most: PLAIN, pg: PLAIN,
  bat: { s: 'lHrmL', l: ['language', 'highlight-line', 'line-range', 'map-syntax', 'theme', 'style', 'tabs', 'terminal-width', 'wrap', 'decorations', 'color', 'paging', 'pager', 'italic-text'] },
  batcat: { s: 'lHrmL', l: ['language', 'highlight-line', 'line-range', 'map-syntax', 'theme', 'style'] },
  view: { s: 'cSuUiT' }, vim: { s: 'cSuUiT' }, vi: { s: 'cSuUiT' }, nvim: { s: 'cSuUiT' }, nano: PLAIN,
  emacs: PLAIN, code: PLAIN, subl: PLAIN, micro: PLAIN,
  grep: GREP, egrep: GREP, fgrep: GREP, zgrep: GREP, zegrep: GREP, zfgrep: GREP,
  rg: {
    s: 'efgtTmABCMjErd',
    l: [
      'regexp', 'file', 'glob', 'iglob', 'type', 'type-not', 'type-add', 'type-clear', 'max-count', 'max-depth',
      'context', 'after-context', 'before-context', 'replace', 'encoding', 'sort', 'sortr', 'max-columns',
      'max-filesize', 'threads', 'path-separator', 'pre', 'pre-glob', 'colors', 'ignore-file', 'engine',
      'dfa-size-limit', 'regex-size-limit', 'context-separator', 'field-match-separator',
      'field-context-separator', 'hostname-bin', 'hyperlink-format',
    ],
    pat: true,
    po: ['-e', '--regexp', '-f', '--file', '--files', '--type-list'],
    ro: ['-f', '--file', '--ignore-file'],
  },
  ag: { s: 'ABCGgmp', l: ['ignore', 'ignore-dir', 'file-search-regex', 'depth', 'pager', 'path-to-ignore'], pat: true },
  ack: { s: 'ABCgm', l: ['ignore-dir', 'ignore-file', 'type', 'output', 'match'], pat: true, po: ['--match', '-f'] },
  base64: { s: 'w', l: ['wrap'] }, base32: { s: 'w', l: ['wrap'] }, basenc: { s: 'w', l: ['wrap'] },
  od: { s: 'AjNStw', l: ['address-radix', 'skip-bytes', 'read-bytes', 'strings', 'format', 'width'] },
  hexdump: { s: 'efns', ro: ['-f'] }, hd: { s: 'efns', ro: ['-f'] },
  strings: { s: 'netT', l: ['bytes', 'radix', 'encoding', 'target'] },
  wc: PLAIN,
  sort: {
    s: 'kotST',
    l: ['key', 'field-separator', 'output', 'buffer-size', 'temporary-directory', 'parallel', 'batch-size', 'compress-program', 'files0-from'],
    wo: ['-o', '--output'],
    ro: ['--files0-from'],
  },
  cut: { s: 'bcdf', l: ['bytes', 'characters', 'delimiter', 'fields', 'output-delimiter'] },
  paste: { s: 'd', l: ['delimiters'] },
  join: { s: 'aejotv12' }, comm: PLAIN,
  diff: { s: 'CDFILUWxX', l: ['label', 'ignore-matching-lines', 'exclude', 'exclude-from', 'show-function-line', 'from-file', 'to-file'], ro: ['-X', '--exclude-from'] },
  cmp: { s: 'in', l: ['ignore-initial', 'bytes'] },
  md5sum: PLAIN, sha1sum: PLAIN, sha224sum: PLAIN, sha256sum: PLAIN, sha384sum: PLAIN, sha512sum: PLAIN,
  b2sum: { s: 'l' }, cksum: PLAIN, sum: PLAIN, shasum: { s: 'a' },
  fold: { s: 'w' }, fmt: { s: 'wpg' }, expand: { s: 't' }, unexpand: { s: 't' }, column: { s: 'cstoNdWHR' },
  rev: PLAIN, pr: { s: 'hlwWoNs' }, shuf: { s: 'inoe', wo: ['-o'] },
  gzip: COMPRESS, gunzip: COMPRESS, zcat: COMPRESS, bzip2: COMPRESS, bunzip2: COMPRESS, bzcat: COMPRESS,
  xz: COMPRESS, unxz: COMPRESS, xzcat: COMPRESS, lzma: COMPRESS, zstd: COMPRESS, unzstd: COMPRESS,
  zstdcat: COMPRESS, lz4: COMPRESS, lz4cat: COMPRESS, brotli: COMPRESS, zless: PLAIN, zmore: PLAIN,
  gpg: { s: 'oruRfu', l: ['output', 'recipient', 'local-user', 'default-key', 'passphrase', 'passphrase-file', 'homedir', 'keyring', 'trust-model', 'cipher-algo', 'digest-algo', 'compress-algo', 'keyserver'], wo: ['-o', '--output'], ro: ['--passphrase-file'] },
  gpg2: { s: 'oruRf', l: ['output', 'recipient', 'local-user', 'passphrase-file', 'homedir'], wo: ['-o', '--output'], ro: ['--passphrase-file'] },
  age: { s: 'oriR', l: ['output', 'recipient', 'identity', 'recipients-file'], wo: ['-o', '--output'], ro: ['-i', '--identity', '-R', '--recipients-file'] },
  sops: { l: ['output', 'input-type', 'output-type', 'config', 'extract'], wo: ['--output'] },
  iconv: { s: 'fto', l: ['from-code', 'to-code', 'output'], wo: ['-o', '--output'] },
  sqlite3: { s: 'cmdinit', l: ['cmd', 'init'] },
  split: { s: 'abCdlnt', l: ['suffix-length', 'bytes', 'line-bytes', 'lines', 'number', 'separator', 'additional-suffix'] },
  csplit: { s: 'bfn' },
  envsubst: PLAIN, look: PLAIN, file: { s: 'fFmP', ro: ['-f'] },
  xmllint: { l: ['output', 'xpath', 'schema', 'relaxng', 'dtdvalid', 'encode'], wo: ['--output'] },
};

const SUDO_LONG = ['user', 'group', 'prompt', 'close-from', 'chdir', 'host', 'role', 'type', 'command-timeout', 'other-user'];

class Analyzer {
  constructor(private readonly acc: Acc) {}

  // ─── accumulation helpers ───

  private egress(label: string): void {
    this.acc.egressCount++;
    this.acc.cmds.push(label);
  }

  private resolve(p: string): string[] {
    const m = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?(\/.*)?$/.exec(p);
    if (m) {
      const v = this.acc.varValues.get(m[1]!);
      if (v && v.length && (m[0].startsWith('${') ? p.includes('}') : true)) return v.map((x) => x + (m[2] ?? ''));
    }
    return [p];
  }

  private read(p: string | undefined | null): void {
    if (p === undefined || p === null || ignoredPath(p)) return;
    for (const r of this.resolve(p)) if (!ignoredPath(r)) this.acc.reads.push(r);
  }

  private write(p: string | undefined | null): void {
    if (p === undefined || p === null || ignoredPath(p)) return;
    for (const r of this.resolve(p)) if (!ignoredPath(r)) this.acc.writes.push(r);
  }

  private upload(ps: string | readonly string[] | undefined | null): void {
    if (ps === undefined || ps === null) return;
    for (const p of typeof ps === 'string' ? [ps] : ps) {
      if (ignoredPath(p)) continue;
      for (const r of this.resolve(p)) {
        if (ignoredPath(r)) continue;
        this.acc.uploads.push(r);
        this.acc.reads.push(r);
      }
    }
  }

  private hostName(h: string | null | undefined): void {
    if (h) this.acc.hosts.push(h);
  }

  private hostOf(w: Word | null | undefined): void {
    if (w) this.hostName(hostFromUrlish(w.shape));
  }

  private url(u: string): void {
    this.acc.urls.push(u);
  }

  private scanUrls(text: string): void {
    if (!text.includes('://')) return;
    if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\/\S+$/.test(text)) {
      this.url(text);
      return;
    }
    for (const m of text.matchAll(URL_IN_TEXT_RE)) this.url(m[0]);
  }

  /** reads carried by referenced variables */
  private taint(vars: readonly string[]): string[] {
    const out: string[] = [];
    let unknown = false;
    for (const v of vars) {
      const r = this.acc.varReads.get(v);
      if (r) out.push(...r);
      else if (!this.acc.varValues.has(v) && !COMMON_VARS.has(v)) unknown = true;
    }
    if (unknown) out.push(...this.acc.sourced);
    return out;
  }

  private assign(w: Word, reads: readonly string[]): void {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(\[[^\]]*\])?(\+?)=/.exec(w.text);
    if (!m) return;
    const name = m[1]!;
    const value = w.text.slice(m[0].length);
    const carried = [...reads, ...this.taint(w.vars)];
    const prev = m[3] ? this.acc.varReads.get(name) ?? [] : [];
    if (carried.length || prev.length) this.acc.varReads.set(name, [...prev, ...carried]);
    else this.acc.varReads.delete(name);
    if (!w.dynamic && !m[2]) this.acc.varValues.set(name, [value]);
    else this.acc.varValues.delete(name);
  }

  // ─── entry points ───

  private exhausted(): void {
    if (!this.acc.budget.exhausted) {
      this.acc.budget.exhausted = true;
      this.acc.errors.push('command too complex; analysis truncated');
    }
  }

  analyzeSource(src: string, depth: number, stdin: Stdin): void {
    if (depth > MAX_DEPTH) {
      this.acc.errors.push('nesting depth limit reached');
      this.fallback(src);
      return;
    }
    this.acc.budget.lexed += src.length;
    if (this.acc.budget.lexed > MAX_LEXED) {
      this.exhausted();
      this.fallback(src);
      return;
    }
    const lx = new Lexer(src, 0, 0, false, this.acc.errors);
    lx.run();
    this.analyzeToks(lx.toks, depth, stdin);
  }

  private analyzeToks(toks: Tok[], depth: number, stdin: Stdin): void {
    const node = new Parser(toks, this.acc.errors).program();
    this.node(node, depth, stdin);
  }

  private runSub(sub: Sub, depth: number, stdin: Stdin): void {
    if (sub.toks) {
      if (depth > MAX_DEPTH) {
        this.acc.errors.push('nesting depth limit reached');
        this.fallback(sub.src);
        return;
      }
      this.analyzeToks(sub.toks, depth, stdin);
    } else this.analyzeSource(sub.src, depth, stdin);
  }

  /** analyse src as nested shell code; report whether it produced egress */
  private nested(src: string, depth: number, stdin: Stdin): CmdResult {
    const before = this.acc.egressCount;
    this.analyzeSource(src, depth + 1, stdin);
    return { egress: this.acc.egressCount > before, stdin: false };
  }

  fallback(text: string): void {
    const t = text.length > 1 << 20 ? text.slice(0, 1 << 20) : text;
    for (const [re, label] of FALLBACK_RES) {
      re.lastIndex = 0;
      for (const m of t.matchAll(re)) {
        if (label === 'interpreter') {
          if (NET_CODE_RE.test(t)) this.egress((m[0].split(/\s/)[0] ?? 'interpreter') + ' -c');
          break;
        }
        this.egress(label ?? m[1] ?? m[0]);
      }
    }
  }

  // ─── tree walk ───

  private node(n: Node, depth: number, stdin: Stdin): string | null {
    switch (n.k) {
      case 'list':
        for (const it of n.items) this.node(it, depth, stdin);
        return null;
      case 'pipe': {
        let cur = stdin;
        for (const c of n.cmds) {
          const before = this.acc.reads.length;
          const out = this.node(c, depth, cur);
          cur = { reads: cur.reads.concat(this.acc.reads.slice(before)), text: out };
        }
        return null;
      }
      case 'group':
        this.group(n, depth, stdin);
        return null;
      case 'simple':
        return this.simple(n, depth, stdin);
    }
  }

  private subsOf(w: Word, depth: number, later: Sub[]): string[] {
    const b = this.acc.reads.length;
    for (const sub of w.subs) {
      if (sub.kind === 'procout') later.push(sub);
      else this.runSub(sub, depth + 1, NO_STDIN);
    }
    return this.acc.reads.slice(b);
  }

  private processRedirs(
    redirs: readonly Redir[],
    depth: number,
    persist: boolean,
    later: Sub[],
  ): { inReads: string[] | null; text: string | null; netOut: boolean } {
    const acc = this.acc;
    let inReads: string[] | null = null;
    let text: string | null = null;
    let netOut = false;
    for (const r of redirs) {
      if (r.hd) {
        const b = acc.reads.length;
        for (const sub of r.hd.subs) this.runSub(sub, depth + 1, NO_STDIN);
        inReads = (inReads ?? ([] as string[])).concat(acc.reads.slice(b), this.taint(r.hd.vars));
        text = r.hd.body;
        continue;
      }
      const t = r.target;
      if (!t) continue;
      const tr = this.subsOf(t, depth, later);
      if (r.op === '<<<') {
        inReads = (inReads ?? ([] as string[])).concat(tr, this.taint(t.vars));
        text = t.text + '\n';
        continue;
      }
      const net = /^\/dev\/(tcp|udp)\/([^/]*)\//.exec(t.shape);
      if (net) {
        this.egress('/dev/' + net[1]);
        this.hostName(normHost(net[2]!));
        const out = r.op !== '<' && r.op !== '<&';
        if (persist) {
          const fd = r.fd ?? (r.op === '<' || r.op === '<>' ? '0' : '1');
          acc.netFds.add(fd);
          if (out && (fd === '1' || fd === '2' || r.op === '&>' || r.op === '&>>')) acc.stdoutNet = true;
        } else if (out) netOut = true;
        continue;
      }
      const p = t.text;
      switch (r.op) {
        case '<':
          this.read(p);
          inReads = (inReads ?? ([] as string[])).concat(this.resolve(p));
          break;
        case '<>':
          this.read(p);
          this.write(p);
          inReads = (inReads ?? ([] as string[])).concat(this.resolve(p));
          break;
        case '<&':
          break;
        case '>&':
          if (/^(\d+-?|-)$/.test(p)) {
            if (acc.netFds.has(p.replace('-', ''))) netOut = true;
          } else this.write(p);
          break;
        default:
          this.write(p);
      }
    }
    return { inReads, text, netOut };
  }

  private group(n: Extract<Node, { k: 'group' }>, depth: number, stdin: Stdin): void {
    const acc = this.acc;
    const start = acc.reads.length;
    const later: Sub[] = [];
    const wordReads: string[] = [];
    for (const w of n.extra) wordReads.push(...this.subsOf(w, depth, later));
    if (n.forVar) {
      const vals = n.extra.filter((w) => !w.dynamic).map((w) => w.text);
      if (vals.length) acc.varValues.set(n.forVar, vals);
      else acc.varValues.delete(n.forVar);
      const carried = [...wordReads, ...this.taint(n.extra.flatMap((w) => w.vars))];
      if (carried.length) acc.varReads.set(n.forVar, carried);
    }
    const red = this.processRedirs(n.redirs, depth, false, later);
    const eff: Stdin = red.inReads !== null ? { reads: red.inReads, text: red.text } : stdin;
    for (const b of n.body) this.node(b, depth, eff);
    if (red.netOut) {
      this.upload(acc.reads.slice(start));
      this.upload(eff.reads);
    }
    if (later.length) {
      const mine: Stdin = { reads: eff.reads.concat(acc.reads.slice(start)), text: null };
      for (const s of later) this.runSub(s, depth + 1, mine);
    }
  }

  private simple(n: Extract<Node, { k: 'simple' }>, depth: number, stdin: Stdin): string | null {
    const acc = this.acc;
    if (++acc.budget.steps > MAX_STEPS) {
      this.exhausted();
      return null;
    }
    const start = acc.reads.length;
    let k = 0;
    while (k < n.words.length && isAssignment(n.words[k]!)) k++;
    const assigns = n.words.slice(0, k);
    const argv = n.words.slice(k);
    if (argv.length) acc.segments.push(argv.map((w) => w.text));
    for (const w of n.words) this.scanUrls(w.text);

    const later: Sub[] = [];
    const wordReads = new Map<Word, string[]>();
    for (const w of [...n.words, ...n.extra]) {
      const r = this.subsOf(w, depth, later);
      if (r.length) wordReads.set(w, r);
    }
    const persist = argv.length === 0 || (argv.length === 1 && argv[0]!.text === 'exec');
    const red = this.processRedirs(n.redirs, depth, persist, later);
    const eff: Stdin = red.inReads !== null ? { reads: red.inReads, text: red.text } : stdin;

    let res = NONE;
    if (argv.length) res = this.command(argv, depth, eff, wordReads);
    else for (const a of assigns) this.assign(a, wordReads.get(a) ?? []);

    const argData = [...[...wordReads.values()].flat(), ...this.taint([...n.words, ...n.extra].flatMap((w) => w.vars))];
    if (res.egress) {
      this.upload(argData);
      if (res.stdin) this.upload(eff.reads);
    }
    if (red.netOut || (acc.stdoutNet && argv.length && !persist)) {
      if (!red.netOut) this.egress('/dev/tcp');
      this.upload(acc.reads.slice(start));
      this.upload(eff.reads);
      this.upload(argData);
    }
    if (later.length) {
      const mine: Stdin = { reads: eff.reads.concat(acc.reads.slice(start)), text: null };
      for (const s of later) this.runSub(s, depth + 1, mine);
    }
    return argv.length ? this.stdoutText(argv, eff) : null;
  }

  /** What a command writes to stdout, when it is statically known (for `echo ... | sh`). */
  private stdoutText(argv: Word[], eff: Stdin): string | null {
    const name = progName(argv[0]!.text);
    if (name === 'echo') {
      let i = 1;
      while (i < argv.length && /^-[neE]+$/.test(argv[i]!.text)) i++;
      return unescapeC(argv.slice(i).map((w) => w.text).join(' ')) + '\n';
    }
    if (name === 'printf') {
      const a = argv.slice(1);
      if (a[0]?.text === '-v') return null;
      return unescapeC(a.map((w) => w.text).join(' '));
    }
    if (name === 'cat' && argv.length === 1) return eff.text;
    if (name === 'base64' && eff.text !== null && argv.slice(1).some((w) => /^(-[a-zA-Z]*[dD][a-zA-Z]*|--decode)$/.test(w.text))) {
      const clean = eff.text.replace(/\s+/g, '');
      if (!/^[A-Za-z0-9+/=_-]*$/.test(clean)) return null;
      try {
        return Buffer.from(clean, 'base64').toString('utf8');
      } catch {
        return null;
      }
    }
    return null;
  }

  // ─── commands ───

  private command(argv0: Word[], depth: number, stdin: Stdin, wordReads: Map<Word, string[]>): CmdResult {
    let args = argv0;
    let viaXargs = false;
    const xargsReads: string[] = [];
    for (let guard = 0; guard < 16 && args.length; guard++) {
      const name = this.nameOf(args[0]!);
      const rest = args.slice(1);
      let next: Word[] | null = null;
      switch (name) {
        case 'sudo':
          next = parseOpts(rest, 'CDghprtTUu', SUDO_LONG, true).pos;
          while (next.length && isAssignment(next[0]!)) next = next.slice(1);
          break;
        case 'doas':
          next = parseOpts(rest, 'uC', [], true).pos;
          break;
        case 'pkexec':
          next = parseOpts(rest, '', ['user'], true).pos;
          break;
        case 'env': {
          const r = this.envWrapper(rest, depth, stdin);
          if ('res' in r) return r.res;
          next = r.next;
          break;
        }
        case 'nohup': case 'setsid': case 'unbuffer': case 'builtin': case 'then': case 'do': case 'else':
        case 'elif': case '!': case 'torsocks': case 'tsocks': case 'catchsegv': case 'firejail': case 'busybox':
        case 'nocorrect': case 'noglob':
          next = name === 'busybox' ? rest : parseOpts(rest, '', [], true).pos;
          break;
        case 'time':
          next = parseOpts(rest, 'fo', ['format', 'output'], true).pos;
          break;
        case 'command': {
          const p = parseOpts(rest, '', [], true);
          if (hasOpt(p.opts, '-v', '-V')) return NONE;
          next = p.pos;
          break;
        }
        case 'exec':
          next = parseOpts(rest, 'a', [], true).pos;
          break;
        case 'nice':
          next = parseOpts(rest, 'n', ['adjustment'], true).pos;
          break;
        case 'ionice':
          next = parseOpts(rest, 'cnpPu', ['class', 'classdata', 'pid', 'pgid', 'uid'], true).pos;
          break;
        case 'chrt':
        case 'taskset':
          next = parseOpts(rest, name === 'chrt' ? 'TPD' : '', [], true).pos.slice(1);
          break;
        case 'stdbuf':
          next = parseOpts(rest, 'ioe', ['input', 'output', 'error'], true).pos;
          break;
        case 'timeout':
          next = parseOpts(rest, 'sk', ['signal', 'kill-after'], true).pos.slice(1);
          break;
        case 'caffeinate':
          next = parseOpts(rest, 'tw', [], true).pos;
          break;
        case 'proxychains':
        case 'proxychains4':
          next = parseOpts(rest, 'f', [], true).pos;
          break;
        case 'strace':
        case 'ltrace':
          next = parseOpts(rest, 'abeEIoOpPsSuUX', [], true).pos;
          break;
        case 'xargs': {
          const p = parseOpts(
            rest,
            'adEILnPs',
            ['arg-file', 'delimiter', 'max-args', 'max-procs', 'max-chars', 'process-slot-var'],
            true,
            'eil',
          );
          for (const v of optVals(p.opts, '-a', '--arg-file')) {
            this.read(v.text);
            xargsReads.push(...this.resolve(v.text));
          }
          viaXargs = true;
          if (!p.pos.length) return NONE;
          next = p.pos;
          break;
        }
        case 'watch': {
          const p = parseOpts(rest, 'nq', ['interval'], true);
          if (hasOpt(p.opts, '-x', '--exec')) {
            next = p.pos;
            break;
          }
          return this.nested(p.pos.map((w) => w.text).join(' '), depth, stdin);
        }
        case 'flock': {
          const p = parseOpts(rest, 'wEc', ['timeout', 'conflict-exit-code', 'command'], true);
          const c = optVals(p.opts, '-c', '--command')[0];
          if (c) return this.nested(c.text, depth, stdin);
          const t1 = p.pos[1]?.text;
          if ((t1 === '-c' || t1 === '--command') && p.pos[2]) return this.nested(p.pos[2].text, depth, stdin);
          next = p.pos.slice(1);
          break;
        }
        case 'su':
        case 'runuser': {
          const p = parseOpts(rest, 'cgGsuw', ['command', 'group', 'supp-group', 'shell', 'whitelist-environment', 'session-command', 'user'], false);
          const c = optVals(p.opts, '-c', '--command', '--session-command')[0];
          if (c) return this.nested(c.text, depth, stdin);
          if (name === 'runuser' && hasOpt(p.opts, '-u', '--user')) {
            next = p.pos;
            break;
          }
          return NONE;
        }
        case 'script': {
          const p = parseOpts(rest, 'cEIOT', ['command', 'echo', 'log-in', 'log-out', 'log-io', 'log-timing'], false);
          const c = optVals(p.opts, '-c', '--command')[0];
          if (c) return this.nested(c.text, depth, stdin);
          return NONE;
        }
        case 'parallel': {
          const p = parseOpts(rest, 'jaSdInE', ['jobs', 'arg-file', 'sshlogin', 'delimiter', 'max-args', 'eof', 'results', 'joblog', 'tmpdir', 'workdir'], true);
          const cmd: string[] = [];
          for (const w of p.pos) {
            if (/^:::[:+]*$/.test(w.text)) break;
            cmd.push(w.text);
          }
          for (const v of optVals(p.opts, '-a', '--arg-file')) this.read(v.text);
          if (cmd.length) return this.nested(cmd.join(' '), depth, stdin);
          return NONE;
        }
        case 'eval':
          return this.nested(rest.map((w) => w.text).join(' '), depth, stdin);
        case 'find':
          return this.find(rest, depth, stdin, wordReads);
        default:
          break;
      }
      if (next === null) break;
      args = next;
    }
    if (!args.length) return NONE;
    const res = this.dispatch(args, depth, stdin, wordReads);
    if (res.egress && viaXargs) {
      this.upload(xargsReads);
      return EG_STDIN;
    }
    return res;
  }

  private nameOf(w: Word): string {
    const m = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(w.text);
    if (m) {
      const v = this.acc.varValues.get(m[1]!);
      if (v && v.length === 1) return progName(v[0]!);
    }
    return progName(w.text);
  }

  private envWrapper(rest: Word[], depth: number, stdin: Stdin): { res: CmdResult } | { next: Word[] } {
    let i = 0;
    while (i < rest.length) {
      const t = rest[i]!.text;
      if (t === '--') {
        i++;
        break;
      }
      if (t === '-S' || t === '--split-string' || (t.startsWith('-S') && t.length > 2) || t.startsWith('--split-string=')) {
        const sep = t === '-S' || t === '--split-string';
        const str = sep ? rest[i + 1]?.text ?? '' : t.startsWith('-S') ? t.slice(2) : t.slice('--split-string='.length);
        const after = rest.slice(sep ? i + 2 : i + 1).map((w) => w.text);
        return { res: this.nested([str, ...after].join(' '), depth, stdin) };
      }
      if (t === '-u' || t === '-C' || t === '--unset' || t === '--chdir') {
        i += 2;
        continue;
      }
      if (t.startsWith('-')) {
        i++;
        continue;
      }
      if (ASSIGN_RE.test(t)) {
        i++;
        continue;
      }
      break;
    }
    return { next: rest.slice(i) };
  }

  private find(rest: Word[], depth: number, stdin: Stdin, wordReads: Map<Word, string[]>): CmdResult {
    let i = 0;
    while (i < rest.length && /^-[HLP]$|^-O\d$|^-D$/.test(rest[i]!.text)) i += rest[i]!.text === '-D' ? 2 : 1;
    const starts: string[] = [];
    while (i < rest.length && !/^[-(!]/.test(rest[i]!.text)) starts.push(rest[i++]!.text);
    let egress = false;
    let stdinUse = false;
    for (; i < rest.length; i++) {
      const t = rest[i]!.text;
      if (t === '-exec' || t === '-execdir' || t === '-ok' || t === '-okdir') {
        const sub: Word[] = [];
        for (i++; i < rest.length && rest[i]!.text !== ';' && rest[i]!.text !== '+'; i++) sub.push(rest[i]!);
        if (!sub.length) continue;
        if (depth + 1 > MAX_DEPTH) {
          this.acc.errors.push('nesting depth limit reached');
          continue;
        }
        const r = this.command(sub, depth + 1, stdin, wordReads);
        if (r.egress) {
          egress = true;
          stdinUse ||= r.stdin;
          if (sub.some((w) => w.text.includes('{}'))) this.upload(starts);
        }
      } else if (t === '-fprint' || t === '-fprint0' || t === '-fprintf' || t === '-fls') {
        this.write(rest[i + 1]?.text);
        i++;
      } else if (t === '-files0-from') {
        this.read(rest[i + 1]?.text);
        i++;
      }
    }
    return { egress, stdin: stdinUse };
  }

  private dispatch(args: Word[], depth: number, stdin: Stdin, wordReads: Map<Word, string[]>): CmdResult {
    const name = this.nameOf(args[0]!);
    if (SHELLS.has(name)) return this.shell(args, depth, stdin);
    const fam = interpFamily(name);
    if (fam) return this.interp(fam, name, args, depth, stdin);
    switch (name) {
      case 'curl':
        return this.curl(args);
      case 'wget':
      case 'wget2':
        return this.wget(args);
      case 'nc': case 'ncat': case 'netcat': case 'nc.openbsd': case 'nc.traditional': case 'pwncat':
        return this.nc(name, args, depth);
      case 'socat':
        return this.socat(args, depth);
      case 'ssh': case 'autossh': case 'mosh':
        return this.ssh(name, args, depth);
      case 'ssh-copy-id': {
        const p = parseOpts(args.slice(1), 'iopFt', [], false);
        if (!p.pos.length) return NONE;
        for (const v of optVals(p.opts, '-i')) this.upload(v.text);
        this.hostOf(p.pos[0]);
        this.egress('ssh-copy-id');
        return EG;
      }
      case 'scp':
        return this.copyLike('scp', args, 'cDFiJloPSX', []);
      case 'rsync':
        return this.copyLike('rsync', args, 'efBTM', RSYNC_LONG);
      case 'sftp':
        return this.sftp(args, stdin);
      case 'ftp': case 'pftp': case 'tftp': case 'lftp': case 'telnet': case 'ncftp': case 'ncftpput':
        return this.ftpLike(name, args, stdin);
      case 'mail': case 'mailx': case 'Mail': case 's-nail': case 'bsd-mailx': case 'sendmail': case 'msmtp':
      case 'ssmtp': case 'mutt': case 'neomutt': case 'swaks': case 'sendemail':
        return this.mail(name, args);
      case 'http': case 'https': case 'xh': case 'xhs': case 'httpie':
        return this.httpie(name, args);
      case 'dig': case 'drill': case 'kdig': case 'delv': case 'nslookup': case 'host':
        return this.dns(name, args);
      case 'ping': case 'ping6': case 'traceroute': case 'traceroute6': case 'tracepath': case 'mtr':
        return this.ping(name, args);
      case 'git':
        return this.git(args);
      case 'aws':
        return this.aws(args);
      case 'gsutil': case 'gcloud': case 'az': case 'azcopy': case 's3cmd': case 'rclone':
        return this.cloud(name, args);
      case 'npm': case 'pnpm': case 'yarn':
        return this.publish(name, args);
      case 'docker': case 'podman': case 'nerdctl':
        return this.docker(name, args);
      case 'cargo': case 'twine': case 'gem': case 'poetry': case 'vsce': case 'helm':
        return this.pkgUpload(name, args);
      case 'gh':
        return this.gh(args);
      case 'openssl':
        return this.openssl(args);
      case 'awk': case 'gawk': case 'mawk': case 'nawk': case 'busybox-awk':
        return this.awk(name, args, depth);
      case 'export': case 'declare': case 'typeset': case 'local': case 'readonly':
        for (const w of args.slice(1)) {
          if (w.text.startsWith('-')) continue;
          if (isAssignment(w)) this.assign(w, wordReads.get(w) ?? []);
          else {
            const r = wordReads.get(w);
            if (r) this.acc.sourced.push(...r);
          }
        }
        return NONE;
      case 'read': {
        const p = parseOpts(args.slice(1), 'adinNptu', [], false);
        const names = [...p.pos.map((w) => w.text), ...optVals(p.opts, '-a').map((w) => w.text)];
        for (const nm of names.length ? names : ['REPLY']) {
          if (/^[A-Za-z_]\w*$/.test(nm) && stdin.reads.length) this.acc.varReads.set(nm, stdin.reads.slice());
        }
        return NONE;
      }
      case 'mapfile':
      case 'readarray': {
        const p = parseOpts(args.slice(1), 'dnOsuC c', [], false);
        const nm = p.pos[0]?.text ?? 'MAPFILE';
        if (stdin.reads.length) this.acc.varReads.set(nm, stdin.reads.slice());
        return NONE;
      }
      case 'source':
      case '.': {
        const f = args[1]?.text;
        if (f) {
          this.read(f);
          this.acc.sourced.push(...this.resolve(f));
        }
        return NONE;
      }
      case 'tar': case 'bsdtar': case 'gtar':
        return this.tar(args);
      case 'zip':
        this.zip(args);
        return NONE;
      case '7z': case '7za': case '7zz': case '7zr': {
        const p = parseOpts(args.slice(1), '', [], false);
        const [cmd, arch, ...files] = p.pos;
        if (cmd && arch) {
          if (/^[au]$/.test(cmd.text)) {
            this.write(arch.text);
            for (const f of files) this.read(f.text);
          } else this.read(arch.text);
        }
        return NONE;
      }
      case 'unzip': {
        const p = parseOpts(args.slice(1), 'dP', [], false);
        this.read(p.pos[0]?.text);
        return NONE;
      }
      case 'cp': case 'mv': case 'install': case 'ln':
        this.copyLocal(name, args);
        return NONE;
      case 'dd':
        for (const w of args.slice(1)) {
          if (w.text.startsWith('if=')) this.read(w.text.slice(3));
          else if (w.text.startsWith('of=')) this.write(w.text.slice(3));
        }
        return NONE;
      case 'tee':
        for (const w of parseOpts(args.slice(1), '', [], false).pos) this.write(w.text);
        return NONE;
      case 'xxd':
      case 'uniq': {
        const p = parseOpts(args.slice(1), name === 'xxd' ? 'cglnosC' : 'fsw', [], false);
        this.read(p.pos[0]?.text);
        this.write(p.pos[1]?.text);
        return NONE;
      }
      case 'sed':
        this.sed(args);
        return NONE;
      case 'jq':
      case 'gojq':
      case 'jaq':
        this.jq(args);
        return NONE;
      case 'yq':
        this.yq(args);
        return NONE;
      default:
        break;
    }
    const spec = READERS[name];
    if (spec) this.reader(spec, args);
    return NONE;
  }

  private reader(spec: ReaderSpec, args: Word[]): void {
    const p = parseOpts(args.slice(1), spec.s ?? '', spec.l ?? [], false);
    for (const o of p.opts) {
      if (!o.value) continue;
      if (spec.ro?.includes(o.name)) this.read(o.value.text);
      if (spec.wo?.includes(o.name)) this.write(o.value.text);
    }
    let pos = p.pos;
    if (spec.pat && !p.opts.some((o) => spec.po?.includes(o.name))) pos = pos.slice(1);
    for (const w of pos) if (!w.text.startsWith('+')) this.read(w.text);
  }

  private shell(args: Word[], depth: number, stdin: Stdin): CmdResult {
    let i = 1;
    let cflag = false;
    let sflag = false;
    for (; i < args.length; i++) {
      const t = args[i]!.text;
      if (t === '--' || t === '-') {
        i++;
        break;
      }
      if (['-o', '+o', '-O', '+O', '--rcfile', '--init-file', '-C', '--init-command'].includes(t)) {
        i++;
        continue;
      }
      if (t.startsWith('--')) {
        if (t === '--command') cflag = true;
        else if (t.startsWith('--command=')) return this.nested(t.slice(10), depth, stdin);
        continue;
      }
      if (/^[-+][A-Za-z]+$/.test(t)) {
        if (t[0] === '-' && t.includes('c')) cflag = true;
        if (t[0] === '-' && t.includes('s')) sflag = true;
        continue;
      }
      break;
    }
    const first = args[i];
    if (cflag) return first ? this.nested(first.text, depth, stdin) : NONE;
    if (first && !sflag) return NONE; // a script file: not analysed (no I/O)
    if (stdin.text !== null) return this.nested(stdin.text, depth, NO_STDIN);
    return NONE;
  }

  private interp(fam: string, name: string, args: Word[], depth: number, stdin: Stdin): CmdResult {
    const codes: string[] = [];
    let label = fam;
    let netFlag = false;
    let script = false;
    let fromStdin = false;
    const a = args.slice(1);
    switch (fam) {
      case 'python':
        outer: for (let i = 0; i < a.length; i++) {
          const t = a[i]!.text;
          if (t === '-') {
            fromStdin = true;
            break;
          }
          if (t === '--') {
            script = i + 1 < a.length;
            break;
          }
          if (t.startsWith('--')) {
            if (t === '--check-hash-based-pycs') i++;
            continue;
          }
          if (t.startsWith('-') && t.length > 1) {
            for (let j = 1; j < t.length; j++) {
              const ch = t[j]!;
              const rest = t.slice(j + 1);
              if (ch === 'c') {
                codes.push(rest || (a[++i]?.text ?? ''));
                label = 'python -c';
                break outer;
              }
              if (ch === 'm') {
                const mod = rest || (a[++i]?.text ?? '');
                if (/^(http\.server|SimpleHTTPServer|smtpd|aiosmtpd|pyftpdlib|uploadserver|wsgiref\.simple_server|twine)$/.test(mod)) {
                  netFlag = true;
                  label = 'python -m ' + mod;
                }
                script = true;
                break outer;
              }
              if (ch === 'W' || ch === 'X') {
                if (!rest) i++;
                break;
              }
            }
            continue;
          }
          script = true;
          break;
        }
        break;
      case 'node':
      case 'bun':
        if (fam === 'bun' && a[0] && !a[0].text.startsWith('-')) {
          if (a[0].text === 'publish') {
            this.egress('bun publish');
            return EG;
          }
          script = true;
          break;
        }
        for (let i = 0; i < a.length; i++) {
          const t = a[i]!.text;
          const eq = t.indexOf('=');
          const base = t.startsWith('--') && eq > 0 ? t.slice(0, eq) : t;
          const inline = t.startsWith('--') && eq > 0 ? t.slice(eq + 1) : null;
          if (['-e', '--eval', '-p', '--print', '-pe'].includes(base)) {
            codes.push(inline ?? a[++i]?.text ?? '');
            label = `${fam} -e`;
            break;
          }
          if (base === '--env-file') {
            this.read(inline ?? a[++i]?.text);
            continue;
          }
          if (['-r', '--require', '--import', '--loader', '--experimental-loader', '-C', '--conditions', '--input-type', '--title', '--inspect-port', '--cpu-prof-dir', '--heap-prof-dir', '--diagnostic-dir', '--stack-size', '--max-old-space-size'].includes(base)) {
            if (inline === null) i++;
            continue;
          }
          if (t === '-') {
            fromStdin = true;
            break;
          }
          if (t.startsWith('-')) continue;
          script = true;
          break;
        }
        break;
      case 'deno': {
        const p = parseOpts(a, '', ['ext', 'config', 'import-map', 'location', 'seed', 'v8-flags', 'cert', 'env-file'], false);
        if (p.pos[0]?.text === 'eval' && p.pos[1]) {
          codes.push(p.pos[1].text);
          label = 'deno eval';
        } else script = true;
        break;
      }
      case 'ruby':
      case 'perl':
      case 'lua':
      case 'Rscript':
      case 'osascript': {
        const codeCh = fam === 'perl' ? 'eE' : 'e';
        const valueCh = fam === 'ruby' ? 'rICEFxT0Kl' : fam === 'perl' ? 'MmIilx0FCdDV' : fam === 'lua' ? 'l' : fam === 'osascript' ? 'ls' : '';
        for (let i = 0; i < a.length; i++) {
          const t = a[i]!.text;
          if (t === '--') {
            script = codes.length === 0 && i + 1 < a.length;
            break;
          }
          if (t.startsWith('--')) continue;
          if (t.startsWith('-') && t.length > 1) {
            for (let j = 1; j < t.length; j++) {
              const ch = t[j]!;
              const rest = t.slice(j + 1);
              if (codeCh.includes(ch)) {
                codes.push(rest || (a[++i]?.text ?? ''));
                break;
              }
              if (valueCh.includes(ch)) {
                const v = rest || ((ch === 'r' || ch === 'M' || ch === 'm' || (fam === 'lua' && ch === 'l')) ? a[++i]?.text ?? '' : '');
                if ((ch === 'r' || (fam === 'lua' && ch === 'l')) && /^(socket|net\/https?|open-uri|net\/ftp|net\/smtp|httparty|faraday|rest-client|socket\.http|ssl\.https)$/.test(v)) netFlag = true;
                if ((ch === 'M' || ch === 'm') && /^-?(IO::Socket|Socket|LWP|HTTP::|Net::|Mojo|URI::Fetch|WWW::)/.test(v)) netFlag = true;
                break;
              }
            }
            continue;
          }
          if (!codes.length) script = true;
          break;
        }
        label = fam === 'osascript' ? 'osascript -e' : fam === 'Rscript' ? 'Rscript -e' : `${fam} -e`;
        break;
      }
      case 'php':
        for (let i = 0; i < a.length; i++) {
          const t = a[i]!.text;
          if (t === '-r' || t === '-B' || t === '-R' || t === '-E') {
            codes.push(a[++i]?.text ?? '');
            label = 'php -r';
            continue;
          }
          if (t === '-S') {
            netFlag = true;
            label = 'php -S';
            i++;
            continue;
          }
          if (['-d', '-c', '-t', '-z', '-f', '-F'].includes(t)) {
            if (t === '-f') script = true;
            i++;
            continue;
          }
          if (t.startsWith('-')) continue;
          if (!codes.length) script = true;
          break;
        }
        break;
      case 'pwsh':
        for (let i = 0; i < a.length; i++) {
          const t = a[i]!.text.toLowerCase();
          if (t === '-c' || t === '-command' || t === '/c' || (t.startsWith('-com') && '-command'.startsWith(t))) {
            codes.push(a.slice(i + 1).map((w) => w.text).join(' '));
            break;
          }
          if (t === '-e' || t === '-ec' || t === '-enc' || (t.startsWith('-en') && '-encodedcommand'.startsWith(t))) {
            const b = a[i + 1]?.text ?? '';
            try {
              codes.push(Buffer.from(b, 'base64').toString('utf16le'));
            } catch {
              codes.push(b);
            }
            break;
          }
          if (t === '-f' || t === '-file') {
            script = true;
            break;
          }
          if (['-executionpolicy', '-ep', '-ex', '-windowstyle', '-w', '-outputformat', '-of', '-inputformat', '-if', '-workingdirectory', '-wd', '-configurationname', '-settingsfile', '-custompipename', '-version', '-v'].includes(t)) {
            i++;
            continue;
          }
          if (t.startsWith('-')) continue;
          if (name === 'powershell') codes.push(a.slice(i).map((w) => w.text).join(' '));
          else script = true;
          break;
        }
        label = `${fam} -c`;
        break;
      default:
        break;
    }
    if (!codes.length && !script && stdin.text !== null && (fromStdin || a.every((w) => w.text.startsWith('-')))) {
      codes.push(stdin.text);
    }
    let net = netFlag;
    for (const c of codes) if (this.code(c, depth)) net = true;
    if (net) {
      this.egress(label);
      return EG_STDIN;
    }
    return NONE;
  }

  /** Analyse interpreter source; returns whether it talks to the network (directly or via a shell-out). */
  private code(src: string, depth: number): boolean {
    const text = src.length > MAX_INPUT ? src.slice(0, MAX_INPUT) : src;
    const net = NET_CODE_RE.test(text);
    const reads: string[] = [];
    const isPath = (p: string): boolean => !!p && !/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(p);
    for (const m of text.matchAll(CODE_OPEN_RE)) {
      const p = m[2]!;
      const mode = m[4] ?? '';
      if (!isPath(p)) continue;
      if (/[wax]/.test(mode)) this.write(p);
      if (!/[wax]/.test(mode) || mode.includes('+')) reads.push(p);
    }
    for (const m of text.matchAll(CODE_READ_RE)) if (isPath(m[2]!)) reads.push(m[2]!);
    for (const m of text.matchAll(CODE_WRITE_RE)) if (isPath(m[2]!)) this.write(m[2]!);
    for (const m of text.matchAll(PERL_OPEN_RE)) {
      let mode: string;
      let p: string;
      if (m[4] !== undefined) {
        mode = m[2]!.trim();
        p = m[4];
      } else {
        const mm = /^\s*([+<>|]*)\s*(.*?)\s*$/.exec(m[2]!)!;
        mode = mm[1]!;
        p = mm[2]!;
      }
      if (mode.includes('|') || p.endsWith('|') || !isPath(p)) continue;
      if (mode.includes('>')) this.write(p);
      else reads.push(p);
    }
    for (const r of reads) this.read(r);
    for (const m of text.matchAll(URL_IN_TEXT_RE)) {
      this.url(m[0]);
      if (net) this.hostName(hostFromUrlish(m[0]));
    }
    let shellEgress = false;
    if (SHELL_OUT_RE.test(text)) shellEgress = this.shellLiterals(text, depth);
    if (net || shellEgress) this.upload(reads);
    return net || shellEgress;
  }

  /** Analyse string literals of interpreter code as shell commands (os.system('curl ..'), `..`). */
  private shellLiterals(text: string, depth: number): boolean {
    if (depth + 1 > MAX_DEPTH) return false;
    const lits = (s: string): string[] => {
      const out: string[] = [];
      for (const m of s.matchAll(CODE_LITERAL_RE)) {
        const v = m[1] ?? m[2] ?? m[3] ?? '';
        out.push(v.replace(/\\(["'\\])/g, '$1').replace(/\\n/g, '\n'));
        if (out.length >= 64) break;
      }
      return out;
    };
    const candidates: string[] = [];
    for (const m of text.matchAll(/\[([^[\]]{1,4000})\]/g)) {
      const l = lits(m[1]!);
      if (l.length >= 2) candidates.push(l.map(shq).join(' '));
      if (candidates.length >= 16) break;
    }
    candidates.push(...lits(text));
    let any = false;
    for (const c of candidates.slice(0, 80)) {
      // a single word is not a command line worth analysing ('curl' in ['curl', '-d', ...])
      if (!/[A-Za-z]/.test(c) || !/\S\s+\S/.test(c)) continue;
      if (this.acc.budget.exhausted) break;
      const scratch = newAcc(this.acc.budget);
      try {
        new Analyzer(scratch).analyzeSource(c, depth + 1, NO_STDIN);
      } catch {
        continue;
      }
      const a = this.acc;
      if (scratch.budget.exhausted) this.exhausted();
      if (scratch.egressCount > 0) {
        any = true;
        a.egressCount += scratch.egressCount;
        a.cmds.push(...scratch.cmds);
        a.hosts.push(...scratch.hosts);
        a.uploads.push(...scratch.uploads);
        a.segments.push(...scratch.segments);
      }
      a.urls.push(...scratch.urls);
      a.reads.push(...scratch.reads);
      a.writes.push(...scratch.writes);
    }
    return any;
  }

  private curl(args: Word[]): CmdResult {
    const p = parseOpts(args.slice(1), CURL_SHORT, CURL_LONG, false);
    const targets: Word[] = [...p.pos];
    let stdinUse = false;
    let help = false;
    const fileArg = (f: string | null): void => {
      if (f === null) return;
      if (f === '-' || f === '/dev/stdin') stdinUse = true;
      else this.upload(f);
    };
    for (const o of p.opts) {
      const v = o.value?.text ?? '';
      switch (o.name) {
        case '-d': case '--data': case '--data-ascii': case '--data-binary': case '--json':
          if (v.startsWith('@')) fileArg(v.slice(1));
          break;
        case '--data-urlencode': case '--url-query': case '--variable':
          fileArg(urlencodeFile(v));
          break;
        case '-F': case '--form':
          fileArg(formFile(v));
          break;
        case '-T': case '--upload-file':
          if (v === '.') stdinUse = true;
          else fileArg(v);
          break;
        case '-H': case '--header': case '--proxy-header':
          if (v.startsWith('@')) fileArg(v.slice(1));
          break;
        case '--url':
          if (o.value) targets.push(o.value);
          break;
        case '-o': case '--output': case '-D': case '--dump-header': case '-c': case '--cookie-jar':
        case '--trace': case '--trace-ascii': case '--stderr': case '--etag-save': case '--libcurl':
          this.write(v);
          break;
        case '-K': case '--config':
          if (v === '-') stdinUse = true;
          else this.read(v);
          break;
        case '--key': case '--cacert': case '--netrc-file': case '-E': case '--cert': case '--proxy-key':
          this.read(o.name === '-E' || o.name === '--cert' ? v.replace(/:[^/]*$/, '') : v);
          break;
        case '-b': case '--cookie':
          if (!v.includes('=')) this.read(v);
          break;
        case '-x': case '--proxy': case '--preproxy': case '--socks4': case '--socks4a': case '--socks5':
        case '--socks5-hostname':
          this.hostOf(o.value);
          break;
        case '-h': case '--help': case '-V': case '--version': case '-M': case '--manual':
          help = true;
          break;
        default:
          break;
      }
    }
    for (const t of targets) {
      this.hostOf(t);
      this.scanUrls(t.text);
    }
    if (help && !targets.length) return NONE;
    this.egress('curl');
    return { egress: true, stdin: stdinUse };
  }

  private wget(args: Word[]): CmdResult {
    const p = parseOpts(args.slice(1), WGET_SHORT, WGET_LONG, false);
    let stdinUse = false;
    let help = false;
    const targets = [...p.pos];
    for (const o of p.opts) {
      const v = o.value?.text ?? '';
      switch (o.name) {
        case '--post-file':
        case '--body-file':
          if (v === '-' || v === '/dev/stdin') stdinUse = true;
          else this.upload(v);
          break;
        case '-O': case '--output-document': case '-o': case '--output-file': case '-a': case '--append-output':
        case '--save-cookies': case '--warc-file': case '--rejected-log':
          this.write(v);
          break;
        case '-i': case '--input-file':
          if (v === '-') stdinUse = true;
          else this.read(v);
          break;
        case '--load-cookies': case '--ca-certificate': case '--certificate': case '--private-key': case '--config':
          this.read(v);
          break;
        case '-e': case '--execute': {
          const m = /^\s*(?:https?_proxy|ftp_proxy)\s*=\s*(\S+)/i.exec(v);
          if (m) this.hostName(hostFromUrlish(m[1]!));
          break;
        }
        case '-h': case '--help': case '-V': case '--version':
          help = true;
          break;
        default:
          break;
      }
    }
    for (const t of targets) this.hostOf(t);
    if (help && !targets.length) return NONE;
    this.egress('wget');
    return { egress: true, stdin: stdinUse };
  }

  private nc(name: string, args: Word[], depth: number): CmdResult {
    const p = parseOpts(
      args.slice(1),
      'cegGIiMmOoPpqsTVWwXx',
      ['exec', 'sh-exec', 'lua-exec', 'output', 'hex-dump', 'proxy', 'proxy-type', 'proxy-auth', 'proxy-dns', 'source', 'source-port', 'wait', 'idle-timeout', 'delay', 'max-conns', 'allow', 'allowfile', 'deny', 'denyfile', 'ssl-cert', 'ssl-key', 'ssl-trustfile', 'ssl-ciphers', 'ssl-servername', 'ssl-alpn'],
      false,
    );
    if (hasOpt(p.opts, '-h', '--help', '--version') && !p.pos.length) return NONE;
    if (hasOpt(p.opts, '-U', '--unixsock')) return NONE;
    const listen = hasOpt(p.opts, '-l', '--listen');
    for (const o of p.opts) {
      const v = o.value;
      if (!v) continue;
      if (['-e', '-c', '--exec', '--sh-exec'].includes(o.name)) {
        // the executed program's output goes to the socket
        const b = this.acc.reads.length;
        this.analyzeSource(v.text, depth + 1, NO_STDIN);
        this.upload(this.acc.reads.slice(b));
      }
      else if (o.name === '-o' || o.name === '--output') this.write(v.text);
      else if (o.name === '--proxy' || (o.name === '-x' && name !== 'ncat')) this.hostOf(v);
      else if (o.name === '-x' || o.name === '--hex-dump') this.write(v.text);
    }
    if (!p.pos.length && !listen) return NONE;
    if (!listen && p.pos[0]) this.hostOf(p.pos[0]);
    this.egress(name);
    return EG_STDIN;
  }

  private socat(args: Word[], depth: number): CmdResult {
    const addrs: Word[] = [];
    for (let i = 1; i < args.length; i++) {
      const t = args[i]!.text;
      if (['-b', '-t', '-T', '-L', '-W', '-lf', '-lp', '-r', '-R'].includes(t)) {
        i++;
        continue;
      }
      if (t.length > 1 && t.startsWith('-')) continue;
      addrs.push(args[i]!);
    }
    let net = false;
    let stdinUse = false;
    const files: string[] = [];
    for (const a of addrs) {
      const t = a.text;
      const m = /^([A-Za-z0-9-]+)(?::([\s\S]*))?$/.exec(t);
      const type = (m?.[1] ?? '').toUpperCase();
      const rest = m?.[2] ?? '';
      if (t === '-' || /^(STDIO|STDIN|STDOUT|READLINE)$/.test(type)) {
        stdinUse = true;
        continue;
      }
      if (/^(TCP|UDP|SCTP|DCCP|UDPLITE|IP)[46]?(-CONNECT|-SENDTO|-DATAGRAM)?$|^(OPENSSL|SSL|DTLS)(-CONNECT)?$|^(SOCKS4A?|SOCKS5|PROXY)(-CONNECT)?$/.test(type)) {
        net = true;
        const parts = rest.split(',')[0]!.split(':');
        const hostParts = /^(SOCKS|PROXY)/.test(type) ? parts.slice(0, Math.max(1, parts.length - 1)) : parts.slice(0, 1);
        for (const h of hostParts) this.hostName(normHost(h));
        continue;
      }
      if (/-LISTEN$|^TCP[46]?-L$|^UDP[46]?-RECV(FROM)?$|-RECVFROM$/.test(type)) {
        net = true;
        continue;
      }
      if (type === 'EXEC' || type === 'SYSTEM') {
        const b = this.acc.reads.length;
        this.analyzeSource(rest.split(',')[0]!, depth + 1, NO_STDIN);
        files.push(...this.acc.reads.slice(b));
        continue;
      }
      if (/^(OPEN|FILE|GOPEN)$/.test(type)) {
        files.push(rest.split(',')[0]!);
        continue;
      }
      if (type === 'CREATE') {
        this.write(rest.split(',')[0]!);
        continue;
      }
      if (!m || t.startsWith('/') || t.startsWith('.')) files.push(t.split(',')[0]!);
    }
    for (const f of files) this.read(f);
    if (!net) return NONE;
    this.upload(files);
    this.egress('socat');
    return { egress: true, stdin: stdinUse };
  }

  private ssh(name: string, args: Word[], depth: number): CmdResult {
    const p = parseOpts(args.slice(1), name === 'autossh' ? 'BbcDEeFIiJLlmOoPpQRSWwM' : 'BbcDEeFIiJLlmOoPpQRSWw', ['ssh', 'port', 'predict', 'family', 'experimental-remote-ip'], true);
    if (hasOpt(p.opts, '-G', '-V')) return NONE;
    const dest = p.pos[0];
    if (!dest) return NONE;
    for (const o of p.opts) {
      const v = o.value;
      if (!v) continue;
      switch (o.name) {
        case '-i': case '-F':
          this.read(v.text);
          break;
        case '-E':
          this.write(v.text);
          break;
        case '-J':
          for (const h of v.shape.split(',')) this.hostName(hostFromUrlish(h));
          break;
        case '-W':
          this.hostName(hostFromUrlish(v.shape));
          break;
        case '-o': {
          const m = /^\s*(\w+)\s*[=\s]\s*([\s\S]*)$/.exec(v.text);
          if (!m) break;
          const key = m[1]!.toLowerCase();
          if (key === 'proxycommand') this.analyzeSource(m[2]!, depth + 1, NO_STDIN);
          else if (key === 'proxyjump' || key === 'hostname') for (const h of m[2]!.split(',')) this.hostName(hostFromUrlish(h));
          else if (key === 'identityfile') this.read(m[2]!);
          break;
        }
        default:
          break;
      }
    }
    this.hostOf(dest);
    this.egress(name);
    return { egress: true, stdin: !hasOpt(p.opts, '-n', '-f') };
  }

  private copyLike(label: string, args: Word[], shortArg: string, longArg: string[]): CmdResult {
    const p = parseOpts(args.slice(1), shortArg, longArg, false);
    for (const o of p.opts) {
      const v = o.value;
      if (!v) continue;
      if (['-i', '-F', '--files-from', '--exclude-from', '--include-from', '--password-file', '--read-batch'].includes(o.name)) this.read(v.text);
      else if (['--log-file', '--write-batch', '--only-write-batch'].includes(o.name)) this.write(v.text);
      else if (o.name === '-J') for (const h of v.shape.split(',')) this.hostName(hostFromUrlish(h));
    }
    const specs = p.pos.map((w) => ({ w, r: remoteSpec(w) }));
    if (!specs.length) return NONE;
    const anyRemote = specs.some((s) => s.r);
    for (const s of specs) if (s.r) this.hostName(s.r.host);
    if (specs.length === 1) {
      if (!anyRemote) this.read(specs[0]!.w.text);
    } else {
      const dst = specs[specs.length - 1]!;
      const srcs = specs.slice(0, -1);
      if (dst.r) {
        for (const s of srcs) if (!s.r) this.upload(s.w.text);
      } else {
        for (const s of srcs) if (!s.r) this.read(s.w.text);
        this.write(dst.w.text);
      }
    }
    if (!anyRemote) return NONE;
    this.egress(label);
    return EG;
  }

  private sftp(args: Word[], stdin: Stdin): CmdResult {
    const p = parseOpts(args.slice(1), 'BbcDFiJlOoPRSs', [], true);
    for (const v of optVals(p.opts, '-i', '-F', '-b')) this.read(v.text);
    const dest = p.pos[0];
    if (!dest) return NONE;
    this.hostOf(dest);
    if (stdin.text !== null) this.ftpScript(stdin.text);
    this.egress('sftp');
    return EG_STDIN;
  }

  /** ftp/sftp/lftp command scripts: uploads (`put f`) and hosts (`open h`). */
  private ftpScript(text: string): void {
    for (const line of text.split(/[\n;]/)) {
      const toks = line.trim().split(/\s+/);
      const cmd = (toks[0] ?? '').toLowerCase();
      if (cmd === 'put' || cmd === 'reput' || cmd === 'append' || cmd === 'send') this.upload(toks.slice(1).find((x) => !x.startsWith('-')));
      else if (cmd === 'mput') this.upload(toks.slice(1).filter((x) => !x.startsWith('-')));
      else if (cmd === 'mirror' && toks.some((x) => x === '-R' || x === '--reverse')) this.upload(toks.slice(1).find((x) => !x.startsWith('-')));
      else if (cmd === 'open') {
        const h = toks.slice(1).find((x) => !x.startsWith('-'));
        if (h) this.hostName(hostFromUrlish(h));
      }
    }
  }

  private ftpLike(name: string, args: Word[], stdin: Stdin): CmdResult {
    let host: Word | undefined;
    const scripts: string[] = [];
    const a = args.slice(1);
    if (name === 'tftp') {
      const ci = a.findIndex((w) => w.text === '-c');
      const before = ci >= 0 ? a.slice(0, ci) : a;
      host = parseOpts(before, 'mR', [], false).pos[0];
      if (ci >= 0) scripts.push(a.slice(ci + 1).map((w) => w.text).join(' '));
    } else if (name === 'lftp') {
      const p = parseOpts(a, 'ecpuf', ['rcfile', 'env-password'], false);
      for (const v of optVals(p.opts, '-e', '-c')) scripts.push(v.text);
      for (const v of optVals(p.opts, '-f')) this.read(v.text);
      host = p.pos[0];
    } else if (name === 'ncftpput') {
      const p = parseOpts(a, 'udeptUBfXYWSTjP', [], false);
      for (const v of optVals(p.opts, '-f')) this.read(v.text);
      host = p.pos[0];
      this.upload(p.pos.slice(2).map((w) => w.text));
    } else if (name === 'telnet') {
      host = parseOpts(a, 'belnkSXs', [], true).pos[0];
    } else {
      host = parseOpts(a, 'Po', [], true).pos[0];
    }
    if (stdin.text !== null) scripts.push(stdin.text);
    for (const s of scripts) this.ftpScript(s);
    if (!host && !scripts.length) return NONE;
    this.hostOf(host);
    this.egress(name);
    return EG_STDIN;
  }

  private mail(name: string, args: Word[]): CmdResult {
    const a = args.slice(1);
    const recipients: Word[] = [];
    if (name === 'mutt' || name === 'neomutt') {
      for (let i = 0; i < a.length; i++) {
        const t = a[i]!.text;
        if (t === '--') {
          recipients.push(...a.slice(i + 1));
          break;
        }
        if (t === '-a') {
          for (i++; i < a.length && !a[i]!.text.startsWith('-'); i++) this.upload(a[i]!.text);
          i--;
          continue;
        }
        if (t === '-i' || t === '-H') {
          this.upload(a[++i]?.text);
          continue;
        }
        if (t === '-F') {
          this.read(a[++i]?.text);
          continue;
        }
        if (['-s', '-c', '-b', '-e', '-f', '-m', '-Q'].includes(t)) {
          if (t === '-c' || t === '-b') {
            const v = a[i + 1];
            if (v) recipients.push(v);
          }
          i++;
          continue;
        }
        if (t.startsWith('-')) continue;
        recipients.push(a[i]!);
      }
    } else if (name === 'swaks') {
      const p = parseOpts(a, 'tfsd', ['to', 'from', 'server', 'attach', 'attach-body', 'body', 'data', 'header', 'helo', 'port', 'auth-user', 'auth-password', 'cc', 'bcc', 'protocol'], false);
      for (const o of p.opts) {
        const v = o.value;
        if (!v) continue;
        if (['-t', '--to', '--cc', '--bcc'].includes(o.name)) for (const r of v.shape.split(',')) this.hostName(hostFromUrlish(r));
        else if (o.name === '-s' || o.name === '--server') this.hostName(hostFromUrlish(v.shape));
        else if (['--attach', '--attach-body'].includes(o.name)) this.upload(v.text.replace(/^@/, ''));
        else if (['--body', '--data', '-d'].includes(o.name) && v.text.startsWith('@')) this.upload(v.text.slice(1));
      }
    } else {
      const p = parseOpts(a, 'sbcrfFaACoBNRVXLOhqSu', ['subject', 'attach', 'cc', 'bcc', 'from', 'account', 'file', 'host', 'return-address'], false);
      for (const o of p.opts) {
        const v = o.value;
        if (!v) continue;
        if (['-a', '-A', '--attach'].includes(o.name)) {
          if (!/:\s/.test(v.text) && /[./]/.test(v.text)) this.upload(v.text);
        } else if (o.name === '-q') this.upload(v.text);
        else if (['-c', '-b', '--cc', '--bcc'].includes(o.name)) recipients.push(v);
        else if (o.name === '-C' && name !== 'mail' && name !== 'mailx') this.read(v.text);
        else if (o.name === '--host') this.hostOf(v);
      }
      recipients.push(...p.pos);
    }
    for (const r of recipients) {
      for (const part of r.shape.split(',')) if (part.includes('@')) this.hostName(hostFromUrlish(part.replace(/^.*</, '').replace(/>.*$/, '')));
    }
    this.egress(name);
    return EG_STDIN;
  }

  private httpie(name: string, args: Word[]): CmdResult {
    const p = parseOpts(
      args.slice(1),
      'aAospPm',
      ['auth', 'auth-type', 'output', 'style', 'print', 'history-print', 'session', 'session-read-only', 'verify', 'cert', 'cert-key', 'cert-key-pass', 'proxy', 'timeout', 'pretty', 'format-options', 'default-scheme', 'max-redirects', 'max-headers', 'boundary', 'raw', 'response-charset', 'response-mime', 'ssl', 'ciphers', 'bearer', 'resolve', 'interface', 'http-version', 'unix-socket'],
      false,
    );
    for (const o of p.opts) {
      const v = o.value;
      if (!v) continue;
      if (o.name === '-o' || o.name === '--output') this.write(v.text);
      else if (o.name === '--cert' || o.name === '--cert-key' || o.name === '--session-read-only') this.read(v.text);
      else if (o.name === '--proxy') this.hostName(hostFromUrlish(v.shape.replace(/^[a-z]+:(?!\/\/)/i, '')));
    }
    let pos = p.pos;
    if (pos[0] && /^[A-Z]+$/.test(pos[0].text) && pos.length > 1) pos = pos.slice(1);
    const target = pos[0];
    if (!target) {
      return hasOpt(p.opts, '--help', '--version', '-h') ? NONE : (this.egress(name), EG_STDIN);
    }
    if (/^:(\d|\/|$)/.test(target.text)) this.hostName('localhost');
    else this.hostOf(target);
    for (const item of pos.slice(1)) {
      const f = httpieFile(item.text);
      if (f !== null) this.upload(f);
    }
    this.egress(name);
    return { egress: true, stdin: !hasOpt(p.opts, '-I', '--ignore-stdin') };
  }

  private dns(name: string, args: Word[]): CmdResult {
    const names: string[] = [];
    const a = args.slice(1);
    if (name === 'nslookup') {
      for (const w of a) {
        if (w.text.startsWith('-')) continue;
        names.push(w.shape);
      }
    } else if (name === 'host') {
      const p = parseOpts(a, 'cNRtWm', [], false);
      for (const w of p.pos.slice(0, 2)) names.push(w.shape);
    } else {
      for (let i = 0; i < a.length; i++) {
        const w = a[i]!;
        const t = w.text;
        if (t.startsWith('+')) continue;
        if (t.startsWith('@')) {
          names.push(w.shape.slice(1));
          continue;
        }
        if (t === '-f' || t === '-k') {
          this.read(a[++i]?.text);
          continue;
        }
        if (t === '-q' || t === '-x') {
          const v = a[++i];
          if (v) names.push(v.shape);
          continue;
        }
        if (['-b', '-c', '-p', '-t', '-y'].includes(t)) {
          i++;
          continue;
        }
        if (t.startsWith('-')) continue;
        if (DNS_TYPES.has(t.toLowerCase()) || /^type\d+$/i.test(t)) continue;
        names.push(w.shape);
      }
    }
    if (!names.length) return NONE;
    for (const n of names) this.hostName(hostFromUrlish(n));
    this.egress(name);
    return EG;
  }

  private ping(name: string, args: Word[]): CmdResult {
    const short = name.startsWith('ping') ? 'cisIlmMpQStWwFT' : name === 'mtr' ? 'csiafmBPQLGMoyZ' : name === 'tracepath' ? 'lmp' : 'fgimNpqstwzMOA';
    const p = parseOpts(args.slice(1), short, [], false);
    const host = name.startsWith('ping') ? p.pos[p.pos.length - 1] : p.pos[0];
    if (!host) return NONE;
    this.hostOf(host);
    this.egress(name);
    return EG;
  }

  private gitRemote(w: Word | undefined): void {
    if (!w) return;
    const r = remoteSpec(w);
    if (!r) return;
    this.url(w.text);
    this.hostName(r.host);
  }

  private git(args: Word[]): CmdResult {
    let i = 1;
    while (i < args.length) {
      const t = args[i]!.text;
      if (['-C', '-c', '--git-dir', '--work-tree', '--namespace', '--config-env', '--super-prefix', '--exec-path', '--list-cmds'].includes(t)) {
        i += 2;
        continue;
      }
      if (t.startsWith('-')) {
        i++;
        continue;
      }
      break;
    }
    const sub = args[i]?.text;
    const rest = args.slice(i + 1);
    switch (sub) {
      case 'push': {
        const p = parseOpts(rest, 'o', ['repo', 'push-option', 'receive-pack', 'exec'], false);
        for (const v of optVals(p.opts, '--repo')) this.gitRemote(v);
        this.gitRemote(p.pos[0]);
        this.egress('git push');
        return EG;
      }
      case 'remote': {
        const p = parseOpts(rest, 'tm', [], false);
        const action = p.pos[0]?.text;
        if (action === 'add' && p.pos[2]) {
          this.gitRemote(p.pos[2]);
          this.egress('git remote add');
          return EG;
        }
        if (action === 'set-url' && p.pos.length >= 3) {
          this.gitRemote(p.pos[p.pos.length - 1]);
          this.egress('git remote set-url');
          return EG;
        }
        return NONE;
      }
      case 'send-email': {
        const p = parseOpts(rest, '', ['to', 'cc', 'bcc', 'from', 'subject', 'smtp-server', 'smtp-server-port', 'smtp-user', 'in-reply-to', 'identity', 'smtp-encryption', 'confirm', 'suppress-cc', 'smtp-domain'], false);
        for (const o of p.opts) {
          const v = o.value;
          if (!v) continue;
          if (['--to', '--cc', '--bcc'].includes(o.name)) for (const r of v.shape.split(',')) this.hostName(hostFromUrlish(r.replace(/^.*</, '').replace(/>.*$/, '')));
          else if (o.name === '--smtp-server' && !v.text.startsWith('/')) this.hostName(hostFromUrlish(v.shape));
        }
        for (const w of p.pos) if (!w.text.includes('..') && !/^(HEAD|@)/.test(w.text)) this.upload(w.text);
        this.egress('git send-email');
        return EG;
      }
      case 'imap-send':
        this.egress('git imap-send');
        return EG_STDIN;
      case 'config': {
        const p = parseOpts(rest, 'f', ['file', 'blob', 'type', 'default', 'comment'], false);
        const key = p.pos[0]?.text ?? '';
        const val = p.pos[1];
        if (val && /^(remote\..+\.(push)?url|url\..+\.(push)?insteadof)$/i.test(key)) {
          this.gitRemote(val);
          this.egress('git config remote');
          return EG;
        }
        return NONE;
      }
      case 'lfs':
      case 'subtree': {
        const p = parseOpts(rest, 'P', ['prefix', 'message', 'branch'], false);
        if (p.pos[0]?.text === 'push') {
          this.gitRemote(p.pos[1]);
          this.egress('git push');
          return EG;
        }
        return NONE;
      }
      default:
        return NONE;
    }
  }

  private aws(args: Word[]): CmdResult {
    const p = parseOpts(args.slice(1), '', AWS_LONG, false);
    const [svc, op] = [p.pos[0]?.text ?? '', p.pos[1]?.text ?? ''];
    for (const v of optVals(p.opts, '--endpoint-url')) this.hostOf(v);
    if (svc === 's3' && (op === 'cp' || op === 'mv' || op === 'sync')) {
      const src = p.pos[2];
      const dst = p.pos[3];
      if (!src || !dst) return NONE;
      const srcR = /^s3:\/\//i.test(src.text);
      const dstR = /^s3:\/\//i.test(dst.text);
      if (dstR && !srcR) {
        this.hostOf(dst);
        this.egress(`aws s3 ${op}`);
        if (src.text === '-') return EG_STDIN;
        this.upload(src.text);
        return EG;
      }
      if (srcR && !dstR) this.write(dst.text);
      return NONE;
    }
    const files: string[] = [];
    for (const w of [...p.pos, ...p.opts.map((o) => o.value).filter((v): v is Word => !!v)]) {
      const m = /^fileb?:\/\/(.+)$/.exec(w.text);
      if (m) files.push(m[1]!);
    }
    if (svc === 's3api' && (op === 'put-object' || op === 'upload-part')) {
      for (const v of optVals(p.opts, '--body')) files.push(v.text);
      for (const v of optVals(p.opts, '--bucket')) this.hostName(normHost(v.shape));
    }
    for (const f of files) this.read(f);
    if (/^(send|publish|put|upload|import|invoke)/.test(op) || (files.length && /^(create|update|modify|set|register|add|start)/.test(op))) {
      this.upload(files);
      this.egress(`aws ${svc} ${op}`);
      return EG;
    }
    return NONE;
  }

  private cloud(name: string, args: Word[]): CmdResult {
    const pos = args.slice(1).filter((w) => !w.text.startsWith('-'));
    const copy = (label: string, paths: Word[], isRemote: (w: Word) => boolean, stdinOk: boolean): CmdResult => {
      if (paths.length < 2) return NONE;
      const dst = paths[paths.length - 1]!;
      const srcs = paths.slice(0, -1);
      if (isRemote(dst) && srcs.some((s) => !isRemote(s))) {
        this.hostOf(dst);
        const local = srcs.filter((s) => !isRemote(s)).map((s) => s.text);
        this.upload(local);
        this.egress(label);
        return { egress: true, stdin: stdinOk && local.includes('-') };
      }
      if (!isRemote(dst) && srcs.some(isRemote)) this.write(dst.text);
      return NONE;
    };
    switch (name) {
      case 'gsutil': {
        let i = 1;
        while (i < args.length && args[i]!.text.startsWith('-')) i += ['-h', '-o', '-u', '-i', '-p'].includes(args[i]!.text) ? 2 : 1;
        const sub = args[i]?.text ?? '';
        if (!['cp', 'mv', 'rsync'].includes(sub)) return NONE;
        const p = parseOpts(args.slice(i + 1), 'ajLsxyz', [], false);
        const r = copy(`gsutil ${sub}`, p.pos, (w) => /^gs:\/\//i.test(w.text), true);
        return hasOpt(p.opts, '-I') && r.egress ? EG_STDIN : r;
      }
      case 'gcloud': {
        const si = pos.findIndex((w) => w.text === 'storage');
        const sub = si >= 0 ? pos[si + 1]?.text ?? '' : '';
        if (!['cp', 'mv', 'rsync'].includes(sub)) return NONE;
        return copy(`gcloud storage ${sub}`, pos.slice(si + 2), (w) => /^gs:\/\//i.test(w.text), true);
      }
      case 'az': {
        if (pos[0]?.text !== 'storage' || !pos.some((w) => /^(upload|upload-batch|sync)$/.test(w.text))) return NONE;
        const p = parseOpts(args.slice(1), 'fsn', ['file', 'source', 'account-name', 'container-name', 'name', 'destination', 'connection-string', 'account-key', 'sas-token', 'path'], false);
        this.upload(optVals(p.opts, '-f', '--file', '-s', '--source').map((w) => w.text));
        for (const v of optVals(p.opts, '--account-name')) this.hostName(normHost(`${v.shape}.blob.core.windows.net`));
        this.egress(`az ${pos.slice(0, 3).map((w) => w.text).join(' ')}`);
        return EG;
      }
      case 'azcopy':
        if (!['copy', 'cp', 'sync'].includes(pos[0]?.text ?? '')) return NONE;
        return copy(`azcopy ${pos[0]!.text}`, pos.slice(1), (w) => /^https?:\/\//i.test(w.text), false);
      case 's3cmd':
        if (!['put', 'sync', 'cp', 'mv'].includes(pos[0]?.text ?? '')) return NONE;
        return copy(`s3cmd ${pos[0]!.text}`, pos.slice(1), (w) => /^s3:\/\//i.test(w.text), false);
      case 'rclone': {
        const sub = pos[0]?.text ?? '';
        const isRemote = (w: Word): boolean => /^[\w.\- ]+:/.test(w.text) && !/^[A-Za-z]:[\\/]/.test(w.text);
        if (sub === 'rcat' && pos[1] && isRemote(pos[1])) {
          this.egress('rclone rcat');
          return EG_STDIN;
        }
        if (!['copy', 'copyto', 'move', 'moveto', 'sync', 'bisync'].includes(sub)) return NONE;
        return copy(`rclone ${sub}`, pos.slice(1, 3), isRemote, false);
      }
      default:
        return NONE;
    }
  }

  private publish(name: string, args: Word[]): CmdResult {
    const p = parseOpts(args.slice(1), 'wC', ['registry', 'tag', 'access', 'otp', 'workspace', 'prefix', 'userconfig', 'cache', 'loglevel', 'scope', 'filter', 'dir', 'cwd'], false);
    const a0 = p.pos[0]?.text;
    const yarnNpm = name === 'yarn' && a0 === 'npm' && p.pos[1]?.text === 'publish';
    if (a0 !== 'publish' && !yarnNpm) return NONE;
    for (const v of optVals(p.opts, '--registry')) this.hostOf(v);
    this.egress(yarnNpm ? 'yarn npm publish' : `${name} publish`);
    return EG;
  }

  private docker(name: string, args: Word[]): CmdResult {
    const p = parseOpts(args.slice(1), 'H', ['host', 'context', 'config', 'log-level', 'tlscacert', 'tlscert', 'tlskey'], true);
    const pos = p.pos;
    let image: Word | undefined;
    const s0 = pos[0]?.text;
    const s1 = pos[1]?.text;
    if (s0 === 'push') image = parseOpts(pos.slice(1), '', [], false).pos[0];
    else if (s0 === 'image' && s1 === 'push') image = parseOpts(pos.slice(2), '', [], false).pos[0];
    else if (s0 === 'build' || (s0 === 'buildx' && s1 === 'build') || (s0 === 'image' && s1 === 'build')) {
      const q = parseOpts(pos.slice(1), 'tfo', ['tag', 'file', 'output', 'platform', 'build-arg', 'target', 'label', 'secret', 'cache-from', 'cache-to', 'progress', 'builder', 'network', 'ssh', 'iidfile', 'metadata-file'], false);
      const pushes = hasOpt(q.opts, '--push') || optVals(q.opts, '-o', '--output').some((v) => /type=registry|push=true/.test(v.text));
      if (!pushes) return NONE;
      image = optVals(q.opts, '-t', '--tag')[0];
    } else return NONE;
    if (image) {
      const first = image.shape.split('/')[0] ?? '';
      if (image.shape.includes('/') && (/[.:]/.test(first) || first === 'localhost')) this.hostName(hostFromUrlish(first));
    }
    this.egress(`${name} push`);
    return EG;
  }

  private pkgUpload(name: string, args: Word[]): CmdResult {
    const p = parseOpts(args.slice(1), 'rupciks', ['repository', 'repository-url', 'username', 'password', 'config-file', 'sign-with', 'identity', 'cert', 'client-cert', 'registry', 'token', 'index', 'key', 'host', 'otp', 'pat', 'packagePath'], false);
    const sub = p.pos[0]?.text;
    const table: Record<string, string> = { cargo: 'publish', twine: 'upload', gem: 'push', poetry: 'publish', vsce: 'publish', helm: 'push' };
    if (sub !== table[name]) return NONE;
    for (const v of optVals(p.opts, '--repository-url', '--host', '--index')) this.hostOf(v);
    if (name === 'twine' || name === 'gem' || name === 'helm') this.upload(p.pos.slice(1, name === 'helm' ? 2 : undefined).map((w) => w.text));
    this.egress(`${name} ${sub}`);
    return EG;
  }

  private gh(args: Word[]): CmdResult {
    const area = args[1]?.text ?? '';
    const action = args[2]?.text ?? '';
    const rest = args.slice(area === 'api' ? 2 : 3);
    const p = parseOpts(rest, 'RFfHXbtdnlamqpwe', ['repo', 'field', 'raw-field', 'header', 'method', 'input', 'body', 'body-file', 'title', 'desc', 'filename', 'notes', 'notes-file', 'label', 'assignee', 'milestone', 'project', 'jq', 'template', 'target', 'discussion-category', 'env-file', 'env', 'org', 'base', 'head', 'reviewer'], false);
    let stdinUse = false;
    const file = (f: string): void => {
      if (f === '-') stdinUse = true;
      else this.upload(f);
    };
    let label: string | null = null;
    if (area === 'api') {
      label = 'gh api';
      for (const v of optVals(p.opts, '-F', '--field')) {
        const m = /^[^=]*=@(.+)$/.exec(v.text);
        if (m) file(m[1]!);
      }
      for (const v of optVals(p.opts, '--input')) file(v.text);
    } else if (area === 'gist' && (action === 'create' || action === 'edit' || action === 'new')) {
      label = `gh gist ${action}`;
      for (const w of p.pos) file(w.text);
      if (!p.pos.length && action !== 'edit') stdinUse = true;
    } else if (area === 'release' && (action === 'upload' || action === 'create')) {
      label = `gh release ${action}`;
      for (const w of p.pos.slice(1)) file(w.text.replace(/#.*$/, ''));
      for (const v of optVals(p.opts, '-F', '--notes-file')) file(v.text);
    } else if ((area === 'issue' || area === 'pr') && ['create', 'comment', 'edit', 'review'].includes(action)) {
      label = `gh ${area} ${action}`;
      for (const v of optVals(p.opts, '-F', '--body-file')) file(v.text);
    } else if ((area === 'secret' || area === 'variable') && action === 'set') {
      label = `gh ${area} set`;
      for (const v of optVals(p.opts, '-f', '--env-file')) file(v.text);
      if (!hasOpt(p.opts, '-b', '--body', '-f', '--env-file')) stdinUse = true;
    }
    if (!label) return NONE;
    this.hostName('github.com');
    this.egress(label);
    return { egress: true, stdin: stdinUse };
  }

  private openssl(args: Word[]): CmdResult {
    const sub = args[1]?.text ?? '';
    const a = args.slice(2);
    let egress = false;
    const dgst = /^(dgst|md5|sha1|sha224|sha256|sha384|sha512|base64|enc)$/.test(sub);
    const argOpts = new Set(['-sign', '-verify', '-prverify', '-signature', '-hmac', '-mac', '-macopt', '-keyform', '-passin', '-passout', '-pass', '-sigopt', '-engine', '-K', '-iv', '-S', '-md', '-k', '-iter', '-servername', '-cipher', '-ciphersuites', '-alpn', '-starttls', '-proxy', '-name']);
    const pos: Word[] = [];
    for (let i = 0; i < a.length; i++) {
      const t = a[i]!.text;
      const v = a[i + 1];
      if (['-in', '-inkey', '-key', '-kfile', '-CAfile', '-cert', '-config', '-signkey', '-certfile', '-sess_in'].includes(t)) {
        this.read(v?.text);
        i++;
      } else if (['-out', '-keyout', '-sess_out'].includes(t)) {
        this.write(v?.text);
        i++;
      } else if (t === '-connect' && sub === 's_client') {
        this.hostOf(v);
        egress = true;
        i++;
      } else if (argOpts.has(t)) i++;
      else if (!t.startsWith('-')) pos.push(a[i]!);
    }
    if (sub === 's_client') {
      if (!egress && pos[0]) {
        this.hostOf(pos[0]);
        egress = true;
      }
      if (!egress) {
        this.hostName('localhost');
        egress = true;
      }
      this.egress('openssl s_client');
      return EG_STDIN;
    }
    if (dgst) for (const w of pos) this.read(w.text);
    return NONE;
  }

  private awk(name: string, args: Word[], depth: number): CmdResult {
    let prog: string | null = null;
    let progGiven = false;
    let endOpts = false;
    const files: string[] = [];
    for (let i = 1; i < args.length; i++) {
      const t = args[i]!.text;
      if (!endOpts && t === '--') {
        endOpts = true;
        continue;
      }
      if (!endOpts && t.startsWith('-') && t.length > 1) {
        if (t === '-f' || t === '--file') {
          this.read(args[++i]?.text);
          progGiven = true;
        } else if (t.startsWith('-f') && !t.startsWith('--')) {
          this.read(t.slice(2));
          progGiven = true;
        } else if (t === '-e' || t === '--source') {
          prog = (prog ?? '') + '\n' + (args[++i]?.text ?? '');
          progGiven = true;
        } else if (['-v', '-F', '--assign', '--field-separator', '-i', '--include', '-l', '--load'].includes(t)) i++;
        continue;
      }
      if (!progGiven && prog === null) {
        prog = t;
        continue;
      }
      if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(t)) continue;
      files.push(t);
    }
    if (prog !== null) {
      for (const m of prog.matchAll(/getline\s*(?:[A-Za-z_]\w*\s*)?<\s*"([^"\n]{1,500})"/g)) files.push(m[1]!);
    }
    for (const f of files) this.read(f);
    let egress = false;
    if (prog !== null) {
      const m = /\/inet[46]?\/(?:tcp|udp)\/\d+\/([^/"'\s]+)\//.exec(prog);
      if (m || /\/inet[46]?\/(?:tcp|udp)\//.test(prog)) {
        if (m) this.hostName(normHost(m[1]!));
        this.egress(`${name} /inet`);
        egress = true;
      }
      if (/\bsystem\s*\(|\|\s*"|"\s*\|\s*getline|\|&/.test(prog) && this.shellLiterals(prog, depth)) egress = true;
    }
    if (!egress) return NONE;
    this.upload(files);
    return EG_STDIN;
  }

  private tar(args: Word[]): CmdResult {
    let a = args.slice(1);
    let mode = '';
    let archive: Word | null = null;
    const lists: string[] = [];
    const argLetters = 'fbCTXgLNVKHI';
    if (a[0] && /^[A-Za-z]+$/.test(a[0].text)) {
      const letters = a[0].text;
      let j = 1;
      for (const ch of letters) {
        if (!mode && 'crutxdA'.includes(ch)) mode = ch;
        if (argLetters.includes(ch)) {
          const v = a[j++];
          if (ch === 'f' && v) archive = v;
          if (ch === 'T' && v) lists.push(v.text);
          if (ch === 'X' && v) this.read(v.text);
        }
      }
      a = a.slice(j);
    }
    const p = parseOpts(a, argLetters, ['file', 'directory', 'files-from', 'exclude-from', 'listed-incremental', 'tape-length', 'newer', 'label', 'starting-file', 'format', 'use-compress-program', 'blocking-factor', 'exclude', 'transform', 'xform', 'owner', 'group', 'mode', 'mtime', 'to-command', 'info-script', 'new-volume-script', 'index-file', 'checkpoint-action', 'rsh-command', 'volno-file', 'sort', 'suffix', 'record-size', 'after-date', 'newer-mtime'], false);
    const modes: Record<string, string> = {
      '-c': 'c', '--create': 'c', '-r': 'r', '--append': 'r', '-u': 'u', '--update': 'u', '-x': 'x', '--extract': 'x',
      '--get': 'x', '-t': 't', '--list': 't', '-d': 'd', '--diff': 'd', '--compare': 'd', '-A': 'A', '--catenate': 'A', '--concatenate': 'A',
    };
    for (const o of p.opts) {
      if (!mode && modes[o.name]) mode = modes[o.name]!;
      if ((o.name === '-f' || o.name === '--file') && o.value) archive = o.value;
      if ((o.name === '-T' || o.name === '--files-from') && o.value) lists.push(o.value.text);
      if ((o.name === '-X' || o.name === '--exclude-from') && o.value) this.read(o.value.text);
    }
    for (const l of lists) this.read(l);
    const create = mode !== '' && 'cruA'.includes(mode);
    const remote = archive && !hasOpt(p.opts, '--force-local') ? remoteSpec(archive) : null;
    if (create) {
      for (const w of p.pos) (remote ? this.upload(w.text) : this.read(w.text));
      if (archive && !remote) this.write(archive.text);
    } else if (archive && !remote) this.read(archive.text);
    if (!remote) return NONE;
    this.hostName(remote.host);
    this.egress('tar');
    return EG;
  }

  private zip(args: Word[]): void {
    const a = args.slice(1);
    let archive: Word | null = null;
    let inList = false;
    for (let i = 0; i < a.length; i++) {
      const t = a[i]!.text;
      if (t === '-x' || t === '-i' || t === '--exclude' || t === '--include') {
        inList = true;
        continue;
      }
      if (t.startsWith('-') && t.length > 1) {
        inList = false;
        if (['-b', '-n', '-t', '-tt', '-P', '-O', '-Z', '-s', '-sp', '--password', '--out', '--temp-path', '--suffixes', '--split-size', '--compression-method'].includes(t)) i++;
        continue;
      }
      if (inList) continue;
      if (!archive) {
        archive = a[i]!;
        this.write(t);
      } else this.read(t);
    }
  }

  private copyLocal(name: string, args: Word[]): void {
    const p = parseOpts(args.slice(1), name === 'install' ? 'gmoSt' : 'St', ['target-directory', 'suffix', 'owner', 'group', 'mode'], false);
    if (name === 'install' && hasOpt(p.opts, '-d', '--directory')) return;
    let target = optVals(p.opts, '-t', '--target-directory')[0] ?? null;
    let srcs = p.pos;
    if (!target && p.pos.length >= 2) {
      target = p.pos[p.pos.length - 1]!;
      srcs = p.pos.slice(0, -1);
    }
    if (name !== 'ln') for (const s of srcs) this.read(s.text);
    if (target) this.write(target.text);
  }

  private sed(args: Word[]): void {
    const p = parseOpts(args.slice(1), 'efl', ['expression', 'file', 'line-length'], false, 'i');
    for (const v of optVals(p.opts, '-f', '--file')) this.read(v.text);
    const inplace = p.opts.some((o) => o.name === '-i' || o.name.startsWith('--in-place'));
    let pos = p.pos;
    if (inplace && pos[0]?.text === '' && pos[0].quoted) pos = pos.slice(1);
    if (!hasOpt(p.opts, '-e', '--expression', '-f', '--file')) pos = pos.slice(1);
    for (const w of pos) {
      this.read(w.text);
      if (inplace) this.write(w.text);
    }
  }

  private jq(args: Word[]): void {
    let filterGiven = false;
    let argsMode = false;
    for (let i = 1; i < args.length; i++) {
      const t = args[i]!.text;
      if (t === '--arg' || t === '--argjson') {
        i += 2;
        continue;
      }
      if (t === '--slurpfile' || t === '--rawfile') {
        this.read(args[i + 2]?.text);
        i += 2;
        continue;
      }
      if (t === '-f' || t === '--from-file') {
        this.read(args[++i]?.text);
        filterGiven = true;
        continue;
      }
      if (t === '--args' || t === '--jsonargs') {
        argsMode = true;
        continue;
      }
      if (t === '-L' || t === '--indent') {
        i++;
        continue;
      }
      if (t.startsWith('-') && t.length > 1) continue;
      if (!filterGiven) {
        filterGiven = true;
        continue;
      }
      if (!argsMode) this.read(t);
    }
  }

  private yq(args: Word[]): void {
    const p = parseOpts(args.slice(1), 'opIfs', ['output-format', 'input-format', 'indent', 'from-file', 'split-exp', 'expression'], false);
    for (const v of optVals(p.opts, '--from-file')) this.read(v.text);
    let pos = p.pos;
    if (pos[0] && /^(e|eval|ea|eval-all)$/.test(pos[0].text)) pos = pos.slice(1);
    if (!hasOpt(p.opts, '--from-file', '--expression')) pos = pos.slice(1);
    const inplace = hasOpt(p.opts, '-i', '--inplace');
    for (const w of pos) {
      this.read(w.text);
      if (inplace) this.write(w.text);
    }
  }
}

/** `--data-urlencode` forms: `@file`, `name@file` */
function urlencodeFile(v: string): string | null {
  if (v.startsWith('@')) return v.slice(1);
  const at = v.indexOf('@');
  const eq = v.indexOf('=');
  if (at > 0 && (eq < 0 || at < eq)) return v.slice(at + 1);
  return null;
}

/** `-F name=@file;type=..`, `-F name=<file` */
function formFile(v: string): string | null {
  const eq = v.indexOf('=');
  if (eq < 0) return null;
  let rest = v.slice(eq + 1);
  if (rest[0] !== '@' && rest[0] !== '<') return null;
  rest = rest.slice(1);
  if (rest.startsWith('"')) {
    const e = rest.indexOf('"', 1);
    return rest.slice(1, e > 0 ? e : undefined);
  }
  const semi = rest.indexOf(';');
  return semi >= 0 ? rest.slice(0, semi) : rest;
}

/** HTTPie request items that read a file: `field@path`, `field=@path`, `field:=@path`. */
function httpieFile(item: string): string | null {
  for (let i = 0; i < item.length; i++) {
    const c = item[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '@') return item.slice(i + 1).replace(/;type=.*$/, '') || null;
    if (c === '=' || c === ':') {
      const r = item.slice(i);
      const m = /^(?:=@|:=@)(.+)$/.exec(r);
      return m ? m[1]! : null;
    }
  }
  return null;
}

// ───────────────────────────── public API ─────────────────────────────

export function analyzeBash(command: string): BashAnalysis {
  const acc = newAcc();
  let original = '';
  try {
    original = typeof command === 'string' ? command : String(command ?? '');
    let input = original;
    if (input.length > MAX_INPUT) {
      acc.errors.push(`input truncated to ${MAX_INPUT} characters`);
      input = input.slice(0, MAX_INPUT);
    }
    new Analyzer(acc).analyzeSource(input, 0, NO_STDIN);
  } catch (e) {
    acc.errors.push('internal error: ' + (e instanceof Error ? e.message : String(e)));
  }
  try {
    if (acc.errors.length) new Analyzer(acc).fallback(original);
  } catch {
    // ignore
  }
  const res: BashAnalysis = {
    egress: acc.egressCount > 0,
    egressCommands: uniq(acc.cmds),
    hosts: uniq(acc.hosts),
    urls: uniq(acc.urls),
    readPaths: uniq(acc.reads),
    uploadPaths: uniq(acc.uploads),
    writePaths: uniq(acc.writes),
    segments: acc.segments,
  };
  if (acc.errors.length) res.parseError = uniq(acc.errors).join('; ');
  return res;
}
