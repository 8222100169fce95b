/**
 * The sidecar's log: one line per entry, ISO time first, then the level for anything that is not
 * plain information. Goes to stderr by default (the journal under systemd, the log file under launchd).
 */
export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  /** an entry about something that happened at `at` (a decision's event time) */
  at(at: number, msg: string): void;
  /** a logger whose lines start with `prefix` */
  child(prefix: string): Logger;
}

export type LogSink = (line: string) => void;

export const stderrSink: LogSink = (l) => {
  process.stderr.write(l + '\n');
};

export function createLogger(sink: LogSink = stderrSink, now: () => number = Date.now, prefix = ''): Logger {
  const line = (ts: number, level: string, msg: string): void => sink(`${new Date(ts).toISOString()} ${level}${prefix}${msg}`);
  return {
    info: (m) => line(now(), '', m),
    warn: (m) => line(now(), 'warn ', m),
    error: (m) => line(now(), 'error ', m),
    at: (ts, m) => line(ts, '', m),
    child: (p) => createLogger(sink, now, prefix + p + ' '),
  };
}
