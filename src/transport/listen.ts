/** Small listener helpers shared by the sidecar's servers. */
import { connect } from 'node:net';
import type { Server } from 'node:http';

/** Listen on 127.0.0.1 only; resolves with the bound port (useful when `port` is 0). */
export function listenLoopback(srv: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => {
      srv.off('error', reject);
      const a = srv.address();
      resolve(typeof a === 'object' && a ? a.port : port);
    });
  });
}

/** Does something accept connections on this Unix socket? (A stale socket file refuses them.) */
export function socketAlive(path: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    const t = setTimeout(() => {
      s.destroy();
      resolve(false);
    }, timeoutMs);
    s.on('connect', () => {
      clearTimeout(t);
      s.destroy();
      resolve(true);
    });
    s.on('error', () => {
      clearTimeout(t);
      resolve(false);
    });
  });
}
