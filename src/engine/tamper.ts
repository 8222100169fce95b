/**
 * Tamper: tool calls that would switch the guard off or blind it — stop or kill its sidecar,
 * uninstall its hooks, delete its state, or rewrite the Claude Code settings that hold the hooks.
 * An injected agent that can do these can then send anything: with the default fail-open hook a
 * stopped sidecar lets every call through. Pure: facts about where the guard lives are passed in.
 */
import type { BashAnalysis } from './bash/index.ts';
import { baseName as base, resolvePath } from './paths.ts';

export interface GuardFacts {
  /** the sidecar's state dir (socket, database, key, config) */
  stateDir?: string;
  /** where the guard's built files are (the hook bundle, the CLI): its package's dist/ */
  installDir?: string;
  /** for ~ in paths */
  home?: string;
}

export interface TamperFinding {
  kind: 'disable' | 'settings';
  /** what the call would do, in words */
  what: string;
}

const NAME = 'mcpproxy-hook';
/** how a command names the guard (pgrep -f mcpproxy, pkill -f mcpproxy-hook) */
const NAMED = /mcpproxy/i;
const KILLERS = new Set(['kill', 'pkill', 'killall', 'skill', 'fuser']);
const WRAPPERS = new Set(['sudo', 'doas', 'env', 'command', 'exec', 'nohup', 'nice', 'ionice', 'setsid', 'timeout', 'xargs', 'busybox']);
/** commands that change or remove the files they are given */
const REMOVERS = new Set(['rm', 'rmdir', 'mv', 'unlink', 'shred', 'truncate', 'chmod', 'chown', 'chattr', 'sqlite3']);
/** commands that change only their last argument (the destination) */
const COPIERS = new Set(['cp', 'rsync', 'install', 'ln']);
const SYSTEMCTL_OFF = new Set(['stop', 'disable', 'mask', 'kill', 'edit', 'revert', 'set-property']);
const LAUNCHCTL_OFF = new Set(['bootout', 'unload', 'disable', 'remove', 'kill', 'stop']);
/** the guard's own CLI commands that switch it off or let flows through (allow, and the console that can) */
const CLI_OFF = new Set(['uninstall', 'config', 'allow', 'console']);

/** The command of a simple command with its wrappers (sudo, env VAR=x, timeout 5, xargs) taken off. */
function unwrap(argv: string[]): string[] {
  let i = 0;
  while (i < argv.length) {
    const w = base(argv[i] as string);
    if (!WRAPPERS.has(w)) break;
    i++;
    // their own options and arguments: -x, VAR=value, a duration
    while (i < argv.length && /^(-|[A-Za-z_][A-Za-z0-9_]*=|\d+[smhd]?$)/.test(argv[i] as string)) i++;
  }
  return argv.slice(i);
}

/** Claude Code settings files (user, project, local, managed, ~/.claude.json): where hooks and MCP servers are configured. */
function settingsFile(p: string): boolean {
  return /(^|\/)\.claude\/settings(\.local)?\.json$/.test(p) || /\/managed-settings\.json$/.test(p) || /(^|\/)\.claude\.json$/.test(p);
}

function under(p: string, dir: string | undefined): boolean {
  if (!dir) return false;
  const d = dir.endsWith('/') ? dir : dir + '/';
  return p === dir || p.startsWith(d);
}

/** A Bash command that would stop, kill, uninstall or blind the guard. */
export function bashTamper(bash: BashAnalysis, command: string, facts: GuardFacts, cwd?: string): TamperFinding | undefined {
  const mentionsUs = NAMED.test(command) || (facts.stateDir !== undefined && command.includes(facts.stateDir));
  const abs = (p: string): string | null => resolvePath(p, cwd, facts.home);
  // settings edited in place (sed -i, perl -i) or replaced (mv/cp a file onto them): reported only
  // if nothing switches the guard off outright, here or in what the command writes
  let settings: TamperFinding | undefined;
  for (const seg of bash.segments) {
    const argv = unwrap(seg);
    if (argv.length === 0) continue;
    const cmd = base(argv[0] as string);
    const args = argv.slice(1);
    if (!settings) {
      const inPlace = (cmd === 'sed' || cmd === 'perl') && args.some((a) => /^-[a-zA-Z]*i/.test(a));
      if (inPlace || COPIERS.has(cmd) || cmd === 'mv') {
        const files = args.filter((a) => !a.startsWith('-'));
        const a = (inPlace ? files : files.slice(-1)).find((f) => {
          const p = abs(f);
          return p !== null && settingsFile(p);
        });
        if (a !== undefined) settings = { kind: 'settings', what: `rewrite Claude Code's settings (${a}), where the guard's hooks are` };
      }
    }
    if (KILLERS.has(cmd)) {
      if (mentionsUs) return { kind: 'disable', what: `stop the guard's sidecar (${cmd})` };
      // every node process, the sidecar among them
      if ((cmd === 'pkill' || cmd === 'killall') && args.some((a) => a === 'node' || a === 'nodejs')) return { kind: 'disable', what: `kill every node process, the guard's sidecar among them (${cmd} node)` };
    }
    if (cmd === 'systemctl' && args.some((a) => SYSTEMCTL_OFF.has(a)) && args.some((a) => a.includes(NAME))) return { kind: 'disable', what: `stop or disable the guard's service (systemctl ${args.find((a) => SYSTEMCTL_OFF.has(a))})` };
    if (cmd === 'launchctl' && args.some((a) => LAUNCHCTL_OFF.has(a)) && args.some((a) => a.includes(NAME))) return { kind: 'disable', what: `unload the guard's agent (launchctl ${args.find((a) => LAUNCHCTL_OFF.has(a))})` };
    // the guard's own CLI: mcpproxy-hook uninstall / service uninstall / config set ...
    const cliAt = cmd === NAME ? 0 : (cmd === 'npx' || cmd === 'node' || cmd === 'pnpm' || cmd === 'yarn' || cmd === 'bunx') ? argv.findIndex((a) => base(a) === NAME || base(a) === `${NAME}.js`) : -1;
    if (cliAt >= 0) {
      const sub = argv.slice(cliAt + 1).filter((a) => !a.startsWith('-'));
      if (CLI_OFF.has(sub[0] ?? '') || (sub[0] === 'service' && (sub[1] === 'uninstall' || sub[1] === 'stop'))) return { kind: 'disable', what: `run \`${NAME} ${sub.slice(0, 2).join(' ')}\`` };
    }
    if (REMOVERS.has(cmd) || COPIERS.has(cmd)) {
      const targets = COPIERS.has(cmd) ? args.filter((a) => !a.startsWith('-')).slice(-1) : args;
      for (const a of targets) {
        if (a.startsWith('-')) continue;
        const p = abs(a);
        if (p && (under(p, facts.stateDir) || under(p, facts.installDir))) return { kind: 'disable', what: `change or remove the guard's own files (${cmd} ${a})` };
        // a parent of the state dir (rm -rf ~/.local/state)
        if (p && REMOVERS.has(cmd) && facts.stateDir && under(facts.stateDir, p) && p.split('/').length > 2) return { kind: 'disable', what: `remove the guard's state with its parent directory (${cmd} ${a})` };
      }
    }
  }
  for (const w of bash.writePaths) {
    const p = abs(w);
    if (!p) continue;
    if (under(p, facts.stateDir) || under(p, facts.installDir)) return { kind: 'disable', what: `overwrite the guard's own files (${w})` };
    if (settingsFile(p)) return { kind: 'settings', what: `rewrite Claude Code's settings (${w}), where the guard's hooks are` };
  }
  return settings;
}

/** A Write / Edit of the guard's files or of Claude Code's settings. */
export function fileTamper(path: string, facts: GuardFacts): TamperFinding | undefined {
  if (under(path, facts.stateDir) || under(path, facts.installDir)) return { kind: 'disable', what: `change the guard's own files (${path})` };
  if (settingsFile(path)) return { kind: 'settings', what: `change Claude Code's settings (${path}), where the guard's hooks are` };
  return undefined;
}
