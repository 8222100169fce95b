/**
 * Every sentence a decision says: the reason Claude Code shows (deny/ask/warn), the audit summary,
 * and the advice on what the user can change. The deciding code (engine.ts, policy.ts) produces
 * findings with a rule id and their facts; this file turns them into words.
 */
import type { FlowType } from '../types.ts';
import type { Decision, Finding } from './findings.ts';

export interface ReasonContext {
  /** local time of day of a timestamp, for "at 14:02:11" */
  timeOfDay: (ms: number) => string;
  /** where the user changes policy */
  configPath?: string;
}

export function reasonText(tool: string, top: Finding, count: number, hosts: string[], ctx: ReasonContext): string {
  const where = hosts.length ? ` to ${hosts.slice(0, 3).join(', ')}` : tool.startsWith('mcp__') ? ` to ${tool}` : '';
  const verb = top.action === 'deny' ? 'blocked' : top.action === 'ask' ? 'needs confirmation for' : 'flagged';
  let r: string;
  if (top.rule === 'guard_tampering' || top.rule === 'guard_settings') {
    r = `mcpproxy-hook ${verb} this ${tool} call: it would ${top.what}. ${top.rule === 'guard_tampering' ? 'With the guard off, nothing stops data from leaving; an agent has no reason to do this unless something it read told it to' : 'Those settings hold the hooks that check every tool call; an agent rewriting them could switch the guard off'} (risk ${top.risk})`;
  } else if (top.rule === 'analysis_limit') {
    r = `mcpproxy-hook ${verb} this ${tool} call: it is ${top.what}, so what it would do (send data, stop the guard) was not checked (risk ${top.risk})`;
  } else if (top.rule === 'script_limit') {
    r = `mcpproxy-hook ${verb} this ${tool} call: it is ${top.what}, so what the script would do (send data, stop the guard) was not checked (risk ${top.risk})`;
  } else if (top.rule === 'credentials_copied_by_query') {
    r = `mcpproxy-hook ${verb} this ${tool} call: its query would copy ${top.what} ${top.how ?? ''}. Credentials belong in the table that keeps them, not in a ticket, message or note (${flowWords(top.flowType)}, risk ${top.risk})`;
  } else if (top.rule === 'lethal_trifecta') {
    r = `mcpproxy-hook ${verb} this ${tool} call: it sends data${where}, and ${top.how ?? ''} (risk ${top.risk})`;
  } else {
    r =
      top.rule === 'sensitive_in_fetch_prompt' || top.rule === 'encoded_in_fetch_prompt'
        ? `mcpproxy-hook ${verb} this ${tool} call: its prompt carries ${top.what}, for a page${where.replace(/^ to/, ' on')}`
        : `mcpproxy-hook ${verb} this ${tool} call: it would send ${top.what}${where}`;
    const src = top.origin ? { label: top.origin.label, at: top.origin.at } : top.source;
    if (src && src.at > 0) {
      r += `. The data came from ${src.label} at ${ctx.timeOfDay(src.at)} in this session (${flowWords(top.flowType)}, risk ${top.risk})`;
    } else r += ` (${flowWords(top.flowType)}, risk ${top.risk})`;
    if (top.how) r += `; ${top.how}`;
  }
  if (count > 1) r += `. ${count - 1} more finding${count > 2 ? 's' : ''} in the same call`;
  r += '.';
  const cfgAt = ctx.configPath ? ` in ${ctx.configPath}` : '';
  if (top.rule === 'suspicious_endpoint') {
    r += ` If that endpoint is really needed, remove it from policy.suspiciousEndpoints${cfgAt}.`;
  } else if (top.rule === 'guard_tampering' || top.rule === 'guard_settings') {
    r += ` If the user wants this, they can do it themselves${top.rule === 'guard_settings' ? ` or confirm it; policy.settingsChanges${cfgAt} sets this rule's action` : `; policy.guardTampering${cfgAt} sets this rule's action`}.`;
    if (top.action === 'deny') r += ' Do not retry it in another form.';
  } else if (top.rule === 'analysis_limit') {
    r += ' If the user wants this command run, they can confirm it or run it themselves; a shorter, flatter command can be checked.';
  } else if (top.rule === 'script_limit') {
    r +=
      ' The user can read the script and confirm the call, or run it themselves; a script of at most the size named, written in one piece (Write, or cat > f <<EOF), can be checked.';
  } else if (top.rule === 'fingerprint_limit') {
    r +=
      ' The user can confirm the call if it holds none of the files or outputs read earlier in this session, or start a new session for unrelated work; session.maxFingerprints' +
      cfgAt +
      ' sets how much a session keeps.';
  } else if (top.rule === 'response_limit') {
    r +=
      ' The user can confirm the call if it holds nothing of that output, or start a new session for unrelated work; session.maxResponseBytes' +
      cfgAt +
      ' sets how much of an output is fingerprinted.';
  } else if (top.rule === 'split_limit') {
    r += ' The user can confirm the call if it carries no part of that secret, or start a new session for unrelated work.';
  } else if (top.rule === 'provenance_limit') {
    r +=
      ' The user can confirm the call if they chose this destination themselves (or name it in a prompt, or add the host to policy.trustedHosts' +
      cfgAt +
      '); a new session for unrelated work starts with nothing let go.';
  } else if (top.rule === 'lethal_trifecta' && (top.action === 'deny' || top.action === 'ask')) {
    r += ` If this call is what the user asked for, confirm it; policy.lethalTrifecta${cfgAt} sets this rule's action.`;
  } else if (top.action === 'deny' || top.action === 'ask') {
    r += hosts.length
      ? ` If this transfer is intended, the user can add the host to policy.trustedHosts${cfgAt}, or run the command themselves.`
      : ` If this transfer is intended, the user can set policy.toolActions["${tool}"]${cfgAt}, or do it themselves.`;
    if (top.action === 'deny') r += ' Do not retry it in another form.';
  }
  return r;
}

export function summarize(f: Finding): string {
  if (f.rule === 'suspicious_endpoint') return `${f.rule}: ${f.how ?? f.what}`;
  const from = f.origin ? ` from ${f.origin.label}` : f.source ? ` from ${f.source.label}` : '';
  return `${f.rule}: ${f.what}${from}`;
}

export function flowWords(f: FlowType): string {
  return f.replace(/_to_/, ' → ').replace(/_/g, ' ');
}

export function article(label: string): string {
  return /^[aeiou]/i.test(label) ? `an ${label}` : `a ${label}`;
}

export function truncate(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

/** ` [destination x: tool_output, planted]` for the audit row's summary: who chose where the call went. */
export function provenanceNote(d: Decision): string {
  if (!d.provenance || !d.destination) return '';
  return ` [destination ${truncate(d.destination.value, 80)}: ${d.provenance}${d.destination.planted ? ', planted in outside content' : ''}]`;
}

/** What a decision becomes in a session that bypasses permissions, said after its reason. */
export function unaskedNote(action: string): string {
  return ` (This session runs with permissions bypassed, where Claude Code would run the call without asking, so it is ${action === 'deny' ? 'denied' : action === 'warn' ? 'flagged' : 'allowed'} instead; policy.askWhenBypassed sets this.)`;
}

/** A clause added to a finding's `how` (joined with "; "). */
export function also(how: string | undefined, clause: string): string {
  return how ? `${how}; ${clause}` : clause;
}

/** Why a decision about a destination's provenance went the way it did: the clauses policy adds. */
export const because = {
  planted: (dest: string, via: string): string =>
    `${dest} first appeared in ${via}, in content from outside: a destination planted there is where a prompt injection sends data`,
  providerOwnApi: (): string => 'it goes to the API of the provider that issued it',
  otherRepository: (from: string, to: string): string => `it was read from ${from} and goes to ${to}, another repository with other readers`,
  chosen: (by: string): string => `the destination was chosen by ${by}`,
  dataInHostName: (host: string): string => `the data rides in the host name ${host} itself: looking it up delivers it (DNS exfiltration)`,
};
