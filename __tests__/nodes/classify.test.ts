/**
 * The pure parts of the node pull check: the classifier on the messages runtimes and the kubelet print (containerd's
 * own texts are also classified live in registry-check-vs-containerd.test.ts), probe status reading, platform
 * matching and the summary table.
 */
import { describe, expect, test } from '@jest/globals';
import { classifyPullError, type PullCause } from '../../src/nodes/index.js';
import { markdownCell, renderPullTable } from '../../src/summary.js';
import { platformMatches } from '../../src/nodes/platform.js';
import { probeOutcomes } from '../../src/nodes/probe-status.js';
import { RegistryError } from '../../src/registry/index.js';

const D = `sha256:${'0f'.repeat(32)}`;
const REF = `reg.example.com:5443/app@${D}`;
const ctx = { host: 'reg.example.com:5443', imagePullSecret: '' };

// Messages as the kubelet (containerd, CRI-O, Docker via cri-dockerd) and ctr print them.
const cases: Array<[string, string, PullCause, string]> = [
  [
    'kubelet/containerd x509',
    `Failed to pull image "${REF}": rpc error: code = Unknown desc = failed to pull and unpack image "${REF}": failed to resolve reference "${REF}": failed to do request: Head "https://reg.example.com:5443/v2/app/manifests/${D}": tls: failed to verify certificate: x509: certificate signed by unknown authority`,
    'unknown-authority',
    'not-pullable',
  ],
  [
    'ctr HTTP registry',
    `ctr: failed to resolve reference "${REF}": failed to do request: Head "https://reg.example.com:5443/v2/app/manifests/${D}": http: server gave HTTP response to HTTPS client`,
    'http-registry',
    'not-pullable',
  ],
  [
    'ctr HTTP spoken to TLS',
    `ctr: failed to resolve reference "${REF}": pulling from host reg.example.com:5443 failed with status code [manifests ${D}]: 400 Bad Request`,
    'https-registry',
    'not-pullable',
  ],
  [
    'containerd 401',
    `rpc error: code = Unknown desc = failed to pull and unpack image "${REF}": failed to resolve reference "${REF}": pulling from host reg.example.com:5443 failed with status code [manifests ${D}]: 401 Unauthorized`,
    'unauthorized',
    'needs-credentials',
  ],
  [
    'containerd token',
    `failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://auth.example.com/token?scope=repository%3Aapp%3Apull&service=reg: 401 Unauthorized`,
    'unauthorized',
    'needs-credentials',
  ],
  [
    'docker pull access denied',
    `Error response from daemon: pull access denied for reg.example.com:5443/app, repository does not exist or may require 'docker login': denied: requested access to the resource is denied`,
    'denied',
    'needs-credentials',
  ],
  [
    'containerd 403',
    `pulling from host reg.example.com:5443 failed with status code [manifests ${D}]: 403 Forbidden`,
    'denied',
    'needs-credentials',
  ],
  ['ctr platform', `ctr: no match for platform in manifest ${D}: not found`, 'platform-missing', 'not-pullable'],
  [
    'CRI-O platform',
    `choosing an image from manifest list docker://${REF}: no image found in manifest list for architecture arm64, variant "v8", OS linux`,
    'platform-missing',
    'not-pullable',
  ],
  [
    'docker platform',
    'no matching manifest for linux/arm64/v8 in the manifest list entries',
    'platform-missing',
    'not-pullable',
  ],
  [
    'ctr blob',
    `ctr: failed to copy: httpReadSeeker: failed open: could not fetch content descriptor ${D} (application/vnd.oci.image.layer.v1.tar+gzip) from remote: not found`,
    'blob-missing',
    'not-pullable',
  ],
  ['ctr manifest', `ctr: failed to resolve reference "${REF}": ${REF}: not found`, 'manifest-missing', 'not-pullable'],
  [
    'CRI-O manifest',
    `reading manifest ${D} in reg.example.com:5443/app: manifest unknown: manifest unknown`,
    'manifest-missing',
    'not-pullable',
  ],
  [
    'expired',
    `Head "https://reg.example.com:5443/v2/": tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time 2026-11-25T12:00:00Z is after 2026-01-01T00:00:00Z`,
    'certificate-invalid',
    'not-pullable',
  ],
  [
    'wrong name',
    'x509: certificate is valid for registry.internal, not reg.example.com',
    'certificate-invalid',
    'not-pullable',
  ],
  [
    'DNS',
    `failed to do request: Head "https://reg.example.com:5443/v2/app/manifests/${D}": dial tcp: lookup reg.example.com on 10.96.0.10:53: no such host`,
    'unreachable',
    'not-pullable',
  ],
  [
    'invalid name',
    'InvalidImageName: Failed to apply default image tag "REG/App": couldn\'t parse image reference',
    'invalid-name',
    'not-pullable',
  ],
  ['back-off only', `Back-off pulling image "${REF}"`, 'unknown', 'not-pullable'],
];

describe('classifyPullError', () => {
  test.each(cases)('%s', (_name, text, cause, verdict) => {
    const c = classifyPullError(text, ctx);
    expect([c.cause, c.verdict]).toEqual([cause, verdict]);
    expect(c.reason.length).toBeGreaterThan(10);
    expect(c.remediation.length).toBeGreaterThan(10);
  });

  test('reads our registry client errors by code and status', () => {
    const tls = new RegistryError('runner advice', {
      request: `GET https://reg.example.com:5443/v2/app/manifests/${D}`,
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
    expect(classifyPullError(tls, ctx)).toMatchObject({
      cause: 'unknown-authority',
      reason: expect.stringMatching(/GET https:.*: UNABLE_TO_VERIFY_LEAF_SIGNATURE$/),
    });
    const http = new RegistryError('x', { request: 'GET https://h/v2/', code: 'EPROTO' });
    // EPROTO alone is not enough to say "HTTP": the message or cause must show the TLS record error.
    expect(
      classifyPullError(
        new RegistryError('x', { request: 'GET https://h/v2/', code: 'ERR_SSL_WRONG_VERSION_NUMBER' }),
        ctx,
      ).cause,
    ).toBe('http-registry');
    expect(classifyPullError(http, ctx).cause).toBe('unknown');
    expect(
      classifyPullError(
        new RegistryError('GET … answered 401: UNAUTHORIZED', { request: 'GET', status: 401, code: 'UNAUTHORIZED' }),
        ctx,
      ).verdict,
    ).toBe('needs-credentials');
    expect(
      classifyPullError(
        new RegistryError('answered 404: MANIFEST_UNKNOWN', { request: 'GET', status: 404, code: 'MANIFEST_UNKNOWN' }),
        ctx,
      ).cause,
    ).toBe('manifest-missing');
  });

  test('remediation is written for the runtime: hosts.toml snippet, certs.d, registries.conf, trust store', () => {
    const all = classifyPullError('x509: certificate signed by unknown authority', ctx).remediation;
    expect(all).toContain('server = "https://reg.example.com:5443"');
    expect(all).toContain('[host."https://reg.example.com:5443"]');
    expect(all).toContain('ca = "/etc/containerd/certs.d/reg.example.com:5443/ca.crt"');
    expect(all).toContain('/etc/docker/certs.d/reg.example.com:5443/ca.crt');
    expect(all).toContain('/etc/containers/certs.d/reg.example.com:5443/ca.crt');
    expect(all).toContain('update-ca-certificates');
    const http = classifyPullError('http: server gave HTTP response to HTTPS client', {
      ...ctx,
      runtime: 'cri-o',
    }).remediation;
    expect(http).toMatch(/^CRI-O: \[\[registry\]\] location = "reg.example.com:5443" insecure = true/);
    expect(http).not.toContain('containerd');
    const withSecret = classifyPullError('401 Unauthorized', { ...ctx, imagePullSecret: 'regcred' }).remediation;
    expect(withSecret).toContain('secret "regcred"');
    expect(classifyPullError('401 Unauthorized', ctx).remediation).toContain('--set-docker-config-json-value');
  });

  test('registry mode: the reason and the fix say whose credentials were refused (the secret, the login in its place, none)', () => {
    const secret = { kind: 'secret', secret: 'regcred', namespace: 'shop', entry: 'reg.example.com:5443' } as const;
    const refused = classifyPullError('401 Unauthorized', { ...ctx, imagePullSecret: 'regcred', sent: secret });
    expect(refused.reason).toBe('the registry refused the credentials in secret regcred: 401 Unauthorized');
    expect(refused.remediation).toBe(
      'Put credentials that may pull from reg.example.com:5443 into the entry "reg.example.com:5443" of secret regcred: kubectl create secret docker-registry regcred --namespace=shop --docker-server=reg.example.com:5443 --docker-username=<username> --docker-password=<password or token> --dry-run=client -o yaml | kubectl apply -f -',
    );
    const denied = classifyPullError('403 Forbidden', { ...ctx, imagePullSecret: 'regcred', sent: secret });
    expect(denied.reason).toMatch(
      /^the registry refused the pull for the credentials in secret regcred \(no pull permission/,
    );
    expect(denied.remediation).toMatch(
      /^Grant pull permission on the repository to the user in the entry "reg.example.com:5443" of secret regcred/,
    );
    const login = {
      kind: 'login',
      secret: 'regcred',
      why: 'there is no kubeconfig to read it with',
      loggedIn: true,
    } as const;
    const asLogin = classifyPullError('401 Unauthorized', { ...ctx, imagePullSecret: 'regcred', sent: login });
    expect(asLogin.reason).toBe(
      "the registry refused the login's credentials (standing in for secret regcred): 401 Unauthorized",
    );
    expect(asLogin.remediation).toContain("whether the secret's own would work is unknown");
    // A secret the node cannot use: its problem comes first in the reason; a TLS failure keeps its own fix first.
    const problem = {
      reason: 'secret regcred in namespace "shop" does not exist, so a node pulls without credentials',
      fix: 'Create it.',
      failsPull: false,
    };
    const unusable = { kind: 'unusable', secret: 'regcred', problem } as const;
    const anon = classifyPullError('401 Unauthorized', { ...ctx, imagePullSecret: 'regcred', sent: unusable });
    expect(anon).toMatchObject({
      verdict: 'needs-credentials',
      reason: `${problem.reason}; the registry requires credentials for the pull: 401 Unauthorized`,
      remediation: 'Create it.',
    });
    const x509 = classifyPullError('x509: certificate signed by unknown authority', {
      ...ctx,
      imagePullSecret: 'regcred',
      sent: unusable,
    });
    expect(x509.verdict).toBe('not-pullable');
    expect(x509.remediation).toMatch(/^containerd: /);
    expect(x509.remediation.endsWith('\nCreate it.')).toBe(true);
  });

  test('an invalid certificate names the host without its port, also for an IPv6 registry in brackets', () => {
    const expired = 'x509: certificate has expired or is not yet valid';
    expect(classifyPullError(expired, ctx).remediation).toContain('names reg.example.com in its subjectAltName');
    const v6 = classifyPullError(expired, { host: '[fd00::1]:5000', imagePullSecret: '' }).remediation;
    expect(v6).toContain('names fd00::1 in its subjectAltName');
    expect(v6).toContain('server = "https://[fd00::1]:5000"');
    expect(classifyPullError(expired, { host: '[fd00::1]', imagePullSecret: '' }).remediation).toContain(
      'names fd00::1 in its',
    );
    expect(classifyPullError(expired, { host: '10.0.0.5:5000', imagePullSecret: '' }).remediation).toContain(
      'names 10.0.0.5 in its',
    );
  });
});

describe('probeOutcomes', () => {
  const pod = (state: object, imageID = '') => ({
    metadata: { name: 'p' },
    status: { phase: 'Pending', containerStatuses: [{ name: 'image-0', imageID, state }] },
  });
  const event = (message: string, at: string) => ({
    reason: 'Failed',
    message,
    lastTimestamp: at,
    involvedObject: { kind: 'Pod', name: 'p', fieldPath: 'spec.containers{image-0}' },
  });

  test('a back-off takes the cause from the newest Failed-to-pull event, not from "Error: ErrImagePull"', () => {
    const events = [
      event('Failed to pull image "x": old: 401 Unauthorized', '2026-01-01T00:00:01Z'),
      event('Failed to pull image "x": x509: certificate signed by unknown authority', '2026-01-01T00:00:09Z'),
      event('Error: ErrImagePull', '2026-01-01T00:00:10Z'),
    ];
    expect(
      probeOutcomes(pod({ waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "x"' } }), 1, events),
    ).toEqual([
      {
        state: 'failed',
        message: 'ImagePullBackOff: Failed to pull image "x": x509: certificate signed by unknown authority',
      },
    ]);
  });

  test('pulled, waiting and a pod that ended before the pull', () => {
    expect(probeOutcomes(pod({ waiting: { reason: 'ContainerCreating' } }), 1, [])).toEqual([{ state: 'waiting' }]);
    expect(probeOutcomes(pod({ waiting: { reason: 'CreateContainerError' } }), 1, [])).toEqual([{ state: 'pulled' }]);
    expect(probeOutcomes(pod({ waiting: { reason: 'ContainerCreating' } }, 'reg/app@sha256:1'), 1, [])).toEqual([
      { state: 'pulled' },
    ]);
    const deadline = {
      metadata: { name: 'p' },
      status: {
        phase: 'Failed',
        reason: 'DeadlineExceeded',
        message: 'Pod was active on the node longer than the specified deadline',
      },
    };
    expect(probeOutcomes(deadline, 2, [])).toEqual([
      { state: 'failed', message: 'DeadlineExceeded: Pod was active on the node longer than the specified deadline' },
      { state: 'failed', message: 'DeadlineExceeded: Pod was active on the node longer than the specified deadline' },
    ]);
  });
});

test('platformMatches follows containerd: default variants, no platform serves no node', () => {
  expect(platformMatches('linux/arm64', 'linux/arm64/v8')).toBe(true);
  expect(platformMatches('linux/arm64/v8', 'linux/arm64')).toBe(true);
  expect(platformMatches('linux/arm/v6', 'linux/arm')).toBe(false);
  expect(platformMatches('linux/amd64', 'linux/arm64/v8')).toBe(false);
  expect(platformMatches('linux/amd64', '')).toBe(false);
});

test('renderPullTable: image x node rows, cells kept to one line and escaped', () => {
  const rows = renderPullTable({
    mode: 'cluster',
    verdict: 'not-pullable',
    results: [
      { image: 'backend', node: 'kind-worker', ok: true, reason: 'pulled', remediation: '' },
      { image: 'backend', node: 'kind-worker2', ok: false, reason: 'a | b <x>', remediation: 'line 1\nline 2' },
    ],
  });
  expect(rows).toEqual([
    '| image | node | pull | reason | fix |',
    '|---|---|---|---|---|',
    '| backend | kind-worker | ✅ pullable | pulled |  |',
    '| backend | kind-worker2 | ❌ not pulled | a \\| b &lt;x&gt; | line 1<br>line 2 |',
  ]);
  expect(renderPullTable({ mode: 'off', verdict: 'skipped', results: [] })).toEqual([
    'Node pull check: skipped (mode off).',
  ]);
  const registry = renderPullTable({
    mode: 'registry',
    verdict: 'pullable',
    results: [
      {
        image: 'app',
        ok: true,
        reason: 'pulled as a node would (linux/amd64, node-trust: ca-cert, anonymous)',
        remediation: '',
      },
    ],
  });
  expect(registry[2]).toContain('| app | linux/amd64, node-trust: ca-cert, anonymous | ✅ pullable |');
});

test('markdownCell keeps a table cell to one line and its markup inert', () => {
  expect(markdownCell('a | b\r\nc\nd <img src=x> & e')).toBe('a \\| b<br>c<br>d &lt;img src=x&gt; &amp; e');
  expect(markdownCell('')).toBe('');
});
