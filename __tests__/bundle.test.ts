import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect, test } from '@jest/globals';
import yaml from 'js-yaml';
import { repoRoot } from './support/runner.js';

test('the committed dist/index.js equals a fresh bundle of src/', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-'));
  try {
    const fresh = path.join(dir, 'index.js');
    execFileSync(process.execPath, ['scripts/bundle.mjs', fresh], { cwd: repoRoot, stdio: 'pipe' });
    const committed = fs.readFileSync(path.join(repoRoot, 'dist/index.js'), 'utf8');
    // One equality, but a readable failure: which line first differs.
    const a = fs.readFileSync(fresh, 'utf8').split('\n');
    const b = committed.split('\n');
    const first = a.findIndex((line, i) => line !== b[i]);
    expect({ differsAtLine: first === -1 && a.length === b.length ? null : first + 1 }).toEqual({
      differsAtLine: null,
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
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
