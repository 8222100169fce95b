/** Mail senders: mail/mailx, sendmail, msmtp, mutt, swaks: recipients' hosts and attachments. */
import type { Word } from '../ast.ts';
import { hostFromUrlish } from '../hosts.ts';
import { parseOpts } from '../options.ts';
import { type Call, type CmdResult, type Ctx, EG_STDIN } from '../context.ts';

export function mail(ctx: Ctx, args: Word[], call: Call): CmdResult {
  const { name } = call;
  const a = args.slice(1);
  const recipients: Word[] = [];
  if (name === 'mutt' || name === 'neomutt') {
    for (let i = 0; i < a.length; i++) {
      const t = a[i]!.text;
      if (t === '--') {
        recipients.push(...a.slice(i + 1));
        break;
      }
      if (t === '-a') {
        for (i++; i < a.length && !a[i]!.text.startsWith('-'); i++) ctx.upload(a[i]!.text);
        i--;
        continue;
      }
      if (t === '-i' || t === '-H') {
        ctx.upload(a[++i]?.text);
        continue;
      }
      if (t === '-F') {
        ctx.read(a[++i]?.text);
        continue;
      }
      if (['-s', '-c', '-b', '-e', '-f', '-m', '-Q'].includes(t)) {
        if (t === '-c' || t === '-b') {
          const v = a[i + 1];
          if (v) recipients.push(v);
        }
        i++;
        continue;
      }
      if (t.startsWith('-')) continue;
      recipients.push(a[i]!);
    }
  } else if (name === 'swaks') {
    const p = parseOpts(
      a,
      'tfsd',
      ['to', 'from', 'server', 'attach', 'attach-body', 'body', 'data', 'header', 'helo', 'port', 'auth-user', 'auth-password', 'cc', 'bcc', 'protocol'],
      false,
    );
    for (const o of p.opts) {
      const v = o.value;
      if (!v) continue;
      if (['-t', '--to', '--cc', '--bcc'].includes(o.name)) for (const r of v.shape.split(',')) ctx.hostName(hostFromUrlish(r));
      else if (o.name === '-s' || o.name === '--server') ctx.hostName(hostFromUrlish(v.shape));
      else if (['--attach', '--attach-body'].includes(o.name)) ctx.upload(v.text.replace(/^@/, ''));
      else if (['--body', '--data', '-d'].includes(o.name) && v.text.startsWith('@')) ctx.upload(v.text.slice(1));
    }
  } else {
    const p = parseOpts(a, 'sbcrfFaACoBNRVXLOhqSu', ['subject', 'attach', 'cc', 'bcc', 'from', 'account', 'file', 'host', 'return-address'], false);
    for (const o of p.opts) {
      const v = o.value;
      if (!v) continue;
      if (['-a', '-A', '--attach'].includes(o.name)) {
        if (!/:\s/.test(v.text) && /[./]/.test(v.text)) ctx.upload(v.text);
      } else if (o.name === '-q') ctx.upload(v.text);
      else if (['-c', '-b', '--cc', '--bcc'].includes(o.name)) recipients.push(v);
      else if (o.name === '-C' && name !== 'mail' && name !== 'mailx') ctx.read(v.text);
      else if (o.name === '--host') ctx.hostOf(v);
    }
    recipients.push(...p.pos);
  }
  for (const r of recipients) {
    for (const part of r.shape.split(',')) if (part.includes('@')) ctx.hostName(hostFromUrlish(part.replace(/^.*</, '').replace(/>.*$/, '')));
  }
  ctx.egress(name);
  return EG_STDIN;
}
