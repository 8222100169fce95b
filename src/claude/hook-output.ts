/**
 * Claude Code's hook reply for a decision. Pure.
 *  - deny / ask: hookSpecificOutput.permissionDecision with the reason (the model sees a deny reason
 *    as an is_error tool result; an ask reason is shown to the user).
 *  - warn: a systemMessage for the user; the call goes on through Claude Code's own permission flow.
 *  - allow: an empty object. We never answer "allow" ourselves: that would skip the user's own
 *    permission prompts, and a data-flow guard must not widen what the agent may do.
 * A redaction rewrite (engine/redaction.ts) rides along in hookSpecificOutput:
 *  - PostToolUse: `updatedToolOutput` (built-in tools: it must parse as the tool's own output shape, or
 *    Claude Code drops it) or `updatedMCPToolOutput` (MCP tools): the output the model gets instead.
 *    The first one in a session carries `additionalContext`, a note for the model on how placeholders work.
 *  - PreToolUse: `updatedInput`, the whole input the tool runs with (a file writer's placeholders turned
 *    back into the real values); never on a deny, and without a permissionDecision of our own on allow.
 */
import type { Decision } from '../engine/engine.ts';
import type { Rewrite } from '../engine/redaction.ts';

const MAX_TEXT = 9000; // Claude Code caps hook output strings at 10,000 chars

const cap = (s: string): string => (s.length > MAX_TEXT ? s.slice(0, MAX_TEXT - 1) + '…' : s);

export function claudeOutput(d: Pick<Decision, 'event' | 'action' | 'reason'>, rewrite?: Rewrite | null): Record<string, unknown> {
  if (d.event === 'PreToolUse' && (d.action === 'deny' || d.action === 'ask')) {
    return {
      hookSpecificOutput: {
        hookEventName: 'PreToolUse',
        permissionDecision: d.action,
        permissionDecisionReason: cap(d.reason),
        ...(d.action === 'ask' && rewrite?.updatedInput ? { updatedInput: rewrite.updatedInput } : {}),
      },
    };
  }
  const out: Record<string, unknown> = d.action === 'warn' && d.reason ? { systemMessage: cap(d.reason) } : {};
  if (d.event === 'PreToolUse' && rewrite?.updatedInput) out.hookSpecificOutput = { hookEventName: 'PreToolUse', updatedInput: rewrite.updatedInput };
  else if (d.event === 'PostToolUse' && rewrite) {
    const hso: Record<string, unknown> = { hookEventName: 'PostToolUse' };
    if (rewrite.updatedMCPToolOutput !== undefined) hso.updatedMCPToolOutput = rewrite.updatedMCPToolOutput;
    else if (rewrite.updatedToolOutput !== undefined) hso.updatedToolOutput = rewrite.updatedToolOutput;
    if (rewrite.additionalContext) hso.additionalContext = cap(rewrite.additionalContext);
    if (Object.keys(hso).length > 1) out.hookSpecificOutput = hso;
  }
  return out;
}
