/** Prints the config reference as a markdown table; `--write` puts it into README.md between its markers. */
import { readFileSync, writeFileSync } from 'node:fs';
import { configDocs } from '../src/config/index.ts';

export function configTable(): string {
  const rows = configDocs().map((d) => `| \`${d.key}\` | \`${d.def}\` | ${d.doc.replace(/\|/g, '\\|')} |`);
  return ['| key | default | what it does |', '|---|---|---|', ...rows].join('\n');
}

export const START = '<!-- config-table:start (npm run docs) -->';
export const END = '<!-- config-table:end -->';

if (process.argv[1]?.endsWith('config-table.ts')) {
  if (process.argv.includes('--write')) {
    const file = new URL('../README.md', import.meta.url);
    const text = readFileSync(file, 'utf8');
    const a = text.indexOf(START);
    const b = text.indexOf(END);
    if (a < 0 || b < a) throw new Error('README.md has no config-table markers');
    writeFileSync(file, text.slice(0, a + START.length) + '\n' + configTable() + '\n' + text.slice(b));
  } else process.stdout.write(configTable() + '\n');
}
