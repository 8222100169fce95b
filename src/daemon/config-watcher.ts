/**
 * Reload the config when its file changes. The directory is watched, not the file: editors and
 * atomic writers replace the file, and a watch on the old inode would go quiet. Changes are
 * debounced (an editor writes a file in several steps). SIGHUP reloads too (see run.ts).
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

/** Quiet time after the last change before reloading. */
const DEBOUNCE_MS = 200;

export class ConfigWatcher {
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly file: string,
    private readonly reload: () => void,
  ) {}

  /** False when the directory does not exist yet (SIGHUP still reloads). */
  start(): boolean {
    const name = basename(this.file);
    try {
      this.watcher = watch(dirname(this.file), { persistent: false }, (_ev, file) => {
        if (file !== null && file !== name) return;
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.reload(), DEBOUNCE_MS);
        this.timer.unref();
      });
      // a watch that breaks (directory removed) leaves SIGHUP and the next start to reload
      this.watcher.on('error', () => undefined);
      return true;
    } catch {
      return false;
    }
  }

  close(): void {
    clearTimeout(this.timer);
    this.watcher?.close();
  }
}
