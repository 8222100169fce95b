/**
 * Data spread over separate calls to one destination: one character of a secret per WebFetch
 * (`https://x.example/c?v=A`, `…?v=K` …), four per curl, one per subdomain. Each call alone carries
 * too little to be anything (pieces under 6 chars are not counted by the fingerprint matcher); the
 * url-sequence decoder (decoders.ts) only sees URLs of one call. Here, per session and per
 * destination site (registrable domain), the small varying parts of what recent calls sent there are
 * kept, by slot (a query parameter, one path segment with the others fixed, the first host label,
 * a short input field of a tool without URLs), and each new call's parts are judged joined to the
 * recent ones of the same slot. Pure: no I/O.
 *
 * Bounds (the newest are kept, never the call being judged): MAX_PARTS parts per slot, MAX_SLOTS
 * slots per site, MAX_SITES sites per session (least recently used go first), MAX_TOTAL_PARTS parts
 * per session in all, parts of at most MAX_PART chars (a longer value is judged whole in its own
 * call, and pieces of 6 chars and more add up across calls in the split-secret rule). Parts let go
 * for a bound are not forgotten: each slot that lost parts keeps the last LET_GO_CHARS characters
 * of them (its let-go tail), joined in front of its stream, so 512 small sends elsewhere between two
 * pieces of a secret do not hide the first piece. Past MAX_LET_GO_SLOTS such slots, the book is
 * `overflowed`: a later call that sends small parts may complete a secret it cannot see, and the
 * engine asks about it (naming the bound).
 */
import { commonAffixes, isCharCode, isNumbering } from './decoders.ts';
import { forEachUrl, registrableDomain, hostOfUrl } from './urls.ts';

/** longest value counted as one small part */
export const MAX_PART = 16;
/** parts kept per slot (the newest): a 40-char secret one char per call fits three times over */
export const MAX_PARTS = 128;
/** slots kept per site, least recently used dropped first */
export const MAX_SLOTS = 64;
/** sites kept per session, least recently used dropped first */
export const MAX_SITES = 64;
/** parts kept per session in all (the oldest of the least recently used slot go first) */
export const MAX_TOTAL_PARTS = 512;
/** longest slot name kept (a longer one is cut: two such slots may then share parts, which only adds up sooner) */
const MAX_SLOT_NAME = 80;
/** characters of the parts let go kept per slot (the last ones: what a stream sent after them continues); a 64-char token fits */
export const LET_GO_CHARS = 64;
/** slots whose let-go tail is kept; past it the book is overflowed (every later small send is asked about) */
export const MAX_LET_GO_SLOTS = 256;
/** between the parts of a let-go tail (a part is cut at one: it never holds one in practice) */
const SEP = '\u0001';
/**
 * What the record may take in memory at most: MAX_TOTAL_PARTS parts (a part object and a string of at
 * most MAX_PART chars, ~100 bytes) and as many slots (a name of MAX_SLOT_NAME chars, two bytes each, its
 * map entry and array, ~260 bytes), ~360 bytes each pair; part of each session's reservation (worstSessionBytes).
 */
/**
 * ... and the let-go tails: MAX_LET_GO_SLOTS entries of a key (a number), a string of at most
 * 2 * LET_GO_CHARS chars (the parts and their separators, two bytes each) and its counts, ~400 bytes each.
 */
export const SPREAD_BYTES = 256 * 1024 + MAX_LET_GO_SLOTS * 400;
/** slots taken from one URL (its first query parameters and path segments) */
const MAX_SLOTS_PER_URL = 12;

interface Part {
  v: string;
  /** the call that sent it (a counter of the session's calls that sent parts) */
  call: number;
}

/** One slot's parts joined: what to judge. */
export interface Stream {
  site: string;
  /** what the slot is, for reasons (`the v parameter of x.example/c`) */
  slot: string;
  /** the parts, oldest first, this call's last */
  parts: string[];
  /** calls the parts came from (of the parts let go: as many as were let go, at most) */
  calls: number;
  /** of `parts`, the first ones come from the slot's let-go tail: how many */
  letGo: number;
}

export interface CallParts {
  site: string;
  slot: string;
  values: string[];
}

function decode(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

/** The small parts of one URL, by slot (site-relative). */
function urlParts(u: string, out: CallParts[]): void {
  const host = hostOfUrl(u);
  if (!host) return;
  const site = registrableDomain(host);
  let rest: string;
  try {
    const p = new URL(u);
    rest = p.pathname + p.search;
  } catch {
    return;
  }
  let n = 0;
  const add = (slot: string, v: string): void => {
    const d = decode(v);
    if (d.length === 0 || d.length > MAX_PART || n >= MAX_SLOTS_PER_URL) return;
    n++;
    out.push({ site, slot, values: [d] });
  };
  // the first host label, below the site (`k7.px.collector.invalid`)
  if (host !== site && host.endsWith('.' + site)) {
    const labels = host.slice(0, -site.length - 1).split('.');
    add(`the first label of host names under ${labels.slice(1).concat(site).join('.')}`, labels[0] as string);
  }
  const q = rest.indexOf('?');
  const path = q >= 0 ? rest.slice(0, q) : rest;
  const query = q >= 0 ? rest.slice(q + 1) : '';
  const segs = path.split('/').filter((x) => x.length > 0);
  for (let i = 0; i < segs.length && i < 8; i++) {
    const seg = segs[i] as string;
    // an extension stays part of the template (`/c/81.png`)
    const dot = seg.lastIndexOf('.');
    const ext = dot > 0 && seg.length - dot <= 5 ? seg.slice(dot) : '';
    const tmpl = segs.map((x, j) => (j === i ? `*${ext}` : x)).join('/');
    add(`the path ${site}/${tmpl}`, ext ? seg.slice(0, dot) : seg);
  }
  for (const kv of query.split('&')) {
    const eq = kv.indexOf('=');
    if (eq <= 0) continue;
    add(`the ${decode(kv.slice(0, eq))} parameter of ${site}${path}`, kv.slice(eq + 1));
  }
}

/** A bare host name (`a1.zone.example`, as dig / nslookup / nc take it). */
const HOST_NAME = /^(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.){2,}[a-z][a-z0-9-]{1,23}$/i;

/**
 * The small parts a call sends, by site and slot: every URL in its payload (and a bare host name
 * of three labels or more); short fields that are no URL (an MCP tool's input fields, the data a
 * command sends), as slots of the destination `destKey`.
 */
export function callParts(payload: string, fields: readonly string[], destKey: string): CallParts[] {
  const out: CallParts[] = [];
  forEachUrl(payload, (u) => urlParts(u, out));
  let i = 0;
  for (const f of fields) {
    if (f.includes('://')) continue;
    if (HOST_NAME.test(f)) {
      urlParts(`http://${f}`, out);
      continue;
    }
    i++;
    if (f.length > 0 && f.length <= MAX_PART && i <= MAX_SLOTS_PER_URL)
      out.push({ site: destKey, slot: `field ${i} of what is sent to ${destKey}`, values: [f] });
  }
  // one slot's values of this call in order (a curl with several URLs)
  const merged = new Map<string, CallParts>();
  for (const p of out) {
    const k = `${p.site}\n${p.slot}`;
    const prev = merged.get(k);
    if (prev) prev.values.push(...p.values);
    else merged.set(k, p);
  }
  return [...merged.values()];
}

/** The key of a slot in the let-go summary (FNV-1a of site and slot name, 53 bits: a collision only joins two tails). */
function slotKey(site: string, slot: string): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  const s = `${site}\n${slot}`;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
  }
  return (h2 & 0x1fffff) * 0x100000000 + h1;
}

/** The parts a slot let go: the last LET_GO_CHARS characters of them, and how many were let go. */
interface LetGo {
  tail: string;
  parts: number;
}

/** A SpreadBook as saved (its parts are pieces of the data: the session store seals it). */
export interface SpreadState {
  calls: number;
  /** site -> slot -> [value, call] */
  sites: Array<[string, Array<[string, Array<[string, number]>]>]>;
  letGo: Array<[number, string, number]>;
  overflowed: boolean;
  /** overflowed because the parts saved before a restart could not be read back */
  unreadable?: boolean;
}

/** What one session sent to each site lately, in small parts by slot. */
export class SpreadBook {
  /** site -> slot -> parts, least recently used first at both levels */
  private readonly sites = new Map<string, Map<string, Part[]>>();
  private calls = 0;
  private total = 0;
  /** slot key -> the parts it let go (least recently let go first) */
  private readonly letGo = new Map<number, LetGo>();
  /** more slots let go parts than MAX_LET_GO_SLOTS keeps: a later small send may complete what the book cannot see */
  overflowed = false;
  /** the book changed since it was last saved */
  dirty = false;

  /** The streams this call's parts would make: the let-go tail and recent parts of each slot, then this call's. */
  streams(parts: readonly CallParts[]): Stream[] {
    const out: Stream[] = [];
    for (const p of parts) {
      const slot = p.slot.slice(0, MAX_SLOT_NAME);
      const prev = this.sites.get(p.site)?.get(slot) ?? [];
      const gone = this.letGo.get(slotKey(p.site, slot));
      if (prev.length === 0 && !gone) continue; // one call: the url-sequence decoder's
      const keep = prev.slice(-(MAX_PARTS - p.values.length));
      const tail = gone ? gone.tail.split(SEP) : [];
      const calls = new Set(keep.map((x) => x.call)).size + 1 + (gone ? gone.parts : 0);
      out.push({ site: p.site, slot: p.slot, parts: [...tail, ...keep.map((x) => x.v), ...p.values], calls, letGo: tail.length });
    }
    return out;
  }

  /** Parts of a slot let go for a bound: their last characters join the slot's let-go tail. */
  private lose(site: string, slot: string, parts: readonly Part[]): void {
    if (parts.length === 0) return;
    this.dirty = true;
    if (this.overflowed) return;
    const k = slotKey(site, slot);
    let g = this.letGo.get(k);
    if (g) this.letGo.delete(k);
    else if (this.letGo.size >= MAX_LET_GO_SLOTS) {
      this.overflowed = true;
      this.letGo.clear();
      return;
    } else g = { tail: '', parts: 0 };
    let tail = g.tail;
    for (const x of parts) tail = tail.length ? `${tail}${SEP}${x.v.replaceAll(SEP, '')}` : x.v.replaceAll(SEP, '');
    // the last LET_GO_CHARS characters of parts (separators not counted), whole parts only
    const vs = tail.split(SEP);
    let n = 0;
    let from = vs.length;
    while (from > 0 && n + (vs[from - 1] as string).length <= LET_GO_CHARS) n += (vs[--from] as string).length;
    g.tail = vs.slice(from).join(SEP);
    g.parts += parts.length;
    this.letGo.set(k, g);
  }

  /** Record a call that goes ahead. */
  note(parts: readonly CallParts[]): void {
    if (parts.length === 0) return;
    this.dirty = true;
    const call = ++this.calls;
    for (const p of parts) {
      const slot = p.slot.slice(0, MAX_SLOT_NAME);
      let site = this.sites.get(p.site);
      if (site) this.sites.delete(p.site);
      else site = new Map();
      this.sites.set(p.site, site);
      while (this.sites.size > MAX_SITES) this.dropSite(this.sites.keys().next().value as string);
      const list = site.get(slot) ?? [];
      site.delete(slot);
      site.set(slot, list);
      while (site.size > MAX_SLOTS) {
        const oldest = site.keys().next().value as string;
        const gone = site.get(oldest) ?? [];
        this.total -= gone.length;
        site.delete(oldest);
        this.lose(p.site, oldest, gone);
      }
      for (const v of p.values) list.push({ v, call });
      this.total += p.values.length;
      if (list.length > MAX_PARTS) {
        const gone = list.splice(0, list.length - MAX_PARTS);
        this.total -= gone.length;
        this.lose(p.site, slot, gone);
      }
    }
    // the session's bound: the oldest parts of the least recently used slots go first
    while (this.total > MAX_TOTAL_PARTS) {
      const [name, site] = this.sites.entries().next().value as [string, Map<string, Part[]>];
      const [slot, list] = (site.entries().next().value ?? ['', []]) as [string, Part[]];
      const drop = Math.min(list.length, this.total - MAX_TOTAL_PARTS);
      this.lose(name, slot, list.splice(0, drop));
      this.total -= drop;
      if (list.length === 0) site.delete(slot);
      if (site.size === 0) this.sites.delete(name);
    }
  }

  private dropSite(name: string): void {
    for (const [slot, list] of this.sites.get(name) ?? []) {
      this.total -= list.length;
      this.lose(name, slot, list);
    }
    this.sites.delete(name);
  }

  /** parts kept in all */
  get parts(): number {
    return this.total;
  }

  get size(): number {
    return this.sites.size;
  }

  /** slots whose let-go tail is kept */
  get letGoSlots(): number {
    return this.letGo.size;
  }

  /** Nothing to save (no part sent, nothing let go). */
  get empty(): boolean {
    return this.calls === 0 && !this.overflowed;
  }

  /** For saving (sealed by the session store: these are pieces of the data). */
  toState(): SpreadState {
    return {
      calls: this.calls,
      sites: [...this.sites].map(([site, slots]) => [site, [...slots].map(([slot, list]) => [slot, list.map((x) => [x.v, x.call] as [string, number])])]),
      letGo: [...this.letGo].map(([k, g]) => [k, g.tail, g.parts]),
      overflowed: this.overflowed,
      ...(this.unreadable ? { unreadable: true } : {}),
    };
  }

  /** A book saved before a restart (throws on a malformed one: the caller fails closed). */
  static fromState(st: SpreadState): SpreadBook {
    const b = new SpreadBook();
    if (typeof st !== 'object' || st === null || !Array.isArray(st.sites) || !Array.isArray(st.letGo)) throw new Error('bad spread state');
    b.calls = Number(st.calls) || 0;
    for (const [site, slots] of st.sites) {
      const m = new Map<string, Part[]>();
      for (const [slot, list] of slots) {
        const parts = list.map(([v, call]) => ({ v: String(v), call: Number(call) }));
        m.set(String(slot), parts);
        b.total += parts.length;
      }
      b.sites.set(String(site), m);
    }
    for (const [k, tail, parts] of st.letGo) b.letGo.set(Number(k), { tail: String(tail), parts: Number(parts) });
    b.overflowed = st.overflowed === true;
    b.unreadable = st.unreadable === true;
    return b;
  }

  /** A book whose saved parts could not be read back: it fails closed, as one past its bound. */
  static unreadable(): SpreadBook {
    const b = new SpreadBook();
    b.overflowed = true;
    b.unreadable = true;
    return b;
  }

  /** the saved parts could not be read back after a restart (overflowed for that reason) */
  unreadable = false;
}

/**
 * The texts a stream is judged as: its parts joined as written and, for a run of character codes
 * at its end (`/c/81.png`, `/c/68.png`), those characters. Null for numbering (`?page=1` … `?page=9`,
 * an arithmetic progression) and a slot that never changed.
 */
export function streamTexts(st: Stream): string[] | null {
  if (new Set(st.parts).size < 2 || isNumbering(st.parts)) return null;
  const out = [st.parts.join('')];
  // a fixed text around each part (`FYI: A`, `FYI: K` …): the varying middles joined
  const { pre, suf } = commonAffixes(st.parts);
  if (pre.length + suf.length > 0) {
    const mid = st.parts.map((p) => p.slice(Math.min(pre.length, p.length), Math.max(pre.length, p.length - suf.length))).join('');
    if (mid.length > 0) out.push(mid);
  }
  let i = st.parts.length;
  while (i > 0 && isCharCode(st.parts[i - 1] as string)) i--;
  if (st.parts.length - i >= 8) out.push(String.fromCharCode(...st.parts.slice(i).map(Number)));
  return out;
}
