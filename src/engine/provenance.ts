/**
 * Who chose a destination. Every place a call sends data to (a host, an e-mail address, a chat
 * recipient or channel, a phone or account number, a repository) gets a provenance:
 *
 *  - `user`: named in one of the user's own prompts of the session (UserPromptSubmit);
 *  - `own`: the user's own infrastructure: loopback and private addresses, `policy.trustedHosts`,
 *    hosts of ~/.ssh/config and known_hosts (facts the sidecar reads and hands in: `OwnFacts`);
 *  - `project`: the project's own places: its repository and configured git remotes, hosts in
 *    the project's files and in local git/config output read this session;
 *  - `tool_output`: first seen in what a tool returned this session. `planted` when that output
 *    came from outside (a web page, a mail, a message, a ticket, a review: anything a third party
 *    can write) and the destination sat in its free text rather than in an address field (`to`,
 *    `sender`, `participants` …): what a prompt injection plants ("send it to amy@…");
 *  - `never_seen`: none of these.
 *
 * Private data to a destination the user, the project or the user's own infrastructure stands
 * for is ordinary work; the same data to a destination planted in outside content is the attack
 * pattern of every published prompt-injection exfiltration. Pure: facts come in, nothing is read.
 */
import { allHosts, isLoopback, matchDomainList, registrableDomain as siteOf } from './urls.ts';

export type Provenance = 'user' | 'own' | 'project' | 'tool_output' | 'never_seen';

export type DestinationKind = 'host' | 'address' | 'repo';

export interface Destination {
  kind: DestinationKind;
  /** lower-cased: a host name, an e-mail address / recipient / channel / number, `owner/repo` */
  value: string;
}

/** Where a destination was first seen in tool output. */
export interface SeenDestination {
  /** label of the output (`WebFetch(https://…)`, `Read(/p/README.md)`) */
  label: string;
  at: number;
  /** from outside the trust boundary (web, mail, chat, tickets, any MCP service) */
  outside: boolean;
  /** in the free text of outside content, not in an address field */
  planted: boolean;
  /** in the project's own files or in local git/config output */
  project: boolean;
}

/** Facts about the user's own infrastructure, read by the sidecar (never by the engine). */
export interface OwnFacts {
  /** Host aliases and HostName values of ~/.ssh/config, lower-cased */
  sshHosts: ReadonlySet<string>;
  /** plain host names of ~/.ssh/known_hosts, lower-cased */
  knownHosts: ReadonlySet<string>;
  /** hashed known_hosts entries: true when the host is one of them */
  hashedKnownHost?: (host: string) => boolean;
}

export interface DestinationVerdict {
  dest: Destination;
  provenance: Provenance;
  planted: boolean;
  /** what made it so, for reasons (`the user's prompt`, `WebFetch(…) at 12:00`, `~/.ssh/config`) */
  via: string;
  /** a fact read from this machine's files decided it */
  live?: string;
  /**
   * never seen, but the book cannot tell that it was not planted: a bound let outside content go
   * unread or forgotten (DestinationBook.unsure), in words naming the bound
   */
  limit?: string;
}

/** Worst first: where an injection would send, then the unknown, then the chosen. */
const RANK: Record<string, number> = { planted: 0, never_seen: 1, tool_output: 2, project: 3, user: 4, own: 5 };
export const verdictRank = (v: DestinationVerdict): number => RANK[v.planted ? 'planted' : v.provenance] as number;

/** Chosen by the user, the project or the user's own infrastructure. */
export const isChosen = (p: Provenance | undefined): boolean => p === 'user' || p === 'project' || p === 'own';

export const MAX_PROMPT_CHARS = 64 * 1024;
export const MAX_PROMPTS = 64;
export const MAX_SEEN_DESTINATIONS = 4096;
/** One text is scanned for destinations this many chars at a time (destinationsIn reads no more of a prompt or input). */
export const MAX_SCAN_CHARS = 128 * 1024;
/**
 * A tool output is scanned for destinations up to this many chars, MAX_SCAN_CHARS a step (the recording
 * of a large output runs in steps, engine.outputSteps): as much as is fingerprinted of it (the default
 * session.maxResponseBytes); past it, response_limit and provenance_limit ask. Reading only the first
 * 128 KB made every large outside output (a 5,000-row MCP query result, a long page) one whose rest
 * might hide a planted host, so every payload to a new host asked after it; ~33 ms per MB, in steps.
 */
export const MAX_OUTPUT_SCAN_CHARS = 1024 * 1024;
/** Pieces of a long text overlap by this much, so a destination across a boundary is read whole (an e-mail or host is at most ~320 chars). */
const SCAN_OVERLAP = 512;
/** JSON in a text leaf is parsed (to tell address fields from free text) up to this size. */
const MAX_JSON_PARSE = 256 * 1024;

export const EMAIL_RE = /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+/g;
const EMAIL_AT_RE = new RegExp(EMAIL_RE.source, 'y');
/** a char of EMAIL_RE's local part */
const isLocal = (c: number): boolean =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45;

/**
 * The matches of EMAIL_RE in `t`, in order, without trying the regex at every position (it looks up
 * to 64 chars ahead from each: ~3 ms per 128 KB of output without one address). Every match has its
 * '@' within 64 chars of its start and its local part is a run of local chars ending at that '@'
 * ('@' is not one); so, with `floor` where the regex would resume, the next match has its '@' at the
 * first '@' q >= floor or later, and if at q it starts at the leftmost local char of the run before
 * q that is >= floor and >= q - 64 (from there, and from every later start, the local part reaches q
 * and the rest depends on what follows q alone). If the regex fails there it fails for every start
 * up to q, and resumes after q.
 */
export function emailsIn(t: string): string[] {
  const out: string[] = [];
  let floor = 0;
  for (let q = t.indexOf('@'); q >= 0; q = t.indexOf('@', Math.max(q + 1, floor))) {
    const low = Math.max(floor, q - 64);
    let s = q;
    while (s > low && isLocal(t.charCodeAt(s - 1))) s--;
    if (s === q) continue;
    EMAIL_AT_RE.lastIndex = s;
    const m = EMAIL_AT_RE.exec(t);
    if (!m) continue;
    out.push(m[0]);
    floor = s + m[0].length;
  }
  return out;
}
const IBAN_RE = /\b[A-Z]{2}\d{2}[A-Z0-9]{10,30}\b/g;
const PHONE_RE = /\+\d[\d -]{6,18}\d/g;
const REPO_RE = /github\.com[/:]([A-Za-z0-9-]{1,39})\/([A-Za-z0-9._-]{1,100})/g;

/** Keys whose values are addresses (structured data), not free text. */
const ADDRESS_KEY =
  /^(from|sender|senders|to|recipients?|cc|bcc|reply_?to|participants?|attendees?|invitees?|e?mails?|email_?address(es)?|user_?email|owner|author|members?|shared_?with|contacts?|iban|account(_?number)?|payee|users?|user_?name|channels?|phone(_?number)?|from_phone_number|to_phone_number|host|hostname|url|homepage|repository|remote)$/i;

export function normPhone(p: string): string {
  return p.replace(/[ -]/g, '');
}

/** Candidate destinations named in a text: hosts, e-mail addresses, IBANs, phone numbers, GitHub repos. */
export function destinationsIn(text: string): Destination[] {
  const out: Destination[] = [];
  const t = text.length > MAX_SCAN_CHARS ? text.slice(0, MAX_SCAN_CHARS) : text;
  for (const e of emailsIn(t)) out.push({ kind: 'address', value: e.toLowerCase() });
  if (t.includes('.')) for (const h of allHosts(t)) out.push({ kind: 'host', value: h });
  // a search operator names a site whatever its ending looks like (`site:crm-lookup.info`)
  if (t.includes('site:')) for (const h of siteOperands(t)) out.push({ kind: 'host', value: h });
  if (/[A-Z]{2}\d\d/.test(t)) for (const m of t.matchAll(IBAN_RE)) out.push({ kind: 'address', value: m[0].toLowerCase() });
  if (t.includes('+')) for (const m of t.matchAll(PHONE_RE)) out.push({ kind: 'address', value: normPhone(m[0]) });
  if (t.includes('github.com'))
    for (const m of t.matchAll(REPO_RE)) out.push({ kind: 'repo', value: `${m[1]}/${(m[2] as string).replace(/\.git$/, '')}`.toLowerCase() });
  return out;
}

/** A destination a tool output names, and whether it stands in free text (part of longer prose, not a whole field). */
export interface NamedDestination {
  d: Destination;
  free: boolean;
}

/** The destinations of one output; `cut`: chars of it past MAX_SCAN_CHARS, never looked at for destinations. */
export type NamedDestinations = NamedDestination[] & { cut?: number };

/** The destinations a tool output names, in order (DestinationBook.noteOutput records them). */
export function outputDestinations(response: unknown, extra: string[]): NamedDestinations {
  const out: NamedDestinations = [];
  for (const _ of outputDestinationSteps(response, extra, out)) {
    // one text after the other
  }
  return out;
}

/** outputDestinations into `out`, in steps: one text of the output each. */
export function* outputDestinationSteps(response: unknown, extra: string[], out: NamedDestinations): Generator<void, void, void> {
  const unread = { chars: 0 };
  const leaves = leavesWithKeys(response, MAX_OUTPUT_SCAN_CHARS, unread);
  for (const e of extra) leaves.push(['', e]);
  for (const [, text] of leaves) if (text.length > MAX_OUTPUT_SCAN_CHARS) unread.chars += text.length - MAX_OUTPUT_SCAN_CHARS;
  if (unread.chars > 0) out.cut = unread.chars;
  for (const [key, text] of leaves) {
    if (text.length < 4) continue;
    const structured = ADDRESS_KEY.test(key) || key === 'address';
    const len = structured ? 0 : text.trim().length;
    const end = Math.min(text.length, MAX_OUTPUT_SCAN_CHARS);
    // a long text a piece at a time (overlapping, so nothing across a boundary is missed; a destination
    // inside an overlap is named twice, as one named twice in the text would be)
    for (let from = 0; ; from += MAX_SCAN_CHARS - SCAN_OVERLAP) {
      const piece = from === 0 && end <= MAX_SCAN_CHARS ? text : text.slice(from, Math.min(end, from + MAX_SCAN_CHARS));
      // in free text: the value is part of longer prose, not the whole field
      for (const d of destinationsIn(piece)) out.push({ d, free: !structured && len > d.value.length + 8 });
      yield;
      if (from + MAX_SCAN_CHARS >= end) break;
    }
  }
}

/** The sites of `site:x` search operators in a text (lower-cased host names). */
export function siteOperands(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?<![\w.])(?:site|inurl|domain):(?:https?:\/\/)?((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,23})(?![\w-])/gi))
    out.push((m[1] as string).toLowerCase());
  return out;
}

const keyOf = (d: Destination): string => `${d.kind}:${d.value}`;

/**
 * Every string of a tool output with the key it sits under. Text that is itself JSON (MCP servers
 * return `[{type: "text", text: "<JSON>"}]`) is parsed so its fields count as fields.
 */
function leavesWithKeys(value: unknown, budget: number, unread = { chars: 0 }): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const stack: Array<[unknown, string, number]> = [[value, '', 0]];
  let left = budget;
  while (stack.length > 0 && left > 0) {
    const [v, key, depth] = stack.pop() as [unknown, string, number];
    if (depth > 64) {
      // nested deeper than the walk goes: whatever it holds is not read
      unread.chars += 1;
      continue;
    }
    if (typeof v === 'string') {
      const s = v.trim();
      if ((s.startsWith('{') || s.startsWith('[')) && s.length <= MAX_JSON_PARSE && depth < 8) {
        try {
          stack.push([JSON.parse(s), key, depth + 1]);
          continue;
        } catch {
          // not JSON after all: free text
        }
      }
      const t = v.length > left ? v.slice(0, left) : v;
      unread.chars += v.length - t.length;
      left -= t.length;
      out.push([key, t]);
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], key, depth + 1]);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        stack.push([x, k, depth + 1]);
        // an object keyed by addresses (`shared_with: {"a@b.c": "rw"}`): the keys are addresses
        if (k.length >= 5 && (k.includes('@') || k.includes('.'))) out.push(['address', k]);
      }
    }
  }
  // the budget ran out before the walk did: what is left holds text never read (at least a char)
  for (const [v] of stack)
    if (typeof v === 'string') unread.chars += v.length;
    else if (v !== null && typeof v === 'object') unread.chars += 1;
  return out;
}

/** What a session saves of its book: keyed hashes of destinations, never the destinations themselves. */
export interface DestinationBookState {
  /** hashes of the destinations named in prompts (and their sites) */
  prompts: number[];
  seen: Array<[number, SeenDestination]>;
  /** hashes of the owners of the project's repositories */
  owners: number[];
  /** hashes of planted destinations let go from `seen` (PlantedLetGo) */
  plantedLetGo?: number[];
  /** more planted destinations were let go than PlantedLetGo keeps */
  plantedOverflow?: boolean;
  /** the last outside output read only in part for destinations */
  cut?: { label: string; at: number; chars: number };
}

const TWO32 = 4294967296;
/** Home slot of a 53-bit key in a table of 2^bits slots. */
const homeOf = (key: number, shift: number): number => Math.imul((key >>> 0) ^ Math.imul(Math.floor(key / TWO32), 0x27d4eb2d), 0x9e3779b1) >>> shift;

/**
 * Destinations seen in tool output, by the session's keyed hash of `kind:value` (53 bits), never the
 * text: a ring of keys in the order they were first seen (the oldest is dropped past
 * MAX_SEEN_DESTINATIONS), an open-addressing index into it (linear probing, deletion by backward
 * shift), and for each key the id of its sighting record, one per tool output and shared by every
 * destination that output named. About 16 bytes a destination (a Map of strings took ~106).
 */
export class SeenDestinations {
  private keys = new Float64Array(16);
  private recIds = new Int32Array(16);
  /** ring position + 1 of each key, 0 = empty; twice the ring's size */
  private index = new Uint16Array(32);
  private shift = 32 - 5;
  private head = 0;
  size = 0;
  private readonly records = new Map<number, { s: SeenDestination; refs: number }>();
  private readonly idOf = new Map<SeenDestination, number>();
  private nextId = 0;

  constructor(
    private readonly max = MAX_SEEN_DESTINATIONS,
    /** told of each destination dropped to make room */
    private readonly onDrop?: (key: number, s: SeenDestination) => void,
  ) {}

  private find(key: number): number {
    const mask = this.index.length - 1;
    for (let i = homeOf(key, this.shift); ; i = (i + 1) & mask) {
      const p = this.index[i] as number;
      if (p === 0) return -1;
      if (this.keys[p - 1] === key) return i;
    }
  }

  has(key: number): boolean {
    return this.find(key) >= 0;
  }

  get(key: number): SeenDestination | undefined {
    const i = this.find(key);
    return i < 0 ? undefined : this.records.get(this.recIds[(this.index[i] as number) - 1] as number)?.s;
  }

  /** Remember a key not seen before (callers check has() first). */
  add(key: number, s: SeenDestination): void {
    if (this.size === this.keys.length) {
      if (this.size >= this.max) this.dropOldest();
      else this.grow();
    }
    let id = this.idOf.get(s);
    if (id === undefined) {
      id = this.nextId;
      this.nextId = (this.nextId + 1) | 0;
      this.idOf.set(s, id);
      this.records.set(id, { s, refs: 0 });
    }
    (this.records.get(id) as { refs: number }).refs++;
    const pos = (this.head + this.size) % this.keys.length;
    this.keys[pos] = key;
    this.recIds[pos] = id;
    this.size++;
    this.place(key, pos);
  }

  private place(key: number, pos: number): void {
    const mask = this.index.length - 1;
    let i = homeOf(key, this.shift);
    while (this.index[i] !== 0) i = (i + 1) & mask;
    this.index[i] = pos + 1;
  }

  private dropOldest(): void {
    const pos = this.head;
    const key = this.keys[pos] as number;
    const rec = this.records.get(this.recIds[pos] as number);
    if (rec) this.onDrop?.(key, rec.s);
    if (rec && --rec.refs === 0) {
      this.records.delete(this.recIds[pos] as number);
      this.idOf.delete(rec.s);
    }
    this.head = (this.head + 1) % this.keys.length;
    this.size--;
    // backward-shift deletion: the keys after it in its probe run move up so no lookup stops early
    const mask = this.index.length - 1;
    let i = this.find(key);
    if (i < 0) return;
    for (let j = (i + 1) & mask; this.index[j] !== 0; j = (j + 1) & mask) {
      const h = homeOf(this.keys[(this.index[j] as number) - 1] as number, this.shift);
      // the entry at j may move to i when its home is not in the cyclic range (i, j]
      if (i <= j ? h <= i || h > j : h <= i && h > j) {
        this.index[i] = this.index[j] as number;
        i = j;
      }
    }
    this.index[i] = 0;
  }

  private grow(): void {
    const cap = Math.min(this.max, this.keys.length * 2);
    const keys = new Float64Array(cap);
    const recIds = new Int32Array(cap);
    for (let k = 0; k < this.size; k++) {
      const from = (this.head + k) % this.keys.length;
      keys[k] = this.keys[from] as number;
      recIds[k] = this.recIds[from] as number;
    }
    this.keys = keys;
    this.recIds = recIds;
    this.head = 0;
    let slots = 32;
    while (slots < cap * 2) slots *= 2;
    this.index = new Uint16Array(slots);
    this.shift = 32 - Math.log2(slots);
    for (let k = 0; k < this.size; k++) this.place(keys[k] as number, k);
  }

  /** Oldest first. */
  *entries(): IterableIterator<[number, SeenDestination]> {
    for (let k = 0; k < this.size; k++) {
      const pos = (this.head + k) % this.keys.length;
      const rec = this.records.get(this.recIds[pos] as number);
      if (rec) yield [this.keys[pos] as number, rec.s];
    }
  }

  /** Bytes held (arrays, and the records at ~120 bytes each with their label). */
  approxBytes(): number {
    let n = this.keys.byteLength + this.recIds.byteLength + this.index.byteLength;
    for (const r of this.records.values()) n += 120 + r.s.label.length;
    return n;
  }
}

/** Planted destinations let go from the book that PlantedLetGo keeps; past it, every never-seen destination could be one. */
export const MAX_PLANTED_LET_GO = 1024;
/** What PlantedLetGo's set takes (twice as many slots as keys, 8 bytes each); part of the session's reservation. */
export const PLANTED_LET_GO_BYTES = MAX_PLANTED_LET_GO * 2 * 8;

/**
 * The bounded summary of the planted destinations the book let go (MAX_SEEN_DESTINATIONS): their
 * keyed hashes, in an open-addressing set made on the first one (16 KiB), up to MAX_PLANTED_LET_GO;
 * past that `overflow`, and the book no longer knows which destinations were planted.
 */
export class PlantedLetGo {
  private slots: Float64Array | undefined;
  size = 0;
  overflow = false;

  private slot(key: number): number {
    const t = this.slots as Float64Array;
    const mask = t.length - 1;
    let i = homeOf(key, 32 - Math.log2(t.length));
    while (t[i] !== 0 && t[i] !== key) i = (i + 1) & mask;
    return i;
  }

  add(key: number): void {
    const k = key === 0 ? 1 : key;
    this.slots ??= new Float64Array(PLANTED_LET_GO_BYTES / 8);
    const i = this.slot(k);
    if (this.slots[i] === k) return;
    if (this.size >= MAX_PLANTED_LET_GO) {
      this.overflow = true;
      return;
    }
    this.slots[i] = k;
    this.size++;
  }

  has(key: number): boolean {
    if (!this.slots) return false;
    const k = key === 0 ? 1 : key;
    return this.slots[this.slot(k)] === k;
  }

  keys(): number[] {
    return this.slots ? [...this.slots].filter((k) => k !== 0) : [];
  }

  approxBytes(): number {
    return this.slots ? this.slots.byteLength : 0;
  }
}

/** Per session: the user's prompts and where each destination was first seen. */
export class DestinationBook {
  readonly prompts: string[] = [];
  private promptChars = 0;
  /** planted destinations `seen` let go, so they stay planted */
  readonly plantedLetGo = new PlantedLetGo();
  /** where each destination was first seen, by keyed hash (never the destination itself) */
  readonly seen = new SeenDestinations(MAX_SEEN_DESTINATIONS, (key, s) => {
    if (s.planted) this.plantedLetGo.add(key);
  });
  /** the last outside output whose destinations were read only in part (MAX_SCAN_CHARS) */
  cut: { label: string; at: number; chars: number } | undefined;
  /** hashes of destinations named in prompts before a restart (the prompts' text is not saved) */
  private readonly savedPrompt = new Set<number>();
  /** hashes of the owners of the project's repositories (the user's accounts) */
  private readonly owners = new Set<number>();

  /** `hash` is the session's keyed hash: what the book keys destinations by, in memory and in the saved state. */
  constructor(private readonly hash: (s: string) => number = () => 0) {}

  private changes = 0;
  /**
   * Changes so far: toState() is the same while this is. The session store packs the book again only
   * when it moved (a session's book can hold thousands of destinations: packing it on every save of a
   * busy session cost 6-11 ms a commit).
   */
  get version(): number {
    return this.changes;
  }

  notePrompt(prompt: string): void {
    this.changes++;
    const p = prompt.toLowerCase();
    if (this.prompts.length >= MAX_PROMPTS || this.promptChars + p.length > MAX_PROMPT_CHARS) {
      // keep the newest: drop the oldest until it fits
      while (this.prompts.length > 0 && (this.prompts.length >= MAX_PROMPTS || this.promptChars + p.length > MAX_PROMPT_CHARS))
        this.promptChars -= (this.prompts.shift() as string).length;
    }
    const q = p.length > MAX_PROMPT_CHARS ? p.slice(0, MAX_PROMPT_CHARS) : p;
    this.prompts.push(q);
    this.promptChars += q.length;
  }

  /**
   * Record the destinations a tool output names (first sighting wins). Returns how many were new.
   * `named`: outputDestinations(response, extra), when the caller has it already.
   */
  noteOutput(
    response: unknown,
    extra: string[],
    src: { label: string; at: number; outside: boolean; project: boolean },
    named: NamedDestinations = outputDestinations(response, extra),
  ): number {
    let added = 0;
    // outside content read only in part: a destination planted past the part read is not known as one
    if (src.outside && named.cut) {
      this.cut = { label: src.label, at: src.at, chars: named.cut };
      added++;
    }
    // one record per output, shared by every destination it names (thousands of e-mail addresses in
    // one query result must not cost an object each)
    const inFree = { label: src.label, at: src.at, outside: src.outside, planted: src.outside, project: src.project };
    const inField = src.outside ? { ...inFree, planted: false } : inFree;
    for (const { d, free } of named) {
      const h = this.hash(keyOf(d));
      if (this.seen.has(h)) continue;
      this.seen.add(h, free ? inFree : inField);
      // a repository of the project's own context (`git remote -v`): its owner is the user's account
      if (src.project && d.kind === 'repo' && this.owners.size < MAX_SEEN_DESTINATIONS) this.owners.add(this.hash(d.value.split('/')[0] as string));
      added++;
    }
    if (added > 0) this.changes++;
    return added;
  }

  /**
   * A destination the agent itself used in a call that went ahead (never seen before it): later
   * output that names it (the site's own answer) does not make it planted.
   */
  noteUsed(d: Destination, label: string, at: number): boolean {
    const h = this.hash(keyOf(d));
    if (this.seen.has(h)) return false;
    this.seen.add(h, { label, at, outside: false, planted: false, project: false });
    this.changes++;
    return true;
  }

  inPrompt(d: Destination): boolean {
    const forms = [d.value];
    if (d.kind === 'host') {
      const site = siteOf(d.value);
      if (site && site !== d.value) forms.push(site);
    }
    if (d.kind === 'repo') forms.push((d.value.split('/')[0] as string) + '/');
    if (this.savedPrompt.size > 0 && forms.some((f) => this.savedPrompt.has(this.hash(f)))) return true;
    if (this.prompts.length === 0) return false;
    return this.prompts.some((p) => forms.some((f) => f.length >= 3 && containsWord(p, f)));
  }

  /** Is this an owner of a repository seen in the project's own context (`git remote -v`): the user's account? */
  isProjectOwner(owner: string): boolean {
    return this.owners.size > 0 && this.owners.has(this.hash(owner));
  }

  /** The first sighting of a destination (a host also by its site: api.x.com after x.com). */
  sighting(d: Destination): SeenDestination | undefined {
    const s = this.seen.get(this.hash(keyOf(d)));
    if (s || d.kind !== 'host') return s;
    const site = siteOf(d.value);
    return site && site !== d.value ? this.seen.get(this.hash(keyOf({ kind: 'host', value: site }))) : undefined;
  }

  /** A planted destination (a host also by its site) the book let go to keep MAX_SEEN_DESTINATIONS. */
  plantedThenLetGo(d: Destination): boolean {
    if (this.plantedLetGo.size === 0) return false;
    if (this.plantedLetGo.has(this.hash(keyOf(d)))) return true;
    const site = d.kind === 'host' ? siteOf(d.value) : undefined;
    return site !== undefined && site !== d.value && this.plantedLetGo.has(this.hash(keyOf({ kind: 'host', value: site })));
  }

  /**
   * Why the book cannot tell that a destination it has not seen was not planted, naming the bound:
   * outside content read only in part, or more planted destinations let go than it keeps.
   */
  unsure(time: (ms: number) => string): string | undefined {
    if (this.plantedLetGo.overflow)
      return `it may have been planted in outside content this session read: more than the ${MAX_PLANTED_LET_GO.toLocaleString('en-US')} planted destinations the guard keeps past the ${MAX_SEEN_DESTINATIONS.toLocaleString('en-US')} destinations a session remembers were let go`;
    const c = this.cut;
    if (c)
      return `it may have been planted in ${c.label} at ${time(c.at)}, content from outside of which the guard read the first ${MAX_OUTPUT_SCAN_CHARS / 1024} KB for destinations (${c.chars.toLocaleString('en-US')} more characters were not looked at)`;
    return undefined;
  }

  /**
   * For the saved session state, which keeps labels and hashes, never content: of each prompt only
   * the destinations it names (hosts, addresses, numbers, repositories), not its text. After a
   * restart a recipient named by a bare word (`send it to Alice`) is no longer known as the user's.
   */
  toState(): DestinationBookState {
    const prompts = new Set<number>(this.savedPrompt);
    for (const p of this.prompts) {
      for (const d of destinationsIn(p)) {
        prompts.add(this.hash(d.value));
        if (d.kind === 'host') prompts.add(this.hash(siteOf(d.value)));
        if (d.kind === 'repo') prompts.add(this.hash((d.value.split('/')[0] as string) + '/'));
      }
    }
    const st: DestinationBookState = { prompts: [...prompts], seen: [...this.seen.entries()], owners: [...this.owners] };
    if (this.plantedLetGo.size > 0) st.plantedLetGo = this.plantedLetGo.keys();
    if (this.plantedLetGo.overflow) st.plantedOverflow = true;
    if (this.cut) st.cut = { ...this.cut };
    return st;
  }

  restore(st: Partial<DestinationBookState> | undefined): void {
    if (!st) return;
    this.changes++;
    for (const h of st.prompts ?? []) if (typeof h === 'number') this.savedPrompt.add(h);
    // records come back one per destination: share them again, one per output
    const shared = new Map<string, SeenDestination>();
    for (const [h, v] of st.seen ?? []) {
      if (typeof h !== 'number' || this.seen.has(h)) continue;
      const k = `${v.label}\0${v.at}\0${v.outside}${v.planted}${v.project}`;
      let rec = shared.get(k);
      if (!rec) shared.set(k, (rec = v));
      this.seen.add(h, rec);
    }
    for (const h of st.owners ?? []) if (typeof h === 'number') this.owners.add(h);
    for (const h of st.plantedLetGo ?? []) if (typeof h === 'number') this.plantedLetGo.add(h);
    if (st.plantedOverflow === true) this.plantedLetGo.overflow = true;
    const c = st.cut;
    if (c && typeof c.label === 'string' && typeof c.at === 'number' && typeof c.chars === 'number') this.cut = { label: c.label, at: c.at, chars: c.chars };
  }

  /** Bytes held, for the memory the sessions account for (flow-tracker approxBytes). */
  approxBytes(): number {
    return (
      this.seen.approxBytes() +
      this.plantedLetGo.approxBytes() +
      (this.cut ? 120 + this.cut.label.length : 0) +
      this.promptChars * 2 +
      this.prompts.length * 32 +
      (this.savedPrompt.size + this.owners.size) * 40
    );
  }
}

/** `needle` in `hay` not as part of a longer word (so `bob` is not found in `bobby`). */
function containsWord(hay: string, needle: string): boolean {
  let i = hay.indexOf(needle);
  while (i >= 0) {
    const a = i === 0 ? '' : (hay[i - 1] as string);
    const b = hay[i + needle.length] ?? '';
    if (!/[a-z0-9_]/.test(a) && !/[a-z0-9_]/.test(b)) return true;
    i = hay.indexOf(needle, i + 1);
  }
  return false;
}

/** Private, link-local and local-network host names and addresses. */
export function isPrivateHost(host: string): boolean {
  const h = host.toLowerCase();
  if (isLoopback(h)) return true;
  if (
    /^10\.\d+\.\d+\.\d+$/.test(h) ||
    /^192\.168\.\d+\.\d+$/.test(h) ||
    /^172\.(1[6-9]|2\d|3[01])\.\d+\.\d+$/.test(h) ||
    /^169\.254\.\d+\.\d+$/.test(h) ||
    /^100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.\d+\.\d+$/.test(h)
  )
    return true;
  if (/^(fc|fd)[0-9a-f]{2}:/i.test(h) || /^fe80:/i.test(h)) return true;
  return /\.(local|lan|home\.arpa|internal|localdomain|home|corp)$/.test(h) || (!h.includes('.') && /^[a-z][a-z0-9-]*$/.test(h));
}

export interface ProvenanceContext {
  book: DestinationBook;
  trustedHosts: readonly string[];
  own?: OwnFacts;
  /** repositories of the project: the working directory's name, remotes seen or configured */
  projectRepo: (repo: string) => boolean;
  /** the time of day, for reasons */
  time: (ms: number) => string;
}

/** Who chose one destination. */
export function provenanceOf(d: Destination, ctx: ProvenanceContext): DestinationVerdict {
  if (d.kind === 'host') {
    if (matchDomainList(d.value, ctx.trustedHosts)) return { dest: d, provenance: 'own', planted: false, via: 'policy.trustedHosts' };
    const o = ctx.own;
    if (o) {
      if (o.sshHosts.has(d.value)) return { dest: d, provenance: 'own', planted: false, via: '~/.ssh/config', live: 'ssh config' };
      if (o.knownHosts.has(d.value) || (o.hashedKnownHost?.(d.value) ?? false))
        return { dest: d, provenance: 'own', planted: false, via: '~/.ssh/known_hosts', live: 'ssh known_hosts' };
    }
    if (isPrivateHost(d.value)) return { dest: d, provenance: 'own', planted: false, via: 'a loopback or private address' };
  }
  if (ctx.book.inPrompt(d)) return { dest: d, provenance: 'user', planted: false, via: "the user's prompt" };
  if (d.kind === 'repo') {
    if (ctx.projectRepo(d.value)) return { dest: d, provenance: 'project', planted: false, via: "the project's repository" };
    const owner = d.value.includes('/') ? (d.value.split('/')[0] as string) : '';
    if (owner && ctx.book.isProjectOwner(owner))
      return { dest: d, provenance: 'project', planted: false, via: `${owner}, the account that owns the project's repository` };
  }
  const s = ctx.book.sighting(d);
  if (s) {
    if (s.project) return { dest: d, provenance: 'project', planted: false, via: `${s.label} (a project file or local git output)` };
    return { dest: d, provenance: 'tool_output', planted: s.planted, via: `${s.label} at ${ctx.time(s.at)}` };
  }
  if (ctx.book.plantedThenLetGo(d))
    return {
      dest: d,
      provenance: 'tool_output',
      planted: true,
      via: `a tool output this session read earlier (let go for the ${MAX_SEEN_DESTINATIONS.toLocaleString('en-US')} destinations a session remembers, its hash kept)`,
    };
  const limit = ctx.book.unsure(ctx.time);
  return { dest: d, provenance: 'never_seen', planted: false, via: 'nowhere in this session', ...(limit ? { limit } : {}) };
}

/** Keys of a tool input that name where a message or payment goes. */
const RECIPIENT_KEY =
  /^(to|recipients?|cc|bcc|email|emails|user_?email|recipient_?email|channel|channel_?(id|name)|recipient_?id|phone(_?number)?|to_?phone_?number|iban|account|payee|user|username|chat_?id|participants?|attendees?|invitees?|guests?|share_?with|shared_?with)$/i;

/** The addresses (e-mail, recipients, channels, numbers) a tool input sends to. */
export function addressesOf(input: Record<string, unknown>): Destination[] {
  const out: Destination[] = [];
  const add = (v: unknown): void => {
    if (typeof v === 'string' && v.length > 0 && v.length <= 320) {
      const s = v.trim();
      out.push({ kind: 'address', value: s.startsWith('+') ? normPhone(s) : s.toLowerCase() });
    } else if (Array.isArray(v)) for (const x of v.slice(0, 50)) add(x);
  };
  for (const [k, v] of Object.entries(input)) if (RECIPIENT_KEY.test(k)) add(v);
  return out;
}
