/** getopt-like option parsing over words, as most programs parse their arguments. */
import { tail, type Word } from './ast.ts';

export interface Opt {
  name: string;
  value: Word | null;
}

/**
 * getopt-like option parsing. shortArg: short option letters that take a value;
 * longArg: long option names (without --) that take a separate value;
 * shortOptional: letters whose value may only be attached (-iSUFFIX).
 */
export function parseOpts(
  args: readonly Word[],
  shortArg: string,
  longArg: readonly string[],
  stopAtPos: boolean,
  shortOptional = '',
): { opts: Opt[]; pos: Word[] } {
  const opts: Opt[] = [];
  const pos: Word[] = [];
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    const t = w.text;
    if (t === '--') {
      pos.push(...args.slice(i + 1));
      break;
    }
    if (t.length > 2 && t.startsWith('--')) {
      const eq = t.indexOf('=');
      if (eq > 2) {
        opts.push({ name: t.slice(0, eq), value: tail(w, eq + 1) });
      } else if (longArg.includes(t.slice(2))) {
        opts.push({ name: t, value: args[i + 1] ?? null });
        i++;
      } else opts.push({ name: t, value: null });
      continue;
    }
    if (t.length > 1 && t[0] === '-') {
      for (let j = 1; j < t.length; j++) {
        const ch = t[j]!;
        if (shortOptional.includes(ch)) {
          opts.push({ name: '-' + ch, value: j + 1 < t.length ? tail(w, j + 1) : null });
          break;
        }
        if (shortArg.includes(ch)) {
          if (j + 1 < t.length) opts.push({ name: '-' + ch, value: tail(w, j + 1) });
          else {
            opts.push({ name: '-' + ch, value: args[i + 1] ?? null });
            i++;
          }
          break;
        }
        opts.push({ name: '-' + ch, value: null });
      }
      continue;
    }
    pos.push(w);
    if (stopAtPos) {
      pos.push(...args.slice(i + 1));
      break;
    }
  }
  return { opts, pos };
}

export function optVals(opts: readonly Opt[], ...names: string[]): Word[] {
  const out: Word[] = [];
  for (const o of opts) if (o.value && names.includes(o.name)) out.push(o.value);
  return out;
}

export function hasOpt(opts: readonly Opt[], ...names: string[]): boolean {
  return opts.some((o) => names.includes(o.name));
}
