/**
 * Correlator: joins an MCP session seen by our proxy with the Claude Code hook session that made the
 * call, so one flow graph covers built-in tools and MCP tools. Pure (time is passed in).
 *
 * 1. By process, which does not guess: the command hook reports its parent pid (the Claude Code
 *    process) and the stdio bridge reports its ancestor pids; a proxy call whose client process has
 *    sent hook events belongs to that process's current hook session.
 * 2. Fallback, for clients the proxy cannot see the process of: a hook PreToolUse for a proxied tool
 *    leaves a pending (tool, canonical arguments) key; the proxy call that follows within the window
 *    links its MCP session to that hook session for good — only when exactly one session is pending
 *    with that key (several sessions making the identical call are never guessed between).
 */

export type Coverage = 'full' | 'proxy-only';

export interface Resolution {
  sessionId: string;
  coverage: Coverage;
  method: 'pid' | 'link' | 'args' | 'none';
}

/** JSON with sorted keys: the same arguments give the same key whatever their order. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

export class Correlator {
  private readonly byPid = new Map<number, { sessionId: string; at: number }>();
  private readonly links = new Map<string, string>(); // mcp session id -> hook session id
  private readonly pending = new Map<string, Array<{ sessionId: string; at: number }>>();
  readonly stats = { pid: 0, link: 0, args: 0, ambiguous: 0, none: 0 };

  constructor(
    private readonly windowMs = 10_000,
    private readonly maxEntries = 10_000,
  ) {}

  /** Bumped whenever what export() returns changes in a way worth saving. */
  version = 0;

  /** A hook event from process `pid` (Claude Code) for `sessionId`. */
  notePid(pid: number, sessionId: string, now: number): void {
    if (!(pid > 1)) return;
    if (this.byPid.get(pid)?.sessionId !== sessionId) this.version++;
    this.byPid.delete(pid);
    this.byPid.set(pid, { sessionId, at: now });
    if (this.byPid.size > this.maxEntries) this.byPid.delete(this.byPid.keys().next().value as number);
  }

  /** A hook PreToolUse for a tool reached through the proxy (canonical name `mcp__server__tool`). */
  notePending(tool: string, args: unknown, sessionId: string, now: number): void {
    const key = tool + '\n' + canonicalJson(args ?? {});
    const list = (this.pending.get(key) ?? []).filter((p) => now - p.at <= this.windowMs && p.sessionId !== sessionId);
    list.push({ sessionId, at: now });
    this.pending.delete(key);
    this.pending.set(key, list);
    while (this.pending.size > this.maxEntries) this.pending.delete(this.pending.keys().next().value as string);
  }

  resolve(call: { mcpSessionId: string; clientPids?: number[]; tool: string; args: unknown }, now: number): Resolution {
    for (const pid of call.clientPids ?? []) {
      const h = this.byPid.get(pid);
      if (h) {
        this.stats.pid++;
        return { sessionId: h.sessionId, coverage: 'full', method: 'pid' };
      }
    }
    const linked = this.links.get(call.mcpSessionId);
    if (linked) {
      this.stats.link++;
      return { sessionId: linked, coverage: 'full', method: 'link' };
    }
    const key = call.tool + '\n' + canonicalJson(call.args ?? {});
    const list = (this.pending.get(key) ?? []).filter((p) => now - p.at <= this.windowMs);
    const sessions = new Set(list.map((p) => p.sessionId));
    if (sessions.size === 1) {
      const sessionId = list[0]?.sessionId as string;
      this.pending.delete(key);
      this.links.set(call.mcpSessionId, sessionId);
      if (this.links.size > this.maxEntries) this.links.delete(this.links.keys().next().value as string);
      this.stats.args++;
      return { sessionId, coverage: 'full', method: 'args' };
    }
    if (sessions.size > 1) this.stats.ambiguous++;
    else this.stats.none++;
    return { sessionId: `mcp:${call.mcpSessionId}`, coverage: 'proxy-only', method: 'none' };
  }

  /**
   * What survives a restart of the sidecar: which Claude Code process runs which hook session (MCP
   * sessions do not survive: their clients reconnect with new ones).
   */
  export(): Array<[number, string, number]> {
    return [...this.byPid].map(([pid, h]) => [pid, h.sessionId, h.at]);
  }

  import(v: unknown): void {
    if (!Array.isArray(v)) throw new Error('not a list');
    for (const e of v) {
      if (!Array.isArray(e) || typeof e[0] !== 'number' || typeof e[1] !== 'string' || typeof e[2] !== 'number') continue;
      this.byPid.set(e[0], { sessionId: e[1], at: e[2] });
      if (this.byPid.size > this.maxEntries) this.byPid.delete(this.byPid.keys().next().value as number);
    }
  }

  /** Forget an MCP session (its client disconnected). */
  forget(mcpSessionId: string): void {
    this.links.delete(mcpSessionId);
  }
}
