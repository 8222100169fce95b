/**
 * Tamper: tool calls that would switch the guard off or blind it — stop, freeze or kill its
 * sidecar, uninstall or weaken its hooks, delete or rewrite its config, state, service files or
 * installed files, or rewrite the Claude Code settings that hold the hooks. An injected agent that
 * can do these can then send anything: with a fail-open hook a stopped sidecar lets every call
 * through. Pure: facts about where the guard lives (paths, pid, command line) are passed in.
 *
 * Two kinds:
 *  - disable (policy.guardTampering, deny): the guard's own files and process;
 *  - settings (policy.settingsChanges, ask): Claude Code's settings files, which hold our hooks
 *    among much else (we cannot tell whether a rewrite drops them).
 */
import type { BashAnalysis } from './bash/index.ts';
import { analyzeBash } from './bash/index.ts';
import { interpFamily } from './bash/commands/interpreters.ts';
import { codeLang, codeWrites, type CodeLang } from './code-writes.ts';
import { baseName as base, resolvePath } from './paths.ts';
import { commandConcern, resultingText, settingsChangeConcern, shellWords, type SettingsFileFacts } from './settings-effect.ts';

export interface GuardFacts {
  /** the sidecar's state dir (socket, database, key, pid file) */
  stateDir?: string;
  /** where the guard's built files are (the hook bundle, the CLI): its package's dist/ */
  installDir?: string;
  /** the config file, wherever it lives (by default outside the state dir) */
  configFile?: string;
  /** other files and dirs whose change switches the guard off: service unit / launchd agent, the package's bin/, package.json, node_modules */
  protectedPaths?: string[];
  /** the running sidecar's pid (`kill -STOP <pid>`) */
  sidecarPid?: number;
  /** the running sidecar's command line (what `pkill -f PATTERN` matches) */
  sidecarCmdline?: string;
  /** the running sidecar's process name (what `pkill PATTERN` and `killall NAME` match) */
  sidecarName?: string;
  /** for ~ in paths */
  home?: string;
}

export interface TamperFinding {
  kind: 'disable' | 'settings';
  /** what the call would do, in words */
  what: string;
}

const NAME = 'mcpproxy-hook';
/** how a command names the guard or its files (pgrep -f mcpproxy, pkill -f mcpproxy-hook, cat …/sidecar.pid) */
const NAMED = /mcpproxy|sidecar\.(pid|sock)\b/i;
const KILLERS = new Set(['kill', 'pkill', 'killall', 'skill', 'fuser', 'pgrep']);
const WRAPPERS = new Set([
  'sudo',
  'doas',
  'env',
  'command',
  'exec',
  'nohup',
  'nice',
  'ionice',
  'setsid',
  'timeout',
  'xargs',
  'busybox',
  'systemd-run',
  'flock',
  'chronic',
  'caffeinate',
]);
/** commands that change or remove every file they are given */
const REMOVERS = new Set(['rm', 'rmdir', 'mv', 'unlink', 'shred', 'truncate', 'chmod', 'chown', 'chattr', 'sqlite3', 'mkfifo', 'mknod', 'setfacl']);
/** commands that change only their last argument (the destination) */
const COPIERS = new Set(['cp', 'rsync', 'install', 'ln', 'sponge']);
/** editors that write the files they are given (vim -c '%d|wq' file, ed file) */
const EDITORS = new Set(['vi', 'vim', 'nvim', 'ex', 'ed', 'emacs', 'nano', 'pico', 'micro', 'kak', 'helix', 'hx']);
/** interpreters whose code (argument, script, heredoc) can write any file or signal any process */
const INTERPRETER = /^(python[\d.]*|pypy[\d.]*|node|nodejs|deno|bun|perl|ruby|php|lua|luajit|Rscript|osascript|tclsh|awk|gawk|mawk)$/;
const SYSTEMCTL_OFF = new Set(['stop', 'disable', 'mask', 'kill', 'edit', 'revert', 'set-property', 'freeze']);
/** systemctl --user verbs that stop every user service at once (the user manager exits, or switches to a target without them) */
const SYSTEMCTL_ALL_OFF = new Set(['exit', 'isolate', 'halt', 'poweroff', 'reboot', 'kexec']);
/** programs that attach to, stop or starve a process given by its pid (ptrace stops it; prlimit can take its descriptors) */
const ATTACHERS = new Set(['gdb', 'lldb', 'strace', 'ltrace', 'prlimit', 'cpulimit', 'gcore', 'perf', 'criu', 'reptyr']);
/** the guard's sidecar reached directly: its Unix sockets, its HTTP hook path, its token file */
const GUARD_ENDPOINT = /\bsidecar\.sock\b|\bmcp\.sock\b|\/mcpproxy-hook\/v1\b|\bhttp-token\b/;
/** programs that can connect to a socket or post to a URL */
const CONNECTORS = /^(socat|nc|ncat|netcat|nc\.openbsd|curl|wget|http|https|xh|websocat|python[\d.]*|pypy[\d.]*|node|nodejs|deno|bun|perl|ruby|php)$/;
const LAUNCHCTL_OFF = new Set(['bootout', 'unload', 'disable', 'remove', 'kill', 'stop']);
/** signals that do not stop, freeze or kill (kill -0 only asks whether the process exists) */
const HARMLESS_SIGNALS = new Set(['0', 'cont', 'sigcont', '18', 'winch', 'sigwinch']);
/**
 * code that writes, moves, deletes or links files. What `open(` is given runs to its `)`, or for Perl's
 * `open(F, ">f")` to a `>`, stopping at another `(`: up to any `)` or to the line's last `>`, every `open(`
 * of a line of them scanned to its end (quadratic: 256 KB of `open(` held the sidecar 40 s).
 */
const CODE_WRITES =
  /\b(write\w*|dump|rename\w*|replace|unlink\w*|remove|rmtree|rmSync|rm|truncate|copy\w*|move|symlink\w*|link|chmod\w*|mkfifo|open\s*\([^)(]*['"][wa+x])|\bopen\s*\([^>\n(]*>/i;
/** code that sends a signal */
const CODE_SIGNALS = /\b(kill|killpg|signal|SIGSTOP|SIGKILL|SIGTERM)\b/;

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
export function settingsFile(p: string): boolean {
  // case-insensitive: on macOS (and Windows) ~/.Claude/Settings.json is the same file. Each name ends in
  // .json: anything else is answered without the patterns (a script's run asks this of every path it names)
  if (p.length < 5 || p.slice(-5).toLowerCase() !== '.json') return false;
  return /(^|\/)\.claude\/settings(\.local)?\.json$/i.test(p) || /\/managed-settings\.json$/i.test(p) || /(^|\/)\.claude\.json$/i.test(p);
}

function under(p: string, dir: string | undefined): boolean {
  if (!dir) return false;
  const d = dir.endsWith('/') ? dir : dir + '/';
  return p === dir || p.startsWith(d);
}

const GLOB = /[*?[]/;

/** The settings files in a place (isSettings): in its .claude directory, and those of a place that is one. */
const SETTINGS_IN_CLAUDE = ['.claude/settings.json', '.claude/settings.local.json'];
const SETTINGS_NAMES = [...SETTINGS_IN_CLAUDE, 'settings.json', 'settings.local.json'];

/** Globs compiled lately (a script's words are tested against every place of the guard's, often the same ones). */
const globCache = new Map<string, RegExp | null>();
/**
 * Entries kept, the longest glob kept, and the chars of all globs kept: a bounded memo (cleared when
 * full); a longer glob is compiled each time. Paths in scripts run 250+ chars (`$(dirname "${BASH_SOURCE[0]}")/…`).
 */
const GLOB_CACHE_ENTRIES = 512;
const GLOB_CACHE_CHARS = 4096;
const GLOB_CACHE_TOTAL_CHARS = 64 * 1024;
let globCacheChars = 0;

/** A shell glob as a regular expression over a whole path (`*` and `?` do not cross `/`, except in find's -path). */
function globRegex(glob: string, crossSlash = false): RegExp | null {
  if (glob.length > GLOB_CACHE_CHARS) return compileGlob(glob, crossSlash);
  const key = crossSlash ? `/${glob}` : `.${glob}`;
  let re = globCache.get(key);
  if (re === undefined) {
    re = compileGlob(glob, crossSlash);
    if (globCache.size >= GLOB_CACHE_ENTRIES || globCacheChars + key.length > GLOB_CACHE_TOTAL_CHARS) {
      globCache.clear();
      globCacheChars = 0;
    }
    globCache.set(key, re);
    globCacheChars += key.length;
  }
  // a RegExp without the g or y flag keeps no state between test() calls: sharing one is safe
  return re;
}

function compileGlob(glob: string, crossSlash: boolean): RegExp | null {
  const any = crossSlash ? '.' : '[^/]';
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') re += any + '*';
    else if (c === '?') re += any;
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) return null;
      re +=
        '[' +
        glob
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\') +
        ']';
      i = end;
    } else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  try {
    return new RegExp(`^${re}$`);
  } catch {
    return null;
  }
}

/** A path or glob names `target` or one of its parent directories. */
function reaches(p: string, target: string): boolean {
  if (!GLOB.test(p)) return under(target, p);
  const re = globRegex(p);
  if (!re) return false;
  for (let t = target; t.length > 1; t = t.slice(0, t.lastIndexOf('/')) || '/') if (re.test(t)) return true;
  return false;
}

class Places {
  /** the guard's own files and dirs (a change in them switches it off) */
  readonly own: string[];
  /** files whose removal blinds the guard: named so a `find -name` pattern can be matched */
  readonly files: string[];
  constructor(private readonly facts: GuardFacts) {
    const listed = [facts.stateDir, facts.installDir, facts.configFile, ...(facts.protectedPaths ?? [])].filter(
      (x): x is string => typeof x === 'string' && x.length > 1,
    );
    // a systemd unit's drop-in directory (<unit>.d/*.conf) changes it as much as the unit file does (ExecStart=, Environment=NODE_OPTIONS=…)
    this.own = [...listed, ...listed.filter((x) => /\.service$/.test(x)).map((x) => `${x}.d`)];
    const s = facts.stateDir;
    this.files = [
      ...this.own,
      ...(s ? ['sidecar.sock', 'sidecar.pid', 'audit.db', 'audit.db-wal', 'key', 'http-token', 'mcp.sock'].map((f) => `${s}/${f}`) : []),
    ];
  }

  /** The path (or glob) is, or is inside, one of the guard's own places. */
  inside(p: string): boolean {
    if (GLOB.test(p)) {
      const re = globRegex(p);
      return re !== null && this.files.some((f) => re.test(f));
    }
    return this.own.some((d) => under(p, d));
  }

  /** The path (or glob) is a parent directory of one of the guard's places (rm -rf ~/.local/state). */
  parentOf(p: string): boolean {
    return p.split('/').length > 2 && this.own.some((d) => reaches(p, d));
  }

  /** Code text (an interpreter's argument or heredoc) that names one of the guard's places. */
  namedIn(code: string): boolean {
    const h = this.facts.home;
    return (
      this.own.some((d) => code.includes(d) || (h !== undefined && d.startsWith(h + '/') && code.includes('~' + d.slice(h.length)))) ||
      /mcpproxy-hook/.test(code)
    );
  }
}

/** What `kill`-like commands would hit: our pid, every process, or a name/pattern matching us. */
function killHitsUs(cmd: string, args: string[], facts: GuardFacts): string | undefined {
  const opts = args.filter((a) => a.startsWith('-'));
  const signal = (() => {
    const s = args.indexOf('-s');
    if (s >= 0) return (args[s + 1] ?? '').toLowerCase();
    const o = opts.find((a) => /^-[A-Za-z0-9]+$/.test(a) && a !== '-f' && a !== '-9' && a !== '-l' && a !== '-x');
    return o ? o.slice(1).toLowerCase() : undefined;
  })();
  if (signal !== undefined && HARMLESS_SIGNALS.has(signal)) return undefined;
  if (cmd === 'kill' || cmd === 'skill') {
    for (const a of args) {
      if (a === '-1' && args.indexOf(a) > 0 && args.indexOf(a) === args.length - 1) return 'every process of this user (kill -1)';
      if (facts.sidecarPid !== undefined && /^-?\d+$/.test(a) && Math.abs(Number(a)) === facts.sidecarPid) return `the sidecar's pid ${facts.sidecarPid}`;
    }
    return undefined;
  }
  if (cmd === 'pkill' || cmd === 'pgrep' || cmd === 'killall') {
    if (cmd === 'pgrep') return undefined; // lists only (its output may feed a kill: seen as that kill's $(…) argument)
    const full = args.includes('-f') || opts.some((o) => /^-[a-zA-Z]*f/.test(o) && !o.startsWith('--'));
    const positional = args.filter((a, i) => !a.startsWith('-') && !['-s', '-u', '-U', '-g', '-G', '-P', '-t', '--signal'].includes(args[i - 1] ?? ''));
    const pattern = positional[positional.length - 1];
    // no pattern, only a selection (pkill -u $USER, killall -u me, pkill -P 1): every process it selects, the sidecar among them
    const selects = args.find((a) => ['-u', '-U', '-g', '-G', '-P', '-s', '-t', '--user', '--uid', '--parent', '--session', '--terminal'].includes(a));
    if (pattern === undefined)
      return selects ? `every process selected by ${selects} ${args[args.indexOf(selects) + 1] ?? ''}, the guard's sidecar among them`.trim() : undefined;
    const subject = full ? facts.sidecarCmdline : (facts.sidecarName ?? 'node');
    if (subject === undefined) return pattern === 'node' || pattern === 'nodejs' ? `every ${pattern} process, the guard's sidecar among them` : undefined;
    if (cmd === 'killall' && !args.includes('-r'))
      return pattern === subject || pattern === 'nodejs' ? `every ${pattern} process, the guard's sidecar among them` : undefined;
    try {
      if (new RegExp(pattern).test(subject)) return `processes matching ${JSON.stringify(pattern)}, the guard's sidecar among them`;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** A systemctl argument that names the guard's unit: by name, or by a pattern that matches it (`'mcp*'`, `'*.service'`). */
function namesUnit(a: string): boolean {
  if (a.includes(NAME)) return true;
  if (a.startsWith('-') || !GLOB.test(a)) return false;
  const re = globRegex(a);
  return re !== null && (re.test(`${NAME}.service`) || re.test(NAME));
}

/**
 * An archive extraction: the directories it extracts into (none: the current one) and, when its members
 * keep absolute paths (tar -P, 7z -spf), the option that says so. tar/bsdtar in extract mode, unzip (not
 * listing or testing), 7z x/e, `python -m zipfile -e` / `-m tarfile -e`, cpio -i, jar x, ar x.
 */
function extraction(cmd: string, args: string[]): { dirs: string[]; anywhere?: string } | undefined {
  const dirs: string[] = [];
  if (/^(tar|bsdtar|gtar)$/.test(cmd)) {
    const first = args[0] ?? '';
    const mode = (a: string): boolean => /^-[A-Za-z]*x/.test(a) && !a.startsWith('--');
    if (!(args.some((a) => mode(a) || a === '--extract' || a === '--get') || (/^[A-Za-z]+$/.test(first) && first.includes('x')))) return undefined;
    args.forEach((a, i) => {
      if (a === '-C' || a === '--directory' || a === '--cd') dirs.push(args[i + 1] ?? '');
      else if (a.startsWith('--directory=')) dirs.push(a.slice('--directory='.length));
      else if (/^-C./.test(a)) dirs.push(a.slice(2));
    });
    const abs = args.find(
      (a) => a === '-P' || a === '--absolute-names' || (/^-[A-Za-z]+$/.test(a) && a.includes('P')) || (a === first && /^[A-Za-z]+$/.test(a) && a.includes('P')),
    );
    return { dirs, ...(abs ? { anywhere: `${cmd} ${abs}` } : {}) };
  }
  if (cmd === 'unzip') {
    if (args.some((a) => /^-[A-Za-z]*[lptvZz]/.test(a) && !/^-[A-Za-z]*d$/.test(a))) return undefined;
    args.forEach((a, i) => {
      if (a === '-d') dirs.push(args[i + 1] ?? '');
      else if (/^-d./.test(a)) dirs.push(a.slice(2));
    });
    return { dirs };
  }
  if (/^7z[ar]?$/.test(cmd)) {
    if (args[0] !== 'x' && args[0] !== 'e') return undefined;
    for (const a of args) if (/^-o./.test(a)) dirs.push(a.slice(2));
    const abs = args.find((a) => a === '-spf' || a === '-spf2');
    return { dirs, ...(abs ? { anywhere: `${cmd} ${abs}` } : {}) };
  }
  if (INTERPRETER.test(cmd) && cmd.startsWith('py')) {
    const m = args.indexOf('-m');
    const mod = m >= 0 ? args[m + 1] : undefined;
    if (mod !== 'zipfile' && mod !== 'tarfile') return undefined;
    const rest = args.slice(m + 2);
    const e = rest.findIndex((a) => a === '-e' || a === '--extract');
    if (e < 0) return undefined;
    const out = rest.slice(e + 1).filter((a) => !a.startsWith('-'))[1];
    return { dirs: out !== undefined ? [out] : [] };
  }
  if (cmd === 'cpio') {
    if (!args.some((a) => /^-[A-Za-z]*i/.test(a) || a === '--extract')) return undefined;
    args.forEach((a, i) => {
      if (a === '-D' || a === '--directory') dirs.push(args[i + 1] ?? '');
    });
    const abs = args.find((a) => a === '--absolute-filenames');
    return { dirs, ...(abs ? { anywhere: `cpio ${abs}` } : {}) };
  }
  if ((cmd === 'jar' || cmd === 'ar') && /^-?[A-Za-z]*x/.test(args[0] ?? '')) return { dirs };
  return undefined;
}

/** Settings that switch hooks off, as a nested Claude Code would read them from `--settings '{…}'`. */
const HOOKS_OFF_SETTINGS = ['disableAllHooks', 'allowManagedHooksOnly', 'strictPluginOnlyCustomization'];
/** Another config dir or home set for the command, where the guard's hooks are not. */
const CONFIG_DIR_SET = /\b(CLAUDE_CONFIG_DIR|HOME)\s*=/;
/** Environment variables that make Claude Code skip the hooks of settings files (--bare sets the first, --safe-mode the second). */
const HOOKS_OFF_ENV = /\bCLAUDE_CODE_(SIMPLE|SAFE_MODE)\s*=\s*['"]?(1|true|yes|on)\b/i;

/**
 * Claude Code run by the agent: a nested session started without the guard's hooks (`--bare`,
 * `--safe-mode`, CLAUDE_CODE_SIMPLE / CLAUDE_CODE_SAFE_MODE, `--setting-sources` without the user's
 * settings, `--settings` that switch hooks off) does whatever it is told with nothing checking it;
 * and its commands that add what runs unseen (`claude mcp add`, which writes ~/.claude.json, `claude
 * plugin install`, a marketplace) or load settings, plugins or MCP servers the guard cannot read.
 */
function claudeTamper(argv: string[], cmd: string, inCommand: (re: RegExp) => boolean): TamperFinding | undefined {
  if (cmd !== 'claude') return undefined;
  const args = argv.slice(1);
  const value = (flag: string): string | undefined => {
    const i = args.indexOf(flag);
    if (i >= 0) return args[i + 1];
    const eq = args.find((a) => a.startsWith(`${flag}=`));
    return eq?.slice(flag.length + 1);
  };
  const off = args.find((a) => a === '--bare' || a === '--safe-mode');
  if (off) return { kind: 'disable', what: `run Claude Code with ${off}, which skips the guard's hooks: nothing would check what that session does` };
  if (inCommand(HOOKS_OFF_ENV))
    return { kind: 'disable', what: "run Claude Code with CLAUDE_CODE_SIMPLE or CLAUDE_CODE_SAFE_MODE set, which skips the guard's hooks" };
  if (inCommand(CONFIG_DIR_SET)) return { kind: 'disable', what: "run Claude Code with another CLAUDE_CONFIG_DIR or HOME, where the guard's hooks are not" };
  const sources = value('--setting-sources');
  if (sources !== undefined && !sources.split(',').some((x) => x.trim() === 'user'))
    return { kind: 'disable', what: `run Claude Code without the user's settings (--setting-sources ${sources.slice(0, 40)}), where the guard's hooks are` };
  const extra = value('--settings');
  if (extra !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(extra);
    } catch {
      return { kind: 'settings', what: `run Claude Code with settings from ${extra.slice(0, 80)}, which the guard cannot read` };
    }
    const o = (parsed && typeof parsed === 'object' ? parsed : {}) as Record<string, unknown>;
    const env = (o.env && typeof o.env === 'object' ? o.env : {}) as Record<string, unknown>;
    if (
      HOOKS_OFF_SETTINGS.some((k) => o[k] !== undefined && o[k] !== false) ||
      ['CLAUDE_CODE_SIMPLE', 'CLAUDE_CODE_SAFE_MODE'].some((k) => env[k] !== undefined)
    )
      return { kind: 'disable', what: "run Claude Code with settings that switch the guard's hooks off" };
    if (o.hooks !== undefined || o.env !== undefined || o.enabledPlugins !== undefined)
      return { kind: 'settings', what: 'run Claude Code with hooks, plugins or environment of its own (--settings), which the guard does not check' };
  }
  const loads = args.find((a) => a === '--plugin-dir' || a.startsWith('--plugin-dir=') || a === '--mcp-config' || a.startsWith('--mcp-config='));
  if (loads) return { kind: 'settings', what: `run Claude Code with ${loads.split('=')[0]}, whose hooks or server commands the guard cannot read` };
  const words = args.filter((a) => !a.startsWith('-'));
  const [sub, verb, more] = words;
  if (sub === 'mcp' && (verb === 'add' || verb === 'add-json' || verb === 'add-from-claude-desktop'))
    return {
      kind: 'settings',
      what: `add an MCP server to Claude Code's configuration (claude mcp ${verb}): a command or service it would start in later sessions, outside the guard's view`,
    };
  if ((sub === 'plugin' || sub === 'plugins') && (verb === 'install' || verb === 'i' || verb === 'enable' || (verb === 'marketplace' && more === 'add')))
    return {
      kind: 'settings',
      what: `install or enable a Claude Code plugin (claude plugin ${verb}${more ? ` ${more}` : ''}), whose own hooks and MCP servers would run outside the guard's view`,
    };
  if (sub === 'config' && (verb === 'set' || verb === 'add'))
    return { kind: 'settings', what: `change Claude Code's settings (claude config ${verb}), where the guard's hooks are` };
  return undefined;
}

/** The guard's package removed or replaced through a package manager (npm uninstall -g mcpproxy-hook, npm i -g mcpproxy-hook@0.0.1). */
function packageTamper(argv: string[], cmd: string): TamperFinding | undefined {
  if (!['npm', 'pnpm', 'yarn', 'bun'].includes(cmd)) return undefined;
  const words = argv.slice(1).filter((a) => !a.startsWith('-'));
  const verb = words[0] === 'global' ? words[1] : words[0];
  const names = words.slice(words[0] === 'global' ? 2 : 1);
  if (!names.some((n) => n === NAME || n.startsWith(`${NAME}@`) || base(n.replace(/\/+$/, '')) === NAME)) return undefined;
  if (['uninstall', 'un', 'remove', 'rm', 'r', 'unlink'].includes(verb ?? ''))
    return { kind: 'disable', what: `uninstall the guard's package (${cmd} ${verb} ${NAME})` };
  if (['install', 'i', 'add', 'update', 'up', 'upgrade', 'link', 'ln'].includes(verb ?? ''))
    return { kind: 'settings', what: `replace the guard's installed package (${cmd} ${verb} ${names.join(' ').slice(0, 60)})` };
  return undefined;
}

/** Options that make `mcpproxy-hook install` weaker than fail-closed. */
const WEAKER_INSTALL = /^--(fail-open|no-fail-closed|no-autostart)$/;

/** The guard's own CLI run by the agent in a way that switches it off or weakens it. */
function cliTamper(argv: string[], cmd: string, facts: GuardFacts): TamperFinding | undefined {
  const isCli = (a: string): boolean => {
    const b = base(a);
    return b === NAME || b === `${NAME}.js` || (b === 'cli.js' && facts.installDir !== undefined && a.includes(facts.installDir));
  };
  const at =
    cmd === NAME ? 0 : ['npx', 'node', 'nodejs', 'pnpm', 'pnpx', 'yarn', 'bunx', 'bun', 'npm'].includes(cmd) ? argv.findIndex((a, i) => i > 0 && isCli(a)) : -1;
  if (at < 0) return undefined;
  const rest = argv.slice(at + 1);
  const sub = rest.filter((a) => !a.startsWith('-'));
  const shown = `${NAME} ${rest.join(' ')}`.trim();
  // allow lets a blocked flow through and the console can: the user's call, not the agent's
  if (sub[0] === 'uninstall' || sub[0] === 'allow' || sub[0] === 'console' || (sub[0] === 'service' && ['uninstall', 'stop', 'disable'].includes(sub[1] ?? '')))
    return { kind: 'disable', what: `run \`${shown}\`` };
  if (sub[0] === 'config' && (sub[1] === 'set' || sub[1] === 'unset')) return { kind: 'disable', what: `change the guard's policy (\`${shown}\`)` };
  if (sub[0] === 'install') {
    if (rest.includes('--dry-run')) return undefined;
    if (rest.some((a) => WEAKER_INSTALL.test(a))) return { kind: 'disable', what: `reinstall the guard's hooks weaker (\`${shown}\`)` };
    return { kind: 'settings', what: `reinstall the guard's hooks (\`${shown}\`), which rewrites Claude Code's settings` };
  }
  return undefined;
}

/** A Bash command that would stop, kill, uninstall or blind the guard. */
export function bashTamper(
  bash: BashAnalysis,
  command: string,
  facts: GuardFacts,
  cwd?: string,
  depth = 0,
  readSettings?: (path: string) => SettingsFileFacts,
  note?: (live: string) => void,
  knownText?: (path: string) => string | undefined,
): TamperFinding | undefined {
  const places = new Places(facts);
  const mentionsUs = NAMED.test(command) || places.own.some((d) => command.includes(d));
  const abs = (p: string): string | null => resolvePath(p, cwd, facts.home);
  // the directories a `cd` / `pushd` in the command moves to: a relative path may be meant from any of them
  const moves: string[] = [];
  for (const seg of bash.segments) {
    const argv = unwrap(seg);
    const cmd = base(argv[0] ?? '');
    if (cmd !== 'cd' && cmd !== 'pushd') continue;
    const to = argv.slice(1).find((a) => !a.startsWith('-'));
    if (to === undefined) {
      if (facts.home) moves.push(facts.home);
      continue;
    }
    for (const from of [cwd, ...moves]) {
      const d = resolvePath(to, from, facts.home);
      if (d !== null && !moves.includes(d)) moves.push(d);
    }
  }
  /** Every place a path may be: from the event's directory, and from each directory the command cds to. */
  const absAll = (p: string): string[] => {
    const out: string[] = [];
    for (const from of [cwd, ...moves]) {
      const x = resolvePath(p, from, facts.home);
      if (x !== null && !out.includes(x)) out.push(x);
      if (x !== null && /^[~/]|^\$HOME\b|^\$\{HOME\}/.test(p)) break;
    }
    return out;
  };
  /** The directory each simple command runs in, as far as the `cd`s before it in the command say (a relative path means from there). */
  const dirBefore = new Map<string[], string | undefined>();
  {
    let cur = cwd;
    for (const seg of bash.segments) {
      dirBefore.set(seg, cur);
      const argv = unwrap(seg);
      const c = base(argv[0] ?? '');
      if (c !== 'cd' && c !== 'pushd') continue;
      const to = argv.slice(1).find((a) => !a.startsWith('-'));
      cur = to === undefined ? (facts.home ?? cur) : (resolvePath(to, cur, facts.home) ?? cur);
    }
  }
  /** What of the guard's or Claude Code's a directory is above (the home dir, ~/.config …), in words, or '' when nothing. */
  const above = (d: string): string => {
    const claude = facts.home ? `${facts.home}/.claude` : undefined;
    if (claude !== undefined && under(claude, d)) return "Claude Code's settings (~/.claude)";
    const own = places.own.find((o) => under(o, d) && o !== d);
    return own ? `the guard's files (${own})` : '';
  };
  /** A path (or a glob) that is, or may expand to, a Claude Code settings file. */
  const isSettings = (p: string): boolean => {
    if (settingsFile(p)) return true;
    if (!GLOB.test(p)) return false;
    const re = globRegex(p);
    if (!re) return false;
    // what the glob matches starts with its text before the first wildcard (the pattern is anchored and
    // that text literal): a place that cannot is not tried (a script's run tries dozens of globs against
    // every directory it cds to)
    const literal = p.slice(0, p.search(GLOB));
    const bases = [facts.home, cwd, ...moves, literal.replace(/\/[^/]*$/, '')].filter((x): x is string => typeof x === 'string' && x.length > 0);
    return bases.some((b) =>
      // settings.json directly in a place is a settings file only when the place is a .claude directory
      (/(^|\/)\.claude$/i.test(b) ? SETTINGS_NAMES : SETTINGS_IN_CLAUDE).some((f) => {
        const c = `${b}/${f}`;
        return c.startsWith(literal) && re.test(c);
      }),
    );
  };
  // settings edited in place (sed -i, perl -i, an editor, code) or replaced or removed: reported
  // only if nothing switches the guard off outright, here or in what the command writes
  let settings: TamperFinding | undefined;
  const settingsHit = (a: string): TamperFinding => ({ kind: 'settings', what: `rewrite Claude Code's settings (${a}), where the guard's hooks are` });
  let interpreted = false;
  // whether a scheduling command's texts were judged (crontab: true, at/batch: false): once each, not once a segment
  const scheduled = new Set<boolean>();
  // a pattern looked for in the whole command is looked for once, not once a segment: a command of
  // 27,000 `| curl` segments scanned its 512 KB 27,000 times (quadratic, found by test/property/hook-fuzz)
  const seen = new Map<RegExp, boolean>();
  const inCommand = (re: RegExp): boolean => {
    let hit = seen.get(re);
    if (hit === undefined) seen.set(re, (hit = re.test(command)));
    return hit;
  };
  for (const seg of bash.segments) {
    const argv = unwrap(seg);
    if (argv.length === 0) continue;
    const cmd = base(argv[0] as string);
    const args = argv.slice(1);
    const files = args.filter((a) => !a.startsWith('-'));
    if (INTERPRETER.test(cmd)) interpreted = true;

    // the guard's sidecar talked to directly (its socket or hook endpoint), as only its hooks should: made-up events
    // (a user prompt naming a destination, output of calls never made) would make it trust or forget what it should not
    if (CONNECTORS.test(cmd) && inCommand(GUARD_ENDPOINT))
      return { kind: 'disable', what: `talk to the guard's sidecar directly (${cmd} to its socket or hook endpoint), as only its hooks should` };
    if (ATTACHERS.has(cmd) && facts.sidecarPid !== undefined && args.some((a) => a.replace(/^--?(pid|p)=?/, '') === String(facts.sidecarPid)))
      return { kind: 'disable', what: `attach to or stop the guard's sidecar (${cmd} on pid ${facts.sidecarPid})` };
    if (cmd === 'systemctl' && args.includes('--user') && args.some((a) => SYSTEMCTL_ALL_OFF.has(a)))
      return { kind: 'disable', what: `stop every user service, the guard's among them (systemctl --user ${args.find((a) => SYSTEMCTL_ALL_OFF.has(a))})` };
    if (cmd === 'loginctl' && args.some((a) => a === 'terminate-user' || a === 'kill-user' || a === 'terminate-session' || a === 'kill-session'))
      return {
        kind: 'disable',
        what: `end this user's processes, the guard's sidecar among them (loginctl ${args.find((a) => /^(terminate|kill)-/.test(a))})`,
      };
    if (KILLERS.has(cmd)) {
      if (mentionsUs && cmd !== 'pgrep') return { kind: 'disable', what: `stop the guard's sidecar (${cmd})` };
      const hit = killHitsUs(cmd, args, facts);
      if (hit) return { kind: 'disable', what: `stop or freeze ${hit} (${[cmd, ...args].join(' ').slice(0, 80)})` };
    }
    if (cmd === 'systemctl' && args.some((a) => SYSTEMCTL_OFF.has(a)) && args.some((a) => namesUnit(a)))
      return { kind: 'disable', what: `stop or disable the guard's service (systemctl ${args.find((a) => SYSTEMCTL_OFF.has(a))})` };
    // the service manager's environment, which the sidecar gets when it next starts (NODE_OPTIONS=--require …, LD_PRELOAD)
    if ((cmd === 'systemctl' && args.some((a) => a === 'set-environment' || a === 'import-environment')) || (cmd === 'launchctl' && args[0] === 'setenv')) {
      const v = args.find((a, i) => /^(NODE_\w+|LD_\w+|DYLD_\w+|PATH|HOME|XDG_\w+|MCPPROXY\w*)(=|$)/.test(a) && (cmd === 'systemctl' || i === 1));
      if (v)
        return {
          kind: 'disable',
          what: `set ${v.split('=')[0]} for services started later, the guard's sidecar among them (${cmd} ${args[0] === 'setenv' ? 'setenv' : args.find((a) => a.endsWith('-environment'))})`,
        };
    }
    if (cmd === 'launchctl' && args.some((a) => LAUNCHCTL_OFF.has(a)) && args.some((a) => a.includes(NAME)))
      return { kind: 'disable', what: `unload the guard's agent (launchctl ${args.find((a) => LAUNCHCTL_OFF.has(a))})` };
    const cli = cliTamper(argv, cmd, facts) ?? claudeTamper(argv, cmd, inCommand) ?? packageTamper(argv, cmd);
    if (cli?.kind === 'disable') return cli;
    if (cli && !settings) settings = cli;
    // git configured to run code in later git commands (hooks path, fsmonitor, pager, alias !cmd …)
    if (cmd === 'git' && !settings) {
      const hit = gitConfigTamper(args, facts, cwd);
      if (hit) settings = hit;
    }
    // a command scheduled to run later (at, batch, crontab): what it would run, judged now
    // (the texts are the command's, the same for every such segment: judged once for crontab, once for at/batch)
    if ((cmd === 'at' || cmd === 'batch' || cmd === 'crontab') && depth < MAX_CODE_SHELL_DEPTH && !scheduled.has(cmd === 'crontab')) {
      scheduled.add(cmd === 'crontab');
      const texts = [
        ...bash.hereTexts,
        ...bash.segments
          .filter((sg) => ['echo', 'printf'].includes(base(unwrap(sg)[0] ?? '')))
          .map((sg) =>
            unwrap(sg)
              .slice(1)
              .filter((a) => !/^-[neE]+$/.test(a))
              .join(' '),
          ),
      ];
      for (const t of texts) {
        for (const line of t.replace(/\\n/g, '\n').split('\n')) {
          const l = cmd === 'crontab' ? line.replace(/^\s*(@\w+|(\S+\s+){5})/, '') : line;
          if (l.trim() === '') continue;
          const hit = bashTamper(analyzeBash(l), l, facts, cwd, depth + 1);
          if (hit) return { kind: hit.kind, what: `schedule with ${cmd} a command that would ${hit.what}` };
        }
      }
    }

    // find … -delete / -exec rm: the socket or state found by name anywhere below a start dir
    if (cmd === 'find') {
      // the start directories come before the first expression
      const firstExpr = args.findIndex((a) => a.startsWith('-') || a === '(' || a === '!');
      const roots = firstExpr < 0 ? args : args.slice(0, firstExpr);
      // -name/-iname match the file's name, -path/-wholename its whole path
      const tests = args.flatMap((a, i) =>
        a === '-name' || a === '-iname'
          ? [{ re: globRegex(args[i + 1] ?? ''), whole: false }]
          : a === '-path' || a === '-wholename'
            ? [{ re: globRegex(args[i + 1] ?? '', true), whole: true }]
            : [],
      );
      const destructive = args.some((a, i) => a === '-delete' || ((a === '-exec' || a === '-execdir' || a === '-ok') && REMOVERS.has(base(args[i + 1] ?? ''))));
      if (destructive) {
        const starts = roots.map(abs).filter((x): x is string => x !== null);
        if (starts.length === 0 && cwd) starts.push(cwd);
        const hit = places.files.find((f) => starts.some((st) => under(f, st)) && tests.every((t) => t.re?.test(t.whole ? f : base(f))));
        if (hit) return { kind: 'disable', what: `delete the guard's files by search (find … -delete reaches ${hit})` };
      }
      // find … -exec cp x {} / sed -i / tee / an editor: the files found are written
      const writes = args.some(
        (a, i) =>
          (a === '-exec' || a === '-execdir' || a === '-ok') &&
          (COPIERS.has(base(args[i + 1] ?? '')) ||
            EDITORS.has(base(args[i + 1] ?? '')) ||
            ['sed', 'perl', 'tee', 'dd', 'truncate', 'sponge'].includes(base(args[i + 1] ?? ''))),
      );
      if (writes && !settings) {
        const starts = roots.flatMap(absAll);
        if (starts.length === 0 && cwd) starts.push(cwd);
        const candidates = [facts.home, cwd, ...starts]
          .filter((x): x is string => typeof x === 'string')
          .flatMap((b) => [`${b}/.claude/settings.json`, `${b}/.claude/settings.local.json`, `${b}/settings.json`, `${b}/settings.local.json`])
          .filter(settingsFile);
        const found = candidates.find((f) => starts.some((st) => under(f, st)) && tests.every((t) => t.re?.test(t.whole ? f : base(f))));
        if (found) settings = settingsHit(`find … -exec reaches ${found}`);
      }
    }

    if (REMOVERS.has(cmd) || COPIERS.has(cmd) || EDITORS.has(cmd)) {
      const targets = COPIERS.has(cmd) ? files.slice(-1) : files;
      for (const a of targets) {
        for (const p of absAll(a)) {
          if (places.inside(p)) return { kind: 'disable', what: `change or remove the guard's own files (${cmd} ${a})` };
          // a parent of the guard's state or config (rm -rf ~/.local/state, mv ~/.config/mcpproxy-hook x)
          if (REMOVERS.has(cmd) && places.parentOf(p)) return { kind: 'disable', what: `remove the guard's files with their parent directory (${cmd} ${a})` };
        }
      }
    }
    if (!settings) {
      const inPlace = (cmd === 'sed' || cmd === 'perl' || cmd === 'ruby') && args.some((a) => /^-[a-zA-Z0-9]*i/.test(a));
      const targets = inPlace || EDITORS.has(cmd) || cmd === 'mv' || REMOVERS.has(cmd) ? files : COPIERS.has(cmd) ? files.slice(-1) : [];
      const a = targets.find((f) =>
        absAll(f).some((p) => {
          if (isSettings(p)) return true;
          // the directory that holds them (rm -rf ~/.claude, mv .claude x)
          return (REMOVERS.has(cmd) || cmd === 'mv') && /(^|\/)\.claude$/i.test(p);
        }),
      );
      if (a !== undefined) settings = settingsHit(a);
      // an archive extracted where its members may land in Claude Code's settings or the guard's files
      if (!settings) {
        const x = extraction(cmd, args);
        if (x) {
          const cur = dirBefore.get(seg) ?? cwd;
          const targets = x.dirs.length ? x.dirs : ['.'];
          for (const t of targets) {
            const p = resolvePath(t, cur, facts.home) ?? (t === '.' ? undefined : resolvePath(t, undefined, facts.home));
            if (p === undefined || p === null) continue;
            if (places.inside(p)) return { kind: 'disable', what: `extract an archive into the guard's own files (${cmd} into ${p})` };
            if (/(^|\/)\.claude(\/|$)/i.test(p)) settings = settingsHit(x.dirs.length ? `${cmd} into ${t}` : `${cmd} in ${p}`);
            else if (above(p))
              settings = {
                kind: 'settings',
                what: `extract an archive into ${p} (${cmd}), above ${above(p)}: its members may replace them, and the guard cannot list it`,
              };
            if (settings) break;
          }
          if (!settings && x.anywhere)
            settings = {
              kind: 'settings',
              what: `extract an archive whose members keep their absolute paths (${x.anywhere}): they may replace Claude Code's settings or the guard's files, and the guard cannot list it`,
            };
        }
      }
      // a directory copied over the one that holds them: into ~/.claude (cp -r d/. ~/.claude, rsync -a d/ ~/.claude/,
      // mv d ~/.claude) or a `.claude` directory copied into a directory (cp -r /tmp/x/.claude ~/)
      if (!settings && (COPIERS.has(cmd) || cmd === 'mv') && files.length >= 2) {
        const whole =
          cmd === 'mv' || cmd === 'ln' || cmd === 'rsync' || args.some((x) => /^-[a-zA-Z]*[rRa]/.test(x) || x === '--recursive' || x === '--archive');
        const sources = files.slice(0, -1);
        const dest = files[files.length - 1]!;
        const hit = absAll(dest).some(
          (p) =>
            (/(^|\/)\.claude$/i.test(p) && (whole || sources.some((x) => /(^|\/)settings(\.local)?\.json$/i.test(x)))) ||
            (whole && sources.some((x) => /(^|\/)\.claude\/?$/i.test(x)) && !/(^|\/)\.claude(\/|$)/i.test(p.slice(p.lastIndexOf('/')))),
        );
        if (hit) settings = settingsHit(dest);
        // a whole directory copied into the home dir or above the settings or the guard (rsync -a /tmp/x/ ~/, cp -r d/. ~):
        // what it holds is not known here, like an archive's members
        const into = absAll(dest).find((p) => above(p) !== '');
        if (!settings && (cmd === 'rsync' || cmd === 'cp') && whole && into !== undefined)
          settings = {
            kind: 'settings',
            what: `copy a directory into ${into} (${cmd}), above ${above(into)}: what it holds may replace them, and the guard cannot list it`,
          };
      }
    }
  }
  // code run by an interpreter (python -c, node -e, a heredoc): what it names, not what the shell sees
  if (interpreted) {
    if (facts.sidecarPid !== undefined && CODE_SIGNALS.test(command) && new RegExp(`(^|[^\\d])${facts.sidecarPid}([^\\d]|$)`).test(command)) {
      return { kind: 'disable', what: `signal the guard's sidecar (pid ${facts.sidecarPid}) from code` };
    }
    if (CODE_SIGNALS.test(command) && /sidecar\.pid/.test(command)) return { kind: 'disable', what: "signal the guard's sidecar by its pid file from code" };
    if (CODE_WRITES.test(command) && places.namedIn(command)) return { kind: 'disable', what: "change or remove the guard's own files from code" };
    if (!settings) {
      const hit = codeTamper(bash, command, facts, places, cwd, depth);
      if (hit?.kind === 'disable') return hit;
      settings = hit;
    }
  }
  for (const w of bash.writePaths) {
    for (const q of absAll(w)) if (places.inside(q)) return { kind: 'disable', what: `overwrite the guard's own files (${w})` };
    // a cgroup frozen or killed (the service's, or a slice above it), the sidecar's /proc entries written
    if (/^\/sys\/fs\/cgroup\/.*\/(cgroup\.(freeze|kill|procs)|memory\.max|memory\.high|pids\.max|cpu\.max)$/.test(w))
      return { kind: 'disable', what: `freeze, kill or starve a control group, the guard's sidecar's among them (${w})` };
    if (facts.sidecarPid !== undefined && w.startsWith(`/proc/${facts.sidecarPid}/`))
      return { kind: 'disable', what: `write into the guard's sidecar process (${w})` };
    // a relative path after a `cd` may be meant from where it moved to: a settings file there is one
    const p = absAll(w).find(isSettings) ?? abs(w);
    if (!p) continue;
    // a subagent, skill or command definition written by a shell command with text it shows: hooks in its frontmatter
    for (const d of absAll(w)) {
      const shown = bash.fileTexts.filter((f) => abs(f.path) === d && f.text !== null && !f.append);
      const hit = shown.length === 1 ? definitionHooks(d, 'Write', { content: shown[0]!.text }) : undefined;
      if (hit && !settings) settings = hit;
      if (pluginHooksFile(d) && !settings) settings = pluginHit(d);
    }
    // a script in a .claude/hooks dir (what hooks run) written by a shell command: judged by the text it now holds, when
    // the guard knows it (a copy or link of a file it has not seen is left alone: users re-point their hook scripts)
    for (const h of absAll(w).filter(hookScriptFile)) {
      const text = knownText?.(h);
      const why = text === undefined ? undefined : scriptConcern(h, text, facts, cwd, knownText);
      if (why && !settings) settings = hookScriptHit(h, why);
    }
    // a git hook written by a shell command: judged by its text when the command shows it whole
    for (const g of absAll(w).filter(gitHookFile)) {
      const shown = bash.fileTexts.filter((f) => abs(f.path) === g);
      const one = shown.length === 1 && shown[0]!.only && !shown[0]!.append && shown[0]!.text !== null ? shown[0]! : undefined;
      const hit = one ? gitHookEffect(g, one.text as string, facts, cwd, knownText) : gitHookHit(g, 'text the guard does not see');
      if (hit && !settings) settings = hit;
    }
    // a shell's startup file (~/.bashrc, ~/.profile …): what is added runs in every later shell, outside any tool call
    for (const r of absAll(w).filter((x) => shellStartupFile(x, facts.home))) {
      const shown = bash.fileTexts.filter((f) => abs(f.path) === r);
      const one = shown.length === 1 && shown[0]!.only && shown[0]!.text !== null ? shown[0]! : undefined;
      let hit: TamperFinding | undefined;
      if (!one) hit = startupHit(r, 'text the guard does not see');
      else if (one.append) hit = startupEffect(r, one.text as string, facts, cwd, knownText);
      else {
        const file = readSettings?.(r);
        const had = new Set((file?.exists ? (file.text ?? '') : '').split('\n').map((l) => l.trim()));
        const added = (one.text as string)
          .split('\n')
          .filter((l) => !had.has(l.trim()))
          .join('\n');
        hit = file?.error !== undefined ? startupHit(r, `a file the guard could not read (${file.error})`) : startupEffect(r, added, facts, cwd, knownText);
      }
      if (hit && !settings) settings = hit;
    }
    // a project's MCP servers written by a shell command: judged like a Write when the command shows the whole text
    for (const m of absAll(w).filter(mcpJsonFile)) {
      const shown = bash.fileTexts.filter((f) => abs(f.path) === m);
      const one = shown.length === 1 && shown[0]!.only && !shown[0]!.append && shown[0]!.text !== null ? shown[0]! : undefined;
      const file = readSettings?.(m) ?? { path: m, exists: false };
      const hit = one
        ? mcpJsonEffect(m, 'Write', { content: one.text }, file, facts, readSettings, knownText)
        : mcpJsonEffect(m, 'Bash', {}, file, facts, readSettings, knownText);
      if (hit && !settings) settings = hit;
    }
    if (isSettings(p)) {
      // a file the command writes whole with known text (cat > f <<'EOF', echo '…' > f, tee f): judged like a Write
      const known = bash.fileTexts.filter((f) => abs(f.path) === p);
      const one = known.length === 1 && known[0]!.only && known[0]!.text !== null ? known[0]! : undefined;
      // a relative path after a `cd` is not where the event's directory says: the file read would be another one
      const moved = !/^[~/]|^\$HOME\b|^\$\{HOME\}/.test(w) && bash.segments.some((sg) => ['cd', 'pushd', 'popd'].includes(base(unwrap(sg)[0] ?? '')));
      const file = one && !moved && judgedByEffect(p) ? readSettings?.(p) : undefined;
      if (!one || !file) return settingsHit(w);
      const content = one.append && file.exists ? (file.text ?? '') + one.text : (one.text as string);
      const hit = settingsEffect(p, 'Write', { content }, file, facts, cwd, note, knownText);
      if (hit) return hit;
    }
  }
  return settings;
}

/** The text names a Claude Code settings file (`~/.claude/settings.json`, `.claude/settings.local.json`, `~/.claude.json`, managed settings). */
export function mentionsSettings(text: string): boolean {
  return (/\.claude\b/i.test(text) && /settings(\.local)?\.json|\.claude\.json/i.test(text)) || /managed-settings\.json/i.test(text);
}

/** Shell text run from code is analysed as Bash, this many levels deep (then: asked about as unknown). */
const MAX_CODE_SHELL_DEPTH = 3;
/** A literal that may be base64 (what it decodes to is checked for a settings path too). */
const BASE64_LITERAL = /^[A-Za-z0-9+/_-]{16,}={0,2}$/;

/**
 * What interpreter code in a command does to Claude Code's settings, judged by what it writes
 * (code-writes.ts), not by what it mentions: a settings file only opened for reading is not a write.
 * A write whose target is computed, shell text that is computed, or code that hides what it calls
 * is asked about when the command names a settings file anywhere (the path can reach the code through
 * its arguments, stdin or a variable). Code the reader cannot read (an unknown language, a script file
 * run by name, a tokenizer failure) is judged as before, by the mention of a settings file next to a
 * write-like call in its text.
 */
function codeTamper(bash: BashAnalysis, command: string, facts: GuardFacts, places: Places, cwd: string | undefined, depth: number): TamperFinding | undefined {
  const what = (how: string): TamperFinding => ({ kind: 'settings', what: `rewrite Claude Code's settings (${how}), where the guard's hooks are` });
  const byMention = (text: string): boolean => CODE_WRITES.test(text) && mentionsSettings(text);
  // a command the analysis could not read to its end: judged by its text as a whole
  if (bash.parseError !== undefined || bash.limits.length > 0) return byMention(command) ? what('from code') : undefined;
  const units: Array<{ lang: CodeLang | null; text: string }> = bash.code.map((c) => ({ lang: codeLang(c.family), text: c.text }));
  const codeTexts = new Set(bash.code.map((c) => c.text));
  // interpreters that run a script file or module (or a language not read here): their arguments are all we see
  const unread: string[] = [];
  const scriptLangs = new Set<CodeLang | null>();
  let shellCd = false;
  for (const seg of bash.segments) {
    const argv = unwrap(seg);
    const cmd = base(argv[0] ?? '');
    if (cmd === 'cd' || cmd === 'pushd') shellCd = true;
    if (!INTERPRETER.test(cmd)) continue;
    // the code is one of its words, or a word made of an option and the code (-cCODE, --eval=CODE)
    const inline = argv.some(
      (a) => codeTexts.has(a) || [...codeTexts].some((t) => t.length > 0 && a.endsWith(t) && /^-{1,2}[\w-]*=?$/.test(a.slice(0, a.length - t.length))),
    );
    const fromStdin = argv.slice(1).every((a) => a.startsWith('-'));
    if (inline || fromStdin) continue;
    unread.push(argv.join(' '));
    scriptLangs.add(codeLang(interpFamily(cmd) ?? cmd));
  }
  // a heredoc written to a file and run by name in the same command is that script's code
  for (const h of bash.hereTexts) {
    if (codeTexts.has(h)) continue;
    for (const l of scriptLangs.size ? scriptLangs : new Set<CodeLang | null>([null])) units.push({ lang: l, text: h });
  }
  for (const u of unread) if (byMention(u)) return what('from a script run with it named');
  const named = mentionsSettings(command);
  for (const u of units) {
    if (u.lang === null) {
      if (scriptLangs.size === 0 && !bash.code.some((c) => c.text === u.text)) continue; // a heredoc that is not code
      if (byMention(u.text)) return what('from code');
      continue;
    }
    const fx = codeWrites(u.lang, u.text);
    if (fx.failed !== undefined) {
      if (byMention(u.text) || (named && byMention(command))) return what(`from code the guard could not read: ${fx.failed}`);
      continue;
    }
    const decoded = fx.literals
      .filter((l) => BASE64_LITERAL.test(l))
      .map((l) => {
        try {
          return Buffer.from(l, 'base64').toString('latin1');
        } catch {
          return ''; // not base64 after all: nothing hidden in it
        }
      });
    const namesSettings = named || fx.literals.some(mentionsSettings) || mentionsSettings(fx.literals.join('')) || decoded.some(mentionsSettings);
    for (const w of fx.writes) {
      const relative = w.path !== null && !/^[~/]|^\$HOME\b|^\$\{HOME\}/.test(w.path);
      const p = w.path === null || (relative && (fx.chdir || shellCd)) ? null : resolvePath(w.path, cwd, facts.home);
      if (p === null) {
        if (namesSettings) return what(`${w.op} from code, to a path the guard cannot read from it`);
        continue;
      }
      if (places.inside(p)) return { kind: 'disable', what: `change or remove the guard's own files from code (${w.op} ${w.path})` };
      if (settingsFile(p) || (/(^|\/)\.claude$/.test(p) && /rmtree|rm|remove|rename|move|replace|unlink|delete/i.test(w.op)))
        return what(`${w.op} ${w.path} from code`);
    }
    if (fx.opaque.length > 0 && namesSettings) return what(`from code that hides what it calls: ${fx.opaque[0]}`);
    for (const sh of fx.shells) {
      if (sh === null || depth >= MAX_CODE_SHELL_DEPTH) {
        if (namesSettings) return what('from a shell command the code builds');
        continue;
      }
      const hit = bashTamper(analyzeBash(sh), sh, facts, cwd, depth + 1);
      if (hit) return hit;
    }
  }
  return undefined;
}

/** A Write / Edit of Claude Code's settings, with what the daemon read of the file it changes. */
export interface SettingsChange {
  tool: string;
  input: Record<string, unknown>;
  file: SettingsFileFacts;
  cwd?: string;
  /** the text of a file the session wrote or read whole, by absolute path: a hook that runs one of them is judged by what it holds */
  known?: (path: string) => string | undefined;
  /** reads another settings file as it is now (a project's .mcp.json is judged by whether the settings approve its servers) */
  read?: (path: string) => SettingsFileFacts;
}

/** Settings files whose changes are judged by their effect (not ~/.claude.json, Claude Code's state file). */
export function judgedByEffect(p: string): boolean {
  return settingsFile(p) && /(^|\/)(settings(\.local)?|managed-settings)\.json$/i.test(p);
}

/** What a decision that read the settings file on this machine says it consulted (bench:real counts these). */
export function settingsLiveFact(file: SettingsFileFacts): string {
  if (file.error !== undefined) return 'the settings file being changed (not readable here)';
  return file.exists ? 'the settings file being changed (read here)' : 'the settings file being changed (absent here)';
}

/**
 * A Write / Edit of the guard's files or of Claude Code's settings. With what the daemon read of a
 * settings file (`change`), the change is judged by its effect (settings-effect.ts): one that keeps
 * the guard's hooks and adds nothing that weakens or bypasses them goes through. Without it (the
 * engine without a daemon, `~/.claude.json`, a notebook tool), every change of a settings file is asked about.
 */
export function fileTamper(path: string, facts: GuardFacts, change?: SettingsChange, note?: (live: string) => void): TamperFinding | undefined {
  if (new Places(facts).inside(path)) return { kind: 'disable', what: `change the guard's own files (${path})` };
  if (mcpJsonFile(path)) {
    const file = change?.file.path === path ? change.file : { path, exists: false };
    return mcpJsonEffect(path, change?.tool ?? 'Write', change?.input ?? {}, file, facts, change?.read, change?.known);
  }
  if (hookScriptFile(path)) {
    // what the file holds after this change (the session's record of it is updated before the decision)
    const text = change?.tool === 'Write' && typeof change.input.content === 'string' ? change.input.content : change?.known?.(path);
    if (text === undefined) return undefined;
    const why = scriptConcern(path, text, facts, change?.cwd, change?.known);
    return why ? hookScriptHit(path, why) : undefined;
  }
  if (gitHookFile(path)) {
    const file = change?.file.path === path ? change.file : { path, exists: false };
    const after =
      file.error === undefined ? resultingText(change?.tool ?? 'Write', change?.input ?? {}, file.exists ? (file.text ?? '') : undefined) : { why: file.error };
    if ('why' in after) return gitHookHit(path, `a change the guard cannot check (${after.why})`);
    return gitHookEffect(path, after.text, facts, change?.cwd, change?.known);
  }
  if (shellStartupFile(path, facts.home)) {
    const file = change?.file.path === path ? change.file : { path, exists: false };
    const before = file.exists ? (file.text ?? '') : '';
    const after =
      file.error === undefined ? resultingText(change?.tool ?? 'Write', change?.input ?? {}, file.exists ? before : undefined) : { why: file.error };
    if ('why' in after) return startupHit(path, `a change the guard cannot check (${after.why})`);
    // what the change adds: lines the file does not hold now
    const had = new Set(before.split('\n').map((l) => l.trim()));
    const added = after.text
      .split('\n')
      .filter((l) => !had.has(l.trim()))
      .join('\n');
    return startupEffect(path, added, facts, change?.cwd, change?.known);
  }
  if (!settingsFile(path)) return undefined;
  if (change && change.file.path === path && judgedByEffect(path))
    return settingsEffect(path, change.tool, change.input, change.file, facts, change.cwd, note, change.known);
  return { kind: 'settings', what: `change Claude Code's settings (${path}), where the guard's hooks are` };
}

/** Subagent, skill and command definitions: their frontmatter can declare hooks that run while they are in use. */
const DEFINITION = /(^|\/)\.claude\/(agents|skills|commands)\/.*\.md$/i;

/**
 * A Write / Edit of a subagent, skill or command definition that declares hooks in its frontmatter:
 * they run with every event while the definition is in use (a PreToolUse hook can change a call after
 * the guard checked it), like hooks added to the settings. Asked about; a definition without hooks is not.
 */
/** A file of an installed plugin that declares what it runs: its hooks, its manifest (which can hold hooks), its MCP servers. */
export function pluginHooksFile(p: string): boolean {
  return /\/\.claude\/plugins\/.*\/(hooks\/hooks\.json|\.claude-plugin\/plugin\.json|\.mcp\.json)$/i.test(p);
}

function pluginHit(path: string): TamperFinding {
  return { kind: 'settings', what: `change an installed plugin's hooks or servers (${path}), which would run with every event outside the guard's view` };
}

export function definitionHooks(path: string, tool: string, input: Record<string, unknown>): TamperFinding | undefined {
  if (pluginHooksFile(path)) return pluginHit(path);
  if (!DEFINITION.test(path)) return undefined;
  const texts: string[] = [];
  if (tool === 'Write' && typeof input.content === 'string') {
    // the frontmatter: between a leading --- line and the next one
    // (its opening line is `---` and blanks: as `---\s*\n`, the blank lines after it were split every way between
    // that and the lazy body, quadratic in a file of blank lines)
    const m = /^\uFEFF?---[ \t]*\r?\n([\s\S]*?)\n---/.exec(input.content);
    if (m) texts.push(m[1]!);
  } else if (tool === 'Edit' && typeof input.new_string === 'string') texts.push(input.new_string);
  else if (tool === 'MultiEdit' && Array.isArray(input.edits)) {
    for (const e of input.edits as Array<{ new_string?: unknown }>) if (e && typeof e.new_string === 'string') texts.push(e.new_string);
  }
  // (a key on its line: `\s*` ran on across lines from every line start, quadratic in a text of blank lines)
  if (!texts.some((t) => /^[ \t]*["']?hooks["']?[ \t]*:/m.test(t))) return undefined;
  return { kind: 'settings', what: `declare hooks in ${path}, which would run with every event while it is in use, outside the guard's view` };
}

/** A change of a settings file judged by the file it would leave (settings-effect.ts); undefined when it may go ahead. */
function settingsEffect(
  path: string,
  tool: string,
  input: Record<string, unknown>,
  file: SettingsFileFacts,
  facts: GuardFacts,
  cwd: string | undefined,
  note: ((live: string) => void) | undefined,
  known?: (path: string) => string | undefined,
): TamperFinding | undefined {
  note?.(settingsLiveFact(file));
  // a settings file that is a link into the guard's own files
  const real = file.realPath;
  if (real !== undefined && new Places(facts).inside(real)) return { kind: 'disable', what: `change the guard's own files (${real}, through ${path})` };
  const judge = (cmd: string): string | undefined =>
    commandConcern(cmd, (c) => bashTamper(analyzeBash(c), c, facts, cwd)?.what, {
      ...(cwd ? { cwd } : {}),
      ...(facts.home ? { home: facts.home } : {}),
      ...(known ? { known } : {}),
    });
  const concern = settingsChangeConcern(tool, input, file, judge);
  if (concern === undefined) return undefined;
  return { kind: 'settings', what: `${concern} in Claude Code's settings (${path})` };
}

/** A project's MCP server file (`.mcp.json` at a project's root): Claude Code starts the stdio servers it names. */
export function mcpJsonFile(p: string): boolean {
  return /(^|\/)\.mcp\.json$/i.test(p);
}

const truthy = (v: unknown): boolean => v !== undefined && v !== null && v !== false && v !== 0 && v !== '' && v !== 'false';

/**
 * Which of a project's .mcp.json servers Claude Code would start without asking the user: all of them
 * when a settings file sets `enableAllProjectMcpServers`, else those `enabledMcpjsonServers` names
 * (2.1.330 approves project servers by name). Read from the user's and the project's settings; one
 * that cannot be read, or no reader at all, may approve anything (`all`).
 */
function mcpApproved(dir: string, facts: GuardFacts, read: ((p: string) => SettingsFileFacts) | undefined): { all: boolean; names: Set<string> } {
  const names = new Set<string>();
  if (!read) return { all: true, names };
  const files = [`${dir}/.claude/settings.json`, `${dir}/.claude/settings.local.json`];
  if (facts.home) files.push(`${facts.home}/.claude/settings.json`);
  for (const f of files) {
    const x = read(f);
    if (!x.exists) continue;
    if (x.error !== undefined || x.text === undefined) return { all: true, names };
    let o: unknown;
    try {
      o = JSON.parse(x.text);
    } catch {
      continue; // Claude Code ignores a settings file that is not JSON
    }
    if (!o || typeof o !== 'object') continue;
    const v = o as Record<string, unknown>;
    if (truthy(v.enableAllProjectMcpServers)) return { all: true, names };
    if (Array.isArray(v.enabledMcpjsonServers)) for (const n of v.enabledMcpjsonServers) names.add(String(n));
  }
  return { all: false, names };
}

/**
 * A Write / Edit of a project's .mcp.json (or a shell command writing it): a stdio server it adds or
 * changes runs its command when Claude Code next starts, outside any tool call the guard checks. When
 * the settings approve that server without asking the user (enableAllProjectMcpServers, or its name in
 * enabledMcpjsonServers: changing the command of an approved server runs the new one unasked), the
 * command is judged like a hook's (commandConcern: no send, no tamper, no secret, no code the guard
 * cannot read). A server Claude Code will ask the user about goes through.
 */
function mcpJsonEffect(
  path: string,
  tool: string,
  input: Record<string, unknown>,
  file: SettingsFileFacts,
  facts: GuardFacts,
  read: ((p: string) => SettingsFileFacts) | undefined,
  known: ((p: string) => string | undefined) | undefined,
): TamperFinding | undefined {
  const dir = path.slice(0, path.lastIndexOf('/')) || '/';
  const approved = mcpApproved(dir, facts, read);
  if (!approved.all && approved.names.size === 0) return undefined;
  const what = (why: string): TamperFinding => ({ kind: 'settings', what: `${why} in ${path}, which Claude Code would start without asking the user` });
  if (file.error !== undefined) return what(`change an MCP server file the guard could not read (${file.error})`);
  const after = resultingText(tool, input, file.exists ? (file.text ?? '') : undefined);
  if ('why' in after) return what(`change the MCP servers in a way the guard cannot check (${after.why})`);
  const servers = (text: string | undefined): Record<string, unknown> => {
    try {
      const o = JSON.parse(text ?? '') as { mcpServers?: unknown };
      return o && typeof o.mcpServers === 'object' && o.mcpServers !== null ? (o.mcpServers as Record<string, unknown>) : {};
    } catch {
      return {}; // not JSON: Claude Code starts nothing from it
    }
  };
  const next = servers(after.text);
  const before = servers(file.exists ? file.text : undefined);
  const judge = (cmd: string): string | undefined =>
    commandConcern(cmd, (c) => bashTamper(analyzeBash(c), c, facts, dir)?.what, {
      cwd: dir,
      ...(facts.home ? { home: facts.home } : {}),
      ...(known ? { known } : {}),
    });
  for (const [name, srv] of Object.entries(next)) {
    if (!approved.all && !approved.names.has(name)) continue;
    if (JSON.stringify(srv) === JSON.stringify(before[name])) continue;
    const s = (srv && typeof srv === 'object' ? srv : {}) as Record<string, unknown>;
    if (typeof s.command !== 'string') continue; // a remote (http / sse) server: its tool calls reach the guard's hooks
    const args = Array.isArray(s.args) ? s.args.map(String) : [];
    const why = judge(shellWords([s.command, ...args]));
    if (why) return what(`add or change the MCP server ${name.slice(0, 60)}, ${why}`);
    const env = (s.env && typeof s.env === 'object' ? s.env : {}) as Record<string, unknown>;
    const steer = Object.keys(env).find((k) =>
      /^(NODE_OPTIONS|LD_PRELOAD|LD_LIBRARY_PATH|DYLD_\w+|PYTHONSTARTUP|PYTHONPATH|PERL5OPT|RUBYOPT|BASH_ENV)$/.test(k),
    );
    if (steer) return what(`add or change the MCP server ${name.slice(0, 60)} with ${steer} set, which loads code the guard cannot read`);
  }
  return undefined;
}

/** A shell's startup file: the user's (~/.bashrc, ~/.profile, ~/.zshrc, fish's config …) or the system's (/etc/profile.d …). */
export function shellStartupFile(p: string, home: string | undefined): boolean {
  if (/^\/etc\/(profile|bash\.bashrc|bashrc|zshrc|zshenv|zprofile|environment)$|^\/etc\/(profile\.d|zsh)\/[^/]+$/.test(p)) return true;
  if (!home || !p.startsWith(`${home}/`)) return false;
  const rel = p.slice(home.length + 1);
  return /^\.(bashrc|bash_profile|bash_login|bash_logout|profile|zshrc|zshenv|zprofile|zlogin|zlogout|kshrc|mkshrc)$|^\.config\/fish\/(config\.fish|conf\.d\/[^/]+)$/.test(
    rel,
  );
}

function startupHit(path: string, why: string): TamperFinding {
  return {
    kind: 'settings',
    what: `add ${why} to ${path}, which every later shell runs (Claude Code's among them)`,
  };
}

/** Lines added to a shell's startup file, judged like a hook's command: they run later, unseen. */
function startupEffect(
  path: string,
  added: string,
  facts: GuardFacts,
  cwd: string | undefined,
  known: ((p: string) => string | undefined) | undefined,
): TamperFinding | undefined {
  if (added.trim() === '') return undefined;
  const why = commandConcern(added, (c) => bashTamper(analyzeBash(c), c, facts, cwd)?.what, {
    ...(cwd ? { cwd } : {}),
    ...(facts.home ? { home: facts.home } : {}),
    ...(known ? { known } : {}),
  });
  return why ? startupHit(path, why) : undefined;
}

/** A git hook of a repository (.git/hooks/pre-commit …; the samples git ships are not run). */
export function gitHookFile(p: string): boolean {
  return /(^|\/)\.git\/hooks\/[^/]+$/.test(p) && !p.endsWith('.sample');
}

function gitHookHit(path: string, why: string): TamperFinding {
  return { kind: 'settings', what: `write ${why} into the git hook ${path}, which git runs in later commands where the guard sees only the git command` };
}

/** The interpreter a script's #! line names (`#!/usr/bin/env -S uv run --script` is python), or undefined for a shell or none. */
function shebangRunner(text: string): string | undefined {
  const m = /^#!\s*(.*)/.exec(text);
  if (!m) return undefined;
  const words = (m[1] ?? '').split(/\s+/).filter((w) => w !== '' && !w.startsWith('-') && !/\/env$/.test(w) && w !== 'env');
  if (words[0] === 'uv' || (m[1] ?? '').includes('--script')) return 'python3';
  const prog = (words[0] ?? '').split('/').pop() ?? '';
  return /^(python[\d.]*|pypy[\d.]*|node|nodejs|deno|bun|perl|ruby|php)$/.test(prog) ? prog : undefined;
}

/** A script's text, judged like a hook command of the settings (run by the interpreter its #! line names). */
function scriptConcern(
  path: string,
  text: string,
  facts: GuardFacts,
  cwd: string | undefined,
  known: ((p: string) => string | undefined) | undefined,
): string | undefined {
  const runner = shebangRunner(text);
  return commandConcern(shellWords(runner ? [runner, path] : [path]), (c) => bashTamper(analyzeBash(c), c, facts, cwd)?.what, {
    ...(cwd ? { cwd } : {}),
    ...(facts.home ? { home: facts.home } : {}),
    known: (p) => (p === path ? text : known?.(p)),
  });
}

/** A git hook's text, judged like a hook command of the settings. */
function gitHookEffect(
  path: string,
  text: string,
  facts: GuardFacts,
  cwd: string | undefined,
  known: ((p: string) => string | undefined) | undefined,
): TamperFinding | undefined {
  const why = scriptConcern(path, text, facts, cwd, known);
  return why ? gitHookHit(path, why) : undefined;
}

/** A script in a Claude Code hooks dir (~/.claude/hooks, a project's .claude/hooks), where the hooks of the settings keep what they run. */
export function hookScriptFile(p: string): boolean {
  return /(^|\/)\.claude\/hooks\/.+/i.test(p) && !/\.(md|txt|json|log)$/i.test(p);
}

function hookScriptHit(path: string, why: string): TamperFinding {
  return { kind: 'settings', what: `write ${why} into ${path}, where the hooks of the settings keep the scripts they run outside any tool call` };
}

/** git configuration keys whose value is a command git runs (alias values only when they start with !). */
const GIT_COMMAND_KEYS =
  /^(core\.(fsmonitor|sshcommand|pager|editor|askpass)|sequence\.editor|diff\.external|credential(\..+)?\.helper|gpg(\.\w+)?\.program|pager\.[\w-]+|filter\..+\.(clean|smudge|process)|diff\..+\.(textconv|command)|merge\..+\.driver|uploadpack\.packobjectshook|alias\..+)$/;
/** git configuration keys that load hooks or more configuration from a place the guard does not read. */
const GIT_LOAD_KEYS = /^(core\.hookspath|init\.templatedir|include\.path|includeif\..+\.path)$/;

/** `git config [scope] key value`: a value git runs later, judged like a hook command; a hooks path or included config, asked about. */
function gitConfigTamper(args: string[], facts: GuardFacts, cwd: string | undefined): TamperFinding | undefined {
  const at = args.indexOf('config');
  if (at < 0 || args.slice(0, at).some((a) => !a.startsWith('-') && !['-C', '-c'].includes(args[args.indexOf(a) - 1] ?? ''))) return undefined;
  const words: string[] = [];
  const rest = args.slice(at + 1);
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] as string;
    if (a === '--file' || a === '-f' || a === '--type' || a === '--blob') i++;
    else if (!a.startsWith('-')) words.push(a);
  }
  if (rest.some((a) => /^--(get|list|unset|remove-section|rename-section|show|edit)/.test(a) || a === '-l' || a === '-e')) return undefined;
  const sub = words[0] === 'set' ? words.slice(1) : words;
  const [key, value] = sub;
  if (key === undefined || value === undefined) return undefined;
  const k = key.toLowerCase();
  const how = (why: string): TamperFinding => ({
    kind: 'settings',
    what: `set git's ${key} to ${why}, which git runs in later commands where the guard sees only the git command`,
  });
  if (GIT_LOAD_KEYS.test(k)) return how(`${value.slice(0, 80)}, hooks or configuration the guard does not read`);
  if (!GIT_COMMAND_KEYS.test(k) || (k.startsWith('alias.') && !value.startsWith('!'))) return undefined;
  const command = k.startsWith('alias.') ? value.slice(1) : value;
  const why = commandConcern(command, (c) => bashTamper(analyzeBash(c), c, facts, cwd)?.what, {
    ...(cwd ? { cwd } : {}),
    ...(facts.home ? { home: facts.home } : {}),
  });
  return why ? how(why) : undefined;
}
