/** `sh -c CODE`, `bash -s`, `echo CODE | sh`: the code is analysed as nested shell code. */
import type { Word } from '../ast.ts';
import { type Call, type CmdResult, type Ctx, NO_STDIN, NONE } from '../context.ts';

export const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'ash', 'mksh', 'yash', 'fish', 'rbash', 'posh', 'ksh93', 'csh', 'tcsh']);

export function shell(ctx: Ctx, args: Word[], call: Call): CmdResult {
  const { depth, stdin } = call;
  let i = 1;
  let cflag = false;
  let sflag = false;
  for (; i < args.length; i++) {
    const t = args[i]!.text;
    if (t === '--' || t === '-') {
      i++;
      break;
    }
    if (['-o', '+o', '-O', '+O', '--rcfile', '--init-file', '-C', '--init-command'].includes(t)) {
      i++;
      continue;
    }
    if (t.startsWith('--')) {
      if (t === '--command') cflag = true;
      else if (t.startsWith('--command=')) return ctx.nested(t.slice('--command='.length), depth, stdin);
      continue;
    }
    if (/^[-+][A-Za-z]+$/.test(t)) {
      if (t[0] === '-' && t.includes('c')) cflag = true;
      if (t[0] === '-' && t.includes('s')) sflag = true;
      continue;
    }
    break;
  }
  const first = args[i];
  if (cflag) {
    if (!first) return NONE;
    const r = ctx.nested(first.text, depth, stdin);
    // the code's own commands say what they send; `sh -c CODE name args…` hands args to it as $1…
    ctx.send(r.egress ? args.slice(i + 1) : []);
    return r;
  }
  if (first && !sflag) return NONE; // a script file: not analysed (no I/O)
  if (stdin.text !== null) {
    const r = ctx.nested(stdin.text, depth, NO_STDIN);
    ctx.send([]);
    return r;
  }
  return NONE;
}
