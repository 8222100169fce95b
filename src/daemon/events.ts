/** Hook events as they arrive (parsed and checked) and decisions as the CLI sees them. */
import { ErrorCode, GuardError } from '../errors.ts';
import type { Decision } from '../engine/engine.ts';
import { redact } from '../engine/redact.ts';
import { hookEventSchema, type HookEvent } from '../claude/hook-event.ts';

export class BadEvent extends GuardError {
  constructor(message: string) {
    super(ErrorCode.BadEvent, message);
  }
}

/** Parse and check one hook event (src/claude/hook-event.ts). Throws BadEvent with a message that says what is wrong. */
export function parseEvent(raw: Buffer | string): HookEvent {
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new BadEvent(`the event is not valid JSON (${(e as Error).message.slice(0, 120)})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new BadEvent('the event is not a JSON object');
  const r = hookEventSchema.safeParse(v);
  if (!r.success) throw new BadEvent(r.error.issues[0]?.message ?? 'the event is not a hook event');
  return r.data;
}

export function publicDecision(d: Decision): Record<string, unknown> {
  return {
    event: d.event,
    session_id: d.sessionId,
    tool: d.tool,
    decision: d.action,
    risk: d.risk,
    flow_type: d.flowType,
    classification: d.classification,
    reason: d.reason ? redact(d.reason) : '',
    summary: redact(d.summary),
    origin_tool: d.originTool ?? null,
    hosts: d.destinationHosts,
    rule: d.findings[0]?.rule ?? null,
    provenance: d.provenance ?? null,
    live_facts: d.liveFacts ?? [],
  };
}
