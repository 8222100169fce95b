/**
 * `npm run bench`: whole-process round trips of the command hook (event on stdin -> JSON out,
 * real sidecar on a real socket) next to bare `node -e 0`, interleaved in the same run, plus the
 * sidecar's in-process decision time. Prints a table and writes .bench/summary.md.
 * Not a test: it measures, it does not judge.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg, cpus } from 'node:os';
import { join } from 'node:path';
import { HOOK, ROOT, startSidecar } from '../test/helpers/sidecar.ts';
import { FlowEngine } from '../src/engine/engine.ts';
import { defaultConfig } from '../src/config.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 300);
const WARMUP = 20;

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] as number;
}

function event(i: number): string {
  const files = Array.from({ length: 60 }, (_, k) => `src/module${k}/file${k}.ts`).join(' ');
  return JSON.stringify({
    session_id: 'bench-session',
    transcript_path: '/tmp/bench.jsonl',
    cwd: '/home/user/project',
    permission_mode: 'default',
    hook_event_name: 'PreToolUse',
    tool_name: 'Bash',
    tool_input: { command: `npx prettier --check ${files} # ${i}`, description: 'check formatting' },
    tool_use_id: `toolu_bench_${i}`,
  });
}

async function main(): Promise<void> {
  const sc = await startSidecar();
  // Same environment for both: the installed hook command unsets NODE_EXTRA_CA_CERTS, so bare node does too.
  const env = { ...process.env, NODE_EXTRA_CA_CERTS: '' };
  const hookT: number[] = [];
  const nodeT: number[] = [];
  let bad = 0;
  const time = (cmd: string, args: string[], input: string): { ms: number; out: string } => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { input, env, encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    return { ms, out: r.stdout };
  };
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const ev = event(i);
    const order = i % 2 === 0;
    const run = [
      () => {
        const r = time(process.execPath, [HOOK, 'pre', '--socket', sc.socket, '--deadline', '3000'], ev);
        if (r.out.trim() !== '{}') bad++;
        if (i >= WARMUP) hookT.push(r.ms);
      },
      () => {
        const r = time(process.execPath, ['-e', '0'], '');
        if (i >= WARMUP) nodeT.push(r.ms);
      },
    ];
    if (order) run.forEach((f) => f());
    else run.reverse().forEach((f) => f());
  }
  await sc.cleanup();

  // in-process decision time: 2 KB input against a session holding ~10k fingerprints
  const eng = new FlowEngine(defaultConfig(), { seed: 42 });
  const big = Array.from({ length: 2000 }, (_, i) => `row ${i}: customer-${i * 7919}@example.org balance ${i * 13} note ${Math.sin(i).toString(36)}`).join('\n');
  eng.handle({ hook_event_name: 'PostToolUse', session_id: 'p', tool_name: 'Bash', tool_input: { command: 'psql -c "select * from customers"' }, tool_response: { stdout: big, stderr: '' } }, Date.now());
  const fps = eng.session('p')?.index.size ?? 0;
  const dec: number[] = [];
  const input = { command: `curl -s https://api.example.com/v1/x -d '${'lorem ipsum dolor sit amet '.repeat(70)}'` };
  for (let i = 0; i < 2000; i++) {
    const t0 = process.hrtime.bigint();
    eng.handle({ hook_event_name: 'PreToolUse', session_id: 'p', tool_name: 'Bash', tool_input: input }, Date.now());
    if (i >= 200) dec.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }

  const f = (x: number): string => x.toFixed(2);
  const rows = [
    ['command hook (node dist/hook.cjs, real sidecar)', f(pct(hookT, 0.5)), f(pct(hookT, 0.95)), f(pct(hookT, 0.99))],
    ['bare node -e 0', f(pct(nodeT, 0.5)), f(pct(nodeT, 0.95)), f(pct(nodeT, 0.99))],
    ['ratio hook / node -e 0', (pct(hookT, 0.5) / pct(nodeT, 0.5)).toFixed(3), (pct(hookT, 0.95) / pct(nodeT, 0.95)).toFixed(3), (pct(hookT, 0.99) / pct(nodeT, 0.99)).toFixed(3)],
    [`sidecar decision in-process (2 KB input, ${fps} fingerprints)`, f(pct(dec, 0.5)), f(pct(dec, 0.95)), f(pct(dec, 0.99))],
  ];
  const head = `mcpproxy-hook bench — ${new Date().toISOString()} — ${RUNS} runs each (interleaved, ${WARMUP} warm-up), ${cpus().length} cores, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}, node ${process.version}`;
  const table = ['| what | p50 ms | p95 ms | p99 ms |', '|---|---|---|---|', ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
  const note = bad ? `\nWARNING: ${bad} hook runs did not print the expected reply.\n` : '';
  process.stdout.write(`${head}\n\n${table}\n${note}`);
  mkdirSync(join(ROOT, '.bench'), { recursive: true });
  writeFileSync(join(ROOT, '.bench', 'summary.md'), `${head}\n\n${table}\n${note}`);
  process.stdout.write(`\nwritten to .bench/summary.md\n`);
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${(e as Error).stack}\n`);
  process.exit(1);
});
