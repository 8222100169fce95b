/** Shared vocabulary of the flow engine. Pure types, no runtime code. */

export type Classification = 'internal' | 'external' | 'hybrid' | 'unknown';
export type FlowType = 'internal_to_external' | 'external_to_internal' | 'internal_to_internal' | 'external_to_external';
export type Risk = 'none' | 'low' | 'medium' | 'high' | 'critical';
export type Action = 'allow' | 'warn' | 'ask' | 'deny';

export const ACTION_RANK: Record<Action, number> = { allow: 0, warn: 1, ask: 2, deny: 3 };
export const RISK_RANK: Record<Risk, number> = { none: 0, low: 1, medium: 2, high: 3, critical: 4 };

/** One Claude Code hook event: declared once, as a zod schema, in src/claude/hook-event.ts. */
export type { HookEvent } from './claude/hook-event.ts';
