/**
 * `install` / `uninstall`: hooks in Claude Code's settings, the MCP proxy registration, and a record of
 * everything written (`installed.json` in the state dir) so `uninstall --all` can take every piece back.
 *
 * Default: HTTP hooks (no process per event) with `"onFailure": "block"`, so a sidecar that is down, hung
 * or unreachable blocks the tool call in Claude Code itself (>= 2.1.295), plus a SessionStart command hook
 * that starts the sidecar when none answers. The command transport stays for `--transport command`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, openSync, readFileSync, rmdirSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { writeFileAtomic } from '../fs-atomic.ts';
import { procStatFields } from '../proc-stat.ts';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { loadConfigFile, setConfigValue, ConfigError } from '../config/index.ts';
import { DAEMON_ENV, DAEMON_NODE_ARGS } from '../daemon-args.ts';
import { PROXY_SERVER_NAME } from '../engine/classifier.ts';
import { checkSocketPath, type Paths } from '../paths.ts';
import { ensurePrivateDir, readOrCreateToken } from '../store/state-files.ts';
import { request } from '../transport/client.ts';
import { HOOK_PATH } from '../transport/http-hook-server.ts';
import { packageCopyDir, stableRoot } from './package-copy.ts';
import {
  claudeJsonPath,
  holdsToken,
  MARKER,
  ourHandlers,
  readSettings,
  removeIfEmpty,
  settingsPath,
  SettingsError,
  withOurs,
  withoutOurs,
  writeSettings,
  type HookEntry,
  type HookHandler,
  type Scope,
} from './settings.ts';
import { ErrorCode, GuardError } from '../errors.ts';

export class InstallError extends GuardError {
  constructor(message: string, code: ErrorCode = ErrorCode.Settings) {
    super(code, message);
  }
}

const q = (s: string): string => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** The command Claude Code runs: absolute paths, lean Node start (no TLS CA bundle to load). */
export function hookCommand(
  phase: 'pre' | 'post' | 'start',
  opts: {
    node: string;
    hook: string;
    socket: string;
    deadlineMs: number;
    failClosed: boolean;
    autostart?: string;
    home?: string;
    httpPort?: number;
    /** start only: the sidecar's pid file, for the shell's check that one runs (no node started when it does) */
    pidFile?: string;
    /** start only: where that check leaves its parent's pid (the Claude Code), the hint the node starter's ping gives */
    hintFile?: string;
    /** start only: the file holding the port the HTTP hook endpoint listens on (httpPort must be in it) */
    httpFile?: string;
  },
): string {
  // the lean start matters per tool event; the SessionStart starter runs once per session and may start the
  // sidecar, which needs the user's CA bundle for HTTPS MCP upstreams: it keeps NODE_EXTRA_CA_CERTS
  const parts = phase === 'start' ? [] : ['NODE_EXTRA_CA_CERTS='];
  // The starter runs at each session start and each prompt. When the sidecar runs (its socket is there and
  // the pid in its pid file is alive), the shell's builtins say so and node is not started: ~1 ms instead of
  // ~45 ms; it leaves its parent's pid (the Claude Code about to post its first HTTP event) where the sidecar
  // looks when it searches who holds a new connection, as the node starter's ping would have told it. A stale
  // pid file whose pid another process took would wrongly pass; then the HTTP hooks, which fail closed, block
  // tool calls (never an allow), and `mcpproxy-hook doctor` says the sidecar is down.
  // With HTTP hooks, the endpoint must listen on their port too (the sidecar keeps its port in a file while
  // it does): a sidecar whose port failed is left to the node starter, which tells the user.
  if (phase === 'start' && opts.pidFile && opts.hintFile) {
    const http = opts.httpPort && opts.httpFile ? ` && read h <${q(opts.httpFile)} && [ "$h" = ${opts.httpPort} ]` : '';
    parts.push(
      `{ read p <${q(opts.pidFile)} && [ -S ${q(opts.socket)} ] && kill -0 "$p"${http} && umask 077 && echo "$PPID" >${q(opts.hintFile)}; } 2>/dev/null && echo '{}' && exit 0;`,
    );
  }
  // an autostarted sidecar must find the same state as the one this command was installed for
  if (opts.autostart && opts.home) parts.push(`MCPPROXY_HOOK_HOME=${q(opts.home)}`);
  parts.push('exec', q(opts.node), q(opts.hook), phase, '--socket', q(opts.socket), '--deadline', String(opts.deadlineMs));
  if (opts.failClosed) parts.push('--fail-closed');
  if (opts.httpPort) parts.push('--http-port', String(opts.httpPort));
  if (opts.autostart) parts.push('--autostart', q(opts.autostart));
  parts.push(MARKER);
  return parts.join(' ');
}

// ------------------------------------------------------------------------------------------ record

export interface SettingsRecord {
  file: string;
  scope: Scope;
  /** install created the file (uninstall deletes it when nothing of the user's is left) */
  created: boolean;
  /** the file's mode before install made it 0600 for a token; put back when the token goes */
  mode: number | null;
  /** the file's text before install first changed it: uninstall writes it back verbatim when only our entries differ */
  original?: string;
}

export interface InstallRecord {
  settings: SettingsRecord[];
  mcp?: { file: string };
  /** install set hook.httpPort in this config file (created: the file did not exist before) */
  config?: { file: string; created: boolean; httpPort: number };
  /** the package copy hooks point at, when install made one */
  package?: string;
  plugin?: { name: string; marketplace: string };
}

export function recordPath(paths: Pick<Paths, 'stateDir'>): string {
  return join(paths.stateDir, 'installed.json');
}

export function readRecord(paths: Pick<Paths, 'stateDir'>): InstallRecord {
  try {
    const r = JSON.parse(readFileSync(recordPath(paths), 'utf8')) as InstallRecord;
    return { ...r, settings: Array.isArray(r.settings) ? r.settings : [] };
  } catch {
    return { settings: [] };
  }
}

export function writeRecord(paths: Pick<Paths, 'stateDir'>, r: InstallRecord): void {
  const file = recordPath(paths);
  const empty = r.settings.length === 0 && !r.mcp && !r.config && !r.package && !r.plugin;
  if (empty) {
    rmSync(file, { force: true });
    return;
  }
  ensurePrivateDir(paths.stateDir);
  writeFileAtomic(file, JSON.stringify(r, null, 2) + '\n', { mode: 0o600 });
}

// ------------------------------------------------------------------------------------------ sidecar

/** A loopback port outside Linux's ephemeral range (32768-60999) and macOS's (49152-65535), free now. */
export async function pickPort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    const free = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new InstallError('found no free loopback port between 20000 and 32000; choose one with --port');
}

async function answers(socket: string): Promise<boolean> {
  try {
    await request(socket, { t: 'ping' }, 1500);
    return true;
  } catch {
    return false;
  }
}

/** Start a detached sidecar from `cli` (log: sidecar.log in the state dir) and wait until it answers. */
export async function startSidecar(paths: Paths, cli: string, waitMs = 10_000): Promise<boolean> {
  ensurePrivateDir(paths.stateDir);
  const log = openSync(paths.logFile, 'a', 0o600);
  const env = { ...process.env, ...DAEMON_ENV, ...(paths.relocated ? { MCPPROXY_HOOK_HOME: paths.stateDir } : {}) };
  spawn(process.execPath, [...DAEMON_NODE_ARGS, cli, 'daemon'], { detached: true, stdio: ['ignore', log, log], env }).unref();
  closeSync(log);
  const until = Date.now() + waitMs;
  while (Date.now() < until) {
    if (await answers(paths.socket)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

// ------------------------------------------------------------------------------------------ install

/** The first Claude Code release that honours `"onFailure": "block"` on command and HTTP hooks. */
export const ON_FAILURE_SINCE = [2, 1, 295] as const;

/** `claude --version` of the CLI on PATH (or MCPPROXY_HOOK_CLAUDE_BIN), as [major, minor, patch]; null when none answers. */
export function claudeCliVersion(env: NodeJS.ProcessEnv): number[] | null {
  const r = spawnSync(env.MCPPROXY_HOOK_CLAUDE_BIN || 'claude', ['--version'], { env, encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] });
  const m = /(\d+)\.(\d+)\.(\d+)/.exec(r.stdout ?? '');
  return r.status === 0 && m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

export function honoursOnFailure(v: number[]): boolean {
  for (let i = 0; i < 3; i++) {
    const have = v[i] ?? 0;
    const need = ON_FAILURE_SINCE[i] ?? 0;
    if (have !== need) return have > need;
  }
  return true;
}

export interface InstallOptions {
  scope: Scope;
  failClosed?: boolean;
  failOpen?: boolean;
  dryRun?: boolean;
  transport?: 'command' | 'http';
  port?: number;
  mcp?: boolean;
  mcpOnly?: boolean;
  autostart?: boolean;
  /** false: do not start the sidecar now (it starts with the next session) */
  start?: boolean;
}

export interface InstallContext {
  paths: Paths;
  /** the package this CLI runs from */
  packageRoot: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  out: (s: string) => void;
}

function loadConfig(file: string): ReturnType<typeof loadConfigFile>['config'] {
  try {
    return loadConfigFile(file).config;
  } catch (e) {
    if (e instanceof ConfigError) throw new InstallError(e.message);
    throw e;
  }
}

function modeOf(file: string): number | null {
  try {
    return statSync(file).mode & 0o777;
  } catch {
    return null;
  }
}

export async function runInstall(o: InstallOptions, ctx: InstallContext): Promise<void> {
  const { paths, out } = ctx;
  let cfg = loadConfig(paths.configFile);
  const bad = checkSocketPath(paths.socket);
  if (bad) throw new InstallError(bad);
  if (o.failOpen && o.failClosed) throw new InstallError('--fail-open and --fail-closed contradict each other; pick one');
  // --autostart is the command hook's own way to bring a sidecar back; it means the command transport
  const transport = o.transport ?? (o.autostart ? 'command' : 'http');
  if (transport === 'http' && o.autostart)
    throw new InstallError(
      '--autostart is for the command hook (it starts a missing sidecar on each call); HTTP hooks get a SessionStart hook that starts it. Drop --autostart, or use --transport command.',
    );
  const failClosed = o.failOpen ? false : (o.failClosed ?? cfg.hook.failClosed);

  let root = ctx.packageRoot;
  if (!o.dryRun) {
    try {
      const s = stableRoot(ctx.packageRoot, paths, ctx.env);
      root = s.root;
      if (s.copied) out(`Copied the package from ${s.from} to ${s.root} (hooks and services must not point into a source checkout that may move).\n`);
    } catch (e) {
      throw new InstallError((e as Error).message);
    }
  } else root = stableRoot(ctx.packageRoot, paths, ctx.env, { dryRun: true }).root;
  const cli = join(root, 'bin', 'mcpproxy-hook.js');
  const hook = join(root, 'dist', 'hook.cjs');
  const record = readRecord(paths);
  if (root !== ctx.packageRoot) record.package = root;

  if (o.mcp || o.mcpOnly) {
    const file = claudeJsonPath(ctx.env);
    const { data, text } = readSettings(file);
    const servers =
      typeof data.mcpServers === 'object' && data.mcpServers !== null && !Array.isArray(data.mcpServers) ? (data.mcpServers as Record<string, unknown>) : {};
    const entry = { type: 'stdio', command: process.execPath, args: [cli, 'mcp', '--socket', join(paths.stateDir, 'mcp.sock')], env: {} };
    const next = { ...data, mcpServers: { ...servers, [PROXY_SERVER_NAME]: entry } };
    if (o.dryRun) out(JSON.stringify({ mcpServers: next.mcpServers }, null, 2) + '\n');
    else {
      const r = writeSettings(file, next, text);
      record.mcp = { file };
      writeRecord(paths, record);
      out(
        r.changed
          ? `Registered the MCP proxy as "${PROXY_SERVER_NAME}" in ${file}; its tools appear as mcp__${PROXY_SERVER_NAME}__<server>__<tool>.\n`
          : `The MCP proxy is already registered in ${file}; nothing changed.\n`,
      );
    }
    if (o.mcpOnly) return;
  }

  const file = settingsPath(o.scope, ctx.cwd, ctx.env);
  const { data, text } = readSettings(file);
  const entries: HookEntry[] = [];
  const home = paths.relocated ? paths.stateDir : undefined;
  if (transport === 'http') {
    if (cfg.hook.httpPort === 0 || (o.port !== undefined && o.port !== cfg.hook.httpPort)) {
      const port = o.port ?? (await pickPort());
      if (!o.dryRun) {
        const created = !existsSync(paths.configFile);
        setConfigValue(paths.configFile, ['hook', 'httpPort'], port);
        record.config = { file: paths.configFile, created: record.config?.created ?? created, httpPort: port };
        out(`Set hook.httpPort = ${port} in ${paths.configFile}.\n`);
      }
      cfg = { ...cfg, hook: { ...cfg.hook, httpPort: port } };
    }
    const url = `http://127.0.0.1:${cfg.hook.httpPort}${HOOK_PATH}`;
    // A project settings file is usually committed: keep the token out of it, read it from the environment.
    let headers: Record<string, string> = { Authorization: 'Bearer $MCPPROXY_HOOK_TOKEN' };
    if (o.scope !== 'project') {
      if (!o.dryRun) ensurePrivateDir(paths.stateDir);
      headers = { Authorization: `Bearer ${o.dryRun && !existsSync(paths.tokenFile) ? '<token>' : readOrCreateToken(paths.tokenFile)}` };
    }
    const h: HookHandler = {
      type: 'http',
      url,
      timeout: cfg.hook.timeoutSeconds,
      headers,
      ...(o.scope === 'project' ? { allowedEnvVars: ['MCPPROXY_HOOK_TOKEN'] } : {}),
      ...(failClosed ? { onFailure: 'block' } : {}),
    };
    for (const event of ['PreToolUse', 'PostToolUse', 'PostToolUseFailure']) entries.push({ event, matcher: '*', handler: h });
    // the user's prompt names the destinations the user chose (engine provenance); never blocks a prompt
    const { onFailure: _never, ...promptHandler } = h;
    entries.push({ event: 'UserPromptSubmit', handler: promptHandler });
    // the sidecar starts with the session: a cold start takes ~1 s here, so its deadline is generous
    const startDeadline = Math.max(cfg.hook.deadlineMs, Math.min(8000, cfg.hook.timeoutSeconds * 1000 - 1000));
    const starter: HookHandler = {
      type: 'command',
      command: hookCommand('start', {
        node: process.execPath,
        hook,
        socket: paths.socket,
        deadlineMs: startDeadline,
        failClosed: false,
        httpPort: cfg.hook.httpPort,
        pidFile: paths.pidFile,
        hintFile: paths.starterHint,
        httpFile: paths.httpListening,
        autostart: cli,
        ...(home ? { home } : {}),
      }),
      timeout: cfg.hook.timeoutSeconds,
    };
    entries.push({ event: 'SessionStart', handler: starter });
    // and with each prompt: a sidecar that died mid-session (tool calls blocked meanwhile) is back for the
    // user's next turn, at the cost of one node start per prompt (none per tool call)
    entries.push({ event: 'UserPromptSubmit', handler: starter });
  } else {
    const mk = (phase: 'pre' | 'post'): HookHandler => ({
      type: 'command',
      command: hookCommand(phase, {
        node: process.execPath,
        hook,
        socket: paths.socket,
        deadlineMs: cfg.hook.deadlineMs,
        failClosed,
        ...(o.autostart ? { autostart: cli, ...(home ? { home } : {}) } : {}),
      }),
      timeout: cfg.hook.timeoutSeconds,
      // a hook that cannot run at all (node or the hook file gone, a crash) blocks instead of letting the tool run
      ...(failClosed ? { onFailure: 'block' } : {}),
    });
    entries.push(
      { event: 'PreToolUse', matcher: '*', handler: mk('pre') },
      { event: 'PostToolUse', matcher: '*', handler: mk('post') },
      { event: 'PostToolUseFailure', matcher: '*', handler: mk('post') },
    );
    // the user's prompt names the destinations the user chose (engine provenance); never blocks a prompt
    const { onFailure: _never, ...promptHandler } = mk('post');
    entries.push({ event: 'UserPromptSubmit', handler: promptHandler });
  }
  const next = withOurs(data, entries, file);
  if (o.dryRun) {
    out(JSON.stringify(next, null, 2) + '\n');
    return;
  }
  const prev = record.settings.find((s) => s.file === file);
  const mode = modeOf(file);
  const r = writeSettings(file, next, text);
  const entry: SettingsRecord = prev ?? {
    file,
    scope: o.scope,
    created: text === null,
    mode: text === null ? null : mode,
    ...(text !== null ? { original: text } : {}),
  };
  record.settings = [...record.settings.filter((s) => s.file !== file), entry];
  writeRecord(paths, record);
  const starter = transport === 'http' ? ' (and SessionStart and UserPromptSubmit hooks that start the sidecar when none runs)' : '';
  if (!r.changed) out(`Hooks already installed in ${file}; nothing changed.\n`);
  else
    out(
      `Installed PreToolUse, PostToolUse and PostToolUseFailure hooks${starter} in ${file}${holdsToken(next) ? ' (mode 0600: it holds the hook token)' : ''}.\n`,
    );

  if (failClosed) {
    const v = claudeCliVersion(ctx.env);
    if (v && !honoursOnFailure(v)) {
      out(
        `WARNING: the Claude Code on PATH is ${v.join('.')}; versions before ${ON_FAILURE_SINCE.join('.')} ignore "onFailure": "block", so a hook call that fails lets the tool run. Update Claude Code (claude update)${transport === 'http' ? ', or install the command hook, which denies by itself when the sidecar does not answer: mcpproxy-hook install --transport command --fail-closed' : ''}.\n`,
      );
    }
  }
  const up = await answers(paths.socket);
  if (transport === 'http') {
    out(
      `Transport: http on 127.0.0.1:${cfg.hook.httpPort}, no process per event. ${failClosed ? 'Fail-closed: when the sidecar does not answer, Claude Code blocks the tool call (onFailure "block", Claude Code >= 2.1.295).' : 'Fail-open: when the sidecar does not answer, Claude Code runs the tool unchecked.'}\n`,
    );
    if (o.scope === 'project')
      out(`The token is not written into ${file}: export MCPPROXY_HOOK_TOKEN=$(cat ${paths.tokenFile}) in the shell that starts Claude Code.\n`);
    if (up) {
      const rl = (await request(paths.socket, { t: 'reload' }, 3000).catch((e: Error) => ({ ok: false, error: e.message }))) as {
        ok?: boolean;
        error?: string;
      };
      out(
        rl.ok
          ? 'The running sidecar reloaded its config.\n'
          : `The running sidecar could not reload its config: ${rl.error}. Fix it and run \`kill -HUP $(cat ${paths.pidFile})\`.\n`,
      );
    } else if (o.start !== false) {
      out(
        (await startSidecar(paths, cli))
          ? `Started the sidecar (log: ${paths.logFile}).\n`
          : `The sidecar did not start; see ${paths.logFile}. Tool calls are blocked until it runs: \`mcpproxy-hook daemon\`.\n`,
      );
    } else out('The sidecar starts with the next Claude Code session.\n');
  } else {
    out(
      `Transport: command (a process per event). Mode: fail-${failClosed ? 'closed (tool calls are blocked while the sidecar is down, and when the hook itself cannot run)' : 'open (tool calls run, with a warning, while the sidecar is down)'}.\n`,
    );
    out(
      up
        ? `The sidecar is running (${paths.socket}).\n`
        : o.autostart
          ? 'The hook starts the sidecar on the next tool call.\n'
          : `Start the sidecar with \`mcpproxy-hook daemon\` (or \`mcpproxy-hook service install\`); check with \`mcpproxy-hook status\`.\n`,
    );
  }
}

// ------------------------------------------------------------------------------------------ uninstall

export interface UninstallOptions {
  scope: Scope;
  mcp?: boolean;
  /** every scope in the record, the MCP registration, the service, the HTTP port, the plugin */
  all?: boolean;
  /** with --all: also the state dir, the config file and the package copy */
  purge?: boolean;
  dryRun?: boolean;
}

export interface UninstallContext extends InstallContext {
  /** stop and remove the service (injected: service.ts runs systemctl / launchctl) */
  removeService?: () => Promise<string[]>;
  /** remove the plugin through the claude CLI, when one is recorded or installed */
  removePlugin?: () => Promise<string[]>;
}

function uninstallMcp(ctx: InstallContext, record: InstallRecord): void {
  const file = record.mcp?.file ?? claudeJsonPath(ctx.env);
  const { data, text } = readSettings(file);
  const servers = data.mcpServers as Record<string, unknown> | undefined;
  if (text !== null && servers && PROXY_SERVER_NAME in servers) {
    const { [PROXY_SERVER_NAME]: _gone, ...rest } = servers;
    const next: Record<string, unknown> = { ...data, mcpServers: rest };
    if (Object.keys(rest).length === 0) delete next.mcpServers;
    writeSettings(file, next, text);
    ctx.out(`Removed the MCP proxy registration from ${file}.\n`);
  }
  delete record.mcp;
}

function uninstallSettings(ctx: InstallContext, file: string, rec: SettingsRecord | undefined): boolean {
  let data: Record<string, unknown>;
  let text: string | null;
  try {
    ({ data, text } = readSettings(file));
  } catch (e) {
    if (e instanceof SettingsError) {
      ctx.out(`${e.message}\n`);
      return false;
    }
    throw e;
  }
  if (text === null || ourHandlers(data).length === 0) {
    ctx.out(`No mcpproxy-hook hooks in ${file}; nothing changed.\n`);
    return true;
  }
  const next = withoutOurs(data, file);
  if (rec?.created && Object.keys(next).length === 0) {
    removeIfEmpty(file, next);
    ctx.out(`Removed ${file} (install created it; nothing else was in it).\n`);
    return true;
  }
  // the user's own formatting comes back when nothing but our entries changed since install
  const same = rec?.original !== undefined && sameJson(rec.original, JSON.stringify(next));
  if (same) writeText(file, rec.original as string, text);
  else writeSettings(file, next, text);
  if (rec?.mode != null && !holdsToken(next) && existsSync(file)) chmodSync(file, rec.mode);
  ctx.out(`Removed mcpproxy-hook hooks from ${file}.\n`);
  return true;
}

function sameJson(a: string, b: string): boolean {
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return false;
  }
}

/** Put back a file's exact earlier text (temp file + rename, mode kept). */
function writeText(file: string, text: string, current: string | null): void {
  if (current === text) return;
  writeFileAtomic(file, text, { mode: statSync(file).mode & 0o777 });
}

export async function stopSidecar(paths: Paths, waitMs = STOP_WAIT_MS): Promise<boolean> {
  let pid = 0;
  try {
    pid = Number(readFileSync(paths.pidFile, 'utf8').trim());
  } catch {
    return false;
  }
  if (!Number.isInteger(pid) || pid <= 1) return false;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return false;
  }
  // the socket stops answering first; the sidecar then still saves its sessions, its hook callers and
  // closes the audit log (files in the state dir): wait for the process itself to end, or --purge would
  // remove the dir while it writes there (ENOTEMPTY)
  for (let i = 0; i < waitMs / 100 && ((await answers(paths.socket)) || alive(pid)); i++) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid))
    throw new InstallError(`the sidecar (pid ${pid}) did not stop within ${waitMs / 1000} s of SIGTERM; stop it (kill ${pid}) and run the command again`);
  return true;
}

/** How long uninstall waits for the sidecar to finish its last writes and exit after SIGTERM. */
const STOP_WAIT_MS = 10_000;

/** Is process `pid` still running (a signal 0 reaches it, or it is someone else's; an exited one not yet reaped by its parent is not)? */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  // no /proc (macOS): the signal reached it
  return procStatFields(pid)?.[0] !== 'Z';
}

export async function runUninstall(o: UninstallOptions, ctx: UninstallContext): Promise<void> {
  const { paths, out } = ctx;
  const record = readRecord(paths);
  if (o.purge && !o.all) throw new InstallError('--purge removes the state too and goes with --all: mcpproxy-hook uninstall --all --purge');
  if (!o.all) {
    if (o.mcp) uninstallMcp(ctx, record);
    const file = settingsPath(o.scope, ctx.cwd, ctx.env);
    if (
      uninstallSettings(
        ctx,
        file,
        record.settings.find((s) => s.file === file),
      )
    )
      record.settings = record.settings.filter((s) => s.file !== file);
    writeRecord(paths, record);
    return;
  }
  // every scope install wrote (project scopes in other directories too), and this directory's
  const files = new Map<string, SettingsRecord | undefined>();
  for (const s of record.settings) files.set(s.file, s);
  for (const scope of ['user', 'project', 'local'] as const) {
    const f = settingsPath(scope, ctx.cwd, ctx.env);
    if (!files.has(f)) files.set(f, undefined);
  }
  const left: SettingsRecord[] = [];
  for (const [file, rec] of files) {
    if (!existsSync(file)) continue;
    if (!uninstallSettings(ctx, file, rec) && rec) left.push(rec);
  }
  record.settings = left;
  uninstallMcp(ctx, record);
  if (ctx.removePlugin) for (const l of await ctx.removePlugin()) out(l + '\n');
  delete record.plugin;
  if (ctx.removeService) for (const l of await ctx.removeService()) out(l + '\n');
  // the HTTP port: stop the sidecar (it listens there) and take hook.httpPort back out of the config
  if (await stopSidecar(paths)) out('Stopped the sidecar.\n');
  if (record.config && existsSync(record.config.file)) {
    try {
      const raw = JSON.parse(readFileSync(record.config.file, 'utf8')) as Record<string, unknown>;
      const hook = raw.hook as Record<string, unknown> | undefined;
      if (hook && hook.httpPort === record.config.httpPort) {
        delete hook.httpPort;
        if (Object.keys(hook).length === 0) delete raw.hook;
        if (Object.keys(raw).length === 0 && record.config.created) unlinkSync(record.config.file);
        else writeFileSync(record.config.file, JSON.stringify(raw, null, 2) + '\n', { mode: 0o600 });
        out(`Removed hook.httpPort from ${record.config.file}.\n`);
      }
    } catch (e) {
      out(`Could not take hook.httpPort out of ${record.config.file}: ${(e as Error).message}\n`);
    }
  }
  delete record.config;
  // the package copy install made (a source checkout is never pointed at); the state stays without --purge
  for (const dir of new Set([record.package, packageCopyDir(paths, ctx.env)])) {
    if (dir && existsSync(dir)) {
      rmSync(dir, { recursive: true, force: true });
      out(`Removed the package copy ${dir}.\n`);
    }
  }
  if (o.purge) {
    if (!paths.relocated && existsSync(paths.configFile)) {
      rmSync(paths.configFile, { force: true });
      out(`Removed ${paths.configFile}.\n`);
    }
    if (existsSync(paths.stateDir)) {
      rmSync(paths.stateDir, { recursive: true, force: true });
      out(`Removed the state dir ${paths.stateDir} (audit log, saved sessions, key, token).\n`);
    }
  }
  for (const d of [dirname(paths.configFile), dirname(packageCopyDir(paths, ctx.env))]) {
    try {
      rmdirSync(d); // only when empty
    } catch {
      /* not empty, or not there */
    }
  }
  if (o.purge) return;
  delete record.package;
  writeRecord(paths, record);
  if (left.length)
    throw new InstallError(
      `could not remove the hooks from ${left.map((l) => l.file).join(', ')} (see above); fix those files and run \`mcpproxy-hook uninstall --all\` again`,
    );
  out('mcpproxy-hook is uninstalled. The audit log and saved state stay in ' + paths.stateDir + ' (remove them with --purge).\n');
}
