/**
 * Integration: the MCP proxy core with real upstream processes (the SDK fixture servers), real
 * SDK clients, the stdio bridge over a Unix socket and the Streamable HTTP endpoint.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import {
  ElicitRequestSchema,
  ErrorCode,
  McpError,
  ResultSchema,
  ToolListChangedNotificationSchema,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamServer } from '../../src/config/index.ts';
import { McpSocketServer, type BridgeConnection } from '../../src/mcp-proxy/bridge.ts';
import { HttpEndpoint } from '../../src/mcp-proxy/http-endpoint.ts';
import { LineTransport } from '../../src/mcp-proxy/line-transport.ts';
import { createProxyServer, type FlowGuard, type GuardVerdict, type ProxyCall } from '../../src/mcp-proxy/proxy-server.ts';
import { UpstreamManager, type UpstreamStatus } from '../../src/mcp-proxy/upstreams.ts';
import { API_KEY } from '../fixtures/customer-db.ts';
import { until } from '../helpers/wait.ts';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const FIXTURES = join(ROOT, 'test', 'fixtures');
const MARKER = 'EXFIL-MARKER-7f3a';
const ASK = 'ASK-MARKER-21c9';

const tmp = mkdtempSync(join(tmpdir(), 'mph-mcp-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function fixture(name: string, env: Record<string, string> = {}): UpstreamServer {
  return { command: process.execPath, args: ['--import', 'tsx', join(FIXTURES, `${name}.ts`)], cwd: ROOT, env };
}

class StubGuard implements FlowGuard {
  checks: ProxyCall[] = [];
  records: Array<{ call: ProxyCall; result: unknown }> = [];
  check(call: ProxyCall): GuardVerdict {
    this.checks.push(call);
    const text = typeof call.args.text === 'string' ? call.args.text : '';
    if (call.server === 'team-chat' && call.tool === 'post_message' && text.includes(MARKER)) {
      return { action: 'deny', reason: 'it would send customer data from customer-db__query_customers to team-chat' };
    }
    if (text.includes(ASK)) return { action: 'ask', reason: 'this message may contain internal data' };
    return { action: 'allow', reason: '' };
  }
  record(call: ProxyCall, result: unknown): void {
    this.records.push({ call, result });
  }
  outcomes: Array<{ action: string; outcome: string; why: string }> = [];
  outcome(v: GuardVerdict, outcome: string, why: string): void {
    this.outcomes.push({ action: v.action, outcome, why });
  }
}

const logs: string[] = [];
const log = (l: string): void => {
  logs.push(l);
  if (process.env.MCP_TEST_VERBOSE) process.stderr.write(l + '\n');
};

const textOf = (r: unknown): string => ((r as CallToolResult).content ?? []).map((c) => (c.type === 'text' ? c.text : '')).join('\n');

const chatLog = (file: string): Array<Record<string, unknown>> =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
    : [];

/** An in-process SDK client connected to a fresh proxy server. */
async function proxyClient(
  mgr: UpstreamManager,
  guard: FlowGuard,
  opts: { elicit?: (msg: string) => { action: 'accept' | 'decline' | 'cancel'; content?: Record<string, unknown> } } = {},
): Promise<Client> {
  const [a, b] = InMemoryTransport.createLinkedPair();
  const server = createProxyServer(mgr, guard, {
    connectionId: 'mem-1',
    transport: 'stdio-bridge',
    clientPids: [4242],
    getSessionId: () => 'mem-session',
    log,
  });
  await server.connect(a);
  const client = new Client({ name: 'test', version: '1' }, { capabilities: opts.elicit ? { elicitation: { form: {} } } : {} });
  if (opts.elicit) {
    const fn = opts.elicit;
    client.setRequestHandler(ElicitRequestSchema, (req) => fn(req.params.message));
  }
  await client.connect(b);
  return client;
}

describe('MCP proxy with the two fixture upstreams', () => {
  const chat = join(tmp, 'chat.jsonl');
  const guard = new StubGuard();
  let mgr: UpstreamManager;
  let client: Client;
  let changed = 0;

  before(async () => {
    mgr = new UpstreamManager(
      { 'customer-db': fixture('customer-db'), 'team-chat': fixture('team-chat', { CHAT_LOG: chat, TEAM_CHAT_DYNAMIC: '1' }) },
      { log, onToolsChanged: () => changed++ },
    );
    const t0 = Date.now();
    await mgr.start();
    log(`two upstreams ready in ${Date.now() - t0} ms`);
    client = await proxyClient(mgr, guard);
  });
  after(async () => {
    await client?.close();
    await mgr?.stop();
  });

  test('both upstreams ready; status reports them', () => {
    const st = mgr.status();
    assert.deepEqual(
      st.map((s) => [s.name, s.transport, s.state, s.restarts]),
      [
        ['customer-db', 'stdio', 'ready', 0],
        ['team-chat', 'stdio', 'ready', 0],
      ],
    );
    assert.equal(st[0]?.tools, 1);
    assert.equal(st[1]?.tools, 3);
    assert.ok(!Number.isNaN(Date.parse(st[0]?.lastChange ?? '')));
    assert.ok(changed >= 2, 'onToolsChanged fired when the upstreams came up');
  });

  test('lists namespaced tools with descriptions, schemas and annotations intact', async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(
      tools.map((t) => t.name),
      ['customer-db__query_customers', 'team-chat__post_message', 'team-chat__list_channels', 'team-chat__enable_archive'],
    );
    // compare with what the upstream itself says, field by field
    const direct = new Client({ name: 'direct', version: '1' });
    const f = fixture('customer-db');
    await direct.connect(new StdioClientTransport({ command: f.command as string, args: f.args ?? [], cwd: ROOT, stderr: 'ignore' }));
    try {
      const raw = (await direct.request({ method: 'tools/list', params: {} }, ResultSchema)) as { tools: Array<Record<string, unknown>> };
      const up = raw.tools[0] as Record<string, unknown>;
      const viaProxy = tools[0] as unknown as Record<string, unknown>;
      for (const k of ['title', 'description', 'inputSchema', 'annotations']) assert.deepEqual(viaProxy[k], up[k], k);
      assert.equal((viaProxy.inputSchema as { properties: { limit: { maximum: number } } }).properties.limit.maximum, 1000);
    } finally {
      await direct.close();
    }
    const mine = mgr.tools().find((t) => t.name === 'team-chat__post_message');
    assert.equal(mine?.server, 'team-chat');
    assert.equal(mine?.tool, 'post_message');
    assert.equal(mine?.description, 'Post a message to a team chat channel.');
  });

  test('a call goes through; record() gets the call and the upstream result unchanged', async () => {
    const r = await client.callTool({ name: 'customer-db__query_customers', arguments: { sql: 'SELECT * FROM customers' } });
    assert.notEqual(r.isError, true);
    assert.match(textOf(r), /alice\.johnson@example\.com/);
    assert.match(textOf(r), /4111 1111 1111 1111/);
    assert.ok(textOf(r).includes(API_KEY));
    const rec = guard.records.find((x) => x.call.tool === 'query_customers');
    assert.ok(rec, 'record() was called');
    assert.deepEqual(rec.call, {
      connectionId: 'mem-1',
      mcpSessionId: 'mem-session',
      server: 'customer-db',
      tool: 'query_customers',
      args: { sql: 'SELECT * FROM customers' },
      clientPids: [4242],
      transport: 'stdio-bridge',
    });
    assert.deepEqual(rec.result, r);
    // an upstream tool error is the upstream's answer, passed through (and recorded)
    const bad = await client.callTool({ name: 'customer-db__query_customers', arguments: { sql: 'DROP TABLE customers' } });
    assert.equal(bad.isError, true);
    assert.equal(textOf(bad), 'only SELECT statements are allowed');
  });

  test('upstream progress notifications reach the client under its own progress token', async () => {
    const seen: Array<{ progress: number; total?: number; message?: string }> = [];
    const r = await client.callTool({ name: 'customer-db__query_customers', arguments: { sql: 'select 1' } }, undefined, { onprogress: (p) => seen.push(p) });
    assert.match(textOf(r), /Chen Wei/);
    assert.deepEqual(
      seen.map((p) => [p.progress, p.total, p.message]),
      [
        [1, 3, 'row 1'],
        [2, 3, 'row 2'],
        [3, 3, 'row 3'],
      ],
    );
  });

  test('deny: the client gets isError with the reason and the chat server receives nothing', async () => {
    const ok = await client.callTool({ name: 'team-chat__post_message', arguments: { channel: 'general', text: 'standup at 10' } });
    assert.equal(textOf(ok), 'posted');
    assert.equal(chatLog(chat).length, 1, 'the chat log records calls');
    const recordsBefore = guard.records.length;
    const r = await client.callTool({ name: 'team-chat__post_message', arguments: { channel: 'general', text: `rows: alice.johnson@example.com ${MARKER}` } });
    assert.equal(r.isError, true);
    assert.equal(textOf(r), 'Blocked by mcpproxy-hook: it would send customer data from customer-db__query_customers to team-chat');
    assert.equal(guard.records.length, recordsBefore, 'nothing recorded for a blocked call');
    // calls to one upstream travel one pipe in order: once a later call is answered, the blocked one would be in the log
    assert.equal(textOf(await client.callTool({ name: 'team-chat__post_message', arguments: { channel: 'general', text: 'after the block' } })), 'posted');
    const received = chatLog(chat);
    assert.equal(received.length, 2);
    assert.ok(!JSON.stringify(received).includes(MARKER));
  });

  test('ask without elicitation support degrades to warn: the call proceeds, the warning is in its result, the outcome is reported', async () => {
    const before = guard.outcomes.length;
    const r = await client.callTool({ name: 'team-chat__post_message', arguments: { channel: 'random', text: `hello ${ASK}` } });
    assert.equal(textOf(r), 'posted\nWarning from mcpproxy-hook: this message may contain internal data', 'the client (and so its user) sees the warning');
    assert.ok(logs.some((l) => l.includes('degraded to warn')));
    assert.deepEqual(guard.outcomes.slice(before), [
      { action: 'ask', outcome: 'warn', why: 'the client cannot ask its user (no elicitation), so the call went on with a warning in its result' },
    ]);
  });

  test('ask with elicitation: accept proceeds, decline blocks', async () => {
    const asked: string[] = [];
    let answer: { action: 'accept' | 'decline' | 'cancel'; content?: Record<string, unknown> } = { action: 'accept', content: { allow: true } };
    const c = await proxyClient(mgr, guard, {
      elicit: (m) => {
        asked.push(m);
        return answer;
      },
    });
    try {
      const before = chatLog(chat).length;
      const r1 = await c.callTool({ name: 'team-chat__post_message', arguments: { channel: 'random', text: `one ${ASK}` } });
      assert.equal(textOf(r1), 'posted');
      assert.equal(asked.length, 1);
      assert.match(asked[0] ?? '', /may contain internal data/);
      assert.match(asked[0] ?? '', /team-chat__post_message/);
      answer = { action: 'decline' };
      const r2 = await c.callTool({ name: 'team-chat__post_message', arguments: { channel: 'random', text: `two ${ASK}` } });
      assert.equal(r2.isError, true);
      assert.match(textOf(r2), /^Blocked by mcpproxy-hook: this message may contain internal data/);
      answer = { action: 'accept', content: { allow: false } };
      const r3 = await c.callTool({ name: 'team-chat__post_message', arguments: { channel: 'random', text: `three ${ASK}` } });
      assert.equal(r3.isError, true);
      assert.equal(chatLog(chat).length, before + 1, 'only the accepted message reached the chat');
      assert.deepEqual(
        guard.outcomes.slice(-3).map((o) => o.outcome),
        ['allow', 'deny', 'deny'],
        'the audit learns what the user answered',
      );
    } finally {
      await c.close();
    }
  });

  test('unknown tools are MCP errors (InvalidParams); a tool unknown to its upstream gets the upstream answer', async () => {
    for (const name of ['nope', 'nope__x', 'customer-db__', '__x']) {
      await assert.rejects(
        client.callTool({ name, arguments: {} }),
        (e: unknown) => e instanceof McpError && e.code === ErrorCode.InvalidParams && /Unknown tool/.test(e.message),
        name,
      );
    }
    // a tool the upstream does not have: forwarded, and the upstream's own answer comes back
    // (the SDK's McpServer answers an isError result rather than a JSON-RPC error)
    const r = await client.callTool({ name: 'customer-db__no_such_tool', arguments: {} });
    assert.equal(r.isError, true);
    assert.match(textOf(r), /no_such_tool/);
  });

  test('an upstream tools/list_changed reaches the client and the new tool is listed', async () => {
    let notified = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      notified++;
    });
    const before = changed;
    const r = await client.callTool({ name: 'team-chat__enable_archive', arguments: {} });
    assert.equal(textOf(r), 'archive enabled');
    await until('list_changed at the client', () => notified > 0);
    assert.ok(changed > before);
    const { tools } = await client.listTools();
    assert.ok(tools.some((t) => t.name === 'team-chat__archive_channel'));
    const a = await client.callTool({ name: 'team-chat__archive_channel', arguments: { channel: 'random' } });
    assert.equal(textOf(a), 'archived random');
  });
});

/**
 * A retry scheduler the test drives (UpstreamManager's scheduleRetry): it records each upstream's
 * delays and runs an attempt only when the test says, so the backoff is asserted as the delays asked
 * for and the order of events, never as time measured on the clock.
 */
class ManualRetries {
  readonly scheduled: Array<{ upstream: string; delayMs: number; attempt: () => void; cancelled: boolean; ran: boolean }> = [];
  readonly schedule = (attempt: () => void, delayMs: number, upstream: string): (() => void) => {
    const r = { upstream, delayMs, attempt, cancelled: false, ran: false };
    this.scheduled.push(r);
    return () => {
      r.cancelled = true;
    };
  };
  delays(upstream: string): number[] {
    return this.scheduled.filter((r) => r.upstream === upstream).map((r) => r.delayMs);
  }
  pending(upstream: string): boolean {
    return this.scheduled.some((r) => r.upstream === upstream && !r.cancelled && !r.ran);
  }
  /** run the upstream's one pending attempt (there must be exactly one) */
  runNext(upstream: string): void {
    const open = this.scheduled.filter((r) => r.upstream === upstream && !r.cancelled && !r.ran);
    assert.equal(
      open.length,
      1,
      `one pending retry of ${upstream}: ${JSON.stringify(this.scheduled.map(({ upstream: u, delayMs, ran, cancelled }) => ({ u, delayMs, ran, cancelled })))}`,
    );
    const [next] = open as [(typeof open)[number]];
    next.ran = true;
    next.attempt();
  }
}

describe('upstream failures', () => {
  test('a crashing upstream is reported failed, is retried after its backoff delay, and the other keeps working', async () => {
    const starts = join(tmp, 'starts.jsonl');
    const chat = join(tmp, 'chat2.jsonl');
    const changes: UpstreamStatus[] = [];
    const retries = new ManualRetries();
    const mgr = new UpstreamManager(
      { flaky: fixture('customer-db', { FIXTURE_EXIT_AFTER_CALLS: '1', FIXTURE_STARTS_LOG: starts }), 'team-chat': fixture('team-chat', { CHAT_LOG: chat }) },
      { log, onStateChange: (s) => changes.push(s), backoff: { initialMs: 250, maxMs: 1000 }, scheduleRetry: retries.schedule },
    );
    const guard = new StubGuard();
    try {
      await mgr.start();
      const client = await proxyClient(mgr, guard);
      const r1 = await client.callTool({ name: 'flaky__query_customers', arguments: { sql: 'select 1' } });
      assert.match(textOf(r1), /Alice Johnson/);
      const failed = await until('flaky failed', () => mgr.status().find((s) => s.name === 'flaky' && s.state === 'failed'));
      assert.match(failed.error ?? '', /exited with code 3/);
      assert.match(failed.error ?? '', /FIXTURE_EXIT_AFTER_CALLS/, 'the last stderr line is in the error');
      assert.ok(failed.nextRetry);
      // one retry asked for, after the first backoff delay; nothing retries until it runs
      assert.deepEqual(retries.delays('flaky'), [250]);
      assert.deepEqual(retries.delays('team-chat'), []);
      // while it is down: an isError result naming the upstream and why; the other upstream works
      const down = await client.callTool({ name: 'flaky__query_customers', arguments: { sql: 'select 1' } });
      assert.equal(down.isError, true);
      assert.match(textOf(down), /upstream MCP server "flaky" is down/);
      assert.equal(mgr.status().find((s) => s.name === 'flaky')?.restarts, 0, 'no attempt before the scheduled one');
      const chatOk = await client.callTool({ name: 'team-chat__post_message', arguments: { channel: 'general', text: 'still here' } });
      assert.equal(textOf(chatOk), 'posted');
      retries.runNext('flaky');
      const back = await until('flaky ready again', () => mgr.status().find((s) => s.name === 'flaky' && s.state === 'ready' && s.restarts >= 1));
      assert.equal(back.restarts, 1);
      assert.equal(mgr.tools().filter((t) => t.server === 'flaky').length, 1, 'tools kept across the restart');
      const r2 = await client.callTool({ name: 'flaky__query_customers', arguments: { sql: 'select 1' } });
      assert.match(textOf(r2), /Alice Johnson/);
      assert.equal(mgr.status().find((s) => s.name === 'team-chat')?.restarts, 0);
      assert.match(back.lastError?.error ?? '', /exited with code 3/, 'the last failure stays visible after recovery');
      // that call ends the restarted process too: the next delay doubles (it was up for less than stableMs)
      await until('flaky failed again', () => retries.pending('flaky'));
      assert.deepEqual(retries.delays('flaky'), [250, 500]);
      const flakyStates = changes.filter((c) => c.name === 'flaky').map((c) => c.state);
      assert.deepEqual(flakyStates.slice(0, 5), ['starting', 'ready', 'failed', 'starting', 'ready']);
      assert.ok(changes.find((c) => c.name === 'flaky' && c.state === 'failed')?.nextRetry, 'a failed state change says when the next attempt is');
      await client.close();
    } finally {
      await mgr.stop();
    }
    assert.equal(retries.pending('flaky'), false, 'stop() cancels the pending retry');
    // every fixture process is gone after stop()
    const pids = new Set(chatLog(starts).map((l) => l.pid as number));
    assert.equal(pids.size, 2);
    for (const pid of pids) assert.throws(() => process.kill(pid, 0), `pid ${pid} still alive`);
    assert.ok(mgr.status().every((s: UpstreamStatus) => s.state === 'stopped'));
  });

  test('an upstream that cannot start is retried with doubling delays up to the cap and does not block the others', async () => {
    const retries = new ManualRetries();
    const mgr = new UpstreamManager(
      {
        broken: { command: join(tmp, 'no-such-server') },
        exits: { command: process.execPath, args: ['-e', 'process.stderr.write("boom: missing DATABASE_URL\\n"); process.exit(2)'] },
        'customer-db': fixture('customer-db'),
      },
      { log, backoff: { initialMs: 100, maxMs: 400 }, scheduleRetry: retries.schedule },
    );
    try {
      await mgr.start();
      const st = mgr.status();
      assert.equal(st.find((s) => s.name === 'customer-db')?.state, 'ready');
      assert.match(st.find((s) => s.name === 'broken')?.error ?? '', /ENOENT/);
      const exits = await until('exits failed', () => mgr.status().find((s) => s.name === 'exits' && s.state === 'failed'));
      assert.match(exits.error ?? '', /code 2|boom: missing DATABASE_URL/);
      for (let attempt = 1; attempt <= 4; attempt++) {
        await until(`retry ${attempt} of broken scheduled`, () => retries.pending('broken'));
        retries.runNext('broken');
        await until(`retry ${attempt} of broken made`, () => mgr.status().find((s) => s.name === 'broken')?.restarts === attempt);
      }
      await until('the failure after retry 4 scheduled', () => retries.pending('broken'));
      assert.deepEqual(retries.delays('broken'), [100, 200, 400, 400, 400]);
      assert.deepEqual(retries.delays('customer-db'), []);
      const guard = new StubGuard();
      const client = await proxyClient(mgr, guard);
      const r = await client.callTool({ name: 'broken__anything', arguments: {} });
      assert.equal(r.isError, true);
      assert.match(textOf(r), /upstream MCP server "broken" is down/);
      const ok = await client.callTool({ name: 'customer-db__query_customers', arguments: { sql: 'select 1' } });
      assert.match(textOf(ok), /Alice/);
      await client.close();
    } finally {
      await mgr.stop();
    }
  });

  test('upstream names containing "__" (or ending in "_") are rejected with a clear error', () => {
    assert.throws(() => new UpstreamManager({ my__db: fixture('customer-db') }, { log }), /"my__db" contains "__".*rename/);
    assert.throws(() => new UpstreamManager({ db_: fixture('customer-db') }, { log }), /ends with "_"/);
  });

  test('disabled upstreams are not started and say so', async () => {
    const mgr = new UpstreamManager({ off: { ...fixture('customer-db'), disabled: true } }, { log });
    await mgr.start();
    assert.deepEqual(
      mgr.status().map((s) => [s.state, s.error]),
      [['stopped', 'disabled in the config']],
    );
    const r = await mgr.callTool('off', 'query_customers', { sql: 'select 1' });
    assert.equal(r.isError, true);
    assert.match(textOf(r), /disabled/);
    await mgr.stop();
  });
});

function http(
  port: number,
  opts: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const body = opts.body ?? '';
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: opts.method ?? 'POST',
        path: opts.path ?? '/mcp',
        headers: { 'content-length': String(Buffer.byteLength(body)), ...opts.headers },
      },
      (res) => {
        let b = '';
        res.on('data', (c: Buffer) => (b += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b, headers: res.headers }));
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) =>
      e.code === 'EPIPE' || e.code === 'ECONNRESET' ? resolve({ status: -1, body: e.code, headers: {} }) : reject(e),
    );
    req.end(body);
  });
}

describe('Streamable HTTP endpoint', () => {
  const token = 'test-token-0123456789abcdefghijklmnopqrstuv';
  const chat = join(tmp, 'chat-http.jsonl');
  const guard = new StubGuard();
  let mgr: UpstreamManager;
  let ep: HttpEndpoint;
  const started: Array<{ connectionId: string; clientPids?: number[] }> = [];
  const ended: string[] = [];

  before(async () => {
    mgr = new UpstreamManager({ 'customer-db': fixture('customer-db'), 'team-chat': fixture('team-chat', { CHAT_LOG: chat }) }, { log });
    await mgr.start();
    ep = new HttpEndpoint({
      port: 0,
      token,
      upstreams: mgr,
      guard,
      log,
      onSessionStart: (s) => started.push(s),
      onSessionEnd: (s) => ended.push(s.mcpSessionId),
    });
    await ep.listen();
  });
  after(async () => {
    await ep?.close();
    await mgr?.stop();
  });

  const init = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
  });
  const good = (): Record<string, string> => ({
    host: `127.0.0.1:${ep.port}`,
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
  });

  test('binds an ephemeral loopback port', () => {
    assert.ok(ep.port > 0);
    assert.equal(ep.url, `http://127.0.0.1:${ep.port}/mcp`);
  });

  test('refuses: no/wrong token 401, bad Host 403, Origin 403, OPTIONS 403, content type 415, big body 413, path 404, unknown session 404', async () => {
    const { authorization: _a, ...noAuth } = good();
    assert.equal((await http(ep.port, { headers: noAuth, body: init })).status, 401);
    assert.equal((await http(ep.port, { headers: { ...good(), authorization: 'Bearer wrong' }, body: init })).status, 401);
    assert.equal((await http(ep.port, { headers: { ...good(), authorization: `Bearer ${token}x` }, body: init })).status, 401);
    assert.equal((await http(ep.port, { headers: { ...good(), authorization: `Basic ${token}` }, body: init })).status, 401);
    assert.equal((await http(ep.port, { headers: { ...good(), host: `evil.example:${ep.port}` }, body: init })).status, 403);
    assert.equal((await http(ep.port, { headers: { ...good(), host: '127.0.0.1:1' }, body: init })).status, 403);
    assert.equal((await http(ep.port, { headers: { ...good(), origin: `http://127.0.0.1:${ep.port}` }, body: init })).status, 403);
    assert.equal((await http(ep.port, { method: 'OPTIONS', headers: { ...good(), 'access-control-request-method': 'POST' } })).status, 403);
    assert.equal((await http(ep.port, { headers: { ...good(), 'content-type': 'text/plain' }, body: init })).status, 415);
    assert.equal((await http(ep.port, { headers: { ...good(), 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=b' })).status, 415);
    const big = Buffer.alloc(5 * 1024 * 1024, 0x20);
    const r413 = await http(ep.port, { headers: good(), body: big });
    assert.ok(r413.status === 413 || r413.status === -1, `got ${r413.status}`);
    // a body over the cap without a declared length (chunked) is cut off too
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port: ep.port, method: 'POST', path: '/mcp', headers: { ...good(), 'transfer-encoding': 'chunked' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' || e.code === 'ECONNRESET' ? resolve(-1) : reject(e)));
      for (let i = 0; i < 6; i++) req.write(Buffer.alloc(1024 * 1024, 0x20));
      req.end();
    });
    assert.ok(chunked === 413 || chunked === -1, `got ${chunked}`);
    assert.equal((await http(ep.port, { path: '/other', headers: good(), body: init })).status, 404);
    assert.equal((await http(ep.port, { headers: { ...good(), 'mcp-session-id': 'nope' }, body: init })).status, 404);
    assert.equal((await http(ep.port, { method: 'PUT', headers: good(), body: init })).status, 405);
    const notInit = await http(ep.port, { headers: good(), body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }) });
    assert.equal(notInit.status, 400);
    assert.equal((await http(ep.port, { headers: good(), body: '{not json' })).status, 400);
    assert.equal(ep.sessionList().length, 0, 'no session was created by refused requests');
  });

  test('an SDK client over Streamable HTTP: list, call, deny; the session knows its client pid; DELETE ends it', async () => {
    const client = new Client({ name: 'http-test', version: '1' });
    const transport = new StreamableHTTPClientTransport(new URL(ep.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      assert.ok(tools.some((t) => t.name === 'customer-db__query_customers'));
      const r = await client.callTool({ name: 'customer-db__query_customers', arguments: { sql: 'select *' } });
      assert.ok(textOf(r).includes(API_KEY));
      const d = await client.callTool({ name: 'team-chat__post_message', arguments: { channel: 'x', text: MARKER } });
      assert.equal(d.isError, true);
      assert.match(textOf(d), /^Blocked by mcpproxy-hook: /);
      assert.equal(chatLog(chat).length, 0);
      const sessions = ep.sessionList();
      assert.equal(sessions.length, 1);
      assert.equal(sessions[0]?.mcpSessionId, transport.sessionId);
      const rec = guard.records.find((x) => x.call.transport === 'http');
      assert.equal(rec?.call.mcpSessionId, transport.sessionId);
      if (process.platform === 'linux') {
        // the client is this test process: the /proc scan finds it
        assert.deepEqual(started[0]?.clientPids, [process.pid]);
        assert.deepEqual(rec?.call.clientPids, [process.pid]);
      }
    } finally {
      await transport.terminateSession();
      await client.close();
    }
    await until('session removed', () => ep.sessionList().length === 0);
    assert.equal(ended.length, 1);
  });

  test("ask over HTTP: the elicitation travels on the call's stream; accept proceeds", async () => {
    const client = new Client({ name: 'http-elicit', version: '1' }, { capabilities: { elicitation: {} } });
    const asked: string[] = [];
    client.setRequestHandler(ElicitRequestSchema, (req) => {
      asked.push(req.params.message);
      return { action: 'accept', content: { allow: asked.length === 1 } };
    });
    const transport = new StreamableHTTPClientTransport(new URL(ep.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } });
    await client.connect(transport);
    try {
      const r = await client.callTool({ name: 'team-chat__post_message', arguments: { channel: 'c', text: `one ${ASK}` } });
      assert.equal(textOf(r), 'posted');
      const r2 = await client.callTool({ name: 'team-chat__post_message', arguments: { channel: 'c', text: `two ${ASK}` } });
      assert.equal(r2.isError, true);
      assert.equal(asked.length, 2);
      assert.deepEqual(
        chatLog(chat).map((l) => l.text),
        [`one ${ASK}`],
      );
    } finally {
      await transport.terminateSession();
      await client.close();
    }
  });

  test('an http upstream (with headers) works: the proxy behind the proxy', async () => {
    const outer = new UpstreamManager({ inner: { type: 'http', url: ep.url, headers: { Authorization: `Bearer ${token}` } } }, { log });
    try {
      await outer.start();
      const st = outer.status()[0];
      assert.equal(st?.state, 'ready', st?.error);
      assert.equal(st?.transport, 'http');
      assert.ok(outer.tools().some((t) => t.name === 'inner__customer-db__query_customers'));
      const r = await outer.callTool('inner', 'customer-db__query_customers', { sql: 'select 1' });
      assert.ok(textOf(r).includes('Bob Martinez'));
      const bad = new UpstreamManager({ inner: { type: 'http', url: ep.url, headers: { Authorization: 'Bearer wrong' } } }, { log });
      await bad.start();
      assert.equal(bad.status()[0]?.state, 'failed');
      assert.match(bad.status()[0]?.error ?? '', /401|token/i);
      await bad.stop();
    } finally {
      await outer.stop();
    }
  });
});

describe('stdio bridge', () => {
  const sock = join(tmp, 'mcp.sock');
  const chat = join(tmp, 'chat-bridge.jsonl');
  const guard = new StubGuard();
  let mgr: UpstreamManager;
  let srv: McpSocketServer;
  const connected: BridgeConnection[] = [];
  const disconnected: string[] = [];

  before(async () => {
    mgr = new UpstreamManager({ 'customer-db': fixture('customer-db'), 'team-chat': fixture('team-chat', { CHAT_LOG: chat }) }, { log });
    await mgr.start();
    srv = new McpSocketServer({
      path: sock,
      upstreams: mgr,
      guard,
      log,
      handshakeTimeoutMs: 500,
      onConnect: (c) => connected.push(c),
      onDisconnect: (c) => disconnected.push(c.connectionId),
    });
    await srv.listen();
  });
  after(async () => {
    await srv?.close();
    await mgr?.stop();
  });

  const bridge = (path: string): StdioClientTransport =>
    new StdioClientTransport({ command: process.execPath, args: ['--import', 'tsx', join(FIXTURES, 'bridge-entry.ts'), path], cwd: ROOT, stderr: 'pipe' });

  test('the socket is private (0600)', async () => {
    const { statSync } = await import('node:fs');
    assert.equal(statSync(sock).mode & 0o777, 0o600);
  });

  test('end to end: SDK client → stdio → bridge → Unix socket → proxy → upstreams', async () => {
    const client = new Client({ name: 'bridge-test', version: '1' });
    const t = bridge(sock);
    const t0 = Date.now();
    await client.connect(t);
    log(`bridge connected in ${Date.now() - t0} ms`);
    const bridgePid = t.pid;
    try {
      const { tools } = await client.listTools();
      assert.equal(tools.length, 3);
      const r = await client.callTool({ name: 'customer-db__query_customers', arguments: { sql: 'select *' } });
      assert.ok(textOf(r).includes('4111 1111 1111 1111'));
      const d = await client.callTool({ name: 'team-chat__post_message', arguments: { channel: 'general', text: `Alice ${MARKER}` } });
      assert.equal(d.isError, true);
      assert.match(textOf(d), /^Blocked by mcpproxy-hook: /);
      assert.equal(chatLog(chat).length, 0);
      // a large result crosses the bridge intact
      const big = 'x'.repeat(2 * 1024 * 1024);
      const p = await client.callTool({ name: 'team-chat__post_message', arguments: { channel: 'general', text: big } });
      assert.equal(textOf(p), 'posted');
      assert.equal(String(chatLog(chat)[0]?.text).length, big.length);

      assert.equal(connected.length, 1);
      const c = connected[0] as BridgeConnection;
      assert.match(c.mcpSessionId, /^bridge-/);
      // the handshake carries the bridge's ancestors: its parent is this test process
      assert.equal(c.pids[0], process.pid);
      if (process.platform === 'linux') assert.ok(c.pids.length >= 2 && c.pids.length <= 6, `pids ${c.pids}`);
      const rec = guard.records.find((x) => x.call.transport === 'stdio-bridge');
      assert.equal(rec?.call.mcpSessionId, c.mcpSessionId);
      assert.deepEqual(rec?.call.clientPids, c.pids);
      assert.equal(srv.connections().length, 1);
    } finally {
      await client.close();
    }
    await until('bridge disconnected', () => disconnected.length === 1);
    assert.equal(srv.connections().length, 0);
    if (bridgePid)
      await until(
        'bridge process exited',
        () =>
          (() => {
            try {
              process.kill(bridgePid, 0);
              return false;
            } catch {
              return true;
            }
          })(),
        5000,
      );
  });

  test('two bridges at once get separate sessions', async () => {
    const a = new Client({ name: 'a', version: '1' });
    const b = new Client({ name: 'b', version: '1' });
    await Promise.all([a.connect(bridge(sock)), b.connect(bridge(sock))]);
    try {
      await Promise.all([a.callTool({ name: 'team-chat__list_channels', arguments: {} }), b.callTool({ name: 'team-chat__list_channels', arguments: {} })]);
      const ids = new Set(srv.connections().map((c) => c.mcpSessionId));
      assert.equal(ids.size, 2);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test('without a sidecar, every request gets an error saying how to start it, and the bridge exits on stdin EOF', async () => {
    const client = new Client({ name: 'nosidecar', version: '1' });
    const t = bridge(join(tmp, 'absent.sock'));
    let stderr = '';
    t.stderr?.on('data', (c: Buffer) => (stderr += c));
    await assert.rejects(
      client.connect(t),
      (e: unknown) => e instanceof McpError && /sidecar is not running/.test(e.message) && /mcpproxy-hook daemon/.test(e.message),
    );
    await client.close();
    assert.match(stderr, /sidecar is not running/);
  });

  test('the sidecar goes away and comes back: the bridge reconnects, replays initialize, and a call made meanwhile goes through', async () => {
    const path2 = join(tmp, 'mcp2.sock');
    // a guard that never answers for one message: a call still in flight when the sidecar goes
    let hanging = 0;
    const hang: FlowGuard = {
      check: (c) => {
        if (c.args.text === 'HANG') {
          hanging++;
          return new Promise(() => undefined);
        }
        return guard.check(c);
      },
      record: (c, r) => guard.record(c, r),
    };
    let srv2 = new McpSocketServer({ path: path2, upstreams: mgr, guard: hang, log });
    await srv2.listen();
    const client = new Client({ name: 'restarts', version: '1' });
    const t = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', 'tsx', join(FIXTURES, 'bridge-entry.ts'), path2],
      cwd: ROOT,
      stderr: 'pipe',
      env: { ...(process.env as Record<string, string>), MCPPROXY_HOOK_BRIDGE_WAIT_MS: '1500' },
    });
    let stderr = '';
    t.stderr?.on('data', (c: Buffer) => (stderr += c));
    let closed = false;
    client.onclose = () => {
      closed = true;
    };
    await client.connect(t);
    const pid = t.pid;
    try {
      assert.equal((await client.listTools()).tools.length, 3);
      const sid = srv2.connections()[0]?.mcpSessionId;
      assert.ok(sid);
      const inflight = client.callTool({ name: 'team-chat__post_message', arguments: { channel: 'general', text: 'HANG' } });
      await until('call in flight', () => hanging === 1, 5000);
      await srv2.close();
      await assert.rejects(
        inflight,
        (e: unknown) => e instanceof McpError && /restarted while this call was in flight: it may or may not have run/.test(e.message),
      );
      await until('bridge noticed', () => /went away; reconnecting/.test(stderr), 5000);
      // a call while the sidecar is away waits for it
      const call = client.callTool({ name: 'team-chat__list_channels', arguments: {} });
      await until('the bridge holds the call', () => /holding calls until the sidecar is back/.test(stderr), 5000);
      srv2 = new McpSocketServer({ path: path2, upstreams: mgr, guard: hang, log });
      await srv2.listen();
      const r = await call;
      assert.notEqual(r.isError, true, textOf(r));
      assert.match(stderr, /reconnected to the sidecar/);
      assert.equal(closed, false, 'the client never saw the restart');
      assert.equal(srv2.connections()[0]?.mcpSessionId, sid, 'the same MCP session after the reconnection (so its flow state carries over)');
      assert.equal((await client.listTools()).tools.length, 3);
      // away for longer than the wait: the call gets an error that says how to start the sidecar
      await srv2.close();
      await until('bridge noticed again', () => (stderr.match(/went away/g) ?? []).length === 2, 5000);
      await assert.rejects(
        client.callTool({ name: 'team-chat__list_channels', arguments: {} }),
        (e: unknown) => e instanceof McpError && /sidecar is not running/.test(e.message),
      );
      assert.equal(closed, false);
    } finally {
      await client.close();
    }
    if (pid)
      await until(
        'bridge process exited',
        () =>
          (() => {
            try {
              process.kill(pid, 0);
              return false;
            } catch {
              return true;
            }
          })(),
        5000,
      );
    assert.ok(!existsSync(path2), 'close() removes the socket file');
  });

  test('a connection without a handshake is closed', async () => {
    const closedFor = async (what: RegExp, send?: string): Promise<void> => {
      const before = logs.filter((l) => what.test(l)).length;
      await new Promise<void>((resolve) => {
        const s = connect(sock);
        if (send !== undefined) s.on('connect', () => s.write(send));
        s.on('close', () => resolve());
        s.on('error', () => undefined);
      });
      assert.equal(logs.filter((l) => what.test(l)).length, before + 1, `the server said why it closed the connection (${what})`);
    };
    // a client that speaks MCP without the bridge's handshake line
    await closedFor(/the first line is not a bridge handshake/, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }) + '\n');
    // a client that says nothing: closed by the handshake timeout (500 ms here), not left open
    await closedFor(/no handshake within the time limit/);
  });
});

describe('LineTransport', () => {
  test('delivers split and batched lines, and closes on a line over the limit', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const t = new LineTransport(input, output, { maxLineBytes: 1024, initial: Buffer.from('{"jsonrpc":"2.0","method":"a"}\n{"jsonrpc":') });
    const got: string[] = [];
    const errors: string[] = [];
    let closed = 0;
    t.onmessage = (m) => got.push((m as { method: string }).method);
    t.onerror = (e) => errors.push(e.message);
    t.onclose = () => closed++;
    await t.start();
    input.write('"2.0","method":"b"}\n\n{"jsonrpc":"2.0","method":"c"}\r\nnot json\n');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(got, ['a', 'b', 'c']);
    assert.equal(errors.length, 1, 'a bad line is reported, not fatal');
    await t.send({ jsonrpc: '2.0', method: 'out' });
    assert.equal(output.read()?.toString(), '{"jsonrpc":"2.0","method":"out"}\n');
    input.write('y'.repeat(600));
    input.write('y'.repeat(600));
    await new Promise((r) => setImmediate(r));
    assert.equal(closed, 1);
    assert.match(errors[1] ?? '', /longer than 1024 bytes/);
    await assert.rejects(t.send({ jsonrpc: '2.0', method: 'late' }), /Not connected/);
  });
});
