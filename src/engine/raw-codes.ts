/**
 * The chars of a text as a typed array of codes, for scanners that look at every char: its bytes
 * when the text is ASCII (TextEncoder.encodeInto, fast), else its UTF-16 code units. Each caller
 * gets its own reused buffer; what it returns is valid until that caller's next call.
 */
export type RawCodes = (s: string) => Uint8Array | Uint16Array;

export function rawCodesReader(): RawCodes {
  const enc = new TextEncoder();
  let raw8 = new Uint8Array(1 << 12);
  let raw16 = new Uint16Array(1 << 12);
  return (s: string): Uint8Array | Uint16Array => {
    if (raw8.length < s.length) raw8 = new Uint8Array(Math.max(s.length, raw8.length * 2));
    const r = enc.encodeInto(s, raw8);
    if (r.read === s.length && r.written === s.length) return raw8;
    if (raw16.length < s.length) raw16 = new Uint16Array(Math.max(s.length, raw16.length * 2));
    for (let i = 0; i < s.length; i++) raw16[i] = s.charCodeAt(i);
    return raw16;
  };
}
