/** DNS lookups (the name itself can carry data) and ping/traceroute: the host is contacted. */
import type { Word } from '../ast.ts';
import { hostFromUrlish } from '../hosts.ts';
import { parseOpts } from '../options.ts';
import { type Call, type CmdResult, type Ctx, EG, NONE } from '../context.ts';

const DNS_TYPES = new Set([
  'a',
  'aaaa',
  'any',
  'axfr',
  'caa',
  'cname',
  'dnskey',
  'ds',
  'hinfo',
  'https',
  'ixfr',
  'mx',
  'naptr',
  'ns',
  'nsec',
  'nsec3',
  'ptr',
  'rrsig',
  'soa',
  'spf',
  'srv',
  'sshfp',
  'svcb',
  'tlsa',
  'txt',
  'in',
  'ch',
  'hs',
]);

export function dns(ctx: Ctx, args: Word[], call: Call): CmdResult {
  const { name } = call;
  const names: string[] = [];
  const a = args.slice(1);
  if (name === 'nslookup') {
    for (const w of a) {
      if (w.text.startsWith('-')) continue;
      names.push(w.shape);
    }
  } else if (name === 'host') {
    const p = parseOpts(a, 'cNRtWm', [], false);
    for (const w of p.pos.slice(0, 2)) names.push(w.shape);
  } else {
    for (let i = 0; i < a.length; i++) {
      const w = a[i]!;
      const t = w.text;
      if (t.startsWith('+')) continue;
      if (t.startsWith('@')) {
        names.push(w.shape.slice(1));
        continue;
      }
      if (t === '-f' || t === '-k') {
        ctx.read(a[++i]?.text);
        continue;
      }
      if (t === '-q' || t === '-x') {
        const v = a[++i];
        if (v) names.push(v.shape);
        continue;
      }
      if (['-b', '-c', '-p', '-t', '-y'].includes(t)) {
        i++;
        continue;
      }
      if (t.startsWith('-')) continue;
      if (DNS_TYPES.has(t.toLowerCase()) || /^type\d+$/i.test(t)) continue;
      names.push(w.shape);
    }
  }
  if (!names.length) return NONE;
  for (const n of names) ctx.hostName(hostFromUrlish(n));
  ctx.egress(name);
  return EG;
}

export function ping(ctx: Ctx, args: Word[], call: Call): CmdResult {
  const { name } = call;
  const short = name.startsWith('ping') ? 'cisIlmMpQStWwFT' : name === 'mtr' ? 'csiafmBPQLGMoyZ' : name === 'tracepath' ? 'lmp' : 'fgimNpqstwzMOA';
  const p = parseOpts(args.slice(1), short, [], false);
  const host = name.startsWith('ping') ? p.pos[p.pos.length - 1] : p.pos[0];
  if (!host) return NONE;
  ctx.hostOf(host);
  ctx.egress(name);
  return EG;
}
