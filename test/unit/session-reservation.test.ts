/**
 * What the sidecar reserves per session (worstSessionBytes) covers a session filled to its
 * fingerprint cap, with its record cells and destinations: the sessions admitted fit the memory
 * budget whatever they read later.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowEngine } from '../../src/engine/engine.ts';
import { defaultConfig } from '../../src/config/index.ts';
import { worstSessionBytes } from '../../src/engine/flow-tracker.ts';

test('a session filled past its fingerprint cap stays within the memory reserved for it', () => {
  const cfg = defaultConfig();
  cfg.session.maxFingerprints = 5000;
  const e = new FlowEngine(cfg, { seed: 7, home: '/home/u' });
  let t = 1_800_000_000_000;
  let x = 0x9e3779b9;
  const word = (): string => {
    x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return x.toString(36);
  };
  for (let i = 0; i < 60; i++) {
    const prose = Array.from({ length: 1500 }, word).join(' ');
    const table = Array.from({ length: 40 }, (_, j) => `${1000 + j} | Person${word()} Name${word()} | ${word()}@mail.example | Town${word()} | ${j}.25`).join(
      '\n',
    );
    const hosts = Array.from({ length: 80 }, () => `https://${word()}.example.org/p`).join('\n');
    const input = { command: `cat notes-${i}.txt` };
    e.handle({ hook_event_name: 'PreToolUse', session_id: 's', tool_name: 'Bash', tool_input: input, cwd: '/home/u/p' }, (t += 10));
    e.handle(
      {
        hook_event_name: 'PostToolUse',
        session_id: 's',
        tool_name: 'Bash',
        tool_input: input,
        cwd: '/home/u/p',
        tool_response: {
          stdout: `${prose}\n id | name | email | city | value\n----+------+-------+------+------\n${table}\n${hosts}`,
          stderr: '',
          interrupted: false,
        },
      },
      (t += 10),
    );
  }
  const s = e.tracker.get('s');
  assert.ok(s);
  assert.ok(s.index.size >= cfg.session.maxFingerprints / 2, `filled: ${s.index.size}`); // the oldest origins go as the cap is reached
  assert.ok(s.approxBytes() < worstSessionBytes(cfg.session.maxFingerprints), `${s.approxBytes()} bytes held`);
});
