/**
 * Classifier: which side of the machine boundary a tool reads from and writes to.
 * Pure: a function of the tool name, its input and the configured overrides.
 */
import type { Classification } from '../types.ts';

export interface ClassifierConfig {
  /** server name (exact, case-insensitive) -> class */
  servers: Record<string, Classification>;
  /** full tool name (exact) -> class; wins over everything */
  tools: Record<string, Classification>;
}

export interface ToolClass {
  /** class as a source of data (what its output counts as) */
  source: Classification;
  /** class as a destination (where its input goes) before input analysis */
  destination: Classification;
  /** 'builtin' | 'config' | 'heuristic' | 'default' */
  method: string;
  /** MCP server name for mcp__<server>__<tool>, if any */
  server?: string;
  /** bare tool name */
  tool: string;
  reason: string;
}

/** Claude Code's built-in tools (2.1.x). */
const BUILTIN: Record<string, [Classification, Classification]> = {
  Read: ['internal', 'internal'],
  Write: ['internal', 'internal'],
  Edit: ['internal', 'internal'],
  MultiEdit: ['internal', 'internal'],
  NotebookEdit: ['internal', 'internal'],
  NotebookRead: ['internal', 'internal'],
  Glob: ['internal', 'internal'],
  Grep: ['internal', 'internal'],
  LS: ['internal', 'internal'],
  TodoWrite: ['internal', 'internal'],
  Agent: ['internal', 'internal'],
  Task: ['internal', 'internal'],
  ListAgents: ['internal', 'internal'],
  Skill: ['internal', 'internal'],
  ToolSearch: ['internal', 'internal'],
  Workflow: ['internal', 'internal'],
  ReportFindings: ['internal', 'internal'],
  ScheduleWakeup: ['internal', 'internal'],
  BashOutput: ['internal', 'internal'],
  KillShell: ['internal', 'internal'],
  ExitPlanMode: ['internal', 'internal'],
  // Untrusted content comes in, and the URL / query itself goes out.
  WebFetch: ['external', 'external'],
  WebSearch: ['external', 'external'],
  // Bash reads local data; it is a sink only when the command can send data off the machine.
  Bash: ['internal', 'hybrid'],
  PowerShell: ['internal', 'hybrid'],
};

const INTERNAL_WORDS = [
  'postgres', 'postgresql', 'pg', 'psql', 'mysql', 'mariadb', 'sqlite', 'sqlite3', 'db', 'database', 'sql', 'redis',
  'mongo', 'mongodb', 'dynamodb', 'cassandra', 'clickhouse', 'snowflake', 'bigquery', 'supabase', 'firebase',
  'filesystem', 'fs', 'file', 'files', 'storage', 'vault', 'secret', 'secrets', 'ldap', 'elastic', 'elasticsearch',
  'opensearch', 'kafka', 'rabbitmq', 'nats', 'memory', 'obsidian', 'crm', 'customers', 'customer', 'warehouse',
  'keychain', 'passwords', '1password', 'bitwarden',
];
const EXTERNAL_WORDS = [
  'slack', 'discord', 'teams', 'mattermost', 'email', 'mail', 'gmail', 'outlook', 'smtp', 'sendgrid', 'mailgun',
  'postmark', 'ses', 'webhook', 'webhooks', 'twilio', 'sms', 'telegram', 'whatsapp', 'signal', 'twitter', 'mastodon',
  'bluesky', 'reddit', 'social', 'zapier', 'ifttt', 'pagerduty', 'opsgenie', 'sns', 'pubsub', 'fetch', 'http',
  'https', 'browser', 'puppeteer', 'playwright', 'web', 'search', 'brave', 'tavily', 'exa', 'serper', 'perplexity',
  'chat', 'notify', 'notifier', 'notification', 'notifications', 'post', 'publish', 'upload', 'paste', 'pastebin',
];
const HYBRID_WORDS = [
  'github', 'gitlab', 'bitbucket', 'jira', 'confluence', 'linear', 'notion', 'asana', 'trello', 'aws', 'azure',
  'gcp', 'gcloud', 'google', 'gdrive', 'drive', 'dropbox', 'box', 's3', 'gcs', 'docker', 'kubernetes', 'k8s',
  'lambda', 'cloudflare', 'vercel', 'netlify', 'sentry', 'git',
];

/** Verbs that make a hybrid server's tool a pure reader (destination internal). */
const READ_VERBS = ['get', 'list', 'read', 'search', 'find', 'query', 'describe', 'show', 'view', 'fetch', 'download', 'lookup', 'count', 'status', 'diff', 'log', 'select', 'inspect', 'browse'];
/** Verbs that make a tool send data somewhere. */
const WRITE_VERBS = ['send', 'post', 'create', 'update', 'comment', 'publish', 'upload', 'push', 'write', 'put', 'add', 'reply', 'share', 'notify', 'message', 'email', 'submit', 'insert', 'delete', 'edit', 'set', 'merge', 'open', 'invite', 'forward'];

/** An object's own value for a key (never one inherited from Object.prototype). */
export function own<T>(o: Record<string, T>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
}

/** Split a name into lower-case words: `feedback-bot` -> [feedback, bot], `myCustomerDB` -> [my, customer, db]. */
export function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

function wordHit(ws: string[], list: readonly string[]): string | undefined {
  for (const w of ws) {
    for (const entry of list) {
      if (w === entry) return entry;
      // compounds such as `slackbot`, `mysqldump`, `customerdb`: only for distinctive entries
      if (entry.length >= 5 && w.length > entry.length && (w.startsWith(entry) || w.endsWith(entry))) return entry;
      if (entry === 'db' && w.length > 4 && w.endsWith('db')) return entry;
    }
  }
  return undefined;
}

/** Heuristic class of an MCP server by the words of its name. First: external, then internal, then hybrid. */
export function classifyServerName(server: string): { cls: Classification; word?: string } {
  const ws = words(server);
  const ext = wordHit(ws, EXTERNAL_WORDS);
  const int = wordHit(ws, INTERNAL_WORDS);
  if (ext && int) return { cls: 'hybrid', word: `${int}+${ext}` };
  if (ext) return { cls: 'external', word: ext };
  if (int) return { cls: 'internal', word: int };
  const hyb = wordHit(ws, HYBRID_WORDS);
  if (hyb) return { cls: 'hybrid', word: hyb };
  return { cls: 'unknown' };
}

/** `mcp__server__tool` -> {server, tool}; also plugin servers `mcp__plugin_x_server__tool`. */
export function parseMcpName(name: string): { server: string; tool: string } | null {
  if (!name.startsWith('mcp__')) return null;
  const rest = name.slice(5);
  const i = rest.indexOf('__');
  if (i <= 0 || i + 2 >= rest.length) return null;
  return { server: rest.slice(0, i), tool: rest.slice(i + 2) };
}

function verbOf(tool: string): 'read' | 'write' | undefined {
  const ws = words(tool);
  const first = ws[0];
  if (first === undefined) return undefined;
  if (WRITE_VERBS.includes(first)) return 'write';
  if (READ_VERBS.includes(first)) return 'read';
  if (ws.some((w) => WRITE_VERBS.includes(w))) return 'write';
  if (ws.some((w) => READ_VERBS.includes(w))) return 'read';
  return undefined;
}

function fromClass(cls: Classification, tool: string, method: string, reason: string, server?: string): ToolClass {
  const base: ToolClass = { source: cls, destination: cls, method, tool, reason };
  if (server !== undefined) base.server = server;
  if (cls === 'hybrid') {
    // A hybrid server reads internal data and can also publish: its readers are internal destinations.
    base.source = 'internal';
    base.destination = verbOf(tool) === 'read' ? 'internal' : 'external';
  }
  return base;
}

/** The name our MCP proxy is registered under in Claude Code (`install --mcp`). */
export const PROXY_SERVER_NAME = 'mcpproxy-hook';

/**
 * `mcp__mcpproxy-hook__db__query` (a tool reached through our proxy) -> `mcp__db__query`, so that a
 * call is classified, overridden and correlated the same whether the hook or the proxy sees it.
 */
export function canonicalToolName(name: string): string {
  const m = parseMcpName(name);
  if (!m || m.server !== PROXY_SERVER_NAME) return name;
  const i = m.tool.indexOf('__');
  if (i <= 0 || i + 2 >= m.tool.length) return name;
  return `mcp__${m.tool.slice(0, i)}__${m.tool.slice(i + 2)}`;
}

export function classifyTool(rawName: string, cfg: ClassifierConfig): ToolClass {
  const name = canonicalToolName(rawName);
  // own properties only: a tool called `toString` or `constructor` must not find Object.prototype
  const override = own(cfg.tools, name) ?? own(cfg.tools, rawName);
  if (override) return fromClass(override, name, 'config', `tool override "${name}": ${override}`);
  const builtin = own(BUILTIN, name);
  if (builtin) {
    return { source: builtin[0], destination: builtin[1], method: 'builtin', tool: name, reason: `built-in tool ${name}` };
  }
  const mcp = parseMcpName(name);
  if (mcp) {
    const key = Object.keys(cfg.servers).find((s) => s.toLowerCase() === mcp.server.toLowerCase());
    if (key !== undefined) {
      const cls = own(cfg.servers, key) as Classification;
      return fromClass(cls, mcp.tool, 'config', `server override "${key}": ${cls}`, mcp.server);
    }
    const h = classifyServerName(mcp.server);
    if (h.cls !== 'unknown') {
      return fromClass(h.cls, mcp.tool, 'heuristic', `MCP server "${mcp.server}" looks ${h.cls} (word "${h.word}")`, mcp.server);
    }
    return { source: 'unknown', destination: 'unknown', method: 'default', server: mcp.server, tool: mcp.tool, reason: `MCP server "${mcp.server}" is not classified` };
  }
  return { source: 'unknown', destination: 'unknown', method: 'default', tool: name, reason: `tool "${name}" is not classified` };
}
