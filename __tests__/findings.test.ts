import { describe, expect, test } from '@jest/globals';
import { groupFindings, type Finding } from '../src/findings.js';

const busy = (image: string): Finding => ({
  image,
  label: `${image} (r.example.com/app:${image}, sha256:1)`,
  key: 'could not be checked (registry busy)',
  text: `could not be checked (registry busy): GET /v2/app/manifests/${image} answered 503`,
});

describe('groupFindings', () => {
  test('one image alone is told by its label; the same key for several images is one text that counts them', () => {
    const missing: Finding = { image: 'web', key: 'gone', text: 'not in the registry: 404' };
    expect(groupFindings([busy('a'), missing, busy('b')], 4)).toEqual([
      '2 of 4 images (a, b): a (r.example.com/app:a, sha256:1): could not be checked (registry busy): GET /v2/app/manifests/a answered 503',
      'web: not in the registry: 404',
    ]);
  });

  test('more than five names: the first five and how many more', () => {
    const names = Array.from({ length: 50 }, (_, i) => `image-${i + 1}`);
    const [text] = groupFindings(names.map(busy), 50);
    expect(text).toMatch(/^50 of 50 images \(image-1, image-2, image-3, image-4, image-5 and 45 more\): image-1 \(/);
  });

  test('nodes are named once each; names from werf and the cluster stay on one line without a command in them', () => {
    const findings = ['node-1', 'node-2\n::error::x', 'node-1'].map((node, i) => ({
      image: i === 2 ? 'web\r##[add-mask]y' : 'app',
      node,
      key: 'x509',
      text: 'x509 Install the CA.',
    }));
    expect(groupFindings(findings, 2)).toEqual([
      '2 of 2 images (app, web ## [add-mask]y) on nodes node-1, node-2 ::error::x: app on node-1: x509 Install the CA.',
    ]);
  });
});
