/**
 * What interpreter code (python -c, node -e, perl -e, ruby -e, a heredoc fed to one) writes: the
 * files it opens for writing, moves, copies onto, removes or links, and the shell text it runs. Pure:
 * a small tokenizer per language (strings, comments, identifiers, brackets) and a table of the calls
 * that change files. A target is a path only when it is written as a literal string (or literals
 * joined); anything computed (a variable, `Path.home() / …`, an f-string) is `null`, and the caller
 * decides what an unknown target means. Code that hides what it calls (eval/exec of a string,
 * getattr with a computed or write-like name, base64 decoded and run) is reported as opaque.
 *
 * This is not a parser: it reads calls as `name(args)` (and, for perl and ruby, `name args;`). When
 * the tokenizer cannot read the code to its end (an unterminated string, a construct it does not know),
 * `failed` says why and the caller falls back to what the text mentions.
 */

export type CodeLang = 'python' | 'node' | 'perl' | 'ruby';

export interface CodeTarget {
  /** what the code does to it: open(w), rename, unlink … */
  op: string;
  /** the literal path, or null when the path is computed */
  path: string | null;
}

export interface CodeEffects {
  writes: CodeTarget[];
  /** shell text the code runs (os.system, subprocess, exec, backticks); null when computed */
  shells: Array<string | null>;
  /** why what the code calls cannot be read from it */
  opaque: string[];
  /** every literal string of the code, joined literals folded (for what the code names) */
  literals: string[];
  /** the code changes its working directory (relative targets are then unknown) */
  chdir: boolean;
  /** the tokenizer could not read the code */
  failed?: string;
}

/** Which family an interpreter name belongs to, for the languages read here. */
export function codeLang(family: string): CodeLang | null {
  if (family === 'python') return 'python';
  if (family === 'node' || family === 'bun' || family === 'deno') return 'node';
  if (family === 'perl') return 'perl';
  if (family === 'ruby') return 'ruby';
  return null;
}

/** Bound on the code read (longer code is not read: failed). */
const MAX_CODE = 256 * 1024;
/** Bound on tokens (one per word or bracket). */
const MAX_TOKENS = 100_000;

interface Tok {
  k: 'str' | 'id' | 'p' | 'num' | 'shell';
  v: string;
  /** a string with nothing interpolated (a literal) */
  lit?: boolean;
  /** the token starts a new line (perl/ruby calls without parentheses end at a newline) */
  nl?: boolean;
}

class TokError extends Error {}

const ID_START = /[A-Za-z_$]/;
const ID_CHAR = /[A-Za-z0-9_$]/;

function unescapeString(s: string): string {
  return s.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)/gs, (_m, e: string) => {
    if (e.length > 1) return String.fromCharCode(parseInt(e.slice(1), 16));
    return e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e === '0' ? '\0' : e;
  });
}

/** The closing bracket of perl's q(…) / ruby's %q(…) delimiters. */
const CLOSE: Record<string, string> = { '(': ')', '[': ']', '{': '}', '<': '>' };

function tokenize(lang: CodeLang, src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  let nl = true;
  const n = src.length;
  const push = (t: Tok): void => {
    if (nl) t.nl = true;
    nl = false;
    toks.push(t);
    if (toks.length > MAX_TOKENS) throw new TokError(`more than ${MAX_TOKENS} tokens`);
  };
  /** a delimited body from i (just after the opening delimiter), with nesting for brackets */
  const delimited = (open: string): string => {
    const close = CLOSE[open] ?? open;
    let depth = 1;
    let out = '';
    while (i < n) {
      const c = src[i]!;
      if (c === '\\' && i + 1 < n) {
        out += c + src[i + 1];
        i += 2;
        continue;
      }
      if (c === close && close !== open) depth--;
      else if (c === open && close !== open) depth++;
      else if (c === close) depth = 0;
      if (depth === 0) {
        i++;
        return out;
      }
      out += c;
      i++;
    }
    throw new TokError(`unterminated ${open}…${close}`);
  };
  const prevAllowsRegex = (): boolean => {
    const p = toks[toks.length - 1];
    if (!p) return true;
    if (p.k === 'p') return !/^[)\]}]$/.test(p.v);
    if (p.k === 'id') return /^(return|typeof|case|do|else|in|of|new|delete|void|throw|and|or|not|if|unless|while|until|split|grep|map|join|when)$/.test(p.v);
    return false;
  };
  while (i < n) {
    const c = src[i]!;
    if (c === '\n') {
      nl = true;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\\') {
      i++;
      continue;
    }
    // comments
    if ((c === '#' && lang !== 'node') || (lang === 'node' && c === '/' && src[i + 1] === '/')) {
      // ruby's "#{…}" only occurs inside strings; perl's $#array is a variable
      if (lang === 'perl' && src[i - 1] === '$') {
        i++;
        continue;
      }
      while (i < n && src[i] !== '\n') i++;
      continue;
    }
    if (lang === 'node' && c === '/' && src[i + 1] === '*') {
      const e = src.indexOf('*/', i + 2);
      if (e < 0) throw new TokError('unterminated comment');
      i = e + 2;
      continue;
    }
    if (lang === 'ruby' && nl && src.startsWith('=begin', i)) {
      const e = src.indexOf('\n=end', i);
      if (e < 0) throw new TokError('unterminated =begin');
      i = e + 5;
      continue;
    }
    // python string prefixes (r, b, f, u and pairs)
    if (lang === 'python' && /[rRbBuUfF]/.test(c)) {
      const m = /^([rRbBuUfF]{1,2})(['"])/.exec(src.slice(i, i + 3));
      if (m && !(i > 0 && ID_CHAR.test(src[i - 1]!))) {
        i += m[1]!.length;
        pythonString(m[1]!.toLowerCase());
        continue;
      }
    }
    if (c === '"' || c === "'") {
      if (lang === 'python') pythonString('');
      else {
        i++;
        const body = delimited(c);
        const interp = c === '"' && ((lang === 'perl' && /[$@][\w{:]/.test(body)) || (lang === 'ruby' && body.includes('#{')));
        push({ k: 'str', v: c === "'" && lang !== 'node' ? body.replace(/\\(['\\])/g, '$1') : unescapeString(body), lit: !interp });
      }
      continue;
    }
    if (c === '`') {
      i++;
      const body = delimited('`');
      if (lang === 'node') push({ k: 'str', v: unescapeString(body), lit: !body.includes('${') });
      else push({ k: 'shell', v: body, lit: !(lang === 'perl' ? /[$@][\w{]/.test(body) : body.includes('#{')) });
      continue;
    }
    // perl q qq qw qx m s tr y; ruby %q %Q %w %W %i %x %r
    if (lang === 'perl' && /[qmsty]/.test(c) && !(i > 0 && (ID_CHAR.test(src[i - 1]!) || src[i - 1] === '$' || src[i - 1] === '@' || src[i - 1] === '%'))) {
      const m = /^(qq|qw|qx|qr|q|m|s|tr|y)\s*([^\w\s,;=)])/.exec(src.slice(i, i + 4));
      if (m && !(m[1] === 's' || m[1] === 'y' || m[1] === 'm' || m[1] === 'tr' ? false : m[2] === '=' || m[2] === '>')) {
        const kind = m[1]!;
        i += m[0].length;
        const body = delimited(m[2]!);
        if (kind === 's' || kind === 'tr' || kind === 'y') {
          // the replacement part: bracketed delimiters open again
          while (i < n && /\s/.test(src[i]!)) i++;
          if (CLOSE[m[2]!]) {
            const o = src[i]!;
            i++;
            delimited(o);
          } else delimited(m[2]!);
          while (i < n && /[a-z]/.test(src[i]!)) i++;
          push({ k: 'p', v: 'regex' });
          continue;
        }
        if (kind === 'm' || kind === 'qr') {
          while (i < n && /[a-z]/.test(src[i]!)) i++;
          push({ k: 'p', v: 'regex' });
          continue;
        }
        if (kind === 'qx') push({ k: 'shell', v: body, lit: !/[$@][\w{]/.test(body) });
        else if (kind === 'qw') push({ k: 'p', v: 'list' });
        else push({ k: 'str', v: body, lit: kind === 'q' || !/[$@][\w{]/.test(body) });
        continue;
      }
    }
    if (lang === 'ruby' && c === '%') {
      const m = /^%([qQwWiIxr]?)([^\w\s=])/.exec(src.slice(i, i + 3));
      if (m && prevAllowsRegex()) {
        i += m[0].length;
        const body = delimited(m[2]!);
        const kind = m[1]!;
        if (kind === 'x') push({ k: 'shell', v: body, lit: !body.includes('#{') });
        else if (kind === 'r') push({ k: 'p', v: 'regex' });
        else if (kind === 'w' || kind === 'W' || kind === 'i' || kind === 'I') push({ k: 'p', v: 'list' });
        else push({ k: 'str', v: body, lit: kind === 'q' || !body.includes('#{') });
        continue;
      }
    }
    // regex literals: /…/ where an operand is expected
    if (c === '/' && lang !== 'python' && prevAllowsRegex()) {
      i++;
      let inClass = false;
      while (i < n) {
        const d = src[i]!;
        if (d === '\\') i += 2;
        else if (d === '[') (inClass = true), i++;
        else if (d === ']') (inClass = false), i++;
        else if (d === '/' && !inClass) break;
        else if (d === '\n') throw new TokError('unterminated regular expression');
        else i++;
      }
      if (i >= n) throw new TokError('unterminated regular expression');
      i++;
      while (i < n && /[a-z]/.test(src[i]!)) i++;
      push({ k: 'p', v: 'regex' });
      continue;
    }
    if (lang === 'perl' && src.startsWith('<<', i) && /^<<~?\s*(['"]?)[A-Z_]+\1/.test(src.slice(i, i + 40))) {
      throw new TokError('perl heredoc');
    }
    if (ID_START.test(c) || ((lang === 'perl' || lang === 'ruby') && (c === '@' || c === '%') && ID_START.test(src[i + 1] ?? ''))) {
      let j = i + 1;
      while (j < n && ID_CHAR.test(src[j]!)) j++;
      // ruby method names may end in ! or ?
      if (lang === 'ruby' && (src[j] === '!' || src[j] === '?') && src[j + 1] !== '=') j++;
      push({ k: 'id', v: src.slice(i, j) });
      i = j;
      continue;
    }
    if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < n && /[0-9a-fA-FxXoObB_.]/.test(src[j]!)) j++;
      push({ k: 'num', v: src.slice(i, j) });
      i = j;
      continue;
    }
    if (lang === 'perl' && c === ':' && src[i + 1] === ':') {
      push({ k: 'p', v: '.' });
      i += 2;
      continue;
    }
    if ((lang === 'perl' && c === '-' && src[i + 1] === '>') || (lang === 'ruby' && c === ':' && src[i + 1] === ':')) {
      push({ k: 'p', v: '.' });
      i += 2;
      continue;
    }
    if (c === '=' && src[i + 1] === '>') {
      push({ k: 'p', v: ',' });
      i += 2;
      continue;
    }
    push({ k: 'p', v: c });
    i++;
  }
  return toks;

  function pythonString(prefix: string): void {
    const raw = prefix.includes('r');
    const f = prefix.includes('f');
    const q = src[i]!;
    const triple = src.startsWith(q + q + q, i);
    const close = triple ? q + q + q : q;
    i += close.length;
    let out = '';
    while (i < n) {
      if (src.startsWith(close, i)) {
        i += close.length;
        const interp = f && /\{(?!\{)/.test(out.replace(/\{\{/g, ''));
        push({ k: 'str', v: raw ? out : unescapeString(out), lit: !interp });
        return;
      }
      const d = src[i]!;
      if (d === '\\' && i + 1 < n) {
        out += d + src[i + 1];
        i += 2;
        continue;
      }
      if (d === '\n' && !triple) throw new TokError('unterminated string');
      out += d;
      i++;
    }
    throw new TokError('unterminated string');
  }
}

/** Token visits of argument lists and receivers per code (nested calls make them overlap): over it, the code is not read. */
const MAX_WORK = 2_000_000;
let work = 0;
function spend(n: number): void {
  work += n;
  if (work > MAX_WORK) throw new TokError('the code is too deeply nested to read');
}

/** The tokens of one argument list: `(` at `open` to its matching `)`; each argument's tokens, and the index after `)`. */
function argList(toks: Tok[], open: number): { args: Tok[][]; end: number } {
  const args: Tok[][] = [];
  let cur: Tok[] = [];
  let depth = 0;
  for (let i = open; i < toks.length; i++) {
    spend(1);
    const t = toks[i]!;
    if (t.k === 'p' && (t.v === '(' || t.v === '[' || t.v === '{')) {
      depth++;
      if (depth === 1) continue;
    } else if (t.k === 'p' && (t.v === ')' || t.v === ']' || t.v === '}')) {
      depth--;
      if (depth === 0) {
        if (cur.length) args.push(cur);
        return { args, end: i + 1 };
      }
    } else if (depth === 1 && t.k === 'p' && t.v === ',') {
      args.push(cur);
      cur = [];
      continue;
    }
    cur.push(t);
  }
  if (cur.length) args.push(cur);
  return { args, end: toks.length };
}

/** Arguments of a perl/ruby call written without parentheses: up to `;`, a newline, `}` or a keyword that ends it. */
function bareArgs(toks: Tok[], from: number): Tok[][] {
  const args: Tok[][] = [];
  let cur: Tok[] = [];
  let depth = 0;
  for (let i = from; i < toks.length; i++) {
    spend(1);
    const t = toks[i]!;
    if (i > from && t.nl && depth === 0) break;
    if (t.k === 'p' && (t.v === '(' || t.v === '[' || t.v === '{')) depth++;
    else if (t.k === 'p' && (t.v === ')' || t.v === ']' || t.v === '}')) {
      if (depth === 0) break;
      depth--;
    } else if (depth === 0 && t.k === 'p' && t.v === ';') break;
    else if (depth === 0 && t.k === 'id' && /^(or|and|if|unless|do|die)$/.test(t.v)) break;
    else if (depth === 0 && t.k === 'p' && t.v === ',') {
      args.push(cur);
      cur = [];
      continue;
    }
    cur.push(t);
  }
  if (cur.length) args.push(cur);
  return args;
}

/** Constructors that wrap a path without changing it: Path('x') is 'x'. */
const PATH_WRAPPERS =
  /^(Path|PurePath|PosixPath|pathlib\.Path|pathlib\.PurePath|pathlib\.PosixPath|Pathname|os\.path\.expanduser|os\.path\.abspath|os\.path\.normpath|os\.path\.realpath|path\.resolve|path\.normalize|File\.expand_path)$/;
const JOINERS = /^(os\.path\.join|path\.join|posixpath\.join|File\.join)$/;

/**
 * The literal value of an expression's tokens: a string, literals joined by `+` (python, js, ruby)
 * or `.` (perl), adjacent literals (python), a path wrapper or join of literals. Null when computed.
 */
function literalOf(lang: CodeLang, ts: Tok[]): string | null {
  // strip keyword-argument names (file=…, dst=…)
  let t = ts;
  if (t.length >= 2 && t[0]!.k === 'id' && t[1]!.k === 'p' && t[1]!.v === '=' && t[2]?.v !== '=') t = t.slice(2);
  // ruby symbols and perl's `my $fh` are not paths; a call of a wrapper or joiner
  const name = dotted(t, 0);
  if (name && t[name.end]?.k === 'p' && t[name.end]!.v === '(') {
    const { args, end } = argList(t, name.end);
    if (end !== t.length) return null;
    if (PATH_WRAPPERS.test(name.name) && args.length === 1) return literalOf(lang, args[0]!);
    if (JOINERS.test(name.name) && args.length > 0) {
      const parts = args.map((a) => literalOf(lang, a));
      if (parts.some((p) => p === null)) return null;
      let out = '';
      for (const p of parts as string[]) out = p.startsWith('/') ? p : out === '' ? p : out.replace(/\/+$/, '') + '/' + p;
      return out;
    }
    return null;
  }
  if (t.length >= 3 && t[0]!.k === 'p' && t[0]!.v === '(' && t[t.length - 1]!.k === 'p' && t[t.length - 1]!.v === ')') {
    const inner = argList(t, 0);
    if (inner.end === t.length && inner.args.length === 1) return literalOf(lang, inner.args[0]!);
  }
  let out = '';
  let expectOperand = true;
  for (const x of t) {
    if (expectOperand) {
      if (x.k !== 'str' || !x.lit) return null;
      out += x.v;
      expectOperand = false;
    } else if (x.k === 'str' && x.lit && lang === 'python') {
      out += x.v;
    } else if (x.k === 'p' && (x.v === '+' || (x.v === '.' && lang === 'perl'))) {
      expectOperand = true;
    } else return null;
  }
  return expectOperand ? null : out;
}

/** A dotted name at tokens[i] (`os.path.join`, `fs.promises.writeFile`, `File::open` in perl is `File.open`). */
function dotted(toks: Tok[], i: number): { name: string; end: number } | null {
  if (toks[i]?.k !== 'id') return null;
  let name = toks[i]!.v;
  let j = i + 1;
  while (toks[j]?.k === 'p' && toks[j]!.v === '.' && toks[j + 1]?.k === 'id') {
    name += '.' + toks[j + 1]!.v;
    j += 2;
  }
  return { name, end: j };
}

/** The receiver expression's tokens before `.method` at index `dot` (a name chain or a call such as Path('x')). */
function receiverOf(toks: Tok[], dot: number): Tok[] {
  let j = dot - 1;
  let depth = 0;
  for (; j >= 0; j--) {
    spend(1);
    const t = toks[j]!;
    if (t.k === 'p' && (t.v === ')' || t.v === ']')) depth++;
    else if (t.k === 'p' && (t.v === '(' || t.v === '[')) {
      if (depth === 0) break;
      depth--;
    } else if (depth === 0) {
      if (t.k === 'id' || t.k === 'str' || t.k === 'num') {
        const before = toks[j - 1];
        if (before?.k === 'p' && before.v === '.') {
          j--;
          continue;
        }
        j--;
        break;
      }
      if (t.k === 'p' && t.v === '.') continue;
      break;
    }
  }
  return toks.slice(j + 1, dot);
}

const WRITE_MODE = /[wax+]/;
/** What a mode string looks like ('r', 'wb', 'a+', 'r+b'); anything else is not a mode. */
const MODE_SHAPE = /^[rwaxbtU+]{1,4}$/;
const FLAG_WRITE = /O_(WRONLY|RDWR|CREAT|TRUNC|APPEND)|\b(wx?|ax?|r\+|w\+|a\+)\b/;

interface Sink {
  /** argument indexes of the paths it changes (-1: the receiver) */
  targets: number[];
  /** index of the mode argument; the call writes only when the mode does (open) */
  mode?: number;
  /** keyword names of the mode argument */
  modeKw?: string;
  /** the argument that is shell text (or argv list) */
  shell?: number;
  /** perl open(FH, MODE, PATH) / open(FH, "MODEPATH") */
  perlOpen?: boolean;
  /** flags argument of os.open / fs.open */
  flags?: number;
}

/** Python calls by full name. */
const PY: Record<string, Sink> = {
  open: { targets: [0], mode: 1, modeKw: 'mode' },
  'io.open': { targets: [0], mode: 1, modeKw: 'mode' },
  'codecs.open': { targets: [0], mode: 1, modeKw: 'mode' },
  'builtins.open': { targets: [0], mode: 1, modeKw: 'mode' },
  'os.open': { targets: [0], flags: 1 },
  'shutil.copy': { targets: [1] },
  'shutil.copy2': { targets: [1] },
  'shutil.copyfile': { targets: [1] },
  'shutil.copytree': { targets: [1] },
  'shutil.copymode': { targets: [1] },
  'shutil.copystat': { targets: [1] },
  'shutil.move': { targets: [0, 1] },
  'shutil.rmtree': { targets: [0] },
  'shutil.chown': { targets: [0] },
  'os.rename': { targets: [0, 1] },
  'os.renames': { targets: [0, 1] },
  'os.replace': { targets: [0, 1] },
  'os.remove': { targets: [0] },
  'os.unlink': { targets: [0] },
  'os.rmdir': { targets: [0] },
  'os.removedirs': { targets: [0] },
  'os.truncate': { targets: [0] },
  'os.chmod': { targets: [0] },
  'os.lchmod': { targets: [0] },
  'os.chown': { targets: [0] },
  'os.lchown': { targets: [0] },
  'os.mkfifo': { targets: [0] },
  'os.mknod': { targets: [0] },
  'os.link': { targets: [1] },
  'os.symlink': { targets: [1] },
  'os.utime': { targets: [0] },
  'os.system': { targets: [], shell: 0 },
  'os.popen': { targets: [], shell: 0 },
  'subprocess.run': { targets: [], shell: 0 },
  'subprocess.call': { targets: [], shell: 0 },
  'subprocess.check_call': { targets: [], shell: 0 },
  'subprocess.check_output': { targets: [], shell: 0 },
  'subprocess.Popen': { targets: [], shell: 0 },
  'subprocess.getoutput': { targets: [], shell: 0 },
  'subprocess.getstatusoutput': { targets: [], shell: 0 },
  'commands.getoutput': { targets: [], shell: 0 },
  'pty.spawn': { targets: [], shell: 0 },
  'asyncio.create_subprocess_shell': { targets: [], shell: 0 },
  'asyncio.create_subprocess_exec': { targets: [], shell: 0 },
};
/** Python methods of path objects (pathlib): the receiver is the path. Arity keeps str.replace(a, b) out. */
const PY_METHODS: Record<string, { arity?: number; alsoArg?: boolean; mode?: number }> = {
  write_text: {},
  write_bytes: {},
  touch: {},
  unlink: {},
  rmdir: {},
  symlink_to: {},
  hardlink_to: {},
  chmod: { arity: 1 },
  lchmod: { arity: 1 },
  rename: { arity: 1, alsoArg: true },
  replace: { arity: 1, alsoArg: true },
  open: { mode: 0 },
};
/** Python calls that run code the tokens do not show. */
const PY_OPAQUE =
  /^(eval|exec|compile|__import__|importlib\.import_module|execfile|runpy\.\w+|marshal\.loads|pickle\.loads|code\.interact|ctypes\.\w+|os\.exec\w*|os\.spawn\w*|os\.posix_spawn\w*)$/;

/** Node calls by their last name (fs.writeFileSync, require("node fs").writeFileSync, fsp.writeFile …). */
const JS: Record<string, Sink> = {
  writeFile: { targets: [0] },
  writeFileSync: { targets: [0] },
  appendFile: { targets: [0] },
  appendFileSync: { targets: [0] },
  createWriteStream: { targets: [0] },
  truncate: { targets: [0] },
  truncateSync: { targets: [0] },
  rm: { targets: [0] },
  rmSync: { targets: [0] },
  rmdir: { targets: [0] },
  rmdirSync: { targets: [0] },
  unlink: { targets: [0] },
  unlinkSync: { targets: [0] },
  chmod: { targets: [0] },
  chmodSync: { targets: [0] },
  chown: { targets: [0] },
  chownSync: { targets: [0] },
  utimes: { targets: [0] },
  utimesSync: { targets: [0] },
  rename: { targets: [0, 1] },
  renameSync: { targets: [0, 1] },
  copyFile: { targets: [1] },
  copyFileSync: { targets: [1] },
  cp: { targets: [1] },
  cpSync: { targets: [1] },
  symlink: { targets: [1] },
  symlinkSync: { targets: [1] },
  link: { targets: [1] },
  linkSync: { targets: [1] },
  open: { targets: [0], flags: 1 },
  openSync: { targets: [0], flags: 1 },
  writeTextFile: { targets: [0] },
  writeTextFileSync: { targets: [0] },
  remove: { targets: [0] },
  removeSync: { targets: [0] },
  copyFileSyncDeno: { targets: [1] },
  outputFile: { targets: [0] },
  outputFileSync: { targets: [0] },
  outputJson: { targets: [0] },
  outputJsonSync: { targets: [0] },
  writeJson: { targets: [0] },
  writeJsonSync: { targets: [0] },
  move: { targets: [0, 1] },
  moveSync: { targets: [0, 1] },
  copy: { targets: [1] },
  copySync: { targets: [1] },
  exec: { targets: [], shell: 0 },
  execSync: { targets: [], shell: 0 },
  spawn: { targets: [], shell: 0 },
  spawnSync: { targets: [], shell: 0 },
  execFile: { targets: [], shell: 0 },
  execFileSync: { targets: [], shell: 0 },
  fork: { targets: [], shell: 0 },
};
/** `write` as a method is a handle's write (the open counts), except Bun.write(path, data). */
const JS_FULL: Record<string, Sink> = { 'Bun.write': { targets: [0] }, 'Deno.remove': { targets: [0] }, 'Deno.rename': { targets: [0, 1] } };
const JS_OPAQUE = /^(eval|Function|vm\.\w+|runInThisContext|runInNewContext|runInContext|compileFunction|require|import|process\.binding|process\.dlopen)$/;

const RB: Record<string, Sink> = {
  'File.write': { targets: [0] },
  'IO.write': { targets: [0] },
  'File.binwrite': { targets: [0] },
  'IO.binwrite': { targets: [0] },
  'File.open': { targets: [0], mode: 1 },
  'File.new': { targets: [0], mode: 1 },
  open: { targets: [0], mode: 1 },
  'File.delete': { targets: [0] },
  'File.unlink': { targets: [0] },
  'File.rename': { targets: [0, 1] },
  'File.symlink': { targets: [1] },
  'File.link': { targets: [1] },
  'File.chmod': { targets: [1] },
  'File.truncate': { targets: [0] },
  'FileUtils.cp': { targets: [1] },
  'FileUtils.cp_r': { targets: [1] },
  'FileUtils.copy': { targets: [1] },
  'FileUtils.copy_file': { targets: [1] },
  'FileUtils.install': { targets: [1] },
  'FileUtils.mv': { targets: [0, 1] },
  'FileUtils.move': { targets: [0, 1] },
  'FileUtils.rm': { targets: [0] },
  'FileUtils.rm_f': { targets: [0] },
  'FileUtils.rm_r': { targets: [0] },
  'FileUtils.rm_rf': { targets: [0] },
  'FileUtils.remove': { targets: [0] },
  'FileUtils.rmtree': { targets: [0] },
  'FileUtils.ln': { targets: [1] },
  'FileUtils.ln_s': { targets: [1] },
  'FileUtils.ln_sf': { targets: [1] },
  'FileUtils.touch': { targets: [0] },
  'FileUtils.chmod': { targets: [1] },
  system: { targets: [], shell: 0 },
  exec: { targets: [], shell: 0 },
  spawn: { targets: [], shell: 0 },
  'Process.spawn': { targets: [], shell: 0 },
  'IO.popen': { targets: [], shell: 0 },
  'Open3.capture2': { targets: [], shell: 0 },
  'Open3.capture2e': { targets: [], shell: 0 },
  'Open3.capture3': { targets: [], shell: 0 },
  'Open3.popen3': { targets: [], shell: 0 },
};
const RB_OPAQUE =
  /^(eval|instance_eval|class_eval|module_eval|binding\.eval|send|public_send|__send__|Kernel\.\w+|const_get|method|define_method|load|require|Marshal\.load)$/;

const PL: Record<string, Sink> = {
  open: { targets: [], perlOpen: true },
  sysopen: { targets: [1], flags: 2 },
  unlink: { targets: [0, 1, 2, 3, 4, 5, 6, 7] },
  rename: { targets: [0, 1] },
  link: { targets: [1] },
  symlink: { targets: [1] },
  chmod: { targets: [1, 2, 3, 4] },
  chown: { targets: [2, 3, 4] },
  truncate: { targets: [0] },
  rmdir: { targets: [0] },
  utime: { targets: [2, 3] },
  'File.Copy.copy': { targets: [1] },
  'File.Copy.move': { targets: [0, 1] },
  copy: { targets: [1] },
  move: { targets: [0, 1] },
  'File.Path.rmtree': { targets: [0] },
  rmtree: { targets: [0] },
  remove_tree: { targets: [0] },
  system: { targets: [], shell: 0 },
  exec: { targets: [], shell: 0 },
};
const PL_OPAQUE = /^(eval|do|require|evalbytes)$/;

/** Base64 or hex decoding in code that also runs code: what runs is hidden. */
const DECODES =
  /\b(b64decode|b32decode|a85decode|urlsafe_b64decode|decodebytes|unhexlify|fromhex|decode_base64|unpack|atob|Base64|bytes\.fromhex|codecs\.decode|rot13|zlib\.decompress|gunzip|inflate)\b/;

/** The shell text of an argument: a literal string, or a list of literals (argv). */
function shellOf(lang: CodeLang, ts: Tok[]): string | null {
  const lit = literalOf(lang, ts);
  if (lit !== null) return lit;
  if (ts.length >= 2 && ts[0]!.k === 'p' && ts[0]!.v === '[') {
    const { args, end } = argList(ts, 0);
    if (end !== ts.length) return null;
    const words = args.map((a) => literalOf(lang, a));
    if (words.some((w) => w === null)) return null;
    return (words as string[]).map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
  }
  return null;
}

function modeOf(lang: CodeLang, args: Tok[][], sink: Sink): { write: boolean } {
  if (sink.mode === undefined) return { write: true };
  let m = args[sink.mode];
  if (sink.modeKw) {
    const kw = args.find((a) => a[0]?.k === 'id' && a[0].v === sink.modeKw && a[1]?.v === '=');
    if (kw) m = kw;
    else if (m && m[0]?.k === 'id' && m[1]?.k === 'p' && m[1].v === '=') m = undefined; // another keyword (encoding=…)
  }
  if (!m) return { write: false };
  const v = literalOf(lang, m);
  // ruby File.open(p, File::WRONLY) / a variable mode: unknown, so a write
  if (v === null) return { write: true };
  return { write: MODE_SHAPE.test(v) ? WRITE_MODE.test(v) : false };
}

/** The module of `__import__('m')` / `importlib.import_module('m')` (a receiver's tokens), or null. */
function importedModule(recv: Tok[]): string | null {
  const v = recv.map((t) => (t.k === 'str' ? JSON.stringify(t.v) : t.v)).join('');
  const m = /^(?:builtins\.)?(?:__import__|(?:importlib\.)?import_module)\("([\w.]+)"\)$/.exec(v);
  return m ? m[1]! : null;
}

/** Node function names distinctive enough to be a file write or a process start even with no receiver. */
const JS_DISTINCT = /Sync$|^(writeFile|appendFile|createWriteStream|copyFile|writeTextFile|outputFile|outputJson|writeJson|execFile)$/;

/**
 * A write or shell function named without being called here (`w = open`, `f = os.remove`,
 * `const {writeFileSync: w} = …`, `fs.writeFileSync.call(…)`, `[fs.rmSync][0](…)`): the name it
 * is called under is not one the reader knows. Python import lines (read as aliases) are not this.
 */
function takenAsValue(
  lang: CodeLang,
  toks: Tok[],
  i: number,
  d: { name: string; end: number },
  full: string,
  parens: boolean,
  isMethod: boolean,
  dotIdx: number,
): string | null {
  if (lang !== 'python' && lang !== 'node') return null;
  const segs = full.split('.');
  if (lang === 'python') {
    // the statement this name is in: `from os import remove`, `import shutil` define aliases
    let s = i;
    while (s > 0 && !toks[s]!.nl && toks[s - 1]!.v !== ';') s--;
    if (toks[s]?.k === 'id' && (toks[s]!.v === 'import' || toks[s]!.v === 'from')) return null;
    if (isMethod) return null;
    for (let k = 1; k <= segs.length; k++) {
      const head = segs.slice(0, k).join('.');
      if (!PY[head]) continue;
      // os.remove(…) called here reads as written; os.remove as a value or os.remove.__call__ does not
      if (k === segs.length && parens) return null;
      return head;
    }
    if (!parens && dotIdx >= 0 && PY_METHODS[segs[segs.length - 1]!] && segs[segs.length - 1] !== 'open') return full;
    return null;
  }
  // node: a known write / process function as a value, or with .call / .apply / .bind after it
  for (let k = 0; k < segs.length; k++) {
    const seg = segs[k]!;
    const called = k === segs.length - 1 && parens;
    if (called) return null;
    const hasRecv = k > 0 || (isMethod && k === 0);
    if ((JS[seg] && (hasRecv || JS_DISTINCT.test(seg))) || JS_FULL[segs.slice(0, k + 1).join('.')]) {
      // `{ writeFileSync } = require('fs')` followed by writeFileSync(…) reads as written; a rename does not
      const next = toks[d.end];
      if (k === segs.length - 1 && !hasRecv && next?.k === 'p' && (next.v === ',' || next.v === '}')) return null;
      return segs.slice(0, k + 1).join('.');
    }
  }
  return null;
}

/** Read interpreter code for what it writes, runs and hides. */
export function codeWrites(lang: CodeLang, src: string): CodeEffects {
  work = 0;
  try {
    return readCode(lang, src);
  } catch (e) {
    // a bound hit, or a construct the reader trips on: not read, the caller falls back to what the code names
    return {
      writes: [],
      shells: [],
      opaque: [],
      literals: [],
      chdir: false,
      failed: e instanceof TokError ? e.message : `the code could not be read (${(e as Error).message})`,
    };
  }
}

function readCode(lang: CodeLang, src: string): CodeEffects {
  const fx: CodeEffects = { writes: [], shells: [], opaque: [], literals: [], chdir: false };
  if (src.length > MAX_CODE) {
    fx.failed = `code longer than ${MAX_CODE} characters`;
    return fx;
  }
  let toks: Tok[];
  try {
    toks = tokenize(lang, src);
  } catch (e) {
    fx.failed = e instanceof TokError ? e.message : `the code could not be read (${(e as Error).message})`;
    return fx;
  }
  // literals, with joined literals folded ('dum' + 'ps', '.cla' . 'ude')
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (t.k === 'str') {
      let v = t.v;
      let j = i + 1;
      while (toks[j]?.k === 'p' && (toks[j]!.v === '+' || (toks[j]!.v === '.' && lang === 'perl')) && toks[j + 1]?.k === 'str') {
        v += toks[j + 1]!.v;
        j += 2;
      }
      while (lang === 'python' && toks[j]?.k === 'str') v += toks[j++]!.v;
      fx.literals.push(v);
      if (j - 1 > i) fx.literals.push(t.v);
    }
    if (t.k === 'shell') fx.shells.push(t.lit ? t.v : null);
  }
  const decodes = DECODES.test(src);
  const table = lang === 'python' ? PY : lang === 'node' ? JS : lang === 'ruby' ? RB : PL;
  const opaqueRe = lang === 'python' ? PY_OPAQUE : lang === 'node' ? JS_OPAQUE : lang === 'ruby' ? RB_OPAQUE : PL_OPAQUE;
  const sinkNames = new Set([...Object.keys(table).map((k) => k.split('.').pop()!), ...Object.keys(PY_METHODS), 'system', 'popen', 'exec', 'eval', 'open']);

  // python names imported under another name: `from os import remove`, `import shutil as sh`
  const alias = new Map<string, string>();
  if (lang === 'python') {
    for (let i = 0; i < toks.length; i++) {
      const t = toks[i]!;
      if (t.k === 'id' && t.v === 'from') {
        const mod = dotted(toks, i + 1);
        if (!mod || toks[mod.end]?.v !== 'import') continue;
        for (let j = mod.end + 1; j < toks.length && !toks[j]!.nl && toks[j]!.v !== ';'; j++) {
          const x = toks[j]!;
          if (x.k !== 'id' || x.v === 'as') continue;
          const as = toks[j + 1]?.v === 'as' && toks[j + 2]?.k === 'id' ? toks[j + 2]!.v : x.v;
          alias.set(as, `${mod.name}.${x.v}`);
          if (as !== x.v) j += 2;
        }
      } else if (t.k === 'id' && t.v === 'import' && (t.nl || toks[i - 1]?.v === ';')) {
        for (let j = i + 1; j < toks.length && !toks[j]!.nl && toks[j]!.v !== ';'; j++) {
          const m = dotted(toks, j);
          if (!m) continue;
          if (toks[m.end]?.v === 'as' && toks[m.end + 1]?.k === 'id') {
            alias.set(toks[m.end + 1]!.v, m.name);
            j = m.end + 1;
          } else j = m.end - 1;
        }
      }
    }
  }
  const canon = (name: string): string => {
    const dot = name.indexOf('.');
    const head = dot < 0 ? name : name.slice(0, dot);
    const a = alias.get(head);
    return a ? a + (dot < 0 ? '' : name.slice(dot)) : name;
  };

  for (let i = 0; i < toks.length; i++) {
    const d = dotted(toks, i);
    if (!d) continue;
    const prev = toks[i - 1];
    // a name right after `.` is a method of the expression before it
    const isMethod = prev?.k === 'p' && prev.v === '.';
    const next = toks[d.end];
    const parens = next?.k === 'p' && next.v === '(';
    // __import__('shutil').copy / importlib.import_module('os').remove: the module named by its string
    const imported = isMethod && lang === 'python' ? importedModule(receiverOf(toks, i - 1)) : null;
    const full = imported ? `${imported}.${d.name}` : isMethod ? d.name : canon(d.name);
    const last = full.split('.').pop()!;
    // where the receiver of `.last` ends: the dot before the last name
    const dotIdx = d.end - 2 > i ? d.end - 2 : isMethod ? i - 1 : -1;
    // a definition (def open(…), function open(…), sub open) is not a call
    if (prev?.k === 'id' && /^(def|function|sub|class)$/.test(prev.v)) {
      i = d.end - 1;
      continue;
    }
    if (last === 'chdir' || full === 'Dir.chdir') fx.chdir = true;
    // a write or shell function taken as a value (w = open, {writeFileSync: w}, fs.writeFileSync.call,
    // map(os.remove, …)): it is called later under a name the reader does not know
    const taken = takenAsValue(lang, toks, i, d, full, parens, isMethod && !imported, dotIdx);
    if (taken) fx.opaque.push(`${taken} taken under another name`);
    const args = parens
      ? argList(toks, d.end).args
      : (lang === 'perl' || lang === 'ruby') && next && !next.nl && !(next.k === 'p' && /^[.=;,)\]}+*/<>&|?:-]$/.test(next.v))
        ? bareArgs(toks, d.end)
        : null;

    // getattr(obj, 'name') / globals()[…] / fs[expr]: what is called is named by a string
    if (lang === 'python' && (full === 'getattr' || full === 'builtins.getattr') && parens && args && args.length >= 2) {
      const nm = literalOf(lang, args[1]!);
      if (nm === null) fx.opaque.push('getattr with a computed name');
      else if (
        sinkNames.has(nm) ||
        opaqueRe.test(nm) ||
        /^(system|popen|spawn\w*|exec\w*|remove|unlink|rename|replace|rmtree|move|copy\w*|write\w*|chmod|symlink|link|truncate)$/.test(nm)
      )
        fx.opaque.push(`getattr(…, ${JSON.stringify(nm)})`);
    }
    if (
      lang === 'python' &&
      (/^(globals|locals|vars|__builtins__|builtins\.__dict__|sys\.modules)$/.test(full) || last === '__dict__') &&
      toks[parens ? argList(toks, d.end).end : d.end]?.v === '['
    )
      fx.opaque.push(`${full}[…]`);
    if (
      lang === 'node' &&
      toks[d.end]?.k === 'p' &&
      toks[d.end]!.v === '[' &&
      /^(fs|child_process|cp|globalThis|global|process|fsp|promises|this|window)$/.test(last)
    ) {
      const inner = argList(toks, d.end);
      const nm = inner.args.length === 1 ? literalOf(lang, inner.args[0]!) : null;
      if (nm === null ? !/^\d*$/.test(inner.args[0]?.map((t) => t.v).join('') ?? '') : sinkNames.has(nm) || JS_OPAQUE.test(nm) || /^(spawn|exec)/.test(nm))
        fx.opaque.push(`${full}[${nm === null ? '…' : JSON.stringify(nm)}]`);
    }

    // ruby's obj.send(:name, …) / instance_eval as methods of anything
    if (lang === 'ruby' && dotIdx >= 0 && /^(send|public_send|__send__|instance_eval|class_eval|module_eval|eval|instance_exec)$/.test(last) && args)
      fx.opaque.push(`.${last}(…)`);
    // python's fileinput with inplace=True rewrites the files it is given
    if (lang === 'python' && /^fileinput\.(input|FileInput)$/.test(full) && args?.some((a) => a[0]?.v === 'inplace')) {
      const files = args.find((a) => a[0]?.v === 'files' && a[1]?.v === '=') ?? (args[0]?.[1]?.v === '=' ? undefined : args[0]);
      fx.writes.push({ op: 'fileinput inplace', path: files ? literalOf(lang, files) : null });
    }
    if (!isMethod && opaqueRe.test(full) && args) {
      const a0 = args[0];
      const lit = a0 ? literalOf(lang, a0) : null;
      // require("fs" module) / __import__("os") / import of a node module with a literal name reads as written
      const literalImport = lit !== null && /^(require|import|__import__|importlib\.import_module|load)$/.test(full);
      if (!literalImport && !(lang === 'perl' && full === 'do' && !parens) && !(lang === 'ruby' && full === 'require'))
        fx.opaque.push(`${full}(${lit === null ? '…' : 'a string'})`);
    }
    if (!args) {
      i = d.end - 1;
      continue;
    }
    // methods of path objects (python): the receiver is the path
    const pyMethod = lang === 'python' && dotIdx >= 0 && !PY[full] ? PY_METHODS[last] : undefined;
    if (pyMethod) {
      const positional = args.filter((a) => !(a[0]?.k === 'id' && a[1]?.v === '='));
      if (pyMethod.arity === undefined || (positional.length === pyMethod.arity && positional.length === args.length)) {
        let write = true;
        if (pyMethod.mode !== undefined) {
          const a = args.find((x) => x[0]?.v === 'mode' && x[1]?.v === '=') ?? args[pyMethod.mode];
          const v = a ? literalOf(lang, a) : 'r';
          write = v === null || (MODE_SHAPE.test(v) && WRITE_MODE.test(v));
        }
        if (write) {
          fx.writes.push({ op: last, path: literalOf(lang, receiverOf(toks, dotIdx)) });
          if (pyMethod.alsoArg && args[0]) fx.writes.push({ op: last, path: literalOf(lang, args[0]) });
        }
      }
      i = d.end - 1;
      continue;
    }
    let sink: Sink | undefined;
    if (lang === 'node') {
      sink = JS_FULL[full] ?? JS[last];
      if (sink && dotIdx < 0 && ['open', 'openSync', 'remove', 'move', 'copy', 'cp', 'rm', 'link'].includes(full)) sink = undefined;
      // exec/spawn as a method only of child_process (RegExp#exec is not a shell)
      if (sink?.shell !== undefined && dotIdx >= 0) {
        const recv = receiverOf(toks, dotIdx)
          .map((t) => t.v)
          .join('');
        if (!/child_process|^cp$|childProcess|^proc$|^Bun$|^Deno$/.test(recv)) sink = undefined;
      }
    } else sink = isMethod && !imported ? undefined : table[full];
    if (!sink) {
      i = d.end - 1;
      continue;
    }
    if (sink.shell !== undefined) {
      const a = args[sink.shell];
      const words = (lang === 'ruby' || lang === 'perl') && args.length > 1 ? args.map((x) => literalOf(lang, x)) : null;
      fx.shells.push(!a ? null : words ? (words.every((w) => w !== null) ? words.join(' ') : null) : shellOf(lang, a));
    }
    if (sink.perlOpen) {
      // open(FH, MODE, PATH) or open(FH, "MODEPATH")
      if (args.length >= 3) {
        const mode = literalOf(lang, args[1]!);
        if (mode === null || /[>+|]/.test(mode)) {
          if (mode?.includes('|')) fx.shells.push(literalOf(lang, args[2]!));
          else fx.writes.push({ op: 'open', path: literalOf(lang, args[2]!) });
        }
      } else if (args.length === 2) {
        const spec = literalOf(lang, args[1]!);
        if (spec === null) fx.writes.push({ op: 'open', path: null });
        else {
          const m = perlOpenSpec(spec);
          if (m.mode === '|' || m.pipeOut) fx.shells.push(m.path);
          else if (m.mode && /[>+]/.test(m.mode)) fx.writes.push({ op: 'open', path: m.path });
        }
      }
    } else if (sink.flags !== undefined) {
      const f = args[sink.flags];
      const text = f ? f.map((t) => t.v).join(' ') : '';
      const lit = f ? literalOf(lang, f) : 'r';
      const write = lit !== null ? WRITE_MODE.test(lit) : FLAG_WRITE.test(text) || !/O_RDONLY/.test(text);
      if (write) for (const ti of sink.targets) if (args[ti]) fx.writes.push({ op: full, path: literalOf(lang, args[ti]!) });
    } else if (sink.targets.length && modeOf(lang, args, sink).write) {
      for (const ti of sink.targets) {
        const a = args[ti];
        if (a) fx.writes.push({ op: full, path: literalOf(lang, a) });
      }
    }
    i = d.end - 1;
  }
  // obj['writeFileSync'](…), require('fs')['rmSync'], os.__dict__['remove']: a call named by a string
  if (lang === 'node' || lang === 'python' || lang === 'ruby') {
    for (let i = 0; i + 2 < toks.length; i++) {
      const [a, b, c] = [toks[i]!, toks[i + 1]!, toks[i + 2]!];
      if (a.k === 'p' && a.v === '[' && b.k === 'str' && c.k === 'p' && c.v === ']' && i > 0 && /^[)\]\w]/.test(toks[i - 1]!.v)) {
        if (sinkNames.has(b.v) || opaqueRe.test(b.v) || /^(spawn\w*|exec\w*|system|popen|remove|unlink\w*|rename\w*|rm\w*|write\w*|copy\w*)$/.test(b.v))
          fx.opaque.push(`[${JSON.stringify(b.v)}]`);
      }
    }
  }
  if (decodes && (fx.opaque.length > 0 || fx.shells.length > 0)) fx.opaque.push('decoded text run as code');
  return fx;
}

/**
 * Perl's two-argument open spec (`">file"`, `"| cmd"`, `"cmd |"`): its mode, what it opens, and whether it ends
 * in a pipe. Trimmed first, then read from each end: as one pattern (blanks, a lazy middle, blanks, an optional
 * `|`, blanks), a long run of blanks was tried every way, a power of its length.
 */
export function perlOpenSpec(spec: string): { mode: string | undefined; path: string; pipeOut: boolean } {
  const t = spec.trim();
  const lead = /^(\+?[<>]{0,2}|\|)?\s*/.exec(t)!;
  let path = t.slice(lead[0].length);
  const pipeOut = path.endsWith('|');
  if (pipeOut) path = path.slice(0, -1).trimEnd();
  return { mode: lead[1], path, pipeOut };
}
