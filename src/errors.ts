/**
 * One error convention for the whole project: every error we throw on purpose is a GuardError with
 * a stable `code` (for callers, tests and the wire) and a message that says what went wrong and
 * what to do. Modules subclass it for `instanceof` checks (ConfigError, BadEvent, FrameError …);
 * the code is what crosses process boundaries (the sidecar's replies carry `{error, code}`).
 */

export const ErrorCode = {
  /** a hook event that is not valid JSON or lacks a required field */
  BadEvent: 'bad_event',
  /** a socket message the sidecar does not understand */
  BadMessage: 'bad_message',
  /** a frame that is oversized or garbled */
  BadFrame: 'bad_frame',
  /** the config file is invalid, unreadable, or not a regular file */
  ConfigInvalid: 'config_invalid',
  /** the sidecar cannot be reached */
  SidecarUnavailable: 'sidecar_unavailable',
  /** a state file (key, token, database) is damaged or unusable */
  StateDamaged: 'state_damaged',
  /** a per-client or global budget is used up; the request is refused, not dropped silently */
  Overloaded: 'overloaded',
  /** a new session past the session budget */
  SessionRefused: 'session_refused',
  /** a Claude Code settings file cannot be read or written */
  Settings: 'settings',
  /** a service file or service manager failed */
  Service: 'service',
  /** a command-line usage error */
  Usage: 'usage',
  /** a hook event that did not come from Claude Code's own hook call for its session (src/transport/hook-callers.ts) */
  NotClaudeCode: 'not_from_claude_code',
  /** a bug: something we did not expect */
  Internal: 'internal',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class GuardError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The code of any thrown value (Internal for what is not ours). */
export function codeOf(e: unknown): ErrorCode {
  return e instanceof GuardError ? e.code : ErrorCode.Internal;
}

/** The message of any thrown value, bounded (for replies and logs). */
export function messageOf(e: unknown, max = 500): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.length > max ? m.slice(0, max) + '…' : m;
}
