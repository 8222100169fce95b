/**
 * A hand-written Bash lexer: quotes, escapes, $'..', expansions, command and process
 * substitutions, heredocs, redirections and operators. Never throws; problems go to `errors`.
 */
import { type Heredoc, newWord, PH, type RedirTok, type Sub, type Tok, type Word } from './ast.ts';
import { type Diagnostics, hitLimit, MAX_FD_DIGITS, MAX_LEX_NEST, MAX_PARAM_NEST, MAX_TOKENS, PARAM_NAME_WINDOW } from './limits.ts';

/** Every UTF-16 code unit. */
const UTF16_UNITS = 0x10000;

/** Chars with no meaning to the lexer outside quotes (WORD_PLAIN) and inside double quotes (DQ_PLAIN). */
const WORD_PLAIN = new Uint8Array(UTF16_UNITS).fill(1);
for (const c of ' \t\n\r;&|()<>\\\'"$`') WORD_PLAIN[c.charCodeAt(0)] = 0;
const DQ_PLAIN = new Uint8Array(UTF16_UNITS).fill(1);
for (const c of '"\\$`') DQ_PLAIN[c.charCodeAt(0)] = 0;

/** End of the run of chars of s from i on that `plain` marks (i itself is taken as part of it). */
function plainRun(s: string, i: number, plain: Uint8Array): number {
  let j = i + 1;
  while (j < s.length && plain[s.charCodeAt(j)] === 1) j++;
  return j;
}

/** Note the unquoted `{`, `,` and `}` of a plain chunk about to be added to w (for brace expansion). */
function markBraces(w: Word, chunk: string): void {
  for (let k = 0; k < chunk.length; k++) {
    const c = chunk[k];
    if (c === '{' || c === ',' || c === '}') (w.braces ??= []).push({ t: w.text.length + k, s: w.shape.length + k, c });
  }
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

/** `{name}` before a redirection operator (a named file descriptor, Bash 4.1) */
const NAMED_FD_RE = /^\{[A-Za-z_][A-Za-z0-9_]*\}(?=[<>])/;
/** characters looked at for a `{name}` file descriptor */
const NAMED_FD_WINDOW = 130;

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

export class Lexer {
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
    private readonly diag: Diagnostics,
  ) {
    this.pos = start;
  }

  private err(m: string): void {
    this.diag.errors.push(m);
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
        hitLimit(this.diag, 'tokens');
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
      if (c === '(' && n === '(' && this.atCommandStart()) {
        // `(( expr ))`: an arithmetic command, one word whose substitutions run
        const w = newWord();
        const start = this.pos;
        if (this.readArith(w, start)) {
          w.raw = this.s.slice(start, this.pos);
          w.arith = true;
          this.toks.push({ t: 'w', w });
          continue;
        }
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
        while (j < s.length && j - this.pos < MAX_FD_DIGITS && s[j]! >= '0' && s[j]! <= '9') j++;
        const d = s[j];
        if ((d === '<' || d === '>') && s[j + 1] !== '(') {
          const fd = s.slice(this.pos, j);
          this.pos = j;
          this.redir(fd);
          continue;
        }
      }
      if (c === '{') {
        // `{name}>file`: the shell picks a descriptor and puts its number in $name
        const m = NAMED_FD_RE.exec(s.slice(this.pos, this.pos + NAMED_FD_WINDOW));
        if (m && s[this.pos + m[0].length + 1] !== '(') {
          this.pos += m[0].length;
          this.redir(m[0]);
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

  /** The next token starts a command: nothing before it, an operator, or a keyword like `then`. */
  private atCommandStart(): boolean {
    const prev = this.toks[this.toks.length - 1];
    return !prev || (prev.t === 'op' && prev.v !== ')') || (prev.t === 'w' && !prev.w.quoted && CMD_KEYWORDS.has(prev.w.text));
  }

  private pushWord(w: Word): void {
    if (!w.quoted && (w.text === 'case' || w.text === 'esac')) {
      const prev = this.toks[this.toks.length - 1];
      const atStart = !prev || prev.t === 'op' || (prev.t === 'w' && !prev.w.quoted && CMD_KEYWORDS.has(prev.w.text));
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
    const tok: RedirTok = { t: 'r', v: op, fd, hd: null };
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
        const lx = new Lexer(hd.body, 0, this.nest + 1, false, this.diag);
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
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === ';' || c === '&' || c === '|' || c === '(' || c === ')') break;
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
      const chunk = j === this.pos + 1 ? c : s.slice(this.pos, j);
      if (w.braces || chunk.includes('{')) markBraces(w, chunk);
      add(w, chunk);
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
      if (s[p + 2] === '(' && this.readArith(w)) return;
      this.readSubst('cmd', p + 2, w, '$(');
      return;
    }
    if (n === '{') {
      this.readParam(w);
      return;
    }
    if (n === '[') {
      this.readArithBracket(w);
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

  /**
   * `$(( .. ))`: the expression is not code, but substitutions and parameters inside it are
   * expanded first (`$(( $(curl ..) ))` runs curl), so they are read like those of a word.
   */
  private readArith(w: Word, first = this.pos + 1): boolean {
    const s = this.s;
    const p = this.pos;
    const inner = newWord();
    let depth = 0;
    let i = first;
    // where the depth last fell from 2 to 1: an arithmetic `((` closes with `))` written together
    let closeTwo = -1;
    while (i < s.length) {
      const ch = s[i];
      if (ch === '\\') {
        i += 2;
        continue;
      }
      if (ch === '$' || ch === '`' || ch === '"') {
        this.pos = ch === '"' ? i + 1 : i;
        if (ch === '$') this.readDollar(inner);
        else if (ch === '`') this.readBacktick(inner);
        else this.readDq('"', inner);
        i = this.pos;
        continue;
      }
      if (ch === '(') depth++;
      else if (ch === ')') {
        depth--;
        if (depth === 1) closeTwo = i;
        if (depth === 0) break;
      }
      i++;
    }
    if (i < s.length && closeTwo !== i - 1) {
      // `((cmd) )`, `$((cmd) )`: a subshell in a subshell (or substitution), not arithmetic
      this.pos = p;
      return false;
    }
    if (i >= s.length) {
      this.err('unterminated arithmetic expansion');
      i = s.length - 1;
    }
    w.subs.push(...inner.subs);
    w.vars.push(...inner.vars);
    dyn(w, s.slice(p, i + 1));
    this.pos = i + 1;
    return true;
  }

  /** `$[ .. ]`, the old form of `$(( .. ))`: its substitutions run. */
  private readArithBracket(w: Word): void {
    const s = this.s;
    const p = this.pos;
    const inner = newWord();
    let depth = 0;
    let i = p + 1;
    while (i < s.length) {
      const ch = s[i];
      if (ch === '\\') {
        i += 2;
        continue;
      }
      if (ch === '$' || ch === '`') {
        this.pos = i;
        if (ch === '$') this.readDollar(inner);
        else this.readBacktick(inner);
        i = this.pos;
        continue;
      }
      if (ch === '[') depth++;
      else if (ch === ']') {
        depth--;
        if (depth === 0) break;
      }
      i++;
    }
    if (i >= s.length) {
      this.err('unterminated $[ expansion');
      i = s.length - 1;
    }
    w.subs.push(...inner.subs);
    w.vars.push(...inner.vars);
    dyn(w, s.slice(p, i + 1));
    this.pos = i + 1;
  }

  private readSubst(kind: Sub['kind'], innerStart: number, w: Word, open: string): void {
    const s = this.s;
    let end: number;
    let toks: Tok[] | null = null;
    if (this.nest >= MAX_LEX_NEST) {
      this.err('substitutions nested too deeply');
      hitLimit(this.diag, 'substitution_nesting');
      end = crudeClose(s, innerStart);
    } else {
      const lx = new Lexer(s, innerStart, this.nest + 1, true, this.diag);
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
    const m = /^[!#]?([A-Za-z_][A-Za-z0-9_]*)/.exec(s.slice(p + 2, p + 2 + PARAM_NAME_WINDOW));
    if (m) w.vars.push(m[1]!);
    if (++this.paramNest > MAX_PARAM_NEST) {
      this.err('parameter expansions nested too deeply');
      hitLimit(this.diag, 'parameter_nesting');
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
          case 'n':
            out += '\n';
            break;
          case 't':
            out += '\t';
            break;
          case 'r':
            out += '\r';
            break;
          case 'a':
            out += '\x07';
            break;
          case 'b':
            out += '\b';
            break;
          case 'f':
            out += '\f';
            break;
          case 'v':
            out += '\v';
            break;
          case 'e':
          case 'E':
            out += '\x1b';
            break;
          case '\\':
          case "'":
          case '"':
          case '?':
            out += n;
            break;
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
