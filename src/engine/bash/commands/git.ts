/** git: pushes, remotes added or changed, send-email, config of remote URLs. */
import type { Word } from '../ast.ts';
import { hostFromUrlish, remoteSpec } from '../hosts.ts';
import { optVals, parseOpts } from '../options.ts';
import { type CmdResult, type Ctx, EG, EG_STDIN, NONE } from '../context.ts';
export function gitRemote(ctx: Ctx, w: Word | undefined): void {
  if (!w) return;
  const r = remoteSpec(w);
  if (!r) return;
  ctx.url(w.text);
  ctx.hostName(r.host);
}

export function git(ctx: Ctx, args: Word[]): CmdResult {
  let i = 1;
  while (i < args.length) {
    const t = args[i]!.text;
    if (['-C', '-c', '--git-dir', '--work-tree', '--namespace', '--config-env', '--super-prefix', '--exec-path', '--list-cmds'].includes(t)) {
      i += 2;
      continue;
    }
    if (t.startsWith('-')) {
      i++;
      continue;
    }
    break;
  }
  const sub = args[i]?.text;
  const rest = args.slice(i + 1);
  switch (sub) {
    case 'push': {
      const p = parseOpts(rest, 'o', ['repo', 'push-option', 'receive-pack', 'exec'], false);
      for (const v of optVals(p.opts, '--repo')) gitRemote(ctx, v);
      gitRemote(ctx, p.pos[0]);
      ctx.egress('git push');
      return EG;
    }
    case 'remote': {
      const p = parseOpts(rest, 'tm', [], false);
      const action = p.pos[0]?.text;
      if (action === 'add' && p.pos[2]) {
        gitRemote(ctx, p.pos[2]);
        ctx.egress('git remote add');
        return EG;
      }
      if (action === 'set-url' && p.pos.length >= 3) {
        gitRemote(ctx, p.pos[p.pos.length - 1]);
        ctx.egress('git remote set-url');
        return EG;
      }
      return NONE;
    }
    case 'send-email': {
      const p = parseOpts(rest, '', ['to', 'cc', 'bcc', 'from', 'subject', 'smtp-server', 'smtp-server-port', 'smtp-user', 'in-reply-to', 'identity', 'smtp-encryption', 'confirm', 'suppress-cc', 'smtp-domain'], false);
      for (const o of p.opts) {
        const v = o.value;
        if (!v) continue;
        if (['--to', '--cc', '--bcc'].includes(o.name)) for (const r of v.shape.split(',')) ctx.hostName(hostFromUrlish(r.replace(/^.*</, '').replace(/>.*$/, '')));
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
      if (val && /^(remote\..+\.(push)?url|url\..+\.(push)?insteadof)$/i.test(key)) {
        gitRemote(ctx, val);
        ctx.egress('git config remote');
        return EG;
      }
      return NONE;
    }
    case 'lfs':
    case 'subtree': {
      const p = parseOpts(rest, 'P', ['prefix', 'message', 'branch'], false);
      if (p.pos[0]?.text === 'push') {
        gitRemote(ctx, p.pos[1]);
        ctx.egress('git push');
        return EG;
      }
      return NONE;
    }
    default:
      return NONE;
  }
}
