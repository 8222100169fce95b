/**
 * The chars of a text as a typed array of codes, for scanners that look at every char: its bytes
 * when the text is ASCII (TextEncoder.encodeInto, fast), else its UTF-16 code units. Each caller
 * gets its own reused buffer; what it returns is valid until that caller's next call.
 */
export type RawCodes = (s: string) => Uint8Array | Uint16Array;

/** UTF-16LE bytes are the machine's own Uint16Array layout. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function rawCodesReader(): RawCodes {
  const enc = new TextEncoder();
  let raw8 = new Uint8Array(1 << 12);
  let raw16 = new Uint16Array(1 << 12);
  return (s: string): Uint8Array | Uint16Array => {
    if (raw8.length < s.length) raw8 = new Uint8Array(Math.max(s.length, raw8.length * 2));
    const r = enc.encodeInto(s, raw8);
    if (r.read === s.length && r.written === s.length) return raw8;
    if (raw16.length < s.length) raw16 = new Uint16Array(Math.max(s.length, raw16.length * 2));
    if (LITTLE_ENDIAN) {
      // the code units copied as they are (lone surrogates too), ~6x faster than a charCodeAt loop
      Buffer.from(raw16.buffer, raw16.byteOffset, s.length * 2).write(s, 0, s.length * 2, 'utf16le');
    } else for (let i = 0; i < s.length; i++) raw16[i] = s.charCodeAt(i);
    return raw16;
  };
}

/**
 * Every maximal run of chars of class `cl` (cl[code] === 1) in raw[0, len) that is at least `min`
 * long, as (start, end) pairs into `out` (room for 2 * (len / (min + 1) + 1) numbers); returns how
 * many runs. Probes every `min`-th char, so text made of short runs costs little.
 */
export function longRuns(raw: Uint8Array | Uint16Array, len: number, cl: Uint8Array, min: number, out: Int32Array): number {
  // one loop per array type: a loop that sees both (ASCII and other texts) runs 2-4x slower in V8
  return raw instanceof Uint8Array ? longRuns8(raw, len, cl, min, out) : longRuns16(raw, len, cl, min, out);
}

function longRuns8(raw: Uint8Array, len: number, cl: Uint8Array, min: number, out: Int32Array): number {
  let o = 0;
  let i = 0; // i is 0 or raw[i - 1] is not in the class
  while (i + min <= len) {
    const p = i + min - 1;
    if (cl[raw[p] as number] !== 1) {
      i = p + 1;
      continue;
    }
    let a = p;
    while (a > i && cl[raw[a - 1] as number] === 1) a--;
    let b = p + 1;
    while (b < len && cl[raw[b] as number] === 1) b++;
    if (b - a >= min) {
      out[o++] = a;
      out[o++] = b;
    }
    i = b + 1;
  }
  return o >> 1;
}

/** longRuns8 for UTF-16 code units (the same loop, kept apart so that each sees one array type). */
function longRuns16(raw: Uint16Array, len: number, cl: Uint8Array, min: number, out: Int32Array): number {
  let o = 0;
  let i = 0; // i is 0 or raw[i - 1] is not in the class
  while (i + min <= len) {
    const p = i + min - 1;
    if (cl[raw[p] as number] !== 1) {
      i = p + 1;
      continue;
    }
    let a = p;
    while (a > i && cl[raw[a - 1] as number] === 1) a--;
    let b = p + 1;
    while (b < len && cl[raw[b] as number] === 1) b++;
    if (b - a >= min) {
      out[o++] = a;
      out[o++] = b;
    }
    i = b + 1;
  }
  return o >> 1;
}
