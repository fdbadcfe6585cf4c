/**
 * Verification benchmark (a script, not a test): 50 images of 6 blobs each (config + 5 layers, Docker schema2, as
 * werf pushes) in 5 repositories of a local TLS registry with token auth; the verification stage against
 * (1) the minimum number of requests, (2) `curl --parallel` over the same manifest and blob URLs, (3) a
 * `skopeo inspect` loop over the same images. Run: `npx tsx bench/verify.bench.ts` (see bench/README.md).
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  authorizationFor,
  makeTempDir,
  removeTempDir,
  runTool,
  startRegistry,
  stopAll,
  type Registry,
} from '../__tests__/support/rig/index.js';
import { MANIFEST_ACCEPT } from '../src/registry/index.js';
import { verifyImages, type VerifiableImage } from '../src/verify.js';
import { median } from './measure.js';
import { CONFIG_TYPE, pushBlob, pushManifest } from './push.js';

const REPOS = 5;
const IMAGES = 50;
const LAYERS = 5; // + 1 config = 6 blobs
const CONCURRENCY = 8;
// Rounds of (verify, curl) measured in turns; the medians are compared.
const ROUNDS = 9;

/** Pushes one image of a config and LAYERS random layers; returns its build-report entry. */
async function pushImage(reg: Registry, repo: string, tag: string): Promise<VerifiableImage & { blobs: string[] }> {
  const layers = await Promise.all(Array.from({ length: LAYERS }, () => pushBlob(reg, repo, randomBytes(4096))));
  const config = await pushBlob(
    reg,
    repo,
    Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', tag })),
    CONFIG_TYPE,
  );
  const digest = await pushManifest(reg, repo, tag, config, layers);
  const blobs = [config.digest, ...layers.map((l) => l.digest)];
  return {
    name: `${repo}-${tag}`,
    repo: `${reg.host}/${repo}`,
    tag,
    digest,
    final: true,
    platforms: ['linux/amd64'],
    blobs,
  };
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function main() {
  const reg = await startRegistry({ tls: true, auth: 'token' });
  const work = await makeTempDir('bench');
  try {
    const repos = Array.from({ length: REPOS }, (_, i) => `bench/app${i}`);
    const images = await Promise.all(
      Array.from({ length: IMAGES }, (_, i) => pushImage(reg, repos[i % REPOS]!, `v${Math.floor(i / REPOS)}`)),
    );
    const access = () => ({
      host: reg.host,
      scheme: 'https' as const,
      trust: 'ca' as const,
      ca: reg.ca!.certPem,
      username: reg.username,
      password: reg.password,
    });
    const minimum = 1 + REPOS + IMAGES + IMAGES * (LAYERS + 1);

    // 1. The verification stage, as the action runs it (a fresh client per run: ping and tokens included).
    const runs: number[] = [];
    let requests = 0;
    const verifyOnce = async () => {
      let r: Awaited<ReturnType<typeof verifyImages>> | undefined;
      runs.push(await timed(async () => (r = await verifyImages({ images }, access, { concurrency: CONCURRENCY }))));
      if (!r!.verified) throw new Error(`verification failed: ${r!.problems.join('\n')}`);
      requests = r!.requests;
    };

    // 2. The floor: curl --parallel over the same manifest and blob URLs, tokens minted up front.
    const token = (repo: string) => authorizationFor(reg, [`repository:${repo}:pull`])!;
    const groups = images.flatMap((img) => {
      const repo = img.repo.slice(reg.host.length + 1);
      const common = [
        `cacert = "${reg.ca!.certPath}"`,
        `header = "Authorization: ${token(repo)}"`,
        'output = "/dev/null"',
        'write-out = "%{http_code}\\n"',
        'silent',
      ];
      return [
        [`url = "${reg.url}/v2/${repo}/manifests/${img.tag}"`, `header = "Accept: ${MANIFEST_ACCEPT}"`, ...common],
        ...img.blobs.map((b) => [`url = "${reg.url}/v2/${repo}/blobs/${b}"`, 'head', ...common]),
      ];
    });
    const config = join(work, 'curl.conf');
    await writeFile(config, groups.map((g) => g.join('\n')).join('\nnext\n') + '\n');
    const curlRuns: number[] = [];
    // The two are measured in turns, so that a slower moment of the machine weighs on both alike.
    for (let i = 0; i < ROUNDS; i++) {
      await verifyOnce();
      let out = '';
      curlRuns.push(
        await timed(
          async () =>
            (out = (await runTool('curl', ['--parallel', '--parallel-max', String(CONCURRENCY), '-K', config])).stdout),
        ),
      );
      const ok = out.split('\n').filter((c) => c === '200').length;
      if (ok !== groups.length) throw new Error(`curl: ${ok} of ${groups.length} answered 200`);
    }

    // 3. What users script today: skopeo inspect, one image after another.
    const authfile = join(work, 'auth.json');
    const basic = Buffer.from(`${reg.username}:${reg.password}`).toString('base64');
    await writeFile(authfile, JSON.stringify({ auths: { [reg.host]: { auth: basic } } }), { mode: 0o600 });
    const skopeo = await timed(async () => {
      for (const img of images) {
        const r = await runTool('skopeo', [
          'inspect',
          '--cert-dir',
          reg.ca!.dir,
          '--authfile',
          authfile,
          `docker://${img.repo}:${img.tag}`,
        ]);
        if (r.code !== 0) throw new Error(`skopeo inspect ${img.repo}:${img.tag}: ${r.output}`);
      }
    });

    const ours = median(runs);
    const floor = median(curlRuns);
    const line = (k: string, v: string) => console.log(`${k.padEnd(34)} ${v}`);
    line('images / blobs / repositories', `${IMAGES} / ${IMAGES * (LAYERS + 1)} / ${REPOS}`);
    line(
      'requests (verify) / minimum',
      `${requests} / ${minimum}  (${requests === minimum ? 'exactly the minimum' : 'ABOVE the minimum'})`,
    );
    line(
      `verify wall time (median of ${ROUNDS})`,
      `${ours.toFixed(0)} ms  [${runs.map((r) => r.toFixed(0)).join(', ')}]`,
    );
    line(
      `curl --parallel-max ${CONCURRENCY} (median of ${ROUNDS})`,
      `${floor.toFixed(0)} ms  [${curlRuns.map((r) => r.toFixed(0)).join(', ')}]  (${groups.length} URLs)`,
    );
    line('skopeo inspect loop', `${skopeo.toFixed(0)} ms`);
    line('verify / curl (target <= 1.5)', `${(ours / floor).toFixed(2)}x`);
    line('skopeo / verify (target >= 5)', `${(skopeo / ours).toFixed(1)}x`);
  } finally {
    await removeTempDir(work);
    await stopAll();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
