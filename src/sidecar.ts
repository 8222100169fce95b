/**
 * The sidecar daemon: owns the flow engine, the audit store and the socket server.
 * `mcpproxy-hook daemon` runs `runDaemon()` in the foreground (what service managers run).
 */
import { createHmac } from 'node:crypto';
import { existsSync, unlinkSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { AuditStore } from './audit-store.ts';
import { claudeOutput } from './claude/hook-output.ts';
import { ConfigError, loadConfigFile, type Config } from './config/index.ts';
import { FlowEngine, type Decision } from './engine/engine.ts';
import { redact } from './engine/redact.ts';
import { checkSocketPath, type Paths } from './paths.ts';
import { SocketServer } from './transport/socket-server.ts';
import { HttpHookServer } from './transport/http-hook-server.ts';
import { socketAlive } from './transport/listen.ts';
import { ensurePrivateDir, readOrCreateKey, readOrCreateToken } from './state-files.ts';
import { Correlator } from './correlator.ts';
import { SessionStore, type RestoreReport } from './session-store.ts';
import { canonicalToolName, PROXY_SERVER_NAME } from './engine/classifier.ts';
import { UpstreamManager } from './mcp-proxy/upstreams.ts';
import { McpSocketServer } from './mcp-proxy/bridge.ts';
import { HttpEndpoint } from './mcp-proxy/http-endpoint.ts';
import type { FlowGuard, ProxyCall } from './mcp-proxy/proxy-server.ts';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HookEvent } from './types.ts';

export const VERSION = '0.1.0';

/** The dist/ dir this sidecar runs from (the hook bundle and the CLI), when it runs from one. */
function builtDir(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  return basename(here) === 'dist' ? here : undefined;
}
const MAX_SESSION_ID = 256;
const UPSTREAM_START_WAIT_MS = 10_000;

export class BadEvent extends Error {}

/**
 * A decision, and a promise that resolves once its audit row is committed (reply after it). A
 * PostToolUse from a hook is answered before it is recorded (decision null; see Sidecar.defer).
 */
export interface Evaluated {
  ok: true;
  output: Record<string, unknown>;
  decision: Decision | null;
  committed: Promise<void>;
}

/** Events whose reply is always `{}` (they record what a tool returned): answered first, recorded after. */
const RECORDING_EVENTS = new Set(['PostToolUse', 'PostToolUseFailure']);
/** At most this many answered-but-unrecorded events; one more is recorded before its reply. */
const MAX_DEFERRED = 32;

interface Deferred {
  ev: HookEvent;
  source: string;
  now: number;
}

/** Parse and check one hook event. Throws BadEvent with a message that says what is wrong. */
export function parseEvent(raw: Buffer | string): HookEvent {
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new BadEvent(`the event is not valid JSON (${(e as Error).message.slice(0, 120)})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new BadEvent('the event is not a JSON object');
  const ev = v as Record<string, unknown>;
  if (typeof ev.hook_event_name !== 'string' || !ev.hook_event_name) throw new BadEvent('the event has no hook_event_name');
  if (typeof ev.session_id !== 'string' || !ev.session_id) throw new BadEvent('the event has no session_id');
  if (ev.session_id.length > MAX_SESSION_ID) throw new BadEvent(`session_id is longer than ${MAX_SESSION_ID} chars`);
  if (ev.hook_event_name === 'PreToolUse' || ev.hook_event_name === 'PostToolUse') {
    if (typeof ev.tool_name !== 'string' || !ev.tool_name) throw new BadEvent(`${ev.hook_event_name} event has no tool_name`);
    if (ev.tool_input !== undefined && (typeof ev.tool_input !== 'object' || ev.tool_input === null)) throw new BadEvent('tool_input is not an object');
  }
  return ev as HookEvent;
}

class LatencyRing {
  private readonly buf: Float64Array;
  private n = 0;
  constructor(size: number) {
    this.buf = new Float64Array(size);
  }
  add(us: number): void {
    this.buf[this.n++ % this.buf.length] = us;
  }
  stats(): { count: number; p50_us: number; p99_us: number } {
    const c = Math.min(this.n, this.buf.length);
    if (c === 0) return { count: 0, p50_us: 0, p99_us: 0 };
    const xs = Array.from(this.buf.subarray(0, c)).sort((a, b) => a - b);
    const q = (p: number): number => Math.round(xs[Math.min(c - 1, Math.floor(p * c))] as number);
    return { count: c, p50_us: q(0.5), p99_us: q(0.99) };
  }
}

export interface SidecarOptions {
  paths: Paths;
  log?: (line: string) => void;
  now?: () => number;
}

export class Sidecar {
  readonly engine: FlowEngine;
  readonly audit: AuditStore;
  readonly sessionStore: SessionStore;
  private restored: RestoreReport = { sessions: 0, origins: 0, broken: 0 };
  private readonly server: SocketServer;
  private readonly key: Buffer;
  private readonly latency = new LatencyRing(1000);
  private readonly startedAt: number;
  private configLoadedAt: number;
  private configExists: boolean;
  private configError: string | null = null;
  private timers: NodeJS.Timeout[] = [];
  private watcher?: FSWatcher;
  private http?: HttpHookServer;
  private httpError: string | null = null;
  readonly correlator = new Correlator();
  /** PostToolUse events answered and not yet recorded, oldest first */
  private deferred: Deferred[] = [];
  private deferredScheduled = false;
  /** which paths reported on each session: hooks, the MCP proxy, or both (coverage mode) */
  private readonly sources = new Map<string, { hook: boolean; proxy: boolean }>();
  private upstreams?: UpstreamManager;
  private mcpSocket?: McpSocketServer;
  private mcpHttp?: HttpEndpoint;
  private mcpError: string | null = null;
  private readonly log: (line: string) => void;
  private readonly now: () => number;

  private constructor(
    readonly paths: Paths,
    cfg: { config: Config; exists: boolean },
    opts: SidecarOptions,
  ) {
    this.log = opts.log ?? ((l) => process.stderr.write(l + '\n'));
    this.now = opts.now ?? Date.now;
    this.startedAt = this.now();
    this.configLoadedAt = this.startedAt;
    this.configExists = cfg.exists;
    this.key = readOrCreateKey(paths.keyFile);
    this.engine = new FlowEngine(cfg.config, { seed: this.key.readUInt32BE(0), home: process.env.HOME, configPath: paths.configFile, persist: true, guard: { stateDir: paths.stateDir, installDir: builtDir() } });
    // checkpoints in the quiet after a burst of events (a tool running, the model thinking), not
    // on the reply path: a checkpoint's fsyncs took 5-15 ms here
    this.audit = new AuditStore(paths.db, { idleCheckpointMs: 200 });
    this.sessionStore = new SessionStore(this.audit.database, this.engine.tracker, this.correlator);
    this.audit.addWriter(
      () => this.sessionStore.write(),
      (e) => this.log(`${new Date().toISOString()} error saving session state (decisions are unaffected; after a restart these sessions may have lost what they read): ${e.message}`),
    );
    this.server = new SocketServer({
      path: paths.socket,
      handle: (msg) => this.dispatch(msg),
      onError: (what, err) => this.log(`${new Date().toISOString()} warn ${what}: ${(err as Error).message}`),
    });
  }

  /** Start: check the state dir, refuse a second instance, load config (throws ConfigError), listen. */
  static async start(opts: SidecarOptions): Promise<Sidecar> {
    const { paths } = opts;
    const bad = checkSocketPath(paths.socket);
    if (bad) throw new Error(bad);
    process.umask(0o077);
    ensurePrivateDir(paths.stateDir);
    const cfg = loadConfigFile(paths.configFile);
    if (existsSync(paths.socket)) {
      if (await socketAlive(paths.socket)) throw new Error(`another sidecar is already running on ${paths.socket}`);
      unlinkSync(paths.socket);
    }
    const sc = new Sidecar(paths, cfg, opts);
    sc.restoreSessions();
    await sc.server.listen();
    await sc.syncHttp();
    await sc.startMcp();
    sc.watchConfig();
    writeFileSync(paths.pidFile, String(process.pid) + '\n', { mode: 0o600 });
    sc.timers.push(setInterval(() => sc.housekeeping(), 30_000));
    sc.prune();
    sc.timers.push(setInterval(() => sc.prune(), 3600_000));
    for (const t of sc.timers) t.unref();
    sc.log(`${new Date().toISOString()} mcpproxy-hook sidecar ${VERSION} listening on ${paths.socket} (pid ${process.pid}, config ${cfg.exists ? paths.configFile : 'defaults'})`);
    return sc;
  }

  private async dispatch(msg: unknown): Promise<unknown> {
    if (typeof msg !== 'object' || msg === null) return { error: 'message is not an object' };
    const m = msg as Record<string, unknown>;
    switch (m.t) {
      case 'hook': {
        const e = m.e;
        if (!(e instanceof Uint8Array) && typeof e !== 'string') return '!the hook sent no event';
        try {
          const r = this.evaluate(typeof e === 'string' ? e : Buffer.from(e.buffer, e.byteOffset, e.byteLength), 'hook', typeof m.p === 'number' ? m.p : undefined);
          if (!r.ok) return '!' + r.error;
          await r.committed;
          return JSON.stringify(r.output);
        } catch (err) {
          this.log(`${new Date().toISOString()} error evaluating a hook event: ${(err as Error).message}`);
          return `!internal error in the sidecar (${(err as Error).message.slice(0, 200)}); see its log`;
        }
      }
      case 'evaluate': {
        const e = m.e;
        if (!(e instanceof Uint8Array) && typeof e !== 'string') return { error: 'no event given' };
        const r = this.evaluate(typeof e === 'string' ? e : Buffer.from(e.buffer, e.byteOffset, e.byteLength), 'evaluate');
        if (!r.ok) return { error: r.error };
        await r.committed;
        return { output: r.output, decision: r.decision && publicDecision(r.decision) };
      }
      case 'status':
        return this.status();
      case 'ping':
        return { ok: true, pid: process.pid, version: VERSION };
      case 'reload':
        return this.reload();
      default:
        return { error: `unknown message type ${JSON.stringify(m.t)}` };
    }
  }

  /** The whole decision path for one raw event. */
  evaluate(raw: Buffer | string, source: string, clientPid?: number): Evaluated | { ok: false; error: string } {
    const t0 = process.hrtime.bigint();
    let ev: HookEvent;
    try {
      ev = parseEvent(raw);
    } catch (e) {
      if (e instanceof BadEvent) {
        this.log(`${new Date().toISOString()} warn bad event from ${source}: ${e.message}`);
        return { ok: false, error: e.message };
      }
      throw e;
    }
    const now = this.now();
    if (clientPid !== undefined) this.correlator.notePid(clientPid, ev.session_id, now);
    if (ev.hook_event_name === 'PreToolUse' && typeof ev.tool_name === 'string' && ev.tool_name.startsWith(`mcp__${PROXY_SERVER_NAME}__`)) {
      this.correlator.notePending(canonicalToolName(ev.tool_name), ev.tool_input, ev.session_id, now);
    }
    this.noteSource(ev.session_id, 'hook');
    if (RECORDING_EVENTS.has(ev.hook_event_name) && (source === 'hook' || source === 'http')) return this.defer({ ev, source, now });
    return this.decide(ev, source, now, t0);
  }

  /**
   * Answer a PostToolUse now and record it right after the reply has gone out: the agent does not
   * wait for the fingerprinting (a 1 MB output takes ~20 ms). Ordering is kept: every other event,
   * status, reload, housekeeping and stop records what is deferred first, so a PreToolUse never
   * misses an origin whose PostToolUse was answered before it. Durability is what it was: the reply
   * to a PostToolUse carries nothing, and a sidecar killed before recording loses that origin
   * whether or not it had answered.
   */
  private defer(d: Deferred): Evaluated {
    this.deferred.push(d);
    if (this.deferred.length > MAX_DEFERRED) this.recordDeferred();
    else if (!this.deferredScheduled) {
      this.deferredScheduled = true;
      setImmediate(() => this.recordDeferred());
    }
    return { ok: true, output: {}, decision: null, committed: Promise.resolve() };
  }

  /** Record every deferred PostToolUse, oldest first. */
  private recordDeferred(): void {
    this.deferredScheduled = false;
    while (this.deferred.length > 0) {
      const d = this.deferred.shift() as Deferred;
      try {
        this.decideNow(d.ev, d.source, d.now, process.hrtime.bigint());
      } catch (err) {
        this.log(`${new Date().toISOString()} error recording a ${d.ev.hook_event_name} event of session ${d.ev.session_id}: ${(err as Error).message}`);
      }
    }
  }

  /** Keyed hash of a tool input; inputs too deep to serialise get a marker instead of an exception. */
  private inputHash(input: unknown): string | null {
    if (input === undefined) return null;
    try {
      return createHmac('sha256', this.key).update(JSON.stringify(input)).digest('hex').slice(0, 32);
    } catch {
      return 'unhashable';
    }
  }

  private noteSource(sessionId: string, kind: 'hook' | 'proxy'): void {
    let s = this.sources.get(sessionId);
    if (!s) {
      s = { hook: false, proxy: false };
      this.sources.set(sessionId, s);
      if (this.sources.size > 20_000) this.sources.delete(this.sources.keys().next().value as string);
    }
    s[kind] = true;
  }

  /** Engine decision + audit row for a parsed event (hook, HTTP hook, evaluate or proxy), after what is deferred. */
  private decide(ev: HookEvent, source: string, now: number, t0: bigint): Evaluated & { decision: Decision } {
    if (this.deferred.length > 0) {
      this.recordDeferred();
      // the recordings are timed on their own rows; this row times this event
      t0 = process.hrtime.bigint();
    }
    return this.decideNow(ev, source, now, t0);
  }

  private decideNow(ev: HookEvent, source: string, now: number, t0: bigint): Evaluated & { decision: Decision } {
    const d = this.engine.handle(ev, now);
    const output = claudeOutput(d);
    const us = Number(process.hrtime.bigint() - t0) / 1000;
    this.latency.add(us);
    const committed = this.audit.enqueue({
      ts: now,
      session_id: ev.session_id,
      event: ev.hook_event_name,
      tool: d.tool,
      tool_use_id: typeof ev.tool_use_id === 'string' ? ev.tool_use_id : null,
      classification: d.classification,
      flow_type: d.flowType,
      risk: d.risk,
      decision: d.action,
      reason: d.reason ? redact(d.reason) : null,
      summary: d.summary ? redact(d.summary) : null,
      origin_tool: d.originTool ?? null,
      hosts: d.destinationHosts.length ? d.destinationHosts.join(',') : null,
      input_hash: this.inputHash(ev.tool_input),
      latency_us: Math.round(us),
      source,
    });
    if (d.action !== 'allow') this.log(`${new Date(now).toISOString()} ${d.action} ${d.tool} session=${ev.session_id} risk=${d.risk}: ${redact(d.summary)}`);
    return { ok: true, output, decision: d, committed };
  }

  status(): Record<string, unknown> {
    this.recordDeferred();
    const now = this.now();
    const sessions = this.engine.tracker.list().map((s) => ({
      session_id: s.id,
      events: s.events,
      origins: s.origins.size,
      fingerprints: s.index.size,
      last_activity: new Date(s.lastAt).toISOString(),
      coverage: this.coverageOf(s.id),
      decisions: s.decisions,
    }));
    return {
      ok: true,
      version: VERSION,
      pid: process.pid,
      uptime_s: Math.round((now - this.startedAt) / 1000),
      socket: this.paths.socket,
      state_dir: this.paths.stateDir,
      http_hook: this.http ? { port: this.http.port, url: `http://127.0.0.1:${this.http.port}/mcpproxy-hook/v1/hook` } : this.httpError ? { error: this.httpError } : null,
      config: { file: this.paths.configFile, exists: this.configExists, loaded_at: new Date(this.configLoadedAt).toISOString(), last_reload_error: this.configError },
      sessions_tracked: this.engine.tracker.size,
      saved_state: this.engine.config.session.persist ? { ...this.sessionStore.counts(), restored_at_start: this.restored } : null,
      mcp: this.mcpStatus(),
      sessions,
      decisions_24h: this.audit.counts(now - 86_400_000),
      latency: this.latency.stats(),
      memory: { rss_bytes: process.memoryUsage().rss, fingerprint_bytes_approx: this.engine.tracker.approxBytes() },
    };
  }

  private coverageOf(id: string): string {
    const s = this.sources.get(id);
    if (s?.hook && s.proxy) return 'full';
    if (s?.proxy) return 'proxy-only';
    return 'hooks';
  }

  private mcpStatus(): Record<string, unknown> | null {
    if (!this.upstreams && !this.mcpError) return null;
    return {
      error: this.mcpError,
      upstreams: this.upstreams?.status() ?? [],
      stdio_socket: this.mcpSocket ? this.paths.stateDir + '/mcp.sock' : null,
      bridges: this.mcpSocket?.connections().length ?? 0,
      http: this.mcpHttp ? { url: this.mcpHttp.url, sessions: this.mcpHttp.sessionList().length } : null,
      correlation: { ...this.correlator.stats },
    };
  }

  /** The flow guard of the MCP proxy: the same engine and audit log as the hooks. */
  private guard(): FlowGuard {
    const event = (call: ProxyCall, kind: 'PreToolUse' | 'PostToolUse', result?: unknown): { ev: HookEvent; sessionId: string } => {
      const tool = `mcp__${call.server}__${call.tool}`;
      const r = this.correlator.resolve({ mcpSessionId: call.mcpSessionId, tool, args: call.args, ...(call.clientPids ? { clientPids: call.clientPids } : {}) }, this.now());
      this.noteSource(r.sessionId, 'proxy');
      const ev: HookEvent = { hook_event_name: kind, session_id: r.sessionId, tool_name: tool, tool_input: call.args, ...(result !== undefined ? { tool_response: result } : {}) };
      return { ev, sessionId: r.sessionId };
    };
    return {
      check: async (call) => {
        const t0 = process.hrtime.bigint();
        const { ev } = event(call, 'PreToolUse');
        const r = this.decide(ev, `proxy-${call.transport}`, this.now(), t0);
        await r.committed;
        return { action: r.decision.action, reason: r.decision.reason || r.decision.summary };
      },
      record: (call, result) => {
        const t0 = process.hrtime.bigint();
        const { ev } = event(call, 'PostToolUse', result);
        this.decide(ev, `proxy-${call.transport}`, this.now(), t0);
      },
    };
  }

  /** Start the MCP proxy when upstream servers are configured: stdio-bridge socket, optional HTTP endpoint. */
  async startMcp(): Promise<void> {
    const cfg = this.engine.config.mcp;
    if (Object.keys(cfg.servers).length === 0) return;
    const log = (l: string): void => this.log(`${new Date().toISOString()} mcp ${l}`);
    try {
      this.upstreams = new UpstreamManager(cfg.servers, {
        log,
        clientName: 'mcpproxy-hook',
        onStateChange: (st) => log(`upstream ${st.name}: ${st.state}${st.error ? ` (${st.error})` : ''}`),
      });
      const guard = this.guard();
      // clients are served once every upstream has started or failed its first attempt (bounded):
      // one that lists tools at once (a bridge reconnecting after a restart) gets them all, not the
      // few that happened to be up
      const started = this.upstreams.start();
      await Promise.race([started, new Promise((r) => setTimeout(r, UPSTREAM_START_WAIT_MS).unref())]);
      this.mcpSocket = new McpSocketServer({ path: join(this.paths.stateDir, 'mcp.sock'), upstreams: this.upstreams, guard, log, onDisconnect: (c) => this.correlator.forget(c.mcpSessionId) });
      await this.mcpSocket.listen();
      if (cfg.port > 0) {
        this.mcpHttp = new HttpEndpoint({ port: cfg.port, token: readOrCreateToken(this.paths.tokenFile), upstreams: this.upstreams, guard, log, onSessionEnd: (s) => this.correlator.forget(s.mcpSessionId) });
        await this.mcpHttp.listen();
      }
      log(`proxy ready: ${Object.keys(cfg.servers).length} upstream(s); stdio bridge socket ${join(this.paths.stateDir, 'mcp.sock')}${this.mcpHttp ? `; HTTP ${this.mcpHttp.url}` : ''}`);
    } catch (e) {
      this.mcpError = (e as Error).message;
      log(`proxy not started: ${this.mcpError}`);
    }
  }

  /** Reload when the config file changes (the directory is watched: editors replace files). */
  private watchConfig(): void {
    const dir = dirname(this.paths.configFile);
    const name = basename(this.paths.configFile);
    let timer: NodeJS.Timeout | undefined;
    try {
      this.watcher = watch(dir, { persistent: false }, (_ev, file) => {
        if (file !== null && file !== name) return;
        clearTimeout(timer);
        timer = setTimeout(() => this.reload(), 200);
        timer.unref();
      });
      this.watcher.on('error', () => undefined);
    } catch {
      // the directory does not exist yet: SIGHUP still reloads
    }
  }

  /** Re-read the config; on error keep the running one and say why. */
  reload(): Record<string, unknown> {
    // what arrived under the old config is recorded under it
    this.recordDeferred();
    try {
      const cfg = loadConfigFile(this.paths.configFile);
      this.engine.setConfig(cfg.config);
      this.configExists = cfg.exists;
      this.configLoadedAt = this.now();
      this.configError = null;
      this.log(`${new Date().toISOString()} config reloaded from ${cfg.exists ? this.paths.configFile : 'defaults'}`);
      void this.syncHttp();
      return { ok: true };
    } catch (e) {
      const msg = e instanceof ConfigError ? e.message : (e as Error).message;
      this.configError = msg;
      this.log(`${new Date().toISOString()} warn config reload failed, keeping the previous config: ${msg}`);
      return { ok: false, error: msg };
    }
  }

  /** Start, restart or stop the HTTP hook listener to match hook.httpPort. */
  async syncHttp(): Promise<void> {
    const want = this.engine.config.hook.httpPort;
    if (this.http && this.http.port === want) return;
    if (this.http) {
      await this.http.close();
      this.http = undefined;
    }
    this.httpError = null;
    if (want === 0) return;
    const srv = new HttpHookServer({
      port: want,
      token: readOrCreateToken(this.paths.tokenFile),
      evaluate: async (raw) => {
        const r = this.evaluate(raw, 'http');
        if (!r.ok) return { ok: false, error: r.error };
        await r.committed;
        return { ok: true, output: r.output };
      },
      onError: (what, err) => this.log(`${new Date().toISOString()} warn ${what}: ${(err as Error).message}`),
    });
    try {
      await srv.listen();
      this.http = srv;
      this.log(`${new Date().toISOString()} HTTP hook endpoint on http://127.0.0.1:${srv.port}/mcpproxy-hook/v1/hook`);
    } catch (e) {
      this.httpError = `cannot listen on 127.0.0.1:${want}: ${(e as Error).message}`;
      this.log(`${new Date().toISOString()} warn ${this.httpError}; HTTP hooks will fail open until hook.httpPort is fixed`);
    }
  }

  /** Put back the sessions saved before the last stop or crash; close those idle for too long. */
  private restoreSessions(): void {
    const cfg = this.engine.config.session;
    if (!cfg.persist) {
      this.sessionStore.clear();
      return;
    }
    const t0 = process.hrtime.bigint();
    this.restored = this.sessionStore.restore(this.engine.tracker.hasher, cfg.maxFingerprints, (l) => this.log(`${new Date().toISOString()} warn ${l}`));
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (this.restored.sessions > 0 || this.restored.broken > 0) {
      this.log(`${new Date().toISOString()} restored ${this.restored.sessions} session(s) with ${this.restored.origins} origin(s) in ${ms.toFixed(1)} ms${this.restored.broken ? `; ${this.restored.broken} could not be read` : ''}`);
    }
    this.housekeeping();
  }

  private housekeeping(): void {
    this.recordDeferred();
    this.engine.expire(this.now());
    this.audit.recordSummaries(this.engine.tracker.drainClosed());
    // closed sessions: their saved state goes too; open ones get their counters saved
    this.saveSessions();
  }

  private saveSessions(): void {
    try {
      this.sessionStore.saveAll();
    } catch (e) {
      this.log(`${new Date().toISOString()} error saving session state: ${(e as Error).message}`);
    }
  }

  prune(): void {
    const days = this.engine.config.audit.retentionDays;
    const n = this.audit.prune(this.now() - days * 86_400_000, this.engine.config.audit.maxRows);
    if (n > 0) this.log(`${new Date().toISOString()} pruned ${n} audit rows (older than ${days} days or beyond ${this.engine.config.audit.maxRows} rows)`);
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.watcher?.close();
    await this.server.close();
    await this.http?.close();
    await this.mcpHttp?.close();
    await this.mcpSocket?.close();
    await this.upstreams?.stop();
    this.recordDeferred();
    // open sessions stay open across a restart when they are saved; otherwise they end here
    if (!this.engine.config.session.persist) {
      this.engine.tracker.closeAll();
      this.audit.recordSummaries(this.engine.tracker.drainClosed());
    }
    this.saveSessions();
    this.audit.close();
    for (const f of [this.paths.socket, this.paths.pidFile]) {
      try {
        unlinkSync(f);
      } catch {
        /* already gone */
      }
    }
  }
}

export function publicDecision(d: Decision): Record<string, unknown> {
  return {
    event: d.event,
    session_id: d.sessionId,
    tool: d.tool,
    decision: d.action,
    risk: d.risk,
    flow_type: d.flowType,
    classification: d.classification,
    reason: d.reason ? redact(d.reason) : '',
    summary: redact(d.summary),
    origin_tool: d.originTool ?? null,
    hosts: d.destinationHosts,
    rule: d.findings[0]?.rule ?? null,
    provenance: d.provenance ?? null,
    live_facts: d.liveFacts ?? [],
  };
}

/** Foreground daemon with signal handling. Resolves when stopped. */
export async function runDaemon(paths: Paths): Promise<void> {
  let sc: Sidecar;
  try {
    sc = await Sidecar.start({ paths });
  } catch (e) {
    const msg = e instanceof ConfigError ? e.message + `\nFix the file and start again (defaults and docs: mcpproxy-hook config --docs).` : (e as Error).message;
    process.stderr.write(`mcpproxy-hook daemon: cannot start: ${msg}\n`);
    process.exitCode = e instanceof ConfigError ? 78 : 1;
    return;
  }
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (sig: string): void => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`${new Date().toISOString()} ${sig}: stopping\n`);
      sc.stop().then(resolve, resolve);
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => sc.reload());
  });
}

