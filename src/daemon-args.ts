/**
 * Node flags every launcher of the sidecar daemon uses (service files, the hook's autostart, the
 * CLI's shebang, the tests and benchmarks). Kept in a file of its own: the hook bundle imports it.
 *
 * --max-semi-space-size=4 (MiB): V8's young generation otherwise grows to 16 MiB semi-spaces and
 * stays committed; for a long-lived daemon whose garbage is short-lived event objects that costs
 * memory and buys nothing. Measured with `npm run bench` (100 sessions x ~9.3k fingerprints):
 * RSS 151 MiB without it, 110 MiB with it.
 */
export const DAEMON_NODE_ARGS: readonly string[] = ['--max-semi-space-size=4'];
