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

/** Host, Origin and preflight checks; null when the request may go on. */
export function loopbackRefusal(req: IncomingMessage, port: number): Refusal | null {
  const host = String(req.headers.host ?? '').toLowerCase();
  if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) return { status: 403, message: 'Host must be this loopback address' };
  if (req.headers.origin !== undefined) return { status: 403, message: 'requests from browsers are not accepted' };
  if (req.method === 'OPTIONS') return { status: 403, message: 'no cross-origin access' };
  return null;
}

/** Does the Authorization header carry this bearer token? Constant time in the token and the input. */
export function bearerOk(req: IncomingMessage, token: string): boolean {
  const h = req.headers.authorization;
  if (typeof h !== 'string' || !/^Bearer /i.test(h)) return false;
  const got = Buffer.from(h.slice(7).trim());
  const want = Buffer.from(token);
  // compare equal-length buffers whatever the input, so timing does not leak the length either
  const pad = Buffer.alloc(want.length);
  got.copy(pad, 0, 0, Math.min(got.length, want.length));
  return timingSafeEqual(pad, want) && got.length === want.length;
}

/** Is the body declared as JSON (what hooks and MCP clients send; a form post from a page is not)? */
export function isJsonContentType(req: IncomingMessage): boolean {
  return String(req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() === 'application/json';
}
