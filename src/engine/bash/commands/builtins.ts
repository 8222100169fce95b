/**
 * Shell builtins that move data between files and variables: `export/declare/local X=$(..)`,
 * `read X < f`, `mapfile`, `source f`. What a variable carries is read again where it is used.
 */
import type { Word } from '../ast.ts';
import { type Call, type CmdResult, type Ctx, NONE } from '../context.ts';
import { optVals, parseOpts } from '../options.ts';
import { isAssignment } from '../parser.ts';

/** export, declare, typeset, local, readonly */
export function declare(ctx: Ctx, args: Word[], call: Call): CmdResult {
  for (const w of args.slice(1)) {
    if (w.text.startsWith('-')) continue;
    if (isAssignment(w)) {
      ctx.assign(w, call.wordReads.get(w) ?? []);
      ctx.codeInEnv(w, call.depth);
    } else {
      const r = call.wordReads.get(w);
      if (r) ctx.acc.sourced.push(...r);
    }
  }
  return NONE;
}

export function read(ctx: Ctx, args: Word[], call: Call): CmdResult {
  const p = parseOpts(args.slice(1), 'adinNptu', [], false);
  const names = [...p.pos.map((w) => w.text), ...optVals(p.opts, '-a').map((w) => w.text)];
  for (const nm of names.length ? names : ['REPLY']) {
    if (/^[A-Za-z_]\w*$/.test(nm) && call.stdin.reads.length) ctx.acc.varReads.set(nm, call.stdin.reads.slice());
  }
  return NONE;
}

/** mapfile, readarray */
export function mapfile(ctx: Ctx, args: Word[], call: Call): CmdResult {
  const p = parseOpts(args.slice(1), 'dnOsuC c', [], false);
  const nm = p.pos[0]?.text ?? 'MAPFILE';
  if (call.stdin.reads.length) ctx.acc.varReads.set(nm, call.stdin.reads.slice());
  return NONE;
}

/** source, . */
export function source(ctx: Ctx, args: Word[]): CmdResult {
  const f = args[1]?.text;
  if (f) {
    ctx.read(f);
    ctx.acc.sourced.push(...ctx.resolve(f));
  }
  return NONE;
}
