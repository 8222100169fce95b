/**
 * What the fingerprint index let go for its bound (maxFingerprints), kept as a bounded summary so a
 * copy of it going out is still asked about: a content-defined sample of the k-gram hashes of the
 * origins evicted (those whose low `level` bits are 0, so a copy of the text hits the same sampled
 * hashes). When the sample outgrows LET_GO_MAX the level rises (half the entries go, the rest still
 * cover longer copies); past LET_GO_LAST_LEVEL nothing precise is kept and `all` is set: every text
 * going out may then carry what was let go (the engine asks about it). Keyed hashes only.
 */

/** sampled k-gram hashes kept at most */
export const LET_GO_MAX = 8192;
/** the sparsest sample (one k-gram in 2^LET_GO_LAST_LEVEL); past it, `all` */
export const LET_GO_LAST_LEVEL = 10;
/** memory the summary may take (a number in a Set, ~48 bytes each): part of the session's reservation */
export const LET_GO_BYTES = LET_GO_MAX * 48;

/** the table's key of a window hash (its low 48 bits, as NumTable keeps keys) */
const TWO48 = 2 ** 48;
export function letGoKey(h: number): number {
  return h % TWO48;
}

export interface LetGoState {
  level: number;
  all?: boolean;
  origins: number;
  hashes: number[];
}

export class LetGoSummary {
  /** keep hashes whose low `level` bits are 0 */
  level = 0;
  /** let go beyond what is remembered: any text may carry it */
  all = false;
  /** origins let go */
  origins = 0;
  private readonly set = new Set<number>();

  get size(): number {
    return this.set.size;
  }

  /** Something was let go (and is remembered, or too much to remember). */
  get active(): boolean {
    return this.all || this.set.size > 0;
  }

  private qualifies(key: number): boolean {
    return this.level === 0 || key % 2 ** this.level === 0;
  }

  /** One k-gram key (low 48 bits) of an origin let go. */
  add(key: number): void {
    if (this.all || !this.qualifies(key)) return;
    this.set.add(key);
    while (this.set.size > LET_GO_MAX && !this.all) this.raise();
  }

  private raise(): void {
    if (this.level >= LET_GO_LAST_LEVEL) {
      this.all = true;
      this.set.clear();
      return;
    }
    this.level++;
    for (const k of [...this.set]) if (!this.qualifies(k)) this.set.delete(k);
  }

  /** Whether a k-gram key (low 48 bits) of an outgoing text is one of those let go. */
  has(key: number): boolean {
    return this.set.size > 0 && this.qualifies(key) && this.set.has(key);
  }

  approxBytes(): number {
    return this.set.size * 48;
  }

  toState(): LetGoState {
    return { level: this.level, ...(this.all ? { all: true } : {}), origins: this.origins, hashes: [...this.set] };
  }

  /** Put back a saved summary; anything malformed is taken as "let go beyond what is remembered". */
  restore(st: unknown): void {
    const x = st as Partial<LetGoState> | null;
    if (typeof x !== 'object' || x === null || !Array.isArray(x.hashes) || typeof x.level !== 'number' || x.level < 0 || x.level > LET_GO_LAST_LEVEL) {
      this.all = true;
      this.set.clear();
      return;
    }
    this.level = Math.max(this.level, Math.floor(x.level));
    this.origins = Math.max(this.origins, typeof x.origins === 'number' ? x.origins : 1);
    if (x.all === true) {
      this.all = true;
      this.set.clear();
      return;
    }
    for (const h of x.hashes) if (typeof h === 'number' && Number.isFinite(h)) this.add(h);
    for (const k of [...this.set]) if (!this.qualifies(k)) this.set.delete(k);
  }
}
