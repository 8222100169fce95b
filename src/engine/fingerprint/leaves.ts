/** The JSON walker: every string of a tool's input or output, at any depth, bounded. */

/**
 * Every string leaf of a JSON value (object keys excluded), depth- and size-bounded. `unique`: a string
 * that is there already is not taken again (nor counted against `maxChars`).
 */
export function stringLeaves(value: unknown, maxChars = 1_000_000, maxDepth = 100_000, unique = false): string[] {
  // Iterative (no recursion limit), object keys included: data can hide in a key, or 40 levels down.
  const out: string[] = [];
  let budget = maxChars;
  const taken = unique ? new Set<string>() : null;
  const push = (s: string): void => {
    if (taken) {
      if (taken.has(s)) return;
      taken.add(s);
    }
    const t = s.length > budget ? s.slice(0, budget) : s;
    budget -= t.length;
    if (t.length > 0) out.push(t);
  };
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0 && budget > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (depth > maxDepth) continue;
    if (typeof v === 'string') push(v);
    else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], depth + 1]);
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, x] = entries[i] as [string, unknown];
        stack.push([x, depth + 1]);
        // keys are names, mostly short; long ones are data (a key can carry a secret)
        if (k.length >= 16) stack.push([k, depth + 1]);
      }
    } else if (typeof v === 'number' && Number.isFinite(v) && Math.abs(v) >= 1e7) {
      // long numbers (account ids, card-like numbers) are data too
      push(String(v));
    }
  }
  return out;
}

/** Binary content found among a tool's output: recorded by its identity, never as text. */
export interface BinaryLeaf {
  /** the content as the tool gave it (base64, or the raw string) */
  value: string;
  /** what it is, for labels: `image/jpeg`, `application/pdf`, `binary` */
  kind: string;
}

/** Base64 prefixes of binary formats (JPEG, PNG, GIF, WebP/RIFF, PDF, ZIP, gzip, ICO, WOFF/2, TIFF, MP4/MOV ftyp, ELF, Mach-O, wasm, 7z). */
const BINARY_B64_MAGIC =
  /^(?:\/9j\/|iVBORw0KGg|R0lGOD|UklGR|JVBERi0|UEsDB|H4sI|AAABAA|d09GR|d09GMk|SUkqA|TU0AK|AAAA[A-Za-z0-9+/]ZnR5c|f0VMR|z\/rt\/|AGFzbQ|N3q8ryc)/;
const BINARY_MIME_RE = /^(?:image|audio|video|font)\/|^application\/(?:pdf|zip|gzip|x-|octet-stream|vnd\.|msword|wasm)/i;
/** shortest string checked for binary content (shorter ones are fingerprinted as text, as before) */
const BINARY_MIN = 256;
const BINARY_SAMPLE = 8192;

/**
 * Binary data in a string: base64 of a binary format (by its leading bytes), or raw bytes read as
 * text (more than 1 in 10 chars are control chars or U+FFFD replacement chars; tabs, newlines and
 * the NULs between `find -print0` names stay under that).
 */
export function binaryKind(s: string): string | null {
  if (s.length < BINARY_MIN) return null;
  const head = s.charCodeAt(0) === 100 ? s.replace(/^data:[\w.+-]+\/[\w.+-]+;base64,/, '') : s;
  if (BINARY_B64_MAGIC.test(head) && /^[A-Za-z0-9+/=\r\n]*$/.test(head.slice(0, BINARY_SAMPLE))) return 'binary (base64)';
  const n = Math.min(s.length, BINARY_SAMPLE);
  let odd = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 0xfffd || c === 127) odd++;
  }
  return odd * 10 > n ? 'binary' : null;
}

/**
 * stringLeaves for a tool's output, with its binary content apart: image and file shapes of
 * Claude Code (`{type: "image", file: {base64, type}}`, PDFs and other files the same way), MCP
 * content (`{type: "image"|"audio", data, mimeType}`, resources with a `blob`), and any string
 * binaryKind() calls binary. Binary leaves do not count against `maxChars`; each text is there once.
 */
export function contentLeaves(value: unknown, maxChars = 1_000_000): { texts: string[]; binaries: BinaryLeaf[] } {
  const binaries: BinaryLeaf[] = [];
  // first pass: take the binary leaves out (shapes, then strings), keep the rest for stringLeaves
  const strip = (v: unknown, depth: number): unknown => {
    if (depth > 64) return v;
    if (typeof v === 'string') {
      const k = binaryKind(v);
      if (k) {
        binaries.push({ value: v, kind: k });
        return undefined;
      }
      return v;
    }
    if (Array.isArray(v)) return v.map((x) => strip(x, depth + 1));
    if (v === null || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    const mime =
      typeof o.mimeType === 'string'
        ? o.mimeType
        : typeof o.media_type === 'string'
          ? o.media_type
          : typeof o.type === 'string' && o.type.includes('/')
            ? o.type
            : undefined;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) {
      const blobKey = k === 'base64' || k === 'blob' || (k === 'data' && (o.type === 'image' || o.type === 'audio' || o.type === 'base64'));
      if (typeof x === 'string' && x.length > 0 && (blobKey || (mime !== undefined && BINARY_MIME_RE.test(mime) && (k === 'data' || k === 'content')))) {
        binaries.push({ value: x, kind: mime ?? (o.type === 'image' ? 'image' : 'binary') });
        continue;
      }
      out[k] = strip(x, depth + 1);
    }
    return out;
  };
  // each text once: a TaskOutput's output and result are the same text, which is fingerprinted (and
  // counted against maxChars) once; a second copy would add nothing but work
  const texts = stringLeaves(strip(value, 0), maxChars, undefined, true);
  return { texts, binaries };
}
