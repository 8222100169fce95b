/**
 * Request quotas (issue 15, item 3): events of one session being decided at once are bounded. Past the
 * bound the answer is a deny (socket: the hook JSON of a denied call, which a fail-open hook obeys too;
 * HTTP: 503 with the deny in its body, which Claude Code blocks on with "onFailure": "block"), never an
 * allow, and other sessions are answered as ever.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_SESSION_IN_FLIGHT } from '../../src/daemon/sidecar.ts';
import { ErrorCode, GuardError } from '../../src/errors.ts';
import { resolvePaths } from '../../src/paths.ts';
import type { AuditRow } from '../../src/store/audit-store.ts';
import { hookPost } from '../helpers/net.ts';
import { decisionOf, ensureBuilt, HOOK, reasonOf } from '../helpers/sidecar.ts';
import { inProcessHttpSidecar } from '../helpers/in-process.ts';

const call = (sid: string, n: number): string =>
  JSON.stringify({ session_id: sid, hook_event_name: 'PreToolUse', tool_name: 'Bash', cwd: '/tmp', tool_input: { command: `ls /tmp/d${n}` } });

/** The built command hook, fail-open (no --fail-closed), run asynchronously: the sidecar lives in this process. */
function failOpenHook(socket: string, event: string): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [HOOK, 'pre', '--socket', socket, '--deadline', '2000'], { stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.on('exit', () => resolve(JSON.parse(out || '{}')));
    p.stdin.end(event);
  });
}

test('events of one session being decided at once are bounded: past the bound a deny (socket) or a 503 with a deny (HTTP), other sessions unaffected', async () => {
  ensureBuilt();
  const home = mkdtempSync(join(tmpdir(), 'mph-quota-'));
  const paths = resolvePaths({ HOME: home, MCPPROXY_HOOK_HOME: join(home, 's') });
  const { sc, port, token } = await inProcessHttpSidecar(paths);
  try {
    // the rows of session "busy" are not committed until the test lets them: its events stay in progress
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const enqueue = sc.audit.enqueue.bind(sc.audit);
    sc.audit.enqueue = (row: AuditRow) => (row.session_id === 'busy' ? gate.then(() => enqueue(row)) : enqueue(row));
    const held = await Promise.all(Array.from({ length: MAX_SESSION_IN_FLIGHT }, (_, i) => sc.evaluate(call('busy', i), 'hook')));
    assert.ok(held.every((r) => r.decision?.action === 'allow'));
    // one more of that session is refused with the bound named, not queued and not allowed
    await assert.rejects(
      sc.evaluate(call('busy', 99), 'hook'),
      (e: unknown) => e instanceof GuardError && e.code === ErrorCode.Overloaded && /per-session bound, 32/.test(e.message),
    );
    // through the socket, to a fail-open command hook: a deny it obeys (an error reply would let the call run)
    const viaHook = await failOpenHook(paths.socket, call('busy', 100));
    assert.equal(decisionOf(viaHook), 'deny', JSON.stringify(viaHook));
    assert.match(reasonOf(viaHook), /could not check this tool call: this session already has 32 events being decided at once/);
    // through HTTP: 503 (onFailure "block" blocks on it) with the deny in the body
    const viaHttp = await hookPost(port, token, call('busy', 101));
    assert.equal(viaHttp.status, 503);
    assert.equal(JSON.parse(viaHttp.body).hookSpecificOutput.permissionDecision, 'deny');
    // another session is answered as ever, over both transports
    assert.deepEqual(await failOpenHook(paths.socket, call('other', 1)), {});
    const other = await hookPost(port, token, call('other', 2));
    assert.equal(other.status, 200);
    assert.deepEqual(JSON.parse(other.body), {});
    const st = sc.status() as { connections: { session_in_flight_refused: number; http_hook: { refused_503: number } } };
    assert.equal(st.connections.session_in_flight_refused, 3);
    assert.equal(st.connections.http_hook.refused_503, 1);
    // what a tool returned is recorded even past the bound (the call already ran; refusing it would make the guard forget it)
    const output = JSON.stringify({
      session_id: 'busy',
      hook_event_name: 'PostToolUse',
      tool_name: 'Read',
      cwd: '/tmp',
      tool_input: { file_path: '/tmp/memo.txt' },
      tool_response: { type: 'text', file: { filePath: '/tmp/memo.txt', content: 'quarterly numbers for the board, not for outside eyes' } },
    });
    const origins = sc.engine.session('busy')?.origins.size ?? 0;
    await assert.doesNotReject(sc.evaluate(output, 'hook'));
    await sc.evaluate(call('other', 3), 'hook'); // a PostToolUse is answered first and recorded before the next decision
    assert.equal(sc.engine.session('busy')?.origins.size, origins + 1, 'the output past the bound is recorded');
    // once its events are answered, the session is served again
    release();
    await Promise.all(held.map((r) => r.committed));
    assert.equal((await sc.evaluate(call('busy', 102), 'hook')).decision?.action, 'allow');
  } finally {
    await sc.stop();
    rmSync(home, { recursive: true, force: true });
  }
});
