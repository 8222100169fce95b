/**
 * What a decision is made of: findings with a typed rule id, and the decision. Deciding (engine.ts,
 * policy.ts) produces these; explaining them in words is reasons.ts's job.
 */
import type { Action, Classification, FlowType, Risk } from '../types.ts';
import type { Origin, Seen } from './flow-tracker.ts';

/** Every rule a finding can come from. */
export type RuleId =
  | 'suspicious_endpoint'
  | 'guard_tampering'
  | 'guard_settings'
  | 'analysis_limit'
  | 'script_limit'
  | 'sensitive_to_external'
  | 'sensitive_to_unknown'
  | 'internal_to_external'
  | 'internal_to_unknown'
  | 'internal_to_hybrid'
  | 'internal_to_search'
  | 'chunked'
  | 'chunked_sensitive'
  | 'split_secret'
  | 'secret_to_external'
  | 'sensitive_in_fetch_prompt'
  | 'encoded_in_fetch_prompt'
  | 'read_and_send'
  | 'tainted_file'
  | 'tainted_file_sensitive'
  | 'environment_to_external'
  | 'upload_local_file'
  | 'git_push_new_remote'
  | 'push_secret'
  | 'push_ci_secrets'
  | 'push_tainted'
  | 'push_tainted_sensitive'
  | 'push_unchecked'
  | 'lethal_trifecta'
  | 'planted_destination'
  | 'credentials_copied_by_query'
  | 'record_to_external'
  | 'record_limit'
  | 'fingerprint_limit'
  | 'spread_limit'
  | 'provenance_limit'
  | 'split_limit'
  | 'response_limit'
  | 'taint_limit';

export interface Finding {
  action: Action;
  risk: Risk;
  flowType: FlowType;
  /** what is leaving, in words: "an AWS secret access key", "42 chars of data" */
  what: string;
  origin?: Origin;
  /** where the data came from when no origin object is at hand (a sensitive file, a taint) */
  source?: Seen;
  /** free text on how it was found (decoders, read-and-send) */
  how?: string;
  /** the data was found only after decoding (base64, hex, escapes ...) */
  decoded?: boolean;
  /** the detector's labels of the secrets found (`Stripe secret key`), for the provider rule */
  labels?: string[];
  rule: RuleId;
}

export interface Decision {
  event: string;
  sessionId: string;
  tool: string;
  action: Action;
  risk: Risk;
  flowType: FlowType | null;
  classification: Classification;
  /** the text for Claude Code (deny/ask reason, warn message); empty on plain allow */
  reason: string;
  /** short summary for the audit log */
  summary: string;
  findings: Finding[];
  destinationHosts: string[];
  originTool?: string;
  /** who chose the destination (user, project, own, tool_output, never_seen), for the audit row */
  provenance?: string;
  /** facts read from this machine's files that this decision used (e.g. `ssh config`): a replay elsewhere may differ */
  liveFacts?: string[];
  /** the destination that decided the provenance (the least chosen one), and why */
  destination?: { value: string; via: string; planted: boolean };
}

/** What kind of place a call sends data to, for the choice of policy. */
export type DestKind = 'external' | 'unknown' | 'search' | 'hybrid';

/** Findings about sensitive data (secrets, sensitive origins), as opposed to ordinary internal data. */
export const SENSITIVE_RULES: ReadonlySet<RuleId> = new Set<RuleId>(['sensitive_to_external', 'chunked_sensitive', 'split_secret', 'secret_to_external']);

/** Findings about data (of an origin, a file, a secret) leaving, as opposed to endpoint or guard findings. */
export const DATA_RULES: ReadonlySet<RuleId> = new Set<RuleId>([
  'sensitive_to_external',
  'sensitive_to_unknown',
  'internal_to_external',
  'internal_to_unknown',
  'internal_to_hybrid',
  'internal_to_search',
  'chunked',
  'chunked_sensitive',
  'split_secret',
  'secret_to_external',
  'read_and_send',
  'tainted_file',
  'tainted_file_sensitive',
  'environment_to_external',
  'upload_local_file',
  'sensitive_in_fetch_prompt',
  'encoded_in_fetch_prompt',
  'credentials_copied_by_query',
  'record_to_external',
  'fingerprint_limit',
  'response_limit',
]);

/** Findings of ordinary (non-secret) data, which a chosen destination makes ordinary work. */
export const ORDINARY_RULES: ReadonlySet<RuleId> = new Set<RuleId>([
  'internal_to_external',
  'internal_to_unknown',
  'internal_to_hybrid',
  'chunked',
  'tainted_file',
  'upload_local_file',
  'git_push_new_remote',
  'lethal_trifecta',
  'encoded_in_fetch_prompt',
  'record_to_external',
  'fingerprint_limit',
  'response_limit',
]);
