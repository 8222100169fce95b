/**
 * The one guard for the sidecar's loopback HTTP servers (the HTTP hook endpoint and the MCP proxy's
 * Streamable HTTP endpoint). A local web page can reach 127.0.0.1 too, so: the Host header must be
 * this loopback address (DNS rebinding), nothing a browser sends is accepted (any Origin header,
 * CORS preflight), and the bearer token is compared in constant time whatever its length.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export interface Refusal {
  status: number;
  message: string;
}

/** The origins of a page served by this loopback server itself (the console). */
export const ownOrigins = (port: number): string[] => [`http://127.0.0.1:${port}`, `http://localhost:${port}`];

/**
 * Host, Origin and preflight checks; null when the request may go on. A server meant for browsers
 * (the console) names its own origins in `allowOrigins`: a request from any other page is refused.
 */
export function loopbackRefusal(req: IncomingMessage, port: number, opts: { allowOrigins?: readonly string[] } = {}): Refusal | null {
  const host = String(req.headers.host ?? '').toLowerCase();
  if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) return { status: 403, message: 'Host must be this loopback address' };
  const origin = req.headers.origin;
  if (origin !== undefined && !opts.allowOrigins?.includes(origin)) {
    return { status: 403, message: opts.allowOrigins ? 'requests from other origins are refused' : 'requests from browsers are not accepted' };
  }
  if (req.method === 'OPTIONS') return { status: 403, message: 'no cross-origin access' };
  return null;
}

/** Are two secrets equal? Constant time in both, whatever their lengths. */
export function secretEquals(got: string, want: string): boolean {
  const g = Buffer.from(got);
  const w = Buffer.from(want);
  const pad = Buffer.alloc(w.length);
  g.copy(pad, 0, 0, Math.min(g.length, w.length));
  return timingSafeEqual(pad, w) && g.length === w.length;
}

/** Does the Authorization header carry this bearer token? Constant time in the token and the input. */
export function bearerOk(req: IncomingMessage, token: string): boolean {
  const h = req.headers.authorization;
  if (typeof h !== 'string' || !/^Bearer /i.test(h)) return false;
  return secretEquals(h.slice(7).trim(), token);
}

/** Is the body declared as JSON (what hooks and MCP clients send; a form post from a page is not)? */
export function isJsonContentType(req: IncomingMessage): boolean {
  return (
    String(req.headers['content-type'] ?? '')
      .split(';')[0]
      ?.trim()
      .toLowerCase() === 'application/json'
  );
}
