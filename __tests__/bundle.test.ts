import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect, test } from '@jest/globals';
import yaml from 'js-yaml';
import { repoRoot } from './support/runner.js';

/** Every file under `dir` (relative paths, sorted). */
function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

test('the committed dist/ (entry, chunks, source maps) equals a fresh bundle of src/', () => {
  const fresh = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-'));
  try {
    execFileSync(process.execPath, ['scripts/bundle.mjs', fresh], { cwd: repoRoot, stdio: 'pipe' });
    const committed = path.join(repoRoot, 'dist');
    // The same files (no chunk missing, none left over from an older build), then each one equal: a readable failure
    // names the file and the first line that differs.
    expect(filesUnder(committed)).toEqual(filesUnder(fresh));
    const differing = filesUnder(fresh).flatMap((file) => {
      const a = fs.readFileSync(path.join(fresh, file), 'utf8').split('\n');
      const b = fs.readFileSync(path.join(committed, file), 'utf8').split('\n');
      const first = a.findIndex((line, i) => line !== b[i]);
      return first === -1 && a.length === b.length ? [] : [`${file}: line ${first === -1 ? a.length + 1 : first + 1}`];
    });
    expect(differing).toEqual([]);
  } finally {
    fs.rmSync(fresh, { recursive: true, force: true });
  }
});

/** The names in the first column of a markdown table under `## heading` of the interface contract. */
function contractNames(markdown: string, heading: string): Array<{ name: string; default?: string }> {
  const section = markdown.split(/^## /m).find((s) => s.startsWith(heading)) ?? '';
  return [...section.matchAll(/^\| `([a-z0-9-]+)` \| ([^|]*)\|/gm)].map((m) => ({
    name: m[1] as string,
    default: (m[2] as string).trim().replace(/^`|`$/g, '').replace(/^''$/, ''),
  }));
}

test('action.yml declares exactly the inputs (with their defaults) and outputs of the interface contract', () => {
  // The contract lives in ../shared on the team's machines; docs/interface.md is its committed copy for GitHub.
  const shared = path.join(repoRoot, '../shared/interface.md');
  const contract = fs.readFileSync(fs.existsSync(shared) ? shared : path.join(repoRoot, 'docs/interface.md'), 'utf8');
  const action = yaml.load(fs.readFileSync(path.join(repoRoot, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string; required?: boolean; description: string }>;
    outputs: Record<string, { description: string }>;
    runs: { using: string; main: string; post: string };
  };
  const inputs = contractNames(contract, 'Inputs');
  expect(Object.keys(action.inputs).sort()).toEqual(inputs.map((i) => i.name).sort());
  for (const input of inputs) {
    if (input.default === 'required') expect(action.inputs[input.name]?.required).toBe(true);
    else expect([input.name, action.inputs[input.name]?.default]).toEqual([input.name, input.default]);
    expect(action.inputs[input.name]?.description.length).toBeGreaterThan(10);
  }
  expect(Object.keys(action.outputs).sort()).toEqual(
    contractNames(contract, 'Outputs')
      .map((o) => o.name)
      .sort(),
  );
  expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js', post: 'dist/index.js' });
});

test('dist/licenses.txt carries the license text of every third-party package in the bundle', () => {
  const text = fs.readFileSync(path.join(repoRoot, 'dist/licenses.txt'), 'utf8');
  const entries = text.split('\n-----\n\n');
  const names = entries.map((e) => e.split('\n', 1)[0]);
  // The runtime's own dependencies are there (each package once), and each entry holds a license text.
  for (const name of ['@actions/core', '@actions/tool-cache', 'js-yaml', 'tuf-js', 'undici', 'openpgp'])
    expect(names.filter((n) => n?.startsWith(`${name}@`))).toHaveLength(1);
  for (const entry of entries) expect(entry).toMatch(/\n\n\S[\s\S]{100,}/);
  expect(text).not.toContain('(no license file in the package)');
});
