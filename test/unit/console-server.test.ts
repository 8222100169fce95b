import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { ConsoleServer, CSP, flowGraph, type ConsoleData, type ConsoleDecisionRow } from '../../src/console/server.ts';

const rows: ConsoleDecisionRow[] = [
  {
    id: 1,
    ts: 1,
    session_id: 's1',
    event: 'PostToolUse',
    tool: 'Read',
    decision: 'allow',
    risk: 'none',
    reason: null,
    summary: 'recorded',
    origin_tool: null,
    hosts: null,
    latency_us: 10,
    source: 'hook',
  },
  {
    id: 2,
    ts: 2,
    session_id: 's1',
    event: 'PreToolUse',
    tool: 'Bash',
    decision: 'deny',
    risk: 'critical',
    reason: 'blocked [REDACTED aws]',
    summary: 's',
    origin_tool: 'Read(/p/.env)',
    hosts: 'evil.example',
    latency_us: 20,
    source: 'hook',
  },
];
const allowed: Array<{ id: number; scope: string }> = [];
let listener: ((r: ConsoleDecisionRow) => void) | undefined;
const data: ConsoleData = {
  sessions: () => [{ session_id: 's1', coverage: 'proxy-only', events: 2, interrupted: 1, last_at: 2 }],
  decisions: (q) => rows.filter((r) => !q.session || r.session_id === q.session),
  decision: (id) => rows.find((r) => r.id === id),
  exceptions: () => [],
  allow: (id, scope) => {
    allowed.push({ id, scope });
    return { id: 7, scope };
  },
  revoke: (id) => ({ id }),
  subscribe: (l) => {
    listener = l;
    return () => (listener = undefined);
  },
};

let srv: ConsoleServer;
before(async () => {
  srv = new ConsoleServer({ port: 0, data });
  await srv.listen();
});
after(() => srv.close());

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}
function http(path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: srv.port, path, method: opts.method ?? 'GET', headers: { host: `127.0.0.1:${srv.port}`, ...opts.headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

async function login(): Promise<{ cookie: string; csrf: string }> {
  const url = new URL(srv.loginUrl());
  const r = await http(url.pathname + url.search);
  assert.equal(r.status, 303);
  const cookie = String(r.headers['set-cookie']).split(';')[0] as string;
  assert.match(String(r.headers['set-cookie']), /HttpOnly; SameSite=Strict/);
  const page = await http('/', { headers: { cookie } });
  assert.equal(page.status, 200);
  const csrf = /name="csrf" content="([^"]+)"/.exec(page.body)?.[1] as string;
  assert.ok(csrf && csrf !== '__CSRF__');
  return { cookie, csrf };
}

test('without the login token nothing but the static assets is served', async () => {
  assert.equal((await http('/')).status, 401);
  assert.equal((await http('/api/decisions')).status, 401);
  assert.equal((await http('/api/stream')).status, 401);
  assert.equal((await http('/login?token=wrong')).status, 403);
  assert.equal((await http('/app.js')).status, 200);
});

test('a login link works once', async () => {
  const url = new URL(srv.loginUrl());
  assert.equal((await http(url.pathname + url.search)).status, 303);
  assert.equal((await http(url.pathname + url.search)).status, 403);
});

test('Host and Origin are checked; every page carries a strict CSP', async () => {
  const { cookie } = await login();
  assert.equal((await http('/api/decisions', { headers: { cookie, host: 'evil.example' } })).status, 403, 'DNS rebinding: foreign Host');
  assert.equal((await http('/api/decisions', { headers: { cookie, origin: 'http://evil.example' } })).status, 403, 'foreign Origin');
  const r = await http('/api/decisions', { headers: { cookie } });
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-security-policy'], CSP);
  assert.equal(r.headers['x-frame-options'], 'DENY');
  assert.equal(JSON.parse(r.body).decisions.length, 2);
});

test('state changes need the CSRF token', async () => {
  const { cookie, csrf } = await login();
  const body = JSON.stringify({ decision: 2, scope: 'once' });
  const json = { 'content-type': 'application/json' };
  assert.equal((await http('/api/exceptions', { method: 'POST', headers: { cookie, ...json }, body })).status, 403);
  assert.equal((await http('/api/exceptions', { method: 'POST', headers: { cookie, ...json, 'x-csrf-token': 'nope' }, body })).status, 403);
  assert.equal(allowed.length, 0);
  const ok = await http('/api/exceptions', { method: 'POST', headers: { cookie, ...json, 'x-csrf-token': csrf, origin: srv.origin }, body });
  assert.equal(ok.status, 201, ok.body);
  assert.deepEqual(allowed, [{ id: 2, scope: 'once' }]);
});

test('live updates reach a logged-in client', async () => {
  const { cookie } = await login();
  const got = await new Promise<string>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: srv.port, path: '/api/stream', headers: { host: `127.0.0.1:${srv.port}`, cookie } }, (res) => {
      assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8');
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        buf += c;
        if (buf.startsWith(': live')) {
          if (!buf.includes('event: decision')) srv.publish({ ...(rows[1] as ConsoleDecisionRow), id: 3 });
          else {
            req.destroy();
            resolve(buf);
          }
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
  assert.match(got, /event: decision\ndata: \{"id":3/);
  assert.equal(listener, undefined, 'the server itself does not subscribe: the sidecar publishes');
});

test('flow graph: sources to sinks with the decisions on the edges', () => {
  const g = flowGraph(rows);
  assert.deepEqual(
    g.nodes.map((n) => `${n.kind}:${n.label}`),
    ['source:Read(/p/.env)', 'sink:evil.example'],
  );
  assert.deepEqual(g.edges, [{ from: 'src:Read(/p/.env)', to: 'sink:evil.example', decision: 'deny', id: 2, tool: 'Bash' }]);
});
