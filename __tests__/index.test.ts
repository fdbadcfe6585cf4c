// What the committed bundle's entry (src/index.ts) loads for each step: the runner starts `node dist/index.js` for the
// main and the post step, and each step must compile only the code it reaches. The files Node loads are recorded with
// a module hook; the source maps beside them say which sources and packages each one holds.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { repoRoot } from './support/runner.js';

let dir: string;
let hook: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'entry-loads-'));
  hook = path.join(dir, 'record-loads.mjs');
  fs.writeFileSync(
    hook,
    [
      "import { registerHooks } from 'node:module';",
      "import { appendFileSync } from 'node:fs';",
      'registerHooks({',
      '  load(url, context, nextLoad) {',
      "    if (url.startsWith('file:')) appendFileSync(process.env.RECORD_LOADS, url + '\\n');",
      '    return nextLoad(url, context);',
      '  },',
      '});',
      '',
    ].join('\n'),
  );
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs dist/index.js as a step would with `env`; the sources (from the source maps) of every bundle file it loaded. */
function sourcesLoaded(env: Record<string, string>): { sources: string[]; stdout: string } {
  const record = path.join(dir, `loads-${Math.random().toString(36).slice(2)}.txt`);
  fs.writeFileSync(record, '');
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(INPUT_|STATE_|GITHUB_|RUNNER_)/.test(k)),
  ) as Record<string, string>;
  let stdout = '';
  try {
    stdout = execFileSync(
      process.execPath,
      ['--import', pathToFileURL(hook).href, path.join(repoRoot, 'dist/index.js')],
      {
        cwd: dir,
        env: { ...base, ...env, RECORD_LOADS: record },
        encoding: 'utf8',
      },
    );
  } catch (err) {
    stdout = (err as { stdout: string }).stdout; // an input error ends the step with exit code 1
  }
  const files = fs
    .readFileSync(record, 'utf8')
    .split('\n')
    .filter((u) => u.includes('/dist/'))
    .map((u) => fileURLToPath(u));
  const sources = files.flatMap((file) => {
    const map = JSON.parse(fs.readFileSync(`${file}.map`, 'utf8')) as { sources: string[] };
    return map.sources.map((s) => path.relative(repoRoot, path.resolve(path.dirname(file), s)));
  });
  return { sources: [...new Set(sources)].sort(), stdout };
}

// What no step may load before it needs it: the HTTP stack, the installer's packages, the cluster check.
const HEAVY = [
  'node_modules/undici/',
  'node_modules/@actions/http-client/',
  'node_modules/@actions/tool-cache/',
  'node_modules/openpgp/',
  'node_modules/tuf-js/',
  'node_modules/semver/',
  'src/registry/client.ts',
  'src/nodes/cluster-check.ts',
];
const heavyIn = (sources: string[]) => sources.filter((s) => HEAVY.some((h) => s.startsWith(h)));

test('a main step that stops at its inputs loads the inputs and the failure report, nothing of the stages', () => {
  const { sources, stdout } = sourcesLoaded({});
  expect(stdout).toMatch(/^::error::Input "repo" is required/m);
  expect(sources).toEqual(expect.arrayContaining(['src/index.ts', 'src/main.ts', 'src/inputs.ts', 'src/failure.ts']));
  expect(heavyIn(sources)).toEqual([]);
  expect(sources.filter((s) => /^src\/(werf\/install|trust|login|verify|werf\/ship|post)/.test(s))).toEqual([]);
});

test('a post step loads the code for the entries its journal holds, and none of the main step', () => {
  const folder = fs.mkdtempSync(path.join(dir, 'job-'));
  const journal = JSON.stringify([{ kind: 'remove-dir', path: folder }]);
  const { sources } = sourcesLoaded({ STATE_isPost: 'true', STATE_cleanup: journal, INPUT_LOGOUT: 'true' });
  expect(fs.existsSync(folder)).toBe(false);
  expect(sources).toEqual(expect.arrayContaining(['src/index.ts', 'src/post.ts']));
  expect(heavyIn(sources)).toEqual([]);
  expect(sources.filter((s) => /^src\/(main|inputs|login|logout|verify|trust|werf|system)/.test(s))).toEqual([]);
});
