/**
 * Claude Code settings editing for install / uninstall: keeps every other key and every other
 * hook, is idempotent, writes atomically with a backup that is removed once the new file reads back
 * as written, refuses invalid JSON, and keeps a file that holds a bearer token private (0600).
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { writeFileAtomic } from '../fs-atomic.ts';
import { dirname, join } from 'node:path';

import { GUARD_HOOK_MARKER, isGuardHook } from '../engine/settings-effect.ts';
import { ErrorCode, GuardError } from '../errors.ts';

/** Every command hook we write carries this marker so uninstall finds only ours (the sidecar knows them by it too). */
export const MARKER = GUARD_HOOK_MARKER;
/** PostToolUseFailure carries a failing tool's output (Bash with a non-zero exit): it is data too. */
export const EVENTS = ['PreToolUse', 'PostToolUse', 'PostToolUseFailure'] as const;

export type Scope = 'user' | 'project' | 'local';

/** One handler of ours and where it goes: `hooks.<event>[] = {matcher, hooks: [handler]}`. */
export interface HookEntry {
  event: string;
  /** omitted for events that take no matcher (SessionStart matches every source without one) */
  matcher?: string;
  handler: HookHandler;
}

export interface HookHandler {
  type: string;
  command?: string;
  url?: string;
  timeout?: number;
  headers?: Record<string, string>;
  allowedEnvVars?: string[];
  [k: string]: unknown;
}

interface MatcherGroup {
  matcher?: string;
  hooks?: HookHandler[];
  [k: string]: unknown;
}

export class SettingsError extends GuardError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.Settings, message, options);
  }
}

export function settingsPath(scope: Scope, cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  if (scope === 'user') {
    const base = env.CLAUDE_CONFIG_DIR || join(env.HOME || '', '.claude');
    return join(base, 'settings.json');
  }
  return join(cwd, '.claude', scope === 'project' ? 'settings.json' : 'settings.local.json');
}

/** Claude Code's own state file, where user-scope MCP servers live. */
export function claudeJsonPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.CLAUDE_CONFIG_DIR ? join(env.CLAUDE_CONFIG_DIR, '.claude.json') : join(env.HOME || '', '.claude.json');
}

/** One of our handlers: a command with the marker, or an HTTP hook to our path (the same test the sidecar's settings rules use). */
export const isOurs = isGuardHook;

/** Read a settings file: {} when missing; SettingsError naming the line when it is not valid JSON. */
export function readSettings(file: string): { data: Record<string, unknown>; text: string | null } {
  if (!existsSync(file)) return { data: {}, text: null };
  const text = readFileSync(file, 'utf8');
  if (text.trim() === '') return { data: {}, text };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    const line = m ? ` at line ${text.slice(0, Number(m[1])).split('\n').length}` : '';
    throw new SettingsError(
      `${file} is not valid JSON${line} (${(e as Error).message}). Claude Code ignores such a file in -p mode. Fix it by hand first; nothing was changed.`,
    );
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new SettingsError(`${file} does not hold a JSON object; nothing was changed.`);
  return { data: v as Record<string, unknown>, text };
}

function hooksObject(data: Record<string, unknown>, file: string): Record<string, unknown> {
  const h = data.hooks;
  if (h === undefined) return {};
  if (typeof h !== 'object' || h === null || Array.isArray(h))
    throw new SettingsError(`${file}: "hooks" is not an object; fix it by hand first; nothing was changed.`);
  return h as Record<string, unknown>;
}

/** Remove our handlers from a settings object (pure: returns a new object). */
export function withoutOurs(data: Record<string, unknown>, file = 'settings'): Record<string, unknown> {
  const hooks = { ...hooksObject(data, file) };
  for (const ev of Object.keys(hooks)) {
    const groups = hooks[ev];
    if (!Array.isArray(groups)) continue;
    const kept: unknown[] = [];
    for (const g of groups) {
      if (typeof g !== 'object' || g === null || !Array.isArray((g as MatcherGroup).hooks)) {
        kept.push(g);
        continue;
      }
      const grp = g as MatcherGroup;
      const hs = (grp.hooks as HookHandler[]).filter((h) => !isOurs(h));
      if (hs.length === (grp.hooks as HookHandler[]).length) kept.push(g);
      else if (hs.length > 0) kept.push({ ...grp, hooks: hs });
    }
    if (kept.length) hooks[ev] = kept;
    else delete hooks[ev];
  }
  const out = { ...data };
  // an emptied "hooks" goes entirely: uninstall leaves no "hooks": {} behind
  if (Object.keys(hooks).length) out.hooks = hooks;
  else delete out.hooks;
  return out;
}

/**
 * Add our handlers (after removing any old ones of ours). Pure. `handlers` is either one handler per
 * tool event (matcher "*") or a list of entries, each with its own event and matcher.
 */
export function withOurs(
  data: Record<string, unknown>,
  handlers: Partial<Record<(typeof EVENTS)[number], HookHandler>> | HookEntry[],
  file = 'settings',
): Record<string, unknown> {
  const base = withoutOurs(data, file);
  const hooks = { ...((base.hooks as Record<string, unknown>) ?? {}) };
  const entries: HookEntry[] = Array.isArray(handlers)
    ? handlers
    : EVENTS.filter((ev) => handlers[ev]).map((ev) => ({ event: ev, matcher: '*', handler: handlers[ev] as HookHandler }));
  for (const e of entries) {
    const groups = Array.isArray(hooks[e.event]) ? [...(hooks[e.event] as unknown[])] : [];
    groups.push(e.matcher === undefined ? { hooks: [e.handler] } : { matcher: e.matcher, hooks: [e.handler] });
    hooks[e.event] = groups;
  }
  return { ...base, hooks };
}

/** A literal bearer token in one of our HTTP handlers (not a `$VAR` Claude Code fills in from the environment). */
export function holdsToken(data: Record<string, unknown>): boolean {
  return ourHandlers(data).some(({ handler }) => Object.values(handler.headers ?? {}).some((v) => /^Bearer\s+[^$\s]/.test(String(v))));
}

/** How our hooks in one settings file behave when the sidecar cannot answer. */
export interface HookMode {
  transport: 'command' | 'http' | 'none';
  /** Claude Code blocks the tool call when our hook fails (onFailure "block"), or the command hook denies on its own */
  failClosed: boolean;
  /** a SessionStart hook starts the sidecar when none runs */
  starter: boolean;
}

export function hookMode(data: Record<string, unknown>): HookMode {
  const ours = ourHandlers(data);
  const tool = ours.filter((x) => x.event === 'PreToolUse');
  const transport = tool.some((x) => x.handler.type === 'http') ? 'http' : tool.length ? 'command' : 'none';
  const failClosed = tool.length > 0 && tool.every((x) => x.handler.onFailure === 'block' || String(x.handler.command ?? '').includes('--fail-closed'));
  const starter = ours.some((x) => x.event === 'SessionStart');
  return { transport, failClosed, starter };
}

export function ourHandlers(data: Record<string, unknown>): Array<{ event: string; handler: HookHandler }> {
  const out: Array<{ event: string; handler: HookHandler }> = [];
  const hooks = data.hooks;
  if (typeof hooks !== 'object' || hooks === null) return out;
  for (const [ev, groups] of Object.entries(hooks)) {
    if (!Array.isArray(groups)) continue;
    for (const g of groups) {
      const hs = (g as MatcherGroup)?.hooks;
      if (Array.isArray(hs)) for (const h of hs) if (isOurs(h)) out.push({ event: ev, handler: h });
    }
  }
  return out;
}

export interface WriteResult {
  file: string;
  changed: boolean;
  /** the file's mode after the write */
  mode?: number;
}

export interface WriteOptions {
  /** the file's mode when it is created, or when it no longer holds a token (default: keep the current one, 0600 for a new file) */
  mode?: number;
}

/**
 * Write atomically (temp file + rename); no write if unchanged. The old file is copied to `<file>.bak`
 * (0600) first; once the new file reads back as the JSON that was meant, the backup is removed, so a
 * run leaves nothing behind. If it does not read back, the old file is put back and SettingsError says so.
 * A file that holds one of our bearer tokens is written 0600 whatever its mode was.
 */
export function writeSettings(file: string, data: Record<string, unknown>, oldText: string | null, opts: WriteOptions = {}): WriteResult {
  const text = JSON.stringify(data, null, 2) + '\n';
  if (oldText !== null && normalizeJson(oldText) === normalizeJson(text)) return { file, changed: false };
  mkdirSync(dirname(file), { recursive: true });
  let mode = opts.mode ?? 0o600;
  let backup: string | undefined;
  if (oldText !== null && existsSync(file)) {
    if (opts.mode === undefined) mode = statSync(file).mode & 0o777;
    backup = file + '.bak';
    copyFileSync(file, backup);
    chmodSync(backup, 0o600);
  }
  if (holdsToken(data)) mode = 0o600;
  // exact mode (the umask may have narrowed it; a token file must not be wider than 0600 either way), fsynced
  writeFileAtomic(file, text, { mode });
  let back: string | null = null;
  try {
    back = readFileSync(file, 'utf8');
  } catch {
    /* reported below */
  }
  if (back === null || normalizeJson(back) !== normalizeJson(text)) {
    if (backup) renameSync(backup, file);
    throw new SettingsError(
      `${file} did not read back as written (another program changed it at the same moment?)${backup ? '; the previous file was put back' : ''}. Run the command again.`,
    );
  }
  if (backup) unlinkSync(backup);
  return { file, changed: true, mode };
}

/** Remove a settings file we created when nothing of the user's is left in it. */
export function removeIfEmpty(file: string, data: Record<string, unknown>): boolean {
  if (Object.keys(data).length !== 0 || !existsSync(file)) return false;
  unlinkSync(file);
  return true;
}

function normalizeJson(t: string): string {
  try {
    return JSON.stringify(JSON.parse(t));
  } catch {
    return t;
  }
}
