/** Test helpers: start a real sidecar process on a private state dir, run the built hook and CLI. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from '../../src/transport/client.ts';
import { DAEMON_NODE_ARGS } from '../../src/daemon-args.ts';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const CLI = join(ROOT, 'bin', 'mcpproxy-hook.js');
export const HOOK = join(ROOT, 'dist', 'hook.cjs');

export function ensureBuilt(): void {
  if (!existsSync(HOOK) || !existsSync(join(ROOT, 'dist', 'cli.js'))) {
    const r = spawnSync(process.execPath, [join(ROOT, 'build', 'build.mjs')], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('build failed');
  }
}

export interface RunningSidecar {
  home: string;
  stateDir: string;
  socket: string;
  env: NodeJS.ProcessEnv;
  proc: ChildProcess;
  stderr: () => string;
  stop: () => Promise<number | null>;
  cleanup: () => Promise<void>;
}

/** Homes made by freshHome in this process, so that sidecars a test started there (e.g. by `install`) do not outlive it. */
const homes: string[] = [];
let reaperInstalled = false;

/** Stop every sidecar whose pid file lies in a home made here (up to three levels down). */
function reapSidecars(): void {
  const visit = (dir: string, depth: number): void => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // the test removed its home already
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isFile() && e.name === 'sidecar.pid') {
        const pid = Number(readFileSync(p, 'utf8').trim());
        try {
          if (pid > 1) process.kill(pid, 'SIGTERM');
        } catch {
          // that sidecar has already stopped
        }
      } else if (e.isDirectory() && depth < 3 && e.name !== 'package' && e.name !== 'node_modules') visit(p, depth + 1);
    }
  };
  for (const h of homes) visit(h, 0);
}

/** A fresh HOME and MCPPROXY_HOOK_HOME (short paths: Unix sockets have a length limit). */
export function freshHome(prefix = 'mph-'): { home: string; stateDir: string; env: NodeJS.ProcessEnv } {
  const home = mkdtempSync(join(tmpdir(), prefix));
  homes.push(home);
  if (!reaperInstalled) {
    reaperInstalled = true;
    process.once('exit', reapSidecars);
  }
  const stateDir = join(home, 's');
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, MCPPROXY_HOOK_HOME: stateDir };
  return { home, stateDir, env };
}

export async function startSidecar(opts: { home?: ReturnType<typeof freshHome>; config?: unknown } = {}): Promise<RunningSidecar> {
  ensureBuilt();
  const h = opts.home ?? freshHome();
  if (opts.config !== undefined) {
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(h.stateDir, { recursive: true, mode: 0o700 });
    writeFileSync(join(h.stateDir, 'config.json'), JSON.stringify(opts.config));
  }
  const socket = join(h.stateDir, 'sidecar.sock');
  const proc = spawn(process.execPath, [...DAEMON_NODE_ARGS, CLI, 'daemon'], { env: h.env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      await request(socket, { t: 'ping' }, 500);
      break;
    } catch {
      if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`sidecar did not start: ${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const stop = async (): Promise<number | null> => {
    if (proc.exitCode === null) proc.kill('SIGTERM');
    return exited;
  };
  return {
    ...h,
    socket,
    proc,
    stderr: () => err,
    stop,
    cleanup: async () => {
      await stop();
      rmSync(h.home, { recursive: true, force: true });
    },
  };
}

/** A hook event as Claude Code sends it (cwd /proj, a fresh tool_use_id); `response` is a PostToolUse's tool_response. */
export function hookEvent(session: string, event: string, tool: string, input: unknown, response?: unknown): Record<string, unknown> {
  return {
    session_id: session,
    transcript_path: '/tmp/t.jsonl',
    cwd: '/proj',
    permission_mode: 'default',
    hook_event_name: event,
    tool_name: tool,
    tool_input: input,
    tool_use_id: `toolu_${Math.random().toString(36).slice(2)}`,
    ...(response !== undefined ? { tool_response: response } : {}),
  };
}

/** Run the built hook once, as Claude Code would: event JSON on stdin, reply on stdout. */
export function runHook(
  phase: 'pre' | 'post',
  socket: string,
  event: unknown,
  extra: string[] = [],
): { stdout: string; stderr: string; status: number | null; json: Record<string, unknown> } {
  const input = typeof event === 'string' ? event : JSON.stringify(event);
  const r = spawnSync(process.execPath, [HOOK, phase, '--socket', socket, ...extra], { input, encoding: 'utf8', timeout: 20_000 });
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(r.stdout);
  } catch {
    json = { __invalid: r.stdout };
  }
  return { stdout: r.stdout, stderr: r.stderr, status: r.status, json };
}

/** Run the CLI with the given env. */
export function cli(args: string[], env: NodeJS.ProcessEnv, input?: string, cwd?: string): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(process.execPath, [CLI, ...args], { env, input: input ?? '', encoding: 'utf8', timeout: 30_000, ...(cwd ? { cwd } : {}) });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

export function decisionOf(json: Record<string, unknown>): string | undefined {
  return (json.hookSpecificOutput as { permissionDecision?: string } | undefined)?.permissionDecision;
}

export function reasonOf(json: Record<string, unknown>): string {
  return String((json.hookSpecificOutput as { permissionDecisionReason?: string } | undefined)?.permissionDecisionReason ?? '');
}

export { rmSync };
