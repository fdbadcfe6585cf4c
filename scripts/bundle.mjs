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
 * @actions/core imports at its top what this action never uses: its OIDC client (core.getIDToken) with
 * @actions/http-client, whose `import * as http` makes Node build the ESM facade of node:http and so load Node's own
 * undici; and core.platform with @actions/exec (child_process, net, streams). Here core gets stand-ins
 * (scripts/core-oidc-utils.mjs, scripts/core-platform.mjs) that import the real modules only when those functions are
 * called.
 */
const CORE_PARTS = ['oidc-utils.js', 'platform.js'];
const lazyCoreParts = {
  name: 'lazy-core-parts',
  setup(b) {
    // esbuild names importers by their real path (node_modules may be a symlink, or pnpm's store).
    const coreLib = fs.realpathSync(path.join(root, 'node_modules/@actions/core/lib'));
    b.onResolve({ filter: /^\.\/[a-z-]+\.js$/ }, (args) =>
      args.importer === path.join(coreLib, 'core.js') && CORE_PARTS.includes(args.path.slice(2))
        ? { path: path.join(root, 'scripts', `core-${args.path.slice(2).replace(/\.js$/, '.mjs')}`) }
        : undefined,
    );
    // The stand-ins' own imports of the real modules (core's package exports do not list them).
    b.onResolve({ filter: /^@actions\/core\/lib\/[a-z-]+\.js$/ }, (args) => ({
      path: path.join(coreLib, args.path.slice('@actions/core/lib/'.length)),
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
  // The third parties' license texts go to dist/licenses.txt (below), whole, not as scattered comments.
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
  plugins: [lazyCoreParts],
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
fs.writeFileSync(path.join(outdir, 'licenses.txt'), licenses(Object.keys(result.metafile.inputs)));

/**
 * The license of every package whose code is in the bundle (their licenses ask that the notice travel with the
 * code): name, version, the license's name and its full text, in name order.
 */
function licenses(inputs) {
  const packages = new Map();
  for (const input of inputs) {
    const parts = input.split('/');
    const at = parts.lastIndexOf('node_modules');
    if (at < 0) continue;
    const depth = parts[at + 1]?.startsWith('@') ? 3 : 2;
    const dir = path.join(root, ...parts.slice(0, at + depth));
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    packages.set(manifest.name, { dir, manifest });
  }
  return [...packages.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, { dir, manifest }]) => {
      const file = fs.readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
      const text = file ? fs.readFileSync(path.join(dir, file), 'utf8').trim() : '(no license file in the package)';
      return `${name}@${manifest.version}\n${manifest.license ?? 'license not stated'}\n\n${text}\n`;
    })
    .join('\n-----\n\n');
}
