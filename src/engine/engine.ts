/**
 * The flow engine: one hook event in, one decision out. Ties together classifier, fingerprints,
 * detector, bash analysis and policy. Pure: no I/O; time and config are passed in.
 */
import type { Action, Classification, FlowType, HookEvent, Risk } from '../types.ts';
import { ACTION_RANK, RISK_RANK } from '../types.ts';
import type { Config } from '../config.ts';
import { classifyTool, type ToolClass } from './classifier.ts';
import { Hasher, stringLeaves, type TokenSpec } from './fingerprint.ts';
import { FlowTracker, type Origin, type Session } from './flow-tracker.ts';
import { scanText, sensitivePath } from './detector.ts';
import { analyzeBash, type BashAnalysis } from './bash.ts';
import { views } from './decoders.ts';
import { allHosts, hostOfUrl, isLoopback, matchDomainList } from './urls.ts';
import { redact } from './redact.ts';

/** Outgoing content must share this many normalised chars with a non-sensitive origin to count. */
export const MIN_COVERAGE = 40;

export interface Finding {
  action: Action;
  risk: Risk;
  flowType: FlowType;
  /** what is leaving, in words: "an AWS secret access key", "42 chars of data" */
  what: string;
  origin?: Origin;
  /** free text on how it was found (decoders, read-and-send) */
  how?: string;
  rule: string;
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
}

export interface EngineOptions {
  seed: number;
  /** user home, for ~ paths */
  home?: string;
  /** shown in reasons so users know where to change policy */
  configPath?: string;
  /** clock for labels (local time of day) */
  timeOfDay?: (ms: number) => string;
}

const hhmmss = (ms: number): string => new Date(ms).toTimeString().slice(0, 8);

export class FlowEngine {
  readonly tracker: FlowTracker;
  private cfg: Config;
  private readonly timeOfDay: (ms: number) => string;

  constructor(
    cfg: Config,
    private readonly opts: EngineOptions,
  ) {
    this.cfg = cfg;
    this.timeOfDay = opts.timeOfDay ?? hhmmss;
    this.tracker = new FlowTracker({
      hasher: new Hasher(opts.seed),
      maxFingerprints: cfg.session.maxFingerprints,
      maxSessions: cfg.session.maxSessions,
      idleMs: cfg.session.idleMinutes * 60_000,
    });
  }

  get config(): Config {
    return this.cfg;
  }

  setConfig(cfg: Config): void {
    this.cfg = cfg;
    this.tracker.configure({ maxFingerprints: cfg.session.maxFingerprints, maxSessions: cfg.session.maxSessions, idleMs: cfg.session.idleMinutes * 60_000 });
  }

  private classify(name: string): ToolClass {
    const tc = classifyTool(name, this.cfg.classification);
    if (tc.server) {
      const up = this.cfg.mcp.servers[tc.server];
      if (up?.classification && tc.method !== 'config') {
        const c = up.classification;
        return { ...tc, source: c === 'hybrid' ? 'internal' : c, destination: c === 'hybrid' ? 'external' : c, method: 'config', reason: `mcp.servers.${tc.server}.classification: ${c}` };
      }
    }
    return tc;
  }

  handle(ev: HookEvent, now: number): Decision {
    const tool = typeof ev.tool_name === 'string' ? ev.tool_name : '';
    switch (ev.hook_event_name) {
      case 'PreToolUse':
        return this.pre(ev, tool, now);
      case 'PostToolUse':
        return this.post(ev, tool, now);
      default:
        return this.base(ev, tool, 'unknown', `event ${ev.hook_event_name} is not checked`);
    }
  }

  private base(ev: HookEvent, tool: string, cls: Classification, summary: string): Decision {
    return { event: ev.hook_event_name, sessionId: ev.session_id, tool, action: 'allow', risk: 'none', flowType: null, classification: cls, reason: '', summary, findings: [], destinationHosts: [] };
  }

  // ---------------------------------------------------------------- PostToolUse: record origins
  private post(ev: HookEvent, tool: string, now: number): Decision {
    const s = this.tracker.touch(ev.session_id, now);
    s.toolsUsed.add(tool);
    const tc = this.classify(tool);
    const d = this.base(ev, tool, tc.source, '');
    const texts = stringLeaves(ev.tool_response, this.cfg.session.maxResponseBytes);
    const input = (ev.tool_input ?? {}) as Record<string, unknown>;
    const sensitive: string[] = [];
    let label = tool;
    if (typeof input.file_path === 'string') {
      label = `${tool}(${input.file_path})`;
      const p = sensitivePath(input.file_path, this.opts.home);
      if (p) sensitive.push(p.label);
    } else if (typeof input.command === 'string') {
      label = `${tool}(${truncate(redact(input.command), 60)})`;
      const a = analyzeBash(input.command);
      for (const p of a.readPaths) {
        const sp = sensitivePath(p, this.opts.home);
        if (sp && !sensitive.includes(sp.label)) sensitive.push(sp.label);
      }
    } else if (typeof input.url === 'string') {
      label = `${tool}(${truncate(redact(input.url), 60)})`;
    }
    if (tc.source === 'external') {
      // Untrusted content entered the session. It is not fingerprinted: sending it back out leaks nothing of ours.
      s.untrustedContentSeen = true;
      d.summary = 'external content received';
      return d;
    }
    const tokens: TokenSpec[] = [];
    for (const t of texts) {
      for (const f of scanText(t)) {
        tokens.push({ value: f.value, kind: 'secret', label: f.label });
        if (!sensitive.includes(f.label)) sensitive.push(f.label);
      }
    }
    if (tc.source === 'unknown' && sensitive.length === 0) {
      d.summary = 'unclassified tool output, nothing sensitive: not recorded';
      return d;
    }
    const o = s.addOrigin({ label, toolName: tool, cls: tc.source === 'unknown' ? 'internal' : tc.source, at: now, sensitive, ...(ev.tool_use_id ? { toolUseId: ev.tool_use_id } : {}) }, texts, tokens, this.tracker.newOriginId());
    d.summary = `recorded ${o.fingerprints} fingerprint${o.fingerprints === 1 ? '' : 's'}${sensitive.length ? ` (sensitive: ${sensitive.join(', ')})` : ''}`;
    d.risk = sensitive.length ? 'medium' : 'none';
    return d;
  }

  // ---------------------------------------------------------------- PreToolUse: check
  private pre(ev: HookEvent, tool: string, now: number): Decision {
    const s = this.tracker.touch(ev.session_id, now);
    s.toolsUsed.add(tool);
    const tc = this.classify(tool);
    const input = ev.tool_input ?? {};
    const texts = stringLeaves(input, 4 * 1024 * 1024);
    const joined = texts.join('\n');
    const pol = this.cfg.policy;

    let bash: BashAnalysis | undefined;
    if (tc.destination === 'hybrid' && typeof (input as Record<string, unknown>).command === 'string') {
      bash = analyzeBash((input as Record<string, string>).command as string);
    }

    const hosts = new Set<string>(allHosts(joined));
    if (bash) for (const h of bash.hosts) hosts.add(h);
    const suspiciousList = [...pol.suspiciousEndpoints, ...pol.extraSuspiciousEndpoints];
    const findings: Finding[] = [];

    for (const h of hosts) {
      const hit = matchDomainList(h, suspiciousList);
      if (hit) {
        findings.push({ action: pol.suspiciousEndpoint, risk: 'critical', flowType: 'internal_to_external', what: 'data', how: `${hit} is on the suspicious-endpoint list (request bins, tunnels, paste sites)`, rule: 'suspicious_endpoint' });
        break;
      }
    }

    // Where does this call send data?
    const dest = this.destination(tc, tool, input as Record<string, unknown>, bash, [...hosts]);
    const d = this.base(ev, tool, dest.cls, '');
    d.destinationHosts = dest.hosts;

    if (dest.cls === 'external' || dest.cls === 'unknown') {
      const external = dest.cls === 'external';
      // 1. Content that origins of this session produced.
      const seen = new Map<number, { covered: number; labels: string[]; distinctive: boolean; via: string[] }>();
      for (const v of views(joined)) {
        for (const m of s.index.match(v.text)) {
          const prev = seen.get(m.originId);
          if (!prev || m.sensitiveLabels.length > prev.labels.length || m.covered > prev.covered) {
            seen.set(m.originId, { covered: Math.max(m.covered, prev?.covered ?? 0), labels: m.sensitiveLabels.length >= (prev?.labels.length ?? 0) ? m.sensitiveLabels : (prev?.labels ?? []), distinctive: m.distinctive || (prev?.distinctive ?? false), via: v.via });
          }
        }
      }
      for (const [id, m] of seen) {
        const o = s.origins.get(id);
        if (!o) continue;
        const how = m.via.length ? `after ${m.via.join(' then ')} decoding` : undefined;
        if (o.cls === 'external') continue; // external -> external: nothing of ours
        const sensitive = m.labels.length > 0 || (o.sensitive.length > 0 && m.covered >= MIN_COVERAGE);
        if (sensitive) {
          const what = m.labels.length ? article(m.labels.join(' and ')) : `${m.covered} characters of ${o.sensitive.join(', ')} content`;
          findings.push({ action: external ? pol.sensitiveToExternal : pol.sensitiveToUnknown, risk: external ? 'critical' : 'high', flowType: 'internal_to_external', what, origin: o, ...(how ? { how } : {}), rule: external ? 'sensitive_to_external' : 'sensitive_to_unknown' });
        } else if (m.covered >= MIN_COVERAGE || m.distinctive) {
          const what = m.distinctive && m.covered < MIN_COVERAGE ? 'a distinctive value (an id, token or e-mail address)' : `${m.covered} characters of data`;
          findings.push({ action: external ? pol.internalToExternal : pol.internalToUnknown, risk: external ? 'high' : 'medium', flowType: 'internal_to_external', what, origin: o, ...(how ? { how } : {}), rule: external ? 'internal_to_external' : 'internal_to_unknown' });
        }
      }
      // 2. Secrets by pattern that no origin explains (typed in, or read outside our view).
      if (external && !findings.some((f) => f.rule === 'sensitive_to_external')) {
        for (const v of views(joined)) {
          const secrets = scanText(v.text).filter((f) => f.severity !== 'medium');
          if (secrets.length) {
            findings.push({ action: pol.secretToExternal, risk: 'critical', flowType: 'internal_to_external', what: article(uniq(secrets.map((f) => f.label)).join(' and ')), how: v.via.length ? `after ${v.via.join(' then ')} decoding` : 'found by pattern; no tool of this session returned it', rule: 'secret_to_external' });
            break;
          }
        }
      }
      // 3. Read-and-send in one command: a sensitive file read or uploaded by an egress command.
      if (bash && bash.egress) {
        for (const p of uniq([...bash.uploadPaths, ...bash.readPaths])) {
          const sp = sensitivePath(p, this.opts.home);
          if (sp) {
            findings.push({ action: pol.sensitiveToExternal, risk: 'critical', flowType: 'internal_to_external', what: `the contents of ${p} (${sp.label})`, how: `the command reads ${p} and sends data with ${bash.egressCommands.join(', ')}`, rule: 'read_and_send' });
            break;
          }
        }
      }
      // Per-tool / per-server overrides replace the action of flow findings.
      const ov = this.cfg.policy.toolActions[tool] ?? (tc.server ? this.cfg.policy.serverActions[tc.server] : undefined);
      if (ov) for (const f of findings) if (f.rule !== 'suspicious_endpoint') f.action = ov;
    }

    if (findings.length === 0) {
      d.summary = dest.cls === 'internal' ? 'stays inside' : 'no internal data found in the input';
      s.noteDecision('allow', null, 'none');
      return d;
    }
    findings.sort((a, b) => ACTION_RANK[b.action] - ACTION_RANK[a.action] || RISK_RANK[b.risk] - RISK_RANK[a.risk]);
    const top = findings[0] as Finding;
    d.findings = findings;
    d.action = top.action;
    d.risk = top.risk;
    d.flowType = top.flowType;
    if (top.origin) d.originTool = top.origin.label;
    d.summary = summarize(top);
    d.reason = this.reasonText(tool, top, findings.length, dest.hosts);
    s.noteDecision(d.action, d.flowType, d.risk);
    return d;
  }

  private destination(tc: ToolClass, tool: string, input: Record<string, unknown>, bash: BashAnalysis | undefined, hosts: string[]): { cls: Classification; hosts: string[] } {
    const trusted = this.cfg.policy.trustedHosts;
    const outside = (hs: string[]): string[] => hs.filter((h) => !isLoopback(h) && !matchDomainList(h, trusted));
    if (bash) {
      if (!bash.egress) return { cls: 'internal', hosts: [] };
      const hs = uniq(bash.hosts);
      const out = outside(hs);
      // egress with hosts that are all loopback or trusted stays inside; egress with no visible host does not
      if (hs.length > 0 && out.length === 0) return { cls: 'internal', hosts: hs };
      return { cls: 'external', hosts: out.length ? out : hs };
    }
    if (tool === 'WebFetch' && typeof input.url === 'string') {
      const h = hostOfUrl(input.url);
      if (h && outside([h]).length === 0) return { cls: 'internal', hosts: [h] };
      return { cls: 'external', hosts: h ? [h] : [] };
    }
    if (tc.destination === 'hybrid') return { cls: 'external', hosts: outside(hosts) };
    return { cls: tc.destination, hosts: tc.destination === 'internal' ? [] : outside(hosts) };
  }

  private reasonText(tool: string, top: Finding, count: number, hosts: string[]): string {
    const where = hosts.length ? ` to ${hosts.slice(0, 3).join(', ')}` : tool.startsWith('mcp__') ? ` to ${tool}` : '';
    const verb = top.action === 'deny' ? 'blocked' : top.action === 'ask' ? 'needs confirmation for' : 'flagged';
    let r = `mcpproxy-hook ${verb} this ${tool} call: it would send ${top.what}${where}`;
    if (top.origin) {
      r += `. The data came from ${top.origin.label} at ${this.timeOfDay(top.origin.at)} in this session (${flowWords(top.flowType)}, risk ${top.risk})`;
    } else r += ` (${flowWords(top.flowType)}, risk ${top.risk})`;
    if (top.how) r += `; ${top.how}`;
    if (count > 1) r += `. ${count - 1} more finding${count > 2 ? 's' : ''} in the same call`;
    r += '.';
    const cfgAt = this.opts.configPath ? ` in ${this.opts.configPath}` : '';
    if (top.rule === 'suspicious_endpoint') {
      r += ` If that endpoint is really needed, remove it from policy.suspiciousEndpoints${cfgAt}.`;
    } else if (top.action === 'deny' || top.action === 'ask') {
      r += hosts.length
        ? ` If this transfer is intended, the user can add the host to policy.trustedHosts${cfgAt}, or run the command themselves.`
        : ` If this transfer is intended, the user can set policy.toolActions["${tool}"]${cfgAt}, or do it themselves.`;
      if (top.action === 'deny') r += ' Do not retry it in another form.';
    }
    return r;
  }

  /** Close idle sessions; their summaries are in tracker.drainClosed(). */
  expire(now: number): void {
    this.tracker.expire(now);
  }

  session(id: string): Session | undefined {
    return this.tracker.get(id);
  }
}

function flowWords(f: FlowType): string {
  return f.replace(/_to_/, ' → ').replace(/_/g, ' ');
}

function summarize(f: Finding): string {
  return `${f.rule}: ${f.what}${f.origin ? ` from ${f.origin.label}` : ''}`;
}

function article(label: string): string {
  return /^[aeiou]/i.test(label) ? `an ${label}` : `a ${label}`;
}

function uniq<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

function truncate(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}
