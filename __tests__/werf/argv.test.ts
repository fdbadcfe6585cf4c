import { describe, expect, it } from '@jest/globals';
import { ActionError } from '../../src/errors.js';
import type { Inputs } from '../../src/inputs.js';
import { inputsFor } from '../support/inputs.js';
import { checkExtraArgs, envTwin, isSecretFlag } from '../../src/extra-args.js';
import { planWerfCommand } from '../../src/werf/argv.js';

// The fields planWerfCommand reads, as a converge of one project in its own folder would have them.
const inputs = (overrides: Partial<Inputs> = {}): Inputs =>
  inputsFor([], {
    repo: 'registry.example.com:5000/app',
    command: 'converge',
    workingDirectory: '/srv/ci/shop/app',
    verifyPull: 'auto',
    summary: true,
    ...overrides,
  });
const REPORT = '/tmp/runner/werf-action/build-report.json';
const noTls = { skipTlsVerifyRegistry: false, insecureRegistry: false };

describe('planWerfCommand', () => {
  it('plans a bare converge', () => {
    expect(planWerfCommand(inputs(), { buildReportPath: REPORT, tls: noTls })).toEqual({
      args: [
        'converge',
        '--repo',
        'registry.example.com:5000/app',
        '--save-build-report',
        '--build-report-path',
        REPORT,
      ],
      cwd: '/srv/ci/shop/app',
    });
  });

  it('plans a converge with every input set, in a fixed order, extra args last and untouched', () => {
    const plan = planWerfCommand(
      inputs({
        finalRepo: 'final.example.com/app',
        env: 'production',
        kubeConfigBase64: 'c2VjcmV0',
        kubeContext: 'prod',
        args: ['--namespace', 'app ns', '--set=a=b c', '$(echo not a shell)', '--set-docker-config-json-value'],
      }),
      {
        buildReportPath: REPORT,
        kubeConfigPath: '/tmp/runner/werf-action/kubeconfig',
        tls: { skipTlsVerifyRegistry: true, insecureRegistry: true },
      },
    );
    expect(plan.args).toEqual([
      'converge',
      '--repo',
      'registry.example.com:5000/app',
      '--final-repo',
      'final.example.com/app',
      '--skip-tls-verify-registry',
      '--insecure-registry',
      '--save-build-report',
      '--build-report-path',
      REPORT,
      '--env',
      'production',
      '--kube-config',
      '/tmp/runner/werf-action/kubeconfig',
      '--kube-context',
      'prod',
      '--namespace',
      'app ns',
      '--set=a=b c',
      '$(echo not a shell)',
      '--set-docker-config-json-value',
    ]);
    // The kubeconfig never travels on argv: `ps` shows argv to every user of the runner.
    expect(plan.args.join(' ')).not.toContain('c2VjcmV0');
  });

  it('leaves the kube flags out of build', () => {
    const plan = planWerfCommand(inputs({ command: 'build', kubeContext: 'prod', env: 'staging' }), {
      buildReportPath: REPORT,
      kubeConfigPath: '/tmp/kubeconfig',
      tls: { skipTlsVerifyRegistry: false, insecureRegistry: true },
    });
    expect(plan.args).toEqual([
      'build',
      '--repo',
      'registry.example.com:5000/app',
      '--insecure-registry',
      '--save-build-report',
      '--build-report-path',
      REPORT,
      '--env',
      'staging',
    ]);
  });

  it.each([
    [['--repo', 'other/app'], 'Input "args" has --repo, which the action sets from the repo input: use that instead.'],
    [
      ['--final-repo=x/y'],
      'Input "args" has --final-repo, which the action sets from the final-repo input: use that instead.',
    ],
    [
      ['--build-report-path', '/x.json'],
      'Input "args" has --build-report-path, which the action sets from the action (it reads the report): use that instead.',
    ],
    [
      ['--kube-config-base64=c2VjcmV0'],
      'Input "args" has --kube-config-base64: its value is a secret, and a command line is visible to every process on the runner and in the log; use the kube-config-base64 input.',
    ],
  ])('rejects extra args %j', (args, message) => {
    expect(checkExtraArgs(args)).toEqual([message]);
    expect(() => planWerfCommand(inputs({ args }), { buildReportPath: REPORT, tls: noTls })).toThrow(
      new ActionError(message),
    );
  });

  // werf v2's credential flags (werf/werf docs/_includes/reference/cli/werf_converge.md), each with its env twin.
  it.each([
    ['--repo-github-token', 'WERF_REPO_GITHUB_TOKEN'],
    ['--final-repo-github-token', 'WERF_FINAL_REPO_GITHUB_TOKEN'],
    ['--repo-docker-hub-password', 'WERF_REPO_DOCKER_HUB_PASSWORD'],
    ['--repo-docker-hub-token', 'WERF_REPO_DOCKER_HUB_TOKEN'],
    ['--final-repo-docker-hub-password', 'WERF_FINAL_REPO_DOCKER_HUB_PASSWORD'],
    ['--repo-harbor-password', 'WERF_REPO_HARBOR_PASSWORD'],
    ['--final-repo-quay-token', 'WERF_FINAL_REPO_QUAY_TOKEN'],
    ['--kube-token', 'WERF_KUBE_TOKEN'],
    ['--kube-auth-password', 'WERF_KUBE_AUTH_PASSWORD'],
    ['--kube-key-data', 'WERF_KUBE_KEY_DATA'],
    ['--kube-auth-provider-config', 'WERF_KUBE_AUTH_PROVIDER_CONFIG'],
    ['--secret-key', 'WERF_SECRET_KEY'],
    ['--release-storage-sql-connection', 'WERF_RELEASE_STORAGE_SQL_CONNECTION'],
  ])('refuses the credential flag %s in args (joined or as two lines) and names %s, never the value', (flag, twin) => {
    const secret = 'hunter2-s3cret-value';
    for (const args of [[`${flag}=${secret}`], [flag, secret]]) {
      const problems = checkExtraArgs(args);
      expect(problems).toEqual([
        `Input "args" has ${flag}: its value is a secret, and a command line is visible to every process on the runner and in the log; set ${twin} in the step's env instead (env: ${twin}: \${{ secrets.NAME }}), which werf reads the same way.`,
      ]);
      expect(problems.join('')).not.toContain(secret);
      expect(() => planWerfCommand(inputs({ args }), { buildReportPath: REPORT, tls: noTls })).toThrow(ActionError);
    }
  });

  it('tells credential flags from flags that only name a file or switch one off', () => {
    for (const flag of ['--kube-token', '--repo-quay-token', '--kube-auth-password', '--secret-key', '--KUBE-TOKEN'])
      expect(isSecretFlag(flag)).toBe(true);
    for (const flag of ['--kube-token-path', '--ignore-secret-key', '--secret-values', '--kube-ca-data', '--repo'])
      expect(isSecretFlag(flag)).toBe(false);
    expect(envTwin('--repo-github-token')).toBe('WERF_REPO_GITHUB_TOKEN');
  });

  it('accepts ordinary extra args', () => {
    expect(
      checkExtraArgs([
        '--platform',
        'linux/amd64',
        '--add-custom-tag=%image%-v1',
        '--dev',
        '-Z',
        '--kube-token-path=/t',
      ]),
    ).toEqual([]);
  });
});
