/** openssl: s_client connects (stdin goes out); digest and enc subcommands read files. */
import type { Word } from '../ast.ts';
import { type CmdResult, type Ctx, EG_STDIN, NONE } from '../context.ts';

export function openssl(ctx: Ctx, args: Word[]): CmdResult {
  const sub = args[1]?.text ?? '';
  const a = args.slice(2);
  let egress = false;
  const dgst = /^(dgst|md5|sha1|sha224|sha256|sha384|sha512|base64|enc)$/.test(sub);
  const argOpts = new Set([
    '-sign',
    '-verify',
    '-prverify',
    '-signature',
    '-hmac',
    '-mac',
    '-macopt',
    '-keyform',
    '-passin',
    '-passout',
    '-pass',
    '-sigopt',
    '-engine',
    '-K',
    '-iv',
    '-S',
    '-md',
    '-k',
    '-iter',
    '-servername',
    '-cipher',
    '-ciphersuites',
    '-alpn',
    '-starttls',
    '-proxy',
    '-name',
  ]);
  const pos: Word[] = [];
  for (let i = 0; i < a.length; i++) {
    const t = a[i]!.text;
    const v = a[i + 1];
    if (['-in', '-inkey', '-key', '-kfile', '-CAfile', '-cert', '-config', '-signkey', '-certfile', '-sess_in'].includes(t)) {
      ctx.read(v?.text);
      i++;
    } else if (['-out', '-keyout', '-sess_out'].includes(t)) {
      ctx.write(v?.text);
      i++;
    } else if (t === '-connect' && sub === 's_client') {
      ctx.hostOf(v);
      egress = true;
      i++;
    } else if (argOpts.has(t)) i++;
    else if (!t.startsWith('-')) pos.push(a[i]!);
  }
  if (sub === 's_client') {
    if (!egress && pos[0]) {
      ctx.hostOf(pos[0]);
      egress = true;
    }
    if (!egress) {
      ctx.hostName('localhost');
      egress = true;
    }
    ctx.egress('openssl s_client');
    return EG_STDIN;
  }
  if (dgst) for (const w of pos) ctx.read(w.text);
  return NONE;
}
