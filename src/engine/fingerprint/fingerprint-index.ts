/**
 * The per-session fingerprint index: records what internal tools returned (k-grams, lines, tokens,
 * secret fragments) per origin, bounded with eviction, and matches outgoing text against it.
 */
import {
  ANCHOR,
  DENSE_MAX,
  FRAG,
  FRAGMENT_MAX_SECRET,
  FRAGMENT_MAX_SECRETS,
  FRAGMENT_MAX_WINDOWS,
  FRAGMENT_MIN_ENTROPY,
  FRAGMENT_MIN_SECRET,
  K,
  MAX_LINES_PER_ANCHOR,
  MAX_TOKEN,
  MAX_TOKENS_PER_ANCHOR,
  MIN_TOKEN,
  W,
  WINNOW_MAX,
  type TokenKind,
  type TokenSpec,
} from './constants.ts';
import { DeltaWriter, OP_BINARY, OP_KGRAMS, OP_LINES, OP_PRECIOUS, OP_SECRET, OP_TOKENS, type IndexDelta } from './delta.ts';
import type { BinaryLeaf } from './leaves.ts';
import type { Hasher } from './hash.ts';
import { CODES, EXCL, HS, LINEBUF, LINE_COUNT, MARK, SEL, ensure, normInto, normRecord, normSmall, normalize, rawCodes } from './normalize.ts';
import { NumTable } from './table.ts';
import { LetGoSummary, letGoKey } from './let-go.ts';
import { KIND_EMAIL, KIND_TOKEN, SPANS, SPAN_KIND, entropyOf, isAlpha, isDigit, tokenSpans } from './tokens.ts';

/** What one origin's content matched in an outgoing text. */
export interface OriginMatch {
  originId: number;
  /** normalised chars of the outgoing text covered by matches with this origin */
  covered: number;
  /** the same, without k-gram and line matches that lie inside `softExclude` ranges */
  coveredOutside: number;
  /** labels of secret / card tokens matched */
  sensitiveLabels: string[];
  /** true if a distinctive token (e-mail, random id) matched */
  distinctive: boolean;
  /** hashes of the k-grams that matched (at most 256), to tell a new chunk from a repeated one */
  kgramHashes: number[];
}

/** Pieces of one indexed secret found in an outgoing text. */
export interface FragmentHit {
  /** index-wide id of the secret */
  secretId: number;
  originId: number;
  label: string;
  /** normalised length of the secret */
  length: number;
  /** covered [start, end) ranges of the secret, merged, sorted */
  ranges: Array<[number, number]>;
}

export interface MatchOptions {
  /**
   * Ranges [start, end) of the outgoing text (raw offsets, sorted) whose k-gram and line matches
   * do not count as coverage (e.g. the scheme://host/path of URLs); secret, card, e-mail and
   * distinctive-token matches inside them still count.
   */
  softExclude?: ReadonlyArray<readonly [number, number]>;
}

export interface MatchResult {
  origins: OriginMatch[];
  fragments: FragmentHit[];
  /** distinct k-grams of the text (outside soft-excluded chars) that are in the summary of origins let go (absent: none) */
  letGo?: number;
}

const KINDS: TokenKind[] = ['line', 'token', 'email', 'card', 'secret'];
const labelIds = new Map<string, number>();
const labelNames: string[] = [];
function labelId(label: string): number {
  let id = labelIds.get(label);
  if (id === undefined) {
    id = labelNames.length;
    if (id >= 0x1fff) return 0;
    labelIds.set(label, id);
    labelNames.push(label);
  }
  return id;
}

function rank(k: TokenKind): number {
  return k === 'secret' ? 4 : k === 'card' ? 3 : k === 'token' || k === 'email' ? 2 : 1;
}

/** Token key: the hash of a token and its length folded into one 53-bit integer. */
const tokenKey = (h: number, len: number): number => (h % 35184372088832) * 256 + (len & 255);

interface SecretEntry {
  originId: number;
  label: string;
  length: number;
  alive: boolean;
}

/** Growable parallel arrays: token candidates reached through an anchor. */
class Candidates {
  key = new Float64Array(64);
  len = new Uint16Array(64);
  next = new Int32Array(64);
  kind = new Uint8Array(64);
  n = 0;
  push(key: number, len: number, next: number, kind: number): number {
    if (this.n === this.key.length) {
      const grow = <T extends Float64Array | Uint16Array | Int32Array | Uint8Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(a.length * 2);
        b.set(a);
        return b;
      };
      this.key = grow(this.key);
      this.len = grow(this.len);
      this.next = grow(this.next);
      this.kind = grow(this.kind);
    }
    const i = this.n++;
    this.key[i] = key;
    this.len[i] = len;
    this.next[i] = next;
    this.kind[i] = kind;
    return i;
  }
}

/**
 * Per-session fingerprint index: hash -> origin. Bounded by `maxEntries` (k-grams + tokens); when
 * over, origins are evicted oldest first, origins without sensitive content before sensitive ones
 * (their fingerprints removed unless a newer origin re-used them).
 */
export class FingerprintIndex {
  private readonly kgrams = new NumTable();
  private readonly tokens = new NumTable(true); // tag = kind << 13 | label id
  /** anchor (hash of a token's first ANCHOR chars) -> head of its candidate list */
  private anchors = new NumTable();
  private cands = new Candidates();
  /** tokens shorter than ANCHOR (short secrets): length -> count; matched by one roll per length */
  private readonly shortLens = new Map<number, number>();
  /** origin id -> fingerprints it owns, in insertion (age) order */
  private readonly owned = new Map<number, number>();
  /** origins holding a secret or card token (evicted last) */
  private readonly precious = new Set<number>();
  /** secret fragments: hash of a FRAG-char window -> secretId << 12 | offset */
  private readonly frags = new NumTable();
  private readonly secrets: SecretEntry[] = [];
  /** binary contents (images, PDFs, raw bytes): identity key (keyed hash of the content) -> origin */
  private readonly binaries = new NumTable();
  /**
   * A secret read that a bound of the fragment table left out (FRAGMENT_MAX_SECRETS secrets,
   * FRAGMENT_MAX_WINDOWS windows, FRAGMENT_MAX_SECRET chars), in words: a piece of it going out
   * cannot be recognised, so the engine asks about any text that could be one (split_limit).
   */
  fragCut: string | undefined;
  /** a bounded summary of the k-grams of origins evicted (let-go.ts): a copy of them is still asked about */
  readonly letGo = new LetGoSummary();
  /** whether an evicted origin's k-grams go into the summary (the session leaves out data that came from outside) */
  summarize: (originId: number) => boolean = () => true;

  constructor(
    private readonly hasher: Hasher,
    private readonly maxEntries: number,
  ) {}

  get size(): number {
    return this.kgrams.size + this.tokens.size + this.binaries.size;
  }

  /** Binary contents held (images, PDFs …: by identity). */
  get binaryCount(): number {
    return this.binaries.size;
  }

  get originCount(): number {
    return this.owned.size;
  }

  /** Fragment windows held (secrets sent in pieces). */
  get fragmentCount(): number {
    return this.frags.size;
  }

  /**
   * Record the content of one origin. `extraTokens` are detector findings etc. Returns fingerprints
   * added. With `record`, what the add did is kept (hashes only) as `lastDelta`, for replay().
   */
  add(
    originId: number,
    texts: string[],
    extraTokens: TokenSpec[],
    opts: { precious?: boolean; record?: boolean; binaries?: readonly BinaryLeaf[]; prepared?: readonly (PreparedText | undefined)[] } = {},
  ): number {
    let total = 0;
    for (const text of texts) total += text.length;
    const rec = opts.record ? new DeltaWriter(total >> 3) : null;
    const st = this.begin(originId, opts.precious === true);
    const h = this.hasher;
    const addToken = (value: string, kind: TokenKind, label: string): void => {
      if (value.length > 4 * MAX_TOKEN) return;
      const n = normSmall(value);
      if (n < (kind === 'secret' ? 6 : MIN_TOKEN) || n > MAX_TOKEN) return;
      const key = tokenKey(h.hashCodes(0, n), n);
      const anchor = n < ANCHOR ? -1 : h.hashCodes(0, ANCHOR);
      const k = KINDS.indexOf(kind);
      rec?.token(key, n, anchor, k, label);
      if (this.applyToken(originId, key, n, anchor, k, labelId(label), st.lost)) st.added++;
    };
    for (const t of extraTokens) {
      addToken(t.value, t.kind, t.label);
      if (t.kind === 'secret') this.addSecret(originId, t.value, t.label, false, rec);
    }
    // binary content: its identity only (a Read of a 490 KB JPEG is one key, not 650 KB of text)
    for (const b of opts.binaries ?? []) {
      const key = binaryKey(h, b.value);
      rec?.binary(key);
      const prev = this.binaries.set(key, originId);
      if (prev >= 0 && prev !== originId) st.lost.set(prev, (st.lost.get(prev) ?? 0) + 1);
      if (prev !== originId) st.added++;
    }
    let cards = 0;
    // dense when the whole origin is small (an upper bound on its normalised size is enough);
    // winnowed up to WINNOW_MAX; beyond that sampled, and so sparsely that one origin takes at most
    // half of the index (a 1 MB log must not evict everything read before it)
    const { dense, sampleMask } = addMode(texts, this.maxEntries);
    const tokenLabel = labelId((SPAN_KIND[KIND_TOKEN] as { label: string }).label);
    const emailLabel = labelId((SPAN_KIND[KIND_EMAIL] as { label: string }).label);
    for (let ti = 0; ti < texts.length; ti++) {
      const text = texts[ti] as string;
      // the pure part (normalising, hashing), done ahead when the caller prepared it for this mode
      const given = opts.prepared?.[ti];
      const p = given && given.text === text && given.dense === dense && given.sampleMask === sampleMask ? given : prepareText(h, text, dense, sampleMask);
      st.added += this.applyPrepared(originId, p, st.lost, rec);
      this.tokens.reserve(this.tokens.size + p.spans + p.cardToks.length);
      // e-mails and identifiers hashed where they stand in the text (no strings made)
      const sp = p.spanOps;
      for (let k = 0; k < sp.length; k += 4) {
        const kind = sp[k + 3] as number;
        const key = sp[k] as number;
        const len = sp[k + 1] as number;
        const anchor = sp[k + 2] as number;
        rec?.token(key, len, anchor, kind, (SPAN_KIND[kind] as { label: string }).label);
        if (this.applyToken(originId, key, len, anchor, kind, kind === KIND_EMAIL ? emailLabel : tokenLabel, st.lost)) st.added++;
      }
      for (const t of p.cardToks) {
        addToken(t.value, t.kind, t.label);
        cards++;
        if (t.value === t.value.replace(/[ -]/g, '')) this.addSecret(originId, t.value, t.label, true, rec);
      }
    }
    this.lastCards = cards;
    if (cards > 0) {
      this.precious.add(originId);
      rec?.precious();
    }
    this.lastDelta = rec ? rec.finish() : null;
    return this.finish(originId, st);
  }

  /** card-like numbers found by the last add() */
  lastCards = 0;
  /** what the last add() did, when it was asked to record it */
  lastDelta: IndexDelta | null = null;

  /**
   * Apply again what an add() did (its recorded delta), e.g. after a restart: the same fingerprints,
   * tokens and secret fragments, with the same eviction. Returns fingerprints added.
   */
  replay(originId: number, delta: IndexDelta, precious: boolean): number {
    const st = this.begin(originId, precious);
    const ops = delta.ops;
    const label = (i: number): string => delta.labels[i] ?? 'data';
    // saved data may be damaged: every count is checked against what is left before it is used
    const need = (k: number, at: number): void => {
      if (!Number.isInteger(k) || k < 0 || at + k > ops.length) throw new Error(`bad fingerprint delta: ${k} numbers wanted at ${at} of ${ops.length}`);
    };
    let i = 0;
    while (i < ops.length) {
      const op = ops[i++] as number;
      need(op === OP_PRECIOUS ? 0 : op === OP_SECRET ? 4 : 1, i); // (OP_BINARY: its key)
      if (op === OP_TOKENS) {
        const count = ops[i++] as number;
        need(count * 3, i);
        for (let k = 0; k < count; k++, i += 3) {
          const packed = ops[i + 2] as number;
          const n = packed % 512;
          const kind = Math.floor(packed / 512) % 8;
          const l = Math.floor(packed / 4096);
          if (this.applyToken(originId, ops[i] as number, n, ops[i + 1] as number, kind, labelId(label(l)), st.lost)) st.added++;
        }
      } else if (op === OP_KGRAMS) {
        const m = ops[i++] as number;
        need(m, i);
        this.kgrams.setMany(ops.subarray(i, i + m), m, originId, st.lost);
        st.added += m;
        i += m;
      } else if (op === OP_LINES) {
        const count = ops[i++] as number;
        need(count * 3, i);
        for (let k = 0; k < count; k++, i += 3) if (this.applyLine(originId, ops[i] as number, ops[i + 2] as number, ops[i + 1] as number, st.lost)) st.added++;
      } else if (op === OP_SECRET) {
        const [id, l, n, count] = [ops[i], ops[i + 1], ops[i + 2], ops[i + 3]] as number[];
        i += 4;
        need(2 * (count as number), i);
        if (!Number.isInteger(id) || (id as number) < 0 || !Number.isInteger(n)) throw new Error(`bad fingerprint delta: secret at ${i - 4}`);
        this.applySecret(originId, id as number, label(l as number), n as number, ops.subarray(i, i + 2 * (count as number)));
        i += 2 * (count as number);
      } else if (op === OP_PRECIOUS) {
        this.precious.add(originId);
      } else if (op === OP_BINARY) {
        const prev = this.binaries.set(ops[i++] as number, originId);
        if (prev >= 0 && prev !== originId) st.lost.set(prev, (st.lost.get(prev) ?? 0) + 1);
        if (prev !== originId) st.added++;
      } else {
        throw new Error(`bad fingerprint delta: op ${op} at ${i - 1}`);
      }
    }
    return this.finish(originId, st);
  }

  private begin(originId: number, precious: boolean): { added: number; lost: Map<number, number> } {
    this.owned.set(originId, 0);
    if (precious) this.precious.add(originId);
    return { added: 0, lost: new Map() };
  }

  private finish(originId: number, st: { added: number; lost: Map<number, number> }): number {
    this.owned.set(originId, (this.owned.get(originId) ?? 0) + st.added);
    for (const [o, d] of st.lost) if (this.owned.has(o)) this.owned.set(o, (this.owned.get(o) as number) - d);
    this.evict();
    return st.added;
  }

  /** A token (hashed): kept unless a stronger kind from a live origin holds its key. True if added. */
  private applyToken(originId: number, key: number, n: number, anchor: number, kind: number, label: number, lost: Map<number, number>): boolean {
    const prevTag = this.tokens.tag(key);
    if (prevTag >= 0) {
      const prevOrigin = this.tokens.get(key);
      const prevRank = rank(KINDS[prevTag >> 13] as TokenKind);
      const r = rank(KINDS[kind] as TokenKind);
      // a stronger kind is never overwritten by a weaker one from a newer origin
      if (prevOrigin !== originId && prevRank > r && this.owned.has(prevOrigin)) return false;
      if (prevOrigin === originId && prevRank >= r) return false;
    } else if (n < ANCHOR) {
      // a new token: reachable through its anchor (or, if short, through its length)
      this.shortLens.set(n, (this.shortLens.get(n) ?? 0) + 1);
    } else {
      const head = this.anchors.get(anchor);
      const kk = KINDS[kind];
      if (kk !== 'secret' && kk !== 'card' && head >= 0) {
        // many tokens with one prefix (JWTs all start `eyJhbGci`): bound the work per position
        const cap = kk === 'line' ? MAX_LINES_PER_ANCHOR : MAX_TOKENS_PER_ANCHOR;
        let chain = 0;
        for (let c = head; c >= 0 && chain <= cap; c = this.cands.next[c] as number) chain++;
        if (chain > cap) return false;
      }
      this.anchors.set(anchor, this.cands.push(key, n, head, kind));
    }
    const prev = this.tokens.set(key, originId, (kind << 13) | label);
    if (prev >= 0) lost.set(prev, (lost.get(prev) ?? 0) + 1);
    return true;
  }

  /** The k-grams and short lines prepareText computed for one text, into the index. Returns fingerprints added. */
  private applyPrepared(originId: number, p: PreparedText, lost: Map<number, number>, rec: DeltaWriter | null): number {
    let added = 0;
    if (p.kgrams.length > 0) {
      rec?.kgrams(p.kgrams, p.kgrams.length);
      this.kgrams.setMany(p.kgrams, p.kgrams.length, originId, lost);
      added += p.kgrams.length;
    }
    const lo = p.lineOps;
    for (let k = 0; k < lo.length; k += 3) {
      rec?.line(lo[k] as number, lo[k + 1] as number, lo[k + 2] as number);
      if (this.applyLine(originId, lo[k] as number, lo[k + 1] as number, lo[k + 2] as number, lost)) added++;
    }
    return added;
  }

  private applyLine(originId: number, key: number, len: number, anchor: number, lost: Map<number, number>): boolean {
    const prevTag = this.tokens.tag(key);
    if (prevTag >= 0) {
      const prevOrigin = this.tokens.get(key);
      if (prevOrigin === originId || (rank(KINDS[prevTag >> 13] as TokenKind) > 1 && this.owned.has(prevOrigin))) return false;
    } else {
      const head = this.anchors.get(anchor);
      if (head >= 0) {
        let chain = 0;
        for (let c = head; c >= 0 && chain <= MAX_LINES_PER_ANCHOR; c = this.cands.next[c] as number) chain++;
        if (chain > MAX_LINES_PER_ANCHOR) return false;
      }
      this.anchors.set(anchor, this.cands.push(key, len, head, 0));
    }
    const prev = this.tokens.set(key, originId, labelId('line'));
    if (prev >= 0) lost.set(prev, (lost.get(prev) ?? 0) + 1);
    return true;
  }

  /**
   * Index every FRAG-char window of a high-entropy secret, or of a card number (`card`: digits), but
   * not the windows that look like words or fixed prefixes.
   */
  private addSecret(originId: number, value: string, label: string, card: boolean, rec: DeltaWriter | null): void {
    const norm = normalize(value);
    const n = norm.length;
    if (card ? n < 13 || !/^[0-9]+$/.test(norm) : n < FRAGMENT_MIN_SECRET || entropyOf(norm) < FRAGMENT_MIN_ENTROPY) return;
    if (n > FRAGMENT_MAX_SECRET) {
      this.fragCut ??= `a secret of more than the ${FRAGMENT_MAX_SECRET.toLocaleString('en-US')} characters whose pieces are looked for`;
      return;
    }
    if (this.secrets.length >= FRAGMENT_MAX_SECRETS || this.frags.size >= FRAGMENT_MAX_WINDOWS) {
      this.fragCut ??= this.fullText();
      return;
    }
    ensure(n);
    for (let i = 0; i < n; i++) CODES[i] = norm.charCodeAt(i);
    this.hasher.prefix(n);
    const windows = new Float64Array(2 * (n - FRAG + 1));
    let w = 0;
    for (let i = 0; i + FRAG <= n; i++) {
      if (!fragmentWorthy(norm, i, card)) continue;
      windows[w++] = this.hasher.at(i, FRAG);
      windows[w++] = i;
    }
    const id = this.applySecret(originId, this.secrets.length, label, n, windows.subarray(0, w));
    if (id >= 0) rec?.secret(id, label, n, windows.subarray(0, w));
  }

  private fullText(): string {
    return `more secrets than the ${FRAGMENT_MAX_SECRETS.toLocaleString('en-US')} (${FRAGMENT_MAX_WINDOWS.toLocaleString('en-US')} windows) whose pieces are looked for`;
  }

  /** Fragment windows (hash, offset pairs) of secret `id`. Returns the id, or -1 if nothing was kept. */
  private applySecret(originId: number, id: number, label: string, n: number, windows: Float64Array): number {
    if (id < this.secrets.length) return -1;
    if (id >= FRAGMENT_MAX_SECRETS || this.frags.size >= FRAGMENT_MAX_WINDOWS) {
      this.fragCut ??= this.fullText();
      return -1;
    }
    let kept = 0;
    for (let j = 0; j < windows.length; j += 2) {
      const hh = windows[j] as number;
      if (this.frags.has(hh)) continue;
      this.frags.set(hh, (id << 12) | (windows[j + 1] as number));
      kept++;
    }
    if (kept === 0) return -1;
    // ids are stable across replay: secrets not replayed (their origin gone) leave dead entries
    while (this.secrets.length < id) this.secrets.push({ originId: -1, label: '', length: 0, alive: false });
    this.secrets.push({ originId, label, length: n, alive: true });
    return id;
  }

  /**
   * Oldest first; origins without secrets / cards before those with them; until the index fits or
   * one origin is left. The first origin goes by itself (usually enough). When more must go, what
   * each origin holds is counted in one pass and they are removed together, in one pass per table
   * (one by one, a 1 MB output that evicts 50 origins scanned every table 50 times): the same
   * origins go, in the same order, and the candidate lists are compacted at the same points, so the
   * index ends in the same state as removing them one at a time.
   */
  private evict(): void {
    if (this.size <= this.maxEntries) return;
    // origin id - base -> entries in every table / in the token table (origin ids are small and
    // dense: a session numbers them 1, 2, 3 …; values outside the live range are never asked for)
    let all: Int32Array | null = null;
    let toks: Int32Array | null = null;
    let base = 0;
    let first = true;
    for (const pass of [false, true]) {
      const batch = new Set<number>();
      let size = this.size;
      let tokens = this.tokens.size;
      let origins = this.owned.size;
      for (const id of [...this.owned.keys()]) {
        if (size <= this.maxEntries || origins <= 1) break;
        if (this.precious.has(id) !== pass) continue;
        if (!all || !toks) {
          if (first) {
            first = false;
            this.removeOrigins(new Set([id]));
            size = this.size;
            tokens = this.tokens.size;
            origins = this.owned.size;
            continue;
          }
          let lo = Number.POSITIVE_INFINITY;
          let hi = Number.NEGATIVE_INFINITY;
          for (const o of this.owned.keys()) {
            if (o < lo) lo = o;
            if (o > hi) hi = o;
          }
          base = lo;
          toks = new Int32Array(hi - lo + 1);
          this.tokens.countValuesDense(toks, base);
          all = toks.slice();
          this.kgrams.countValuesDense(all, base);
          if (this.binaries.size) this.binaries.countValuesDense(all, base);
        }
        batch.add(id);
        const before = tokens;
        size -= all[id - base] as number;
        tokens -= toks[id - base] as number;
        origins--;
        // removing it one by one would compact the candidate lists here: do it at the same point
        if (before > 0 && this.cands.n > 2 * tokens + 256) {
          this.removeOrigins(batch);
          batch.clear();
        }
      }
      if (batch.size) this.removeOrigins(batch);
      if (this.size <= this.maxEntries || this.owned.size <= 1) return;
    }
  }

  private removeOrigins(ids: ReadonlySet<number>): void {
    // what they held is let go: its k-grams (those no newer origin re-used) go into the summary
    const kept = new Set<number>();
    for (const id of ids) if (this.summarize(id)) kept.add(id);
    if (kept.size) this.letGo.origins += kept.size;
    const lg = this.letGo;
    this.kgrams.deleteValues(ids, 0, undefined, kept.size ? { of: kept, key: (key) => lg.add(key) } : undefined);
    if (this.binaries.size) this.binaries.deleteValues(ids);
    if (this.tokens.size) {
      const lens: number[] = [];
      this.tokens.deleteValues(ids, ANCHOR, lens);
      for (const len of lens) {
        const n = (this.shortLens.get(len) ?? 1) - 1;
        if (n <= 0) this.shortLens.delete(len);
        else this.shortLens.set(len, n);
      }
      // candidates of deleted tokens are skipped at match time; compact when most are dead
      if (this.cands.n > 2 * this.tokens.size + 256) this.compactCandidates();
    }
    for (const s of this.secrets) if (ids.has(s.originId)) s.alive = false;
    for (const id of ids) {
      this.owned.delete(id);
      this.precious.delete(id);
    }
  }

  private compactCandidates(): void {
    const old = this.cands;
    const anchorOf = new Float64Array(old.n);
    this.anchors.forEach((a, head) => {
      for (let c = head; c >= 0; c = old.next[c] as number) anchorOf[c] = a;
    });
    // new, right-sized tables (a cleared one would keep the capacity of its busiest moment)
    this.anchors = new NumTable(false, this.tokens.size);
    this.cands = new Candidates();
    for (let c = 0; c < old.n; c++) {
      const key = old.key[c] as number;
      if (!this.tokens.has(key)) continue;
      const a = anchorOf[c] as number;
      this.anchors.set(a, this.cands.push(key, old.len[c] as number, this.anchors.get(a), old.kind[c] as number));
    }
  }

  /** False once an origin has been evicted. */
  hasOrigin(id: number): boolean {
    return this.owned.has(id);
  }

  /** Match one outgoing text against every stored fingerprint. */
  match(text: string, opts: MatchOptions = {}): OriginMatch[] {
    return this.matchAll(text, opts).origins;
  }

  /** Match one outgoing text: origins it shares content with, and pieces of indexed secrets in it. */
  matchAll(text: string, opts: MatchOptions = {}): MatchResult {
    const res: MatchResult = { origins: [], fragments: [] };
    const lg = this.letGo.size > 0 ? this.letGo : null;
    if (this.size === 0 && this.frags.size === 0 && !lg) return res;
    const n = normInto(text, opts.softExclude);
    if (n === 0) return res;
    const h = this.hasher;
    h.prefix(n);
    // spans per origin: flat [start, end, hard(0/1)] triples
    const spans = new Map<number, number[]>();
    const found = new Map<number, OriginMatch>();
    const get = (id: number): [OriginMatch, number[]] => {
      let r = found.get(id);
      let sp = spans.get(id);
      if (!r || !sp) {
        r = { originId: id, covered: 0, coveredOutside: 0, sensitiveLabels: [], distinctive: false, kgramHashes: [] };
        sp = [];
        found.set(id, r);
        spans.set(id, sp);
      }
      return [r, sp];
    };
    // a binary content read earlier, sent again as base64 (wrapped or not)
    const binHits = this.binaries.size > 0 ? this.binaryRuns(text) : null;
    if (binHits) for (const id of binHits.keys()) get(id)[0].distinctive = true;
    const kg = this.kgrams;
    if ((kg.size > 0 || lg) && n >= K) {
      const m = h.windows(n, K, HS);
      const hs = HS;
      let hits: Set<number> | null = null;
      for (let i = 0; i < m; i++) {
        const hh = hs[i] as number;
        const id = kg.size > 0 ? kg.get(hh) : -1;
        if (id < 0) {
          if (lg && EXCL[i] === 0) {
            const key = letGoKey(hh);
            if (lg.has(key)) (hits ??= new Set()).add(key);
          }
          continue;
        }
        const [r, sp] = get(id);
        sp.push(i, i + K, 0);
        if (r.kgramHashes.length < 256) r.kgramHashes.push(hh);
      }
      if (hits) res.letGo = hits.size;
    }
    const onToken = (key: number, i: number, len: number): void => {
      const id = this.tokens.get(key);
      if (id < 0) return;
      const tag = this.tokens.tag(key);
      const kind = KINDS[tag >> 13] as TokenKind;
      const [r, sp] = get(id);
      sp.push(i, i + len, kind === 'line' ? 0 : 1);
      if (kind === 'secret' || kind === 'card') {
        const label = labelNames[tag & 0x1fff] ?? kind;
        if (!r.sensitiveLabels.includes(label)) r.sensitiveLabels.push(label);
      } else if (kind === 'email' || kind === 'token') {
        r.distinctive = true;
      }
    };
    // tokens through their anchors; secret fragments through the same window hashes
    const anchorsOn = this.anchors.size > 0;
    const fragsOn = this.frags.size > 0;
    let fragHits: Map<number, number[]> | undefined;
    if (anchorsOn && n >= ANCHOR) {
      const cands = this.cands;
      const m = h.windows(n, ANCHOR, HS);
      const hs = HS;
      const anchors = this.anchors;
      for (let i = 0; i < m; i++) {
        for (let c = anchors.get(hs[i] as number); c >= 0; c = cands.next[c] as number) {
          const len = cands.len[c] as number;
          if (i + len > n) continue;
          const key = cands.key[c] as number;
          if (tokenKey(h.at(i, len), len) === key) onToken(key, i, len);
        }
      }
    }
    if (fragsOn && n >= FRAG) {
      const m = h.windows(n, FRAG, HS);
      const hs = HS;
      const frags = this.frags;
      for (let i = 0; i < m; i++) {
        {
          const v = frags.get(hs[i] as number);
          if (v >= 0) {
            fragHits ??= new Map();
            const sid = v >>> 12;
            let l = fragHits.get(sid);
            if (!l) fragHits.set(sid, (l = []));
            l.push(v & 0xfff);
          }
        }
      }
    }
    for (const len of this.shortLens.keys()) {
      for (let i = 0; i + len <= n; i++) onToken(tokenKey(h.at(i, len), len), i, len);
    }
    // coverage: union of spans; soft spans (k-grams, lines) not over excluded chars
    const mark = MARK;
    const excl = EXCL;
    for (const [id, r] of found) {
      const sp = spans.get(id) as number[];
      // MARK bit 1: counted in `covered`; bit 2: counted in `coveredOutside`
      let covered = 0;
      let outside = 0;
      for (let s = 0; s < sp.length; s += 3) {
        const a = sp[s] as number;
        const b = sp[s + 1] as number;
        const hard = sp[s + 2] === 1;
        for (let i = a; i < b; i++) {
          const mk = mark[i] as number;
          if ((mk & 1) === 0) {
            covered++;
            mark[i] = mk | 1;
          }
          if ((mk & 2) === 0 && (hard || excl[i] === 0)) {
            outside++;
            mark[i] = (mark[i] as number) | 2;
          }
        }
      }
      for (let s = 0; s < sp.length; s += 3) MARK.fill(0, sp[s] as number, sp[s + 1] as number);
      const bin = binHits?.get(id) ?? 0;
      r.covered = covered + bin;
      r.coveredOutside = outside + bin;
      if (covered > 0 || r.sensitiveLabels.length || r.distinctive) res.origins.push(r);
    }
    if (fragHits) {
      for (const [sid, offs] of fragHits) {
        const s = this.secrets[sid];
        if (!s?.alive) continue;
        offs.sort((x, y) => x - y);
        const ranges: Array<[number, number]> = [];
        for (const o of offs) {
          const last = ranges[ranges.length - 1];
          if (last && o <= last[1]) last[1] = Math.max(last[1], o + FRAG);
          else ranges.push([o, o + FRAG]);
        }
        res.fragments.push({ secretId: sid, originId: s.originId, label: s.label, length: s.length, ranges });
      }
    }
    return res;
  }

  /** Base64 runs of the text (BINARY_MIN_RUN chars or more) whose content is a recorded binary: origin -> chars. */
  private binaryRuns(text: string): Map<number, number> | null {
    let hits: Map<number, number> | null = null;
    BASE64_RUN_RE.lastIndex = 0;
    for (const m of text.matchAll(BASE64_RUN_RE)) {
      const id = this.binaries.get(binaryKey(this.hasher, m[0]));
      if (id < 0) continue;
      hits ??= new Map();
      hits.set(id, (hits.get(id) ?? 0) + m[0].length);
    }
    return hits;
  }

  /** Memory held by the tables, in bytes (for status / bounds reporting). */
  approxBytes(): number {
    return (
      this.kgrams.bytes() +
      this.tokens.bytes() +
      this.binaries.bytes() +
      this.anchors.bytes() +
      this.cands.key.length * 15 +
      this.frags.bytes() +
      this.owned.size * 40 +
      this.secrets.length * 64 +
      this.letGo.approxBytes()
    );
  }
}

/**
 * A fragment window worth indexing (on the normalised, lower-case value): it holds a digit and a
 * letter and at least 4 distinct chars; for a card number, at least 3 distinct digits. Windows such
 * as `passwd`, `sk_liv`, `-----b` are words or fixed prefixes shared by every secret of a kind, not
 * evidence of this one secret.
 */
function fragmentWorthy(norm: string, i: number, card: boolean): boolean {
  let digit = false;
  let alpha = false;
  let distinct = 0;
  for (let k = i; k < i + FRAG; k++) {
    const c = norm.charCodeAt(k);
    if (isDigit(c)) digit = true;
    else if (isAlpha(c)) alpha = true;
    let dup = false;
    for (let j = i; j < k && !dup; j++) dup = norm.charCodeAt(j) === c;
    if (!dup) distinct++;
  }
  return card ? digit && distinct >= 3 : digit && alpha && distinct >= 4;
}

/** shortest base64 run of an outgoing text looked up as a binary content */
const BINARY_MIN_RUN = 1024;
const BASE64_RUN_RE = new RegExp(`[A-Za-z0-9+/][A-Za-z0-9+/\\r\\n]{${BINARY_MIN_RUN - 1},}={0,2}`, 'g');

/**
 * The identity of a binary content: the keyed hash of its base64 (data: prefix, line breaks and
 * padding dropped), so the same bytes sent out again as base64, wrapped or not, have the same key;
 * raw (non-base64) content is hashed as it is.
 */
function binaryKey(h: Hasher, value: string): number {
  let v = value.charCodeAt(0) === 100 ? value.replace(/^data:[\w.+-]+\/[\w.+-]+;base64,/, '') : value;
  if (/^[A-Za-z0-9+/=\r\n]*$/.test(v.slice(0, 4096))) v = v.replace(/[\r\n]+/g, '').replace(/=+$/, '');
  return h.hash(v);
}

/**
 * How add() fingerprints an origin of these texts: dense when the whole origin is small (an upper
 * bound on its normalised size is enough); winnowed up to WINNOW_MAX; beyond that sampled, and so
 * sparsely that one origin takes at most half of an index of `maxEntries` (a 1 MB log must not
 * evict everything read before it). Depends on the texts' lengths alone.
 */
export function addMode(texts: readonly string[], maxEntries: number): { dense: boolean; sampleMask: number } {
  let total = 0;
  for (const text of texts) total += text.length;
  const dense = total <= DENSE_MAX;
  let sampleMask = -1;
  const half = Math.max(1024, maxEntries >> 1);
  if (!dense && (total > WINNOW_MAX || (total * 2) / (W + 1) > half)) {
    sampleMask = 3;
    while (total / (sampleMask + 1) > half && sampleMask < 0xffff) sampleMask = sampleMask * 2 + 1;
  }
  return { dense, sampleMask };
}

/** What add() inserts for one text, computed apart from any index (prepareText). */
export interface PreparedText {
  readonly text: string;
  readonly dense: boolean;
  readonly sampleMask: number;
  /** k-gram hashes selected */
  readonly kgrams: Float64Array;
  /** short lines kept whole: key, len, anchor */
  readonly lineOps: readonly number[];
  /** e-mails and identifiers: key, len, anchor, kind */
  readonly spanOps: readonly number[];
  /** spans found (the token table is grown for them and the card numbers at once) */
  readonly spans: number;
  readonly cardToks: readonly TokenSpec[];
}

/**
 * The pure, costly part of adding a text to an index (normalising it, hashing its k-grams, short
 * lines, e-mails and identifiers) for a given mode (addMode) and hasher, copied out of the shared
 * scratch buffers: work that can be done ahead, between other events, with the same hashes as
 * add() computing them itself (add() takes what is prepared only for the same text and mode).
 */
export function prepareText(h: Hasher, text: string, dense: boolean, sampleMask: number): PreparedText {
  const steps = prepareTextSteps(h, text, dense, sampleMask);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** Windows a step of prepareTextSteps hashes (a sampled text's k-grams are hashed in pieces of this many). */
export const KGRAM_PIECE = 64 * 1024;

/**
 * prepareText in steps (the caller may run other work between them: nothing is kept in the shared
 * scratch buffers across a yield). The first step normalises the text and finds its lines, e-mails
 * and identifiers; a sampled text's k-grams (every text longer than WINNOW_MAX) are then hashed
 * KGRAM_PIECE windows per step, over a copy of its normalised codes.
 */
export function* prepareTextSteps(h: Hasher, text: string, dense: boolean, sampleMask: number): Generator<void, PreparedText, void> {
  const raw = rawCodes(text);
  const n = normRecord(text, raw);
  const cardToks: TokenSpec[] = [];
  const spans = tokenSpans(text, raw, cardToks);
  let kgrams = EMPTY;
  /** a sampled text's normalised codes, hashed in pieces after this step */
  let pieces: Uint16Array | null = null;
  const lineOps: number[] = [];
  const line = (start: number, len: number, mask: number): void => {
    const hh = h.hashCodes(start, len);
    if (mask >= 0 && hh % (mask + 1) !== 0) return;
    lineOps.push(tokenKey(hh, len), len, h.hashCodes(start, ANCHOR));
  };
  if (n >= 12) {
    if (n >= K) {
      if (sampleMask >= 0) pieces = CODES.slice(0, n);
      else {
        // kgrams() may grow SEL: read it after
        const m = h.kgrams(n, dense, sampleMask);
        kgrams = SEL.slice(0, m);
      }
      // short lines are below the k-gram size: keep them whole (sampled like the k-grams when those are)
      let start = 0;
      const lc = LINE_COUNT;
      for (let k = 0; k <= lc; k++) {
        const end = k < lc ? (LINEBUF[k] as number) : n;
        const len = end - start;
        if (len >= 12 && len < K) line(start, len, sampleMask);
        start = end;
      }
    } else {
      line(0, n, -1);
    }
  }
  // e-mails and identifiers hashed where they stand in the text (no strings made)
  const spanOps: number[] = [];
  const spanBuf = SPANS; // (grown by tokenSpans: read after it)
  for (let k = 0; k < spans; k++) {
    const kind = spanBuf[k * 3 + 2] as number;
    const len = h.rawSpan(raw, spanBuf[k * 3] as number, spanBuf[k * 3 + 1] as number);
    if (len < MIN_TOKEN || len > MAX_TOKEN) continue;
    spanOps.push(tokenKey(h.spanHash, len), len, len < ANCHOR ? -1 : h.spanAnchor, kind);
  }
  if (pieces) {
    const sel: number[] = [];
    const n = pieces.length;
    for (let from = 0; from < n - K + 1; from += KGRAM_PIECE) {
      yield;
      h.kgramsSampledRange(pieces, n, from, from + KGRAM_PIECE, sampleMask, sel);
    }
    kgrams = Float64Array.from(sel);
  }
  return { text, dense, sampleMask, kgrams, lineOps, spanOps, spans, cardToks };
}

const EMPTY = new Float64Array(0);
