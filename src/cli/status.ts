/**
 * `mcpproxy-hook status` in text: what runs, what it checked and where, in sentences rather than
 * raw JSON.
 */
import type { Ui } from './output.ts';

export interface HookInstall {
  scope: string;
  file: string;
  events: string[];
  failClosed: boolean;
  transport: string;
  /** HTTP hooks: a SessionStart hook starts the sidecar */
  starter?: boolean;
  problem?: string;
}

export interface StatusInput {
  sidecar: Record<string, unknown> | null;
  error: string | null;
  socket: string;
  stateDir: string;
  /** every settings file that was read, by scope */
  checked: Array<{ scope: string; file: string }>;
  installs: HookInstall[];
  /** Claude Code plugins of ours that are enabled */
  plugins?: string[];
  recent: Array<{ time: string; decision: string; event: string; tool: string; summary: string | null }>;
}

const DECISION_ORDER = ['deny', 'ask', 'warn', 'allow'];

/** `{"allow": 12, "deny": 1}` → "1 deny, 12 allow" (most serious first); "none" when empty. */
export function decisionCounts(counts: Record<string, number> | undefined | null): string {
  const entries = Object.entries(counts ?? {}).filter(([, n]) => n > 0);
  if (entries.length === 0) return 'none';
  entries.sort(([a], [b]) => (DECISION_ORDER.indexOf(a) + 1 || 99) - (DECISION_ORDER.indexOf(b) + 1 || 99));
  return entries.map(([d, n]) => `${n} ${d}`).join(', ');
}

export function latencyLine(lat: { count: number; p50_us: number; p99_us: number } | undefined): string {
  if (!lat || lat.count === 0) return 'Decision time: no events since the sidecar started';
  return `Decision time (last ${lat.count} event${lat.count === 1 ? '' : 's'}): p50 ${(lat.p50_us / 1000).toFixed(2)} ms, p99 ${(lat.p99_us / 1000).toFixed(2)} ms`;
}

interface Upstream {
  name: string;
  transport?: string;
  state: string;
  error?: string;
  tools?: number;
  restarts?: number;
  nextRetry?: string;
}

/** Lines for the MCP proxy and each upstream server. */
export function mcpLines(mcp: unknown, ui: Ui): string[] {
  if (!mcp || typeof mcp !== 'object') return ['MCP proxy: off (no servers under mcp.servers in the config)'];
  const m = mcp as { error?: string | null; upstreams?: Upstream[]; stdio_socket?: string | null };
  const out: string[] = [];
  if (m.error) out.push(`MCP proxy: ${ui.paint('red', 'NOT started')}: ${m.error}`);
  const ups = m.upstreams ?? [];
  if (!m.error) out.push(`MCP proxy: ${ups.length} upstream server${ups.length === 1 ? '' : 's'}${m.stdio_socket ? `, bridge socket ${m.stdio_socket}` : ''}`);
  for (const u of ups) {
    const ok = u.state === 'ready';
    const state = ok ? ui.paint('green', u.state) : ui.paint(u.state === 'failed' ? 'red' : 'yellow', u.state);
    const extra = [
      ok && u.tools !== undefined ? `${u.tools} tool${u.tools === 1 ? '' : 's'}` : '',
      u.restarts ? `restarted ${u.restarts} time${u.restarts === 1 ? '' : 's'}` : '',
      !ok && u.error ? u.error : '',
      !ok && u.nextRetry ? `next try ${u.nextRetry}` : '',
    ].filter(Boolean);
    out.push(`  ${u.name}${u.transport ? ` (${u.transport})` : ''}: ${state}${extra.length ? `, ${extra.join(', ')}` : ''}`);
  }
  return out;
}

export function statusText(s: StatusInput, ui: Ui): string {
  const lines: string[] = [];
  const sc = s.sidecar;
  if (sc) {
    lines.push(`Sidecar: ${ui.paint('green', 'running')} (pid ${sc.pid}, up ${sc.uptime_s} s, version ${sc.version ?? '?'})`);
    lines.push(`State dir: ${sc.state_dir ?? s.stateDir} (socket ${sc.socket})`);
    const lim = sc.session_limit as { max?: number; byMemory?: boolean } | undefined;
    lines.push(
      `Sessions tracked: ${sc.sessions_tracked}${lim?.max !== undefined ? ` (at most ${lim.max} at once${lim.byMemory ? ': what the memory budget holds with each session full' : ''})` : ''}`,
    );
    const saved = sc.saved_state as {
      sessions: number;
      origins: number;
      restored_at_start: { sessions: number; origins: number; broken: number; outputs?: { recorded: number; unreadable: number } };
    } | null;
    const outs = saved?.restored_at_start.outputs;
    lines.push(
      saved
        ? `Saved across restarts: ${saved.sessions} session(s), ${saved.origins} origin(s) (restored at start: ${saved.restored_at_start.sessions} session(s), ${saved.restored_at_start.origins} origin(s)${saved.restored_at_start.broken ? `, ${saved.restored_at_start.broken} unreadable and dropped` : ''}${outs ? `; ${outs.recorded} output(s) answered before the stop and recorded at start${outs.unreadable ? `, ${outs.unreadable} that could not be opened (see the log)` : ''}` : ''})`
        : 'Saved across restarts: off (session.persist is false: a restart forgets open sessions)',
    );
    lines.push(latencyLine(sc.latency as { count: number; p50_us: number; p99_us: number } | undefined));
    lines.push(`Decisions, last 24 h: ${decisionCounts(sc.decisions_24h as Record<string, number>)}`);
    if (typeof sc.sessions_refused === 'number' && sc.sessions_refused > 0)
      lines.push(
        `  ${ui.paint('red', `${sc.sessions_refused} new session(s) refused`)} since start: every tracked session was active or held data (session.maxSessions or the memory budget); their tool calls were denied`,
      );
    const q = sc.connections as
      | { session_in_flight_refused?: number; http_hook?: { refused_503: number; other_user_closed: number; auth_deadline_closed: number } }
      | undefined;
    const quota = [
      q?.session_in_flight_refused ? `${q.session_in_flight_refused} event(s) refused at the per-session bound (denied)` : '',
      q?.http_hook?.refused_503 ? `${q.http_hook.refused_503} HTTP request(s) answered 503 at a quota (blocked)` : '',
      q?.http_hook?.other_user_closed ? `${q.http_hook.other_user_closed} connection(s) of other users closed during a flood of the HTTP port` : '',
    ].filter(Boolean);
    if (quota.length) lines.push(`  ${ui.paint('yellow', 'Quotas used up')}: ${quota.join('; ')}`);
    const hc = sc.hook_callers as
      | { verification: string; refused: number; prompts_not_trusted: number; last_refused: { at: string; event: string; channel: string; why: string } | null }
      | undefined;
    if (hc) {
      lines.push(`Hook callers: ${hc.verification}`);
      if (hc.refused > 0)
        lines.push(
          `  ${ui.paint('red', `${hc.refused} hook event(s) refused`)}: they did not come from Claude Code's own hook call for their session (last: ${hc.last_refused?.event} over ${hc.last_refused?.channel} at ${hc.last_refused?.at}: ${hc.last_refused?.why})`,
        );
      if (hc.prompts_not_trusted > 0)
        lines.push(`  ${hc.prompts_not_trusted} prompt(s) whose caller could not be verified: the destinations they name were not taken as the user's choice`);
    }
    if (typeof sc.undelivered_24h === 'number' && sc.undelivered_24h > 0)
      lines.push(`  ${sc.undelivered_24h} answer(s) never reached their hook (it had given up waiting; see activity rows with delivered 0)`);
    const as = sc.audit_store as
      | { ok: boolean; error: { code: string; message: string; since: string } | null; waiting_rows: number; dropped_rows: number }
      | undefined;
    if (as && !as.ok)
      lines.push(
        `Audit log: ${ui.paint('red', as.error ? `cannot be written since ${as.error.since} (${as.error.code}: ${as.error.message})` : 'rows were lost')}; ${as.waiting_rows} row(s) waiting in memory, ${as.dropped_rows} dropped. Decisions go on${as.error?.code === 'SQLITE_FULL' ? '; free disk space and the rows are written' : ''}`,
      );
    for (const p of (sc.state_problems as string[] | undefined) ?? []) lines.push(`${ui.paint('red', 'State problem')}: ${p}`);
    const hh = sc.http_hook as { url?: string; error?: string } | null;
    if (hh) lines.push(hh.url ? `HTTP hook endpoint: ${hh.url}` : `HTTP hook endpoint: ${ui.paint('red', 'DOWN')}: ${hh.error}`);
    const c = sc.config as { file: string; exists: boolean; loaded_at: string; last_reload_error?: string | null };
    lines.push(`Config: ${c.exists ? c.file : `defaults (no ${c.file})`}, loaded ${c.loaded_at}`);
    if (c.last_reload_error) {
      lines.push(`  ${ui.paint('red', 'the last reload failed')}; the config loaded at ${c.loaded_at} stays in force until the file is fixed:`);
      for (const l of String(c.last_reload_error).split('\n')) lines.push(`    ${l}`);
      lines.push('  check it with: mcpproxy-hook config --check');
    }
    lines.push(...mcpLines(sc.mcp, ui));
  } else {
    lines.push(`Sidecar: ${ui.paint('red', 'NOT running')}: ${s.error}`);
    lines.push(`State dir: ${s.stateDir} (looked for the socket ${s.socket})`);
  }
  const plugins = s.plugins ?? [];
  for (const id of plugins)
    lines.push(`Plugin: ${id} enabled (command hooks, fail-closed: while the sidecar is down and cannot be started, tool calls are blocked)`);
  if (s.installs.length === 0 && plugins.length === 0) {
    lines.push('Hooks: not installed. Looked in:');
    for (const c of s.checked) lines.push(`  ${c.scope.padEnd(8)} ${c.file}`);
    lines.push('Install with `mcpproxy-hook install`.');
  }
  for (const i of s.installs) {
    const down = i.failClosed
      ? i.transport === 'http'
        ? `fail-closed: while the sidecar is down, tool calls are blocked; one that dies mid-turn blocks the rest of that turn until the next prompt or session ${i.starter ? 'starts it again' : 'is started by hand'} (\`mcpproxy-hook service install\` restarts it at once)`
        : 'fail-closed: while the sidecar is down, tool calls are blocked'
      : 'fail-open: while the sidecar is down, tool calls run unchecked';
    const mode = `${i.transport === 'http' ? `http transport${i.starter ? ', the sidecar starts with each session' : ''}` : 'command hook'}, ${down}`;
    lines.push(i.problem ? `Hooks (${i.scope}): ${ui.paint('red', i.problem)}` : `Hooks (${i.scope}): ${i.events.join(', ')} in ${i.file}, ${mode}`);
  }
  const hooked = plugins.length > 0 || s.installs.some((i) => i.events.includes('PreToolUse') && i.events.includes('PostToolUse'));
  lines.push(`Coverage: ${hooked ? 'hooks (built-in tools and MCP tool calls seen by Claude Code)' : 'none: no hooks installed'}`);
  if (s.recent.length) {
    lines.push('Recent decisions:');
    for (const r of s.recent) lines.push(`  ${r.time} ${r.decision.padEnd(5)} ${r.event.padEnd(11)} ${r.tool} ${r.summary ?? ''}`.trimEnd());
  }
  return lines.join('\n') + '\n';
}
