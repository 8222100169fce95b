/**
 * `npm run bench`: whole-process round trips of the command hook (event on stdin -> JSON out,
 * real sidecar on a real socket) next to bare `node -e 0`, interleaved in the same run, plus the
 * sidecar's in-process decision time. Prints a table and writes .bench/summary.md.
 * Not a test: it measures, it does not judge.
 */
import { spawn, spawnSync } from 'node:child_process';
import { request as httpRequest, Agent } from 'node:http';
import { connect } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { encodeFrame, FrameDecoder } from '../src/transport/frame.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg, cpus } from 'node:os';
import { join } from 'node:path';
import { HOOK, ROOT, startSidecar } from '../test/helpers/sidecar.ts';
import { DAEMON_ENV, DAEMON_NODE_ARGS } from '../src/daemon-args.ts';
import { rssSplit } from './proc-status.ts';
import { formatBreakdown } from './mem-breakdown.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 300);
const TRIVIAL_SERVER = `require('node:http').createServer((q, r) => { let b = ''; q.on('data', (c) => (b += c)); q.on('end', () => { JSON.parse(b); r.setHeader('content-type', 'application/json'); r.end('{}'); }); }).listen(Number(process.argv[1]), '127.0.0.1');`;
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

function httpPost(agent: Agent, port: number, token: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/mcpproxy-hook/v1/hook',
        method: 'POST',
        agent,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let b = '';
        res.on('data', (c: Buffer) => (b += c));
        res.on('end', () => resolve(b));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** One persistent socket client sending hook frames back to back until `until`. */
function throughputClient(socket: string, until: number, id: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = connect(socket);
    const dec = new FrameDecoder();
    let n = 0;
    const send = (): void => {
      const ev = Buffer.from(
        JSON.stringify({
          session_id: `tp-${id}`,
          hook_event_name: n % 2 ? 'PostToolUse' : 'PreToolUse',
          tool_name: 'Bash',
          tool_input: { command: `grep -rn pattern src/ # ${n}` },
          tool_response: { stdout: `src/a.ts:${n}: pattern found in line ${n}`, stderr: '' },
        }),
      );
      s.write(encodeFrame({ t: 'hook', e: ev }));
    };
    s.on('connect', send);
    s.on('data', (c: Buffer) => {
      for (const _ of dec.push(c)) {
        n++;
        if (Date.now() < until) send();
        else {
          s.end();
          resolve(n);
        }
      }
    });
    s.on('error', reject);
  });
}

/**
 * A benchmark child (scripts/<name>.ts) bundled first, so the figure is the engine's and not the
 * TypeScript loader's, then run with the sidecar's node flags; its stdout.
 */
async function benchChild(name: string, flags: string[] = [], args: string[] = []): Promise<string> {
  const { buildSync } = await import('esbuild');
  const out = join(ROOT, '.bench', `${name}.mjs`);
  buildSync({
    entryPoints: [join(ROOT, 'scripts', `${name}.ts`)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: out,
    packages: 'external',
    logLevel: 'error',
  });
  return spawnSync(process.execPath, [...flags, ...DAEMON_NODE_ARGS, out, ...args], { encoding: 'utf8', cwd: ROOT, env: { ...process.env, ...DAEMON_ENV } })
    .stdout;
}

async function main(): Promise<void> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const sc = await startSidecar({ config: { hook: { httpPort: port } } });
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
  // HTTP hook round trip, as a client posting the same events (keep-alive, like Claude Code's axios)
  const token = readFileSync(join(sc.stateDir, 'http-token'), 'utf8').trim();
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  // the floor of this measurement on this machine: the same client against a trivial Node HTTP
  // server (parse the JSON body, answer {}), in its own process, requests interleaved
  const floorPort = port + 1;
  const floor = spawn(process.execPath, ['-e', TRIVIAL_SERVER, String(floorPort)], { stdio: 'ignore' });
  const floorAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  for (let t = 0; ; t++) {
    try {
      await httpPost(floorAgent, floorPort, token, '{}');
      break;
    } catch (e) {
      if (t > 100) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const httpT: number[] = [];
  const floorT: number[] = [];
  for (let i = 0; i < 2200; i++) {
    const one = async (a: Agent, p: number, out: number[], check: boolean): Promise<void> => {
      const t0 = process.hrtime.bigint();
      const b = await httpPost(a, p, token, event(i));
      if (check && b !== '{}') bad++;
      if (i >= 200) out.push(Number(process.hrtime.bigint() - t0) / 1e6);
    };
    if (i % 2) {
      await one(agent, port, httpT, true);
      await one(floorAgent, floorPort, floorT, false);
    } else {
      await one(floorAgent, floorPort, floorT, false);
      await one(agent, port, httpT, true);
    }
  }
  agent.destroy();
  floorAgent.destroy();
  floor.kill();

  // throughput over the socket: 8 concurrent clients for 10 s
  const secs = Number(process.env.BENCH_TP_SECONDS ?? 10);
  const until = Date.now() + secs * 1000;
  const counts = await Promise.all(Array.from({ length: 8 }, (_, i) => throughputClient(sc.socket, until, i)));
  const total = counts.reduce((a, b) => a + b, 0);
  const st = JSON.parse(spawnSync(process.execPath, [join(ROOT, 'bin/mcpproxy-hook.js'), 'status', '--json'], { env: sc.env, encoding: 'utf8' }).stdout);
  await sc.cleanup();

  // memory: 100 sessions x 10k fingerprints, in a fresh process
  // run with the daemon's own node flags: the figure is the sidecar's
  const rss = JSON.parse(await benchChild('bench-rss', ['--expose-gc'], ['100', '10000']));
  // the same split for a bare node process that does nothing
  const bare = rssSplit(
    spawnSync(process.execPath, ['-e', `setTimeout(() => process.stdout.write(require('fs').readFileSync('/proc/self/status', 'utf8')), 200)`], {
      encoding: 'utf8',
    }).stdout,
  );

  // optional: the SEA single binary, if `npm run build:binary` made one
  const sea = join(ROOT, 'dist', 'mcpproxy-hook-hook');
  let seaRow: string[] | null = null;
  if (existsSync(sea)) {
    const sc2 = await startSidecar();
    const seaT: number[] = [];
    for (let i = 0; i < 120; i++) {
      const r = time(sea, ['pre', '--socket', sc2.socket], event(i));
      if (i >= 20) seaT.push(r.ms);
    }
    await sc2.cleanup();
    seaRow = ['SEA single binary (dist/mcpproxy-hook-hook, 100 runs)', pct(seaT, 0.5).toFixed(2), pct(seaT, 0.95).toFixed(2), pct(seaT, 0.99).toFixed(2)];
  }

  // in-process decision time: 2 KB input against a session holding ~16k fingerprints, in a child
  // with the sidecar's node flags
  const dec = JSON.parse(await benchChild('bench-decide')) as { fingerprints: number; p50: number; p95: number; p99: number };

  const f = (x: number): string => x.toFixed(2);
  const rows = [
    ['command hook (node dist/hook.cjs, real sidecar)', f(pct(hookT, 0.5)), f(pct(hookT, 0.95)), f(pct(hookT, 0.99))],
    ['bare node -e 0', f(pct(nodeT, 0.5)), f(pct(nodeT, 0.95)), f(pct(nodeT, 0.99))],
    [
      'ratio hook / node -e 0',
      (pct(hookT, 0.5) / pct(nodeT, 0.5)).toFixed(3),
      (pct(hookT, 0.95) / pct(nodeT, 0.95)).toFixed(3),
      (pct(hookT, 0.99) / pct(nodeT, 0.99)).toFixed(3),
    ],
    [`sidecar decision in-process (2 KB input, ${dec.fingerprints} fingerprints, sidecar's node flags)`, f(dec.p50), f(dec.p95), f(dec.p99)],
    ['HTTP hook round trip (client POST, keep-alive, 2000 requests)', f(pct(httpT, 0.5)), f(pct(httpT, 0.95)), f(pct(httpT, 0.99))],
    ['same client, trivial Node HTTP server (floor of this measurement)', f(pct(floorT, 0.5)), f(pct(floorT, 0.95)), f(pct(floorT, 0.99))],
    [
      `sidecar's own decision time over the run (status, last ${st.sidecar.latency.count})`,
      f(st.sidecar.latency.p50_us / 1000),
      '',
      f(st.sidecar.latency.p99_us / 1000),
    ],
    ...(seaRow ? [seaRow] : []),
  ];
  const extra = [
    `- throughput over the Unix socket, 8 concurrent clients for ${secs} s: ${total} decisions = ${Math.round(total / secs)} decisions/s`,
    `- memory at ${rss.sessions} sessions x ${Math.round(rss.fingerprints / rss.sessions)} fingerprints (${rss.fingerprints} in all; fingerprint tables ~${(rss.approx / 2 ** 20).toFixed(1)} MiB by their own count), sidecar's node flags and allocator env (${
      Object.entries(rss.malloc_env ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(' ') || 'none'
    }):`,
    `  - before any session: ${formatBreakdown(rss.memory.before)}`,
    `  - all open: ${formatBreakdown(rss.memory.full)}`,
    ...(rss.memory.after_first
      ? [
          `  - every session expired, 1 s after the sidecar's first collection: ${formatBreakdown(rss.memory.after_first)}`,
          `  - after its second collection (${rss.settle_ms / 1000} s later, allocation quiet): ${formatBreakdown(rss.memory.after_settled)}; ${rss.sessions_left} sessions left`,
        ]
      : []),
    ...(rss.split
      ? [
          `- of the RSS with all open, ${(rss.split.anon / 2 ** 20).toFixed(1)} MiB is the process's own (anonymous) memory and ${(rss.split.file / 2 ** 20).toFixed(1)} MiB file-backed pages (the node binary and libraries, shared with every node process); a bare \`node -e\` here: RSS ${((bare.anon + bare.file) / 2 ** 20).toFixed(1)} MiB, ${(bare.anon / 2 ** 20).toFixed(1)} MiB of it its own`,
        ]
      : []),
  ].join('\n');
  const head = `mcpproxy-hook bench — ${new Date().toISOString()} — ${RUNS} runs each (interleaved, ${WARMUP} warm-up), ${cpus().length} cores, load ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}, node ${process.version}`;
  const table = ['| what | p50 ms | p95 ms | p99 ms |', '|---|---|---|---|', ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
  const note = bad ? `\nWARNING: ${bad} hook runs did not print the expected reply.\n` : '';
  process.stdout.write(`${head}\n\n${table}\n\n${extra}\n${note}`);
  mkdirSync(join(ROOT, '.bench'), { recursive: true });
  writeFileSync(join(ROOT, '.bench', 'summary.md'), `${head}\n\n${table}\n\n${extra}\n${note}`);
  process.stdout.write(`\nwritten to .bench/summary.md\n`);
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${(e as Error).stack}\n`);
  process.exit(1);
});
