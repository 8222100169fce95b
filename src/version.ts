/** The package's version, from package.json (bundled into dist/cli.js at build time). */
import pkg from '../package.json' with { type: 'json' };

export const VERSION: string = pkg.version;
