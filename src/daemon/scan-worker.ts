/**
 * The detector's scan of a large tool output on a worker thread (node:worker_threads), started by
 * scan-thread.ts: it gets {id, texts, part} and answers {id, parts} with scanCandidates of each text
 * for that part of the rules (the token rules); the sidecar's main thread scans the other part
 * meanwhile, then puts the two together (detector adoptScanParts) into what one scan finds. The
 * detector is pure (src/engine/), so the result is the one the main thread would compute. Built as
 * its own file (dist/scan-worker.js), never part of the hook bundle.
 */
import { parentPort } from 'node:worker_threads';
import { scanCandidates, type ScanCandidates, type ScanPart } from '../engine/detector.ts';
import { WORKER_PART, warmUpText } from './scan-warmup.ts';

interface ScanRequest {
  id: number;
  texts: string[];
  part: ScanPart;
}

/**
 * Scans of made-up outputs (scan-warmup.ts) before the worker says it is ready: the detector's code and
 * patterns are then compiled for speed before the first real output (the main thread's detector is warm
 * from every event; this one sees only the large outputs). A text with one character past Latin-1 (a
 * check mark, an arrow, an emoji: common in tool output) is a two-byte string, for which V8 compiles
 * every regular expression again: both forms are scanned, as the flat strings a message from the main
 * thread arrives as (structuredClone: code optimised for a concatenated string is thrown away on the
 * first real one). Their findings are thrown away.
 */
function warmUp(): void {
  const text = warmUpText(WARM_UP_CHARS);
  for (let i = 0; i < WARM_UP_SCANS; i++) scanCandidates(structuredClone(`${text}${' '.repeat(i >> 1)}${i % 2 === 1 ? ' \u2713' : ''}`), WORKER_PART);
}

/** The made-up output's size, and how many times it is scanned (half of them as a two-byte string). */
const WARM_UP_CHARS = 240_000;
const WARM_UP_SCANS = 12;

const port = parentPort;
if (port) {
  warmUp();
  port.on('message', (m: ScanRequest) => {
    try {
      const parts: ScanCandidates[] = m.texts.map((t) => scanCandidates(t, m.part));
      port.postMessage({ id: m.id, parts });
    } catch (e) {
      port.postMessage({ id: m.id, error: (e as Error).message });
    }
  });
  port.postMessage({ ready: true });
}
