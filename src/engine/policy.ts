/**
 * Policy by who chose the destination (see provenance.ts): what a finding's action becomes when
 * the destination is the user's, the project's or the user's own infrastructure, a provider's own
 * API, or planted in outside content.
 */
import type { Config } from '../config/index.ts';
import { ACTION_RANK, RISK_RANK, type Action } from '../types.ts';
import type { BashAnalysis } from './bash/index.ts';
import { hasPayload } from './destinations.ts';
import { DATA_RULES, ORDINARY_RULES, SENSITIVE_RULES, type DestKind, type Finding, type RuleId } from './findings.ts';
import type { DestinationVerdict } from './provenance.ts';
import { also, because } from './reasons.ts';

type Policy = Config['policy'];

const uniq = <T>(xs: T[]): T[] => [...new Set(xs)];

/**
 * Who chose the destination changes what a finding means:
 *  - data (no secret) to destinations the user, the project or the user's own hosts stand for is
 *    ordinary work: `policy.internalToChosen` (warn) at most; to the user's own hosts, secrets too;
 *  - a provider's credential to that provider's own API is expected use (`policy.providerOwnApi`)
 *    unless the destination came from tool output;
 *  - data to a destination planted in outside content is the injection pattern:
 *    `policy.plantedDestination`, and any payload to it is asked about even when nothing matches.
 */
export function provenancePolicy(
  pol: Policy,
  findings: Finding[],
  verdicts: DestinationVerdict[],
  chosen: boolean,
  tool: string,
  input: Record<string, unknown>,
  bash: BashAnalysis | undefined,
): void {
  if (verdicts.length === 0) return;
  const by = uniq(verdicts.map((v) => v.via))
    .slice(0, 2)
    .join('; ');
  const planted = verdicts.filter((v) => v.planted);
  if (planted.length > 0) {
    const p = planted[0] as DestinationVerdict;
    const how = because.planted(p.dest.value, p.via);
    let content = false;
    for (const f of findings) {
      if (!DATA_RULES.has(f.rule)) continue;
      content = true;
      if (ACTION_RANK[pol.plantedDestination] > ACTION_RANK[f.action]) f.action = pol.plantedDestination;
      if (RISK_RANK[f.risk] < RISK_RANK.critical) f.risk = 'critical';
      f.how = also(f.how, how);
    }
    if (!content && hasPayload(tool, input, bash)) {
      findings.push({ action: pol.plantedDestinationAny, risk: 'high', flowType: 'internal_to_external', what: 'data', how, rule: 'planted_destination' });
    }
    return;
  }
  // a destination the book cannot tell was not planted (a bound let outside content go unread or
  // forgotten): any payload to it is asked about, the reason naming the bound
  const unsure = verdicts.find((v) => v.limit !== undefined);
  if (unsure && hasPayload(tool, input, bash))
    findings.push({
      action: 'ask',
      risk: 'high',
      flowType: 'internal_to_external',
      what: 'data',
      how: `${unsure.dest.value} was not seen in this session, but ${unsure.limit as string}`,
      rule: 'provenance_limit',
    });
  const provider = verdicts.every((v) => v.provenance !== 'tool_output');
  for (const f of findings) {
    if (provider && f.labels && f.labels.length > 0 && (f.rule === 'secret_to_external' || f.rule === 'sensitive_to_external')) {
      const hostsOk = verdicts.every((v) => v.dest.kind === 'host' && f.labels?.every((l) => providerOwns(l, v.dest.value)));
      if (hostsOk) {
        f.action = pol.providerOwnApi;
        f.how = also(f.how, because.providerOwnApi());
        continue;
      }
    }
    // data read from one repository going to another one (private code into a public PR): the
    // other repository's readers are not the ones the data was for
    const from = f.origin ? /\(([\w.-]+\/[\w.-]+)\)$/.exec(f.origin.label)?.[1]?.toLowerCase() : undefined;
    const other = from ? verdicts.find((v) => v.dest.kind === 'repo' && v.dest.value.includes('/') && v.dest.value !== from) : undefined;
    if (other) {
      if (f.rule === 'internal_to_hybrid' && ACTION_RANK[pol.internalToExternal] > ACTION_RANK[f.action]) {
        f.action = pol.internalToExternal;
        f.risk = 'high';
        f.how = also(f.how, because.otherRepository(from as string, other.dest.value));
      }
      continue;
    }
    if (!chosen) continue;
    const allOwn = verdicts.every((v) => v.provenance === 'own');
    if (ORDINARY_RULES.has(f.rule) || (allOwn && SENSITIVE_RULES.has(f.rule))) {
      if (ACTION_RANK[f.action] > ACTION_RANK[pol.internalToChosen]) {
        f.action = pol.internalToChosen;
        f.how = also(f.how, because.chosen(by));
      }
    }
  }
}

/** Provider credentials and the domains of the provider's own API (by the detector's labels). */
const PROVIDER_DOMAINS: Array<[RegExp, string[]]> = [
  [/\bstripe\b/i, ['stripe.com']],
  [/\b(aws|amazon)\b/i, ['amazonaws.com', 'aws.amazon.com']],
  [/\bgithub\b/i, ['github.com', 'api.github.com', 'githubusercontent.com']],
  [/\bgitlab\b/i, ['gitlab.com']],
  [/\bopenai\b/i, ['openai.com']],
  [/\banthropic\b/i, ['anthropic.com']],
  [/\bslack\b/i, ['slack.com']],
  [/\b(google|gcp|firebase)\b/i, ['googleapis.com', 'google.com']],
  [/\bsupabase\b/i, ['supabase.co', 'supabase.com']],
  [/\bvercel\b/i, ['vercel.com']],
  [/\bnpm\b/i, ['npmjs.org', 'npmjs.com']],
  [/\bhugging ?face\b/i, ['huggingface.co']],
  [/\bsendgrid\b/i, ['sendgrid.com']],
  [/\btwilio\b/i, ['twilio.com']],
  [/\bopenrouter\b/i, ['openrouter.ai']],
  [/\bcloudflare\b/i, ['cloudflare.com']],
  [/\bsentry\b/i, ['sentry.io']],
  [/\bdigitalocean\b/i, ['digitalocean.com']],
  [/\bheroku\b/i, ['heroku.com']],
  [/\bnotion\b/i, ['notion.com', 'notion.so']],
  [/\bmailgun\b/i, ['mailgun.net']],
  [/\bshopify\b/i, ['myshopify.com', 'shopify.com']],
];

/** Is this host the API of the provider that issued a credential with this detector label? */
function providerOwns(label: string, host: string): boolean {
  for (const [re, domains] of PROVIDER_DOMAINS) if (re.test(label)) return domains.some((d) => host === d || host.endsWith('.' + d));
  return false;
}

/** The action and rule for shared text only (no secret, card or distinctive value), by where it goes. */
export function coverageAction(pol: Policy, kind: DestKind): [Action, RuleId] {
  switch (kind) {
    case 'search':
      return [pol.internalToSearch, 'internal_to_search'];
    case 'hybrid':
      return [pol.internalToHybrid, 'internal_to_hybrid'];
    case 'unknown':
      return [pol.internalToUnknown, 'internal_to_unknown'];
    default:
      return [pol.internalToExternal, 'internal_to_external'];
  }
}
