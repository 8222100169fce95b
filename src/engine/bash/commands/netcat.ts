/** Raw sockets: nc/ncat/netcat (stdin goes out), socat addresses. */
import type { Word } from '../ast.ts';
import { hasOpt, parseOpts } from '../options.ts';
import { normHost } from '../hosts.ts';
import { type Call, type CmdResult, type Ctx, EG_STDIN, NO_STDIN, NONE } from '../context.ts';

export function nc(ctx: Ctx, args: Word[], call: Call): CmdResult {
  const { name, depth } = call;
  const p = parseOpts(
    args.slice(1),
    'cegGIiMmOoPpqsTVWwXx',
    [
      'exec',
      'sh-exec',
      'lua-exec',
      'output',
      'hex-dump',
      'proxy',
      'proxy-type',
      'proxy-auth',
      'proxy-dns',
      'source',
      'source-port',
      'wait',
      'idle-timeout',
      'delay',
      'max-conns',
      'allow',
      'allowfile',
      'deny',
      'denyfile',
      'ssl-cert',
      'ssl-key',
      'ssl-trustfile',
      'ssl-ciphers',
      'ssl-servername',
      'ssl-alpn',
    ],
    false,
  );
  if (hasOpt(p.opts, '-h', '--help', '--version') && !p.pos.length) return NONE;
  if (hasOpt(p.opts, '-U', '--unixsock')) return NONE;
  const listen = hasOpt(p.opts, '-l', '--listen');
  for (const o of p.opts) {
    const v = o.value;
    if (!v) continue;
    if (['-e', '-c', '--exec', '--sh-exec'].includes(o.name)) {
      // the executed program's output goes to the socket
      const b = ctx.acc.reads.length;
      ctx.analyzeSource(v.text, depth + 1, NO_STDIN);
      ctx.upload(ctx.acc.reads.slice(b));
    } else if (o.name === '-o' || o.name === '--output') ctx.write(v.text);
    else if (o.name === '--proxy' || (o.name === '-x' && name !== 'ncat')) ctx.hostOf(v);
    else if (o.name === '-x' || o.name === '--hex-dump') ctx.write(v.text);
  }
  if (!p.pos.length && !listen) return NONE;
  if (!listen && p.pos[0]) ctx.hostOf(p.pos[0]);
  ctx.egress(name);
  // what goes out is stdin (counted by the caller); the address and options stay here
  ctx.send([]);
  return EG_STDIN;
}

export function socat(ctx: Ctx, args: Word[], call: Call): CmdResult {
  const { depth } = call;
  const addrs: Word[] = [];
  for (let i = 1; i < args.length; i++) {
    const t = args[i]!.text;
    if (['-b', '-t', '-T', '-L', '-W', '-lf', '-lp', '-r', '-R'].includes(t)) {
      i++;
      continue;
    }
    if (t.length > 1 && t.startsWith('-')) continue;
    addrs.push(args[i]!);
  }
  let net = false;
  let stdinUse = false;
  const files: string[] = [];
  for (const a of addrs) {
    const t = a.text;
    const m = /^([A-Za-z0-9-]+)(?::([\s\S]*))?$/.exec(t);
    const type = (m?.[1] ?? '').toUpperCase();
    const rest = m?.[2] ?? '';
    if (t === '-' || /^(STDIO|STDIN|STDOUT|READLINE)$/.test(type)) {
      stdinUse = true;
      continue;
    }
    if (/^(TCP|UDP|SCTP|DCCP|UDPLITE|IP)[46]?(-CONNECT|-SENDTO|-DATAGRAM)?$|^(OPENSSL|SSL|DTLS)(-CONNECT)?$|^(SOCKS4A?|SOCKS5|PROXY)(-CONNECT)?$/.test(type)) {
      net = true;
      const parts = rest.split(',')[0]!.split(':');
      const hostParts = /^(SOCKS|PROXY)/.test(type) ? parts.slice(0, Math.max(1, parts.length - 1)) : parts.slice(0, 1);
      for (const h of hostParts) ctx.hostName(normHost(h));
      continue;
    }
    if (/-LISTEN$|^TCP[46]?-L$|^UDP[46]?-RECV(FROM)?$|-RECVFROM$/.test(type)) {
      net = true;
      continue;
    }
    if (type === 'EXEC' || type === 'SYSTEM') {
      const b = ctx.acc.reads.length;
      ctx.analyzeSource(rest.split(',')[0]!, depth + 1, NO_STDIN);
      files.push(...ctx.acc.reads.slice(b));
      continue;
    }
    if (/^(OPEN|FILE|GOPEN)$/.test(type)) {
      files.push(rest.split(',')[0]!);
      continue;
    }
    if (type === 'CREATE') {
      ctx.write(rest.split(',')[0]!);
      continue;
    }
    if (!m || t.startsWith('/') || t.startsWith('.')) files.push(t.split(',')[0]!);
  }
  for (const f of files) ctx.read(f);
  if (!net) return NONE;
  ctx.upload(files);
  ctx.egress('socat');
  ctx.send([]);
  return { egress: true, stdin: stdinUse };
}
