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
import { copyFileSync, existsSync, readFileSync, unlinkSync, watch, type FSWatcher } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfigFile, type Config } from '../config/index.ts';
import { ErrorCode, GuardError } from '../errors.ts';
import { canonicalToolName, isProxiedTool } from '../engine/classifier.ts';
import { FlowEngine, UNVERIFIED_CALLER } from '../engine/engine.ts';
import type { ScanCandidates } from '../engine/detector.ts';
import { OwnHosts } from './own-hosts.ts';
import type { GuardFacts } from '../engine/tamper.ts';
import { servicePaths } from '../service.ts';
import type { FlowGuard, ProxyCall } from '../mcp-proxy/proxy-server.ts';
import { checkSocketPath, type Paths } from '../paths.ts';
import { AuditStore, MAX_BACKLOG_ROWS } from '../store/audit-store.ts';
import { checkWal } from '../store/wal-check.ts';
import { writeFileAtomic } from '../fs-atomic.ts';
import { SessionStore, type RestoreReport } from '../store/session-store.ts';
import { ensurePrivateDir, quarantine, readOrCreateKey, readOrCreateToken, readStarterHint, StateFileDamaged } from '../store/state-files.ts';
import { HttpHookServer } from '../transport/http-hook-server.ts';
import { HookCallers, refusedOutput, TRUST_RAISING, untrustedPromptMessage, type Caller } from '../transport/hook-callers.ts';
import { socketAlive } from '../transport/listen.ts';
import { SocketServer } from '../transport/socket-server.ts';
import { connectionBudgets, fdLimit, type ConnectionBudgets } from '../transport/conn-pool.ts';
import type { HookEvent } from '../types.ts';
import { VERSION } from '../version.ts';
import { ConfigWatcher } from './config-watcher.ts';
import { Correlator } from './correlator.ts';
import { parseEvent } from './events.ts';
import { createLogger, type Logger, type LogSink } from './logger.ts';
import { LoopMonitor } from './loop-monitor.ts';
import { McpHost } from './mcp-host.ts';
import { memoryLimit, Reclaimer, SESSION_MEMORY_SHARE } from './memory.ts';
import { DEFAULT_GIT_LIMITS, inspectPushes, type GitReadLimits } from './git-objects.ts';
import { readSettingsFile } from './settings-file.ts';
import { onUndelivered, RECORDING_EVENTS, Recorder, type Evaluated } from './recorder.ts';
import { mainPartSteps, ScanThread, scanWorkerEntry } from './scan-thread.ts';
import { Redactor } from '../engine/redaction.ts';
import { Router } from './router.ts';
import { ConsoleHost, FlowExceptions } from './console-host.ts';

/**
 * How long after its start the daemon starts the detector's worker thread (SidecarOptions.startScanWorker):
 * after its own start and the first events a hook waits for, before the first large outputs of a session
 * (its warm-up then runs on the other core while the model answers the first prompt).
 */
const SCAN_WORKER_START_MS = 1_000;

/** A PostToolUse event at least this large (bytes as received) is prepared in steps before it is answered (Recorder.inSteps). */
export const LARGE_OUTPUT_BYTES = 64 * 1024;

/** How often the socket file is checked (besides the watch on the state dir). */
const SOCKET_CHECK_MS = 2000;

/**
 * Events of one session being decided at once (received, answer not yet sent). Claude Code sends a
 * few at a time (parallel tool calls); more means something is flooding the guard with events for
 * that session, and they are refused (a deny for a call about to run) instead of queued without bound.
 */
export const MAX_SESSION_IN_FLIGHT = 32;

/** Session state released by one expiry sweep above which a full garbage collection runs (RSS comes back down). */
const RECLAIM_AFTER_BYTES = 16 * 2 ** 20;
/** How often idle sessions are closed and counters saved. */
const HOUSEKEEPING_MS = 30_000;
/** A new binding of a session to its Claude Code process is saved this soon (restart safety), batched. */
const CALLERS_SAVE_MS = 1000;
/** Sessions remembered as told that a prompt raised no trust (the message is shown once per session). */
const MAX_TOLD_UNTRUSTED = 4096;
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
  /** RSS in bytes above which new sessions are refused (default: a share of the cgroup limit or the machine's memory) */
  memoryBudget?: number;
  /** where log lines go (stderr by default) */
  log?: LogSink;
  /** session state released by one expiry sweep above which a full garbage collection runs (default 16 MiB) */
  reclaimAfterBytes?: number;
  /** bounds of a push's read of its repository (default DEFAULT_GIT_LIMITS) */
  gitLimits?: GitReadLimits;
  /** quiet time before the second collection of a reclaim (default memory.ts SETTLE_MS) */
  reclaimSettleMs?: number;
  /**
   * Measure how long the event loop is held without yielding (status `event_loop`), with a timer of
   * this resolution in ms (a wake-up that often: off by default; on with MCPPROXY_HOOK_LOOP_MONITOR_MS
   * in the daemon's environment, as the benchmarks do).
   */
  loopMonitorMs?: number;
  now?: () => number;
  /** the detector's worker thread's code (scan-thread.ts; default: found next to this file), null: no worker (the main thread scans) */
  scanWorker?: URL | null;
  /**
   * Start that worker a few seconds after the start, with redaction on (the daemon: it is ready for
   * the large outputs after that); otherwise (tests) the first large output starts it and is scanned
   * on the main thread.
   */
  startScanWorker?: boolean;
}

export class Sidecar {
  readonly engine: FlowEngine;
  readonly audit: AuditStore;
  readonly sessionStore: SessionStore;
  readonly correlator = new Correlator();
  /** secrets held back from the model in each session (redaction.mode), in sidecar memory only */
  readonly redactor: Redactor;
  private readonly recorder: Recorder;
  /** the detector's scan of large outputs on a worker thread, with redaction on (scan-thread.ts) */
  readonly scanThread: ScanThread;
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
  private readonly reclaimAfterBytes: number;
  private readonly gitLimits: GitReadLimits;
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
  /** connections each listener may hold, out of the descriptor limit (conn-pool.ts) */
  private readonly budgets: ConnectionBudgets = connectionBudgets();
  /** events of each session being decided now (MAX_SESSION_IN_FLIGHT) */
  private readonly inFlight = new Map<string, number>();
  /** events refused because their session had MAX_SESSION_IN_FLIGHT being decided */
  private inFlightRefused = 0;
  private lastInFlightLog = 0;
  private lastJournalLog = 0;
  /** who sent each hook event: Claude Code's own hook call, or another process speaking as it (hook-callers.ts) */
  readonly callers: HookCallers;
  private callersSave?: NodeJS.Timeout;
  private lastRefusedLog = 0;
  /** sessions already told that their prompt raised no trust (once each, bounded) */
  private readonly toldUntrusted = new Set<string>();

  /**
   * State that was found damaged at start and what was done about it (loud in the log and in
   * status, never a silent reset): the damaged file is kept beside the new one.
   */
  readonly stateProblems: string[] = [];
  /** the key was replaced: sessions saved under the old one cannot match anything and are dropped, not "restored" */
  private keyReplaced = false;

  private openKey(file: string): Buffer {
    try {
      return readOrCreateKey(file);
    } catch (e) {
      if (!(e instanceof StateFileDamaged)) throw e;
      const kept = quarantine(file, this.now());
      this.keyReplaced = true;
      this.stateProblems.push(
        `${e.message}. It was moved to ${kept} and a new key was made: fingerprints and input hashes made with the old key cannot be compared with new ones, so saved sessions were dropped (they start afresh) and audit input hashes before ${new Date(this.now()).toISOString()} do not match later ones. Restore the old key from a backup (stop the sidecar, copy it over ${file}) if you have one.`,
      );
      this.log.error(this.stateProblems[this.stateProblems.length - 1] as string);
      return readOrCreateKey(file);
    }
  }

  private openAudit(file: string): AuditStore {
    const wal = checkWal(file);
    if (wal) {
      // SQLite recovers the WAL up to the damage and drops the rest without a word: keep a copy and say so
      const kept = `${file}-wal.damaged-${new Date(this.now()).toISOString().replace(/[:.]/g, '-')}`;
      copyFileSync(`${file}-wal`, kept);
      this.stateProblems.push(
        `the write-ahead log of ${file} is damaged at frame ${wal.frame}: ${wal.lostFrames} frame(s) from there on (${wal.lostCommits} later commit(s) of audit rows and saved session state) cannot be read and are lost; the database goes on from the last good commit. A copy of the log was kept at ${kept}.`,
      );
      this.log.error(this.stateProblems[this.stateProblems.length - 1] as string);
    }
    try {
      return new AuditStore(file, { idleCheckpointMs: IDLE_CHECKPOINT_MS });
    } catch (e) {
      const code = String((e as { code?: unknown }).code ?? '');
      if (code !== 'SQLITE_NOTADB' && code !== 'SQLITE_CORRUPT') throw e;
      const kept = quarantine(file, this.now());
      for (const side of ['-wal', '-shm']) {
        try {
          quarantine(file + side, this.now());
        } catch {
          // no such side file: nothing to keep
        }
      }
      this.stateProblems.push(
        `the audit database ${file} is damaged (${code}: ${(e as Error).message}). It was moved to ${kept} (with its -wal/-shm files) and a new one was started: earlier audit rows and saved sessions are in the damaged copy only (inspect it with: sqlite3 ${kept} 'PRAGMA integrity_check').`,
      );
      this.log.error(this.stateProblems[this.stateProblems.length - 1] as string);
      return new AuditStore(file, { idleCheckpointMs: IDLE_CHECKPOINT_MS });
    }
  }

  private constructor(
    readonly paths: Paths,
    cfg: { config: Config; exists: boolean },
    opts: SidecarOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.reclaimAfterBytes = opts.reclaimAfterBytes ?? RECLAIM_AFTER_BYTES;
    this.gitLimits = opts.gitLimits ?? DEFAULT_GIT_LIMITS;
    this.reclaimer = new Reclaimer(opts.reclaimSettleMs);
    this.log = createLogger(opts.log, this.now);
    this.startedAt = this.now();
    this.configLoadedAt = this.startedAt;
    this.configExists = cfg.exists;
    this.key = this.openKey(paths.keyFile);
    const ownHosts = new OwnHosts(process.env.HOME);
    this.engine = new FlowEngine(cfg.config, {
      seed: this.key.readUInt32BE(0),
      home: process.env.HOME,
      configPath: paths.configFile,
      persist: true,
      guard: guardFacts(paths),
      toolAnnotations: (t) => this.mcp?.annotations(t),
      ownFacts: () => ownHosts.get(),
      settingsFile: (p) => readSettingsFile(p),
    });
    // checkpoints in the quiet after a burst of events (a tool running, the model thinking), not on the reply path
    this.audit = this.openAudit(paths.db);
    this.sessionStore = new SessionStore(this.audit.database, this.engine.tracker, this.correlator, this.key);
    this.audit.onFault = (fault, waiting, dropped) => {
      if (fault)
        this.log.error(
          `cannot write the audit log ${paths.db} (${fault.code}: ${fault.message}). Decisions go on; their rows wait in memory (up to ${MAX_BACKLOG_ROWS}, the oldest dropped beyond that) and are written when writing works again${fault.code === 'SQLITE_FULL' ? ': free disk space' : ''}. Saved session state is not updated meanwhile.`,
        );
      else
        this.log.info(
          `the audit log can be written again; the rows that waited are written${dropped ? ` (${dropped} were dropped while it could not be)` : ''}`,
        );
      void waiting;
    };
    this.audit.addWriter(
      () => this.sessionStore.write(),
      (e) => this.log.error(`saving session state (decisions are unaffected; after a restart these sessions may have lost what they read): ${e.message}`),
    );
    const c = (): Config => this.engine.config;
    this.redactor = new Redactor({
      mode: () => c().redaction.mode,
      home: process.env.HOME,
      maxSessions: () => c().session.maxSessions,
      idleMs: () => c().session.idleMinutes * 60_000,
      now: this.now,
    });
    this.recorder = new Recorder(this.engine, this.audit, this.key, this.log, this.redactor);
    this.scanThread = new ScanThread(this.log, opts.scanWorker === undefined ? scanWorkerEntry() : opts.scanWorker);
    // a few seconds after the start, not during it: the first events and the restore have the CPU first
    // (a large output before then starts the worker itself and is scanned on the main thread)
    if (opts.startScanWorker) {
      const t = setTimeout(() => {
        if (this.redactor.on) this.scanThread.start();
      }, SCAN_WORKER_START_MS);
      t.unref();
      this.timers.push(t);
    }
    this.recorder.configFile = paths.configFile;
    const lim = memoryLimit();
    this.recorder.memoryBudget = opts.memoryBudget ?? Math.round(lim.bytes * SESSION_MEMORY_SHARE);
    this.recorder.memoryBudgetSource =
      opts.memoryBudget !== undefined
        ? 'set by the caller'
        : `${Math.round(SESSION_MEMORY_SHARE * 100)}% of ${lim.source === 'cgroup' ? "the service's memory limit (MemoryMax)" : "the machine's memory"}`;
    this.recorder.loadSaved = (id) => {
      if (this.sessionStore.pendingCount > 0) this.sessionStore.load(id);
    };
    this.flows = new FlowExceptions(this.audit, this.now);
    this.recorder.flows = this.flows;
    this.console = new ConsoleHost(
      this.audit,
      this.flows,
      { sessions: () => this.consoleSessions() },
      () => this.engine.config.console.port,
      this.log.child('console'),
    );
    this.recorder.onRow = (row) => this.console.publish({ ...row });
    this.callers = new HookCallers({
      httpHooks: () => this.engine.config.hook.httpPort !== 0,
      onChange: () => this.saveCallersSoon(),
      hinted: () => readStarterHint(paths.starterHint),
    });
    this.restoreCallers();
    const router = new Router(this, this.log);
    this.server = new SocketServer({
      path: paths.socket,
      handle: (msg, conn) => router.handle(msg, conn),
      maxConnections: this.budgets.socket,
      onError: (what, err) => this.log.warn(`${what}: ${(err as Error).message}`),
    });
    this.mcp = new McpHost({
      stateDir: paths.stateDir,
      token: () => readOrCreateToken(paths.tokenFile),
      correlator: this.correlator,
      guard: this.guard(),
      log: this.log.child('mcp'),
    });
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
    sc.watchSocket();
    writeFileAtomic(paths.pidFile, String(process.pid) + '\n');
    sc.timers.push(setInterval(() => sc.housekeeping(), HOUSEKEEPING_MS));
    sc.prune();
    sc.timers.push(setInterval(() => sc.prune(), PRUNE_MS));
    for (const t of sc.timers) t.unref();
    if (opts.loopMonitorMs !== undefined && opts.loopMonitorMs > 0) {
      sc.loop = new LoopMonitor(opts.loopMonitorMs);
    }
    sc.log.info(`mcpproxy-hook sidecar ${VERSION} listening on ${paths.socket} (pid ${process.pid}, config ${cfg.exists ? paths.configFile : 'defaults'})`);
    return sc;
  }

  /**
   * The whole decision path for one raw event. Rejects with BadEvent for an event that cannot be read.
   * Decided at once (before this returns), except a push, whose decision waits for what git reads
   * from its repository (git-objects.ts) while the sidecar goes on with other events.
   */
  async evaluate(raw: Buffer | string, source: string, clientPid?: number, caller?: Caller): Promise<Evaluated> {
    const t0 = process.hrtime.bigint();
    const ev = parseEvent(raw);
    // nobody but the sidecar says a caller is unverified
    delete (ev as Record<string, unknown>)[UNVERIFIED_CALLER];
    // who sent it (the router and the HTTP endpoint always say; no caller: this process itself, tests and benchmarks).
    // Decided at once, except a session's first connection over HTTP (its process is looked up)
    let verdict = caller ? this.callers.judge(caller, ev.session_id, ev.hook_event_name) : ({ accept: true, trusted: true } as const);
    if (verdict instanceof Promise) verdict = await verdict;
    if (!verdict.accept) return this.refused(ev, source, caller ?? { channel: 'socket' }, verdict.why);
    const untrusted = !verdict.trusted && TRUST_RAISING.has(ev.hook_event_name) ? verdict.why : undefined;
    if (untrusted !== undefined) (ev as Record<string, unknown>)[UNVERIFIED_CALLER] = untrusted;
    const now = this.now();
    // What a tool returned is never refused: the call already ran, and refusing its output would make the
    // guard forget what the session read (the recorder records such events before its next reply, a bound
    // of its own). The per-session bound is on events waiting for an answer that decides something.
    const recordOnly = ev.hook_event_name === 'PostToolUse' || ev.hook_event_name === 'PostToolUseFailure';
    const busy = this.inFlight.get(ev.session_id) ?? 0;
    if (busy >= MAX_SESSION_IN_FLIGHT && !recordOnly) {
      this.inFlightRefused++;
      if (now - this.lastInFlightLog > 60_000) {
        this.lastInFlightLog = now;
        this.log.warn(
          `session ${JSON.stringify(ev.session_id.slice(0, 80))} has ${busy} events being decided at once; more are refused (${this.inFlightRefused} since start). Something is sending events for it faster than Claude Code does.`,
        );
      }
      throw new GuardError(
        ErrorCode.Overloaded,
        `this session already has ${busy} events being decided at once (the guard's per-session bound, ${MAX_SESSION_IN_FLIGHT}): something is sending events for it faster than Claude Code does, and the guard refuses the rest rather than let them through unchecked`,
      );
    }
    if (recordOnly) {
      // a large output: what its answer needs (the detector's scan, for what redaction holds back) is
      // done in steps, letting other events be decided between them; the rest of the work of recording
      // it (engine.outputSteps) in slices after the answer (recorder.ts). Until it is answered it binds
      // nothing (the model has not seen it), so nothing waits for it either
      if (raw.length >= LARGE_OUTPUT_BYTES && (source === 'hook' || source === 'http')) {
        if (!this.redactor.on) return this.evaluateParsed(ev, source, this.now(), t0, clientPid, this.engine.outputSteps(ev), raw);
        // the detector's scan: one part of its rules on the worker thread (scan-thread.ts), the other
        // part here meanwhile, then the output's fingerprints prepared until the worker is done; when
        // the worker cannot, this thread scans first, as before
        const texts = this.engine.scannedTexts(ev);
        const scanning = this.scanThread.scan(texts);
        if (!scanning) {
          await this.recorder.inSteps(this.engine.scanSteps(ev));
          return this.evaluateParsed(ev, source, this.now(), t0, clientPid, this.engine.outputSteps(ev), raw);
        }
        let scanned = false;
        const settled = scanning.then((parts) => {
          scanned = true;
          return parts;
        });
        const mine: ScanCandidates[] = [];
        await this.recorder.inSteps(mainPartSteps(texts, mine));
        // journaled now (SessionStore.journal), while the worker scans, rather than after the scan when
        // the answer holds a secret back: that write is then off the answer's path. Whatever the answer,
        // the entry goes with the commit that records the output
        const seq = this.journal(ev, now, source, raw);
        const steps = this.engine.outputSteps(ev, false);
        await this.recorder.inSteps(steps, () => scanned);
        // the worker failed meanwhile, or answered what does not fit: scanned here (the rest of the
        // preparation is left in `steps`)
        const theirs = await settled;
        if (theirs === null || !this.scanThread.adopt(texts, mine, theirs)) await this.recorder.inSteps(this.engine.scanSteps(ev));
        return this.evaluateParsed(ev, source, this.now(), t0, clientPid, steps, raw, seq);
      }
      return this.evaluateParsed(ev, source, now, t0, clientPid, undefined, raw);
    }
    this.inFlight.set(ev.session_id, busy + 1);
    const done = (): void => {
      const n = (this.inFlight.get(ev.session_id) ?? 1) - 1;
      if (n > 0) this.inFlight.set(ev.session_id, n);
      else this.inFlight.delete(ev.session_id);
    };
    let r: Evaluated;
    try {
      // an answered output still being prepared is recorded first (asynchronously: other work goes on)
      if (this.recorder.preparing && (source === 'hook' || source === 'http')) {
        await this.recorder.whenPrepared();
        r = await this.evaluateParsed(ev, source, this.now(), t0, clientPid);
      } else r = await this.evaluateParsed(ev, source, now, t0, clientPid);
    } catch (e) {
      done();
      throw e;
    }
    r.committed.then(done, done);
    if (untrusted !== undefined && !this.toldUntrusted.has(ev.session_id)) {
      if (this.toldUntrusted.size >= MAX_TOLD_UNTRUSTED) this.toldUntrusted.clear();
      this.toldUntrusted.add(ev.session_id);
      const msg = untrustedPromptMessage(untrusted);
      r = { ...r, output: { ...r.output, systemMessage: typeof r.output.systemMessage === 'string' ? `${r.output.systemMessage}\n${msg}` : msg } };
    }
    return r;
  }

  callerHint(pid: number): void {
    this.callers.hint(pid);
  }

  /** An event that did not come from Claude Code's hook call for its session: nothing of it is applied; said in the answer, the log and status. */
  private refused(ev: HookEvent, source: string, caller: Caller, why: string): Evaluated {
    const now = this.now();
    if (now - this.lastRefusedLog > 10_000) {
      this.lastRefusedLog = now;
      this.log.warn(
        `refused a ${ev.hook_event_name} event for session ${JSON.stringify(ev.session_id.slice(0, 80))} over ${caller.channel === 'http' ? 'HTTP' : 'the Unix socket'}: ${why} (${this.callers.stats().refused} refused since start; see \`mcpproxy-hook status\`)`,
      );
    }
    if (source === 'evaluate')
      throw new GuardError(ErrorCode.NotClaudeCode, `the event did not come from Claude Code's own hook call for this session: ${why}`);
    return { output: refusedOutput(ev.hook_event_name, why), decision: null, committed: Promise.resolve(undefined) };
  }

  private callersFile(): string {
    return join(this.paths.stateDir, 'hook-callers.json');
  }

  /** Sessions bound to their Claude Code process before the last stop or crash (those whose process still runs). */
  private restoreCallers(): void {
    let text: string;
    try {
      text = readFileSync(this.callersFile(), 'utf8');
    } catch {
      return; // none saved yet
    }
    try {
      const n = this.callers.restore(JSON.parse(text));
      if (n > 0) this.log.info(`${n} session(s) bound to their Claude Code process again`);
    } catch (e) {
      this.log.warn(
        `cannot read ${this.callersFile()} (${(e as Error).message}): sessions are bound to their Claude Code process again on their next HTTP event`,
      );
    }
  }

  private saveCallersSoon(): void {
    if (this.callersSave) return;
    this.callersSave = setTimeout(() => {
      this.callersSave = undefined;
      this.saveCallers();
    }, CALLERS_SAVE_MS);
    this.callersSave.unref();
  }

  private saveCallers(): void {
    try {
      writeFileAtomic(this.callersFile(), JSON.stringify(this.callers.snapshot()));
    } catch (e) {
      this.log.warn(
        `cannot save which Claude Code process each session belongs to (${(e as Error).message}); after a restart each binds again on its next event`,
      );
    }
  }

  /**
   * Decided before it returns, except a push (a promise of its decision once git has been read) and a
   * large output (prepared in steps first). A hook's PostToolUse is answered before it is recorded
   * (`steps`: a large output's recording work, engine.outputSteps, done after the answer).
   */
  private evaluateParsed(
    ev: HookEvent,
    source: string,
    now: number,
    t0: bigint,
    clientPid?: number,
    steps?: Iterator<void>,
    raw?: Buffer | string,
    /** the event is journaled already (a large output, while it was scanned): its entry, or null when it could not be */
    journaled?: number | null,
  ): Evaluated | Promise<Evaluated> {
    if (clientPid !== undefined) this.correlator.notePid(clientPid, ev.session_id, now);
    if (ev.hook_event_name === 'PreToolUse' && typeof ev.tool_name === 'string' && isProxiedTool(ev.tool_name)) {
      this.correlator.notePending(canonicalToolName(ev.tool_name), ev.tool_input, ev.session_id, now);
    }
    this.noteSource(ev.session_id, 'hook');
    // redaction.mode secrets: the output the model gets instead, scanned before the answer. Answered
    // first and recorded after it either way; one with a secret held back is journaled before its
    // answer (kept sealed until its recording is committed), so a crash in between does not lose what
    // the session read: the next start records it
    const shown = this.recorder.shown(ev);
    if (RECORDING_EVENTS.has(ev.hook_event_name) && (source === 'hook' || source === 'http')) {
      const seq = journaled !== undefined ? journaled : shown && raw !== undefined ? this.journal(ev, now, source, raw) : null;
      const onRecorded = seq !== null ? () => this.sessionStore.journaled(seq) : undefined;
      return this.recorder.defer(ev, source, now, steps ?? null, shown ? { shown, t0 } : undefined, onRecorded);
    }
    // what a git push would publish, read from the repository (without holding up other events) for
    // the engine to judge; decided when the facts are in, after whatever was recorded meanwhile
    const pushes = inspectPushes(ev, process.env.HOME, this.gitLimits);
    if (pushes)
      return pushes.then((facts) => {
        this.engine.notePushFacts(ev, facts);
        return this.recorder.decide(ev, source, this.now(), t0, shown);
      });
    return this.recorder.decide(ev, source, now, t0, shown);
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
      http_hook: this.http
        ? { port: this.http.port, url: `http://127.0.0.1:${this.http.port}/mcpproxy-hook/v1/hook`, connections: this.http.connections }
        : this.httpError
          ? { error: this.httpError }
          : null,
      config: {
        file: this.paths.configFile,
        exists: this.configExists,
        loaded_at: new Date(this.configLoadedAt).toISOString(),
        last_reload_error: this.configError,
      },
      sessions_tracked: this.engine.tracker.size,
      // at most this many at once: session.maxSessions, or what the memory budget holds with each session full
      session_limit: this.recorder.sessionLimit(),
      sessions_refused: this.recorder.sessionsRefused,
      saved_state: this.engine.config.session.persist
        ? {
            ...this.sessionStore.counts(),
            restored_at_start: this.restored,
            not_loaded_yet: this.sessionStore.pendingCount,
            loaded_on_first_event: { ...this.sessionStore.loaded },
          }
        : null,
      mcp: this.mcp.status(),
      sessions,
      decisions_24h: this.audit.counts(now - 86_400_000),
      undelivered_24h: this.audit.undeliveredCount(now - 86_400_000),
      audit_store: this.audit.health(),
      state_problems: this.stateProblems,
      connections: {
        open: this.server.connections,
        ...this.server.poolStats,
        fd_limit: fdLimit(),
        budgets: this.budgets,
        ...(this.http ? { http_hook: this.http.stats } : {}),
        session_in_flight_refused: this.inFlightRefused,
      },
      latency: this.recorder.latencyStats(),
      hook_callers: this.callers.stats(),
      event_loop: this.loop?.stats() ?? null,
      memory: {
        rss_bytes: process.memoryUsage().rss,
        fingerprint_bytes_approx: this.engine.tracker.approxBytes(),
        budget_bytes: this.recorder.memoryBudget ?? null,
        budget: this.recorder.memoryBudgetSource ?? null,
        collections_after_expiry: this.reclaimer.reclaims,
        collections_settled: this.reclaimer.settled,
      },
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
      const r = this.correlator.resolve(
        { mcpSessionId: call.mcpSessionId, tool, args: call.args, ...(call.clientPids ? { clientPids: call.clientPids } : {}) },
        this.now(),
      );
      this.noteSource(r.sessionId, 'proxy');
      return {
        hook_event_name: kind,
        session_id: r.sessionId,
        tool_name: tool,
        tool_input: call.args,
        ...(result !== undefined ? { tool_response: result } : {}),
      };
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
        const ev = event(call, 'PostToolUse', result);
        // what the client gets: the result with the session's secrets held back (redaction.mode)
        const shown = this.redactor.mcpResult(ev.session_id, result);
        try {
          this.recorder.decide(ev, `proxy-${call.transport}`, this.now(), t0);
        } catch (e) {
          this.log.error(`recording ${ev.tool_name} of session ${ev.session_id}: ${(e as Error).message}`);
        }
        return shown;
      },
    };
  }

  /** The hook gave up before this row's answer reached it: the row says so (not the decision it never got). */
  undelivered(rowId: number): void {
    this.audit.markUndelivered(rowId);
    this.log.warn(`the answer of audit row ${rowId} never reached its hook (it had given up waiting); the row is marked not delivered`);
  }

  private socketWatch?: FSWatcher;
  /** how long the event loop is held without yielding (SidecarOptions.loopMonitorMs) */
  private loop?: LoopMonitor;

  /**
   * Listen again as soon as the socket file disappears or is replaced: the state dir is watched
   * (a deletion is seen at once), and checked on a timer too (a watch can miss events or fail).
   */
  private watchSocket(): void {
    const check = (): void => {
      this.server.ensureListening().then(
        (again) => {
          if (again) this.log.warn(`the socket ${this.paths.socket} was removed or replaced; listening on it again`);
        },
        (e: unknown) => this.log.error(`cannot listen on ${this.paths.socket} again: ${(e as Error).message}`),
      );
    };
    try {
      this.socketWatch = watch(this.paths.stateDir, { persistent: false }, (_ev, file) => {
        if (file === null || file === basename(this.paths.socket)) check();
      });
      // the dir itself removed: the timer below still checks
      this.socketWatch.on('error', () => undefined);
    } catch {
      // no watch: the timer alone
    }
    this.timers.push(setInterval(check, SOCKET_CHECK_MS));
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
      // MCP servers added, removed or changed in the file are started, stopped or restarted
      void this.mcp.apply(cfg.config.mcp).then((what) => what && this.log.info(what));
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
      this.httpListening(null);
      await this.http.close();
      this.http = undefined;
    }
    this.httpError = null;
    if (want === 0) return;
    const srv = new HttpHookServer({
      port: want,
      token: readOrCreateToken(this.paths.tokenFile),
      evaluate: async (raw, caller) => {
        const r = await this.evaluate(raw, 'http', undefined, caller);
        const rowId = await r.committed;
        const undelivered = onUndelivered(r, rowId, (id) => this.undelivered(id));
        return { output: r.output, ...(undelivered ? { undelivered } : {}) };
      },
      onError: (what, err) => this.log.warn(`${what}: ${(err as Error).message}`),
      maxConnections: this.budgets.httpAuthenticated,
      maxUnauthenticated: this.budgets.httpUnauthenticated,
    });
    try {
      await srv.listen();
      this.http = srv;
      this.httpListening(srv.port);
      this.log.info(`HTTP hook endpoint on http://127.0.0.1:${srv.port}/mcpproxy-hook/v1/hook`);
    } catch (e) {
      this.httpError = `cannot listen on 127.0.0.1:${want}: ${(e as Error).message}`;
      this.log.warn(`${this.httpError}; HTTP hooks will fail open until hook.httpPort is fixed`);
    }
  }

  /**
   * `http-listening` holds the HTTP hook endpoint's port while it listens (null: removed). The starter
   * hook's shell checks it (with the pid file and the socket) before it answers without starting node:
   * a sidecar whose port failed is left to the node starter, which says what is wrong.
   */
  private httpListening(port: number | null): void {
    try {
      if (port === null) unlinkSync(this.paths.httpListening);
      else writeFileAtomic(this.paths.httpListening, `${port}\n`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.log.warn(`${this.paths.httpListening}: ${(e as Error).message}`);
    }
  }

  /**
   * Journal an answered output before its answer (SessionStore.journal): its sequence number, or null
   * when it is not kept (recording off, or it cannot be written: then, as for any output, a crash
   * before its recording loses it; said in the log).
   */
  private journal(ev: HookEvent, now: number, source: string, raw: Buffer | string): number | null {
    try {
      return this.sessionStore.journal(ev.session_id, now, source, typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw);
    } catch (e) {
      if (now - this.lastJournalLog > 60_000) {
        this.lastJournalLog = now;
        this.log.warn(
          `cannot keep an answered output (a secret held back, or a large one) until it is recorded (${(e as Error).message}): it is answered and recorded as usual, but a crash before its recording would lose what the session read`,
        );
      }
      return null;
    }
  }

  /** Answered outputs that the last stop or crash kept from being recorded (journaled): recorded now, before any event. */
  private recordJournaled(): void {
    const { events, unreadable } = this.sessionStore.readJournal((l) => this.log.error(l));
    let recorded = 0;
    for (const j of events) {
      try {
        const ev = parseEvent(j.raw);
        if (ev.session_id !== j.sessionId) throw new Error('its session is not the one it was kept for');
        this.recorder.decide(ev, j.source, j.at, process.hrtime.bigint());
        recorded++;
      } catch (e) {
        this.log.error(
          `an output answered in session ${JSON.stringify(j.sessionId.slice(0, 80))} before the last stop cannot be recorded (${(e as Error).message}): that session does not know what it held`,
        );
      } finally {
        this.sessionStore.journaled(j.seq);
      }
    }
    this.audit.flush();
    if (recorded + unreadable > 0) {
      this.restored = { ...this.restored, outputs: { recorded, unreadable } };
      if (recorded) this.log.info(`recorded ${recorded} output(s) answered before the last stop and not recorded then`);
    }
  }

  /** Put back the sessions saved before the last stop or crash; close those idle for too long. */
  private restoreSessions(): void {
    const cfg = this.engine.config.session;
    if (!cfg.persist) {
      this.sessionStore.clear();
      return;
    }
    if (this.keyReplaced) {
      const n = this.sessionStore.counts().sessions;
      this.sessionStore.clear();
      this.restored = { sessions: 0, origins: 0, broken: n };
      return;
    }
    const t0 = process.hrtime.bigint();
    // lazily: only the ids now, each session on its first event (at the session limit, reading them
    // all took longer than the hook's deadline)
    this.restored = this.sessionStore.restore(this.engine.tracker.hasher, cfg.maxFingerprints, (l) => this.log.warn(l), { lazy: true });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (this.restored.sessions > 0 || this.restored.broken > 0) {
      this.log.info(
        `restored ${this.restored.sessions} session(s) with ${this.restored.origins} origin(s) in ${ms.toFixed(1)} ms${this.restored.broken ? `; ${this.restored.broken} could not be read` : ''} (their ids: each session is read back on its first event)`,
      );
    }
    this.recordJournaled();
    this.housekeeping();
  }

  /** Close idle sessions, write their summaries, save the open ones (every HOUSEKEEPING_MS; tests call it). */
  housekeeping(): void {
    this.recorder.flush();
    const held = this.engine.tracker.approxBytes();
    this.engine.expire(this.now());
    // sessions that held much were closed: collect now, so V8 gives the pages back (it would keep them
    // committed for a long while otherwise) and RSS comes back down
    if (held - this.engine.tracker.approxBytes() >= this.reclaimAfterBytes) this.reclaim();
    const stale = this.sessionStore.expirePending(this.now() - this.engine.config.session.idleMinutes * 60_000);
    if (stale > 0) this.log.info(`closed ${stale} saved session(s) idle past session.idleMinutes (never resumed after the restart)`);
    this.audit.recordSummaries(this.engine.tracker.drainClosed());
    // closed sessions: their saved state goes too; open ones get their counters saved
    this.saveSessions();
    this.callers.prune();
  }

  private saveSessions(): void {
    try {
      this.sessionStore.saveAll();
    } catch (e) {
      this.log.error(`saving session state: ${(e as Error).message}`);
    }
  }

  /** Full collections after an expiry sweep released at least RECLAIM_AFTER_BYTES (status memory.collections_after_expiry, collections_settled). */
  private readonly reclaimer: Reclaimer;

  private reclaim(): void {
    try {
      void this.reclaimer.reclaim();
    } catch (e) {
      this.log.warn(`cannot run a garbage collection after sessions expired: ${(e as Error).message}`);
    }
  }

  prune(): void {
    const days = this.engine.config.audit.retentionDays;
    const n = this.audit.prune(this.now() - days * 86_400_000, this.engine.config.audit.maxRows);
    if (n > 0) this.log.info(`pruned ${n} audit rows (older than ${days} days or beyond ${this.engine.config.audit.maxRows} rows)`);
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.reclaimer.stop();
    this.loop?.stop();
    // not awaited: the worker holds nothing to save, and stopping waits for no thread (it is unref'd)
    void this.scanThread.stop();
    this.watcher.close();
    this.socketWatch?.close();
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
    if (this.callersSave) clearTimeout(this.callersSave);
    this.saveCallers();
    this.audit.close();
    for (const f of [this.paths.socket, this.paths.pidFile, this.paths.httpListening]) {
      try {
        unlinkSync(f);
      } catch {
        // already gone: nothing to remove
      }
    }
  }
}
