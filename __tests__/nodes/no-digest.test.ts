/**
 * Images werf reported no digest for (an older werf, or `verify-manifests: false` with such a report): the pull check
 * goes by the tag instead of failing on the reference `repo@`. Checked against a real registry (TLS with a private CA,
 * basic auth), and against a real containerd pulling the same tag as a node would.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { checkPull, classifyPullError } from '../../src/nodes/index.js';
import { pullCheckImages, pullTarget } from '../../src/nodes/targets.js';
import type { RegistryAccess } from '../../src/registry/index.js';
import type { ImageOutput } from '../../src/verify.js';
import {
  makeTempDir,
  removeTempDir,
  seedImages,
  startContainerd,
  startRegistry,
  stopAll,
  type Containerd,
  type Registry,
  type SeededImage,
  type SeededKind,
} from '../support/rig/index.js';
import { writeNodeHostsToml } from './node-hosts.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const output = (image: string, digest: string): ImageOutput => ({
  image,
  digest,
  ref: `${image.slice(0, image.lastIndexOf(':'))}@${digest}`,
  platforms: [],
});

describe('pullCheckImages without a digest (pure)', () => {
  test('an image with a digest is checked by it; one without by its tag; one with neither gets no reference', () => {
    const images = pullCheckImages({
      backend: output('reg.example.com:5443/group/app:abc-1', DIGEST),
      frontend: output('reg.example.com:5443/group/web:def-2', ''),
      v6: output('[fd00::1]:5000/app:t', ''),
      odd: output('reg.example.com/odd:', ''),
    });
    expect(images).toEqual([
      {
        name: 'backend',
        image: 'reg.example.com:5443/group/app:abc-1',
        digest: DIGEST,
        repo: 'group/app',
        host: 'reg.example.com:5443',
      },
      {
        name: 'frontend',
        image: 'reg.example.com:5443/group/web:def-2',
        digest: '',
        tag: 'def-2',
        repo: 'group/web',
        host: 'reg.example.com:5443',
      },
      { name: 'v6', image: '[fd00::1]:5000/app:t', digest: '', tag: 't', repo: 'app', host: '[fd00::1]:5000' },
      { name: 'odd', image: 'reg.example.com/odd:', digest: '', tag: '', repo: '', host: '' },
    ]);
    expect(images.map(pullTarget)).toEqual([
      { reference: DIGEST, ref: `reg.example.com:5443/group/app@${DIGEST}`, byTag: false },
      { reference: 'def-2', ref: 'reg.example.com:5443/group/web:def-2', byTag: true },
      { reference: 't', ref: '[fd00::1]:5000/app:t', byTag: true },
      { reference: '', ref: '/:', byTag: true },
    ]);
  });

  test('an image with neither a digest nor a tag is a failed row, and nothing is asked of the registry', async () => {
    const check = await checkPull({
      mode: 'registry',
      command: 'build',
      nodeTrust: 'system',
      images: pullCheckImages({ odd: output('reg.example.com/odd:', '') }),
      access: () => {
        throw new Error('nothing to check: the registry must not be asked');
      },
      caCert: '',
      imagePullSecret: '',
      platforms: ['linux/amd64'],
    });
    expect(check).toEqual({
      mode: 'registry',
      verdict: 'not-pullable',
      results: [
        {
          image: 'odd',
          ok: false,
          reason: 'werf reported no digest and no tag for reg.example.com/odd:, so there is nothing to pull it by',
          remediation: expect.stringContaining("werf's build report"),
        },
      ],
    });
  });
});

describe('verify-pull: registry by tag agrees with a real containerd pull by tag', () => {
  let reg: Registry;
  let ctrd: Containerd;
  let seeded: Record<SeededKind, SeededImage>;
  let scratch: string;
  let hostsDir: string;

  beforeAll(async () => {
    scratch = await makeTempDir('nodes-no-digest');
    [reg, ctrd] = await Promise.all([startRegistry({ tls: true, auth: 'basic' }), startContainerd()]);
    seeded = await seedImages(reg);
    hostsDir = join(scratch, 'hosts');
    await writeNodeHostsToml(hostsDir, reg.host, { scheme: 'https', caPath: reg.ca!.certPath });
  }, 120_000);

  afterAll(async () => {
    await stopAll();
    if (scratch) await removeTempDir(scratch);
  });

  const access = (host: string): RegistryAccess => ({
    host,
    scheme: 'https',
    trust: 'ca',
    ca: reg.ca!.certPem,
    username: reg.username,
    password: reg.password,
  });
  const check = (tag: string) =>
    checkPull({
      mode: 'registry',
      command: 'build',
      nodeTrust: 'ca-cert',
      images: pullCheckImages({ app: output(`${reg.host}/demo:${tag}`, '') }),
      access,
      caCert: reg.ca!.certPem,
      imagePullSecret: 'regcred',
      platforms: ['linux/amd64'],
    });
  const nodePull = (tag: string) =>
    ctrd.pull(`${reg.host}/demo:${tag}`, {
      hostsDir,
      user: `${reg.username}:${reg.password}`,
      platform: 'linux/amd64',
    });

  test('a pushed tag (an index) is pullable, and the reason says the check went by tag', async () => {
    expect(seeded.ociIndex.digest).toMatch(/^sha256:/);
    const [action, node] = await Promise.all([check('multi'), nodePull('multi')]);
    expect(node.ok).toBe(true);
    expect(action).toEqual({
      mode: 'registry',
      verdict: 'pullable',
      results: [
        {
          image: 'app',
          ok: true,
          reason:
            "manifest and blobs of the tag multi (checked by tag: werf reported no digest) pulled with the login's credentials in place of secret regcred, which the check did not read: command: build deploys nothing, so there is no kubeconfig to read it with (linux/amd64, node-trust: ca-cert, the login's credentials in place of secret regcred)",
          remediation: '',
        },
      ],
      credentials: [
        `${reg.host}: the login's credentials stood in for secret regcred, which the check did not read: command: build deploys nothing, so there is no kubeconfig to read it with.`,
      ],
    });
  });

  test('a tag that is not in the registry is not pullable, for the action and for containerd alike', async () => {
    const [action, node] = await Promise.all([check('never-pushed'), nodePull('never-pushed')]);
    expect(node.ok).toBe(false);
    const fromRuntime = classifyPullError(node.output, { host: reg.host, imagePullSecret: 'regcred' });
    expect(fromRuntime.cause).toBe('manifest-missing');
    expect(action.verdict).toBe('not-pullable');
    const [row] = action.results;
    expect(row!.ok).toBe(false);
    expect(row!.reason).toMatch(/^checked by tag never-pushed \(werf reported no digest\): /);
    expect(row!.reason).toMatch(/MANIFEST_UNKNOWN|manifest unknown|not found/i);
    expect(row!.reason).toMatch(
      /\(linux\/amd64, node-trust: ca-cert, the login's credentials in place of secret regcred\)$/,
    );
    expect(row!.remediation).toMatch(/run the build again/);
  });
});
