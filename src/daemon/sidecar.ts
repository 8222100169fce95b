/**
 * The sidecar daemon: one per user. Puts together the flow engine (src/engine/, pure), the stores
 * (src/store/), the socket and HTTP transports (src/transport/) and the daemon's own parts:
 *  - router.ts: socket messages in, replies out, one error convention;
 *  - recorder.ts: decisions and audit rows, and the Post-before-Pre ordering rule;
 *  - config-watcher.ts: reload on change;
 *  - mcp-host.ts: the MCP proxy, loaded only when configured;
 *  - correlator.ts: which hook session an MCP call belongs to;
 *  - logger.ts.
 * `mcpproxy-hook daemon` runs `runDaemon()` (run.ts) in the foreground, as service managers do.
 */
import { existsSync, unlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfigFile, type Config } from '../config/index.ts';
import { canonicalToolName, PROXY_SERVER_NAME } from '../engine/classifier.ts';
import { FlowEngine } from '../engine/engine.ts';
import { OwnHosts } from './own-hosts.ts';
import type { GuardFacts } from '../engine/tamper.ts';
import { servicePaths } from '../service.ts';
import type { FlowGuard, ProxyCall } from '../mcp-proxy/proxy-server.ts';
import { checkSocketPath, type Paths } from '../paths.ts';
import { AuditStore } from '../store/audit-store.ts';
import { writeFileAtomic } from '../fs-atomic.ts';
import { SessionStore, type RestoreReport } from '../store/session-store.ts';
import { ensurePrivateDir, readOrCreateKey, readOrCreateToken } from '../store/state-files.ts';
import { HttpHookServer } from '../transport/http-hook-server.ts';
import { socketAlive } from '../transport/listen.ts';
import { SocketServer } from '../transport/socket-server.ts';
import type { HookEvent } from '../types.ts';
import { VERSION } from '../version.ts';
import { ConfigWatcher } from './config-watcher.ts';
import { Correlator } from './correlator.ts';
import { parseEvent } from './events.ts';
import { createLogger, type Logger, type LogSink } from './logger.ts';
import { McpHost } from './mcp-host.ts';
import { RECORDING_EVENTS, Recorder, type Evaluated } from './recorder.ts';
import { Router } from './router.ts';
import { ConsoleHost, FlowExceptions } from './console-host.ts';

/** How often idle sessions are closed and counters saved. */
const HOUSEKEEPING_MS = 30_000;
/** How often old audit rows are pruned. */
const PRUNE_MS = 3600_000;
/** Sessions whose coverage (hooks / proxy / both) is remembered. */
const MAX_SOURCES = 20_000;
/** Checkpoint the WAL after this much quiet (a checkpoint's fsyncs took 5-15 ms here). */
const IDLE_CHECKPOINT_MS = 200;

/** The dist/ dir this sidecar runs from (the hook bundle and the CLI), when it runs from one. */
function builtDir(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  return basename(here) === 'dist' ? here : undefined;
}

/**
 * Where the guard lives, for the engine's tamper checks: its state, config, service files and
 * installed package, and its own process (pid, command line), so a call that would rewrite,
 * remove or signal any of them is caught.
 */
export function guardFacts(paths: Paths, env: NodeJS.ProcessEnv = process.env): GuardFacts {
  const dist = builtDir();
  const home = env.HOME || homedir();
  const protectedPaths = [servicePaths('linux', home, env).file, servicePaths('darwin', home, env).file];
  // the config's own directory holds nothing else of ours or anyone's: removing or replacing it is the same as the file
  if (!paths.relocated) protectedPaths.push(dirname(paths.configFile));
  if (dist) {
    const root = dirname(dist);
    protectedPaths.push(join(root, 'bin'), join(root, 'package.json'), join(root, 'node_modules'));
  }
  return {
    stateDir: paths.stateDir,
    ...(dist ? { installDir: dist } : {}),
    configFile: paths.configFile,
    protectedPaths,
    sidecarPid: process.pid,
    sidecarCmdline: [process.execPath, ...process.execArgv, ...process.argv.slice(1)].join(' '),
    sidecarName: basename(process.execPath),
  };
}

export interface SidecarOptions {
  paths: Paths;
  /** where log lines go (stderr by default) */
  log?: LogSink;
  now?: () => number;
}

export class Sidecar {
  readonly engine: FlowEngine;
  readonly audit: AuditStore;
  readonly sessionStore: SessionStore;
  readonly correlator = new Correlator();
  private readonly recorder: Recorder;
  /** the user's flow exceptions (mcpproxy-hook allow, the console) */
  readonly flows: FlowExceptions;
  /** the console, started on the first `mcpproxy-hook console` */
  readonly console: ConsoleHost;
  private readonly server: SocketServer;
  private readonly mcp: McpHost;
  private readonly watcher: ConfigWatcher;
  private readonly key: Buffer;
  private readonly log: Logger;
  private readonly now: () => number;
  private restored: RestoreReport = { sessions: 0, origins: 0, broken: 0 };
  private readonly startedAt: number;
  private configLoadedAt: number;
  private configExists: boolean;
  private configError: string | null = null;
  private timers: NodeJS.Timeout[] = [];
  private http?: HttpHookServer;
  private httpError: string | null = null;
  /** which paths reported on each session: hooks, the MCP proxy, or both (coverage mode) */
  private readonly sources = new Map<string, { hook: boolean; proxy: boolean }>();

  private constructor(
    readonly paths: Paths,
    cfg: { config: Config; exists: boolean },
    opts: SidecarOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.log = createLogger(opts.log, this.now);
    this.startedAt = this.now();
    this.configLoadedAt = this.startedAt;
    this.configExists = cfg.exists;
    this.key = readOrCreateKey(paths.keyFile);
    const ownHosts = new OwnHosts(process.env.HOME);
    this.engine = new FlowEngine(cfg.config, { seed: this.key.readUInt32BE(0), home: process.env.HOME, configPath: paths.configFile, persist: true, guard: guardFacts(paths), toolAnnotations: (t) => this.mcp?.annotations(t), ownFacts: () => ownHosts.get() });
    // checkpoints in the quiet after a burst of events (a tool running, the model thinking), not on the reply path
    this.audit = new AuditStore(paths.db, { idleCheckpointMs: IDLE_CHECKPOINT_MS });
    this.sessionStore = new SessionStore(this.audit.database, this.engine.tracker, this.correlator);
    this.audit.addWriter(
      () => this.sessionStore.write(),
      (e) => this.log.error(`saving session state (decisions are unaffected; after a restart these sessions may have lost what they read): ${e.message}`),
    );
    this.recorder = new Recorder(this.engine, this.audit, this.key, this.log);
    this.flows = new FlowExceptions(this.audit, this.now);
    this.recorder.flows = this.flows;
    this.console = new ConsoleHost(this.audit, this.flows, { sessions: () => this.consoleSessions() }, () => this.engine.config.console.port, this.log.child('console'));
    this.recorder.onRow = (row) => this.console.publish({ ...row });
    const router = new Router(this, this.log);
    this.server = new SocketServer({
      path: paths.socket,
      handle: (msg) => router.handle(msg),
      onError: (what, err) => this.log.warn(`${what}: ${(err as Error).message}`),
    });
    this.mcp = new McpHost({ stateDir: paths.stateDir, token: () => readOrCreateToken(paths.tokenFile), correlator: this.correlator, guard: this.guard(), log: this.log.child('mcp') });
    this.watcher = new ConfigWatcher(paths.configFile, () => this.reload());
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
    await sc.mcp.start(sc.engine.config.mcp);
    sc.watcher.start();
    writeFileAtomic(paths.pidFile, String(process.pid) + '\n');
    sc.timers.push(setInterval(() => sc.housekeeping(), HOUSEKEEPING_MS));
    sc.prune();
    sc.timers.push(setInterval(() => sc.prune(), PRUNE_MS));
    for (const t of sc.timers) t.unref();
    sc.log.info(`mcpproxy-hook sidecar ${VERSION} listening on ${paths.socket} (pid ${process.pid}, config ${cfg.exists ? paths.configFile : 'defaults'})`);
    return sc;
  }

  /** The whole decision path for one raw event. Throws BadEvent for an event that cannot be read. */
  evaluate(raw: Buffer | string, source: string, clientPid?: number): Evaluated {
    const t0 = process.hrtime.bigint();
    const ev = parseEvent(raw);
    const now = this.now();
    if (clientPid !== undefined) this.correlator.notePid(clientPid, ev.session_id, now);
    if (ev.hook_event_name === 'PreToolUse' && typeof ev.tool_name === 'string' && ev.tool_name.startsWith(`mcp__${PROXY_SERVER_NAME}__`)) {
      this.correlator.notePending(canonicalToolName(ev.tool_name), ev.tool_input, ev.session_id, now);
    }
    this.noteSource(ev.session_id, 'hook');
    if (RECORDING_EVENTS.has(ev.hook_event_name) && (source === 'hook' || source === 'http')) return this.recorder.defer(ev, source, now);
    return this.recorder.decide(ev, source, now, t0);
  }

  private noteSource(sessionId: string, kind: 'hook' | 'proxy'): void {
    let s = this.sources.get(sessionId);
    if (!s) {
      s = { hook: false, proxy: false };
      this.sources.set(sessionId, s);
      if (this.sources.size > MAX_SOURCES) this.sources.delete(this.sources.keys().next().value as string);
    }
    s[kind] = true;
  }

  status(): Record<string, unknown> {
    this.recorder.flush();
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
      mcp: this.mcp.status(),
      sessions,
      decisions_24h: this.audit.counts(now - 86_400_000),
      latency: this.recorder.latencyStats(),
      memory: { rss_bytes: process.memoryUsage().rss, fingerprint_bytes_approx: this.engine.tracker.approxBytes() },
    };
  }

  /** Live sessions for the console: coverage, activity and how many calls were interrupted. */
  private consoleSessions(): Array<Record<string, unknown>> {
    return this.engine.tracker.list().map((s) => ({
      session_id: s.id,
      coverage: this.coverageOf(s.id),
      events: s.events,
      interrupted: (s.decisions.ask ?? 0) + (s.decisions.deny ?? 0),
      origins: s.origins.size,
      last_at: s.lastAt,
    }));
  }

  private coverageOf(id: string): string {
    const s = this.sources.get(id);
    if (s?.hook && s.proxy) return 'full';
    if (s?.proxy) return 'proxy-only';
    return 'hooks';
  }

  /** The flow guard of the MCP proxy: the same engine and audit log as the hooks. */
  private guard(): FlowGuard {
    const event = (call: ProxyCall, kind: 'PreToolUse' | 'PostToolUse', result?: unknown): HookEvent => {
      const tool = `mcp__${call.server}__${call.tool}`;
      const r = this.correlator.resolve({ mcpSessionId: call.mcpSessionId, tool, args: call.args, ...(call.clientPids ? { clientPids: call.clientPids } : {}) }, this.now());
      this.noteSource(r.sessionId, 'proxy');
      return { hook_event_name: kind, session_id: r.sessionId, tool_name: tool, tool_input: call.args, ...(result !== undefined ? { tool_response: result } : {}) };
    };
    return {
      check: async (call) => {
        const t0 = process.hrtime.bigint();
        const r = this.recorder.decide(event(call, 'PreToolUse'), `proxy-${call.transport}`, this.now(), t0);
        const id = await r.committed;
        return { action: r.decision.action, reason: r.decision.reason || r.decision.summary, ...(id !== undefined ? { id } : {}) };
      },
      outcome: (verdict, outcome, why) => {
        // the audit says what really happened to the call, not only what was decided
        if (verdict.id !== undefined) this.audit.amend(verdict.id, outcome, `${verdict.action} -> ${outcome}: ${why}`);
      },
      record: (call, result) => {
        const t0 = process.hrtime.bigint();
        this.recorder.decide(event(call, 'PostToolUse', result), `proxy-${call.transport}`, this.now(), t0);
      },
    };
  }

  /** Re-read the config; on error keep the running one and say why. */
  reload(): Record<string, unknown> {
    // what arrived under the old config is recorded under it
    this.recorder.flush();
    try {
      const cfg = loadConfigFile(this.paths.configFile);
      this.engine.setConfig(cfg.config);
      this.configExists = cfg.exists;
      this.configLoadedAt = this.now();
      this.configError = null;
      this.log.info(`config reloaded from ${cfg.exists ? this.paths.configFile : 'defaults'}`);
      void this.syncHttp();
      return { ok: true };
    } catch (e) {
      const msg = e instanceof ConfigError ? e.message : (e as Error).message;
      this.configError = msg;
      this.log.warn(`config reload failed, keeping the previous config: ${msg}`);
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
        await r.committed;
        return r.output;
      },
      onError: (what, err) => this.log.warn(`${what}: ${(err as Error).message}`),
    });
    try {
      await srv.listen();
      this.http = srv;
      this.log.info(`HTTP hook endpoint on http://127.0.0.1:${srv.port}/mcpproxy-hook/v1/hook`);
    } catch (e) {
      this.httpError = `cannot listen on 127.0.0.1:${want}: ${(e as Error).message}`;
      this.log.warn(`${this.httpError}; HTTP hooks will fail open until hook.httpPort is fixed`);
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
    this.restored = this.sessionStore.restore(this.engine.tracker.hasher, cfg.maxFingerprints, (l) => this.log.warn(l));
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (this.restored.sessions > 0 || this.restored.broken > 0) {
      this.log.info(`restored ${this.restored.sessions} session(s) with ${this.restored.origins} origin(s) in ${ms.toFixed(1)} ms${this.restored.broken ? `; ${this.restored.broken} could not be read` : ''}`);
    }
    this.housekeeping();
  }

  private housekeeping(): void {
    this.recorder.flush();
    this.engine.expire(this.now());
    this.audit.recordSummaries(this.engine.tracker.drainClosed());
    // closed sessions: their saved state goes too; open ones get their counters saved
    this.saveSessions();
  }

  private saveSessions(): void {
    try {
      this.sessionStore.saveAll();
    } catch (e) {
      this.log.error(`saving session state: ${(e as Error).message}`);
    }
  }

  prune(): void {
    const days = this.engine.config.audit.retentionDays;
    const n = this.audit.prune(this.now() - days * 86_400_000, this.engine.config.audit.maxRows);
    if (n > 0) this.log.info(`pruned ${n} audit rows (older than ${days} days or beyond ${this.engine.config.audit.maxRows} rows)`);
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.watcher.close();
    await this.server.close();
    await this.http?.close();
    await this.console.stop();
    await this.mcp.stop();
    this.recorder.flush();
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
        // already gone: nothing to remove
      }
    }
  }
}
