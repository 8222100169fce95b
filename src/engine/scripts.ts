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

/** Files remembered per session (the least recently written goes first). */
export const MAX_SCRIPTS = 64;
/** A file larger than this is not remembered (its runs are judged as before: an opaque program). */
export const MAX_SCRIPT_BYTES = 32 * 1024;

/** What one session remembers of the files it wrote: path -> text. */
export class WrittenFiles {
  private readonly files = new Map<string, string>();

  /** The whole file is now `text` (a Write, `cat > f <<EOF`). */
  set(path: string, text: string): void {
    this.files.delete(path);
    if (text.length > MAX_SCRIPT_BYTES) return;
    this.files.set(path, text);
    while (this.files.size > MAX_SCRIPTS) this.files.delete(this.files.keys().next().value as string);
  }

  /** `>> f`: appended to, when its text is known. */
  append(path: string, text: string): void {
    const cur = this.files.get(path);
    if (cur === undefined) return;
    this.set(path, cur + text);
  }

  /** An Edit's old -> new applied; a file the edit cannot be applied to is no longer known. */
  edit(path: string, edits: Array<{ old: string; new: string; all: boolean }>): void {
    let cur = this.files.get(path);
    if (cur === undefined) return;
    for (const e of edits) {
      if (e.old === '' || !cur.includes(e.old)) {
        this.files.delete(path);
        return;
      }
      cur = e.all ? cur.split(e.old).join(e.new) : cur.replace(e.old, () => e.new);
    }
    this.set(path, cur);
  }

  /** Written again by a command whose text is not known: forgotten. */
  forget(path: string): void {
    this.files.delete(path);
  }

  get(path: string): string | undefined {
    return this.files.get(path);
  }

  get size(): number {
    return this.files.size;
  }

  approxBytes(): number {
    let n = 0;
    for (const [p, t] of this.files) n += 64 + 2 * (p.length + t.length);
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

/** The heredoc end marker (names nothing the tamper rules look for). */
const DELIM = 'SCRIPT_TEXT_END_7F3A';

/**
 * The command with the text of the scripts it runs that this session wrote, inlined after it, or
 * undefined when it runs none of them. A script whose text holds the heredoc's end marker is inlined
 * under `sh -c` quoting instead.
 */
export function withScripts(command: string, bash: BashAnalysis, cwd: string | undefined, home: string | undefined, files: WrittenFiles): string | undefined {
  if (files.size === 0) return undefined;
  const parts: string[] = [];
  for (const r of scriptsRun(bash)) {
    const abs = resolvePath(r.path, cwd, home);
    const text = abs ? files.get(abs) : undefined;
    if (text === undefined) continue;
    let fam = r.family;
    if (fam === 'exec') {
      const shebang = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(text);
      const prog = shebang ? (((shebang[1]?.endsWith('/env') ? shebang[2] : shebang[1]) ?? '').split('/').pop() ?? '') : 'sh';
      fam = SHELLS.has(prog) ? 'sh' : (interpFamily(prog) ?? 'sh');
    }
    const runner = fam === 'sh' ? 'sh' : fam;
    if (text.split('\n').some((l) => l.trim() === DELIM)) {
      if (fam !== 'sh') continue;
      parts.push(`sh -c '${text.replace(/'/g, `'\\''`)}'`);
    } else parts.push(`${runner} <<'${DELIM}'\n${text}\n${DELIM}`);
  }
  return parts.length ? `${command}\n${parts.join('\n')}` : undefined;
}
