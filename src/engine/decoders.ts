/**
 * Decoders: other views of an outgoing text (percent-decoded, base64-decoded, ...) that are
 * matched and scanned like the text itself. A decoder is a plug-in: name, cheap test, decode.
 * Bounded: at most `maxDepth` nested decodings and `maxChars` of produced text in total.
 */

export interface Decoder {
  name: string;
  /** cheap pre-test on the text */
  applies(s: string): boolean;
  /** the decoded text, or null when nothing decodes */
  decode(s: string): string | null;
}

export interface View {
  text: string;
  /** decoders applied, outermost first; empty for the raw text */
  via: string[];
}

const percent: Decoder = {
  name: 'url',
  applies: (s) => /%[0-9a-f]{2}/i.test(s) || (s.includes('+') && s.includes('=')),
  decode(s) {
    const out = s.replace(/\+/g, ' ').replace(/(?:%[0-9a-f]{2})+/gi, (m) => {
      try {
        return decodeURIComponent(m);
      } catch {
        return m.replace(/%([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
      }
    });
    return out === s ? null : out;
  },
};

const B64_RUN = /[A-Za-z0-9+/_-]{16,}={0,2}/g;

function printable(s: string): boolean {
  if (s.length === 0) return false;
  let bad = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 0xfffd) bad++;
  }
  return bad / s.length < 0.05;
}

const base64: Decoder = {
  name: 'base64',
  applies: (s) => /[A-Za-z0-9+/_-]{16,}/.test(s),
  decode(s) {
    let changed = false;
    const out = s.replace(B64_RUN, (run) => {
      const std = run.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
      if (std.length % 4 === 1) return run;
      const txt = Buffer.from(std, 'base64').toString('utf8');
      if (!printable(txt)) return run;
      changed = true;
      return txt;
    });
    return changed ? out : null;
  },
};

const hex: Decoder = {
  name: 'hex',
  applies: (s) => /(?:[0-9a-f]{2}){10,}/i.test(s),
  decode(s) {
    let changed = false;
    const out = s.replace(/(?:[0-9a-f]{2}){10,}/gi, (run) => {
      const txt = Buffer.from(run, 'hex').toString('utf8');
      if (!printable(txt)) return run;
      changed = true;
      return txt;
    });
    return changed ? out : null;
  },
};

export const DEFAULT_DECODERS: readonly Decoder[] = [percent, base64, hex];

/** The raw text plus every decoded view, breadth-first, bounded in depth and total size. */
export function views(text: string, decoders: readonly Decoder[] = DEFAULT_DECODERS, maxDepth = 3, maxChars = 4 * text.length + 4096): View[] {
  const out: View[] = [{ text, via: [] }];
  let budget = maxChars;
  let frontier: View[] = out.slice();
  for (let depth = 0; depth < maxDepth && frontier.length && budget > 0; depth++) {
    const next: View[] = [];
    for (const v of frontier) {
      for (const d of decoders) {
        if (budget <= 0) break;
        if (!d.applies(v.text)) continue;
        const t = d.decode(v.text);
        if (t === null || t.length === 0) continue;
        budget -= t.length;
        const nv = { text: t, via: [...v.via, d.name] };
        next.push(nv);
        out.push(nv);
      }
    }
    frontier = next;
  }
  return out;
}
