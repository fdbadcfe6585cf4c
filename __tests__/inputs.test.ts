import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, test } from '@jest/globals';
import yaml from 'js-yaml';
import { parseInputs, secretInputs } from '../src/inputs.js';
import { ActionError } from '../src/errors.js';
import { actionDefaults } from './support/runner.js';
import { ONE_LINE_INPUTS } from './support/inputs.js';

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
    expect(secrets).toEqual(
      expect.arrayContaining(['top', kube, 'listed', 'apiVersion: v1\nusers: [{token: abc}]', 'abc']),
    );
    for (const plain of ['u', 'a.example.com', 'b.example.com', 'v1', 'registry']) expect(secrets).not.toContain(plain);
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

  // One kubeconfig's credentials written every way YAML and JSON allow: each is found on its own.
  const KUBE_SECRETS = {
    token: 'tok-3f9a1c',
    password: 'pw-77e2b0',
    keyData: 'a2V5LWRhdGEtOWQx',
    idToken: 'idt-5c0e44',
    refresh: 'rft-a81f20',
    clientSecret: 'cs-19be7d',
    execEnv: 'env-value-4b2e',
    execArg: 'arg-token-e61d',
    execJoined: 'joined-secret-0c3a',
  };
  const kubeconfigObject = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'c', cluster: { server: 'https://k.example.com', 'certificate-authority-data': 'Q0EtZGF0YQ==' } },
    ],
    users: [
      { name: 'a', user: { token: KUBE_SECRETS.token, username: 'deployer', password: KUBE_SECRETS.password } },
      { name: 'b', user: { 'client-key-data': KUBE_SECRETS.keyData, 'client-key': '/path/key.pem' } },
      {
        name: 'c',
        user: {
          'auth-provider': {
            name: 'oidc',
            config: {
              'id-token': KUBE_SECRETS.idToken,
              'refresh-token': KUBE_SECRETS.refresh,
              'client-secret': KUBE_SECRETS.clientSecret,
            },
          },
        },
      },
      {
        name: 'd',
        user: {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1',
            command: 'get-token',
            args: ['--cluster', 'prod', '--token', KUBE_SECRETS.execArg, `--client-secret=${KUBE_SECRETS.execJoined}`],
            env: [{ name: 'PLUGIN_API_KEY', value: KUBE_SECRETS.execEnv }],
          },
        },
      },
    ],
  };
  test.each([
    ['block YAML', yaml.dump(kubeconfigObject)],
    ['flow-style YAML', yaml.dump(kubeconfigObject, { flowLevel: 0 })],
    ['minified JSON', JSON.stringify(kubeconfigObject)],
    ['indented JSON', JSON.stringify(kubeconfigObject, null, 2)],
    ['YAML with every value quoted', yaml.dump(kubeconfigObject, { forceQuotes: true, quotingType: '"' })],
  ])('kubeconfig as %s: every credential is masked on its own, nothing else', (_style, text) => {
    const secrets = secretInputs(source({ 'kube-config-base64': Buffer.from(text).toString('base64') }));
    expect(secrets).toEqual(expect.arrayContaining(Object.values(KUBE_SECRETS)));
    for (const plain of ['deployer', 'prod', 'get-token', 'https://k.example.com', 'Q0EtZGF0YQ==', 'oidc', 'v1'])
      expect(secrets).not.toContain(plain);
  });

  test('a kubeconfig that is not YAML still has its credentials found by pattern', () => {
    const text = 'users: [{user: {token: "broken-1a2b", password: pw-3c4d}\n  "client-key-data": "kd-5e6f",';
    const secrets = secretInputs(source({ 'kube-config-base64': Buffer.from(text).toString('base64') }));
    expect(secrets).toEqual(expect.arrayContaining(['broken-1a2b', 'pw-3c4d', 'kd-5e6f']));
  });

  test('a registries value that is not YAML still has its passwords masked, found in the text before parsing', () => {
    // The classic case: `password: ${{ secrets.X }}` unquoted, and the secret starts with a YAML indicator.
    const secrets = secretInputs(
      source({ registries: '- registry: r.example.com\n  username: u\n  password: *s3cr3t-alias\n- [unclosed' }),
    );
    expect(secrets).toEqual(expect.arrayContaining(['*s3cr3t-alias']));
    expect(secrets).not.toContain('u');
    const flow = secretInputs(source({ registries: '- {registry: r.example.com, password: "!tagged,pw", user: [' }));
    expect(flow).toEqual(expect.arrayContaining(['!tagged,pw']));
  });

  test('a password written as a YAML block scalar: its text is masked, the `|` header is not', () => {
    const secrets = secretInputs(
      source({ registries: '- registry: r.example.com\n  username: ci\n  password: |-\n    block-pw-77\n' }),
    );
    expect(secrets).toEqual(expect.arrayContaining(['block-pw-77']));
    expect(secrets).not.toContain('|-');
  });

  test('the password as written and as used (without the line break a YAML block scalar adds)', () => {
    expect(secretInputs(source({ password: '  spaced pw \n' }))).toEqual(
      expect.arrayContaining(['  spaced pw \n', '  spaced pw ']),
    );
  });
});

// Passwords that break YAML, in the places users put them; none may be repeated by the error, and each is found by
// secretInputs before anything parses, so that the runner masks it anyway.
describe('input errors never repeat a secret', () => {
  const hostile = [
    '*starts-with-star',
    '!starts-with-bang',
    '&anchor-secret',
    '[bracket-secret',
    '{brace-secret',
    '"unclosed-quote',
    "'single-unclosed",
    '@at-secret',
    '`backtick-secret',
    '%percent-secret',
    'tab\tinside: colon',
    'colon: inside',
    '- dash-secret',
    '|pipe-secret',
    '>gt-secret',
  ];
  test.each(hostile)('password %j written unquoted into registries', (password) => {
    const registries = `- registry: r.example.com\n  username: ci\n  password: ${password}\n- registry: s.example.com`;
    let message = '';
    try {
      parseInputs(source({ registries }), workspace);
    } catch (err) {
      message = `${(err as Error).message}\n${(err as ActionError).details ?? ''}`;
    }
    const core = password.replace(/^[-*!&[{"'@`%|> ]+/, '');
    expect(message).not.toContain(core.slice(0, 8));
    if (message !== '\n') {
      expect(message).toMatch(/line \d+, column \d+|must|registries/);
      expect(secretInputs(source({ registries }))).toEqual(expect.arrayContaining([expect.stringContaining(core)]));
    }
  });

  test('a YAML error says the line and column and what is wrong', () => {
    expect(() =>
      parseInputs(source({ registries: '- registry: r.example.com\n  username: ci\n  password: *s3cret' }), workspace),
    ).toThrow(
      'Input "registries" is not valid YAML at line 3, column 20: a value that starts with "*" is read as a YAML alias: quote it. It must be a list of "- registry: host[:port]" entries; write a password as "password: ${{ toJSON(secrets.NAME) }}" so that any character in it is kept.',
    );
  });

  test('a kubeconfig that does not decode to YAML: line and column, nothing of its text', () => {
    const text = 'users:\n- user:\n    token: *kube-s3cret-token';
    expect(() =>
      parseInputs(source({ 'kube-config-base64': Buffer.from(text).toString('base64') }), workspace),
    ).toThrow(
      /^Input "kube-config-base64" does not decode to a kubeconfig: the decoded text is not valid YAML at line 3, column 30: a value that starts with "\*"/,
    );
  });

  test('an unknown key that does not look like a name is not shown', () => {
    expect(() =>
      parseInputs(source({ registries: '- registry: r.example.com\n  "p4ss w0rd secret": x' }), workspace),
    ).toThrow(
      'Input registries[0] has unknown keys a key that is not a name: allowed are registry, username, password, ca-cert, skip-tls-verify, insecure-registry.',
    );
  });
});

describe('passwords are kept as written', () => {
  test('spaces around the password stay; only the line break a YAML block scalar adds is dropped', () => {
    expect(parseInputs(source({ username: 'ci', password: '  pw with spaces\t ' }), workspace).password).toBe(
      '  pw with spaces\t ',
    );
    expect(parseInputs(source({ username: 'ci', password: 'block-scalar\n' }), workspace).password).toBe(
      'block-scalar',
    );
    const listed = parseInputs(
      source({ registries: '- registry: r.example.com\n  username: ci\n  password: " quoted "\n' }),
      workspace,
    );
    expect(listed.registries[0]?.password).toBe(' quoted ');
    const block = parseInputs(
      source({ registries: '- registry: r.example.com\n  username: ci\n  password: |\n    from-block\n' }),
      workspace,
    );
    expect(block.registries[0]?.password).toBe('from-block');
  });

  test('a password with a line break inside, or of an absurd size, is refused without showing it', () => {
    const huge = 'x'.repeat(120 * 1024);
    for (const [name, values] of [
      ['"password"', { username: 'ci', password: `line-one-S3CR3T\nline-two` }],
      ['"password"', { username: 'ci', password: huge }],
      [
        'registries[0].password',
        { registries: `- registry: r.example.com\n  username: ci\n  password: ${JSON.stringify('a\nb-S3CR3T')}` },
      ],
      ['registries[0].password', { registries: `- registry: r.example.com\n  username: ci\n  password: ${huge}` }],
    ] as const) {
      let message = '';
      try {
        parseInputs(source(values), workspace);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(new RegExp(`^Input ${name.replace(/[[\]]/g, '\\$&')} (has a line break|is 120 KiB)`));
      expect(message).not.toMatch(/S3CR3T|line-|xxxx/);
    }
    // Right at the bound is fine.
    expect(parseInputs(source({ username: 'ci', password: 'y'.repeat(16 * 1024) }), workspace).password).toHaveLength(
      16 * 1024,
    );
  });
});

// Every one-line input (support/inputs.ts): a line break in it (LF, CRLF or a CR alone, which the runner also splits
// at) is an input error that shows the value JSON-quoted, so it starts no line of its own.
describe('one-line inputs', () => {
  test('action.yml has no other input that is one line', () => {
    const multiLine = ['password', 'registries', 'ca-cert', 'werf-signing-key', 'args', 'kube-config-base64'];
    expect(Object.keys(actionDefaults()).sort()).toEqual([...ONE_LINE_INPUTS, ...multiLine].sort());
  });

  test.each(ONE_LINE_INPUTS.flatMap((name) => ['\n', '\r\n', '\r'].map((br) => [name, br] as const)))(
    '%s with %j inside is one input error that quotes it',
    (name, br) => {
      const value = `prod${br}::set-output name=verified::true`;
      let message = '';
      try {
        parseInputs(source({ [name]: value, ...(name === 'username' ? { password: 'pw' } : {}) }), workspace);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toContain(`Input "${name}" must be one line, but it has a line break: ${JSON.stringify(value)}.`);
      expect(message).not.toMatch(/[\r\n]/);
      // One problem for it, not a second one about the same value.
      expect(message.split(JSON.stringify(value)).length - 1).toBe(1);
    },
  );

  test('werf-base-url: an http(s) URL that can be logged, no query, fragment or brackets; a password in it is masked', () => {
    for (const ok of ['https://tuf.werf.io', 'http://mirror.lan:8080/werf/', 'https://[::1]:8443/tuf'])
      expect(parseInputs(source({ 'werf-base-url': ok }), workspace).werfBaseUrl).toBe(ok.replace(/\/+$/, ''));
    for (const bad of [
      'ftp://m/werf',
      'https://m/x?y=1',
      'https://m/##[set-output name=verified;]true',
      'https://m/a b',
      'mirror.lan/werf',
    ]) {
      expect(() => parseInputs(source({ 'werf-base-url': bad }), workspace)).toThrow(
        /^Input "werf-base-url" must be an http\(s\) URL without a query or fragment, not ".*"\.$/,
      );
    }
    expect(secretInputs(source({ 'werf-base-url': 'https://ci:m1rr0r%2Fpw@mirror.lan/werf' }))).toEqual(
      expect.arrayContaining(['m1rr0r%2Fpw', 'm1rr0r/pw']),
    );
  });

  test('args: a carriage return inside an argument is refused', () => {
    expect(() => parseInputs(source({ args: '--platform=linux/amd64\r::error::x' }), workspace)).toThrow(
      'Input "args" has a carriage return inside argument 1: give one argument per line, ending lines with a line feed only.',
    );
  });
});

describe('files named by ca-cert and werf-signing-key', () => {
  const fifo = path.join(workspace, 'fifo.pem');
  test.each([
    ['/dev/zero', 'it is a device, not a regular file'],
    ['.', 'it is a directory, not a regular file'],
    ['fifo.pem', 'it is a FIFO (named pipe), not a regular file'],
    ['huge.pem', 'it is larger than 1 MiB'],
    ['missing.pem', 'there is no such file'],
  ])('%s is a clear input error, read without hanging', (value, why) => {
    if (value === 'fifo.pem' && !fs.existsSync(fifo)) execFileSync('mkfifo', [fifo]);
    if (value === 'huge.pem') fs.writeFileSync(path.join(workspace, value), Buffer.alloc(1024 * 1024 + 1, 0x41));
    for (const [input, label] of [
      ['ca-cert', 'CERTIFICATE'],
      ['werf-signing-key', 'PGP PUBLIC KEY BLOCK'],
    ]) {
      expect(() => parseInputs(source({ [input as string]: value }), workspace)).toThrow(
        `Input "${input}" is neither PEM text (-----BEGIN ${label}-----) nor a readable file: ${JSON.stringify(value)} (${why}).`,
      );
    }
  });

  test('a long or multi-line value that is neither PEM nor a file is described, not repeated', () => {
    const pasted = `MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQ-private\n${'A'.repeat(300)}`;
    expect(() => parseInputs(source({ 'ca-cert': 'A'.repeat(5000) }), workspace)).toThrow(
      'Input "ca-cert" is neither PEM text (-----BEGIN CERTIFICATE-----) nor a readable file: (a value of 5000 characters, not shown) (the name is too long for a path).',
    );
    expect(() => parseInputs(source({ 'ca-cert': pasted }), workspace)).toThrow(
      'Input "ca-cert" is neither PEM text (-----BEGIN CERTIFICATE-----) nor a path: (a value of 359 characters on 2 lines, not shown).',
    );
  });
});
