/**
 * Classifier: is what a tool returns private or public, can it carry someone else's instructions,
 * and does what it is given leave for somewhere else?
 *
 * Private, not "internal": what a chat, mail, ticket, drive, bank or database tool returns is the
 * user's private data even when the same server can also send. Such servers are hybrid: their
 * output is recorded (fingerprinted) and their inputs are checked. A server whose name says nothing
 * is hybrid too: its output is never dropped and its sends are never waved through. Only web pages,
 * search results and public docs from outside are public (not recorded, untrusted).
 *
 * Pure: a function of the tool name, its input, the event's `mcp_server`, the server's MCP tool
 * annotations (when the proxy has seen its tools/list) and the configured overrides.
 */
import type { Classification } from '../types.ts';

export interface ClassifierConfig {
  /** server name (exact, case-insensitive) -> class */
  servers: Record<string, Classification>;
  /** full tool name (exact) -> class; wins over everything */
  tools: Record<string, Classification>;
}

/** MCP tool annotations (MCP spec 2025-03-26+). Hints from the server itself: they never make a send look like a read. */
export interface ToolAnnotations {
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

/** What is known about one call besides the tool's name. */
export interface ToolContext {
  /** the tool input (argument names and a few values, e.g. Artifact's `action`) */
  input?: Record<string, unknown>;
  /** the event's `mcp_server` field (Claude Code ≥ 2.1.330): the server's configured name */
  mcpServer?: { name?: unknown; source?: unknown };
  /** the tool's annotations from the server's tools/list, when known */
  annotations?: ToolAnnotations;
}

/**
 * Where a write goes, when it is not simply "outside":
 * - search: a query to a search engine (WebSearch, search MCP servers)
 * - project: the user's own space on a code host, tracker, wiki, drive or cloud, where the project's
 *   data already lives (not a message to a person)
 * - user: the user's own devices (a push notification)
 */
export type Sink = 'search' | 'project' | 'user';

/** What kind of service a server or tool is, as far as its name, arguments and annotations tell. */
export type Family =
  | 'builtin'
  | 'mail'
  | 'chat'
  | 'social'
  | 'code-host'
  | 'tracker'
  | 'wiki'
  | 'drive'
  | 'cloud'
  | 'database'
  | 'local'
  | 'finance'
  | 'web'
  | 'search'
  | 'notify'
  | 'unknown';

export interface ToolClass {
  /** what its output counts as: internal = private (recorded); external = public (not recorded, untrusted) */
  source: Classification;
  /** where its input goes, before input analysis (Bash: hybrid, decided by its command) */
  destination: Classification;
  /** its output may hold text written by others (a message, a mail, an issue, a page): untrusted */
  untrusted: boolean;
  /** for an external destination: a search query, the user's own project space, or the user's devices */
  sink?: Sink;
  family: Family;
  /** 'builtin' | 'config' | 'annotations' | 'heuristic' | 'default' */
  method: string;
  /** MCP server name for mcp__<server>__<tool>, if any */
  server?: string;
  /** bare tool name */
  tool: string;
  /** local files this call sends (Artifact's file_path, Projects' local_path): checked like uploads */
  uploads?: string[];
  reason: string;
}

// ------------------------------------------------------------------------ built-in tools

type Builtin = {
  source: Classification;
  destination: Classification;
  untrusted?: boolean;
  sink?: Sink;
  note: string;
};

const local = (note: string): Builtin => ({ source: 'internal', destination: 'internal', note });

/**
 * Claude Code's built-in tools, from the tool list of 2.1.332 (and older names still in use).
 * Bookkeeping tools keep data on the machine (or with the user); the ones that send are external.
 */
const BUILTIN: Record<string, Builtin> = {
  Read: local('reads a local file'),
  Write: local('writes a local file'),
  Edit: local('edits a local file'),
  MultiEdit: local('edits a local file'),
  NotebookEdit: local('edits a local notebook'),
  NotebookRead: local('reads a local notebook'),
  Glob: local('lists local files'),
  Grep: local('searches local files'),
  LS: local('lists local files'),
  LSP: local('asks the local language server'),
  TodoWrite: local('session bookkeeping'),
  TaskCreate: local('session bookkeeping'),
  TaskGet: local('session bookkeeping'),
  TaskList: local('session bookkeeping'),
  TaskUpdate: local('session bookkeeping'),
  TaskStop: local('stops a background task'),
  TaskOutput: local('reads a background task'),
  GetTask: local('reads a background task'),
  BashOutput: local('reads a background shell'),
  KillShell: local('stops a background shell'),
  KillBash: local('stops a background shell'),
  Agent: local('delegates to a subagent (its own calls are checked)'),
  Task: local('delegates to a subagent (its own calls are checked)'),
  ListAgents: local('lists agents'),
  ListPeers: local('lists agents'),
  SendMessage: local('messages a local agent teammate'),
  SubagentHandback: local('hands a report back to the parent agent'),
  Workflow: local('runs subagents (their own calls are checked)'),
  REPL: local('runs a script whose tool calls are checked one by one'),
  Skill: local('loads a skill'),
  ToolSearch: local('searches the tool list'),
  WaitForMcpServers: local('waits for MCP servers'),
  RefreshMcpTools: local('refreshes MCP tool lists'),
  StructuredOutput: local('returns the final answer'),
  ReportFindings: local('returns review findings'),
  ScheduleWakeup: local('schedules the session locally'),
  CronCreate: local('schedules a local prompt'),
  CronDelete: local('session bookkeeping'),
  CronList: local('session bookkeeping'),
  EnterPlanMode: local('session bookkeeping'),
  ExitPlanMode: local('shows the plan to the user'),
  EnterWorktree: local('switches to a local worktree'),
  ExitWorktree: local('leaves a local worktree'),
  AskUserQuestion: local('asks the user'),
  SendUserMessage: local('writes to the user'),
  Brief: local('writes to the user'),
  SendUserFile: local('gives a file to the user'),
  SetGoal: local('session bookkeeping'),
  ProposeGoal: local('session bookkeeping'),
  propose_skills: local('shows skill proposals to the user'),
  WrapUp: local('offers the user a next step'),
  EndConversation: local('ends the conversation'),
  OfferChromeSetup: local('offers the user a browser setup'),
  ShowOnboardingRolePicker: local('shows the user a picker'),
  Poll: local('waits for harness events'),
  ReadWidgetContext: local('reads an MCP App view state'),
  McpTaskCheck: local('checks a background MCP task'),
  McpTaskResumePolling: local('resumes a background MCP task'),
  McpTaskShowQuestion: local("shows the user a background MCP task's question"),
  // what these return comes from a connected MCP server: private, and possibly written by others
  ListMcpResourcesTool: { source: 'internal', destination: 'internal', untrusted: true, note: 'lists MCP resources' },
  ReadMcpResourceTool: { source: 'internal', destination: 'internal', untrusted: true, note: 'reads an MCP resource' },
  ReadMcpResourceDirTool: { source: 'internal', destination: 'internal', untrusted: true, note: 'lists an MCP resource directory' },
  // queued webhook and trigger payloads: the user's data, sent by outside systems
  ReadNotifications: { source: 'internal', destination: 'internal', untrusted: true, note: 'reads queued outside notifications' },
  // Untrusted content comes in, and the URL / query itself goes out.
  WebFetch: { source: 'external', destination: 'external', untrusted: true, note: 'fetches an outside page' },
  WebSearch: { source: 'external', destination: 'external', untrusted: true, sink: 'search', note: 'sends a query to a search engine' },
  // Bash reads local data; it is a sink only when the command can send data off the machine.
  Bash: { source: 'internal', destination: 'hybrid', note: 'runs a shell command' },
  PowerShell: { source: 'internal', destination: 'hybrid', note: 'runs a shell command' },
  // A shell command like Bash; a WebSocket URL instead is an outside connection (see special()).
  Monitor: { source: 'internal', destination: 'hybrid', note: 'watches a shell command' },
  // Leave the machine:
  PushNotification: { source: 'internal', destination: 'external', sink: 'user', note: "sends a notification to the user's devices" },
  SendFeedback: { source: 'internal', destination: 'external', note: 'sends a feedback report to Anthropic' },
  RemoteTrigger: { source: 'internal', destination: 'external', untrusted: true, note: 'creates or runs a cloud routine' },
  ShareOnboardingGuide: { source: 'internal', destination: 'external', note: 'uploads ONBOARDING.md and makes a share link' },
  Artifact: { source: 'internal', destination: 'external', untrusted: true, note: 'publishes a web page on claude.ai' },
  AppifactRepl: { source: 'internal', destination: 'external', untrusted: true, note: 'runs code against a published artifact' },
  ClaudeDesign: { source: 'internal', destination: 'external', sink: 'project', note: "writes to the user's claude.ai/design projects" },
  Projects: { source: 'internal', destination: 'external', sink: 'project', note: "writes to the session's claude.ai project" },
};

/** Tools whose destination depends on the action in their input. */
function special(
  name: string,
  input: Record<string, unknown> | undefined,
): { destination: Classification; source?: Classification; note: string; uploads?: string[] } | undefined {
  const str = (k: string): string | undefined => (input && typeof input[k] === 'string' ? (input[k] as string) : undefined);
  const strs = (k: string): string[] => (input && Array.isArray(input[k]) ? (input[k] as unknown[]).filter((x): x is string => typeof x === 'string') : []);
  switch (name) {
    case 'Monitor': {
      const ws = input?.ws;
      if (ws && typeof ws === 'object' && typeof (ws as Record<string, unknown>).url === 'string') {
        return { source: 'external', destination: 'external', note: 'opens a WebSocket to an outside host' };
      }
      return undefined;
    }
    case 'Artifact': {
      const action = str('action') ?? 'publish';
      if (action === 'publish')
        return { destination: 'external', note: 'publishes a web page on claude.ai', uploads: [str('file_path')].filter((x): x is string => !!x) };
      if (action === 'upload_asset')
        return {
          destination: 'external',
          note: 'uploads files to a published artifact',
          uploads: [str('file_path'), ...strs('file_paths')].filter((x): x is string => !!x),
        };
      if (action === 'delete_asset' || action === 'pin' || action === 'unpin' || action === 'watch' || action === 'unwatch')
        return { destination: 'internal', note: `manages an artifact (${action})` };
      return { destination: 'internal', note: `reads artifacts (${action})` };
    }
    case 'Projects': {
      const m = str('method') ?? '';
      if (m === 'project_write')
        return { destination: 'external', note: "writes to the session's claude.ai project", uploads: [str('local_path')].filter((x): x is string => !!x) };
      if (m === 'project_delete') return { destination: 'internal', note: "deletes from the session's claude.ai project" };
      return { destination: 'internal', note: "reads the session's claude.ai project" };
    }
    case 'RemoteTrigger': {
      const a = str('action') ?? '';
      if (a === 'list' || a === 'get' || a === 'list_runs' || a === 'get_run_log') return { destination: 'internal', note: 'reads cloud routines' };
      return undefined;
    }
    case 'ClaudeDesign': {
      const op = str('operation') ?? '';
      if (/^(list|get|read|search|view|show|describe)/i.test(op)) return { destination: 'internal', note: 'reads claude.ai/design projects' };
      return undefined;
    }
    default:
      return undefined;
  }
}

// ------------------------------------------------------------------------ MCP servers by name

/** Words of a server (or tool) name -> family. First match in this order wins. */
const FAMILY_WORDS: Array<[Family, readonly string[]]> = [
  [
    'notify',
    [
      'webhook',
      'webhooks',
      'zapier',
      'ifttt',
      'pagerduty',
      'opsgenie',
      'sns',
      'pubsub',
      'notify',
      'notifier',
      'notification',
      'notifications',
      'publish',
      'upload',
      'paste',
      'pastebin',
      'ntfy',
      'pushover',
    ],
  ],
  ['mail', ['email', 'mail', 'gmail', 'outlook', 'smtp', 'imap', 'sendgrid', 'mailgun', 'postmark', 'ses', 'inbox', 'protonmail', 'fastmail', 'mailchimp']],
  [
    'chat',
    [
      'slack',
      'discord',
      'teams',
      'mattermost',
      'telegram',
      'whatsapp',
      'signal',
      'chat',
      'messenger',
      'messages',
      'messaging',
      'sms',
      'twilio',
      'zulip',
      'rocketchat',
      'matrix',
      'irc',
      'wechat',
      'intercom',
    ],
  ],
  ['social', ['twitter', 'mastodon', 'bluesky', 'reddit', 'social', 'facebook', 'instagram', 'linkedin', 'youtube', 'tiktok']],
  ['search', ['search', 'brave', 'tavily', 'exa', 'serper', 'serpapi', 'perplexity', 'bing', 'duckduckgo', 'kagi', 'google-search']],
  [
    'web',
    [
      'fetch',
      'http',
      'https',
      'browser',
      'puppeteer',
      'playwright',
      'web',
      'firecrawl',
      'crawl',
      'crawler',
      'scrape',
      'scraper',
      'context7',
      'deepwiki',
      'wikipedia',
      'arxiv',
      'weather',
      'news',
      'rss',
      'maps',
    ],
  ],
  ['code-host', ['github', 'gitlab', 'bitbucket', 'gitea', 'codeberg', 'forgejo', 'sourcehut']],
  ['tracker', ['jira', 'linear', 'asana', 'trello', 'clickup', 'monday', 'youtrack', 'shortcut', 'todoist', 'basecamp', 'zendesk', 'freshdesk']],
  ['wiki', ['confluence', 'notion', 'evernote', 'onenote', 'coda', 'quip', 'wiki']],
  ['drive', ['gdrive', 'drive', 'dropbox', 'box', 'onedrive', 'sharepoint', 's3', 'gcs', 'storage', 'calendar', 'gcal', 'contacts', 'workspace']],
  [
    'finance',
    [
      'bank',
      'banking',
      'stripe',
      'paypal',
      'venmo',
      'wise',
      'revolut',
      'payment',
      'payments',
      'invoice',
      'plaid',
      'coinbase',
      'binance',
      'crypto',
      'wallet',
      'brokerage',
      'investment',
      'tdameritrade',
      'robinhood',
    ],
  ],
  [
    'cloud',
    [
      'aws',
      'azure',
      'gcp',
      'gcloud',
      'google',
      'docker',
      'kubernetes',
      'k8s',
      'lambda',
      'cloudflare',
      'vercel',
      'netlify',
      'sentry',
      'heroku',
      'railway',
      'datadog',
      'grafana',
    ],
  ],
  [
    'database',
    [
      'postgres',
      'postgresql',
      'pg',
      'psql',
      'mysql',
      'mariadb',
      'sqlite',
      'sqlite3',
      'db',
      'database',
      'sql',
      'redis',
      'mongo',
      'mongodb',
      'dynamodb',
      'cassandra',
      'clickhouse',
      'snowflake',
      'bigquery',
      'supabase',
      'firebase',
      'neon',
      'planetscale',
      'elastic',
      'elasticsearch',
      'opensearch',
      'kafka',
      'rabbitmq',
      'nats',
      'crm',
      'customers',
      'customer',
      'warehouse',
      'vault',
      'secret',
      'secrets',
      'ldap',
      'keychain',
      'passwords',
      '1password',
      'bitwarden',
      'hubspot',
      'salesforce',
      'airtable',
    ],
  ],
  [
    'local',
    [
      'filesystem',
      'fs',
      'file',
      'files',
      'memory',
      'obsidian',
      'git',
      'serena',
      'thinking',
      'think',
      'thought',
      'reasoning',
      'sequential',
      'time',
      'calculator',
      'shell',
      'terminal',
      'desktop',
      'ide',
    ],
  ],
];

/** Families whose servers carry what other people write (messages, mail, issues, pages). */
const OTHERS_WRITE: ReadonlySet<Family> = new Set(['mail', 'chat', 'social', 'code-host', 'tracker', 'wiki', 'web', 'search', 'notify']);
/** Families a tool's own name may give a server whose name says nothing (`send_email`, `read_channel_messages`). */
const TOOL_NAME_FAMILIES: ReadonlySet<Family> = new Set(['mail', 'chat', 'social', 'finance']);
/** Families where a write with no recipient goes to the user's own space (where the project's data already lives). */
const PROJECT_SPACE: ReadonlySet<Family> = new Set(['code-host', 'tracker', 'wiki', 'drive', 'cloud', 'database']);

/** Verbs that make a tool a pure reader. */
const READ_VERBS = [
  'get',
  'list',
  'read',
  'search',
  'find',
  'query',
  'describe',
  'show',
  'view',
  'fetch',
  'download',
  'lookup',
  'count',
  'status',
  'diff',
  'log',
  'select',
  'inspect',
  'browse',
  'check',
  'retrieve',
  'access',
  'resolve',
  'explain',
  'analyze',
  'summarize',
  'preview',
];
/** Verbs that make a tool send data somewhere. */
const WRITE_VERBS = [
  'send',
  'post',
  'create',
  'update',
  'comment',
  'publish',
  'upload',
  'push',
  'write',
  'put',
  'add',
  'reply',
  'share',
  'notify',
  'message',
  'email',
  'submit',
  'insert',
  'delete',
  'edit',
  'set',
  'merge',
  'open',
  'invite',
  'forward',
  'save',
  'reserve',
  'book',
  'pay',
  'transfer',
  'schedule',
  'execute',
  'run',
  'call',
  'exec',
  'dm',
  'tweet',
  'generate',
  'export',
  'sync',
  'store',
  'record',
  'append',
  'remember',
  'log_to',
];

/**
 * Argument names that name who or where a call sends to: a person, a channel, an account, a URL.
 * A call carrying one of them is a send, whatever its verb says.
 */
const RECIPIENT_ARGS = new Set([
  'to',
  'recipient',
  'recipients',
  'cc',
  'bcc',
  'email',
  'emails',
  'user_email',
  'email_address',
  'emailaddress',
  'address_to',
  'phone',
  'phone_number',
  'phonenumber',
  'channel',
  'channel_id',
  'channelid',
  'channel_name',
  'chat_id',
  'chatid',
  'conversation_id',
  'thread_id',
  'iban',
  'account_number',
  'recipient_account',
  'payee',
  'beneficiary',
  'url',
  'webhook',
  'webhook_url',
  'endpoint',
  'target_url',
  'callback_url',
  'participants',
  'attendees',
  'invitees',
  'share_with',
  'user_emails',
  'to_address',
  'destination',
]);
/** Of those, the ones that are only a place to read from when the tool is a reader (read_channel_messages {channel}). */
const READ_PLACE_ARGS = new Set([
  'channel',
  'channel_id',
  'channelid',
  'channel_name',
  'chat_id',
  'chatid',
  'conversation_id',
  'thread_id',
  'url',
  'email',
  'emails',
]);

/** An object's own value for a key (never one inherited from Object.prototype). */
export function own<T>(o: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(o, key) ? o[key] : undefined;
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
  // two-word entries (`google-search`)
  const joined = ws.join('-');
  for (const entry of list) if (entry.includes('-') && joined.includes(entry)) return entry;
  return undefined;
}

/** The family of a server by the words of its name ('unknown' when no word says). */
export function serverFamily(server: string): { family: Family; word?: string } {
  const ws = words(server);
  // `google-search`, `google-drive`, `google-calendar`: the second word is the service
  for (const [family, list] of FAMILY_WORDS) {
    if (family === 'cloud') continue;
    const w = wordHit(ws, list);
    if (w) return { family, word: w };
  }
  const w = wordHit(ws, FAMILY_WORDS.find(([f]) => f === 'cloud')?.[1] ?? []);
  if (w) return { family: 'cloud', word: w };
  return { family: 'unknown' };
}

/**
 * The coarse class of a server by its name, for callers that only need internal/external/hybrid:
 * public web and pure senders are external, local tools and databases internal, everything else
 * that reads private data and can also send (chat, mail, code hosts, drives, banks) hybrid.
 */
export function classifyServerName(server: string): { cls: Classification; word?: string } {
  const f = serverFamily(server);
  switch (f.family) {
    case 'unknown':
      return { cls: 'unknown' };
    case 'web':
    case 'search':
    case 'notify':
      return { cls: 'external', word: f.word as string };
    case 'local':
    case 'database':
      return { cls: 'internal', word: f.word as string };
    default:
      return { cls: 'hybrid', word: f.word as string };
  }
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

/** The argument names of an input that name a recipient (to, channel, iban, url ...), with a value. */
function recipientArgs(input: Record<string, unknown> | undefined): string[] {
  if (!input) return [];
  const out: string[] = [];
  for (const k of Object.keys(input)) {
    const v = input[k];
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0)) continue;
    const key = k.toLowerCase();
    if (RECIPIENT_ARGS.has(key) || /(?:^|_)(?:recipients?|iban|webhook)(?:_|$)/.test(key)) out.push(key);
  }
  return out;
}

/** The name our MCP proxy is registered under in Claude Code (`install --mcp`). */
export const PROXY_SERVER_NAME = 'mcpproxy-hook';
/** The plugin that carries the proxy (`.claude-plugin/`). */
export const PLUGIN_NAME = 'mcpproxy-hook';
/**
 * The server names Claude Code gives our proxy: registered by `install --mcp`, or brought by the
 * plugin (Claude Code prefixes a plugin's servers: `plugin_<plugin>_<server>`).
 */
export const PROXY_SERVER_NAMES: ReadonlySet<string> = new Set([PROXY_SERVER_NAME, `plugin_${PLUGIN_NAME}_${PROXY_SERVER_NAME}`]);

/** Is this tool reached through our proxy (`mcp__mcpproxy-hook__…` or the plugin's `mcp__plugin_mcpproxy-hook_mcpproxy-hook__…`)? */
export function isProxiedTool(name: string): boolean {
  const m = parseMcpName(name);
  return m !== null && PROXY_SERVER_NAMES.has(m.server);
}

/**
 * `mcp__mcpproxy-hook__db__query` (a tool reached through our proxy) -> `mcp__db__query`, so that a
 * call is classified, overridden and correlated the same whether the hook or the proxy sees it.
 */
export function canonicalToolName(name: string): string {
  const m = parseMcpName(name);
  if (!m || !PROXY_SERVER_NAMES.has(m.server)) return name;
  const i = m.tool.indexOf('__');
  if (i <= 0 || i + 2 >= m.tool.length) return name;
  return `mcp__${m.tool.slice(0, i)}__${m.tool.slice(i + 2)}`;
}

/**
 * A configured class (classification.tools/servers, mcp.servers.X.classification) as a ToolClass.
 * internal: private output, input stays; external: public output, input leaves; hybrid: private
 * output, readers stay and writers leave (to the user's own project space unless a recipient is named);
 * unknown: what the user chose: output recorded only when sensitive, input under the *ToUnknown policies.
 */
export function configuredClass(cls: Classification, tool: string, reason: string, server?: string, ctx?: ToolContext): ToolClass {
  const base: ToolClass = { source: cls, destination: cls, untrusted: cls === 'external', family: 'unknown', method: 'config', tool, reason };
  if (server !== undefined) base.server = server;
  if (cls === 'hybrid') {
    const r = mcpRole(tool, ctx, 'unknown');
    base.source = 'internal';
    base.destination = r.destination;
    if (r.destination === 'external' && r.recipients.length === 0) base.sink = 'project';
  }
  return base;
}

/** A tool of a server that reads and can send: is this call a read or a send? */
function mcpRole(tool: string, ctx: ToolContext | undefined, family: Family): { destination: Classification; recipients: string[]; why: string } {
  const verb = verbOf(tool);
  const recipients = recipientArgs(ctx?.input);
  const a = ctx?.annotations;
  // a local tool of the user's: what it is given stays there, unless it names a recipient
  if (family === 'local') {
    const to = recipients.filter((k) => !READ_PLACE_ARGS.has(k) || k === 'email' || k === 'emails');
    if (to.length > 0 && verb !== 'read') return { destination: 'external', recipients: to, why: `its input names a recipient (${to.join(', ')})` };
    return { destination: 'internal', recipients: [], why: "it stays on the user's own system" };
  }
  if (verb === 'write') return { destination: 'external', recipients, why: 'it writes or sends' };
  // a reader that names where to read from (a channel, a mailbox, a page) is still a reader
  const sendArgs = verb === 'read' ? recipients.filter((k) => !READ_PLACE_ARGS.has(k)) : recipients;
  if (sendArgs.length > 0) return { destination: 'external', recipients: sendArgs, why: `its input names a recipient (${sendArgs.join(', ')})` };
  if (a?.readOnlyHint === false || a?.destructiveHint === true) return { destination: 'external', recipients, why: 'the server marks it as changing things' };
  if (verb === 'read') return { destination: 'internal', recipients: [], why: 'it reads' };
  if (a?.readOnlyHint === true) return { destination: 'internal', recipients: [], why: 'the server marks it read-only' };
  return { destination: 'external', recipients, why: 'nothing says it only reads, so its input is checked' };
}

function classifyMcp(server: string, tool: string, ctx: ToolContext | undefined, serverLabel: string): ToolClass {
  const f = serverFamily(server);
  const a = ctx?.annotations;
  let family = f.family;
  // a server with no telling name may still have telling tools (`send_email`, `read_channel_messages`)
  // (only families that keep its output private: a tool name never makes a server's output public)
  if (family === 'unknown') {
    const t = serverFamily(tool);
    if (TOOL_NAME_FAMILIES.has(t.family)) family = t.family;
  }
  const named = f.family !== 'unknown' ? `(word "${f.word}")` : family !== 'unknown' ? `(by its tool's name)` : '';
  const method = a && f.family === 'unknown' ? 'annotations' : f.family === 'unknown' && family === 'unknown' ? 'default' : 'heuristic';
  const base = { server, tool, family, method };
  // public content from outside: web pages, search results, public docs
  if (family === 'web' || family === 'search') {
    const role = mcpRole(tool, ctx, family);
    // a browser that fills in forms or a fetch with a body sends; a search query goes to the engine
    return {
      ...base,
      source: 'external',
      destination: 'external',
      untrusted: true,
      ...(family === 'search' ? { sink: 'search' as const } : {}),
      reason: `MCP server ${serverLabel} serves public content from outside ${named}: its output is untrusted and not recorded; ${role.destination === 'internal' ? 'what it is given (a URL, a query) still goes out' : role.why}`,
    };
  }
  if (family === 'notify') {
    return {
      ...base,
      source: 'internal',
      destination: 'external',
      untrusted: true,
      reason: `MCP server ${serverLabel} sends notifications or uploads ${named}`,
    };
  }
  const role = mcpRole(tool, ctx, family);
  const untrusted = OTHERS_WRITE.has(family) || a?.openWorldHint === true;
  const tc: ToolClass = {
    ...base,
    source: 'internal',
    destination: role.destination,
    untrusted,
    reason: '',
  };
  // a write that names nobody goes to the user's own space on that server (a record, a note, a
  // file), where the data it read already lives; one that names a recipient is a send
  if (role.destination === 'external' && role.recipients.length === 0 && (PROJECT_SPACE.has(family) || family === 'unknown')) tc.sink = 'project';
  const what =
    family === 'unknown'
      ? `is not classified by name: treated as hybrid (output private, sends checked)`
      : `is ${family === 'local' || family === 'database' ? 'a local or database server' : `a ${family} server`} ${named}: its output is private data`;
  tc.reason = `MCP server ${serverLabel} ${what}; ${tool}: ${role.why}`;
  return tc;
}

/**
 * Classify one tool call. `ctx` (input, the event's mcp_server, the tool's annotations) refines the
 * class: Artifact's action, Monitor's WebSocket, a recipient in an MCP tool's arguments.
 */
export function classifyTool(rawName: string, cfg: ClassifierConfig, ctx?: ToolContext): ToolClass {
  const name = canonicalToolName(rawName);
  const mcp = parseMcpName(name);
  // own properties only: a tool called `toString` or `constructor` must not find Object.prototype
  const override = own(cfg.tools, name) ?? own(cfg.tools, rawName);
  if (override) return configuredClass(override, mcp ? mcp.tool : name, `tool override "${name}": ${override}`, mcp?.server, ctx);
  const builtin = mcp ? undefined : own(BUILTIN, name);
  if (builtin) {
    const sp = special(name, ctx?.input);
    const tc: ToolClass = {
      source: sp?.source ?? builtin.source,
      destination: sp?.destination ?? builtin.destination,
      untrusted: builtin.untrusted === true || sp?.source === 'external',
      family: 'builtin',
      method: 'builtin',
      tool: name,
      reason: `built-in tool ${name}: ${sp?.note ?? builtin.note}`,
    };
    if (builtin.sink && tc.destination === 'external') tc.sink = builtin.sink;
    if (sp?.uploads && sp.uploads.length > 0) tc.uploads = sp.uploads;
    return tc;
  }
  if (mcp) {
    // the event's mcp_server names the server as configured (plugin servers have longer tool prefixes)
    const given =
      ctx?.mcpServer && typeof ctx.mcpServer.name === 'string' && ctx.mcpServer.name.length > 0 && !PROXY_SERVER_NAMES.has(ctx.mcpServer.name)
        ? ctx.mcpServer.name
        : undefined;
    const server = given ?? mcp.server;
    for (const s of given ? [given, mcp.server] : [mcp.server]) {
      const key = Object.keys(cfg.servers).find((k) => k.toLowerCase() === s.toLowerCase());
      if (key !== undefined) {
        const cls = own(cfg.servers, key) as Classification;
        return configuredClass(cls, mcp.tool, `server override "${key}": ${cls}`, s, ctx);
      }
    }
    return classifyMcp(server, mcp.tool, ctx, `"${server}"`);
  }
  // a tool name Claude Code may add later (or another agent's tool): its output is recorded as
  // private data; its input is under the *ToUnknown policies (a secret or sensitive data: asked)
  return {
    source: 'internal',
    destination: 'unknown',
    untrusted: false,
    family: 'unknown',
    method: 'default',
    tool: name,
    reason: `tool "${name}" is not classified`,
  };
}
