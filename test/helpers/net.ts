import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';

/**
 * A TCP port on 127.0.0.1 that was free a moment ago (the kernel picked it for a listener this closed):
 * for a sidecar's HTTP hook port in a test, instead of a random number that may be taken.
 */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/** One HTTP request to 127.0.0.1:`port` (by default a POST to the hook endpoint): its status and body. */
export function httpPost(
  port: number,
  body: string,
  headers: Record<string, string>,
  method = 'POST',
  path = '/mcpproxy-hook/v1/hook',
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: { 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      let b = '';
      res.on('data', (c: Buffer) => (b += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A hook event POSTed to the sidecar's HTTP hook endpoint with its bearer token, as Claude Code sends it. */
export const hookPost = (port: number, token: string, body: string): Promise<{ status: number; body: string }> =>
  httpPost(port, body, { authorization: `Bearer ${token}`, 'content-type': 'application/json' });
