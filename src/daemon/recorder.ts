/**
 * The recorder: runs the engine on a parsed event and writes its audit row, and owns the one
 * ordering rule of the sidecar: **a PostToolUse answered before it is recorded is recorded before
 * anything that comes after it is decided.**
 *
 * A hook's PostToolUse (and PostToolUseFailure) is answered at once and fingerprinted right after
 * the reply has gone out, so the agent does not wait (a 1 MB output takes ~20 ms). Every other
 * decision, and status, reload, housekeeping and stop, first records what is pending (flush()), so
 * a PreToolUse never misses an origin whose PostToolUse was answered before it. Durability is what
 * it was: the reply to a PostToolUse carries nothing, and a sidecar killed before recording loses
 * that origin whether or not it had answered.
 *
 * A large output (sidecar.ts LARGE_OUTPUT_BYTES) needs only the detector's scan of its texts before
 * its answer (what redaction holds back); that scan is done in steps (inSteps, engine.scanSteps),
 * other events decided between them. It is answered then, and the rest of its recording work
 * (engine.outputSteps: fingerprint hashes, destinations, structured values) is done in slices after
 * the reply (defer with steps), before it is recorded. A later event waits for that recording as for
 * any other (the sidecar awaits whenPrepared(); flush() finishes the steps at once). The rule binds
 * what was answered: until then the model has not seen the output, so nothing that comes meanwhile waits.
 *
 * An output whose answer holds a secret back (redaction) is answered the same way, once the sidecar has
 * journaled it (SessionStore.journal: committed before the answer, so a crash before its recording does
 * not lose what the session read; recorded at the next start). Its answer is not {}: `recorded` gives the
 * row once it is written, to mark it undelivered when the hook had given up. A large output is journaled
 * while the worker thread scans it, whatever its answer turns out to be (sidecar.ts): the write is then
 * off the answer's path.
 */
import { createHmac } from 'node:crypto';
import { claudeOutput } from '../claude/hook-output.ts';
import type { Decision, FlowEngine } from '../engine/engine.ts';
import { redact } from '../engine/redact.ts';
import { worstSessionBytes } from '../engine/flow-tracker.ts';
import { judgedEvent, withRestore, type Redactor, type Rewrite } from '../engine/redaction.ts';
import type { AuditRow, AuditStore } from '../store/audit-store.ts';
import type { HookEvent } from '../types.ts';
import type { Logger } from './logger.ts';
import type { FlowExceptions, PendingFlow } from './console-host.ts';
import { SCAN_WORKER_BYTES } from './scan-thread.ts';

/**
 * A decision, and a promise that resolves once its audit row is committed (reply after it) with
 * the row's id. A deferred PostToolUse has no decision yet (null) and no row.
 */
export interface Evaluated {
  output: Record<string, unknown>;
  decision: Decision | null;
  committed: Promise<number | undefined>;
  /** a deferred PostToolUse whose answer is not {} (a secret held back): its row's id once it is recorded and committed */
  recorded?: Promise<number | undefined>;
}

/**
 * What to run when the reply to `r` does not reach its hook: mark its row undelivered (`mark`), now
 * when it is committed (`rowId`), or once it is recorded (a held-back output answered first). None
 * for an answer of {} recorded later (it decides nothing).
 */
export function onUndelivered(r: Evaluated, rowId: number | undefined, mark: (rowId: number) => void): (() => void) | undefined {
  if (rowId !== undefined) return () => mark(rowId);
  const later = r.recorded;
  if (!later) return undefined;
  return () => {
    void later.then((id) => {
      if (id !== undefined) mark(id);
    });
  };
}

/** Events that record what a tool returned: answered first and recorded after (one whose answer holds a secret back is journaled before its answer: SessionStore.journal). */
export const RECORDING_EVENTS: ReadonlySet<string> = new Set(['PostToolUse', 'PostToolUseFailure']);
/** At most this many answered-but-unrecorded events; one more is recorded before its reply. */
export const MAX_DEFERRED = 32;
/** What the process holds before any session (node, SQLite, the listeners, the detector's worker thread at most): left out of the budget the sessions share. */
export const PROCESS_BASE_BYTES = 96 * 1024 * 1024 + SCAN_WORKER_BYTES;
/** A session with an event this recent is active: never closed to make room for another. */
export const SESSION_ACTIVE_MS = 60_000;
/** At most one log line per this long about refused sessions. */
const REFUSAL_LOG_MS = 60_000;
/** Work done in steps (inSteps) yields to other events about this often, in ms. */
const SLICE_MS = 4;
/** Decision times kept for status (p50/p99). */
const LATENCY_SAMPLES = 1000;

interface Deferred {
  ev: HookEvent;
  source: string;
  now: number;
  /** recording work still to do before it is recorded (engine.outputSteps), or null */
  steps: Iterator<void> | null;
  /** once it is recorded (or its recording failed), before the commit: gets the row's commit (Evaluated.recorded; defer's onRecorded) */
  recorded?: (committed: Promise<number | undefined>) => void;
  /** µs from its arrival to its answer, when the answer was not {}: its row's latency (what the hook waited for) */
  answeredUs?: number;
}

/** A PostToolUse whose answer holds a secret back (deferred like any other; see the file comment). */
export interface HeldBack {
  /** what the model gets instead of the output */
  shown: Rewrite;
  /** when the event arrived (its row's latency runs from here to the answer) */
  t0: bigint;
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

/** The answer to a PostToolUse that is recorded after its reply. */
function postAnswer(ev: HookEvent, shown: Rewrite | null): Record<string, unknown> {
  return claudeOutput({ event: ev.hook_event_name, action: 'allow', reason: '' }, shown);
}

export class Recorder {
  private readonly latency = new LatencyRing(LATENCY_SAMPLES);
  /** PostToolUse events answered and not yet recorded, oldest first */
  private deferred: Deferred[] = [];
  private scheduled = false;

  /** the user's flow exceptions (allow this flow), checked for every interrupted decision */
  flows?: FlowExceptions;
  /** every committed row, with its id (the console's live view) */
  onRow?: (row: AuditRow & { id: number }) => void;

  constructor(
    private readonly engine: FlowEngine,
    private readonly audit: AuditStore,
    private readonly key: Buffer,
    private readonly log: Logger,
    /** redaction.mode: what the model gets instead of a tool's output, and placeholders put back (engine/redaction.ts) */
    private readonly redactor?: Redactor,
  ) {}

  /** A PostToolUse's output with the secrets held back (redaction.mode secrets), scanned before its answer. */
  shown(ev: HookEvent): Rewrite | null {
    return this.redactor?.post(ev) ?? null;
  }

  /**
   * Answer a PostToolUse now; record it right after the reply has gone out (see the file comment).
   * With `steps` (engine.outputSteps of a large output), those are run in slices first, other work
   * in between, and it is recorded when they are done (or when something flushes). `held`: its answer
   * holds a secret back. `onRecorded`: once it is recorded (its journal entry goes with that commit).
   */
  defer(ev: HookEvent, source: string, now: number, steps: Iterator<void> | null = null, held?: HeldBack, onRecorded?: () => void): Evaluated {
    const d: Deferred = { ev, source, now, steps };
    let recorded: Promise<number | undefined> | undefined;
    if (held)
      recorded = new Promise((resolve) => {
        d.recorded = (c) => {
          onRecorded?.();
          resolve(c.catch(() => undefined));
        };
      });
    else if (onRecorded) d.recorded = () => onRecorded();
    const answer: Evaluated = {
      output: postAnswer(ev, held?.shown ?? null),
      decision: null,
      committed: Promise.resolve(undefined),
      ...(recorded ? { recorded } : {}),
    };
    if (held) d.answeredUs = Number(process.hrtime.bigint() - held.t0) / 1000;
    this.deferred.push(d);
    if (this.deferred.length > MAX_DEFERRED) this.flush();
    else if (steps) this.drive();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.recordReady();
      });
    }
    return answer;
  }

  /** An answered output's recording work is being done in slices (a later decision waits: whenPrepared). */
  get preparing(): boolean {
    return this.driving;
  }

  /** Resolves once every answered output's recording work is done and it is recorded. */
  whenPrepared(): Promise<void> {
    if (!this.driving) return Promise.resolve();
    return new Promise<void>((r) => this.prepared.push(r));
  }

  private driving = false;
  private prepared: Array<() => void> = [];

  /** Run the deferred events' steps, oldest first, a slice at a time; record each event once its steps are done. */
  private drive(): void {
    if (this.driving) return;
    this.driving = true;
    const slice = (): void => {
      const d = this.deferred.find((x) => x.steps !== null);
      if (d) {
        const t = performance.now();
        this.runSteps(d, () => performance.now() - t >= SLICE_MS);
      }
      this.recordReady();
      if (this.deferred.some((x) => x.steps !== null)) {
        setImmediate(slice);
        return;
      }
      this.driving = false;
      const waiting = this.prepared;
      this.prepared = [];
      for (const r of waiting) r();
    };
    setImmediate(slice);
  }

  /**
   * Steps of one deferred event until `stop()` says so or they are done. A step that throws drops the
   * rest: the recording then computes what they would have (engine.post does it all without them).
   */
  private runSteps(d: Deferred, stop: () => boolean): void {
    const steps = d.steps;
    if (!steps) return;
    try {
      for (;;) {
        if (steps.next().done) {
          d.steps = null;
          return;
        }
        if (stop()) return;
      }
    } catch (err) {
      d.steps = null;
      this.log.warn(
        `preparing the recording of a ${d.ev.hook_event_name} event of session ${d.ev.session_id}: ${(err as Error).message}; it is recorded without what was prepared`,
      );
    }
  }

  /** Record the deferred events whose steps are done, oldest first, up to the first that is not. */
  private recordReady(): void {
    while (this.deferred.length > 0 && (this.deferred[0] as Deferred).steps === null) this.recordFirst();
  }

  private recordFirst(): void {
    const d = this.deferred.shift() as Deferred;
    let committed: Promise<number | undefined> = Promise.resolve(undefined);
    try {
      committed = this.decideNow(d.ev, d.source, d.now, process.hrtime.bigint(), null, d.answeredUs).committed;
    } catch (err) {
      this.log.error(`recording a ${d.ev.hook_event_name} event of session ${d.ev.session_id}: ${(err as Error).message}`);
    } finally {
      d.recorded?.(committed);
    }
  }

  /** Engine decision + audit row for a parsed event, after everything deferred before it. */
  decide(ev: HookEvent, source: string, now: number, t0: bigint, shown: Rewrite | null = null): Evaluated & { decision: Decision } {
    if (this.deferred.length > 0) {
      this.flush();
      // the recordings are timed on their own rows; this row times this event
      t0 = process.hrtime.bigint();
    }
    return this.decideNow(ev, source, now, t0, shown);
  }

  /**
   * Run steps of work (a generator) a slice at a time: other events are decided between slices of
   * about SLICE_MS (one step may take longer). Starts after the events that arrived with it.
   * With `until`, returns once it is true (asked between steps), the steps not all done.
   */
  async inSteps(steps: Iterator<void>, until?: () => boolean): Promise<void> {
    for (;;) {
      await new Promise<void>((r) => setImmediate(r));
      // `until`: stop between slices once it says so (the rest of the steps are left to the caller)
      if (until?.()) return;
      const t = performance.now();
      let r = steps.next();
      // (`until` is asked after every step too: steps stop where it says, not at the end of a slice)
      while (!r.done && !until?.() && performance.now() - t < SLICE_MS) r = steps.next();
      if (r.done) return;
    }
  }

  /** Record every deferred PostToolUse, oldest first (finishing the steps of those being prepared). */
  flush(): void {
    while (this.deferred.length > 0) {
      this.runSteps(this.deferred[0] as Deferred, () => false);
      this.recordFirst();
    }
  }

  get pending(): number {
    return this.deferred.length;
  }

  latencyStats(): { count: number; p50_us: number; p99_us: number } {
    return this.latency.stats();
  }

  /** New sessions refused since start (every tracked session was active or held data). */
  sessionsRefused = 0;
  private lastRefusalLog = 0;

  /**
   * Admission of a new session. Sessions that are active or hold data are never closed to make
   * room (an attacker making up session ids must not evict the victim's); past the budget the new
   * session is refused, and its tool calls are denied with the reason, not let through untracked.
   * Null when the event may go to the engine.
   */
  private admit(ev: HookEvent, now: number): Decision | null {
    const t = this.engine.tracker;
    if (t.get(ev.session_id) !== undefined) return null;
    const { max, byMemory } = this.sessionLimit();
    const rss = this.memoryBudget !== undefined ? process.memoryUsage.rss() : 0;
    const overMemory = this.memoryBudget !== undefined && rss > this.memoryBudget;
    if ((t.size < max && !overMemory) || t.makeRoom(now, SESSION_ACTIVE_MS)) return null;
    this.sessionsRefused++;
    const mib = (n: number): string => `${Math.round(n / 2 ** 20)} MiB`;
    const limit = overMemory
      ? `the guard's memory is at its budget (${mib(rss)} of ${mib(this.memoryBudget as number)}, ${this.memoryBudgetSource ?? 'its share of the memory it may use'})`
      : byMemory
        ? `the guard already tracks ${t.size} sessions, as many as its memory budget (${mib(this.memoryBudget as number)}, ${this.memoryBudgetSource ?? 'its share of the memory it may use'}) holds when each fills up to session.maxFingerprints`
        : `the guard already tracks ${t.size} sessions (session.maxSessions)`;
    if (now - this.lastRefusalLog > REFUSAL_LOG_MS) {
      this.lastRefusalLog = now;
      this.log.warn(
        `session limit: ${limit}; every tracked session is active in the last minute or holds data; new session ${JSON.stringify(ev.session_id.slice(0, 80))} refused (${this.sessionsRefused} refused since start)`,
      );
    }
    const tool = typeof ev.tool_name === 'string' ? ev.tool_name : '';
    const pre = ev.hook_event_name === 'PreToolUse';
    const cfgAt = this.configFile ? ` in ${this.configFile}` : '';
    return {
      event: ev.hook_event_name,
      sessionId: ev.session_id,
      tool,
      action: pre ? 'deny' : 'allow',
      risk: pre ? 'high' : 'none',
      flowType: null,
      classification: 'unknown',
      reason: pre
        ? `mcpproxy-hook blocked this ${tool} call: ${limit}, its sessions are each active in the last minute or holding data read in them, and it never drops one of those to make room, so it cannot track this new session and will not let its tool calls through unchecked. Its calls go through once older sessions close (after session.idleMinutes without events). The user can raise session.maxSessions${cfgAt} and see the sessions with \`mcpproxy-hook status\`.`
        : '',
      summary: `session refused: ${limit}, none can be closed to make room${pre ? '' : '; this event was not recorded'}`,
      findings: [],
      destinationHosts: [],
    };
  }

  /**
   * How many sessions may be tracked at once: session.maxSessions, or fewer when the memory budget
   * cannot hold that many sessions each filled up to session.maxFingerprints (worstSessionBytes):
   * the sessions admitted fit the budget by construction, not only while they are small.
   */
  sessionLimit(): { max: number; byMemory: boolean } {
    const cfg = this.engine.config.session;
    if (this.memoryBudget === undefined) return { max: cfg.maxSessions, byMemory: false };
    const fit = Math.max(1, Math.floor(Math.max(0, this.memoryBudget - PROCESS_BASE_BYTES) / worstSessionBytes(cfg.maxFingerprints)));
    return fit < cfg.maxSessions ? { max: fit, byMemory: true } : { max: cfg.maxSessions, byMemory: false };
  }

  /** RSS above which new sessions are refused (see memory.ts); undefined: no memory budget */
  memoryBudget?: number;
  /** how the budget was set, for the reason */
  memoryBudgetSource?: string;

  /** read a saved session back if it is waiting (lazy restore, see SessionStore.load) */
  loadSaved?: (sessionId: string) => void;

  /** where reasons tell the user to change the config */
  configFile?: string;

  /** Keyed hash of a tool input; inputs too deep to serialise get a marker instead of an exception. */
  private inputHash(input: unknown): string | null {
    if (input === undefined) return null;
    try {
      return createHmac('sha256', this.key).update(JSON.stringify(input)).digest('hex').slice(0, 32);
    } catch {
      return 'unhashable';
    }
  }

  /** `answeredUs`: the latency to record instead of this call's own (a held-back output answered before it is recorded) */
  private decideNow(
    ev: HookEvent,
    source: string,
    now: number,
    t0: bigint,
    shown: Rewrite | null = null,
    answeredUs?: number,
  ): Evaluated & { decision: Decision } {
    // a session saved before a restart is read back on its first event, before anything decides
    this.loadSaved?.(ev.session_id);
    // a file writer's placeholders are turned back into the real values: the engine judges what will run
    const restore = this.redactor?.pre(ev) ?? null;
    const inputHash = this.inputHash(ev.tool_input);
    // an interrupted call the user allowed (mcpproxy-hook allow, the console) becomes an allow that says so,
    // inside the engine's decision, so that the session's state follows the allow (what the call sends
    // counts towards later calls); the flow of one nobody allowed is kept for `mcpproxy-hook allow`
    const ctx = { sessionId: ev.session_id, cwd: typeof ev.cwd === 'string' ? ev.cwd : null, inputHash };
    let pending: PendingFlow | undefined;
    let settled = false;
    const settle = (d: Decision): void => {
      settled = true;
      pending = this.flows?.apply(d, ctx);
    };
    const judged = this.admit(ev, now) ?? this.engine.handle(judgedEvent(ev, restore), now, settle);
    // a decision the engine did not settle (a refused session, another event)
    if (!settled) settle(judged);
    // a placeholder that cannot be put back is refused even then (it would write the placeholder text)
    const { decision: d, rewrite } = withRestore(judged, restore);
    const output = claudeOutput(d, shown ?? rewrite);
    const us = answeredUs ?? Number(process.hrtime.bigint() - t0) / 1000;
    this.latency.add(us);
    const row: AuditRow = {
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
      input_hash: inputHash,
      latency_us: Math.round(us),
      source,
      provenance: d.provenance ? `${d.provenance}${d.destination?.planted ? ' (planted)' : ''}` : null,
    };
    let committed = this.audit.enqueue(row);
    if (pending || this.onRow) {
      committed = committed.then((id) => {
        if (id === undefined) return id;
        if (pending) {
          try {
            this.flows?.noted(id, pending);
          } catch (e) {
            this.log.warn(`keeping the flow of decision ${id} for \`mcpproxy-hook allow\`: ${(e as Error).message}`);
          }
          withAllowHint(output, id);
        }
        this.onRow?.({ ...row, id });
        return id;
      });
    }
    if (d.action !== 'allow') this.log.at(now, `${d.action} ${d.tool} session=${ev.session_id} risk=${d.risk}: ${redact(d.summary)}`);
    return { output, decision: d, committed };
  }
}

/**
 * Name the decision in its reason, and how the user (not the agent: the guard refuses that command
 * from a tool call) lets exactly this flow through.
 */
function withAllowHint(output: Record<string, unknown>, id: number): void {
  const h = output.hookSpecificOutput as { permissionDecisionReason?: string } | undefined;
  if (!h || typeof h.permissionDecisionReason !== 'string') return;
  h.permissionDecisionReason += ` [decision ${id}: if the user wants exactly this flow to go through, they can run \`mcpproxy-hook allow ${id} --once\` (or --session, --project, --always) in their own terminal; the guard refuses that command from the agent]`;
}
