/**
 * An output longer than session.maxResponseBytes is fingerprinted up to that bound; its rest is not
 * known, so a text going out that matched nothing kept, and could come from that rest, is asked about
 * (response_limit, naming the output and the bound), not allowed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowEngine, type Decision } from '../../src/engine/engine.ts';
import { defaultConfig } from '../../src/config/index.ts';
import { Session } from '../../src/engine/flow-tracker.ts';

const CWD = '/home/u/proj';
const MEMO =
  'Board memo, confidential. The acquisition of Halvorsen Freight closes on March 14; the offer stands at 41 per share, ' +
  'the board votes on the 9th and nobody outside the deal team may know before the announcement.';
let x = 7;
const word = (): string => {
  x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
  return x.toString(36).slice(0, 5);
};
const filler = (chars: number): string => {
  const out: string[] = [];
  let n = 0;
  while (n < chars) {
    const l = Array.from({ length: 12 }, word).join(' ') + '\n';
    out.push(l);
    n += l.length;
  }
  return out.join('');
};

class Run {
  readonly e = new FlowEngine(defaultConfig(), { seed: 1, home: '/home/u', timeOfDay: () => '10:00:00' });
  t = 1_800_000_000_000;
  n = 0;
  ev(name: string, tool: string, input: Record<string, unknown>, extra: Record<string, unknown> = {}): Decision {
    return this.e.handle(
      { hook_event_name: name, session_id: 's1', tool_name: tool, tool_input: input, tool_use_id: `t${++this.n}`, cwd: CWD, ...extra },
      (this.t += 1000),
    );
  }
  read(path: string, content: string): void {
    const input = { file_path: path };
    this.ev('PreToolUse', 'Read', input);
    this.ev('PostToolUse', 'Read', input, { tool_response: { type: 'text', file: { filePath: path, content, numLines: 1, startLine: 1, totalLines: 1 } } });
  }
  post(text: string): Decision {
    return this.ev('PreToolUse', 'mcp__slack__post_message', { channel: '#general', text });
  }
}

test('a 1.2 MB Read whose private part is past the 1 MB fingerprinted: sending that part is asked about, naming the bound', () => {
  const r = new Run();
  r.read(`${CWD}/notes/all.txt`, filler(1.2 * 1024 * 1024) + MEMO + '\n');
  const d = r.post(MEMO);
  assert.equal(d.action, 'ask', d.summary);
  assert.equal(d.findings[0]?.rule, 'response_limit');
  assert.match(d.reason, /Read\(\/home\/u\/proj\/notes\/all\.txt\) at 10:00:00 was longer than the 1,024 KB of an output fingerprinted/);
  assert.match(d.reason, /session\.maxResponseBytes/);
  // a word or two is nothing an output's rest could be told by
  assert.equal(r.post('thanks!').action, 'allow');
  // saved with the session
  const s = r.e.tracker.get('s1');
  assert.ok(s);
  const back = Session.fromState(JSON.parse(JSON.stringify(s.toState())), r.e.tracker.hasher, 2000);
  assert.equal(back.responseCut?.label, 'Read(/home/u/proj/notes/all.txt)');
});

test('an output within the bound leaves nothing unknown: other text goes out as before', () => {
  const r = new Run();
  r.read(`${CWD}/notes/some.txt`, filler(200 * 1024) + MEMO + '\n');
  assert.equal(r.post(MEMO).findings[0]?.rule, 'internal_to_external');
  const other = r.post('The build is green again, I will merge the dependency bump after lunch.');
  assert.equal(other.action, 'allow', other.summary);
});
