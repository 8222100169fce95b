/**
 * `mcpproxy-hook doctor`: checks the things that silently turn the guard off, each problem with its fix.
 */
import { enabledPluginIds } from './plugin.ts';
import { existsSync, statfsSync, statSync } from 'node:fs';
import { loadConfigFile, ConfigError } from '../config/index.ts';
import type { Paths } from '../paths.ts';
import { request } from '../transport/client.ts';
import { ourHandlers, readSettings, settingsPath, claudeJsonPath } from './settings.ts';
import { PROXY_SERVER_NAME } from '../engine/classifier.ts';
import { DEFAULT_LABEL, defaultRunner, firstLine, servicePaths, UNIT_NAME, type Runner } from '../service.ts';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
  /** not a problem, but something the user can do better (printed under an ok line) */
  tip?: string;
}

const mode = (p: string): number => statSync(p).mode & 0o777;

export interface DoctorOptions {
  /** runs systemctl / launchctl (tests inject one) */
  runner?: Runner;
  platform?: NodeJS.Platform;
  uid?: number;
}

/**
 * Can the service file actually restart the sidecar here? A unit file is only as good as a user service
 * manager that has it enabled: in a container, over SSH without a login session, or after `su`, there is
 * none, and the file restarts nothing.
 */
export function serviceSupervises(platform: NodeJS.Platform, file: string, run: Runner, uid: number): { ok: boolean; detail: string; fix: string } {
  if (platform === 'darwin') {
    const target = `gui/${uid}/${DEFAULT_LABEL}`;
    const r = run('launchctl', ['print', target]);
    if (r.status === 0) return { ok: true, detail: `${file} is loaded in launchd (${target}): it restarts the sidecar after a crash`, fix: '' };
    return {
      ok: false,
      detail: `${file} exists but launchd has not loaded it (${firstLine(r)}): nothing restarts the sidecar if it stops`,
      fix: `launchctl bootstrap gui/${uid} ${file} from a GUI login session (or: mcpproxy-hook install --autostart, or --fail-closed)`,
    };
  }
  // `show` asks the running manager (`is-enabled` can answer from the files alone, with no manager to act on them)
  const r = run('systemctl', ['--user', 'show', UNIT_NAME, '--property=UnitFileState']);
  const state = /^UnitFileState=(.*)$/m.exec(r.stdout)?.[1]?.trim() ?? '';
  if (r.status === 0 && /^(enabled|enabled-runtime|linked|linked-runtime|alias|static|indirect|generated)$/.test(state)) {
    return { ok: true, detail: `${file} is ${state} in your user systemd: it restarts the sidecar after a crash`, fix: '' };
  }
  const why = firstLine(r);
  if (
    r.status === null ||
    /Failed to connect to (user scope )?bus|No medium found|DBUS_SESSION_BUS_ADDRESS|XDG_RUNTIME_DIR|Host is down|System has not been booted with systemd|Failed to get D-Bus connection/i.test(
      r.stderr + r.stdout,
    )
  ) {
    return {
      ok: false,
      detail: `${file} exists, but no user service manager can run it here (${why}): nothing restarts the sidecar if it stops`,
      fix: 'mcpproxy-hook install --autostart (the hook starts a missing sidecar), or --fail-closed; or run this as the user in a login session with systemd (loginctl enable-linger <user> keeps one running)',
    };
  }
  return {
    ok: false,
    detail: `${file} exists but systemd has it ${state || why}: it will not start or restart the sidecar`,
    fix: `systemctl --user enable --now ${UNIT_NAME} (or: mcpproxy-hook service install)`,
  };
}

export async function runDoctor(paths: Paths, cwd: string, env: NodeJS.ProcessEnv, opts: DoctorOptions = {}): Promise<Check[]> {
  const checks: Check[] = [];
  const add = (name: string, ok: boolean, detail: string, fix?: string, tip?: string): void => {
    // the same finding from several hook entries (PreToolUse, PostToolUse, PostToolUseFailure) is one problem
    if (checks.some((c) => c.name === name && c.ok === ok && c.detail === detail)) return;
    checks.push(fix && !ok ? { name, ok, detail, fix } : tip && ok ? { name, ok, detail, tip } : { name, ok, detail });
  };
  const platform = opts.platform ?? process.platform;

  const major = Number(process.versions.node.split('.')[0]);
  add('node', major >= 20, `Node ${process.versions.node}`, 'install Node 20 or newer');

  let cfgOk = true;
  let httpPort = 0;
  try {
    const c = loadConfigFile(paths.configFile);
    httpPort = c.config.hook.httpPort;
    add('config', true, c.exists ? `${paths.configFile} is valid` : `no ${paths.configFile}: defaults apply`);
  } catch (e) {
    cfgOk = false;
    add(
      'config',
      false,
      e instanceof ConfigError ? e.problems.join('; ') : (e as Error).message,
      `fix ${paths.configFile} (keys and defaults: mcpproxy-hook config --docs); the sidecar refuses to start with it`,
    );
  }

  if (existsSync(paths.stateDir)) {
    const m = mode(paths.stateDir);
    add('state dir', (m & 0o077) === 0, `${paths.stateDir} mode ${m.toString(8)}`, `chmod 700 ${paths.stateDir}`);
    for (const f of [paths.socket, paths.db, paths.keyFile, paths.tokenFile]) {
      if (!existsSync(f)) continue;
      const fm = mode(f);
      add(`permissions ${f.split('/').pop()}`, (fm & 0o077) === 0, `${f} mode ${fm.toString(8)}`, `chmod 600 ${f}`);
    }
    try {
      const s = statfsSync(paths.stateDir);
      const free = s.bavail * s.bsize;
      add(
        'disk space',
        free > 200 * 2 ** 20,
        `${(free / 2 ** 30).toFixed(1)} GiB free for ${paths.stateDir}`,
        'free some disk space: the audit log cannot record decisions on a full disk',
      );
    } catch {
      /* statfs not available */
    }
  } else {
    add('state dir', false, `${paths.stateDir} does not exist yet`, 'start the sidecar once: mcpproxy-hook daemon');
  }

  let status: Record<string, unknown> | null = null;
  try {
    status = (await request(paths.socket, { t: 'status' }, 2000)) as Record<string, unknown>;
    add('sidecar', true, `running, pid ${status.pid}, up ${status.uptime_s} s`);
    sidecarChecks(status, paths, add);
  } catch (e) {
    add(
      'sidecar',
      false,
      (e as Error).message,
      cfgOk ? 'start it: mcpproxy-hook daemon (or mcpproxy-hook service install)' : 'fix the config first, then start it',
    );
  }

  let anyHooks = false;
  /** command hooks that fail open with no way to bring a stopped sidecar back */
  let unsupervised = 0;
  /** HTTP hooks that fail closed: a sidecar that dies mid-turn blocks tool calls until something starts it again */
  let httpBlocking = 0;
  for (const scope of ['user', 'project', 'local'] as const) {
    const file = settingsPath(scope, cwd, env);
    if (!existsSync(file)) continue;
    let data: Record<string, unknown>;
    try {
      data = readSettings(file).data;
    } catch (e) {
      add(
        `settings (${scope})`,
        false,
        (e as Error).message,
        `fix the JSON in ${file}: Claude Code ignores an invalid settings file in -p mode, hooks included`,
      );
      continue;
    }
    const ours = ourHandlers(data);
    if (ours.length === 0) continue;
    anyHooks = true;
    const events = new Set(ours.map((o) => o.event));
    const missing = ['PreToolUse', 'PostToolUse', 'PostToolUseFailure'].filter((e) => !events.has(e));
    add(
      `hooks (${scope})`,
      missing.length === 0,
      missing.length ? `${file}: no hook for ${missing.join(', ')}` : `${file}: ${[...events].join(', ')}`,
      `reinstall: mcpproxy-hook install --scope ${scope}`,
    );
    for (const { handler } of ours) {
      if (handler.type === 'command') {
        const cmd = String(handler.command ?? '');
        const paths_ = [...cmd.matchAll(/(?:^|\s)'?(\/[^'\s]+)'?/g)].map((m) => m[1] as string).filter((p) => /hook\.cjs$|\/node$|bin\/node|nodejs/.test(p));
        const gone = paths_.filter((p) => !existsSync(p));
        if (gone.length)
          add(`hook command (${scope})`, false, `missing: ${gone.join(', ')}`, `rebuild (npm run build) or reinstall: mcpproxy-hook install --scope ${scope}`);
        const sock = /--socket '?([^'\s]+)'?/.exec(cmd)?.[1];
        if (sock && sock !== paths.socket)
          add(
            `hook socket (${scope})`,
            false,
            `the hook talks to ${sock}, the sidecar listens on ${paths.socket}`,
            `reinstall: mcpproxy-hook install --scope ${scope}`,
          );
        if (!cmd.includes('--fail-closed') && !cmd.includes('--autostart')) unsupervised++;
        if (typeof handler.timeout === 'number' && handler.timeout * 1000 <= Number(/--deadline (\d+)/.exec(cmd)?.[1] ?? 0))
          add(`hook timeout (${scope})`, false, `timeout ${handler.timeout} s is not above the hook deadline`, 'reinstall with a larger hook.timeoutSeconds');
      } else if (handler.type === 'http') {
        if (handler.onFailure === 'block') httpBlocking++;
        const port = Number(/:(\d+)\//.exec(String(handler.url))?.[1]);
        add(
          `http hook (${scope})`,
          port === httpPort,
          port === httpPort
            ? `${handler.url} (${handler.onFailure === 'block' ? 'fail-closed: Claude Code blocks tool calls while the sidecar is down' : 'fail-open: tool calls run unchecked while the sidecar is down; reinstall without --fail-open to block them'})`
            : `${handler.url} but hook.httpPort is ${httpPort}`,
          'reinstall: mcpproxy-hook install --transport http',
        );
        break;
      }
    }
  }
  const plugins = enabledPluginIds(env);
  if (plugins.length) add('plugin', true, `${plugins.join(', ')} enabled: command hooks with onFailure "block" that start the sidecar`);
  if (!anyHooks && !plugins.length) add('hooks', false, 'no mcpproxy-hook hooks in user, project or local settings', 'mcpproxy-hook install');
  if (unsupervised > 0 && (platform === 'linux' || platform === 'darwin')) {
    // fail-open hooks are only as good as whatever restarts the sidecar when it stops (a crash, a pkill)
    const svc = servicePaths(platform, env.HOME ?? '', env);
    if (!existsSync(svc.file)) {
      add(
        'restart',
        false,
        'fail-open hooks and nothing to restart the sidecar: if it stops, tool calls run unchecked until someone starts it',
        'mcpproxy-hook service install (or: mcpproxy-hook install --autostart, or --fail-closed)',
      );
    } else {
      const uid = opts.uid ?? (typeof process.getuid === 'function' ? process.getuid() : 0);
      const v = serviceSupervises(platform, svc.file, opts.runner ?? defaultRunner, uid);
      add('restart', v.ok, v.detail, v.fix);
    }
  }

  if (httpBlocking > 0 && (platform === 'linux' || platform === 'darwin')) {
    // fail closed, so never unchecked; but only the starter hooks (SessionStart, UserPromptSubmit) bring a
    // dead sidecar back, so the rest of that turn's tool calls are blocked
    const svc = servicePaths(platform, env.HOME ?? '', env);
    const uid = opts.uid ?? (typeof process.getuid === 'function' ? process.getuid() : 0);
    const supervised = existsSync(svc.file) && serviceSupervises(platform, svc.file, opts.runner ?? defaultRunner, uid).ok;
    const manager = platform === 'linux' ? 'systemd' : 'launchd';
    add(
      'restart (http hooks)',
      true,
      supervised
        ? `HTTP hooks fail closed and the ${manager} service restarts a sidecar that stops within a second`
        : 'HTTP hooks fail closed: if the sidecar dies mid-turn, the rest of that turn\'s tool calls are blocked (Claude Code: "blocking because onFailure is block") until the next prompt or session, whose starter hook starts it again',
      undefined,
      supervised
        ? undefined
        : `mcpproxy-hook service install: ${manager} restarts a sidecar that stops at once, so a crash costs one blocked call, not the rest of the turn`,
    );
  }

  const mcp = status?.mcp as { upstreams?: Array<{ name: string; state: string; error?: string }>; error?: string } | null | undefined;
  if (mcp?.error) add('mcp proxy', false, mcp.error, 'check the mcp section of the config');
  for (const u of mcp?.upstreams ?? [])
    add(
      `upstream ${u.name}`,
      u.state === 'ready',
      `${u.state}${u.error ? `: ${u.error}` : ''}`,
      `check mcp.servers.${u.name} (command, args, url) in ${paths.configFile}; the proxy retries with backoff`,
    );
  try {
    const cj = readSettings(claudeJsonPath(env)).data;
    const reg = (cj.mcpServers as Record<string, unknown> | undefined)?.[PROXY_SERVER_NAME];
    if (reg && !mcp)
      add(
        'mcp proxy',
        false,
        `registered in ${claudeJsonPath(env)} but the sidecar has no upstream servers`,
        'add servers under mcp.servers in the config, or: mcpproxy-hook uninstall --mcp',
      );
  } catch {
    /* ~/.claude.json unreadable: Claude Code will say so */
  }
  return checks;
}

/** What the running sidecar reports about itself: the audit log, damaged state, refused sessions. */
function sidecarChecks(st: Record<string, unknown>, paths: Paths, add: (name: string, ok: boolean, detail: string, fix?: string) => void): void {
  const as = st.audit_store as
    | { ok: boolean; error: { code: string; message: string; since: string } | null; waiting_rows: number; dropped_rows: number }
    | undefined;
  if (as)
    add(
      'audit log',
      as.ok,
      as.ok
        ? `${paths.db} is written`
        : `${as.error ? `cannot be written since ${as.error.since} (${as.error.code}: ${as.error.message})` : 'writing works again'}; ${as.waiting_rows} row(s) waiting in memory, ${as.dropped_rows} dropped (decisions go on)`,
      as.error?.code === 'SQLITE_FULL'
        ? `free disk space on the file system of ${paths.db}: the waiting rows are written as soon as it can`
        : as.error
          ? `check ${paths.db} and its directory (permissions, disk); the sidecar retries on its own`
          : `rows were dropped while the log could not be written; restart the sidecar to clear this (mcpproxy-hook service install restarts it for you)`,
    );
  const problems = (st.state_problems as string[] | undefined) ?? [];
  for (const p of problems) add('state', false, p, 'see the problem for what was kept and how to restore it; restart the sidecar after restoring a file');
  if (problems.length === 0) add('state', true, 'key, audit database and its write-ahead log read back without damage');
  const hc = st.hook_callers as
    | {
        verification: string;
        refused: number;
        prompts_not_trusted: number;
        last_refused: { at: string; event: string; channel: string; why: string } | null;
        last_unverified: { why: string } | null;
      }
    | undefined;
  if (hc?.refused)
    add(
      'hook callers',
      false,
      `${hc.refused} hook event(s) that did not come from Claude Code's own hook call were refused since the sidecar started (last: ${hc.last_refused?.event} over ${hc.last_refused?.channel} at ${hc.last_refused?.at}: ${hc.last_refused?.why}). A process spoke to the guard as Claude Code: what a prompt injection does, or the plugin and \`mcpproxy-hook install\` both set up`,
      'look at what the agent ran around that time (mcpproxy-hook activity); if both the plugin and install are set up, keep one',
    );
  else if (hc && /^unavailable/.test(hc.verification) && httpPortOf(st) !== 0)
    add('hook callers', true, `${hc.verification}: destinations named in prompts are not taken as the user's choice (a send there is judged like any other)`);
  else if (hc) add('hook callers', true, hc.verification);
  const refused = Number(st.sessions_refused ?? 0);
  const mem = st.memory as { budget_bytes?: number | null; budget?: string | null } | undefined;
  if (refused > 0)
    add(
      'sessions refused',
      false,
      `${refused} new session(s) refused since the sidecar started: every tracked session was active or held data, at session.maxSessions or the memory budget (${mem?.budget_bytes ? `${Math.round(mem.budget_bytes / 2 ** 20)} MiB, ${mem.budget}` : 'none'}); their tool calls were denied`,
      `raise session.maxSessions in ${paths.configFile}, or the service's MemoryMax (mcpproxy-hook service install writes 1G), or lower session.idleMinutes so idle sessions close sooner`,
    );
}

/** The sidecar's HTTP hook port from its status (0: none). */
function httpPortOf(st: Record<string, unknown>): number {
  return Number((st.http_hook as { port?: number } | null | undefined)?.port ?? 0);
}
