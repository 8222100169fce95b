/**
 * Node flags the launchers of the sidecar daemon use (systemd unit, launchd plist, the hook's
 * autostart, the tests and benchmarks; `mcpproxy-hook daemon` typed by hand runs without them).
 * Kept in a file of its own: the hook bundle imports it.
 *
 * --max-semi-space-size=4 (MiB): V8's young generation otherwise grows to 16 MiB semi-spaces and
 * stays committed; for a long-lived daemon whose garbage is short-lived event objects that costs
 * memory and buys nothing. Measured with `npm run bench` (100 sessions x ~9.3k fingerprints):
 * RSS 151 MiB without it, 110 MiB with it.
 *
 * --no-parallel-scavenge: the young generation is small and almost all of it is garbage by the
 * time it is collected, so a scavenge has little to copy; handing that to helper threads costs more
 * than it saves on a 2-core machine (scavenge pauses 0.76 -> 0.54 ms on average over 4,000 2 KB
 * checks; `npm run bench:detect`'s check p99s 0.44-0.66 -> 0.33-0.54 ms in two alternating runs).
 */
export const DAEMON_NODE_ARGS: readonly string[] = ['--max-semi-space-size=4', '--no-parallel-scavenge'];

/**
 * Environment of the sidecar's process (systemd unit, the starter hook, install's start; not launchd:
 * these are glibc's, macOS has none). glibc's allocator otherwise keeps up to 8 arenas per core for
 * V8's helper threads and returns freed memory to the system only from the top of the heap above
 * 128 KiB... lazily: memory freed when sessions expire stayed resident. MALLOC_ARENA_MAX=2 keeps
 * fragmentation across arenas down and MALLOC_TRIM_THRESHOLD_ returns free memory at 128 KiB.
 * Setting it also fixes glibc's mmap threshold at 128 KiB (otherwise it rises, up to 32 MiB, each
 * time a mapped block is freed): a fingerprint table's buffer above that (fingerprint/table.ts) is
 * then a mapping of its own, unmapped when its session is collected, not C-heap pages that stay.
 * A lower threshold (MALLOC_MMAP_THRESHOLD_=32768) changed nothing measurable: what the C heap keeps
 * after expiry is small blocks. Measured with scripts/bench-rss.ts (RSS with 100 sessions open and
 * after they expire, with where the memory is): see README.
 */
export const DAEMON_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2', MALLOC_TRIM_THRESHOLD_: '131072' };
