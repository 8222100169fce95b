/**
 * Config: one JSON file, validated at load against the zod schemas in `schema.ts`. Every key has a
 * default; every problem is reported with the key's path and the fix. Pure except for
 * `loadConfigFile` and `setConfigValue`.
 */
import { closeSync, constants as fsConstants, fstatSync, openSync, readSync } from 'node:fs';
import { ErrorCode, GuardError } from '../errors.ts';
import { z } from 'zod';
import { configSchema, type Config } from './schema.ts';
import { writeFileAtomic } from '../fs-atomic.ts';

export { ACTIONS, CLASSES, configSchema, type Config, type UpstreamServer } from './schema.ts';

export class ConfigError extends GuardError {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(ErrorCode.ConfigInvalid, `${source}: invalid config:\n${problems.map((p) => '  - ' + p).join('\n')}`);
  }
}

// ---------------------------------------------------------------- walking the schema

type AnySchema = z.ZodType;
interface Def {
  type: string;
  innerType?: AnySchema;
  in?: AnySchema;
  shape?: Record<string, AnySchema>;
  valueType?: AnySchema;
  element?: AnySchema;
  entries?: Record<string, string>;
  checks?: Array<{ _zod: { def: { check: string; value?: number; inclusive?: boolean } } }>;
}
const defOf = (s: AnySchema): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The schema under defaults, transforms and optionals: the one that says what the value must be. */
function core(s: AnySchema): AnySchema {
  for (;;) {
    const d = defOf(s);
    if (d.innerType) s = d.innerType;
    else if (d.type === 'pipe' && d.in) s = d.in;
    else return s;
  }
}

/** The schema at a path of keys (record keys match any name), or undefined. */
function schemaAt(path: readonly PropertyKey[]): AnySchema | undefined {
  let s: AnySchema = configSchema;
  for (const k of path) {
    const d = defOf(core(s));
    if (d.type === 'object' && d.shape) {
      const next = d.shape[String(k)];
      if (!next) return undefined;
      s = next;
    } else if (d.type === 'record' && d.valueType) s = d.valueType;
    else if (d.type === 'array' && d.element) s = d.element;
    else return undefined;
  }
  return s;
}

const describe = (s: AnySchema | undefined): string => (s as { description?: string } | undefined)?.description ?? '';

function defaultAt(path: readonly PropertyKey[]): unknown {
  let v: unknown = configSchema.parse({});
  for (const k of path) v = (v as Record<PropertyKey, unknown> | undefined)?.[k];
  return v;
}

const show = (v: unknown): string => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? s.slice(0, 57) + '...' : s;
};

/** What a leaf accepts, in words ("a whole number from 1 to 10080 (default 30)"). */
function accepted(path: readonly PropertyKey[]): string | undefined {
  const s = schemaAt(path);
  if (!s) return undefined;
  const d = defOf(core(s));
  const def = path.length ? defaultAt(path) : undefined;
  switch (d.type) {
    case 'enum':
      return `use one of ${Object.values(d.entries ?? {}).join(', ')}`;
    case 'number': {
      let min = -Infinity;
      let max = Infinity;
      for (const c of d.checks ?? []) {
        const cd = c._zod.def;
        if (cd.check === 'greater_than' && cd.value !== undefined) min = cd.value;
        if (cd.check === 'less_than' && cd.value !== undefined) max = cd.value;
      }
      return `use a whole number from ${min} to ${max}${def !== undefined ? ` (default ${def})` : ''}`;
    }
    case 'boolean':
      return `use true or false${def !== undefined ? ` (default ${def})` : ''}`;
    default:
      return undefined;
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

// ---------------------------------------------------------------- issues -> problems

const COMMENT_KEY = /^(\/\/|_comment)/;

/** One zod issue as the line a user reads: the key's path, what is wrong, what to write instead. */
function problemOf(issue: z.core.$ZodIssue): string[] {
  const path = issue.path;
  const p = path.map(String).join('.') || '(top level)';
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'unrecognized_keys': {
      const s = schemaAt(path);
      const allowed = s ? Object.keys(defOf(core(s)).shape ?? {}).filter((k) => k !== '$schema') : [];
      return issue.keys
        .filter((k) => !COMMENT_KEY.test(k))
        .map((k) => {
          const c = closest(k, allowed);
          const kp = path.length ? `${p}.${k}` : k;
          return `${kp}: unknown key${c ? ` (did you mean "${c}"?)` : `; allowed here: ${allowed.join(', ')}`}`;
        });
    }
    case 'invalid_value':
    case 'too_small':
    case 'too_big': {
      const hint = accepted(path);
      if (hint) return [`${p}: ${show(input)} is not allowed; ${hint}`];
      if (issue.code === 'too_small' && (issue as { origin?: string }).origin === 'string') return [`${p}: expected a non-empty string`];
      return [`${p}: ${issue.message}`];
    }
    case 'invalid_type': {
      const hint = accepted(path);
      if (hint) return [`${p}: ${show(input)} is not allowed; ${hint}`];
      const s = schemaAt(path);
      const d = s && defOf(core(s));
      if (d?.type === 'record') {
        const v = d.valueType && defOf(core(d.valueType));
        if (v?.type === 'enum') return [`${p}: expected an object like {"name": "${Object.values(v.entries ?? {})[0]}"}, got ${show(input)}`];
        if (v?.type === 'string') return [`${p}: expected an object of strings`];
        return [`${p}: expected an object of servers like {"db": {"command": "node", "args": ["db.js"]}}, got ${show(input)}`];
      }
      if (d?.type === 'array') {
        const e = d.element && defOf(core(d.element));
        return [`${p}: expected an array of ${e?.type === 'string' ? (path[0] === 'mcp' ? 'strings' : 'non-empty strings') : 'values'}, got ${show(input)}`];
      }
      if (d?.type === 'object') {
        if (path[0] === 'mcp' && path[1] === 'servers' && path.length === 3) return [`${p}: expected an object with "command" (stdio) or "url" (http)`];
        return [`${p}: expected an object, got ${show(input)}`];
      }
      if (d?.type === 'string') return [`${p}: expected a string, got ${show(input)}`];
      return [`${p}: ${issue.message}`];
    }
    case 'invalid_key':
      return [`${p}: ${issue.issues[0]?.message ?? issue.message}`];
    case 'invalid_format':
      return [`${p}: ${issue.message}, got ${show(input)}`];
    default:
      return [`${p}: ${issue.message}`];
  }
}

/** Validate a parsed config object. Throws ConfigError listing every problem. */
export function validateConfig(raw: unknown, source = 'config'): Config {
  const r = configSchema.safeParse(raw ?? {}, { reportInput: true });
  if (r.success) {
    const { $schema: _ignored, ...cfg } = r.data;
    return cfg;
  }
  const problems = [...new Set(r.error.issues.flatMap(problemOf))];
  if (problems.length === 0) {
    // only comment keys were "unknown": strip them and validate again
    return validateConfig(stripComments(raw), source);
  }
  throw new ConfigError(source, problems);
}

/** `//` and `_comment…` keys are allowed anywhere in the file and mean nothing. */
function stripComments(v: unknown): unknown {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (!COMMENT_KEY.test(k)) out[k] = stripComments(x);
  return out;
}

export function defaultConfig(): Config {
  return validateConfig({});
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
  return validateConfig(stripComments(raw), source);
}

/** Read and validate the config file; a missing file means all defaults. */
export function loadConfigFile(path: string): { config: Config; exists: boolean } {
  const text = readConfigText(path);
  if (text === undefined) return { config: defaultConfig(), exists: false };
  return { config: parseConfigText(text, path), exists: true };
}

/** A config file is a few KB; anything this big is not one (and must not be read into memory). */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * The text of the config file, undefined when it does not exist. Only a regular file of bounded
 * size is read: a FIFO would block the sidecar on open or read, /dev/zero would fill its memory, a
 * directory or socket is a mistake. (A symlink to a regular file is fine: dotfile managers make them.)
 */
export function readConfigText(path: string): string | undefined {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO with no writer returns at once instead of hanging the sidecar
    fd = openSync(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(path, [`cannot read the file: ${(e as Error).message}`]);
  }
  try {
    const st = fstatSync(fd);
    const kind = st.isFIFO()
      ? 'a FIFO'
      : st.isCharacterDevice() || st.isBlockDevice()
        ? 'a device'
        : st.isDirectory()
          ? 'a directory'
          : st.isSocket()
            ? 'a socket'
            : 'not a file';
    if (!st.isFile()) throw new ConfigError(path, [`it is not a regular file (${kind}); replace it with a JSON file or remove it`]);
    if (st.size > MAX_CONFIG_BYTES) throw new ConfigError(path, [`it is ${st.size} bytes; a config file is at most ${MAX_CONFIG_BYTES} bytes`]);
    const buf = Buffer.alloc(st.size + 1);
    let n = 0;
    for (;;) {
      const r = readSync(fd, buf, n, buf.length - n, n);
      if (r === 0) break;
      n += r;
      if (n > st.size) throw new ConfigError(path, ['it grew while being read; try again']);
    }
    return buf.toString('utf8', 0, n);
  } finally {
    closeSync(fd);
  }
}

/** Flat list of every key with its default and doc, for the README and `config --docs`. */
export function configDocs(): Array<{ key: string; def: string; doc: string }> {
  const out: Array<{ key: string; def: string; doc: string }> = [];
  const rec = (s: AnySchema, path: string[]): void => {
    const d = defOf(core(s));
    if (d.type === 'object' && d.shape) {
      for (const [k, v] of Object.entries(d.shape)) if (k !== '$schema') rec(v, [...path, k]);
      return;
    }
    const value = defaultAt(path);
    const def = d.type === 'record' ? '{}' : Array.isArray(value) && value.length > 4 ? `[${value.length} domains]` : JSON.stringify(value);
    out.push({ key: path.join('.'), def, doc: describe(s) });
  };
  rec(configSchema, []);
  return out;
}

/** The JSON Schema of the config file, for editors (`"$schema"` in the file). */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}

/** Set one key in the config file (creating it), validating the result first. Atomic write, 0600. */
export function setConfigValue(file: string, path: string[], value: unknown): void {
  let raw: Record<string, unknown> = {};
  try {
    const text = readConfigText(file) ?? '';
    if (text.trim()) raw = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(file, [`cannot update the file: ${(e as Error).message}`]);
  }
  let node: Record<string, unknown> = raw;
  for (const k of path.slice(0, -1)) {
    if (typeof node[k] !== 'object' || node[k] === null) node[k] = {};
    node = node[k] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
  validateConfig(stripComments(raw), file);
  writeFileAtomic(file, JSON.stringify(raw, null, 2) + '\n', { mode: 0o600 });
}
