/**
 * Short structured values: the distinctive values of the rows a tool returned (JSON objects, JSON
 * lines, CSV / TSV / psql / markdown tables) and values whose shape alone makes them distinctive
 * (a valid IBAN, a street address). They are matched exactly, whatever their length, so that a
 * row rewritten as prose or re-keyed ("Home: John Doe, 742 Evergreen Terrace …") still counts by
 * its values, where the k-grams need 40 shared characters.
 *
 * What makes a value distinctive, so that ordinary words and numbers stay out:
 *  - its field: a phone, account, IBAN, address, passport / ID / tax number, order or booking
 *    reference, judged by the words of the key or column name;
 *  - a personal name only in a personal row (one that also holds a phone, account, address, ID or
 *    e-mail field), and only when it looks like a name (capitalised words); a name counts as shared
 *    text (its characters add up with the rest), not as a distinctive value on its own;
 *  - the value itself: digits in it for numbers and references, a digit and words for an address,
 *    at least MIN_VALUE normalised chars (shorter values are too common to tell anything);
 *  - its shape, with no field: an IBAN whose mod-97 check holds, `742 Evergreen Terrace`.
 * E-mail addresses and card numbers are found in any text by the index itself.
 *
 * Pure; bounded (MAX_VALUES per call, MAX_PARSE chars parsed as JSON, MAX_ROWS rows per call). The
 * values stop at MAX_VALUES; the personal rows (for record matching) are read on, up to MAX_ROWS
 * rows, in steps (structuredValueSteps: a large output is prepared between other events). A bound
 * that stops the reading of an output holding personal rows is said (RowsRead.cut): the rows past
 * it are not held, and the session asks about what it sends out (the engine's record_limit).
 */
import type { TokenSpec } from './constants.ts';
import { binaryKind } from './leaves.ts';
import { MAX_CELLS, MAX_LOST } from './rows.ts';

/** shortest value kept (normalised: lower-case, no whitespace), as the index keeps tokens */
export const MIN_VALUE = 8;
const MAX_VALUE = 256;
const MAX_VALUES = 4000;
const MAX_PARSE = 2 * 1024 * 1024;
/**
 * rows (objects, JSON lines, table lines) read per output for records: a query result of 20,000
 * customers is read whole (about 1 MB of CSV; ~40 ms, in steps). Past it, an output that holds
 * personal rows is cut (RowsRead.cut) and the session asks.
 */
export const MAX_ROWS = 20_000;
export const MAX_DEPTH = 64;
/** JSON nodes visited per output (a bound on the walk: past it, an output holding personal rows is cut) */
export const MAX_WALK_STEPS = 400_000;
/** string leaves looked at for rows and tables per output (past it, as MAX_WALK_STEPS) */
export const MAX_TEXTS = 10_000;
/**
 * personal cells of one output's rows past which the record index cannot remember them all, whatever
 * it held before (MAX_CELLS kept, MAX_LOST let go): the reading stops there, and the output is cut.
 */
const RECORD_PERSONAL_MAX = MAX_CELLS + MAX_LOST;
const recordsCut = (): string =>
  `more personal cells than the ${MAX_CELLS.toLocaleString('en-US')} kept and the ${MAX_LOST.toLocaleString('en-US')} of rows let go remembered per session`;
/** lines of an output's texts looked at for rows (a bound on the work of texts that are mostly not rows) */
export const MAX_LINES = 200_000;
/** rows (or JSON nodes / 8) read between two steps of structuredValueSteps: ~1 ms */
const ROWS_PER_STEP = 500;
/** characters of a JSON text too large to parse whose keys are looked at: does it hold personal rows? */
const KEY_SCAN = 256 * 1024;

export type ValueCategory = 'phone' | 'iban' | 'account' | 'address' | 'identity' | 'reference' | 'name' | 'email' | 'card';

const LABELS: Record<Exclude<ValueCategory, 'email' | 'card'>, string> = {
  phone: 'phone number',
  iban: 'IBAN',
  account: 'account number',
  address: 'postal address',
  identity: 'passport or ID number',
  reference: 'order or reference number',
  name: 'personal name',
};

/** Split `firstName`, `phone_number`, `ID_number`, `Account No.` into lower-case words. */
function words(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

const categoryCache = new Map<string, ValueCategory | null>();

/** The category a key or column name gives its values, or null. */
export function fieldCategory(key: string): ValueCategory | null {
  let c = categoryCache.get(key);
  if (c === undefined) {
    c = categoryOf(key);
    if (categoryCache.size >= 4096) categoryCache.clear();
    categoryCache.set(key, c);
  }
  return c;
}

function categoryOf(key: string): ValueCategory | null {
  if (key.length > 64) return null;
  const w = words(key);
  if (w.length === 0 || w.length > 6) return null;
  const has = (...xs: string[]): boolean => xs.some((x) => w.includes(x));
  const last = w[w.length - 1] as string;
  if (has('email', 'mail', 'emails')) return 'email';
  if (has('card', 'pan') && !has('id', 'type', 'brand', 'expiry', 'exp', 'count')) return 'card';
  if (has('phone', 'mobile', 'telephone', 'tel', 'fax', 'cell', 'msisdn', 'whatsapp')) return 'phone';
  if (has('iban')) return 'iban';
  if (has('account', 'acct', 'routing', 'bic', 'swift') || (has('sort') && has('code')))
    return has('type', 'status', 'name', 'kind', 'count') ? null : 'account';
  if (has('recipient', 'sender', 'payee', 'beneficiary', 'counterparty')) return 'account'; // kept only when the value is IBAN- or number-shaped
  if (has('address', 'street', 'addr') || (w[0] === 'line' && (last === '1' || last === '2')))
    return has('email', 'ip', 'mac', 'url', 'web', 'wallet') ? null : 'address';
  if (
    has('passport', 'ssn', 'nin', 'tin', 'nif', 'aadhaar') ||
    (has('social') && has('security')) ||
    (has('national', 'tax', 'license', 'licence', 'driver', 'identity') && has('id', 'number', 'no', 'num')) ||
    (w[0] === 'id' && has('number', 'no', 'num'))
  )
    return 'identity';
  if (has('dob', 'birthday', 'birthdate') || (has('birth') && has('date', 'day'))) return 'identity';
  if (
    has('order', 'invoice', 'tracking', 'booking', 'reservation', 'confirmation', 'shipment', 'claim', 'reference') &&
    (has('id', 'number', 'no', 'num', 'code', 'reference') || w.length === 1)
  )
    return 'reference';
  if (
    has(
      'name',
      'fullname',
      'firstname',
      'lastname',
      'surname',
      'forename',
      'cardholder',
      'holder',
      'patient',
      'customer',
      'contact',
      'guest',
      'passenger',
      'employee',
    )
  ) {
    // (file, package, host, branch … names are not people's)
    if (
      has(
        'file',
        'filename',
        'package',
        'project',
        'repo',
        'repository',
        'branch',
        'host',
        'hostname',
        'domain',
        'bucket',
        'table',
        'column',
        'field',
        'key',
        'event',
        'tool',
        'model',
        'service',
        'app',
        'product',
        'company',
        'org',
        'organization',
        'team',
        'channel',
        'display',
        'class',
        'type',
        'id',
        'path',
        'tag',
        'image',
        'container',
        'function',
        'method',
        'module',
        'task',
        'job',
        'step',
        'workflow',
        'queue',
        'topic',
        'hotel',
        'restaurant',
        'city',
        'country',
        'street',
        'user',
      )
    )
      return null;
    return 'name';
  }
  return null;
}

const DIGIT_RE = /[0-9]/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$|^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$/;
const NAME_WORD_RE = /^(?:[A-Z][a-zà-ÿ'’-]+|[A-Z]\.?|(?:van|von|de|da|del|der|di|le|la|du|bin|al)|Mc[A-Z][a-z]+|O'[A-Z][a-z]+)$/;
const COMMON_VALUES = new Set([
  'unknown',
  'none',
  'null',
  'undefined',
  'redacted',
  'notavailable',
  'n/a',
  'pending',
  'confirmed',
  'cancelled',
  'canceled',
  'active',
  'inactive',
]);

function normLen(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (!/\s/.test(s[i] as string)) n++;
  return n;
}

/** IBAN: country code, check digits, 11–30 alphanumerics; the ISO 7064 mod-97 check holds. */
export function validIban(s: string): boolean {
  const v = s.replace(/[ -]/g, '').toUpperCase();
  if (!/^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/.test(v)) return false;
  const r = v.slice(4) + v.slice(0, 4);
  let m = 0;
  for (let i = 0; i < r.length; i++) {
    const c = r.charCodeAt(i);
    const d = c >= 65 ? String(c - 55) : (r[i] as string);
    for (let j = 0; j < d.length; j++) m = (m * 10 + (d.charCodeAt(j) - 48)) % 97;
  }
  return m === 1;
}

const IBAN_SHAPE_RE = /^[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}$/;

/** A cell of a personal row: its value as written, and whether its column says who the row is about. */
export interface RowCell {
  value: string;
  personal: boolean;
  /** the column it is in: every name column (first, last, full) is one (0), the others 1, 2 … */
  column: number;
}

/** cells kept per personal row (a wide row's first ones) */
const MAX_ROW_CELLS = 24;

/** The personal rows of an output, read for record matching (rows.ts). */
export interface RowsRead {
  rows: RowCell[][];
  /**
   * The bound that stopped the reading of an output holding personal rows (more rows than MAX_ROWS,
   * a JSON text too large to parse …): rows past it are not in `rows`. Absent: read whole.
   */
  cut?: string;
  /**
   * Distinctive values of an output holding personal rows past the MAX_VALUES kept to be recognised
   * alone (a phone of row 3,000): the bound, in words. The rows are held; a value alone is not known.
   */
  valuesCut?: string;
  /** a text too long to be looked at for street addresses (and IBANs) by shape: the bound, in words */
  shapesCut?: string;
}

class Collector {
  readonly out: TokenSpec[] = [];
  /** the personal rows seen, when asked for (structuredValues' `rows`) */
  records: RowCell[][] | undefined;
  rows = 0;
  /** JSON values walked */
  walked = 0;
  /** lines of texts taken */
  lines = 0;
  /** rows since the last step */
  sinceStep = 0;
  /** a personal row, or a key of a personal field, was seen */
  personal = false;
  /** personal cells of the rows kept for records */
  recordPersonal = 0;
  /** the first bound that stopped the reading (it matters when `personal`) */
  stopped: string | undefined;
  /** a distinctive value was left out for MAX_VALUES */
  valuesFull = false;
  /** a text too long for the shapes' scans (street addresses past MAX_STREET_SCAN, IBANs past MAX_PARSE) */
  shapesUnread: string | undefined;
  private readonly seen = new Set<string>();
  stop(why: string): void {
    this.stopped ??= why;
  }
  /** a step is due (every ROWS_PER_STEP rows) */
  step(n = 1): boolean {
    this.sinceStep += n;
    if (this.sinceStep < ROWS_PER_STEP) return false;
    this.sinceStep = 0;
    return true;
  }
  push(value: string, cat: Exclude<ValueCategory, 'email' | 'card'>): void {
    if (this.out.length >= MAX_VALUES) {
      if (cat !== 'name') this.valuesFull = true;
      return;
    }
    const v = value.trim();
    const n = normLen(v);
    if (n < MIN_VALUE || n > MAX_VALUE) return;
    const key = cat + '\u0000' + v.toLowerCase();
    if (this.seen.has(key)) return;
    this.seen.add(key);
    // a name alone is weak evidence (the people a task is about are named in it): it adds its
    // characters to the shared text, like a line, instead of counting on its own
    this.out.push({ value: v, kind: cat === 'name' ? 'line' : 'token', label: LABELS[cat] });
  }
  get full(): boolean {
    return this.out.length >= MAX_VALUES;
  }
  /** no more rows to look at (MAX_ROWS seen; or values full, when no records are asked for) */
  get rowsDone(): boolean {
    return this.rows >= MAX_ROWS || this.recordPersonal > RECORD_PERSONAL_MAX || (this.records === undefined && this.out.length >= MAX_VALUES);
  }
  /** nothing more to look for in further texts */
  get done(): boolean {
    return this.records === undefined ? this.full : this.rowsDone;
  }
}

/** A value of a field of category `cat`: push it (and its plain forms) when it is distinctive. */
function fieldValue(c: Collector, cat: ValueCategory, raw: string, personal: boolean): void {
  const v = raw.trim();
  if (v.length === 0 || v.length > MAX_VALUE) return;
  if (COMMON_VALUES.has(v.toLowerCase())) return;
  switch (cat) {
    case 'phone': {
      const d = v.replace(/[^0-9]/g, '');
      if (d.length < 7 || d.length > 15 || !/^[+0-9 ().\-/]+$/.test(v)) return;
      c.push(v, 'phone');
      if (d !== v) c.push(d, 'phone');
      return;
    }
    case 'iban':
    case 'account': {
      const compact = v.replace(/[ -]/g, '');
      if (IBAN_SHAPE_RE.test(compact.toUpperCase())) {
        c.push(v, 'iban');
        if (compact !== v) c.push(compact, 'iban');
        return;
      }
      const d = v.replace(/[^0-9]/g, '');
      // account numbers: mostly digits, at least 6 of them (not an amount, not a date)
      if (d.length < 6 || DATE_RE.test(v) || !/^[A-Za-z0-9 .\-/]+$/.test(v) || d.length * 2 < compact.length || /^\d+\.\d{1,2}$/.test(v)) return;
      c.push(v, 'account');
      if (d !== v) c.push(d, 'account');
      return;
    }
    case 'address': {
      if (!DIGIT_RE.test(v) || !/[A-Za-z]{3}/.test(v) || !/\s/.test(v)) return;
      c.push(v, 'address');
      // the street part on its own (a reworded address keeps it)
      const street = v.split(/[,\n;]/)[0] as string;
      if (street !== v && DIGIT_RE.test(street) && /[A-Za-z]{3}/.test(street)) c.push(street, 'address');
      return;
    }
    case 'identity': {
      if (!DIGIT_RE.test(v) || (DATE_RE.test(v) && !personal)) return;
      if (!/^[A-Za-z0-9 .\-/]+$/.test(v)) return;
      c.push(v, 'identity');
      const compact = v.replace(/[ .\-/]/g, '');
      if (compact !== v) c.push(compact, 'identity');
      return;
    }
    case 'reference': {
      if (!DIGIT_RE.test(v) || !/^[A-Za-z0-9 _.\-/#]+$/.test(v) || DATE_RE.test(v)) return;
      if (/^[0-9a-f]{7,64}$/i.test(v) && /[a-f]/i.test(v)) return; // a commit id or digest, not an order
      c.push(v, 'reference');
      return;
    }
    case 'name': {
      if (!personal) return;
      const parts = v.split(/\s+/);
      if (parts.length < 1 || parts.length > 5 || !parts.every((p) => NAME_WORD_RE.test(p))) return;
      c.push(v, 'name');
      return;
    }
    default:
      return;
  }
}

/** One row (key -> value): its categories decide whether names count. Returns whether any key had one. */
function row(c: Collector, entries: Array<[string, unknown]>): boolean {
  c.rows++;
  const cats: Array<[ValueCategory, string]> = [];
  let personal = false;
  let first: string | undefined;
  let last: string | undefined;
  for (const [k, x] of entries) {
    const cat = fieldCategory(k);
    if (!cat) continue;
    const s = typeof x === 'string' ? x : typeof x === 'number' && Number.isFinite(x) ? String(x) : undefined;
    if (s === undefined) continue;
    if (cat !== 'name' && cat !== 'reference' && cat !== 'account') personal = true;
    if (cat === 'account' && /[0-9]{6}/.test(s.replace(/[ -]/g, ''))) personal = true;
    const w = words(k);
    if (cat === 'name' && w.includes('first')) first = s.trim();
    if (cat === 'name' && (w.includes('last') || w.includes('surname'))) last = s.trim();
    cats.push([cat, s]);
  }
  if (personal) c.personal = true;
  for (const [cat, s] of cats) fieldValue(c, cat, s, personal);
  if (personal && first && last) fieldValue(c, 'name', `${first} ${last}`, true);
  // the whole row, for record-level matching: several cells of it in one outgoing text
  if (personal && c.records) {
    // a wide row keeps its cells of a personal field first (a phone in column 30 of a 40-column export),
    // then the others in order, MAX_ROW_CELLS in all; columns are numbered as kept (the index tells 32 apart)
    const cells: RowCell[] = [];
    for (const pass of [true, false]) {
      for (const [k, x] of entries) {
        if (cells.length >= MAX_ROW_CELLS) break;
        const v = typeof x === 'string' ? x : typeof x === 'number' && Number.isFinite(x) ? String(x) : undefined;
        if (v === undefined) continue;
        const cat = fieldCategory(k);
        if ((cat !== null) !== pass) continue;
        cells.push({ value: v, personal: cat !== null && cat !== 'reference', column: cat === 'name' ? 0 : cells.length + 1 });
      }
    }
    if (first && last) cells.push({ value: `${first} ${last}`, personal: true, column: 0 });
    c.records.push(cells);
    for (const x of cells) if (x.personal) c.recordPersonal++;
    if (c.recordPersonal > RECORD_PERSONAL_MAX) c.stop(recordsCut());
  }
  return cats.length > 0;
}

/**
 * Walk a JSON value: every object is a row. Its strings are looked at as texts too (they may hold
 * JSON or a table, or an IBAN); for a value parsed from a text (`parsed`), only the strings that
 * may hold more structure: the rest is part of the text, whose shapes are looked at as a whole.
 * Returns whether any key had a category.
 */
function* walk(c: Collector, root: unknown, texts: string[], parsed = false): Generator<void, boolean, void> {
  let any = false;
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length > 0) {
    if (c.rowsDone) {
      c.stop(`more than the ${MAX_ROWS.toLocaleString('en-US')} rows read per output`);
      break;
    }
    if (c.walked++ >= MAX_WALK_STEPS) {
      c.stop(`more than the ${MAX_WALK_STEPS.toLocaleString('en-US')} JSON values walked per output`);
      break;
    }
    if (c.step(1 / 8)) yield;
    const [v, depth] = stack.pop() as [unknown, number];
    if (depth > MAX_DEPTH) {
      c.stop(`JSON nested deeper than the ${MAX_DEPTH} levels read`);
      continue;
    }
    if (typeof v === 'string') {
      if (v.length >= MIN_VALUE && (!parsed || v.includes('\n') || /^\s*[[{]/.test(v))) texts.push(v);
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], depth + 1]);
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>);
      if (row(c, entries)) any = true;
      if (c.step()) yield;
      for (let i = entries.length - 1; i >= 0; i--) {
        const x = (entries[i] as [string, unknown])[1];
        if (x !== null && typeof x === 'object') stack.push([x, depth + 1]);
        else if (typeof x === 'string' && x.length >= MIN_VALUE && (!parsed || x.includes('\n') || /^\s*[[{]/.test(x))) texts.push(x);
      }
    }
  }
  return any;
}

function tryJson(s: string): unknown {
  if (s.length > MAX_PARSE) return undefined;
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return undefined; // not JSON after all: looked at as lines below
  }
}

const SEPARATORS = ['\t', '|', ',', ';'] as const;
const HEADER_CELL_RE = /^[A-Za-z_][A-Za-z0-9_ .()#/-]{0,40}$/;

function cells(line: string, sep: string): string[] {
  let l = line.trim();
  if (sep === '|') l = l.replace(/^\|/, '').replace(/\|$/, '');
  return l.split(sep).map((x) => x.trim().replace(/^"(.*)"$/, '$1'));
}

/**
 * The lines of a text, read as they are asked for (a 30 MB output is not split whole): `line(i)` is
 * line i, or undefined past the last.
 */
class Lines {
  private readonly got: string[] = [];
  private at = 0;
  constructor(
    private readonly text: string,
    private readonly c: Collector,
  ) {}
  line(i: number): string | undefined {
    while (this.got.length <= i && this.at <= this.text.length) {
      // lines of all texts of one output: past MAX_LINES the text ends here, and the reading was cut
      if (this.c.lines++ >= MAX_LINES) {
        this.c.stop(`more than the ${MAX_LINES.toLocaleString('en-US')} lines read per output`);
        return undefined;
      }
      const j = this.text.indexOf('\n', this.at);
      const end = j < 0 ? this.text.length : j;
      this.got.push(this.text.slice(this.at, end));
      this.at = end + 1;
    }
    return this.got[i];
  }
  /** forget the lines before i (they are not asked for again) */
  drop(i: number): void {
    for (let k = 0; k < i && k < this.got.length; k++) this.got[k] = '';
  }
}

const rowsCut = (): string => `more than the ${MAX_ROWS.toLocaleString('en-US')} rows read per output`;

/** CSV / TSV / psql / markdown tables: a header line of names, then rows with as many cells. */
function* table(c: Collector, lines: Lines, start: number): Generator<void, void, void> {
  const header = lines.line(start) as string;
  for (const sep of SEPARATORS) {
    if (!header.includes(sep)) continue;
    const names = cells(header, sep);
    if (names.length < 2 || names.length > 64 || !names.every((x) => HEADER_CELL_RE.test(x))) continue;
    if (!names.some((x) => fieldCategory(x) !== null)) continue;
    for (let i = start + 1; ; i++) {
      const line = lines.line(i);
      if (line === undefined) return;
      if (c.rowsDone) {
        c.stop(rowsCut());
        return;
      }
      if (line.trim().length === 0 || /^[\s|:+-]+$/.test(line)) continue; // rule lines of psql / markdown
      const vs = cells(line, sep);
      if (vs.length !== names.length) continue;
      row(
        c,
        names.map((n, j) => [n, vs[j] as string]),
      );
      if (c.step()) {
        lines.drop(i);
        yield;
      }
    }
  }
  yield* aligned(c, lines, start);
}

/**
 * Column-aligned tables with a rule line of dashes under the header (`sqlite3 -header -column`,
 * `mysql --table` without borders, SQL Server's sqlcmd, many CLIs): the dash groups give the
 * columns' positions; each row is cut there.
 */
function* aligned(c: Collector, lines: Lines, start: number): Generator<void, void, void> {
  const rule = lines.line(start + 1);
  if (rule === undefined || !/^\s*-+(?: +-+)+\s*$/.test(rule)) return;
  const cols: Array<[number, number]> = [];
  for (const m of rule.matchAll(/-+/g)) cols.push([m.index, m.index + m[0].length]);
  if (cols.length < 2 || cols.length > 64) return;
  const header = lines.line(start) as string;
  const cut = (line: string): string[] =>
    cols.map(([a, b], j) => line.slice(a, j + 1 < cols.length ? (cols[j + 1] as [number, number])[0] : Math.max(b, line.length)).trim());
  const names = cut(header);
  if (!names.every((x) => HEADER_CELL_RE.test(x)) || !names.some((x) => fieldCategory(x) !== null)) return;
  for (let i = start + 2; ; i++) {
    const line = lines.line(i);
    if (line === undefined) return;
    if (c.rowsDone) {
      c.stop(rowsCut());
      return;
    }
    if (line.trim().length === 0 || /^\(\d+ rows?\)$/.test(line.trim())) continue;
    const vs = cut(line);
    row(
      c,
      names.map((n, j) => [n, vs[j] as string]),
    );
    if (c.step()) {
      lines.drop(i);
      yield;
    }
  }
}

/** JSON lines: every line an object. */
function* jsonLines(c: Collector, lines: Lines, texts: string[]): Generator<void, void, void> {
  for (let i = 0; ; i++) {
    const l = lines.line(i);
    if (l === undefined) return;
    if (c.rowsDone) {
      c.stop(rowsCut());
      return;
    }
    if (!/^\s*\{/.test(l)) continue;
    const o = tryJson(l);
    if (o !== undefined && o !== null && typeof o === 'object') yield* walk(c, o, texts, true);
    if (c.step()) {
      lines.drop(i);
      yield;
    }
  }
}

/** Keys of a JSON text too large to parse (in its first KEY_SCAN chars) that name a personal field: its rows may be personal. */
function personalKeys(text: string): boolean {
  for (const m of text.slice(0, KEY_SCAN).matchAll(/"([A-Za-z_][A-Za-z0-9_ .-]{0,63})"\s*:/g)) {
    const cat = fieldCategory(m[1] as string);
    if (cat !== null && cat !== 'name' && cat !== 'reference') return true;
  }
  return false;
}

/** Values distinctive by shape alone, anywhere in a text (street addresses in texts up to MAX_STREET_SCAN chars: the scan tries every digit). */
const MAX_STREET_SCAN = 256 * 1024;
const IBAN_TEXT_RE = /(?<![A-Za-z0-9])[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![A-Za-z0-9])/g;
const STREET_RE =
  /(?<![A-Za-z0-9])\d{1,5}[A-Za-z]? (?:[A-Z][a-z]+ ){1,3}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Way|Terrace|Court|Ct|Place|Pl|Square|Sq|Parkway|Pkwy|Highway|Hwy|Close|Crescent|Gardens|Strasse|Straße|Rue)\b/g;

/** A street address or an IBAN by its shape in a text (what shapes() looks for). */
export function hasValueShape(text: string): boolean {
  return new RegExp(STREET_RE.source).test(text) || new RegExp(IBAN_TEXT_RE.source).test(text);
}

function shapes(c: Collector, text: string): void {
  if (text.length > MAX_STREET_SCAN)
    c.shapesUnread ??= `a text longer than the ${MAX_STREET_SCAN / 1024} KB looked at for street addresses (${MAX_PARSE / (1024 * 1024)} MB for IBANs)`;
  if (text.length > MAX_PARSE) return;
  for (const m of text.matchAll(IBAN_TEXT_RE)) {
    if (c.full) return;
    if (!validIban(m[0])) continue;
    c.push(m[0], 'iban');
    const compact = m[0].replace(/ /g, '');
    if (compact !== m[0]) c.push(compact, 'iban');
  }
  if (text.length > MAX_STREET_SCAN) return;
  for (const m of text.matchAll(STREET_RE)) {
    if (c.full) return;
    c.push(m[0], 'address');
  }
}

/**
 * The distinctive structured values of what a tool returned: `value` is the tool response (any
 * JSON value) or a text. Strings that hold JSON, JSON lines or a table are parsed and walked.
 * With `read`, the personal rows (rows with a phone, account, address, ID or e-mail field) are
 * added to it, every cell, for record-level matching (rows.ts), and the bound that stopped the
 * reading of an output holding them, if one did.
 */
export function structuredValues(value: unknown, read?: RowsRead): TokenSpec[] {
  const steps = structuredValueSteps(value, read);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** structuredValues in steps of about ROWS_PER_STEP rows (a large output is prepared between other events). */
export function* structuredValueSteps(value: unknown, read?: RowsRead): Generator<void, TokenSpec[], void> {
  const c = new Collector();
  if (read) c.records = read.rows;
  const texts: string[] = [];
  if (typeof value === 'string') texts.push(value);
  else yield* walk(c, value, texts);
  for (let t = 0; t < texts.length && !c.done; t++) {
    if (t >= MAX_TEXTS) {
      c.stop(`more than the ${MAX_TEXTS.toLocaleString('en-US')} texts of one output read for rows`);
      break;
    }
    const text = texts[t] as string;
    if (text.length >= 256 && !/\s/.test(text.slice(0, 256)) && binaryKind(text) !== null) continue; // an image, a PDF: no rows
    const trimmed = text.trimStart();
    const lines = text.includes('\n') ? new Lines(text, c) : undefined;
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
      const parsed = tryJson(trimmed);
      if (parsed !== undefined && parsed !== null && typeof parsed === 'object') {
        yield* walk(c, parsed, texts, true);
        if (!c.full) shapes(c, text);
        continue;
      }
      // too large to parse, and not JSON lines: rows in it are not read
      if (trimmed.length > MAX_PARSE && !(lines && tryJson(lines.line(0)?.trim() ?? '') !== undefined)) {
        if (read && personalKeys(trimmed)) {
          c.personal = true;
          c.stop(`a JSON text over the ${MAX_PARSE / (1024 * 1024)} MB parsed`);
        }
        continue;
      }
    }
    if (lines) {
      if (/^\s*\{/.test(lines.line(0) as string)) yield* jsonLines(c, lines, texts);
      else {
        let first = 0;
        for (let l = lines.line(0); l !== undefined && l.trim().length === 0; l = lines.line(++first));
        if (lines.line(first) !== undefined) yield* table(c, lines, first);
      }
    }
    if (!c.full) shapes(c, text);
  }
  if (read && c.personal && c.stopped !== undefined) read.cut = c.stopped;
  if (read && c.shapesUnread !== undefined) read.shapesCut = c.shapesUnread;
  if (read && c.personal && c.valuesFull)
    read.valuesCut = `more than the ${MAX_VALUES.toLocaleString('en-US')} distinctive values of one output recognised alone`;
  return c.out;
}
