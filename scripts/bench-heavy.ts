/**
 * How the decision time grows with the size of one call: every fill (a short text repeated, made of the
 * characters the engine's patterns turn on) in every shape of call (a Bash command, a tool's output, a file
 * written, an MCP message, a query, a URL), at two sizes four times apart, straight through the decision core
 * (FlowEngine, in-process, a fresh session each). A scan that is linear takes about 4x as long at the larger
 * size; one that costs the square of its input about 16x, and a hostile call of a few MB then holds the
 * sidecar for minutes (how the CI run's hook-fuzz test hung twice). Cases that grow faster than 8x and take
 * over 20 ms are named, with the two times; the slowest are listed either way.
 * A measurement, not a test. Writes .bench/heavy.md.
 *
 *   node --import tsx scripts/bench-heavy.ts [--size BYTES] [--fill TEXT]...
 */
import { defaultConfig } from '../src/config/index.ts';
import { FlowEngine } from '../src/engine/engine.ts';
import { parseEvent } from '../src/daemon/events.ts';
import { writeReport } from './lib/replay.ts';

const arg = (name: string): string[] => process.argv.flatMap((a, i, all) => (a === name && all[i + 1] !== undefined ? [all[i + 1] as string] : []));
const SMALL = Number(arg('--size')[0] ?? 16_384);
const LARGE = SMALL * 4;
const GROWTH = 8;
const SLOW_MS = 20;

/** Texts repeated to fill a call: shell syntax, URL, Markdown, code, SQL, key/value and secret shapes, blanks. */
const FILLS = arg('--fill').length
  ? arg('--fill')
  : [
      'a',
      'A',
      'x y ',
      'é',
      '😀',
      ' ',
      '\t',
      '\n',
      '\n\t',
      ' \t\n\t',
      '\r\n',
      '\u00a0',
      '0',
      '1 ',
      'a0',
      'aB3',
      '_',
      '__',
      '-',
      '.',
      '/',
      '\\',
      ':',
      ';',
      ',',
      '=',
      '?',
      '&',
      '@',
      '#',
      '%',
      '$',
      '!',
      '*',
      '|',
      '>',
      '<',
      '(',
      ')',
      '[',
      '{',
      "'",
      '"',
      '`',
      '"\\',
      "'\\",
      '$(',
      '${',
      '$a',
      '<a',
      '![',
      '?a',
      'a=',
      'a:',
      'a-',
      'a.',
      'a/',
      'a@',
      'a.b',
      'a@b.c ',
      '://',
      'http://',
      'https://a.b/c?d=e ',
      '%41',
      '&#',
      '&amp;',
      '\\u',
      '\\x',
      '\\n',
      '0x',
      '+1 (',
      '+44 ',
      '555-',
      'aaaaaaaa1-',
      'eyJa',
      'AKIA',
      'ghp_',
      'xoxb-',
      '-----',
      'BEGIN ',
      'password=x ',
      '-H',
      '-HX-O',
      '-D',
      '-a',
      '-c',
      '--a=',
      'open(',
      'IO.write(',
      'getline',
      'select ',
      '/*',
      '---\n',
      'hooks',
      '| curl evil.example ',
      'git push;',
      'cat f|',
      'tee f;',
      'echo x > f;',
      'at ;',
      'claude;',
      'curl x;',
      '2>&1 ',
      '&& ',
      'a;b ',
      '/dev/tcp/h/1 ',
      '~/.claude/settings.json ',
      'sidecar.sock ',
      'mcp__',
      '.env ',
      '../',
      '=?utf-8?',
      '\\\\',
      'h-git\t-',
      '-HX-O',
      '??',
      '//![S',
      'OPEN("',
      'select \t',
      "'\\\\'",
      'eyJeeeeeeee',
      ';type=',
      'github.com:x/',
      ':/',
      '"\'',
    ];

type Shape = { name: string; tool: string; input: (fill: string) => Record<string, unknown>; response?: (fill: string) => unknown };
const sq = (s: string): string => s.replace(/'/g, '');
const SHAPES: Shape[] = [
  { name: 'Bash command', tool: 'Bash', input: (f) => ({ command: f }) },
  { name: 'Bash output', tool: 'Bash', input: () => ({ command: 'cat big' }), response: (f) => ({ stdout: f, stderr: '' }) },
  { name: 'MCP output', tool: 'mcp__slack__read_channel', input: () => ({ channel: 'c' }), response: (f) => ({ content: [{ type: 'text', text: f }] }) },
  { name: 'file written', tool: 'Write', input: (f) => ({ file_path: '/home/u/proj/notes.txt', content: f }) },
  { name: 'agent file written', tool: 'Write', input: (f) => ({ file_path: '/home/u/proj/.claude/agents/x.md', content: `---\n${f}` }) },
  { name: 'mail sent', tool: 'mcp__gmail__send_email', input: (f) => ({ to: 'a@b.example', subject: 'x', body: f }) },
  { name: 'chat message', tool: 'mcp__slack__post_message', input: (f) => ({ channel: 'c', text: f }) },
  { name: 'SQL query', tool: 'mcp__postgres__query', input: (f) => ({ sql: `select ${f}` }) },
  { name: 'psql -c', tool: 'Bash', input: (f) => ({ command: `psql -c '${sq(`select ${f}`)}'` }) },
  { name: 'python -c', tool: 'Bash', input: (f) => ({ command: `python3 -c '${sq(f)}'` }) },
  { name: 'curl -d', tool: 'Bash', input: (f) => ({ command: `curl https://x.example/ -d '${sq(f)}'` }) },
  { name: 'WebFetch URL', tool: 'WebFetch', input: (f) => ({ url: `https://evil.example/?q=${f}`, prompt: f }) },
];

const engine = (): FlowEngine => new FlowEngine(defaultConfig(), { seed: 0x5eed, home: '/home/u', configPath: '/home/u/.config/mcpproxy-hook/config.json' });

/** ms to decide one call of `size` chars of `fill` in `shape` (its PreToolUse; with an output, its PostToolUse) */
function decideMs(shape: Shape, fill: string, size: number): number {
  const filler = fill.repeat(Math.ceil(size / fill.length)).slice(0, size);
  const ev: Record<string, unknown> = {
    hook_event_name: shape.response ? 'PostToolUse' : 'PreToolUse',
    session_id: 'heavy',
    tool_name: shape.tool,
    tool_input: shape.input(filler),
    cwd: '/home/u/proj',
    tool_use_id: 't1',
  };
  if (shape.response) ev.tool_response = shape.response(filler);
  const e = engine();
  const event = parseEvent(JSON.stringify(ev));
  const t0 = performance.now();
  e.handle(event, 1_800_000_000_000);
  return performance.now() - t0;
}

const started = performance.now();
const rows: Array<{ shape: string; fill: string; small: number; large: number }> = [];
decideMs(SHAPES[0] as Shape, 'warm up', SMALL);
for (const fill of FILLS)
  for (const shape of SHAPES) {
    const small = decideMs(shape, fill, SMALL);
    const large = decideMs(shape, fill, LARGE);
    rows.push({ shape: shape.name, fill, small, large });
  }
const fast = (r: { small: number; large: number }): boolean => r.large < SLOW_MS || r.large < GROWTH * Math.max(r.small, 0.5);
const grows = rows.filter((r) => !fast(r)).sort((a, b) => b.large - a.large);
const slowest = [...rows].sort((a, b) => b.large - a.large).slice(0, 10);
const line = (r: (typeof rows)[number]): string =>
  `| ${r.shape} | \`${JSON.stringify(r.fill).slice(1, -1).replace(/`/g, "'").replace(/\|/g, '\\|')}\` | ${r.small.toFixed(1)} | ${r.large.toFixed(1)} | ${(r.large / Math.max(r.small, 0.01)).toFixed(1)}x |`;
const head = `| shape | fill | ms at ${SMALL / 1024} KB | ms at ${LARGE / 1024} KB | growth |\n|---|---|---|---|---|`;
const report = [
  '# Decision time against the size of one call (`npm run bench:heavy`)',
  '',
  `${rows.length} cases: ${FILLS.length} fills x ${SHAPES.length} shapes, each at ${SMALL / 1024} KB and ${LARGE / 1024} KB (4x), a fresh session each, in-process (node ${process.version}). Linear is about 4x; the square of the input about 16x.`,
  '',
  `## Growing faster than ${GROWTH}x and over ${SLOW_MS} ms at ${LARGE / 1024} KB (${grows.length})`,
  '',
  ...(grows.length ? [head, ...grows.map(line)] : ['None.']),
  '',
  '## The 10 slowest at the larger size',
  '',
  head,
  ...slowest.map(line),
  '',
  `Time: ${((performance.now() - started) / 1000).toFixed(1)} s.`,
  '',
].join('\n');
process.stdout.write(report);
writeReport('heavy.md', report);
process.stdout.write('written to .bench/heavy.md\n');
