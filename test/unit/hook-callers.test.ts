/**
 * Who sent a hook event (src/transport/hook-callers.ts), with the kernel's facts made up: a session is bound
 * to the process of its first HTTP event, events from any other process or over the socket are refused,
 * what cannot be verified raises no trust, and nothing is bound for good to a process that has exited.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HookCallers, type Caller, type ProcFacts, type Verdict } from '../../src/transport/hook-callers.ts';
import { holdsSocket, processStart, socketOwner } from '../../src/transport/peer.ts';
import { createServer, connect } from 'node:net';
import { readlinkSync, readdirSync } from 'node:fs';

/** A made-up process table: pid -> start, and which pid holds which socket inode; port -> {inode, uid}. */
function fakeProc(): ProcFacts & {
  procs: Map<number, string>;
  exes: Map<number, string>;
  parents: Map<number, number>;
  sockets: Map<string, number>;
  ports: Map<number, { inode: string; uid: number }>;
  scans: number;
  why: string | null;
  budgetOut: boolean;
  candidates: number[][];
} {
  const f = {
    procs: new Map<number, string>(),
    exes: new Map<number, string>(),
    parents: new Map<number, number>(),
    sockets: new Map<string, number>(),
    ports: new Map<number, { inode: string; uid: number }>(),
    scans: 0,
    why: null as string | null,
    budgetOut: false,
    unavailable: () => f.why,
    peer: (remotePort: number) => f.ports.get(remotePort),
    holds: (pid: number, inode: string) => f.sockets.get(inode) === pid && f.procs.has(pid),
    start: (pid: number) => f.procs.get(pid),
    exe: (pid: number) => (f.procs.has(pid) ? f.exes.get(pid) : undefined),
    parent: (pid: number) => (f.procs.has(pid) ? (f.parents.get(pid) ?? 1) : undefined),
    candidates: [] as number[][],
    owner: async (inode: string, candidates: readonly number[]) => {
      f.scans++;
      f.candidates.push([...candidates]);
      if (f.budgetOut) return { why: 'out of time' };
      const pid = f.sockets.get(inode);
      return pid !== undefined && f.procs.has(pid) ? { pid } : { why: 'not found' };
    },
  };
  return f;
}

const UID = 1000;
let nextPort = 40000;
/** A connection from `pid`: its own socket inode and port. */
function connFrom(f: ReturnType<typeof fakeProc>, pid: number, uid = UID): Caller {
  const port = nextPort++;
  const inode = String(900000 + port);
  f.ports.set(port, { inode, uid });
  f.sockets.set(inode, pid);
  return { channel: 'http', conn: {}, remotePort: port, localPort: 24811 };
}

const judge = async (c: HookCallers, caller: Caller, sid: string, ev = 'PreToolUse'): Promise<Verdict> => c.judge(caller, sid, ev);

test('the first HTTP event binds a session to its process; another process is refused, over HTTP and over the socket', async () => {
  const f = fakeProc();
  f.procs.set(100, 's100'); // Claude Code
  f.procs.set(200, 's200'); // a process an agent's Bash call started
  const c = new HookCallers({ proc: f, httpHooks: () => true, ownUid: UID });
  const claude = connFrom(f, 100);
  assert.deepEqual(await judge(c, claude, 'S', 'UserPromptSubmit'), { accept: true, trusted: true });
  assert.deepEqual(await judge(c, claude, 'S'), { accept: true, trusted: true });
  assert.equal(f.scans, 1, 'the process list is searched once per connection');
  const forger = connFrom(f, 200);
  const v = await judge(c, forger, 'S', 'UserPromptSubmit');
  assert.equal(v.accept, false);
  assert.match((v as { why: string }).why, /pid 100/);
  const s = await judge(c, { channel: 'socket' }, 'S', 'PostToolUse');
  assert.equal(s.accept, false);
  assert.match((s as { why: string }).why, /Unix socket/);
  // a second connection of the same Claude Code (parallel hook calls): one look at its descriptors, no search
  const again = connFrom(f, 100);
  assert.deepEqual(await judge(c, again, 'S'), { accept: true, trusted: true });
  assert.equal(f.scans, 2, 'one search for the connection of the forger (to see which program it is), none for the second connection of Claude Code');
  const st = c.stats();
  assert.equal(st.refused, 2);
  assert.equal(st.sessions_bound, 1);
  assert.equal(st.last_refused?.channel, 'socket');
  // the forger again, on the same connection: refused without another search
  assert.equal((await judge(c, forger, 'S')).accept, false);
  assert.equal(f.scans, 2, 'the connection of the forger is searched once, then refused at once');
});

test('a made-up session of the forger binds to the forger only: the real session stays bound', async () => {
  const f = fakeProc();
  f.procs.set(100, 's100');
  f.procs.set(200, 's200');
  const c = new HookCallers({ proc: f, httpHooks: () => true, ownUid: UID });
  await judge(c, connFrom(f, 100), 'S');
  const forger = connFrom(f, 200);
  assert.deepEqual(await judge(c, forger, 'made-up', 'UserPromptSubmit'), { accept: true, trusted: true });
  assert.equal((await judge(c, forger, 'S')).accept, false);
});

test('what cannot be verified is taken in but raises no trust: no /proc, a search out of time, a flood of searches', async () => {
  const none = fakeProc();
  none.why = 'darwin has no /proc to say which process made a connection';
  const c1 = new HookCallers({ proc: none, httpHooks: () => true, ownUid: UID });
  const v1 = await judge(c1, connFrom(none, 100), 'S', 'UserPromptSubmit');
  assert.deepEqual(v1, { accept: true, trusted: false, why: none.why });
  assert.equal(c1.stats().prompts_not_trusted, 1);
  assert.match(c1.stats().verification, /unavailable: darwin/);

  const slow = fakeProc();
  slow.procs.set(100, 's100');
  slow.budgetOut = true;
  const c2 = new HookCallers({ proc: slow, httpHooks: () => true, ownUid: UID });
  const v2 = await judge(c2, connFrom(slow, 100), 'S', 'UserPromptSubmit');
  assert.equal(v2.accept && !v2.trusted, true);
  assert.equal(c2.stats().sessions_bound, 0, 'nothing bound on a search that did not finish');
  // the next connection may be looked up again, and binds
  slow.budgetOut = false;
  assert.deepEqual(await judge(c2, connFrom(slow, 100), 'S'), { accept: true, trusted: true });

  const flood = fakeProc();
  flood.procs.set(100, 's100');
  const c3 = new HookCallers({ proc: flood, httpHooks: () => true, ownUid: UID, scansPerMinute: 2 });
  for (let i = 0; i < 2; i++) await judge(c3, connFrom(flood, 100), `x${i}`);
  const v3 = await judge(c3, connFrom(flood, 100), 'S', 'UserPromptSubmit');
  assert.equal(v3.accept && !v3.trusted, true);
  assert.match((v3 as { why: string }).why, /more than 2 new connections a minute/);
  assert.equal(flood.scans, 2, 'past the rate, no search is run');
});

test('a pid hinted by the starter hook is searched first; a made-up hint changes nothing but the order', async () => {
  const f = fakeProc();
  f.procs.set(100, 's100');
  const c = new HookCallers({ proc: f, httpHooks: () => true, ownUid: UID });
  c.hint(100);
  c.hint(999); // made up by someone else
  c.hint(0);
  assert.deepEqual(await judge(c, connFrom(f, 100), 'S', 'UserPromptSubmit'), { accept: true, trusted: true });
  assert.deepEqual(f.candidates[0], [999, 100]);
  assert.equal(c.stats().hints, 2);
  assert.equal(c.stats().owner_found_first, 1);
});

test('a search that fails is no crash: the event raises no trust, and the next connection searches again', async () => {
  const f = fakeProc();
  f.procs.set(100, 's100');
  const owner = f.owner;
  f.owner = async () => {
    throw new Error('EMFILE: too many open files');
  };
  const c = new HookCallers({ proc: f, httpHooks: () => true, ownUid: UID });
  const v = await judge(c, connFrom(f, 100), 'S', 'UserPromptSubmit');
  assert.equal(v.accept && !v.trusted, true);
  assert.match((v as { why: string }).why, /EMFILE/);
  f.owner = owner;
  assert.deepEqual(await judge(c, connFrom(f, 100), 'S'), { accept: true, trusted: true });
});

test("another user's process is refused", async () => {
  const f = fakeProc();
  f.procs.set(300, 's300');
  const c = new HookCallers({ proc: f, httpHooks: () => true, ownUid: UID });
  const v = await judge(c, connFrom(f, 300, 4242), 'S');
  assert.equal(v.accept, false);
  assert.match((v as { why: string }).why, /another user \(uid 4242\)/);
});

test('over the socket: prompts raise no trust where HTTP hooks are installed; with the command transport alone they do', async () => {
  const f = fakeProc();
  let http = true;
  const c = new HookCallers({ proc: f, httpHooks: () => http, ownUid: UID });
  const v = await judge(c, { channel: 'socket' }, 'S', 'UserPromptSubmit');
  assert.equal(v.accept && !v.trusted, true);
  assert.deepEqual(await judge(c, { channel: 'socket' }, 'S', 'PostToolUse'), { accept: true, trusted: true });
  http = false;
  assert.deepEqual(await judge(c, { channel: 'socket' }, 'S', 'UserPromptSubmit'), { accept: true, trusted: true });
});

test('a session whose Claude Code exited binds to the next one (a resumed session); a reused pid is not the same process', async () => {
  const f = fakeProc();
  f.procs.set(100, 's100');
  const c = new HookCallers({ proc: f, httpHooks: () => true, ownUid: UID });
  const first = connFrom(f, 100);
  await judge(c, first, 'S');
  f.procs.delete(100);
  f.procs.set(150, 's150');
  assert.deepEqual(await judge(c, connFrom(f, 150), 'S'), { accept: true, trusted: true });
  // pid 150 is reused by another process: the old binding is not its
  f.procs.set(150, 's150-new');
  const v = await judge(c, connFrom(f, 150), 'S');
  assert.deepEqual(v, { accept: true, trusted: true }, 'the process that bound it exited; the next binds it');
  assert.equal(c.snapshot()[0]?.[2], 's150-new');
});

test('bindings are saved and restored (those of exited processes left out); a process binds a bounded number of sessions', async () => {
  const f = fakeProc();
  f.procs.set(100, 's100');
  f.procs.set(101, 's101');
  const c = new HookCallers({ proc: f, httpHooks: () => true, ownUid: UID, perProcess: 3 });
  const conn = connFrom(f, 100);
  for (const s of ['a', 'b', 'c', 'd']) await judge(c, conn, s);
  await judge(c, connFrom(f, 101), 'e');
  assert.deepEqual(
    c
      .snapshot()
      .map((x) => x[0])
      .sort(),
    ['b', 'c', 'd', 'e'],
    'the oldest session of process 100 went',
  );
  const saved = JSON.parse(JSON.stringify(c.snapshot()));
  f.procs.delete(101);
  const d = new HookCallers({ proc: f, httpHooks: () => true, ownUid: UID });
  assert.equal(d.restore(saved), 3);
  assert.equal(d.restore('garbage'), 0);
  // after the restart a forger still cannot speak for a restored session
  f.procs.set(200, 's200');
  assert.equal((await judge(d, connFrom(f, 200), 'c', 'UserPromptSubmit')).accept, false);
});

test('the kernel facts on Linux: this process holds the client end of its own loopback connection', { skip: process.platform !== 'linux' }, async () => {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  const accepted = new Promise<import('node:net').Socket>((r) => srv.once('connection', r));
  const client = connect(port, '127.0.0.1');
  await new Promise<void>((r) => client.once('connect', () => r()));
  const server = await accepted;
  try {
    const c = new HookCallers({ httpHooks: () => true });
    const caller: Caller = { channel: 'http', conn: server, remotePort: server.remotePort ?? 0, localPort: port };
    assert.deepEqual(await c.judge(caller, 'S', 'UserPromptSubmit'), { accept: true, trusted: true });
    assert.equal(c.snapshot()[0]?.[1], process.pid);
    assert.equal(c.snapshot()[0]?.[2], processStart(process.pid));
    // the inode of the client end, found among this process's descriptors
    const inodes = readdirSync('/proc/self/fd')
      .map((fd) => {
        try {
          return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))?.[1];
        } catch {
          return undefined;
        }
      })
      .filter((x): x is string => !!x);
    assert.ok(inodes.some((i) => holdsSocket(process.pid, i)));
    assert.equal(holdsSocket(process.pid, '1'), false);
    const none = await socketOwner('1', [], 5000);
    assert.equal(none.pid, undefined);
  } finally {
    client.destroy();
    server.destroy();
    srv.close();
  }
});

test('the same session open in a second Claude Code (claude --resume in another terminal) is taken in without trust; processes of the agent are refused', async () => {
  const f = fakeProc();
  const CLAUDE = '/home/u/.local/share/claude/versions/2.1.330';
  f.procs.set(100, 's100'); // Claude Code, where the session started
  f.exes.set(100, CLAUDE);
  f.procs.set(300, 's300'); // a second Claude Code, in another terminal: not started by 100
  f.exes.set(300, CLAUDE);
  f.parents.set(300, 77); // its shell
  f.procs.set(77, 's77');
  f.exes.set(77, '/bin/bash');
  f.procs.set(400, 's400'); // `claude --resume S -p …` run by the agent: Claude Code's binary, started by 100 through a shell
  f.exes.set(400, CLAUDE);
  f.parents.set(400, 401);
  f.procs.set(401, 's401');
  f.exes.set(401, '/bin/bash');
  f.parents.set(401, 100);
  f.procs.set(500, 's500'); // python started by the agent, in the background: reparented to init
  f.exes.set(500, '/usr/bin/python3');
  f.procs.set(600, 's600'); // the same binary backgrounded by the agent (`… &`): reparented to init, not known as the agent's
  f.exes.set(600, CLAUDE);
  const c = new HookCallers({ proc: f, httpHooks: () => true, ownUid: UID });
  assert.deepEqual(await judge(c, connFrom(f, 100), 'S', 'UserPromptSubmit'), { accept: true, trusted: true });
  const second = await judge(c, connFrom(f, 300), 'S', 'UserPromptSubmit');
  assert.equal(second.accept, true);
  assert.equal((second as { trusted: boolean }).trusted, false, 'a prompt from the second window raises no trust');
  assert.match((second as { why: string }).why, /also open in another Claude Code process \(pid 100/);
  const nested = await judge(c, connFrom(f, 400), 'S', 'UserPromptSubmit');
  assert.equal(nested.accept, false, 'the Claude Code binary started by the bound Claude Code (its agent) is refused');
  const py = await judge(c, connFrom(f, 500), 'S', 'UserPromptSubmit');
  assert.equal(py.accept, false, 'another program is refused whatever its parent');
  const bg = await judge(c, connFrom(f, 600), 'S', 'UserPromptSubmit');
  assert.equal(bg.accept, true);
  assert.equal((bg as { trusted: boolean }).trusted, false, 'at most taken in without trust');
  // the first window closes: the second binds the session, and its prompts are the user's again
  f.procs.delete(100);
  assert.deepEqual(await judge(c, connFrom(f, 300), 'S', 'UserPromptSubmit'), { accept: true, trusted: true });
  assert.equal(c.stats().sessions_bound, 1);
});
