/**
 * The hook executable Claude Code runs for PreToolUse / PostToolUse. Hot path: imports only `net`
 * and `fs`, no config parsing. Reads the event from stdin, sends it to the sidecar over the Unix
 * socket in one msgpack frame, prints the sidecar's hook JSON, exits 0. If the sidecar is missing,
 * slow or answers garbage, it prints a valid fail-open (allow + warning) or fail-closed (deny) reply.
 *
 * argv: <pre|post> [--socket PATH] [--deadline MS] [--fail-closed] [--autostart CLI_JS]
 *       start --autostart CLI_JS [--socket PATH] [--deadline MS] [--http-port N]
 *   --socket: default the sidecar socket of the resolved state dir (MCPPROXY_HOOK_HOME, XDG_STATE_HOME, HOME),
 *     so a plugin's hooks.json needs no user-specific path.
 *   --autostart: when no sidecar listens, start `node CLI_JS daemon` detached and retry within the deadline.
 *   start: the SessionStart hook of the HTTP transport. It makes sure a sidecar runs (starting one when none
 *     answers) and waits for it, and for its HTTP port, so the session's first tool call finds it; prints {}.
 * Request frame:  u32be length + msgpack {t: "hook", p: ppid, e: bin(raw stdin)}   (written by hand below;
 *                 ppid is the Claude Code process, which joins hook and MCP sessions exactly)
 * Reply frame:    u32be length + msgpack str (the hook JSON; "!" + message when the sidecar could not decide)
 */
import { connect } from 'node:net';
import { closeSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { DAEMON_ENV, DAEMON_NODE_ARGS } from '../src/daemon-args.ts';
import { resolvePaths } from '../src/paths.ts';

const MAX_EVENT = 32 * 1024 * 1024 - 64;
const args = process.argv.slice(2);
const starting = args[0] === 'start';
const phase = args[0] === 'post' ? 'PostToolUse' : 'PreToolUse';
let socketPath = '';
let deadline = 3000;
let failClosed = false;
let autostart = '';
let httpPort = 0;
for (let i = 1; i < args.length; i++) {
  const a = args[i];
  if (a === '--socket') socketPath = args[++i] ?? '';
  else if (a === '--deadline') deadline = Number(args[++i]) || 3000;
  else if (a === '--fail-closed') failClosed = true;
  else if (a === '--autostart') autostart = args[++i] ?? '';
  else if (a === '--http-port') httpPort = Number(args[++i]) || 0;
}
const paths = resolvePaths();
if (!socketPath) socketPath = paths.socket;
const started = Date.now();

let done = false;
function out(s: string): void {
  if (done) return;
  done = true;
  const b = Buffer.from(s + '\n');
  let off = 0;
  while (off < b.length) {
    try {
      off += writeSync(1, b, off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') break;
    }
  }
  process.exit(0);
}

function fail(why: string): void {
  if (starting) {
    out(
      JSON.stringify({
        systemMessage: `mcpproxy-hook: could not start the data-flow guard (${why}). Tool calls will be blocked until it runs: start it with \`mcpproxy-hook daemon\` or install the service with \`mcpproxy-hook service install\`.`,
      }),
    );
    return;
  }
  const start = 'Start it with `mcpproxy-hook daemon`, or install the service with `mcpproxy-hook service install`.';
  if (failClosed && phase === 'PreToolUse') {
    out(
      JSON.stringify({
        systemMessage: `mcpproxy-hook (fail-closed) blocked a tool call: ${why}. ${start}`,
        hookSpecificOutput: {
          hookEventName: 'PreToolUse',
          permissionDecision: 'deny',
          permissionDecisionReason: `mcpproxy-hook is configured to fail closed and could not check this call: ${why}. The data-flow guard must be running for tools to run. ${start}`,
        },
      }),
    );
  } else {
    out(JSON.stringify({ systemMessage: `mcpproxy-hook: the data-flow guard is OFF for this tool call (${why}). ${start}` }));
  }
}

function readStr(b: Buffer): string | null {
  const t = b[0];
  if (t === undefined) return null;
  let off: number;
  let len: number;
  if (t >= 0xa0 && t <= 0xbf) {
    off = 1;
    len = t & 0x1f;
  } else if (t === 0xd9) {
    off = 2;
    len = b.readUInt8(1);
  } else if (t === 0xda) {
    off = 3;
    len = b.readUInt16BE(1);
  } else if (t === 0xdb) {
    off = 5;
    len = b.readUInt32BE(1);
  } else return null;
  if (off + len !== b.length) return null;
  return b.toString('utf8', off, off + len);
}

setTimeout(() => fail(`the sidecar did not answer within ${deadline} ms`), deadline).unref();

let input: Buffer;
try {
  input = readFileSync(0);
} catch (_e) {
  input = Buffer.alloc(0);
}
if (starting) ensureRunning(false);
else if (input.length === 0) fail('Claude Code sent an empty event');
else if (input.length > MAX_EVENT) fail(`the event is ${input.length} bytes, over the ${MAX_EVENT}-byte limit`);
else {
  // msgpack: fixmap(3) "t":"hook" "p": uint32 ppid "e": bin32
  const head = Buffer.from([0x83, 0xa1, 0x74, 0xa4, 0x68, 0x6f, 0x6f, 0x6b, 0xa1, 0x70, 0xce, 0, 0, 0, 0, 0xa1, 0x65, 0xc6, 0, 0, 0, 0]);
  head.writeUInt32BE(process.ppid >>> 0, 11);
  head.writeUInt32BE(input.length, 18);
  const len = Buffer.allocUnsafe(4);
  len.writeUInt32BE(head.length + input.length, 0);
  attempt(Buffer.concat([len, head, input]), false);
}

function attempt(frame: Buffer, retrying: boolean): void {
  const sock = connect(socketPath);
  const chunks: Buffer[] = [];
  let got = 0;
  let failed = false;
  sock.on('connect', () => {
    sock.write(frame);
  });
  sock.on('data', (c: Buffer) => {
    chunks.push(c);
    got += c.length;
    if (got < 4) return;
    const all = chunks.length === 1 ? c : Buffer.concat(chunks);
    const n = all.readUInt32BE(0);
    if (n > MAX_EVENT) return fail('the sidecar sent an oversized reply');
    if (got < 4 + n) return;
    const s = readStr(all.subarray(4, 4 + n));
    if (s === null) return fail('the sidecar sent a reply this hook cannot read (version mismatch? restart the sidecar)');
    if (s.charCodeAt(0) === 0x21) return fail(s.slice(1));
    if (s.charCodeAt(0) !== 0x7b) return fail('the sidecar sent a reply that is not hook JSON');
    out(s);
  });
  sock.on('error', (e: NodeJS.ErrnoException) => {
    failed = true;
    const code = e.code ?? 'error';
    if ((code === 'ENOENT' || code === 'ECONNREFUSED') && autostart) {
      // opted in: start the sidecar detached (it outlives this hook), then keep trying until the deadline
      if (!retrying) spawnDaemon();
      if (Date.now() - started < deadline - 100) {
        setTimeout(() => attempt(frame, true), 50);
        return;
      }
      fail(`the sidecar is not running and did not start in time (${code} on ${socketPath})`);
    } else if (code === 'ENOENT' || code === 'ECONNREFUSED') fail(`the sidecar is not running (${code} on ${socketPath})`);
    else if (code === 'EACCES') fail(`permission denied on ${socketPath}`);
    else fail(`cannot reach the sidecar (${code})`);
  });
  sock.on('close', () => {
    if (!failed) fail('the sidecar closed the connection without an answer');
  });
}

/** Start a detached sidecar (it outlives this hook); its log goes to sidecar.log in the state dir. */
function spawnDaemon(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const cp = require('node:child_process') as typeof import('node:child_process');
  let log: number | 'ignore' = 'ignore';
  try {
    mkdirSync(paths.stateDir, { recursive: true, mode: 0o700 });
    // hooks that run at once (SessionStart and the first prompt, parallel sessions) start one sidecar, not several:
    // whoever creates the lock starts it, the others wait for its socket; a lock older than 15 s is left over
    const lock = `${paths.stateDir}/start.lock`;
    try {
      closeSync(openSync(lock, 'wx', 0o600));
    } catch {
      if (Date.now() - statSync(lock).mtimeMs < 15_000) return;
      writeFileSync(lock, '');
    }
    log = openSync(paths.logFile, 'a', 0o600);
  } catch {
    /* the sidecar reports a state dir it cannot use itself */
  }
  try {
    cp.spawn(process.execPath, [...DAEMON_NODE_ARGS, autostart, 'daemon'], {
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...process.env, ...DAEMON_ENV },
    }).unref();
  } catch {
    /* reported below when the retries run out */
  }
  if (typeof log === 'number') closeSync(log);
}

/** SessionStart: is a sidecar answering a ping (and, for HTTP hooks, listening on its port)? If not, start one and wait. */
function ensureRunning(spawned: boolean): void {
  const retry = (why: string): void => {
    if (!autostart) return fail(why);
    if (!spawned) spawnDaemon();
    if (Date.now() - started < deadline - 100) setTimeout(() => ensureRunning(true), 50);
    else fail(`${why}; a sidecar was started but did not answer within ${deadline} ms`);
  };
  const sock = connect(socketPath);
  let got = 0;
  // {t: "ping", p: ppid}: the parent is the Claude Code about to post its first HTTP hook, a hint for the sidecar
  // to find who holds that connection (hook-callers.ts)
  const ping = Buffer.from([0, 0, 0, 15, 0x82, 0xa1, 0x74, 0xa4, 0x70, 0x69, 0x6e, 0x67, 0xa1, 0x70, 0xce, 0, 0, 0, 0]);
  ping.writeUInt32BE(process.ppid >>> 0, 15);
  sock.on('connect', () => sock.write(ping));
  sock.on('data', (c: Buffer) => {
    got += c.length;
    if (got < 4) return;
    sock.destroy();
    if (!httpPort) return out('{}');
    const h = connect(httpPort, '127.0.0.1');
    h.on('connect', () => {
      h.destroy();
      out('{}');
    });
    h.on('error', (e: NodeJS.ErrnoException) =>
      Date.now() - started < deadline - 100
        ? setTimeout(() => ensureRunning(true), 50)
        : fail(`the sidecar runs but its HTTP hook port ${httpPort} does not answer (${e.code}); see \`mcpproxy-hook status\``),
    );
  });
  sock.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED') retry(`the sidecar is not running (${e.code} on ${socketPath})`);
    else fail(`cannot reach the sidecar (${e.code ?? 'error'} on ${socketPath})`);
  });
}
