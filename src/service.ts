/**
 * Run the sidecar under the user's service manager: a systemd *user* unit on Linux, a launchd agent
 * on macOS. Both run exactly `node <flags> <cli> daemon` with absolute paths (flags: daemon-args.ts).
 *
 * The generators are pure (tested on every OS); install/uninstall/status are thin wrappers that write
 * the file atomically and call systemctl / launchctl through an injectable runner. When the service
 * manager cannot be reached (no systemctl, no user bus in a container, an SSH session with no GUI
 * domain) the file is still written and the user is told exactly what to run, and why.
 */
import { DAEMON_ENV, DAEMON_NODE_ARGS } from './daemon-args.ts';
import { writeFileAtomic } from './fs-atomic.ts';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, unlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ErrorCode, GuardError } from './errors.ts';

export const UNIT_NAME = 'mcpproxy-hook.service';
export const DEFAULT_LABEL = 'dev.mcpproxy-hook.sidecar';
/** Environment variables that move the sidecar's files; the service must see the same values as the CLI. */
export const SERVICE_ENV_KEYS = ['MCPPROXY_HOOK_HOME', 'XDG_CONFIG_HOME', 'XDG_STATE_HOME'] as const;
/**
 * Memory ceiling of the unit. Measured: 100 sessions x 9,300 fingerprints is ~440 MiB RSS (bench), and the
 * default config allows more, so 256M would OOM-kill a busy sidecar and (fail-open) drop the guard while
 * it restarts. 1G still stops a runaway process long before it hurts the machine.
 */
export const DEFAULT_MEMORY_MAX = '1G';

export class ServiceError extends GuardError {
  constructor(message: string) {
    super(ErrorCode.Service, message);
  }
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}
export type Runner = (cmd: string, args: string[]) => RunResult;

/** The real runner: no shell, bounded time; a missing program is status null with the error in stderr. */
export const defaultRunner: Runner = (cmd, args) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) return { status: null, stdout: r.stdout ?? '', stderr: `${(r.error as NodeJS.ErrnoException).code ?? ''} ${r.error.message}`.trim() };
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
};

// ------------------------------------------------------------------------------------------ checks

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function checkText(what: string, s: string): void {
  // newlines would end the unit-file line; NUL and other C0 controls have no place in a path or value
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(s))
    throw new ServiceError(`${what} contains a control character (${JSON.stringify(s)}); service files cannot carry it. Move the files to a path without it.`);
}

function checkPath(what: string, p: string): void {
  if (!p || !isAbsolute(p)) throw new ServiceError(`${what} must be an absolute path, got ${JSON.stringify(p)}`);
  checkText(what, p);
}

function checkEnv(env: Record<string, string>): void {
  for (const [k, v] of Object.entries(env)) {
    if (!ENV_NAME.test(k)) throw new ServiceError(`environment variable name ${JSON.stringify(k)} is not valid (letters, digits and _ only)`);
    checkText(`the value of ${k}`, v);
  }
}

// ------------------------------------------------------------------------------------------ systemd

/** `%` starts a specifier in every unit-file value. */
const sdPercent = (s: string): string => s.replace(/%/g, '%%');

/**
 * One word of a systemd command line (ExecStart=): double-quoted when it is not plain, `\\` and `"`
 * escaped, `%` doubled (specifiers) and, in arguments, `$` doubled (arguments get $VAR / ${VAR}
 * substitution; the executable path does not, so there a `$` stays single — `systemd-analyze verify`
 * finds no executable otherwise).
 */
export function systemdQuoteArg(s: string, executable = false): string {
  if (executable && /["'\\]/.test(s)) {
    // systemd refuses these in the executable name ("Executable name contains special characters")
    throw new ServiceError(
      `the node path ${JSON.stringify(s)} contains a quote or a backslash, which systemd does not accept in ExecStart=; make a symlink to node in a plain directory and run the install with that node`,
    );
  }
  let t = s.replace(/%/g, '%%');
  if (!executable) t = t.replace(/\$/g, '$$$$');
  if (/^[A-Za-z0-9_@+=:,./-]+$/.test(t)) return t;
  return '"' + t.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
}

/** `Environment="KEY=value"`: quoted, `\` and `"` escaped, `%` doubled. No `$` expansion happens here. */
export function systemdEnvLine(key: string, value: string): string {
  return 'Environment="' + sdPercent(`${key}=${value}`).replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
}

export interface UnitOptions {
  node: string;
  cli: string;
  /** e.g. MCPPROXY_HOOK_HOME when set, so the service uses the same state dir as the CLI */
  env: Record<string, string>;
  memoryMax?: string;
}

/**
 * A systemd user unit. Only directives that work in a *user* manager are used: the resource limits rely
 * on cgroup v2 delegation (the default for user@.service; without it systemd ignores them), NoNewPrivileges
 * and UMask need no privileges. PrivateTmp=/ProtectSystem= and friends are left out on purpose: in a user
 * unit they imply PrivateUsers= (an unprivileged user namespace), and where those are restricted (Ubuntu
 * 24.04's AppArmor policy, many containers, hardened kernels) the service fails to start at all — a guard
 * that does not start is worse than one without a private /tmp it never uses (its socket lives in a 0700
 * state dir).
 */
export function systemdUnit(opts: UnitOptions): string {
  checkPath('the node executable', opts.node);
  checkPath('the mcpproxy-hook CLI', opts.cli);
  checkEnv(opts.env);
  const mem = opts.memoryMax ?? DEFAULT_MEMORY_MAX;
  if (!/^\d+[KMGT]?$/.test(mem)) throw new ServiceError(`memoryMax ${JSON.stringify(mem)} is not a size like 512M or 1G`);
  const lines = [
    '# Written by `mcpproxy-hook service install`; run it again after moving node or the package.',
    '[Unit]',
    'Description=mcpproxy-hook sidecar (data-exfiltration guard for Claude Code)',
    'Documentation=https://www.npmjs.com/package/mcpproxy-hook',
    'After=default.target',
    // a config error or a second instance will not fix itself: stop retrying after 5 failures in a minute
    'StartLimitIntervalSec=60',
    'StartLimitBurst=5',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${[systemdQuoteArg(opts.node, true), ...DAEMON_NODE_ARGS, systemdQuoteArg(opts.cli), 'daemon'].join(' ')}`,
    'ExecReload=/bin/kill -HUP $MAINPID',
    'Restart=on-failure',
    'RestartSec=1',
    // exit 78 (EX_CONFIG) = the config file has an error; restarting cannot help, the journal says which key
    'RestartPreventExitStatus=78',
    // the allocator's settings first: a value the user passes for the same name comes later and wins
    ...Object.entries(DAEMON_ENV).map(([k, v]) => systemdEnvLine(k, v)),
    ...Object.keys(opts.env)
      .sort()
      .map((k) => systemdEnvLine(k, opts.env[k] as string)),
    'UMask=0077',
    'NoNewPrivileges=yes',
    `MemoryMax=${mem}`,
    'TasksMax=64',
    'LimitNOFILE=4096',
    'StandardOutput=journal',
    'StandardError=journal',
    'SyslogIdentifier=mcpproxy-hook',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ];
  return lines.join('\n');
}

// ------------------------------------------------------------------------------------------ launchd

export function xmlEscape(s: string): string {
  // XML 1.0 allows tab, LF, CR and everything from U+0020 up, minus lone surrogates and U+FFFE/U+FFFF
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s)) {
    throw new ServiceError(`${JSON.stringify(s)} contains a character that XML (and so a launchd plist) cannot carry`);
  }
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

export interface PlistOptions extends UnitOptions {
  logDir: string;
  label?: string;
}

/**
 * A launchd agent. KeepAlive is {SuccessfulExit: false}: launchd restarts the sidecar when it crashes
 * (non-zero exit or a signal) — the systemd unit's Restart=on-failure — but not after a clean exit, so
 * `launchctl bootout`/`kill -TERM` stop it for good instead of fighting the user. (KeepAlive=true would
 * also resurrect it after a deliberate clean stop.) launchd throttles restarts to one per 10 s.
 */
export function launchdPlist(opts: PlistOptions): string {
  checkPath('the node executable', opts.node);
  checkPath('the mcpproxy-hook CLI', opts.cli);
  checkPath('the log directory', opts.logDir);
  checkEnv(opts.env);
  const label = opts.label ?? DEFAULT_LABEL;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(label))
    throw new ServiceError(`launchd label ${JSON.stringify(label)} is not valid (use reverse-DNS like ${DEFAULT_LABEL})`);
  const str = (s: string): string => `<string>${xmlEscape(s)}</string>`;
  const envKeys = Object.keys(opts.env).sort();
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<!-- Written by `mcpproxy-hook service install`; run it again after moving node or the package. -->',
    '<plist version="1.0">',
    '<dict>',
    '  <key>Label</key>',
    `  ${str(label)}`,
    '  <key>ProgramArguments</key>',
    '  <array>',
    ...[opts.node, ...DAEMON_NODE_ARGS, opts.cli, 'daemon'].map((a) => `    ${str(a)}`),
    '  </array>',
    '  <key>RunAtLoad</key>',
    '  <true/>',
    '  <key>KeepAlive</key>',
    '  <dict>',
    '    <key>SuccessfulExit</key>',
    '    <false/>',
    '  </dict>',
    '  <key>ThrottleInterval</key>',
    '  <integer>10</integer>',
    '  <key>ProcessType</key>',
    '  <string>Background</string>',
    '  <key>Umask</key>',
    '  <integer>63</integer>',
    ...(envKeys.length
      ? [
          '  <key>EnvironmentVariables</key>',
          '  <dict>',
          ...envKeys.flatMap((k) => [`    <key>${xmlEscape(k)}</key>`, `    ${str(opts.env[k] as string)}`]),
          '  </dict>',
        ]
      : []),
    '  <key>StandardOutPath</key>',
    `  ${str(join(opts.logDir, 'sidecar.out.log'))}`,
    '  <key>StandardErrorPath</key>',
    `  ${str(join(opts.logDir, 'sidecar.log'))}`,
    '</dict>',
    '</plist>',
    '',
  ];
  return lines.join('\n');
}

// ------------------------------------------------------------------------------------------ where

export type ServiceKind = 'systemd' | 'launchd' | 'unsupported';

export function servicePaths(
  platform: NodeJS.Platform,
  home: string,
  env: NodeJS.ProcessEnv | Record<string, string | undefined> = {},
  label = DEFAULT_LABEL,
): { kind: ServiceKind; file: string } {
  if (platform === 'linux') {
    const xdg = env.XDG_CONFIG_HOME;
    const base = xdg && isAbsolute(xdg) ? xdg : join(home, '.config');
    return { kind: 'systemd', file: join(base, 'systemd', 'user', UNIT_NAME) };
  }
  if (platform === 'darwin') return { kind: 'launchd', file: join(home, 'Library', 'LaunchAgents', `${label}.plist`) };
  return { kind: 'unsupported', file: '' };
}

// ------------------------------------------------------------------------------------------ I/O

export interface ServiceSpec {
  node: string;
  cli: string;
  env: Record<string, string>;
  /** launchd log files go here (the state dir); ignored for systemd (journal) */
  logDir: string;
  label?: string;
  memoryMax?: string;
}

export interface ServiceContext {
  platform?: NodeJS.Platform;
  home?: string;
  /** the environment of the installing user (XDG_CONFIG_HOME, SUDO_USER) */
  env?: NodeJS.ProcessEnv;
  uid?: number;
  dryRun?: boolean;
  runner?: Runner;
}

export interface CommandRun {
  cmd: string;
  args: string[];
  status: number | null;
}

export interface ServiceOutcome {
  kind: 'systemd' | 'launchd';
  file: string;
  /** the file content (install) */
  content?: string;
  /** the file was (or, with dryRun, would be) written or removed */
  changed: boolean;
  /** commands run, in order (with dryRun: the commands that would run, status null) */
  ran: CommandRun[];
  /** commands the user still has to run; empty when the service manager did everything */
  manual: string[];
  /** what to tell the user, one line each */
  lines: string[];
  /** false when the service manager could not be used or reported an error */
  ok: boolean;
}

interface Ctx {
  platform: NodeJS.Platform;
  home: string;
  env: NodeJS.ProcessEnv;
  uid: number;
  dryRun: boolean;
  run: (cmd: string, args: string[]) => RunResult;
  ran: CommandRun[];
}

function ctxOf(c: ServiceContext): Ctx {
  const runner = c.runner ?? defaultRunner;
  const ran: CommandRun[] = [];
  const dryRun = c.dryRun ?? false;
  return {
    platform: c.platform ?? process.platform,
    home: c.home ?? c.env?.HOME ?? homedir(),
    env: c.env ?? process.env,
    uid: c.uid ?? (typeof process.getuid === 'function' ? process.getuid() : 0),
    dryRun,
    ran,
    run: (cmd, args) => {
      if (dryRun) {
        ran.push({ cmd, args, status: null });
        return { status: 0, stdout: '', stderr: '' };
      }
      const r = runner(cmd, args);
      ran.push({ cmd, args, status: r.status });
      return r;
    },
  };
}

function kindOf(ctx: Ctx, label: string): { kind: 'systemd' | 'launchd'; file: string } {
  const p = servicePaths(ctx.platform, ctx.home, ctx.env, label);
  if (p.kind === 'unsupported') {
    throw new ServiceError(
      `service files are made for Linux (systemd) and macOS (launchd), not ${ctx.platform}. Run \`mcpproxy-hook daemon\` at logon with your own service manager (e.g. Task Scheduler on Windows).`,
    );
  }
  return p as { kind: 'systemd' | 'launchd'; file: string };
}

function readOr(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ServiceError(`cannot read ${file}: ${(e as Error).message}`);
  }
}

/** temp file + rename in the same directory, 0644 (service managers read it; it holds no secret) */
function writeAtomic(file: string, text: string): void {
  try {
    writeFileAtomic(file, text, { mode: 0o644, dirMode: 0o755 });
  } catch (e) {
    throw new ServiceError(`cannot write ${file}: ${(e as Error).message}. Check that you own ${dirname(file)} and the disk is not full.`);
  }
}

const shellWord = (s: string): string => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
const shown = (cmd: string, args: string[]): string => [cmd, ...args].map(shellWord).join(' ');
/**
 * systemctl reports what it did on stderr too ("Created symlink …", "Removed …"): those lines are
 * success, not the reason a step failed. The first other line is; failing that, the exit status.
 */
const PROGRESS = /^(Created symlink |Removed ['"/]|Synchronizing state of |Executing: |Unit \S+ is added as a dependency)/;
export const firstLine = (r: RunResult): string => {
  const lines = `${r.stderr}\n${r.stdout}`
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.find((l) => !PROGRESS.test(l)) ?? (r.status === null ? 'could not run it' : `exit status ${r.status}`);
};

/**
 * Run service-manager steps in order until one fails; then the failed step and the ones after it go
 * to `manual` (shown to the user as commands to run) and `explain` says what went wrong. True if
 * every step succeeded.
 */
function runSteps(
  ctx: Ctx,
  steps: Array<[string, string[]]>,
  manual: string[],
  explain: (cmd: string, args: string[], r: RunResult, todo: string[]) => string[],
  lines: string[],
): boolean {
  for (let i = 0; i < steps.length; i++) {
    const [cmd, args] = steps[i] as [string, string[]];
    const r = ctx.run(cmd, args);
    if (r.status === 0) continue;
    const todo = steps.slice(i).map(([c, a]) => shown(c, a));
    manual.push(...todo);
    lines.push(...explain(cmd, args, r, todo));
    return false;
  }
  return true;
}

/** systemctl could not talk to a user manager at all (as opposed to a unit that failed). */
function noUserBus(r: RunResult): boolean {
  return (
    r.status !== 0 &&
    /Failed to connect to (user scope )?bus|No medium found|DBUS_SESSION_BUS_ADDRESS|XDG_RUNTIME_DIR|Host is down|System has not been booted with systemd|Failed to get D-Bus connection/i.test(
      r.stderr + r.stdout,
    )
  );
}

function rootWarning(ctx: Ctx): string[] {
  const su = ctx.env.SUDO_USER;
  return ctx.uid === 0 && su && su !== 'root'
    ? [`Warning: running as root (via sudo): this is root's service, not ${su}'s. Run it again without sudo as ${su}.`]
    : [];
}

function systemdUnavailable(why: 'missing' | 'bus', detail: string, todo: string[]): string[] {
  const head =
    why === 'missing'
      ? `systemctl was not found (${detail}): this system does not run systemd, or it is not on PATH.`
      : `systemctl --user could not reach your user service manager (${detail}). This happens in containers, under \`su\`/\`sudo -i\`, and in SSH sessions without a login session: there is no user systemd instance to talk to.`;
  return [
    head,
    'The unit file is in place. In a normal login session of this user, run:',
    ...todo.map((c) => `    ${c}`),
    ...(why === 'bus'
      ? [
          '(As root you can give the user a manager that outlives logins: loginctl enable-linger <user>; then XDG_RUNTIME_DIR=/run/user/<uid> is set for that user.)',
        ]
      : []),
    'Until then, run the sidecar by hand: mcpproxy-hook daemon',
  ];
}

const SC = (...a: string[]): [string, string[]] => ['systemctl', ['--user', ...a]];

/** Write the service file and enable + start the service. Safe to run again: an unchanged file restarts nothing. */
export async function serviceInstall(spec: ServiceSpec, context: ServiceContext = {}): Promise<ServiceOutcome> {
  const ctx = ctxOf(context);
  const label = spec.label ?? DEFAULT_LABEL;
  const { kind, file } = kindOf(ctx, label);
  const content = kind === 'systemd' ? systemdUnit(spec) : launchdPlist({ ...spec, label });
  const prev = readOr(file);
  const changed = prev !== content;
  const lines: string[] = [...rootWarning(ctx)];
  const manual: string[] = [];
  let ok = true;

  if (!ctx.dryRun && changed) writeAtomic(file, content);
  lines.push(ctx.dryRun ? (changed ? `Would write ${file}.` : `${file} is up to date.`) : changed ? `Wrote ${file}.` : `${file} is up to date; not rewritten.`);

  if (kind === 'systemd') {
    let wasActive = false;
    if (changed && prev !== null) wasActive = ctx.run(...SC('is-active', '--quiet', UNIT_NAME)).status === 0;
    const steps: Array<[string, string[]]> = [];
    if (changed) steps.push(SC('daemon-reload'));
    steps.push(SC('enable', '--now', UNIT_NAME));
    if (wasActive) steps.push(SC('restart', UNIT_NAME));
    ok = runSteps(
      ctx,
      steps,
      manual,
      (cmd, args, r, todo) =>
        r.status === null || noUserBus(r)
          ? systemdUnavailable(r.status === null ? 'missing' : 'bus', firstLine(r), todo)
          : [`\`${shown(cmd, args)}\` failed: ${firstLine(r)}`, `See why with: systemctl --user status ${UNIT_NAME}; journalctl --user -u ${UNIT_NAME} -n 50`],
      lines,
    );
    if (ok)
      lines.push(
        ctx.dryRun
          ? `Would enable and start ${UNIT_NAME} (user manager).`
          : `Enabled and started ${UNIT_NAME}${wasActive ? ' (restarted with the new unit)' : ''}; it starts with your user session. Logs: journalctl --user -u ${UNIT_NAME}`,
      );
  } else {
    if (!ctx.dryRun) mkdirSync(spec.logDir, { recursive: true, mode: 0o700 });
    const domain = `gui/${ctx.uid}`;
    const target = `${domain}/${label}`;
    const loaded = ctx.dryRun ? prev !== null : ctx.run('launchctl', ['print', target]).status === 0;
    const steps: Array<[string, string[]]> = [];
    if (loaded && changed) steps.push(['launchctl', ['bootout', target]]);
    if (!loaded || changed) steps.push(['launchctl', ['enable', target]], ['launchctl', ['bootstrap', domain, file]]);
    else steps.push(['launchctl', ['kickstart', target]]); // loaded and unchanged: make sure it runs, do not restart it
    ok = runSteps(
      ctx,
      steps,
      manual,
      (cmd, args, r, todo) => {
        const run = todo.map((c) => `    ${c}`);
        if (r.status === null) return [`launchctl was not found (${firstLine(r)}). The agent file is in place; run:`, ...run];
        if (/domain|Could not find|125|not privileged/i.test(r.stderr + r.stdout)) {
          return [
            `\`${shown(cmd, args)}\` failed: ${firstLine(r)}. There is no GUI login session for uid ${ctx.uid} here (SSH or a container?). The agent file is in place and loads at your next login; to start it now from a GUI session run:`,
            ...run,
          ];
        }
        return [
          `\`${shown(cmd, args)}\` failed: ${firstLine(r)}. Run \`launchctl print ${target}\` and read ${join(spec.logDir, 'sidecar.log')}; then:`,
          ...run,
        ];
      },
      lines,
    );
    if (ok)
      lines.push(
        ctx.dryRun
          ? `Would load ${label} into ${domain}.`
          : `Loaded ${label} into ${domain}; it starts at login and restarts after a crash. Logs: ${join(spec.logDir, 'sidecar.log')}`,
      );
  }
  return { kind, file, content, changed, ran: ctx.ran, manual, lines, ok };
}

/** Stop and disable the service and remove its file. Safe to run again. */
export async function serviceUninstall(spec: Pick<ServiceSpec, 'label'> = {}, context: ServiceContext = {}): Promise<ServiceOutcome> {
  const ctx = ctxOf(context);
  const label = spec.label ?? DEFAULT_LABEL;
  const { kind, file } = kindOf(ctx, label);
  const lines: string[] = [...rootWarning(ctx)];
  const manual: string[] = [];
  let ok = true;
  if (!existsSync(file)) {
    lines.push(`No service file at ${file}; nothing to remove.`);
    return { kind, file, changed: false, ran: ctx.ran, manual, lines, ok };
  }
  if (kind === 'systemd') {
    const r = ctx.run(...SC('disable', '--now', UNIT_NAME));
    if (r.status !== 0) {
      ok = false;
      if (r.status === null || noUserBus(r)) {
        manual.push(shown(...SC('disable', '--now', UNIT_NAME)), shown(...SC('daemon-reload')));
        lines.push(`Could not stop the service through systemctl (${firstLine(r)}); if it is running in a user session, run there: ${manual.join(' && ')}`);
      } else {
        lines.push(`\`${shown(...SC('disable', '--now', UNIT_NAME))}\` failed: ${firstLine(r)}; removing the file anyway.`);
      }
    }
    if (!ctx.dryRun) unlinkSync(file);
    lines.push(`${ctx.dryRun ? 'Would remove' : 'Removed'} ${file}.`);
    if (ok) ctx.run(...SC('daemon-reload'));
  } else {
    const target = `gui/${ctx.uid}/${label}`;
    const r = ctx.run('launchctl', ['bootout', target]);
    // 3 / 113 / "No such process": it was not loaded, which is what we want
    if (r.status !== 0 && !(r.status === 3 || r.status === 113 || /No such process|not find/i.test(r.stderr))) {
      ok = false;
      manual.push(shown('launchctl', ['bootout', target]));
      lines.push(`\`launchctl bootout ${target}\` failed: ${firstLine(r)}; removing the file anyway. If the sidecar still runs, run: ${manual[0]}`);
    }
    if (!ctx.dryRun) unlinkSync(file);
    lines.push(`${ctx.dryRun ? 'Would remove' : 'Removed'} ${file}.`);
  }
  return { kind, file, changed: true, ran: ctx.ran, manual, lines, ok };
}

export interface ServiceStatus {
  kind: 'systemd' | 'launchd';
  file: string;
  installed: boolean;
  /** the file matches what `service install` would write now (false: node or the package moved) */
  current: boolean | null;
  /** the service manager answered */
  managerReachable: boolean;
  active: string | null;
  enabled: string | null;
  pid: number | null;
  restarts: number | null;
  lastExit: string | null;
  lines: string[];
}

/** What the service manager says about the service, plus whether the file is current. */
export async function serviceStatus(spec: ServiceSpec, context: ServiceContext = {}): Promise<ServiceStatus> {
  const ctx = ctxOf(context);
  const label = spec.label ?? DEFAULT_LABEL;
  const { kind, file } = kindOf(ctx, label);
  const text = readOr(file);
  const want = kind === 'systemd' ? systemdUnit(spec) : launchdPlist({ ...spec, label });
  const st: ServiceStatus = {
    kind,
    file,
    installed: text !== null,
    current: text === null ? null : text === want,
    managerReachable: false,
    active: null,
    enabled: null,
    pid: null,
    restarts: null,
    lastExit: null,
    lines: [],
  };
  const L = st.lines;
  L.push(
    text === null
      ? `Service: not installed (no ${file}). Install with \`mcpproxy-hook service install\`.`
      : `Service file: ${file}${st.current ? '' : ' (OUT OF DATE: node or the package moved; run `mcpproxy-hook service install` again)'}`,
  );
  if (kind === 'systemd') {
    const r = ctx.run(...SC('show', UNIT_NAME, '--property=LoadState,ActiveState,SubState,UnitFileState,MainPID,NRestarts,ExecMainStatus'));
    if (r.status !== 0) {
      L.push(
        r.status === null
          ? `systemctl not found (${firstLine(r)}); cannot ask systemd.`
          : `systemctl --user did not answer (${firstLine(r)}); no user service manager in this session.`,
      );
      return st;
    }
    st.managerReachable = true;
    const kv = new Map(r.stdout.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as [string, string]));
    st.active = kv.get('ActiveState') ? `${kv.get('ActiveState')} (${kv.get('SubState')})` : null;
    st.enabled = kv.get('UnitFileState') || null;
    const pid = Number(kv.get('MainPID'));
    st.pid = Number.isInteger(pid) && pid > 0 ? pid : null;
    const n = Number(kv.get('NRestarts'));
    st.restarts = Number.isInteger(n) ? n : null;
    st.lastExit = kv.get('ExecMainStatus') ?? null;
    if (kv.get('LoadState') === 'not-found') L.push(`systemd does not know ${UNIT_NAME}${text !== null ? ' yet: run `systemctl --user daemon-reload`' : ''}.`);
    else
      L.push(
        `systemd: ${st.active ?? 'unknown'}, ${st.enabled ?? 'unknown'}${st.pid ? `, pid ${st.pid}` : ''}${st.restarts ? `, restarted ${st.restarts} times` : ''}${st.lastExit && st.lastExit !== '0' ? `, last exit status ${st.lastExit}${st.lastExit === '78' ? ' (config error: mcpproxy-hook config --check)' : ''}` : ''}`,
      );
    if (kv.get('ActiveState') === 'failed') L.push(`It failed; see why with: journalctl --user -u ${UNIT_NAME} -n 50`);
  } else {
    const target = `gui/${ctx.uid}/${label}`;
    const r = ctx.run('launchctl', ['print', target]);
    if (r.status === null) {
      L.push(`launchctl not found (${firstLine(r)}).`);
      return st;
    }
    st.managerReachable = true;
    if (r.status !== 0) {
      st.active = 'not loaded';
      L.push(`launchd: ${label} is not loaded${text !== null ? ` (load it with: launchctl bootstrap gui/${ctx.uid} ${shellWord(file)})` : ''}.`);
      return st;
    }
    const m = (re: RegExp): string | null => re.exec(r.stdout)?.[1] ?? null;
    st.active = m(/^\s*state = (.+)$/m);
    const pid = Number(m(/^\s*pid = (\d+)$/m));
    st.pid = pid > 0 ? pid : null;
    const runs = Number(m(/^\s*runs = (\d+)$/m));
    st.restarts = Number.isInteger(runs) && runs > 0 ? runs - 1 : null;
    st.lastExit = m(/^\s*last exit code = (.+)$/m);
    st.enabled = 'loaded';
    L.push(`launchd: ${st.active ?? 'unknown'}${st.pid ? `, pid ${st.pid}` : ''}${st.lastExit ? `, last exit ${st.lastExit}` : ''}`);
  }
  return st;
}

// ------------------------------------------------------------------------------------------ CLI

export interface ServiceDeps {
  /** absolute path of the CLI entry the service runs (bin/mcpproxy-hook.js) */
  cliPath: () => string;
  resolvePaths: () => { stateDir: string; socket: string; relocated: boolean };
  /** the node executable (default process.execPath) */
  node?: () => string;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  home?: string;
  uid?: number;
  runner?: Runner;
  /** does a sidecar answer on this socket? (default: a ping over the socket) */
  ping?: (socket: string) => Promise<boolean>;
  out?: (s: string) => void;
  err?: (s: string) => void;
}

/** The variables the service needs to find the same files as the CLI, as absolute paths. */
export function serviceEnv(env: NodeJS.ProcessEnv, paths: { stateDir: string; relocated: boolean }): Record<string, string> {
  const out: Record<string, string> = {};
  if (paths.relocated) out.MCPPROXY_HOOK_HOME = paths.stateDir;
  for (const k of SERVICE_ENV_KEYS) {
    if (k === 'MCPPROXY_HOOK_HOME') continue;
    const v = env[k];
    if (v) out[k] = resolve(v);
  }
  return out;
}

async function defaultPing(socket: string): Promise<boolean> {
  const { request } = await import('./transport/client.ts');
  try {
    await request(socket, { t: 'ping' }, 1000);
    return true;
  } catch {
    return false;
  }
}

/** `service install [--dry-run]`, `service uninstall`, `service status`. */
export function registerServiceCommands(program: Command, deps: ServiceDeps): void {
  const out = deps.out ?? ((s: string) => void process.stdout.write(s));
  const err = deps.err ?? ((s: string) => void process.stderr.write(s));
  const env = (): NodeJS.ProcessEnv => deps.env ?? process.env;
  const context = (dryRun = false): ServiceContext => ({
    env: env(),
    dryRun,
    ...(deps.platform ? { platform: deps.platform } : {}),
    ...(deps.home ? { home: deps.home } : {}),
    ...(deps.uid !== undefined ? { uid: deps.uid } : {}),
    ...(deps.runner ? { runner: deps.runner } : {}),
  });
  const spec = (): { spec: ServiceSpec; socket: string } => {
    const paths = deps.resolvePaths();
    const cli = deps.cliPath();
    if (!existsSync(cli)) throw new ServiceError(`the CLI ${cli} does not exist; build the package first (npm run build)`);
    return { spec: { node: (deps.node ?? (() => process.execPath))(), cli, env: serviceEnv(env(), paths), logDir: paths.stateDir }, socket: paths.socket };
  };
  const guard =
    <A extends unknown[]>(fn: (...a: A) => Promise<void>) =>
    async (...a: A): Promise<void> => {
      try {
        await fn(...a);
      } catch (e) {
        if (!(e instanceof ServiceError)) throw e;
        err(`mcpproxy-hook: ${e.message}\n`);
        process.exitCode = 1;
      }
    };
  const ping = deps.ping ?? defaultPing;

  const svc = program
    .command('service')
    .description('run the sidecar under systemd (Linux, user unit) or launchd (macOS) so it starts at login and restarts after a crash');

  svc
    .command('install')
    .description('write the service file, enable and start the service (safe to run again)')
    .option('--dry-run', 'print the file and the commands instead of writing or running anything')
    .action(
      guard(async (o: { dryRun?: boolean }) => {
        const { spec: s, socket } = spec();
        if (s.cli.includes('/_npx/'))
          out(
            `Note: ${s.cli} is in npx's cache, which npm may clear; install the package (npm install -g mcpproxy-hook) and run this from there for a service that lasts.\n`,
          );
        const before = o.dryRun ? false : await ping(socket);
        const r = await serviceInstall(s, context(o.dryRun));
        if (o.dryRun) {
          out(`# ${r.file}\n${r.content}\n# commands\n${r.ran.map((c) => shown(c.cmd, c.args)).join('\n')}\n`);
          return;
        }
        out(r.lines.join('\n') + '\n');
        if (!r.ok) {
          process.exitCode = 1;
          return;
        }
        let up = false;
        for (let i = 0; i < 15 && !up; i++) {
          up = await ping(socket);
          if (!up) await new Promise((res) => setTimeout(res, 200));
        }
        if (up) out(`The sidecar answers on ${socket}.\n`);
        else {
          out(
            `The service started but no sidecar answers on ${socket} yet. ${r.kind === 'systemd' ? `See: journalctl --user -u ${UNIT_NAME} -n 50` : `See: ${join(s.logDir, 'sidecar.log')}`}\n`,
          );
          process.exitCode = 1;
        }
        if (before && r.changed)
          out(
            'A sidecar was already answering before the service started: if you started one by hand (`mcpproxy-hook daemon &`), stop it, or the service cannot take over the socket.\n',
          );
      }),
    );

  svc
    .command('uninstall')
    .description('stop and disable the service and remove its file')
    .action(
      guard(async () => {
        const r = await serviceUninstall({}, context());
        out(r.lines.join('\n') + '\n');
        if (!r.ok) process.exitCode = 1;
      }),
    );

  svc
    .command('status')
    .description('is the service installed, current, running; restarts and last exit status')
    .option('--json', 'machine-readable output')
    .action(
      guard(async (o: { json?: boolean }) => {
        const { spec: s, socket } = spec();
        const st = await serviceStatus(s, context());
        const answers = await ping(socket);
        if (o.json) {
          const { lines: _lines, ...rest } = st;
          out(JSON.stringify({ ...rest, sidecarAnswers: answers, socket }, null, 2) + '\n');
        } else out([...st.lines, `Sidecar socket ${socket}: ${answers ? 'answers' : 'no answer'}`].join('\n') + '\n');
        if (!st.installed || !answers) process.exitCode = 3;
      }),
    );
}
