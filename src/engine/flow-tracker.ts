/**
 * Flow tracker: per-session state (origins and their fingerprints), bounded in sessions and
 * fingerprints, with idle expiry that yields a summary. Pure: time is passed in.
 */
import type { Action, Classification, FlowType, Risk } from '../types.ts';
import { FingerprintIndex, type Hasher, type TokenSpec } from './fingerprint.ts';

export interface Origin {
  id: number;
  /** display label, redacted: `Read(/p/.env)` */
  label: string;
  toolName: string;
  toolUseId?: string;
  cls: Classification;
  at: number;
  /** labels of sensitive things in it (detector findings, sensitive path) */
  sensitive: string[];
  fingerprints: number;
}

export interface SessionSummary {
  sessionId: string;
  startedAt: number;
  lastAt: number;
  events: number;
  origins: number;
  sensitiveOrigins: number;
  decisions: Record<Action, number>;
  flows: Partial<Record<FlowType, number>>;
  maxRisk: Risk;
  toolsUsed: string[];
  untrustedContentSeen: boolean;
  reason: 'idle' | 'evicted' | 'shutdown';
}

const RISKS: Risk[] = ['none', 'low', 'medium', 'high', 'critical'];

export class Session {
  readonly origins = new Map<number, Origin>();
  readonly index: FingerprintIndex;
  events = 0;
  readonly decisions: Record<Action, number> = { allow: 0, warn: 0, ask: 0, deny: 0 };
  readonly flows: Partial<Record<FlowType, number>> = {};
  maxRisk: Risk = 'none';
  readonly toolsUsed = new Set<string>();
  untrustedContentSeen = false;
  lastAt: number;

  constructor(
    readonly id: string,
    readonly startedAt: number,
    hasher: Hasher,
    maxFingerprints: number,
  ) {
    this.lastAt = startedAt;
    this.index = new FingerprintIndex(hasher, maxFingerprints);
  }

  /** Record what a tool returned. Returns the origin (fingerprints counted). */
  addOrigin(o: Omit<Origin, 'id' | 'fingerprints'>, texts: string[], tokens: TokenSpec[], nextId: number): Origin {
    const origin: Origin = { ...o, id: nextId, fingerprints: 0 };
    origin.fingerprints = this.index.add(origin.id, texts, tokens);
    this.origins.set(origin.id, origin);
    // drop metadata of origins whose fingerprints were all evicted
    for (const id of this.origins.keys()) {
      if (this.origins.size <= 1 || this.index.hasOrigin(id)) break;
      this.origins.delete(id);
    }
    return origin;
  }

  noteDecision(action: Action, flow: FlowType | null, risk: Risk): void {
    this.decisions[action]++;
    if (flow) this.flows[flow] = (this.flows[flow] ?? 0) + 1;
    if (RISKS.indexOf(risk) > RISKS.indexOf(this.maxRisk)) this.maxRisk = risk;
  }

  summary(reason: SessionSummary['reason']): SessionSummary {
    let sensitive = 0;
    for (const o of this.origins.values()) if (o.sensitive.length) sensitive++;
    return {
      sessionId: this.id,
      startedAt: this.startedAt,
      lastAt: this.lastAt,
      events: this.events,
      origins: this.origins.size,
      sensitiveOrigins: sensitive,
      decisions: { ...this.decisions },
      flows: { ...this.flows },
      maxRisk: this.maxRisk,
      toolsUsed: [...this.toolsUsed].sort(),
      untrustedContentSeen: this.untrustedContentSeen,
      reason,
    };
  }

  approxBytes(): number {
    return this.index.approxBytes() + this.origins.size * 200;
  }
}

export interface TrackerOptions {
  hasher: Hasher;
  maxFingerprints: number;
  maxSessions: number;
  idleMs: number;
}

export class FlowTracker {
  /** Map iteration order = least recently active first (entries are re-inserted on activity). */
  private readonly sessions = new Map<string, Session>();
  private readonly closed: SessionSummary[] = [];
  private nextOriginId = 1;

  constructor(private opts: TrackerOptions) {}

  configure(opts: Partial<Omit<TrackerOptions, 'hasher'>>): void {
    this.opts = { ...this.opts, ...opts };
  }

  /** Get or create a session, marking it active at `now`. */
  touch(id: string, now: number): Session {
    let s = this.sessions.get(id);
    if (s) {
      this.sessions.delete(id);
    } else {
      s = new Session(id, now, this.opts.hasher, this.opts.maxFingerprints);
      while (this.sessions.size >= this.opts.maxSessions) {
        const [oldId, old] = this.sessions.entries().next().value as [string, Session];
        this.sessions.delete(oldId);
        this.closed.push(old.summary('evicted'));
      }
    }
    s.lastAt = Math.max(s.lastAt, now);
    s.events++;
    this.sessions.set(id, s);
    return s;
  }

  get(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  newOriginId(): number {
    return this.nextOriginId++;
  }

  /** Close sessions idle for longer than idleMs. */
  expire(now: number): void {
    for (const [id, s] of this.sessions) {
      if (now - s.lastAt <= this.opts.idleMs) break; // ordered by activity
      this.sessions.delete(id);
      this.closed.push(s.summary('idle'));
    }
  }

  /** Close every session (daemon shutdown). */
  closeAll(): void {
    for (const s of this.sessions.values()) this.closed.push(s.summary('shutdown'));
    this.sessions.clear();
  }

  /** Summaries of sessions closed since the last call. */
  drainClosed(): SessionSummary[] {
    return this.closed.splice(0, this.closed.length);
  }

  get size(): number {
    return this.sessions.size;
  }

  list(): Session[] {
    return [...this.sessions.values()];
  }

  approxBytes(): number {
    let n = 0;
    for (const s of this.sessions.values()) n += s.approxBytes();
    return n;
  }
}
