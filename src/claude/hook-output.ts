/**
 * Claude Code's hook reply for a decision. Pure.
 *  - deny / ask: hookSpecificOutput.permissionDecision with the reason (the model sees a deny reason
 *    as an is_error tool result; an ask reason is shown to the user).
 *  - warn: a systemMessage for the user; the call goes on through Claude Code's own permission flow.
 *  - allow: an empty object. We never answer "allow" ourselves: that would skip the user's own
 *    permission prompts, and a data-flow guard must not widen what the agent may do.
 */
import type { Decision } from '../engine/engine.ts';

const MAX_TEXT = 9000; // Claude Code caps hook output strings at 10,000 chars

const cap = (s: string): string => (s.length > MAX_TEXT ? s.slice(0, MAX_TEXT - 1) + '…' : s);

export function claudeOutput(d: Pick<Decision, 'event' | 'action' | 'reason'>): Record<string, unknown> {
  if (d.event === 'PreToolUse' && (d.action === 'deny' || d.action === 'ask')) {
    return {
      hookSpecificOutput: {
        hookEventName: 'PreToolUse',
        permissionDecision: d.action,
        permissionDecisionReason: cap(d.reason),
      },
    };
  }
  if (d.action === 'warn' && d.reason) return { systemMessage: cap(d.reason) };
  return {};
}
