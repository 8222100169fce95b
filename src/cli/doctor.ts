/**
 * `mcpproxy-hook doctor`: checks the things that silently turn the guard off, each problem with its fix.
 */
import { existsSync, statfsSync, statSync } from 'node:fs';
import { loadConfigFile, ConfigError } from '../config/index.ts';
import type { Paths } from '../paths.ts';
import { request } from '../transport/client.ts';
import { ourHandlers, readSettings, settingsPath, claudeJsonPath } from './settings.ts';
import { PROXY_SERVER_NAME } from '../engine/classifier.ts';
import { servicePaths } from '../service.ts';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

const mode = (p: string): number => statSync(p).mode & 0o777;

export async function runDoctor(paths: Paths, cwd: string, env: NodeJS.ProcessEnv): Promise<Check[]> {
  const checks: Check[] = [];
  const add = (name: string, ok: boolean, detail: string, fix?: string): void => {
    checks.push(fix && !ok ? { name, ok, detail, fix } : { name, ok, detail });
  };

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
    add('config', false, e instanceof ConfigError ? e.problems.join('; ') : (e as Error).message, `fix ${paths.configFile} (keys and defaults: mcpproxy-hook config --docs); the sidecar refuses to start with it`);
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
      add('disk space', free > 200 * 2 ** 20, `${(free / 2 ** 30).toFixed(1)} GiB free for ${paths.stateDir}`, 'free some disk space: the audit log cannot record decisions on a full disk');
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
  } catch (e) {
    add('sidecar', false, (e as Error).message, cfgOk ? 'start it: mcpproxy-hook daemon (or mcpproxy-hook service install)' : 'fix the config first, then start it');
  }

  let anyHooks = false;
  /** command hooks that fail open with no way to bring a stopped sidecar back */
  let unsupervised = 0;
  for (const scope of ['user', 'project', 'local'] as const) {
    const file = settingsPath(scope, cwd, env);
    if (!existsSync(file)) continue;
    let data: Record<string, unknown>;
    try {
      data = readSettings(file).data;
    } catch (e) {
      add(`settings (${scope})`, false, (e as Error).message, `fix the JSON in ${file}: Claude Code ignores an invalid settings file in -p mode, hooks included`);
      continue;
    }
    const ours = ourHandlers(data);
    if (ours.length === 0) continue;
    anyHooks = true;
    const events = new Set(ours.map((o) => o.event));
    const missing = ['PreToolUse', 'PostToolUse', 'PostToolUseFailure'].filter((e) => !events.has(e));
    add(`hooks (${scope})`, missing.length === 0, missing.length ? `${file}: no hook for ${missing.join(', ')}` : `${file}: ${[...events].join(', ')}`, `reinstall: mcpproxy-hook install --scope ${scope}`);
    for (const { handler } of ours) {
      if (handler.type === 'command') {
        const cmd = String(handler.command ?? '');
        const paths_ = [...cmd.matchAll(/(?:^|\s)'?(\/[^'\s]+)'?/g)].map((m) => m[1] as string).filter((p) => /hook\.cjs$|\/node$|bin\/node|nodejs/.test(p));
        const gone = paths_.filter((p) => !existsSync(p));
        if (gone.length) add(`hook command (${scope})`, false, `missing: ${gone.join(', ')}`, `rebuild (npm run build) or reinstall: mcpproxy-hook install --scope ${scope}`);
        const sock = /--socket '?([^'\s]+)'?/.exec(cmd)?.[1];
        if (sock && sock !== paths.socket) add(`hook socket (${scope})`, false, `the hook talks to ${sock}, the sidecar listens on ${paths.socket}`, `reinstall: mcpproxy-hook install --scope ${scope}`);
        if (!cmd.includes('--fail-closed') && !cmd.includes('--autostart')) unsupervised++;
        if (typeof handler.timeout === 'number' && handler.timeout * 1000 <= Number(/--deadline (\d+)/.exec(cmd)?.[1] ?? 0)) add(`hook timeout (${scope})`, false, `timeout ${handler.timeout} s is not above the hook deadline`, 'reinstall with a larger hook.timeoutSeconds');
      } else if (handler.type === 'http') {
        const port = Number(/:(\d+)\//.exec(String(handler.url))?.[1]);
        add(`http hook (${scope})`, port === httpPort, port === httpPort ? `${handler.url} (${handler.onFailure === 'block' ? 'fail-closed: Claude Code blocks tool calls while the sidecar is down' : 'fail-open: tool calls run unchecked while the sidecar is down; reinstall without --fail-open to block them'})` : `${handler.url} but hook.httpPort is ${httpPort}`, 'reinstall: mcpproxy-hook install --transport http');
        break;
      }
    }
  }
  if (!anyHooks) add('hooks', false, 'no mcpproxy-hook hooks in user, project or local settings', 'mcpproxy-hook install');
  if (unsupervised > 0 && (process.platform === 'linux' || process.platform === 'darwin')) {
    // fail-open hooks are only as good as whatever restarts the sidecar when it stops (a crash, a pkill)
    const svc = servicePaths(process.platform, env.HOME ?? '', env);
    const supervised = existsSync(svc.file);
    add(
      'restart',
      supervised,
      supervised ? `${svc.file} restarts the sidecar` : 'fail-open hooks and nothing to restart the sidecar: if it stops, tool calls run unchecked until someone starts it',
      'mcpproxy-hook service install (or: mcpproxy-hook install --autostart, or --fail-closed)',
    );
  }

  const mcp = status?.mcp as { upstreams?: Array<{ name: string; state: string; error?: string }>; error?: string } | null | undefined;
  if (mcp?.error) add('mcp proxy', false, mcp.error, 'check the mcp section of the config');
  for (const u of mcp?.upstreams ?? []) add(`upstream ${u.name}`, u.state === 'ready', `${u.state}${u.error ? `: ${u.error}` : ''}`, `check mcp.servers.${u.name} (command, args, url) in ${paths.configFile}; the proxy retries with backoff`);
  try {
    const cj = readSettings(claudeJsonPath(env)).data;
    const reg = (cj.mcpServers as Record<string, unknown> | undefined)?.[PROXY_SERVER_NAME];
    if (reg && !mcp) add('mcp proxy', false, `registered in ${claudeJsonPath(env)} but the sidecar has no upstream servers`, 'add servers under mcp.servers in the config, or: mcpproxy-hook uninstall --mcp');
  } catch {
    /* ~/.claude.json unreadable: Claude Code will say so */
  }
  return checks;
}
