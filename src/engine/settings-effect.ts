/**
 * A Write / Edit / MultiEdit of a Claude Code settings file judged by its effect: the JSON the file
 * would hold afterwards, next to the JSON it holds now (read by the daemon, daemon/settings-file.ts).
 * Pure. The change goes ahead only when the resulting file
 *  - is valid JSON holding an object;
 *  - keeps every hook entry of the guard the file holds now (same event, matcher and handler);
 *  - does not newly switch hooks off (`disableAllHooks`, `allowManagedHooksOnly`) or disable the
 *    guard's plugin (`enabledPlugins`);
 *  - does not newly set `env` keys that steer or break the hooks (NODE_OPTIONS, PATH, HOME, the
 *    guard's own MCPPROXY* variables, proxies, hook switches …) or that send the conversation
 *    elsewhere (ANTHROPIC_BASE_URL and other *_BASE_URL, OTEL_* exporters);
 *  - adds no PreToolUse or PermissionRequest hook (it could change a call after the guard checked it),
 *    no HTTP or MCP-tool hook (each would be sent every event), and every command it adds (a
 *    command hook, the status line, a credential helper) passes the Bash analysis: it sends nothing
 *    off the machine, touches neither the guard nor the settings, carries no secret and stays within
 *    the analysis bounds. Those commands run on every event with the event's data on their stdin.
 * Anything else is what the guard cannot vouch for, and is asked about as before.
 */
import { analyzeBash, type BashAnalysis } from './bash/index.ts';
import { scanText } from './detector.ts';
import { isPrivateHost } from './provenance.ts';
import { CODE_ENV } from './bash/util.ts';
import { resolvePath } from './paths.ts';
import { scriptsRun, withScripts, WrittenFiles } from './scripts.ts';

/** What the daemon read of the settings file a call would change. */
export interface SettingsFileFacts {
  /** the absolute path read */
  path: string;
  /** a file is there (a regular file that could be read, unless `error` says otherwise) */
  exists: boolean;
  /** its text (when it exists and could be read within the bound) */
  text?: string;
  /** why it could not be read (not a regular file, over the size bound, unreadable): the change is asked about */
  error?: string;
  /** where a symlinked settings file really is (a write goes there) */
  realPath?: string;
}

/** Marker of the guard's command hooks, and the path of its HTTP hooks (src/cli/settings.ts writes them). */
export const GUARD_HOOK_MARKER = '#mcpproxy-hook';
export const GUARD_HOOK_URL_PATH = '/mcpproxy-hook/';

/** One of the guard's hook handlers (a command with the marker, or an HTTP hook to the guard's path). */
export function isGuardHook(h: unknown): boolean {
  if (typeof h !== 'object' || h === null) return false;
  const x = h as { command?: unknown; url?: unknown };
  if (typeof x.command === 'string' && x.command.includes(GUARD_HOOK_MARKER)) return true;
  if (typeof x.url === 'string' && x.url.includes(GUARD_HOOK_URL_PATH)) return true;
  return false;
}

/** JSON with object keys sorted: two handlers are the same when their canonical forms are. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

interface HookRef {
  event: string;
  matcher: string | undefined;
  handler: Record<string, unknown>;
}

/** Every hook handler of a settings object, with its event and matcher. */
function hooksOf(data: Record<string, unknown>): HookRef[] {
  const out: HookRef[] = [];
  const hooks = data.hooks;
  if (typeof hooks !== 'object' || hooks === null || Array.isArray(hooks)) return out;
  for (const [event, groups] of Object.entries(hooks as Record<string, unknown>)) {
    if (!Array.isArray(groups)) continue;
    for (const g of groups) {
      if (typeof g !== 'object' || g === null) continue;
      const grp = g as { matcher?: unknown; hooks?: unknown };
      if (!Array.isArray(grp.hooks)) continue;
      const matcher = typeof grp.matcher === 'string' ? grp.matcher : undefined;
      for (const h of grp.hooks) if (typeof h === 'object' && h !== null) out.push({ event, matcher, handler: h as Record<string, unknown> });
    }
  }
  return out;
}

const refKey = (r: HookRef): string => `${r.event}\u0000${r.matcher ?? ''}\u0000${canonical(r.handler)}`;

/** The guard's hook entries in a settings file's text (none when it is not a JSON object). */
export function guardEntries(text: string | undefined): HookRef[] {
  const data = parseObject(text ?? '');
  return data ? hooksOf(data).filter((r) => isGuardHook(r.handler)) : [];
}

function parseObject(text: string): Record<string, unknown> | null {
  if (text.trim() === '') return {};
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null; // not JSON: the caller says so
  }
}

/** Settings that switch hooks off (Claude Code 2.1.332's schema: "Disable all hooks and statusLine execution", "only hooks from managed settings … run"). */
const HOOK_SWITCHES = ['disableAllHooks', 'allowManagedHooksOnly', 'strictPluginOnlyCustomization'];

/**
 * `env` keys that steer or break the hooks: what runs a command hook (PATH, SHELL, NODE_OPTIONS …),
 * where the guard keeps its state and config (HOME, XDG_*, MCPPROXY_HOOK_*), how an HTTP hook reaches the
 * sidecar (proxies), where Claude Code reads its settings (CLAUDE_CONFIG_DIR) and Claude Code's own hook
 * switches (any name with HOOK in it, CLAUDE_CODE_SHELL_PREFIX), and what Claude Code loads code or settings
 * from: CLAUDE_ENV_FILE (a script run ahead of every Bash command), plugin dirs, settings paths.
 */
const HOOK_ENV =
  /^(PATH|HOME|SHELL|BASH_ENV|ENV|ZDOTDIR|TMPDIR|USER|LOGNAME|NODE_\w+|LD_\w+|DYLD_\w+|XDG_\w+|MCPPROXY\w*|CLAUDE_CONFIG_DIR|CLAUDE_CODE_SHELL\w*|CLAUDE_CODE_GIT_BASH_PATH|(HTTPS?|ALL|NO|FTP)_PROXY|\w*HOOK\w*|CLAUDE_ENV_FILE|CLAUDE_CODE_\w*PLUGIN\w*|CLAUDE_CODE_\w*SETTINGS\w*|CLAUDE_CODE_SIMPLE|CLAUDE_CODE_SAFE_MODE|CLAUDE_CODE_PROCESS_WRAPPER)$/i;

/** New hooks judged in one change (each command is analysed as Bash): more is asked about, not read. */
const MAX_NEW_HOOKS = 64;

/** `env` keys that give git configuration from outside its files (GIT_CONFIG_COUNT/KEY_n/VALUE_n can set core.sshCommand), or its programs from elsewhere. */
const GIT_CONFIG_ENV = /^(GIT_CONFIG\w*|GIT_EXEC_PATH)$/;

/** Hook events whose hooks can rewrite a tool call's input or grant its permission. */
const INPUT_CHANGING_EVENTS = new Set(['PreToolUse', 'PermissionRequest']);

/** `env` keys that send the model's traffic or telemetry somewhere else: the API's base URL, OpenTelemetry exporters. */
const ELSEWHERE_ENV = /^(\w*_BASE_URL|ANTHROPIC_CUSTOM_HEADERS|OTEL_\w+)$/i;

/**
 * Settings keys whose value is a command Claude Code runs (besides command hooks), from 2.1.330's
 * schema: the credential helpers, the proxy's (proxyAuthHelper), and processWrapper (an argv prefix
 * every background session and worker is started with).
 */
const COMMAND_KEYS = ['apiKeyHelper', 'proxyAuthHelper', 'awsCredentialExport', 'awsAuthRefresh', 'gcpAuthRefresh', 'otelHeadersHelper', 'processWrapper'];

/** Words as one shell command line, each single-quoted where it needs to be. */
export function shellWords(words: string[]): string {
  return words.map((w) => (/^[\w./@%+=:,-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/**
 * The command line a command hook runs: its `command` through the shell, or, with `args` (the exec
 * form), `command` as the program and `args` as its arguments, no shell. A hook for another shell
 * (`shell: "powershell"`) is not Bash and is not read here.
 */
function hookCommand(h: Record<string, unknown>): string | { why: string } {
  if (typeof h.command !== 'string') return { why: 'with no command' };
  if (h.shell !== undefined && h.shell !== 'bash') return { why: `for ${String(h.shell).slice(0, 20)}, a shell the guard does not read` };
  if (h.args === undefined) return h.command;
  if (!Array.isArray(h.args) || h.args.some((a) => typeof a !== 'string')) return { why: 'whose arguments are not a list of strings' };
  return shellWords([h.command, ...(h.args as string[])]);
}

/** Why a command added to the settings would be interrupted by the Bash analysis (undefined: nothing). */
export type CommandJudge = (command: string) => string | undefined;

/** Where a command from the settings would run, and the text of the files this session knows. */
export interface CommandContext {
  /** the directory the hooks run in (the project: `$CLAUDE_PROJECT_DIR`) */
  cwd?: string;
  home?: string;
  /** the text of a file the session wrote, or read whole, by absolute path: a script among them is judged by what it holds */
  known?: (path: string) => string | undefined;
}

/** Scripts read whole kept per session, the characters of one, and of all together: the bounds of ReadScripts. */
export const MAX_READ_SCRIPTS = 16;
export const MAX_READ_SCRIPT_CHARS = 64 * 1024;
export const MAX_READ_SCRIPTS_CHARS = 128 * 1024;
/** What those texts may take in memory at most (a character outside latin-1 is two bytes): part of each session's reservation (worstSessionBytes) */
export const READ_SCRIPTS_BYTES = MAX_READ_SCRIPTS_CHARS * 2;
/** A file that is a script by its name or its first line (what a hook runs). */
const SCRIPT_LIKE = /\.(sh|bash|zsh|py|js|mjs|cjs|ts|rb|pl)$/i;

/**
 * The text of scripts the session read whole (a Read from the first line to the last), with the Edits
 * made to them since and the copies made of them (`cp hook.py ~/.claude/hooks/`): a hook added to the
 * settings that runs one is judged by that text (commandConcern). Kept apart from the files the
 * session wrote (scripts.ts), which a Bash run of them inlines: a script only read stays an opaque
 * program there. Bounded (MAX_READ_SCRIPTS, MAX_READ_SCRIPT_CHARS, MAX_READ_SCRIPTS_CHARS; the least
 * recently read goes first); a script changed in a way the guard cannot follow is let go.
 */
export class ReadScripts {
  private readonly files = new Map<string, string>();
  private chars = 0;

  /** A Read returned the whole file: kept when it is a script (by its name or a #! line) within the bounds. */
  read(path: string, text: string): void {
    this.drop(path);
    if (text.length > MAX_READ_SCRIPT_CHARS || !(SCRIPT_LIKE.test(path) || text.startsWith('#!'))) return;
    this.files.set(path, text);
    this.chars += text.length;
    while (this.files.size > MAX_READ_SCRIPTS || this.chars > MAX_READ_SCRIPTS_CHARS) this.drop(this.files.keys().next().value as string);
  }

  drop(path: string): void {
    const t = this.files.get(path);
    if (t === undefined) return;
    this.chars -= t.length;
    this.files.delete(path);
  }

  /** An Edit applied; one that does not apply to the text held lets the file go. */
  edit(path: string, edits: Array<{ old: string; new: string; all: boolean }>): void {
    let cur = this.files.get(path);
    if (cur === undefined) return;
    for (const e of edits) {
      if (e.old === '' || !cur.includes(e.old)) return this.drop(path);
      cur = e.all ? cur.split(e.old).join(e.new) : cur.replace(e.old, () => e.new);
    }
    this.read(path, cur);
  }

  /** `cp a b`: b holds a's text when a is held; otherwise whatever b held is no longer known. */
  copy(from: string, to: string): void {
    const t = this.files.get(from);
    if (t === undefined) this.drop(to);
    else this.read(to, t);
  }

  get(path: string): string | undefined {
    return this.files.get(path);
  }

  approxBytes(): number {
    let n = 0;
    for (const [p, t] of this.files) n += 96 + 2 * (p.length + t.length);
    return n;
  }
}

/** Directories of the system's own programs: a program named by a path in one of them is a known program, not unseen code. */
const SYSTEM_BIN = /^\/(usr\/(local\/)?s?bin|s?bin|opt\/homebrew\/bin)\/[^/]+$/;
/** Runners that fetch a package (or take the project's) and run its code: `npx pkg`, `uvx tool`, `pnpm dlx x`. */
const PACKAGE_RUNNERS = new Set(['npx', 'pnpx', 'bunx', 'uvx']);
/** Package managers' subcommands that run code of a package or of the project's manifest (`npm exec`, `npm run x`). */
const RUNNER_SUBCOMMANDS = new Set(['exec', 'x', 'dlx', 'run', 'run-script', 'start', 'test', 'restart']);
/** Build tools that run what a file of the project says (Makefile, justfile, Rakefile …). */
const BUILD_RUNNERS = new Set(['make', 'gmake', 'just', 'rake', 'gradle', 'mvn', 'task', 'ninja']);
/** Interpreter options that load code from a file or a module (`node -r x.js`, `python -m mod`). */
const LOADING_OPTIONS = /^(-r|--require|--import|--loader|--experimental-loader|-m|-I)$/;

/**
 * What in a command is code the guard cannot read, in words (the first such thing), or undefined:
 * a script file run by a shell or an interpreter (`bash ~/.cache/x.sh`, `python3 hook.py`, `source f`),
 * a program named by a path outside the system's program directories (`~/.local/bin/x`, `./run`),
 * a package runner (`npx pkg`, `uvx tool`, `npm exec`, `npm run x`), a build tool running the project's
 * file (`make`), an interpreter loading a module or a file (`node -r x.js`, `python -m mod`). A script
 * whose text `seen` knows is not unseen: its text is judged where it is inlined.
 */
export function unseenCode(bash: BashAnalysis, seen: (path: string) => boolean): string | undefined {
  for (const r of scriptsRun(bash)) {
    if (seen(r.path)) continue;
    if (r.family === 'exec') {
      if (SYSTEM_BIN.test(r.path)) continue;
      return `${r.path.slice(0, 120)}, a program outside the system's program directories`;
    }
    return `the script ${r.path.slice(0, 120)}, whose text the guard has not seen`;
  }
  for (const c of bash.commands) {
    const args = c.argv.slice(1);
    const sub = args.find((a) => !a.startsWith('-'));
    if (PACKAGE_RUNNERS.has(c.name)) return `${c.name}${sub ? ` ${sub.slice(0, 60)}` : ''}, a package's code`;
    if (['npm', 'pnpm', 'yarn', 'bun'].includes(c.name) && sub !== undefined && RUNNER_SUBCOMMANDS.has(sub))
      return `${c.name} ${sub}, code of a package or of the project's manifest`;
    if ((c.name === 'pipx' || c.name === 'uv' || c.name === 'deno' || c.name === 'go' || c.name === 'cargo') && sub === 'run') {
      // `uv run hook.py`: a script, judged by its text when the session knows it (inlined by commandConcern)
      const file = args.slice(args.indexOf('run') + 1).find((a) => !a.startsWith('-'));
      if (file !== undefined && /\/|\.(py|ts|js|mjs|go)$/.test(file)) {
        if (uvScript(c.name, args) !== undefined && seen(file)) continue;
        return `the script ${file.slice(0, 120)}, run by ${c.name} run`;
      }
      return `${c.name} run, a program it builds or fetches`;
    }
    if (BUILD_RUNNERS.has(c.name)) return `${c.name}, what the project's build file says`;
    const loads = args.findIndex((a) => LOADING_OPTIONS.test(a) || /^--(require|import|loader)=/.test(a));
    if (loads >= 0 && /^(node|nodejs|bun|deno|python[\d.]*|pypy[\d.]*|ruby|perl)$/.test(c.name) && !(args[loads] === '-m' && args[loads + 1] === 'json.tool'))
      return `${c.name} ${args
        .slice(loads, loads + 2)
        .join(' ')
        .slice(0, 80)}, code loaded from a module or file`;
  }
  return undefined;
}

/** The end marker of a `uv run` script inlined as python. */
const UV_END = 'UV_SCRIPT_TEXT_END_5C1E';

/** The python script `uv run [options] f.py` runs. */
function uvScript(name: string, args: string[]): string | undefined {
  if (name !== 'uv' || args[0] !== 'run') return undefined;
  return args.slice(1).find((a) => !a.startsWith('-') && a.endsWith('.py'));
}

/** `$CLAUDE_PROJECT_DIR` (what Claude Code sets for hooks) stands for the project the hooks run in. */
function withProjectDir(command: string, cwd: string | undefined): string {
  if (!cwd || !/^[\w./@+-]+$/.test(cwd)) return command;
  return command.replace(/\$\{CLAUDE_PROJECT_DIR\}|\$CLAUDE_PROJECT_DIR\b/g, cwd);
}

/**
 * The Bash analysis of a command Claude Code would run from the settings: a command that sends
 * anything off the machine (it gets each event's data on stdin), that the analysis could not read
 * to its end, that carries a secret, that `tamper` (the guard's own tamper rules) flags, or that runs
 * code the guard cannot read (a script, a package, a program outside the system's: it runs later,
 * outside any tool call, where the guard never sees what it does). A script the session wrote is
 * judged by its text, inlined (scripts.ts).
 */
export function commandConcern(command: string, tamper: (cmd: string) => string | undefined, ctx: CommandContext = {}): string | undefined {
  const cmd = withProjectDir(command, ctx.cwd);
  let bash = analyzeBash(cmd);
  let judged = cmd;
  // scripts the session knows, with their text inlined after the command
  const textOf = (p: string): string | undefined => {
    const abs = resolvePath(p, ctx.cwd, ctx.home);
    return abs !== null ? ctx.known?.(abs) : undefined;
  };
  const known = (p: string): boolean => textOf(p) !== undefined;
  const scripts = new WrittenFiles();
  for (const r of ctx.known && bash.limits.length === 0 ? scriptsRun(bash) : []) {
    const abs = resolvePath(r.path, ctx.cwd, ctx.home);
    const text = textOf(r.path);
    if (abs !== null && text !== undefined) scripts.set(abs, text);
  }
  let inlined = scripts.size > 0 ? withScripts(cmd, bash, ctx.cwd, ctx.home, scripts).command : undefined;
  // `uv run hook.py` of a script the session knows: its text, as the python it is
  for (const c of ctx.known && bash.limits.length === 0 ? bash.commands : []) {
    const file = uvScript(c.name, c.argv.slice(1));
    const text = file !== undefined ? textOf(file) : undefined;
    if (text === undefined || text.split('\n').some((l) => l.trim() === UV_END)) continue;
    inlined = `${inlined ?? cmd}\npython3 <<'${UV_END}'\n${text}\n${UV_END}`;
  }
  if (inlined !== undefined) {
    const withText = analyzeBash(inlined);
    if (withText.limits.length > 0) return `a script the guard could not analyse (${withText.limits[0]!.what})`;
    bash = withText;
    judged = inlined;
  }
  if (bash.limits.length > 0) return `a command the guard could not analyse (${bash.limits[0]!.what})`;
  const t = tamper(judged);
  if (t) return `a command that would ${t}`;
  if (bash.egress && !(bash.hosts.length > 0 && bash.hosts.every(isPrivateHost))) {
    const to = bash.hosts.length ? ` to ${bash.hosts.slice(0, 3).join(', ')}` : '';
    return `a command that sends data off the machine (${bash.egressCommands.slice(0, 3).join(', ')}${to}), with every event's data on its stdin`;
  }
  const secret = scanText(judged).find((f) => f.severity !== 'medium');
  if (secret) return `a command that carries ${secret.label}`;
  const unseen = unseenCode(bash, known);
  if (unseen) return `code the guard cannot read (${unseen}), later, outside any tool call the guard checks`;
  return undefined;
}

/** The text an Edit / MultiEdit leaves, or why it cannot be told. */
function applyEdits(current: string | undefined, edits: Array<Record<string, unknown>>): { text: string } | { why: string } {
  let text = current;
  for (const e of edits) {
    const oldS = e.old_string;
    const newS = e.new_string;
    if (typeof oldS !== 'string' || typeof newS !== 'string') return { why: 'the edit has no old_string / new_string' };
    if (text === undefined) {
      // an edit with an empty old_string creates the file
      if (oldS === '') {
        text = newS;
        continue;
      }
      return { why: 'the edit names text in a file that is not there' };
    }
    if (oldS === '') return { why: 'the edit has an empty old_string for a file that exists' };
    const first = text.indexOf(oldS);
    if (first < 0) return { why: 'the text the edit replaces is not in the file as it is now' };
    if (e.replace_all === true) text = text.split(oldS).join(newS);
    else {
      if (text.indexOf(oldS, first + oldS.length) >= 0) return { why: 'the text the edit replaces occurs more than once' };
      text = text.slice(0, first) + newS + text.slice(first + oldS.length);
    }
  }
  return text === undefined ? { why: 'the edit changes nothing it can be checked on' } : { text };
}

/** The content a Write / Edit / MultiEdit would leave in the file, or why it cannot be told. */
export function resultingText(tool: string, input: Record<string, unknown>, current: string | undefined): { text: string } | { why: string } {
  if (tool === 'Write') return typeof input.content === 'string' ? { text: input.content } : { why: 'the Write has no content' };
  if (tool === 'Edit') return applyEdits(current, [input]);
  if (tool === 'MultiEdit') {
    const edits = input.edits;
    if (!Array.isArray(edits) || edits.some((e) => typeof e !== 'object' || e === null)) return { why: 'the MultiEdit has no list of edits' };
    return applyEdits(current, edits as Array<Record<string, unknown>>);
  }
  return { why: `${tool} changes the file in a way the guard does not read` };
}

const truthy = (v: unknown): boolean => v !== undefined && v !== null && v !== false && v !== 0 && v !== '' && v !== 'false';

/**
 * What a change of a settings file would do that the guard cannot let through, in words (the first
 * such thing), or undefined when the change keeps the guard's hooks and adds nothing that weakens or
 * bypasses them.
 */
export function settingsChangeConcern(tool: string, input: Record<string, unknown>, file: SettingsFileFacts, judge: CommandJudge): string | undefined {
  if (file.error !== undefined) return `change a settings file the guard could not read (${file.error})`;
  if (file.realPath !== undefined && !/(^|\/)(settings(\.local)?|managed-settings)\.json$/i.test(file.realPath))
    return `write through a settings file that links to ${file.realPath}`;
  const current = file.exists ? (file.text ?? '') : undefined;
  const after = resultingText(tool, input, current);
  if ('why' in after) return `change the settings in a way the guard cannot check: ${after.why}`;
  const next = parseObject(after.text);
  if (next === null) return 'leave the settings file as something that is not a JSON object (Claude Code then ignores the whole file)';
  const before = (current !== undefined ? parseObject(current) : null) ?? {};

  const kept = new Set(hooksOf(next).map(refKey));
  for (const g of hooksOf(before).filter((r) => isGuardHook(r.handler))) {
    if (!kept.has(refKey(g))) return `remove or change the guard's own ${g.event} hook`;
  }
  for (const k of HOOK_SWITCHES) {
    if (truthy(next[k]) && canonical(next[k]) !== canonical(before[k])) return `set "${k}", which switches hooks off`;
  }
  const plugins = next.enabledPlugins;
  if (plugins && typeof plugins === 'object') {
    const was = (before.enabledPlugins ?? {}) as Record<string, unknown>;
    for (const [id, on] of Object.entries(plugins as Record<string, unknown>)) {
      if (/^mcpproxy-hook@/.test(id) && on === false && was[id] !== false) return `disable the guard's plugin (enabledPlugins "${id}": false)`;
      // a plugin brings hooks (a PreToolUse hook can change a call after the guard checked it), MCP servers and commands of its own
      if (!/^mcpproxy-hook@/.test(id) && truthy(on) && canonical(on) !== canonical(was[id]))
        return `enable the plugin ${id.slice(0, 80)}, whose own hooks and MCP servers would run with every event outside the guard's view`;
    }
  }
  // the project's .mcp.json servers (commands Claude Code starts) approved without asking the user
  if (truthy(next.enableAllProjectMcpServers) && !truthy(before.enableAllProjectMcpServers))
    return `set "enableAllProjectMcpServers", which starts every MCP server a project's .mcp.json names (any command) without asking the user`;
  if (Array.isArray(next.enabledMcpjsonServers)) {
    const was = new Set(Array.isArray(before.enabledMcpjsonServers) ? before.enabledMcpjsonServers.map(String) : []);
    const added = next.enabledMcpjsonServers.map(String).filter((x) => !was.has(x));
    if (added.length)
      return `approve the project MCP server ${added[0]!.slice(0, 80)} (enabledMcpjsonServers), a command Claude Code would start without asking the user`;
  }
  const env = next.env;
  if (env !== undefined && (typeof env !== 'object' || env === null || Array.isArray(env))) return 'set "env" to something that is not an object';
  if (env) {
    const was = (typeof before.env === 'object' && before.env !== null ? before.env : {}) as Record<string, unknown>;
    for (const [k, v] of Object.entries(env as Record<string, unknown>)) {
      if (HOOK_ENV.test(k) && canonical(v) !== canonical(was[k]))
        return `set the environment variable ${k}, which steers how hooks run or where the guard lives`;
      if (ELSEWHERE_ENV.test(k) && canonical(v) !== canonical(was[k]))
        return `set the environment variable ${k}, which sends the conversation (and every file it read) somewhere else`;
      if (GIT_CONFIG_ENV.test(k) && canonical(v) !== canonical(was[k]))
        return `set the environment variable ${k}, which gives every git command configuration (and the code it runs) the guard does not see`;
      // code that ordinary commands run (git's ssh, pagers, editors): every Bash call would run it unseen
      if (CODE_ENV.test(k) && canonical(v) !== canonical(was[k])) {
        if (typeof v !== 'string') return `set the environment variable ${k} to something that is not a command`;
        const why = judge(v);
        if (why) return `set the environment variable ${k}, which ordinary commands run, to ${why}`;
      }
    }
  }
  // what the settings newly run: hooks, the status line, helpers
  const old = new Set(hooksOf(before).map((r) => canonical(r.handler)));
  const added = hooksOf(next).filter((r) => !old.has(canonical(r.handler)));
  if (added.length > MAX_NEW_HOOKS) return `add ${added.length} hooks at once (the guard reads at most ${MAX_NEW_HOOKS} in one change)`;
  for (const r of added) {
    const type = r.handler.type;
    // a hook on these events can change what a tool call runs after the guard checked it (updatedInput) or answer for the user
    if (INPUT_CHANGING_EVENTS.has(r.event)) return `add a ${r.event} hook, which can change what a tool call runs after the guard checked it`;
    if (type === 'command') {
      const cmd = hookCommand(r.handler);
      if (typeof cmd !== 'string') return `add a ${r.event} command hook ${cmd.why}`;
      const why = judge(cmd);
      if (why) return `add a ${r.event} hook that runs ${why}`;
    } else if (type === 'http') {
      return `add a ${r.event} HTTP hook (to ${String(r.handler.url ?? 'an unknown URL').slice(0, 120)}), which is sent every ${r.event} event with its data`;
    } else if (type === 'mcp_tool') {
      return `add a ${r.event} hook that calls an MCP tool with every ${r.event} event`;
    } else if (type === 'prompt' || type === 'agent') {
      // a model told by text the guard does not check decides on every event: it can block, or keep the
      // session going with a reason of its own (instructions that outlive this session); an agent hook also uses tools
      return `add a ${r.event} ${type} hook, which has a model act on every ${r.event} event by instructions the guard does not check (it can block, or keep a session going with its own words)`;
    } else {
      return `add a ${r.event} hook of a type the guard does not know (${String(type).slice(0, 40)})`;
    }
  }
  const commands: Array<[string, unknown, unknown]> = COMMAND_KEYS.map((k) => [k, next[k], before[k]]);
  const field = (o: unknown, f: string): unknown => (o && typeof o === 'object' && !Array.isArray(o) ? (o as Record<string, unknown>)[f] : undefined);
  for (const k of ['statusLine', 'subagentStatusLine', 'fileSuggestion']) {
    if (next[k] && typeof next[k] === 'object') commands.push([k, field(next[k], 'command'), field(before[k], 'command')]);
  }
  // an executable that computes managed settings ({ path, args }), honoured from managed settings
  if (next.policyHelper !== undefined && canonical(next.policyHelper) !== canonical(before.policyHelper)) {
    const path = field(next.policyHelper, 'path');
    if (typeof path !== 'string') return 'set "policyHelper" to something that is not a program';
    const args = field(next.policyHelper, 'args');
    commands.push(['policyHelper', shellWords([path, ...(Array.isArray(args) ? args.map(String) : [])]), undefined]);
  }
  // Claude Desktop's SSH hosts whose address a command gives, run on this computer
  if (Array.isArray(next.sshHostCommands)) {
    const was = new Set(Array.isArray(before.sshHostCommands) ? before.sshHostCommands.map((e) => canonical(field(e, 'command'))) : []);
    for (const e of next.sshHostCommands) {
      const c = field(e, 'command');
      if (!was.has(canonical(c))) commands.push(['sshHostCommands', c, undefined]);
    }
  }
  for (const [k, v, w] of commands) {
    if (v === undefined || v === w) continue;
    if (typeof v !== 'string') return `set "${k}" to something that is not a command`;
    const why = judge(v);
    if (why) return `set "${k}" to ${why}`;
  }
  return undefined;
}
