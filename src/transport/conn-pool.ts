/**
 * Connection budget of a listener: at most `max` open connections. A new connection at the limit
 * closes the least recently used *idle* connection (one with no request in progress) instead of
 * being turned away, so a client that opens connections and holds them cannot lock out the hooks,
 * whose connections carry a request at once. Only when every connection is busy is the new one
 * closed. The limits are set below the process's file-descriptor limit (fdLimit), keeping
 * headroom for the database, the config watcher and hook traffic on the other listener.
 */
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';

/** Descriptors kept free for everything that is not a client connection (database, WAL, watchers, logs, upstreams). */
export const RESERVED_FDS = 128;

/**
 * Connections each listener may hold at once, carved out of the descriptors left after RESERVED_FDS,
 * so that together they never reach the process's limit: a flood on one listener (any local user can
 * reach the loopback ports) cannot take the descriptors the hook socket and authenticated HTTP hooks
 * need. Node raises its soft RLIMIT_NOFILE to the hard limit at start; the service unit sets
 * LimitNOFILE=4096, a sidecar started by the starter hook inherits Claude Code's limits.
 */
export interface ConnectionBudgets {
  /** the Unix hook socket (hooks, CLI) */
  socket: number;
  /** HTTP hook connections that presented the bearer token */
  httpAuthenticated: number;
  /** HTTP hook connections that have not (yet): a small pool of their own, closed when they do not authenticate promptly */
  httpUnauthenticated: number;
  /** the MCP proxy's Streamable HTTP endpoint */
  mcpHttp: number;
  /** the web console */
  console: number;
}

export function connectionBudgets(limit = fdLimit()): ConnectionBudgets {
  const spare = Math.max(0, limit - RESERVED_FDS);
  const share = (f: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, Math.floor(spare * f)));
  return {
    socket: share(0.4, 16, 1024),
    httpAuthenticated: share(0.25, 8, 256),
    httpUnauthenticated: share(0.08, 4, 32),
    mcpHttp: share(0.08, 4, 64),
    console: share(0.04, 4, 32),
  };
}

/** The soft limit on open files of this process (Linux /proc; 1024 where it cannot be read). */
export function fdLimit(): number {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (m) return m[1] === 'unlimited' ? 1 << 20 : Number(m[1]);
  } catch {
    // not Linux: assume the common default
  }
  return 1024;
}

export class ConnectionPool {
  /** insertion order = least recently used first (entries are re-inserted on activity) */
  private readonly conns = new Map<Socket, number>();
  /** connections closed to make room, and new ones closed because every connection was busy */
  readonly stats = { evictedIdle: 0, refusedBusy: 0 };

  constructor(readonly max: number) {}

  /** Admit a new connection; false when it was closed because every connection is busy. */
  add(sock: Socket): boolean {
    if (this.tryAdd(sock)) return true;
    sock.destroy();
    return false;
  }

  /** Admit a connection (closing the least recently used idle one at the limit); false, and nothing closed, when every connection is busy. */
  tryAdd(sock: Socket): boolean {
    if (this.conns.has(sock)) return true;
    if (this.conns.size >= this.max) {
      let victim: Socket | undefined;
      for (const [s, busy] of this.conns) {
        if (busy === 0) {
          victim = s;
          break;
        }
      }
      if (!victim) {
        this.stats.refusedBusy++;
        return false;
      }
      this.stats.evictedIdle++;
      this.conns.delete(victim);
      victim.destroy();
    }
    this.conns.set(sock, 0);
    sock.once('close', () => this.conns.delete(sock));
    return true;
  }

  /** Take a connection out of this pool (it moves to another); its requests in progress go with it. */
  remove(sock: Socket): number {
    const n = this.conns.get(sock) ?? 0;
    this.conns.delete(sock);
    return n;
  }

  has(sock: Socket): boolean {
    return this.conns.has(sock);
  }

  /** A request started on this connection; how many are in progress on it now (0: not in this pool). */
  begin(sock: Socket, by = 1): number {
    const n = this.conns.get(sock);
    if (n === undefined) return 0;
    this.conns.delete(sock);
    this.conns.set(sock, n + by);
    return n + by;
  }

  /** A request on this connection was answered. */
  end(sock: Socket): void {
    const n = this.conns.get(sock);
    if (n !== undefined) this.conns.set(sock, Math.max(0, n - 1));
  }

  get size(): number {
    return this.conns.size;
  }

  sockets(): IterableIterator<Socket> {
    return this.conns.keys();
  }
}
