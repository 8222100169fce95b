/**
 * `mcpproxy-hook activity`: the audit log as a table (header, full ids, destination hosts, the
 * reason), one decision in full (`activity show <id>`), and `--follow` for new rows as they come.
 * Reads the database directly (read-only queries; the sidecar keeps writing in WAL mode).
 */
import type Database from 'better-sqlite3';
import { decisionsQuery, type AuditRow } from '../store/audit-store.ts';
import type { Ui } from './output.ts';
import { ErrorCode, GuardError } from '../errors.ts';

export type Row = AuditRow & { id: number };

export interface ActivityFilter {
  session?: string;
  decision?: string;
  risk?: string;
  event?: string;
  tool?: string;
  sinceMs?: number;
  /** only rows with a larger id (for --follow) */
  afterId?: number;
  limit: number;
}

export class ActivityError extends GuardError {
  constructor(message: string) {
    super(ErrorCode.Usage, message);
  }
}

/**
 * The session id that `given` names: itself, or the one session id it is a prefix of. Several
 * matches: an error that lists them (up to 5), so the user can type one more character.
 */
export function resolveSession(db: Database.Database, given: string): string {
  const exact = db.prepare('SELECT 1 FROM decisions WHERE session_id = ? LIMIT 1').get(given);
  if (exact) return given;
  // LIKE would treat % and _ in the id as wildcards: compare the prefix exactly instead
  const ids = (
    db.prepare('SELECT DISTINCT session_id AS s FROM decisions WHERE substr(session_id, 1, ?) = ? LIMIT 6').all(given.length, given) as Array<{ s: string }>
  ).map((r) => r.s);
  if (ids.length === 1) return ids[0] as string;
  if (ids.length === 0)
    throw new ActivityError(`no session in the audit log starts with ${JSON.stringify(given)}; list sessions with \`mcpproxy-hook activity\``);
  throw new ActivityError(
    `${JSON.stringify(given)} matches several sessions (${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''}); give more of the id`,
  );
}

export function queryRows(db: Database.Database, f: ActivityFilter): Row[] {
  // newest `limit` rows, printed oldest first (a follow continues below them)
  const { sql, params } = decisionsQuery(f);
  return (db.prepare(sql).all(...params) as Row[]).reverse();
}

export function rowById(db: Database.Database, id: number): Row | undefined {
  return db.prepare('SELECT * FROM decisions WHERE id = ?').get(id) as Row | undefined;
}

/** "2026-12-06 01:50:20" in local time */
export function fmtTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function hostsOf(r: Pick<AuditRow, 'hosts'>): string[] {
  if (!r.hosts) return [];
  try {
    const v = JSON.parse(r.hosts) as unknown;
    if (Array.isArray(v)) return v.map(String);
  } catch {
    /* stored as plain text */
  }
  return r.hosts.split(/[,\s]+/).filter(Boolean);
}

const DECISION_STYLE = { deny: 'red', ask: 'yellow', warn: 'yellow', allow: 'dim' } as const;

const COLUMNS = ['ID', 'TIME', 'SESSION', 'EVENT', 'DECISION', 'RISK', 'TOOL', 'HOSTS', 'WHY'] as const;

/**
 * The table. Without --wide, the WHY column is the one-line summary, cut to fit the terminal (80 columns
 * when not a terminal) after the other columns; --wide prints the whole reason the agent was given. Ids, sessions, tools and hosts are never cut.
 */
export function formatRows(rows: Row[], opts: { wide?: boolean; header?: boolean; ui: Ui; columns?: number }): string {
  const cells = rows.map((r) => [
    String(r.id),
    fmtTime(r.ts),
    r.session_id,
    r.event,
    r.decision,
    r.risk,
    r.tool,
    hostsOf(r).join(',') || '-',
    ((opts.wide ? r.reason || r.summary : r.summary || r.reason) ?? '').replace(/\s+/g, ' ').trim(),
  ]);
  const widths = COLUMNS.map((h, i) => (i === COLUMNS.length - 1 ? 0 : Math.max(h.length, ...cells.map((c) => (c[i] as string).length))));
  const lead = widths.slice(0, -1).reduce((a, w) => a + w + 2, 0);
  const room = Math.max(20, (opts.columns ?? 80) - lead);
  const line = (c: string[], style?: (i: number, s: string) => string): string =>
    c
      .map((s, i) => {
        const last = i === c.length - 1;
        const text = last && !opts.wide && s.length > room ? `${s.slice(0, room - 1)}…` : s;
        const padded = last ? text : text.padEnd(widths[i] as number);
        return style ? style(i, padded) : padded;
      })
      .join('  ')
      .trimEnd();
  const out: string[] = [];
  if (opts.header !== false) out.push(opts.ui.paint('bold', line([...COLUMNS])));
  cells.forEach((c, n) => {
    const style = DECISION_STYLE[(rows[n] as Row).decision as keyof typeof DECISION_STYLE];
    out.push(line(c, (i, s) => (i === 4 && style ? opts.ui.paint(style, s) : s)));
  });
  return out.length ? out.join('\n') + '\n' : '';
}

/** One decision in full. */
export function formatRow(r: Row, ui: Ui): string {
  const field = (k: string, v: string | number | null | undefined): string => `${(k + ':').padEnd(16)}${v === null || v === undefined || v === '' ? '-' : v}`;
  const style = DECISION_STYLE[r.decision as keyof typeof DECISION_STYLE];
  return (
    [
      field('decision', `${r.id} ${style ? ui.paint(style, r.decision) : r.decision} (risk ${r.risk})`),
      field('time', `${fmtTime(r.ts)} (${new Date(r.ts).toISOString()})`),
      field('session', r.session_id),
      field('event', r.event),
      field('tool', r.tool),
      field('tool use id', r.tool_use_id),
      field('source', r.source),
      field('classification', r.classification),
      field('flow', r.flow_type),
      field('destination', hostsOf(r).join(', ')),
      field('data from', r.origin_tool),
      field('input hash', r.input_hash),
      field('decided in', `${(r.latency_us / 1000).toFixed(2)} ms`),
      field('summary', r.summary),
      field('reason', r.reason),
      ...(r.decision === 'deny' || r.decision === 'ask' ? [field('to allow it', `mcpproxy-hook allow ${r.id} --once | --session | --project | --always`)] : []),
    ].join('\n') + '\n'
  );
}
