/** Cloud storage CLIs: aws, gsutil, gcloud storage, az storage, azcopy, s3cmd, rclone. */
import type { Word } from '../ast.ts';
import { hasOpt, optVals, parseOpts } from '../options.ts';
import { normHost } from '../hosts.ts';
import { type Call, type CmdResult, type Ctx, EG, EG_STDIN, NONE } from '../context.ts';

const AWS_LONG = [
  'profile',
  'region',
  'endpoint-url',
  'output',
  'query',
  'ca-bundle',
  'cli-read-timeout',
  'cli-connect-timeout',
  'color',
  'cli-binary-format',
  'include',
  'exclude',
  'acl',
  'storage-class',
  'sse',
  'sse-c',
  'sse-c-key',
  'sse-kms-key-id',
  'content-type',
  'cache-control',
  'content-disposition',
  'content-encoding',
  'content-language',
  'expires',
  'grants',
  'metadata',
  'metadata-directive',
  'expected-size',
  'website-redirect',
  'source-region',
  'page-size',
  'request-payer',
  'checksum-algorithm',
  'bucket',
  'key',
  'body',
];

export function aws(ctx: Ctx, args: Word[]): CmdResult {
  const p = parseOpts(args.slice(1), '', AWS_LONG, false);
  const [svc, op] = [p.pos[0]?.text ?? '', p.pos[1]?.text ?? ''];
  for (const v of optVals(p.opts, '--endpoint-url')) ctx.hostOf(v);
  if (svc === 's3' && (op === 'cp' || op === 'mv' || op === 'sync')) {
    const src = p.pos[2];
    const dst = p.pos[3];
    if (!src || !dst) return NONE;
    const srcR = /^s3:\/\//i.test(src.text);
    const dstR = /^s3:\/\//i.test(dst.text);
    if (dstR && !srcR) {
      ctx.hostOf(dst);
      ctx.egress(`aws s3 ${op}`);
      if (src.text === '-') return EG_STDIN;
      ctx.upload(src.text);
      return EG;
    }
    if (srcR && !dstR) ctx.write(dst.text);
    return NONE;
  }
  const files: string[] = [];
  for (const w of [...p.pos, ...p.opts.map((o) => o.value).filter((v): v is Word => !!v)]) {
    const m = /^fileb?:\/\/(.+)$/.exec(w.text);
    if (m) files.push(m[1]!);
  }
  if (svc === 's3api' && (op === 'put-object' || op === 'upload-part')) {
    for (const v of optVals(p.opts, '--body')) files.push(v.text);
    for (const v of optVals(p.opts, '--bucket')) ctx.hostName(normHost(v.shape));
  }
  for (const f of files) ctx.read(f);
  if (/^(send|publish|put|upload|import|invoke)/.test(op) || (files.length && /^(create|update|modify|set|register|add|start)/.test(op))) {
    ctx.upload(files);
    ctx.egress(`aws ${svc} ${op}`);
    return EG;
  }
  return NONE;
}

export function cloud(ctx: Ctx, args: Word[], call: Call): CmdResult {
  const { name } = call;
  const pos = args.slice(1).filter((w) => !w.text.startsWith('-'));
  const copy = (label: string, paths: Word[], isRemote: (w: Word) => boolean, stdinOk: boolean): CmdResult => {
    if (paths.length < 2) return NONE;
    const dst = paths[paths.length - 1]!;
    const srcs = paths.slice(0, -1);
    if (isRemote(dst) && srcs.some((s) => !isRemote(s))) {
      ctx.hostOf(dst);
      const local = srcs.filter((s) => !isRemote(s)).map((s) => s.text);
      ctx.upload(local);
      ctx.egress(label);
      return { egress: true, stdin: stdinOk && local.includes('-') };
    }
    if (!isRemote(dst) && srcs.some(isRemote)) ctx.write(dst.text);
    return NONE;
  };
  switch (name) {
    case 'gsutil': {
      let i = 1;
      while (i < args.length && args[i]!.text.startsWith('-')) i += ['-h', '-o', '-u', '-i', '-p'].includes(args[i]!.text) ? 2 : 1;
      const sub = args[i]?.text ?? '';
      if (!['cp', 'mv', 'rsync'].includes(sub)) return NONE;
      const p = parseOpts(args.slice(i + 1), 'ajLsxyz', [], false);
      const r = copy(`gsutil ${sub}`, p.pos, (w) => /^gs:\/\//i.test(w.text), true);
      return hasOpt(p.opts, '-I') && r.egress ? EG_STDIN : r;
    }
    case 'gcloud': {
      const si = pos.findIndex((w) => w.text === 'storage');
      const sub = si >= 0 ? (pos[si + 1]?.text ?? '') : '';
      if (!['cp', 'mv', 'rsync'].includes(sub)) return NONE;
      return copy(`gcloud storage ${sub}`, pos.slice(si + 2), (w) => /^gs:\/\//i.test(w.text), true);
    }
    case 'az': {
      if (pos[0]?.text !== 'storage' || !pos.some((w) => /^(upload|upload-batch|sync)$/.test(w.text))) return NONE;
      const p = parseOpts(
        args.slice(1),
        'fsn',
        ['file', 'source', 'account-name', 'container-name', 'name', 'destination', 'connection-string', 'account-key', 'sas-token', 'path'],
        false,
      );
      ctx.upload(optVals(p.opts, '-f', '--file', '-s', '--source').map((w) => w.text));
      for (const v of optVals(p.opts, '--account-name')) ctx.hostName(normHost(`${v.shape}.blob.core.windows.net`));
      ctx.egress(
        `az ${pos
          .slice(0, 3)
          .map((w) => w.text)
          .join(' ')}`,
      );
      return EG;
    }
    case 'azcopy':
      if (!['copy', 'cp', 'sync'].includes(pos[0]?.text ?? '')) return NONE;
      return copy(`azcopy ${pos[0]!.text}`, pos.slice(1), (w) => /^https?:\/\//i.test(w.text), false);
    case 's3cmd':
      if (!['put', 'sync', 'cp', 'mv'].includes(pos[0]?.text ?? '')) return NONE;
      return copy(`s3cmd ${pos[0]!.text}`, pos.slice(1), (w) => /^s3:\/\//i.test(w.text), false);
    case 'rclone': {
      const sub = pos[0]?.text ?? '';
      const isRemote = (w: Word): boolean => /^[\w.\- ]+:/.test(w.text) && !/^[A-Za-z]:[\\/]/.test(w.text);
      if (sub === 'rcat' && pos[1] && isRemote(pos[1])) {
        ctx.egress('rclone rcat');
        return EG_STDIN;
      }
      if (!['copy', 'copyto', 'move', 'moveto', 'sync', 'bisync'].includes(sub)) return NONE;
      return copy(`rclone ${sub}`, pos.slice(1, 3), isRemote, false);
    }
    default:
      return NONE;
  }
}
