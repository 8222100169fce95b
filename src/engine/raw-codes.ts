/**
 * The chars of a text as a typed array of codes, for scanners that look at every char: its UTF-16
 * code units, whatever the text. Each caller gets its own reused buffer; what it returns is valid
 * until that caller's next call.
 *
 * One array type for every text. ASCII texts used to be read as bytes (TextEncoder.encodeInto) and
 * the others as code units, with a loop per type: a non-ASCII text was encoded to UTF-8 to the end
 * before that was known (twice per output: the detector and the fingerprints each read it), the
 * code-unit loops were cold when the first large non-ASCII output came, and the functions that take
 * either kind were deoptimised by it. Copying the code units (Buffer.write 'utf16le') is as fast
 * for an ASCII text as encoding it was (0.1 ms vs 0.4 ms for 700 K chars), and the scans over 16-bit
 * codes as fast as over bytes; the replay's 699 KB non-ASCII output was decided ~7 ms sooner.
 */
export type RawCodes = (s: string) => Uint16Array;

/** UTF-16LE bytes are the machine's own Uint16Array layout. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function rawCodesReader(): RawCodes {
  let raw16 = new Uint16Array(1 << 12);
  return (s: string): Uint16Array => {
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
export function longRuns(raw: Uint16Array, len: number, cl: Uint8Array, min: number, out: Int32Array): number {
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
