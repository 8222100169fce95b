/**
 * The README's list of secret-detector rules, generated from the rule table (src/engine/detector.ts).
 *   node --import tsx scripts/detector-rules.ts --write   (also run by `npm run docs`)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { RULES } from '../src/engine/detector.ts';

export const START = '<!-- detector-rules:start (npm run docs) -->';
export const END = '<!-- detector-rules:end -->';

/** Rules that find no provider's token but a kind of secret (context rules, generic ones). */
const GENERIC = new Set([
  'private-key',
  'jwt',
  'connection-string-password',
  'url-credentials',
  'basic-auth',
  'bearer-token',
  'dotenv-secret',
  'high-entropy-token',
  'aws-secret-access-key',
  'age-secret-key',
]);

export function detectorRulesText(): string {
  const labels = (generic: boolean): string[] => [...new Set(RULES.filter((r) => GENERIC.has(r.id) === generic).map((r) => r.label))];
  const provider = labels(false);
  const generic = labels(true);
  return [
    `${RULES.length} rules (${new Set(RULES.map((r) => r.id)).size} kinds of secret).`,
    '',
    `Provider tokens (${provider.length}): ${provider.join('; ')}.`,
    '',
    `By context or shape (${generic.length}): ${generic.join('; ')}.`,
  ].join('\n');
}

if (process.argv[1]?.endsWith('detector-rules.ts') && process.argv.includes('--write')) {
  const path = new URL('../README.md', import.meta.url);
  const text = readFileSync(path, 'utf8');
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error('README.md has no detector-rules markers');
  writeFileSync(path, text.slice(0, a + START.length) + '\n' + detectorRulesText() + '\n' + text.slice(b));
}
