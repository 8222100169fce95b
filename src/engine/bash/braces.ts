/**
 * Brace expansion: `{curl,-d,@f,https://h}` is four words, `f{,.bak}` two. Only the unquoted
 * braces the lexer marked count; sequences (`{1..3}`) are left as they are (they carry no command).
 */
import type { BraceMark, Word } from './ast.ts';

interface Group {
  /** index in marks of the `{` */
  open: number;
  /** indexes in marks of the top-level commas, then of the `}` */
  bounds: number[];
}

/**
 * The first `{` with a matching `}` and a top-level comma between them. One pass with a stack of the open
 * groups: scanning on from every `{` to its match went to the end from each of a run of `{` with no `}`
 * (quadratic: 64 KB of `{` took 3 s).
 */
export function firstGroup(m: readonly BraceMark[]): Group | null {
  const open: Group[] = [];
  let first: Group | null = null;
  for (let b = 0; b < m.length; b++) {
    const c = m[b]!.c;
    if (c === '{') open.push({ open: b, bounds: [] });
    else if (c === ',') open[open.length - 1]?.bounds.push(b);
    else if (c === '}') {
      const g = open.pop();
      if (g?.bounds.length && (first === null || g.open < first.open)) first = { open: g.open, bounds: [...g.bounds, b] };
    }
  }
  return first;
}

function shift(marks: readonly BraceMark[], dt: number, ds: number): BraceMark[] {
  return marks.map((x) => ({ t: x.t + dt, s: x.s + ds, c: x.c }));
}

/**
 * The words w expands to, at most `room` of them (null when there would be more).
 * The first word keeps w's substitutions (they run once); every word keeps its variables.
 */
export function expandBraces(w: Word, room: number): Word[] | null {
  const m = w.braces;
  const g = m && m.length >= 3 ? firstGroup(m) : null;
  if (!m || !g) return [w];
  const open = m[g.open]!;
  const close = m[g.bounds[g.bounds.length - 1]!]!;
  const out: Word[] = [];
  let from = g.open;
  for (const to of g.bounds) {
    const a = m[from]!;
    const b = m[to]!;
    const text = w.text.slice(0, open.t) + w.text.slice(a.t + 1, b.t) + w.text.slice(close.t + 1);
    const shape = w.shape.slice(0, open.s) + w.shape.slice(a.s + 1, b.s) + w.shape.slice(close.s + 1);
    const altT = b.t - a.t - 1;
    const altS = b.s - a.s - 1;
    const braces = [
      ...m.slice(0, g.open),
      ...shift(m.slice(from + 1, to), open.t - (a.t + 1), open.s - (a.s + 1)),
      ...shift(m.slice(g.bounds[g.bounds.length - 1]! + 1), open.t + altT - (close.t + 1), open.s + altS - (close.s + 1)),
    ];
    const alt: Word = { ...w, text, shape, raw: text, braces, subs: out.length === 0 ? w.subs : [] };
    const more = expandBraces(alt, room - out.length);
    if (more === null || out.length + more.length > room) return null;
    out.push(...more);
    from = to;
  }
  return out;
}
