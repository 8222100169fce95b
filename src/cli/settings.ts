/**
 * Claude Code settings editing for install / uninstall: keeps every other key and every other
 * hook, is idempotent, writes atomically with a backup, refuses invalid JSON.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Every command hook we write carries this marker so uninstall finds only ours. */
export const MARKER = '#mcpproxy-hook';
/** PostToolUseFailure carries a failing tool's output (Bash with a non-zero exit): it is data too. */
export const EVENTS = ['PreToolUse', 'PostToolUse', 'PostToolUseFailure'] as const;

export type Scope = 'user' | 'project' | 'local';

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

export class SettingsError extends Error {}

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

export function isOurs(h: unknown): boolean {
  if (typeof h !== 'object' || h === null) return false;
  const x = h as HookHandler;
  if (typeof x.command === 'string' && x.command.includes(MARKER)) return true;
  if (typeof x.url === 'string' && x.url.includes('/mcpproxy-hook/')) return true;
  return false;
}

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
    throw new SettingsError(`${file} is not valid JSON${line} (${(e as Error).message}). Claude Code ignores such a file in -p mode. Fix it by hand first; nothing was changed.`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new SettingsError(`${file} does not hold a JSON object; nothing was changed.`);
  return { data: v as Record<string, unknown>, text };
}

function hooksObject(data: Record<string, unknown>, file: string): Record<string, unknown> {
  const h = data.hooks;
  if (h === undefined) return {};
  if (typeof h !== 'object' || h === null || Array.isArray(h)) throw new SettingsError(`${file}: "hooks" is not an object; fix it by hand first; nothing was changed.`);
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
  if (Object.keys(hooks).length) out.hooks = hooks;
  else if (data.hooks !== undefined) out.hooks = {};
  return out;
}

/** Add our handlers (after removing any old ones of ours). Pure. */
export function withOurs(data: Record<string, unknown>, handlers: Record<(typeof EVENTS)[number], HookHandler>, file = 'settings'): Record<string, unknown> {
  const base = withoutOurs(data, file);
  const hooks = { ...((base.hooks as Record<string, unknown>) ?? {}) };
  for (const ev of EVENTS) {
    const groups = Array.isArray(hooks[ev]) ? [...(hooks[ev] as unknown[])] : [];
    groups.push({ matcher: '*', hooks: [handlers[ev]] });
    hooks[ev] = groups;
  }
  return { ...base, hooks };
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
  backup?: string;
}

/** Write atomically (temp file + rename) keeping the old file as `<file>.bak`; no write if unchanged. */
export function writeSettings(file: string, data: Record<string, unknown>, oldText: string | null): WriteResult {
  const text = JSON.stringify(data, null, 2) + '\n';
  if (oldText !== null && normalizeJson(oldText) === normalizeJson(text)) return { file, changed: false };
  mkdirSync(dirname(file), { recursive: true });
  let mode = 0o600;
  let backup: string | undefined;
  if (oldText !== null) {
    mode = statSync(file).mode & 0o777;
    backup = file + '.bak';
    copyFileSync(file, backup);
  }
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, file);
  return backup ? { file, changed: true, backup } : { file, changed: true };
}

function normalizeJson(t: string): string {
  try {
    return JSON.stringify(JSON.parse(t));
  } catch {
    return t;
  }
}
