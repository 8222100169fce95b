/**
 * Wrappers that run another command (sudo, env, nohup, timeout, xargs, find -exec, eval, flock,
 * su -c, watch ...): strip them and go on with the wrapped command; their own file arguments and
 * the code they run are analysed on the way.
 */
import type { Word } from '../ast.ts';
import { type CmdResult, type Ctx, dumpEnvironment, EG_STDIN, NONE, nameOf, type Stdin } from '../context.ts';
import { hitLimit, MAX_DEPTH, MAX_WRAPPERS } from '../limits.ts';
import { hasOpt, optVals, parseOpts } from '../options.ts';
import { ASSIGN_RE, isAssignment } from '../parser.ts';
import { dispatch } from './index.ts';

const SUDO_LONG = ['user', 'group', 'prompt', 'close-from', 'chdir', 'host', 'role', 'type', 'command-timeout', 'other-user'];

export function runCommand(ctx: Ctx, argv0: Word[], depth: number, stdin: Stdin, wordReads: Map<Word, string[]>): CmdResult {
  let args = argv0;
  let viaXargs = false;
  const xargsReads: string[] = [];
  let guard = 0;
  for (; guard < MAX_WRAPPERS && args.length; guard++) {
    const name = nameOf(ctx.acc, args[0]!);
    const rest = args.slice(1);
    let next: Word[] | null = null;
    switch (name) {
      case 'sudo':
        next = parseOpts(rest, 'CDghprtTUu', SUDO_LONG, true).pos;
        while (next.length && isAssignment(next[0]!)) {
          ctx.codeInEnv(next[0]!, depth);
          next = next.slice(1);
        }
        break;
      case 'doas':
        next = parseOpts(rest, 'uC', [], true).pos;
        break;
      case 'pkexec':
        next = parseOpts(rest, '', ['user'], true).pos;
        break;
      case 'env': {
        const r = envWrapper(ctx, rest, depth, stdin);
        if ('res' in r) return r.res;
        next = r.next;
        // `env` with no command prints the environment
        if (!next.length) dumpEnvironment(ctx);
        break;
      }
      case 'nohup':
      case 'setsid':
      case 'unbuffer':
      case 'builtin':
      case 'then':
      case 'do':
      case 'else':
      case 'elif':
      case '!':
      case 'torsocks':
      case 'tsocks':
      case 'catchsegv':
      case 'firejail':
      case 'busybox':
      case 'nocorrect':
      case 'noglob':
        next = name === 'busybox' ? rest : parseOpts(rest, '', [], true).pos;
        break;
      case 'time':
        next = parseOpts(rest, 'fo', ['format', 'output'], true).pos;
        break;
      case 'command': {
        const p = parseOpts(rest, '', [], true);
        if (hasOpt(p.opts, '-v', '-V')) return NONE;
        next = p.pos;
        break;
      }
      case 'exec':
        next = parseOpts(rest, 'a', [], true).pos;
        break;
      case 'nice':
        next = parseOpts(rest, 'n', ['adjustment'], true).pos;
        break;
      case 'ionice':
        next = parseOpts(rest, 'cnpPu', ['class', 'classdata', 'pid', 'pgid', 'uid'], true).pos;
        break;
      case 'chrt':
      case 'taskset':
        next = parseOpts(rest, name === 'chrt' ? 'TPD' : '', [], true).pos.slice(1);
        break;
      case 'stdbuf':
        next = parseOpts(rest, 'ioe', ['input', 'output', 'error'], true).pos;
        break;
      case 'timeout':
        next = parseOpts(rest, 'sk', ['signal', 'kill-after'], true).pos.slice(1);
        break;
      case 'caffeinate':
        next = parseOpts(rest, 'tw', [], true).pos;
        break;
      case 'proxychains':
      case 'proxychains4':
        next = parseOpts(rest, 'f', [], true).pos;
        break;
      case 'strace':
      case 'ltrace':
        next = parseOpts(rest, 'abeEIoOpPsSuUX', [], true).pos;
        break;
      case 'xargs': {
        const p = parseOpts(rest, 'adEILnPs', ['arg-file', 'delimiter', 'max-args', 'max-procs', 'max-chars', 'process-slot-var'], true, 'eil');
        const argFiles = optVals(p.opts, '-a', '--arg-file');
        for (const v of argFiles) {
          ctx.read(v.text);
          xargsReads.push(...ctx.resolve(v.text));
          ctx.acc.lists.push(...ctx.resolve(v.text));
        }
        // the lines of its stdin are the arguments of the command it runs: files it reads, when it reads files
        if (argFiles.length === 0) ctx.acc.lists.push(...stdin.reads);
        viaXargs = true;
        if (!p.pos.length) return NONE;
        next = p.pos;
        break;
      }
      case 'watch': {
        const p = parseOpts(rest, 'nq', ['interval'], true);
        if (hasOpt(p.opts, '-x', '--exec')) {
          next = p.pos;
          break;
        }
        return ctx.nested(p.pos.map((w) => w.text).join(' '), depth, stdin);
      }
      case 'flock': {
        const p = parseOpts(rest, 'wEc', ['timeout', 'conflict-exit-code', 'command'], true);
        const c = optVals(p.opts, '-c', '--command')[0];
        if (c) return ctx.nested(c.text, depth, stdin);
        const t1 = p.pos[1]?.text;
        if ((t1 === '-c' || t1 === '--command') && p.pos[2]) return ctx.nested(p.pos[2].text, depth, stdin);
        next = p.pos.slice(1);
        break;
      }
      case 'su':
      case 'runuser': {
        const p = parseOpts(rest, 'cgGsuw', ['command', 'group', 'supp-group', 'shell', 'whitelist-environment', 'session-command', 'user'], false);
        const c = optVals(p.opts, '-c', '--command', '--session-command')[0];
        if (c) return ctx.nested(c.text, depth, stdin);
        if (name === 'runuser' && hasOpt(p.opts, '-u', '--user')) {
          next = p.pos;
          break;
        }
        return NONE;
      }
      case 'script': {
        const p = parseOpts(rest, 'cEIOT', ['command', 'echo', 'log-in', 'log-out', 'log-io', 'log-timing'], false);
        const c = optVals(p.opts, '-c', '--command')[0];
        if (c) return ctx.nested(c.text, depth, stdin);
        return NONE;
      }
      case 'parallel': {
        const p = parseOpts(rest, 'jaSdInE', ['jobs', 'arg-file', 'sshlogin', 'delimiter', 'max-args', 'eof', 'results', 'joblog', 'tmpdir', 'workdir'], true);
        const cmd: string[] = [];
        for (const w of p.pos) {
          if (/^:::[:+]*$/.test(w.text)) break;
          cmd.push(w.text);
        }
        for (const v of optVals(p.opts, '-a', '--arg-file')) ctx.read(v.text);
        if (cmd.length) return ctx.nested(cmd.join(' '), depth, stdin);
        return NONE;
      }
      case 'eval':
        return ctx.nested(rest.map((w) => w.text).join(' '), depth, stdin);
      case 'find':
        return find(ctx, rest, depth, stdin, wordReads);
      default:
        break;
    }
    if (next === null) break;
    args = next;
  }
  // every round stripped a wrapper: what is left may be one more
  if (guard === MAX_WRAPPERS && args.length) hitLimit(ctx.acc, 'wrappers');
  if (!args.length) return NONE;
  // `find … -name id_rsa | xargs cat`: the program reads the files find printed
  if (viaXargs && stdin.found?.length && FILE_READERS.has(nameOf(ctx.acc, args[0]!))) for (const f of stdin.found) ctx.read(f);
  const res = dispatch(ctx, args, depth, stdin, wordReads);
  if (res.egress && viaXargs) {
    ctx.upload(xargsReads);
    return EG_STDIN;
  }
  return res;
}

export function envWrapper(ctx: Ctx, rest: Word[], depth: number, stdin: Stdin): { res: CmdResult } | { next: Word[] } {
  let i = 0;
  while (i < rest.length) {
    const t = rest[i]!.text;
    if (t === '--') {
      i++;
      break;
    }
    if (t === '-S' || t === '--split-string' || (t.startsWith('-S') && t.length > 2) || t.startsWith('--split-string=')) {
      const sep = t === '-S' || t === '--split-string';
      const str = sep ? (rest[i + 1]?.text ?? '') : t.startsWith('-S') ? t.slice(2) : t.slice('--split-string='.length);
      const after = rest.slice(sep ? i + 2 : i + 1).map((w) => w.text);
      return { res: ctx.nested([str, ...after].join(' '), depth, stdin) };
    }
    if (t === '-u' || t === '-C' || t === '--unset' || t === '--chdir') {
      i += 2;
      continue;
    }
    if (t.startsWith('-')) {
      i++;
      continue;
    }
    if (ASSIGN_RE.test(t)) {
      ctx.codeInEnv(rest[i]!, depth);
      i++;
      continue;
    }
    break;
  }
  return { next: rest.slice(i) };
}

/**
 * Programs that read the files named in their arguments (as `xargs P` or `find -exec P {}` runs
 * them): what `find -name id_rsa | xargs cat` bundles is the contents of what find found.
 */
const FILE_READERS = new Set([
  'cat',
  'tac',
  'head',
  'tail',
  'less',
  'more',
  'base64',
  'basenc',
  'xxd',
  'od',
  'hexdump',
  'strings',
  'tar',
  'zip',
  'gzip',
  'bzip2',
  'xz',
  'zstd',
  '7z',
  'cp',
  'rsync',
  'scp',
  'curl',
  'openssl',
  'gpg',
  'paste',
  'sed',
  'awk',
  'grep',
  'jq',
]);

/** What a find prints, as patterns (`start/<any dirs>/name` for each -name / -iname; the starting points when it names none). */
function foundPatterns(starts: string[], rest: Word[]): string[] {
  const names: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const t = rest[i]!.text;
    if ((t === '-name' || t === '-iname') && rest[i + 1]) names.push(rest[i + 1]!.text);
  }
  const from = starts.length ? starts : ['.'];
  if (names.length === 0) return from;
  return from.flatMap((s) => names.map((n) => `${s.replace(/\/+$/, '')}/**/${n}`)).slice(0, 64);
}

export function find(ctx: Ctx, rest: Word[], depth: number, stdin: Stdin, wordReads: Map<Word, string[]>): CmdResult {
  let i = 0;
  while (i < rest.length && /^-[HLP]$|^-O\d$|^-D$/.test(rest[i]!.text)) i += rest[i]!.text === '-D' ? 2 : 1;
  const starts: string[] = [];
  while (i < rest.length && !/^[-(!]/.test(rest[i]!.text)) starts.push(rest[i++]!.text);
  const found = foundPatterns(starts, rest.slice(i));
  ctx.acc.found.push(...found);
  let egress = false;
  let stdinUse = false;
  for (; i < rest.length; i++) {
    const t = rest[i]!.text;
    if (t === '-exec' || t === '-execdir' || t === '-ok' || t === '-okdir') {
      const sub: Word[] = [];
      for (i++; i < rest.length && rest[i]!.text !== ';' && rest[i]!.text !== '+'; i++) sub.push(rest[i]!);
      if (!sub.length) continue;
      if (depth + 1 > MAX_DEPTH) {
        ctx.tooDeep();
        continue;
      }
      // `-exec cat {} +`: the program reads each file found
      if (sub.some((w) => w.text.includes('{}')) && FILE_READERS.has(nameOf(ctx.acc, sub[0]!))) for (const f of found) ctx.read(f);
      const r = runCommand(ctx, sub, depth + 1, stdin, wordReads);
      if (r.egress) {
        egress = true;
        stdinUse ||= r.stdin;
        if (sub.some((w) => w.text.includes('{}'))) ctx.upload(starts);
      }
    } else if (t === '-fprint' || t === '-fprint0' || t === '-fprintf' || t === '-fls') {
      ctx.write(rest[i + 1]?.text);
      i++;
    } else if (t === '-files0-from') {
      ctx.read(rest[i + 1]?.text);
      i++;
    }
  }
  return { egress, stdin: stdinUse };
}
