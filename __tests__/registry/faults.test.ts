import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  seedImages,
  startRegistry,
  stopAll,
  type Registry,
  type SeededImage,
  type SeededKind,
} from '../support/rig/index.js';
import { startFaultProxy, type FaultProxy } from '../support/faults/proxy.js';
import {
  RegistryError,
  createRegistryClient,
  type RegistryAccess,
  type RegistryClientOptions,
} from '../../src/registry/index.js';
import { verifyImages } from '../../src/verify.js';

// The real registry behind a fault-injecting reverse proxy: the client talks to the proxy as if it were the registry.
let reg: Registry;
let proxy: FaultProxy;
let seeded: Record<SeededKind, SeededImage>;

const access = (): RegistryAccess => ({
  host: proxy.host,
  scheme: 'http',
  trust: 'system',
  username: '',
  password: '',
});
const fast: RegistryClientOptions = { retry: { maxRetries: 2, minDelayMs: 50, maxDelayMs: 2_000 }, timeoutMs: 2_000 };
const seen = (re: RegExp) => proxy.seen.filter((l) => re.test(l)).length;

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T | unknown; ms: number }> {
  const t0 = Date.now();
  const value = await fn().catch((e: unknown) => e);
  return { value, ms: Date.now() - t0 };
}

beforeAll(async () => {
  reg = await startRegistry({ tls: false, auth: 'none' });
  seeded = await seedImages(reg);
  proxy = await startFaultProxy(reg.url);
}, 60_000);

beforeEach(() => {
  proxy.setRules([]);
  proxy.seen.length = 0;
});

afterAll(async () => {
  await proxy?.stop();
  await stopAll();
});

describe('faults between the client and the real registry', () => {
  it('503 with Retry-After: waits as told, retries, succeeds', async () => {
    proxy.setRules([
      {
        match: /^GET \/v2\/demo\/manifests\/1$/,
        times: 2,
        fault: { kind: 'status', status: 503, headers: { 'Retry-After': '1' } },
      },
    ]);
    const client = createRegistryClient(access(), fast);
    const { value, ms } = await timed(() => client.getManifest('demo', '1'));
    await client.close();
    expect(value).toMatchObject({ digest: seeded.oci.digest });
    expect(seen(/manifests\/1$/)).toBe(3);
    expect(ms).toBeGreaterThanOrEqual(1_900); // two waits of Retry-After: 1 s, not the 50 ms backoff
    expect(client.requestCount()).toBe(1 + 3);
  });

  it('429 that does not stop: a clear TOOMANYREQUESTS failure after the retries, within the bound', async () => {
    const body = '{"errors":[{"code":"TOOMANYREQUESTS","message":"pull rate limit exceeded"}]}';
    proxy.setRules([
      {
        match: /manifests/,
        times: 100,
        fault: { kind: 'status', status: 429, body, headers: { 'Content-Type': 'application/json' } },
      },
    ]);
    const client = createRegistryClient(access(), fast);
    const { value, ms } = await timed(() => client.getManifest('demo', '1'));
    await client.close();
    expect(value).toBeInstanceOf(RegistryError);
    expect(value).toMatchObject({
      code: 'TOOMANYREQUESTS',
      status: 429,
      message: `GET ${proxy.url}/v2/demo/manifests/1 answered 429: TOOMANYREQUESTS (pull rate limit exceeded)`,
    });
    expect(seen(/manifests/)).toBe(3); // the first try and maxRetries = 2
    expect(ms).toBeLessThan(2_000);
  });

  it('a reset connection during verification: retried, and the stage verifies', async () => {
    proxy.setRules([
      { match: /^HEAD \/v2\/demo\/blobs\//, times: 1, fault: { kind: 'reset' } },
      { match: /^GET \/v2\/demo\/manifests\/multi$/, times: 1, fault: { kind: 'reset' } },
    ]);
    const report = {
      images: [{ name: 'app', repo: `${proxy.host}/demo`, tag: 'multi', digest: seeded.ociIndex.digest, final: true }],
    };
    const r = await verifyImages(report, access, fast);
    expect(r.problems).toEqual([]);
    expect(r.images.app?.platforms).toEqual(['linux/amd64', 'linux/arm64/v8']);
    expect(seen(/manifests\/multi$/)).toBe(2);
    expect(seen(/^HEAD/)).toBe(seeded.ociIndex.blobs.length + 1);
  });

  it('a slow answer: fine within the timeout; past it, a clear timeout failure, not retried', async () => {
    proxy.setRules([{ match: /manifests\/1$/, times: 1, fault: { kind: 'delay', ms: 300 } }]);
    const ok = createRegistryClient(access(), fast);
    expect(await ok.getManifest('demo', '1')).toMatchObject({ digest: seeded.oci.digest });
    await ok.close();

    proxy.setRules([{ match: /manifests\/1$/, times: 1, fault: { kind: 'delay', ms: 5_000 } }]);
    const slow = createRegistryClient(access(), { ...fast, timeoutMs: 500 });
    const { value, ms } = await timed(() => slow.getManifest('demo', '1'));
    await slow.close();
    expect(value).toMatchObject({ code: 'UND_ERR_HEADERS_TIMEOUT' });
    expect((value as Error).message).toBe(
      `GET ${proxy.url}/v2/demo/manifests/1 failed: no answer came within the request timeout (UND_ERR_HEADERS_TIMEOUT).`,
    );
    expect(ms).toBeLessThan(1_500);
  });

  it('a 404 is an answer, not a fault: never retried', async () => {
    const client = createRegistryClient(access(), fast);
    await expect(client.getManifest('demo', 'absent')).rejects.toMatchObject({ code: 'MANIFEST_UNKNOWN' });
    await client.close();
    expect(seen(/manifests\/absent/)).toBe(1);
  });

  it('the bound on the whole stage: a registry that keeps answering 503 fails the stage in time, naming the image', async () => {
    proxy.setRules([
      { match: /blobs/, times: 1_000, fault: { kind: 'status', status: 503, headers: { 'Retry-After': '30' } } },
    ]);
    const report = {
      images: [{ name: 'app', repo: `${proxy.host}/demo`, tag: '1', digest: seeded.oci.digest, final: true }],
    };
    const { value, ms } = await timed(() =>
      // Each wait (capped at 1.5 s) outlasts the 1 s bound; the cap keeps undici's last retry timer from outliving the test.
      verifyImages(report, access, { retry: { maxRetries: 10, maxDelayMs: 1_500 }, deadlineMs: 1_000 }),
    );
    const r = value as Awaited<ReturnType<typeof verifyImages>>;
    expect(r.verified).toBe(false);
    expect(r.problems[0]).toMatch(
      new RegExp(
        `^Image app \\(${proxy.host}/demo:1, ${seeded.oci.digest}\\): the config blob sha256:\\w+ of manifest ${seeded.oci.digest} could not be checked in ${proxy.host}/demo: (GET|HEAD) .* failed: the verification time bound ran out`,
      ),
    );
    expect(ms).toBeLessThan(2_000);
    // undici's retry timer does not watch the stage's signal: let its last wait (at most 1.5 s) run out here, so that
    // no timer outlives the test file.
    await new Promise((resolve) => setTimeout(resolve, 1_600));
  });
});
