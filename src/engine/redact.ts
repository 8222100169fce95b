/** Redaction: replace every secret the detector finds with a marker, for anything we print or log. */
import { scanText } from './detector.ts';

export function redact(text: string): string {
  const fs = scanText(text);
  if (fs.length === 0) return text;
  let out = '';
  let at = 0;
  for (const f of fs) {
    if (f.start < at) continue;
    out += text.slice(at, f.start) + `[REDACTED ${f.ruleId}]`;
    at = f.end;
  }
  return out + text.slice(at);
}
