/**
 * Parser: tokens to lists, pipelines, compound commands (subshells, groups, if, loops, case,
 * functions, [[ ]]) and simple commands with their redirections. Never throws.
 */
import type { Node, Redir, RedirTok, Tok, Word } from './ast.ts';
import { type Diagnostics, hitLimit, MAX_CASE_ARMS, MAX_PARSE_NEST } from './limits.ts';

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

/** Reserved words (and `(`) that open a compound command. */
const COMPOUND_START = new Set(['{', 'if', 'while', 'until', 'for', 'select', 'case', '[[', 'function']);

function startsCompound(t: Tok | undefined): boolean {
  return !!t && (isOp(t, '(') || (t.t === 'w' && !t.w.quoted && COMPOUND_START.has(t.w.text)));
}

export const ASSIGN_RE = /^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=/;

export function isAssignment(w: Word): boolean {
  return ASSIGN_RE.test(w.raw);
}

export class Parser {
  private i = 0;
  private nest = 0;

  constructor(
    private readonly toks: Tok[],
    private readonly diag: Diagnostics,
  ) {}

  program(): Node {
    const items: Node[] = [];
    while (this.i < this.toks.length) {
      const before = this.i;
      items.push(this.list(() => false));
      const t = this.toks[this.i];
      if (t) {
        this.diag.errors.push(`unexpected '${t.t === 'w' ? t.w.text : t.v === '\n' ? '\\n' : t.v}'`);
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
    else this.diag.errors.push(`expected '${word}'`);
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
        // `a | time -p b`: Bash reads time as the keyword there too
        if (isKw(this.toks[this.i], 'time')) {
          this.i++;
          if (isKw(this.toks[this.i], '-p')) this.i++;
        }
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
      this.diag.errors.push('commands nested too deeply');
      hitLimit(this.diag, 'command_nesting');
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
      else this.diag.errors.push('unterminated subshell');
      return this.compound([body]);
    }
    if (t.t === 'w' && t.w.arith) {
      this.i++;
      return { k: 'simple', words: [], redirs: this.redirs(), extra: [t.w] };
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
              // `for (( i = $(cmd); ..))`: the substitutions in the header run
              if (x.t === 'w') words.push(x.w);
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
          for (let guard = 0; guard < MAX_CASE_ARMS; guard++) {
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
              this.diag.errors.push('malformed case pattern');
              break;
            }
            parts.push(this.list((x) => isKw(x, 'esac') || isOp(x, ';;') || isOp(x, ';&') || isOp(x, ';;&')));
            const t3 = this.toks[this.i];
            if (t3 && t3.t === 'op' && (t3.v === ';;' || t3.v === ';&' || t3.v === ';;&')) this.i++;
            else if (!isKw(t3, 'esac')) break;
          }
          this.expect('esac');
          return this.compound(parts, extra);
        }
        case 'coproc': {
          // `coproc [NAME] command`: NAME only before a compound command; the command runs with
          // pipes to the shell (NAME[0] its stdout, NAME[1] its stdin)
          this.i++;
          let name = 'COPROC';
          const n1 = this.toks[this.i];
          if (n1?.t === 'w' && !n1.w.quoted && !COMPOUND_START.has(n1.w.text) && startsCompound(this.toks[this.i + 1])) {
            name = n1.w.text;
            this.i++;
          }
          if (!this.toks[this.i]) return { k: 'simple', words: [], redirs: [], extra: [] };
          return { k: 'group', body: [this.command(stop)], redirs: [], extra: [], forVar: null, coproc: name };
        }
        case 'function': {
          this.i++;
          this.diag.functions = (this.diag.functions ?? 0) + 1;
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
          else this.diag.errors.push("unterminated '[['");
          return { k: 'simple', words: [], redirs: this.redirs(), extra };
        }
        default:
          break;
      }
      if (/^[A-Za-z_][\w.:-]*$/.test(t.w.text) && isOp(this.toks[this.i + 1], '(') && isOp(this.toks[this.i + 2], ')')) {
        // function definition: name () body
        this.i += 3;
        this.diag.functions = (this.diag.functions ?? 0) + 1;
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
        if (t.w.text.endsWith('=') && isAssignment(t.w) && words.every(isAssignment) && isOp(this.toks[this.i + 1], '(')) {
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

  private redirTarget(t: RedirTok): Redir {
    if (t.hd) return { op: t.v, fd: t.fd, target: null, hd: t.hd };
    const n = this.toks[this.i];
    if (n && n.t === 'w') {
      this.i++;
      return { op: t.v, fd: t.fd, target: n.w, hd: null };
    }
    if (t.v !== '<<' && t.v !== '<<-') this.diag.errors.push('missing redirection target');
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
