/**
 * Exceptions the user grants for one flow ("allow this flow"), and how a new decision is matched
 * against them. Pure: no I/O, time passed in.
 *
 * An exception is as narrow as the decision it was made from: the same tool, the same destination
 * hosts, the same rules and the same origins of the data (or sensitive labels, for a secret that no
 * tool of the session returned), in one scope:
 *  - once:    exactly the next identical call (same keyed hash of the tool input) in that session;
 *  - session: that flow for the rest of that session;
 *  - project: that flow in sessions working in the same directory;
 *  - always:  that flow anywhere.
 * A flow that carries sensitive data (a secret, a card number) never matches an exception made for
 * a flow without it, nor one made for other sensitive labels: a wider exception can never let a
 * secret through that the user did not see in the decision they allowed.
 */

export const SCOPES = ['once', 'session', 'project', 'always'] as const;
export type Scope = (typeof SCOPES)[number];

/** What a decision was about, as far as an exception needs to know (no content, labels only). */
export interface FlowKey {
  /** canonical tool name (`mcp__server__tool` for MCP, whether the hook or the proxy saw it) */
  tool: string;
  /** destination hosts, sorted, lower case */
  hosts: string[];
  /** rules of the findings that interrupted it, sorted */
  rules: string[];
  /** origin labels of the data (`Read(/p/.env)`), sorted */
  origins: string[];
  /** sensitive labels (`an AWS secret access key`), sorted; empty when nothing sensitive */
  sensitive: string[];
}

export interface FlowContext {
  sessionId: string;
  /** the session's working directory, for project scope */
  cwd: string | null;
  /** keyed hash of the tool input, for once scope */
  inputHash: string | null;
}

export interface FlowException {
  id: number;
  scope: Scope;
  key: FlowKey;
  /** session the exception was made in (once, session) */
  sessionId: string | null;
  /** project directory (project scope) */
  cwd: string | null;
  /** input hash of the allowed call (once scope) */
  inputHash: string | null;
  /** the decision it was made from */
  decisionId: number;
  createdAt: number;
  /** who made it: `cli` or `console` */
  by: string;
  uses: number;
  revokedAt: number | null;
}

const sorted = (xs: Iterable<string>): string[] => [...new Set(xs)].sort();

/** A flow key in a canonical form: sorted, deduplicated, hosts in lower case. */
export function canonicalKey(k: FlowKey): FlowKey {
  return {
    tool: k.tool,
    hosts: sorted(k.hosts.map((h) => h.toLowerCase())),
    rules: sorted(k.rules),
    origins: sorted(k.origins),
    sensitive: sorted(k.sensitive),
  };
}

const sameList = (a: string[], b: string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** Does the exception cover this flow, in this context? (Both keys canonical.) */
export function exceptionMatches(e: FlowException, key: FlowKey, ctx: FlowContext): boolean {
  if (e.revokedAt !== null) return false;
  if (e.key.tool !== key.tool) return false;
  if (!sameList(e.key.hosts, key.hosts)) return false;
  if (!sameList(e.key.rules, key.rules)) return false;
  if (!sameList(e.key.origins, key.origins)) return false;
  // sensitive data only under an exception made for exactly that sensitive data
  if (!sameList(e.key.sensitive, key.sensitive)) return false;
  switch (e.scope) {
    case 'once':
      return e.uses === 0 && e.sessionId === ctx.sessionId && e.inputHash !== null && e.inputHash === ctx.inputHash;
    case 'session':
      return e.sessionId === ctx.sessionId;
    case 'project':
      return e.cwd !== null && e.cwd === ctx.cwd;
    case 'always':
      return true;
  }
}

/** The first live exception that covers the flow, or undefined. */
export function findException(list: readonly FlowException[], key: FlowKey, ctx: FlowContext): FlowException | undefined {
  const k = canonicalKey(key);
  return list.find((e) => exceptionMatches(e, k, ctx));
}

/** Why a scope cannot be granted for a decision, or null when it can. */
export function scopeProblem(scope: Scope, d: { sessionId: string | null; cwd: string | null; inputHash: string | null }): string | null {
  if (scope === 'once' && (!d.inputHash || !d.sessionId))
    return 'this decision has no recorded tool input, so "once" cannot recognise the same call again; use --session';
  if (scope === 'session' && !d.sessionId) return 'this decision has no session';
  if (scope === 'project' && !d.cwd) return 'this decision has no working directory, so "project" has nothing to match; use --session or --always';
  return null;
}

/** The parts of a decision a flow key is made of (structurally a subset of the engine's Decision). */
export interface DecisionLike {
  tool: string;
  destinationHosts: string[];
  findings: Array<{ rule: string; risk: string; what: string; origin?: { label: string }; source?: { label: string } }>;
}

/** Rules whose findings are sensitive data: an exception for them names the sensitive labels too. */
const isSensitiveFinding = (f: DecisionLike['findings'][number]): boolean => f.risk === 'critical' || /secret|sensitive/.test(f.rule);

/** The flow key of a decision. `canonicalTool` maps the hook's and the proxy's names of one MCP tool to one. */
export function flowKeyOf(d: DecisionLike, canonicalTool: (name: string) => string = (n) => n): FlowKey {
  return canonicalKey({
    tool: canonicalTool(d.tool),
    hosts: d.destinationHosts,
    rules: d.findings.map((f) => f.rule),
    origins: d.findings.map((f) => f.origin?.label ?? f.source?.label).filter((x): x is string => typeof x === 'string'),
    sensitive: d.findings.filter(isSensitiveFinding).map((f) => f.what),
  });
}
