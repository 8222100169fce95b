/**
 * A process's line of Linux's /proc/<pid>/stat, read one way for everyone who needs it (who started a
 * session's Claude Code, a process's parent, whether it is a zombie).
 */
import { readFileSync } from 'node:fs';

/**
 * The fields of /proc/<pid>/stat from the third on (state, ppid, …: index 0 is field 3), or undefined
 * when the process is gone or there is no /proc. The command name (field 2) may hold spaces and
 * parentheses, so the fields are counted from its last ")".
 */
export function procStatFields(pid: number): string[] | undefined {
  let s: string;
  try {
    s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const end = s.lastIndexOf(')');
  return end < 0 ? undefined : s.slice(end + 2).split(' ');
}
