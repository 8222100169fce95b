/**
 * The client end of a loopback TCP connection to one of our ports, from the kernel's socket table
 * (Linux /proc/net/tcp{,6}): its inode (to find the owning process) and its owner's uid. Any local user
 * can connect to a loopback port; the uid tells the user's own clients (Claude Code) from everyone
 * else's. Undefined where the table cannot be read (other systems) or the connection is not in it.
 */
import { readFileSync } from 'node:fs';

function loopbackHex(addr: string): boolean {
  // /proc/net/tcp: IPv4 as 8 hex digits in host byte order (127.x.x.x → xxxxxx7F on little-endian)
  if (addr.length === 8) return addr.endsWith('7F') || addr.startsWith('7F');
  // /proc/net/tcp6: ::1, or ::ffff:127.x.x.x
  if (addr.length === 32)
    return addr === '00000000000000000000000001000000' || (addr.startsWith('0000000000000000FFFF0000') && (addr.endsWith('7F') || addr.slice(24, 26) === '7F'));
  return false;
}

/** The kernel's TCP socket tables (IPv4, IPv6) as text; a table that cannot be read is left out. */
function socketTables(): string[] {
  const out: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      out.push(readFileSync(file, 'utf8'));
    } catch {
      // no such table here (IPv6 off): the other one still says
    }
  }
  return out;
}

export interface LoopbackPeer {
  inode: string;
  uid: number;
}

/** The client's socket of the loopback connection from `remotePort` to our `localPort`. */
export function loopbackPeer(remotePort: number, localPort: number): LoopbackPeer | undefined {
  if (process.platform !== 'linux') return undefined;
  for (const text of socketTables()) {
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
