/** awk: /inet/tcp sockets of gawk, system() and pipes to commands, getline from files. */
import type { Word } from '../ast.ts';
import { normHost } from '../hosts.ts';
import { shellLiterals } from './interpreters.ts';
import { type Call, type CmdResult, type Ctx, EG_STDIN, NONE } from '../context.ts';

export function awk(ctx: Ctx, args: Word[], call: Call): CmdResult {
  const { name, depth } = call;
  let prog: string | null = null;
  let progGiven = false;
  let endOpts = false;
  const files: string[] = [];
  for (let i = 1; i < args.length; i++) {
    const t = args[i]!.text;
    if (!endOpts && t === '--') {
      endOpts = true;
      continue;
    }
    if (!endOpts && t.startsWith('-') && t.length > 1) {
      if (t === '-f' || t === '--file') {
        ctx.read(args[++i]?.text);
        progGiven = true;
      } else if (t.startsWith('-f') && !t.startsWith('--')) {
        ctx.read(t.slice(2));
        progGiven = true;
      } else if (t === '-e' || t === '--source') {
        prog = (prog ?? '') + '\n' + (args[++i]?.text ?? '');
        progGiven = true;
      } else if (['-v', '-F', '--assign', '--field-separator', '-i', '--include', '-l', '--load'].includes(t)) i++;
      continue;
    }
    if (!progGiven && prog === null) {
      prog = t;
      continue;
    }
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(t)) continue;
    files.push(t);
  }
  if (prog !== null) {
    for (const m of prog.matchAll(/getline\s*(?:[A-Za-z_]\w*\s*)?<\s*"([^"\n]{1,500})"/g)) files.push(m[1]!);
  }
  for (const f of files) ctx.read(f);
  let egress = false;
  if (prog !== null) {
    const m = /\/inet[46]?\/(?:tcp|udp)\/\d+\/([^/"'\s]+)\//.exec(prog);
    if (m || /\/inet[46]?\/(?:tcp|udp)\//.test(prog)) {
      if (m) ctx.hostName(normHost(m[1]!));
      ctx.egress(`${name} /inet`);
      egress = true;
    }
    if (/\bsystem\s*\(|\|\s*"|"\s*\|\s*getline|\|&/.test(prog) && shellLiterals(ctx, prog, depth)) egress = true;
  }
  if (!egress) return NONE;
  ctx.upload(files);
  return EG_STDIN;
}
