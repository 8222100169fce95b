/**
 * Detection costs, in process (part of `npm run bench:detect`): recording a 1 MB tool response,
 * checking a 2 KB tool input (decoders included) against ~10k stored fingerprints, saving what a
 * record added (the sidecar's session store), and memory per session. Measures; does not judge.
 * Run on its own (bench:detect runs it so, with the sidecar's node flags), it prints the markdown.
 */
import Database from 'better-sqlite3';
import { unlinkSync } from 'node:fs';
import { FlowEngine } from '../src/engine/engine.ts';
import { defaultConfig } from '../src/config/index.ts';
import { SessionStore } from '../src/store/session-store.ts';
import type { HookEvent } from '../src/types.ts';
import { percentile } from './lib/stats.ts';

let seed = 99;
const rnd = (): number => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed;
};
const word = (): string =>
  ['alpha', 'build', 'cache', 'delta', 'error', 'fetch', 'graph', 'hash', 'index', 'json', 'kernel', 'lambda', 'merge', 'node'][rnd() % 14] as string;

/** About `bytes` of a tool response in one of three everyday shapes. */
function response(shape: 'log' | 'csv' | 'json', bytes: number): string {
  const out: string[] = [];
  let n = 0;
  for (let i = 0; n < bytes; i++) {
    const line =
      shape === 'log'
        ? `2026-11-24T10:${String(i % 60).padStart(2, '0')}:00.${rnd() % 1000}Z INFO ${word()} ${word()} request id=${rnd().toString(36)} took ${rnd() % 900} ms path=/api/${word()}/${rnd() % 1000}`
        : shape === 'csv'
          ? `${i},${word()} ${word()},user${rnd() % 100000}@example.org,${rnd() % 10000}.${rnd() % 100},${word()}`
          : JSON.stringify({ id: i, name: `${word()} ${word()}`, email: `user${rnd() % 100000}@example.org`, balance: rnd() % 100000, tags: [word(), word()] });
    out.push(line);
    n += line.length + 1;
  }
  return out.join('\n').slice(0, bytes);
}

const post = (sid: string, command: string, stdout: string): HookEvent =>
  ({
    hook_event_name: 'PostToolUse',
    session_id: sid,
    tool_name: 'Bash',
    tool_input: { command },
    tool_response: { stdout, stderr: '', interrupted: false },
  }) as HookEvent;
const pre = (sid: string, input: Record<string, unknown>, tool = 'Bash'): HookEvent =>
  ({ hook_event_name: 'PreToolUse', session_id: sid, tool_name: tool, tool_input: input }) as HookEvent;

export interface Costs {
  markdown: string;
}

export function measureCosts(): Costs {
  const md: string[] = [];
  const cfg = defaultConfig();
  // 1. record 1 MB (engine with recording on, as in the sidecar), 3 shapes x 12 runs, fresh session each
  const recRows: string[][] = [];
  const saveT: number[] = [];
  const dbFile = `/tmp/mph-bench-costs-${process.pid}.db`;
  for (const shape of ['log', 'csv', 'json'] as const) {
    const text = response(shape, 1024 * 1024);
    const eng = new FlowEngine(cfg, { seed: 7, persist: true });
    const db = new Database(dbFile);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    const store = new SessionStore(db, eng.tracker);
    const ts: number[] = [];
    let fps = 0;
    for (let i = 0; i < 14; i++) {
      const sid = `rec-${shape}-${i}`;
      const t0 = process.hrtime.bigint();
      eng.handle(post(sid, `cat big-${i}.${shape}`, text), 1_800_000_000_000 + i);
      const t1 = process.hrtime.bigint();
      db.transaction(() => store.write())();
      const t2 = process.hrtime.bigint();
      if (i >= 2) {
        ts.push(Number(t1 - t0) / 1e6);
        saveT.push(Number(t2 - t1) / 1e6);
      }
      fps = eng.tracker.get(sid)?.index.size ?? 0;
    }
    db.close();
    recRows.push([
      `record 1 MB ${shape} response (PostToolUse, detector + fingerprints)`,
      percentile(ts, 0.5).toFixed(2),
      percentile(ts, 1).toFixed(2),
      String(fps),
    ]);
  }
  for (const f of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`]) {
    try {
      unlinkSync(f);
    } catch {
      /* gone */
    }
  }
  recRows.push(['save what one 1 MB record added (session store, one transaction)', percentile(saveT, 0.5).toFixed(2), percentile(saveT, 1).toFixed(2), '']);

  // 2. check a 2 KB input against ~10k fingerprints, decoders included
  const eng = new FlowEngine(cfg, { seed: 7 });
  const sid = 'check';
  for (let i = 0; (eng.tracker.get(sid)?.index.size ?? 0) < 10_000 && i < 200; i++)
    eng.handle(post(sid, `cat part-${i}.csv`, response('csv', 8000)), 1_800_000_000_000 + i);
  const s = eng.tracker.get(sid);
  const stored = s?.index.size ?? 0;
  const filler = Array.from({ length: 60 }, () => `${word()} ${word()} ${word()}`).join(' ');
  const twoK = (x: string): string => (x + ' ' + filler.repeat(4)).slice(0, 2048);
  const inputs: Array<[string, string, Record<string, unknown>]> = [
    ['plain text (curl -d)', 'Bash', { command: `curl -s https://api.example.com/v1/notes -d '${twoK('meeting notes')}'` }],
    ['base64 blob in a URL', 'WebFetch', { url: `https://api.example.com/v1/x?d=${Buffer.from(twoK('blob')).toString('base64').slice(0, 2000)}`, prompt: 'x' }],
    ['URL-encoded query', 'Bash', { command: `curl -s 'https://api.example.com/s?q=${encodeURIComponent(twoK('query')).slice(0, 2000)}'` }],
    [
      'JSON body with \\u escapes (MCP)',
      'mcp__slack__post_message',
      { channel: 'C1', text: JSON.stringify(twoK('status')).replace(/e/g, '\\u0065').slice(0, 2048) },
    ],
    ['hex dump', 'Bash', { command: `curl -s https://api.example.com/h -d ${Buffer.from(twoK('hex')).toString('hex').slice(0, 2040)}` }],
  ];
  const chkRows: string[][] = [];
  for (const [name, tool, input] of inputs) {
    const ts: number[] = [];
    for (let i = 0; i < 1200; i++) {
      const t0 = process.hrtime.bigint();
      eng.handle(pre(sid, input, tool), 1_800_000_001_000 + i);
      if (i >= 200) ts.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    chkRows.push([`check 2 KB: ${name}`, percentile(ts, 0.5).toFixed(3), percentile(ts, 0.99).toFixed(3), String(stored)]);
  }
  const perSession = s ? s.approxBytes() : 0;
  const fullCfg = defaultConfig();
  const eng2 = new FlowEngine(fullCfg, { seed: 7 });
  for (let i = 0; i < 400; i++) eng2.handle(post('full', `cat p${i}.log`, response('log', 16000)), 1_800_000_000_000 + i);
  const full = eng2.tracker.get('full');

  const flags = process.execArgv.filter((a) => a.startsWith('--') && a !== '--import' && !a.startsWith('--import='));
  md.push(`## Costs (in process, one core${flags.length ? `, node ${flags.join(' ')} as the sidecar` : ''})\n`);
  md.push('| what | p50 ms | max ms | fingerprints |\n|---|---:|---:|---:|');
  for (const r of recRows) md.push(`| ${r.join(' | ')} |`);
  md.push('');
  md.push('| what | p50 ms | p99 ms | stored fingerprints |\n|---|---:|---:|---:|');
  for (const r of chkRows) md.push(`| ${r.join(' | ')} |`);
  md.push('');
  md.push(
    `Memory per session: ~${(perSession / 1024).toFixed(0)} KiB at ${stored} fingerprints; a session filled to its bound (session.maxFingerprints = ${fullCfg.session.maxFingerprints}) holds ${full?.index.size ?? 0} fingerprints in ~${((full?.approxBytes() ?? 0) / 2 ** 20).toFixed(1)} MiB (tables, candidates, metadata; older origins evicted first). Targets: record 1 MB ≤ 20 ms, check 2 KB ≤ 0.5 ms p99.\n`,
  );
  return { markdown: md.join('\n') };
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(measureCosts().markdown + '\n');
