/**
 * Record-level matching: the cells of the personal rows a tool returned (a customer, a patient, an
 * account holder), so that several values of ONE row in one outgoing text count as that record
 * leaving, even when each value alone is short and ordinary (a name, a city, an amount). A name
 * alone is weak evidence and a city alone is none; a name, the city and the lifetime value of the
 * same customer together are that customer's record.
 *
 * Cells are kept as keyed hashes of their normalised words (lower-cased, split at anything but
 * letters, digits and `.@'+-`, joined by one space), never as text. An outgoing text is looked up
 * by its runs of 1 to MAX_CELL_WORDS words. Bounded: MAX_CELLS cells per session (oldest rows go
 * first), MAX_ROWS_PER_CELL rows per value (a value shared by more rows tells no row apart).
 * A row let go for the bound is counted (`forgotten`) and its personal cells (who it is about) are
 * kept, up to MAX_LOST (4,096): a text sent out that names one of them is asked about instead of matched
 * (fail closed: a flood of junk rows cannot make the session forget a customer read before), and past
 * MAX_LOST every text sent out is. Keeping some rows over others instead would not help: whoever
 * floods can make the junk look like whatever is kept first. The rows of an origin evicted from the
 * fingerprint index are let go the same way. An output whose rows were not all read (structured.ts
 * RowsRead.cut: more rows than it reads) leaves the index `cut`: every text sent out is asked about.
 * Pure. Saved with the session, per origin (exportOrigin / restoreOrigin): keyed hashes, as the index;
 * the personal cells of rows let go (lostCells) and the cut with the session's state.
 */
import type { Hasher } from './hash.ts';
import type { RowCell } from './structured.ts';

/** cells of personal rows kept per session */
export const MAX_CELLS = 8192;
/** rows one cell value may point to (beyond that the value is common: it tells no row apart) */
export const MAX_ROWS_PER_CELL = 8;
/** longest cell looked for, in words */
export const MAX_CELL_WORDS = 4;
/** personal cells of rows let go that are kept (to ask about a text naming one); past it, every text is asked about */
export const MAX_LOST = 4096;
/** Memory the record index of one session may hold beyond its cells: the personal cells of rows let go. */
export const LOST_BYTES = MAX_LOST * 64;
/** characters of one outgoing text looked at for records (the rest is not: see the engine's record_limit) */
export const ROW_MATCH_CHARS = 256 * 1024;
/** distinct columns of one row that make a record, one of them saying who the row is about */
export const RECORD_MIN_CELLS = 3;

const WORD = /[\p{L}\p{N}][\p{L}\p{N}.@'+-]*/gu;
/** values too common to count as a cell of anyone's record */
const COMMON = new Set(['true', 'false', 'null', 'none', 'yes', 'no', 'n/a', 'active', 'inactive', 'pending', 'unknown', 'default']);

/** The words of a text, normalised (trailing dots and quotes of a sentence dropped). */
function wordsOf(s: string): string[] {
  const out: string[] = [];
  for (const m of s.toLowerCase().matchAll(WORD)) {
    const w = m[0].replace(/[.'+-]+$/, '');
    if (w.length > 0) out.push(w);
  }
  return out;
}

/** A cell worth matching: a value of 3 to 64 chars, not a small number, not a common word. */
function cellKey(value: string): string | null {
  const w = wordsOf(value);
  if (w.length === 0 || w.length > MAX_CELL_WORDS) return null;
  const k = w.join(' ');
  if (k.length < 3 || k.length > 64 || COMMON.has(k)) return null;
  if (/^\d{1,3}$/.test(k)) return null; // counts, ages, small ids: everywhere
  return k;
}

/** column numbers kept per row (name columns are one; wider rows share the last) */
const COLUMNS = 32;
const rowOf = (x: number): number => Math.floor(x / (2 * COLUMNS));

/** A row as the index keeps it: its cells' keyed hashes, and for each its column * 2 + personal. */
export type HashedRow = [number[], number[]];

/** A row's cells hashed (the costly part of adding it: done ahead, in steps, for a large output). */
export function hashRow(hasher: Hasher, row: readonly RowCell[]): HashedRow {
  const hashes: number[] = [];
  const codes: number[] = [];
  for (const c of row) {
    const k = cellKey(c.value);
    if (k === null) continue;
    hashes.push(hasher.hash(k));
    codes.push(Math.min(c.column, COLUMNS - 1) * 2 + (c.personal ? 1 : 0));
  }
  return [hashes, codes];
}

/** rows hashed between two steps of hashRowSteps (~1 ms) */
const ROWS_PER_STEP = 500;

/** The rows of an output hashed into `out`, yielding between slices of ROWS_PER_STEP rows. */
export function* hashRowSteps(hasher: Hasher, rows: readonly RowCell[][], out: HashedRow[]): Generator<void, void, void> {
  for (let i = 0; i < rows.length; i++) {
    if (i > 0 && i % ROWS_PER_STEP === 0) yield;
    out.push(hashRow(hasher, rows[i] as RowCell[]));
  }
}

/** One record found in an outgoing text: the origin whose row it is, and how many of its cells. */
export interface RecordHit {
  originId: number;
  /** rows of that origin matched as records */
  rows: number;
  /** columns matched in the best row */
  cells: number;
}

export class RowIndex {
  /** cell hash -> rows it is in (each `(row * COLUMNS + column) * 2 + personal`) */
  private readonly cells = new Map<number, number[]>();
  /** row id -> origin id, in insertion order; and the cell hashes of each row (for eviction) */
  private readonly rowOrigin = new Map<number, number>();
  private readonly rowCells = new Map<number, number[]>();
  private nextRow = 0;
  private size = 0;
  /** rows let go for the MAX_CELLS bound (not with their origin): records the index no longer matches */
  forgotten = 0;
  /** the personal cells (who a row is about) of rows let go, up to MAX_LOST: a text naming one is asked about */
  private readonly lost = new Set<number>();
  /** more personal cells let go than MAX_LOST keeps: any text sent out may hold one */
  lostAll = false;
  /** an output whose personal rows were not all read, and the bound (`Bash(psql …): more than the 20,000 rows read per output`): any text sent out may hold one */
  cut: string | undefined;

  constructor(private readonly hasher: Hasher) {}

  get cellCount(): number {
    return this.size;
  }

  /** Record the personal rows of one origin. */
  add(originId: number, rows: readonly RowCell[][]): void {
    this.addHashed(
      originId,
      rows.map((r) => hashRow(this.hasher, r)),
    );
  }

  /**
   * Record the personal rows of one origin, hashed (hashRow). The rows of an output larger than the
   * index that would be let go at once are let go without being put in (the same rows, less work).
   */
  addHashed(originId: number, rows: readonly HashedRow[]): void {
    let from = 0;
    let cells = 0;
    for (let i = rows.length - 1; i >= 0; i--) {
      cells += (rows[i] as HashedRow)[0].length;
      if (cells > MAX_CELLS) {
        from = i + 1;
        break;
      }
    }
    for (let i = 0; i < from; i++) {
      const [hashes, codes] = rows[i] as HashedRow;
      const columns = new Set<number>();
      for (const c of codes) columns.add(c >> 1);
      if (columns.size < RECORD_MIN_CELLS) continue; // not a record: never kept
      for (let j = 0; j < hashes.length && !this.lostAll; j++) if ((codes[j] as number) % 2 === 1) this.loseCell(hashes[j] as number);
      this.forgotten++;
    }
    for (let i = from; i < rows.length; i++) {
      const [hashes, codes] = rows[i] as HashedRow;
      this.addRow(originId, hashes, codes);
    }
    this.bound();
  }

  /** Keep a personal cell of a row let go (past MAX_LOST: every text is asked about). */
  private loseCell(h: number): void {
    if (this.lost.has(h)) return;
    if (this.lost.size >= MAX_LOST) this.lostAll = true;
    else this.lost.add(h);
  }

  /** One row: its cells' hashes, and for each its column * 2 + personal. */
  private addRow(originId: number, cellHashes: readonly number[], codes: readonly number[]): void {
    const seen = new Set<number>();
    const hashes: number[] = [];
    const columns = new Set<number>();
    const id = this.nextRow++;
    for (let i = 0; i < cellHashes.length; i++) {
      const h = cellHashes[i] as number;
      const code = codes[i] as number;
      if (seen.has(h)) continue;
      seen.add(h);
      const list = this.cells.get(h) ?? [];
      if (list.length >= MAX_ROWS_PER_CELL) continue;
      list.push(id * COLUMNS * 2 + code);
      this.cells.set(h, list);
      hashes.push(h);
      columns.add(code >> 1);
      this.size++;
    }
    // fewer columns than a record needs: nothing to match
    if (columns.size < RECORD_MIN_CELLS) {
      this.dropCells(id, hashes);
      return;
    }
    this.rowOrigin.set(id, originId);
    this.rowCells.set(id, hashes);
  }

  /** Past MAX_CELLS the oldest rows go; who each was about is kept (MAX_LOST), and they are counted (not when put back: the count was saved). */
  private bound(count = true): void {
    while (this.size > MAX_CELLS && this.rowOrigin.size > 0) this.letGo(this.rowOrigin.keys().next().value as number, count);
  }

  /** Let a row go: who it was about is kept (MAX_LOST), and it is counted (`count`). */
  private letGo(id: number, count: boolean): void {
    for (const h of this.rowCells.get(id) ?? []) {
      if (this.lostAll) break;
      if (this.cells.get(h)?.some((x) => rowOf(x) === id && x % 2 === 1)) this.loseCell(h);
    }
    this.dropRow(id);
    if (count) this.forgotten++;
  }

  /** An output's personal rows were not all read (`why`: which output, which bound): every text sent out is asked about. */
  cutOff(why: string): void {
    this.cut ??= why;
  }

  /** The personal cells of rows let go, for saving (keyed hashes). */
  lostCells(): number[] {
    return [...this.lost];
  }

  /** Put back the personal cells of rows let go before a restart. */
  restoreLost(cells: readonly number[]): void {
    for (const h of cells) {
      if (typeof h !== 'number') throw new Error('bad let-go record cells');
      if (this.lost.size >= MAX_LOST) {
        this.lostAll = true;
        break;
      }
      this.lost.add(h);
    }
  }

  /** A personal cell of a row let go (a name, an e-mail address) in this text. */
  namesLost(text: string): boolean {
    if (this.lost.size === 0) return false;
    const w = wordsOf(text.length > ROW_MATCH_CHARS ? text.slice(0, ROW_MATCH_CHARS) : text);
    for (let i = 0; i < w.length; i++) {
      let k = '';
      for (let n = 1; n <= MAX_CELL_WORDS && i + n <= w.length; n++) {
        k = n === 1 ? (w[i] as string) : `${k} ${w[i + n - 1]}`;
        if (k.length > 64) break;
        if (k.length >= 3 && this.lost.has(this.hasher.hash(k))) return true;
      }
    }
    return false;
  }

  /** The rows of one origin, for saving: per row, its cells' hashes and their column * 2 + personal. */
  exportOrigin(originId: number): Array<[number[], number[]]> {
    const out: Array<[number[], number[]]> = [];
    for (const [id, o] of this.rowOrigin) {
      if (o !== originId) continue;
      const hashes: number[] = [];
      const codes: number[] = [];
      for (const h of this.rowCells.get(id) ?? []) {
        const x = this.cells.get(h)?.find((v) => rowOf(v) === id);
        if (x === undefined) continue;
        hashes.push(h);
        codes.push(x % (2 * COLUMNS));
      }
      out.push([hashes, codes]);
    }
    return out;
  }

  /** Put back the rows of an origin saved before a restart (in the order the origins came). */
  restoreOrigin(originId: number, rows: ReadonlyArray<readonly [readonly number[], readonly number[]]>): void {
    for (const [hashes, codes] of rows) {
      if (!Array.isArray(hashes) || !Array.isArray(codes) || hashes.length !== codes.length) throw new Error(`origin ${originId}: bad record cells`);
      this.addRow(originId, hashes, codes);
    }
    this.bound(false);
  }

  private dropCells(id: number, hashes: number[]): void {
    for (const h of hashes) {
      const list = this.cells.get(h);
      if (!list) continue;
      const rest = list.filter((x) => rowOf(x) !== id);
      this.size -= list.length - rest.length;
      if (rest.length) this.cells.set(h, rest);
      else this.cells.delete(h);
    }
  }

  private dropRow(id: number): void {
    this.dropCells(id, this.rowCells.get(id) ?? []);
    this.rowOrigin.delete(id);
    this.rowCells.delete(id);
  }

  /**
   * Rows of an origin evicted from the fingerprint index go with it, let go as for the bound (who
   * each was about is kept): the index's eviction must not make the session forget a customer.
   */
  removeOrigin(originId: number): void {
    for (const [id, o] of [...this.rowOrigin]) if (o === originId) this.letGo(id, true);
  }

  /** Records of this index in an outgoing text: values of RECORD_MIN_CELLS columns of one row, one of them personal. */
  match(text: string): RecordHit[] {
    if (this.size === 0) return [];
    const w = wordsOf(text.length > ROW_MATCH_CHARS ? text.slice(0, ROW_MATCH_CHARS) : text);
    // row id -> [columns matched, a personal column among them]
    const got = new Map<number, [Set<number>, boolean]>();
    for (let i = 0; i < w.length; i++) {
      let k = '';
      for (let n = 1; n <= MAX_CELL_WORDS && i + n <= w.length; n++) {
        k = n === 1 ? (w[i] as string) : `${k} ${w[i + n - 1]}`;
        if (k.length > 64) break;
        if (k.length < 3) continue;
        const h = this.hasher.hash(k);
        const rows = this.cells.get(h);
        if (!rows) continue;
        for (const x of rows) {
          const id = rowOf(x);
          let g = got.get(id);
          if (!g) got.set(id, (g = [new Set(), false]));
          // columns, not cells: a first and a last name are one value (the name), not two
          g[0].add(Math.floor(x / 2) % COLUMNS);
          if (x % 2 === 1) g[1] = true;
        }
      }
    }
    const byOrigin = new Map<number, RecordHit>();
    for (const [id, [cells, personal]] of got) {
      if (cells.size < RECORD_MIN_CELLS || !personal) continue;
      const o = this.rowOrigin.get(id);
      if (o === undefined) continue;
      const r = byOrigin.get(o) ?? { originId: o, rows: 0, cells: 0 };
      r.rows++;
      r.cells = Math.max(r.cells, cells.size);
      byOrigin.set(o, r);
    }
    return [...byOrigin.values()];
  }

  approxBytes(): number {
    return this.size * 56 + this.rowOrigin.size * 80 + this.lost.size * 40;
  }
}
