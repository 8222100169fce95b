/**
 * Per-event cost of the hooks as Claude Code sees it: the real CLI (offline, scripted mock model) runs the
 * same session of tool calls with
 *   - no hooks,
 *   - an HTTP hook that answers `{}` at once (a trivial loopback server: the floor of any HTTP hook),
 *   - the default install (HTTP hooks to the sidecar, onFailure "block", the SessionStart starter),
 *   - the command hook (`install --transport command`: a node process per event),
 * interleaved over several rounds. Per hook run, the duration Claude Code logs in its --debug-file (command
 * hooks: its own "(N ms)"; HTTP hooks: POST to response, ms timestamps). Prints the session wall times, the
 * per-event p50/p95 and the default install's wall time relative to the `{}` HTTP hook (target: at most +10%).
 * A measurement, not a test. Writes .bench/claude.md.
 *
 *   node --import tsx scripts/bench-claude.ts   (BENCH_CLAUDE_ROUNDS=8, BENCH_CLAUDE_CALLS=20, E2E_CLAUDE_BIN=…)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { claudeAvailable, claudeUnavailableReason, claudeVersion, makeTempDir, runClaude, type HookRun, type Turn } from '../test/e2e/harness/claude.ts';
import { cli, ensureBuilt, freshHome, ROOT, startSidecar, type RunningSidecar } from '../test/helpers/sidecar.ts';
import { percentile } from './lib/stats.ts';

// 8: the median of 3 rounds moved by ±6 points between runs on an idle machine (+2.0%, +13.3% the same hour); 8 rounds take ~1 min
const ROUNDS = Number(process.env.BENCH_CLAUDE_ROUNDS ?? 8);
const CALLS = Number(process.env.BENCH_CLAUDE_CALLS ?? 20);
const TRIVIAL_SERVER = `require('node:http').createServer((q, r) => { let b = ''; q.on('data', (c) => (b += c)); q.on('end', () => { JSON.parse(b); r.setHeader('content-type', 'application/json'); r.end('{}'); }); }).listen(Number(process.argv[1]), '127.0.0.1', () => process.stdout.write('up\\n'));`;

const median = (xs: number[]): number => percentile(xs, 0.5);

interface Setup {
  name: string;
  home: string;
  env?: Record<string, string>;
}

function script(proj: string): Turn[] {
  const turns: Turn[] = [];
  for (let i = 0; i < CALLS; i++) {
    turns.push(
      i % 4 === 3
        ? [{ tool_use: { name: 'Read', input: { file_path: join(proj, 'notes.md') } } }]
        : [{ tool_use: { name: 'Bash', input: { command: `echo step-${i} && ls ${proj}`, description: `step ${i}` } } }],
    );
  }
  turns.push([{ text: 'done' }]);
  return turns;
}

async function trivialServer(port: number): Promise<ChildProcess> {
  const p = spawn(process.execPath, ['-e', TRIVIAL_SERVER, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    p.stdout?.once('data', () => resolve());
    p.once('exit', (c) => reject(new Error(`trivial server exited ${c}`)));
  });
  return p;
}

function settingsFile(home: string, hooks: Record<string, unknown> | null): void {
  mkdirSync(join(home, '.claude'), { recursive: true });
  writeFileSync(join(home, '.claude', 'settings.json'), JSON.stringify(hooks ? { hooks } : {}));
}

async function main(): Promise<void> {
  if (!claudeAvailable()) {
    console.log(`bench-claude: skipped, the real Claude Code CLI is not available (${claudeUnavailableReason()})`);
    return;
  }
  ensureBuilt();
  const cleanup: Array<() => Promise<void> | void> = [];
  try {
    const setups: Setup[] = [];
    const none = freshHome('mphb-');
    settingsFile(none.home, null);
    setups.push({ name: 'no hooks', home: none.home });
    cleanup.push(() => rmSync(none.home, { recursive: true, force: true }));

    const port = 20000 + Math.floor(Math.random() * 12000);
    const trivial = await trivialServer(port);
    cleanup.push(() => void trivial.kill());
    const triv = freshHome('mphb-');
    const h = { type: 'http', url: `http://127.0.0.1:${port}/hook`, timeout: 10 };
    settingsFile(triv.home, {
      PreToolUse: [{ matcher: '*', hooks: [h] }],
      PostToolUse: [{ matcher: '*', hooks: [h] }],
      PostToolUseFailure: [{ matcher: '*', hooks: [h] }],
    });
    setups.push({ name: 'HTTP hook answering {}', home: triv.home });
    cleanup.push(() => rmSync(triv.home, { recursive: true, force: true }));

    // the default install: no sidecar running before it; install starts one (as a user's first install does)
    const def = freshHome('mphb-');
    const r = cli(['install'], def.env);
    if (r.status !== 0) throw new Error(`install failed: ${r.stderr}${r.stdout}`);
    setups.push({ name: 'mcpproxy-hook default (HTTP, onFailure block, SessionStart)', home: def.home });
    cleanup.push(async () => {
      cli(['uninstall', '--all', '--purge'], def.env);
      rmSync(def.home, { recursive: true, force: true });
    });

    const cmdSc: RunningSidecar = await startSidecar({ home: freshHome('mphb-') });
    const rc = cli(['install', '--transport', 'command'], cmdSc.env);
    if (rc.status !== 0) throw new Error(`install --transport command failed: ${rc.stderr}`);
    setups.push({ name: 'mcpproxy-hook command hook', home: cmdSc.home });
    cleanup.push(() => cmdSc.cleanup());

    const proj = makeTempDir('bench-claude');
    writeFileSync(join(proj, 'notes.md'), '# notes\n\nNothing secret here: build with npm run build, test with npm test.\n');
    const wall = new Map<string, number[]>(setups.map((s) => [s.name, []]));
    const runs = new Map<string, HookRun[]>(setups.map((s) => [s.name, []]));
    const bad: string[] = [];
    console.log(`bench-claude: ${claudeVersion()}, ${ROUNDS} rounds x ${setups.length} set-ups, ${CALLS} tool calls per session`);
    for (let round = 0; round < ROUNDS; round++) {
      // rotate the order so no set-up always runs first (a cold cache) or last
      for (let k = 0; k < setups.length; k++) {
        const s = setups[(k + round) % setups.length] as Setup;
        const res = await runClaude({ cwd: proj, home: s.home, script: script(proj), ...(s.env ? { env: s.env } : {}) });
        const errors = res.toolResults.filter((t) => t.is_error).length;
        if (res.exitCode !== 0 || res.toolResults.length !== CALLS || errors)
          bad.push(`${s.name} round ${round}: exit ${res.exitCode}, ${res.toolResults.length}/${CALLS} tool results, ${errors} errors`);
        wall.get(s.name)?.push(res.durationMs);
        runs.get(s.name)?.push(...res.hookRuns);
      }
    }

    const lines: string[] = [];
    lines.push(
      `Claude Code ${claudeVersion()}, ${ROUNDS} rounds, ${CALLS} tool calls (Bash and Read) per session, per-event times as the CLI logs them (--debug-file)`,
    );
    lines.push('');
    lines.push(
      '| set-up | session wall p50 (ms) | per-session spread (ms) | PreToolUse p50 / p95 (ms) | PostToolUse p50 / p95 (ms) | SessionStart p50 (ms) | hook runs |',
    );
    lines.push('|---|---|---|---|---|---|---|');
    for (const s of setups) {
      const w = wall.get(s.name) ?? [];
      const hr = runs.get(s.name) ?? [];
      const ev = (e: string): number[] => hr.filter((x) => x.event === e).map((x) => x.durationMs);
      const f = (xs: number[]): string => (xs.length ? `${median(xs).toFixed(0)} / ${percentile(xs, 0.95).toFixed(0)}` : '-');
      lines.push(
        `| ${s.name} | ${median(w).toFixed(0)} | ${Math.min(...w)}-${Math.max(...w)} | ${f(ev('PreToolUse'))} | ${f(ev('PostToolUse'))} | ${ev('SessionStart').length ? median(ev('SessionStart')).toFixed(0) : '-'} | ${hr.length} |`,
      );
    }
    const base = median(wall.get('HTTP hook answering {}') ?? []);
    const ours = median(wall.get('mcpproxy-hook default (HTTP, onFailure block, SessionStart)') ?? []);
    const noHooks = median(wall.get('no hooks') ?? []);
    const cmd = median(wall.get('mcpproxy-hook command hook') ?? []);
    lines.push('');
    lines.push(
      `Default install vs the {} HTTP hook: ${((ours / base - 1) * 100).toFixed(1)}% session wall time (target: at most +10%); vs no hooks: ${((ours / noHooks - 1) * 100).toFixed(1)}%; the command hook vs no hooks: ${((cmd / noHooks - 1) * 100).toFixed(1)}%.`,
    );
    if (bad.length) lines.push('', 'Sessions that did not run as scripted (their times are still counted):', ...bad.map((b) => `- ${b}`));
    const text = lines.join('\n');
    console.log(text);
    mkdirSync(join(ROOT, '.bench'), { recursive: true });
    writeFileSync(join(ROOT, '.bench', 'claude.md'), text + '\n');
  } finally {
    for (const c of cleanup.reverse()) await c();
  }
}

await main();
process.exit(0);
