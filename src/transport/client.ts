/** Client side of the sidecar socket, for the CLI (status, evaluate, activity). */
import { connect } from 'node:net';
import { ErrorCode, GuardError } from '../errors.ts';
import { decodePayload, encodeFrame, FrameDecoder } from './frame.ts';

export class SidecarUnavailable extends GuardError {
  constructor(
    /** the system error behind it: ENOENT, ECONNREFUSED, ETIMEDOUT … */
    readonly errno: string,
    readonly socket: string,
  ) {
    super(
      ErrorCode.SidecarUnavailable,
      errno === 'ENOENT' || errno === 'ECONNREFUSED'
        ? `the sidecar is not running (no listener on ${socket}). Start it with \`mcpproxy-hook daemon\`.`
        : errno === 'ETIMEDOUT'
          ? `the sidecar at ${socket} did not answer in time`
          : `cannot reach the sidecar at ${socket} (${errno})`,
    );
  }
}

export function request(socket: string, msg: unknown, timeoutMs = 5000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const sock = connect(socket);
    const dec = new FrameDecoder();
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new SidecarUnavailable('ETIMEDOUT', socket));
    }, timeoutMs);
    sock.on('connect', () => sock.write(encodeFrame(msg)));
    sock.on('data', (c: Buffer) => {
      try {
        const frames = dec.push(c);
        if (frames.length) {
          clearTimeout(timer);
          sock.end();
          resolve(decodePayload(frames[0] as Buffer));
        }
      } catch (e) {
        clearTimeout(timer);
        sock.destroy();
        reject(e);
      }
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new SidecarUnavailable(e.code ?? 'error', socket));
    });
  });
}
