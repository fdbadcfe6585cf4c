// Bundles src/index.ts and everything it imports into the one file the runner executes: dist/index.js.
// `node scripts/bundle.mjs [OUTFILE]` (the bundle test writes to a temp file and compares it with dist/).
import { build } from 'esbuild';

const outfile = process.argv[2] ?? 'dist/index.js';
await build({
  entryPoints: ['src/index.ts'],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  legalComments: 'none',
  logLevel: 'warning',
  // Some dependencies are CommonJS and call require() for Node built-ins; give the ESM bundle a require.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
});
