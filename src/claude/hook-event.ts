/**
 * Claude Code's hook events, as zod schemas: the one declaration of what we read from an event
 * (the `HookEvent` type is inferred from it). Unknown fields and unknown event names pass through:
 * Claude Code adds both between versions, and a guard that refused them would fail every call.
 */
import { z } from 'zod';

/** Longest session id accepted (Claude Code's are UUIDs; the bound keeps maps and rows small). */
export const MAX_SESSION_ID = 256;

/** Events that concern one tool call and must name the tool. */
export const TOOL_EVENTS: ReadonlySet<string> = new Set(['PreToolUse', 'PostToolUse', 'PostToolUseFailure']);

const nonEmpty = (what: string) => z.string({ error: `the event has no ${what}` }).min(1, `the event has no ${what}`);

/**
 * A field we only read for information (a label, a class hint): a value of an unexpected type is
 * dropped, never a reason to refuse the event. Claude Code changes these between versions (2.1.330
 * sends `mcp_server` as an object); a guard that refused such events would be switched off by them.
 */
const info = z.string().optional().catch(undefined);

export const hookEventSchema = z
  .looseObject({
    hook_event_name: nonEmpty('hook_event_name'),
    session_id: nonEmpty('session_id').max(MAX_SESSION_ID, `session_id is longer than ${MAX_SESSION_ID} chars`),
    tool_name: z.string().optional(),
    tool_input: z.unknown().optional(),
    tool_response: z.unknown().optional(),
    tool_use_id: info,
    cwd: info,
    /** subagent events carry the parent's session_id plus their own agent_id */
    agent_id: info,
    transcript_path: info,
    permission_mode: info,
    /** UserPromptSubmit: the user's own words */
    prompt: info,
    /** MCP tool events name their server: `{name, source}` in 2.1.330 ("key trust on source") */
    mcp_server: z.unknown().optional(),
  })
  .superRefine((ev, ctx) => {
    if (!TOOL_EVENTS.has(ev.hook_event_name) || ev.hook_event_name === 'PostToolUseFailure') return;
    if (typeof ev.tool_name !== 'string' || !ev.tool_name) ctx.addIssue({ code: 'custom', message: `${ev.hook_event_name} event has no tool_name` });
    if (ev.tool_input !== undefined && (typeof ev.tool_input !== 'object' || ev.tool_input === null))
      ctx.addIssue({ code: 'custom', message: 'tool_input is not an object' });
  });

export type HookEvent = z.infer<typeof hookEventSchema>;
