// The README's inputs and outputs tables say what action.yml declares: the same names both ways, the same defaults.
// Format (agreed with the README's author):
//   ## Inputs                                      ## Outputs
//   | input | default | description |              | output | description |
//   |---|---|---|                                  |---|---|
//   | `repo` | required | ... |                    | `images` | ... |
//   | `final-repo` | `''` | ... |
//   | `werf-version` | `2 stable` | ... |
// Default column: the default in backticks (`''` for the empty string), or `required`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import yaml from 'js-yaml';
import { repoRoot } from './support/runner.js';

interface ActionYml {
  inputs: Record<string, { required?: boolean; default?: unknown; description: string }>;
  outputs: Record<string, { description: string }>;
}

interface Row {
  name: string;
  default?: string; // undefined: `required`
  description: string;
}

/** The text of a `## heading` section, up to the next `## `; undefined when the README has no such section. */
function section(markdown: string, heading: string): string | undefined {
  const parts = markdown.split(/^## /m).filter((s) => s.split('\n', 1)[0]?.trim() === heading);
  return parts.length === 1 ? parts[0] : undefined;
}

/** The table rows of a section; a row that starts like a name row but does not fit the format is an error. */
function rows(text: string, withDefault: boolean): { rows: Row[]; malformed: string[] } {
  const found: Row[] = [];
  const malformed: string[] = [];
  const re = withDefault
    ? /^\| `([a-z0-9-]+)` \| (required|`[^`]*`) \| (.*\S) \|$/
    : /^\| `([a-z0-9-]+)` \| (.*\S) \|$/;
  for (const line of text.split('\n').filter((l) => l.startsWith('| `'))) {
    const m = line.match(re);
    if (!m) malformed.push(line);
    else if (!withDefault) found.push({ name: m[1] as string, description: m[2] as string });
    else {
      const raw = m[2] as string;
      const value = raw === 'required' ? undefined : raw.slice(1, -1);
      found.push({ name: m[1] as string, default: value === "''" ? '' : value, description: m[3] as string });
    }
  }
  return { rows: found, malformed };
}

/** Where the README's tables and action.yml disagree, one line each; [] when they agree. */
function compareWithAction(markdown: string, action: ActionYml): string[] {
  const problems: string[] = [];
  const inputsText = section(markdown, 'Inputs');
  const outputsText = section(markdown, 'Outputs');
  if (inputsText === undefined) problems.push('no single "## Inputs" section');
  if (outputsText === undefined) problems.push('no single "## Outputs" section');
  if (inputsText === undefined || outputsText === undefined) return problems;

  const inputs = rows(inputsText, true);
  const outputs = rows(outputsText, false);
  problems.push(...[...inputs.malformed, ...outputs.malformed].map((l) => `row not in the agreed format: ${l}`));
  const names = (r: Row[]) => r.map((x) => x.name);
  const twice = (r: Row[]) => names(r).filter((n, i, all) => all.indexOf(n) !== i);
  problems.push(...twice(inputs.rows).map((n) => `input "${n}" has two rows`));
  problems.push(...twice(outputs.rows).map((n) => `output "${n}" has two rows`));

  for (const name of Object.keys(action.inputs))
    if (!names(inputs.rows).includes(name)) problems.push(`input "${name}" of action.yml is not in the README`);
  for (const row of inputs.rows) {
    const spec = action.inputs[row.name];
    if (!spec) {
      problems.push(`input "${row.name}" in the README is not in action.yml`);
      continue;
    }
    const expected = spec.required && spec.default === undefined ? undefined : String(spec.default ?? '');
    if (row.default !== expected) {
      const show = (d: string | undefined) => (d === undefined ? 'required' : `\`${d === '' ? "''" : d}\``);
      problems.push(`input "${row.name}": README says ${show(row.default)}, action.yml says ${show(expected)}`);
    }
  }
  for (const name of Object.keys(action.outputs))
    if (!names(outputs.rows).includes(name)) problems.push(`output "${name}" of action.yml is not in the README`);
  for (const row of outputs.rows)
    if (!(row.name in action.outputs)) problems.push(`output "${row.name}" in the README is not in action.yml`);
  return problems;
}

/** A README whose tables are made from action.yml: what the check must accept. */
function readmeFrom(action: ActionYml): string {
  const def = (s: ActionYml['inputs'][string]) =>
    s.required && s.default === undefined ? 'required' : `\`${String(s.default ?? '') || "''"}\``;
  return [
    '# x',
    '## Inputs',
    '| input | default | description |',
    '|---|---|---|',
    ...Object.entries(action.inputs).map(([n, s]) => `| \`${n}\` | ${def(s)} | ${s.description} |`),
    '',
    '## Outputs',
    '| output | description |',
    '|---|---|',
    ...Object.entries(action.outputs).map(([n, s]) => `| \`${n}\` | ${s.description} |`),
    '',
    '## More',
    '| `not-a-table-we-check` | x |',
  ].join('\n');
}

const action = yaml.load(fs.readFileSync(path.join(repoRoot, 'action.yml'), 'utf8')) as ActionYml;
// README_PATH: check another README with the same test (its author's draft), e.g. before it is in the tree.
const readmePath = process.env.README_PATH ?? path.join(repoRoot, 'README.md');

describe('the check itself', () => {
  test('accepts tables made from action.yml', () => {
    expect(compareWithAction(readmeFrom(action), action)).toEqual([]);
  });

  test('reports a missing, an extra and a wrong-default input, an extra output and a malformed row', () => {
    const good = readmeFrom(action);
    const broken = good
      .replace(/^\| `final-repo` .*\n/m, '')
      .replace(/^\| `werf-version` \| `2 stable` \|/m, '| `werf-version` | `2` |')
      .replace(/^\| `repo` \| required \|/m, "| `repo` | `''` |")
      .replace('## Outputs\n', '## Outputs\n| `digest` | the digest |\n| `images`| no space |\n')
      .replace('| input | default | description |', '| input | default | description |\n| `werf` | `` | new |');
    expect(compareWithAction(broken, action)).toEqual([
      'row not in the agreed format: | `images`| no space |',
      'input "final-repo" of action.yml is not in the README',
      'input "werf" in the README is not in action.yml',
      `input "repo": README says \`''\`, action.yml says required`,
      'input "werf-version": README says `2`, action.yml says `2 stable`',
      'output "digest" in the README is not in action.yml',
    ]);
    expect(compareWithAction('# no tables', action)).toEqual([
      'no single "## Inputs" section',
      'no single "## Outputs" section',
    ]);
  });
});

test(`${path.relative(repoRoot, readmePath)}: the inputs and outputs tables match action.yml`, () => {
  expect(fs.existsSync(readmePath)).toBe(true);
  const markdown = fs.readFileSync(readmePath, 'utf8');
  expect(compareWithAction(markdown, action)).toEqual([]);
  // Every row says something.
  const descriptions = [
    ...rows(section(markdown, 'Inputs') ?? '', true).rows,
    ...rows(section(markdown, 'Outputs') ?? '', false).rows,
  ].filter((r) => r.description.replace(/\s/g, '').length < 5);
  expect(descriptions.map((r) => r.name)).toEqual([]);
});
