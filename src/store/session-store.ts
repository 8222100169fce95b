/**
 * Session store: the flow state of open sessions, saved in the state database so that a restart or
 * a crash (`kill -9`) of the sidecar keeps protecting them. Keyed hashes and labels, never content in
 * clear: what an origin did to the fingerprint index (its delta) and the cells of the personal rows it
 * returned (keyed hashes), each session's small state (taints, secrets sent in pieces, trifecta flags,
 * remotes, counters), the correlator's joins, and the files the session wrote (a script it runs
 * later is judged by its text): those texts may hold secrets the session wrote, so they are sealed
 * with AES-256-GCM under a key derived from the fingerprint key (HKDF), bound to the session and the
 * path; without that key, or when one cannot be opened again, the file is restored as written but
 * not readable, and a run of it is asked about. The small parts a session sent lately (spread.ts: a
 * secret sent a few characters per call) are pieces of the data too: sealed the same way under a key
 * of their own, bound to the session; a book that cannot be opened again is restored as unreadable,
 * and the session asks about its small sends instead of forgetting what they may continue.
 *
 * Writes happen inside the audit store's group commit, so the state a reply depends on is committed
 * with that reply's audit row, before the reply is sent. A PostToolUse is answered before it is
 * recorded; one whose answer holds a secret back (redaction), and a large one scanned before its answer,
 * is journaled first (journal(): the event sealed as the written files are, committed before the
 * answer, deleted in the commit that records it), and an answered output a crash kept from being recorded is read back at the next start
 * (readJournal) for the sidecar to record.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { Packr } from 'msgpackr';
import type { IndexDelta } from '../engine/fingerprint/index.ts';
import { Session, type FlowTracker, type Origin, type SessionState } from '../engine/flow-tracker.ts';
import type { DestinationBookState } from '../engine/provenance.ts';
import { SpreadBook, type SpreadState } from '../engine/spread.ts';
import type { Hasher } from '../engine/fingerprint/index.ts';
import { MAX_WRITTEN_PATHS, type Written } from '../engine/scripts.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS flow_sessions (
  session_id TEXT PRIMARY KEY,
  last_at INTEGER NOT NULL,
  state BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS flow_origins (
  session_id TEXT NOT NULL,
  origin_id INTEGER NOT NULL,
  meta BLOB NOT NULL,
  labels BLOB NOT NULL,
  ops BLOB NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS flow_origins_key ON flow_origins(session_id, origin_id);
CREATE TABLE IF NOT EXISTS flow_meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS flow_written (
  session_id TEXT NOT NULL,
  path TEXT NOT NULL,
  data BLOB NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS flow_written_key ON flow_written(session_id, path);
CREATE TABLE IF NOT EXISTS flow_spread (
  session_id TEXT PRIMARY KEY,
  data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS flow_books (
  session_id TEXT PRIMARY KEY,
  state BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS flow_journal (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  source TEXT NOT NULL,
  data BLOB NOT NULL
);
`;

/** What the seal of a session's spread parts is bound to (another session's blob does not open). */
const spreadAad = (session: string): Buffer => Buffer.from(`spread\0${session}`, 'utf8');

/** What the seal of a journaled event is bound to (another session's or entry's blob does not open). */
const journalAad = (session: string, at: number, source: string): Buffer => Buffer.from(`journal\0${session}\0${at}\0${source}`, 'utf8');

/** What the seal of a written file's text is bound to (another session's or path's blob does not open). */
const aad = (session: string, path: string): Buffer => Buffer.from(`${session}\0${path}`, 'utf8');

const packr = new Packr({ useRecords: false, moreTypes: false });

/** `plain` sealed with AES-256-GCM under `key`, bound to `aad`: 1, iv (12 bytes), tag (16), ciphertext. */
function sealBytes(key: Buffer, aad: Buffer, plain: Buffer): Buffer {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(aad);
  const body = Buffer.concat([c.update(plain), c.final()]);
  return Buffer.concat([Buffer.from([1]), iv, c.getAuthTag(), body]);
}

/** What sealBytes sealed; throws when it does not open (another key or binding, damaged, not sealed). */
function openBytes(key: Buffer, aad: Buffer, data: Buffer): Buffer {
  if (data[0] !== 1 || data.length < 29) throw new Error('not a sealed entry');
  const d = createDecipheriv('aes-256-gcm', key, data.subarray(1, 13));
  d.setAAD(aad);
  d.setAuthTag(data.subarray(13, 29));
  return Buffer.concat([d.update(data.subarray(29)), d.final()]);
}
/** Bumped when the saved format changes: saved state of another format is dropped, not misread. */
const FORMAT = 2;

export interface RestoreReport {
  sessions: number;
  origins: number;
  /** saved sessions that could not be read back (dropped, with the reason logged) */
  broken: number;
  /** answered outputs a stop or crash kept from being recorded, recorded at this start (replayJournal), and those that could not be read */
  outputs?: { recorded: number; unreadable: number };
}

/** One journaled event as read back: what it was answered with is gone; it is recorded as it arrived. */
export interface JournaledEvent {
  seq: number;
  sessionId: string;
  at: number;
  source: string;
  raw: Buffer;
}

export interface CorrelationState {
  version: number;
  export(): unknown;
  import(v: unknown): void;
}

export class SessionStore {
  /**
   * The version of each session's destination book last saved (DestinationBook.version): the book, which
   * in a busy session holds thousands of destinations, is saved in its own row and only when it changed
   * (packed with the rest of the state on every save it cost 6-11 ms a commit).
   */
  private readonly savedBooks = new WeakMap<Session, number>();
  private readonly putBook: Database.Statement;
  private readonly deleteBook: Database.Statement;
  private readonly bookOf: Database.Statement;
  private readonly upsert: Database.Statement;
  private readonly insertOrigin: Database.Statement;
  private readonly deleteOrigin: Database.Statement;
  private readonly deleteSession: Database.Statement;
  private readonly deleteSessionOrigins: Database.Statement;
  private readonly putMeta: Database.Statement;
  private readonly anySaved: Database.Statement;
  private readonly originsOf: Database.Statement;
  private readonly putWritten: Database.Statement;
  private readonly deleteWritten: Database.Statement;
  private readonly deleteSessionWritten: Database.Statement;
  private readonly writtenOf: Database.Statement;
  private readonly putSpread: Database.Statement;
  private readonly deleteSpread: Database.Statement;
  private readonly spreadOf: Database.Statement;
  private savedCorrelation = -1;
  /** the key that seals the texts of written files (none: they are saved as written but not readable) */
  private readonly sealKey?: Buffer;
  /** the key that seals the small parts sessions sent (none: saved as sent but not readable) */
  private readonly spreadKey?: Buffer;
  /** the key that seals journaled events (none: nothing is journaled) */
  private readonly journalKey?: Buffer;
  private readonly putJournal: Database.Statement;
  private readonly deleteJournal: Database.Statement;
  private readonly deleteSessionJournal: Database.Statement;
  /** journal entries recorded since the last write: deleted in the commit that saves their recording */
  private readonly journalDone: number[] = [];

  /** `key`: the fingerprint key; the key sealing written files' texts is derived from it. */
  constructor(
    private readonly db: Database.Database,
    private readonly tracker: FlowTracker,
    private readonly correlation?: CorrelationState,
    key?: Buffer,
  ) {
    db.exec(SCHEMA);
    // the record cells of each origin (a column added after the table was first made)
    if (!(db.prepare('PRAGMA table_info(flow_origins)').all() as Array<{ name: string }>).some((c) => c.name === 'rows'))
      db.exec('ALTER TABLE flow_origins ADD COLUMN rows BLOB');
    if (key) this.sealKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'mcpproxy-hook written files v1', 32));
    if (key) this.spreadKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'mcpproxy-hook spread parts v1', 32));
    if (key) this.journalKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'mcpproxy-hook journaled events v1', 32));
    this.putJournal = db.prepare('INSERT INTO flow_journal (session_id, at, source, data) VALUES (?, ?, ?, ?)');
    this.deleteJournal = db.prepare('DELETE FROM flow_journal WHERE seq = ?');
    this.deleteSessionJournal = db.prepare('DELETE FROM flow_journal WHERE session_id = ?');
    this.putBook = db.prepare('INSERT OR REPLACE INTO flow_books (session_id, state) VALUES (?, ?)');
    this.deleteBook = db.prepare('DELETE FROM flow_books WHERE session_id = ?');
    this.bookOf = db.prepare('SELECT state FROM flow_books WHERE session_id = ?');
    this.putSpread = db.prepare('INSERT OR REPLACE INTO flow_spread (session_id, data) VALUES (?, ?)');
    this.deleteSpread = db.prepare('DELETE FROM flow_spread WHERE session_id = ?');
    this.spreadOf = db.prepare('SELECT data FROM flow_spread WHERE session_id = ?');
    this.putWritten = db.prepare('INSERT OR REPLACE INTO flow_written (session_id, path, data) VALUES (?, ?, ?)');
    this.deleteWritten = db.prepare('DELETE FROM flow_written WHERE session_id = ? AND path = ?');
    this.deleteSessionWritten = db.prepare('DELETE FROM flow_written WHERE session_id = ?');
    this.writtenOf = db.prepare('SELECT path, data FROM flow_written WHERE session_id = ? ORDER BY rowid LIMIT ?');
    this.upsert = db.prepare(
      'INSERT INTO flow_sessions (session_id, last_at, state) VALUES (?, ?, ?) ON CONFLICT(session_id) DO UPDATE SET last_at = excluded.last_at, state = excluded.state',
    );
    this.insertOrigin = db.prepare('INSERT OR REPLACE INTO flow_origins (session_id, origin_id, meta, labels, ops, rows) VALUES (?, ?, ?, ?, ?, ?)');
    this.deleteOrigin = db.prepare('DELETE FROM flow_origins WHERE session_id = ? AND origin_id = ?');
    this.deleteSession = db.prepare('DELETE FROM flow_sessions WHERE session_id = ?');
    this.deleteSessionOrigins = db.prepare('DELETE FROM flow_origins WHERE session_id = ?');
    this.anySaved = db.prepare('SELECT 1 FROM flow_sessions LIMIT 1');
    this.originsOf = db.prepare('SELECT origin_id, meta, labels, ops, rows FROM flow_origins WHERE session_id = ? ORDER BY origin_id');
    this.putMeta = db.prepare('INSERT INTO flow_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
  }

  /**
   * Save what changed since the last call (with `all`, counters-only changes too). Call inside a
   * transaction (the audit store's group commit). With recording off (session.persist false),
   * saved state is deleted instead.
   */
  write(all = false): void {
    // journaled events recorded since the last write: gone in the commit that saves what they recorded
    for (const seq of this.journalDone) this.deleteJournal.run(seq);
    this.journalDone.length = 0;
    const { dropped, changed } = this.tracker.drainChanges(all);
    if (!this.tracker.recording) {
      if (this.hasSaved()) this.clear();
      for (const s of changed) {
        s.newOrigins.length = s.droppedOrigins.length = 0;
        s.written.pending.clear();
        s.spread.dirty = false;
      }
      return;
    }
    for (const id of dropped) this.forget(id);
    for (const s of changed) {
      for (const id of s.droppedOrigins) this.deleteOrigin.run(s.id, id);
      s.droppedOrigins.length = 0;
      for (const { origin, delta } of s.newOrigins) {
        // evicted again before it was saved: nothing to keep
        if (!s.origins.has(origin.id)) continue;
        const rows = s.rows.exportOrigin(origin.id);
        this.insertOrigin.run(
          s.id,
          origin.id,
          packr.pack(origin),
          packr.pack(delta.labels),
          Buffer.from(delta.ops.buffer, delta.ops.byteOffset, delta.ops.byteLength),
          rows.length ? packr.pack(rows) : null,
        );
      }
      s.newOrigins.length = 0;
      for (const path of s.written.pending) {
        const w = s.written.get(path);
        if (w === undefined) this.deleteWritten.run(s.id, path);
        else this.putWritten.run(s.id, path, this.seal(s.id, path, w));
      }
      s.written.pending.clear();
      if (s.spread.dirty) {
        if (s.spread.empty) this.deleteSpread.run(s.id);
        else this.putSpread.run(s.id, this.sealSpread(s.id, s.spread));
        s.spread.dirty = false;
      }
      if (this.savedBooks.get(s) !== s.book.version) {
        this.putBook.run(s.id, packr.pack(s.book.toState()));
        this.savedBooks.set(s, s.book.version);
      }
      this.upsert.run(s.id, s.lastAt, packr.pack(s.toState(false)));
    }
    const c = this.correlation;
    if (c && c.version !== this.savedCorrelation) {
      this.putMeta.run('correlation', packr.pack(c.export()));
      this.savedCorrelation = c.version;
    }
  }

  /**
   * Keep an answered event until it is recorded: the event as it arrived, sealed (AES-256-GCM, a key
   * derived from the fingerprint key, bound to the session, time and source), committed when this
   * returns. The caller answers after it and calls journaled(seq) once the event is recorded. Null when
   * nothing is kept: no key, recording off (session.persist false). Throws when it cannot be written
   * (a full disk): the caller goes on without it.
   */
  journal(sessionId: string, at: number, source: string, raw: Buffer): number | null {
    const key = this.journalKey;
    if (!key || !this.tracker.recording) return null;
    return Number(this.putJournal.run(sessionId, at, source, sealBytes(key, journalAad(sessionId, at, source), raw)).lastInsertRowid);
  }

  /** A journaled event is recorded: its entry goes in the next write (the commit that saves its recording). */
  journaled(seq: number): void {
    this.journalDone.push(seq);
  }

  /** Events journaled and not recorded yet (tests). */
  journalCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM flow_journal').get() as { n: number }).n;
  }

  /**
   * Answered events a stop or crash kept from being recorded, oldest first, for the caller to record
   * (then journaled(seq)). An entry that cannot be opened (another key, damaged) is deleted and told
   * through `log`: what that output held is not known to its session.
   */
  readJournal(log: (line: string) => void): { events: JournaledEvent[]; unreadable: number } {
    const events: JournaledEvent[] = [];
    let unreadable = 0;
    const rows = this.db.prepare('SELECT seq, session_id, at, source, data FROM flow_journal ORDER BY seq').all() as Array<{
      seq: number;
      session_id: string;
      at: number;
      source: string;
      data: Buffer;
    }>;
    for (const r of rows) {
      try {
        const key = this.journalKey;
        if (!key) throw new Error('no key to open it with');
        events.push({ seq: r.seq, sessionId: r.session_id, at: r.at, source: r.source, raw: openBytes(key, journalAad(r.session_id, r.at, r.source), r.data) });
      } catch (e) {
        unreadable++;
        this.deleteJournal.run(r.seq);
        log(
          `an output answered in session ${JSON.stringify(r.session_id.slice(0, 80))} before the last stop was never recorded, and its saved copy cannot be opened (${(e as Error).message}): that session does not know what the output held, so sending data it carried is not recognised`,
        );
      }
    }
    return { events, unreadable };
  }

  /** Save every changed session now, counters included (periodically and at stop). */
  saveAll(): void {
    this.db.transaction(() => this.write(true))();
  }

  private hasSaved(): boolean {
    return this.anySaved.get() !== undefined;
  }

  /** Delete every saved session (session.persist turned off). */
  clear(): void {
    this.pending.clear();
    this.journalDone.length = 0;
    this.db.exec(
      'DELETE FROM flow_sessions; DELETE FROM flow_origins; DELETE FROM flow_written; DELETE FROM flow_spread; DELETE FROM flow_books; DELETE FROM flow_journal;',
    );
  }

  /** Delete one saved session. */
  private forget(id: string): void {
    this.deleteSession.run(id);
    this.deleteSessionOrigins.run(id);
    this.deleteSessionWritten.run(id);
    this.deleteSpread.run(id);
    this.deleteBook.run(id);
    this.deleteSessionJournal.run(id);
  }

  /** A session's spread parts as saved: sealed (1, iv, tag, ciphertext), or without a key only that there were some (0). */
  private sealSpread(session: string, book: SpreadBook): Buffer {
    const key = this.spreadKey;
    if (!key) return Buffer.from([0]);
    return sealBytes(key, spreadAad(session), packr.pack(book.toState()));
  }

  /** A session's spread parts read back; ones that cannot be opened give a book that asks about small sends (fail closed). */
  private unsealSpread(session: string, data: Buffer): SpreadBook {
    try {
      const key = this.spreadKey;
      if (!key) return SpreadBook.unreadable();
      return SpreadBook.fromState(packr.unpack(openBytes(key, spreadAad(session), data)) as SpreadState);
    } catch {
      return SpreadBook.unreadable(); // another key, another session's blob, damaged: asked about, not forgotten
    }
  }

  /**
   * A written file as saved: a text sealed (1, iv, tag, ciphertext of the entry), or, without a key,
   * only that it was written (0, then the entry with no text).
   */
  private seal(session: string, path: string, w: Written): Buffer {
    const key = this.sealKey;
    if (!key) return Buffer.concat([Buffer.from([0]), packr.pack('text' in w ? { unread: { why: 'restart' } } : w)]);
    return sealBytes(key, aad(session, path), packr.pack(w));
  }

  /** A written file read back; one that cannot be opened is restored as written but not readable. */
  private unseal(session: string, path: string, data: Buffer): Written {
    const restart: Written = { unread: { why: 'restart' } };
    try {
      if (data[0] === 0) return packr.unpack(data.subarray(1)) as Written;
      const key = this.sealKey;
      if (!key) return restart;
      const w = packr.unpack(openBytes(key, aad(session, path), data)) as Written;
      if (typeof w !== 'object' || w === null || !(('text' in w && typeof w.text === 'string') || 'unread' in w)) return restart;
      return w;
    } catch {
      return restart;
    }
  }

  /**
   * Put the saved sessions back into the tracker, least recently active first (so the tracker's
   * order of activity is the one before the restart). Sessions idle past their time are expired by
   * the caller's next expire(); a session that cannot be read is dropped and reported.
   */
  restore(hasher: Hasher, maxFingerprints: number, log: (line: string) => void, opts: { lazy?: boolean } = {}): RestoreReport {
    const report: RestoreReport = { sessions: 0, origins: 0, broken: 0 };
    const fmt = this.db.prepare("SELECT value FROM flow_meta WHERE key = 'format'").get() as { value: Buffer | number | string } | undefined;
    if (fmt !== undefined && Number(fmt.value) !== FORMAT) {
      const n = this.counts().sessions;
      if (n > 0) log(`saved sessions are in format ${String(fmt.value)}, this version reads ${FORMAT}: ${n} session(s) dropped (they start afresh)`);
      this.clear();
      report.broken = n;
    }
    this.putMeta.run('format', FORMAT);
    const maxOrigin = this.db.prepare('SELECT max(origin_id) AS m FROM flow_origins').get() as { m: number | null };
    this.tracker.reserveOriginIds((maxOrigin.m ?? 0) + 1);
    this.loader = { hasher, maxFingerprints, log };
    if (opts.lazy) {
      // only the ids: each session is read back on its first event (restore time stays flat at the session limit)
      for (const r of this.db.prepare('SELECT session_id, last_at FROM flow_sessions ORDER BY last_at').all() as Array<{ session_id: string; last_at: number }>)
        this.pending.set(r.session_id, r.last_at);
      report.sessions = this.pending.size;
      report.origins = this.counts().origins;
    } else {
      const ids = this.db.prepare('SELECT session_id FROM flow_sessions ORDER BY last_at').all() as Array<{ session_id: string }>;
      for (const { session_id } of ids) {
        const n = this.loadOne(session_id);
        if (n < 0) report.broken++;
        else {
          report.sessions++;
          report.origins += n;
        }
      }
    }
    const c = this.correlation;
    const m = this.db.prepare("SELECT value FROM flow_meta WHERE key = 'correlation'").get() as { value: Buffer } | undefined;
    if (c && m) {
      try {
        c.import(packr.unpack(m.value));
      } catch (e) {
        log(`saved correlations cannot be restored (${(e as Error).message}); starting without them`);
      }
      this.savedCorrelation = c.version;
    }
    return report;
  }

  /** saved sessions not read back yet (lazy restore): id -> last activity */
  private readonly pending = new Map<string, number>();
  private loader?: { hasher: Hasher; maxFingerprints: number; log: (line: string) => void };
  /** sessions read back on their first event, and those that could not be */
  readonly loaded = { sessions: 0, broken: 0 };

  /** Saved sessions not read back yet. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /**
   * Read a saved session back into the tracker if it is waiting (call before its event is handled).
   * True when it was loaded now.
   */
  load(id: string): boolean {
    if (!this.pending.delete(id)) return false;
    const n = this.loadOne(id);
    if (n < 0) this.loaded.broken++;
    else this.loaded.sessions++;
    return n >= 0;
  }

  /** Saved sessions idle since before `olderThan`, never read back: delete them (they are closed). */
  expirePending(olderThan: number): number {
    let n = 0;
    for (const [id, at] of this.pending) {
      if (at >= olderThan) continue;
      this.pending.delete(id);
      this.forget(id);
      n++;
    }
    return n;
  }

  /** Read one saved session into the tracker: the number of origins, or -1 when it cannot be read (dropped, logged). */
  private loadOne(id: string): number {
    const { hasher, maxFingerprints, log } = this.loader as NonNullable<SessionStore['loader']>;
    const row = this.db.prepare('SELECT state FROM flow_sessions WHERE session_id = ?').get(id) as { state: Buffer } | undefined;
    if (!row) return -1;
    try {
      const st = packr.unpack(row.state) as SessionState;
      if (st?.v !== 1 || st.id !== id) throw new Error('unknown state format');
      // the book in its own row (states saved before it had one keep it inline)
      const book = this.bookOf.get(id) as { state: Buffer } | undefined;
      if (book) st.dests = packr.unpack(book.state) as DestinationBookState;
      const s = Session.fromState(st, hasher, maxFingerprints);
      let n = 0;
      for (const o of this.originsOf.all(id) as Array<{ origin_id: number; meta: Buffer; labels: Buffer; ops: Buffer; rows: Buffer | null }>) {
        if (o.ops.byteLength % 8 !== 0) throw new Error(`origin ${o.origin_id}: bad fingerprint data`);
        // copy: the Buffer may not be 8-byte aligned
        const ops = new Float64Array(o.ops.byteLength / 8);
        new Uint8Array(ops.buffer).set(o.ops);
        const delta: IndexDelta = { ops, labels: packr.unpack(o.labels) as string[] };
        const origin = packr.unpack(o.meta) as Origin;
        s.restoreOrigin(origin, delta);
        if (o.rows && s.origins.has(origin.id)) s.rows.restoreOrigin(origin.id, packr.unpack(o.rows) as Array<[number[], number[]]>);
        n++;
      }
      // the files it wrote, in the order they were written (bounded as the session bounds them)
      for (const w of this.writtenOf.all(id, MAX_WRITTEN_PATHS) as Array<{ path: string; data: Buffer }>)
        s.written.restore(w.path, this.unseal(id, w.path, w.data));
      // the small parts it sent lately (a secret sent a few characters per call goes on after the restart)
      const sp = this.spreadOf.get(id) as { data: Buffer } | undefined;
      if (sp) s.spread = this.unsealSpread(id, sp.data);
      // origins evicted during the replay (a smaller maxFingerprints now) are not kept
      for (const oid of s.droppedOrigins) this.deleteOrigin.run(id, oid);
      s.droppedOrigins.length = 0;
      this.tracker.restore(s);
      return n;
    } catch (e) {
      log(`saved session ${JSON.stringify(id.slice(0, 80))} cannot be restored (${(e as Error).message}); dropped`);
      this.forget(id);
      return -1;
    }
  }

  /** Saved sessions and origins (for status and tests). */
  counts(): { sessions: number; origins: number } {
    const a = this.db.prepare('SELECT count(*) AS n FROM flow_sessions').get() as { n: number };
    const b = this.db.prepare('SELECT count(*) AS n FROM flow_origins').get() as { n: number };
    return { sessions: a.n, origins: b.n };
  }
}
