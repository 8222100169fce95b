/**
 * `npm run bench:redaction`: replays the real Claude Code sessions in ../shared/real-sessions (hook
 * payloads in order) with redaction.mode "secrets" and counts the tool calls whose placeholders would
 * have broken the work. A session's model saw placeholders where the detector found secrets; each
 * later call that used one of those values is replayed as that model would have written it (with the
 * placeholder), and judged:
 *  - restored: a Write / NotebookEdit / Edit new_string to the file the value came from; the PreToolUse
 *    answer puts the real value back, and the call runs as it did;
 *  - broken, Edit old_string: Claude Code compares an Edit's old_string with the file before any hook
 *    runs, so a placeholder there fails the Edit ("String to replace not found") whatever the hook does;
 *  - broken, other file: a file writer to another file (refused: the value is not put back there);
 *  - broken, needs the literal: Bash, WebFetch, MCP and other tools get the placeholder, not the value.
 * Measures; does not judge. Writes .bench/redaction.md. REAL_SESSIONS_DIR overrides where the sessions are.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { placeholdersFor, Redactor } from '../src/engine/redaction.ts';
import type { HookEvent } from '../src/types.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function sessionsDir(): string | null {
  if (process.env.REAL_SESSIONS_DIR) return process.env.REAL_SESSIONS_DIR;
  // shared/ sits beside the project (../shared); a git worktree may sit one level deeper
  for (let d = dirname(ROOT); ; d = dirname(d)) {
    const p = join(d, 'shared', 'real-sessions', 'sessions');
    if (existsSync(p)) return p;
    if (dirname(d) === d) return null;
  }
}

type Verdict = 'restored' | 'broken: Edit old_string' | 'broken: other file' | 'broken: needs the literal';

interface Broken {
  session: string;
  tool: string;
  verdict: Verdict;
  /** placeholder labels (never values) */
  what: string[];
}

const FILE_WRITERS = new Set(['Edit', 'MultiEdit', 'Write', 'NotebookEdit']);
const PH = /«secret: ([^«»\n]+?) #\d+(?: \(\d+ lines\))?, held back by mcpproxy-hook»/g;

function labels(v: unknown): string[] {
  const out = new Set<string>();
  for (const m of JSON.stringify(v).matchAll(PH)) out.add(m[1] as string);
  return [...out];
}

function oldStrings(tool: string, input: Record<string, unknown>): string[] {
  if (tool === 'Edit' && typeof input.old_string === 'string') return [input.old_string];
  if (tool === 'MultiEdit' && Array.isArray(input.edits))
    return input.edits.map((e) => (e as { old_string?: unknown }).old_string).filter((s): s is string => typeof s === 'string');
  return [];
}

function main(): void {
  const dir = sessionsDir();
  if (!dir) {
    process.stderr.write('bench:redaction: no shared/real-sessions/sessions beside the project; set REAL_SESSIONS_DIR to the folder of *.json.gz sessions\n');
    process.exitCode = 1;
    return;
  }
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json.gz'))
    .sort();
  let calls = 0;
  let outputs = 0;
  let rewritten = 0;
  let values = 0;
  const sessionsWithSecrets = new Set<string>();
  const results: Broken[] = [];
  const byLabel = new Map<string, number>();
  let t = 0;
  const t0 = process.hrtime.bigint();
  for (const f of files) {
    const s = JSON.parse(gunzipSync(readFileSync(join(dir, f))).toString('utf8')) as { name: string; events: HookEvent[] };
    const r = new Redactor({ mode: () => 'secrets', now: () => ++t, idleMs: () => Number.MAX_SAFE_INTEGER });
    for (const ev of s.events) {
      if (ev.hook_event_name === 'PreToolUse') {
        calls++;
        const held = r.held(ev.session_id);
        const tool = String(ev.tool_name);
        const input = (ev.tool_input ?? {}) as Record<string, unknown>;
        // what this model would have written: the placeholders it was shown instead of the values
        const asWritten = held ? (placeholdersFor(input, held) as Record<string, unknown>) : input;
        const res = r.pre({ ...ev, tool_input: asWritten });
        if (JSON.stringify(asWritten) === JSON.stringify(input)) continue;
        let verdict: Verdict;
        if (!FILE_WRITERS.has(tool)) verdict = 'broken: needs the literal';
        else if (oldStrings(tool, asWritten).some((o) => o.includes('«secret: '))) verdict = 'broken: Edit old_string';
        else verdict = res && 'updatedInput' in res && JSON.stringify(res.updatedInput) === JSON.stringify(input) ? 'restored' : 'broken: other file';
        results.push({ session: s.name, tool, verdict, what: labels(asWritten) });
      } else if (ev.hook_event_name === 'PostToolUse') {
        outputs++;
        const before = r.held(ev.session_id)?.size ?? 0;
        const rw = r.post(ev);
        if (rw) {
          rewritten++;
          sessionsWithSecrets.add(s.name);
          for (const l of labels(rw.updatedToolOutput ?? rw.updatedMCPToolOutput)) byLabel.set(l, (byLabel.get(l) ?? 0) + 1);
        }
        values += (r.held(ev.session_id)?.size ?? 0) - before;
      }
    }
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const broken = results.filter((x) => x.verdict !== 'restored');
  const count = (v: Verdict): number => results.filter((x) => x.verdict === v).length;
  const md: string[] = [
    '# Redaction replay over real sessions (redaction.mode "secrets")',
    '',
    `${files.length} sessions, ${calls} tool calls, ${outputs} tool outputs, replayed in ${ms.toFixed(0)} ms.`,
    '',
    '| what | count |',
    '|---|---|',
    `| outputs rewritten (a secret held back) | ${rewritten} (in ${sessionsWithSecrets.size} sessions) |`,
    `| distinct values held back | ${values} |`,
    `| later calls that used a held-back value | ${results.length} |`,
    `| - restored (Write / Edit new_string to the value's own file) | ${count('restored')} |`,
    `| - **broken**: Edit old_string holds a placeholder | ${count('broken: Edit old_string')} |`,
    `| - **broken**: file writer to another file | ${count('broken: other file')} |`,
    `| - **broken**: command or other tool needs the literal | ${count('broken: needs the literal')} |`,
    `| **broken calls in all** | **${broken.length} of ${calls} (${((100 * broken.length) / Math.max(1, calls)).toFixed(2)}%)** |`,
    '',
    'Held back, by kind (outputs that showed one):',
    '',
    ...[...byLabel.entries()].sort((a, b) => b[1] - a[1]).map(([l, n]) => `- ${l}: ${n}`),
    '',
  ];
  if (results.length) {
    md.push('Calls that used a held-back value (session, tool, verdict, kinds of value):', '');
    for (const b of results) md.push(`- ${b.session}: ${b.tool}: ${b.verdict} (${b.what.join(', ')})`);
    md.push('');
  }
  const text = md.join('\n');
  process.stdout.write(text + '\n');
  mkdirSync(join(ROOT, '.bench'), { recursive: true });
  writeFileSync(join(ROOT, '.bench', 'redaction.md'), text + '\n');
}

main();
