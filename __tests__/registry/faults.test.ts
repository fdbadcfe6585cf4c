import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  seedImages,
  startRegistry,
  stopAll,
  type Registry,
  type SeededImage,
  type SeededKind,
} from '../support/rig/index.js';
import { startFaultProxy, type FaultProxy, type FaultRule } from '../support/faults/proxy.js';
import {
  RegistryError,
  createRegistryClient,
  type RegistryAccess,
  type RegistryClientOptions,
} from '../../src/registry/index.js';
import { verificationFailure, verifyImages, type VerifyOptions, type VerifyResult } from '../../src/verify.js';

// The real registry behind a fault-injecting reverse proxy: the client talks to the proxy as if it were the registry.
// A second registry with token auth stands behind a second proxy that fronts its token issuer too.
let reg: Registry;
let proxy: FaultProxy;
let seeded: Record<SeededKind, SeededImage>;
let tokenReg: Registry;
let tokenProxy: FaultProxy;
let tokenSeeded: Record<SeededKind, SeededImage>;

const access = (): RegistryAccess => ({
  host: proxy.host,
  scheme: 'http',
  trust: 'system',
  username: '',
  password: '',
});
const tokenAccess = (): RegistryAccess => ({
  host: tokenProxy.host,
  scheme: 'http',
  trust: 'system',
  username: tokenReg.username,
  password: tokenReg.password,
});
const fast: RegistryClientOptions = { retry: { maxRetries: 2, minDelayMs: 50, maxDelayMs: 2_000 }, timeoutMs: 2_000 };
const seen = (re: RegExp, p = proxy) => p.seen.filter((l) => re.test(l)).length;
const ALWAYS = Number.POSITIVE_INFINITY;

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T | unknown; ms: number }> {
  const t0 = Date.now();
  const value = await fn().catch((e: unknown) => e);
  return { value, ms: Date.now() - t0 };
}

/** The build report werf would write for one seeded image of the proxied registry. */
function reportFor(kind: SeededKind, p = proxy, s = seeded, repo = 'demo') {
  const tag = s[kind].ref.split(':').pop()!;
  return { images: [{ name: 'app', repo: `${p.host}/${repo}`, tag, digest: s[kind].digest, final: true }] };
}

async function verifyWith(rules: FaultRule[], kind: SeededKind, opts: VerifyOptions = fast) {
  proxy.setRules(rules);
  return timed(() => verifyImages(reportFor(kind), access, opts)) as Promise<{ value: VerifyResult; ms: number }>;
}

beforeAll(async () => {
  [reg, tokenReg] = await Promise.all([
    startRegistry({ tls: false, auth: 'none' }),
    startRegistry({ tls: false, auth: 'token' }),
  ]);
  [seeded, tokenSeeded] = await Promise.all([seedImages(reg), seedImages(tokenReg)]);
  proxy = await startFaultProxy(reg.url);
  tokenProxy = await startFaultProxy({
    registry: tokenReg.url,
    tokenIssuer: new URL(tokenReg.tokenIssuer!.url).origin,
  });
}, 60_000);

beforeEach(() => {
  for (const p of [proxy, tokenProxy]) {
    p.setRules([]);
    p.seen.length = 0;
    p.ranged.length = 0;
  }
});

afterAll(async () => {
  await proxy?.stop();
  await tokenProxy?.stop();
  await stopAll();
});

describe('a body that breaks off: fetched again in full, never resumed with Range', () => {
  it('a reset in the middle of a manifest body: GET again from the start, and the stage verifies', async () => {
    const { value: r } = await verifyWith(
      [{ match: /^GET \/v2\/demo\/manifests\/multi$/, times: 1, fault: { kind: 'reset-body' } }],
      'ociIndex',
    );
    expect(r.problems).toEqual([]);
    expect(r.checks.app).toEqual({ verdict: 'verified' });
    expect(r.images.app?.platforms).toEqual(['linux/amd64', 'linux/arm64/v8']);
    expect(seen(/^GET \/v2\/demo\/manifests\/multi$/)).toBe(2);
    expect(proxy.ranged).toEqual([]); // undici's resume would have asked for the rest with Range, and been refused
  });

  it('a reset in the middle of a blob body (the image config): GET again from the start, and the stage verifies', async () => {
    const config = seeded.oci.blobs[0]!;
    const { value: r } = await verifyWith(
      [{ match: new RegExp(`^GET /v2/demo/blobs/${config}$`), times: 1, fault: { kind: 'reset-body' } }],
      'oci',
    );
    expect(r.problems).toEqual([]);
    expect(r.images.app?.platforms).toEqual(['linux/amd64']); // read from the config that was fetched again
    expect(seen(new RegExp(`^GET /v2/demo/blobs/${config}$`))).toBe(2);
    expect(proxy.ranged).toEqual([]);
  });

  it('a body that breaks off every time: "could not be checked (connection failed)", after 1 + maxRetries GETs', async () => {
    const { value: r, ms } = await verifyWith(
      [{ match: /^GET \/v2\/demo\/manifests\/1$/, times: ALWAYS, fault: { kind: 'reset-body' } }],
      'oci',
    );
    expect(r.verified).toBe(false);
    expect(r.checks.app).toMatchObject({ verdict: 'unchecked', reason: 'connection failed' });
    expect(r.problems).toEqual([
      expect.stringMatching(
        /^Image app \(.*\): could not be checked \(connection failed\): the manifest of tag 1 could not be checked in .*: GET .* failed: the connection broke while the answer was read/,
      ),
    ]);
    expect(seen(/^GET \/v2\/demo\/manifests\/1$/)).toBe(3);
    expect(proxy.ranged).toEqual([]);
    expect(ms).toBeLessThan(10_000);
  });
});

describe('busy registries: 503 and 429, with and without Retry-After', () => {
  it('503 three times, then the answer: retried with backoff, succeeds', async () => {
    proxy.setRules([{ match: /^GET \/v2\/demo\/manifests\/1$/, times: 3, fault: { kind: 'status', status: 503 } }]);
    const client = createRegistryClient(access(), { ...fast, retry: { maxRetries: 3, minDelayMs: 50 } });
    const m = await client.getManifest('demo', '1');
    await client.close();
    expect(m.digest).toBe(seeded.oci.digest);
    expect(seen(/manifests\/1$/)).toBe(4);
  });

  it('503 with Retry-After: 1: waits as told, retries, succeeds', async () => {
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

  it('429 with Retry-After as an HTTP-date 2 s ahead: waits until then, succeeds', async () => {
    const at = new Date(Date.now() + 2_000).toUTCString(); // whole seconds: the wait is 1 to 2 s
    proxy.setRules([
      {
        match: /^GET \/v2\/demo\/manifests\/1$/,
        times: 1,
        fault: { kind: 'status', status: 429, headers: { 'Retry-After': at } },
      },
    ]);
    const client = createRegistryClient(access(), fast);
    const { value, ms } = await timed(() => client.getManifest('demo', '1'));
    await client.close();
    expect(value).toMatchObject({ digest: seeded.oci.digest });
    expect(seen(/manifests\/1$/)).toBe(2);
    expect(ms).toBeGreaterThanOrEqual(900); // the date, not the 50 ms backoff
  });

  it('429 with Retry-After: 1 in verification: waits, and the stage verifies', async () => {
    const { value: r, ms } = await verifyWith(
      [
        {
          match: /^HEAD \/v2\/demo\/blobs\//,
          times: 1,
          fault: { kind: 'status', status: 429, headers: { 'Retry-After': '1' } },
        },
      ],
      'ociIndex',
    );
    expect(r.problems).toEqual([]);
    expect(r.verified).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(900);
  });

  it('429 with a long Retry-After (1 hour, in seconds or as a date): "could not be checked (registry busy)" at once', async () => {
    const body = '{"errors":[{"code":"TOOMANYREQUESTS","message":"pull rate limit exceeded"}]}';
    for (const retryAfter of ['3600', new Date(Date.now() + 3_600_000).toUTCString()]) {
      proxy.seen.length = 0;
      const { value: r, ms } = await verifyWith(
        [
          {
            match: /^GET \/v2\/demo\/manifests\/1$/,
            times: ALWAYS,
            fault: {
              kind: 'status',
              status: 429,
              body,
              headers: { 'Retry-After': retryAfter, 'Content-Type': 'application/json' },
            },
          },
        ],
        'oci',
      );
      expect(r.verified).toBe(false);
      expect(r.checks.app).toMatchObject({ verdict: 'unchecked', reason: 'registry busy' });
      expect(r.problems).toEqual([
        expect.stringMatching(
          new RegExp(
            `^Image app \\(${proxy.host}/demo:1, ${seeded.oci.digest}\\): could not be checked \\(registry busy\\): the manifest of tag 1 could not be checked in ${proxy.host}/demo: GET ${proxy.url}/v2/demo/manifests/1 answered 429: TOOMANYREQUESTS \\(pull rate limit exceeded\\); it asked to retry after 3[56]\\d\\d s$`,
          ),
        ),
      ]);
      expect(seen(/manifests\/1$/)).toBe(1); // not asked again: an hour is past the bound
      expect(ms).toBeLessThan(5_000);
    }
  });

  it('429 without Retry-After that does not stop: a clear TOOMANYREQUESTS failure after the retries', async () => {
    const body = '{"errors":[{"code":"TOOMANYREQUESTS","message":"pull rate limit exceeded"}]}';
    proxy.setRules([
      {
        match: /manifests/,
        times: ALWAYS,
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
    expect(ms).toBeLessThan(5_000);
  });

  it('constant 503: "could not be checked (registry busy)" after the retries, never "not in the registry"', async () => {
    const { value: r, ms } = await verifyWith(
      [{ match: /^HEAD \/v2\/demo\/blobs\//, times: ALWAYS, fault: { kind: 'status', status: 503 } }],
      'ociIndex',
    );
    expect(r.verified).toBe(false);
    expect(r.checks.app).toMatchObject({ verdict: 'unchecked', reason: 'registry busy' });
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatch(
      new RegExp(
        `^Image app \\(${proxy.host}/demo:multi, ${seeded.ociIndex.digest}\\): could not be checked \\(registry busy\\): the (config|layer) blob sha256:\\w+ of manifest sha256:\\w+ could not be checked in ${proxy.host}/demo: HEAD .* answered 503: no error body`,
      ),
    );
    expect(r.problems[0]).not.toMatch(/missing/);
    expect(verificationFailure(r.checks)).toMatch(
      /^1 of 1 image could not be checked in the registry \(registry busy\), so the push is not verified \(nothing proves an image missing\); run the job again when the registry answers\. app /,
    );
    // Every distinct blob was asked 1 + maxRetries times, no more.
    expect(seen(/^HEAD/)).toBe(seeded.ociIndex.blobs.length * 3);
    expect(ms).toBeLessThan(10_000);
  });

  it('a missing blob and a busy one: the image is "not in the registry"; the proof outweighs the fault', async () => {
    const [config, layer] = seeded.oci.blobs;
    const { value: r } = await verifyWith(
      [
        { match: new RegExp(`^GET /v2/demo/blobs/${config}$`), times: ALWAYS, fault: { kind: 'status', status: 503 } },
        {
          match: new RegExp(`^HEAD /v2/demo/blobs/${layer}$`),
          times: ALWAYS,
          fault: { kind: 'status', status: 404, body: '' },
        },
      ],
      'oci',
    );
    expect(r.checks.app).toMatchObject({ verdict: 'not-in-registry' });
    expect(r.problems[0]).toMatch(
      /^Image app .*: not in the registry as werf reported: the layer blob .* is missing from /,
    );
    expect(r.problems[0]).toMatch(/; the config blob .* could not be checked in .* answered 503/);
  });
});

describe('a registry that does not answer, and the stage deadline', () => {
  it('a hung registry: "could not be checked (no answer)" once the request timeout passes, not retried', async () => {
    const { value: r, ms } = await verifyWith(
      [{ match: /^GET \/v2\/demo\/manifests\/1$/, times: ALWAYS, fault: { kind: 'hang' } }],
      'oci',
      { ...fast, timeoutMs: 1_000 },
    );
    expect(r.verified).toBe(false);
    expect(r.checks.app).toMatchObject({ verdict: 'unchecked', reason: 'no answer' });
    expect(r.problems).toEqual([
      `Image app (${proxy.host}/demo:1, ${seeded.oci.digest}): could not be checked (no answer): the manifest of tag 1 could not be checked in ${proxy.host}/demo: GET ${proxy.url}/v2/demo/manifests/1 failed: no answer came within the request timeout (UND_ERR_HEADERS_TIMEOUT).`,
    ]);
    expect(seen(/manifests\/1$/)).toBe(1);
    expect(ms).toBeLessThan(10_000);
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
    expect(ms).toBeLessThan(3_000);
  });

  it('a reset before any answer: retried, and the stage verifies', async () => {
    const { value: r } = await verifyWith(
      [
        { match: /^HEAD \/v2\/demo\/blobs\//, times: 1, fault: { kind: 'reset' } },
        { match: /^GET \/v2\/demo\/manifests\/multi$/, times: 1, fault: { kind: 'reset' } },
      ],
      'ociIndex',
    );
    expect(r.problems).toEqual([]);
    expect(seen(/manifests\/multi$/)).toBe(2);
    expect(seen(/^HEAD/)).toBe(seeded.ociIndex.blobs.length + 1);
  });

  it('a 404 is an answer, not a fault: never retried', async () => {
    const client = createRegistryClient(access(), fast);
    await expect(client.getManifest('demo', 'absent')).rejects.toMatchObject({ code: 'MANIFEST_UNKNOWN' });
    await client.close();
    expect(seen(/manifests\/absent/)).toBe(1);
  });

  it('the stage deadline cuts a Retry-After wait short, and no retry timer outlives the stage', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((t) => t === 'Timeout').length;
    const before = timers();
    const { value: r, ms } = await verifyWith(
      [
        {
          match: /^HEAD \/v2\/demo\/blobs\//,
          times: ALWAYS,
          fault: { kind: 'status', status: 503, headers: { 'Retry-After': '8' } },
        },
      ],
      'ociIndex',
      // An 8 s wait is within the Retry-After bound (20 s) but not within the stage's 1 s.
      { retry: { maxRetries: 10, maxRetryAfterMs: 20_000 }, deadlineMs: 1_000 },
    );
    expect(r.verified).toBe(false);
    expect(r.checks.app).toMatchObject({ verdict: 'unchecked', reason: 'time bound ran out' });
    expect(r.problems[0]).toMatch(
      /could not be checked \(time bound ran out\): .* failed: the stage's time bound ran out/,
    );
    expect(ms).toBeLessThan(5_000);
    // undici's own retry timer would still be waiting out its 8 s here, keeping the process alive.
    expect(timers()).toBeLessThanOrEqual(before);
  });
});

describe('token auth: the token endpoint faulted', () => {
  const verifyToken = () => verifyImages(reportFor('oci', tokenProxy, tokenSeeded), tokenAccess, fast);

  it('the token endpoint answers 503 twice, then a token: retried, and the stage verifies', async () => {
    tokenProxy.setRules([{ match: /^GET \/token\?/, times: 2, fault: { kind: 'status', status: 503 } }]);
    const r = await verifyToken();
    expect(r.problems).toEqual([]);
    expect(seen(/^GET \/token\?/, tokenProxy)).toBe(3);
  });

  it('the token endpoint down (503 on every try): "could not be checked (registry busy)", naming the token issuer', async () => {
    tokenProxy.setRules([{ match: /^GET \/token\?/, times: ALWAYS, fault: { kind: 'status', status: 503 } }]);
    const { value, ms } = await timed(verifyToken);
    const r = value as VerifyResult;
    expect(r.verified).toBe(false);
    expect(r.checks.app).toMatchObject({ verdict: 'unchecked', reason: 'registry busy' });
    expect(r.problems[0]).toMatch(
      new RegExp(
        `could not be checked \\(registry busy\\): the manifest of tag 1 could not be checked in ${tokenProxy.host}/demo: The token issuer of ${tokenProxy.host} could not issue a token to user rig-user: GET ${tokenProxy.url}/token\\?.* answered 503`,
      ),
    );
    expect(ms).toBeLessThan(10_000);
  });

  it('the token endpoint resets the connection every time: "could not be checked (connection failed)"', async () => {
    tokenProxy.setRules([{ match: /^GET \/token\?/, times: ALWAYS, fault: { kind: 'reset' } }]);
    const r = await verifyToken();
    expect(r.checks.app).toMatchObject({ verdict: 'unchecked', reason: 'connection failed' });
    expect(r.problems[0]).toMatch(/Could not get a token from the token issuer of/);
    expect(seen(/^GET \/token\?/, tokenProxy)).toBe(3);
  });
});
