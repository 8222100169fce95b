// `npm run build:binary`: the hook as a single-file executable through Node's Single Executable
// Applications (SEA): a blob of dist/hook.cjs injected into a copy of this node binary with postject.
// Works offline. (@yao-pkg/pkg, the design card's packager, cannot build offline: it downloads
// patched Node binaries and, in --sea mode, the Node release index.)
import { execFileSync } from 'node:child_process';
import { copyFileSync, chmodSync, readFileSync, writeFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');
const hook = join(dist, 'hook.cjs');
if (!existsSync(hook)) execFileSync(process.execPath, [join(root, 'build', 'build.mjs')], { stdio: 'inherit' });

const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
if (!readFileSync(process.execPath).includes(FUSE)) {
  console.error(`build:binary: ${process.execPath} has no SEA fuse (Node built without single-executable support); use the node + dist/hook.cjs hook instead`);
  process.exit(1);
}
const cfgFile = join(dist, 'sea-config.json');
const blob = join(dist, 'hook.blob');
writeFileSync(cfgFile, JSON.stringify({ main: hook, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true }));
execFileSync(process.execPath, ['--experimental-sea-config', cfgFile], { stdio: ['ignore', 'ignore', 'inherit'] });
const out = join(dist, 'mcpproxy-hook-hook');
copyFileSync(process.execPath, out);
chmodSync(out, 0o755);
const { inject } = await import('postject');
await inject(out, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: FUSE });
// smoke test: no sidecar at this socket -> a valid fail-open reply
const reply = execFileSync(out, ['pre', '--socket', join(dist, 'no-such.sock')], {
  input: '{"hook_event_name":"PreToolUse","session_id":"x","tool_name":"Bash","tool_input":{}}',
  env: { ...process.env, NODE_EXTRA_CA_CERTS: '' },
}).toString();
JSON.parse(reply);
console.log(`built ${out} (${(statSync(out).size / 2 ** 20).toFixed(1)} MiB); smoke test reply: ${reply.trim().slice(0, 80)}…`);
