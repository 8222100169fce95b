/**
 * Redaction of secrets before the model sees them (config `redaction.mode: "secrets"`). Pure: no I/O;
 * what it remembers lives in memory only (never saved, never logged).
 *
 * - PostToolUse: every secret the detector finds (severity high or critical: what the engine calls a
 *   secret) in what a tool returned, and every later occurrence of a value held back earlier in the
 *   session, is replaced by a placeholder such as
 *     «secret: Stripe live secret key #1, held back by mcpproxy-hook»
 *   The rewrite keeps the tool's own output shape (Claude Code drops an `updatedToolOutput` that does not
 *   parse as the tool's output: a plain string for Bash is ignored), so only string leaves change; object
 *   keys, numbers and structure stay as they were. One value gets one placeholder for the whole session.
 *   A value that spans several lines is followed by as many newlines, so line numbers stay right.
 * - PreToolUse: an Edit / MultiEdit / Write / NotebookEdit whose input carries placeholders this session
 *   issued for values read from that very file gets the real values back (`updatedInput`). A placeholder
 *   headed for another file, or one this session never issued (e.g. before a restart of the sidecar), is
 *   refused: writing it would put the placeholder text into the file. Nothing else is ever restored: a
 *   placeholder in Bash, WebFetch, an MCP tool or anything else stays a placeholder.
 */
import type { HookEvent } from '../types.ts';
import type { Decision } from './engine.ts';
import { analyzeBash } from './bash/index.ts';
import { scanText, scanTextWhole, type Finding } from './detector.ts';
import { shownOutput, withUnshown } from './shown.ts';
import { stringLeaves } from './fingerprint/index.ts';
import { resolvePath } from './paths.ts';

export type RedactionMode = 'off' | 'secrets';

/** The name in every placeholder, so the model (and the user) know who held the value back. */
const BY = 'held back by mcpproxy-hook';
/** Finds placeholders in a tool input (what the model wrote back). */
const PLACEHOLDER_RE = /«secret: [^«»\n]{1,160}?#\d{1,9}(?: \(\d{1,6} lines\))?, held back by mcpproxy-hook»/g;
/** Values shorter than this are replaced only where the detector finds them, not everywhere they occur. */
const MIN_KNOWN = 8;
/** Strings are scanned in pieces of this size (the detector caps its findings per scan)... */
const CHUNK = 256 * 1024;
/** ...overlapping by this much, more than the longest value a rule reports in one piece (a PEM block). */
const OVERLAP = 40 * 1024;
/** Strings up to this size are scanned whole when no per-scan bound cuts the scan short (the detector's default reach). */
const WHOLE_SCAN_MAX = 1_000_000;
const MAX_DEPTH = 256;
/** Characters of one tool input scanned for secrets the model wrote itself. */
const MAX_AUTHORED_SCAN = 512 * 1024;

/** Tools that write a file from their input: the only ones that get real values back. */
const FILE_WRITERS: Record<string, string> = { Edit: 'file_path', MultiEdit: 'file_path', Write: 'file_path', NotebookEdit: 'notebook_path' };

/** Short names for the labels that read awkwardly inside a placeholder. */
const SHORT_LABEL: Record<string, string> = {
  'Secret assigned to a credential-named key': 'credential',
  'Password in a .netrc entry': '.netrc password',
  'Secret passed as a command-line option': 'credential option',
  'Private key (PEM block)': 'private key',
  'Private key (base64-encoded PEM)': 'private key (base64)',
};

/** A secret held back in one session. */
export interface Held {
  value: string;
  placeholder: string;
  /** newlines after the placeholder (the value's own line breaks) */
  padding: number;
  label: string;
  /** absolute paths of the files the value was read from (the only places it may be written back) */
  files: Set<string>;
}

/** What one session has held back, in memory only. */
export class HeldSecrets {
  private readonly byValue = new Map<string, Held>();
  private readonly byPlaceholder = new Map<string, Held>();
  /** secrets the model itself wrote in a tool input: it knows them, hiding them would only break its edits */
  private readonly authored = new Set<string>();
  private n = 0;
  lastAt = 0;
  /** the model was told once how placeholders work */
  told = false;
  constructor(private readonly maxValues = 10_000) {}

  /** Note the secrets in what the model wrote (a PreToolUse input, placeholders not turned back). */
  noteAuthored(input: unknown): void {
    for (const t of stringLeaves(input, MAX_AUTHORED_SCAN)) {
      if (t.length < 8) continue;
      for (const f of secretFindings(t)) if (!this.byValue.has(f.value) && this.authored.size < this.maxValues) this.authored.add(f.value);
    }
  }

  isAuthored(value: string): boolean {
    return this.authored.has(value);
  }

  get size(): number {
    return this.byValue.size;
  }

  /** The placeholder for a value (the same one every time within the session). */
  hold(value: string, label: string, files: readonly string[]): Held {
    let h = this.byValue.get(value);
    if (!h) {
      const lines = countNewlines(value);
      const short = SHORT_LABEL[label] ?? label;
      const name = short.replace(/[«»\n]/g, ' ').slice(0, 80);
      h = {
        value,
        placeholder: `«secret: ${name} #${++this.n}${lines > 0 ? ` (${lines + 1} lines)` : ''}, ${BY}»`,
        padding: lines,
        label: name,
        files: new Set(),
      };
      // past the cap a value is still held back, but not kept: its placeholder cannot be turned back
      if (this.byValue.size < this.maxValues) {
        this.byValue.set(value, h);
        this.byPlaceholder.set(h.placeholder, h);
      }
    }
    for (const f of files) h.files.add(f);
    return h;
  }

  get(placeholder: string): Held | undefined {
    return this.byPlaceholder.get(placeholder);
  }

  /** Values long enough to be replaced wherever they occur, longest first. */
  known(): Held[] {
    const out: Held[] = [];
    for (const h of this.byValue.values()) if (h.value.length >= MIN_KNOWN) out.push(h);
    return out.sort((a, b) => b.value.length - a.value.length);
  }
}

function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

/** The detector's secrets (high and critical) in `text`, all of it (scanned in overlapping pieces), sorted, not overlapping. */
export function secretFindings(text: string): Finding[] {
  const keep = (f: Finding): boolean => f.severity !== 'medium';
  // up to the detector's own bound, the whole text at once (sorted and not overlapping, as the detector
  // gives it): the scan the recording makes of the same output right after is then a lookup (one scan
  // of a large output, not two); in pieces only when a per-scan bound cut the whole scan short and the
  // text is longer than one piece
  if (text.length <= WHOLE_SCAN_MAX) {
    const whole = scanTextWhole(text, text.length);
    if (!whole.capped || text.length <= CHUNK + OVERLAP) return whole.findings.filter(keep);
  }
  const out: Finding[] = [];
  let end = 0;
  for (let a = 0; a < text.length; ) {
    let b = Math.min(text.length, a + CHUNK);
    // cut after a newline when there is one near the end of the piece
    if (b < text.length) {
      const nl = text.lastIndexOf('\n', b);
      if (nl > a + CHUNK / 2) b = nl + 1;
    }
    const piece = text.slice(a, Math.min(text.length, b + OVERLAP));
    for (const f of scanText(piece, { maxChars: piece.length })) {
      if (!keep(f) || f.start >= b - a) continue;
      const start = f.start + a;
      if (start < end) continue;
      out.push({ ...f, start, end: f.end + a });
      end = f.end + a;
    }
    a = b;
  }
  return out;
}

/** One replacement in a string. */
interface Span {
  start: number;
  end: number;
  held: Held;
}

/**
 * `text` with its secrets replaced: the detector's findings (each held in `held`, with `files` as its
 * sources), then every occurrence of a value held earlier in the session. Same string when nothing changed.
 */
export function redactText(text: string, held: HeldSecrets, files: readonly string[]): string {
  const spans: Span[] = [];
  for (const f of secretFindings(text)) if (!held.isAuthored(f.value)) spans.push({ start: f.start, end: f.end, held: held.hold(f.value, f.label, files) });
  for (const h of held.known()) {
    for (let i = text.indexOf(h.value); i >= 0; i = text.indexOf(h.value, i + h.value.length)) {
      spans.push({ start: i, end: i + h.value.length, held: h });
      for (const f of files) h.files.add(f);
    }
  }
  if (spans.length === 0) return text;
  spans.sort((x, y) => x.start - y.start || y.end - x.end);
  let out = '';
  let at = 0;
  for (const s of spans) {
    if (s.end <= at) continue; // inside what is already replaced
    // a span that overlaps the one before: its placeholder follows, and nothing of either value shows
    out += (s.start > at ? text.slice(at, s.start) : '') + s.held.placeholder + '\n'.repeat(s.held.padding);
    at = s.end;
  }
  return out + text.slice(at);
}

/**
 * `value` (a tool's output, any JSON shape) with secrets replaced in every string leaf; object keys,
 * numbers and structure unchanged. Returns the same object when nothing changed. Binary payloads
 * (`base64` of an image, `data` of an MCP image or audio block) are left alone.
 */
export function redactValue(value: unknown, held: HeldSecrets, files: readonly string[], depth = 0): unknown {
  if (typeof value === 'string') return redactText(value, held, files);
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_DEPTH) return `«output nested too deep to check, ${BY}»`;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = redactValue(value[i], held, files, depth + 1);
      if (v !== value[i]) (copy ??= value.slice())[i] = v;
    }
    return copy ?? value;
  }
  const obj = value as Record<string, unknown>;
  const binary = obj.type === 'image' || obj.type === 'audio';
  let copy: Record<string, unknown> | undefined;
  for (const k of Object.keys(obj)) {
    if (k === 'base64' || (binary && k === 'data')) continue;
    const v = redactValue(obj[k], held, files, depth + 1);
    if (v !== obj[k]) (copy ??= { ...obj })[k] = v;
  }
  return copy ?? value;
}

/** Replace the session's known values by their placeholders (what a model that saw only placeholders would write). */
export function placeholdersFor(value: unknown, held: HeldSecrets): unknown {
  const known = held.known();
  if (known.length === 0) return value;
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') {
      let s = v;
      for (const h of known) if (s.includes(h.value)) s = s.split(h.value).join(h.placeholder + '\n'.repeat(h.padding));
      return s;
    }
    if (v === null || typeof v !== 'object' || depth > MAX_DEPTH) return v;
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = walk(x, depth + 1);
    return out;
  };
  return walk(value, 0);
}

/** What PreToolUse gets from the redaction: real values back for a file writer, or a refusal. */
export type Restore = { updatedInput: Record<string, unknown> } | { deny: string; summary: string };

/**
 * Put real values back in a file writer's input, for placeholders issued for values read from that file.
 * Null when the input holds no placeholder or the tool is not a file writer (nothing is restored there).
 */
export function restoreInput(tool: string, input: Record<string, unknown>, held: HeldSecrets | undefined, cwd?: string, home?: string): Restore | null {
  const key = FILE_WRITERS[tool];
  if (!key) return null;
  const raw = input[key];
  const target = typeof raw === 'string' ? resolvePath(raw, cwd, home) : null;
  const unknown = new Set<string>();
  const foreign = new Map<string, Held>();
  let found = false;
  const restoreText = (text: string): string => {
    let out = '';
    let at = 0;
    PLACEHOLDER_RE.lastIndex = 0;
    for (let m = PLACEHOLDER_RE.exec(text); m !== null; m = PLACEHOLDER_RE.exec(text)) {
      found = true;
      const p = m[0];
      const h = held?.get(p);
      if (!h) unknown.add(p);
      else if (target === null || !h.files.has(target)) foreign.set(p, h);
      else {
        let end = m.index + p.length;
        // the newlines after the placeholder stand for the value's own line breaks: they go with it
        if (h.padding > 0 && text.startsWith('\n'.repeat(h.padding), end)) end += h.padding;
        out += text.slice(at, m.index) + h.value;
        at = end;
        PLACEHOLDER_RE.lastIndex = end;
      }
    }
    return at === 0 ? text : out + text.slice(at);
  };
  const walk = (v: unknown, k: string, depth: number): unknown => {
    if (typeof v === 'string') return k === key || !v.includes('«secret: ') ? v : restoreText(v);
    if (v === null || typeof v !== 'object' || depth > MAX_DEPTH) return v;
    if (Array.isArray(v)) return v.map((x) => walk(x, k, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [kk, x] of Object.entries(v as Record<string, unknown>)) out[kk] = walk(x, kk, depth + 1);
    return out;
  };
  const restored = walk(input, '', 0) as Record<string, unknown>;
  if (!found) return null;
  const where = typeof raw === 'string' ? raw : 'this file';
  if (unknown.size > 0) {
    const list = [...unknown].slice(0, 3).join(', ');
    return {
      deny: `mcpproxy-hook stopped this ${tool}: its input holds ${list}, a placeholder for a secret that this session cannot put back (it was issued before the guard restarted, or in another session). Writing it would put the placeholder text into ${where} instead of the secret. Read the file again to get current placeholders, then retry the edit with them.`,
      summary: `${tool} of ${where}: ${unknown.size} placeholder(s) not issued in this session, not written`,
    };
  }
  if (foreign.size > 0) {
    const from = [...new Set([...foreign.values()].flatMap((h) => [...h.files]))].slice(0, 3);
    const list = [...foreign.keys()].slice(0, 3).join(', ');
    return {
      deny: `mcpproxy-hook stopped this ${tool}: its input holds ${list}, a placeholder for a secret that mcpproxy-hook held back. The real value is put back only in the file it was read from (${from.length ? from.join(', ') : 'none: it did not come from a file'}), never in another file or command, so this call would write the placeholder text into ${where}. To copy the value, use a shell command that does not print it (for example: grep '^NAME=' SOURCE >> ${where}), or ask the user to do it.`,
      summary: `${tool} of ${where}: ${foreign.size} placeholder(s) of another source, not restored`,
    };
  }
  return { updatedInput: restored };
}

/** The file(s) a tool's output was read from, as absolute paths (for where its values may be written back). */
export function sourceFiles(ev: HookEvent, home?: string): string[] {
  const input = (ev.tool_input ?? {}) as Record<string, unknown>;
  const cwd = typeof ev.cwd === 'string' ? ev.cwd : undefined;
  const tool = typeof ev.tool_name === 'string' ? ev.tool_name : '';
  const out: string[] = [];
  const add = (p: unknown): void => {
    if (typeof p !== 'string') return;
    const abs = resolvePath(p, cwd, home);
    if (abs && !out.includes(abs)) out.push(abs);
  };
  if (tool.startsWith('mcp__') || tool === 'WebFetch' || tool === 'WebSearch') return out;
  if (typeof input.file_path === 'string') add(input.file_path);
  else if (typeof input.notebook_path === 'string') add(input.notebook_path);
  else if (tool === 'Bash' && typeof input.command === 'string' && input.command.length <= 64 * 1024) {
    try {
      for (const p of analyzeBash(input.command).readPaths) add(p);
    } catch {
      /* a command the parser cannot read: its values have no file */
    }
  }
  return out;
}

/** Fields of Claude Code's hook reply that carry a rewrite (see claude/hook-output.ts). */
export interface Rewrite {
  updatedToolOutput?: unknown;
  updatedMCPToolOutput?: unknown;
  updatedInput?: Record<string, unknown>;
  /** PostToolUse: a note for the model (how placeholders work), the first time a session gets one */
  additionalContext?: string;
}

/** Told to the model with its first placeholder in a session. */
export const PLACEHOLDER_NOTE =
  `mcpproxy-hook held back secret values in this output; each shows as «secret: <kind> #n, ${BY}». A placeholder is not the value. ` +
  "It is turned back into the value only when written to the file the value was read from, in a Write's content or an Edit's new_string. " +
  "An Edit's old_string is compared with the file before any hook runs, so leave placeholders out of old_string and match the text next to them. " +
  'In commands, URLs, messages and other files a placeholder stays a placeholder.';

export interface RedactorOptions {
  mode: () => RedactionMode;
  home?: string;
  /** sessions kept at once (least recently used dropped first) */
  maxSessions?: () => number;
  /** a session idle this long is forgotten */
  idleMs?: () => number;
  now?: () => number;
}

/**
 * The sidecar's redaction state: one HeldSecrets per session, in memory only. Everything it is asked
 * is answered synchronously, in event order.
 */
export class Redactor {
  private readonly sessions = new Map<string, HeldSecrets>();
  private created = 0;
  constructor(private readonly opts: RedactorOptions) {}

  get on(): boolean {
    return this.opts.mode() === 'secrets';
  }

  private session(id: string, create: boolean): HeldSecrets | undefined {
    const now = (this.opts.now ?? Date.now)();
    const idle = this.opts.idleMs?.() ?? 30 * 60_000;
    let s = this.sessions.get(id);
    if (s && now - s.lastAt > idle) {
      this.sessions.delete(id);
      s = undefined;
    }
    if (!s) {
      if (!create) return undefined;
      s = new HeldSecrets();
      if (++this.created % 64 === 0) for (const [k, v] of this.sessions) if (now - v.lastAt > idle) this.sessions.delete(k);
      const max = this.opts.maxSessions?.() ?? 1000;
      while (this.sessions.size >= max) this.sessions.delete(this.sessions.keys().next().value as string);
    } else this.sessions.delete(id);
    this.sessions.set(id, s); // most recently used last
    s.lastAt = now;
    return s;
  }

  /** PostToolUse: the rewrite of the tool's output, or null when there is nothing to hold back. */
  post(ev: HookEvent): Rewrite | null {
    if (!this.on || ev.hook_event_name !== 'PostToolUse' || ev.tool_response === undefined) return null;
    // what the model is not shown is not held back from it (shown.ts): the rewrite carries it through unchanged
    const shown = shownOutput(ev.tool_name, ev.tool_response);
    const redacted = this.redact(ev.session_id, shown, sourceFiles(ev, this.opts.home));
    if (redacted === shown) return null;
    const out = withUnshown(ev.tool_name, ev.tool_response, redacted);
    const rw: Rewrite = typeof ev.tool_name === 'string' && ev.tool_name.startsWith('mcp__') ? { updatedMCPToolOutput: out } : { updatedToolOutput: out };
    const held = this.sessions.get(ev.session_id);
    if (held && !held.told) {
      held.told = true;
      rw.additionalContext = PLACEHOLDER_NOTE;
    }
    return rw;
  }

  /** What an MCP upstream returned, redacted for the client (the MCP proxy); the same object when unchanged. */
  mcpResult(sessionId: string, result: unknown): unknown {
    if (!this.on) return result;
    try {
      return this.redact(sessionId, result, []);
    } catch (e) {
      // never hand over what could not be checked
      return {
        isError: true,
        content: [
          {
            type: 'text',
            text: `mcpproxy-hook could not check this result for secrets (${(e as Error).message.slice(0, 200)}), so it is held back. See the sidecar log.`,
          },
        ],
      };
    }
  }

  private redact(sessionId: string, value: unknown, files: string[]): unknown {
    const held = this.session(sessionId, true) as HeldSecrets;
    return redactValue(value, held, files);
  }

  /**
   * PreToolUse: note the secrets the model wrote itself (they are not held back from it later); for a
   * file writer, the real values back, a refusal, or null (nothing to do).
   */
  pre(ev: HookEvent): Restore | null {
    if (!this.on || ev.hook_event_name !== 'PreToolUse' || typeof ev.tool_name !== 'string') return null;
    const input = ev.tool_input;
    if (typeof input !== 'object' || input === null) return null;
    const held = this.session(ev.session_id, true) as HeldSecrets;
    held.noteAuthored(input);
    if (!FILE_WRITERS[ev.tool_name]) return null;
    return restoreInput(ev.tool_name, input as Record<string, unknown>, held, typeof ev.cwd === 'string' ? ev.cwd : undefined, this.opts.home);
  }

  /** For measurements: the session's held values, or undefined. */
  held(sessionId: string): HeldSecrets | undefined {
    return this.sessions.get(sessionId);
  }

  forget(sessionId: string): void {
    this.sessions.delete(sessionId);
  }

  get size(): number {
    return this.sessions.size;
  }
}

/** The event the engine judges: a file writer's input with the real values back, as it will run. */
export function judgedEvent(ev: HookEvent, r: Restore | null): HookEvent {
  return r && 'updatedInput' in r ? { ...ev, tool_input: r.updatedInput } : ev;
}

/**
 * The engine's decision with the redaction's part: a refusal to write placeholders (deny, unless the
 * engine already denies for its own reason), or the restored input (not on a deny).
 */
export function withRestore(d: Decision, r: Restore | null): { decision: Decision; rewrite: Rewrite | null } {
  if (!r || d.action === 'deny') return { decision: d, rewrite: null };
  if ('deny' in r) return { decision: { ...d, action: 'deny', risk: d.risk === 'none' ? 'low' : d.risk, reason: r.deny, summary: r.summary }, rewrite: null };
  return { decision: d, rewrite: { updatedInput: r.updatedInput } };
}
