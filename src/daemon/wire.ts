/**
 * The sidecar's socket messages, declared once as a zod schema (a union on `t`). The hook, the
 * CLI and the tests send these; the router parses every message with it before acting, so a
 * message of the wrong shape is refused with a reason instead of half-handled.
 */
import { z } from 'zod';

/** A hook event as the hook sends it: raw JSON bytes (msgpack bin) or a string. */
const eventBytes = z.union([z.string(), z.instanceof(Uint8Array)], { error: 'the message carries no event (field e)' });
const id = z.number({ error: 'the message needs a positive whole number as id' }).int().positive();
/** who made a change (audit rows say so): a short word */
const by = z.string().max(32).optional();

export const wireMessageSchema = z.discriminatedUnion(
  't',
  [
    /** the hook executable (hot path); p = the hook's parent pid (the Claude Code process) */
    z.object({ t: z.literal('hook'), e: eventBytes, p: z.number().int().optional() }),
    z.object({ t: z.literal('evaluate'), e: eventBytes }),
    z.object({ t: z.literal('status') }),
    /** p: the pinging hook's parent pid (the SessionStart starter's: its Claude Code), a hint for finding who holds a connection */
    z.object({ t: z.literal('ping'), p: z.number().int().optional() }),
    z.object({ t: z.literal('reload') }),
    z.object({ t: z.literal('console') }),
    z.object({ t: z.literal('allow'), id, scope: z.string(), by }),
    z.object({ t: z.literal('revoke'), id, by }),
    z.object({ t: z.literal('exceptions') }),
  ],
  { error: (iss) => (iss.code === 'invalid_union' ? `unknown message type ${JSON.stringify((iss.input as { t?: unknown } | undefined)?.t)}` : undefined) },
);

export type WireMessage = z.infer<typeof wireMessageSchema>;

/** Raw event bytes of a hook/evaluate message, as the sidecar parses them. */
export function eventOf(e: string | Uint8Array): Buffer | string {
  return typeof e === 'string' ? e : Buffer.from(e.buffer, e.byteOffset, e.byteLength);
}
