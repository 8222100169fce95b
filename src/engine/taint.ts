/**
 * Taint: which data a file holds once something is written to it. The origin a written text
 * carries (strongest first: a secret, a distinctive token, MIN_COVERAGE chars of an origin), and
 * what a file-writing tool input writes.
 */
import { views } from './decoders.ts';
import { scanText } from './detector.ts';
import type { Session } from './flow-tracker.ts';

/** Outgoing (or written) content must share this many normalised chars with a non-sensitive origin to count. */
export const MIN_COVERAGE = 40;

const uniq = <T>(xs: T[]): T[] => [...new Set(xs)];

/** The origin whose data a text carries (secret, card, distinctive token, or MIN_COVERAGE chars), strongest first. */
export function strongestSource(s: Session, text: string): { label: string; at: number; sensitive: string[] } | undefined {
  let best: { label: string; at: number; sensitive: string[]; rank: number } | undefined;
  for (const v of views(text)) {
    for (const m of s.index.match(v.text)) {
      const o = s.origins.get(m.originId);
      if (!o || o.cls === 'external') continue;
      const sensitive = m.sensitiveLabels.length ? m.sensitiveLabels : o.sensitive.length && m.covered >= MIN_COVERAGE ? o.sensitive : [];
      const rank = sensitive.length ? 3 : m.distinctive ? 2 : m.covered >= MIN_COVERAGE ? 1 : 0;
      if (rank > 0 && (!best || rank > best.rank)) best = { label: o.label, at: o.at, sensitive: [...sensitive], rank };
    }
  }
  if (!best || best.rank < 3) {
    // a secret no origin explains (typed in, or read outside our view)
    const secrets = scanText(text).filter((f) => f.severity !== 'medium');
    if (secrets.length) return { label: 'a secret written into the file', at: 0, sensitive: uniq(secrets.map((f) => f.label)) };
  }
  return best;
}

/** The text a Write / Edit / MultiEdit / NotebookEdit input writes into its file. */
export function writtenContent(input: Record<string, unknown>): string {
  if (typeof input.content === 'string') return input.content;
  if (typeof input.new_string === 'string') return input.new_string;
  if (typeof input.new_source === 'string') return input.new_source;
  if (Array.isArray(input.edits))
    return input.edits
      .map((e) => (e && typeof (e as Record<string, unknown>).new_string === 'string' ? (e as Record<string, string>).new_string : ''))
      .join('\n');
  return '';
}
