/** `mcpproxy-hook daemon`: the sidecar in the foreground, with signal handling. */
import { ConfigError } from '../config/index.ts';
import { Sidecar } from './sidecar.ts';
import type { Paths } from '../paths.ts';

/** Exit status for a config error (EX_CONFIG): the service unit does not restart on it. */
export const EXIT_CONFIG = 78;

/** Run until SIGTERM/SIGINT; SIGHUP reloads the config. Resolves when stopped. */
export async function runDaemon(paths: Paths): Promise<void> {
  let sc: Sidecar;
  try {
    const loop = Number(process.env.MCPPROXY_HOOK_LOOP_MONITOR_MS ?? '');
    sc = await Sidecar.start({ paths, startScanWorker: true, ...(loop > 0 ? { loopMonitorMs: loop } : {}) });
  } catch (e) {
    const msg =
      e instanceof ConfigError ? e.message + `\nFix the file and start again (defaults and docs: mcpproxy-hook config --docs).` : (e as Error).message;
    process.stderr.write(`mcpproxy-hook daemon: cannot start: ${msg}\n`);
    process.exitCode = e instanceof ConfigError ? EXIT_CONFIG : 1;
    return;
  }
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (sig: string): void => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`${new Date().toISOString()} ${sig}: stopping\n`);
      sc.stop().then(resolve, resolve);
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => sc.reload());
  });
}
