// The release's namespace, asked of werf (here the werf test double, which answers `werf helm get-namespace` with
// werf's default `[[ project ]]-[[ env ]]` for the werf.yaml it finds).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, jest, test } from '@jest/globals';
import { parseInputs } from '../../src/inputs.js';
import { namespaceFromArgs, releaseNamespace } from '../../src/werf/namespace.js';
import { actionDefaults } from '../support/runner.js';
import { WERF_DOUBLE } from '../support/scenario.js';

const project = fs.mkdtempSync(path.join(os.tmpdir(), 'namespace-'));
fs.writeFileSync(path.join(project, 'werf.yaml'), 'project: shop\nconfigVersion: 1\n---\nimage: app\nfrom: alpine\n');
afterAll(() => fs.rmSync(project, { recursive: true, force: true }));
afterEach(() => {
  delete process.env.WERF_NAMESPACE;
});

const inputs = (values: Record<string, string>) => {
  const all: Record<string, string> = { ...actionDefaults(), repo: 'r.example.com/app', ...values };
  return parseInputs((name) => all[name] ?? '', project);
};

describe('namespaceFromArgs', () => {
  test('--namespace=X, --namespace X and -n X; none is ""', () => {
    expect(namespaceFromArgs(['--dev', '--namespace=shop-prod'])).toBe('shop-prod');
    expect(namespaceFromArgs(['--namespace', 'shop-prod'])).toBe('shop-prod');
    expect(namespaceFromArgs(['-n', 'shop-prod'])).toBe('shop-prod');
    expect(namespaceFromArgs(['--set=a=b'])).toBe('');
  });
});

describe('releaseNamespace', () => {
  test("werf names it: project and env (werf's default), or the project alone without an env", async () => {
    expect(await releaseNamespace(inputs({ env: 'production' }), WERF_DOUBLE)).toBe('shop-production');
    expect(await releaseNamespace(inputs({}), WERF_DOUBLE)).toBe('shop');
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
