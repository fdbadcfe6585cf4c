// werf's failure texts: Go's net/http and crypto/x509 wording, docker's, containerd's (as kubelet events), and what the
// werf double prints for the same failures.
import { describe, expect, it } from '@jest/globals';
import { KNOWS_NOTHING, diagnose, type WhatTheActionKnows } from '../../src/werf/diagnose.js';

const H = '127.0.0.1:5443';
const TAG = `${'ab'.repeat(28)}-1752501317353`;
const X509 = 'tls: failed to verify certificate: x509: certificate signed by unknown authority';

describe('diagnose', () => {
  it('says the Docker daemon met an untrusted certificate when it pushed the stages (werf quotes the image)', () => {
    const findings = diagnose(
      `┌ ⛵ image backend\nError: unable to push image "${H}/app:${TAG}": Put "https://${H}/v2/app/blobs/uploads/": ${X509}\n`,
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      title: 'Registry certificate not trusted',
      registry: H,
      who: 'daemon',
      message: `the Docker daemon could not verify the TLS certificate of ${H} (x509: certificate signed by unknown authority).`,
    });
    expect(findings[0]?.fix).toContain(`/etc/docker/certs.d/${H}/ca.crt`);
  });

  it('recognizes docker\'s own "Error response from daemon" wording (older Go, no tls: prefix)', () => {
    const [finding] = diagnose(
      `Error response from daemon: Get "https://${H}/v2/": x509: certificate signed by unknown authority`,
    );
    expect(finding).toMatchObject({ who: 'daemon', registry: H });
  });

  it('says werf itself met it when its own client read the repo', () => {
    const [finding] = diagnose(`Error: unable to fetch tags for repo "${H}/app": Get "https://${H}/v2/": ${X509}`);
    expect(finding).toMatchObject({ title: 'Registry certificate not trusted', who: 'werf', registry: H });
    expect(finding?.message).toMatch(/^werf itself could not verify/);
    expect(finding?.fix).toContain('SSL_CERT_FILE');
  });

  it('names the final repo host when werf copies to final-repo', () => {
    const [finding] = diagnose(
      `Error: unable to copy image ${H}/app:${TAG} to 127.0.0.1:6443/final:${TAG}: Get "https://127.0.0.1:6443/v2/": ${X509}`,
    );
    expect(finding).toMatchObject({ who: 'werf', registry: '127.0.0.1:6443' });
  });

  it('knows buildah by its wording', () => {
    const [finding] = diagnose(`Error: pinging container registry ${H}: Get "https://${H}/v2/": ${X509}`);
    expect(finding).toMatchObject({ who: 'buildah', registry: H });
    expect(finding?.fix).toContain(`/etc/containers/certs.d/${H}/`);
  });

  it('reports other x509 causes with their words', () => {
    const [finding] = diagnose(
      `Error: unable to fetch tags for repo "${H}/app": Get "https://${H}/v2/": tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time 2026-01-01T00:00:00Z is out of the certificate's validity period`,
    );
    expect(finding?.message).toContain('x509: certificate has expired or is not yet valid');
  });

  it('finds a plain-HTTP registry spoken to over HTTPS', () => {
    const [finding] = diagnose(
      'Error: unable to fetch tags for repo "127.0.0.1:5000/app": Get "https://127.0.0.1:5000/v2/": http: server gave HTTP response to HTTPS client',
    );
    expect(finding).toMatchObject({ title: 'Registry speaks plain HTTP', registry: '127.0.0.1:5000', who: 'werf' });
    expect(finding?.fix).toMatch(/^Set insecure-registry: true/);
  });

  it('finds a 401 with the repository from go-containerregistry wording', () => {
    const [finding] = diagnose(
      `Error: GET https://${H}/v2/team/app/manifests/${TAG}: UNAUTHORIZED: authentication required; [map[Action:pull Class: Name:team/app Type:repository]]`,
    );
    expect(finding).toMatchObject({
      title: 'Registry credentials missing or wrong',
      registry: H,
      message: `${H}/team/app answered 401 Unauthorized.`,
    });
  });

  it('finds a 401 in containers/image wording (the double, skopeo)', () => {
    const [finding] = diagnose(
      `Error: unable to push image ${H}/app:${TAG}: trying to reuse blob sha256:${'1'.repeat(64)} at destination: checking whether a blob sha256:${'1'.repeat(64)} exists in ${H}/app: authentication required`,
    );
    expect(finding).toMatchObject({ title: 'Registry credentials missing or wrong', registry: H });
  });

  it('finds a 403 denied', () => {
    const [finding] = diagnose(
      `Error: PUT https://r.example.com/v2/team/app/manifests/${TAG}: DENIED: access forbidden`,
    );
    expect(finding).toMatchObject({ title: 'Registry denied access', registry: 'r.example.com' });
    expect(finding?.message).toBe('r.example.com/team/app refused the logged-in user (403 / denied).');
  });

  it("turns werf's invalid repository address into the corrected value", () => {
    const [finding] = diagnose(
      'Error: error get final stages storage: error creating container registry accessor for repo "r.example.com/app:latest": invalid repository address "r.example.com/app:latest"',
    );
    expect(finding).toEqual({
      title: 'Invalid repository address',
      message: 'werf rejected the repository address "r.example.com/app:latest".',
      fix: 'final-repo "r.example.com/app:latest" must not contain a tag: werf tags final images itself; use "r.example.com/app".',
    });
  });

  it('says the nodes do not trust the registry when a pod cannot pull over TLS', () => {
    const findings = diagnose(
      [
        `│ │ app/app-5c9f7d-abcde ERROR: Failed to pull image "${H}/app:${TAG}": rpc error: code = Unknown desc = failed to pull and unpack image "${H}/app:${TAG}": failed to resolve reference "${H}/app:${TAG}": failed to do request: Head "https://${H}/v2/app/manifests/${TAG}": ${X509}`,
        '│ │ app/app-5c9f7d-abcde ERROR: ErrImagePull',
      ].join('\n'),
    );
    expect(findings[0]).toMatchObject({ title: 'Nodes cannot pull the image', who: 'nodes', registry: H });
    expect(findings[0]?.fix).toContain('node-trust: ca-cert');
    // The x509 on a node is the nodes' trust, not werf's: no "werf itself" finding for it.
    expect(findings.some((f) => f.who === 'werf')).toBe(false);
  });

  it('points at imagePullSecret and --set-docker-config-json-value when the nodes pull without credentials', () => {
    const [finding] = diagnose(
      'Failed to pull image "r.example.com/team/app:t": rpc error: code = Unknown desc = failed to pull and unpack image "r.example.com/team/app:t": failed to resolve reference "r.example.com/team/app:t": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed',
    );
    expect(finding).toMatchObject({ who: 'nodes', registry: 'r.example.com' });
    expect(finding?.fix).toContain('--set-docker-config-json-value');
    expect(finding?.fix).toContain('imagePullSecrets');
  });

  it('reports a bare ImagePullBackOff generically', () => {
    const [finding] = diagnose(
      'po/app-1 container/app: ImagePullBackOff: Back-off pulling image "r.example.com/app:t"',
    );
    expect(finding?.message).toBe('A pod could not pull "r.example.com/app:t" (ErrImagePull/ImagePullBackOff).');
  });

  it('puts the basic cause first and reports each once', () => {
    const out = [
      `Error: unable to fetch tags for repo "${H}/app": Get "https://${H}/v2/": ${X509}`,
      `Error: unable to fetch tags for repo "${H}/app": Get "https://${H}/v2/": ${X509}`,
      'Error: error creating container registry accessor for repo "R.io/app": invalid repository address "R.io/App"',
    ].join('\n');
    expect(diagnose(out).map((f) => f.title)).toEqual([
      'Invalid repository address',
      'Registry certificate not trusted',
    ]);
  });

  it('finds nothing in a failure it does not know, or in a clean run', () => {
    expect(diagnose('Error: image "x" not defined in werf.yaml\n')).toEqual([]);
    expect(diagnose(`│ Pushed ${H}/app:${TAG} (through the Docker daemon)\nRunning time 3.1 seconds\n`)).toEqual([]);
  });

  it('puts what werf printed into its sentences on one line, without a command the runner would run', () => {
    const findings = diagnose(
      [
        'invalid repository address "r.example.com/app ##[set-output name=verified;]true"',
        'Get "https://r.example.com##[error]x/v2/": x509: certificate signed by unknown authority ##[error]forged',
        'Failed to pull image "r.example.com/app:1 ##[warning]y": rpc error: 401 Unauthorized',
      ].join('\n'),
    );
    expect(findings).toHaveLength(3);
    for (const f of findings) {
      for (const text of [f.message, f.fix, f.registry ?? '']) {
        expect(text).not.toMatch(/[\r\n]|##\[/);
      }
    }
    expect(findings[0]?.message).toBe(
      'werf rejected the repository address "r.example.com/app ##\\u005bset-output name=verified;]true".',
    );
  });
});

// Who met a TLS or plain-HTTP error, from what the action knows (issue 10 item 5, issue 16 item 4): the phrases only
// find the registry when the action's knowledge decides.
describe('diagnose with what the action knows', () => {
  const knows = (
    over: Partial<WhatTheActionKnows> & {
      set?: Record<string, Partial<Record<'caCert' | 'skipTlsVerify' | 'insecureRegistry', boolean>>>;
    },
  ): WhatTheActionKnows => ({
    ...KNOWS_NOTHING,
    ...over,
    registry: (host) => {
      const s = over.set?.[host];
      return s && { caCert: false, skipTlsVerify: false, insecureRegistry: false, ...s };
    },
  });
  const D = '198.18.0.2:5000';
  const DAEMON_X509 = `Error: unable to push image "${D}/app:${TAG}": Get "https://${D}/v2/": x509: certificate signed by unknown authority`;

  it("werf's own client says `unable to push image <ref>:` unquoted: werf itself, when the action set nothing", () => {
    const [finding] = diagnose(`Error: unable to push image ${D}/app:${TAG}: Get "https://${D}/v2/": ${X509}`);
    expect(finding).toMatchObject({ who: 'werf', registry: D });
    expect(finding?.fix).toMatch(/^Set ca-cert to the CA that signed/);
  });

  it('skip-tls-verify is set: werf does not verify, so the container backend met it, whatever the wording; the fix is the daemon', () => {
    for (const line of [DAEMON_X509, `Error: unable to push image ${D}/app:${TAG}: Get "https://${D}/v2/": ${X509}`]) {
      const [finding] = diagnose(
        line,
        knows({
          werfFlags: { skipTlsVerifyRegistry: true, insecureRegistry: false },
          set: { [D]: { skipTlsVerify: true } },
        }),
      );
      expect(finding).toMatchObject({ who: 'daemon', registry: D, title: 'Registry certificate not trusted' });
      expect(finding?.fix).toMatch(/^skip-tls-verify is set, but werf's TLS flags never reach the Docker daemon/);
      expect(finding?.fix).toContain(`"insecure-registries": ["${D}"]`);
      expect(finding?.fix).toContain('docker-daemon: auto or check finds this before the build');
      expect(finding?.fix).not.toContain('skip-tls-verify: true');
    }
  });

  it('the daemon was checked: no advice to check it', () => {
    const [finding] = diagnose(
      DAEMON_X509,
      knows({
        werfFlags: { skipTlsVerifyRegistry: true, insecureRegistry: false },
        set: { [D]: { skipTlsVerify: true } },
        daemon: 'checked',
      }),
    );
    expect(finding?.fix).not.toContain('docker-daemon');
  });

  it('ca-cert is set: werf trusts it, so the daemon met it; the fix says which daemon reads another certs.d', () => {
    const [finding] = diagnose(
      `Get "https://${D}/v2/": x509: certificate signed by unknown authority`,
      knows({ set: { [D]: { caCert: true } } }),
    );
    expect(finding).toMatchObject({ who: 'daemon', registry: D });
    expect(finding?.fix).toMatch(
      /^ca-cert is set and the action installs it in \/etc\/docker\/certs\.d\/198\.18\.0\.2:5000\/ca\.crt, but this daemon did not trust it/,
    );
    expect(finding?.fix).not.toMatch(/^Set ca-cert/);
  });

  it('insecure-registry is set: a plain-HTTP error is the daemon\'s, never "Set insecure-registry"', () => {
    const [finding] = diagnose(
      `Get "https://${D}/v2/": http: server gave HTTP response to HTTPS client`,
      knows({
        werfFlags: { skipTlsVerifyRegistry: false, insecureRegistry: true },
        set: { [D]: { insecureRegistry: true } },
      }),
    );
    expect(finding).toMatchObject({ who: 'daemon', registry: D, title: 'Registry speaks plain HTTP' });
    expect(finding?.fix).toMatch(
      /^insecure-registry is set, but werf's --insecure-registry never reaches the Docker daemon/,
    );
    expect(finding?.fix).not.toContain('Set insecure-registry');
  });

  it('with Buildah (WERF_BUILDAH_MODE) the container backend is Buildah: registries.conf', () => {
    const [http] = diagnose(
      `Error: unable to push image "${D}/app:${TAG}": pinging container registry ${D}: Get "https://${D}/v2/": http: server gave HTTP response to HTTPS client`,
      knows({
        backend: 'buildah',
        werfFlags: { skipTlsVerifyRegistry: false, insecureRegistry: true },
        set: { [D]: { insecureRegistry: true } },
      }),
    );
    expect(http).toMatchObject({ who: 'buildah', registry: D });
    expect(http?.fix).toBe(
      `insecure-registry is set, but Buildah, which pushes the stages, reads its own settings: mark ${D} insecure in /etc/containers/registries.conf ([[registry]] location = "${D}" insecure = true).`,
    );
    const [tls] = diagnose(DAEMON_X509, knows({ backend: 'buildah' }));
    expect(tls).toMatchObject({ who: 'buildah' });
  });

  it('nothing set for the registry: the fix names the inputs, and the daemon part of them', () => {
    const [tls] = diagnose(DAEMON_X509);
    expect(tls).toMatchObject({ who: 'daemon', registry: D });
    expect(tls?.fix).toMatch(
      /^Set ca-cert to the CA that signed 198\.18\.0\.2:5000's certificate: the action installs it for werf and in \/etc\/docker\/certs\.d\//,
    );
    const [http] = diagnose(
      `Error: unable to push image "${D}/app:${TAG}": Get "https://${D}/v2/": http: server gave HTTP response to HTTPS client`,
    );
    expect(http).toMatchObject({ who: 'daemon' });
    expect(http?.fix).toMatch(/^Set insecure-registry: true, and add 198\.18\.0\.2:5000 to "insecure-registries"/);
  });

  it('the registry comes from the push phrase when the line has no URL', () => {
    expect(
      diagnose(`Error: unable to push image "${D}/team/app:${TAG}": x509: certificate signed by unknown authority`)[0],
    ).toMatchObject({ registry: D, who: 'daemon' });
    expect(
      diagnose(`The push refers to repository [${D}/team/app]: x509: certificate signed by unknown authority`)[0],
    ).toMatchObject({ registry: D, who: 'daemon' });
  });
});
