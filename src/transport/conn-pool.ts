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
        sock.destroy();
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

  /** A request started on this connection. */
  begin(sock: Socket): void {
    const n = this.conns.get(sock);
    if (n === undefined) return;
    this.conns.delete(sock);
    this.conns.set(sock, n + 1);
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
