/** Resident memory of a process from Linux's /proc/<pid>/status text: its own (anonymous) and file-backed/shared bytes. */
export function rssSplit(status: string): { anon: number; file: number } {
  const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { anon: kb('RssAnon'), file: kb('RssFile') + kb('RssShmem') };
}
