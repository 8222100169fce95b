/**
 * The detector's scan of a large tool output on a worker thread (node:worker_threads), started by
 * scan-thread.ts: it gets {id, texts} and answers {id, scans} with scanForMemo of each text, which the
 * sidecar's main thread then remembers (detector adoptScan) while it has prepared the output's
 * fingerprints meanwhile. The detector is pure (src/engine/), so the result is the one the main thread
 * would compute. Built as its own file (dist/scan-worker.js), never part of the hook bundle.
 */
import { parentPort } from 'node:worker_threads';
import { scanForMemo, type RememberedScan } from '../engine/detector.ts';

interface ScanRequest {
  id: number;
  texts: string[];
}

/**
 * A made-up output of the kinds tools return (code, config lines, JSON, long random-looking values),
 * one-byte and two-byte, scanned a few times before the worker says it is ready: the detector's code is then compiled for
 * speed before the first real output (the main thread's detector is warm from every event; this
 * one sees only the large outputs). Its findings are thrown away.
 */
function warmUp(): void {
  let seed = 7;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-';
  const word = (n: number): string => Array.from({ length: n }, () => chars[rnd(chars.length)]).join('');
  const lines: string[] = [];
  for (let i = 0; lines.length < 3000; i++) {
    lines.push(
      `  const value${i} = await fetchThing(options.path, { retries: ${i % 7}, label: 'item-${i}' });`,
      `service.${i}.endpoint = https://api.example.com/v${i % 3}/items?page=${i}`,
      `{"id": ${i}, "name": "entry ${i}", "hash": "${word(40)}", "tags": ["a", "b"]}`,
      `password_${i % 5} = "${word(24)}"  # token ${word(32)} secret_key: ${word(20)}`,
      `${word(64)}`,
    );
  }
  const text = lines.join('\n');
  for (let i = 0; i < 4; i++) scanForMemo(`${text}${' '.repeat(i)}`);
  // a text with one character past Latin-1 (a check mark, an arrow, an emoji: common in tool output)
  // is a two-byte string, for which V8 compiles every regular expression again on first use (a real
  // 700 KB output's first scan: ~25 ms without this, ~16 ms with it, on this machine's idle cores)
  for (let i = 0; i < 2; i++) scanForMemo(`${text}${' '.repeat(i)} \u2713`);
}

const port = parentPort;
if (port) {
  warmUp();
  port.on('message', (m: ScanRequest) => {
    try {
      const scans: RememberedScan[] = m.texts.map((t) => scanForMemo(t));
      port.postMessage({ id: m.id, scans });
    } catch (e) {
      port.postMessage({ id: m.id, error: (e as Error).message });
    }
  });
  port.postMessage({ ready: true });
}
