/**
 * git: pushes (where to, what), remotes added or changed (`remote add/set-url`, `config
 * remote.X.url`, `url.X.insteadOf`), send-email, and the global options before the subcommand
 * that change what a subcommand does: `-c remote.X.url=…`, `-c core.sshCommand=…` (code that
 * runs), `--exec-path=dir` (programs from elsewhere).
 */
import type { Word } from '../ast.ts';
import { type Call, type CmdResult, type Ctx, EG, EG_STDIN, NO_STDIN, NONE } from '../context.ts';
import type { GitFact } from '../facts.ts';
import { hostFromUrlish, remoteSpec } from '../hosts.ts';
import { optVals, parseOpts } from '../options.ts';
import { COMMAND_KEYS, configScope, INSTEADOF_KEY, isUrlRemote, parseGlobals, PATH_KEYS, PROXY_KEYS, REMOTE_URL_KEY as URL_KEY } from '../../git/argv.ts';

/** A remote or URL as pushed to: a URL (or path) is returned as the URL. */
function pushUrl(remote: string): string | undefined {
  return isUrlRemote(remote) ? remote : undefined;
}

export function gitRemote(ctx: Ctx, w: Word | undefined): void {
  if (!w) return;
  const r = remoteSpec(w);
  if (!r) return;
  ctx.url(w.text);
  ctx.hostName(r.host);
}

function urlish(ctx: Ctx, text: string): void {
  const w: Word = { text, shape: text, raw: text, quoted: true, subs: [], vars: [], dynamic: false };
  gitRemote(ctx, w);
}

/** `-c key=value` (or `git config key value`): hosts it names, code it runs, remotes it changes. */
function configEffect(ctx: Ctx, rawKey: string, value: string, depth: number, persistent: boolean, global = false): boolean {
  const key = rawKey.toLowerCase();
  const git = ctx.acc.git.length - 1;
  const url = URL_KEY.exec(rawKey);
  if (url) {
    urlish(ctx, value);
    ctx.acc.remotes.push({ name: url[1]!, url: value, how: 'config', persistent, git, ...(global ? { global } : {}) });
    return true;
  }
  const inst = INSTEADOF_KEY.exec(rawKey);
  if (inst) {
    urlish(ctx, inst[1]!);
    urlish(ctx, value);
    ctx.acc.remotes.push({ name: null, url: inst[1]!, how: 'insteadOf', persistent, git, ...(global ? { global } : {}) });
    return true;
  }
  if (PROXY_KEYS.test(key)) {
    ctx.hostName(hostFromUrlish(value));
    return false;
  }
  if (COMMAND_KEYS.some((re) => re.test(key))) {
    const code = value.startsWith('!') ? value.slice(1) : value;
    // credential.helper=store, alias.co=checkout: a git subcommand, not shell code
    if (code !== value || /\s|\//.test(code)) return ctx.nested(code, depth, NO_STDIN).egress;
    return false;
  }
  // one invocation's hooks or includes from elsewhere (a project's own `config core.hooksPath .husky` is setup)
  if (!persistent && PATH_KEYS.test(key) && value !== '' && value !== '/dev/null') {
    ctx.opaque(`git would load ${key === 'core.hookspath' ? 'hooks' : 'configuration'} from ${value} (${rawKey}), which the guard cannot see`);
  }
  return false;
}

export function git(ctx: Ctx, args: Word[], call: Call): CmdResult {
  const { globals: g, at } = parseGlobals(args.map((w) => w.text));
  // `git --exec-path push`, `git --version push`: git prints and exits, the subcommand never runs
  const sub = g.printsOnly ? undefined : args[at]?.text;
  const rest = args.slice(at + 1);
  const fact: GitFact = {
    subcommand: sub ?? null,
    args: rest.map((w) => w.text),
    config: g.config,
    dirs: g.dirs,
    gitDir: g.gitDir,
    workTree: g.workTree,
    execPath: g.execPath,
  };
  ctx.acc.git.push(fact);
  // `-c` settings of this invocation: code that runs, remotes it points elsewhere
  let sends = false;
  const override = new Map<string, string>();
  let rewrite: string | undefined;
  for (const c of fact.config) {
    if (configEffect(ctx, c.key, c.value, call.depth, false)) sends = true;
    const u = URL_KEY.exec(c.key);
    if (u) override.set(u[1]!, c.value);
    const r = INSTEADOF_KEY.exec(c.key);
    if (r) rewrite = r[1]!;
  }
  if (fact.execPath && sub) ctx.opaque(`git would run \`git ${sub}\` from ${fact.execPath} (--exec-path), a program the guard cannot see`);
  const res = subcommand(ctx, sub, rest, call.depth, override, rewrite);
  if (res.egress || !sends) return res;
  ctx.egress(`git -c`);
  return EG;
}

function subcommand(ctx: Ctx, sub: string | undefined, rest: Word[], depth: number, override: Map<string, string>, rewrite: string | undefined): CmdResult {
  switch (sub) {
    case 'push': {
      const p = parseOpts(rest, 'o', ['repo', 'push-option', 'receive-pack', 'exec'], false);
      const repo = optVals(p.opts, '--repo');
      for (const v of repo) gitRemote(ctx, v);
      gitRemote(ctx, p.pos[0]);
      // --repo=X is the repository argument; then every positional is a refspec
      const remote = repo[0]?.text ?? p.pos[0]?.text ?? 'origin';
      const url = pushUrl(remote) ?? override.get(remote) ?? rewrite;
      const refspecs = (repo.length ? p.pos : p.pos.slice(1)).map((w) => w.text);
      ctx.acc.pushes.push({ remote, ...(url !== undefined ? { url } : {}), refspecs, command: 'git push', git: ctx.acc.git.length - 1 });
      // a push publishes commits (not words of the command): a URL pushed to, the names given to refs there, push options (the server reads them)
      ctx.send([
        ...(pushUrl(remote) ? [remote] : []),
        ...refspecs.filter((r) => r.includes(':')).map((r) => r.slice(r.indexOf(':') + 1)),
        ...optVals(p.opts, '-o', '--push-option'),
      ]);
      ctx.egress('git push');
      return EG;
    }
    case 'remote': {
      const p = parseOpts(rest, 'tm', [], false);
      const action = p.pos[0]?.text;
      if (action === 'add' && p.pos[2]) {
        gitRemote(ctx, p.pos[2]);
        ctx.acc.remotes.push({ name: p.pos[1]!.text, url: p.pos[2].text, how: 'remote add', persistent: true, git: ctx.acc.git.length - 1 });
        ctx.egress('git remote add');
        return EG;
      }
      if (action === 'set-url' && p.pos.length >= 3) {
        gitRemote(ctx, p.pos[p.pos.length - 1]);
        ctx.acc.remotes.push({
          name: p.pos[1]!.text,
          url: p.pos[p.pos.length - 1]!.text,
          how: 'remote set-url',
          persistent: true,
          git: ctx.acc.git.length - 1,
        });
        ctx.egress('git remote set-url');
        return EG;
      }
      return NONE;
    }
    case 'send-email': {
      const p = parseOpts(
        rest,
        '',
        [
          'to',
          'cc',
          'bcc',
          'from',
          'subject',
          'smtp-server',
          'smtp-server-port',
          'smtp-user',
          'in-reply-to',
          'identity',
          'smtp-encryption',
          'confirm',
          'suppress-cc',
          'smtp-domain',
        ],
        false,
      );
      for (const o of p.opts) {
        const v = o.value;
        if (!v) continue;
        if (['--to', '--cc', '--bcc'].includes(o.name))
          for (const r of v.shape.split(',')) ctx.hostName(hostFromUrlish(r.replace(/^.*</, '').replace(/>.*$/, '')));
        else if (o.name === '--smtp-server' && !v.text.startsWith('/')) ctx.hostName(hostFromUrlish(v.shape));
      }
      for (const w of p.pos) if (!w.text.includes('..') && !/^(HEAD|@)/.test(w.text)) ctx.upload(w.text);
      ctx.egress('git send-email');
      return EG;
    }
    case 'imap-send':
      ctx.egress('git imap-send');
      return EG_STDIN;
    case 'config': {
      const p = parseOpts(rest, 'f', ['file', 'blob', 'type', 'default', 'comment'], false);
      const key = p.pos[0]?.text ?? '';
      const val = p.pos[1];
      if (!val) return NONE;
      const remote = /^(remote\..+\.(push)?url|url\..+\.(push)?insteadof)$/i.test(key);
      if (remote) gitRemote(ctx, val);
      const sends = configEffect(ctx, key, val.text, depth, true, configScope(rest.map((w) => w.text)) === 'all');
      if (remote) {
        ctx.egress('git config remote');
        return EG;
      }
      return sends ? EG : NONE;
    }
    case 'lfs':
    case 'subtree': {
      const p = parseOpts(rest, 'P', ['prefix', 'message', 'branch'], false);
      if (p.pos[0]?.text === 'push') {
        gitRemote(ctx, p.pos[1]);
        const remote = p.pos[1]?.text ?? 'origin';
        const url = pushUrl(remote) ?? override.get(remote) ?? rewrite;
        ctx.acc.pushes.push({
          remote,
          ...(url !== undefined ? { url } : {}),
          refspecs: p.pos.slice(2).map((w) => w.text),
          command: `git ${sub} push`,
          git: ctx.acc.git.length - 1,
        });
        ctx.egress('git push');
        return EG;
      }
      return NONE;
    }
    case 'commit':
    case 'tag':
    case 'notes':
    case 'merge':
    case 'stash': {
      // messages written here are published by a push of the same command line
      const p = parseOpts(
        rest,
        'mFc',
        ['message', 'file', 'reuse-message', 'reedit-message', 'fixup', 'squash', 'author', 'date', 'template', 'cleanup', 'trailer'],
        false,
      );
      for (const v of optVals(p.opts, '-m', '--message', '--trailer', '--author')) ctx.acc.published.push(v.text);
      return NONE;
    }
    default:
      return NONE;
  }
}
