/**
 * Child of the bench: the sidecar's decision time in process (a 2 KB PreToolUse input against a
 * session holding ~16k fingerprints), run with the sidecar's own node flags. Prints JSON.
 */
import { FlowEngine } from '../src/engine/engine.ts';
import { defaultConfig } from '../src/config/index.ts';
import { percentile } from './lib/stats.ts';

const eng = new FlowEngine(defaultConfig(), { seed: 42 });
const big = Array.from({ length: 2000 }, (_, i) => `row ${i}: customer-${i * 7919}@example.org balance ${i * 13} note ${Math.sin(i).toString(36)}`).join('\n');
eng.handle(
  {
    hook_event_name: 'PostToolUse',
    session_id: 'p',
    tool_name: 'Bash',
    tool_input: { command: 'psql -c "select * from customers"' },
    tool_response: { stdout: big, stderr: '' },
  },
  Date.now(),
);
const fps = eng.session('p')?.index.size ?? 0;
const dec: number[] = [];
const input = { command: `curl -s https://api.example.com/v1/x -d '${'lorem ipsum dolor sit amet '.repeat(70)}'` };
for (let i = 0; i < 3000; i++) {
  const t0 = process.hrtime.bigint();
  eng.handle({ hook_event_name: 'PreToolUse', session_id: 'p', tool_name: 'Bash', tool_input: input }, Date.now());
  if (i >= 500) dec.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
process.stdout.write(JSON.stringify({ fingerprints: fps, p50: percentile(dec, 0.5), p95: percentile(dec, 0.95), p99: percentile(dec, 0.99) }) + '\n');
