/** Remote shells and copies: ssh, ssh-copy-id, scp, rsync, sftp, ftp, lftp, tftp, telnet. */
import type { Word } from '../ast.ts';
import { hasOpt, optVals, parseOpts } from '../options.ts';
import { hostFromUrlish, remoteSpec } from '../hosts.ts';
import { type Call, type CmdResult, type Ctx, EG, EG_STDIN, NO_STDIN, NONE } from '../context.ts';

const RSYNC_LONG = [
  'rsh',
  'exclude',
  'include',
  'exclude-from',
  'include-from',
  'files-from',
  'filter',
  'rsync-path',
  'password-file',
  'log-file',
  'temp-dir',
  'partial-dir',
  'backup-dir',
  'suffix',
  'chmod',
  'chown',
  'block-size',
  'bwlimit',
  'timeout',
  'contimeout',
  'port',
  'address',
  'sockopts',
  'compare-dest',
  'copy-dest',
  'link-dest',
  'max-size',
  'min-size',
  'max-delete',
  'modify-window',
  'out-format',
  'log-file-format',
  'iconv',
  'usermap',
  'groupmap',
  'info',
  'debug',
  'write-batch',
  'read-batch',
  'only-write-batch',
  'protocol',
  'remote-option',
  'checksum-choice',
  'compress-choice',
  'compress-level',
  'skip-compress',
  'outbuf',
  'stop-after',
  'stop-at',
  'early-input',
  'config',
  'dparam',
];

export function ssh(ctx: Ctx, args: Word[], call: Call): CmdResult {
  const { name, depth } = call;
  const p = parseOpts(
    args.slice(1),
    name === 'autossh' ? 'BbcDEeFIiJLlmOoPpQRSWwM' : 'BbcDEeFIiJLlmOoPpQRSWw',
    ['ssh', 'port', 'predict', 'family', 'experimental-remote-ip'],
    true,
  );
  if (hasOpt(p.opts, '-G', '-V')) return NONE;
  const dest = p.pos[0];
  if (!dest) return NONE;
  for (const o of p.opts) {
    const v = o.value;
    if (!v) continue;
    switch (o.name) {
      case '-i':
      case '-F':
        ctx.read(v.text);
        break;
      case '-E':
        ctx.write(v.text);
        break;
      case '-J':
        for (const h of v.shape.split(',')) ctx.hostName(hostFromUrlish(h));
        break;
      case '-W':
        ctx.hostName(hostFromUrlish(v.shape));
        break;
      case '-o': {
        const m = /^\s*(\w+)\s*[=\s]\s*([\s\S]*)$/.exec(v.text);
        if (!m) break;
        const key = m[1]!.toLowerCase();
        if (key === 'proxycommand') ctx.analyzeSource(m[2]!, depth + 1, NO_STDIN);
        else if (key === 'proxyjump' || key === 'hostname') for (const h of m[2]!.split(',')) ctx.hostName(hostFromUrlish(h));
        else if (key === 'identityfile') ctx.read(m[2]!);
        break;
      }
      default:
        break;
    }
  }
  ctx.hostOf(dest);
  ctx.egress(name);
  // the destination and the remote command go out; -i key, -F config, -E log stay here
  ctx.send([dest, ...p.pos.slice(1), ...optVals(p.opts, '-o', '-L', '-R', '-D', '-W')]);
  return { egress: true, stdin: !hasOpt(p.opts, '-n', '-f') };
}

export function copyLike(ctx: Ctx, label: string, args: Word[], shortArg: string, longArg: string[]): CmdResult {
  const p = parseOpts(args.slice(1), shortArg, longArg, false);
  for (const o of p.opts) {
    const v = o.value;
    if (!v) continue;
    if (['-i', '-F', '--files-from', '--exclude-from', '--include-from', '--password-file', '--read-batch'].includes(o.name)) {
      ctx.read(v.text);
      if (o.name === '--files-from') ctx.acc.lists.push(v.text);
    } else if (['--log-file', '--write-batch', '--only-write-batch'].includes(o.name)) ctx.write(v.text);
    else if (o.name === '-J') for (const h of v.shape.split(',')) ctx.hostName(hostFromUrlish(h));
  }
  const specs = p.pos.map((w) => ({ w, r: remoteSpec(w) }));
  if (!specs.length) return NONE;
  const anyRemote = specs.some((s) => s.r);
  for (const s of specs) if (s.r) ctx.hostName(s.r.host);
  if (specs.length === 1) {
    if (!anyRemote) ctx.read(specs[0]!.w.text);
  } else {
    const dst = specs[specs.length - 1]!;
    const srcs = specs.slice(0, -1);
    if (dst.r) {
      for (const s of srcs) if (!s.r) ctx.upload(s.w.text);
    } else {
      for (const s of srcs) if (!s.r) ctx.read(s.w.text);
      ctx.write(dst.w.text);
    }
  }
  if (!anyRemote) return NONE;
  ctx.egress(label);
  // remote specs name paths there; local sources are uploads, checked as files
  ctx.send(specs.filter((s) => s.r).map((s) => s.w));
  return EG;
}

export function sftp(ctx: Ctx, args: Word[], call: Call): CmdResult {
  const { stdin } = call;
  const p = parseOpts(args.slice(1), 'BbcDFiJlOoPRSs', [], true);
  for (const v of optVals(p.opts, '-i', '-F', '-b')) ctx.read(v.text);
  const dest = p.pos[0];
  if (!dest) return NONE;
  ctx.hostOf(dest);
  if (stdin.text !== null) ftpScript(ctx, stdin.text);
  ctx.egress('sftp');
  return EG_STDIN;
}

export function ftpScript(ctx: Ctx, text: string): void {
  for (const line of text.split(/[\n;]/)) {
    const toks = line.trim().split(/\s+/);
    const cmd = (toks[0] ?? '').toLowerCase();
    if (cmd === 'put' || cmd === 'reput' || cmd === 'append' || cmd === 'send') ctx.upload(toks.slice(1).find((x) => !x.startsWith('-')));
    else if (cmd === 'mput') ctx.upload(toks.slice(1).filter((x) => !x.startsWith('-')));
    else if (cmd === 'mirror' && toks.some((x) => x === '-R' || x === '--reverse')) ctx.upload(toks.slice(1).find((x) => !x.startsWith('-')));
    else if (cmd === 'open') {
      const h = toks.slice(1).find((x) => !x.startsWith('-'));
      if (h) ctx.hostName(hostFromUrlish(h));
    }
  }
}

export function ftpLike(ctx: Ctx, args: Word[], call: Call): CmdResult {
  const { name, stdin } = call;
  let host: Word | undefined;
  const scripts: string[] = [];
  const a = args.slice(1);
  if (name === 'tftp') {
    const ci = a.findIndex((w) => w.text === '-c');
    const before = ci >= 0 ? a.slice(0, ci) : a;
    host = parseOpts(before, 'mR', [], false).pos[0];
    if (ci >= 0)
      scripts.push(
        a
          .slice(ci + 1)
          .map((w) => w.text)
          .join(' '),
      );
  } else if (name === 'lftp') {
    const p = parseOpts(a, 'ecpuf', ['rcfile', 'env-password'], false);
    for (const v of optVals(p.opts, '-e', '-c')) scripts.push(v.text);
    for (const v of optVals(p.opts, '-f')) ctx.read(v.text);
    host = p.pos[0];
  } else if (name === 'ncftpput') {
    const p = parseOpts(a, 'udeptUBfXYWSTjP', [], false);
    for (const v of optVals(p.opts, '-f')) ctx.read(v.text);
    host = p.pos[0];
    ctx.upload(p.pos.slice(2).map((w) => w.text));
  } else if (name === 'telnet') {
    host = parseOpts(a, 'belnkSXs', [], true).pos[0];
  } else {
    host = parseOpts(a, 'Po', [], true).pos[0];
  }
  if (stdin.text !== null) scripts.push(stdin.text);
  for (const s of scripts) ftpScript(ctx, s);
  if (!host && !scripts.length) return NONE;
  ctx.hostOf(host);
  ctx.egress(name);
  return EG_STDIN;
}

export function sshCopyId(ctx: Ctx, args: Word[]): CmdResult {
  const p = parseOpts(args.slice(1), 'iopFt', [], false);
  if (!p.pos.length) return NONE;
  for (const v of optVals(p.opts, '-i')) ctx.upload(v.text);
  ctx.hostOf(p.pos[0]);
  ctx.egress('ssh-copy-id');
  return EG;
}

export function scp(ctx: Ctx, args: Word[]): CmdResult {
  return copyLike(ctx, 'scp', args, 'cDFiJloPSX', []);
}

export function rsync(ctx: Ctx, args: Word[]): CmdResult {
  return copyLike(ctx, 'rsync', args, 'efBTM', RSYNC_LONG);
}
