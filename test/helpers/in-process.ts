import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Sidecar } from '../../src/daemon/sidecar.ts';
import type { Paths } from '../../src/paths.ts';
import { freePort } from './net.ts';

/**
 * A sidecar in this process (its methods can be wrapped to hold a decision or a commit) on `paths`, with
 * its HTTP hook endpoint on a free loopback port: the sidecar, the port and the endpoint's bearer token.
 */
export async function inProcessHttpSidecar(paths: Paths): Promise<{ sc: Sidecar; port: number; token: string }> {
  mkdirSync(paths.stateDir, { recursive: true, mode: 0o700 });
  const port = await freePort();
  writeFileSync(paths.configFile, JSON.stringify({ hook: { httpPort: port } }));
  const sc = await Sidecar.start({ paths, log: () => {} });
  try {
    return { sc, port, token: readFileSync(paths.tokenFile, 'utf8').trim() };
  } catch (e) {
    await sc.stop();
    throw e;
  }
}
