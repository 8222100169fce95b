/**
 * Scripts the session wrote and then runs. `Write x.sh` (or `cat > x.sh <<EOF`) followed by
 * `bash x.sh`, `./x.sh`, `source x.sh` or `python3 x.py` runs code the command line does not show:
 * without this, whatever the script does (kill the guard's sidecar, send a key file out) passes as an
 * opaque program. The session remembers the text of files it wrote (bounded), and a command that runs
 * one of them is judged with that text inlined: as a shell heredoc for shell scripts, fed to the
 * interpreter on stdin for the others. Pure: the text comes from the session's own tool calls.
 */
import type { BashAnalysis } from './bash/index.ts';
import { SHELLS } from './bash/commands/shell.ts';
import { interpFamily } from './bash/commands/interpreters.ts';
import { resolvePath } from './paths.ts';
import { MAX_INPUT } from './bash/limits.ts';

/**
 * Texts kept per session (the least recently written goes first). A text let go leaves its path
 * behind (see WrittenFiles): a run of it is asked about, never judged as a program nobody wrote.
 */
export const MAX_SCRIPTS = 256;
/**
 * Largest text kept: what one analysis reads whole (bash/limits.ts MAX_INPUT). The files of 147 real
 * sessions come to 62 KB at most, and the largest one run is 52 KB (1 KB is left for the command around
 * it). A larger file the session wrote is remembered as written but not read: running it is asked about.
 */
export const MAX_SCRIPT_BYTES = MAX_INPUT - 1024;
/**
 * Bytes of text kept per session, all files together (a character of a text outside latin-1 counts
 * two, as V8 keeps it); the rest go, least recently written first. Real sessions hold 215 KB at most.
 */
export const MAX_SCRIPTS_TEXT = 512 * 1024;
/**
 * Paths remembered per session, text or not (real sessions: 30 at most with a text, 106 written in
 * all), and the bytes of those paths. Past either the oldest path goes and the session is marked: it
 * wrote more files than the guard tracks, so a local script it runs that the guard does not know may
 * be one of them (asked about).
 */
export const MAX_WRITTEN_PATHS = 1024;
export const MAX_WRITTEN_PATH_BYTES = 256 * 1024;

/** Memory a session's WrittenFiles may hold at most, texts and paths (for the sidecar's per-session reservation). */
export const WRITTEN_FILES_BYTES = MAX_SCRIPTS_TEXT + MAX_WRITTEN_PATH_BYTES;

/** A file that is a script by its name: what `changed` remembers when a program it cannot see writes a new one. */
const SCRIPT_NAME = /\.(?:sh|bash|zsh|ksh|fish|py|js|mjs|cjs|ts|rb|pl|php|ps1)$/i;

/** Bytes V8 keeps a string in: one a character, two when any is outside latin-1. */
const bytesOf = (s: string): number => (/[^\x00-\xff]/.test(s) ? 2 : 1) * s.length;

/** Why the guard cannot judge a file the session wrote by its text. */
export type Unread =
  /** larger than MAX_SCRIPT_BYTES */
  | { why: 'size'; bytes: number }
  /** its text was let go to keep the session within MAX_SCRIPTS / MAX_SCRIPTS_TEXT */
  | { why: 'evicted'; bytes: number }
  /** changed after it was written by a command whose output the guard cannot know (sed -i, a program) */
  | { why: 'changed'; by: string }
  /** a script (by its name) written whole by a command whose output the guard cannot know (`python3 gen.py > x.sh`) */
  | { why: 'unseen'; by: string }
  /** its text could not be read back after the sidecar restarted */
  | { why: 'restart' };

/** What the session knows of one file it wrote: its text, or why not. */
export type Written = { text: string } | { unread: Unread };

/** A file the session wrote, as the session store saves it (the text is encrypted there). */
export interface WrittenEntry {
  path: string;
  entry: Written;
}

/** What one session remembers of the files it wrote, least recently written first. */
export class WrittenFiles {
  private readonly files = new Map<string, Written>();
  private textBytes = 0;
  private pathBytes = 0;
  private texts = 0;
  /** more files were written than MAX_WRITTEN_PATHS: some the session wrote are no longer known */
  overflow = false;
  /** paths changed since the session store last saved them (their entry, or gone) */
  readonly pending = new Set<string>();

  private put(path: string, w: Written): void {
    this.remove(path);
    this.files.set(path, w);
    this.pathBytes += bytesOf(path);
    if ('text' in w) {
      this.texts++;
      this.textBytes += bytesOf(w.text);
    }
    this.pending.add(path);
    // texts over the bounds are let go (their paths stay, so a run of one is asked about)
    if (this.texts > MAX_SCRIPTS || this.textBytes > MAX_SCRIPTS_TEXT) {
      for (const [p, x] of this.files) {
        if (this.texts <= MAX_SCRIPTS && this.textBytes <= MAX_SCRIPTS_TEXT) break;
        if (!('text' in x) || p === path) continue;
        this.remove(p);
        this.files.set(p, { unread: { why: 'evicted', bytes: x.text.length } });
        this.pathBytes += bytesOf(p);
        this.pending.add(p);
      }
    }
    while (this.files.size > MAX_WRITTEN_PATHS || (this.pathBytes > MAX_WRITTEN_PATH_BYTES && this.files.size > 1)) {
      const oldest = this.files.keys().next().value as string;
      this.remove(oldest);
      this.pending.add(oldest);
      this.overflow = true;
    }
  }

  private remove(path: string): void {
    const x = this.files.get(path);
    if (!x) return;
    if ('text' in x) {
      this.texts--;
      this.textBytes -= bytesOf(x.text);
    }
    this.pathBytes -= bytesOf(path);
    this.files.delete(path);
  }

  /** The whole file is now `text` (a Write, `cat > f <<EOF`). */
  set(path: string, text: string): void {
    this.put(path, text.length > MAX_SCRIPT_BYTES || bytesOf(text) > MAX_SCRIPTS_TEXT ? { unread: { why: 'size', bytes: text.length } } : { text });
  }

  /** `>> f`: appended to. A file the session did not write stays unknown; one it wrote but cannot read stays so. */
  append(path: string, text: string): void {
    const cur = this.files.get(path);
    if (cur === undefined) return;
    if ('text' in cur) this.set(path, cur.text + text);
    else if (cur.unread.why === 'size' || cur.unread.why === 'evicted') this.put(path, { unread: { ...cur.unread, bytes: cur.unread.bytes + text.length } });
    else this.put(path, cur);
  }

  /**
   * An Edit's old -> new applied. An edit that cannot be applied to the text the guard holds means the
   * file changed in a way the guard did not see: it is no longer read (a run of it is asked about).
   */
  edit(path: string, edits: Array<{ old: string; new: string; all: boolean }>, by = 'Edit'): void {
    const w = this.files.get(path);
    if (w === undefined) return;
    if (!('text' in w)) {
      this.put(path, w);
      return;
    }
    let cur = w.text;
    for (const e of edits) {
      if (e.old === '' || !cur.includes(e.old)) {
        this.put(path, { unread: { why: 'changed', by: `${by} (the text the guard holds does not have what it replaces)` } });
        return;
      }
      cur = e.all ? cur.split(e.old).join(e.new) : cur.replace(e.old, () => e.new);
    }
    this.set(path, cur);
  }

  /**
   * Written by a command whose output is not known. A file the session wrote before is then no longer
   * read (`sed -i` on a script it wrote); one it never wrote stays what it was, a program nobody wrote.
   */
  changed(path: string, by: string): void {
    if (this.files.has(path)) this.put(path, { unread: { why: 'changed', by } });
  }

  /**
   * Written whole with what a program printed (`python3 gen.py > x.sh`, `node mk.js | tee run.sh`,
   * `curl -o get.sh …`): as changed(), and a new script (by its name) is remembered as one the session
   * made without the guard seeing its text, so a run of it is asked about. A copy (`cp a b`) is not this:
   * it holds what its source holds (copy(), or a program nobody wrote).
   */
  produced(path: string, by: string): void {
    if (this.files.has(path)) this.changed(path, by);
    else if (SCRIPT_NAME.test(path)) this.put(path, { unread: { why: 'unseen', by } });
  }

  /** `cp a b`, `mv a b`: b holds what a holds, when the session wrote a. */
  copy(from: string, to: string): void {
    const w = this.files.get(from);
    if (w !== undefined) this.put(to, w);
  }

  get(path: string): Written | undefined {
    return this.files.get(path);
  }

  has(path: string): boolean {
    return this.files.has(path);
  }

  get size(): number {
    return this.files.size;
  }

  /** Every file, least recently written first (for saving). */
  entries(): WrittenEntry[] {
    return [...this.files].map(([path, entry]) => ({ path, entry }));
  }

  /** Put back a file saved before a restart (in the order they were written). */
  restore(path: string, entry: Written): void {
    this.put(path, entry);
    this.pending.delete(path);
  }

  approxBytes(): number {
    let n = 0;
    for (const [p, x] of this.files) n += 96 + 2 * p.length + ('text' in x ? 2 * x.text.length : 64);
    return n;
  }
}

export interface ScriptRun {
  /** the path as the command names it */
  path: string;
  /** 'sh' for shell scripts (bash f, ./f, source f), else the interpreter family (python, node …) */
  family: string;
}

/** Programs run as scripts by this command: `bash f`, `sh f`, `source f`, `. f`, `./f`, `/tmp/f`, `python3 f` … */
export function scriptsRun(bash: BashAnalysis): ScriptRun[] {
  const out: ScriptRun[] = [];
  for (const c of bash.commands) {
    const argv = c.argv;
    const first = argv[0] ?? '';
    if (c.name === 'source' || c.name === '.') {
      if (argv[1]) out.push({ path: argv[1], family: 'sh' });
      continue;
    }
    const shell = SHELLS.has(c.name);
    const fam = shell ? 'sh' : interpFamily(c.name);
    if (fam) {
      // inline code (-c, -e, -m …) is analysed where it is; the first word that is not an option is the script
      if (argv.slice(1).some((a) => /^-[A-Za-z]*[cemp][A-Za-z]*$/.test(a) || /^--(eval|print|command)/.test(a))) continue;
      const script = argv.slice(1).find((a) => !a.startsWith('-'));
      if (script) out.push({ path: script, family: fam });
      continue;
    }
    // a program named by a path of its own (./deploy.sh, /tmp/x): the file's first line says what runs it
    if (first.includes('/')) out.push({ path: first, family: 'exec' });
  }
  return out;
}

/**
 * `cp a b`, `mv a b`, `install a b` with one source: b, or b/a's name when b is a directory, holds what
 * a held (absolute paths).
 */
export function fileCopies(bash: BashAnalysis, abs: (p: string) => string | null): Array<{ from: string; to: string[] }> {
  const out: Array<{ from: string; to: string[] }> = [];
  for (const c of bash.commands) {
    if (c.name !== 'cp' && c.name !== 'mv' && c.name !== 'install') continue;
    const ops = c.argv.slice(1).filter((a) => !a.startsWith('-'));
    if (ops.length !== 2) continue;
    const from = abs(ops[0] as string);
    const to = abs(ops[1] as string);
    if (from === null || to === null) continue;
    out.push({ from, to: [to, `${to}/${from.slice(from.lastIndexOf('/') + 1)}`] });
  }
  return out;
}

/**
 * What an in-place edit by a command makes of a file whose text is known: `sed -i` with `s` commands
 * of plain regular expressions (`sed -i 's/\r$//' f`, `sed -i -e 's/a/b/g' -e 's/c/d/' f`) and
 * `dos2unix f`. Null when the command is anything else, or its script is beyond that: the file is then
 * no longer read.
 */
export function editedText(c: { name: string; argv: string[] }, file: (p: string) => boolean, text: string): string | null {
  const args = c.argv.slice(1);
  if (c.name === 'dos2unix') {
    if (args.length === 0 || args.some((a) => a.startsWith('-')) || !args.some(file)) return null;
    return text.replace(/\r\n/g, '\n');
  }
  if (c.name !== 'sed') return null;
  const scripts: string[] = [];
  const files: string[] = [];
  let inPlace = false;
  let ere = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '-i' || /^-i[^-]/.test(a) || a.startsWith('--in-place')) inPlace = true;
    else if (a === '-E' || a === '-r' || a === '--regexp-extended') ere = true;
    else if (a === '-e' || a === '--expression') scripts.push(args[++i] ?? '');
    else if (/^-[Ei]+$/.test(a) || a === '-ri' || a === '-ir') {
      inPlace ||= a.includes('i');
      ere ||= /[Er]/.test(a);
    } else if (a.startsWith('-')) return null;
    else if (scripts.length === 0 && files.length === 0 && !args.slice(0, i).includes('-e')) scripts.push(a);
    else files.push(a);
  }
  if (!inPlace || scripts.length === 0 || files.length === 0 || !files.some(file)) return null;
  const subs: Array<{ re: RegExp; to: string; global: boolean }> = [];
  // (split on the separators, then trimmed: `\s*[;\n]\s*` tried a run of blanks with no separator from each of its blanks)
  for (const sc of scripts)
    for (const raw of sc.split(/[;\n]/)) {
      const part = raw.trim();
      if (part === '') continue;
      const sub = sedSub(part, ere);
      if (!sub) return null;
      subs.push(sub);
    }
  return text
    .split('\n')
    .map((line) => {
      let l = line;
      for (const x of subs) {
        x.re.lastIndex = 0;
        l = l.replace(x.global ? new RegExp(x.re.source, x.re.flags + 'g') : x.re, x.to);
      }
      return l;
    })
    .join('\n');
}

/** One sed `s/re/to/flags` of plain regular expressions, as a JS replace; null beyond that. */
function sedSub(cmd: string, ere: boolean): { re: RegExp; to: string; global: boolean } | null {
  if (cmd[0] !== 's' || cmd.length < 4) return null;
  const d = cmd[1] as string;
  if (/[\\\n\s]/.test(d)) return null;
  const parts: string[] = [];
  let cur = '';
  for (let i = 2; i < cmd.length; i++) {
    const ch = cmd[i] as string;
    if (ch === '\\' && i + 1 < cmd.length) {
      const nx = cmd[i + 1] as string;
      cur += nx === d ? (/[.*[\]^$\\+?(){}|/]/.test(d) ? `\\${d}` : d) : `\\${nx}`;
      i++;
    } else if (ch === d) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  if (parts.length !== 3 || !/^[gI]*$/.test(parts[2] as string)) return null;
  const src = sedRegex(parts[0] as string, ere);
  const to = sedReplacement(parts[1] as string);
  if (src === null || to === null) return null;
  try {
    return { re: new RegExp(src, (parts[2] as string).includes('I') ? 'i' : ''), to, global: (parts[2] as string).includes('g') };
  } catch {
    return null;
  }
}

/** A POSIX basic (or, with ere, extended) regular expression as a JS one; null for what it does not cover. */
function sedRegex(re: string, ere: boolean): string | null {
  let out = '';
  for (let i = 0; i < re.length; i++) {
    const ch = re[i] as string;
    if (ch === '\\') {
      const nx = re[++i];
      if (nx === undefined) return null;
      if (/[()|{}+?]/.test(nx)) out += ere ? `\\${nx}` : nx;
      else if (/[ntr]/.test(nx)) out += `\\${nx}`;
      else if (/[.*[\]^$\\/]/.test(nx)) out += `\\${nx}`;
      else return null;
    } else if (/[()|{}+?]/.test(ch)) out += ere ? ch : `\\${ch}`;
    else if (ch === '[') {
      const end = re.indexOf(']', i + (re[i + 1] === '^' ? 3 : 2));
      if (end < 0) return null;
      const body = re.slice(i + 1, end);
      if (body.includes('[')) return null;
      out += `[${body.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else out += ch;
  }
  return out;
}

/** A sed replacement (`&`, `\1`…`\9`, `\n`, escaped characters) as a JS one; null for what it does not cover. */
function sedReplacement(to: string): string | null {
  let out = '';
  for (let i = 0; i < to.length; i++) {
    const ch = to[i] as string;
    if (ch === '$') out += '$$';
    else if (ch === '&') out += '$&';
    else if (ch === '\\') {
      const nx = to[++i];
      if (nx === undefined) return null;
      if (/[1-9]/.test(nx)) out += `$${nx}`;
      else if (nx === 'n') out += '\n';
      else if (nx === 't') out += '\t';
      else if (nx === 'r') out += '\r';
      else if (/[LUlEu]/.test(nx)) return null;
      else out += nx === '$' ? '$$' : nx;
    } else out += ch;
  }
  return out;
}

/** The heredoc end marker (names nothing the tamper rules look for). */
const DELIM = 'SCRIPT_TEXT_END_7F3A';

/** What a command that runs scripts the session wrote is judged with. */
export interface ScriptsJudged {
  /** the command with the texts of those scripts inlined after it (undefined: none to inline) */
  command?: string;
  /** the scripts the session wrote that this command runs and the guard cannot read whole, and why, in words */
  unread: Array<{ path: string; what: string }>;
  /** the files (absolute paths) whose text, as the session wrote it earlier, is inlined */
  files: string[];
  /** the texts inlined that this very command writes (`cat > x.sh <<EOF … EOF; bash x.sh`) */
  own: string[];
}

/** Where a program path may point (`/usr/bin/git`): nothing the session writes, so never asked about for overflow. */
const SYSTEM = /^\/(?:usr|bin|sbin|lib\w*|etc|nix\/store|snap|opt\/homebrew|System|Library)\//;

/** In words, why a file the session wrote is not judged by its text. */
export function unreadWords(path: string, u: Unread): string {
  const kb = (n: number): string => `${Math.ceil(n / 1024)} KB`;
  switch (u.why) {
    case 'size':
      return `${path}, which this session wrote (${kb(u.bytes)}): larger than the ${kb(MAX_SCRIPT_BYTES)} of a script the guard reads whole`;
    case 'evicted':
      return `${path}, which this session wrote (${kb(u.bytes)}): the session wrote more than the guard keeps the text of (${MAX_SCRIPTS} files, ${kb(MAX_SCRIPTS_TEXT)} in all) and this one was let go`;
    case 'changed':
      return `${path}, which this session wrote and then changed with ${u.by}: what that made of it is not known`;
    case 'unseen':
      return `${path}, a script this session made with ${u.by}: what that printed into it is not known`;
    case 'restart':
      return `${path}, which this session wrote: its text could not be read back after the guard's sidecar restarted`;
  }
}

/**
 * The directories a relative path of this command may be meant from: the event's directory and each
 * one a `cd` / `pushd` in the command moves to (`cd /tmp/w && bash x.sh`).
 */
export function placesOf(bash: BashAnalysis, cwd: string | undefined, home: string | undefined): Array<string | undefined> {
  const out: Array<string | undefined> = [cwd];
  for (const c of bash.commands) {
    if (c.name !== 'cd' && c.name !== 'pushd') continue;
    const to = c.argv.slice(1).find((a) => !a.startsWith('-')) ?? home;
    if (to === undefined) continue;
    for (const from of [...out]) {
      const d = resolvePath(to, from, home);
      if (d !== null && !out.includes(d)) out.push(d);
    }
  }
  return out;
}

/**
 * The command judged with the text of the scripts it runs that this session wrote (inlined after it:
 * as a heredoc fed to a shell, or to the interpreter the run or the shebang names), and the scripts it
 * runs that the session wrote but the guard cannot read whole (too large, let go, changed unseen, or
 * more files written than it tracks). `own` holds the texts this very command writes before it runs
 * them (`cat > x.sh <<EOF … EOF; bash x.sh`): both an earlier text and the new one are judged.
 */
export function withScripts(
  command: string,
  bash: BashAnalysis,
  cwd: string | undefined,
  home: string | undefined,
  files: WrittenFiles,
  own: ReadonlyMap<string, string> = new Map(),
): ScriptsJudged {
  const out: ScriptsJudged = { unread: [], files: [], own: [] };
  if (files.size === 0 && own.size === 0 && !files.overflow) return out;
  const runs = scriptsRun(bash);
  if (runs.length === 0) return out;
  const places = placesOf(bash, cwd, home);
  const parts: string[] = [];
  const seen = new Set<string>();
  for (const r of runs) {
    const abss: string[] = [];
    for (const from of places) {
      const a = resolvePath(r.path, from, home);
      if (a !== null && !abss.includes(a)) abss.push(a);
      if (/^[~/]|^\$HOME\b|^\$\{HOME\}/.test(r.path)) break;
    }
    const texts: string[] = [];
    let known = false;
    for (const abs of abss) {
      const mine = own.get(abs);
      if (mine !== undefined) {
        texts.push(mine);
        if (!out.own.includes(mine)) out.own.push(mine);
        known = true;
      }
      const w = files.get(abs);
      if (w === undefined) continue;
      known = true;
      if ('text' in w) {
        texts.push(w.text);
        if (!out.files.includes(abs)) out.files.push(abs);
      } else if (!seen.has(abs)) {
        seen.add(abs);
        out.unread.push({ path: abs, what: unreadWords(abs, w.unread) });
      }
    }
    if (!known && files.overflow) {
      const abs = abss[0];
      if (abs !== undefined && !SYSTEM.test(abs) && !seen.has(abs)) {
        seen.add(abs);
        out.unread.push({
          path: abs,
          what: `${abs}: this session wrote more files than the guard tracks (${MAX_WRITTEN_PATHS}, ${MAX_WRITTEN_PATH_BYTES / 1024} KB of paths), so it cannot tell whether this is one of them`,
        });
      }
    }
    for (const text of uniqTexts(texts)) {
      let fam = r.family;
      if (fam === 'exec') {
        const shebang = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(text);
        const prog = shebang ? (((shebang[1]?.endsWith('/env') ? shebang[2] : shebang[1]) ?? '').split('/').pop() ?? '') : 'sh';
        fam = SHELLS.has(prog) ? 'sh' : (interpFamily(prog) ?? 'sh');
      }
      const runner = fam === 'sh' ? 'sh' : fam;
      // an end marker that no line of the text is
      const lines = new Set(text.split('\n').map((l) => l.trim()));
      let delim = DELIM;
      for (let i = 1; lines.has(delim); i++) delim = `${DELIM}_${i}`;
      parts.push(`${runner} <<'${delim}'\n${text}\n${delim}`);
    }
  }
  if (parts.length) out.command = `${command}\n${parts.join('\n')}`;
  return out;
}

function uniqTexts(xs: string[]): string[] {
  return [...new Set(xs)];
}
