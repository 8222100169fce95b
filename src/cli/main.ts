/** The `mcpproxy-hook` command line. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuditStore } from '../store/audit-store.ts';
import { ConfigError, configDocs, configJsonSchema, loadConfigFile } from '../config/index.ts';
import { registerServiceCommands } from '../service.ts';
import { resolvePaths } from '../paths.ts';
import { runDaemon } from '../daemon/run.ts';
import { VERSION } from '../version.ts';
import { request, SidecarUnavailable } from '../transport/client.ts';
import { hookMode, ourHandlers, readSettings, settingsPath, SettingsError, type Scope } from './settings.ts';
import { stableRoot } from './package-copy.ts';
import { enabledPluginIds } from './plugin.ts';
import { InstallError, readRecord, runInstall, runUninstall, type InstallContext, type InstallOptions, type UninstallContext, type UninstallOptions } from './install.ts';
import { CommandError, registerConsoleCommands } from './console-commands.ts';

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

const _q = (s: string): string => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

class UserError extends Error {}

function scopeOpt(v: string): Scope {
  if (v !== 'user' && v !== 'project' && v !== 'local') throw new InvalidArgumentError('use user, project or local');
  return v;
}

async function runInstallCmd(o: InstallOptions, ctx: InstallContext): Promise<void> {
  try {
    await runInstall(o, ctx);
  } catch (e) {
    if (e instanceof InstallError) throw new UserError(e.message);
    throw e;
  }
}

async function runUninstallCmd(o: UninstallOptions, ctx: UninstallContext): Promise<void> {
  try {
    await runUninstall(o, ctx);
  } catch (e) {
    if (e instanceof InstallError) throw new UserError(e.message);
    throw e;
  }
}

export { hookCommand } from './install.ts';

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
    .option('--fail-closed', 'block tool calls when the sidecar cannot answer or the hook cannot run (the default, from config hook.failClosed)')
    .option('--fail-open', 'let tool calls run, with a warning (command hook), when the sidecar cannot be reached')
    .option('--dry-run', 'print the resulting settings instead of writing them')
    .option('--autostart', 'command hook: when no sidecar is running, the hook starts one (detached) and retries within its deadline')
    .option('--no-start', 'do not start the sidecar now (HTTP hooks: it starts with the next Claude Code session)')
    .option('--mcp', "also register the MCP proxy with Claude Code (user scope, ~/.claude.json) as the server \"mcpproxy-hook\"")
    .option('--mcp-only', 'only register the MCP proxy (proxy-only mode: no hooks)')
    .addOption(new Option('--transport <t>', 'http (default): the sidecar answers over loopback HTTP, no process per event; command: a process per event').choices(['command', 'http']))
    .option('--port <n>', 'with --transport http: loopback port for hook.httpPort when the config has none (default: a free port from 20000-32000)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError('use a port from 1 to 65535');
      return n;
    })
    .action(async (o: InstallOptions) => {
      await runInstallCmd(o, { paths: resolvePaths(), packageRoot: packageRoot(), cwd: process.cwd(), env: process.env, out: (s) => void process.stdout.write(s) });
    });

  program
    .command('uninstall')
    .description("remove only mcpproxy-hook's entries from Claude Code's settings (--all: everything install wrote)")
    .addOption(new Option('--scope <scope>', 'user, project or local').default('user').argParser(scopeOpt))
    .option('--mcp', 'also remove the MCP proxy registration from ~/.claude.json')
    .option('--all', 'every settings file install wrote (any directory), the MCP registration, the plugin, the service, the HTTP port and the package copy')
    .option('--purge', 'with --all: also remove the state dir (audit log, saved sessions, key, token) and the config file')
    .action(async (o: UninstallOptions) => {
      const paths = resolvePaths();
      await runUninstallCmd(o, {
        paths,
        packageRoot: packageRoot(),
        cwd: process.cwd(),
        env: process.env,
        out: (s) => void process.stdout.write(s),
        removeService: async () => {
          const { servicePaths, serviceUninstall } = await import('../service.ts');
          if (!existsSync(servicePaths(process.platform, process.env.HOME ?? '', process.env).file)) return [];
          return (await serviceUninstall()).lines;
        },
        removePlugin: async () => (await import('./plugin.ts')).removePlugin(process.env),
      });
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
      const installs: Array<{ scope: string; file: string; events: string[]; failClosed: boolean; transport: string; starter?: boolean; problem?: string }> = [];
      // this directory's scopes, and every settings file install recorded (project installs elsewhere)
      const where = new Map<string, string>((['user', 'project', 'local'] as const).map((sc) => [settingsPath(sc, process.cwd()), sc]));
      for (const r of readRecord(paths).settings) if (!where.has(r.file)) where.set(r.file, `${r.scope}, recorded`);
      for (const [file, scope] of where) {
        try {
          const { data } = readSettings(file);
          const ours = ourHandlers(data);
          const m = hookMode(data);
          if (ours.length) installs.push({ scope, file, events: [...new Set(ours.map((x) => x.event))], failClosed: m.failClosed, transport: m.transport, starter: m.starter });
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
      const plugins = enabledPluginIds(process.env);
      const hooked = plugins.length > 0 || installs.some((i) => i.events.includes('PreToolUse') && i.events.includes('PostToolUse'));
      const coverage = hooked ? 'hooks' : 'none';
      if (o.json) {
        process.stdout.write(JSON.stringify({ sidecar: sidecar ?? { ok: false, error }, hooks: installs, plugins, coverage, recent }, null, 2) + '\n');
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
      for (const id of plugins) lines.push(`Plugin: ${id} enabled (command hooks, fail-closed: while the sidecar is down and cannot be started, tool calls are blocked)`);
      if (installs.length === 0 && plugins.length === 0) lines.push('Hooks: not installed in user, project or local settings. Install with `mcpproxy-hook install`.');
      for (const i of installs) {
        const down = i.failClosed ? 'fail-closed: while the sidecar is down, tool calls are blocked' : 'fail-open: while the sidecar is down, tool calls run unchecked';
        const mode = `${i.transport === 'http' ? `http transport${i.starter ? ', the sidecar starts with each session' : ''}` : 'command hook'}, ${down}`;
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

  // the service runs an installed package, or a copy of a checkout under the data dir (never the checkout)
  registerServiceCommands(program, { cliPath: () => join(stableRoot(packageRoot(), resolvePaths()).root, 'bin', 'mcpproxy-hook.js'), resolvePaths });
  registerConsoleCommands(program);

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
    if (e instanceof UserError || e instanceof SettingsError || e instanceof SidecarUnavailable || e instanceof CommandError) {
      process.stderr.write(`mcpproxy-hook: ${e.message}\n`);
      process.exitCode = e instanceof SidecarUnavailable ? 3 : 1;
      return;
    }
    process.stderr.write(`mcpproxy-hook: unexpected error: ${(e as Error).message}\nPlease report it with the command you ran.\n`);
    process.exitCode = 1;
  }
}
