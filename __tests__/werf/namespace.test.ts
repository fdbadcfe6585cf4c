// The release's namespace, asked of werf (here the werf test double, which answers `werf helm get-namespace` as werf
// does: werf.yaml's deploy.namespace, else `[[ project ]]` or `[[ project ]]-[[ env ]]`, slugified, werf.yaml read
// through giterminism).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { quote } from '../../src/untrusted.js';
import { afterAll, afterEach, describe, expect, jest, test } from '@jest/globals';
import { parseInputs } from '../../src/inputs.js';
import { namespaceFromArgs, releaseNamespace, werfYamlArgs } from '../../src/werf/namespace.js';
import { runToolOk } from '../support/rig/index.js';
import { actionDefaults } from '../support/runner.js';
import { WERF_DOUBLE } from '../support/scenario.js';

const project = fs.mkdtempSync(path.join(os.tmpdir(), 'namespace-'));
fs.writeFileSync(path.join(project, 'werf.yaml'), 'project: shop\nconfigVersion: 1\n---\nimage: app\nfrom: alpine\n');
afterAll(() => fs.rmSync(project, { recursive: true, force: true }));
afterEach(() => {
  for (const name of ['WERF_NAMESPACE', 'WERF_DIR', 'WERF_CONFIG', 'WERF_DEV', 'WERF_ENV']) delete process.env[name];
});

const inputs = (values: Record<string, string>) => {
  const all: Record<string, string> = { ...actionDefaults(), repo: 'r.example.com/app', ...values };
  return parseInputs((name) => all[name] ?? '', project);
};

describe('namespaceFromArgs', () => {
  test('--namespace=X and --namespace X, the last one counting; -n is no converge flag; none is undefined', () => {
    expect(namespaceFromArgs(['--dev', '--namespace=shop-prod'])).toBe('shop-prod');
    expect(namespaceFromArgs(['--namespace', 'shop-prod'])).toBe('shop-prod');
    expect(namespaceFromArgs(['--namespace=a', '--namespace', 'b'])).toBe('b');
    expect(namespaceFromArgs(['--namespace='])).toBe('');
    expect(namespaceFromArgs(['-n', 'shop-prod'])).toBeUndefined();
    expect(namespaceFromArgs(['--set=a=b'])).toBeUndefined();
    expect(namespaceFromArgs(['--', '--namespace=x'])).toBeUndefined();
  });
});

describe('werfYamlArgs', () => {
  test('the flags that choose werf.yaml, as written in args; nothing else', () => {
    expect(
      werfYamlArgs([
        '--dir',
        'deploy',
        '--set=image.tag=1',
        '--config=werf-prod.yaml',
        '--dev',
        '--namespace',
        'x',
        '--dev-ignore',
        '*.md',
        '--loose-giterminism=false',
        '--',
        '--dir=after-the-end',
      ]),
    ).toEqual([
      '--dir',
      'deploy',
      '--config=werf-prod.yaml',
      '--dev',
      '--dev-ignore',
      '*.md',
      '--loose-giterminism=false',
    ]);
    expect(werfYamlArgs(['--dev=false', '--directory=x', '--dir'])).toEqual(['--dev=false']);
  });
});

describe('releaseNamespace', () => {
  test("werf names it: project and env (werf's default), or the project alone without an env", async () => {
    expect(await releaseNamespace(inputs({ env: 'production' }), WERF_DOUBLE)).toBe('shop-production');
    expect(await releaseNamespace(inputs({}), WERF_DOUBLE)).toBe('shop');
  });

  test('werf sees the werf.yaml converge sees: --dir and --config from args, or WERF_DIR and WERF_CONFIG', async () => {
    const sub = path.join(project, 'deploy');
    fs.mkdirSync(sub, { recursive: true });
    fs.writeFileSync(path.join(sub, 'werf.yaml'), 'project: billing\nconfigVersion: 1\n');
    fs.writeFileSync(
      path.join(sub, 'werf-eu.yaml'),
      'project: billing\nconfigVersion: 1\ndeploy:\n  namespace: eu-[[ env ]]\n',
    );
    expect(await releaseNamespace(inputs({ args: '--dir=deploy', env: 'production' }), WERF_DOUBLE)).toBe(
      'billing-production',
    );
    expect(
      await releaseNamespace(inputs({ args: '--dir\ndeploy\n--config=werf-eu.yaml', env: 'prod' }), WERF_DOUBLE),
    ).toBe('eu-prod');
    Object.assign(process.env, { WERF_DIR: 'deploy', WERF_CONFIG: 'werf-eu.yaml', WERF_ENV: 'staging' });
    expect(await releaseNamespace(inputs({}), WERF_DOUBLE)).toBe('eu-staging');
  });

  test('--dev from args: werf reads the work tree, as converge does (an uncommitted werf.yaml is an error without it)', async () => {
    const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'namespace-git-'));
    try {
      const git = (...args: string[]) =>
        runToolOk('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args]);
      fs.writeFileSync(path.join(repo, 'werf.yaml'), 'project: shop\nconfigVersion: 1\n');
      await git('init', '-q');
      await git('add', 'werf.yaml');
      await git('commit', '-qm', 'werf.yaml');
      const inRepo = (values: Record<string, string>) => inputs({ 'working-directory': repo, ...values });
      expect(await releaseNamespace(inRepo({}), WERF_DOUBLE)).toBe('shop');
      fs.writeFileSync(
        path.join(repo, 'werf.yaml'),
        'project: shop\nconfigVersion: 1\ndeploy:\n  namespace: "[[ project ]]-review"\n',
      );
      const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
      try {
        expect(await releaseNamespace(inRepo({}), WERF_DOUBLE)).toBe('');
        const warning = write.mock.calls.map((c) => String(c[0])).find((l) => l.startsWith('::warning'));
        // werf's words, quoted as any text from werf is in our sentences.
        expect(warning).toContain(quote('Error: unable to read werf config: the file "werf.yaml" must be committed'));
      } finally {
        write.mockRestore();
      }
      expect(await releaseNamespace(inRepo({ args: '--dev' }), WERF_DOUBLE)).toBe('shop-review');
      process.env.WERF_DEV = '1';
      expect(await releaseNamespace(inRepo({}), WERF_DOUBLE)).toBe('shop-review');
    } finally {
      fs.rmSync(repo, { recursive: true, force: true });
    }
  });

  test('--namespace in args wins over WERF_NAMESPACE, which wins over werf', async () => {
    process.env.WERF_NAMESPACE = 'from-env';
    expect(await releaseNamespace(inputs({ env: 'production' }), WERF_DOUBLE)).toBe('from-env');
    expect(await releaseNamespace(inputs({ args: '--namespace=from-args' }), WERF_DOUBLE)).toBe('from-args');
  });

  test("when werf cannot say: the kube context's namespace, with a warning that says how to choose", async () => {
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const noProject = inputs({ 'working-directory': os.tmpdir() });
      expect(await releaseNamespace(noProject, WERF_DOUBLE)).toBe('');
      const warnings = write.mock.calls.map((c) => String(c[0])).filter((l) => l.startsWith('::warning'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('pass --namespace in args');
    } finally {
      write.mockRestore();
    }
  });

  test("werf helm get-namespace runs without the action's inputs in its environment", async () => {
    const log = path.join(project, 'argv.jsonl');
    process.env.WERF_DOUBLE_ARGV_LOG = log;
    process.env.INPUT_PASSWORD = 'input-secret';
    try {
      expect(await releaseNamespace(inputs({ env: 'production' }), WERF_DOUBLE)).toBe('shop-production');
    } finally {
      delete process.env.WERF_DOUBLE_ARGV_LOG;
      delete process.env.INPUT_PASSWORD;
    }
    const calls = fs
      .readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { argv: string[]; inputs: string[] });
    expect(calls.map((c) => [c.argv.slice(0, 2), c.inputs])).toEqual([[['helm', 'get-namespace'], []]]);
  });
});
