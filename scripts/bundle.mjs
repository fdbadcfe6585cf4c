// Bundles src/index.ts into dist/: the entry the runner executes (dist/index.js, for the main and the post step) and
// the chunks it loads with import() only when a run reaches them (dist/chunks/), minified, each with a source map.
// `node scripts/bundle.mjs [OUTDIR]` (the bundle test builds into a temp folder and compares it with dist/).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The build is laid out for dist/ (the source maps' paths are relative to it) and written to OUTDIR.
const outdir = path.resolve(process.argv[2] ?? path.join(root, 'dist'));

/**
 * @actions/core imports its OIDC client at the top (for core.getIDToken, which this action never calls), and with it
 * @actions/http-client, whose `import * as http` makes Node build the ESM facade of node:http and so load Node's own
 * undici. Here core gets a stand-in that imports the real client only when a token is asked for.
 */
const lazyOidc = {
  name: 'lazy-oidc',
  setup(b) {
    b.onResolve({ filter: /^\.\/oidc-utils\.js$/ }, (args) =>
      args.importer.endsWith(path.join('@actions', 'core', 'lib', 'core.js'))
        ? { path: path.join(root, 'scripts/lazy-oidc.mjs') }
        : undefined,
    );
    b.onResolve({ filter: /^@actions\/core\/lib\/oidc-utils\.js$/ }, () => ({
      path: path.join(root, 'node_modules/@actions/core/lib/oidc-utils.js'),
    }));
  },
};

const result = await build({
  absWorkingDir: root,
  entryPoints: { index: 'src/index.ts' },
  outdir: 'dist',
  write: false,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  minify: true,
  sourcemap: 'linked',
  // The map says where each piece came from; the sources themselves are in the repository, not in the map.
  sourcesContent: false,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [lazyOidc],
  // Some dependencies are CommonJS and call require() for Node built-ins; give every ESM file of the bundle a require.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
});

// Chunk names carry a content hash: a stale chunk must never survive a rebuild.
fs.rmSync(outdir, { recursive: true, force: true });
for (const file of result.outputFiles) {
  const target = path.join(outdir, path.relative(path.join(root, 'dist'), file.path));
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, file.contents);
}
