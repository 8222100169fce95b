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

const port = parentPort;
if (port) {
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
