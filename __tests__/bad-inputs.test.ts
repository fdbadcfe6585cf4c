// Bad inputs through the committed bundle and the runner emulation (mock GitHub): each gets its one exact error line,
// and nothing ran (the werf double saw no call) and nothing was written (no outputs, no env, no files, no state).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { filesBelow, makeScenario, type Scenario } from './support/scenario.js';

let s: Scenario;
let caPath: string;
beforeAll(() => {
  s = makeScenario();
  caPath = path.join(s.workspace, 'ca.pem');
  fs.writeFileSync(caPath, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
});
afterAll(() => s.remove());

const R = 'registry.example.com:5000/app';
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';

// [what is wrong, the inputs, the exact message]
const cases: Array<[string, Record<string, string>, string | RegExp]> = [
  ['empty repo', { repo: '' }, 'Input "repo" is required: the werf stages repository, e.g. registry.example.com/app.'],
  [
    'final-repo with :latest',
    { repo: R, 'final-repo': 'index.docker.io/user/app:latest' },
    'final-repo "index.docker.io/user/app:latest" must not contain a tag: werf tags final images itself; use "index.docker.io/user/app"',
  ],
  [
    'repo with a tag after a port',
    { repo: 'registry.example.com:5000/app:v1' },
    'repo "registry.example.com:5000/app:v1" must not contain a tag: werf tags the images it stores there itself; use "registry.example.com:5000/app"',
  ],
  [
    'repo with a digest',
    { repo: `${R}@sha256:${'a'.repeat(64)}` },
    `repo "${R}@sha256:${'a'.repeat(64)}" must not contain a digest: a digest names one image, and werf needs the repository the images go to; use "${R}"`,
  ],
  [
    'repo with a scheme',
    { repo: `https://${R}` },
    `repo "https://${R}" must not contain a scheme: werf picks HTTPS itself (set insecure-registry: true for a plain-HTTP registry); use "${R}"`,
  ],
  [
    'final-repo with a scheme',
    { repo: R, 'final-repo': 'http://plain.internal:5080/app' },
    'final-repo "http://plain.internal:5080/app" must not contain a scheme: werf picks HTTPS itself (set insecure-registry: true for a plain-HTTP registry); use "plain.internal:5080/app"',
  ],
  [
    'repo in upper case',
    { repo: 'registry.example.com/Team/App' },
    'repo "registry.example.com/Team/App" must be lowercase: repository paths allow no uppercase letters; use "registry.example.com/team/app"',
  ],
  [
    'repo with a space inside',
    { repo: 'registry.example.com/my app' },
    'repo "registry.example.com/my app" contains whitespace',
  ],
  [
    'repo with a trailing slash',
    { repo: 'registry.example.com/app/' },
    'repo "registry.example.com/app/" must not end with "/"; use "registry.example.com/app"',
  ],
  [
    'repo that is only a host',
    { repo: 'registry.example.com:5000' },
    'repo "registry.example.com:5000" names a registry but no repository in it: add the repository path; for example "registry.example.com:5000/app"',
  ],
  [
    'repo path over 255 characters',
    { repo: `registry.example.com/${'a'.repeat(256)}` },
    `repo "registry.example.com/${'a'.repeat(256)}" has a repository path of 256 characters; the limit is 255`,
  ],
  [
    'skip-tls-verify: yes',
    { repo: R, 'skip-tls-verify': 'yes' },
    'Input "skip-tls-verify" must be true or false (YAML 1.2 core schema), not "yes".',
  ],
  [
    'insecure-registry: 1',
    { repo: R, 'insecure-registry': '1' },
    'Input "insecure-registry" must be true or false (YAML 1.2 core schema), not "1".',
  ],
  ['logout: on', { repo: R, logout: 'on' }, 'Input "logout" must be true or false (YAML 1.2 core schema), not "on".'],
  [
    'summary: tRUE',
    { repo: R, summary: 'tRUE' },
    'Input "summary" must be true or false (YAML 1.2 core schema), not "tRUE".',
  ],
  [
    'verify-manifests: no',
    { repo: R, 'verify-manifests': 'no' },
    'Input "verify-manifests" must be true or false (YAML 1.2 core schema), not "no".',
  ],
  [
    'werf-verify-signature: 0',
    { repo: R, 'werf-verify-signature': '0' },
    'Input "werf-verify-signature" must be true or false (YAML 1.2 core schema), not "0".',
  ],
  ['command: deploy', { repo: R, command: 'deploy' }, 'Input "command" must be one of converge, build, not "deploy".'],
  [
    'verify-pull: always',
    { repo: R, 'verify-pull': 'always' },
    'Input "verify-pull" must be one of off, registry, cluster, auto, not "always".',
  ],
  [
    'node-trust: ca',
    { repo: R, 'node-trust': 'ca' },
    'Input "node-trust" must be one of system, ca-cert, skip-verify, not "ca".',
  ],
  [
    'node-trust: ca-cert without a CA',
    { repo: R, 'node-trust': 'ca-cert' },
    'Input "node-trust" is ca-cert but no "ca-cert" is given: pass the CA that the nodes trust.',
  ],
  [
    'username without password',
    { repo: R, username: 'ci' },
    'Input "username" is set but "password" is empty: set both or neither.',
  ],
  [
    'password without username',
    { repo: R, password: 'pw' },
    'Input "password" is set but "username" is empty: set both or neither.',
  ],
  [
    'registries is not YAML',
    { repo: R, registries: '- [unclosed' },
    'Input "registries" is not valid YAML at line 2, column 1: a "[" or "{" opens a YAML list or mapping that is not closed: quote a value that starts with one. It must be a list of "- registry: host[:port]" entries; write a password as "password: ${{ toJSON(secrets.NAME) }}" so that any character in it is kept.',
  ],
  [
    'registries is a mapping',
    { repo: R, registries: 'registry: r.example.com' },
    'Input "registries" must be a YAML list, e.g. "- registry: registry.example.com:5000".',
  ],
  [
    'registries entry without registry',
    { repo: R, registries: '- username: u\n  password: p' },
    'Input registries[0].registry is required: host[:port] of the registry.',
  ],
  [
    'registries entry with a scheme',
    { repo: R, registries: '- registry: https://r.example.com/v2/' },
    'Input registries[0].registry must be host[:port] without a scheme: use "r.example.com".',
  ],
  [
    'registries entry with an unknown key',
    { repo: R, registries: '- registry: r.example.com\n  user: u' },
    'Input registries[0] has unknown keys user: allowed are registry, username, password, ca-cert, skip-tls-verify, insecure-registry.',
  ],
  [
    'registries with username too',
    { repo: R, username: 'u', password: 'p', registries: '- registry: r.example.com' },
    'Inputs "registries" and "username"/"password" exclude each other: put the credentials into the list entries.',
  ],
  [
    'registries entry with username only',
    { repo: R, registries: '- registry: r.example.com\n  username: u' },
    'Input registries[0] must have both "username" and "password", or neither.',
  ],
  [
    'registries naming a host twice',
    { repo: R, registries: '- registry: r.example.com\n- registry: R.example.com' },
    'Input registries[1] names r.example.com a second time.',
  ],
  [
    'registries entry with skip-tls-verify: "yes"',
    { repo: R, registries: '- registry: r.example.com\n  skip-tls-verify: "yes"' },
    'Input registries[0].skip-tls-verify must be true or false, not "yes".',
  ],
  [
    'ca-cert neither PEM nor a file',
    { repo: R, 'ca-cert': 'certs/missing.pem' },
    'Input "ca-cert" is neither PEM text (-----BEGIN CERTIFICATE-----) nor a readable file: "certs/missing.pem" (there is no such file).',
  ],
  [
    'ca-cert with skip-tls-verify',
    { repo: R, 'ca-cert': PEM, 'skip-tls-verify': 'true' },
    'Inputs "ca-cert" and "skip-tls-verify" contradict each other: with the CA the certificate can be verified, so drop skip-tls-verify.',
  ],
  [
    'ca-cert with insecure-registry',
    { repo: R, 'ca-cert': PEM, 'insecure-registry': 'true' },
    'Inputs "ca-cert" and "insecure-registry" contradict each other: a plain-HTTP registry has no certificate; drop one of them.',
  ],
  [
    'kube-config-base64 not base64',
    { repo: R, 'kube-config-base64': 'apiVersion: v1' },
    'Input "kube-config-base64" is not base64: encode the kubeconfig with `base64 -w0 ~/.kube/config`.',
  ],
  [
    'working-directory missing',
    { repo: R, 'working-directory': 'no-such-dir' },
    /^Input "working-directory" names "\/.*\/workspace\/no-such-dir", which is not a directory\.$/,
  ],
  [
    'werf-version 3 stable',
    { repo: R, 'werf-version': '3 stable' },
    'Input "werf-version" must be "GROUP CHANNEL" (groups 1.2, 2; channels alpha, beta, ea, stable, rock-solid) or an exact version like 2.75.3, not "3 stable".',
  ],
  [
    'werf-version latest',
    { repo: R, 'werf-version': 'latest' },
    'Input "werf-version" must be "GROUP CHANNEL" (groups 1.2, 2; channels alpha, beta, ea, stable, rock-solid) or an exact version like 2.75.3, not "latest".',
  ],
  [
    'werf-base-url ftp',
    { repo: R, 'werf-base-url': 'ftp://mirror.internal/werf' },
    'Input "werf-base-url" must be an http(s) URL without a query or fragment, not "ftp://mirror.internal/werf".',
  ],
  [
    'image-pull-secret with capitals',
    { repo: R, 'image-pull-secret': 'My_Secret' },
    'Input "image-pull-secret" must be a Kubernetes secret name (lowercase, digits, "-", "."), not "My_Secret".',
  ],
  [
    'werf-signing-key neither key nor file',
    { repo: R, 'werf-signing-key': 'keys/werf.asc' },
    'Input "werf-signing-key" is neither PEM text (-----BEGIN PGP PUBLIC KEY BLOCK-----) nor a readable file: "keys/werf.asc" (there is no such file).',
  ],
  [
    'args setting --repo',
    { repo: R, args: '--repo=other.example.com/app' },
    'Input "args" has --repo, which the action sets from the repo input: use that instead.',
  ],
  [
    'verify-pull cluster with command build',
    { repo: R, command: 'build', 'verify-pull': 'cluster' },
    'Input "verify-pull" is cluster but "command" is build: nothing is deployed, so no probe pods can run; use verify-pull: registry.',
  ],
  [
    'verify-pull cluster without a kubeconfig',
    { repo: R, 'verify-pull': 'cluster' },
    'Input "verify-pull" is cluster but "kube-config-base64" is empty and no KUBECONFIG or ~/.kube/config is set up: the probe pods need the cluster; pass the kubeconfig or use verify-pull: registry.',
  ],
  [
    'args with --kube-config-base64',
    { repo: R, args: '--kube-config-base64=YQ==' },
    'Input "args" has --kube-config-base64: its value is a secret, and a command line is visible to every process on the runner and in the log; use the kube-config-base64 input.',
  ],
  [
    'a password of 120 KiB',
    { repo: R, username: 'ci', password: 'p'.repeat(120 * 1024) },
    'Input "password" is 120 KiB, more than the 16 KiB a password or token may have here: registries refuse an Authorization header that large; check that the right secret is passed.',
  ],
  [
    'ca-cert: /dev/zero',
    { repo: R, 'ca-cert': '/dev/zero' },
    'Input "ca-cert" is neither PEM text (-----BEGIN CERTIFICATE-----) nor a readable file: "/dev/zero" (it is a device, not a regular file).',
  ],
  [
    'an unquoted registries password that YAML reads as an alias',
    { repo: R, registries: '- registry: r.example.com\n  username: ci\n  password: *Alias-S3cret' },
    'Input "registries" is not valid YAML at line 3, column 26: a value that starts with "*" is read as a YAML alias: quote it. It must be a list of "- registry: host[:port]" entries; write a password as "password: ${{ toJSON(secrets.NAME) }}" so that any character in it is kept.',
  ],
  [
    'args with --repo-github-token',
    { repo: R, args: '--repo-github-token=ghp_S3cretToken' },
    'Input "args" has --repo-github-token: its value is a secret, and a command line is visible to every process on the runner and in the log; set WERF_REPO_GITHUB_TOKEN in the step\'s env instead (env: WERF_REPO_GITHUB_TOKEN: ${{ secrets.NAME }}), which werf reads the same way.',
  ],
  [
    'env with a line break',
    { repo: R, env: 'prod\n::set-output name=verified::true' },
    'Input "env" must be one line, but it has a line break: "prod\\n::set-output name=verified::true".',
  ],
];

test('the table has at least 30 distinct bad inputs', () => {
  expect(new Set(cases.map((c) => c[0])).size).toBeGreaterThanOrEqual(30);
});

test.each(cases)('%s: one clear error, nothing ran, nothing written', async (_what, inputs, message) => {
  const job = await s.run(inputs, { post: true });
  try {
    expect(job.main.exitCode).toBe(1);
    const errors = job.main.annotations.filter((a) => a.level === 'error');
    expect(errors).toHaveLength(1);
    const got = errors[0]?.message ?? '';
    if (typeof message === 'string') expect(got).toBe(message);
    else expect(got).toMatch(message);
    // Nothing ran: werf was not even asked its version; nothing written: outputs, env, path, files.
    expect(s.werfCalls()).toEqual([]);
    expect(job.main.outputs).toEqual({});
    expect(job.main.exportedEnv).toEqual({});
    expect(job.main.addedPath).toEqual([]);
    expect(job.main.summary).toBe('');
    expect(Object.keys(job.main.state)).toEqual(['isPost']);
    expect(filesBelow(job.runnerTemp).filter((f) => !f.startsWith('_runner_file_commands'))).toEqual([]);
    expect(job.post?.exitCode).toBe(0);
    // A secret given in a bad input is never shown: not in the error, not anywhere in the log.
    const shown = job
      .everything()
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n');
    for (const secret of ['S3cret', 'p'.repeat(64)]) expect(shown.includes(secret)).toBe(false);
  } finally {
    job.cleanup();
  }
});
