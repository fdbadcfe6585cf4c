import { describe, expect, it } from '@jest/globals';
import { ActionError } from '../../src/errors.js';
import { WERF_TUF_ROOT, type Inputs } from '../../src/inputs.js';
import { checkExtraArgs, planWerfCommand } from '../../src/werf/argv.js';

function inputs(overrides: Partial<Inputs> = {}): Inputs {
  return {
    repo: 'registry.example.com:5000/app',
    finalRepo: '',
    username: '',
    password: '',
    registries: [],
    caCert: '',
    skipTlsVerify: false,
    insecureRegistry: false,
    command: 'converge',
    args: [],
    env: '',
    kubeConfigBase64: '',
    kubeContext: '',
    workingDirectory: '/srv/ci/shop/app',
    werfVersion: '2 stable',
    werfPath: '',
    werfBaseUrl: 'https://tuf.werf.io',
    werfVerifySignature: true,
    werfTufRoot: WERF_TUF_ROOT,
    werfSigningKey: '',
    verifyManifests: true,
    verifyPull: 'auto',
    nodeTrust: 'system',
    imagePullSecret: '',
    dockerDaemon: 'off',
    logout: true,
    summary: true,
    ...overrides,
  };
}
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
      'Input "args" has --kube-config-base64: its value is a secret and a command line is visible to every process on the runner; use kube-config-base64, or werf\'s environment variable for it.',
    ],
  ])('rejects extra args %j', (args, message) => {
    expect(checkExtraArgs(args)).toEqual([message]);
    expect(() => planWerfCommand(inputs({ args }), { buildReportPath: REPORT, tls: noTls })).toThrow(
      new ActionError(message),
    );
  });

  it('accepts ordinary extra args', () => {
    expect(checkExtraArgs(['--platform', 'linux/amd64', '--add-custom-tag=%image%-v1', '--dev', '-Z'])).toEqual([]);
  });
});
