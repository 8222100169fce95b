/**
 * The detector's scan of a large tool output on a worker thread (node:worker_threads), started by
 * scan-thread.ts: it gets {id, texts} and answers {id, scans} with scanForMemo of each text, which the
 * sidecar's main thread then remembers (detector adoptScan) while it has prepared the output's
 * fingerprints meanwhile. The detector is pure (src/engine/), so the result is the one the main thread
 * would compute. Built as its own file (dist/scan-worker.js), never part of the hook bundle.
 */
import { parentPort } from 'node:worker_threads';
import { scanForMemo, type RememberedScan } from '../engine/detector.ts';
import { warmUpText } from './scan-warmup.ts';

interface ScanRequest {
  id: number;
  texts: string[];
}

/**
 * Scans of made-up outputs (scan-warmup.ts) before the worker says it is ready: the detector's code and
 * patterns are then compiled for speed before the first real output (the main thread's detector is warm
 * from every event; this one sees only the large outputs). A text with one character past Latin-1 (a
 * check mark, an arrow, an emoji: common in tool output) is a two-byte string, for which V8 compiles
 * every regular expression again: both forms are scanned. Their findings are thrown away.
 */
function warmUp(): void {
  const text = warmUpText(WARM_UP_CHARS);
  for (let i = 0; i < WARM_UP_SCANS; i++) scanForMemo(`${text}${' '.repeat(i >> 1)}${i % 2 === 1 ? ' \u2713' : ''}`);
}

/** The made-up output's size, and how many times it is scanned (half of them as a two-byte string). */
const WARM_UP_CHARS = 240_000;
const WARM_UP_SCANS = 12;

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
