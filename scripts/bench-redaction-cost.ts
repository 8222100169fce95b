/**
 * Part of `npm run bench`: what redaction costs the PostToolUse answer. A 1 MB Read goes to a real
 * sidecar over its socket, as the hook sends it; the time is from the request to the answer (the
 * sidecar answers a PostToolUse before it fingerprints it; with redaction.mode "secrets" the output
 * is scanned for secrets first, and when something was held back the event is journaled (sealed,
 * committed) and the answer carries the rewritten output). The recording that follows an answer is
 * waited out (a status request) before the next event, so it is not counted. Measures; does not judge. Appends to .bench/summary.md.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { Redactor } from '../src/engine/redaction.ts';
import { request } from '../src/transport/client.ts';
import { ROOT, startSidecar } from '../test/helpers/sidecar.ts';
import { percentile } from './lib/stats.ts';

const RUNS = Number(process.env.BENCH_REDACTION_RUNS ?? 30);
const WARMUP = 3;

let seed = 7;
const rnd = (): number => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed;
};
const words = ['alpha', 'build', 'cache', 'delta', 'error', 'fetch', 'graph', 'index', 'kernel', 'merge', 'node', 'queue', 'route', 'store'];

/** ~1 MB of a source file / log mix; with `secrets`, that many credential lines spread through it. */
function content(secrets: number): string {
  const lines: string[] = [];
  let n = 0;
  for (let i = 0; n < 1024 * 1024; i++) {
    const l =
      i % 3 === 0
        ? `  const ${words[rnd() % 14]}${i} = await ${words[rnd() % 14]}.${words[rnd() % 14]}(req.params.id, { retries: ${rnd() % 5} });`
        : `2026-12-06T10:${String(i % 60).padStart(2, '0')}:00Z INFO ${words[rnd() % 14]} request id=${rnd().toString(36)} took ${rnd() % 900} ms`;
    lines.push(l);
    n += l.length + 1;
  }
  for (let k = 0; k < secrets; k++) {
    const key = Array.from({ length: 40 }, () => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'[rnd() % 62]).join('');
    lines.splice(Math.floor(((k + 0.5) * lines.length) / secrets), 0, k % 2 ? `AWS_SECRET_ACCESS_KEY=${key}` : `GITHUB_TOKEN=ghp_${key.slice(0, 36)}`);
  }
  return lines.join('\n');
}

function readEvent(session: string, i: number, text: string): Buffer {
  const path = `/home/u/project/logs/app-${i}.log`;
  return Buffer.from(
    JSON.stringify({
      session_id: session,
      hook_event_name: 'PostToolUse',
      tool_name: 'Read',
      cwd: '/home/u/project',
      tool_input: { file_path: path },
      tool_response: {
        type: 'text',
        file: { filePath: path, content: text, numLines: text.split('\n').length, startLine: 1, totalLines: text.split('\n').length },
      },
      tool_use_id: `toolu_bench_${i}`,
    }),
  );
}

async function measure(mode: 'off' | 'secrets', secrets: number): Promise<{ p50: number; p95: number; answerBytes: number }> {
  const sc = await startSidecar({ config: { redaction: { mode } } });
  try {
    const text = content(secrets);
    const ts: number[] = [];
    let answerBytes = 0;
    for (let i = 0; i < WARMUP + RUNS; i++) {
      const ev = readEvent(`bench-redaction-${i}`, i, text);
      const t0 = process.hrtime.bigint();
      const out = (await request(sc.socket, { t: 'hook', e: ev }, 30_000)) as string;
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (typeof out !== 'string' || out.startsWith('!')) throw new Error(`the sidecar could not answer: ${String(out).slice(0, 200)}`);
      if (i >= WARMUP) ts.push(ms);
      answerBytes = Buffer.byteLength(out);
      await request(sc.socket, { t: 'status' }, 30_000); // the recording after the answer, out of the timing
    }
    return { p50: percentile(ts, 0.5), p95: percentile(ts, 0.95), answerBytes };
  } finally {
    await sc.cleanup();
  }
}

/** The redaction alone, in this process: Redactor.post on the same event (a fresh session each time). */
function inProcess(secrets: number): { p50: number; min: number } {
  const ev = JSON.parse(readEvent('in-process', 0, content(secrets)).toString('utf8'));
  const ts: number[] = [];
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const r = new Redactor({ mode: () => 'secrets' });
    const t0 = process.hrtime.bigint();
    r.post(ev);
    if (i >= WARMUP) ts.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { p50: percentile(ts, 0.5), min: Math.min(...ts) };
}

async function main(): Promise<void> {
  const rows: string[][] = [];
  const own: string[] = [];
  for (const secrets of [0, 20]) {
    const r = inProcess(secrets);
    own.push(`| ${secrets} secrets | ${r.p50.toFixed(1)} | ${r.min.toFixed(1)} |`);
  }
  for (const [mode, secrets, what] of [
    ['off', 20, 'redaction off (answer {})'],
    ['secrets', 0, 'redaction on, nothing to hold back (answer {})'],
    ['secrets', 20, 'redaction on, 20 secrets held back (journaled first; answer = the rewritten 1 MB output)'],
  ] as const) {
    const r = await measure(mode, secrets);
    rows.push([`1 MB Read, ${what}`, r.p50.toFixed(1), r.p95.toFixed(1), String(r.answerBytes)]);
  }
  const md = [
    '',
    `### Redaction: time to answer a 1 MB Read (PostToolUse over the socket, ${RUNS} runs each, recording after an answer excluded; load average ${loadavg()[0]?.toFixed(1)})`,
    '',
    '| case | p50 ms | p95 ms | answer bytes |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    'The redaction alone, in this process (Redactor.post on the same 1 MB Read, a fresh session each run):',
    '',
    '| case | p50 ms | min ms |',
    '|---|---|---|',
    ...own,
    '',
  ].join('\n');
  process.stdout.write(md + '\n');
  mkdirSync(join(ROOT, '.bench'), { recursive: true });
  appendFileSync(join(ROOT, '.bench', 'summary.md'), md);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench-redaction-cost failed: ${(e as Error).stack}\n`);
  process.exitCode = 1;
});
