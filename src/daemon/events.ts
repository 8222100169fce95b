/** Hook events as they arrive (parsed and checked) and decisions as the CLI sees them. */
import { ErrorCode, GuardError } from '../errors.ts';
import type { Decision } from '../engine/engine.ts';
import { redact } from '../engine/redact.ts';
import type { HookEvent } from '../types.ts';

const MAX_SESSION_ID = 256;

export class BadEvent extends GuardError {
  constructor(message: string) {
    super(ErrorCode.BadEvent, message);
  }
}

/** Parse and check one hook event. Throws BadEvent with a message that says what is wrong. */
export function parseEvent(raw: Buffer | string): HookEvent {
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new BadEvent(`the event is not valid JSON (${(e as Error).message.slice(0, 120)})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new BadEvent('the event is not a JSON object');
  const ev = v as Record<string, unknown>;
  if (typeof ev.hook_event_name !== 'string' || !ev.hook_event_name) throw new BadEvent('the event has no hook_event_name');
  if (typeof ev.session_id !== 'string' || !ev.session_id) throw new BadEvent('the event has no session_id');
  if (ev.session_id.length > MAX_SESSION_ID) throw new BadEvent(`session_id is longer than ${MAX_SESSION_ID} chars`);
  if (ev.hook_event_name === 'PreToolUse' || ev.hook_event_name === 'PostToolUse') {
    if (typeof ev.tool_name !== 'string' || !ev.tool_name) throw new BadEvent(`${ev.hook_event_name} event has no tool_name`);
    if (ev.tool_input !== undefined && (typeof ev.tool_input !== 'object' || ev.tool_input === null)) throw new BadEvent('tool_input is not an object');
  }
  return ev as HookEvent;
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
