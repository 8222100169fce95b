/**
 * How the CLI writes: quiet when the reader goes away (`… | head`), colour only for a terminal that
 * wants it, and `--quiet` for scripts.
 */

/**
 * A reader that closed the pipe (`mcpproxy-hook activity | head`) is not an error: stop writing and
 * exit quietly with status 0, as the output that was wanted has been read. Any other write error still
 * surfaces.
 */
export function quietOnClosedPipe(stream: NodeJS.WriteStream = process.stdout): void {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

/**
 * Colour on this stream? Only when it is a terminal, `NO_COLOR` is unset or empty (no-color.org),
 * and TERM is not "dumb"; `FORCE_COLOR` (non-empty, not "0") turns it on regardless.
 */
export function colourWanted(stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '' && force !== '0') return true;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

const CODES = { red: [31, 39], green: [32, 39], yellow: [33, 39], dim: [2, 22], bold: [1, 22] } as const;
export type Style = keyof typeof CODES;

/** The CLI's writer: `info` is chatter that --quiet drops; `data` is what was asked for; `warn` goes to stderr. */
export class Ui {
  quiet = false;
  colour: boolean;
  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout,
    private readonly err: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.colour = colourWanted(out, env);
  }
  paint(style: Style, s: string): string {
    if (!this.colour || s === '') return s;
    const [on, off] = CODES[style];
    return `\u001b[${on}m${s}\u001b[${off}m`;
  }
  /** what the command was asked to produce (tables, JSON, a decision): always printed */
  data(s: string): void {
    this.out.write(s);
  }
  /** progress and confirmations: dropped by --quiet */
  info(s: string): void {
    if (!this.quiet) this.out.write(s);
  }
  /** problems the user must see even with --quiet */
  warn(s: string): void {
    this.err.write(s);
  }
}

export const ui = new Ui();
