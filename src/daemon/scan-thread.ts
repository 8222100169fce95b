/**
 * The detector's scan of a large tool output on a worker thread (scan-worker.ts), so that the
 * sidecar's main thread prepares the output's fingerprints meanwhile: on two cores an output with a
 * secret held back (recorded before its answer) waits about the longer of the two, not their sum.
 *
 * The worker scans one part of the detector's rules (WORKER_PART: those over token runs) while the main
 * thread scans the other part of the same texts; adopt() puts the two together (detector
 * adoptScanParts: checked against the text) into what one scan finds, which the detector remembers, so
 * the redaction before the answer and the recording find it as if the main thread had scanned it all.
 *
 * The daemon starts the worker 1 s after the sidecar when redaction is on (it warms up then); else
 * (in-process sidecars of tests) the first large output that needs a scan before its answer starts it
 * and is scanned on the main thread. Whenever the worker cannot answer (its file is not there, it is
 * starting, busy with another output, failed, crashed, answered what does not fit, or takes longer than
 * SCAN_TIMEOUT_MS), scan() or adopt() says so (null or false) and the caller scans on the main thread
 * as before: the same findings, only later. A crashed worker is started again on a later output, up to
 * MAX_FAILURES times in a row; it never takes the sidecar down with it.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { adoptScanParts, scanCandidates, type ScanCandidates, type ScanPart } from '../engine/detector.ts';
import { WORKER_PART } from './scan-warmup.ts';
import type { Logger } from './logger.ts';

/** A worker that has not answered in this long is stopped and the output scanned on the main thread. */
export const SCAN_TIMEOUT_MS = 5_000;
/** After this many failures in a row the worker is not started again (the main thread scans). */
export const MAX_FAILURES = 3;
/**
 * The worker's heap bounds: past them the worker dies (ERR_WORKER_OUT_OF_MEMORY), not the sidecar, and the
 * main thread scans. A scan of a 2 MB text with thousands of findings fits in them.
 */
const WORKER_OLD_MB = 24;
const WORKER_YOUNG_MB = 4;
/** What the worker may hold at most: its isolate (~10 MiB measured) and its heap bounds; part of the process's own memory (recorder.ts PROCESS_BASE_BYTES). */
export const SCAN_WORKER_BYTES = (12 + WORKER_OLD_MB + WORKER_YOUNG_MB) * 1024 * 1024;

/** Where the worker's code is: dist/scan-worker.js next to the bundle (or one level up from its chunks), or the source under tsx. */
export function scanWorkerEntry(): URL | null {
  for (const rel of ['./scan-worker.js', '../scan-worker.js', './scan-worker.ts']) {
    const u = new URL(rel, import.meta.url);
    if (u.protocol === 'file:' && existsSync(fileURLToPath(u))) return u;
  }
  return null;
}

/** The part of the rules the main thread scans while the worker scans WORKER_PART. */
export const MAIN_PART: ScanPart = WORKER_PART === 'token' ? 'text' : 'token';

/** The main thread's part of each text's scan (MAIN_PART), one text a step, into `out` (for ScanThread.adopt). */
export function* mainPartSteps(texts: readonly string[], out: ScanCandidates[]): Generator<void, void, void> {
  for (const t of texts) {
    out.push(scanCandidates(t, MAIN_PART));
    yield;
  }
}

interface Pending {
  id: number;
  texts: string[];
  resolve: (parts: ScanCandidates[] | null) => void;
  timer: NodeJS.Timeout;
}

export class ScanThread {
  private worker: Worker | null = null;
  private ready = false;
  private pending: Pending | null = null;
  private nextId = 1;
  private failures = 0;
  private stopped = false;
  /** outputs scanned on the worker, and those the main thread scanned because it could not (status, benchmarks) */
  readonly counts = { worker: 0, fallback: 0, failures: 0 };

  constructor(
    private readonly log: Logger,
    private readonly entry: URL | null = scanWorkerEntry(),
  ) {}

  private readyWaiters: Array<(ok: boolean) => void> = [];

  /** Resolves true once the worker takes outputs, false if it cannot start (tests, benchmarks; nothing in the event path waits for it). */
  whenReady(): Promise<boolean> {
    if (!this.worker) this.start();
    if (!this.worker) return Promise.resolve(false);
    if (this.ready) return Promise.resolve(true);
    return new Promise<boolean>((r) => this.readyWaiters.push(r));
  }

  private settleReady(ok: boolean): void {
    const w = this.readyWaiters;
    this.readyWaiters = [];
    for (const r of w) r(ok);
  }

  /** Start the worker (it loads the detector while nothing waits for it). */
  start(): void {
    if (this.worker || this.stopped || !this.entry || this.failures >= MAX_FAILURES) return;
    let w: Worker;
    try {
      const resourceLimits = { maxOldGenerationSizeMb: WORKER_OLD_MB, maxYoungGenerationSizeMb: WORKER_YOUNG_MB };
      // the source itself (tests, scripts under tsx): a worker does not inherit tsx's loader, it registers it first
      w = this.entry.pathname.endsWith('.ts')
        ? new Worker(`import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(this.entry.href)}); })`, { eval: true, resourceLimits })
        : new Worker(this.entry, { resourceLimits });
    } catch (e) {
      this.failed(`cannot start it: ${(e as Error).message}`);
      return;
    }
    this.worker = w;
    this.ready = false;
    w.unref();
    w.on('message', (m: { ready?: boolean; id?: number; parts?: ScanCandidates[]; error?: string }) => {
      if (w !== this.worker) return;
      if (m.ready) {
        this.ready = true;
        this.settleReady(true);
        return;
      }
      const p = this.pending;
      if (!p || m.id !== p.id) return;
      this.pending = null;
      clearTimeout(p.timer);
      if (m.error !== undefined || !Array.isArray(m.parts) || m.parts.length !== p.texts.length) {
        this.counts.fallback++;
        this.log.warn(`the detector's worker thread could not scan an output (${m.error ?? 'a malformed answer'}); the sidecar scanned it itself`);
        p.resolve(null);
        return;
      }
      p.resolve(m.parts);
    });
    w.on('error', (e) => this.lost(w, `it failed: ${e.message}`));
    w.on('exit', (code) => this.lost(w, `it exited (code ${code})`));
  }

  /**
   * Scan the worker's part of the rules (WORKER_PART) over `texts` (those the detector remembers,
   * engine.scannedTexts). Null when it cannot take them now (the caller scans on the main thread); else
   * resolves with each text's part, or null when the worker failed meanwhile (then the caller scans
   * them itself). The caller scans the other part meanwhile and puts them together with adopt().
   */
  scan(texts: string[]): Promise<ScanCandidates[] | null> | null {
    if (this.stopped || texts.length === 0) return null;
    if (!this.worker) this.start();
    const w = this.worker;
    if (!w || !this.ready || this.pending) {
      this.counts.fallback++;
      return null;
    }
    const id = this.nextId++;
    return new Promise<ScanCandidates[] | null>((resolve) => {
      const timer = setTimeout(() => {
        if (this.pending?.id !== id) return;
        this.lost(w, `it did not answer within ${SCAN_TIMEOUT_MS} ms`);
        void w.terminate();
      }, SCAN_TIMEOUT_MS);
      timer.unref();
      this.pending = { id, texts, resolve, timer };
      try {
        w.postMessage({ id, texts, part: WORKER_PART });
      } catch (e) {
        this.lost(w, `cannot send it an output: ${(e as Error).message}`);
      }
    });
  }

  /**
   * Each text's scan, put together from the worker's part (`theirs`, what scan() resolved with) and the
   * other part scanned on this thread (`mine`), remembered by the detector: true when every one fits
   * its text (adoptScanParts); false (logged) when one does not, and the caller scans them itself.
   */
  adopt(texts: string[], mine: ScanCandidates[], theirs: ScanCandidates[]): boolean {
    let ok = mine.length === texts.length && theirs.length === texts.length;
    for (let i = 0; ok && i < texts.length; i++) ok = adoptScanParts(texts[i] as string, mine[i] as ScanCandidates, theirs[i] as ScanCandidates);
    if (ok) {
      this.failures = 0;
      this.counts.worker++;
    } else {
      this.counts.fallback++;
      this.log.warn("the detector's worker thread answered a scan that does not fit the output (a finding not in its text); the sidecar scanned it itself");
    }
    return ok;
  }

  /** The worker is gone (or given up on): what it was scanning is scanned on the main thread (null). */
  private lost(w: Worker, why: string): void {
    if (w !== this.worker) return;
    this.worker = null;
    this.ready = false;
    this.settleReady(false);
    const p = this.pending;
    this.pending = null;
    if (p) {
      clearTimeout(p.timer);
      this.counts.fallback++;
      p.resolve(null);
    }
    if (!this.stopped) this.failed(why);
  }

  private failed(why: string): void {
    this.failures++;
    this.counts.failures++;
    const more =
      this.failures >= MAX_FAILURES
        ? `; after ${MAX_FAILURES} failures in a row it is not started again, the sidecar scans large outputs itself (the same findings, a slower answer)`
        : '; it is started again for a later output, and the sidecar scans this one itself';
    this.log.warn(`the detector's worker thread: ${why}${more}`);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const w = this.worker;
    this.lost(w as Worker, 'stopped');
    if (w) await w.terminate();
  }
}
