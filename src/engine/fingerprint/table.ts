/** A compact open-addressing hash table of integer keys (k-gram and token hashes) to origin ids. */

/**
 * Compact open-addressing hash table: integer keys (doubles up to 2^53) -> non-negative int32
 * values, with an optional 16-bit tag. A key is kept as its low 48 bits (a 32-bit and a 16-bit
 * array): two keys that differ only above bit 48 are one key here, which at 50k entries per session
 * happens by chance about once in 5e9 lookups for a k-gram and once in 2e7 for a token (whose low 8
 * bits are its length). Linear probing from a multiplicatively mixed home slot (keys whose low bits
 * are structured, like token keys, still spread), tombstones, load factor at most 3/4: 11 bytes a
 * slot with the filter (13 with tags).
 */
const EMPTY = -1;
const TOMB = -2;
const TWO32 = 4294967296;

/** Bits 32-47 of a key (its low 32 bits are `key >>> 0`). */
const hiOf = (key: number): number => Math.floor(key / TWO32) & 0xffff;
/** Home-slot mix of a key's low 32 bits and its next 16. */
const mix = (lo: number, hi: number): number => Math.imul(lo ^ Math.imul(hi, 0x27d4eb2d), 0x9e3779b1);

/**
 * A table's arrays for `cap` slots, as views of one buffer (vals filled with EMPTY). One allocation
 * rather than five: from 16,384 slots (176 KiB, over 6,144 entries) a table's buffer is above glibc's
 * mmap threshold (128 KiB, fixed by the sidecar's allocator env: daemon-args.ts), a mapping of its own
 * that goes back to the system when the session that held it is collected, instead of pages of the C
 * heap that stayed resident after every session expired (scripts/bench-rss.ts, 100 sessions x 9,300
 * fingerprints: the C heap after expiry 35-39 -> 20 MiB).
 */
function arraysOf(cap: number, withTags: boolean): { lo: Uint32Array; hi: Uint16Array; vals: Int32Array; tags: Uint16Array | null; filter: Uint8Array } {
  // 4-byte arrays first, then 2-byte, then bytes: every view aligned (cap is a power of two >= 16)
  const buf = new ArrayBuffer(cap * (withTags ? 13 : 11));
  const lo = new Uint32Array(buf, 0, cap);
  const vals = new Int32Array(buf, 4 * cap, cap).fill(EMPTY);
  const hi = new Uint16Array(buf, 8 * cap, cap);
  const tags = withTags ? new Uint16Array(buf, 10 * cap, cap) : null;
  const filter = new Uint8Array(buf, (withTags ? 12 : 10) * cap, cap);
  return { lo, hi, vals, tags, filter };
}

/** Live entries of a table while it clears its tombstones in place (see NumTable.rehashInPlace). */
const SCRATCH = { lo: new Uint32Array(16), hi: new Uint16Array(16), vals: new Int32Array(16), tags: new Uint16Array(16) };

export class NumTable {
  private lo: Uint32Array;
  private hi: Uint16Array;
  private vals: Int32Array; // EMPTY, TOMB or a value >= 0
  private tags: Uint16Array | null;
  private mask: number;
  private shift: number;
  /**
   * One bit per slot, set for the low bits of the mixed hash of every key ever stored since the
   * last rehash: most lookups of absent keys stop here, on a small array that stays in cache.
   */
  private filter: Uint8Array;
  size = 0;
  private filled = 0; // used + tombstones

  constructor(withTags = false, capacity = 16) {
    let cap = 16;
    while (cap * 3 < capacity * 4) cap *= 2;
    const a = arraysOf(cap, withTags);
    this.lo = a.lo;
    this.hi = a.hi;
    this.vals = a.vals;
    this.tags = a.tags;
    this.filter = a.filter;
    this.mask = cap - 1;
    this.shift = 32 - Math.log2(cap);
  }

  private slot(key: number): number {
    const klo = key >>> 0;
    const khi = hiOf(key);
    const m = mix(klo, khi);
    const f = m & (this.mask * 8 + 7);
    if (((this.filter[f >>> 3] as number) & (1 << (f & 7))) === 0) return -1;
    const lo = this.lo;
    const hi = this.hi;
    const vals = this.vals;
    const mask = this.mask;
    let i = m >>> this.shift;
    for (;;) {
      const v = vals[i] as number;
      if (v === EMPTY) return -1;
      if (v >= 0 && lo[i] === klo && hi[i] === khi) return i;
      i = (i + 1) & mask;
    }
  }

  has(key: number): boolean {
    return this.slot(key) >= 0;
  }

  /** value for key, or -1 */
  get(key: number): number {
    const i = this.slot(key);
    return i < 0 ? -1 : (this.vals[i] as number);
  }

  tag(key: number): number {
    const i = this.slot(key);
    return i < 0 || !this.tags ? -1 : (this.tags[i] as number);
  }

  /** Make room for `count` entries in all without further growth. */
  reserve(count: number): void {
    if ((this.filled + Math.max(0, count - this.size)) * 4 <= this.vals.length * 3) return;
    let cap = this.vals.length;
    while (count * 4 > cap * 3) cap *= 2;
    this.rehash(cap);
  }

  /** Insert or overwrite (val >= 0); returns the previous value or -1. */
  set(key: number, val: number, tag = 0): number {
    if ((this.filled + 1) * 4 > this.vals.length * 3) this.rehash((this.size + 1) * 2 > this.vals.length ? this.vals.length * 2 : this.vals.length);
    const klo = key >>> 0;
    const khi = hiOf(key);
    const lo = this.lo;
    const hi = this.hi;
    const vals = this.vals;
    const mask = this.mask;
    const m = mix(klo, khi);
    const f = m & (mask * 8 + 7);
    this.filter[f >>> 3] = (this.filter[f >>> 3] as number) | (1 << (f & 7));
    let i = m >>> this.shift;
    let tomb = -1;
    for (;;) {
      const v = vals[i] as number;
      if (v === EMPTY) break;
      if (v === TOMB) {
        if (tomb < 0) tomb = i;
      } else if (lo[i] === klo && hi[i] === khi) {
        vals[i] = val;
        if (this.tags) this.tags[i] = tag;
        return v;
      }
      i = (i + 1) & mask;
    }
    if (tomb >= 0) i = tomb;
    else this.filled++;
    lo[i] = klo;
    hi[i] = khi;
    vals[i] = val;
    if (this.tags) this.tags[i] = tag;
    this.size++;
    return -1;
  }

  /**
   * Insert keys[0..count) all with value `val` (no tags). Previous owners of overwritten keys are
   * counted into `lost` (owner -> count).
   */
  setMany(src: Float64Array, count: number, val: number, lost: Map<number, number>): void {
    this.reserve(this.size + count);
    const lo = this.lo;
    const hi = this.hi;
    const vals = this.vals;
    const mask = this.mask;
    const shift = this.shift;
    const filter = this.filter;
    const fmask = mask * 8 + 7;
    for (let j = 0; j < count; j++) {
      const key = src[j] as number;
      const klo = key >>> 0;
      const khi = hiOf(key);
      const mx = mix(klo, khi);
      const f = mx & fmask;
      filter[f >>> 3] = (filter[f >>> 3] as number) | (1 << (f & 7));
      let i = mx >>> shift;
      let tomb = -1;
      let v = 0;
      for (;;) {
        v = vals[i] as number;
        if (v === EMPTY) break;
        if (v === TOMB) {
          if (tomb < 0) tomb = i;
        } else if (lo[i] === klo && hi[i] === khi) break;
        i = (i + 1) & mask;
      }
      if (v >= 0) {
        if (v !== val) lost.set(v, (lost.get(v) ?? 0) + 1);
        vals[i] = val;
        continue;
      }
      if (tomb >= 0) i = tomb;
      else this.filled++;
      lo[i] = klo;
      hi[i] = khi;
      vals[i] = val;
      this.size++;
    }
  }

  /**
   * Delete every entry whose value is in `ids`, in one pass; returns how many. With `lows`, the low 8
   * bits of each deleted key that are below `lowBelow` are pushed onto it (token keys keep their
   * length there). With `each`, every deleted entry whose value is in `each.of` is passed to
   * `each.key` (its key as kept), in slot order: what eviction lets go of, without a pass of its own.
   *
   * The filter is left as it is: the bits of deleted keys stay set until the next rehash (which the
   * tombstones bring about, as they count towards the load factor), so it only says "maybe" of a few
   * more absent keys meanwhile (a lookup then probes and finds nothing). Rebuilding it here cost a
   * hash of every live key at every eviction.
   */
  deleteValues(ids: ReadonlySet<number>, lowBelow = 0, lows?: number[], each?: { of: ReadonlySet<number>; key: (key: number) => void }): number {
    const lo = this.lo;
    const hi = this.hi;
    const vals = this.vals;
    const one = ids.size === 1 ? (ids.values().next().value as number) : -1;
    let n = 0;
    for (let i = 0; i < vals.length; i++) {
      const v = vals[i] as number;
      if (v < 0 || (one >= 0 ? v !== one : !ids.has(v))) continue;
      vals[i] = TOMB;
      n++;
      if (lows && ((lo[i] as number) & 255) < lowBelow) lows.push((lo[i] as number) & 255);
      if (each?.of.has(v)) each.key((hi[i] as number) * TWO32 + (lo[i] as number));
    }
    this.size -= n;
    return n;
  }

  /** Delete every entry whose value is `val`; returns how many. */
  deleteValue(val: number): number {
    return this.deleteValues(new Set([val]));
  }

  /** How many entries each value has, added into `into` (value -> count). */
  countValues(into: Map<number, number>): void {
    const vals = this.vals;
    for (let i = 0; i < vals.length; i++) {
      const v = vals[i] as number;
      if (v >= 0) into.set(v, (into.get(v) ?? 0) + 1);
    }
  }

  /**
   * Count entries per value into `counts[value - base]` (values outside the array are not counted):
   * the counting pass of eviction over a dense range of origin ids, without a Map.
   */
  countValuesDense(counts: Int32Array, base: number): void {
    const vals = this.vals;
    const n = counts.length;
    for (let i = 0; i < vals.length; i++) {
      const j = (vals[i] as number) - base;
      if (j >= 0 && j < n) counts[j] = (counts[j] as number) + 1;
    }
  }

  /** Every entry; keys as kept (their low 48 bits). */
  forEach(cb: (key: number, val: number, tag: number) => void): void {
    for (let i = 0; i < this.vals.length; i++) {
      const v = this.vals[i] as number;
      if (v >= 0) cb((this.hi[i] as number) * TWO32 + (this.lo[i] as number), v, this.tags ? (this.tags[i] as number) : 0);
    }
  }

  private rehash(cap: number): void {
    if (cap === this.vals.length) {
      this.rehashInPlace();
      return;
    }
    const { lo, hi, vals, tags } = this;
    const a = arraysOf(cap, tags !== null);
    this.lo = a.lo;
    this.hi = a.hi;
    this.vals = a.vals;
    this.tags = a.tags;
    this.filter = a.filter;
    this.mask = cap - 1;
    this.shift = 32 - Math.log2(cap);
    this.size = 0;
    this.filled = 0;
    for (let i = 0; i < vals.length; i++) {
      if ((vals[i] as number) >= 0) this.set((hi[i] as number) * TWO32 + (lo[i] as number), vals[i] as number, tags ? (tags[i] as number) : 0);
    }
  }

  /**
   * Clear the tombstones without new arrays: the live entries are copied out to a scratch shared by
   * every table (one process-wide, as large as the largest table's entries) and put back in slot
   * order, which gives the same layout as a rehash into fresh arrays. A table at its fingerprint cap
   * evicts on most additions and filled up with tombstones every event or two: four fresh arrays
   * each time (~190 KiB a table) made the C allocator's heap grow with garbage it keeps after the
   * sessions expire.
   */
  private rehashInPlace(): void {
    const { lo, hi, vals, tags } = this;
    const n = this.size;
    if (SCRATCH.lo.length < n) {
      let len = SCRATCH.lo.length;
      while (len < n) len *= 2;
      SCRATCH.lo = new Uint32Array(len);
      SCRATCH.hi = new Uint16Array(len);
      SCRATCH.vals = new Int32Array(len);
      SCRATCH.tags = new Uint16Array(len);
    }
    const { lo: sl, hi: sh, vals: sv, tags: st } = SCRATCH;
    let j = 0;
    for (let i = 0; i < vals.length; i++) {
      const v = vals[i] as number;
      if (v < 0) continue;
      sl[j] = lo[i] as number;
      sh[j] = hi[i] as number;
      sv[j] = v;
      st[j] = tags ? (tags[i] as number) : 0;
      j++;
    }
    vals.fill(EMPTY);
    this.filter.fill(0);
    this.size = 0;
    this.filled = 0;
    for (let k = 0; k < j; k++) this.set((sh[k] as number) * TWO32 + (sl[k] as number), sv[k] as number, st[k] as number);
  }

  bytes(): number {
    return this.vals.length * (this.tags ? 13 : 11);
  }
}
