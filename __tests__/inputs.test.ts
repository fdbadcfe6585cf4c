import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { parseInputs, secretInputs } from '../src/inputs.js';
import { ActionError } from '../src/errors.js';
import { actionDefaults } from './support/runner.js';

const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'inputs-'));
afterAll(() => fs.rmSync(workspace, { recursive: true, force: true }));

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

/** Inputs as the runner hands them over: action.yml's defaults plus what the workflow sets. */
function source(values: Record<string, string>) {
  const all: Record<string, string> = { ...actionDefaults(), repo: 'registry.example.com:5000/app', ...values };
  return (name: string) => all[name] ?? '';
}

describe('parseInputs', () => {
  test('defaults of action.yml give a converge with verification and the repo host as the one registry', () => {
    const inputs = parseInputs(source({ username: 'ci', password: 's3cret' }), workspace);
    expect(inputs).toMatchObject({
      repo: 'registry.example.com:5000/app',
      finalRepo: '',
      command: 'converge',
      werfVersion: '2 stable',
      werfBaseUrl: 'https://tuf.werf.io',
      werfVerifySignature: true,
      verifyManifests: true,
      verifyPull: 'auto',
      nodeTrust: 'system',
      logout: true,
      summary: true,
      args: [],
      workingDirectory: workspace,
    });
    expect(inputs.registries).toEqual([
      {
        host: 'registry.example.com:5000',
        username: 'ci',
        password: 's3cret',
        caCert: '',
        skipTlsVerify: false,
        insecureRegistry: false,
      },
    ]);
  });

  test('repo and final-repo on two hosts are two registries with the same credentials; one host is one', () => {
    const two = parseInputs(
      source({ 'final-repo': 'index.docker.io/team/app', username: 'u', password: 'p' }),
      workspace,
    );
    expect(two.registries.map((r) => [r.host, r.username])).toEqual([
      ['registry.example.com:5000', 'u'],
      ['docker.io', 'u'],
    ]);
    const one = parseInputs(source({ 'final-repo': 'registry.example.com:5000/final' }), workspace);
    expect(one.registries.map((r) => r.host)).toEqual(['registry.example.com:5000']);
  });

  test('the registries list: per-entry settings, top-level TLS as the default, missing repo hosts added anonymously', () => {
    const inputs = parseInputs(
      source({
        'final-repo': 'ghcr.io/team/app',
        'ca-cert': PEM,
        registries: [
          '- registry: registry.example.com:5000',
          '  username: ci',
          '  password: "p: w"',
          '- registry: plain.internal:5080',
          '  insecure-registry: true',
          '  ca-cert: ""',
        ].join('\n'),
      }),
      workspace,
    );
    expect(inputs.registries).toEqual([
      {
        host: 'registry.example.com:5000',
        username: 'ci',
        password: 'p: w',
        caCert: PEM.trim(),
        skipTlsVerify: false,
        insecureRegistry: false,
      },
      {
        host: 'plain.internal:5080',
        username: '',
        password: '',
        caCert: '',
        skipTlsVerify: false,
        insecureRegistry: true,
      },
      {
        host: 'ghcr.io',
        username: '',
        password: '',
        caCert: PEM.trim(),
        skipTlsVerify: false,
        insecureRegistry: false,
      },
    ]);
  });

  test('registries values stay the text written: digits, exponents and long tokens are not numbers', () => {
    const inputs = parseInputs(
      source({
        repo: 'r.example.com/app',
        registries:
          '- registry: r.example.com\n  username: 007\n  password: 123456789012345678901234\n  skip-tls-verify: True',
      }),
      workspace,
    );
    expect(inputs.registries[0]).toMatchObject({
      username: '007',
      password: '123456789012345678901234',
      skipTlsVerify: true,
    });
  });

  test('a repo host written in capitals or as a Docker Hub alias matches its registries entry (credentials kept)', () => {
    const inputs = parseInputs(
      source({
        repo: 'Registry.Example.com/app',
        'final-repo': 'index.docker.io/team/app',
        registries:
          '- registry: registry.example.com\n  username: u\n  password: p\n- registry: docker.io\n  username: hub\n  password: t',
      }),
      workspace,
    );
    expect(inputs.registries.map((r) => [r.host, r.username])).toEqual([
      ['registry.example.com', 'u'],
      ['docker.io', 'hub'],
    ]);
  });

  test("the top-level TLS settings reach every private registry, never Docker Hub's", () => {
    const inputs = parseInputs(
      source({ repo: 'lan:5000/app/stages', 'final-repo': 'index.docker.io/me/app', 'insecure-registry': 'true' }),
      workspace,
    );
    expect(inputs.registries.map((r) => [r.host, r.insecureRegistry])).toEqual([
      ['lan:5000', true],
      ['docker.io', false],
    ]);
  });

  test('a registries entry that turns verification off takes no top-level ca-cert (no contradiction it did not write)', () => {
    const inputs = parseInputs(
      source({
        repo: 'reg.example.com/app',
        'ca-cert': PEM,
        registries: '- registry: reg.example.com\n- registry: lan:5000\n  insecure-registry: true',
      }),
      workspace,
    );
    expect(inputs.registries.map((r) => [r.host, r.caCert !== '', r.insecureRegistry])).toEqual([
      ['reg.example.com', true, false],
      ['lan:5000', false, true],
    ]);
  });

  test('ca-cert as a path is read; args are one per line, blank lines dropped, never split on spaces', () => {
    const caFile = path.join(workspace, 'ca.pem');
    fs.writeFileSync(caFile, PEM);
    const inputs = parseInputs(
      source({ 'ca-cert': 'ca.pem', args: '--platform=linux/amd64\n\n  --add-custom-tag=a b  \n' }),
      workspace,
    );
    expect(inputs.caCert).toBe(PEM);
    expect(inputs.args).toEqual(['--platform=linux/amd64', '--add-custom-tag=a b']);
  });

  test('booleans follow the YAML 1.2 core schema like core.getBooleanInput', () => {
    for (const [raw, value] of [
      ['true', true],
      ['True', true],
      ['TRUE', true],
      ['false', false],
      ['False', false],
      ['FALSE', false],
    ] as const) {
      expect(parseInputs(source({ summary: raw }), workspace).summary).toBe(value);
    }
  });

  test('every problem is reported at once, in one ActionError', () => {
    let error: unknown;
    try {
      parseInputs(source({ repo: '', command: 'deploy', summary: 'yes' }), workspace);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ActionError);
    expect((error as Error).message).toBe(
      '3 inputs are wrong: Input "repo" is required: the werf stages repository, e.g. registry.example.com/app. ' +
        'Input "command" must be one of converge, build, not "deploy". ' +
        'Input "summary" must be true or false (YAML 1.2 core schema), not "yes".',
    );
  });
});

describe('secretInputs', () => {
  test('finds the password, every password of the registries list and the kubeconfig, encoded and decoded', () => {
    const kube = Buffer.from('apiVersion: v1\nusers: [{token: abc}]').toString('base64');
    const secrets = secretInputs(
      source({
        password: 'top',
        'kube-config-base64': kube,
        registries: '- registry: a.example.com\n  username: u\n  password: listed\n- {registry: b.example.com}',
      }),
    );
    expect(secrets).toEqual(['top', kube, 'listed', 'apiVersion: v1\nusers: [{token: abc}]']);
  });

  test('each credential line of the kubeconfig is a secret of its own, so a log line that shows one is masked', () => {
    const text = [
      'apiVersion: v1',
      'users:',
      '- name: ci',
      '  user:',
      '    token: "eyJhbGciOi.secret-token"',
      '    client-key-data: LS0tLS1CRUdJTiBSU0E=',
      '    password: hunter2',
      '    auth-provider: {config: {}}',
      '      client-secret: oidc-client-secret',
      '        "token": "json-token-value",',
    ].join('\n');
    const secrets = secretInputs(source({ 'kube-config-base64': Buffer.from(text).toString('base64') }));
    expect(secrets).toEqual(
      expect.arrayContaining([
        text,
        'eyJhbGciOi.secret-token',
        'LS0tLS1CRUdJTiBSU0E=',
        'hunter2',
        'oidc-client-secret',
        'json-token-value',
      ]),
    );
    expect(secrets).not.toContain('v1');
  });

  test('a registries value that is not YAML yields no secrets from it and does not throw', () => {
    expect(secretInputs(source({ registries: '- [unclosed' }))).toEqual([]);
  });
});
