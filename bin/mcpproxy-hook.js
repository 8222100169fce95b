#!/usr/bin/env node
import { existsSync } from 'node:fs';
const dist = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(dist)) {
  process.stderr.write('mcpproxy-hook: not built yet; run `npm run build` in the package directory\n');
  process.exit(1);
}
const { main } = await import(dist.href);
await main(process.argv);
