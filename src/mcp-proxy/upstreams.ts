/**
 * Upstream MCP servers behind the proxy: the `mcp.servers` section of the config (the `.mcp.json`
 * shape). Each upstream is connected with the official SDK client (stdio: a child process; http:
 * Streamable HTTP), independently of the others: one that fails to start or dies is reported
 * (state, last error, restart count) and retried with exponential backoff while the rest keep working.
 *
 * Tools are exposed under `${server}__${tool}`; descriptions and JSON schemas are passed through as
 * the upstream sent them. Because `__` separates the two halves, upstream names may not contain it
 * (nor end with `_`, which would make the split ambiguous).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Progress } from '@modelcontextprotocol/sdk/types.js';
import {
  CallToolResultSchema,
  ErrorCode,
  McpError,
  ResultSchema,
  ToolListChangedNotificationSchema,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import type { ChildProcess } from 'node:child_process';
import type { UpstreamServer } from '../config/index.ts';

export const TOOL_SEPARATOR = '__';

export type UpstreamState = 'starting' | 'ready' | 'failed' | 'stopped';

export interface ProxyTool {
  /** `${server}__${tool}` */
  name: string;
  server: string;
  tool: string;
  title?: string;
  description?: string;
  inputSchema: object;
  outputSchema?: object;
  annotations?: object;
  icons?: unknown[];
  _meta?: Record<string, unknown>;
}

export interface UpstreamStatus {
  name: string;
  transport: 'stdio' | 'http';
  state: UpstreamState;
  error?: string;
  tools: number;
  restarts: number;
  /** ISO time of the last state change */
  lastChange: string;
  /** ISO time of the next connection attempt, while failed */
  nextRetry?: string;
  /** the most recent failure, kept after the upstream recovered */
  lastError?: { at: string; error: string };
}

export interface UpstreamManagerOptions {
  log: (line: string) => void;
  onToolsChanged?: () => void;
  /** every state change of an upstream (for audit rows) */
  onStateChange?: (status: UpstreamStatus) => void;
  clientName?: string;
  clientVersion?: string;
  /** initialize + first tools/list of one upstream; default 30 s */
  connectTimeoutMs?: number;
  /** default timeout of one tools/call; default 300 s */
  callTimeoutMs?: number;
  /** retry delays: initialMs doubling up to maxMs; the doubling restarts after a connection stayed up stableMs */
  backoff?: { initialMs?: number; maxMs?: number; stableMs?: number };
  /**
   * Schedules the next attempt of a failed upstream `delayMs` from now and returns what cancels it.
   * Default: an unref'd setTimeout. Tests pass their own to see each delay and run the attempt when they choose.
   */
  scheduleRetry?: (attempt: () => void, delayMs: number, upstream: string) => () => void;
}

const timerRetry = (attempt: () => void, delayMs: number): (() => void) => {
  const t = setTimeout(attempt, delayMs);
  t.unref();
  return () => clearTimeout(t);
};

export interface CallOptions {
  timeoutMs?: number;
  /** aborts the upstream request (the SDK sends notifications/cancelled) */
  signal?: AbortSignal;
  /** upstream progress notifications; when set, progress also resets the timeout */
  onprogress?: (p: Progress) => void;
}

/** Split a namespaced tool name on the first `__`; undefined when there is none. */
export function splitToolName(name: string): { server: string; tool: string } | undefined {
  const i = name.indexOf(TOOL_SEPARATOR);
  if (i <= 0 || i + TOOL_SEPARATOR.length >= name.length) return undefined;
  return { server: name.slice(0, i), tool: name.slice(i + TOOL_SEPARATOR.length) };
}

/** Why an upstream name cannot be used, or undefined when it can. */
export function upstreamNameProblem(name: string): string | undefined {
  if (!name) return 'an MCP upstream needs a non-empty name';
  if (name.includes(TOOL_SEPARATOR) || name.endsWith('_')) {
    const fix = name.replace(/_{2,}/g, '_').replace(/_+$/, '') || 'server';
    return `MCP upstream name "${name}" ${name.includes(TOOL_SEPARATOR) ? 'contains "__"' : 'ends with "_"'}, but mcpproxy-hook names tools "<server>__<tool>" and splits them on the first "__"; rename the server in mcp.servers (e.g. "${fix}")`;
  }
  return undefined;
}

/** Results the proxy made up itself (upstream down, timeout), as opposed to answers from an upstream. */
const synthetic = new WeakSet<object>();
export function isProxyGeneratedResult(r: unknown): boolean {
  return typeof r === 'object' && r !== null && synthetic.has(r);
}
function proxyError(text: string): CallToolResult {
  const r: CallToolResult = { isError: true, content: [{ type: 'text', text }] };
  synthetic.add(r);
  return r;
}

/** The SDK's stdio transport, plus the child's pid and exit status (for error messages and a sure kill). */
class ObservedStdioTransport extends StdioClientTransport {
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  childPid?: number;
  private exited?: Promise<void>;
  override start(): Promise<void> {
    const p = super.start();
    // the SDK sets its private _process synchronously inside start()
    const proc = (this as unknown as { _process?: ChildProcess })._process;
    if (proc) {
      this.childPid = proc.pid;
      this.exited = new Promise((resolve) => {
        proc.once('exit', (code, signal) => {
          this.exit = { code, signal };
          resolve();
        });
        proc.once('error', () => {
          if (proc.pid === undefined) resolve(); // never spawned
        });
      });
    }
    return p;
  }

  /** Wait until the child has exited; SIGKILL it if it is still there after `ms`. */
  async ended(ms: number): Promise<void> {
    if (!this.exited || this.exit) return;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([this.exited.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), ms)))]);
    clearTimeout(timer);
    if (!timedOut || this.childPid === undefined) return;
    try {
      process.kill(this.childPid, 'SIGKILL');
    } catch {
      return;
    }
    await Promise.race([this.exited, new Promise((r) => setTimeout(r, 1000))]);
  }
}

interface Entry {
  name: string;
  cfg: UpstreamServer;
  kind: 'stdio' | 'http';
  state: UpstreamState;
  error?: string;
  restarts: number;
  failures: number;
  lastChange: number;
  tools: ProxyTool[];
  toolSig: string;
  gen: number;
  client?: Client;
  transport?: Transport;
  readyAt?: number;
  /** cancels the scheduled retry */
  cancelRetry?: () => void;
  nextRetryAt?: number;
  waiters: Set<() => void>;
  stderrTail: string[];
  refreshing: boolean;
  refreshAgain: boolean;
  lastFailure?: string;
  lastError?: { at: number; error: string };
}

const errText = (e: unknown): string => {
  if (e instanceof Error) return e.message || e.name;
  return String(e);
};

export class UpstreamManager {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<() => void>();
  /** clients being closed (a failed connection's child may take up to ~4 s to be ended, then killed) */
  private readonly closing = new Set<Promise<void>>();
  private readonly log: (line: string) => void;
  private readonly connectTimeoutMs: number;
  private readonly callTimeoutMs: number;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly stableMs: number;
  private stopped = false;

  constructor(
    servers: Record<string, UpstreamServer>,
    private readonly opts: UpstreamManagerOptions,
  ) {
    this.log = opts.log;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 30_000;
    this.callTimeoutMs = opts.callTimeoutMs ?? 300_000;
    this.initialMs = opts.backoff?.initialMs ?? 500;
    this.maxMs = opts.backoff?.maxMs ?? 30_000;
    this.stableMs = opts.backoff?.stableMs ?? 30_000;
    const problems = Object.keys(servers).flatMap((name) => upstreamNameProblem(name) ?? []);
    if (problems.length) throw new Error(problems.join('\n'));
    for (const [name, cfg] of Object.entries(servers)) this.entries.set(name, this.newEntry(name, cfg));
  }

  private newEntry(name: string, cfg: UpstreamServer): Entry {
    const kind: 'stdio' | 'http' = cfg.type === 'http' || (cfg.type === undefined && cfg.url !== undefined && cfg.command === undefined) ? 'http' : 'stdio';
    return {
      name,
      cfg,
      kind,
      state: 'stopped',
      error: cfg.disabled ? 'disabled in the config' : undefined,
      restarts: 0,
      failures: 0,
      lastChange: Date.now(),
      tools: [],
      toolSig: '[]',
      gen: 0,
      waiters: new Set(),
      stderrTail: [],
      refreshing: false,
      refreshAgain: false,
    };
  }

  /**
   * Apply a new set of servers (a config reload): new ones are started, removed ones closed, changed
   * ones restarted; unchanged ones keep running untouched. Clients are told the tool list changed.
   * Resolves when the new and changed ones have become ready or failed their first attempt.
   */
  async update(servers: Record<string, UpstreamServer>): Promise<{ added: string[]; removed: string[]; changed: string[] }> {
    const problems = Object.keys(servers).flatMap((name) => upstreamNameProblem(name) ?? []);
    if (problems.length) throw new Error(problems.join('\n'));
    const added: string[] = [];
    const removed: string[] = [];
    const changed: string[] = [];
    const start: Entry[] = [];
    for (const [name, e] of [...this.entries]) {
      const next = servers[name];
      if (next !== undefined && JSON.stringify(next) === JSON.stringify(e.cfg)) continue;
      // removed or changed: close the old one (its calls in flight end with an error)
      e.gen++;
      e.cancelRetry?.();
      if (e.client) this.closeClient(e.client, e.transport);
      this.entries.delete(name);
      this.wake(e);
      (next === undefined ? removed : changed).push(name);
    }
    for (const [name, cfg] of Object.entries(servers)) {
      if (this.entries.has(name)) continue;
      const e = this.newEntry(name, cfg);
      this.entries.set(name, e);
      if (!changed.includes(name)) added.push(name);
      if (!cfg.disabled) start.push(e);
    }
    if (added.length + removed.length + changed.length > 0) this.emitChanged();
    if (!this.stopped) await Promise.all(start.map((e) => this.connect(e)));
    return { added, removed, changed };
  }

  /** Called (after the constructor's onToolsChanged) whenever the combined tool list changes. Returns an unsubscribe function. */
  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * Connect every enabled upstream in parallel. Resolves when each has either become ready or failed
   * its first attempt (failed ones keep retrying in the background); never rejects.
   */
  async start(): Promise<void> {
    this.stopped = false;
    const jobs: Promise<void>[] = [];
    for (const e of this.entries.values()) {
      if (e.cfg.disabled) continue;
      if (e.state !== 'stopped') continue;
      jobs.push(this.connect(e));
    }
    await Promise.all(jobs);
  }

  /** Names of the configured upstreams (enabled or not). */
  servers(): string[] {
    return [...this.entries.keys()];
  }

  has(server: string): boolean {
    return this.entries.has(server);
  }

  /** All known tools, upstream by upstream in config order. A failed upstream keeps its last known tools (calls to them explain that it is down). */
  tools(): ProxyTool[] {
    const out: ProxyTool[] = [];
    for (const e of this.entries.values()) if (!e.cfg.disabled) out.push(...e.tools);
    return out;
  }

  /**
   * Map a namespaced tool name to its upstream: split on the first `__` (exact, since upstream names
   * can neither contain `__` nor end with `_`); undefined unless the left half is a configured upstream.
   * The tool half need not be known yet: the upstream answers for its own tools.
   */
  resolve(name: string): { server: string; tool: string } | undefined {
    const s = splitToolName(name);
    if (!s) return undefined;
    return this.entries.has(s.server) ? s : undefined;
  }

  status(): UpstreamStatus[] {
    return [...this.entries.values()].map((e) => {
      const st: UpstreamStatus = {
        name: e.name,
        transport: e.kind,
        state: e.state,
        tools: e.tools.length,
        restarts: e.restarts,
        lastChange: new Date(e.lastChange).toISOString(),
      };
      if (e.error !== undefined) st.error = e.error;
      if (e.state === 'failed' && e.nextRetryAt) st.nextRetry = new Date(e.nextRetryAt).toISOString();
      if (e.lastError) st.lastError = { at: new Date(e.lastError.at).toISOString(), error: e.lastError.error };
      return st;
    });
  }

  private statusOf(e: Entry): UpstreamStatus {
    return this.status().find((s) => s.name === e.name) as UpstreamStatus;
  }

  /**
   * Forward one tool call. Returns the upstream's CallToolResult as it came; a down upstream, a
   * connection lost during the call or a timeout become an `isError` result saying which upstream and
   * why. JSON-RPC errors from the upstream itself (e.g. unknown tool) are re-thrown as McpError.
   */
  async callTool(server: string, tool: string, args: Record<string, unknown>, opts: CallOptions = {}): Promise<CallToolResult> {
    const e = this.entries.get(server);
    if (!e) return proxyError(`mcpproxy-hook: no upstream MCP server named "${server}" is configured (known: ${this.servers().join(', ') || 'none'}).`);
    const timeout = opts.timeoutMs ?? this.callTimeoutMs;
    if (e.state === 'starting') await this.waitReady(e, Math.min(timeout, this.connectTimeoutMs));
    const client = e.client;
    if (e.state !== 'ready' || !client) return proxyError(this.downText(e));
    const gen = e.gen;
    try {
      return await client.request({ method: 'tools/call', params: { name: tool, arguments: args } }, CallToolResultSchema, {
        timeout,
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.onprogress ? { onprogress: opts.onprogress, resetTimeoutOnProgress: true, maxTotalTimeout: Math.max(timeout, 3_600_000) } : {}),
      });
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      if (err instanceof McpError) {
        if (err.code === ErrorCode.ConnectionClosed) {
          return proxyError(
            `mcpproxy-hook: the upstream MCP server "${server}" closed the connection during this call; it is being restarted. Try again in a moment.`,
          );
        }
        if (err.code === ErrorCode.RequestTimeout) {
          return proxyError(`mcpproxy-hook: the upstream MCP server "${server}" did not answer ${tool} within ${Math.round(timeout / 1000)} s.`);
        }
        throw err;
      }
      // a transport-level failure (HTTP upstream unreachable, session gone, broken pipe)
      const msg = errText(err);
      this.fail(e, gen, `call failed: ${msg}`);
      return proxyError(`mcpproxy-hook: the call to the upstream MCP server "${server}" failed: ${msg}. It is being reconnected.`);
    }
  }

  /** Close every upstream (stdio children are ended, then killed if they linger). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const e of this.entries.values()) {
      e.gen++;
      e.cancelRetry?.();
      e.cancelRetry = undefined;
      e.nextRetryAt = undefined;
      const c = e.client;
      const t = e.transport;
      e.client = undefined;
      e.transport = undefined;
      if (e.state !== 'stopped') this.setState(e, 'stopped', e.cfg.disabled ? 'disabled in the config' : undefined);
      this.wake(e);
      if (c) this.closeClient(c, t);
    }
    await Promise.all([...this.closing]);
  }

  /** Close a client in the background (tracked, so stop() can wait for it). */
  private closeClient(c: Client, t: Transport | undefined): void {
    const p: Promise<void> = (async () => {
      // a client that fails to close is killed below (ended() waits for the process, SIGKILL last)
      await c.close().catch(() => undefined);
      // the SDK ends stdin, then sends SIGTERM, then SIGKILL (2 s apart); this is the backstop, and
      // it also covers a close the SDK started itself after a failed initialize
      if (t instanceof ObservedStdioTransport) await t.ended(5000);
    })().finally(() => this.closing.delete(p));
    this.closing.add(p);
  }

  // ---------------------------------------------------------------------------------------------

  private downText(e: Entry): string {
    if (e.cfg.disabled) return `mcpproxy-hook: the upstream MCP server "${e.name}" is disabled in the config.`;
    if (e.state === 'stopped') return `mcpproxy-hook: the upstream MCP server "${e.name}" is stopped.`;
    if (e.state === 'starting') return `mcpproxy-hook: the upstream MCP server "${e.name}" is still starting; try again in a moment.`;
    const retry = e.nextRetryAt ? ` Next attempt in ${Math.max(0, Math.ceil((e.nextRetryAt - Date.now()) / 1000))} s` : '';
    return `mcpproxy-hook: the upstream MCP server "${e.name}" is down (${e.error ?? 'unknown error'}).${retry}${e.restarts ? ` (restart ${e.restarts})` : ''}. Run \`mcpproxy-hook status\` for details.`;
  }

  private setState(e: Entry, state: UpstreamState, error?: string): void {
    e.state = state;
    e.error = error;
    e.lastChange = Date.now();
    if (state === 'failed' && error) e.lastError = { at: e.lastChange, error };
    if (this.opts.onStateChange) {
      try {
        this.opts.onStateChange(this.statusOf(e));
      } catch (err) {
        this.log(`onStateChange failed: ${errText(err)}`);
      }
    }
  }

  private wake(e: Entry): void {
    const ws = [...e.waiters];
    e.waiters.clear();
    for (const w of ws) w();
  }

  private waitReady(e: Entry, ms: number): Promise<void> {
    if (e.state !== 'starting') return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        e.waiters.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      t.unref();
      e.waiters.add(done);
    });
  }

  private makeTransport(e: Entry): Transport {
    const c = e.cfg;
    if (e.kind === 'http') {
      if (!c.url) throw new Error('no "url" configured');
      return new StreamableHTTPClientTransport(new URL(c.url), c.headers ? { requestInit: { headers: { ...c.headers } } } : undefined);
    }
    if (!c.command) throw new Error('no "command" configured');
    const env: Record<string, string> = {};
    for (const k of ['PATH', 'HOME']) {
      const v = process.env[k];
      if (v !== undefined) env[k] = v;
    }
    Object.assign(env, c.env ?? {});
    const t = new ObservedStdioTransport({
      command: c.command,
      args: c.args ?? [],
      env,
      ...(c.cwd ? { cwd: c.cwd } : {}),
      stderr: 'pipe',
    });
    e.stderrTail = [];
    const err = t.stderr;
    if (err) {
      let partial = '';
      err.on('data', (chunk: Buffer) => {
        partial += chunk.toString('utf8');
        if (partial.length > 65536) partial = partial.slice(-65536);
        const lines = partial.split('\n');
        partial = lines.pop() ?? '';
        for (const raw of lines) {
          const line = raw.replace(/\r$/, '').slice(0, 500);
          if (!line.trim()) continue;
          e.stderrTail.push(line);
          if (e.stderrTail.length > 5) e.stderrTail.shift();
          this.log(`upstream ${e.name}: ${line}`);
        }
      });
      err.on('error', () => undefined);
    }
    return t;
  }

  private closeReason(e: Entry, t: Transport | undefined): string {
    let why = 'the connection closed';
    if (t instanceof ObservedStdioTransport && t.exit) {
      why = t.exit.signal ? `the process was killed by ${t.exit.signal}` : `the process exited with code ${t.exit.code}`;
    } else if (e.kind === 'stdio') why = 'the process closed its stdio';
    const last = e.stderrTail[e.stderrTail.length - 1];
    return last ? `${why}; last stderr line: ${last}` : why;
  }

  private async connect(e: Entry): Promise<void> {
    if (this.stopped) return;
    const gen = ++e.gen;
    this.setState(e, 'starting');
    const client = new Client({ name: this.opts.clientName ?? 'mcpproxy-hook', version: this.opts.clientVersion ?? '0.1.0' }, { capabilities: {} });
    let transport: Transport;
    try {
      transport = this.makeTransport(e);
    } catch (err) {
      this.fail(e, gen, `cannot start: ${errText(err)}`);
      return;
    }
    e.client = client;
    e.transport = transport;
    client.onclose = () => {
      // let a pending connect() failure or the child's exit event land first: they say more
      setImmediate(() => this.fail(e, gen, this.closeReason(e, transport)));
    };
    client.onerror = (err) => {
      if (gen === e.gen && e.state === 'ready') this.log(`upstream ${e.name}: transport error: ${errText(err)}`);
    };
    try {
      await client.connect(transport, { timeout: this.connectTimeoutMs });
      if (gen !== e.gen) {
        this.closeClient(client, transport);
        return;
      }
      const caps = client.getServerCapabilities();
      if (caps?.tools?.listChanged) {
        client.setNotificationHandler(ToolListChangedNotificationSchema, () => this.refresh(e, gen));
      }
      const tools = caps?.tools ? await this.fetchTools(e, client) : [];
      if (gen !== e.gen) return;
      if (!caps?.tools) this.log(`upstream ${e.name}: the server declares no tools capability; it contributes no tools`);
      e.readyAt = Date.now();
      e.nextRetryAt = undefined;
      e.lastFailure = undefined;
      this.setState(e, 'ready');
      this.setTools(e, tools);
      this.log(`upstream ${e.name}: ready (${e.kind}, ${tools.length} tools${e.restarts ? `, restart ${e.restarts}` : ''})`);
      this.wake(e);
    } catch (err) {
      let msg = errText(err);
      if (err instanceof McpError && err.code === ErrorCode.ConnectionClosed) msg = this.closeReason(e, transport);
      else if (err instanceof McpError && err.code === ErrorCode.RequestTimeout)
        msg = `no answer to initialize/tools/list within ${Math.round(this.connectTimeoutMs / 1000)} s`;
      this.fail(e, gen, `cannot connect: ${msg}`);
    }
  }

  private fail(e: Entry, gen: number, reason: string): void {
    if (gen !== e.gen || this.stopped || e.state === 'stopped' || e.state === 'failed') return;
    e.gen++;
    const c = e.client;
    const tr = e.transport;
    e.client = undefined;
    e.transport = undefined;
    if (c) this.closeClient(c, tr);
    if (e.readyAt !== undefined && Date.now() - e.readyAt >= this.stableMs) e.failures = 0;
    e.readyAt = undefined;
    const delay = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(e.failures, 30));
    e.failures++;
    const sameAsBefore = reason === e.lastFailure;
    e.lastFailure = reason;
    e.nextRetryAt = Date.now() + delay;
    this.setState(e, 'failed', reason);
    // a server that keeps failing the same way is logged at attempts 1, 2, 4, 8, … only
    if (!sameAsBefore || (e.failures & (e.failures - 1)) === 0) {
      this.log(
        `upstream ${e.name}: failed${e.failures > 1 ? ` (attempt ${e.failures})` : ''}: ${reason}; retrying in ${delay >= 1000 ? `${(delay / 1000).toFixed(1)} s` : `${delay} ms`}`,
      );
    }
    const schedule = this.opts.scheduleRetry ?? timerRetry;
    const failedGen = e.gen;
    e.cancelRetry = schedule(
      () => {
        e.cancelRetry = undefined;
        // stale (stopped, reconfigured, or already reconnected since): nothing to do
        if (this.stopped || e.state !== 'failed' || e.gen !== failedGen) return;
        e.restarts++;
        void this.connect(e);
      },
      delay,
      e.name,
    );
    this.wake(e);
  }

  private async fetchTools(e: Entry, client: Client): Promise<ProxyTool[]> {
    const out: ProxyTool[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (let page = 0; page < 100; page++) {
      const r = (await client.request({ method: 'tools/list', params: cursor ? { cursor } : {} }, ResultSchema, { timeout: this.connectTimeoutMs })) as Record<
        string,
        unknown
      >;
      const tools = Array.isArray(r.tools) ? (r.tools as unknown[]) : [];
      for (const raw of tools) {
        if (typeof raw !== 'object' || raw === null) continue;
        const t = raw as Record<string, unknown>;
        if (typeof t.name !== 'string' || !t.name || seen.has(t.name)) {
          this.log(`upstream ${e.name}: skipping a tool with a missing or duplicate name`);
          continue;
        }
        seen.add(t.name);
        const inputSchema = typeof t.inputSchema === 'object' && t.inputSchema !== null ? (t.inputSchema as object) : { type: 'object' };
        const p: ProxyTool = { name: `${e.name}${TOOL_SEPARATOR}${t.name}`, server: e.name, tool: t.name, inputSchema };
        if (typeof t.title === 'string') p.title = t.title;
        if (typeof t.description === 'string') p.description = t.description;
        if (typeof t.outputSchema === 'object' && t.outputSchema !== null) p.outputSchema = t.outputSchema;
        if (typeof t.annotations === 'object' && t.annotations !== null) p.annotations = t.annotations;
        if (Array.isArray(t.icons)) p.icons = t.icons;
        if (typeof t._meta === 'object' && t._meta !== null) p._meta = t._meta as Record<string, unknown>;
        out.push(p);
      }
      cursor = typeof r.nextCursor === 'string' && r.nextCursor ? r.nextCursor : undefined;
      if (!cursor) break;
    }
    return out;
  }

  private setTools(e: Entry, tools: ProxyTool[]): void {
    const sig = JSON.stringify(tools);
    if (sig === e.toolSig) return;
    e.tools = tools;
    e.toolSig = sig;
    this.emitChanged();
  }

  private emitChanged(): void {
    try {
      this.opts.onToolsChanged?.();
    } catch (err) {
      this.log(`onToolsChanged failed: ${errText(err)}`);
    }
    for (const l of [...this.listeners]) {
      try {
        l();
      } catch (err) {
        this.log(`tools listener failed: ${errText(err)}`);
      }
    }
  }

  /** notifications/tools/list_changed from an upstream: fetch again (coalesced), then tell our clients. */
  private refresh(e: Entry, gen: number): void {
    if (gen !== e.gen) return;
    if (e.refreshing) {
      e.refreshAgain = true;
      return;
    }
    e.refreshing = true;
    void (async () => {
      try {
        do {
          e.refreshAgain = false;
          const client = e.client;
          if (!client || gen !== e.gen) return;
          try {
            const tools = await this.fetchTools(e, client);
            if (gen !== e.gen) return;
            this.setTools(e, tools);
          } catch (err) {
            if (gen !== e.gen) return;
            if (err instanceof McpError) this.log(`upstream ${e.name}: tools/list after list_changed failed: ${errText(err)}`);
            else this.fail(e, gen, `tools/list failed: ${errText(err)}`);
            return;
          }
        } while (e.refreshAgain);
      } finally {
        e.refreshing = false;
      }
    })();
  }
}
