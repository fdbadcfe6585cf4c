/**
 * verify-pull: registry against a real node runtime: for each scenario a containerd (from the rig) stands for the
 * node, with the hosts.toml and credentials the scenario gives the node, and pulls the image by digest; the
 * action's verdict must equal containerd's real pull result, and the classifier must read containerd's own error
 * text the same way as the action's failure. In the pull-secret scenarios the action reads the image-pull-secret
 * through a stand-in for kubectl (no Kubernetes API server runs here) and containerd pulls with the credentials the
 * kubelet would take from that secret (none when it would take none).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, jest, test } from '@jest/globals';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NodeTrust } from '../../src/inputs.js';
import { checkPull, classifyPullError, type PullCause } from '../../src/nodes/index.js';
import { kubectlFor, type KubeTarget } from '../../src/nodes/kubectl.js';
import { credentialsPlan, readPullSecret } from '../../src/nodes/pull-secret.js';
import { checkFromNodeView } from '../../src/nodes/registry-check.js';
import type { RegistryAccess } from '../../src/registry/index.js';
import {
  deleteBlob,
  describeImage,
  makeTempDir,
  registryRequest,
  removeTempDir,
  runTool,
  seedImages,
  startContainerd,
  startRegistry,
  stopAll,
  type Containerd,
  type Registry,
  type SeededImage,
  type SeededKind,
} from '../support/rig/index.js';
import { authEntry, pullSecret, STAND_IN, writeSecretFixture } from './kube-objects.js';
import { writeDefaultNode, writeNodeHostsToml } from './node-hosts.js';

let ctrd: Containerd;
let tlsBasic: Registry; // TLS with a private CA, htpasswd auth
let tlsToken: Registry; // TLS with a private CA, token auth
let plain: Registry; // plain HTTP, no auth
let seeded: Map<Registry, Record<SeededKind, SeededImage>>;
let scratch: string;
let namespaces = 0;

beforeAll(async () => {
  scratch = await makeTempDir('nodes');
  [ctrd, tlsBasic, tlsToken, plain] = await Promise.all([
    startContainerd(),
    startRegistry({ tls: true, auth: 'basic', puller: true }),
    startRegistry({ tls: true, auth: 'token', puller: true }),
    startRegistry({ tls: false, auth: 'none' }),
  ]);
  seeded = new Map();
  for (const reg of [tlsBasic, tlsToken, plain]) seeded.set(reg, await seedImages(reg));
  // Separate repositories for the images a scenario breaks after the push.
  await seedImages(plain, 'gone');
  await seedImages(plain, 'broken');
}, 120_000);

afterAll(async () => {
  await stopAll();
  if (scratch) await removeTempDir(scratch);
});

// The check's log lines and masks (workflow commands on stdout) are kept out of the test run's own output.
beforeEach(() => {
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(() => {
  jest.restoreAllMocks();
});

/**
 * containerd treats a loopback registry specially (it falls back to plain HTTP for it), which no real node does for
 * a real registry. 0.0.0.0 reaches the same listener but is not loopback to containerd, so the plain-HTTP
 * scenarios address the registry by it.
 */
const nonLoopback = (reg: Registry) => (reg.tls ? reg.host : `0.0.0.0:${reg.port}`);

/** How the runner reaches `reg` (what the login and the push used): its CA, or plain HTTP; its credentials. */
function runnerAccess(reg: Registry, host: string): RegistryAccess {
  return reg.tls
    ? { host, scheme: 'https', trust: 'ca', ca: reg.ca!.certPem, username: reg.username, password: reg.password }
    : { host, scheme: 'http', trust: 'skip-verify', username: '', password: '' };
}

/**
 * The node pulls in a containerd namespace of its own. containerd shares blobs between namespaces, so a scenario
 * about a blob missing in the registry runs on a containerd of its own (a node that never had the layer).
 */
async function nodePull(ref: string, o: { hostsDir: string; user?: string; platform: string; node?: Containerd }) {
  const args = [
    '-a',
    (o.node ?? ctrd).socket,
    '-n',
    `node${++namespaces}`,
    'images',
    'pull',
    '--hosts-dir',
    o.hostsDir,
  ];
  if (o.user) args.push('--user', o.user);
  args.push('--platform', o.platform, ref);
  const r = await runTool('ctr', args, { timeoutMs: 30_000 });
  return { ok: r.code === 0, output: r.output };
}

interface Scenario {
  name: string;
  reg: () => Registry;
  repo?: string;
  kind: SeededKind;
  nodeTrust: NodeTrust;
  /**
   * the action is told image-pull-secret regcred; without `secret` (no kubeconfig) the login's credentials stand in
   * for it and the node has them too (ctr --user)
   */
  withSecret: boolean;
  /**
   * the secret in the release namespace, read through the stand-in for kubectl (undefined: it does not exist), and
   * the credentials the kubelet takes from it for the node (undefined: none)
   */
  secret?: { auths?: (reg: Registry, host: string) => object; nodeUser: (reg: Registry) => string | undefined };
  platform?: string;
  /** what the node's containerd is configured with */
  node: (hostsDir: string, host: string, reg: Registry) => Promise<void>;
  /** a change to the registry after the push */
  after?: (reg: Registry, image: SeededImage, repo: string) => Promise<void>;
  /** a node of its own, with an empty content store */
  freshNode?: boolean;
  /** what both must say: guards that the scenario is the one its name claims */
  expected: 'pullable' | 'not-pullable' | 'needs-credentials';
  /** the cause both must name, for a failure */
  cause?: PullCause;
}

const caOnNode = async (dir: string, host: string, reg: Registry) =>
  writeNodeHostsToml(dir, host, { scheme: 'https', caPath: reg.ca!.certPath });

/**
 * A pull secret whose entry for the registry (under `key`, default the host as it is) holds the read-only pull account
 * with its password or `password`; the kubelet gives the node the same.
 */
const pullAccountSecret = (
  o: { password?: string; key?: (host: string) => string } = {},
): NonNullable<Scenario['secret']> => ({
  auths: (reg, host) => ({
    [o.key ? o.key(host) : host]: authEntry(reg.puller!.username, o.password ?? reg.puller!.password),
  }),
  nodeUser: (reg) => `${reg.puller!.username}:${o.password ?? reg.puller!.password}`,
});

const scenarios: Scenario[] = [
  {
    name: 'TLS, the CA on the node, pull secret',
    reg: () => tlsBasic,
    kind: 'docker',
    nodeTrust: 'ca-cert',
    withSecret: true,
    node: caOnNode,
    expected: 'pullable',
  },
  {
    name: 'TLS, no CA on the node (system roots only)',
    reg: () => tlsBasic,
    kind: 'docker',
    nodeTrust: 'system',
    withSecret: true,
    node: writeDefaultNode,
    expected: 'not-pullable',
    cause: 'unknown-authority',
  },
  {
    name: 'TLS, the node skips verification',
    reg: () => tlsBasic,
    kind: 'oci',
    nodeTrust: 'skip-verify',
    withSecret: true,
    node: (dir, host) => writeNodeHostsToml(dir, host, { scheme: 'https', skipVerify: true }),
    expected: 'pullable',
  },
  {
    name: 'plain HTTP, the node configured for it',
    reg: () => plain,
    kind: 'oci',
    nodeTrust: 'skip-verify',
    withSecret: false,
    node: (dir, host) => writeNodeHostsToml(dir, host, { scheme: 'http' }),
    expected: 'pullable',
  },
  {
    name: 'plain HTTP, the node not configured for it',
    reg: () => plain,
    kind: 'oci',
    nodeTrust: 'system',
    withSecret: false,
    node: writeDefaultNode,
    expected: 'not-pullable',
    cause: 'http-registry',
  },
  {
    name: 'basic auth registry, no credentials on the node',
    reg: () => tlsBasic,
    kind: 'dockerList',
    nodeTrust: 'ca-cert',
    withSecret: false,
    node: caOnNode,
    expected: 'needs-credentials',
    cause: 'unauthorized',
  },
  {
    name: 'token auth registry, with credentials',
    reg: () => tlsToken,
    kind: 'ociIndex',
    nodeTrust: 'ca-cert',
    withSecret: true,
    node: caOnNode,
    expected: 'pullable',
  },
  {
    name: 'token auth registry, without credentials',
    reg: () => tlsToken,
    kind: 'ociIndex',
    nodeTrust: 'ca-cert',
    withSecret: false,
    node: caOnNode,
    expected: 'needs-credentials',
    cause: 'unauthorized',
  },
  {
    name: 'index with the node platform (linux/arm64)',
    reg: () => tlsBasic,
    kind: 'ociIndex',
    nodeTrust: 'ca-cert',
    withSecret: true,
    platform: 'linux/arm64',
    node: caOnNode,
    expected: 'pullable',
  },
  {
    name: 'platform missing from the index (linux/s390x)',
    reg: () => tlsBasic,
    kind: 'dockerList',
    nodeTrust: 'ca-cert',
    withSecret: true,
    platform: 'linux/s390x',
    node: caOnNode,
    expected: 'not-pullable',
    cause: 'platform-missing',
  },
  {
    name: 'manifest deleted after the push',
    reg: () => plain,
    repo: 'gone',
    kind: 'oci',
    nodeTrust: 'skip-verify',
    withSecret: false,
    node: (dir, host) => writeNodeHostsToml(dir, host, { scheme: 'http' }),
    after: async (reg, image, repo) => {
      const res = await registryRequest(reg, `/v2/${repo}/manifests/${image.digest}`, { method: 'DELETE' });
      expect(res.status).toBe(202);
    },
    expected: 'not-pullable',
    cause: 'manifest-missing',
  },
  {
    name: 'a layer deleted after the push',
    reg: () => plain,
    repo: 'broken',
    kind: 'oci',
    nodeTrust: 'skip-verify',
    withSecret: false,
    node: (dir, host) => writeNodeHostsToml(dir, host, { scheme: 'http' }),
    after: (reg, image) => deleteBlob(reg, image.blobs.at(-1)!),
    freshNode: true,
    expected: 'not-pullable',
    cause: 'blob-missing',
  },
  {
    name: 'pull secret with the read-only pull account (basic auth)',
    reg: () => tlsBasic,
    kind: 'docker',
    nodeTrust: 'ca-cert',
    withSecret: true,
    secret: pullAccountSecret({ key: (host) => `https://${host}` }),
    node: caOnNode,
    expected: 'pullable',
  },
  {
    name: 'pull secret with the read-only pull account (token auth)',
    reg: () => tlsToken,
    kind: 'ociIndex',
    nodeTrust: 'ca-cert',
    withSecret: true,
    secret: pullAccountSecret(),
    node: caOnNode,
    expected: 'pullable',
  },
  {
    name: "pull secret with a wrong password, though the login's credentials work (basic auth)",
    reg: () => tlsBasic,
    kind: 'oci',
    nodeTrust: 'ca-cert',
    withSecret: true,
    secret: pullAccountSecret({ password: 'wrong-password' }),
    node: caOnNode,
    expected: 'needs-credentials',
    cause: 'unauthorized',
  },
  {
    name: "pull secret with a wrong password, though the login's credentials work (token auth)",
    reg: () => tlsToken,
    kind: 'ociIndex',
    nodeTrust: 'ca-cert',
    withSecret: true,
    secret: pullAccountSecret({ password: 'wrong-password' }),
    node: caOnNode,
    expected: 'needs-credentials',
    cause: 'unauthorized',
  },
  {
    name: 'pull secret missing: the node pulls without credentials',
    reg: () => tlsToken,
    kind: 'ociIndex',
    nodeTrust: 'ca-cert',
    withSecret: true,
    secret: { nodeUser: () => undefined },
    node: caOnNode,
    expected: 'needs-credentials',
    cause: 'unauthorized',
  },
  {
    name: 'pull secret without an entry for the registry (another port): the node pulls without credentials',
    reg: () => tlsBasic,
    kind: 'dockerList',
    nodeTrust: 'ca-cert',
    withSecret: true,
    secret: {
      auths: (reg, host) => ({
        [host.replace(/:\d+$/, ':1')]: authEntry(reg.puller!.username, reg.puller!.password),
      }),
      nodeUser: () => undefined,
    },
    node: caOnNode,
    expected: 'needs-credentials',
    cause: 'unauthorized',
  },
];

/** A scene for the stand-in for kubectl with the secret regcred in namespace shop (none when `auths` is undefined). */
async function secretScene(auths: object | undefined): Promise<KubeTarget> {
  const dir = await mkdtemp(join(scratch, 'kube-'));
  await writeFile(join(dir, 'scene.json'), '{}');
  if (auths) await writeSecretFixture(dir, pullSecret('regcred', 'shop', auths));
  return { kubeconfigPath: join(dir, 'kubeconfig'), context: '', namespace: 'shop', kubectlPath: STAND_IN };
}

describe('verify-pull: registry agrees with a real containerd pull', () => {
  test.each(scenarios.map((s) => [s.name, s] as const))('%s', async (_name, s) => {
    const reg = s.reg();
    const repo = s.repo ?? 'demo';
    const image = repo === 'demo' ? seeded.get(reg)![s.kind] : await describeSeeded(reg, repo, s.kind);
    if (s.after) await s.after(reg, image, repo);
    const host = nonLoopback(reg);
    const platform = s.platform ?? 'linux/amd64';
    const hostsDir = join(scratch, `hosts-${namespaces + 1}`);
    await s.node(hostsDir, host, reg);

    const fresh = s.freshNode ? await startContainerd() : undefined;
    const loginUser = s.withSecret ? `${reg.username}:${reg.password}` : undefined;
    const node = await nodePull(`${host}/${repo}@${image.digest}`, {
      hostsDir,
      node: fresh,
      user: s.secret ? s.secret.nodeUser(reg) : loginUser,
      platform,
    }).finally(() => fresh?.stop());
    const kube = s.secret ? await secretScene(s.secret.auths?.(reg, host)) : undefined;
    const opts = {
      images: [{ name: 'app', image: `${host}/${repo}:x`, digest: image.digest, repo, host }],
      platforms: [platform],
      access: (h: string) => runnerAccess(reg, h),
      nodeTrust: s.nodeTrust,
      caCert: reg.ca?.certPem ?? '',
      imagePullSecret: s.withSecret ? 'regcred' : '',
    };
    const state = kube ? await readPullSecret(kubectlFor(kube), 'regcred', kube) : undefined;
    const plan = credentialsPlan({ ...opts, kube, state, noSecretWhy: 'there is no kubeconfig to read it with' });
    const [action] = await checkFromNodeView({ ...opts, credentials: plan.forImage });
    const check = await checkPull({ ...opts, mode: 'registry', command: 'build', kube });

    // The action's answer equals the runtime's.
    expect({ ok: action!.ok, output: node.output }).toEqual({ ok: node.ok, output: node.output });
    expect(check.results[0]!.ok).toBe(node.ok);
    expect(check.verdict).toBe(s.expected);
    if (!node.ok) {
      // containerd's own words, read by the classifier, give the same verdict and cause as the action's check.
      const sent = action!.credentials;
      const fromRuntime = classifyPullError(node.output, {
        host,
        platform,
        imagePullSecret: opts.imagePullSecret,
        sent,
      });
      expect(fromRuntime.verdict).toBe(s.expected);
      expect(fromRuntime.cause).toBe(s.cause);
      expect(action!.failure!.cause).toBe(s.cause);
      if (process.env.NODES_PRINT_CTR) console.log(`${s.name}\n${node.output}\n${action!.failure!.reason}`);
      expect(check.results[0]!.remediation).not.toBe('');
      // Read from containerd's words or from the action's own failure, the finding names the secret the same way.
      if (s.secret) expect(fromRuntime.remediation).toBe(check.results[0]!.remediation);
    }
    // What the check sent: the secret's credentials when it was read, else what stood in for it.
    const said = check.results[0]!.reason;
    if (s.secret?.nodeUser(reg)) {
      expect(said).toMatch(
        node.ok
          ? /pulled as a node would, with the credentials of secret regcred/
          : /^the registry refused the credentials in secret regcred: /,
      );
    } else if (s.secret) {
      expect(said).toMatch(/^secret regcred in namespace "shop" (does not exist|has no entry the kubelet uses for)/);
    } else if (s.withSecret) {
      expect(said).toContain("the login's credentials in place of secret regcred");
    }
  });
});

async function describeSeeded(reg: Registry, repo: string, kind: SeededKind): Promise<SeededImage> {
  const tags: Record<SeededKind, string> = {
    oci: '1',
    ociIndex: 'multi',
    docker: 'docker1',
    dockerList: 'dockermulti',
  };
  return describeImage(reg, repo, tags[kind]);
}
