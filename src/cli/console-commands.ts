/**
 * CLI commands of the console and of flow exceptions: `console`, `allow`, `exceptions`. They talk
 * to the running sidecar over its private socket; the sidecar owns the console server and the
 * exception store.
 */
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { Option } from 'commander';
import { resolvePaths } from '../paths.ts';
import { ErrorCode, GuardError } from '../errors.ts';

interface ExceptionView {
  id: number;
  scope: string;
  key: { tool: string; hosts: string[]; rules: string[]; origins: string[]; sensitive: string[] };
  sessionId: string | null;
  cwd: string | null;
  decisionId: number;
  createdAt: number;
  by: string;
  uses: number;
  revokedAt: number | null;
}

/** A failure the user can act on: printed as one line, exit code 1. */
export class CommandError extends GuardError {
  constructor(message: string, code: ErrorCode = ErrorCode.Usage) {
    super(code, message);
  }
}

async function ask(msg: Record<string, unknown>): Promise<Record<string, unknown>> {
  // loaded by the command that talks to the sidecar, not by `--help`
  const { request } = await import('../transport/client.ts');
  const r = (await request(resolvePaths().socket, msg, 5000)) as Record<string, unknown>;
  if (typeof r?.error === 'string') throw new CommandError(r.error, typeof r.code === 'string' ? (r.code as ErrorCode) : ErrorCode.Usage);
  return r;
}

/** Open a URL in the user's browser when there is one; true when a browser was started. */
function openBrowser(url: string): boolean {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return false;
  try {
    const child = spawn(cmd, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
    return true;
  } catch {
    // no opener on this machine: the URL is printed anyway
    return false;
  }
}

const state = (e: ExceptionView): string => (e.revokedAt ? 'revoked' : e.scope === 'once' && e.uses > 0 ? 'used' : 'live');

export function formatExceptions(list: ExceptionView[]): string {
  if (list.length === 0) return 'No exceptions. Make one from a blocked call with `mcpproxy-hook allow <decision-id> --once`.\n';
  const rows = list.map((e) => [
    String(e.id),
    e.scope,
    state(e),
    e.key.tool,
    e.key.hosts.join(',') || '-',
    [...e.key.sensitive, ...e.key.origins].join('; ') || '-',
    String(e.uses),
    `#${e.decisionId}`,
    new Date(e.createdAt).toISOString().slice(0, 19).replace('T', ' '),
    e.by,
  ]);
  const head = ['ID', 'SCOPE', 'STATE', 'TOOL', 'DESTINATION', 'DATA', 'USES', 'FROM', 'CREATED (UTC)', 'BY'];
  const widths = head.map((h, i) => Math.min(48, Math.max(h.length, ...rows.map((r) => (r[i] as string).length))));
  const line = (r: string[]): string =>
    r
      .map((c, i) => (c.length > (widths[i] as number) ? c.slice(0, (widths[i] as number) - 1) + '…' : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n') + '\n';
}

export function registerConsoleCommands(program: Command): void {
  program
    .command('console')
    .description('open the local console: live sessions, flow graphs, every decision in full, the audit log, and allow-this-flow')
    .option('--print-url', 'print the one-time login URL as the last line and exit (opens no browser)')
    .addHelpText(
      'after',
      '\nExamples:\n  mcpproxy-hook console\n  mcpproxy-hook console --print-url\n\nThe URL holds a one-time login token (valid 5 minutes): do not share it.',
    )
    .action(async (o: { printUrl?: boolean }) => {
      const r = await ask({ t: 'console' });
      const url = String(r.url);
      if (o.printUrl) {
        process.stdout.write(`${url}\n`);
        return;
      }
      const opened = openBrowser(url);
      process.stdout.write(
        opened
          ? `Opening the console in your browser. If it does not open, visit:\n${url}\n`
          : `Open this URL in a browser on this machine (it works once, for 5 minutes):\n${url}\n`,
      );
    });

  program
    .command('allow')
    .description('allow the flow of one interrupted decision: this data -> this destination, by this tool, in one scope')
    .argument('<decision-id>', 'the id in the deny/ask reason or in `mcpproxy-hook activity`')
    .addOption(new Option('--once', 'exactly the next identical call in that session').conflicts(['session', 'project', 'always']))
    .addOption(new Option('--session', 'this flow for the rest of that session').conflicts(['project', 'always']))
    .addOption(new Option('--project', 'this flow in sessions working in the same directory').conflicts(['always']))
    .option('--always', 'this flow anywhere')
    .addHelpText(
      'after',
      '\nExamples:\n  mcpproxy-hook allow 1234 --once\n  mcpproxy-hook allow 1234 --project\n\nA flow that carries a secret is only ever allowed by an exception made for that same secret.',
    )
    .action(async (id: string, o: { once?: boolean; session?: boolean; project?: boolean; always?: boolean }) => {
      const scope = o.once ? 'once' : o.session ? 'session' : o.project ? 'project' : o.always ? 'always' : undefined;
      if (!scope) throw new CommandError('say how wide: --once, --session, --project or --always');
      const n = Number(id);
      if (!Number.isSafeInteger(n) || n <= 0)
        throw new CommandError(`"${id}" is not a decision id; ids are whole numbers, listed by \`mcpproxy-hook activity\``);
      const r = await ask({ t: 'allow', id: n, scope, by: 'cli' });
      const e = r.exception as ExceptionView;
      process.stdout.write(
        `exception ${e.id} (${scope}): ${e.key.tool} -> ${e.key.hosts.join(', ') || 'its destination'} is allowed${scope === 'once' ? ' for the next identical call' : ''}. Revoke with \`mcpproxy-hook exceptions --revoke ${e.id}\`.\n`,
      );
    });

  program
    .command('exceptions')
    .description('list the flows you allowed, or revoke one')
    .option('--revoke <id>', 'revoke an exception')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  mcpproxy-hook exceptions\n  mcpproxy-hook exceptions --revoke 3')
    .action(async (o: { revoke?: string; json?: boolean }) => {
      if (o.revoke !== undefined) {
        const n = Number(o.revoke);
        if (!Number.isSafeInteger(n) || n <= 0) throw new CommandError(`"${o.revoke}" is not an exception id; list them with \`mcpproxy-hook exceptions\``);
        const r = await ask({ t: 'revoke', id: n, by: 'cli' });
        process.stdout.write(`exception ${(r.exception as ExceptionView).id} revoked\n`);
        return;
      }
      const r = await ask({ t: 'exceptions' });
      const list = r.exceptions as ExceptionView[];
      process.stdout.write(o.json ? JSON.stringify(list, null, 2) + '\n' : formatExceptions(list));
    });
}
