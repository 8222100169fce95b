/** Where state lives. MCPPROXY_HOOK_HOME relocates all of it; otherwise XDG conventions. */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface Paths {
  /** directory holding everything but the config file (0700) */
  stateDir: string;
  configFile: string;
  socket: string;
  db: string;
  keyFile: string;
  pidFile: string;
  tokenFile: string;
  logFile: string;
  /** the pid of a Claude Code whose starter hook found the sidecar running (a search hint, see HookCallers) */
  starterHint: string;
  /** the port the HTTP hook endpoint listens on, while it does (the starter hook's check that the sidecar answers HTTP hooks) */
  httpListening: string;
  relocated: boolean;
}

/** Longest Unix socket path that works on Linux and macOS (sun_path is 108 / 104 bytes). */
export const MAX_SOCKET_PATH = 103;

export function resolvePaths(env: NodeJS.ProcessEnv = process.env): Paths {
  const home = env.HOME || homedir();
  const custom = env.MCPPROXY_HOOK_HOME;
  if (custom) {
    const dir = resolve(custom);
    return mk(dir, join(dir, 'config.json'), true);
  }
  const configHome = env.XDG_CONFIG_HOME || join(home, '.config');
  const stateHome = env.XDG_STATE_HOME || join(home, '.local', 'state');
  return mk(join(stateHome, 'mcpproxy-hook'), join(configHome, 'mcpproxy-hook', 'config.json'), false);
}

function mk(stateDir: string, configFile: string, relocated: boolean): Paths {
  return {
    stateDir,
    configFile,
    socket: join(stateDir, 'sidecar.sock'),
    db: join(stateDir, 'audit.db'),
    keyFile: join(stateDir, 'key'),
    pidFile: join(stateDir, 'sidecar.pid'),
    tokenFile: join(stateDir, 'http-token'),
    logFile: join(stateDir, 'sidecar.log'),
    starterHint: join(stateDir, 'starter-hint'),
    httpListening: join(stateDir, 'http-listening'),
    relocated,
  };
}

export function checkSocketPath(p: string): string | null {
  if (Buffer.byteLength(p) > MAX_SOCKET_PATH) {
    return `the socket path ${p} is ${Buffer.byteLength(p)} bytes, longer than Unix sockets allow (${MAX_SOCKET_PATH}); set MCPPROXY_HOOK_HOME to a shorter directory`;
  }
  return null;
}
