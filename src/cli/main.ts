/** The `mcpproxy-hook` command line. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuditStore } from '../store/audit-store.ts';
import { ConfigError, configDocs, configJsonSchema, loadConfigFile, setConfigValue } from '../config/index.ts';
import { ensurePrivateDir, readOrCreateToken } from '../store/state-files.ts';
import { HOOK_PATH } from '../transport/http-hook-server.ts';
import { PROXY_SERVER_NAME } from '../engine/classifier.ts';
import { registerServiceCommands } from '../service.ts';
import { checkSocketPath, resolvePaths } from '../paths.ts';
import { runDaemon } from '../daemon/run.ts';
import { VERSION } from '../version.ts';
import { request, SidecarUnavailable } from '../transport/client.ts';
import { claudeJsonPath, EVENTS, MARKER, ourHandlers, readSettings, settingsPath, SettingsError, withOurs, withoutOurs, writeSettings, type HookHandler, type Scope } from './settings.ts';

/** The package root (where package.json and dist/ live), found from this module's location. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if (JSON.parse(readFileSync(pj, 'utf8')).name === 'mcpproxy-hook') return dir;
      } catch {
        /* keep looking */
      }
    }
    dir = dirname(dir);
  }
  throw new Error('cannot find the mcpproxy-hook package root');
}

const q = (s: string): string => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

class UserError extends Error {}

function scopeOpt(v: string): Scope {
  if (v !== 'user' && v !== 'project' && v !== 'local') throw new InvalidArgumentError('use user, project or local');
  return v;
}

function loadConfigOrExit(file: string): ReturnType<typeof loadConfigFile>['config'] {
  try {
    return loadConfigFile(file).config;
  } catch (e) {
    if (e instanceof ConfigError) throw new UserError(e.message);
    throw e;
  }
}

/** The command Claude Code runs: absolute paths, lean Node start (no TLS CA bundle to load). */
export function hookCommand(phase: 'pre' | 'post', opts: { node: string; hook: string; socket: string; deadlineMs: number; failClosed: boolean; autostart?: string; home?: string }): string {
  const parts = ['NODE_EXTRA_CA_CERTS='];
  // an autostarted sidecar must find the same state as the one this command was installed for
  if (opts.autostart && opts.home) parts.push(`MCPPROXY_HOOK_HOME=${q(opts.home)}`);
  parts.push('exec', q(opts.node), q(opts.hook), phase, '--socket', q(opts.socket), '--deadline', String(opts.deadlineMs));
  if (opts.failClosed) parts.push('--fail-closed');
  if (opts.autostart) parts.push('--autostart', q(opts.autostart));
  parts.push(MARKER);
  return parts.join(' ');
}

function fmtTime(ms: number): string {
  const d = new Date(ms);
  return `${d.toISOString().slice(0, 10)} ${d.toTimeString().slice(0, 8)}`;
}

function parseSince(s: string): number {
  const m = /^(\d+)\s*(s|m|h|d)$/.exec(s.trim());
  if (!m) throw new InvalidArgumentError('use a duration like 30m, 2h or 7d');
  const mult = { s: 1e3, m: 6e4, h: 36e5, d: 864e5 }[m[2] as 's' | 'm' | 'h' | 'd'];
  return Date.now() - Number(m[1]) * mult;
}

export function buildProgram(): Command {
  const program = new Command('mcpproxy-hook')
    .description('Data-exfiltration guard for AI coding agents: watches how data flows between tools and stops secrets leaving.')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('daemon')
    .description('run the sidecar in the foreground (service managers run exactly this)')
    .action(async () => {
      await runDaemon(resolvePaths());
    });

  program
    .command('mcp')
    .description('stdio MCP server for clients that spawn commands: a bridge to the proxy in the sidecar (register it with `install --mcp`)')
    .option('--socket <path>', "the sidecar's MCP socket (default: mcp.sock in the state dir)")
    .action(async (o: { socket?: string }) => {
      const paths = resolvePaths();
      const { runStdioBridge } = await import('../mcp-proxy/bridge.ts');
      await runStdioBridge(o.socket ?? join(paths.stateDir, 'mcp.sock'));
      process.exit(0);
    });

  program
    .command('install')
    .description("register the hooks in Claude Code's settings (keeps your other hooks; safe to run again)")
    .addOption(new Option('--scope <scope>', 'user (~/.claude/settings.json), project (.claude/settings.json) or local (.claude/settings.local.json)').default('user').argParser(scopeOpt))
    .option('--fail-closed', 'deny tool calls when the sidecar cannot be reached (default: from config hook.failClosed, else fail open)')
    .option('--fail-open', 'let tool calls run, with a warning, when the sidecar cannot be reached')
    .option('--dry-run', 'print the resulting settings instead of writing them')
    .option('--autostart', 'when no sidecar is running, the hook starts one (detached) and retries within its deadline')
    .option('--mcp', "also register the MCP proxy with Claude Code (user scope, ~/.claude.json) as the server \"mcpproxy-hook\"")
    .option('--mcp-only', 'only register the MCP proxy (proxy-only mode: no hooks)')
    .addOption(new Option('--transport <t>', 'command: a process per event, can fail closed; http: the sidecar answers over loopback HTTP, no process per event, always fails open').choices(['command', 'http']).default('command'))
    .option('--port <n>', 'with --transport http: loopback port for hook.httpPort when the config has none (default 47813)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError('use a port from 1 to 65535');
      return n;
    })
    .action(async (o: { scope: Scope; failClosed?: boolean; failOpen?: boolean; dryRun?: boolean; transport: 'command' | 'http'; port?: number; mcp?: boolean; mcpOnly?: boolean; autostart?: boolean }) => {
      const paths = resolvePaths();
      if (o.mcp || o.mcpOnly) {
        const file = claudeJsonPath(process.env);
        const { data, text } = readSettings(file);
        const servers = typeof data.mcpServers === 'object' && data.mcpServers !== null && !Array.isArray(data.mcpServers) ? (data.mcpServers as Record<string, unknown>) : {};
        const entry = { type: 'stdio', command: process.execPath, args: [join(packageRoot(), 'bin', 'mcpproxy-hook.js'), 'mcp', '--socket', join(paths.stateDir, 'mcp.sock')], env: {} };
        const next = { ...data, mcpServers: { ...servers, [PROXY_SERVER_NAME]: entry } };
        if (o.dryRun) process.stdout.write(JSON.stringify({ mcpServers: next.mcpServers }, null, 2) + '\n');
        else {
          const r = writeSettings(file, next, text);
          process.stdout.write(r.changed ? `Registered the MCP proxy as "${PROXY_SERVER_NAME}" in ${file}; its tools appear as mcp__${PROXY_SERVER_NAME}__<server>__<tool>.\n` : `The MCP proxy is already registered in ${file}; nothing changed.\n`);
        }
        if (o.mcpOnly) return;
      }
      let cfg = loadConfigOrExit(paths.configFile);
      const bad = checkSocketPath(paths.socket);
      if (bad) throw new UserError(bad);
      const failClosed = o.failOpen ? false : (o.failClosed ?? (o.transport === 'command' && cfg.hook.failClosed));
      const file = settingsPath(o.scope, process.cwd());
      const { data, text } = readSettings(file);
      let mk: (phase: 'pre' | 'post') => HookHandler;
      if (o.transport === 'http') {
        if (failClosed) throw new UserError('--fail-closed needs the command hook: Claude Code lets the tool run whenever an HTTP hook fails (connection refused, timeout, non-2xx). Use `--transport command --fail-closed`.');
        if (cfg.hook.httpPort === 0 || (o.port !== undefined && o.port !== cfg.hook.httpPort)) {
          const port = o.port ?? 47813;
          if (!o.dryRun) {
            setConfigValue(paths.configFile, ['hook', 'httpPort'], port);
            process.stdout.write(`Set hook.httpPort = ${port} in ${paths.configFile}.\n`);
          }
          cfg = { ...cfg, hook: { ...cfg.hook, httpPort: port } };
        }
        ensurePrivateDir(paths.stateDir);
        const token = readOrCreateToken(paths.tokenFile);
        const url = `http://127.0.0.1:${cfg.hook.httpPort}${HOOK_PATH}`;
        // A project settings file is usually committed: keep the token out of it, read it from the environment.
        const headers = o.scope === 'project' ? { Authorization: 'Bearer $MCPPROXY_HOOK_TOKEN' } : { Authorization: `Bearer ${token}` };
        mk = () => ({ type: 'http', url, timeout: cfg.hook.timeoutSeconds, headers, ...(o.scope === 'project' ? { allowedEnvVars: ['MCPPROXY_HOOK_TOKEN'] } : {}) });
      } else {
        const root = packageRoot();
        const hook = join(root, 'dist', 'hook.cjs');
        if (!existsSync(hook)) throw new UserError(`the hook bundle ${hook} is missing; build it first with \`npm run build\` in ${root}`);
        mk = (phase) => ({
          type: 'command',
          command: hookCommand(phase, { node: process.execPath, hook, socket: paths.socket, deadlineMs: cfg.hook.deadlineMs, failClosed, ...(o.autostart ? { autostart: join(root, 'bin', 'mcpproxy-hook.js'), ...(paths.relocated ? { home: paths.stateDir } : {}) } : {}) }),
          timeout: cfg.hook.timeoutSeconds,
        });
      }
      const next = withOurs(data, { PreToolUse: mk('pre'), PostToolUse: mk('post'), PostToolUseFailure: mk('post') }, file);
      if (o.dryRun) {
        process.stdout.write(JSON.stringify(next, null, 2) + '\n');
        return;
      }
      const r = writeSettings(file, next, text);
      if (!r.changed) process.stdout.write(`Hooks already installed in ${file}; nothing changed.\n`);
      else process.stdout.write(`Installed PreToolUse, PostToolUse and PostToolUseFailure hooks in ${file}${r.backup ? ` (previous file kept as ${r.backup})` : ''}.\n`);
      if (o.transport === 'http') {
        process.stdout.write(`Transport: http (${cfg.hook.httpPort}); no process per event. HTTP hooks always fail open: Claude Code runs the tool if the sidecar does not answer.\n`);
        if (o.scope === 'project') process.stdout.write(`The token is not written into ${file}: export MCPPROXY_HOOK_TOKEN=$(cat ${paths.tokenFile}) in the shell that starts Claude Code.\n`);
        try {
          await request(paths.socket, { t: 'reload' }, 2000);
          process.stdout.write('The running sidecar reloaded its config.\n');
        } catch {
          process.stdout.write('Start the sidecar with `mcpproxy-hook daemon` and check with `mcpproxy-hook status`.\n');
        }
      } else {
        process.stdout.write(`Mode: fail-${failClosed ? 'closed (tool calls are denied while the sidecar is down)' : 'open (tool calls run, with a warning, while the sidecar is down)'}.\n`);
        process.stdout.write(`Sidecar socket: ${paths.socket}. Start the sidecar with \`mcpproxy-hook daemon\` and check with \`mcpproxy-hook status\`.\n`);
      }
    });

  program
    .command('uninstall')
    .description("remove only mcpproxy-hook's entries from Claude Code's settings")
    .addOption(new Option('--scope <scope>', 'user, project or local').default('user').argParser(scopeOpt))
    .option('--mcp', 'also remove the MCP proxy registration from ~/.claude.json')
    .action((o: { scope: Scope; mcp?: boolean }) => {
      if (o.mcp) {
        const file = claudeJsonPath(process.env);
        const { data, text } = readSettings(file);
        const servers = data.mcpServers as Record<string, unknown> | undefined;
        if (text !== null && servers && PROXY_SERVER_NAME in servers) {
          const { [PROXY_SERVER_NAME]: _gone, ...rest } = servers;
          writeSettings(file, { ...data, mcpServers: rest }, text);
          process.stdout.write(`Removed the MCP proxy registration from ${file}.\n`);
        }
      }
      const file = settingsPath(o.scope, process.cwd());
      const { data, text } = readSettings(file);
      if (text === null || ourHandlers(data).length === 0) {
        process.stdout.write(`No mcpproxy-hook hooks in ${file}; nothing changed.\n`);
        return;
      }
      const r = writeSettings(file, withoutOurs(data, file), text);
      process.stdout.write(`Removed mcpproxy-hook hooks from ${file}${r.backup ? ` (previous file kept as ${r.backup})` : ''}.\n`);
    });

  program
    .command('status')
    .description('sidecar health, where hooks are installed, sessions tracked, recent decisions, decision latency')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      const paths = resolvePaths();
      let sidecar: Record<string, unknown> | null = null;
      let error: string | null = null;
      try {
        sidecar = (await request(paths.socket, { t: 'status' }, 3000)) as Record<string, unknown>;
      } catch (e) {
        error = (e as Error).message;
      }
      const installs: Array<{ scope: string; file: string; events: string[]; failClosed: boolean; transport: string; problem?: string }> = [];
      for (const scope of ['user', 'project', 'local'] as const) {
        const file = settingsPath(scope, process.cwd());
        try {
          const { data } = readSettings(file);
          const ours = ourHandlers(data);
          if (ours.length) installs.push({ scope, file, events: [...new Set(ours.map((x) => x.event))], failClosed: ours.some((x) => String(x.handler.command ?? '').includes('--fail-closed')), transport: ours.some((x) => x.handler.type === 'http') ? 'http' : 'command' });
        } catch (e) {
          installs.push({ scope, file, events: [], failClosed: false, transport: 'unknown', problem: (e as Error).message });
        }
      }
      let recent: unknown[] = [];
      if (existsSync(paths.db)) {
        try {
          const st = new AuditStore(paths.db);
          recent = st.query({ limit: 5 }).map((r) => ({ time: new Date(r.ts).toISOString(), session: r.session_id, event: r.event, tool: r.tool, decision: r.decision, risk: r.risk, summary: r.summary }));
          st.close();
        } catch {
          /* database busy or unreadable: status still answers */
        }
      }
      const hooked = installs.some((i) => i.events.includes('PreToolUse') && i.events.includes('PostToolUse'));
      const coverage = hooked ? 'hooks' : 'none';
      if (o.json) {
        process.stdout.write(JSON.stringify({ sidecar: sidecar ?? { ok: false, error }, hooks: installs, coverage, recent }, null, 2) + '\n');
        return;
      }
      const lines: string[] = [];
      if (sidecar) {
        const lat = sidecar.latency as { count: number; p50_us: number; p99_us: number };
        lines.push(`Sidecar: running (pid ${sidecar.pid}, up ${sidecar.uptime_s} s, socket ${sidecar.socket})`);
        lines.push(`Sessions tracked: ${sidecar.sessions_tracked}`);
        const saved = sidecar.saved_state as { sessions: number; origins: number; restored_at_start: { sessions: number; origins: number; broken: number } } | null;
        lines.push(
          saved
            ? `Saved across restarts: ${saved.sessions} session(s), ${saved.origins} origin(s) (restored at start: ${saved.restored_at_start.sessions} session(s), ${saved.restored_at_start.origins} origin(s)${saved.restored_at_start.broken ? `, ${saved.restored_at_start.broken} unreadable and dropped` : ''})`
            : 'Saved across restarts: off (session.persist is false: a restart forgets open sessions)',
        );
        lines.push(`Decision time (last ${lat.count} events): p50 ${(lat.p50_us / 1000).toFixed(2)} ms, p99 ${(lat.p99_us / 1000).toFixed(2)} ms`);
        lines.push(`Decisions, last 24 h: ${JSON.stringify(sidecar.decisions_24h)}`);
        const hh = sidecar.http_hook as { url?: string; error?: string } | null;
        if (hh) lines.push(hh.url ? `HTTP hook endpoint: ${hh.url}` : `HTTP hook endpoint: DOWN: ${hh.error}`);
        const c = sidecar.config as { file: string; exists: boolean; loaded_at: string };
        lines.push(`Config: ${c.exists ? c.file : `defaults (no ${c.file})`}, loaded ${c.loaded_at}`);
      } else {
        lines.push(`Sidecar: NOT running: ${error}`);
      }
      if (installs.length === 0) lines.push('Hooks: not installed in user, project or local settings. Install with `mcpproxy-hook install`.');
      for (const i of installs) {
        const mode = i.transport === 'http' ? 'http transport, fail-open (Claude Code runs the tool when an HTTP hook fails; use the command hook to fail closed)' : `command hook, fail-${i.failClosed ? 'closed' : 'open'}`;
        lines.push(i.problem ? `Hooks (${i.scope}): ${i.problem}` : `Hooks (${i.scope}): ${i.events.join(', ')} in ${i.file}, ${mode}`);
      }
      lines.push(`Coverage: ${coverage === 'hooks' ? 'hooks (built-in tools and MCP tool calls seen by Claude Code)' : 'none: no hooks installed'}`);
      if (recent.length) {
        lines.push('Recent decisions:');
        for (const r of recent as Array<{ time: string; decision: string; event: string; tool: string; summary: string | null }>) lines.push(`  ${r.time} ${r.decision.padEnd(5)} ${r.event.padEnd(11)} ${r.tool} ${r.summary ?? ''}`);
      }
      process.stdout.write(lines.join('\n') + '\n');
      if (!sidecar) process.exitCode = 3;
    });

  program
    .command('evaluate')
    .description('read one Claude Code hook event on stdin and print the decision (the same path the hook takes)')
    .option('--json', 'print the decision details as well as the hook output')
    .action(async (o: { json?: boolean }) => {
      const paths = resolvePaths();
      const input = readFileSync(0);
      if (input.length === 0) throw new UserError('no event on stdin; pipe one Claude Code hook event (JSON) into this command');
      const r = (await request(paths.socket, { t: 'evaluate', e: input.toString('utf8') })) as Record<string, unknown>;
      if (r.error) throw new UserError(`the sidecar could not evaluate the event: ${r.error}`);
      process.stdout.write(JSON.stringify(o.json ? r : r.output, null, o.json ? 2 : 0) + '\n');
    });

  program
    .command('activity')
    .description('query the audit log')
    .option('--session <id>', 'only this session')
    .addOption(new Option('--decision <d>', 'only this decision').choices(['allow', 'warn', 'ask', 'deny']))
    .addOption(new Option('--risk <r>', 'this risk or higher').choices(['none', 'low', 'medium', 'high', 'critical']))
    .addOption(new Option('--event <e>', 'only this hook event').choices(['PreToolUse', 'PostToolUse']))
    .option('--tool <name>', 'only this tool')
    .option('--since <duration>', 'only the last 30m, 2h, 7d, ...', parseSince)
    .option('--limit <n>', 'at most n rows (default 50)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 100000) throw new InvalidArgumentError('use a whole number from 1 to 100000');
      return n;
    })
    .option('--json', 'one JSON object per line')
    .action((o: { session?: string; decision?: string; risk?: string; event?: string; tool?: string; since?: number; limit?: number; json?: boolean }) => {
      const paths = resolvePaths();
      if (!existsSync(paths.db)) throw new UserError(`no audit log at ${paths.db} yet; it is created when the sidecar first runs (\`mcpproxy-hook daemon\`)`);
      const st = new AuditStore(paths.db);
      const rows = st.query({ ...(o.session ? { session: o.session } : {}), ...(o.decision ? { decision: o.decision } : {}), ...(o.risk ? { risk: o.risk } : {}), ...(o.event ? { event: o.event } : {}), ...(o.tool ? { tool: o.tool } : {}), ...(o.since !== undefined ? { sinceMs: o.since } : {}), limit: o.limit ?? 50 });
      st.close();
      if (o.json) {
        for (const r of rows) process.stdout.write(JSON.stringify(r) + '\n');
        return;
      }
      if (rows.length === 0) {
        process.stdout.write('No matching decisions.\n');
        return;
      }
      for (const r of rows.reverse()) {
        process.stdout.write(`${fmtTime(r.ts)}  ${r.session_id.slice(0, 8)}  ${r.event.padEnd(11)} ${r.decision.padEnd(5)} ${r.risk.padEnd(8)} ${r.tool}${r.flow_type ? `  [${r.flow_type}]` : ''}${r.summary ? `  ${r.summary}` : ''}\n`);
      }
    });

  program
    .command('doctor')
    .description('check node, the sidecar, permissions, installed hooks, MCP upstreams and disk space; print a fix for each problem')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      const { runDoctor } = await import('./doctor.ts');
      const checks = await runDoctor(resolvePaths(), process.cwd(), process.env);
      const bad = checks.filter((c) => !c.ok);
      if (o.json) process.stdout.write(JSON.stringify({ ok: bad.length === 0, checks }, null, 2) + '\n');
      else {
        for (const c of checks) process.stdout.write(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}${!c.ok && c.fix ? `\n     fix: ${c.fix}` : ''}\n`);
        process.stdout.write(bad.length ? `${bad.length} problem(s) found.\n` : 'No problems found.\n');
      }
      if (bad.length) process.exitCode = 1;
    });

  program
    .command('config')
    .description('show where the config lives, check it, or list every key with its default')
    .option('--docs', 'list every key, its default and what it does')
    .option('--json-schema', 'print the JSON Schema of the config file (for editors: "$schema" in the file)')
    .option('--check [file]', 'validate a config file (default: the active one)')
    .action((o: { docs?: boolean; jsonSchema?: boolean; check?: string | boolean }) => {
      const paths = resolvePaths();
      if (o.docs) {
        for (const d of configDocs()) process.stdout.write(`${d.key} (default ${d.def})\n    ${d.doc}\n`);
        return;
      }
      if (o.jsonSchema) {
        process.stdout.write(JSON.stringify(configJsonSchema(), null, 2) + '\n');
        return;
      }
      if (o.check !== undefined) {
        const file = typeof o.check === 'string' ? resolve(o.check) : paths.configFile;
        const r = (() => {
          try {
            return loadConfigFile(file);
          } catch (e) {
            if (e instanceof ConfigError) throw new UserError(e.message);
            throw e;
          }
        })();
        process.stdout.write(r.exists ? `${file}: valid\n` : `${file} does not exist; all defaults apply\n`);
        return;
      }
      process.stdout.write(`config file: ${paths.configFile}\nstate dir:   ${paths.stateDir}\nsocket:      ${paths.socket}\naudit log:   ${paths.db}\n`);
    });

  registerServiceCommands(program, { cliPath: () => join(packageRoot(), 'bin', 'mcpproxy-hook.js'), resolvePaths });

  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') return;
    if (typeof code === 'string' && code.startsWith('commander.')) {
      process.exitCode = 2;
      return;
    }
    if (e instanceof UserError || e instanceof SettingsError || e instanceof SidecarUnavailable) {
      process.stderr.write(`mcpproxy-hook: ${e.message}\n`);
      process.exitCode = e instanceof SidecarUnavailable ? 3 : 1;
      return;
    }
    process.stderr.write(`mcpproxy-hook: unexpected error: ${(e as Error).message}\nPlease report it with the command you ran.\n`);
    process.exitCode = 1;
  }
}
