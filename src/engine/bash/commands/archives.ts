/** Archivers: what they pack (read) and unpack (write); `tar` to a remote archive sends. */
import type { Word } from '../ast.ts';
import { type CmdResult, type Ctx, EG, NONE } from '../context.ts';
import { remoteSpec } from '../hosts.ts';
import { hasOpt, parseOpts } from '../options.ts';

/** 7z, 7za, 7zz, 7zr */
export function sevenZip(ctx: Ctx, args: Word[]): CmdResult {
  const p = parseOpts(args.slice(1), '', [], false);
  const [cmd, arch, ...files] = p.pos;
  if (cmd && arch) {
    if (/^[au]$/.test(cmd.text)) {
      ctx.write(arch.text);
      for (const f of files) ctx.read(f.text);
    } else ctx.read(arch.text);
  }
  return NONE;
}

export function unzip(ctx: Ctx, args: Word[]): CmdResult {
  const p = parseOpts(args.slice(1), 'dP', [], false);
  ctx.read(p.pos[0]?.text);
  return NONE;
}

export function tar(ctx: Ctx, args: Word[]): CmdResult {
  let a = args.slice(1);
  let mode = '';
  let archive: Word | null = null;
  const lists: string[] = [];
  const argLetters = 'fbCTXgLNVKHI';
  if (a[0] && /^[A-Za-z]+$/.test(a[0].text)) {
    const letters = a[0].text;
    let j = 1;
    for (const ch of letters) {
      if (!mode && 'crutxdA'.includes(ch)) mode = ch;
      if (argLetters.includes(ch)) {
        const v = a[j++];
        if (ch === 'f' && v) archive = v;
        if (ch === 'T' && v) lists.push(v.text);
        if (ch === 'X' && v) ctx.read(v.text);
      }
    }
    a = a.slice(j);
  }
  const p = parseOpts(
    a,
    argLetters,
    [
      'file',
      'directory',
      'files-from',
      'exclude-from',
      'listed-incremental',
      'tape-length',
      'newer',
      'label',
      'starting-file',
      'format',
      'use-compress-program',
      'blocking-factor',
      'exclude',
      'transform',
      'xform',
      'owner',
      'group',
      'mode',
      'mtime',
      'to-command',
      'info-script',
      'new-volume-script',
      'index-file',
      'checkpoint-action',
      'rsh-command',
      'volno-file',
      'sort',
      'suffix',
      'record-size',
      'after-date',
      'newer-mtime',
    ],
    false,
  );
  const modes: Record<string, string> = {
    '-c': 'c',
    '--create': 'c',
    '-r': 'r',
    '--append': 'r',
    '-u': 'u',
    '--update': 'u',
    '-x': 'x',
    '--extract': 'x',
    '--get': 'x',
    '-t': 't',
    '--list': 't',
    '-d': 'd',
    '--diff': 'd',
    '--compare': 'd',
    '-A': 'A',
    '--catenate': 'A',
    '--concatenate': 'A',
  };
  for (const o of p.opts) {
    if (!mode && modes[o.name]) mode = modes[o.name]!;
    if ((o.name === '-f' || o.name === '--file') && o.value) archive = o.value;
    if ((o.name === '-T' || o.name === '--files-from') && o.value) lists.push(o.value.text);
    if ((o.name === '-X' || o.name === '--exclude-from') && o.value) ctx.read(o.value.text);
  }
  for (const l of lists) ctx.read(l);
  const create = mode !== '' && 'cruA'.includes(mode);
  if (create) ctx.acc.lists.push(...lists);
  const remote = archive && !hasOpt(p.opts, '--force-local') ? remoteSpec(archive) : null;
  if (create) {
    for (const w of p.pos) remote ? ctx.upload(w.text) : ctx.read(w.text);
    if (archive && !remote) ctx.write(archive.text);
  } else if (archive && !remote) ctx.read(archive.text);
  if (!remote) return NONE;
  ctx.hostName(remote.host);
  ctx.egress('tar');
  return EG;
}

export function zip(ctx: Ctx, args: Word[]): CmdResult {
  const a = args.slice(1);
  let archive: Word | null = null;
  let inList = false;
  for (let i = 0; i < a.length; i++) {
    const t = a[i]!.text;
    if (t === '-x' || t === '-i' || t === '--exclude' || t === '--include') {
      inList = true;
      continue;
    }
    if (t.startsWith('-') && t.length > 1) {
      inList = false;
      if (
        [
          '-b',
          '-n',
          '-t',
          '-tt',
          '-P',
          '-O',
          '-Z',
          '-s',
          '-sp',
          '--password',
          '--out',
          '--temp-path',
          '--suffixes',
          '--split-size',
          '--compression-method',
        ].includes(t)
      )
        i++;
      continue;
    }
    if (inList) continue;
    if (!archive) {
      archive = a[i]!;
      ctx.write(t);
    } else ctx.read(t);
  }
  return NONE;
}
