/**
 * Who sent a hook event: Claude Code's own hook call, or another process speaking as Claude Code.
 *
 * A prompt-injected agent runs code as the user. It can reach the sidecar (the socket, the HTTP port with
 * the token it can read) however it builds their names, and send made-up events: a `UserPromptSubmit`
 * for its own session naming the attacker's host makes that host the user's choice, and the real send
 * is then let go; made-up tool outputs fill or confuse the session. String rules on the command line
 * (src/engine/tamper.ts) are a first line; this is the one that holds when they are bypassed.
 *
 * HTTP hooks (the default install) are posted by the Claude Code process itself over one keep-alive
 * connection per session (measured with 2.1.330 and 2.1.332); a forged event comes from another process
 * (curl, python, node, the hook file run by a Bash call, even another `claude --resume`). The kernel says
 * which process holds the client end of a loopback connection (/proc/net/tcp gives its inode and uid,
 * /proc/<pid>/fd its owner). A session is bound to the process (pid and start time) of its first HTTP
 * event, which is Claude Code's: its first event (the user's prompt) comes before the agent can run
 * anything, and nobody can guess a new session's id. From then on an event for that session from any
 * other process, or over the Unix socket, is refused and nothing in it is applied; the process is looked
 * up once per connection (one directory of descriptors when the session is bound, a scan of the process
 * list, in slices, only for a session's first connection).
 *
 * What cannot be verified (no /proc: macOS; the owner not found within the budget; a scan refused under
 * a flood) is accepted, but it raises no trust: a prompt that cannot be verified does not make the
 * destinations it names the user's choice. Over the Unix socket no process can be verified (Node has no
 * SO_PEERCRED, and a command hook is a process like any other the agent can start, the hook file
 * included): where HTTP hooks are installed its prompts raise no trust and sessions bound to HTTP take
 * nothing from it; with the command transport alone, the socket is the hooks' only way in, and only the
 * string rules stand (README, security).
 */
import { holdsSocket, loopbackPeer, processExe, processParent, processStart, socketOwner, type LoopbackPeer, type OwnerSearch } from './peer.ts';

/** Events that raise trust: what they say becomes the user's word. */
export const TRUST_RAISING: ReadonlySet<string> = new Set(['UserPromptSubmit']);

/** Where an event came in. `conn` is the connection (one lookup per connection); ports are the loopback pair. */
export type Caller = { channel: 'http'; conn: object; remotePort: number; localPort: number } | { channel: 'socket' };

export type Verdict =
  /** apply it; `trusted` false: it raises no trust (a prompt from it is not the user's word), with why */
  | { accept: true; trusted: true }
  | { accept: true; trusted: false; why: string }
  /** not from Claude Code's hook call for this session: apply nothing */
  | { accept: false; why: string };

/** What the kernel says about processes and connections (Linux /proc; tests pass their own). */
export interface ProcFacts {
  /** null where the facts can be read; else why not (macOS, /proc not mounted) */
  unavailable(): string | null;
  peer(remotePort: number, localPort: number): LoopbackPeer | undefined;
  holds(pid: number, inode: string): boolean;
  start(pid: number): string | undefined;
  /** the program a process runs (/proc/<pid>/exe), undefined when it cannot be read */
  exe(pid: number): string | undefined;
  /** its parent's pid, undefined when it is gone */
  parent(pid: number): number | undefined;
  owner(inode: string, candidates: readonly number[], budgetMs: number): Promise<OwnerSearch>;
}

export const linuxProc: ProcFacts = {
  unavailable: () => {
    if (process.platform !== 'linux') return `${process.platform} has no /proc to say which process made a connection`;
    return processStart(process.pid) === undefined ? '/proc cannot be read here' : null;
  },
  peer: loopbackPeer,
  holds: holdsSocket,
  start: processStart,
  exe: processExe,
  parent: processParent,
  owner: socketOwner,
};

/** Sessions bound to a process, at most (each ~100 bytes; the sidecar holds at most session.maxSessions sessions). */
export const MAX_BINDINGS = 8192;
/** Sessions one process may bind (Claude Code makes a new session id per /clear); past it its oldest binding goes. */
export const MAX_SESSIONS_PER_PROCESS = 256;
/** Wall time a search of the process list may take (in slices; the event loop goes on between them). */
export const OWNER_BUDGET_MS = 1500;
/** Searches of the whole process list per minute, at most: a flood of new connections cannot turn into CPU. */
export const OWNER_SCANS_PER_MINUTE = 120;
/** Processes tried before the whole list: the Claude Code processes bound most recently, and the pids hinted. */
const CANDIDATES = 32;
/** Pids hinted by the starter hook (its parent: a Claude Code about to post its first HTTP event), kept. */
const HINTS = 16;
/** Parents followed up from a process to see whether a bound Claude Code started it. */
const MAX_ANCESTRY = 64;

interface Binding {
  pid: number;
  start: string;
  at: number;
}

interface ConnFacts {
  peer?: LoopbackPeer;
  /** the process found holding it */
  owner?: number;
  /** a bound process found not to hold it (pid:start): its next event is refused without a look */
  notHeldBy?: string;
  /** a search of the process list for it, under way (events that come at once on one connection share it) */
  search?: Promise<OwnerSearch>;
}

export interface HookCallerStats {
  /** how callers are verified here, or why they cannot be */
  verification: string;
  /** events accepted from the session's own Claude Code process */
  verified: number;
  /** events accepted unverified (they raise no trust), and prompts among them */
  unverified: number;
  prompts_not_trusted: number;
  /** events refused: not from Claude Code's hook call for their session */
  refused: number;
  sessions_bound: number;
  /** searches of the process list, and those that ran out of time or were refused under a flood */
  owner_scans: number;
  owner_scans_failed: number;
  /** pids hinted by the starter hook (searched first) */
  hints: number;
  /** searches that found the owner among the hinted and bound processes, without reading the process list */
  owner_found_first: number;
  /** wall time of the last search and the longest, in ms (the event loop runs between its slices) */
  owner_scan_ms: { last: number; max: number };
  last_refused: { at: string; session: string; event: string; channel: string; why: string } | null;
  last_unverified: { at: string; session: string; event: string; channel: string; why: string } | null;
}

export interface HookCallersOptions {
  proc?: ProcFacts;
  /** are HTTP hooks the way Claude Code reaches this sidecar (hook.httpPort set)? Then the socket's prompts raise no trust */
  httpHooks: () => boolean;
  ownUid?: number;
  now?: () => number;
  ownerBudgetMs?: number;
  scansPerMinute?: number;
  maxBindings?: number;
  perProcess?: number;
  /** a binding was made or dropped (the sidecar saves them, so a restart does not forget) */
  onChange?: () => void;
  /**
   * The pid the starter hook's shell left when it found the sidecar running (`starter-hint` in the state
   * dir: it starts no node to ping with), read when a connection's owner is searched; undefined when none.
   */
  hinted?: () => number | undefined;
}

export class HookCallers {
  private readonly proc: ProcFacts;
  private readonly bindings = new Map<string, Binding>();
  private readonly conns = new WeakMap<object, ConnFacts>();
  private readonly counts = {
    verified: 0,
    unverified: 0,
    prompts_not_trusted: 0,
    refused: 0,
    owner_scans: 0,
    owner_scans_failed: 0,
    hints: 0,
    owner_found_first: 0,
  };
  private lastRefused: HookCallerStats['last_refused'] = null;
  private lastUnverified: HookCallerStats['last_unverified'] = null;
  private scanTimes: number[] = [];
  private hints: number[] = [];
  private scanMs = { last: 0, max: 0 };
  private readonly why: string | null;
  private readonly ownUid: number | undefined;
  private readonly now: () => number;

  constructor(private readonly opts: HookCallersOptions) {
    this.proc = opts.proc ?? linuxProc;
    this.why = this.proc.unavailable();
    this.ownUid = opts.ownUid ?? process.getuid?.();
    this.now = opts.now ?? Date.now;
  }

  /**
   * Judge one parsed event's caller. Never throws; refuses only what is known not to be the session's
   * Claude Code. A promise only when the process list has to be searched (a session's first connection):
   * otherwise decided at once, so events keep the order they came in.
   */
  judge(caller: Caller, sessionId: string, event: string): Verdict | Promise<Verdict> {
    const v = caller.channel === 'http' ? this.judgeHttp(caller, sessionId) : this.judgeSocket(sessionId, event);
    return v instanceof Promise ? v.then((x) => this.count(x, caller, sessionId, event)) : this.count(v, caller, sessionId, event);
  }

  private count(v: Verdict, caller: Caller, sessionId: string, event: string): Verdict {
    const at = new Date(this.now()).toISOString();
    if (!v.accept) {
      this.counts.refused++;
      this.lastRefused = { at, session: sessionId.slice(0, 80), event, channel: caller.channel, why: v.why };
    } else if (!v.trusted) {
      this.counts.unverified++;
      if (TRUST_RAISING.has(event)) {
        this.counts.prompts_not_trusted++;
        this.lastUnverified = { at, session: sessionId.slice(0, 80), event, channel: caller.channel, why: v.why };
      }
    } else this.counts.verified++;
    return v;
  }

  private judgeSocket(sessionId: string, event: string): Verdict {
    const b = this.bindings.get(sessionId);
    if (b)
      return {
        accept: false,
        why: `this session's hook events come from Claude Code (pid ${b.pid}) over HTTP, and this one came over the Unix socket. If both the plugin and \`mcpproxy-hook install\` are set up, keep one of them`,
      };
    if (this.opts.httpHooks() && TRUST_RAISING.has(event))
      return {
        accept: true,
        trusted: false,
        why: 'it came over the Unix socket, which cannot say which process sent it, while Claude Code sends prompts to this sidecar over HTTP',
      };
    // the command transport alone: the socket is the hooks' only way in (see the file comment)
    return { accept: true, trusted: true };
  }

  private judgeHttp(caller: Extract<Caller, { channel: 'http' }>, sessionId: string): Verdict | Promise<Verdict> {
    if (this.why) return { accept: true, trusted: false, why: this.why };
    let c = this.conns.get(caller.conn);
    if (!c) {
      c = {};
      const peer = this.proc.peer(caller.remotePort, caller.localPort);
      if (peer) c.peer = peer;
      this.conns.set(caller.conn, c);
    }
    if (!c.peer) return { accept: true, trusted: false, why: 'the connection is not in the kernel socket table' };
    if (this.ownUid !== undefined && c.peer.uid !== this.ownUid)
      return { accept: false, why: `it came from a process of another user (uid ${c.peer.uid}); Claude Code runs as this sidecar's user (uid ${this.ownUid})` };
    const b = this.bindings.get(sessionId);
    if (b) {
      if (this.proc.start(b.pid) === b.start) {
        if (c.owner === b.pid) return this.use(b);
        if (c.owner === undefined && c.notHeldBy !== `${b.pid}:${b.start}`) {
          if (this.proc.holds(b.pid, c.peer.inode)) {
            c.owner = b.pid;
            return this.use(b);
          }
          c.notHeldBy = `${b.pid}:${b.start}`;
        }
        // another process: known already, or looked for once per connection (a forger's connection
        // costs one search, then is refused at once); one that cannot be found is refused
        if (c.owner !== undefined) return this.otherProcess(b, c.owner);
        const conn = c;
        conn.search ??= this.findOwner(c.peer.inode);
        return conn.search.then((found) => {
          conn.search = undefined;
          if (found.pid === undefined)
            return {
              accept: false,
              why: `this session's hook events come from its Claude Code process (pid ${b.pid}), and this one came from another process`,
            };
          conn.owner = found.pid;
          return this.otherProcess(b, found.pid);
        });
      }
      // that Claude Code has exited (a resumed session runs in a new process): the next one binds it
      this.bindings.delete(sessionId);
      this.opts.onChange?.();
    }
    if (c.owner !== undefined) return this.bindTo(sessionId, c.owner);
    const conn = c;
    conn.search ??= this.findOwner(c.peer.inode);
    return conn.search.then((found) => {
      conn.search = undefined;
      if (found.pid === undefined) return { accept: true, trusted: false, why: found.why };
      conn.owner = found.pid;
      return this.bindTo(sessionId, found.pid);
    });
  }

  /**
   * An event for a session bound to a live Claude Code process, from another process. A second Claude
   * Code with the same session open (`claude --resume` in another terminal keeps the session id) is a
   * program that has already spoken for a session of its own, and not started by the bound one: its
   * events are taken in, but its prompts raise no trust (the same binary run by the agent in the
   * background, `claude --resume <id> -p …  &`, gets no more than that). Anything else, and anything the
   * bound Claude Code started (an agent's Bash call and what it runs), is refused.
   */
  private otherProcess(b: Binding, owner: number): Verdict {
    const refuse: Verdict = {
      accept: false,
      why: `this session's hook events come from its Claude Code process (pid ${b.pid}), and this one came from process ${owner}`,
    };
    const exe = this.proc.exe(owner);
    if (exe === undefined || !this.knownClaudeExe(exe)) return refuse;
    // started (directly or not) by the bound Claude Code: its agent's doing
    let p: number | undefined = owner;
    for (let i = 0; i < MAX_ANCESTRY && p !== undefined && p > 1; i++) {
      p = this.proc.parent(p);
      if (p === b.pid) return refuse;
    }
    return {
      accept: true,
      trusted: false,
      why: `this session is also open in another Claude Code process (pid ${b.pid}, where it started); prompts typed in this one (pid ${owner}) are not taken as the user's choice of destination. Use \`claude --resume --fork-session\` to give a second window a session of its own`,
    };
  }

  /** Is `exe` the program of a process that spoke for a session of its own (bound one): a Claude Code binary? */
  private knownClaudeExe(exe: string): boolean {
    const seen = new Set<number>();
    for (const x of this.bindings.values()) {
      if (seen.has(x.pid)) continue;
      seen.add(x.pid);
      if (this.proc.start(x.pid) === x.start && this.proc.exe(x.pid) === exe) return true;
      if (seen.size >= CANDIDATES) break;
    }
    return false;
  }

  /** Bind an unbound session to the process that sent its event (checked again: another connection may have bound it meanwhile). */
  private bindTo(sessionId: string, owner: number): Verdict {
    const start = this.proc.start(owner);
    if (start === undefined) return { accept: true, trusted: false, why: `the process that made the connection (pid ${owner}) has exited` };
    // a bound session that another connection bound meanwhile (parallel hook calls of a new session)
    const now = this.bindings.get(sessionId);
    if (now)
      return now.pid === owner && now.start === start
        ? this.use(now)
        : { accept: false, why: `this session's hook events come from its Claude Code process (pid ${now.pid}), and this one came from process ${owner}` };
    this.bind(sessionId, { pid: owner, start, at: this.now() });
    return { accept: true, trusted: true };
  }

  private use(b: Binding): Verdict {
    b.at = this.now();
    return { accept: true, trusted: true };
  }

  private async findOwner(inode: string): Promise<OwnerSearch> {
    const now = this.now();
    this.scanTimes = this.scanTimes.filter((t) => now - t < 60_000);
    const most = this.opts.scansPerMinute ?? OWNER_SCANS_PER_MINUTE;
    if (this.scanTimes.length >= most) {
      this.counts.owner_scans_failed++;
      return { why: `more than ${most} new connections a minute had to be looked up; this one was not (a flood of connections?)` };
    }
    this.scanTimes.push(now);
    this.counts.owner_scans++;
    const t0 = performance.now();
    const left = this.opts.hinted?.();
    if (left !== undefined && left !== this.hints[0]) this.hint(left);
    const candidates = this.candidates();
    let r: OwnerSearch;
    try {
      r = await this.proc.owner(inode, candidates, this.opts.ownerBudgetMs ?? OWNER_BUDGET_MS);
    } catch (e) {
      // never a crash, never a connection stuck on a failed search: this event raises no trust, the next one searches again
      r = { why: `the search for the process failed (${(e as Error).message})` };
    }
    if (r.pid !== undefined && candidates.includes(r.pid)) this.counts.owner_found_first++;
    const ms = Math.round((performance.now() - t0) * 10) / 10;
    this.scanMs = { last: ms, max: Math.max(this.scanMs.max, ms) };
    if (r.pid === undefined) this.counts.owner_scans_failed++;
    return r;
  }

  /**
   * A pid that is likely a Claude Code about to connect (the SessionStart starter pings with its parent's
   * pid): searched first. Only an order of search: whoever holds the connection is what counts, so a made-up
   * hint costs one look at one process's descriptors.
   */
  hint(pid: number): void {
    if (!Number.isInteger(pid) || pid <= 1) return;
    this.counts.hints++;
    this.hints = [pid, ...this.hints.filter((p) => p !== pid)].slice(0, HINTS);
  }

  /** The pids hinted, then the processes that bound sessions most recently, distinct. */
  private candidates(): number[] {
    const out: number[] = [...this.hints];
    const all = [...this.bindings.values()];
    for (let i = all.length - 1; i >= 0 && out.length < CANDIDATES; i--) {
      const pid = (all[i] as Binding).pid;
      if (!out.includes(pid)) out.push(pid);
    }
    return out;
  }

  private bind(sessionId: string, b: Binding): void {
    const per = this.opts.perProcess ?? MAX_SESSIONS_PER_PROCESS;
    const mine = [...this.bindings.entries()].filter(([, x]) => x.pid === b.pid && x.start === b.start);
    if (mine.length >= per) {
      // a process that made this many sessions: its oldest one goes (Claude Code does not go back to a session it cleared)
      mine.sort((x, y) => x[1].at - y[1].at);
      this.bindings.delete((mine[0] as [string, Binding])[0]);
    }
    const most = this.opts.maxBindings ?? MAX_BINDINGS;
    if (this.bindings.size >= most) this.prune();
    // still full of live processes' sessions: the least recently used goes (that session's next event binds it again)
    if (this.bindings.size >= most) {
      let oldest: string | undefined;
      let at = Infinity;
      for (const [k, x] of this.bindings) if (x.at < at) [oldest, at] = [k, x.at];
      if (oldest !== undefined) this.bindings.delete(oldest);
    }
    this.bindings.set(sessionId, b);
    this.opts.onChange?.();
  }

  /** Drop the bindings of processes that have exited. */
  prune(): void {
    let changed = false;
    for (const [k, b] of this.bindings) {
      if (this.proc.start(b.pid) !== b.start) {
        this.bindings.delete(k);
        changed = true;
      }
    }
    if (changed) this.opts.onChange?.();
  }

  /** The bindings, to save: `[session, pid, start]`. */
  snapshot(): Array<[string, number, string]> {
    return [...this.bindings].map(([k, b]) => [k, b.pid, b.start]);
  }

  /** Bindings saved before a restart; those whose process has exited are left out. Returns how many were kept. */
  restore(entries: unknown): number {
    if (!Array.isArray(entries)) return 0;
    const now = this.now();
    let kept = 0;
    for (const e of entries.slice(-(this.opts.maxBindings ?? MAX_BINDINGS))) {
      if (!Array.isArray(e) || typeof e[0] !== 'string' || typeof e[1] !== 'number' || typeof e[2] !== 'string') continue;
      if (this.proc.start(e[1]) !== e[2]) continue;
      this.bindings.set(e[0], { pid: e[1], start: e[2], at: now });
      kept++;
    }
    return kept;
  }

  stats(): HookCallerStats {
    return {
      verification: this.why
        ? `unavailable: ${this.why}; prompts over HTTP raise no trust`
        : 'the kernel (/proc): HTTP hook calls are checked against the process that made them',
      ...this.counts,
      owner_scan_ms: { ...this.scanMs },
      sessions_bound: this.bindings.size,
      last_refused: this.lastRefused,
      last_unverified: this.lastUnverified,
    };
  }
}

/** The hook answer to an event refused by `judge`: a tool call about to run is denied, others get a visible message. */
export function refusedOutput(event: string, why: string): Record<string, unknown> {
  const message = `mcpproxy-hook refused a hook event that did not come from Claude Code's own hook call for this session: ${why}. Nothing in it was recorded or believed.`;
  if (event !== 'PreToolUse') return { systemMessage: message };
  return {
    systemMessage: message,
    hookSpecificOutput: {
      hookEventName: 'PreToolUse',
      permissionDecision: 'deny',
      permissionDecisionReason: `${message} A process that speaks to the guard as Claude Code is what a prompt injection does; do not try again in another form.`,
    },
  };
}

/** The systemMessage for a prompt that was taken in but raises no trust. */
export function untrustedPromptMessage(why: string): string {
  return `mcpproxy-hook could not verify that this prompt came from Claude Code's own hook call (${why}), so the destinations it names are not taken as the user's choice; a send to one of them is judged like a send to any other host.`;
}
