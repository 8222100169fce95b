/**
 * The client end of a loopback TCP connection to one of our ports, from the kernel's socket table
 * (Linux /proc/net/tcp{,6}): its inode (to find the owning process) and its owner's uid. Any local user
 * can connect to a loopback port; the uid tells the user's own clients (Claude Code) from everyone
 * else's. Undefined where the table cannot be read (other systems) or the connection is not in it.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { procStatFields } from '../proc-stat.ts';

function loopbackHex(addr: string): boolean {
  // /proc/net/tcp: IPv4 as 8 hex digits in host byte order (127.x.x.x → xxxxxx7F on little-endian)
  if (addr.length === 8) return addr.endsWith('7F') || addr.startsWith('7F');
  // /proc/net/tcp6: ::1, or ::ffff:127.x.x.x
  if (addr.length === 32)
    return addr === '00000000000000000000000001000000' || (addr.startsWith('0000000000000000FFFF0000') && (addr.endsWith('7F') || addr.slice(24, 26) === '7F'));
  return false;
}

const TCP_TABLES = ['/proc/net/tcp', '/proc/net/tcp6'] as const;

/** The kernel's TCP socket tables (IPv4, IPv6) as text; a table that cannot be read is left out. */
function socketTables(): string[] {
  const out: string[] = [];
  for (const file of TCP_TABLES) {
    const text = socketTable(file);
    if (text !== undefined) out.push(text);
  }
  return out;
}

/**
 * One socket table as text, or undefined when it cannot be read (IPv6 off). A read walks the kernel's
 * whole connection hash table (~3 ms for its 262,144 buckets on a 2-core VM, whatever the number of
 * connections), so a lookup reads the second table only when the first did not have the connection.
 */
function socketTable(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export interface LoopbackPeer {
  inode: string;
  uid: number;
}

/** The client's socket of the loopback connection from `remotePort` to our `localPort`. */
export function loopbackPeer(remotePort: number, localPort: number): LoopbackPeer | undefined {
  if (process.platform !== 'linux') return undefined;
  // the sidecar listens on 127.0.0.1: the IPv4 table has its connections, the IPv6 one is read only when it did not
  for (const file of TCP_TABLES) {
    const text = socketTable(file);
    if (text === undefined) continue;
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const [la, lp] = (f[1] ?? '').split(':');
      const [ra, rp] = (f[2] ?? '').split(':');
      if (!la || !lp || !ra || !rp) continue;
      // the client's socket: its local port is the connection's remote port, and it talks to our port
      if (parseInt(lp, 16) !== remotePort || parseInt(rp, 16) !== localPort) continue;
      if (!loopbackHex(la) || !loopbackHex(ra)) continue;
      const inode = f[9];
      const uid = Number(f[7]);
      if (inode && inode !== '0' && Number.isInteger(uid)) return { inode, uid };
    }
  }
  return undefined;
}

/**
 * The uids of the clients connected to one of our loopback ports, read from the kernel's socket table
 * in one pass and kept until a connection is not found in it: under a flood one read covers every
 * connection waiting to be accepted, instead of one read (of a table that a flood makes long) each.
 */
export class LoopbackPeerUids {
  private uids = new Map<number, number>();
  /** reads of the socket table so far */
  reads = 0;

  constructor(private readonly localPort: () => number) {}

  uidOf(remotePort: number): number | undefined {
    if (process.platform !== 'linux') return undefined;
    let uid = this.uids.get(remotePort);
    if (uid === undefined) {
      this.read();
      uid = this.uids.get(remotePort);
    }
    // a port is reused by later connections: each entry answers once
    this.uids.delete(remotePort);
    return uid;
  }

  private read(): void {
    this.reads++;
    const port = this.localPort().toString(16).toUpperCase().padStart(4, '0');
    // client sockets (their remote port is ours), established: "sl: local:port remote:port 01 … uid"
    const line = new RegExp(`^\\s*\\d+: ([0-9A-F]+):([0-9A-F]{4}) ([0-9A-F]+):${port} 01 \\S+ \\S+ \\S+\\s+(\\d+)`, 'gm');
    const uids = new Map<number, number>();
    for (const text of socketTables()) {
      for (const m of text.matchAll(line)) {
        if (!loopbackHex(m[1] as string) || !loopbackHex(m[3] as string)) continue;
        uids.set(parseInt(m[2] as string, 16), Number(m[4]));
      }
    }
    this.uids = uids;
  }
}

// ------------------------------------------------------------------------------------------------
// which process holds a socket (Linux /proc/<pid>/fd)

/** `socket:[inode]` among the fds of `pid` (false when the process is gone or its fds cannot be read). */
export function holdsSocket(pid: number, inode: string): boolean {
  const target = `socket:[${inode}]`;
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) === target) return true;
    } catch {
      // closed meanwhile
    }
  }
  return false;
}

/** When `pid` started (clock ticks since boot, /proc/<pid>/stat field 22): with the pid, one process for good. Undefined when it is gone. */
export function processStart(pid: number): string | undefined {
  return procStatFields(pid)?.[19];
}

/** The program `pid` runs (/proc/<pid>/exe); undefined when it is gone or not ours to read. */
export function processExe(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return undefined;
  }
}

/** The parent of `pid` (/proc/<pid>/stat field 4); undefined when it is gone. */
export function processParent(pid: number): number | undefined {
  const ppid = Number(procStatFields(pid)?.[1]);
  return Number.isInteger(ppid) ? ppid : undefined;
}

/** How a search for a socket's owner ended: its pid, not found, or out of time (the process list was not read whole). */
export type OwnerSearch = { pid: number } | { pid?: undefined; why: string };

/** Processes whose fds are read between two yields of the event loop. */
const OWNER_SCAN_SLICE = 16;

/**
 * The process holding socket `inode`: the `candidates` first (processes known to make such
 * connections), then every process, newest first (the client usually started after most of the
 * system), in slices with the event loop free between them, within `budgetMs` of wall time.
 */
export async function socketOwner(inode: string, candidates: readonly number[], budgetMs: number): Promise<OwnerSearch> {
  const t0 = Date.now();
  for (const pid of candidates) if (holdsSocket(pid, inode)) return { pid };
  let pids: number[];
  try {
    pids = readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .map(Number)
      .filter((p) => !candidates.includes(p));
  } catch (e) {
    return { why: `the process list cannot be read (${(e as Error).message})` };
  }
  pids.sort((a, b) => b - a);
  for (let i = 0; i < pids.length; i += OWNER_SCAN_SLICE) {
    if (Date.now() - t0 > budgetMs)
      return { why: `no process holding the connection was found within ${budgetMs} ms (${i} of ${pids.length} processes looked at)` };
    for (const pid of pids.slice(i, i + OWNER_SCAN_SLICE)) if (holdsSocket(pid, inode)) return { pid };
    await new Promise<void>((r) => setImmediate(r));
  }
  return { why: `no process holds the connection (${pids.length} processes looked at; it closed, or is held by a process whose descriptors cannot be read)` };
}
