/**
 * Config: one JSON file, validated at load. Every key has a default; errors name the key and the fix.
 * Pure except for `loadConfigFile`.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Action, Classification } from './types.ts';
import { DEFAULT_SUSPICIOUS_ENDPOINTS } from './engine/urls.ts';

export interface UpstreamServer {
  /** stdio */
  command?: string;
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** streamable HTTP */
  type?: 'stdio' | 'http';
  url?: string;
  headers?: Record<string, string>;
  /** classification of this upstream for the flow engine */
  classification?: Classification;
  disabled?: boolean;
}

export interface Config {
  policy: {
    sensitiveToExternal: Action;
    internalToExternal: Action;
    sensitiveToUnknown: Action;
    internalToUnknown: Action;
    secretToExternal: Action;
    sensitiveInFetchPrompt: Action;
    guardTampering: Action;
    askWhenBypassed: Action;
    settingsChanges: Action;
    internalToHybrid: Action;
    internalToSearch: Action;
    lethalTrifecta: Action;
    suspiciousEndpoint: Action;
    suspiciousEndpoints: string[];
    extraSuspiciousEndpoints: string[];
    trustedHosts: string[];
    toolActions: Record<string, Action>;
    serverActions: Record<string, Action>;
  };
  classification: {
    servers: Record<string, Classification>;
    tools: Record<string, Classification>;
  };
  session: {
    idleMinutes: number;
    maxFingerprints: number;
    maxSessions: number;
    maxResponseBytes: number;
    persist: boolean;
  };
  audit: {
    retentionDays: number;
    maxRows: number;
  };
  hook: {
    failClosed: boolean;
    timeoutSeconds: number;
    deadlineMs: number;
    httpPort: number;
  };
  mcp: {
    port: number;
    servers: Record<string, UpstreamServer>;
  };
}

const ACTIONS: readonly Action[] = ['allow', 'warn', 'ask', 'deny'];
const CLASSES: readonly Classification[] = ['internal', 'external', 'hybrid', 'unknown'];

type Leaf =
  | { kind: 'enum'; values: readonly string[]; def: string; doc: string }
  | { kind: 'int'; min: number; max: number; def: number; doc: string }
  | { kind: 'bool'; def: boolean; doc: string }
  | { kind: 'strings'; def: readonly string[]; doc: string }
  | { kind: 'map'; values: readonly string[]; doc: string }
  | { kind: 'servers'; doc: string };
type Schema = { [k: string]: Schema | Leaf };

const isLeaf = (x: Schema | Leaf): x is Leaf => typeof (x as Leaf).kind === 'string' && typeof (x as Leaf).doc === 'string';

/** The schema, with defaults and one line of documentation per key (printed by `mcpproxy-hook config --docs`). */
export const SCHEMA: Schema = {
  policy: {
    sensitiveToExternal: { kind: 'enum', values: ACTIONS, def: 'deny', doc: 'data with a secret or card number, read by an internal tool, about to leave the machine' },
    internalToExternal: { kind: 'enum', values: ACTIONS, def: 'ask', doc: 'other data read by an internal tool about to leave the machine' },
    sensitiveToUnknown: { kind: 'enum', values: ACTIONS, def: 'ask', doc: 'sensitive data going to a tool that is not classified (e.g. an unknown MCP server)' },
    internalToUnknown: { kind: 'enum', values: ACTIONS, def: 'allow', doc: 'other internal data going to a tool that is not classified' },
    secretToExternal: { kind: 'enum', values: ACTIONS, def: 'deny', doc: 'a secret (by pattern) in outgoing data that no tool of the session returned' },
    askWhenBypassed: { kind: 'enum', values: ACTIONS, def: 'deny', doc: "what an 'ask' becomes in a session that bypasses permissions (--dangerously-skip-permissions, permission_mode bypassPermissions), where Claude Code would run the call without asking anyone" },
    guardTampering: { kind: 'enum', values: ACTIONS, def: 'deny', doc: 'a tool call that would stop or kill the sidecar, uninstall the guard, or change or delete its state or built files' },
    settingsChanges: { kind: 'enum', values: ACTIONS, def: 'ask', doc: "a tool call that would change Claude Code's settings files (where the guard's hooks and MCP servers are configured)" },
    sensitiveInFetchPrompt: { kind: 'enum', values: ACTIONS, def: 'deny', doc: 'secrets or sensitive data in the prompt of a WebFetch of an outside page (the prompt goes to the summarising model, not the site, but only an injected agent puts secrets there)' },
    internalToHybrid: { kind: 'enum', values: ACTIONS, def: 'warn', doc: "internal data (shared text only: no secret, card, e-mail or random id) going to a write tool of a hybrid server such as GitHub, where the project's code and tickets already live" },
    internalToSearch: { kind: 'enum', values: ACTIONS, def: 'warn', doc: 'internal data (shared text only: no secret, card, e-mail or random id) in a WebSearch query, e.g. an error message from a test run' },
    lethalTrifecta: { kind: 'enum', values: ACTIONS, def: 'ask', doc: 'any egress of a session that has read both untrusted content (web page, search result, public issue) and sensitive data, even when nothing matches (a plain git push to an existing remote is exempt)' },
    suspiciousEndpoint: { kind: 'enum', values: ACTIONS, def: 'deny', doc: 'any tool input naming a host on the suspicious-endpoint list' },
    suspiciousEndpoints: { kind: 'strings', def: DEFAULT_SUSPICIOUS_ENDPOINTS, doc: 'domains (and their subdomains) that exist to receive data: request bins, tunnels, paste sites; replaces the built-in list' },
    extraSuspiciousEndpoints: { kind: 'strings', def: [], doc: 'domains added to the suspicious-endpoint list' },
    trustedHosts: { kind: 'strings', def: [], doc: 'destination domains you own; data going only there counts as staying inside' },
    toolActions: { kind: 'map', values: ACTIONS, doc: 'tool name -> action used for any data flow into that tool (e.g. {"WebFetch": "warn"})' },
    serverActions: { kind: 'map', values: ACTIONS, doc: 'MCP server name -> action used for any data flow into its tools' },
  },
  classification: {
    servers: { kind: 'map', values: CLASSES, doc: 'MCP server name -> internal | external | hybrid | unknown' },
    tools: { kind: 'map', values: CLASSES, doc: 'tool name (e.g. mcp__crm__export) -> class; wins over the server' },
  },
  session: {
    idleMinutes: { kind: 'int', min: 1, max: 10080, def: 30, doc: 'a session with no event for this long is closed and summarised' },
    maxFingerprints: { kind: 'int', min: 1000, max: 5_000_000, def: 50_000, doc: 'fingerprints kept per session; the oldest origins are evicted first' },
    maxSessions: { kind: 'int', min: 1, max: 100_000, def: 1000, doc: 'sessions tracked at once; the least recently active is closed first' },
    maxResponseBytes: { kind: 'int', min: 1024, max: 64 * 1024 * 1024, def: 1024 * 1024, doc: 'bytes of one tool response that are fingerprinted' },
    persist: { kind: 'bool', def: true, doc: 'save open sessions\' flow state (keyed hashes, never content) in the state database, so a restart or crash of the sidecar keeps protecting them' },
  },
  audit: {
    retentionDays: { kind: 'int', min: 1, max: 3650, def: 30, doc: 'audit rows older than this are pruned' },
    maxRows: { kind: 'int', min: 1000, max: 100_000_000, def: 2_000_000, doc: 'the oldest audit rows beyond this count are pruned' },
  },
  hook: {
    failClosed: { kind: 'bool', def: false, doc: 'default for `install`: deny tool calls when the sidecar cannot be reached' },
    timeoutSeconds: { kind: 'int', min: 2, max: 600, def: 10, doc: 'the `timeout` written into Claude Code settings for our hooks' },
    deadlineMs: { kind: 'int', min: 100, max: 60_000, def: 3000, doc: "the hook's own deadline for the sidecar's answer (kept below timeoutSeconds)" },
    httpPort: { kind: 'int', min: 0, max: 65535, def: 0, doc: 'loopback port of the HTTP hook endpoint (`install --transport http`); 0 = off' },
  },
  mcp: {
    port: { kind: 'int', min: 0, max: 65535, def: 0, doc: 'loopback port of the MCP proxy (Streamable HTTP); 0 = off' },
    servers: { kind: 'servers', doc: 'upstream MCP servers, same shape as .mcp.json "mcpServers"' },
  },
};

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source}: invalid config:\n${problems.map((p) => '  - ' + p).join('\n')}`);
  }
}

function closest(word: string, options: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const o of options) {
    const d = editDistance(word.toLowerCase(), o.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = o;
    }
  }
  return bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0] as number;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j] as number;
      dp[j] = Math.min((dp[j] as number) + 1, (dp[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length] as number;
}

const show = (v: unknown): string => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? s.slice(0, 57) + '...' : s;
};

function validateServers(v: unknown, path: string, problems: string[]): Record<string, UpstreamServer> {
  const out: Record<string, UpstreamServer> = {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    problems.push(`${path}: expected an object of servers like {"db": {"command": "node", "args": ["db.js"]}}, got ${show(v)}`);
    return out;
  }
  const allowed = ['command', 'args', 'env', 'cwd', 'type', 'url', 'headers', 'classification', 'disabled'];
  for (const [name, raw] of Object.entries(v)) {
    const p = `${path}.${name}`;
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) problems.push(`${p}: server names may use letters, digits, "_" and "-" (1-64 chars)`);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      problems.push(`${p}: expected an object with "command" (stdio) or "url" (http)`);
      continue;
    }
    const s = raw as Record<string, unknown>;
    for (const k of Object.keys(s)) {
      if (!allowed.includes(k)) {
        const c = closest(k, allowed);
        problems.push(`${p}.${k}: unknown key${c ? ` (did you mean "${c}"?)` : `; allowed: ${allowed.join(', ')}`}`);
      }
    }
    const srv: UpstreamServer = {};
    if (s.type !== undefined) {
      if (s.type === 'streamable-http') srv.type = 'http';
      else if (s.type === 'stdio' || s.type === 'http') srv.type = s.type;
      else problems.push(`${p}.type: ${show(s.type)} is not supported; use "stdio" or "http"`);
    }
    if (s.command !== undefined) {
      if (typeof s.command !== 'string' || !s.command) problems.push(`${p}.command: expected a non-empty string`);
      else srv.command = s.command;
    }
    if (s.url !== undefined) {
      if (typeof s.url !== 'string' || !/^https?:\/\//.test(s.url)) problems.push(`${p}.url: expected an http(s) URL, got ${show(s.url)}`);
      else srv.url = s.url;
    }
    if (srv.command === undefined && srv.url === undefined) problems.push(`${p}: needs "command" (a stdio server) or "url" (a Streamable HTTP server)`);
    if (srv.command !== undefined && srv.url !== undefined) problems.push(`${p}: has both "command" and "url"; keep one`);
    if (s.args !== undefined) {
      if (!Array.isArray(s.args) || s.args.some((a) => typeof a !== 'string')) problems.push(`${p}.args: expected an array of strings`);
      else srv.args = s.args as string[];
    }
    for (const key of ['env', 'headers'] as const) {
      const m = s[key];
      if (m === undefined) continue;
      if (typeof m !== 'object' || m === null || Array.isArray(m) || Object.values(m).some((x) => typeof x !== 'string')) {
        problems.push(`${p}.${key}: expected an object of strings`);
      } else srv[key] = m as Record<string, string>;
    }
    if (s.cwd !== undefined) {
      if (typeof s.cwd !== 'string') problems.push(`${p}.cwd: expected a string`);
      else srv.cwd = s.cwd;
    }
    if (s.classification !== undefined) {
      if (!CLASSES.includes(s.classification as Classification)) problems.push(`${p}.classification: ${show(s.classification)} is not one of ${CLASSES.join(', ')}`);
      else srv.classification = s.classification as Classification;
    }
    if (s.disabled !== undefined) {
      if (typeof s.disabled !== 'boolean') problems.push(`${p}.disabled: expected true or false`);
      else srv.disabled = s.disabled;
    }
    out[name] = srv;
  }
  return out;
}

function validateLeaf(leaf: Leaf, v: unknown, path: string, problems: string[]): unknown {
  switch (leaf.kind) {
    case 'enum':
      if (typeof v !== 'string' || !leaf.values.includes(v)) {
        problems.push(`${path}: ${show(v)} is not allowed; use one of ${leaf.values.join(', ')}`);
        return leaf.def;
      }
      return v;
    case 'int':
      if (typeof v !== 'number' || !Number.isInteger(v) || v < leaf.min || v > leaf.max) {
        problems.push(`${path}: ${show(v)} is not allowed; use a whole number from ${leaf.min} to ${leaf.max} (default ${leaf.def})`);
        return leaf.def;
      }
      return v;
    case 'bool':
      if (typeof v !== 'boolean') {
        problems.push(`${path}: ${show(v)} is not allowed; use true or false (default ${leaf.def})`);
        return leaf.def;
      }
      return v;
    case 'strings':
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || x.length === 0)) {
        problems.push(`${path}: expected an array of non-empty strings, got ${show(v)}`);
        return [...leaf.def];
      }
      return v;
    case 'map': {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) {
        problems.push(`${path}: expected an object like {"name": "${leaf.values[0]}"}, got ${show(v)}`);
        return {};
      }
      const out: Record<string, string> = {};
      for (const [k, x] of Object.entries(v)) {
        if (typeof x !== 'string' || !leaf.values.includes(x)) problems.push(`${path}.${k}: ${show(x)} is not allowed; use one of ${leaf.values.join(', ')}`);
        else out[k] = x;
      }
      return out;
    }
    case 'servers':
      return validateServers(v, path, problems);
  }
}

function defaults(schema: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(schema)) {
    if (isLeaf(s)) {
      if (s.kind === 'map' || s.kind === 'servers') out[k] = {};
      else if (s.kind === 'strings') out[k] = [...s.def];
      else out[k] = s.def;
    } else out[k] = defaults(s);
  }
  return out;
}

export function defaultConfig(): Config {
  return defaults(SCHEMA) as unknown as Config;
}

function walk(schema: Schema, raw: unknown, path: string, problems: string[]): Record<string, unknown> {
  const out = defaults(schema);
  if (raw === undefined) return out;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.push(`${path || '(top level)'}: expected an object, got ${show(raw)}`);
    return out;
  }
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    const p = path ? `${path}.${k}` : k;
    if (k === '$schema' || k === '//' || k.startsWith('_comment')) continue;
    const s = schema[k];
    if (!s) {
      const c = closest(k, Object.keys(schema));
      problems.push(`${p}: unknown key${c ? ` (did you mean "${c}"?)` : `; allowed here: ${Object.keys(schema).join(', ')}`}`);
      continue;
    }
    out[k] = isLeaf(s) ? validateLeaf(s, v, p, problems) : walk(s, v, p, problems);
  }
  return out;
}

/** Validate a parsed config object. Throws ConfigError listing every problem. */
export function validateConfig(raw: unknown, source = 'config'): Config {
  const problems: string[] = [];
  const cfg = walk(SCHEMA, raw, '', problems) as unknown as Config;
  if (cfg.hook.deadlineMs >= cfg.hook.timeoutSeconds * 1000) {
    problems.push(`hook.deadlineMs: ${cfg.hook.deadlineMs} must be below hook.timeoutSeconds (${cfg.hook.timeoutSeconds} s), or Claude Code kills the hook first and lets the tool run`);
  }
  if (problems.length) throw new ConfigError(source, problems);
  return cfg;
}

/** Parse JSON text with a message that points at the line. */
export function parseConfigText(text: string, source: string): Config {
  let raw: unknown;
  try {
    raw = text.trim() === '' ? {} : JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    let where = '';
    if (pos) {
      const upto = text.slice(0, Number(pos[1]));
      where = ` (line ${upto.split('\n').length})`;
    }
    throw new ConfigError(source, [`not valid JSON${where}: ${msg}. Fix the syntax; comments and trailing commas are not allowed in JSON`]);
  }
  return validateConfig(raw, source);
}

/** Read and validate the config file; a missing file means all defaults. */
export function loadConfigFile(path: string): { config: Config; exists: boolean } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { config: defaultConfig(), exists: false };
    throw new ConfigError(path, [`cannot read the file: ${(e as Error).message}`]);
  }
  return { config: parseConfigText(text, path), exists: true };
}

/** Flat list of every key with its default and doc, for the README and `config --docs`. */
export function configDocs(): Array<{ key: string; def: string; doc: string }> {
  const out: Array<{ key: string; def: string; doc: string }> = [];
  const rec = (s: Schema, path: string): void => {
    for (const [k, v] of Object.entries(s)) {
      const p = path ? `${path}.${k}` : k;
      if (!isLeaf(v)) rec(v, p);
      else {
        const def = v.kind === 'map' || v.kind === 'servers' ? '{}' : v.kind === 'strings' ? (v.def.length > 4 ? `[${v.def.length} domains]` : JSON.stringify(v.def)) : JSON.stringify(v.def);
        out.push({ key: p, def, doc: v.doc });
      }
    }
  };
  rec(SCHEMA, '');
  return out;
}

/** Set one key in the config file (creating it), validating the result first. Atomic write, 0600. */
export function setConfigValue(file: string, path: string[], value: unknown): void {
  let raw: Record<string, unknown> = {};
  try {
    const text = readFileSync(file, 'utf8');
    if (text.trim()) raw = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new ConfigError(file, [`cannot update the file: ${(e as Error).message}`]);
  }
  let node: Record<string, unknown> = raw;
  for (const k of path.slice(0, -1)) {
    if (typeof node[k] !== 'object' || node[k] === null) node[k] = {};
    node = node[k] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
  validateConfig(raw, file);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(raw, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, file);
}
