/**
 * Runs the real Claude Code CLI (the pinned @anthropic-ai/claude-code dev dependency) in print mode against a
 * scripted local mock of the Messages API. Everything is offline: the CLI's environment is
 * built from scratch and points ANTHROPIC_BASE_URL at the mock.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMockAnthropic, type MockAnthropic, type Script, type ToolResult } from './mock-anthropic.ts';
import { inCI } from '../../helpers/skip.ts';

export type { Turn, TurnBlock, ToolResult, MessagesRequest, MockAnthropic, RecordedRequest, Script } from './mock-anthropic.ts';
export { startMockAnthropic } from './mock-anthropic.ts';

/** Repository root (this file lives in <root>/test/e2e/harness/). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/**
 * The Claude Code CLIs installed as dev dependencies: the pinned one (`@anthropic-ai/claude-code`) and the
 * newest (`claude-code-next`, an npm alias). Both declare the bin `claude`, so node_modules/.bin/claude may
 * be either; the binaries are addressed by package instead.
 */
export const CLAUDE_BINS = {
  pinned: path.join(REPO_ROOT, 'node_modules', '@anthropic-ai', 'claude-code', 'bin', 'claude.exe'),
  newest: path.join(REPO_ROOT, 'node_modules', 'claude-code-next', 'bin', 'claude.exe'),
} as const;
/** The CLI the e2e tests drive: E2E_CLAUDE_BIN overrides (e.g. CLAUDE_BINS.newest), else the pinned one. */
export const CLAUDE_BIN = process.env.E2E_CLAUDE_BIN || CLAUDE_BINS.pinned;

export const KEEP = process.env.KEEP_E2E === '1';

let availability: { ok: boolean; version?: string; why?: string } | undefined;

function probe(): { ok: boolean; version?: string; why?: string } {
  if (availability) return availability;
  if (!fs.existsSync(CLAUDE_BIN)) return (availability = { ok: false, why: `${CLAUDE_BIN} not found` });
  const r = spawnSync(CLAUDE_BIN, ['--version'], {
    env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), DISABLE_AUTOUPDATER: '1', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' },
    encoding: 'utf8',
    timeout: 30_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.status !== 0) return (availability = { ok: false, why: `claude --version failed: ${r.error?.message ?? r.stderr}` });
  return (availability = { ok: true, version: r.stdout.trim() });
}

/** True when CLAUDE_BIN exists and `claude --version` runs. */
export function claudeAvailable(): boolean {
  return probe().ok;
}

/** `2.1.330 (Claude Code)`, or undefined; `claudeUnavailableReason()` says why not. */
export function claudeVersion(): string | undefined {
  return probe().version;
}
export function claudeUnavailableReason(): string | undefined {
  return probe().why;
}

/**
 * The `skip` option of an e2e suite: false when the CLI runs. Without it a developer's run skips the suite
 * (saying why); under CI (CI=true, or E2E_REQUIRE_CLAUDE=1) it throws instead, so the test file fails and
 * the run with it: a CI that passed with no end-to-end test run would be lying.
 */
export function e2eSkip(): false | string {
  if (claudeAvailable()) return false;
  const why = `real Claude Code CLI not available: ${claudeUnavailableReason()}`;
  if (inCI() || process.env.E2E_REQUIRE_CLAUDE === '1') {
    throw new Error(
      `${why}. CI needs it: run \`npm ci\` (it installs @anthropic-ai/claude-code and claude-code-next), or set E2E_CLAUDE_BIN to a working claude binary.`,
    );
  }
  return why;
}

const tempDirs = new Set<string>();

/**
 * Create a fresh directory under os.tmpdir() (realpath'd, so it matches the cwd Claude Code
 * reports). It is removed by `removeTempDir(dir)` / `cleanupTempDirs()`, except when
 * KEEP_E2E=1, in which case it is left for debugging (and its path printed to stderr).
 */
export function makeTempDir(prefix: string): string {
  const safe = prefix.replace(/[^A-Za-z0-9._-]/g, '_');
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `${safe}-`)));
  tempDirs.add(dir);
  return dir;
}

/** Same as makeTempDir, with its own cleanup function. */
export function makeTempDirWithCleanup(prefix: string): { dir: string; cleanup: () => void } {
  const dir = makeTempDir(prefix);
  return { dir, cleanup: () => removeTempDir(dir) };
}

/** Remove one directory made by makeTempDir (kept when KEEP_E2E=1). */
export function removeTempDir(dir: string): void {
  if (!tempDirs.has(dir)) return;
  tempDirs.delete(dir);
  if (KEEP) {
    process.stderr.write(`[e2e] KEEP_E2E=1: kept ${dir}\n`);
    return;
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Remove every directory made by makeTempDir and not yet removed (kept when KEEP_E2E=1). */
export function cleanupTempDirs(): void {
  for (const d of [...tempDirs]) removeTempDir(d);
}

/** One hook execution as logged by `--debug-file` (2.1.330+). */
export interface HookRun {
  /** 'command' hooks log their own duration; 'http' durations are derived from log timestamps (ms resolution) */
  kind: 'command' | 'http';
  /** e.g. 'PreToolUse' ('' for an http hook whose event could not be read from the log) */
  event: string;
  /** e.g. 'Bash' or 'startup' (the part after ':' in 'PreToolUse:Bash'), or '' */
  matcher: string;
  /** the hook command as printed between [ ], or the http hook url */
  command: string;
  /** exit status (command) or HTTP status (http); -1 when an http hook failed to connect */
  status: number;
  durationMs: number;
  /** for a failed http hook: the error text */
  error?: string;
  /** the log line(s) this was parsed from */
  line: string;
}

const TS_RE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)/;
const CMD_RE = /Hooks: ([A-Za-z]+)(?::(\S*))? \[(.*)\] finished with status (-?\d+) \((\d+(?:\.\d+)?)ms\)/;
const HTTP_POST_RE = /Hooks: HTTP hook POST to (\S+)/;
const HTTP_DONE_RE = /Hooks: HTTP hook (?:response status (\d+)|error: (.*)$)/;
const HOOK_LABEL_RE = /Hook ([A-Za-z]+)(?::(\S+))? \(([A-Za-z]+)\) (?:success|error)/;

/**
 * Parse hook executions from a Claude Code debug log. 2.1.330 writes, for command hooks:
 *   2026-11-24T20:19:03.145Z [DEBUG] Hooks: PreToolUse:Bash ["/usr/bin/node" "/tmp/p/hook.mjs"] finished with status 0 (114ms)
 *   2026-11-24T20:19:22.753Z [DEBUG] Hooks: UserPromptSubmit [node -e '...'] finished with status 0 (85ms)
 * and for http hooks (no duration logged; it is computed from the timestamps, pairing POST and
 * response in FIFO order, and the event is read from the "Hook X:Y (X) success|error" line that follows):
 *   ...:35.863Z [DEBUG] Hooks: HTTP hook POST to http://127.0.0.1:34791/hook
 *   ...:35.874Z [DEBUG] Hooks: HTTP hook response status 200, body length 123     (or: [ERROR] Hooks: HTTP hook error: connect ECONNREFUSED ...)
 *   ...:35.875Z [DEBUG] "Hook PreToolUse:Bash (PreToolUse) success:\n{...}"
 */
export function parseHookRuns(debugLog: string): HookRun[] {
  const out: HookRun[] = [];
  const lines = debugLog.split('\n');
  const pendingHttp: Array<{ url: string; t: number; line: string }> = [];
  const tsOf = (l: string): number => {
    const m = TS_RE.exec(l);
    return m?.[1] ? Date.parse(m[1]) : NaN;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const m = CMD_RE.exec(line);
    if (m) {
      out.push({
        kind: 'command',
        event: m[1] ?? '',
        matcher: m[2] ?? '',
        command: m[3] ?? '',
        status: Number(m[4]),
        durationMs: Number(m[5]),
        line,
      });
      continue;
    }
    const post = HTTP_POST_RE.exec(line);
    if (post) {
      pendingHttp.push({ url: post[1] ?? '', t: tsOf(line), line });
      continue;
    }
    const done = HTTP_DONE_RE.exec(line);
    if (done) {
      const start = pendingHttp.shift();
      if (!start) continue;
      const run: HookRun = {
        kind: 'http',
        event: '',
        matcher: '',
        command: start.url,
        status: done[1] !== undefined ? Number(done[1]) : -1,
        durationMs: Math.max(0, tsOf(line) - start.t),
        line: `${start.line}\n${line}`,
      };
      if (done[2] !== undefined) run.error = done[2];
      for (let j = i + 1; j < Math.min(lines.length, i + 4); j++) {
        const lab = HOOK_LABEL_RE.exec(lines[j] ?? '');
        if (lab) {
          run.event = lab[1] ?? '';
          run.matcher = lab[2] ?? '';
          break;
        }
      }
      out.push(run);
    }
  }
  return out;
}

export interface RunClaudeOptions {
  /** project directory the CLI runs in (its .claude/settings.json is project settings) */
  cwd: string;
  /** throwaway HOME (~/.claude/settings.json there is user settings) */
  home: string;
  /** the scripted model: array of turns, or a function (request, turn) => Turn */
  script: Script;
  /** extra env for the CLI (and so for hooks); applied last, may override the defaults */
  env?: Record<string, string>;
  /** kill the CLI after this long (default 120 000 ms) */
  timeoutMs?: number;
  /** appended after the standard arguments */
  extraArgs?: string[];
  /** the -p prompt (default 'do the task') */
  prompt?: string;
  /** --permission-mode value (default 'bypassPermissions') */
  permissionMode?: string;
}

export interface RunClaudeResult {
  /** process exit code; 128+signal number when killed by a signal */
  exitCode: number;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** parsed stream-json lines (non-JSON lines are skipped) */
  events: any[];
  /** arrival time of each event, ms since spawn (same indexes as events) */
  eventTimesMs: number[];
  /** tool_results the CLI sent to the mock, deduplicated by tool_use_id, in order */
  toolResults: ToolResult[];
  /** content of the --debug-file */
  debugLog: string;
  debugFile: string;
  /** every hook execution the debug log reports, in order */
  hookRuns: HookRun[];
  /** hookRuns[i].durationMs (command hooks: as logged by the CLI; http hooks: from log timestamps) */
  hookDurationsMs: number[];
  /** the (closed) mock: requests, errors, toolResults() */
  mock: MockAnthropic;
  /** wall-clock time of the CLI run */
  durationMs: number;
  /** the argv used (without the binary) */
  args: string[];
}

function signalNumber(sig: NodeJS.Signals | null): number {
  if (!sig) return -1;
  const n = (os.constants.signals as Record<string, number>)[sig];
  return typeof n === 'number' ? 128 + n : -1;
}

/** Run the real CLI once against a fresh scripted mock. Several runs may go at once. */
export async function runClaude(opts: RunClaudeOptions): Promise<RunClaudeResult> {
  const mock = await startMockAnthropic(opts.script);
  const outDir = makeTempDir('claude-run');
  const debugFile = path.join(outDir, 'debug.txt');
  try {
    const args = [
      '-p',
      opts.prompt ?? 'do the task',
      '--output-format',
      'stream-json',
      '--verbose',
      '--include-hook-events',
      '--permission-mode',
      opts.permissionMode ?? 'bypassPermissions',
      '--debug-file',
      debugFile,
      ...(opts.extraArgs ?? []),
    ];
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: opts.home,
      TERM: 'dumb',
      ANTHROPIC_BASE_URL: mock.url,
      ANTHROPIC_API_KEY: 'dummy',
      IS_SANDBOX: '1',
      DISABLE_TELEMETRY: '1',
      DISABLE_ERROR_REPORTING: '1',
      DISABLE_AUTOUPDATER: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      ...(opts.env ?? {}),
    };
    const timeoutMs = opts.timeoutMs ?? 120_000;
    const t0 = Date.now();

    const child = spawn(CLAUDE_BIN, args, {
      cwd: opts.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // own process group, so a timeout kills hooks and Bash children too
    });

    const events: any[] = [];
    const eventTimesMs: number[] = [];
    let stdout = '';
    let stderr = '';
    let pending = '';
    const takeLines = (final: boolean): void => {
      const parts = pending.split('\n');
      pending = final ? '' : (parts.pop() ?? '');
      for (const line of parts) {
        const s = line.trim();
        if (!s) continue;
        try {
          events.push(JSON.parse(s));
          eventTimesMs.push(Date.now() - t0);
        } catch {
          /* not JSON: kept in stdout only */
        }
      }
    };
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      stdout += d;
      pending += d;
      takeLines(false);
    });
    child.stderr.on('data', (d: string) => {
      stderr += d;
    });

    let timedOut = false;
    const killGroup = (sig: NodeJS.Signals): void => {
      try {
        if (child.pid) process.kill(-child.pid, sig);
      } catch {
        try {
          child.kill(sig);
        } catch {
          /* already gone */
        }
      }
    };
    let hardKill: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGTERM');
      hardKill = setTimeout(() => killGroup('SIGKILL'), 5_000);
    }, timeoutMs);

    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (c, s) => resolve({ code: c, signal: s }));
    }).finally(() => {
      clearTimeout(timer);
      if (hardKill) clearTimeout(hardKill);
    });
    takeLines(true);
    const durationMs = Date.now() - t0;
    if (timedOut) stderr += `\n[e2e harness] killed after ${timeoutMs} ms timeout\n`;

    let debugLog = '';
    try {
      debugLog = fs.readFileSync(debugFile, 'utf8');
    } catch {
      /* no debug file written */
    }
    const hookRuns = parseHookRuns(debugLog);
    if (KEEP) {
      fs.writeFileSync(path.join(outDir, 'stdout.jsonl'), stdout);
      fs.writeFileSync(path.join(outDir, 'stderr.txt'), stderr);
      fs.writeFileSync(path.join(outDir, 'mock-requests.json'), JSON.stringify(mock.requests, null, 1));
    }

    return {
      exitCode: code ?? signalNumber(signal),
      signal,
      timedOut,
      stdout,
      stderr,
      events,
      eventTimesMs,
      toolResults: mock.toolResults(),
      debugLog,
      debugFile,
      hookRuns,
      hookDurationsMs: hookRuns.map((h) => h.durationMs),
      mock,
      durationMs,
      args,
    };
  } finally {
    await mock.close();
    removeTempDir(outDir);
  }
}

/** A short human summary of a run, for assertion messages. */
export function describeRun(r: RunClaudeResult): string {
  const lines = [
    `exit=${r.exitCode} signal=${r.signal} timedOut=${r.timedOut} duration=${r.durationMs}ms`,
    `toolResults=${JSON.stringify(r.toolResults)}`,
    `hookRuns=${JSON.stringify(r.hookRuns.map((h) => `${h.kind} ${h.event}:${h.matcher} status=${h.status} ${h.durationMs}ms`))}`,
    `mock requests=${JSON.stringify(r.mock.requests.map((q) => `${q.method} ${q.url} ${q.kind}${q.turn !== undefined ? ':' + q.turn : ''}`))}`,
    `mock errors=${JSON.stringify(r.mock.errors)}`,
    `stderr=${r.stderr.slice(-2000)}`,
  ];
  return lines.join('\n');
}
