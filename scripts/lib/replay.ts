/**
 * What the replay benchmarks share (bench:real, bench:detect, bench:replay): a sidecar with a fixed
 * fingerprint key, one event sent for a decision, a recorded Claude Code session replayed in order, where
 * ../shared is, and the markdown tables and counts of the reports.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { request } from '../../src/transport/client.ts';
import { freshHome, ROOT, startSidecar, type RunningSidecar } from '../../test/helpers/sidecar.ts';

export type Action = 'allow' | 'warn' | 'ask' | 'deny';
export const RANK: Record<Action, number> = { allow: 0, warn: 1, ask: 2, deny: 3 };

/** A hook event as the sidecar takes it. */
export type Ev = Record<string, unknown> & { hook_event_name: string };

/** The value after `name` on the command line. */
export function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** n of d as a percentage with one decimal ('–' when d is 0). */
export const rate = (n: number, d: number): string => (d === 0 ? '–' : `${((100 * n) / d).toFixed(1)}%`);

/** s on one line, cut to n characters. */
export const oneLine = (s: string, n = 220): string => {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > n ? t.slice(0, n - 1) + '…' : t;
};

/** The sidecar could not be started, stopped answering or rejected an event: the figures would mean nothing. */
export class SidecarFailure extends Error {}

/**
 * `../shared` from the project root (or from the checkout a worktree hangs off), or where --shared or
 * MCPPROXY_HOOK_SHARED points; the first candidate for which `has` holds.
 */
export function sharedDir(has: (dir: string) => boolean): string | undefined {
  const given = arg('--shared') ?? process.env.MCPPROXY_HOOK_SHARED;
  const cands = given ? [resolve(given)] : [resolve(ROOT, '..', 'shared'), resolve(ROOT, '..', '..', 'shared')];
  return cands.find(has);
}

const CAMEL: Record<string, string> = {
  sessionId: 'session_id',
  hookEventName: 'hook_event_name',
  transcriptPath: 'transcript_path',
  permissionMode: 'permission_mode',
  toolName: 'tool_name',
  toolInput: 'tool_input',
  toolResponse: 'tool_response',
  toolUseId: 'tool_use_id',
};

/** An event logged with camelCase keys (sessionId, hookEventName …) in the snake_case Claude Code sends. */
export function normalise(e: Record<string, unknown>): Ev {
  const out: Record<string, unknown> = { ...e };
  for (const [a, b] of Object.entries(CAMEL)) {
    if (a in out) {
      if (!(b in out)) out[b] = out[a];
      delete out[a];
    }
  }
  return out as Ev;
}

/** Key that pairs a PostToolUse with its PreToolUse (the tool_use_id, else the tool and its input). */
export const callKey = (e: Ev): string =>
  typeof e.tool_use_id === 'string' && e.tool_use_id
    ? `id:${e.tool_use_id}`
    : `in:${String(e.tool_name)}:${createHash('sha1')
        .update(JSON.stringify(e.tool_input ?? null))
        .digest('hex')}`;

/**
 * A sidecar in a fresh home whose fingerprint key is derived from `keyText`: which k-grams winnowing keeps
 * depends on the key, so with a fixed one the figures are the same run to run.
 */
export async function sidecarWithFixedKey(homePrefix: string, keyText: string): Promise<RunningSidecar> {
  const h = freshHome(homePrefix);
  mkdirSync(h.stateDir, { recursive: true, mode: 0o700 });
  writeFileSync(join(h.stateDir, 'key'), createHash('sha256').update(keyText).digest('hex') + '\n', { mode: 0o600 });
  return startSidecar({ home: h });
}

/** The decision of the sidecar's `evaluate` request, as bench reports read it. */
export interface PublicDecision {
  decision?: string;
  summary?: string;
  reason?: string;
  rule?: string | null;
  provenance?: string | null;
  live_facts?: string[];
  hosts?: string[];
}

/** The decision's action ('allow' when it names none). */
export const actionOf = (d: PublicDecision): Action => (d.decision && d.decision in RANK ? (d.decision as Action) : 'allow');

/** Ask the sidecar to decide `ev` (`where` names it in errors). Throws SidecarFailure when it does not answer or rejects it. */
export async function evaluate(sc: RunningSidecar, ev: Record<string, unknown>, where: string, timeoutMs: number): Promise<PublicDecision> {
  let reply: { decision?: PublicDecision; error?: string };
  try {
    reply = (await request(sc.socket, { t: 'evaluate', e: JSON.stringify(ev) }, timeoutMs)) as typeof reply;
  } catch (e) {
    throw new SidecarFailure(`the sidecar did not answer (${where}): ${(e as Error).message}`);
  }
  if (!reply || typeof reply !== 'object' || reply.error || !reply.decision) {
    throw new SidecarFailure(`the sidecar rejected ${where}: ${reply?.error ?? JSON.stringify(reply).slice(0, 200)}`);
  }
  return reply.decision;
}

/** A recorded session of ../shared/real-sessions/sessions (a .json.gz file). */
export function loadRecordedSession(file: string): { name: string; events: Array<Record<string, unknown>> } {
  return JSON.parse(gunzipSync(readFileSync(file)).toString('utf8'));
}

/**
 * Replay a recorded session's events in order under the session id `sid`. `send` passes one event on and
 * says whether the sidecar denied it; a denied call does not run, so its PostToolUse (or
 * PostToolUseFailure) is not sent.
 */
export async function replayRecorded(events: Array<Record<string, unknown>>, sid: string, send: (ev: Ev, index: number) => Promise<boolean>): Promise<void> {
  const denied = new Set<string>();
  for (const [i, raw] of events.entries()) {
    const ev = normalise(raw);
    ev.session_id = sid;
    const name = ev.hook_event_name;
    if ((name === 'PostToolUse' || name === 'PostToolUseFailure') && denied.delete(callKey(ev))) continue;
    const deny = await send(ev, i);
    if (deny && name === 'PreToolUse') denied.add(callKey(ev));
  }
}

/** A markdown table; the columns named in `rightAligned` are aligned right. */
export function table(head: string[], rows: string[][], rightAligned: ReadonlySet<string> = new Set()): string {
  const esc = (c: string): string => c.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map((h) => (rightAligned.has(h) ? '---:' : '---')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

/** A markdown table of `rows` and a blank line, or 'None.' when there are no rows. */
export const tableOrNone = (head: string[], rows: string[][], rightAligned?: ReadonlySet<string>): string =>
  rows.length ? table(head, rows, rightAligned) + '\n' : 'None.\n';

/** How many of `xs` fall under each key, most first (ties by key). */
export function count<T>(xs: T[], key: (x: T) => string): Array<[string, number]> {
  const m = new Map<string, number>();
  for (const x of xs) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
  return [...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** Write a report to .bench/<name> under the project root. */
export function writeReport(name: string, text: string): void {
  mkdirSync(join(ROOT, '.bench'), { recursive: true });
  writeFileSync(join(ROOT, '.bench', name), text);
}
