import { describe, expect, test } from '@jest/globals';
import { pullCheckFindings, type PullCheck } from '../../src/nodes/index.js';

const FIX = 'Install the registry CA on the nodes (containerd: /etc/containerd/certs.d/r.example.com/hosts.toml).';
const reason = (name: string) =>
  `the node does not trust the CA that signed the registry's certificate: GET https://r.example.com/v2/${name}/manifests/sha256:1: x509 (linux/amd64, node-trust: system, anonymous)`;

describe('pullCheckFindings', () => {
  test('fifty images failing for one reason are one finding that counts them', () => {
    const names = Array.from({ length: 50 }, (_, i) => `image-${i + 1}`);
    const check: PullCheck = {
      mode: 'registry',
      verdict: 'not-pullable',
      results: names.map((image) => ({ image, ok: false, reason: reason(image), remediation: FIX })),
    };
    expect(pullCheckFindings(check)).toEqual([
      `50 of 50 images (image-1, image-2, image-3, image-4, image-5 and 45 more): image-1: ${reason('image-1')} ${FIX}`,
    ]);
  });

  test('different fixes stay apart; one image is named alone; pulled images only count', () => {
    const check: PullCheck = {
      mode: 'registry',
      verdict: 'not-pullable',
      results: [
        { image: 'a', ok: false, reason: reason('a'), remediation: FIX },
        { image: 'b', ok: false, reason: reason('b'), remediation: FIX },
        {
          image: 'c',
          ok: false,
          reason: 'the registry requires credentials: 401 (linux/amd64, node-trust: system, anonymous)',
          remediation: 'Set image-pull-secret.',
        },
        { image: 'd', ok: true, reason: 'pulled', remediation: '' },
      ],
    };
    expect(pullCheckFindings(check)).toEqual([
      `2 of 4 images (a, b): a: ${reason('a')} ${FIX}`,
      'c: the registry requires credentials: 401 (linux/amd64, node-trust: system, anonymous) Set image-pull-secret.',
    ]);
  });

  test('cluster mode: the same finding on several nodes is one, naming the nodes; names stay on one line', () => {
    const check: PullCheck = {
      mode: 'cluster',
      verdict: 'not-pullable',
      results: ['node-1', 'node-2\n::error::x'].flatMap((node) =>
        ['app', 'web'].map((image) => ({ image, node, ok: false, reason: 'x509', remediation: FIX })),
      ),
    };
    const findings = pullCheckFindings(check);
    expect(findings).toEqual([
      `2 of 2 images (app, web) on nodes node-1, node-2 ::error::x: app on node-1: x509 ${FIX}`,
    ]);
  });

  test('registry mode: the same fix for two node platforms is two findings', () => {
    const check: PullCheck = {
      mode: 'registry',
      verdict: 'not-pullable',
      results: ['linux/amd64', 'linux/arm64'].map((platform) => ({
        image: 'app',
        ok: false,
        reason: `no manifest (${platform}, node-trust: system, anonymous)`,
        remediation: FIX,
      })),
    };
    expect(pullCheckFindings(check)).toHaveLength(2);
  });
});
