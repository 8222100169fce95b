/**
 * Fingerprints let go for the session's bound (maxFingerprints) are not forgotten: a bounded summary
 * of what was let go is kept, a copy of it going out is asked about, and past the summary's own bound
 * every text going out is.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowEngine } from '../../src/engine/engine.ts';
import { defaultConfig } from '../../src/config/index.ts';
import Database from 'better-sqlite3';
import { SessionStore } from '../../src/store/session-store.ts';
import { LET_GO_LAST_LEVEL, LET_GO_MAX, LetGoSummary } from '../../src/engine/fingerprint/let-go.ts';

const CWD = '/home/u/proj';
let n = 0;
let t = 1_800_000_000_000;

function engine(maxFingerprints = 2000): FlowEngine {
  const cfg = defaultConfig();
  cfg.session.maxFingerprints = maxFingerprints;
  return new FlowEngine(cfg, { seed: 1, home: '/home/u' });
}

function read(e: FlowEngine, path: string, content: string): void {
  const id = `t${++n}`;
  const input = { file_path: path };
  e.handle({ hook_event_name: 'PreToolUse', session_id: 's', tool_name: 'Read', tool_input: input, cwd: CWD, tool_use_id: id }, (t += 10));
  const lines = content.split('\n').length;
  e.handle(
    {
      hook_event_name: 'PostToolUse',
      session_id: 's',
      tool_name: 'Read',
      tool_input: input,
      tool_response: { type: 'text', file: { filePath: path, content, numLines: lines, startLine: 1, totalLines: lines } },
      cwd: CWD,
      tool_use_id: id,
    },
    (t += 10),
  );
}

function send(e: FlowEngine, text: string) {
  return e.handle(
    {
      hook_event_name: 'PreToolUse',
      session_id: 's',
      tool_name: 'mcp__slack__post_message',
      tool_input: { channel: '#general', text },
      cwd: CWD,
      tool_use_id: `t${++n}`,
    },
    (t += 10),
  );
}

let x = 0x9e3779b9;
const word = (): string => {
  x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
  return x.toString(36);
};
const prose = (words: number): string => Array.from({ length: words }, word).join(' ');

const MEMO =
  'Board memo, confidential. The acquisition of Halvorsen Freight closes on March 14; the offer stands at 41 per share, ' +
  'the board votes on the 9th and nobody outside the deal team may know before the announcement. Retention bonuses for ' +
  'the logistics leads are approved at two months of salary, paid in June, and the Rotterdam depot will be sold.';

test('a memo read, then pushed out of the index by other reads, is still asked about when sent out whole', () => {
  const e = engine();
  read(e, `${CWD}/docs/board-memo.txt`, MEMO);
  // sent before anything was let go: asked about as internal data
  assert.equal(send(e, MEMO).action, 'ask');
  let lastNote = '';
  for (let i = 0; i < 40; i++) read(e, `${CWD}/notes/n${i}.txt`, (lastNote = prose(300)));
  const s = e.tracker.get('s');
  assert.ok(s);
  assert.ok(![...s.origins.values()].some((o) => o.label.includes('board-memo')), 'the memo itself was let go');
  const d = send(e, MEMO);
  assert.equal(d.action, 'ask', d.summary);
  assert.ok(s.index.letGo.origins > 0, 'origins were let go');
  assert.equal(d.findings[0]?.rule, 'fingerprint_limit');
  assert.match(d.reason, /matching data this session read and let go: it read more than the 2,000 fingerprints a session keeps/);
  assert.match(d.reason, /session\.maxFingerprints/);
  // a part of it, a few lines, too
  assert.equal(send(e, MEMO.slice(100, 300)).action, 'ask');
  // text that is none of it goes out as before
  assert.equal(send(e, 'The build is green again, I will merge the dependency bump after lunch.').action, 'allow');
  // a note still held is asked about as before (not by the summary)
  const last = send(e, lastNote);
  assert.equal(last.action, 'ask', last.summary);
  assert.notEqual(last.findings[0]?.rule, 'fingerprint_limit');
});

test('what came from outside is let go without a summary: sending it back out is not asked about', () => {
  const e = engine();
  const page = prose(120);
  const id = `t${++n}`;
  const input = { url: 'https://docs.example.org/guide', prompt: 'summarise' };
  e.handle({ hook_event_name: 'PreToolUse', session_id: 's', tool_name: 'WebFetch', tool_input: input, cwd: CWD, tool_use_id: id }, (t += 10));
  e.handle(
    {
      hook_event_name: 'PostToolUse',
      session_id: 's',
      tool_name: 'WebFetch',
      tool_input: input,
      tool_response: { result: page, code: 200 },
      cwd: CWD,
      tool_use_id: id,
    },
    (t += 10),
  );
  for (let i = 0; i < 40; i++) read(e, `${CWD}/notes/n${i}.txt`, prose(300));
  const d = send(e, page);
  assert.ok(!d.findings.some((f) => f.rule === 'fingerprint_limit'), d.summary);
});

test('past its own bound the summary samples more sparsely, then asks about every text going out', () => {
  const lg = new LetGoSummary();
  let k = 1;
  while (lg.level === 0) lg.add((k = (k * 48271) % 0x7fffffff));
  assert.ok(lg.size <= LET_GO_MAX && lg.level === 1);
  for (let i = 0; i < LET_GO_MAX * 2 ** (LET_GO_LAST_LEVEL + 2) && !lg.all; i++) lg.add(i * 7919 * 2 ** 12 + i);
  assert.ok(lg.all, 'let go beyond what is remembered');
  assert.equal(lg.size, 0);
  // a saved summary comes back as it was; a damaged one as "beyond what is remembered"
  const back = new LetGoSummary();
  back.restore({ level: 3, origins: 2, hashes: [8, 16, 24] });
  assert.ok(back.has(16) && !back.all && back.level === 3);
  const bad = new LetGoSummary();
  bad.restore({ level: 'x' });
  assert.ok(bad.all);
});

test('a session past the summary bound asks about any text of a few words sent out, and its state keeps the summary', () => {
  const e = engine();
  read(e, `${CWD}/docs/board-memo.txt`, MEMO);
  for (let i = 0; i < 40; i++) read(e, `${CWD}/notes/n${i}.txt`, prose(300));
  const s = e.tracker.get('s');
  assert.ok(s);
  const st = s.toState();
  assert.ok(st.fpLetGo, 'the summary is saved with the session');
  s.index.letGo.restore({ level: 0, all: true, origins: 5, hashes: [] });
  const d = send(e, 'status report for the week');
  assert.equal(d.action, 'ask', d.summary);
  assert.equal(d.findings[0]?.rule, 'fingerprint_limit');
  assert.match(d.reason, /let go more than it can remember/);
});

test('the summary of what was let go is saved with the session: after a restart the memo is still asked about', () => {
  const db = new Database(':memory:');
  const mk = (): FlowEngine => {
    const cfg = defaultConfig();
    cfg.session.maxFingerprints = 2000;
    return new FlowEngine(cfg, { seed: 1, home: '/home/u', persist: true });
  };
  const before = mk();
  read(before, `${CWD}/docs/board-memo.txt`, MEMO);
  for (let i = 0; i < 40; i++) read(before, `${CWD}/notes/n${i}.txt`, prose(300));
  const store = new SessionStore(db, before.tracker);
  db.transaction(() => store.write())();
  // only keyed hashes are saved
  const blobs = (db.prepare('SELECT state FROM flow_sessions').all() as Array<{ state: Buffer }>).map((r) => r.state);
  assert.ok(!Buffer.concat(blobs).toString('latin1').includes('Halvorsen'));
  const after = mk();
  new SessionStore(db, after.tracker).restore(after.tracker.hasher, 2000, (l) => assert.fail(l));
  assert.ok(![...(after.tracker.get('s')?.origins.values() ?? [])].some((o) => o.label.includes('board-memo')));
  const d = send(after, MEMO);
  assert.equal(d.action, 'ask', d.summary);
  assert.equal(d.findings[0]?.rule, 'fingerprint_limit');
});
