/**
 * Local file commands: what they read and write (cp, mv, dd, tee, sed -i, jq, yq, xxd, uniq, and
 * the plain readers). None of them sends anything; the reads and writes feed taint tracking.
 */
import type { Word } from '../ast.ts';
import { type Call, type CmdResult, type Ctx, NONE } from '../context.ts';
import { hasOpt, optVals, parseOpts } from '../options.ts';
import type { ReaderSpec } from './readers.ts';

export function dd(ctx: Ctx, args: Word[]): CmdResult {
  for (const w of args.slice(1)) {
    if (w.text.startsWith('if=')) ctx.read(w.text.slice(3));
    else if (w.text.startsWith('of=')) ctx.write(w.text.slice(3));
  }
  return NONE;
}

export function tee(ctx: Ctx, args: Word[]): CmdResult {
  for (const w of parseOpts(args.slice(1), '', [], false).pos) ctx.write(w.text);
  return NONE;
}

/** xxd, uniq: `prog [opts] [in [out]]` */
export function inOut(ctx: Ctx, args: Word[], call: Call): CmdResult {
  const p = parseOpts(args.slice(1), call.name === 'xxd' ? 'cglnosC' : 'fsw', [], false);
  ctx.read(p.pos[0]?.text);
  ctx.write(p.pos[1]?.text);
  return NONE;
}

/** A program of the READERS table: its positional arguments (and some option values) are files it reads. */
export function reader(ctx: Ctx, spec: ReaderSpec, args: Word[]): void {
  const p = parseOpts(args.slice(1), spec.s ?? '', spec.l ?? [], false);
  for (const o of p.opts) {
    if (!o.value) continue;
    if (spec.ro?.includes(o.name)) ctx.read(o.value.text);
    if (spec.wo?.includes(o.name)) ctx.write(o.value.text);
  }
  let pos = p.pos;
  if (spec.pat && !p.opts.some((o) => spec.po?.includes(o.name))) pos = pos.slice(1);
  for (const w of pos) if (!w.text.startsWith('+')) ctx.read(w.text);
}

export function copyLocal(ctx: Ctx, args: Word[], call: Call): CmdResult {
  const { name } = call;
  const p = parseOpts(args.slice(1), name === 'install' ? 'gmoSt' : 'St', ['target-directory', 'suffix', 'owner', 'group', 'mode'], false);
  if (name === 'install' && hasOpt(p.opts, '-d', '--directory')) return NONE;
  let target = optVals(p.opts, '-t', '--target-directory')[0] ?? null;
  let srcs = p.pos;
  if (!target && p.pos.length >= 2) {
    target = p.pos[p.pos.length - 1]!;
    srcs = p.pos.slice(0, -1);
  }
  if (name !== 'ln') for (const s of srcs) ctx.read(s.text);
  if (target) {
    ctx.write(target.text);
    // a target that is a directory (-t, a trailing slash, several sources): the copy is then
    // target/<name of the source>, the path a later `git add <name>` in it names
    const isDir = optVals(p.opts, '-t', '--target-directory').length > 0 || /\/$|^\.\.?$|^~$/.test(target.text) || srcs.length > 1;
    if (name !== 'ln' && isDir) {
      const dir = target.text.replace(/\/+$/, '');
      for (const s of srcs) {
        const base = s.text.replace(/\/+$/, '').split('/').pop() ?? '';
        if (dir !== '' && base !== '' && base !== '.' && base !== '..' && !/[$`*?[]/.test(base)) ctx.write(`${dir}/${base}`);
      }
    }
  }
  return NONE;
}

export function sed(ctx: Ctx, args: Word[]): CmdResult {
  const p = parseOpts(args.slice(1), 'efl', ['expression', 'file', 'line-length'], false, 'i');
  for (const v of optVals(p.opts, '-f', '--file')) ctx.read(v.text);
  const inplace = p.opts.some((o) => o.name === '-i' || o.name.startsWith('--in-place'));
  let pos = p.pos;
  if (inplace && pos[0]?.text === '' && pos[0].quoted) pos = pos.slice(1);
  if (!hasOpt(p.opts, '-e', '--expression', '-f', '--file')) pos = pos.slice(1);
  for (const w of pos) {
    ctx.read(w.text);
    if (inplace) ctx.write(w.text);
  }
  return NONE;
}

export function jq(ctx: Ctx, args: Word[]): CmdResult {
  let filterGiven = false;
  let argsMode = false;
  for (let i = 1; i < args.length; i++) {
    const t = args[i]!.text;
    if (t === '--arg' || t === '--argjson') {
      i += 2;
      continue;
    }
    if (t === '--slurpfile' || t === '--rawfile') {
      ctx.read(args[i + 2]?.text);
      i += 2;
      continue;
    }
    if (t === '-f' || t === '--from-file') {
      ctx.read(args[++i]?.text);
      filterGiven = true;
      continue;
    }
    if (t === '--args' || t === '--jsonargs') {
      argsMode = true;
      continue;
    }
    if (t === '-L' || t === '--indent') {
      i++;
      continue;
    }
    if (t.startsWith('-') && t.length > 1) continue;
    if (!filterGiven) {
      filterGiven = true;
      continue;
    }
    if (!argsMode) ctx.read(t);
  }
  return NONE;
}

export function yq(ctx: Ctx, args: Word[]): CmdResult {
  const p = parseOpts(args.slice(1), 'opIfs', ['output-format', 'input-format', 'indent', 'from-file', 'split-exp', 'expression'], false);
  for (const v of optVals(p.opts, '--from-file')) ctx.read(v.text);
  let pos = p.pos;
  if (pos[0] && /^(e|eval|ea|eval-all)$/.test(pos[0].text)) pos = pos.slice(1);
  if (!hasOpt(p.opts, '--from-file', '--expression')) pos = pos.slice(1);
  const inplace = hasOpt(p.opts, '-i', '--inplace');
  for (const w of pos) {
    ctx.read(w.text);
    if (inplace) ctx.write(w.text);
  }
  return NONE;
}
