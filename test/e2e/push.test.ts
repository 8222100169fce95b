/**
 * End to end with the real Claude Code CLI: what a `git push` publishes is read from the repository
 * by the sidecar and judged before the push runs (issue 14 item 4). The remote is a local bare
 * repository, so nothing leaves the machine either way.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeRun, e2eSkip, makeTempDir, runClaude, type Turn } from './harness/claude.ts';
import type { RunningSidecar } from '../helpers/sidecar.ts';
import { activityRows, startInstalledSidecar, toolTexts } from './harness/scenario.ts';
import { checkoutWithRemote, remoteHead, type Checkout } from '../helpers/git-repo.ts';

const skip = e2eSkip();
// a fake GitHub token in the real shape (never a real key)
const GH_TOKEN = ['ghp_d8JzmKlkdnvRhe56m2ga', 'iUu6DInPq4DeR5Do'].join('');
/** A checkout with one pushed commit and a local bare remote `origin`. */
function checkout(): Checkout & { file: Checkout['write'] } {
  const c = checkoutWithRemote(makeTempDir('e2e-push'));
  return { ...c, file: c.write };
}

describe('git push inspection with the real Claude Code CLI', { skip }, () => {
  let sc: RunningSidecar;
  before(async () => {
    sc = await startInstalledSidecar();
  });
  after(async () => {
    await sc.cleanup();
  });

  test('a commit holding a secret, then git push to a local bare remote: interrupted, naming the file and the secret kind; the remote is unchanged', async () => {
    const c = checkout();
    c.file('config/deploy.env', `REGION=eu-west-1\nGITHUB_TOKEN=${GH_TOKEN}\n`);
    c.git('add', '.');
    c.git('commit', '-q', '-m', 'deploy config');
    const before = remoteHead(c.bare);
    const script: Turn[] = [[{ tool_use: { name: 'Bash', input: { command: 'git push origin main', description: 'push the branch' } } }], [{ text: 'done' }]];
    const r = await runClaude({ cwd: c.dir, home: sc.home, script });
    assert.equal(r.exitCode, 0, describeRun(r));
    const push = r.toolResults[0];
    assert.equal(push?.is_error, true, toolTexts(r));
    assert.match(push?.text ?? '', /mcpproxy-hook blocked this Bash call/);
    assert.match(push?.text ?? '', /config\/deploy\.env/);
    assert.match(push?.text ?? '', /GitHub/i);
    assert.ok(!(push?.text ?? '').includes(GH_TOKEN), 'the reason does not repeat the secret');
    assert.equal(remoteHead(c.bare), before, 'the push did not run');
    const rows = activityRows(sc.env, '--decision', 'deny', '--tool', 'Bash');
    assert.ok(
      rows.some((x) => /push_secret/.test(x.summary ?? '')),
      JSON.stringify(rows),
    );
    assert.ok(!JSON.stringify(rows).includes(GH_TOKEN), 'no raw secret in the audit log');
  });

  test('a clean commit pushed the same way goes through', async () => {
    const c = checkout();
    c.file('src/app.ts', 'export const answer = 42;\n');
    c.git('add', '.');
    c.git('commit', '-q', '-m', 'app');
    const local = c.git('rev-parse', 'HEAD').trim();
    const script: Turn[] = [[{ tool_use: { name: 'Bash', input: { command: 'git push origin main', description: 'push the branch' } } }], [{ text: 'done' }]];
    const r = await runClaude({ cwd: c.dir, home: sc.home, script });
    assert.equal(r.exitCode, 0, describeRun(r));
    assert.equal(r.toolResults[0]?.is_error, false, toolTexts(r));
    assert.equal(remoteHead(c.bare), local, 'the push ran');
  });
});
