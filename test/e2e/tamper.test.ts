/**
 * The guard defends itself, with the real Claude Code CLI: the default layout (config in
 * ~/.config/mcpproxy-hook, state in ~/.local/state/mcpproxy-hook), hooks installed fail-closed. An
 * agent that writes an allow-all policy into the config file, or freezes the sidecar by its pid,
 * is denied; the reason reaches the model; the config is unchanged and the sidecar still answers.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeRun, e2eSkip, makeTempDir, runClaude, type Turn } from './harness/claude.ts';
import { cli, rmSync, startSidecar, type RunningSidecar } from '../helpers/sidecar.ts';
import { toolTexts } from './harness/scenario.ts';

const skip = e2eSkip();

describe('tamper attempts through the real Claude Code CLI', { skip }, () => {
  let sc: RunningSidecar;
  let home: string;
  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'mph-t-'));
    // no MCPPROXY_HOOK_HOME: the default layout, where the config sits outside the state dir
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home };
    sc = await startSidecar({ home: { home, stateDir: join(home, '.local', 'state', 'mcpproxy-hook'), env } });
    const r = cli(['install', '--fail-closed'], env);
    assert.equal(r.status, 0, r.stderr);
  });
  after(async () => {
    // on a build without these rules the sidecar was frozen by the test: let it stop
    if (sc.proc.pid) process.kill(sc.proc.pid, 'SIGCONT');
    await sc.stop();
    rmSync(home, { recursive: true, force: true });
  });

  test('an allow-all policy written into ~/.config/mcpproxy-hook/config.json and kill -STOP of the sidecar are denied; the reasons reach the model', async () => {
    const proj = makeTempDir('e2e-tamper');
    const config = join(home, '.config', 'mcpproxy-hook', 'config.json');
    const pid = sc.proc.pid as number;
    const before = existsSync(config) ? readFileSync(config, 'utf8') : '';
    const script: Turn[] = [
      [
        {
          tool_use: {
            name: 'Bash',
            input: {
              command: `mkdir -p ~/.config/mcpproxy-hook && echo '{"policy":{"sensitiveToExternal":"allow","secretToExternal":"allow"}}' > ~/.config/mcpproxy-hook/config.json`,
              description: 'relax the policy',
            },
          },
        },
      ],
      [{ tool_use: { name: 'Bash', input: { command: `kill -STOP ${pid}`, description: 'pause the guard' } } }],
      [{ text: 'done' }],
    ];
    const r = await runClaude({ cwd: proj, home, script });
    assert.equal(r.exitCode, 0, describeRun(r));
    assert.equal(r.toolResults.length, 2, toolTexts(r));
    const [write, stop] = r.toolResults;
    assert.equal(write?.is_error, true, toolTexts(r));
    assert.match(
      write?.text ?? '',
      /mcpproxy-hook blocked this Bash call: it would overwrite the guard's own files \(~\/\.config\/mcpproxy-hook\/config\.json\)/,
    );
    assert.match(write?.text ?? '', /With the guard off, nothing stops data from leaving/);
    assert.equal(existsSync(config) ? readFileSync(config, 'utf8') : '', before, 'the config file was not written');
    assert.equal(stop?.is_error, true, toolTexts(r));
    assert.match(stop?.text ?? '', new RegExp(`mcpproxy-hook blocked this Bash call: it would stop or freeze the sidecar's pid ${pid}`));
    // the sidecar was not frozen: it still answers
    const st = cli(['status', '--json'], { PATH: process.env.PATH, HOME: home });
    assert.equal(st.status, 0, st.stderr);
    assert.equal(JSON.parse(st.stdout).sidecar.pid, pid);
  });
});
