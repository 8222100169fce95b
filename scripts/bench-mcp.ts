/**
 * MCP proxy bench (part of `npm run bench`): per-call overhead of the proxy (SDK client -> stdio
 * bridge socket -> sidecar -> upstream, versus the same client straight to the upstream), and
 * hook/MCP correlation over interleaved calls from 10 concurrent sessions: how many proxied calls
 * land in the right hook session, and how many in a wrong one (cross-links).
 */
import { connect } from 'node:net';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { LineTransport } from '../src/mcp-proxy/line-transport.ts';
import { HANDSHAKE_KEY } from '../src/mcp-proxy/bridge.ts';
import { encodeFrame, FrameDecoder } from '../src/transport/frame.ts';
import { cli, freshHome, ROOT, startSidecar } from '../test/helpers/sidecar.ts';
import { percentile } from './lib/stats.ts';

async function bridgeClient(mcpSock: string, pids: number[]): Promise<Client> {
  const sock = connect(mcpSock);
  await new Promise<void>((r, j) => {
    sock.once('connect', () => r());
    sock.once('error', j);
  });
  sock.write(JSON.stringify({ [HANDSHAKE_KEY]: 1, pids }) + '\n');
  const c = new Client({ name: 'bench', version: '1' });
  await c.connect(new LineTransport(sock, sock));
  return c;
}

/** Send one hook event the way dist/hook.cjs does, with an explicit Claude Code pid. */
function hookEvent(socket: string, pid: number, ev: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect(socket);
    const dec = new FrameDecoder();
    s.on('connect', () => s.write(encodeFrame({ t: 'hook', p: pid, e: Buffer.from(JSON.stringify(ev)) })));
    s.on('data', (c: Buffer) => {
      if (dec.push(c).length) {
        s.end();
        resolve();
      }
    });
    s.on('error', reject);
  });
}

async function main(): Promise<void> {
  const fixture = (name: string) => ({ command: process.execPath, args: ['--import', 'tsx', join(ROOT, 'test', 'fixtures', `${name}.ts`)], cwd: ROOT });
  const sc = await startSidecar({
    home: freshHome(),
    config: { mcp: { servers: { 'customer-db': { ...fixture('customer-db'), classification: 'internal' }, 'team-chat': fixture('team-chat') } } },
  });
  const mcpSock = join(sc.stateDir, 'mcp.sock');
  for (let i = 0; i < 100; i++) {
    const st = JSON.parse(cli(['status', '--json'], sc.env).stdout);
    if ((st.sidecar.mcp?.upstreams ?? []).every((u: { state: string }) => u.state === 'ready') && st.sidecar.mcp?.upstreams?.length === 2) break;
    await new Promise((r) => setTimeout(r, 100));
  }

  // 1. overhead: 500 calls direct vs through the proxy
  const direct = new Client({ name: 'bench-direct', version: '1' });
  await direct.connect(new StdioClientTransport({ ...fixture('team-chat'), stderr: 'ignore' }));
  const viaProxy = await bridgeClient(mcpSock, [999_999]);
  const N = 500;
  const dT: number[] = [];
  const pT: number[] = [];
  for (let i = 0; i < N + 50; i++) {
    let t0 = process.hrtime.bigint();
    await direct.callTool({ name: 'list_channels', arguments: {} });
    const d = Number(process.hrtime.bigint() - t0) / 1e6;
    t0 = process.hrtime.bigint();
    await viaProxy.callTool({ name: 'team-chat__list_channels', arguments: {} });
    const p = Number(process.hrtime.bigint() - t0) / 1e6;
    if (i >= 50) {
      dT.push(d);
      pT.push(p);
    }
  }
  await direct.close();
  await viaProxy.close();

  // 2. correlation: 10 sessions, each a "Claude Code process" (pid) with its own bridge, interleaved
  const SESSIONS = 10;
  const CALLS = 120;
  const clients = await Promise.all(Array.from({ length: SESSIONS }, (_, k) => bridgeClient(mcpSock, [200_000 + k, 1])));
  const expected = new Map<string, string>(); // sql marker -> hook session
  await Promise.all(
    clients.map(async (c, k) => {
      const session = `corr-session-${k}`;
      for (let i = 0; i < CALLS; i++) {
        const sql = `select * from customers where id = ${k * 1000 + i}`;
        const args = { sql };
        // what Claude Code does: PreToolUse hook, the proxied call, PostToolUse hook
        await hookEvent(sc.socket, 200_000 + k, {
          session_id: session,
          hook_event_name: 'PreToolUse',
          tool_name: 'mcp__mcpproxy-hook__customer-db__query_customers',
          tool_input: args,
        });
        expected.set(sql, session);
        await c.callTool({ name: 'customer-db__query_customers', arguments: args });
        await hookEvent(sc.socket, 200_000 + k, {
          session_id: session,
          hook_event_name: 'PostToolUse',
          tool_name: 'mcp__mcpproxy-hook__customer-db__query_customers',
          tool_input: args,
          tool_response: [{ type: 'text', text: 'rows' }],
        });
      }
    }),
  );
  await Promise.all(clients.map((c) => c.close()));
  const rows = cli(['activity', '--json', '--limit', '100000', '--tool', 'mcp__customer-db__query_customers', '--event', 'PreToolUse'], sc.env)
    .stdout.trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { session_id: string; source: string });
  const proxied = rows.filter((r) => r.source.startsWith('proxy'));
  const st = JSON.parse(cli(['status', '--json'], sc.env).stdout);
  await sc.cleanup();
  // each proxied call's session must be the hook session of the same process; the audit row does
  // not carry the args, so count per session: every session must have exactly CALLS proxied calls
  const perSession = new Map<string, number>();
  for (const r of proxied) perSession.set(r.session_id, (perSession.get(r.session_id) ?? 0) + 1);
  let correct = 0;
  let cross = 0;
  let unlinked = 0;
  for (const [s, n] of perSession) {
    if (s.startsWith('mcp:')) unlinked += n;
    else if (/^corr-session-\d+$/.test(s)) correct += Math.min(n, CALLS);
    if (/^corr-session-\d+$/.test(s) && n > CALLS) cross += n - CALLS;
  }
  const total = SESSIONS * CALLS;
  const f = (x: number): string => x.toFixed(3);
  const out = [
    '',
    '## MCP proxy',
    '',
    '| what | p50 ms | p95 ms | p99 ms |',
    '|---|---|---|---|',
    `| tools/call straight to the upstream (stdio, ${N} calls) | ${f(percentile(dT, 0.5))} | ${f(percentile(dT, 0.95))} | ${f(percentile(dT, 0.99))} |`,
    `| tools/call through the proxy (bridge socket -> sidecar -> upstream) | ${f(percentile(pT, 0.5))} | ${f(percentile(pT, 0.95))} | ${f(percentile(pT, 0.99))} |`,
    `| proxy overhead | ${f(percentile(pT, 0.5) - percentile(dT, 0.5))} | ${f(percentile(pT, 0.95) - percentile(dT, 0.95))} | ${f(percentile(pT, 0.99) - percentile(dT, 0.99))} |`,
    '',
    `- correlation: ${total} proxied calls from ${SESSIONS} concurrent sessions, interleaved: ${correct} joined to their hook session (${((100 * correct) / total).toFixed(2)}%), ${cross} cross-links, ${unlinked} left proxy-only; audit rows seen ${proxied.length}; sidecar counts ${JSON.stringify(st.sidecar.mcp.correlation)}`,
    '',
  ].join('\n');
  process.stdout.write(out);
  mkdirSync(join(ROOT, '.bench'), { recursive: true });
  appendFileSync(join(ROOT, '.bench', 'summary.md'), out);
  void expected;
}

main().catch((e) => {
  process.stderr.write(`bench-mcp failed: ${(e as Error).stack}\n`);
  process.exit(1);
});
