// Build: esbuild bundles the hook into one small self-contained CommonJS file (only node:net and
// node:fs at run time) and the CLI/sidecar into one ESM file whose npm dependencies stay external.
import { build } from 'esbuild';
import { rmSync, statSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
// chunk names carry a content hash: old ones would pile up in dist/ and in the npm package
rmSync(root + 'dist/chunks', { recursive: true, force: true });
const common = { bundle: true, platform: 'node', target: 'node20', logLevel: 'warning', absWorkingDir: root };

await build({ ...common, entryPoints: ['hooks/hook.ts'], outfile: 'dist/hook.cjs', format: 'cjs', minify: true, legalComments: 'none' });
await build({
  ...common,
  entryPoints: { cli: 'src/cli/entry.ts' },
  outdir: 'dist',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  format: 'esm',
  packages: 'external',
  sourcemap: true,
});

// the detector's worker thread (src/daemon/scan-thread.ts finds it next to cli.js): a file of its own,
// kept out of the hook bundle and of the CLI's chunks
await build({ ...common, entryPoints: { 'scan-worker': 'src/daemon/scan-worker.ts' }, outdir: 'dist', format: 'esm', packages: 'external', sourcemap: true });

const size = statSync(root + 'dist/hook.cjs').size;
console.log(`built dist/hook.cjs (${size} bytes) and dist/cli.js`);
