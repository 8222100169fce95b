/** End to end: Claude Code's `type: "http"` hooks against the sidecar — a deny and an allow, no hook process. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeRun, e2eSkip, makeTempDir, runClaude } from './harness/claude.ts';
import type { RunningSidecar } from '../helpers/sidecar.ts';
import { freePort } from '../helpers/net.ts';
import { activityRows, assertExfilBlocked, exfilSession, startInstalledSidecar } from './harness/scenario.ts';

const skip = e2eSkip();

describe('HTTP hooks with the real Claude Code CLI', { skip }, () => {
  let sc: RunningSidecar;
  before(async () => {
    sc = await startInstalledSidecar(['--transport', 'http', '--port', String(await freePort())]);
  });
  after(async () => {
    await sc.cleanup();
  });

  test('a deny and an allow through the HTTP hook', async () => {
    const proj = makeTempDir('e2e-http');
    // the send is denied; the Read before it and the ordinary work after it are allowed
    const { sent, script } = exfilSession(proj, { ordinaryWork: true });
    const r = await runClaude({ cwd: proj, home: sc.home, script });
    assert.equal(r.exitCode, 0, describeRun(r));
    assertExfilBlocked(r, sent, { ordinaryWork: true });
    const http = r.hookRuns.filter((h) => h.kind === 'http');
    assert.ok(http.length >= 5, `expected HTTP hook runs in the debug log, got ${JSON.stringify(r.hookRuns.map((h) => h.kind))}`);
    assert.equal(r.hookRuns.filter((h) => h.kind === 'command' && /ToolUse/.test(h.event)).length, 0, 'no hook process was spawned for a tool event');
    const rows = activityRows(sc.env, '--limit', '100');
    assert.ok(rows.some((x) => x.source === 'http' && x.decision === 'deny' && x.tool === 'Bash'));
  });
});
