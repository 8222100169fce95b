/**
 * What the console costs the sidecar: resident memory before it is opened and after a browser-like
 * client has logged in and loaded the page and the audit log, and how long the first
 * `mcpproxy-hook console` takes (the console server starts then, on first use). Measured on a real
 * sidecar process with a filled audit log. A measurement, not a test.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { rssSplit } from './proc-status.ts';
import { runHook, startSidecar } from '../test/helpers/sidecar.ts';
import { request } from '../src/transport/client.ts';

/** audit rows written before measuring (each a hook process: keep it small) */
const EVENTS = 60;
const RUNS = 3;

const mib = (b: number): string => (b / 1048576).toFixed(1);
const rss = (pid: number): { anon: number; file: number } => rssSplit(readFileSync(`/proc/${pid}/status`, 'utf8'));

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const r = httpRequest({ host: '127.0.0.1', port, path, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers as Record<string, unknown>, body }));
    });
    r.on('error', reject);
    r.end();
  });
}

interface Run {
  before: { anon: number; file: number };
  after: { anon: number; file: number };
  firstUrlMs: number;
  pageMs: number;
}

async function once(): Promise<Run> {
  const sc = await startSidecar();
  try {
    const pid = sc.proc.pid as number;
    for (let i = 0; i < EVENTS; i++) {
      const base = { session_id: `bench-${i % 10}`, cwd: '/w', permission_mode: 'default' };
      runHook('post', sc.socket, {
        ...base,
        hook_event_name: 'PostToolUse',
        tool_name: 'Bash',
        tool_input: { command: 'ls' },
        tool_response: { stdout: `file-${i}.txt\n`, stderr: '', interrupted: false },
      });
    }
    await new Promise((r) => setTimeout(r, 300));
    const before = rss(pid);
    const t0 = process.hrtime.bigint();
    const { url } = (await request(sc.socket, { t: 'console' })) as { url: string };
    const firstUrlMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const u = new URL(url);
    const port = Number(u.port);
    const t1 = process.hrtime.bigint();
    const login = await get(port, u.pathname + u.search);
    const cookie = String((login.headers['set-cookie'] as string[])[0]).split(';')[0] as string;
    await get(port, '/', { cookie });
    await get(port, '/app.js');
    await get(port, '/api/sessions', { cookie });
    await get(port, '/api/decisions?limit=500', { cookie });
    const pageMs = Number(process.hrtime.bigint() - t1) / 1e6;
    await new Promise((r) => setTimeout(r, 300));
    return { before, after: rss(pid), firstUrlMs, pageMs };
  } finally {
    await sc.cleanup();
  }
}

const runs: Run[] = [];
for (let i = 0; i < RUNS; i++) runs.push(await once());
const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
console.log(`console cost (${RUNS} sidecars, medians)`);
console.log(
  `  sidecar RSS, console never opened: ${mib(med(runs.map((r) => r.before.anon + r.before.file)))} MiB (own ${mib(med(runs.map((r) => r.before.anon)))} MiB)`,
);
console.log(
  `  sidecar RSS, console open and loaded: ${mib(med(runs.map((r) => r.after.anon + r.after.file)))} MiB (own ${mib(med(runs.map((r) => r.after.anon)))} MiB)`,
);
console.log(`  added by the console: ${mib(med(runs.map((r) => r.after.anon + r.after.file - r.before.anon - r.before.file)))} MiB`);
console.log(`  first \`mcpproxy-hook console\` (starts the server, mints a login): ${med(runs.map((r) => r.firstUrlMs)).toFixed(1)} ms`);
console.log(`  login + page + script + sessions + 500 audit rows: ${med(runs.map((r) => r.pageMs)).toFixed(1)} ms`);
