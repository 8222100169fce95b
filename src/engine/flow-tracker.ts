/**
 * Flow tracker: per-session state (origins and their fingerprints), bounded in sessions and
 * fingerprints, with idle expiry that yields a summary. Pure: time is passed in.
 */
import { SPREAD_BYTES, SpreadBook } from './spread.ts';
import { READ_SCRIPTS_BYTES, ReadScripts } from './settings-effect.ts';
import { NestedLaunches } from './nested-claude.ts';
import type { Action, Classification, FlowType, Risk } from '../types.ts';
import { FRAGMENT_MAX_SECRETS } from './fingerprint/constants.ts';
import { FingerprintIndex, type BinaryLeaf, type Hasher, type IndexDelta, type PreparedText, type TokenSpec } from './fingerprint/index.ts';
import { DestinationBook, PLANTED_LET_GO_BYTES, type DestinationBookState } from './provenance.ts';
import { LOST_BYTES, RowIndex } from './fingerprint/rows.ts';
import { LET_GO_BYTES } from './fingerprint/let-go.ts';
import { WRITTEN_FILES_BYTES, WrittenFiles } from './scripts.ts';
import { ANY_REMOTE, LET_GO_URL, MAX_REMOTES, remoteKey } from './git/remotes.ts';

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

/** What a session did, in counts: kept in its summary and in its saved state. */
interface SessionCounts {
  startedAt: number;
  lastAt: number;
  events: number;
  decisions: Record<Action, number>;
  flows: Partial<Record<FlowType, number>>;
  maxRisk: Risk;
  toolsUsed: string[];
  untrustedContentSeen: boolean;
}

export interface SessionSummary extends SessionCounts {
  sessionId: string;
  origins: number;
  sensitiveOrigins: number;
  reason: 'idle' | 'evicted' | 'shutdown';
}

const RISKS: Risk[] = ['none', 'low', 'medium', 'high', 'critical'];

/** A file that holds internal data: written from an origin, copied from a sensitive file, or read. */
export interface Taint {
  /** absolute, normalised path */
  path: string;
  /** where the data came from: an origin label (`Read(/p/.env)`) or a sensitive file */
  source: string;
  sourceAt: number;
  /** sensitive labels of that data (empty: internal but not sensitive) */
  sensitive: string[];
  /** how it got into this file: `Write`, `Bash(cp .env /tmp/y)`, `read by Read` */
  by: string;
  at: number;
  /** not a taint kept: the path of one let go for MAX_TAINTS (or any path, past MAX_TAINTS_LET_GO): what it held is not known */
  letGo?: boolean;
}

/** Something the session took in, for reasons: label and time. */
export interface Seen {
  label: string;
  at: number;
}

/** Pieces of one indexed secret already sent to outside destinations. */
export interface SecretSent {
  /** normalised chars of the secret already sent (1 = sent) */
  mask: Uint8Array;
  /** calls that sent at least one fragment window of it */
  calls: number;
}

/** Content of one origin already sent to one destination, a chunk at a time. */
export interface ChunkSent {
  chars: number;
  calls: number;
  /** k-gram hashes already counted (a repeated chunk adds nothing) */
  seen: Set<number>;
}

/** A session's state without its origins (saved on every change, restored on start). */
export interface SessionState extends SessionCounts {
  v: 1;
  id: string;
  untrusted: Seen | null;
  sensitiveRead: Seen | null;
  taints: Taint[];
  remotes: Array<[string, string]>;
  secretsSent: Array<[number, Uint8Array, number]>;
  chunks: Array<[string, number, number]>;
  /** the user's prompts and where destinations were first seen (absent in states saved before, and where the store keeps the book apart) */
  dests?: DestinationBookState;
  /** files seen to be lists of paths, with the paths they list (absent in states saved before) */
  lists?: Array<[string, string[]]>;
  /** rows of the record index let go for its bound (absent: none), and whether too many to remember whose */
  rowsForgotten?: number;
  rowsLostAll?: boolean;
  /** the personal cells (keyed hashes) of the rows let go (absent in states saved before: then every text is asked about) */
  rowsLost?: number[];
  /** an output whose personal rows were not all read, and the bound (absent: none) */
  rowsCut?: string;
  /** the session wrote more files than it tracks (absent: no) */
  writtenOverflow?: boolean;
  /** keyed hashes of the paths of taints let go (absent: none), and whether more than are remembered */
  taintsLetGo?: number[];
  taintsLetGoAll?: boolean;
  /** the last output with a text too long for the shapes' scans (Session.shapesCut) */
  shapesCut?: string;
  /** the last output holding personal rows with more distinctive values than are recognised alone (Session.valuesCut) */
  valuesCut?: string;
  /** the last output longer than session.maxResponseBytes (Session.responseCut) */
  responseCut?: { label: string; at: number };
  /** the summary of chunks let go: [slot, chars, calls] of its non-empty slots (ChunksLetGo) */
  chunksLetGo?: Array<[number, number, number]>;
  /** the fragment table's bound that left a secret out (FingerprintIndex.fragCut) */
  fragCut?: string;
  /** ids of secrets whose pieces sent were let go for MAX_SECRETS_SENT (absent in states saved before) */
  secretsLetGo?: number[];
  /** the summary of the fingerprints let go for maxFingerprints (let-go.ts: keyed hashes; absent: none) */
  fpLetGo?: unknown;
  /** started by this session's agent (nested-claude.ts) */
  nestedFrom?: string;
}

/**
 * Memory one session may come to hold when it fills up to its fingerprint cap (bytes of the process,
 * not of the estimate approxBytes() gives): what the sidecar reserves per session, so that the
 * sessions it admits fit its memory budget by construction, whatever each of them reads later.
 * Calibrated on the process's RSS (npm run bench: 100 sessions x 9,300 fingerprints, ~80 bytes of
 * RSS per fingerprint with the tables' own growth, against ~31 that approxBytes counts) plus the
 * caps of the record cells (MAX_CELLS), the destination book (MAX_SEEN_DESTINATIONS), taints and
 * chunks, and the prompts kept; and the caps of the files the session wrote (WRITTEN_FILES_BYTES: their
 * texts and paths), of the scripts it read whole (READ_SCRIPTS_BYTES), of the small parts it sent
 * lately (SPREAD_BYTES, spread.ts), of the rows let go that it remembers (LOST_BYTES) and of the
 * paths of the taints let go (TAINTS_LET_GO_BYTES) and of the summary of the fingerprints let go
 * (LET_GO_BYTES, let-go.ts), the planted destinations the book let go (PLANTED_LET_GO_BYTES,
 * provenance.ts), and what was sent of secrets and outputs in pieces and let go (SECRETS_LET_GO_BYTES,
 * CHUNKS_LET_GO_BYTES).
 */
export const RSS_BYTES_PER_FINGERPRINT = 80;
export function worstSessionBytes(maxFingerprints: number): number {
  return (
    maxFingerprints * RSS_BYTES_PER_FINGERPRINT +
    2 * 1024 * 1024 +
    WRITTEN_FILES_BYTES +
    READ_SCRIPTS_BYTES +
    SPREAD_BYTES +
    LOST_BYTES +
    TAINTS_LET_GO_BYTES +
    LET_GO_BYTES +
    PLANTED_LET_GO_BYTES +
    CHUNKS_LET_GO_BYTES +
    SECRETS_LET_GO_BYTES
  );
}

export const MAX_TAINTS = 512;
/** Paths of taints let go for MAX_TAINTS that are remembered (keyed hashes): a file let go still counts as holding data; past it, any file does. */
export const MAX_TAINTS_LET_GO = 4096;
/** What those paths may take in memory (a number in a Set, ~48 bytes each); part of the session's reservation. */
export const TAINTS_LET_GO_BYTES = MAX_TAINTS_LET_GO * 48;
export const MAX_CHUNK_KEYS = 128;
/** Slots of the summary of chunks let go (ChunksLetGo): 6 bytes each, made on the first one let go. */
export const CHUNK_LET_GO_SLOTS = 1024;
export const CHUNKS_LET_GO_BYTES = CHUNK_LET_GO_SLOTS * 6;
/** The bits of the secrets whose pieces sent were let go (Session.secretsLetGo). */
export const SECRETS_LET_GO_BYTES = FRAGMENT_MAX_SECRETS / 8;

/**
 * What was sent of the (origin, destination) pairs let go for MAX_CHUNK_KEYS: the most characters and
 * calls of any pair let go into each of a fixed number of slots (by a hash of the pair). A pair taken
 * up again starts from its slot, so pieces sent before it was let go still add up; pairs sharing a
 * slot only make it count more, never less, and a pair let go again keeps the larger count.
 */
export class ChunksLetGo {
  chars: Uint32Array | undefined;
  calls: Uint16Array | undefined;

  static slot(key: string): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    return (h >>> 0) % CHUNK_LET_GO_SLOTS;
  }

  letGo(key: string, chars: number, calls: number): void {
    this.chars ??= new Uint32Array(CHUNK_LET_GO_SLOTS);
    this.calls ??= new Uint16Array(CHUNK_LET_GO_SLOTS);
    this.set(ChunksLetGo.slot(key), chars, calls);
  }

  set(i: number, chars: number, calls: number): void {
    if (!this.chars || !this.calls || !(i >= 0 && i < CHUNK_LET_GO_SLOTS)) return;
    this.chars[i] = Math.max(this.chars[i] as number, Math.min(chars, 0xffffffff));
    this.calls[i] = Math.max(this.calls[i] as number, Math.min(calls, 0xffff));
  }

  /** What a pair let go had sent, by its slot (0, 0 when nothing was let go there). */
  get(key: string): { chars: number; calls: number } {
    if (!this.chars || !this.calls) return { chars: 0, calls: 0 };
    const i = ChunksLetGo.slot(key);
    return { chars: this.chars[i] as number, calls: this.calls[i] as number };
  }

  toState(): Array<[number, number, number]> {
    const out: Array<[number, number, number]> = [];
    if (this.chars && this.calls)
      for (let i = 0; i < CHUNK_LET_GO_SLOTS; i++) if (this.chars[i] !== 0) out.push([i, this.chars[i] as number, this.calls[i] as number]);
    return out;
  }

  restore(st: Array<[number, number, number]>): void {
    if (st.length === 0) return;
    this.chars ??= new Uint32Array(CHUNK_LET_GO_SLOTS);
    this.calls ??= new Uint16Array(CHUNK_LET_GO_SLOTS);
    for (const [i, chars, calls] of st) if (typeof i === 'number' && typeof chars === 'number' && typeof calls === 'number') this.set(i, chars, calls);
  }

  approxBytes(): number {
    return (this.chars?.byteLength ?? 0) + (this.calls?.byteLength ?? 0);
  }
}
/** k-gram hashes remembered per (origin, destination) to tell new chunks from repeats */
export const MAX_CHUNK_SEEN = 256;
export const MAX_SECRETS_SENT = 256;
export { MAX_REMOTES };
/**
 * Files whose content this session saw to be a list of paths (`find … > f; cat f`), and how many
 * paths of each are kept: enough for an inventory of key and config files, small next to the index.
 */
export const MAX_FILE_LISTS = 32;
export const MAX_LISTED_PATHS = 256;

export class Session {
  readonly origins = new Map<number, Origin>();
  readonly index: FingerprintIndex;
  /** the cells of the personal rows tools returned, for record-level matching (saved per origin) */
  readonly rows: RowIndex;
  events = 0;
  readonly decisions: Record<Action, number> = { allow: 0, warn: 0, ask: 0, deny: 0 };
  readonly flows: Partial<Record<FlowType, number>> = {};
  maxRisk: Risk = 'none';
  readonly toolsUsed = new Set<string>();
  untrustedContentSeen = false;
  /** the session whose agent started this one (`claude -p …` from a Bash call): its prompts are that agent's words, not the user's (nested-claude.ts) */
  nestedFrom: string | undefined;
  /** the latest untrusted content (web page, search result, public issue) taken in */
  untrusted: Seen | undefined;
  /** the latest sensitive data read */
  sensitiveRead: Seen | undefined;
  /** files holding internal data, least recently touched first */
  readonly taints = new Map<string, Taint>();
  /** keyed hashes of the paths of taints let go for MAX_TAINTS (up to MAX_TAINTS_LET_GO) */
  readonly taintsLetGo = new Set<number>();
  /** more taints let go than taintsLetGo keeps: any file may hold data */
  taintsLetGoAll = false;
  private readonly hasher: Hasher;
  /** git remotes added (or re-pointed) in this session: name -> URL */
  readonly remotes = new Map<string, string>();
  /**
   * Files whose content this session saw (Read, `cat f`) to be a list of paths, least recently
   * seen first: `cat $(cat f)`, `xargs cat < f`, `tar -T f` read the files they list.
   */
  readonly fileLists = new Map<string, string[]>();
  /** the text of files this session wrote (bounded; saved encrypted): a script it wrote and then runs is judged by what it holds */
  readonly written = new WrittenFiles();
  /** scripts this session read whole (bounded, in memory): a hook added to the settings that runs one is judged by it */
  readonly readScripts = new ReadScripts();
  /** secret id (of the fingerprint index) -> pieces already sent out */
  readonly secretsSent = new Map<number, SecretSent>();
  /**
   * The summary of secretsSent let go: one bit per secret id (ids are below FRAGMENT_MAX_SECRETS, so
   * it never overflows) for a secret whose pieces sent were let go; a piece of it going out cannot be
   * added up with them and is asked about (split_limit).
   */
  readonly secretsLetGo = new Uint8Array(SECRETS_LET_GO_BYTES);
  /** `${originId} ${destination}` -> content of that origin already sent there */
  readonly chunks = new Map<string, ChunkSent>();
  /** the last output with a text too long to be looked at for street addresses and IBANs by shape, and the bound */
  shapesCut: string | undefined;
  /** the last output holding personal rows whose distinctive values were not all kept to be recognised alone, and the bound */
  valuesCut: string | undefined;
  /** the last output of the session longer than is fingerprinted (session.maxResponseBytes): its rest is not known */
  responseCut: { label: string; at: number } | undefined;
  /** the summary of the chunks let go for MAX_CHUNK_KEYS */
  readonly chunksLetGo = new ChunksLetGo();
  /** small parts recently sent to each site, by slot: a secret spread over calls (spread.ts; saved sealed by the session store) */
  spread = new SpreadBook();
  /** the user's prompts and where each destination was first seen (who chose a destination) */
  readonly book: DestinationBook;
  lastAt: number;
  /**
   * Something a later decision depends on changed (an origin, a taint, a remote, pieces sent, what
   * was taken in) since the state was last saved: saved with the next commit. Counters alone are not.
   */
  dirty = false;
  /** origins added since the state was last saved, with what they did to the index (when recording) */
  readonly newOrigins: Array<{ origin: Origin; delta: IndexDelta }> = [];
  /** ids of origins whose fingerprints were all evicted since the state was last saved */
  readonly droppedOrigins: number[] = [];

  constructor(
    readonly id: string,
    readonly startedAt: number,
    hasher: Hasher,
    maxFingerprints: number,
  ) {
    this.lastAt = startedAt;
    this.hasher = hasher;
    this.index = new FingerprintIndex(hasher, maxFingerprints);
    // data that came from outside is not ours to guard: its fingerprints are let go unsummarised
    this.index.summarize = (id) => this.origins.get(id)?.cls !== 'external';
    this.rows = new RowIndex(hasher);
    this.book = new DestinationBook((x) => hasher.hash(x));
  }

  /**
   * Holds something a later decision depends on: what it read, files it tainted, secrets sent in
   * pieces, untrusted content taken in, remotes it added, prompts naming destinations. Such a
   * session is never closed to make room for another (see FlowTracker.makeRoom).
   */
  holdsData(): boolean {
    return (
      this.origins.size > 0 ||
      this.taints.size > 0 ||
      this.secretsSent.size > 0 ||
      this.chunks.size > 0 ||
      this.remotes.size > 0 ||
      this.fileLists.size > 0 ||
      this.written.size > 0 ||
      !this.spread.empty ||
      this.untrustedContentSeen ||
      this.sensitiveRead !== undefined
    );
  }

  /** Record what a tool returned. Returns the origin (fingerprints counted). */
  addOrigin(
    o: Omit<Origin, 'id' | 'fingerprints'>,
    texts: string[],
    tokens: TokenSpec[],
    nextId: number,
    record = false,
    binaries: readonly BinaryLeaf[] = [],
    prepared?: readonly PreparedText[],
  ): Origin {
    const origin: Origin = { ...o, id: nextId, fingerprints: 0 };
    origin.fingerprints = this.index.add(origin.id, texts, tokens, { precious: o.sensitive.length > 0, record, binaries, ...(prepared ? { prepared } : {}) });
    this.origins.set(origin.id, origin);
    this.dirty = true;
    if (record && this.index.lastDelta) this.newOrigins.push({ origin, delta: this.index.lastDelta });
    this.dropEvicted(record);
    return origin;
  }

  /** Put back an origin saved before a restart: its metadata, and its fingerprints replayed. */
  restoreOrigin(origin: Origin, delta: IndexDelta): void {
    this.index.replay(origin.id, delta, origin.sensitive.length > 0);
    this.origins.set(origin.id, origin);
    this.dropEvicted(true);
  }

  /**
   * Drop metadata of origins whose fingerprints were all evicted (sensitive ones are evicted last,
   * so an evicted origin can be newer than a kept one: look at all of them). With `record`, their
   * ids are kept for the session store to delete; without one nothing reads them.
   */
  private dropEvicted(record: boolean): void {
    for (const id of [...this.origins.keys()]) {
      if (this.origins.size <= 1) break;
      if (!this.index.hasOrigin(id)) {
        this.origins.delete(id);
        this.rows.removeOrigin(id);
        if (record) this.droppedOrigins.push(id);
      }
    }
  }

  /**
   * Everything but the origins, for saving: small, hashes and labels only. `book` false: without the
   * destination book (the session store saves it apart, when it changed: DestinationBook.version).
   */
  toState(book = true): SessionState {
    return {
      v: 1,
      id: this.id,
      startedAt: this.startedAt,
      lastAt: this.lastAt,
      events: this.events,
      decisions: { ...this.decisions },
      flows: { ...this.flows },
      maxRisk: this.maxRisk,
      toolsUsed: [...this.toolsUsed],
      untrustedContentSeen: this.untrustedContentSeen,
      untrusted: this.untrusted ?? null,
      sensitiveRead: this.sensitiveRead ?? null,
      taints: [...this.taints.values()],
      remotes: [...this.remotes],
      secretsSent: [...this.secretsSent].map(([id, x]) => [id, x.mask, x.calls]),
      // without the k-gram hashes already counted: after a restart a repeated chunk counts again,
      // which can only add up sooner (and keeps each save small: those sets are most of the state)
      chunks: [...this.chunks].map(([k, c]) => [k, c.chars, c.calls]),
      ...(book ? { dests: this.book.toState() } : {}),
      ...(this.fileLists.size ? { lists: [...this.fileLists] } : {}),
      ...(this.rows.forgotten
        ? { rowsForgotten: this.rows.forgotten, ...(this.rows.lostAll ? { rowsLostAll: true } : { rowsLost: this.rows.lostCells() }) }
        : {}),
      ...(this.rows.cut !== undefined ? { rowsCut: this.rows.cut } : {}),
      ...(this.written.overflow ? { writtenOverflow: true } : {}),
      ...(this.taintsLetGo.size ? { taintsLetGo: [...this.taintsLetGo] } : {}),
      ...(this.taintsLetGoAll ? { taintsLetGoAll: true } : {}),
      ...(this.secretsLetGo.some((b) => b !== 0) ? { secretsLetGo: this.secretsLetGoIds() } : {}),
      ...(this.index.fragCut !== undefined ? { fragCut: this.index.fragCut } : {}),
      ...(this.chunksLetGo.chars ? { chunksLetGo: this.chunksLetGo.toState() } : {}),
      ...(this.responseCut ? { responseCut: { ...this.responseCut } } : {}),
      ...(this.valuesCut !== undefined ? { valuesCut: this.valuesCut } : {}),
      ...(this.shapesCut !== undefined ? { shapesCut: this.shapesCut } : {}),
      ...(this.index.letGo.active ? { fpLetGo: this.index.letGo.toState() } : {}),
      ...(this.nestedFrom !== undefined ? { nestedFrom: this.nestedFrom } : {}),
    };
  }

  /** A session from its saved state (origins are restored after, with restoreOrigin). */
  static fromState(st: SessionState, hasher: Hasher, maxFingerprints: number): Session {
    const s = new Session(st.id, st.startedAt, hasher, maxFingerprints);
    s.lastAt = st.lastAt;
    s.events = st.events;
    Object.assign(s.decisions, st.decisions);
    Object.assign(s.flows, st.flows);
    s.maxRisk = st.maxRisk;
    for (const t of st.toolsUsed) s.toolsUsed.add(t);
    s.untrustedContentSeen = st.untrustedContentSeen;
    if (st.untrusted) s.untrusted = st.untrusted;
    if (st.sensitiveRead) s.sensitiveRead = st.sensitiveRead;
    for (const t of st.taints) s.taints.set(t.path, t);
    for (const [name, url] of st.remotes) s.remotes.set(name, url);
    for (const [id, mask, calls] of st.secretsSent) s.secretsSent.set(id, { mask: new Uint8Array(mask), calls });
    for (const [k, chars, calls] of st.chunks) s.chunks.set(k, { chars, calls, seen: new Set() });
    s.book.restore(st.dests);
    for (const [f, ps] of st.lists ?? []) s.fileLists.set(f, ps);
    // (the rows let go are let go again as the origins' rows are put back; these keep the count and flag)
    s.rows.forgotten = st.rowsForgotten ?? 0;
    // who the rows let go were about; a state saved without them (an older version) asks about every text
    s.rows.lostAll = st.rowsLostAll === true || (s.rows.forgotten > 0 && !Array.isArray(st.rowsLost));
    if (Array.isArray(st.rowsLost)) s.rows.restoreLost(st.rowsLost);
    if (typeof st.rowsCut === 'string') s.rows.cutOff(st.rowsCut);
    s.written.overflow = st.writtenOverflow === true;
    for (const h of st.taintsLetGo ?? []) if (typeof h === 'number') s.taintsLetGo.add(h);
    s.taintsLetGoAll = st.taintsLetGoAll === true;
    for (const id of st.secretsLetGo ?? []) if (typeof id === 'number' && Number.isInteger(id)) s.letGoSecret(id);
    if (typeof st.fragCut === 'string') s.index.fragCut = st.fragCut;
    if (Array.isArray(st.chunksLetGo)) s.chunksLetGo.restore(st.chunksLetGo);
    const rc = st.responseCut;
    if (rc && typeof rc.label === 'string' && typeof rc.at === 'number') s.responseCut = { label: rc.label, at: rc.at };
    if (typeof st.valuesCut === 'string') s.valuesCut = st.valuesCut;
    if (typeof st.shapesCut === 'string') s.shapesCut = st.shapesCut;
    if (st.fpLetGo !== undefined) s.index.letGo.restore(st.fpLetGo);
    if (typeof st.nestedFrom === 'string') s.nestedFrom = st.nestedFrom;
    return s;
  }

  /** Mark a file as holding internal data (bounded: the least recently touched entry goes first). */
  taint(t: Taint): void {
    this.dirty = true;
    this.taints.delete(t.path);
    this.taints.set(t.path, t);
    while (this.taints.size > MAX_TAINTS) {
      const gone = this.taints.keys().next().value as string;
      this.taints.delete(gone);
      // let go, not forgotten: the path is kept (a later upload of it is asked about); past the bound, every file's is
      if (this.taintsLetGoAll) continue;
      if (this.taintsLetGo.size >= MAX_TAINTS_LET_GO) this.taintsLetGoAll = true;
      else this.taintsLetGo.add(this.hasher.hash(gone));
    }
  }

  /** A file seen to list these paths (bounded: the least recently seen list goes first). */
  noteFileList(path: string, paths: string[]): void {
    this.dirty = true;
    this.fileLists.delete(path);
    this.fileLists.set(path, paths.slice(0, MAX_LISTED_PATHS));
    while (this.fileLists.size > MAX_FILE_LISTS) this.fileLists.delete(this.fileLists.keys().next().value as string);
  }

  /** The taint of a file, or of the first tainted file under a directory. */
  taintOf(path: string): Taint | undefined {
    const t = this.taints.get(path);
    if (t) return t;
    const dir = path.endsWith('/') ? path : path + '/';
    let best: Taint | undefined;
    for (const [p, x] of this.taints) {
      if (p.startsWith(dir) && (!best || (x.sensitive.length > 0 && best.sensitive.length === 0))) best = x;
    }
    if (best) return best;
    // a taint let go for MAX_TAINTS (or, past what is remembered of those, any file): it may hold data
    if (this.taintsLetGoAll || (this.taintsLetGo.size > 0 && this.taintsLetGo.has(this.hasher.hash(path))))
      return {
        path,
        source: this.taintsLetGoAll
          ? `a file this session may have filled with data it read (more than the ${MAX_TAINTS} files it tracks and the ${MAX_TAINTS_LET_GO.toLocaleString('en-US')} let go it remembers)`
          : `a file this session filled with data it read, let go for the ${MAX_TAINTS} files it tracks`,
        sourceAt: 0,
        sensitive: [],
        by: 'let go',
        at: 0,
        letGo: true,
      };
    return undefined;
  }

  /** Content from outside (a web page, a public issue) was taken in. */
  sawUntrusted(label: string, at: number): void {
    this.untrustedContentSeen = true;
    this.untrusted = { label, at };
    this.dirty = true;
  }

  /** Sensitive data was read. */
  readSensitive(label: string, at: number): void {
    this.sensitiveRead = { label, at };
    this.dirty = true;
  }

  addRemote(name: string, url: string): void {
    this.dirty = true;
    this.remotes.delete(name);
    this.remotes.set(name, url);
    // past the bound a remote is let go, not forgotten: every remote of every repository may then point
    // anywhere (one entry for all, kept newest), so a push to one let go is asked about
    const all = remoteKey('', ANY_REMOTE);
    if (this.remotes.size > MAX_REMOTES || this.remotes.get(all) === LET_GO_URL) {
      this.remotes.delete(all);
      while (this.remotes.size >= MAX_REMOTES) this.remotes.delete(this.remotes.keys().next().value as string);
      this.remotes.set(all, LET_GO_URL);
    }
  }

  /** Pieces of secret `id` sent so far (created on first use; bounded, oldest dropped first). */
  secretSent(id: number, length: number): SecretSent {
    this.dirty = true;
    let x = this.secretsSent.get(id);
    if (!x) {
      x = { mask: new Uint8Array(length), calls: 0 };
      this.secretsSent.set(id, x);
      while (this.secretsSent.size > MAX_SECRETS_SENT) {
        const gone = this.secretsSent.keys().next().value as number;
        this.secretsSent.delete(gone);
        this.letGoSecret(gone);
      }
    }
    return x;
  }

  letGoSecret(id: number): void {
    if (id >= 0 && id < FRAGMENT_MAX_SECRETS) this.secretsLetGo[id >> 3] = (this.secretsLetGo[id >> 3] as number) | (1 << (id & 7));
  }

  private secretsLetGoIds(): number[] {
    const out: number[] = [];
    for (let id = 0; id < FRAGMENT_MAX_SECRETS; id++) if (this.secretLetGo(id)) out.push(id);
    return out;
  }

  /** Were pieces of secret `id` sent, then let go for MAX_SECRETS_SENT? */
  secretLetGo(id: number): boolean {
    return id >= 0 && id < FRAGMENT_MAX_SECRETS && ((this.secretsLetGo[id >> 3] as number) & (1 << (id & 7))) !== 0;
  }

  chunk(key: string): ChunkSent {
    this.dirty = true;
    let c = this.chunks.get(key);
    if (!c) {
      // a pair let go before starts from what the summary kept of it
      const was = this.chunksLetGo.get(key);
      c = { chars: was.chars, calls: was.calls, seen: new Set() };
      this.chunks.set(key, c);
      while (this.chunks.size > MAX_CHUNK_KEYS) {
        const gone = this.chunks.keys().next().value as string;
        const g = this.chunks.get(gone) as ChunkSent;
        this.chunks.delete(gone);
        this.chunksLetGo.letGo(gone, g.chars, g.calls);
      }
    }
    return c;
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
    let n =
      this.index.approxBytes() +
      this.rows.approxBytes() +
      this.book.approxBytes() +
      this.written.approxBytes() +
      this.readScripts.approxBytes() +
      this.origins.size * 200 +
      this.taints.size * 300 +
      this.taintsLetGo.size * 48 +
      this.remotes.size * 200;
    for (const x of this.secretsSent.values()) n += x.mask.length + 48;
    n += this.secretsLetGo.byteLength + this.chunksLetGo.approxBytes();
    for (const c of this.chunks.values()) n += 96 + c.seen.size * 16;
    for (const ps of this.fileLists.values()) for (const p of ps) n += 48 + p.length * 2;
    return n;
  }
}

export interface TrackerOptions {
  hasher: Hasher;
  maxFingerprints: number;
  maxSessions: number;
  idleMs: number;
  /** keep what each origin did to the index, so the state can be saved and replayed (default false) */
  record?: boolean;
}

export class FlowTracker {
  /** Map iteration order = least recently active first (entries are re-inserted on activity). */
  private readonly sessions = new Map<string, Session>();
  private readonly closed: SessionSummary[] = [];
  private nextOriginId = 1;
  /** Claude Code runs started from sessions' Bash calls, waiting for the session each starts (nested-claude.ts) */
  readonly nested = new NestedLaunches();
  /** sessions changed since the state was last saved */
  private readonly touched = new Set<string>();
  /** sessions closed (expired, evicted) since the state was last saved */
  private readonly dropped = new Set<string>();

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
        this.drop(oldId);
        this.closed.push(old.summary('evicted'));
      }
    }
    s.lastAt = Math.max(s.lastAt, now);
    s.events++;
    this.sessions.set(id, s);
    this.touched.add(id);
    return s;
  }

  /**
   * Make room for one more session without losing anything a decision depends on: close the least
   * recently active session that holds no data and has been quiet for `activeMs`. False when every
   * session is active or holds data: the caller refuses the new session instead (fail closed).
   */
  makeRoom(now: number, activeMs: number): boolean {
    for (const [id, s] of this.sessions) {
      if (now - s.lastAt < activeMs) break; // ordered by activity: the rest are more recent
      if (s.holdsData()) continue;
      this.drop(id);
      this.closed.push(s.summary('evicted'));
      return true;
    }
    return false;
  }

  private drop(id: string): void {
    this.sessions.delete(id);
    this.touched.delete(id);
    // only a session store reads these (and only when recording): otherwise the set would only grow
    if (this.opts.record) this.dropped.add(id);
  }

  get hasher(): Hasher {
    return this.opts.hasher;
  }

  /** Fingerprints one session's index holds at most. */
  get maxFingerprints(): number {
    return this.opts.maxFingerprints;
  }

  get recording(): boolean {
    return this.opts.record === true;
  }

  /**
   * What changed since the last call, for saving: ids of sessions closed (delete their saved state
   * first) and sessions whose decisions-relevant state changed (save them). With `all`, also the
   * sessions whose counters alone changed. A session closed and started again is in both lists.
   */
  drainChanges(all = false): { dropped: string[]; changed: Session[] } {
    const dropped = [...this.dropped];
    const changed: Session[] = [];
    for (const id of this.touched) {
      const s = this.sessions.get(id);
      if (!s) this.touched.delete(id);
      else if (s.dirty || s.written.pending.size > 0 || s.spread.dirty || all) {
        changed.push(s);
        s.dirty = false;
        this.touched.delete(id);
      }
    }
    this.dropped.clear();
    return { dropped, changed };
  }

  /** Put back a session saved before a restart (call in order of activity, least recent first). */
  restore(s: Session): void {
    this.sessions.delete(s.id);
    this.sessions.set(s.id, s);
    for (const id of s.origins.keys()) if (id >= this.nextOriginId) this.nextOriginId = id + 1;
  }

  get(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  /** Origin ids below `n` are taken (saved state): new ones start at `n` or above. */
  reserveOriginIds(n: number): void {
    if (n > this.nextOriginId) this.nextOriginId = n;
  }

  newOriginId(): number {
    return this.nextOriginId++;
  }

  /** Close sessions idle for longer than idleMs. */
  expire(now: number): void {
    for (const [id, s] of this.sessions) {
      if (now - s.lastAt <= this.opts.idleMs) break; // ordered by activity
      this.drop(id);
      this.closed.push(s.summary('idle'));
    }
  }

  /** Close every session (daemon shutdown). */
  closeAll(): void {
    for (const s of this.sessions.values()) this.closed.push(s.summary('shutdown'));
    for (const id of [...this.sessions.keys()]) this.drop(id);
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
